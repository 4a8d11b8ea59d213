/* tests: a JUnit report with no failures or errors, enough tests, skips as allowed.
 * A report in which no test ran is an error: the run tested nothing. */
#include "gate.h"

static const struct gate_param tests_params[] = {
    {"min_tests", PARAM_COUNT, 0},
    {"allow_skipped", PARAM_BOOL, 0},
    {NULL, 0, 0},
};

static enum verdict
tests_evaluate(const struct evidence *ev, const json_t *rule, time_t now, struct finding *f)
{
    const struct tests_summary *t = &ev->report.u.tests;
    double min_tests = gate_rule_number(rule, "min_tests", 1);
    int allow_skipped = gate_rule_bool(rule, "allow_skipped", 1);

    (void)now;
    if (ev->report.kind != REPORT_KIND_TESTS) {
        finding_summary(f, "expected a test report, got %s (%s)",
                        report_kind_name(ev->report.kind), report_format_name(ev->report.format));
        return VERDICT_ERROR;
    }
    f->details = report_details(&ev->report);
    if (t->total == t->disabled) {
        finding_summary(f, "the report holds no test that ran (%llu testcases, %llu disabled)",
                        (unsigned long long)t->total, (unsigned long long)t->disabled);
        return VERDICT_ERROR;
    }
    if (t->failed + t->errors > 0) {
        finding_summary(f, "%llu failed, %llu errors of %llu tests", (unsigned long long)t->failed,
                        (unsigned long long)t->errors, (unsigned long long)t->total);
        return VERDICT_FAIL;
    }
    if ((double)t->total < min_tests) {
        finding_summary(f, "%llu tests ran, at least %g required", (unsigned long long)t->total,
                        min_tests);
        return VERDICT_FAIL;
    }
    if (!allow_skipped && t->skipped > 0) {
        finding_summary(f, "%llu of %llu tests skipped, and skips are not allowed",
                        (unsigned long long)t->skipped, (unsigned long long)t->total);
        return VERDICT_FAIL;
    }
    if (t->disabled)
        finding_summary(f, "%llu tests: %llu passed, %llu skipped, %llu disabled",
                        (unsigned long long)t->total, (unsigned long long)t->passed,
                        (unsigned long long)t->skipped, (unsigned long long)t->disabled);
    else
        finding_summary(f, "%llu tests: %llu passed, %llu skipped", (unsigned long long)t->total,
                        (unsigned long long)t->passed, (unsigned long long)t->skipped);
    return VERDICT_PASS;
}

/* The failing tests the report named (the parser keeps the first few), one a line, then
 * how many more; as JSON {name, outcome, message}. */
static json_t *
failing_named(const struct tests_summary *t, struct remedy *out)
{
    json_t *a = json_array();
    size_t i;

    for (i = 0; i < t->n_failing; i++) {
        const struct failed_test *x = &t->failing[i];

        json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "name", x->name, "outcome",
                                           x->error ? "error" : "failure", "message", x->message));
        remedy_line(out, "%s: %s%s%s", x->error ? "error" : "failing", x->name,
                    x->message[0] ? " \u2014 " : "", x->message);
    }
    if (t->failed + t->errors > t->n_failing)
        remedy_line(out, "\u2026 and %llu more",
                    (unsigned long long)(t->failed + t->errors - t->n_failing));
    return a;
}

/* The failing tests to fix (by name, the first few), the tests to add, the skips to
 * remove: counts and limits. */
static void
tests_remedy(const struct evidence *ev, const json_t *rule, time_t now, const struct finding *f,
             struct remedy *out)
{
    const struct tests_summary *t = &ev->report.u.tests;
    double min_tests = gate_rule_number(rule, "min_tests", 1);
    int allow_skipped = gate_rule_bool(rule, "allow_skipped", 1);

    (void)now;
    (void)f;
    if (t->failed + t->errors > 0) {
        remedy_text(out, "make the %llu failing test%s pass (%llu failed, %llu errors of %llu)",
                    (unsigned long long)(t->failed + t->errors),
                    t->failed + t->errors == 1 ? "" : "s", (unsigned long long)t->failed,
                    (unsigned long long)t->errors, (unsigned long long)t->total);
        out->data = json_pack("{s:s, s:I, s:I, s:I, s:o, s:I}", "action", "fix_tests", "failed",
                              (json_int_t)t->failed, "errors", (json_int_t)t->errors, "total",
                              (json_int_t)t->total, "failing", failing_named(t, out), "more",
                              (json_int_t)(t->failed + t->errors - t->n_failing));
    } else if ((double)t->total < min_tests) {
        remedy_text(out, "run %g more test%s: %llu ran, at least %g required",
                    min_tests - (double)t->total, min_tests - (double)t->total == 1 ? "" : "s",
                    (unsigned long long)t->total, min_tests);
        out->data = json_pack("{s:s, s:I, s:f}", "action", "add_tests", "total",
                              (json_int_t)t->total, "min_tests", min_tests);
    } else if (!allow_skipped && t->skipped > 0) {
        remedy_text(out, "run the %llu skipped test%s: skips are not allowed",
                    (unsigned long long)t->skipped, t->skipped == 1 ? "" : "s");
        out->data = json_pack("{s:s, s:I}", "action", "run_skipped", "skipped",
                              (json_int_t)t->skipped);
    }
}

const struct gate gate_tests = {
    .type = "tests",
    .needs_evidence = 1,
    .params = tests_params,
    .collect = gate_collect_report,
    .evaluate = tests_evaluate,
    .remedy = tests_remedy,
};
