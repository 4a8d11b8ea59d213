#include "core/report/report.h"

#include "core/base/file.h"
#include "core/base/utf8.h"

#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_parse.h>

/* Hashing runs through OpenSSL's EVP, which uses the CPU's SHA extensions where there
 * are any (about 2 GB/s here, four times libsodium's portable SHA-256): on a large
 * report, hashing was half of the time. */
int
report_stream(const char *path, report_feed_fn feed, void *ud, unsigned char sha256[32],
              uint64_t *bytes, struct err *e)
{
    EVP_MD_CTX *md = NULL;
    unsigned char *chunk = NULL;
    uint64_t total = 0;
    int fd = -1, rc = -1;
    ssize_t n;

    if (file_open_regular(&fd, "", path, EXIT_EVAL, e) < 0)
        goto done;
    chunk = malloc(REPORT_CHUNK);
    md = EVP_MD_CTX_new();
    if (!chunk || !md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        err_set(e, EXIT_EVAL, "cannot read '%s': out of memory", path);
        goto done;
    }
    for (;;) {
        n = read(fd, chunk, REPORT_CHUNK);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            err_set(e, EXIT_EVAL, "cannot read '%s': %s", path, strerror(errno));
            goto done;
        }
        if (n == 0)
            break;
        if (EVP_DigestUpdate(md, chunk, (size_t)n) != 1) {
            err_set(e, EXIT_EVAL, "cannot hash '%s'", path);
            goto done;
        }
        total += (uint64_t)n;
        if (feed(ud, chunk, (size_t)n, e) < 0)
            goto done;
    }
    if (feed(ud, chunk, 0, e) < 0)
        goto done;
    if (sha256 && EVP_DigestFinal_ex(md, sha256, NULL) != 1) {
        err_set(e, EXIT_EVAL, "cannot hash '%s'", path);
        goto done;
    }
    if (bytes)
        *bytes = total;
    rc = 0;
done:
    EVP_MD_CTX_free(md);
    free(chunk);
    if (fd >= 0)
        close(fd);
    return rc;
}

/* ---- format detection: look at the start of the content, never the name ---- */

static const unsigned char *
skip_ws(const unsigned char *p, const unsigned char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

static int
starts(const unsigned char *p, const unsigned char *end, const char *s)
{
    size_t n = strlen(s);

    return (size_t)(end - p) >= n && memcmp(p, s, n) == 0;
}

/* Name of the first element of an XML prolog, or "" when not found in the head. */
static void
xml_root_name(char *out, size_t outsz, const unsigned char *p, const unsigned char *end)
{
    size_t i = 0;

    out[0] = '\0';
    for (;;) {
        p = skip_ws(p, end);
        if (p >= end || *p != '<')
            return;
        if (starts(p, end, "<?") || starts(p, end, "<!--") || starts(p, end, "<!")) {
            const char *close = starts(p, end, "<?") ? "?>" : starts(p, end, "<!--") ? "-->" : ">";
            const unsigned char *q = p + 2;
            int depth = 0;

            /* a DOCTYPE may hold an internal subset in [...] */
            while (q < end && !(depth == 0 && starts(q, end, close))) {
                if (*close == '>' && *q == '[')
                    depth++;
                else if (*close == '>' && *q == ']' && depth > 0)
                    depth--;
                q++;
            }
            if (q >= end)
                return;
            p = q + strlen(close);
            continue;
        }
        p++;
        while (p < end && i + 1 < outsz && *p != '>' && *p != '/' && *p != ' ' && *p != '\t' &&
               *p != '\r' && *p != '\n')
            out[i++] = (char)*p++;
        out[i] = '\0';
        return;
    }
}

/* JSON: a short YAJL pass over the top-level keys, stopped at the first decisive one. */
struct json_sniff {
    int depth;
    enum report_format fmt;
    int schema_next;
};

static int
sniff_start_map(void *ctx)
{
    ((struct json_sniff *)ctx)->depth++;
    return 1;
}

static int
sniff_end_map(void *ctx)
{
    ((struct json_sniff *)ctx)->depth--;
    return 1;
}

static int
sniff_start_array(void *ctx)
{
    ((struct json_sniff *)ctx)->depth++;
    return 1;
}

static int
sniff_end_array(void *ctx)
{
    ((struct json_sniff *)ctx)->depth--;
    return 1;
}

static int
sniff_key(void *ctx, const unsigned char *k, size_t len)
{
    struct json_sniff *s = ctx;

    s->schema_next = 0;
    if (s->depth != 1)
        return 1;
    if (len == 4 && memcmp(k, "runs", 4) == 0)
        s->fmt = REPORT_FMT_SARIF;
    else if ((len == 6 && memcmp(k, "totals", 6) == 0) || (len == 5 && memcmp(k, "files", 5) == 0))
        s->fmt = REPORT_FMT_COVERAGEPY;
    else if (len == 7 && memcmp(k, "$schema", 7) == 0)
        s->schema_next = 1;
    return s->fmt == REPORT_FMT_UNKNOWN; /* 0 cancels the parse: decided */
}

static int
sniff_string(void *ctx, const unsigned char *v, size_t len)
{
    struct json_sniff *s = ctx;
    size_t i;

    if (s->depth == 1 && s->schema_next) {
        for (i = 0; i + 5 <= len; i++)
            if (strncasecmp((const char *)v + i, "sarif", 5) == 0)
                s->fmt = REPORT_FMT_SARIF;
    }
    s->schema_next = 0;
    return s->fmt == REPORT_FMT_UNKNOWN;
}

static int
sniff_scalar(void *ctx)
{
    ((struct json_sniff *)ctx)->schema_next = 0;
    return 1;
}

static int
sniff_null(void *ctx)
{
    return sniff_scalar(ctx);
}

static int
sniff_bool(void *ctx, int b)
{
    (void)b;
    return sniff_scalar(ctx);
}

static int
sniff_number(void *ctx, const char *n, size_t len)
{
    (void)n;
    (void)len;
    return sniff_scalar(ctx);
}

static const yajl_callbacks sniff_callbacks = {
    sniff_null,      sniff_bool,    NULL,           NULL,          sniff_number, sniff_string,
    sniff_start_map, sniff_key,     sniff_end_map, sniff_start_array, sniff_end_array};

struct detect_state {
    enum report_format fmt;
    int decided;
    int json;
    yajl_handle yh;
    struct json_sniff js;
    unsigned char head[4096];
    size_t headlen;
};

static void
detect_json(struct detect_state *d, const unsigned char *data, size_t len)
{
    if (len && yajl_parse(d->yh, data, len) != yajl_status_ok)
        d->decided = 1; /* not JSON after all: unrecognised */
    d->fmt = d->js.fmt;
    if (d->fmt)
        d->decided = 1;
}

/* Decide on the first 4 KiB: XML by its root element, lcov by its first record,
 * JSON by a YAJL pass over the top-level keys that may read further. */
static int
detect_head(struct detect_state *d, struct err *e)
{
    const unsigned char *p = d->head, *end = d->head + d->headlen;
    char root[64];

    if (starts(p, end, "\xEF\xBB\xBF"))
        p += 3;
    p = skip_ws(p, end);
    if (p < end && *p == '<') {
        xml_root_name(root, sizeof(root), p, end);
        if (strcmp(root, "coverage") == 0)
            d->fmt = REPORT_FMT_COBERTURA;
        else if (strcmp(root, "testsuites") == 0 || strcmp(root, "testsuite") == 0)
            d->fmt = REPORT_FMT_JUNIT;
        d->decided = 1;
    } else if (p < end && *p == '{') {
        d->json = 1;
        d->yh = yajl_alloc(&sniff_callbacks, NULL, &d->js);
        if (!d->yh)
            return err_set(e, EXIT_EVAL, "out of memory");
        detect_json(d, p, (size_t)(end - p));
    } else {
        if (starts(p, end, "TN:") || starts(p, end, "SF:"))
            d->fmt = REPORT_FMT_LCOV;
        d->decided = 1;
    }
    return 0;
}

/* Returns -1 with E's code 0 to stop reading once decided. */
static int
detect_feed(void *ud, const unsigned char *data, size_t len, struct err *e)
{
    struct detect_state *d = ud;
    size_t take = 0;

    if (!d->json) {
        take = sizeof(d->head) - d->headlen;
        if (take > len)
            take = len;
        memcpy(d->head + d->headlen, data, take);
        d->headlen += take;
        if (len && d->headlen < sizeof(d->head))
            return 0;
        if (detect_head(d, e) < 0)
            return -1;
    }
    if (d->json && !d->decided)
        detect_json(d, data + take, len - take);
    if (len == 0)
        d->decided = 1;
    if (d->decided) {
        e->code = 0;
        return -1;
    }
    return 0;
}

static int
report_detect(enum report_format *out, const char *path, struct err *e)
{
    struct detect_state *d = calloc(1, sizeof(*d));
    int rc = -1;

    if (!d)
        return err_set(e, EXIT_EVAL, "cannot read '%s': out of memory", path);
    e->code = 0;
    if (report_stream(path, detect_feed, d, NULL, NULL, e) < 0 && e->code != 0)
        goto done;
    *out = d->fmt;
    rc = 0;
done:
    if (d->yh)
        yajl_free(d->yh);
    free(d);
    return rc;
}

int
report_load(struct report *out, const char *path, struct err *e)
{
    enum report_format fmt = REPORT_FMT_UNKNOWN;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (report_detect(&fmt, path, e) < 0)
        return -1;
    out->format = fmt;
    switch (fmt) {
    case REPORT_FMT_COBERTURA:
        out->kind = REPORT_KIND_COVERAGE;
        rc = report_cobertura_parse(&out->u.coverage, path, out->sha256, &out->bytes, e);
        break;
    case REPORT_FMT_LCOV:
        out->kind = REPORT_KIND_COVERAGE;
        rc = report_lcov_parse(&out->u.coverage, path, out->sha256, &out->bytes, e);
        break;
    case REPORT_FMT_COVERAGEPY:
        out->kind = REPORT_KIND_COVERAGE;
        rc = report_coveragepy_parse(&out->u.coverage, path, out->sha256, &out->bytes, e);
        break;
    case REPORT_FMT_JUNIT:
        out->kind = REPORT_KIND_TESTS;
        rc = report_junit_parse(&out->u.tests, path, out->sha256, &out->bytes, e);
        break;
    case REPORT_FMT_SARIF:
        out->kind = REPORT_KIND_SECURITY;
        rc = report_sarif_parse(&out->u.security, path, out->sha256, &out->bytes, e);
        break;
    default:
        return err_set(e, EXIT_EVAL,
                       "cannot read '%s': unrecognised format (expected Cobertura or JUnit XML, "
                       "lcov, coverage.py JSON or SARIF)",
                       path);
    }
    if (rc < 0)
        out->kind = REPORT_KIND_UNKNOWN;
    return rc;
}

const char *
report_kind_name(enum report_kind k)
{
    switch (k) {
    case REPORT_KIND_COVERAGE:
        return "coverage";
    case REPORT_KIND_TESTS:
        return "tests";
    case REPORT_KIND_SECURITY:
        return "security";
    default:
        return "unknown";
    }
}

const char *
report_format_name(enum report_format f)
{
    switch (f) {
    case REPORT_FMT_COBERTURA:
        return "cobertura";
    case REPORT_FMT_LCOV:
        return "lcov";
    case REPORT_FMT_COVERAGEPY:
        return "coveragepy";
    case REPORT_FMT_JUNIT:
        return "junit";
    case REPORT_FMT_SARIF:
        return "sarif";
    default:
        return "unknown";
    }
}

char *
report_text(char *out, size_t outsz, const char *s, size_t len, int first_line)
{
    size_t i, n;

    if (first_line)
        for (i = 0; i < len; i++)
            if (s[i] == '\n' || s[i] == '\r') {
                len = i;
                break;
            }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    n = len < outsz - 1 ? len : outsz - 1;
    if (n < len) /* room for "..." at a character boundary */
        for (n = outsz - 4; n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80;)
            n--;
    for (i = 0; i < n; i++)
        out[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || s[i] == '\0') ? '?' : s[i];
    out[n] = '\0';
    if (n < len)
        memcpy(out + n, "...", 4);
    utf8_clean(out);
    return out;
}

const char *
report_severity_name(enum severity s)
{
    static const char *const names[] = {"critical", "high", "medium", "low"};

    return (unsigned)s < SEVERITY_COUNT ? names[s] : "none";
}

static json_t *
failing_json(const struct tests_summary *t)
{
    json_t *a = json_array();
    size_t i;

    for (i = 0; a && i < t->n_failing; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "name", t->failing[i].name,
                                           "outcome", t->failing[i].error ? "error" : "failure",
                                           "message", t->failing[i].message));
    return a;
}

static json_t *
findings_json(const struct security_summary *s)
{
    json_t *a = json_array();
    size_t i, k;

    for (k = 0; a && k < SEVERITY_COUNT; k++)
        for (i = 0; i < s->n_first[k]; i++) {
            const struct security_finding *f = &s->first[k][i];

            json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:I}", "severity",
                                               report_severity_name((enum severity)k), "rule",
                                               f->rule, "level", f->level, "uri", f->uri, "line",
                                               (json_int_t)f->line));
        }
    return a;
}

json_t *
report_details(const struct report *r)
{
    const struct coverage_summary *c = &r->u.coverage;
    const struct tests_summary *t = &r->u.tests;
    const struct security_summary *s = &r->u.security;
    json_t *j;

    switch (r->kind) {
    case REPORT_KIND_COVERAGE:
        return json_pack("{s:s, s:I, s:I, s:f}", "format", report_format_name(r->format),
                         "lines_covered", (json_int_t)c->lines_covered, "lines_total",
                         (json_int_t)c->lines_total, "percent", round(c->percent * 100.0) / 100.0);
    case REPORT_KIND_TESTS:
        return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:o*}", "format",
                         report_format_name(r->format), "total", (json_int_t)t->total, "passed",
                         (json_int_t)t->passed, "failed", (json_int_t)t->failed, "errors",
                         (json_int_t)t->errors, "skipped", (json_int_t)t->skipped, "disabled",
                         (json_int_t)t->disabled, "failing", failing_json(t));
    case REPORT_KIND_SECURITY:
        j = json_pack("{s:s, s:{s:I, s:I, s:I, s:I}, s:I, s:I, s:I, s:I, s:s*}", "format",
                         report_format_name(r->format), "counts", "critical",
                         (json_int_t)s->critical, "high", (json_int_t)s->high, "medium",
                         (json_int_t)s->medium, "low", (json_int_t)s->low, "active",
                         (json_int_t)s->active, "suppressed", (json_int_t)s->suppressed, "absent",
                         (json_int_t)s->absent, "tool_errors", (json_int_t)s->tool_errors,
                         "tool_error", s->tool_errors ? s->tool_error : NULL);
        if (j)
            json_object_set_new(j, "findings", findings_json(s));
        return j;
    default:
        return json_object();
    }
}

static int
hash_feed(void *ud, const unsigned char *data, size_t len, struct err *e)
{
    (void)ud;
    (void)data;
    (void)len;
    (void)e;
    return 0;
}

int
report_hash_file(unsigned char sha256[32], const char *path, struct err *e)
{
    return report_stream(path, hash_feed, NULL, sha256, NULL, e);
}

json_t *
report_to_json(const struct report *r)
{
    json_t *j = report_details(r), *revs;
    size_t i;

    if (!j)
        return NULL;
    json_object_set_new(j, "kind", json_string(report_kind_name(r->kind)));
    if (r->kind == REPORT_KIND_COVERAGE)
        json_object_set_new(j, "percent_exact", json_real(r->u.coverage.percent));
    if (r->kind == REPORT_KIND_SECURITY) {
        revs = json_array();
        for (i = 0; revs && i < r->u.security.n_revisions; i++)
            json_array_append_new(revs, json_string(r->u.security.revisions[i]));
        json_object_set_new(j, "revisions", revs ? revs : json_null());
        json_object_set_new(j, "revisions_overflow",
                            json_boolean(r->u.security.revisions_overflow));
        json_object_set_new(j, "results", json_integer((json_int_t)r->u.security.results));
        json_object_set_new(j, "runs", json_integer((json_int_t)r->u.security.runs));
    }
    return j;
}

static int
count_at(uint64_t *out, const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    const char *s = json_string_value(v);
    char *end = NULL;
    unsigned long long n;

    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (uint64_t)json_integer_value(v);
        return 0;
    }
    if (!s || !*s || *s == '-')
        return -1;
    n = strtoull(s, &end, 10);
    if (!end || *end)
        return -1;
    *out = n;
    return 0;
}

static int
format_named(enum report_format *out, const char *name)
{
    enum report_format f;

    for (f = REPORT_FMT_COBERTURA; f <= REPORT_FMT_SARIF; f++)
        if (name && strcmp(report_format_name(f), name) == 0) {
            *out = f;
            return 0;
        }
    return -1;
}

/* The kept failing tests, when recorded (records made before they were kept have none). */
static int
failing_from_json(struct tests_summary *t, const json_t *a)
{
    size_t i;

    if (!a)
        return 0;
    if (!json_is_array(a) || json_array_size(a) > REPORT_FIRST_KEPT)
        return -1;
    for (i = 0; i < json_array_size(a); i++) {
        const json_t *x = json_array_get(a, i);
        const char *name = json_string_value(json_object_get(x, "name"));
        const char *msg = json_string_value(json_object_get(x, "message"));
        const char *outcome = json_string_value(json_object_get(x, "outcome"));

        if (!name || !msg || !outcome)
            return -1;
        report_text(t->failing[i].name, sizeof(t->failing[i].name), name, strlen(name), 0);
        report_text(t->failing[i].message, sizeof(t->failing[i].message), msg, strlen(msg), 1);
        t->failing[i].error = strcmp(outcome, "error") == 0;
    }
    t->n_failing = json_array_size(a);
    return 0;
}

static int
findings_from_json(struct security_summary *s, const json_t *a)
{
    size_t i;
    int k;

    if (!a)
        return 0;
    if (!json_is_array(a))
        return -1;
    for (i = 0; i < json_array_size(a); i++) {
        const json_t *x = json_array_get(a, i);
        const char *sev = json_string_value(json_object_get(x, "severity"));
        const char *rule = json_string_value(json_object_get(x, "rule"));
        const char *level = json_string_value(json_object_get(x, "level"));
        const char *uri = json_string_value(json_object_get(x, "uri"));
        struct security_finding *f;
        uint64_t line;

        for (k = 0; k < SEVERITY_COUNT; k++)
            if (sev && strcmp(sev, report_severity_name((enum severity)k)) == 0)
                break;
        if (k == SEVERITY_COUNT || !rule || !level || !uri || count_at(&line, x, "line") < 0 ||
            s->n_first[k] == REPORT_FIRST_KEPT)
            return -1;
        f = &s->first[k][s->n_first[k]++];
        report_text(f->rule, sizeof(f->rule), rule, strlen(rule), 0);
        report_text(f->level, sizeof(f->level), level, strlen(level), 0);
        report_text(f->uri, sizeof(f->uri), uri, strlen(uri), 0);
        f->line = line;
        f->ordinal = i;
    }
    return 0;
}

int
report_from_json(struct report *out, const json_t *j)
{
    const char *kind = json_string_value(json_object_get(j, "kind"));
    const json_t *pe = json_object_get(j, "percent_exact"), *revs, *counts;
    struct coverage_summary *c = &out->u.coverage;
    struct tests_summary *t = &out->u.tests;
    struct security_summary *s = &out->u.security;
    char *end = NULL;
    size_t i;

    memset(out, 0, sizeof(*out));
    if (!kind || format_named(&out->format, json_string_value(json_object_get(j, "format"))) < 0)
        return -1;
    if (strcmp(kind, "coverage") == 0) {
        out->kind = REPORT_KIND_COVERAGE;
        if (count_at(&c->lines_covered, j, "lines_covered") < 0 ||
            count_at(&c->lines_total, j, "lines_total") < 0)
            return -1;
        if (json_is_number(pe))
            c->percent = json_number_value(pe);
        else if (json_is_string(pe))
            c->percent = strtod(json_string_value(pe), &end);
        if (!json_is_number(pe) && (!end || *end))
            return -1;
        return 0;
    }
    if (strcmp(kind, "tests") == 0) {
        out->kind = REPORT_KIND_TESTS;
        return count_at(&t->total, j, "total") < 0 || count_at(&t->passed, j, "passed") < 0 ||
                       count_at(&t->failed, j, "failed") < 0 ||
                       count_at(&t->errors, j, "errors") < 0 ||
                       count_at(&t->skipped, j, "skipped") < 0 ||
                       count_at(&t->disabled, j, "disabled") < 0 ||
                       failing_from_json(t, json_object_get(j, "failing")) < 0
                   ? -1
                   : 0;
    }
    if (strcmp(kind, "security") == 0) {
        out->kind = REPORT_KIND_SECURITY;
        counts = json_object_get(j, "counts");
        revs = json_object_get(j, "revisions");
        if (count_at(&s->critical, counts, "critical") < 0 ||
            count_at(&s->high, counts, "high") < 0 || count_at(&s->medium, counts, "medium") < 0 ||
            count_at(&s->low, counts, "low") < 0 || count_at(&s->active, j, "active") < 0 ||
            count_at(&s->suppressed, j, "suppressed") < 0 ||
            count_at(&s->absent, j, "absent") < 0 ||
            count_at(&s->tool_errors, j, "tool_errors") < 0 || !json_is_array(revs) ||
            json_array_size(revs) > SARIF_MAX_REVISIONS)
            return -1;
        count_at(&s->results, j, "results");
        count_at(&s->runs, j, "runs");
        s->revisions_overflow = json_is_true(json_object_get(j, "revisions_overflow"));
        for (i = 0; i < json_array_size(revs); i++) {
            if (!json_is_string(json_array_get(revs, i)))
                return -1;
            snprintf(s->revisions[i], SARIF_REVISION_LEN, "%s",
                     json_string_value(json_array_get(revs, i)));
        }
        s->n_revisions = json_array_size(revs);
        if (findings_from_json(s, json_object_get(j, "findings")) < 0)
            return -1;
        if (json_is_string(json_object_get(j, "tool_error")))
            snprintf(s->tool_error, sizeof(s->tool_error), "%s",
                     json_string_value(json_object_get(j, "tool_error")));
        return 0;
    }
    return -1;
}
