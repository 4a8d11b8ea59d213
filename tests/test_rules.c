/* The log-driven rules: history queries, and provenance/soak/dr_test evaluated on
 * hand-built evidence with an injected clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <string.h>

#include "core/ledger/audit.h"
#include "core/release/deploy.h"
#include "core/ledger/history.h"
#include "gates/gate.h"

#include "testjson.h"

#define C1 "1111111111111111111111111111111111111111"
#define C2 "2222222222222222222222222222222222222222"

static json_t *
history(void)
{
    return j("["
             "{\"seq\":1,\"kind\":\"deployment\",\"env\":\"dev\",\"commit\":\"" C1 "\","
             "\"result\":\"success\",\"epoch\":1000,\"time\":\"t1\"},"
             "{\"seq\":2,\"kind\":\"decision\",\"env\":\"sit\",\"commit\":\"" C1 "\","
             "\"verdict\":\"approved\",\"epoch\":2000},"
             "{\"seq\":3,\"kind\":\"deployment\",\"env\":\"sit\",\"commit\":\"" C1 "\","
             "\"result\":\"success\",\"epoch\":3000,\"time\":\"t3\"},"
             "{\"seq\":4,\"kind\":\"deployment\",\"env\":\"sit\",\"commit\":\"" C2 "\","
             "\"result\":\"failure\",\"epoch\":4000},"
             "{\"seq\":5,\"kind\":\"hold\",\"env\":\"prod\",\"reason\":\"incident\"},"
             "{\"seq\":6,\"kind\":\"dr_test\",\"env\":\"prod\",\"result\":\"pass\",\"epoch\":5000}"
             "]");
}

static void
test_history_queries(void **state)
{
    json_t *h = history(), *h2;

    (void)state;
    assert_int_equal(json_integer_value(json_object_get(
                         history_last(h, "deployment", "sit", NULL, "success"), "seq")),
                     3);
    assert_int_equal(json_integer_value(json_object_get(
                         history_last(h, "deployment", "sit", NULL, NULL), "seq")),
                     4);
    assert_null(history_last(h, "deployment", "sit", C2, "success"));
    assert_null(history_last(h, "decision", "prod", NULL, "approved"));
    assert_int_equal(json_integer_value(json_object_get(history_hold(h, "prod"), "seq")), 5);
    assert_null(history_hold(h, "sit"));
    h2 = json_deep_copy(h);
    json_array_append_new(h2, j("{\"seq\":7,\"kind\":\"unhold\",\"env\":\"prod\"}"));
    assert_null(history_hold(h2, "prod"));
    json_array_append_new(h2, j("{\"seq\":8,\"kind\":\"rollback\",\"env\":\"prod\"}"));
    assert_int_equal(json_integer_value(json_object_get(history_hold(h2, "prod"), "seq")), 8);
    json_decref(h2);
    json_decref(h);
}

static void
test_times(void **state)
{
    char out[32];

    (void)state;
    assert_int_equal(history_parse_time("1970-01-01T00:00:10Z"), 10);
    assert_int_equal(history_parse_time("2026-11-25T02:00:00Z"), 1795572000);
    history_format_time(out, 1795572000);
    assert_string_equal(out, "2026-11-25T02:00:00Z");
    assert_int_equal(history_parse_time("2026-11-25 02:00:00"), -1);
    assert_int_equal(history_parse_time("2026-11-25T02:00:00+02:00"), -1);
    assert_int_equal(history_parse_time(NULL), -1);
}

/* A time struct tm cannot hold: every formatter refuses it instead of reading garbage. */
static void
test_times_beyond_tm(void **state)
{
    struct audit_subject s;
    char out[32] = "x", prefix[64];

    (void)state;
    history_format_time(out, (time_t)LLONG_MAX);
    assert_string_equal(out, "");
    assert_int_equal(deploy_tag_prefix(prefix, sizeof(prefix), "sit-{yyyy}.{n}", "sit",
                                       (time_t)LLONG_MAX),
                     -1);
    memset(&s, 0, sizeof(s));
    s.repo_uri = "https://github.com/o/r";
    s.now = (time_t)LLONG_MAX;
    assert_null(audit_event_statement("hold", "prod", "0123456789012345678901234567890123456789",
                                      NULL, NULL, &s));
}

/* Collect from a context, then evaluate at NOW. */
static enum verdict
run(const char *type, const char *rule_text, const json_t *h, const char *commit, time_t now,
    struct finding *f)
{
    const struct gate *g = gate_find(type);
    struct gate_ctx ctx;
    struct evidence ev;
    struct err e = ERR_INIT;
    json_t *rule = j(rule_text);
    enum verdict v;

    assert_non_null(g);
    memset(&ctx, 0, sizeof(ctx));
    memset(&ev, 0, sizeof(ev));
    memset(f, 0, sizeof(*f));
    ctx.history = h;
    ctx.commit = commit;
    ctx.from_env = "sit";
    ctx.to_env = "prod";
    ctx.rule = rule;
    strcpy(ev.commit, commit);
    assert_int_equal(g->collect(&ctx, &ev, &e), 0);
    v = g->evaluate(&ev, rule, now, f);
    evidence_release(&ev);
    json_decref(rule);
    return v;
}

static void
test_provenance(void **state)
{
    json_t *h = history();
    struct finding f;

    (void)state;
    assert_int_equal(run("provenance", "{}", h, C1, 0, &f), VERDICT_PASS);
    finding_release(&f);
    /* C2's deployment into sit failed and it was never approved into sit */
    assert_int_equal(run("provenance", "{}", h, C2, 0, &f), VERDICT_FAIL);
    assert_non_null(strstr(f.summary, "never approved into sit"));
    finding_release(&f);
    assert_int_equal(run("provenance", "{\"require_decision\": false}", h, C2, 0, &f),
                     VERDICT_FAIL);
    assert_non_null(strstr(f.summary, "no successful deployment recorded in sit"));
    finding_release(&f);
    json_decref(h);
}

static void
test_soak(void **state)
{
    json_t *h = history();
    struct finding f;

    (void)state;
    assert_int_equal(run("soak", "{\"min_hours\": 24}", h, C1, 3000 + 24 * 3600 - 1, &f),
                     VERDICT_FAIL);
    finding_release(&f);
    assert_int_equal(run("soak", "{\"min_hours\": 24}", h, C1, 3000 + 24 * 3600, &f),
                     VERDICT_PASS);
    finding_release(&f);
    assert_int_equal(run("soak", "{\"min_hours\": 1}", h, C2, 1e9, &f), VERDICT_FAIL);
    finding_release(&f);
    json_decref(h);
}

static void
test_dr_test(void **state)
{
    json_t *h = history();
    struct finding f;

    (void)state;
    assert_int_equal(run("dr_test", "{\"max_age_days\": 31}", h, C1, 5000 + 31 * 86400, &f),
                     VERDICT_PASS);
    finding_release(&f);
    assert_int_equal(run("dr_test", "{\"max_age_days\": 31}", h, C1, 5000 + 31 * 86400 + 1, &f),
                     VERDICT_FAIL);
    assert_non_null(strstr(f.summary, "days old"));
    finding_release(&f);
    json_array_append_new(h, j("{\"seq\":9,\"kind\":\"dr_test\",\"env\":\"prod\","
                               "\"result\":\"fail\",\"epoch\":6000}"));
    assert_int_equal(run("dr_test", "{\"max_age_days\": 31}", h, C1, 6001, &f), VERDICT_FAIL);
    assert_non_null(strstr(f.summary, "failed"));
    finding_release(&f);
    json_decref(h);
    h = j("[]");
    assert_int_equal(run("dr_test", "{\"max_age_days\": 31}", h, C1, 0, &f), VERDICT_FAIL);
    assert_non_null(strstr(f.summary, "no DR test recorded for prod"));
    finding_release(&f);
    json_decref(h);
}

static void
test_no_history_is_an_error(void **state)
{
    const struct gate *g = gate_find("soak");
    struct gate_ctx ctx;
    struct evidence ev;
    struct err e = ERR_INIT;

    (void)state;
    memset(&ctx, 0, sizeof(ctx));
    memset(&ev, 0, sizeof(ev));
    ctx.from_env = "sit";
    assert_int_equal(g->collect(&ctx, &ev, &e), -1);
    assert_int_equal(e.code, EXIT_EVAL);
}

int
main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_history_queries), cmocka_unit_test(test_times),
        cmocka_unit_test(test_times_beyond_tm),
        cmocka_unit_test(test_provenance),      cmocka_unit_test(test_soak),
        cmocka_unit_test(test_dr_test),         cmocka_unit_test(test_no_history_is_an_error),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
