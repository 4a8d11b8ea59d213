/* coverage: line coverage from Cobertura, lcov or coverage.py JSON meets min_percent. */
#include "gate.h"

#include <math.h>


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

/* How many more covered lines reach min_percent at the current total. */
static void
coverage_remedy(const struct evidence *ev, const json_t *rule, time_t now, const struct finding *f,
                struct remedy *out)
{
    const struct coverage_summary *c = &ev->report.u.coverage;
    double min = gate_rule_number(rule, "min_percent", 101.0);
    uint64_t need, more;

    (void)now;
    (void)f;
    if (c->lines_total == 0 || min > 100.0) {
        remedy_text(out, "the report counts no lines: cover code and report it again");
        out->data = json_pack("{s:s}", "action", "report_coverage");
        return;
    }
    need = (uint64_t)ceil(min * (double)c->lines_total / 100.0);
    while (need > 0 && 100.0 * (double)(need - 1) / (double)c->lines_total >= min)
        need--;
    while (need < c->lines_total && 100.0 * (double)need / (double)c->lines_total < min)
        need++;
    more = need > c->lines_covered ? need - c->lines_covered : 0;
    remedy_text(out, "cover %llu more line%s: %llu of %llu covered, %llu needed for %g%%",
                (unsigned long long)more, more == 1 ? "" : "s",
                (unsigned long long)c->lines_covered, (unsigned long long)c->lines_total,
                (unsigned long long)need, min);
    out->data = json_pack("{s:s, s:I, s:I, s:I, s:I, s:f}", "action", "cover_lines", "more_lines",
                          (json_int_t)more, "lines_covered", (json_int_t)c->lines_covered,
                          "lines_total", (json_int_t)c->lines_total, "lines_needed",
                          (json_int_t)need, "min_percent", min);
}

const struct gate gate_coverage = {
    .type = "coverage",
    .needs_evidence = 1,
    .params = coverage_params,
    .collect = gate_collect_report,
    .evaluate = coverage_evaluate,
    .remedy = coverage_remedy,
};
