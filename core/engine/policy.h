/* The policy: environments, their order, and the gates of each promotion.
 * Loaded from bytes (a blob at the policy ref, or a local file) and validated
 * completely before anything is evaluated. */
#ifndef PROMOTE_POLICY_H
#define PROMOTE_POLICY_H

#include <jansson.h>
#include <stddef.h>

#include "core/base/err.h"

#define POLICY_PATH ".promote/policy.json"
#define POLICY_MAX_BYTES (4 * 1024 * 1024)

struct policy_env {
    const char *name;
    const char *branch;
    const char *aws_account_id;
    const char *region;
    const char *failover_region; /* NULL when none */
    const char *github_environment;
    const char *tag_template; /* NULL: approved promotions into it are not tagged */
    const json_t *deploy;     /* NULL: nothing is triggered */
    const json_t *rollback_roles; /* array of role names; NULL: nobody may roll it back */
    const char *description;      /* NULL when none */
    const json_t *matrix;         /* the environment matrix (policy_matrix_attrs), or NULL */
};

/* The attributes an environment's "matrix" object may hold, in their display order. */
enum policy_attr_kind {
    ATTR_TEXT,          /* a non-empty string */
    ATTR_TEXT_OR_NULL,  /* a non-empty string, or null for none */
    ATTR_TEXTS,         /* an array of non-empty strings (empty: none) */
    ATTR_COUNT,         /* an integer within [min, max] */
    ATTR_COUNT_OR_NULL, /* an integer within [min, max], or null for none */
    ATTR_PERCENT,       /* a number from 0 to 100 */
    ATTR_BOOL
};

struct policy_attr {
    const char *key;
    enum policy_attr_kind kind;
    const char *label; /* for people: "Lambda reserved concurrency" */
    const char *unit;  /* appended to numbers: " days"; NULL for none */
    long long min, max;
};

extern const struct policy_attr policy_matrix_attrs[]; /* ends with a NULL key */

struct policy_promotion {
    const char *from;
    const char *to;
    const json_t *gates; /* array of gate objects, validated */
};

struct policy {
    json_t *root; /* owns every string above */
    unsigned char sha256[32];
    char sha256_hex[65];
    char source[512]; /* "refs/heads/main:.promote/policy.json" or a file path */
    int local_override;  /* read from --policy FILE, not the policy ref */
    size_t n_envs;
    struct policy_env *envs;
    size_t n_promotions;
    struct policy_promotion *promotions;
    const char *audit_ref;       /* audit_log.ref: where the log lives (AUDIT_REF) */
    int audit_allow_unprotected; /* audit_log.allow_unprotected: no host rule needed */
    double audit_push_deadline_s; /* audit_log.push_deadline_seconds (0: the default) */
};

/* Parse and validate. SOURCE names the policy in messages. Errors are EXIT_USAGE. */
int policy_load(struct policy **out, const char *data, size_t len, const char *source,
                struct err *e);
int policy_load_file(struct policy **out, const char *path, struct err *e);
void policy_free(struct policy *p);

const struct policy_env *policy_env(const struct policy *p, const char *name);
const struct policy_promotion *policy_promotion(const struct policy *p, const char *from,
                                                const char *to);
/* The gate object named NAME in PROMO, or NULL. */
const json_t *policy_gate(const struct policy_promotion *promo, const char *name);

#endif
