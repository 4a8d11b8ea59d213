/* promote report's formats, all from the one JSON document core/insight/dora.h builds: text for a
 * terminal, Markdown for a wiki or a pull request, and one self-contained HTML file (inline
 * CSS and SVG, no script, no external asset, a Content-Security-Policy that loads nothing). */
#ifndef PROMOTE_OUT_REPORT_H
#define PROMOTE_OUT_REPORT_H

#include <jansson.h>
#include <stdio.h>

#include "core/base/err.h"

/* The change records of a report, made one at a time (core/engine/evidence.h's cursor
 * behind NEXT: 1 with a record the writer releases, 0 after the last, -1 with E set), and
 * how many there are. A writer given none reads the document's "changes". */
struct out_changes {
    int (*next)(void *ctx, json_t **row, struct err *e);
    void *ctx;
    size_t count;
};

/* 0, or -1 when F reports a write error or, with E set, a record cannot be made. COLOR:
 * ANSI colour (a terminal, NO_COLOR unset). Each writes the records as CH makes them and
 * keeps none. */
int out_report_text(FILE *f, const json_t *doc, struct out_changes *ch, int color,
                    struct err *e);
int out_report_markdown(FILE *f, const json_t *doc, struct out_changes *ch, struct err *e);
int out_report_html(FILE *f, const json_t *doc, struct out_changes *ch, struct err *e);
/* The document as out_json writes it, the records in "changes". */
int out_report_json(FILE *f, const json_t *doc, struct out_changes *ch, struct err *e);

/* SECONDS as people read it: "45s", "12m 5s", "3h 20m", "2d 4h"; "-" when negative. */
void out_report_duration(char out[32], long long seconds);

#endif
