/* promote: decide whether one commit may move to the next environment. */
#include <git2.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cmd.h"
#include "core/github/curlso.h"
#include "core/base/err.h"
#include "core/out/out.h"
#include "core/base/sig.h"

#define PROMOTE_USAGE_OPTS                                                                         \
    "[--repo <dir>] [--policy <file> | --policy-ref <ref>] [--commit <rev>]\n"                     \
    "          [--evidence <gate>=<path>]... [--json] [--verbose]\n"                               \
    "          [--github-api <url>] [--github-repo <owner/name>] [--github-timeout <s>]\n"        \
    "          [--github-max-wait <s>] [--release-pr <n>] [--release-version <v>]\n"               \
    "          [--key <file>] [--remote <name> | --no-remote] [--break-glass --reason <text>]"

#define PROMOTE_OPTIONS                                                                            \
    "  --repo <dir>        the git repository (default: the one containing the current directory)\n" \
    "  --policy <file>     check only: read the policy from a local file instead of the policy\n"  \
    "                      ref; promote refuses it (exit 2): what is recorded is evaluated\n"    \
    "                      under the policy ref's policy and trusts only its keys\n"              \
    "  --policy-ref <ref>  the branch holding .promote/policy.json (default: main, as\n"            \
    "                      refs/remotes/origin/main when it exists, else the local branch)\n"       \
    "  --commit <rev>      the commit to promote (default: the tip of <from>'s branch)\n"           \
    "  --evidence <gate>=<path>\n"                                                                 \
    "                      read <gate>'s evidence from <path> (relative to the current directory)\n" \
    "  --json              print the decision as one JSON object\n"                                \
    "  --verbose           trace GitHub requests on stderr (method, path, status, timing)\n"       \
    "  --github-api <url>  the GitHub API (default: GITHUB_API_URL, else https://api.github.com)\n" \
    "  --github-repo <owner/name>\n"                                                               \
    "                      the repository on GitHub (default: GITHUB_REPOSITORY, else the\n"       \
    "                      'origin' remote); the token comes from GITHUB_TOKEN, else GH_TOKEN\n"   \
    "  --github-timeout <s>  per-request timeout (default 30)\n"                                   \
    "  --github-max-wait <s> longest rate-limit wait to sit out (default 60)\n"                    \
    "  --release-pr <n>    the release pull request whose approvals also count for roles\n"        \
    "  --release-version <v>  the release version (default: the policy's version_file)\n"    \
    "  --key <file>        the signing key (default: PROMOTE_SIGNING_KEY's content, else\n"       \
    "                      $XDG_CONFIG_HOME/promote/key); promote records, check does not\n"     \
    "  --remote <name>     share the audit log through this remote (default: origin, if any)\n" \
    "  --no-remote         keep the audit log local\n"                                         \
    "  --break-glass --reason <text>\n"                                                            \
    "                      pass a closed deploy window, if the actor holds the break-glass role\n"

#define PROMOTE_WAIT_OPTIONS                                                                       \
    "  --wait              follow the triggered deploy (the GitHub deployment's\n"     \
    "                      statuses, or the dispatched workflow run) to its end and record\n"   \
    "                      the outcome; a failed deploy or a timeout exits 3\n"                  \
    "  --wait-timeout <s>  give up waiting after <s> seconds (default 1800)\n"                  \
    "  --wait-interval <s> poll GitHub every <s> seconds (default 10)\n"

const struct cmd cmd_table[] = {
    {"promote", cmd_promote,
     "promote " PROMOTE_USAGE_OPTS "\n"
     "          [--wait [--wait-timeout <s>] [--wait-interval <s>]] <from> <to>",
     "evaluate the promotion of a commit from one environment to the next",
     PROMOTE_OPTIONS PROMOTE_WAIT_OPTIONS},
    {"check", cmd_check, "promote check " PROMOTE_USAGE_OPTS " <from> <to>",
     "evaluate only: record nothing, trigger nothing", PROMOTE_OPTIONS},
    {"explain", cmd_explain, "promote explain " PROMOTE_USAGE_OPTS " <from> <to>",
     "evaluate as check does and say what each failing gate needs to pass",
     PROMOTE_OPTIONS
     "\n"
     "  For every gate that does not pass, the remedy the gate computes: lines to cover,\n"
     "  failing tests and findings, approvals missing per role and who could give them\n"
     "  (team members other than the author and the promoter), checks with their URLs, the\n"
     "  release notes missing, when a soak completes, the next deploy window and whether\n"
     "  break-glass is allowed, a hold and how to lift it. Records and triggers nothing.\n"
     "  Exit: 0 approved, 1 rejected, 2 usage or policy, 3 could not evaluate, 4 tamper.\n"},
    {"replay", cmd_replay,
     "promote replay [--policy <file> | --policy-ref <ref>] [--env <env>] [--since <time>]\n"
     "          [--until <time>] [--json] [--repo <dir>] [--remote <name> | --no-remote]",
     "re-evaluate recorded decisions against another policy, offline",
     "  --policy <file>     the policy to replay against (a local file)\n"
     "  --policy-ref <ref>  ... or the policy on this branch (default: main)\n"
     "  --env <env>         only decisions into <env>\n"
     "  --since <time>      only decisions at or after <time> (RFC 3339 UTC)\n"
     "  --until <time>      only decisions at or before <time> (RFC 3339 UTC)\n"
     "  --json              print the result as one JSON document\n"
     "  --repo <dir>        the git repository (default: the current directory's)\n"
     "  --remote <name>     fetch the audit log from this remote first (default: origin)\n"
     "  --no-remote         read this clone's log only\n"
     "\n"
     "  The log is verified with the protected policy's keys first. Each decision is\n"
     "  evaluated again from what it recorded (each gate's evidence) under the other policy;\n"
     "  every decision whose verdict would change is listed with the gates that flip. A gate\n"
     "  whose evidence the record lacks is 'not replayable', never guessed.\n"
     "  Exit: 0 no verdict changes, 1 some would, 2 usage or policy, 3 the log cannot be\n"
     "  read, 4 the log fails to verify.\n"},
    {"inspect", cmd_inspect, "promote inspect <file> [--json]",
     "show what promote reads from one evidence file",
     "  --json              print {file, kind, format, details} as JSON\n"},
    {"audit", cmd_audit,
     "promote audit log|show|verify|export|push|migrate [<options>]",
     "query, verify, push and move the signed audit log", NULL},
    {"keys", cmd_keys,
     "promote keys generate [--out <file>] [--unencrypted]\n"
     "   or: promote keys show [--json] <file>\n"
     "   or: promote keys export --pem <file>",
     "create the signing key, show it, export its public key",
     "  --out <file>        generate: write the secret key to <file> (0600) and the public\n"
     "                      key to <file>.pub (default: $XDG_CONFIG_HOME/promote/key, else\n"
     "                      ~/.config/promote/key); an existing file is never overwritten\n"
     "  --unencrypted       generate: store the secret key without a passphrase, for a key\n"
     "                      that lives in a CI secret store\n"
     "  --json              show: print {schema_version, id, public_key, algorithm}\n"
     "  --pem               export: print the public key as PEM (SubjectPublicKeyInfo)\n"
     "\n"
     "  <file> may be the secret key file or its .pub file. The passphrase comes from\n"
     "  PROMOTE_KEY_PASSPHRASE, else it is asked on the terminal; never from arguments.\n"
     "  promote signs with --key <file>, else the content of PROMOTE_SIGNING_KEY, else\n"
     "  the default file. A key that cannot be used exits 2.\n"},
    {"record", cmd_record, "promote record deployed|dr-test [<options>]",
     "record a deployment outcome or a DR test in the audit log", NULL},
    {"hold", cmd_hold, "promote hold <env> --reason <text>",
     "stop promotions into an environment (incident, freeze)", NULL},
    {"unhold", cmd_unhold, "promote unhold <env> --reason <text>",
     "lift a hold or a rollback's hold", NULL},
    {"rollback", cmd_rollback,
     "promote rollback <env> [--to <seq>|<tag>] --reason <text> [--json]\n"
     "          [--repo <dir>] [--policy-ref <ref>] [--key <file>]\n"
     "          [--remote <name> | --no-remote] [--github-api <url>] [--github-repo <owner/name>]\n"
     "          [--github-timeout <s>] [--verbose] [--wait [--wait-timeout <s>] [--wait-interval <s>]]",
     "redeploy the last good state of an environment and put it on hold",
     "  --to <seq>|<tag>    the state to return to: an audit entry (a deployment to, or an\n"
     "                      approved decision into, <env>) or a tag; default: the most recent\n"
     "                      earlier deployment recorded as successful whose commit has an\n"
     "                      approved decision into <env> and was not rolled back from\n"
     "  --reason <text>     why (recorded in the signed rollback entry)\n"
     "  --wait              follow the triggered deploy to its end and record the outcome\n"
     "  --wait-timeout <s>  give up waiting after <s> seconds (default 1800; exit 3)\n"
     "  --wait-interval <s> poll GitHub every <s> seconds (default 10)\n"
     "  --json              print the result as one JSON object\n"
     "\n"
     "  The actor (the token's owner, or the Actions run's triggering actor) must belong to\n"
     "  one of the roles the policy names in the environment's \"rollback\": {\"roles\": [...]}.\n"
     "  The rollback is recorded before the deploy is triggered, and holds <env>: promotions\n"
     "  into it are refused until 'promote unhold <env> --reason <text>'.\n"
     "  Exit: 0 done, 1 not allowed or nothing good to return to, 2 usage or policy,\n"
     "  3 could not complete (GitHub, the log, the deploy), 4 the audit log fails to verify.\n"},
    {"status", cmd_status, "promote status [<env>] [--json]",
     "what is deployed in each environment, since when, and what waits",
     "  For each environment a promotion leads into: the next candidate commit and what it\n"
     "  waits on (\"waiting on: ops-lead approval; window opens ...\"), as promote explain\n"
     "  computes it; GitHub settings as for promote check (GITHUB_API_URL, GITHUB_REPOSITORY,\n"
     "  GITHUB_TOKEN).\n"},
    {"report", cmd_report,
     "promote report [--env <env>] [--since <time>] [--until <time>]\n"
     "          [--format text|markdown|json|html] [--out <file>] [--repo <dir>]...",
     "delivery metrics (DORA's four keys), flow and change-control evidence from the log",
     "  --env <env>         the environment reported on (default: prod)\n"
     "  --since <time>      the window's start: 2026-09-01 or 2026-09-01T00:00:00Z\n"
     "                      (default: 90 days before --until)\n"
     "  --until <time>      the window's end, exclusive; a date counts whole (default: now)\n"
     "  --format <f>        text (default; colour on a terminal unless NO_COLOR is set),\n"
     "                      markdown, json (docs/json-output.md) or html (one self-contained\n"
     "                      file with inline SVG charts)\n"
     "  --out <file>        write the report to <file> (atomically) instead of stdout\n"
     "  --repo <dir>        a repository whose log is read; give it more than once to combine\n"
     "                      several logs (each verified on its own) into one view\n"
     "\n"
     "  Each clone's log is read as it is (nothing is fetched: 'promote audit verify' brings\n"
     "  it up to date) and verified, with the trusted keys of the policy on main, before a\n"
     "  single entry is read; the report names the checkpoint it was computed from and the\n"
     "  'promote audit verify --expect' command that checks it. Lead time reads commit\n"
     "  times from git. Bands: Accelerate State of DevOps Report 2023 (docs/report.md).\n"
     "  Exit: 0 done, 2 usage or policy, 3 the log or a file cannot be read or written,\n"
     "  4 the audit log does not verify.\n"},
    {"env", cmd_env,
     "promote env show [<env>] [--format table|markdown|json]\n"
     "   or: promote env check [--terraform <dir>] [--workflows <dir>] [--json]\n"
     "                         [--commit <rev> | --worktree]",
     "show the environment matrix of the policy; check the repository against it",
     "  --format <f>        show: table (default: attributes as rows, environments as\n"
     "                      columns), markdown (a document for a wiki) or json\n"
     "  --terraform <dir>   check: the Terraform directory, <dir>/<env>/<env>.tfvars per\n"
     "                      environment (default: terraform, relative to the repository root)\n"
     "  --workflows <dir>   check: the GitHub Actions workflows (default: .github/workflows)\n"
     "  --commit <rev>      check: the tree of this commit, read through git (default: HEAD)\n"
     "  --worktree          check: the files of the work tree instead\n"
     "  --json              check: print the violations as one JSON document\n"
     "  --repo <dir>        the git repository (default: the current directory's)\n"
     "  --policy <file>     read the policy from a local file instead of the policy ref\n"
     "  --policy-ref <ref>  the branch holding .promote/policy.json (default: main)\n"
     "\n"
     "  <env> shows one environment; an unknown one exits 2. check exits 0 clean,\n"
     "  1 violations, 2 usage or policy error, 3 cannot read (docs/env-check.md).\n"},
    {"help", cmd_help, "promote help [<command>]", "show help for promote or one command", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

const struct cmd *
cmd_find(const char *name)
{
    const struct cmd *c;

    for (c = cmd_table; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

void
cmd_usage(FILE *f, const struct cmd *c)
{
    fprintf(f, "usage: %s\n\n  %s\n", c->usage, c->help);
    if (c->options)
        fprintf(f, "\n%s", c->options);
}

/* --json: stdout holds exactly one JSON document, whatever the outcome. */
static struct {
    int on;           /* the arguments hold --json */
    int printed;      /* the document is out */
    const char *verb; /* the command, for an error document */
} json_out;

int
cmd_print_json(const json_t *doc)
{
    json_out.printed = 1;
    return doc ? out_json(stdout, doc) : -1;
}

int
cmd_print_json_line(const json_t *rec)
{
    json_out.printed = 1;
    if (!rec || json_dumpf(rec, stdout, JSON_COMPACT | JSON_SORT_KEYS) < 0)
        return -1;
    return fputc('\n', stdout) == EOF ? -1 : 0;
}

static const char *
exit_kind(int code)
{
    switch (code) {
    case EXIT_REJECTED: return "denied";
    case EXIT_USAGE: return "usage";
    case EXIT_TAMPER: return "tamper";
    default: return "error";
    }
}

/* The document of a command that ended before printing its own (docs/json-output.md). */
static void
print_error_json(int code, const char *msg)
{
    json_t *doc;

    if (!json_out.on || json_out.printed)
        return;
    doc = json_pack("{s:i, s:s, s:{s:i, s:s, s:s}}", "schema_version", OUT_SCHEMA_VERSION,
                    "command", json_out.verb ? json_out.verb : "promote", "error", "exit_code",
                    code, "kind", exit_kind(code), "message", msg);
    cmd_print_json(doc);
    json_decref(doc);
}

int
cmd_failf(int code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    int signo = sig_pending();

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* a failure after SIGINT or SIGTERM is the interrupt's (a wait cut short): say so */
    if (signo && !strstr(msg, "interrupted by")) {
        code = code < EXIT_EVAL ? EXIT_EVAL : code;
        fprintf(stderr, "promote: interrupted by %s: %s\n", sig_name(signo), msg);
    } else {
        code = signo && code < EXIT_EVAL ? EXIT_EVAL : code;
        fprintf(stderr, "promote: %s\n", msg);
    }
    print_error_json(code, msg);
    return code;
}

int
cmd_fail(int code, const char *msg)
{
    return cmd_failf(code, "%s", msg);
}

int
cmd_finish(int code)
{
    if (fflush(stdout) != 0 || ferror(stdout))
        return cmd_fail(EXIT_EVAL, "cannot write to standard output");
    return code;
}

int
cmd_color(void)
{
    const char *nc = getenv("NO_COLOR");

    return isatty(STDOUT_FILENO) && !(nc && *nc);
}

int
promote_main(int argc, char **argv)
{
    const struct rlimit nocore = {0, 0};
    const struct cmd *c;
    int code, i;

    setrlimit(RLIMIT_CORE, &nocore); /* nothing secret may end up in a core dump */
    if (argc >= 2 && strcmp(argv[1], "--version") == 0)
        return cmd_version(argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
        return cmd_help(1, argv + 1);
    if (argc < 2)
        return cmd_help(-1, argv);
    if (sodium_init() < 0)
        return cmd_fail(EXIT_EVAL, "cannot initialise libsodium");
    if (sig_install() < 0)
        return cmd_fail(EXIT_EVAL, "cannot install the signal handlers");
    git_libgit2_init();
    /* reading a long audit log once must not keep it: libgit2 caches up to 256 MiB of
     * objects and maps pack files in windows of 1 GiB by default */
    git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, (ssize_t)(16 * 1024 * 1024));
    git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, (size_t)(8 * 1024 * 1024));
    git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, (size_t)(32 * 1024 * 1024));
    c = cmd_find(argv[1]);
    json_out.verb = c ? c->name : "promote";
    for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--json") == 0)
            json_out.on = 1;
    if (c && strcmp(c->name, "promote") != 0)
        code = c->fn(argc - 1, argv + 1);
    else
        code = cmd_promote(argc, argv);
    /* a signal during the last step that could not be cut short (an append): the
     * command did its work, but was asked to stop; never report that as success */
    if (sig_pending() && code < EXIT_EVAL) {
        fprintf(stderr, "promote: interrupted by %s (after its last step completed)\n",
                sig_name(sig_pending()));
        code = EXIT_EVAL;
    }
    if (code != EXIT_OK)
        print_error_json(code, "see standard error");
    git_libgit2_shutdown();
    curlso_release();
    return code;
}
