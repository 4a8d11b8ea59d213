/* security: active SARIF findings per severity stay within the policy's maximums.
 * A run that reported errors of its own (a file it could not parse, a crashed
 * converter) is an error unless the policy sets allow_tool_errors: the scan may have
 * missed what it could not read. */
#include "gate.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const severities[] = {"critical", "high", "medium", "low"};

static const struct gate_param security_params[] = {
    {"max", PARAM_OBJECT, 1},
    {"allow_tool_errors", PARAM_BOOL, 0},
    {NULL, 0, 0},
};

static int
security_check_rule(const json_t *rule, const char *jpath, struct err *e)
{
    const json_t *max = json_object_get(rule, "max");
    const char *key;
    json_t *v;
    size_t i;

    json_object_foreach((json_t *)max, key, v) {
        for (i = 0; i < 4; i++)
            if (strcmp(key, severities[i]) == 0)
                break;
        if (i == 4)
            return err_set(e, EXIT_USAGE,
                           "%s.max.%s: unknown severity (expected critical, high, medium, low)",
                           jpath, key);
        if (!json_is_integer(v) || json_integer_value(v) < 0)
            return err_set(e, EXIT_USAGE, "%s.max.%s: must be a non-negative integer", jpath, key);
    }
    return 0;
}

/* A revisionId names our commit when equal, or an abbreviation of at least 7 hex digits. */
static int
same_revision(const char *rev, const char *commit)
{
    size_t n = strlen(rev), i;

    if (n < 7 || n > 40)
        return 0;
    for (i = 0; i < n; i++)
        if (!isxdigit((unsigned char)rev[i]))
            return 0;
    return strncasecmp(rev, commit, n) == 0;
}

static enum verdict
security_evaluate(const struct evidence *ev, const json_t *rule, time_t now, struct finding *f)
{
    const struct security_summary *s = &ev->report.u.security;
    const json_t *max = json_object_get(rule, "max");
    uint64_t counts[4];
    char over[160] = "";
    size_t i, used = 0;

    (void)now;
    if (ev->report.kind != REPORT_KIND_SECURITY) {
        finding_summary(f, "expected a SARIF security report, got %s (%s)",
                        report_kind_name(ev->report.kind), report_format_name(ev->report.format));
        return VERDICT_ERROR;
    }
    if (s->revisions_overflow) {
        finding_summary(f, "the SARIF log names more than %d different revisions",
                        SARIF_MAX_REVISIONS);
        return VERDICT_ERROR;
    }
    for (i = 0; i < s->n_revisions; i++) {
        if (!same_revision(s->revisions[i], ev->commit)) {
            finding_summary(f, "the scan was of revision %.64s, not of commit %.12s",
                            s->revisions[i], ev->commit);
            return VERDICT_ERROR;
        }
    }
    f->details = report_details(&ev->report);
    if (s->tool_errors) {
        int allowed = gate_rule_bool(rule, "allow_tool_errors", 0);

        json_object_set_new(f->details, "tool_errors_allowed", json_boolean(allowed));
        if (!allowed) {
            finding_summary(f, "the scanner reported %llu error(s) of its own: %s",
                            (unsigned long long)s->tool_errors, s->tool_error);
            return VERDICT_ERROR;
        }
    }
    counts[0] = s->critical;
    counts[1] = s->high;
    counts[2] = s->medium;
    counts[3] = s->low;
    for (i = 0; i < 4; i++) {
        const json_t *lim = json_object_get(max, severities[i]);

        if (json_is_integer(lim) && counts[i] > (uint64_t)json_integer_value(lim) &&
            used < sizeof(over)) {
            int n = snprintf(over + used, sizeof(over) - used, "%s%llu %s (max %lld)",
                             used ? ", " : "", (unsigned long long)counts[i], severities[i],
                             (long long)json_integer_value(lim));
            used += n > 0 ? (size_t)n : 0;
        }
    }
    if (over[0]) {
        finding_summary(f, "too many active findings: %s", over);
        return VERDICT_FAIL;
    }
    finding_summary(f, "%llu critical, %llu high, %llu medium, %llu low active findings%s",
                    (unsigned long long)s->critical, (unsigned long long)s->high,
                    (unsigned long long)s->medium, (unsigned long long)s->low,
                    s->tool_errors ? " (tool errors allowed by the policy)" : "");
    return VERDICT_PASS;
}

/* The findings of the severities over their maximum the report named (the parser keeps
 * the first few of each), most severe first, the first REPORT_FIRST_KEPT one a line, then
 * how many more; as JSON {severity, rule, level, uri, line}. */
static json_t *
findings_named(const struct security_summary *s, const uint64_t counts[4], const int over[4],
               struct remedy *out)
{
    json_t *a = json_array();
    uint64_t blocking = 0, shown = 0;
    size_t k, i;

    for (k = 0; k < SEVERITY_COUNT; k++) {
        if (!over[k])
            continue;
        blocking += counts[k];
        for (i = 0; i < s->n_first[k] && shown < REPORT_FIRST_KEPT; i++, shown++) {
            const struct security_finding *x = &s->first[k][i];
            char where[SARIF_URI_LEN + 24];

            if (!x->uri[0])
                snprintf(where, sizeof(where), "(no location)");
            else if (x->line)
                snprintf(where, sizeof(where), "%s:%llu", x->uri, (unsigned long long)x->line);
            else
                snprintf(where, sizeof(where), "%s", x->uri);
            json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:I}", "severity",
                                               severities[k], "rule", x->rule, "level", x->level,
                                               "uri", x->uri, "line", (json_int_t)x->line));
            remedy_line(out, "%s: %s at %s", severities[k], x->rule[0] ? x->rule : "(no rule id)",
                        where);
        }
    }
    if (blocking > shown)
        remedy_line(out, "\u2026 and %llu more", (unsigned long long)(blocking - shown));
    return a;
}

/* Per severity over its maximum: how many active findings to fix or suppress, and the
 * first of them by rule and place. */
static void
security_remedy(const struct evidence *ev, const json_t *rule, time_t now, const struct finding *f,
                struct remedy *out)
{
    const struct security_summary *s = &ev->report.u.security;
    const json_t *max = json_object_get(rule, "max");
    uint64_t counts[4], blocking = 0;
    int crossed[4] = {0, 0, 0, 0};
    char text[400] = "";
    size_t i, used = 0;
    json_t *over = json_object(), *named;

    (void)now;
    (void)f;
    counts[0] = s->critical;
    counts[1] = s->high;
    counts[2] = s->medium;
    counts[3] = s->low;
    for (i = 0; i < 4; i++) {
        const json_t *lim = json_object_get(max, severities[i]);
        unsigned long long n;

        if (!json_is_integer(lim) || counts[i] <= (uint64_t)json_integer_value(lim))
            continue;
        n = (unsigned long long)(counts[i] - (uint64_t)json_integer_value(lim));
        crossed[i] = 1;
        blocking += counts[i];
        json_object_set_new(over, severities[i],
                            json_pack("{s:I, s:O, s:I}", "active", (json_int_t)counts[i], "max",
                                      (json_t *)lim, "to_fix", (json_int_t)n));
        if (used < sizeof(text)) {
            int k = snprintf(text + used, sizeof(text) - used, "%s%llu %s (%llu active, max %lld)",
                             used ? ", " : "", n, severities[i], (unsigned long long)counts[i],
                             (long long)json_integer_value(lim));
            used += k > 0 ? (size_t)k : 0;
        }
    }
    remedy_text(out, "fix or suppress %s", text);
    named = findings_named(s, counts, crossed, out);
    out->data = json_pack("{s:s, s:o, s:o, s:I}", "action", "fix_findings", "over", over,
                          "findings", named, "more",
                          (json_int_t)(blocking - json_array_size(named)));
}

const struct gate gate_security = {
    .type = "security",
    .needs_evidence = 1,
    .params = security_params,
    .check_rule = security_check_rule,
    .collect = gate_collect_report,
    .evaluate = security_evaluate,
    .remedy = security_remedy,
};
