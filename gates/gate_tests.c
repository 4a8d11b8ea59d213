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

const struct gate gate_tests = {
    .type = "tests",
    .needs_evidence = 1,
    .params = tests_params,
    .collect = gate_collect_report,
    .evaluate = tests_evaluate,
};
