/* Each gate's remedy is pure: evidence built by hand, the remedy's line and object asserted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "gates/gate.h"
#include "testjson.h"

#define COMMIT "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
#define DAY0 1795507200 /* 2026-11-24T08:00:00Z */

/* Evaluate TYPE on EV under RULE_TEXT at NOW, then its remedy into OUT; the verdict. */
static enum verdict
remedy_of(const char *type, struct evidence *ev, const char *rule_text, time_t now,
          struct remedy *out)
{
    const struct gate *g = gate_find(type);
    json_t *r = j(rule_text);
    struct finding f;
    enum verdict v;

    assert_non_null(g);
    memset(&f, 0, sizeof(f));
    if (!ev->commit[0])
        strcpy(ev->commit, COMMIT);
    v = g->evaluate(ev, r, now, &f);
    gate_remedy(g, v, ev, r, now, &f, out);
    finding_release(&f);
    json_decref(r);
    return v;
}

static struct evidence
data_ev(const char *text)
{
    struct evidence ev;

    memset(&ev, 0, sizeof(ev));
    strcpy(ev.commit, COMMIT);
    ev.data = j(text);
    return ev;
}

static json_int_t
int_at(const json_t *o, const char *key)
{
    assert_true(json_is_integer(json_object_get(o, key)));
    return json_integer_value(json_object_get(o, key));
}

static void
test_coverage(void **state)
{
    struct evidence ev;
    struct remedy r;

    (void)state;
    memset(&ev, 0, sizeof(ev));
    ev.report.kind = REPORT_KIND_COVERAGE;
    ev.report.format = REPORT_FMT_COBERTURA;
    ev.report.u.coverage.lines_covered = 37;
    ev.report.u.coverage.lines_total = 91;
    ev.report.u.coverage.percent = 100.0 * 37 / 91;
    assert_int_equal(remedy_of("coverage", &ev, "{\"min_percent\": 80}", 0, &r), VERDICT_FAIL);
    assert_string_equal(r.text, "cover 36 more lines: 37 of 91 covered, 73 needed for 80%");
    assert_int_equal(int_at(r.data, "more_lines"), 36);
    assert_int_equal(int_at(r.data, "lines_needed"), 73);
    remedy_release(&r);
    /* exactly at the threshold: 80 of 100 passes, 79 needs one more */
    ev.report.u.coverage.lines_covered = 79;
    ev.report.u.coverage.lines_total = 100;
    ev.report.u.coverage.percent = 79.0;
    assert_int_equal(remedy_of("coverage", &ev, "{\"min_percent\": 80}", 0, &r), VERDICT_FAIL);
    assert_int_equal(int_at(r.data, "more_lines"), 1);
    remedy_release(&r);
    ev.report.u.coverage.lines_covered = 80;
    ev.report.u.coverage.percent = 80.0;
    assert_int_equal(remedy_of("coverage", &ev, "{\"min_percent\": 80}", 0, &r), VERDICT_PASS);
    assert_string_equal(r.text, "");
    assert_null(r.data);
}

static void
test_tests_and_security(void **state)
{
    struct evidence ev;
    struct remedy r;

    (void)state;
    memset(&ev, 0, sizeof(ev));
    ev.report.kind = REPORT_KIND_TESTS;
    ev.report.format = REPORT_FMT_JUNIT;
    memset(&ev.report.u.tests, 0, sizeof(ev.report.u.tests));
    ev.report.u.tests.total = 11;
    ev.report.u.tests.passed = 8;
    ev.report.u.tests.failed = 2;
    ev.report.u.tests.errors = 1;
    assert_int_equal(remedy_of("tests", &ev, "{}", 0, &r), VERDICT_FAIL);
    assert_string_equal(r.text, "make the 3 failing tests pass (2 failed, 1 errors of 11)");
    remedy_release(&r);
    memset(&ev.report.u.tests, 0, sizeof(ev.report.u.tests));
    ev.report.u.tests.total = 5;
    ev.report.u.tests.passed = 3;
    ev.report.u.tests.skipped = 2;
    assert_int_equal(remedy_of("tests", &ev, "{\"allow_skipped\": false}", 0, &r), VERDICT_FAIL);
    assert_string_equal(r.text, "run the 2 skipped tests: skips are not allowed");
    remedy_release(&r);

    memset(&ev, 0, sizeof(ev));
    ev.report.kind = REPORT_KIND_SECURITY;
    ev.report.format = REPORT_FMT_SARIF;
    ev.report.u.security.critical = 1;
    ev.report.u.security.high = 4;
    assert_int_equal(
        remedy_of("security", &ev, "{\"max\": {\"critical\": 0, \"high\": 2}}", 0, &r),
        VERDICT_FAIL);
    assert_string_equal(r.text,
                        "fix or suppress 1 critical (1 active, max 0), 2 high (4 active, max 2)");
    assert_int_equal(int_at(json_object_get(json_object_get(r.data, "over"), "high"), "to_fix"), 2);
    remedy_release(&r);
}

/* The failing tests by name, as the parser kept them: the first few, and how many more. */
static void
test_tests_named(void **state)
{
    struct evidence ev;
    struct tests_summary *t = &ev.report.u.tests;
    struct remedy r;
    const json_t *x;

    (void)state;
    memset(&ev, 0, sizeof(ev));
    ev.report.kind = REPORT_KIND_TESTS;
    ev.report.format = REPORT_FMT_JUNIT;
    t->total = 40;
    t->passed = 26;
    t->failed = 12;
    t->errors = 2;
    t->n_failing = 2;
    strcpy(t->failing[0].name, "com.example.FooTest.testBar");
    strcpy(t->failing[0].message, "expected 3 but was 4");
    strcpy(t->failing[1].name, "com.example.DbTest.setUp");
    t->failing[1].error = 1;
    assert_int_equal(remedy_of("tests", &ev, "{}", 0, &r), VERDICT_FAIL);
    assert_string_equal(r.text, "make the 14 failing tests pass (12 failed, 2 errors of 40)");
    assert_string_equal(r.lines, "failing: com.example.FooTest.testBar \u2014 expected 3 but was 4\n"
                                 "error: com.example.DbTest.setUp\n"
                                 "\u2026 and 12 more\n");
    x = json_array_get(json_object_get(r.data, "failing"), 0);
    assert_string_equal(json_string_value(json_object_get(x, "name")), "com.example.FooTest.testBar");
    assert_string_equal(json_string_value(json_object_get(x, "outcome")), "failure");
    assert_string_equal(json_string_value(json_object_get(x, "message")), "expected 3 but was 4");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(r.data, "failing"), 1), "outcome")),
                        "error");
    assert_int_equal(int_at(r.data, "more"), 12);
    remedy_release(&r);
    /* all of them named: no "more" line */
    t->failed = 1;
    t->errors = 1;
    t->total = 27;
    assert_int_equal(remedy_of("tests", &ev, "{}", 0, &r), VERDICT_FAIL);
    assert_null(strstr(r.lines, "more"));
    assert_int_equal(int_at(r.data, "more"), 0);
    remedy_release(&r);
}

/* The blocking findings by rule and place: only severities over their maximum, most
 * severe first, REPORT_FIRST_KEPT lines at most, then how many more. */
static void
test_security_named(void **state)
{
    struct evidence ev;
    struct security_summary *s = &ev.report.u.security;
    struct remedy r;
    const json_t *x;
    size_t i;

    (void)state;
    memset(&ev, 0, sizeof(ev));
    ev.report.kind = REPORT_KIND_SECURITY;
    ev.report.format = REPORT_FMT_SARIF;
    s->critical = 1;
    s->high = 6;
    s->medium = 30;
    s->n_first[SEVERITY_CRITICAL] = 1;
    strcpy(s->first[0][0].rule, "js/sql-injection");
    strcpy(s->first[0][0].level, "error");
    strcpy(s->first[0][0].uri, "src/db.js");
    s->first[0][0].line = 42;
    s->n_first[SEVERITY_HIGH] = REPORT_FIRST_KEPT;
    for (i = 0; i < REPORT_FIRST_KEPT; i++) {
        snprintf(s->first[1][i].rule, sizeof(s->first[1][i].rule), "H%zu", i);
        strcpy(s->first[1][i].level, "error");
        snprintf(s->first[1][i].uri, sizeof(s->first[1][i].uri), "h%zu.c", i);
    }
    s->first[1][0].line = 7;
    s->first[1][1].uri[0] = '\0';
    s->n_first[SEVERITY_MEDIUM] = 1;
    strcpy(s->first[2][0].rule, "M0");
    assert_int_equal(remedy_of("security", &ev, "{\"max\": {\"critical\": 0, \"high\": 2, "
                                                "\"medium\": 100}}", 0, &r),
                     VERDICT_FAIL);
    assert_string_equal(r.text, "fix or suppress 1 critical (1 active, max 0), 4 high (6 active, "
                                "max 2)");
    assert_string_equal(r.lines, "critical: js/sql-injection at src/db.js:42\n"
                                 "high: H0 at h0.c:7\n"
                                 "high: H1 at (no location)\n"
                                 "high: H2 at h2.c\n"
                                 "high: H3 at h3.c\n"
                                 "\u2026 and 2 more\n");
    assert_int_equal(json_array_size(json_object_get(r.data, "findings")), 5);
    x = json_array_get(json_object_get(r.data, "findings"), 0);
    assert_string_equal(json_string_value(json_object_get(x, "severity")), "critical");
    assert_string_equal(json_string_value(json_object_get(x, "rule")), "js/sql-injection");
    assert_string_equal(json_string_value(json_object_get(x, "uri")), "src/db.js");
    assert_int_equal(int_at(x, "line"), 42);
    assert_int_equal(int_at(r.data, "more"), 2);
    remedy_release(&r);
}

static void
test_load_test(void **state)
{
    struct evidence ev;
    struct remedy r;

    (void)state;
    ev = data_ev("{\"format\": \"k6\", \"file\": \"load.json\", \"missing\": {}, "
                 "\"latency\": [{\"key\": \"p(95)\", \"percentile\": 95, \"ms\": 600}], "
                 "\"error_rate\": 0.001, \"rps\": 150, \"thresholds_crossed\": [\"http_req_duration\"]}");
    assert_int_equal(remedy_of("load_test", &ev, "{\"max_latency_ms\": 500, \"min_rps\": 100}", 0,
                               &r),
                     VERDICT_FAIL);
    assert_string_equal(r.text, "bring p(95) latency from 600 ms to <= 500 ms, stay within the "
                                "k6 threshold 'http_req_duration' (run load.json)");
    assert_true(json_is_null(json_object_get(r.data, "baseline")));
    remedy_release(&r);
    evidence_release(&ev);

    /* the baseline as the log records it: reals as decimal strings */
    ev = data_ev("{\"format\": \"k6\", \"file\": \"now.json\", \"missing\": {}, \"env\": \"prod\", "
                 "\"latency\": [{\"key\": \"p(95)\", \"percentile\": 95, \"ms\": 460}], "
                 "\"error_rate\": 0.001, \"rps\": 150, \"thresholds_crossed\": [], "
                 "\"baseline\": {\"seq\": 7, \"id\": \"abc\", \"time\": \"2026-11-01T08:00:00Z\", "
                 "\"commit\": \"" COMMIT "\", \"gate\": \"load-test\", \"file\": \"then.json\", "
                 "\"format\": \"k6\", \"latency\": [{\"key\": \"p(95)\", \"percentile\": \"95\", "
                 "\"ms\": \"400\"}], \"error_rate\": \"0.001\", \"rps\": \"160\"}}");
    assert_int_equal(remedy_of("load_test", &ev,
                               "{\"max_latency_ms\": 500, \"baseline\": \"last_approved\", "
                               "\"max_regression_percent\": 10}",
                               0, &r),
                     VERDICT_FAIL);
    assert_string_equal(r.text, "bring p(95) latency to <= 440 ms (baseline seq 7 + 10%) (run "
                                "now.json; baseline: seq 7, commit 4b825dc642cb, run then.json)");
    assert_string_equal(json_string_value(json_object_get(r.data, "run")), "now.json");
    assert_string_equal(json_string_value(json_object_get(json_object_get(r.data, "baseline"), "file")),
                        "then.json");
    assert_int_equal(int_at(json_object_get(r.data, "baseline"), "seq"), 7);
    {
        const json_t *m = json_array_get(json_object_get(r.data, "metrics"), 0);

        assert_true(json_real_value(json_object_get(m, "value")) == 460.0);
        assert_true(json_real_value(json_object_get(m, "limit")) > 439.999999 &&
                    json_real_value(json_object_get(m, "limit")) < 440.000001); /* 400 + 10% */
    }
    remedy_release(&r);
    json_object_set_new(ev.data, "baseline", json_null());
    assert_int_equal(remedy_of("load_test", &ev,
                               "{\"max_latency_ms\": 500, \"baseline\": \"last_approved\", "
                               "\"max_regression_percent\": 10}",
                               0, &r),
                     VERDICT_PASS);
    evidence_release(&ev);
}

static void
test_load_test_baseline_summary(void **state)
{
    const struct gate *g = gate_find("load_test");
    struct evidence ev = data_ev(
        "{\"format\": \"k6\", \"file\": \"now.json\", \"missing\": {}, \"env\": \"prod\", "
        "\"latency\": [{\"key\": \"p(95)\", \"percentile\": 95, \"ms\": 300}], \"error_rate\": 0, "
        "\"rps\": 150, \"thresholds_crossed\": [], \"baseline\": null}");
    json_t *r = j("{\"max_latency_ms\": 500, \"baseline\": \"last_approved\", "
                  "\"max_regression_percent\": 10}");
    struct finding f;
    struct err e = ERR_INIT;

    (void)state;
    memset(&f, 0, sizeof(f));
    assert_int_equal(g->evaluate(&ev, r, 0, &f), VERDICT_PASS);
    assert_string_equal(f.summary, "p(95) latency 300 ms <= 500 ms, no approved load test "
                                   "recorded into prod yet: fixed thresholds only");
    finding_release(&f);
    json_decref(r);
    /* the policy: a baseline needs its percentage, and fixed thresholds */
    r = j("{\"baseline\": \"last_approved\", \"max_regression_percent\": 10}");
    assert_int_equal(g->check_rule(r, "$.g", &e), -1);
    json_decref(r);
    r = j("{\"max_latency_ms\": 1, \"baseline\": \"last_approved\"}");
    assert_int_equal(g->check_rule(r, "$.g", &e), -1);
    assert_string_equal(e.msg, "$.g: baseline and max_regression_percent go together");
    json_decref(r);
    r = j("{\"max_latency_ms\": 1, \"baseline\": \"first\", \"max_regression_percent\": 1}");
    assert_int_equal(g->check_rule(r, "$.g", &e), -1);
    json_decref(r);
    evidence_release(&ev);
}

static void
test_reviews(void **state)
{
    struct evidence ev;
    struct remedy r;

    (void)state;
    ev = data_ev("{\"pull_requests\": [{\"number\": 7, \"merged\": true, \"author\": \"thandi\", "
                 "\"head_sha\": \"" COMMIT "\", \"reviews\": [{\"id\": 1, \"login\": \"sipho\", "
                 "\"state\": \"APPROVED\", \"commit_id\": null}, {\"id\": 2, \"login\": "
                 "\"lerato\", \"state\": \"CHANGES_REQUESTED\", \"commit_id\": null}]}]}");
    assert_int_equal(remedy_of("code_review", &ev, "{\"min_approvals\": 2}", 0, &r), VERDICT_FAIL);
    assert_string_equal(r.text, "#7: 1 more approval, and lerato must approve or dismiss the "
                                "requested changes");
    remedy_release(&r);
    evidence_release(&ev);

    /* who could approve: team members but the promoter, the authors and who approved */
    ev = data_ev("{\"actor\": \"release-bot\", \"teams\": {\"ops-lead\": \"bbws/ops\", "
                 "\"po\": \"bbws/po\"}, \"pull_requests\": [{\"number\": 9, \"merged\": true, "
                 "\"author\": \"naledi\", \"release\": true}], \"approvers\": [{\"login\": "
                 "\"pieter\", \"id\": 5, \"roles\": [\"po\"]}], \"ignored\": [], "
                 "\"candidates\": {\"ops-lead\": [\"ayanda\", \"naledi\", \"pieter\", "
                 "\"release-bot\", \"zanele\"], \"po\": [\"pieter\"]}}");
    assert_int_equal(remedy_of("role_approval", &ev,
                               "{\"require\": {\"ops-lead\": 2, \"po\": 1}}", 0, &r),
                     VERDICT_FAIL);
    assert_string_equal(r.text, "2 more ops-lead approvals (could approve: ayanda, zanele)");
    assert_int_equal(int_at(json_object_get(json_object_get(r.data, "roles"), "ops-lead"), "missing"), 2);
    remedy_release(&r);
    /* without the members list (check, or a replay): how many, nobody named */
    json_object_del(ev.data, "candidates");
    assert_int_equal(remedy_of("role_approval", &ev, "{\"require\": {\"ops-lead\": 1}}", 0, &r),
                     VERDICT_FAIL);
    assert_string_equal(r.text, "1 more ops-lead approval");
    remedy_release(&r);
    evidence_release(&ev);
}

static void
test_checks_and_notes(void **state)
{
    struct evidence ev;
    struct remedy r;

    (void)state;
    ev = data_ev("{\"check_runs\": {\"build\": {\"id\": 1, \"status\": \"completed\", "
                 "\"conclusion\": \"failure\", \"started_at\": null}}, \"statuses\": {}, "
                 "\"urls\": {\"build\": \"https://ci/runs/1\"}}");
    assert_int_equal(remedy_of("status_checks", &ev, "{\"contexts\": [\"build\", \"uat\"]}", 0, &r),
                     VERDICT_FAIL);
    assert_string_equal(r.text, "build failed: fix and re-run it https://ci/runs/1; uat has not "
                                "run: run it");
    remedy_release(&r);
    evidence_release(&ev);

    ev = data_ev("{\"version\": \"1.5.0\", \"version_source\": \"version_file\", \"release\": "
                 "null, \"changelog\": {\"path\": \"CHANGELOG.md\", \"heading\": null, "
                 "\"has_text\": false}}");
    assert_int_equal(remedy_of("release_notes", &ev, "{\"changelog\": \"CHANGELOG.md\"}", 0, &r),
                     VERDICT_FAIL);
    assert_string_equal(r.text, "publish a GitHub release tagged 1.5.0 (or v1.5.0) with notes, "
                                "or add a heading for 1.5.0 with text under it to CHANGELOG.md");
    remedy_release(&r);
    evidence_release(&ev);
}

static void
test_history_gates(void **state)
{
    struct evidence ev;
    struct remedy r;

    (void)state;
    ev = data_ev("{\"env\": \"sit\", \"deployment\": {\"seq\": 3, \"epoch\": 1795507200, "
                 "\"time\": \"2026-11-24T08:00:00Z\"}}");
    assert_int_equal(remedy_of("soak", &ev, "{\"min_hours\": 24}", DAY0 + 3600, &r), VERDICT_FAIL);
    assert_string_equal(r.text, "wait: the soak in sit completes at 2026-11-25T08:00:00Z (in 23.0 h)");
    assert_string_equal(json_string_value(json_object_get(r.data, "ready_at")),
                        "2026-11-25T08:00:00Z");
    remedy_release(&r);
    evidence_release(&ev);

    ev = data_ev("{\"env\": \"sit\", \"decision\": null, \"deployment\": null}");
    assert_int_equal(remedy_of("provenance", &ev, "{}", 0, &r), VERDICT_FAIL);
    assert_string_equal(json_string_value(json_object_get(r.data, "action")), "promote_first");
    remedy_release(&r);
    evidence_release(&ev);

    ev = data_ev("{\"env\": \"prod\", \"test\": null}");
    assert_int_equal(remedy_of("dr_test", &ev, "{\"max_age_days\": 90}", 0, &r), VERDICT_FAIL);
    assert_string_equal(r.text, "run a DR test of prod and record it passing: promote record "
                                "dr-test --env prod --result pass (it counts for 90 days)");
    remedy_release(&r);
    evidence_release(&ev);
}

static void
test_deploy_window(void **state)
{
    const struct gate *g = gate_find("deploy_window");
    struct evidence ev = data_ev("{\"timezone\": \"Africa/Johannesburg\", \"break_glass\": null, "
                                 "\"break_glass_eligible\": {\"actor\": \"ayanda\", \"role\": "
                                 "\"ops-lead\", \"member\": true}}");
    json_t *r = j("{\"timezone\": \"Africa/Johannesburg\", \"break_glass_role\": \"ops-lead\"}");
    struct finding f = {"", NULL};
    struct remedy out;

    (void)state;
    f.details = j("{\"timezone\": \"Africa/Johannesburg\", \"next_window\": \"2026-11-24T09:00\"}");
    gate_remedy(g, VERDICT_FAIL, &ev, r, 0, &f, &out);
    assert_string_equal(out.text, "wait: the next window opens 2026-11-24T09:00 Africa/Johannesburg; "
                                  "break-glass: allowed for ayanda (a ops-lead): --break-glass "
                                  "--reason TEXT");
    assert_string_equal(json_string_value(json_object_get(out.data, "break_glass_allowed")), "yes");
    remedy_release(&out);
    json_object_set_new(json_object_get(ev.data, "break_glass_eligible"), "member", json_false());
    gate_remedy(g, VERDICT_FAIL, &ev, r, 0, &f, &out);
    assert_string_equal(json_string_value(json_object_get(out.data, "break_glass_allowed")), "no");
    remedy_release(&out);
    finding_release(&f);
    json_decref(r);
    evidence_release(&ev);
}

static void
test_error_and_no_evidence(void **state)
{
    struct finding f = {"cannot read 'x.xml': no such file", NULL};
    struct remedy r;

    (void)state;
    gate_remedy(gate_find("tests"), VERDICT_ERROR, NULL, NULL, 0, &f, &r);
    assert_string_equal(r.text, "fix what stops the evaluation: cannot read 'x.xml': no such file");
    assert_string_equal(json_string_value(json_object_get(r.data, "action")), "fix_error");
    remedy_release(&r);
}

static void
test_report_round_trip(void **state)
{
    struct report a, b;
    json_t *x, *rec;

    (void)state;
    memset(&a, 0, sizeof(a));
    a.kind = REPORT_KIND_SECURITY;
    a.format = REPORT_FMT_SARIF;
    a.u.security.high = 3;
    a.u.security.active = 3;
    a.u.security.n_revisions = 1;
    strcpy(a.u.security.revisions[0], "4b825dc");
    x = report_to_json(&a);
    assert_int_equal(report_from_json(&b, x), 0);
    assert_int_equal(b.u.security.high, 3);
    assert_string_equal(b.u.security.revisions[0], "4b825dc");
    json_decref(x);
    memset(&a, 0, sizeof(a));
    a.kind = REPORT_KIND_COVERAGE;
    a.format = REPORT_FMT_LCOV;
    a.u.coverage.lines_covered = 2;
    a.u.coverage.lines_total = 3;
    a.u.coverage.percent = 66.625;
    x = report_to_json(&a);
    /* as the log keeps it: the real as its decimal string */
    rec = j("{\"kind\": \"coverage\", \"format\": \"lcov\", \"lines_covered\": 2, "
            "\"lines_total\": 3, \"percent\": \"66.63\", \"percent_exact\": \"66.625\"}");
    assert_int_equal(report_from_json(&b, rec), 0);
    assert_true(b.u.coverage.percent == 66.625);
    json_decref(rec);
    json_decref(x);
    rec = j("{\"kind\": \"coverage\", \"format\": \"lcov\"}");
    assert_int_equal(report_from_json(&b, rec), -1);
    json_decref(rec);

    /* the failing tests and findings kept by name go into the record and come back */
    memset(&a, 0, sizeof(a));
    a.kind = REPORT_KIND_TESTS;
    a.format = REPORT_FMT_JUNIT;
    a.u.tests.total = 3;
    a.u.tests.failed = 1;
    a.u.tests.errors = 1;
    a.u.tests.passed = 1;
    a.u.tests.n_failing = 2;
    strcpy(a.u.tests.failing[0].name, "a.b");
    strcpy(a.u.tests.failing[0].message, "boom");
    strcpy(a.u.tests.failing[1].name, "a.c");
    a.u.tests.failing[1].error = 1;
    x = report_to_json(&a);
    assert_int_equal(report_from_json(&b, x), 0);
    assert_int_equal(b.u.tests.n_failing, 2);
    assert_string_equal(b.u.tests.failing[0].message, "boom");
    assert_int_equal(b.u.tests.failing[1].error, 1);
    json_decref(x);
    memset(&a, 0, sizeof(a));
    a.kind = REPORT_KIND_SECURITY;
    a.format = REPORT_FMT_SARIF;
    a.u.security.low = 1;
    a.u.security.n_first[SEVERITY_LOW] = 1;
    strcpy(a.u.security.first[SEVERITY_LOW][0].rule, "R");
    strcpy(a.u.security.first[SEVERITY_LOW][0].level, "note");
    strcpy(a.u.security.first[SEVERITY_LOW][0].uri, "x.c");
    a.u.security.first[SEVERITY_LOW][0].line = 9;
    x = report_to_json(&a);
    assert_int_equal(report_from_json(&b, x), 0);
    assert_int_equal(b.u.security.n_first[SEVERITY_LOW], 1);
    assert_string_equal(b.u.security.first[SEVERITY_LOW][0].uri, "x.c");
    assert_int_equal(b.u.security.first[SEVERITY_LOW][0].line, 9);
    json_decref(x);
    /* a record made before they were kept has none, and still replays */
    rec = j("{\"kind\": \"tests\", \"format\": \"junit\", \"total\": 2, \"passed\": 1, "
            "\"failed\": 1, \"errors\": 0, \"skipped\": 0, \"disabled\": 0}");
    assert_int_equal(report_from_json(&b, rec), 0);
    assert_int_equal(b.u.tests.n_failing, 0);
    json_decref(rec);
    /* a malformed one is not a report */
    rec = j("{\"kind\": \"tests\", \"format\": \"junit\", \"total\": 2, \"passed\": 1, "
            "\"failed\": 1, \"errors\": 0, \"skipped\": 0, \"disabled\": 0, \"failing\": [1]}");
    assert_int_equal(report_from_json(&b, rec), -1);
    json_decref(rec);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_coverage),
        cmocka_unit_test(test_tests_and_security),
        cmocka_unit_test(test_tests_named),
        cmocka_unit_test(test_security_named),
        cmocka_unit_test(test_load_test),
        cmocka_unit_test(test_load_test_baseline_summary),
        cmocka_unit_test(test_reviews),
        cmocka_unit_test(test_checks_and_notes),
        cmocka_unit_test(test_history_gates),
        cmocka_unit_test(test_deploy_window),
        cmocka_unit_test(test_error_and_no_evidence),
        cmocka_unit_test(test_report_round_trip),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
