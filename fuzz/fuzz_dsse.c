/* DSSE envelopes and the audit log read from them.
 *
 * An input opening with 'S' is a list of in-toto Statements, one a line: each is signed
 * into an envelope with the fixed test key (tests/fixtures/sign), which must parse back
 * to the same bytes and verify. Any other input is a list of envelopes, one a line, as
 * stored in the log: each is parsed strictly and verified against the test key.
 *
 * Every envelope, and every statement (signed here, or decoded from an envelope), is also
 * read by the fast readers of core/ledger/scan.c beside jansson: what a scanner takes,
 * jansson takes and reads the same, and the canonical form of any document is taken.
 *
 * Either way the envelopes then form an audit log, normalised into the history the
 * rules read (history_from_log), queried as the commands query it (holds, the last
 * entries, tags, rollback targets) and evaluated by the gates that read it (dr_test,
 * provenance, soak). */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/ledger/audit.h"
#include "core/ledger/history.h"
#include "core/ledger/scan.h"
#include "core/release/rollback.h"
#include "core/ledger/sign.h"
#include "fuzz.h"
#include "gates/gate.h"

#define MAX_ENTRIES 16
#define COMMIT "0123456789abcdef0123456789abcdef01234567"

/* S (N bytes) is the string V, byte for byte. */
static int
same_string(const char *s, size_t n, const json_t *v)
{
    return json_is_string(v) && json_string_length(v) == n && memcmp(json_string_value(v), s, n) == 0;
}

/* What scan_envelope takes, jansson reads as the same three fields and signatures. */
static void
check_scan_envelope(const char *bytes, size_t len)
{
    struct scan_envelope f;
    json_t *root;
    const json_t *sigs;
    size_t i;

    if (scan_envelope(&f, bytes, len) != 1)
        return;
    root = json_loadb(bytes, len, JSON_REJECT_DUPLICATES, NULL);
    FUZZ_CHECK(json_is_object(root) && json_object_size(root) == 3);
    FUZZ_CHECK(same_string(f.payload, f.payload_len, json_object_get(root, "payload")));
    FUZZ_CHECK(same_string(f.payload_type, f.payload_type_len, json_object_get(root, "payloadType")));
    sigs = json_object_get(root, "signatures");
    FUZZ_CHECK(json_is_array(sigs) && json_array_size(sigs) == f.n_sigs && f.n_sigs >= 1 &&
               f.n_sigs <= SIGN_MAX_SIGS);
    for (i = 0; i < f.n_sigs; i++) {
        const json_t *o = json_array_get(sigs, i), *keyid = json_object_get(o, "keyid");

        FUZZ_CHECK(json_is_object(o) && json_object_size(o) == (keyid ? 2u : 1u));
        FUZZ_CHECK(same_string(f.sigs[i].sig, f.sigs[i].sig_len, json_object_get(o, "sig")));
        FUZZ_CHECK(keyid ? f.sigs[i].keyid &&
                               same_string(f.sigs[i].keyid, f.sigs[i].keyid_len, keyid)
                         : !f.sigs[i].keyid);
    }
    json_decref(root);
}

/* The string of V, or "" (as the log's checks read a field). */
static const char *
str_or_empty(const json_t *v)
{
    return json_is_string(v) ? json_string_value(v) : "";
}

/* What scan_canonical takes is canonical to jansson and reads the same; what it declines
 * that is canonical has an escape (in a key); the canonical form of any document jansson
 * reads is taken unless a key has one. */
static void
check_scan_statement(const unsigned char *text, size_t len)
{
    json_t *doc = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES, NULL);
    struct buf b = BUF_INIT;
    struct err e = ERR_INIT;
    struct scan_head h;
    int rc = scan_canonical(&h, text, len);
    int made = doc && sign_canonical(&b, doc, &e) == 0;
    int canonical = made && b.len == len && memcmp(b.ptr, text, len) == 0;

    FUZZ_CHECK(rc == 0 || rc == 1);
    if (rc == 1) {
        const json_t *pred = json_object_get(doc, "predicate");
        const json_t *seq = json_object_get(pred, "seq");
        const char *prev = str_or_empty(json_object_get(pred, "prev"));

        FUZZ_CHECK(canonical);
        FUZZ_CHECK(strcmp(h.type, strlen(str_or_empty(json_object_get(doc, "_type"))) < 64
                                      ? str_or_empty(json_object_get(doc, "_type"))
                                      : "") == 0);
        FUZZ_CHECK(strcmp(h.prev, strlen(prev) <= 64 ? prev : "") == 0);
        FUZZ_CHECK(h.seq_set == json_is_integer(seq));
        FUZZ_CHECK(!h.seq_set || h.seq == json_integer_value(seq));
    } else {
        FUZZ_CHECK(!canonical || memchr(text, '\\', len));
    }
    if (made && !memchr(b.ptr, '\\', b.len))
        FUZZ_CHECK(scan_canonical(&h, (const unsigned char *)b.ptr, b.len) == 1);
    buf_release(&b);
    json_decref(doc);
}

static void
check_envelope(const char *bytes, size_t len)
{
    struct dsse d;
    struct err e = ERR_INIT;
    size_t i;
    int rc;

    check_scan_envelope(bytes, len);
    rc = sign_parse(&d, bytes, len, &e);
    fuzz_check_err(rc, &e);
    if (rc < 0)
        return;
    check_scan_statement(d.payload, d.payload_len);
    FUZZ_CHECK(d.n_sigs >= 1 && d.n_sigs <= SIGN_MAX_SIGS);
    FUZZ_CHECK(d.payload && d.payload_type && d.payload[d.payload_len] == '\0');
    for (i = 0; i < d.n_sigs; i++) {
        FUZZ_CHECK(d.sigs[i].sig_len <= 192);
        FUZZ_CHECK(memchr(d.sigs[i].keyid, '\0', sizeof(d.sigs[i].keyid)) != NULL);
    }
    (void)sign_verify(&d, fuzz_test_key()->pk);
    sign_dsse_release(&d);
}

/* Sign PAYLOAD, parse the envelope back, verify it: the round trip must hold. */
static char *
signed_envelope(size_t *len, const uint8_t *payload, size_t plen)
{
    struct buf out = BUF_INIT;
    struct dsse d;
    struct err e = ERR_INIT;

    if (sign_envelope(&out, SIGN_PAYLOAD_TYPE, payload, plen, fuzz_test_key(), &e) < 0)
        fuzz_fail(e.msg);
    FUZZ_CHECK(out.len > 0 && out.ptr[out.len - 1] == '\n');
    FUZZ_CHECK(sign_parse(&d, out.ptr, out.len, &e) == 0);
    FUZZ_CHECK(d.payload_len == plen && memcmp(d.payload, payload, plen) == 0);
    FUZZ_CHECK(strcmp(d.payload_type, SIGN_PAYLOAD_TYPE) == 0);
    FUZZ_CHECK(sign_verify(&d, fuzz_test_key()->pk) == 0);
    sign_dsse_release(&d);
    *len = out.len;
    return buf_detach(&out);
}

static void
run_gate(const char *type, const char *rule_text, const json_t *history)
{
    const struct gate *g = gate_find(type);
    json_t *rule = json_loads(rule_text, 0, NULL);
    struct gate_ctx ctx;
    struct evidence ev;
    struct finding f;
    struct err e = ERR_INIT;
    int rc;

    FUZZ_CHECK(g && rule);
    memset(&ctx, 0, sizeof(ctx));
    memset(&ev, 0, sizeof(ev));
    memset(&f, 0, sizeof(f));
    ctx.commit = COMMIT;
    ctx.rule = rule;
    ctx.history = history;
    ctx.from_env = "sit";
    ctx.to_env = "production";
    snprintf(ev.commit, sizeof(ev.commit), "%s", COMMIT);
    rc = g->collect(&ctx, &ev, &e);
    fuzz_check_err(rc, &e);
    if (rc == 0) {
        /* now: 2026-12-01T00:00:00Z */
        enum verdict v = g->evaluate(&ev, rule, (time_t)1795996800, &f);

        FUZZ_CHECK(v == VERDICT_ERROR || v == VERDICT_PASS || v == VERDICT_FAIL);
    }
    fuzz_check_finding(rc, &e, &f);
    finding_release(&f);
    evidence_release(&ev);
    json_decref(rule);
}

static void
query(const json_t *h)
{
    static const char *const envs[] = {"dev", "sit", "production"};
    struct rollback_target t;
    struct rollback_to to;
    struct err e = ERR_INIT;
    size_t i;
    int rc;

    for (i = 0; i < sizeof(envs) / sizeof(envs[0]); i++) {
        const json_t *last = history_last(h, "deployment", envs[i], NULL, NULL);

        (void)history_hold(h, envs[i]);
        (void)history_last(h, "decision", envs[i], COMMIT, "approved");
        if (last)
            (void)history_tagged(h, envs[i], COMMIT, last);
        memset(&to, 0, sizeof(to));
        rc = rollback_find(&t, h, envs[i], &to, &e);
        fuzz_check_err(rc, &e);
        to.seq = (long long)json_array_size(h);
        rc = rollback_find(&t, h, envs[i], &to, &e);
        fuzz_check_err(rc, &e);
        memset(&to, 0, sizeof(to));
        to.commit = COMMIT;
        rc = rollback_find(&t, h, envs[i], &to, &e);
        fuzz_check_err(rc, &e);
    }
    run_gate("dr_test", "{\"max_age_days\": 30}", h);
    run_gate("provenance", "{\"require_decision\": true}", h);
    run_gate("soak", "{\"min_hours\": 24}", h);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct audit_item items[MAX_ENTRIES];
    struct audit_log log = {.n = 0, .items = items};
    int statements = size > 0 && data[0] == 'S';
    const uint8_t *line;
    struct err e = ERR_INIT;
    json_t *h = NULL;
    size_t len, i;
    int rc;

    fuzz_input(data, size);
    if (statements) {
        data++;
        size--;
    } else {
        check_envelope((const char *)data, size);
    }
    memset(items, 0, sizeof(items));
    while (log.n < MAX_ENTRIES && fuzz_next(&line, &len, &data, &size, "\n")) {
        struct audit_item *it = &items[log.n++];

        if (statements) {
            check_scan_statement(line, len);
            it->bytes = signed_envelope(&it->len, line, len);
        } else {
            it->bytes = fuzz_strndup(line, len);
            it->len = len;
            if (log.n > 1) /* the whole input was checked as one */
                check_envelope(it->bytes, it->len);
        }
    }
    for (i = 0; i < log.n; i++) {
        char id[65];
        json_t *j = audit_payload(&items[i], id);

        if (j)
            FUZZ_CHECK(strlen(id) == 64);
        json_decref(j);
    }
    rc = history_from_log(&h, &log, &e);
    fuzz_check_err(rc, &e);
    if (rc == 0) {
        FUZZ_CHECK(json_array_size(h) == log.n);
        query(h);
        json_decref(h);
    }
    for (i = 0; i < log.n; i++)
        free(items[i].bytes);
    return 0;
}
