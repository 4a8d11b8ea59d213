#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/engine/decision.h"

static void
conclude(enum verdict a, enum verdict b, enum decision_verdict want)
{
    struct gate_result r[2];

    memset(r, 0, sizeof(r));
    r[0].verdict = a;
    r[1].verdict = b;
    assert_int_equal(decision_conclude(r, 2), want);
}

static void
test_conclude(void **state)
{
    (void)state;
    conclude(VERDICT_PASS, VERDICT_PASS, DECISION_APPROVED);
    conclude(VERDICT_PASS, VERDICT_FAIL, DECISION_REJECTED);
    conclude(VERDICT_FAIL, VERDICT_FAIL, DECISION_REJECTED);
    conclude(VERDICT_FAIL, VERDICT_ERROR, DECISION_ERROR);
    conclude(VERDICT_ERROR, VERDICT_PASS, DECISION_ERROR);
}

static void
test_zero_values_never_pass(void **state)
{
    struct gate_result r;
    struct decision d;

    (void)state;
    memset(&r, 0, sizeof(r));
    memset(&d, 0, sizeof(d));
    assert_int_equal(r.verdict, VERDICT_ERROR);
    assert_int_equal(d.verdict, DECISION_ERROR);
    assert_int_equal(decision_conclude(&r, 1), DECISION_ERROR);
    assert_int_equal(decision_conclude(NULL, 0), DECISION_ERROR);
}

static void
test_names_and_exit_codes(void **state)
{
    (void)state;
    assert_string_equal(decision_verdict_name(DECISION_APPROVED), "approved");
    assert_string_equal(decision_verdict_name(DECISION_REJECTED), "rejected");
    assert_string_equal(decision_verdict_name(DECISION_ERROR), "error");
    assert_string_equal(decision_status_name(VERDICT_PASS), "pass");
    assert_string_equal(decision_status_name(VERDICT_FAIL), "fail");
    assert_string_equal(decision_status_name(VERDICT_ERROR), "error");
    assert_int_equal(decision_exit_code(DECISION_APPROVED), 0);
    assert_int_equal(decision_exit_code(DECISION_REJECTED), 1);
    assert_int_equal(decision_exit_code(DECISION_ERROR), 3);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conclude),
        cmocka_unit_test(test_zero_values_never_pass),
        cmocka_unit_test(test_names_and_exit_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
