/* The list of violations: adding one (add, for every judge), sorting and the JSON form. */
#include "core/envcheck/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/utf8.h"

void
envcheck_result_init(struct envcheck_result *r)
{
    memset(r, 0, sizeof(*r));
}

void
envcheck_result_release(struct envcheck_result *r)
{
    size_t i;

    for (i = 0; i < r->n; i++) {
        free(r->v[i].file);
        free(r->v[i].message);
    }
    free(r->v);
    memset(r, 0, sizeof(*r));
}

void
envcheck_add(struct envcheck_result *r, const char *file, long line, const char *rule,
             const char *fmt, ...)
{
    struct envcheck_violation *v;
    char msg[512];
    va_list ap;

    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;

        v = realloc(r->v, cap * sizeof(*v));
        if (!v) {
            r->oom = 1;
            return;
        }
        r->v = v;
        r->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    v = &r->v[r->n];
    v->file = strdup(file);
    v->message = strdup(msg);
    v->line = line;
    snprintf(v->rule, sizeof(v->rule), "%s", rule);
    if (!v->file || !v->message) {
        free(v->file);
        free(v->message);
        r->oom = 1;
        return;
    }
    utf8_clean(v->file);
    utf8_clean(v->message);
    r->n++;
}

static int
cmp_violation(const void *a, const void *b)
{
    const struct envcheck_violation *x = a, *y = b;
    int c = strcmp(x->file, y->file);

    if (c)
        return c;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    c = strcmp(x->rule, y->rule);
    return c ? c : strcmp(x->message, y->message);
}

void
envcheck_result_sort(struct envcheck_result *r)
{
    if (r->n > 1)
        qsort(r->v, r->n, sizeof(*r->v), cmp_violation);
}

json_t *
envcheck_result_json(const struct envcheck_result *r)
{
    json_t *a = json_array(), *o;
    size_t i;

    if (!a)
        return NULL;
    for (i = 0; i < r->n; i++) {
        const struct envcheck_violation *v = &r->v[i];

        o = json_pack("{s:s, s:o, s:s, s:s}", "file", v->file, "line",
                      v->line > 0 ? json_integer(v->line) : json_null(), "rule", v->rule, "message",
                      v->message);
        if (!o || json_array_append_new(a, o) < 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}
