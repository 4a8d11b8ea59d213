/* status_checks: every named check succeeded on the commit, as a check run (the latest
 * run of that name) and/or as a commit status (the newest of that context). */
#include "gate.h"

#include <stdio.h>
#include <string.h>

#include "core/base/buf.h"
#include "core/github/gh.h"
#include "core/github/roles.h"

static const struct gate_param status_checks_params[] = {
    {"contexts", PARAM_STRINGS, 1},
    {"allow_neutral", PARAM_BOOL, 0},
    {"allow_skipped", PARAM_BOOL, 0},
    {NULL, 0, 0},
};

static int
status_checks_check_rule(const json_t *rule, const char *jpath, struct err *e)
{
    const json_t *ctxs = json_object_get(rule, "contexts");
    size_t i, j;

    for (i = 0; i < json_array_size(ctxs); i++) {
        const char *c = json_string_value(json_array_get(ctxs, i));

        for (j = 0; c && j < i; j++)
            if (strcmp(c, json_string_value(json_array_get(ctxs, j))) == 0)
                return err_set(e, EXIT_USAGE, "%s.contexts[%zu]: duplicate context '%.64s'", jpath,
                               i, c);
    }
    return 0;
}

static int
status_checks_plan(const struct gate_ctx *ctx, struct gh_store *s, struct err *e)
{
    if (gh_want(s, GH_PAGES_KEY, "check_runs", e, "/repos/%s/%s/commits/%s/check-runs", ctx->owner,
                ctx->name, ctx->commit) < 0)
        return -1;
    return gh_want(s, GH_PAGES_KEY, "statuses", e, "/repos/%s/%s/commits/%s/status", ctx->owner,
                   ctx->name, ctx->commit);
}

/* The items array of the object body at PATH, all of it: as many items as its first
 * page's total_count declares, or an error (a page lost, or the list changed meanwhile). */
static int
items_at(const json_t **out, const struct gate_ctx *ctx, const char *path, const char *key,
         struct err *e)
{
    const json_t *body, *total;

    *out = NULL;
    if (roles_res_body(&body, gh_find(ctx->gh, "%s", path), path, e) < 0)
        return -1;
    *out = json_object_get(body, key);
    total = json_object_get(body, "total_count");
    if (!json_is_object(body) || !json_is_array(*out))
        return err_set(e, EXIT_EVAL, "unexpected response from GET %s: '%s' is not an array", path,
                       key);
    if (!json_is_integer(total))
        return err_set(e, EXIT_EVAL,
                       "unexpected response from GET %s: 'total_count' is not an integer", path);
    if (json_integer_value(total) < 0 ||
        (json_int_t)json_array_size(*out) != json_integer_value(total))
        return err_set(e, EXIT_EVAL,
                       "GET %s: %zu %s read, but the list declares %" JSON_INTEGER_FORMAT
                       " (it changed while it was read, or a page is missing)",
                       path, json_array_size(*out), key, json_integer_value(total));
    return 0;
}

/* Is run A newer than run B: greater started_at (a run not started yet is newest), then id? */
static int
newer(const json_t *a, const json_t *b)
{
    const char *sa = json_string_value(json_object_get(a, "started_at"));
    const char *sb = json_string_value(json_object_get(b, "started_at"));
    int c;

    if (!sa != !sb)
        return !sa;
    c = sa ? strcmp(sa, sb) : 0;
    if (c)
        return c > 0;
    return json_integer_value(json_object_get(a, "id")) >
           json_integer_value(json_object_get(b, "id"));
}

static int
check_run_ok(const json_t *run)
{
    const json_t *started = json_object_get(run, "started_at");
    const json_t *concl = json_object_get(run, "conclusion");

    return json_is_object(run) && json_is_string(json_object_get(run, "name")) &&
           json_is_integer(json_object_get(run, "id")) &&
           json_is_string(json_object_get(run, "status")) && started &&
           (json_is_null(started) || json_is_string(started)) && concl &&
           (json_is_null(concl) || json_is_string(concl));
}

/* evidence: {"check_runs": {NAME: {"id", "status", "conclusion", "started_at"}},
 *            "statuses": {CONTEXT: "state"}}
 * for the named contexts only: the latest check run of each name and the newest status. */
static int
status_checks_collect(const struct gate_ctx *ctx, struct evidence *ev, struct err *e)
{
    const json_t *contexts = json_object_get(ctx->rule, "contexts"), *runs, *statuses;
    json_t *cr = NULL, *st = NULL, *urls = NULL;
    char rpath[1024], spath[1024];
    size_t i, j;
    int rc = -1;

    snprintf(rpath, sizeof(rpath), "/repos/%s/%s/commits/%s/check-runs", ctx->owner, ctx->name,
             ctx->commit);
    snprintf(spath, sizeof(spath), "/repos/%s/%s/commits/%s/status", ctx->owner, ctx->name,
             ctx->commit);
    if (items_at(&runs, ctx, rpath, "check_runs", e) < 0 ||
        items_at(&statuses, ctx, spath, "statuses", e) < 0)
        return -1;
    cr = json_object();
    st = json_object();
    urls = json_object();
    if (!cr || !st || !urls) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    for (i = 0; i < json_array_size(contexts); i++) {
        const char *name = json_string_value(json_array_get(contexts, i));
        const json_t *best = NULL;

        for (j = 0; j < json_array_size(runs); j++) {
            const json_t *run = json_array_get(runs, j);

            if (!check_run_ok(run)) {
                err_set(e, EXIT_EVAL,
                        "unexpected response from GET %s: check run [%zu] needs id, name, "
                        "status, started_at, conclusion",
                        rpath, j);
                goto done;
            }
            if (strcmp(json_string_value(json_object_get(run, "name")), name) == 0 &&
                (!best || newer(run, best)))
                best = run;
        }
        if (best &&
            json_object_set_new(cr, name,
                                json_pack("{s:O, s:O, s:O, s:O}", "id", json_object_get(best, "id"),
                                          "status", json_object_get(best, "status"), "conclusion",
                                          json_object_get(best, "conclusion"), "started_at",
                                          json_object_get(best, "started_at"))) < 0) {
            err_set(e, EXIT_EVAL, "out of memory");
            goto done;
        }
        if (best && json_is_string(json_object_get(best, "html_url")))
            json_object_set(urls, name, json_object_get(best, "html_url"));
        for (j = 0; j < json_array_size(statuses); j++) {
            const json_t *x = json_array_get(statuses, j);
            const json_t *c = json_object_get(x, "context"), *state = json_object_get(x, "state");

            if (!json_is_string(c) || !json_is_string(state)) {
                err_set(e, EXIT_EVAL,
                        "unexpected response from GET %s: status [%zu] needs context, state", spath,
                        j);
                goto done;
            }
            if (strcmp(json_string_value(c), name) == 0) {
                if (json_object_set(st, name, (json_t *)state) < 0) {
                    err_set(e, EXIT_EVAL, "out of memory");
                    goto done;
                }
                if (!json_object_get(urls, name) &&
                    json_is_string(json_object_get(x, "target_url")))
                    json_object_set(urls, name, json_object_get(x, "target_url"));
                break; /* newest first */
            }
        }
    }
    /* "contexts" (what was asked) and "urls" (for promote explain) since replay */
    ev->data = json_pack("{s:O, s:O, s:O, s:O}", "check_runs", cr, "statuses", st, "contexts",
                         (json_t *)contexts, "urls", urls);
    if (!ev->data) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    rc = 0;
done:
    json_decref(urls);
    json_decref(cr);
    json_decref(st);
    return rc;
}

/* A check run's state: pending until completed, then its conclusion. NULL when malformed. */
static const char *
run_state(const json_t *run)
{
    const char *status = json_string_value(json_object_get(run, "status"));
    const char *concl = json_string_value(json_object_get(run, "conclusion"));

    if (!status)
        return NULL;
    if (strcmp(status, "completed") != 0)
        return "pending";
    return concl; /* a completed run without a conclusion is malformed */
}

static int
green(const char *state, int neutral, int skipped)
{
    return strcmp(state, "success") == 0 || (neutral && strcmp(state, "neutral") == 0) ||
           (skipped && strcmp(state, "skipped") == 0);
}

static enum verdict
status_checks_evaluate(const struct evidence *ev, const json_t *rule, time_t now, struct finding *f)
{
    const json_t *contexts = json_object_get(rule, "contexts");
    const json_t *runs = json_object_get(ev->data, "check_runs");
    const json_t *statuses = json_object_get(ev->data, "statuses");
    int neutral = gate_rule_bool(rule, "allow_neutral", 0);
    int skipped = gate_rule_bool(rule, "allow_skipped", 0);
    struct buf bad = BUF_INIT;
    json_t *details = NULL;
    enum verdict v = VERDICT_ERROR;
    size_t i, n_bad = 0;

    (void)now;
    if (!json_is_object(runs) || !json_is_object(statuses) || !json_is_array(contexts) ||
        json_array_size(contexts) == 0) {
        finding_summary(f, "no status check evidence for commit %.12s", ev->commit);
        return VERDICT_ERROR;
    }
    details = json_object();
    if (!details) {
        finding_summary(f, "out of memory");
        return VERDICT_ERROR;
    }
    for (i = 0; i < json_array_size(contexts); i++) {
        const char *name = json_string_value(json_array_get(contexts, i));
        const json_t *run = name ? json_object_get(runs, name) : NULL;
        const json_t *status = name ? json_object_get(statuses, name) : NULL;
        const char *rs = NULL, *ss = NULL, *state, *source;
        int ok;

        if (!name) {
            finding_summary(f, "invalid rule: contexts[%zu] is not a string", i);
            goto done;
        }
        if (run) {
            rs = run_state(run);
            if (!rs) {
                finding_summary(f, "malformed check run evidence for '%.64s'", name);
                goto done;
            }
        }
        if (status) {
            ss = json_string_value(status);
            if (!ss) {
                finding_summary(f, "malformed status evidence for '%.64s'", name);
                goto done;
            }
        }
        source = rs && ss ? "both" : rs ? "check_run" : ss ? "status" : NULL;
        if (!rs && !ss) {
            state = "missing";
            ok = 0;
        } else {
            int rg = !rs || green(rs, neutral, skipped), sg = !ss || strcmp(ss, "success") == 0;

            /* name the worse of the two: a failure before a pending one */
            ok = rg && sg;
            if (ok)
                state = rs ? rs : ss;
            else if (!rg && strcmp(rs, "pending") != 0)
                state = rs;
            else if (!sg && strcmp(ss, "pending") != 0)
                state = ss;
            else
                state = !rg ? rs : ss;
        }
        if (json_object_set_new(details, name,
                                json_pack("{s:s, s:s?}", "state", state, "source", source)) < 0) {
            finding_summary(f, "out of memory");
            goto done;
        }
        if (!ok) {
            n_bad++;
            buf_addf(&bad, "%s%s (%s)", bad.len ? ", " : "", name, state);
        }
    }
    f->details = details;
    details = NULL;
    if (n_bad) {
        finding_summary(f, "%zu of %zu checks not green: %s", n_bad, json_array_size(contexts),
                        buf_str(&bad));
        v = VERDICT_FAIL;
    } else {
        finding_summary(f, "all %zu checks green", json_array_size(contexts));
        v = VERDICT_PASS;
    }
done:
    json_decref(details);
    buf_release(&bad);
    return v;
}

/* Which checks are missing, pending or failed, with their URLs where GitHub gave one. */
static void
status_checks_remedy(const struct evidence *ev, const json_t *rule, time_t now,
                     const struct finding *f, struct remedy *out)
{
    const json_t *urls = json_object_get(ev->data, "urls");
    const char *name;
    json_t *row, *checks = json_array();
    struct buf text = BUF_INIT;

    (void)now;
    json_object_foreach(f->details, name, row) {
        const char *state = json_string_value(json_object_get(row, "state"));
        const char *url = json_string_value(json_object_get(urls, name));

        if (!state || strcmp(state, "success") == 0 ||
            (strcmp(state, "neutral") == 0 && gate_rule_bool(rule, "allow_neutral", 0)) ||
            (strcmp(state, "skipped") == 0 && gate_rule_bool(rule, "allow_skipped", 0)))
            continue;
        json_array_append_new(checks,
                              json_pack("{s:s, s:s, s:s?}", "name", name, "state", state, "url", url));
        buf_addf(&text, "%s%s %s%s%s", text.len ? "; " : "", name,
                 strcmp(state, "missing") == 0   ? "has not run: run it"
                 : strcmp(state, "pending") == 0 ? "is pending: wait for it"
                                                 : "failed: fix and re-run it",
                 url ? " " : "", url ? url : "");
    }
    remedy_text(out, "%s", buf_str(&text));
    out->data = json_pack("{s:s, s:o}", "action", "checks", "checks", checks);
    buf_release(&text);
}

const struct gate gate_status_checks = {
    .type = "status_checks",
    .needs_evidence = 0,
    .params = status_checks_params,
    .check_rule = status_checks_check_rule,
    .plan = status_checks_plan,
    .collect = status_checks_collect,
    .evaluate = status_checks_evaluate,
    .remedy = status_checks_remedy,
};
