/* promote <from> <to>: evaluate a promotion (check is the same, recording nothing). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "core/base/buf.h"
#include "core/base/clock.h"
#include "core/engine/engine.h"
#include "core/insight/explain.h"
#include "core/github/ghactions.h"
#include "core/ledger/keys.h"
#include "core/ledger/ledger.h"
#include "core/out/out.h"
#include "core/out/out_release.h"
#include "core/ledger/record.h"
#include "core/release/release.h"

struct promote_opts {
    struct cmd_common c;
    const char *commit;
    struct opt_list evidence; /* <gate>=<path> */
    double release_pr;
    const char *release_version;
    int break_glass;
    const char *reason;
    struct evidence_override overrides[OPT_LIST_MAX];
    size_t n_overrides;
    const char *from;
    const char *to;
};

#define PO(f) offsetof(struct promote_opts, f)

static const struct opt promote_own[] = {
    {.name = "commit", .arg = "<rev>", .type = OPT_STRING, .off = PO(commit),
     .flags = OPT_NONEMPTY, .help = "the commit to promote (default: the tip of <from>'s branch)"},
    {.name = "evidence", .arg = "<gate>=<path>", .type = OPT_LIST, .off = PO(evidence),
     .max = OPT_LIST_MAX,
     .help = "read <gate>'s evidence from <path> (relative to the current directory)"},
    {.name = "release-pr", .arg = "<n>", .type = OPT_NUMBER, .off = PO(release_pr), .min = 1,
     .max = 1e9, .flags = OPT_WHOLE, .bad = "--release-pr wants a pull request number",
     .help = "the release pull request whose approvals also count for roles"},
    {.name = "release-version", .arg = "<v>", .type = OPT_STRING, .off = PO(release_version),
     .flags = OPT_NONEMPTY, .help = "the release version (default: the policy's version_file)"},
    {.name = "break-glass", .type = OPT_FLAG, .off = PO(break_glass), .needs = "reason",
     .help = "pass a closed deploy window, if the actor holds the break-glass role"},
    {.name = "reason", .arg = "<text>", .type = OPT_STRING, .off = PO(reason),
     .flags = OPT_NONEMPTY, .needs = "break-glass",
     .help = "why the deploy window is passed (with --break-glass)"},
    {.name = NULL},
};

/* What promote, check and explain say about the shared options */
#define PROMOTE_TEXTS                                                                              \
    {"policy",                                                                                     \
     "check only: read the policy from a local file instead of the policy\n"                      \
     "ref; promote refuses it (exit 2): what is recorded is evaluated\n"                          \
     "under the policy ref's policy and trusts only its keys", 0, 0},                              \
    {"policy-ref",                                                                                 \
     "the branch holding .promote/policy.json (default: main, as\n"                               \
     "refs/remotes/origin/main when it exists, else the local branch)", 0, 0},                     \
    {"json", "print the decision as one JSON object", 0, 0},                                       \
    {"key",                                                                                        \
     "the signing key (default: PROMOTE_SIGNING_KEY's content, else\n"                            \
     "$XDG_CONFIG_HOME/promote/key); promote records, check does not", 0, 0}

static const struct opt_text promote_texts[] = {PROMOTE_TEXTS, {NULL, NULL, 0, 0}};
/* check and explain trigger nothing: --wait is refused with that reason, never offered */
static const struct opt_text check_texts[] = {
    PROMOTE_TEXTS,
    {"wait", NULL, OPT_HIDDEN, 0},
    {"wait-timeout", NULL, OPT_HIDDEN, 0},
    {"wait-interval", NULL, OPT_HIDDEN, 0},
    {NULL, NULL, 0, 0},
};

static const struct opt *const promote_tables[] = {
    opt_repo_policy, promote_own, opt_json, opt_github, opt_key, opt_remote, opt_wait, NULL,
};
const struct opt_verb promote_optv = {promote_tables, promote_texts, NULL, NULL};
const struct opt_verb check_optv = {promote_tables, check_texts, NULL, NULL};
const struct opt_verb explain_optv = {
    promote_tables, check_texts, NULL,
    "  For every gate that does not pass, the remedy the gate computes: lines to cover,\n"
    "  failing tests and findings, approvals missing per role and who could give them\n"
    "  (team members other than the author and the promoter), checks with their URLs, the\n"
    "  release notes missing, when a soak completes, the next deploy window and whether\n"
    "  break-glass is allowed, a hold and how to lift it. Records and triggers nothing.\n"
    "  Exit: 0 approved, 1 rejected, 2 usage or policy, 3 could not evaluate, 4 tamper.\n"};

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
    char **pos, *eq;
    int npos, rc;
    size_t i;

    rc = opt_parse(o, &pos, &npos, argc, argv, c, -1);
    if (rc != 0)
        return rc;
    for (i = 0; i < o->evidence.n; i++) {
        eq = strchr(o->evidence.v[i], '=');
        if (!eq || eq == o->evidence.v[i] || !eq[1])
            return opt_usage_error(c, -1, "--evidence wants <gate>=<path>");
        *eq = '\0';
        o->overrides[i].gate = o->evidence.v[i];
        o->overrides[i].path = eq + 1;
    }
    o->n_overrides = o->evidence.n;
    if (npos != 2)
        return opt_usage_error(c, -1, "expected two environments: <from> <to>");
    o->from = pos[0];
    o->to = pos[1];
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
    if (repo_open(out, path, e) < 0)
        return -1;
    repo_set_token_api(*out, github_api ? github_api : env_or("GITHUB_API_URL", GH_DEFAULT_API));
    return 0;
}

/* GitHub settings: flags, else the environment, else the origin remote. */
void
cmd_github_config(struct gh_config *cfg, struct actor_env *actor, struct cmd_github_bufs *b,
                  struct repo *repo, const struct cmd_common *o)
{
    char url[1024];
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

    memset(cfg, 0, sizeof(*cfg));
    cfg->api_base = o->github_api ? o->github_api : env_or("GITHUB_API_URL", GH_DEFAULT_API);
    cfg->repo = o->github_repo ? o->github_repo : env_or("GITHUB_REPOSITORY", NULL);
    if (!cfg->repo && repo_remote_url(repo, "origin", url, sizeof(url)) == 0 &&
        gh_repo_from_url(b->repo, sizeof(b->repo), url) == 0)
        cfg->repo = b->repo;
    cfg->timeout_ms = o->github_timeout > 0 ? (long)(o->github_timeout * 1000.0) : 0;
    if (cfg->timeout_ms == 0 && o->github_timeout > 0)
        cfg->timeout_ms = 1;
    cfg->max_wait_s = o->github_max_wait < 0 ? -1 : (long)o->github_max_wait;
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

int
cmd_setup(struct cmd_ctx *x, const struct cmd *c, const struct cmd_common *o, struct err *e)
{
    memset(x, 0, sizeof(*x));
    if ((c->needs & NEED_REPO) && cmd_repo_open(&x->repo, o->repo, o->github_api, e) < 0)
        return -1;
    if ((c->needs & NEED_POLICY) &&
        cmd_load_policy(&x->policy, x->repo, o->policy, o->policy_ref, e) < 0)
        return -1;
    if (c->needs & NEED_GITHUB)
        cmd_github_config(&x->ghc, &x->actor, &x->ghb, x->repo, o);
    return 0;
}

int
cmd_setup_record(struct record_req *rq, struct cmd_ctx *x, const struct cmd_common *o,
                 const char *why, struct err *e)
{
    if (keys_load(&x->key, o->key, e) < 0)
        return err_prefix(e, "%s", why);
    record_repo_uri(x->repo_uri, sizeof(x->repo_uri), x->repo, x->ghc.repo,
                    getenv("GITHUB_SERVER_URL"));
    rq->repo = x->repo;
    rq->policy = x->policy;
    rq->key = x->key;
    rq->remote = o->remote;
    rq->no_remote = o->no_remote;
    rq->repo_uri = x->repo_uri;
    rq->gh = &x->ghc;
    return 0;
}

void
cmd_ctx_release(struct cmd_ctx *x)
{
    keys_free(x->key);
    x->key = NULL;
    policy_free(x->policy);
    repo_free(x->repo);
    x->policy = NULL;
    x->repo = NULL;
}

/* What one promotion holds, from parse to print; released once. */
struct promotion {
    struct promote_opts o;
    enum promote_mode mode;
    const struct cmd *c;
    struct cmd_ctx x; /* the repository, the policy, GitHub, the key */
    struct record_req rq;
    struct loghome home;
    char run_url[600];
    struct ledger led; /* check and explain: this clone's log, verified */
    struct ledger_keys lk;
    int opened;
    json_t *history;
    uint64_t base; /* the log's size before the evaluation */
    struct engine_req req;
    struct decision d;
    int decided;
    struct release_result res;
    /* the log's entries the rules read: the latest of each kind, and those of --commit */
    struct history_focus focus;
    char focus_commit[41];
};

/* Inside GitHub Actions: the step summary, outputs and annotations of this run.
 * Annotations go to stdout, or to stderr when stdout carries the JSON document. */
static int
actions_report(const struct promotion *p, const char *verdict, const char *error, struct err *e)
{
    struct ghactions_report r;
    char line[1400];

    if (strcmp(env_or("GITHUB_ACTIONS", ""), "true") != 0)
        return 0;
    memset(&r, 0, sizeof(r));
    if (p->home.checked) {
        loghome_line(line, sizeof(line), &p->home);
        r.audit_log = line;
    }
    r.d = p->decided ? &p->d : NULL;
    r.from = p->o.from;
    r.to = p->o.to;
    r.verdict = verdict;
    r.decision_id = p->res.recorded ? p->res.record.entry.id : NULL;
    r.tag = p->res.deployed > 0 ? p->res.deploy.tag : NULL;
    r.error = error;
    return ghactions_report(p->o.c.json ? stderr : stdout, getenv("GITHUB_STEP_SUMMARY"),
                            getenv("GITHUB_OUTPUT"), &r, e);
}

/* promote records: the key must sign for the protected policy, and the log is fetched
 * and verified (record_prepare) before any gate runs. */
static int
open_for_record(struct promotion *p, struct err *e)
{
    const char *server = getenv("GITHUB_SERVER_URL");

    /* a decision that cannot be recorded is not made: refuse before any gate runs */
    if (cmd_setup_record(&p->rq, &p->x, &p->o.c,
                         "no usable signing key (use 'promote check' for an unrecorded "
                         "evaluation)",
                         e) < 0)
        return -1;
    p->run_url[0] = '\0';
    if (p->x.actor.in_actions && p->x.actor.run_id && p->x.ghc.repo)
        snprintf(p->run_url, sizeof(p->run_url), "%s/%s/actions/runs/%s",
                 server ? server : "https://github.com", p->x.ghc.repo, p->x.actor.run_id);
    p->rq.run_url = p->run_url[0] ? p->run_url : NULL;
    p->rq.home = &p->home;
    p->rq.focus = &p->focus;
    return record_prepare(&p->rq, &p->base, &p->history, e);
}

/* check and explain: this clone's copy of the log (fetched when --remote names a
 * remote), verified with the protected policy's keys before a rule reads it. */
static int
open_for_check(struct promotion *p, struct err *e)
{
    struct ledger_req lr;

    memset(&lr, 0, sizeof(lr));
    lr.repo = p->x.repo;
    lr.keys = &p->lk;
    lr.remote = p->o.c.remote;
    lr.no_remote = p->o.c.no_remote || !p->o.c.remote;
    lr.history = 1;
    lr.focus = &p->focus;
    if (ledger_keys_for(&p->lk, p->x.repo, p->x.policy, p->o.c.policy_ref, e) < 0 ||
        ledger_open(&p->led, &lr, e) < 0)
        return -1;
    p->opened = 1;
    p->history = json_incref(p->led.history);
    return 0;
}

/* The repository, the policy, GitHub, the log: everything the evaluation reads. */
static int
promotion_open(struct promotion *p, struct err *e)
{
    const struct promote_opts *o = &p->o;
    struct engine_req *req = &p->req;
    struct err ce = ERR_INIT;

    if (cmd_setup(&p->x, p->c, &o->c, e) < 0 ||
        clock_now(&req->now, e) < 0) /* the decision is of the moment it is evaluated */
        return -1;
    req->policy = p->x.policy;
    req->repo = p->x.repo;
    req->from = o->from;
    req->to = o->to;
    req->commit = o->commit;
    req->overrides = o->overrides;
    req->n_overrides = o->n_overrides;
    req->break_glass = o->break_glass;
    req->break_glass_reason = o->reason;
    req->gh = &p->x.ghc;
    req->actor_env = &p->x.actor;
    req->release_pr = (long)o->release_pr;
    req->release_version = o->release_version;
    req->explain = p->mode == PROMOTE_EXPLAIN;
    if (o->commit && repo_resolve_commit(p->x.repo, o->commit, p->focus_commit, &ce) == 0)
        p->focus.commits[0] = p->focus_commit; /* else the evaluation names why */
    if ((p->mode == PROMOTE_RECORD ? open_for_record(p, e) : open_for_check(p, e)) < 0)
        return -1;
    req->history = p->history;
    return 0;
}

/* The decision and what the release did, as one document or as text. */
static int
promotion_print(const struct promotion *p, struct err *e)
{
    const struct policy *pol = p->x.policy;
    struct out_opts oo = {cmd_color()};
    json_t *doc;
    int rc = 0;

    if (!p->o.c.json) {
        if (p->mode == PROMOTE_EXPLAIN)
            explain_text(stdout, &p->d, &oo);
        else
            out_decision_text(stdout, &p->d, &oo);
        if (p->opened && pol->local_override)
            out_audit_log_text(stdout, p->led.v.size, p->lk.source, p->lk.local);
        if (p->res.recorded)
            out_promotion_text(stdout, &p->res, pol->audit_ref, p->o.c.wait);
        return 0;
    }
    doc = p->mode == PROMOTE_EXPLAIN ? explain_json(&p->d) : out_decision_json(&p->d);
    if (doc && p->opened)
        json_object_set_new(doc, "audit_log",
                            out_audit_log_json(p->led.v.size, p->lk.source, p->lk.local));
    if (doc && p->res.recorded && out_promotion_json(doc, &p->res, pol->audit_ref, &p->home) < 0)
        rc = -1;
    if (rc < 0 || cmd_print_json(doc) < 0)
        rc = err_set(e, EXIT_EVAL, "cannot write the decision");
    json_decref(doc);
    return rc;
}

/* The one exception to "every evaluation is recorded": the commit is deployed in TO
 * already. 1 when it is (said on stdout), 0 when not. */
static int
already_deployed(const struct promotion *p, struct err *e)
{
    const json_t *dep = NULL;
    char commit[41];
    json_t *doc;
    int rc;

    if (p->mode != PROMOTE_RECORD ||
        engine_already_deployed(&dep, commit, &p->req, p->history, e) < 0)
        return p->mode != PROMOTE_RECORD ? 0 : -1;
    if (!dep)
        return 0;
    if (!p->o.c.json) {
        out_already_deployed_text(stdout, p->o.to, commit, dep);
        return 1;
    }
    doc = out_already_deployed_json(p->o.from, p->o.to, commit, dep);
    rc = cmd_print_json(doc);
    json_decref(doc);
    return rc < 0 ? err_set(e, EXIT_EVAL, "cannot write the result") : 1;
}

static void
promotion_release(struct promotion *p)
{
    ledger_release(&p->led);
    json_decref(p->history);
    decision_release(&p->d);
    cmd_ctx_release(&p->x);
}

/* parse -> open -> evaluate -> release -> print -> exit code */
int
promote_run(int argc, char **argv, enum promote_mode mode)
{
    const struct cmd *c = cmd_find(mode == PROMOTE_CHECK     ? "check"
                                   : mode == PROMOTE_EXPLAIN ? "explain"
                                                             : "promote");
    struct release_req rr = {0};
    struct promotion p;
    struct err e = ERR_INIT, ae = ERR_INIT;
    char why[512] = "";
    int rc, code;

    memset(&p, 0, sizeof(p));
    p.mode = mode;
    p.c = c;
    rc = parse_opts(&p.o, argc, argv, c);
    if (rc != 0)
        return opt_exit(rc);
    if (mode != PROMOTE_RECORD && p.o.c.wait)
        return opt_exit(opt_usage_error(c, -1, "check triggers nothing: --wait goes with promote"));
    if (mode == PROMOTE_RECORD && p.o.c.policy)
        return cmd_refuse_local_policy(p.o.c.policy, "promote");
    rc = promotion_open(&p, &e) < 0 ? -1 : already_deployed(&p, &e);
    if (rc != 0)
        goto done;
    rc = -1;
    if (engine_run(&p.d, &p.req, &e) < 0)
        goto done;
    p.decided = 1;
    if (mode == PROMOTE_EXPLAIN)
        explain_localize(&p.d, p.x.policy);
    rr.rq = &p.rq;
    rr.gh = &p.x.ghc;
    rr.wait = p.o.c.wait;
    rr.wait_timeout = p.o.c.wait_timeout;
    rr.wait_interval = p.o.c.wait_interval;
    if (mode == PROMOTE_RECORD &&
        release_promotion(&p.res, &rr, &p.d, p.req.now, p.base, &e) < 0)
        goto done;
    rc = promotion_print(&p, &e);
done:
    if (rc < 0) {
        code = cmd_fail(e.code ? e.code : EXIT_EVAL, e.msg);
        if (p.o.from && actions_report(&p, "error", e.msg, &ae) < 0)
            cmd_fail(EXIT_EVAL, ae.msg);
    } else if (rc > 0) {
        code = cmd_finish(EXIT_OK); /* already deployed */
    } else {
        code = release_exit_code(&p.res, decision_exit_code(p.d.verdict), why, sizeof(why));
        if (p.res.superseded) /* with --json the document says it (superseded_by) */
            fprintf(p.o.c.json ? stderr : stdout, "%s\n", why);
        else if (why[0])
            cmd_fail(code, why);
        if (actions_report(&p, p.res.superseded ? "rejected" : decision_verdict_name(p.d.verdict),
                           why[0] ? why : NULL, &ae) < 0)
            code = cmd_fail(EXIT_EVAL, ae.msg);
        code = cmd_finish(code);
    }
    promotion_release(&p);
    return code;
}

int
cmd_promote(int argc, char **argv)
{
    return promote_run(argc, argv, PROMOTE_RECORD);
}
