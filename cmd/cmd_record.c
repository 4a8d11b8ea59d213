/* promote record deployed|dr-test, promote hold|unhold: signed events in the audit log. */
#include <getopt.h>
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

enum {
    R_ENV = 1,
    R_COMMIT,
    R_DEPLOYMENT,
    R_RESULT,
    R_EVIDENCE,
    R_NOTE,
    R_REASON,
    R_KEY,
    R_REPO,
    R_POLICY,
    R_POLICY_REF,
    R_REMOTE,
    R_NO_REMOTE,
    R_JSON,
    R_HELP
};

struct event_opts {
    const char *env, *commit, *deployment, *result, *evidence, *note, *reason;
    const char *key, *repo, *policy, *policy_ref, *remote;
    int no_remote, json;
};

static const char *const record_usage =
    "usage: promote record deployed --env <env> --commit <rev> --result success|failure\n"
    "                              [--deployment <id>]\n"
    "       promote record dr-test --env <env> --result pass|fail [--evidence <file>]\n"
    "                              [--note <text>]\n"
    "  common: [--key <file>] [--repo <dir>] [--policy-ref <ref>]\n"
    "          [--remote <name> | --no-remote] [--json]\n";

static const char *const hold_usage =
    "usage: promote hold <env> --reason <text> [<common options>]\n"
    "       promote unhold <env> --reason <text> [<common options>]\n"
    "  common: [--key <file>] [--repo <dir>] [--policy-ref <ref>]\n"
    "          [--remote <name> | --no-remote] [--json]\n";

static int
parse(struct event_opts *o, int argc, char **argv, const char *usage, const char **pos)
{
    static const struct option lo[] = {
        {"env", required_argument, NULL, R_ENV},
        {"commit", required_argument, NULL, R_COMMIT},
        {"deployment", required_argument, NULL, R_DEPLOYMENT},
        {"result", required_argument, NULL, R_RESULT},
        {"evidence", required_argument, NULL, R_EVIDENCE},
        {"note", required_argument, NULL, R_NOTE},
        {"reason", required_argument, NULL, R_REASON},
        {"key", required_argument, NULL, R_KEY},
        {"repo", required_argument, NULL, R_REPO},
        {"policy", required_argument, NULL, R_POLICY},
        {"policy-ref", required_argument, NULL, R_POLICY_REF},
        {"remote", required_argument, NULL, R_REMOTE},
        {"no-remote", no_argument, NULL, R_NO_REMOTE},
        {"json", no_argument, NULL, R_JSON},
        {"help", no_argument, NULL, R_HELP},
        {NULL, 0, NULL, 0},
    };
    const char **slot[R_HELP + 1] = {NULL};
    int seen[R_HELP + 1] = {0}, ch;

    slot[R_ENV] = &o->env;
    slot[R_COMMIT] = &o->commit;
    slot[R_DEPLOYMENT] = &o->deployment;
    slot[R_RESULT] = &o->result;
    slot[R_EVIDENCE] = &o->evidence;
    slot[R_NOTE] = &o->note;
    slot[R_REASON] = &o->reason;
    slot[R_KEY] = &o->key;
    slot[R_REPO] = &o->repo;
    slot[R_POLICY] = &o->policy;
    slot[R_POLICY_REF] = &o->policy_ref;
    slot[R_REMOTE] = &o->remote;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (ch == 'h' || ch == R_HELP) {
            fputs(usage, stdout);
            return 1;
        }
        if (ch == '?' || ch == ':' || seen[ch]++) {
            cmd_failf(EXIT_USAGE, "unknown, repeated or incomplete option '%s'",
                      argv[optind - 1]);
            fputs(usage, stderr);
            return -1;
        }
        if (ch == R_NO_REMOTE)
            o->no_remote = 1;
        else if (ch == R_JSON)
            o->json = 1;
        else if (!*optarg) {
            cmd_failf(EXIT_USAGE, "'%s' wants a value", argv[optind - 1]);
            return -1;
        } else
            *slot[ch] = optarg;
    }
    if (o->remote && o->no_remote) {
        cmd_fail(EXIT_USAGE, "--remote and --no-remote cannot be used together");
        return -1;
    }
    *pos = optind < argc ? argv[optind] : NULL;
    if (optind + (*pos ? 1 : 0) < argc) {
        fputs(usage, stderr);
        return -1;
    }
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
event_actor(char *login, size_t loginsz, struct repo *repo, struct err *e)
{
    struct cmd_github_opts o = {NULL, NULL, 0, -1, 0};
    struct cmd_github_bufs b;
    struct gh_config ghc;
    struct actor_env env;
    struct gh *gh = NULL;
    const char *tok = getenv("GITHUB_TOKEN");
    int rc;

    if (!tok || !*tok)
        tok = getenv("GH_TOKEN");
    cmd_github_config(&ghc, &env, &b, repo, &o);
    if (!ghc.repo || !tok || !*tok)
        return 0;
    if (gh_new(&gh, &ghc, e) < 0)
        return -1;
    rc = actor_establish(login, loginsz, gh, &env, e) < 0 ? -1 : 1;
    gh_free(gh);
    return rc;
}

/* Load, check, sign, append, push, print: the flow every event shares. */
static int
record_event_run(const char *kind, struct event_opts *o, json_t *fields)
{
    struct repo *repo = NULL;
    struct policy *policy = NULL;
    struct key *key = NULL;
    struct record_req rq;
    struct record_result rr;
    struct audit_subject subj;
    struct err e = ERR_INIT;
    char repo_uri[1100], commit[41], gh_repo[256], url[1024], actor[128] = "";
    struct err ae = ERR_INIT;
    const char *ghr;
    json_t *st = NULL, *doc, *history = NULL;
    /* the rules read the latest deployment only */
    const struct history_focus focus = {.rollback_env = NULL};
    uint64_t base = 0;
    time_t now;
    int code = EXIT_OK;
    struct cmd_github_opts go = {NULL, NULL, 0, -1, 0};
    struct cmd_github_bufs gb;
    struct gh_config ghc;
    struct actor_env aenv;
    struct loghome home;

    memset(&rq, 0, sizeof(rq));
    if (cmd_repo_open(&repo, o->repo, NULL, &e) < 0 ||
        cmd_load_policy(&policy, repo, o->policy, o->policy_ref, &e) < 0 || clock_now(&now, &e) < 0)
        goto fail;
    if (!policy_env(policy, o->env)) {
        err_set(&e, EXIT_USAGE, "unknown environment '%s' (policy '%s')", o->env, policy->source);
        goto fail;
    }
    if (keys_load(&key, o->key, &e) < 0) {
        err_prefix(&e, "no usable signing key");
        goto fail;
    }
    ghr = getenv("GITHUB_REPOSITORY");
    if ((!ghr || !*ghr) && repo_remote_url(repo, "origin", url, sizeof(url)) == 0 &&
        gh_repo_from_url(gh_repo, sizeof(gh_repo), url) == 0)
        ghr = gh_repo;
    record_repo_uri(repo_uri, sizeof(repo_uri), repo, ghr, getenv("GITHUB_SERVER_URL"));
    rq.repo = repo;
    rq.policy = policy;
    rq.key = key;
    rq.remote = o->remote;
    rq.no_remote = o->no_remote;
    rq.repo_uri = repo_uri;
    cmd_github_config(&ghc, &aenv, &gb, repo, &go);
    rq.gh = &ghc;
    rq.home = &home;
    rq.focus = &focus;
    if (record_prepare(&rq, &base, &history, &e) < 0 ||
        event_commit(commit, repo, policy, o->env, o->commit, history, &e) < 0)
        goto fail;
    if (event_actor(actor, sizeof(actor), repo, &ae) < 0)
        json_object_set_new(fields, "actor_error", json_string(ae.msg));
    record_subject(&subj, &rq, NULL, now);
    st = audit_event_statement(kind, o->env, commit, actor[0] ? actor : NULL, fields, &subj);
    if (!st) {
        err_set(&e, EXIT_EVAL, "cannot build the %s entry", kind);
        goto fail;
    }
    if (record_statement(&rr, &rq, st, &e) < 0)
        goto fail;
    if (o->json) {
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
    keys_free(key);
    policy_free(policy);
    repo_free(repo);
    return code == EXIT_OK ? cmd_finish(code) : code;
}

static int
bad_usage(const char *usage, const char *msg)
{
    cmd_fail(EXIT_USAGE, msg);
    fputs(usage, stderr);
    return EXIT_USAGE;
}

int
cmd_record(int argc, char **argv)
{
    struct event_opts o;
    const char *pos = NULL;
    json_t *fields;
    int rc;

    memset(&o, 0, sizeof(o));
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        if (argc < 2)
            return bad_usage(record_usage, "record what?");
        fputs(record_usage, stdout);
        return cmd_finish(EXIT_OK);
    }
    rc = parse(&o, argc - 1, argv + 1, record_usage, &pos);
    if (rc)
        return rc > 0 ? cmd_finish(EXIT_OK) : EXIT_USAGE;
    if (o.policy)
        return cmd_refuse_local_policy(o.policy, "record");
    if (pos)
        return bad_usage(record_usage, "unexpected argument");
    if (!o.env)
        return bad_usage(record_usage, "--env is required");
    if (strcmp(argv[1], "deployed") == 0) {
        if (!o.commit || !o.result ||
            (strcmp(o.result, "success") != 0 && strcmp(o.result, "failure") != 0))
            return bad_usage(record_usage, "record deployed wants --commit and --result success|failure");
        fields = json_pack("{s:s, s:s?}", "result", o.result, "deployment", o.deployment);
        return record_event_run("deployment", &o, fields);
    }
    if (strcmp(argv[1], "dr-test") == 0) {
        struct report_file_hash {
            unsigned char sha[32];
        } h;
        char hex[65];
        struct err e = ERR_INIT;

        if (!o.result || (strcmp(o.result, "pass") != 0 && strcmp(o.result, "fail") != 0))
            return bad_usage(record_usage, "record dr-test wants --result pass|fail");
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
        return record_event_run("dr_test", &o, fields);
    }
    return bad_usage(record_usage, "unknown record command");
}

static int
hold_run(int argc, char **argv, const char *kind)
{
    struct event_opts o;
    const char *pos = NULL;
    int rc;

    memset(&o, 0, sizeof(o));
    rc = parse(&o, argc, argv, hold_usage, &pos);
    if (rc)
        return rc > 0 ? cmd_finish(EXIT_OK) : EXIT_USAGE;
    if (o.policy)
        return cmd_refuse_local_policy(o.policy, kind);
    if (!pos || !o.reason)
        return bad_usage(hold_usage, "an environment and --reason are required");
    if (o.env || o.commit || o.result || o.deployment || o.evidence || o.note)
        return bad_usage(hold_usage, "unexpected option");
    o.env = pos;
    return record_event_run(kind, &o, json_pack("{s:s}", "reason", o.reason));
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
