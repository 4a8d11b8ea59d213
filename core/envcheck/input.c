/* Reading what the check judges, from a commit's tree or the work tree (envcheck_gather),
 * and envcheck_run, which gathers, judges and sorts. */
#include "core/envcheck/internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/base/buf.h"
#include "core/base/file.h"
#include "core/git/repo.h"

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
        envcheck_join(dir, sizeof(dir), in->tf_dir, top[i].name);
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

            if (!envcheck_ends_with(name, ".tfvars"))
                continue;
            envcheck_join(path, sizeof(path), dir, name);
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
        if (!envcheck_ends_with(v[i].name, ".yml") && !envcheck_ends_with(v[i].name, ".yaml"))
            continue;
        envcheck_join(path, sizeof(path), in->wf_dir, v[i].name);
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
