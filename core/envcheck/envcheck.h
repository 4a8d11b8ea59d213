/* The environment configuration check: the Terraform variable files and the GitHub
 * Actions deploy workflows of a repository, against the policy's environments and its
 * naming rules. Reading (a commit's tree through libgit2, or the work tree) is kept
 * apart from judging: envcheck_gather reads, envcheck_terraform and envcheck_workflows
 * judge the bytes read and touch nothing else. 'promote env check' and the env_config
 * gate share both. Rule ids and their meaning: docs/env-check.md. */
#ifndef PROMOTE_ENVCHECK_H
#define PROMOTE_ENVCHECK_H

#include <jansson.h>
#include <stddef.h>

#include "core/base/err.h"
#include "core/engine/policy.h"

struct repo;

#define ENVCHECK_MAX_FILE_BYTES (1024 * 1024)
#define ENVCHECK_MAX_ENTRIES 10000
#define ENVCHECK_DEFAULT_TERRAFORM "terraform"
#define ENVCHECK_DEFAULT_WORKFLOWS ".github/workflows"

struct envcheck_violation {
    char *file; /* relative to the repository root */
    long line;  /* 1-based; 0: the file or directory as a whole */
    char rule[32];
    char *message;
};

struct envcheck_result {
    struct envcheck_violation *v;
    size_t n, cap;
    size_t n_tfvars;    /* variable files judged */
    size_t n_workflows; /* workflow files judged */
    int oom;            /* an allocation failed: the result is incomplete */
};

void envcheck_result_init(struct envcheck_result *r);
void envcheck_result_release(struct envcheck_result *r);
/* Order by file, line, rule (stable, so the output is the same on every run). */
void envcheck_result_sort(struct envcheck_result *r);
/* [{file, line (null for 0), rule, message}, ...]; NULL when out of memory. */
json_t *envcheck_result_json(const struct envcheck_result *r);

/* One file as read; TEXT is NULL for a file only listed (its name is judged). */
struct envcheck_file {
    char *path; /* relative to the repository root */
    char *text; /* NUL-terminated */
    size_t len;
};

/* What the check reads, gathered by envcheck_gather (or built by hand in tests). */
struct envcheck_input {
    char *tf_dir; /* normalised: relative, no trailing '/', "" for the root */
    char *wf_dir;
    int tf_found; /* the directory exists */
    int wf_found;
    char **tf_subdirs; /* names of the directories in tf_dir */
    size_t n_tf_subdirs;
    struct envcheck_file *tfvars; /* tf_dir/<d>/<f>.tfvars: read for the policy's envs */
    size_t n_tfvars;
    struct envcheck_file *workflows; /* wf_dir/<f>.yml and .yaml, all read */
    size_t n_workflows;
};

void envcheck_input_release(struct envcheck_input *in);

/* DIR as given on the command line or in a gate, normalised into *OUT (owned): relative,
 * no '..', no empty or '.' components ("." is the root, ""). Bad: EXIT_USAGE. */
int envcheck_dir_norm(char **out, const char *dir, const char *what, struct err *e);

/* Read what the check needs from the tree of COMMIT (40 hex), or from the work tree when
 * COMMIT is NULL. A missing directory or file is not an error (the judges report it); a
 * read failure, a symbolic link where a file is needed, or a file over
 * ENVCHECK_MAX_FILE_BYTES is (EXIT_EVAL). */
int envcheck_gather(struct envcheck_input *out, const struct policy *p, struct repo *repo,
                    const char *commit, const char *tf_dir, const char *wf_dir, struct err *e);

/* ---- the judges: pure ---- */

enum envcheck_kind { ENVCHECK_STRING, ENVCHECK_NUMBER, ENVCHECK_BOOL };

struct envcheck_var {
    char *name;
    char *value; /* the string's content, the number's text, "true" or "false" */
    enum envcheck_kind kind;
    long line;
};

struct envcheck_tfvars {
    const char *path; /* borrowed from the file */
    struct envcheck_var *vars;
    size_t n;
    char **unread; /* names assigned on lines reported as tf-syntax */
    size_t n_unread;
};

/* Read the assignments of one variable file (`name = "string" | number | true | false`,
 * `#` and `//` comments); every other line is a tf-syntax violation in R, never guessed. */
int envcheck_tfvars_parse(struct envcheck_tfvars *out, const struct envcheck_file *f,
                          struct envcheck_result *r);
void envcheck_tfvars_release(struct envcheck_tfvars *t);
const struct envcheck_var *envcheck_tfvars_get(const struct envcheck_tfvars *t, const char *name);
/* Is NAME assigned in T, readable or not? */
int envcheck_tfvars_has(const struct envcheck_tfvars *t, const char *name);

/* S3 bucket naming rules a name breaks, as a set of flags. */
enum envcheck_s3 {
    ENVCHECK_S3_LENGTH = 1 << 0,          /* s3-length: 3 to 63 characters */
    ENVCHECK_S3_CHARS = 1 << 1,           /* s3-chars: a-z 0-9 . - only */
    ENVCHECK_S3_EDGE = 1 << 2,            /* s3-edge: starts and ends with a letter or digit */
    ENVCHECK_S3_DOUBLE_DOT = 1 << 3,      /* s3-double-dot: no ".." */
    ENVCHECK_S3_IP_ADDRESS = 1 << 4,      /* s3-ip-address: not like 192.168.5.4 */
    ENVCHECK_S3_RESERVED_PREFIX = 1 << 5, /* s3-reserved-prefix: xn--, sthree-, amzn-s3-demo- */
    ENVCHECK_S3_RESERVED_SUFFIX = 1 << 6  /* s3-reserved-suffix: -s3alias, --ol-s3, .mrap, ... */
};
unsigned envcheck_s3_check(const char *name);

/* Judge the Terraform variable files of IN against P. */
int envcheck_terraform(struct envcheck_result *r, const struct policy *p,
                       const struct envcheck_input *in);
/* Judge the workflow files of IN against P. */
int envcheck_workflows(struct envcheck_result *r, const struct policy *p,
                       const struct envcheck_input *in);

/* Gather, judge both, sort. Violations go to OUT; E only when the check could not run. */
int envcheck_run(struct envcheck_result *out, const struct policy *p, struct repo *repo,
                 const char *commit, const char *tf_dir, const char *wf_dir, struct err *e);

#endif
