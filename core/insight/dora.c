#include "core/insight/dora.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/engine/evidence.h"
#include "core/ledger/history.h"

#define DAY 86400LL
#define WEEK (7 * DAY)

static int
same(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* ------------------------------------------------------------ the gates of decisions */

/* ------------------------------------------------------------ the scan of one environment */

/* A change: a successful deployment that moved ENV to another commit. */
struct change {
    const json_t *entry;
    json_int_t seq;
    time_t t;
    const char *commit, *base;
    int failed;
    json_int_t fail_seq;
};

/* A failure of ENV, from its first failure event to the next successful deployment or
 * unhold (END -1: not restored before the window's end). */
struct episode {
    time_t start, end;
    json_int_t start_seq, end_seq;
};

struct scan {
    struct change *ch;
    size_t n_ch, cap_ch;
    struct episode *ep;
    size_t n_ep, cap_ep;
};

static void
scan_release(struct scan *s)
{
    free(s->ch);
    free(s->ep);
    memset(s, 0, sizeof(*s));
}

static int
grow(void **v, size_t *cap, size_t n, size_t size)
{
    void *nv;

    if (n < *cap)
        return 0;
    nv = realloc(*v, (*cap ? *cap * 2 : 16) * size);
    if (!nv)
        return -1;
    *v = nv;
    *cap = *cap ? *cap * 2 : 16;
    return 0;
}

/* Walk H's entries for ENV before UNTIL, in log order. */
static int
scan_env(struct scan *s, const json_t *h, const char *env, time_t until, struct err *e)
{
    const char *cur = NULL, *last_change = NULL, *rb_target = NULL;
    int failing = 0;
    size_t i;

    memset(s, 0, sizeof(*s));
    for (i = 0; i < json_array_size(h); i++) {
        const json_t *x = json_array_get(h, i);
        json_int_t seq = json_integer_value(json_object_get(x, "seq"));
        time_t t = (time_t)json_integer_value(json_object_get(x, "epoch"));
        const char *commit = history_str(x, "commit");
        int failure = 0, restored = 0;

        if (!history_is(x, "env", env) || t < 0)
            continue;
        if (t >= until)
            break;
        if (history_is(x, "kind", "deployment") && history_is(x, "result", "success") && commit) {
            restored = 1;
            if (same(commit, cur)) {
                /* the same commit reported again: no change */
            } else if (same(commit, rb_target)) {
                /* a rollback's redeploy: a restore, not a change */
                cur = commit;
                rb_target = NULL;
            } else {
                struct change *c;

                if (grow((void **)&s->ch, &s->cap_ch, s->n_ch, sizeof(*s->ch)) < 0)
                    goto oom;
                c = &s->ch[s->n_ch++];
                memset(c, 0, sizeof(*c));
                c->entry = x;
                c->seq = seq;
                c->t = t;
                c->commit = commit;
                c->base = last_change;
                last_change = cur = commit;
                rb_target = NULL;
            }
        } else if (history_is(x, "kind", "deployment") && history_is(x, "result", "failure")) {
            failure = 1;
        } else if (history_is(x, "kind", "rollback")) {
            failure = 1;
            rb_target = commit;
        } else if (history_is(x, "kind", "hold")) {
            failure = 1;
        } else if (history_is(x, "kind", "unhold")) {
            restored = 1;
        }
        /* a failure counts against the latest change, when there is one */
        if (failure && s->n_ch) {
            struct change *c = &s->ch[s->n_ch - 1];

            if (!c->failed) {
                c->failed = 1;
                c->fail_seq = seq;
            }
            if (!failing) {
                struct episode *p;

                if (grow((void **)&s->ep, &s->cap_ep, s->n_ep, sizeof(*s->ep)) < 0)
                    goto oom;
                p = &s->ep[s->n_ep++];
                p->start = t;
                p->start_seq = seq;
                p->end = -1;
                p->end_seq = 0;
                failing = 1;
            }
        } else if (restored && failing) {
            s->ep[s->n_ep - 1].end = t;
            s->ep[s->n_ep - 1].end_seq = seq;
            failing = 0;
        }
    }
    return 0;
oom:
    scan_release(s);
    return err_set(e, EXIT_EVAL, "out of memory");
}

static int
in_window(time_t t, const struct dora_window *w)
{
    return t >= w->since && t < w->until;
}

int
dora_changes(json_t **out, const json_t *h, const char *env, const struct dora_window *w,
             struct err *e)
{
    struct scan s;
    json_t *a = json_array();
    size_t i;

    *out = NULL;
    if (!a || scan_env(&s, h, env, w->until, e) < 0) {
        json_decref(a);
        return a ? -1 : err_set(e, EXIT_EVAL, "out of memory");
    }
    for (i = 0; i < s.n_ch; i++) {
        const struct change *c = &s.ch[i];

        if (in_window(c->t, w) &&
            json_array_append_new(a, json_pack("{s:I, s:I, s:s, s:s?, s:b, s:I}", "seq", c->seq,
                                               "epoch", (json_int_t)c->t, "commit", c->commit,
                                               "base", c->base, "failed", c->failed,
                                               "fail_seq", c->fail_seq)) < 0) {
            scan_release(&s);
            json_decref(a);
            return err_set(e, EXIT_EVAL, "out of memory");
        }
    }
    scan_release(&s);
    *out = a;
    return 0;
}

/* ------------------------------------------------------------ numbers */

static int
cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;

    return (x > y) - (x < y);
}

void
dora_percentiles(long long *v, size_t n, long long *median, long long *p90)
{
    if (!n) {
        *median = *p90 = -1;
        return;
    }
    qsort(v, n, sizeof(*v), cmp_ll);
    *median = n % 2 ? v[n / 2] : v[n / 2 - 1] + (v[n / 2] - v[n / 2 - 1]) / 2;
    *p90 = v[(9 * n + 9) / 10 - 1];
}

const char *
dora_band_frequency(double per_day)
{
    if (per_day < 0)
        return NULL;
    if (per_day > 1.0)
        return "elite"; /* on demand: more than once a day */
    if (per_day * 7.0 >= 1.0)
        return "high"; /* between once a day and once a week */
    if (per_day * 30.0 >= 1.0)
        return "medium"; /* between once a week and once a month */
    return "low";
}

const char *
dora_band_lead_time(long long s)
{
    if (s < 0)
        return NULL;
    return s < DAY ? "elite" : s < WEEK ? "high" : s < 30 * DAY ? "medium" : "low";
}

const char *
dora_band_failure_rate(double rate)
{
    if (rate < 0)
        return NULL;
    return rate <= 0.05 ? "elite" : rate <= 0.10 ? "high" : rate <= 0.15 ? "medium" : "low";
}

const char *
dora_band_restore(long long s)
{
    if (s < 0)
        return NULL;
    return s < 3600 ? "elite" : s < DAY ? "high" : s < WEEK ? "medium" : "low";
}

/* A growable array of durations. */
struct durs {
    long long *v;
    size_t n, cap;
};

static int
durs_add(struct durs *d, long long x)
{
    if (grow((void **)&d->v, &d->cap, d->n, sizeof(*d->v)) < 0)
        return -1;
    d->v[d->n++] = x;
    return 0;
}

static json_t *
int_or_null(long long v)
{
    return v < 0 ? json_null() : json_integer(v);
}

static json_t *
band_json(const char *b)
{
    return b ? json_string(b) : json_null();
}

/* The lead-time distribution's buckets, [FROM, TO) seconds (TO -1: open). */
static const struct {
    const char *label;
    long long from, to;
} lead_buckets[] = {
    {"under 1 hour", 0, 3600},    {"1 hour to 1 day", 3600, DAY}, {"1 day to 1 week", DAY, WEEK},
    {"1 week to 1 month", WEEK, 30 * DAY}, {"over 1 month", 30 * DAY, -1},
};

/* Per week of the window. */
struct week {
    size_t deployments, failed, restores;
    struct durs lead, restore;
};

int
dora_keys(json_t **out, const struct dora_source *src, size_t n, const char *env,
          const struct dora_window *w, struct err *e)
{
    struct durs lead = {NULL, 0, 0}, restore = {NULL, 0, 0};
    size_t deployments = 0, failed = 0, open = 0, commits = 0, undated = 0, n_weeks, i, k, r;
    double days = (double)(w->until - w->since) / (double)DAY, per_day, rate;
    long long lmed, lp90, rmed, rp90, oldest_open = -1;
    struct week *weeks;
    json_t *doc = NULL, *wk = NULL, *buckets = NULL;
    char open_since[32] = "";
    int rc = -1;

    *out = NULL;
    if (w->until <= w->since)
        return err_set(e, EXIT_USAGE, "the window is empty: --since must come before --until");
    n_weeks = (size_t)((w->until - w->since + WEEK - 1) / WEEK);
    weeks = calloc(n_weeks, sizeof(*weeks));
    if (!weeks)
        return err_set(e, EXIT_EVAL, "out of memory");
    for (r = 0; r < n; r++) {
        struct scan s;

        if (scan_env(&s, src[r].history, env, w->until, e) < 0)
            goto done;
        for (i = 0; i < s.n_ch; i++) {
            const struct change *c = &s.ch[i];
            struct week *wk_c;
            char key[32];
            const json_t *times;

            if (!in_window(c->t, w))
                continue;
            wk_c = &weeks[(c->t - w->since) / WEEK];
            deployments++;
            wk_c->deployments++;
            if (c->failed) {
                failed++;
                wk_c->failed++;
            }
            snprintf(key, sizeof(key), "%lld", (long long)c->seq);
            times = json_object_get(src[r].commit_times, key);
            if (!json_is_array(times)) {
                undated++;
                continue;
            }
            for (k = 0; k < json_array_size(times); k++) {
                long long d = (long long)c->t - json_integer_value(json_array_get(times, k));

                if (d < 0)
                    d = 0; /* a commit dated after its deployment: a skewed clock */
                if (durs_add(&lead, d) < 0 || durs_add(&wk_c->lead, d) < 0) {
                    scan_release(&s);
                    err_set(e, EXIT_EVAL, "out of memory");
                    goto done;
                }
                commits++;
            }
        }
        for (i = 0; i < s.n_ep; i++) {
            const struct episode *p = &s.ep[i];

            if (p->end < 0) {
                open++;
                if (oldest_open < 0 || (long long)p->start < oldest_open)
                    oldest_open = (long long)p->start;
                continue;
            }
            if (!in_window(p->end, w))
                continue;
            if (durs_add(&restore, (long long)(p->end - p->start)) < 0 ||
                durs_add(&weeks[(p->end - w->since) / WEEK].restore,
                         (long long)(p->end - p->start)) < 0) {
                scan_release(&s);
                err_set(e, EXIT_EVAL, "out of memory");
                goto done;
            }
            weeks[(p->end - w->since) / WEEK].restores++;
        }
        scan_release(&s);
    }
    buckets = json_array();
    for (i = 0; buckets && i < sizeof(lead_buckets) / sizeof(lead_buckets[0]); i++) {
        size_t c = 0;

        for (k = 0; k < lead.n; k++)
            if (lead.v[k] >= lead_buckets[i].from &&
                (lead_buckets[i].to < 0 || lead.v[k] < lead_buckets[i].to))
                c++;
        json_array_append_new(buckets, json_pack("{s:s, s:I}", "label", lead_buckets[i].label,
                                                 "commits", (json_int_t)c));
    }
    dora_percentiles(lead.v, lead.n, &lmed, &lp90);
    dora_percentiles(restore.v, restore.n, &rmed, &rp90);
    per_day = (double)deployments / days;
    rate = deployments ? (double)failed / (double)deployments : -1;
    wk = json_array();
    for (i = 0; wk && i < n_weeks; i++) {
        long long m, p, rm, rp;
        char start[32];

        dora_percentiles(weeks[i].lead.v, weeks[i].lead.n, &m, &p);
        dora_percentiles(weeks[i].restore.v, weeks[i].restore.n, &rm, &rp);
        history_format_time(start, w->since + (time_t)i * WEEK);
        json_array_append_new(
            wk, json_pack("{s:s, s:I, s:I, s:o, s:o, s:I, s:o}", "start", start, "deployments",
                          (json_int_t)weeks[i].deployments, "failed",
                          (json_int_t)weeks[i].failed, "change_failure_rate",
                          weeks[i].deployments
                              ? json_real((double)weeks[i].failed / (double)weeks[i].deployments)
                              : json_null(),
                          "lead_time_median_seconds", int_or_null(m), "restores",
                          (json_int_t)weeks[i].restores, "time_to_restore_median_seconds",
                          int_or_null(rm)));
    }
    if (oldest_open >= 0)
        history_format_time(open_since, (time_t)oldest_open);
    doc = json_pack(
        "{s:s, s:{s:I, s:f, s:f, s:o}, s:{s:I, s:I, s:o, s:o, s:o, s:o}, s:{s:I, s:I, s:o, s:o},"
        " s:{s:I, s:o, s:o, s:I, s:o, s:o}, s:o}",
        "source", DORA_SOURCE, "deployment_frequency", "deployments", (json_int_t)deployments, "per_day", per_day,
        "per_week", per_day * 7.0, "band", band_json(dora_band_frequency(per_day)),
        "lead_time", "commits", (json_int_t)commits, "deployments_undated",
        (json_int_t)undated, "median_seconds", int_or_null(lmed), "p90_seconds",
        int_or_null(lp90), "band", band_json(dora_band_lead_time(lmed)), "distribution",
        buckets ? buckets : json_null(),
        "change_failure_rate", "deployments", (json_int_t)deployments, "failed",
        (json_int_t)failed, "rate", rate < 0 ? json_null() : json_real(rate), "band",
        band_json(dora_band_failure_rate(rate)), "time_to_restore", "restores",
        (json_int_t)restore.n, "median_seconds", int_or_null(rmed), "p90_seconds",
        int_or_null(rp90), "open", (json_int_t)open, "open_since",
        oldest_open < 0 ? json_null() : json_string(open_since), "band",
        band_json(dora_band_restore(rmed)), "weeks", wk ? wk : json_null());
    wk = NULL;
    buckets = NULL;
    if (!doc) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    *out = doc;
    rc = 0;
done:
    for (i = 0; i < n_weeks; i++) {
        free(weeks[i].lead.v);
        free(weeks[i].restore.v);
    }
    free(weeks);
    free(lead.v);
    free(restore.v);
    json_decref(wk);
    json_decref(buckets);
    return rc;
}

/* ------------------------------------------------------------ the document */

int
dora_report(json_t **out, size_t *n_changes, struct evidence_changes *changes,
            const struct dora_source *src, size_t n, const char *env,
            const struct dora_window *w, struct err *e)
{
    json_t *doc = NULL, *keys = NULL, *repos = json_array(), *flow = NULL, *holds = NULL,
           *pci = NULL;
    char since[32], until[32];
    size_t r;
    int rc = -1;

    *out = NULL;
    *n_changes = 0;
    evidence_changes_open(changes, src, n, env, w);
    if (!repos)
        return err_set(e, EXIT_EVAL, "out of memory");
    for (r = 0; r < n; r++) {
        char cmd[1400];

        if (src[r].path)
            snprintf(cmd, sizeof(cmd), "promote audit verify --repo %s --expect %llu:%s",
                     src[r].path, (unsigned long long)src[r].log_size, src[r].log_root);
        else
            snprintf(cmd, sizeof(cmd), "promote audit verify --expect %llu:%s",
                     (unsigned long long)src[r].log_size, src[r].log_root);
        json_array_append_new(
            repos, json_pack("{s:s, s:s?, s:{s:I, s:s, s:s}, s:s?}", "name", src[r].repo, "path",
                             src[r].path, "checkpoint", "size", (json_int_t)src[r].log_size,
                             "root", src[r].log_root, "verify", cmd, "policy",
                             src[r].policy ? src[r].policy->source : NULL));
    }
    if (dora_keys(&keys, src, n, env, w, e) < 0 || evidence_flow(&flow, src, n, env, w, e) < 0 ||
        evidence_holds(&holds, src, n, env, w, e) < 0 ||
        evidence_pci(&pci, n_changes, changes, e) < 0)
        goto done;
    history_format_time(since, w->since);
    history_format_time(until, w->until);
    /* "changes" holds its place, empty: the records are made as they are written */
    doc = json_pack("{s:i, s:s, s:{s:s, s:s, s:f}, s:O, s:O, s:O, s:O, s:[], s:O}",
                    "schema_version", 1, "env", env, "window", "since", since, "until", until,
                    "days", (double)(w->until - w->since) / (double)DAY, "repositories", repos,
                    "dora", keys, "flow", flow, "holds", holds, "changes", "pci_dss", pci);
    if (!doc) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    *out = doc;
    rc = 0;
done:
    json_decref(repos);
    json_decref(keys);
    json_decref(flow);
    json_decref(holds);
    json_decref(pci);
    if (rc < 0)
        evidence_changes_close(changes);
    return rc;
}

int
dora_report_whole(json_t **out, const struct dora_source *src, size_t n, const char *env,
                  const struct dora_window *w, struct err *e)
{
    struct evidence_changes ch;
    json_t *doc, *row, *list;
    size_t count;
    int more;

    *out = NULL;
    if (dora_report(&doc, &count, &ch, src, n, env, w, e) < 0)
        return -1;
    list = json_object_get(doc, "changes");
    while ((more = evidence_changes_next(&ch, &row, e)) > 0)
        if (json_array_append_new(list, row) < 0) {
            more = err_set(e, EXIT_EVAL, "out of memory");
            break;
        }
    evidence_changes_close(&ch);
    if (more < 0) {
        json_decref(doc);
        return -1;
    }
    *out = doc;
    return 0;
}
