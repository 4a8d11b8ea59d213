/* What a gate found: its verdict, a finding and, for a gate that did not pass, a remedy.
 * The engine, the decision and every gate share these; gates/gate.h adds the gate
 * interface and the registry. */
#ifndef PROMOTE_VERDICT_H
#define PROMOTE_VERDICT_H

#include <jansson.h>

/* VERDICT_ERROR is the zero value: an unset verdict never passes. */
enum verdict { VERDICT_ERROR = 0, VERDICT_PASS, VERDICT_FAIL };

struct finding {
    char summary[256];
    json_t *details; /* owned; an object */
};

/* What would make a gate that does not pass, pass: one line and an object (owned), and
 * for the text output the items it names, one a line ('\n'-terminated; "" when none). */
struct remedy {
    char text[512];
    json_t *data;
    char lines[2560];
};

/* Set the finding's one-line summary. */
void finding_summary(struct finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void finding_release(struct finding *f);
void remedy_release(struct remedy *r);
/* Set the remedy's one line. */
void remedy_text(struct remedy *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Add a line under it (an item it names); a line that does not fit whole is left out. */
void remedy_line(struct remedy *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
