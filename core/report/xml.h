/* Shared expat set-up for the XML report parsers (Cobertura, JUnit).
 *
 * xml_parse_file() streams a file through expat in REPORT_CHUNK blocks (via
 * report_stream, so it is hashed on the way) and calls the caller's element
 * handlers. It is safe against hostile input:
 *   - nothing is ever fetched: no external entity handler is installed and
 *     parameter entity parsing is off, so a DOCTYPE with a URL (gcovr writes one)
 *     parses fine and its DTD is never read;
 *   - a DOCTYPE with an internal subset stops the parse (its attribute defaults
 *     would supply values the document does not hold), and so does any entity
 *     declaration, so an entity-expansion bomb fails before it expands;
 *   - a reference to an undeclared entity that expat would skip is an error;
 *   - element nesting is capped at REPORT_XML_MAX_DEPTH, and input that produces no
 *     parse event for REPORT_XML_MAX_TOKEN bytes (one huge tag or comment that expat
 *     would have to buffer whole) is an error, so memory stays bounded.
 * Errors have code EXIT_EVAL and read "cannot parse '<path>': line N: <reason>". */
#ifndef PROMOTE_REPORT_XML_H
#define PROMOTE_REPORT_XML_H

#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"

#define REPORT_XML_MAX_DEPTH 1024
#define REPORT_XML_MAX_TOKEN (64u * 1024 * 1024)

struct xml_ctx;

/* DEPTH is the element's own depth (the root is 1). ATTRS is expat's
 * NULL-terminated name/value array. Return 0 to go on, or the -1 of xml_fail(). */
typedef int (*xml_start_fn)(struct xml_ctx *x, const char *name, const char **attrs, int depth);
typedef int (*xml_end_fn)(struct xml_ctx *x, const char *name, int depth);
/* DATA is the text between <!-- and -->; DEPTH the depth of the enclosing element
 * (0 outside the root). */
typedef int (*xml_comment_fn)(struct xml_ctx *x, const char *data, int depth);

struct xml_handlers {
    xml_start_fn start;     /* may be NULL */
    xml_end_fn end;         /* may be NULL */
    xml_comment_fn comment; /* may be NULL */
};

/* Parse PATH with handlers H; UD is handed back by xml_userdata(). SHA and BYTES
 * as for report_stream (either may be NULL). */
int xml_parse_file(const char *path, const struct xml_handlers *h, void *ud, unsigned char sha[32],
                   uint64_t *bytes, struct err *e);

/* From inside a handler: the caller's UD. */
void *xml_userdata(const struct xml_ctx *x);

/* From inside a handler: the line of the current event, from 1. */
unsigned long xml_line(const struct xml_ctx *x);

/* From inside a handler: stop the parse with "cannot parse '<path>': line N: <fmt...>".
 * Returns -1 so a handler can `return xml_fail(x, ...)`. The first failure wins. */
int xml_fail(struct xml_ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Value of attribute NAME in ATTRS, or NULL. */
const char *xml_attr(const char **attrs, const char *name);

/* Untrusted S made fit for a message: copied into OUT (OUTSZ > 4), control
 * characters replaced by '?', cut with "..." when too long. Returns OUT. */
const char *xml_printable(char *out, size_t outsz, const char *s);

#endif
