#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four above, which it needs */

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/buf.h"
#include "core/base/err.h"
#include "core/ledger/keys.h"
#include "core/ledger/sign.h"

#include "testkeys.h"

#define TYPE SIGN_PAYLOAD_TYPE

static void
read_fixture(struct buf *out, const char *rel)
{
    char path[1024];
    char chunk[4096];
    FILE *f;
    size_t n;

    assert_true(strlen(FIXTURES) + strlen(rel) + 2 < sizeof(path));
    memcpy(path, FIXTURES, strlen(FIXTURES));
    path[strlen(FIXTURES)] = '/';
    memcpy(path + strlen(FIXTURES) + 1, rel, strlen(rel) + 1);
    f = fopen(path, "rb");
    assert_non_null(f);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        assert_int_equal(buf_add(out, chunk, n), 0);
    assert_int_equal(ferror(f), 0);
    fclose(f);
}

static char *
b64(const unsigned char *bin, size_t len, int variant)
{
    size_t need = sodium_base64_ENCODED_LEN(len, variant);
    char *s = malloc(need);

    assert_non_null(s);
    sodium_bin2base64(s, need, bin, len, variant);
    return s;
}

/* An envelope assembled by hand from its parts (KEYID NULL: no keyid field). */
static char *
envelope_of(const char *payload_b64, const char *type, const char *keyid, const char *sig_b64)
{
    json_t *sig = json_pack("{s:s}", "sig", sig_b64);
    json_t *env;
    char *s;

    assert_non_null(sig);
    if (keyid)
        assert_int_equal(json_object_set_new(sig, "keyid", json_string(keyid)), 0);
    env = json_pack("{s:s, s:s, s:[o]}", "payload", payload_b64, "payloadType", type, "signatures",
                    sig);
    assert_non_null(env);
    s = json_dumps(env, JSON_COMPACT | JSON_SORT_KEYS);
    assert_non_null(s);
    json_decref(env);
    return s;
}

/* Parse TEXT (must parse) and return sign_verify's result under PK. */
static int
parse_and_verify(const char *text, const unsigned char pk[32])
{
    struct err e = ERR_INIT;
    struct dsse d;
    int rc;

    if (sign_parse(&d, text, strlen(text), &e) < 0)
        fail_msg("parse failed: %s", e.msg);
    rc = sign_verify(&d, pk);
    sign_dsse_release(&d);
    return rc;
}

/* TEXT must not parse: EXIT_TAMPER and a message containing WANT. */
static void
parse_fails(const char *text, size_t len, const char *want)
{
    struct err e = ERR_INIT;
    struct dsse d;

    if (sign_parse(&d, text, len, &e) == 0) {
        sign_dsse_release(&d);
        fail_msg("parsed but should not: %.*s", (int)len, text);
    }
    assert_int_equal(e.code, EXIT_TAMPER);
    if (!strstr(e.msg, want))
        fail_msg("message '%s' lacks '%s'", e.msg, want);
    assert_null(d.payload);
    assert_null(d.payload_type);
}

/* ---- PAE ---------------------------------------------------------------------- */

static void
test_pae_vector(void **state)
{
    struct buf b = BUF_INIT;
    const char *want = "DSSEv1 29 http://example.com/HelloWorld 11 hello world";

    (void)state;
    assert_int_equal(
        sign_pae(&b, "http://example.com/HelloWorld", (const unsigned char *)"hello world", 11), 0);
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(b.ptr, want, b.len);
    buf_release(&b);

    /* empty type and body */
    assert_int_equal(sign_pae(&b, "", (const unsigned char *)"", 0), 0);
    assert_string_equal(b.ptr, "DSSEv1 0  0 ");
    buf_release(&b);

    /* LEN counts bytes (U+00E9 is two), the body may hold NUL bytes */
    assert_int_equal(sign_pae(&b, "t\xc3\xa9", (const unsigned char *)"a\0b", 3), 0);
    assert_int_equal(b.len, 18);
    assert_memory_equal(b.ptr, "DSSEv1 3 t\xc3\xa9 3 a\0b", 18);
    buf_release(&b);

    /* appends to what the buffer holds */
    assert_int_equal(buf_adds(&b, "x"), 0);
    assert_int_equal(sign_pae(&b, "t", (const unsigned char *)"1234567890", 10), 0);
    assert_string_equal(b.ptr, "xDSSEv1 1 t 10 1234567890");
    buf_release(&b);
}

/* ---- canonical JSON --------------------------------------------------------------- */

/* DOC (a JSON text, owned) canonicalises to exactly WANT. */
static void
canon_is(json_t *doc, const char *want)
{
    struct buf b = BUF_INIT;
    struct err e = ERR_INIT;

    assert_non_null(doc);
    if (sign_canonical(&b, doc, &e) < 0)
        fail_msg("canonical failed: %s", e.msg);
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(b.ptr, want, b.len);
    buf_release(&b);
    json_decref(doc);
}

static json_t *
load(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &je);

    if (!j)
        fail_msg("bad test JSON: %s", je.text);
    return j;
}

static void
test_canonical_sorted_nested(void **state)
{
    (void)state;
    canon_is(
        load("{ \"b\" : 1,\n \"a\" : { \"d\" : [3, { \"z\" : \"x\", \"y\" : null }],"
             " \"c\" : true, \"aa\": false, \"ab\": [] }, \"\" : {} }"),
        "{\"\":{},\"a\":{\"aa\":false,\"ab\":[],\"c\":true,\"d\":[3,{\"y\":null,\"z\":\"x\"}]},"
        "\"b\":1}");
    /* key order is byte order: "B" < "a" < "aa" < "b"; arrays keep their order */
    canon_is(load("{\"b\":[\"z\",\"a\"],\"aa\":0,\"a\":0,\"B\":0}"),
             "{\"B\":0,\"a\":0,\"aa\":0,\"b\":[\"z\",\"a\"]}");
    /* integers as integers, at both ends of 64 bits */
    canon_is(load("{\"max\":9223372036854775807,\"min\":-9223372036854775808,\"z\":0,\"n\":-1}"),
             "{\"max\":9223372036854775807,\"min\":-9223372036854775808,\"n\":-1,\"z\":0}");
    canon_is(json_pack("{s:I}", "big", (json_int_t)9007199254740993LL),
             "{\"big\":9007199254740993}");
    /* no trailing newline, scalars too */
    canon_is(load("[]"), "[]");
    canon_is(load("\"x\""), "\"x\"");
}

static void
test_canonical_unicode_and_escapes(void **state)
{
    (void)state;
    /* UTF-8 as is, never \u escapes for non-ASCII; '/' not escaped */
    canon_is(
        load("{\"name\":\"caf\\u00e9 \\u65e5\\u672c \\ud83d\\ude00\",\"url\":\"a/b\"}"),
        "{\"name\":\"caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80\",\"url\":\"a/b\"}");
    canon_is(load("\"http:\\/\\/example.com\\/x\""), "\"http://example.com/x\"");
    /* keys sorted by UTF-8 bytes: U+FF61 (ef bd a1) before U+1F600 (f0 9f 98 80), the
     * reverse of UTF-16 order (d83d de00 < ff61); "z" before "\u00e9" (c3 a9) */
    canon_is(load("{\"\\ud83d\\ude00\":1,\"\\uff61\":2,\"\\u00e9\":3,\"z\":4}"),
             "{\"z\":4,\"\xc3\xa9\":3,\"\xef\xbd\xa1\":2,\"\xf0\x9f\x98\x80\":1}");
    /* the escapes JSON requires, and only those */
    canon_is(load("[\"q\\\"b\\\\n\\nt\\tc\\u0001d\\u007f\"]"),
             "[\"q\\\"b\\\\n\\nt\\tc\\u0001d\x7f\"]");
}

static void
test_canonical_refuses_reals(void **state)
{
    struct buf b = BUF_INIT;
    struct err e = ERR_INIT;
    json_t *doc;

    (void)state;
    assert_int_equal(buf_adds(&b, "kept"), 0);
    doc = load("{\"a\":[1,{\"b\":2.5}]}");
    assert_int_equal(sign_canonical(&b, doc, &e), -1);
    assert_non_null(strstr(e.msg, "real number"));
    assert_int_not_equal(e.code, 0);
    assert_string_equal(buf_str(&b), "kept"); /* nothing appended on failure */
    json_decref(doc);

    doc = json_real(1.0); /* even an integral real */
    assert_int_equal(sign_canonical(&b, doc, &e), -1);
    json_decref(doc);
    doc = load("{\"ok\":1,\"pct\":92.71}");
    assert_int_equal(sign_canonical(&b, doc, &e), -1);
    json_decref(doc);
    assert_string_equal(buf_str(&b), "kept");
    buf_release(&b);
}

static void
test_canonical_refuses_deep_nesting(void **state)
{
    struct buf b = BUF_INIT;
    struct err e = ERR_INIT;
    json_t *doc = json_array();
    json_t *inner = doc;
    int i;

    (void)state;
    for (i = 0; i < 300; i++) {
        json_t *a = json_array();

        assert_int_equal(json_array_append_new(inner, a), 0);
        inner = a;
    }
    assert_int_equal(sign_canonical(&b, doc, &e), -1);
    assert_non_null(strstr(e.msg, "nested"));
    assert_null(b.ptr);
    json_decref(doc);
}

/* ---- DSSE envelopes -------------------------------------------------------------- */

/* The fixture payload: a small in-toto Statement, canonical. */
static void
statement(struct buf *out)
{
    struct err e = ERR_INIT;
    json_t *doc =
        json_pack("{s:s, s:[{s:s, s:{s:s}}], s:s, s:{s:s, s:s, s:s}}", "_type",
                  "https://in-toto.io/Statement/v1", "subject", "name", "bbws/order-service",
                  "digest", "gitCommit", "0123456789abcdef0123456789abcdef01234567",
                  "predicateType", "https://example.com/promote-test/v1", "predicate", "decision",
                  "approved", "to", "production", "note", "caf\xc3\xa9 a/b");

    assert_non_null(doc);
    assert_int_equal(sign_canonical(out, doc, &e), 0);
    json_decref(doc);
}

static void
sign_statement(struct buf *env, const struct key *k)
{
    struct buf payload = BUF_INIT;
    struct err e = ERR_INIT;

    statement(&payload);
    if (sign_envelope(env, TYPE, (const unsigned char *)payload.ptr, payload.len, k, &e) < 0)
        fail_msg("sign_envelope: %s", e.msg);
    buf_release(&payload);
}

static void
test_dsse_round_trip(void **state)
{
    struct key k;
    struct buf env = BUF_INIT, payload = BUF_INIT, fixture = BUF_INIT, pub = BUF_INIT;
    struct err e = ERR_INIT;
    struct dsse d;
    char *pk64;

    (void)state;
    make_key(&k, 0);
    statement(&payload);
    assert_string_equal(
        payload.ptr,
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicate\":{\"decision\":\"approved\","
        "\"note\":\"caf\xc3\xa9 a/b\",\"to\":\"production\"},\"predicateType\":"
        "\"https://example.com/promote-test/v1\",\"subject\":[{\"digest\":{\"gitCommit\":"
        "\"0123456789abcdef0123456789abcdef01234567\"},\"name\":\"bbws/order-service\"}]}");
    sign_statement(&env, &k);

    /* one line, fields in order, ending in "\n"; byte for byte the fixture that
     * tests/e2e/t0301-dsse-openssl.sh verifies with openssl alone */
    assert_int_equal(env.ptr[env.len - 1], '\n');
    assert_ptr_equal(strchr(env.ptr, '\n'), env.ptr + env.len - 1);
    assert_memory_equal(env.ptr, "{\"payload\":\"", 12);
    assert_non_null(strstr(env.ptr, "\",\"payloadType\":\"application/vnd.in-toto+json\","
                                    "\"signatures\":[{\"keyid\":\""));
    read_fixture(&fixture, "sign/entry.dsse.json");
    assert_string_equal(env.ptr, fixture.ptr);
    pk64 = b64(k.pk, 32, sodium_base64_VARIANT_ORIGINAL);
    read_fixture(&pub, "sign/pub.b64");
    assert_int_equal(pub.len, strlen(pk64) + 1);
    assert_memory_equal(pub.ptr, pk64, strlen(pk64));
    free(pk64);

    assert_int_equal(sign_parse(&d, env.ptr, env.len, &e), 0);
    assert_string_equal(d.payload_type, TYPE);
    assert_int_equal(d.payload_len, payload.len);
    assert_memory_equal(d.payload, payload.ptr, payload.len);
    assert_int_equal(d.payload[d.payload_len], '\0');
    assert_int_equal(d.n_sigs, 1);
    assert_string_equal(d.sigs[0].keyid, k.id);
    assert_int_equal(d.sigs[0].sig_len, 64);
    assert_int_equal(sign_verify(&d, k.pk), 0);
    sign_dsse_release(&d);
    sign_dsse_release(&d); /* twice is harmless */
    sign_dsse_release(NULL);

    buf_release(&env);
    buf_release(&payload);
    buf_release(&fixture);
    buf_release(&pub);
}

static void
test_dsse_empty_payload_and_append(void **state)
{
    struct key k;
    struct buf env = BUF_INIT;
    struct err e = ERR_INIT;
    struct dsse d;

    (void)state;
    make_key(&k, 0);
    assert_int_equal(buf_adds(&env, "prev\n"), 0);
    assert_int_equal(sign_envelope(&env, "text/plain", (const unsigned char *)"", 0, &k, &e), 0);
    assert_memory_equal(env.ptr, "prev\n{\"payload\":\"\",\"payloadType\":\"text/plain\",", 46);
    assert_int_equal(sign_parse(&d, env.ptr + 5, env.len - 5, &e), 0);
    assert_int_equal(d.payload_len, 0);
    assert_int_equal(d.payload[0], '\0');
    assert_int_equal(sign_verify(&d, k.pk), 0);
    sign_dsse_release(&d);
    buf_release(&env);
}

static void
test_dsse_self_check(void **state)
{
    struct key k, other;
    struct buf env = BUF_INIT;
    struct err e = ERR_INIT;

    (void)state;
    make_key(&k, 0);
    make_key(&other, 100);
    memcpy(k.pk, other.pk, 32); /* a secret key that does not match its public key */
    assert_int_equal(buf_adds(&env, "kept"), 0);
    assert_int_equal(sign_envelope(&env, TYPE, (const unsigned char *)"{}", 2, &k, &e), -1);
    assert_int_not_equal(e.code, 0);
    assert_non_null(strstr(e.msg, "does not verify"));
    assert_string_equal(env.ptr, "kept");
    buf_release(&env);
}

/* The parts of a fresh envelope over the statement by key K. */
struct parts {
    struct dsse d;
    char *payload64, *sig64;
};

static void
parts_make(struct parts *p, const struct key *k)
{
    struct buf env = BUF_INIT;
    struct err e = ERR_INIT;

    sign_statement(&env, k);
    assert_int_equal(sign_parse(&p->d, env.ptr, env.len, &e), 0);
    p->payload64 = b64(p->d.payload, p->d.payload_len, sodium_base64_VARIANT_ORIGINAL);
    p->sig64 = b64(p->d.sigs[0].sig, 64, sodium_base64_VARIANT_ORIGINAL);
    /* envelope_of rebuilds exactly what sign_envelope wrote */
    {
        char *again = envelope_of(p->payload64, TYPE, k->id, p->sig64);

        assert_int_equal(strlen(again) + 1, env.len);
        assert_memory_equal(again, env.ptr, strlen(again));
        free(again);
    }
    buf_release(&env);
}

static void
parts_release(struct parts *p)
{
    sign_dsse_release(&p->d);
    free(p->payload64);
    free(p->sig64);
}

static void
test_dsse_tamper_payload(void **state)
{
    struct key k;
    struct parts p;
    size_t at[3], i;

    (void)state;
    make_key(&k, 0);
    parts_make(&p, &k);
    at[0] = 0;
    at[1] = p.d.payload_len / 2;
    at[2] = p.d.payload_len - 1;
    for (i = 0; i < 3; i++) {
        unsigned char *bytes = malloc(p.d.payload_len);
        char *p64, *text;

        assert_non_null(bytes);
        memcpy(bytes, p.d.payload, p.d.payload_len);
        bytes[at[i]] ^= 0x01;
        p64 = b64(bytes, p.d.payload_len, sodium_base64_VARIANT_ORIGINAL);
        text = envelope_of(p64, TYPE, k.id, p.sig64);
        assert_int_equal(parse_and_verify(text, k.pk), -1);
        free(text);
        free(p64);
        free(bytes);

        /* the same on the parsed structure */
        p.d.payload[at[i]] ^= 0x01;
        assert_int_equal(sign_verify(&p.d, k.pk), -1);
        p.d.payload[at[i]] ^= 0x01;
        assert_int_equal(sign_verify(&p.d, k.pk), 0);
    }
    /* one byte more or less */
    p.d.payload_len--;
    assert_int_equal(sign_verify(&p.d, k.pk), -1);
    p.d.payload_len++;
    assert_int_equal(sign_verify(&p.d, k.pk), 0);
    parts_release(&p);
}

static void
test_dsse_tamper_signature(void **state)
{
    struct key k;
    struct parts p;
    int i;

    (void)state;
    make_key(&k, 0);
    parts_make(&p, &k);
    for (i = 0; i < 64; i += 9) {
        unsigned char sig[64];
        char *s64, *text;

        memcpy(sig, p.d.sigs[0].sig, 64);
        sig[i] ^= 0x80;
        s64 = b64(sig, 64, sodium_base64_VARIANT_ORIGINAL);
        text = envelope_of(p.payload64, TYPE, k.id, s64);
        assert_int_equal(parse_and_verify(text, k.pk), -1);
        free(text);
        free(s64);
    }
    p.d.sigs[0].sig[63] ^= 0x01;
    assert_int_equal(sign_verify(&p.d, k.pk), -1);
    p.d.sigs[0].sig[63] ^= 0x01;
    assert_int_equal(sign_verify(&p.d, k.pk), 0);
    parts_release(&p);
}

static void
test_dsse_tamper_payload_type(void **state)
{
    struct key k;
    struct parts p;
    char *text;

    (void)state;
    make_key(&k, 0);
    parts_make(&p, &k);
    text = envelope_of(p.payload64, "application/vnd.in-toto+jsom", k.id, p.sig64);
    assert_int_equal(parse_and_verify(text, k.pk), -1);
    free(text);
    text = envelope_of(p.payload64, "application/json", k.id, p.sig64);
    assert_int_equal(parse_and_verify(text, k.pk), -1);
    free(text);
    text = envelope_of(p.payload64, "", k.id, p.sig64);
    assert_int_equal(parse_and_verify(text, k.pk), -1);
    free(text);
    text = envelope_of(p.payload64, TYPE, k.id, p.sig64);
    assert_int_equal(parse_and_verify(text, k.pk), 0);
    free(text);
    parts_release(&p);
}

static void
test_dsse_truncated_signature(void **state)
{
    struct key k;
    struct parts p;
    struct err e = ERR_INIT;
    struct dsse d;
    char *s64, *text, *cut;
    unsigned char longer[65];

    (void)state;
    make_key(&k, 0);
    parts_make(&p, &k);
    /* 63 bytes: parses, never verifies */
    s64 = b64(p.d.sigs[0].sig, 63, sodium_base64_VARIANT_ORIGINAL);
    text = envelope_of(p.payload64, TYPE, k.id, s64);
    assert_int_equal(sign_parse(&d, text, strlen(text), &e), 0);
    assert_int_equal(d.sigs[0].sig_len, 63);
    assert_int_equal(sign_verify(&d, k.pk), -1);
    sign_dsse_release(&d);
    free(text);
    free(s64);
    /* 65 bytes: the right 64 followed by one more */
    memcpy(longer, p.d.sigs[0].sig, 64);
    longer[64] = 0;
    s64 = b64(longer, 65, sodium_base64_VARIANT_ORIGINAL);
    text = envelope_of(p.payload64, TYPE, k.id, s64);
    assert_int_equal(sign_parse(&d, text, strlen(text), &e), 0);
    assert_int_equal(d.sigs[0].sig_len, 65);
    assert_int_equal(sign_verify(&d, k.pk), -1);
    sign_dsse_release(&d);
    free(text);
    free(s64);
    /* the base64 text cut short: no longer base64 */
    cut = strdup(p.sig64);
    assert_non_null(cut);
    cut[strlen(cut) - 3] = '\0';
    text = envelope_of(p.payload64, TYPE, k.id, cut);
    assert_int_equal(sign_parse(&d, text, strlen(text), &e), 0);
    assert_int_not_equal(d.sigs[0].sig_len, 64);
    assert_int_equal(sign_verify(&d, k.pk), -1);
    sign_dsse_release(&d);
    free(text);
    /* empty and absurdly long */
    text = envelope_of(p.payload64, TYPE, k.id, "");
    assert_int_equal(parse_and_verify(text, k.pk), -1);
    free(text);
    free(cut);
    cut = malloc(1001);
    assert_non_null(cut);
    memset(cut, 'A', 1000);
    cut[1000] = '\0';
    text = envelope_of(p.payload64, TYPE, k.id, cut);
    assert_int_equal(parse_and_verify(text, k.pk), -1);
    free(text);
    free(cut);
    parts_release(&p);
}

static void
test_dsse_empty_signatures(void **state)
{
    const char *t = "{\"payload\":\"e30=\",\"payloadType\":\"" TYPE "\",\"signatures\":[]}";

    (void)state;
    parse_fails(t, strlen(t), "no signatures");
}

static void
test_dsse_duplicate_keys(void **state)
{
    struct key k;
    struct parts p;
    struct buf t = BUF_INIT;

    (void)state;
    make_key(&k, 0);
    parts_make(&p, &k);
    /* a second payload after the signed one */
    assert_int_equal(buf_addf(&t,
                              "{\"payload\":\"%s\",\"payloadType\":\"%s\",\"signatures\":[{\"sig\":"
                              "\"%s\"}],\"payload\":\"e30=\"}",
                              p.payload64, TYPE, p.sig64),
                     0);
    parse_fails(t.ptr, t.len, "duplicate");
    buf_release(&t);
    assert_int_equal(buf_addf(&t,
                              "{\"payloadType\":\"x\",\"payload\":\"%s\",\"payloadType\":\"%s\","
                              "\"signatures\":[{\"sig\":\"%s\"}]}",
                              p.payload64, TYPE, p.sig64),
                     0);
    parse_fails(t.ptr, t.len, "duplicate");
    buf_release(&t);
    assert_int_equal(buf_addf(&t,
                              "{\"payload\":\"%s\",\"payloadType\":\"%s\",\"signatures\":[{\"sig\":"
                              "\"%s\",\"sig\":\"%s\"}]}",
                              p.payload64, TYPE, p.sig64, p.sig64),
                     0);
    parse_fails(t.ptr, t.len, "duplicate");
    buf_release(&t);
    assert_int_equal(buf_addf(&t,
                              "{\"payload\":\"%s\",\"payloadType\":\"%s\",\"signatures\":[{\"sig\":"
                              "\"%s\"}],\"signatures\":[]}",
                              p.payload64, TYPE, p.sig64),
                     0);
    parse_fails(t.ptr, t.len, "duplicate");
    buf_release(&t);
    parts_release(&p);
}

static void
test_dsse_wrong_key(void **state)
{
    struct key k, other;
    struct parts p, q;
    char *text;

    (void)state;
    make_key(&k, 0);
    make_key(&other, 100);
    parts_make(&p, &k);
    assert_int_equal(sign_verify(&p.d, other.pk), -1);
    /* signed by another key but claiming our key id */
    parts_make(&q, &other);
    text = envelope_of(q.payload64, TYPE, k.id, q.sig64);
    assert_int_equal(parse_and_verify(text, k.pk), -1);
    assert_int_equal(parse_and_verify(text, other.pk), 0);
    free(text);
    parts_release(&q);
    parts_release(&p);
}

static void
test_dsse_keyid_is_only_a_hint(void **state)
{
    struct key k;
    struct parts p;
    char *text;

    (void)state;
    make_key(&k, 0);
    parts_make(&p, &k);
    text = envelope_of(p.payload64, TYPE, "ffffffffffffffff", p.sig64);
    assert_int_equal(parse_and_verify(text, k.pk), 0);
    free(text);
    text = envelope_of(p.payload64, TYPE, "", p.sig64);
    assert_int_equal(parse_and_verify(text, k.pk), 0);
    free(text);
    text = envelope_of(p.payload64, TYPE, NULL, p.sig64);
    assert_int_equal(parse_and_verify(text, k.pk), 0);
    free(text);
    parts_release(&p);
}

static void
test_dsse_base64_variants(void **state)
{
    static const int variants[] = {sodium_base64_VARIANT_URLSAFE,
                                   sodium_base64_VARIANT_URLSAFE_NO_PADDING,
                                   sodium_base64_VARIANT_ORIGINAL_NO_PADDING};
    /* bytes whose standard base64 uses '+' and '/' and needs padding */
    static const unsigned char payload[] = {0xfb, 0xff, 0xbf, 0xfe, 0xff};
    struct key k;
    struct buf env = BUF_INIT;
    struct err e = ERR_INIT;
    struct dsse d;
    char *p64, *s64;
    size_t i;

    (void)state;
    make_key(&k, 0);
    assert_int_equal(sign_envelope(&env, TYPE, payload, sizeof(payload), &k, &e), 0);
    assert_int_equal(sign_parse(&d, env.ptr, env.len, &e), 0);
    p64 = b64(payload, sizeof(payload), sodium_base64_VARIANT_ORIGINAL);
    s64 = b64(d.sigs[0].sig, 64, sodium_base64_VARIANT_ORIGINAL);
    assert_true(strchr(p64, '+') && strchr(p64, '/') && strchr(p64, '='));
    assert_true(strpbrk(s64, "+/") && strchr(s64, '='));
    for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
        char *p2 = b64(payload, sizeof(payload), variants[i]);
        char *s2 = b64(d.sigs[0].sig, 64, variants[i]);
        char *text = envelope_of(p2, TYPE, k.id, s2);

        assert_string_not_equal(p2, p64);
        assert_string_not_equal(s2, s64);
        assert_int_equal(parse_and_verify(text, k.pk), 0);
        free(text);
        free(s2);
        free(p2);
    }
    free(s64);
    free(p64);
    sign_dsse_release(&d);
    buf_release(&env);
}

static void
test_dsse_several_signatures(void **state)
{
    struct key k, other;
    struct parts p, q;
    struct buf t = BUF_INIT;
    int i;

    (void)state;
    make_key(&k, 0);
    make_key(&other, 100);
    parts_make(&p, &k);
    parts_make(&q, &other);
    /* another key's signature first, ours second: any one verifying is enough */
    assert_int_equal(buf_addf(&t,
                              "{\"payload\":\"%s\",\"payloadType\":\"%s\",\"signatures\":[{\"sig\":"
                              "\"%s\"},{\"keyid\":\"x\",\"sig\":\"%s\"}]}",
                              p.payload64, TYPE, q.sig64, p.sig64),
                     0);
    assert_int_equal(parse_and_verify(t.ptr, k.pk), 0);
    buf_release(&t);
    /* eight signatures, none of ours */
    assert_int_equal(buf_addf(&t, "{\"payload\":\"%s\",\"payloadType\":\"%s\",\"signatures\":[",
                              p.payload64, TYPE),
                     0);
    for (i = 0; i < SIGN_MAX_SIGS; i++)
        assert_int_equal(buf_addf(&t, "%s{\"sig\":\"%s\"}", i ? "," : "", q.sig64), 0);
    assert_int_equal(buf_adds(&t, "]}"), 0);
    assert_int_equal(parse_and_verify(t.ptr, k.pk), -1);
    assert_int_equal(parse_and_verify(t.ptr, other.pk), 0);
    /* nine are refused */
    t.len -= 2;
    assert_int_equal(buf_addf(&t, ",{\"sig\":\"%s\"}]}", p.sig64), 0);
    parse_fails(t.ptr, t.len, "more than 8 signatures");
    buf_release(&t);
    parts_release(&q);
    parts_release(&p);
}

static void
test_dsse_unknown_fields_ignored(void **state)
{
    struct key k;
    struct parts p;
    struct buf t = BUF_INIT;

    (void)state;
    make_key(&k, 0);
    parts_make(&p, &k);
    assert_int_equal(buf_addf(&t,
                              " {\"x\":[1,2.5],\"payload\":\"%s\",\"payloadType\":\"%s\","
                              "\"signatures\":[{\"cert\":null,\"sig\":\"%s\"}]}\n",
                              p.payload64, TYPE, p.sig64),
                     0);
    assert_int_equal(parse_and_verify(t.ptr, k.pk), 0);
    buf_release(&t);
    parts_release(&p);
}

static void
test_dsse_malformed(void **state)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"", "malformed DSSE envelope"},
        {"not json", "malformed DSSE envelope"},
        {"[]", "not a JSON object"},
        {"\"x\"", "malformed DSSE envelope"},
        {"{}", "payload is missing"},
        {"{\"payload\":1,\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"\"}]}",
         "payload is not a string"},
        {"{\"payload\":\"\",\"signatures\":[{\"sig\":\"\"}]}", "payloadType is missing"},
        {"{\"payload\":\"\",\"payloadType\":null,\"signatures\":[{\"sig\":\"\"}]}",
         "payloadType is not a string"},
        {"{\"payload\":\"\",\"payloadType\":\"t\"}", "signatures is missing"},
        {"{\"payload\":\"\",\"payloadType\":\"t\",\"signatures\":{\"sig\":\"\"}}",
         "signatures is not an array"},
        {"{\"payload\":\"\",\"payloadType\":\"t\",\"signatures\":[\"AAAA\"]}",
         "signatures[0] is not an object"},
        {"{\"payload\":\"\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"\"},{}]}",
         "signatures[1].sig is missing"},
        {"{\"payload\":\"\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":7}]}",
         "signatures[0].sig is not a string"},
        {"{\"payload\":\"\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"\",\"keyid\":7}]}",
         "signatures[0].keyid is not a string"},
        {"{\"payload\":\"\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"\",\"keyid\":"
         "\"01234567890123456789012345678901234567890123456789012345678901234\"}]}",
         "keyid is longer than 64 bytes"},
        {"{\"payload\":\"!!!!\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"\"}]}",
         "payload is not base64"},
        {"{\"payload\":\"aGVs bG8=\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"\"}]}",
         "payload is not base64"},
        {"{\"payload\":\"aGVsbG9\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"\"}]}",
         "payload is not base64"}, /* stray low bits: not canonical base64 */
        {"{\"payload\":\"aGVsbG8=x\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"\"}]}",
         "payload is not base64"},
        {"{\"payload\":\"aGVsbG8+_w==\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"\"}]}",
         "payload is not base64"}, /* both alphabets at once */
        {"{\"payload\":\"\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"\"}]} x",
         "malformed DSSE envelope"},
        {"{\"payload\":\"\",\"payloadType\":\"t\\u0000\",\"signatures\":[{\"sig\":\"\"}]}",
         "malformed DSSE envelope"},
        {"{\"payload\":\"\",\"payloadType\":\"t\xff\",\"signatures\":[{\"sig\":\"\"}]}",
         "malformed DSSE envelope"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        parse_fails(cases[i].text, strlen(cases[i].text), cases[i].want);
    /* an embedded NUL byte */
    parse_fails("{\"payload\":\"\"}\0{}", 17, "malformed DSSE envelope");
}

/* ---- RFC 6962 Merkle trees ---------------------------------------------------------- */

static void
hex_to(unsigned char out[32], const char *hex)
{
    size_t n;

    assert_int_equal(sodium_hex2bin(out, 32, hex, strlen(hex), NULL, &n, NULL), 0);
    assert_int_equal(n, 32);
}

static void
root_is(const unsigned char (*leaves)[32], size_t n, const char *want_hex)
{
    unsigned char got[32], want[32];

    hex_to(want, want_hex);
    assert_int_equal(sign_merkle_root(got, leaves, n), 0);
    assert_memory_equal(got, want, 32);
}

static void
test_leaf_hash(void **state)
{
    unsigned char h[32], want[32];

    (void)state;
    /* SHA-256(0x00 || data), from python3 hashlib */
    sign_leaf_hash(h, (const unsigned char *)"", 0);
    hex_to(want, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
    assert_memory_equal(h, want, 32);
    sign_leaf_hash(h, (const unsigned char *)"abc", 3);
    hex_to(want, "609f6e36d2405585188d5cfd761f407c7cc46a7d3f314c88270469dde315fcd1");
    assert_memory_equal(h, want, 32);
}

/* Expected roots were computed at test-writing time with an independent python3
 * implementation of RFC 6962 section 2.1 (hashlib.sha256; MTH split at the largest
 * power of two smaller than n). For n = 0..8 the leaves are the inputs of the
 * certificate-transparency reference tests, and the roots match that project's
 * published ones. */
static void
test_merkle_rfc6962_vectors(void **state)
{
    static const char *const data[8] = {"",
                                        "\x00",
                                        "\x10",
                                        "\x20\x21",
                                        "\x30\x31",
                                        "\x40\x41\x42\x43",
                                        "\x50\x51\x52\x53\x54\x55\x56\x57",
                                        ("\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d"
                                         "\x6e\x6f")};
    static const size_t lens[8] = {0, 1, 1, 2, 2, 4, 8, 16};
    static const char *const roots[9] = {
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    };
    unsigned char leaves[8][32];
    size_t i;

    (void)state;
    for (i = 0; i < 8; i++)
        sign_leaf_hash(leaves[i], (const unsigned char *)data[i], lens[i]);
    for (i = 0; i <= 8; i++)
        root_is((const unsigned char(*)[32])leaves, i, roots[i]);
    root_is(NULL, 0, roots[0]);
}

/* Leaf i of the big trees, as the python3 script hashed it. */
static unsigned char (*many_leaves(size_t n, int decimal))[32]
{
    unsigned char(*leaves)[32] = malloc(n * 32);
    char text[32];
    unsigned char be[4];
    size_t i;
    int len;

    assert_non_null(leaves);
    for (i = 0; i < n; i++) {
        if (decimal) {
            len = snprintf(text, sizeof(text), "entry %zu", i);
            sign_leaf_hash(leaves[i], (const unsigned char *)text, (size_t)len);
        } else {
            be[0] = (unsigned char)(i >> 24);
            be[1] = (unsigned char)(i >> 16);
            be[2] = (unsigned char)(i >> 8);
            be[3] = (unsigned char)i;
            sign_leaf_hash(leaves[i], be, 4);
        }
    }
    return leaves;
}

static void
test_merkle_big_trees(void **state)
{
    unsigned char(*leaves)[32];

    (void)state;
    /* python3: leaf i = b"entry %d" % i */
    leaves = many_leaves(1000, 1);
    root_is((const unsigned char(*)[32])leaves, 1000,
            "346c6b9cb89c4b76fac9dcb20cda86e3a01c0a57417c139028eacd4538fde95b");
    free(leaves);
    /* python3: leaf i = i.to_bytes(4, "big"), one million leaves */
    leaves = many_leaves(1000000, 0);
    root_is((const unsigned char(*)[32])leaves, 1000000,
            "fd5537b3f13c7508f8c7d21dfaaa1306c2a4b030843ddaad963d2832ddf34b4c");
    free(leaves);
}

/* ---- checkpoints ----------------------------------------------------------------- */

#define ORIGIN "example.com/promote/audit"
#define KEYNAME "example.com/promote/audit"
#define ROOT64 "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=" /* the 8-leaf vector root */

/* sign_checkpoint over the 8-leaf vector root, size 8, key seed 0..31. Fixed bytes:
 * Ed25519 is deterministic. tests/e2e/t0301-dsse-openssl.sh checks the same text
 * (tests/fixtures/sign/checkpoint.txt) with openssl and sha256sum alone. */
static const char checkpoint_want[] = "example.com/promote/audit\n"
                                      "8\n"
                                      "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n"
                                      "\n"
                                      "\xe2\x80\x94 example.com/promote/audit "
                                      "JwE+A1f91JUwPzRfzVPeAMjltIx7/r8iurDFoeqczQf9nB/"
                                      "F2Df6gd7tQW2jYpE3PR2yA+EFfTlN5FjptWFe/RbT2gE=\n";

static void
checkpoint_make(struct buf *out, const struct key *k, uint64_t size)
{
    struct err e = ERR_INIT;
    unsigned char root[32];

    hex_to(root, "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
    if (sign_checkpoint(out, ORIGIN, size, root, KEYNAME, k, &e) < 0)
        fail_msg("sign_checkpoint: %s", e.msg);
}

/* TEXT must fail verification under KEY_NAME/PK, EXIT_TAMPER, message with WANT. */
static void
cp_fails(const char *text, size_t len, const char *key_name, const unsigned char pk[32],
         const char *want)
{
    struct checkpoint cp;
    struct err e = ERR_INIT;

    if (sign_checkpoint_verify(&cp, text, len, key_name, pk, &e) == 0)
        fail_msg("verified but should not: %.*s", (int)len, text);
    assert_int_equal(e.code, EXIT_TAMPER);
    if (!strstr(e.msg, want))
        fail_msg("message '%s' lacks '%s' for: %.*s", e.msg, want, (int)len, text);
}

static void
test_checkpoint_round_trip(void **state)
{
    struct key k;
    struct buf t = BUF_INIT, fixture = BUF_INIT;
    struct checkpoint cp;
    struct err e = ERR_INIT;
    unsigned char root[32];

    (void)state;
    make_key(&k, 0);
    checkpoint_make(&t, &k, 8);
    assert_string_equal(t.ptr, checkpoint_want);
    read_fixture(&fixture, "sign/checkpoint.txt");
    assert_string_equal(fixture.ptr, checkpoint_want);

    memset(&cp, 0xaa, sizeof(cp));
    assert_int_equal(sign_checkpoint_verify(&cp, t.ptr, t.len, KEYNAME, k.pk, &e), 0);
    assert_string_equal(cp.origin, ORIGIN);
    assert_int_equal(cp.size, 8);
    hex_to(root, "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
    assert_memory_equal(cp.root, root, 32);
    assert_string_equal(cp.key_name, KEYNAME);

    memset(&cp, 0xaa, sizeof(cp));
    assert_int_equal(sign_checkpoint_parse(&cp, t.ptr, t.len, &e), 0);
    assert_string_equal(cp.origin, ORIGIN);
    assert_int_equal(cp.size, 8);
    assert_memory_equal(cp.root, root, 32);
    assert_string_equal(cp.key_name, KEYNAME);
    buf_release(&t);
    buf_release(&fixture);

    /* the extremes of the size, and the empty tree */
    checkpoint_make(&t, &k, UINT64_MAX);
    assert_non_null(strstr(t.ptr, "\n18446744073709551615\n"));
    assert_int_equal(sign_checkpoint_verify(&cp, t.ptr, t.len, KEYNAME, k.pk, &e), 0);
    assert_true(cp.size == UINT64_MAX);
    buf_release(&t);
    assert_int_equal(sign_merkle_root(root, NULL, 0), 0);
    assert_int_equal(sign_checkpoint(&t, "o", 0, root, "k", &k, &e), 0);
    assert_memory_equal(
        t.ptr, "o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n\xe2\x80\x94 k ", 55);
    assert_int_equal(sign_checkpoint_verify(&cp, t.ptr, t.len, "k", k.pk, &e), 0);
    assert_int_equal(cp.size, 0);
    buf_release(&t);
}

/* Copy of TEXT with the first occurrence of FROM replaced by TO. */
static void
edit(struct buf *out, const struct buf *text, const char *from, const char *to)
{
    const char *at = strstr(text->ptr, from);

    assert_non_null(at);
    out->len = 0;
    assert_int_equal(buf_add(out, text->ptr, (size_t)(at - text->ptr)), 0);
    assert_int_equal(buf_adds(out, to), 0);
    assert_int_equal(buf_adds(out, at + strlen(from)), 0);
}

/* The base64 signature of the (first) signature line of TEXT, decoded. */
static void
sig_blob(unsigned char blob[68], const struct buf *text)
{
    const char *line = strstr(text->ptr, "\xe2\x80\x94 ");
    const char *b, *end;
    size_t n;

    assert_non_null(line);
    b = strchr(line + 4, ' ') + 1;
    end = strchr(b, '\n');
    assert_int_equal(sodium_base642bin(blob, 68, b, (size_t)(end - b), NULL, &n, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(n, 68);
}

/* TEXT with the signature line's base64 replaced by that of BLOB (LEN bytes). */
static void
with_blob(struct buf *out, const struct buf *text, const unsigned char *blob, size_t len)
{
    const char *line = strstr(text->ptr, "\xe2\x80\x94 ");
    const char *b;
    char *s64;

    assert_non_null(line);
    b = strchr(line + 4, ' ') + 1;
    out->len = 0;
    assert_int_equal(buf_add(out, text->ptr, (size_t)(b - text->ptr)), 0);
    s64 = b64(blob, len, sodium_base64_VARIANT_ORIGINAL);
    assert_int_equal(buf_adds(out, s64), 0);
    assert_int_equal(buf_add(out, "\n", 1), 0);
    free(s64);
}

/* The signed-note key id against the published vector of golang.org/x/mod/sumdb/note
 * (note_test.go, and the C2SP signed-note example): signer key
 * "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
 * verifier key "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
 * the base64 after the key id is 0x01 (Ed25519) || seed or public key. */
static void
test_checkpoint_go_key_id(void **state)
{
    struct key k;
    struct buf t = BUF_INIT;
    struct err e = ERR_INIT;
    struct checkpoint cp;
    unsigned char seed[33], pk[33], root[32] = {0}, blob[68];
    const unsigned char want_id[4] = {0xc7, 0x4f, 0x20, 0xa3};
    size_t n;

    (void)state;
    assert_int_equal(sodium_base642bin(seed, sizeof(seed),
                                       "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz", 44, NULL, &n,
                                       NULL, sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(n, 33);
    assert_int_equal(seed[0], 0x01);
    assert_int_equal(sodium_base642bin(pk, sizeof(pk),
                                       "ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", 44, NULL, &n,
                                       NULL, sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(crypto_sign_seed_keypair(k.pk, k.sk, seed + 1), 0);
    assert_memory_equal(k.pk, pk + 1, 32);
    memcpy(k.id, "0000000000000000", 17);
    assert_int_equal(sign_checkpoint(&t, "PeterNeumann", 1, root, "PeterNeumann", &k, &e), 0);
    sig_blob(blob, &t);
    assert_memory_equal(blob, want_id, 4);
    assert_int_equal(sign_checkpoint_verify(&cp, t.ptr, t.len, "PeterNeumann", k.pk, &e), 0);
    buf_release(&t);
}

static void
test_checkpoint_tamper(void **state)
{
    struct key k, other;
    struct buf t = BUF_INIT, x = BUF_INIT, o = BUF_INIT;
    unsigned char blob[68], oblob[68];
    struct checkpoint cp;
    struct err e = ERR_INIT;
    size_t i;

    (void)state;
    make_key(&k, 0);
    make_key(&other, 100);
    checkpoint_make(&t, &k, 8);
    assert_int_equal(sign_checkpoint_verify(&cp, t.ptr, t.len, KEYNAME, k.pk, &e), 0);

    /* origin, size, root: each changed, the signature no longer verifies */
    edit(&x, &t, "example.com/", "example.org/");
    cp_fails(x.ptr, x.len, KEYNAME, k.pk, "bad checkpoint signature");
    edit(&x, &t, "\n8\n", "\n9\n");
    cp_fails(x.ptr, x.len, KEYNAME, k.pk, "bad checkpoint signature");
    edit(&x, &t, "\n8\n", "\n80\n");
    cp_fails(x.ptr, x.len, KEYNAME, k.pk, "bad checkpoint signature");
    edit(&x, &t, ROOT64, "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyk=");
    cp_fails(x.ptr, x.len, KEYNAME, k.pk, "bad checkpoint signature");
    edit(&x, &t, ROOT64, "YcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=");
    cp_fails(x.ptr, x.len, KEYNAME, k.pk, "bad checkpoint signature");
    /* every bit of the Ed25519 signature */
    sig_blob(blob, &t);
    for (i = 4 * 8; i < 68 * 8; i++) {
        blob[i / 8] ^= (unsigned char)(1u << (i % 8));
        with_blob(&x, &t, blob, 68);
        cp_fails(x.ptr, x.len, KEYNAME, k.pk, "bad checkpoint signature");
        blob[i / 8] ^= (unsigned char)(1u << (i % 8));
    }
    with_blob(&x, &t, blob, 68);
    assert_string_equal(x.ptr, t.ptr);
    /* a bit of the key id: the line is another key's, ours is missing */
    blob[0] ^= 0x01;
    with_blob(&x, &t, blob, 68);
    cp_fails(x.ptr, x.len, KEYNAME, k.pk, "unknown key");
    blob[0] ^= 0x01;
    /* our name and key id, but 63 bytes of signature */
    with_blob(&x, &t, blob, 67);
    cp_fails(x.ptr, x.len, KEYNAME, k.pk, "is not 64 bytes");

    /* wrong key name, wrong key */
    cp_fails(t.ptr, t.len, "example.com/promote/other", k.pk, "unknown key");
    cp_fails(t.ptr, t.len, KEYNAME, other.pk, "unknown key");
    /* another key signed the same body under our name: its key id differs */
    checkpoint_make(&o, &other, 8);
    cp_fails(o.ptr, o.len, KEYNAME, k.pk, "unknown key");
    /* another key's signature behind our key id */
    sig_blob(oblob, &o);
    memcpy(oblob, blob, 4);
    with_blob(&x, &t, oblob, 68);
    cp_fails(x.ptr, x.len, KEYNAME, k.pk, "bad checkpoint signature");

    buf_release(&t);
    buf_release(&x);
    buf_release(&o);
}

static void
test_checkpoint_several_signatures(void **state)
{
    struct key k, other;
    struct buf t = BUF_INIT, o = BUF_INIT, x = BUF_INIT;
    struct checkpoint cp;
    struct err e = ERR_INIT;
    const char *our_line, *other_line;
    unsigned char blob[68];
    char *s64;

    (void)state;
    make_key(&k, 0);
    make_key(&other, 100);
    checkpoint_make(&t, &k, 8);
    checkpoint_make(&o, &other, 8);
    our_line = strstr(t.ptr, "\xe2\x80\x94 ");
    other_line = strstr(o.ptr, "\xe2\x80\x94 ");
    /* a witness line first (same name, other key), then ours: verifies */
    assert_int_equal(buf_add(&x, t.ptr, (size_t)(our_line - t.ptr)), 0);
    assert_int_equal(buf_adds(&x, other_line), 0);
    assert_int_equal(buf_adds(&x, "\xe2\x80\x94 witness.example/w1 AAAAAAAA\n"), 0);
    assert_int_equal(buf_adds(&x, our_line), 0);
    assert_int_equal(sign_checkpoint_verify(&cp, x.ptr, x.len, KEYNAME, k.pk, &e), 0);
    assert_int_equal(sign_checkpoint_verify(&cp, x.ptr, x.len, KEYNAME, other.pk, &e), 0);
    assert_int_equal(sign_checkpoint_parse(&cp, x.ptr, x.len, &e), 0);
    assert_string_equal(cp.key_name, KEYNAME);
    cp_fails(x.ptr, x.len, "witness.example/w1", k.pk, "unknown key");
    /* a first line with a key name too long for struct checkpoint: verification looks
     * past it, parse cannot report it */
    {
        struct buf y = BUF_INIT;
        char name[200];

        memset(name, 'w', sizeof(name) - 1);
        name[sizeof(name) - 1] = '\0';
        assert_int_equal(buf_add(&y, t.ptr, (size_t)(our_line - t.ptr)), 0);
        assert_int_equal(buf_addf(&y, "\xe2\x80\x94 %s AAAAAAAA\n", name), 0);
        assert_int_equal(buf_adds(&y, our_line), 0);
        assert_int_equal(sign_checkpoint_verify(&cp, y.ptr, y.len, KEYNAME, k.pk, &e), 0);
        assert_int_equal(sign_checkpoint_parse(&cp, y.ptr, y.len, &e), -1);
        assert_non_null(strstr(e.msg, "key name too long"));
        buf_release(&y);
    }
    /* a second line of our key that does not verify: the note is rejected */
    sig_blob(blob, &t);
    blob[10] ^= 1;
    s64 = b64(blob, 68, sodium_base64_VARIANT_ORIGINAL);
    assert_int_equal(buf_addf(&x, "\xe2\x80\x94 %s %s\n", KEYNAME, s64), 0);
    cp_fails(x.ptr, x.len, KEYNAME, k.pk, "bad checkpoint signature");
    free(s64);
    buf_release(&t);
    buf_release(&o);
    buf_release(&x);
}

static void
test_checkpoint_malformed(void **state)
{
    struct key k;
    struct buf t = BUF_INIT, x = BUF_INIT;
    struct checkpoint cp;
    struct err e = ERR_INIT;
    const char *sig;
    size_t body;
    size_t i;
    static const struct {
        const char *from, *to;
    } edits[] = {
        {"example.com/promote/audit\n8\n", "\n8\n"}, /* empty origin */
        {"\n8\n", "\n08\n"},                         /* leading zero */
        {"\n8\n", "\n+8\n"},                         /* sign */
        {"\n8\n", "\n-8\n"},
        {"\n8\n", "\n 8\n"},
        {"\n8\n", "\n8 \n"},
        {"\n8\n", "\n0x8\n"},
        {"\n8\n", "\n\n"},                     /* no size */
        {"\n8\n", "\n18446744073709551616\n"}, /* 2^64 */
        {"\n8\n", "\n99999999999999999999\n"},
        {"\n8\n", "\n8\r\n"},                                         /* CRLF */
        {"=\n\n", "\n\n"},                                            /* root unpadded */
        {ROOT64, "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz-Nw7_RgQyg="},     /* URL-safe */
        {ROOT64, "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQw=="},     /* 31 bytes */
        {ROOT64, "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQygA"},     /* 33 bytes */
        {ROOT64, "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyh="},     /* stray low bits */
        {"=\n\n", "=\nextension\n\n"},                                /* extension line */
        {"=\n\n", "=\n\n\n"},                                         /* two blank lines */
        {"=\n\n", "=\n"},                                             /* no blank line */
        {"\xe2\x80\x94 ", "-- "},                                     /* not an em dash */
        {"\xe2\x80\x94 ", "\xe2\x80\x94"},                            /* no space after it */
        {"\xe2\x80\x94 ", "\xe2\x80\x93 "},                           /* en dash */
        {"\xe2\x80\x94 ", "\xe2\x80\x94  "},                          /* empty key name */
        {"example.com/promote/audit ", "example.com/promote/audit"},  /* no signature */
        {"example.com/promote/audit ", "example.com/promote+audit "}, /* '+' in name */
        {"example.com/promote/audit ", "example.com/promote\xc2\xa0"
                                       "audit "},                      /* NBSP */
        {"example.com/promote/audit ", "example.com/promote/audit  "}, /* two spaces */
        {"example.com/", "example\tcom/"},                             /* control character */
        {"example.com/", "example\xc3"
                         "com/"}, /* not UTF-8 */
        {"example.com/", "example\xc0\xae"
                         "com/"}, /* overlong UTF-8 */
    };

    (void)state;
    make_key(&k, 0);
    checkpoint_make(&t, &k, 8);
    for (i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
        edit(&x, &t, edits[i].from, edits[i].to);
        cp_fails(x.ptr, x.len, KEYNAME, k.pk, "malformed checkpoint");
        if (sign_checkpoint_parse(&cp, x.ptr, x.len, &e) == 0)
            fail_msg("parsed: %s", x.ptr);
        assert_int_equal(e.code, EXIT_TAMPER);
    }
    sig = strstr(t.ptr, "\xe2\x80\x94 ");
    body = (size_t)(sig - t.ptr);
    /* no trailing newline; nothing after the blank line; empty; trailing junk; NUL */
    cp_fails(t.ptr, t.len - 1, KEYNAME, k.pk, "malformed checkpoint");
    cp_fails(t.ptr, body, KEYNAME, k.pk, "no signature lines");
    cp_fails(t.ptr, body - 1, KEYNAME, k.pk, "malformed checkpoint");
    cp_fails("", 0, KEYNAME, k.pk, "malformed checkpoint");
    cp_fails("\n", 1, KEYNAME, k.pk, "malformed checkpoint");
    x.len = 0;
    assert_int_equal(buf_add(&x, t.ptr, t.len), 0);
    assert_int_equal(buf_adds(&x, "junk\n"), 0);
    cp_fails(x.ptr, x.len, KEYNAME, k.pk, "malformed checkpoint");
    x.len = 0;
    assert_int_equal(buf_add(&x, t.ptr, t.len), 0);
    assert_int_equal(buf_add(&x, "\0", 1), 0);
    cp_fails(x.ptr, x.len, KEYNAME, k.pk, "malformed checkpoint");
    x.ptr[3] = '\0';
    cp_fails(x.ptr, t.len, KEYNAME, k.pk, "malformed checkpoint");
    /* an unknown key's line with bad base64 still makes the note malformed */
    x.len = 0;
    assert_int_equal(buf_add(&x, t.ptr, t.len), 0);
    assert_int_equal(buf_adds(&x, "\xe2\x80\x94 w AAAA!\n"), 0);
    cp_fails(x.ptr, x.len, KEYNAME, k.pk, "malformed checkpoint");
    x.len = 0;
    assert_int_equal(buf_add(&x, t.ptr, t.len), 0);
    assert_int_equal(buf_adds(&x, "\xe2\x80\x94 w AAAA\n"), 0); /* 3 bytes: no room for an id */
    cp_fails(x.ptr, x.len, KEYNAME, k.pk, "malformed checkpoint");
    /* a failed parse leaves nothing behind */
    memset(&cp, 0xaa, sizeof(cp));
    assert_int_equal(sign_checkpoint_parse(&cp, "x", 1, &e), -1);
    assert_int_equal(cp.origin[0], '\0');
    buf_release(&t);
    buf_release(&x);
}

static void
test_checkpoint_sign_refuses(void **state)
{
    struct key k;
    struct buf t = BUF_INIT;
    struct err e = ERR_INIT;
    unsigned char root[32] = {0};
    char longname[200];
    static const char *const origins[] = {"", "a\nb", "a\tb", "\xff"};
    static const char *const names[] = {
        "", "a b", "a+b", "a\nb", ("a\xe3\x80\x80" /* U+3000 */ "b"), "\xc3"};
    size_t i;

    (void)state;
    make_key(&k, 0);
    assert_int_equal(buf_adds(&t, "kept"), 0);
    for (i = 0; i < sizeof(origins) / sizeof(origins[0]); i++) {
        assert_int_equal(sign_checkpoint(&t, origins[i], 1, root, "k", &k, &e), -1);
        assert_non_null(strstr(e.msg, "origin"));
    }
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        assert_int_equal(sign_checkpoint(&t, "o", 1, root, names[i], &k, &e), -1);
        assert_non_null(strstr(e.msg, "key name"));
    }
    memset(longname, 'n', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_int_equal(sign_checkpoint(&t, "o", 1, root, longname, &k, &e), -1);
    /* a key whose halves do not match is caught before anything is written */
    make_key(&k, 0);
    k.pk[0] ^= 1;
    assert_int_equal(sign_checkpoint(&t, "o", 1, root, "k", &k, &e), -1);
    assert_non_null(strstr(e.msg, "does not verify"));
    assert_string_equal(t.ptr, "kept");
    buf_release(&t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pae_vector),
        cmocka_unit_test(test_canonical_sorted_nested),
        cmocka_unit_test(test_canonical_unicode_and_escapes),
        cmocka_unit_test(test_canonical_refuses_reals),
        cmocka_unit_test(test_canonical_refuses_deep_nesting),
        cmocka_unit_test(test_dsse_round_trip),
        cmocka_unit_test(test_dsse_empty_payload_and_append),
        cmocka_unit_test(test_dsse_self_check),
        cmocka_unit_test(test_dsse_tamper_payload),
        cmocka_unit_test(test_dsse_tamper_signature),
        cmocka_unit_test(test_dsse_tamper_payload_type),
        cmocka_unit_test(test_dsse_truncated_signature),
        cmocka_unit_test(test_dsse_empty_signatures),
        cmocka_unit_test(test_dsse_duplicate_keys),
        cmocka_unit_test(test_dsse_wrong_key),
        cmocka_unit_test(test_dsse_keyid_is_only_a_hint),
        cmocka_unit_test(test_dsse_base64_variants),
        cmocka_unit_test(test_dsse_several_signatures),
        cmocka_unit_test(test_dsse_unknown_fields_ignored),
        cmocka_unit_test(test_dsse_malformed),
        cmocka_unit_test(test_leaf_hash),
        cmocka_unit_test(test_merkle_rfc6962_vectors),
        cmocka_unit_test(test_merkle_big_trees),
        cmocka_unit_test(test_checkpoint_round_trip),
        cmocka_unit_test(test_checkpoint_go_key_id),
        cmocka_unit_test(test_checkpoint_tamper),
        cmocka_unit_test(test_checkpoint_several_signatures),
        cmocka_unit_test(test_checkpoint_malformed),
        cmocka_unit_test(test_checkpoint_sign_refuses),
    };

    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
