/* Options as data: one table per verb, built from shared groups. The parser, -h, 'promote
 * help VERB' and --completion-helper all read the same tables. */
#ifndef PROMOTE_OPT_H
#define PROMOTE_OPT_H

#include <stddef.h>
#include <stdio.h>

enum opt_type {
    OPT_FLAG,   /* int, set to 1 */
    OPT_STRING, /* const char * */
    OPT_NUMBER, /* double in [min, max] */
    OPT_LIST,   /* struct opt_list: repeatable, at most max values */
    OPT_CHOICE  /* int: the index of the value in choices ("a|b|c") */
};

enum {
    OPT_HIDDEN = 1 << 0,   /* parsed (the verb refuses it with its reason), never offered */
    OPT_NONEMPTY = 1 << 1, /* an empty value is a usage error */
    OPT_WHOLE = 1 << 2     /* OPT_NUMBER: an integer */
};

#define OPT_LIST_MAX 64

struct opt_list {
    const char *v[OPT_LIST_MAX];
    size_t n;
};

struct opt {
    const char *name; /* without the dashes */
    const char *arg;  /* "<dir>"; NULL for a flag */
    enum opt_type type;
    size_t off;         /* where the value lands in the verb's options struct */
    double min, max;    /* OPT_NUMBER: the bounds; OPT_LIST: max is the most values */
    unsigned subs;      /* bit n: goes with subcommand n of the verb; 0: with all */
    unsigned flags;     /* OPT_HIDDEN, OPT_NONEMPTY, OPT_WHOLE */
    const char *choices; /* OPT_CHOICE: "a|b|c" */
    const char *bad;     /* the usage error of a value out of bounds or not a choice */
    const char *conflicts; /* the option it cannot be used with */
    const char *needs;     /* the option it goes with */
    const char *help;      /* lines separated by '\n', printed from column 22 */
};

/* What one verb says differently about a shared option: its description, flags or the
 * subcommands it goes with (0: the group's). */
struct opt_text {
    const char *name;
    const char *help;
    unsigned flags;
    unsigned subs;
};

struct opt_sub {
    const char *name;
    const char *usage; /* the usage line(s) of the subcommand, git notation */
};

struct opt_verb {
    const struct opt *const *tables; /* NULL-terminated; each ends with a NULL name */
    const struct opt_text *texts;    /* NULL-name-terminated, or NULL */
    const struct opt_sub *subs;      /* NULL-name-terminated, or NULL */
    const char *text;                /* what follows the options in -h, or NULL */
};

/* The options every verb's options struct holds first, so that the shared groups'
 * offsets (offsetof(struct cmd_common, x)) are valid in every one of them. */
struct cmd_common {
    const char *repo, *policy, *policy_ref;
    const char *key, *remote;
    int no_remote, json, verbose;
    const char *github_api, *github_repo;
    double github_timeout;  /* seconds; 0: default */
    double github_max_wait; /* seconds; -1: default */
    int wait;
    double wait_timeout;  /* seconds; 0: default */
    double wait_interval; /* seconds; 0: default */
};

/* The shared groups. */
extern const struct opt opt_repo_policy[]; /* --repo, --policy, --policy-ref */
extern const struct opt opt_github[];      /* --github-*, --verbose */
extern const struct opt opt_key[];         /* --key */
extern const struct opt opt_remote[];      /* --remote, --no-remote */
extern const struct opt opt_wait[];        /* --wait, --wait-timeout, --wait-interval */
extern const struct opt opt_json[];        /* --json */

struct cmd;

/* Parse ARGV (ARGV[0] is the verb or the subcommand SUB, -1: none) into OUT, a struct
 * whose first member is a struct cmd_common. The positional arguments are left in
 * *POS (*NPOS of them). 0 parsed, 1 help or completion printed, -1 usage error printed
 * (the message, then the usage, on stderr). */
int opt_parse(void *out, char ***pos, int *npos, int argc, char **argv, const struct cmd *c,
              int sub);
/* The exit code of opt_parse's 1 (0, stdout flushed) or -1 (EXIT_USAGE). */
int opt_exit(int rc);
/* The subcommand of a verb that has some, from ARGV[1]: 0 with *SUB, 1 help or completion
 * printed, -1 usage error printed. */
int opt_sub(int *sub, int argc, char **argv, const struct cmd *c);
/* A verb with subcommands: opt_sub, then opt_parse of the subcommand's arguments. */
int opt_parse_sub(void *out, int *sub, char ***pos, int *npos, int argc, char **argv,
                  const struct cmd *c);
/* The usage and the options of C (SUB -1: every subcommand). */
void opt_usage(FILE *f, const struct cmd *c, int sub);
/* A usage error: "promote: MSG" (with --json the error document), then the usage; -1. */
int opt_usage_error(const struct cmd *c, int sub, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
