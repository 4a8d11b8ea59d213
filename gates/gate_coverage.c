/* coverage: line coverage from Cobertura, lcov or coverage.py JSON meets min_percent. */
#include "gate.h"


static const struct gate_param coverage_params[] = {
    {"min_percent", PARAM_PERCENT, 1},
    {NULL, 0, 0},
};

static enum verdict
coverage_evaluate(const struct evidence *ev, const json_t *rule, time_t now, struct finding *f)
{
    const struct coverage_summary *c = &ev->report.u.coverage;
    double min = gate_rule_number(rule, "min_percent", 101.0);

    (void)now;
    if (ev->report.kind != REPORT_KIND_COVERAGE) {
        finding_summary(f, "expected a coverage report, got %s (%s)",
                        report_kind_name(ev->report.kind), report_format_name(ev->report.format));
        return VERDICT_ERROR;
    }
    f->details = report_details(&ev->report);
    json_object_set(f->details, "min_percent", json_object_get(rule, "min_percent"));
    if (c->percent >= min) {
        finding_summary(f, "line coverage %.2f%% (%llu/%llu) >= %g%%", c->percent,
                        (unsigned long long)c->lines_covered, (unsigned long long)c->lines_total,
                        min);
        return VERDICT_PASS;
    }
    finding_summary(f, "line coverage %.2f%% (%llu/%llu) is below %g%%", c->percent,
                    (unsigned long long)c->lines_covered, (unsigned long long)c->lines_total, min);
    return VERDICT_FAIL;
}

const struct gate gate_coverage = {
    .type = "coverage",
    .needs_evidence = 1,
    .params = coverage_params,
    .collect = gate_collect_report,
    .evaluate = coverage_evaluate,
};
