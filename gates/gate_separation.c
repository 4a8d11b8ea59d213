/* separation_of_duties: the promoter is neither the commit's author nor the author of
 * a pull request that brought it. */
#include "gate.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/github/gh.h"
#include "core/github/roles.h"

static const struct gate_param separation_params[] = {
    {NULL, 0, 0},
};

static int
separation_plan(const struct gate_ctx *ctx, struct gh_store *s, struct err *e)
{
    if (gh_want(s, GH_SINGLE, NULL, e, "/repos/%s/%s/commits/%s", ctx->owner, ctx->name,
                ctx->commit) < 0)
        return -1;
    return gh_want(s, GH_PAGES, NULL, e, "/repos/%s/%s/commits/%s/pulls", ctx->owner, ctx->name,
                   ctx->commit);
}

static const char *
login_of(const json_t *user)
{
    return json_string_value(json_object_get(user, "login"));
}

static int
separation_collect(const struct gate_ctx *ctx, struct evidence *ev, struct err *e)
{
    char path[512], ppath[600];
    const json_t *commit, *pulls, *gitauthor, *user, *name;
    json_t *authors;
    size_t i;

    if (!ctx->actor)
        return err_set(e, EXIT_EVAL, "%s", ctx->actor_error);
    snprintf(path, sizeof(path), "/repos/%s/%s/commits/%s", ctx->owner, ctx->name, ctx->commit);
    snprintf(ppath, sizeof(ppath), "%s/pulls", path);
    if (roles_res_body(&commit, gh_find(ctx->gh, "%s", path), path, e) < 0 ||
        roles_res_body(&pulls, gh_find(ctx->gh, "%s", ppath), ppath, e) < 0)
        return -1;
    if (!json_is_object(commit) || !json_is_array(pulls))
        return err_set(e, EXIT_EVAL, "GET %s: unexpected response shape", path);
    /* the author is null (no GitHub account) or a user with a login; anything else is
     * malformed, never "no account" */
    user = json_object_get(commit, "author");
    gitauthor = json_object_get(json_object_get(commit, "commit"), "author");
    name = json_object_get(gitauthor, "name");
    if (!user || (!json_is_null(user) && !login_of(user)) || (name && !json_is_string(name)))
        return err_set(e, EXIT_EVAL,
                       "GET %s: the commit's author is neither null nor a user with a login, "
                       "or its git author's name is not a string",
                       path);
    authors = json_array();
    for (i = 0; i < json_array_size(pulls); i++) {
        const json_t *pr = json_array_get(pulls, i);
        const char *l = login_of(json_object_get(pr, "user"));

        if (!l || !json_is_integer(json_object_get(pr, "number"))) {
            json_decref(authors);
            return err_set(e, EXIT_EVAL, "GET %s: a pull request without number or user", ppath);
        }
        json_array_append_new(authors, json_pack("{s:O, s:s}", "number",
                                                 json_object_get(pr, "number"), "login", l));
    }
    ev->data =
        json_pack("{s:s, s:s?, s:s?, s:o}", "actor", ctx->actor, "commit_author", login_of(user),
                  "commit_author_name", json_string_value(name), "pull_requests", authors);
    return ev->data ? 0 : err_set(e, EXIT_EVAL, "out of memory");
}

static enum verdict
separation_evaluate(const struct evidence *ev, const json_t *rule, time_t now, struct finding *f)
{
    const char *actor = json_string_value(json_object_get(ev->data, "actor"));
    const char *author = json_string_value(json_object_get(ev->data, "commit_author"));
    const json_t *prs = json_object_get(ev->data, "pull_requests");
    size_t i;

    (void)rule;
    (void)now;
    if (!actor || !json_is_array(prs)) {
        finding_summary(f, "no separation-of-duties data");
        return VERDICT_ERROR;
    }
    f->details = json_pack("{s:s, s:s?, s:O}", "actor", actor, "commit_author", author,
                           "pull_requests", (json_t *)prs);
    if (!author) {
        /* fail closed: nobody can say the promoter did not write it */
        finding_summary(f, "cannot tell who wrote commit %.12s: its author (%s) has no GitHub "
                           "account",
                        ev->commit,
                        json_string_value(json_object_get(ev->data, "commit_author_name"))
                            ? json_string_value(json_object_get(ev->data, "commit_author_name"))
                            : "unknown");
        return VERDICT_ERROR;
    }
    if (strcasecmp(author, actor) == 0) {
        finding_summary(f, "the promoter %s wrote commit %.12s", actor, ev->commit);
        return VERDICT_FAIL;
    }
    for (i = 0; i < json_array_size(prs); i++) {
        const json_t *pr = json_array_get(prs, i);

        if (strcasecmp(json_string_value(json_object_get(pr, "login")), actor) == 0) {
            finding_summary(f, "the promoter %s opened pull request #%lld", actor,
                            (long long)json_integer_value(json_object_get(pr, "number")));
            return VERDICT_FAIL;
        }
    }
    finding_summary(f, "the promoter %s is neither the commit's author (%s) nor a pull request's",
                    actor, author);
    return VERDICT_PASS;
}

static void
separation_remedy(const struct evidence *ev, const json_t *rule, time_t now,
                  const struct finding *f, struct remedy *out)
{
    const char *actor = json_string_value(json_object_get(ev->data, "actor"));

    (void)rule;
    (void)now;
    (void)f;
    remedy_text(out, "someone else must promote: %s wrote the commit or opened its pull request",
                actor);
    out->data = json_pack("{s:s, s:s}", "action", "other_promoter", "not", actor);
}

const struct gate gate_separation_of_duties = {
    .type = "separation_of_duties",
    .params = separation_params,
    .plan = separation_plan,
    .needs_actor = 1,
    .collect = separation_collect,
    .evaluate = separation_evaluate,
    .remedy = separation_remedy,
};
