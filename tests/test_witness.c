#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four above, which it needs */

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ledger/audit.h"
#include "core/base/buf.h"
#include "core/base/err.h"
#include "core/ledger/loghome.h"
#include "core/ledger/sign.h"
#include "core/ledger/witness.h"

#include "testkeys.h"

static void
trust(struct audit_trust *t, const struct key *k)
{
    memset(t, 0, sizeof(*t));
    memcpy(t->keys[0].pk, k->pk, 32);
    snprintf(t->keys[0].id, sizeof(t->keys[0].id), "%s", k->id);
    t->n = 1;
}

/* A log of N one-line entries "entry I\n" (only their bytes matter here). */
static void
make_log(struct audit_log *log, size_t n)
{
    size_t i;

    log->n = n;
    log->items = calloc(n ? n : 1, sizeof(*log->items));
    assert_non_null(log->items);
    for (i = 0; i < n; i++) {
        char line[32];

        snprintf(line, sizeof(line), "entry %zu\n", i + 1);
        log->items[i].bytes = strdup(line);
        log->items[i].len = strlen(line);
    }
}

static void
root_of(unsigned char root[32], const struct audit_log *log, size_t n)
{
    unsigned char(*leaves)[32] = calloc(n ? n : 1, 32);
    size_t i;

    assert_non_null(leaves);
    for (i = 0; i < n; i++)
        sign_leaf_hash(leaves[i], (const unsigned char *)log->items[i].bytes, log->items[i].len);
    assert_int_equal(sign_merkle_root(root, (const unsigned char(*)[32])leaves, n), 0);
    free(leaves);
}

/* The frontier gives the RFC 6962 root of every prefix, as the recursive definition does. */
static void
test_frontier_matches_root(void **state)
{
    unsigned char leaves[70][32], want[32], got[32];
    struct merkle_frontier f;
    char data[16];
    size_t i;

    (void)state;
    sign_frontier_init(&f);
    sign_frontier_root(got, &f);
    assert_int_equal(sign_merkle_root(want, NULL, 0), 0);
    assert_memory_equal(got, want, 32);
    for (i = 0; i < 70; i++) {
        snprintf(data, sizeof(data), "leaf %zu", i);
        sign_leaf_hash(leaves[i], (const unsigned char *)data, strlen(data));
        sign_frontier_add(&f, leaves[i]);
        assert_int_equal(f.size, i + 1);
        assert_int_equal(f.n, __builtin_popcountll(i + 1));
        sign_frontier_root(got, &f);
        assert_int_equal(sign_merkle_root(want, (const unsigned char(*)[32])leaves, i + 1), 0);
        assert_memory_equal(got, want, 32);
    }
}

/* The frontier file: written and read back; anything inconsistent refused. */
static void
test_frontier_file(void **state)
{
    struct merkle_frontier f, g;
    unsigned char leaf[32], prev[32], got[32];
    struct buf b = BUF_INIT;
    size_t i;

    (void)state;
    sign_frontier_init(&f);
    memset(prev, 0x5a, 32);
    for (i = 0; i < 11; i++) {
        memset(leaf, (int)i, 32);
        sign_frontier_add(&f, leaf);
    }
    assert_int_equal(audit_frontier_format(&b, &f, prev), 0);
    assert_int_equal(strncmp(b.ptr, "promote frontier 1\nsize 11\nprev 5a5a", 36), 0);
    assert_int_equal(audit_frontier_parse(&g, got, b.ptr, b.len), 0);
    assert_int_equal(g.size, 11);
    assert_int_equal(g.n, 3); /* 11 = 8 + 2 + 1 */
    assert_memory_equal(g.node, f.node, 3 * 32);
    assert_memory_equal(got, prev, 32);
    /* a node too many or too few for the size, a bad header, upper-case hex, no newline */
    b.len = 0;
    assert_int_equal(buf_adds(&b, "promote frontier 1\nsize 2\nprev "), 0);
    for (i = 0; i < 64; i++)
        assert_int_equal(buf_adds(&b, "a"), 0);
    assert_int_equal(buf_adds(&b, "\n"), 0);
    assert_int_equal(audit_frontier_parse(&g, got, b.ptr, b.len), -1); /* size 2: one node */
    assert_int_equal(buf_adds(&b, "node "), 0);
    for (i = 0; i < 64; i++)
        assert_int_equal(buf_adds(&b, "b"), 0);
    assert_int_equal(buf_adds(&b, "\n"), 0);
    assert_int_equal(audit_frontier_parse(&g, got, b.ptr, b.len), 0);
    assert_int_equal(audit_frontier_parse(&g, got, b.ptr, b.len - 1), -1);
    b.ptr[b.len - 2] = 'B';
    assert_int_equal(audit_frontier_parse(&g, got, b.ptr, b.len), -1);
    assert_int_equal(audit_frontier_parse(&g, got, "promote frontier 2\nsize 0\nprev x\n", 33),
                     -1);
    buf_release(&b);
}

static void
message_with(struct buf *msg, const struct key *k, uint64_t size, const unsigned char root[32])
{
    struct buf cp = BUF_INIT;
    struct err e = ERR_INIT;
    char kn[160];

    audit_key_name(kn, sizeof(kn), k->id);
    assert_int_equal(sign_checkpoint(&cp, "promote:https://github.com/bbws/order-service", size,
                                     root, kn, k, &e),
                     0);
    assert_int_equal(witness_message(msg, "promote: dev -> sit, decision seq 3 abc\n",
                                     buf_str(&cp), cp.len),
                     0);
    buf_release(&cp);
}

static void
test_witness_parse(void **state)
{
    struct key k, other;
    struct audit_trust t, t_other;
    struct audit_point p;
    struct buf msg = BUF_INIT, x = BUF_INIT;
    unsigned char root[32];
    char *at;

    (void)state;
    make_key(&k, 1);
    make_key(&other, 77);
    trust(&t, &k);
    trust(&t_other, &other);
    memset(root, 0xab, 32);
    message_with(&msg, &k, 3, root);
    /* the message, a blank line, the block */
    assert_non_null(strstr(buf_str(&msg), "abc\n\n" WITNESS_BEGIN "promote:https://"));
    assert_int_equal(witness_parse(&p, msg.ptr, msg.len, &t), 1);
    assert_int_equal(p.size, 3);
    assert_memory_equal(p.root, root, 32);
    assert_string_equal(p.tip, "");
    /* signed by a key the policy does not trust: no witness */
    assert_int_equal(witness_parse(&p, msg.ptr, msg.len, &t_other), 0);
    /* a changed size: the signature fails, no witness */
    assert_int_equal(buf_adds(&x, buf_str(&msg)), 0);
    at = strstr(x.ptr, "\n3\n");
    assert_non_null(at);
    at[1] = '9';
    assert_int_equal(witness_parse(&p, x.ptr, x.len, &t), 0);
    /* no end marker, no block at all, a marker not at the start of a line */
    x.len = 0;
    assert_int_equal(buf_add(&x, msg.ptr, msg.len - strlen(WITNESS_END)), 0);
    assert_int_equal(witness_parse(&p, x.ptr, x.len, &t), 0);
    assert_int_equal(witness_parse(&p, "promote: dev -> sit\n", 20, &t), 0);
    x.len = 0;
    assert_int_equal(buf_adds(&x, "x"), 0);
    assert_int_equal(buf_add(&x, strstr(msg.ptr, WITNESS_BEGIN),
                             msg.len - (size_t)(strstr(msg.ptr, WITNESS_BEGIN) - msg.ptr)),
                     0);
    assert_int_equal(witness_parse(&p, x.ptr, x.len, &t), 0);
    buf_release(&msg);
    buf_release(&x);
}

static void
add_witness(struct witness_set *ws, const struct audit_log *log, size_t size, const char *tag)
{
    ws->w = realloc(ws->w, (ws->n + 1) * sizeof(*ws->w));
    assert_non_null(ws->w);
    memset(&ws->w[ws->n], 0, sizeof(ws->w[ws->n]));
    ws->w[ws->n].point.size = size;
    root_of(ws->w[ws->n].point.root, log, size);
    snprintf(ws->w[ws->n].tag, sizeof(ws->w[ws->n].tag), "%s", tag);
    ws->n++;
    ws->cap = ws->n;
}

static void
test_witness_check(void **state)
{
    struct audit_log log, shorter;
    struct witness_set ws = {0, 0, NULL};
    struct err e = ERR_INIT;

    (void)state;
    make_log(&log, 9);
    make_log(&shorter, 4);
    assert_int_equal(witness_check(&log, &ws, &e), 0); /* no witness: nothing to check */
    assert_null(witness_floor(&ws));
    add_witness(&ws, &log, 3, "sit-1");
    add_witness(&ws, &log, 5, "prod-1");
    add_witness(&ws, &log, 5, "prod-0");
    assert_string_equal(witness_floor(&ws)->tag, "prod-0");
    assert_int_equal(witness_check(&log, &ws, &e), 0);
    /* shortened below the floor: named by the largest witness */
    assert_int_equal(witness_check(&shorter, &ws, &e), -1);
    assert_int_equal(e.code, EXIT_TAMPER);
    assert_string_equal(e.msg, "the log has 4 entries but tag 'prod-0' witnesses a checkpoint "
                               "of 5 (truncation or rollback)");
    /* one byte of entry 2 changed: the first witness over it names the rewrite */
    log.items[1].bytes[0] = 'E';
    e = (struct err)ERR_INIT;
    assert_int_equal(witness_check(&log, &ws, &e), -1);
    assert_int_equal(e.code, EXIT_TAMPER);
    assert_string_equal(e.msg, "the first 3 entries of the log do not hash to the root tag "
                               "'sit-1' witnesses (history was rewritten)");
    /* entry 4 changed: only the witnesses of 5 see it */
    log.items[1].bytes[0] = 'e';
    log.items[3].bytes[0] = 'E';
    e = (struct err)ERR_INIT;
    assert_int_equal(witness_check(&log, &ws, &e), -1);
    assert_non_null(strstr(e.msg, "the first 5 entries of the log do not hash to the root tag"));
    witness_set_release(&ws);
    audit_log_release(&log);
    audit_log_release(&shorter);
}

static void
test_loghome_rules(void **state)
{
    struct loghome h;
    struct err e = ERR_INIT;
    json_t *j;

    (void)state;
    memset(&h, 0, sizeof(h));
    j = json_loads("[{\"type\": \"deletion\", \"ruleset_id\": 1}, {\"type\": \"pull_request\"},"
                   " {\"type\": \"non_fast_forward\"}]",
                   0, NULL);
    assert_int_equal(loghome_rules(&h, j, "/rules", &e), 0);
    assert_true(h.protected_ && h.nff && h.deletion);
    json_decref(j);
    j = json_loads("[{\"type\": \"non_fast_forward\"}, {\"type\": \"required_signatures\"}]", 0,
                   NULL);
    assert_int_equal(loghome_rules(&h, j, "/rules", &e), 0);
    assert_true(h.nff && !h.deletion && !h.protected_);
    json_decref(j);
    j = json_loads("[]", 0, NULL);
    assert_int_equal(loghome_rules(&h, j, "/rules", &e), 0);
    assert_false(h.protected_);
    json_decref(j);
    j = json_loads("{\"type\": \"deletion\"}", 0, NULL);
    assert_int_equal(loghome_rules(&h, j, "/rules", &e), -1);
    assert_string_equal(e.msg, "/rules: the answer is not a list of rules");
    json_decref(j);
    j = json_loads("[{\"type\": \"deletion\"}, {\"type\": 7}]", 0, NULL);
    e = (struct err)ERR_INIT;
    assert_int_equal(loghome_rules(&h, j, "/rules", &e), -1);
    assert_string_equal(e.msg, "/rules: rule 1 has no type");
    json_decref(j);
}

/* The cases that need no GitHub: local only, a ref no ruleset can protect, no repository. */
static void
test_loghome_check_offline(void **state)
{
    struct loghome h;
    struct err e = ERR_INIT;
    struct gh_config none;

    (void)state;
    memset(&none, 0, sizeof(none));
    assert_int_equal(loghome_check(&h, "refs/heads/promote/audit", "", 0, NULL, &e), 0);
    assert_true(h.checked && !h.protected_ && !h.allowed_unprotected);
    assert_string_equal(h.why, "kept in this clone only: no remote holds it");
    assert_int_equal(loghome_check(&h, "refs/promote/audit", "origin", 0, NULL, &e), -1);
    assert_int_equal(e.code, EXIT_EVAL);
    assert_non_null(strstr(e.msg, "refs/promote/audit is not a branch: no ruleset can protect it"));
    assert_int_equal(loghome_check(&h, "refs/promote/audit", "origin", 1, NULL, &e), 0);
    assert_true(h.allowed_unprotected && !h.protected_);
    e = (struct err)ERR_INIT;
    assert_int_equal(loghome_check(&h, "refs/heads/promote/audit", "origin", 0, &none, &e), -1);
    assert_non_null(strstr(e.msg, "the GitHub repository is not known"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frontier_matches_root),
        cmocka_unit_test(test_frontier_file),
        cmocka_unit_test(test_witness_parse),
        cmocka_unit_test(test_witness_check),
        cmocka_unit_test(test_loghome_rules),
        cmocka_unit_test(test_loghome_check_offline),
    };

    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
