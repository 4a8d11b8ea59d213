/* promote <from> <to>: evaluate a promotion (check is the same, recording nothing). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/deploy.h"
#include "core/engine.h"
#include "core/explain.h"
#include "core/ghactions.h"
#include "core/keys.h"
#include "core/ledger.h"
#include "core/out.h"
#include "core/record.h"

#define MAX_OVERRIDES 64

enum {
    OPT_REPO = 1,
    OPT_POLICY,
    OPT_POLICY_REF,
    OPT_COMMIT,
    OPT_EVIDENCE,
    OPT_JSON,
    OPT_GITHUB_API,
    OPT_GITHUB_REPO,
    OPT_GITHUB_TIMEOUT,
    OPT_GITHUB_MAX_WAIT,
    OPT_RELEASE_PR,
    OPT_RELEASE_VERSION,
    OPT_VERBOSE,
    OPT_KEY,
    OPT_REMOTE,
    OPT_NO_REMOTE,
    OPT_BREAK_GLASS,
    OPT_REASON,
    OPT_WAIT,
    OPT_WAIT_TIMEOUT,
    OPT_WAIT_INTERVAL,
    OPT_HELP
};

struct promote_opts {
    const char *repo;
    const char *policy;
    const char *policy_ref;
    const char *commit;
    int json;
    int verbose;
    const char *github_api;
    const char *github_repo;
    double github_timeout; /* seconds; 0: default */
    long github_max_wait;  /* seconds; -1: default */
    long release_pr;
    const char *release_version;
    const char *key;
    const char *remote;
    int no_remote;
    int break_glass;
    const char *reason;
    int wait;
    double wait_timeout;  /* seconds; 0: default */
    double wait_interval; /* seconds; 0: default */
    struct evidence_override overrides[MAX_OVERRIDES];
    size_t n_overrides;
    const char *from;
    const char *to;
};

static int
usage_error(const struct cmd *c, const char *msg)
{
    cmd_fail(EXIT_USAGE, msg);
    cmd_usage(stderr, c);
    return EXIT_USAGE;
}

int
cmd_parse_number(double *out, const char *s, double min, double max)
{
    char *end = NULL;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= min && v <= max)) /* nan compares false */
        return -1;
    *out = v;
    return 0;
}

/* 0 parsed, 1 help printed, -1 usage error (printed). */
static int
parse_opts(struct promote_opts *o, int argc, char **argv, const struct cmd *c)
{
    static const struct option longopts[] = {
        {"repo", required_argument, NULL, OPT_REPO},
        {"policy", required_argument, NULL, OPT_POLICY},
        {"policy-ref", required_argument, NULL, OPT_POLICY_REF},
        {"commit", required_argument, NULL, OPT_COMMIT},
        {"evidence", required_argument, NULL, OPT_EVIDENCE},
        {"json", no_argument, NULL, OPT_JSON},
        {"github-api", required_argument, NULL, OPT_GITHUB_API},
        {"github-repo", required_argument, NULL, OPT_GITHUB_REPO},
        {"github-timeout", required_argument, NULL, OPT_GITHUB_TIMEOUT},
        {"github-max-wait", required_argument, NULL, OPT_GITHUB_MAX_WAIT},
        {"release-pr", required_argument, NULL, OPT_RELEASE_PR},
        {"release-version", required_argument, NULL, OPT_RELEASE_VERSION},
        {"verbose", no_argument, NULL, OPT_VERBOSE},
        {"key", required_argument, NULL, OPT_KEY},
        {"remote", required_argument, NULL, OPT_REMOTE},
        {"no-remote", no_argument, NULL, OPT_NO_REMOTE},
        {"break-glass", no_argument, NULL, OPT_BREAK_GLASS},
        {"reason", required_argument, NULL, OPT_REASON},
        {"wait", no_argument, NULL, OPT_WAIT},
        {"wait-timeout", required_argument, NULL, OPT_WAIT_TIMEOUT},
        {"wait-interval", required_argument, NULL, OPT_WAIT_INTERVAL},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    int seen[OPT_HELP + 1] = {0};
    char msg[256];
    int ch;

    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (ch == '?' || ch == ':') {
            snprintf(msg, sizeof(msg), "unknown option or missing value: '%s'",
                     argv[optind - 1]);
            return usage_error(c, msg), -1;
        }
        if (ch == 'h' || ch == OPT_HELP) {
            cmd_usage(stdout, c);
            return 1;
        }
        if (ch != OPT_EVIDENCE && seen[ch]++) {
            snprintf(msg, sizeof(msg), "option '%s' given twice", argv[optind - 1]);
            return usage_error(c, msg), -1;
        }
        switch (ch) {
        case OPT_REPO:
            o->repo = optarg;
            break;
        case OPT_POLICY:
            o->policy = optarg;
            break;
        case OPT_POLICY_REF:
            o->policy_ref = optarg;
            break;
        case OPT_COMMIT:
            o->commit = optarg;
            break;
        case OPT_JSON:
            o->json = 1;
            break;
        case OPT_VERBOSE:
            o->verbose = 1;
            break;
        case OPT_KEY:
            o->key = optarg;
            break;
        case OPT_REMOTE:
            o->remote = optarg;
            break;
        case OPT_NO_REMOTE:
            o->no_remote = 1;
            break;
        case OPT_BREAK_GLASS:
            o->break_glass = 1;
            break;
        case OPT_REASON:
            if (!*optarg)
                return usage_error(c, "--reason wants a text"), -1;
            o->reason = optarg;
            break;
        case OPT_WAIT:
            o->wait = 1;
            break;
        case OPT_WAIT_TIMEOUT:
            if (cmd_parse_number(&o->wait_timeout, optarg, 1, 86400) < 0)
                return usage_error(c, "--wait-timeout wants seconds (1 to 86400)"), -1;
            break;
        case OPT_WAIT_INTERVAL:
            if (cmd_parse_number(&o->wait_interval, optarg, 0.01, 3600) < 0)
                return usage_error(c, "--wait-interval wants seconds (0.01 to 3600)"), -1;
            break;
        case OPT_GITHUB_API:
            o->github_api = optarg;
            break;
        case OPT_GITHUB_REPO:
            o->github_repo = optarg;
            break;
        case OPT_RELEASE_VERSION:
            if (!*optarg)
                return usage_error(c, "--release-version wants a version"), -1;
            o->release_version = optarg;
            break;
        case OPT_GITHUB_TIMEOUT:
            if (cmd_parse_number(&o->github_timeout, optarg, 0.001, 3600) < 0)
                return usage_error(c, "--github-timeout wants seconds (0.001 to 3600)"), -1;
            break;
        case OPT_GITHUB_MAX_WAIT: {
            double v;

            if (cmd_parse_number(&v, optarg, 0, 86400) < 0)
                return usage_error(c, "--github-max-wait wants seconds (0 to 86400)"), -1;
            o->github_max_wait = (long)v;
            break;
        }
        case OPT_RELEASE_PR: {
            double v;

            if (cmd_parse_number(&v, optarg, 1, 1e9) < 0 || v != (double)(long)v)
                return usage_error(c, "--release-pr wants a pull request number"), -1;
            o->release_pr = (long)v;
            break;
        }
        case OPT_EVIDENCE: {
            char *eq = strchr(optarg, '=');

            if (!eq || eq == optarg || !eq[1])
                return usage_error(c, "--evidence wants <gate>=<path>"), -1;
            if (o->n_overrides == MAX_OVERRIDES)
                return usage_error(c, "too many --evidence options"), -1;
            *eq = '\0';
            o->overrides[o->n_overrides].gate = optarg;
            o->overrides[o->n_overrides].path = eq + 1;
            o->n_overrides++;
            break;
        }
        }
    }
    if (o->policy && o->policy_ref)
        return usage_error(c, "--policy and --policy-ref cannot be used together"), -1;
    if (o->remote && o->no_remote)
        return usage_error(c, "--remote and --no-remote cannot be used together"), -1;
    if ((o->wait_timeout > 0 || o->wait_interval > 0) && !o->wait)
        return usage_error(c, "--wait-timeout and --wait-interval go with --wait"), -1;
    if (o->break_glass != (o->reason != NULL))
        return usage_error(c, "--break-glass and --reason go together"), -1;
    if (argc - optind != 2)
        return usage_error(c, "expected two environments: <from> <to>"), -1;
    o->from = argv[optind];
    o->to = argv[optind + 1];
    return 0;
}

int
cmd_refuse_local_policy(const char *file, const char *verb)
{
    char msg[700];

    snprintf(msg, sizeof(msg),
             "--policy '%.200s' cannot be used with '%s': what is recorded is evaluated under "
             "the protected policy (%s on the policy ref) and trusts only its keys; commit the "
             "policy to the policy ref, or use 'promote check --policy FILE', which records "
             "nothing",
             file, verb, POLICY_PATH);
    return cmd_fail(EXIT_USAGE, msg);
}

/* The policy comes from the policy ref through libgit2, never from the work tree or
 * the commit being promoted; --policy FILE is a local override the decision names. */
int
cmd_load_policy(struct policy **out, struct repo *repo, const char *file, const char *policy_ref,
                struct err *e)
{
    const char *ref = policy_ref ? policy_ref : "main";
    struct buf b = BUF_INIT;
    char used[256], commit[41], source[512];
    int rc;

    if (file)
        return policy_load_file(out, file, e);
    if (repo_read_at(repo, ref, POLICY_PATH, POLICY_MAX_BYTES, &b, used, sizeof(used), commit, e) <
        0)
        return -1;
    snprintf(source, sizeof(source), "%s:%s", used, POLICY_PATH);
    rc = policy_load(out, buf_str(&b), b.len, source, e);
    buf_release(&b);
    return rc;
}

static const char *
env_or(const char *name, const char *dflt)
{
    const char *v = getenv(name);

    return v && *v ? v : dflt;
}

int
cmd_repo_open(struct repo **out, const char *path, const char *github_api, struct err *e)
{
    char host[300];

    if (repo_open(out, path, e) < 0)
        return -1;
    if (gh_web_host(host, sizeof(host),
                    github_api ? github_api : env_or("GITHUB_API_URL", GH_DEFAULT_API)) == 0)
        repo_set_token_host(*out, host);
    return 0;
}

/* GitHub settings: flags, else the environment, else the origin remote. */
void
cmd_github_config(struct gh_config *cfg, struct actor_env *actor, struct cmd_github_bufs *b,
                  struct repo *repo, const struct cmd_github_opts *o)
{
    char url[1024];
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

    memset(cfg, 0, sizeof(*cfg));
    cfg->api_base = o->api ? o->api : env_or("GITHUB_API_URL", GH_DEFAULT_API);
    cfg->repo = o->repo ? o->repo : env_or("GITHUB_REPOSITORY", NULL);
    if (!cfg->repo && repo_remote_url(repo, "origin", url, sizeof(url)) == 0 &&
        gh_repo_from_url(b->repo, sizeof(b->repo), url) == 0)
        cfg->repo = b->repo;
    cfg->timeout_ms = o->timeout > 0 ? (long)(o->timeout * 1000.0) : 0;
    if (cfg->timeout_ms == 0 && o->timeout > 0)
        cfg->timeout_ms = 1;
    cfg->max_wait_s = o->max_wait;
    if (xdg && xdg[0] == '/')
        snprintf(b->cache, sizeof(b->cache), "%s/promote", xdg);
    else if (home && home[0] == '/')
        snprintf(b->cache, sizeof(b->cache), "%s/.cache/promote", home);
    else
        b->cache[0] = '\0';
    cfg->cache_dir = b->cache;
    cfg->trace = o->verbose ? stderr : NULL;
    memset(actor, 0, sizeof(*actor));
    actor->in_actions = strcmp(env_or("GITHUB_ACTIONS", ""), "true") == 0;
    actor->run_id = env_or("GITHUB_RUN_ID", NULL);
    actor->github_actor = env_or("GITHUB_ACTOR", NULL);
}

/* Inside GitHub Actions: the step summary, outputs and annotations of this run.
 * Annotations go to stdout, or to stderr when stdout carries the JSON document. */
static int
actions_report(const struct promote_opts *o, const struct decision *d, const char *verdict,
               const char *decision_id, const char *tag, const char *error,
               const struct loghome *home, struct err *e)
{
    struct ghactions_report r;
    char line[1400];

    if (strcmp(env_or("GITHUB_ACTIONS", ""), "true") != 0)
        return 0;
    memset(&r, 0, sizeof(r));
    if (home && home->checked) {
        loghome_line(line, sizeof(line), home);
        r.audit_log = line;
    }
    r.d = d;
    r.from = o->from;
    r.to = o->to;
    r.verdict = verdict;
    r.decision_id = decision_id;
    r.tag = tag;
    r.error = error;
    return ghactions_report(o->json ? stderr : stdout, getenv("GITHUB_STEP_SUMMARY"),
                            getenv("GITHUB_OUTPUT"), &r, e);
}

int
promote_run(int argc, char **argv, enum promote_mode mode)
{
    const struct cmd *c = cmd_find(mode == PROMOTE_CHECK     ? "check"
                                   : mode == PROMOTE_EXPLAIN ? "explain"
                                                             : "promote");
    struct promote_opts o;
    struct engine_req req;
    struct decision d;
    struct policy *policy = NULL;
    struct repo *repo = NULL;
    struct out_opts oo = {0};
    struct err e = ERR_INIT;
    struct gh_config ghc;
    struct actor_env actor;
    struct cmd_github_bufs ghb;
    struct cmd_github_opts gho;
    struct key *key = NULL;
    struct record_req rq;
    struct record_result rr;
    char repo_uri[1100], run_url[600];
    json_t *doc;
    int rc, code, recorded = 0, deployed = 0, superseded = 0, decided = 0;
    char why[512];
    json_t *history = NULL;
    const json_t *already = NULL;
    uint64_t base = 0;
    char commit[41];
    struct deploy_result dr;
    struct err de = ERR_INIT;
    struct deploy_cause cause;
    char tag_msg[300];
    struct record_result wr;
    enum deploy_outcome outcome = DEPLOY_PENDING;
    char wstate[32] = "";
    int waited = 0; /* 1 followed to its end and recorded, -1 failed */
    struct err we = ERR_INIT;
    struct ledger_keys lk;
    struct ledger_req lr;
    struct ledger led;
    struct loghome home;
    int opened = 0;
    time_t at;

    memset(&o, 0, sizeof(o));
    memset(&led, 0, sizeof(led));
    memset(&rq, 0, sizeof(rq));
    memset(&rr, 0, sizeof(rr));
    memset(&home, 0, sizeof(home));
    o.github_max_wait = -1;
    memset(&d, 0, sizeof(d));
    rc = parse_opts(&o, argc, argv, c);
    if (rc != 0)
        return rc > 0 ? cmd_finish(EXIT_OK) : EXIT_USAGE;
    if (mode != PROMOTE_RECORD && o.wait)
        return usage_error(c, "check triggers nothing: --wait goes with promote");
    if (mode == PROMOTE_RECORD && o.policy)
        return cmd_refuse_local_policy(o.policy, "promote");
    if (cmd_repo_open(&repo, o.repo, o.github_api, &e) < 0 ||
        cmd_load_policy(&policy, repo, o.policy, o.policy_ref, &e) < 0)
        goto fail;
    memset(&req, 0, sizeof(req));
    req.policy = policy;
    req.repo = repo;
    req.from = o.from;
    req.to = o.to;
    req.commit = o.commit;
    req.overrides = o.overrides;
    req.n_overrides = o.n_overrides;
    if (clock_now(&req.now, &e) < 0)
        goto fail;
    req.break_glass = o.break_glass;
    req.break_glass_reason = o.reason;
    gho.api = o.github_api;
    gho.repo = o.github_repo;
    gho.timeout = o.github_timeout;
    gho.max_wait = o.github_max_wait;
    gho.verbose = o.verbose;
    cmd_github_config(&ghc, &actor, &ghb, repo, &gho);
    req.gh = &ghc;
    req.actor_env = &actor;
    req.release_pr = o.release_pr;
    req.release_version = o.release_version;
    req.explain = mode == PROMOTE_EXPLAIN;
    if (mode == PROMOTE_RECORD) {
        /* a decision that cannot be recorded is not made: refuse before any gate runs */
        if (keys_load(&key, o.key, &e) < 0) {
            err_prefix(&e, "no usable signing key (use 'promote check' for an unrecorded "
                           "evaluation)");
            goto fail;
        }
        record_repo_uri(repo_uri, sizeof(repo_uri), repo, ghc.repo, getenv("GITHUB_SERVER_URL"));
        run_url[0] = '\0';
        if (actor.in_actions && actor.run_id && ghc.repo)
            snprintf(run_url, sizeof(run_url), "%s/%s/actions/runs/%s",
                     getenv("GITHUB_SERVER_URL") ? getenv("GITHUB_SERVER_URL")
                                                 : "https://github.com",
                     ghc.repo, actor.run_id);
        rq.repo = repo;
        rq.policy = policy;
        rq.key = key;
        rq.remote = o.remote;
        rq.no_remote = o.no_remote;
        rq.repo_uri = repo_uri;
        rq.run_url = run_url[0] ? run_url : NULL;
        rq.gh = &ghc;
        rq.home = &home;
        if (record_prepare(&rq, &base, &history, &e) < 0 ||
            engine_already_deployed(&already, commit, &req, history, &e) < 0)
            goto fail;
        req.history = history;
        if (already) {
            /* the one exception to "every evaluation is recorded" */
            if (o.json) {
                doc = json_pack("{s:i, s:s, s:s, s:s, s:s, s:{s:I, s:O?}}", "schema_version",
                                OUT_SCHEMA_VERSION, "verdict", "already_deployed", "from",
                                o.from, "to", o.to, "commit", commit, "deployment", "seq",
                                json_integer_value(json_object_get(already, "seq")), "time",
                                json_object_get(already, "time"));
                rc = doc ? cmd_print_json(doc) : -1;
                json_decref(doc);
                if (rc < 0) {
                    err_set(&e, EXIT_EVAL, "cannot write the result");
                    goto fail;
                }
            } else {
                printf("already deployed: %s is the latest successful deployment in %s (seq "
                       "%lld); nothing recorded, nothing triggered\n",
                       commit, o.to,
                       (long long)json_integer_value(json_object_get(already, "seq")));
            }
            code = EXIT_OK;
            goto out;
        }
    }
    if (mode != PROMOTE_RECORD) {
        /* this clone's copy of the log (fetched when --remote names a remote), verified
         * with the protected policy's keys before a rule reads it */
        memset(&lr, 0, sizeof(lr));
        lr.repo = repo;
        lr.keys = &lk;
        lr.remote = o.remote;
        lr.no_remote = o.no_remote || !o.remote;
        if (ledger_keys_for(&lk, repo, policy, o.policy_ref, &e) < 0 ||
            ledger_open(&led, &lr, &e) < 0)
            goto fail;
        opened = 1;
        history = json_incref(led.history);
        req.history = history;
    }
    if (engine_run(&d, &req, &e) < 0)
        goto fail;
    decided = 1;
    if (mode == PROMOTE_EXPLAIN)
        explain_localize(&d, policy);
    if (mode == PROMOTE_RECORD) {
        if (record_decision(&rr, &rq, &d, req.now, &e) < 0) {
            if (rr.entry.seq)
                err_prefix(&e, "the decision (%s) is in this clone's log only",
                           decision_verdict_name(d.verdict));
            else
                err_prefix(&e, "the decision (%s) could not be recorded",
                           decision_verdict_name(d.verdict));
            goto fail;
        }
        recorded = 1;
        /* two promotions at once: the decision that landed first deploys */
        if (d.verdict == DECISION_APPROVED &&
            (clock_now(&at, &e) < 0 ||
             (superseded = record_superseded(&rq, &d, base, &rr, at, &e)) < 0))
            goto fail;
        /* only after the approved decision is in the log: tag, push, trigger, record */
        if (!superseded && d.verdict == DECISION_APPROVED &&
            policy_env(policy, d.to)->tag_template) {
            snprintf(tag_msg, sizeof(tag_msg), "promote: %s -> %s, decision seq %llu %s\n",
                     d.from, d.to, (unsigned long long)rr.entry.seq, rr.entry.id);
            cause.commit = d.commit;
            cause.actor = d.actor[0] ? d.actor : NULL;
            cause.kind = "decision";
            cause.id = rr.entry.id;
            cause.message = tag_msg;
            cause.log_commit = rr.entry.commit;
            cause.log_pushed = rr.pushed;
            /* the tag and the trigger are of the moment they happen */
            deployed = clock_now(&at, &de) == 0 &&
                               deploy_run(&dr, &rq, policy_env(policy, d.to), &cause, &ghc, at,
                                          &de) == 0
                           ? 1
                           : -1;
            if (deployed > 0 && o.wait && dr.triggered)
                waited = deploy_follow(&outcome, wstate, &wr, &dr, &rq, policy_env(policy, d.to),
                                       &cause, &ghc, o.wait_timeout, o.wait_interval,
                                       &we) == 0
                             ? 1
                             : -1;
        }
    }
    if (o.json) {
        doc = mode == PROMOTE_EXPLAIN ? explain_json(&d) : out_decision_json(&d);
        if (doc && deployed)
            json_object_set_new(doc, "deploy",
                                json_pack("{s:s, s:b, s:s?, s:I, s:I, s:b, s:I, s:s?, s:o}", "tag", dr.tag,
                                          "tag_pushed", dr.tag_pushed, "trigger", dr.trigger,
                                          "deployment_id", (json_int_t)dr.deployment_id,
                                          "run_id", (json_int_t)dr.run_id,
                                          "triggered", dr.triggered, "seq",
                                          (json_int_t)dr.entry.entry.seq, "error",
                                          deployed < 0 ? de.msg : NULL, "wait",
                                          out_wait_json(waited, outcome, wstate, &wr, &we)));
        if (doc && opened)
            json_object_set_new(doc, "audit_log",
                                json_pack("{s:I, s:s, s:b}", "entries", (json_int_t)led.v.size,
                                          "keys_from", lk.source, "keys_local", lk.local));
        if (doc && recorded)
            json_object_set_new(doc, "record",
                                json_pack("{s:I, s:s, s:s, s:s, s:b, s:s?, s:o?}", "seq",
                                          (json_int_t)rr.entry.seq, "id", rr.entry.id, "ref",
                                          policy->audit_ref, "log_commit", rr.entry.commit,
                                          "pushed", rr.pushed, "remote",
                                          rr.pushed ? rr.remote : NULL, "audit_log",
                                          loghome_json(&home)));
        if (doc && recorded)
            json_object_set_new(doc, "superseded_by",
                                superseded > 0 ? json_integer(superseded) : json_null());
        if (!doc || cmd_print_json(doc) < 0) {
            json_decref(doc);
            err_set(&e, EXIT_EVAL, "cannot write the decision");
            goto fail;
        }
        json_decref(doc);
    } else {
        oo.color = cmd_color();
        if (mode == PROMOTE_EXPLAIN)
            explain_text(stdout, &d, &oo);
        else
            out_decision_text(stdout, &d, &oo);
        if (opened && policy->local_override) {
            char clean[512];

            out_sanitize(clean, sizeof(clean), lk.source);
            printf("audit log: %llu entries, verified with the trusted keys of %s%s\n",
                   (unsigned long long)led.v.size, clean,
                   lk.local ? " (the local file: there is no protected policy on the policy ref)"
                            : " (the protected policy, not the local file)");
        }
        if (recorded)
            printf("recorded: seq %llu, decision %s (%s%s%s)\n",
                   (unsigned long long)rr.entry.seq, rr.entry.id, policy->audit_ref,
                   rr.pushed ? ", pushed to " : ", local only", rr.pushed ? rr.remote : "");
        if (deployed > 0)
            printf("deployed: tag %s%s; %s%s; recorded as seq %llu\n", dr.tag,
                   dr.tag_pushed ? " (pushed)" : "", dr.trigger ? "triggered " : "no trigger",
                   dr.trigger ? dr.trigger : "", (unsigned long long)dr.entry.entry.seq);
        if (deployed > 0 && o.wait && !dr.triggered)
            printf("--wait: '%s' has no deploy trigger in the policy, nothing to wait for\n",
                   d.to);
        if (waited > 0)
            printf("deploy %s: %s (%s); recorded as seq %llu\n", dr.tag,
                   outcome == DEPLOY_SUCCEEDED ? "succeeded" : "failed", wstate,
                   (unsigned long long)wr.entry.seq);
    }
    code = decision_exit_code(d.verdict);
    if (superseded > 0) {
        /* with --json, stdout holds the document only (it says superseded_by) */
        fprintf(o.json ? stderr : stdout,
                "superseded by seq %d: another promotion into %s landed first; this one is "
                "recorded and not deployed\n",
                superseded, d.to);
        code = EXIT_REJECTED;
    }
    if (deployed < 0)
        code = cmd_fail(EXIT_EVAL, de.msg); /* approved and recorded, but not deployed */
    else if (waited < 0)
        code = cmd_fail(EXIT_EVAL, we.msg);
    else if (waited > 0 && outcome != DEPLOY_SUCCEEDED)
        code = cmd_fail(EXIT_EVAL, "the deploy failed; recorded as a failed deployment");
    /* what the Actions run reports beside the decision */
    why[0] = '\0';
    if (superseded > 0)
        snprintf(why, sizeof(why), "superseded by seq %d: another promotion into %s landed "
                 "first; this one is recorded and not deployed", superseded, d.to);
    else if (deployed < 0)
        snprintf(why, sizeof(why), "%s", de.msg);
    else if (waited < 0)
        snprintf(why, sizeof(why), "%s", we.msg);
    else if (waited > 0 && outcome != DEPLOY_SUCCEEDED)
        snprintf(why, sizeof(why), "the deploy failed; recorded as a failed deployment");
    if (actions_report(&o, &d, superseded > 0 ? "rejected" : decision_verdict_name(d.verdict),
                       recorded ? rr.entry.id : NULL, deployed > 0 ? dr.tag : NULL,
                       why[0] ? why : NULL, &home, &e) < 0)
        code = cmd_fail(EXIT_EVAL, e.msg);
out:
    ledger_release(&led);
    json_decref(history);
    decision_release(&d);
    keys_free(key);
    policy_free(policy);
    repo_free(repo);
    return cmd_finish(code);
fail:
    if (o.from) {
        struct err ae = ERR_INIT;

        if (actions_report(&o, decided ? &d : NULL, "error", recorded ? rr.entry.id : NULL,
                           NULL, e.msg, &home, &ae) < 0)
            cmd_fail(EXIT_EVAL, ae.msg);
    }
    ledger_release(&led);
    json_decref(history);
    decision_release(&d);
    keys_free(key);
    policy_free(policy);
    repo_free(repo);
    return cmd_fail(e.code ? e.code : EXIT_EVAL, e.msg);
}

int
cmd_promote(int argc, char **argv)
{
    return promote_run(argc, argv, PROMOTE_RECORD);
}
