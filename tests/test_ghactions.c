/* GitHub Actions reporting: workflow-command escaping, the outputs file's two forms,
 * the summary table, and the files that cannot be written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/github/ghactions.h"

/* Run FN into a memory stream; the caller frees the text. */
#define CAPTURE(text, call)                                                                        \
    do {                                                                                           \
        size_t len_;                                                                               \
        FILE *f = open_memstream(&(text), &len_);                                                  \
        assert_non_null(f);                                                                        \
        call;                                                                                      \
        assert_int_equal(fclose(f), 0);                                                            \
    } while (0)

static void
test_escaping(void **state)
{
    char *t = NULL;

    (void)state;
    CAPTURE(t, ghactions_escape_data(f, "50% done\r\nnext: a,b\x1b[31m"));
    assert_string_equal(t, "50%25 done%0D%0Anext: a,b?[31m");
    free(t);
    CAPTURE(t, ghactions_escape_property(f, "gate:one,two%\n"));
    assert_string_equal(t, "gate%3Aone%2Ctwo%25%0A");
    free(t);
}

static struct gate_result results[3];
static struct decision dec;

static void
make_decision(void)
{
    memset(&dec, 0, sizeof(dec));
    memset(results, 0, sizeof(results));
    snprintf(dec.from, sizeof(dec.from), "dev");
    snprintf(dec.to, sizeof(dec.to), "sit");
    snprintf(dec.commit, sizeof(dec.commit), "%s", "0123456789abcdef0123456789abcdef01234567");
    dec.verdict = DECISION_REJECTED;
    results[0].name = "unit-tests";
    results[0].type = "tests";
    results[0].verdict = VERDICT_PASS;
    snprintf(results[0].finding.summary, sizeof(results[0].finding.summary), "18 passed");
    results[1].name = "cov:erage,x";
    results[1].type = "coverage";
    results[1].verdict = VERDICT_FAIL;
    snprintf(results[1].finding.summary, sizeof(results[1].finding.summary),
             "40.66%% < 80%% | <b>bold</b>\nsecond line");
    results[2].name = "notes";
    results[2].type = "release_notes";
    results[2].verdict = VERDICT_ERROR;
    snprintf(results[2].finding.summary, sizeof(results[2].finding.summary), "no CHANGELOG");
    dec.results = results;
    dec.n_results = 3;
}

static void
test_annotations(void **state)
{
    struct ghactions_report r = {0};
    char *t = NULL;

    (void)state;
    make_decision();
    r.d = &dec;
    r.verdict = "rejected";
    CAPTURE(t, ghactions_annotations(f, &r));
    assert_string_equal(
        t, "::error title=cov%3Aerage%2Cx::40.66%25 < 80%25 | <b>bold</b>%0Asecond line\n"
           "::error title=notes::no CHANGELOG\n");
    free(t);
    r.error = "superseded by seq 4";
    CAPTURE(t, ghactions_annotations(f, &r));
    assert_non_null(strstr(t, "::error title=promote::superseded by seq 4\n"));
    free(t);
}

static void
test_summary(void **state)
{
    struct ghactions_report r = {0};
    char *t = NULL;

    (void)state;
    make_decision();
    r.d = &dec;
    r.verdict = "rejected";
    CAPTURE(t, ghactions_summary(f, &r));
    assert_string_equal(
        t, "### promote dev -> sit: rejected (commit `0123456789abcdef0123456789abcdef01234567`, "
           "not recorded)\n\n"
           "| gate | type | verdict | reason |\n| --- | --- | --- | --- |\n"
           "| unit-tests | tests | pass | 18 passed |\n"
           "| cov:erage,x | coverage | fail | 40.66% &lt; 80% \\| &lt;b>bold&lt;/b> second line |\n"
           "| notes | release\\_notes | error | no CHANGELOG |\n\n");
    free(t);
    r.decision_id = "feedface";
    r.tag = "sit-2026.11.10.1";
    r.verdict = "approved";
    CAPTURE(t, ghactions_summary(f, &r));
    assert_non_null(strstr(t, "### promote dev -> sit: approved (commit "
                              "`0123456789abcdef0123456789abcdef01234567`, decision `feedface`)\n\n"
                              "Tagged `sit-2026.11.10.1`.\n\n| gate |"));
    free(t);
    /* no decision: the promotion asked for and the reason */
    memset(&r, 0, sizeof(r));
    r.from = "dev";
    r.to = "prod";
    r.verdict = "error";
    r.error = "'dev' -> 'prod' is not a promotion";
    CAPTURE(t, ghactions_summary(f, &r));
    assert_string_equal(t, "### promote dev -> prod: error\n\n"
                           "**Error:** 'dev' -> 'prod' is not a promotion\n\n");
    free(t);
}

static void
test_outputs(void **state)
{
    struct ghactions_report r = {0};
    char *t = NULL;
    int rc = 0;

    (void)state;
    r.verdict = "approved";
    r.decision_id = "abc123";
    CAPTURE(t, rc = ghactions_outputs(f, &r, "DELIM"));
    assert_int_equal(rc, 0);
    assert_string_equal(t, "verdict=approved\ndecision-id=abc123\ntag=\n");
    free(t);
    r.tag = "line one\nline two";
    CAPTURE(t, rc = ghactions_outputs(f, &r, "DELIM"));
    assert_int_equal(rc, 0);
    assert_string_equal(t, "verdict=approved\ndecision-id=abc123\ntag<<DELIM\nline one\nline "
                           "two\nDELIM\n");
    free(t);
    r.tag = "x\nDELIM\ny";
    CAPTURE(t, rc = ghactions_outputs(f, &r, "DELIM"));
    assert_int_equal(rc, -1);
    free(t);
}

static void
test_report_files(void **state)
{
    struct ghactions_report r = {0};
    struct err e = ERR_INIT;
    char dir[] = "/tmp/test_ghactions.XXXXXX", out[64], sum[64], buf[256];
    FILE *ann = tmpfile(), *f;
    size_t n;

    (void)state;
    assert_non_null(mkdtemp(dir));
    assert_non_null(ann);
    snprintf(out, sizeof(out), "%s/out", dir);
    snprintf(sum, sizeof(sum), "%s/sum", dir);
    r.from = "dev";
    r.to = "sit";
    r.verdict = "error";
    r.tag = "a\nb";
    assert_int_equal(ghactions_report(ann, sum, out, &r, &e), 0);
    f = fopen(out, "r");
    assert_non_null(f);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    /* a random delimiter: ghadelimiter_ and 32 hex digits, on both sides */
    assert_non_null(strstr(buf, "verdict=error\ndecision-id=\ntag<<ghadelimiter_"));
    assert_int_equal(strlen(strstr(buf, "tag<<") + 5), 13 + 32 + 1 + 4 + 13 + 32 + 1);
    /* unset paths are skipped; an unwritable one is an error naming it */
    assert_int_equal(ghactions_report(ann, NULL, "", &r, &e), 0);
    assert_int_equal(ghactions_report(ann, sum, "/nonexistent/dir/out", &r, &e), -1);
    assert_int_equal(e.code, EXIT_EVAL);
    assert_non_null(strstr(e.msg, "cannot write the step outputs (GITHUB_OUTPUT) "
                                  "'/nonexistent/dir/out': No such file or directory"));
    assert_int_equal(ghactions_report(ann, "/nonexistent/dir/sum", out, &r, &e), -1);
    assert_non_null(strstr(e.msg, "step summary (GITHUB_STEP_SUMMARY) '/nonexistent/dir/sum'"));
    fclose(ann);
    remove(out);
    remove(sum);
    remove(dir);
}

int
main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_escaping),    cmocka_unit_test(test_annotations),
        cmocka_unit_test(test_summary),     cmocka_unit_test(test_outputs),
        cmocka_unit_test(test_report_files),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
