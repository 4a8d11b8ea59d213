#include "core/out/out_release.h"

#include "core/out/out.h"

json_t *
out_deploy_json(const struct release_result *r)
{
    const struct deploy_result *dr = &r->deploy;

    if (!r->deployed)
        return json_null();
    return json_pack("{s:s, s:b, s:s?, s:I, s:I, s:b, s:I, s:s?, s:o}", "tag", dr->tag,
                     "tag_pushed", dr->tag_pushed, "trigger", dr->trigger, "deployment_id",
                     (json_int_t)dr->deployment_id, "run_id", (json_int_t)dr->run_id,
                     "triggered", dr->triggered, "seq", (json_int_t)dr->entry.entry.seq, "error",
                     r->deployed < 0 ? r->deploy_err.msg : NULL, "wait",
                     out_wait_json(r->waited, r->outcome, r->observed, &r->outcome_entry,
                                   &r->wait_err));
}

int
out_promotion_json(json_t *doc, const struct release_result *r, const char *audit_ref,
                   const struct loghome *home)
{
    const struct record_result *rr = &r->record;

    if (r->deployed && json_object_set_new(doc, "deploy", out_deploy_json(r)) < 0)
        return -1;
    if (json_object_set_new(doc, "record",
                            json_pack("{s:I, s:s, s:s, s:s, s:b, s:s?, s:o?}", "seq",
                                      (json_int_t)rr->entry.seq, "id", rr->entry.id, "ref",
                                      audit_ref, "log_commit", rr->entry.commit, "pushed",
                                      rr->pushed, "remote", rr->pushed ? rr->remote : NULL,
                                      "audit_log", loghome_json(home))) < 0)
        return -1;
    return json_object_set_new(doc, "superseded_by",
                               r->superseded ? json_integer(r->superseded) : json_null());
}

static void
recorded_text(FILE *f, const struct release_result *r, const char *what, const char *audit_ref)
{
    const struct record_result *rr = &r->record;

    fprintf(f, "recorded: seq %llu, %s %s (%s%s%s)\n", (unsigned long long)rr->entry.seq, what,
            rr->entry.id, audit_ref, rr->pushed ? ", pushed to " : ", local only",
            rr->pushed ? rr->remote : "");
}

static void
deploy_text(FILE *f, const struct release_result *r)
{
    const struct deploy_result *dr = &r->deploy;

    if (r->deployed > 0)
        fprintf(f, "deployed: tag %s%s; %s%s; recorded as seq %llu\n", dr->tag,
                dr->tag_pushed ? " (pushed)" : "", dr->trigger ? "triggered " : "no trigger",
                dr->trigger ? dr->trigger : "", (unsigned long long)dr->entry.entry.seq);
}

static void
wait_text(FILE *f, const struct release_result *r)
{
    if (r->waited > 0)
        fprintf(f, "deploy %s: %s (%s); recorded as seq %llu\n", r->deploy.tag,
                r->outcome == DEPLOY_SUCCEEDED ? "succeeded" : "failed", r->observed,
                (unsigned long long)r->outcome_entry.entry.seq);
}

void
out_promotion_text(FILE *f, const struct release_result *r, const char *audit_ref, int wait)
{
    recorded_text(f, r, "decision", audit_ref);
    deploy_text(f, r);
    if (r->deployed > 0 && wait && !r->deploy.triggered)
        fprintf(f, "--wait: '%s' has no deploy trigger in the policy, nothing to wait for\n",
                r->env);
    wait_text(f, r);
}

json_t *
out_already_deployed_json(const char *from, const char *to, const char *commit,
                          const json_t *deployment)
{
    return json_pack("{s:i, s:s, s:s, s:s, s:s, s:{s:I, s:O?}}", "schema_version",
                     OUT_SCHEMA_VERSION, "verdict", "already_deployed", "from", from, "to", to,
                     "commit", commit, "deployment", "seq",
                     json_integer_value(json_object_get(deployment, "seq")), "time",
                     json_object_get(deployment, "time"));
}

void
out_already_deployed_text(FILE *f, const char *to, const char *commit, const json_t *deployment)
{
    fprintf(f,
            "already deployed: %s is the latest successful deployment in %s (seq %lld); "
            "nothing recorded, nothing triggered\n",
            commit, to, (long long)json_integer_value(json_object_get(deployment, "seq")));
}

json_t *
out_audit_log_json(uint64_t entries, const char *keys_from, int keys_local)
{
    return json_pack("{s:I, s:s, s:b}", "entries", (json_int_t)entries, "keys_from", keys_from,
                     "keys_local", keys_local);
}

void
out_audit_log_text(FILE *f, uint64_t entries, const char *keys_from, int keys_local)
{
    char clean[512];

    out_sanitize(clean, sizeof(clean), keys_from);
    fprintf(f, "audit log: %llu entries, verified with the trusted keys of %s%s\n",
            (unsigned long long)entries, clean,
            keys_local ? " (the local file: there is no protected policy on the policy ref)"
                       : " (the protected policy, not the local file)");
}

json_t *
out_rollback_json(const struct release_result *r, const char *reason)
{
    const struct rollback_target *t = &r->target;
    const struct record_result *rr = &r->record;

    return json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:{s:I, s:s, s:b, s:s?}, "
                     "s:o, s:b}",
                     "schema_version", OUT_SCHEMA_VERSION, "env", r->env, "actor", r->actor,
                     "role", r->role, "from_commit", t->from_commit, "to_commit", t->commit,
                     "to_seq", json_integer_value(json_object_get(t->deployment, "seq")),
                     "decision", json_string_value(json_object_get(t->decision, "id")), "reason",
                     reason, "record", "seq", (json_int_t)rr->entry.seq, "id", rr->entry.id,
                     "pushed", rr->pushed, "remote", rr->pushed ? rr->remote : NULL, "deploy",
                     out_deploy_json(r), "hold", 1);
}

void
out_rollback_text(FILE *f, const struct release_result *r, const char *audit_ref)
{
    const struct rollback_target *t = &r->target;

    fprintf(f, "rollback of %s by %s (%s): %.12s -> %.12s (deployed at seq %lld, decision %.16s)\n",
            r->env, r->actor, r->role, t->from_commit, t->commit,
            (long long)json_integer_value(json_object_get(t->deployment, "seq")),
            json_string_value(json_object_get(t->decision, "id")));
    recorded_text(f, r, "rollback", audit_ref);
    if (!r->deployed)
        fprintf(f, "no deploy: '%s' has no tag_template in the policy\n", r->env);
    deploy_text(f, r);
    wait_text(f, r);
    fprintf(f,
            "%s is on hold: promotions into it are refused until 'promote unhold %s "
            "--reason <text>'\n",
            r->env, r->env);
}
