/* Rollback's choice of a good state, and --wait's reading of GitHub's deploy states:
 * pure functions on hand-built history and API bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/release/deploy.h"
#include "core/release/rollback.h"

#include "testjson.h"

#define A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define C "cccccccccccccccccccccccccccccccccccccccc"
#define D "dddddddddddddddddddddddddddddddddddddddd"

#define DEC(seq, c, verdict)                                                                   \
    "{\"seq\":" #seq ",\"id\":\"dec" #seq "\",\"kind\":\"decision\",\"env\":\"prod\","          \
    "\"commit\":\"" c "\",\"verdict\":\"" verdict "\"}"
#define DEP(seq, c, result)                                                                    \
    "{\"seq\":" #seq ",\"id\":\"dep" #seq "\",\"kind\":\"deployment\",\"env\":\"prod\","        \
    "\"commit\":\"" c "\",\"result\":\"" result "\"}"

/* prod: A approved+deployed (2,3), B approved+deployed (5,6), C approved, triggered and
 * reported successful (8,9,10); a sit deployment in between must never count. */
static const char *const base_log =
    "[" DEC(1, A, "approved") "," DEP(2, A, "triggered") "," DEP(3, A, "success") ","
    "{\"seq\":4,\"kind\":\"deployment\",\"env\":\"sit\",\"commit\":\"" D "\",\"result\":\"success\"},"
    DEC(5, B, "approved") "," DEP(6, B, "success") "," DEC(7, C, "rejected") ","
    DEC(8, C, "approved") "," DEP(9, C, "triggered") "," DEP(10, C, "success") "]";

static long long
seq(const json_t *x)
{
    return (long long)json_integer_value(json_object_get(x, "seq"));
}

static void
test_latest_good_state(void **state)
{
    json_t *h = j(base_log);
    struct rollback_target t;
    struct err e = ERR_INIT;

    (void)state;
    assert_int_equal(rollback_find(&t, h, "prod", NULL, &e), 0);
    assert_string_equal(t.from_commit, C);
    assert_int_equal(t.from_seq, 10);
    assert_string_equal(t.commit, B);
    assert_int_equal(seq(t.deployment), 6);
    assert_int_equal(seq(t.decision), 5);
    json_decref(h);
}

static void
test_rolled_back_state_is_skipped(void **state)
{
    /* after rolling back C -> B and B's redeploy, the next rollback returns to A, not C */
    json_t *h = j("[" DEC(1, A, "approved") "," DEP(2, A, "success") "," DEC(3, C, "approved") ","
                  DEP(4, C, "success") ","
                  "{\"seq\":5,\"kind\":\"decision\",\"env\":\"prod\",\"commit\":\"" B "\","
                  "\"verdict\":\"approved\"}," DEP(6, B, "success") ","
                  "{\"seq\":7,\"kind\":\"rollback\",\"env\":\"prod\",\"commit\":\"" C "\","
                  "\"from_commit\":\"" B "\"}," DEP(8, C, "success") ","
                  "{\"seq\":9,\"kind\":\"rollback\",\"env\":\"prod\",\"commit\":\"" A "\","
                  "\"from_commit\":\"" C "\"}]");
    struct rollback_target t;
    struct err e = ERR_INIT;

    (void)state;
    /* deployed last: C (seq 8); B was rolled back from at 7, so A it is */
    assert_int_equal(rollback_find(&t, h, "prod", NULL, &e), 0);
    assert_string_equal(t.from_commit, C);
    assert_string_equal(t.commit, A);
    assert_int_equal(seq(t.deployment), 2);
    json_decref(h);
}

static void
test_nothing_good(void **state)
{
    struct rollback_target t;
    struct err e = ERR_INIT;
    json_t *h;

    (void)state;
    h = j("[]");
    assert_int_equal(rollback_find(&t, h, "prod", NULL, &e), -1);
    assert_int_equal(e.code, EXIT_REJECTED);
    assert_non_null(strstr(e.msg, "nothing has been deployed to 'prod'"));
    json_decref(h);

    /* one deployment only; an unapproved earlier one; a failed earlier one; a failed
     * trigger is not "deployed last" */
    e = (struct err)ERR_INIT;
    h = j("[" DEP(1, A, "success") "," DEC(2, B, "approved") "," DEP(3, B, "failure") ","
          DEC(4, C, "approved") "," DEP(5, C, "success") "," DEP(6, D, "trigger_failed") "]");
    assert_int_equal(rollback_find(&t, h, "prod", NULL, &e), -1);
    assert_int_equal(e.code, EXIT_REJECTED);
    assert_non_null(strstr(e.msg, "no earlier good state in 'prod'"));
    assert_non_null(strstr(e.msg, "before seq 5"));
    json_decref(h);

    /* an approval recorded only after the deployment does not make it good */
    e = (struct err)ERR_INIT;
    h = j("[" DEP(1, A, "success") "," DEC(2, A, "approved") "," DEC(3, B, "approved") ","
          DEP(4, B, "success") "]");
    assert_int_equal(rollback_find(&t, h, "prod", NULL, &e), -1);
    assert_int_equal(e.code, EXIT_REJECTED);
    json_decref(h);
}

static void
test_to_seq_and_commit(void **state)
{
    json_t *h = j(base_log);
    struct rollback_target t;
    struct rollback_to to = {0, NULL};
    struct err e = ERR_INIT;

    (void)state;
    to.seq = 3; /* A's deployment */
    assert_int_equal(rollback_find(&t, h, "prod", &to, &e), 0);
    assert_string_equal(t.commit, A);
    assert_int_equal(seq(t.deployment), 3);
    assert_int_equal(seq(t.decision), 1);
    to.seq = 5; /* B's approved decision: its successful deployment is 6 */
    assert_int_equal(rollback_find(&t, h, "prod", &to, &e), 0);
    assert_string_equal(t.commit, B);
    assert_int_equal(seq(t.deployment), 6);

    to.seq = 4; /* a sit deployment */
    assert_int_equal(rollback_find(&t, h, "prod", &to, &e), -1);
    assert_int_equal(e.code, EXIT_USAGE);
    assert_non_null(strstr(e.msg, "--to 4: not a deployment to or an approved decision into 'prod'"));
    to.seq = 7; /* a rejected decision */
    assert_int_equal(rollback_find(&t, h, "prod", &to, &e), -1);
    assert_int_equal(e.code, EXIT_USAGE);
    to.seq = 99;
    assert_int_equal(rollback_find(&t, h, "prod", &to, &e), -1);
    assert_int_equal(e.code, EXIT_USAGE);
    to.seq = 10; /* what is deployed now */
    assert_int_equal(rollback_find(&t, h, "prod", &to, &e), -1);
    assert_int_equal(e.code, EXIT_REJECTED);
    assert_non_null(strstr(e.msg, "is what was deployed last in 'prod' (seq 10)"));

    to.seq = 0;
    to.commit = A; /* a tag, resolved */
    assert_int_equal(rollback_find(&t, h, "prod", &to, &e), 0);
    assert_string_equal(t.commit, A);
    to.commit = D; /* deployed to sit only */
    assert_int_equal(rollback_find(&t, h, "prod", &to, &e), -1);
    assert_int_equal(e.code, EXIT_REJECTED);
    assert_non_null(strstr(e.msg, "never recorded as deployed successfully in 'prod'"));
    json_decref(h);
}

static void
test_deployment_statuses(void **state)
{
    enum deploy_outcome o;
    char st[32];
    struct err e = ERR_INIT;
    json_t *v;

    (void)state;
    v = j("[]");
    assert_int_equal(deploy_outcome_statuses(&o, st, v, "GET x", &e), 0);
    assert_int_equal(o, DEPLOY_PENDING);
    assert_string_equal(st, "none");
    json_decref(v);
    v = j("[{\"state\":\"in_progress\"},{\"state\":\"queued\"}]");
    assert_int_equal(deploy_outcome_statuses(&o, st, v, "GET x", &e), 0);
    assert_int_equal(o, DEPLOY_PENDING);
    assert_string_equal(st, "in_progress");
    json_decref(v);
    v = j("[{\"state\":\"success\"},{\"state\":\"in_progress\"}]");
    assert_int_equal(deploy_outcome_statuses(&o, st, v, "GET x", &e), 0);
    assert_int_equal(o, DEPLOY_SUCCEEDED);
    json_decref(v);
    v = j("[{\"state\":\"error\"},{\"state\":\"in_progress\"}]");
    assert_int_equal(deploy_outcome_statuses(&o, st, v, "GET x", &e), 0);
    assert_int_equal(o, DEPLOY_FAILED);
    assert_string_equal(st, "error");
    json_decref(v);
    v = j("[{\"state\":\"inactive\"},{\"state\":\"success\"}]");
    assert_int_equal(deploy_outcome_statuses(&o, st, v, "GET x", &e), 0);
    assert_int_equal(o, DEPLOY_SUCCEEDED);
    json_decref(v);
    v = j("[{\"state\":\"inactive\"},{\"state\":\"queued\"}]");
    assert_int_equal(deploy_outcome_statuses(&o, st, v, "GET x", &e), 0);
    assert_int_equal(o, DEPLOY_FAILED);
    json_decref(v);
    /* fail closed */
    v = j("[{\"state\":\"exploded\"}]");
    assert_int_equal(deploy_outcome_statuses(&o, st, v, "GET /d/1/statuses", &e), -1);
    assert_string_equal(e.msg, "GET /d/1/statuses: unknown deployment state 'exploded'");
    json_decref(v);
    v = j("[{\"id\":1}]");
    assert_int_equal(deploy_outcome_statuses(&o, st, v, "GET x", &e), -1);
    json_decref(v);
    v = j("{\"state\":\"success\"}");
    assert_int_equal(deploy_outcome_statuses(&o, st, v, "GET x", &e), -1);
    assert_int_equal(e.code, EXIT_EVAL);
    json_decref(v);
}

static void
test_workflow_runs(void **state)
{
    enum deploy_outcome o;
    char st[32];
    struct err e = ERR_INIT;
    json_t *v;

    (void)state;
    v = j("{\"status\":\"queued\",\"conclusion\":null}");
    assert_int_equal(deploy_outcome_run(&o, st, v, "GET r", &e), 0);
    assert_int_equal(o, DEPLOY_PENDING);
    assert_string_equal(st, "queued");
    json_decref(v);
    v = j("{\"status\":\"completed\",\"conclusion\":\"success\"}");
    assert_int_equal(deploy_outcome_run(&o, st, v, "GET r", &e), 0);
    assert_int_equal(o, DEPLOY_SUCCEEDED);
    json_decref(v);
    v = j("{\"status\":\"completed\",\"conclusion\":\"cancelled\"}");
    assert_int_equal(deploy_outcome_run(&o, st, v, "GET r", &e), 0);
    assert_int_equal(o, DEPLOY_FAILED);
    assert_string_equal(st, "cancelled");
    json_decref(v);
    v = j("{\"status\":\"completed\",\"conclusion\":null}");
    assert_int_equal(deploy_outcome_run(&o, st, v, "GET r", &e), -1);
    json_decref(v);
    v = j("{\"conclusion\":\"success\"}");
    assert_int_equal(deploy_outcome_run(&o, st, v, "GET r", &e), -1);
    json_decref(v);

    v = j("{\"total_count\":3,\"workflow_runs\":["
          "{\"id\":30,\"head_branch\":\"prod-2026.11.04.2\",\"head_sha\":\"" A "\"},"
          "{\"id\":20,\"head_branch\":\"prod-2026.11.04.1\",\"head_sha\":\"" A "\"},"
          "{\"id\":10,\"head_branch\":\"prod-2026.11.04.1\",\"head_sha\":\"" B "\"}]}");
    assert_int_equal(deploy_find_run(v, "prod-2026.11.04.1", A), 20);
    assert_int_equal(deploy_find_run(v, "prod-2026.11.04.3", A), 0);
    json_decref(v);
    /* a run id that is no GitHub id is no run (not a -1 to poll) */
    v = j("{\"total_count\":2,\"workflow_runs\":["
          "{\"id\":-1,\"head_branch\":\"prod-2026.11.04.1\",\"head_sha\":\"" A "\"},"
          "{\"id\":0,\"head_branch\":\"prod-2026.11.04.1\",\"head_sha\":\"" A "\"}]}");
    assert_int_equal(deploy_find_run(v, "prod-2026.11.04.1", A), 0);
    json_decref(v);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_latest_good_state),
        cmocka_unit_test(test_rolled_back_state_is_skipped),
        cmocka_unit_test(test_nothing_good),
        cmocka_unit_test(test_to_seq_and_commit),
        cmocka_unit_test(test_deployment_statuses),
        cmocka_unit_test(test_workflow_runs),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
