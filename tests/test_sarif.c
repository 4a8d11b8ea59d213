/* SARIF parser: the real logs in tests/fixtures/reports against MANIFEST.md's numbers
 * ("Expected security gate counts", computed by sarif-gate.jq), then rule lookup,
 * key order, revisions and malformed input written to a temp dir. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/buf.h"
#include "core/report/report.h"
#include "core/report/jsonstream.h"

#define REPORTS FIXTURES "/reports"

struct row {
    const char *file; /* under tests/fixtures/reports */
    uint64_t critical, high, medium, low;
    uint64_t active, suppressed, absent, runs, results;
};

/* critical..low: MANIFEST.md's gate table. active/suppressed/absent/runs/results:
 * MANIFEST.md's prose where it gives them (e.g. "9 suppressed", "absent 1",
 * "2 runs"), else sarif-summary.jq's counts over the same file. */
static const struct row rows[] = {
    {"sarif-realworld/codeql-action-valid-sarif.sarif", 0, 0, 0, 3, 3, 0, 0, 2, 3},
    {"sarif-realworld/codeql-go.sarif", 1, 0, 0, 0, 1, 0, 0, 1, 1},
    {"sarif-realworld/codeql-ruby.sarif", 3, 1, 0, 0, 4, 0, 0, 1, 4},
    {"sarif-realworld/grype-container.sarif", 4, 6, 20, 9, 39, 0, 0, 1, 39},
    {"sarif-realworld/sarif-vscode-rulesExtensions.sarif", 0, 0, 5, 0, 5, 0, 0, 1, 5},
    {"sarif-realworld/snyk-npm.sarif", 0, 6, 6, 2, 14, 0, 0, 1, 14},
    {"sarif-realworld/snyk-rules-in-extensions.sarif", 1, 0, 0, 0, 1, 0, 0, 1, 1},
    {"sarif-realworld/trivy-wiz-2runs.sarif", 0, 1, 5, 6, 12, 0, 0, 2, 12},
    {"sarif-realworld/tutorials-Baseline.sarif", 0, 0, 3, 0, 3, 0, 1, 1, 4},
    {"sarif-realworld/tutorials-DefaultRuleConfiguration.sarif", 0, 1, 1, 0, 2, 0, 0, 1, 2},
    {"sarif-realworld/tutorials-Suppressions.sarif", 0, 0, 6, 0, 6, 3, 0, 1, 9},
    {"sarif/clang-analyzer-vuln.sarif", 0, 0, 3, 0, 3, 0, 0, 1, 3},
    {"sarif/eslint-js_app.sarif", 0, 4, 8, 0, 12, 0, 0, 1, 12},
    {"sarif/flawfinder.sarif", 0, 5, 2, 8, 15, 0, 0, 1, 15},
    {"sarif/multitool-cppcheck.sarif", 0, 0, 8, 0, 8, 0, 0, 1, 8},
    {"sarif/multitool-matchforward-eslint.sarif", 0, 4, 8, 0, 12, 0, 1, 1, 13},
    {"sarif/multitool-suppressed-eslint.sarif", 0, 1, 2, 0, 3, 9, 1, 1, 13},
    {"sarif/secretlint.sarif", 0, 4, 0, 0, 4, 0, 0, 1, 4},
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

static void
test_fixture(void **state)
{
    const struct row *r = *state;
    struct security_summary s;
    struct err e = ERR_INIT;
    char path[512];
    unsigned char sha[32];
    uint64_t bytes = 0;

    snprintf(path, sizeof(path), "%s/%s", REPORTS, r->file);
    if (report_sarif_parse(&s, path, sha, &bytes, &e) != 0)
        fail_msg("%s: %s", r->file, e.msg);
    assert_int_equal(s.critical, r->critical);
    assert_int_equal(s.high, r->high);
    assert_int_equal(s.medium, r->medium);
    assert_int_equal(s.low, r->low);
    assert_int_equal(s.active, r->active);
    assert_int_equal(s.suppressed, r->suppressed);
    assert_int_equal(s.absent, r->absent);
    assert_int_equal(s.runs, r->runs);
    assert_int_equal(s.results, r->results);
    assert_int_equal(s.n_revisions, 0);
    assert_int_equal(s.revisions_overflow, 0);
    assert_true(bytes > 0);
}

/* Every .sarif file in the two directories has a row above. */
static void
test_every_fixture_has_a_row(void **state)
{
    const char *dirs[] = {"sarif", "sarif-realworld"};
    char path[512], name[512];
    struct dirent *d;
    size_t i, k, seen = 0;
    DIR *dir;

    (void)state;
    for (i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "%s/%s", REPORTS, dirs[i]);
        dir = opendir(path);
        assert_non_null(dir);
        while ((d = readdir(dir)) != NULL) {
            size_t n = strlen(d->d_name);
            int found = 0;

            if (n < 6 || strcmp(d->d_name + n - 6, ".sarif") != 0)
                continue;
            snprintf(name, sizeof(name), "%s/%s", dirs[i], d->d_name);
            for (k = 0; k < NROWS; k++)
                found |= strcmp(rows[k].file, name) == 0;
            if (!found)
                fail_msg("no expected counts for %s", name);
            seen++;
        }
        closedir(dir);
    }
    assert_int_equal(seen, NROWS);
}

static void
test_sha256_and_bytes(void **state)
{
    static const char want[] = "df09799bae084785a989d1ebff902274b516f5ae0b9cc9e1eb04a09d8932ba8b";
    struct security_summary s;
    struct err e = ERR_INIT;
    unsigned char sha[32];
    char hex[65];
    uint64_t bytes = 0;
    int i;

    (void)state;
    assert_int_equal(
        report_sarif_parse(&s, REPORTS "/sarif-realworld/codeql-ruby.sarif", sha, &bytes, &e), 0);
    for (i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", sha[i]);
    assert_string_equal(hex, want);
    assert_int_equal(bytes, 39148);
}

/* "9.8" is read the same under a locale whose decimal point is a comma. Skipped when
 * no such locale is installed (LOCPATH may point at one made with localedef). The
 * thread's locale is set rather than the global one, as setlocale() would leave the
 * process changed if an assertion failed. */
static void
test_numeric_locale(void **state)
{
    const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8"};
    struct security_summary s;
    struct err e = ERR_INIT;
    locale_t comma = (locale_t)0;
    char point;
    size_t i;
    int rc;

    (void)state;
    for (i = 0; i < 4 && comma == (locale_t)0; i++)
        comma = newlocale(LC_NUMERIC_MASK, names[i], (locale_t)0);
    if (comma == (locale_t)0)
        skip();
    uselocale(comma);
    point = localeconv()->decimal_point[0];
    rc = report_sarif_parse(&s, REPORTS "/sarif-realworld/codeql-ruby.sarif", NULL, NULL, &e);
    uselocale(LC_GLOBAL_LOCALE);
    freelocale(comma);
    assert_int_equal(point, ',');
    assert_int_equal(rc, 0);
    assert_int_equal(s.critical, 3);
    assert_int_equal(s.high, 1);
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
    snprintf(tmpdir, sizeof(tmpdir), "%s/test_sarif.XXXXXX", t && *t ? t : "/tmp");
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

/* Write LEN bytes to a new file NAME in the temp dir; returns its path. */
static const char *
write_file(const char *name, const void *data, size_t len)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    assert_true(nmade < sizeof(made) / sizeof(made[0]));
    made[nmade] = strdup(path);
    assert_non_null(made[nmade]);
    return made[nmade++];
}

static const char *
write_str(const char *name, const char *s)
{
    return write_file(name, s, strlen(s));
}

static void
parse_ok(struct security_summary *s, const char *path)
{
    struct err e = ERR_INIT;

    if (report_sarif_parse(s, path, NULL, NULL, &e) != 0)
        fail_msg("%s", e.msg);
}

/* The parse fails with EXIT_EVAL, names the file, and says WHY. */
static void
parse_fails(const char *path, const char *why)
{
    struct security_summary s;
    struct err e = ERR_INIT;
    char head[600];

    assert_int_equal(report_sarif_parse(&s, path, NULL, NULL, &e), -1);
    assert_int_equal(e.code, EXIT_EVAL);
    snprintf(head, sizeof(head), "cannot parse '%s': ", path);
    if (strncmp(e.msg, head, strlen(head)) != 0 || !strstr(e.msg, why))
        fail_msg("got \"%s\", want \"%s...%s\"", e.msg, head, why);
    assert_int_equal(s.critical + s.high + s.medium + s.low + s.results, 0);
}

/* A run that names its tool, for documents whose point is elsewhere. */
#define T "\"tool\":{\"driver\":{\"name\":\"t\"}},"

/* Rule lookup as in sarif-gate.jq: by index into the component's rules (driver, or
 * toolComponent by index or guid), by guid among all rules (no fallback to the id),
 * by id among all rules (the driver's first); result security-severity before the
 * rule's, and a non-number falls back to the level, not to the rule's severity. jq
 * over the same document gives critical 3, high 4, medium 4, low 3. */
#define LOOKUP_RESULTS                                                                             \
    "\"results\":["                                                                                \
    "{\"ruleId\":\"R1\"},"                                                                         \
    "{\"ruleIndex\":1},"                                                                           \
    "{\"rule\":{\"index\":0,\"toolComponent\":{\"index\":0}}},"                                    \
    "{\"rule\":{\"guid\":\"g-x2\"}},"                                                              \
    "{\"rule\":{\"index\":7,\"id\":\"R2\"}},"                                                      \
    "{\"rule\":{\"index\":0,\"toolComponent\":{\"guid\":\"comp-ext\"}}},"                          \
    "{\"rule\":{\"guid\":\"missing\",\"id\":\"R1\"}},"                                             \
    "{\"ruleId\":\"R1\",\"properties\":{\"security-severity\":\"junk\"}},"                         \
    "{\"ruleId\":\"R1\",\"level\":\"error\",\"properties\":{\"security-severity\":\"junk\"}},"     \
    "{\"ruleId\":\"R2\",\"properties\":{\"security-severity\":3.5}},"                              \
    "{\"ruleId\":\"nope\"},"                                                                       \
    "{\"ruleId\":\"R1\",\"kind\":\"pass\"},"                                                       \
    "{\"ruleId\":\"R1\",\"suppressions\":[{\"status\":\"accepted\"}]},"                            \
    "{\"ruleId\":\"R1\",\"suppressions\":[{\"status\":\"accepted\"},"                              \
    "{\"status\":\"underReview\"}]},"                                                              \
    "{\"ruleId\":\"R1\",\"suppressions\":[]},"                                                     \
    "{\"ruleId\":\"R1\",\"baselineState\":\"absent\"},"                                            \
    "{\"ruleId\":\"R3\"}]"
#define LOOKUP_TOOL                                                                                \
    "\"tool\":{\"extensions\":[{\"guid\":\"comp-ext\",\"rules\":["                                 \
    "{\"id\":\"X1\",\"properties\":{\"security-severity\":\"5.0\"}},"                              \
    "{\"id\":\"X2\",\"guid\":\"g-x2\",\"defaultConfiguration\":{\"level\":\"note\"}},"             \
    "{\"id\":\"R3\",\"properties\":{\"security-severity\":\"9.9\"}}]}],"                           \
    "\"driver\":{\"name\":\"t\",\"rules\":["                                                       \
    "{\"id\":\"R1\",\"defaultConfiguration\":{\"level\":\"note\"},"                                \
    "\"properties\":{\"security-severity\":\"9.8\"}},"                                             \
    "{\"id\":\"R2\",\"defaultConfiguration\":{\"level\":\"error\"}},"                              \
    "{\"id\":\"R3\",\"defaultConfiguration\":{\"level\":\"error\"}}]}}"

static void
check_lookup(const struct security_summary *s)
{
    assert_int_equal(s->critical, 3);
    assert_int_equal(s->high, 4);
    assert_int_equal(s->medium, 4);
    assert_int_equal(s->low, 3);
    assert_int_equal(s->active, 14);
    assert_int_equal(s->suppressed, 1);
    assert_int_equal(s->absent, 1);
    assert_int_equal(s->results, 17);
    assert_int_equal(s->runs, 1);
}

/* Results before tool: counted in the per-run table, settled when the run ends. */
static void
test_lookup_results_first(void **state)
{
    struct security_summary s;

    (void)state;
    parse_ok(&s, write_str("lookup1.sarif", "{\"version\":\"2.1.0\",\"runs\":[{" LOOKUP_RESULTS
                                            "," LOOKUP_TOOL "}]}"));
    check_lookup(&s);
}

/* Tool first: each result settled as it ends. */
static void
test_lookup_tool_first(void **state)
{
    struct security_summary s;

    (void)state;
    parse_ok(&s, write_str("lookup2.sarif", "{\"runs\":[{" LOOKUP_TOOL "," LOOKUP_RESULTS
                                            "}],\"version\":\"2.1.0\"}"));
    check_lookup(&s);
}

/* Rules of one run do not leak into the next; a run with "results": [] is clean. */
static void
test_runs_are_separate(void **state)
{
    struct security_summary s;

    (void)state;
    parse_ok(&s, write_str("runs.sarif",
                           "{\"version\":\"2.1.0\",\"runs\":["
                           "{\"tool\":{\"driver\":{\"rules\":[{\"id\":\"A\",\"properties\":"
                           "{\"security-severity\":\"9.1\"}}]}},\"results\":[{\"ruleId\":\"A\"}]},"
                           "{\"results\":[{\"ruleId\":\"A\"}],\"tool\":{\"driver\":{}}},"
                           "{\"tool\":{\"driver\":{}},\"results\":[]}]}"));
    assert_int_equal(s.critical, 1);
    assert_int_equal(s.medium, 1);
    assert_int_equal(s.runs, 3);
    assert_int_equal(s.results, 2);
    assert_int_equal(s.tool_errors, 0);
}

/* A run whose analysis did not run, or failed, is never a clean scan. */
static void
test_runs_that_did_not_analyse(void **state)
{
    struct security_summary s;

    (void)state;
    parse_fails(write_str("noruns.sarif", "{\"version\":\"2.1.0\",\"runs\":[]}"),
                "'runs' is empty: no analysis ran");
    parse_fails(write_str("nores.sarif", "{\"version\":\"2.1.0\",\"runs\":[{" T "\"results\":[]},"
                                         "{\"tool\":{\"driver\":{\"name\":\"scan\"}}}]}"),
                "runs[1] (scan): results is absent: the analysis did not run");
    parse_fails(write_str("nullres.sarif", "{\"version\":\"2.1.0\",\"runs\":[{\"results\":null,"
                                           "\"tool\":{\"driver\":{\"name\":\"scan\"}}}]}"),
                "runs[0] (scan): results is null: the analysis did not run");
    parse_fails(write_str("notool.sarif", "{\"version\":\"2.1.0\",\"runs\":[{\"results\":[]}]}"),
                "runs[0] has no tool.driver: not the output of an analysis");
    parse_fails(write_str("nodriver.sarif", "{\"version\":\"2.1.0\",\"runs\":[{\"results\":[],"
                                            "\"tool\":{}}]}"),
                "runs[0] has no tool.driver");
    parse_fails(write_str("nulldriver.sarif", "{\"version\":\"2.1.0\",\"runs\":[{\"results\":[],"
                                              "\"tool\":{\"driver\":null}}]}"),
                "runs[0] has no tool.driver");
    parse_fails(write_str("strdriver.sarif", "{\"version\":\"2.1.0\",\"runs\":[{\"results\":[],"
                                             "\"tool\":{\"driver\":\"x\"}}]}"),
                "runs[0].tool.driver is not an object");
    /* a failed invocation, whatever its results, quoting the tool's own words */
    parse_fails(write_str("execfail.sarif",
                          "{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":"
                          "\"conv\"}},\"invocations\":[{\"executionSuccessful\":true},"
                          "{\"executionSuccessful\":false,\"toolExecutionNotifications\":[{"
                          "\"level\":\"error\",\"message\":{\"text\":\"Unexpected end\\nof "
                          "input\"}}]}],\"results\":[]}]}"),
                "runs[0] (conv): invocations[1].executionSuccessful is false: the analysis failed; "
                "the tool said: Unexpected end?of input");
    parse_fails(write_str("execbad.sarif",
                          "{\"version\":\"2.1.0\",\"runs\":[{" T "\"invocations\":[{"
                          "\"executionSuccessful\":\"no\"}],\"results\":[]}]}"),
                "runs[0].invocations[0].executionSuccessful is not a boolean");
    parse_fails(write_str("notelevel.sarif",
                          "{\"version\":\"2.1.0\",\"runs\":[{" T "\"invocations\":[{"
                          "\"toolExecutionNotifications\":[{\"level\":\"fatal\"}]}],"
                          "\"results\":[]}]}"),
                "toolExecutionNotifications[0].level is not a SARIF level");
    /* error notifications are counted for the gate, the first one quoted */
    parse_ok(&s, write_str("notes.sarif",
                           "{\"version\":\"2.1.0\",\"runs\":[{\"invocations\":[{"
                           "\"executionSuccessful\":true,\"toolExecutionNotifications\":["
                           "{\"message\":{\"text\":\"a warning by default\"}},"
                           "{\"level\":\"note\",\"message\":{\"text\":\"n\"}},"
                           "{\"level\":\"error\",\"message\":{\"text\":\"Parsing error: "
                           "Unexpected token\"}}],\"toolConfigurationNotifications\":[{\"level\":"
                           "\"error\"}]}],\"tool\":{\"driver\":{\"name\":\"ESLint\"}},"
                           "\"results\":[]},{" T "\"results\":[],\"invocations\":[{"
                           "\"toolExecutionNotifications\":[{\"level\":\"error\",\"message\":"
                           "{\"text\":\"second\"}}]}]}]}"));
    assert_int_equal(s.tool_errors, 3);
    assert_string_equal(s.tool_error, "runs[0] (ESLint): Parsing error: Unexpected token");
    assert_int_equal(s.results, 0);
    /* the first error notification has no text: quoted as having none */
    parse_ok(&s, write_str("silentnote.sarif",
                           "{\"version\":\"2.1.0\",\"runs\":[{" T "\"invocations\":[{"
                           "\"toolExecutionNotifications\":[{\"level\":\"error\"},{\"level\":"
                           "\"error\",\"message\":{\"text\":\"second\"}}]}],\"results\":[]}]}"));
    assert_int_equal(s.tool_errors, 2);
    assert_non_null(strstr(s.tool_error, ": (no message text)"));
}

/* Real producers' reports of runs that failed or analysed nothing (MANIFEST.md, "Reports of
 * failed, crashed or empty runs"): refused, naming the run, the tool and its words. */
static void
test_failed_run_fixtures(void **state)
{
    struct security_summary s;
    struct report r;
    struct err e = ERR_INIT;

    (void)state;
    /* ESLint could not parse its only file: results [], executionSuccessful false, the
     * parse error in toolConfigurationNotifications */
    parse_fails(REPORTS "/sarif-failed-runs/eslint-parse-error.sarif",
                "runs[0] (ESLint): invocations[0].executionSuccessful is false: the analysis "
                "failed; the tool said: Parsing error: Unexpected token function");
    /* MT convert crashed on a cut cppcheck report: driver null, no results */
    parse_fails(REPORTS "/sarif-failed-runs/multitool-broken-input.sarif",
                "runs[0] has no tool.driver: not the output of an analysis");
    /* MT validate whose rules threw: 1 result, 3 error notifications */
    parse_fails(REPORTS "/sarif-failed-runs/multitool-validate-crashed.sarif",
                "runs[0] (Sarif.Multitool): invocations[0].executionSuccessful is false: the "
                "analysis failed; the tool said: An exception of type 'NullReferenceException' "
                "was raised analyzing 'multitool-broken-input.sarif' for check");
    parse_fails(REPORTS "/sarif-failed-runs/multitool-validate-no-targets.sarif",
                "runs[0] (Sarif.Multitool): invocations[0].executionSuccessful is false: the "
                "analysis failed; the tool said: No valid analysis targets were specified.");
    /* flawfinder's normal run: 40 results (6 error, 34 note): high 6, low 34 */
    parse_ok(&s, REPORTS "/sarif-failed-runs/flawfinder-cjson.sarif");
    assert_int_equal(s.runs, 1);
    assert_int_equal(s.results, 40);
    assert_int_equal(s.high, 6);
    assert_int_equal(s.low, 34);
    assert_int_equal(s.critical + s.medium, 0);
    assert_int_equal(s.tool_errors, 0);
    /* flawfinder on a path that does not exist writes a run that looks clean: nothing in
     * the file says otherwise (MANIFEST.md); the gate can only see a clean run */
    parse_ok(&s, REPORTS "/sarif-failed-runs/flawfinder-nonexistent-path.sarif");
    assert_int_equal(s.runs, 1);
    assert_int_equal(s.results, 0);
    /* flawfinder with no input writes text, not SARIF */
    assert_int_equal(report_load(&r, REPORTS "/sarif-failed-runs/flawfinder-no-input.sarif", &e),
                     -1);
    assert_int_equal(e.code, EXIT_EVAL);
    assert_non_null(strstr(e.msg, "unrecognised format"));
}

/* ruleIndex, rule.index and toolComponent.index of -1 are the schema's "no index". */
static void
test_index_minus_one(void **state)
{
    struct security_summary s;

    (void)state;
    parse_ok(&s, write_str("minus1.sarif",
                           "{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"rules\":["
                           "{\"id\":\"A\",\"properties\":{\"security-severity\":\"9.5\"}}]}},"
                           "\"results\":[{\"ruleId\":\"A\",\"ruleIndex\":-1},"
                           "{\"rule\":{\"id\":\"A\",\"index\":-1}},"
                           "{\"rule\":{\"id\":\"A\",\"toolComponent\":{\"index\":-1}}}]}]}"));
    assert_int_equal(s.critical, 3);
    parse_fails(write_str("minus2.sarif", "{\"version\":\"2.1.0\",\"runs\":[{" T "\"results\":"
                                          "[{\"ruleIndex\":-2}]}]}"),
                "runs[0].results[0].ruleIndex is negative");
}

/* A level that is not a SARIF level is malformed evidence, never a silent "none". */
static void
test_bad_level(void **state)
{
    (void)state;
    parse_fails(write_str("lv1.sarif", "{\"version\":\"2.1.0\",\"runs\":[{\"results\":["
                                       "{\"ruleId\":\"A\",\"level\":\"fatal\"}]}]}"),
                "is not a SARIF level");
    parse_fails(write_str("lv2.sarif", "{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":"
                                       "{\"rules\":[{\"id\":\"A\",\"defaultConfiguration\":"
                                       "{\"level\":\"Error\"}}]}},\"results\":[]}]}"),
                "is not a SARIF level");
}

static void
test_revisions(void **state)
{
    struct security_summary s;

    (void)state;
    parse_ok(&s, write_str("rev2.sarif", "{\"version\":\"2.1.0\",\"runs\":[{" T
                                         "\"versionControlProvenance\":[{\"repositoryUri\":\"x\","
                                         "\"revisionId\":\"aaaa\"}],\"results\":[]},{" T
                                         "\"versionControlProvenance\":[{\"revisionId\":\"bbbb\"},"
                                         "{\"revisionId\":\"aaaa\"}],\"results\":[]}]}"));
    assert_int_equal(s.runs, 2);
    assert_int_equal(s.n_revisions, 2);
    assert_string_equal(s.revisions[0], "aaaa");
    assert_string_equal(s.revisions[1], "bbbb");
    assert_int_equal(s.revisions_overflow, 0);
}

static void
test_revisions_overflow(void **state)
{
    struct security_summary s;
    char doc[4096];
    size_t n;
    int i;

    (void)state;
    n = (size_t)snprintf(doc, sizeof(doc), "{\"version\":\"2.1.0\",\"runs\":[");
    for (i = 0; i <= SARIF_MAX_REVISIONS; i++)
        n += (size_t)snprintf(doc + n, sizeof(doc) - n,
                              "%s{" T "\"versionControlProvenance\":[{\"revisionId\":\"%040d\"}],"
                              "\"results\":[]}",
                              i ? "," : "", i);
    snprintf(doc + n, sizeof(doc) - n, "]}");
    parse_ok(&s, write_str("rev17.sarif", doc));
    assert_int_equal(s.runs, SARIF_MAX_REVISIONS + 1);
    assert_int_equal(s.n_revisions, SARIF_MAX_REVISIONS);
    assert_int_equal(s.revisions_overflow, 1);
}

/* 1000 (and 100000) nested arrays in a property: counted, not stored, no crash. */
static void
test_deep_nesting(void **state)
{
    static const char head[] = "{\"version\":\"2.1.0\",\"runs\":[{" T "\"results\":[{\"level\":"
                               "\"error\",\"properties\":{\"deep\":";
    static const char tail[] = "}}]}]}";
    size_t depths[] = {1000, 100000}, i, d, n;
    struct security_summary s;
    char *doc;

    (void)state;
    for (i = 0; i < 2; i++) {
        d = depths[i];
        doc = malloc(sizeof(head) + 2 * d + sizeof(tail));
        assert_non_null(doc);
        n = sizeof(head) - 1;
        memcpy(doc, head, n);
        memset(doc + n, '[', d);
        memset(doc + n + d, ']', d);
        n += 2 * d;
        memcpy(doc + n, tail, sizeof(tail) - 1);
        n += sizeof(tail) - 1;
        parse_ok(&s, write_file(i ? "deep2.sarif" : "deep1.sarif", doc, n));
        free(doc);
        assert_int_equal(s.high, 1);
        assert_int_equal(s.results, 1);
    }
}

/* A 64 KiB chunk boundary inside every token of the tail in turn: the revisionId
 * string with escapes, keys, the number; and strings longer than one chunk. */
static void
test_chunk_boundaries(void **state)
{
    static const char tail[] =
        "\",\"runs\":[{" T "\"versionControlProvenance\":[{\"revisionId\":\"a\\\"b\\\\c\\u0041\"}],"
        "\"results\":[{\"properties\":{\"security-severity\":9.75}}]}]}";
    static const char head[] = "{\"version\":\"2.1.0\",\"pad\":\"";
    size_t cut, pad, n;
    struct security_summary s;
    char *doc, name[32];

    (void)state;
    doc = malloc(REPORT_CHUNK + sizeof(tail) + sizeof(head));
    assert_non_null(doc);
    for (cut = 1; cut < sizeof(tail) - 1; cut++) {
        /* the chunk ends CUT bytes into the tail */
        pad = REPORT_CHUNK - (sizeof(head) - 1) - cut;
        memcpy(doc, head, sizeof(head) - 1);
        memset(doc + sizeof(head) - 1, 'x', pad);
        n = sizeof(head) - 1 + pad;
        memcpy(doc + n, tail, sizeof(tail) - 1);
        n += sizeof(tail) - 1;
        snprintf(name, sizeof(name), "cut%zu.sarif", cut);
        parse_ok(&s, write_file(name, doc, n));
        assert_int_equal(s.critical, 1);
        assert_int_equal(s.n_revisions, 1);
        assert_string_equal(s.revisions[0], "a\"b\\cA");
        unlink(made[--nmade]);
        free(made[nmade]);
    }
    free(doc);
}

/* One string may span many chunks, up to a cap; past it the parse stops early. */
static void
test_long_token(void **state)
{
    static const char head[] = "{\"version\":\"2.1.0\",\"runs\":[{" T "\"results\":[{\"level\":"
                               "\"note\",\"message\":{\"text\":\"";
    static const char tail[] = "\"}}]}]}";
    size_t sizes[] = {3u << 20, 9u << 20}, i, n;
    struct security_summary s;
    char *doc;

    (void)state;
    for (i = 0; i < 2; i++) {
        doc = malloc(sizeof(head) + sizes[i] + sizeof(tail));
        assert_non_null(doc);
        n = sizeof(head) - 1;
        memcpy(doc, head, n);
        memset(doc + n, 'm', sizes[i]);
        memcpy(doc + n + sizes[i] - 2, "\\\"", 2); /* an escaped quote just before the end */
        n += sizes[i];
        memcpy(doc + n, tail, sizeof(tail) - 1);
        n += sizeof(tail) - 1;
        if (i == 0) {
            parse_ok(&s, write_file("long1.sarif", doc, n));
            assert_int_equal(s.low, 1);
        } else {
            parse_fails(write_file("long2.sarif", doc, n), "a single JSON token is longer than");
        }
        free(doc);
    }
}

/* ---- the jsonstream layer on its own ---- */

struct probe {
    size_t max_pend; /* the longest partial token held back at a chunk end */
    uint64_t levels, first_rule, keys_cut;
};

static int
probe_scalar(void *ud, struct jsonstream *js, enum jsonstream_scalar type, const char *s,
             size_t len)
{
    struct probe *p = ud;

    (void)type;
    (void)s;
    (void)len;
    if (js->npend > p->max_pend)
        p->max_pend = js->npend;
    if (jsonstream_match(js, "runs[*].results[*].level"))
        p->levels++;
    if (jsonstream_match(js, "runs[1].results[0].*"))
        p->first_rule++;
    if (js->depth == 2 && js->f[1].key_cut)
        p->keys_cut++;
    return 0;
}

static const struct jsonstream_handlers probe_handlers = {.scalar = probe_scalar};

/* Chunks are cut after their last complete token, so what is held back stays one
 * token long, including after escaped quotes and backslashes; the path matches. */
static void
test_jsonstream_cuts_and_paths(void **state)
{
    struct buf b = BUF_INIT;
    struct probe p;
    struct err e = ERR_INIT;
    const char *path;
    int k;

    (void)state;
    assert_int_equal(buf_adds(&b, "{\"pad\":["), 0);
    /* runs of 501 strings with escapes, 501 plain strings, 500 numbers: no quote in the
     * numbers, so a scanner that lost track of strings would hold them back */
    for (k = 0; k < 300000; k++)
        assert_int_equal(buf_adds(&b, k % 1502 <= 500    ? "\"\\\"a\\\\\","
                                      : k % 1502 <= 1001 ? "\"abcdefghijk\","
                                                         : "12345,"),
                         0);
    assert_int_equal(buf_adds(&b,
                              "0],\"runs\":[{\"results\":[{\"level\":\"x\"},{\"level\":1}]},"
                              "{\"results\":[{\"a\":1,\"b\":[2],\"c\":3}]}],"
                              "\"o\":{\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
                              "kkkkkkkkkkkkkkkkkkkk\":1}}"),
                     0);
    path = write_file("probe.json", b.ptr, b.len);
    buf_release(&b);
    memset(&p, 0, sizeof(p));
    if (jsonstream_parse_file(path, &probe_handlers, &p, NULL, NULL, &e) != 0)
        fail_msg("%s", e.msg);
    assert_true(p.max_pend < 16);
    assert_int_equal(p.levels, 2);
    assert_int_equal(p.first_rule, 2); /* a and c; b's element is one level deeper */
    assert_int_equal(p.keys_cut, 1);
}

static void
test_malformed(void **state)
{
    unsigned char garbage[4096];
    char *trunc;
    FILE *f;
    size_t i, n;
    char longid[400];

    (void)state;
    parse_fails(write_str("empty.sarif", ""), "empty file");
    parse_fails(write_str("ws.sarif", " \n"), "premature EOF");

    /* the first 20000 bytes of a real log */
    f = fopen(REPORTS "/sarif-realworld/codeql-ruby.sarif", "rb");
    assert_non_null(f);
    trunc = malloc(20000);
    assert_non_null(trunc);
    n = fread(trunc, 1, 20000, f);
    fclose(f);
    assert_int_equal(n, 20000);
    parse_fails(write_file("trunc.sarif", trunc, n), "premature EOF");
    free(trunc);

    for (i = 0; i < sizeof(garbage); i++)
        garbage[i] = (unsigned char)(i * 131 + 7);
    parse_fails(write_file("garbage.sarif", garbage, sizeof(garbage)), "line 1, byte ");
    parse_fails(write_str("bad-utf8.sarif", "{\"version\":\"2.1.0\xff\",\"runs\":[]}"),
                "invalid bytes in UTF8 string");

    parse_fails(write_str("array.sarif", "[{\"version\":\"2.1.0\",\"runs\":[]}]"),
                "top-level value is not an object");
    parse_fails(write_str("string.sarif", "\"runs\""), "top-level value is not an object");
    parse_fails(write_str("comment.sarif", "{\"version\":\"2.1.0\", /* c */ \"runs\":[]}"),
                "line 1, byte ");
    parse_fails(write_str("trailing.sarif", "{\"version\":\"2.1.0\",\"runs\":[]} {}"),
                "trailing garbage");
    parse_fails(write_str("noruns2.sarif", "{\"version\":\"2.1.0\"}"), "no 'runs' array");
    parse_fails(write_str("runsobj.sarif", "{\"version\":\"2.1.0\",\"runs\":{}}"),
                "runs is not an array");
    parse_fails(write_str("runsnull.sarif", "{\"version\":\"2.1.0\",\"runs\":null}"),
                "runs is not an array");
    parse_fails(write_str("runs2.sarif", "{\"version\":\"2.1.0\",\"runs\":[],\"runs\":[]}"),
                "runs appears twice");
    /* a duplicate key anywhere is refused, not resolved to the last one */
    parse_fails(write_str("dupres.sarif", "{\"version\":\"2.1.0\",\"runs\":[{" T "\"results\":["
                                          "{\"level\":\"error\",\"level\":\"none\"}]}]}"),
                "runs[0].results[0].level appears twice in its object (a duplicate key)");
    parse_fails(write_str("dupprop.sarif", "{\"version\":\"2.1.0\",\"runs\":[{" T "\"results\":["
                                           "{\"properties\":{\"x\":1,\"x\":2}}]}]}"),
                "appears twice in its object");
    parse_fails(write_str("run.sarif", "{\"version\":\"2.1.0\",\"runs\":[1]}"),
                "runs[0] is not an object");
    parse_fails(
        write_str("results.sarif", "{\"version\":\"2.1.0\",\"runs\":[{" T "\"results\":[]},"
                                   "{\"results\":{}}]}"),
        "runs[1].results is not an array");
    parse_fails(write_str("result.sarif", "{\"version\":\"2.1.0\",\"runs\":[{\"results\":[7]}]}"),
                "runs[0].results[0] is not an object");
    parse_fails(write_str("negidx.sarif", "{\"version\":\"2.1.0\",\"runs\":[{\"results\":["
                                          "{},{\"ruleIndex\":-3}]}]}"),
                "runs[0].results[1].ruleIndex is negative");
    parse_fails(write_str("negidx2.sarif", "{\"version\":\"2.1.0\",\"runs\":[{\"results\":["
                                           "{\"rule\":{\"toolComponent\":{\"index\":-2}}}]}]}"),
                "toolComponent.index is negative");
    parse_fails(write_str("fracidx.sarif", "{\"version\":\"2.1.0\",\"runs\":[{\"results\":["
                                           "{\"rule\":{\"index\":1.5}}]}]}"),
                "rule.index is not an integer");
    parse_fails(write_str("level.sarif", "{\"version\":\"2.1.0\",\"runs\":[{\"results\":["
                                         "{\"level\":3}]}]}"),
                "runs[0].results[0].level is not a string");
    parse_fails(write_str("v20.sarif", "{\"version\":\"2.0.0\",\"runs\":[]}"),
                "version is not \"2.1.0\"");
    parse_fails(write_str("nov.sarif", "{\"runs\":[]}"), "no 'version'");
    parse_fails(write_str("rules.sarif", "{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":"
                                         "{\"rules\":{}}}}]}"),
                "runs[0].tool.driver.rules is not an array");

    memset(longid, 'x', 300);
    longid[300] = '\0';
    {
        char doc[600];

        snprintf(doc, sizeof(doc),
                 "{\"version\":\"2.1.0\",\"runs\":[{\"results\":[{\"ruleId\":\"%s\"}]}]}", longid);
        parse_fails(write_str("longid.sarif", doc), "ruleId is longer than 256 bytes");
    }
}

/* --- the blocking findings kept by name --- */

static void
expect_finding(const struct security_summary *s, int sev, size_t i, const char *rule,
               const char *level, const char *uri, uint64_t line)
{
    const struct security_finding *f;

    if (i >= s->n_first[sev])
        fail_msg("%s: only %zu kept", report_severity_name((enum severity)sev), s->n_first[sev]);
    f = &s->first[sev][i];
    assert_string_equal(f->rule, rule);
    assert_string_equal(f->level, level);
    assert_string_equal(f->uri, uri);
    assert_int_equal(f->line, line);
}

static void
test_findings_fixtures(void **state)
{
    struct security_summary s;
    char path[512];

    (void)state;
    /* MANIFEST.md gives counts only for eslint-js_app.sarif (4 high, 8 medium): the rules
     * and places are read from the file, sarif/eslint-js_app.sarif lines 199-219 (level
     * error, line 12, security/detect-child-process), 223-243 (line 18,
     * security/detect-eval-with-expression), 247-267 (line 18, no-eval), 343-363 (line
     * 34, no-undef); the first warning is no-var at line 5 (lines 127-147) */
    snprintf(path, sizeof(path), "%s/sarif/eslint-js_app.sarif", REPORTS);
    parse_ok(&s, path);
    assert_int_equal(s.n_first[SEVERITY_HIGH], 4);
    expect_finding(&s, SEVERITY_HIGH, 0, "security/detect-child-process", "error",
                   "file:///home/ci/src/js_lint/src/server.js", 12);
    expect_finding(&s, SEVERITY_HIGH, 1, "security/detect-eval-with-expression", "error",
                   "file:///home/ci/src/js_lint/src/server.js", 18);
    expect_finding(&s, SEVERITY_HIGH, 2, "no-eval", "error",
                   "file:///home/ci/src/js_lint/src/server.js", 18);
    expect_finding(&s, SEVERITY_HIGH, 3, "no-undef", "error",
                   "file:///home/ci/src/js_lint/src/server.js", 34);
    assert_int_equal(s.n_first[SEVERITY_MEDIUM], REPORT_FIRST_KEPT); /* of 8 */
    expect_finding(&s, SEVERITY_MEDIUM, 0, "no-var", "warning",
                   "file:///home/ci/src/js_lint/src/server.js", 5);
    assert_int_equal(s.n_first[SEVERITY_CRITICAL] + s.n_first[SEVERITY_LOW], 0);

    /* MANIFEST.md: the absent result is "a no-debugger error from v1"; it blocks nothing,
     * so the first high is the next error (the file's second result, line 12) */
    snprintf(path, sizeof(path), "%s/sarif/multitool-matchforward-eslint.sarif", REPORTS);
    parse_ok(&s, path);
    assert_int_equal(s.n_first[SEVERITY_HIGH], 4);
    expect_finding(&s, SEVERITY_HIGH, 0, "security/detect-child-process", "error",
                   "file:///home/ci/src/js_lint/src/server.js", 12);

    /* results before tool, no level: each settled by its rule at the run's end
     * (sarif/clang-analyzer-vuln.sarif lines 205-223, 413-431, 641-660) */
    snprintf(path, sizeof(path), "%s/sarif/clang-analyzer-vuln.sarif", REPORTS);
    parse_ok(&s, path);
    assert_int_equal(s.n_first[SEVERITY_MEDIUM], 3);
    expect_finding(&s, SEVERITY_MEDIUM, 0, "unix.Malloc", "warning",
                   "file:///home/ci/src/c_vuln/vuln.c", 9);
    expect_finding(&s, SEVERITY_MEDIUM, 1, "core.DivideZero", "warning",
                   "file:///home/ci/src/c_vuln/vuln.c", 32);
    expect_finding(&s, SEVERITY_MEDIUM, 2, "core.NullDereference", "warning",
                   "file:///home/ci/src/c_vuln/vuln.c", 40);
}

/* Document order across results settled at once (their own security-severity) and
 * results settled at the run's end; the first REPORT_FIRST_KEPT per severity; the rule's
 * id when the result names its rule by index only; no location. */
static void
test_findings_order(void **state)
{
    struct security_summary s;

    (void)state;
    parse_ok(&s, write_str("order.sarif",
                           "{\"version\":\"2.1.0\",\"runs\":[{\"results\":["
                           "{\"ruleId\":\"R1\",\"locations\":[{\"physicalLocation\":{"
                           "\"artifactLocation\":{\"uri\":\"f0.c\"},\"region\":{\"startLine\":10}}}]},"
                           "{\"ruleId\":\"X\",\"properties\":{\"security-severity\":\"7.5\"},"
                           "\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":"
                           "\"f1\\nc\"},\"region\":{\"startLine\":11}}}]},"
                           "{\"ruleId\":\"R1\",\"locations\":[{\"physicalLocation\":{"
                           "\"artifactLocation\":{\"uri\":\"f2.c\"}}},{\"physicalLocation\":{"
                           "\"artifactLocation\":{\"uri\":\"second.c\"}}}]},"
                           "{\"ruleId\":\"R1\"},{\"ruleId\":\"R1\"},{\"ruleId\":\"R1\"},"
                           "{\"ruleIndex\":1},{\"ruleId\":\"R1\",\"level\":\"none\","
                           "\"kind\":\"pass\"}],"
                           "\"tool\":{\"driver\":{\"name\":\"t\",\"rules\":["
                           "{\"id\":\"R1\",\"properties\":{\"security-severity\":\"8.0\"}},"
                           "{\"id\":\"R2\",\"defaultConfiguration\":{\"level\":\"note\"}}]}}}]}"));
    assert_int_equal(s.high, 6);
    assert_int_equal(s.low, 1);
    assert_int_equal(s.n_first[SEVERITY_HIGH], REPORT_FIRST_KEPT);
    expect_finding(&s, SEVERITY_HIGH, 0, "R1", "warning", "f0.c", 10);
    expect_finding(&s, SEVERITY_HIGH, 1, "X", "warning", "f1", 11); /* cut at the line end */
    expect_finding(&s, SEVERITY_HIGH, 2, "R1", "warning", "f2.c", 0);
    expect_finding(&s, SEVERITY_HIGH, 3, "R1", "warning", "", 0);
    expect_finding(&s, SEVERITY_HIGH, 4, "R1", "warning", "", 0);
    assert_int_equal(s.n_first[SEVERITY_LOW], 1);
    expect_finding(&s, SEVERITY_LOW, 0, "R2", "note", "", 0);
}

static void
test_missing_file(void **state)
{
    struct security_summary s;
    struct err e = ERR_INIT;

    (void)state;
    assert_int_equal(report_sarif_parse(&s, "/nonexistent/x.sarif", NULL, NULL, &e), -1);
    assert_int_equal(e.code, EXIT_EVAL);
    assert_non_null(strstr(e.msg, "'/nonexistent/x.sarif'"));
}

int
main(void)
{
    struct CMUnitTest fixtures[NROWS];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_fixture_has_a_row),
        cmocka_unit_test(test_sha256_and_bytes),
        cmocka_unit_test(test_numeric_locale),
        cmocka_unit_test(test_lookup_results_first),
        cmocka_unit_test(test_lookup_tool_first),
        cmocka_unit_test(test_runs_are_separate),
        cmocka_unit_test(test_runs_that_did_not_analyse),
        cmocka_unit_test(test_index_minus_one),
        cmocka_unit_test(test_failed_run_fixtures),
        cmocka_unit_test(test_bad_level),
        cmocka_unit_test(test_revisions),
        cmocka_unit_test(test_revisions_overflow),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_chunk_boundaries),
        cmocka_unit_test(test_long_token),
        cmocka_unit_test(test_jsonstream_cuts_and_paths),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_findings_fixtures),
        cmocka_unit_test(test_findings_order),
        cmocka_unit_test(test_missing_file),
    };
    size_t i;
    int failed;

    for (i = 0; i < NROWS; i++) {
        memset(&fixtures[i], 0, sizeof(fixtures[i]));
        fixtures[i].name = rows[i].file;
        fixtures[i].test_func = test_fixture;
        fixtures[i].initial_state = (void *)&rows[i];
    }
    failed = _cmocka_run_group_tests("sarif fixtures", fixtures, NROWS, NULL, NULL);
    failed += cmocka_run_group_tests_name("sarif", tests, setup_tmp, teardown_tmp);
    return failed ? 1 : 0;
}
