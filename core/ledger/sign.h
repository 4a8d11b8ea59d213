/* Signed records: canonical JSON, DSSE v1 envelopes (Ed25519), RFC 6962 Merkle
 * roots and C2SP tlog-checkpoint signed notes. No I/O. */
#ifndef PROMOTE_SIGN_H
#define PROMOTE_SIGN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/buf.h"
#include "core/base/err.h"
#include "core/ledger/keys.h"

#define SIGN_PAYLOAD_TYPE "application/vnd.in-toto+json"
#define SIGN_MAX_SIGS 8
#define SIGN_CANON_MAX_DEPTH 256 /* canonical JSON nested deeper is refused */

/* Canonical JSON: keys sorted, no insignificant white space, UTF-8, no trailing
 * newline. These bytes are hashed and signed, and never re-serialised. */
int sign_canonical(struct buf *out, const json_t *doc, struct err *e);

/* DSSE v1 pre-authentication encoding:
 * "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in ASCII decimal. */
int sign_pae(struct buf *out, const char *type, const unsigned char *body, size_t len);

/* Sign PAYLOAD with K into a DSSE envelope: one line of compact JSON ending in
 * "\n" ({"payload","payloadType","signatures":[{"keyid","sig"}]}), standard base64.
 * The signature is verified with K's public key before this returns. */
int sign_envelope(struct buf *out, const char *payload_type, const unsigned char *payload,
                  size_t len, const struct key *k, struct err *e);

struct dsse_sig {
    char keyid[65];       /* the unauthenticated hint, "" when absent */
    unsigned char sig[64];
    int sig_len;          /* decoded length; only 64 can verify */
};

struct dsse {
    char *payload_type;     /* owned */
    unsigned char *payload; /* owned, payload_len bytes (+ a NUL not counted) */
    size_t payload_len;
    size_t n_sigs;
    struct dsse_sig sigs[SIGN_MAX_SIGS];
};

/* Strict parse of an envelope: a JSON object with string payload/payloadType and a
 * non-empty signatures array; duplicate keys refused; base64 standard or URL-safe.
 * Errors are EXIT_TAMPER (the bytes are not a well-formed envelope). */
int sign_parse(struct dsse *out, const char *bytes, size_t len, struct err *e);
void sign_dsse_release(struct dsse *d);

/* 0 when some signature of D verifies under PK over PAE(type, payload); the keyid
 * hint is never trusted. */
int sign_verify(const struct dsse *d, const unsigned char pk[32]);

/* RFC 6962: leaf hash = SHA-256(0x00 || data); node = SHA-256(0x01 || l || r); the
 * left subtree holds the largest power of two smaller than n; empty = SHA-256(""). */
void sign_leaf_hash(unsigned char out[32], const unsigned char *data, size_t len);

/* SHA-256 of PREFIX (a byte, or -1 for none) then DATA: OpenSSL's, which uses the CPU's
 * SHA extensions where it has them (3 to 4 times libsodium's rate on the entries of a
 * log), or libsodium's when OpenSSL cannot give one. The same digest either way. */
void sign_sha256(unsigned char out[32], int prefix, const void *data, size_t len);
int sign_merkle_root(unsigned char out[32], const unsigned char (*leaves)[32], size_t n);

/* The same tree built leaf by leaf: the roots of its perfect subtrees, largest first (at
 * most 64), which is all an append needs and gives the root of every prefix on the way. */
struct merkle_frontier {
    uint64_t size;
    unsigned n;
    unsigned char node[64][32];
};
void sign_frontier_init(struct merkle_frontier *f);
/* Add a leaf hash (sign_leaf_hash). */
void sign_frontier_add(struct merkle_frontier *f, const unsigned char leaf[32]);
/* The RFC 6962 root of the leaves added so far (sign_merkle_root of them). */
void sign_frontier_root(unsigned char out[32], const struct merkle_frontier *f);

/* C2SP signed note checkpoint:
 * "<origin>\n<size>\n<base64 root>\n\n\u2014 <key name> <base64(keyid4 || sig64)>\n"
 * keyid4 = first 4 bytes of SHA-256(key name || 0x0A || 0x01 || pk32). */
int sign_checkpoint(struct buf *out, const char *origin, uint64_t size, const unsigned char root[32],
                    const char *key_name, const struct key *k, struct err *e);

struct checkpoint {
    char origin[512];
    uint64_t size;
    unsigned char root[32];
    char key_name[128];
};

/* Parse TEXT and verify its signature line for KEY_NAME/PK. EXIT_TAMPER on any
 * malformation or a signature that does not verify. */
int sign_checkpoint_verify(struct checkpoint *out, const char *text, size_t len,
                           const char *key_name, const unsigned char pk[32], struct err *e);
/* Parse without verifying (to find the key name and fields). */
int sign_checkpoint_parse(struct checkpoint *out, const char *text, size_t len, struct err *e);

#endif
