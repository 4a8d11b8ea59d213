/* A thin layer over YAJL for the JSON report parsers: it keeps the path to the
 * current value (a fixed stack of frames, one per open object or array) so a parser
 * can ask "am I at runs[*].results[*].level" without building the document, and it
 * feeds a file through report_stream, turning YAJL's errors into `struct err`. */
#ifndef PROMOTE_REPORT_JSONSTREAM_H
#define PROMOTE_REPORT_JSONSTREAM_H

#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_parse.h>

#include "core/report/report.h"

#define JSONSTREAM_MAX_DEPTH 32         /* frames kept; deeper nesting is only counted */
#define JSONSTREAM_KEY_MAX 64           /* bytes of a key kept in its frame */
#define JSONSTREAM_TOKEN_MAX (8u << 20) /* bytes of one string or number: more is an error */
#define JSONSTREAM_KEYS_MAX (4u << 20)  /* keys in one object */

enum jsonstream_container { JSONSTREAM_MAP = 1, JSONSTREAM_ARRAY = 2 };

enum jsonstream_scalar {
    JSONSTREAM_NULL = 1,
    JSONSTREAM_FALSE,
    JSONSTREAM_TRUE,
    JSONSTREAM_NUMBER, /* text is the number as written */
    JSONSTREAM_STRING  /* text is the decoded UTF-8 string */
};

struct jsonstream_frame {
    unsigned char type;    /* enum jsonstream_container */
    unsigned char keylen;  /* bytes kept in key */
    unsigned char key_cut; /* the key was longer than JSONSTREAM_KEY_MAX: it matches no name */
    int tag;               /* map: the handlers' key_tag for the current key; array: 0 */
    uint64_t index;        /* array: index of the current element */
    char key[JSONSTREAM_KEY_MAX + 1];
};

struct jsonstream;

/* The keys of one open object, kept as 64-bit hashes in an open-addressing table so a
 * key given twice is refused (jq and most readers would silently take the last one).
 * A collision of two different keys refuses a valid report; it never accepts one. */
struct jsonstream_keys {
    uint64_t *h; /* 0 marks an empty slot */
    size_t n, cap;
};

/* Every handler is optional and returns 0 to go on or -1 to stop, after setting the
 * reason with jsonstream_fail(). A value's handler runs while the path points at the
 * value itself: for the `level` string of runs[0].results[3], depth is 5 and the
 * frames read runs, [0], results, [3], level. start_* run before the new frame is
 * pushed and end_* after it is popped, so both see the container's own position. */
struct jsonstream_handlers {
    /* Classify a key once, when it is read; the result is the frame's tag. Tags let a
     * parser compare small integers instead of strings on every event. */
    int (*key_tag)(const unsigned char *key, size_t len);
    int (*scalar)(void *ud, struct jsonstream *js, enum jsonstream_scalar type, const char *text,
                  size_t len);
    int (*start_map)(void *ud, struct jsonstream *js);
    int (*end_map)(void *ud, struct jsonstream *js);
    int (*start_array)(void *ud, struct jsonstream *js);
    int (*end_array)(void *ud, struct jsonstream *js);
};

struct jsonstream {
    const char *path;
    const struct jsonstream_handlers *h;
    void *ud;
    yajl_handle yh;
    size_t depth;    /* open containers around the current value */
    uint64_t lines;  /* newlines in the bytes given to YAJL so far */
    uint64_t offset; /* bytes given to YAJL so far */
    int root_seen;
    /* YAJL re-reads a token split across yajl_parse() calls from its start on every
     * call, and keeps all of it: a 200 MB string costs minutes. So each chunk is cut
     * after its last complete token, and the partial token waits here (up to
     * JSONSTREAM_TOKEN_MAX) until it is complete. */
    int lex; /* scanner state at the end of the bytes seen */
    unsigned char *pend;
    size_t npend, cappend;
    char why[320]; /* reason set by jsonstream_fail() */
    struct jsonstream_frame f[JSONSTREAM_MAX_DEPTH];
    struct jsonstream_keys keys[JSONSTREAM_MAX_DEPTH]; /* of each kept map frame */
};

/* Parse PATH with handlers H (user data UD) in REPORT_CHUNK blocks via report_stream.
 * The top-level value must be an object. Errors (EXIT_EVAL) read
 * "cannot parse 'PATH': line L, byte B: reason". SHA256 and BYTES may be NULL. */
int jsonstream_parse_file(const char *path, const struct jsonstream_handlers *h, void *ud,
                          unsigned char sha256[32], uint64_t *bytes, struct err *e);

/* Record why a handler stops the parse; returns -1. */
int jsonstream_fail(struct jsonstream *js, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Tag of the map frame at LEVEL (0 is the top-level object), 0 when LEVEL is not a
 * kept map frame. */
static inline int
jsonstream_tag(const struct jsonstream *js, size_t level)
{
    return level < js->depth && level < JSONSTREAM_MAX_DEPTH ? js->f[level].tag : 0;
}

/* Index of the array frame at LEVEL (0 when it is not a kept array frame). */
static inline uint64_t
jsonstream_index(const struct jsonstream *js, size_t level)
{
    return level < js->depth && level < JSONSTREAM_MAX_DEPTH &&
                   js->f[level].type == JSONSTREAM_ARRAY
               ? js->f[level].index
               : 0;
}

/* Does the current path equal PATTERN? Segments: `name` (a key, exactly), `*` (any
 * key), `[*]` (any index), `[N]` (index N), e.g. "runs[*].results[*].level" or
 * "totals.covered_lines". The empty pattern is the top level. */
int jsonstream_match(const struct jsonstream *js, const char *pattern);

/* The current path as text, e.g. "runs[0].results[3].level", for messages. */
void jsonstream_path(const struct jsonstream *js, char *out, size_t outsz);

#endif
