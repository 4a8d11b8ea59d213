/* Reading a log entry without building a JSON tree of it (core/ledger/scan.h). */
#include "core/ledger/scan.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "core/base/utf8.h"

/* S (N bytes) is a string jansson takes as it is: well-formed UTF-8 (no overlong form,
 * surrogate or code point above U+10FFFF; yajl's own check lets those by), no control
 * character and no NUL (jansson refuses "\u0000" unless asked to take it). */
static int
plain_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0, k;

    while (i < n) {
        if (s[i] >= 0x20 && s[i] < 0x80) {
            i++;
            continue;
        }
        if (s[i] < 0x20 || !(k = utf8_seqn((const char *)s + i, n - i)))
            return 0;
        i += k;
    }
    return 1;
}

/* Run TEXT (LEN) through yajl with CALLBACKS on CTX, as strictly as jansson reads: one
 * value, no comments, nothing after it but white space. 1 when it parsed to the end with
 * no callback refusing, 0 when not, -1 when yajl could not be set up. */
static int
run_yajl(const yajl_callbacks *callbacks, void *ctx, const unsigned char *text, size_t len)
{
    yajl_handle h = yajl_alloc(callbacks, NULL, ctx);
    int ok;

    if (!h)
        return -1;
    ok = yajl_parse(h, text, len) == yajl_status_ok && yajl_complete_parse(h) == yajl_status_ok;
    yajl_free(h);
    return ok;
}

/* ---- the envelope ---------------------------------------------------------------- */

enum env_field { F_NONE, F_PAYLOAD, F_TYPE, F_SIGS, F_SIG, F_KEYID };

struct env_scan {
    struct scan_envelope *out;
    const unsigned char *bytes;
    size_t len;
    int depth;           /* 1: in the envelope, 2: in its signatures, 3: in one of them */
    enum env_field next; /* the field the next value is */
    unsigned seen;       /* fields seen in the object open at DEPTH 1 or 3 (1 << field) */
    unsigned sig_seen;
};

/* S (N bytes), a value or key yajl read, as a slice of the envelope: NULL when it is not
 * one (yajl decoded escapes into a buffer of its own) or not plain UTF-8. */
static const char *
slice(const struct env_scan *c, const unsigned char *s, size_t n)
{
    uintptr_t at = (uintptr_t)s, lo = (uintptr_t)c->bytes;

    if (at < lo || at - lo > c->len || n > c->len - (at - lo) || !plain_utf8(s, n))
        return NULL;
    return (const char *)s;
}

static int
env_key(void *ctx, const unsigned char *k, size_t n)
{
    static const struct {
        const char *name;
        int depth;
        enum env_field f;
    } fields[] = {{"payload", 1, F_PAYLOAD}, {"payloadType", 1, F_TYPE},
                  {"signatures", 1, F_SIGS}, {"sig", 3, F_SIG},
                  {"keyid", 3, F_KEYID}};
    struct env_scan *c = ctx;
    unsigned *seen = c->depth == 1 ? &c->seen : &c->sig_seen;
    size_t i;

    for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        if (fields[i].depth == c->depth && strlen(fields[i].name) == n &&
            memcmp(fields[i].name, k, n) == 0 && !(*seen & (1u << fields[i].f))) {
            *seen |= 1u << fields[i].f;
            c->next = fields[i].f;
            return 1;
        }
    }
    return 0; /* another key, or one seen before: the full reader says what it makes of it */
}

static int
env_string(void *ctx, const unsigned char *s, size_t n)
{
    struct env_scan *c = ctx;
    struct scan_envelope *o = c->out;
    const char *v = slice(c, s, n);

    if (!v)
        return 0;
    switch (c->next) {
    case F_PAYLOAD:
        o->payload = v;
        o->payload_len = n;
        break;
    case F_TYPE:
        o->payload_type = v;
        o->payload_type_len = n;
        break;
    case F_SIG:
        o->sigs[o->n_sigs].sig = v;
        o->sigs[o->n_sigs].sig_len = n;
        break;
    case F_KEYID:
        o->sigs[o->n_sigs].keyid = v;
        o->sigs[o->n_sigs].keyid_len = n;
        break;
    default:
        return 0;
    }
    c->next = F_NONE;
    return 1;
}

static int
env_start_map(void *ctx)
{
    struct env_scan *c = ctx;

    if (c->depth == 0) {
        c->depth = 1;
        return 1;
    }
    if (c->depth != 2 || c->out->n_sigs == SIGN_MAX_SIGS)
        return 0;
    memset(&c->out->sigs[c->out->n_sigs], 0, sizeof(c->out->sigs[0]));
    c->sig_seen = 0;
    c->depth = 3;
    return 1;
}

static int
env_end_map(void *ctx)
{
    struct env_scan *c = ctx;

    if (c->depth == 3) {
        if (!(c->sig_seen & (1u << F_SIG)))
            return 0;
        c->out->n_sigs++;
        c->depth = 2;
        return 1;
    }
    c->depth = 0;
    return c->seen == ((1u << F_PAYLOAD) | (1u << F_TYPE) | (1u << F_SIGS));
}

static int
env_start_array(void *ctx)
{
    struct env_scan *c = ctx;

    if (c->depth != 1 || c->next != F_SIGS)
        return 0;
    c->next = F_NONE;
    c->depth = 2;
    return 1;
}

static int
env_end_array(void *ctx)
{
    struct env_scan *c = ctx;

    c->depth = 1;
    return c->out->n_sigs > 0;
}

/* null, booleans and numbers: no field of an envelope is one (yajl skips a value whose
 * callback is NULL, so each has one, to refuse it) */
static int
env_null(void *ctx)
{
    (void)ctx;
    return 0;
}

static int
env_boolean(void *ctx, int v)
{
    (void)ctx;
    (void)v;
    return 0;
}

static int
env_number(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    (void)s;
    (void)n;
    return 0;
}

static const yajl_callbacks env_callbacks = {
    env_null,      env_boolean, NULL,        NULL,            env_number,    env_string,
    env_start_map, env_key,     env_end_map, env_start_array, env_end_array,
};

int
scan_envelope(struct scan_envelope *out, const char *bytes, size_t len)
{
    struct env_scan c;
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&c, 0, sizeof(c));
    c.out = out;
    c.bytes = (const unsigned char *)bytes;
    c.len = len;
    rc = run_yajl(&env_callbacks, &c, c.bytes, len);
    if (rc != 1)
        memset(out, 0, sizeof(*out));
    return rc;
}

/* ---- canonical statements ------------------------------------------------------- */

/* Each callback compares what sign_canonical writes for the value yajl read with the
 * bytes at POS: the text is canonical when they match to its last byte. */
struct canon_scan {
    struct scan_head *head;
    const unsigned char *text;
    size_t len, pos;
    int depth;                                  /* containers open */
    unsigned char is_map[SIGN_CANON_MAX_DEPTH + 2];
    unsigned char first[SIGN_CANON_MAX_DEPTH + 2]; /* nothing yet in the container */
    const unsigned char *key[SIGN_CANON_MAX_DEPTH + 2]; /* its last key (a slice of TEXT) */
    size_t key_len[SIGN_CANON_MAX_DEPTH + 2];
    int predicate; /* the object open at depth 2 is the top-level "predicate" */
};

/* The bytes at POS are S (N): step over them. */
static int
expect(struct canon_scan *c, const void *s, size_t n)
{
    if (n > c->len - c->pos || memcmp(c->text + c->pos, s, n) != 0)
        return 0;
    c->pos += n;
    return 1;
}

/* The bytes at POS are the string S (N bytes, as yajl decoded it) as jansson writes it:
 * '"', S with '"', '\\' and the control characters escaped ("\b", "\f", "\n", "\r",
 * "\t", else "\u" and four upper-case hex digits), '"'. */
static int
expect_string(struct canon_scan *c, const unsigned char *s, size_t n)
{
    size_t i = 0, run;

    if (!expect(c, "\"", 1))
        return 0;
    while (i < n) {
        char esc[8];
        const char *e = esc;
        size_t k;

        for (run = i; run < n && s[run] >= 0x20 && s[run] != '"' && s[run] != '\\'; run += k)
            if (!(k = s[run] < 0x80 ? 1 : utf8_seqn((const char *)s + run, n - run)))
                return 0;
        if (run > i && !expect(c, s + i, run - i))
            return 0;
        if (run == n)
            break;
        switch (s[run]) {
        case '"':
            e = "\\\"";
            break;
        case '\\':
            e = "\\\\";
            break;
        case '\b':
            e = "\\b";
            break;
        case '\f':
            e = "\\f";
            break;
        case '\n':
            e = "\\n";
            break;
        case '\r':
            e = "\\r";
            break;
        case '\t':
            e = "\\t";
            break;
        case 0:
            return 0; /* jansson takes no NUL in a string unless asked to */
        default:
            snprintf(esc, sizeof(esc), "\\u%04X", (unsigned)s[run]);
        }
        if (!expect(c, e, strlen(e)))
            return 0;
        i = run + 1;
    }
    return expect(c, "\"", 1);
}

/* A value begins: not too deep, and after a ',' unless first in its array. A text that
 * is a string, number or literal alone is left to jansson (which refuses it unless asked
 * to take any value). */
static int
value_begins(struct canon_scan *c, int container)
{
    if (c->depth > SIGN_CANON_MAX_DEPTH || (c->depth == 0 && !container))
        return 0;
    if (c->depth > 0 && !c->is_map[c->depth]) {
        if (!c->first[c->depth] && !expect(c, ",", 1))
            return 0;
        c->first[c->depth] = 0;
    }
    return 1;
}

/* The key the value being read is under, at depth D ("" when in an array). */
static int
under(const struct canon_scan *c, int d, const char *name)
{
    return d >= 1 && d <= c->depth && c->is_map[d] && c->key_len[d] == strlen(name) &&
           memcmp(c->key[d], name, c->key_len[d]) == 0;
}

/* Copy S (N) into FIELD (SIZE) when it fits, else leave it "". */
static void
keep(char *field, size_t size, const unsigned char *s, size_t n)
{
    if (n < size && !memchr(s, '\0', n)) {
        memcpy(field, s, n);
        field[n] = '\0';
    }
}

static int
canon_null(void *ctx)
{
    return value_begins(ctx, 0) && expect(ctx, "null", 4);
}

static int
canon_boolean(void *ctx, int v)
{
    return value_begins(ctx, 0) && expect(ctx, v ? "true" : "false", v ? 4 : 5);
}

static int
canon_integer(void *ctx, long long v)
{
    struct canon_scan *c = ctx;
    char num[32];
    int n = snprintf(num, sizeof(num), "%lld", v);

    if (!value_begins(c, 0) || !expect(c, num, (size_t)n))
        return 0;
    if (c->depth == 2 && c->predicate && under(c, 2, "seq")) {
        c->head->seq = v;
        c->head->seq_set = 1;
    }
    return 1;
}

static int
canon_double(void *ctx, double v)
{
    (void)ctx;
    (void)v;
    return 0; /* canonical payloads hold no reals */
}

static int
canon_string(void *ctx, const unsigned char *s, size_t n)
{
    struct canon_scan *c = ctx;
    struct scan_head *h = c->head;

    if (!value_begins(c, 0) || !expect_string(c, s, n))
        return 0;
    if (c->depth == 1 && under(c, 1, "_type"))
        keep(h->type, sizeof(h->type), s, n);
    else if (c->depth == 1 && under(c, 1, "predicateType"))
        keep(h->predicate_type, sizeof(h->predicate_type), s, n);
    else if (c->depth == 2 && c->predicate && under(c, 2, "prev"))
        keep(h->prev, sizeof(h->prev), s, n);
    return 1;
}

static int
canon_open(struct canon_scan *c, int map)
{
    if (!value_begins(c, 1) || !expect(c, map ? "{" : "[", 1))
        return 0;
    if (c->depth == 1 && map && under(c, 1, "predicate"))
        c->predicate = 1;
    c->depth++;
    c->is_map[c->depth] = (unsigned char)map;
    c->first[c->depth] = 1;
    return 1;
}

static int
canon_start_map(void *ctx)
{
    return canon_open(ctx, 1);
}

static int
canon_start_array(void *ctx)
{
    return canon_open(ctx, 0);
}

static int
canon_close(void *ctx)
{
    struct canon_scan *c = ctx;

    if (!expect(c, c->is_map[c->depth] ? "}" : "]", 1))
        return 0;
    c->depth--;
    if (c->depth == 1)
        c->predicate = 0;
    return 1;
}

/* A key: after a ',' unless first, in byte order after the one before (as jansson sorts:
 * memcmp, then the shorter first), then ':'. Only a key without escapes is taken: it is
 * then a slice of the text, to compare the next key with. */
static int
canon_key(void *ctx, const unsigned char *k, size_t n)
{
    struct canon_scan *c = ctx;
    int d = c->depth;
    size_t at;

    if (!c->first[d] && !expect(c, ",", 1))
        return 0;
    at = c->pos + 1;
    if (!expect_string(c, k, n) || c->pos - at - 1 != n || !expect(c, ":", 1))
        return 0;
    if (!c->first[d]) {
        size_t m = c->key_len[d] < n ? c->key_len[d] : n;
        int cmp = memcmp(c->key[d], k, m);

        if (cmp > 0 || (cmp == 0 && c->key_len[d] >= n))
            return 0;
    }
    c->first[d] = 0;
    c->key[d] = c->text + at;
    c->key_len[d] = n;
    return 1;
}

/* every callback is set: yajl skips a value whose callback is NULL (numbers go to
 * canon_integer and canon_double) */
static const yajl_callbacks canon_callbacks = {
    canon_null,     canon_boolean, canon_integer,     canon_double, NULL,
    canon_string,   canon_start_map, canon_key,       canon_close,  canon_start_array,
    canon_close,
};

int
scan_canonical(struct scan_head *out, const unsigned char *text, size_t len)
{
    struct canon_scan c; /* its arrays are written before they are read: no need to zero */
    int rc;

    memset(out, 0, sizeof(*out));
    c.head = out;
    c.text = text;
    c.len = len;
    c.pos = 0;
    c.depth = 0;
    c.predicate = 0;
    rc = run_yajl(&canon_callbacks, &c, text, len);
    if (rc == 1 && (c.pos != len || c.depth != 0))
        rc = 0;
    if (rc != 1)
        memset(out, 0, sizeof(*out));
    return rc;
}
