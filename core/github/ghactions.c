#include "core/github/ghactions.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/out/out.h"

static void
escape(FILE *f, const char *s, int property)
{
    for (; s && *s; s++) {
        if (*s == '%')
            fputs("%25", f);
        else if (*s == '\r')
            fputs("%0D", f);
        else if (*s == '\n')
            fputs("%0A", f);
        else if (property && *s == ':')
            fputs("%3A", f);
        else if (property && *s == ',')
            fputs("%2C", f);
        else
            fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
    }
}

void
ghactions_escape_data(FILE *f, const char *s)
{
    escape(f, s, 0);
}

void
ghactions_escape_property(FILE *f, const char *s)
{
    escape(f, s, 1);
}

static void
annotate(FILE *f, const char *title, const char *message)
{
    fputs("::error title=", f);
    ghactions_escape_property(f, title);
    fputs("::", f);
    ghactions_escape_data(f, message);
    fputc('\n', f);
}

void
ghactions_annotations(FILE *f, const struct ghactions_report *r)
{
    size_t i;

    for (i = 0; r->d && i < r->d->n_results; i++) {
        const struct gate_result *g = &r->d->results[i];

        if (g->verdict != VERDICT_PASS)
            annotate(f, g->name, g->finding.summary);
    }
    if (r->error)
        annotate(f, "promote", r->error);
}

/* An identifier as a code span; one holding a backtick or a line break as text. */
static void
md_code(FILE *f, const char *s)
{
    if (strpbrk(s, "`\r\n")) {
        out_markdown(f, s);
        return;
    }
    fprintf(f, "`%s`", s);
}

void
ghactions_summary(FILE *f, const struct ghactions_report *r)
{
    const struct decision *d = r->d;
    size_t i;

    fputs("### promote ", f);
    out_markdown(f, d ? d->from : r->from);
    fputs(" -> ", f);
    out_markdown(f, d ? d->to : r->to);
    fprintf(f, ": %s", r->verdict);
    if (d && d->commit[0]) {
        fputs(" (commit ", f);
        md_code(f, d->commit);
        if (r->decision_id) {
            fputs(", decision ", f);
            md_code(f, r->decision_id);
            fputs(")", f);
        } else {
            fputs(", not recorded)", f);
        }
    }
    fputs("\n\n", f);
    if (r->tag) {
        fputs("Tagged ", f);
        md_code(f, r->tag);
        fputs(".\n\n", f);
    }
    if (r->audit_log) {
        out_markdown(f, r->audit_log);
        fputs(".\n\n", f);
    }
    if (r->error) {
        fputs("**Error:** ", f);
        out_markdown(f, r->error);
        fputs("\n\n", f);
    }
    if (!d || d->n_results == 0)
        return;
    fputs("| gate | type | verdict | reason |\n| --- | --- | --- | --- |\n", f);
    for (i = 0; i < d->n_results; i++) {
        const struct gate_result *g = &d->results[i];

        fputs("| ", f);
        out_markdown(f, g->name);
        fputs(" | ", f);
        out_markdown(f, g->type);
        fprintf(f, " | %s | ", decision_status_name(g->verdict));
        out_markdown(f, g->finding.summary);
        fputs(" |\n", f);
    }
    fputc('\n', f);
}

static int
output(FILE *f, const char *name, const char *value, const char *delim)
{
    if (!value)
        value = "";
    if (!strpbrk(value, "\r\n")) {
        fprintf(f, "%s=%s\n", name, value);
        return 0;
    }
    if (strstr(value, delim))
        return -1;
    fprintf(f, "%s<<%s\n%s\n%s\n", name, delim, value, delim);
    return 0;
}

int
ghactions_outputs(FILE *f, const struct ghactions_report *r, const char *delim)
{
    if (output(f, "verdict", r->verdict, delim) < 0 ||
        output(f, "decision-id", r->decision_id, delim) < 0 || output(f, "tag", r->tag, delim) < 0)
        return -1;
    return 0;
}

/* Append LEN bytes to PATH in one write. */
static int
append(const char *path, const char *what, const char *data, size_t len, struct err *e)
{
    FILE *f;
    int failed;

    errno = 0;
    f = fopen(path, "a");
    if (!f)
        return err_set(e, EXIT_EVAL, "cannot write the %s '%s': %s", what, path, strerror(errno));
    failed = fwrite(data, 1, len, f) != len || fflush(f) != 0;
    if (fclose(f) != 0 || failed)
        return err_set(e, EXIT_EVAL, "cannot write the %s '%s': %s", what, path,
                       strerror(errno ? errno : EIO));
    return 0;
}

int
ghactions_report(FILE *annotations, const char *summary_path, const char *output_path,
                 const struct ghactions_report *r, struct err *e)
{
    unsigned char rnd[16];
    char delim[64], hex[33];
    char *text = NULL;
    size_t len = 0;
    FILE *m;
    int rc = -1, bad;

    ghactions_annotations(annotations, r);
    if (fflush(annotations) != 0 || ferror(annotations))
        return err_set(e, EXIT_EVAL, "cannot write the annotations");
    if (output_path && *output_path) {
        randombytes_buf(rnd, sizeof(rnd));
        out_hex(hex, rnd, sizeof(rnd));
        snprintf(delim, sizeof(delim), "ghadelimiter_%s", hex);
        m = open_memstream(&text, &len);
        if (!m)
            return err_set(e, EXIT_EVAL, "cannot build the step outputs: out of memory");
        bad = ghactions_outputs(m, r, delim) < 0;
        if (fclose(m) != 0 || bad) {
            err_set(e, EXIT_EVAL, "cannot build the step outputs");
            goto done;
        }
        if (append(output_path, "step outputs (GITHUB_OUTPUT)", text, len, e) < 0)
            goto done;
        free(text);
        text = NULL;
    }
    if (summary_path && *summary_path) {
        m = open_memstream(&text, &len);
        if (!m)
            return err_set(e, EXIT_EVAL, "cannot build the step summary: out of memory");
        ghactions_summary(m, r);
        if (fclose(m) != 0) {
            err_set(e, EXIT_EVAL, "cannot build the step summary");
            goto done;
        }
        if (append(summary_path, "step summary (GITHUB_STEP_SUMMARY)", text, len, e) < 0)
            goto done;
    }
    rc = 0;
done:
    free(text);
    return rc;
}
