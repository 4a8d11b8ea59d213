#include "core/release/rollback.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ledger/history.h"

int
rollback_env(const struct policy_env **out, const struct policy *p, const char *env,
             struct err *e)
{
    *out = policy_env(p, env);
    if (!*out)
        return err_set(e, EXIT_USAGE, "unknown environment '%s' (policy '%s')", env, p->source);
    if (!(*out)->rollback_roles)
        return err_set(e, EXIT_USAGE,
                       "the policy '%s' names no rollback role for '%s' "
                       "($.environments[].rollback)",
                       p->source, env);
    return 0;
}

int
rollback_to_parse(struct rollback_to *out, char commit[41], struct repo *repo, const char *arg,
                  struct err *e)
{
    char ref[300];
    size_t i;

    memset(out, 0, sizeof(*out));
    if (!arg)
        return 0;
    for (i = 0; arg[i] >= '0' && arg[i] <= '9'; i++)
        ;
    if (i > 0 && !arg[i]) {
        if (i > 15)
            return err_set(e, EXIT_USAGE, "--to %s: no such entry", arg);
        out->seq = strtoll(arg, NULL, 10);
        if (out->seq <= 0)
            return err_set(e, EXIT_USAGE, "--to %s: entries are numbered from 1", arg);
        return 0;
    }
    snprintf(ref, sizeof(ref), "refs/tags/%s", arg);
    if (strlen(arg) > 250 || repo_resolve_commit(repo, ref, commit, e) < 0)
        return err_set(e, EXIT_USAGE, "--to %.250s: neither an entry number nor a tag", arg);
    out->commit = commit;
    return 0;
}

static int
eq(const json_t *o, const char *key, const char *want)
{
    const char *v = json_string_value(json_object_get(o, key));

    return v && want && strcmp(v, want) == 0;
}

static long long
seq_of(const json_t *x)
{
    return (long long)json_integer_value(json_object_get(x, "seq"));
}

static const char *
commit_of(const json_t *x)
{
    return json_string_value(json_object_get(x, "commit"));
}

/* The latest approved decision into ENV for COMMIT recorded before BEFORE. */
static const json_t *
approved_before(const json_t *h, const char *env, const char *commit, long long before)
{
    size_t i;

    for (i = json_array_size(h); i-- > 0;) {
        const json_t *x = json_array_get(h, i);

        if (seq_of(x) < before && eq(x, "kind", "decision") && eq(x, "env", env) &&
            eq(x, "commit", commit) && eq(x, "verdict", "approved"))
            return x;
    }
    return NULL;
}

/* The latest deployment of COMMIT into ENV recorded as successful. */
static const json_t *
last_success(const json_t *h, const char *env, const char *commit)
{
    size_t i;

    for (i = json_array_size(h); i-- > 0;) {
        const json_t *x = json_array_get(h, i);

        if (eq(x, "kind", "deployment") && eq(x, "env", env) && eq(x, "commit", commit) &&
            eq(x, "result", "success"))
            return x;
    }
    return NULL;
}

/* The last deployment into ENV that moved (or was meant to move) something: a trigger
 * that failed deployed nothing. */
static const json_t *
last_deployment(const json_t *h, const char *env)
{
    size_t i;

    for (i = json_array_size(h); i-- > 0;) {
        const json_t *x = json_array_get(h, i);

        if (eq(x, "kind", "deployment") && eq(x, "env", env) &&
            !eq(x, "result", "trigger_failed") && commit_of(x))
            return x;
    }
    return NULL;
}

/* Without --to: walking back, remember the commits later rollbacks left. */
static int
find_latest_good(struct rollback_target *out, const json_t *h, const char *env, struct err *e)
{
    json_t *left = json_object();
    size_t i;

    if (!left)
        return err_set(e, EXIT_EVAL, "out of memory");
    for (i = json_array_size(h); i-- > 0;) {
        const json_t *x = json_array_get(h, i);
        const char *c = commit_of(x);

        if (!eq(x, "env", env) || !c)
            continue;
        if (eq(x, "kind", "rollback")) {
            const char *from = json_string_value(json_object_get(x, "from_commit"));

            if (from && json_object_set_new(left, from, json_true()) < 0)
                break;
            continue;
        }
        if (!eq(x, "kind", "deployment") || !eq(x, "result", "success") ||
            strcmp(c, out->from_commit) == 0 || json_object_get(left, c))
            continue;
        out->decision = approved_before(h, env, c, seq_of(x));
        if (out->decision) {
            out->deployment = x;
            out->commit = c;
            json_decref(left);
            return 0;
        }
    }
    json_decref(left);
    return err_set(e, EXIT_REJECTED,
                   "no earlier good state in '%s': no deployment before seq %lld was recorded "
                   "as successful for a commit with an approved decision into '%s' (and not "
                   "rolled back from)",
                   env, out->from_seq, env);
}

int
rollback_find(struct rollback_target *out, const json_t *history, const char *env,
              const struct rollback_to *to, struct err *e)
{
    const json_t *cur, *x;
    const char *commit;

    memset(out, 0, sizeof(*out));
    cur = last_deployment(history, env);
    if (!cur)
        return err_set(e, EXIT_REJECTED,
                       "nothing has been deployed to '%s': there is no state to roll back from",
                       env);
    out->from_commit = commit_of(cur);
    out->from_seq = seq_of(cur);
    if (!to || (to->seq <= 0 && !to->commit))
        return find_latest_good(out, history, env, e);
    if (to->seq > 0) {
        x = history_at(history, to->seq);
        if (!x || !eq(x, "env", env) || !commit_of(x) ||
            !(eq(x, "kind", "deployment") ||
              (eq(x, "kind", "decision") && eq(x, "verdict", "approved"))))
            return err_set(e, EXIT_USAGE,
                           "--to %lld: not a deployment to or an approved decision into '%s'",
                           to->seq, env);
        commit = commit_of(x);
    } else {
        commit = to->commit;
    }
    if (strcmp(commit, out->from_commit) == 0)
        return err_set(e, EXIT_REJECTED,
                       "%.12s is what was deployed last in '%s' (seq %lld): nothing to roll back",
                       commit, env, out->from_seq);
    out->deployment = last_success(history, env, commit);
    if (!out->deployment)
        return err_set(e, EXIT_REJECTED,
                       "%.12s was never recorded as deployed successfully in '%s': not a good "
                       "state to return to",
                       commit, env);
    out->decision = approved_before(history, env, commit, seq_of(out->deployment));
    if (!out->decision)
        return err_set(e, EXIT_REJECTED,
                       "%.12s has no approved decision into '%s' before its deployment (seq "
                       "%lld): not a good state to return to",
                       commit, env, seq_of(out->deployment));
    out->commit = commit_of(out->deployment);
    return 0;
}
