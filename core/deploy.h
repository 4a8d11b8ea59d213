/* After an approved decision is in the audit log: tag the commit, push the tag, trigger
 * the environment's deploy (GitHub deployment or workflow dispatch), and record the
 * outcome as a deployment entry. A failed trigger is recorded too. */
#ifndef PROMOTE_DEPLOY_H
#define PROMOTE_DEPLOY_H

#include <time.h>

#include "decision.h"
#include "gh.h"
#include "policy.h"
#include "record.h"

struct deploy_result {
    char tag[256];
    int tag_pushed;
    const char *trigger; /* "workflow_dispatch", "github_deployment" or NULL */
    long long deployment_id;
    int triggered;
    struct record_result entry;
};

/* Expand a tag template's date placeholders ({yyyy} {mm} {dd} {env}) and return the
 * part before {n} in PREFIX. */
int deploy_tag_prefix(char *prefix, size_t sz, const char *tmpl, const char *env, time_t now);

/* Returns 0 when the deploy was triggered (or the environment has none), -1 with E
 * (EXIT_EVAL) when tagging or triggering failed; the failure is recorded when possible. */
int deploy_run(struct deploy_result *out, const struct record_req *rq,
               const struct policy_env *env, const struct decision *d, const char *decision_id,
               const struct gh_config *ghc, time_t now, struct err *e);

#endif
