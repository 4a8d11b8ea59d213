/* The engine (core/engine/engine.c) with fake gates: every collect runs before any
 * evaluate, a collect that fails is an error and never a pass, a hold refuses before any
 * gate runs, the commit moved is what FROM last deployed, and a request it cannot evaluate
 * is refused. No files, no git, no GitHub: the BBWS policy's gates are all fakes here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/engine/engine.h"
#include "gates/gate.h"

#include "testjson.h"
#include "testpolicy.h"

#define A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define NOW 1764547200

static struct {
    char calls[2048];       /* "c:unit-tests,...,e:unit-tests,..." */
    const char *collect_fails; /* the gate (by name) whose collect fails */
    const char *fails;         /* the gate whose evaluate fails */
    const char *needs_actor;   /* a gate type that needs an actor */
    char commit[41];           /* the commit collect saw */
} fk;

static void
called(const char *what, const char *name)
{
    snprintf(fk.calls + strlen(fk.calls), sizeof(fk.calls) - strlen(fk.calls), "%s%s:%s",
             fk.calls[0] ? "," : "", what, name);
}

static const char *
name_of(const json_t *rule)
{
    return json_string_value(json_object_get(rule, "name"));
}

static int
fake_collect(const struct gate_ctx *ctx, struct evidence *ev, struct err *e)
{
    called("c", name_of(ctx->rule));
    snprintf(fk.commit, sizeof(fk.commit), "%s", ctx->commit);
    if (fk.collect_fails && strcmp(fk.collect_fails, name_of(ctx->rule)) == 0)
        return err_set(e, EXIT_EVAL, "reports/junit.xml: no such file");
    ev->data = json_pack("{s:s}", "gate", name_of(ctx->rule));
    return 0;
}

static enum verdict
fake_evaluate(const struct evidence *ev, const json_t *rule, time_t now, struct finding *f)
{
    const char *name = name_of(rule);

    called("e", name);
    assert_int_equal(now, NOW);
    assert_string_equal(json_string_value(json_object_get(ev->data, "gate")), name);
    if (fk.fails && strcmp(fk.fails, name) == 0) {
        finding_summary(f, "%s: 2 of 894 tests failed", name);
        return VERDICT_FAIL;
    }
    finding_summary(f, "%s: passed", name);
    return VERDICT_PASS;
}

static struct gate fake = {.collect = fake_collect, .evaluate = fake_evaluate};
static struct gate fake_actor = {.collect = fake_collect, .evaluate = fake_evaluate,
                                 .needs_actor = 1};

static const struct gate *
fake_find(const char *type)
{
    fake.type = type;
    if (fk.needs_actor && strcmp(type, fk.needs_actor) == 0) {
        fake_actor.type = type;
        return &fake_actor;
    }
    return &fake;
}

/* dev has A deployed (seq 2); what the request evaluates dev -> sit */
static const char *const dev_log =
    "[{\"seq\":1,\"kind\":\"decision\",\"env\":\"dev\",\"commit\":\"" B "\","
    "\"verdict\":\"approved\"},"
    "{\"seq\":2,\"kind\":\"deployment\",\"env\":\"dev\",\"commit\":\"" A "\","
    "\"result\":\"success\"}]";

static void
request(struct engine_req *req, const json_t *history)
{
    memset(req, 0, sizeof(*req));
    req->policy = bbws;
    req->from = "dev";
    req->to = "sit";
    req->now = NOW;
    req->history = history;
    req->find = fake_find;
}

/* Each test: the fakes reset, dev's log, a request dev -> sit over it, a decision. */
struct fx {
    json_t *h;
    struct engine_req req;
    struct decision d;
    struct err e;
};

static int
setup(void **state)
{
    static struct fx f;

    memset(&fk, 0, sizeof(fk));
    memset(&f, 0, sizeof(f));
    f.h = j(dev_log);
    request(&f.req, f.h);
    *state = &f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;

    decision_release(&f->d);
    json_decref(f->h);
    return 0;
}

/* Run the request: it evaluates. */
static void
run(struct fx *f)
{
    if (engine_run(&f->d, &f->req, &f->e) < 0)
        fail_msg("%s", f->e.msg);
}

/* The calls, in order, every gate of dev -> sit collected then evaluated. */
static void
expect_collect_then_evaluate(const struct decision *d)
{
    char want[2048] = "";
    size_t i, len = 0;

    for (i = 0; i < d->n_results; i++)
        len += (size_t)snprintf(want + len, sizeof(want) - len, "%sc:%s", i ? "," : "",
                                d->results[i].name);
    for (i = 0; i < d->n_results; i++)
        if (!fk.collect_fails || strcmp(fk.collect_fails, d->results[i].name) != 0)
            len += (size_t)snprintf(want + len, sizeof(want) - len, ",e:%s",
                                    d->results[i].name);
    assert_string_equal(fk.calls, want);
}

static void
test_all_pass_is_approved_and_collect_comes_first(void **state)
{
    struct fx *f = *state;
    size_t i;

    run(f);
    assert_int_equal(f->d.verdict, DECISION_APPROVED);
    assert_int_equal(f->d.n_results,
                     json_array_size(policy_promotion(bbws, "dev", "sit")->gates));
    assert_true(f->d.n_results >= 6);
    expect_collect_then_evaluate(&f->d);
    /* the commit moved is what dev last deployed, not its branch's tip */
    assert_string_equal(f->d.commit, A);
    assert_string_equal(fk.commit, A);
    assert_string_equal(f->d.from, "dev");
    assert_string_equal(f->d.to, "sit");
    assert_string_equal(f->d.policy_sha256, bbws->sha256_hex);
    for (i = 0; i < f->d.n_results; i++) {
        assert_int_equal(f->d.results[i].verdict, VERDICT_PASS);
        assert_string_equal(json_string_value(json_object_get(f->d.results[i].data, "gate")),
                            f->d.results[i].name);
    }
}

static void
test_a_failing_gate_rejects(void **state)
{
    struct fx *f = *state;

    fk.fails = "unit-tests";
    run(f);
    assert_int_equal(f->d.verdict, DECISION_REJECTED);
    assert_int_equal(decision_exit_code(f->d.verdict), 1);
    assert_string_equal(f->d.results[0].name, "unit-tests");
    assert_int_equal(f->d.results[0].verdict, VERDICT_FAIL);
    assert_string_equal(f->d.results[0].finding.summary, "unit-tests: 2 of 894 tests failed");
}

static void
test_a_collect_that_fails_is_an_error_never_a_pass(void **state)
{
    struct fx *f = *state;
    size_t i, errors = 0;

    fk.collect_fails = "integration-tests";
    run(f);
    assert_int_equal(f->d.verdict, DECISION_ERROR);
    assert_int_equal(decision_exit_code(f->d.verdict), 3);
    expect_collect_then_evaluate(&f->d); /* the others are still judged */
    for (i = 0; i < f->d.n_results; i++)
        if (f->d.results[i].verdict == VERDICT_ERROR) {
            errors++;
            assert_string_equal(f->d.results[i].name, "integration-tests");
            assert_string_equal(f->d.results[i].finding.summary,
                                "reports/junit.xml: no such file");
        }
    assert_int_equal(errors, 1);
}

static void
test_no_actor_is_an_error_for_a_gate_that_needs_one(void **state)
{
    struct fx *f = *state;
    size_t i;

    fk.needs_actor = "role_approval";
    run(f);
    assert_int_equal(f->d.verdict, DECISION_ERROR);
    for (i = 0; i < f->d.n_results; i++)
        if (strcmp(f->d.results[i].type, "role_approval") == 0) {
            assert_int_equal(f->d.results[i].verdict, VERDICT_ERROR);
            assert_string_equal(f->d.results[i].finding.summary,
                                "the actor was not established");
        }
    assert_null(strstr(fk.calls, "c:tech-lead"));
}

static void
test_a_hold_refuses_before_any_gate(void **state)
{
    struct fx *f = *state;

    json_array_append_new(f->h, j("{\"seq\":3,\"kind\":\"hold\",\"env\":\"sit\","
                                  "\"reason\":\"INC-7 freeze\","
                                  "\"time\":\"2025-11-30T10:00:00Z\"}"));
    f->req.explain = 1;
    run(f);
    assert_int_equal(f->d.verdict, DECISION_REJECTED);
    assert_string_equal(fk.calls, "");
    assert_int_equal(f->d.n_results, 1);
    assert_string_equal(f->d.results[0].name, "hold");
    assert_string_equal(f->d.results[0].finding.summary,
                        "sit is on hold since seq 3 (hold): INC-7 freeze");
    assert_non_null(strstr(f->d.results[0].remedy.text, "promote unhold sit --reason TEXT"));
}

/* The request F holds is refused with exit CODE and a message holding WANT. */
static void
refused(struct fx *f, int code, const char *want)
{
    assert_int_equal(engine_run(&f->d, &f->req, &f->e), -1);
    assert_int_equal(f->e.code, code);
    if (!strstr(f->e.msg, want))
        fail_msg("'%s' does not say '%s'", f->e.msg, want);
    request(&f->req, f->h);
}

static void
test_what_cannot_be_evaluated_is_refused(void **state)
{
    struct fx *f = *state;
    struct evidence_override ov[2] = {{"nope", "x.xml"}, {"unit-tests", "y.xml"}};

    f->req.to = "qa";
    refused(f, EXIT_USAGE, "unknown environment 'qa'");
    f->req.from = "sit";
    f->req.to = "dev";
    refused(f, EXIT_USAGE, "has no promotion from 'sit' to 'dev'");
    f->req.overrides = ov;
    f->req.n_overrides = 1;
    refused(f, EXIT_USAGE, "--evidence: no gate named 'nope' in dev -> sit");
    /* the fakes read no file: an override of one of them is refused as such */
    f->req.overrides = ov + 1;
    f->req.n_overrides = 1;
    refused(f, EXIT_USAGE, "--evidence: gate 'unit-tests' reads no evidence file");
    /* no verified log: nothing is evaluated */
    f->req.history = NULL;
    refused(f, EXIT_EVAL, "no verified audit log");
    assert_string_equal(fk.calls, "");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_all_pass_is_approved_and_collect_comes_first),
        T(test_a_failing_gate_rejects),
        T(test_a_collect_that_fails_is_an_error_never_a_pass),
        T(test_no_actor_is_an_error_for_a_gate_that_needs_one),
        T(test_a_hold_refuses_before_any_gate),
        T(test_what_cannot_be_evaluated_is_refused),
    };

    return cmocka_run_group_tests(tests, bbws_load, bbws_free);
}
