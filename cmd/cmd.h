/* The command table and the functions behind it. Commands parse their own
 * options, call core, and map the result to an exit code. */
#ifndef PROMOTE_CMD_H
#define PROMOTE_CMD_H

#include <jansson.h>
#include <stdio.h>

#include "core/github/actor.h"
#include "core/github/gh.h"
#include "opt.h"

/* What a command's set-up opens from the shared options (cmd_setup). */
enum cmd_need {
    NEED_REPO = 1 << 0,   /* the repository of --repo (cmd_repo_open) */
    NEED_POLICY = 1 << 1, /* the policy of --policy or --policy-ref (cmd_load_policy) */
    NEED_GITHUB = 1 << 2  /* the GitHub settings of the --github-* options */
};

struct cmd {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *usage; /* git notation, one or more lines; NULL: its subcommands' */
    const char *help;  /* one line */
    const struct opt_verb *opts; /* its options (cmd/opt.h), or NULL */
    unsigned needs;              /* enum cmd_need */
};

extern const struct cmd cmd_table[];

/* The whole command line: what promote-test's main (cmd/exe.c) calls, and what the
 * installed promote (cmd/launcher.c) calls in the tool it loads, the one symbol the tool
 * exports. */
__attribute__((visibility("default"))) int promote_main(int argc, char **argv);

const struct cmd *cmd_find(const char *name);
/* Print "promote: MSG" once on stderr and return CODE. With --json, when the command
 * has not printed its document, stdout gets the error document (docs/json-output.md):
 * stdout holds exactly one JSON document on every path. */
int cmd_fail(int code, const char *msg);
int cmd_failf(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print the command's one JSON document on stdout; -1 when it cannot be written. */
int cmd_print_json(const json_t *doc);
/* One record of a JSON Lines stream (audit log --json), compact on one line. */
int cmd_print_json_line(const json_t *rec);
/* Flush stdout; a failed write is an I/O error (exit 3), not success. */
int cmd_finish(int code);
/* Colour on stdout: a terminal, and NO_COLOR unset. */
int cmd_color(void);

int cmd_promote(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_keys(int argc, char **argv);

struct policy;
struct repo;
struct err;
/* The policy from FILE, else .promote/policy.json on POLICY_REF (default main). */
int cmd_load_policy(struct policy **out, struct repo *repo, const char *file,
                    const char *policy_ref, struct err *e);
/* A command that records was given --policy FILE: print why not, return EXIT_USAGE.
 * Anything recorded is evaluated under the protected policy (the policy ref) only. */
int cmd_refuse_local_policy(const char *file, const char *verb);
int cmd_audit(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_hold(int argc, char **argv);
int cmd_unhold(int argc, char **argv);
int cmd_status(int argc, char **argv);
/* promote report: delivery metrics and change-control evidence (cmd/cmd_report.c) */
int cmd_report(int argc, char **argv);
/* promote --version */
int cmd_version(int argc, char **argv);

/* GitHub settings shared by the commands that talk to GitHub: flags, else the
 * environment (GITHUB_API_URL, GITHUB_REPOSITORY), else the origin remote. */
struct cmd_github_bufs {
    char repo[256];
    char cache[1024];
};
void cmd_github_config(struct gh_config *cfg, struct actor_env *actor, struct cmd_github_bufs *b,
                       struct repo *repo, const struct cmd_common *o);
/* Open the repository at PATH (NULL: the current one) for a command that may fetch or
 * push: the GitHub token may go only to remotes on the web host of the API (GITHUB_API,
 * else GITHUB_API_URL, else https://api.github.com), over https. */
int cmd_repo_open(struct repo **out, const char *path, const char *github_api, struct err *e);
int cmd_rollback(int argc, char **argv);

/* What a command's needs column opens, once, from its shared options. */
struct cmd_ctx {
    struct repo *repo;
    struct policy *policy;
    struct gh_config ghc;
    struct actor_env actor;
    struct cmd_github_bufs ghb;
    struct key *key;     /* cmd_setup_record */
    char repo_uri[1100]; /* cmd_setup_record */
};
/* Open what C needs (in this order: the repository, the policy, the GitHub settings),
 * after the command's own usage checks; cmd_ctx_release frees it, whatever failed. */
int cmd_setup(struct cmd_ctx *x, const struct cmd *c, const struct cmd_common *o,
              struct err *e);
void cmd_ctx_release(struct cmd_ctx *x);
/* For a command that records, after its own checks: the signing key of --key (one that
 * cannot be used is an error prefixed with WHY) and RQ, what records through --remote or
 * --no-remote with it under X's repository, policy and GitHub settings. */
struct record_req;
int cmd_setup_record(struct record_req *rq, struct cmd_ctx *x, const struct cmd_common *o,
                     const char *why, struct err *e);
/* A number in [MIN, MAX] (seconds, counts) from an option's value; -1 when it is not. */
int cmd_parse_number(double *out, const char *s, double min, double max);
/* promote env show|check, parsed by cmd_env from its one table */
struct env_opts {
    struct cmd_common c;
    int format; /* show: the index in table|markdown|json */
    const char *terraform, *workflows, *commit;
    int worktree;
};
int cmd_env(int argc, char **argv);
int cmd_env_show(const struct env_opts *o, const char *only);
int cmd_env_check(const struct env_opts *o); /* cmd/cmd_env_check.c */

/* The option tables of the verbs, beside the code that reads them. */
extern const struct opt_verb promote_optv, check_optv, explain_optv, replay_optv, inspect_optv,
    audit_optv, keys_optv, record_optv, hold_optv, rollback_optv, status_optv, report_optv,
    env_optv, help_optv;

/* Shared by promote and check: evaluate FROM -> TO. */
enum promote_mode { PROMOTE_RECORD, PROMOTE_CHECK, PROMOTE_EXPLAIN };
int promote_run(int argc, char **argv, enum promote_mode mode);

#endif
