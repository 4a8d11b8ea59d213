#include "err.h"

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
