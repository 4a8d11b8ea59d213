/* Reading a log entry without building a JSON tree of it: the DSSE envelope's fields,
 * and whether a statement is in canonical form, each in one pass of yajl's callbacks.
 *
 * A full verification reads every entry of the log; building jansson trees of the
 * envelope and the statement, and dumping the statement again to compare, was half of
 * the work of an entry. These readers take only what they are sure of and decline the
 * rest to the full readers (sign_parse, sign_canonical), which decide and say why: a fast
 * reader never takes what the full reader refuses, and what it takes reads the same
 * (tests/test_scan.c and fuzz/fuzz_scan.c hold them to it). No I/O. */
#ifndef PROMOTE_SCAN_H
#define PROMOTE_SCAN_H

#include <stddef.h>

#include "core/ledger/sign.h"

/* The strings of an envelope, as slices of the bytes it was read from. */
struct scan_sig {
    const char *sig, *keyid; /* keyid NULL when absent */
    size_t sig_len, keyid_len;
};

struct scan_envelope {
    const char *payload, *payload_type;
    size_t payload_len, payload_type_len;
    size_t n_sigs;
    struct scan_sig sigs[SIGN_MAX_SIGS];
};

/* 1 with OUT filled when BYTES (LEN) is a DSSE envelope the fast reader takes: an object
 * of "payload", "payloadType" and "signatures" (1 to SIGN_MAX_SIGS objects of "sig" and
 * an optional "keyid"), each once, every value a string of well-formed UTF-8 without
 * escapes; 0 when it declines; -1 when out of memory. */
int scan_envelope(struct scan_envelope *out, const char *bytes, size_t len);

/* What the log's checks read of a statement. A string longer than its field, or of
 * another type, reads as "" (no value the checks accept is that long). */
struct scan_head {
    char type[64];           /* "_type" */
    char predicate_type[64]; /* "predicateType" */
    char prev[65];           /* "predicate"."prev" */
    long long seq;           /* "predicate"."seq", when SEQ_SET */
    int seq_set;
};

/* 1 with OUT filled when TEXT (LEN bytes) is an object or array, exactly as
 * sign_canonical writes it; 0 when it is not, or the scanner declines (a key with an
 * escape in it); -1 when out of memory. */
int scan_canonical(struct scan_head *out, const unsigned char *text, size_t len);

#endif
