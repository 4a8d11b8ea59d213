/* lcov tracefile parser: MANIFEST.md numbers, merging, chunk boundaries, limits, bad input. */
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

#define TESTUTIL_NAME "lcov"
#include "testutil.h"

static void
expect_coverage(const char *path, uint64_t covered, uint64_t total)
{
    struct coverage_summary s;
    struct err e = ERR_INIT;
    int rc = report_lcov_parse(&s, path, NULL, NULL, &e);

    if (rc != 0)
        print_error("%s: %s\n", path, e.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(s.lines_covered, covered);
    assert_int_equal(s.lines_total, total);
    assert_true(s.percent >= 0.0 && s.percent <= 100.0);
    assert_true(s.percent - 100.0 * (double)covered / (double)total < 1e-9);
    assert_true(100.0 * (double)covered / (double)total - s.percent < 1e-9);
}

/* The parse fails with EXIT_EVAL, and the message holds every NEEDLE. */
static void
expect_error(const char *path, ...)
{
    struct coverage_summary s;
    struct err e = ERR_INIT;
    const char *needle;
    va_list ap;

    assert_int_equal(report_lcov_parse(&s, path, NULL, NULL, &e), -1);
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
    /* lcov --summary: lines 92.8% (90 of 97); the LF/LH records would say 90/96 */
    expect_coverage(fixture("reports/lcov/coveragepy-py_high.info"), 90, 97);
}

static void
test_lcov_combined_c_prog(void **state)
{
    (void)state;
    expect_coverage(fixture("reports/lcov/lcov-combined-c_prog.info"), 69, 92);
}

static void
test_hash_and_bytes(void **state)
{
    /* sha256sum of the fixture */
    static const char want[] = "e7ee3ae1c61b8a85c1ce9189dfd66e51ee23bd6955e3570374190de4064dc1be";
    struct coverage_summary s;
    struct err e = ERR_INIT;
    unsigned char sha[32];
    char hex[65];
    uint64_t bytes = 0;
    size_t i;

    (void)state;
    assert_int_equal(
        report_lcov_parse(&s, fixture("reports/lcov/lcov-combined-c_prog.info"), sha, &bytes, &e),
        0);
    assert_int_equal(bytes, 2226);
    for (i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", sha[i]);
    assert_string_equal(hex, want);
}

/* --- merging --- */

static void
test_merge(void **state)
{
    (void)state;
    /* repeated SF sections merged, a line hit when any count > 0, DA:0, checksums,
     * a negative count read as 0, a count beyond 2^64, CRLF, no final newline:
     * a.c seen {0,1,2,3,5,7} hit {0,2,5}; b.c seen {1,64,65} hit {1,64} */
    expect_coverage(fixture("malformed/lcov-merge.info"), 5, 9);
}

/* --- lines that straddle 64 KiB chunks --- */

static void
test_chunk_boundaries(void **state)
{
    size_t cap = 8 * 1024 * 1024, len = 0, i, j;
    char *doc = malloc(cap);
    uint64_t covered = 0, total = 0;

    (void)state;
    assert_non_null(doc);
    /* 300 files of 200..1200 lines with long, varying paths, so that record
     * boundaries fall at every offset within a chunk; each file appears twice. */
    for (i = 0; i < 600; i++) {
        size_t file = i % 300, lines = 200 + (file * 37) % 1000, plen = 1 + (file * 131) % 2000;

        len += (size_t)snprintf(doc + len, cap - len, "TN:\nSF:/src/%zu/", file);
        for (j = 0; j < plen; j++)
            doc[len++] = (char)('a' + j % 26);
        doc[len++] = '\n';
        for (j = 1; j <= lines; j++) {
            /* second pass: hits on odd lines only; first pass: every third line */
            unsigned hits = i < 300 ? (j % 3 == 0) : (j % 2 == 1) * 12345;

            len += (size_t)snprintf(doc + len, cap - len, "DA:%zu,%u\n", j, hits);
            if (i >= 300) {
                total++;
                covered += (j % 3 == 0) || (j % 2 == 1);
            }
        }
        len += (size_t)snprintf(doc + len, cap - len, "LF:%zu\nLH:0\nend_of_record\n", lines);
        assert_true(len < cap - 8192);
    }
    assert_true(len > 20 * REPORT_CHUNK);
    expect_coverage(tmpfile_with("chunks.info", doc, len), covered, total);
    free(doc);
}

static void
test_line_length_limit(void **state)
{
    size_t n = 64 * 1024, len;
    char *doc = malloc(n + 64);

    (void)state;
    assert_non_null(doc);
    /* a record of exactly 64 KiB (before its newline) is accepted ... */
    memcpy(doc, "SF:", 3);
    memset(doc + 3, 'p', n - 3);
    len = n;
    len += (size_t)snprintf(doc + len, 64, "\nDA:1,1\nend_of_record\n");
    expect_coverage(tmpfile_with("line-64k.info", doc, len), 1, 1);
    /* ... one byte more is not */
    memcpy(doc, "TN:\nSF:", 7);
    memset(doc + 7, 'p', n - 2);
    len = 4 + n + 1;
    len += (size_t)snprintf(doc + len, 64, "\nDA:1,1\n");
    expect_error(tmpfile_with("line-64k1.info", doc, len), "line 2:", "longer than 64 KiB", NULL);
    free(doc);
}

static void
test_line_numbers_limit(void **state)
{
    (void)state;
    expect_coverage(tmpfile_str("max.info", "SF:a\nDA:10000000,1\nDA:0,0\nend_of_record\n"), 1, 2);
    expect_error(fixture("malformed/lcov-huge-lineno.info"), "lcov-huge-lineno.info'",
                 "line 4:", "above 10000000", NULL);
    expect_error(tmpfile_str("overflow.info", "SF:a\nDA:99999999999999999999999,1\n"),
                 "line 2:", "above 10000000", NULL);
}

static void
test_memory_limit(void **state)
{
    size_t cap = 64 * 1024, len = 0, i;
    char *doc = malloc(cap);

    (void)state;
    assert_non_null(doc);
    /* each file at the top line number costs 2.5 MB of bitmaps: 200 of them
     * would be 500 MB, past the cap */
    for (i = 0; i < 200; i++)
        len += (size_t)snprintf(doc + len, cap - len, "SF:f%zu\nDA:10000000,1\n", i);
    expect_error(tmpfile_with("mem.info", doc, len), "coverage data too large", NULL);
    free(doc);
}

/* --- malformed input --- */

static void
test_da_outside_sf(void **state)
{
    (void)state;
    expect_error(fixture("malformed/lcov-da-before-sf.info"), "cannot parse '",
                 "lcov-da-before-sf.info': line 2: DA record outside an SF section", NULL);
    expect_error(fixture("malformed/lcov-da-after-end.info"), "line 5: DA record outside", NULL);
}

static void
test_bad_numbers(void **state)
{
    (void)state;
    expect_error(fixture("malformed/lcov-negative-lineno.info"), "line 4:", "negative line number",
                 NULL);
    expect_error(fixture("malformed/lcov-nonnumeric-lineno.info"),
                 "line 4:", "line number is not a number", NULL);
    expect_error(fixture("malformed/lcov-nonnumeric-count.info"),
                 "line 4:", "execution count is not a number", NULL);
    expect_error(tmpfile_str("float.info", "SF:a\nDA:1,1.5\n"), "line 2:", "count", NULL);
    expect_error(tmpfile_str("nocomma.info", "SF:a\nDA:1\n"), "line 2:", NULL);
    expect_error(tmpfile_str("dash.info", "SF:a\nDA:1,-\n"), "line 2:", NULL);
    expect_error(tmpfile_str("emptysf.info", "SF:\nDA:1,1\n"), "line 1:", "empty path", NULL);
}

/* A tracefile is a list of complete records: a cut one is refused, as lcov --summary
 * refuses it. */
static void
test_truncated(void **state)
{
    (void)state;
    expect_error(tmpfile_str("cut.info", "TN:\nSF:a.c\nDA:1,1\nend_of_record\nSF:b.c\nDA:1,1\n"),
                 "the record opened by SF on line 5 has no end_of_record: the tracefile is "
                 "truncated",
                 NULL);
    expect_error(tmpfile_str("cut2.info", "SF:a.c\nDA:1,1\nend_of_rec"), "SF on line 1 has no "
                                                                          "end_of_record", NULL);
    expect_error(tmpfile_str("nosf.info", "TN:x\nend_of_record\n"), "no SF record", NULL);
    expect_coverage(tmpfile_str("whole.info", "SF:a.c\nDA:1,1\nDA:2,0\nend_of_record"), 1, 2);
}

static void
test_no_line_data(void **state)
{
    static const unsigned char garbage[] = {0x7f, 'E',  'L',  'F',  0x02, 0x01, 0x01, 0x00,
                                            0xff, 0xfe, '\n', 0x00, 'D',  'A',  0x00, ':',
                                            0x9c, 0x0a, 0xc3, 0x28, '\r', '\n', 0x01};

    (void)state;
    expect_error(fixture("malformed/lcov-no-data.info"), "no line data", NULL);
    expect_error(tmpfile_str("empty.info", ""), "no line data", NULL);
    expect_error(tmpfile_with("garbage.info", garbage, sizeof(garbage)), "no line data", NULL);
    /* not lcov at all: a Cobertura file has no records */
    expect_error(fixture("reports/cobertura/gcovr-ringbuf.xml"), "no line data", NULL);
}

static void
test_missing_file(void **state)
{
    (void)state;
    expect_error(fixture("malformed/does-not-exist.info"), "cannot open '", NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_coveragepy_py_high), cmocka_unit_test(test_lcov_combined_c_prog),
        cmocka_unit_test(test_hash_and_bytes),     cmocka_unit_test(test_merge),
        cmocka_unit_test(test_chunk_boundaries),   cmocka_unit_test(test_line_length_limit),
        cmocka_unit_test(test_line_numbers_limit), cmocka_unit_test(test_memory_limit),
        cmocka_unit_test(test_da_outside_sf),      cmocka_unit_test(test_bad_numbers),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_no_line_data),       cmocka_unit_test(test_missing_file),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
