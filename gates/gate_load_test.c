/* load_test: a k6 summary (--summary-export, or handleSummary()'s data as JSON) or an
 * autocannon --json report meets the policy's latency, error-rate and throughput
 * baselines, and crosses no k6 threshold. */
#include "gate.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/base/buf.h"
#include "core/base/utf8.h"

#define LOAD_MAX_BYTES (16 * 1024 * 1024)
#define LOAD_DEFAULT_PERCENTILE 95.0

static const struct gate_param load_test_params[] = {
    {"max_latency_ms", PARAM_NUMBER, 0},
    {"percentile", PARAM_PERCENT, 0},
    {"max_error_rate", PARAM_NUMBER, 0},
    {"min_rps", PARAM_NUMBER, 0},
    {"baseline", PARAM_STRING, 0},
    {"max_regression_percent", PARAM_NUMBER, 0},
    {NULL, 0, 0},
};

static int
load_test_check_rule(const json_t *rule, const char *jpath, struct err *e)
{
    const json_t *lat = json_object_get(rule, "max_latency_ms");
    const json_t *rate = json_object_get(rule, "max_error_rate");
    const json_t *rps = json_object_get(rule, "min_rps");

    if (!lat && !rate && !rps)
        return err_set(e, EXIT_USAGE,
                       "%s: needs at least one baseline (max_latency_ms, max_error_rate, min_rps)",
                       jpath);
    if (lat && json_number_value(lat) < 0)
        return err_set(e, EXIT_USAGE, "%s.max_latency_ms: must be a non-negative number", jpath);
    if (rate && (json_number_value(rate) < 0 || json_number_value(rate) > 1))
        return err_set(e, EXIT_USAGE, "%s.max_error_rate: must be a number from 0 to 1", jpath);
    if (rps && json_number_value(rps) < 0)
        return err_set(e, EXIT_USAGE, "%s.min_rps: must be a non-negative number", jpath);
    if (json_object_get(rule, "percentile") && !lat)
        return err_set(e, EXIT_USAGE, "%s.percentile: has no effect without max_latency_ms", jpath);
    if (json_object_get(rule, "baseline") &&
        strcmp(json_string_value(json_object_get(rule, "baseline")), "last_approved") != 0)
        return err_set(e, EXIT_USAGE, "%s.baseline: must be \"last_approved\"", jpath);
    if (!json_object_get(rule, "baseline") != !json_object_get(rule, "max_regression_percent"))
        return err_set(e, EXIT_USAGE, "%s: baseline and max_regression_percent go together",
                       jpath);
    if (json_object_get(rule, "max_regression_percent") &&
        json_number_value(json_object_get(rule, "max_regression_percent")) < 0)
        return err_set(e, EXIT_USAGE, "%s.max_regression_percent: must be a non-negative number",
                       jpath);
    return 0;
}

/* ---------------------------------------------------------------- collect */

struct load_read {
    struct buf b;
    const char *path;
};

static int
feed_buf(void *ud, const unsigned char *data, size_t len, struct err *e)
{
    struct load_read *r = ud;

    if (len && buf_add(&r->b, data, len) < 0) {
        if (r->b.len + len > LOAD_MAX_BYTES)
            return err_set(e, EXIT_EVAL, "cannot read '%s': larger than %d MiB", r->path,
                           LOAD_MAX_BYTES / (1024 * 1024));
        return err_set(e, EXIT_EVAL, "cannot read '%s': out of memory", r->path);
    }
    return 0;
}

/* "97", "97.5" (k6) or "97_5" (autocannon) as a number from 0 to 100. The digits are
 * read as an integer and divided once by a power of ten, so the result is the double
 * nearest the decimal, as strtod (and so jansson, for the policy's percentile) gives. */
static int
parse_percent(double *out, const char *s, size_t n, char sep)
{
    unsigned long long mant = 0;
    double scale = 1.0;
    size_t i, digits = 0;
    int frac = 0;

    for (i = 0; i < n; i++) {
        if (s[i] == sep && !frac && digits > 0 && i + 1 < n) {
            frac = 1;
            continue;
        }
        if (s[i] < '0' || s[i] > '9' || ++digits > 15)
            return -1;
        mant = mant * 10 + (unsigned long long)(s[i] - '0');
        if (frac)
            scale *= 10.0;
    }
    if (digits == 0)
        return -1;
    *out = (double)mant / scale;
    return *out <= 100.0 ? 0 : -1;
}

/* The percentile a latency key stands for, or -1 when it is not one. */
static double
key_percentile(const char *key, int k6)
{
    size_t n = strlen(key);
    double p;

    if (strcmp(key, "min") == 0)
        return 0.0;
    if (strcmp(key, "max") == 0)
        return 100.0;
    if (k6 && strcmp(key, "med") == 0)
        return 50.0;
    if (k6 && n > 3 && strncmp(key, "p(", 2) == 0 && key[n - 1] == ')')
        return parse_percent(&p, key + 2, n - 3, '.') == 0 ? p : -1.0;
    if (!k6 && n > 1 && key[0] == 'p')
        return parse_percent(&p, key + 1, n - 1, '_') == 0 ? p : -1.0;
    return -1.0;
}

static int
bad_report(struct err *e, const char *path, const char *where, const char *what)
{
    return err_set(e, EXIT_EVAL, "invalid load test report '%s': %s: %s", path, where, what);
}

static int
nonneg(const json_t *v)
{
    return json_is_number(v) && json_number_value(v) >= 0;
}

/* The latency statistics of OBJ (k6: an http_req_duration trend, autocannon: "latency")
 * as [{"key", "percentile", "ms"}] in document order; every statistic must be a
 * non-negative number. */
static int
latency_entries(json_t **out, const json_t *obj, int k6, const char *where, const char *path,
                struct err *e)
{
    const char *key;
    json_t *v, *list = json_array();
    char at[192];

    if (!list)
        return err_set(e, EXIT_EVAL, "out of memory");
    json_object_foreach((json_t *)obj, key, v) {
        double p;

        if (k6 && strcmp(key, "thresholds") == 0)
            continue;
        snprintf(at, sizeof(at), "%s.%.64s", where, key);
        if (!nonneg(v)) {
            json_decref(list);
            return bad_report(e, path, at, "must be a non-negative number");
        }
        p = key_percentile(key, k6);
        if (p >= 0 &&
            json_array_append_new(list, json_pack("{s:s, s:f, s:f}", "key", key, "percentile", p,
                                                  "ms", json_number_value(v))) < 0) {
            json_decref(list);
            return err_set(e, EXIT_EVAL, "out of memory");
        }
    }
    *out = list;
    return 0;
}

struct load_summary {
    const char *format;
    json_t *latency;   /* array, or NULL when absent */
    json_t *crossed;   /* array of threshold names */
    json_t *missing;   /* what: why, for each absent measurement */
    double error_rate; /* < 0 when absent */
    double rps;        /* < 0 when absent */
};

static int
k6_thresholds(struct load_summary *s, const char *metric, const json_t *th, int data_shape,
              const char *path, struct err *e)
{
    const char *expr;
    json_t *v;
    char at[320], name[320];

    snprintf(at, sizeof(at), "metrics.%.128s.thresholds", metric);
    if (!json_is_object(th))
        return bad_report(e, path, at, "must be an object");
    json_object_foreach((json_t *)th, expr, v) {
        int crossed;

        snprintf(at, sizeof(at), "metrics.%.128s.thresholds.%.128s", metric, expr);
        if (data_shape) {
            const json_t *ok = json_object_get(v, "ok");

            if (!json_is_object(v) || !json_is_boolean(ok))
                return bad_report(e, path, at, "must be an object with a boolean \"ok\"");
            crossed = !json_is_true(ok); /* data: "ok": false is a failed threshold */
        } else {
            if (!json_is_boolean(v))
                return bad_report(e, path, at, "must be true or false");
            crossed = json_is_true(v); /* --summary-export: true means crossed */
        }
        snprintf(name, sizeof(name), "%s: %s", metric, expr);
        utf8_clean(name); /* a long name is cut, maybe inside a character */
        if (crossed && json_array_append_new(s->crossed, json_string(name)) < 0)
            return err_set(e, EXIT_EVAL, "out of memory");
    }
    return 0;
}

/* The statistics object of a k6 metric: the metric itself (--summary-export) or its
 * "values" (handleSummary data). NULL when the metric is absent. */
static int
k6_stats(const json_t **out, const json_t *metrics, const char *name, int data_shape,
         const char *path, struct err *e)
{
    const json_t *m = json_object_get(metrics, name);
    char at[160];

    *out = NULL;
    if (!m)
        return 0;
    snprintf(at, sizeof(at), "metrics.%s%s", name, data_shape ? ".values" : "");
    if (data_shape)
        m = json_object_get(m, "values");
    if (!json_is_object(m))
        return bad_report(e, path, at, "must be an object");
    *out = m;
    return 0;
}

static int
note_missing(struct load_summary *s, const char *what, const char *why, struct err *e)
{
    return json_object_set_new(s->missing, what, json_string(why)) < 0
               ? err_set(e, EXIT_EVAL, "out of memory")
               : 0;
}

/* Did the run complete no request at all (http_reqs present with count 0)? */
static int
k6_no_requests(int *out, const json_t *metrics, int data_shape, const char *path, struct err *e)
{
    const json_t *st, *count;

    *out = 0;
    if (k6_stats(&st, metrics, "http_reqs", data_shape, path, e) < 0)
        return -1;
    count = json_object_get(st, "count");
    if (!count)
        return 0;
    if (!json_is_number(count) || json_number_value(count) < 0)
        return bad_report(e, path, data_shape ? "metrics.http_reqs.values.count"
                                              : "metrics.http_reqs.count",
                          "must be a non-negative number");
    *out = json_number_value(count) == 0;
    return 0;
}

static int
k6_summarise(struct load_summary *s, const json_t *metrics, const char *path, struct err *e)
{
    const json_t *st, *v;
    const char *key;
    json_t *m;
    size_t with_values = 0, without = 0;
    int data_shape, none;

    json_object_foreach((json_t *)metrics, key, m) {
        char at[160];

        snprintf(at, sizeof(at), "metrics.%.128s", key);
        if (!json_is_object(m))
            return bad_report(e, path, at, "must be an object");
        if (json_object_get(m, "values"))
            with_values++;
        else
            without++;
    }
    if (with_values && without)
        return bad_report(e, path, "metrics",
                          "mixes the --summary-export and the handleSummary() shapes");
    if (!with_values && !without)
        return bad_report(e, path, "metrics", "is empty");
    data_shape = with_values > 0;
    json_object_foreach((json_t *)metrics, key, m) {
        v = json_object_get(m, "thresholds");
        if (v && k6_thresholds(s, key, v, data_shape, path, e) < 0)
            return -1;
    }

    if (k6_no_requests(&none, metrics, data_shape, path, e) < 0)
        return -1;
    if (none) {
        /* a trend with no samples has no percentiles, and no request is not 0 % failed */
        s->error_rate = 1.0;
        s->rps = 0.0;
        return note_missing(s, "latency", "has metrics.http_reqs count 0: no request completed",
                            e);
    }
    if (k6_stats(&st, metrics, "http_req_duration", data_shape, path, e) < 0)
        return -1;
    if (!st) {
        if (note_missing(s, "latency", "has no metrics.http_req_duration", e) < 0)
            return -1;
    } else if (latency_entries(&s->latency, st, 1,
                               data_shape ? "metrics.http_req_duration.values"
                                          : "metrics.http_req_duration",
                               path, e) < 0) {
        return -1;
    }

    if (k6_stats(&st, metrics, "http_req_failed", data_shape, path, e) < 0)
        return -1;
    key = data_shape ? "rate" : "value";
    v = json_object_get(st, key);
    if (!v) {
        if (note_missing(s, "error_rate",
                         data_shape ? "has no metrics.http_req_failed.values.rate"
                                    : "has no metrics.http_req_failed.value",
                         e) < 0)
            return -1;
    } else if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 1) {
        return bad_report(e, path,
                          data_shape ? "metrics.http_req_failed.values.rate"
                                     : "metrics.http_req_failed.value",
                          "must be a number from 0 to 1");
    } else {
        s->error_rate = json_number_value(v);
    }

    if (k6_stats(&st, metrics, "http_reqs", data_shape, path, e) < 0)
        return -1;
    v = json_object_get(st, "rate");
    if (!v) {
        if (note_missing(s, "rps",
                         data_shape ? "has no metrics.http_reqs.values.rate"
                                    : "has no metrics.http_reqs.rate",
                         e) < 0)
            return -1;
    } else if (!nonneg(v)) {
        return bad_report(e, path,
                          data_shape ? "metrics.http_reqs.values.rate" : "metrics.http_reqs.rate",
                          "must be a non-negative number");
    } else {
        s->rps = json_number_value(v);
    }
    return 0;
}

static int
autocannon_count(json_int_t *out, const json_t *obj, const char *key, const char *where,
                 const char *path, struct err *e)
{
    const json_t *v = json_object_get(obj, key);

    *out = -1;
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return bad_report(e, path, where, "must be a non-negative integer");
    *out = json_integer_value(v);
    return 0;
}

/* autocannon's "errors" already includes its "timeouts" (its README: "including
 * timeouts"), so they count once: error rate = (errors + non2xx) / (requests.total +
 * errors). When no response arrived at all, no latency was measured (autocannon
 * still writes its zeroed histogram) and every request failed. */
static int
autocannon_summarise(struct load_summary *s, const json_t *doc, const char *path, struct err *e)
{
    const json_t *req = json_object_get(doc, "requests");
    const json_t *avg = json_object_get(req, "average");
    json_int_t errors, non2xx, total, samples;

    if (autocannon_count(&errors, doc, "errors", "errors", path, e) < 0 ||
        autocannon_count(&non2xx, doc, "non2xx", "non2xx", path, e) < 0 ||
        autocannon_count(&total, req, "total", "requests.total", path, e) < 0 ||
        autocannon_count(&samples, json_object_get(doc, "latency"), "totalCount",
                         "latency.totalCount", path, e) < 0)
        return -1;
    if (total == 0 || samples == 0) {
        s->error_rate = 1.0;
        if (note_missing(s, "latency",
                         total == 0 ? "has requests.total 0: no response arrived"
                                    : "has latency.totalCount 0: no response arrived",
                         e) < 0)
            return -1;
    } else {
        if (latency_entries(&s->latency, json_object_get(doc, "latency"), 0, "latency", path, e) <
            0)
            return -1;
        if (errors < 0 || non2xx < 0 || total < 0) {
            if (note_missing(s, "error_rate",
                             errors < 0   ? "has no errors"
                             : non2xx < 0 ? "has no non2xx"
                                          : "has no requests.total",
                             e) < 0)
                return -1;
        } else {
            s->error_rate = ((double)errors + (double)non2xx) / ((double)total + (double)errors);
        }
    }
    if (!avg) {
        if (note_missing(s, "rps", "has no requests.average", e) < 0)
            return -1;
    } else if (!nonneg(avg)) {
        return bad_report(e, path, "requests.average", "must be a non-negative number");
    } else {
        s->rps = json_number_value(avg);
    }
    return 0;
}

/* The normalised evidence: {"format", "latency": [..] or null, "error_rate", "rps"
 * (numbers or null), "thresholds_crossed": [names], "missing": {what: why}}. */
static int
load_summarise(json_t **out, const json_t *doc, const char *path, struct err *e)
{
    struct load_summary s = {NULL, NULL, json_array(), json_object(), -1.0, -1.0};
    const json_t *metrics = json_object_get(doc, "metrics");
    int rc = -1;

    if (!s.crossed || !s.missing) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    if (json_is_object(metrics)) {
        s.format = "k6";
        if (k6_summarise(&s, metrics, path, e) < 0)
            goto done;
    } else if (json_is_object(json_object_get(doc, "latency")) &&
               json_is_object(json_object_get(doc, "requests"))) {
        s.format = "autocannon";
        if (autocannon_summarise(&s, doc, path, e) < 0)
            goto done;
    } else {
        err_set(e, EXIT_EVAL,
                "cannot read '%s': unrecognised load test report (expected a k6 summary "
                "or autocannon --json output)",
                path);
        goto done;
    }
    *out = json_pack("{s:s, s:o, s:o, s:o, s:O, s:O}", "format", s.format, "latency",
                     s.latency ? json_incref(s.latency) : json_null(), "error_rate",
                     s.error_rate >= 0 ? json_real(s.error_rate) : json_null(), "rps",
                     s.rps >= 0 ? json_real(s.rps) : json_null(), "thresholds_crossed", s.crossed,
                     "missing", s.missing);
    if (!*out) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    rc = 0;
done:
    json_decref(s.latency);
    json_decref(s.crossed);
    json_decref(s.missing);
    return rc;
}

/* The load test recorded in the latest approved decision into the target environment:
 * {"seq", "id", "time", "commit", "gate", "file", "format", "latency", "error_rate", "rps"},
 * or NULL when none is recorded yet. */
static json_t *
baseline_find(const struct gate_ctx *ctx)
{
    const char *name = json_string_value(json_object_get(ctx->rule, "name"));
    size_t i, j;

    for (i = json_array_size(ctx->history); i-- > 0;) {
        const json_t *x = json_array_get(ctx->history, i), *gates = json_object_get(x, "gates");
        const json_t *pick = NULL;

        if (!json_is_string(json_object_get(x, "kind")) ||
            strcmp(json_string_value(json_object_get(x, "kind")), "decision") != 0 ||
            !json_is_string(json_object_get(x, "env")) ||
            strcmp(json_string_value(json_object_get(x, "env")), ctx->to_env) != 0 ||
            !json_is_string(json_object_get(x, "verdict")) ||
            strcmp(json_string_value(json_object_get(x, "verdict")), "approved") != 0)
            continue;
        for (j = 0; j < json_array_size(gates); j++) {
            const json_t *g = json_array_get(gates, j);
            const char *t = json_string_value(json_object_get(g, "type"));
            const char *n = json_string_value(json_object_get(g, "name"));

            if (!t || strcmp(t, "load_test") != 0 || !json_is_object(json_object_get(g, "data")))
                continue;
            if (!pick || (name && n && strcmp(n, name) == 0))
                pick = g;
        }
        if (!pick)
            continue;
        return json_pack("{s:O, s:O, s:O, s:O, s:O, s:O?, s:O?, s:O?, s:O?, s:O?}", "seq",
                         json_object_get(x, "seq"), "id", json_object_get(x, "id"), "time",
                         json_object_get(x, "time"), "commit", json_object_get(x, "commit"),
                         "gate", json_object_get(pick, "name"), "file",
                         json_object_get(json_object_get(pick, "data"), "file"), "format",
                         json_object_get(json_object_get(pick, "data"), "format"), "latency",
                         json_object_get(json_object_get(pick, "data"), "latency"), "error_rate",
                         json_object_get(json_object_get(pick, "data"), "error_rate"), "rps",
                         json_object_get(json_object_get(pick, "data"), "rps"));
    }
    return NULL;
}

static int
load_test_collect(const struct gate_ctx *ctx, struct evidence *ev, struct err *e)
{
    const char *path = ctx->evidence_path;
    struct load_read r = {BUF_INIT, NULL};
    json_error_t je;
    json_t *doc = NULL;
    int rc = -1;

    if (!path)
        return err_set(e, EXIT_EVAL, "no evidence file given");
    r.b.limit = LOAD_MAX_BYTES;
    r.path = path;
    if (report_stream(path, feed_buf, &r, ev->report.sha256, &ev->report.bytes, e) < 0)
        goto done;
    doc = json_loadb(buf_str(&r.b), r.b.len, JSON_REJECT_DUPLICATES, &je);
    if (!doc) {
        err_set(e, EXIT_EVAL, "cannot parse '%s': line %d, column %d: %s", path, je.line,
                je.column, err_json_kind(&je));
        goto done;
    }
    if (!json_is_object(doc)) {
        err_set(e, EXIT_EVAL, "cannot read '%s': not a JSON object", path);
        goto done;
    }
    if (load_summarise(&ev->data, doc, path, e) < 0)
        goto done;
    if (json_object_set_new(ev->data, "file", json_string(path)) < 0) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    if (json_object_get(ctx->rule, "baseline")) {
        json_t *b;

        if (!ctx->history) {
            err_set(e, EXIT_EVAL, "the audit log could not be read (baseline: last_approved)");
            goto done;
        }
        b = baseline_find(ctx);
        if (json_object_set_new(ev->data, "baseline", b ? b : json_null()) < 0 ||
            json_object_set_new(ev->data, "env", json_string(ctx->to_env)) < 0) {
            err_set(e, EXIT_EVAL, "out of memory");
            goto done;
        }
    }
    rc = 0;
done:
    json_decref(doc);
    buf_release(&r.b);
    return rc;
}

/* --------------------------------------------------------------- evaluate */

/* Numbers of the evidence: collected, or as the audit log recorded them (decimal strings). */
static int
isnum(const json_t *v)
{
    double d;

    return gate_number(&d, v) == 0;
}

static double
num(const json_t *v)
{
    double d;

    return gate_number(&d, v) == 0 ? d : 0.0;
}


static int
valid_evidence(const json_t *d)
{
    const json_t *lat = json_object_get(d, "latency"), *crossed;
    const char *fmt = json_string_value(json_object_get(d, "format"));
    size_t i;

    if (!fmt || (strcmp(fmt, "k6") != 0 && strcmp(fmt, "autocannon") != 0) ||
        !json_is_string(json_object_get(d, "file")) ||
        !json_is_object(json_object_get(d, "missing")))
        return 0;
    if (!json_is_null(lat) && !json_is_array(lat))
        return 0;
    for (i = 0; i < json_array_size(lat); i++) {
        const json_t *x = json_array_get(lat, i);

        if (!json_is_string(json_object_get(x, "key")) ||
            !isnum(json_object_get(x, "percentile")) ||
            !isnum(json_object_get(x, "ms")))
            return 0;
    }
    if (!isnum(json_object_get(d, "error_rate")) &&
        !json_is_null(json_object_get(d, "error_rate")))
        return 0;
    if (!isnum(json_object_get(d, "rps")) && !json_is_null(json_object_get(d, "rps")))
        return 0;
    crossed = json_object_get(d, "thresholds_crossed");
    if (!json_is_array(crossed))
        return 0;
    for (i = 0; i < json_array_size(crossed); i++)
        if (!json_is_string(json_array_get(crossed, i)))
            return 0;
    return 1;
}

/* The latency entry at the smallest percentile >= P (max is the 100th), or NULL. */
static const json_t *
pick_latency(const json_t *lat, double p)
{
    const json_t *best = NULL;
    size_t i;

    for (i = 0; i < json_array_size(lat); i++) {
        const json_t *x = json_array_get(lat, i);
        double xp = num(json_object_get(x, "percentile"));

        if (xp >= p && (!best || xp < num(json_object_get(best, "percentile"))))
            best = x;
    }
    return best;
}

/* Append ", TEXT" (or TEXT first) to S, within its size. */
static void say(char *s, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
say(char *s, size_t size, const char *fmt, ...)
{
    size_t used = strlen(s);
    va_list ap;

    if (used + 3 >= size)
        return;
    if (used) {
        memcpy(s + used, ", ", 3);
        used += 2;
    }
    va_start(ap, fmt);
    vsnprintf(s + used, size - used, fmt, ap);
    va_end(ap);
}

static enum verdict
load_test_evaluate(const struct evidence *ev, const json_t *rule, time_t now, struct finding *f)
{
    const json_t *d = ev->data, *missing = json_object_get(d, "missing"), *lat = NULL;
    const json_t *max_lat = json_object_get(rule, "max_latency_ms");
    const json_t *max_rate = json_object_get(rule, "max_error_rate");
    const json_t *min_rps = json_object_get(rule, "min_rps");
    const json_t *crossed = json_object_get(d, "thresholds_crossed");
    const json_t *rate = json_object_get(d, "error_rate"), *rps = json_object_get(d, "rps");
    double p = gate_rule_number(rule, "percentile", LOAD_DEFAULT_PERCENTILE);
    const char *file, *fmt, *used = NULL;
    char good[256] = "", bad[256] = "";
    int fallback = 0;

    (void)now;
    if (!valid_evidence(d)) {
        finding_summary(f, "no load test evidence for commit %.12s", ev->commit);
        return VERDICT_ERROR;
    }
    file = json_string_value(json_object_get(d, "file"));
    fmt = json_string_value(json_object_get(d, "format"));
    if (!json_is_null(json_object_get(d, "latency"))) {
        lat = pick_latency(json_object_get(d, "latency"), p);
        if (lat) {
            used = json_string_value(json_object_get(lat, "key"));
            fallback = strcmp(used, "max") == 0 && p < 100.0;
        }
    }

    f->details =
        json_pack("{s:s, s:s?, s:o, s:O, s:O, s:O}", "format", fmt, "percentile_used", used,
                  "latency_ms", lat ? json_incref(json_object_get(lat, "ms")) : json_null(),
                  "error_rate", rate, "rps", rps, "thresholds_crossed", crossed);
    if (fallback)
        json_object_set_new(f->details, "percentile_fallback",
                            json_sprintf("the report has no percentile >= %g: used max", p));
    if (max_lat) {
        const json_t *given = json_object_get(rule, "percentile");

        json_object_set(f->details, "max_latency_ms", (json_t *)max_lat);
        json_object_set_new(f->details, "percentile",
                            given ? json_incref((json_t *)given)
                                  : json_integer((json_int_t)LOAD_DEFAULT_PERCENTILE));
    }
    if (max_rate)
        json_object_set(f->details, "max_error_rate", (json_t *)max_rate);
    if (min_rps)
        json_object_set(f->details, "min_rps", (json_t *)min_rps);

    /* a baseline without its measurement cannot be judged: error, naming what is missing */
    if (max_lat && !lat) {
        const char *why = json_string_value(json_object_get(missing, "latency"));

        if (why)
            finding_summary(f, "cannot judge max_latency_ms: '%s' %s (%s report)", file, why, fmt);
        else
            finding_summary(f,
                            "cannot judge max_latency_ms: '%s' has no latency percentile >= %g "
                            "and no max (%s report)",
                            file, p, fmt);
        return VERDICT_ERROR;
    }
    if (max_rate && !isnum(rate)) {
        finding_summary(f, "cannot judge max_error_rate: '%s' %s (%s report)", file,
                        json_string_value(json_object_get(missing, "error_rate")), fmt);
        return VERDICT_ERROR;
    }
    if (min_rps && !isnum(rps)) {
        finding_summary(f, "cannot judge min_rps: '%s' %s (%s report)", file,
                        json_string_value(json_object_get(missing, "rps")), fmt);
        return VERDICT_ERROR;
    }

    if (max_lat) {
        double ms = num(json_object_get(lat, "ms"));
        double lim = num(max_lat);

        if (ms <= lim)
            say(good, sizeof(good), "%s latency %g ms <= %g ms%s", used, ms, lim,
                fallback ? " (no higher percentile)" : "");
        else
            say(bad, sizeof(bad), "%s latency %g ms > %g ms%s", used, ms, lim,
                fallback ? " (no higher percentile)" : "");
    }
    if (max_rate) {
        double r = num(rate), lim = num(max_rate);

        if (r <= lim)
            say(good, sizeof(good), "error rate %.2f%% <= %g%%", 100.0 * r, 100.0 * lim);
        else
            say(bad, sizeof(bad), "error rate %.2f%% > %g%%", 100.0 * r, 100.0 * lim);
    }
    if (min_rps) {
        double r = num(rps), lim = num(min_rps);

        if (r >= lim)
            say(good, sizeof(good), "%.2f req/s >= %g", r, lim);
        else
            say(bad, sizeof(bad), "%.2f req/s < %g", r, lim);
    }
    if (json_object_get(rule, "baseline")) {
        const json_t *base = json_object_get(d, "baseline");
        double reg = num(json_object_get(rule, "max_regression_percent"));
        json_t *bd;

        if (!base) {
            finding_summary(f, "no baseline was collected for commit %.12s", ev->commit);
            return VERDICT_ERROR;
        }
        if (json_is_null(base)) {
            json_object_set_new(f->details, "baseline", json_null());
            say(good, sizeof(good), "no approved load test recorded into %s yet: fixed thresholds only",
                json_string_value(json_object_get(d, "env")) ? json_string_value(json_object_get(d, "env")) : "?");
        } else {
            const json_t *blat = pick_latency(json_object_get(base, "latency"), p);
            const json_t *brate = json_object_get(base, "error_rate");
            const json_t *brps = json_object_get(base, "rps");
            char run[200];

            snprintf(run, sizeof(run), "baseline seq %lld (%.12s, %s)",
                     (long long)num(json_object_get(base, "seq")),
                     json_string_value(json_object_get(base, "commit")),
                     json_string_value(json_object_get(base, "file")));
            bd = json_pack("{s:O, s:O, s:O, s:O, s:O?, s:f}", "seq", json_object_get(base, "seq"),
                           "id", json_object_get(base, "id"), "commit",
                           json_object_get(base, "commit"), "time", json_object_get(base, "time"),
                           "file", json_object_get(base, "file"), "max_regression_percent", reg);
            if (lat && blat && isnum(json_object_get(blat, "ms"))) {
                double ms = num(json_object_get(lat, "ms")), bms = num(json_object_get(blat, "ms"));
                double lim = bms * (1.0 + reg / 100.0);

                json_object_set_new(bd, "latency_ms", json_real(bms));
                if (ms <= lim)
                    say(good, sizeof(good), "%s latency %g ms within %g%% of %g ms", used, ms, reg, bms);
                else
                    say(bad, sizeof(bad), "%s latency %g ms > %g ms (%g ms + %g%%)", used, ms, lim,
                        bms, reg);
            }
            if (isnum(rate) && isnum(brate)) {
                double r = num(rate), br = num(brate), lim = br * (1.0 + reg / 100.0);

                json_object_set_new(bd, "error_rate", json_real(br));
                if (r <= lim)
                    say(good, sizeof(good), "error rate %.2f%% within %g%% of %.2f%%", 100.0 * r, reg,
                        100.0 * br);
                else
                    say(bad, sizeof(bad), "error rate %.2f%% > %.2f%% (%.2f%% + %g%%)", 100.0 * r,
                        100.0 * lim, 100.0 * br, reg);
            }
            if (isnum(rps) && isnum(brps)) {
                double r = num(rps), br = num(brps), lim = br * (1.0 - reg / 100.0);

                json_object_set_new(bd, "rps", json_real(br));
                if (r >= lim)
                    say(good, sizeof(good), "%.2f req/s within %g%% of %.2f", r, reg, br);
                else
                    say(bad, sizeof(bad), "%.2f req/s < %.2f (%.2f - %g%%)", r, lim, br, reg);
            }
            json_object_set_new(f->details, "baseline", bd);
            say(bad[0] ? bad : good, 256, "this run %s vs %s", file, run);
        }
    }
    if (json_array_size(crossed) > 0) {
        size_t n = json_array_size(crossed);

        if (n > 1)
            say(bad, sizeof(bad), "%zu k6 thresholds crossed: %s, ...", n,
                json_string_value(json_array_get(crossed, 0)));
        else
            say(bad, sizeof(bad), "k6 threshold crossed: %s",
                json_string_value(json_array_get(crossed, 0)));
    }
    if (bad[0]) {
        finding_summary(f, "%s", bad);
        return VERDICT_FAIL;
    }
    finding_summary(f, "%s", good);
    return VERDICT_PASS;
}

/* The baselines crossed and by how much, the k6 thresholds crossed, naming the runs. */
static void
load_test_remedy(const struct evidence *ev, const json_t *rule, time_t now,
                 const struct finding *f, struct remedy *out)
{
    const json_t *d = f->details, *base = json_object_get(d, "baseline");
    const json_t *crossed = json_object_get(d, "thresholds_crossed");
    const char *used = json_string_value(json_object_get(d, "percentile_used"));
    double ms = num(json_object_get(d, "latency_ms")), rate = num(json_object_get(d, "error_rate"));
    double rps = num(json_object_get(d, "rps")), reg = num(json_object_get(base, "max_regression_percent"));
    char text[500] = "";
    json_t *items = json_array();
    size_t i;

    (void)now;
    if (json_object_get(rule, "max_latency_ms") && isnum(json_object_get(d, "latency_ms")) &&
        ms > num(json_object_get(rule, "max_latency_ms"))) {
        say(text, sizeof(text), "bring %s latency from %g ms to <= %g ms", used, ms,
            num(json_object_get(rule, "max_latency_ms")));
        json_array_append_new(items, json_pack("{s:s, s:f, s:f}", "metric", "latency_ms", "value",
                                               ms, "limit", num(json_object_get(rule, "max_latency_ms"))));
    }
    if (json_object_get(rule, "max_error_rate") && isnum(json_object_get(d, "error_rate")) &&
        rate > num(json_object_get(rule, "max_error_rate"))) {
        say(text, sizeof(text), "bring the error rate from %.2f%% to <= %g%%", 100.0 * rate,
            100.0 * num(json_object_get(rule, "max_error_rate")));
        json_array_append_new(items, json_pack("{s:s, s:f, s:f}", "metric", "error_rate", "value",
                                               rate, "limit", num(json_object_get(rule, "max_error_rate"))));
    }
    if (json_object_get(rule, "min_rps") && isnum(json_object_get(d, "rps")) &&
        rps < num(json_object_get(rule, "min_rps"))) {
        say(text, sizeof(text), "raise throughput from %.2f to >= %g req/s", rps,
            num(json_object_get(rule, "min_rps")));
        json_array_append_new(items, json_pack("{s:s, s:f, s:f}", "metric", "rps", "value", rps,
                                               "limit", num(json_object_get(rule, "min_rps"))));
    }
    if (json_is_object(base)) {
        double lim;

        if (isnum(json_object_get(base, "latency_ms")) &&
            ms > (lim = num(json_object_get(base, "latency_ms")) * (1.0 + reg / 100.0))) {
            say(text, sizeof(text), "bring %s latency to <= %g ms (baseline seq %lld + %g%%)", used,
                lim, (long long)num(json_object_get(base, "seq")), reg);
            json_array_append_new(items, json_pack("{s:s, s:f, s:f, s:O}", "metric", "latency_ms",
                                                   "value", ms, "limit", lim, "baseline_seq",
                                                   json_object_get(base, "seq")));
        }
        if (isnum(json_object_get(base, "error_rate")) &&
            rate > (lim = num(json_object_get(base, "error_rate")) * (1.0 + reg / 100.0))) {
            say(text, sizeof(text), "bring the error rate to <= %.2f%% (baseline seq %lld + %g%%)",
                100.0 * lim, (long long)num(json_object_get(base, "seq")), reg);
            json_array_append_new(items, json_pack("{s:s, s:f, s:f, s:O}", "metric", "error_rate",
                                                   "value", rate, "limit", lim, "baseline_seq",
                                                   json_object_get(base, "seq")));
        }
        if (isnum(json_object_get(base, "rps")) &&
            rps < (lim = num(json_object_get(base, "rps")) * (1.0 - reg / 100.0))) {
            say(text, sizeof(text), "raise throughput to >= %.2f req/s (baseline seq %lld - %g%%)",
                lim, (long long)num(json_object_get(base, "seq")), reg);
            json_array_append_new(items, json_pack("{s:s, s:f, s:f, s:O}", "metric", "rps", "value",
                                                   rps, "limit", lim, "baseline_seq",
                                                   json_object_get(base, "seq")));
        }
    }
    for (i = 0; i < json_array_size(crossed) && i < 3; i++)
        say(text, sizeof(text), "%s k6 threshold '%s'", i ? "and" : "stay within the",
            json_string_value(json_array_get(crossed, i)));
    if (json_array_size(crossed) > 3)
        say(text, sizeof(text), "and %zu more", json_array_size(crossed) - 3);
    /* both runs named: this one, and the baseline's when there is one */
    if (json_is_object(base))
        remedy_text(out, "%s (run %s; baseline: seq %lld, commit %.12s, run %s)", text,
                    json_string_value(json_object_get(ev->data, "file")),
                    (long long)num(json_object_get(base, "seq")),
                    json_string_value(json_object_get(base, "commit")),
                    json_string_value(json_object_get(base, "file")));
    else
        remedy_text(out, "%s (run %s)", text, json_string_value(json_object_get(ev->data, "file")));
    out->data = json_pack("{s:s, s:o, s:O, s:O?, s:O?}", "action", "load_test", "metrics", items,
                          "thresholds_crossed", crossed ? (json_t *)crossed : json_null(), "run",
                          json_object_get(ev->data, "file"), "baseline",
                          json_is_object(base) ? (json_t *)base : json_null());
}

const struct gate gate_load_test = {
    .type = "load_test",
    .needs_evidence = 1,
    .params = load_test_params,
    .check_rule = load_test_check_rule,
    .collect = load_test_collect,
    .evaluate = load_test_evaluate,
    .remedy = load_test_remedy,
};
