#include "record.h"

#include "history.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
record_fetch(struct repo *r, const char *remote, int no_remote, struct err *e)
{
    const char *name = remote ? remote : "origin";

    if (no_remote)
        return 0;
    if (!repo_has_remote(r, name)) {
        if (remote)
            return err_set(e, EXIT_USAGE, "no remote named '%s'", remote);
        return 0;
    }
    /* forced: the remote holds the shared log; a truncated or rewritten remote log is
     * caught by the checkpoint this clone remembers */
    if (repo_fetch(r, name, "+" AUDIT_REF ":" AUDIT_REF, e) < 0)
        return err_prefix(e, "cannot fetch the audit log from '%s'", name);
    return 0;
}

int
record_history(json_t **out, struct repo *r, struct err *e)
{
    struct audit_log log;
    int rc;

    if (audit_load(&log, r, e) < 0)
        return -1;
    rc = history_from_log(out, &log, e);
    audit_log_release(&log);
    return rc;
}

int
record_prepare(const struct record_req *rq, uint64_t *log_size, struct err *e)
{
    struct audit_trust trust;
    struct audit_verified v;
    const struct audit_key *mine = NULL;
    size_t i;

    if (audit_trust_from_policy(&trust, json_object_get(rq->policy->root, "trusted_keys"), e) <
        0)
        return -1;
    for (i = 0; i < trust.n; i++)
        if (strcmp(trust.keys[i].id, rq->key->id) == 0)
            mine = &trust.keys[i];
    if (!mine)
        return err_set(e, EXIT_USAGE,
                       "the signing key %s is not among the policy's trusted_keys, so its "
                       "decisions would not verify; use 'promote check' for an unrecorded "
                       "evaluation",
                       rq->key->id);
    if (record_fetch(rq->repo, rq->remote, rq->no_remote, e) < 0)
        return -1;
    if (audit_verify(&v, rq->repo, &trust, NULL, e) < 0)
        return err_prefix(e, "the audit log does not verify; nothing was evaluated");
    if (mine->not_after_seq && v.size >= mine->not_after_seq)
        return err_set(e, EXIT_USAGE,
                       "the signing key %s is retired (it signs entries up to seq %llu only; "
                       "the log has %llu)",
                       rq->key->id, (unsigned long long)mine->not_after_seq,
                       (unsigned long long)v.size);
    *log_size = v.size;
    return 0;
}

void
record_subject(struct audit_subject *s, const struct record_req *rq, const char *policy_uri,
               time_t now)
{
    memset(s, 0, sizeof(*s));
    s->repo_uri = rq->repo_uri;
    s->policy_uri = policy_uri;
    s->run_url = rq->run_url;
    s->now = now;
}

int
record_statement(struct record_result *out, const struct record_req *rq, const json_t *st,
                 struct err *e)
{
    const char *remote = rq->remote ? rq->remote : "origin";
    char origin[600];
    int attempt, pushed, use_remote;

    memset(out, 0, sizeof(*out));
    use_remote = !rq->no_remote && repo_has_remote(rq->repo, remote);
    snprintf(origin, sizeof(origin), "promote:%s", rq->repo_uri);
    for (attempt = 0; attempt < RECORD_PUSH_ATTEMPTS; attempt++) {
        if (audit_append(&out->entry, rq->repo, st, rq->key, origin, e) < 0)
            return -1;
        if (!use_remote)
            return 0;
        pushed = repo_push(rq->repo, remote, AUDIT_REF, e);
        if (pushed < 0)
            return -1;
        if (pushed == 0) {
            out->pushed = 1;
            snprintf(out->remote, sizeof(out->remote), "%s", remote);
            return 0;
        }
        /* someone else appended first: back off (randomised, growing, so that racing
         * clones fall out of step), take their log and chain ours after it */
        usleep((useconds_t)(((5000u << (attempt < 7 ? attempt : 7)) / 2) +
                            randombytes_uniform(5000u << (attempt < 7 ? attempt : 7))));
        if (record_fetch(rq->repo, rq->remote, 0, e) < 0)
            return -1;
    }
    return err_set(e, EXIT_EVAL, "cannot push the audit log to '%s': %d attempts were rejected",
                   remote, RECORD_PUSH_ATTEMPTS);
}

int
record_decision(struct record_result *out, const struct record_req *rq, const struct decision *d,
                time_t now, struct err *e)
{
    struct audit_subject subj;
    char policy_uri[1200];
    json_t *st;
    int rc;

    snprintf(policy_uri, sizeof(policy_uri), "%s#%s", rq->repo_uri, d->policy_source);
    record_subject(&subj, rq, policy_uri, now);
    st = audit_decision_statement(d, &subj);
    if (!st)
        return err_set(e, EXIT_EVAL, "cannot build the decision statement");
    rc = record_statement(out, rq, st, e);
    json_decref(st);
    return rc;
}

int
record_superseded(const struct record_req *rq, const struct decision *d, uint64_t base,
                  const struct record_result *ours, time_t now, struct err *e)
{
    struct audit_subject subj;
    struct record_result rr;
    json_t *h = NULL, *fields = NULL, *st = NULL;
    json_int_t winner = 0;
    size_t i;
    int rc = -1;

    if (record_history(&h, rq->repo, e) < 0)
        return -1;
    for (i = 0; i < json_array_size(h) && !winner; i++) {
        const json_t *x = json_array_get(h, i);
        json_int_t seq = json_integer_value(json_object_get(x, "seq"));
        const char *kind = json_string_value(json_object_get(x, "kind"));
        const char *env = json_string_value(json_object_get(x, "env"));
        const char *verdict = json_string_value(json_object_get(x, "verdict"));

        if ((uint64_t)seq > base && (uint64_t)seq < ours->entry.seq && kind && env && verdict &&
            strcmp(kind, "decision") == 0 && strcmp(env, d->to) == 0 &&
            strcmp(verdict, "approved") == 0)
            winner = seq;
    }
    if (!winner) {
        rc = 0;
        goto done;
    }
    fields = json_pack("{s:I, s:s, s:s}", "superseded_by", winner, "decision", ours->entry.id,
                       "reason", "another promotion into the environment landed first");
    record_subject(&subj, rq, NULL, now);
    st = fields ? audit_event_statement("superseded", d->to, d->commit,
                                        d->actor[0] ? d->actor : NULL, fields, &subj)
                : NULL;
    if (!st) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    if (record_statement(&rr, rq, st, e) < 0)
        goto done;
    rc = (int)winner;
done:
    json_decref(st);
    json_decref(fields);
    json_decref(h);
    return rc;
}

void
record_repo_uri(char *out, size_t outsz, struct repo *r, const char *github_repo,
                const char *server_url)
{
    char url[1024];
    const char *wd;

    if (github_repo && *github_repo) {
        snprintf(out, outsz, "%s/%s", server_url && *server_url ? server_url : "https://github.com",
                 github_repo);
        return;
    }
    if (repo_remote_url(r, "origin", url, sizeof(url)) == 0) {
        snprintf(out, outsz, "%s", url);
        return;
    }
    wd = repo_workdir(r);
    snprintf(out, outsz, "file://%s", wd ? wd : repo_gitdir(r));
}
