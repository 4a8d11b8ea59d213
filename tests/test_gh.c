/* The GitHub client's configuration and the store; the HTTP side is tested end to
 * end against the simulator (tests/e2e/t02*). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/gh.h"

static void
repo_url(const char *url, const char *want)
{
    char out[256] = "";
    int rc = gh_repo_from_url(out, sizeof(out), url);

    if (!want) {
        assert_int_equal(rc, -1);
        return;
    }
    assert_int_equal(rc, 0);
    assert_string_equal(out, want);
}

static void
test_repo_from_url(void **state)
{
    (void)state;
    repo_url("https://github.com/bbws/order-service.git", "bbws/order-service");
    repo_url("https://github.com/bbws/order-service", "bbws/order-service");
    repo_url("https://github.com/bbws/order-service/", "bbws/order-service");
    repo_url("git@github.com:bbws/order-service.git", "bbws/order-service");
    repo_url("ssh://git@github.com/bbws/order-service.git", "bbws/order-service");
    repo_url("https://ghe.example.com/bbws/order.service.git", "bbws/order.service");
    repo_url("https://github.com/bbws", NULL);
    repo_url("https://github.com/a/b/c", NULL);
    repo_url("/srv/git/order-service.git", NULL);
    repo_url("order-service", NULL);
}

static void
new_fails(const char *api, const char *repo, const char *needle)
{
    struct gh_config cfg = {api, repo, 1000, 0, NULL, NULL};
    struct gh *gh = NULL;
    struct err e = ERR_INIT;

    assert_int_equal(gh_new(&gh, &cfg, &e), -1);
    assert_null(gh);
    assert_int_equal(e.code, EXIT_USAGE);
    if (!strstr(e.msg, needle))
        fail_msg("'%s' lacks '%s'", e.msg, needle);
}

static void
test_config(void **state)
{
    struct gh_config cfg = {"http://127.0.0.1:9/", "bbws/order-service", 1000, 0, NULL, NULL};
    struct gh *gh = NULL;
    struct err e = ERR_INIT;

    (void)state;
    setenv("GITHUB_TOKEN", "ghp_unitFakeToken", 1);
    assert_int_equal(gh_new(&gh, &cfg, &e), 0);
    assert_string_equal(gh_owner(gh), "bbws");
    assert_string_equal(gh_name(gh), "order-service");
    assert_true(gh_has_token(gh));
    gh_free(gh);
    unsetenv("GITHUB_TOKEN");
    setenv("GH_TOKEN", "ghp_other", 1);
    assert_int_equal(gh_new(&gh, &cfg, &e), 0);
    assert_true(gh_has_token(gh));
    gh_free(gh);
    unsetenv("GH_TOKEN");
    assert_int_equal(gh_new(&gh, &cfg, &e), 0);
    assert_false(gh_has_token(gh));
    gh_free(gh);
    new_fails("http://api.example.com", "a/b", "plain http only on loopback");
    new_fails("http://10.0.0.1:8080", "a/b", "plain http only on loopback");
    new_fails("ftp://127.0.0.1", "a/b", "only https is allowed");
    new_fails("not a url", "a/b", "is not a valid URL");
    new_fails("https://api.github.com", "justone", "is not OWNER/NAME");
    new_fails("https://api.github.com", "a/b/c", "is not OWNER/NAME");
    new_fails("https://api.github.com", "a/b;rm", "is not OWNER/NAME");
    new_fails("https://api.github.com", NULL, "is not OWNER/NAME");
    setenv("GITHUB_TOKEN", "two words", 1);
    new_fails("https://api.github.com", "a/b", "token in the environment is malformed");
    unsetenv("GITHUB_TOKEN");
}

static void
test_store(void **state)
{
    struct gh_store s = GH_STORE_INIT;
    struct err e = ERR_INIT;
    const struct gh_res *r;
    int i;

    (void)state;
    assert_false(gh_pending(&s));
    assert_int_equal(gh_want(&s, GH_PAGES, NULL, &e, "/repos/%s/%s/pulls/%d/reviews", "o", "r", 5),
                     0);
    assert_int_equal(gh_want(&s, GH_PAGES, NULL, &e, "/repos/o/r/pulls/5/reviews"), 0);
    assert_int_equal(s.n, 1); /* memoised */
    assert_true(gh_pending(&s));
    r = gh_find(&s, "/repos/o/r/pulls/%d/reviews", 5);
    assert_non_null(r);
    assert_int_equal(r->state, GH_WANTED);
    assert_int_equal(r->paging, GH_PAGES);
    assert_null(gh_find(&s, "/repos/o/r/pulls/6/reviews"));
    for (i = 0; i < 100; i++)
        assert_int_equal(gh_want(&s, GH_SINGLE, NULL, &e, "/x/%d", i), 0);
    assert_int_equal(s.n, 101);
    s.res[0].state = GH_OK;
    for (i = 1; i < 101; i++)
        s.res[i].state = GH_NOT_FOUND;
    assert_false(gh_pending(&s));
    gh_store_release(&s);
    assert_int_equal(s.n, 0);
}

int
main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_repo_from_url),
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_store),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
