#include "core/insight/explain.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/base/buf.h"
#include "core/ledger/history.h"

/* T as "Tue 2026-11-10 09:00 SAST" in zone TZ; "" when the zone cannot be used. */
static void
local_time(char *out, size_t outsz, time_t t, const char *tz)
{
    char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
    struct tm tm;

    out[0] = '\0';
    if (setenv("TZ", tz, 1) == 0) {
        tzset();
        if (localtime_r(&t, &tm))
            strftime(out, outsz, "%a %Y-%m-%d %H:%M %Z", &tm);
    }
    if (old)
        setenv("TZ", old, 1);
    else
        unsetenv("TZ");
    tzset();
    free(old);
}

void
explain_localize(struct decision *d, const struct policy *p)
{
    const struct policy_promotion *promo = policy_promotion(p, d->from, d->to);
    const char *tz = NULL;
    char local[80];
    size_t i;

    for (i = 0; promo && i < json_array_size(promo->gates); i++) {
        const json_t *g = json_array_get(promo->gates, i);
        const char *type = json_string_value(json_object_get(g, "type"));

        if (type && strcmp(type, "deploy_window") == 0)
            tz = json_string_value(json_object_get(g, "timezone"));
    }
    for (i = 0; i < d->n_results; i++) {
        json_t *data = d->results[i].remedy.data;
        const char *at = json_string_value(json_object_get(data, "ready_at"));
        time_t t;

        if (!at || !tz || (t = history_parse_time(at)) == (time_t)-1)
            continue;
        local_time(local, sizeof(local), t, tz);
        if (!local[0])
            continue;
        json_object_set_new(data, "ready_at_local", json_string(local));
        json_object_set_new(data, "timezone", json_string(tz));
        if (strlen(d->results[i].remedy.text) + strlen(local) + 8 <
            sizeof(d->results[i].remedy.text)) {
            strcat(d->results[i].remedy.text, " (");
            strcat(d->results[i].remedy.text, local);
            strcat(d->results[i].remedy.text, ")");
        }
    }
}

json_t *
explain_json(const struct decision *d)
{
    json_t *doc = out_decision_json(d), *gates;
    size_t i;

    if (!doc)
        return NULL;
    gates = json_object_get(doc, "gates");
    for (i = 0; i < d->n_results && i < json_array_size(gates); i++) {
        const struct remedy *r = &d->results[i].remedy;
        json_t *rem = json_null();

        if (d->results[i].verdict != VERDICT_PASS) {
            rem = json_object();
            json_object_set_new(rem, "summary", json_string(r->text));
            if (r->data)
                json_object_update_missing(rem, r->data);
        }
        json_object_set_new(json_array_get(gates, i), "remedy", rem);
    }
    json_object_set_new(doc, "waiting_on", json_null());
    if (d->verdict != DECISION_APPROVED) {
        char w[1024];

        explain_waiting(w, sizeof(w), d);
        json_object_set_new(doc, "waiting_on", json_string(w));
    }
    return doc;
}

/* The items a remedy names, one a line under it. */
static void
print_lines(FILE *f, const char *lines)
{
    char one[600], clean[600];
    const char *nl;

    while (lines && *lines) {
        nl = strchr(lines, '\n');
        snprintf(one, sizeof(one), "%.*s", nl ? (int)(nl - lines) : (int)strlen(lines), lines);
        out_sanitize(clean, sizeof(clean), one);
        fprintf(f, "      %s\n", clean);
        lines = nl ? nl + 1 : NULL;
    }
}

void
explain_text(FILE *f, const struct decision *d, const struct out_opts *o)
{
    char clean[600];
    size_t i, n = 0;

    out_decision_text(f, d, o);
    for (i = 0; i < d->n_results; i++)
        if (d->results[i].verdict != VERDICT_PASS)
            n++;
    if (!n) {
        fprintf(f, "nothing is missing: every gate passes\n");
        return;
    }
    fprintf(f, "to pass:\n");
    for (i = 0; i < d->n_results; i++) {
        const struct gate_result *r = &d->results[i];

        if (r->verdict == VERDICT_PASS)
            continue;
        out_sanitize(clean, sizeof(clean), r->remedy.text);
        fprintf(f, "  %s: %s\n", r->name, clean);
        print_lines(f, r->remedy.lines);
    }
}

/* One short item per gate that does not pass. */
static void
waiting_item(struct buf *b, const struct gate_result *r)
{
    const json_t *data = r->remedy.data;
    const char *action = json_string_value(json_object_get(data, "action"));
    const char *role;
    json_t *v;

    if (action && strcmp(action, "approve") == 0) {
        json_object_foreach(json_object_get(data, "roles"), role, v)
            buf_addf(b, "%s%s approval", b->len ? "; " : "", role);
        return;
    }
    if (action && strcmp(action, "wait_window") == 0 &&
        json_is_string(json_object_get(data, "next_window"))) {
        buf_addf(b, "%swindow opens %s", b->len ? "; " : "",
                 json_string_value(json_object_get(data, "next_window")));
        return;
    }
    if (action && strcmp(action, "wait") == 0) {
        buf_addf(b, "%ssoak until %s", b->len ? "; " : "",
                 json_string_value(json_object_get(data, "ready_at_local"))
                     ? json_string_value(json_object_get(data, "ready_at_local"))
                     : json_string_value(json_object_get(data, "ready_at")));
        return;
    }
    if (action && strcmp(action, "unhold") == 0) {
        buf_addf(b, "%sthe hold on the environment", b->len ? "; " : "");
        return;
    }
    if (action && strcmp(action, "review") == 0) {
        buf_addf(b, "%scode review", b->len ? "; " : "");
        return;
    }
    buf_addf(b, "%s%s%s", b->len ? "; " : "", r->name,
             r->verdict == VERDICT_ERROR ? " (error)" : "");
}

void
explain_waiting(char *out, size_t outsz, const struct decision *d)
{
    struct buf b = BUF_INIT;
    size_t i;

    for (i = 0; i < d->n_results; i++)
        if (d->results[i].verdict != VERDICT_PASS)
            waiting_item(&b, &d->results[i]);
    out_sanitize(out, outsz, buf_str(&b));
    buf_release(&b);
}
