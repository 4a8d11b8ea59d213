/* deploy_window: promote only inside the rule's weekly windows, in local time of an IANA
 * time zone, and outside its freezes. `--break-glass --reason TEXT` opens a closed window
 * or a freeze when the actor is a member of the rule's break_glass_role, and is recorded.
 *
 * Time zones. evaluate may not read a file, the environment or the clock, so it cannot
 * call localtime_r (which reads TZ and the zone database), and the process's TZ is never
 * changed. Instead collect reads the zone's TZif file (RFC 8536, version 2 or later: the
 * 64-bit section and the footer's POSIX TZ rule) and keeps in ev->data what converting a
 * UTC time from 2000-01-01 on needs: the UTC offset at 2000-01-01, each later change of
 * offset up to the file's last transition, and the TZ rule that applies after it. That is
 * a handful of numbers for most zones (Africa/Johannesburg: none and "SAST-2"; a fat
 * Europe/London file: its transitions up to 2037), and it lands in the audit record, so
 * the decision can be checked by hand. evaluate converts `now` with it alone. check_rule
 * reads the same file, so an unknown zone is a policy error (exit 2). The zone database
 * is $TZDIR when set (as for glibc), else /usr/share/zoneinfo.
 *
 * Local time is wall-clock time: a window is open while the local clock reads a time in
 * [start, end) on one of its days. On the day a DST change skips an hour, a window
 * starting in that hour opens when the clock jumps; on the day an hour repeats, a
 * window in that hour is open both times. Windows cannot span midnight (split them). */
#include "gate.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/buf.h"
#include "core/github/gh.h"
#include "core/github/roles.h"

#define ZONE_SINCE 946684800LL  /* 2000-01-01T00:00:00Z: the zone data kept starts here */
#define TIME_MAX 253402300799LL /* 9999-12-31T23:59:59Z */
#define ZONE_NAME_MAX 128
#define TZIF_MAX (512 * 1024) /* the largest zone file is well under 10 KiB */
#define RULE_MAX 128          /* the footer's TZ rule */
#define OFFSET_MIN (-89999L)  /* RFC 8536: UTC offsets in [-89999, 93599] */
#define OFFSET_MAX 93599L
#define WINDOWS_MAX 64
#define FREEZES_MAX 256
#define REASON_MAX 200
#define ROLE_NAME_MAX 64
#define NEXT_DAYS_MAX 400 /* how far ahead the next window is looked for */

static const struct gate_param deploy_window_params[] = {
    {"timezone", PARAM_STRING, 1},
    {"windows", PARAM_ARRAY, 1},
    {"freezes", PARAM_ARRAY, 0},
    {"break_glass_role", PARAM_STRING, 0},
    {NULL, 0, 0},
};

/* 0 is Sunday, as (days since 1970-01-01 + 4) % 7 */
static const char *const day_keys[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
static const char *const day_labels[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

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

static int
month_days(long long y, int m)
{
    static const int n[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    return m == 2 && is_leap(y) ? 29 : n[m - 1];
}

/* H. Hinnant's days_from_civil */
static long long
days_from_civil(long long y, int m, int d)
{
    long long era, yoe, doy, doe;

    y -= m <= 2;
    era = floor_div(y, 400);
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void
civil_from_days(long long *y, int *m, int *d, long long z)
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

static int
weekday(long long days)
{
    return (int)(((days % 7) + 7 + 4) % 7);
}

/* ---- the POSIX TZ rule of a TZif footer (RFC 8536 section 3.3) ---- */

struct rule_date {
    char kind; /* 'J' Jn (1..365, no Feb 29), 'n' n (0..365), 'M' Mm.w.d */
    int n, m, w, d;
    long time; /* seconds after local midnight; RFC 8536 allows -167..167 hours */
};

struct tzrule {
    long std_off; /* UTC offsets, east positive */
    long dst_off;
    int has_dst;
    struct rule_date start, end;
};

static int
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int
is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A number of at most MAXDIGITS digits, at most MAX. */
static const char *
rule_num(long *out, const char *p, int maxdigits, long max)
{
    int n = 0;

    *out = 0;
    while (is_digit(*p) && n < maxdigits) {
        *out = *out * 10 + (*p++ - '0');
        n++;
    }
    return n == 0 || is_digit(*p) || *out > max ? NULL : p;
}

/* A zone abbreviation: 3 or more letters, or <...> of letters, digits, '+', '-'. */
static const char *
rule_name(const char *p)
{
    const char *s;

    if (*p == '<') {
        for (s = ++p; is_alpha(*p) || is_digit(*p) || *p == '+' || *p == '-'; p++)
            ;
        return p - s >= 3 && *p == '>' ? p + 1 : NULL;
    }
    for (s = p; is_alpha(*p); p++)
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
rule_date(struct rule_date *r, const char *p)
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
rule_parse(struct tzrule *r, const char *s)
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
rule_day(const struct rule_date *r, long long y)
{
    long long first;
    int day;

    if (r->kind == 'J')
        return days_from_civil(y, 1, 1) + r->n - 1 + (is_leap(y) && r->n >= 60);
    if (r->kind == 'n')
        return days_from_civil(y, 1, 1) + r->n;
    first = days_from_civil(y, r->m, 1);
    day = (r->d - weekday(first) + 7) % 7 + 7 * (r->w - 1);
    if (day >= month_days(y, r->m)) /* week 5 is the last: day <= 34, one week back is enough */
        day -= 7;
    return first + day;
}

/* The UTC offset rule R gives at UTC time T. */
static long
rule_offset(const struct tzrule *r, long long t)
{
    long long y, start, end;
    int m, d;
    int dst;

    if (!r->has_dst)
        return r->std_off;
    civil_from_days(&y, &m, &d, floor_div(t + r->std_off, 86400));
    /* the start is given in standard time, the end in daylight saving time */
    start = rule_day(&r->start, y) * 86400 + r->start.time - r->std_off;
    end = rule_day(&r->end, y) * 86400 + r->end.time - r->dst_off;
    if (start < end)
        dst = t >= start && t < end;
    else /* southern hemisphere: DST spans the new year */
        dst = !(t >= end && t < start);
    return dst ? r->dst_off : r->std_off;
}

/* ---- the zone's TZif file, read by check_rule and collect ---- */

static const char *
zone_dir(void)
{
    const char *d = getenv("TZDIR");

    return d && d[0] == '/' ? d : "/usr/share/zoneinfo";
}

/* IANA names: parts of letters, digits, '.', '_', '+', '-' joined by '/'; no part is
 * empty or starts with '.', so no name leaves the zone directory. */
static int
zone_name_ok(const char *s)
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
        if (!is_alpha(c) && !is_digit(c) && c != '/' && c != '.' && c != '_' && c != '+' &&
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
static int
zone_load(json_t **out, const char *name, int code, struct err *e)
{
    struct buf b = BUF_INIT;
    struct tzif_counts c1, c;
    struct tzrule rule;
    const unsigned char *p, *times, *idx, *types, *end;
    char path[4096], version, footer[RULE_MAX + 1];
    json_t *zone = NULL, *trans = NULL;
    long offset, cur;
    int64_t last = ZONE_SINCE;
    uint64_t i, need;
    size_t flen = 0;
    int rc = -1;

    *out = NULL;
    if (!zone_name_ok(name))
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

/* ---- the rule ---- */

/* "HH:MM" as minutes; "24:00" only when ALLOW_24 (an end). -1 when malformed. */
static int
hhmm(const char *s, int allow_24)
{
    int h, m;

    if (!s || strlen(s) != 5 || !is_digit(s[0]) || !is_digit(s[1]) || s[2] != ':' ||
        !is_digit(s[3]) || !is_digit(s[4]))
        return -1;
    h = (s[0] - '0') * 10 + (s[1] - '0');
    m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && (m != 0 || !allow_24)))
        return -1;
    return h * 60 + m;
}

/* "YYYY-MM-DD" (years 2000 to 9999) as days since 1970-01-01 in *OUT. */
static int
date_days(long long *out, const char *s)
{
    int i, y, m, d;

    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !is_digit(s[i]))
            return -1;
    y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 2000 || m < 1 || m > 12 || d < 1 || d > month_days(y, m))
        return -1;
    *out = days_from_civil(y, m, d);
    return 0;
}

static int
day_index(const char *s)
{
    int i;

    for (i = 0; s && i < 7; i++)
        if (strcmp(s, day_keys[i]) == 0)
            return i;
    return -1;
}

/* The weekdays of a validated window, as bits 1 << day. */
static unsigned
window_days(const json_t *w)
{
    const json_t *days = json_object_get(w, "days");
    unsigned mask = 0;
    size_t i;

    for (i = 0; i < json_array_size(days); i++) {
        int d = day_index(json_string_value(json_array_get(days, i)));

        if (d >= 0)
            mask |= 1u << d;
    }
    return mask;
}

static int
only_keys(const json_t *obj, const char *const *keys, const char **bad)
{
    const char *k;
    json_t *v;
    size_t i;

    json_object_foreach((json_t *)obj, k, v) {
        (void)v;
        for (i = 0; keys[i] && strcmp(keys[i], k) != 0; i++)
            ;
        if (!keys[i]) {
            *bad = k;
            return -1;
        }
    }
    return 0;
}

static int
check_window(const json_t *w, const char *jpath, size_t i, struct err *e)
{
    static const char *const keys[] = {"days", "start", "end", NULL};
    const json_t *days = json_object_get(w, "days");
    const char *bad;
    unsigned seen = 0;
    int start, end;
    size_t j;

    if (!json_is_object(w))
        return err_set(e, EXIT_USAGE,
                       "%s.windows[%zu]: must be an object {\"days\", \"start\", \"end\"}", jpath,
                       i);
    if (only_keys(w, keys, &bad) < 0)
        return err_set(e, EXIT_USAGE, "%s.windows[%zu].%.64s: unknown key", jpath, i, bad);
    if (!json_is_array(days) || json_array_size(days) == 0)
        return err_set(e, EXIT_USAGE, "%s.windows[%zu].days: must be a non-empty array of days",
                       jpath, i);
    for (j = 0; j < json_array_size(days); j++) {
        const json_t *d = json_array_get(days, j);
        int k = day_index(json_string_value(d));

        if (k < 0)
            return err_set(e, EXIT_USAGE,
                           "%s.windows[%zu].days[%zu]: must be one of mon, tue, wed, thu, fri, "
                           "sat, sun",
                           jpath, i, j);
        if (seen & (1u << k))
            return err_set(e, EXIT_USAGE, "%s.windows[%zu].days[%zu]: duplicate day '%s'", jpath, i,
                           j, day_keys[k]);
        seen |= 1u << k;
    }
    start = hhmm(json_string_value(json_object_get(w, "start")), 0);
    if (start < 0)
        return err_set(e, EXIT_USAGE,
                       "%s.windows[%zu].start: must be a time \"HH:MM\" (00:00 to "
                       "23:59)",
                       jpath, i);
    end = hhmm(json_string_value(json_object_get(w, "end")), 1);
    if (end < 0)
        return err_set(e, EXIT_USAGE,
                       "%s.windows[%zu].end: must be a time \"HH:MM\" (00:01 to "
                       "24:00)",
                       jpath, i);
    if (end <= start)
        return err_set(e, EXIT_USAGE,
                       "%s.windows[%zu].end: must be after start (the end is exclusive; a window "
                       "cannot span midnight: split it in two)",
                       jpath, i);
    return 0;
}

static int
check_freeze(const json_t *fr, const char *jpath, size_t i, struct err *e)
{
    static const char *const keys[] = {"from", "to", "reason", NULL};
    const json_t *reason = json_object_get(fr, "reason");
    const char *bad;
    long long from, to;

    if (!json_is_object(fr))
        return err_set(e, EXIT_USAGE,
                       "%s.freezes[%zu]: must be an object {\"from\", \"to\", \"reason\"}", jpath,
                       i);
    if (only_keys(fr, keys, &bad) < 0)
        return err_set(e, EXIT_USAGE, "%s.freezes[%zu].%.64s: unknown key", jpath, i, bad);
    if (date_days(&from, json_string_value(json_object_get(fr, "from"))) < 0)
        return err_set(e, EXIT_USAGE, "%s.freezes[%zu].from: must be a date \"YYYY-MM-DD\"", jpath,
                       i);
    if (date_days(&to, json_string_value(json_object_get(fr, "to"))) < 0)
        return err_set(e, EXIT_USAGE, "%s.freezes[%zu].to: must be a date \"YYYY-MM-DD\"", jpath,
                       i);
    if (to < from)
        return err_set(e, EXIT_USAGE, "%s.freezes[%zu].to: must not be before from", jpath, i);
    if (!json_is_string(reason) || json_string_length(reason) == 0 ||
        json_string_length(reason) > REASON_MAX)
        return err_set(e, EXIT_USAGE, "%s.freezes[%zu].reason: must be a string of 1 to %d bytes",
                       jpath, i, REASON_MAX);
    return 0;
}

static int
role_name_ok(const char *s)
{
    size_t i;

    for (i = 0; s[i]; i++)
        if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '-' && s[i] != '_')
            return 0;
    return i > 0 && i <= ROLE_NAME_MAX;
}

/* Everything but the zone file: pure, so evaluate checks the rule with it too. That the
 * break_glass_role is one of the policy's roles is checked by the policy loader. */
static int
rule_check(const json_t *rule, const char *jpath, struct err *e)
{
    const json_t *tz = json_object_get(rule, "timezone"),
                 *windows = json_object_get(rule, "windows");
    const json_t *freezes = json_object_get(rule, "freezes");
    const json_t *role = json_object_get(rule, "break_glass_role");
    size_t i;

    if (!json_is_string(tz) || !zone_name_ok(json_string_value(tz)))
        return err_set(e, EXIT_USAGE,
                       "%s.timezone: must be an IANA time zone name such as Africa/Johannesburg",
                       jpath);
    if (!json_is_array(windows) || json_array_size(windows) == 0 ||
        json_array_size(windows) > WINDOWS_MAX)
        return err_set(e, EXIT_USAGE, "%s.windows: must be an array of 1 to %d windows", jpath,
                       WINDOWS_MAX);
    for (i = 0; i < json_array_size(windows); i++)
        if (check_window(json_array_get(windows, i), jpath, i, e) < 0)
            return -1;
    if (freezes && (!json_is_array(freezes) || json_array_size(freezes) > FREEZES_MAX))
        return err_set(e, EXIT_USAGE, "%s.freezes: must be an array of at most %d freezes", jpath,
                       FREEZES_MAX);
    for (i = 0; i < json_array_size(freezes); i++)
        if (check_freeze(json_array_get(freezes, i), jpath, i, e) < 0)
            return -1;
    if (role && (!json_is_string(role) || !role_name_ok(json_string_value(role))))
        return err_set(e, EXIT_USAGE,
                       "%s.break_glass_role: must be a role name (1 to %d letters, digits, '-' "
                       "or '_')",
                       jpath, ROLE_NAME_MAX);
    return 0;
}

/* Policy time: the rule, then the zone file (I/O: an unknown zone is a policy error). */
static int
deploy_window_check_rule(const json_t *rule, const char *jpath, struct err *e)
{
    json_t *zone = NULL;

    if (rule_check(rule, jpath, e) < 0)
        return -1;
    if (zone_load(&zone, json_string_value(json_object_get(rule, "timezone")), EXIT_USAGE, e) < 0)
        return err_prefix(e, "%s.timezone", jpath);
    json_decref(zone);
    return 0;
}

/* ---- plan and collect ---- */

/* Only a break-glass reads GitHub: the actor's membership of the break-glass role. The
 * actor is established after the first round; until then nothing is asked. */
static int
deploy_window_plan(const struct gate_ctx *ctx, struct gh_store *s, struct err *e)
{
    const char *role = json_string_value(json_object_get(ctx->rule, "break_glass_role"));

    /* promote explain asks too: whether break-glass would be allowed for the actor */
    if ((!ctx->break_glass && !ctx->explain) || !role || !ctx->actor ||
        !roles_team(ctx->roles, role))
        return 0; /* an undefined role: collect names it */
    return roles_want(s, ctx->roles, role, ctx->actor, e);
}

/* evidence: {"timezone", "zone": {"since", "offset", "transitions", "rule", "rule_from"},
 *            "break_glass": null | {"actor", "role" (or null), "member", "reason"}} */
static int
deploy_window_collect(const struct gate_ctx *ctx, struct evidence *ev, struct err *e)
{
    const char *tz = json_string_value(json_object_get(ctx->rule, "timezone"));
    const char *role = json_string_value(json_object_get(ctx->rule, "break_glass_role"));
    json_t *zone = NULL, *bg = NULL;
    int member = 0, rc = -1;

    if (!tz)
        return err_set(e, EXIT_USAGE, "the rule names no time zone");
    if (zone_load(&zone, tz, EXIT_EVAL, e) < 0)
        return -1;
    if (ctx->break_glass) {
        if (!ctx->actor) {
            err_set(e, EXIT_EVAL, "break-glass: %s",
                    ctx->actor_error ? ctx->actor_error
                                     : "cannot establish who is promoting (the actor)");
            goto done;
        }
        if (!ctx->break_glass_reason || !ctx->break_glass_reason[0]) {
            err_set(e, EXIT_USAGE, "break-glass needs a reason (--reason TEXT)");
            goto done;
        }
        if (role) {
            if (!roles_team(ctx->roles, role)) {
                err_set(e, EXIT_USAGE, "role '%s' is not defined in the policy's roles", role);
                goto done;
            }
            if (roles_is_member(&member, ctx->gh, ctx->roles, role, ctx->actor, e) < 0)
                goto done;
        }
        bg = json_pack("{s:s, s:s?, s:b, s:s}", "actor", ctx->actor, "role", role, "member", member,
                       "reason", ctx->break_glass_reason);
        if (!bg) {
            err_set(e, EXIT_EVAL, "out of memory");
            goto done;
        }
    }
    ev->data = json_pack("{s:s, s:O, s:O}", "timezone", tz, "zone", zone, "break_glass",
                         bg ? bg : json_null());
    if (!ev->data) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    if (ctx->explain && !ctx->break_glass && role && ctx->actor && roles_team(ctx->roles, role)) {
        /* explain only: would a break-glass be allowed for the actor */
        if (roles_is_member(&member, ctx->gh, ctx->roles, role, ctx->actor, e) < 0)
            goto done;
        json_object_set_new(ev->data, "break_glass_eligible",
                            json_pack("{s:s, s:s, s:b}", "actor", ctx->actor, "role", role,
                                      "member", member));
    }
    rc = 0;
done:
    json_decref(zone);
    json_decref(bg);
    return rc;
}

/* ---- evaluate: pure ---- */

struct zone_view {
    long long since, rule_from;
    long offset;
    const json_t *transitions; /* [[utc, offset], ...], ascending */
    struct tzrule rule;
    int has_rule;
};

static int
offset_ok(const json_t *v)
{
    return json_is_integer(v) && json_integer_value(v) >= OFFSET_MIN &&
           json_integer_value(v) <= OFFSET_MAX;
}

/* The zone evidence, checked: 0, or -1 when malformed. */
static int
zone_view(struct zone_view *z, const json_t *zone)
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
static long
zone_offset(const struct zone_view *z, long long t)
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

struct local {
    long long days; /* the local date, days since 1970-01-01 */
    long long y;
    int mon, mday, wday;
    int sod; /* seconds since local midnight */
    long off;
};

static void
to_local(struct local *lt, const struct zone_view *z, long long t)
{
    long long ls;

    lt->off = zone_offset(z, t);
    ls = t + lt->off;
    lt->days = floor_div(ls, 86400);
    lt->sod = (int)(ls - lt->days * 86400);
    lt->wday = weekday(lt->days);
    civil_from_days(&lt->y, &lt->mon, &lt->mday, lt->days);
}

static int
frozen(const json_t **which, const json_t *freezes, long long days)
{
    size_t i;

    for (i = 0; i < json_array_size(freezes); i++) {
        const json_t *fr = json_array_get(freezes, i);
        long long from = 0, to = -1;

        if (date_days(&from, json_string_value(json_object_get(fr, "from"))) == 0 &&
            date_days(&to, json_string_value(json_object_get(fr, "to"))) == 0 && from <= days &&
            days <= to) {
            if (which)
                *which = fr;
            return 1;
        }
    }
    return 0;
}

/* "Tue-Thu 09:00-15:00": the days in runs, Monday first. */
static void
window_label(struct buf *b, const json_t *w)
{
    static const int order[7] = {1, 2, 3, 4, 5, 6, 0};
    unsigned mask = window_days(w);
    int i = 0, n = 0;

    while (i < 7) {
        int j = i;

        if (!(mask & (1u << order[i]))) {
            i++;
            continue;
        }
        while (j + 1 < 7 && (mask & (1u << order[j + 1])))
            j++;
        buf_addf(b, "%s%s", n++ ? ", " : "", day_labels[order[i]]);
        if (j > i)
            buf_addf(b, "-%s", day_labels[order[j]]);
        i = j + 1;
    }
    buf_addf(b, " %s-%s", json_string_value(json_object_get(w, "start")),
             json_string_value(json_object_get(w, "end")));
}

/* The next window opening after LT, on a day no freeze covers: 1 found (its local date
 * in *DAYS, its start in minutes in *START), 0 none within NEXT_DAYS_MAX days. */
static int
next_window(long long *days, int *start, const json_t *rule, const struct local *lt)
{
    const json_t *windows = json_object_get(rule, "windows");
    const json_t *freezes = json_object_get(rule, "freezes");
    long long k;
    size_t i;

    for (k = 0; k <= NEXT_DAYS_MAX; k++) {
        long long d = lt->days + k;
        int best = -1;

        if (frozen(NULL, freezes, d))
            continue;
        for (i = 0; i < json_array_size(windows); i++) {
            const json_t *w = json_array_get(windows, i);
            int s = hhmm(json_string_value(json_object_get(w, "start")), 0);

            if (!(window_days(w) & (1u << weekday(d))) || (k == 0 && s * 60 <= lt->sod))
                continue;
            if (best < 0 || s < best)
                best = s;
        }
        if (best >= 0) {
            *days = d;
            *start = best;
            return 1;
        }
    }
    return 0;
}

static int
valid_break_glass(const json_t *bg)
{
    const json_t *role = json_object_get(bg, "role");

    return json_is_null(bg) ||
           (json_is_object(bg) && json_is_string(json_object_get(bg, "actor")) &&
            (json_is_null(role) || json_is_string(role)) &&
            json_is_boolean(json_object_get(bg, "member")) &&
            json_is_string(json_object_get(bg, "reason")));
}

/* details: {"timezone", "local_time" (RFC 3339 with the zone's offset), "weekday" ("mon"..),
 *           "in_window" (a window matches, freezes aside), "window" (the first matching
 *           window, or null), "freeze" (the first freeze covering the local date, or null),
 *           "next_window" ("YYYY-MM-DDTHH:MM" local, when closed; null if none within
 *           NEXT_DAYS_MAX days), "break_glass" (null, or the evidence's {"actor", "role",
 *           "member", "reason"} with "outcome": "applied" | "refused" | "not_needed")}
 * The gate passes when a window matches and no freeze covers the date, or, when closed,
 * by a break-glass of a member of the rule's break_glass_role. */
static enum verdict
deploy_window_evaluate(const struct evidence *ev, const json_t *rule, time_t now, struct finding *f)
{
    const char *tz = json_string_value(json_object_get(rule, "timezone"));
    const char *rule_role = json_string_value(json_object_get(rule, "break_glass_role"));
    const json_t *windows = json_object_get(rule, "windows"), *bg, *win = NULL, *frz = NULL;
    struct err rule_err = ERR_INIT;
    struct buf closed = BUF_INIT, text = BUF_INIT;
    struct zone_view z;
    struct local lt;
    json_t *details = NULL, *bgd = NULL;
    char local_time[64], next[64] = "";
    const char *outcome = NULL;
    long long next_days = 0;
    enum verdict v = VERDICT_ERROR;
    long aoff;
    int next_start = 0, has_next, in_window;
    size_t i;

    if (rule_check(rule, "$", &rule_err) < 0) {
        finding_summary(f, "invalid rule: %s", rule_err.msg);
        return VERDICT_ERROR;
    }
    bg = json_object_get(ev->data, "break_glass");
    if (!json_is_string(json_object_get(ev->data, "timezone")) ||
        strcmp(json_string_value(json_object_get(ev->data, "timezone")), tz) != 0 ||
        zone_view(&z, json_object_get(ev->data, "zone")) < 0 || !bg || !valid_break_glass(bg)) {
        finding_summary(f, "no valid time zone data for '%s'", tz);
        return VERDICT_ERROR;
    }
    if ((long long)now < z.since || (long long)now > TIME_MAX) {
        finding_summary(f, "now (%lld) is outside the time zone data (2000 to 9999)",
                        (long long)now);
        return VERDICT_ERROR;
    }
    to_local(&lt, &z, (long long)now);
    aoff = lt.off < 0 ? -lt.off : lt.off;
    snprintf(local_time, sizeof(local_time), "%04lld-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld", lt.y,
             lt.mon, lt.mday, lt.sod / 3600, lt.sod / 60 % 60, lt.sod % 60, lt.off < 0 ? '-' : '+',
             aoff / 3600, aoff / 60 % 60);
    for (i = 0; !win && i < json_array_size(windows); i++) {
        const json_t *w = json_array_get(windows, i);
        int s = hhmm(json_string_value(json_object_get(w, "start")), 0);
        int en = hhmm(json_string_value(json_object_get(w, "end")), 1);

        if ((window_days(w) & (1u << lt.wday)) && s * 60 <= lt.sod && lt.sod < en * 60)
            win = w;
    }
    in_window = win != NULL;
    frozen(&frz, json_object_get(rule, "freezes"), lt.days);
    has_next = next_window(&next_days, &next_start, rule, &lt);
    if (has_next) {
        long long ny;
        int nm, nd;

        civil_from_days(&ny, &nm, &nd, next_days);
        snprintf(next, sizeof(next), "%04lld-%02d-%02dT%02d:%02d", ny, nm, nd, next_start / 60,
                 next_start % 60);
    }

    /* why it is closed, when it is */
    if (frz) {
        buf_addf(&closed, "inside the freeze %s..%s: %s",
                 json_string_value(json_object_get(frz, "from")),
                 json_string_value(json_object_get(frz, "to")),
                 json_string_value(json_object_get(frz, "reason")));
    } else if (!win) {
        buf_addf(&closed, "outside the deploy windows: now %s %02d:%02d %s", day_labels[lt.wday],
                 lt.sod / 3600, lt.sod / 60 % 60, tz);
    }

    if (!closed.len) {
        buf_adds(&text, "inside the window ");
        window_label(&text, win);
        buf_addf(&text, " (%s, now %s %02d:%02d)", tz, day_labels[lt.wday], lt.sod / 3600,
                 lt.sod / 60 % 60);
        if (!json_is_null(bg)) {
            buf_adds(&text, "; break-glass not needed");
            outcome = "not_needed";
        }
        v = VERDICT_PASS;
    } else if (!json_is_null(bg)) {
        const char *actor = json_string_value(json_object_get(bg, "actor"));
        const char *role = json_string_value(json_object_get(bg, "role"));

        /* the rule decides which role may break the glass, not the evidence */
        if (!rule_role) {
            buf_addf(&text, "break-glass refused: the gate names no break_glass_role; %s",
                     buf_str(&closed));
            v = VERDICT_FAIL;
        } else if (!role || strcmp(role, rule_role) != 0 ||
                   !json_is_true(json_object_get(bg, "member"))) {
            buf_addf(&text, "break-glass refused: %s is not a member of %s; %s", actor, rule_role,
                     buf_str(&closed));
            v = VERDICT_FAIL;
        } else {
            buf_addf(&text, "break-glass by %s: %s (%s)", actor,
                     json_string_value(json_object_get(bg, "reason")), buf_str(&closed));
            v = VERDICT_PASS;
        }
        outcome = v == VERDICT_PASS ? "applied" : "refused";
    } else {
        buf_adds(&text, buf_str(&closed));
        v = VERDICT_FAIL;
    }
    if (v == VERDICT_FAIL && has_next) {
        long long ny;
        int nm, nd;

        civil_from_days(&ny, &nm, &nd, next_days);
        if (next_days - lt.days < 7)
            buf_addf(&text, "; next window %s %02d:%02d", day_labels[weekday(next_days)],
                     next_start / 60, next_start % 60);
        else
            buf_addf(&text, "; next window %s %04lld-%02d-%02d %02d:%02d",
                     day_labels[weekday(next_days)], ny, nm, nd, next_start / 60, next_start % 60);
    } else if (v == VERDICT_FAIL) {
        buf_addf(&text, "; no window in the next %d days", NEXT_DAYS_MAX);
    }

    if (!json_is_null(bg)) {
        bgd = json_deep_copy(bg);
        if (!bgd || json_object_set_new(bgd, "outcome", json_string(outcome)) < 0) {
            finding_summary(f, "out of memory");
            v = VERDICT_ERROR;
            goto done;
        }
    }
    details = json_pack("{s:s, s:s, s:s, s:b, s:O?, s:O?, s:s?, s:O?}", "timezone", tz,
                        "local_time", local_time, "weekday", day_keys[lt.wday], "in_window",
                        in_window, "window", (json_t *)win, "freeze", (json_t *)frz, "next_window",
                        has_next && !(v == VERDICT_PASS && !closed.len) ? next : NULL,
                        "break_glass", bgd);
    if (!details) {
        finding_summary(f, "out of memory");
        v = VERDICT_ERROR;
        goto done;
    }
    f->details = details;
    finding_summary(f, "%s", buf_str(&text));
done:
    json_decref(bgd);
    buf_release(&closed);
    buf_release(&text);
    return v;
}

/* The next window opening, and whether a break-glass would be allowed for the actor. */
static void
deploy_window_remedy(const struct evidence *ev, const json_t *rule, time_t now,
                     const struct finding *f, struct remedy *out)
{
    const char *next = json_string_value(json_object_get(f->details, "next_window"));
    const char *tz = json_string_value(json_object_get(f->details, "timezone"));
    const char *role = json_string_value(json_object_get(rule, "break_glass_role"));
    const json_t *elig = json_object_get(ev->data, "break_glass_eligible");
    const json_t *bg = json_object_get(ev->data, "break_glass");
    const char *actor = json_string_value(json_object_get(elig, "actor"));
    char bgt[300];
    const char *allowed = "unknown";

    (void)now;
    if (!role) {
        snprintf(bgt, sizeof(bgt), "break-glass: not possible (the gate names no break_glass_role)");
        allowed = "no_role";
    } else if (json_is_object(bg)) {
        snprintf(bgt, sizeof(bgt), "break-glass: %s",
                 json_is_true(json_object_get(bg, "member")) ? "allowed"
                                                             : "refused (not a member of the role)");
        allowed = json_is_true(json_object_get(bg, "member")) ? "yes" : "no";
    } else if (actor) {
        allowed = json_is_true(json_object_get(elig, "member")) ? "yes" : "no";
        snprintf(bgt, sizeof(bgt), "break-glass: %s for %s (%s %s)",
                 allowed[0] == 'y' ? "allowed" : "not allowed", actor, allowed[0] == 'y' ? "a" : "not a",
                 role);
        if (allowed[0] == 'y')
            snprintf(bgt + strlen(bgt), sizeof(bgt) - strlen(bgt),
                     ": --break-glass --reason TEXT");
    } else {
        snprintf(bgt, sizeof(bgt), "break-glass: members of %s", role);
    }
    if (next)
        remedy_text(out, "wait: the next window opens %s %s; %s", next, tz ? tz : "", bgt);
    else
        remedy_text(out, "no window opens in the next %d days; %s", NEXT_DAYS_MAX, bgt);
    out->data = json_pack("{s:s, s:s?, s:s?, s:s?, s:s, s:s?}", "action", "wait_window",
                          "next_window", next, "timezone", tz, "break_glass_role", role,
                          "break_glass_allowed", allowed, "actor", actor);
}

const struct gate gate_deploy_window = {
    .type = "deploy_window",
    .needs_evidence = 0,
    .params = deploy_window_params,
    .check_rule = deploy_window_check_rule,
    .plan = deploy_window_plan,
    .needs_actor = 0, /* only a break-glass needs the actor: collect checks */
    .collect = deploy_window_collect,
    .evaluate = deploy_window_evaluate,
    .remedy = deploy_window_remedy,
};
