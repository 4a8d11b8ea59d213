#include "core/release/release.h"

#include <stdio.h>
#include <string.h>

#include "core/ledger/audit.h"
#include "core/base/clock.h"

static int
real_actor_role(char *login, size_t loginsz, const char **role, const struct release_req *r,
                const struct policy_env *env, const struct actor_env *actor_env,
                struct err *e)
{
    struct gh *gh = NULL;
    int rc;

    rc = gh_new(&gh, r->gh, e) < 0 ||
                 actor_holding(login, loginsz, role, gh, actor_env,
                               json_object_get(r->rq->policy->root, "roles"),
                               env->rollback_roles, e) < 0
             ? -1
             : 0;
    gh_free(gh);
    return rc;
}

const struct release_ports release_ports_real = {
    .now = clock_now,
    .record_decision = record_decision,
    .record_statement = record_statement,
    .superseded = record_superseded,
    .deploy_run = deploy_run,
    .deploy_wait = deploy_wait,
    .actor_role = real_actor_role,
};

static const struct release_ports *
ports(const struct release_req *r)
{
    return r->ports ? r->ports : &release_ports_real;
}

/* Append a deployment entry for C into ENV with FIELDS, at AT. */
static int
record_deployment(struct record_result *out, const struct release_req *r,
                  const struct policy_env *env, const struct deploy_cause *c, const json_t *fields,
                  time_t at, struct err *e)
{
    struct audit_subject subj;
    json_t *st;
    int rc;

    record_subject(&subj, r->rq, NULL, at);
    st = audit_event_statement("deployment", env->name, c->commit, c->actor, fields, &subj);
    if (!st)
        return err_set(e, EXIT_EVAL, "cannot build the deployment entry");
    rc = ports(r)->record_statement(out, r->rq, st, e);
    json_decref(st);
    return rc;
}

/* --wait: poll until the deploy ends, then record the outcome at the time it was seen:
 * the soak of a deploy that took 25 minutes starts when it succeeded. */
static void
follow(struct release_result *res, const struct release_req *r, const struct policy_env *env,
       const struct deploy_cause *c)
{
    const struct deploy_result *dr = &res->deploy;
    char did[32], rid[32];
    json_t *fields;
    time_t seen;
    int rc;

    res->waited = -1;
    if (ports(r)->deploy_wait(&res->outcome, res->observed, &res->deploy, env, c->commit, r->gh,
                              r->wait_timeout > 0 ? r->wait_timeout : DEPLOY_WAIT_TIMEOUT_S,
                              r->wait_interval > 0 ? r->wait_interval : DEPLOY_WAIT_INTERVAL_S,
                              &res->wait_err) < 0 ||
        ports(r)->now(&seen, &res->wait_err) < 0)
        return;
    snprintf(did, sizeof(did), "%lld", dr->deployment_id);
    snprintf(rid, sizeof(rid), "%lld", dr->run_id);
    fields = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s, s:s, s:s}", "result",
                       res->outcome == DEPLOY_SUCCEEDED ? "success" : "failure", "tag", dr->tag,
                       "trigger", dr->trigger, "deployment", dr->deployment_id ? did : NULL,
                       "run", dr->run_id ? rid : NULL, "observed", res->observed, c->kind, c->id,
                       "reported_by", "promote --wait");
    rc = fields ? record_deployment(&res->outcome_entry, r, env, c, fields, seen,
                                    &res->wait_err)
                : err_set(&res->wait_err, EXIT_EVAL, "out of memory");
    json_decref(fields);
    if (rc < 0) {
        err_prefix(&res->wait_err, "the deploy of %s ended (%s) but could not be recorded",
                   dr->tag, res->observed);
        return;
    }
    res->waited = 1;
}

/* Tag, push, trigger, record the trigger (or its failure, once the tag exists), and
 * follow the deploy when asked. Each step is of the moment it happens. */
static void
deploy(struct release_result *res, const struct release_req *r, const struct policy_env *env,
       const struct deploy_cause *c)
{
    struct deploy_result *dr = &res->deploy;
    struct err te = ERR_INIT, re = ERR_INIT;
    char did[32], rid[32];
    json_t *fields;
    time_t at;
    int ok, rc;

    if (!env->tag_template)
        return;
    res->deployed = -1;
    if (ports(r)->now(&at, &res->deploy_err) < 0)
        return;
    ok = ports(r)->deploy_run(dr, r->rq, env, c, r->gh, at, &te) == 0;
    if (!ok && !dr->tagged) {
        res->deploy_err = te; /* nothing happened that an entry could record */
        return;
    }
    snprintf(did, sizeof(did), "%lld", dr->deployment_id);
    snprintf(rid, sizeof(rid), "%lld", dr->run_id);
    fields = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s, s:s?}", "result",
                       ok ? (env->deploy ? "triggered" : "tagged") : "trigger_failed", "tag",
                       dr->tag, "trigger", dr->trigger, "deployment",
                       dr->deployment_id ? did : NULL, "run", dr->run_id ? rid : NULL, c->kind,
                       c->id, "error", ok ? NULL : te.msg);
    rc = !fields ? err_set(&re, EXIT_EVAL, "out of memory")
         : ports(r)->now(&at, &re) < 0
             ? -1
             : record_deployment(&dr->entry, r, env, c, fields, at, &re);
    json_decref(fields);
    if (rc < 0) {
        if (!ok)
            err_set(&res->deploy_err, EXIT_EVAL, "%s; and the failure could not be recorded: %s",
                    te.msg, re.msg);
        else
            err_set(&res->deploy_err, EXIT_EVAL,
                    "the deploy of %s was triggered but could not be recorded: %s", dr->tag,
                    re.msg);
        return;
    }
    if (!ok) {
        res->deploy_err = te;
        res->deploy_err.code = EXIT_EVAL;
        return;
    }
    res->deployed = 1;
    if (r->wait && dr->triggered)
        follow(res, r, env, c);
}

int
release_promotion(struct release_result *out, const struct release_req *r,
                  const struct decision *d, time_t decided, uint64_t base, struct err *e)
{
    const struct policy_env *env = policy_env(r->rq->policy, d->to);
    struct deploy_cause cause;
    char tag_msg[300];
    time_t at;

    memset(out, 0, sizeof(*out));
    snprintf(out->env, sizeof(out->env), "%s", d->to);
    if (ports(r)->record_decision(&out->record, r->rq, d, decided, e) < 0) {
        if (out->record.entry.seq)
            return err_prefix(e, "the decision (%s) is in this clone's log only",
                              decision_verdict_name(d->verdict));
        return err_prefix(e, "the decision (%s) could not be recorded",
                          decision_verdict_name(d->verdict));
    }
    out->recorded = 1;
    if (d->verdict != DECISION_APPROVED)
        return 0;
    /* two promotions at once: the decision that landed first deploys */
    if (ports(r)->now(&at, e) < 0)
        return -1;
    out->superseded = ports(r)->superseded(r->rq, d, base, &out->record, at, e);
    if (out->superseded < 0) {
        out->superseded = 0;
        return -1;
    }
    if (out->superseded)
        return 0;
    /* only after the approved decision is in the log: tag, push, trigger, record */
    snprintf(tag_msg, sizeof(tag_msg), "promote: %s -> %s, decision seq %llu %s\n", d->from,
             d->to, (unsigned long long)out->record.entry.seq, out->record.entry.id);
    cause.commit = d->commit;
    cause.actor = d->actor[0] ? d->actor : NULL;
    cause.kind = "decision";
    cause.id = out->record.entry.id;
    cause.message = tag_msg;
    cause.log_commit = out->record.entry.commit;
    cause.log_pushed = out->record.pushed;
    deploy(out, r, env, &cause);
    return 0;
}

/* Who asks, and may they: any failure to know is not a yes. */
static int
check_role(struct release_result *out, const struct release_req *r, const struct policy_env *env,
           const struct actor_env *actor_env, struct err *e)
{
    char names[300] = "";
    size_t i;

    if (!r->gh || !r->gh->repo)
        return err_set(e, EXIT_USAGE,
                       "a rollback checks the actor's role on GitHub, but the GitHub repository "
                       "is unknown (use --github-repo OWNER/NAME, GITHUB_REPOSITORY, or an "
                       "'origin' remote)");
    if (ports(r)->actor_role(out->actor, sizeof(out->actor), &out->role, r, env, actor_env, e) <
        0)
        return err_prefix(e, "cannot check who may roll back '%s'", env->name);
    if (out->role)
        return 0;
    for (i = 0; i < json_array_size(env->rollback_roles); i++)
        snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", i ? ", " : "",
                 json_string_value(json_array_get(env->rollback_roles, i)));
    return err_set(e, EXIT_REJECTED, "'%s' may not roll back '%s': not a member of %s",
                   out->actor, env->name, names);
}

int
release_rollback(struct release_result *out, const struct release_req *r,
                 const struct policy_env *env, const char *reason, const struct rollback_to *to,
                 const json_t *history, const struct actor_env *actor_env, struct err *e)
{
    const struct rollback_target *t = &out->target;
    struct audit_subject subj;
    struct deploy_cause cause;
    json_t *fields = NULL, *st = NULL;
    json_int_t to_seq;
    char msg[600];
    time_t now;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    snprintf(out->env, sizeof(out->env), "%s", env->name);
    if (check_role(out, r, env, actor_env, e) < 0 ||
        rollback_find(&out->target, history, env->name, to, e) < 0)
        return -1;
    to_seq = json_integer_value(json_object_get(t->deployment, "seq"));
    fields = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "reason", reason, "from_commit",
                       t->from_commit, "to_commit", t->commit, "to_seq", to_seq, "decision",
                       json_string_value(json_object_get(t->decision, "id")), "role", out->role);
    /* the rollback is decided now, after the log and the role were checked */
    if (ports(r)->now(&now, e) < 0)
        goto done;
    record_subject(&subj, r->rq, NULL, now);
    st = fields ? audit_event_statement("rollback", env->name, t->commit, out->actor, fields,
                                        &subj)
                : NULL;
    if (!st) {
        err_set(e, EXIT_EVAL, "cannot build the rollback entry");
        goto done;
    }
    if (ports(r)->record_statement(&out->record, r->rq, st, e) < 0) {
        if (out->record.entry.seq)
            err_prefix(e, "the rollback is in this clone's log only (nothing was deployed)");
        else
            err_prefix(e, "the rollback could not be recorded (nothing was deployed)");
        goto done;
    }
    out->recorded = 1;
    /* the rollback is in the log (and holds the environment): now move the commit */
    snprintf(msg, sizeof(msg), "promote: rollback of %s to %s (seq %lld), rollback seq %llu %s\n",
             env->name, t->commit, (long long)to_seq, (unsigned long long)out->record.entry.seq,
             out->record.entry.id);
    cause.commit = t->commit;
    cause.actor = out->actor;
    cause.kind = "rollback";
    cause.id = out->record.entry.id;
    cause.message = msg;
    cause.log_commit = out->record.entry.commit;
    cause.log_pushed = out->record.pushed;
    deploy(out, r, env, &cause);
    rc = 0;
done:
    json_decref(st);
    json_decref(fields);
    return rc;
}

int
release_exit_code(const struct release_result *res, int code, char *why, size_t whysz)
{
    why[0] = '\0';
    if (res->superseded) {
        snprintf(why, whysz,
                 "superseded by seq %d: another promotion into %s landed first; this one is "
                 "recorded and not deployed",
                 res->superseded, res->env);
        return EXIT_REJECTED;
    }
    if (res->deployed < 0) {
        snprintf(why, whysz, "%s", res->deploy_err.msg);
        return EXIT_EVAL;
    }
    if (res->waited < 0) {
        snprintf(why, whysz, "%s", res->wait_err.msg);
        return EXIT_EVAL;
    }
    if (res->waited > 0 && res->outcome != DEPLOY_SUCCEEDED) {
        snprintf(why, whysz, "the deploy failed; recorded as a failed deployment");
        return EXIT_EVAL;
    }
    return code;
}
