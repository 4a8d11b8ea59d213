#include "core/github/actor.h"

#include <stdio.h>
#include <string.h>

#include "core/github/roles.h"

static int
run_id_ok(const char *id)
{
    size_t i;

    if (!id || !*id || strlen(id) > 20)
        return 0;
    for (i = 0; id[i]; i++)
        if (id[i] < '0' || id[i] > '9')
            return 0;
    return 1;
}

int
actor_want(struct gh_store *s, const struct gh *gh, const struct actor_env *env, struct err *e)
{
    if (!env->in_actions)
        return gh_want(s, GH_SINGLE, NULL, e, "/user");
    if (!run_id_ok(env->run_id))
        return 0; /* actor_resolve says why */
    return gh_want(s, GH_SINGLE, NULL, e, "/repos/%s/%s/actions/runs/%s", gh_owner(gh),
                   gh_name(gh), env->run_id);
}

static int
res_ok(const struct gh_res *r, const char *what, struct err *e)
{
    if (!r)
        return err_set(e, EXIT_EVAL, "cannot establish the actor: %s was not fetched", what);
    if (r->state == GH_FAILED)
        return err_set(e, EXIT_EVAL, "cannot establish the actor: %s", r->error);
    if (r->state != GH_OK)
        return err_set(e, EXIT_EVAL, "cannot establish the actor: GET %s: HTTP %ld", r->path,
                       r->status);
    return 0;
}

int
actor_resolve(char *out, size_t outsz, const struct gh_store *s, const struct gh *gh,
              const struct actor_env *env, struct err *e)
{
    const struct gh_res *r;
    const char *login;

    if (!env->in_actions) {
        r = gh_find(s, "/user");
        if (res_ok(r, "GET /user", e) < 0)
            return -1;
        login = json_string_value(json_object_get(r->json, "login"));
        if (!login || !*login)
            return err_set(e, EXIT_EVAL, "cannot establish the actor: GET /user has no login");
    } else {
        if (!run_id_ok(env->run_id))
            return err_set(e, EXIT_EVAL,
                           "cannot establish the actor: GITHUB_ACTIONS is set but GITHUB_RUN_ID "
                           "is missing or not a number");
        r = gh_find(s, "/repos/%s/%s/actions/runs/%s", gh_owner(gh), gh_name(gh), env->run_id);
        if (res_ok(r, "the workflow run", e) < 0)
            return -1;
        login = json_string_value(
            json_object_get(json_object_get(r->json, "triggering_actor"), "login"));
        if (!login || !*login)
            return err_set(e, EXIT_EVAL,
                           "cannot establish the actor: GET %s: the run has no triggering_actor "
                           "with a login",
                           r->path);
        if (!env->github_actor || strcmp(login, env->github_actor) != 0)
            return err_set(e, EXIT_EVAL,
                           "cannot establish the actor: run %s was triggered by '%s', but "
                           "GITHUB_ACTOR is '%s'",
                           env->run_id, login, env->github_actor ? env->github_actor : "");
    }
    if (strlen(login) >= outsz)
        return err_set(e, EXIT_EVAL, "cannot establish the actor: login too long");
    snprintf(out, outsz, "%s", login);
    return 0;
}

int
actor_establish(char *login, size_t loginsz, struct gh *gh, const struct actor_env *env,
                struct err *e)
{
    struct gh_store s = GH_STORE_INIT;
    int rc = -1;

    if (actor_want(&s, gh, env, e) == 0 && gh_fetch(gh, &s, e) == 0 &&
        actor_resolve(login, loginsz, &s, gh, env, e) == 0)
        rc = 0;
    gh_store_release(&s);
    return rc;
}

int
actor_holding(char *login, size_t loginsz, const char **role, struct gh *gh,
              const struct actor_env *env, const json_t *roles, const json_t *wanted,
              struct err *e)
{
    struct gh_store s = GH_STORE_INIT;
    const json_t *r;
    size_t i;
    int rc = -1, member;

    *role = NULL;
    if (actor_want(&s, gh, env, e) < 0 || gh_fetch(gh, &s, e) < 0 ||
        actor_resolve(login, loginsz, &s, gh, env, e) < 0)
        goto done;
    json_array_foreach(wanted, i, r) {
        if (roles_want(&s, roles, json_string_value(r), login, e) < 0)
            goto done;
    }
    if (gh_fetch(gh, &s, e) < 0)
        goto done;
    json_array_foreach(wanted, i, r) {
        if (roles_is_member(&member, &s, roles, json_string_value(r), login, e) < 0)
            goto done;
        if (member) {
            *role = json_string_value(r);
            break;
        }
    }
    rc = 0;
done:
    gh_store_release(&s);
    return rc;
}
