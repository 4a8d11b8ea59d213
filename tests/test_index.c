/* The index of the audit log (core/ledger/index.c) and the log read from its tail (core/ledger/audit.c):
 * a log of a few hundred mixed entries, read whole and from a remembered point, indexed,
 * and every query the rules make answered the same over the entries a focus picks as over
 * the whole history. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <git2.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/ledger/audit.h"
#include "core/insight/dora.h"
#include "core/ledger/history.h"
#include "core/ledger/index.h"
#include "core/ledger/keys.h"
#include "core/git/repo.h"
#include "core/release/rollback.h"

#include "testkeys.h"

#define N_ENTRIES 240
#define N_COMMITS 90

static char repo_dir[] = "/tmp/promote-test-index-XXXXXX";
static const char *const envs[] = {"dev", "sit", "prod"};
/* the id of the decision into each environment appended last: most deployments name it */
static char last_decision[3][65];

static void
commit_id(char out[41], unsigned n)
{
    snprintf(out, 41, "%040x", n + 1);
}

/* Entry I of a seeded mix: decisions (some with a load test), deployments with every
 * result, rollbacks, holds, unholds and DR tests across three environments. */
static json_t *
statement(unsigned i, uint32_t *rnd)
{
    char commit[41], time_s[32], from_commit[41];
    const char *env, *kind;
    json_t *st, *ext, *gates;
    unsigned pick;

    *rnd = *rnd * 1103515245u + 12345u;
    pick = (*rnd >> 8) % 100;
    env = envs[(*rnd >> 4) % 3];
    commit_id(commit, (*rnd >> 16) % N_COMMITS);
    commit_id(from_commit, (*rnd >> 20) % N_COMMITS);
    snprintf(time_s, sizeof(time_s), "2026-%02u-%02uT%02u:00:00Z", 1 + i / 200 % 12,
             1 + i / 8 % 28, i % 24);
    if (pick < 35) {
        gates = json_pack("[{s:s, s:s, s:s, s:{s:i}}]", "name", "unit", "type", "tests", "status",
                          pick % 5 ? "pass" : "fail", "data", "failed", pick % 5 ? 0 : 2);
        if (i % 13 == 0) /* rare: the latest approved decision rarely has one */
            json_array_append_new(gates, json_pack("{s:s, s:s, s:s, s:{s:s, s:s}}", "name",
                                                   "load", "type", "load_test", "status", "pass",
                                                   "data", "file", "k6.json", "latency", "120"));
        ext = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "kind", "decision", "from",
                        strcmp(env, "dev") == 0 ? "build" : strcmp(env, "sit") == 0 ? "dev" : "sit",
                        "to", env, "verdict", pick % 5 ? "approved" : "rejected", "actor", "ana",
                        "gates", gates);
        st = json_pack("{s:s, s:[{s:s, s:{s:s}}], s:s, s:{s:s, s:s, s:o}}", "_type",
                       "https://in-toto.io/Statement/v1", "subject", "name", "commit", "digest",
                       "gitCommit", commit, "predicateType", AUDIT_VSA, "predicate",
                       "timeVerified", time_s, "verificationResult", "PASSED", AUDIT_EXTENSION,
                       ext);
        return st;
    }
    if (pick < 75) {
        static const char *const results[] = {"success", "success", "failure", "triggered",
                                              "trigger_failed"};

        kind = "deployment";
        ext = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "kind", kind, "env", env, "time", time_s,
                        "actor", "bo", "result", results[pick % 5], "tag", "t");
        if (pick % 3 && last_decision[(*rnd >> 4) % 3][0])
            json_object_set_new(ext, "decision", json_string(last_decision[(*rnd >> 4) % 3]));
    } else {
        static const char *const kinds[] = {"rollback", "hold", "unhold", "dr_test"};

        kind = kinds[pick % 4];
        ext = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "kind", kind, "env", env, "time", time_s,
                        "actor", "cy", "result", "pass", "from_commit", from_commit);
    }
    return json_pack("{s:s, s:[{s:s, s:{s:s}}], s:s, s:o}", "_type",
                     "https://in-toto.io/Statement/v1", "subject", "name", "commit", "digest",
                     "gitCommit", commit, "predicateType", AUDIT_EVENT, "predicate", ext);
}

struct fixture {
    struct repo *r;
    struct key k;
    struct audit_trust t;
    struct audit_log whole;
    json_t *history; /* history_from_log of WHOLE */
};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct err e = ERR_INIT;
    struct audit_appended a;
    git_repository *g = NULL;
    uint32_t rnd = 7;
    unsigned i;

    assert_non_null(f);
    assert_non_null(mkdtemp(repo_dir));
    assert_int_equal(git_repository_init(&g, repo_dir, 1), 0);
    git_repository_free(g);
    assert_int_equal(repo_open(&f->r, repo_dir, &e), 0);
    make_key(&f->k, 11);
    memcpy(f->t.keys[0].pk, f->k.pk, 32);
    snprintf(f->t.keys[0].id, sizeof(f->t.keys[0].id), "%s", f->k.id);
    f->t.n = 1;
    for (i = 0; i < N_ENTRIES; i++) {
        json_t *st = statement(i, &rnd);

        assert_non_null(st);
        if (audit_append(&a, f->r, AUDIT_REF, st, &f->k, "promote:test", &e) < 0)
            fail_msg("%s", e.msg);
        if (strcmp(json_string_value(json_object_get(st, "predicateType")), AUDIT_VSA) == 0)
            snprintf(last_decision[(rnd >> 4) % 3], sizeof(last_decision[0]), "%s", a.id);
        json_decref(st);
    }
    assert_int_equal(audit_load(&f->whole, f->r, AUDIT_REF, &e), 0);
    assert_int_equal(audit_size(&f->whole), N_ENTRIES);
    assert_int_equal(history_from_log(&f->history, &f->whole, &e), 0);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[200];

    audit_log_release(&f->whole);
    json_decref(f->history);
    repo_free(f->r);
    free(f);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", repo_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void
index_fresh(struct index **ix, struct fixture *f)
{
    struct err e = ERR_INIT;
    char path[1300];

    snprintf(path, sizeof(path), "%spromote/%s", repo_commondir(f->r), INDEX_FILE);
    unlink(path);
    snprintf(path, sizeof(path), "%spromote", repo_commondir(f->r));
    (void)mkdir(path, 0700);
    if (index_open(ix, f->r, &e) < 0)
        fail_msg("%s", e.msg);
}

/* The tail after a remembered point verifies, hashes and points like the whole log. */
static void
test_tail_reads_only_what_is_new(void **state)
{
    struct fixture *f = *state;
    struct err e = ERR_INIT;
    struct audit_point p, q, w;
    struct audit_log tail;
    struct audit_verified v, vw;
    size_t n;

    assert_int_equal(audit_verify_log(&vw, &f->whole, 0, &f->t, &e), 0);
    for (n = 1; n < N_ENTRIES; n += 37) {
        assert_int_equal(audit_point_at(&p, &f->whole, n, &e), 0);
        assert_int_equal(audit_load_after(&tail, f->r, f->whole.items[N_ENTRIES - 1].commit, &p,
                                          &e),
                         0);
        assert_int_equal(tail.base, n);
        assert_int_equal(tail.n, N_ENTRIES - n);
        assert_int_equal(audit_verify_log(&v, &tail, n, &f->t, &e), 0);
        assert_memory_equal(v.root, vw.root, 32);
        assert_int_equal(audit_extends(&tail, &p, "the point", &e), 0);
        assert_int_equal(audit_point_at(&q, &tail, N_ENTRIES - 1, &e), 0);
        assert_int_equal(audit_point_at(&w, &f->whole, N_ENTRIES - 1, &e), 0);
        assert_memory_equal(q.root, w.root, 32);
        assert_string_equal(q.tip, w.tip);
        assert_int_equal(audit_common(&tail, &f->whole), N_ENTRIES);
        /* an entry before the tail is not there to be read */
        assert_int_equal(audit_verify_log(&v, &tail, n - 1, &f->t, &e), -1);
        audit_log_release(&tail);
    }
    /* a point whose root is not the log's: the whole log is read (and extends names it) */
    assert_int_equal(audit_point_at(&p, &f->whole, 100, &e), 0);
    p.root[0] ^= 1;
    assert_int_equal(audit_load_after(&tail, f->r, f->whole.items[N_ENTRIES - 1].commit, &p, &e),
                     0);
    assert_int_equal(tail.base, 0);
    assert_int_equal(audit_extends(&tail, &p, "the point", &e), -1);
    assert_int_equal(e.code, EXIT_TAMPER);
    audit_log_release(&tail);
}

/* The index holds every entry as history_from_log reads it, and the roots of every size. */
static void
test_index_is_the_history(void **state)
{
    struct fixture *f = *state;
    struct err e = ERR_INIT;
    struct index *ix = NULL;
    struct audit_point tip, p;
    unsigned char root[32];
    json_t *h = NULL;
    size_t n;

    index_fresh(&ix, f);
    assert_int_equal(index_tip(&tip, ix, &e), 0);
    assert_int_equal(tip.size, 0);
    assert_int_equal(index_sync(ix, &f->whole, &e), 0);
    assert_int_equal(index_tip(&tip, ix, &e), 0);
    assert_int_equal(tip.size, N_ENTRIES);
    assert_string_equal(tip.tip, f->whole.items[N_ENTRIES - 1].commit);
    assert_int_equal(index_history(&h, ix, NULL, &e), 0);
    assert_true(json_equal(h, f->history));
    json_decref(h);
    for (n = 1; n <= N_ENTRIES; n += 17) {
        assert_int_equal(audit_point_at(&p, &f->whole, n, &e), 0);
        assert_int_equal(index_root_at(root, ix, n, &e), 0);
        assert_memory_equal(root, p.root, 32);
    }
    index_free(ix);
}

/* One query the rules make, over H and over the whole history, must agree. */
static void
same(const json_t *a, const json_t *b, const char *what)
{
    if (!a && !b)
        return;
    if (!a || !b || !json_equal((json_t *)a, (json_t *)b))
        fail_msg("%s: %s vs %s", what, a ? "an entry" : "none", b ? "an entry" : "none");
}

static const json_t *
baseline(const json_t *h, const char *env)
{
    size_t i, j;

    for (i = json_array_size(h); i-- > 0;) {
        const json_t *x = json_array_get(h, i), *gates = json_object_get(x, "gates");

        if (!history_is(x, "kind", "decision") || !history_is(x, "env", env) ||
            !history_is(x, "verdict", "approved"))
            continue;
        for (j = 0; j < json_array_size(gates); j++)
            if (history_is(json_array_get(gates, j), "type", "load_test"))
                return x;
    }
    return NULL;
}

/* The entries of ENV after its latest successful deployment (what "already deployed"
 * and a deployment triggered since read). */
static json_t *
since_success(const json_t *h, const char *env)
{
    const json_t *last = history_last(h, "deployment", env, NULL, "success");
    json_int_t from = last ? json_integer_value(json_object_get(last, "seq")) : 0;
    json_t *out = json_array();
    size_t i;

    for (i = 0; i < json_array_size(h); i++) {
        const json_t *x = json_array_get(h, i);

        if (history_is(x, "env", env) && json_integer_value(json_object_get(x, "seq")) > from)
            json_array_append(out, (json_t *)x);
    }
    return out;
}

static void
check_focus(const json_t *full, const json_t *sub, const struct history_focus *fo)
{
    static const char *const kinds[] = {"decision", "deployment", "rollback", "hold", "unhold",
                                        "dr_test", NULL};
    static const char *const results[] = {NULL, "success", "failure", "triggered",
                                          "trigger_failed", "approved", "rejected", "pass", "x"};
    char what[200];
    size_t ei, ki, ri, ci;

    for (ei = 0; ei < 3; ei++) {
        const char *env = envs[ei];
        const char *commits[6] = {fo->commits[0], NULL, NULL, NULL, NULL, NULL};
        const json_t *dep = history_last(full, "deployment", env, NULL, "success");
        json_t *a, *b;

        for (ki = 0; kinds[ki]; ki++)
            for (ri = 0; ri < sizeof(results) / sizeof(results[0]); ri++) {
                snprintf(what, sizeof(what), "last %s %s %s", kinds[ki], env,
                         results[ri] ? results[ri] : "any");
                same(history_last(sub, kinds[ki], env, NULL, results[ri]),
                     history_last(full, kinds[ki], env, NULL, results[ri]), what);
            }
        same(history_hold(sub, env), history_hold(full, env), "hold");
        same(baseline(sub, env), baseline(full, env), "load-test baseline");
        a = since_success(sub, env);
        b = since_success(full, env);
        same(a, b, "entries since the latest successful deployment");
        json_decref(a);
        json_decref(b);
        /* the candidate a promotion out of ENV takes, and the commit asked for */
        commits[1] = dep ? history_str(dep, "commit") : NULL;
        for (ci = 0; ci < 2; ci++) {
            if (!commits[ci])
                continue;
            for (ki = 0; kinds[ki]; ki++)
                for (ri = 0; ri < sizeof(results) / sizeof(results[0]); ri++) {
                    snprintf(what, sizeof(what), "last %s %s of %.8s %s", kinds[ki], env,
                             commits[ci], results[ri] ? results[ri] : "any");
                    same(history_last(sub, kinds[ki], env, commits[ci], results[ri]),
                         history_last(full, kinds[ki], env, commits[ci], results[ri]), what);
                }
            same(history_tagged(sub, env, commits[ci], NULL),
                 history_tagged(full, env, commits[ci], NULL), "tagged");
        }
    }
}

static void
test_focus_answers_as_the_whole_history(void **state)
{
    struct fixture *f = *state;
    struct err e = ERR_INIT, e1 = ERR_INIT, e2 = ERR_INIT;
    struct index *ix = NULL;
    struct history_focus fo;
    struct rollback_target t1, t2;
    char c[41];
    json_t *sub = NULL;
    unsigned n;
    size_t ei;

    index_fresh(&ix, f);
    assert_int_equal(index_sync(ix, &f->whole, &e), 0);
    for (n = 0; n <= N_COMMITS; n++) {
        memset(&fo, 0, sizeof(fo));
        commit_id(c, n);
        fo.commits[0] = n < N_COMMITS ? c : NULL;
        assert_int_equal(index_history(&sub, ix, &fo, &e), 0);
        assert_true(json_array_size(sub) < json_array_size(f->history));
        check_focus(f->history, sub, &fo);
        json_decref(sub);
    }
    /* a rollback's: every good state of the environment */
    for (ei = 0; ei < 3; ei++) {
        memset(&fo, 0, sizeof(fo));
        fo.rollback_env = envs[ei];
        assert_int_equal(index_history(&sub, ix, &fo, &e), 0);
        check_focus(f->history, sub, &fo);
        e1 = (struct err)ERR_INIT;
        e2 = (struct err)ERR_INIT;
        assert_int_equal(rollback_find(&t1, sub, envs[ei], NULL, &e1),
                         rollback_find(&t2, f->history, envs[ei], NULL, &e2));
        if (!e1.code) {
            assert_string_equal(t1.commit, t2.commit);
            same(t1.deployment, t2.deployment, "rollback deployment");
            same(t1.decision, t2.decision, "rollback decision");
        } else {
            assert_string_equal(e1.msg, e2.msg);
        }
        json_decref(sub);
    }
    /* the entries after a point, all of them */
    memset(&fo, 0, sizeof(fo));
    fo.after = N_ENTRIES - 30;
    assert_int_equal(index_history(&sub, ix, &fo, &e), 0);
    for (n = N_ENTRIES - 29; n <= N_ENTRIES; n++)
        same(history_at(sub, n), history_at(f->history, n), "after");
    json_decref(sub);
    index_free(ix);
}

/* The report (core/insight/dora.h) of one environment over a window. Over the whole history
 * (WHOLE set), each decision's gates are read from its entry in the log first. */
static json_t *
report_of(struct fixture *f, json_t *h, const char *env, const struct dora_window *w,
          int whole)
{
    struct err e = ERR_INIT;
    struct dora_source src;
    json_t *doc = NULL, *st;
    char id[65];
    size_t i;

    for (i = 0; whole && i < json_array_size(h); i++) {
        json_t *x = json_array_get(h, i);

        if (!history_is(x, "kind", "decision"))
            continue;
        st = audit_payload(&f->whole.items[i], id);
        assert_non_null(st);
        assert_int_equal(json_object_set_new(x, "gates", history_gates_recorded(st)), 0);
        json_decref(st);
    }
    memset(&src, 0, sizeof(src));
    src.repo = "r";
    src.history = h;
    src.log_size = N_ENTRIES;
    src.log_root = "00";
    if (dora_report_whole(&doc, &src, 1, env, w, &e) < 0)
        fail_msg("%s", e.msg);
    return doc;
}

/* The report of ENV over W from the entries the index picks is the report over the whole
 * history (WHAT names the case); how many entries it picked. */
static size_t
same_report(struct fixture *f, struct index *ix, const char *env, const struct dora_window *w,
            const char *what)
{
    struct err e = ERR_INIT;
    struct history_focus fo;
    json_t *sub = NULL, *full = json_deep_copy(f->history), *a, *b;
    size_t picked;

    memset(&fo, 0, sizeof(fo));
    fo.report_env = env;
    fo.since = (long long)w->since;
    fo.until = (long long)w->until;
    assert_int_equal(index_history(&sub, ix, &fo, &e), 0);
    a = report_of(f, sub, env, w, 0);
    b = report_of(f, full, env, w, 1);
    if (!json_equal(a, b))
        fail_msg("%s %s: %s\nvs the whole history: %s", env, what, json_dumps(a, JSON_SORT_KEYS),
                 json_dumps(b, JSON_SORT_KEYS));
    picked = json_array_size(sub);
    json_decref(a);
    json_decref(b);
    json_decref(full);
    json_decref(sub);
    return picked;
}

/* A report reads the entries its focus picks, with the gates the index keeps, and
 * says the same as over the whole history with every gate read, for every environment and
 * window (the fixture's clock goes back in February: entries are not in time order). */
static void
test_report_focus_answers_as_the_whole_history(void **state)
{
    struct fixture *f = *state;
    struct err e = ERR_INIT;
    struct index *ix = NULL;
    struct dora_window w;
    time_t jan1 = history_parse_time("2026-01-01T00:00:00Z");
    size_t ei, k, picked = 0, total = 0;
    char what[80];

    index_fresh(&ix, f);
    assert_int_equal(index_sync(ix, &f->whole, &e), 0);
    for (ei = 0; ei < 3; ei++)
        for (k = 0; k < 26; k++) {
            w.since = jan1 + (time_t)k * 3 * 86400;
            w.until = w.since + (time_t)(k % 4 + 1) * 5 * 86400;
            if (k == 23) /* everything */
                w.since = jan1 - 86400, w.until = jan1 + 90 * 86400;
            if (k >= 24) { /* ending where the clock went back: later entries are earlier */
                w.since = k == 24 ? jan1 : history_parse_time("2026-02-20T00:00:00Z");
                w.until = history_parse_time("2026-02-28T06:30:00Z");
            }
            snprintf(what, sizeof(what), "over window %zu", k);
            picked += same_report(f, ix, envs[ei], &w, what);
            total += json_array_size(f->history);
        }
    /* windows that open on a successful deployment whose decision came before them */
    for (k = 0, ei = 0; ei < json_array_size(f->history) && k < 12; ei++) {
        const json_t *x = json_array_get(f->history, ei), *dec = NULL;
        size_t d;

        if (!history_is(x, "kind", "deployment") || !history_is(x, "result", "success") ||
            !history_str(x, "decision"))
            continue;
        for (d = 0; d < ei; d++)
            if (history_is(json_array_get(f->history, d), "id", history_str(x, "decision")))
                dec = json_array_get(f->history, d);
        if (!dec || json_integer_value(json_object_get(dec, "epoch")) >=
                        json_integer_value(json_object_get(x, "epoch")))
            continue;
        k++;
        w.since = (time_t)json_integer_value(json_object_get(x, "epoch"));
        w.until = w.since + 3 * 86400;
        snprintf(what, sizeof(what), "from the deployment of seq %lld",
                 (long long)json_integer_value(json_object_get(x, "seq")));
        same_report(f, ix, history_str(x, "env"), &w, what);
    }
    assert_int_equal(k, 12);
    /* the focus reads a part of the log, not all of it */
    assert_true(picked < total / 2);
    index_free(ix);
}

/* A log that moved sideways (entries re-chained elsewhere) replaces the rows after what
 * both share; a file that is not an index is made again. */
static void
test_index_follows_the_log(void **state)
{
    struct fixture *f = *state;
    struct err e = ERR_INIT;
    struct index *ix = NULL;
    struct audit_appended a;
    struct audit_log other, tail;
    struct audit_point p, tip;
    json_t *h = NULL, *want = NULL, *st;
    uint32_t rnd = 99;
    char path[1300];
    FILE *fp;
    sqlite3 *db;
    uint64_t seq;
    char lc[41];

    index_fresh(&ix, f);
    assert_int_equal(index_sync(ix, &f->whole, &e), 0);
    /* another log: the first 200 entries, then two others */
    assert_int_equal(repo_ref_set(f->r, "refs/promote/other", f->whole.items[199].commit, &e), 0);
    st = statement(7, &rnd);
    assert_int_equal(audit_append(&a, f->r, "refs/promote/other", st, &f->k, "promote:test", &e), 0);
    assert_int_equal(audit_append(&a, f->r, "refs/promote/other", st, &f->k, "promote:test", &e), 0);
    json_decref(st);
    assert_int_equal(audit_load(&other, f->r, "refs/promote/other", &e), 0);
    /* read from its entry 200 only: the rows after it go, its two come */
    assert_int_equal(audit_point_at(&p, &other, 200, &e), 0);
    assert_int_equal(audit_load_after(&tail, f->r, a.commit, &p, &e), 0);
    assert_int_equal(tail.base, 200);
    assert_int_equal(index_sync(ix, &tail, &e), 0);
    assert_int_equal(index_tip(&tip, ix, &e), 0);
    assert_int_equal(tip.size, 202);
    assert_string_equal(tip.tip, a.commit);
    assert_int_equal(index_history(&h, ix, NULL, &e), 0);
    assert_int_equal(history_from_log(&want, &other, &e), 0);
    assert_true(json_equal(h, want));
    json_decref(h);
    json_decref(want);
    /* a tail after entry 201 of the first log shares nothing the tail can show: read whole */
    assert_int_equal(audit_point_at(&p, &f->whole, 201, &e), 0);
    audit_log_release(&tail);
    assert_int_equal(audit_load_after(&tail, f->r, f->whole.items[N_ENTRIES - 1].commit, &p, &e),
                     0);
    assert_int_equal(index_sync(ix, &tail, &e), 1);
    assert_int_equal(index_sync(ix, &f->whole, &e), 0);
    assert_int_equal(index_tip(&tip, ix, &e), 0);
    assert_int_equal(tip.size, N_ENTRIES);
    /* entries by seq and by id */
    assert_int_equal(index_find(&seq, lc, ix, "17", &e), 0);
    assert_int_equal(seq, 17);
    assert_string_equal(lc, f->whole.items[16].commit);
    assert_int_equal(index_find(&seq, lc, ix,
                                json_string_value(json_object_get(json_array_get(f->history, 41),
                                                                  "id")),
                                &e),
                     0);
    assert_int_equal(seq, 42);
    assert_int_equal(index_find(&seq, lc, ix, "ffffffffffff", &e), 0);
    assert_int_equal(seq, 0);
    index_free(ix);
    /* an id whose prefix is all digits is found by it, not taken for a seq that does not
     * exist; a key that is both a seq and another entry's id prefix is ambiguous */
    snprintf(path, sizeof(path), "%spromote/%s", repo_commondir(f->r), INDEX_FILE);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "UPDATE entries SET id = '23212631966900' || substr(id, 15) "
                                  "WHERE seq = 42; UPDATE entries SET id = '00000017' || "
                                  "substr(id, 9) WHERE seq = 43",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(index_open(&ix, f->r, &e), 0);
    assert_int_equal(index_find(&seq, lc, ix, "232126319669", &e), 0);
    assert_int_equal(seq, 42);
    assert_string_equal(lc, f->whole.items[41].commit);
    assert_int_equal(index_find(&seq, lc, ix, "17", &e), 0);
    assert_int_equal(seq, 17);
    assert_int_equal(index_find(&seq, lc, ix, "00000017", &e), -1);
    assert_int_equal(e.code, EXIT_USAGE);
    assert_non_null(strstr(e.msg, "more than one"));
    assert_int_equal(index_find(&seq, lc, ix, "987654321", &e), 0);
    assert_int_equal(seq, 0);
    assert_int_equal(index_find(&seq, lc, ix, "99999999999999999999999", &e), 0);
    assert_int_equal(seq, 0);
    index_free(ix);
    /* garbage where the index was: made again, empty */
    snprintf(path, sizeof(path), "%spromote/%s", repo_commondir(f->r), INDEX_FILE);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("not a database, not at all, but long enough to look like a header ......", fp);
    fclose(fp);
    assert_int_equal(index_open(&ix, f->r, &e), 0);
    assert_int_equal(index_tip(&tip, ix, &e), 0);
    assert_int_equal(tip.size, 0);
    index_free(ix);
    audit_log_release(&tail);
    audit_log_release(&other);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tail_reads_only_what_is_new),
        cmocka_unit_test(test_index_is_the_history),
        cmocka_unit_test(test_focus_answers_as_the_whole_history),
        cmocka_unit_test(test_report_focus_answers_as_the_whole_history),
        cmocka_unit_test(test_index_follows_the_log),
    };

    if (sodium_init() < 0 || git_libgit2_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, setup, teardown);
}
