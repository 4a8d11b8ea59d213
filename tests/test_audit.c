/* What a clone remembers of the audit log and how a log is compared with it (pure
 * functions on hand-built logs), and the re-chaining of entries the remote lacks (on a
 * temporary repository). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <git2.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ledger/audit.h"
#include "core/ledger/history.h"
#include "core/ledger/sign.h"
#include "core/git/repo.h"

#include "testkeys.h"

#define C1 "1111111111111111111111111111111111111111"
#define C2 "2222222222222222222222222222222222222222"
#define C3 "3333333333333333333333333333333333333333"
#define CX "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"

/* A log of N entries: entry i is the bytes "entry <i><suffix>\n", commit COMMITS[i]. */
static void
make_log(struct audit_log *log, size_t n, const char *const *commits, const char *suffix)
{
    size_t i;
    char line[64];

    memset(log, 0, sizeof(*log)); /* a whole log: no entries before its items */
    log->n = n;
    log->items = calloc(n ? n : 1, sizeof(*log->items));
    assert_non_null(log->items);
    for (i = 0; i < n; i++) {
        snprintf(line, sizeof(line), "entry %zu%s\n", i + 1, i + 1 == n ? suffix : "");
        log->items[i].bytes = strdup(line);
        log->items[i].len = strlen(line);
        snprintf(log->items[i].commit, sizeof(log->items[i].commit), "%s", commits[i]);
    }
}

static const char *const chain[] = {C1, C2, C3};

static void
test_point_is_the_merkle_root_of_the_prefix(void **state)
{
    struct audit_log log;
    struct audit_point p;
    struct err e = ERR_INIT;
    unsigned char leaves[2][32], root[32];

    (void)state;
    make_log(&log, 3, chain, "");
    assert_int_equal(audit_point_at(&p, &log, 2, &e), 0);
    sign_leaf_hash(leaves[0], (const unsigned char *)"entry 1\n", 8);
    sign_leaf_hash(leaves[1], (const unsigned char *)"entry 2\n", 8);
    assert_int_equal(sign_merkle_root(root, (const unsigned char(*)[32])leaves, 2), 0);
    assert_int_equal(p.size, 2);
    assert_memory_equal(p.root, root, 32);
    assert_string_equal(p.tip, C2);
    assert_int_equal(audit_point_at(&p, &log, 0, &e), 0);
    assert_string_equal(p.tip, "");
    assert_int_equal(audit_point_at(&p, &log, 4, &e), -1);
    audit_log_release(&log);
}

static void
test_a_longer_log_extends_its_prefix(void **state)
{
    struct audit_log log;
    struct audit_point p;
    struct err e = ERR_INIT;
    size_t n;

    (void)state;
    make_log(&log, 3, chain, "");
    for (n = 0; n <= 3; n++) {
        assert_int_equal(audit_point_at(&p, &log, n, &e), 0);
        assert_int_equal(audit_extends(&log, &p, "what", &e), 0);
    }
    audit_log_release(&log);
}

static void
test_a_shorter_log_is_a_rollback(void **state)
{
    struct audit_log log, shorter;
    struct audit_point p;
    struct err e = ERR_INIT;

    (void)state;
    make_log(&log, 3, chain, "");
    make_log(&shorter, 2, chain, "");
    assert_int_equal(audit_point_at(&p, &log, 3, &e), 0);
    assert_int_equal(audit_extends(&shorter, &p, "the checkpoint this clone saw", &e), -1);
    assert_int_equal(e.code, EXIT_TAMPER);
    assert_string_equal(e.msg, "the log has 2 entries but the checkpoint this clone saw had 3 "
                               "(truncation or rollback)");
    audit_log_release(&log);
    audit_log_release(&shorter);
}

static void
test_a_rewritten_entry_is_caught(void **state)
{
    struct audit_log log, other;
    struct audit_point p;
    struct err e = ERR_INIT;

    (void)state;
    make_log(&log, 2, chain, "");
    make_log(&other, 3, chain, "");
    free(other.items[1].bytes);
    other.items[1].bytes = strdup("entry 2 rewritten\n");
    other.items[1].len = strlen(other.items[1].bytes);
    assert_int_equal(audit_point_at(&p, &log, 2, &e), 0);
    assert_int_equal(audit_extends(&other, &p, "X", &e), -1);
    assert_int_equal(e.code, EXIT_TAMPER);
    assert_string_equal(e.msg, "the first 2 entries no longer match X (history was rewritten)");
    audit_log_release(&log);
    audit_log_release(&other);
}

static void
test_the_same_entries_in_other_commits_do_not_descend(void **state)
{
    static const char *const forked[] = {C1, CX, C3};
    struct audit_log log, other;
    struct audit_point p;
    struct err e = ERR_INIT;

    (void)state;
    make_log(&log, 2, chain, "");
    make_log(&other, 3, forked, "");
    assert_int_equal(audit_point_at(&p, &log, 2, &e), 0);
    assert_int_equal(audit_extends(&other, &p, "X", &e), -1);
    assert_int_equal(e.code, EXIT_TAMPER);
    assert_non_null(strstr(e.msg, "entry 2 is commit eeeeeeeeeeee, not 222222222222 as X had it"));
    assert_non_null(strstr(e.msg, "does not descend"));
    /* a point an older promote remembered has no commit: size and root decide */
    p.tip[0] = '\0';
    assert_int_equal(audit_extends(&other, &p, "X", &e), 0);
    audit_log_release(&log);
    audit_log_release(&other);
}

static void
test_common_prefix(void **state)
{
    static const char *const forked[] = {C1, CX, C3};
    struct audit_log a, b, none;

    (void)state;
    memset(&none, 0, sizeof(none));
    make_log(&a, 3, chain, "");
    make_log(&b, 3, forked, "");
    assert_int_equal(audit_common(&a, &b), 1);
    assert_int_equal(audit_common(&a, &a), 3);
    assert_int_equal(audit_common(&a, &none), 0);
    audit_log_release(&b);
    make_log(&b, 2, chain, "");
    assert_int_equal(audit_common(&a, &b), 2);
    assert_int_equal(audit_common(&b, &a), 2);
    audit_log_release(&a);
    audit_log_release(&b);
}

static void
test_state_round_trip(void **state)
{
    struct audit_state s, back;
    struct buf b = BUF_INIT;
    struct audit_log log;
    struct err e = ERR_INIT;

    (void)state;
    make_log(&log, 3, chain, "");
    memset(&s, 0, sizeof(s));
    assert_int_equal(audit_point_at(&s.seen, &log, 2, &e), 0);
    assert_int_equal(audit_point_at(&s.local, &log, 3, &e), 0);
    s.has_seen = s.has_local = 1;
    assert_int_equal(audit_state_format(&b, &s), 0);
    assert_non_null(strstr(buf_str(&b), "promote audit state 2\nseen 2 "));
    assert_non_null(strstr(buf_str(&b), " " C3 "\n"));
    assert_int_equal(audit_state_parse(&back, b.ptr, b.len), 0);
    assert_int_equal(back.has_seen, 1);
    assert_int_equal(back.has_local, 1);
    assert_int_equal(back.seen.size, 2);
    assert_memory_equal(back.seen.root, s.seen.root, 32);
    assert_string_equal(back.seen.tip, C2);
    assert_int_equal(back.local.size, 3);
    assert_string_equal(back.local.tip, C3);
    buf_release(&b);
    /* nothing remembered on the remote yet (a clone without one) */
    s.has_seen = 0;
    assert_int_equal(audit_state_format(&b, &s), 0);
    assert_int_equal(audit_state_parse(&back, b.ptr, b.len), 0);
    assert_int_equal(back.has_seen, 0);
    assert_int_equal(back.has_local, 1);
    buf_release(&b);
    audit_log_release(&log);
}

static void
test_state_of_an_older_promote_is_local(void **state)
{
    static const char old[] =
        "5 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";
    struct audit_state s;

    (void)state;
    assert_int_equal(audit_state_parse(&s, old, strlen(old)), 0);
    assert_int_equal(s.has_seen, 0);
    assert_int_equal(s.has_local, 1);
    assert_int_equal(s.local.size, 5);
    assert_int_equal(s.local.root[1], 0x11);
    assert_string_equal(s.local.tip, "");
}

static void
test_malformed_states_are_refused(void **state)
{
    static const char *const bad[] = {
        "",
        "promote audit state 2\nseen 2 0011\n",
        "promote audit state 2\nseen x 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff -\n",
        "promote audit state 2\nlocal 2 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff 12\n",
        "promote audit state 2\nsideways 2 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff -\n",
        "promote audit state 2\nseen 1 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff -\n"
        "seen 1 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff -\n",
        "5 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\ngarbage\n",
        "5 zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
    };
    struct audit_state s;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (audit_state_parse(&s, bad[i], strlen(bad[i])) != -1)
            fail_msg("accepted state %zu: %s", i, bad[i]);
    }
}

/* ---- re-chaining, on a repository in a temporary directory ---- */

static char repo_dir[] = "/tmp/promote-test-audit-XXXXXX";

static json_t *
event(const char *kind, const char *decision)
{
    struct audit_subject s = {"https://example.com/r", NULL, NULL, 1700000000};
    json_t *fields = json_pack("{s:s?}", "decision", decision);
    json_t *st = audit_event_statement(kind, "prod", C1, "someone", fields, &s);

    json_decref(fields);
    return st;
}

static void
tip_log(struct audit_log *log, struct repo *r)
{
    struct err e = ERR_INIT;

    if (audit_load(log, r, AUDIT_REF, &e) < 0)
        fail_msg("%s", e.msg);
}

static void
test_rechain_after_the_remote_entries(void **state)
{
    struct repo *r = NULL;
    struct err e = ERR_INIT;
    struct key k;
    struct audit_trust t;
    struct audit_appended a, ours[2], map[2];
    struct audit_log base, local, remote, moved;
    struct audit_verified v;
    char base_tip[41], new_tip[41];
    json_t *st, *h = NULL;
    git_repository *g = NULL;

    (void)state;
    assert_non_null(mkdtemp(repo_dir));
    assert_int_equal(git_repository_init(&g, repo_dir, 1), 0);
    git_repository_free(g);
    assert_int_equal(repo_open(&r, repo_dir, &e), 0);
    make_key(&k, 7);
    memset(&t, 0, sizeof(t));
    memcpy(t.keys[0].pk, k.pk, 32);
    snprintf(t.keys[0].id, sizeof(t.keys[0].id), "%s", k.id);
    t.n = 1;

    /* two entries both sides share */
    st = event("hold", NULL);
    assert_int_equal(audit_append(&a, r, AUDIT_REF, st, &k, "promote:test", &e), 0);
    assert_int_equal(audit_append(&a, r, AUDIT_REF, st, &k, "promote:test", &e), 0);
    json_decref(st);
    snprintf(base_tip, sizeof(base_tip), "%s", a.commit);
    tip_log(&base, r);
    /* this clone's: a decision and a deployment that names it */
    st = event("decision", NULL);
    assert_int_equal(audit_append(&ours[0], r, AUDIT_REF, st, &k, "promote:test", &e), 0);
    json_decref(st);
    st = event("deployment", ours[0].id);
    assert_int_equal(audit_append(&ours[1], r, AUDIT_REF, st, &k, "promote:test", &e), 0);
    json_decref(st);
    tip_log(&local, r);
    assert_int_equal(local.n, 4);
    /* the remote's: one other entry after the shared two */
    assert_int_equal(repo_ref_cas(r, AUDIT_REF, base_tip, local.items[3].commit, &e), 0);
    st = event("unhold", NULL);
    assert_int_equal(audit_append(&a, r, AUDIT_REF, st, &k, "promote:test", &e), 0);
    json_decref(st);
    tip_log(&remote, r);
    assert_int_equal(audit_common(&local, &remote), 2);

    assert_int_equal(audit_rechain(new_tip, map, r, &remote, &local, 2, &k, "promote:test", &e), 0);
    assert_int_equal(audit_load_tip(&moved, r, new_tip, &e), 0);
    assert_int_equal(moved.n, 5);
    assert_int_equal(audit_common(&moved, &remote), 3);
    assert_int_equal(audit_verify_log(&v, &moved, 0, &t, &e), 0);
    assert_int_equal(map[0].seq, 4);
    assert_int_equal(map[1].seq, 5);
    assert_string_equal(map[1].commit, new_tip);
    assert_string_not_equal(map[0].id, ours[0].id);
    /* the deployment follows its decision to its new id */
    assert_int_equal(history_from_log(&h, &moved, &e), 0);
    assert_string_equal(json_string_value(json_object_get(json_array_get(h, 3), "kind")),
                        "decision");
    assert_string_equal(json_string_value(json_object_get(json_array_get(h, 4), "decision")),
                        map[0].id);
    assert_string_equal(json_string_value(json_object_get(json_array_get(h, 4), "id")),
                        map[1].id);
    /* nothing moved the ref: it is still the remote's log */
    audit_log_release(&base);
    tip_log(&base, r);
    assert_string_equal(base.items[base.n - 1].commit, remote.items[2].commit);

    json_decref(h);
    audit_log_release(&base);
    audit_log_release(&local);
    audit_log_release(&remote);
    audit_log_release(&moved);
    repo_free(r);
}

/* ---- a signed log in memory, verified on one thread and on several ---- */

#define BIG 1500 /* enough that audit_verify_log checks it on every core */

struct big {
    struct key k;
    struct audit_trust t;
    struct audit_log log;
    unsigned char root[32];
};

static void
to_hex(char out[65], const unsigned char h[32])
{
    size_t i;

    for (i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* The envelope line of a statement claiming SEQ and PREV, signed by K; PREV becomes its
 * payload hash (the next entry's prev). */
static char *
signed_entry(size_t *len, uint64_t seq, unsigned char prev[32], const struct key *k)
{
    struct err e = ERR_INIT;
    struct buf payload = BUF_INIT, env = BUF_INIT;
    json_t *st = event(seq % 3 ? "deployment" : "hold", NULL);
    json_t *pred = json_object_get(st, "predicate");
    char prevhex[65];

    to_hex(prevhex, prev);
    assert_int_equal(json_object_set_new(pred, "seq", json_integer((json_int_t)seq)), 0);
    assert_int_equal(json_object_set_new(pred, "prev", json_string(prevhex)), 0);
    if (sign_canonical(&payload, st, &e) < 0 ||
        sign_envelope(&env, SIGN_PAYLOAD_TYPE, (const unsigned char *)payload.ptr, payload.len, k,
                      &e) < 0)
        fail_msg("%s", e.msg);
    crypto_hash_sha256(prev, (const unsigned char *)payload.ptr, payload.len);
    json_decref(st);
    buf_release(&payload);
    *len = env.len;
    return buf_detach(&env);
}

/* BIG entries as audit_append writes them, the last with its checkpoint and frontier. */
static int
big_setup(void **state)
{
    struct big *b = calloc(1, sizeof(*b));
    struct buf cp = BUF_INIT, fr = BUF_INIT;
    struct merkle_frontier f;
    struct err e = ERR_INIT;
    unsigned char prev[32] = {0}, leaf[32];
    char key_name[160];
    size_t i;

    assert_non_null(b);
    make_key(&b->k, 3);
    memcpy(b->t.keys[0].pk, b->k.pk, 32);
    snprintf(b->t.keys[0].id, sizeof(b->t.keys[0].id), "%s", b->k.id);
    b->t.n = 1;
    b->log.n = BIG;
    b->log.items = calloc(BIG, sizeof(*b->log.items));
    assert_non_null(b->log.items);
    sign_frontier_init(&f);
    for (i = 0; i < BIG; i++) {
        struct audit_item *it = &b->log.items[i];

        it->bytes = signed_entry(&it->len, i + 1, prev, &b->k);
        snprintf(it->commit, sizeof(it->commit), "%040zx", i + 1);
        sign_leaf_hash(leaf, (const unsigned char *)it->bytes, it->len);
        sign_frontier_add(&f, leaf);
    }
    sign_frontier_root(b->root, &f);
    audit_key_name(key_name, sizeof(key_name), b->k.id);
    if (sign_checkpoint(&cp, "promote:test", BIG, b->root, key_name, &b->k, &e) < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(audit_frontier_format(&fr, &f, prev), 0);
    b->log.items[BIG - 1].checkpoint_len = cp.len;
    b->log.items[BIG - 1].checkpoint = buf_detach(&cp);
    b->log.items[BIG - 1].frontier_len = fr.len;
    b->log.items[BIG - 1].frontier = buf_detach(&fr);
    *state = b;
    return 0;
}

static int
big_teardown(void **state)
{
    struct big *b = *state;

    audit_log_release(&b->log);
    free(b);
    return 0;
}

/* Verify LOG after entry FROM on one thread (as one entry after the other), on as many as
 * the machine has, and on more, in uneven runs: each must succeed with ROOT when EXPECT is NULL,
 * else fail as tamper saying EXPECT. */
static void
verify_on_threads(const struct audit_log *log, size_t from, const struct audit_trust *t,
                  const unsigned char root[32], const char *expect)
{
    static const unsigned threads[] = {1, 0, 3, 7};
    struct audit_verified v;
    size_t i;

    for (i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
        struct err e = ERR_INIT;
        int rc = threads[i] ? audit_verify_log_threads(&v, log, from, t, threads[i], &e)
                            : audit_verify_log(&v, log, from, t, &e);

        if (!expect && rc != 0)
            fail_msg("%u threads: %s", threads[i], e.msg);
        if (!expect) {
            assert_int_equal(v.size, audit_size(log));
            assert_memory_equal(v.root, root, 32);
            continue;
        }
        if (rc != -1 || e.code != EXIT_TAMPER || strcmp(e.msg, expect) != 0)
            fail_msg("%u threads: got %d (exit %d) '%s', want '%s'", threads[i], rc, e.code,
                     e.msg, expect);
    }
}

/* Change one character of the signature of entry SEQ (and back, called again). */
static void
flip_sig(struct audit_log *log, size_t seq)
{
    char *s = strstr(log->items[seq - 1].bytes, "\"sig\":\"");

    assert_non_null(s);
    s[7] ^= 'A' ^ 'B'; /* a base64 letter stays one, of other bits */
}

static void
test_parallel_verify_is_the_sequential_one(void **state)
{
    struct big *b = *state;
    struct audit_log tail;
    struct dsse d;
    struct err e = ERR_INIT;

    verify_on_threads(&b->log, 0, &b->t, b->root, NULL);
    /* after a remembered point, of a whole log and of a tail that starts there */
    verify_on_threads(&b->log, 600, &b->t, b->root, NULL);
    verify_on_threads(&b->log, BIG - 1, &b->t, b->root, NULL);
    memset(&tail, 0, sizeof(tail));
    tail.base = 600;
    tail.n = BIG - 600;
    tail.items = b->log.items + 600;
    audit_frontier_at(&tail.base_frontier, &b->log, 600);
    assert_int_equal(sign_parse(&d, b->log.items[599].bytes, b->log.items[599].len, &e), 0);
    crypto_hash_sha256(tail.base_prev, d.payload, d.payload_len);
    sign_dsse_release(&d);
    verify_on_threads(&tail, 600, &b->t, b->root, NULL);
    flip_sig(&b->log, 700);
    verify_on_threads(&tail, 600, &b->t, NULL, "seq 700: bad signature");
    flip_sig(&b->log, 700);
    verify_on_threads(&tail, 600, &b->t, b->root, NULL);
}

static void
test_parallel_verify_names_a_bad_signature(void **state)
{
    struct big *b = *state;
    char want[200];

    flip_sig(&b->log, 700);
    verify_on_threads(&b->log, 0, &b->t, NULL, "seq 700: bad signature");
    /* verified before (not checked again): its bytes are still in the tree */
    verify_on_threads(&b->log, 700, &b->t, NULL,
                      "seq 1500: the checkpoint (size 1500) does not match the log (a rewrite or "
                      "truncation)");
    /* a retired key: the first entry after its last seq */
    flip_sig(&b->log, 700);
    b->t.keys[0].not_after_seq = 1000;
    snprintf(want, sizeof(want), "seq 1001: signed by key %s, retired after seq 1000", b->k.id);
    verify_on_threads(&b->log, 0, &b->t, NULL, want);
}

static void
test_parallel_verify_names_a_misplaced_entry(void **state)
{
    struct big *b = *state;
    struct audit_item *items = b->log.items, keep;
    struct audit_log gap = b->log;
    size_t i;

    /* a swapped pair */
    keep = items[699];
    items[699] = items[700];
    items[700] = keep;
    verify_on_threads(&b->log, 0, &b->t, NULL,
                      "seq 700: entry says seq 701 (reordered: the entry of seq 700 is at "
                      "position 701)");
    items[700] = items[699];
    items[699] = keep;
    /* a duplicate in place of the next entry (the items share its bytes) */
    keep = items[700];
    items[700] = items[699];
    verify_on_threads(&b->log, 0, &b->t, NULL,
                      "seq 701: entry says seq 700 (a duplicate: seq 700 is also at position "
                      "700)");
    items[700] = keep;
    /* a gap: entry 700 left out */
    gap.n = BIG - 1;
    gap.items = calloc(BIG - 1, sizeof(*gap.items));
    assert_non_null(gap.items);
    for (i = 0; i < BIG - 1; i++)
        gap.items[i] = items[i < 699 ? i : i + 1];
    verify_on_threads(&gap, 0, &b->t, NULL,
                      "seq 700: entry says seq 701 (a gap: the entry of seq 700 is missing)");
    free(gap.items);
    verify_on_threads(&b->log, 0, &b->t, b->root, NULL);
}

static void
test_parallel_verify_names_a_broken_chain(void **state)
{
    struct big *b = *state;
    struct audit_item *it = &b->log.items[899];
    unsigned char zero[32] = {0};
    char *keep = it->bytes;
    size_t keep_len = it->len;

    /* entry 900 signed properly, but after a previous entry that is not the log's */
    it->bytes = signed_entry(&it->len, 900, zero, &b->k);
    verify_on_threads(&b->log, 0, &b->t, NULL,
                      "seq 900: prev does not match the previous entry (a broken chain)");
    free(it->bytes);
    it->bytes = keep;
    it->len = keep_len;
}

/* Of two bad entries the one earlier in the log is named, whichever thread checks it and
 * whatever is wrong with either. */
static void
test_parallel_verify_names_the_first_bad_entry(void **state)
{
    struct big *b = *state;
    struct audit_item *items = b->log.items, keep;

    flip_sig(&b->log, 1200);
    flip_sig(&b->log, 300);
    verify_on_threads(&b->log, 0, &b->t, NULL, "seq 300: bad signature");
    flip_sig(&b->log, 300);
    verify_on_threads(&b->log, 0, &b->t, NULL, "seq 1200: bad signature");
    /* one found on its own, after one found in order, and the other way round */
    keep = items[399];
    items[399] = items[400];
    items[400] = keep;
    verify_on_threads(&b->log, 0, &b->t, NULL,
                      "seq 400: entry says seq 401 (reordered: the entry of seq 400 is at "
                      "position 401)");
    items[400] = items[399];
    items[399] = keep;
    flip_sig(&b->log, 1200);
    flip_sig(&b->log, 400);
    keep = items[1099];
    items[1099] = items[1100];
    items[1100] = keep;
    verify_on_threads(&b->log, 0, &b->t, NULL, "seq 400: bad signature");
    items[1100] = items[1099];
    items[1099] = keep;
    flip_sig(&b->log, 400);
    /* neighbours: the last of one thread's run and the first of the next one's */
    flip_sig(&b->log, 750);
    flip_sig(&b->log, 751);
    verify_on_threads(&b->log, 0, &b->t, NULL, "seq 750: bad signature");
    flip_sig(&b->log, 750);
    flip_sig(&b->log, 751);
    verify_on_threads(&b->log, 0, &b->t, b->root, NULL);
}

static int
teardown(void **state)
{
    char cmd[200];

    (void)state;
    if (strncmp(repo_dir, "/tmp/promote-test-audit-", 24) == 0 && !strstr(repo_dir, "XXXXXX")) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", repo_dir);
        if (system(cmd) != 0)
            return -1;
    }
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_point_is_the_merkle_root_of_the_prefix),
        cmocka_unit_test(test_a_longer_log_extends_its_prefix),
        cmocka_unit_test(test_a_shorter_log_is_a_rollback),
        cmocka_unit_test(test_a_rewritten_entry_is_caught),
        cmocka_unit_test(test_the_same_entries_in_other_commits_do_not_descend),
        cmocka_unit_test(test_common_prefix),
        cmocka_unit_test(test_state_round_trip),
        cmocka_unit_test(test_state_of_an_older_promote_is_local),
        cmocka_unit_test(test_malformed_states_are_refused),
        cmocka_unit_test_teardown(test_rechain_after_the_remote_entries, teardown),
        cmocka_unit_test_setup_teardown(test_parallel_verify_is_the_sequential_one, big_setup,
                                        big_teardown),
        cmocka_unit_test_setup_teardown(test_parallel_verify_names_a_bad_signature, big_setup,
                                        big_teardown),
        cmocka_unit_test_setup_teardown(test_parallel_verify_names_a_misplaced_entry, big_setup,
                                        big_teardown),
        cmocka_unit_test_setup_teardown(test_parallel_verify_names_a_broken_chain, big_setup,
                                        big_teardown),
        cmocka_unit_test_setup_teardown(test_parallel_verify_names_the_first_bad_entry, big_setup,
                                        big_teardown),
    };
    int rc;

    if (sodium_init() < 0)
        return 1;
    git_libgit2_init();
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    git_libgit2_shutdown();
    return rc;
}
