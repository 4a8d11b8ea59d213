/* Cobertura parser and the shared expat set-up: MANIFEST.md numbers, fallbacks,
 * contradictory numbers, hostile XML. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/report/report.h"

#define TESTUTIL_NAME "cobertura"
#include "testutil.h"

static void
expect_coverage(const char *path, uint64_t covered, uint64_t total, double percent)
{
    struct coverage_summary s;
    struct err e = ERR_INIT;
    int rc = report_cobertura_parse(&s, path, NULL, NULL, &e);

    if (rc != 0)
        print_error("%s: %s\n", path, e.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(s.lines_covered, covered);
    assert_int_equal(s.lines_total, total);
    if (!(s.percent - percent < 1e-9 && percent - s.percent < 1e-9))
        print_error("percent %.12f, want %.12f\n", s.percent, percent);
    assert_true(s.percent - percent < 1e-9 && percent - s.percent < 1e-9);
}

static void
expect_error(const char *path, ...)
{
    struct coverage_summary s;
    struct err e = ERR_INIT;
    const char *needle;
    va_list ap;

    assert_int_equal(report_cobertura_parse(&s, path, NULL, NULL, &e), -1);
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
test_coveragepy_py_high(void **state)
{
    (void)state;
    /* line coverage only: 92.71%, not coverage.py's 92.19% which mixes in branches */
    expect_coverage(fixture("reports/cobertura/coveragepy-py_high.xml"), 89, 96, 100.0 * 89 / 96);
}

static void
test_coveragepy_py_low(void **state)
{
    (void)state;
    expect_coverage(fixture("reports/cobertura/coveragepy-py_low.xml"), 37, 91, 100.0 * 37 / 91);
}

static void
test_gcovr_ringbuf(void **state)
{
    (void)state;
    /* gcovr writes a DOCTYPE with an http URL: it is never fetched, and parses fine */
    expect_coverage(fixture("reports/cobertura/gcovr-ringbuf.xml"), 64, 69, 100.0 * 64 / 69);
}

static void
test_hash_and_bytes(void **state)
{
    /* sha256sum of the fixture */
    static const char want[] = "5d798b9bc670bdc8a6aea354cdc0ee2f9e0e63f31fcda8ec77fc004f1ca2bf38";
    struct coverage_summary s;
    struct err e = ERR_INIT;
    unsigned char sha[32];
    char hex[65];
    uint64_t bytes = 0;
    size_t i;

    (void)state;
    assert_int_equal(
        report_cobertura_parse(&s, fixture("reports/cobertura/gcovr-ringbuf.xml"), sha, &bytes, &e),
        0);
    assert_int_equal(bytes, 9724);
    for (i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", sha[i]);
    assert_string_equal(hex, want);
}

/* --- fallbacks when the root lacks lines-covered/lines-valid --- */

static void
test_fallback_line_rate(void **state)
{
    (void)state;
    /* percent from line-rate; counts from <class><lines><line>, not the <method> copies */
    expect_coverage(fixture("malformed/cobertura-rate-only.xml"), 3, 4, 75.0);
    expect_coverage(tmpfile_str("rate.xml", "<coverage line-rate=\"0.5\"/>"), 0, 0, 50.0);
}

static void
test_fallback_count(void **state)
{
    (void)state;
    /* A: 3 lines (one with a count past 2^64), 2 hit; B: 2 lines, none hit */
    expect_coverage(fixture("malformed/cobertura-count-only.xml"), 2, 5, 40.0);
    expect_error(fixture("malformed/cobertura-bad-hits.xml"), "line 6:", "<line> hits is not a non-negative integer", NULL);
    expect_error(tmpfile_str("nohits.xml", "<coverage><class><lines><line number=\"1\"/>"
                                           "</lines></class></coverage>"),
                 "without a hits attribute", NULL);
    expect_error(tmpfile_str("none.xml", "<coverage version=\"1\"><packages/></coverage>"),
                 "no lines", NULL);
}

/* --- numbers out of range or contradictory --- */

static void
test_bad_numbers(void **state)
{
    (void)state;
    expect_error(fixture("malformed/cobertura-line-rate-out-of-range.xml"),
                 "line 2:", "line-rate is not a number from 0 to 1", NULL);
    expect_error(fixture("malformed/cobertura-covered-gt-valid.xml"),
                 "lines-covered (51) is greater than lines-valid (50)", NULL);
    expect_error(fixture("malformed/cobertura-negative.xml"),
                 "lines-valid is not a non-negative integer", NULL);
    expect_error(fixture("malformed/cobertura-nonnumeric.xml"),
                 "lines-covered is not a non-negative integer", NULL);
    expect_error(fixture("malformed/cobertura-contradictory-rate.xml"),
                 "line-rate 0.9500 contradicts lines-covered/lines-valid 40/100", NULL);
    expect_error(fixture("malformed/cobertura-no-lines.xml"), "': no lines", NULL);
    expect_error(tmpfile_str("nan.xml", "<coverage line-rate=\"nan\"/>"), "line-rate is not a number", NULL);
    expect_error(tmpfile_str("neg-rate.xml", "<coverage line-rate=\"-0.1\"/>"), "line-rate", NULL);
    expect_error(tmpfile_str("rate-junk.xml", "<coverage line-rate=\"0.5x\"/>"), "line-rate", NULL);
    expect_error(tmpfile_str("half.xml", "<coverage lines-valid=\"10\"/>"),
                 "lines-valid without lines-covered", NULL);
    expect_error(tmpfile_str("big.xml", "<coverage lines-valid=\"99999999999999999999\" "
                                        "lines-covered=\"1\"/>"),
                 "lines-valid is not a non-negative integer below 2^63", NULL);
    expect_error(tmpfile_str("big2.xml", "<coverage lines-valid=\"9223372036854775808\" "
                                         "lines-covered=\"1\"/>"),
                 "lines-valid is not a non-negative integer below 2^63", NULL);
    expect_coverage(tmpfile_str("big3.xml", "<coverage lines-valid=\"9223372036854775807\" "
                                            "lines-covered=\"0\"/>"),
                    0, 9223372036854775807ull, 0.0);
    /* the report's own text never reaches the message */
    expect_error(
        tmpfile_str("ctl.xml", "<coverage lines-valid=\"1&#10;[31m\" lines-covered=\"1\"/>"),
        "lines-valid is not a non-negative integer", NULL);
    /* totals that contradict the <line> elements */
    expect_error(tmpfile_str("lie.xml", "<coverage lines-valid=\"2\" lines-covered=\"2\"><class>"
                                        "<lines><line number=\"1\" hits=\"1\"/><line "
                                        "number=\"2\" hits=\"0\"/></lines></class></coverage>"),
                 "lines-covered/lines-valid 2/2 contradict the <line> elements (1 of 2 lines hit)",
                 NULL);
    expect_error(tmpfile_str("lie2.xml", "<coverage lines-valid=\"3\" lines-covered=\"1\"><class>"
                                         "<lines><line number=\"1\" hits=\"1\"/><line "
                                         "number=\"2\" hits=\"0\"/></lines></class></coverage>"),
                 "lines-covered/lines-valid 1/3 contradict the <line> elements (1 of 2", NULL);
    expect_error(tmpfile_str("lie3.xml", "<coverage line-rate=\"0.9\"><class><lines><line "
                                         "number=\"1\" hits=\"1\"/><line number=\"2\" "
                                         "hits=\"0\"/></lines></class></coverage>"),
                 "line-rate 0.9000 contradicts the <line> elements (1 of 2 lines hit)", NULL);
    /* attribute defaults from an internal DTD subset never supply the totals */
    expect_error(tmpfile_str("dtd.xml", "<!DOCTYPE coverage [<!ATTLIST coverage lines-valid "
                                        "CDATA \"10\" lines-covered CDATA \"10\">]><coverage/>"),
                 "a DOCTYPE with an internal subset is not allowed", NULL);
    /* a DOCTYPE naming an external DTD, as gcovr writes, is fine: it is never read */
    expect_coverage(tmpfile_str("ext.xml", "<!DOCTYPE coverage SYSTEM "
                                           "\"http://cobertura.sourceforge.net/xml/coverage-04.dtd\">"
                                           "<coverage lines-valid=\"1\" lines-covered=\"1\"/>"),
                    1, 1, 100.0);
    expect_error(tmpfile_str("zero-but-lines.xml",
                             "<coverage lines-valid=\"0\" lines-covered=\"0\"><class><lines>"
                             "<line number=\"1\" hits=\"1\"/></lines></class></coverage>"),
                 "lines-covered/lines-valid 0/0 contradict the <line> elements (1 of 1", NULL);
}

/* --- not Cobertura, or not XML --- */

static void
test_wrong_root(void **state)
{
    (void)state;
    expect_error(fixture("malformed/cobertura-wrong-root.xml"),
                 "cobertura-wrong-root.xml': line 2:",
                 "wrong root element (expected coverage)", NULL);
    expect_error(fixture("reports/junit/pytest-py_high.xml"), "wrong root element", NULL);
}

static void
test_truncated(void **state)
{
    (void)state;
    expect_error(fixture("malformed/xml-truncated.xml"), "cannot parse '",
                 "xml-truncated.xml': line 10: unclosed token", NULL);
}

static void
test_empty_and_garbage(void **state)
{
    unsigned char garbage[4096];
    size_t i;
    uint32_t x = 2463534242u;

    (void)state;
    expect_error(tmpfile_str("empty.xml", ""), "empty.xml': line 1: no element found", NULL);
    expect_error(tmpfile_str("blank.xml", "\n\n  \n"), "no element found", NULL);
    for (i = 0; i < sizeof(garbage); i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        garbage[i] = (unsigned char)x;
    }
    expect_error(tmpfile_with("garbage.xml", garbage, sizeof(garbage)), "garbage.xml': line ",
                 NULL);
    expect_error(fixture("reports/lcov/lcov-combined-c_prog.info"), "line 1: syntax error", NULL);
    expect_error(fixture("malformed/does-not-exist.xml"), "cannot open '", NULL);
}

/* --- hostile XML: entities, external references, depth, token size --- */

static void
test_billion_laughs(void **state)
{
    struct timespec t0, t1;
    double secs;

    (void)state;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    expect_error(fixture("malformed/xml-billion-laughs.xml"), "xml-billion-laughs.xml': line 2: ",
                 "a DOCTYPE with an internal subset is not allowed", NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(secs < 1.0);
}

static void
test_external_entities(void **state)
{
    (void)state;
    expect_error(fixture("malformed/xml-external-param-entity.xml"),
                 "a DOCTYPE with an internal subset is not allowed", NULL);
    expect_error(tmpfile_str("xxe.xml", "<!DOCTYPE coverage [<!ENTITY x SYSTEM \"/etc/passwd\">]>"
                                        "<coverage line-rate=\"0.5\">&x;</coverage>"),
                 "a DOCTYPE with an internal subset is not allowed", NULL);
    expect_error(tmpfile_str("unparsed.xml", "<!DOCTYPE coverage [<!NOTATION n SYSTEM \"n\">"
                                             "<!ENTITY u SYSTEM \"http://127.0.0.1:9/u\" NDATA n>]>"
                                             "<coverage line-rate=\"0.5\"/>"),
                 "a DOCTYPE with an internal subset is not allowed", NULL);
    /* an entity the unread external DTD might declare is refused, not skipped */
    expect_error(fixture("malformed/xml-undeclared-entity.xml"),
                 "reference to an undeclared entity", NULL);
    /* without any DTD an unknown entity is a plain well-formedness error */
    expect_error(tmpfile_str("undef.xml", "<coverage line-rate=\"0.5\">&nope;</coverage>"),
                 "undefined entity", NULL);
}

static void
test_depth_limit(void **state)
{
    size_t depth = 1100, len = 0, i;
    char *doc = malloc(depth * 8 + 64);

    (void)state;
    assert_non_null(doc);
    len += (size_t)snprintf(doc, 64, "<coverage line-rate=\"1\">");
    for (i = 1; i < depth; i++) {
        memcpy(doc + len, "<a>", 3);
        len += 3;
    }
    expect_error(tmpfile_with("deep.xml", doc, len), "elements nested deeper than 1024", NULL);
    free(doc);
}

static void
test_token_limit(void **state)
{
    size_t n = 65u * 1024 * 1024 + 100;
    char *doc = malloc(n);
    int w;

    (void)state;
    assert_non_null(doc);
    /* one attribute value of 65 MiB: expat would have to hold all of it */
    w = snprintf(doc, 100, "<coverage line-rate=\"0.5\"><class name=\"");
    memset(doc + w, 'x', n - (size_t)w);
    expect_error(tmpfile_with("token.xml", doc, n), "a single token is longer than 64 MiB", NULL);
    free(doc);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_coveragepy_py_high), cmocka_unit_test(test_coveragepy_py_low),
        cmocka_unit_test(test_gcovr_ringbuf),      cmocka_unit_test(test_hash_and_bytes),
        cmocka_unit_test(test_fallback_line_rate), cmocka_unit_test(test_fallback_count),
        cmocka_unit_test(test_bad_numbers),        cmocka_unit_test(test_wrong_root),
        cmocka_unit_test(test_truncated),          cmocka_unit_test(test_empty_and_garbage),
        cmocka_unit_test(test_billion_laughs),     cmocka_unit_test(test_external_entities),
        cmocka_unit_test(test_depth_limit),        cmocka_unit_test(test_token_limit),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
