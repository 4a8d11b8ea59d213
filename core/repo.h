/* libgit2 access: the repository, refs, commits, reachability, blobs at a ref. */
#ifndef PROMOTE_REPO_H
#define PROMOTE_REPO_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

struct repo;

/* Open the repository at PATH, or the one containing the current directory when NULL. */
int repo_open(struct repo **out, const char *path, struct err *e);
void repo_free(struct repo *r);

/* The work tree root with a trailing '/', or NULL for a bare repository. */
const char *repo_workdir(const struct repo *r);

/* BRANCH as refs/remotes/origin/BRANCH when that exists, else refs/heads/BRANCH.
 * Fills the ref name used and the 40-hex id of its commit. */
int repo_resolve_branch(struct repo *r, const char *branch, char *ref, size_t refsz, char tip[41],
                        struct err *e);

/* Any revision (sha, abbreviation, ref, branch, tag, rev~n) to a full commit id. */
int repo_resolve_commit(struct repo *r, const char *rev, char out[41], struct err *e);

/* Is COMMIT reachable from TIP (equal, or an ancestor)? */
int repo_reachable(struct repo *r, const char *commit, const char *tip, int *out, struct err *e);

/* Read PATH from the tree of the commit REF points at (a branch name resolved as
 * repo_resolve_branch does, or any full ref); REF_USED and COMMIT are filled. Capped at LIMIT bytes. */
int repo_read_at(struct repo *r, const char *ref, const char *path, size_t limit, struct buf *out,
                 char *ref_used, size_t refsz, char commit[41], struct err *e);

/* Read PATH from the tree of COMMIT (40-hex). Not found is EXIT_EVAL naming the path. */
int repo_read_at_commit(struct repo *r, const char *commit, const char *path, size_t limit,
                        struct buf *out, struct err *e);

/* The URL of remote NAME into OUT; -1 (no error text needed) when there is none. */
int repo_remote_url(struct repo *r, const char *name, char *out, size_t outsz);

#endif
