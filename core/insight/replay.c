#include "core/insight/replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/engine/decision.h"
#include "core/ledger/history.h"
#include "gates/gate.h"

static const json_t *
recorded_gate(const json_t *gates, const char *name, const char *type)
{
    size_t i;

    for (i = 0; i < json_array_size(gates); i++) {
        const json_t *g = json_array_get(gates, i);
        const char *n = json_string_value(json_object_get(g, "name"));
        const char *t = json_string_value(json_object_get(g, "type"));

        if (n && t && strcmp(n, name) == 0 && strcmp(t, type) == 0)
            return g;
    }
    return NULL;
}

/* Does DATA hold what RULE needs? NULL when it does, else why not. What a gate collects
 * depends on its rule only in these ways (the gates' collect steps). */
static const char *
lacks(char *why, size_t n, const char *type, const json_t *data, const json_t *rule)
{
    size_t i;

    if (strcmp(type, "status_checks") == 0) {
        const json_t *ctxs = json_object_get(rule, "contexts"), *asked = json_object_get(data, "contexts");

        for (i = 0; i < json_array_size(ctxs); i++) {
            const char *c = json_string_value(json_array_get(ctxs, i));

            if (c && (asked ? !history_has(asked, c)
                            : !json_object_get(json_object_get(data, "check_runs"), c) &&
                                  !json_object_get(json_object_get(data, "statuses"), c))) {
                snprintf(why, n, "check '%s' was not asked for then", c);
                return why;
            }
        }
    } else if (strcmp(type, "role_approval") == 0) {
        const char *role;
        json_t *v;

        json_object_foreach((json_t *)json_object_get(rule, "require"), role, v) {
            (void)v;
            if (!json_object_get(json_object_get(data, "teams"), role)) {
                snprintf(why, n, "the memberships of role '%s' were not fetched then", role);
                return why;
            }
        }
    } else if (strcmp(type, "release_notes") == 0) {
        if (json_is_string(json_object_get(rule, "changelog")) &&
            json_is_null(json_object_get(data, "changelog"))) {
            snprintf(why, n, "no changelog was read then");
            return why;
        }
    } else if (strcmp(type, "load_test") == 0) {
        if (json_object_get(rule, "baseline") && !json_object_get(data, "baseline")) {
            snprintf(why, n, "no baseline was recorded then");
            return why;
        }
    } else if (strcmp(type, "deploy_window") == 0) {
        const char *tz = json_string_value(json_object_get(rule, "timezone"));
        const char *had = json_string_value(json_object_get(data, "timezone"));

        if (!tz || !had || strcmp(tz, had) != 0) {
            snprintf(why, n, "the zone %s was not recorded then", tz ? tz : "?");
            return why;
        }
    }
    return NULL;
}


static json_t *
entry_json(json_int_t seq, const char *id, const char *time_s, const json_t *ext,
           const char *commit)
{
    return json_pack("{s:I, s:s, s:s?, s:O?, s:O?, s:s?, s:O?}", "seq", seq, "id", id, "time",
                     time_s, "from", json_object_get(ext, "from"), "to",
                     json_object_get(ext, "to"), "commit", commit, "verdict_was",
                     json_object_get(ext, "verdict"));
}

/* One decision under the policy: appends to OUT's lists. */
static void
replay_one(json_t *out, const struct replay_req *rq, json_int_t seq, const char *id,
           const json_t *st)
{
    const json_t *pred = json_object_get(st, "predicate");
    const json_t *ext = json_object_get(pred, AUDIT_EXTENSION);
    const json_t *gates = json_object_get(ext, "gates");
    const char *from = json_string_value(json_object_get(ext, "from"));
    const char *to = json_string_value(json_object_get(ext, "to"));
    const char *time_s = json_string_value(json_object_get(pred, "timeVerified"));
    const char *was = json_string_value(json_object_get(ext, "verdict"));
    const char *commit = json_string_value(json_object_get(
        json_object_get(json_array_get(json_object_get(st, "subject"), 0), "digest"), "gitCommit"));
    const struct policy_promotion *promo;
    struct gate_result *res = NULL;
    json_t *flips = json_array(), *missing = json_array(), *row;
    time_t when = history_parse_time(time_s);
    size_t i, n;
    enum decision_verdict now_v;

    if (!from || !to || !commit || !was || when == (time_t)-1) {
        json_array_append_new(json_object_get(out, "not_replayable"),
                              json_pack("{s:I, s:s, s:s}", "seq", seq, "id", id, "reason",
                                        "the record lacks its environments, commit or time"));
        goto done;
    }
    if (json_array_size(gates) == 1 &&
        strcmp(json_string_value(json_object_get(json_array_get(gates, 0), "type")), "hold") == 0) {
        json_object_set_new(out, "held",
                            json_integer(json_integer_value(json_object_get(out, "held")) + 1));
        goto done; /* refused by a hold: no policy changes that */
    }
    promo = policy_promotion(rq->policy, from, to);
    if (!promo) {
        row = entry_json(seq, id, time_s, ext, commit);
        json_object_set_new(row, "reason", json_sprintf("the policy has no promotion %s -> %s",
                                                        from, to));
        json_array_append_new(json_object_get(out, "not_replayable"), row);
        goto done;
    }
    n = json_array_size(promo->gates);
    res = calloc(n + 1, sizeof(*res));
    if (!res)
        goto done;
    for (i = 0; i < n; i++) {
        const json_t *g = json_array_get(promo->gates, i);
        const char *name = json_string_value(json_object_get(g, "name"));
        const struct gate *gate = gate_find(json_string_value(json_object_get(g, "type")));
        const json_t *rec = recorded_gate(gates, name, gate->type);
        const json_t *data = json_object_get(rec, "data");
        const char *rs = json_string_value(json_object_get(rec, "status"));
        const char *reason = NULL;
        char why[300];
        struct evidence ev;

        res[i].name = name;
        res[i].type = gate->type;
        if (!rec) {
            reason = "the decision did not evaluate this gate";
        } else if (json_is_null(data) || !data) {
            if (rs && strcmp(rs, "error") == 0) {
                res[i].verdict = VERDICT_ERROR; /* its evidence could not be collected then */
                finding_summary(&res[i].finding, "%s",
                                json_string_value(json_object_get(rec, "summary")));
                continue;
            }
            reason = "the record holds no evidence for it (recorded before replay existed)";
        } else if ((reason = lacks(why, sizeof(why), gate->type, data, g)) == NULL &&
                   gate_evidence_from(&ev, gate, commit, data) < 0) {
            reason = "its recorded evidence cannot be read";
        }
        if (reason) {
            json_array_append_new(missing, json_pack("{s:s, s:s, s:s}", "name", name, "type",
                                                     gate->type, "reason", reason));
            continue;
        }
        res[i].verdict = gate->evaluate(&ev, g, when, &res[i].finding);
        evidence_release(&ev);
        if (!rs || strcmp(rs, decision_status_name(res[i].verdict)) != 0)
            json_array_append_new(flips, json_pack("{s:s, s:s, s:s?, s:s, s:s}", "name", name,
                                                   "type", gate->type, "was", rs, "now",
                                                   decision_status_name(res[i].verdict),
                                                   "summary", res[i].finding.summary));
    }
    if (json_array_size(missing)) {
        row = entry_json(seq, id, time_s, ext, commit);
        json_object_set(row, "gates", missing);
        json_array_append_new(json_object_get(out, "not_replayable"), row);
        goto done;
    }
    now_v = decision_conclude(res, n);
    if (strcmp(decision_verdict_name(now_v), was) == 0) {
        json_object_set_new(out, "unchanged",
                            json_integer(json_integer_value(json_object_get(out, "unchanged")) + 1));
        goto done;
    }
    row = entry_json(seq, id, time_s, ext, commit);
    json_object_set_new(row, "verdict_now", json_string(decision_verdict_name(now_v)));
    json_object_set(row, "gates", flips);
    json_array_append_new(json_object_get(out, "changed"), row);
done:
    for (i = 0; res && i < n; i++)
        finding_release(&res[i].finding);
    free(res);
    json_decref(flips);
    json_decref(missing);
}

int
replay_run(json_t **out, const struct replay_req *rq, struct err *e)
{
    json_t *o = json_pack("{s:i, s:i, s:i, s:[], s:[]}", "decisions", 0, "unchanged", 0, "held",
                          0, "changed", "not_replayable");
    size_t i;

    if (!o)
        return err_set(e, EXIT_EVAL, "out of memory");
    for (i = 0; i < rq->log->n; i++) {
        char id[65];
        json_t *st = audit_payload(&rq->log->items[i], id);
        const json_t *pred, *ext;
        const char *type, *to, *t;
        time_t when;

        if (!st) {
            json_decref(o);
            return err_set(e, EXIT_TAMPER, "seq %zu: unreadable audit entry", i + 1);
        }
        pred = json_object_get(st, "predicate");
        type = json_string_value(json_object_get(st, "predicateType"));
        ext = json_object_get(pred, AUDIT_EXTENSION);
        to = json_string_value(json_object_get(ext, "to"));
        t = json_string_value(json_object_get(pred, "timeVerified"));
        when = history_parse_time(t);
        if (type && strcmp(type, AUDIT_VSA) == 0 &&
            json_is_string(json_object_get(ext, "kind")) &&
            strcmp(json_string_value(json_object_get(ext, "kind")), "decision") == 0 &&
            (!rq->env || (to && strcmp(to, rq->env) == 0)) && (!rq->since || when >= rq->since) &&
            (!rq->until || (when != (time_t)-1 && when <= rq->until))) {
            json_object_set_new(o, "decisions",
                                json_integer(json_integer_value(json_object_get(o, "decisions")) + 1));
            replay_one(o, rq, (json_int_t)(i + 1), id, st);
        }
        json_decref(st);
    }
    *out = o;
    return 0;
}
