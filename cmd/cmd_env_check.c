/* promote env check: the Terraform variable files and the deploy workflows of a commit
 * (or of the work tree) against the policy's environments and naming rules. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "core/envcheck/envcheck.h"
#include "core/out/out.h"
#include "core/engine/policy.h"
#include "core/git/repo.h"

static const char *const env_check_usage =
    "usage: promote env check [--terraform <dir>] [--workflows <dir>] [--json]\n"
    "                         [--commit <rev> | --worktree] [--repo <dir>]\n"
    "                         [--policy <file> | --policy-ref <ref>]\n"
    "\n"
    "  --terraform <dir>   the Terraform directory, <dir>/<env>/<env>.tfvars per environment\n"
    "                      (default: terraform, relative to the repository root)\n"
    "  --workflows <dir>   the GitHub Actions workflows (default: .github/workflows)\n"
    "  --commit <rev>      check the tree of this commit, read through git (default: HEAD)\n"
    "  --worktree          check the files of the work tree instead\n"
    "  --json              print {schema_version, commit, worktree, ..., violations} as JSON\n"
    "  --repo <dir>        the git repository (default: the one containing the current\n"
    "                      directory)\n"
    "  --policy <file>     read the policy from a local file instead of the policy ref\n"
    "  --policy-ref <ref>  the branch holding .promote/policy.json (default: main)\n"
    "\n"
    "  Exit: 0 clean, 1 violations found, 2 usage or policy error, 3 cannot read.\n"
    "  Rules: docs/env-check.md.\n";

enum {
    O_TERRAFORM = 1,
    O_WORKFLOWS,
    O_COMMIT,
    O_WORKTREE,
    O_JSON,
    O_REPO,
    O_POLICY,
    O_POLICY_REF,
    O_HELP
};

struct env_check_opts {
    const char *terraform, *workflows, *commit, *repo, *policy, *policy_ref;
    int worktree, json;
};

/* 0 parsed, 1 help printed, -1 usage error (printed). */
static int
parse(struct env_check_opts *o, int argc, char **argv)
{
    static const struct option lo[] = {
        {"terraform", required_argument, NULL, O_TERRAFORM},
        {"workflows", required_argument, NULL, O_WORKFLOWS},
        {"commit", required_argument, NULL, O_COMMIT},
        {"worktree", no_argument, NULL, O_WORKTREE},
        {"json", no_argument, NULL, O_JSON},
        {"repo", required_argument, NULL, O_REPO},
        {"policy", required_argument, NULL, O_POLICY},
        {"policy-ref", required_argument, NULL, O_POLICY_REF},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    const char **slot[O_HELP + 1] = {NULL};
    int seen[O_HELP + 1] = {0}, ch;

    slot[O_TERRAFORM] = &o->terraform;
    slot[O_WORKFLOWS] = &o->workflows;
    slot[O_COMMIT] = &o->commit;
    slot[O_REPO] = &o->repo;
    slot[O_POLICY] = &o->policy;
    slot[O_POLICY_REF] = &o->policy_ref;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (ch == 'h' || ch == O_HELP) {
            fputs(env_check_usage, stdout);
            return 1;
        }
        if (ch == '?' || ch == ':' || seen[ch]++) {
            cmd_failf(EXIT_USAGE, "unknown, repeated or incomplete option '%s'",
                      argv[optind - 1]);
            fputs(env_check_usage, stderr);
            return -1;
        }
        if (ch == O_WORKTREE) {
            o->worktree = 1;
        } else if (ch == O_JSON) {
            o->json = 1;
        } else if (!*optarg) {
            cmd_failf(EXIT_USAGE, "'%s' wants a value", argv[optind - 1]);
            return -1;
        } else {
            *slot[ch] = optarg;
        }
    }
    if (optind < argc) {
        cmd_failf(EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
        fputs(env_check_usage, stderr);
        return -1;
    }
    if (o->commit && o->worktree) {
        cmd_fail(EXIT_USAGE, "--commit and --worktree cannot be used together");
        return -1;
    }
    if (o->policy && o->policy_ref) {
        cmd_fail(EXIT_USAGE, "--policy and --policy-ref cannot be used together");
        return -1;
    }
    return 0;
}

static int
print_json(const struct envcheck_result *r, const struct policy *p, const char *commit,
           const char *worktree, const char *tf, const char *wf)
{
    json_t *envs = json_array(), *violations = envcheck_result_json(r), *doc = NULL;
    size_t i;
    int rc = -1;

    if (!envs || !violations)
        goto done;
    for (i = 0; i < p->n_envs; i++)
        json_array_append_new(envs, json_string(p->envs[i].name));
    doc = json_pack("{s:i, s:s?, s:s?, s:{s:s, s:s, s:b}, s:s, s:s, s:O, s:{s:I, s:I}, s:b, "
                    "s:O}",
                    "schema_version", OUT_SCHEMA_VERSION, "commit", commit, "worktree", worktree,
                    "policy", "source", p->source, "sha256", p->sha256_hex, "local_override",
                    p->local_override, "terraform", tf, "workflows", wf, "environments", envs,
                    "checked", "tfvars", (json_int_t)r->n_tfvars, "workflows",
                    (json_int_t)r->n_workflows, "clean", r->n == 0, "violations", violations);
    if (doc && cmd_print_json(doc) == 0)
        rc = 0;
done:
    json_decref(doc);
    json_decref(envs);
    json_decref(violations);
    return rc;
}

static void
print_text(const struct envcheck_result *r, const struct policy *p, const char *commit,
           const char *tf, const char *wf)
{
    char file[512], msg[512], src[512];
    size_t i;

    for (i = 0; i < r->n; i++) {
        out_sanitize(file, sizeof(file), r->v[i].file);
        out_sanitize(msg, sizeof(msg), r->v[i].message);
        if (r->v[i].line > 0)
            printf("%s:%ld: %s: %s\n", file, r->v[i].line, r->v[i].rule, msg);
        else
            printf("%s: %s: %s\n", file, r->v[i].rule, msg);
    }
    out_sanitize(src, sizeof(src), p->source);
    if (r->n)
        printf("%zu violation(s) in %s and %s %s%.12s (policy %s)\n", r->n, tf, wf,
               commit ? "at commit " : "in the work tree", commit ? commit : "", src);
    else
        printf("clean: %zu variable file(s) and %zu workflow(s) %s%.12s follow the policy %s\n",
               r->n_tfvars, r->n_workflows, commit ? "at commit " : "in the work tree",
               commit ? commit : "", src);
}

int
cmd_env_check(int argc, char **argv)
{
    struct env_check_opts o;
    struct envcheck_result r;
    struct repo *repo = NULL;
    struct policy *p = NULL;
    struct err e = ERR_INIT;
    char commit[41];
    char *tf = NULL, *wf = NULL;
    int rc, code;

    memset(&o, 0, sizeof(o));
    envcheck_result_init(&r);
    rc = parse(&o, argc, argv);
    if (rc != 0)
        return rc > 0 ? cmd_finish(EXIT_OK) : EXIT_USAGE;
    if (envcheck_dir_norm(&tf, o.terraform ? o.terraform : ENVCHECK_DEFAULT_TERRAFORM,
                          "--terraform", &e) < 0 ||
        envcheck_dir_norm(&wf, o.workflows ? o.workflows : ENVCHECK_DEFAULT_WORKFLOWS,
                          "--workflows", &e) < 0)
        goto fail;
    if (repo_open(&repo, o.repo, &e) < 0 ||
        cmd_load_policy(&p, repo, o.policy, o.policy_ref, &e) < 0)
        goto fail;
    if (!o.worktree && repo_resolve_commit(repo, o.commit ? o.commit : "HEAD", commit, &e) < 0)
        goto fail;
    if (envcheck_run(&r, p, repo, o.worktree ? NULL : commit, tf, wf, &e) < 0)
        goto fail;
    if (o.json) {
        if (print_json(&r, p, o.worktree ? NULL : commit, o.worktree ? repo_workdir(repo) : NULL,
                       *tf ? tf : ".", *wf ? wf : ".") < 0) {
            err_set(&e, EXIT_EVAL, "cannot write the result");
            goto fail;
        }
    } else {
        print_text(&r, p, o.worktree ? NULL : commit, *tf ? tf : ".", *wf ? wf : ".");
    }
    code = cmd_finish(r.n ? EXIT_REJECTED : EXIT_OK);
    goto done;
fail:
    code = cmd_fail(e.code ? e.code : EXIT_EVAL, e.msg);
done:
    envcheck_result_release(&r);
    free(tf);
    free(wf);
    policy_free(p);
    repo_free(repo);
    return code;
}
