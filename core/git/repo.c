#include "core/git/repo.h"

#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/github/gh.h"
#include "core/git/gitlock.h"
#include "core/base/sig.h"
#include "core/base/testhooks.h"

extern char **environ;

struct repo {
    git_repository *git;
    char token_api[512]; /* the GitHub API whose web host the token may go to; "" none */
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

void
repo_set_token_api(struct repo *r, const char *api_base)
{
    snprintf(r->token_api, sizeof(r->token_api), "%s", api_base ? api_base : "");
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

/* PATH in TREE, the tree of COMMIT (named in errors), into OUT; 1 read, 0 no such file,
 * -1 error (CODE). */
static int
read_in_tree(struct repo *r, git_tree *tree, const char *commit, const char *path, size_t limit,
             struct buf *out, int code, struct err *e)
{
    git_tree_entry *entry = NULL;
    git_blob *blob = NULL;
    int rc = -1;

    if (git_tree_entry_bypath(&entry, tree, path) < 0)
        return 0;
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
    return rc;
}

/* PATH in the tree of COMMIT into OUT; 1 read, 0 no such file, -1 error (CODE). */
static int
read_blob(struct repo *r, const char *commit, const char *path, size_t limit, struct buf *out,
          int code, struct err *e)
{
    git_commit *c = NULL;
    git_tree *tree = NULL;
    git_oid oid;
    int rc = -1;

    if (git_oid_fromstr(&oid, commit) < 0)
        return err_set(e, code, "invalid commit id '%.64s'", commit);
    if (git_commit_lookup(&c, r->git, &oid) < 0 || git_commit_tree(&tree, c) < 0)
        err_git(e, code, commit);
    else
        rc = read_in_tree(r, tree, commit, path, limit, out, code, e);
    git_tree_free(tree);
    git_commit_free(c);
    return rc;
}

int
repo_read_at_link(struct repo *r, const struct repo_link *l, const char *path, size_t limit,
                  struct buf *out, struct err *e)
{
    git_tree *tree = NULL;
    git_oid oid;
    int rc = -1;

    if (git_oid_fromstr(&oid, l->tree) < 0)
        return err_set(e, EXIT_EVAL, "invalid tree id '%.64s'", l->tree);
    if (git_tree_lookup(&tree, r->git, &oid) < 0)
        err_git(e, EXIT_EVAL, l->commit);
    else
        rc = read_in_tree(r, tree, l->commit, path, limit, out, EXIT_EVAL, e);
    git_tree_free(tree);
    if (rc == 0)
        return err_set(e, EXIT_EVAL, "no '%s' at commit %.12s", path, l->commit);
    return rc < 0 ? -1 : 0;
}

void
repo_hash_objects(int on)
{
    git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, on);
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
repo_read_file_at_commit(struct repo *r, const char *commit, const char *path, size_t limit,
                         struct buf *out, struct err *e)
{
    return read_blob(r, commit, path, limit, out, EXIT_EVAL, e);
}

void
repo_entries_free(struct repo_entry *v, size_t n)
{
    size_t i;

    for (i = 0; v && i < n; i++)
        free(v[i].name);
    free(v);
}

int
repo_list_at_commit(struct repo *r, const char *commit, const char *dir, struct repo_entry **out,
                    size_t *n, struct err *e)
{
    git_commit *c = NULL;
    git_tree *root = NULL, *sub = NULL;
    git_tree_entry *entry = NULL;
    const git_tree *tree;
    struct repo_entry *v = NULL;
    size_t i, count = 0;
    git_oid oid;
    int rc = -1;

    *out = NULL;
    *n = 0;
    if (git_oid_fromstr(&oid, commit) < 0)
        return err_set(e, EXIT_EVAL, "invalid commit id '%.64s'", commit);
    if (git_commit_lookup(&c, r->git, &oid) < 0 || git_commit_tree(&root, c) < 0) {
        err_git(e, EXIT_EVAL, commit);
        goto done;
    }
    tree = root;
    if (dir && *dir) {
        if (git_tree_entry_bypath(&entry, root, dir) < 0 ||
            git_tree_entry_type(entry) != GIT_OBJECT_TREE) {
            rc = 0;
            goto done;
        }
        if (git_tree_lookup(&sub, r->git, git_tree_entry_id(entry)) < 0) {
            err_git(e, EXIT_EVAL, dir);
            goto done;
        }
        tree = sub;
    }
    count = git_tree_entrycount(tree);
    v = calloc(count ? count : 1, sizeof(*v));
    if (!v) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    for (i = 0; i < count; i++) {
        const git_tree_entry *te = git_tree_entry_byindex(tree, i);
        git_filemode_t mode = git_tree_entry_filemode(te);

        v[i].name = strdup(git_tree_entry_name(te));
        if (!v[i].name) {
            err_set(e, EXIT_EVAL, "out of memory");
            goto done;
        }
        v[i].kind = mode == GIT_FILEMODE_TREE                                       ? REPO_ENTRY_DIR
                    : mode == GIT_FILEMODE_LINK                                     ? REPO_ENTRY_LINK
                    : mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE ? REPO_ENTRY_FILE
                                                                                    : REPO_ENTRY_OTHER;
    }
    *out = v;
    *n = count;
    v = NULL;
    rc = 1;
done:
    repo_entries_free(v, count);
    git_tree_entry_free(entry);
    git_tree_free(sub);
    git_tree_free(root);
    git_commit_free(c);
    return rc;
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

int
repo_ref_tip(struct repo *r, const char *ref, char tip[41], struct err *e)
{
    git_oid oid;
    int rc = git_reference_name_to_id(&oid, r->git, ref);

    tip[0] = '\0';
    if (rc == GIT_ENOTFOUND)
        return 0;
    if (rc < 0)
        return err_git(e, EXIT_EVAL, ref);
    oid_hex(tip, &oid);
    return 0;
}

int
repo_commit_files(struct repo *r, const char *parent, const struct repo_file *files, size_t n,
                  const char *message, long long time, char out[41], struct err *e)
{
    git_treebuilder *tb = NULL;
    git_odb *odb = NULL;
    git_signature *sig = NULL;
    git_commit *pc = NULL;
    git_tree *tree = NULL;
    git_oid blob, tree_id, pid, cid;
    const git_commit *parents[1];
    size_t i;
    int rc = -1;

    if (git_treebuilder_new(&tb, r->git, NULL) < 0) {
        err_git(e, EXIT_EVAL, "cannot build a tree");
        goto done;
    }
    for (i = 0; i < n; i++) {
        if (git_blob_create_from_buffer(&blob, r->git, files[i].data, files[i].len) < 0 ||
            git_treebuilder_insert(NULL, tb, files[i].name, &blob, GIT_FILEMODE_BLOB) < 0) {
            err_git(e, EXIT_EVAL, "cannot write a blob");
            goto done;
        }
    }
    if (git_treebuilder_write(&tree_id, tb) < 0 || git_tree_lookup(&tree, r->git, &tree_id) < 0) {
        err_git(e, EXIT_EVAL, "cannot write a tree");
        goto done;
    }
    if (git_signature_new(&sig, "promote", "promote@localhost", (git_time_t)time, 0) < 0) {
        err_git(e, EXIT_EVAL, "cannot make a signature");
        goto done;
    }
    if (parent && *parent) {
        if (git_oid_fromstr(&pid, parent) < 0 || git_commit_lookup(&pc, r->git, &pid) < 0) {
            err_git(e, EXIT_EVAL, "cannot find the parent commit");
            goto done;
        }
        parents[0] = pc;
    }
    if (git_commit_create(&cid, r->git, NULL, sig, sig, NULL, message, tree, pc ? 1 : 0,
                          parents) < 0) {
        err_git(e, EXIT_EVAL, "cannot write a commit");
        goto done;
    }
    /* libgit2 1.5 can report a commit written when its write failed for want of room (a
     * full disk): the ref would then name a missing object. The tree and the blobs were
     * checked to exist as they went in (strict object creation). */
    if (git_repository_odb(&odb, r->git) < 0 || !git_odb_exists(odb, &cid)) {
        err_set(e, EXIT_EVAL, "cannot write a commit: it is not in the repository after "
                              "writing it (is the disk full?)");
        goto done;
    }
    oid_hex(out, &cid);
    rc = 0;
done:
    git_odb_free(odb);
    git_commit_free(pc);
    git_signature_free(sig);
    git_tree_free(tree);
    git_treebuilder_free(tb);
    return rc;
}

/* git_reference_create_matching (forced, if REF is at EXPECTED), waiting out another
 * writer's lock file: its result, or GIT_EUSER with E naming a lock file that stays (one
 * a killed process left) or a signal that cut the wait short. */
static int
create_matching(git_reference **out, struct repo *r, const char *ref, const git_oid *id,
                const git_oid *expected, const char *log, struct err *e)
{
    char what[400];
    int rc, tries;

    snprintf(what, sizeof(what), "cannot update %.300s", ref);
    for (tries = 0;; tries++) {
        rc = git_reference_create_matching(out, r->git, ref, id, 1, expected, log);
        if (rc != GIT_ELOCKED || tries == 3)
            return rc;
        if (gitlock_wait(repo_commondir(r), ref, what, e) < 0)
            return GIT_EUSER;
    }
}

int
repo_ref_cas(struct repo *r, const char *ref, const char *new_tip, const char *expected,
             struct err *e)
{
    git_reference *out = NULL;
    git_oid nid, eid;
    int rc;

    if (git_oid_fromstr(&nid, new_tip) < 0)
        return err_set(e, EXIT_EVAL, "invalid commit id");
    /* An all-zero expected id means "must not exist yet", checked under the ref's lock.
     * (git_reference_create without force checks existence before taking the lock, so
     * two first appenders could both "create" the ref and one entry would be lost.) */
    if (git_oid_fromstr(&eid, expected && *expected ? expected
                                                     : "0000000000000000000000000000000000000000") <
        0)
        return err_set(e, EXIT_EVAL, "invalid commit id");
    rc = create_matching(&out, r, ref, &nid, &eid, "promote: append", e);
    git_reference_free(out);
    if (rc == GIT_EMODIFIED || rc == GIT_EEXISTS || rc == GIT_ELOCKED)
        return 1;
    if (rc == GIT_EUSER)
        return -1; /* a lock file that stays: E names it */
    if (rc < 0)
        return err_git(e, EXIT_EVAL, ref);
    return 0;
}

int
repo_chain(struct repo *r, const char *tip, struct repo_link **out, size_t *n, struct err *e)
{
    int reached;

    return repo_chain_after(r, tip, NULL, out, n, &reached, e);
}

int
repo_chain_after(struct repo *r, const char *tip, const char *stop, struct repo_link **out,
                 size_t *n, int *reached, struct err *e)
{
    git_commit *c = NULL, *next = NULL;
    struct repo_link *links = NULL;
    size_t cap = 0, len = 0, i;
    git_oid oid, stop_oid;
    int rc = -1;

    *out = NULL;
    *n = 0;
    *reached = 0;
    if (stop && git_oid_fromstr(&stop_oid, stop) < 0)
        return err_set(e, EXIT_EVAL, "invalid commit id");
    if (git_oid_fromstr(&oid, tip) < 0 || git_commit_lookup(&c, r->git, &oid) < 0) {
        err_git(e, EXIT_TAMPER, "cannot read the audit log");
        goto done;
    }
    while (c) {
        if (stop && git_oid_equal(git_commit_id(c), &stop_oid)) {
            *reached = 1;
            break;
        }
        if (git_commit_parentcount(c) > 1) {
            err_set(e, EXIT_TAMPER, "the audit log forks at commit %.12s (a merge)",
                    git_oid_tostr_s(git_commit_id(c)));
            goto done;
        }
        if (len == cap) {
            struct repo_link *p;

            cap = cap ? cap * 2 : 64;
            p = realloc(links, cap * sizeof(*p));
            if (!p) {
                err_set(e, EXIT_EVAL, "out of memory");
                goto done;
            }
            links = p;
        }
        oid_hex(links[len].commit, git_commit_id(c));
        oid_hex(links[len].tree, git_commit_tree_id(c));
        len++;
        next = NULL;
        if (git_commit_parentcount(c) == 1 && git_commit_parent(&next, c, 0) < 0) {
            err_git(e, EXIT_TAMPER, "cannot read the audit log");
            goto done;
        }
        git_commit_free(c);
        c = next;
    }
    for (i = 0; i < len / 2; i++) {
        struct repo_link t = links[i];

        links[i] = links[len - 1 - i];
        links[len - 1 - i] = t;
    }
    *out = links;
    *n = len;
    links = NULL;
    rc = 0;
done:
    git_commit_free(c);
    free(links);
    return rc;
}

const char *
repo_gitdir(const struct repo *r)
{
    return git_repository_path(r->git);
}

const char *
repo_commondir(const struct repo *r)
{
    return git_repository_commondir(r->git);
}

int
repo_has_remote(struct repo *r, const char *remote)
{
    git_remote *rm = NULL;
    int ok = git_remote_lookup(&rm, r->git, remote) == 0;

    git_remote_free(rm);
    return ok;
}

struct push_state {
    const struct repo *repo;
    int tries;
    int gave_token;
    int asked_helper;
    int helper_answered;
    int rejected;
    char why[200];
};

#define CRED_HELPER_TIMEOUT_MS 30000
#define CRED_HELPER_MAX_OUTPUT 8192

/* ENVIRON with GIT_TERMINAL_PROMPT=0: a helper may answer, nobody is prompted. */
static char **
helper_env(void)
{
    size_t n = 0, k = 0, i;
    char **env;

    while (environ && environ[n])
        n++;
    env = calloc(n + 2, sizeof(*env));
    if (!env)
        return NULL;
    for (i = 0; i < n; i++)
        if (strncmp(environ[i], "GIT_TERMINAL_PROMPT=", 20) != 0)
            env[k++] = environ[i];
    env[k++] = (char *)"GIT_TERMINAL_PROMPT=0";
    env[k] = NULL;
    return env;
}

/* The value of KEY= in the helper's answer ("key=value" lines), or NULL. */
static const char *
helper_field(char *answer, const char *key)
{
    size_t kl = strlen(key);
    char *line = answer;

    while (line && *line) {
        char *nl = strchr(line, '\n');

        if (strncmp(line, key, kl) == 0 && line[kl] == '=') {
            if (nl)
                *nl = '\0';
            return line + kl + 1;
        }
        line = nl ? nl + 1 : NULL;
    }
    return NULL;
}

/* Ask git's own credential helpers for URL, as `git credential fill` does (never the
 * terminal): 0 with OUT set, 1 when they have nothing (or git cannot be run). */
static int
credential_helper(git_credential **out, const struct repo *r, const char *url, const char *user)
{
    char gitdir[1100], *argv[5] = {(char *)"git", gitdir, (char *)"credential", (char *)"fill",
                                   NULL};
    int in[2] = {-1, -1}, from[2] = {-1, -1}, devnull = -1, status = 0, rc = 1, fa_ok = 0;
    struct buf req = BUF_INIT, answer = BUF_INIT;
    posix_spawn_file_actions_t fa;
    struct sigaction ign, old_pipe;
    const char *name, *pass;
    char **env = NULL;
    pid_t pid = -1;
    double deadline;
    ssize_t got;
    struct timespec ts;

    if (strpbrk(url, "\r\n") || (user && strpbrk(user, "\r\n")) ||
        snprintf(gitdir, sizeof(gitdir), "--git-dir=%s", git_repository_path(r->git)) >=
            (int)sizeof(gitdir))
        return 1;
    answer.limit = CRED_HELPER_MAX_OUTPUT;
    if (buf_addf(&req, "url=%s\n", url) < 0 ||
        (user && *user && buf_addf(&req, "username=%s\n", user) < 0) || buf_adds(&req, "\n") < 0)
        goto done;
    if (pipe(in) < 0 || pipe(from) < 0)
        goto done;
    fcntl(in[1], F_SETFD, FD_CLOEXEC);
    fcntl(from[0], F_SETFD, FD_CLOEXEC);
    devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    env = helper_env();
    if (devnull < 0 || !env || posix_spawn_file_actions_init(&fa) != 0)
        goto done;
    fa_ok = 1;
    if (posix_spawn_file_actions_adddup2(&fa, in[0], 0) != 0 ||
        posix_spawn_file_actions_adddup2(&fa, from[1], 1) != 0 ||
        posix_spawn_file_actions_adddup2(&fa, devnull, 2) != 0 ||
        posix_spawnp(&pid, "git", &fa, NULL, argv, env) != 0) {
        pid = -1;
        goto done;
    }
    close(in[0]);
    close(from[1]);
    in[0] = from[1] = -1;
    /* a helper that exits without reading must not kill us with SIGPIPE */
    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &old_pipe);
    got = write(in[1], req.ptr, req.len);
    sigaction(SIGPIPE, &old_pipe, NULL);
    close(in[1]);
    in[1] = -1;
    if (got != (ssize_t)req.len)
        goto done;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    deadline = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + CRED_HELPER_TIMEOUT_MS / 1000.0;
    for (;;) {
        struct pollfd p = {from[0], POLLIN, 0};
        char chunk[1024];
        double left;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        left = deadline - ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
        if (left <= 0 || poll(&p, 1, (int)(left * 1000.0) + 1) <= 0)
            goto done; /* a helper that hangs is one that has nothing */
        got = read(from[0], chunk, sizeof(chunk));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        if (buf_add(&answer, chunk, (size_t)got) < 0) {
            sodium_memzero(chunk, sizeof(chunk));
            goto done;
        }
        sodium_memzero(chunk, sizeof(chunk));
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    pid = -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !answer.ptr)
        goto done;
    pass = helper_field(answer.ptr, "password");
    name = helper_field(answer.ptr, "username");
    if (name && pass && git_credential_userpass_plaintext_new(out, name, pass) == 0)
        rc = 0;
done:
    if (pid > 0) {
        kill(pid, SIGKILL); /* our own child, still running */
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
    }
    if (fa_ok)
        posix_spawn_file_actions_destroy(&fa);
    if (in[0] >= 0)
        close(in[0]);
    if (in[1] >= 0)
        close(in[1]);
    if (from[0] >= 0)
        close(from[0]);
    if (from[1] >= 0)
        close(from[1]);
    if (devnull >= 0)
        close(devnull);
    free(env);
    if (answer.ptr)
        sodium_memzero(answer.ptr, answer.cap);
    buf_release(&answer);
    buf_release(&req);
    return rc;
}

/* A remote that asks for a user name and password gets the GitHub token only when the
 * server it asks for is the API's own web host over https (repo_set_token_api);
 * otherwise git's credential helpers answer, or nothing does. ssh remotes use the ssh
 * agent. */
static int
credentials(git_credential **out, const char *url, const char *user, unsigned int allowed,
            void *payload)
{
    const char *token = getenv("GITHUB_TOKEN");
    struct push_state *ps = payload;
    const struct repo *r = ps->repo;
    char msg[512], host[300] = "";

    if (ps->tries++ > 2)
        return GIT_EUSER;
    if (!r->token_api[0] || gh_web_host(host, sizeof(host), r->token_api) < 0)
        host[0] = '\0';
    if (!token || !*token)
        token = getenv("GH_TOKEN");
    if (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) {
        if (!ps->gave_token && token && *token && gh_url_on_web_host(url, host)) {
            ps->gave_token = 1;
            return git_credential_userpass_plaintext_new(out, "x-access-token", token);
        }
        if (!ps->asked_helper) {
            ps->asked_helper = 1;
            if (credential_helper(out, r, url, user) == 0) {
                ps->helper_answered = 1;
                return 0;
            }
        }
        if (ps->helper_answered)
            snprintf(msg, sizeof(msg),
                     "the remote refused the password from git's credential helpers");
        else if (ps->gave_token)
            snprintf(msg, sizeof(msg),
                     "the remote refused the GitHub token, and git's credential helpers have no "
                     "other password for it");
        else if (host[0])
            snprintf(msg, sizeof(msg),
                     "the remote asks for a password: git's credential helpers have none for "
                     "it, and the GitHub token goes only to https://%s",
                     host);
        else
            snprintf(msg, sizeof(msg),
                     "the remote asks for a password: git's credential helpers have none for "
                     "it (the GitHub token goes only to the web host of an https GitHub API)");
        git_error_set_str(GIT_ERROR_NET, msg);
        return GIT_EAUTH;
    }
    if (allowed & GIT_CREDENTIAL_SSH_KEY)
        return git_credential_ssh_key_from_agent(out, user ? user : "git");
    return GIT_PASSTHROUGH;
}

/* Transfer progress: a pending SIGINT or SIGTERM aborts the fetch or push. */
static int
on_fetch_progress(const git_indexer_progress *stats, void *payload)
{
    (void)stats;
    (void)payload;
    return sig_pending() ? -1 : 0;
}

static int
on_push_progress(unsigned int current, unsigned int total, size_t bytes, void *payload)
{
    (void)current;
    (void)total;
    (void)bytes;
    (void)payload;
    return sig_pending() ? -1 : 0;
}

int
repo_fetch(struct repo *r, const char *remote, const char *refspec, struct err *e)
{
    git_fetch_options opts;
    struct push_state ps = {NULL, 0, 0, 0, 0, 0, ""};
    git_strarray specs;
    git_remote *rm = NULL;
    char *one[1];
    int rc;

    if (sig_check(e, "before fetching from '%s'", remote) < 0)
        return -1;
    git_fetch_options_init(&opts, GIT_FETCH_OPTIONS_VERSION);
    if (git_remote_lookup(&rm, r->git, remote) < 0)
        return err_git(e, EXIT_EVAL, "no such remote");
    ps.repo = r;
    opts.follow_redirects = GIT_REMOTE_REDIRECT_NONE; /* the host asked is the host named */
    opts.callbacks.transfer_progress = on_fetch_progress;
    one[0] = (char *)refspec;
    specs.strings = one;
    specs.count = 1;
    opts.callbacks.credentials = credentials;
    opts.callbacks.payload = &ps;
    opts.update_fetchhead = 0;
    rc = git_remote_fetch(rm, &specs, &opts, "promote: fetch the audit log");
    if (rc < 0 && sig_check(e, "while fetching from '%s'", remote) == 0)
        err_git(e, EXIT_EVAL, "cannot fetch from the remote");
    git_remote_free(rm);
    return rc < 0 ? -1 : 0;
}


int
repo_fetch_ref(struct repo *r, const char *remote, const char *src, const char *dst, int *found,
               struct err *e)
{
    git_fetch_options opts;
    struct push_state ps = {NULL, 0, 0, 0, 0, 0, ""};
    const git_remote_head **heads = NULL;
    git_strarray specs;
    git_remote *rm = NULL;
    git_reference *ref = NULL;
    char spec[600], *one[1];
    size_t n = 0, i;
    int rc = -1;

    *found = 0;
    if (snprintf(spec, sizeof(spec), "+%s:%s", src, dst) >= (int)sizeof(spec))
        return err_set(e, EXIT_EVAL, "ref name too long: '%.100s'", dst);
    if (sig_check(e, "before fetching from '%s'", remote) < 0)
        return -1;
    git_fetch_options_init(&opts, GIT_FETCH_OPTIONS_VERSION);
    if (git_remote_lookup(&rm, r->git, remote) < 0)
        return err_git(e, EXIT_EVAL, "no such remote");
    ps.repo = r;
    opts.follow_redirects = GIT_REMOTE_REDIRECT_NONE; /* the host asked is the host named */
    opts.callbacks.transfer_progress = on_fetch_progress;
    one[0] = spec;
    specs.strings = one;
    specs.count = 1;
    opts.callbacks.credentials = credentials;
    opts.callbacks.payload = &ps;
    opts.update_fetchhead = 0;
    if (git_remote_fetch(rm, &specs, &opts, "promote: fetch the audit log") < 0) {
        /* the tracking ref could not be written: a lock file a killed run left there */
        if (sig_check(e, "while fetching from '%s'", remote) == 0 &&
            gitlock_wait(repo_commondir(r), dst, "cannot fetch from the remote", e) == 0)
            err_git(e, EXIT_EVAL, "cannot fetch from the remote");
        goto done;
    }
    /* the advertisement stays available after the fetch disconnected */
    if (git_remote_ls(&heads, &n, rm) < 0) {
        err_git(e, EXIT_EVAL, "cannot list the remote's refs");
        goto done;
    }
    for (i = 0; i < n && !*found; i++)
        *found = strcmp(heads[i]->name, src) == 0;
    if (!*found && git_reference_lookup(&ref, r->git, dst) == 0 && git_reference_delete(ref) < 0) {
        if (gitlock_wait(repo_commondir(r), dst, "cannot delete the tracking ref", e) == 0)
            err_git(e, EXIT_EVAL, dst);
        goto done;
    }
    rc = 0;
done:
    git_reference_free(ref);
    git_remote_free(rm);
    return rc;
}

int
repo_ref_set(struct repo *r, const char *ref, const char *tip, struct err *e)
{
    git_reference *out = NULL;
    git_oid oid;

    if (git_oid_fromstr(&oid, tip) < 0)
        return err_set(e, EXIT_EVAL, "invalid commit id");
    if (git_reference_create(&out, r->git, ref, &oid, 1, "promote: pushed") < 0) {
        char what[400];

        snprintf(what, sizeof(what), "cannot update %.300s", ref);
        if (gitlock_wait(repo_commondir(r), ref, what, e) < 0)
            return -1;
        return err_git(e, EXIT_EVAL, ref);
    }
    git_reference_free(out);
    return 0;
}

static int
push_update(const char *refname, const char *status, void *payload)
{
    struct push_state *ps = payload;

    (void)refname;
    if (status) {
        ps->rejected = 1;
        snprintf(ps->why, sizeof(ps->why), "%s", status);
    }
    return 0;
}

/* The local path of a file:// or plain-path remote URL, or NULL for a network remote. */
static const char *
local_path(const char *url)
{
    if (strncmp(url, "file://", 7) == 0)
        return url + 7;
    if (url[0] == '/' || (url[0] == '.' && (url[1] == '/' || url[1] == '.')))
        return url;
    return NULL;
}

static int
copy_object(git_odb *dst, git_odb *src, const git_oid *id)
{
    git_odb_object *o = NULL;
    git_oid out;
    int rc;

    if (git_odb_exists(dst, id))
        return 0;
    if (git_odb_read(&o, src, id) < 0)
        return -1;
    rc = git_odb_write(&out, dst, git_odb_object_data(o), git_odb_object_size(o),
                       git_odb_object_type(o));
    git_odb_object_free(o);
    return rc;
}

/* Push to a repository on this machine as a real server does: copy the missing
 * objects, then compare-and-swap the remote ref, so that concurrent pushers can
 * never overwrite each other (libgit2's local transport checks and writes in two
 * steps). 0 pushed, 1 rejected, -1 error. */
static int
push_local(struct repo *r, const char *path, const char *ref, struct err *e)
{
    git_repository *dst = NULL;
    git_odb *dodb = NULL, *sodb = NULL;
    git_commit *c = NULL, *next = NULL;
    git_tree *tree = NULL;
    git_reference *out = NULL;
    git_oid ours, theirs;
    char lockpath[1200];
    size_t i;
    int rc = -1, have_theirs, ff, lockfd = -1;

    if (git_reference_name_to_id(&ours, r->git, ref) < 0)
        return err_git(e, EXIT_EVAL, ref);
    if (git_repository_open(&dst, path) < 0)
        return err_git(e, EXIT_EVAL, "cannot open the remote repository");
    /* one pusher at a time: read, check and write under an exclusive lock, as a
     * server's receive-pack would */
    snprintf(lockpath, sizeof(lockpath), "%spromote-push.lock", git_repository_path(dst));
    lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lockfd < 0 || flock(lockfd, LOCK_EX) < 0) {
        err_set(e, EXIT_EVAL, "cannot lock the remote repository '%s': %s", path, strerror(errno));
        goto done;
    }
    have_theirs = git_reference_name_to_id(&theirs, dst, ref) == 0;
    if (have_theirs && !git_oid_equal(&ours, &theirs)) {
        ff = git_graph_descendant_of(r->git, &ours, &theirs);
        if (ff != 1) {
            rc = 1; /* not a fast-forward (or their tip is unknown here): someone else pushed */
            goto done;
        }
    }
    testhooks_pause("pushing"); /* the remote locked, nothing copied yet */
    if (git_repository_odb(&dodb, dst) < 0 || git_repository_odb(&sodb, r->git) < 0) {
        err_git(e, EXIT_EVAL, "cannot read objects to push");
        goto done;
    }
    {
        /* an annotated tag: its object first, then the commits it points at */
        git_oid target = ours;
        git_object *obj = NULL;

        if (git_object_lookup(&obj, r->git, &ours, GIT_OBJECT_ANY) < 0) {
            err_git(e, EXIT_EVAL, "cannot read objects to push");
            goto done;
        }
        if (git_object_type(obj) == GIT_OBJECT_TAG) {
            git_oid_cpy(&target, git_tag_target_id((git_tag *)obj));
            if (copy_object(dodb, sodb, &ours) < 0) {
                git_object_free(obj);
                goto gitfail;
            }
        }
        git_object_free(obj);
        if (git_commit_lookup(&c, r->git, &target) < 0) {
            err_git(e, EXIT_EVAL, "cannot read objects to push");
            goto done;
        }
    }
    while (c && !git_odb_exists(dodb, git_commit_id(c))) {
        if (sig_check(e, "while pushing to '%s'", path) < 0) {
            rc = -1;
            goto done;
        }
        if (git_commit_tree(&tree, c) < 0)
            goto gitfail;
        for (i = 0; i < git_tree_entrycount(tree); i++)
            if (copy_object(dodb, sodb, git_tree_entry_id(git_tree_entry_byindex(tree, i))) < 0)
                goto gitfail;
        if (copy_object(dodb, sodb, git_tree_id(tree)) < 0 ||
            copy_object(dodb, sodb, git_commit_id(c)) < 0)
            goto gitfail;
        git_tree_free(tree);
        tree = NULL;
        next = NULL;
        if (git_commit_parentcount(c) > 0 && git_commit_parent(&next, c, 0) < 0)
            goto gitfail;
        git_commit_free(c);
        c = next;
    }
    if (have_theirs)
        rc = git_reference_create_matching(&out, dst, ref, &ours, 1, &theirs, "promote: push");
    else
        rc = git_reference_create(&out, dst, ref, &ours, 0, "promote: push");
    if (rc == GIT_EMODIFIED || rc == GIT_EEXISTS || rc == GIT_ELOCKED) {
        rc = 1;
    } else if (rc < 0) {
        err_git(e, EXIT_EVAL, "cannot update the remote audit log");
        rc = -1;
    }
    goto done;
gitfail:
    err_git(e, EXIT_EVAL, "cannot copy objects to the remote");
    rc = -1;
done:
    git_reference_free(out);
    git_tree_free(tree);
    git_commit_free(c);
    git_odb_free(dodb);
    git_odb_free(sodb);
    git_repository_free(dst);
    if (lockfd >= 0)
        close(lockfd); /* releases the lock */
    return rc;
}

int
repo_push(struct repo *r, const char *remote, const char *ref, struct err *e)
{
    git_push_options opts;
    struct push_state ps = {NULL, 0, 0, 0, 0, 0, ""};
    git_strarray specs;
    git_remote *rm = NULL;
    char spec[512], *one[1];
    int rc;

    if (sig_check(e, "before pushing to '%s'", remote) < 0)
        return -1;
    git_push_options_init(&opts, GIT_PUSH_OPTIONS_VERSION);
    if (git_remote_lookup(&rm, r->git, remote) < 0)
        return err_git(e, EXIT_EVAL, "no such remote");
    ps.repo = r;
    opts.follow_redirects = GIT_REMOTE_REDIRECT_NONE;
    if (git_remote_url(rm) && local_path(git_remote_url(rm))) {
        char path[1024];

        snprintf(path, sizeof(path), "%s", local_path(git_remote_url(rm)));
        git_remote_free(rm);
        return push_local(r, path, ref, e);
    }
    snprintf(spec, sizeof(spec), "%s:%s", ref, ref);
    one[0] = spec;
    specs.strings = one;
    specs.count = 1;
    opts.callbacks.credentials = credentials;
    opts.callbacks.push_update_reference = push_update;
    opts.callbacks.push_transfer_progress = on_push_progress;
    opts.callbacks.payload = &ps;
    rc = git_remote_push(rm, &specs, &opts);
    git_remote_free(rm);
    if (rc < 0 && sig_check(e, "while pushing to '%s'", remote) < 0)
        return -1;
    if (rc < 0) {
        const git_error *ge = git_error_last();

        /* the remote moved on: libgit2 says so in words that differ by transport */
        if (ge && ge->message && (strstr(ge->message, "non-fast-forward") ||
                                  strstr(ge->message, "rejected") ||
                                  strstr(ge->message, "fetch first") ||
                                  strstr(ge->message, "not present locally")))
            return 1;
        return err_git(e, EXIT_EVAL, "cannot push to the remote");
    }
    return ps.rejected ? 1 : 0;
}

int
repo_count_between(struct repo *r, const char *base, const char *tip, long *out, struct err *e)
{
    git_revwalk *w = NULL;
    git_oid t, b, id;
    long n = 0;
    int rc = -1;

    if (git_oid_fromstr(&t, tip) < 0 || (base && *base && git_oid_fromstr(&b, base) < 0))
        return err_set(e, EXIT_EVAL, "invalid commit id");
    if (git_revwalk_new(&w, r->git) < 0 || git_revwalk_push(w, &t) < 0 ||
        (base && *base && git_revwalk_hide(w, &b) < 0)) {
        err_git(e, EXIT_EVAL, "cannot walk history");
        goto done;
    }
    while (git_revwalk_next(&id, w) == 0)
        n++;
    *out = n;
    rc = 0;
done:
    git_revwalk_free(w);
    return rc;
}

int
repo_commit_times(struct repo *r, const char *base, const char *tip, size_t max,
                  long long **out, size_t *n, struct err *e)
{
    git_revwalk *w = NULL;
    git_commit *c = NULL;
    git_oid t, b, id;
    long long *v = NULL, *nv;
    size_t len = 0, cap = 0;
    int rc = -1;

    *out = NULL;
    *n = 0;
    if (git_oid_fromstr(&t, tip) < 0 || (base && *base && git_oid_fromstr(&b, base) < 0))
        return err_set(e, EXIT_EVAL, "invalid commit id");
    if (!base || !*base) {
        /* the commit alone */
        if (git_commit_lookup(&c, r->git, &t) < 0)
            return err_git(e, EXIT_EVAL, "cannot read the commit");
        v = malloc(sizeof(*v));
        if (!v) {
            git_commit_free(c);
            return err_set(e, EXIT_EVAL, "out of memory");
        }
        v[0] = (long long)git_commit_time(c);
        git_commit_free(c);
        *out = v;
        *n = 1;
        return 0;
    }
    if (git_revwalk_new(&w, r->git) < 0 || git_revwalk_sorting(w, GIT_SORT_TIME) < 0 ||
        git_revwalk_push(w, &t) < 0 || git_revwalk_hide(w, &b) < 0) {
        err_git(e, EXIT_EVAL, "cannot walk history");
        goto done;
    }
    while (len < max && git_revwalk_next(&id, w) == 0) {
        if (git_commit_lookup(&c, r->git, &id) < 0) {
            err_git(e, EXIT_EVAL, "cannot read a commit");
            goto done;
        }
        if (len == cap) {
            cap = cap ? cap * 2 : 16;
            nv = realloc(v, cap * sizeof(*v));
            if (!nv) {
                git_commit_free(c);
                err_set(e, EXIT_EVAL, "out of memory");
                goto done;
            }
            v = nv;
        }
        v[len++] = (long long)git_commit_time(c);
        git_commit_free(c);
        c = NULL;
    }
    *out = v;
    *n = len;
    v = NULL;
    rc = 0;
done:
    free(v);
    git_revwalk_free(w);
    return rc;
}

int
repo_tag_max(struct repo *r, const char *prefix, long *out, struct err *e)
{
    git_strarray names = {NULL, 0};
    char pattern[300];
    size_t i, plen = strlen(prefix);

    *out = 0;
    snprintf(pattern, sizeof(pattern), "%s*", prefix);
    if (git_tag_list_match(&names, pattern, r->git) < 0)
        return err_git(e, EXIT_EVAL, "cannot list tags");
    for (i = 0; i < names.count; i++) {
        const char *rest = names.strings[i] + plen;
        char *end;
        long n;

        errno = 0;
        n = strtol(rest, &end, 10);
        if (!(*rest >= '0' && *rest <= '9') || *end)
            continue;
        /* the next tag is this number plus one: a number that could not grow is refused,
         * never wrapped */
        if (errno || n >= REPO_TAG_MAX) {
            err_set(e, EXIT_EVAL, "tag '%.200s': the number is out of range", names.strings[i]);
            git_strarray_dispose(&names);
            return -1;
        }
        if (n > *out)
            *out = n;
    }
    git_strarray_dispose(&names);
    return 0;
}

struct tag_walk {
    struct repo *r;
    repo_tag_fn fn;
    void *arg;
    int rc;
};

static int
tag_walk_one(const char *name, git_oid *oid, void *payload)
{
    struct tag_walk *w = payload;
    git_tag *tag = NULL;
    const char *msg;

    /* a lightweight tag has no message: nothing to read */
    if (git_tag_lookup(&tag, w->r->git, oid) < 0) {
        git_error_clear();
        return 0;
    }
    msg = git_tag_message(tag);
    if (strncmp(name, "refs/tags/", 10) == 0)
        name += 10;
    w->rc = msg ? w->fn(name, msg, strlen(msg), w->arg) : 0;
    git_tag_free(tag);
    return w->rc ? 1 : 0;
}

int
repo_tag_messages(struct repo *r, repo_tag_fn fn, void *arg, struct err *e)
{
    struct tag_walk w = {r, fn, arg, 0};
    int rc = git_tag_foreach(r->git, tag_walk_one, &w);

    if (rc < 0 && rc != GIT_EUSER)
        return err_git(e, EXIT_EVAL, "cannot list tags");
    return w.rc;
}

/* The annotated tag object NAME at the commit TARGET, as git_tag_annotation_create writes
 * it, through the object database: a failed write keeps its own message ("File too
 * large", "Permission denied"), which git_tag_annotation_create replaces. */
static int
tag_write(git_oid *out, struct repo *r, const char *name, const git_oid *target,
          const git_signature *sig, const char *message)
{
    struct buf b = BUF_INIT;
    git_odb *odb = NULL;
    char hex[41];
    int offset = sig->when.offset, sign = '+', rc = -1;

    if (offset < 0 || sig->when.sign == '-') {
        sign = '-';
        offset = offset < 0 ? -offset : offset;
    }
    oid_hex(hex, target);
    if (buf_addf(&b, "object %s\ntype commit\ntag %s\ntagger %s <%s> %lld %c%02d%02d\n\n%s", hex,
                 name, sig->name, sig->email, (long long)sig->when.time, sign, offset / 60,
                 offset % 60, message) < 0) {
        git_error_set_str(GIT_ERROR_NOMEMORY, "out of memory");
        goto done;
    }
    if (git_repository_odb(&odb, r->git) < 0 ||
        git_odb_write(out, odb, b.ptr, b.len, GIT_OBJECT_TAG) < 0)
        goto done;
    rc = 0;
done:
    git_odb_free(odb);
    buf_release(&b);
    return rc;
}

int
repo_tag_create(struct repo *r, const char *name, const char *commit, const char *message,
                struct err *e)
{
    git_object *target = NULL;
    git_signature *sig = NULL;
    git_reference *tref = NULL;
    git_oid oid, tag, zero;
    char ref[300];
    int rc = -1;

    if (git_oid_fromstr(&oid, commit) < 0 ||
        git_object_lookup(&target, r->git, &oid, GIT_OBJECT_COMMIT) < 0) {
        err_git(e, EXIT_EVAL, "cannot find the commit to tag");
        goto done;
    }
    /* the tag object first, then its ref created only if absent, under the ref's lock
     * (git_tag_create checks for an existing tag before locking: two promotions in one
     * clone could both take the same name) */
    if (snprintf(ref, sizeof(ref), "refs/tags/%s", name) >= (int)sizeof(ref) ||
        git_signature_now(&sig, "promote", "promote@localhost") < 0 ||
        git_oid_fromstr(&zero, "0000000000000000000000000000000000000000") < 0) {
        err_git(e, EXIT_EVAL, "cannot create the tag");
        err_prefix(e, "tag '%s'", name);
        goto done;
    }
    if (tag_write(&tag, r, name, &oid, sig, message) < 0) {
        err_git(e, EXIT_EVAL, "cannot write the tag object");
        err_prefix(e, "tag '%s'", name);
        goto done;
    }
    rc = create_matching(&tref, r, ref, &tag, &zero, "promote: tag", e);
    if (rc == GIT_EUSER) {
        rc = -1;
        goto done;
    }
    if (rc < 0) {
        rc = -1;
        err_git(e, EXIT_EVAL, "cannot create the tag (it exists already?)");
        err_prefix(e, "tag '%s'", name);
        goto done;
    }
    rc = 0;
done:
    git_reference_free(tref);
    git_signature_free(sig);
    git_object_free(target);
    return rc;
}
