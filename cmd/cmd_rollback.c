/* promote rollback <env>: redeploy the last good state, record it, hold the environment. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "core/actor.h"
#include "core/clock.h"
#include "core/deploy.h"
#include "core/history.h"
#include "core/keys.h"
#include "core/out.h"
#include "core/record.h"
#include "core/rollback.h"

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

/* --to SEQ (digits) or --to TAG (a tag of the repository, peeled to its commit). */
static int
resolve_to(struct rollback_to *to, char commit[41], struct repo *repo, const char *arg,
           struct err *e)
{
    char ref[300];
    size_t i;

    memset(to, 0, sizeof(*to));
    if (!arg)
        return 0;
    for (i = 0; arg[i] >= '0' && arg[i] <= '9'; i++)
        ;
    if (i > 0 && !arg[i]) {
        if (i > 15)
            return err_set(e, EXIT_USAGE, "--to %s: no such entry", arg);
        to->seq = strtoll(arg, NULL, 10);
        if (to->seq <= 0)
            return err_set(e, EXIT_USAGE, "--to %s: entries are numbered from 1", arg);
        return 0;
    }
    snprintf(ref, sizeof(ref), "refs/tags/%s", arg);
    if (strlen(arg) > 250 || repo_resolve_commit(repo, ref, commit, e) < 0)
        return err_set(e, EXIT_USAGE, "--to %.250s: neither an entry number nor a tag", arg);
    to->commit = commit;
    return 0;
}

static json_t *
deploy_json(const struct deploy_result *dr, int deployed, const struct err *de, int waited,
            enum deploy_outcome outcome, const char *wstate, const struct record_result *wr,
            const struct err *we)
{
    if (!deployed)
        return json_null();
    return json_pack("{s:s, s:b, s:s?, s:I, s:I, s:b, s:I, s:s?, s:o}", "tag", dr->tag,
                     "tag_pushed", dr->tag_pushed, "trigger", dr->trigger, "deployment_id",
                     (json_int_t)dr->deployment_id, "run_id", (json_int_t)dr->run_id,
                     "triggered", dr->triggered, "seq", (json_int_t)dr->entry.entry.seq, "error",
                     deployed < 0 ? de->msg : NULL, "wait",
                     out_wait_json(waited, outcome, wstate, wr, we));
}

int
cmd_rollback(int argc, char **argv)
{
    struct rollback_opts o;
    struct repo *repo = NULL;
    struct policy *policy = NULL;
    struct key *key = NULL;
    struct gh *gh = NULL;
    const struct policy_env *env;
    struct record_req rq;
    struct record_result rr, wr;
    struct audit_subject subj;
    struct gh_config ghc;
    struct loghome home;
    struct actor_env actor_env;
    struct cmd_github_bufs ghb;
    struct cmd_github_opts gho;
    struct rollback_target t;
    struct rollback_to to;
    struct deploy_result dr;
    struct deploy_cause cause;
    struct err e = ERR_INIT, de = ERR_INIT, we = ERR_INIT;
    enum deploy_outcome outcome = DEPLOY_PENDING;
    char repo_uri[1100], to_commit[41], actor[128], msg[600], wstate[32] = "";
    const char *role = NULL;
    json_t *history = NULL, *fields = NULL, *st = NULL, *doc;
    uint64_t base = 0;
    time_t now;
    int rc, code = EXIT_OK, deployed = 0, waited = 0;

    memset(&o, 0, sizeof(o));
    memset(&rq, 0, sizeof(rq));
    memset(&dr, 0, sizeof(dr));
    memset(&wr, 0, sizeof(wr));
    rc = parse(&o, argc, argv);
    if (rc != 0)
        return rc > 0 ? cmd_finish(EXIT_OK) : EXIT_USAGE;
    if (o.policy)
        return cmd_refuse_local_policy(o.policy, "rollback");
    if (cmd_repo_open(&repo, o.repo, o.github_api, &e) < 0 ||
        cmd_load_policy(&policy, repo, o.policy, o.policy_ref, &e) < 0 || clock_now(&now, &e) < 0)
        goto fail;
    env = policy_env(policy, o.env);
    if (!env) {
        err_set(&e, EXIT_USAGE, "unknown environment '%s' (policy '%s')", o.env, policy->source);
        goto fail;
    }
    if (!env->rollback_roles) {
        err_set(&e, EXIT_USAGE,
                "the policy '%s' names no rollback role for '%s' ($.environments[].rollback)",
                policy->source, o.env);
        goto fail;
    }
    if (resolve_to(&to, to_commit, repo, o.to, &e) < 0)
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
    /* the log is fetched and its every signature and link verified before it is read */
    if (record_prepare(&rq, &base, &history, &e) < 0)
        goto fail;
    /* who asks, and may they: any failure to know is not a yes */
    if (!ghc.repo) {
        err_set(&e, EXIT_USAGE,
                "a rollback checks the actor's role on GitHub, but the GitHub repository is "
                "unknown (use --github-repo OWNER/NAME, GITHUB_REPOSITORY, or an 'origin' remote)");
        goto fail;
    }
    if (gh_new(&gh, &ghc, &e) < 0 ||
        actor_holding(actor, sizeof(actor), &role, gh, &actor_env,
                      json_object_get(policy->root, "roles"), env->rollback_roles, &e) < 0) {
        err_prefix(&e, "cannot check who may roll back '%s'", o.env);
        goto fail;
    }
    if (!role) {
        char names[300] = "";
        size_t i;

        for (i = 0; i < json_array_size(env->rollback_roles); i++)
            snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
                     i ? ", " : "", json_string_value(json_array_get(env->rollback_roles, i)));
        err_set(&e, EXIT_REJECTED, "'%s' may not roll back '%s': not a member of %s", actor,
                o.env, names);
        goto fail;
    }
    if (rollback_find(&t, history, o.env, &to, &e) < 0)
        goto fail;

    fields = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "reason", o.reason, "from_commit",
                       t.from_commit, "to_commit", t.commit, "to_seq",
                       json_integer_value(json_object_get(t.deployment, "seq")), "decision",
                       json_string_value(json_object_get(t.decision, "id")), "role", role);
    /* the rollback is decided now, after the log and the role were checked */
    if (clock_now(&now, &e) < 0)
        goto fail;
    record_subject(&subj, &rq, NULL, now);
    st = fields ? audit_event_statement("rollback", o.env, t.commit, actor, fields, &subj) : NULL;
    if (!st) {
        err_set(&e, EXIT_EVAL, "cannot build the rollback entry");
        goto fail;
    }
    if (record_statement(&rr, &rq, st, &e) < 0) {
        if (rr.entry.seq)
            err_prefix(&e, "the rollback is in this clone's log only (nothing was deployed)");
        else
            err_prefix(&e, "the rollback could not be recorded (nothing was deployed)");
        goto fail;
    }
    /* the rollback is in the log (and holds the environment): now move the commit */
    snprintf(msg, sizeof(msg), "promote: rollback of %s to %s (seq %lld), rollback seq %llu %s\n",
             o.env, t.commit, (long long)json_integer_value(json_object_get(t.deployment, "seq")),
             (unsigned long long)rr.entry.seq, rr.entry.id);
    cause.commit = t.commit;
    cause.actor = actor;
    cause.kind = "rollback";
    cause.id = rr.entry.id;
    cause.message = msg;
    cause.log_commit = rr.entry.commit;
    cause.log_pushed = rr.pushed;
    if (env->tag_template) {
        deployed = clock_now(&now, &de) == 0 && deploy_run(&dr, &rq, env, &cause, &ghc, now, &de) == 0
                       ? 1
                       : -1;
        if (deployed > 0 && o.wait && dr.triggered)
            waited = deploy_follow(&outcome, wstate, &wr, &dr, &rq, env, &cause, &ghc,
                                   o.wait_timeout, o.wait_interval, &we) == 0
                         ? 1
                         : -1;
    }
    if (o.json) {
        doc = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:{s:I, s:s, s:b, s:s?}, "
                        "s:o, s:b}",
                        "schema_version", OUT_SCHEMA_VERSION, "env", o.env, "actor", actor, "role",
                        role, "from_commit", t.from_commit, "to_commit", t.commit, "to_seq",
                        json_integer_value(json_object_get(t.deployment, "seq")), "decision",
                        json_string_value(json_object_get(t.decision, "id")), "reason", o.reason,
                        "record", "seq", (json_int_t)rr.entry.seq, "id", rr.entry.id, "pushed",
                        rr.pushed, "remote", rr.pushed ? rr.remote : NULL, "deploy",
                        deploy_json(&dr, deployed, &de, waited, outcome, wstate, &wr, &we),
                        "hold", 1);
        if (!doc || cmd_print_json(doc) < 0) {
            json_decref(doc);
            err_set(&e, EXIT_EVAL, "cannot write the result");
            goto fail;
        }
        json_decref(doc);
    } else {
        printf("rollback of %s by %s (%s): %.12s -> %.12s (deployed at seq %lld, decision "
               "%.16s)\n",
               o.env, actor, role, t.from_commit, t.commit,
               (long long)json_integer_value(json_object_get(t.deployment, "seq")),
               json_string_value(json_object_get(t.decision, "id")));
        printf("recorded: seq %llu, rollback %s (%s%s%s)\n", (unsigned long long)rr.entry.seq,
               rr.entry.id, policy->audit_ref, rr.pushed ? ", pushed to " : ", local only",
               rr.pushed ? rr.remote : "");
        if (deployed > 0)
            printf("deployed: tag %s%s; %s%s; recorded as seq %llu\n", dr.tag,
                   dr.tag_pushed ? " (pushed)" : "", dr.trigger ? "triggered " : "no trigger",
                   dr.trigger ? dr.trigger : "", (unsigned long long)dr.entry.entry.seq);
        else if (!deployed)
            printf("no deploy: '%s' has no tag_template in the policy\n", o.env);
        if (waited > 0)
            printf("deploy %s: %s (%s); recorded as seq %llu\n", dr.tag,
                   outcome == DEPLOY_SUCCEEDED ? "succeeded" : "failed", wstate,
                   (unsigned long long)wr.entry.seq);
        printf("%s is on hold: promotions into it are refused until 'promote unhold %s "
               "--reason <text>'\n",
               o.env, o.env);
    }
    if (deployed < 0)
        code = cmd_fail(EXIT_EVAL, de.msg);
    else if (waited < 0)
        code = cmd_fail(EXIT_EVAL, we.msg);
    else if (waited > 0 && outcome != DEPLOY_SUCCEEDED)
        code = cmd_fail(EXIT_EVAL, "the deploy failed; recorded as a failed deployment");
    goto done;
fail:
    code = cmd_fail(e.code ? e.code : EXIT_EVAL, e.msg);
done:
    json_decref(st);
    json_decref(fields);
    json_decref(history);
    gh_free(gh);
    keys_free(key);
    policy_free(policy);
    repo_free(repo);
    return code == EXIT_OK ? cmd_finish(code) : code;
}
