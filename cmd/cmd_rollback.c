/* promote rollback <env>: redeploy the last good state, record it, hold the environment. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "core/ledger/history.h"
#include "core/ledger/keys.h"
#include "core/out/out_release.h"
#include "core/ledger/record.h"
#include "core/release/release.h"

struct rollback_opts {
    struct cmd_common c;
    const char *env, *to, *reason;
};

static const struct opt rollback_own[] = {
    {.name = "to", .arg = "<seq>|<tag>", .type = OPT_STRING,
     .off = offsetof(struct rollback_opts, to), .flags = OPT_NONEMPTY,
     .help = "the state to return to: an audit entry (a deployment to, or an\n"
             "approved decision into, <env>) or a tag; default: the most recent\n"
             "earlier deployment recorded as successful whose commit has an\n"
             "approved decision into <env> and was not rolled back from"},
    {.name = "reason", .arg = "<text>", .type = OPT_STRING,
     .off = offsetof(struct rollback_opts, reason), .flags = OPT_NONEMPTY,
     .help = "why (recorded in the signed rollback entry)"},
    {.name = NULL},
};

static const struct opt_text rollback_texts[] = {
    {"policy", NULL, OPT_HIDDEN, 0}, /* refused: what is recorded uses the protected policy */
    {"wait", "follow the triggered deploy to its end and record the outcome", 0, 0},
    {"wait-timeout", "give up waiting after <s> seconds (default 1800; exit 3)", 0, 0},
    {"json", "print the result as one JSON object", 0, 0},
    {NULL, NULL, 0, 0},
};

static const struct opt *const rollback_tables[] = {
    rollback_own, opt_wait, opt_json, opt_repo_policy, opt_key, opt_remote, opt_github, NULL,
};

const struct opt_verb rollback_optv = {
    rollback_tables, rollback_texts, NULL,
    "  The actor (the token's owner, or the Actions run's triggering actor) must belong to\n"
    "  one of the roles the policy names in the environment's \"rollback\": {\"roles\": [...]}.\n"
    "  The rollback is recorded before the deploy is triggered, and holds <env>: promotions\n"
    "  into it are refused until 'promote unhold <env> --reason <text>'.\n"
    "  Exit: 0 done, 1 not allowed or nothing good to return to, 2 usage or policy,\n"
    "  3 could not complete (GitHub, the log, the deploy), 4 the audit log fails to verify.\n"};

/* 0 parsed, 1 help printed, -1 usage error (printed). */
static int
parse(struct rollback_opts *o, int argc, char **argv, const struct cmd *c)
{
    char **pos;
    int npos, rc;

    rc = opt_parse(o, &pos, &npos, argc, argv, c, -1);
    if (rc != 0)
        return rc;
    if (npos != 1)
        return opt_usage_error(c, -1, "expected one environment");
    o->env = pos[0];
    if (!o->reason)
        return opt_usage_error(c, -1, "a rollback needs --reason <text>");
    return 0;
}

int
cmd_rollback(int argc, char **argv)
{
    const struct cmd *c = cmd_find("rollback");
    struct rollback_opts o;
    struct cmd_ctx x;
    const struct policy_env *env;
    struct record_req rq;
    struct release_req rr;
    struct release_result res;
    struct loghome home;
    struct rollback_to to;
    struct err e = ERR_INIT;
    char to_commit[41], why[512];
    json_t *history = NULL, *doc;
    /* the entries a rollback reads: every good state of the environment */
    struct history_focus focus = {.rollback_env = NULL};
    uint64_t base = 0;
    int rc, code;

    memset(&o, 0, sizeof(o));
    memset(&x, 0, sizeof(x));
    memset(&rq, 0, sizeof(rq));
    memset(&rr, 0, sizeof(rr));
    memset(&res, 0, sizeof(res));
    memset(&home, 0, sizeof(home));
    rc = parse(&o, argc, argv, c);
    if (rc != 0)
        return opt_exit(rc);
    if (o.c.policy)
        return cmd_refuse_local_policy(o.c.policy, "rollback");
    if (cmd_setup(&x, c, &o.c, &e) < 0 || rollback_env(&env, x.policy, o.env, &e) < 0 ||
        rollback_to_parse(&to, to_commit, x.repo, o.to, &e) < 0)
        goto fail;
    if (cmd_setup_record(&rq, &x, &o.c, "no usable signing key", &e) < 0)
        goto fail;
    rq.home = &home;
    focus.commits[0] = to.commit;
    focus.rollback_env = o.env;
    rq.focus = &focus;
    rr.rq = &rq;
    rr.gh = &x.ghc;
    rr.wait = o.c.wait;
    rr.wait_timeout = o.c.wait_timeout;
    rr.wait_interval = o.c.wait_interval;
    /* the log is fetched and its every signature and link verified before it is read */
    if (record_prepare(&rq, &base, &history, &e) < 0 ||
        release_rollback(&res, &rr, env, o.reason, &to, history, &x.actor, &e) < 0)
        goto fail;
    if (o.c.json) {
        doc = out_rollback_json(&res, o.reason);
        rc = cmd_print_json(doc);
        json_decref(doc);
        if (rc < 0) {
            err_set(&e, EXIT_EVAL, "cannot write the result");
            goto fail;
        }
    } else {
        out_rollback_text(stdout, &res, x.policy->audit_ref);
    }
    code = release_exit_code(&res, EXIT_OK, why, sizeof(why));
    code = code == EXIT_OK ? cmd_finish(code) : cmd_fail(code, why);
    goto done;
fail:
    code = cmd_fail(e.code ? e.code : EXIT_EVAL, e.msg);
done:
    json_decref(history);
    cmd_ctx_release(&x);
    return code;
}
