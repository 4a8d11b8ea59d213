#include "deploy.h"

#include <stdio.h>
#include <string.h>

#include "audit.h"

int
deploy_tag_prefix(char *prefix, size_t sz, const char *tmpl, const char *env, time_t now)
{
    struct tm tm;
    size_t o = 0;
    const char *p;
    char val[64];

    gmtime_r(&now, &tm);
    for (p = tmpl; *p && strncmp(p, "{n}", 3) != 0;) {
        const char *v = NULL;
        size_t skip = 1;

        if (strncmp(p, "{yyyy}", 6) == 0) {
            snprintf(val, sizeof(val), "%04d", tm.tm_year + 1900);
            v = val, skip = 6;
        } else if (strncmp(p, "{mm}", 4) == 0) {
            snprintf(val, sizeof(val), "%02d", tm.tm_mon + 1);
            v = val, skip = 4;
        } else if (strncmp(p, "{dd}", 4) == 0) {
            snprintf(val, sizeof(val), "%02d", tm.tm_mday);
            v = val, skip = 4;
        } else if (strncmp(p, "{env}", 5) == 0) {
            v = env, skip = 5;
        }
        if (v) {
            size_t n = strlen(v);

            if (o + n + 1 > sz)
                return -1;
            memcpy(prefix + o, v, n);
            o += n;
        } else {
            if (o + 2 > sz)
                return -1;
            prefix[o++] = *p;
        }
        p += skip;
    }
    prefix[o] = '\0';
    return 0;
}

static int
trigger(struct deploy_result *out, const struct policy_env *env, const struct gh_config *ghc,
        const char *decision_id, struct err *e)
{
    const json_t *dep = env->deploy;
    const char *type = json_string_value(json_object_get(dep, "type"));
    struct gh *gh = NULL;
    json_t *body = NULL, *resp = NULL;
    char path[600];
    long status = 0;
    int rc = -1;

    out->trigger = strcmp(type, "github_deployment") == 0 ? "github_deployment"
                                                          : "workflow_dispatch";
    if (!ghc || !ghc->repo) {
        err_set(e, EXIT_EVAL, "cannot trigger the deploy: the GitHub repository is unknown");
        return -1;
    }
    if (gh_new(&gh, ghc, e) < 0)
        return -1;
    if (strcmp(out->trigger, "github_deployment") == 0) {
        const json_t *ctxs = json_object_get(dep, "required_contexts");
        char desc[160];

        snprintf(desc, sizeof(desc), "promote decision %.16s", decision_id);
        body = json_pack("{s:s, s:s, s:b, s:o, s:s}", "ref", out->tag, "environment",
                         env->github_environment, "auto_merge", 0, "required_contexts",
                         ctxs ? json_incref((json_t *)ctxs) : json_array(), "description", desc);
        snprintf(path, sizeof(path), "/repos/%s/%s/deployments", gh_owner(gh), gh_name(gh));
    } else {
        json_t *inputs = json_object(), *given = json_object_get(dep, "inputs");
        const char *k;
        json_t *v;

        json_object_foreach(given, k, v)
        {
            const char *s = json_string_value(v);

            json_object_set_new(inputs, k,
                                json_string(s && strcmp(s, "{tag}") == 0 ? out->tag : s ? s : ""));
        }
        if (!json_object_get(inputs, "tag"))
            json_object_set_new(inputs, "tag", json_string(out->tag));
        body = json_pack("{s:s, s:o}", "ref", out->tag, "inputs", inputs);
        snprintf(path, sizeof(path), "/repos/%s/%s/actions/workflows/%s/dispatches",
                 gh_owner(gh), gh_name(gh), json_string_value(json_object_get(dep, "workflow")));
    }
    if (!body) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    if (gh_post(gh, path, body, &status, &resp, e) < 0)
        goto done;
    if (strcmp(out->trigger, "github_deployment") == 0) {
        if (status != 201 || !json_is_integer(json_object_get(resp, "id"))) {
            err_set(e, EXIT_EVAL, "POST %s: HTTP %ld without a deployment id (auto-merged?)", path,
                    status);
            goto done;
        }
        out->deployment_id = json_integer_value(json_object_get(resp, "id"));
    }
    out->triggered = 1;
    rc = 0;
done:
    json_decref(body);
    json_decref(resp);
    gh_free(gh);
    return rc;
}

int
deploy_run(struct deploy_result *out, const struct record_req *rq, const struct policy_env *env,
           const struct decision *d, const char *decision_id, const struct gh_config *ghc,
           time_t now, struct err *e)
{
    const char *remote = rq->remote ? rq->remote : "origin";
    struct audit_subject subj;
    struct err te = ERR_INIT, re = ERR_INIT;
    char prefix[200], ref[300], msg[300], did[32];
    json_t *fields = NULL, *st = NULL;
    long max = 0;
    int pushed, ok;

    memset(out, 0, sizeof(*out));
    if (!env->tag_template)
        return 0;
    if (deploy_tag_prefix(prefix, sizeof(prefix), env->tag_template, env->name, now) < 0 ||
        repo_tag_max(rq->repo, prefix, &max, e) < 0)
        return err_set(e, EXIT_EVAL, "cannot name the tag from '%s'", env->tag_template);
    snprintf(out->tag, sizeof(out->tag), "%s%ld", prefix, max + 1);
    snprintf(msg, sizeof(msg), "promote: %s -> %s, decision %s\n", d->from, d->to, decision_id);
    if (repo_tag_create(rq->repo, out->tag, d->commit, msg, e) < 0)
        return -1;
    snprintf(ref, sizeof(ref), "refs/tags/%s", out->tag);
    ok = 1;
    if (!rq->no_remote && repo_has_remote(rq->repo, remote)) {
        pushed = repo_push(rq->repo, remote, ref, &te);
        out->tag_pushed = pushed == 0;
        if (pushed != 0) {
            if (pushed > 0)
                err_set(&te, EXIT_EVAL, "the remote refused the tag %s", out->tag);
            ok = 0;
        }
    }
    if (ok && env->deploy && trigger(out, env, ghc, decision_id, &te) < 0)
        ok = 0;
    snprintf(did, sizeof(did), "%lld", out->deployment_id);
    fields = json_pack("{s:s, s:s, s:s?, s:s?, s:s, s:s?}", "result",
                       ok ? (env->deploy ? "triggered" : "tagged") : "trigger_failed", "tag",
                       out->tag, "trigger", out->trigger, "deployment",
                       out->deployment_id ? did : NULL, "decision", decision_id, "error",
                       ok ? NULL : te.msg);
    record_subject(&subj, rq, NULL, now);
    st = fields ? audit_event_statement("deployment", env->name, d->commit, d->actor[0] ? d->actor : NULL,
                                        fields, &subj)
                : NULL;
    if (!st || record_statement(&out->entry, rq, st, &re) < 0) {
        json_decref(st);
        json_decref(fields);
        if (!ok)
            return err_set(e, EXIT_EVAL, "%s; and the failure could not be recorded: %s", te.msg,
                           re.msg);
        return err_set(e, EXIT_EVAL, "the deploy of %s was triggered but could not be recorded: %s",
                       out->tag, re.msg);
    }
    json_decref(st);
    json_decref(fields);
    if (!ok) {
        *e = te;
        e->code = EXIT_EVAL;
        return -1;
    }
    return 0;
}
