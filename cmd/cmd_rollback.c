/* promote rollback <env>: redeploy the last good state, record it, hold the environment. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "core/ledger/history.h"
#include "core/ledger/keys.h"
#include "core/out/out_release.h"
#include "core/ledger/record.h"
#include "core/release/release.h"

enum {
    O_TO = 1,
    O_REASON,
    O_REPO,
    O_POLICY,
    O_POLICY_REF,
    O_KEY,
    O_REMOTE,
    O_NO_REMOTE,
    O_GITHUB_API,
    O_GITHUB_REPO,
    O_GITHUB_TIMEOUT,
    O_VERBOSE,
    O_WAIT,
    O_WAIT_TIMEOUT,
    O_WAIT_INTERVAL,
    O_JSON,
    O_HELP
};

struct rollback_opts {
    const char *env, *to, *reason, *repo, *policy, *policy_ref, *key, *remote;
    const char *github_api, *github_repo;
    double github_timeout, wait_timeout, wait_interval;
    int no_remote, verbose, wait, json;
};

static int
usage_error(const char *msg)
{
    cmd_fail(EXIT_USAGE, msg);
    cmd_usage(stderr, cmd_find("rollback"));
    return -1;
}

/* 0 parsed, 1 help printed, -1 usage error (printed). */
static int
parse(struct rollback_opts *o, int argc, char **argv)
{
    static const struct option lo[] = {
        {"to", required_argument, NULL, O_TO},
        {"reason", required_argument, NULL, O_REASON},
        {"repo", required_argument, NULL, O_REPO},
        {"policy", required_argument, NULL, O_POLICY},
        {"policy-ref", required_argument, NULL, O_POLICY_REF},
        {"key", required_argument, NULL, O_KEY},
        {"remote", required_argument, NULL, O_REMOTE},
        {"no-remote", no_argument, NULL, O_NO_REMOTE},
        {"github-api", required_argument, NULL, O_GITHUB_API},
        {"github-repo", required_argument, NULL, O_GITHUB_REPO},
        {"github-timeout", required_argument, NULL, O_GITHUB_TIMEOUT},
        {"verbose", no_argument, NULL, O_VERBOSE},
        {"wait", no_argument, NULL, O_WAIT},
        {"wait-timeout", required_argument, NULL, O_WAIT_TIMEOUT},
        {"wait-interval", required_argument, NULL, O_WAIT_INTERVAL},
        {"json", no_argument, NULL, O_JSON},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    const char **slot[O_HELP + 1] = {NULL};
    int seen[O_HELP + 1] = {0}, ch;
    char msg[300];

    slot[O_TO] = &o->to;
    slot[O_REASON] = &o->reason;
    slot[O_REPO] = &o->repo;
    slot[O_POLICY] = &o->policy;
    slot[O_POLICY_REF] = &o->policy_ref;
    slot[O_KEY] = &o->key;
    slot[O_REMOTE] = &o->remote;
    slot[O_GITHUB_API] = &o->github_api;
    slot[O_GITHUB_REPO] = &o->github_repo;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (ch == 'h' || ch == O_HELP) {
            cmd_usage(stdout, cmd_find("rollback"));
            return 1;
        }
        if (ch == '?' || ch == ':' || seen[ch]++) {
            snprintf(msg, sizeof(msg), "unknown, repeated or incomplete option '%.200s'",
                     argv[optind - 1]);
            return usage_error(msg);
        }
        switch (ch) {
        case O_NO_REMOTE:
            o->no_remote = 1;
            break;
        case O_VERBOSE:
            o->verbose = 1;
            break;
        case O_WAIT:
            o->wait = 1;
            break;
        case O_JSON:
            o->json = 1;
            break;
        case O_GITHUB_TIMEOUT:
            if (cmd_parse_number(&o->github_timeout, optarg, 0.001, 3600) < 0)
                return usage_error("--github-timeout wants seconds (0.001 to 3600)");
            break;
        case O_WAIT_TIMEOUT:
            if (cmd_parse_number(&o->wait_timeout, optarg, 1, 86400) < 0)
                return usage_error("--wait-timeout wants seconds (1 to 86400)");
            break;
        case O_WAIT_INTERVAL:
            if (cmd_parse_number(&o->wait_interval, optarg, 0.01, 3600) < 0)
                return usage_error("--wait-interval wants seconds (0.01 to 3600)");
            break;
        default:
            if (!*optarg) {
                snprintf(msg, sizeof(msg), "'%.200s' wants a value", argv[optind - 1]);
                return usage_error(msg);
            }
            *slot[ch] = optarg;
        }
    }
    if (argc - optind != 1)
        return usage_error("expected one environment");
    o->env = argv[optind];
    if (!o->reason)
        return usage_error("a rollback needs --reason <text>");
    if (o->policy && o->policy_ref)
        return usage_error("--policy and --policy-ref cannot be used together");
    if (o->remote && o->no_remote)
        return usage_error("--remote and --no-remote cannot be used together");
    if ((o->wait_timeout > 0 || o->wait_interval > 0) && !o->wait)
        return usage_error("--wait-timeout and --wait-interval go with --wait");
    return 0;
}

int
cmd_rollback(int argc, char **argv)
{
    struct rollback_opts o;
    struct repo *repo = NULL;
    struct policy *policy = NULL;
    struct key *key = NULL;
    const struct policy_env *env;
    struct record_req rq;
    struct release_req rr;
    struct release_result res;
    struct gh_config ghc;
    struct loghome home;
    struct actor_env actor_env;
    struct cmd_github_bufs ghb;
    struct cmd_github_opts gho;
    struct rollback_to to;
    struct err e = ERR_INIT;
    char repo_uri[1100], to_commit[41], why[512];
    json_t *history = NULL, *doc;
    /* the entries a rollback reads: every good state of the environment */
    struct history_focus focus = {.rollback_env = NULL};
    uint64_t base = 0;
    int rc, code;

    memset(&o, 0, sizeof(o));
    memset(&rq, 0, sizeof(rq));
    memset(&rr, 0, sizeof(rr));
    memset(&res, 0, sizeof(res));
    memset(&home, 0, sizeof(home));
    rc = parse(&o, argc, argv);
    if (rc != 0)
        return rc > 0 ? cmd_finish(EXIT_OK) : EXIT_USAGE;
    if (o.policy)
        return cmd_refuse_local_policy(o.policy, "rollback");
    if (cmd_repo_open(&repo, o.repo, o.github_api, &e) < 0 ||
        cmd_load_policy(&policy, repo, o.policy, o.policy_ref, &e) < 0 ||
        rollback_env(&env, policy, o.env, &e) < 0 ||
        rollback_to_parse(&to, to_commit, repo, o.to, &e) < 0)
        goto fail;
    if (keys_load(&key, o.key, &e) < 0) {
        err_prefix(&e, "no usable signing key");
        goto fail;
    }
    gho.api = o.github_api;
    gho.repo = o.github_repo;
    gho.timeout = o.github_timeout;
    gho.max_wait = -1;
    gho.verbose = o.verbose;
    cmd_github_config(&ghc, &actor_env, &ghb, repo, &gho);
    record_repo_uri(repo_uri, sizeof(repo_uri), repo, ghc.repo, getenv("GITHUB_SERVER_URL"));
    rq.repo = repo;
    rq.policy = policy;
    rq.key = key;
    rq.remote = o.remote;
    rq.no_remote = o.no_remote;
    rq.repo_uri = repo_uri;
    rq.gh = &ghc;
    rq.home = &home;
    focus.commits[0] = to.commit;
    focus.rollback_env = o.env;
    rq.focus = &focus;
    rr.rq = &rq;
    rr.gh = &ghc;
    rr.wait = o.wait;
    rr.wait_timeout = o.wait_timeout;
    rr.wait_interval = o.wait_interval;
    /* the log is fetched and its every signature and link verified before it is read */
    if (record_prepare(&rq, &base, &history, &e) < 0 ||
        release_rollback(&res, &rr, env, o.reason, &to, history, &actor_env, &e) < 0)
        goto fail;
    if (o.json) {
        doc = out_rollback_json(&res, o.reason);
        rc = cmd_print_json(doc);
        json_decref(doc);
        if (rc < 0) {
            err_set(&e, EXIT_EVAL, "cannot write the result");
            goto fail;
        }
    } else {
        out_rollback_text(stdout, &res, policy->audit_ref);
    }
    code = release_exit_code(&res, EXIT_OK, why, sizeof(why));
    code = code == EXIT_OK ? cmd_finish(code) : cmd_fail(code, why);
    goto done;
fail:
    code = cmd_fail(e.code ? e.code : EXIT_EVAL, e.msg);
done:
    json_decref(history);
    keys_free(key);
    policy_free(policy);
    repo_free(repo);
    return code;
}
