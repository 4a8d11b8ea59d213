#include "core/engine/evidence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ledger/history.h"

static time_t
epoch(const json_t *x)
{
    return (time_t)json_integer_value(json_object_get(x, "epoch"));
}

static json_int_t
seq_of(const json_t *x)
{
    return json_integer_value(json_object_get(x, "seq"));
}

static int
in_window(time_t t, const struct dora_window *w)
{
    return t >= w->since && t < w->until;
}

static json_t *
time_json(time_t t)
{
    char s[32];

    if (t < 0)
        return json_null();
    history_format_time(s, t);
    return json_string(s);
}

static void
inc(json_t *o, const char *key)
{
    json_object_set_new(o, key, json_integer(json_integer_value(json_object_get(o, key)) + 1));
}

/* ------------------------------------------------------------ flow */

static json_t *
find_promotion(json_t *list, const char *from, const char *to)
{
    size_t i;

    for (i = 0; i < json_array_size(list); i++) {
        json_t *p = json_array_get(list, i);

        if (history_is(p, "from", from) && history_is(p, "to", to))
            return p;
    }
    return NULL;
}

/* The latest approved decision into ENV for COMMIT before SEQ in H, or NULL. */
static const json_t *
approved_before(const json_t *h, const char *env, const char *commit, json_int_t seq)
{
    size_t i = history_before(h, seq);

    while (i-- > 0) {
        const json_t *x = json_array_get(h, i);

        if (history_is(x, "kind", "decision") && history_is(x, "env", env) && history_is(x, "commit", commit) &&
            history_is(x, "verdict", "approved"))
            return x;
    }
    return NULL;
}

/* Add X to the array of KEY in BY (made when it is not there); -1 when out of memory. */
static int
group_add(json_t *by, const char *key, json_t *x)
{
    json_t *list = json_object_get(by, key);

    if (!list && json_object_set_new(by, key, list = json_array()) < 0)
        return -1;
    return json_array_append(list, x);
}

/* The approved decisions of H by environment and commit: {"ENV COMMIT": [entry, ...]} in
 * log order, so that the approval before a decision is found without a walk of H (NULL
 * when out of memory). */
static json_t *
approvals_of(const json_t *h)
{
    json_t *by = json_object();
    char key[300];
    size_t i;

    for (i = 0; by && i < json_array_size(h); i++) {
        json_t *x = json_array_get(h, i);

        if (!history_is(x, "kind", "decision") || !history_is(x, "verdict", "approved") ||
            !history_str(x, "env") || !history_str(x, "commit"))
            continue;
        snprintf(key, sizeof(key), "%s %s", history_str(x, "env"), history_str(x, "commit"));
        if (group_add(by, key, x) < 0) {
            json_decref(by);
            by = NULL;
        }
    }
    return by;
}

/* The latest approved decision into ENV of COMMIT before SEQ, from APPROVALS (approvals_of). */
static const json_t *
approval_before(const json_t *approvals, const char *env, const char *commit, json_int_t seq)
{
    const json_t *list;
    char key[300];
    size_t i;

    snprintf(key, sizeof(key), "%s %s", env, commit);
    list = json_object_get(approvals, key);
    for (i = json_array_size(list); i-- > 0;)
        if (seq_of(json_array_get(list, i)) < seq)
            return json_array_get(list, i);
    return NULL;
}

/* The gates of X, kept as text by the index, do not read: the index is made again from the
 * verified log when it is deleted. */
static int
unreadable_gates(struct err *e, const json_t *x)
{
    return err_set(e, EXIT_EVAL,
                   "seq %lld: the gates the audit log's index holds cannot be read (remove "
                   ".git/promote/index.sqlite: it is made again from the log)",
                   (long long)seq_of(x));
}

static int
cmp_blocked(const void *a, const void *b)
{
    const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
    json_int_t bx = json_integer_value(json_object_get(x, "blocked"));
    json_int_t by = json_integer_value(json_object_get(y, "blocked"));

    if (bx != by)
        return bx > by ? -1 : 1;
    return strcmp(history_str(x, "name"), history_str(y, "name"));
}

int
evidence_flow(json_t **out, const struct dora_source *src, size_t n, const char *env,
              const struct dora_window *w, struct err *e)
{
    json_t *list = json_array(), *doc;
    size_t r, i, g;

    (void)env;
    *out = NULL;
    if (!list)
        return err_set(e, EXIT_EVAL, "out of memory");
    for (r = 0; r < n; r++) {
        const json_t *h = src[r].history;
        json_t *approvals = approvals_of(h);

        if (!approvals) {
            json_decref(list);
            return err_set(e, EXIT_EVAL, "out of memory");
        }
        for (i = 0; i < json_array_size(h); i++) {
            const json_t *x = json_array_get(h, i), *gates;
            const char *from = history_str(x, "from"), *to = history_str(x, "to"), *verdict = history_str(x, "verdict");
            json_t *p, *stats, *owned;

            if (!history_is(x, "kind", "decision") || !from || !to || !in_window(epoch(x), w))
                continue;
            if (history_gates(&gates, x, &owned) < 0) {
                json_decref(approvals);
                json_decref(list);
                return unreadable_gates(e, x);
            }
            p = find_promotion(list, from, to);
            if (!p) {
                p = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:{}, s:[], s:[]}", "from", from,
                              "to", to, "decisions", (json_int_t)0, "approved", (json_int_t)0,
                              "rejected", (json_int_t)0, "error", (json_int_t)0, "gates",
                              "blocking", "intervals");
                if (!p || json_array_append_new(list, p) < 0) {
                    json_decref(owned);
                    json_decref(approvals);
                    json_decref(list);
                    return err_set(e, EXIT_EVAL, "out of memory");
                }
            }
            inc(p, "decisions");
            if (verdict && (strcmp(verdict, "approved") == 0 || strcmp(verdict, "rejected") == 0 ||
                            strcmp(verdict, "error") == 0))
                inc(p, verdict);
            stats = json_object_get(p, "gates");
            for (g = 0; g < json_array_size(gates); g++) {
                const json_t *y = json_array_get(gates, g);
                const char *name = history_str(y, "name");
                json_t *s;

                if (!name)
                    continue;
                s = json_object_get(stats, name);
                if (!s) {
                    s = json_pack("{s:s, s:s?, s:I, s:I, s:I}", "name", name, "type",
                                  history_str(y, "type"), "evaluated", (json_int_t)0, "failed",
                                  (json_int_t)0, "errored", (json_int_t)0);
                    json_object_set_new(stats, name, s);
                }
                inc(s, "evaluated");
                if (history_is(y, "status", "fail"))
                    inc(s, "failed");
                else if (history_is(y, "status", "error"))
                    inc(s, "errored");
            }
            json_decref(owned);
            /* from the approval into FROM to the approval into TO, for the same commit */
            if (verdict && strcmp(verdict, "approved") == 0 && history_str(x, "commit")) {
                const json_t *prev =
                    approval_before(approvals, from, history_str(x, "commit"), seq_of(x));

                if (prev && epoch(prev) >= 0)
                    json_array_append_new(json_object_get(p, "intervals"),
                                          json_integer((json_int_t)(epoch(x) - epoch(prev))));
            }
        }
        json_decref(approvals);
    }
    /* gates as an array, the blocking ones in order, the intervals summarised */
    for (i = 0; i < json_array_size(list); i++) {
        json_t *p = json_array_get(list, i), *arr = json_array(), *blocking = json_array();
        json_t *iv = json_object_get(p, "intervals");
        const char *k;
        json_t *v;
        const json_t **sorted;
        size_t m = 0, j, ni = json_array_size(iv);
        long long *d = calloc(ni ? ni : 1, sizeof(*d)), med, p90;

        sorted = calloc(json_object_size(json_object_get(p, "gates")) + 1, sizeof(*sorted));
        if (!arr || !blocking || !d || !sorted) {
            free(d);
            free(sorted);
            json_decref(arr);
            json_decref(blocking);
            json_decref(list);
            return err_set(e, EXIT_EVAL, "out of memory");
        }
        json_object_foreach(json_object_get(p, "gates"), k, v) {
            json_int_t b = json_integer_value(json_object_get(v, "failed")) +
                           json_integer_value(json_object_get(v, "errored"));

            json_array_append(arr, v);
            if (b > 0) {
                json_t *row = json_pack("{s:s, s:I}", "name", k, "blocked", b);

                sorted[m++] = row;
            }
        }
        qsort(sorted, m, sizeof(*sorted), cmp_blocked);
        for (j = 0; j < m; j++)
            json_array_append_new(blocking, (json_t *)sorted[j]);
        free(sorted);
        for (j = 0; j < ni; j++)
            d[j] = json_integer_value(json_array_get(iv, j));
        dora_percentiles(d, ni, &med, &p90);
        free(d);
        json_object_set_new(p, "gates", arr);
        json_object_set_new(p, "blocking", blocking);
        json_object_set_new(p, "approval_interval",
                            json_pack("{s:I, s:o, s:o}", "count", (json_int_t)ni, "median_seconds",
                                      med < 0 ? json_null() : json_integer(med), "p90_seconds",
                                      p90 < 0 ? json_null() : json_integer(p90)));
        json_object_del(p, "intervals");
    }
    doc = json_pack("{s:o}", "promotions", list);
    if (!doc)
        return err_set(e, EXIT_EVAL, "out of memory");
    *out = doc;
    return 0;
}

/* ------------------------------------------------------------ holds */

int
evidence_holds(json_t **out, const struct dora_source *src, size_t n, const char *env,
               const struct dora_window *w, struct err *e)
{
    json_t *list = json_array();
    size_t r, i;

    *out = NULL;
    if (!list)
        return err_set(e, EXIT_EVAL, "out of memory");
    for (r = 0; r < n; r++) {
        const json_t *h = src[r].history, *open = NULL;

        for (i = 0; i <= json_array_size(h); i++) {
            const json_t *x = json_array_get(h, i);
            time_t t = x ? epoch(x) : w->until;
            int end = !x || t >= w->until;

            if (x && !end && (!history_is(x, "env", env) || t < 0))
                continue;
            if (!end && (history_is(x, "kind", "hold") || history_is(x, "kind", "rollback"))) {
                if (!open)
                    open = x;
                continue;
            }
            if (open && (end || history_is(x, "kind", "unhold"))) {
                time_t start = epoch(open), stop = end ? w->until : t;

                if (stop >= w->since)
                    json_array_append_new(
                        list, json_pack("{s:s, s:s?, s:I, s:o, s:s?, s:s?, s:o, s:o, s:I}",
                                        "repository", src[r].repo, "kind", history_str(open, "kind"),
                                        "seq", seq_of(open), "start", time_json(start), "actor",
                                        history_str(open, "actor"), "reason", history_str(open, "reason"), "end",
                                        end ? json_null() : time_json(t), "end_seq",
                                        end ? json_null() : json_integer(seq_of(x)),
                                        "duration_seconds", (json_int_t)(stop - start)));
                open = NULL;
            }
            if (end)
                break;
        }
    }
    *out = list;
    return 0;
}

/* ------------------------------------------------------------ changes */

static const json_t *
by_id(const json_t *h, const char *id, json_int_t before)
{
    size_t i = history_before(h, before);

    if (!id)
        return NULL;
    while (i-- > 0) {
        const json_t *x = json_array_get(h, i);

        if (history_is(x, "id", id))
            return x;
    }
    return NULL;
}

/* The approvers of a decision by role, from its role_approval gates. */
static json_t *
approvers_of(const json_t *gates)
{
    json_t *out = json_object();
    size_t g, k;

    for (g = 0; out && g < json_array_size(gates); g++) {
        const json_t *y = json_array_get(gates, g), *v;
        const char *role;

        if (!history_is(y, "type", "role_approval"))
            continue;
        json_object_foreach((json_t *)json_object_get(y, "details"), role, v) {
            const json_t *by = json_object_get(v, "approved_by");
            json_t *have = json_object_get(out, role);

            if (!json_is_array(by))
                continue;
            if (!have) {
                have = json_array();
                json_object_set_new(out, role, have);
            }
            for (k = 0; k < json_array_size(by); k++)
                json_array_append(have, json_array_get(by, k));
        }
    }
    return out;
}

static int
is_approver(const json_t *approvers, const char *who)
{
    const char *role;
    const json_t *v;
    size_t k;

    if (!who)
        return 0;
    json_object_foreach((json_t *)approvers, role, v) {
        for (k = 0; k < json_array_size(v); k++) {
            const char *login = json_string_value(json_array_get(v, k));

            if (login && strcmp(login, who) == 0)
                return 1;
        }
    }
    return 0;
}

static json_t *
gate_rows(const json_t *gates)
{
    json_t *out = json_array();
    size_t g;

    for (g = 0; out && g < json_array_size(gates); g++) {
        const json_t *y = json_array_get(gates, g);

        json_array_append_new(out, json_pack("{s:s?, s:s?, s:s?, s:s?, s:O?}", "name",
                                             history_str(y, "name"), "type", history_str(y, "type"), "status",
                                             history_str(y, "status"), "summary", history_str(y, "summary"),
                                             "sha256", json_object_get(y, "sha256")));
    }
    return out;
}

static const json_t *
gate_of_type(const json_t *gates, const char *type)
{
    size_t g;

    for (g = 0; g < json_array_size(gates); g++)
        if (history_is(json_array_get(gates, g), "type", type))
            return json_array_get(gates, g);
    return NULL;
}

/* The decision the successful deployment DEP (an entry of H) into ENV rests on: the one it
 * names, else the latest approved decision into ENV of its commit before it; NULL: none. */
static const json_t *
decision_of(const json_t *h, const char *env, const json_t *dep)
{
    json_int_t seq = seq_of(dep);
    const json_t *dec = by_id(h, history_str(dep, "decision"), seq);

    if (!dec || !history_is(dec, "kind", "decision"))
        dec = approved_before(h, env, history_str(dep, "commit"), seq);
    return dec;
}

/* One change C into ENV, with RBS the rollbacks of ENV by commit (rollbacks_of); NULL with
 * E set when its decision's gates cannot be read, NULL alone when out of memory. */
static json_t *
one_change(const struct dora_source *s, const char *env, const json_t *c, const json_t *rbs,
           struct err *e)
{
    const json_t *h = s->history;
    json_int_t seq = json_integer_value(json_object_get(c, "seq"));
    const json_t *dep = history_at(h, seq);
    const char *commit = history_str(c, "commit");
    const json_t *dec, *tagged, *gates, *sep, *notes;
    json_t *approvers, *rollbacks, *doc, *owned = NULL;
    const char *tag, *promoter;
    size_t i;

    dec = decision_of(h, env, dep);
    if (dec && history_gates(&gates, dec, &owned) < 0)
        return unreadable_gates(e, dec), NULL;
    rollbacks = json_array();
    tag = history_str(dep, "tag");
    tagged = tag ? dep : history_tagged(h, env, commit, dep);
    if (!tag && tagged)
        tag = history_str(tagged, "tag");
    if (!dec)
        gates = NULL;
    approvers = approvers_of(gates);
    promoter = dec ? history_str(dec, "actor") : NULL;
    sep = gate_of_type(gates, "separation_of_duties");
    notes = gate_of_type(gates, "release_notes");
    for (i = 0; rollbacks && commit && i < json_array_size(json_object_get(rbs, commit)); i++) {
        const json_t *x = json_array_get(json_object_get(rbs, commit), i);

        if (seq_of(x) > seq)
            json_array_append_new(rollbacks,
                                  json_pack("{s:I, s:o, s:s?, s:s?, s:s?}", "seq", seq_of(x),
                                            "time", time_json(epoch(x)), "actor", history_str(x, "actor"),
                                            "reason", history_str(x, "reason"), "to_commit",
                                            history_str(x, "commit")));
    }
    doc = json_pack(
        "{s:s, s:I, s:o, s:s, s:s?, s:o, s:o, s:o, s:s?, s:{s:o, s:s?, s:b}, s:o, s:{s:I, s:o,"
        " s:s, s:s?, s:s?}, s:s, s:o, s:o}",
        "repository", s->repo, "seq", seq, "time", time_json(epoch(dep)), "commit", commit, "tag",
        tag, "decision",
        dec ? json_pack("{s:s?, s:I, s:o, s:s?, s:s?}", "id", history_str(dec, "id"), "seq",
                        seq_of(dec), "time", time_json(epoch(dec)), "from", history_str(dec, "from"),
                        "verdict", history_str(dec, "verdict"))
            : json_null(),
        "gates", gates ? gate_rows(gates) : json_array(), "approvers", approvers, "promoter",
        promoter, "separation_of_duties", "gate", sep ? json_string(history_str(sep, "status")) : json_null(),
        "commit_author", sep ? history_str(json_object_get(sep, "details"), "commit_author") : NULL,
        "promoter_approved", is_approver(approvers, promoter), "release_notes",
        notes ? json_pack("{s:s?, s:s?}", "status", history_str(notes, "status"), "summary",
                          history_str(notes, "summary"))
              : json_null(),
        "deployment", "seq", seq, "time", time_json(epoch(dep)), "result", "success", "actor",
        history_str(dep, "actor"), "id", history_str(dep, "deployment"), "outcome",
        json_is_true(json_object_get(c, "failed")) ? "failed" : "ok", "failure_seq",
        json_is_true(json_object_get(c, "failed")) ? json_integer(json_integer_value(
                                                         json_object_get(c, "fail_seq")))
                                                   : json_null(),
        "rollbacks", rollbacks ? rollbacks : json_array());
    json_decref(owned);
    return doc;
}

/* The rollbacks of ENV in H before the first entry W does not reach, by the commit each
 * rolled back: {"COMMIT": [entry, ...]} in log order (read once for all the changes; NULL
 * when out of memory). */
static json_t *
rollbacks_of(const json_t *h, const char *env, const struct dora_window *w)
{
    json_t *by = json_object();
    size_t i;

    for (i = 0; by && i < json_array_size(h); i++) {
        json_t *x = json_array_get(h, i);
        const char *from = history_str(x, "from_commit");

        if (epoch(x) >= w->until)
            break;
        if (!from || !history_is(x, "env", env) || !history_is(x, "kind", "rollback"))
            continue;
        if (group_add(by, from, x) < 0) {
            json_decref(by);
            by = NULL;
        }
    }
    return by;
}

void
evidence_changes_open(struct evidence_changes *c, const struct dora_source *src, size_t n,
                      const char *env, const struct dora_window *w)
{
    memset(c, 0, sizeof(*c));
    c->src = src;
    c->n = n;
    c->env = env;
    c->w = w;
}

void
evidence_changes_rewind(struct evidence_changes *c)
{
    json_decref(c->ch);
    json_decref(c->rbs);
    c->ch = c->rbs = NULL;
    c->r = c->i = 0;
}

void
evidence_changes_close(struct evidence_changes *c)
{
    evidence_changes_rewind(c);
}

int
evidence_changes_next(struct evidence_changes *c, json_t **row, struct err *e)
{
    *row = NULL;
    while (c->r < c->n) {
        const struct dora_source *s = &c->src[c->r];

        if (!c->ch) {
            if (dora_changes(&c->ch, s->history, c->env, c->w, e) < 0)
                return -1;
            c->rbs = rollbacks_of(s->history, c->env, c->w);
            c->i = 0;
            if (!c->rbs)
                return err_set(e, EXIT_EVAL, "out of memory");
        }
        if (c->i < json_array_size(c->ch)) {
            *row = one_change(s, c->env, json_array_get(c->ch, c->i), c->rbs, e);
            if (!*row)
                return e->code ? -1 : err_set(e, EXIT_EVAL, "out of memory");
            c->i++;
            return 1;
        }
        json_decref(c->ch);
        json_decref(c->rbs);
        c->ch = c->rbs = NULL;
        c->r++;
    }
    return 0;
}

/* ------------------------------------------------------------ PCI DSS v4.0 6.5 */

#define PCI_ITEMS 6

struct pci_item {
    const char *requirement;
    const char *control;
    const char *types[6]; /* gate types that evidence it, NULL-terminated */
};

static const struct pci_item pci_items[PCI_ITEMS] = {
    {"6.5.1", "reason for and description of the change", {"release_notes", "code_review", NULL}},
    {"6.5.1", "documented approval by authorized parties", {"role_approval", "code_review", NULL}},
    {"6.5.1", "testing to verify the change does not adversely impact security",
     {"tests", "coverage", "security", "load_test", "status_checks", NULL}},
    {"6.5.1", "procedures to address failures and return to a secure state", {"dr_test", NULL}},
    {"6.5.3", "pre-production environments separated from production",
     {"branch", "provenance", "soak", "env_config", NULL}},
    {"6.5.4", "roles and functions separated between production and pre-production",
     {"separation_of_duties", "role_approval", NULL}},
};

static int
has_type(const struct pci_item *it, const char *type)
{
    size_t k;

    for (k = 0; type && it->types[k]; k++)
        if (strcmp(it->types[k], type) == 0)
            return 1;
    return 0;
}

/* What the change records of one source count towards the mapping. */
struct pci_count {
    size_t changes, rollbacks;
    size_t records[PCI_ITEMS]; /* per item: changes that passed a gate of its types */
};

/* One item for one source: its gates in the policy's promotions into ENV, how many of the
 * source's changes carried a passing one (COUNT), and what is missing. */
static json_t *
pci_row(const struct pci_item *it, size_t idx, const struct dora_source *s, const char *env,
        const struct pci_count *count)
{
    json_t *gates = json_array(), *notes = json_array(), *gaps = json_array();
    const struct policy *p = s->policy;
    size_t i, g, n_changes = count->changes, records = count->records[idx],
                 rollbacks = count->rollbacks;
    struct {
        char s[600];
    } promo = {""};

    for (i = 0; p && i < p->n_promotions; i++) {
        const struct policy_promotion *pr = &p->promotions[i];

        if (strcmp(pr->to, env) != 0)
            continue;
        snprintf(promo.s + strlen(promo.s), sizeof(promo.s) - strlen(promo.s), "%s%s -> %s",
                 promo.s[0] ? ", " : "", pr->from, pr->to);
        for (g = 0; g < json_array_size(pr->gates); g++) {
            const json_t *y = json_array_get(pr->gates, g);

            if (has_type(it, history_str(y, "type")))
                json_array_append_new(gates, json_pack("{s:s?, s:s?, s:s}", "name", history_str(y, "name"),
                                                       "type", history_str(y, "type"), "promotion",
                                                       promo.s));
        }
        if (idx == 4) {
            const struct policy_env *a = policy_env(p, pr->from), *b = policy_env(p, pr->to);

            if (a && b && a->aws_account_id && b->aws_account_id) {
                char t[300];

                snprintf(t, sizeof(t), "%s runs in account %s, %s in account %s", a->name,
                         a->aws_account_id, b->name, b->aws_account_id);
                json_array_append_new(notes, json_string(t));
                if (strcmp(a->aws_account_id, b->aws_account_id) == 0)
                    json_array_append_new(gaps, json_string("pre-production and production "
                                                            "share one account"));
            }
        }
    }
    if (!p)
        json_array_append_new(gaps, json_string("no policy was read"));
    else if (!promo.s[0])
        json_array_append_new(gaps, json_string("the policy has no promotion into this "
                                                "environment: changes reach it without gates"));
    else if (!json_array_size(gates)) {
        char t[1024];
        size_t k, len = 0;

        len += (size_t)snprintf(t, sizeof(t), "no gate of type ");
        for (k = 0; it->types[k] && len < sizeof(t); k++)
            len += (size_t)snprintf(t + len, sizeof(t) - len, "%s%s", k ? " or " : "",
                                    it->types[k]);
        if (len < sizeof(t))
            snprintf(t + len, sizeof(t) - len, " in %s", promo.s);
        json_array_append_new(gaps, json_string(t));
    }
    if (idx == 3 && p) {
        const struct policy_env *pe = policy_env(p, env);
        char t[300];

        if (pe && json_array_size(pe->rollback_roles)) {
            size_t k, len = (size_t)snprintf(t, sizeof(t), "promote rollback %s by the role(s) ",
                                             env);

            for (k = 0; k < json_array_size(pe->rollback_roles) && len < sizeof(t); k++)
                len += (size_t)snprintf(t + len, sizeof(t) - len, "%s%s", k ? ", " : "",
                                        json_string_value(json_array_get(pe->rollback_roles, k)));
            json_array_append_new(notes, json_string(t));
        } else {
            snprintf(t, sizeof(t), "the policy names no rollback role for %s", env);
            json_array_append_new(gaps, json_string(t));
        }
        snprintf(t, sizeof(t), "%zu rollback(s) recorded in the window", rollbacks);
        json_array_append_new(notes, json_string(t));
    }
    if (idx == 5)
        json_array_append_new(notes, json_string("each change names its promoter and its "
                                                 "approvers by role (promoter_approved)"));
    return json_pack("{s:s, s:o, s:I, s:I, s:o, s:o}", "repository", s->repo, "gates", gates,
                     "changes", (json_int_t)n_changes, "changes_with_passing_gate",
                     (json_int_t)records, "notes", notes, "gaps", gaps);
}

/* Count change record X of source COUNT towards each item. */
static void
pci_count_add(struct pci_count *count, const json_t *x)
{
    const json_t *cg = json_object_get(x, "gates");
    size_t i, g;

    count->changes++;
    count->rollbacks += json_array_size(json_object_get(x, "rollbacks"));
    for (i = 0; i < PCI_ITEMS; i++)
        for (g = 0; g < json_array_size(cg); g++) {
            const json_t *y = json_array_get(cg, g);

            if (has_type(&pci_items[i], history_str(y, "type")) &&
                history_is(y, "status", "pass")) {
                count->records[i]++;
                break;
            }
        }
}

int
evidence_pci(json_t **out, size_t *n_changes, struct evidence_changes *changes, struct err *e)
{
    const struct dora_source *src = changes->src;
    struct pci_count *count = calloc(changes->n + 1, sizeof(*count));
    json_t *list = json_array(), *x;
    size_t i, r;
    int rc = -1, more;

    *out = NULL;
    *n_changes = 0;
    if (!list || !count) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    /* one pass over the change records, each made and let go */
    evidence_changes_rewind(changes);
    while ((more = evidence_changes_next(changes, &x, e)) > 0) {
        pci_count_add(&count[changes->r], x);
        (*n_changes)++;
        json_decref(x);
    }
    evidence_changes_rewind(changes);
    if (more < 0)
        goto done;
    for (i = 0; i < PCI_ITEMS; i++) {
        json_t *ev = json_array(), *types = json_array(), *row;
        size_t k;

        for (k = 0; types && pci_items[i].types[k]; k++)
            json_array_append_new(types, json_string(pci_items[i].types[k]));
        for (r = 0; ev && r < changes->n; r++)
            json_array_append_new(ev, pci_row(&pci_items[i], i, &src[r], changes->env, &count[r]));
        row = json_pack("{s:s, s:s, s:o, s:o}", "requirement", pci_items[i].requirement,
                        "control", pci_items[i].control, "gate_types", types ? types : json_array(),
                        "evidence", ev ? ev : json_array());
        if (!row || json_array_append_new(list, row) < 0) {
            err_set(e, EXIT_EVAL, "out of memory");
            goto done;
        }
    }
    *out = list;
    list = NULL;
    rc = 0;
done:
    json_decref(list);
    free(count);
    return rc;
}
