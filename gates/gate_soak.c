/* soak: at least min_hours since the commit's successful deployment into FROM. */
#include "gate.h"

#include "core/ledger/history.h"

static const struct gate_param soak_params[] = {
    {"min_hours", PARAM_NUMBER, 1},
    {NULL, 0, 0},
};

static int
soak_check_rule(const json_t *rule, const char *jpath, struct err *e)
{
    if (json_number_value(json_object_get(rule, "min_hours")) <= 0)
        return err_set(e, EXIT_USAGE, "%s.min_hours: must be more than 0", jpath);
    return 0;
}

static int
soak_collect(const struct gate_ctx *ctx, struct evidence *ev, struct err *e)
{
    const json_t *dep;

    if (!ctx->history)
        return err_set(e, EXIT_EVAL, "the audit log could not be read");
    dep = history_last(ctx->history, "deployment", ctx->from_env, ctx->commit, "success");
    ev->data = json_pack("{s:s, s:O?}", "env", ctx->from_env, "deployment", (json_t *)dep);
    return ev->data ? 0 : err_set(e, EXIT_EVAL, "out of memory");
}

static enum verdict
soak_evaluate(const struct evidence *ev, const json_t *rule, time_t now, struct finding *f)
{
    const char *env = json_string_value(json_object_get(ev->data, "env"));
    const json_t *dep = json_object_get(ev->data, "deployment");
    double min = gate_rule_number(rule, "min_hours", 1e9), hours;
    json_int_t at;

    if (!env) {
        finding_summary(f, "no soak data");
        return VERDICT_ERROR;
    }
    if (!dep || json_is_null(dep)) {
        f->details = json_pack("{s:s, s:f, s:n}", "env", env, "min_hours", min, "hours");
        finding_summary(f, "commit %.12s has no successful deployment in %s to soak", ev->commit,
                        env);
        return VERDICT_FAIL;
    }
    at = json_integer_value(json_object_get(dep, "epoch"));
    if (at <= 0) {
        finding_summary(f, "the deployment at seq %lld has no valid time",
                        (long long)json_integer_value(json_object_get(dep, "seq")));
        return VERDICT_ERROR;
    }
    hours = difftime(now, (time_t)at) / 3600.0;
    f->details = json_pack("{s:s, s:f, s:f, s:O}", "env", env, "min_hours", min, "hours",
                           (double)((long long)(hours * 100)) / 100.0, "deployed_at",
                           json_object_get(dep, "time"));
    if (hours < min) {
        finding_summary(f, "deployed in %s %.1f h ago, soak needs %g h", env, hours, min);
        return VERDICT_FAIL;
    }
    finding_summary(f, "soaked %.1f h in %s (>= %g h)", hours, env, min);
    return VERDICT_PASS;
}

/* When the soak completes (UTC; promote explain adds the policy's time zone). */
static void
soak_remedy(const struct evidence *ev, const json_t *rule, time_t now, const struct finding *f,
            struct remedy *out)
{
    const char *env = json_string_value(json_object_get(ev->data, "env"));
    const json_t *dep = json_object_get(ev->data, "deployment");
    double min = gate_rule_number(rule, "min_hours", 1e9);
    char at[32];
    time_t ready;

    (void)f;
    if (!dep || json_is_null(dep)) {
        remedy_text(out, "deploy commit %.12s into %s first; the soak of %g h starts then",
                    ev->commit, env, min);
        out->data = json_pack("{s:s, s:s, s:f}", "action", "deploy_first", "env", env,
                              "min_hours", min);
        return;
    }
    ready = (time_t)json_integer_value(json_object_get(dep, "epoch")) + (time_t)(min * 3600.0);
    history_format_time(at, ready);
    remedy_text(out, "wait: the soak in %s completes at %s (in %.1f h)", env, at,
                difftime(ready, now) / 3600.0);
    out->data = json_pack("{s:s, s:s, s:s, s:O}", "action", "wait", "env", env, "ready_at", at,
                          "deployed_at", json_object_get(dep, "time"));
}

const struct gate gate_soak = {
    .type = "soak",
    .params = soak_params,
    .check_rule = soak_check_rule,
    .collect = soak_collect,
    .evaluate = soak_evaluate,
    .remedy = soak_remedy,
};
