/* The fast readers of a log entry (core/ledger/scan.c) against the full ones: every text
 * a scanner takes, the full reader takes and reads the same; what a scanner declines is
 * either refused by the full reader too or named here as one it leaves to it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four above, which it needs */

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/buf.h"
#include "core/ledger/scan.h"
#include "core/ledger/sign.h"

/* The full reader's verdict, as the log's checks read a statement: TEXT parses (an
 * object or array, duplicates refused) and sign_canonical writes it back byte for byte. */
static int
full_canonical(const char *text, size_t len)
{
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
    struct buf b = BUF_INIT;
    struct err e = ERR_INIT;
    int ok = doc && sign_canonical(&b, doc, &e) == 0 && b.len == len &&
             memcmp(b.ptr, text, len) == 0;

    buf_release(&b);
    json_decref(doc);
    return ok;
}

static int
scan(struct scan_head *h, const char *text)
{
    return scan_canonical(h, (const unsigned char *)text, strlen(text));
}

/* Texts sign_canonical writes: each is taken, as the full reader takes it. */
static void
test_canonical_taken(void **state)
{
    static const char *const texts[] = {
        "{}",
        "[]",
        "{\"a\":[],\"b\":{},\"c\":[1,-2,true,false,null,\"x\"]}",
        "{\"a\":1,\"ab\":2,\"b\":3}",               /* a prefix sorts first */
        "{\"Z\":1,\"a\":2,\"z\":3,\"\xc3\xa9\":4}", /* bytes, not letters */
        "{\"k\":\"a\\\"b\\\\c/d\\b\\f\\n\\r\\t\\u0001\\u001F\"}",
        "{\"k\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \x7f\"}",
        "{\"m\":-9223372036854775807,\"n\":9223372036854775807}",
        "[[[[[[[[[[{\"a\":[{\"b\":[]}]}]]]]]]]]]]",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        struct scan_head h;
        int full = full_canonical(texts[i], strlen(texts[i]));

        if (!full || scan(&h, texts[i]) != 1)
            fail_msg("not taken by both: %s (full reader: %d)", texts[i], full);
    }
}

/* Texts that are not canonical: each is refused by both (the scanner never takes what
 * the full reader refuses). */
static void
test_canonical_refused(void **state)
{
    static const char *const texts[] = {
        "{ }",
        "{\"a\":1 }",
        "{\"a\": 1}",
        "{\"b\":1,\"a\":2}",        /* out of order */
        "{\"ab\":1,\"a\":2}",       /* the longer first */
        "{\"a\":1,\"a\":1}",        /* a duplicate */
        "{\"a\":-0}",
        "{\"a\":1.0}",
        "{\"a\":1e2}",
        "{\"a\":01}",
        "{\"a\":\"\\u0041\"}",     /* an escape jansson does not write */
        "{\"a\":\"\\/\"}",
        "{\"a\":\"\\u001f\"}",     /* lower-case hex */
        "{\"a\":\"\\u000a\"}",     /* "\n" has a short escape */
        "{\"a\":\"\\u0000\"}",     /* jansson takes no NUL */
        "{\"a\":\"\\ud83d\\ude00\"}", /* written as UTF-8, not escaped */
        "{\"a\":\"\\ud800\"}",
        "{\"a\":\"\xc0\x80\"}",    /* overlong */
        "{\"a\":\"\xed\xa0\x80\"}", /* a surrogate */
        "{\"a\":\"\xf4\x90\x80\x80\"}", /* above U+10FFFF */
        "{\"a\":\"\xc3\"}",         /* cut short */
        "{\"a\":\"\x01\"}",         /* a raw control character */
        "{\"a\":1}\n",
        "{\"a\":1}x",
        "{\"a\":1}{}",
        "/*c*/{}",
        "{\"a\":1,}",
        "{\"a\":1} ",
        " {}",
        "",
        "{",
        "\"\\u00e9\"",
        "0", /* canonical, but not a document jansson reads without JSON_DECODE_ANY */
        "-12",
        "\"\"",
        "null",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        struct scan_head h;

        if (full_canonical(texts[i], strlen(texts[i])))
            fail_msg("the full reader takes %s", texts[i]);
        if (scan(&h, texts[i]) != 0)
            fail_msg("the scanner takes %s", texts[i]);
        assert_string_equal(h.type, "");
        assert_int_equal(h.seq_set, 0);
    }
}

/* A key with an escape in it is canonical, but the scanner leaves it to the full reader
 * (it keeps keys as slices of the text, to compare the next with). */
static void
test_canonical_declined(void **state)
{
    static const char *const texts[] = {
        "{\"a\\\"b\":1}",
        "{\"a\\nb\":1,\"b\":2}",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        struct scan_head h;

        assert_true(full_canonical(texts[i], strlen(texts[i])));
        assert_int_equal(scan(&h, texts[i]), 0);
    }
}

/* Nesting: as deep as sign_canonical goes, and no deeper. */
static void
test_canonical_depth(void **state)
{
    struct buf b = BUF_INIT;
    struct scan_head h;
    int depth;

    (void)state;
    for (depth = SIGN_CANON_MAX_DEPTH; depth <= SIGN_CANON_MAX_DEPTH + 2; depth++) {
        int i, full;

        b.len = 0;
        for (i = 0; i < depth; i++)
            assert_int_equal(buf_add(&b, "[", 1), 0);
        assert_int_equal(buf_add(&b, "1", 1), 0);
        for (i = 0; i < depth; i++)
            assert_int_equal(buf_add(&b, "]", 1), 0);
        full = full_canonical(b.ptr, b.len);
        assert_int_equal(full, depth <= SIGN_CANON_MAX_DEPTH);
        assert_int_equal(scan_canonical(&h, (const unsigned char *)b.ptr, b.len), full);
    }
    buf_release(&b);
}

/* What the log's checks read: "_type", "predicateType", and the predicate's "prev" and
 * "seq", from those places only. */
static void
test_canonical_head(void **state)
{
    struct scan_head h;
    char prev65[128];

    (void)state;
    assert_int_equal(scan(&h, "{\"_type\":\"https://in-toto.io/Statement/v1\","
                              "\"predicate\":{\"a\":{\"prev\":\"x\",\"seq\":9},\"prev\":\"" 
                              "00ff\",\"seq\":42},\"predicateType\":\"urn:promote:event:v1\","
                              "\"seq\":7}"),
                     1);
    assert_string_equal(h.type, "https://in-toto.io/Statement/v1");
    assert_string_equal(h.predicate_type, "urn:promote:event:v1");
    assert_string_equal(h.prev, "00ff");
    assert_int_equal(h.seq_set, 1);
    assert_int_equal(h.seq, 42);

    /* a seq elsewhere, or not an integer, is no seq; "predicate" must be an object */
    assert_int_equal(scan(&h, "{\"predicate\":{\"seq\":\"1\"},\"seq\":3}"), 1);
    assert_int_equal(h.seq_set, 0);
    assert_int_equal(scan(&h, "{\"predicate\":[{\"seq\":1}],\"x\":{\"predicate\":{\"seq\":2}}}"),
                     1);
    assert_int_equal(h.seq_set, 0);
    assert_int_equal(scan(&h, "{\"_type\":1,\"predicateType\":[\"a\"]}"), 1);
    assert_string_equal(h.type, "");
    assert_string_equal(h.predicate_type, "");

    /* a prev longer than 64 reads as none, never as its first 64 */
    snprintf(prev65, sizeof(prev65), "{\"predicate\":{\"prev\":\"%065d\"}}", 0);
    assert_int_equal(scan(&h, prev65), 1);
    assert_string_equal(h.prev, "");
    snprintf(prev65, sizeof(prev65), "{\"predicate\":{\"prev\":\"%064d\"}}", 0);
    assert_int_equal(scan(&h, prev65), 1);
    assert_int_equal(strlen(h.prev), 64);
}

/* Statements as promote writes them, from jansson documents: taken, and read as the
 * full reader reads them. */
static void
test_canonical_round_trip(void **state)
{
    static const char *const docs[] = {
        "{\"predicateType\":\"https://slsa.dev/verification_summary/v1\",\"_type\":"
        "\"https://in-toto.io/Statement/v1\",\"subject\":[{\"digest\":{\"gitCommit\":"
        "\"0123\"}}],\"predicate\":{\"seq\":100125,\"prev\":\"ab\",\"gates\":[{\"name\":"
        "\"coverage\",\"summary\":\"81.3 % \\u2265 80 %\\n\\\"line\\\" \\\\ C:\\\\x\","
        "\"verdict\":\"pass\",\"n\":-3}],\"ok\":true,\"none\":null}}",
        "{\"z\":\"\\u001b[31m\",\"y\":\"\\ud83d\\ude00\",\"x\":\"\\/\"}",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        json_t *doc = json_loads(docs[i], JSON_REJECT_DUPLICATES, NULL);
        struct buf b = BUF_INIT;
        struct err e = ERR_INIT;
        struct scan_head h;
        const json_t *pred;

        assert_non_null(doc);
        assert_int_equal(sign_canonical(&b, doc, &e), 0);
        assert_int_equal(scan_canonical(&h, (const unsigned char *)b.ptr, b.len), 1);
        pred = json_object_get(doc, "predicate");
        assert_int_equal(h.seq_set, json_is_integer(json_object_get(pred, "seq")));
        if (h.seq_set)
            assert_int_equal(h.seq, json_integer_value(json_object_get(pred, "seq")));
        assert_string_equal(h.prev, json_string_value(json_object_get(pred, "prev")) ?: "");
        assert_string_equal(h.type, json_string_value(json_object_get(doc, "_type")) ?: "");
        buf_release(&b);
        json_decref(doc);
    }
}

/* ---- envelopes ---- */

static int
scan_env(struct scan_envelope *f, const char *text)
{
    return scan_envelope(f, text, strlen(text));
}

static void
test_envelope_taken(void **state)
{
    struct scan_envelope f;
    struct dsse d;
    struct err e = ERR_INIT;
    const char *text = " {\"signatures\":[{\"sig\":\"AAAA\",\"keyid\":\"k1\"},{\"sig\":\"\"}],"
                       "\"payloadType\":\"t/x\",\"payload\":\"e30=\"}\n";

    (void)state;
    assert_int_equal(scan_env(&f, text), 1);
    assert_int_equal(f.payload_len, 4);
    assert_memory_equal(f.payload, "e30=", 4);
    assert_int_equal(f.payload_type_len, 3);
    assert_memory_equal(f.payload_type, "t/x", 3);
    assert_int_equal(f.n_sigs, 2);
    assert_int_equal(f.sigs[0].keyid_len, 2);
    assert_memory_equal(f.sigs[0].keyid, "k1", 2);
    assert_null(f.sigs[1].keyid);
    assert_int_equal(f.sigs[1].sig_len, 0);
    /* the fields are slices of the text */
    assert_ptr_equal(f.payload, strstr(text, "e30="));

    assert_int_equal(sign_parse(&d, text, strlen(text), &e), 0);
    assert_int_equal(d.payload_len, 2);
    assert_memory_equal(d.payload, "{}", 2);
    assert_string_equal(d.payload_type, "t/x");
    assert_int_equal(d.n_sigs, 2);
    assert_string_equal(d.sigs[0].keyid, "k1");
    assert_int_equal(d.sigs[0].sig_len, 3);
    assert_string_equal(d.sigs[1].keyid, "");
    sign_dsse_release(&d);
}

/* What the envelope scanner declines, and what the full reader makes of it: the same
 * error as before there was a scanner, or the envelope, read the same. */
static void
test_envelope_declined(void **state)
{
    static const struct {
        const char *text;
        const char *error; /* the full reader's, or NULL when it takes the envelope */
    } cases[] = {
        {"{\"payload\":1,\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"\"}]}",
         "payload is not a string"},
        {"{\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"\"}]}", "payload is missing"},
        {"{\"payload\":\"\",\"payloadType\":null,\"signatures\":[{\"sig\":\"\"}]}",
         "payloadType is not a string"},
        {"{\"payload\":\"\",\"payloadType\":\"t\",\"signatures\":[]}", "no signatures"},
        {"{\"payload\":\"\",\"payloadType\":\"t\",\"signatures\":{}}",
         "signatures is not an array"},
        {"{\"payload\":\"\",\"payloadType\":\"t\",\"signatures\":[{\"keyid\":\"k\"}]}",
         "signatures[0].sig is missing"},
        {"{\"payload\":\"\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"\",\"keyid\":"
         "true}]}",
         "signatures[0].keyid is not a string"},
        {"{\"payload\":\"\",\"payloadType\":\"t\",\"signatures\":[\"x\"]}",
         "signatures[0] is not an object"},
        {"{\"payload\":\"\",\"payload\":\"\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":"
         "\"\"}]}",
         "duplicate"},
        {"[]", "not a JSON object"},
        {"{\"payload\":\"\",\"payloadType\":\"t\xc0\x80\",\"signatures\":[{\"sig\":\"\"}]}",
         "malformed DSSE envelope"},
        {"{\"payload\":\"\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"\"},{\"sig\":\"\"},"
         "{\"sig\":\"\"},{\"sig\":\"\"},{\"sig\":\"\"},{\"sig\":\"\"},{\"sig\":\"\"},{\"sig\":"
         "\"\"},{\"sig\":\"\"}]}",
         "more than 8 signatures"},
        /* taken by the full reader, with these fields */
        {"{\"payload\":\"e30=\",\"payloadType\":\"t\\/x\",\"signatures\":[{\"sig\":\"\"}]}",
         NULL},
        {"{\"payload\":\"e30=\",\"payloadType\":\"t/x\",\"x\":1,\"signatures\":[{\"sig\":\"\"}]}",
         NULL},
        {"{\"payload\":\"e30=\",\"payloadType\":\"t/x\",\"signatures\":[{\"sig\":\"\",\"x\":[]}]}",
         NULL},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct scan_envelope f;
        struct dsse d;
        struct err e = ERR_INIT;
        int rc;

        if (scan_env(&f, cases[i].text) != 0)
            fail_msg("the scanner takes %s", cases[i].text);
        rc = sign_parse(&d, cases[i].text, strlen(cases[i].text), &e);
        if (cases[i].error) {
            assert_int_equal(rc, -1);
            assert_int_equal(e.code, EXIT_TAMPER);
            if (!strstr(e.msg, cases[i].error))
                fail_msg("%s: \"%s\", not \"%s\"", cases[i].text, e.msg, cases[i].error);
        } else {
            assert_int_equal(rc, 0);
            assert_int_equal(d.payload_len, 2);
            assert_string_equal(d.payload_type, "t/x");
            sign_dsse_release(&d);
        }
    }
}

/* The same decoding either way: what the scanner reads into a field fails as the full
 * reader's would (a keyid too long, a payload that is not base64). */
static void
test_envelope_decode_errors(void **state)
{
    char text[256];
    struct scan_envelope f;
    struct dsse d;
    struct err e = ERR_INIT;

    (void)state;
    snprintf(text, sizeof(text),
             "{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"\","
             "\"keyid\":\"%065d\"}]}",
             0);
    assert_int_equal(scan_env(&f, text), 1);
    assert_int_equal(sign_parse(&d, text, strlen(text), &e), -1);
    assert_non_null(strstr(e.msg, "keyid is longer than 64 bytes"));
    e = (struct err)ERR_INIT;
    snprintf(text, sizeof(text),
             "{\"payload\":\"e3!\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"\"}]}");
    assert_int_equal(scan_env(&f, text), 1);
    assert_int_equal(sign_parse(&d, text, strlen(text), &e), -1);
    assert_non_null(strstr(e.msg, "payload is not base64"));
}

/* A payload decodes as libsodium's original variant decodes it, whichever decoder reads
 * it (OpenSSL's, for whole padded quanta, or libsodium's variants): padding bits must be
 * zero, '=' only at the end, and unpadded or URL-safe text still reads. */
static void
test_envelope_base64(void **state)
{
    static const struct {
        const char *payload;
        const char *decoded; /* NULL: not base64 */
        size_t len;
    } cases[] = {
        {"e30=", "{}", 2},         {"eQ==", "y", 1},      {"AAAA", "\0\0\0", 3},
        {"", "", 0},               {"e31=", NULL, 0},     {"eR==", NULL, 0},
        {"A===", NULL, 0},         {"====", NULL, 0},     {"e3=0", NULL, 0},
        {"e30==", NULL, 0},        {"e30", "{}", 2},      {"-_8=", "\xfb\xff", 2},
        {"+/8=", "\xfb\xff", 2}, {"e3 0=", NULL, 0},    {"YWJjZGVm", "abcdef", 6},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[256];
        struct dsse d;
        struct err e = ERR_INIT;
        int rc;

        snprintf(text, sizeof(text),
                 "{\"payload\":\"%s\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"\"}]}",
                 cases[i].payload);
        rc = sign_parse(&d, text, strlen(text), &e);
        if (!cases[i].decoded) {
            if (rc == 0)
                fail_msg("'%s' decoded", cases[i].payload);
            assert_non_null(strstr(e.msg, "not base64"));
            continue;
        }
        if (rc < 0)
            fail_msg("'%s': %s", cases[i].payload, e.msg);
        assert_int_equal(d.payload_len, cases[i].len);
        assert_memory_equal(d.payload, cases[i].decoded, cases[i].len);
        sign_dsse_release(&d);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canonical_taken),
        cmocka_unit_test(test_canonical_refused),
        cmocka_unit_test(test_canonical_declined),
        cmocka_unit_test(test_canonical_depth),
        cmocka_unit_test(test_canonical_head),
        cmocka_unit_test(test_canonical_round_trip),
        cmocka_unit_test(test_envelope_taken),
        cmocka_unit_test(test_envelope_declined),
        cmocka_unit_test(test_envelope_decode_errors),
        cmocka_unit_test(test_envelope_base64),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
