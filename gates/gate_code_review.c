/* code_review: a merged pull request that brought the commit has enough approvals
 * and, unless allowed, nobody's latest review requests changes. */
#include "gate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/buf.h"
#include "core/github/gh.h"
#include "core/github/roles.h"

static const struct gate_param code_review_params[] = {
    {"min_approvals", PARAM_COUNT, 1},
    {"require_no_changes_requested", PARAM_BOOL, 0},
    {"dismiss_stale", PARAM_BOOL, 0},
    {NULL, 0, 0},
};

/* plan: round 1 the commit's pull requests, round 2 the reviews of each. */
static int
code_review_plan(const struct gate_ctx *ctx, struct gh_store *s, struct err *e)
{
    const struct gh_res *r;
    const json_t *list;
    size_t i;

    if (gh_want(s, GH_PAGES, NULL, e, "/repos/%s/%s/commits/%s/pulls", ctx->owner, ctx->name,
                ctx->commit) < 0)
        return -1;
    r = gh_find(ctx->gh, "/repos/%s/%s/commits/%s/pulls", ctx->owner, ctx->name, ctx->commit);
    if (!r || r->state != GH_OK || !json_is_array(r->json))
        return 0; /* not yet, or collect reports it */
    list = r->json; /* R itself moves when gh_want grows the store */
    for (i = 0; i < json_array_size(list); i++) {
        const json_t *num = json_object_get(json_array_get(list, i), "number");

        if (!json_is_integer(num) || json_integer_value(num) <= 0)
            continue;
        if (gh_want(s, GH_PAGES, NULL, e, "/repos/%s/%s/pulls/%lld/reviews", ctx->owner,
                    ctx->name, (long long)json_integer_value(num)) < 0)
            return -1;
    }
    return 0;
}

static int
pr_cmp(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "number"));
    json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "number"));

    return x < y ? -1 : x > y;
}

/* Sort an array of pull request objects by number, in place. */
static int
sort_by_number(json_t *arr)
{
    size_t i, n = json_array_size(arr);
    json_t **v;

    if (n < 2)
        return 0;
    v = calloc(n, sizeof(*v));
    if (!v)
        return -1;
    for (i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(arr, i));
    qsort(v, n, sizeof(*v), pr_cmp);
    json_array_clear(arr);
    for (i = 0; i < n; i++)
        if (json_array_append_new(arr, v[i]) < 0) {
            for (i++; i < n; i++)
                json_decref(v[i]);
            free(v);
            return -1;
        }
    free(v);
    return 0;
}

static int
has_number(const json_t *prs, json_int_t number)
{
    size_t i;

    for (i = 0; i < json_array_size(prs); i++)
        if (json_integer_value(json_object_get(json_array_get(prs, i), "number")) == number)
            return 1;
    return 0;
}

/* evidence: {"pull_requests": [{"number", "merged", "author", "head_sha",
 *            "reviews": [{"id", "login", "state", "commit_id"}]}]}, sorted by number;
 * "reviews" holds each reviewer's deciding review (see roles_reviews). */
static int
code_review_collect(const struct gate_ctx *ctx, struct evidence *ev, struct err *e)
{
    const json_t *body, *reviews;
    json_t *prs = NULL, *pr = NULL, *latest = NULL;
    char path[1024], where[1100];
    size_t i;
    int rc = -1;

    snprintf(path, sizeof(path), "/repos/%s/%s/commits/%s/pulls", ctx->owner, ctx->name,
             ctx->commit);
    if (roles_res_body(&body, gh_find(ctx->gh, "%s", path), path, e) < 0)
        return -1;
    snprintf(where, sizeof(where), "GET %s", path);
    if (!json_is_array(body))
        return err_set(e, EXIT_EVAL, "unexpected response from %s: not an array", where);
    prs = json_array();
    if (!prs)
        return err_set(e, EXIT_EVAL, "out of memory");
    for (i = 0; i < json_array_size(body); i++) {
        json_int_t number, author_id;
        char rpath[1024], rwhere[1100];

        if (roles_pull(&pr, json_array_get(body, i), where, e) < 0)
            goto done;
        number = json_integer_value(json_object_get(pr, "number"));
        if (has_number(prs, number)) {
            json_decref(pr);
            pr = NULL;
            continue;
        }
        author_id = json_is_integer(json_object_get(pr, "author_id"))
                        ? json_integer_value(json_object_get(pr, "author_id"))
                        : -1;
        snprintf(rpath, sizeof(rpath), "/repos/%s/%s/pulls/%lld/reviews", ctx->owner, ctx->name,
                 (long long)number);
        snprintf(rwhere, sizeof(rwhere), "GET %s", rpath);
        if (roles_res_body(&reviews, gh_find(ctx->gh, "%s", rpath), rpath, e) < 0 ||
            roles_reviews(&latest, reviews, author_id, rwhere, e) < 0)
            goto done;
        json_object_del(pr, "author_id");
        if (json_object_set_new(pr, "reviews", latest) < 0) {
            latest = NULL;
            err_set(e, EXIT_EVAL, "out of memory");
            goto done;
        }
        latest = NULL;
        if (json_array_append_new(prs, pr) < 0) {
            pr = NULL;
            err_set(e, EXIT_EVAL, "out of memory");
            goto done;
        }
        pr = NULL;
    }
    if (sort_by_number(prs) < 0) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    ev->data = json_pack("{s:O}", "pull_requests", prs);
    if (!ev->data) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    rc = 0;
done:
    json_decref(latest);
    json_decref(pr);
    json_decref(prs);
    return rc;
}

/* Sorted, distinct logins. */
static int
str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static json_t *
sorted_strings(const char **v, size_t n)
{
    json_t *arr = json_array();
    size_t i;

    if (!arr)
        return NULL;
    if (n)
        qsort(v, n, sizeof(*v), str_cmp);
    for (i = 0; i < n; i++) {
        if (i > 0 && strcmp(v[i], v[i - 1]) == 0)
            continue;
        if (json_array_append_new(arr, json_string(v[i])) < 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* Join the strings of ARR with ", " into OUT. */
static void
join(struct buf *out, const json_t *arr)
{
    size_t i;

    for (i = 0; i < json_array_size(arr); i++)
        buf_addf(out, "%s%s", i ? ", " : "", json_string_value(json_array_get(arr, i)));
}

struct pr_result {
    json_int_t number;
    int merged;
    size_t approvals, changes;
    int ok;
};

/* One pull request's row in the details; fills RES. NULL when the evidence is malformed. */
static json_t *
judge_pr(struct pr_result *res, const json_t *pr, json_int_t min, int no_changes, int stale)
{
    const json_t *num = json_object_get(pr, "number"), *merged = json_object_get(pr, "merged");
    const json_t *author = json_object_get(pr, "author"), *reviews = json_object_get(pr, "reviews");
    const json_t *head = json_object_get(pr, "head_sha");
    const char **appr = NULL, **chg = NULL;
    json_t *row = NULL, *a = NULL, *c = NULL;
    size_t i, na = 0, nc = 0;

    if (!json_is_integer(num) || !json_is_boolean(merged) || !json_is_string(head) ||
        (!json_is_string(author) && !json_is_null(author)) || !json_is_array(reviews))
        return NULL;
    appr = calloc(json_array_size(reviews) + 1, sizeof(*appr));
    chg = calloc(json_array_size(reviews) + 1, sizeof(*chg));
    if (!appr || !chg)
        goto done;
    for (i = 0; i < json_array_size(reviews); i++) {
        const json_t *r = json_array_get(reviews, i);
        const char *login = json_string_value(json_object_get(r, "login"));
        const char *state = json_string_value(json_object_get(r, "state"));
        const json_t *cid = json_object_get(r, "commit_id");

        if (!login || !state)
            goto done;
        if (strcmp(state, "APPROVED") == 0) {
            if (stale && !(json_is_string(cid) &&
                           strcmp(json_string_value(cid), json_string_value(head)) == 0))
                continue; /* approved an older head */
            appr[na++] = login;
        } else if (strcmp(state, "CHANGES_REQUESTED") == 0) {
            chg[nc++] = login;
        } else {
            goto done;
        }
    }
    a = sorted_strings(appr, na);
    c = sorted_strings(chg, nc);
    if (!a || !c)
        goto done;
    res->number = json_integer_value(num);
    res->merged = json_is_true(merged);
    res->approvals = json_array_size(a);
    res->changes = json_array_size(c);
    res->ok = res->merged && (json_int_t)res->approvals >= min && !(no_changes && res->changes);
    row = json_pack("{s:I, s:b, s:O, s:O, s:I, s:O}", "number", res->number, "merged", res->merged,
                    "author", author, "approvers", a, "approvals", (json_int_t)res->approvals,
                    "changes_requested_by", c);
done:
    json_decref(a);
    json_decref(c);
    free(appr);
    free(chg);
    return row;
}

static enum verdict
code_review_evaluate(const struct evidence *ev, const json_t *rule, time_t now, struct finding *f)
{
    const json_t *prs = json_object_get(ev->data, "pull_requests");
    json_int_t min = (json_int_t)gate_rule_number(rule, "min_approvals", -1);
    int no_changes = gate_rule_bool(rule, "require_no_changes_requested", 1);
    int stale = gate_rule_bool(rule, "dismiss_stale", 0);
    struct buf why = BUF_INIT, open = BUF_INIT;
    json_t *rows = NULL;
    const struct pr_result *best = NULL;
    struct pr_result *res = NULL;
    enum verdict v = VERDICT_ERROR;
    size_t i, n_merged = 0;

    (void)now;
    if (!json_is_array(prs) || min < 0) {
        finding_summary(f, "no pull request evidence for commit %.12s", ev->commit);
        return VERDICT_ERROR;
    }
    rows = json_array();
    res = calloc(json_array_size(prs) + 1, sizeof(*res));
    if (!rows || !res) {
        finding_summary(f, "out of memory");
        goto done;
    }
    for (i = 0; i < json_array_size(prs); i++) {
        json_t *row = judge_pr(&res[i], json_array_get(prs, i), min, no_changes, stale);

        if (!row || json_array_append_new(rows, row) < 0) {
            finding_summary(f, "malformed pull request evidence for commit %.12s", ev->commit);
            goto done;
        }
        if (res[i].merged)
            n_merged++;
        if (res[i].ok && (!best || res[i].approvals > best->approvals))
            best = &res[i];
    }
    f->details = json_pack("{s:O}", "pull_requests", rows);
    if (!f->details) {
        finding_summary(f, "out of memory");
        goto done;
    }
    if (best) {
        finding_summary(f, "pull request #%lld: %zu approval%s (min %lld)", (long long)best->number,
                        best->approvals, best->approvals == 1 ? "" : "s", (long long)min);
        v = VERDICT_PASS;
        goto done;
    }
    v = VERDICT_FAIL;
    if (json_array_size(prs) == 0) {
        finding_summary(f, "no pull request contains commit %.12s", ev->commit);
        goto done;
    }
    if (n_merged == 0) {
        for (i = 0; i < json_array_size(prs); i++)
            buf_addf(&open, "%s#%lld", i ? ", " : "", (long long)res[i].number);
        finding_summary(f, "no merged pull request contains commit %.12s (not merged: %s)",
                        ev->commit, buf_str(&open));
        goto done;
    }
    for (i = 0; i < json_array_size(prs); i++) {
        const json_t *row = json_array_get(rows, i);

        if (!res[i].merged)
            continue;
        buf_addf(&why, "%s#%lld: %zu of %lld approvals", why.len ? "; " : "",
                 (long long)res[i].number, res[i].approvals, (long long)min);
        if (no_changes && res[i].changes) {
            buf_adds(&why, ", changes requested by ");
            join(&why, json_object_get(row, "changes_requested_by"));
        }
    }
    finding_summary(f, "not approved: %s", buf_str(&why));
done:
    json_decref(rows);
    free(res);
    buf_release(&why);
    buf_release(&open);
    return v;
}

/* Per merged pull request: the approvals still missing and the reviewers whose requested
 * changes block; with no merged one, what to merge. */
static void
code_review_remedy(const struct evidence *ev, const json_t *rule, time_t now,
                   const struct finding *f, struct remedy *out)
{
    const json_t *rows = json_object_get(f->details, "pull_requests");
    json_int_t min = (json_int_t)gate_rule_number(rule, "min_approvals", -1);
    int no_changes = gate_rule_bool(rule, "require_no_changes_requested", 1);
    struct buf text = BUF_INIT;
    json_t *prs = json_array();
    size_t i, n_merged = 0;

    (void)now;
    for (i = 0; i < json_array_size(rows); i++) {
        const json_t *row = json_array_get(rows, i);
        json_int_t missing = min - json_integer_value(json_object_get(row, "approvals"));
        const json_t *block = json_object_get(row, "changes_requested_by");
        json_int_t number = json_integer_value(json_object_get(row, "number"));

        if (!json_is_true(json_object_get(row, "merged")))
            continue;
        n_merged++;
        if (missing < 0)
            missing = 0;
        json_array_append_new(prs, json_pack("{s:I, s:I, s:o}", "number", number,
                                             "missing_approvals", missing, "blocking_reviewers",
                                             no_changes ? json_incref((json_t *)block)
                                                        : json_array()));
        buf_addf(&text, "%s#%lld: ", text.len ? "; " : "", (long long)number);
        if (missing)
            buf_addf(&text, "%lld more approval%s", (long long)missing, missing == 1 ? "" : "s");
        if (no_changes && json_array_size(block)) {
            size_t j;

            buf_addf(&text, "%s", missing ? ", and " : "");
            for (j = 0; j < json_array_size(block); j++)
                buf_addf(&text, "%s%s", j ? ", " : "",
                         json_string_value(json_array_get(block, j)));
            buf_adds(&text, json_array_size(block) == 1 ? " must approve or dismiss the requested "
                                                          "changes"
                                                        : " must approve or dismiss their "
                                                          "requested changes");
        }
    }
    if (n_merged == 0) {
        json_decref(prs);
        if (json_array_size(rows) == 0)
            remedy_text(out, "bring commit %.12s in through a reviewed pull request with %lld "
                             "approval%s, and merge it",
                        ev->commit, (long long)min, min == 1 ? "" : "s");
        else
            remedy_text(out, "merge a pull request that contains commit %.12s (open: #%lld)",
                        ev->commit,
                        (long long)json_integer_value(
                            json_object_get(json_array_get(rows, 0), "number")));
        out->data = json_pack("{s:s, s:I}", "action", "merge_pull_request", "min_approvals", min);
        buf_release(&text);
        return;
    }
    remedy_text(out, "%s", buf_str(&text));
    out->data = json_pack("{s:s, s:I, s:o}", "action", "review", "min_approvals", min,
                          "pull_requests", prs);
    buf_release(&text);
}

const struct gate gate_code_review = {
    .type = "code_review",
    .needs_evidence = 0,
    .params = code_review_params,
    .plan = code_review_plan,
    .collect = code_review_collect,
    .evaluate = code_review_evaluate,
    .remedy = code_review_remedy,
};
