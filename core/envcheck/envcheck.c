#include "core/envcheck/envcheck.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "core/base/buf.h"
#include "core/base/file.h"
#include "core/git/repo.h"
#include "core/base/utf8.h"

/* ------------------------------------------------------------------ results */

void
envcheck_result_init(struct envcheck_result *r)
{
    memset(r, 0, sizeof(*r));
}

void
envcheck_result_release(struct envcheck_result *r)
{
    size_t i;

    for (i = 0; i < r->n; i++) {
        free(r->v[i].file);
        free(r->v[i].message);
    }
    free(r->v);
    memset(r, 0, sizeof(*r));
}

static void add(struct envcheck_result *r, const char *file, long line, const char *rule,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
add(struct envcheck_result *r, const char *file, long line, const char *rule, const char *fmt, ...)
{
    struct envcheck_violation *v;
    char msg[512];
    va_list ap;

    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;

        v = realloc(r->v, cap * sizeof(*v));
        if (!v) {
            r->oom = 1;
            return;
        }
        r->v = v;
        r->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    v = &r->v[r->n];
    v->file = strdup(file);
    v->message = strdup(msg);
    v->line = line;
    snprintf(v->rule, sizeof(v->rule), "%s", rule);
    if (!v->file || !v->message) {
        free(v->file);
        free(v->message);
        r->oom = 1;
        return;
    }
    utf8_clean(v->file);
    utf8_clean(v->message);
    r->n++;
}

static int
cmp_violation(const void *a, const void *b)
{
    const struct envcheck_violation *x = a, *y = b;
    int c = strcmp(x->file, y->file);

    if (c)
        return c;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    c = strcmp(x->rule, y->rule);
    return c ? c : strcmp(x->message, y->message);
}

void
envcheck_result_sort(struct envcheck_result *r)
{
    if (r->n > 1)
        qsort(r->v, r->n, sizeof(*r->v), cmp_violation);
}

json_t *
envcheck_result_json(const struct envcheck_result *r)
{
    json_t *a = json_array(), *o;
    size_t i;

    if (!a)
        return NULL;
    for (i = 0; i < r->n; i++) {
        const struct envcheck_violation *v = &r->v[i];

        o = json_pack("{s:s, s:o, s:s, s:s}", "file", v->file, "line",
                      v->line > 0 ? json_integer(v->line) : json_null(), "rule", v->rule, "message",
                      v->message);
        if (!o || json_array_append_new(a, o) < 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* ------------------------------------------------------------------ small helpers */

static int
ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int
starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* DIR/NAME into OUT ("" DIR: NAME). */
static void
join(char *out, size_t sz, const char *dir, const char *name)
{
    snprintf(out, sz, "%s%s%s", dir, *dir ? "/" : "", name);
}

static const char *
base_name(const char *path)
{
    const char *s = strrchr(path, '/');

    return s ? s + 1 : path;
}

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

static const json_t *
naming(const struct policy *p, const char *key)
{
    return json_object_get(json_object_get(p->root, "naming"), key);
}

static const char *const default_forbidden[] = {"stage", "staging",     "production",
                                                "prd",   "development", NULL};

/* Is NAME one of the environment names never to use (the policy's list, else the
 * default list less the policy's own environments)? */
static int
forbidden(const struct policy *p, const char *name)
{
    const json_t *list = naming(p, "forbidden_environment_names"), *x;
    size_t i;

    if (list) {
        json_array_foreach(list, i, x) {
            if (strcmp(json_string_value(x), name) == 0)
                return 1;
        }
        return 0;
    }
    for (i = 0; default_forbidden[i]; i++)
        if (strcmp(default_forbidden[i], name) == 0)
            return !policy_env(p, name);
    return 0;
}

static void
env_list(char *out, size_t sz, const struct policy *p)
{
    size_t i, o = 0;

    out[0] = '\0';
    for (i = 0; i < p->n_envs && o < sz; i++)
        o += (size_t)snprintf(out + o, sz - o, "%s%s", i ? ", " : "", p->envs[i].name);
}

/* ------------------------------------------------------------------ input */

int
envcheck_dir_norm(char **out, const char *dir, const char *what, struct err *e)
{
    struct buf b = BUF_INIT;
    const char *s = dir, *end;

    *out = NULL;
    if (!dir || !*dir)
        return err_set(e, EXIT_USAGE, "%s: an empty directory name", what);
    if (dir[0] == '/')
        return err_set(e, EXIT_USAGE, "%s '%s': give a path relative to the repository root", what,
                       dir);
    while (*s) {
        size_t n;

        end = strchr(s, '/');
        n = end ? (size_t)(end - s) : strlen(s);
        if (n == 2 && strncmp(s, "..", 2) == 0) {
            buf_release(&b);
            return err_set(e, EXIT_USAGE, "%s '%s': '..' leaves the repository", what, dir);
        }
        if (n > 0 && !(n == 1 && s[0] == '.')) {
            if ((b.len && buf_adds(&b, "/") < 0) || buf_add(&b, s, n) < 0) {
                buf_release(&b);
                return err_set(e, EXIT_EVAL, "out of memory");
            }
        }
        s += n;
        while (*s == '/')
            s++;
    }
    if (!b.ptr && buf_adds(&b, "") < 0)
        return err_set(e, EXIT_EVAL, "out of memory");
    *out = buf_detach(&b);
    return 0;
}

static void
files_free(struct envcheck_file *f, size_t n)
{
    size_t i;

    for (i = 0; f && i < n; i++) {
        free(f[i].path);
        free(f[i].text);
    }
    free(f);
}

void
envcheck_input_release(struct envcheck_input *in)
{
    size_t i;

    free(in->tf_dir);
    free(in->wf_dir);
    for (i = 0; i < in->n_tf_subdirs; i++)
        free(in->tf_subdirs[i]);
    free(in->tf_subdirs);
    files_free(in->tfvars, in->n_tfvars);
    files_free(in->workflows, in->n_workflows);
    memset(in, 0, sizeof(*in));
}

/* Where the files come from: the tree of a commit, or the work tree under ROOT. */
struct source {
    struct repo *repo;
    const char *commit;
    const char *root;
};

static int
cmp_entry(const void *a, const void *b)
{
    return strcmp(((const struct repo_entry *)a)->name, ((const struct repo_entry *)b)->name);
}

/* The entries of DIR in the work tree: 1 listed, 0 no such directory, -1 error. */
static int
list_worktree(const struct source *s, const char *dir, struct repo_entry **out, size_t *n,
              struct err *e)
{
    char path[4096], full[4096 + 256];
    struct repo_entry *v = NULL, *nv;
    size_t count = 0, cap = 0;
    struct dirent *d;
    struct stat st;
    DIR *h;
    int rc = -1;

    *out = NULL;
    *n = 0;
    snprintf(path, sizeof(path), "%s%s", s->root, dir);
    if (lstat(path, &st) < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return 0;
        return err_set(e, EXIT_EVAL, "cannot read '%s': %s", path, strerror(errno));
    }
    if (!S_ISDIR(st.st_mode))
        return 0; /* a file or a link where the directory belongs: it is missing */
    h = opendir(path);
    if (!h)
        return err_set(e, EXIT_EVAL, "cannot read '%s': %s", path, strerror(errno));
    for (;;) {
        errno = 0;
        d = readdir(h);
        if (!d) {
            if (errno) {
                err_set(e, EXIT_EVAL, "cannot read '%s': %s", path, strerror(errno));
                goto done;
            }
            break;
        }
        if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
            continue;
        if (count == ENVCHECK_MAX_ENTRIES) {
            err_set(e, EXIT_EVAL, "'%s' has more than %d entries", path, ENVCHECK_MAX_ENTRIES);
            goto done;
        }
        if (count == cap) {
            cap = cap ? cap * 2 : 32;
            nv = realloc(v, cap * sizeof(*v));
            if (!nv) {
                err_set(e, EXIT_EVAL, "out of memory");
                goto done;
            }
            v = nv;
        }
        snprintf(full, sizeof(full), "%s/%s", path, d->d_name);
        if (lstat(full, &st) < 0) {
            err_set(e, EXIT_EVAL, "cannot read '%s': %s", full, strerror(errno));
            goto done;
        }
        v[count].name = strdup(d->d_name);
        if (!v[count].name) {
            err_set(e, EXIT_EVAL, "out of memory");
            goto done;
        }
        v[count++].kind = S_ISDIR(st.st_mode)   ? REPO_ENTRY_DIR
                          : S_ISLNK(st.st_mode) ? REPO_ENTRY_LINK
                          : S_ISREG(st.st_mode) ? REPO_ENTRY_FILE
                                                : REPO_ENTRY_OTHER;
    }
    if (count > 1)
        qsort(v, count, sizeof(*v), cmp_entry);
    *out = v;
    *n = count;
    v = NULL;
    rc = 1;
done:
    repo_entries_free(v, count);
    closedir(h);
    return rc;
}

static int
list_dir(const struct source *s, const char *dir, struct repo_entry **out, size_t *n, struct err *e)
{
    int rc;

    if (!s->commit)
        return list_worktree(s, dir, out, n, e);
    rc = repo_list_at_commit(s->repo, s->commit, dir, out, n, e);
    if (rc > 0 && *n > ENVCHECK_MAX_ENTRIES)
        return err_set(e, EXIT_EVAL, "'%s' has more than %d entries", dir, ENVCHECK_MAX_ENTRIES);
    if (rc > 0 && *n > 1)
        qsort(*out, *n, sizeof(**out), cmp_entry);
    return rc;
}

static int
read_worktree(const struct source *s, const char *path, struct buf *out, struct err *e)
{
    char full[4096];

    snprintf(full, sizeof(full), "%s%s", s->root, path);
    return file_read_all(out, "", full, EXIT_EVAL, e);
}

/* Append PATH to FILES, reading it when READ_IT. */
static int
take_file(struct envcheck_file **files, size_t *n, const struct source *s, const char *path,
          int read_it, struct err *e)
{
    struct envcheck_file *nf;
    struct buf b = BUF_INIT;
    int rc;

    b.limit = ENVCHECK_MAX_FILE_BYTES;
    if (read_it) {
        if (!s->commit) {
            rc = read_worktree(s, path, &b, e);
        } else {
            rc = repo_read_file_at_commit(s->repo, s->commit, path, ENVCHECK_MAX_FILE_BYTES, &b, e);
            if (rc == 0)
                rc = err_set(e, EXIT_EVAL, "'%s' vanished from commit %.12s", path, s->commit);
        }
        if (rc < 0) {
            buf_release(&b);
            return -1;
        }
        if (buf_adds(&b, "") < 0) { /* an empty file is text too */
            buf_release(&b);
            return err_set(e, EXIT_EVAL, "out of memory");
        }
    }
    nf = realloc(*files, (*n + 1) * sizeof(**files));
    if (!nf) {
        buf_release(&b);
        return err_set(e, EXIT_EVAL, "out of memory");
    }
    *files = nf;
    nf[*n].len = b.len;
    nf[*n].text = read_it ? buf_detach(&b) : NULL;
    nf[*n].path = strdup(path);
    if (!nf[*n].path) {
        free(nf[*n].text);
        return err_set(e, EXIT_EVAL, "out of memory");
    }
    (*n)++;
    return 0;
}

static int
no_link(const struct repo_entry *en, const char *path, struct err *e)
{
    if (en->kind == REPO_ENTRY_LINK)
        return err_set(e, EXIT_EVAL, "'%s' is a symbolic link: not followed", path);
    return 0;
}

static int
gather_terraform(struct envcheck_input *in, const struct policy *p, const struct source *s,
                 struct err *e)
{
    struct repo_entry *top = NULL, *sub = NULL;
    size_t n_top = 0, n_sub = 0, i, j;
    char dir[1024], path[2048];
    int rc = -1, found;

    found = list_dir(s, in->tf_dir, &top, &n_top, e);
    if (found < 0)
        return -1;
    in->tf_found = found;
    in->tf_subdirs = calloc(n_top ? n_top : 1, sizeof(*in->tf_subdirs));
    if (!in->tf_subdirs) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    for (i = 0; i < n_top; i++) {
        join(dir, sizeof(dir), in->tf_dir, top[i].name);
        if (policy_env(p, top[i].name) && no_link(&top[i], dir, e) < 0)
            goto done;
        if (top[i].kind != REPO_ENTRY_DIR)
            continue;
        in->tf_subdirs[in->n_tf_subdirs] = strdup(top[i].name);
        if (!in->tf_subdirs[in->n_tf_subdirs]) {
            err_set(e, EXIT_EVAL, "out of memory");
            goto done;
        }
        in->n_tf_subdirs++;
        if (list_dir(s, dir, &sub, &n_sub, e) < 0)
            goto done;
        for (j = 0; j < n_sub; j++) {
            const char *name = sub[j].name;
            size_t len = strlen(name);
            int mine;

            if (!ends_with(name, ".tfvars"))
                continue;
            join(path, sizeof(path), dir, name);
            /* DIR/<env>/<env>.tfvars of a policy environment is read; others are names */
            mine = policy_env(p, top[i].name) && len == strlen(top[i].name) + 7 &&
                   strncmp(name, top[i].name, len - 7) == 0;
            if (mine && no_link(&sub[j], path, e) < 0)
                goto done;
            if (take_file(&in->tfvars, &in->n_tfvars, s, path,
                          mine && sub[j].kind == REPO_ENTRY_FILE, e) < 0)
                goto done;
        }
        repo_entries_free(sub, n_sub);
        sub = NULL;
        n_sub = 0;
    }
    rc = 0;
done:
    repo_entries_free(sub, n_sub);
    repo_entries_free(top, n_top);
    return rc;
}

static int
gather_workflows(struct envcheck_input *in, const struct source *s, struct err *e)
{
    struct repo_entry *v = NULL;
    size_t n = 0, i;
    char path[2048];
    int rc = -1, found;

    found = list_dir(s, in->wf_dir, &v, &n, e);
    if (found < 0)
        return -1;
    in->wf_found = found;
    for (i = 0; i < n; i++) {
        if (!ends_with(v[i].name, ".yml") && !ends_with(v[i].name, ".yaml"))
            continue;
        join(path, sizeof(path), in->wf_dir, v[i].name);
        if (no_link(&v[i], path, e) < 0)
            goto done;
        if (v[i].kind != REPO_ENTRY_FILE)
            continue;
        if (take_file(&in->workflows, &in->n_workflows, s, path, 1, e) < 0)
            goto done;
    }
    rc = 0;
done:
    repo_entries_free(v, n);
    return rc;
}

int
envcheck_gather(struct envcheck_input *out, const struct policy *p, struct repo *repo,
                const char *commit, const char *tf_dir, const char *wf_dir, struct err *e)
{
    struct source s = {repo, commit, NULL};

    memset(out, 0, sizeof(*out));
    if (!commit) {
        s.root = repo_workdir(repo);
        if (!s.root)
            return err_set(e, EXIT_USAGE, "the repository has no work tree (use --commit)");
    }
    if (envcheck_dir_norm(&out->tf_dir, tf_dir, "--terraform", e) < 0 ||
        envcheck_dir_norm(&out->wf_dir, wf_dir, "--workflows", e) < 0 ||
        gather_terraform(out, p, &s, e) < 0 || gather_workflows(out, &s, e) < 0) {
        envcheck_input_release(out);
        return -1;
    }
    return 0;
}

int
envcheck_run(struct envcheck_result *out, const struct policy *p, struct repo *repo,
             const char *commit, const char *tf_dir, const char *wf_dir, struct err *e)
{
    struct envcheck_input in;
    int rc = -1;

    envcheck_result_init(out);
    if (envcheck_gather(&in, p, repo, commit, tf_dir, wf_dir, e) < 0)
        return -1;
    if (envcheck_terraform(out, p, &in) < 0 || envcheck_workflows(out, p, &in) < 0) {
        err_set(e, EXIT_EVAL, "out of memory");
        envcheck_result_release(out);
        goto done;
    }
    envcheck_result_sort(out);
    rc = 0;
done:
    envcheck_input_release(&in);
    return rc;
}

/* ------------------------------------------------------------------ tfvars */

void
envcheck_tfvars_release(struct envcheck_tfvars *t)
{
    size_t i;

    for (i = 0; i < t->n; i++) {
        free(t->vars[i].name);
        free(t->vars[i].value);
    }
    free(t->vars);
    for (i = 0; i < t->n_unread; i++)
        free(t->unread[i]);
    free(t->unread);
    memset(t, 0, sizeof(*t));
}

const struct envcheck_var *
envcheck_tfvars_get(const struct envcheck_tfvars *t, const char *name)
{
    size_t i;

    for (i = 0; i < t->n; i++)
        if (strcmp(t->vars[i].name, name) == 0)
            return &t->vars[i];
    return NULL;
}

int
envcheck_tfvars_has(const struct envcheck_tfvars *t, const char *name)
{
    size_t i;

    for (i = 0; i < t->n_unread; i++)
        if (strcmp(t->unread[i], name) == 0)
            return 1;
    return envcheck_tfvars_get(t, name) != NULL;
}

static const char *
skip_blanks(const char *s, const char *end)
{
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    return s;
}

static int
ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-';
}

/* A quoted string at S (just after the opening quote) up to END into B; the position
 * after the closing quote, or NULL with WHY set. */
static const char *
read_string(struct buf *b, const char *s, const char *end, const char **why)
{
    for (; s < end; s++) {
        char c = *s;

        if (c == '"')
            return s + 1;
        if ((c == '$' || c == '%') && s + 1 < end && s[1] == '{') {
            *why = "template sequences (${...}, %{...}) are not read: give a plain value";
            return NULL;
        }
        if ((c == '$' || c == '%') && s + 2 < end && s[1] == c && s[2] == '{') {
            s++; /* $${ is a literal ${ */
        } else if (c == '\\') {
            if (s + 1 >= end)
                break;
            s++;
            switch (*s) {
            case 'n':
                c = '\n';
                break;
            case 'r':
                c = '\r';
                break;
            case 't':
                c = '\t';
                break;
            case '"':
            case '\\':
                c = *s;
                break;
            default:
                *why = "unsupported escape sequence (only \\n \\r \\t \\\" \\\\ are read)";
                return NULL;
            }
        }
        if (buf_add(b, &c, 1) < 0) {
            *why = "out of memory";
            return NULL;
        }
    }
    *why = "unterminated string (a string ends on its line)";
    return NULL;
}

/* A number: -?digits(.digits)?([eE][+-]?digits)?; the position after it, or NULL. */
static const char *
read_number(const char *s, const char *end)
{
    const char *p = s;

    if (p < end && *p == '-')
        p++;
    if (p >= end || !isdigit((unsigned char)*p))
        return NULL;
    while (p < end && isdigit((unsigned char)*p))
        p++;
    if (p < end && *p == '.') {
        p++;
        if (p >= end || !isdigit((unsigned char)*p))
            return NULL;
        while (p < end && isdigit((unsigned char)*p))
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || !isdigit((unsigned char)*p))
            return NULL;
        while (p < end && isdigit((unsigned char)*p))
            p++;
    }
    return p;
}

/* Remember NAME (LEN bytes), assigned on a line that could not be read. */
static int
note_unread(struct envcheck_tfvars *t, const char *name, size_t len)
{
    char **nu = realloc(t->unread, (t->n_unread + 1) * sizeof(*nu));

    if (!nu)
        return -1;
    t->unread = nu;
    nu[t->n_unread] = strndup(name, len);
    if (!nu[t->n_unread])
        return -1;
    t->n_unread++;
    return 0;
}

/* Parse one line; 0 ok (maybe nothing on it), -1 out of memory. */
static int
parse_line(struct envcheck_tfvars *t, const char *path, long lineno, const char *s, const char *end,
           struct envcheck_result *r)
{
    struct buf value = BUF_INIT;
    const char *p = skip_blanks(s, end), *name, *why = NULL;
    enum envcheck_kind kind = ENVCHECK_STRING;
    struct envcheck_var *nv;
    const struct envcheck_var *prev;
    size_t name_len;
    char name_buf[128];

    if (memchr(s, '\0', (size_t)(end - s))) {
        add(r, path, lineno, "tf-syntax", "a NUL byte: not a text file");
        return 0;
    }
    if (p == end || *p == '#' || (end - p >= 2 && p[0] == '/' && p[1] == '/'))
        return 0;
    if (end - p >= 2 && p[0] == '/' && p[1] == '*') {
        add(r, path, lineno, "tf-syntax", "block comments (/* */) are not read: use # or //");
        return 0;
    }
    name = p;
    if (!isalpha((unsigned char)*p) && *p != '_') {
        add(r, path, lineno, "tf-syntax", "expected 'name = value'");
        return 0;
    }
    while (p < end && ident_char(*p))
        p++;
    name_len = (size_t)(p - name);
    snprintf(name_buf, sizeof(name_buf), "%.*s", (int)(name_len < 100 ? name_len : 100), name);
    p = skip_blanks(p, end);
    if (p == end || *p != '=' || (p + 1 < end && p[1] == '=')) {
        add(r, path, lineno, "tf-syntax", "expected '=' after '%s'", name_buf);
        return 0;
    }
    p = skip_blanks(p + 1, end);
    if (p < end && *p == '"') {
        p = read_string(&value, p + 1, end, &why);
        if (!p) {
            buf_release(&value);
            if (strcmp(why, "out of memory") == 0)
                return -1;
            add(r, path, lineno, "tf-syntax", "'%s': %s", name_buf, why);
            return note_unread(t, name, name_len);
        }
    } else if (p < end && (*p == '-' || isdigit((unsigned char)*p))) {
        const char *q = read_number(p, end);

        if (!q || (q < end && ident_char(*q))) {
            add(r, path, lineno, "tf-syntax", "'%s': not a number", name_buf);
            return note_unread(t, name, name_len);
        }
        kind = ENVCHECK_NUMBER;
        if (buf_add(&value, p, (size_t)(q - p)) < 0)
            return -1;
        p = q;
    } else if ((end - p >= 4 && strncmp(p, "true", 4) == 0 &&
                (end - p == 4 || !ident_char(p[4]))) ||
               (end - p >= 5 && strncmp(p, "false", 5) == 0 &&
                (end - p == 5 || !ident_char(p[5])))) {
        kind = ENVCHECK_BOOL;
        if (buf_adds(&value, *p == 't' ? "true" : "false") < 0)
            return -1;
        p += *p == 't' ? 4 : 5;
    } else {
        add(r, path, lineno, "tf-syntax",
            "'%s': only strings, numbers and true/false are read (lists, maps, expressions "
            "and multi-line values are not)",
            name_buf);
        return note_unread(t, name, name_len);
    }
    p = skip_blanks(p, end);
    if (p < end && *p != '#' && !(end - p >= 2 && p[0] == '/' && p[1] == '/')) {
        buf_release(&value);
        add(r, path, lineno, "tf-syntax", "'%s': unexpected text after the value", name_buf);
        return note_unread(t, name, name_len);
    }
    if (buf_adds(&value, "") < 0)
        return -1;
    prev = NULL;
    {
        char *full = strndup(name, name_len);

        if (!full) {
            buf_release(&value);
            return -1;
        }
        prev = envcheck_tfvars_get(t, full);
        if (prev) {
            add(r, path, lineno, "tf-syntax", "'%s' is already set on line %ld", name_buf,
                prev->line);
            free(full);
            buf_release(&value);
            return 0;
        }
        nv = realloc(t->vars, (t->n + 1) * sizeof(*nv));
        if (!nv) {
            free(full);
            buf_release(&value);
            return -1;
        }
        t->vars = nv;
        nv[t->n].name = full;
        nv[t->n].value = buf_detach(&value);
        nv[t->n].kind = kind;
        nv[t->n].line = lineno;
        t->n++;
    }
    return 0;
}

int
envcheck_tfvars_parse(struct envcheck_tfvars *out, const struct envcheck_file *f,
                      struct envcheck_result *r)
{
    const char *s = f->text, *end = f->text + f->len, *eol;
    long lineno = 1;

    memset(out, 0, sizeof(*out));
    out->path = f->path;
    if (f->len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        s += 3;
    while (s < end) {
        const char *stop;

        eol = memchr(s, '\n', (size_t)(end - s));
        stop = eol ? eol : end;
        if (stop > s && stop[-1] == '\r')
            stop--;
        if (parse_line(out, f->path, lineno, s, stop, r) < 0) {
            r->oom = 1;
            envcheck_tfvars_release(out);
            return -1;
        }
        if (!eol)
            break;
        s = eol + 1;
        lineno++;
    }
    return 0;
}

/* ------------------------------------------------------------------ S3 names */

static int
ip_like(const char *s)
{
    int groups = 0, digits = 0;

    for (;; s++) {
        if (isdigit((unsigned char)*s)) {
            if (++digits > 3)
                return 0;
        } else if (*s == '.' || *s == '\0') {
            if (digits == 0)
                return 0;
            groups++;
            digits = 0;
            if (*s == '\0')
                break;
        } else {
            return 0;
        }
    }
    return groups == 4;
}

unsigned
envcheck_s3_check(const char *name)
{
    static const char *const prefixes[] = {"xn--", "sthree-", "amzn-s3-demo-", NULL};
    static const char *const suffixes[] = {"-s3alias", "--ol-s3",    ".mrap",
                                           "--x-s3",   "--table-s3", NULL};
    size_t n = strlen(name), i;
    unsigned bad = 0;

    if (n < 3 || n > 63)
        bad |= ENVCHECK_S3_LENGTH;
    for (i = 0; i < n; i++)
        if (!islower((unsigned char)name[i]) && !isdigit((unsigned char)name[i]) &&
            name[i] != '-' && name[i] != '.')
            bad |= ENVCHECK_S3_CHARS;
    if (n == 0 || !(islower((unsigned char)name[0]) || isdigit((unsigned char)name[0])) ||
        !(islower((unsigned char)name[n - 1]) || isdigit((unsigned char)name[n - 1])))
        bad |= ENVCHECK_S3_EDGE;
    if (strstr(name, ".."))
        bad |= ENVCHECK_S3_DOUBLE_DOT;
    if (ip_like(name))
        bad |= ENVCHECK_S3_IP_ADDRESS;
    for (i = 0; prefixes[i]; i++)
        if (starts_with(name, prefixes[i]))
            bad |= ENVCHECK_S3_RESERVED_PREFIX;
    for (i = 0; suffixes[i]; i++)
        if (ends_with(name, suffixes[i]))
            bad |= ENVCHECK_S3_RESERVED_SUFFIX;
    return bad;
}

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

/* ------------------------------------------------------------------ terraform */

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
    return ends_with(var, "_name") || ends_with(var, "_bucket") || ends_with(var, "_queue") ||
           ends_with(var, "_table");
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
            strcmp(v, o->name) == 0 || (ends_with(v, osuffix) && !ends_with(v, suffix)) ||
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
    const char *prefix = json_string_value(naming(p, "prefix"));
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
            add(r, t->path, v->line, "tf-name-suffix", "%s must be a quoted string ending in %s",
                v->name, suffix);
            continue;
        }
        if (!ends_with(v->value, suffix))
            add(r, t->path, v->line, "tf-name-suffix", "%s '%.100s' does not end in %s", v->name,
                v->value, suffix);
        last = strrchr(v->value, '-');
        if (last && forbidden(p, last + 1))
            add(r, t->path, v->line, "env-name",
                "%s '%.100s' ends in '%s', which is not an environment name", v->name, v->value,
                last);
        if (prefix && !starts_with(v->value, prefix))
            add(r, t->path, v->line, "tf-name-prefix", "%s '%.100s' does not start with '%s'",
                v->name, v->value, prefix);
        if (!ends_with(v->name, "_bucket"))
            continue;
        bad = envcheck_s3_check(v->value);
        for (k = 0; k < sizeof(s3_rules) / sizeof(s3_rules[0]); k++)
            if (bad & s3_rules[k].flag)
                add(r, t->path, v->line, s3_rules[k].rule, "S3 bucket name '%.100s' %s", v->value,
                    s3_rules[k].what);
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
        add(r, t->path, 0, "tf-environment", "'environment' is not set (it must be \"%s\")",
            env->name);
    else if (v && (v->kind != ENVCHECK_STRING || strcmp(v->value, env->name) != 0))
        add(r, t->path, v->line, "tf-environment", "environment is '%.64s', the directory is '%s'",
            v->value, env->name);
    if (v && v->kind == ENVCHECK_STRING && forbidden(p, v->value))
        add(r, t->path, v->line, "env-name", "'%.64s' is not an environment name", v->value);

    v = envcheck_tfvars_get(t, "aws_account_id");
    if (!v) {
        if (!envcheck_tfvars_has(t, "aws_account_id"))
            add(r, t->path, 0, "tf-account", "'aws_account_id' is not set (%s's account is %s)",
                env->name, env->aws_account_id);
    } else if (v->kind != ENVCHECK_STRING)
        add(r, t->path, v->line, "tf-account",
            "aws_account_id must be a quoted string (a number loses leading zeros)");
    else if (!twelve_digits(v->value))
        add(r, t->path, v->line, "tf-account", "aws_account_id '%.64s' is not 12 digits", v->value);
    else if (strcmp(v->value, env->aws_account_id) != 0)
        add(r, t->path, v->line, "tf-account",
            "aws_account_id is %s, the policy's %s account is %s", v->value, env->name,
            env->aws_account_id);

    v = envcheck_tfvars_get(t, "aws_region");
    if (!v && !envcheck_tfvars_has(t, "aws_region"))
        add(r, t->path, 0, "tf-region", "'aws_region' is not set (%s's region is %s)", env->name,
            env->region);
    else if (v && (v->kind != ENVCHECK_STRING || strcmp(v->value, env->region) != 0))
        add(r, t->path, v->line, "tf-region", "aws_region is '%.64s', the policy's %s region is %s",
            v->value, env->name, env->region);

    for (i = 0; failover_vars[i]; i++) {
        v = envcheck_tfvars_get(t, failover_vars[i]);
        if (!env->failover_region && v)
            add(r, t->path, v->line, "tf-failover",
                "%s is set, but the policy gives %s no failover region", v->name, env->name);
        else if (env->failover_region && v &&
                 (v->kind != ENVCHECK_STRING || strcmp(v->value, env->failover_region) != 0))
            add(r, t->path, v->line, "tf-failover",
                "%s is '%.64s', the policy's failover region is %s", v->name, v->value,
                env->failover_region);
    }
    if (env->failover_region && !envcheck_tfvars_has(t, "aws_failover_region"))
        add(r, t->path, 0, "tf-failover", "'aws_failover_region' is not set (%s fails over to %s)",
            env->name, env->failover_region);

    v = envcheck_tfvars_get(t, "enable_cross_region_dr");
    if (!v && !envcheck_tfvars_has(t, "enable_cross_region_dr"))
        add(r, t->path, 0, "tf-dr", "'enable_cross_region_dr' is not set (it must be %s)",
            env->failover_region ? "true" : "false");
    else if (v && v->kind != ENVCHECK_BOOL)
        add(r, t->path, v->line, "tf-dr", "enable_cross_region_dr must be true or false");
    else if (v && (strcmp(v->value, "true") == 0) != (env->failover_region != NULL))
        add(r, t->path, v->line, "tf-dr",
            "enable_cross_region_dr is %s, but the policy gives %s %s failover region", v->value,
            env->name, env->failover_region ? "a" : "no");

    judge_names(r, p, env, t);

    for (i = 0; i < t->n; i++) {
        const struct policy_env *o;

        v = &t->vars[i];
        if (v->kind == ENVCHECK_BOOL)
            continue;
        o = owner_of(p, env, v->value);
        if (o)
            add(r, t->path, v->line, "tf-copied",
                "%s '%.64s' belongs to %s, not %s (copied from %s's file?)", v->name, v->value,
                o->name, env->name, o->name);
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
                    add(r, files[i].path, 0, "tf-variable-set",
                        "'%s' is set in %s (line %ld) but not here", v->name, files[j].path,
                        v->line);
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
        add(r, *in->tf_dir ? in->tf_dir : ".", 0, "tf-missing",
            "no Terraform directory '%s' (use --terraform DIR)", *in->tf_dir ? in->tf_dir : ".");
        return r->oom ? -1 : 0;
    }
    for (i = 0; i < in->n_tf_subdirs; i++) {
        if (!forbidden(p, in->tf_subdirs[i]))
            continue;
        join(path, sizeof(path), in->tf_dir, in->tf_subdirs[i]);
        add(r, path, 0, "env-name",
            "directory '%s' is not an environment name (the environments: %s)", in->tf_subdirs[i],
            envs);
    }
    for (i = 0; i < in->n_tfvars; i++) {
        const char *base = base_name(in->tfvars[i].path);
        char stem[256];

        if (!ends_with(base, ".tfvars"))
            continue;
        snprintf(stem, sizeof(stem), "%.*s", (int)(strlen(base) - 7), base);
        if (!forbidden(p, stem))
            continue;
        /* a file in a directory already reported is not reported again */
        for (k = 0; k < in->n_tf_subdirs; k++) {
            join(path, sizeof(path), in->tf_dir, in->tf_subdirs[k]);
            if (forbidden(p, in->tf_subdirs[k]) && starts_with(in->tfvars[i].path, path) &&
                in->tfvars[i].path[strlen(path)] == '/')
                break;
        }
        if (k == in->n_tf_subdirs)
            add(r, in->tfvars[i].path, 0, "env-name",
                "file name '%s' is not an environment name (the environments: %s)", base, envs);
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

        join(dir, sizeof(dir), in->tf_dir, env->name);
        snprintf(path, sizeof(path), "%s/%s.tfvars", dir, env->name);
        for (i = 0; i < in->n_tfvars && !f; i++)
            if (strcmp(in->tfvars[i].path, path) == 0 && in->tfvars[i].text)
                f = &in->tfvars[i];
        if (!f) {
            add(r, path, 0, "tf-missing", "no variable file for environment '%s'", env->name);
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

/* ------------------------------------------------------------------ workflows */

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
    int id_token;            /* the effective permissions grant id-token: write */
    long perms_line;         /* the permissions that apply (0: none given) */
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

    return uses && starts_with(uses, action) &&
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
    const char *base = base_name(path);
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
        add(r, w->path, yline(root), "wf-syntax", "no 'on': nothing triggers this workflow");
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
            add(r, w->path, ev[i].line, "wf-branch",
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
            add(r, w->path, yline(ign), "wf-branch",
                "branches-ignore runs the deploy of %s on other branches than %s", env->name,
                env->branch);
            reported = 1;
        }
        if (br) {
            if (yscalar(br)) {
                if (strcmp(yscalar(br), env->branch) == 0) {
                    runs = 1;
                } else {
                    add(r, w->path, yline(br), "wf-branch",
                        "the deploy of %s runs on a push to '%.64s', %s's branch is %s", env->name,
                        yscalar(br), env->name, env->branch);
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
                    add(r, w->path, yline(b), "wf-branch",
                        "the deploy of %s runs on a push to '%.64s', %s's branch is %s", env->name,
                        yscalar(b) ? yscalar(b) : "?", env->name, env->branch);
                    reported = 1;
                }
            }
        } else if (!ign && !tags && !tign) {
            add(r, w->path, ev[i].line, "wf-branch",
                "the deploy of %s runs on a push to any branch (give branches: [%s])", env->name,
                env->branch);
            reported = 1;
        }
    }
    if (!runs && !reported)
        add(r, w->path, yline(onkey), "wf-branch",
            "nothing runs the deploy of %s on %s (a push to %s, or workflow_dispatch)", env->name,
            env->branch, env->branch);
    if (dispatched) {
        const json_t *inputs = json_object_get(env->deploy, "inputs");
        const char *key;
        json_t *x;

        if (!has_dispatch) {
            add(r, w->path, yline(onkey), "wf-dispatch",
                "promote deploys %s by workflow_dispatch, which this workflow does not accept",
                env->name);
            return;
        }
        for (i = 0; i < n; i++) {
            const yaml_node_t *declared;

            if (strcmp(ev[i].name, "workflow_dispatch") != 0)
                continue;
            declared = ymap(w, ev[i].value, "inputs", NULL);
            json_object_foreach((json_t *)inputs, key, x) {
                (void)x;
                if (!ymap(w, declared, key, NULL))
                    add(r, w->path, ev[i].line, "wf-dispatch",
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
        if (starts_with(name, theirs) && !starts_with(name, mine))
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
        add(r, w->path, yline(step), "wf-role",
            "job '%.64s' configures AWS credentials without assuming a role (role-to-assume)",
            j->id);
        return;
    }
    if (!v) {
        add(r, w->path, yline(node), "wf-role", "role-to-assume must be a string");
        return;
    }
    if (strstr(v, "${{")) {
        if (!secret_ref(secret, sizeof(secret), v)) {
            add(r, w->path, yline(node), "wf-role",
                "role-to-assume '%.100s' cannot be checked: give the ARN or ${{ secrets.NAME }}",
                v);
            return;
        }
        tmpl = json_string_value(naming(p, "role_secret"));
        env_upper(upper, sizeof(upper), env->name);
        expand(want, sizeof(want), tmpl ? tmpl : "{ENV}_OIDC_ROLE_ARN", "{ENV}", upper);
        if (strcmp(secret, want) == 0)
            return;
        o = secret_owner(p, env, secret);
        if (o)
            add(r, w->path, yline(node), "wf-secret",
                "the role of %s comes from %s, a secret of %s (expected %s)", env->name, secret,
                o->name, want);
        else
            add(r, w->path, yline(node), "wf-secret",
                "the role of %s comes from secret %s, expected %s", env->name, secret, want);
        return;
    }
    /* arn:aws:iam::<account>:role/<path/><name> */
    if (!starts_with(v, "arn:aws:iam::") || !(colon = strchr(v + 13, ':')) ||
        strncmp(colon, ":role/", 6) != 0 || !colon[6] || ends_with(v, "/")) {
        add(r, w->path, yline(node), "wf-role",
            "role-to-assume '%.100s' is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
            v);
        return;
    }
    acct = v + 13;
    name = strrchr(colon, '/') + 1;
    if ((size_t)(colon - acct) != 12 || strncmp(acct, env->aws_account_id, 12) != 0)
        add(r, w->path, yline(node), "wf-role",
            "the role %.100s is in account %.*s, %s's account is %s", v,
            (int)(colon - acct < 20 ? colon - acct : 20), acct, env->name, env->aws_account_id);
    snprintf(suffix, sizeof(suffix), "-%s", env->name);
    tmpl = json_string_value(naming(p, "oidc_role"));
    if (tmpl) {
        expand(role, sizeof(role), tmpl, "{env}", env->name);
        if (strcmp(name, role) != 0)
            add(r, w->path, yline(node), "wf-role",
                "the role is '%.64s', the policy's %s role is '%s'", name, env->name, role);
    } else if (!ends_with(name, suffix)) {
        add(r, w->path, yline(node), "wf-role", "the role name '%.64s' does not end in %s", name,
            suffix);
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
                add(r, w->path, yline(node), "wf-secret",
                    "the deploy of %s reads %s, a secret of %s", env->name, name, o->name);
        }
    }
    free(is_role);
}

#define WF_MAX_DEPTH 64        /* nested collections in a workflow file */
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
    snprintf(stem, sizeof(stem), "%s", base_name(f->path));
    if (strrchr(stem, '.'))
        *strrchr(stem, '.') = '\0';
    for (tok = stem; *tok;) {
        int last;

        len = strcspn(tok, "-_.");
        last = tok[len] == '\0';
        tok[len] = '\0';
        if (len && forbidden(p, tok))
            add(r, f->path, 0, "env-name", "file name '%s' names '%s', not an environment",
                base_name(f->path), tok);
        tok += len + !last;
    }
    /* a deploy by its name is one even when it cannot be read: not missing too */
    file_env = env_by_file(p, f->path, &by_policy);
    if (file_env)
        deploys[file_env - p->envs] = 1;
    if (workflow_bounded(f, &bad_line, &bad_why) < 0) {
        add(r, f->path, bad_line, "wf-syntax", "refused: %s", bad_why);
        return;
    }
    if (!yaml_parser_initialize(&parser)) {
        r->oom = 1;
        return;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)f->text, f->len);
    if (!yaml_parser_load(&parser, &w.doc)) {
        add(r, f->path, (long)parser.problem_mark.line + 1, "wf-syntax", "not YAML: %s%s%s",
            parser.context ? parser.context : "", parser.context ? ": " : "",
            parser.problem ? parser.problem : "unknown error");
        goto done;
    }
    loaded = 1;
    root = yaml_document_get_root_node(&w.doc);
    if (!root || root->type != YAML_MAPPING_NODE) {
        add(r, f->path, root ? yline(root) : 0, "wf-syntax", "a workflow is a YAML mapping");
        goto done;
    }
    jobs = calloc(WF_MAX_JOBS, sizeof(*jobs));
    if (!jobs) {
        r->oom = 1;
        goto done;
    }
    n_jobs = read_jobs(&w, root, jobs, WF_MAX_JOBS);
    if (!ymap(&w, root, "jobs", NULL))
        add(r, f->path, yline(root), "wf-syntax", "no 'jobs'");
    for (i = 0; i < n_jobs; i++) {
        if (jobs[i].env && forbidden(p, jobs[i].env))
            add(r, f->path, jobs[i].env_line, "env-name",
                "environment '%.64s' is not an environment name", jobs[i].env);
        any_role |= jobs[i].step != NULL;
    }
    if (file_env) {
        judge_triggers(r, &w, root, file_env, by_policy);
        judge_foreign_secrets(r, &w, p, file_env);
        ymap(&w, root, "jobs", &jobskey);
        if (!any_role)
            add(r, f->path, yline(jobskey), "wf-role",
                "no job of this deploy of %s assumes an AWS role "
                "(aws-actions/configure-aws-credentials with role-to-assume)",
                file_env->name);
    }
    for (i = 0; i < n_jobs; i++) {
        const struct wf_job *j = &jobs[i];
        const char *expr = j->env ? strstr(j->env, "${{") : NULL;

        if (file_env) {
            if (j->env && !expr && strcmp(j->env, file_env->github_environment) != 0) {
                add(r, f->path, j->env_line, "wf-environment",
                    "job '%.64s' names environment '%.64s', this workflow deploys %s "
                    "(environment: %s)",
                    j->id, j->env, file_env->name, file_env->github_environment);
                continue;
            }
            if (!j->step)
                continue;
            if (!j->env)
                add(r, f->path, j->line, "wf-environment",
                    "job '%.64s' assumes an AWS role but names no environment (environment: %s)",
                    j->id, file_env->github_environment);
            else if (expr)
                add(r, f->path, j->env_line, "wf-environment",
                    "job '%.64s' names environment '%.64s', which cannot be checked", j->id,
                    j->env);
            env = file_env;
        } else {
            if (!j->step)
                continue;
            if (!j->env || expr) {
                add(r, f->path, j->env ? j->env_line : j->line, "wf-environment",
                    j->env ? "job '%.64s' names an environment that cannot be checked"
                           : "job '%.64s' assumes an AWS role but names no environment",
                    j->id);
                continue;
            }
            env = env_by_github_name(p, j->env);
            if (!env) {
                if (!forbidden(p, j->env))
                    add(r, f->path, j->env_line, "wf-environment",
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
            add(r, f->path, j->perms_line ? j->perms_line : j->line, "wf-id-token",
                "job '%.64s' assumes a role by OIDC but its permissions do not grant "
                "id-token: write",
                j->id);
        judge_roles(r, &w, p, env, j);
    }
    if (n_jobs == WF_MAX_JOBS)
        add(r, f->path, 0, "wf-syntax", "more than %d jobs: not read", WF_MAX_JOBS - 1);
    if (w.budget <= 0)
        add(r, f->path, 0, "wf-syntax", "too large a graph of nodes (aliases) to read");
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
        add(r, *in->wf_dir ? in->wf_dir : ".", 0, "wf-missing",
            "no workflow directory '%s' (use --workflows DIR)", *in->wf_dir ? in->wf_dir : ".");
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
            join(path, sizeof(path), in->wf_dir, wf);
            add(r, path, 0, "wf-missing", "no workflow '%s': promote dispatches %s's deploy to it",
                wf, p->envs[i].name);
        } else {
            add(r, *in->wf_dir ? in->wf_dir : ".", 0, "wf-missing",
                "no deploy workflow for %s (deploy-%s.yml, or a job with environment: %s that "
                "assumes an AWS role)",
                p->envs[i].name, p->envs[i].name, p->envs[i].github_environment);
        }
    }
    free(deploys);
    return r->oom ? -1 : 0;
}
