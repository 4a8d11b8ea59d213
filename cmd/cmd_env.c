/* promote env show|check: the environment matrix of the policy, and the repository
 * checked against it. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "core/out/out.h"
#include "core/out/out_env.h"
#include "core/engine/policy.h"
#include "core/git/repo.h"

enum { E_FORMAT = 1, E_REPO, E_POLICY, E_POLICY_REF, E_HELP };

enum env_format { FORMAT_TABLE, FORMAT_MARKDOWN, FORMAT_JSON };

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
} env_cmds[] = {
    {"show", cmd_env_show},
    {"check", cmd_env_check},
    {NULL, NULL},
};

static int
env_usage_error(const char *msg)
{
    if (msg)
        cmd_fail(EXIT_USAGE, msg);
    cmd_usage(stderr, cmd_find("env"));
    return EXIT_USAGE;
}

int
cmd_env(int argc, char **argv)
{
    char msg[160];
    size_t i;

    if (argc < 2)
        return env_usage_error("env wants a command: show or check");
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        cmd_usage(stdout, cmd_find("env"));
        return cmd_finish(EXIT_OK);
    }
    for (i = 0; env_cmds[i].name; i++)
        if (strcmp(env_cmds[i].name, argv[1]) == 0)
            return env_cmds[i].fn(argc - 1, argv + 1);
    snprintf(msg, sizeof(msg), "unknown env command '%.64s'", argv[1]);
    return env_usage_error(msg);
}

int
cmd_env_show(int argc, char **argv)
{
    static const struct option lo[] = {
        {"format", required_argument, NULL, E_FORMAT},
        {"repo", required_argument, NULL, E_REPO},
        {"policy", required_argument, NULL, E_POLICY},
        {"policy-ref", required_argument, NULL, E_POLICY_REF},
        {"help", no_argument, NULL, E_HELP},
        {NULL, 0, NULL, 0},
    };
    const char *repo_dir = NULL, *pfile = NULL, *pref = NULL, *only = NULL;
    enum env_format format = FORMAT_TABLE;
    int seen[E_HELP + 1] = {0}, ch, code = EXIT_OK;
    struct repo *repo = NULL;
    struct policy *p = NULL;
    struct err e = ERR_INIT;
    json_t *doc = NULL;
    char msg[160];

    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (ch == '?' || ch == ':') {
            snprintf(msg, sizeof(msg), "unknown option or missing value: '%.64s'",
                     argv[optind - 1]);
            return env_usage_error(msg);
        }
        if (ch == 'h' || ch == E_HELP) {
            cmd_usage(stdout, cmd_find("env"));
            return cmd_finish(EXIT_OK);
        }
        if (seen[ch]++) {
            snprintf(msg, sizeof(msg), "option '%.64s' given twice", argv[optind - 1]);
            return env_usage_error(msg);
        }
        switch (ch) {
        case E_FORMAT:
            if (strcmp(optarg, "table") == 0)
                format = FORMAT_TABLE;
            else if (strcmp(optarg, "markdown") == 0)
                format = FORMAT_MARKDOWN;
            else if (strcmp(optarg, "json") == 0)
                format = FORMAT_JSON;
            else
                return env_usage_error("--format wants table, markdown or json");
            break;
        case E_REPO:
            repo_dir = optarg;
            break;
        case E_POLICY:
            pfile = optarg;
            break;
        case E_POLICY_REF:
            pref = optarg;
            break;
        }
    }
    if (pfile && pref)
        return env_usage_error("--policy and --policy-ref cannot be used together");
    if (argc - optind > 1)
        return env_usage_error("too many arguments: env show takes one environment at most");
    only = optind < argc ? argv[optind] : NULL;
    /* a policy file needs no repository; the policy ref is read through it */
    if ((!pfile && repo_open(&repo, repo_dir, &e) < 0) ||
        cmd_load_policy(&p, repo, pfile, pref, &e) < 0)
        goto fail;
    if (only && !policy_env(p, only)) {
        char clean[128];

        out_sanitize(clean, sizeof(clean), only);
        err_set(&e, EXIT_USAGE, "unknown environment '%s' (policy '%s')", clean, p->source);
        goto fail;
    }
    switch (format) {
    case FORMAT_TABLE:
        out_env_text(stdout, p, only);
        break;
    case FORMAT_MARKDOWN:
        out_env_markdown(stdout, p, only);
        break;
    case FORMAT_JSON:
        doc = out_env_json(p, only);
        if (!doc || cmd_print_json(doc) < 0) {
            err_set(&e, EXIT_EVAL, "cannot write the environment matrix");
            goto fail;
        }
        break;
    }
    code = cmd_finish(EXIT_OK);
    goto done;
fail:
    code = cmd_fail(e.code ? e.code : EXIT_EVAL, e.msg);
done:
    json_decref(doc);
    policy_free(p);
    repo_free(repo);
    return code;
}
