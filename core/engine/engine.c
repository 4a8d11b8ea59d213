#include "core/engine/engine.h"

#include "core/ledger/history.h"
#include "core/base/sig.h"
#include "core/base/testhooks.h"
#include "gates/gate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct gate *
find(const struct engine_req *req, const char *type)
{
    return req->find ? req->find(type) : gate_find(type);
}

static int
check_request(const struct policy_promotion **promo, const struct engine_req *req, struct err *e)
{
    const json_t *g;
    size_t i, j;

    if (!policy_env(req->policy, req->from))
        return err_set(e, EXIT_USAGE, "unknown environment '%s' (policy '%s')", req->from,
                       req->policy->source);
    if (!policy_env(req->policy, req->to))
        return err_set(e, EXIT_USAGE, "unknown environment '%s' (policy '%s')", req->to,
                       req->policy->source);
    *promo = policy_promotion(req->policy, req->from, req->to);
    if (!*promo)
        return err_set(e, EXIT_USAGE, "the policy '%s' has no promotion from '%s' to '%s'",
                       req->policy->source, req->from, req->to);
    for (i = 0; i < req->n_overrides; i++) {
        g = policy_gate(*promo, req->overrides[i].gate);
        if (!g)
            return err_set(e, EXIT_USAGE, "--evidence: no gate named '%s' in %s -> %s",
                           req->overrides[i].gate, req->from, req->to);
        if (!find(req, json_string_value(json_object_get(g, "type")))->needs_evidence)
            return err_set(e, EXIT_USAGE, "--evidence: gate '%s' reads no evidence file",
                           req->overrides[i].gate);
        for (j = 0; j < i; j++)
            if (strcmp(req->overrides[j].gate, req->overrides[i].gate) == 0)
                return err_set(e, EXIT_USAGE, "--evidence: gate '%s' given twice",
                               req->overrides[i].gate);
    }
    return 0;
}

/* The file a gate reads: an override as given, else the policy's path under the work tree. */
static int
evidence_path(char **out, const struct engine_req *req, const json_t *g, struct err *e)
{
    const char *name = json_string_value(json_object_get(g, "name"));
    const char *path = json_string_value(json_object_get(g, "evidence"));
    const char *root;
    size_t i;
    struct buf b = BUF_INIT;

    for (i = 0; i < req->n_overrides; i++)
        if (strcmp(req->overrides[i].gate, name) == 0)
            path = req->overrides[i].path;
    if (path == json_string_value(json_object_get(g, "evidence")) && path[0] != '/') {
        root = repo_workdir(req->repo);
        if (!root)
            return err_set(e, EXIT_EVAL,
                           "cannot resolve '%s': the repository has no work tree (use --evidence)",
                           path);
        if (buf_adds(&b, root) < 0)
            return err_set(e, EXIT_EVAL, "out of memory");
    }
    if (buf_adds(&b, path) < 0) {
        buf_release(&b);
        return err_set(e, EXIT_EVAL, "out of memory");
    }
    *out = buf_detach(&b);
    return 0;
}

/* --commit, else the commit last deployed successfully in FROM (what moves is what was
 * tested there), else the tip of FROM's branch. */
static int
resolve_commit(char out[41], const struct engine_req *req, const struct policy_env *from_env,
               const json_t *history, struct err *e)
{
    const json_t *deployed = history_last(history, "deployment", req->from, NULL, "success");
    char ref[256];

    if (req->commit)
        return repo_resolve_commit(req->repo, req->commit, out, e);
    if (deployed) {
        snprintf(out, 41, "%s", json_string_value(json_object_get(deployed, "commit")));
        return 0;
    }
    if (repo_resolve_branch(req->repo, from_env->branch, ref, sizeof(ref), out, e) < 0)
        return err_prefix(e, "cannot find the commit to promote from '%s'", req->from);
    return 0;
}

/* Was another commit's deploy into ENV triggered after LAST (a later promotion or a
 * rollback, not yet reported)? */
static int
deployed_since(const json_t *history, const char *env, const json_t *last)
{
    json_int_t seq = json_integer_value(json_object_get(last, "seq"));
    const char *commit = json_string_value(json_object_get(last, "commit"));
    size_t i;

    for (i = 0; i < json_array_size(history); i++) {
        const json_t *x = json_array_get(history, i);
        const char *k = json_string_value(json_object_get(x, "kind"));
        const char *en = json_string_value(json_object_get(x, "env"));
        const char *c = json_string_value(json_object_get(x, "commit"));
        const char *r = json_string_value(json_object_get(x, "result"));

        if (json_integer_value(json_object_get(x, "seq")) > seq && k && en && c && strcmp(k, "deployment") == 0 && strcmp(en, env) == 0 &&
            strcmp(c, commit) != 0 && !(r && strcmp(r, "trigger_failed") == 0))
            return 1;
    }
    return 0;
}

int
engine_already_deployed(const json_t **out, char commit[41], const struct engine_req *req,
                        const json_t *history, struct err *e)
{
    const struct policy_env *from_env = policy_env(req->policy, req->from);
    const json_t *last;

    *out = NULL;
    if (!from_env)
        return err_set(e, EXIT_USAGE, "unknown environment '%s'", req->from);
    if (resolve_commit(commit, req, from_env, history, e) < 0)
        return -1;
    /* a hold (a rollback's too) refuses and records the promotion instead */
    if (history_hold(history, req->to))
        return 0;
    last = history_last(history, "deployment", req->to, NULL, "success");
    if (last && strcmp(json_string_value(json_object_get(last, "commit")), commit) == 0 &&
        !deployed_since(history, req->to, last))
        *out = last;
    return 0;
}

static int
needs_github(const struct engine_req *req, const struct policy_promotion *promo)
{
    size_t i;

    for (i = 0; i < json_array_size(promo->gates); i++) {
        const json_t *g = json_array_get(promo->gates, i);

        if (find(req, json_string_value(json_object_get(g, "type")))->plan)
            return 1;
    }
    return 0;
}

static void
ctx_init(struct gate_ctx *ctx, const struct engine_req *req, const struct decision *d,
         const struct gh *gh, const struct gh_store *store, const json_t *g,
         const json_t *history)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->repo = req->repo;
    ctx->commit = d->commit;
    ctx->rule = g;
    ctx->gh = store;
    ctx->owner = gh ? gh_owner(gh) : NULL;
    ctx->name = gh ? gh_name(gh) : NULL;
    ctx->roles = json_object_get(req->policy->root, "roles");
    ctx->actor = d->actor[0] ? d->actor : NULL;
    ctx->actor_error = d->actor_error[0] ? d->actor_error : "the actor was not established";
    ctx->release_pr = req->release_pr;
    ctx->release_version = req->release_version;
    ctx->history = history;
    ctx->from_env = req->from;
    ctx->to_env = req->to;
    ctx->break_glass = req->break_glass;
    ctx->break_glass_reason = req->break_glass_reason;
    ctx->policy = req->policy;
    ctx->explain = req->explain;
}

/* Fetch what the GitHub gates ask for, round by round, all requests of a round
 * at once, until nobody wants more: as many rounds as the longest dependency chain.
 * A gate whose plan fails gets its message in PLAN_ERR. */
static int
fetch_github(struct gh *gh, struct gh_store *store, const struct engine_req *req,
             struct decision *d, char (*plan_err)[512], const json_t *history, struct err *e)
{
    const json_t *gates = policy_promotion(req->policy, req->from, req->to)->gates;
    struct gate_ctx ctx;
    struct err ae = ERR_INIT;
    size_t i;
    int round;

    if (actor_want(store, gh, req->actor_env, e) < 0)
        return -1;
    for (round = 0; round < 16; round++) {
        for (i = 0; i < json_array_size(gates); i++) {
            const json_t *g = json_array_get(gates, i);
            const struct gate *gate = find(req, json_string_value(json_object_get(g, "type")));
            struct err ge = ERR_INIT;

            if (!gate->plan || plan_err[i][0])
                continue;
            ctx_init(&ctx, req, d, gh, store, g, history);
            if (gate->plan(&ctx, store, &ge) < 0)
                snprintf(plan_err[i], 512, "%s", ge.msg);
        }
        if (!gh_pending(store))
            break;
        if (gh_fetch(gh, store, e) < 0)
            return -1;
        /* known after the first round: later plans can leave the actor out */
        if (!d->actor[0] &&
            actor_resolve(d->actor, sizeof(d->actor), store, gh, req->actor_env, &ae) < 0)
            d->actor[0] = '\0';
    }
    if (actor_resolve(d->actor, sizeof(d->actor), store, gh, req->actor_env, &ae) < 0)
        snprintf(d->actor_error, sizeof(d->actor_error), "%s", ae.msg);
    d->github_rounds = store->rounds;
    d->github_requests = store->requests;
    return 0;
}

int
engine_run(struct decision *out, const struct engine_req *req, struct err *e)
{
    const struct policy_promotion *promo = NULL;
    const struct policy_env *from_env;
    struct evidence *ev = NULL;
    unsigned char *collected = NULL;
    char (*plan_err)[512] = NULL;
    json_t *history = NULL;
    const json_t *hold;
    struct gh_store store = GH_STORE_INIT;
    struct gh *gh = NULL;
    struct gate_ctx ctx;
    size_t i, n = 0;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (check_request(&promo, req, e) < 0)
        return -1;
    from_env = policy_env(req->policy, req->from);
    /* the caller read the log through core/ledger: nothing is read before it verifies */
    if (!req->history)
        return err_set(e, EXIT_EVAL, "no verified audit log to evaluate the rules with");
    history = json_incref((json_t *)req->history);
    if (resolve_commit(out->commit, req, from_env, history, e) < 0)
        goto done;
    snprintf(out->from, sizeof(out->from), "%s", req->from);
    snprintf(out->to, sizeof(out->to), "%s", req->to);
    snprintf(out->policy_sha256, sizeof(out->policy_sha256), "%s", req->policy->sha256_hex);
    snprintf(out->policy_source, sizeof(out->policy_source), "%s", req->policy->source);
    out->policy_local = req->policy->local_override;

    hold = history_hold(history, req->to);
    if (hold) {
        /* a hold refuses the promotion before any gate runs (it is still recorded) */
        out->results = calloc(1, sizeof(*out->results));
        if (!out->results) {
            err_set(e, EXIT_EVAL, "out of memory");
            goto done;
        }
        out->n_results = 1;
        out->results[0].name = "hold";
        out->results[0].type = "hold";
        out->results[0].verdict = VERDICT_FAIL;
        finding_summary(&out->results[0].finding, "%s is on hold since seq %lld (%s): %s",
                        req->to, (long long)json_integer_value(json_object_get(hold, "seq")),
                        json_string_value(json_object_get(hold, "kind")),
                        json_string_value(json_object_get(hold, "reason"))
                            ? json_string_value(json_object_get(hold, "reason"))
                            : "no reason given");
        out->results[0].finding.details =
            json_pack("{s:O}", "hold", (json_t *)hold);
        if (req->explain) {
            struct remedy *rm = &out->results[0].remedy;

            remedy_text(rm, "%s has been on hold since %s (%s): lift it with 'promote unhold %s "
                            "--reason TEXT'",
                        req->to, json_string_value(json_object_get(hold, "time")),
                        json_string_value(json_object_get(hold, "reason"))
                            ? json_string_value(json_object_get(hold, "reason"))
                            : "no reason given",
                        req->to);
            rm->data = json_pack("{s:s, s:O, s:O, s:O, s:O, s:s}", "action", "unhold", "since",
                                 json_object_get(hold, "time"), "seq", json_object_get(hold, "seq"),
                                 "kind", json_object_get(hold, "kind"), "reason",
                                 json_object_get(hold, "reason"), "command", "promote unhold");
        }
        out->verdict = DECISION_REJECTED;
        rc = 0;
        goto done;
    }
    n = json_array_size(promo->gates);
    out->results = calloc(n, sizeof(*out->results));
    ev = calloc(n, sizeof(*ev));
    collected = calloc(n, 1);
    if (!out->results || !ev || !collected) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    out->n_results = n;
    plan_err = calloc(n, sizeof(*plan_err));
    if (!plan_err) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    if (needs_github(req, promo)) {
        if (!req->gh || !req->gh->repo) {
            err_set(e, EXIT_USAGE,
                    "the promotion %s -> %s reads GitHub, but the GitHub repository is unknown "
                    "(use --github-repo OWNER/NAME, GITHUB_REPOSITORY, or an 'origin' remote)",
                    req->from, req->to);
            goto done;
        }
        if (gh_new(&gh, req->gh, e) < 0)
            goto done;
        out->github_used = 1;
        snprintf(out->github_repo, sizeof(out->github_repo), "%s/%s", gh_owner(gh), gh_name(gh));
        if (fetch_github(gh, &store, req, out, plan_err, history, e) < 0)
            goto done;
    }

    /* collect: all I/O, every gate, before any judgement */
    testhooks_pause("evaluate");
    for (i = 0; i < n; i++) {
        const json_t *g = json_array_get(promo->gates, i);
        const struct gate *gate = find(req, json_string_value(json_object_get(g, "type")));
        struct gate_result *r = &out->results[i];
        struct err ge = ERR_INIT;

        /* an interrupted evaluation is no decision: nothing is recorded */
        if (sig_check(e, "during the evaluation; nothing was recorded") < 0)
            goto done;

        r->name = json_string_value(json_object_get(g, "name"));
        r->type = gate->type;
        ctx_init(&ctx, req, out, gh, &store, g, history);
        snprintf(ev[i].commit, sizeof(ev[i].commit), "%s", out->commit);
        if (plan_err[i][0]) {
            finding_summary(&r->finding, "%s", plan_err[i]);
            continue;
        }
        if (gate->needs_actor && !out->actor[0]) {
            finding_summary(&r->finding, "%s", ctx.actor_error);
            continue;
        }
        if (gate->needs_evidence) {
            if (evidence_path(&r->evidence_path, req, g, e) < 0)
                goto done;
            ctx.evidence_path = r->evidence_path;
        }
        if (gate->collect(&ctx, &ev[i], &ge) < 0) {
            r->verdict = VERDICT_ERROR;
            finding_summary(&r->finding, "%s", ge.msg);
            continue;
        }
        if (gate->needs_evidence) {
            r->has_sha256 = 1;
            memcpy(r->sha256, ev[i].report.sha256, sizeof(r->sha256));
        }
        /* PROMOTE_TEST_PRE_REPLAY (promote-test only): record as versions before replay
         * did, with no data for the file and branch gates */
        if (!(testhooks_getenv("PROMOTE_TEST_PRE_REPLAY") &&
              ((gate->needs_evidence && strcmp(gate->type, "load_test") != 0) ||
               strcmp(gate->type, "branch") == 0)))
            r->data = json_incref(ev[i].data);
        collected[i] = 1;
    }
    /* evaluate: pure */
    for (i = 0; i < n; i++) {
        const json_t *g = json_array_get(promo->gates, i);
        const struct gate *gate = find(req, json_string_value(json_object_get(g, "type")));
        struct gate_result *r = &out->results[i];

        if (collected[i])
            r->verdict = gate->evaluate(&ev[i], g, req->now, &r->finding);
        /* else it stays VERDICT_ERROR with the collect message */
        if (req->explain)
            gate_remedy(gate, r->verdict, collected[i] ? &ev[i] : NULL, g, req->now, &r->finding,
                        &r->remedy);
    }
    /* a gate cut short by the signal (a GitHub request) would read as its error */
    if (sig_check(e, "during the evaluation; nothing was recorded") < 0)
        goto done;
    out->verdict = decision_conclude(out->results, out->n_results);
    rc = 0;
done:
    json_decref(history);
    gh_store_release(&store);
    gh_free(gh);
    free(plan_err);
    for (i = 0; ev && i < n; i++)
        evidence_release(&ev[i]);
    free(collected);
    free(ev);
    if (rc < 0)
        decision_release(out);
    return rc;
}
