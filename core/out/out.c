#include "core/out/out.h"

#include <string.h>

void
out_hex(char *out, const unsigned char *bytes, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < n; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * n] = '\0';
}

void
out_sanitize(char *out, size_t outsz, const char *s)
{
    size_t i = 0;

    if (!outsz)
        return;
    for (; s && *s && i + 1 < outsz; s++)
        out[i++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
    out[i] = '\0';
}

/* Markdown text: characters that would start markup or HTML are escaped, line
 * breaks become spaces. */
void
out_markdown(FILE *f, const char *s)
{
    if (s && *s && strchr("#>-+=", *s)) /* would start a heading, quote or list */
        fputc('\\', f);
    for (; s && *s; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '\\':
        case '`':
        case '*':
        case '_':
        case '|':
        case '[':
        case ']':
            fputc('\\', f);
            fputc(*s, f);
            break;
        default:
            fputc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, f);
        }
    }
}

int
out_json(FILE *f, const json_t *doc)
{
    if (json_dumpf(doc, f, OUT_JSON_FLAGS) < 0)
        return -1;
    return fputc('\n', f) == EOF ? -1 : 0;
}

json_t *
out_decision_json(const struct decision *d)
{
    json_t *doc, *gates, *g, *evidence;
    char hex[65];
    size_t i;

    gates = json_array();
    for (i = 0; i < d->n_results; i++) {
        const struct gate_result *r = &d->results[i];

        evidence = json_null();
        if (r->evidence_path) {
            if (r->has_sha256)
                out_hex(hex, r->sha256, 32);
            evidence = json_pack("{s:s, s:s?}", "path", r->evidence_path, "sha256",
                                 r->has_sha256 ? hex : NULL);
        }
        g = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "name", r->name, "type", r->type,
                      "status", decision_status_name(r->verdict), "summary", r->finding.summary,
                      "details", r->finding.details ? json_incref(r->finding.details) : json_object(),
                      "evidence", evidence);
        json_array_append_new(gates, g);
    }
    doc = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:b}, s:s?}", "schema_version",
                    OUT_SCHEMA_VERSION, "verdict", decision_verdict_name(d->verdict), "from",
                    d->from, "to", d->to, "commit", d->commit, "policy_sha256", d->policy_sha256,
                    "policy", "source", d->policy_source, "local_override", d->policy_local,
                    "actor", d->actor[0] ? d->actor : NULL);
    if (!doc) {
        json_decref(gates);
        return NULL;
    }
    if (!d->actor[0])
        json_object_set_new(doc, "actor", json_null());
    if (d->github_used)
        json_object_set_new(doc, "github",
                            json_pack("{s:s, s:i, s:I, s:s?}", "repository", d->github_repo,
                                      "rounds", d->github_rounds, "requests",
                                      (json_int_t)d->github_requests, "actor_error",
                                      d->actor[0] ? NULL : d->actor_error));
    json_object_set_new(doc, "gates", gates);
    return doc;
}

static const char *
status_label(enum verdict v, int color, const char **on, const char **off)
{
    *on = *off = "";
    if (color) {
        *on = v == VERDICT_PASS ? "\033[32m" : v == VERDICT_FAIL ? "\033[31m" : "\033[35m";
        *off = "\033[0m";
    }
    return v == VERDICT_PASS ? "PASS " : v == VERDICT_FAIL ? "FAIL " : "ERROR";
}

void
out_decision_text(FILE *f, const struct decision *d, const struct out_opts *o)
{
    const char *on, *off, *label;
    char clean[512];
    size_t i, width = 4;

    fprintf(f, "promote %s -> %s: commit %s\n", d->from, d->to, d->commit);
    out_sanitize(clean, sizeof(clean), d->policy_source);
    fprintf(f, "policy %s (sha256 %.12s)%s\n", clean, d->policy_sha256,
            d->policy_local ? " [local file given with --policy, not the policy ref]" : "");
    if (d->github_used) {
        out_sanitize(clean, sizeof(clean), d->actor[0] ? d->actor : d->actor_error);
        fprintf(f, "github %s: %d round(s), %ld request(s); actor %s%s\n", d->github_repo,
                d->github_rounds, d->github_requests, d->actor[0] ? "" : "unknown: ", clean);
    }
    for (i = 0; i < d->n_results; i++)
        if (strlen(d->results[i].name) > width)
            width = strlen(d->results[i].name);
    for (i = 0; i < d->n_results; i++) {
        const struct gate_result *r = &d->results[i];

        label = status_label(r->verdict, o->color, &on, &off);
        out_sanitize(clean, sizeof(clean), r->finding.summary);
        fprintf(f, "  %s%s%s  %-*s  %s\n", on, label, off, (int)width, r->name, clean);
    }
    on = off = "";
    if (o->color) {
        on = d->verdict == DECISION_APPROVED   ? "\033[1;32m"
             : d->verdict == DECISION_REJECTED ? "\033[1;31m"
                                               : "\033[1;35m";
        off = "\033[0m";
    }
    fprintf(f, "verdict: %s%s%s\n", on, decision_verdict_name(d->verdict), off);
}

json_t *
out_inspect_json(const char *path, const struct report *r)
{
    char hex[65];

    out_hex(hex, r->sha256, 32);
    return json_pack("{s:s, s:s, s:s, s:o, s:s, s:I}", "file", path, "kind",
                     report_kind_name(r->kind), "format", report_format_name(r->format), "details",
                     report_details(r), "sha256", hex, "bytes", (json_int_t)r->bytes);
}

void
out_inspect_text(FILE *f, const char *path, const struct report *r)
{
    const struct coverage_summary *c = &r->u.coverage;
    const struct tests_summary *t = &r->u.tests;
    const struct security_summary *s = &r->u.security;
    char clean[512], hex[65];

    out_sanitize(clean, sizeof(clean), path);
    out_hex(hex, r->sha256, 32);
    fprintf(f, "%s: %s report (%s), %llu bytes, sha256 %s\n", clean, report_kind_name(r->kind),
            report_format_name(r->format), (unsigned long long)r->bytes, hex);
    switch (r->kind) {
    case REPORT_KIND_COVERAGE:
        fprintf(f, "  line coverage %.2f%%: %llu of %llu lines covered\n", c->percent,
                (unsigned long long)c->lines_covered, (unsigned long long)c->lines_total);
        break;
    case REPORT_KIND_TESTS:
        fprintf(f, "  %llu tests: %llu passed, %llu failed, %llu errors, %llu skipped, %llu disabled\n",
                (unsigned long long)t->total, (unsigned long long)t->passed,
                (unsigned long long)t->failed, (unsigned long long)t->errors,
                (unsigned long long)t->skipped, (unsigned long long)t->disabled);
        break;
    case REPORT_KIND_SECURITY:
        fprintf(f, "  active findings: %llu critical, %llu high, %llu medium, %llu low\n",
                (unsigned long long)s->critical, (unsigned long long)s->high,
                (unsigned long long)s->medium, (unsigned long long)s->low);
        fprintf(f, "  %llu active, %llu suppressed, %llu absent (baseline) of %llu results in "
                   "%llu runs\n",
                (unsigned long long)s->active, (unsigned long long)s->suppressed,
                (unsigned long long)s->absent, (unsigned long long)s->results,
                (unsigned long long)s->runs);
        if (s->tool_errors)
            fprintf(f, "  %llu tool error(s), the first: %s\n", (unsigned long long)s->tool_errors,
                    s->tool_error);
        break;
    default:
        break;
    }
}

json_t *
out_wait_json(int waited, enum deploy_outcome o, const char *state,
              const struct record_result *wr, const struct err *we)
{
    if (waited == 0)
        return json_null();
    if (waited < 0)
        return json_pack("{s:s, s:s?, s:n, s:s}", "result", "error", "observed",
                         state && *state ? state : NULL, "seq", "error", we->msg);
    return json_pack("{s:s, s:s, s:I, s:n}", "result",
                     o == DEPLOY_SUCCEEDED ? "success" : "failure", "observed", state, "seq",
                     (json_int_t)wr->entry.seq, "error");
}
