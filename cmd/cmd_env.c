/* promote env show|check: the environment matrix of the policy, and the repository
 * checked against it. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "core/out/out.h"
#include "core/out/out_env.h"
#include "core/engine/policy.h"
#include "core/git/repo.h"

enum { FORMAT_TABLE, FORMAT_MARKDOWN, FORMAT_JSON }; /* the order of --format's choices */
enum { S_SHOW = 1 << 0, S_CHECK = 1 << 1 };

#define EO(f) offsetof(struct env_opts, f)

static const struct opt env_own[] = {
    {.name = "format", .arg = "<f>", .type = OPT_CHOICE, .off = EO(format), .subs = S_SHOW,
     .choices = "table|markdown|json", .bad = "--format wants table, markdown or json",
     .help = "show: table (default: attributes as rows, environments as\n"
             "columns), markdown (a document for a wiki) or json"},
    {.name = "terraform", .arg = "<dir>", .type = OPT_STRING, .off = EO(terraform),
     .subs = S_CHECK, .flags = OPT_NONEMPTY,
     .help = "check: the Terraform directory, <dir>/<env>/<env>.tfvars per\n"
             "environment (default: terraform, relative to the repository root)"},
    {.name = "workflows", .arg = "<dir>", .type = OPT_STRING, .off = EO(workflows),
     .subs = S_CHECK, .flags = OPT_NONEMPTY,
     .help = "check: the GitHub Actions workflows (default: .github/workflows)"},
    {.name = "commit", .arg = "<rev>", .type = OPT_STRING, .off = EO(commit), .subs = S_CHECK,
     .flags = OPT_NONEMPTY, .conflicts = "worktree",
     .help = "check: the tree of this commit, read through git (default: HEAD)"},
    {.name = "worktree", .type = OPT_FLAG, .off = EO(worktree), .subs = S_CHECK,
     .help = "check: the files of the work tree instead"},
    {.name = NULL},
};

static const struct opt_text env_texts[] = {
    {"json", "check: print the violations as one JSON document", 0, S_CHECK},
    {"repo", "the git repository (default: the current directory's)", 0, 0},
    {NULL, NULL, 0, 0},
};

static const struct opt *const env_tables[] = {env_own, opt_json, opt_repo_policy, NULL};

static const struct opt_sub env_subs[] = {
    {"show", "promote env show [<env>] [--format table|markdown|json] [--repo <dir>]\n"
             "                        [--policy <file> | --policy-ref <ref>]"},
    {"check", "promote env check [--terraform <dir>] [--workflows <dir>] [--json]\n"
              "                         [--commit <rev> | --worktree] [--repo <dir>]\n"
              "                         [--policy <file> | --policy-ref <ref>]"},
    {NULL, NULL},
};

const struct opt_verb env_optv = {
    env_tables, env_texts, env_subs,
    "  <env> shows one environment; an unknown one exits 2. check exits 0 clean,\n"
    "  1 violations, 2 usage or policy error, 3 cannot read (docs/env-check.md).\n"};

int
cmd_env(int argc, char **argv)
{
    const struct cmd *c = cmd_find("env");
    struct env_opts o;
    char **pos;
    int rc, sub, npos;

    memset(&o, 0, sizeof(o));
    rc = opt_parse_sub(&o, &sub, &pos, &npos, argc, argv, c);
    if (rc == 0 && sub == 0 && npos > 1)
        rc = opt_usage_error(c, sub, "too many arguments: env show takes one environment at most");
    if (rc == 0 && sub == 1 && npos > 0)
        rc = opt_usage_error(c, sub, "unexpected argument '%s'", pos[0]);
    if (rc != 0)
        return opt_exit(rc);
    return sub == 0 ? cmd_env_show(&o, npos ? pos[0] : NULL) : cmd_env_check(&o);
}

int
cmd_env_show(const struct env_opts *o, const char *only)
{
    const char *repo_dir = o->c.repo, *pfile = o->c.policy, *pref = o->c.policy_ref;
    struct repo *repo = NULL;
    struct policy *p = NULL;
    struct err e = ERR_INIT;
    json_t *doc = NULL;
    int code = EXIT_OK;

    /* a policy file needs no repository; the policy ref is read through it */
    if ((!pfile && repo_open(&repo, repo_dir, &e) < 0) ||
        cmd_load_policy(&p, repo, pfile, pref, &e) < 0)
        goto fail;
    if (only && !policy_env(p, only)) {
        char clean[128];

        out_sanitize(clean, sizeof(clean), only);
        err_set(&e, EXIT_USAGE, "unknown environment '%s' (policy '%s')", clean, p->source);
        goto fail;
    }
    switch (o->format) {
    case FORMAT_TABLE:
        out_env_text(stdout, p, only);
        break;
    case FORMAT_MARKDOWN:
        out_env_markdown(stdout, p, only);
        break;
    case FORMAT_JSON:
        doc = out_env_json(p, only);
        if (!doc || cmd_print_json(doc) < 0) {
            err_set(&e, EXIT_EVAL, "cannot write the environment matrix");
            goto fail;
        }
        break;
    }
    code = cmd_finish(EXIT_OK);
    goto done;
fail:
    code = cmd_fail(e.code ? e.code : EXIT_EVAL, e.msg);
done:
    json_decref(doc);
    policy_free(p);
    repo_free(repo);
    return code;
}
