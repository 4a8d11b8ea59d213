/* promote record deployed|dr-test, promote hold|unhold: signed events in the audit log. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "core/github/actor.h"
#include "core/base/clock.h"
#include "core/github/gh.h"
#include "core/ledger/history.h"
#include "core/ledger/keys.h"
#include "core/out/out.h"
#include "core/engine/policy.h"
#include "core/ledger/record.h"
#include "core/report/report.h"

enum { S_DEPLOYED = 1 << 0, S_DR_TEST = 1 << 1 };

struct event_opts {
    struct cmd_common c;
    const char *env, *commit, *deployment, *result, *evidence, *note, *reason;
};

#define EO(f) offsetof(struct event_opts, f)

static const struct opt record_own[] = {
    {.name = "env", .arg = "<env>", .type = OPT_STRING, .off = EO(env), .flags = OPT_NONEMPTY,
     .help = "the environment the event is about"},
    {.name = "commit", .arg = "<rev>", .type = OPT_STRING, .off = EO(commit),
     .flags = OPT_NONEMPTY,
     .help = "the commit (dr-test default: the one deployed in <env>, else the\n"
             "tip of its branch)"},
    {.name = "result", .arg = "<result>", .type = OPT_STRING, .off = EO(result),
     .flags = OPT_NONEMPTY, .help = "deployed: success or failure; dr-test: pass or fail"},
    {.name = "deployment", .arg = "<id>", .type = OPT_STRING, .off = EO(deployment),
     .flags = OPT_NONEMPTY, .subs = S_DEPLOYED,
     .help = "deployed: the deployment's id (e.g. the GitHub deployment)"},
    {.name = "evidence", .arg = "<file>", .type = OPT_STRING, .off = EO(evidence),
     .flags = OPT_NONEMPTY, .subs = S_DR_TEST,
     .help = "dr-test: a file the entry names with its SHA-256"},
    {.name = "note", .arg = "<text>", .type = OPT_STRING, .off = EO(note), .flags = OPT_NONEMPTY,
     .subs = S_DR_TEST, .help = "dr-test: a note recorded with the result"},
    {.name = NULL},
};

static const struct opt hold_own[] = {
    {.name = "reason", .arg = "<text>", .type = OPT_STRING, .off = EO(reason),
     .flags = OPT_NONEMPTY, .help = "why (recorded in the signed entry)"},
    {.name = NULL},
};

static const struct opt_text event_texts[] = {
    {"policy", NULL, OPT_HIDDEN, 0}, /* refused: what is recorded uses the protected policy */
    {"json", "print the recorded entry as one JSON object", 0, 0},
    {NULL, NULL, 0, 0},
};

static const struct opt *const record_tables[] = {
    record_own, opt_key, opt_repo_policy, opt_remote, opt_json, NULL,
};
static const struct opt *const hold_tables[] = {
    hold_own, opt_key, opt_repo_policy, opt_remote, opt_json, NULL,
};

static const struct opt_sub record_subs[] = {
    {"deployed", "promote record deployed --env <env> --commit <rev> --result success|failure\n"
                 "                              [--deployment <id>] [<common options>]"},
    {"dr-test", "promote record dr-test --env <env> --result pass|fail [--evidence <file>]\n"
                "                              [--note <text>] [<common options>]"},
    {NULL, NULL},
};

#define EVENT_COMMON                                                                               \
    "  common: [--key <file>] [--repo <dir>] [--policy-ref <ref>]\n"                              \
    "          [--remote <name> | --no-remote] [--json]\n"

const struct opt_verb record_optv = {record_tables, event_texts, record_subs, EVENT_COMMON};
const struct opt_verb hold_optv = {hold_tables, event_texts, NULL, NULL};

/* 0 parsed, 1 help printed, -1 usage error (printed). */
static int
parse(struct event_opts *o, int argc, char **argv, const struct cmd *c, int sub,
      const char **pos)
{
    char **p;
    int n, rc;

    rc = opt_parse(o, &p, &n, argc, argv, c, sub);
    if (rc != 0)
        return rc;
    if (n > 1)
        return opt_usage_error(c, sub, "unexpected argument '%s'", p[1]);
    *pos = n ? p[0] : NULL;
    return 0;
}

/* The commit an event is about: the one given, else what is deployed in ENV, else the
 * tip of ENV's branch. */
static int
event_commit(char out[41], struct repo *repo, const struct policy *p, const char *env,
             const char *given, const json_t *history, struct err *e)
{
    const json_t *dep;
    char ref[256];

    if (given)
        return repo_resolve_commit(repo, given, out, e);
    dep = history_last(history, "deployment", env, NULL, "success");
    if (dep) {
        snprintf(out, 41, "%s", json_string_value(json_object_get(dep, "commit")));
        return 0;
    }
    return repo_resolve_branch(repo, policy_env(p, env)->branch, ref, sizeof(ref), out, e);
}

/* Who records the event, when GitHub can say (a repository is known and there is a token):
 * 1 with LOGIN, 0 when GitHub is not configured, -1 with E when it could not say. An
 * event is recorded either way (a hold must not wait for GitHub); the entry then names
 * the actor or why there is none. */
static int
event_actor(char *login, size_t loginsz, const struct cmd_ctx *x, struct err *e)
{
    struct gh *gh = NULL;
    const char *tok = getenv("GITHUB_TOKEN");
    int rc;

    if (!tok || !*tok)
        tok = getenv("GH_TOKEN");
    if (!x->ghc.repo || !tok || !*tok)
        return 0;
    if (gh_new(&gh, &x->ghc, e) < 0)
        return -1;
    rc = actor_establish(login, loginsz, gh, &x->actor, e) < 0 ? -1 : 1;
    gh_free(gh);
    return rc;
}

/* Load, check, sign, append, push, print: the flow every event shares. */
static int
record_event_run(const struct cmd *c, const char *kind, struct event_opts *o, json_t *fields)
{
    struct cmd_ctx x;
    struct record_req rq;
    struct record_result rr;
    struct audit_subject subj;
    struct err e = ERR_INIT;
    char commit[41], actor[128] = "";
    struct err ae = ERR_INIT;
    json_t *st = NULL, *doc, *history = NULL;
    /* the rules read the latest deployment only */
    const struct history_focus focus = {.rollback_env = NULL};
    uint64_t base = 0;
    time_t now;
    int code = EXIT_OK;
    struct loghome home;

    memset(&rq, 0, sizeof(rq));
    if (cmd_setup(&x, c, &o->c, &e) < 0 || clock_now(&now, &e) < 0)
        goto fail;
    if (!policy_env(x.policy, o->env)) {
        err_set(&e, EXIT_USAGE, "unknown environment '%s' (policy '%s')", o->env,
                x.policy->source);
        goto fail;
    }
    if (cmd_setup_record(&rq, &x, &o->c, "no usable signing key", &e) < 0)
        goto fail;
    rq.home = &home;
    rq.focus = &focus;
    if (record_prepare(&rq, &base, &history, &e) < 0 ||
        event_commit(commit, x.repo, x.policy, o->env, o->commit, history, &e) < 0)
        goto fail;
    if (event_actor(actor, sizeof(actor), &x, &ae) < 0)
        json_object_set_new(fields, "actor_error", json_string(ae.msg));
    record_subject(&subj, &rq, NULL, now);
    st = audit_event_statement(kind, o->env, commit, actor[0] ? actor : NULL, fields, &subj);
    if (!st) {
        err_set(&e, EXIT_EVAL, "cannot build the %s entry", kind);
        goto fail;
    }
    if (record_statement(&rr, &rq, st, &e) < 0)
        goto fail;
    if (o->c.json) {
        doc = json_pack("{s:i, s:s, s:s, s:s, s:I, s:s, s:b, s:s?}", "schema_version",
                        OUT_SCHEMA_VERSION, "kind", kind, "env", o->env, "commit", commit, "seq",
                        (json_int_t)rr.entry.seq, "id", rr.entry.id, "pushed", rr.pushed,
                        "actor", actor[0] ? actor : NULL);
        cmd_print_json(doc);
        json_decref(doc);
    } else {
        printf("recorded %s for %s (commit %.12s)%s%s: seq %llu, entry %s (%s)\n", kind,
               o->env, commit, actor[0] ? " by " : "", actor, (unsigned long long)rr.entry.seq,
               rr.entry.id, rr.pushed ? "pushed" : "local only");
    }
    goto done;
fail:
    code = cmd_fail(e.code ? e.code : EXIT_EVAL, e.msg);
done:
    json_decref(history);
    json_decref(st);
    json_decref(fields);
    cmd_ctx_release(&x);
    return code == EXIT_OK ? cmd_finish(code) : code;
}

int
cmd_record(int argc, char **argv)
{
    const struct cmd *c = cmd_find("record");
    struct event_opts o;
    char **argv_pos;
    json_t *fields;
    int rc, sub, npos;

    memset(&o, 0, sizeof(o));
    rc = opt_parse_sub(&o, &sub, &argv_pos, &npos, argc, argv, c);
    if (rc == 0 && npos > 0)
        rc = opt_usage_error(c, sub, "unexpected argument '%s'", argv_pos[0]);
    if (rc)
        return opt_exit(rc);
    if (o.c.policy)
        return cmd_refuse_local_policy(o.c.policy, "record");
    if (!o.env)
        return opt_exit(opt_usage_error(c, sub, "--env is required"));
    if (strcmp(argv[1], "deployed") == 0) {
        if (!o.commit || !o.result ||
            (strcmp(o.result, "success") != 0 && strcmp(o.result, "failure") != 0))
            return opt_exit(opt_usage_error(
                c, sub, "record deployed wants --commit and --result success|failure"));
        fields = json_pack("{s:s, s:s?}", "result", o.result, "deployment", o.deployment);
        return record_event_run(c, "deployment", &o, fields);
    } else {
        struct report_file_hash {
            unsigned char sha[32];
        } h;
        char hex[65];
        struct err e = ERR_INIT;

        if (!o.result || (strcmp(o.result, "pass") != 0 && strcmp(o.result, "fail") != 0))
            return opt_exit(opt_usage_error(c, sub, "record dr-test wants --result pass|fail"));
        fields = json_pack("{s:s, s:s?}", "result", o.result, "note", o.note);
        if (o.evidence) {
            if (report_hash_file(h.sha, o.evidence, &e) < 0) {
                json_decref(fields);
                return cmd_fail(EXIT_EVAL, e.msg);
            }
            out_hex(hex, h.sha, 32);
            json_object_set_new(fields, "evidence",
                                json_pack("{s:s, s:s}", "path", o.evidence, "sha256", hex));
        }
        return record_event_run(c, "dr_test", &o, fields);
    }
}

static int
hold_run(int argc, char **argv, const char *kind)
{
    const struct cmd *c = cmd_find(kind);
    struct event_opts o;
    const char *pos = NULL;
    int rc;

    memset(&o, 0, sizeof(o));
    rc = parse(&o, argc, argv, c, -1, &pos);
    if (rc)
        return opt_exit(rc);
    if (o.c.policy)
        return cmd_refuse_local_policy(o.c.policy, kind);
    if (!pos || !o.reason)
        return opt_exit(opt_usage_error(c, -1, "an environment and --reason are required"));
    o.env = pos;
    return record_event_run(c, kind, &o, json_pack("{s:s}", "reason", o.reason));
}

int
cmd_hold(int argc, char **argv)
{
    return hold_run(argc, argv, "hold");
}

int
cmd_unhold(int argc, char **argv)
{
    return hold_run(argc, argv, "unhold");
}
