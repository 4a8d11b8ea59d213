#include "core/github/roles.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROLE_NAME_MAX 64
#define TEAM_MAX 200

static int
bad(struct err *e, const char *source, const char *jpath, const char *what)
{
    return err_set(e, EXIT_USAGE, "invalid policy '%s': %s: %s", source, jpath, what);
}

static int
name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

static int
valid_role_name(const char *s)
{
    size_t i;

    for (i = 0; s[i]; i++)
        if (!name_char(s[i]))
            return 0;
    return i > 0 && i <= ROLE_NAME_MAX;
}

/* ORG/SLUG: two non-empty parts of letters, digits, '-', '_' or '.'. */
static int
valid_team(const char *s)
{
    size_t i, slash = 0, n = strlen(s);
    int slashes = 0;

    if (n == 0 || n > TEAM_MAX)
        return 0;
    for (i = 0; i < n; i++) {
        if (s[i] == '/') {
            slashes++;
            slash = i;
        } else if (!name_char(s[i]) && s[i] != '.') {
            return 0;
        }
    }
    return slashes == 1 && slash > 0 && slash < n - 1;
}

int
roles_check(const json_t *roles, const char *source, struct err *e)
{
    const char *role, *key;
    json_t *def, *v;
    char path[256];

    if (!json_is_object(roles))
        return bad(e, source, "$.roles", "must be an object of role name -> {\"team\": ...}");
    json_object_foreach((json_t *)roles, role, def) {
        snprintf(path, sizeof(path), "$.roles.%.*s", ROLE_NAME_MAX, role);
        if (!valid_role_name(role))
            return bad(e, source, path, "a role name is 1 to 64 letters, digits, '-' or '_'");
        if (!json_is_object(def))
            return bad(e, source, path, "must be an object {\"team\": \"ORG/TEAM-SLUG\"}");
        json_object_foreach(def, key, v) {
            if (strcmp(key, "team") != 0) {
                snprintf(path, sizeof(path), "$.roles.%s.%.64s", role, key);
                return bad(e, source, path, "unknown key");
            }
        }
        snprintf(path, sizeof(path), "$.roles.%s.team", role);
        v = json_object_get(def, "team");
        if (!v)
            return bad(e, source, path, "missing");
        if (!json_is_string(v) || !valid_team(json_string_value(v)))
            return bad(e, source, path, "must be ORG/TEAM-SLUG");
    }
    return 0;
}

int
roles_check_require(const json_t *require, const json_t *roles, const char *jpath, struct err *e)
{
    const char *role;
    json_t *v;

    if (!json_is_object(require))
        return err_set(e, EXIT_USAGE, "%s: must be an object", jpath);
    json_object_foreach((json_t *)require, role, v) {
        if (!json_object_get(roles, role))
            return err_set(e, EXIT_USAGE, "%s.%.64s: unknown role '%.64s' (not in $.roles)", jpath,
                           role, role);
    }
    return 0;
}

const char *
roles_team(const json_t *roles, const char *role)
{
    return json_string_value(json_object_get(json_object_get(roles, role), "team"));
}

/* Percent-encode everything but RFC 3986 unreserved characters. */
static int
encode(char *out, size_t outsz, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i, o = 0;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (o + 4 > outsz)
            return -1;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    if (o >= outsz)
        return -1;
    out[o] = '\0';
    return 0;
}

/* "/orgs/ORG/teams/SLUG/memberships/LOGIN" for ROLE. */
static int
membership_path(char *out, size_t outsz, const json_t *roles, const char *role, const char *login,
                struct err *e)
{
    const char *team = roles_team(roles, role), *slash;
    char org[3 * TEAM_MAX + 1], slug[3 * TEAM_MAX + 1], user[3 * 128 + 1];
    int n;

    if (!team)
        return err_set(e, EXIT_USAGE, "unknown role '%s' (not in the policy's roles)", role);
    slash = strchr(team, '/');
    if (!slash || !login[0] || encode(org, sizeof(org), team, (size_t)(slash - team)) < 0 ||
        encode(slug, sizeof(slug), slash + 1, strlen(slash + 1)) < 0 ||
        encode(user, sizeof(user), login, strlen(login)) < 0)
        return err_set(e, EXIT_EVAL, "cannot build the membership path of '%.64s' in '%.64s'",
                       login, team);
    n = snprintf(out, outsz, "/orgs/%s/teams/%s/memberships/%s", org, slug, user);
    if (n < 0 || (size_t)n >= outsz)
        return err_set(e, EXIT_EVAL, "GitHub path too long");
    return 0;
}

/* "/orgs/ORG/teams/SLUG/members" for ROLE. */
static int
members_path(char *out, size_t outsz, const json_t *roles, const char *role, struct err *e)
{
    const char *team = roles_team(roles, role), *slash;
    char org[3 * TEAM_MAX + 1], slug[3 * TEAM_MAX + 1];
    int n;

    if (!team)
        return err_set(e, EXIT_USAGE, "unknown role '%s' (not in the policy's roles)", role);
    slash = strchr(team, '/');
    if (!slash || encode(org, sizeof(org), team, (size_t)(slash - team)) < 0 ||
        encode(slug, sizeof(slug), slash + 1, strlen(slash + 1)) < 0)
        return err_set(e, EXIT_EVAL, "cannot build the members path of '%.64s'", team);
    n = snprintf(out, outsz, "/orgs/%s/teams/%s/members", org, slug);
    if (n < 0 || (size_t)n >= outsz)
        return err_set(e, EXIT_EVAL, "GitHub path too long");
    return 0;
}

int
roles_members_want(struct gh_store *s, const json_t *roles, const char *role, struct err *e)
{
    char path[1024];

    if (members_path(path, sizeof(path), roles, role, e) < 0)
        return -1;
    return gh_want(s, GH_PAGES, NULL, e, "%s", path);
}

static int
login_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int
roles_members(json_t **out, const struct gh_store *s, const json_t *roles, const char *role,
              struct err *e)
{
    const json_t *body;
    const char **v = NULL;
    char path[1024];
    size_t i, n;

    *out = NULL;
    if (members_path(path, sizeof(path), roles, role, e) < 0 ||
        roles_res_body(&body, gh_find(s, "%s", path), path, e) < 0)
        return -1;
    if (!json_is_array(body))
        return err_set(e, EXIT_EVAL, "GET %s: not an array", path);
    n = json_array_size(body);
    v = calloc(n + 1, sizeof(*v));
    if (!v)
        return err_set(e, EXIT_EVAL, "out of memory");
    for (i = 0; i < n; i++) {
        v[i] = json_string_value(json_object_get(json_array_get(body, i), "login"));
        if (!v[i]) {
            free(v);
            return err_set(e, EXIT_EVAL, "GET %s: a member without a login", path);
        }
    }
    if (n)
        qsort(v, n, sizeof(*v), login_cmp);
    *out = json_array();
    for (i = 0; *out && i < n; i++)
        json_array_append_new(*out, json_string(v[i]));
    free(v);
    return *out ? 0 : err_set(e, EXIT_EVAL, "out of memory");
}

int
roles_want(struct gh_store *s, const json_t *roles, const char *role, const char *login,
           struct err *e)
{
    char path[1024];

    if (membership_path(path, sizeof(path), roles, role, login, e) < 0)
        return -1;
    return gh_want(s, GH_SINGLE, NULL, e, "%s", path);
}

int
roles_res_body(const json_t **out, const struct gh_res *r, const char *path, struct err *e)
{
    *out = NULL;
    if (!r || r->state == GH_WANTED)
        return err_set(e, EXIT_EVAL, "GET %s: not fetched", path);
    if (r->state == GH_FAILED) {
        if (strstr(r->error, path))
            return err_set(e, EXIT_EVAL, "%s", r->error);
        return err_set(e, EXIT_EVAL, "GET %s: %s", path, r->error[0] ? r->error : "failed");
    }
    if (r->state == GH_NOT_FOUND)
        return err_set(e, EXIT_EVAL, "GET %s: not found (404)", path);
    if (!r->json)
        return err_set(e, EXIT_EVAL, "GET %s: no JSON body", path);
    *out = r->json;
    return 0;
}

int
roles_is_member(int *out, const struct gh_store *s, const json_t *roles, const char *role,
                const char *login, struct err *e)
{
    const struct gh_res *r;
    const json_t *body, *state;
    char path[1024];

    *out = 0;
    if (membership_path(path, sizeof(path), roles, role, login, e) < 0)
        return -1;
    r = gh_find(s, "%s", path);
    if (r && r->state == GH_NOT_FOUND)
        return 0;
    if (roles_res_body(&body, r, path, e) < 0)
        return -1;
    state = json_object_get(body, "state");
    if (!json_is_object(body) || !json_is_string(state))
        return err_set(e, EXIT_EVAL, "unexpected response from GET %s: 'state' is not a string",
                       path);
    *out = strcmp(json_string_value(state), "active") == 0;
    return 0;
}

/* ---- pull requests and reviews ---- */

static int malformed(struct err *e, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
malformed(struct err *e, const char *where, const char *fmt, ...)
{
    char what[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return err_set(e, EXIT_EVAL, "unexpected response from %s: %s", where, what);
}

/* A user object: {"id": positive int, "login": string}. GitHub's ids are positive: any
 * other id is malformed, never a value that could meet a sentinel (-1: no author). */
static int
user_fields(json_int_t *id, const char **login, const json_t *u)
{
    const json_t *i = json_object_get(u, "id"), *l = json_object_get(u, "login");

    if (!json_is_object(u) || !json_is_integer(i) || json_integer_value(i) <= 0 ||
        !json_is_string(l) || json_string_length(l) == 0)
        return -1;
    *id = json_integer_value(i);
    *login = json_string_value(l);
    return 0;
}

int
roles_pull(json_t **out, const json_t *pr, const char *where, struct err *e)
{
    const json_t *num = json_object_get(pr, "number"), *user = json_object_get(pr, "user");
    const json_t *merged_at = json_object_get(pr, "merged_at");
    const json_t *sha = json_object_get(json_object_get(pr, "head"), "sha");
    json_int_t author_id = -1;
    const char *author = NULL;
    long long number;

    *out = NULL;
    if (!json_is_object(pr))
        return malformed(e, where, "a pull request is not an object");
    if (!json_is_integer(num) || json_integer_value(num) <= 0)
        return malformed(e, where, "'number' is not a positive integer");
    number = (long long)json_integer_value(num);
    if (!user || (!json_is_null(user) && user_fields(&author_id, &author, user) < 0))
        return malformed(e, where, "pull request #%lld: 'user' is not null or {id, login}", number);
    if (!merged_at || (!json_is_null(merged_at) && !json_is_string(merged_at)))
        return malformed(e, where, "pull request #%lld: 'merged_at' is not null or a string",
                         number);
    if (!json_is_string(sha))
        return malformed(e, where, "pull request #%lld: 'head.sha' is not a string", number);
    *out = json_pack("{s:I, s:b, s:s?, s:o, s:s}", "number", json_integer_value(num), "merged",
                     json_is_string(merged_at), "author", author, "author_id",
                     author ? json_integer(author_id) : json_null(), "head_sha",
                     json_string_value(sha));
    if (!*out)
        return err_set(e, EXIT_EVAL, "out of memory");
    return 0;
}

struct review {
    json_int_t user_id;
    const char *login;
    const char *submitted_at;
    json_int_t id;
    size_t index; /* position in the response: keeps the sort stable */
    const char *state;
    const json_t *commit_id;
};

/* By reviewer, then oldest first: the last of each reviewer's run decides. */
static int
review_cmp(const void *pa, const void *pb)
{
    const struct review *a = pa, *b = pb;
    int c;

    if (a->user_id != b->user_id)
        return a->user_id < b->user_id ? -1 : 1;
    c = strcmp(a->submitted_at, b->submitted_at);
    if (c)
        return c;
    if (a->id != b->id)
        return a->id < b->id ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

static int
latest_cmp(const void *pa, const void *pb)
{
    const struct review *a = *(const struct review *const *)pa;
    const struct review *b = *(const struct review *const *)pb;
    int c = strcmp(a->login, b->login);

    if (c)
        return c;
    return a->user_id < b->user_id ? -1 : a->user_id > b->user_id;
}

int
roles_reviews(json_t **out, const json_t *reviews, json_int_t author_id, const char *where,
              struct err *e)
{
    struct review *rv = NULL, **latest = NULL;
    size_t i, n = 0, n_latest = 0;
    json_t *arr = NULL;
    int rc = -1;

    *out = NULL;
    if (!json_is_array(reviews))
        return malformed(e, where, "the reviews are not an array");
    rv = calloc(json_array_size(reviews) + 1, sizeof(*rv));
    latest = calloc(json_array_size(reviews) + 1, sizeof(*latest));
    arr = json_array();
    if (!rv || !latest || !arr) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    for (i = 0; i < json_array_size(reviews); i++) {
        const json_t *r = json_array_get(reviews, i), *user = json_object_get(r, "user");
        const json_t *id = json_object_get(r, "id"), *st = json_object_get(r, "state");
        const json_t *at = json_object_get(r, "submitted_at");
        const json_t *cid = json_object_get(r, "commit_id");
        struct review *x = &rv[n];
        const char *state;

        if (!json_is_object(r) || !json_is_integer(id) || json_integer_value(id) <= 0 ||
            !json_is_string(st)) {
            malformed(e, where, "review [%zu]: not an object with a positive 'id' and 'state'",
                      i);
            goto done;
        }
        state = json_string_value(st);
        if (strcmp(state, "PENDING") == 0 || strcmp(state, "COMMENTED") == 0 ||
            strcmp(state, "DISMISSED") == 0)
            continue;
        if (strcmp(state, "APPROVED") != 0 && strcmp(state, "CHANGES_REQUESTED") != 0) {
            malformed(e, where, "review %lld: unknown state '%.32s'",
                      (long long)json_integer_value(id), state);
            goto done;
        }
        if (!user) {
            malformed(e, where, "review %lld: 'user' missing", (long long)json_integer_value(id));
            goto done;
        }
        if (json_is_null(user))
            continue; /* a deleted account: nobody to count */
        if (user_fields(&x->user_id, &x->login, user) < 0 || !json_is_string(at) || !cid ||
            (!json_is_null(cid) && !json_is_string(cid))) {
            malformed(e, where, "review %lld: needs user {id, login}, 'submitted_at', 'commit_id'",
                      (long long)json_integer_value(id));
            goto done;
        }
        if (x->user_id == author_id)
            continue;
        x->submitted_at = json_string_value(at);
        x->id = json_integer_value(id);
        x->index = i;
        x->state = state;
        x->commit_id = cid;
        n++;
    }
    if (n)
        qsort(rv, n, sizeof(*rv), review_cmp);
    for (i = 0; i < n; i++)
        if (i + 1 == n || rv[i + 1].user_id != rv[i].user_id)
            latest[n_latest++] = &rv[i];
    if (n_latest)
        qsort(latest, n_latest, sizeof(*latest), latest_cmp);
    for (i = 0; i < n_latest; i++) {
        const struct review *x = latest[i];
        json_t *o = json_pack("{s:I, s:s, s:s, s:O?}", "id", x->user_id, "login", x->login, "state",
                              x->state, "commit_id", x->commit_id);

        if (!o || json_array_append_new(arr, o) < 0) {
            err_set(e, EXIT_EVAL, "out of memory");
            goto done;
        }
    }
    *out = arr;
    arr = NULL;
    rc = 0;
done:
    json_decref(arr);
    free(latest);
    free(rv);
    return rc;
}
