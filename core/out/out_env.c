#include "core/out/out_env.h"

#include <string.h>

#include "core/out/out.h"

#define CELL 256

/* The rows every environment has, before the matrix attributes. */
static const char *const core_labels[] = {"branch", "AWS account id", "primary region",
                                          "failover region", "GitHub environment"};
#define N_CORE (sizeof(core_labels) / sizeof(core_labels[0]))

static size_t
n_rows(void)
{
    size_t n = N_CORE;
    const struct policy_attr *a;

    for (a = policy_matrix_attrs; a->key; a++)
        n++;
    return n;
}

static const char *
row_label(size_t row)
{
    return row < N_CORE ? core_labels[row] : policy_matrix_attrs[row - N_CORE].label;
}

static int
selected(const struct policy_env *env, const char *only)
{
    return !only || strcmp(env->name, only) == 0;
}

/* One matrix value for people: none, yes/no, a list, a number with its unit. */
static void
value_text(char *out, size_t sz, const struct policy_attr *a, const json_t *v)
{
    const char *unit = a->unit ? a->unit : "";
    size_t i, n = 0;

    out[0] = '\0';
    if (json_is_null(v)) {
        snprintf(out, sz, "none");
    } else if (json_is_boolean(v)) {
        snprintf(out, sz, "%s", json_is_true(v) ? "yes" : "no");
    } else if (json_is_string(v)) {
        snprintf(out, sz, "%s", json_string_value(v));
    } else if (json_is_integer(v)) {
        snprintf(out, sz, "%lld%s", (long long)json_integer_value(v), unit);
    } else if (json_is_real(v)) {
        snprintf(out, sz, "%g%s", json_real_value(v), unit);
    } else if (json_is_array(v)) {
        for (i = 0; i < json_array_size(v) && n < sz; i++)
            n += (size_t)snprintf(out + n, sz - n, "%s%s", i ? ", " : "",
                                  json_string_value(json_array_get(v, i)));
        if (json_array_size(v) == 0)
            snprintf(out, sz, "none");
    }
}

/* The text of ROW for ENV, control characters replaced; 0 when the policy does not
 * state it ("-"). */
static int
cell(char *out, size_t sz, const struct policy_env *env, size_t row)
{
    char raw[CELL];
    const json_t *v = NULL;
    int stated = 1;

    switch (row) {
    case 0:
        snprintf(raw, sizeof(raw), "%s", env->branch);
        break;
    case 1:
        snprintf(raw, sizeof(raw), "%s", env->aws_account_id);
        break;
    case 2:
        snprintf(raw, sizeof(raw), "%s", env->region);
        break;
    case 3:
        snprintf(raw, sizeof(raw), "%s", env->failover_region ? env->failover_region : "none");
        break;
    case 4:
        snprintf(raw, sizeof(raw), "%s", env->github_environment);
        break;
    default:
        v = json_object_get(env->matrix, policy_matrix_attrs[row - N_CORE].key);
        stated = v != NULL;
        if (v)
            value_text(raw, sizeof(raw), &policy_matrix_attrs[row - N_CORE], v);
        else
            snprintf(raw, sizeof(raw), "-");
    }
    out_sanitize(out, sz, raw);
    return stated;
}

/* A row is shown when one of the selected environments states it. */
static int
row_shown(const struct policy *p, const char *only, size_t row)
{
    char buf[CELL];
    size_t i;

    for (i = 0; i < p->n_envs; i++)
        if (selected(&p->envs[i], only) && cell(buf, sizeof(buf), &p->envs[i], row))
            return 1;
    return 0;
}

static size_t
column_width(const struct policy *p, const char *only, const struct policy_env *env)
{
    char buf[CELL];
    size_t row, w = strlen(env->name), rows = n_rows();

    for (row = 0; row < rows; row++) {
        if (!row_shown(p, only, row))
            continue;
        cell(buf, sizeof(buf), env, row);
        if (strlen(buf) > w)
            w = strlen(buf);
    }
    return w;
}

/* The index of the last selected environment. */
static size_t
last_selected(const struct policy *p, const char *only)
{
    size_t i, last = 0;

    for (i = 0; i < p->n_envs; i++)
        if (selected(&p->envs[i], only))
            last = i;
    return last;
}

void
out_env_text(FILE *f, const struct policy *p, const char *only)
{
    char buf[CELL];
    size_t row, i, lw = strlen("attribute"), rows = n_rows(), last = last_selected(p, only);

    for (row = 0; row < rows; row++)
        if (row_shown(p, only, row) && strlen(row_label(row)) > lw)
            lw = strlen(row_label(row));
    for (row = 0; row <= rows; row++) {
        /* row 0 is the header; data row r is printed as r + 1 */
        if (row > 0 && !row_shown(p, only, row - 1))
            continue;
        fprintf(f, "%-*s", (int)lw, row ? row_label(row - 1) : "attribute");
        for (i = 0; i < p->n_envs; i++) {
            const struct policy_env *env = &p->envs[i];

            if (!selected(env, only))
                continue;
            if (row)
                cell(buf, sizeof(buf), env, row - 1);
            else
                out_sanitize(buf, sizeof(buf), env->name);
            fprintf(f, "  %-*s", i == last ? 0 : (int)column_width(p, only, env), buf);
        }
        fputc('\n', f);
    }
    if (p->local_override) {
        out_sanitize(buf, sizeof(buf), p->source);
        fprintf(f, "\npolicy %s [local file given with --policy, not the policy ref]\n", buf);
    }
}

/* An identifier as a code span; one that holds a backtick is written as text. */
static void
md_code(FILE *f, const char *s)
{
    char clean[CELL];

    out_sanitize(clean, sizeof(clean), s);
    if (strchr(clean, '`')) {
        out_markdown(f, clean);
        return;
    }
    fprintf(f, "`%s`", clean);
}

static void
md_matrix(FILE *f, const struct policy *p, const char *only)
{
    char buf[CELL];
    size_t row, i, rows = n_rows();

    fputs("| attribute |", f);
    for (i = 0; i < p->n_envs; i++)
        if (selected(&p->envs[i], only)) {
            fputc(' ', f);
            out_markdown(f, p->envs[i].name);
            fputs(" |", f);
        }
    fputs("\n| --- |", f);
    for (i = 0; i < p->n_envs; i++)
        if (selected(&p->envs[i], only))
            fputs(" --- |", f);
    fputc('\n', f);
    for (row = 0; row < rows; row++) {
        if (!row_shown(p, only, row))
            continue;
        fputs("| ", f);
        out_markdown(f, row_label(row));
        fputs(" |", f);
        for (i = 0; i < p->n_envs; i++) {
            if (!selected(&p->envs[i], only))
                continue;
            cell(buf, sizeof(buf), &p->envs[i], row);
            fputc(' ', f);
            out_markdown(f, buf);
            fputs(" |", f);
        }
        fputc('\n', f);
    }
}

static void
md_attr(FILE *f, const struct policy_env *env, const char *key)
{
    const struct policy_attr *a;
    const json_t *v = json_object_get(env->matrix, key);
    char buf[CELL], clean[CELL];

    for (a = policy_matrix_attrs; a->key && strcmp(a->key, key) != 0; a++)
        ;
    if (!a->key || !v) {
        fputs(" - |", f);
        return;
    }
    value_text(buf, sizeof(buf), a, v);
    out_sanitize(clean, sizeof(clean), buf);
    fputc(' ', f);
    out_markdown(f, clean);
    fputs(" |", f);
}

static void
md_dr(FILE *f, const struct policy *p, const char *only)
{
    static const char *const keys[] = {"dr_strategy", "rto_minutes", "rpo_minutes",
                                       "failover_test"};
    size_t i, k, n = 0;

    fputs("## Disaster recovery\n\n", f);
    for (i = 0; i < p->n_envs; i++) {
        const struct policy_env *env = &p->envs[i];

        if (!selected(env, only) ||
            !(env->failover_region || json_is_true(json_object_get(env->matrix, "dr_enabled"))))
            continue;
        if (n++ == 0)
            fputs("| environment | failover region | strategy | RTO (at most) | RPO (at most) | "
                  "failover test |\n| --- | --- | --- | --- | --- | --- |\n",
                  f);
        fputs("| ", f);
        out_markdown(f, env->name);
        fputs(" | ", f);
        out_markdown(f, env->failover_region ? env->failover_region : "none");
        fputs(" |", f);
        for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
            md_attr(f, env, keys[k]);
        fputc('\n', f);
    }
    if (!n)
        fputs(only ? "This environment has no failover region: no disaster recovery.\n"
                   : "No environment has a failover region: no disaster recovery.\n",
              f);
    fputc('\n', f);
}

static void
md_section(FILE *f, const struct policy *p, size_t idx)
{
    const struct policy_env *env = &p->envs[idx];
    const struct policy_promotion *pr =
        idx ? policy_promotion(p, p->envs[idx - 1].name, env->name) : NULL;
    const char *wf = json_string_value(json_object_get(env->deploy, "workflow"));
    size_t g;

    fputs("## ", f);
    out_markdown(f, env->name);
    fputs("\n\n", f);
    if (env->description) {
        out_markdown(f, env->description);
        fputs("\n\n", f);
    }
    fputs("- Deploys from the branch ", f);
    md_code(f, env->branch);
    fputs(" to the GitHub environment ", f);
    md_code(f, env->github_environment);
    fputs(".\n- AWS account ", f);
    md_code(f, env->aws_account_id);
    fputs(", region ", f);
    md_code(f, env->region);
    if (env->failover_region) {
        fputs(", failover region ", f);
        md_code(f, env->failover_region);
        fputs(".\n", f);
    } else {
        fputs("; no failover region.\n", f);
    }
    if (pr) {
        fprintf(f, "- Promoted from ");
        md_code(f, pr->from);
        fprintf(f, " when %zu gate%s pass:", json_array_size(pr->gates),
                json_array_size(pr->gates) == 1 ? "" : "s");
        for (g = 0; g < json_array_size(pr->gates); g++) {
            fputs(g ? ", " : " ", f);
            md_code(f, json_string_value(json_object_get(json_array_get(pr->gates, g), "name")));
        }
        fputs(".\n", f);
    } else if (idx == 0) {
        fputs("- The first environment: changes enter it on its branch.\n", f);
    } else {
        fputs("- No promotion leads into it.\n", f);
    }
    if (env->tag_template) {
        fputs("- Approved promotions are tagged ", f);
        md_code(f, env->tag_template);
        if (wf) {
            fputs(" and deployed by the workflow ", f);
            md_code(f, wf);
        } else if (env->deploy) {
            fputs(" and deployed through a GitHub deployment", f);
        }
        fputs(".\n", f);
    }
    fputc('\n', f);
}

void
out_env_markdown(FILE *f, const struct policy *p, const char *only)
{
    const char *name = json_string_value(json_object_get(p->root, "name"));
    const char *desc = json_string_value(json_object_get(p->root, "description"));
    size_t i;

    fputs("# Environments", f);
    if (name) {
        fputs(" of ", f);
        out_markdown(f, name);
    }
    fputs("\n\n", f);
    if (desc) {
        out_markdown(f, desc);
        fputs("\n\n", f);
    }
    fputs("Promotion order:", f);
    for (i = 0; i < p->n_envs; i++) {
        fputs(i ? " -> " : " ", f);
        out_markdown(f, p->envs[i].name);
    }
    fputs(". From the policy ", f);
    md_code(f, p->source);
    fprintf(f, " (SHA-256 `%s`%s), rendered by `promote env show --format markdown`.\n\n",
            p->sha256_hex,
            p->local_override ? "; a local file given with `--policy`, not the policy ref" : "");
    fputs("## Environment matrix\n\n", f);
    md_matrix(f, p, only);
    fputc('\n', f);
    md_dr(f, p, only);
    for (i = 0; i < p->n_envs; i++)
        if (selected(&p->envs[i], only))
            md_section(f, p, i);
}

json_t *
out_env_json(const struct policy *p, const char *only)
{
    const struct policy_attr *a;
    json_t *doc, *envs = json_array();
    size_t i;

    if (!envs)
        return NULL;
    for (i = 0; i < p->n_envs; i++) {
        const struct policy_env *env = &p->envs[i];
        json_t *m, *o;

        if (!selected(env, only))
            continue;
        m = json_object();
        /* the attribute table's order, not the policy file's */
        for (a = policy_matrix_attrs; m && a->key; a++)
            if (json_object_get(env->matrix, a->key))
                json_object_set(m, a->key, json_object_get(env->matrix, a->key));
        o = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s, s:s?, s:o?}", "name", env->name, "branch",
                      env->branch, "aws_account_id", env->aws_account_id, "region", env->region,
                      "failover_region", env->failover_region, "github_environment",
                      env->github_environment, "description", env->description, "matrix", m);
        if (!o || json_array_append_new(envs, o) < 0) {
            json_decref(envs);
            return NULL;
        }
    }
    doc = json_pack("{s:i, s:{s:s?, s:s, s:s, s:b}, s:o}", "schema_version", OUT_SCHEMA_VERSION,
                    "policy", "name", json_string_value(json_object_get(p->root, "name")),
                    "sha256", p->sha256_hex, "source", p->source, "local_override",
                    p->local_override, "environments", envs);
    return doc;
}
