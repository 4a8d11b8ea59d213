/* branch: the commit is reachable from a named branch (merge commits count). */
#include "gate.h"

#include <string.h>

#include "core/git/repo.h"

static const struct gate_param branch_params[] = {
    {"branch", PARAM_STRING, 1},
    {NULL, 0, 0},
};

static int
branch_collect(const struct gate_ctx *ctx, struct evidence *ev, struct err *e)
{
    const char *branch = json_string_value(json_object_get(ctx->rule, "branch"));

    if (repo_resolve_branch(ctx->repo, branch, ev->branch.ref, sizeof(ev->branch.ref),
                            ev->branch.tip, e) < 0)
        return -1;
    if (repo_reachable(ctx->repo, ctx->commit, ev->branch.tip, &ev->branch.reachable, e) < 0)
        return -1;
    /* what the decision records for a later replay */
    ev->data = json_pack("{s:s, s:s, s:b}", "ref", ev->branch.ref, "tip", ev->branch.tip,
                         "reachable", ev->branch.reachable);
    return ev->data ? 0 : err_set(e, EXIT_EVAL, "out of memory");
}

static enum verdict
branch_evaluate(const struct evidence *ev, const json_t *rule, time_t now, struct finding *f)
{
    const char *branch = json_string_value(json_object_get(rule, "branch"));

    (void)now;
    if (!ev->branch.ref[0] || strlen(ev->branch.tip) != 40) {
        finding_summary(f, "branch '%s' was not resolved", branch ? branch : "");
        return VERDICT_ERROR;
    }
    f->details = json_pack("{s:s, s:s, s:s, s:b}", "branch", branch, "ref", ev->branch.ref, "tip",
                           ev->branch.tip, "reachable", ev->branch.reachable);
    if (ev->branch.reachable) {
        finding_summary(f, "commit %.12s is on %s (%s)", ev->commit, branch, ev->branch.ref);
        return VERDICT_PASS;
    }
    finding_summary(f, "commit %.12s is not reachable from %s (%s at %.12s)", ev->commit, branch,
                    ev->branch.ref, ev->branch.tip);
    return VERDICT_FAIL;
}

static void
branch_remedy(const struct evidence *ev, const json_t *rule, time_t now, const struct finding *f,
              struct remedy *out)
{
    const char *branch = json_string_value(json_object_get(rule, "branch"));

    (void)now;
    (void)f;
    remedy_text(out, "merge commit %.12s into %s (%s)", ev->commit, branch, ev->branch.ref);
    out->data = json_pack("{s:s, s:s, s:s}", "action", "merge", "branch", branch, "ref",
                          ev->branch.ref);
}

const struct gate gate_branch = {
    .type = "branch",
    .needs_evidence = 0,
    .params = branch_params,
    .collect = branch_collect,
    .evaluate = branch_evaluate,
    .remedy = branch_remedy,
};
