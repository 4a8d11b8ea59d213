#include "core/base/err.h"

#include <jansson.h>

#include <git2.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int
err_set(struct err *e, int code, const char *fmt, ...)
{
    va_list ap;

    e->code = code;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    return -1;
}

int
err_prefix(struct err *e, const char *fmt, ...)
{
    char head[256];
    char joined[sizeof(head) + sizeof(e->msg) + 2];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(head, sizeof(head), fmt, ap);
    va_end(ap);
    snprintf(joined, sizeof(joined), "%s: %s", head, e->msg);
    memcpy(e->msg, joined, sizeof(e->msg) - 1);
    e->msg[sizeof(e->msg) - 1] = '\0';
    return -1;
}

int
err_git(struct err *e, int code, const char *what)
{
    const git_error *ge = git_error_last();

    return err_set(e, code, "%s: %s", what, ge && ge->message ? ge->message : "unknown libgit2 error");
}

const char *
err_json_kind(const json_error_t *je)
{
    switch (json_error_code(je)) {
    case json_error_premature_end_of_input:
        return "premature end of input";
    case json_error_end_of_input_expected:
        return "end of input expected";
    case json_error_invalid_syntax:
        return "invalid syntax";
    case json_error_invalid_format:
        return "invalid format";
    case json_error_wrong_type:
        return "wrong type";
    case json_error_null_character:
        return "NUL character";
    case json_error_null_value:
        return "null value";
    case json_error_null_byte_in_key:
        return "NUL byte in a key";
    case json_error_duplicate_key:
        return "duplicate object key";
    case json_error_numeric_overflow:
        return "numeric overflow";
    case json_error_item_not_found:
        return "item not found";
    case json_error_index_out_of_range:
        return "index out of range";
    case json_error_invalid_utf8:
        return "invalid UTF-8";
    case json_error_out_of_memory:
        return "out of memory";
    case json_error_cannot_open_file:
        return "cannot open file";
    default:
        return "invalid JSON";
    }
}
