/* Inside a GitHub Actions step (GITHUB_ACTIONS=true): the decision as a Markdown table in
 * the step summary, the step outputs verdict, decision-id and tag, and one error
 * annotation per failed gate. Nothing here reads the environment: cmd/ hands over the
 * file names. No token passes through here. */
#ifndef PROMOTE_GHACTIONS_H
#define PROMOTE_GHACTIONS_H

#include <stdio.h>

#include "core/engine/decision.h"
#include "core/base/err.h"

struct ghactions_report {
    const struct decision *d; /* the decision; NULL when none was reached */
    const char *from, *to;    /* the promotion asked for (named when d is NULL) */
    const char *verdict;      /* the verdict output: approved, rejected or error */
    const char *decision_id;  /* NULL: nothing recorded (check, or a failure) */
    const char *tag;          /* NULL: nothing tagged */
    const char *error;        /* why the run failed or was refused after all, or NULL */
    const char *audit_log;    /* where the log is and what it was verified against, or NULL */
};

/* Workflow-command escaping: % CR LF in a message; also : and , in a property. Other
 * control characters become '?'. */
void ghactions_escape_data(FILE *f, const char *s);
void ghactions_escape_property(FILE *f, const char *s);

/* The annotations: "::error title=GATE::REASON" for every failed or errored gate, and
 * "::error title=promote::ERROR" for R->error. */
void ghactions_annotations(FILE *f, const struct ghactions_report *r);
/* The step summary: a heading (from -> to, verdict, commit, decision) and the gates. */
void ghactions_summary(FILE *f, const struct ghactions_report *r);
/* The outputs file's lines: name=value, or name<<DELIM ... DELIM for a value with a
 * line break. Returns -1 when DELIM occurs in a value. */
int ghactions_outputs(FILE *f, const struct ghactions_report *r, const char *delim);

/* Print the annotations on ANNOTATIONS and append the outputs to OUTPUT_PATH and the
 * summary to SUMMARY_PATH (each skipped when NULL or empty). A file that cannot be
 * written is an error (EXIT_EVAL) naming it. */
int ghactions_report(FILE *annotations, const char *summary_path, const char *output_path,
                     const struct ghactions_report *r, struct err *e);

#endif
