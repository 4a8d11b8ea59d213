/* DSSE envelopes and the audit log read from them.
 *
 * An input opening with 'S' is a list of in-toto Statements, one a line: each is signed
 * into an envelope with the fixed test key (tests/fixtures/sign), which must parse back
 * to the same bytes and verify. Any other input is a list of envelopes, one a line, as
 * stored in the log: each is parsed strictly and verified against the test key.
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
#include "core/release/rollback.h"
#include "core/ledger/sign.h"
#include "fuzz.h"
#include "gates/gate.h"

#define MAX_ENTRIES 16
#define COMMIT "0123456789abcdef0123456789abcdef01234567"

static void
check_envelope(const char *bytes, size_t len)
{
    struct dsse d;
    struct err e = ERR_INIT;
    size_t i;
    int rc;

    rc = sign_parse(&d, bytes, len, &e);
    fuzz_check_err(rc, &e);
    if (rc < 0)
        return;
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
