/* libgit2 access: the repository, refs, commits, reachability, blobs at a ref. */
#ifndef PROMOTE_REPO_H
#define PROMOTE_REPO_H

#include <stddef.h>

#include "core/base/buf.h"
#include "core/base/err.h"

struct repo;

/* Open the repository at PATH, or the one containing the current directory when NULL. */
int repo_open(struct repo **out, const char *path, struct err *e);
void repo_free(struct repo *r);

/* The GitHub API (its base URL) whose web host (gh_web_host, worked out when a remote
 * asks for a password) may be sent the GitHub token over https; NULL or "": none. Any
 * other remote that asks for a password is answered by git's own credential helpers
 * (`git credential fill`, never a prompt), or not at all. */
void repo_set_token_api(struct repo *r, const char *api_base);

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

/* A directory entry, as listed by repo_list_at_commit. */
enum repo_entry_kind { REPO_ENTRY_FILE, REPO_ENTRY_DIR, REPO_ENTRY_LINK, REPO_ENTRY_OTHER };
struct repo_entry {
    char *name;
    enum repo_entry_kind kind;
};

/* The entries of directory DIR ("" for the root) in the tree of COMMIT (40-hex), sorted
 * by name: 1 listed, 0 no such directory, -1 error. Free with repo_entries_free. */
int repo_list_at_commit(struct repo *r, const char *commit, const char *dir,
                        struct repo_entry **out, size_t *n, struct err *e);
void repo_entries_free(struct repo_entry *v, size_t n);

/* PATH in the tree of COMMIT: 1 read (capped at LIMIT bytes), 0 no such file, -1 error. */
int repo_read_file_at_commit(struct repo *r, const char *commit, const char *path, size_t limit,
                             struct buf *out, struct err *e);

/* The URL of remote NAME into OUT; -1 (no error text needed) when there is none. */
int repo_remote_url(struct repo *r, const char *name, char *out, size_t outsz);

/* Commits reachable from TIP and not from BASE (BASE "" : all of TIP's history). */
int repo_count_between(struct repo *r, const char *base, const char *tip, long *out,
                       struct err *e);

/* The committer times (seconds since the epoch) of the commits reachable from TIP and not
 * from BASE (NULL or "": TIP alone), each commit once (merges included), at most MAX of them
 * (the newest first); *OUT is malloc'd (free it), *N its length. An id that is not a commit
 * of the repository is EXIT_EVAL. */
int repo_commit_times(struct repo *r, const char *base, const char *tip, size_t max,
                      long long **out, size_t *n, struct err *e);

/* The highest N among tags named PREFIX<N> (0 when none); an N of REPO_TAG_MAX or more
 * is an error. */
#define REPO_TAG_MAX 1000000000L
int repo_tag_max(struct repo *r, const char *prefix, long *out, struct err *e);
/* Call FN with the name (without refs/tags/) and the message of every annotated tag, in
 * no particular order; a nonzero return of FN stops the walk and is returned. */
typedef int (*repo_tag_fn)(const char *name, const char *msg, size_t len, void *arg);
int repo_tag_messages(struct repo *r, repo_tag_fn fn, void *arg, struct err *e);
/* An annotated tag NAME at COMMIT with MESSAGE; refused when NAME exists. */
int repo_tag_create(struct repo *r, const char *name, const char *commit, const char *message,
                    struct err *e);

/* ---- plumbing for the audit log (a ref holding one commit per entry) ---- */

struct repo_file {
    const char *name;
    const void *data;
    size_t len;
};

/* The commit REF points at into TIP (40 hex), or "" when REF does not exist. */
int repo_ref_tip(struct repo *r, const char *ref, char tip[41], struct err *e);

/* Write FILES as blobs in one flat tree and a commit over it (PARENT: 40 hex or NULL
 * for a root commit), with a fixed identity and TIME. Does not move any ref. */
int repo_commit_files(struct repo *r, const char *parent, const struct repo_file *files,
                      size_t n, const char *message, long long time, char out[41],
                      struct err *e);

/* Compare-and-swap: move REF to NEW only if it still points at EXPECTED ("" when it
 * must not exist yet). 0 moved, 1 lost the race (someone else moved it), -1 error. */
int repo_ref_cas(struct repo *r, const char *ref, const char *new_tip, const char *expected,
                 struct err *e);

/* A commit of a chain, and its tree. */
struct repo_link {
    char commit[41];
    char tree[41];
};

/* The first-parent chain ending at TIP, oldest first (one array, owned by the caller). A
 * commit with more than one parent is refused (EXIT_TAMPER): the log never forks. */
int repo_chain(struct repo *r, const char *tip, struct repo_link **out, size_t *n,
               struct err *e);
/* The same, ending before STOP: the commits after STOP, oldest first; *REACHED says
 * whether STOP was met (else the whole chain, which does not descend from STOP). */
int repo_chain_after(struct repo *r, const char *tip, const char *stop, struct repo_link **out,
                     size_t *n, int *reached, struct err *e);

/* PATH in the tree of the chain's link L, as repo_read_at_commit reads it at L's commit
 * (whose tree the chain already knows). */
int repo_read_at_link(struct repo *r, const struct repo_link *l, const char *path, size_t limit,
                      struct buf *out, struct err *e);

/* Whether objects read from now on are hashed again to check their ids (libgit2's strict
 * hash verification, on unless turned off; process-wide). Off only for reads whose every
 * byte is verified by other means: the audit log's entries, under their signatures and a
 * SHA-256 Merkle root. */
void repo_hash_objects(int on);

/* The path of the repository's git directory (with a trailing '/'). */
const char *repo_gitdir(const struct repo *r);
/* The git directory all worktrees of the repository share (with a trailing '/'). */
const char *repo_commondir(const struct repo *r);

/* Fetch REFSPEC ("+refs/x:refs/x" style) from REMOTE. */
int repo_fetch(struct repo *r, const char *remote, const char *refspec, struct err *e);
/* Fetch the ref SRC of REMOTE into the ref DST, forced: DST mirrors what the remote has.
 * *FOUND is 1 when the remote has SRC; when it has not, DST is deleted. */
int repo_fetch_ref(struct repo *r, const char *remote, const char *src, const char *dst,
                   int *found, struct err *e);
/* Point REF at TIP (40 hex) whatever it pointed at: a tracking ref after a push. */
int repo_ref_set(struct repo *r, const char *ref, const char *tip, struct err *e);
/* Push REF to REMOTE (not forced). 0 pushed, 1 rejected (the remote moved), -1 error. */
int repo_push(struct repo *r, const char *remote, const char *ref, struct err *e);
/* Does REMOTE exist? */
int repo_has_remote(struct repo *r, const char *remote);

#endif
