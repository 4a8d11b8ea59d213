#include "core/engine/verdict.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/base/utf8.h"

void
finding_release(struct finding *f)
{
    json_decref(f->details);
    f->details = NULL;
}

void
finding_summary(struct finding *f, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(f->summary, sizeof(f->summary), fmt, ap);
    va_end(ap);
    /* it quotes names and messages from outside, and is cut at 255 bytes: it goes into
     * JSON (--json, the audit log), which takes UTF-8 only */
    utf8_clean(f->summary);
}

void
remedy_release(struct remedy *r)
{
    json_decref(r->data);
    r->data = NULL;
}

void
remedy_text(struct remedy *r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(r->text, sizeof(r->text), fmt, ap);
    va_end(ap);
}

void
remedy_line(struct remedy *r, const char *fmt, ...)
{
    size_t used = strlen(r->lines);
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(r->lines + used, sizeof(r->lines) - used, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n + 2 > sizeof(r->lines) - used) {
        r->lines[used] = '\0';
        return;
    }
    utf8_clean(r->lines + used);
    strcat(r->lines + used, "\n");
}
