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

const struct cmd cmd_table[] = {
    {"promote", cmd_promote,
     "promote " PROMOTE_USAGE_OPTS "\n"
     "          [--wait [--wait-timeout <s>] [--wait-interval <s>]] <from> <to>",
     "evaluate the promotion of a commit from one environment to the next", &promote_optv,
     NEED_REPO | NEED_POLICY | NEED_GITHUB},
    {"check", cmd_check, "promote check " PROMOTE_USAGE_OPTS " <from> <to>",
     "evaluate only: record nothing, trigger nothing", &check_optv,
     NEED_REPO | NEED_POLICY | NEED_GITHUB},
    {"explain", cmd_explain, "promote explain " PROMOTE_USAGE_OPTS " <from> <to>",
     "evaluate as check does and say what each failing gate needs to pass", &explain_optv,
     NEED_REPO | NEED_POLICY | NEED_GITHUB},
    {"replay", cmd_replay,
     "promote replay [--policy <file> | --policy-ref <ref>] [--env <env>] [--since <time>]\n"
     "          [--until <time>] [--json] [--repo <dir>] [--remote <name> | --no-remote]",
     "re-evaluate recorded decisions against another policy, offline", &replay_optv,
     NEED_REPO | NEED_POLICY},
    {"inspect", cmd_inspect, "promote inspect <file> [--json]",
     "show what promote reads from one evidence file", &inspect_optv, 0},
    {"audit", cmd_audit, NULL, "query, verify, push and move the signed audit log", &audit_optv, 0},
    {"keys", cmd_keys, NULL, "create the signing key, show it, export its public key",
     &keys_optv, 0},
    {"record", cmd_record, NULL, "record a deployment outcome or a DR test in the audit log",
     &record_optv, NEED_REPO | NEED_POLICY | NEED_GITHUB},
    {"hold", cmd_hold,
     "promote hold <env> --reason <text> [--key <file>] [--repo <dir>] [--policy-ref <ref>]\n"
     "          [--remote <name> | --no-remote] [--json]",
     "stop promotions into an environment (incident, freeze)", &hold_optv,
     NEED_REPO | NEED_POLICY | NEED_GITHUB},
    {"unhold", cmd_unhold,
     "promote unhold <env> --reason <text> [--key <file>] [--repo <dir>] [--policy-ref <ref>]\n"
     "          [--remote <name> | --no-remote] [--json]",
     "lift a hold or a rollback's hold", &hold_optv, NEED_REPO | NEED_POLICY | NEED_GITHUB},
    {"rollback", cmd_rollback,
     "promote rollback <env> [--to <seq>|<tag>] --reason <text> [--json]\n"
     "          [--repo <dir>] [--policy-ref <ref>] [--key <file>]\n"
     "          [--remote <name> | --no-remote] [--github-api <url>] [--github-repo <owner/name>]\n"
     "          [--github-timeout <s>] [--github-max-wait <s>] [--verbose]\n"
     "          [--wait [--wait-timeout <s>] [--wait-interval <s>]]",
     "redeploy the last good state of an environment and put it on hold", &rollback_optv,
     NEED_REPO | NEED_POLICY | NEED_GITHUB},
    {"status", cmd_status,
     "promote status [<env>] [--json] [--repo <dir>] [--policy <file> | --policy-ref <ref>]\n"
     "          [--remote <name> | --no-remote]",
     "what is deployed in each environment, since when, and what waits", &status_optv,
     NEED_REPO | NEED_POLICY | NEED_GITHUB},
    {"report", cmd_report,
     "promote report [--env <env>] [--since <time>] [--until <time>]\n"
     "          [--format text|markdown|json|html] [--out <file>] [--repo <dir>]...",
     "delivery metrics (DORA's four keys), flow and change-control evidence from the log",
     &report_optv, 0},
    {"env", cmd_env, NULL,
     "show the environment matrix of the policy; check the repository against it", &env_optv, 0},
    {"help", cmd_help, "promote help [<command>]", "show help for promote or one command",
     &help_optv, 0},
    {NULL, NULL, NULL, NULL, NULL, 0},
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
