/* DORA's four keys, the report's flow and change records: pure functions over hand-built
 * histories (core/ledger/history.h's entries) whose answers are worked out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/engine/evidence.h"
#include "core/insight/dora.h"
#include "core/out/out.h"
#include "core/out/out_report.h"

#define A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define C "cccccccccccccccccccccccccccccccccccccccc"
#define D "dddddddddddddddddddddddddddddddddddddddd"

#define H 3600LL
#define DAY 86400LL
/* the window: 2026-12-01T00:00:00Z, four weeks */
#define T0 1796083200LL
#define SINCE T0
#define UNTIL (T0 + 28 * DAY)

/* Append an entry of KIND for ENV at T (seconds after T0); RESULT is a deployment's result
 * or a decision's verdict (NULL: none). Returns its seq. */
static long long
add(json_t *h, const char *kind, const char *env, const char *commit, const char *result,
    long long t)
{
    long long seq = (long long)json_array_size(h) + 1;
    char id[32];
    json_t *x;

    snprintf(id, sizeof(id), "id%lld", seq);
    x = json_pack("{s:I, s:s, s:s, s:s, s:s?, s:I}", "seq", (json_int_t)seq, "id", id, "kind",
                  kind, "env", env, "commit", commit, "epoch", (json_int_t)(T0 + t));
    if (result)
        json_object_set_new(x, strcmp(kind, "decision") == 0 ? "verdict" : "result",
                            json_string(result));
    json_array_append_new(h, x);
    return seq;
}

static void
set_times(json_t *times, long long seq, const long long *t, size_t n)
{
    json_t *a = json_array();
    char key[32];
    size_t i;

    for (i = 0; i < n; i++)
        json_array_append_new(a, json_integer(T0 + t[i]));
    snprintf(key, sizeof(key), "%lld", seq);
    json_object_set_new(times, key, a);
}

static json_t *
keys_of(const json_t *h, const json_t *times)
{
    struct dora_source s;
    struct dora_window w = {SINCE, UNTIL};
    struct err e = ERR_INIT;
    json_t *out = NULL;

    memset(&s, 0, sizeof(s));
    s.repo = "r";
    s.history = h;
    s.commit_times = times;
    assert_int_equal(dora_keys(&out, &s, 1, "prod", &w, &e), 0);
    return out;
}

static long long
num(const json_t *k, const char *key, const char *field)
{
    const json_t *v = json_object_get(json_object_get(k, key), field);

    if (json_is_null(v))
        return -1;
    assert_true(json_is_integer(v));
    return (long long)json_integer_value(v);
}

static double
real(const json_t *k, const char *key, const char *field)
{
    const json_t *v = json_object_get(json_object_get(k, key), field);

    if (json_is_null(v))
        return -1;
    return json_number_value(v);
}

static const char *
band(const json_t *k, const char *key)
{
    return json_string_value(json_object_get(json_object_get(k, key), "band"));
}

static void
test_percentiles(void **state)
{
    long long one[] = {5}, four[] = {4, 1, 3, 2}, ten[] = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
    long long odd[] = {3, 1, 2}, m, p;

    (void)state;
    dora_percentiles(NULL, 0, &m, &p);
    assert_int_equal(m, -1);
    assert_int_equal(p, -1);
    dora_percentiles(one, 1, &m, &p);
    assert_int_equal(m, 5);
    assert_int_equal(p, 5);
    dora_percentiles(four, 4, &m, &p); /* (2 + 3) / 2 rounded down; p90: rank 4 */
    assert_int_equal(m, 2);
    assert_int_equal(p, 4);
    dora_percentiles(ten, 10, &m, &p); /* (5 + 6) / 2; p90: rank 9 */
    assert_int_equal(m, 5);
    assert_int_equal(p, 9);
    dora_percentiles(odd, 3, &m, &p);
    assert_int_equal(m, 2);
    assert_int_equal(p, 3);
}

static void
test_bands(void **state)
{
    (void)state;
    assert_string_equal(dora_band_frequency(1.5), "elite");
    assert_string_equal(dora_band_frequency(1.0), "high");
    assert_string_equal(dora_band_frequency(1.0 / 7.0), "high");
    assert_string_equal(dora_band_frequency(0.1), "medium");
    assert_string_equal(dora_band_frequency(1.0 / 30.0), "medium");
    assert_string_equal(dora_band_frequency(0.01), "low");
    assert_string_equal(dora_band_frequency(0), "low");
    assert_null(dora_band_lead_time(-1));
    assert_string_equal(dora_band_lead_time(DAY - 1), "elite");
    assert_string_equal(dora_band_lead_time(DAY), "high");
    assert_string_equal(dora_band_lead_time(7 * DAY), "medium");
    assert_string_equal(dora_band_lead_time(30 * DAY), "low");
    assert_null(dora_band_failure_rate(-1));
    assert_string_equal(dora_band_failure_rate(0), "elite");
    assert_string_equal(dora_band_failure_rate(0.05), "elite");
    assert_string_equal(dora_band_failure_rate(0.10), "high");
    assert_string_equal(dora_band_failure_rate(0.15), "medium");
    assert_string_equal(dora_band_failure_rate(0.16), "low");
    assert_string_equal(dora_band_restore(H - 1), "elite");
    assert_string_equal(dora_band_restore(H), "high");
    assert_string_equal(dora_band_restore(DAY), "medium");
    assert_string_equal(dora_band_restore(7 * DAY), "low");
}

static void
test_no_deployment(void **state)
{
    json_t *h = json_array(), *k;

    (void)state;
    add(h, "decision", "prod", A, "approved", 2 * DAY);
    add(h, "deployment", "prod", A, "triggered", 2 * DAY + 60);
    add(h, "deployment", "prod", A, "trigger_failed", 3 * DAY);
    k = keys_of(h, NULL);
    assert_int_equal(num(k, "deployment_frequency", "deployments"), 0);
    assert_true(real(k, "deployment_frequency", "per_day") == 0.0);
    assert_string_equal(band(k, "deployment_frequency"), "low");
    assert_int_equal(num(k, "lead_time", "commits"), 0);
    assert_int_equal(num(k, "lead_time", "median_seconds"), -1);
    assert_null(band(k, "lead_time"));
    assert_true(real(k, "change_failure_rate", "rate") < 0);
    assert_null(band(k, "change_failure_rate"));
    assert_int_equal(num(k, "time_to_restore", "restores"), 0);
    assert_int_equal(num(k, "time_to_restore", "open"), 0);
    assert_int_equal(json_array_size(json_object_get(k, "weeks")), 4);
    json_decref(k);
    json_decref(h);
}

static void
test_one_deployment(void **state)
{
    json_t *h = json_array(), *times = json_object(), *k, *ch = NULL;
    struct dora_window w = {SINCE, UNTIL};
    struct err e = ERR_INIT;
    long long seq, t[] = {DAY - 3 * H};

    (void)state;
    seq = add(h, "deployment", "prod", A, "success", DAY);
    /* another environment's deployment never counts */
    add(h, "deployment", "sit", B, "success", DAY + H);
    set_times(times, seq, t, 1);
    k = keys_of(h, times);
    assert_int_equal(num(k, "deployment_frequency", "deployments"), 1);
    assert_true(real(k, "deployment_frequency", "per_week") == 0.25);
    assert_string_equal(band(k, "deployment_frequency"), "medium");
    assert_int_equal(num(k, "lead_time", "commits"), 1);
    assert_int_equal(num(k, "lead_time", "median_seconds"), 3 * H);
    assert_int_equal(num(k, "lead_time", "p90_seconds"), 3 * H);
    assert_string_equal(band(k, "lead_time"), "elite");
    assert_int_equal(num(k, "change_failure_rate", "failed"), 0);
    assert_true(real(k, "change_failure_rate", "rate") == 0.0);
    assert_string_equal(band(k, "change_failure_rate"), "elite");
    assert_int_equal(num(k, "time_to_restore", "restores"), 0);
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(json_object_get(k, "weeks"), 0), "deployments")),
                     1);
    /* the first change into prod has no base: git dates its own commit only */
    assert_int_equal(dora_changes(&ch, h, "prod", &w, &e), 0);
    assert_int_equal(json_array_size(ch), 1);
    assert_true(json_is_null(json_object_get(json_array_get(ch, 0), "base")));
    json_decref(ch);
    json_decref(k);
    json_decref(times);
    json_decref(h);
}

/* A deployed before the window, failing before it and restored (B deployed) inside it; C
 * fails and is still failing at the window's end. */
static void
test_failure_across_window_edge(void **state)
{
    json_t *h = json_array(), *k;

    (void)state;
    add(h, "deployment", "prod", A, "success", -5 * DAY);
    add(h, "deployment", "prod", A, "failure", -2 * H); /* A failed: before the window */
    add(h, "hold", "prod", A, NULL, -H);                /* the same failure: no new episode */
    add(h, "deployment", "prod", B, "success", 3 * H);  /* restored 5h after the failure */
    add(h, "unhold", "prod", B, NULL, 4 * H);
    add(h, "deployment", "prod", C, "success", 10 * DAY);
    add(h, "deployment", "prod", C, "failure", 10 * DAY + H);
    add(h, "deployment", "prod", D, "success", 40 * DAY); /* after the window: not read */
    k = keys_of(h, NULL);
    /* B and C in the window; C failed; A failed but before the window */
    assert_int_equal(num(k, "deployment_frequency", "deployments"), 2);
    assert_int_equal(num(k, "change_failure_rate", "failed"), 1);
    assert_true(real(k, "change_failure_rate", "rate") == 0.5);
    assert_string_equal(band(k, "change_failure_rate"), "low");
    /* the episode that began before the window and ended in it counts in full */
    assert_int_equal(num(k, "time_to_restore", "restores"), 1);
    assert_int_equal(num(k, "time_to_restore", "median_seconds"), 5 * H);
    assert_string_equal(band(k, "time_to_restore"), "high");
    /* C's failure is not restored by the window's end */
    assert_int_equal(num(k, "time_to_restore", "open"), 1);
    assert_string_equal(json_string_value(json_object_get(json_object_get(k, "time_to_restore"),
                                                          "open_since")),
                        "2026-12-11T01:00:00Z");
    /* undated changes are counted as such */
    assert_int_equal(num(k, "lead_time", "deployments_undated"), 2);
    json_decref(k);
    json_decref(h);
}

/* A, B deployed; B rolled back to A (A redeployed: a restore, not a change); C deployed,
 * its commits counted from B, the previous change. */
static void
test_rollback(void **state)
{
    json_t *h = json_array(), *k, *ch = NULL, *doc = NULL;
    struct dora_window w = {SINCE, UNTIL};
    struct err e = ERR_INIT;
    struct dora_source s;

    (void)state;
    add(h, "deployment", "prod", A, "success", DAY);
    add(h, "deployment", "prod", B, "success", 2 * DAY);
    add(h, "rollback", "prod", A, NULL, 2 * DAY + H);
    json_object_set_new(json_array_get(h, 2), "from_commit", json_string(B));
    json_object_set_new(json_array_get(h, 2), "reason", json_string("orders failing"));
    add(h, "deployment", "prod", A, "triggered", 2 * DAY + H + 60);
    add(h, "deployment", "prod", A, "success", 2 * DAY + 2 * H); /* restored after 1h */
    add(h, "unhold", "prod", A, NULL, 3 * DAY);
    add(h, "deployment", "prod", C, "success", 4 * DAY);
    k = keys_of(h, NULL);
    assert_int_equal(num(k, "deployment_frequency", "deployments"), 3);
    assert_int_equal(num(k, "change_failure_rate", "failed"), 1);
    assert_int_equal(num(k, "time_to_restore", "restores"), 1);
    assert_int_equal(num(k, "time_to_restore", "median_seconds"), H);
    assert_string_equal(band(k, "time_to_restore"), "high");
    assert_int_equal(num(k, "time_to_restore", "open"), 0);
    assert_int_equal(dora_changes(&ch, h, "prod", &w, &e), 0);
    assert_int_equal(json_array_size(ch), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(ch, 2), "base")), B);
    assert_true(json_is_true(json_object_get(json_array_get(ch, 1), "failed")));
    assert_int_equal(json_integer_value(json_object_get(json_array_get(ch, 1), "fail_seq")), 3);
    /* the change record of B names the rollback */
    memset(&s, 0, sizeof(s));
    s.repo = "r";
    s.history = h;
    s.log_root = "00";
    assert_int_equal(dora_report_whole(&doc, &s, 1, "prod", &w, &e), 0);
    {
        const json_t *c = json_array_get(json_object_get(doc, "changes"), 1);
        const json_t *rb = json_array_get(json_object_get(c, "rollbacks"), 0);

        assert_string_equal(json_string_value(json_object_get(c, "outcome")), "failed");
        assert_int_equal(json_integer_value(json_object_get(rb, "seq")), 3);
        assert_string_equal(json_string_value(json_object_get(rb, "to_commit")), A);
        assert_int_equal(json_array_size(json_object_get(doc, "holds")), 1);
        assert_int_equal(json_integer_value(json_object_get(
                             json_array_get(json_object_get(doc, "holds"), 0), "duration_seconds")),
                         DAY - H);
    }
    json_decref(doc);
    json_decref(ch);
    json_decref(k);
    json_decref(h);
}

/* A hold of prod before anything was deployed, and a hold of sit: no failure of prod. */
static void
test_hold_without_failure(void **state)
{
    json_t *h = json_array(), *k;

    (void)state;
    add(h, "hold", "prod", A, NULL, H);
    add(h, "unhold", "prod", A, NULL, 2 * H);
    add(h, "deployment", "prod", A, "success", DAY);
    add(h, "hold", "sit", B, NULL, DAY + H);
    add(h, "deployment", "prod", A, "success", 2 * DAY); /* reported again: no change */
    k = keys_of(h, NULL);
    assert_int_equal(num(k, "deployment_frequency", "deployments"), 1);
    assert_int_equal(num(k, "change_failure_rate", "failed"), 0);
    assert_int_equal(num(k, "time_to_restore", "restores"), 0);
    assert_int_equal(num(k, "time_to_restore", "open"), 0);
    json_decref(k);
    json_decref(h);
}

/* Lead time over the commits git found between deployments, a merge and its branch's
 * commits each once: the caller's dates, pooled. */
static void
test_commits_with_merges(void **state)
{
    json_t *h = json_array(), *times = json_object(), *k, *buckets;
    long long s1, s2;
    long long t1[] = {DAY - 2 * H};
    /* B's deployment: a merge commit, its side commit and a commit of main */
    long long t2[] = {5 * DAY - 24 * H, 5 * DAY - 25 * H, 5 * DAY - 26 * H, 5 * DAY + H};

    (void)state;
    s1 = add(h, "deployment", "prod", A, "success", DAY);
    s2 = add(h, "deployment", "prod", B, "success", 5 * DAY);
    set_times(times, s1, t1, 1);
    set_times(times, s2, t2, 4);
    k = keys_of(h, times);
    /* 2h, 24h, 25h, 26h and 0 (a commit dated after its deployment counts as 0) */
    assert_int_equal(num(k, "lead_time", "commits"), 5);
    assert_int_equal(num(k, "lead_time", "median_seconds"), 24 * H);
    assert_int_equal(num(k, "lead_time", "p90_seconds"), 26 * H);
    assert_string_equal(band(k, "lead_time"), "high");
    buckets = json_object_get(json_object_get(k, "lead_time"), "distribution");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(buckets, 0), "commits")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(buckets, 1), "commits")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(buckets, 2), "commits")), 3);
    json_decref(k);
    json_decref(times);
    json_decref(h);
}

/* Flow: gates that block, the time from the approval into sit to the approval into prod,
 * and a change's approvers by role and separation of duties. */
static int
next_change(void *ctx, json_t **row, struct err *e)
{
    return evidence_changes_next(ctx, row, e);
}

/* Every format, its change records made one at a time, writes what it writes from WHOLE,
 * the document that holds them all. */
static void
check_streamed(const json_t *whole, const struct dora_source *s, const struct dora_window *w)
{
    struct evidence_changes ch;
    struct out_changes oc;
    struct err e = ERR_INIT;
    json_t *doc;
    char *a, *b;
    size_t alen, blen;
    FILE *fa, *fb;
    int fmt, rc;

    assert_int_equal(dora_report(&doc, &oc.count, &ch, s, 1, "prod", w, &e), 0);
    assert_int_equal(oc.count, json_array_size(json_object_get(whole, "changes")));
    assert_true(oc.count > 0);
    assert_int_equal(json_array_size(json_object_get(doc, "changes")), 0);
    oc.next = next_change;
    oc.ctx = &ch;
    for (fmt = 0; fmt < 4; fmt++) {
        evidence_changes_rewind(&ch);
        fa = open_memstream(&a, &alen);
        fb = open_memstream(&b, &blen);
        assert_non_null(fa);
        assert_non_null(fb);
        switch (fmt) {
        case 0:
            rc = out_report_json(fa, doc, &oc, &e);
            assert_int_equal(out_json(fb, whole), 0);
            break;
        case 1:
            rc = out_report_text(fa, doc, &oc, 0, &e);
            assert_int_equal(out_report_text(fb, whole, NULL, 0, &e), 0);
            break;
        case 2:
            rc = out_report_markdown(fa, doc, &oc, &e);
            assert_int_equal(out_report_markdown(fb, whole, NULL, &e), 0);
            break;
        default:
            rc = out_report_html(fa, doc, &oc, &e);
            assert_int_equal(out_report_html(fb, whole, NULL, &e), 0);
        }
        assert_int_equal(rc, 0);
        fclose(fa);
        fclose(fb);
        assert_true(alen > 100);
        assert_string_equal(a, b);
        free(a);
        free(b);
    }
    evidence_changes_close(&ch);
    json_decref(doc);
}

static void
test_flow_and_change_record(void **state)
{
    json_t *h = json_array(), *doc = NULL, *gates, *again;
    struct dora_window w = {SINCE, UNTIL};
    struct err e = ERR_INIT;
    struct dora_source s;
    const json_t *p, *c;
    char *text;

    (void)state;
    add(h, "decision", "sit", A, "approved", DAY);
    json_object_set_new(json_array_get(h, 0), "from", json_string("dev"));
    json_object_set_new(json_array_get(h, 0), "to", json_string("sit"));
    add(h, "decision", "prod", A, "rejected", 2 * DAY);
    add(h, "decision", "prod", A, "approved", 3 * DAY);
    gates = json_pack("[{s:s, s:s, s:s, s:s, s:{}}, {s:s, s:s, s:s, s:n, s:{s:{s:[s], s:i}}},"
                      " {s:s, s:s, s:s, s:n, s:{s:s}}]",
                      "name", "tests", "type", "tests", "status", "pass", "sha256",
                      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                      "details", "name", "cab", "type", "role_approval", "status", "pass",
                      "sha256", "details", "ops-lead", "approved_by", "ayanda", "missing", 0,
                      "name", "sod", "type", "separation_of_duties", "status", "pass", "sha256",
                      "details", "commit_author", "thabo");
    json_object_set_new(json_array_get(h, 2), "gates", gates);
    json_object_set_new(json_array_get(h, 1), "gates",
                        json_pack("[{s:s, s:s, s:s}, {s:s, s:s, s:s}]", "name", "tests", "type",
                                  "tests", "status", "fail", "name", "cab", "type",
                                  "role_approval", "status", "fail"));
    json_object_set_new(json_array_get(h, 2), "actor", json_string("release-bot"));
    for (size_t i = 1; i < 3; i++) {
        json_object_set_new(json_array_get(h, i), "from", json_string("sit"));
        json_object_set_new(json_array_get(h, i), "to", json_string("prod"));
    }
    add(h, "deployment", "prod", A, "success", 3 * DAY + H);
    json_object_set_new(json_array_get(h, 3), "decision", json_string("id3"));
    json_object_set_new(json_array_get(h, 3), "tag", json_string("prod-1"));
    memset(&s, 0, sizeof(s));
    s.repo = "r";
    s.history = h;
    s.log_root = "00";
    assert_int_equal(dora_report_whole(&doc, &s, 1, "prod", &w, &e), 0);
    p = json_array_get(json_object_get(json_object_get(doc, "flow"), "promotions"), 1);
    assert_string_equal(json_string_value(json_object_get(p, "from")), "sit");
    assert_int_equal(json_integer_value(json_object_get(p, "decisions")), 2);
    assert_int_equal(json_integer_value(json_object_get(p, "rejected")), 1);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(p, "approval_interval"), "median_seconds")),
                     2 * DAY);
    assert_int_equal(json_array_size(json_object_get(p, "blocking")), 2);
    c = json_array_get(json_object_get(doc, "changes"), 0);
    assert_string_equal(json_string_value(json_object_get(c, "tag")), "prod-1");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(c, "decision"), "seq")),
                     3);
    assert_string_equal(json_string_value(json_object_get(c, "promoter")), "release-bot");
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(json_object_get(c, "approvers"), "ops-lead"), 0)),
                        "ayanda");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(c, "separation_of_duties"), "commit_author")),
                        "thabo");
    assert_true(json_is_false(
        json_object_get(json_object_get(c, "separation_of_duties"), "promoter_approved")));
    assert_int_equal(json_string_length(json_object_get(
                         json_array_get(json_object_get(c, "gates"), 0), "sha256")),
                     64);
    /* without a policy, the PCI mapping says so */
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(json_array_get(json_object_get(
                                                               json_array_get(json_object_get(doc, "pci_dss"), 0),
                                                               "evidence"),
                                                           0),
                                            "gaps"),
                            0)),
                        "no policy was read");
    check_streamed(doc, &s, &w);
    /* gates kept as the index's text read as the array they were */
    text = json_dumps(gates, JSON_COMPACT);
    json_object_set_new(json_array_get(h, 2), "gates", json_string(text));
    free(text);
    assert_int_equal(dora_report_whole(&again, &s, 1, "prod", &w, &e), 0);
    assert_true(json_equal(again, doc));
    json_decref(again);
    /* text that does not read is an error, never a report without those gates */
    json_object_set_new(json_array_get(h, 2), "gates", json_string("[{\"name\": "));
    assert_int_equal(dora_report_whole(&again, &s, 1, "prod", &w, &e), -1);
    assert_int_equal(e.code, EXIT_EVAL);
    assert_non_null(strstr(e.msg, "seq 3: the gates the audit log's index holds cannot be read"));
    json_decref(doc);
    json_decref(h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_percentiles),
        cmocka_unit_test(test_bands),
        cmocka_unit_test(test_no_deployment),
        cmocka_unit_test(test_one_deployment),
        cmocka_unit_test(test_failure_across_window_edge),
        cmocka_unit_test(test_rollback),
        cmocka_unit_test(test_hold_without_failure),
        cmocka_unit_test(test_commits_with_merges),
        cmocka_unit_test(test_flow_and_change_record),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
