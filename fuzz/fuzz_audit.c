/* The audit log as 'promote audit verify' and every command that reads the log check
 * it: the entries and the tip's checkpoint (audit_verify_log), the point a clone
 * remembers of the log (.git/promote/checkpoint: audit_state_parse, audit_extends) and
 * --expect SIZE:ROOTHEX (audit_check_expect), and the checkpoints deploy tags witness
 * (witness_parse, witness_check). The trusted key is the fixed test key.
 *
 * The input is cut at lines "--": the state file's text, then the --expect value, then a
 * tag's message, then the tip's checkpoint (these two with the newline before their
 * "--"), then the entries, one a line (each with the newline that ends it).
 *
 * An input opening with 'S' has in-toto Statements for entries instead, and no
 * checkpoint section: each Statement gets the seq and prev of its place (when it has a
 * predicate object), is made canonical and signed into an envelope, and the tip gets a
 * checkpoint over the log, all as audit_append writes them. The verifier must accept
 * such a log whenever every Statement is a promote statement.
 *
 * Whenever a log verifies, every point of it must be one the log extends and may be
 * witnessed, --expect with its size and root must hold, and a tag message carrying the
 * tip's checkpoint must witness it. A state file that parses must format and parse back
 * to the same state. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ledger/audit.h"
#include "core/ledger/sign.h"
#include "core/ledger/witness.h"
#include "fuzz.h"

#define MAX_ENTRIES 16
#define ORIGIN "example.com/promote/audit"

static void
hex(char *out, const unsigned char *b, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

/* A file as audit_load reads it: the LEN bytes at P and the newline that ends them (cut
 * off by fuzz_next), NUL-terminated. */
static char *
with_newline(const uint8_t *p, size_t len)
{
    char *s = malloc(len + 2);

    FUZZ_CHECK(s != NULL);
    if (len)
        memcpy(s, p, len);
    s[len] = '\n';
    s[len + 1] = '\0';
    return s;
}

/* Is ST what audit_verify_log takes for a promote statement (its seq and prev aside)? */
static int
promote_statement(const json_t *st)
{
    const char *type = json_string_value(json_object_get(st, "_type"));
    const char *pt = json_string_value(json_object_get(st, "predicateType"));

    return type && strcmp(type, "https://in-toto.io/Statement/v1") == 0 && pt &&
           (strcmp(pt, AUDIT_VSA) == 0 || strcmp(pt, AUDIT_EVENT) == 0);
}

/* Sign the Statement LINE as entry SEQ after the entry whose payload hashes to PREV
 * (updated to this one's): its envelope line, malloc'd, into IT. *VALID is cleared
 * unless the entry is one the verifier must accept. */
static void
sign_entry(struct audit_item *it, int *valid, unsigned char prev[32], size_t seq,
           const uint8_t *line, size_t len)
{
    struct buf payload = BUF_INIT, env = BUF_INIT;
    struct err e = ERR_INIT;
    json_t *st, *pred;
    char prevhex[65];
    int ok = 0;

    st = json_loadb((const char *)line, len, JSON_REJECT_DUPLICATES, NULL);
    pred = json_object_get(st, "predicate");
    if (json_is_object(pred)) {
        hex(prevhex, prev, 32);
        FUZZ_CHECK(json_object_set_new(pred, "seq", json_integer((json_int_t)seq)) == 0);
        FUZZ_CHECK(json_object_set_new(pred, "prev", json_string(prevhex)) == 0);
        if (sign_canonical(&payload, st, &e) == 0)
            ok = promote_statement(st);
        else
            fuzz_check_err(-1, &e);
    }
    if (!ok) {
        /* not a Statement this log could hold: sign the line as it is */
        *valid = 0;
        payload.len = 0;
        FUZZ_CHECK(buf_add(&payload, line, len) == 0);
    }
    if (sign_envelope(&env, SIGN_PAYLOAD_TYPE, (const unsigned char *)payload.ptr, payload.len,
                      fuzz_test_key(), &e) < 0)
        fuzz_fail(e.msg);
    crypto_hash_sha256(prev, (const unsigned char *)payload.ptr, payload.len);
    it->len = env.len;
    it->bytes = buf_detach(&env);
    json_decref(st);
    buf_release(&payload);
}

/* The checkpoint audit_append writes for LOG's tip, into the tip. */
static void
sign_tip(struct audit_log *log)
{
    unsigned char(*leaves)[32] = calloc(log->n + 1, 32);
    unsigned char root[32];
    struct buf cp = BUF_INIT;
    struct err e = ERR_INIT;
    char name[160];
    size_t i;

    FUZZ_CHECK(leaves != NULL);
    for (i = 0; i < log->n; i++)
        sign_leaf_hash(leaves[i], (const unsigned char *)log->items[i].bytes, log->items[i].len);
    FUZZ_CHECK(sign_merkle_root(root, (const unsigned char(*)[32])leaves, log->n) == 0);
    audit_key_name(name, sizeof(name), fuzz_test_key()->id);
    if (sign_checkpoint(&cp, ORIGIN, log->n, root, name, fuzz_test_key(), &e) < 0)
        fuzz_fail(e.msg);
    log->items[log->n - 1].checkpoint_len = cp.len;
    log->items[log->n - 1].checkpoint = buf_detach(&cp);
    free(leaves);
}

/* LOG verified as V with TRUST: each of its points is one it extends and may be
 * witnessed, --expect holds, and a tag message carrying the tip's checkpoint witnesses
 * it. */
static void
check_verified(const struct audit_log *log, const struct audit_verified *v,
               const struct audit_trust *trust)
{
    struct witness w[MAX_ENTRIES + 1];
    struct witness_set ws = {0, MAX_ENTRIES + 1, w};
    const struct audit_item *tip = log->n ? &log->items[log->n - 1] : NULL;
    struct buf msg = BUF_INIT;
    struct audit_point p;
    struct err e = ERR_INIT;
    char expect[128], root[65];
    size_t k;

    FUZZ_CHECK(v->size == log->n);
    for (k = 0; k <= log->n; k++) {
        FUZZ_CHECK(audit_point_at(&p, log, k, &e) == 0);
        if (k == log->n)
            FUZZ_CHECK(memcmp(p.root, v->root, 32) == 0);
        if (audit_extends(log, &p, "the point", &e) < 0)
            fuzz_fail(e.msg);
        w[ws.n].point = p;
        snprintf(w[ws.n].tag, sizeof(w[ws.n].tag), "prod-%zu", k);
        ws.n++;
    }
    if (witness_check(log, &ws, &e) < 0) /* by size, as witness_collect sorts them */
        fuzz_fail(e.msg);
    hex(root, v->root, 32);
    snprintf(expect, sizeof(expect), "%zu:%s", log->n, root);
    if (audit_check_expect(log, expect, &e) < 0)
        fuzz_fail(e.msg);
    if (!tip)
        return;
    FUZZ_CHECK(witness_message(&msg, "deploy", tip->checkpoint, tip->checkpoint_len) == 0);
    FUZZ_CHECK(witness_parse(&p, msg.ptr, msg.len, trust) == 1);
    FUZZ_CHECK(p.size == log->n && memcmp(p.root, v->root, 32) == 0);
    buf_release(&msg);
}

/* The checkpoint the tag message MSG witnesses, if any, checked against LOG. */
static void
check_tag(const struct audit_log *log, const char *msg, size_t len, const struct audit_trust *trust)
{
    struct witness w;
    struct witness_set ws = {0, 1, &w};
    struct err e = ERR_INIT;
    int rc;

    memset(&w, 0, sizeof(w));
    rc = witness_parse(&w.point, msg, len, trust);
    FUZZ_CHECK(rc == 0 || rc == 1);
    if (rc == 0)
        return;
    snprintf(w.tag, sizeof(w.tag), "prod-2026.12.02.1");
    ws.n = 1;
    rc = witness_check(log, &ws, &e);
    fuzz_check_err(rc, &e);
}

static void
check_state(const struct audit_log *log, const uint8_t *text, size_t len)
{
    struct audit_state st, again;
    struct buf out = BUF_INIT;
    struct err e = ERR_INIT;
    int rc;

    if (audit_state_parse(&st, (const char *)text, len) < 0)
        return;
    FUZZ_CHECK(audit_state_format(&out, &st) == 0);
    FUZZ_CHECK(audit_state_parse(&again, out.ptr, out.len) == 0);
    FUZZ_CHECK(again.has_seen == st.has_seen && again.has_local == st.has_local);
    FUZZ_CHECK(!st.has_seen || memcmp(&again.seen, &st.seen, sizeof(st.seen)) == 0);
    FUZZ_CHECK(!st.has_local || memcmp(&again.local, &st.local, sizeof(st.local)) == 0);
    buf_release(&out);
    if (st.has_seen) {
        rc = audit_extends(log, &st.seen, "the checkpoint this clone saw", &e);
        fuzz_check_err(rc, &e);
    }
    if (st.has_local) {
        rc = audit_extends(log, &st.local, "the log this clone wrote", &e);
        fuzz_check_err(rc, &e);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct audit_item items[MAX_ENTRIES];
    struct audit_log log = {.n = 0, .items = items};
    struct audit_trust trust;
    struct audit_verified v;
    unsigned char prev[32] = {0};
    int statements = size > 0 && data[0] == 'S', valid = 1;
    const uint8_t *state = NULL, *expect = NULL, *tag = NULL, *cp = NULL, *line;
    size_t state_len = 0, expect_len = 0, tag_len = 0, cp_len = 0, len, i;
    struct err e = ERR_INIT;
    char *expect_str, *tag_msg;
    int rc;

    fuzz_input(data, size);
    if (statements) {
        data++;
        size--;
    }
    memset(items, 0, sizeof(items));
    (void)(fuzz_next(&state, &state_len, &data, &size, "\n--\n") &&
           fuzz_next(&expect, &expect_len, &data, &size, "\n--\n") &&
           fuzz_next(&tag, &tag_len, &data, &size, "\n--\n") &&
           (statements || fuzz_next(&cp, &cp_len, &data, &size, "\n--\n")));
    while (log.n < MAX_ENTRIES && fuzz_next(&line, &len, &data, &size, "\n")) {
        struct audit_item *it = &items[log.n];

        snprintf(it->commit, sizeof(it->commit), "%040zx", log.n + 1);
        if (statements) {
            sign_entry(it, &valid, prev, log.n + 1, line, len);
        } else {
            it->bytes = with_newline(line, len);
            it->len = len + 1;
        }
        log.n++;
    }
    if (log.n > 0) {
        if (statements)
            sign_tip(&log);
        else if (cp) {
            items[log.n - 1].checkpoint = with_newline(cp, cp_len);
            items[log.n - 1].checkpoint_len = cp_len + 1;
        }
    }

    memset(&trust, 0, sizeof(trust));
    rc = audit_verify_log(&v, &log, 0, &trust, &e); /* nobody to trust */
    FUZZ_CHECK(log.n == 0 ? rc == 0 : rc < 0 && e.code == EXIT_USAGE);
    trust.n = 1;
    memcpy(trust.keys[0].pk, fuzz_test_key()->pk, 32);
    keys_id(trust.keys[0].id, trust.keys[0].pk);
    snprintf(trust.keys[0].name, sizeof(trust.keys[0].name), "test");

    for (i = 0; i < log.n; i++) {
        char id[65];
        json_t *j = audit_payload(&items[i], id);

        if (j)
            FUZZ_CHECK(strlen(id) == 64);
        json_decref(j);
    }
    rc = audit_verify_log(&v, &log, 0, &trust, &e);
    fuzz_check_err(rc, &e);
    if (statements && valid && rc < 0)
        fuzz_fail(e.msg); /* the verifier refused what the appender writes */
    if (rc == 0) {
        check_verified(&log, &v, &trust);
        /* from a point verified before: the same log, the same root */
        if (log.n > 1) {
            struct audit_verified again;

            rc = audit_verify_log(&again, &log, log.n / 2, &trust, &e);
            if (rc < 0)
                fuzz_fail(e.msg);
            FUZZ_CHECK(again.size == v.size && memcmp(again.root, v.root, 32) == 0);
        }
        /* the key retired before the last entry: refused */
        if (log.n > 0) {
            trust.keys[0].not_after_seq = log.n - 1; /* 0: no limit */
            rc = audit_verify_log(&v, &log, 0, &trust, &e);
            FUZZ_CHECK(log.n == 1 ? rc == 0 : rc < 0 && e.code == EXIT_TAMPER);
            trust.keys[0].not_after_seq = 0;
        }
    } else if (log.n > 1) {
        rc = audit_verify_log(&v, &log, log.n - 1, &trust, &e);
        fuzz_check_err(rc, &e);
    }
    if (state)
        check_state(&log, state, state_len);
    if (tag) {
        tag_msg = with_newline(tag, tag_len);
        check_tag(&log, tag_msg, tag_len + 1, &trust);
        free(tag_msg);
    }
    if (expect) {
        expect_str = fuzz_strndup(expect, expect_len);
        rc = audit_check_expect(&log, expect_str, &e);
        fuzz_check_err(rc, &e);
        free(expect_str);
    }
    for (i = 0; i < log.n; i++) {
        free(items[i].bytes);
        free(items[i].checkpoint);
    }
    return 0;
}
