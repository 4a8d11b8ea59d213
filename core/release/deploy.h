/* After an approved decision is in the audit log: tag the commit, push the tag, trigger
 * the environment's deploy (GitHub deployment or workflow dispatch), and follow it to
 * its end. Nothing here writes the audit log: core/release records each step. */
#ifndef PROMOTE_DEPLOY_H
#define PROMOTE_DEPLOY_H

#include <time.h>

#include "core/github/gh.h"
#include "core/engine/policy.h"
#include "core/ledger/record.h"

struct deploy_result {
    char tag[256];
    int tag_pushed;
    const char *trigger; /* "workflow_dispatch", "github_deployment" or NULL */
    long long deployment_id; /* github_deployment: the deployment's id */
    long long run_id;        /* workflow_dispatch: the run's id when GitHub returned it */
    int tagged; /* the tag exists: a failure after it is recorded (trigger_failed) */
    int triggered;
    struct record_result entry; /* the deployment entry core/release recorded */
};

/* Expand a tag template's date placeholders ({yyyy} {mm} {dd} {env}) and return the
 * part before {n} in PREFIX. */
int deploy_tag_prefix(char *prefix, size_t sz, const char *tmpl, const char *env, time_t now);

/* What a deploy moves, and the audit entry that allowed it. */
struct deploy_cause {
    const char *commit;
    const char *actor;   /* NULL when not established */
    const char *kind;    /* "decision" (an approved promotion) or "rollback" */
    const char *id;      /* that entry's id */
    const char *message; /* the annotated tag's message */
    /* that entry's log commit, and whether the remote holds it: the tag then carries the
     * log's checkpoint after the entry (core/ledger/witness.h) */
    const char *log_commit;
    int log_pushed;
};

/* Tag C's commit from ENV's template (dated NOW), push the tag, trigger ENV's deploy.
 * Returns 0 when the deploy was triggered (or the environment has none), -1 with E when
 * naming, creating or pushing the tag or triggering failed (OUT->tagged says whether the
 * tag exists). Records nothing. */
int deploy_run(struct deploy_result *out, const struct record_req *rq,
               const struct policy_env *env, const struct deploy_cause *c,
               const struct gh_config *ghc, time_t now, struct err *e);

/* ---- --wait: follow the triggered deploy to its end ---- */

enum deploy_outcome { DEPLOY_PENDING = 0, DEPLOY_SUCCEEDED, DEPLOY_FAILED };

/* Pure: GitHub's statuses of a deployment (newest first) to an outcome. STATE gets the
 * state that decided ("none" for no status yet). A newest "inactive" is a success when
 * the deployment had succeeded before a newer one replaced it, else a failure. A
 * malformed list or an unknown state is -1 (EXIT_EVAL) naming WHERE. */
int deploy_outcome_statuses(enum deploy_outcome *out, char state[32], const json_t *statuses,
                            const char *where, struct err *e);
/* Pure: a workflow run to an outcome: pending until its status is "completed", then
 * only the conclusion "success" succeeds. STATE gets the status or the conclusion. */
int deploy_outcome_run(enum deploy_outcome *out, char state[32], const json_t *run,
                       const char *where, struct err *e);
/* Pure: among a workflow's runs ({"workflow_runs": [...]}, newest first) the id of the
 * newest one dispatched for TAG (its head_branch) at COMMIT; 0 when none is there yet. */
long long deploy_find_run(const json_t *runs, const char *tag, const char *commit);

/* Poll GitHub every INTERVAL_S seconds until the deploy of DR (at COMMIT) ends: 0 with
 * *OUT and STATE; -1 (EXIT_EVAL) on an API error, or when TIMEOUT_S passes first. A
 * dispatch answered without the run's id has its run looked up (DR->run_id is set). */
int deploy_wait(enum deploy_outcome *out, char state[32], struct deploy_result *dr,
                const struct policy_env *env, const char *commit, const struct gh_config *ghc,
                double timeout_s, double interval_s, struct err *e);

#define DEPLOY_WAIT_TIMEOUT_S 1800.0
#define DEPLOY_WAIT_INTERVAL_S 10.0

#endif
