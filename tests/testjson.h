/* Shared by the unit tests that build JSON by hand: j(TEXT) parses TEXT or fails the
 * test naming the parse error. Include after cmocka.h. */
#ifndef PROMOTE_TESTJSON_H
#define PROMOTE_TESTJSON_H

#include <jansson.h>

static json_t *
j(const char *text)
{
    json_error_t je;
    json_t *v = json_loads(text, 0, &je);

    if (!v)
        fail_msg("bad test JSON: %s", je.text);
    return v;
}

#endif
