#include "core/report/xml.h"

#include <expat.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/report/report.h"

struct xml_ctx {
    XML_Parser p;
    const char *path;
    const struct xml_handlers *h;
    void *ud;
    struct err *e;
    int failed; /* E holds why; expat may still call a handler or two after a stop */
    int depth;
    uint64_t fed;        /* bytes handed to expat so far */
    uint64_t last_event; /* FED when expat last reported anything */
};

void *
xml_userdata(const struct xml_ctx *x)
{
    return x->ud;
}

unsigned long
xml_line(const struct xml_ctx *x)
{
    return (unsigned long)XML_GetCurrentLineNumber(x->p);
}

int
xml_fail(struct xml_ctx *x, const char *fmt, ...)
{
    char why[384];
    va_list ap;

    if (x->failed)
        return -1;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    err_set(x->e, EXIT_EVAL, "cannot parse '%s': line %lu: %s", x->path,
            (unsigned long)XML_GetCurrentLineNumber(x->p), why);
    x->failed = 1;
    XML_StopParser(x->p, XML_FALSE);
    return -1;
}

const char *
xml_attr(const char **attrs, const char *name)
{
    size_t i;

    for (i = 0; attrs && attrs[i]; i += 2)
        if (strcmp(attrs[i], name) == 0)
            return attrs[i + 1];
    return NULL;
}

const char *
xml_printable(char *out, size_t outsz, const char *s)
{
    size_t i = 0;

    for (; *s && i + 1 < outsz; s++)
        out[i++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
    out[i] = '\0';
    if (*s && outsz > 4)
        memcpy(out + outsz - 4, "...", 4);
    return out;
}

static void XMLCALL
on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    struct xml_ctx *x = ud;

    if (x->failed)
        return;
    x->last_event = x->fed;
    if (x->depth >= REPORT_XML_MAX_DEPTH) {
        xml_fail(x, "elements nested deeper than %d", REPORT_XML_MAX_DEPTH);
        return;
    }
    x->depth++;
    if (x->h->start && x->h->start(x, name, attrs, x->depth) < 0)
        xml_fail(x, "rejected by the report parser"); /* no-op when the handler said why */
}

static void XMLCALL
on_end(void *ud, const XML_Char *name)
{
    struct xml_ctx *x = ud;

    if (x->failed)
        return;
    x->last_event = x->fed;
    if (x->h->end && x->h->end(x, name, x->depth) < 0)
        xml_fail(x, "rejected by the report parser");
    x->depth--;
}

/* Text, comments and processing instructions only mark progress (see REPORT_XML_MAX_TOKEN). */
static void XMLCALL
on_chars(void *ud, const XML_Char *s, int len)
{
    (void)s;
    (void)len;
    ((struct xml_ctx *)ud)->last_event = ((struct xml_ctx *)ud)->fed;
}

static void XMLCALL
on_comment(void *ud, const XML_Char *data)
{
    struct xml_ctx *x = ud;

    if (x->failed)
        return;
    x->last_event = x->fed;
    if (x->h->comment && x->h->comment(x, data, x->depth) < 0)
        xml_fail(x, "rejected by the report parser");
}

static void XMLCALL
on_pi(void *ud, const XML_Char *target, const XML_Char *data)
{
    (void)target;
    (void)data;
    ((struct xml_ctx *)ud)->last_event = ((struct xml_ctx *)ud)->fed;
}

/* <!DOCTYPE ...>: a name and an external DTD that is never read are harmless (gcovr
 * names Cobertura's); an internal subset is refused: its <!ATTLIST> defaults would
 * supply attributes (report totals) the document itself does not carry. */
static void XMLCALL
on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
           int has_internal_subset)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    if (has_internal_subset)
        xml_fail(ud, "a DOCTYPE with an internal subset is not allowed");
}

/* Any <!ENTITY ...>: general or parameter, internal or external (SYSTEM/PUBLIC),
 * parsed or unparsed. Refusing the declaration refuses every expansion bomb and
 * every external entity before it can be used. */
static void XMLCALL
on_entity_decl(void *ud, const XML_Char *name, int is_param, const XML_Char *value, int value_len,
               const XML_Char *base, const XML_Char *system_id, const XML_Char *public_id,
               const XML_Char *notation)
{
    (void)value;
    (void)value_len;
    (void)base;
    (void)system_id;
    (void)public_id;
    (void)notation;
    (void)name;
    xml_fail(ud, "entity declarations are not allowed (%sentity)", is_param ? "parameter " : "");
}

/* Called for a reference to an entity expat has no declaration for and would
 * silently skip (possible once a document names an external DTD that we do not read). */
static void XMLCALL
on_skipped_entity(void *ud, const XML_Char *name, int is_param)
{
    (void)name;
    xml_fail(ud, "reference to an undeclared %sentity", is_param ? "parameter " : "");
}

static int
feed(void *ud, const unsigned char *data, size_t len, struct err *e)
{
    struct xml_ctx *x = ud;

    (void)e; /* the same struct as x->e */
    x->fed += len;
    if (XML_Parse(x->p, (const char *)data, (int)len, len == 0) != XML_STATUS_OK) {
        if (!x->failed)
            err_set(x->e, EXIT_EVAL, "cannot parse '%s': line %lu: %s", x->path,
                    (unsigned long)XML_GetCurrentLineNumber(x->p),
                    XML_ErrorString(XML_GetErrorCode(x->p)));
        x->failed = 1;
        return -1;
    }
    if (x->fed - x->last_event > REPORT_XML_MAX_TOKEN) {
        err_set(x->e, EXIT_EVAL,
                "cannot parse '%s': line %lu: a single token is longer than %u MiB", x->path,
                (unsigned long)XML_GetCurrentLineNumber(x->p),
                REPORT_XML_MAX_TOKEN / (1024 * 1024));
        x->failed = 1;
        return -1;
    }
    return 0;
}

int
xml_parse_file(const char *path, const struct xml_handlers *h, void *ud, unsigned char sha[32],
               uint64_t *bytes, struct err *e)
{
    struct xml_ctx x;
    int rc = -1;

    memset(&x, 0, sizeof(x));
    x.path = path;
    x.h = h;
    x.ud = ud;
    x.e = e;
    x.p = XML_ParserCreate(NULL);
    if (!x.p)
        return err_set(e, EXIT_EVAL, "cannot parse '%s': out of memory", path);
    XML_SetUserData(x.p, &x);
    XML_SetElementHandler(x.p, on_start, on_end);
    XML_SetCharacterDataHandler(x.p, on_chars);
    XML_SetCommentHandler(x.p, on_comment);
    XML_SetProcessingInstructionHandler(x.p, on_pi);
    XML_SetStartDoctypeDeclHandler(x.p, on_doctype);
    XML_SetEntityDeclHandler(x.p, on_entity_decl);
    XML_SetSkippedEntityHandler(x.p, on_skipped_entity);
    /* Never read an external DTD or parameter entity; with no external entity
     * handler installed expat has no way to fetch anything at all. */
    XML_SetParamEntityParsing(x.p, XML_PARAM_ENTITY_PARSING_NEVER);

    if (report_stream(path, feed, &x, sha, bytes, e) < 0)
        goto done;
    if (x.failed) /* defensive: a failure must never pass as success */
        goto done;
    rc = 0;
done:
    XML_ParserFree(x.p);
    return rc;
}
