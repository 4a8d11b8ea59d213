/* One small interface for every gate: collect does all I/O, evaluate is pure. */
#ifndef PROMOTE_GATE_H
#define PROMOTE_GATE_H

#include <jansson.h>
#include <time.h>

#include "core/base/err.h"
#include "core/engine/verdict.h"
#include "core/report/report.h"

struct repo;
struct gh_store;
struct policy;


/* What the engine hands a gate's plan and collect steps. */
struct gate_ctx {
    struct repo *repo;
    const char *commit;        /* full 40-hex id being promoted */
    const char *evidence_path; /* resolved path, NULL for gates without a file */
    const json_t *rule;        /* the gate's object in the policy */
    /* GitHub gates */
    const struct gh_store *gh;   /* what has been fetched so far */
    const char *owner;           /* the repository on GitHub */
    const char *name;
    const json_t *roles;         /* the policy's "roles" object (may be NULL) */
    const char *actor;           /* login of who runs the promotion; NULL if not established */
    const char *actor_error;     /* why the actor is not established */
    long release_pr;             /* --release-pr N, 0 when not given */
    const char *release_version; /* --release-version V, NULL when not given */
    const json_t *history;       /* the audit log, normalised (core/ledger/history.h); NULL if none */
    const char *from_env;        /* the promotion's environments */
    const char *to_env;
    int break_glass;             /* --break-glass given */
    const char *break_glass_reason;
    const struct policy *policy; /* the whole policy (env_config reads the environments) */
    int explain; /* promote explain: a plan may also ask for what a remedy names (team members) */
};

/* What collect found; evaluate sees nothing else. */
struct evidence {
    char commit[41];
    json_t *data;         /* GitHub gates: the normalised GitHub data used (owned) */
    struct report report; /* file gates */
    struct {
        char ref[256];  /* the ref the branch resolved to */
        char tip[41];
        int reachable;
    } branch;
};


/* Parameter kinds for policy validation. */
enum param_kind {
    PARAM_NUMBER,
    PARAM_PERCENT,
    PARAM_COUNT,
    PARAM_BOOL,
    PARAM_STRING,
    PARAM_OBJECT,
    PARAM_STRINGS, /* a non-empty array of non-empty strings */
    PARAM_ARRAY    /* an array; the gate's check_rule checks its items */
};

struct gate_param {
    const char *key;
    enum param_kind kind;
    int required;
};

struct gate {
    const char *type;                /* its key in the policy file */
    int needs_evidence;              /* takes an "evidence" file path */
    const struct gate_param *params; /* NULL-key terminated */
    /* optional extra policy-time validation of the rule; JPATH names the gate object */
    int (*check_rule)(const json_t *rule, const char *jpath, struct err *e);
    /* GitHub gates only (NULL otherwise): ask S for what is needed next, given what
     * ctx->gh holds already. Called before every fetch round until nothing new is
     * wanted, so a gate's requests cost as many rounds as its dependency chain. */
    int (*plan)(const struct gate_ctx *ctx, struct gh_store *s, struct err *e);
    int needs_actor; /* the gate cannot be evaluated without an established actor */
    int (*collect)(const struct gate_ctx *ctx, struct evidence *ev, struct err *e);
    enum verdict (*evaluate)(const struct evidence *ev, const json_t *rule, time_t now,
                             struct finding *f);
    /* optional, pure like evaluate: for a gate evaluate did not pass, what would make it
     * pass, from the same evidence and rule and the finding evaluate wrote. */
    void (*remedy)(const struct evidence *ev, const json_t *rule, time_t now,
                   const struct finding *f, struct remedy *out);
};

const struct gate *gate_find(const char *type);
/* The registry, NULL-terminated, for help and tests. */
extern const struct gate *const gate_registry[];

/* The remedy of GATE for a result evaluate gave V: the gate's own, else a generic one
 * (an error names what to fix; a gate without a remedy says to see its finding). */
void gate_remedy(const struct gate *gate, enum verdict v, const struct evidence *ev,
                 const json_t *rule, time_t now, const struct finding *f, struct remedy *out);
void evidence_release(struct evidence *ev);
/* A gate's evidence rebuilt from the data a decision recorded for it (the gate's "data" in
 * the audit log: replay, and the table-driven gate tests), for COMMIT. -1 when the record
 * cannot give it. */
int gate_evidence_from(struct evidence *ev, const struct gate *gate, const char *commit,
                       const json_t *data);

/* Shared by file gates: load the report at ctx->evidence_path. */
int gate_collect_report(const struct gate_ctx *ctx, struct evidence *ev, struct err *e);

/* Rule accessors for evaluate (the policy was validated before). */
double gate_rule_number(const json_t *rule, const char *key, double dflt);
int gate_rule_bool(const json_t *rule, const char *key, int dflt);
/* A number, or a number the audit log stored as its decimal string (recorded reals are
 * strings there): 0 and *OUT, or -1 when V is neither. */
int gate_number(double *out, const json_t *v);

#endif
