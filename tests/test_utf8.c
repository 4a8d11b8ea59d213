/* utf8_seq and utf8_clean: what jansson takes as UTF-8, and nothing else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/base/utf8.h"

static void
clean_is(const char *in, const char *want)
{
    char s[64];
    json_t *j;

    snprintf(s, sizeof(s), "%s", in);
    utf8_clean(s);
    assert_string_equal(s, want);
    j = json_string(s); /* what the cleaning is for */
    assert_non_null(j);
    json_decref(j);
}

static void
test_seq(void **state)
{
    (void)state;
    assert_int_equal(utf8_seq(""), 0);
    assert_int_equal(utf8_seq("a"), 1);
    assert_int_equal(utf8_seq("\xc3\xa9"), 2);         /* U+00E9 */
    assert_int_equal(utf8_seq("\xe2\x80\x94"), 3);     /* U+2014 */
    assert_int_equal(utf8_seq("\xf0\x9f\x98\x80"), 4); /* U+1F600 */
    assert_int_equal(utf8_seq("\xf4\x8f\xbf\xbf"), 4); /* U+10FFFF */
    assert_int_equal(utf8_seq("\xc3"), 0);             /* cut */
    assert_int_equal(utf8_seq("\xe2\x80"), 0);         /* cut */
    assert_int_equal(utf8_seq("\x80"), 0);             /* a continuation alone */
    assert_int_equal(utf8_seq("\xc0\xaf"), 0);         /* overlong '/' */
    assert_int_equal(utf8_seq("\xe0\x80\xaf"), 0);     /* overlong '/' */
    assert_int_equal(utf8_seq("\xf0\x80\x80\xaf"), 0); /* overlong '/' */
    assert_int_equal(utf8_seq("\xed\xa0\x80"), 0);     /* surrogate U+D800 */
    assert_int_equal(utf8_seq("\xf4\x90\x80\x80"), 0); /* U+110000 */
    assert_int_equal(utf8_seq("\xf5\x80\x80\x80"), 0);
    assert_int_equal(utf8_seq("\xff"), 0);
}

static void
test_clean(void **state)
{
    (void)state;
    clean_is("plain ascii", "plain ascii");
    clean_is("caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x98\x80",
             "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x98\x80");
    clean_is("cut \xc3", "cut ?");
    clean_is("cut \xe2\x80", "cut ??");
    clean_is("\xff\xfe", "??");
    clean_is("a\xed\xa0\x80z", "a???z");
    clean_is("\xc0\xafx", "??x");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seq),
        cmocka_unit_test(test_clean),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
