#include "core/release/deploy.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/ledger/audit.h"
#include "core/base/buf.h"
#include "core/base/sig.h"
#include "core/ledger/witness.h"

int
deploy_tag_prefix(char *prefix, size_t sz, const char *tmpl, const char *env, time_t now)
{
    struct tm tm;
    size_t o = 0;
    const char *p;
    char val[64];

    if (!gmtime_r(&now, &tm))
        return -1;
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
        /* ask for the run's id, so that --wait can follow it (a 204 without it is fine) */
        body = json_pack("{s:s, s:o, s:b}", "ref", out->tag, "inputs", inputs,
                         "return_run_details", 1);
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
        if (status != 201 || !json_is_integer(json_object_get(resp, "id")) ||
            json_integer_value(json_object_get(resp, "id")) <= 0) {
            err_set(e, EXIT_EVAL, "POST %s: HTTP %ld without a deployment id (auto-merged?)", path,
                    status);
            goto done;
        }
        out->deployment_id = json_integer_value(json_object_get(resp, "id"));
    } else if (status == 200 && json_is_integer(json_object_get(resp, "workflow_run_id")) &&
               json_integer_value(json_object_get(resp, "workflow_run_id")) > 0) {
        /* (any other run id is as good as none: --wait looks the run up instead) */
        out->run_id = json_integer_value(json_object_get(resp, "workflow_run_id"));
    }
    out->triggered = 1;
    rc = 0;
done:
    json_decref(body);
    json_decref(resp);
    gh_free(gh);
    return rc;
}

/* C's message and, when the remote holds the entry, the log's checkpoint after it: a
 * witness every later clone checks the log against (core/ledger/witness.h). */
static int
tag_message(struct buf *out, const struct record_req *rq, const struct deploy_cause *c,
            struct err *e)
{
    struct buf cp = BUF_INIT;
    int found = 0, rc = -1;

    if (c->log_commit && c->log_pushed) {
        found = repo_read_file_at_commit(rq->repo, c->log_commit, AUDIT_CHECKPOINT_FILE, 4096,
                                         &cp, e);
        if (found < 0) {
            err_prefix(e, "cannot read the log's checkpoint for the tag");
            goto done;
        }
    }
    if (found ? witness_message(out, c->message, buf_str(&cp), cp.len) < 0
              : buf_adds(out, c->message) < 0) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    rc = 0;
done:
    buf_release(&cp);
    return rc;
}

int
deploy_run(struct deploy_result *out, const struct record_req *rq, const struct policy_env *env,
           const struct deploy_cause *c, const struct gh_config *ghc, time_t now, struct err *e)
{
    const char *remote = rq->remote ? rq->remote : "origin";
    char prefix[200], ref[300];
    struct buf msg = BUF_INIT;
    long max = 0;
    int pushed, rc;

    memset(out, 0, sizeof(*out));
    if (!env->tag_template)
        return 0;
    if (deploy_tag_prefix(prefix, sizeof(prefix), env->tag_template, env->name, now) < 0)
        return err_set(e, EXIT_EVAL, "cannot name the tag from '%s'", env->tag_template);
    if (repo_tag_max(rq->repo, prefix, &max, e) < 0)
        return err_prefix(e, "cannot name the tag from '%s'", env->tag_template);
    snprintf(out->tag, sizeof(out->tag), "%s%ld", prefix, max + 1);
    if (tag_message(&msg, rq, c, e) < 0)
        return -1;
    audit_crashpoint("before-tag");
    if (sig_check(e, "before tagging: nothing was tagged or triggered") < 0) {
        buf_release(&msg);
        return -1;
    }
    rc = repo_tag_create(rq->repo, out->tag, c->commit, buf_str(&msg), e);
    buf_release(&msg);
    if (rc < 0)
        return -1;
    out->tagged = 1;
    snprintf(ref, sizeof(ref), "refs/tags/%s", out->tag);
    if (!rq->no_remote && repo_has_remote(rq->repo, remote)) {
        pushed = repo_push(rq->repo, remote, ref, e);
        out->tag_pushed = pushed == 0;
        if (pushed > 0)
            err_set(e, EXIT_EVAL, "the remote refused the tag %s", out->tag);
        if (pushed != 0)
            return -1;
    }
    if (env->deploy && trigger(out, env, ghc, c->id, e) < 0)
        return -1;
    return 0;
}

static int
state_in(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return 1;
    return 0;
}

int
deploy_outcome_statuses(enum deploy_outcome *out, char state[32], const json_t *statuses,
                        const char *where, struct err *e)
{
    static const char *const pending[] = {"queued", "pending", "in_progress", NULL};
    static const char *const failed[] = {"failure", "error", NULL};
    const char *newest;
    size_t i;

    *out = DEPLOY_PENDING;
    if (!json_is_array(statuses))
        return err_set(e, EXIT_EVAL, "%s: not a list of deployment statuses", where);
    if (json_array_size(statuses) == 0) {
        snprintf(state, 32, "none");
        return 0;
    }
    for (i = 0; i < json_array_size(statuses); i++) {
        const char *st = json_string_value(json_object_get(json_array_get(statuses, i), "state"));

        if (!st)
            return err_set(e, EXIT_EVAL, "%s: status %zu has no state", where, i);
        if (!state_in(st, pending) && !state_in(st, failed) && strcmp(st, "success") != 0 &&
            strcmp(st, "inactive") != 0)
            return err_set(e, EXIT_EVAL, "%s: unknown deployment state '%.32s'", where, st);
    }
    newest = json_string_value(json_object_get(json_array_get(statuses, 0), "state"));
    snprintf(state, 32, "%s", newest);
    if (state_in(newest, pending))
        return 0;
    if (strcmp(newest, "success") == 0) {
        *out = DEPLOY_SUCCEEDED;
        return 0;
    }
    if (strcmp(newest, "inactive") == 0) {
        /* replaced by a newer deployment: it counts if it had succeeded first */
        for (i = 1; i < json_array_size(statuses); i++)
            if (strcmp(json_string_value(json_object_get(json_array_get(statuses, i), "state")),
                       "success") == 0) {
                *out = DEPLOY_SUCCEEDED;
                return 0;
            }
    }
    *out = DEPLOY_FAILED;
    return 0;
}

int
deploy_outcome_run(enum deploy_outcome *out, char state[32], const json_t *run, const char *where,
                   struct err *e)
{
    const char *status = json_string_value(json_object_get(run, "status"));
    const json_t *conclusion = json_object_get(run, "conclusion");

    *out = DEPLOY_PENDING;
    if (!status)
        return err_set(e, EXIT_EVAL, "%s: the workflow run has no status", where);
    if (strcmp(status, "completed") != 0) {
        snprintf(state, 32, "%s", status);
        return 0;
    }
    if (!json_is_string(conclusion))
        return err_set(e, EXIT_EVAL, "%s: a completed workflow run without a conclusion", where);
    snprintf(state, 32, "%s", json_string_value(conclusion));
    *out = strcmp(json_string_value(conclusion), "success") == 0 ? DEPLOY_SUCCEEDED
                                                                 : DEPLOY_FAILED;
    return 0;
}

long long
deploy_find_run(const json_t *runs, const char *tag, const char *commit)
{
    const json_t *list = json_object_get(runs, "workflow_runs"), *r;
    size_t i;

    json_array_foreach(list, i, r) {
        const char *b = json_string_value(json_object_get(r, "head_branch"));
        const char *sha = json_string_value(json_object_get(r, "head_sha"));

        if (b && sha && strcmp(b, tag) == 0 && strcmp(sha, commit) == 0 &&
            json_is_integer(json_object_get(r, "id")) &&
            json_integer_value(json_object_get(r, "id")) > 0)
            return json_integer_value(json_object_get(r, "id"));
    }
    return 0;
}

static double
mono_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One GET through a fresh store (the ETag cache makes repeated polls cheap). */
static int
poll_get(json_t **out, struct gh *gh, enum gh_paging paging, const char *path, struct err *e)
{
    struct gh_store s = GH_STORE_INIT;
    const struct gh_res *r;
    int rc = -1;

    *out = NULL;
    if (gh_want(&s, paging, NULL, e, "%s", path) < 0 || gh_fetch(gh, &s, e) < 0)
        goto done;
    r = gh_find(&s, "%s", path);
    if (!r || r->state != GH_OK || !r->json) {
        err_set(e, EXIT_EVAL, "%s", r && r->error[0] ? r->error : "GitHub gave no answer");
        goto done;
    }
    *out = json_incref(r->json);
    rc = 0;
done:
    gh_store_release(&s);
    return rc;
}

int
deploy_wait(enum deploy_outcome *out, char state[32], struct deploy_result *dr,
            const struct policy_env *env, const char *commit, const struct gh_config *ghc,
            double timeout_s, double interval_s, struct err *e)
{
    double deadline = mono_s() + timeout_s;
    struct gh *gh = NULL;
    json_t *body = NULL;
    char path[700], where[720];
    int rc = -1;

    *out = DEPLOY_PENDING;
    snprintf(state, 32, "none");
    if (!dr->triggered || !dr->trigger)
        return err_set(e, EXIT_EVAL, "nothing was triggered for %s: nothing to wait for",
                       env->name);
    if (gh_new(&gh, ghc, e) < 0)
        return -1;
    for (;;) {
        if (strcmp(dr->trigger, "github_deployment") == 0) {
            snprintf(path, sizeof(path), "/repos/%s/%s/deployments/%lld/statuses", gh_owner(gh),
                     gh_name(gh), dr->deployment_id);
            snprintf(where, sizeof(where), "GET %s", path);
            if (poll_get(&body, gh, GH_PAGES, path, e) < 0 ||
                deploy_outcome_statuses(out, state, body, where, e) < 0)
                goto done;
        } else if (dr->run_id) {
            snprintf(path, sizeof(path), "/repos/%s/%s/actions/runs/%lld", gh_owner(gh),
                     gh_name(gh), dr->run_id);
            snprintf(where, sizeof(where), "GET %s", path);
            if (poll_get(&body, gh, GH_SINGLE, path, e) < 0 ||
                deploy_outcome_run(out, state, body, where, e) < 0)
                goto done;
        } else {
            /* GitHub answered the dispatch without the run: find it by tag and commit */
            snprintf(path, sizeof(path),
                     "/repos/%s/%s/actions/workflows/%s/runs?event=workflow_dispatch&head_sha=%s"
                     "&per_page=30",
                     gh_owner(gh), gh_name(gh),
                     json_string_value(json_object_get(env->deploy, "workflow")), commit);
            if (poll_get(&body, gh, GH_SINGLE, path, e) < 0)
                goto done;
            dr->run_id = deploy_find_run(body, dr->tag, commit);
            snprintf(state, 32, "%s", dr->run_id ? "found" : "not_started");
        }
        json_decref(body);
        body = NULL;
        if (*out != DEPLOY_PENDING)
            break;
        if (strcmp(state, "found") == 0)
            continue; /* poll the run at once */
        if (mono_s() + interval_s > deadline) {
            err_set(e, EXIT_EVAL,
                    "the deploy of %s is still '%s' after %.0f s (--wait-timeout); its outcome is "
                    "not recorded: the deploy workflow records it, or use 'promote record deployed'",
                    dr->tag, state, timeout_s);
            goto done;
        }
        {
            struct timespec ts;

            ts.tv_sec = (time_t)interval_s;
            ts.tv_nsec = (long)((interval_s - (double)ts.tv_sec) * 1e9);
            while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !sig_pending())
                ; /* a signal ends the wait: the next request says so */
        }
    }
    rc = 0;
done:
    json_decref(body);
    gh_free(gh);
    return rc;
}
