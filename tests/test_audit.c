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

#include "core/audit.h"
#include "core/history.h"
#include "core/sign.h"
#include "core/repo.h"

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

static void
make_key(struct key *k, unsigned char first)
{
    unsigned char seed[crypto_sign_SEEDBYTES];
    size_t i;

    for (i = 0; i < sizeof(seed); i++)
        seed[i] = (unsigned char)(first + i);
    assert_int_equal(crypto_sign_seed_keypair(k->pk, k->sk, seed), 0);
    keys_id(k->id, k->pk);
}

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
    };
    int rc;

    if (sodium_init() < 0)
        return 1;
    git_libgit2_init();
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    git_libgit2_shutdown();
    return rc;
}
