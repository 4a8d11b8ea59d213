/* JUnit XML (pytest xunit1/xunit2, CTest, node:test, Maven Surefire ...).
 *
 * The root is <testsuites> or <testsuite>; suites nest to any depth. Results are
 * counted from the <testcase> elements alone, never from the tests/failures/...
 * attributes of the suites, which producers fill in inconsistently. A testcase
 * is failed when it has a <failure> child, an error when it has an <error> child,
 * skipped when it has a <skipped> child or status="disabled", passed otherwise.
 * Surefire's <flakyFailure>/<rerunFailure> are not failures (the test passed on a
 * rerun). Zero testcases is not an error here: the gate's min_tests decides. */
#include <string.h>

#include "core/report.h"
#include "xml.h"

enum {
    CASE_FAILURE = 1 << 0,
    CASE_ERROR = 1 << 1,
    CASE_SKIPPED = 1 << 2,
};

struct junit {
    struct tests_summary t;
    int case_depth; /* depth of the open <testcase>, 0 when none is open */
    unsigned flags; /* CASE_* seen on the open testcase */
};

static int
junit_start(struct xml_ctx *x, const char *name, const char **attrs, int depth)
{
    struct junit *j = xml_userdata(x);
    const char *status;
    char shown[72];

    if (depth == 1 && strcmp(name, "testsuites") != 0 && strcmp(name, "testsuite") != 0)
        return xml_fail(x, "wrong root element '%s' (expected testsuites or testsuite)",
                        xml_printable(shown, sizeof(shown), name));
    if (strcmp(name, "testcase") == 0) {
        if (j->case_depth)
            return xml_fail(x, "<testcase> nested inside <testcase>");
        j->case_depth = depth;
        j->flags = 0;
        status = xml_attr(attrs, "status");
        if (status && strcmp(status, "disabled") == 0)
            j->flags |= CASE_SKIPPED;
        return 0;
    }
    if (j->case_depth && depth == j->case_depth + 1) {
        if (strcmp(name, "failure") == 0)
            j->flags |= CASE_FAILURE;
        else if (strcmp(name, "error") == 0)
            j->flags |= CASE_ERROR;
        else if (strcmp(name, "skipped") == 0)
            j->flags |= CASE_SKIPPED;
    }
    return 0;
}

static int
junit_end(struct xml_ctx *x, const char *name, int depth)
{
    struct junit *j = xml_userdata(x);

    (void)name; /* expat checks that it is "testcase" when depth matches */
    if (!j->case_depth || depth != j->case_depth)
        return 0;
    /* One outcome per testcase; when it has several children the precedence is
     * error > failure > skipped (an error in setup says more than the failure or
     * skip that may follow it, and a failed test must never count as skipped). */
    if (j->flags & CASE_ERROR)
        j->t.errors++;
    else if (j->flags & CASE_FAILURE)
        j->t.failed++;
    else if (j->flags & CASE_SKIPPED)
        j->t.skipped++;
    else
        j->t.passed++;
    j->t.total++;
    j->case_depth = 0;
    return 0;
}

int
report_junit_parse(struct tests_summary *out, const char *path, unsigned char sha[32],
                   uint64_t *bytes, struct err *e)
{
    static const struct xml_handlers handlers = {junit_start, junit_end};
    struct junit j;

    memset(&j, 0, sizeof(j));
    memset(out, 0, sizeof(*out));
    if (xml_parse_file(path, &handlers, &j, sha, bytes, e) < 0)
        return -1;
    *out = j.t;
    return 0;
}
