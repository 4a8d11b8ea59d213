#include "core/report/jsonstream.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
jsonstream_fail(struct jsonstream *js, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(js->why, sizeof(js->why), fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- YAJL callbacks: keep the frames, then hand the event to the parser ---- */

/* The top-level value must be an object: anything else is refused at its first event. */
static int
check_root(struct jsonstream *js, int is_map)
{
    if (js->depth > 0)
        return 0;
    if (!is_map || js->root_seen)
        return jsonstream_fail(js, "top-level value is not an object");
    js->root_seen = 1;
    return 0;
}

/* A value at the current position is complete: step the enclosing array on. */
static void
value_done(struct jsonstream *js)
{
    struct jsonstream_frame *f;

    if (js->depth == 0 || js->depth > JSONSTREAM_MAX_DEPTH)
        return;
    f = &js->f[js->depth - 1];
    if (f->type == JSONSTREAM_ARRAY)
        f->index++;
}

static uint64_t
key_hash(const unsigned char *key, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= key[i];
        h *= 0x100000001b3ull;
    }
    return h ? h : 1;
}

/* Forget the keys of the previous object at this depth (a large table is let go). */
static void
keys_reset(struct jsonstream_keys *k)
{
    if (k->cap > 1024) {
        free(k->h);
        k->h = NULL;
        k->cap = 0;
    } else if (k->n) {
        memset(k->h, 0, k->cap * sizeof(*k->h));
    }
    k->n = 0;
}

/* Add H; 1 when it was there already, -1 when out of memory or too many keys. */
static int
keys_add(struct jsonstream_keys *k, uint64_t h)
{
    size_t i, mask;

    if (k->n >= JSONSTREAM_KEYS_MAX)
        return -1;
    if ((k->n + 1) * 2 > k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 32, j;
        uint64_t *t = calloc(cap, sizeof(*t));

        if (!t)
            return -1;
        for (j = 0; j < k->cap; j++) {
            if (!k->h[j])
                continue;
            for (i = (size_t)k->h[j] & (cap - 1); t[i]; i = (i + 1) & (cap - 1))
                ;
            t[i] = k->h[j];
        }
        free(k->h);
        k->h = t;
        k->cap = cap;
    }
    mask = k->cap - 1;
    for (i = (size_t)h & mask; k->h[i]; i = (i + 1) & mask)
        if (k->h[i] == h)
            return 1;
    k->h[i] = h;
    k->n++;
    return 0;
}

static int
push(struct jsonstream *js, enum jsonstream_container type)
{
    struct jsonstream_frame *f;

    if (js->depth < JSONSTREAM_MAX_DEPTH) {
        f = &js->f[js->depth];
        f->type = (unsigned char)type;
        f->keylen = 0;
        f->key_cut = 0;
        f->tag = 0;
        f->index = 0;
        f->key[0] = '\0';
        if (type == JSONSTREAM_MAP)
            keys_reset(&js->keys[js->depth]);
    }
    js->depth++;
    return 1;
}

static int
on_scalar(struct jsonstream *js, enum jsonstream_scalar type, const char *text, size_t len)
{
    if (check_root(js, 0) < 0)
        return 0;
    if (js->h->scalar && js->h->scalar(js->ud, js, type, text, len) < 0)
        return 0;
    value_done(js);
    return 1;
}

static int
cb_null(void *ctx)
{
    return on_scalar(ctx, JSONSTREAM_NULL, NULL, 0);
}

static int
cb_boolean(void *ctx, int b)
{
    return on_scalar(ctx, b ? JSONSTREAM_TRUE : JSONSTREAM_FALSE, NULL, 0);
}

static int
cb_number(void *ctx, const char *s, size_t len)
{
    return on_scalar(ctx, JSONSTREAM_NUMBER, s, len);
}

static int
cb_string(void *ctx, const unsigned char *s, size_t len)
{
    return on_scalar(ctx, JSONSTREAM_STRING, (const char *)s, len);
}

static int
cb_start_map(void *ctx)
{
    struct jsonstream *js = ctx;

    if (check_root(js, 1) < 0)
        return 0;
    if (js->h->start_map && js->h->start_map(js->ud, js) < 0)
        return 0;
    return push(js, JSONSTREAM_MAP);
}

static int
cb_map_key(void *ctx, const unsigned char *key, size_t len)
{
    struct jsonstream *js = ctx;
    struct jsonstream_frame *f;
    size_t keep = len;

    if (js->depth == 0 || js->depth > JSONSTREAM_MAX_DEPTH)
        return 1;
    f = &js->f[js->depth - 1];
    if (keep > JSONSTREAM_KEY_MAX)
        keep = JSONSTREAM_KEY_MAX;
    memcpy(f->key, key, keep);
    f->key[keep] = '\0';
    f->keylen = (unsigned char)keep;
    f->key_cut = keep < len;
    f->tag = js->h->key_tag ? js->h->key_tag(key, len) : 0;
    switch (keys_add(&js->keys[js->depth - 1], key_hash(key, len))) {
    case 0:
        return 1;
    case 1: {
        char where[200];

        jsonstream_path(js, where, sizeof(where));
        jsonstream_fail(js, "%s appears twice in its object (a duplicate key)", where);
        return 0;
    }
    default:
        jsonstream_fail(js, "an object with more than %u keys, or out of memory",
                        JSONSTREAM_KEYS_MAX);
        return 0;
    }
}

static int
cb_end_map(void *ctx)
{
    struct jsonstream *js = ctx;

    js->depth--;
    if (js->h->end_map && js->h->end_map(js->ud, js) < 0)
        return 0;
    value_done(js);
    return 1;
}

static int
cb_start_array(void *ctx)
{
    struct jsonstream *js = ctx;

    if (check_root(js, 0) < 0)
        return 0;
    if (js->h->start_array && js->h->start_array(js->ud, js) < 0)
        return 0;
    return push(js, JSONSTREAM_ARRAY);
}

static int
cb_end_array(void *ctx)
{
    struct jsonstream *js = ctx;

    js->depth--;
    if (js->h->end_array && js->h->end_array(js->ud, js) < 0)
        return 0;
    value_done(js);
    return 1;
}

/* yajl_number takes over integers and doubles: numbers arrive as text, never overflow. */
static const yajl_callbacks callbacks = {cb_null,    cb_boolean,     NULL,         NULL,
                                         cb_number,  cb_string,      cb_start_map, cb_map_key,
                                         cb_end_map, cb_start_array, cb_end_array};

/* ---- feeding ---- */

static uint64_t
count_lines(const unsigned char *p, size_t len)
{
    const unsigned char *end = p + len;
    uint64_t n = 0;

    while (p < end) {
        p = memchr(p, '\n', (size_t)(end - p));
        if (!p)
            break;
        n++;
        p++;
    }
    return n;
}

static int
fail_at(struct jsonstream *js, struct err *e, uint64_t line, uint64_t byte, const char *reason)
{
    return err_set(e, EXIT_EVAL, "cannot parse '%s': line %llu, byte %llu: %s", js->path,
                   (unsigned long long)line, (unsigned long long)byte, reason);
}

/* Give YAJL the next LEN bytes (LEN 0 with last set: the end of the input). */
static int
parse_piece(struct jsonstream *js, const unsigned char *data, size_t len, int last, struct err *e)
{
    uint64_t line = js->lines + 1, byte = js->offset;
    char reason[sizeof(js->why)];
    unsigned char *ystr;
    yajl_status st;
    size_t used, n;

    if (!len && !last)
        return 0;
    st = len ? yajl_parse(js->yh, data, len) : yajl_complete_parse(js->yh);
    if (st == yajl_status_ok) {
        js->lines += count_lines(data, len);
        js->offset += len;
        return 0;
    }
    if (len) {
        used = yajl_get_bytes_consumed(js->yh);
        if (used > len)
            used = len;
        line += count_lines(data, used);
        byte += used;
    }
    if (st == yajl_status_client_canceled)
        return fail_at(js, e, line, byte, js->why);
    if (!len && js->offset == 0)
        return fail_at(js, e, line, byte, "empty file");
    ystr = yajl_get_error(js->yh, 0, NULL, 0);
    snprintf(reason, sizeof(reason), "%s", ystr ? (const char *)ystr : "malformed JSON");
    if (ystr)
        yajl_free_error(js->yh, ystr);
    n = strlen(reason);
    while (n > 0 && (reason[n - 1] == '\n' || reason[n - 1] == ' '))
        reason[--n] = '\0';
    return fail_at(js, e, line, byte, reason);
}

enum lex { LEX_GAP = 0, LEX_BARE, LEX_STR, LEX_ESC };

#define NO_CUT SIZE_MAX

/* Bytes that end a bare token (number, literal) and sit between tokens. */
static const unsigned char separator[256] = {
    [' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1, ['{'] = 1,
    ['}'] = 1, ['['] = 1,  [']'] = 1,  [','] = 1,  [':'] = 1,
};

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SCAN_WORDS 1
/* Bit k set when byte k of W equals the byte repeated in PAT (exact, SWAR). */
static inline unsigned
byte_mask(uint64_t w, uint64_t pat)
{
    const uint64_t low7 = 0x7f7f7f7f7f7f7f7fULL;
    uint64_t y = w ^ pat;
    uint64_t t = ~(((y & low7) + low7) | y | low7); /* 0x80 where the byte is 0 */

    return (unsigned)(((t >> 7) * 0x0102040810204080ULL) >> 56);
}
#else
#define SCAN_WORDS 0
#endif

/* Where a complete prefix of the chunk P ends, for YAJL to take now; the rest (a
 * token going on in the next chunk) waits. Tracks the string state across chunks in
 * js->lex. Returns NO_CUT when no token ends in P. */
static size_t
scan_last_cut(struct jsonstream *js, const unsigned char *p, size_t len)
{
    int in_str = js->lex == LEX_STR || js->lex == LEX_ESC, esc = js->lex == LEX_ESC;
    size_t i = 0, j, end, last_q = NO_CUT, cut;

    while (i < len) {
#if SCAN_WORDS
        /* Most words hold no backslash: count their quotes eight bytes at a time. */
        while (!esc && i + 8 <= len) {
            uint64_t w;
            unsigned q;

            memcpy(&w, p + i, 8);
            if (byte_mask(w, 0x5c5c5c5c5c5c5c5cULL))
                break;
            q = byte_mask(w, 0x2222222222222222ULL);
            if (q) {
                in_str ^= __builtin_popcount(q) & 1;
                last_q = i + (size_t)(31 - __builtin_clz(q));
            }
            i += 8;
        }
#endif
        /* a word with a backslash, or the tail, byte by byte */
        end = len - i > 8 ? i + 8 : len;
        for (; i < end; i++) {
            if (esc) {
                esc = 0;
            } else if (p[i] == '"') {
                in_str = !in_str;
                last_q = i;
            } else if (p[i] == '\\' && in_str) {
                esc = 1;
            }
        }
    }
    if (in_str) {
        /* inside a string: cut before its opening quote, if it opened here */
        js->lex = esc ? LEX_ESC : LEX_STR;
        return last_q;
    }
    /* outside strings: cut after the last separator or closing quote */
    for (j = len; j > 0 && !separator[p[j - 1]] && j - 1 != last_q; j--)
        ;
    cut = j > 0 ? j : NO_CUT;
    js->lex = cut == len ? LEX_GAP : LEX_BARE;
    return cut;
}

/* Where the token that started in an earlier chunk (state LEX) ends in P. */
static size_t
scan_first_cut(int lex, const unsigned char *p, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        unsigned char c = p[i];

        if (lex == LEX_ESC) {
            lex = LEX_STR;
        } else if (lex == LEX_STR) {
            if (c == '\\')
                lex = LEX_ESC;
            else if (c == '"')
                return i + 1;
        } else if (separator[c]) {
            return i + 1;
        } else if (c == '"') {
            return i; /* a string right after a bare token: cut before it */
        }
    }
    return NO_CUT;
}

/* Keep the start of a token that goes on in the next chunk. */
static int
stash(struct jsonstream *js, const unsigned char *data, size_t len, struct err *e)
{
    unsigned char *p;
    size_t cap;

    if (len > JSONSTREAM_TOKEN_MAX - js->npend)
        return err_set(e, EXIT_EVAL,
                       "cannot parse '%s': line %llu, byte %llu: a single JSON token is longer "
                       "than %u bytes",
                       js->path, (unsigned long long)js->lines + 1, (unsigned long long)js->offset,
                       JSONSTREAM_TOKEN_MAX);
    if (js->npend + len > js->cappend) {
        cap = js->cappend ? js->cappend : 4096;
        while (cap < js->npend + len)
            cap *= 2;
        p = realloc(js->pend, cap);
        if (!p)
            return err_set(e, EXIT_EVAL, "cannot parse '%s': out of memory", js->path);
        js->pend = p;
        js->cappend = cap;
    }
    if (len)
        memcpy(js->pend + js->npend, data, len);
    js->npend += len;
    return 0;
}

static int
feed(void *ud, const unsigned char *data, size_t len, struct err *e)
{
    struct jsonstream *js = ud;
    int entry = js->lex;
    size_t first = 0, last;

    if (len == 0) {
        if (parse_piece(js, js->pend, js->npend, 0, e) < 0)
            return -1;
        js->npend = 0;
        return parse_piece(js, data, 0, 1, e);
    }
    last = scan_last_cut(js, data, len);
    if (js->npend) {
        first = scan_first_cut(entry, data, len);
        if (first == NO_CUT)
            return stash(js, data, len, e);
        if (stash(js, data, first, e) < 0 || parse_piece(js, js->pend, js->npend, 0, e) < 0)
            return -1;
        js->npend = 0;
    }
    if (last == NO_CUT || last < first)
        last = first;
    if (parse_piece(js, data + first, last - first, 0, e) < 0)
        return -1;
    return stash(js, data + last, len - last, e);
}

int
jsonstream_parse_file(const char *path, const struct jsonstream_handlers *h, void *ud,
                      unsigned char sha256[32], uint64_t *bytes, struct err *e)
{
    struct jsonstream js;
    int rc = -1;

    memset(&js, 0, sizeof(js));
    js.path = path;
    js.h = h;
    js.ud = ud;
    js.yh = yajl_alloc(&callbacks, NULL, &js);
    if (!js.yh)
        return err_set(e, EXIT_EVAL, "cannot parse '%s': out of memory", path);
    yajl_config(js.yh, yajl_allow_comments, 0);
    yajl_config(js.yh, yajl_dont_validate_strings, 0);
    yajl_config(js.yh, yajl_allow_trailing_garbage, 0);
    yajl_config(js.yh, yajl_allow_multiple_values, 0);
    yajl_config(js.yh, yajl_allow_partial_values, 0);
    if (report_stream(path, feed, &js, sha256, bytes, e) < 0)
        goto done;
    if (!js.root_seen) { /* not reachable with YAJL's checks; fail closed all the same */
        err_set(e, EXIT_EVAL, "cannot parse '%s': no JSON object", path);
        goto done;
    }
    rc = 0;
done:
    yajl_free(js.yh);
    free(js.pend);
    for (size_t i = 0; i < JSONSTREAM_MAX_DEPTH; i++)
        free(js.keys[i].h);
    return rc;
}

/* ---- asking where we are ---- */

int
jsonstream_match(const struct jsonstream *js, const char *pattern)
{
    const struct jsonstream_frame *f;
    const char *p = pattern, *name;
    size_t level = 0, len;
    uint64_t want;

    if (js->depth > JSONSTREAM_MAX_DEPTH)
        return 0;
    while (*p) {
        if (level >= js->depth)
            return 0;
        f = &js->f[level];
        if (*p == '[') {
            if (f->type != JSONSTREAM_ARRAY)
                return 0;
            p++;
            if (p[0] == '*' && p[1] == ']') {
                p += 2;
            } else {
                want = 0;
                if (*p < '0' || *p > '9')
                    return 0; /* malformed pattern */
                while (*p >= '0' && *p <= '9')
                    want = want * 10 + (uint64_t)(*p++ - '0');
                if (*p++ != ']' || want != f->index)
                    return 0;
            }
        } else {
            if (level > 0 && *p++ != '.')
                return 0;
            name = p;
            while (*p && *p != '.' && *p != '[')
                p++;
            len = (size_t)(p - name);
            if (f->type != JSONSTREAM_MAP)
                return 0;
            if (!(len == 1 && name[0] == '*') &&
                (f->key_cut || f->keylen != len || memcmp(f->key, name, len) != 0))
                return 0;
        }
        level++;
    }
    return level == js->depth;
}

void
jsonstream_path(const struct jsonstream *js, char *out, size_t outsz)
{
    size_t i, n = 0, levels = js->depth;
    int w;

    if (outsz == 0)
        return;
    out[0] = '\0';
    if (levels > JSONSTREAM_MAX_DEPTH)
        levels = JSONSTREAM_MAX_DEPTH;
    for (i = 0; i < levels && n < outsz; i++) {
        const struct jsonstream_frame *f = &js->f[i];

        if (f->type == JSONSTREAM_ARRAY)
            w = snprintf(out + n, outsz - n, "[%llu]", (unsigned long long)f->index);
        else
            w = snprintf(out + n, outsz - n, "%s%s%s", i ? "." : "", f->key,
                         f->key_cut ? "..." : "");
        if (w < 0)
            break;
        n += (size_t)w;
    }
    for (i = 0; out[i]; i++) /* keys come from the file: no control bytes in messages */
        if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
            out[i] = '?';
    n = strlen(out);
    if (js->depth > JSONSTREAM_MAX_DEPTH && n < outsz)
        snprintf(out + n, outsz - n, "...");
}
