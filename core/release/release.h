/* One release sequence for promote and rollback. The signed entry that allows a deploy
 * (an approved decision, or a rollback) is recorded first; then, for an environment with
 * a tag_template: tag, push, trigger, and record the trigger as a deployment entry; with
 * --wait, follow the deploy to its end and record the outcome at the time it was seen.
 * Every entry carries the time of what it records (core/base/clock.h). The command prints the
 * result; nothing here prints. */
#ifndef PROMOTE_RELEASE_H
#define PROMOTE_RELEASE_H

#include <stdint.h>
#include <time.h>

#include "core/github/actor.h"
#include "core/engine/decision.h"
#include "core/release/deploy.h"
#include "core/ledger/record.h"
#include "core/release/rollback.h"

struct release_req;

/* What the sequence does outside itself: the clock, the log, the deploy and who asks. A
 * release_req without ports uses release_ports_real; the unit tests hand in fakes, so
 * that the sequence is tested without git or GitHub. */
struct release_ports {
    int (*now)(time_t *out, struct err *e);
    int (*record_decision)(struct record_result *out, const struct record_req *rq,
                           const struct decision *d, time_t at, struct err *e);
    int (*record_statement)(struct record_result *out, const struct record_req *rq,
                            const json_t *statement, struct err *e);
    int (*superseded)(const struct record_req *rq, const struct decision *d, uint64_t base,
                      const struct record_result *ours, time_t at, struct err *e);
    int (*deploy_run)(struct deploy_result *out, const struct record_req *rq,
                      const struct policy_env *env, const struct deploy_cause *c,
                      const struct gh_config *ghc, time_t at, struct err *e);
    int (*deploy_wait)(enum deploy_outcome *out, char state[32], struct deploy_result *dr,
                       const struct policy_env *env, const char *commit,
                       const struct gh_config *ghc, double timeout_s, double interval_s,
                       struct err *e);
    /* the actor (ACTOR_ENV) into LOGIN and the first of ENV's rollback roles they hold
     * into *ROLE (NULL: none); -1 when that cannot be known */
    int (*actor_role)(char *login, size_t loginsz, const char **role,
                      const struct release_req *r, const struct policy_env *env,
                      const struct actor_env *actor_env, struct err *e);
};

extern const struct release_ports release_ports_real;

struct release_req {
    const struct release_ports *ports; /* NULL: release_ports_real */
    const struct record_req *rq; /* after record_prepare */
    const struct gh_config *gh;
    int wait;           /* --wait: follow the triggered deploy to its end */
    double wait_timeout;  /* seconds; 0: DEPLOY_WAIT_TIMEOUT_S */
    double wait_interval; /* seconds; 0: DEPLOY_WAIT_INTERVAL_S */
};

struct release_result {
    struct record_result record; /* the decision or rollback entry */
    int recorded;                /* RECORD holds it (and the remote, when RECORD.pushed) */
    char env[64];                /* the environment released into */
    int superseded;              /* the seq of an approved decision that landed first, or 0 */
    /* the deploy: 0 none (no tag_template, not approved, superseded), 1 triggered (or
     * tagged), -1 failed (DEPLOY_ERR; recorded as trigger_failed when the tag existed) */
    int deployed;
    struct deploy_result deploy;
    struct err deploy_err;
    /* --wait: 0 not followed, 1 followed to its end and recorded, -1 failed (WAIT_ERR) */
    int waited;
    enum deploy_outcome outcome;
    char observed[32];
    struct record_result outcome_entry;
    struct err wait_err;
    /* a rollback's actor, the role that allows it and the state returned to */
    char actor[128];
    const char *role;
    struct rollback_target target;
};

/* Record D, evaluated at DECIDED, then deploy it when it is approved and no approved
 * decision into the same environment landed after BASE (the log's size when the
 * promotion started) and before it. -1 with E only when D could not be recorded or the
 * log could not be read back; a failed deploy is in OUT. */
int release_promotion(struct release_result *out, const struct release_req *r,
                      const struct decision *d, time_t decided, uint64_t base, struct err *e);

/* Roll ENV back: the actor (ACTOR_ENV, through GitHub) must hold one of ENV's rollback
 * roles (EXIT_REJECTED otherwise), the state returned to is rollback_find's in HISTORY
 * (the verified log) for TO; the rollback entry is recorded (holding ENV), then the
 * deploy runs as for a promotion. -1 with E when refused or not recorded. HISTORY must
 * outlive OUT (OUT->target points into it). */
int release_rollback(struct release_result *out, const struct release_req *r,
                     const struct policy_env *env, const char *reason,
                     const struct rollback_to *to, const json_t *history,
                     const struct actor_env *actor_env, struct err *e);

/* The exit code the release leaves, for a decision whose own code is CODE: CODE itself
 * unless the promotion was superseded (EXIT_REJECTED) or its deploy failed, could not
 * be followed or ended in failure (EXIT_EVAL). WHY gets the reason ("" when none). */
int release_exit_code(const struct release_result *res, int code, char *why, size_t whysz);

#endif
