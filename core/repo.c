#include "repo.h"

#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct repo {
    git_repository *git;
};

int
repo_open(struct repo **out, const char *path, struct err *e)
{
    git_buf found = GIT_BUF_INIT;
    struct repo *r = NULL;
    int rc = -1;

    *out = NULL;
    r = calloc(1, sizeof(*r));
    if (!r)
        return err_set(e, EXIT_EVAL, "out of memory");
    if (git_repository_discover(&found, path ? path : ".", 0, NULL) < 0) {
        err_set(e, EXIT_USAGE, "not a git repository: '%s' (use --repo DIR)", path ? path : ".");
        goto done;
    }
    if (git_repository_open(&r->git, found.ptr) < 0) {
        err_git(e, EXIT_USAGE, "cannot open repository");
        goto done;
    }
    *out = r;
    r = NULL;
    rc = 0;
done:
    git_buf_dispose(&found);
    repo_free(r);
    return rc;
}

void
repo_free(struct repo *r)
{
    if (!r)
        return;
    git_repository_free(r->git);
    free(r);
}

const char *
repo_workdir(const struct repo *r)
{
    return git_repository_workdir(r->git);
}

static void
oid_hex(char out[41], const git_oid *oid)
{
    git_oid_tostr(out, 41, oid);
}

/* Peel REFNAME to a commit id; 1 found, 0 no such ref, -1 error. */
static int
ref_commit(struct repo *r, const char *refname, git_oid *oid, struct err *e)
{
    git_reference *ref = NULL;
    git_object *obj = NULL;
    int rc;

    rc = git_reference_lookup(&ref, r->git, refname);
    if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC)
        return 0;
    if (rc < 0)
        return err_git(e, EXIT_EVAL, refname);
    rc = git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT);
    if (rc < 0) {
        err_git(e, EXIT_EVAL, refname);
    } else {
        git_oid_cpy(oid, git_object_id(obj));
        rc = 1;
    }
    git_object_free(obj);
    git_reference_free(ref);
    return rc;
}

int
repo_resolve_branch(struct repo *r, const char *branch, char *ref, size_t refsz, char tip[41],
                    struct err *e)
{
    char name[512];
    git_oid oid;
    int rc;

    if (!branch || !*branch)
        return err_set(e, EXIT_USAGE, "empty branch name");
    if (strncmp(branch, "refs/", 5) == 0) {
        snprintf(name, sizeof(name), "%s", branch);
        rc = ref_commit(r, name, &oid, e);
    } else {
        snprintf(name, sizeof(name), "refs/remotes/origin/%s", branch);
        rc = ref_commit(r, name, &oid, e);
        if (rc == 0) {
            snprintf(name, sizeof(name), "refs/heads/%s", branch);
            rc = ref_commit(r, name, &oid, e);
        }
    }
    if (rc < 0)
        return -1;
    if (rc == 0)
        return err_set(e, EXIT_EVAL, "branch '%s' not found (neither origin/%s nor a local branch)",
                       branch, branch);
    snprintf(ref, refsz, "%s", name);
    oid_hex(tip, &oid);
    return 0;
}

int
repo_resolve_commit(struct repo *r, const char *rev, char out[41], struct err *e)
{
    git_object *obj = NULL, *commit = NULL;
    int rc = -1;

    if (git_revparse_single(&obj, r->git, rev) < 0) {
        err_git(e, EXIT_USAGE, "unknown revision");
        err_prefix(e, "cannot resolve '%s'", rev);
        goto done;
    }
    if (git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) < 0) {
        err_set(e, EXIT_USAGE, "cannot resolve '%s': not a commit", rev);
        goto done;
    }
    oid_hex(out, git_object_id(commit));
    rc = 0;
done:
    git_object_free(commit);
    git_object_free(obj);
    return rc;
}

int
repo_reachable(struct repo *r, const char *commit, const char *tip, int *out, struct err *e)
{
    git_oid c, t;
    int rc;

    if (git_oid_fromstr(&c, commit) < 0 || git_oid_fromstr(&t, tip) < 0)
        return err_set(e, EXIT_EVAL, "invalid commit id");
    if (git_oid_equal(&c, &t)) {
        *out = 1;
        return 0;
    }
    rc = git_graph_descendant_of(r->git, &t, &c);
    if (rc < 0)
        return err_git(e, EXIT_EVAL, "cannot walk history");
    *out = rc == 1;
    return 0;
}

/* PATH in the tree of COMMIT into OUT; 1 read, 0 no such file, -1 error (CODE). */
static int
read_blob(struct repo *r, const char *commit, const char *path, size_t limit, struct buf *out,
          int code, struct err *e)
{
    git_commit *c = NULL;
    git_tree *tree = NULL;
    git_tree_entry *entry = NULL;
    git_blob *blob = NULL;
    git_oid oid;
    int rc = -1;

    if (git_oid_fromstr(&oid, commit) < 0)
        return err_set(e, code, "invalid commit id '%.64s'", commit);
    if (git_commit_lookup(&c, r->git, &oid) < 0 || git_commit_tree(&tree, c) < 0) {
        err_git(e, code, commit);
        goto done;
    }
    if (git_tree_entry_bypath(&entry, tree, path) < 0) {
        rc = 0;
        goto done;
    }
    if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB ||
        git_blob_lookup(&blob, r->git, git_tree_entry_id(entry)) < 0) {
        err_set(e, code, "'%s' at %.12s is not a file", path, commit);
        goto done;
    }
    if ((size_t)git_blob_rawsize(blob) > limit) {
        err_set(e, code, "'%s' at %.12s is larger than %zu bytes", path, commit, limit);
        goto done;
    }
    if (buf_add(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob)) < 0) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    rc = 1;
done:
    git_blob_free(blob);
    git_tree_entry_free(entry);
    git_tree_free(tree);
    git_commit_free(c);
    return rc;
}

int
repo_read_at(struct repo *r, const char *ref, const char *path, size_t limit, struct buf *out,
             char *ref_used, size_t refsz, char commit[41], struct err *e)
{
    int rc;

    if (repo_resolve_branch(r, ref, ref_used, refsz, commit, e) < 0)
        return err_set(e, EXIT_USAGE,
                       "policy ref '%s' not found (neither origin/%s nor a local branch)", ref,
                       ref);
    rc = read_blob(r, commit, path, limit, out, EXIT_USAGE, e);
    if (rc == 0)
        return err_set(e, EXIT_USAGE,
                       "no '%s' on %s (commit %.12s); use --policy FILE for a local policy", path,
                       ref_used, commit);
    return rc < 0 ? -1 : 0;
}

int
repo_read_at_commit(struct repo *r, const char *commit, const char *path, size_t limit,
                    struct buf *out, struct err *e)
{
    int rc = read_blob(r, commit, path, limit, out, EXIT_EVAL, e);

    if (rc == 0)
        return err_set(e, EXIT_EVAL, "no '%s' at commit %.12s", path, commit);
    return rc < 0 ? -1 : 0;
}

int
repo_remote_url(struct repo *r, const char *name, char *out, size_t outsz)
{
    git_remote *remote = NULL;
    const char *url;
    int rc = -1;

    if (git_remote_lookup(&remote, r->git, name) < 0)
        return -1;
    url = git_remote_url(remote);
    if (url && strlen(url) < outsz) {
        snprintf(out, outsz, "%s", url);
        rc = 0;
    }
    git_remote_free(remote);
    return rc;
}
