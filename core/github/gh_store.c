/* The store of GitHub resources one command fetched, memoised by path. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/github/gh.h"

static int vpath(char *out, size_t outsz, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static int
vpath(char *out, size_t outsz, const char *fmt, va_list ap)
{
    int n = vsnprintf(out, outsz, fmt, ap);

    return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

static struct gh_res *
find(const struct gh_store *s, const char *path)
{
    size_t i;

    for (i = 0; i < s->n; i++)
        if (strcmp(s->res[i].path, path) == 0)
            return &s->res[i];
    return NULL;
}

int
gh_want(struct gh_store *s, enum gh_paging paging, const char *items_key, struct err *e,
        const char *fmt, ...)
{
    char path[1024];
    struct gh_res *r;
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = vpath(path, sizeof(path), fmt, ap);
    va_end(ap);
    if (rc < 0)
        return err_set(e, EXIT_EVAL, "GitHub path too long");
    if (find(s, path))
        return 0;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        struct gh_res *p = realloc(s->res, cap * sizeof(*p));

        if (!p)
            return err_set(e, EXIT_EVAL, "out of memory");
        s->res = p;
        s->cap = cap;
    }
    r = &s->res[s->n];
    memset(r, 0, sizeof(*r));
    r->path = strdup(path);
    if (!r->path)
        return err_set(e, EXIT_EVAL, "out of memory");
    r->paging = paging;
    r->items_key = items_key;
    s->n++;
    return 0;
}

const struct gh_res *
gh_find(const struct gh_store *s, const char *fmt, ...)
{
    char path[1024];
    va_list ap;
    int rc;

    if (!s)
        return NULL;
    va_start(ap, fmt);
    rc = vpath(path, sizeof(path), fmt, ap);
    va_end(ap);
    return rc < 0 ? NULL : find(s, path);
}

int
gh_pending(const struct gh_store *s)
{
    size_t i;

    for (i = 0; i < s->n; i++)
        if (s->res[i].state == GH_WANTED)
            return 1;
    return 0;
}

void
gh_store_release(struct gh_store *s)
{
    size_t i;

    for (i = 0; i < s->n; i++) {
        free(s->res[i].path);
        json_decref(s->res[i].json);
    }
    free(s->res);
    memset(s, 0, sizeof(*s));
}
