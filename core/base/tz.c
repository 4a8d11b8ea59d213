/* Time zones: the zone's TZif file read into zone data (I/O), and UTC times converted to
 * local time with that data alone (pure). Why it is done this way: core/base/tz.h. */
#include "core/base/tz.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/buf.h"
#include "core/base/utf8.h"

#define ZONE_SINCE 946684800LL /* 2000-01-01T00:00:00Z: the zone data kept starts here */
#define ZONE_NAME_MAX 128
#define TZIF_MAX (512 * 1024) /* the largest zone file is well under 10 KiB */
#define RULE_MAX 128          /* the footer's TZ rule */
#define OFFSET_MIN (-89999L)  /* RFC 8536: UTC offsets in [-89999, 93599] */
#define OFFSET_MAX 93599L

/* ---- calendar arithmetic (proleptic Gregorian, days since 1970-01-01) ---- */

static long long
floor_div(long long a, long long b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int
is_leap(long long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
tz_month_days(long long y, int m)
{
    static const int n[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    return m == 2 && is_leap(y) ? 29 : n[m - 1];
}

/* H. Hinnant's days_from_civil */
long long
tz_days_from_civil(long long y, int m, int d)
{
    long long era, yoe, doy, doe;

    y -= m <= 2;
    era = floor_div(y, 400);
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void
tz_civil_from_days(long long *y, int *m, int *d, long long z)
{
    long long era, doe, yoe, doy, mp;

    z += 719468;
    era = floor_div(z, 146097);
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

int
tz_weekday(long long days)
{
    return (int)(((days % 7) + 7 + 4) % 7);
}

/* ---- the POSIX TZ rule of a TZif footer (RFC 8536 section 3.3) ---- */

/* A number of at most MAXDIGITS digits, at most MAX. */
static const char *
rule_num(long *out, const char *p, int maxdigits, long max)
{
    int n = 0;

    *out = 0;
    while (ascii_digit(*p) && n < maxdigits) {
        *out = *out * 10 + (*p++ - '0');
        n++;
    }
    return n == 0 || ascii_digit(*p) || *out > max ? NULL : p;
}

/* A zone abbreviation: 3 or more letters, or <...> of letters, digits, '+', '-'. */
static const char *
rule_name(const char *p)
{
    const char *s;

    if (*p == '<') {
        for (s = ++p; ascii_alpha(*p) || ascii_digit(*p) || *p == '+' || *p == '-'; p++)
            ;
        return p - s >= 3 && *p == '>' ? p + 1 : NULL;
    }
    for (s = p; ascii_alpha(*p); p++)
        ;
    return p - s >= 3 ? p : NULL;
}

/* [+-]hh[:mm[:ss]] with hh at most MAXH, as seconds. */
static const char *
rule_hms(long *out, const char *p, long maxh)
{
    long h, m = 0, s = 0, sign = 1;

    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    p = rule_num(&h, p, 3, maxh);
    if (p && *p == ':') {
        p = rule_num(&m, p + 1, 2, 59);
        if (p && *p == ':')
            p = rule_num(&s, p + 1, 2, 59);
    }
    *out = sign * (h * 3600 + m * 60 + s);
    return p;
}

static const char *
rule_date(struct tz_rule_date *r, const char *p)
{
    long a, b, c;

    if (*p == 'J') {
        p = rule_num(&a, p + 1, 3, 365);
        if (!p || a < 1)
            return NULL;
        r->kind = 'J';
        r->n = (int)a;
    } else if (*p == 'M') {
        p = rule_num(&a, p + 1, 2, 12);
        if (!p || a < 1 || *p != '.')
            return NULL;
        p = rule_num(&b, p + 1, 1, 5);
        if (!p || b < 1 || *p != '.')
            return NULL;
        p = rule_num(&c, p + 1, 1, 6);
        if (!p)
            return NULL;
        r->kind = 'M';
        r->m = (int)a;
        r->w = (int)b;
        r->d = (int)c;
    } else {
        p = rule_num(&a, p, 3, 365);
        if (!p)
            return NULL;
        r->kind = 'n';
        r->n = (int)a;
    }
    r->time = 7200;
    if (*p == '/')
        p = rule_hms(&r->time, p + 1, 167);
    return p;
}

/* Parse a TZ rule such as "SAST-2" or "GMT0BST,M3.5.0/1,M10.5.0". */
static int
rule_parse(struct tz_rule *r, const char *s)
{
    const char *p = s;
    long off;

    memset(r, 0, sizeof(*r));
    if (strlen(s) > RULE_MAX)
        return -1;
    p = rule_name(p);
    if (p)
        p = rule_hms(&off, p, 24);
    if (!p)
        return -1;
    r->std_off = -off; /* POSIX offsets are west of Greenwich */
    if (!*p)
        return 0;
    p = rule_name(p);
    if (!p)
        return -1;
    r->has_dst = 1;
    r->dst_off = r->std_off + 3600;
    if (*p && *p != ',') {
        p = rule_hms(&off, p, 24);
        if (!p)
            return -1;
        r->dst_off = -off;
    }
    /* a TZif footer always says when DST starts and ends */
    if (*p != ',')
        return -1;
    p = rule_date(&r->start, p + 1);
    if (!p || *p != ',')
        return -1;
    p = rule_date(&r->end, p + 1);
    return p && !*p ? 0 : -1;
}

/* The local date (days since 1970-01-01) rule date R names in year Y. */
static long long
rule_day(const struct tz_rule_date *r, long long y)
{
    long long first;
    int day;

    if (r->kind == 'J')
        return tz_days_from_civil(y, 1, 1) + r->n - 1 + (is_leap(y) && r->n >= 60);
    if (r->kind == 'n')
        return tz_days_from_civil(y, 1, 1) + r->n;
    first = tz_days_from_civil(y, r->m, 1);
    day = (r->d - tz_weekday(first) + 7) % 7 + 7 * (r->w - 1);
    if (day >= tz_month_days(y, r->m)) /* week 5 is the last: day <= 34, one week back is enough */
        day -= 7;
    return first + day;
}

/* The UTC offset rule R gives at UTC time T. */
static long
rule_offset(const struct tz_rule *r, long long t)
{
    long long y, start, end;
    int m, d;
    int dst;

    if (!r->has_dst)
        return r->std_off;
    tz_civil_from_days(&y, &m, &d, floor_div(t + r->std_off, 86400));
    /* the start is given in standard time, the end in daylight saving time */
    start = rule_day(&r->start, y) * 86400 + r->start.time - r->std_off;
    end = rule_day(&r->end, y) * 86400 + r->end.time - r->dst_off;
    if (start < end)
        dst = t >= start && t < end;
    else /* southern hemisphere: DST spans the new year */
        dst = !(t >= end && t < start);
    return dst ? r->dst_off : r->std_off;
}

/* ---- the zone's TZif file: I/O ---- */

static const char *
zone_dir(void)
{
    const char *d = getenv("TZDIR");

    return d && d[0] == '/' ? d : "/usr/share/zoneinfo";
}

/* IANA names: parts of letters, digits, '.', '_', '+', '-' joined by '/'; no part is
 * empty or starts with '.', so no name leaves the zone directory. */
int
tz_name_ok(const char *s)
{
    size_t i, n = strlen(s);

    if (n == 0 || n > ZONE_NAME_MAX)
        return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];

        if (i == 0 || s[i - 1] == '/') {
            if (c == '/' || c == '.')
                return 0;
        }
        if (!ascii_alpha(c) && !ascii_digit(c) && c != '/' && c != '.' && c != '_' && c != '+' &&
            c != '-')
            return 0;
    }
    return s[n - 1] != '/' && strcmp(s, "localtime") != 0 && strcmp(s, "posixrules") != 0;
}

static uint32_t
be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t
be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct tzif_counts {
    uint64_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static int
tzif_header(struct tzif_counts *c, char *version, const unsigned char *p, size_t avail)
{
    if (avail < 44 || memcmp(p, "TZif", 4) != 0)
        return -1;
    *version = (char)p[4];
    c->isutcnt = be32(p + 20);
    c->isstdcnt = be32(p + 24);
    c->leapcnt = be32(p + 28);
    c->timecnt = be32(p + 32);
    c->typecnt = be32(p + 36);
    c->charcnt = be32(p + 40);
    return 0;
}

static uint64_t
tzif_block(const struct tzif_counts *c, int tsize)
{
    return c->timecnt * (uint64_t)(tsize + 1) + c->typecnt * 6 + c->charcnt +
           c->leapcnt * (uint64_t)(tsize + 4) + c->isstdcnt + c->isutcnt;
}

static int
zone_read(struct buf *b, const char *path, const char *name, int code, struct err *e)
{
    char chunk[8192];
    FILE *f;
    size_t n;
    int rc = -1;

    f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT || errno == ENOTDIR)
            return err_set(e, code, "unknown time zone '%s' (no %s)", name, path);
        return err_set(e, code, "cannot open time zone '%s': %s: %s", name, path, strerror(errno));
    }
    b->limit = TZIF_MAX;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (buf_add(b, chunk, n) < 0) {
            err_set(e, code, "time zone '%s': %s is larger than %d bytes", name, path, TZIF_MAX);
            goto done;
        }
    }
    if (ferror(f)) {
        err_set(e, code, "cannot read time zone '%s': %s: %s", name, path, strerror(errno));
        goto done;
    }
    rc = 0;
done:
    fclose(f);
    return rc;
}

/* Load zone NAME as {"since", "offset", "transitions": [[utc, offset], ...], "rule",
 * "rule_from"}: the offset at SINCE, each later change of offset, the footer's TZ rule
 * (null when the file has none) and the time from which it applies. Errors carry CODE. */
int
tz_load(json_t **out, const char *name, int code, struct err *e)
{
    struct buf b = BUF_INIT;
    struct tzif_counts c1, c;
    struct tz_rule rule;
    const unsigned char *p, *times, *idx, *types, *end;
    char path[4096], version, footer[RULE_MAX + 1];
    json_t *zone = NULL, *trans = NULL;
    long offset, cur;
    int64_t last = ZONE_SINCE;
    uint64_t i, need;
    size_t flen = 0;
    int rc = -1;

    *out = NULL;
    if (!tz_name_ok(name))
        return err_set(e, code,
                       "'%.*s' is not a time zone name (an IANA name such as "
                       "Africa/Johannesburg)",
                       ZONE_NAME_MAX, name);
    if (snprintf(path, sizeof(path), "%s/%s", zone_dir(), name) >= (int)sizeof(path))
        return err_set(e, code, "time zone '%s': path too long", name);
    if (zone_read(&b, path, name, code, e) < 0)
        goto done;
    p = (const unsigned char *)b.ptr;
    end = p + b.len;
    if (tzif_header(&c1, &version, p, b.len) < 0) {
        err_set(e, code, "time zone '%s': %s is not a TZif file", name, path);
        goto done;
    }
    if (version < '2') {
        err_set(e, code, "time zone '%s': %s is TZif version 1 (need 2 or later)", name, path);
        goto done;
    }
    need = 44 + tzif_block(&c1, 4);
    if (need > b.len || tzif_header(&c, &version, p + need, b.len - need) < 0) {
        err_set(e, code, "time zone '%s': %s is truncated or malformed", name, path);
        goto done;
    }
    p += need + 44;
    if (tzif_block(&c, 8) > (uint64_t)(end - p) || c.typecnt == 0 || c.typecnt > 256 ||
        c.charcnt == 0 || (c.isstdcnt != 0 && c.isstdcnt != c.typecnt) ||
        (c.isutcnt != 0 && c.isutcnt != c.typecnt)) {
        err_set(e, code, "time zone '%s': %s is truncated or malformed", name, path);
        goto done;
    }
    if (c.leapcnt) {
        err_set(e, code, "time zone '%s' counts leap seconds (a 'right/' zone): use the plain name",
                name);
        goto done;
    }
    times = p;
    idx = times + c.timecnt * 8;
    types = idx + c.timecnt;
    for (i = 0; i < c.typecnt; i++) {
        long off = (long)(int32_t)be32(types + 6 * i);

        if (off < OFFSET_MIN || off > OFFSET_MAX || types[6 * i + 4] > 1 ||
            types[6 * i + 5] >= c.charcnt) {
            err_set(e, code, "time zone '%s': %s has a malformed local time type", name, path);
            goto done;
        }
    }
    p = types + 6 * c.typecnt + c.charcnt + c.isstdcnt + c.isutcnt;
    /* the footer: "\n" TZ "\n" */
    if (p >= end || *p != '\n') {
        err_set(e, code, "time zone '%s': %s has no footer", name, path);
        goto done;
    }
    for (p++; p < end && *p >= 0x20 && *p < 0x7f && flen < RULE_MAX; p++)
        footer[flen++] = (char)*p; /* stops at the "\n", or at a byte no rule has */
    footer[flen] = '\0';
    if (p >= end || *p != '\n' || (flen && rule_parse(&rule, footer) < 0)) {
        err_set(e, code, "time zone '%s': %s has a malformed TZ rule '%s'", name, path, footer);
        goto done;
    }
    /* before the first transition: type 0 */
    offset = cur = (long)(int32_t)be32(types);
    trans = json_array();
    if (!trans) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    for (i = 0; i < c.timecnt; i++) {
        int64_t t = be64(times + 8 * i);
        long off;

        if (idx[i] >= c.typecnt || (i && t <= be64(times + 8 * (i - 1)))) {
            err_set(e, code, "time zone '%s': %s has malformed transitions", name, path);
            goto done;
        }
        off = (long)(int32_t)be32(types + 6 * idx[i]);
        if (t <= ZONE_SINCE) {
            offset = cur = off;
            continue;
        }
        last = t;
        if (off == cur)
            continue; /* only the abbreviation or the DST flag changes */
        cur = off;
        if (json_array_append_new(trans, json_pack("[I, I]", (json_int_t)t, (json_int_t)off)) < 0) {
            err_set(e, EXIT_EVAL, "out of memory");
            goto done;
        }
    }
    zone = json_pack("{s:I, s:I, s:O, s:s?, s:I}", "since", (json_int_t)ZONE_SINCE, "offset",
                     (json_int_t)offset, "transitions", trans, "rule", flen ? footer : NULL,
                     "rule_from", (json_int_t)last);
    if (!zone) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    *out = zone;
    rc = 0;
done:
    json_decref(trans);
    buf_release(&b);
    return rc;
}

/* ---- converting with the zone data: pure ---- */

static int
offset_ok(const json_t *v)
{
    return json_is_integer(v) && json_integer_value(v) >= OFFSET_MIN &&
           json_integer_value(v) <= OFFSET_MAX;
}

/* The zone data, checked: 0, or -1 when malformed. */
int
tz_view(struct tz_view *z, const json_t *zone)
{
    const json_t *since = json_object_get(zone, "since"),
                 *from = json_object_get(zone, "rule_from");
    const json_t *rule = json_object_get(zone, "rule");
    long long prev;
    size_t i;

    memset(z, 0, sizeof(*z));
    z->transitions = json_object_get(zone, "transitions");
    if (!json_is_integer(since) || !json_is_integer(from) ||
        !offset_ok(json_object_get(zone, "offset")) || !json_is_array(z->transitions) ||
        !(json_is_null(rule) || json_is_string(rule)))
        return -1;
    z->since = json_integer_value(since);
    z->rule_from = json_integer_value(from);
    z->offset = (long)json_integer_value(json_object_get(zone, "offset"));
    prev = z->since;
    for (i = 0; i < json_array_size(z->transitions); i++) {
        const json_t *t = json_array_get(z->transitions, i);
        const json_t *at = json_array_get(t, 0);

        if (json_array_size(t) != 2 || !json_is_integer(at) || json_integer_value(at) <= prev ||
            !offset_ok(json_array_get(t, 1)))
            return -1;
        prev = json_integer_value(at);
    }
    if (z->rule_from < prev)
        return -1;
    if (json_is_string(rule)) {
        if (rule_parse(&z->rule, json_string_value(rule)) < 0)
            return -1;
        z->has_rule = 1;
    }
    return 0;
}

/* The UTC offset at T (T >= z->since). */
long
tz_offset(const struct tz_view *z, long long t)
{
    size_t lo = 0, hi = json_array_size(z->transitions);

    if (z->has_rule && t >= z->rule_from)
        return rule_offset(&z->rule, t);
    /* the last transition at or before T */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (json_integer_value(json_array_get(json_array_get(z->transitions, mid), 0)) <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? (long)json_integer_value(json_array_get(json_array_get(z->transitions, lo - 1), 1))
              : z->offset;
}

void
tz_to_local(struct tz_local *lt, const struct tz_view *z, long long t)
{
    long long ls;

    lt->off = tz_offset(z, t);
    ls = t + lt->off;
    lt->days = floor_div(ls, 86400);
    lt->sod = (int)(ls - lt->days * 86400);
    lt->wday = tz_weekday(lt->days);
    tz_civil_from_days(&lt->y, &lt->mon, &lt->mday, lt->days);
}
