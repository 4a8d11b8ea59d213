/* The GitHub client's configuration and the store; the HTTP side is tested end to
 * end against the simulator (tests/e2e/t02*). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/github/curlso.h"
#include "core/github/gh.h"

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
ok_api(const char *api)
{
    struct gh_config cfg = {api, "a/b", 1000, 0, NULL, NULL};
    struct gh *gh = NULL;
    struct err e = ERR_INIT;

    if (gh_new(&gh, &cfg, &e) < 0)
        fail_msg("'%s' refused: %s", api, e.msg);
    gh_free(gh);
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
    /* plain http: loopback literals and localhost only, decided without a lookup */
    ok_api("http://127.0.0.1:9");
    ok_api("http://127.1.2.3:9/");
    ok_api("http://localhost:9");
    ok_api("http://LocalHost:9");
    ok_api("http://[::1]:9");
    new_fails("http://127.example.invalid", "a/b", "plain http only on loopback");
    new_fails("http://127.0.0.1.nip.io:9", "a/b", "plain http only on loopback");
    new_fails("http://localhost.example:9", "a/b", "plain http only on loopback");
    new_fails("http://localhost.:9", "a/b", "plain http only on loopback");
    new_fails("http://128.0.0.1:9", "a/b", "plain http only on loopback");
    new_fails("http://[::2]:9", "a/b", "plain http only on loopback");
    new_fails("http://[::ffff:10.0.0.1]:9", "a/b", "plain http only on loopback");
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

static void
test_retry_after(void **state)
{
    const time_t now = 1795572000; /* 2026-11-25T02:00:00Z */
    long w = -7;

    (void)state;
    assert_int_equal(gh_parse_retry_after(&w, "0", now), 0);
    assert_int_equal(w, 0);
    assert_int_equal(gh_parse_retry_after(&w, "120", now), 0);
    assert_int_equal(w, 120);
    assert_int_equal(gh_parse_retry_after(&w, " 5 ", now), 0);
    assert_int_equal(w, 5);
    assert_int_equal(gh_parse_retry_after(&w, "31622400", now), 0); /* 366 days */
    assert_int_equal(w, GH_MAX_HEADER_WAIT_S);
    /* an HTTP-date: ahead, past, too far ahead */
    assert_int_equal(gh_parse_retry_after(&w, "Wed, 25 Nov 2026 02:01:30 GMT", now), 0);
    assert_int_equal(w, 90);
    assert_int_equal(gh_parse_retry_after(&w, "Wed, 21 Oct 2015 07:28:00 GMT", now), 0);
    assert_int_equal(w, 0);
    w = -7;
    assert_int_equal(gh_parse_retry_after(&w, "Fri, 31 Dec 9999 23:59:59 GMT", now), -1);
    /* hostile or malformed: never a wait */
    assert_int_equal(gh_parse_retry_after(&w, "31622401", now), -1);
    assert_int_equal(gh_parse_retry_after(&w, "1e30", now), -1);
    assert_int_equal(gh_parse_retry_after(&w, "nan", now), -1);
    assert_int_equal(gh_parse_retry_after(&w, "NaN", now), -1);
    assert_int_equal(gh_parse_retry_after(&w, "inf", now), -1);
    assert_int_equal(gh_parse_retry_after(&w, "infinity", now), -1);
    assert_int_equal(gh_parse_retry_after(&w, "-5", now), -1);
    assert_int_equal(gh_parse_retry_after(&w, "+5", now), -1);
    assert_int_equal(gh_parse_retry_after(&w, "5.5", now), -1);
    assert_int_equal(gh_parse_retry_after(&w, "0x10", now), -1);
    assert_int_equal(gh_parse_retry_after(&w, "99999999999999999999", now), -1);
    assert_int_equal(gh_parse_retry_after(&w, "9223372036854775808", now), -1);
    assert_int_equal(gh_parse_retry_after(&w, "", now), -1);
    assert_int_equal(gh_parse_retry_after(&w, "   ", now), -1);
    assert_int_equal(gh_parse_retry_after(&w, "soon", now), -1);
    assert_int_equal(gh_parse_retry_after(&w, NULL, now), -1);
    assert_int_equal(w, -7); /* untouched on failure */
}

static void
test_ratelimit_reset(void **state)
{
    const time_t now = 1795572000;
    long w = -7;

    (void)state;
    assert_int_equal(gh_parse_ratelimit_reset(&w, "1795572060", now), 0);
    assert_int_equal(w, 60);
    assert_int_equal(gh_parse_ratelimit_reset(&w, "1795571000", now), 0);
    assert_int_equal(w, 0);
    assert_int_equal(gh_parse_ratelimit_reset(&w, "0", now), 0);
    assert_int_equal(w, 0);
    assert_int_equal(gh_parse_ratelimit_reset(&w, "1827194400", now), 0); /* now + 366 days */
    assert_int_equal(w, GH_MAX_HEADER_WAIT_S);
    w = -7;
    assert_int_equal(gh_parse_ratelimit_reset(&w, "1827194401", now), -1);
    assert_int_equal(gh_parse_ratelimit_reset(&w, "99999999999999999999", now), -1);
    assert_int_equal(gh_parse_ratelimit_reset(&w, "9223372036854775807", now), -1);
    assert_int_equal(gh_parse_ratelimit_reset(&w, "-1", now), -1);
    assert_int_equal(gh_parse_ratelimit_reset(&w, "1e30", now), -1);
    assert_int_equal(gh_parse_ratelimit_reset(&w, "nan", now), -1);
    assert_int_equal(gh_parse_ratelimit_reset(&w, "1795572060.5", now), -1);
    assert_int_equal(gh_parse_ratelimit_reset(&w, "", now), -1);
    assert_int_equal(gh_parse_ratelimit_reset(&w, NULL, now), -1);
    assert_int_equal(w, -7);
}

static void
excerpt(const char *text, size_t max, const char *secret, const char *want)
{
    char out[200];

    gh_excerpt(out, sizeof(out), text, strlen(text), max, secret);
    assert_string_equal(out, want);
}

static void
test_excerpt(void **state)
{
    const char *tok = "ghp_unitFakeToken0123456789";
    char big[300], out[16];

    (void)state;
    excerpt("Bad credentials", 120, tok, "Bad credentials");
    excerpt("you sent 'Bearer ghp_unitFakeToken0123456789' twice: ghp_unitFakeToken0123456789", 120,
            tok, "you sent 'Bearer [REDACTED]' twice: [REDACTED]");
    excerpt("ghp_unitFakeToken0123456789", 120, NULL, "ghp_unitFakeToken0123456789");
    excerpt("ghp_unitFakeToken0123456789", 120, "", "ghp_unitFakeToken0123456789");
    /* control characters, escapes and bytes beyond ASCII become '?' */
    excerpt("a\nb\rc\td\x1b[31me\x7f\xc2\x85" "f\xe2\x80\xae" "g", 120, tok, "a?b?c?d?[31me???f???g");
    /* cut after MAX characters; a cut through the secret leaves none of it */
    excerpt("0123456789abcdef", 10, tok, "0123456789...");
    excerpt("0123456789", 10, tok, "0123456789");
    excerpt("01234ghp_unitFakeToken0123456789", 10, tok, "01234[REDA...");
    excerpt("0123456789ghp_unitFakeToken0123456789", 10, tok, "0123456789...");
    /* embedded NULs are counted, not an end */
    gh_excerpt(out, sizeof(out), "a\0b", 3, 120, tok);
    assert_string_equal(out, "a?b");
    /* OUT bounds the cut too */
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    gh_excerpt(out, sizeof(out), big, strlen(big), 120, tok);
    assert_string_equal(out, "xxxxxxxxxxxx...");
    gh_excerpt(out, 3, big, strlen(big), 120, tok);
    assert_string_equal(out, "");
    gh_excerpt(out, sizeof(out), NULL, 0, 120, tok);
    assert_string_equal(out, "");
}

static void
web_host(const char *api, const char *want)
{
    char out[300] = "";
    int rc = gh_web_host(out, sizeof(out), api);

    if (!want) {
        assert_int_equal(rc, -1);
        return;
    }
    assert_int_equal(rc, 0);
    assert_string_equal(out, want);
}

static void
test_token_host(void **state)
{
    (void)state;
    web_host("https://api.github.com", "github.com");
    web_host("https://api.github.com/", "github.com");
    web_host("https://API.GitHub.com", "github.com");
    web_host("https://api.acme.ghe.com", "acme.ghe.com");
    web_host("https://ghe.example.com/api/v3", "ghe.example.com");
    web_host("https://ghe.example.com/api/v3/", "ghe.example.com");
    web_host("https://ghe.example.com:8443/api/v3", "ghe.example.com:8443");
    web_host("https://api.github.com:443", "github.com");
    /* plain http (the simulator) and anything unrecognised: no git remote gets the token */
    web_host("http://api.github.com", NULL);
    web_host("http://127.0.0.1:8080", NULL);
    web_host("https://127.0.0.1:8443", NULL);
    web_host("https://github.example.com/some/path", NULL);
    web_host("https://api.", NULL);
    web_host("not a url", NULL);
    web_host(NULL, NULL);

    assert_true(gh_url_on_web_host("https://github.com/bbws/order-service.git", "github.com"));
    assert_true(gh_url_on_web_host("https://GitHub.com/bbws/order-service", "github.com"));
    assert_true(gh_url_on_web_host("https://x-access-token@github.com/o/r.git", "github.com"));
    assert_true(gh_url_on_web_host("https://github.com:443/o/r.git", "github.com"));
    assert_true(gh_url_on_web_host("https://ghe.example.com:8443/o/r", "ghe.example.com:8443"));
    assert_false(gh_url_on_web_host("http://github.com/o/r.git", "github.com"));
    assert_false(gh_url_on_web_host("https://github.com.evil.example/o/r.git", "github.com"));
    assert_false(gh_url_on_web_host("https://evil.example/github.com/o/r.git", "github.com"));
    assert_false(gh_url_on_web_host("https://github.com@evil.example/o/r.git", "github.com"));
    assert_false(gh_url_on_web_host("https://github.com:8443/o/r.git", "github.com"));
    assert_false(gh_url_on_web_host("https://ghe.example.com/o/r", "ghe.example.com:8443"));
    assert_false(gh_url_on_web_host("ssh://git@github.com/o/r.git", "github.com"));
    assert_false(gh_url_on_web_host("git@github.com:o/r.git", "github.com"));
    assert_false(gh_url_on_web_host("https://github.com/o/r.git", ""));
    assert_false(gh_url_on_web_host("https://github.com/o/r.git", NULL));
    assert_false(gh_url_on_web_host(NULL, "github.com"));
}

/* promote does not link libcurl: it is loaded by the first command that needs it, and
 * a command that never talks to GitHub never loads it (this test runs first). */
static void
test_curl_loaded_on_first_use(void **state)
{
    struct err e = ERR_INIT;
    char host[64];
    void *h;

    (void)state;
    assert_null(dlopen(CURLSO_NAME, RTLD_NOW | RTLD_NOLOAD));
    assert_int_equal(gh_web_host(host, sizeof(host), "https://api.github.com"), 0);
    assert_string_equal(host, "github.com");
    h = dlopen(CURLSO_NAME, RTLD_NOW | RTLD_NOLOAD);
    assert_non_null(h);
    dlclose(h);
    assert_int_equal(curlso_load(&e), 0);
    assert_non_null(curlso.easy_init);
    assert_non_null(curlso.global_cleanup);
}

int
main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_curl_loaded_on_first_use),
        cmocka_unit_test(test_repo_from_url),
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_store),
        cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_ratelimit_reset),
        cmocka_unit_test(test_excerpt),
        cmocka_unit_test(test_token_host),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
