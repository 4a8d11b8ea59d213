/* promote report's formats, all from the one JSON document core/insight/dora.h builds: text for a
 * terminal, Markdown for a wiki or a pull request, and one self-contained HTML file (inline
 * CSS and SVG, no script, no external asset, a Content-Security-Policy that loads nothing). */
#ifndef PROMOTE_OUT_REPORT_H
#define PROMOTE_OUT_REPORT_H

#include <jansson.h>
#include <stdio.h>

/* 0, or -1 when F reports a write error. COLOR: ANSI colour (a terminal, NO_COLOR unset). */
int out_report_text(FILE *f, const json_t *doc, int color);
int out_report_markdown(FILE *f, const json_t *doc);
int out_report_html(FILE *f, const json_t *doc);

/* SECONDS as people read it: "45s", "12m 5s", "3h 20m", "2d 4h"; "-" when negative. */
void out_report_duration(char out[32], long long seconds);

#endif
