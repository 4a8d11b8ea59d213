/* The one clock: linked twice, once with the test hooks off as promote is, which must
 * ignore PROMOTE_NOW, and once with them on as promote-test is (EXPECT_HOOKS), which must
 * honour it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <time.h>

#include "core/clock.h"

static void
test_promote_now(void **state)
{
    struct err e = ERR_INIT;
    time_t now = 0, real;

    (void)state;
    assert_int_equal(setenv("PROMOTE_NOW", "2001-01-01T00:00:00Z", 1), 0);
    real = time(NULL);
    assert_int_equal(clock_now(&now, &e), 0);
#ifdef EXPECT_HOOKS
    (void)real;
    assert_int_equal((long long)now, 978307200LL);
#else
    /* a release build: the variable changes nothing */
    assert_true(now >= real && now <= real + 5);
#endif
}

static void
test_malformed_promote_now(void **state)
{
    struct err e = ERR_INIT;
    time_t now = 0;

    (void)state;
    assert_int_equal(setenv("PROMOTE_NOW", "next tuesday", 1), 0);
#ifdef EXPECT_HOOKS
    assert_int_equal(clock_now(&now, &e), -1);
    assert_int_equal(e.code, EXIT_USAGE);
#else
    assert_int_equal(clock_now(&now, &e), 0);
    assert_true(now > 978307200);
#endif
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_promote_now),
        cmocka_unit_test(test_malformed_promote_now),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
