#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/buf.h"
#include "core/base/err.h"

static void
test_buf_grows_and_terminates(void **state)
{
    struct buf b = BUF_INIT;
    int i;

    (void)state;
    assert_string_equal(buf_str(&b), "");
    for (i = 0; i < 1000; i++)
        assert_int_equal(buf_addf(&b, "%d,", i), 0);
    assert_int_equal(b.len, strlen(b.ptr));
    assert_memory_equal(b.ptr, "0,1,2,", 6);
    assert_string_equal(b.ptr + b.len - 4, "999,");
    buf_release(&b);
    assert_null(b.ptr);
}

static void
test_buf_limit(void **state)
{
    struct buf b = BUF_INIT;

    (void)state;
    b.limit = 8;
    assert_int_equal(buf_adds(&b, "12345678"), 0);
    assert_int_equal(buf_adds(&b, "9"), -1);
    assert_string_equal(buf_str(&b), "12345678");
    buf_release(&b);
}

static void
test_buf_detach_empty(void **state)
{
    struct buf b = BUF_INIT;
    char *s;

    (void)state;
    s = buf_detach(&b);
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
}

static void
test_err_set_and_prefix(void **state)
{
    struct err e = ERR_INIT;

    (void)state;
    assert_int_equal(err_set(&e, EXIT_EVAL, "cannot open '%s'", "x.xml"), -1);
    assert_int_equal(e.code, EXIT_EVAL);
    err_prefix(&e, "gate %s", "unit");
    assert_string_equal(e.msg, "gate unit: cannot open 'x.xml'");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_grows_and_terminates),
        cmocka_unit_test(test_buf_limit),
        cmocka_unit_test(test_buf_detach_empty),
        cmocka_unit_test(test_err_set_and_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
