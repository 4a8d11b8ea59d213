#include "core/engine/policy.h"

#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/buf.h"
#include "core/base/file.h"
#include "gates/gate.h"
#include "core/ledger/audit.h"
#include "core/github/roles.h"

static const char *const top_keys[] = {"version",      "name",       "description",
                                       "roles",        "trusted_keys", "environments",
                                       "promotions",   "naming",       "audit_log",
                                       NULL};
static const char *const env_keys[] = {"name",           "branch",
                                       "aws_account_id", "region",
                                       "failover_region", "github_environment",
                                       "tag_template",   "deploy",
                                       "rollback",       "description",
                                       "matrix",
                                       NULL};
static const char *const promo_keys[] = {"from", "to", "gates", "description", NULL};

/* Every validation message: "policy 'SOURCE': JPATH: what". */
static int
bad(struct err *e, const char *source, const char *jpath, const char *what)
{
    return err_set(e, EXIT_USAGE, "invalid policy '%s': %s: %s", source, jpath, what);
}

static int
in_list(const char *key, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(key, *list) == 0)
            return 1;
    return 0;
}

static int
check_keys(const json_t *obj, const char *const *allowed, const char *source, const char *jpath,
           struct err *e)
{
    const char *key;
    json_t *v;
    char path[256];

    json_object_foreach((json_t *)obj, key, v) {
        if (!in_list(key, allowed)) {
            snprintf(path, sizeof(path), "%s.%s", jpath, key);
            return bad(e, source, path, "unknown key");
        }
    }
    return 0;
}

static int
matches_name(const char *s, size_t max)
{
    size_t n = strlen(s), i;

    if (n == 0 || n > max || !islower((unsigned char)s[0]))
        return 0;
    for (i = 0; i < n; i++)
        if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '-' &&
            s[i] != '_')
            return 0;
    return 1;
}

/* AWS region form: two letters, one or more words, a number (af-south-1, us-gov-west-1). */
static int
matches_region(const char *s)
{
    size_t i = 0, n = strlen(s);
    int dashes = 0;

    if (n < 4 || n > 32 || !islower((unsigned char)s[0]) || !islower((unsigned char)s[1]) ||
        s[2] != '-')
        return 0;
    for (i = 0; i < n; i++) {
        if (s[i] == '-')
            dashes++;
        else if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]))
            return 0;
    }
    return dashes >= 2 && isdigit((unsigned char)s[n - 1]) && s[n - 1 - 1] == '-';
}

static int
matches_account(const char *s)
{
    size_t i;

    for (i = 0; s[i]; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return i == 12;
}

/* Optional free-text fields must be strings where present. */
static int
check_texts(const json_t *obj, const char *source, const char *jpath, struct err *e)
{
    static const char *const texts[] = {"name", "description", NULL};
    const json_t *v;
    char path[256];
    size_t i;

    for (i = 0; texts[i]; i++) {
        v = json_object_get(obj, texts[i]);
        snprintf(path, sizeof(path), "%s.%s", jpath, texts[i]);
        if (v && !json_is_string(v))
            return bad(e, source, path, "must be a string");
    }
    return 0;
}

static const char *
req_string(const json_t *obj, const char *key, const char *source, const char *jpath,
           struct err *e)
{
    const json_t *v = json_object_get(obj, key);
    char path[256];

    snprintf(path, sizeof(path), "%s.%s", jpath, key);
    if (!v) {
        bad(e, source, path, "missing");
        return NULL;
    }
    if (!json_is_string(v) || json_string_length(v) == 0) {
        bad(e, source, path, "must be a non-empty string");
        return NULL;
    }
    return json_string_value(v);
}

const struct policy_attr policy_matrix_attrs[] = {
    {"purpose", ATTR_TEXT, "purpose", NULL, 0, 0},
    {"data_class", ATTR_TEXT, "data", NULL, 0, 0},
    {"access_level", ATTR_TEXT, "access", NULL, 0, 0},
    {"scale", ATTR_TEXT, "scale", NULL, 0, 0},
    {"availability_sla_percent", ATTR_PERCENT, "availability SLA", " %", 0, 0},
    {"compliance", ATTR_TEXTS, "compliance", NULL, 0, 0},
    {"data_residency", ATTR_TEXT, "data residency", NULL, 0, 0},
    {"backup_strategy", ATTR_TEXT, "backups", NULL, 0, 0},
    {"backup_frequency", ATTR_TEXT_OR_NULL, "backup frequency", NULL, 0, 0},
    {"point_in_time_recovery_days", ATTR_COUNT_OR_NULL, "point-in-time recovery", " days", 1, 35},
    {"dr_enabled", ATTR_BOOL, "DR enabled", NULL, 0, 0},
    {"dr_strategy", ATTR_TEXT_OR_NULL, "DR strategy", NULL, 0, 0},
    {"rto_minutes", ATTR_COUNT_OR_NULL, "RTO (at most)", " minutes", 0, 525600},
    {"rpo_minutes", ATTR_COUNT_OR_NULL, "RPO (at most)", " minutes", 0, 525600},
    {"failover_test", ATTR_TEXT_OR_NULL, "failover test", NULL, 0, 0},
    {"log_retention_days", ATTR_COUNT, "log retention", " days", 1, 3653},
    {"xray_tracing", ATTR_BOOL, "X-Ray tracing", NULL, 0, 0},
    {"detailed_monitoring", ATTR_BOOL, "detailed metrics, dashboard, alarms", NULL, 0, 0},
    {"alarm_topic", ATTR_TEXT_OR_NULL, "alarm topic", NULL, 0, 0},
    {"lambda_memory_mb", ATTR_COUNT, "Lambda memory", " MB", 128, 10240},
    {"lambda_timeout_seconds", ATTR_COUNT, "Lambda timeout", " s", 1, 900},
    {"lambda_ephemeral_storage_mb", ATTR_COUNT, "Lambda ephemeral storage", " MB", 512, 10240},
    {"lambda_reserved_concurrency", ATTR_COUNT_OR_NULL, "Lambda reserved concurrency", NULL, 0,
     100000},
    {"lambda_provisioned_concurrency", ATTR_COUNT_OR_NULL, "Lambda provisioned concurrency", NULL,
     1, 100000},
    {"lambda_provisioned_concurrency_handler", ATTR_TEXT_OR_NULL, "provisioned concurrency on",
     NULL, 0, 0},
    {"ses_sending_limit_per_second", ATTR_COUNT, "SES sending limit", "/s", 1, 100000},
    {"ses_from_address", ATTR_TEXT, "SES from address", NULL, 0, 0},
    {"ses_bounce_handling", ATTR_TEXT_OR_NULL, "SES bounce/complaint handling", NULL, 0, 0},
    {"api_throttling_rps", ATTR_COUNT, "API throttling", " req/s", 1, 10000000},
    {"s3_versioning", ATTR_BOOL, "S3 versioning", NULL, 0, 0},
    {"s3_orders_lifecycle", ATTR_TEXT_OR_NULL, "S3 orders lifecycle", NULL, 0, 0},
    {"required_reviewers", ATTR_COUNT, "required reviewers", NULL, 0, 6},
    {"reviewers", ATTR_TEXTS, "reviewers", NULL, 0, 0},
    {"status_checks_required", ATTR_BOOL, "required status checks", NULL, 0, 0},
    {"deploy_windows_only", ATTR_BOOL, "deploys in scheduled windows only", NULL, 0, 0},
    {NULL, ATTR_TEXT, NULL, NULL, 0, 0},
};

static int
check_attr(const struct policy_attr *a, const json_t *v, const char *source, const char *path,
           struct err *e)
{
    char what[128];
    size_t i;

    switch (a->kind) {
    case ATTR_TEXT_OR_NULL:
        if (json_is_null(v))
            return 0;
        /* fall through */
    case ATTR_TEXT:
        if (!json_is_string(v) || json_string_length(v) == 0)
            return bad(e, source, path,
                       a->kind == ATTR_TEXT ? "must be a non-empty string"
                                            : "must be null or a non-empty string");
        return 0;
    case ATTR_TEXTS:
        if (!json_is_array(v))
            return bad(e, source, path, "must be an array of non-empty strings");
        for (i = 0; i < json_array_size(v); i++) {
            const json_t *s = json_array_get(v, i);

            if (!json_is_string(s) || json_string_length(s) == 0)
                return bad(e, source, path, "must be an array of non-empty strings");
        }
        return 0;
    case ATTR_COUNT_OR_NULL:
        if (json_is_null(v))
            return 0;
        /* fall through */
    case ATTR_COUNT:
        if (!json_is_integer(v) || json_integer_value(v) < a->min ||
            json_integer_value(v) > a->max) {
            snprintf(what, sizeof(what), "must be %san integer from %lld to %lld",
                     a->kind == ATTR_COUNT ? "" : "null or ", a->min, a->max);
            return bad(e, source, path, what);
        }
        return 0;
    case ATTR_PERCENT:
        if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 100)
            return bad(e, source, path, "must be a number from 0 to 100");
        return 0;
    case ATTR_BOOL:
        return json_is_boolean(v) ? 0 : bad(e, source, path, "must be true or false");
    }
    return bad(e, source, path, "unknown attribute kind");
}

/* The environment matrix: known keys of the right types, consistent with the
 * environment's regions. */
static int
check_matrix(const json_t *m, const struct policy_env *env, const char *source,
             const char *jpath, struct err *e)
{
    const struct policy_attr *a;
    const json_t *dr, *pc, *rc;
    const char *key;
    json_t *v;
    char path[512];

    if (!json_is_object(m))
        return bad(e, source, jpath, "must be an object");
    json_object_foreach((json_t *)m, key, v) {
        for (a = policy_matrix_attrs; a->key && strcmp(a->key, key) != 0; a++)
            ;
        snprintf(path, sizeof(path), "%s.%s", jpath, key);
        if (!a->key)
            return bad(e, source, path, "unknown key");
        if (check_attr(a, v, source, path, e) < 0)
            return -1;
    }
    dr = json_object_get(m, "dr_enabled");
    snprintf(path, sizeof(path), "%s.dr_enabled", jpath);
    if (dr && json_is_true(dr) != (env->failover_region != NULL))
        return bad(e, source, path,
                   env->failover_region ? "must be true: the environment has a failover region"
                                        : "must be false: the environment has no failover region");
    pc = json_object_get(m, "lambda_provisioned_concurrency");
    rc = json_object_get(m, "lambda_reserved_concurrency");
    snprintf(path, sizeof(path), "%s.lambda_provisioned_concurrency", jpath);
    if (json_is_integer(pc) && json_is_integer(rc) &&
        json_integer_value(pc) > json_integer_value(rc))
        return bad(e, source, path, "cannot exceed lambda_reserved_concurrency");
    return 0;
}

/* "rollback": {"roles": ["ROLE", ...]}: who may roll ENV back (any one role suffices). */
static int
load_rollback(struct policy_env *env, const json_t *v, const json_t *roles, const char *source,
              const char *jpath, struct err *e)
{
    const json_t *list = json_object_get(v, "roles"), *r;
    char path[300], what[128];
    size_t i;

    snprintf(path, sizeof(path), "%s.rollback", jpath);
    if (!json_is_object(v) || json_object_size(v) != 1 || !json_is_array(list) ||
        json_array_size(list) == 0)
        return bad(e, source, path, "must be {\"roles\": [\"ROLE\", ...]} (a non-empty list)");
    json_array_foreach(list, i, r) {
        snprintf(path, sizeof(path), "%s.rollback.roles[%zu]", jpath, i);
        if (!json_is_string(r) || !json_object_get(roles, json_string_value(r))) {
            snprintf(what, sizeof(what), "unknown role '%.64s' (not in $.roles)",
                     json_is_string(r) ? json_string_value(r) : "");
            return bad(e, source, path, what);
        }
    }
    env->rollback_roles = list;
    return 0;
}

static int
load_env(struct policy_env *env, const json_t *obj, const json_t *roles, const char *source,
         const char *jpath, struct err *e)
{
    const json_t *v;
    char path[256];

    if (!json_is_object(obj))
        return bad(e, source, jpath, "must be an object");
    if (check_keys(obj, env_keys, source, jpath, e) < 0 || check_texts(obj, source, jpath, e) < 0)
        return -1;
    env->name = req_string(obj, "name", source, jpath, e);
    if (!env->name)
        return -1;
    snprintf(path, sizeof(path), "%s.name", jpath);
    if (!matches_name(env->name, 32))
        return bad(e, source, path, "must be lowercase letters, digits, '-' or '_'");
    env->branch = req_string(obj, "branch", source, jpath, e);
    if (!env->branch)
        return -1;
    env->aws_account_id = req_string(obj, "aws_account_id", source, jpath, e);
    if (!env->aws_account_id)
        return -1;
    snprintf(path, sizeof(path), "%s.aws_account_id", jpath);
    if (!matches_account(env->aws_account_id))
        return bad(e, source, path, "must be a string of 12 digits");
    env->region = req_string(obj, "region", source, jpath, e);
    if (!env->region)
        return -1;
    snprintf(path, sizeof(path), "%s.region", jpath);
    if (!matches_region(env->region))
        return bad(e, source, path, "not an AWS region name");
    v = json_object_get(obj, "failover_region");
    snprintf(path, sizeof(path), "%s.failover_region", jpath);
    if (v && !json_is_null(v)) {
        if (!json_is_string(v) || !matches_region(json_string_value(v)))
            return bad(e, source, path, "must be null or an AWS region name");
        env->failover_region = json_string_value(v);
        if (strcmp(env->failover_region, env->region) == 0)
            return bad(e, source, path, "must differ from the primary region");
    }
    v = json_object_get(obj, "tag_template");
    if (v) {
        const char *t = json_string_value(v);
        size_t n = t ? strlen(t) : 0;

        snprintf(path, sizeof(path), "%s.tag_template", jpath);
        if (!t || n < 4 || strcmp(t + n - 3, "{n}") != 0 || n > 100)
            return bad(e, source, path, "must be a string ending in {n} (e.g. sit-{yyyy}.{mm}.{dd}.{n})");
        env->tag_template = t;
    }
    v = json_object_get(obj, "deploy");
    if (v) {
        const char *type = json_string_value(json_object_get(v, "type"));
        const char *key;
        json_t *x;

        snprintf(path, sizeof(path), "%s.deploy", jpath);
        if (!json_is_object(v) || !type ||
            (strcmp(type, "workflow_dispatch") != 0 && strcmp(type, "github_deployment") != 0))
            return bad(e, source, path,
                       "must be {\"type\": \"workflow_dispatch\" | \"github_deployment\", ...}");
        json_object_foreach((json_t *)v, key, x) {
            int ok = strcmp(key, "type") == 0 ||
                     (strcmp(type, "workflow_dispatch") == 0 &&
                      ((strcmp(key, "workflow") == 0 && json_is_string(x)) ||
                       (strcmp(key, "inputs") == 0 && json_is_object(x)))) ||
                     (strcmp(type, "github_deployment") == 0 && strcmp(key, "required_contexts") == 0 &&
                      json_is_array(x));

            if (!ok) {
                snprintf(path, sizeof(path), "%s.deploy.%s", jpath, key);
                return bad(e, source, path, "unknown key or wrong type for this deploy type");
            }
        }
        if (strcmp(type, "workflow_dispatch") == 0 && !json_object_get(v, "workflow"))
            return bad(e, source, path, "a workflow_dispatch needs \"workflow\" (a file name)");
        if (!env->tag_template)
            return bad(e, source, path, "needs a tag_template: deploys are triggered for a tag");
        env->deploy = v;
    }
    v = json_object_get(obj, "rollback");
    if (v && load_rollback(env, v, roles, source, jpath, e) < 0)
        return -1;
    v = json_object_get(obj, "github_environment");
    if (v) {
        env->github_environment = req_string(obj, "github_environment", source, jpath, e);
        if (!env->github_environment)
            return -1;
    } else {
        env->github_environment = env->name;
    }
    env->description = json_string_value(json_object_get(obj, "description"));
    v = json_object_get(obj, "matrix");
    if (v) {
        snprintf(path, sizeof(path), "%s.matrix", jpath);
        if (check_matrix(v, env, source, path, e) < 0)
            return -1;
        env->matrix = v;
    }
    return 0;
}

static int
check_param(const struct gate_param *p, const json_t *v, const char *source, const char *path,
            struct err *e)
{
    switch (p->kind) {
    case PARAM_NUMBER:
        return json_is_number(v) ? 0 : bad(e, source, path, "must be a number");
    case PARAM_PERCENT:
        if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 100)
            return bad(e, source, path, "must be a number from 0 to 100");
        return 0;
    case PARAM_COUNT:
        if (!json_is_integer(v) || json_integer_value(v) < 0)
            return bad(e, source, path, "must be a non-negative integer");
        return 0;
    case PARAM_BOOL:
        return json_is_boolean(v) ? 0 : bad(e, source, path, "must be true or false");
    case PARAM_STRING:
        if (!json_is_string(v) || json_string_length(v) == 0)
            return bad(e, source, path, "must be a non-empty string");
        return 0;
    case PARAM_OBJECT:
        return json_is_object(v) ? 0 : bad(e, source, path, "must be an object");
    case PARAM_STRINGS: {
        size_t i;

        if (!json_is_array(v) || json_array_size(v) == 0)
            return bad(e, source, path, "must be a non-empty array of non-empty strings");
        for (i = 0; i < json_array_size(v); i++) {
            const json_t *s = json_array_get(v, i);

            if (!json_is_string(s) || json_string_length(s) == 0)
                return bad(e, source, path, "must be a non-empty array of non-empty strings");
        }
        return 0;
    }
    case PARAM_ARRAY:
        return json_is_array(v) ? 0 : bad(e, source, path, "must be an array");
    }
    return bad(e, source, path, "unknown parameter kind");
}

static int
load_gate(const json_t *g, const json_t *roles, const char *source, const char *jpath,
          struct err *e)
{
    const struct gate *gate;
    const struct gate_param *p;
    const char *name, *type, *key;
    json_t *v;
    char path[256];

    if (!json_is_object(g))
        return bad(e, source, jpath, "must be an object");
    if (check_texts(g, source, jpath, e) < 0)
        return -1;
    name = req_string(g, "name", source, jpath, e);
    if (!name)
        return -1;
    type = req_string(g, "type", source, jpath, e);
    if (!type)
        return -1;
    gate = gate_find(type);
    snprintf(path, sizeof(path), "%s.type", jpath);
    if (!gate) {
        char what[160];

        snprintf(what, sizeof(what), "unknown gate type '%.64s'", type);
        return bad(e, source, path, what);
    }
    json_object_foreach((json_t *)g, key, v) {
        int known = strcmp(key, "name") == 0 || strcmp(key, "type") == 0 ||
                    strcmp(key, "description") == 0 ||
                    (gate->needs_evidence && strcmp(key, "evidence") == 0);

        for (p = gate->params; !known && p->key; p++)
            known = strcmp(key, p->key) == 0;
        snprintf(path, sizeof(path), "%s.%s", jpath, key);
        if (!known)
            return bad(e, source, path, "unknown key for this gate type");
    }
    if (gate->needs_evidence && !req_string(g, "evidence", source, jpath, e))
        return -1;
    for (p = gate->params; p->key; p++) {
        v = json_object_get(g, p->key);
        snprintf(path, sizeof(path), "%s.%s", jpath, p->key);
        if (!v) {
            if (p->required)
                return bad(e, source, path, "missing (required by this gate type)");
            continue;
        }
        if (check_param(p, v, source, path, e) < 0)
            return -1;
    }
    if (gate->check_rule && gate->check_rule(g, jpath, e) < 0)
        return err_prefix(e, "invalid policy '%s'", source);
    if (strcmp(gate->type, "role_approval") == 0) {
        snprintf(path, sizeof(path), "%s.require", jpath);
        if (roles_check_require(json_object_get(g, "require"), roles, path, e) < 0)
            return err_prefix(e, "invalid policy '%s'", source);
    }
    v = json_object_get(g, "break_glass_role");
    if (strcmp(gate->type, "deploy_window") == 0 && v &&
        !json_object_get(roles, json_string_value(v))) {
        char what[160];

        snprintf(path, sizeof(path), "%s.break_glass_role", jpath);
        snprintf(what, sizeof(what), "unknown role '%.64s' (not in $.roles)", json_string_value(v));
        return bad(e, source, path, what);
    }
    return 0;
}

static ssize_t
env_index(const struct policy *p, const char *name)
{
    size_t i;

    for (i = 0; i < p->n_envs; i++)
        if (strcmp(p->envs[i].name, name) == 0)
            return (ssize_t)i;
    return -1;
}

static int
load_promotion(struct policy *p, size_t idx, const json_t *obj, const char *source,
               struct err *e)
{
    struct policy_promotion *pr = &p->promotions[idx];
    const json_t *gates;
    ssize_t fi, ti;
    size_t i, j;
    char jpath[64], path[128], what[256];

    snprintf(jpath, sizeof(jpath), "$.promotions[%zu]", idx);
    if (!json_is_object(obj))
        return bad(e, source, jpath, "must be an object");
    if (check_keys(obj, promo_keys, source, jpath, e) < 0 || check_texts(obj, source, jpath, e) < 0)
        return -1;
    pr->from = req_string(obj, "from", source, jpath, e);
    if (!pr->from)
        return -1;
    pr->to = req_string(obj, "to", source, jpath, e);
    if (!pr->to)
        return -1;
    fi = env_index(p, pr->from);
    ti = env_index(p, pr->to);
    snprintf(path, sizeof(path), "%s.%s", jpath, fi < 0 ? "from" : "to");
    if (fi < 0 || ti < 0) {
        snprintf(what, sizeof(what), "unknown environment '%.64s'", fi < 0 ? pr->from : pr->to);
        return bad(e, source, path, what);
    }
    if (ti != fi + 1) {
        snprintf(what, sizeof(what),
                 "'%.32s' -> '%.32s' is not a step to the next environment (the environments "
                 "are promoted in their listed order)",
                 pr->from, pr->to);
        return bad(e, source, jpath, what);
    }
    for (i = 0; i < idx; i++) {
        if (strcmp(p->promotions[i].from, pr->from) == 0) {
            snprintf(what, sizeof(what), "duplicate promotion '%.32s' -> '%.32s'", pr->from,
                     pr->to);
            return bad(e, source, jpath, what);
        }
    }
    gates = json_object_get(obj, "gates");
    snprintf(path, sizeof(path), "%s.gates", jpath);
    if (!json_is_array(gates) || json_array_size(gates) == 0)
        return bad(e, source, path, "must be a non-empty array of gates");
    for (i = 0; i < json_array_size(gates); i++) {
        const char *name;

        snprintf(path, sizeof(path), "%s.gates[%zu]", jpath, i);
        if (load_gate(json_array_get(gates, i), json_object_get(p->root, "roles"), source, path,
                      e) < 0)
            return -1;
        name = json_string_value(json_object_get(json_array_get(gates, i), "name"));
        for (j = 0; j < i; j++) {
            if (strcmp(name, json_string_value(json_object_get(json_array_get(gates, j),
                                                               "name"))) == 0) {
                snprintf(what, sizeof(what), "duplicate gate name '%.64s'", name);
                return bad(e, source, path, what);
            }
        }
    }
    pr->gates = gates;
    return 0;
}

/* $.naming: the prefix of resource names, the environment names never to use, the OIDC
 * role and its secret (read by 'promote env check' and the env_config gate). */
static int
check_naming(const struct policy *p, const char *source, struct err *e)
{
    static const char *const keys[] = {"prefix", "forbidden_environment_names", "oidc_role",
                                       "role_secret", "description", NULL};
    const json_t *n = json_object_get(p->root, "naming"), *v, *x;
    const char *s;
    char path[96], what[160];
    size_t i, k;

    if (!n)
        return 0;
    if (!json_is_object(n))
        return bad(e, source, "$.naming", "must be an object");
    if (check_keys(n, keys, source, "$.naming", e) < 0)
        return -1;
    v = json_object_get(n, "description");
    if (v && !json_is_string(v))
        return bad(e, source, "$.naming.description", "must be a string");
    v = json_object_get(n, "prefix");
    if (v) {
        s = json_string_value(v);
        if (!s || !*s || strlen(s) > 63 || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-.") != strlen(s))
            return bad(e, source, "$.naming.prefix",
                       "must be lowercase letters, digits, '-' or '.' (at most 63)");
    }
    v = json_object_get(n, "forbidden_environment_names");
    if (v) {
        if (!json_is_array(v))
            return bad(e, source, "$.naming.forbidden_environment_names",
                       "must be an array of environment names");
        json_array_foreach(v, i, x) {
            snprintf(path, sizeof(path), "$.naming.forbidden_environment_names[%zu]", i);
            if (!json_is_string(x) || !matches_name(json_string_value(x), 32))
                return bad(e, source, path, "must be lowercase letters, digits, '-' or '_'");
            for (k = 0; k < p->n_envs; k++) {
                if (strcmp(p->envs[k].name, json_string_value(x)) == 0) {
                    snprintf(what, sizeof(what), "'%s' is an environment of this policy",
                             p->envs[k].name);
                    return bad(e, source, path, what);
                }
            }
        }
    }
    v = json_object_get(n, "oidc_role");
    if (v) {
        s = json_string_value(v);
        if (!s || !*s || strlen(s) > 64 || !strstr(s, "{env}") ||
            strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+=,.@_-{}") !=
                strlen(s))
            return bad(e, source, "$.naming.oidc_role",
                       "must be an IAM role name containing {env}, such as "
                       "github-deploy-{env}");
    }
    v = json_object_get(n, "role_secret");
    if (v) {
        s = json_string_value(v);
        if (!s || !*s || strlen(s) > 64 ||
            strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_{}") != strlen(s))
            return bad(e, source, "$.naming.role_secret",
                       "must be a GitHub secret name, {ENV} standing for the environment's "
                       "name in capitals (e.g. {ENV}_OIDC_ROLE_ARN)");
    }
    return 0;
}

/* "audit_log": {"ref": "refs/heads/promote/audit", "allow_unprotected": false}: where the
 * log lives, and whether it may be recorded into when no host rule protects it. */
static int
check_audit_log(struct policy *p, const char *source, struct err *e)
{
    static const char *const keys[] = {"ref", "allow_unprotected", "push_deadline_seconds",
                                       "description", NULL};
    const json_t *a = json_object_get(p->root, "audit_log"), *v;
    const char *s;
    size_t i, n;

    p->audit_ref = AUDIT_REF;
    if (!a)
        return 0;
    if (!json_is_object(a))
        return bad(e, source, "$.audit_log", "must be an object");
    if (check_keys(a, keys, source, "$.audit_log", e) < 0 ||
        check_texts(a, source, "$.audit_log", e) < 0)
        return -1;
    v = json_object_get(a, "ref");
    if (v) {
        s = json_string_value(v);
        n = s ? strlen(s) : 0;
        for (i = 0; s && i < n; i++)
            if (!isalnum((unsigned char)s[i]) && !strchr("/._-", s[i]))
                break;
        if (!s || i < n || n > 200 || strncmp(s, "refs/", 5) != 0 || s[n - 1] == '/' ||
            s[n - 1] == '.' || strstr(s, "..") || strstr(s, "//") || strstr(s, "/.") ||
            (n >= 5 && strcmp(s + n - 5, ".lock") == 0) ||
            strncmp(s, "refs/tags/", 10) == 0 || strncmp(s, "refs/remotes/", 13) == 0 ||
            strncmp(s, "refs/promote/remotes/", 21) == 0)
            return bad(e, source, "$.audit_log.ref",
                       "must be a ref name such as refs/heads/promote/audit (a branch a "
                       "ruleset protects) or refs/promote/audit");
        p->audit_ref = s;
    }
    v = json_object_get(a, "allow_unprotected");
    if (v && !json_is_boolean(v))
        return bad(e, source, "$.audit_log.allow_unprotected", "must be true or false");
    p->audit_allow_unprotected = json_is_true(v);
    v = json_object_get(a, "push_deadline_seconds");
    if (v && (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 3600))
        return bad(e, source, "$.audit_log.push_deadline_seconds",
                   "must be a whole number of seconds from 1 to 3600");
    p->audit_push_deadline_s = v ? (double)json_integer_value(v) : 0;
    return 0;
}

static int
policy_validate(struct policy *p, const char *source, struct err *e)
{
    const json_t *root = p->root, *v, *envs, *promos;
    size_t i, j;
    char path[64];

    if (!json_is_object(root))
        return bad(e, source, "$", "must be a JSON object");
    if (check_keys(root, top_keys, source, "$", e) < 0)
        return -1;
    if (check_texts(root, source, "$", e) < 0)
        return -1;
    v = json_object_get(root, "roles");
    if (v && roles_check(v, source, e) < 0)
        return -1;
    v = json_object_get(root, "trusted_keys");
    if (v) {
        struct audit_trust t;

        if (audit_trust_from_policy(&t, v, e) < 0)
            return err_prefix(e, "invalid policy '%s'", source);
    }
    v = json_object_get(root, "version");
    if (!v)
        return bad(e, source, "$.version", "missing");
    if (!json_is_integer(v) || json_integer_value(v) != 1)
        return bad(e, source, "$.version", "unsupported version (this promote reads version 1)");
    envs = json_object_get(root, "environments");
    if (!json_is_array(envs) || json_array_size(envs) == 0)
        return bad(e, source, "$.environments", "must be a non-empty array");
    p->envs = calloc(json_array_size(envs), sizeof(*p->envs));
    if (!p->envs)
        return err_set(e, EXIT_EVAL, "out of memory");
    for (i = 0; i < json_array_size(envs); i++) {
        snprintf(path, sizeof(path), "$.environments[%zu]", i);
        if (load_env(&p->envs[i], json_array_get(envs, i), json_object_get(root, "roles"),
                     source, path, e) < 0)
            return -1;
        for (j = 0; j < i; j++)
            if (strcmp(p->envs[j].name, p->envs[i].name) == 0)
                return bad(e, source, path, "duplicate environment name");
        p->n_envs++;
    }
    if (check_naming(p, source, e) < 0 || check_audit_log(p, source, e) < 0)
        return -1;
    promos = json_object_get(root, "promotions");
    if (!json_is_array(promos) || json_array_size(promos) == 0)
        return bad(e, source, "$.promotions", "must be a non-empty array");
    p->promotions = calloc(json_array_size(promos), sizeof(*p->promotions));
    if (!p->promotions)
        return err_set(e, EXIT_EVAL, "out of memory");
    for (i = 0; i < json_array_size(promos); i++) {
        if (load_promotion(p, i, json_array_get(promos, i), source, e) < 0)
            return -1;
        p->n_promotions++;
    }
    return 0;
}

int
policy_load(struct policy **out, const char *data, size_t len, const char *source, struct err *e)
{
    struct policy *p = NULL;
    json_error_t jerr;
    size_t i;
    int rc = -1;

    *out = NULL;
    p = calloc(1, sizeof(*p));
    if (!p)
        return err_set(e, EXIT_EVAL, "out of memory");
    snprintf(p->source, sizeof(p->source), "%s", source);
    crypto_hash_sha256(p->sha256, (const unsigned char *)data, len);
    for (i = 0; i < 32; i++)
        snprintf(p->sha256_hex + 2 * i, 3, "%02x", p->sha256[i]);
    p->root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!p->root) {
        err_set(e, EXIT_USAGE, "cannot parse policy '%s': line %d, column %d: %s", source,
                jerr.line, jerr.column, err_json_kind(&jerr));
        goto done;
    }
    if (policy_validate(p, source, e) < 0)
        goto done;
    *out = p;
    p = NULL;
    rc = 0;
done:
    policy_free(p);
    return rc;
}

int
policy_load_file(struct policy **out, const char *path, struct err *e)
{
    struct buf b = BUF_INIT;
    int rc = -1;

    *out = NULL;
    b.limit = POLICY_MAX_BYTES;
    if (file_read_all(&b, "policy ", path, EXIT_USAGE, e) < 0)
        goto done;
    if (policy_load(out, buf_str(&b), b.len, path, e) < 0)
        goto done;
    (*out)->local_override = 1;
    rc = 0;
done:
    buf_release(&b);
    return rc;
}

void
policy_free(struct policy *p)
{
    if (!p)
        return;
    json_decref(p->root);
    free(p->envs);
    free(p->promotions);
    free(p);
}

const struct policy_env *
policy_env(const struct policy *p, const char *name)
{
    ssize_t i = env_index(p, name);

    return i < 0 ? NULL : &p->envs[i];
}

const struct policy_promotion *
policy_promotion(const struct policy *p, const char *from, const char *to)
{
    size_t i;

    for (i = 0; i < p->n_promotions; i++)
        if (strcmp(p->promotions[i].from, from) == 0 && strcmp(p->promotions[i].to, to) == 0)
            return &p->promotions[i];
    return NULL;
}

const json_t *
policy_gate(const struct policy_promotion *promo, const char *name)
{
    size_t i;

    for (i = 0; i < json_array_size(promo->gates); i++) {
        const json_t *g = json_array_get(promo->gates, i);

        if (strcmp(json_string_value(json_object_get(g, "name")), name) == 0)
            return g;
    }
    return NULL;
}
