/* One promotion FROM->TO: look up each gate, run every collect (I/O), then every
 * evaluate (pure), and conclude. */
#ifndef PROMOTE_ENGINE_H
#define PROMOTE_ENGINE_H

#include <stddef.h>
#include <time.h>

#include "core/github/actor.h"
#include "core/engine/decision.h"
#include "core/github/gh.h"
#include "core/base/err.h"
#include "core/engine/policy.h"
#include "core/git/repo.h"

struct gate;

struct evidence_override {
    const char *gate; /* a gate name in the promotion */
    const char *path; /* as given: relative to the current directory */
};

struct engine_req {
    const struct policy *policy;
    struct repo *repo;
    const char *from;
    const char *to;
    const char *commit; /* a revision, or NULL for the tip of FROM's branch */
    const struct evidence_override *overrides;
    size_t n_overrides;
    time_t now;
    /* GitHub: used only when a gate of the promotion reads GitHub */
    const struct gh_config *gh; /* repo may be NULL when it could not be determined */
    const struct actor_env *actor_env;
    long release_pr;
    const char *release_version;
    int break_glass;
    const char *break_glass_reason;
    const json_t *history; /* the verified audit log (core/ledger, core/ledger/history.h) */
    int explain; /* also fetch what remedies name, and compute each gate's remedy */
    /* the gate of a policy type: NULL, the registry's (gates/gate.h gate_find); the unit
     * tests hand in fake gates, to test the engine without files, git or GitHub */
    const struct gate *(*find)(const char *type);
};

/* Fails (EXIT_USAGE) only when nothing could be evaluated: unknown promotion,
 * bad override, unknown revision; or (EXIT_EVAL) when FROM's branch is missing.
 * Gate failures and errors are in OUT, not in E. */
int engine_run(struct decision *out, const struct engine_req *req, struct err *e);

/* Is the commit this request would promote already the latest successful deployment in
 * TO, with no other commit's deploy triggered since and no hold on TO? *OUT is that
 * deployment entry (from HISTORY, core/ledger/history.h) or NULL. */
int engine_already_deployed(const json_t **out, char commit[41], const struct engine_req *req,
                            const json_t *history, struct err *e);

#endif
