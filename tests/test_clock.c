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

#include "core/base/clock.h"

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

static void
test_clock_rate(void **state)
{
    struct err e = ERR_INIT;
    struct timespec nap = {0, 300000000};
    time_t first = 0, later = 0;

    (void)state;
    assert_int_equal(setenv("PROMOTE_NOW", "2001-01-01T00:00:00Z", 1), 0);
    assert_int_equal(setenv("PROMOTE_CLOCK_RATE", "100", 1), 0);
    assert_int_equal(clock_now(&first, &e), 0);
    nanosleep(&nap, NULL);
    assert_int_equal(clock_now(&later, &e), 0);
#ifdef EXPECT_HOOKS
    /* the first reading is PROMOTE_NOW (give or take the readings before), then it runs */
    assert_true(first >= 978307200LL && first < 978307200LL + 30);
    assert_true(later >= first + 29);
    assert_int_equal(setenv("PROMOTE_CLOCK_RATE", "fast", 1), 0);
    assert_int_equal(clock_now(&later, &e), -1);
    assert_int_equal(e.code, EXIT_USAGE);
#else
    assert_true(later >= first && later <= first + 5);
#endif
    unsetenv("PROMOTE_CLOCK_RATE");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_promote_now),
        cmocka_unit_test(test_malformed_promote_now),
        cmocka_unit_test(test_clock_rate),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
