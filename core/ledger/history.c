#include "core/ledger/history.h"

#include <stdio.h>
#include <string.h>

time_t
history_parse_time(const char *s)
{
    struct tm tm;
    int y, mo, d, h, mi, se;
    char z;

    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &se, &z) != 7 ||
        z != 'Z' || strlen(s) != 20)
        return (time_t)-1;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    return timegm(&tm);
}

void
history_format_time(char out[32], time_t t)
{
    struct tm tm;

    out[0] = '\0';
    if (gmtime_r(&t, &tm))
        strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *
str_or_null(const json_t *v)
{
    return json_is_string(v) ? json_incref((json_t *)v) : json_null();
}

/* A decision's gates as recorded: [{"name", "type", "status", "data"}] (data as the log
 * holds it: reals are decimal strings; null when the gate recorded none). */
static json_t *
gates_of(const json_t *gates)
{
    json_t *out = json_array();
    size_t i;

    for (i = 0; out && i < json_array_size(gates); i++) {
        const json_t *g = json_array_get(gates, i);

        json_array_append_new(out, json_pack("{s:o, s:o, s:o, s:O?}", "name",
                                             str_or_null(json_object_get(g, "name")), "type",
                                             str_or_null(json_object_get(g, "type")), "status",
                                             str_or_null(json_object_get(g, "status")), "data",
                                             json_object_get(g, "data")));
    }
    return out ? out : json_null();
}

json_t *
history_gates_recorded(const json_t *statement)
{
    const json_t *ext = json_object_get(json_object_get(statement, "predicate"), AUDIT_EXTENSION);
    const json_t *gates = json_object_get(ext, "gates");
    json_t *out = json_array();
    size_t g;

    for (g = 0; out && g < json_array_size(gates); g++) {
        const json_t *y = json_array_get(gates, g);
        const json_t *sha = json_object_get(json_object_get(y, "evidence"), "sha256");
        const json_t *det = json_object_get(y, "details");

        if (json_array_append_new(
                out, json_pack("{s:s?, s:s?, s:s?, s:s?, s:O?, s:o}", "name",
                               history_str(y, "name"), "type", history_str(y, "type"), "status",
                               history_str(y, "status"), "summary", history_str(y, "summary"),
                               "sha256", json_is_string(sha) ? sha : NULL, "details",
                               json_is_object(det) ? json_incref((json_t *)det)
                                                   : json_object())) < 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

int
history_item(json_t **out, const struct audit_item *it, uint64_t seq, struct err *e)
{
    char id[65];
    json_t *st = audit_payload(it, id);
    int rc;

    *out = NULL;
    if (!st)
        return err_set(e, EXIT_TAMPER, "seq %llu: unreadable audit entry",
                       (unsigned long long)seq);
    rc = history_item_of(out, st, id, seq, e);
    json_decref(st);
    return rc;
}

int
history_item_of(json_t **out, const json_t *st, const char *id, uint64_t seq, struct err *e)
{
    const json_t *pred, *ext;
    json_t *item;
    const char *type, *kind, *time_s;

    *out = NULL;
    pred = json_object_get(st, "predicate");
    type = json_string_value(json_object_get(st, "predicateType"));
    ext = type && strcmp(type, AUDIT_VSA) == 0 ? json_object_get(pred, AUDIT_EXTENSION) : pred;
    kind = json_string_value(json_object_get(ext, "kind"));
    time_s = json_string_value(json_object_get(pred, "timeVerified"));
    if (!time_s)
        time_s = json_string_value(json_object_get(pred, "time"));
    item = json_pack(
        "{s:I, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:o, "
        "s:o}",
        "seq", (json_int_t)seq, "id", id, "kind", kind ? kind : "unknown", "env",
        str_or_null(json_object_get(ext, kind && strcmp(kind, "decision") == 0 ? "to" : "env")),
        "from", str_or_null(json_object_get(ext, "from")), "to",
        str_or_null(json_object_get(ext, "to")), "commit",
        str_or_null(json_object_get(
            json_object_get(json_array_get(json_object_get(st, "subject"), 0), "digest"),
            "gitCommit")),
        "verdict", str_or_null(json_object_get(ext, "verdict")), "result",
        str_or_null(json_object_get(ext, "result")), "time",
        time_s ? json_string(time_s) : json_null(), "epoch",
        (json_int_t)history_parse_time(time_s), "actor",
        str_or_null(json_object_get(ext, "actor")), "reason",
        str_or_null(json_object_get(ext, "reason")), "deployment",
        str_or_null(json_object_get(ext, "deployment")), "from_commit",
        str_or_null(json_object_get(ext, "from_commit")), "decision",
        str_or_null(json_object_get(ext, "decision")), "tag",
        str_or_null(json_object_get(ext, "tag")));
    if (item && kind && strcmp(kind, "decision") == 0 &&
        json_object_set_new(item, "gates", gates_of(json_object_get(ext, "gates"))) < 0) {
        json_decref(item);
        item = NULL;
    }
    if (!item)
        return err_set(e, EXIT_EVAL, "out of memory");
    *out = item;
    return 0;
}

int
history_from_log(json_t **out, const struct audit_log *log, struct err *e)
{
    json_t *h = json_array(), *item;
    size_t i;

    *out = NULL;
    if (!h)
        return err_set(e, EXIT_EVAL, "out of memory");
    for (i = 0; i < log->n; i++) {
        if (history_item(&item, &log->items[i], log->base + i + 1, e) < 0) {
            json_decref(h);
            return -1;
        }
        if (json_array_append_new(h, item) < 0) {
            json_decref(h);
            return err_set(e, EXIT_EVAL, "out of memory");
        }
    }
    *out = h;
    return 0;
}

size_t
history_before(const json_t *h, long long seq)
{
    size_t lo = 0, hi = json_array_size(h);

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if ((long long)json_integer_value(json_object_get(json_array_get(h, mid), "seq")) < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const json_t *
history_at(const json_t *h, long long seq)
{
    const json_t *x = json_array_get(h, history_before(h, seq));

    return x && json_integer_value(json_object_get(x, "seq")) == seq ? x : NULL;
}

static int
eq(const json_t *o, const char *key, const char *want)
{
    const char *v = json_string_value(json_object_get(o, key));

    return v && strcmp(v, want) == 0;
}

const json_t *
history_last(const json_t *h, const char *kind, const char *env, const char *commit,
             const char *result)
{
    size_t i;

    for (i = json_array_size(h); i-- > 0;) {
        const json_t *x = json_array_get(h, i);

        if (!eq(x, "kind", kind) || (env && !eq(x, "env", env)) ||
            (commit && !eq(x, "commit", commit)))
            continue;
        if (result && !eq(x, "result", result) && !eq(x, "verdict", result))
            continue;
        return x;
    }
    return NULL;
}

const json_t *
history_hold(const json_t *h, const char *env)
{
    size_t i;

    for (i = json_array_size(h); i-- > 0;) {
        const json_t *x = json_array_get(h, i);

        if (!eq(x, "env", env))
            continue;
        if (eq(x, "kind", "unhold"))
            return NULL;
        if (eq(x, "kind", "hold") || eq(x, "kind", "rollback"))
            return x;
    }
    return NULL;
}

const json_t *
history_tagged(const json_t *h, const char *env, const char *commit, const json_t *upto)
{
    size_t i = history_before(h, json_integer_value(json_object_get(upto, "seq")) + 1);

    while (i-- > 0) {
        const json_t *x = json_array_get(h, i);

        if (eq(x, "kind", "deployment") && eq(x, "env", env) && eq(x, "commit", commit) &&
            json_is_string(json_object_get(x, "tag")) && !eq(x, "result", "trigger_failed"))
            return x;
    }
    return NULL;
}

const char *
history_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

int
history_gates(const json_t **out, const json_t *x, json_t **owned)
{
    const json_t *g = json_object_get(x, "gates");
    json_error_t je;

    *out = NULL;
    *owned = NULL;
    if (json_is_string(g)) {
        *owned = json_loadb(json_string_value(g), json_string_length(g), 0, &je);
        if (!json_is_array(*owned)) {
            json_decref(*owned);
            *owned = NULL;
            return -1;
        }
        *out = *owned;
    } else if (json_is_array(g)) {
        *out = g;
    }
    return 0;
}

int
history_is(const json_t *o, const char *key, const char *want)
{
    const char *v = history_str(o, key);

    return v && strcmp(v, want) == 0;
}

int
history_has(const json_t *arr, const char *s)
{
    size_t i;

    for (i = 0; i < json_array_size(arr); i++)
        if (json_is_string(json_array_get(arr, i)) &&
            strcmp(json_string_value(json_array_get(arr, i)), s) == 0)
            return 1;
    return 0;
}
