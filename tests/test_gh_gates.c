/* The GitHub gates: a store filled by hand stands in for GitHub. Each test drives
 * plan round by round as the engine does, answering every request from canned
 * responses, then runs collect and the pure evaluate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/buf.h"
#include "core/github/gh.h"
#include "core/engine/policy.h"
#include "core/git/repo.h"
#include "core/github/roles.h"
#include "gates/gate.h"

#define OWNER "bbws"
#define NAME "order-lambda"
#define R "/repos/bbws/order-lambda"
#define SHA "1111111111111111111111111111111111111111"
#define HEAD "2222222222222222222222222222222222222222"
#define OLD "3333333333333333333333333333333333333333"

/* ---- JSON with single quotes, printf-style ---- */

static json_t *J(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static json_t *
J(const char *fmt, ...)
{
    char text[8192], *p;
    json_error_t je;
    va_list ap;
    json_t *j;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    for (p = text; *p; p++)
        if (*p == '\'')
            *p = '"';
    j = json_loads(text, 0, &je);
    if (!j)
        fail_msg("bad test JSON: %s: %s", text, je.text);
    return j;
}

/* A value by dotted path; numeric parts index arrays. */
static const json_t *
at(const json_t *root, const char *path)
{
    char part[128];
    const char *p = path, *dot;

    while (root && *p) {
        size_t n;

        dot = strchr(p, '.');
        n = dot ? (size_t)(dot - p) : strlen(p);
        snprintf(part, sizeof(part), "%.*s", (int)n, p);
        if (json_is_array(root))
            root = json_array_get(root, (size_t)strtoul(part, NULL, 10));
        else
            root = json_object_get(root, part);
        p = dot ? dot + 1 : p + n;
    }
    return root;
}

/* An array of strings as "a,b,c". */
static const char *
joined(const json_t *arr)
{
    static char out[512];
    size_t i, used = 0;

    out[0] = '\0';
    assert_true(json_is_array(arr));
    for (i = 0; i < json_array_size(arr); i++)
        used += (size_t)snprintf(out + used, sizeof(out) - used, "%s%s", i ? "," : "",
                                 json_string_value(json_array_get(arr, i)));
    return out;
}

/* ---- GitHub stand-in: canned answers per path ---- */

struct canned {
    char path[256];
    enum gh_state state;
    json_t *json;
    char error[400];
    int pages;
};

struct sim {
    struct canned c[64];
    size_t n;
};

static struct canned *sim_add(struct sim *m, enum gh_state st, json_t *json, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static struct canned *
sim_add(struct sim *m, enum gh_state st, json_t *json, const char *fmt, ...)
{
    struct canned *c;
    va_list ap;

    assert_true(m->n < 64);
    c = &m->c[m->n++];
    memset(c, 0, sizeof(*c));
    va_start(ap, fmt);
    vsnprintf(c->path, sizeof(c->path), fmt, ap);
    va_end(ap);
    c->state = st;
    c->json = json;
    c->pages = 1;
    return c;
}

static void
sim_release(struct sim *m)
{
    size_t i;

    for (i = 0; i < m->n; i++)
        json_decref(m->c[i].json);
    m->n = 0;
}

/* Answer every wanted resource; a membership nobody canned is a 404 (not a member). */
static void
sim_fetch(struct sim *m, struct gh_store *s)
{
    size_t i, j;

    for (i = 0; i < s->n; i++) {
        struct gh_res *r = &s->res[i];

        if (r->state != GH_WANTED)
            continue;
        for (j = 0; j < m->n && strcmp(m->c[j].path, r->path) != 0; j++)
            ;
        if (j == m->n) {
            if (!strstr(r->path, "/memberships/"))
                fail_msg("unexpected request: GET %s", r->path);
            r->state = GH_NOT_FOUND;
            r->status = 404;
            continue;
        }
        r->state = m->c[j].state;
        r->status = r->state == GH_OK ? 200 : r->state == GH_NOT_FOUND ? 404 : 502;
        r->json = json_incref(m->c[j].json);
        r->pages = m->c[j].pages;
        snprintf(r->error, sizeof(r->error), "%s", m->c[j].error);
    }
}

static size_t
count_wanted(const struct gh_store *s, const char *part)
{
    size_t i, n = 0;

    for (i = 0; i < s->n; i++)
        if (strstr(s->res[i].path, part))
            n++;
    return n;
}

struct run {
    struct gh_store s;
    struct evidence ev;
    struct finding f;
    struct err e;
    int rounds;
    int collected; /* collect's return */
    enum verdict v;
};

static struct gate_ctx
ctx_new(const json_t *rule, const json_t *roles)
{
    struct gate_ctx ctx;

    memset(&ctx, 0, sizeof(ctx));
    ctx.commit = SHA;
    ctx.rule = rule;
    ctx.owner = OWNER;
    ctx.name = NAME;
    ctx.roles = roles;
    ctx.actor = "dave";
    return ctx;
}

/* Plan round by round as the engine does, then collect and evaluate. */
static void
run_gate(struct run *r, const char *type, struct gate_ctx ctx, struct sim *m)
{
    const struct gate *g = gate_find(type);

    assert_non_null(g);
    assert_non_null(g->plan);
    memset(r, 0, sizeof(*r));
    ctx.gh = &r->s;
    for (;;) {
        assert_int_equal(g->plan(&ctx, &r->s, &r->e), 0);
        if (!gh_pending(&r->s))
            break;
        sim_fetch(m, &r->s);
        r->rounds++;
        r->s.rounds++;
        assert_true(r->rounds < 10);
    }
    snprintf(r->ev.commit, sizeof(r->ev.commit), "%s", ctx.commit);
    r->collected = g->collect(&ctx, &r->ev, &r->e);
    if (r->collected == 0)
        r->v = g->evaluate(&r->ev, ctx.rule, 0, &r->f);
}

static void
run_release(struct run *r)
{
    gh_store_release(&r->s);
    evidence_release(&r->ev);
    finding_release(&r->f);
}

/* ---- builders ---- */

struct user {
    const char *login;
    int id;
};

static const struct user alice = {"alice", 1}, bob = {"bob", 2}, carol = {"carol", 3},
                         dave = {"dave", 4}, erin = {"erin", 5}, frank = {"frank", 6};

static json_t *
pr(int number, struct user author, int merged, const char *head)
{
    return json_pack("{s:i, s:s, s:{s:s, s:i}, s:s?, s:{s:s}}", "number", number, "state",
                     merged ? "closed" : "open", "user", "login", author.login, "id", author.id,
                     "merged_at", merged ? "2026-11-20T12:00:00Z" : NULL, "head", "sha", head);
}

static json_t *
review(int id, struct user u, const char *state, const char *commit, const char *at)
{
    return json_pack("{s:i, s:{s:s, s:i}, s:s, s:s, s:s, s:s}", "id", id, "user", "login", u.login,
                     "id", u.id, "state", state, "commit_id", commit, "submitted_at", at,
                     "author_association", "MEMBER");
}

static json_t *
list(json_t *first, ...)
{
    json_t *arr = json_array(), *x;
    va_list ap;

    va_start(ap, first);
    for (x = first; x; x = va_arg(ap, json_t *))
        json_array_append_new(arr, x);
    va_end(ap);
    return arr;
}

static void
commit_pulls(struct sim *m, json_t *prs)
{
    sim_add(m, GH_OK, prs, R "/commits/%s/pulls", SHA);
}

static void
reviews(struct sim *m, int number, json_t *arr)
{
    sim_add(m, GH_OK, arr, R "/pulls/%d/reviews", number);
}

static void
member(struct sim *m, const char *team, const char *login, const char *state)
{
    sim_add(m, GH_OK, J("{'state': '%s', 'role': 'member'}", state),
            "/orgs/bbws/teams/%s/memberships/%s", team, login);
}

/* ================= code_review ================= */

static void
test_code_review_two_rounds(void **state)
{
    json_t *rule = J("{'min_approvals': 2}");
    struct sim m = {0};
    struct run r;

    (void)state;
    commit_pulls(&m, list(pr(12, alice, 1, HEAD), NULL));
    reviews(&m, 12,
            list(review(101, bob, "APPROVED", HEAD, "2026-11-19T10:00:00Z"),
                 review(102, carol, "COMMENTED", HEAD, "2026-11-19T10:30:00Z"),
                 review(103, carol, "APPROVED", HEAD, "2026-11-19T11:00:00Z"), NULL));
    run_gate(&r, "code_review", ctx_new(rule, NULL), &m);
    assert_int_equal(r.rounds, 2);
    assert_int_equal(r.s.n, 2);
    assert_non_null(gh_find(&r.s, R "/commits/%s/pulls", SHA));
    assert_int_equal(gh_find(&r.s, R "/commits/%s/pulls", SHA)->paging, GH_PAGES);
    assert_int_equal(gh_find(&r.s, R "/pulls/12/reviews")->paging, GH_PAGES);
    assert_int_equal(r.collected, 0);
    assert_int_equal(r.v, VERDICT_PASS);
    assert_string_equal(r.f.summary, "pull request #12: 2 approvals (min 2)");
    assert_int_equal(json_integer_value(at(r.f.details, "pull_requests.0.number")), 12);
    assert_true(json_is_true(at(r.f.details, "pull_requests.0.merged")));
    assert_string_equal(json_string_value(at(r.f.details, "pull_requests.0.author")), "alice");
    assert_string_equal(joined(at(r.f.details, "pull_requests.0.approvers")), "bob,carol");
    assert_int_equal(json_integer_value(at(r.f.details, "pull_requests.0.approvals")), 2);
    assert_string_equal(joined(at(r.f.details, "pull_requests.0.changes_requested_by")), "");
    /* the evidence: each reviewer's deciding review, nothing more */
    assert_int_equal(json_array_size(at(r.ev.data, "pull_requests.0.reviews")), 2);
    assert_string_equal(json_string_value(at(r.ev.data, "pull_requests.0.head_sha")), HEAD);
    run_release(&r);
    sim_release(&m);
    json_decref(rule);
}

static void
test_code_review_approved_then_changes_requested(void **state)
{
    json_t *rule = J("{'min_approvals': 1}");
    json_t *lenient = J("{'min_approvals': 1, 'require_no_changes_requested': false}");
    struct sim m = {0};
    struct run r;

    (void)state;
    commit_pulls(&m, list(pr(12, alice, 1, HEAD), NULL));
    /* listed out of order: the sort puts bob's change request last */
    reviews(&m, 12,
            list(review(105, bob, "CHANGES_REQUESTED", HEAD, "2026-11-19T12:00:00Z"),
                 review(101, bob, "APPROVED", HEAD, "2026-11-19T10:00:00Z"),
                 review(103, carol, "APPROVED", HEAD, "2026-11-19T11:00:00Z"), NULL));
    run_gate(&r, "code_review", ctx_new(rule, NULL), &m);
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_string_equal(r.f.summary,
                        "not approved: #12: 1 of 1 approvals, changes requested by bob");
    assert_string_equal(joined(at(r.f.details, "pull_requests.0.approvers")), "carol");
    assert_string_equal(joined(at(r.f.details, "pull_requests.0.changes_requested_by")), "bob");
    run_release(&r);
    run_gate(&r, "code_review", ctx_new(lenient, NULL), &m);
    assert_int_equal(r.v, VERDICT_PASS);
    assert_int_equal(json_integer_value(at(r.f.details, "pull_requests.0.approvals")), 1);
    run_release(&r);
    sim_release(&m);
    json_decref(rule);
    json_decref(lenient);
}

static void
test_code_review_changes_requested_then_approved(void **state)
{
    json_t *rule = J("{'min_approvals': 1}");
    struct sim m = {0};
    struct run r;

    (void)state;
    commit_pulls(&m, list(pr(12, alice, 1, HEAD), NULL));
    /* same second: the review id decides the order, not the position in the list */
    reviews(&m, 12,
            list(review(120, bob, "APPROVED", HEAD, "2026-11-19T10:00:00Z"),
                 review(110, bob, "CHANGES_REQUESTED", HEAD, "2026-11-19T10:00:00Z"), NULL));
    run_gate(&r, "code_review", ctx_new(rule, NULL), &m);
    assert_int_equal(r.v, VERDICT_PASS);
    assert_string_equal(joined(at(r.f.details, "pull_requests.0.approvers")), "bob");
    assert_string_equal(joined(at(r.f.details, "pull_requests.0.changes_requested_by")), "");
    run_release(&r);
    sim_release(&m);
    json_decref(rule);
}

static void
test_code_review_dismissed(void **state)
{
    json_t *rule = J("{'min_approvals': 1}");
    struct sim m = {0};
    struct run r;

    (void)state;
    /* bob's approval was dismissed; carol's change request was dismissed too */
    commit_pulls(&m, list(pr(12, alice, 1, HEAD), NULL));
    reviews(&m, 12,
            list(review(101, bob, "DISMISSED", HEAD, "2026-11-19T10:00:00Z"),
                 review(102, carol, "DISMISSED", HEAD, "2026-11-19T11:00:00Z"), NULL));
    run_gate(&r, "code_review", ctx_new(rule, NULL), &m);
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_string_equal(r.f.summary, "not approved: #12: 0 of 1 approvals");
    assert_string_equal(joined(at(r.f.details, "pull_requests.0.changes_requested_by")), "");
    run_release(&r);
    sim_release(&m);
    /* a new approval after the dismissed one counts */
    commit_pulls(&m, list(pr(12, alice, 1, HEAD), NULL));
    reviews(&m, 12,
            list(review(101, bob, "DISMISSED", HEAD, "2026-11-19T10:00:00Z"),
                 review(102, carol, "DISMISSED", HEAD, "2026-11-19T11:00:00Z"),
                 review(103, bob, "APPROVED", HEAD, "2026-11-19T12:00:00Z"), NULL));
    run_gate(&r, "code_review", ctx_new(rule, NULL), &m);
    assert_int_equal(r.v, VERDICT_PASS);
    run_release(&r);
    sim_release(&m);
    json_decref(rule);
}

static void
test_code_review_author_self_approval(void **state)
{
    json_t *rule = J("{'min_approvals': 1}");
    struct sim m = {0};
    struct run r;

    (void)state;
    commit_pulls(&m, list(pr(12, alice, 1, HEAD), NULL));
    reviews(&m, 12, list(review(101, alice, "APPROVED", HEAD, "2026-11-19T10:00:00Z"), NULL));
    run_gate(&r, "code_review", ctx_new(rule, NULL), &m);
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_string_equal(joined(at(r.f.details, "pull_requests.0.approvers")), "");
    assert_int_equal(json_array_size(at(r.ev.data, "pull_requests.0.reviews")), 0);
    run_release(&r);
    sim_release(&m);
    json_decref(rule);
}

static void
test_code_review_null_user(void **state)
{
    json_t *rule = J("{'min_approvals': 2}");
    struct sim m = {0};
    struct run r;

    (void)state;
    commit_pulls(&m, list(pr(12, alice, 1, HEAD), NULL));
    reviews(&m, 12,
            list(J("{'id': 100, 'user': null, 'state': 'APPROVED', 'commit_id': '%s', "
                   "'submitted_at': '2026-11-19T09:00:00Z'}",
                   HEAD),
                 review(101, bob, "APPROVED", HEAD, "2026-11-19T10:00:00Z"), NULL));
    run_gate(&r, "code_review", ctx_new(rule, NULL), &m);
    assert_int_equal(r.collected, 0);
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_int_equal(json_integer_value(at(r.f.details, "pull_requests.0.approvals")), 1);
    run_release(&r);
    sim_release(&m);
    json_decref(rule);
}

static void
test_code_review_dismiss_stale(void **state)
{
    json_t *rule = J("{'min_approvals': 2}");
    json_t *stale = J("{'min_approvals': 2, 'dismiss_stale': true}");
    json_t *stale1 = J("{'min_approvals': 1, 'dismiss_stale': true}");
    struct sim m = {0};
    struct run r;

    (void)state;
    commit_pulls(&m, list(pr(12, alice, 1, HEAD), NULL));
    reviews(&m, 12,
            list(review(101, bob, "APPROVED", OLD, "2026-11-19T10:00:00Z"),
                 review(102, carol, "APPROVED", HEAD, "2026-11-19T11:00:00Z"), NULL));
    run_gate(&r, "code_review", ctx_new(rule, NULL), &m);
    assert_int_equal(r.v, VERDICT_PASS);
    run_release(&r);
    run_gate(&r, "code_review", ctx_new(stale, NULL), &m);
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_string_equal(joined(at(r.f.details, "pull_requests.0.approvers")), "carol");
    run_release(&r);
    run_gate(&r, "code_review", ctx_new(stale1, NULL), &m);
    assert_int_equal(r.v, VERDICT_PASS);
    run_release(&r);
    sim_release(&m);
    json_decref(rule);
    json_decref(stale);
    json_decref(stale1);
}

static void
test_code_review_commit_in_two_prs(void **state)
{
    json_t *rule = J("{'min_approvals': 2}");
    struct sim m = {0};
    struct run r;

    (void)state;
    /* #7 is open with two approvals, #9 merged with one: open ones do not count */
    commit_pulls(&m, list(pr(9, alice, 1, HEAD), pr(7, frank, 0, OLD), NULL));
    reviews(&m, 7,
            list(review(1, bob, "APPROVED", OLD, "2026-11-18T10:00:00Z"),
                 review(2, carol, "APPROVED", OLD, "2026-11-18T11:00:00Z"), NULL));
    reviews(&m, 9, list(review(3, bob, "APPROVED", HEAD, "2026-11-19T10:00:00Z"), NULL));
    run_gate(&r, "code_review", ctx_new(rule, NULL), &m);
    assert_int_equal(r.rounds, 2);
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_string_equal(r.f.summary, "not approved: #9: 1 of 2 approvals");
    /* sorted by number */
    assert_int_equal(json_integer_value(at(r.f.details, "pull_requests.0.number")), 7);
    assert_false(json_is_true(at(r.f.details, "pull_requests.0.merged")));
    assert_int_equal(json_integer_value(at(r.f.details, "pull_requests.0.approvals")), 2);
    assert_int_equal(json_integer_value(at(r.f.details, "pull_requests.1.number")), 9);
    run_release(&r);
    sim_release(&m);
    /* the merged one meets the rule: pass */
    commit_pulls(&m, list(pr(9, alice, 1, HEAD), pr(7, frank, 0, OLD), NULL));
    reviews(&m, 7, J("[]"));
    reviews(&m, 9,
            list(review(3, bob, "APPROVED", HEAD, "2026-11-19T10:00:00Z"),
                 review(4, erin, "APPROVED", HEAD, "2026-11-19T10:05:00Z"), NULL));
    run_gate(&r, "code_review", ctx_new(rule, NULL), &m);
    assert_int_equal(r.v, VERDICT_PASS);
    assert_string_equal(r.f.summary, "pull request #9: 2 approvals (min 2)");
    run_release(&r);
    sim_release(&m);
    /* none merged */
    commit_pulls(&m, list(pr(7, frank, 0, OLD), NULL));
    reviews(&m, 7,
            list(review(1, bob, "APPROVED", OLD, "2026-11-18T10:00:00Z"),
                 review(2, carol, "APPROVED", OLD, "2026-11-18T11:00:00Z"), NULL));
    run_gate(&r, "code_review", ctx_new(rule, NULL), &m);
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_string_equal(r.f.summary,
                        "no merged pull request contains commit 111111111111 (not merged: #7)");
    run_release(&r);
    sim_release(&m);
    /* no pull request at all: one round, fail */
    commit_pulls(&m, J("[]"));
    run_gate(&r, "code_review", ctx_new(rule, NULL), &m);
    assert_int_equal(r.rounds, 1);
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_string_equal(r.f.summary, "no pull request contains commit 111111111111");
    assert_int_equal(json_array_size(at(r.f.details, "pull_requests")), 0);
    run_release(&r);
    sim_release(&m);
    json_decref(rule);
}

static void
test_code_review_many_prs(void **state)
{
    json_t *rule = J("{'min_approvals': 1}"), *prs = json_array();
    struct sim m = {0};
    struct run r;
    int i;

    (void)state;
    /* more pull requests than the store's first allocation: plan must not keep a
     * pointer into the store across gh_want */
    for (i = 1; i <= 40; i++)
        json_array_append_new(prs, pr(i, frank, i == 40, HEAD));
    commit_pulls(&m, prs);
    for (i = 1; i <= 40; i++)
        reviews(&m, i, list(review(i, bob, "APPROVED", HEAD, "2026-11-19T10:00:00Z"), NULL));
    run_gate(&r, "code_review", ctx_new(rule, NULL), &m);
    assert_int_equal(r.rounds, 2);
    assert_int_equal(r.s.n, 41);
    assert_int_equal(r.v, VERDICT_PASS);
    assert_string_equal(r.f.summary, "pull request #40: 1 approval (min 1)");
    run_release(&r);
    sim_release(&m);
    json_decref(rule);
}

static void
test_code_review_250_reviews_three_pages(void **state)
{
    json_t *arr = json_array(), *rule40, *rule41;
    struct sim m = {0};
    struct run r;
    int k;

    (void)state;
    /* 50 reviewers, five rounds of reviews; pages of 100: the last round is on page 3.
     * Round 3 approves for all; in round 4 reviewers 0-29 only comment (no revocation),
     * 30-39 approve again, 40-49 request changes. */
    for (k = 0; k < 250; k++) {
        int who = k % 50, round = k / 50;
        char login[16], at_[32];
        const char *st;

        snprintf(login, sizeof(login), "rev%02d", who);
        snprintf(at_, sizeof(at_), "2026-11-%02dT10:%02d:00Z", 10 + round, who);
        if (round < 3)
            st = (k % 2) ? "CHANGES_REQUESTED" : "APPROVED";
        else if (round == 3)
            st = "APPROVED";
        else
            st = who < 30 ? "COMMENTED" : who < 40 ? "APPROVED" : "CHANGES_REQUESTED";
        json_array_append_new(arr, json_pack("{s:i, s:{s:s, s:i}, s:s, s:s, s:s}", "id", 1000 + k,
                                             "user", "login", login, "id", 100 + who, "state", st,
                                             "commit_id", HEAD, "submitted_at", at_));
    }
    commit_pulls(&m, list(pr(12, alice, 1, HEAD), NULL));
    sim_add(&m, GH_OK, arr, R "/pulls/12/reviews")->pages = 3;
    rule40 = J("{'min_approvals': 40, 'require_no_changes_requested': false}");
    rule41 = J("{'min_approvals': 41, 'require_no_changes_requested': false}");
    run_gate(&r, "code_review", ctx_new(rule40, NULL), &m);
    assert_int_equal(json_array_size(gh_find(&r.s, R "/pulls/12/reviews")->json), 250);
    assert_int_equal(gh_find(&r.s, R "/pulls/12/reviews")->pages, 3);
    assert_int_equal(r.v, VERDICT_PASS);
    assert_int_equal(json_integer_value(at(r.f.details, "pull_requests.0.approvals")), 40);
    assert_int_equal(json_array_size(at(r.f.details, "pull_requests.0.changes_requested_by")), 10);
    assert_string_equal(json_string_value(at(r.f.details, "pull_requests.0.approvers.0")), "rev00");
    assert_string_equal(
        json_string_value(at(r.f.details, "pull_requests.0.changes_requested_by.0")), "rev40");
    assert_int_equal(json_array_size(at(r.ev.data, "pull_requests.0.reviews")), 50);
    run_release(&r);
    run_gate(&r, "code_review", ctx_new(rule41, NULL), &m);
    assert_int_equal(r.v, VERDICT_FAIL);
    run_release(&r);
    sim_release(&m);
    json_decref(rule40);
    json_decref(rule41);
}

static void
test_code_review_failed_resource(void **state)
{
    json_t *rule = J("{'min_approvals': 1}");
    struct sim m = {0};
    struct canned *c;
    struct run r;

    (void)state;
    commit_pulls(&m, list(pr(12, alice, 1, HEAD), NULL));
    c = sim_add(&m, GH_FAILED, NULL, R "/pulls/12/reviews");
    snprintf(c->error, sizeof(c->error), "GET %s: HTTP 502 after 3 retries", c->path);
    run_gate(&r, "code_review", ctx_new(rule, NULL), &m);
    assert_int_equal(r.collected, -1);
    assert_int_equal(r.e.code, EXIT_EVAL);
    assert_string_equal(r.e.msg, "GET " R "/pulls/12/reviews: HTTP 502 after 3 retries");
    run_release(&r);
    /* an error text without the path gets it added */
    snprintf(c->error, sizeof(c->error), "timed out");
    run_gate(&r, "code_review", ctx_new(rule, NULL), &m);
    assert_int_equal(r.collected, -1);
    assert_string_equal(r.e.msg, "GET " R "/pulls/12/reviews: timed out");
    run_release(&r);
    sim_release(&m);
    /* GitHub does not know the commit */
    sim_add(&m, GH_NOT_FOUND, NULL, R "/commits/%s/pulls", SHA);
    run_gate(&r, "code_review", ctx_new(rule, NULL), &m);
    assert_int_equal(r.rounds, 1);
    assert_int_equal(r.collected, -1);
    assert_string_equal(r.e.msg, "GET " R "/commits/" SHA "/pulls: not found (404)");
    run_release(&r);
    sim_release(&m);
    json_decref(rule);
}

static void
expect_collect_error(json_t *prs, json_t *revs, const char *want)
{
    json_t *rule = J("{'min_approvals': 1}");
    struct sim m = {0};
    struct run r;

    commit_pulls(&m, prs);
    reviews(&m, 12, revs ? revs : J("[]"));
    run_gate(&r, "code_review", ctx_new(rule, NULL), &m);
    assert_int_equal(r.collected, -1);
    assert_int_equal(r.e.code, EXIT_EVAL);
    assert_string_equal(r.e.msg, want);
    run_release(&r);
    sim_release(&m);
    json_decref(rule);
}

static void
test_code_review_malformed(void **state)
{
    (void)state;
    expect_collect_error(list(pr(12, alice, 1, HEAD), NULL), J("{'reviews': []}"),
                         "unexpected response from GET " R
                         "/pulls/12/reviews: the reviews are not an array");
    expect_collect_error(list(pr(12, alice, 1, HEAD), NULL),
                         J("[{'id': 5, 'user': {'login': 'bob'}, 'state': 'APPROVED', "
                           "'commit_id': 'x', 'submitted_at': '2026-11-19T10:00:00Z'}]"),
                         "unexpected response from GET " R
                         "/pulls/12/reviews: review 5: needs user {id, login}, 'submitted_at', "
                         "'commit_id'");
    expect_collect_error(list(pr(12, alice, 1, HEAD), NULL),
                         J("[{'id': '5', 'user': null, 'state': 'APPROVED'}]"),
                         "unexpected response from GET " R
                         "/pulls/12/reviews: review [0]: not an object with a positive 'id' and "
                         "'state'");
    /* ids are positive: -1 (the "no author" sentinel), 0 or any negative is malformed */
    expect_collect_error(list(pr(12, alice, 1, HEAD), NULL),
                         J("[{'id': -5, 'user': {'login': 'bob', 'id': 2}, 'state': 'APPROVED', "
                           "'commit_id': 'x', 'submitted_at': '2026-11-19T10:00:00Z'}]"),
                         "unexpected response from GET " R
                         "/pulls/12/reviews: review [0]: not an object with a positive 'id' and "
                         "'state'");
    expect_collect_error(list(pr(12, alice, 1, HEAD), NULL),
                         J("[{'id': 5, 'user': {'login': 'bob', 'id': -1}, 'state': 'APPROVED', "
                           "'commit_id': 'x', 'submitted_at': '2026-11-19T10:00:00Z'}]"),
                         "unexpected response from GET " R
                         "/pulls/12/reviews: review 5: needs user {id, login}, 'submitted_at', "
                         "'commit_id'");
    expect_collect_error(J("[{'number': 12, 'user': {'login': 'alice', 'id': 0}, 'merged_at': "
                           "null, 'head': {'sha': '%s'}}]",
                           HEAD),
                         NULL,
                         "unexpected response from GET " R "/commits/" SHA
                         "/pulls: pull request #12: 'user' is not null or {id, login}");
    expect_collect_error(list(pr(12, alice, 1, HEAD), NULL),
                         list(review(5, bob, "approved", HEAD, "2026-11-19T10:00:00Z"), NULL),
                         "unexpected response from GET " R
                         "/pulls/12/reviews: review 5: unknown state 'approved'");
    expect_collect_error(J("[{'number': 12, 'user': {'login': 'alice', 'id': 1}, 'merged_at': "
                           "12, 'head': {'sha': '%s'}}]",
                           HEAD),
                         NULL,
                         "unexpected response from GET " R "/commits/" SHA
                         "/pulls: pull request #12: 'merged_at' is not null or a string");
    expect_collect_error(J("{'number': 12}"), NULL,
                         "unexpected response from GET " R "/commits/" SHA "/pulls: not an array");
}

static void
test_code_review_evaluate_bad_evidence(void **state)
{
    const struct gate *g = gate_find("code_review");
    json_t *rule = J("{'min_approvals': 1}");
    struct evidence ev;
    struct finding f;

    (void)state;
    memset(&ev, 0, sizeof(ev));
    memset(&f, 0, sizeof(f));
    assert_int_equal(g->evaluate(&ev, rule, 0, &f), VERDICT_ERROR);
    finding_release(&f);
    ev.data = J("{'pull_requests': [{'number': 1, 'merged': true, 'author': 'a', 'head_sha': "
                "'x', 'reviews': [{'login': 'b', 'state': 'WHATEVER'}]}]}");
    assert_int_equal(g->evaluate(&ev, rule, 0, &f), VERDICT_ERROR);
    finding_release(&f);
    evidence_release(&ev);
    json_decref(rule);
}

/* ================= role_approval ================= */

static json_t *
policy_roles(void)
{
    return J("{'tech-lead': {'team': 'bbws/tech-leads'}, 'product-owner': {'team': "
             "'bbws/product-owners'}, 'ops-lead': {'team': 'bbws/ops-leads'}}");
}

static void
test_role_approval_three_rounds(void **state)
{
    json_t *rule = J("{'require': {'product-owner': 1, 'ops-lead': 1}}"), *roles = policy_roles();
    struct sim m = {0};
    struct run r;

    (void)state;
    commit_pulls(&m, list(pr(12, alice, 1, HEAD), NULL));
    reviews(&m, 12,
            list(review(1, carol, "APPROVED", HEAD, "2026-11-19T10:00:00Z"),
                 review(2, erin, "APPROVED", HEAD, "2026-11-19T11:00:00Z"),
                 review(3, bob, "CHANGES_REQUESTED", HEAD, "2026-11-19T11:00:00Z"), NULL));
    member(&m, "ops-leads", "carol", "active");
    member(&m, "product-owners", "erin", "active");
    run_gate(&r, "role_approval", ctx_new(rule, roles), &m);
    assert_int_equal(r.rounds, 3);
    /* memberships only for the approvers, in each required role's team */
    assert_int_equal(count_wanted(&r.s, "/memberships/"), 4);
    assert_null(gh_find(&r.s, "/orgs/bbws/teams/ops-leads/memberships/bob"));
    assert_null(gh_find(&r.s, "/orgs/bbws/teams/tech-leads/memberships/carol"));
    assert_int_equal(r.collected, 0);
    assert_int_equal(r.v, VERDICT_PASS);
    assert_string_equal(r.f.summary, "approved: ops-lead by carol; product-owner by erin");
    assert_int_equal(json_integer_value(at(r.f.details, "ops-lead.required")), 1);
    assert_string_equal(joined(at(r.f.details, "ops-lead.approved_by")), "carol");
    assert_int_equal(json_integer_value(at(r.f.details, "ops-lead.missing")), 0);
    assert_string_equal(joined(at(r.f.details, "product-owner.approved_by")), "erin");
    assert_string_equal(json_string_value(at(r.ev.data, "teams.ops-lead")), "bbws/ops-leads");
    assert_string_equal(joined(at(r.ev.data, "approvers.0.roles")), "ops-lead");
    run_release(&r);
    sim_release(&m);
    json_decref(rule);
    json_decref(roles);
}

static void
test_role_approval_matching_two_teams(void **state)
{
    json_t *rule = J("{'require': {'product-owner': 1, 'ops-lead': 1}}"), *roles = policy_roles();
    struct sim m = {0};
    struct run r;

    (void)state;
    /* carol is in both teams, erin only in ops-leads: carol must take product-owner */
    commit_pulls(&m, list(pr(12, alice, 1, HEAD), NULL));
    reviews(&m, 12,
            list(review(1, carol, "APPROVED", HEAD, "2026-11-19T10:00:00Z"),
                 review(2, erin, "APPROVED", HEAD, "2026-11-19T11:00:00Z"), NULL));
    member(&m, "ops-leads", "carol", "active");
    member(&m, "product-owners", "carol", "active");
    member(&m, "ops-leads", "erin", "active");
    run_gate(&r, "role_approval", ctx_new(rule, roles), &m);
    assert_int_equal(r.v, VERDICT_PASS);
    assert_string_equal(joined(at(r.f.details, "ops-lead.approved_by")), "erin");
    assert_string_equal(joined(at(r.f.details, "product-owner.approved_by")), "carol");
    run_release(&r);
    sim_release(&m);
    /* alone, carol fills one role only */
    commit_pulls(&m, list(pr(12, alice, 1, HEAD), NULL));
    reviews(&m, 12, list(review(1, carol, "APPROVED", HEAD, "2026-11-19T10:00:00Z"), NULL));
    member(&m, "ops-leads", "carol", "active");
    member(&m, "product-owners", "carol", "active");
    run_gate(&r, "role_approval", ctx_new(rule, roles), &m);
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_int_equal(json_integer_value(at(r.f.details, "ops-lead.missing")) +
                         json_integer_value(at(r.f.details, "product-owner.missing")),
                     1);
    run_release(&r);
    sim_release(&m);
    json_decref(rule);
    json_decref(roles);
}

static void
test_role_approval_same_team(void **state)
{
    json_t *rule = J("{'require': {'tech-lead': 1, 'ops-lead': 1}}");
    json_t *shared = J("{'tech-lead': {'team': 'bbws/leads'}, 'ops-lead': {'team': 'bbws/leads'}}");
    json_t *roles = policy_roles();
    struct sim m = {0};
    struct run r;

    (void)state;
    /* two roles on one team: one member fills one role */
    commit_pulls(&m, list(pr(12, alice, 1, HEAD), NULL));
    reviews(&m, 12,
            list(review(1, carol, "APPROVED", HEAD, "2026-11-19T10:00:00Z"),
                 review(2, erin, "APPROVED", HEAD, "2026-11-19T11:00:00Z"), NULL));
    member(&m, "leads", "carol", "active");
    run_gate(&r, "role_approval", ctx_new(rule, shared), &m);
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_string_equal(r.f.summary, "missing approvals: tech-lead (1 of 1)");
    assert_string_equal(joined(at(r.f.details, "ops-lead.approved_by")), "carol");
    run_release(&r);
    sim_release(&m);
    /* another member fills the other */
    commit_pulls(&m, list(pr(12, alice, 1, HEAD), NULL));
    reviews(&m, 12,
            list(review(1, carol, "APPROVED", HEAD, "2026-11-19T10:00:00Z"),
                 review(2, erin, "APPROVED", HEAD, "2026-11-19T11:00:00Z"), NULL));
    member(&m, "leads", "carol", "active");
    member(&m, "leads", "erin", "active");
    run_gate(&r, "role_approval", ctx_new(rule, shared), &m);
    assert_int_equal(r.v, VERDICT_PASS);
    run_release(&r);
    sim_release(&m);
    /* two people in the tech-lead team only: ops-lead stays missing */
    commit_pulls(&m, list(pr(12, alice, 1, HEAD), NULL));
    reviews(&m, 12,
            list(review(1, carol, "APPROVED", HEAD, "2026-11-19T10:00:00Z"),
                 review(2, erin, "APPROVED", HEAD, "2026-11-19T11:00:00Z"), NULL));
    member(&m, "tech-leads", "carol", "active");
    member(&m, "tech-leads", "erin", "active");
    run_gate(&r, "role_approval", ctx_new(rule, roles), &m);
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_string_equal(r.f.summary, "missing approvals: ops-lead (1 of 1)");
    assert_int_equal(json_array_size(at(r.f.details, "tech-lead.approved_by")), 1);
    run_release(&r);
    sim_release(&m);
    json_decref(rule);
    json_decref(shared);
    json_decref(roles);
}

static void
test_role_approval_actor_and_author_never_count(void **state)
{
    json_t *rule = J("{'require': {'ops-lead': 1}}"), *roles = policy_roles();
    struct gate_ctx ctx;
    struct sim m = {0};
    struct run r;

    (void)state;
    commit_pulls(&m, list(pr(12, alice, 1, HEAD), NULL));
    reviews(&m, 12,
            list(review(1, dave, "APPROVED", HEAD, "2026-11-19T10:00:00Z"),
                 review(2, alice, "APPROVED", HEAD, "2026-11-19T11:00:00Z"), NULL));
    member(&m, "ops-leads", "dave", "active");
    member(&m, "ops-leads", "alice", "active");
    ctx = ctx_new(rule, roles);
    ctx.actor = "Dave"; /* logins compare without case */
    run_gate(&r, "role_approval", ctx, &m);
    assert_int_equal(r.rounds, 2); /* nobody can count: no memberships asked for */
    assert_int_equal(count_wanted(&r.s, "/memberships/"), 0);
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_string_equal(r.f.summary, "missing approvals: ops-lead (1 of 1); not counted: dave "
                                     "(promoter)");
    assert_string_equal(json_string_value(at(r.ev.data, "ignored.0.reason")), "promoter");
    run_release(&r);
    sim_release(&m);
    json_decref(rule);
    json_decref(roles);
}

static void
test_role_approval_release_pr(void **state)
{
    json_t *rule = J("{'require': {'product-owner': 1, 'ops-lead': 1}}"), *roles = policy_roles();
    struct gate_ctx ctx;
    struct sim m = {0};
    struct run r;

    (void)state;
    commit_pulls(&m, list(pr(12, alice, 1, HEAD), NULL));
    reviews(&m, 12,
            list(review(1, carol, "APPROVED", HEAD, "2026-11-19T10:00:00Z"),
                 review(2, frank, "APPROVED", HEAD, "2026-11-19T10:00:00Z"), NULL));
    sim_add(&m, GH_OK, pr(40, frank, 0, HEAD), R "/pulls/40");
    reviews(&m, 40,
            list(review(3, erin, "APPROVED", HEAD, "2026-11-20T10:00:00Z"),
                 review(4, carol, "CHANGES_REQUESTED", HEAD, "2026-11-20T10:00:00Z"), NULL));
    member(&m, "ops-leads", "carol", "active");
    member(&m, "product-owners", "erin", "active");
    member(&m, "product-owners", "frank", "active");
    ctx = ctx_new(rule, roles);
    ctx.release_pr = 40;
    run_gate(&r, "role_approval", ctx, &m);
    assert_int_equal(r.rounds, 3);
    assert_int_equal(gh_find(&r.s, R "/pulls/40")->paging, GH_SINGLE);
    /* frank wrote the release pull request: his approval of #12 cannot count */
    assert_null(gh_find(&r.s, "/orgs/bbws/teams/product-owners/memberships/frank"));
    assert_int_equal(r.v, VERDICT_PASS);
    assert_string_equal(joined(at(r.f.details, "product-owner.approved_by")), "erin");
    assert_string_equal(joined(at(r.f.details, "ops-lead.approved_by")), "carol");
    assert_true(json_is_true(at(r.ev.data, "pull_requests.1.release")));
    run_release(&r);
    sim_release(&m);
    json_decref(rule);
    json_decref(roles);
}

static void
test_role_approval_pending_membership(void **state)
{
    json_t *rule = J("{'require': {'ops-lead': 1}}"), *roles = policy_roles();
    struct sim m = {0};
    struct run r;

    (void)state;
    commit_pulls(&m, list(pr(12, alice, 1, HEAD), NULL));
    reviews(&m, 12, list(review(1, carol, "APPROVED", HEAD, "2026-11-19T10:00:00Z"), NULL));
    member(&m, "ops-leads", "carol", "pending");
    run_gate(&r, "role_approval", ctx_new(rule, roles), &m);
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_int_equal(json_array_size(at(r.ev.data, "approvers.0.roles")), 0);
    run_release(&r);
    sim_release(&m);
    json_decref(rule);
    json_decref(roles);
}

static void
test_role_approval_errors(void **state)
{
    const struct gate *g = gate_find("role_approval");
    json_t *rule = J("{'require': {'qa-lead': 1}}"), *ok = J("{'require': {'ops-lead': 1}}");
    json_t *roles = policy_roles();
    struct gate_ctx ctx;
    struct canned *c;
    struct sim m = {0};
    struct run r;

    (void)state;
    assert_int_equal(g->needs_actor, 1);
    commit_pulls(&m, list(pr(12, alice, 1, HEAD), NULL));
    reviews(&m, 12, list(review(1, carol, "APPROVED", HEAD, "2026-11-19T10:00:00Z"), NULL));
    run_gate(&r, "role_approval", ctx_new(rule, roles), &m);
    assert_int_equal(r.collected, -1);
    assert_string_equal(r.e.msg, "role 'qa-lead' is not defined in the policy's roles");
    run_release(&r);
    /* no actor: the data is still planned (the actor may become known later), but
     * collect refuses and says why */
    ctx = ctx_new(ok, roles);
    ctx.actor = NULL;
    ctx.actor_error = "cannot establish who is promoting: GET /user: 401";
    run_gate(&r, "role_approval", ctx, &m);
    assert_int_equal(r.rounds, 3);
    assert_int_equal(r.collected, -1);
    assert_string_equal(r.e.msg, "cannot establish who is promoting: GET /user: 401");
    run_release(&r);
    /* a failed membership request */
    c = sim_add(&m, GH_FAILED, NULL, "/orgs/bbws/teams/ops-leads/memberships/carol");
    snprintf(c->error, sizeof(c->error), "HTTP 403: permission denied");
    run_gate(&r, "role_approval", ctx_new(ok, roles), &m);
    assert_int_equal(r.collected, -1);
    assert_int_equal(r.e.code, EXIT_EVAL);
    assert_string_equal(r.e.msg,
                        "GET /orgs/bbws/teams/ops-leads/memberships/carol: HTTP 403: permission "
                        "denied");
    run_release(&r);
    sim_release(&m);
    json_decref(rule);
    json_decref(ok);
    json_decref(roles);
}

static void
test_role_approval_check_rule(void **state)
{
    const struct gate *g = gate_find("role_approval");
    json_t *good = J("{'require': {'ops-lead': 2}}"), *zero = J("{'require': {'ops-lead': 0}}");
    json_t *empty = J("{'require': {}}");
    struct err e = ERR_INIT;

    (void)state;
    assert_int_equal(g->check_rule(good, "$.g", &e), 0);
    assert_int_equal(g->check_rule(zero, "$.g", &e), -1);
    assert_string_equal(e.msg, "$.g.require.ops-lead: must be an integer from 1 to 100");
    assert_int_equal(g->check_rule(empty, "$.g", &e), -1);
    assert_string_equal(e.msg, "$.g.require: must name at least one role");
    json_decref(good);
    json_decref(zero);
    json_decref(empty);
}

/* ================= roles ================= */

static void
expect_roles_error(const char *text, const char *want)
{
    json_t *roles = J("%s", text);
    struct err e = ERR_INIT;

    assert_int_equal(roles_check(roles, "p.json", &e), -1);
    assert_int_equal(e.code, EXIT_USAGE);
    assert_string_equal(e.msg, want);
    json_decref(roles);
}

static void
test_roles_check(void **state)
{
    json_t *roles = policy_roles(), *req = J("{'ops-lead': 1, 'qa-lead': 1}");
    struct err e = ERR_INIT;

    (void)state;
    assert_int_equal(roles_check(roles, "p.json", &e), 0);
    expect_roles_error("[]", "invalid policy 'p.json': $.roles: must be an object of role name "
                             "-> {\"team\": ...}");
    expect_roles_error("{'tech-lead': {'team': 'bbws'}}",
                       "invalid policy 'p.json': $.roles.tech-lead.team: must be ORG/TEAM-SLUG");
    expect_roles_error("{'tech-lead': {'team': 'bbws/a/b'}}",
                       "invalid policy 'p.json': $.roles.tech-lead.team: must be ORG/TEAM-SLUG");
    expect_roles_error("{'tech-lead': {'team': '/leads'}}",
                       "invalid policy 'p.json': $.roles.tech-lead.team: must be ORG/TEAM-SLUG");
    expect_roles_error("{'tech-lead': {'team': 7}}",
                       "invalid policy 'p.json': $.roles.tech-lead.team: must be ORG/TEAM-SLUG");
    expect_roles_error("{'tech-lead': {}}",
                       "invalid policy 'p.json': $.roles.tech-lead.team: missing");
    expect_roles_error("{'tech-lead': {'team': 'bbws/leads', 'members': []}}",
                       "invalid policy 'p.json': $.roles.tech-lead.members: unknown key");
    expect_roles_error("{'tech-lead': 'bbws/leads'}",
                       "invalid policy 'p.json': $.roles.tech-lead: must be an object "
                       "{\"team\": \"ORG/TEAM-SLUG\"}");
    expect_roles_error("{'tech lead': {'team': 'bbws/leads'}}",
                       "invalid policy 'p.json': $.roles.tech lead: a role name is 1 to 64 "
                       "letters, digits, '-' or '_'");
    assert_int_equal(roles_check_require(req, roles, "$.promotions[1].gates[2].require", &e), -1);
    assert_int_equal(e.code, EXIT_USAGE);
    assert_string_equal(e.msg, "$.promotions[1].gates[2].require.qa-lead: unknown role 'qa-lead' "
                               "(not in $.roles)");
    assert_int_equal(roles_check_require(req, NULL, "$.r", &e), -1);
    json_object_del(req, "qa-lead");
    assert_int_equal(roles_check_require(req, roles, "$.r", &e), 0);
    json_decref(roles);
    json_decref(req);
}

static void
test_roles_membership(void **state)
{
    json_t *roles = policy_roles();
    struct gh_store s = GH_STORE_INIT;
    struct err e = ERR_INIT;
    struct gh_res *r;
    int member = -1;

    (void)state;
    assert_int_equal(roles_want(&s, roles, "ops-lead", "carol", &e), 0);
    assert_int_equal(roles_want(&s, roles, "ops-lead", "carol", &e), 0); /* memoised */
    assert_int_equal(s.n, 1);
    assert_string_equal(s.res[0].path, "/orgs/bbws/teams/ops-leads/memberships/carol");
    assert_int_equal(s.res[0].paging, GH_SINGLE);
    assert_int_equal(roles_want(&s, roles, "qa-lead", "carol", &e), -1);
    assert_string_equal(e.msg, "unknown role 'qa-lead' (not in the policy's roles)");
    /* a bot login is percent-encoded */
    assert_int_equal(roles_want(&s, roles, "ops-lead", "ci[bot]", &e), 0);
    assert_string_equal(s.res[1].path, "/orgs/bbws/teams/ops-leads/memberships/ci%5Bbot%5D");
    /* not fetched yet */
    assert_int_equal(roles_is_member(&member, &s, roles, "ops-lead", "carol", &e), -1);
    assert_string_equal(e.msg, "GET /orgs/bbws/teams/ops-leads/memberships/carol: not fetched");
    assert_int_equal(roles_is_member(&member, &s, roles, "tech-lead", "carol", &e), -1);
    r = &s.res[0];
    r->state = GH_NOT_FOUND;
    assert_int_equal(roles_is_member(&member, &s, roles, "ops-lead", "carol", &e), 0);
    assert_int_equal(member, 0);
    r->state = GH_OK;
    r->json = J("{'state': 'active', 'role': 'maintainer'}");
    assert_int_equal(roles_is_member(&member, &s, roles, "ops-lead", "carol", &e), 0);
    assert_int_equal(member, 1);
    json_object_set_new(r->json, "state", json_string("pending"));
    assert_int_equal(roles_is_member(&member, &s, roles, "ops-lead", "carol", &e), 0);
    assert_int_equal(member, 0);
    json_object_del(r->json, "state");
    assert_int_equal(roles_is_member(&member, &s, roles, "ops-lead", "carol", &e), -1);
    assert_string_equal(e.msg, "unexpected response from GET "
                               "/orgs/bbws/teams/ops-leads/memberships/carol: 'state' is not a "
                               "string");
    gh_store_release(&s);
    json_decref(roles);
}

/* ================= status_checks ================= */

static json_t *
run_(int id, const char *name, const char *status, const char *conclusion, const char *started)
{
    return json_pack("{s:i, s:s, s:s, s:s?, s:s?, s:s}", "id", id, "name", name, "status", status,
                     "conclusion", conclusion, "started_at", started, "head_sha", SHA);
}

static json_t *
status_(const char *context, const char *state)
{
    return json_pack("{s:s, s:s}", "context", context, "state", state);
}

static void
checks(struct sim *m, json_t *runs, json_t *statuses)
{
    sim_add(m, GH_OK,
            json_pack("{s:I, s:o}", "total_count", (json_int_t)json_array_size(runs), "check_runs",
                      runs),
            R "/commits/%s/check-runs", SHA);
    sim_add(m, GH_OK,
            json_pack("{s:s, s:I, s:o}", "state", "success", "total_count",
                      (json_int_t)json_array_size(statuses), "statuses", statuses),
            R "/commits/%s/status", SHA);
}

static void
test_status_checks_latest_run_wins(void **state)
{
    json_t *rule = J("{'contexts': ['build', 'regression', 'deploy']}");
    struct sim m = {0};
    struct run r;

    (void)state;
    checks(&m,
           list(run_(1, "build", "completed", "failure", "2026-11-19T10:00:00Z"),
                run_(2, "build", "completed", "success", "2026-11-19T11:00:00Z"),
                run_(4, "regression", "completed", "failure", "2026-11-19T11:00:00Z"),
                run_(3, "regression", "completed", "success", "2026-11-19T11:00:00Z"),
                run_(5, "deploy", "completed", "success", "2026-11-19T10:00:00Z"),
                run_(6, "deploy", "queued", NULL, NULL), NULL),
           J("[]"));
    run_gate(&r, "status_checks", ctx_new(rule, NULL), &m);
    assert_int_equal(r.rounds, 1);
    assert_int_equal(gh_find(&r.s, R "/commits/%s/check-runs", SHA)->paging, GH_PAGES_KEY);
    assert_string_equal(gh_find(&r.s, R "/commits/%s/check-runs", SHA)->items_key, "check_runs");
    assert_string_equal(gh_find(&r.s, R "/commits/%s/status", SHA)->items_key, "statuses");
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_string_equal(r.f.summary,
                        "2 of 3 checks not green: regression (failure), deploy (pending)");
    assert_string_equal(json_string_value(at(r.f.details, "build.state")), "success");
    assert_string_equal(json_string_value(at(r.f.details, "build.source")), "check_run");
    assert_string_equal(json_string_value(at(r.f.details, "regression.state")), "failure");
    assert_int_equal(json_integer_value(at(r.ev.data, "check_runs.regression.id")), 4);
    run_release(&r);
    sim_release(&m);
    json_decref(rule);
}

static void
test_status_checks_neutral_skipped(void **state)
{
    json_t *strict = J("{'contexts': ['lint', 'docs']}");
    json_t *neutral = J("{'contexts': ['lint', 'docs'], 'allow_neutral': true}");
    json_t *both = J("{'contexts': ['lint', 'docs'], 'allow_neutral': true, 'allow_skipped': "
                     "true}");
    struct sim m = {0};
    struct run r;

    (void)state;
    checks(&m,
           list(run_(1, "lint", "completed", "neutral", "2026-11-19T10:00:00Z"),
                run_(2, "docs", "completed", "skipped", "2026-11-19T10:00:00Z"), NULL),
           J("[]"));
    run_gate(&r, "status_checks", ctx_new(strict, NULL), &m);
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_string_equal(r.f.summary, "2 of 2 checks not green: lint (neutral), docs (skipped)");
    run_release(&r);
    run_gate(&r, "status_checks", ctx_new(neutral, NULL), &m);
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_string_equal(r.f.summary, "1 of 2 checks not green: docs (skipped)");
    run_release(&r);
    run_gate(&r, "status_checks", ctx_new(both, NULL), &m);
    assert_int_equal(r.v, VERDICT_PASS);
    assert_string_equal(r.f.summary, "all 2 checks green");
    assert_string_equal(json_string_value(at(r.f.details, "lint.state")), "neutral");
    run_release(&r);
    sim_release(&m);
    json_decref(strict);
    json_decref(neutral);
    json_decref(both);
}

static void
test_status_checks_status_and_run(void **state)
{
    json_t *rule = J("{'contexts': ['build', 'ci/jenkins', 'regression', 'uat']}");
    struct sim m = {0};
    struct run r;

    (void)state;
    /* statuses are newest first: the first per context counts */
    checks(&m,
           list(run_(1, "build", "completed", "success", "2026-11-19T10:00:00Z"),
                run_(2, "ci/jenkins", "completed", "success", "2026-11-19T10:00:00Z"),
                run_(3, "regression", "completed", "failure", "2026-11-19T10:00:00Z"), NULL),
           list(status_("build", "success"), status_("ci/jenkins", "success"),
                status_("build", "failure"), NULL));
    run_gate(&r, "status_checks", ctx_new(rule, NULL), &m);
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_string_equal(r.f.summary,
                        "2 of 4 checks not green: regression (failure), uat (missing)");
    assert_string_equal(json_string_value(at(r.f.details, "build.state")), "success");
    assert_string_equal(json_string_value(at(r.f.details, "build.source")), "both");
    assert_string_equal(json_string_value(at(r.f.details, "uat.state")), "missing");
    assert_true(json_is_null(at(r.f.details, "uat.source")));
    run_release(&r);
    sim_release(&m);
    /* in both, a failed status fails the context though the run succeeded */
    checks(&m, list(run_(1, "build", "completed", "success", "2026-11-19T10:00:00Z"), NULL),
           list(status_("build", "failure"), status_("deploy", "pending"), NULL));
    json_decref(rule);
    rule = J("{'contexts': ['build', 'deploy']}");
    run_gate(&r, "status_checks", ctx_new(rule, NULL), &m);
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_string_equal(r.f.summary, "2 of 2 checks not green: build (failure), deploy (pending)");
    assert_string_equal(json_string_value(at(r.f.details, "build.source")), "both");
    assert_string_equal(json_string_value(at(r.f.details, "deploy.source")), "status");
    run_release(&r);
    sim_release(&m);
    json_decref(rule);
}

/* status_checks on what M answers fails to collect, with WANT (NULL: any message);
 * M is emptied. */
static void
status_checks_refused(struct sim *m, json_t *rule, const char *want)
{
    struct run r;

    run_gate(&r, "status_checks", ctx_new(rule, NULL), m);
    assert_int_equal(r.collected, -1);
    if (want)
        assert_string_equal(r.e.msg, want);
    run_release(&r);
    sim_release(m);
}

static void
test_status_checks_errors(void **state)
{
    json_t *rule = J("{'contexts': ['build']}");
    struct canned *c;
    struct sim m = {0};

    (void)state;
    c = sim_add(&m, GH_FAILED, NULL, R "/commits/%s/check-runs", SHA);
    snprintf(c->error, sizeof(c->error), "HTTP 500 after 3 retries");
    sim_add(&m, GH_OK, J("{'statuses': []}"), R "/commits/%s/status", SHA);
    status_checks_refused(&m, rule,
                          "GET " R "/commits/" SHA "/check-runs: HTTP 500 after 3 retries");
    sim_add(&m, GH_OK, J("{'check_runs': {}}"), R "/commits/%s/check-runs", SHA);
    sim_add(&m, GH_OK, J("{'statuses': []}"), R "/commits/%s/status", SHA);
    status_checks_refused(&m, rule,
                          "unexpected response from GET " R "/commits/" SHA
                          "/check-runs: 'check_runs' is not an array");
    checks(&m,
           J("[{'id': 1, 'name': 'build', 'status': 'completed', 'conclusion': 7, "
             "'started_at': null}]"),
           J("[]"));
    status_checks_refused(&m, rule, NULL);
    /* a list is whole only when it has as many items as it declares */
    sim_add(&m, GH_OK,
            J("{'total_count': 3, 'check_runs': [{'id': 1, 'name': 'build', 'status': "
              "'completed', 'conclusion': 'success', 'started_at': null}]}"),
            R "/commits/%s/check-runs", SHA);
    sim_add(&m, GH_OK, J("{'total_count': 0, 'statuses': []}"), R "/commits/%s/status", SHA);
    status_checks_refused(&m, rule,
                          "GET " R "/commits/" SHA "/check-runs: 1 check_runs read, but the "
                          "list declares 3 (it changed while it was read, or a page is "
                          "missing)");
    checks(&m, list(run_(1, "build", "completed", "success", "2026-11-19T10:00:00Z"), NULL),
           J("[]"));
    json_object_set_new(m.c[1].json, "total_count", json_string("0"));
    status_checks_refused(&m, rule,
                          "unexpected response from GET " R "/commits/" SHA
                          "/status: 'total_count' is not an integer");
    json_decref(rule);
}

static void
expect_policy(const char *gate, const char *want)
{
    struct policy *p = NULL;
    struct err e = ERR_INIT;
    char text[2048];
    int rc;

    snprintf(text, sizeof(text),
             "{\"version\": 1, \"environments\": ["
             "{\"name\": \"dev\", \"branch\": \"develop\", \"aws_account_id\": \"123456789012\", "
             "\"region\": \"eu-west-1\"},"
             "{\"name\": \"sit\", \"branch\": \"release\", \"aws_account_id\": \"123456789013\", "
             "\"region\": \"eu-west-1\"}],"
             "\"promotions\": [{\"from\": \"dev\", \"to\": \"sit\", \"gates\": [%s]}]}",
             gate);
    rc = policy_load(&p, text, strlen(text), "p.json", &e);
    if (!want) {
        if (rc < 0)
            fail_msg("%s", e.msg);
    } else {
        assert_int_equal(rc, -1);
        assert_string_equal(e.msg, want);
    }
    policy_free(p);
}

static void
test_status_checks_policy(void **state)
{
    (void)state;
    expect_policy("{\"name\": \"c\", \"type\": \"status_checks\", \"contexts\": [\"build\"]}",
                  NULL);
    expect_policy("{\"name\": \"c\", \"type\": \"status_checks\", \"contexts\": []}",
                  "invalid policy 'p.json': $.promotions[0].gates[0].contexts: must be a "
                  "non-empty array of non-empty strings");
    expect_policy("{\"name\": \"c\", \"type\": \"status_checks\", \"contexts\": [\"a\", \"\"]}",
                  "invalid policy 'p.json': $.promotions[0].gates[0].contexts: must be a "
                  "non-empty array of non-empty strings");
    expect_policy("{\"name\": \"c\", \"type\": \"status_checks\", \"contexts\": \"build\"}",
                  "invalid policy 'p.json': $.promotions[0].gates[0].contexts: must be a "
                  "non-empty array of non-empty strings");
    expect_policy("{\"name\": \"c\", \"type\": \"status_checks\", \"contexts\": [\"a\", \"a\"]}",
                  "invalid policy 'p.json': $.promotions[0].gates[0].contexts[1]: duplicate "
                  "context 'a'");
    expect_policy("{\"name\": \"c\", \"type\": \"status_checks\"}",
                  "invalid policy 'p.json': $.promotions[0].gates[0].contexts: missing (required "
                  "by this gate type)");
    expect_policy("{\"name\": \"c\", \"type\": \"code_review\", \"min_approvals\": 2, "
                  "\"dismiss_stale\": true}",
                  NULL);
    expect_policy("{\"name\": \"c\", \"type\": \"code_review\"}",
                  "invalid policy 'p.json': $.promotions[0].gates[0].min_approvals: missing "
                  "(required by this gate type)");
    expect_policy("{\"name\": \"c\", \"type\": \"release_notes\", \"changelog\": \"CHANGELOG.md\"}",
                  NULL);
}

/* ================= release_notes ================= */

static const char changelog_md[] = "# Changelog\n"
                                   "\n"
                                   "## [Unreleased]\n"
                                   "\n"
                                   "## [1.4.0] - 2026-11-20\n"
                                   "### Added\n"
                                   "- order export\n"
                                   "\n"
                                   "## v1.3.0\r\n"
                                   "- fixes\r\n"
                                   "\n"
                                   "## 1.2.0\n"
                                   "### Fixed\n"
                                   "\n"
                                   "## 1.1.0-rc1\n"
                                   "- a release candidate\n"
                                   "\n"
                                   "## 1.0.0\n"
                                   "```sh\n"
                                   "# 1.5.0 is not a heading in a code block\n"
                                   "```\n";

static char repo_dir[256];
static char repo_commit[41];
static struct repo *test_repo;

static void
add_file(git_repository *g, git_treebuilder *tb, const char *name, const char *text)
{
    git_oid oid;

    assert_int_equal(git_blob_create_from_buffer(&oid, g, text, strlen(text)), 0);
    assert_int_equal(git_treebuilder_insert(NULL, tb, name, &oid, GIT_FILEMODE_BLOB), 0);
}

static int
setup_repo(void **state)
{
    git_repository *g = NULL;
    git_treebuilder *tb = NULL;
    git_signature *sig = NULL;
    git_tree *tree = NULL;
    git_oid tree_oid, commit_oid;
    struct err e = ERR_INIT;

    (void)state;
    snprintf(repo_dir, sizeof(repo_dir), "%s/promote-ghgates-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(repo_dir))
        return -1;
    if (git_repository_init(&g, repo_dir, 0) < 0 || git_treebuilder_new(&tb, g, NULL) < 0)
        return -1;
    add_file(g, tb, "VERSION", "\xef\xbb\xbf 1.4.0 \r\nignored second line\n");
    add_file(g, tb, "EMPTYVERSION", "\n1.0\n");
    add_file(g, tb, "CHANGELOG.md", changelog_md);
    if (git_treebuilder_write(&tree_oid, tb) < 0 || git_tree_lookup(&tree, g, &tree_oid) < 0 ||
        git_signature_new(&sig, "Test", "test@example.com", 1763640000, 0) < 0 ||
        git_commit_create(&commit_oid, g, "HEAD", sig, sig, NULL, "release 1.4.0", tree, 0, NULL) <
            0)
        return -1;
    git_oid_tostr(repo_commit, sizeof(repo_commit), &commit_oid);
    git_signature_free(sig);
    git_tree_free(tree);
    git_treebuilder_free(tb);
    git_repository_free(g);
    return repo_open(&test_repo, repo_dir, &e);
}

static void
rm_rf(const char *path)
{
    struct stat st;
    struct dirent *d;
    DIR *dir;
    char sub[1024];

    if (lstat(path, &st) < 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        dir = opendir(path);
        while (dir && (d = readdir(dir)) != NULL) {
            if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
                continue;
            snprintf(sub, sizeof(sub), "%s/%s", path, d->d_name);
            rm_rf(sub);
        }
        if (dir)
            closedir(dir);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static int
teardown_repo(void **state)
{
    (void)state;
    repo_free(test_repo);
    test_repo = NULL;
    if (repo_dir[0])
        rm_rf(repo_dir);
    return 0;
}

static struct gate_ctx
notes_ctx(const json_t *rule, const char *version)
{
    struct gate_ctx ctx = ctx_new(rule, NULL);

    ctx.repo = test_repo;
    ctx.commit = repo_commit;
    ctx.release_version = version;
    return ctx;
}

static void
releases(struct sim *m, json_t *arr)
{
    sim_add(m, GH_OK, arr, R "/releases");
}

static void
test_release_notes_release(void **state)
{
    json_t *rule = J("{}");
    struct sim m = {0};
    struct run r;

    (void)state;
    releases(&m, J("[{'tag_name': 'v1.3.0', 'draft': false, 'body': 'old'}, "
                   "{'tag_name': 'v1.4.0', 'draft': true, 'body': 'Order export.'}]"));
    run_gate(&r, "release_notes", notes_ctx(rule, "1.4.0"), &m);
    assert_int_equal(r.rounds, 1);
    assert_int_equal(gh_find(&r.s, R "/releases")->paging, GH_PAGES);
    assert_int_equal(r.v, VERDICT_PASS);
    assert_string_equal(r.f.summary, "release notes for 1.4.0: GitHub release v1.4.0 (draft)");
    assert_string_equal(json_string_value(at(r.f.details, "version")), "1.4.0");
    assert_string_equal(json_string_value(at(r.f.details, "release.tag_name")), "v1.4.0");
    assert_true(json_is_true(at(r.f.details, "release.draft")));
    assert_true(json_is_true(at(r.f.details, "release.has_body")));
    assert_true(json_is_null(at(r.f.details, "changelog")));
    assert_string_equal(json_string_value(at(r.f.details, "satisfied_by")), "release");
    run_release(&r);
    sim_release(&m);
    /* an empty (whitespace) or null body does not */
    releases(&m, J("[{'tag_name': '1.4.0', 'draft': false, 'body': ' \\n\\t'}]"));
    run_gate(&r, "release_notes", notes_ctx(rule, "1.4.0"), &m);
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_string_equal(r.f.summary,
                        "no release notes for 1.4.0: GitHub release 1.4.0 has an empty body");
    assert_false(json_is_true(at(r.f.details, "release.has_body")));
    assert_true(json_is_null(at(r.f.details, "satisfied_by")));
    run_release(&r);
    sim_release(&m);
    releases(&m, J("[{'tag_name': 'v1.4.0', 'draft': false, 'body': null}, "
                   "{'tag_name': 'v1.4.0-rc1', 'draft': false, 'body': 'rc'}]"));
    run_gate(&r, "release_notes", notes_ctx(rule, "1.4.0"), &m);
    assert_int_equal(r.v, VERDICT_FAIL);
    run_release(&r);
    sim_release(&m);
    releases(&m, J("[]"));
    run_gate(&r, "release_notes", notes_ctx(rule, "1.4.0"), &m);
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_string_equal(r.f.summary,
                        "no release notes for 1.4.0: no GitHub release tagged 1.4.0 or v1.4.0");
    assert_true(json_is_null(at(r.f.details, "release")));
    run_release(&r);
    sim_release(&m);
    json_decref(rule);
}

static void
test_release_notes_changelog(void **state)
{
    json_t *rule = J("{'changelog': 'CHANGELOG.md'}");
    json_t *file = J("{'version_file': 'VERSION', 'changelog': 'CHANGELOG.md'}");
    struct sim m = {0};
    struct run r;

    (void)state;
    releases(&m, J("[{'tag_name': 'v1.4.0', 'draft': false, 'body': ''}]"));
    /* the version from the version file: BOM, blanks and CR trimmed */
    run_gate(&r, "release_notes", notes_ctx(file, NULL), &m);
    assert_int_equal(r.collected, 0);
    assert_int_equal(r.v, VERDICT_PASS);
    assert_string_equal(r.f.summary,
                        "release notes for 1.4.0: '## [1.4.0] - 2026-11-20' in CHANGELOG.md");
    assert_string_equal(json_string_value(at(r.ev.data, "version_source")), "version_file");
    assert_string_equal(json_string_value(at(r.f.details, "changelog.path")), "CHANGELOG.md");
    assert_true(json_is_true(at(r.f.details, "changelog.has_section")));
    assert_string_equal(json_string_value(at(r.f.details, "satisfied_by")), "changelog");
    run_release(&r);
    /* --release-version wins over the file */
    run_gate(&r, "release_notes", notes_ctx(file, "1.3.0"), &m);
    assert_int_equal(r.v, VERDICT_PASS);
    assert_string_equal(r.f.summary, "release notes for 1.3.0: '## v1.3.0' in CHANGELOG.md");
    assert_string_equal(json_string_value(at(r.ev.data, "version_source")), "release_version");
    run_release(&r);
    /* a heading whose section has only a sub-heading is empty */
    run_gate(&r, "release_notes", notes_ctx(rule, "1.2.0"), &m);
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_string_equal(r.f.summary, "no release notes for 1.2.0: no GitHub release tagged 1.2.0 "
                                     "or v1.2.0; the 1.2.0 section of CHANGELOG.md is empty");
    assert_false(json_is_true(at(r.f.details, "changelog.has_section")));
    assert_string_equal(json_string_value(at(r.ev.data, "changelog.heading")), "## 1.2.0");
    run_release(&r);
    /* 1.1.0 is not 1.1.0-rc1; 1.5.0 sits in a code block */
    run_gate(&r, "release_notes", notes_ctx(rule, "1.1.0"), &m);
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_string_equal(r.f.summary, "no release notes for 1.1.0: no GitHub release tagged 1.1.0 "
                                     "or v1.1.0; no heading for 1.1.0 in CHANGELOG.md");
    run_release(&r);
    run_gate(&r, "release_notes", notes_ctx(rule, "1.5.0"), &m);
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_true(json_is_null(at(r.ev.data, "changelog.heading")));
    run_release(&r);
    run_gate(&r, "release_notes", notes_ctx(rule, "1.0.0"), &m);
    assert_int_equal(r.v, VERDICT_PASS); /* the code block is text */
    run_release(&r);
    run_gate(&r, "release_notes", notes_ctx(rule, "4.0"), &m);
    assert_int_equal(r.v, VERDICT_FAIL); /* "1.4.0" does not contain the token "4.0" */
    run_release(&r);
    sim_release(&m);
    json_decref(rule);
    json_decref(file);
}

static void
test_release_notes_errors(void **state)
{
    json_t *none = J("{}"), *missing = J("{'version_file': 'NOPE'}");
    json_t *empty = J("{'version_file': 'EMPTYVERSION'}");
    json_t *nocl = J("{'changelog': 'NEWS.md'}");
    struct sim m = {0};
    struct canned *c;
    struct run r;
    char want[256];

    (void)state;
    releases(&m, J("[]"));
    run_gate(&r, "release_notes", notes_ctx(none, NULL), &m);
    assert_int_equal(r.collected, -1);
    assert_string_equal(r.e.msg, "no version to look for: give --release-version or set the "
                                 "gate's version_file");
    run_release(&r);
    run_gate(&r, "release_notes", notes_ctx(missing, NULL), &m);
    assert_int_equal(r.collected, -1);
    snprintf(want, sizeof(want), "no 'NOPE' at commit %.12s", repo_commit);
    assert_string_equal(r.e.msg, want);
    run_release(&r);
    run_gate(&r, "release_notes", notes_ctx(empty, NULL), &m);
    assert_int_equal(r.collected, -1);
    snprintf(want, sizeof(want), "'EMPTYVERSION' at commit %.12s: the first line is empty",
             repo_commit);
    assert_string_equal(r.e.msg, want);
    run_release(&r);
    run_gate(&r, "release_notes", notes_ctx(nocl, "1.4.0"), &m);
    assert_int_equal(r.collected, -1);
    snprintf(want, sizeof(want), "no 'NEWS.md' at commit %.12s", repo_commit);
    assert_string_equal(r.e.msg, want);
    run_release(&r);
    run_gate(&r, "release_notes", notes_ctx(none, "1.4 0"), &m);
    assert_int_equal(r.collected, -1);
    run_release(&r);
    sim_release(&m);
    c = sim_add(&m, GH_FAILED, NULL, R "/releases");
    snprintf(c->error, sizeof(c->error), "GET %s: HTTP 401: bad credentials", c->path);
    run_gate(&r, "release_notes", notes_ctx(none, "1.4.0"), &m);
    assert_int_equal(r.collected, -1);
    assert_string_equal(r.e.msg, "GET " R "/releases: HTTP 401: bad credentials");
    run_release(&r);
    sim_release(&m);
    releases(&m, J("[{'tag_name': 'v1.4.0', 'draft': 'no', 'body': 'x'}]"));
    run_gate(&r, "release_notes", notes_ctx(none, "1.4.0"), &m);
    assert_int_equal(r.collected, -1);
    assert_string_equal(r.e.msg, "unexpected response from GET " R "/releases: release 'v1.4.0': "
                                 "needs 'draft' (boolean) and 'body' (string or null)");
    run_release(&r);
    sim_release(&m);
    json_decref(none);
    json_decref(missing);
    json_decref(empty);
    json_decref(nocl);
}

static void
test_registry(void **state)
{
    static const char *const types[] = {"code_review", "role_approval", "status_checks",
                                        "release_notes"};
    size_t i;

    (void)state;
    for (i = 0; i < 4; i++) {
        const struct gate *g = gate_find(types[i]);

        assert_non_null(g);
        assert_non_null(g->plan);
        assert_non_null(g->collect);
        assert_non_null(g->evaluate);
        assert_int_equal(g->needs_evidence, 0);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_code_review_two_rounds),
        cmocka_unit_test(test_code_review_approved_then_changes_requested),
        cmocka_unit_test(test_code_review_changes_requested_then_approved),
        cmocka_unit_test(test_code_review_dismissed),
        cmocka_unit_test(test_code_review_author_self_approval),
        cmocka_unit_test(test_code_review_null_user),
        cmocka_unit_test(test_code_review_dismiss_stale),
        cmocka_unit_test(test_code_review_commit_in_two_prs),
        cmocka_unit_test(test_code_review_many_prs),
        cmocka_unit_test(test_code_review_250_reviews_three_pages),
        cmocka_unit_test(test_code_review_failed_resource),
        cmocka_unit_test(test_code_review_malformed),
        cmocka_unit_test(test_code_review_evaluate_bad_evidence),
        cmocka_unit_test(test_role_approval_three_rounds),
        cmocka_unit_test(test_role_approval_matching_two_teams),
        cmocka_unit_test(test_role_approval_same_team),
        cmocka_unit_test(test_role_approval_actor_and_author_never_count),
        cmocka_unit_test(test_role_approval_release_pr),
        cmocka_unit_test(test_role_approval_pending_membership),
        cmocka_unit_test(test_role_approval_errors),
        cmocka_unit_test(test_role_approval_check_rule),
        cmocka_unit_test(test_roles_check),
        cmocka_unit_test(test_roles_membership),
        cmocka_unit_test(test_status_checks_latest_run_wins),
        cmocka_unit_test(test_status_checks_neutral_skipped),
        cmocka_unit_test(test_status_checks_status_and_run),
        cmocka_unit_test(test_status_checks_errors),
        cmocka_unit_test(test_status_checks_policy),
        cmocka_unit_test_setup_teardown(test_release_notes_release, setup_repo, teardown_repo),
        cmocka_unit_test_setup_teardown(test_release_notes_changelog, setup_repo, teardown_repo),
        cmocka_unit_test_setup_teardown(test_release_notes_errors, setup_repo, teardown_repo),
    };
    int rc;

    git_libgit2_init();
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    git_libgit2_shutdown();
    return rc;
}
