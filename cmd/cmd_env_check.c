/* promote env check: the Terraform variable files and the deploy workflows of a commit
 * (or of the work tree) against the policy's environments and naming rules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "core/envcheck/envcheck.h"
#include "core/out/out.h"
#include "core/engine/policy.h"
#include "core/git/repo.h"

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
cmd_env_check(const struct env_opts *o)
{
    struct envcheck_result r;
    struct repo *repo = NULL;
    struct policy *p = NULL;
    struct err e = ERR_INIT;
    char commit[41];
    char *tf = NULL, *wf = NULL;
    int code;

    envcheck_result_init(&r);
    if (envcheck_dir_norm(&tf, o->terraform ? o->terraform : ENVCHECK_DEFAULT_TERRAFORM,
                          "--terraform", &e) < 0 ||
        envcheck_dir_norm(&wf, o->workflows ? o->workflows : ENVCHECK_DEFAULT_WORKFLOWS,
                          "--workflows", &e) < 0)
        goto fail;
    if (repo_open(&repo, o->c.repo, &e) < 0 ||
        cmd_load_policy(&p, repo, o->c.policy, o->c.policy_ref, &e) < 0)
        goto fail;
    if (!o->worktree && repo_resolve_commit(repo, o->commit ? o->commit : "HEAD", commit, &e) < 0)
        goto fail;
    if (envcheck_run(&r, p, repo, o->worktree ? NULL : commit, tf, wf, &e) < 0)
        goto fail;
    if (o->c.json) {
        if (print_json(&r, p, o->worktree ? NULL : commit, o->worktree ? repo_workdir(repo) : NULL,
                       *tf ? tf : ".", *wf ? wf : ".") < 0) {
            err_set(&e, EXIT_EVAL, "cannot write the result");
            goto fail;
        }
    } else {
        print_text(&r, p, o->worktree ? NULL : commit, *tf ? tf : ".", *wf ? wf : ".");
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
