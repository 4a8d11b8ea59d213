/* JUnit parser: MANIFEST.md numbers, nesting, precedence, producer shapes, bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/report/report.h"

#define TESTUTIL_NAME "junit"
#include "testutil.h"

static void
expect_tests(const char *path, uint64_t total, uint64_t passed, uint64_t failed, uint64_t errors,
             uint64_t skipped, uint64_t disabled)
{
    struct tests_summary t;
    struct err e = ERR_INIT;
    int rc = report_junit_parse(&t, path, NULL, NULL, &e);

    if (rc != 0)
        print_error("%s: %s\n", path, e.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(t.total, total);
    assert_int_equal(t.passed, passed);
    assert_int_equal(t.failed, failed);
    assert_int_equal(t.errors, errors);
    assert_int_equal(t.skipped, skipped);
    assert_int_equal(t.disabled, disabled);
}

static void
expect_error(const char *path, ...)
{
    struct tests_summary t;
    struct err e = ERR_INIT;
    const char *needle;
    va_list ap;

    assert_int_equal(report_junit_parse(&t, path, NULL, NULL, &e), -1);
    assert_int_equal(e.code, EXIT_EVAL);
    va_start(ap, path);
    while ((needle = va_arg(ap, const char *)) != NULL) {
        if (!strstr(e.msg, needle))
            print_error("message '%s' lacks '%s'\n", e.msg, needle);
        assert_non_null(strstr(e.msg, needle));
    }
    va_end(ap);
}

/* --- MANIFEST.md ground truth --- */

static void
test_pytest_py_high(void **state)
{
    (void)state;
    expect_tests(fixture("reports/junit/pytest-py_high.xml"), 18, 18, 0, 0, 0, 0);
}

static void
test_pytest_py_low(void **state)
{
    (void)state;
    /* "2 failed, 5 passed, 2 skipped, 1 xfailed, 1 error": the xfail is a <skipped> */
    expect_tests(fixture("reports/junit/pytest-py_low.xml"), 11, 5, 2, 1, 3, 0);
}

static void
test_ctest_ringbuf_subset(void **state)
{
    (void)state;
    /* root <testsuite>, no <testsuites>; passing cases have status="run" */
    expect_tests(fixture("reports/junit/ctest-ringbuf-subset.xml"), 5, 4, 1, 0, 0, 0);
}

/* Real producers' reports of runs that failed or crashed (MANIFEST.md, "Reports of failed,
 * crashed or empty runs"). */
static void
test_failed_runs(void **state)
{
    (void)state;
    /* ctest exited 8, "1 tests failed out of 21": misc_tests could not run (notrun,
     * "Unable to find executable"), two skipped on purpose, one disabled */
    expect_tests(fixture("reports/junit/ctest-notrun.xml"), 22, 18, 1, 0, 2, 1);
    /* node exited 1, fail 2: the parent's failure is only in <!-- fail 2 --> */
    expect_error(fixture("reports/junit/node-test-parent-fail.xml"),
                 "the producer declares 2 tests that did not pass (<!-- fail 2 -->, <!-- "
                 "cancelled 0 -->), the testcases show 1",
                 NULL);
    expect_tests(fixture("reports/junit/node-test-pass.xml"), 6, 6, 0, 0, 0, 0);
    /* jest exited 1 both times; by default jest-junit leaves the file that failed to load
     * out (docs/policy.md requires reportTestSuiteErrors) */
    expect_tests(fixture("reports/junit/jest-junit-load-error-default.xml"), 5, 5, 0, 0, 0, 0);
    /* with reportTestSuiteErrors: two testcases for the one suite error, counted once */
    expect_tests(fixture("reports/junit/jest-junit-load-error-suite-errors.xml"), 6, 5, 0, 1, 0,
                 0);
}

static void
test_hash_and_bytes(void **state)
{
    /* sha256sum of the fixture */
    static const char want[] = "658404e60baab64b37384adc6dcbac67baea077541c1d11edd2fda4addb696c1";
    struct tests_summary t;
    struct err e = ERR_INIT;
    unsigned char sha[32];
    char hex[65];
    uint64_t bytes = 0;
    size_t i;

    (void)state;
    assert_int_equal(
        report_junit_parse(&t, fixture("reports/junit/pytest-py_low.xml"), sha, &bytes, &e), 0);
    assert_int_equal(bytes, 3799);
    for (i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", sha[i]);
    assert_string_equal(hex, want);
}

/* --- shapes --- */

/* --- the failing tests kept by name --- */

static void
parse_ok(struct tests_summary *t, const char *path)
{
    struct err e = ERR_INIT;

    if (report_junit_parse(t, path, NULL, NULL, &e) != 0)
        fail_msg("%s: %s", path, e.msg);
}

static void
expect_failing(const struct tests_summary *t, size_t i, const char *name, const char *message,
               int error)
{
    assert_true(i < t->n_failing);
    assert_string_equal(t->failing[i].name, name);
    assert_string_equal(t->failing[i].message, message);
    assert_int_equal(t->failing[i].error, error);
}

static void
test_failing_named(void **state)
{
    struct tests_summary t;

    (void)state;
    /* MANIFEST.md names no test of pytest-py_low.xml: the names and messages below are
     * read from the file, junit/pytest-py_low.xml line 1 (test_sell_too_many_fails_on_purpose,
     * <failure message="AssertionError: assert 0 == 1&#10;..."), line 9 (test_with_database,
     * <error message="failed on setup with ...">) and line 14 (test_low_stock_wrong) */
    parse_ok(&t, fixture("reports/junit/pytest-py_low.xml"));
    assert_int_equal(t.n_failing, 3);
    expect_failing(&t, 0, "tests.test_models.test_sell_too_many_fails_on_purpose",
                   "AssertionError: assert 0 == 1", 0);
    expect_failing(&t, 1, "tests.test_storage.test_with_database",
                   "failed on setup with \"ConnectionError: could not connect to test database\"",
                   1);
    expect_failing(&t, 2, "tests.test_storage.test_low_stock_wrong",
                   "AssertionError: assert 1 == 0", 0);
    /* junit/ctest-ringbuf-subset.xml line 20: classname = name, <failure message=""/> */
    parse_ok(&t, fixture("reports/junit/ctest-ringbuf-subset.xml"));
    assert_int_equal(t.n_failing, 1);
    expect_failing(&t, 0, "ringbuf.capacity_bug", "", 0);
    /* MANIFEST.md: misc_tests is notrun with <skipped message="Unable to find executable">,
     * the one test ctest counts as failed */
    parse_ok(&t, fixture("reports/junit/ctest-notrun.xml"));
    assert_int_equal(t.n_failing, 1);
    expect_failing(&t, 0, "misc_tests", "Unable to find executable", 0);
    /* the jest suite error written as two testcases is one error, named once (the
     * classname "Test suite failed to run" and the file name, MANIFEST.md) */
    parse_ok(&t, fixture("reports/junit/jest-junit-load-error-suite-errors.xml"));
    assert_int_equal(t.n_failing, 1);
    expect_failing(&t, 0, "Test suite failed to run: __tests__/long.test.js", "", 1);
    parse_ok(&t, fixture("reports/junit/pytest-py_high.xml"));
    assert_int_equal(t.n_failing, 0);
}

/* The first REPORT_FIRST_KEPT only, the counts of all; a message cut at its first line
 * and at a character boundary; the suite's name when there is no classname. */
static void
test_failing_bounded(void **state)
{
    struct tests_summary t;
    struct buf_s {
        char s[8192];
        size_t n;
    } b;
    char longmsg[400];
    int i;

    (void)state;
    memset(longmsg, 0, sizeof(longmsg));
    for (i = 0; i < 150; i++) /* 300 bytes of "é" */
        memcpy(longmsg + 2 * i, "\xc3\xa9", 2);
    b.n = (size_t)snprintf(b.s, sizeof(b.s),
                           "<testsuites><testsuite name=\"outer\"><testsuite name=\"api\">"
                           "<testcase name=\"t0\"><failure message=\"first&#10;second\"/></testcase>"
                           "<testcase classname=\"C\" name=\"t1\"><failure message=\"%s\"/></testcase>"
                           "<testcase classname=\"C\" name=\"ok\"/>",
                           longmsg);
    for (i = 2; i < 9; i++)
        b.n += (size_t)snprintf(b.s + b.n, sizeof(b.s) - b.n,
                                "<testcase classname=\"C\" name=\"t%d\"><error type=\"E%d\"/>"
                                "</testcase>",
                                i, i);
    b.n += (size_t)snprintf(b.s + b.n, sizeof(b.s) - b.n, "</testsuite></testsuite></testsuites>");
    parse_ok(&t, tmpfile_with("bounded.xml", b.s, b.n));
    assert_int_equal(t.failed, 2);
    assert_int_equal(t.errors, 7);
    assert_int_equal(t.n_failing, REPORT_FIRST_KEPT);
    expect_failing(&t, 0, "api.t0", "first", 0);
    assert_int_equal(strlen(t.failing[1].message), 2 * 78 + 3); /* 78 "é" and "..." */
    assert_string_equal(t.failing[1].message + 2 * 78, "...");
    expect_failing(&t, 2, "C.t2", "E2", 1);
    expect_failing(&t, 4, "C.t4", "E4", 1);
}

static void
test_nested_suites(void **state)
{
    (void)state;
    /* 5 levels of <testsuite>, testcases at several of them, suite attributes that lie,
     * two testcases with the same name; l5-disabled is disabled */
    expect_tests(fixture("malformed/junit-nested-5.xml"), 12, 5, 3, 2, 1, 1);
}

static void
test_precedence(void **state)
{
    (void)state;
    /* error > skipped with failure (a skip) > failure > disabled > skipped */
    expect_tests(fixture("malformed/junit-precedence.xml"), 6, 0, 1, 3, 1, 1);
}

static void
test_producers(void **state)
{
    (void)state;
    expect_tests(fixture("malformed/junit-surefire.xml"), 4, 2, 1, 0, 1, 0);
    expect_tests(fixture("malformed/junit-node-test.xml"), 4, 2, 1, 0, 1, 0);
    /* pytest xunit1 writes the same elements with <properties> and system-out children */
    expect_tests(
        tmpfile_str("xunit1.xml",
                    "<?xml version=\"1.0\" encoding=\"utf-8\"?><testsuites><testsuite "
                    "name=\"pytest\" tests=\"2\"><testcase classname=\"t\" name=\"a\" "
                    "file=\"t.py\" line=\"3\"><properties><property name=\"k\" value=\"v\"/>"
                    "</properties><system-out>hi</system-out></testcase><testcase "
                    "classname=\"t\" name=\"b\"><skipped type=\"pytest.xfail\" "
                    "message=\"x\"/></testcase></testsuite></testsuites>"),
        2, 1, 0, 0, 1, 0);
    /* CTest: a disabled test (neither passed nor failed), a test it could not run
     * (failed, as ctest counts it) and tests skipped on purpose (skipped) */
    expect_tests(
        tmpfile_str("ctest.xml",
                    "<testsuite name=\"x\" tests=\"5\"><testcase name=\"d\" status=\"disabled\">"
                    "<skipped message=\"Disabled\"/></testcase><testcase name=\"n\" "
                    "status=\"notrun\"><skipped message=\"Required files missing\"/>"
                    "</testcase><testcase name=\"s\" status=\"notrun\"><skipped "
                    "message=\"SKIP_RETURN_CODE=77\"/></testcase><testcase name=\"x\" "
                    "status=\"notrun\"><skipped message=\"SKIP_REGULAR_EXPRESSION_MATCHED\"/>"
                    "</testcase><testcase name=\"r\" status=\"run\"/></testsuite>"),
        5, 1, 1, 0, 2, 1);
    /* notrun without any child is not a pass either */
    expect_tests(tmpfile_str("notrun.xml", "<testsuite><testcase name=\"n\" status=\"notrun\"/>"
                                           "</testsuite>"),
                 1, 0, 1, 0, 0, 0);
}

static void
test_zero_testcases(void **state)
{
    (void)state;
    /* not an error here: the tests gate refuses a report in which no test ran */
    expect_tests(fixture("malformed/junit-empty.xml"), 0, 0, 0, 0, 0, 0);
    expect_tests(tmpfile_str("empty-suite.xml", "<testsuite name=\"none\" tests=\"5\"/>"), 0, 0, 0,
                 0, 0, 0);
}

/* --- what the producer declares --- */

static void
test_declared_totals(void **state)
{
    (void)state;
    /* a suite declaring more failures + errors than its testcases carry */
    expect_error(tmpfile_str("decl.xml", "<testsuites failures=\"1\" errors=\"1\">\n"
                                         "<testsuite failures=\"1\"><testcase name=\"a\">"
                                         "<failure/></testcase></testsuite>\n</testsuites>"),
                 "line 3: ", "<testsuites> opened on line 1 declares 2 failures and errors, but "
                 "only 1 of its testcases carry a <failure> or <error>", NULL);
    expect_error(tmpfile_str("decl2.xml", "<testsuites><testsuite errors=\"1\">"
                                          "<testcase name=\"a\"/></testsuite></testsuites>"),
                 "<testsuite> opened on line 1 declares 1 failures and errors, but only 0", NULL);
    /* declaring fewer is not a contradiction: the elements count (junit-nested-5.xml) */
    expect_tests(tmpfile_str("decl3.xml", "<testsuite failures=\"0\"><testcase name=\"a\">"
                                          "<failure/></testcase></testsuite>"),
                 1, 0, 1, 0, 0, 0);
    /* a skipped testcase with a <failure> still shows a failure element to the suite */
    expect_tests(tmpfile_str("decl4.xml", "<testsuite failures=\"1\"><testcase name=\"t\">"
                                          "<skipped type=\"todo\"/><failure/></testcase>"
                                          "</testsuite>"),
                 1, 0, 0, 0, 1, 0);
    expect_error(tmpfile_str("decl5.xml", "<testsuite failures=\"x\"/>"),
                 "attribute failures of <testsuite> is not a non-negative integer", NULL);
    expect_error(tmpfile_str("decl6.xml", "<testsuite errors=\"-1\"/>"),
                 "attribute errors of <testsuite> is not a non-negative integer", NULL);
    /* node's trailing totals: a failure the elements do not show */
    expect_error(tmpfile_str("node.xml", "<testsuites><testsuite name=\"parent\">"
                                         "<testcase name=\"sub\"/></testsuite>\n"
                                         "<!-- tests 2 -->\n<!-- pass 1 -->\n<!-- fail 1 -->\n"
                                         "<!-- cancelled 0 -->\n</testsuites>"),
                 "the producer declares 1 tests that did not pass (<!-- fail 1 -->, <!-- "
                 "cancelled 0 -->), the testcases show 0: a test failed without a <failure>",
                 NULL);
    expect_error(tmpfile_str("node2.xml", "<testsuites><testcase name=\"a\"/>"
                                          "<!-- cancelled 1 --></testsuites>"),
                 "declares 1 tests that did not pass (<!-- fail 0 -->, <!-- cancelled 1 -->)",
                 NULL);
    /* node does not count a failing todo: neither do we */
    expect_tests(tmpfile_str("node3.xml", "<testsuites><testcase name=\"a\"><skipped "
                                          "type=\"todo\"/><failure/></testcase><testcase "
                                          "name=\"b\"><failure/></testcase>"
                                          "<!-- fail 1 --><!-- todo 1 --></testsuites>"),
                 2, 0, 1, 0, 1, 0);
    /* other comments are not totals */
    expect_tests(tmpfile_str("node4.xml", "<testsuites><!-- fail to see 3 --><!-- fail -->"
                                          "<!--fail 2x--><testcase name=\"a\"/></testsuites>"),
                 1, 1, 0, 0, 0, 0);
}

/* --- malformed --- */

static void
test_wrong_root(void **state)
{
    (void)state;
    expect_error(fixture("malformed/junit-wrong-root.xml"), "junit-wrong-root.xml': line 2: ",
                 "wrong root element (expected testsuites or testsuite)", NULL);
    expect_error(fixture("reports/cobertura/gcovr-ringbuf.xml"), "wrong root element", NULL);
    expect_error(tmpfile_str("bare.xml", "<testcase name=\"a\"/>"), "wrong root element", NULL);
}

static void
test_nested_testcase(void **state)
{
    (void)state;
    expect_error(fixture("malformed/junit-nested-testcase.xml"),
                 "line 4: ", "<testcase> nested inside <testcase>", NULL);
    expect_error(tmpfile_str("deep-nested.xml", "<testsuites><testsuite><testcase><system-out>"
                                                "<testcase/></system-out></testcase></testsuite>"
                                                "</testsuites>"),
                 "nested inside", NULL);
}

static void
test_not_junit(void **state)
{
    static const unsigned char garbage[] = {0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,
                                            0x00, 0x03, 0xed, 0xbd, 0x07, 0x60, 0x1c, 0x49};

    (void)state;
    expect_error(tmpfile_str("empty.xml", ""), "line 1: no element found", NULL);
    expect_error(tmpfile_with("garbage.xml", garbage, sizeof(garbage)),
                 "garbage.xml': line 1: ", NULL);
    expect_error(tmpfile_str("truncated.xml",
                             "<testsuites><testsuite name=\"a\"><testcase name=\"x\">"
                             "<failure message=\"boom\"/></testcase>"),
                 "no element found", NULL);
    expect_error(tmpfile_str("mismatch.xml", "<testsuite>\n<testcase>\n</testsuite>"),
                 "line 3: mismatched tag", NULL);
}

static void
test_hostile(void **state)
{
    (void)state;
    expect_error(fixture("malformed/xml-external-entity.xml"),
                 "line 2: ", "a DOCTYPE with an internal subset is not allowed", NULL);
    expect_error(tmpfile_str("laughs.xml", "<!DOCTYPE testsuites [<!ENTITY a \"aaaaaaaaaa\">"
                                           "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
                                           "<testsuites><testsuite name=\"&b;\"/></testsuites>"),
                 "a DOCTYPE with an internal subset is not allowed", NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pytest_py_high),
        cmocka_unit_test(test_pytest_py_low),
        cmocka_unit_test(test_ctest_ringbuf_subset),
        cmocka_unit_test(test_failed_runs),
        cmocka_unit_test(test_hash_and_bytes),
        cmocka_unit_test(test_failing_named),
        cmocka_unit_test(test_failing_bounded),
        cmocka_unit_test(test_nested_suites),
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_producers),
        cmocka_unit_test(test_zero_testcases),
        cmocka_unit_test(test_declared_totals),
        cmocka_unit_test(test_wrong_root),
        cmocka_unit_test(test_nested_testcase),
        cmocka_unit_test(test_not_junit),
        cmocka_unit_test(test_hostile),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
