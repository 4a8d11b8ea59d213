/* promote <from> <to>: evaluate a promotion (check is the same, recording nothing). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "core/buf.h"
#include "core/engine.h"
#include "core/out.h"

#define MAX_OVERRIDES 64

enum { OPT_REPO = 1, OPT_POLICY, OPT_POLICY_REF, OPT_COMMIT, OPT_EVIDENCE, OPT_JSON, OPT_HELP };

struct promote_opts {
    const char *repo;
    const char *policy;
    const char *policy_ref;
    const char *commit;
    int json;
    struct evidence_override overrides[MAX_OVERRIDES];
    size_t n_overrides;
    const char *from;
    const char *to;
};

static int
usage_error(const struct cmd *c, const char *msg)
{
    fprintf(stderr, "promote: %s\n", msg);
    cmd_usage(stderr, c);
    return EXIT_USAGE;
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
    if (argc - optind != 2)
        return usage_error(c, "expected two environments: <from> <to>"), -1;
    o->from = argv[optind];
    o->to = argv[optind + 1];
    return 0;
}

/* The policy comes from the policy ref through libgit2, never from the work tree or
 * the commit being promoted; --policy FILE is a local override the decision names. */
static int
load_policy(struct policy **out, struct repo *repo, const struct promote_opts *o, struct err *e)
{
    const char *ref = o->policy_ref ? o->policy_ref : "main";
    struct buf b = BUF_INIT;
    char used[256], commit[41], source[512];
    int rc;

    if (o->policy)
        return policy_load_file(out, o->policy, e);
    if (repo_read_at(repo, ref, POLICY_PATH, POLICY_MAX_BYTES, &b, used, sizeof(used), commit, e) <
        0)
        return -1;
    snprintf(source, sizeof(source), "%s:%s", used, POLICY_PATH);
    rc = policy_load(out, buf_str(&b), b.len, source, e);
    buf_release(&b);
    return rc;
}

int
promote_run(int argc, char **argv, enum promote_mode mode)
{
    const struct cmd *c = cmd_find(mode == PROMOTE_CHECK ? "check" : "promote");
    struct promote_opts o;
    struct engine_req req;
    struct decision d;
    struct policy *policy = NULL;
    struct repo *repo = NULL;
    struct out_opts oo = {0};
    struct err e = ERR_INIT;
    json_t *doc;
    int rc, code;

    memset(&o, 0, sizeof(o));
    memset(&d, 0, sizeof(d));
    rc = parse_opts(&o, argc, argv, c);
    if (rc != 0)
        return rc > 0 ? cmd_finish(EXIT_OK) : EXIT_USAGE;
    if (repo_open(&repo, o.repo, &e) < 0 || load_policy(&policy, repo, &o, &e) < 0)
        goto fail;
    memset(&req, 0, sizeof(req));
    req.policy = policy;
    req.repo = repo;
    req.from = o.from;
    req.to = o.to;
    req.commit = o.commit;
    req.overrides = o.overrides;
    req.n_overrides = o.n_overrides;
    req.now = time(NULL);
    if (engine_run(&d, &req, &e) < 0)
        goto fail;
    if (o.json) {
        doc = out_decision_json(&d);
        if (!doc || out_json(stdout, doc) < 0) {
            json_decref(doc);
            err_set(&e, EXIT_EVAL, "cannot write the decision");
            goto fail;
        }
        json_decref(doc);
    } else {
        oo.color = cmd_color();
        out_decision_text(stdout, &d, &oo);
    }
    code = decision_exit_code(d.verdict);
    decision_release(&d);
    policy_free(policy);
    repo_free(repo);
    return cmd_finish(code);
fail:
    decision_release(&d);
    policy_free(policy);
    repo_free(repo);
    return cmd_fail(e.code ? e.code : EXIT_EVAL, e.msg);
}

int
cmd_promote(int argc, char **argv)
{
    return promote_run(argc, argv, PROMOTE_RECORD);
}
