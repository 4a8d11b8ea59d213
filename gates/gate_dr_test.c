/* dr_test: the target environment's latest DR test passed, no older than max_age_days. */
#include "gate.h"

#include <string.h>

#include "core/ledger/history.h"

static const struct gate_param dr_test_params[] = {
    {"max_age_days", PARAM_NUMBER, 1},
    {NULL, 0, 0},
};

static int
dr_test_check_rule(const json_t *rule, const char *jpath, struct err *e)
{
    if (json_number_value(json_object_get(rule, "max_age_days")) <= 0)
        return err_set(e, EXIT_USAGE, "%s.max_age_days: must be more than 0", jpath);
    return 0;
}

static int
dr_test_collect(const struct gate_ctx *ctx, struct evidence *ev, struct err *e)
{
    const json_t *t;

    if (!ctx->history)
        return err_set(e, EXIT_EVAL, "the audit log could not be read");
    t = history_last(ctx->history, "dr_test", ctx->to_env, NULL, NULL);
    ev->data = json_pack("{s:s, s:O?}", "env", ctx->to_env, "test", (json_t *)t);
    return ev->data ? 0 : err_set(e, EXIT_EVAL, "out of memory");
}

static enum verdict
dr_test_evaluate(const struct evidence *ev, const json_t *rule, time_t now, struct finding *f)
{
    const char *env = json_string_value(json_object_get(ev->data, "env"));
    const json_t *t = json_object_get(ev->data, "test");
    double max = gate_rule_number(rule, "max_age_days", 0), days;
    const char *result;
    json_int_t at;

    if (!env) {
        finding_summary(f, "no DR test data");
        return VERDICT_ERROR;
    }
    if (!t || json_is_null(t)) {
        f->details = json_pack("{s:s, s:f, s:n}", "env", env, "max_age_days", max, "test");
        finding_summary(f, "no DR test recorded for %s (promote record dr-test)", env);
        return VERDICT_FAIL;
    }
    result = json_string_value(json_object_get(t, "result"));
    at = json_integer_value(json_object_get(t, "epoch"));
    if (!result || at <= 0) {
        finding_summary(f, "the DR test at seq %lld is malformed",
                        (long long)json_integer_value(json_object_get(t, "seq")));
        return VERDICT_ERROR;
    }
    days = difftime(now, (time_t)at) / 86400.0;
    f->details = json_pack("{s:s, s:f, s:s, s:O, s:O}", "env", env, "max_age_days", max, "result",
                           result, "tested_at", json_object_get(t, "time"), "seq",
                           json_object_get(t, "seq"));
    if (strcmp(result, "pass") != 0) {
        finding_summary(f, "the latest DR test of %s failed (seq %lld)", env,
                        (long long)json_integer_value(json_object_get(t, "seq")));
        return VERDICT_FAIL;
    }
    if (days > max) {
        finding_summary(f, "the latest DR test of %s is %.0f days old (max %g)", env, days, max);
        return VERDICT_FAIL;
    }
    finding_summary(f, "DR test of %s passed %.0f day(s) ago (max %g)", env, days, max);
    return VERDICT_PASS;
}

/* A passing DR test recorded for the target, and until when it counts. */
static void
dr_test_remedy(const struct evidence *ev, const json_t *rule, time_t now, const struct finding *f,
               struct remedy *out)
{
    const char *env = json_string_value(json_object_get(ev->data, "env"));
    const json_t *t = json_object_get(ev->data, "test");
    double max = gate_rule_number(rule, "max_age_days", 0);

    (void)now;
    (void)f;
    remedy_text(out,
                "run a DR test of %s and record it passing: promote record dr-test --env %s "
                "--result pass (it counts for %g days)%s%s",
                env, env, max, json_is_null(t) || !t ? "" : "; the latest is from ",
                json_is_null(t) || !t ? "" : json_string_value(json_object_get(t, "time")));
    out->data = json_pack("{s:s, s:s, s:f, s:O?}", "action", "record_dr_test", "env", env,
                          "max_age_days", max, "latest", t ? json_object_get(t, "time") : NULL);
}

const struct gate gate_dr_test = {
    .type = "dr_test",
    .params = dr_test_params,
    .check_rule = dr_test_check_rule,
    .collect = dr_test_collect,
    .evaluate = dr_test_evaluate,
    .remedy = dr_test_remedy,
};
