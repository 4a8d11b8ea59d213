/* Format detection from content (never the file name) and the details objects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/report/report.h"

#define R FIXTURES "/reports/"

static char tmpdir[64];

static int
setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/promote-test-report.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int
teardown(void **state)
{
    char cmd[128];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *
write_tmp(const char *name, const char *content, size_t len)
{
    static char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, len, f), len);
    fclose(f);
    return path;
}

static void
detects(const char *path, enum report_kind kind, enum report_format fmt)
{
    struct report r;
    struct err e = ERR_INIT;

    if (report_load(&r, path, &e) < 0)
        fail_msg("%s: %s", path, e.msg);
    assert_int_equal(r.kind, kind);
    assert_int_equal(r.format, fmt);
}

static void
test_detect_fixtures(void **state)
{
    (void)state;
    detects(R "cobertura/gcovr-ringbuf.xml", REPORT_KIND_COVERAGE, REPORT_FMT_COBERTURA);
    detects(R "cobertura/coveragepy-py_low.xml", REPORT_KIND_COVERAGE, REPORT_FMT_COBERTURA);
    detects(R "lcov/lcov-combined-c_prog.info", REPORT_KIND_COVERAGE, REPORT_FMT_LCOV);
    detects(R "lcov/coveragepy-py_high.info", REPORT_KIND_COVERAGE, REPORT_FMT_LCOV);
    detects(R "coveragepy-json/coveragepy-py_high.json", REPORT_KIND_COVERAGE,
            REPORT_FMT_COVERAGEPY);
    detects(R "junit/ctest-ringbuf-subset.xml", REPORT_KIND_TESTS, REPORT_FMT_JUNIT);
    detects(R "junit/pytest-py_low.xml", REPORT_KIND_TESTS, REPORT_FMT_JUNIT);
    detects(R "sarif/flawfinder.sarif", REPORT_KIND_SECURITY, REPORT_FMT_SARIF);
    detects(R "sarif-realworld/codeql-go.sarif", REPORT_KIND_SECURITY, REPORT_FMT_SARIF);
}

static void
test_detect_by_content_not_name(void **state)
{
    static const char junit[] = "\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- a comment -->\n  "
                                "<testsuites><testsuite><testcase name=\"a\"/></testsuite>"
                                "</testsuites>\n";
    static const char sarif[] = "{\"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\","
                                " \"version\": \"2.1.0\", \"runs\": [{\"tool\": {\"driver\": "
                                "{\"name\": \"t\"}}, \"results\": []}]}";
    static const char lcov[] = "TN:\nSF:a.c\nDA:1,1\nDA:2,0\nend_of_record\n";

    (void)state;
    detects(write_tmp("coverage.json", junit, sizeof(junit) - 1), REPORT_KIND_TESTS,
            REPORT_FMT_JUNIT);
    detects(write_tmp("tests.xml", sarif, sizeof(sarif) - 1), REPORT_KIND_SECURITY,
            REPORT_FMT_SARIF);
    detects(write_tmp("report.sarif", lcov, sizeof(lcov) - 1), REPORT_KIND_COVERAGE,
            REPORT_FMT_LCOV);
}

static void
refused(const char *name, const char *content, size_t len, const char *needle)
{
    const char *path = write_tmp(name, content, len);
    struct report r;
    struct err e = ERR_INIT;

    assert_int_equal(report_load(&r, path, &e), -1);
    assert_int_equal(e.code, EXIT_EVAL);
    assert_int_equal(r.kind, REPORT_KIND_UNKNOWN);
    if (!strstr(e.msg, needle) || !strstr(e.msg, name))
        fail_msg("'%s' lacks '%s' or the file name", e.msg, needle);
}

static void
test_unrecognised(void **state)
{
    static const char garbage[] = {'\x00', '\x01', '\xfe', '\xff', 'S', 'F', ':'};

    (void)state;
    refused("empty.xml", "", 0, "unrecognised format");
    refused("blank.xml", "  \n\n ", 5, "unrecognised format");
    refused("html.xml", "<html></html>", 13, "unrecognised format");
    refused("other.json", "{\"name\": \"x\", \"items\": [1, 2]}", 30, "unrecognised format");
    refused("array.json", "[1, 2, 3]", 9, "unrecognised format");
    refused("text.txt", "hello world\n", 12, "unrecognised format");
    refused("garbage.bin", garbage, sizeof(garbage), "unrecognised format");
    refused("broken.json", "{\"runs\" 1}", 10, "cannot parse");
}

static void
test_missing_and_not_regular(void **state)
{
    struct report r;
    struct err e = ERR_INIT;

    (void)state;
    assert_int_equal(report_load(&r, "/nonexistent/x.xml", &e), -1);
    assert_int_equal(e.code, EXIT_EVAL);
    assert_string_equal(e.msg, "cannot open '/nonexistent/x.xml': No such file or directory");
    assert_int_equal(report_load(&r, tmpdir, &e), -1);
    assert_non_null(strstr(e.msg, "not a regular file"));
    /* a FIFO nobody writes to is refused at once, not waited on */
    {
        char fifo[600];

        snprintf(fifo, sizeof(fifo), "%s/fifo.xml", tmpdir);
        assert_int_equal(mkfifo(fifo, 0600), 0);
        assert_int_equal(report_load(&r, fifo, &e), -1);
        assert_int_equal(e.code, EXIT_EVAL);
        assert_non_null(strstr(e.msg, "fifo.xml': not a regular file"));
        assert_int_equal(report_hash_file(r.sha256, fifo, &e), -1);
        unlink(fifo);
    }
}

static void
test_details(void **state)
{
    struct report r;
    struct err e = ERR_INIT;
    json_t *d;

    (void)state;
    assert_int_equal(report_load(&r, R "cobertura/gcovr-ringbuf.xml", &e), 0);
    d = report_details(&r);
    assert_string_equal(json_string_value(json_object_get(d, "format")), "cobertura");
    assert_int_equal(json_integer_value(json_object_get(d, "lines_covered")), 64);
    assert_int_equal(json_integer_value(json_object_get(d, "lines_total")), 69);
    assert_float_equal(json_real_value(json_object_get(d, "percent")), 92.75, 1e-9);
    json_decref(d);
    assert_int_equal(report_load(&r, R "sarif-realworld/grype-container.sarif", &e), 0);
    d = report_details(&r);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "counts"), "critical")),
                     4);
    assert_int_equal(json_integer_value(json_object_get(d, "active")), 39);
    json_decref(d);
    assert_string_equal(report_kind_name(REPORT_KIND_SECURITY), "security");
    assert_string_equal(report_format_name(REPORT_FMT_COVERAGEPY), "coveragepy");
}

int
main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_detect_fixtures),
        cmocka_unit_test(test_detect_by_content_not_name),
        cmocka_unit_test(test_unrecognised),
        cmocka_unit_test(test_missing_and_not_regular),
        cmocka_unit_test(test_details),
    };
    return cmocka_run_group_tests(t, setup, teardown);
}
