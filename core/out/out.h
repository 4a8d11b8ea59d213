/* Output: human text or JSON; the one place that knows about TTYs, colour and schemas. */
#ifndef PROMOTE_OUT_H
#define PROMOTE_OUT_H

#include <jansson.h>
#include <stdio.h>

#include "core/engine/decision.h"
#include "core/release/deploy.h"
#include "core/report/report.h"

#define OUT_SCHEMA_VERSION 1

/* Colour only on a terminal, and never when NO_COLOR is set (decided by cmd/). */
struct out_opts {
    int color;
};

json_t *out_decision_json(const struct decision *d);
void out_decision_text(FILE *f, const struct decision *d, const struct out_opts *o);

json_t *out_inspect_json(const char *path, const struct report *r);
void out_inspect_text(FILE *f, const char *path, const struct report *r);

/* How out_json lays a document out (out_report_json writes a report the same way). */
#define OUT_JSON_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(15))

/* Print one JSON document (sorted as built, compact-ish) followed by a newline. */
int out_json(FILE *f, const json_t *doc);

/* Copy S into OUT replacing control characters, for terminals. */
void out_sanitize(char *out, size_t outsz, const char *s);

/* Write S as Markdown text: characters that would start markup or HTML are escaped,
 * control characters become spaces. */
void out_markdown(FILE *f, const char *s);

void out_hex(char *out, const unsigned char *bytes, size_t n);

/* --wait's part of a deploy object: null when not waited (WAITED 0); else {"result"
 * (success, failure, or error when the outcome is unknown), "observed", "seq" (the
 * recorded outcome, or null), "error"}. */
json_t *out_wait_json(int waited, enum deploy_outcome o, const char *state,
                      const struct record_result *wr, const struct err *we);

#endif
