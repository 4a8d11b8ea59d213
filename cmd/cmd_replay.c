/* promote replay: what another policy would have decided on the recorded decisions. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "core/ledger/history.h"
#include "core/ledger/ledger.h"
#include "core/out/out.h"
#include "core/engine/policy.h"
#include "core/insight/replay.h"
#include "core/git/repo.h"

static int
bad_usage(const char *msg)
{
    if (msg)
        cmd_fail(EXIT_USAGE, msg);
    cmd_usage(stderr, cmd_find("replay"));
    return EXIT_USAGE;
}

static void
print_text(const json_t *r, const struct policy *p)
{
    const json_t *changed = json_object_get(r, "changed"), *nr = json_object_get(r, "not_replayable");
    char clean[600];
    size_t i, j;

    out_sanitize(clean, sizeof(clean), p->source);
    printf("replayed %lld decision(s) against %s (sha256 %.12s)\n",
           (long long)json_integer_value(json_object_get(r, "decisions")), clean, p->sha256_hex);
    for (i = 0; i < json_array_size(changed); i++) {
        const json_t *x = json_array_get(changed, i), *gates = json_object_get(x, "gates");

        printf("seq %lld %s %s -> %s %.12s: %s -> %s\n",
               (long long)json_integer_value(json_object_get(x, "seq")),
               json_string_value(json_object_get(x, "time")),
               json_string_value(json_object_get(x, "from")),
               json_string_value(json_object_get(x, "to")),
               json_string_value(json_object_get(x, "commit")),
               json_string_value(json_object_get(x, "verdict_was")),
               json_string_value(json_object_get(x, "verdict_now")));
        for (j = 0; j < json_array_size(gates); j++) {
            const json_t *g = json_array_get(gates, j);
            const char *was = json_string_value(json_object_get(g, "was"));

            out_sanitize(clean, sizeof(clean), json_string_value(json_object_get(g, "summary")));
            printf("  %s: %s -> %s: %s\n", json_string_value(json_object_get(g, "name")),
                   was ? was : "absent", json_string_value(json_object_get(g, "now")), clean);
        }
    }
    for (i = 0; i < json_array_size(nr); i++) {
        const json_t *x = json_array_get(nr, i), *gates = json_object_get(x, "gates");

        printf("seq %lld %s %s -> %s %.12s: not replayable",
               (long long)json_integer_value(json_object_get(x, "seq")),
               json_string_value(json_object_get(x, "time")) ? json_string_value(json_object_get(x, "time")) : "?",
               json_string_value(json_object_get(x, "from")) ? json_string_value(json_object_get(x, "from")) : "?",
               json_string_value(json_object_get(x, "to")) ? json_string_value(json_object_get(x, "to")) : "?",
               json_string_value(json_object_get(x, "commit")) ? json_string_value(json_object_get(x, "commit")) : "?");
        if (json_is_string(json_object_get(x, "reason")))
            printf(": %s", json_string_value(json_object_get(x, "reason")));
        printf("\n");
        for (j = 0; j < json_array_size(gates); j++) {
            const json_t *g = json_array_get(gates, j);

            printf("  %s: %s\n", json_string_value(json_object_get(g, "name")),
                   json_string_value(json_object_get(g, "reason")));
        }
    }
    printf("%zu verdict(s) would change, %zu decision(s) not replayable, %lld unchanged, %lld "
           "refused by a hold\n",
           json_array_size(changed), json_array_size(nr),
           (long long)json_integer_value(json_object_get(r, "unchanged")),
           (long long)json_integer_value(json_object_get(r, "held")));
}

int
cmd_replay(int argc, char **argv)
{
    const char *repo_dir = NULL, *pfile = NULL, *pref = NULL, *remote = NULL, *env = NULL;
    const char *since = NULL, *until = NULL;
    int json = 0, no_remote = 0, i, code = EXIT_OK;
    struct repo *repo = NULL;
    struct policy *p = NULL, *prot = NULL;
    struct ledger_keys lk;
    struct ledger_req lr;
    struct ledger led;
    struct replay_req rq;
    struct err e = ERR_INIT;
    json_t *r = NULL;

    memset(&led, 0, sizeof(led));
    memset(&rq, 0, sizeof(rq));
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;

        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            cmd_usage(stdout, cmd_find("replay"));
            return cmd_finish(EXIT_OK);
        } else if (strcmp(a, "--json") == 0) {
            json = 1;
            continue;
        } else if (strcmp(a, "--no-remote") == 0) {
            no_remote = 1;
            continue;
        } else if (strcmp(a, "--repo") == 0) {
            slot = &repo_dir;
        } else if (strcmp(a, "--policy") == 0) {
            slot = &pfile;
        } else if (strcmp(a, "--policy-ref") == 0) {
            slot = &pref;
        } else if (strcmp(a, "--remote") == 0) {
            slot = &remote;
        } else if (strcmp(a, "--env") == 0) {
            slot = &env;
        } else if (strcmp(a, "--since") == 0) {
            slot = &since;
        } else if (strcmp(a, "--until") == 0) {
            slot = &until;
        } else {
            return bad_usage(a[0] == '-' ? "unknown option" : "unexpected argument");
        }
        if (i + 1 >= argc || *slot)
            return bad_usage(*slot ? "option given twice" : "option wants a value");
        *slot = argv[++i];
    }
    if (pfile && pref)
        return bad_usage("--policy and --policy-ref cannot be used together");
    if (remote && no_remote)
        return bad_usage("--remote and --no-remote cannot be used together");
    if (since && (rq.since = history_parse_time(since)) == (time_t)-1)
        return bad_usage("--since wants an RFC 3339 UTC time (2026-11-04T08:00:00Z)");
    if (until && (rq.until = history_parse_time(until)) == (time_t)-1)
        return bad_usage("--until wants an RFC 3339 UTC time (2026-11-04T08:00:00Z)");
    memset(&lr, 0, sizeof(lr));
    lr.keys = &lk;
    lr.remote = remote;
    lr.no_remote = no_remote;
    if (cmd_repo_open(&repo, repo_dir, NULL, &e) < 0 ||
        cmd_load_policy(&p, repo, pfile, pref, &e) < 0)
        goto fail;
    /* the log is verified with the protected policy's keys, never the replayed policy's */
    if (pref) {
        if (cmd_load_policy(&prot, repo, NULL, NULL, &e) < 0 ||
            ledger_keys_for(&lk, repo, prot, NULL, &e) < 0)
            goto fail;
    } else if (ledger_keys_for(&lk, repo, p, NULL, &e) < 0) {
        goto fail;
    }
    lr.repo = repo;
    lr.whole = 1; /* every decision is replayed from its own entry */
    if (ledger_open(&led, &lr, &e) < 0)
        goto fail;
    if (env && !policy_env(p, env)) {
        err_set(&e, EXIT_USAGE, "unknown environment '%s'", env);
        goto fail;
    }
    rq.policy = p;
    rq.log = &led.log;
    rq.env = env;
    if (replay_run(&r, &rq, &e) < 0)
        goto fail;
    if (json) {
        json_t *doc = json_pack("{s:i, s:{s:s, s:s, s:b}, s:{s:I, s:s}, s:s?, s:s?, s:s?, s:O, "
                                "s:O, s:O, s:O, s:O}",
                                "schema_version", OUT_SCHEMA_VERSION, "policy", "source",
                                p->source, "sha256", p->sha256_hex, "local_override",
                                p->local_override, "audit_log", "entries",
                                (json_int_t)led.v.size, "keys_from", lk.source, "env",
                                env, "since", since, "until",
                                until, "decisions", json_object_get(r, "decisions"), "unchanged",
                                json_object_get(r, "unchanged"), "held",
                                json_object_get(r, "held"), "changed",
                                json_object_get(r, "changed"), "not_replayable",
                                json_object_get(r, "not_replayable"));

        if (!doc || cmd_print_json(doc) < 0) {
            json_decref(doc);
            err_set(&e, EXIT_EVAL, "cannot write the result");
            goto fail;
        }
        json_decref(doc);
    } else {
        print_text(r, p);
    }
    code = json_array_size(json_object_get(r, "changed")) ? EXIT_REJECTED : EXIT_OK;
    goto done;
fail:
    code = cmd_fail(e.code ? e.code : EXIT_EVAL, e.msg);
done:
    json_decref(r);
    ledger_release(&led);
    policy_free(prot);
    policy_free(p);
    repo_free(repo);
    return code == EXIT_OK || code == EXIT_REJECTED ? cmd_finish(code) : code;
}
