/* Time zones without localtime_r. A pure evaluation may not read a file, the environment or
 * the clock, so it cannot call localtime_r (which reads TZ and the zone database), and the
 * process's TZ is never changed. Instead tz_load reads the zone's TZif file (RFC 8536,
 * version 2 or later: the 64-bit section and the footer's POSIX TZ rule) and keeps as JSON
 * what converting a UTC time from 2000-01-01 on needs: the UTC offset at 2000-01-01, each
 * later change of offset up to the file's last transition, and the TZ rule that applies
 * after it. That is a handful of numbers for most zones (Africa/Johannesburg: none and
 * "SAST-2"; a fat Europe/London file: its transitions up to 2037), and it lands in the audit
 * record, so a decision can be checked by hand. The pure functions below convert a time with
 * it alone. The zone database is $TZDIR when set (as for glibc), else /usr/share/zoneinfo. */
#ifndef PROMOTE_TZ_H
#define PROMOTE_TZ_H

#include <jansson.h>

#include "core/base/err.h"

/* ---- reading a zone: I/O ---- */

/* 1 when NAME is an IANA zone name (such as Africa/Johannesburg) that cannot leave the zone
 * directory, else 0. Pure: it does not look for the file. */
int tz_name_ok(const char *name);

/* Read zone NAME from the zone database into *OUT (a new reference): {"since", "offset",
 * "transitions": [[utc, offset], ...], "rule", "rule_from"}. -1 with an error of CODE when
 * the name is bad or the file missing or malformed (EXIT_EVAL when out of memory). */
int tz_load(json_t **out, const char *name, int code, struct err *e);

/* ---- converting with the zone data: pure ---- */

/* The footer's POSIX TZ rule, parsed; its fields are tz.c's. */
struct tz_rule_date {
    char kind; /* 'J' Jn (1..365, no Feb 29), 'n' n (0..365), 'M' Mm.w.d */
    int n, m, w, d;
    long time; /* seconds after local midnight; RFC 8536 allows -167..167 hours */
};

struct tz_rule {
    long std_off; /* UTC offsets, east positive */
    long dst_off;
    int has_dst;
    struct tz_rule_date start, end;
};

/* The zone data tz_load made, checked; it borrows the JSON's transitions. */
struct tz_view {
    long long since, rule_from;
    long offset;
    const json_t *transitions; /* [[utc, offset], ...], ascending */
    struct tz_rule rule;
    int has_rule;
};

/* A UTC time in local time. */
struct tz_local {
    long long days; /* the local date, days since 1970-01-01 */
    long long y;
    int mon, mday, wday;
    int sod; /* seconds since local midnight */
    long off;
};

/* Check zone data ZONE (as tz_load makes it, read back from evidence) into *Z: 0, or -1
 * when it is malformed. */
int tz_view(struct tz_view *z, const json_t *zone);

/* The UTC offset (seconds, east positive) zone Z has at UTC time T (T >= z->since). */
long tz_offset(const struct tz_view *z, long long t);

/* UTC time T (T >= z->since) as local time in zone Z. */
void tz_to_local(struct tz_local *lt, const struct tz_view *z, long long t);

/* ---- calendar arithmetic (proleptic Gregorian, days since 1970-01-01) ---- */

/* The number of days of month M (1..12) of year Y. */
int tz_month_days(long long y, int m);

/* The date Y-M-D (M 1..12, D 1..31) as days since 1970-01-01. */
long long tz_days_from_civil(long long y, int m, int d);

/* Days since 1970-01-01 Z as the date *Y-*M-*D. */
void tz_civil_from_days(long long *y, int *m, int *d, long long z);

/* The weekday of DAYS since 1970-01-01: 0 is Sunday, 6 Saturday. */
int tz_weekday(long long days);

#endif
