#include "gate.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/utf8.h"

extern const struct gate gate_coverage;
extern const struct gate gate_tests;
extern const struct gate gate_security;
extern const struct gate gate_branch;
extern const struct gate gate_provenance;
extern const struct gate gate_soak;
extern const struct gate gate_dr_test;
extern const struct gate gate_separation_of_duties;
extern const struct gate gate_code_review;
extern const struct gate gate_role_approval;
extern const struct gate gate_status_checks;
extern const struct gate gate_release_notes;
extern const struct gate gate_deploy_window;
extern const struct gate gate_load_test;
extern const struct gate gate_env_config;

const struct gate *const gate_registry[] = {
    &gate_coverage,
    &gate_tests,
    &gate_security,
    &gate_branch,
    &gate_provenance,
    &gate_soak,
    &gate_dr_test,
    &gate_separation_of_duties,
    &gate_code_review,
    &gate_role_approval,
    &gate_status_checks,
    &gate_release_notes,
    &gate_deploy_window,
    &gate_load_test,
    &gate_env_config,
    NULL,
};

const struct gate *
gate_find(const char *type)
{
    size_t i;

    for (i = 0; gate_registry[i]; i++)
        if (strcmp(gate_registry[i]->type, type) == 0)
            return gate_registry[i];
    return NULL;
}

void
evidence_release(struct evidence *ev)
{
    json_decref(ev->data);
    ev->data = NULL;
}

int
gate_collect_report(const struct gate_ctx *ctx, struct evidence *ev, struct err *e)
{
    if (!ctx->evidence_path)
        return err_set(e, EXIT_EVAL, "no evidence file given");
    if (report_load(&ev->report, ctx->evidence_path, e) < 0)
        return -1;
    /* what the decision records for a later replay (docs/audit.md) */
    ev->data = report_to_json(&ev->report);
    return ev->data ? 0 : err_set(e, EXIT_EVAL, "out of memory");
}

double
gate_rule_number(const json_t *rule, const char *key, double dflt)
{
    const json_t *v = json_object_get(rule, key);

    return json_is_number(v) ? json_number_value(v) : dflt;
}

int
gate_rule_bool(const json_t *rule, const char *key, int dflt)
{
    const json_t *v = json_object_get(rule, key);

    return json_is_boolean(v) ? json_is_true(v) : dflt;
}

int
gate_number(double *out, const json_t *v)
{
    const char *s = json_string_value(v);
    char *end = NULL;

    if (json_is_number(v)) {
        *out = json_number_value(v);
        return 0;
    }
    if (!s || !*s)
        return -1;
    *out = strtod(s, &end);
    return end && !*end && *out == *out ? 0 : -1;
}

void
gate_remedy(const struct gate *gate, enum verdict v, const struct evidence *ev,
            const json_t *rule, time_t now, const struct finding *f, struct remedy *out)
{
    memset(out, 0, sizeof(*out));
    if (v == VERDICT_PASS)
        return;
    if (v == VERDICT_ERROR || !ev) {
        out->data = json_pack("{s:s, s:s}", "action", "fix_error", "error", f->summary);
        remedy_text(out, "fix what stops the evaluation: %s", f->summary);
        return;
    }
    if (gate->remedy)
        gate->remedy(ev, rule, now, f, out);
    if (!out->text[0]) {
        out->data = json_pack("{s:s}", "action", "see_finding");
        remedy_text(out, "%s", f->summary);
    }
    if (!out->data)
        out->data = json_object();
}

int
gate_evidence_from(struct evidence *ev, const struct gate *gate, const char *commit,
                   const json_t *data)
{
    memset(ev, 0, sizeof(*ev));
    snprintf(ev->commit, sizeof(ev->commit), "%s", commit);
    if (strcmp(gate->type, "branch") == 0) {
        const char *ref = json_string_value(json_object_get(data, "ref"));
        const char *tip = json_string_value(json_object_get(data, "tip"));

        if (!ref || !tip || !json_is_boolean(json_object_get(data, "reachable")))
            return -1;
        snprintf(ev->branch.ref, sizeof(ev->branch.ref), "%s", ref);
        snprintf(ev->branch.tip, sizeof(ev->branch.tip), "%s", tip);
        ev->branch.reachable = json_is_true(json_object_get(data, "reachable"));
    } else if (gate->needs_evidence && strcmp(gate->type, "load_test") != 0) {
        if (report_from_json(&ev->report, data) < 0)
            return -1;
    }
    ev->data = json_deep_copy(data);
    return ev->data ? 0 : -1;
}
