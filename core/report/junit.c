/* JUnit XML (pytest xunit1/xunit2, CTest, node:test, jest-junit, Maven Surefire ...).
 *
 * The root is <testsuites> or <testsuite>; suites nest to any depth. Results are
 * counted from the <testcase> elements, one outcome per testcase, the first that applies:
 *   - an <error> child: error;
 *   - a <skipped> child together with a <failure> child: skipped (node's failing todo
 *     test carries both, and node does not count it as failed);
 *   - a <failure> child: failed;
 *   - status="notrun" (CTest could not run it: missing executable, failed fixture):
 *     failed, as ctest itself counts it, unless its <skipped> message says it was
 *     skipped on purpose (SKIP_RETURN_CODE, SKIP_REGULAR_EXPRESSION);
 *   - status="disabled" (CTest's DISABLED property): disabled, neither passed nor failed;
 *   - a <skipped> child: skipped; otherwise passed.
 * Surefire's <flakyFailure>/<rerunFailure> are not failures (the test passed on a
 * rerun). jest-junit writes one test file that failed to load as two testcases (see
 * JEST_SUITE_ERROR): one error.
 *
 * What the producer declares is checked, never trusted: the failures + errors
 * attributes of each <testsuites>/<testsuite>, and node's trailing totals comments
 * (<!-- fail N -->, <!-- cancelled N -->), may not exceed what the elements show. A
 * higher declared count means a failure the elements do not carry (node writes a
 * parent test that fails after its subtests passed without any <failure>): an error
 * naming both numbers, never a pass. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/report/report.h"
#include "core/report/xml.h"

enum {
    CASE_FAILURE = 1 << 0,
    CASE_ERROR = 1 << 1,
    CASE_SKIPPED = 1 << 2,
    CASE_DISABLED = 1 << 3,
    CASE_NOTRUN = 1 << 4,
    CASE_SKIP_ON_PURPOSE = 1 << 5, /* CTest's skipped message names a SKIP_ property */
    CASE_REPEAT = 1 << 6,          /* jest-junit's second testcase for one suite error */
};

/* jest-junit (reportTestSuiteErrors) writes a test file that failed to load as two
 * testcases of this classname and the file's name, one with <error>, one with
 * <failure>: one suite error, counted once. */
#define JEST_SUITE_ERROR "Test suite failed to run"
#define JUNIT_NAME_KEPT 256

#define JUNIT_SUITE_NAME 128

struct suite {
    char name[JUNIT_SUITE_NAME]; /* its name attribute, cut; "" when none */
    uint64_t declared;      /* failures + errors attributes */
    uint64_t bad_at_open;   /* JUNIT.bad when the suite opened */
    unsigned long line;     /* where it opened */
    unsigned char has_decl; /* either attribute present */
};

struct junit {
    struct tests_summary t;
    uint64_t bad;   /* testcases with a <failure> or <error> child, whatever their outcome */
    int case_depth; /* depth of the open <testcase>, 0 when none is open */
    char suite_error[JUNIT_NAME_KEPT]; /* name of the last suite error testcase, "" if none */
    unsigned flags; /* CASE_* seen on the open testcase */
    /* the open testcase's classname and name attributes as they are (cut where the name
     * shown would be): the name is shown, and worked out, only for one that did not pass */
    char case_cls[2 * REPORT_TEST_NAME_LEN];
    char case_base[2 * REPORT_TEST_NAME_LEN];
    char case_msg[REPORT_MESSAGE_LEN];    /* first line of its failure or error message */
    struct suite *suites; /* indexed by depth; REPORT_XML_MAX_DEPTH + 1 entries */
    /* node's totals comments */
    int node_seen;
    uint64_t node_fail, node_cancelled;
};

/* A non-negative decimal count, at most 18 digits. */
static int
parse_count(uint64_t *out, const char *s)
{
    uint64_t v = 0;
    size_t n = 0;

    for (; *s >= '0' && *s <= '9'; s++) {
        if (++n > 18)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    if (n == 0 || *s)
        return -1;
    *out = v;
    return 0;
}

static int
suite_open(struct xml_ctx *x, struct junit *j, const char *name, const char **attrs, int depth)
{
    static const char *const keys[] = {"failures", "errors"};
    struct suite *s = &j->suites[depth];
    size_t i;

    memset(s, 0, sizeof(*s));
    if (xml_attr(attrs, "name"))
        report_text(s->name, sizeof(s->name), xml_attr(attrs, "name"),
                    strlen(xml_attr(attrs, "name")), 1);
    j->suite_error[0] = '\0';
    s->bad_at_open = j->bad;
    s->line = xml_line(x);
    for (i = 0; i < 2; i++) {
        const char *v = xml_attr(attrs, keys[i]);
        uint64_t n;

        if (!v)
            continue;
        if (parse_count(&n, v) < 0)
            return xml_fail(x, "attribute %s of <%s> is not a non-negative integer", keys[i],
                            name);
        s->declared += n;
        s->has_decl = 1;
    }
    return 0;
}

static int
suite_close(struct xml_ctx *x, struct junit *j, const char *name, int depth)
{
    const struct suite *s = &j->suites[depth];
    uint64_t shown = j->bad - s->bad_at_open;

    if (s->has_decl && s->declared > shown)
        return xml_fail(x,
                        "<%s> opened on line %lu declares %llu failures and errors, but only "
                        "%llu of its testcases carry a <failure> or <error>",
                        name, s->line, (unsigned long long)s->declared,
                        (unsigned long long)shown);
    return 0;
}

static int
is_suite(const char *name)
{
    return strcmp(name, "testsuite") == 0 || strcmp(name, "testsuites") == 0;
}

static void
suite_error_case(struct junit *j, const char **attrs)
{
    const char *cls = xml_attr(attrs, "classname"), *name = xml_attr(attrs, "name");

    if (!cls || !name || strcmp(cls, JEST_SUITE_ERROR) != 0) {
        j->suite_error[0] = '\0';
        return;
    }
    if (j->suite_error[0] && strncmp(j->suite_error, name, sizeof(j->suite_error) - 1) == 0) {
        j->flags |= CASE_REPEAT;
        return;
    }
    snprintf(j->suite_error, sizeof(j->suite_error), "%s", name[0] ? name : "?");
}

/* The open testcase's name as shown, into OUT: "classname.name"; "classname: name" when
 * the classname is words (jest-junit); the innermost suite's name in its place when there
 * is no classname; NAME alone when it already starts with the classname (CTest). */
static void
case_name(char out[REPORT_TEST_NAME_LEN], const struct junit *j)
{
    const char *cls = j->case_cls, *name = j->case_base;
    char joined[4 * REPORT_TEST_NAME_LEN + 2]; /* both whole, and ": " */
    int d;

    if (!*name)
        name = "(unnamed)";
    if (!*cls)
        for (d = j->case_depth - 1, cls = NULL; d > 0 && !cls; d--)
            if (j->suites[d].name[0])
                cls = j->suites[d].name;
    if (!cls || strncmp(name, cls, strlen(cls)) == 0)
        snprintf(joined, sizeof(joined), "%s", name);
    else
        snprintf(joined, sizeof(joined), "%s%s%s", cls, strchr(cls, ' ') ? ": " : ".", name);
    report_text(out, REPORT_TEST_NAME_LEN, joined, strlen(joined), 1);
}

/* Attribute KEY of ATTRS as it is into OUT (cut to fit; "" when none). */
static void
raw_attr(char out[2 * REPORT_TEST_NAME_LEN], const char **attrs, const char *key)
{
    const char *v = xml_attr(attrs, key);
    size_t n = v ? strnlen(v, 2 * REPORT_TEST_NAME_LEN - 1) : 0;

    memcpy(out, v ? v : "", n);
    out[n] = '\0';
}

/* The message of a <failure> or <error>: its message attribute, else its type. An error
 * replaces a failure's (the error decides the outcome). */
static void
case_message(struct junit *j, const char **attrs, int is_error)
{
    const char *m = xml_attr(attrs, "message");

    if (!m || !*m)
        m = xml_attr(attrs, "type");
    if (!m || !*m || (j->case_msg[0] && !is_error))
        return;
    report_text(j->case_msg, sizeof(j->case_msg), m, strlen(m), 1);
}

static int
junit_start(struct xml_ctx *x, const char *name, const char **attrs, int depth)
{
    struct junit *j = xml_userdata(x);
    const char *status, *msg;

    if (depth == 1 && !is_suite(name))
        return xml_fail(x, "wrong root element (expected testsuites or testsuite)");
    if (is_suite(name) && !j->case_depth)
        return suite_open(x, j, name, attrs, depth);
    if (strcmp(name, "testcase") == 0) {
        if (j->case_depth)
            return xml_fail(x, "<testcase> nested inside <testcase>");
        j->case_depth = depth;
        j->flags = 0;
        j->case_msg[0] = '\0';
        raw_attr(j->case_cls, attrs, "classname");
        raw_attr(j->case_base, attrs, "name");
        status = xml_attr(attrs, "status");
        if (status && strcmp(status, "disabled") == 0)
            j->flags |= CASE_DISABLED;
        else if (status && strcmp(status, "notrun") == 0)
            j->flags |= CASE_NOTRUN;
        suite_error_case(j, attrs);
        return 0;
    }
    if (j->case_depth && depth == j->case_depth + 1) {
        if (strcmp(name, "failure") == 0) {
            j->flags |= CASE_FAILURE;
            case_message(j, attrs, 0);
        } else if (strcmp(name, "error") == 0) {
            j->flags |= CASE_ERROR;
            case_message(j, attrs, 1);
        } else if (strcmp(name, "skipped") == 0) {
            j->flags |= CASE_SKIPPED;
            if (j->flags & CASE_NOTRUN) /* why CTest could not run it */
                case_message(j, attrs, 0);
            msg = xml_attr(attrs, "message");
            if (msg && (strncmp(msg, "SKIP_RETURN_CODE", 16) == 0 ||
                        strncmp(msg, "SKIP_REGULAR_EXPRESSION", 23) == 0))
                j->flags |= CASE_SKIP_ON_PURPOSE;
        }
    }
    return 0;
}

/* Keep the open testcase by name, when it is among the first that did not pass. */
static void
keep_failing(struct junit *j, int is_error)
{
    struct failed_test *t;

    if (j->t.n_failing == REPORT_FIRST_KEPT)
        return;
    t = &j->t.failing[j->t.n_failing++];
    case_name(t->name, j);
    if (!j->case_msg[0] && (j->flags & CASE_NOTRUN))
        snprintf(t->message, sizeof(t->message), "not run");
    else
        memcpy(t->message, j->case_msg, sizeof(t->message));
    t->error = is_error;
}

static void
count_case(struct junit *j)
{
    unsigned f = j->flags;

    if (f & (CASE_FAILURE | CASE_ERROR))
        j->bad++;
    if ((f & CASE_REPEAT) && (f & (CASE_FAILURE | CASE_ERROR)))
        return; /* the suite error counted already */
    if (f & CASE_ERROR) {
        j->t.errors++;
        keep_failing(j, 1);
    } else if ((f & CASE_SKIPPED) && (f & CASE_FAILURE)) {
        j->t.skipped++;
    } else if (f & CASE_FAILURE) {
        j->t.failed++;
        keep_failing(j, 0);
    } else if ((f & CASE_NOTRUN) && !(f & CASE_SKIP_ON_PURPOSE)) {
        j->t.failed++;
        keep_failing(j, 0);
    } else if (f & CASE_DISABLED) {
        j->t.disabled++;
    } else if (f & CASE_SKIPPED) {
        j->t.skipped++;
    } else {
        j->t.passed++;
    }
    j->t.total++;
}

static int
junit_end(struct xml_ctx *x, const char *name, int depth)
{
    struct junit *j = xml_userdata(x);

    if (j->case_depth && depth == j->case_depth) {
        count_case(j); /* expat checks that NAME is "testcase" */
        j->case_depth = 0;
        return 0;
    }
    if (!j->case_depth && is_suite(name))
        return suite_close(x, j, name, depth);
    return 0;
}

/* node's reporter ends with comments such as " fail 1 "; only the counts of tests
 * that did not pass matter here. */
static int
junit_comment(struct xml_ctx *x, const char *data, int depth)
{
    struct junit *j = xml_userdata(x);
    char word[16], num[20];
    uint64_t v;
    int end = 0;

    (void)depth;
    if (sscanf(data, " %15[a-z] %19[0-9] %n", word, num, &end) != 2 || data[end] != '\0' ||
        parse_count(&v, num) < 0)
        return 0;
    if (strcmp(word, "fail") == 0) {
        j->node_fail = v;
        j->node_seen = 1;
    } else if (strcmp(word, "cancelled") == 0) {
        j->node_cancelled = v;
        j->node_seen = 1;
    }
    return 0;
}

int
report_junit_parse(struct tests_summary *out, const char *path, unsigned char sha[32],
                   uint64_t *bytes, struct err *e)
{
    static const struct xml_handlers handlers = {junit_start, junit_end, junit_comment};
    struct junit j;
    uint64_t declared, shown;
    int rc = -1;

    memset(&j, 0, sizeof(j));
    memset(out, 0, sizeof(*out));
    j.suites = calloc(REPORT_XML_MAX_DEPTH + 1, sizeof(*j.suites));
    if (!j.suites)
        return err_set(e, EXIT_EVAL, "cannot parse '%s': out of memory", path);
    if (xml_parse_file(path, &handlers, &j, sha, bytes, e) < 0)
        goto done;
    declared = j.node_fail + j.node_cancelled;
    shown = j.t.failed + j.t.errors;
    if (j.node_seen && declared > shown) {
        err_set(e, EXIT_EVAL,
                "cannot parse '%s': the producer declares %llu tests that did not pass "
                "(<!-- fail %llu -->, <!-- cancelled %llu -->), the testcases show %llu: a test "
                "failed without a <failure> element",
                path, (unsigned long long)declared, (unsigned long long)j.node_fail,
                (unsigned long long)j.node_cancelled, (unsigned long long)shown);
        goto done;
    }
    *out = j.t;
    rc = 0;
done:
    free(j.suites);
    return rc;
}
