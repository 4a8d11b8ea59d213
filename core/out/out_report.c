#include "core/out/out_report.h"

#include <stdlib.h>
#include <string.h>

#include "core/out/out.h"

static const json_t *
get(const json_t *o, const char *a, const char *b)
{
    const json_t *x = json_object_get(o, a);

    return b ? json_object_get(x, b) : x;
}

static const char *
sv(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));

    return s ? s : "-";
}

static long long
iv(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);

    return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

void
out_report_duration(char out[32], long long s)
{
    if (s < 0)
        snprintf(out, 32, "-");
    else if (s >= 86400)
        snprintf(out, 32, "%lldd %lldh", s / 86400, s % 86400 / 3600);
    else if (s >= 3600)
        snprintf(out, 32, "%lldh %lldm", s / 3600, s % 3600 / 60);
    else if (s >= 60)
        snprintf(out, 32, "%lldm %llds", s / 60, s % 60);
    else
        snprintf(out, 32, "%llds", s);
}

/* The change failure rate as shown: "33.3%", "-" without deployments. */
static void
rate_text(char out[32], const json_t *rate)
{
    if (json_is_number(rate))
        snprintf(out, 32, "%.1f%%", json_number_value(rate) * 100.0);
    else
        snprintf(out, 32, "-");
}

static const char *
band_or(const json_t *key)
{
    const char *b = json_string_value(json_object_get(key, "band"));

    return b ? b : "no data";
}

/* The numbers every format shows, formatted once. */
struct figures {
    const json_t *df, *lt, *cfr, *ttr, *weeks;
    char per_day[32], per_week[32], lead_med[32], lead_p90[32], rate[32], ttr_med[32],
        ttr_p90[32];
};

static void
figures_of(struct figures *g, const json_t *doc)
{
    const json_t *d = json_object_get(doc, "dora");

    g->df = json_object_get(d, "deployment_frequency");
    g->lt = json_object_get(d, "lead_time");
    g->cfr = json_object_get(d, "change_failure_rate");
    g->ttr = json_object_get(d, "time_to_restore");
    g->weeks = json_object_get(d, "weeks");
    snprintf(g->per_day, sizeof(g->per_day), "%.2f",
             json_number_value(json_object_get(g->df, "per_day")));
    snprintf(g->per_week, sizeof(g->per_week), "%.2f",
             json_number_value(json_object_get(g->df, "per_week")));
    out_report_duration(g->lead_med, iv(g->lt, "median_seconds"));
    out_report_duration(g->lead_p90, iv(g->lt, "p90_seconds"));
    rate_text(g->rate, json_object_get(g->cfr, "rate"));
    out_report_duration(g->ttr_med, iv(g->ttr, "median_seconds"));
    out_report_duration(g->ttr_p90, iv(g->ttr, "p90_seconds"));
}

/* ------------------------------------------------------------ text */

static const char *const spark[] = {"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83",
                                    "\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
                                    "\xe2\x96\x87", "\xe2\x96\x88"};

/* One sparkline of KEY over the weeks ("." for a week without a value). */
static void
sparkline(FILE *f, const json_t *weeks, const char *key)
{
    double max = 0, v;
    size_t i;

    for (i = 0; i < json_array_size(weeks); i++) {
        const json_t *x = json_object_get(json_array_get(weeks, i), key);

        v = json_is_number(x) ? json_number_value(x) : 0;
        if (v > max)
            max = v;
    }
    for (i = 0; i < json_array_size(weeks); i++) {
        const json_t *x = json_object_get(json_array_get(weeks, i), key);

        if (!json_is_number(x)) {
            fputs(".", f);
            continue;
        }
        v = json_number_value(x);
        fputs(max > 0 ? spark[(int)(v / max * 7.0 + 0.5)] : spark[0], f);
    }
}

static const char *
band_color(const char *b, int color)
{
    if (!color || !b)
        return "";
    if (strcmp(b, "elite") == 0 || strcmp(b, "high") == 0)
        return "\033[32m";
    if (strcmp(b, "medium") == 0)
        return "\033[33m";
    return "\033[31m";
}

static void
text_clean(FILE *f, const char *s)
{
    char clean[600];

    out_sanitize(clean, sizeof(clean), s ? s : "-");
    fputs(clean, f);
}

/* How many change records the report has: CH's count, else the document's. */
static size_t
changes_count(const json_t *doc, const struct out_changes *ch)
{
    return ch ? ch->count : json_array_size(json_object_get(doc, "changes"));
}

/* FN for each change record: made one at a time by CH, else the document's "changes".
 * -1 with E set when a record cannot be made. */
static int
each_change(FILE *f, const json_t *doc, struct out_changes *ch,
            void (*fn)(FILE *f, const json_t *x), struct err *e)
{
    const json_t *x;
    json_t *row;
    size_t i;
    int more;

    if (!ch) {
        json_array_foreach(json_object_get(doc, "changes"), i, x)
            fn(f, x);
        return 0;
    }
    while ((more = ch->next(ch->ctx, &row, e)) > 0) {
        fn(f, row);
        json_decref(row);
    }
    return more;
}

int
out_report_json(FILE *f, const json_t *doc, struct out_changes *ch, struct err *e)
{
    static const char place[] = "\n  \"changes\": []";
    char *text = NULL, *at, *line, *p, *nl;
    json_t *row;
    int more = 0, first = 1, rc = -1;

    if (!ch)
        return out_json(f, doc);
    /* the document as out_json writes it, with the records written one at a time where
     * "changes" holds its (empty) place, indented as they would be inside it */
    text = json_dumps(doc, OUT_JSON_FLAGS);
    if (!text) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    at = strstr(text, place);
    if (!at) {
        err_set(e, EXIT_EVAL, "the report has no \"changes\" to write its records into");
        goto done;
    }
    at += sizeof(place) - 2; /* at the ']': what comes before it is written first */
    fwrite(text, 1, (size_t)(at - text), f);
    while ((more = ch->next(ch->ctx, &row, e)) > 0) {
        line = json_dumps(row, OUT_JSON_FLAGS);
        json_decref(row);
        if (!line) {
            more = err_set(e, EXIT_EVAL, "out of memory");
            break;
        }
        fputs(first ? "\n    " : ",\n    ", f);
        first = 0;
        for (p = line; (nl = strchr(p, '\n')); p = nl + 1) {
            fwrite(p, 1, (size_t)(nl - p), f);
            fputs("\n    ", f);
        }
        fputs(p, f);
        free(line);
    }
    if (more < 0)
        goto done;
    if (!first)
        fputs("\n  ", f);
    fputs(at, f);
    rc = fputc('\n', f) == EOF || ferror(f) ? -1 : 0;
done:
    free(text);
    return rc;
}

/* One change record of the report. */
static void
text_change(FILE *f, const json_t *x)
{
    const json_t *dec = json_object_get(x, "decision"), *y, *sep;
    const char *role;
    size_t j;

    fprintf(f, "  %s seq %lld %s commit %.12s tag %s: %s\n", sv(x, "repository"),
            iv(x, "seq"), sv(x, "time"), sv(x, "commit"), sv(x, "tag"),
            strcmp(sv(x, "outcome"), "failed") == 0 ? "FAILED" : "ok");
    if (json_is_object(dec))
        fprintf(f, "    decision seq %lld %.16s from %s by ", iv(dec, "seq"), sv(dec, "id"),
                sv(dec, "from"));
    else
        fputs("    no approved decision recorded; deployed by ", f);
    text_clean(f, json_string_value(json_object_get(x, "promoter")));
    fputs("\n", f);
    json_array_foreach(json_object_get(x, "gates"), j, y) {
        fprintf(f, "      %-5s %-22s ", sv(y, "status"), sv(y, "name"));
        if (json_is_string(json_object_get(y, "sha256")))
            fprintf(f, "sha256 %.16s", sv(y, "sha256"));
        fputs("\n", f);
    }
    fputs("    approvers:", f);
    json_object_foreach((json_t *)json_object_get(x, "approvers"), role, y) {
        fprintf(f, " %s:", role);
        for (j = 0; j < json_array_size(y); j++) {
            fputs(j ? ", " : " ", f);
            text_clean(f, json_string_value(json_array_get(y, j)));
        }
        fputs(";", f);
    }
    if (!json_object_size(json_object_get(x, "approvers")))
        fputs(" none recorded", f);
    sep = json_object_get(x, "separation_of_duties");
    fprintf(f, "\n    separation of duties: gate %s, promoter %s an approver\n",
            json_is_string(json_object_get(sep, "gate")) ? sv(sep, "gate") : "none",
            json_is_true(json_object_get(sep, "promoter_approved")) ? "IS" : "is not");
    json_array_foreach(json_object_get(x, "rollbacks"), j, y) {
        fprintf(f, "    rolled back at seq %lld %s by ", iv(y, "seq"), sv(y, "time"));
        text_clean(f, json_string_value(json_object_get(y, "actor")));
        fputs(": ", f);
        text_clean(f, json_string_value(json_object_get(y, "reason")));
        fputs("\n", f);
    }
}

int
out_report_text(FILE *f, const json_t *doc, struct out_changes *ch, int color, struct err *e)
{
    struct figures g;
    const json_t *repos = json_object_get(doc, "repositories"), *x;
    const char *reset = color ? "\033[0m" : "";
    size_t i, j;

    figures_of(&g, doc);
    fprintf(f, "promote report: %s, %s to %s (%.0f days)\n", sv(doc, "env"),
            sv(get(doc, "window", NULL), "since"), sv(get(doc, "window", NULL), "until"),
            json_number_value(get(doc, "window", "days")));
    json_array_foreach(repos, i, x) {
        fprintf(f, "audit log of %s: %lld entries, root %s\n  verify: %s\n", sv(x, "name"),
                iv(json_object_get(x, "checkpoint"), "size"),
                sv(json_object_get(x, "checkpoint"), "root"),
                sv(json_object_get(x, "checkpoint"), "verify"));
    }
    fprintf(f, "\nDORA's four keys (bands: %s)\n", sv(json_object_get(doc, "dora"), "source"));
    fprintf(f, "  %-22s %lld deployment(s): %s/day, %s/week  %s%s%s\n", "deployment frequency",
            iv(g.df, "deployments"), g.per_day, g.per_week, band_color(json_string_value(json_object_get(g.df, "band")), color),
            band_or(g.df), reset);
    fprintf(f, "  %-22s median %s, p90 %s (%lld commit(s))  %s%s%s\n", "lead time for changes",
            g.lead_med, g.lead_p90, iv(g.lt, "commits"),
            band_color(json_string_value(json_object_get(g.lt, "band")), color), band_or(g.lt),
            reset);
    fprintf(f, "  %-22s %s (%lld of %lld deployment(s))  %s%s%s\n", "change failure rate",
            g.rate, iv(g.cfr, "failed"), iv(g.cfr, "deployments"),
            band_color(json_string_value(json_object_get(g.cfr, "band")), color), band_or(g.cfr),
            reset);
    fprintf(f, "  %-22s median %s, p90 %s (%lld restore(s), %lld open)  %s%s%s\n",
            "time to restore", g.ttr_med, g.ttr_p90, iv(g.ttr, "restores"), iv(g.ttr, "open"),
            band_color(json_string_value(json_object_get(g.ttr, "band")), color), band_or(g.ttr),
            reset);
    if (json_array_size(g.weeks)) {
        fprintf(f, "\nper week from %s (%zu week(s))\n",
                sv(json_array_get(g.weeks, 0), "start"), json_array_size(g.weeks));
        fputs("  deployments     ", f);
        sparkline(f, g.weeks, "deployments");
        fputs("\n  failure rate    ", f);
        sparkline(f, g.weeks, "change_failure_rate");
        fputs("\n  lead time       ", f);
        sparkline(f, g.weeks, "lead_time_median_seconds");
        fputs("\n  time to restore ", f);
        sparkline(f, g.weeks, "time_to_restore_median_seconds");
        fputs("\n", f);
    }
    fputs("\nFlow and gates\n", f);
    json_array_foreach(get(doc, "flow", "promotions"), i, x) {
        const json_t *ai = json_object_get(x, "approval_interval"), *b;
        char m[32], p[32];

        out_report_duration(m, iv(ai, "median_seconds"));
        out_report_duration(p, iv(ai, "p90_seconds"));
        fprintf(f, "  %s -> %s: %lld decision(s), %lld approved, %lld rejected, %lld error; "
                   "approval into %s to approval into %s: median %s, p90 %s (%lld)\n",
                sv(x, "from"), sv(x, "to"), iv(x, "decisions"), iv(x, "approved"),
                iv(x, "rejected"), iv(x, "error"), sv(x, "from"), sv(x, "to"), m, p,
                iv(ai, "count"));
        if (json_array_size(json_object_get(x, "blocking"))) {
            fputs("    blocked most by:", f);
            json_array_foreach(json_object_get(x, "blocking"), j, b)
                fprintf(f, "%s %s (%lld)", j ? "," : "", sv(b, "name"), iv(b, "blocked"));
            fputs("\n", f);
        }
    }
    if (!json_array_size(get(doc, "flow", "promotions")))
        fputs("  no decision in the window\n", f);
    fputs("\nHolds and freezes\n", f);
    json_array_foreach(json_object_get(doc, "holds"), i, x) {
        char d[32];

        out_report_duration(d, iv(x, "duration_seconds"));
        fprintf(f, "  seq %lld %s %s to %s (%s%s) by ", iv(x, "seq"), sv(x, "kind"),
                sv(x, "start"), json_is_string(json_object_get(x, "end")) ? sv(x, "end") : "now",
                d, json_is_string(json_object_get(x, "end")) ? "" : ", in force");
        text_clean(f, json_string_value(json_object_get(x, "actor")));
        fputs(": ", f);
        text_clean(f, json_string_value(json_object_get(x, "reason")));
        fputs("\n", f);
    }
    if (!json_array_size(json_object_get(doc, "holds")))
        fputs("  none\n", f);
    fprintf(f, "\nChanges into %s\n", sv(doc, "env"));
    if (each_change(f, doc, ch, text_change, e) < 0)
        return -1;
    if (!changes_count(doc, ch))
        fputs("  none in the window\n", f);
    fputs("\nPCI DSS v4.0 requirement 6.5\n", f);
    json_array_foreach(json_object_get(doc, "pci_dss"), i, x) {
        const json_t *ev;

        fprintf(f, "  %s %s\n", sv(x, "requirement"), sv(x, "control"));
        json_array_foreach(json_object_get(x, "evidence"), j, ev) {
            const json_t *y;
            size_t k;

            fprintf(f, "    %s:", sv(ev, "repository"));
            json_array_foreach(json_object_get(ev, "gates"), k, y)
                fprintf(f, "%s %s (%s)", k ? "," : "", sv(y, "name"), sv(y, "type"));
            fprintf(f, "%s; %lld of %lld change(s) passed one\n",
                    json_array_size(json_object_get(ev, "gates")) ? "" : " no gate",
                    iv(ev, "changes_with_passing_gate"), iv(ev, "changes"));
            json_array_foreach(json_object_get(ev, "notes"), k, y)
                fprintf(f, "      %s\n", json_string_value(y));
            json_array_foreach(json_object_get(ev, "gaps"), k, y)
                fprintf(f, "      GAP: %s\n", json_string_value(y));
        }
    }
    return ferror(f) ? -1 : 0;
}

/* ------------------------------------------------------------ markdown */

static void
md(FILE *f, const char *s)
{
    out_markdown(f, s ? s : "-");
}

/* One change record of the report. */
static void
md_change(FILE *f, const json_t *x)
{
    const json_t *dec = json_object_get(x, "decision"), *y;
    const char *role;
    size_t j;

    fputs("| ", f);
    md(f, sv(x, "repository"));
    fprintf(f, " | %lld | %s | `%.12s` | ", iv(x, "seq"), sv(x, "time"), sv(x, "commit"));
    md(f, sv(x, "tag"));
    if (json_is_object(dec))
        fprintf(f, " | seq %lld `%.12s` | ", iv(dec, "seq"), sv(dec, "id"));
    else
        fputs(" | none | ", f);
    md(f, sv(x, "promoter"));
    fputs(" | ", f);
    json_object_foreach((json_t *)json_object_get(x, "approvers"), role, y) {
        md(f, role);
        fputs(":", f);
        for (j = 0; j < json_array_size(y); j++) {
            fputs(" ", f);
            md(f, json_string_value(json_array_get(y, j)));
        }
        fputs("; ", f);
    }
    fputs(" | ", f);
    json_array_foreach(json_object_get(x, "gates"), j, y) {
        fputs(j ? ", " : "", f);
        md(f, sv(y, "name"));
        fprintf(f, " %s", sv(y, "status"));
    }
    fprintf(f, " | %s%s |\n", sv(x, "outcome"),
            json_array_size(json_object_get(x, "rollbacks")) ? ", rolled back" : "");
}

int
out_report_markdown(FILE *f, const json_t *doc, struct out_changes *ch, struct err *e)
{
    struct figures g;
    const json_t *x;
    size_t i, j;

    figures_of(&g, doc);
    fprintf(f, "# Delivery report: %s\n\n", sv(doc, "env"));
    fprintf(f, "Window: %s to %s (%.0f days).\n\n", sv(get(doc, "window", NULL), "since"),
            sv(get(doc, "window", NULL), "until"), json_number_value(get(doc, "window", "days")));
    fputs("| repository | entries | root | verify |\n|---|---|---|---|\n", f);
    json_array_foreach(json_object_get(doc, "repositories"), i, x) {
        const json_t *c = json_object_get(x, "checkpoint");

        fputs("| ", f);
        md(f, sv(x, "name"));
        fprintf(f, " | %lld | `%s` | `%s` |\n", iv(c, "size"), sv(c, "root"), sv(c, "verify"));
    }
    fprintf(f, "\n## DORA's four keys\n\nBands: %s; see docs/report.md.\n\n",
            sv(json_object_get(doc, "dora"), "source"));
    fputs("| key | value | band |\n|---|---|---|\n", f);
    fprintf(f, "| deployment frequency | %lld deployments: %s per day, %s per week | %s |\n",
            iv(g.df, "deployments"), g.per_day, g.per_week, band_or(g.df));
    fprintf(f, "| lead time for changes | median %s, p90 %s (%lld commits) | %s |\n", g.lead_med,
            g.lead_p90, iv(g.lt, "commits"), band_or(g.lt));
    fprintf(f, "| change failure rate | %s (%lld of %lld) | %s |\n", g.rate, iv(g.cfr, "failed"),
            iv(g.cfr, "deployments"), band_or(g.cfr));
    fprintf(f, "| time to restore | median %s, p90 %s (%lld restores, %lld open) | %s |\n",
            g.ttr_med, g.ttr_p90, iv(g.ttr, "restores"), iv(g.ttr, "open"), band_or(g.ttr));
    fputs("\n### Per week\n\n| week of | deployments | failed | lead time (median) | restore "
          "(median) |\n|---|---|---|---|---|\n",
          f);
    json_array_foreach(g.weeks, i, x) {
        char a[32], b[32];

        out_report_duration(a, iv(x, "lead_time_median_seconds"));
        out_report_duration(b, iv(x, "time_to_restore_median_seconds"));
        fprintf(f, "| %.10s | %lld | %lld | %s | %s |\n", sv(x, "start"), iv(x, "deployments"),
                iv(x, "failed"), a, b);
    }
    fputs("\n## Flow and gates\n\n| promotion | decisions | approved | rejected | error | "
          "approval to approval (median) | blocked most by |\n|---|---|---|---|---|---|---|\n",
          f);
    json_array_foreach(get(doc, "flow", "promotions"), i, x) {
        const json_t *b;
        char m[32];

        out_report_duration(m, iv(json_object_get(x, "approval_interval"), "median_seconds"));
        fprintf(f, "| %s -> %s | %lld | %lld | %lld | %lld | %s | ", sv(x, "from"), sv(x, "to"),
                iv(x, "decisions"), iv(x, "approved"), iv(x, "rejected"), iv(x, "error"), m);
        json_array_foreach(json_object_get(x, "blocking"), j, b) {
            fputs(j ? ", " : "", f);
            md(f, sv(b, "name"));
            fprintf(f, " (%lld)", iv(b, "blocked"));
        }
        fputs(" |\n", f);
    }
    fputs("\n### Holds and freezes\n\n| seq | kind | from | to | duration | by | reason |\n"
          "|---|---|---|---|---|---|---|\n",
          f);
    json_array_foreach(json_object_get(doc, "holds"), i, x) {
        char d[32];

        out_report_duration(d, iv(x, "duration_seconds"));
        fprintf(f, "| %lld | %s | %s | %s | %s | ", iv(x, "seq"), sv(x, "kind"), sv(x, "start"),
                json_is_string(json_object_get(x, "end")) ? sv(x, "end") : "in force", d);
        md(f, sv(x, "actor"));
        fputs(" | ", f);
        md(f, sv(x, "reason"));
        fputs(" |\n", f);
    }
    fprintf(f, "\n## Changes into %s\n\n| repository | seq | deployed | commit | tag | decision "
               "| promoter | approvers | gates | outcome |\n|---|---|---|---|---|---|---|---|---|---|\n",
            sv(doc, "env"));
    if (each_change(f, doc, ch, md_change, e) < 0)
        return -1;
    fputs("\n## PCI DSS v4.0 requirement 6.5\n\n| requirement | control | repository | "
          "evidenced by | changes with a passing gate | gaps |\n|---|---|---|---|---|---|\n",
          f);
    json_array_foreach(json_object_get(doc, "pci_dss"), i, x) {
        const json_t *ev;

        json_array_foreach(json_object_get(x, "evidence"), j, ev) {
            const json_t *y;
            size_t k;

            fprintf(f, "| %s | %s | ", sv(x, "requirement"), sv(x, "control"));
            md(f, sv(ev, "repository"));
            fputs(" | ", f);
            json_array_foreach(json_object_get(ev, "gates"), k, y) {
                fputs(k ? ", " : "", f);
                md(f, sv(y, "name"));
                fprintf(f, " (%s)", sv(y, "type"));
            }
            json_array_foreach(json_object_get(ev, "notes"), k, y) {
                fputs("; ", f);
                md(f, json_string_value(y));
            }
            fprintf(f, " | %lld of %lld | ", iv(ev, "changes_with_passing_gate"),
                    iv(ev, "changes"));
            json_array_foreach(json_object_get(ev, "gaps"), k, y) {
                fputs(k ? "; " : "", f);
                md(f, json_string_value(y));
            }
            fputs(" |\n", f);
        }
    }
    return ferror(f) ? -1 : 0;
}

/* ------------------------------------------------------------ html */

static void
h(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, f);
        }
    }
}

static void
hs(FILE *f, const json_t *o, const char *k)
{
    h(f, sv(o, k));
}

/* A bar chart of KEY per week: one <rect class="bar"> per week (height 0 when none). */
static void
svg_weeks(FILE *f, const char *id, const char *title, const json_t *weeks, const char *key,
          int pct)
{
    size_t i, n = json_array_size(weeks);
    double max = 0, v, bw = n ? 560.0 / (double)n : 560.0;

    for (i = 0; i < n; i++) {
        v = json_number_value(json_object_get(json_array_get(weeks, i), key));
        if (v > max)
            max = v;
    }
    if (pct && max < 1.0)
        max = 1.0;
    fprintf(f, "<figure><figcaption>%s</figcaption>\n<svg id=\"%s\" class=\"chart\" "
               "viewBox=\"0 0 600 180\" role=\"img\" "
               "aria-label=\"%s\">\n<line x1=\"30\" y1=\"150\" x2=\"590\" y2=\"150\" "
               "class=\"axis\"/>\n",
            title, id, title);
    for (i = 0; i < n; i++) {
        const json_t *wk = json_array_get(weeks, i), *x = json_object_get(wk, key);
        double hgt;

        v = json_is_number(x) ? json_number_value(x) : 0;
        hgt = max > 0 ? v / max * 130.0 : 0;
        fprintf(f, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
                   "<title>week of %.10s: ",
                30 + (double)i * bw + 1, 150 - hgt, bw > 3 ? bw - 2 : bw, hgt, sv(wk, "start"));
        if (!json_is_number(x))
            fputs("none", f);
        else if (pct)
            fprintf(f, "%.1f%%", v * 100.0);
        else if (json_is_integer(x) && strstr(key, "seconds")) {
            char d[32];

            out_report_duration(d, (long long)v);
            fputs(d, f);
        } else
            fprintf(f, "%.0f", v);
        fputs("</title></rect>\n", f);
    }
    fprintf(f, "<text x=\"30\" y=\"170\" class=\"lbl\">%.10s</text>", n ? sv(json_array_get(weeks, 0), "start") : "");
    fputs("</svg></figure>\n", f);
}

/* The lead-time distribution: one bar per bucket. */
static void
svg_buckets(FILE *f, const json_t *buckets)
{
    size_t i, n = json_array_size(buckets);
    double max = 0, v, bw = n ? 560.0 / (double)n : 560.0;

    for (i = 0; i < n; i++) {
        v = (double)iv(json_array_get(buckets, i), "commits");
        if (v > max)
            max = v;
    }
    fputs("<figure><figcaption>Lead time for changes: commits by time to production"
          "</figcaption>\n<svg id=\"chart-lead\" class=\"chart\" "
          "viewBox=\"0 0 600 200\" role=\"img\" "
          "aria-label=\"lead time distribution\">\n<line x1=\"30\" y1=\"150\" x2=\"590\" "
          "y2=\"150\" class=\"axis\"/>\n",
          f);
    for (i = 0; i < n; i++) {
        const json_t *b = json_array_get(buckets, i);
        double hgt;

        v = (double)iv(b, "commits");
        hgt = max > 0 ? v / max * 130.0 : 0;
        fprintf(f, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
                   "<title>%s: %.0f</title></rect>\n<text x=\"%.1f\" y=\"170\" class=\"lbl\">",
                30 + (double)i * bw + 4, 150 - hgt, bw - 8, hgt, sv(b, "label"), v,
                30 + (double)i * bw + 4);
        hs(f, b, "label");
        fprintf(f, "</text><text x=\"%.1f\" y=\"%.1f\" class=\"lbl\">%.0f</text>\n",
                30 + (double)i * bw + 4, 146 - hgt, v);
    }
    fputs("</svg></figure>\n", f);
}

static const char *const html_head =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
    "style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<style>\n"
    "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:72em;color:#1b1f24;"
    "padding:0 1em}\nh1,h2{font-weight:600}h2{border-bottom:1px solid #d0d7de;margin-top:2em}\n"
    "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #d0d7de;"
    "padding:.3em .6em;text-align:left;vertical-align:top}th{background:#f6f8fa}\n"
    ".keys{display:flex;flex-wrap:wrap;gap:1em}.key{border:1px solid #d0d7de;border-radius:6px;"
    "padding:.8em 1em;min-width:14em}.key .v{font-size:1.8em;font-weight:600}\n"
    ".band{font-weight:600;text-transform:uppercase;font-size:.8em}.elite,.high{color:#1a7f37}"
    ".medium{color:#9a6700}.low{color:#cf222e}\n"
    "figure{margin:1em 0}.chart{width:100%;max-width:600px;height:auto}.bar{fill:#0969da}"
    ".axis{stroke:#57606a}.lbl{font-size:10px;fill:#57606a}\n"
    ".pass{color:#1a7f37}.fail,.error{color:#cf222e}code{font-size:.9em}\n"
    ".gap{color:#cf222e}\n</style>\n";

static void
key_card(FILE *f, const char *title, const char *id, const char *value, const char *detail,
         const json_t *key)
{
    const char *b = json_string_value(json_object_get(key, "band"));

    fprintf(f, "<div class=\"key\"><div>%s</div><div class=\"v\" id=\"%s\">", title, id);
    h(f, value);
    fputs("</div><div>", f);
    h(f, detail);
    fprintf(f, "</div><div class=\"band %s\" id=\"%s-band\">%s</div></div>\n", b ? b : "none", id,
            b ? b : "no data");
}

/* One change record of the report. */
static void
html_change(FILE *f, const json_t *x)
{
    const json_t *dec = json_object_get(x, "decision"),
                 *sep = json_object_get(x, "separation_of_duties"), *y;
    const char *role;
    size_t j, k;

    fputs("<tr class=\"change\"><td>", f);
    hs(f, x, "repository");
    fprintf(f, "</td><td>%lld</td><td>", iv(x, "seq"));
    hs(f, x, "time");
    fputs("</td><td><code>", f);
    hs(f, x, "commit");
    fputs("</code></td><td>", f);
    hs(f, x, "tag");
    fputs("</td><td>", f);
    if (json_is_object(dec)) {
        fprintf(f, "seq %lld<br><code>", iv(dec, "seq"));
        hs(f, dec, "id");
        fputs("</code>", f);
    } else {
        fputs("none", f);
    }
    fputs("</td><td>", f);
    hs(f, x, "promoter");
    fputs("</td><td>", f);
    json_object_foreach((json_t *)json_object_get(x, "approvers"), role, y) {
        h(f, role);
        fputs(":", f);
        for (k = 0; k < json_array_size(y); k++) {
            fputs(" ", f);
            h(f, json_string_value(json_array_get(y, k)));
        }
        fputs("<br>", f);
    }
    fputs("</td><td>", f);
    json_array_foreach(json_object_get(x, "gates"), j, y) {
        fprintf(f, "%s<span class=\"%s\">", j ? "<br>" : "", sv(y, "status"));
        hs(f, y, "status");
        fputs("</span> ", f);
        hs(f, y, "name");
        if (json_is_string(json_object_get(y, "sha256"))) {
            fputs(" <code>", f);
            hs(f, y, "sha256");
            fputs("</code>", f);
        }
    }
    fputs("</td><td>gate: ", f);
    h(f, json_is_string(json_object_get(sep, "gate")) ? sv(sep, "gate") : "none");
    fprintf(f, "; promoter %s an approver</td><td>",
            json_is_true(json_object_get(sep, "promoter_approved")) ? "is" : "is not");
    hs(f, x, "outcome");
    json_array_foreach(json_object_get(x, "rollbacks"), j, y) {
        fprintf(f, "<br>rolled back at seq %lld by ", iv(y, "seq"));
        hs(f, y, "actor");
        fputs(": ", f);
        hs(f, y, "reason");
    }
    fputs("</td></tr>\n", f);
}

int
out_report_html(FILE *f, const json_t *doc, struct out_changes *ch, struct err *e)
{
    struct figures g;
    const json_t *x, *y;
    char detail[200], num[32];
    size_t i, j, k;

    figures_of(&g, doc);
    fputs(html_head, f);
    fputs("<title>promote report: ", f);
    hs(f, doc, "env");
    fputs("</title>\n</head>\n<body>\n<h1>Delivery report: ", f);
    hs(f, doc, "env");
    fputs("</h1>\n<p>Window: <span id=\"since\">", f);
    hs(f, json_object_get(doc, "window"), "since");
    fputs("</span> to <span id=\"until\">", f);
    hs(f, json_object_get(doc, "window"), "until");
    fputs("</span>. Computed from the signed audit log, verified before it was read:</p>\n"
          "<table><tr><th>repository</th><th>entries</th><th>root</th><th>verify</th></tr>\n",
          f);
    json_array_foreach(json_object_get(doc, "repositories"), i, x) {
        const json_t *c = json_object_get(x, "checkpoint");

        fputs("<tr><td>", f);
        hs(f, x, "name");
        fprintf(f, "</td><td class=\"checkpoint-size\">%lld</td><td><code class=\"checkpoint-root\">",
                iv(c, "size"));
        hs(f, c, "root");
        fputs("</code></td><td><code class=\"verify\">", f);
        hs(f, c, "verify");
        fputs("</code></td></tr>\n", f);
    }
    fputs("</table>\n<h2>DORA's four keys</h2>\n<p>Bands: ", f);
    hs(f, json_object_get(doc, "dora"), "source");
    fputs(".</p>\n<div class=\"keys\">\n", f);
    snprintf(num, sizeof(num), "%lld", iv(g.df, "deployments"));
    snprintf(detail, sizeof(detail), "deployments: %s per day, %s per week", g.per_day,
             g.per_week);
    key_card(f, "Deployment frequency", "deployments", num, detail, g.df);
    snprintf(detail, sizeof(detail), "median; p90 %s over %lld commits", g.lead_p90,
             iv(g.lt, "commits"));
    key_card(f, "Lead time for changes", "lead-median", g.lead_med, detail, g.lt);
    snprintf(detail, sizeof(detail), "%lld of %lld deployments", iv(g.cfr, "failed"),
             iv(g.cfr, "deployments"));
    key_card(f, "Change failure rate", "cfr", g.rate, detail, g.cfr);
    snprintf(detail, sizeof(detail), "median; p90 %s over %lld restores, %lld open", g.ttr_p90,
             iv(g.ttr, "restores"), iv(g.ttr, "open"));
    key_card(f, "Time to restore", "restore-median", g.ttr_med, detail, g.ttr);
    fputs("</div>\n", f);
    svg_weeks(f, "chart-deployments", "Deployments per week", g.weeks, "deployments", 0);
    svg_buckets(f, json_object_get(g.lt, "distribution"));
    svg_weeks(f, "chart-failure-rate", "Change failure rate per week", g.weeks,
              "change_failure_rate", 1);
    svg_weeks(f, "chart-restore", "Time to restore per week (median)", g.weeks,
              "time_to_restore_median_seconds", 0);
    fputs("<h2>Flow and gates</h2>\n<table><tr><th>promotion</th><th>decisions</th>"
          "<th>approved</th><th>rejected</th><th>error</th><th>approval to approval (median)</th>"
          "<th>gates: failed / errored of evaluated</th></tr>\n",
          f);
    json_array_foreach(get(doc, "flow", "promotions"), i, x) {
        char m[32];

        out_report_duration(m, iv(json_object_get(x, "approval_interval"), "median_seconds"));
        fputs("<tr><td>", f);
        hs(f, x, "from");
        fputs(" &rarr; ", f);
        hs(f, x, "to");
        fprintf(f, "</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%s</td><td>",
                iv(x, "decisions"), iv(x, "approved"), iv(x, "rejected"), iv(x, "error"), m);
        json_array_foreach(json_object_get(x, "gates"), j, y) {
            fputs(j ? "<br>" : "", f);
            hs(f, y, "name");
            fprintf(f, ": %lld / %lld of %lld", iv(y, "failed"), iv(y, "errored"),
                    iv(y, "evaluated"));
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n<h3>Holds and freezes</h3>\n<table><tr><th>seq</th><th>kind</th>"
          "<th>from</th><th>to</th><th>duration</th><th>by</th><th>reason</th></tr>\n",
          f);
    json_array_foreach(json_object_get(doc, "holds"), i, x) {
        char d[32];

        out_report_duration(d, iv(x, "duration_seconds"));
        fprintf(f, "<tr><td>%lld</td><td>", iv(x, "seq"));
        hs(f, x, "kind");
        fputs("</td><td>", f);
        hs(f, x, "start");
        fputs("</td><td>", f);
        if (json_is_string(json_object_get(x, "end")))
            hs(f, x, "end");
        else
            fputs("in force", f);
        fprintf(f, "</td><td>%s</td><td>", d);
        hs(f, x, "actor");
        fputs("</td><td>", f);
        hs(f, x, "reason");
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n<h2>Changes into ", f);
    hs(f, doc, "env");
    fputs("</h2>\n<table id=\"changes\"><tr><th>repository</th><th>seq</th><th>deployed</th>"
          "<th>commit</th><th>tag</th><th>decision</th><th>promoter</th><th>approvers</th>"
          "<th>gates (evidence SHA-256)</th><th>separation of duties</th><th>outcome</th></tr>\n",
          f);
    if (each_change(f, doc, ch, html_change, e) < 0)
        return -1;
    fputs("</table>\n<h2>PCI DSS v4.0 requirement 6.5</h2>\n<table><tr><th>requirement</th>"
          "<th>control</th><th>repository</th><th>evidenced by</th><th>changes with a passing "
          "gate</th><th>gaps</th></tr>\n",
          f);
    json_array_foreach(json_object_get(doc, "pci_dss"), i, x) {
        const json_t *ev;

        json_array_foreach(json_object_get(x, "evidence"), j, ev) {
            fputs("<tr><td>", f);
            hs(f, x, "requirement");
            fputs("</td><td>", f);
            hs(f, x, "control");
            fputs("</td><td>", f);
            hs(f, ev, "repository");
            fputs("</td><td>", f);
            json_array_foreach(json_object_get(ev, "gates"), k, y) {
                fputs(k ? ", " : "", f);
                hs(f, y, "name");
                fputs(" (", f);
                hs(f, y, "type");
                fputs(")", f);
            }
            json_array_foreach(json_object_get(ev, "notes"), k, y) {
                fputs("<br>", f);
                h(f, json_string_value(y));
            }
            fprintf(f, "</td><td>%lld of %lld</td><td class=\"gap\">",
                    iv(ev, "changes_with_passing_gate"), iv(ev, "changes"));
            json_array_foreach(json_object_get(ev, "gaps"), k, y) {
                fputs(k ? "<br>" : "", f);
                h(f, json_string_value(y));
            }
            fputs("</td></tr>\n", f);
        }
    }
    fputs("</table>\n</body>\n</html>\n", f);
    return ferror(f) ? -1 : 0;
}
