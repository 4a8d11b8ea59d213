/* provenance: the very commit was approved into FROM and is recorded as deployed
 * there (it need not still be the one deployed). */
#include "gate.h"

#include <string.h>

#include "core/ledger/history.h"

static const struct gate_param provenance_params[] = {
    /* false only where nothing promotes into FROM (the first environment) */
    {"require_decision", PARAM_BOOL, 0},
    {NULL, 0, 0},
};

static json_t *
entry_or_null(const json_t *x)
{
    if (!x)
        return json_null();
    return json_pack("{s:O?, s:O?}", "seq", json_object_get(x, "seq"), "time",
                     json_object_get(x, "time"));
}

static int
provenance_collect(const struct gate_ctx *ctx, struct evidence *ev, struct err *e)
{
    const json_t *dec, *dep;

    if (!ctx->history)
        return err_set(e, EXIT_EVAL, "the audit log could not be read");
    dec = history_last(ctx->history, "decision", ctx->from_env, ctx->commit, "approved");
    dep = history_last(ctx->history, "deployment", ctx->from_env, ctx->commit, "success");
    ev->data = json_pack("{s:s, s:o, s:o}", "env", ctx->from_env, "decision", entry_or_null(dec),
                         "deployment", entry_or_null(dep));
    return ev->data ? 0 : err_set(e, EXIT_EVAL, "out of memory");
}

static enum verdict
provenance_evaluate(const struct evidence *ev, const json_t *rule, time_t now, struct finding *f)
{
    const char *env = json_string_value(json_object_get(ev->data, "env"));
    const json_t *dec = json_object_get(ev->data, "decision");
    const json_t *dep = json_object_get(ev->data, "deployment");
    int need_decision = gate_rule_bool(rule, "require_decision", 1);

    (void)now;
    if (!env) {
        finding_summary(f, "no provenance data");
        return VERDICT_ERROR;
    }
    f->details = json_pack("{s:s, s:O, s:O, s:b}", "env", env, "decision", dec, "deployment", dep,
                           "require_decision", need_decision);
    if (need_decision && json_is_null(dec)) {
        finding_summary(f, "commit %.12s was never approved into %s", ev->commit, env);
        return VERDICT_FAIL;
    }
    if (json_is_null(dep)) {
        finding_summary(f, "commit %.12s has no successful deployment recorded in %s", ev->commit,
                        env);
        return VERDICT_FAIL;
    }
    finding_summary(f, "commit %.12s went through %s (deployed at seq %lld)", ev->commit, env,
                    (long long)json_integer_value(json_object_get(dep, "seq")));
    return VERDICT_PASS;
}

/* What must happen in FROM first: the approved promotion into it, then its deployment. */
static void
provenance_remedy(const struct evidence *ev, const json_t *rule, time_t now,
                  const struct finding *f, struct remedy *out)
{
    const char *env = json_string_value(json_object_get(ev->data, "env"));
    const json_t *dec = json_object_get(ev->data, "decision");
    int need_decision = gate_rule_bool(rule, "require_decision", 1);

    (void)now;
    (void)f;
    if (need_decision && json_is_null(dec)) {
        remedy_text(out,
                    "first promote commit %.12s into %s (an approved decision), then deploy it "
                    "there and record it: promote record deployed --env %s --commit %.12s "
                    "--result success",
                    ev->commit, env, env, ev->commit);
        out->data = json_pack("{s:s, s:s, s:[s, s]}", "action", "promote_first", "env", env,
                              "steps", "approved_decision", "deployment");
        return;
    }
    remedy_text(out,
                "deploy commit %.12s into %s and record it: promote record deployed --env %s "
                "--commit %.12s --result success",
                ev->commit, env, env, ev->commit);
    out->data = json_pack("{s:s, s:s, s:[s]}", "action", "deploy_first", "env", env, "steps",
                          "deployment");
}

const struct gate gate_provenance = {
    .type = "provenance",
    .params = provenance_params,
    .collect = provenance_collect,
    .evaluate = provenance_evaluate,
    .remedy = provenance_remedy,
};
