/* The Terraform judge: each environment's variable file against the policy, the names of
 * directories and files, and the variables every environment sets. */
#include "core/envcheck/internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
env_list(char *out, size_t sz, const struct policy *p)
{
    size_t i, o = 0;

    out[0] = '\0';
    for (i = 0; i < p->n_envs && o < sz; i++)
        o += (size_t)snprintf(out + o, sz - o, "%s%s", i ? ", " : "", p->envs[i].name);
}

/* How judge_names reports each flag of envcheck_s3_check (s3.c). */
static const struct {
    unsigned flag;
    const char *rule;
    const char *what;
} s3_rules[] = {
    {ENVCHECK_S3_LENGTH, "s3-length", "must be 3 to 63 characters long"},
    {ENVCHECK_S3_CHARS, "s3-chars", "may hold only lowercase letters, digits, '.' and '-'"},
    {ENVCHECK_S3_EDGE, "s3-edge", "must start and end with a lowercase letter or a digit"},
    {ENVCHECK_S3_DOUBLE_DOT, "s3-double-dot", "must not contain '..'"},
    {ENVCHECK_S3_IP_ADDRESS, "s3-ip-address", "must not look like an IP address"},
    {ENVCHECK_S3_RESERVED_PREFIX, "s3-reserved-prefix",
     "must not start with a reserved prefix (xn--, sthree-, amzn-s3-demo-)"},
    {ENVCHECK_S3_RESERVED_SUFFIX, "s3-reserved-suffix",
     "must not end with a reserved suffix (-s3alias, --ol-s3, .mrap, --x-s3, --table-s3)"},
};

static const char *const failover_vars[] = {"aws_failover_region", "dynamodb_replica_region", NULL};
/* reported by their own rules when missing, so not again by tf-variable-set */
static const char *const required_vars[] = {"environment", "aws_account_id", "aws_region",
                                            "enable_cross_region_dr", NULL};

static int
in_set(const char *s, const char *const *set)
{
    for (; *set; set++)
        if (strcmp(s, *set) == 0)
            return 1;
    return 0;
}

static int
is_resource_name(const char *var)
{
    return envcheck_ends_with(var, "_name") || envcheck_ends_with(var, "_bucket") ||
           envcheck_ends_with(var, "_queue") || envcheck_ends_with(var, "_table");
}

static int
twelve_digits(const char *s)
{
    size_t i;

    for (i = 0; s[i]; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return i == 12;
}

/* The environment other than E whose characteristic value V is (its account id, name,
 * a name ending in -<name>, a region of its that E does not use), or NULL. */
static const struct policy_env *
owner_of(const struct policy *p, const struct policy_env *env, const char *v)
{
    char suffix[64];
    size_t i;

    snprintf(suffix, sizeof(suffix), "-%s", env->name);
    for (i = 0; i < p->n_envs; i++) {
        const struct policy_env *o = &p->envs[i];
        char osuffix[64];
        int own_region;

        if (o == env)
            continue;
        snprintf(osuffix, sizeof(osuffix), "-%s", o->name);
        own_region = strcmp(v, env->region) == 0 ||
                     (env->failover_region && strcmp(v, env->failover_region) == 0);
        if ((strcmp(v, o->aws_account_id) == 0 && strcmp(v, env->aws_account_id) != 0) ||
            strcmp(v, o->name) == 0 ||
            (envcheck_ends_with(v, osuffix) && !envcheck_ends_with(v, suffix)) ||
            (!own_region && (strcmp(v, o->region) == 0 ||
                             (o->failover_region && strcmp(v, o->failover_region) == 0))))
            return o;
    }
    return NULL;
}

static void
judge_names(struct envcheck_result *r, const struct policy *p, const struct policy_env *env,
            const struct envcheck_tfvars *t)
{
    const char *prefix = json_string_value(envcheck_naming(p, "prefix"));
    char suffix[64];
    size_t i, k;

    snprintf(suffix, sizeof(suffix), "-%s", env->name);
    for (i = 0; i < t->n; i++) {
        const struct envcheck_var *v = &t->vars[i];
        const char *last;
        unsigned bad;

        if (!is_resource_name(v->name))
            continue;
        if (v->kind != ENVCHECK_STRING) {
            envcheck_add(r, t->path, v->line, "tf-name-suffix",
                         "%s must be a quoted string ending in %s", v->name, suffix);
            continue;
        }
        if (!envcheck_ends_with(v->value, suffix))
            envcheck_add(r, t->path, v->line, "tf-name-suffix", "%s '%.100s' does not end in %s",
                         v->name, v->value, suffix);
        last = strrchr(v->value, '-');
        if (last && envcheck_forbidden(p, last + 1))
            envcheck_add(r, t->path, v->line, "env-name",
                         "%s '%.100s' ends in '%s', which is not an environment name", v->name,
                         v->value, last);
        if (prefix && !envcheck_starts_with(v->value, prefix))
            envcheck_add(r, t->path, v->line, "tf-name-prefix",
                         "%s '%.100s' does not start with '%s'", v->name, v->value, prefix);
        if (!envcheck_ends_with(v->name, "_bucket"))
            continue;
        bad = envcheck_s3_check(v->value);
        for (k = 0; k < sizeof(s3_rules) / sizeof(s3_rules[0]); k++)
            if (bad & s3_rules[k].flag)
                envcheck_add(r, t->path, v->line, s3_rules[k].rule, "S3 bucket name '%.100s' %s",
                             v->value, s3_rules[k].what);
    }
}

static void
judge_env_file(struct envcheck_result *r, const struct policy *p, const struct policy_env *env,
               const struct envcheck_tfvars *t)
{
    const struct envcheck_var *v;
    size_t i;

    v = envcheck_tfvars_get(t, "environment");
    if (!v && !envcheck_tfvars_has(t, "environment"))
        envcheck_add(r, t->path, 0, "tf-environment",
                     "'environment' is not set (it must be \"%s\")", env->name);
    else if (v && (v->kind != ENVCHECK_STRING || strcmp(v->value, env->name) != 0))
        envcheck_add(r, t->path, v->line, "tf-environment",
                     "environment is '%.64s', the directory is '%s'", v->value, env->name);
    if (v && v->kind == ENVCHECK_STRING && envcheck_forbidden(p, v->value))
        envcheck_add(r, t->path, v->line, "env-name", "'%.64s' is not an environment name",
                     v->value);

    v = envcheck_tfvars_get(t, "aws_account_id");
    if (!v) {
        if (!envcheck_tfvars_has(t, "aws_account_id"))
            envcheck_add(r, t->path, 0, "tf-account",
                         "'aws_account_id' is not set (%s's account is %s)", env->name,
                         env->aws_account_id);
    } else if (v->kind != ENVCHECK_STRING)
        envcheck_add(r, t->path, v->line, "tf-account",
                     "aws_account_id must be a quoted string (a number loses leading zeros)");
    else if (!twelve_digits(v->value))
        envcheck_add(r, t->path, v->line, "tf-account", "aws_account_id '%.64s' is not 12 digits",
                     v->value);
    else if (strcmp(v->value, env->aws_account_id) != 0)
        envcheck_add(r, t->path, v->line, "tf-account",
                     "aws_account_id is %s, the policy's %s account is %s", v->value, env->name,
                     env->aws_account_id);

    v = envcheck_tfvars_get(t, "aws_region");
    if (!v && !envcheck_tfvars_has(t, "aws_region"))
        envcheck_add(r, t->path, 0, "tf-region", "'aws_region' is not set (%s's region is %s)",
                     env->name, env->region);
    else if (v && (v->kind != ENVCHECK_STRING || strcmp(v->value, env->region) != 0))
        envcheck_add(r, t->path, v->line, "tf-region",
                     "aws_region is '%.64s', the policy's %s region is %s", v->value, env->name,
                     env->region);

    for (i = 0; failover_vars[i]; i++) {
        v = envcheck_tfvars_get(t, failover_vars[i]);
        if (!env->failover_region && v)
            envcheck_add(r, t->path, v->line, "tf-failover",
                         "%s is set, but the policy gives %s no failover region", v->name,
                         env->name);
        else if (env->failover_region && v &&
                 (v->kind != ENVCHECK_STRING || strcmp(v->value, env->failover_region) != 0))
            envcheck_add(r, t->path, v->line, "tf-failover",
                         "%s is '%.64s', the policy's failover region is %s", v->name, v->value,
                         env->failover_region);
    }
    if (env->failover_region && !envcheck_tfvars_has(t, "aws_failover_region"))
        envcheck_add(r, t->path, 0, "tf-failover",
                     "'aws_failover_region' is not set (%s fails over to %s)", env->name,
                     env->failover_region);

    v = envcheck_tfvars_get(t, "enable_cross_region_dr");
    if (!v && !envcheck_tfvars_has(t, "enable_cross_region_dr"))
        envcheck_add(r, t->path, 0, "tf-dr", "'enable_cross_region_dr' is not set (it must be %s)",
                     env->failover_region ? "true" : "false");
    else if (v && v->kind != ENVCHECK_BOOL)
        envcheck_add(r, t->path, v->line, "tf-dr", "enable_cross_region_dr must be true or false");
    else if (v && (strcmp(v->value, "true") == 0) != (env->failover_region != NULL))
        envcheck_add(r, t->path, v->line, "tf-dr",
                     "enable_cross_region_dr is %s, but the policy gives %s %s failover region",
                     v->value, env->name, env->failover_region ? "a" : "no");

    judge_names(r, p, env, t);

    for (i = 0; i < t->n; i++) {
        const struct policy_env *o;

        v = &t->vars[i];
        if (v->kind == ENVCHECK_BOOL)
            continue;
        o = owner_of(p, env, v->value);
        if (o)
            envcheck_add(r, t->path, v->line, "tf-copied",
                         "%s '%.64s' belongs to %s, not %s (copied from %s's file?)", v->name,
                         v->value, o->name, env->name, o->name);
    }
}

/* Every variable set in one environment's file is set in every other's (the failover
 * variables excepted). */
static void
judge_variable_sets(struct envcheck_result *r, const struct envcheck_tfvars *files, size_t n)
{
    size_t i, j, k;

    for (i = 0; i < n; i++) {
        if (!files[i].path)
            continue;
        for (j = 0; j < n; j++) {
            if (j == i || !files[j].path)
                continue;
            for (k = 0; k < files[j].n; k++) {
                const struct envcheck_var *v = &files[j].vars[k];
                size_t m;
                int seen = 0;

                if (in_set(v->name, failover_vars) || in_set(v->name, required_vars) ||
                    envcheck_tfvars_has(&files[i], v->name))
                    continue;
                /* name it once, after the first file that sets it */
                for (m = 0; m < j && !seen; m++)
                    seen = m != i && files[m].path && envcheck_tfvars_get(&files[m], v->name);
                if (!seen)
                    envcheck_add(r, files[i].path, 0, "tf-variable-set",
                                 "'%s' is set in %s (line %ld) but not here", v->name,
                                 files[j].path, v->line);
            }
        }
    }
}

int
envcheck_terraform(struct envcheck_result *r, const struct policy *p,
                   const struct envcheck_input *in)
{
    struct envcheck_tfvars *parsed = NULL;
    char path[2048], envs[256];
    size_t i, k;
    int rc = -1;

    env_list(envs, sizeof(envs), p);
    if (!in->tf_found) {
        envcheck_add(r, *in->tf_dir ? in->tf_dir : ".", 0, "tf-missing",
                     "no Terraform directory '%s' (use --terraform DIR)",
                     *in->tf_dir ? in->tf_dir : ".");
        return r->oom ? -1 : 0;
    }
    for (i = 0; i < in->n_tf_subdirs; i++) {
        if (!envcheck_forbidden(p, in->tf_subdirs[i]))
            continue;
        envcheck_join(path, sizeof(path), in->tf_dir, in->tf_subdirs[i]);
        envcheck_add(r, path, 0, "env-name",
                     "directory '%s' is not an environment name (the environments: %s)",
                     in->tf_subdirs[i], envs);
    }
    for (i = 0; i < in->n_tfvars; i++) {
        const char *base = envcheck_base_name(in->tfvars[i].path);
        char stem[256];

        if (!envcheck_ends_with(base, ".tfvars"))
            continue;
        snprintf(stem, sizeof(stem), "%.*s", (int)(strlen(base) - 7), base);
        if (!envcheck_forbidden(p, stem))
            continue;
        /* a file in a directory already reported is not reported again */
        for (k = 0; k < in->n_tf_subdirs; k++) {
            envcheck_join(path, sizeof(path), in->tf_dir, in->tf_subdirs[k]);
            if (envcheck_forbidden(p, in->tf_subdirs[k]) &&
                envcheck_starts_with(in->tfvars[i].path, path) &&
                in->tfvars[i].path[strlen(path)] == '/')
                break;
        }
        if (k == in->n_tf_subdirs)
            envcheck_add(r, in->tfvars[i].path, 0, "env-name",
                         "file name '%s' is not an environment name (the environments: %s)", base,
                         envs);
    }
    parsed = calloc(p->n_envs, sizeof(*parsed));
    if (!parsed) {
        r->oom = 1;
        return -1;
    }
    for (k = 0; k < p->n_envs; k++) {
        const struct policy_env *env = &p->envs[k];
        const struct envcheck_file *f = NULL;
        char dir[1024];

        envcheck_join(dir, sizeof(dir), in->tf_dir, env->name);
        snprintf(path, sizeof(path), "%s/%s.tfvars", dir, env->name);
        for (i = 0; i < in->n_tfvars && !f; i++)
            if (strcmp(in->tfvars[i].path, path) == 0 && in->tfvars[i].text)
                f = &in->tfvars[i];
        if (!f) {
            envcheck_add(r, path, 0, "tf-missing", "no variable file for environment '%s'",
                         env->name);
            continue;
        }
        r->n_tfvars++;
        if (envcheck_tfvars_parse(&parsed[k], f, r) < 0)
            goto done;
        judge_env_file(r, p, env, &parsed[k]);
    }
    judge_variable_sets(r, parsed, p->n_envs);
    rc = r->oom ? -1 : 0;
done:
    for (k = 0; k < p->n_envs; k++)
        envcheck_tfvars_release(&parsed[k]);
    free(parsed);
    return rc;
}
