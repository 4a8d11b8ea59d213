/* promote status [ENV] [--json]: what is deployed where, and what waits. */
#include <stddef.h>
#include <string.h>

#include "cmd.h"
#include "core/ledger/audit.h"
#include "core/base/clock.h"
#include "core/engine/engine.h"
#include "core/insight/explain.h"
#include "core/ledger/history.h"
#include "core/ledger/ledger.h"
#include "core/out/out.h"
#include "core/engine/policy.h"
#include "core/git/repo.h"

struct status_opts {
    struct cmd_common c;
};

static const struct opt_text status_texts[] = {
    {"json", "print every environment as one JSON document", 0, 0},
    {"remote", "fetch the audit log from this remote first (default: origin)", 0, 0},
    {"no-remote", "read this clone's log only", 0, 0},
    {NULL, NULL, 0, 0},
};

static const struct opt *const status_tables[] = {opt_json, opt_repo_policy, opt_remote, NULL};

const struct opt_verb status_optv = {
    status_tables, status_texts, NULL,
    "  For each environment a promotion leads into: the next candidate commit and what it\n"
    "  waits on (\"waiting on: ops-lead approval; window opens ...\"), as promote explain\n"
    "  computes it; GitHub settings as for promote check (GITHUB_API_URL, GITHUB_REPOSITORY,\n"
    "  GITHUB_TOKEN).\n"};

/* The next candidate into TO and what it waits on, as promote explain computes it:
 * {"from", "commit", "verdict", "waiting_on"}, or null when nothing promotes into TO or
 * the candidate is what TO runs already. */
static json_t *
next_candidate(const struct cmd_ctx *x, const char *to, const json_t *h, const char *deployed,
               time_t now)
{
    const struct policy *p = x->policy;
    const struct policy_promotion *promo = NULL;
    struct engine_req req;
    struct decision d;
    struct err e = ERR_INIT;
    char waiting[1024];
    json_t *out;
    size_t i;

    for (i = 0; i < p->n_promotions; i++)
        if (strcmp(p->promotions[i].to, to) == 0)
            promo = &p->promotions[i];
    if (!promo)
        return json_null();
    memset(&req, 0, sizeof(req));
    req.policy = p;
    req.repo = x->repo;
    req.from = promo->from;
    req.to = to;
    req.now = now;
    req.gh = &x->ghc;
    req.actor_env = &x->actor;
    req.history = h;
    req.explain = 1;
    if (engine_run(&d, &req, &e) < 0)
        return json_pack("{s:s, s:n, s:s, s:s}", "from", promo->from, "commit", "verdict",
                         "error", "waiting_on", e.msg);
    if (deployed && strcmp(d.commit, deployed) == 0) {
        decision_release(&d);
        return json_null();
    }
    explain_localize(&d, p);
    explain_waiting(waiting, sizeof(waiting), &d);
    out = json_pack("{s:s, s:s, s:s, s:s?}", "from", promo->from, "commit", d.commit, "verdict",
                    decision_verdict_name(d.verdict), "waiting_on",
                    d.verdict == DECISION_APPROVED ? NULL : waiting);
    if (out && d.verdict == DECISION_APPROVED)
        json_object_set_new(out, "waiting_on", json_null());
    decision_release(&d);
    return out;
}

int
cmd_status(int argc, char **argv)
{
    const struct cmd *c = cmd_find("status");
    struct status_opts o;
    const char *env;
    char **pos;
    int npos, rc, code = EXIT_OK;
    struct cmd_ctx x;
    const struct policy *p;
    struct ledger_keys lk;
    struct ledger_req lr;
    struct ledger led;
    struct err e = ERR_INIT;
    /* what each environment waits for reads its latest entries only */
    const struct history_focus focus = {.rollback_env = NULL};
    const json_t *h = NULL;
    json_t *all = json_array();
    size_t k;
    time_t now;

    memset(&led, 0, sizeof(led));
    memset(&o, 0, sizeof(o));
    memset(&x, 0, sizeof(x));
    rc = opt_parse(&o, &pos, &npos, argc, argv, c, -1);
    if (rc == 0 && npos > 1)
        rc = opt_usage_error(c, -1, "unexpected argument '%s'", pos[1]);
    if (rc != 0) {
        json_decref(all);
        return opt_exit(rc);
    }
    env = npos ? pos[0] : NULL;
    memset(&lr, 0, sizeof(lr));
    lr.keys = &lk;
    lr.remote = o.c.remote;
    lr.no_remote = o.c.no_remote;
    lr.history = 1;
    lr.focus = &focus;
    if (cmd_setup(&x, c, &o.c, &e) < 0 ||
        ledger_keys_for(&lk, x.repo, x.policy, o.c.policy_ref, &e) < 0)
        goto fail;
    p = x.policy;
    lr.repo = x.repo;
    if (ledger_open(&led, &lr, &e) < 0)
        goto fail;
    h = led.history;
    if (clock_now(&now, &e) < 0)
        goto fail;
    if (env && !policy_env(p, env)) {
        err_set(&e, EXIT_USAGE, "unknown environment '%s'", env);
        goto fail;
    }
    if (!o.c.json && p->local_override) {
        char src[512], keys[512];

        out_sanitize(src, sizeof(src), p->source);
        out_sanitize(keys, sizeof(keys), lk.source);
        printf("policy %s [local file given with --policy, not the policy ref]; the audit log "
               "verified with the trusted keys of %s%s\n",
               src, keys, lk.local ? " (there is no protected policy)" : "");
    }
    if (!o.c.json)
        printf("%-6s %-12s %-24s %-20s %-12s %s\n", "env", "commit", "tag", "deployed at", "by",
               "waiting, hold");
    for (k = 0; k < p->n_envs; k++) {
        const struct policy_env *pe = &p->envs[k];
        const json_t *dep, *hold, *tagged, *by;
        char ref[256], tip[41];
        const char *commit;
        long waiting = -1;
        json_t *row;

        if (env && strcmp(env, pe->name) != 0)
            continue;
        dep = history_last(h, "deployment", pe->name, NULL, "success");
        hold = history_hold(h, pe->name);
        commit = dep ? json_string_value(json_object_get(dep, "commit")) : NULL;
        tagged = commit ? history_tagged(h, pe->name, commit, dep) : NULL;
        /* who deployed: who promoted or rolled back to it, else who reported it */
        by = tagged ? json_object_get(tagged, "actor") : NULL;
        if (!json_is_string(by))
            by = dep ? json_object_get(dep, "actor") : NULL;
        if (repo_resolve_branch(x.repo, pe->branch, ref, sizeof(ref), tip, &e) == 0 &&
            repo_count_between(x.repo, commit ? commit : "", tip, &waiting, &e) < 0)
            waiting = -1;
        row = json_pack("{s:s, s:s, s:s?, s:O?, s:O?, s:O?, s:I, s:O?, s:O?, s:O?, s:O?}", "env",
                        pe->name, "branch", pe->branch, "commit", commit, "deployed_at",
                        dep ? json_object_get(dep, "time") : NULL, "deployed_by", by,
                        "deployment", dep ? json_object_get(dep, "deployment") : NULL,
                        "waiting", (json_int_t)waiting, "hold",
                        hold ? json_object_get(hold, "reason") : NULL, "tag",
                        tagged ? json_object_get(tagged, "tag") : NULL, "hold_kind",
                        hold ? json_object_get(hold, "kind") : NULL, "hold_seq",
                        hold ? json_object_get(hold, "seq") : NULL);
        json_object_set_new(row, "next", next_candidate(&x, pe->name, h, commit, now));
        json_array_append_new(all, row);
        if (!o.c.json) {
            char clean[256];

            out_sanitize(clean, sizeof(clean),
                         hold ? json_string_value(json_object_get(hold, "reason")) : "");
            printf("%-6s %-12.12s %-24s %-20s %-12s %s%ld commit(s) on %s waiting%s%s\n",
                   pe->name, commit ? commit : "-",
                   tagged ? json_string_value(json_object_get(tagged, "tag")) : "-",
                   dep ? json_string_value(json_object_get(dep, "time")) : "never deployed",
                   json_is_string(by) ? json_string_value(by) : "-",
                   waiting < 0 ? "? " : "", waiting < 0 ? 0 : waiting, pe->branch,
                   hold ? "; ON HOLD: " : "", clean);
            {
                const json_t *nx = json_object_get(row, "next");
                const char *w = json_string_value(json_object_get(nx, "waiting_on"));

                if (json_is_object(nx)) {
                    out_sanitize(clean, sizeof(clean), w ? w : "");
                    printf("       next: %.12s from %s: %s%s%s\n",
                           json_string_value(json_object_get(nx, "commit"))
                               ? json_string_value(json_object_get(nx, "commit"))
                               : "-",
                           json_string_value(json_object_get(nx, "from")),
                           w ? "waiting on: " : "ready: every gate passes", clean,
                           "");
                }
            }
        }
    }
    if (o.c.json) {
        json_t *doc = json_pack("{s:i, s:O, s:{s:s, s:b}, s:{s:I, s:s, s:b}}", "schema_version",
                                OUT_SCHEMA_VERSION, "environments", all, "policy", "source",
                                p->source, "local_override", p->local_override, "audit_log",
                                "entries", (json_int_t)led.v.size, "keys_from", lk.source,
                                "keys_local", lk.local);

        cmd_print_json(doc);
        json_decref(doc);
    }
    goto done;
fail:
    code = cmd_fail(e.code ? e.code : EXIT_EVAL, e.msg);
done:
    json_decref(all);
    ledger_release(&led);
    cmd_ctx_release(&x);
    return code == EXIT_OK ? cmd_finish(code) : code;
}
