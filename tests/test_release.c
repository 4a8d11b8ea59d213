/* The release sequence (core/release/release.c) with fakes for the clock, the log, the deploy
 * and GitHub: which entries are recorded, in which order, at which time, and the exit code
 * and reason each outcome leaves. No git, no GitHub. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/release/release.h"

#include "testjson.h"
#include "testpolicy.h"

#define A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define T0 1764547200 /* 2025-12-01T00:00:00Z */

/* What the fakes were asked to do, and what they answer. */
static struct {
    time_t clock;
    int clock_step;          /* seconds the clock moves at each reading */
    int wait_takes;          /* seconds deploy_wait lets pass */
    json_t *log;             /* the statements recorded, in order (decisions as {kind, at}) */
    char calls[512];         /* "decision,superseded,deploy,record,wait,record" */
    int fail_record_at;      /* the Nth recording fails (1-based; 0: none) */
    int superseded;          /* what superseded answers */
    int deploy_fails;        /* 1 before the tag exists, 2 after it */
    int wait_fails;          /* deploy_wait answers an API error */
    enum deploy_outcome outcome;
    const char *role;        /* the actor's rollback role, NULL: none */
    int role_unknown;        /* actor_role cannot tell */
} fk;

static void
called(const char *what)
{
    snprintf(fk.calls + strlen(fk.calls), sizeof(fk.calls) - strlen(fk.calls), "%s%s",
             fk.calls[0] ? "," : "", what);
}

static int
fake_now(time_t *out, struct err *e)
{
    (void)e;
    fk.clock += fk.clock_step;
    *out = fk.clock;
    return 0;
}

static int
appended(struct record_result *out, json_t *what, struct err *e)
{
    size_t n = json_array_size(fk.log) + 1;

    if (fk.fail_record_at && (size_t)fk.fail_record_at == n) {
        json_decref(what);
        return err_set(e, EXIT_EVAL, "the log's ref is locked");
    }
    json_array_append_new(fk.log, what);
    memset(out, 0, sizeof(*out));
    out->entry.seq = 40 + n;
    snprintf(out->entry.id, sizeof(out->entry.id), "id%zu", n);
    snprintf(out->entry.commit, sizeof(out->entry.commit), "log%zu", n);
    out->pushed = 1;
    return 0;
}

static int
fake_record_decision(struct record_result *out, const struct record_req *rq,
                     const struct decision *d, time_t at, struct err *e)
{
    (void)rq;
    called("decision");
    return appended(out,
                    json_pack("{s:s, s:s, s:I}", "kind", "decision", "verdict",
                              decision_verdict_name(d->verdict), "at", (json_int_t)at),
                    e);
}

static int
fake_record_statement(struct record_result *out, const struct record_req *rq,
                      const json_t *st, struct err *e)
{
    (void)rq;
    called("record");
    return appended(out, json_deep_copy(json_object_get(st, "predicate")), e);
}

static int
fake_superseded(const struct record_req *rq, const struct decision *d, uint64_t base,
                const struct record_result *ours, time_t at, struct err *e)
{
    (void)rq, (void)d, (void)base, (void)ours, (void)at, (void)e;
    called("superseded");
    return fk.superseded;
}

static int
fake_deploy_run(struct deploy_result *out, const struct record_req *rq,
                const struct policy_env *env, const struct deploy_cause *c,
                const struct gh_config *ghc, time_t at, struct err *e)
{
    (void)rq, (void)ghc, (void)at;
    called("deploy");
    assert_string_equal(c->log_commit, "log1"); /* after the entry that allows it */
    snprintf(out->tag, sizeof(out->tag), "%s-2025.12.01.1", env->name);
    out->trigger = "workflow_dispatch";
    out->run_id = 77;
    if (fk.deploy_fails == 1)
        return err_set(e, EXIT_EVAL, "cannot create the tag");
    out->tagged = out->tag_pushed = 1;
    if (fk.deploy_fails == 2)
        return err_set(e, EXIT_EVAL, "POST /dispatches: 500");
    out->triggered = 1;
    return 0;
}

static int
fake_deploy_wait(enum deploy_outcome *out, char state[32], struct deploy_result *dr,
                 const struct policy_env *env, const char *commit, const struct gh_config *ghc,
                 double timeout_s, double interval_s, struct err *e)
{
    (void)dr, (void)env, (void)commit, (void)ghc, (void)interval_s;
    called("wait");
    assert_true(timeout_s == DEPLOY_WAIT_TIMEOUT_S);
    fk.clock += fk.wait_takes;
    if (fk.wait_fails)
        return err_set(e, EXIT_EVAL, "GET /actions/runs/77: 502");
    *out = fk.outcome;
    snprintf(state, 32, "%s", fk.outcome == DEPLOY_SUCCEEDED ? "success" : "failure");
    return 0;
}

static int
fake_actor_role(char *login, size_t loginsz, const char **role, const struct release_req *r,
                const struct policy_env *env, const struct actor_env *actor_env, struct err *e)
{
    (void)r, (void)env, (void)actor_env;
    called("role");
    snprintf(login, loginsz, "thandi");
    if (fk.role_unknown)
        return err_set(e, EXIT_EVAL, "GET /orgs/o/teams/ops/memberships/thandi: 503");
    *role = fk.role;
    return 0;
}

static const struct release_ports fakes = {
    .now = fake_now,
    .record_decision = fake_record_decision,
    .record_statement = fake_record_statement,
    .superseded = fake_superseded,
    .deploy_run = fake_deploy_run,
    .deploy_wait = fake_deploy_wait,
    .actor_role = fake_actor_role,
};

static const struct policy_env *prod; /* BBWS: tagged, triggered, rolled back by ops-lead */
static struct gh_config ghc = {.repo = "bbws/order-service"};
static struct record_req rq;
static struct release_req req = {.ports = &fakes, .rq = &rq, .gh = &ghc};
static struct decision dec = {.verdict = DECISION_APPROVED, .from = "sit", .to = "prod",
                              .commit = A, .actor = "release-bot"};

static int
setup(void **state)
{
    (void)state;
    memset(&fk, 0, sizeof(fk));
    fk.clock = T0;
    fk.clock_step = 1;
    fk.outcome = DEPLOY_SUCCEEDED;
    fk.log = json_array();
    req.wait = 0;
    dec.verdict = DECISION_APPROVED;
    snprintf(dec.to, sizeof(dec.to), "prod");
    return 0;
}

static int
load_policy(void **state)
{
    if (bbws_load(state) < 0)
        return -1;
    rq.policy = bbws;
    rq.repo_uri = "https://github.com/bbws/order-service";
    prod = policy_env(bbws, "prod");
    return prod ? 0 : -1;
}

static int
teardown(void **state)
{
    (void)state;
    json_decref(fk.log);
    return 0;
}

static const char *
str(size_t i, const char *key)
{
    return json_string_value(json_object_get(json_array_get(fk.log, i), key));
}

static long long
num(size_t i, const char *key)
{
    return (long long)json_integer_value(json_object_get(json_array_get(fk.log, i), key));
}

static int
exit_of(const struct release_result *res, int code, char *why)
{
    return release_exit_code(res, code, why, 512);
}

static void
test_approved_is_recorded_then_tagged_and_triggered(void **state)
{
    struct release_result res;
    struct err e = ERR_INIT;
    char why[512];

    (void)state;
    assert_int_equal(release_promotion(&res, &req, &dec, T0 - 60, 40, &e), 0);
    assert_string_equal(fk.calls, "decision,superseded,deploy,record");
    assert_int_equal(res.recorded, 1);
    assert_int_equal(res.deployed, 1);
    assert_int_equal(res.waited, 0);
    assert_int_equal(json_array_size(fk.log), 2);
    assert_int_equal(num(0, "at"), T0 - 60); /* the decision: when it was made */
    assert_string_equal(str(1, "kind"), "deployment");
    assert_string_equal(str(1, "result"), "triggered");
    assert_string_equal(str(1, "tag"), "prod-2025.12.01.1");
    assert_string_equal(str(1, "run"), "77");
    assert_string_equal(str(1, "decision"), "id1"); /* names the entry that allowed it */
    assert_string_equal(str(1, "actor"), "release-bot");
    assert_int_equal(res.deploy.entry.entry.seq, 42);
    assert_int_equal(exit_of(&res, EXIT_OK, why), EXIT_OK);
    assert_string_equal(why, "");
}

static void
test_rejected_and_error_are_recorded_and_never_deployed(void **state)
{
    struct release_result res;
    struct err e = ERR_INIT;
    char why[512];

    (void)state;
    dec.verdict = DECISION_REJECTED;
    assert_int_equal(release_promotion(&res, &req, &dec, T0, 40, &e), 0);
    dec.verdict = DECISION_ERROR;
    assert_int_equal(release_promotion(&res, &req, &dec, T0, 40, &e), 0);
    assert_string_equal(fk.calls, "decision,decision");
    assert_string_equal(str(0, "verdict"), "rejected");
    assert_string_equal(str(1, "verdict"), "error");
    assert_int_equal(res.deployed, 0);
    assert_int_equal(exit_of(&res, EXIT_EVAL, why), EXIT_EVAL);
}

static void
test_superseded_is_not_deployed(void **state)
{
    struct release_result res;
    struct err e = ERR_INIT;
    char why[512];

    (void)state;
    fk.superseded = 41;
    assert_int_equal(release_promotion(&res, &req, &dec, T0, 40, &e), 0);
    assert_string_equal(fk.calls, "decision,superseded");
    assert_int_equal(res.deployed, 0);
    assert_int_equal(exit_of(&res, EXIT_OK, why), EXIT_REJECTED);
    assert_non_null(strstr(why, "superseded by seq 41: another promotion into prod landed"));
}

static void
test_decision_not_recorded_stops_everything(void **state)
{
    struct release_result res;
    struct err e = ERR_INIT;

    (void)state;
    fk.fail_record_at = 1;
    assert_int_equal(release_promotion(&res, &req, &dec, T0, 40, &e), -1);
    assert_string_equal(fk.calls, "decision");
    assert_int_equal(res.recorded, 0);
    assert_int_equal(e.code, EXIT_EVAL);
    assert_non_null(strstr(e.msg, "the decision (approved) could not be recorded"));
}

static void
test_no_tag_template_records_only(void **state)
{
    struct release_result res;
    struct err e = ERR_INIT;

    (void)state;
    snprintf(dec.to, sizeof(dec.to), "dev"); /* dev has no tag_template */
    assert_int_equal(release_promotion(&res, &req, &dec, T0, 40, &e), 0);
    assert_string_equal(fk.calls, "decision,superseded");
    assert_int_equal(res.deployed, 0);
}

static void
test_failed_before_the_tag_records_nothing_more(void **state)
{
    struct release_result res;
    struct err e = ERR_INIT;
    char why[512];

    (void)state;
    fk.deploy_fails = 1;
    assert_int_equal(release_promotion(&res, &req, &dec, T0, 40, &e), 0);
    assert_string_equal(fk.calls, "decision,superseded,deploy");
    assert_int_equal(res.deployed, -1);
    assert_int_equal(exit_of(&res, EXIT_OK, why), EXIT_EVAL);
    assert_string_equal(why, "cannot create the tag");
}

static void
test_failed_trigger_after_the_tag_is_recorded(void **state)
{
    struct release_result res;
    struct err e = ERR_INIT;
    char why[512];

    (void)state;
    fk.deploy_fails = 2;
    req.wait = 1;
    assert_int_equal(release_promotion(&res, &req, &dec, T0, 40, &e), 0);
    assert_string_equal(fk.calls, "decision,superseded,deploy,record"); /* never waits */
    assert_string_equal(str(1, "result"), "trigger_failed");
    assert_string_equal(str(1, "error"), "POST /dispatches: 500");
    assert_int_equal(res.deployed, -1);
    assert_int_equal(exit_of(&res, EXIT_OK, why), EXIT_EVAL);
    assert_string_equal(why, "POST /dispatches: 500");
}

static void
test_trigger_not_recorded_is_an_error(void **state)
{
    struct release_result res;
    struct err e = ERR_INIT;
    char why[512];

    (void)state;
    fk.fail_record_at = 2;
    assert_int_equal(release_promotion(&res, &req, &dec, T0, 40, &e), 0);
    assert_int_equal(res.deployed, -1);
    assert_int_equal(exit_of(&res, EXIT_OK, why), EXIT_EVAL);
    assert_string_equal(why, "the deploy of prod-2025.12.01.1 was triggered but could not be "
                             "recorded: the log's ref is locked");
}

static void
test_wait_records_the_outcome_when_it_was_seen(void **state)
{
    struct release_result res;
    struct err e = ERR_INIT;
    char why[512];
    char stamp[32];
    time_t seen;
    struct tm tm;

    (void)state;
    req.wait = 1;
    fk.wait_takes = 25 * 60; /* a deploy that takes 25 minutes */
    assert_int_equal(release_promotion(&res, &req, &dec, T0, 40, &e), 0);
    assert_string_equal(fk.calls, "decision,superseded,deploy,record,wait,record");
    assert_int_equal(res.waited, 1);
    assert_string_equal(str(2, "result"), "success");
    assert_string_equal(str(2, "observed"), "success");
    assert_string_equal(str(2, "reported_by"), "promote --wait");
    /* clock readings: superseded +1, deploy +2, its record +3, the outcome 25 min later */
    seen = T0 + 4 + 25 * 60;
    gmtime_r(&seen, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
    assert_string_equal(str(2, "time"), stamp);
    assert_string_equal(str(1, "time"), "2025-12-01T00:00:03Z");
    assert_int_equal(exit_of(&res, EXIT_OK, why), EXIT_OK);
}

static void
test_wait_failures_exit_3(void **state)
{
    struct release_result res;
    struct err e = ERR_INIT;
    char why[512];

    (void)state;
    req.wait = 1;
    fk.outcome = DEPLOY_FAILED;
    assert_int_equal(release_promotion(&res, &req, &dec, T0, 40, &e), 0);
    assert_string_equal(str(2, "result"), "failure");
    assert_int_equal(exit_of(&res, EXIT_OK, why), EXIT_EVAL);
    assert_string_equal(why, "the deploy failed; recorded as a failed deployment");
    /* an API error while waiting: nothing recorded for the outcome */
    fk.wait_fails = 1;
    json_array_clear(fk.log);
    assert_int_equal(release_promotion(&res, &req, &dec, T0, 40, &e), 0);
    assert_int_equal(json_array_size(fk.log), 2);
    assert_int_equal(res.waited, -1);
    assert_int_equal(exit_of(&res, EXIT_OK, why), EXIT_EVAL);
    assert_string_equal(why, "GET /actions/runs/77: 502");
    /* the outcome seen but not recorded */
    fk.wait_fails = 0;
    fk.fail_record_at = 3;
    json_array_clear(fk.log);
    assert_int_equal(release_promotion(&res, &req, &dec, T0, 40, &e), 0);
    assert_int_equal(exit_of(&res, EXIT_OK, why), EXIT_EVAL);
    assert_non_null(strstr(why, "the deploy of prod-2025.12.01.1 ended (failure) but could not "
                                "be recorded"));
}

/* prod: A approved and deployed (1, 2), B approved and deployed (3, 4) */
static const char *const prod_log =
    "[{\"seq\":1,\"id\":\"d1\",\"kind\":\"decision\",\"env\":\"prod\",\"commit\":\"" A "\","
    "\"verdict\":\"approved\"},"
    "{\"seq\":2,\"kind\":\"deployment\",\"env\":\"prod\",\"commit\":\"" A "\","
    "\"result\":\"success\"},"
    "{\"seq\":3,\"id\":\"d3\",\"kind\":\"decision\",\"env\":\"prod\",\"commit\":\"" B "\","
    "\"verdict\":\"approved\"},"
    "{\"seq\":4,\"kind\":\"deployment\",\"env\":\"prod\",\"commit\":\"" B "\","
    "\"result\":\"success\"}]";

static void
test_rollback_checks_the_role_then_records_then_deploys(void **state)
{
    json_t *h = j(prod_log);
    struct release_result res;
    struct err e = ERR_INIT;

    (void)state;
    fk.role = "ops-lead";
    assert_int_equal(release_rollback(&res, &req, prod, "errors up 40%", NULL, h, NULL, &e), 0);
    assert_string_equal(fk.calls, "role,record,deploy,record");
    assert_string_equal(str(0, "kind"), "rollback");
    assert_string_equal(str(0, "reason"), "errors up 40%");
    assert_string_equal(str(0, "from_commit"), B);
    assert_string_equal(str(0, "to_commit"), A);
    assert_int_equal(num(0, "to_seq"), 2);
    assert_string_equal(str(0, "decision"), "d1");
    assert_string_equal(str(0, "role"), "ops-lead");
    assert_string_equal(str(0, "actor"), "thandi");
    assert_string_equal(str(1, "kind"), "deployment");
    assert_string_equal(str(1, "rollback"), "id1");
    assert_int_equal(res.deployed, 1);
    json_decref(h);
}

static void
test_rollback_refused_records_nothing(void **state)
{
    json_t *h = j(prod_log);
    struct release_result res;
    struct err e = ERR_INIT;

    (void)state;
    assert_int_equal(release_rollback(&res, &req, prod, "why", NULL, h, NULL, &e), -1);
    assert_int_equal(e.code, EXIT_REJECTED);
    assert_string_equal(e.msg, "'thandi' may not roll back 'prod': not a member of ops-lead");
    fk.role_unknown = 1;
    assert_int_equal(release_rollback(&res, &req, prod, "why", NULL, h, NULL, &e), -1);
    assert_int_equal(e.code, EXIT_EVAL); /* not knowing is not a yes */
    assert_string_equal(fk.calls, "role,role");
    assert_int_equal(json_array_size(fk.log), 0);
    /* no GitHub repository: not even asked */
    ghc.repo = NULL;
    assert_int_equal(release_rollback(&res, &req, prod, "why", NULL, h, NULL, &e), -1);
    ghc.repo = "bbws/order-service";
    assert_int_equal(e.code, EXIT_USAGE);
    assert_string_equal(fk.calls, "role,role");
    json_decref(h);
}

static void
test_rollback_not_recorded_deploys_nothing(void **state)
{
    json_t *h = j(prod_log);
    struct release_result res;
    struct err e = ERR_INIT;

    (void)state;
    fk.role = "ops-lead";
    fk.fail_record_at = 1;
    assert_int_equal(release_rollback(&res, &req, prod, "why", NULL, h, NULL, &e), -1);
    assert_string_equal(fk.calls, "role,record");
    assert_non_null(strstr(e.msg, "the rollback could not be recorded (nothing was deployed)"));
    json_decref(h);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_approved_is_recorded_then_tagged_and_triggered),
        T(test_rejected_and_error_are_recorded_and_never_deployed),
        T(test_superseded_is_not_deployed),
        T(test_decision_not_recorded_stops_everything),
        T(test_no_tag_template_records_only),
        T(test_failed_before_the_tag_records_nothing_more),
        T(test_failed_trigger_after_the_tag_is_recorded),
        T(test_trigger_not_recorded_is_an_error),
        T(test_wait_records_the_outcome_when_it_was_seen),
        T(test_wait_failures_exit_3),
        T(test_rollback_checks_the_role_then_records_then_deploys),
        T(test_rollback_refused_records_nothing),
        T(test_rollback_not_recorded_deploys_nothing),
    };

    return cmocka_run_group_tests(tests, load_policy, bbws_free);
}
