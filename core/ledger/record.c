#include "core/ledger/record.h"

#include "core/ledger/history.h"
#include "core/ledger/ledger.h"
#include "core/base/sig.h"

#include <stdio.h>
#include <string.h>

/* The ledger request of RQ: the protected policy's keys verify and RQ's key signs. */
static int
ledger_req_of(struct ledger_req *lr, struct ledger_keys *lk, char origin[600],
              const struct record_req *rq, int no_remote, struct err *e)
{
    memset(lr, 0, sizeof(*lr));
    if (rq->policy->local_override)
        return err_set(e, EXIT_USAGE,
                       "the policy '%s' is a local file: what is recorded is evaluated under "
                       "the policy ref's policy only",
                       rq->policy->source);
    if (ledger_keys_for(lk, rq->repo, rq->policy, NULL, e) < 0)
        return -1;
    snprintf(origin, 600, "promote:%s", rq->repo_uri);
    lr->repo = rq->repo;
    lr->keys = lk;
    lr->remote = rq->remote;
    lr->no_remote = no_remote;
    lr->key = rq->key;
    lr->origin = origin;
    lr->focus = rq->focus;
    lr->history = 1;
    return 0;
}

/* The key is the protected policy's and not retired, and the log is fetched, reconciled
 * with the remote (this clone's entries it lacks pushed) and verified into L. */
static int
prepare(struct ledger *l, const struct record_req *rq, struct err *e)
{
    struct ledger_keys lk;
    struct ledger_req lr;
    const struct audit_key *mine = NULL;
    char origin[600];
    size_t i;

    struct loghome own, *home = rq->home ? rq->home : &own;
    char remote[64] = "";

    memset(l, 0, sizeof(*l));
    if (ledger_req_of(&lr, &lk, origin, rq, rq->no_remote, e) < 0 ||
        ledger_remote(remote, &lr, e) < 0 ||
        loghome_check(home, lk.ref, remote, lk.allow_unprotected, rq->gh, e) < 0)
        return -1;
    for (i = 0; i < lk.trust.n; i++)
        if (strcmp(lk.trust.keys[i].id, rq->key->id) == 0)
            mine = &lk.trust.keys[i];
    if (!mine)
        return err_set(e, EXIT_USAGE,
                       "the signing key %s is not among the policy's trusted_keys, so its "
                       "decisions would not verify; use 'promote check' for an unrecorded "
                       "evaluation",
                       rq->key->id);
    if (ledger_open(l, &lr, e) < 0) {
        if (e->code == EXIT_TAMPER)
            err_prefix(e, "the audit log does not verify; nothing was evaluated");
        return -1;
    }
    home->size = l->v.size;
    home->floor_size = l->floor_size;
    snprintf(home->floor_source, sizeof(home->floor_source), "%s", l->floor_source);
    if (mine->not_after_seq && l->v.size >= mine->not_after_seq) {
        err_set(e, EXIT_USAGE,
                "the signing key %s is retired (it signs entries up to seq %llu only; the log "
                "has %llu)",
                rq->key->id, (unsigned long long)mine->not_after_seq,
                (unsigned long long)l->v.size);
        ledger_release(l);
        return -1;
    }
    return 0;
}

int
record_prepare(const struct record_req *rq, uint64_t *log_size, json_t **history, struct err *e)
{
    struct ledger l;

    *history = NULL;
    if (prepare(&l, rq, e) < 0)
        return -1;
    *log_size = l.v.size;
    *history = json_incref(l.history);
    ledger_release(&l);
    return 0;
}

int
record_push_pending(const struct record_req *rq, size_t *pushed, size_t *size, char remote[64],
                    struct err *e)
{
    struct ledger l;

    if (prepare(&l, rq, e) < 0)
        return -1;
    *pushed = l.pushed;
    *size = (size_t)l.v.size;
    snprintf(remote, 64, "%s", l.remote_used ? l.remote : "");
    ledger_release(&l);
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

/* After a failed append: an entry whose objects were written but whose ref never moved
 * to it (a lock, a full disk) is not in the log; its seq says so no more. */
static void
unlinked(struct audit_appended *a, struct repo *r, const char *ref)
{
    struct err te = ERR_INIT;
    char tip[41];

    if (a->seq && (repo_ref_tip(r, ref, tip, &te) < 0 || strcmp(tip, a->commit) != 0))
        a->seq = 0;
}

int
record_statement(struct record_result *out, const struct record_req *rq, const json_t *st,
                 struct err *e)
{
    struct ledger_keys lk;
    struct ledger_req lr;
    char origin[600];
    json_t *own = NULL, *pred, *home;
    int pushed;

    memset(out, 0, sizeof(*out));
    if (rq->home && rq->home->checked) {
        /* every entry says where the log was and whether its host protected it */
        own = json_deep_copy(st);
        pred = json_object_get(own, "predicate");
        if (json_object_get(pred, AUDIT_EXTENSION))
            pred = json_object_get(pred, AUDIT_EXTENSION);
        home = json_is_object(pred) ? loghome_json(rq->home) : NULL;
        if (!home || json_object_set_new(pred, "audit_log", home) < 0) {
            json_decref(own);
            return err_set(e, EXIT_EVAL, "out of memory");
        }
        st = own;
    }
    if (ledger_req_of(&lr, &lk, origin, rq, rq->no_remote, e) < 0) {
        json_decref(own);
        return -1;
    }
    if (ledger_append(&out->entry, &lr, st, e) < 0) {
        json_decref(own);
        unlinked(&out->entry, rq->repo, lk.ref);
        return -1;
    }
    json_decref(own);
    /* a signal during the append: it completed; stop before the network */
    if (sig_check(e,
                  "after recording seq %llu, before pushing it (this clone keeps it; the next "
                  "run pushes it)",
                  (unsigned long long)out->entry.seq) < 0)
        return -1;
    pushed = ledger_push(&out->entry, &lr, out->remote, e);
    if (pushed < 0)
        return err_prefix(e, "seq %llu", (unsigned long long)out->entry.seq);
    out->pushed = pushed;
    return 0;
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
    struct ledger_keys lk;
    struct ledger_req lr;
    struct ledger l;
    char origin[600];
    size_t i;
    int rc = -1;

    /* this clone's log, verified again: it holds ours and everything before it */
    struct history_focus since = {.after = base};

    if (ledger_req_of(&lr, &lk, origin, rq, 1, e) < 0)
        return -1;
    lr.key = NULL;
    lr.focus = &since;
    if (ledger_open(&l, &lr, e) < 0)
        return -1;
    h = json_incref(l.history);
    ledger_release(&l);
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
