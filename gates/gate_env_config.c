/* env_config: the Terraform variable files and the deploy workflows in the tree of the
 * commit being promoted follow the policy's environments and naming rules: the check of
 * 'promote env check', run at that commit (core/envcheck). */
#include "gate.h"

#include <stdlib.h>
#include <string.h>

#include "core/envcheck/envcheck.h"

/* evaluate keeps the first violations in the details; the count is always whole */
#define ENV_CONFIG_MAX_DETAILS 100

static const struct gate_param env_config_params[] = {
    {"terraform", PARAM_STRING, 0}, /* default "terraform" */
    {"workflows", PARAM_STRING, 0}, /* default ".github/workflows" */
    {NULL, 0, 0},
};

static const char *
rule_dir(const json_t *rule, const char *key, const char *dflt)
{
    const char *v = json_string_value(json_object_get(rule, key));

    return v ? v : dflt;
}

static int
env_config_check_rule(const json_t *rule, const char *jpath, struct err *e)
{
    char *dir = NULL;
    int rc;

    rc = envcheck_dir_norm(&dir, rule_dir(rule, "terraform", ENVCHECK_DEFAULT_TERRAFORM),
                           "terraform", e);
    free(dir);
    dir = NULL;
    if (rc == 0)
        rc = envcheck_dir_norm(&dir, rule_dir(rule, "workflows", ENVCHECK_DEFAULT_WORKFLOWS),
                               "workflows", e);
    free(dir);
    if (rc < 0)
        return err_prefix(e, "%s", jpath);
    return 0;
}

static int
env_config_collect(const struct gate_ctx *ctx, struct evidence *ev, struct err *e)
{
    const char *tf = rule_dir(ctx->rule, "terraform", ENVCHECK_DEFAULT_TERRAFORM);
    const char *wf = rule_dir(ctx->rule, "workflows", ENVCHECK_DEFAULT_WORKFLOWS);
    struct envcheck_result r;
    json_t *violations;

    if (!ctx->policy)
        return err_set(e, EXIT_EVAL, "the policy was not handed to the gate");
    if (envcheck_run(&r, ctx->policy, ctx->repo, ctx->commit, tf, wf, e) < 0)
        return -1;
    violations = envcheck_result_json(&r);
    ev->data = violations ? json_pack("{s:s, s:s, s:I, s:I, s:o}", "terraform", tf, "workflows", wf,
                                      "tfvars_checked", (json_int_t)r.n_tfvars, "workflows_checked",
                                      (json_int_t)r.n_workflows, "violations", violations)
                          : NULL;
    envcheck_result_release(&r);
    return ev->data ? 0 : err_set(e, EXIT_EVAL, "out of memory");
}

static const char *
str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));

    return s ? s : "?";
}

static enum verdict
env_config_evaluate(const struct evidence *ev, const json_t *rule, time_t now, struct finding *f)
{
    const json_t *all = json_object_get(ev->data, "violations"), *first;
    json_t *kept;
    size_t n, i;

    (void)rule;
    (void)now;
    if (!json_is_array(all) || !json_is_string(json_object_get(ev->data, "terraform")) ||
        !json_is_string(json_object_get(ev->data, "workflows"))) {
        finding_summary(f, "no environment configuration check was collected");
        return VERDICT_ERROR;
    }
    n = json_array_size(all);
    kept = json_array();
    for (i = 0; i < n && i < ENV_CONFIG_MAX_DETAILS; i++)
        json_array_append(kept, json_array_get(all, i));
    f->details = json_pack(
        "{s:O, s:O, s:O?, s:O?, s:I, s:o}", "terraform", json_object_get(ev->data, "terraform"),
        "workflows", json_object_get(ev->data, "workflows"), "tfvars_checked",
        json_object_get(ev->data, "tfvars_checked"), "workflows_checked",
        json_object_get(ev->data, "workflows_checked"), "count", (json_int_t)n, "violations", kept);
    if (n == 0) {
        finding_summary(
            f, "%s and %s follow the policy (%lld variable file(s), %lld workflow(s))",
            json_string_value(json_object_get(ev->data, "terraform")),
            json_string_value(json_object_get(ev->data, "workflows")),
            (long long)json_integer_value(json_object_get(ev->data, "tfvars_checked")),
            (long long)json_integer_value(json_object_get(ev->data, "workflows_checked")));
        return VERDICT_PASS;
    }
    first = json_array_get(all, 0);
    if (json_is_integer(json_object_get(first, "line")))
        finding_summary(f, "%zu violation(s) at %.12s; first %s:%lld %s: %s", n, ev->commit,
                        str(first, "file"),
                        (long long)json_integer_value(json_object_get(first, "line")),
                        str(first, "rule"), str(first, "message"));
    else
        finding_summary(f, "%zu violation(s) at %.12s; first %s %s: %s", n, ev->commit,
                        str(first, "file"), str(first, "rule"), str(first, "message"));
    return VERDICT_FAIL;
}

static void
env_config_remedy(const struct evidence *ev, const json_t *rule, time_t now,
                  const struct finding *f, struct remedy *out)
{
    size_t n = json_array_size(json_object_get(ev->data, "violations"));

    (void)rule;
    (void)now;
    (void)f;
    remedy_text(out, "fix the %zu violation%s 'promote env check --commit %.12s' lists", n,
                n == 1 ? "" : "s", ev->commit);
    out->data = json_pack("{s:s, s:I}", "action", "fix_config", "violations", (json_int_t)n);
}

const struct gate gate_env_config = {
    .type = "env_config",
    .params = env_config_params,
    .check_rule = env_config_check_rule,
    .collect = env_config_collect,
    .evaluate = env_config_evaluate,
    .remedy = env_config_remedy,
};
