/* The option tables: the shared groups, the one parser, the help and the completion
 * helper they all come from. */
#include <assert.h>
#include <getopt.h>
#include <stdarg.h>
#include <string.h>

#include "cmd.h"
#include "core/base/err.h"
#include "opt.h"

#define OPT_MAX 64 /* options of one verb */
#define OPT_COL 22 /* where descriptions start */
#define COMMON(f) offsetof(struct cmd_common, f)

const struct opt opt_repo_policy[] = {
    {.name = "repo", .arg = "<dir>", .type = OPT_STRING, .off = COMMON(repo),
     .flags = OPT_NONEMPTY,
     .help = "the git repository (default: the one containing the current directory)"},
    {.name = "policy", .arg = "<file>", .type = OPT_STRING, .off = COMMON(policy),
     .flags = OPT_NONEMPTY, .conflicts = "policy-ref",
     .help = "read the policy from a local file instead of the policy ref"},
    {.name = "policy-ref", .arg = "<ref>", .type = OPT_STRING, .off = COMMON(policy_ref),
     .flags = OPT_NONEMPTY, .help = "the branch holding .promote/policy.json (default: main)"},
    {.name = NULL},
};

const struct opt opt_github[] = {
    {.name = "github-api", .arg = "<url>", .type = OPT_STRING, .off = COMMON(github_api),
     .flags = OPT_NONEMPTY,
     .help = "the GitHub API (default: GITHUB_API_URL, else https://api.github.com)"},
    {.name = "github-repo", .arg = "<owner/name>", .type = OPT_STRING,
     .off = COMMON(github_repo), .flags = OPT_NONEMPTY,
     .help = "the repository on GitHub (default: GITHUB_REPOSITORY, else the\n"
             "'origin' remote); the token comes from GITHUB_TOKEN, else GH_TOKEN"},
    {.name = "github-timeout", .arg = "<s>", .type = OPT_NUMBER, .off = COMMON(github_timeout),
     .min = 0.001, .max = 3600, .bad = "--github-timeout wants seconds (0.001 to 3600)",
     .help = "per-request timeout (default 30)"},
    {.name = "github-max-wait", .arg = "<s>", .type = OPT_NUMBER,
     .off = COMMON(github_max_wait), .min = 0, .max = 86400,
     .bad = "--github-max-wait wants seconds (0 to 86400)",
     .help = "longest rate-limit wait to sit out (default 60)"},
    {.name = "verbose", .type = OPT_FLAG, .off = COMMON(verbose),
     .help = "trace GitHub requests on stderr (method, path, status, timing)"},
    {.name = NULL},
};

const struct opt opt_key[] = {
    {.name = "key", .arg = "<file>", .type = OPT_STRING, .off = COMMON(key),
     .flags = OPT_NONEMPTY,
     .help = "the signing key (default: PROMOTE_SIGNING_KEY's content, else\n"
             "$XDG_CONFIG_HOME/promote/key)"},
    {.name = NULL},
};

const struct opt opt_remote[] = {
    {.name = "remote", .arg = "<name>", .type = OPT_STRING, .off = COMMON(remote),
     .flags = OPT_NONEMPTY, .conflicts = "no-remote",
     .help = "share the audit log through this remote (default: origin, if any)"},
    {.name = "no-remote", .type = OPT_FLAG, .off = COMMON(no_remote),
     .help = "keep the audit log local"},
    {.name = NULL},
};

const struct opt opt_wait[] = {
    {.name = "wait", .type = OPT_FLAG, .off = COMMON(wait),
     .help = "follow the triggered deploy (the GitHub deployment's\n"
             "statuses, or the dispatched workflow run) to its end and record\n"
             "the outcome; a failed deploy or a timeout exits 3"},
    {.name = "wait-timeout", .arg = "<s>", .type = OPT_NUMBER, .off = COMMON(wait_timeout),
     .min = 1, .max = 86400, .bad = "--wait-timeout wants seconds (1 to 86400)",
     .needs = "wait", .help = "give up waiting after <s> seconds (default 1800)"},
    {.name = "wait-interval", .arg = "<s>", .type = OPT_NUMBER, .off = COMMON(wait_interval),
     .min = 0.01, .max = 3600, .bad = "--wait-interval wants seconds (0.01 to 3600)",
     .needs = "wait", .help = "poll GitHub every <s> seconds (default 10)"},
    {.name = NULL},
};

const struct opt opt_json[] = {
    {.name = "json", .type = OPT_FLAG, .off = COMMON(json),
     .help = "print the result as one JSON document"},
    {.name = NULL},
};

/* One option as this verb has it: the table's entry with the verb's own words. */
struct opt_eff {
    const struct opt *o;
    const char *help;
    unsigned flags, subs;
};

/* The options of C, in table order; their number. */
static size_t
collect(struct opt_eff *all, const struct cmd *c)
{
    const struct opt_verb *v = c->opts;
    const struct opt_text *t;
    size_t n = 0, i;
    const struct opt *o;

    for (i = 0; v && v->tables[i]; i++)
        for (o = v->tables[i]; o->name; o++, n++) {
            assert(n < OPT_MAX); /* a verb has at most OPT_MAX options */
            if (n == OPT_MAX)
                return n;
            all[n].o = o;
            all[n].help = o->help;
            all[n].flags = o->flags;
            all[n].subs = o->subs;
            for (t = v->texts; t && t->name; t++) {
                if (strcmp(t->name, o->name) != 0)
                    continue;
                all[n].help = t->help ? t->help : all[n].help;
                all[n].flags |= t->flags;
                all[n].subs = t->subs ? t->subs : all[n].subs;
            }
        }
    return n;
}

static int
goes_with(const struct opt_eff *x, int sub)
{
    return sub < 0 || !x->subs || (x->subs & (1u << sub));
}

static size_t
n_subs(const struct cmd *c)
{
    size_t n = 0;

    while (c->opts && c->opts->subs && c->opts->subs[n].name)
        n++;
    return n;
}

static void
print_usage_lines(FILE *f, const struct cmd *c, int sub)
{
    const struct opt_sub *s = c->opts ? c->opts->subs : NULL;
    size_t i, n = n_subs(c);

    if (c->usage || !s) {
        fprintf(f, "usage: %s\n", c->usage ? c->usage : c->name);
        return;
    }
    if (sub >= 0) {
        fprintf(f, "usage: %s\n", s[sub].usage);
        return;
    }
    for (i = 0; i < n; i++)
        fprintf(f, "%s%s\n", i ? "   or: " : "usage: ", s[i].usage);
}

/* "  --name <arg>" and its description from column 22, continued there. */
static void
print_option(FILE *f, const struct opt_eff *x)
{
    const char *h = x->help ? x->help : "", *nl;
    int w;

    w = fprintf(f, "  --%s%s%s", x->o->name, x->o->arg ? " " : "", x->o->arg ? x->o->arg : "");
    if (w >= OPT_COL)
        fprintf(f, "\n%*s", OPT_COL, "");
    else
        fprintf(f, "%*s", OPT_COL - w, "");
    for (;;) {
        nl = strchr(h, '\n');
        if (!nl) {
            fprintf(f, "%s\n", h);
            return;
        }
        fprintf(f, "%.*s\n%*s", (int)(nl - h), h, OPT_COL, "");
        h = nl + 1;
    }
}

void
opt_usage(FILE *f, const struct cmd *c, int sub)
{
    struct opt_eff all[OPT_MAX];
    size_t n = collect(all, c), i, shown = 0;

    print_usage_lines(f, c, sub);
    fprintf(f, "\n  %s\n", c->help);
    for (i = 0; i < n; i++) {
        if ((all[i].flags & OPT_HIDDEN) || !goes_with(&all[i], sub))
            continue;
        if (!shown++)
            fputc('\n', f);
        print_option(f, &all[i]);
    }
    if (c->opts && c->opts->text)
        fprintf(f, "\n%s", c->opts->text);
}

int
opt_usage_error(const struct cmd *c, int sub, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    cmd_fail(EXIT_USAGE, msg);
    opt_usage(stderr, c, sub);
    return -1;
}

int
opt_exit(int rc)
{
    return rc > 0 ? cmd_finish(EXIT_OK) : EXIT_USAGE;
}

/* --completion-helper: the long options of the command on one line, those that take a
 * value with a trailing '=' (as git's), then --help. */
static int
completion_helper(const struct cmd *c, int sub)
{
    struct opt_eff all[OPT_MAX];
    size_t n = collect(all, c), i;

    for (i = 0; i < n; i++)
        if (!(all[i].flags & OPT_HIDDEN) && goes_with(&all[i], sub))
            printf("--%s%s ", all[i].o->name, all[i].o->arg ? "=" : "");
    printf("--help\n");
    return 1;
}

static int
is_help(const char *a)
{
    return strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0;
}

int
opt_sub(int *sub, int argc, char **argv, const struct cmd *c)
{
    const struct opt_sub *s = c->opts->subs;
    char names[128] = "";
    size_t i, n = n_subs(c);

    if (argc >= 2 && is_help(argv[1]))
        return opt_usage(stdout, c, -1), 1;
    if (argc == 2 && strcmp(argv[1], "--completion-helper") == 0) {
        printf("--help\n");
        return 1;
    }
    for (i = 0; argc >= 2 && i < n; i++)
        if (strcmp(argv[1], s[i].name) == 0) {
            *sub = (int)i;
            return 0;
        }
    if (argc >= 2)
        return opt_usage_error(c, -1, "unknown %s command '%.64s'", c->name, argv[1]);
    for (i = 0; i < n; i++)
        snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
                 i ? (i + 1 == n ? " or " : ", ") : "", s[i].name);
    return opt_usage_error(c, -1, "%s wants a command: %s", c->name, names);
}

/* "--key goes with audit push", "--json goes with audit log and audit show" */
static int
wrong_sub(const struct cmd *c, int sub, const struct opt_eff *x)
{
    char with[256] = "";
    size_t i, n = n_subs(c), k = 0, m = 0;

    for (i = 0; i < n; i++)
        m += (x->subs >> i) & 1u;
    for (i = 0; i < n; i++) {
        if (!((x->subs >> i) & 1u))
            continue;
        k++;
        snprintf(with + strlen(with), sizeof(with) - strlen(with), "%s%s %s",
                 k == 1 ? "" : (k == m ? " and " : ", "), c->name, c->opts->subs[i].name);
    }
    return opt_usage_error(c, sub, "--%s goes with %s", x->o->name, with);
}

static int
find(const struct opt_eff *all, size_t n, const char *name)
{
    size_t i;

    for (i = 0; name && i < n; i++)
        if (strcmp(all[i].o->name, name) == 0)
            return (int)i;
    return -1;
}

static int
choice(int *out, const char *choices, const char *v)
{
    const char *p = choices, *bar;
    size_t len = strlen(v);
    int i = 0;

    for (;; i++) {
        bar = strchr(p, '|');
        if ((bar ? (size_t)(bar - p) : strlen(p)) == len && strncmp(p, v, len) == 0) {
            *out = i;
            return 0;
        }
        if (!bar)
            return -1;
        p = bar + 1;
    }
}

/* OPTARG into the value of X inside OUT. */
static int
store(char *out, const struct opt_eff *x, const char *optarg_, const struct cmd *c, int sub)
{
    const struct opt *o = x->o;
    struct opt_list *l;
    double v;

    if ((x->flags & OPT_NONEMPTY) && optarg_ && !*optarg_)
        return opt_usage_error(c, sub, "option '--%s' needs a value", o->name);
    switch (o->type) {
    case OPT_FLAG:
        *(int *)(out + o->off) = 1;
        break;
    case OPT_STRING:
        *(const char **)(out + o->off) = optarg_;
        break;
    case OPT_NUMBER:
        if (cmd_parse_number(&v, optarg_, o->min, o->max) < 0 ||
            ((x->flags & OPT_WHOLE) && v != (double)(long)v))
            return opt_usage_error(c, sub, "%s", o->bad);
        *(double *)(out + o->off) = v;
        break;
    case OPT_LIST:
        l = (struct opt_list *)(out + o->off);
        if (l->n >= (size_t)o->max || l->n >= OPT_LIST_MAX)
            return opt_usage_error(c, sub, "too many --%s options (%g at most)", o->name,
                                   o->max);
        l->v[l->n++] = optarg_;
        break;
    case OPT_CHOICE:
        if (choice((int *)(out + o->off), o->choices, optarg_) < 0)
            return opt_usage_error(c, sub, "%s", o->bad);
        break;
    }
    return 0;
}

/* --a and --b cannot be used together; --a goes with --b */
static int
check_pairs(const struct opt_eff *all, size_t n, const int *seen, const struct cmd *c, int sub)
{
    size_t i;
    int j;

    for (i = 0; i < n; i++) {
        if (!seen[i])
            continue;
        j = find(all, n, all[i].o->conflicts);
        if (j >= 0 && seen[j])
            return opt_usage_error(c, sub, "--%s and --%s cannot be used together",
                                   all[i].o->name, all[j].o->name);
        j = find(all, n, all[i].o->needs);
        if (j >= 0 && !seen[j])
            return opt_usage_error(c, sub, "--%s goes with --%s", all[i].o->name,
                                   all[j].o->name);
    }
    return 0;
}

int
opt_parse(void *out, char ***pos, int *npos, int argc, char **argv, const struct cmd *c,
          int sub)
{
    struct opt_eff all[OPT_MAX];
    struct option lo[OPT_MAX + 2];
    int seen[OPT_MAX] = {0}, ch, i;
    size_t n = collect(all, c), k;

    ((struct cmd_common *)out)->github_max_wait = -1;
    if (argc == 2 && strcmp(argv[1], "--completion-helper") == 0)
        return completion_helper(c, sub);
    for (k = 0; k < n; k++) {
        lo[k].name = all[k].o->name;
        lo[k].has_arg = all[k].o->arg ? required_argument : no_argument;
        lo[k].flag = NULL;
        lo[k].val = 256 + (int)k;
    }
    lo[n] = (struct option){"help", no_argument, NULL, 'h'};
    lo[n + 1] = (struct option){NULL, 0, NULL, 0};
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
        if (ch == 'h')
            return opt_usage(stdout, c, sub), 1;
        if (ch == ':')
            return opt_usage_error(c, sub, "option '%s' needs a value", argv[optind - 1]);
        if (ch == '?')
            return opt_usage_error(c, sub, "unknown option '%s'", argv[optind - 1]);
        i = ch - 256;
        if (!goes_with(&all[i], sub))
            return wrong_sub(c, sub, &all[i]);
        if (all[i].o->type != OPT_LIST && seen[i])
            return opt_usage_error(c, sub, "option '--%s' given twice", all[i].o->name);
        seen[i] = 1;
        if (store(out, &all[i], optarg, c, sub) < 0)
            return -1;
    }
    if (check_pairs(all, n, seen, c, sub) < 0)
        return -1;
    *pos = argv + optind;
    *npos = argc - optind;
    return 0;
}

int
opt_parse_sub(void *out, int *sub, char ***pos, int *npos, int argc, char **argv,
              const struct cmd *c)
{
    int rc = opt_sub(sub, argc, argv, c);

    return rc != 0 ? rc : opt_parse(out, pos, npos, argc - 1, argv + 1, c, *sub);
}
