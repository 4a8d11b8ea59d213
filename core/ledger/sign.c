/* Signed records: canonical JSON, DSSE v1 envelopes (Ed25519), RFC 6962 Merkle
 * roots and C2SP tlog-checkpoint signed notes. No I/O. Every function that writes
 * into a struct buf appends to it, and leaves it as it was when it fails. */
#include "core/ledger/sign.h"

#include <inttypes.h>
#include <limits.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/utf8.h"
#include "core/ledger/scan.h"

#define CANON_MAX_DEPTH SIGN_CANON_MAX_DEPTH /* nesting refused beyond: no deep recursion */
#define NOTE_MAX_SIGS 64           /* signature lines accepted in a checkpoint (C2SP: >= 16) */
#define NOTE_MAX_SIG_B64 8192      /* longest signature accepted on an unknown key's line */
#define EM_DASH_SP "\xe2\x80\x94 " /* U+2014 then a space: opens a signature line */
#define ED25519_NOTE_TYPE 0x01
#define CP_ORIGIN_SIZE sizeof(((struct checkpoint *)0)->origin)
#define CP_NAME_SIZE sizeof(((struct checkpoint *)0)->key_name)

static const int b64_variants[] = {
    sodium_base64_VARIANT_ORIGINAL,
    sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
    sodium_base64_VARIANT_URLSAFE,
    sodium_base64_VARIANT_URLSAFE_NO_PADDING,
};

/* Undo everything appended to B since it was LEN bytes long. */
static void
buf_cut(struct buf *b, size_t len)
{
    if (b->ptr && len <= b->len) {
        b->len = len;
        b->ptr[len] = '\0';
    }
}

/* Append standard padded base64 of BIN to OUT. */
static int
b64_add(struct buf *out, const unsigned char *bin, size_t len)
{
    size_t need;
    char *s;
    int rc;

    if (len > ((size_t)-1 - 16) / 4 * 3)
        return -1;
    need = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    s = malloc(need);
    if (!s)
        return -1;
    sodium_bin2base64(s, need, bin, len, sodium_base64_VARIANT_ORIGINAL);
    rc = buf_add(out, s, need - 1);
    free(s);
    return rc;
}

/* The value of the base64 digit C of the standard alphabet, or 64 when it is not one. */
static unsigned
b64_digit(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : 64;
}

/* Decode S (SLEN bytes) by OpenSSL when it is exactly what libsodium's original variant
 * takes: whole quanta of the standard alphabet, at most two '=' at the end, and no bits
 * set beyond the last byte (libsodium checks in constant time, needless for the public
 * payload of an entry, and at a fifth of the rate). 0 and *OUT_LEN set, or -1: libsodium
 * decides. */
static int
b64_decode_padded(unsigned char *bin, size_t max, size_t *out_len, const char *s, size_t slen)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t pad, i, len, body;
    unsigned char last[3];
    unsigned ok = 1;

    if (slen == 0 || slen % 4 != 0 || slen > INT_MAX)
        return -1;
    pad = (u[slen - 1] == '=') + (u[slen - 1] == '=' && u[slen - 2] == '=');
    for (i = 0; i < slen - pad; i++) /* no early exit: the loop vectorises */
        ok &= (u[i] >= 'A' && u[i] <= 'Z') | (u[i] >= 'a' && u[i] <= 'z') |
              (u[i] >= '0' && u[i] <= '9') | (u[i] == '+') | (u[i] == '/');
    if (!ok || (pad == 1 && (b64_digit(u[slen - 2]) & 0x3)) ||
        (pad == 2 && (b64_digit(u[slen - 3]) & 0xf)))
        return -1;
    len = slen / 4 * 3 - pad;
    if (len > max)
        return -1;
    /* all but the last quantum straight into BIN; the last through LAST, since
     * EVP_DecodeBlock writes its padding's bytes too */
    body = slen - 4;
    if ((body && EVP_DecodeBlock(bin, u, (int)body) != (int)(body / 4 * 3)) ||
        EVP_DecodeBlock(last, u + body, 4) != 3)
        return -1;
    memcpy(bin + body / 4 * 3, last, 3 - pad);
    *out_len = len;
    return 0;
}

/* Decode S (SLEN bytes, all of them) as standard or URL-safe base64, padded or not,
 * into BIN (room for MAX bytes). 0 and *OUT_LEN set, or -1 when no variant decodes
 * all of S or the result does not fit. */
static int
b64_decode_any(unsigned char *bin, size_t max, size_t *out_len, const char *s, size_t slen)
{
    size_t i;

    if (b64_decode_padded(bin, max, out_len, s, slen) == 0)
        return 0;
    for (i = 0; i < sizeof(b64_variants) / sizeof(b64_variants[0]); i++) {
        if (sodium_base642bin(bin, max, s, slen, NULL, out_len, NULL, b64_variants[i]) == 0)
            return 0;
    }
    return -1;
}

/* Decode S (SLEN bytes) as standard padded base64 only, as signed notes use. */
static int
b64_decode_std(unsigned char *bin, size_t max, size_t *out_len, const char *s, size_t slen)
{
    return sodium_base642bin(bin, max, s, slen, NULL, out_len, NULL,
                             sodium_base64_VARIANT_ORIGINAL) == 0
               ? 0
               : -1;
}

/* ---- canonical JSON ---------------------------------------------------------- */

/* 0 when DOC holds no real anywhere and nests no deeper than CANON_MAX_DEPTH (which
 * also stops on a reference cycle before jansson's dumper sees it). */
static int
canon_check(const json_t *doc, int depth, struct err *e)
{
    const char *key;
    json_t *v;
    size_t i;

    if (depth > CANON_MAX_DEPTH)
        return err_set(e, EXIT_EVAL, "cannot make canonical JSON: nested deeper than %d levels",
                       CANON_MAX_DEPTH);
    switch (json_typeof(doc)) {
    case JSON_REAL:
        return err_set(e, EXIT_EVAL,
                       "cannot make canonical JSON: a real number (canonical payloads use "
                       "integers or strings so their bytes are deterministic)");
    case JSON_OBJECT:
        /* json_object_foreach wants a non-const object; nothing is modified */
        json_object_foreach((json_t *)doc, key, v)
        {
            if (canon_check(v, depth + 1, e) < 0)
                return -1;
        }
        return 0;
    case JSON_ARRAY:
        json_array_foreach(doc, i, v)
        {
            if (canon_check(v, depth + 1, e) < 0)
                return -1;
        }
        return 0;
    default:
        return 0;
    }
}

static int
canon_emit(const char *data, size_t len, void *arg)
{
    return buf_add(arg, data, len);
}

int
sign_canonical(struct buf *out, const json_t *doc, struct err *e)
{
    size_t mark = out->len;

    if (!doc)
        return err_set(e, EXIT_EVAL, "cannot make canonical JSON: no document");
    if (canon_check(doc, 0, e) < 0)
        return -1;
    /* JSON_COMPACT: separators "," and ":" with no space; JSON_SORT_KEYS: keys in
     * byte order (memcmp); no JSON_ENSURE_ASCII, so UTF-8 stays as is; no
     * JSON_ESCAPE_SLASH, so '/' stays as is; integers print as integers; no newline. */
    if (json_dump_callback(doc, canon_emit, out, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) !=
        0) {
        buf_cut(out, mark);
        return err_set(e, EXIT_EVAL, "cannot make canonical JSON: out of memory or invalid UTF-8");
    }
    return 0;
}

/* ---- DSSE -------------------------------------------------------------------- */

int
sign_pae(struct buf *out, const char *type, const unsigned char *body, size_t len)
{
    size_t mark = out->len;
    size_t tlen = strlen(type);

    if (buf_addf(out, "DSSEv1 %zu ", tlen) < 0 || buf_add(out, type, tlen) < 0 ||
        buf_addf(out, " %zu ", len) < 0 || buf_add(out, body, len) < 0) {
        buf_cut(out, mark);
        return -1;
    }
    return 0;
}

int
sign_envelope(struct buf *out, const char *payload_type, const unsigned char *payload, size_t len,
              const struct key *k, struct err *e)
{
    struct buf pae = BUF_INIT;
    struct buf b64 = BUF_INIT;
    unsigned char sig[crypto_sign_BYTES];
    char sig_b64[sodium_base64_ENCODED_LEN(crypto_sign_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    json_t *env = NULL;
    size_t mark = out->len;
    int rc = -1;

    if (sign_pae(&pae, payload_type, payload, len) < 0) {
        err_set(e, EXIT_EVAL, "cannot sign: out of memory");
        goto done;
    }
    if (crypto_sign_detached(sig, NULL, (const unsigned char *)pae.ptr, pae.len, k->sk) != 0) {
        err_set(e, EXIT_EVAL, "cannot sign with key '%s'", k->id);
        goto done;
    }
    /* Self-check before anything leaves: the signature must verify under the
     * public key the reader will use. */
    if (crypto_sign_verify_detached(sig, (const unsigned char *)pae.ptr, pae.len, k->pk) != 0) {
        err_set(e, EXIT_USAGE, "signature by key '%s' does not verify under its public key", k->id);
        goto done;
    }
    sodium_bin2base64(sig_b64, sizeof(sig_b64), sig, sizeof(sig), sodium_base64_VARIANT_ORIGINAL);
    if (b64_add(&b64, payload, len) < 0) {
        err_set(e, EXIT_EVAL, "cannot sign: out of memory");
        goto done;
    }
    env = json_pack("{s:s, s:s, s:[{s:s, s:s}]}", "payload", buf_str(&b64), "payloadType",
                    payload_type, "signatures", "keyid", k->id, "sig", sig_b64);
    if (!env) {
        err_set(e, EXIT_EVAL, "cannot build DSSE envelope: payload type or key id is not UTF-8");
        goto done;
    }
    /* canonical order is payload, payloadType, signatures; keyid, sig */
    if (sign_canonical(out, env, e) < 0)
        goto done;
    if (buf_add(out, "\n", 1) < 0) {
        err_set(e, EXIT_EVAL, "cannot sign: out of memory");
        goto done;
    }
    rc = 0;
done:
    if (rc < 0)
        buf_cut(out, mark);
    json_decref(env);
    buf_release(&b64);
    buf_release(&pae);
    return rc;
}

void
sign_dsse_release(struct dsse *d)
{
    if (!d)
        return;
    free(d->payload_type);
    free(d->payload);
    memset(d, 0, sizeof(*d));
}

/* One entry of "signatures": {"sig": string, "keyid": string (optional)}, as slices of
 * the envelope's strings into OUT. */
static int
sig_fields(struct scan_sig *out, const json_t *o, size_t idx, struct err *e)
{
    const json_t *sig, *keyid;

    if (!json_is_object(o))
        return err_set(e, EXIT_TAMPER, "malformed DSSE envelope: signatures[%zu] is not an object",
                       idx);
    sig = json_object_get(o, "sig");
    keyid = json_object_get(o, "keyid");
    if (!json_is_string(sig))
        return err_set(e, EXIT_TAMPER, "malformed DSSE envelope: signatures[%zu].sig %s", idx,
                       sig ? "is not a string" : "is missing");
    if (keyid && !json_is_string(keyid))
        return err_set(e, EXIT_TAMPER,
                       "malformed DSSE envelope: signatures[%zu].keyid is not a string", idx);
    out->sig = json_string_value(sig);
    out->sig_len = json_string_length(sig);
    out->keyid = keyid ? json_string_value(keyid) : NULL;
    out->keyid_len = keyid ? json_string_length(keyid) : 0;
    return 0;
}

/* The fields of the envelope ROOT (parsed by jansson) into OUT, as slices of its strings;
 * E names what is missing or of the wrong type. */
static int
envelope_fields(struct scan_envelope *out, const json_t *root, struct err *e)
{
    const json_t *payload, *type, *sigs;
    size_t i;

    memset(out, 0, sizeof(*out));
    if (!json_is_object(root))
        return err_set(e, EXIT_TAMPER, "malformed DSSE envelope: not a JSON object");
    payload = json_object_get(root, "payload");
    type = json_object_get(root, "payloadType");
    sigs = json_object_get(root, "signatures");
    if (!json_is_string(payload))
        return err_set(e, EXIT_TAMPER, "malformed DSSE envelope: payload %s",
                       payload ? "is not a string" : "is missing");
    if (!json_is_string(type))
        return err_set(e, EXIT_TAMPER, "malformed DSSE envelope: payloadType %s",
                       type ? "is not a string" : "is missing");
    if (!json_is_array(sigs))
        return err_set(e, EXIT_TAMPER, "malformed DSSE envelope: signatures %s",
                       sigs ? "is not an array" : "is missing");
    if (json_array_size(sigs) == 0)
        return err_set(e, EXIT_TAMPER, "malformed DSSE envelope: no signatures");
    if (json_array_size(sigs) > SIGN_MAX_SIGS)
        return err_set(e, EXIT_TAMPER, "malformed DSSE envelope: more than %d signatures",
                       SIGN_MAX_SIGS);
    for (i = 0; i < json_array_size(sigs); i++) {
        if (sig_fields(&out->sigs[i], json_array_get(sigs, i), i, e) < 0)
            return -1;
    }
    out->n_sigs = json_array_size(sigs);
    out->payload = json_string_value(payload);
    out->payload_len = json_string_length(payload);
    out->payload_type = json_string_value(type);
    out->payload_type_len = json_string_length(type);
    return 0;
}

/* Decode the fields F of an envelope into OUT, whichever reader found them. A signature
 * that does not decode, or not to 64 bytes, is kept: it just never verifies. */
static int
envelope_decode(struct dsse *out, const struct scan_envelope *f, struct err *e)
{
    unsigned char tmp[192]; /* what 256 base64 characters can encode */
    size_t i, n, max;

    memset(out, 0, sizeof(*out));
    for (i = 0; i < f->n_sigs; i++) {
        const struct scan_sig *s = &f->sigs[i];
        struct dsse_sig *d = &out->sigs[i];

        if (s->keyid) {
            if (s->keyid_len >= sizeof(d->keyid))
                return err_set(
                    e, EXIT_TAMPER,
                    "malformed DSSE envelope: signatures[%zu].keyid is longer than %zu bytes", i,
                    sizeof(d->keyid) - 1);
            memcpy(d->keyid, s->keyid, s->keyid_len);
            d->keyid[s->keyid_len] = '\0';
        }
        d->sig_len = -1;
        if (s->sig_len <= 256 && b64_decode_any(tmp, sizeof(tmp), &n, s->sig, s->sig_len) == 0) {
            d->sig_len = (int)n;
            memcpy(d->sig, tmp, n < sizeof(d->sig) ? n : sizeof(d->sig));
        }
    }
    out->n_sigs = f->n_sigs;
    max = f->payload_len / 4 * 3 + 3;
    out->payload = malloc(max + 1);
    out->payload_type = malloc(f->payload_type_len + 1);
    if (!out->payload || !out->payload_type) {
        sign_dsse_release(out);
        return err_set(e, EXIT_EVAL, "cannot parse DSSE envelope: out of memory");
    }
    memcpy(out->payload_type, f->payload_type, f->payload_type_len);
    out->payload_type[f->payload_type_len] = '\0';
    if (b64_decode_any(out->payload, max, &out->payload_len, f->payload, f->payload_len) < 0) {
        sign_dsse_release(out);
        return err_set(e, EXIT_TAMPER, "malformed DSSE envelope: payload is not base64");
    }
    out->payload[out->payload_len] = '\0';
    return 0;
}

int
sign_parse(struct dsse *out, const char *bytes, size_t len, struct err *e)
{
    struct scan_envelope f;
    json_t *root;
    json_error_t jerr;
    int rc;

    memset(out, 0, sizeof(*out));
    /* most envelopes are read without a tree; jansson reads the rest, and says why not */
    rc = scan_envelope(&f, bytes, len);
    if (rc < 0)
        return err_set(e, EXIT_EVAL, "cannot parse DSSE envelope: out of memory");
    if (rc == 1)
        return envelope_decode(out, &f, e);
    root = json_loadb(bytes, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return err_set(e, EXIT_TAMPER, "malformed DSSE envelope: %s at offset %d",
                       err_json_kind(&jerr), jerr.position);
    rc = envelope_fields(&f, root, e);
    if (rc == 0)
        rc = envelope_decode(out, &f, e);
    json_decref(root);
    return rc;
}

int
sign_verify(const struct dsse *d, const unsigned char pk[32])
{
    struct buf pae = BUF_INIT;
    size_t i;
    int rc = -1;

    if (!d->payload_type || !d->payload)
        return -1;
    if (sign_pae(&pae, d->payload_type, d->payload, d->payload_len) < 0)
        return -1;
    for (i = 0; i < d->n_sigs && i < SIGN_MAX_SIGS; i++) {
        if (d->sigs[i].sig_len != crypto_sign_BYTES)
            continue;
        if (crypto_sign_verify_detached(d->sigs[i].sig, (const unsigned char *)pae.ptr, pae.len,
                                        pk) == 0) {
            rc = 0;
            break;
        }
    }
    buf_release(&pae);
    return rc;
}

/* ---- RFC 6962 Merkle tree ------------------------------------------------------ */

static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256_md; /* fetched once, shared by every thread; NULL: libsodium's */

static void
sha256_fetch(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA2-256", NULL);
}

void
sign_sha256(unsigned char out[32], int prefix, const void *data, size_t len)
{
    const unsigned char p = (unsigned char)prefix;
    crypto_hash_sha256_state st;
    EVP_MD_CTX *md = NULL;
    unsigned int n = 0;

    if (pthread_once(&sha256_once, sha256_fetch) == 0 && sha256_md &&
        (md = EVP_MD_CTX_new()) != NULL && EVP_DigestInit_ex(md, sha256_md, NULL) == 1 &&
        (prefix < 0 || EVP_DigestUpdate(md, &p, 1) == 1) &&
        EVP_DigestUpdate(md, data, len) == 1 && EVP_DigestFinal_ex(md, out, &n) == 1 &&
        n == 32) {
        EVP_MD_CTX_free(md);
        return;
    }
    EVP_MD_CTX_free(md);
    crypto_hash_sha256_init(&st);
    if (prefix >= 0)
        crypto_hash_sha256_update(&st, &p, 1);
    crypto_hash_sha256_update(&st, data, len);
    crypto_hash_sha256_final(&st, out);
}

void
sign_leaf_hash(unsigned char out[32], const unsigned char *data, size_t len)
{
    sign_sha256(out, 0x00, data, len);
}

static void
node_hash(unsigned char out[32], const unsigned char l[32], const unsigned char r[32])
{
    unsigned char lr[64];

    memcpy(lr, l, 32);
    memcpy(lr + 32, r, 32);
    sign_sha256(out, 0x01, lr, sizeof(lr));
}

/* MTH(D[n]) for n >= 1 leaf hashes: recursion depth is ceil(log2 n), 64 at most. */
static void
mth(unsigned char out[32], const unsigned char (*leaves)[32], size_t n)
{
    unsigned char l[32], r[32];
    size_t k = 1;

    if (n == 1) {
        memcpy(out, leaves[0], 32);
        return;
    }
    while (k < n - k) /* the largest power of two strictly smaller than n */
        k <<= 1;
    mth(l, leaves, k);
    mth(r, leaves + k, n - k);
    node_hash(out, l, r);
}

int
sign_merkle_root(unsigned char out[32], const unsigned char (*leaves)[32], size_t n)
{
    if (n == 0) {
        crypto_hash_sha256(out, (const unsigned char *)"", 0);
        return 0;
    }
    if (!leaves)
        return -1;
    mth(out, leaves, n);
    return 0;
}

void
sign_frontier_init(struct merkle_frontier *f)
{
    memset(f, 0, sizeof(*f));
}

void
sign_frontier_add(struct merkle_frontier *f, const unsigned char leaf[32])
{
    unsigned char h[32];
    uint64_t s = f->size;

    /* each trailing one bit of the size is a perfect subtree the new leaf completes */
    memcpy(h, leaf, 32);
    while (s & 1) {
        node_hash(h, f->node[f->n - 1], h);
        f->n--;
        s >>= 1;
    }
    memcpy(f->node[f->n++], h, 32);
    f->size++;
}

void
sign_frontier_root(unsigned char out[32], const struct merkle_frontier *f)
{
    unsigned i;

    if (f->n == 0) {
        crypto_hash_sha256(out, (const unsigned char *)"", 0);
        return;
    }
    /* the smallest subtree is the rightmost: fold from it towards the largest */
    memcpy(out, f->node[f->n - 1], 32);
    for (i = f->n - 1; i-- > 0;)
        node_hash(out, f->node[i], out);
}

/* ---- C2SP signed-note checkpoints ---------------------------------------------- */

/* Length of the valid UTF-8 sequence at S (at most N bytes), its code point in *CP;
 * 0 when S does not start with one (overlong, surrogate, > U+10FFFF, truncated). */
static size_t
utf8_next(uint32_t *cp, const unsigned char *s, size_t n)
{
    size_t len = utf8_seqn((const char *)s, n), i;
    uint32_t c;

    if (len == 0)
        return 0;
    c = len == 1 ? s[0] : s[0] & (0xffu >> (len + 1));
    for (i = 1; i < len; i++)
        c = (c << 6) | (s[i] & 0x3f);
    *cp = c;
    return len;
}

/* Unicode White_Space (what Go's unicode.IsSpace reports), minus nothing. */
static int
is_unicode_space(uint32_t c)
{
    return c == ' ' || (c >= 0x09 && c <= 0x0d) || c == 0x85 || c == 0xa0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f ||
           c == 0x205f || c == 0x3000;
}

/* A line's content: non-empty, valid UTF-8, no ASCII control character. */
static int
note_text_ok(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    uint32_t c;
    size_t i = 0, step;

    if (n == 0)
        return 0;
    while (i < n) {
        step = utf8_next(&c, p + i, n - i);
        if (step == 0 || c < 0x20 || c == 0x7f)
            return 0;
        i += step;
    }
    return 1;
}

/* A signed-note key name: non-empty, valid UTF-8, no Unicode space, no '+', no
 * control character. */
static int
note_name_ok(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    uint32_t c;
    size_t i = 0, step;

    if (n == 0)
        return 0;
    while (i < n) {
        step = utf8_next(&c, p + i, n - i);
        if (step == 0 || c < 0x20 || c == 0x7f || c == '+' || is_unicode_space(c))
            return 0;
        i += step;
    }
    return 1;
}

static void
note_key_id(unsigned char id[4], const char *name, size_t name_len, const unsigned char pk[32])
{
    crypto_hash_sha256_state st;
    unsigned char h[crypto_hash_sha256_BYTES];
    const unsigned char sep[2] = {0x0a, ED25519_NOTE_TYPE};

    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)name, name_len);
    crypto_hash_sha256_update(&st, sep, sizeof(sep));
    crypto_hash_sha256_update(&st, pk, 32);
    crypto_hash_sha256_final(&st, h);
    memcpy(id, h, 4);
}

int
sign_checkpoint(struct buf *out, const char *origin, uint64_t size, const unsigned char root[32],
                const char *key_name, const struct key *k, struct err *e)
{
    struct buf body = BUF_INIT;
    char root_b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
    unsigned char blob[4 + crypto_sign_BYTES];
    char blob_b64[sodium_base64_ENCODED_LEN(sizeof(blob), sodium_base64_VARIANT_ORIGINAL)];
    size_t mark = out->len;
    int rc = -1;

    if (strlen(origin) >= CP_ORIGIN_SIZE || !note_text_ok(origin, strlen(origin)))
        return err_set(e, EXIT_USAGE,
                       "invalid checkpoint origin: must be non-empty UTF-8 without control "
                       "characters, shorter than %zu bytes",
                       CP_ORIGIN_SIZE);
    if (strlen(key_name) >= CP_NAME_SIZE || !note_name_ok(key_name, strlen(key_name)))
        return err_set(e, EXIT_USAGE,
                       "invalid checkpoint key name: must be non-empty UTF-8 without spaces, "
                       "'+' or control characters, shorter than %zu bytes",
                       CP_NAME_SIZE);
    sodium_bin2base64(root_b64, sizeof(root_b64), root, 32, sodium_base64_VARIANT_ORIGINAL);
    if (buf_adds(&body, origin) < 0 || buf_addf(&body, "\n%" PRIu64 "\n", size) < 0 ||
        buf_adds(&body, root_b64) < 0 || buf_add(&body, "\n", 1) < 0) {
        err_set(e, EXIT_EVAL, "cannot sign checkpoint: out of memory");
        goto done;
    }
    note_key_id(blob, key_name, strlen(key_name), k->pk);
    if (crypto_sign_detached(blob + 4, NULL, (const unsigned char *)body.ptr, body.len, k->sk) !=
        0) {
        err_set(e, EXIT_EVAL, "cannot sign checkpoint with key '%s'", k->id);
        goto done;
    }
    if (crypto_sign_verify_detached(blob + 4, (const unsigned char *)body.ptr, body.len, k->pk) !=
        0) {
        err_set(e, EXIT_USAGE,
                "checkpoint signature by key '%s' does not verify under its public key", k->id);
        goto done;
    }
    sodium_bin2base64(blob_b64, sizeof(blob_b64), blob, sizeof(blob),
                      sodium_base64_VARIANT_ORIGINAL);
    if (buf_add(out, body.ptr, body.len) < 0 || buf_add(out, "\n" EM_DASH_SP, 5) < 0 ||
        buf_adds(out, key_name) < 0 || buf_add(out, " ", 1) < 0 || buf_adds(out, blob_b64) < 0 ||
        buf_add(out, "\n", 1) < 0) {
        err_set(e, EXIT_EVAL, "cannot sign checkpoint: out of memory");
        goto done;
    }
    rc = 0;
done:
    if (rc < 0)
        buf_cut(out, mark);
    buf_release(&body);
    return rc;
}

/* One parsed signature line: "— <name> <base64>". */
struct note_sig {
    const char *name;
    size_t name_len;
    const char *b64;
    size_t b64_len;
    unsigned char *bin; /* decoded: key id (4) || signature; owned */
    size_t bin_len;
};

/* The parts of a checkpoint, pointing into the text. */
struct note {
    size_t body_len; /* the signed bytes: text[0, body_len) */
    size_t n_sigs;
    struct note_sig sigs[NOTE_MAX_SIGS];
};

static int
malformed(struct err *e, const char *why)
{
    return err_set(e, EXIT_TAMPER, "malformed checkpoint: %s", why);
}

/* Next line of TEXT from *POS, without its '\n'; -1 when no '\n' ends it. */
static int
next_line(const char **line, size_t *line_len, const char *text, size_t len, size_t *pos)
{
    const char *nl;

    if (*pos >= len)
        return -1;
    nl = memchr(text + *pos, '\n', len - *pos);
    if (!nl)
        return -1;
    *line = text + *pos;
    *line_len = (size_t)(nl - *line);
    *pos += *line_len + 1;
    return 0;
}

static int
note_parse(struct checkpoint *out, struct note *n, const char *text, size_t len, struct err *e)
{
    const char *line;
    size_t line_len, pos = 0, i, root_len;
    uint64_t size = 0;
    struct note_sig *s;
    const char *sp;

    memset(out, 0, sizeof(*out));
    if (len == 0 || text[len - 1] != '\n')
        return malformed(e, "does not end in a newline");
    /* origin */
    if (next_line(&line, &line_len, text, len, &pos) < 0 || line_len == 0)
        return malformed(e, "empty origin line");
    if (line_len >= sizeof(out->origin))
        return malformed(e, "origin line too long");
    if (!note_text_ok(line, line_len))
        return malformed(e, "origin line is not UTF-8 text without control characters");
    memcpy(out->origin, line, line_len);
    out->origin[line_len] = '\0';
    /* tree size: decimal, no sign, no leading zero except "0", fits in 64 bits */
    if (next_line(&line, &line_len, text, len, &pos) < 0 || line_len == 0)
        return malformed(e, "missing tree size line");
    if (line_len > 1 && line[0] == '0')
        return malformed(e, "tree size has a leading zero");
    for (i = 0; i < line_len; i++) {
        if (line[i] < '0' || line[i] > '9')
            return malformed(e, "tree size is not a decimal number");
        if (size > (UINT64_MAX - (uint64_t)(line[i] - '0')) / 10)
            return malformed(e, "tree size does not fit in 64 bits");
        size = size * 10 + (uint64_t)(line[i] - '0');
    }
    out->size = size;
    /* root hash: standard base64 of exactly 32 bytes */
    if (next_line(&line, &line_len, text, len, &pos) < 0 || line_len == 0)
        return malformed(e, "missing root hash line");
    if (b64_decode_std(out->root, sizeof(out->root), &root_len, line, line_len) < 0 ||
        root_len != sizeof(out->root))
        return malformed(e, "root hash is not standard base64 of 32 bytes");
    n->body_len = pos;
    /* the blank line, then one or more signature lines up to the end */
    if (next_line(&line, &line_len, text, len, &pos) < 0 || line_len != 0)
        return malformed(e, "no blank line after the root hash (extension lines are refused)");
    while (pos < len) {
        if (n->n_sigs == NOTE_MAX_SIGS)
            return malformed(e, "too many signature lines");
        next_line(&line, &line_len, text, len, &pos); /* text ends in '\n': cannot fail */
        if (line_len < 4 || memcmp(line, EM_DASH_SP, 4) != 0)
            return malformed(e, "a signature line does not start with an em dash and a space");
        if (!note_text_ok(line, line_len))
            return malformed(e, "a signature line is not UTF-8 text without control characters");
        s = &n->sigs[n->n_sigs++];
        s->name = line + 4;
        sp = memchr(s->name, ' ', line_len - 4);
        if (!sp)
            return malformed(e, "a signature line has no signature");
        s->name_len = (size_t)(sp - s->name);
        s->b64 = sp + 1;
        s->b64_len = line_len - 4 - s->name_len - 1;
        if (!note_name_ok(s->name, s->name_len))
            return malformed(e, "a signature line has an invalid key name");
        if (s->b64_len == 0 || s->b64_len > NOTE_MAX_SIG_B64 || memchr(s->b64, ' ', s->b64_len))
            return malformed(e, "a signature line has an invalid signature");
    }
    if (n->n_sigs == 0)
        return malformed(e, "no signature lines");
    return 0;
}

/* Decode every signature line into N->bin: a line that is not standard base64 of a
 * key id and at least one byte is malformed, whoever signed it. */
static int
note_decode_sigs(struct note *n, struct err *e)
{
    size_t i;

    for (i = 0; i < n->n_sigs; i++) {
        struct note_sig *s = &n->sigs[i];

        s->bin = malloc(s->b64_len / 4 * 3 + 3);
        if (!s->bin)
            return err_set(e, EXIT_EVAL, "cannot parse checkpoint: out of memory");
        if (b64_decode_std(s->bin, s->b64_len / 4 * 3 + 3, &s->bin_len, s->b64, s->b64_len) < 0 ||
            s->bin_len < 5)
            return malformed(e, "a signature is not standard base64 of a key id and signature");
    }
    return 0;
}

static void
note_free(struct note *n)
{
    size_t i;

    if (!n)
        return;
    for (i = 0; i < n->n_sigs; i++)
        free(n->sigs[i].bin);
    free(n);
}

static int
note_load(struct note **out, struct checkpoint *cp, const char *text, size_t len, struct err *e)
{
    struct note *n;

    *out = NULL;
    n = calloc(1, sizeof(*n));
    if (!n)
        return err_set(e, EXIT_EVAL, "cannot parse checkpoint: out of memory");
    if (note_parse(cp, n, text, len, e) < 0 || note_decode_sigs(n, e) < 0) {
        note_free(n);
        memset(cp, 0, sizeof(*cp));
        return -1;
    }
    *out = n;
    return 0;
}

int
sign_checkpoint_parse(struct checkpoint *out, const char *text, size_t len, struct err *e)
{
    struct note *n = NULL;

    if (note_load(&n, out, text, len, e) < 0)
        return -1;
    /* the key name of the first signature line */
    if (n->sigs[0].name_len >= sizeof(out->key_name)) {
        note_free(n);
        memset(out, 0, sizeof(*out));
        return malformed(e, "key name too long");
    }
    memcpy(out->key_name, n->sigs[0].name, n->sigs[0].name_len);
    out->key_name[n->sigs[0].name_len] = '\0';
    note_free(n);
    return 0;
}

int
sign_checkpoint_verify(struct checkpoint *out, const char *text, size_t len, const char *key_name,
                       const unsigned char pk[32], struct err *e)
{
    struct note *n = NULL;
    unsigned char want_id[4];
    size_t i, name_len = strlen(key_name);
    int matched = 0;
    int rc = -1;

    if (name_len >= sizeof(out->key_name))
        return err_set(e, EXIT_USAGE, "checkpoint key name too long");
    if (note_load(&n, out, text, len, e) < 0)
        return -1;
    note_key_id(want_id, key_name, name_len, pk);
    /* C2SP signed-note: lines of other keys (another name or another key id) are
     * ignored; every line of our key must verify, and there must be one. */
    for (i = 0; i < n->n_sigs; i++) {
        const struct note_sig *s = &n->sigs[i];

        if (s->name_len != name_len || memcmp(s->name, key_name, name_len) != 0 ||
            memcmp(s->bin, want_id, 4) != 0)
            continue;
        if (s->bin_len != 4 + crypto_sign_BYTES) {
            err_set(e, EXIT_TAMPER, "malformed checkpoint: signature by key '%s' is not %d bytes",
                    key_name, crypto_sign_BYTES);
            goto done;
        }
        if (crypto_sign_verify_detached(s->bin + 4, (const unsigned char *)text, n->body_len, pk) !=
            0) {
            err_set(e, EXIT_TAMPER, "bad checkpoint signature by key '%s'", key_name);
            goto done;
        }
        matched++;
    }
    if (!matched) {
        err_set(e, EXIT_TAMPER, "checkpoint not signed by key '%s' (unknown key)", key_name);
        goto done;
    }
    memcpy(out->key_name, key_name, name_len + 1);
    rc = 0;
done:
    note_free(n);
    if (rc < 0)
        memset(out, 0, sizeof(*out));
    return rc;
}
