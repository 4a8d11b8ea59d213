/* The workflow judge: the GitHub Actions deploy workflows (read with libyaml) against the
 * policy's environments, branches, roles and secrets. */
#include "core/envcheck/internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* An environment name in capitals, '-' as '_': the prefix of its secrets (PROD_...). */
static void
env_upper(char *out, size_t sz, const char *name)
{
    size_t i;

    for (i = 0; name[i] && i + 1 < sz; i++)
        out[i] = name[i] == '-' ? '_' : (char)toupper((unsigned char)name[i]);
    out[i] = '\0';
}

/* TEMPLATE with every KEY replaced by VALUE. */
static void
expand(char *out, size_t sz, const char *tmpl, const char *key, const char *value)
{
    size_t o = 0, klen = strlen(key), vlen = strlen(value);
    const char *t = tmpl;

    while (*t && o + 1 < sz) {
        if (strncmp(t, key, klen) == 0) {
            size_t n = vlen < sz - 1 - o ? vlen : sz - 1 - o;

            memcpy(out + o, value, n);
            o += n;
            t += klen;
        } else {
            out[o++] = *t++;
        }
    }
    out[o] = '\0';
}

struct wf {
    yaml_document_t doc;
    const char *path;
    long budget; /* node visits left: aliases can make a small file a large graph */
};

static yaml_node_t *
ynode(struct wf *w, int id)
{
    if (w->budget <= 0)
        return NULL;
    w->budget--;
    return yaml_document_get_node(&w->doc, id);
}

static const char *
yscalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static long
yline(const yaml_node_t *n)
{
    return n ? (long)n->start_mark.line + 1 : 0;
}

/* The value under KEY in MAP (and the key node into *KEYNODE), or NULL. */
static yaml_node_t *
ymap(struct wf *w, const yaml_node_t *map, const char *key, yaml_node_t **keynode)
{
    yaml_node_pair_t *pair;

    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
        yaml_node_t *k = ynode(w, pair->key);
        const char *s = yscalar(k);

        if (s && strcmp(s, key) == 0) {
            if (keynode)
                *keynode = k;
            return ynode(w, pair->value);
        }
    }
    return NULL;
}

static int
null_node(const yaml_node_t *n)
{
    const char *s = yscalar(n);

    return !n || (s && (!*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0) &&
                  n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE);
}

/* One role-assuming job, or a job naming an environment. */
struct wf_job {
    const char *id;
    long line;
    const char *env; /* its environment's name, NULL when none */
    long env_line;
    const yaml_node_t *step;  /* its first aws-actions/configure-aws-credentials step, or NULL */
    const yaml_node_t *steps; /* all its steps */
    int id_token;             /* the effective permissions grant id-token: write */
    long perms_line;          /* the permissions that apply (0: none given) */
};

static int
grants_id_token(struct wf *w, const yaml_node_t *perms)
{
    const char *s = yscalar(perms);

    if (s)
        return strcmp(s, "write-all") == 0;
    s = yscalar(ymap(w, perms, "id-token", NULL));
    return s && strcmp(s, "write") == 0;
}

static int
configures_aws(const char *uses)
{
    static const char action[] = "aws-actions/configure-aws-credentials";

    return uses && envcheck_starts_with(uses, action) &&
           (uses[sizeof(action) - 1] == '@' || uses[sizeof(action) - 1] == '\0');
}

/* Read the jobs of W into JOBS (at most MAX); the number read. */
static size_t
read_jobs(struct wf *w, const yaml_node_t *root, struct wf_job *jobs, size_t max)
{
    const yaml_node_t *jobsnode = ymap(w, root, "jobs", NULL);
    yaml_node_t *wpkey = NULL, *wperms = ymap(w, root, "permissions", &wpkey);
    yaml_node_pair_t *pair;
    size_t n = 0;

    if (!jobsnode || jobsnode->type != YAML_MAPPING_NODE)
        return 0;
    for (pair = jobsnode->data.mapping.pairs.start;
         pair < jobsnode->data.mapping.pairs.top && n < max; pair++) {
        yaml_node_t *k = ynode(w, pair->key), *job = ynode(w, pair->value), *envn, *steps, *perms;
        yaml_node_t *pkey = NULL, *idt;
        struct wf_job *j = &jobs[n];

        if (!yscalar(k) || !job || job->type != YAML_MAPPING_NODE)
            continue;
        memset(j, 0, sizeof(*j));
        j->id = yscalar(k);
        j->line = yline(k);
        envn = ymap(w, job, "environment", NULL);
        if (envn && envn->type == YAML_MAPPING_NODE)
            envn = ymap(w, envn, "name", NULL);
        if (yscalar(envn) && !null_node(envn)) {
            j->env = yscalar(envn);
            j->env_line = yline(envn);
        }
        steps = ymap(w, job, "steps", NULL);
        j->steps = steps;
        if (steps && steps->type == YAML_SEQUENCE_NODE) {
            yaml_node_item_t *it;

            for (it = steps->data.sequence.items.start; it < steps->data.sequence.items.top; it++) {
                yaml_node_t *step = ynode(w, *it);

                if (configures_aws(yscalar(ymap(w, step, "uses", NULL)))) {
                    j->step = step;
                    break;
                }
            }
        }
        perms = ymap(w, job, "permissions", &pkey);
        if (!perms) {
            perms = wperms;
            pkey = wpkey;
        }
        j->id_token = perms && grants_id_token(w, perms);
        idt = ymap(w, perms, "id-token", NULL);
        j->perms_line = idt ? yline(idt) : yline(pkey);
        n++;
    }
    return n;
}

/* The event names of `on` with their value nodes. */
struct wf_event {
    const char *name;
    const yaml_node_t *value; /* NULL for the short forms */
    long line;
};

static size_t
read_events(struct wf *w, const yaml_node_t *on, struct wf_event *ev, size_t max)
{
    size_t n = 0;

    if (yscalar(on)) {
        ev[0].name = yscalar(on);
        ev[0].value = NULL;
        ev[0].line = yline(on);
        return 1;
    }
    if (on && on->type == YAML_SEQUENCE_NODE) {
        yaml_node_item_t *it;

        for (it = on->data.sequence.items.start; it < on->data.sequence.items.top && n < max;
             it++) {
            yaml_node_t *x = ynode(w, *it);

            if (!yscalar(x))
                continue;
            ev[n].name = yscalar(x);
            ev[n].value = NULL;
            ev[n++].line = yline(x);
        }
    } else if (on && on->type == YAML_MAPPING_NODE) {
        yaml_node_pair_t *pair;

        for (pair = on->data.mapping.pairs.start; pair < on->data.mapping.pairs.top && n < max;
             pair++) {
            yaml_node_t *k = ynode(w, pair->key);

            if (!yscalar(k))
                continue;
            ev[n].name = yscalar(k);
            ev[n].value = ynode(w, pair->value);
            ev[n++].line = yline(k);
        }
    }
    return n;
}

#define WF_MAX_JOBS 256
#define WF_MAX_EVENTS 64

/* Which environment a file deploys to by its name or the policy's deploy.workflow. */
static const struct policy_env *
env_by_file(const struct policy *p, const char *path, int *by_policy)
{
    const char *base = envcheck_base_name(path);
    size_t i;

    for (i = 0; i < p->n_envs; i++) {
        const char *wf = json_string_value(json_object_get(p->envs[i].deploy, "workflow"));

        if (wf && strcmp(wf, base) == 0) {
            *by_policy = 1;
            return &p->envs[i];
        }
    }
    *by_policy = 0;
    for (i = 0; i < p->n_envs; i++) {
        char a[128], b[128];

        snprintf(a, sizeof(a), "deploy-%s.yml", p->envs[i].name);
        snprintf(b, sizeof(b), "deploy-%s.yaml", p->envs[i].name);
        if (strcmp(base, a) == 0 || strcmp(base, b) == 0)
            return &p->envs[i];
    }
    return NULL;
}

static const struct policy_env *
env_by_github_name(const struct policy *p, const char *name)
{
    size_t i;

    for (i = 0; i < p->n_envs; i++)
        if (strcmp(p->envs[i].github_environment, name) == 0)
            return &p->envs[i];
    return NULL;
}

/* `on`: the deploy of ENV runs on ENV's branch only. */
static void
judge_triggers(struct envcheck_result *r, struct wf *w, const yaml_node_t *root,
               const struct policy_env *env, int dispatched)
{
    yaml_node_t *onkey = NULL, *on = ymap(w, root, "on", &onkey);
    struct wf_event ev[WF_MAX_EVENTS];
    size_t n, i;
    int runs = 0, reported = 0, has_dispatch = 0;

    if (!on) {
        envcheck_add(r, w->path, yline(root), "wf-syntax",
                     "no 'on': nothing triggers this workflow");
        return;
    }
    n = read_events(w, on, ev, WF_MAX_EVENTS);
    for (i = 0; i < n; i++) {
        const yaml_node_t *v = ev[i].value, *br, *ign, *tags, *tign;

        if (strcmp(ev[i].name, "workflow_dispatch") == 0 ||
            strcmp(ev[i].name, "workflow_call") == 0) {
            runs = 1;
            has_dispatch |= strcmp(ev[i].name, "workflow_dispatch") == 0;
            continue;
        }
        if (strcmp(ev[i].name, "push") != 0) {
            envcheck_add(r, w->path, ev[i].line, "wf-branch",
                         "the deploy of %s runs on '%.64s', not only on pushes to %s or a dispatch",
                         env->name, ev[i].name, env->branch);
            reported = 1;
            continue;
        }
        br = ymap(w, v, "branches", NULL);
        ign = ymap(w, v, "branches-ignore", NULL);
        tags = ymap(w, v, "tags", NULL);
        tign = ymap(w, v, "tags-ignore", NULL);
        if (ign) {
            envcheck_add(r, w->path, yline(ign), "wf-branch",
                         "branches-ignore runs the deploy of %s on other branches than %s",
                         env->name, env->branch);
            reported = 1;
        }
        if (br) {
            if (yscalar(br)) {
                if (strcmp(yscalar(br), env->branch) == 0) {
                    runs = 1;
                } else {
                    envcheck_add(r, w->path, yline(br), "wf-branch",
                                 "the deploy of %s runs on a push to '%.64s', %s's branch is %s",
                                 env->name, yscalar(br), env->name, env->branch);
                    reported = 1;
                }
            } else if (br->type == YAML_SEQUENCE_NODE) {
                yaml_node_item_t *it;

                for (it = br->data.sequence.items.start; it < br->data.sequence.items.top; it++) {
                    yaml_node_t *b = ynode(w, *it);

                    if (yscalar(b) && strcmp(yscalar(b), env->branch) == 0) {
                        runs = 1;
                        continue;
                    }
                    envcheck_add(r, w->path, yline(b), "wf-branch",
                                 "the deploy of %s runs on a push to '%.64s', %s's branch is %s",
                                 env->name, yscalar(b) ? yscalar(b) : "?", env->name, env->branch);
                    reported = 1;
                }
            }
        } else if (!ign && !tags && !tign) {
            envcheck_add(r, w->path, ev[i].line, "wf-branch",
                         "the deploy of %s runs on a push to any branch (give branches: [%s])",
                         env->name, env->branch);
            reported = 1;
        }
    }
    if (!runs && !reported)
        envcheck_add(r, w->path, yline(onkey), "wf-branch",
                     "nothing runs the deploy of %s on %s (a push to %s, or workflow_dispatch)",
                     env->name, env->branch, env->branch);
    if (dispatched) {
        const json_t *inputs = json_object_get(env->deploy, "inputs");
        const char *key;
        json_t *x;

        if (!has_dispatch) {
            envcheck_add(
                r, w->path, yline(onkey), "wf-dispatch",
                "promote deploys %s by workflow_dispatch, which this workflow does not accept",
                env->name);
            return;
        }
        for (i = 0; i < n; i++) {
            const yaml_node_t *declared;

            if (strcmp(ev[i].name, "workflow_dispatch") != 0)
                continue;
            declared = ymap(w, ev[i].value, "inputs", NULL);
            json_object_foreach((json_t *)inputs, key, x)
            {
                (void)x;
                if (!ymap(w, declared, key, NULL))
                    envcheck_add(
                        r, w->path, ev[i].line, "wf-dispatch",
                        "promote dispatches %s's deploy with input '%s', which this workflow "
                        "does not declare",
                        env->name, key);
            }
        }
    }
}

/* `${{ secrets.NAME }}`: NAME into OUT, 1; else 0. */
static int
secret_ref(char *out, size_t sz, const char *v)
{
    const char *p = v, *name;
    size_t n;

    while (*p == ' ')
        p++;
    if (strncmp(p, "${{", 3) != 0)
        return 0;
    p += 3;
    while (*p == ' ')
        p++;
    if (strncmp(p, "secrets.", 8) != 0)
        return 0;
    name = p += 8;
    while (isalnum((unsigned char)*p) || *p == '_')
        p++;
    n = (size_t)(p - name);
    while (*p == ' ')
        p++;
    if (n == 0 || strncmp(p, "}}", 2) != 0)
        return 0;
    p += 2;
    while (*p == ' ')
        p++;
    if (*p || n >= sz)
        return 0;
    snprintf(out, sz, "%.*s", (int)n, name);
    return 1;
}

/* The environment other than ENV a secret NAME belongs to (NAME starts with its
 * name in capitals and '_'), or NULL. */
static const struct policy_env *
secret_owner(const struct policy *p, const struct policy_env *env, const char *name)
{
    char mine[64], theirs[64];
    size_t i;

    env_upper(mine, sizeof(mine) - 1, env->name);
    mine[strlen(mine) + 1] = '\0';
    mine[strlen(mine)] = '_';
    for (i = 0; i < p->n_envs; i++) {
        if (&p->envs[i] == env)
            continue;
        env_upper(theirs, sizeof(theirs) - 1, p->envs[i].name);
        theirs[strlen(theirs) + 1] = '\0';
        theirs[strlen(theirs)] = '_';
        if (envcheck_starts_with(name, theirs) && !envcheck_starts_with(name, mine))
            return &p->envs[i];
    }
    return NULL;
}

/* One aws-actions/configure-aws-credentials STEP of job J, a deploy of ENV. */
static void
judge_role(struct envcheck_result *r, struct wf *w, const struct policy *p,
           const struct policy_env *env, const struct wf_job *j, const yaml_node_t *step)
{
    const yaml_node_t *node = ymap(w, ymap(w, step, "with", NULL), "role-to-assume", NULL);
    const char *v = yscalar(node), *tmpl, *acct, *colon, *name;
    char secret[128], want[128], upper[64], role[128], suffix[64];
    const struct policy_env *o;

    if (!node) {
        envcheck_add(
            r, w->path, yline(step), "wf-role",
            "job '%.64s' configures AWS credentials without assuming a role (role-to-assume)",
            j->id);
        return;
    }
    if (!v) {
        envcheck_add(r, w->path, yline(node), "wf-role", "role-to-assume must be a string");
        return;
    }
    if (strstr(v, "${{")) {
        if (!secret_ref(secret, sizeof(secret), v)) {
            envcheck_add(
                r, w->path, yline(node), "wf-role",
                "role-to-assume '%.100s' cannot be checked: give the ARN or ${{ secrets.NAME }}",
                v);
            return;
        }
        tmpl = json_string_value(envcheck_naming(p, "role_secret"));
        env_upper(upper, sizeof(upper), env->name);
        expand(want, sizeof(want), tmpl ? tmpl : "{ENV}_OIDC_ROLE_ARN", "{ENV}", upper);
        if (strcmp(secret, want) == 0)
            return;
        o = secret_owner(p, env, secret);
        if (o)
            envcheck_add(r, w->path, yline(node), "wf-secret",
                         "the role of %s comes from %s, a secret of %s (expected %s)", env->name,
                         secret, o->name, want);
        else
            envcheck_add(r, w->path, yline(node), "wf-secret",
                         "the role of %s comes from secret %s, expected %s", env->name, secret,
                         want);
        return;
    }
    /* arn:aws:iam::<account>:role/<path/><name> */
    if (!envcheck_starts_with(v, "arn:aws:iam::") || !(colon = strchr(v + 13, ':')) ||
        strncmp(colon, ":role/", 6) != 0 || !colon[6] || envcheck_ends_with(v, "/")) {
        envcheck_add(
            r, w->path, yline(node), "wf-role",
            "role-to-assume '%.100s' is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
            v);
        return;
    }
    acct = v + 13;
    name = strrchr(colon, '/') + 1;
    if ((size_t)(colon - acct) != 12 || strncmp(acct, env->aws_account_id, 12) != 0)
        envcheck_add(r, w->path, yline(node), "wf-role",
                     "the role %.100s is in account %.*s, %s's account is %s", v,
                     (int)(colon - acct < 20 ? colon - acct : 20), acct, env->name,
                     env->aws_account_id);
    snprintf(suffix, sizeof(suffix), "-%s", env->name);
    tmpl = json_string_value(envcheck_naming(p, "oidc_role"));
    if (tmpl) {
        expand(role, sizeof(role), tmpl, "{env}", env->name);
        if (strcmp(name, role) != 0)
            envcheck_add(r, w->path, yline(node), "wf-role",
                         "the role is '%.64s', the policy's %s role is '%s'", name, env->name,
                         role);
    } else if (!envcheck_ends_with(name, suffix)) {
        envcheck_add(r, w->path, yline(node), "wf-role", "the role name '%.64s' does not end in %s",
                     name, suffix);
    }
}

/* Every aws-actions/configure-aws-credentials step of job J, a deploy of ENV. */
static void
judge_roles(struct envcheck_result *r, struct wf *w, const struct policy *p,
            const struct policy_env *env, const struct wf_job *j)
{
    yaml_node_item_t *it;

    for (it = j->steps->data.sequence.items.start; it < j->steps->data.sequence.items.top; it++) {
        yaml_node_t *step = ynode(w, *it);

        if (configures_aws(yscalar(ymap(w, step, "uses", NULL))))
            judge_role(r, w, p, env, j, step);
    }
}

/* Secrets of another environment named anywhere in a deploy of ENV (the values of
 * role-to-assume are judged by judge_role). */
static void
judge_foreign_secrets(struct envcheck_result *r, struct wf *w, const struct policy *p,
                      const struct policy_env *env)
{
    size_t n = (size_t)(w->doc.nodes.top - w->doc.nodes.start);
    unsigned char *is_role = calloc(n + 1, 1);
    yaml_node_t *node;

    if (!is_role) {
        r->oom = 1;
        return;
    }
    for (node = w->doc.nodes.start; node < w->doc.nodes.top; node++) {
        yaml_node_pair_t *pair;

        if (node->type != YAML_MAPPING_NODE)
            continue;
        for (pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
            const char *k = yscalar(yaml_document_get_node(&w->doc, pair->key));

            if (k && strcmp(k, "role-to-assume") == 0 && pair->value >= 1 &&
                (size_t)pair->value <= n)
                is_role[pair->value] = 1;
        }
    }
    for (node = w->doc.nodes.start; node < w->doc.nodes.top; node++) {
        const char *s = yscalar(node), *at;

        if (!s || is_role[node - w->doc.nodes.start + 1])
            continue;
        for (at = strstr(s, "secrets."); at; at = strstr(at + 1, "secrets.")) {
            char name[128];
            size_t k = 0;
            const struct policy_env *o;

            at += 8;
            while (k + 1 < sizeof(name) && (isalnum((unsigned char)at[k]) || at[k] == '_')) {
                name[k] = at[k];
                k++;
            }
            name[k] = '\0';
            o = secret_owner(p, env, name);
            if (o)
                envcheck_add(r, w->path, yline(node), "wf-secret",
                             "the deploy of %s reads %s, a secret of %s", env->name, name, o->name);
        }
    }
    free(is_role);
}

#define WF_MAX_DEPTH 64             /* nested collections in a workflow file */
#define WF_MAX_YAML_EVENTS 2000000u /* parse events in one workflow file */

/* A first pass over the events, stopped at the first collection nested deeper than
 * WF_MAX_DEPTH: libyaml's scanner spends time growing with the square of the nesting
 * (a file of N '[' takes minutes), and its event parser reaches the limit after
 * reading only that far. 0, or -1 with *LINE and WHY set. */
static int
workflow_bounded(const struct envcheck_file *f, long *line, const char **why)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    unsigned long events = 0;
    int depth = 0, rc = -1, end = 0;

    *line = 0;
    *why = "out of memory";
    if (!yaml_parser_initialize(&parser))
        return -1;
    yaml_parser_set_input_string(&parser, (const unsigned char *)f->text, f->len);
    while (!end) {
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = 0; /* the loader reports the syntax error with its context */
            break;
        }
        *line = (long)ev.start_mark.line + 1;
        if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT)
            depth++;
        else if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT)
            depth--;
        end = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
        if (depth > WF_MAX_DEPTH) {
            *why = "collections nested deeper than 64 levels";
            break;
        }
        if (++events > WF_MAX_YAML_EVENTS) {
            *why = "more than 2000000 YAML events";
            break;
        }
        rc = end ? 0 : -1;
    }
    yaml_parser_delete(&parser);
    return rc;
}

/* Judge one workflow file; *DEPLOYS gets one flag per policy environment it deploys. */
static void
judge_workflow(struct envcheck_result *r, const struct policy *p, const struct envcheck_file *f,
               unsigned char *deploys)
{
    yaml_parser_t parser;
    struct wf w;
    yaml_node_t *root, *jobskey = NULL;
    struct wf_job *jobs = NULL;
    const struct policy_env *file_env, *env;
    size_t n_jobs, i, k;
    int by_policy, loaded = 0, any_role = 0;
    const char *bad_why;
    long bad_line;
    char stem[256], *tok;
    size_t len;

    memset(&w, 0, sizeof(w));
    w.path = f->path;
    w.budget = 1000000;
    /* a file named after a forbidden environment (deploy-staging.yml) */
    snprintf(stem, sizeof(stem), "%s", envcheck_base_name(f->path));
    if (strrchr(stem, '.'))
        *strrchr(stem, '.') = '\0';
    for (tok = stem; *tok;) {
        int last;

        len = strcspn(tok, "-_.");
        last = tok[len] == '\0';
        tok[len] = '\0';
        if (len && envcheck_forbidden(p, tok))
            envcheck_add(r, f->path, 0, "env-name", "file name '%s' names '%s', not an environment",
                         envcheck_base_name(f->path), tok);
        tok += len + !last;
    }
    /* a deploy by its name is one even when it cannot be read: not missing too */
    file_env = env_by_file(p, f->path, &by_policy);
    if (file_env)
        deploys[file_env - p->envs] = 1;
    if (workflow_bounded(f, &bad_line, &bad_why) < 0) {
        envcheck_add(r, f->path, bad_line, "wf-syntax", "refused: %s", bad_why);
        return;
    }
    if (!yaml_parser_initialize(&parser)) {
        r->oom = 1;
        return;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)f->text, f->len);
    if (!yaml_parser_load(&parser, &w.doc)) {
        envcheck_add(r, f->path, (long)parser.problem_mark.line + 1, "wf-syntax",
                     "not YAML: %s%s%s", parser.context ? parser.context : "",
                     parser.context ? ": " : "", parser.problem ? parser.problem : "unknown error");
        goto done;
    }
    loaded = 1;
    root = yaml_document_get_root_node(&w.doc);
    if (!root || root->type != YAML_MAPPING_NODE) {
        envcheck_add(r, f->path, root ? yline(root) : 0, "wf-syntax",
                     "a workflow is a YAML mapping");
        goto done;
    }
    jobs = calloc(WF_MAX_JOBS, sizeof(*jobs));
    if (!jobs) {
        r->oom = 1;
        goto done;
    }
    n_jobs = read_jobs(&w, root, jobs, WF_MAX_JOBS);
    if (!ymap(&w, root, "jobs", NULL))
        envcheck_add(r, f->path, yline(root), "wf-syntax", "no 'jobs'");
    for (i = 0; i < n_jobs; i++) {
        if (jobs[i].env && envcheck_forbidden(p, jobs[i].env))
            envcheck_add(r, f->path, jobs[i].env_line, "env-name",
                         "environment '%.64s' is not an environment name", jobs[i].env);
        any_role |= jobs[i].step != NULL;
    }
    if (file_env) {
        judge_triggers(r, &w, root, file_env, by_policy);
        judge_foreign_secrets(r, &w, p, file_env);
        ymap(&w, root, "jobs", &jobskey);
        if (!any_role)
            envcheck_add(r, f->path, yline(jobskey), "wf-role",
                         "no job of this deploy of %s assumes an AWS role "
                         "(aws-actions/configure-aws-credentials with role-to-assume)",
                         file_env->name);
    }
    for (i = 0; i < n_jobs; i++) {
        const struct wf_job *j = &jobs[i];
        const char *expr = j->env ? strstr(j->env, "${{") : NULL;

        if (file_env) {
            if (j->env && !expr && strcmp(j->env, file_env->github_environment) != 0) {
                envcheck_add(r, f->path, j->env_line, "wf-environment",
                             "job '%.64s' names environment '%.64s', this workflow deploys %s "
                             "(environment: %s)",
                             j->id, j->env, file_env->name, file_env->github_environment);
                continue;
            }
            if (!j->step)
                continue;
            if (!j->env)
                envcheck_add(
                    r, f->path, j->line, "wf-environment",
                    "job '%.64s' assumes an AWS role but names no environment (environment: %s)",
                    j->id, file_env->github_environment);
            else if (expr)
                envcheck_add(r, f->path, j->env_line, "wf-environment",
                             "job '%.64s' names environment '%.64s', which cannot be checked",
                             j->id, j->env);
            env = file_env;
        } else {
            if (!j->step)
                continue;
            if (!j->env || expr) {
                envcheck_add(r, f->path, j->env ? j->env_line : j->line, "wf-environment",
                             j->env ? "job '%.64s' names an environment that cannot be checked"
                                    : "job '%.64s' assumes an AWS role but names no environment",
                             j->id);
                continue;
            }
            env = env_by_github_name(p, j->env);
            if (!env) {
                if (!envcheck_forbidden(p, j->env))
                    envcheck_add(
                        r, f->path, j->env_line, "wf-environment",
                        "job '%.64s' deploys to '%.64s', which is not an environment of the "
                        "policy",
                        j->id, j->env);
                continue;
            }
            /* a deploy found by its job: judge the file for that environment once */
            for (k = 0; k < i; k++)
                if (jobs[k].step && jobs[k].env && env_by_github_name(p, jobs[k].env) == env)
                    break;
            if (k == i) {
                deploys[env - p->envs] = 1;
                judge_triggers(r, &w, root, env, 0);
                judge_foreign_secrets(r, &w, p, env);
            }
        }
        if (!j->id_token)
            envcheck_add(r, f->path, j->perms_line ? j->perms_line : j->line, "wf-id-token",
                         "job '%.64s' assumes a role by OIDC but its permissions do not grant "
                         "id-token: write",
                         j->id);
        judge_roles(r, &w, p, env, j);
    }
    if (n_jobs == WF_MAX_JOBS)
        envcheck_add(r, f->path, 0, "wf-syntax", "more than %d jobs: not read", WF_MAX_JOBS - 1);
    if (w.budget <= 0)
        envcheck_add(r, f->path, 0, "wf-syntax", "too large a graph of nodes (aliases) to read");
done:
    free(jobs);
    if (loaded)
        yaml_document_delete(&w.doc);
    yaml_parser_delete(&parser);
}

int
envcheck_workflows(struct envcheck_result *r, const struct policy *p,
                   const struct envcheck_input *in)
{
    unsigned char *deploys;
    char path[2048];
    size_t i;

    if (!in->wf_found) {
        envcheck_add(r, *in->wf_dir ? in->wf_dir : ".", 0, "wf-missing",
                     "no workflow directory '%s' (use --workflows DIR)",
                     *in->wf_dir ? in->wf_dir : ".");
        return r->oom ? -1 : 0;
    }
    deploys = calloc(p->n_envs ? p->n_envs : 1, 1);
    if (!deploys) {
        r->oom = 1;
        return -1;
    }
    for (i = 0; i < in->n_workflows; i++) {
        r->n_workflows++;
        judge_workflow(r, p, &in->workflows[i], deploys);
    }
    for (i = 0; i < p->n_envs; i++) {
        const char *wf = json_string_value(json_object_get(p->envs[i].deploy, "workflow"));

        if (deploys[i])
            continue;
        if (wf) {
            envcheck_join(path, sizeof(path), in->wf_dir, wf);
            envcheck_add(r, path, 0, "wf-missing",
                         "no workflow '%s': promote dispatches %s's deploy to it", wf,
                         p->envs[i].name);
        } else {
            envcheck_add(
                r, *in->wf_dir ? in->wf_dir : ".", 0, "wf-missing",
                "no deploy workflow for %s (deploy-%s.yml, or a job with environment: %s that "
                "assumes an AWS role)",
                p->envs[i].name, p->envs[i].name, p->envs[i].github_environment);
        }
    }
    free(deploys);
    return r->oom ? -1 : 0;
}
