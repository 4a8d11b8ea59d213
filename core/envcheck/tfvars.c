/* The reader of Terraform variable files: `name = value` lines, anything else a tf-syntax
 * violation. */
#include "core/envcheck/internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/buf.h"

void
envcheck_tfvars_release(struct envcheck_tfvars *t)
{
    size_t i;

    for (i = 0; i < t->n; i++) {
        free(t->vars[i].name);
        free(t->vars[i].value);
    }
    free(t->vars);
    for (i = 0; i < t->n_unread; i++)
        free(t->unread[i]);
    free(t->unread);
    memset(t, 0, sizeof(*t));
}

const struct envcheck_var *
envcheck_tfvars_get(const struct envcheck_tfvars *t, const char *name)
{
    size_t i;

    for (i = 0; i < t->n; i++)
        if (strcmp(t->vars[i].name, name) == 0)
            return &t->vars[i];
    return NULL;
}

int
envcheck_tfvars_has(const struct envcheck_tfvars *t, const char *name)
{
    size_t i;

    for (i = 0; i < t->n_unread; i++)
        if (strcmp(t->unread[i], name) == 0)
            return 1;
    return envcheck_tfvars_get(t, name) != NULL;
}

static const char *
skip_blanks(const char *s, const char *end)
{
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    return s;
}

static int
ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-';
}

/* A quoted string at S (just after the opening quote) up to END into B; the position
 * after the closing quote, or NULL with WHY set. */
static const char *
read_string(struct buf *b, const char *s, const char *end, const char **why)
{
    for (; s < end; s++) {
        char c = *s;

        if (c == '"')
            return s + 1;
        if ((c == '$' || c == '%') && s + 1 < end && s[1] == '{') {
            *why = "template sequences (${...}, %{...}) are not read: give a plain value";
            return NULL;
        }
        if ((c == '$' || c == '%') && s + 2 < end && s[1] == c && s[2] == '{') {
            s++; /* $${ is a literal ${ */
        } else if (c == '\\') {
            if (s + 1 >= end)
                break;
            s++;
            switch (*s) {
            case 'n':
                c = '\n';
                break;
            case 'r':
                c = '\r';
                break;
            case 't':
                c = '\t';
                break;
            case '"':
            case '\\':
                c = *s;
                break;
            default:
                *why = "unsupported escape sequence (only \\n \\r \\t \\\" \\\\ are read)";
                return NULL;
            }
        }
        if (buf_add(b, &c, 1) < 0) {
            *why = "out of memory";
            return NULL;
        }
    }
    *why = "unterminated string (a string ends on its line)";
    return NULL;
}

/* A number: -?digits(.digits)?([eE][+-]?digits)?; the position after it, or NULL. */
static const char *
read_number(const char *s, const char *end)
{
    const char *p = s;

    if (p < end && *p == '-')
        p++;
    if (p >= end || !isdigit((unsigned char)*p))
        return NULL;
    while (p < end && isdigit((unsigned char)*p))
        p++;
    if (p < end && *p == '.') {
        p++;
        if (p >= end || !isdigit((unsigned char)*p))
            return NULL;
        while (p < end && isdigit((unsigned char)*p))
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || !isdigit((unsigned char)*p))
            return NULL;
        while (p < end && isdigit((unsigned char)*p))
            p++;
    }
    return p;
}

/* Remember NAME (LEN bytes), assigned on a line that could not be read. */
static int
note_unread(struct envcheck_tfvars *t, const char *name, size_t len)
{
    char **nu = realloc(t->unread, (t->n_unread + 1) * sizeof(*nu));

    if (!nu)
        return -1;
    t->unread = nu;
    nu[t->n_unread] = strndup(name, len);
    if (!nu[t->n_unread])
        return -1;
    t->n_unread++;
    return 0;
}

/* Parse one line; 0 ok (maybe nothing on it), -1 out of memory. */
static int
parse_line(struct envcheck_tfvars *t, const char *path, long lineno, const char *s, const char *end,
           struct envcheck_result *r)
{
    struct buf value = BUF_INIT;
    const char *p = skip_blanks(s, end), *name, *why = NULL;
    enum envcheck_kind kind = ENVCHECK_STRING;
    struct envcheck_var *nv;
    const struct envcheck_var *prev;
    size_t name_len;
    char name_buf[128];

    if (memchr(s, '\0', (size_t)(end - s))) {
        envcheck_add(r, path, lineno, "tf-syntax", "a NUL byte: not a text file");
        return 0;
    }
    if (p == end || *p == '#' || (end - p >= 2 && p[0] == '/' && p[1] == '/'))
        return 0;
    if (end - p >= 2 && p[0] == '/' && p[1] == '*') {
        envcheck_add(r, path, lineno, "tf-syntax",
                     "block comments (/* */) are not read: use # or //");
        return 0;
    }
    name = p;
    if (!isalpha((unsigned char)*p) && *p != '_') {
        envcheck_add(r, path, lineno, "tf-syntax", "expected 'name = value'");
        return 0;
    }
    while (p < end && ident_char(*p))
        p++;
    name_len = (size_t)(p - name);
    snprintf(name_buf, sizeof(name_buf), "%.*s", (int)(name_len < 100 ? name_len : 100), name);
    p = skip_blanks(p, end);
    if (p == end || *p != '=' || (p + 1 < end && p[1] == '=')) {
        envcheck_add(r, path, lineno, "tf-syntax", "expected '=' after '%s'", name_buf);
        return 0;
    }
    p = skip_blanks(p + 1, end);
    if (p < end && *p == '"') {
        p = read_string(&value, p + 1, end, &why);
        if (!p) {
            buf_release(&value);
            if (strcmp(why, "out of memory") == 0)
                return -1;
            envcheck_add(r, path, lineno, "tf-syntax", "'%s': %s", name_buf, why);
            return note_unread(t, name, name_len);
        }
    } else if (p < end && (*p == '-' || isdigit((unsigned char)*p))) {
        const char *q = read_number(p, end);

        if (!q || (q < end && ident_char(*q))) {
            envcheck_add(r, path, lineno, "tf-syntax", "'%s': not a number", name_buf);
            return note_unread(t, name, name_len);
        }
        kind = ENVCHECK_NUMBER;
        if (buf_add(&value, p, (size_t)(q - p)) < 0)
            return -1;
        p = q;
    } else if ((end - p >= 4 && strncmp(p, "true", 4) == 0 &&
                (end - p == 4 || !ident_char(p[4]))) ||
               (end - p >= 5 && strncmp(p, "false", 5) == 0 &&
                (end - p == 5 || !ident_char(p[5])))) {
        kind = ENVCHECK_BOOL;
        if (buf_adds(&value, *p == 't' ? "true" : "false") < 0)
            return -1;
        p += *p == 't' ? 4 : 5;
    } else {
        envcheck_add(
            r, path, lineno, "tf-syntax",
            "'%s': only strings, numbers and true/false are read (lists, maps, expressions "
            "and multi-line values are not)",
            name_buf);
        return note_unread(t, name, name_len);
    }
    p = skip_blanks(p, end);
    if (p < end && *p != '#' && !(end - p >= 2 && p[0] == '/' && p[1] == '/')) {
        buf_release(&value);
        envcheck_add(r, path, lineno, "tf-syntax", "'%s': unexpected text after the value",
                     name_buf);
        return note_unread(t, name, name_len);
    }
    if (buf_adds(&value, "") < 0)
        return -1;
    prev = NULL;
    {
        char *full = strndup(name, name_len);

        if (!full) {
            buf_release(&value);
            return -1;
        }
        prev = envcheck_tfvars_get(t, full);
        if (prev) {
            envcheck_add(r, path, lineno, "tf-syntax", "'%s' is already set on line %ld", name_buf,
                         prev->line);
            free(full);
            buf_release(&value);
            return 0;
        }
        nv = realloc(t->vars, (t->n + 1) * sizeof(*nv));
        if (!nv) {
            free(full);
            buf_release(&value);
            return -1;
        }
        t->vars = nv;
        nv[t->n].name = full;
        nv[t->n].value = buf_detach(&value);
        nv[t->n].kind = kind;
        nv[t->n].line = lineno;
        t->n++;
    }
    return 0;
}

int
envcheck_tfvars_parse(struct envcheck_tfvars *out, const struct envcheck_file *f,
                      struct envcheck_result *r)
{
    const char *s = f->text, *end = f->text + f->len, *eol;
    long lineno = 1;

    memset(out, 0, sizeof(*out));
    out->path = f->path;
    if (f->len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        s += 3;
    while (s < end) {
        const char *stop;

        eol = memchr(s, '\n', (size_t)(end - s));
        stop = eol ? eol : end;
        if (stop > s && stop[-1] == '\r')
            stop--;
        if (parse_line(out, f->path, lineno, s, stop, r) < 0) {
            r->oom = 1;
            envcheck_tfvars_release(out);
            return -1;
        }
        if (!eol)
            break;
        s = eol + 1;
        lineno++;
    }
    return 0;
}
