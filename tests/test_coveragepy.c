/* coverage.py JSON parser: the real report against MANIFEST.md (totals covered_lines
 * 89, num_statements 96: line coverage 92.708...%, not percent_covered 92.1875), then
 * malformed documents written to a temp dir. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/report/report.h"

#define PY_HIGH FIXTURES "/reports/coveragepy-json/coveragepy-py_high.json"

static void
test_py_high(void **state)
{
    static const char want[] = "62be9266db28a5b1a136d2869b9cad33b38c63be26fee5933b47788f290aa84f";
    struct coverage_summary c;
    struct err e = ERR_INIT;
    unsigned char sha[32];
    uint64_t bytes = 0;
    char hex[65];
    int i;

    (void)state;
    if (report_coveragepy_parse(&c, PY_HIGH, sha, &bytes, &e) != 0)
        fail_msg("%s", e.msg);
    assert_int_equal(c.lines_covered, 89);
    assert_int_equal(c.lines_total, 96);
    assert_float_equal(c.percent, 92.708333333333, 1e-9);
    assert_float_equal(c.percent, 89.0 * 100.0 / 96.0, 0.0);
    for (i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", sha[i]);
    assert_string_equal(hex, want);
    assert_int_equal(bytes, 4098);
}

/* The format is detected from content and lands here. */
static void
test_report_load(void **state)
{
    struct report r;
    struct err e = ERR_INIT;

    (void)state;
    if (report_load(&r, PY_HIGH, &e) != 0)
        fail_msg("%s", e.msg);
    assert_int_equal(r.format, REPORT_FMT_COVERAGEPY);
    assert_int_equal(r.kind, REPORT_KIND_COVERAGE);
    assert_int_equal(r.u.coverage.lines_covered, 89);
    assert_int_equal(r.u.coverage.lines_total, 96);
}

/* ---- documents written to a temp dir ---- */

static char tmpdir[256];
static char *made[64];
static size_t nmade;

static int
setup_tmp(void **state)
{
    const char *t = getenv("TMPDIR");

    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "%s/test_coveragepy.XXXXXX", t && *t ? t : "/tmp");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int
teardown_tmp(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < nmade; i++) {
        unlink(made[i]);
        free(made[i]);
    }
    nmade = 0;
    return rmdir(tmpdir);
}

static const char *
write_str(const char *name, const char *s)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(s, 1, strlen(s), f), strlen(s));
    assert_int_equal(fclose(f), 0);
    assert_true(nmade < sizeof(made) / sizeof(made[0]));
    made[nmade] = strdup(path);
    assert_non_null(made[nmade]);
    return made[nmade++];
}

static void
parse_fails(const char *path, const char *why)
{
    struct coverage_summary c;
    struct err e = ERR_INIT;
    char head[600];

    assert_int_equal(report_coveragepy_parse(&c, path, NULL, NULL, &e), -1);
    assert_int_equal(e.code, EXIT_EVAL);
    snprintf(head, sizeof(head), "cannot parse '%s': ", path);
    if (strncmp(e.msg, head, strlen(head)) != 0 || !strstr(e.msg, why))
        fail_msg("got \"%s\", want \"%s...%s\"", e.msg, head, why);
    assert_int_equal(c.lines_total, 0);
}

/* Only the top-level totals count: files.*.summary and nested "totals" are ignored,
 * whatever the key order. */
static void
test_only_top_level_totals(void **state)
{
    struct coverage_summary c;
    struct err e = ERR_INIT;
    const char *p;

    (void)state;
    p = write_str("order.json",
                  "{\"totals\":{\"num_statements\":10,\"percent_covered\":1,\"covered_lines\":3},"
                  "\"files\":{\"a.py\":{\"summary\":{\"covered_lines\":0,\"num_statements\":0},"
                  "\"totals\":{\"covered_lines\":9,\"num_statements\":9}}}}");
    if (report_coveragepy_parse(&c, p, NULL, NULL, &e) != 0)
        fail_msg("%s", e.msg);
    assert_int_equal(c.lines_covered, 3);
    assert_int_equal(c.lines_total, 10);
    assert_float_equal(c.percent, 30.0, 1e-12);

    p = write_str("full.json", "{\"totals\":{\"covered_lines\":7,\"num_statements\":7}}");
    if (report_coveragepy_parse(&c, p, NULL, NULL, &e) != 0)
        fail_msg("%s", e.msg);
    assert_float_equal(c.percent, 100.0, 0.0);

    /* a key given twice is refused, never resolved to the first or the last */
    p = write_str("twice.json", "{\"totals\":{\"covered_lines\":1,\"num_statements\":2},"
                                "\"totals\":{\"num_statements\":4}}");
    parse_fails(p, "totals appears twice in its object (a duplicate key)");
    p = write_str("twice2.json", "{\"totals\":{\"covered_lines\":9,\"num_statements\":10,"
                                 "\"covered_lines\":10}}");
    parse_fails(p, "totals.covered_lines appears twice in its object");
    /* a count that does not fit a signed 64-bit JSON integer is an error, never -1 */
    p = write_str("huge.json", "{\"totals\":{\"covered_lines\":9223372036854775808,"
                               "\"num_statements\":9223372036854775809}}");
    parse_fails(p, "totals.covered_lines is too large (over 2^63 - 1)");
    /* the same key in different objects is not a duplicate */
    p = write_str("nested.json", "{\"files\":{\"a.py\":{\"summary\":{\"covered_lines\":1}},"
                                 "\"b.py\":{\"summary\":{\"covered_lines\":1}}},\"totals\":{"
                                 "\"covered_lines\":1,\"num_statements\":2}}");
    if (report_coveragepy_parse(&c, p, NULL, NULL, &e) != 0)
        fail_msg("%s", e.msg);
    assert_float_equal(c.percent, 50.0, 0.0);
}

static void
test_malformed(void **state)
{
    (void)state;
    parse_fails(write_str("empty.json", ""), "empty file");
    parse_fails(write_str("trunc.json", "{\"totals\":{\"covered_lines\":89,\"num_sta"),
                "premature EOF");
    parse_fails(write_str("garbage.json", "\x89PNG\r\n\x1a\n\x00\x00"), "lexical error");
    parse_fails(write_str("array.json", "[{\"totals\":{}}]"), "top-level value is not an object");
    parse_fails(write_str("comment.json", "{/**/\"totals\":{}}"), "line 1, byte");
    parse_fails(write_str("nototals.json", "{\"meta\":{},\"files\":{\"a.py\":{\"summary\":"
                                           "{\"covered_lines\":1,\"num_statements\":2}}}}"),
                "no 'totals' object");
    parse_fails(write_str("totalsarr.json", "{\"totals\":[1,2]}"), "totals is not an object");
    parse_fails(write_str("totalsnum.json", "{\"totals\":5}"), "totals is not an object");
    parse_fails(write_str("nocovered.json", "{\"totals\":{\"num_statements\":5}}"),
                "no 'totals.covered_lines'");
    parse_fails(write_str("nostmts.json", "{\"totals\":{\"covered_lines\":5}}"),
                "no 'totals.num_statements'");
    parse_fails(write_str("negative.json", "{\"totals\":{\"covered_lines\":-1,"
                                           "\"num_statements\":5}}"),
                "totals.covered_lines is negative");
    parse_fails(write_str("fraction.json", "{\"totals\":{\"covered_lines\":1,"
                                           "\"num_statements\":5.5}}"),
                "totals.num_statements is not an integer");
    parse_fails(write_str("exp.json", "{\"totals\":{\"covered_lines\":1e2,"
                                      "\"num_statements\":500}}"),
                "totals.covered_lines is not an integer");
    parse_fails(write_str("string.json", "{\"totals\":{\"covered_lines\":\"1\","
                                         "\"num_statements\":5}}"),
                "totals.covered_lines is not a number");
    parse_fails(write_str("null.json", "{\"totals\":{\"covered_lines\":null,"
                                       "\"num_statements\":5}}"),
                "totals.covered_lines is not a number");
    parse_fails(write_str("object.json", "{\"totals\":{\"covered_lines\":{},"
                                         "\"num_statements\":5}}"),
                "totals.covered_lines is not a number");
    parse_fails(write_str("huge.json", "{\"totals\":{\"covered_lines\":1,"
                                       "\"num_statements\":18446744073709551616}}"),
                "totals.num_statements is too large");
    parse_fails(write_str("gt.json", "{\"totals\":{\"covered_lines\":6,\"num_statements\":5}}"),
                "totals.covered_lines (6) exceeds totals.num_statements (5)");
    parse_fails(write_str("zero.json", "{\"totals\":{\"covered_lines\":0,\"num_statements\":0}}"),
                "no statements");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_py_high),
        cmocka_unit_test(test_report_load),
        cmocka_unit_test(test_only_top_level_totals),
        cmocka_unit_test(test_malformed),
    };

    return cmocka_run_group_tests_name("coveragepy", tests, setup_tmp, teardown_tmp);
}
