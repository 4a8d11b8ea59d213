/* separation_of_duties on a hand-filled GitHub store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/github/gh.h"
#include "gates/gate.h"

#include "testjson.h"

#define SHA "abcdefabcdefabcdefabcdefabcdefabcdefabcd"
#define R "/repos/bbws/order-service"

/* Plan, fill the store as GitHub would answer, collect, evaluate. */
static enum verdict
run(const char *actor, const char *commit_json, const char *pulls_json, int fail_pulls,
    struct finding *f, struct err *ce)
{
    const struct gate *g = gate_find("separation_of_duties");
    struct gh_store s = GH_STORE_INIT;
    struct gate_ctx ctx;
    struct evidence ev;
    struct err e = ERR_INIT;
    enum verdict v = VERDICT_ERROR;
    size_t i;

    assert_non_null(g);
    memset(&ctx, 0, sizeof(ctx));
    memset(&ev, 0, sizeof(ev));
    memset(f, 0, sizeof(*f));
    ctx.owner = "bbws";
    ctx.name = "order-service";
    ctx.commit = SHA;
    ctx.actor = actor;
    ctx.actor_error = "cannot establish the actor";
    ctx.gh = &s;
    strcpy(ev.commit, SHA);
    assert_int_equal(g->plan(&ctx, &s, &e), 0);
    assert_int_equal(s.n, 2);
    for (i = 0; i < s.n; i++) {
        int pulls = strstr(s.res[i].path, "/pulls") != NULL;

        s.res[i].state = pulls && fail_pulls ? GH_FAILED : GH_OK;
        if (s.res[i].state == GH_FAILED)
            strcpy(s.res[i].error, "GET " R "/commits/" SHA "/pulls: HTTP 502 (after 3 retries)");
        else
            s.res[i].json = j(pulls ? pulls_json : commit_json);
    }
    if (g->collect(&ctx, &ev, ce) == 0)
        v = g->evaluate(&ev, NULL, 0, f);
    evidence_release(&ev);
    gh_store_release(&s);
    return v;
}

#define COMMIT_BY(login)                                                                           \
    "{\"sha\": \"" SHA "\", \"author\": {\"login\": \"" login "\"}, "                              \
    "\"commit\": {\"author\": {\"name\": \"N\"}}}"
#define PULLS "[{\"number\": 7, \"user\": {\"login\": \"thandi\"}}]"

static void
test_separation(void **state)
{
    struct finding f;
    struct err e = ERR_INIT;

    (void)state;
    assert_int_equal(run("naledi", COMMIT_BY("sipho"), PULLS, 0, &f, &e), VERDICT_PASS);
    finding_release(&f);
    assert_int_equal(run("sipho", COMMIT_BY("sipho"), PULLS, 0, &f, &e), VERDICT_FAIL);
    assert_string_equal(f.summary, "the promoter sipho wrote commit abcdefabcdef");
    finding_release(&f);
    assert_int_equal(run("Thandi", COMMIT_BY("sipho"), PULLS, 0, &f, &e), VERDICT_FAIL);
    assert_string_equal(f.summary, "the promoter Thandi opened pull request #7");
    finding_release(&f);
    /* an author without a GitHub account: nobody can tell, so it is an error */
    assert_int_equal(run("naledi",
                         "{\"sha\": \"" SHA "\", \"author\": null, "
                         "\"commit\": {\"author\": {\"name\": \"Build Bot\"}}}",
                         PULLS, 0, &f, &e),
                     VERDICT_ERROR);
    assert_non_null(strstr(f.summary, "(Build Bot) has no GitHub account"));
    finding_release(&f);
}

static void
test_separation_errors(void **state)
{
    struct finding f;
    struct err e = ERR_INIT;

    (void)state;
    assert_int_equal(run("naledi", COMMIT_BY("sipho"), PULLS, 1, &f, &e), VERDICT_ERROR);
    assert_non_null(strstr(e.msg, "HTTP 502"));
    finding_release(&f);
    assert_int_equal(run(NULL, COMMIT_BY("sipho"), PULLS, 0, &f, &e), VERDICT_ERROR);
    assert_string_equal(e.msg, "cannot establish the actor");
    finding_release(&f);
    assert_int_equal(run("naledi", COMMIT_BY("sipho"), "[{\"number\": 7}]", 0, &f, &e),
                     VERDICT_ERROR);
    assert_non_null(strstr(e.msg, "without number or user"));
    finding_release(&f);
    /* an author that is not null and not a user with a login is malformed, not "no
     * account"; so is a missing author, and a git author's name that is not a string */
    {
        static const char *const bad[] = {
            "{\"author\": {\"login\": 5}, \"commit\": {\"author\": {\"name\": \"N\"}}}",
            "{\"author\": \"sipho\", \"commit\": {\"author\": {\"name\": \"N\"}}}",
            "{\"commit\": {\"author\": {\"name\": \"N\"}}}",
            "{\"author\": null, \"commit\": {\"author\": {\"name\": 4}}}",
        };
        size_t i;

        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            struct err be = ERR_INIT;

            assert_int_equal(run("naledi", bad[i], PULLS, 0, &f, &be), VERDICT_ERROR);
            assert_string_equal(be.msg, "GET " R "/commits/" SHA ": the commit's author is "
                                        "neither null nor a user with a login, or its git "
                                        "author's name is not a string");
            finding_release(&f);
        }
    }
}

int
main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_separation),
        cmocka_unit_test(test_separation_errors),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
