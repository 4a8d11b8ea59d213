#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        if (!gate_find(json_string_value(json_object_get(g, "type")))->needs_evidence)
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

int
engine_run(struct decision *out, const struct engine_req *req, struct err *e)
{
    const struct policy_promotion *promo = NULL;
    const struct policy_env *from_env;
    struct evidence *ev = NULL;
    unsigned char *collected = NULL;
    struct gate_ctx ctx;
    char ref[256];
    size_t i, n = 0;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (check_request(&promo, req, e) < 0)
        return -1;
    from_env = policy_env(req->policy, req->from);
    if (req->commit) {
        if (repo_resolve_commit(req->repo, req->commit, out->commit, e) < 0)
            return -1;
    } else if (repo_resolve_branch(req->repo, from_env->branch, ref, sizeof(ref), out->commit, e) <
               0) {
        return err_prefix(e, "cannot find the commit to promote from '%s'", req->from);
    }
    snprintf(out->from, sizeof(out->from), "%s", req->from);
    snprintf(out->to, sizeof(out->to), "%s", req->to);
    snprintf(out->policy_sha256, sizeof(out->policy_sha256), "%s", req->policy->sha256_hex);
    snprintf(out->policy_source, sizeof(out->policy_source), "%s", req->policy->source);
    out->policy_local = req->policy->local_override;

    n = json_array_size(promo->gates);
    out->results = calloc(n, sizeof(*out->results));
    ev = calloc(n, sizeof(*ev));
    collected = calloc(n, 1);
    if (!out->results || !ev || !collected) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    out->n_results = n;

    /* collect: all I/O, every gate, before any judgement */
    for (i = 0; i < n; i++) {
        const json_t *g = json_array_get(promo->gates, i);
        const struct gate *gate = gate_find(json_string_value(json_object_get(g, "type")));
        struct gate_result *r = &out->results[i];
        struct err ge = ERR_INIT;

        r->name = json_string_value(json_object_get(g, "name"));
        r->type = gate->type;
        memset(&ctx, 0, sizeof(ctx));
        ctx.repo = req->repo;
        ctx.commit = out->commit;
        ctx.rule = g;
        snprintf(ev[i].commit, sizeof(ev[i].commit), "%s", out->commit);
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
        collected[i] = 1;
    }
    /* evaluate: pure */
    for (i = 0; i < n; i++) {
        const json_t *g = json_array_get(promo->gates, i);
        const struct gate *gate = gate_find(json_string_value(json_object_get(g, "type")));
        struct gate_result *r = &out->results[i];

        if (!collected[i])
            continue; /* stays VERDICT_ERROR with the collect message */
        r->verdict = gate->evaluate(&ev[i], g, req->now, &r->finding);
    }
    out->verdict = decision_conclude(out->results, out->n_results);
    rc = 0;
done:
    for (i = 0; ev && i < n; i++)
        evidence_release(&ev[i]);
    free(collected);
    free(ev);
    if (rc < 0)
        decision_release(out);
    return rc;
}
