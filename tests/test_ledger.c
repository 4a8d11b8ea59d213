/* The ledger without git: a log of entries made in memory (audit_entry_make, what
 * audit_append writes) verified as a clone would verify it, whole and after a remembered
 * point, and every kind of tamper named by its seq. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ledger/audit.h"

#include "testkeys.h"

#define N 40
#define ORIGIN "github.com/bbws/order-service/promote-audit"

struct fx {
    struct key k, other;
    struct audit_trust t;
    struct audit_log log;
    unsigned char root[32]; /* the root of all N */
    struct audit_entry tip_of[N + 1]; /* each entry's checkpoint and frontier, by seq */
};

static char *
copy(const struct buf *b)
{
    char *p = malloc(b->len + 1);

    assert_non_null(p);
    memcpy(p, b->ptr, b->len);
    p[b->len] = '\0';
    return p;
}

/* The item of entry SEQ as a reading of the log ending there holds it. */
static void
set_tip(struct fx *f, size_t seq)
{
    struct audit_item *it = &f->log.items[seq - 1];

    it->checkpoint = copy(&f->tip_of[seq].checkpoint);
    it->checkpoint_len = f->tip_of[seq].checkpoint.len;
    it->frontier = copy(&f->tip_of[seq].frontier);
    it->frontier_len = f->tip_of[seq].frontier.len;
}

static void
clear_tip(struct fx *f, size_t seq)
{
    struct audit_item *it = &f->log.items[seq - 1];

    free(it->checkpoint);
    free(it->frontier);
    it->checkpoint = it->frontier = NULL;
    it->checkpoint_len = it->frontier_len = 0;
}

static int
setup(void **state)
{
    static struct fx f;
    struct merkle_frontier fr;
    unsigned char prev[32] = {0};
    struct err e = ERR_INIT;
    size_t i;

    memset(&f, 0, sizeof(f));
    make_key(&f.k, 1);
    make_key(&f.other, 101);
    memcpy(f.t.keys[0].pk, f.k.pk, 32);
    snprintf(f.t.keys[0].id, sizeof(f.t.keys[0].id), "%s", f.k.id);
    f.t.n = 1;
    f.log.items = calloc(N, sizeof(*f.log.items));
    assert_non_null(f.log.items);
    sign_frontier_init(&fr);
    for (i = 1; i <= N; i++) {
        char commit[41];
        json_t *st;

        snprintf(commit, sizeof(commit), "%040zu", i);
        st = json_pack("{s:s, s:[{s:s, s:{s:s}}], s:s, s:{s:s, s:s, s:s}}", "_type",
                       "https://in-toto.io/Statement/v1", "subject", "name",
                       "https://github.com/bbws/order-service", "digest", "gitCommit", commit,
                       "predicateType", AUDIT_EVENT, "predicate", "kind", "dr_test", "env",
                       "prod", "time", "2026-12-01T00:00:00Z");
        assert_non_null(st);
        if (audit_entry_make(&f.tip_of[i], &fr, prev, st, &f.k, ORIGIN, &e) < 0)
            fail_msg("%s", e.msg);
        json_decref(st);
        assert_int_equal(f.tip_of[i].seq, i);
        fr = f.tip_of[i].next;
        memcpy(prev, f.tip_of[i].id, 32);
        f.log.items[i - 1].bytes = copy(&f.tip_of[i].envelope);
        f.log.items[i - 1].len = f.tip_of[i].envelope.len;
    }
    f.log.n = N;
    memcpy(f.root, f.tip_of[N].root, 32);
    set_tip(&f, N);
    *state = &f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    size_t i;

    audit_log_release(&f->log);
    for (i = 1; i <= N; i++)
        audit_entry_release(&f->tip_of[i]);
    return 0;
}

/* LOG after FROM verifies to N entries and the root, or fails as tamper with a message
 * that starts with WANT. */
static void
verify(const struct audit_log *log, size_t from, const struct audit_trust *t,
       const unsigned char root[32], const char *want)
{
    struct audit_verified v;
    struct err e = ERR_INIT;
    int rc = audit_verify_log(&v, log, from, t, &e);

    if (!want) {
        if (rc < 0)
            fail_msg("%s", e.msg);
        assert_int_equal(v.size, audit_size(log));
        assert_memory_equal(v.root, root, 32);
        return;
    }
    if (rc != -1 || e.code != EXIT_TAMPER || strncmp(e.msg, want, strlen(want)) != 0)
        fail_msg("got %d (exit %d) '%s', want tamper '%s...'", rc, e.code, e.msg, want);
}

static void
test_a_log_made_in_memory_verifies(void **state)
{
    struct fx *f = *state;
    struct merkle_frontier back;
    unsigned char prev[32];

    verify(&f->log, 0, &f->t, f->root, NULL);
    /* each entry's root is the RFC 6962 root of the log up to it */
    audit_frontier_at(&back, &f->log, 17);
    {
        unsigned char r17[32];

        sign_frontier_root(r17, &back);
        assert_memory_equal(r17, f->tip_of[17].root, 32);
    }
    /* the frontier file holds what the next append needs */
    assert_int_equal(audit_frontier_parse(&back, prev, f->tip_of[N].frontier.ptr,
                                          f->tip_of[N].frontier.len),
                     0);
    assert_int_equal(back.size, N);
    assert_memory_equal(prev, f->tip_of[N].id, 32);
}

static void
test_a_tail_after_a_remembered_point_verifies(void **state)
{
    struct fx *f = *state;
    struct audit_log tail;

    memset(&tail, 0, sizeof(tail));
    tail.base = 25;
    tail.n = N - 25;
    tail.items = f->log.items + 25;
    audit_frontier_at(&tail.base_frontier, &f->log, 25);
    memcpy(tail.base_prev, f->tip_of[25].id, 32);
    verify(&tail, 25, &f->t, f->root, NULL);
    /* a remembered payload hash that is not entry 25's: entry 26 does not chain */
    tail.base_prev[0] ^= 1;
    verify(&tail, 25, &f->t, NULL, "seq 26: ");
}

static void
test_a_changed_byte_is_named(void **state)
{
    struct fx *f = *state;
    char *payload = strstr(f->log.items[6].bytes, "\"payload\":\"");

    assert_non_null(payload);
    payload[20] ^= 'A' ^ 'B';
    verify(&f->log, 0, &f->t, NULL, "seq 7: ");
    payload[20] ^= 'A' ^ 'B';
    verify(&f->log, 0, &f->t, f->root, NULL);
}

static void
test_a_dropped_or_moved_entry_is_named(void **state)
{
    struct fx *f = *state;
    struct audit_item keep = f->log.items[11], *it = f->log.items;

    /* entry 12 dropped: the 12th says seq 13 */
    memmove(it + 11, it + 12, (N - 12) * sizeof(*it));
    f->log.n = N - 1;
    verify(&f->log, 0, &f->t, NULL, "seq 12: ");
    memmove(it + 12, it + 11, (N - 12) * sizeof(*it));
    it[11] = keep;
    f->log.n = N;
    /* two swapped */
    it[11] = it[12];
    it[12] = keep;
    verify(&f->log, 0, &f->t, NULL, "seq 12: ");
    it[12] = it[11];
    it[11] = keep;
    verify(&f->log, 0, &f->t, f->root, NULL);
}

static void
test_a_truncated_log_does_not_match_its_checkpoint(void **state)
{
    struct fx *f = *state;

    /* the last three entries gone, the checkpoint of all N kept on the new last */
    clear_tip(f, N);
    f->log.items[N - 4].checkpoint = copy(&f->tip_of[N].checkpoint);
    f->log.items[N - 4].checkpoint_len = f->tip_of[N].checkpoint.len;
    f->log.n = N - 3;
    verify(&f->log, 0, &f->t, NULL, "seq 37: the checkpoint (size 40) does not match");
    /* its own checkpoint: a shorter log that verifies, as a fresh clone would see it */
    clear_tip(f, N - 3);
    set_tip(f, N - 3);
    verify(&f->log, 0, &f->t, f->tip_of[N - 3].root, NULL);
    clear_tip(f, N - 3);
    f->log.n = N;
    set_tip(f, N);
}

static void
test_keys_that_are_not_trusted_or_retired(void **state)
{
    struct fx *f = *state;
    struct audit_trust other;
    char want[200];

    memset(&other, 0, sizeof(other));
    memcpy(other.keys[0].pk, f->other.pk, 32);
    snprintf(other.keys[0].id, sizeof(other.keys[0].id), "%s", f->other.id);
    other.n = 1;
    verify(&f->log, 0, &other, NULL, "seq 1: ");
    f->t.keys[0].not_after_seq = 30;
    snprintf(want, sizeof(want), "seq 31: signed by key %s, retired after seq 30", f->k.id);
    verify(&f->log, 0, &f->t, NULL, want);
    f->t.keys[0].not_after_seq = 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_a_log_made_in_memory_verifies),
        T(test_a_tail_after_a_remembered_point_verifies),
        T(test_a_changed_byte_is_named),
        T(test_a_dropped_or_moved_entry_is_named),
        T(test_a_truncated_log_does_not_match_its_checkpoint),
        T(test_keys_that_are_not_trusted_or_retired),
    };

    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
