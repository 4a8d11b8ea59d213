/* role_approval: approvals by members of the policy's roles (GitHub teams) on the
 * commit's pull requests or the release pull request; each approver fills at most one
 * role, assigned by maximum bipartite matching; the promoter and the authors never count. */
#include "gate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/base/buf.h"
#include "core/github/gh.h"
#include "core/ledger/history.h"
#include "core/github/roles.h"

#define ROLE_COUNT_MAX 100

static const struct gate_param role_approval_params[] = {
    {"require", PARAM_OBJECT, 1},
    {NULL, 0, 0},
};

static int
role_approval_check_rule(const json_t *rule, const char *jpath, struct err *e)
{
    const json_t *req = json_object_get(rule, "require");
    const char *role;
    json_t *v;

    if (json_object_size(req) == 0)
        return err_set(e, EXIT_USAGE, "%s.require: must name at least one role", jpath);
    json_object_foreach((json_t *)req, role, v) {
        if (!json_is_integer(v) || json_integer_value(v) < 1 ||
            json_integer_value(v) > ROLE_COUNT_MAX)
            return err_set(e, EXIT_USAGE, "%s.require.%.64s: must be an integer from 1 to %d",
                           jpath, role, ROLE_COUNT_MAX);
    }
    return 0;
}

static int
str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of OBJ, sorted; *N is their count. NULL on allocation failure. */
static const char **
sorted_keys(const json_t *obj, size_t *n)
{
    const char **keys = calloc(json_object_size(obj) + 1, sizeof(*keys));
    const char *k;
    json_t *v;

    *n = 0;
    if (!keys)
        return NULL;
    json_object_foreach((json_t *)obj, k, v) {
        (void)v;
        keys[(*n)++] = k;
    }
    if (*n)
        qsort(keys, *n, sizeof(*keys), str_cmp);
    return keys;
}

/* What plan and collect both walk: the pull requests, their deciding reviews, who may
 * count. With S (plan) it asks for what is missing and stops where data is not there
 * yet; without S (collect) anything missing or malformed is an error. */
struct walk {
    const struct gate_ctx *ctx;
    struct gh_store *s;
    json_t *pulls;     /* [{number, merged, author, author_id, release}] */
    json_t *approvers; /* {"<user id>": {"login", "id", "roles": []}} */
    json_t *ignored;   /* {"<login>": reason} */
    int want_failed;   /* a request could not be recorded: plan reports that error */
};

static void
walk_release(struct walk *w)
{
    json_decref(w->pulls);
    json_decref(w->approvers);
    json_decref(w->ignored);
}

/* The fetched body at PATH; 1 there, 0 (plan only) not yet, -1 error. */
static int
body_at(const json_t **out, struct walk *w, enum gh_paging paging, const char *path, struct err *e)
{
    const struct gh_res *r;

    *out = NULL;
    if (w->s) {
        if (gh_want(w->s, paging, NULL, e, "%s", path) < 0) {
            w->want_failed = 1;
            return -1;
        }
        r = gh_find(w->ctx->gh, "%s", path);
        if (!r || r->state != GH_OK || !r->json)
            return 0;
        *out = r->json;
        return 1;
    }
    return roles_res_body(out, gh_find(w->ctx->gh, "%s", path), path, e) < 0 ? -1 : 1;
}

static json_t *
find_pull(const json_t *pulls, json_int_t number)
{
    size_t i;

    for (i = 0; i < json_array_size(pulls); i++)
        if (json_integer_value(json_object_get(json_array_get(pulls, i), "number")) == number)
            return json_array_get(pulls, i);
    return NULL;
}

static int
add_pull(struct walk *w, const json_t *raw, const char *where, int release, struct err *e)
{
    json_t *pr = NULL, *have;

    if (roles_pull(&pr, raw, where, e) < 0)
        return -1;
    have = find_pull(w->pulls, json_integer_value(json_object_get(pr, "number")));
    if (have) {
        json_decref(pr);
        if (release && json_object_set_new(have, "release", json_true()) < 0)
            return err_set(e, EXIT_EVAL, "out of memory");
        return 0;
    }
    json_object_del(pr, "head_sha");
    if (json_object_set_new(pr, "release", json_boolean(release)) < 0 ||
        json_array_append_new(w->pulls, pr) < 0)
        return err_set(e, EXIT_EVAL, "out of memory");
    return 0;
}

/* Round 1: the commit's pull requests and the release pull request. 1 all known. */
static int
walk_pulls(struct walk *w, struct err *e)
{
    const struct gate_ctx *ctx = w->ctx;
    const json_t *list, *rel = NULL;
    char path[1024], where[1100];
    size_t i;
    int rc, rc2 = 1;

    snprintf(path, sizeof(path), "/repos/%s/%s/commits/%s/pulls", ctx->owner, ctx->name,
             ctx->commit);
    rc = body_at(&list, w, GH_PAGES, path, e);
    if (rc < 0)
        return -1;
    if (ctx->release_pr > 0) {
        char rpath[1024];

        snprintf(rpath, sizeof(rpath), "/repos/%s/%s/pulls/%ld", ctx->owner, ctx->name,
                 ctx->release_pr);
        rc2 = body_at(&rel, w, GH_SINGLE, rpath, e);
        if (rc2 < 0)
            return -1;
        if (w->s && gh_want(w->s, GH_PAGES, NULL, e, "%s/reviews", rpath) < 0) {
            w->want_failed = 1;
            return -1;
        }
        if (rc2 > 0) {
            snprintf(where, sizeof(where), "GET %s", rpath);
            if (add_pull(w, rel, where, 1, e) < 0)
                return -1;
        }
    }
    if (rc == 0 || rc2 == 0)
        return 0;
    snprintf(where, sizeof(where), "GET %s", path);
    if (!json_is_array(list))
        return err_set(e, EXIT_EVAL, "unexpected response from %s: not an array", where);
    for (i = 0; i < json_array_size(list); i++)
        if (add_pull(w, json_array_get(list, i), where, 0, e) < 0)
            return -1;
    return 1;
}

static int
is_author(const json_t *pulls, json_int_t user_id)
{
    size_t i;

    for (i = 0; i < json_array_size(pulls); i++) {
        const json_t *a = json_object_get(json_array_get(pulls, i), "author_id");

        if (json_is_integer(a) && json_integer_value(a) == user_id)
            return 1;
    }
    return 0;
}

/* Round 2: each pull request's reviews; who approved, who of them may count. */
static int
walk_reviews(struct walk *w, struct err *e)
{
    const struct gate_ctx *ctx = w->ctx;
    size_t i, j;

    for (i = 0; i < json_array_size(w->pulls); i++) {
        const json_t *pr = json_array_get(w->pulls, i), *reviews, *aid;
        json_t *latest = NULL;
        char path[1024], where[1100];
        int rc;

        snprintf(path, sizeof(path), "/repos/%s/%s/pulls/%lld/reviews", ctx->owner, ctx->name,
                 (long long)json_integer_value(json_object_get(pr, "number")));
        snprintf(where, sizeof(where), "GET %s", path);
        rc = body_at(&reviews, w, GH_PAGES, path, e);
        if (rc < 0)
            return -1;
        if (rc == 0)
            continue;
        aid = json_object_get(pr, "author_id");
        if (roles_reviews(&latest, reviews, json_is_integer(aid) ? json_integer_value(aid) : -1,
                          where, e) < 0)
            return -1;
        for (j = 0; j < json_array_size(latest); j++) {
            const json_t *r = json_array_get(latest, j);
            const char *login = json_string_value(json_object_get(r, "login"));
            json_int_t id = json_integer_value(json_object_get(r, "id"));
            const char *reason = NULL;
            char key[32];
            json_t *a;

            if (strcmp(json_string_value(json_object_get(r, "state")), "APPROVED") != 0)
                continue;
            if (ctx->actor && strcasecmp(login, ctx->actor) == 0)
                reason = "promoter";
            else if (is_author(w->pulls, id))
                reason = "author";
            if (reason) {
                if (json_object_set_new(w->ignored, login, json_string(reason)) < 0)
                    goto oom;
                continue;
            }
            snprintf(key, sizeof(key), "%lld", (long long)id);
            if (json_object_get(w->approvers, key))
                continue;
            a = json_pack("{s:s, s:I, s:[]}", "login", login, "id", id, "roles");
            if (!a || json_object_set_new(w->approvers, key, a) < 0)
                goto oom;
        }
        json_decref(latest);
        continue;
    oom:
        json_decref(latest);
        return err_set(e, EXIT_EVAL, "out of memory");
    }
    return 0;
}

/* Round 3: each approver's membership of each required role's team. */
static int
walk_members(struct walk *w, struct err *e)
{
    const json_t *require = json_object_get(w->ctx->rule, "require");
    const char **roles = NULL;
    const char *key;
    json_t *a;
    size_t i, n;
    int rc = -1;

    roles = sorted_keys(require, &n);
    if (!roles)
        return err_set(e, EXIT_EVAL, "out of memory");
    json_object_foreach(w->approvers, key, a) {
        const char *login = json_string_value(json_object_get(a, "login"));

        for (i = 0; i < n; i++) {
            int member = 0;

            if (w->s) {
                if (roles_team(w->ctx->roles, roles[i]) &&
                    roles_want(w->s, w->ctx->roles, roles[i], login, e) < 0) {
                    w->want_failed = 1;
                    goto done;
                }
                continue;
            }
            if (roles_is_member(&member, w->ctx->gh, w->ctx->roles, roles[i], login, e) < 0)
                goto done;
            if (member &&
                json_array_append_new(json_object_get(a, "roles"), json_string(roles[i])) < 0) {
                err_set(e, EXIT_EVAL, "out of memory");
                goto done;
            }
        }
    }
    rc = 0;
done:
    free(roles);
    return rc;
}

static int
walk_run(struct walk *w, struct err *e)
{
    int rc;

    w->pulls = json_array();
    w->approvers = json_object();
    w->ignored = json_object();
    if (!w->pulls || !w->approvers || !w->ignored)
        return err_set(e, EXIT_EVAL, "out of memory");
    rc = walk_pulls(w, e);
    if (rc <= 0)
        return rc;
    if (walk_reviews(w, e) < 0)
        return -1;
    return walk_members(w, e);
}

static int
role_approval_plan(const struct gate_ctx *ctx, struct gh_store *s, struct err *e)
{
    struct walk w = {ctx, s, NULL, NULL, NULL, 0};
    struct err data_err = ERR_INIT;
    int rc;

    /* the actor may not be known yet in the first rounds: then a membership may be
     * asked for them too, and evaluate still never counts them */
    rc = walk_run(&w, &data_err);
    walk_release(&w);
    if (ctx->explain && rc >= 0) {
        /* who could approve: each required role's team members, for the remedy */
        const char *key;
        json_t *v;

        json_object_foreach((json_t *)json_object_get(ctx->rule, "require"), key, v) {
            (void)v;
            if (roles_team(ctx->roles, key) && roles_members_want(s, ctx->roles, key, e) < 0)
                return -1;
        }
    }
    if (rc < 0 && w.want_failed) {
        *e = data_err;
        return -1;
    }
    return 0; /* malformed data stops the plan here; collect names it */
}

static int
obj_cmp(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    const char *lx = json_string_value(json_object_get(x, "login"));
    const char *ly = json_string_value(json_object_get(y, "login"));
    int c = strcmp(lx ? lx : "", ly ? ly : "");

    if (c)
        return c;
    return json_integer_value(json_object_get(x, "number")) <
                   json_integer_value(json_object_get(y, "number"))
               ? -1
               : json_integer_value(json_object_get(x, "number")) >
                     json_integer_value(json_object_get(y, "number"));
}

/* The values of an object, or the elements of an array, as an array sorted by login,
 * then number. */
static json_t *
sorted_array(const json_t *src)
{
    size_t i, n = json_is_array(src) ? json_array_size(src) : json_object_size(src);
    json_t **v = calloc(n + 1, sizeof(*v)), *arr = json_array(), *x;
    const char *k;

    if (!v || !arr)
        goto fail;
    if (json_is_array(src)) {
        for (i = 0; i < n; i++)
            v[i] = json_array_get(src, i);
    } else {
        i = 0;
        json_object_foreach((json_t *)src, k, x) {
            (void)k;
            v[i++] = x;
        }
    }
    if (n)
        qsort(v, n, sizeof(*v), obj_cmp);
    for (i = 0; i < n; i++)
        if (json_array_append(arr, v[i]) < 0)
            goto fail;
    free(v);
    return arr;
fail:
    free(v);
    json_decref(arr);
    return NULL;
}

/* evidence: {"actor", "teams": {role: "org/slug"},
 *            "pull_requests": [{"number", "merged", "author", "release"}],
 *            "approvers": [{"login", "id", "roles": [required roles they are an active member
 * of]}], "ignored": [{"login", "reason": "promoter"|"author"}]} "approvers" holds every reviewer
 * whose deciding review approves and who may count. */
static int
role_approval_collect(const struct gate_ctx *ctx, struct evidence *ev, struct err *e)
{
    const json_t *require = json_object_get(ctx->rule, "require");
    struct walk w = {ctx, NULL, NULL, NULL, NULL, 0};
    json_t *teams = NULL, *pulls = NULL, *approvers = NULL, *ignored = NULL, *v;
    const char *key;
    size_t i;
    int rc = -1;

    if (!ctx->actor)
        return err_set(e, EXIT_EVAL, "%s",
                       ctx->actor_error ? ctx->actor_error
                                        : "cannot establish who is promoting (the actor)");
    teams = json_object();
    ignored = json_array();
    if (!teams || !ignored) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    json_object_foreach((json_t *)require, key, v) {
        const char *team = roles_team(ctx->roles, key);

        if (!team) {
            err_set(e, EXIT_USAGE, "role '%s' is not defined in the policy's roles", key);
            goto done;
        }
        if (json_object_set_new(teams, key, json_string(team)) < 0) {
            err_set(e, EXIT_EVAL, "out of memory");
            goto done;
        }
    }
    if (walk_run(&w, e) < 0)
        goto done;
    for (i = 0; i < json_array_size(w.pulls); i++)
        json_object_del(json_array_get(w.pulls, i), "author_id");
    json_object_foreach(w.ignored, key, v) {
        if (json_array_append_new(ignored, json_pack("{s:s, s:O}", "login", key, "reason", v)) <
            0) {
            err_set(e, EXIT_EVAL, "out of memory");
            goto done;
        }
    }
    pulls = sorted_array(w.pulls);
    approvers = sorted_array(w.approvers);
    v = sorted_array(ignored);
    json_decref(ignored);
    ignored = v;
    if (!pulls || !approvers || !ignored) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    ev->data = json_pack("{s:s, s:O, s:O, s:O, s:O}", "actor", ctx->actor, "teams", teams,
                         "pull_requests", pulls, "approvers", approvers, "ignored", ignored);
    if (!ev->data) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    if (ctx->explain) {
        /* explain only: the members of each required role's team ("candidates") */
        json_t *cands = json_object(), *mem = NULL;

        json_object_set_new(ev->data, "candidates", cands);
        json_object_foreach((json_t *)require, key, v) {
            if (roles_members(&mem, ctx->gh, ctx->roles, key, e) < 0)
                goto done;
            json_object_set_new(cands, key, mem);
        }
    }
    rc = 0;
done:
    walk_release(&w);
    json_decref(teams);
    json_decref(pulls);
    json_decref(approvers);
    json_decref(ignored);
    return rc;
}

/* ---- evaluate: maximum bipartite matching of role slots to approvers ---- */

struct match {
    size_t n_slots, n_people;
    size_t *slot_role;   /* slot -> role index */
    unsigned char *can;  /* can[role * n_people + person] */
    long *person_slot;   /* person -> slot, or -1 */
    unsigned char *seen; /* per person, for one augmenting search */
    size_t n_roles;
};

/* Kuhn's augmenting path from SLOT. */
static int
augment(struct match *m, size_t slot)
{
    size_t p;

    for (p = 0; p < m->n_people; p++) {
        if (!m->can[m->slot_role[slot] * m->n_people + p] || m->seen[p])
            continue;
        m->seen[p] = 1;
        if (m->person_slot[p] < 0 || augment(m, (size_t)m->person_slot[p])) {
            m->person_slot[p] = (long)slot;
            return 1;
        }
    }
    return 0;
}

/* Can this approver count at all? (collect already left out the promoter and the
 * authors; evaluate checks again so hand-made evidence cannot sneak them in) */
static int
may_count(const json_t *data, const char *login)
{
    const char *actor = json_string_value(json_object_get(data, "actor"));
    const json_t *pulls = json_object_get(data, "pull_requests");
    size_t i;

    if (!actor || strcasecmp(actor, login) == 0)
        return 0;
    for (i = 0; i < json_array_size(pulls); i++) {
        const char *author = json_string_value(json_object_get(json_array_get(pulls, i), "author"));

        if (author && strcasecmp(author, login) == 0)
            return 0;
    }
    return 1;
}

static int
valid_evidence(const json_t *data)
{
    const json_t *approvers = json_object_get(data, "approvers");
    size_t i;

    if (!json_is_string(json_object_get(data, "actor")) ||
        !json_is_array(json_object_get(data, "pull_requests")) || !json_is_array(approvers))
        return 0;
    for (i = 0; i < json_array_size(approvers); i++) {
        const json_t *a = json_array_get(approvers, i);

        if (!json_is_string(json_object_get(a, "login")) ||
            !json_is_array(json_object_get(a, "roles")))
            return 0;
    }
    return 1;
}

static enum verdict
role_approval_evaluate(const struct evidence *ev, const json_t *rule, time_t now, struct finding *f)
{
    const json_t *require = json_object_get(rule, "require");
    const json_t *approvers = json_object_get(ev->data, "approvers");
    struct match m;
    const char **roles = NULL, **names = NULL;
    struct buf text = BUF_INIT;
    struct err rule_err = ERR_INIT;
    json_t *details = NULL;
    enum verdict v = VERDICT_ERROR;
    size_t r, p, k, slot, n_missing = 0;

    (void)now;
    memset(&m, 0, sizeof(m));
    if (!valid_evidence(ev->data)) {
        finding_summary(f, "no approval evidence for commit %.12s", ev->commit);
        return VERDICT_ERROR;
    }
    if (role_approval_check_rule(rule, "$", &rule_err) < 0) {
        finding_summary(f, "invalid rule: %s", rule_err.msg);
        return VERDICT_ERROR;
    }
    roles = sorted_keys(require, &m.n_roles);
    m.n_people = json_array_size(approvers);
    for (r = 0; roles && r < m.n_roles; r++)
        m.n_slots += (size_t)json_integer_value(json_object_get(require, roles[r]));
    m.slot_role = calloc(m.n_slots + 1, sizeof(*m.slot_role));
    m.can = calloc(m.n_roles * m.n_people + 1, 1);
    m.person_slot = calloc(m.n_people + 1, sizeof(*m.person_slot));
    m.seen = calloc(m.n_people + 1, 1);
    names = calloc(m.n_people + 1, sizeof(*names));
    details = json_object();
    if (!roles || !m.slot_role || !m.can || !m.person_slot || !m.seen || !names || !details) {
        finding_summary(f, "out of memory");
        goto done;
    }
    for (r = 0, slot = 0; r < m.n_roles; r++)
        for (k = 0; k < (size_t)json_integer_value(json_object_get(require, roles[r])); k++)
            m.slot_role[slot++] = r;
    for (p = 0; p < m.n_people; p++) {
        const json_t *a = json_array_get(approvers, p);
        const char *login = json_string_value(json_object_get(a, "login"));

        m.person_slot[p] = -1;
        if (!may_count(ev->data, login))
            continue;
        for (r = 0; r < m.n_roles; r++)
            m.can[r * m.n_people + p] = history_has(json_object_get(a, "roles"), roles[r]);
    }
    for (slot = 0; slot < m.n_slots; slot++) {
        memset(m.seen, 0, m.n_people);
        augment(&m, slot);
    }
    for (r = 0; r < m.n_roles; r++) {
        json_int_t need = json_integer_value(json_object_get(require, roles[r]));
        size_t n = 0, i;
        json_t *by, *row;

        for (p = 0; p < m.n_people; p++)
            if (m.person_slot[p] >= 0 && m.slot_role[m.person_slot[p]] == r)
                names[n++] =
                    json_string_value(json_object_get(json_array_get(approvers, p), "login"));
        if (n)
            qsort(names, n, sizeof(*names), str_cmp);
        by = json_array();
        for (i = 0; by && i < n; i++)
            if (json_array_append_new(by, json_string(names[i])) < 0) {
                json_decref(by);
                by = NULL;
            }
        row = by ? json_pack("{s:I, s:o, s:I}", "required", need, "approved_by", by, "missing",
                             need - (json_int_t)n)
                 : NULL;
        if (!row || json_object_set_new(details, roles[r], row) < 0) {
            finding_summary(f, "out of memory");
            goto done;
        }
        if ((json_int_t)n < need) {
            n_missing++;
            buf_addf(&text, "%s%s (%lld of %lld)", text.len ? ", " : "", roles[r],
                     (long long)(need - (json_int_t)n), (long long)need);
        }
    }
    f->details = details;
    details = NULL;
    if (n_missing) {
        const json_t *ignored = json_object_get(ev->data, "ignored");

        for (p = 0; p < json_array_size(ignored); p++) {
            const json_t *x = json_array_get(ignored, p);
            const char *login = json_string_value(json_object_get(x, "login"));
            const char *reason = json_string_value(json_object_get(x, "reason"));

            if (login && reason)
                buf_addf(&text, "%s%s (%s)", p ? ", " : "; not counted: ", login, reason);
        }
        finding_summary(f, "missing approvals: %s", buf_str(&text));
        v = VERDICT_FAIL;
        goto done;
    }
    for (r = 0; r < m.n_roles; r++) {
        const json_t *by = json_object_get(json_object_get(f->details, roles[r]), "approved_by");
        size_t i;

        buf_addf(&text, "%s%s by ", r ? "; " : "", roles[r]);
        for (i = 0; i < json_array_size(by); i++)
            buf_addf(&text, "%s%s", i ? ", " : "", json_string_value(json_array_get(by, i)));
    }
    finding_summary(f, "approved: %s", buf_str(&text));
    v = VERDICT_PASS;
done:
    json_decref(details);
    buf_release(&text);
    free(names);
    free(m.seen);
    free(m.person_slot);
    free(m.can);
    free(m.slot_role);
    free(roles);
    return v;
}

/* Per role short of approvals: how many are missing, and who could give them: the role's
 * team members (fetched by promote explain) who are neither the promoter nor an author and
 * have not approved already. */
static void
role_approval_remedy(const struct evidence *ev, const json_t *rule, time_t now,
                     const struct finding *f, struct remedy *out)
{
    const json_t *cands = json_object_get(ev->data, "candidates");
    const json_t *approvers = json_object_get(ev->data, "approvers");
    const char *role;
    json_t *row, *roles = json_object();
    struct buf text = BUF_INIT;
    size_t i, j;

    (void)rule;
    (void)now;
    json_object_foreach(f->details, role, row) {
        json_int_t missing = json_integer_value(json_object_get(row, "missing"));
        const json_t *members = json_object_get(cands, role);
        json_t *who;

        if (missing <= 0)
            continue;
        who = json_is_array(members) ? json_array() : json_null();
        for (i = 0; i < json_array_size(members); i++) {
            const char *login = json_string_value(json_array_get(members, i));
            int skip = !login || !may_count(ev->data, login);

            for (j = 0; !skip && j < json_array_size(approvers); j++)
                skip = strcasecmp(json_string_value(json_object_get(
                                      json_array_get(approvers, j), "login")),
                                  login) == 0;
            if (!skip)
                json_array_append_new(who, json_string(login));
        }
        json_object_set_new(roles, role,
                            json_pack("{s:I, s:o}", "missing", missing, "could_approve", who));
        buf_addf(&text, "%s%lld more %s approval%s", text.len ? "; " : "", (long long)missing,
                 role, missing == 1 ? "" : "s");
        if (json_is_array(who)) {
            buf_adds(&text, json_array_size(who) ? " (could approve: " : " (nobody else in ");
            if (!json_array_size(who))
                buf_addf(&text, "%s's team can)",
                         json_string_value(json_object_get(json_object_get(ev->data, "teams"),
                                                           role)));
            for (i = 0; i < json_array_size(who); i++)
                buf_addf(&text, "%s%s%s", i ? ", " : "", json_string_value(json_array_get(who, i)),
                         i + 1 == json_array_size(who) ? ")" : "");
        }
    }
    remedy_text(out, "%s", buf_str(&text));
    out->data = json_pack("{s:s, s:o}", "action", "approve", "roles", roles);
    buf_release(&text);
}

const struct gate gate_role_approval = {
    .type = "role_approval",
    .needs_evidence = 0,
    .params = role_approval_params,
    .check_rule = role_approval_check_rule,
    .plan = role_approval_plan,
    .needs_actor = 1,
    .collect = role_approval_collect,
    .evaluate = role_approval_evaluate,
    .remedy = role_approval_remedy,
};
