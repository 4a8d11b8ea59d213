/* promote replay: what another policy would have decided on the recorded decisions. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "core/ledger/history.h"
#include "core/ledger/ledger.h"
#include "core/out/out.h"
#include "core/engine/policy.h"
#include "core/insight/replay.h"
#include "core/git/repo.h"

struct replay_opts {
    struct cmd_common c;
    const char *env, *since, *until;
};

#define RO(f) offsetof(struct replay_opts, f)

static const struct opt replay_own[] = {
    {.name = "env", .arg = "<env>", .type = OPT_STRING, .off = RO(env), .flags = OPT_NONEMPTY,
     .help = "only decisions into <env>"},
    {.name = "since", .arg = "<time>", .type = OPT_STRING, .off = RO(since),
     .flags = OPT_NONEMPTY, .help = "only decisions at or after <time> (RFC 3339 UTC)"},
    {.name = "until", .arg = "<time>", .type = OPT_STRING, .off = RO(until),
     .flags = OPT_NONEMPTY, .help = "only decisions at or before <time> (RFC 3339 UTC)"},
    {.name = NULL},
};

static const struct opt_text replay_texts[] = {
    {"policy", "the policy to replay against (a local file)", 0, 0},
    {"policy-ref", "... or the policy on this branch (default: main)", 0, 0},
    {"repo", "the git repository (default: the current directory's)", 0, 0},
    {"remote", "fetch the audit log from this remote first (default: origin)", 0, 0},
    {"no-remote", "read this clone's log only", 0, 0},
    {NULL, NULL, 0, 0},
};

static const struct opt *const replay_tables[] = {
    opt_repo_policy, replay_own, opt_json, opt_remote, NULL,
};

const struct opt_verb replay_optv = {
    replay_tables, replay_texts, NULL,
    "  The log is verified with the protected policy's keys first. Each decision is\n"
    "  evaluated again from what it recorded (each gate's evidence) under the other policy;\n"
    "  every decision whose verdict would change is listed with the gates that flip. A gate\n"
    "  whose evidence the record lacks is 'not replayable', never guessed.\n"
    "  Exit: 0 no verdict changes, 1 some would, 2 usage or policy, 3 the log cannot be\n"
    "  read, 4 the log fails to verify.\n"};

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
    const struct cmd *c = cmd_find("replay");
    struct replay_opts o;
    const char *env, *since, *until;
    char **pos;
    int npos, rc, code = EXIT_OK;
    struct cmd_ctx x;
    const struct policy *p = NULL;
    struct policy *prot = NULL;
    struct ledger_keys lk;
    struct ledger_req lr;
    struct ledger led;
    struct replay_req rq;
    struct err e = ERR_INIT;
    json_t *r = NULL;

    memset(&led, 0, sizeof(led));
    memset(&x, 0, sizeof(x));
    memset(&rq, 0, sizeof(rq));
    memset(&o, 0, sizeof(o));
    rc = opt_parse(&o, &pos, &npos, argc, argv, c, -1);
    if (rc != 0)
        return opt_exit(rc);
    if (npos > 0)
        return opt_usage_error(c, -1, "unexpected argument '%s'", pos[0]), EXIT_USAGE;
    env = o.env;
    since = o.since;
    until = o.until;
    if (since && (rq.since = history_parse_time(since)) == (time_t)-1)
        return opt_usage_error(c, -1, "--since wants an RFC 3339 UTC time (2026-11-04T08:00:00Z)"),
               EXIT_USAGE;
    if (until && (rq.until = history_parse_time(until)) == (time_t)-1)
        return opt_usage_error(c, -1, "--until wants an RFC 3339 UTC time (2026-11-04T08:00:00Z)"),
               EXIT_USAGE;
    memset(&lr, 0, sizeof(lr));
    lr.keys = &lk;
    lr.remote = o.c.remote;
    lr.no_remote = o.c.no_remote;
    if (cmd_setup(&x, c, &o.c, &e) < 0)
        goto fail;
    p = x.policy;
    /* the log is verified with the protected policy's keys, never the replayed policy's */
    if (o.c.policy_ref) {
        if (cmd_load_policy(&prot, x.repo, NULL, NULL, &e) < 0 ||
            ledger_keys_for(&lk, x.repo, prot, NULL, &e) < 0)
            goto fail;
    } else if (ledger_keys_for(&lk, x.repo, p, NULL, &e) < 0) {
        goto fail;
    }
    lr.repo = x.repo;
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
    if (o.c.json) {
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
    cmd_ctx_release(&x);
    return code == EXIT_OK || code == EXIT_REJECTED ? cmd_finish(code) : code;
}
