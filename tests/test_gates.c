/* Gate evaluation is pure: evidence built by hand, verdicts and details asserted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "gates/gate.h"

#define COMMIT "4b825dc642cb6eb9a060e54bf8d69288fbee4904"

static json_t *
rule(const char *text)
{
    json_error_t je;
    json_t *r = json_loads(text, 0, &je);

    assert_non_null(r);
    return r;
}

static enum verdict
eval(const char *type, const struct evidence *ev, const char *rule_text, struct finding *f)
{
    const struct gate *g = gate_find(type);
    json_t *r = rule(rule_text);
    enum verdict v;

    assert_non_null(g);
    memset(f, 0, sizeof(*f));
    v = g->evaluate(ev, r, 0, f);
    json_decref(r);
    return v;
}

static struct evidence
coverage(uint64_t covered, uint64_t total)
{
    struct evidence ev;

    memset(&ev, 0, sizeof(ev));
    strcpy(ev.commit, COMMIT);
    ev.report.kind = REPORT_KIND_COVERAGE;
    ev.report.format = REPORT_FMT_COBERTURA;
    ev.report.u.coverage.lines_covered = covered;
    ev.report.u.coverage.lines_total = total;
    ev.report.u.coverage.percent = 100.0 * (double)covered / (double)total;
    return ev;
}

static void
test_registry(void **state)
{
    (void)state;
    assert_non_null(gate_find("coverage"));
    assert_non_null(gate_find("tests"));
    assert_non_null(gate_find("security"));
    assert_non_null(gate_find("branch"));
    assert_null(gate_find("vibes"));
    assert_null(gate_find(""));
}

static void
test_coverage_threshold(void **state)
{
    struct evidence ev = coverage(89, 96);
    struct finding f;

    (void)state;
    assert_int_equal(eval("coverage", &ev, "{\"min_percent\": 80}", &f), VERDICT_PASS);
    assert_int_equal(json_integer_value(json_object_get(f.details, "lines_covered")), 89);
    assert_int_equal(json_integer_value(json_object_get(f.details, "lines_total")), 96);
    assert_float_equal(json_real_value(json_object_get(f.details, "percent")), 92.71, 1e-9);
    assert_int_equal(json_integer_value(json_object_get(f.details, "min_percent")), 80);
    assert_string_equal(json_string_value(json_object_get(f.details, "format")), "cobertura");
    assert_string_equal(f.summary, "line coverage 92.71% (89/96) >= 80%");
    finding_release(&f);
    /* 92.708333...: rounding shows 92.71 but the comparison is unrounded */
    assert_int_equal(eval("coverage", &ev, "{\"min_percent\": 92.71}", &f), VERDICT_FAIL);
    finding_release(&f);
    ev = coverage(80, 100);
    assert_int_equal(eval("coverage", &ev, "{\"min_percent\": 80}", &f), VERDICT_PASS);
    finding_release(&f);
    ev = coverage(7999, 10000);
    assert_int_equal(eval("coverage", &ev, "{\"min_percent\": 80}", &f), VERDICT_FAIL);
    assert_string_equal(f.summary, "line coverage 79.99% (7999/10000) is below 80%");
    finding_release(&f);
}

static void
test_coverage_wrong_kind_is_error(void **state)
{
    struct evidence ev = coverage(1, 1);
    struct finding f;

    (void)state;
    ev.report.kind = REPORT_KIND_TESTS;
    ev.report.format = REPORT_FMT_JUNIT;
    assert_int_equal(eval("coverage", &ev, "{\"min_percent\": 80}", &f), VERDICT_ERROR);
    assert_string_equal(f.summary, "expected a coverage report, got tests (junit)");
    finding_release(&f);
    memset(&ev, 0, sizeof(ev)); /* nothing collected */
    assert_int_equal(eval("coverage", &ev, "{\"min_percent\": 0}", &f), VERDICT_ERROR);
    finding_release(&f);
}

static struct evidence
tests(uint64_t passed, uint64_t failed, uint64_t errors, uint64_t skipped)
{
    struct evidence ev;

    memset(&ev, 0, sizeof(ev));
    ev.report.kind = REPORT_KIND_TESTS;
    ev.report.format = REPORT_FMT_JUNIT;
    ev.report.u.tests.passed = passed;
    ev.report.u.tests.failed = failed;
    ev.report.u.tests.errors = errors;
    ev.report.u.tests.skipped = skipped;
    ev.report.u.tests.total = passed + failed + errors + skipped;
    return ev;
}

static void
test_tests_gate(void **state)
{
    struct evidence ev = tests(18, 0, 0, 0);
    struct finding f;

    (void)state;
    assert_int_equal(eval("tests", &ev, "{}", &f), VERDICT_PASS);
    assert_int_equal(json_integer_value(json_object_get(f.details, "total")), 18);
    assert_int_equal(json_integer_value(json_object_get(f.details, "passed")), 18);
    finding_release(&f);
    assert_int_equal(eval("tests", &ev, "{\"min_tests\": 19}", &f), VERDICT_FAIL);
    assert_string_equal(f.summary, "18 tests ran, at least 19 required");
    finding_release(&f);
    ev = tests(0, 0, 0, 0);
    assert_int_equal(eval("tests", &ev, "{}", &f), VERDICT_ERROR); /* no test ran */
    assert_string_equal(f.summary, "the report holds no test that ran (0 testcases, 0 disabled)");
    finding_release(&f);
    assert_int_equal(eval("tests", &ev, "{\"min_tests\": 0}", &f), VERDICT_ERROR);
    finding_release(&f);
    ev.report.u.tests.disabled = ev.report.u.tests.total = 2;
    assert_int_equal(eval("tests", &ev, "{}", &f), VERDICT_ERROR);
    assert_string_equal(f.summary, "the report holds no test that ran (2 testcases, 2 disabled)");
    finding_release(&f);
    ev = tests(3, 0, 0, 1);
    ev.report.u.tests.disabled = 1;
    ev.report.u.tests.total++;
    assert_int_equal(eval("tests", &ev, "{\"allow_skipped\": true}", &f), VERDICT_PASS);
    assert_string_equal(f.summary, "5 tests: 3 passed, 1 skipped, 1 disabled");
    assert_int_equal(json_integer_value(json_object_get(f.details, "disabled")), 1);
    finding_release(&f);
    ev = tests(5, 2, 1, 3);
    assert_int_equal(eval("tests", &ev, "{}", &f), VERDICT_FAIL);
    assert_string_equal(f.summary, "2 failed, 1 errors of 11 tests");
    assert_int_equal(json_integer_value(json_object_get(f.details, "skipped")), 3);
    finding_release(&f);
    ev = tests(0, 0, 1, 0);
    assert_int_equal(eval("tests", &ev, "{}", &f), VERDICT_FAIL);
    finding_release(&f);
    ev = tests(5, 0, 0, 2);
    assert_int_equal(eval("tests", &ev, "{}", &f), VERDICT_PASS);
    finding_release(&f);
    assert_int_equal(eval("tests", &ev, "{\"allow_skipped\": false}", &f), VERDICT_FAIL);
    assert_string_equal(f.summary, "2 of 7 tests skipped, and skips are not allowed");
    finding_release(&f);
}

static struct evidence
security(uint64_t c, uint64_t h, uint64_t m, uint64_t l)
{
    struct evidence ev;

    memset(&ev, 0, sizeof(ev));
    strcpy(ev.commit, COMMIT);
    ev.report.kind = REPORT_KIND_SECURITY;
    ev.report.format = REPORT_FMT_SARIF;
    ev.report.u.security.critical = c;
    ev.report.u.security.high = h;
    ev.report.u.security.medium = m;
    ev.report.u.security.low = l;
    ev.report.u.security.active = c + h + m + l;
    return ev;
}

static void
test_security_gate(void **state)
{
    struct evidence ev = security(0, 0, 20, 9);
    struct finding f;
    const char *max = "{\"max\": {\"critical\": 0, \"high\": 0}}";

    (void)state;
    assert_int_equal(eval("security", &ev, max, &f), VERDICT_PASS);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(f.details, "counts"), "medium")), 20);
    finding_release(&f);
    ev = security(4, 6, 20, 9);
    assert_int_equal(eval("security", &ev, max, &f), VERDICT_FAIL);
    assert_string_equal(f.summary, "too many active findings: 4 critical (max 0), 6 high (max 0)");
    finding_release(&f);
    assert_int_equal(eval("security", &ev, "{\"max\": {}}", &f), VERDICT_PASS); /* unlimited */
    finding_release(&f);
    assert_int_equal(eval("security", &ev, "{\"max\": {\"medium\": 20, \"low\": 8}}", &f),
                     VERDICT_FAIL);
    assert_string_equal(f.summary, "too many active findings: 9 low (max 8)");
    finding_release(&f);
    /* the scanner's own errors: an error, unless the policy allows them explicitly */
    ev = security(0, 0, 0, 0);
    ev.report.u.security.tool_errors = 2;
    strcpy(ev.report.u.security.tool_error, "runs[0] (ESLint): Parsing error: x");
    assert_int_equal(eval("security", &ev, max, &f), VERDICT_ERROR);
    assert_string_equal(f.summary, "the scanner reported 2 error(s) of its own: runs[0] (ESLint): "
                                   "Parsing error: x");
    assert_false(json_is_true(json_object_get(f.details, "tool_errors_allowed")));
    finding_release(&f);
    assert_int_equal(eval("security", &ev, "{\"max\": {}, \"allow_tool_errors\": false}", &f),
                     VERDICT_ERROR);
    finding_release(&f);
    assert_int_equal(eval("security", &ev, "{\"max\": {}, \"allow_tool_errors\": true}", &f),
                     VERDICT_PASS);
    assert_string_equal(f.summary, "0 critical, 0 high, 0 medium, 0 low active findings (tool "
                                   "errors allowed by the policy)");
    assert_true(json_is_true(json_object_get(f.details, "tool_errors_allowed")));
    assert_int_equal(json_integer_value(json_object_get(f.details, "tool_errors")), 2);
    finding_release(&f);
}

static void
test_security_revision(void **state)
{
    struct evidence ev = security(0, 0, 0, 0);
    const char *max = "{\"max\": {\"high\": 0}}";
    struct finding f;

    (void)state;
    ev.report.u.security.n_revisions = 1;
    strcpy(ev.report.u.security.revisions[0], COMMIT);
    assert_int_equal(eval("security", &ev, max, &f), VERDICT_PASS);
    finding_release(&f);
    strcpy(ev.report.u.security.revisions[0], "4B825DC6"); /* abbreviated, upper case */
    assert_int_equal(eval("security", &ev, max, &f), VERDICT_PASS);
    finding_release(&f);
    strcpy(ev.report.u.security.revisions[0], "4b825d"); /* too short to name a commit */
    assert_int_equal(eval("security", &ev, max, &f), VERDICT_ERROR);
    finding_release(&f);
    ev.report.u.security.n_revisions = 2;
    strcpy(ev.report.u.security.revisions[0], COMMIT);
    strcpy(ev.report.u.security.revisions[1], "0123456789abcdef0123456789abcdef01234567");
    assert_int_equal(eval("security", &ev, max, &f), VERDICT_ERROR);
    assert_string_equal(f.summary, "the scan was of revision "
                                   "0123456789abcdef0123456789abcdef01234567, not of commit "
                                   "4b825dc642cb");
    finding_release(&f);
    ev.report.u.security.n_revisions = 0;
    ev.report.u.security.revisions_overflow = 1;
    assert_int_equal(eval("security", &ev, max, &f), VERDICT_ERROR);
    finding_release(&f);
}

static void
test_security_rule_check(void **state)
{
    const struct gate *g = gate_find("security");
    struct err e = ERR_INIT;
    json_t *r;

    (void)state;
    r = rule("{\"max\": {\"critical\": 0, \"high\": 2}}");
    assert_int_equal(g->check_rule(r, "$.g", &e), 0);
    json_decref(r);
    r = rule("{\"max\": {\"severe\": 0}}");
    assert_int_equal(g->check_rule(r, "$.g", &e), -1);
    assert_int_equal(e.code, EXIT_USAGE);
    assert_non_null(strstr(e.msg, "$.g.max.severe: unknown severity"));
    json_decref(r);
    r = rule("{\"max\": {\"high\": -1}}");
    assert_int_equal(g->check_rule(r, "$.g", &e), -1);
    json_decref(r);
    r = rule("{\"max\": {\"high\": 1.5}}");
    assert_int_equal(g->check_rule(r, "$.g", &e), -1);
    json_decref(r);
}

static void
test_branch_gate(void **state)
{
    struct evidence ev;
    struct finding f;
    const char *r = "{\"branch\": \"release\"}";

    (void)state;
    memset(&ev, 0, sizeof(ev));
    strcpy(ev.commit, COMMIT);
    assert_int_equal(eval("branch", &ev, r, &f), VERDICT_ERROR); /* not resolved */
    finding_release(&f);
    strcpy(ev.branch.ref, "refs/remotes/origin/release");
    strcpy(ev.branch.tip, "1111111111111111111111111111111111111111");
    assert_int_equal(eval("branch", &ev, r, &f), VERDICT_FAIL);
    assert_string_equal(f.summary, "commit 4b825dc642cb is not reachable from release "
                                   "(refs/remotes/origin/release at 111111111111)");
    finding_release(&f);
    ev.branch.reachable = 1;
    assert_int_equal(eval("branch", &ev, r, &f), VERDICT_PASS);
    assert_true(json_is_true(json_object_get(f.details, "reachable")));
    finding_release(&f);
}

int
main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_coverage_threshold),
        cmocka_unit_test(test_coverage_wrong_kind_is_error),
        cmocka_unit_test(test_tests_gate),
        cmocka_unit_test(test_security_gate),
        cmocka_unit_test(test_security_revision),
        cmocka_unit_test(test_security_rule_check),
        cmocka_unit_test(test_branch_gate),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
