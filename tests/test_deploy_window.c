/* The deploy_window gate: weekly windows in a time zone, freezes, break-glass. Times
 * are UTC instants; the zone data comes from the system's zone database through
 * collect, and local times are checked against glibc's localtime_r (the oracle, run
 * here in the test, never by the gate). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/github/gh.h"
#include "core/engine/policy.h"
#include "gates/gate.h"

#define MEMBERSHIP "/orgs/bbws/teams/ops-leads/memberships/dave"

/* ---- helpers ---- */

static json_t *J(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* JSON with single quotes, printf-style */
static json_t *
J(const char *fmt, ...)
{
    char text[8192], *p;
    json_error_t je;
    va_list ap;
    json_t *j;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    for (p = text; *p; p++)
        if (*p == '\'')
            *p = '"';
    j = json_loads(text, 0, &je);
    if (!j)
        fail_msg("bad test JSON: %s: %s", text, je.text);
    return j;
}

/* "2026-11-24T06:59:59Z" */
static time_t
utc(const char *s)
{
    struct tm tm;
    int y, mo, d, h, mi, se;

    if (sscanf(s, "%d-%d-%dT%d:%d:%dZ", &y, &mo, &d, &h, &mi, &se) != 6)
        fail_msg("bad test time '%s'", s);
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    return timegm(&tm);
}

static void
has(const char *text, const char *needle)
{
    if (!strstr(text, needle))
        fail_msg("'%s' lacks '%s'", text, needle);
}

static const struct gate *
gate(void)
{
    const struct gate *g = gate_find("deploy_window");

    assert_non_null(g);
    return g;
}

/* BBWS prod: Tue-Thu 09:00-15:00 Africa/Johannesburg, the year-end freeze, ops-lead. */
static json_t *
bbws_rule(void)
{
    return J(
        "{'name': 'prod-window', 'type': 'deploy_window',"
        " 'timezone': 'Africa/Johannesburg',"
        " 'windows': [{'days': ['tue', 'wed', 'thu'], 'start': '09:00', 'end': '15:00'}],"
        " 'freezes': [{'from': '2026-12-15', 'to': '2027-01-05', 'reason': 'year-end freeze'}],"
        " 'break_glass_role': 'ops-lead'}");
}

static json_t *
roles(void)
{
    return J("{'ops-lead': {'team': 'bbws/ops-leads'}, 'tech-lead': {'team': 'bbws/tech-leads'}}");
}

/* Canned GitHub answers: the membership of MEMBERSHIP, or nothing (404). */
struct answer {
    enum gh_state state;
    const char *body; /* single-quoted JSON, NULL for none */
};

struct run {
    struct gh_store s;
    struct evidence ev;
    struct finding f;
    struct err e;
    int collected;
    enum verdict v;
    size_t wanted; /* resources plan asked for */
};

/* Plan (answering from A; NULL: every membership is a 404), collect, evaluate at NOW. */
static void
run_gate(struct run *r, const json_t *rule, struct gate_ctx ctx, const struct answer *a, time_t now)
{
    const struct gate *g = gate();
    int round;
    size_t i;

    memset(r, 0, sizeof(*r));
    ctx.rule = rule;
    ctx.gh = &r->s;
    ctx.commit = "1111111111111111111111111111111111111111";
    for (round = 0; round < 5; round++) {
        assert_int_equal(g->plan(&ctx, &r->s, &r->e), 0);
        if (!gh_pending(&r->s))
            break;
        for (i = 0; i < r->s.n; i++) {
            struct gh_res *res = &r->s.res[i];

            if (res->state != GH_WANTED)
                continue;
            if (strcmp(res->path, MEMBERSHIP) != 0)
                fail_msg("unexpected request: GET %s", res->path);
            res->state = a ? a->state : GH_NOT_FOUND;
            res->status = res->state == GH_OK ? 200 : res->state == GH_NOT_FOUND ? 404 : 502;
            if (a && a->body)
                res->json = J("%s", a->body);
            if (res->state == GH_FAILED)
                snprintf(res->error, sizeof(res->error), "GET %s: HTTP 502 after 3 retries",
                         res->path);
        }
    }
    r->wanted = r->s.n;
    r->collected = g->collect(&ctx, &r->ev, &r->e);
    if (r->collected == 0)
        r->v = g->evaluate(&r->ev, rule, now, &r->f);
}

static void
run_release(struct run *r)
{
    gh_store_release(&r->s);
    evidence_release(&r->ev);
    finding_release(&r->f);
}

static struct gate_ctx
no_ctx(void)
{
    struct gate_ctx ctx;

    memset(&ctx, 0, sizeof(ctx));
    return ctx;
}

static const char *
detail_str(const struct finding *f, const char *key)
{
    const char *s = json_string_value(json_object_get(f->details, key));

    if (!s)
        fail_msg("details.%s is not a string", key);
    return s;
}

/* ---- windows at the edges ---- */

struct edge {
    const char *now; /* UTC */
    enum verdict v;
    const char *local_time;
    const char *summary; /* a part of it */
};

static void
check_edges(const json_t *rule, const struct edge *cases, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        struct run r;

        run_gate(&r, rule, no_ctx(), NULL, utc(cases[i].now));
        if (r.collected != 0)
            fail_msg("%s: collect: %s", cases[i].now, r.e.msg);
        if (r.v != cases[i].v)
            fail_msg("%s: verdict %d, expected %d: %s", cases[i].now, r.v, cases[i].v, r.f.summary);
        if (strcmp(detail_str(&r.f, "local_time"), cases[i].local_time) != 0)
            fail_msg("%s: local time %s, expected %s", cases[i].now, detail_str(&r.f, "local_time"),
                     cases[i].local_time);
        if (!strstr(r.f.summary, cases[i].summary))
            fail_msg("%s: summary '%s' lacks '%s'", cases[i].now, r.f.summary, cases[i].summary);
        assert_int_equal(json_is_true(json_object_get(r.f.details, "in_window")),
                         cases[i].v == VERDICT_PASS);
        run_release(&r);
    }
}

static void
test_johannesburg_edges(void **state)
{
    /* SAST is UTC+2 all year: 2026-11-23 is a Monday */
    static const struct edge cases[] = {
        {"2026-11-23T08:00:00Z", VERDICT_FAIL, "2026-11-23T10:00:00+02:00",
         "outside the deploy windows: now Mon 10:00 Africa/Johannesburg; next window Tue 09:00"},
        {"2026-11-24T06:59:59Z", VERDICT_FAIL, "2026-11-24T08:59:59+02:00",
         "outside the deploy windows: now Tue 08:59 Africa/Johannesburg; next window Tue 09:00"},
        {"2026-11-24T07:00:00Z", VERDICT_PASS, "2026-11-24T09:00:00+02:00",
         "inside the window Tue-Thu 09:00-15:00 (Africa/Johannesburg, now Tue 09:00)"},
        {"2026-11-24T12:59:59Z", VERDICT_PASS, "2026-11-24T14:59:59+02:00", "now Tue 14:59)"},
        {"2026-11-24T13:00:00Z", VERDICT_FAIL, "2026-11-24T15:00:00+02:00",
         "now Tue 15:00 Africa/Johannesburg; next window Wed 09:00"},
        {"2026-11-26T06:59:59Z", VERDICT_FAIL, "2026-11-26T08:59:59+02:00",
         "next window Thu 09:00"},
        {"2026-11-26T07:00:00Z", VERDICT_PASS, "2026-11-26T09:00:00+02:00", "now Thu 09:00)"},
        {"2026-11-26T12:59:59Z", VERDICT_PASS, "2026-11-26T14:59:59+02:00", "now Thu 14:59)"},
        {"2026-11-26T13:00:00Z", VERDICT_FAIL, "2026-11-26T15:00:00+02:00",
         "now Thu 15:00 Africa/Johannesburg; next window Tue 09:00"},
        {"2026-11-27T08:00:00Z", VERDICT_FAIL, "2026-11-27T10:00:00+02:00",
         "now Fri 10:00 Africa/Johannesburg; next window Tue 09:00"},
        /* local midnight is 22:00 UTC: Monday 23:59 UTC is Tuesday 01:59 here */
        {"2026-11-23T23:59:00Z", VERDICT_FAIL, "2026-11-24T01:59:00+02:00",
         "now Tue 01:59 Africa/Johannesburg; next window Tue 09:00"},
    };
    json_t *rule = bbws_rule();

    (void)state;
    check_edges(rule, cases, sizeof(cases) / sizeof(cases[0]));
    json_decref(rule);
}

static void
test_johannesburg_details(void **state)
{
    json_t *rule = bbws_rule(), *want;
    struct run r;

    (void)state;
    run_gate(&r, rule, no_ctx(), NULL, utc("2026-11-25T08:12:00Z"));
    assert_int_equal(r.v, VERDICT_PASS);
    assert_string_equal(
        r.f.summary, "inside the window Tue-Thu 09:00-15:00 (Africa/Johannesburg, now Wed 10:12)");
    want = J("{'timezone': 'Africa/Johannesburg', 'local_time': '2026-11-25T10:12:00+02:00',"
             " 'weekday': 'wed', 'in_window': true,"
             " 'window': {'days': ['tue', 'wed', 'thu'], 'start': '09:00', 'end': '15:00'},"
             " 'freeze': null, 'next_window': null, 'break_glass': null}");
    if (!json_equal(r.f.details, want))
        fail_msg("details: %s", json_dumps(r.f.details, JSON_SORT_KEYS));
    /* no DST: the evidence is the offset and the rule, nothing more */
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(r.ev.data, "zone"), "offset")), 7200);
    assert_int_equal(
        json_array_size(json_object_get(json_object_get(r.ev.data, "zone"), "transitions")), 0);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(r.ev.data, "zone"), "rule")), "SAST-2");
    assert_true(json_is_null(json_object_get(r.ev.data, "break_glass")));
    json_decref(want);
    run_release(&r);

    run_gate(&r, rule, no_ctx(), NULL, utc("2026-11-23T05:12:00Z"));
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_string_equal(r.f.summary, "outside the deploy windows: now Mon 07:12 "
                                     "Africa/Johannesburg; next window Tue 09:00");
    want = J("{'timezone': 'Africa/Johannesburg', 'local_time': '2026-11-23T07:12:00+02:00',"
             " 'weekday': 'mon', 'in_window': false, 'window': null, 'freeze': null,"
             " 'next_window': '2026-11-24T09:00', 'break_glass': null}");
    if (!json_equal(r.f.details, want))
        fail_msg("details: %s", json_dumps(r.f.details, JSON_SORT_KEYS));
    json_decref(want);
    run_release(&r);
    json_decref(rule);
}

/* Several windows, days in runs, a window to midnight (end 24:00). */
static void
test_several_windows(void **state)
{
    static const struct edge cases[] = {
        {"2026-11-23T21:59:59Z", VERDICT_PASS, "2026-11-23T23:59:59+02:00",
         "inside the window Mon, Wed-Fri 18:00-24:00"},
        {"2026-11-23T22:00:00Z", VERDICT_FAIL, "2026-11-24T00:00:00+02:00",
         "now Tue 00:00 Africa/Johannesburg; next window Tue 06:00"},
        {"2026-11-24T04:00:00Z", VERDICT_PASS, "2026-11-24T06:00:00+02:00",
         "inside the window Tue, Sat-Sun 06:00-07:00"},
        {"2026-11-28T04:30:00Z", VERDICT_PASS, "2026-11-28T06:30:00+02:00", "now Sat 06:30)"},
        {"2026-11-24T05:00:00Z", VERDICT_FAIL, "2026-11-24T07:00:00+02:00",
         "next window Wed 18:00"},
    };
    json_t *rule = J("{'timezone': 'Africa/Johannesburg', 'windows': ["
                     "{'days': ['fri', 'mon', 'wed', 'thu'], 'start': '18:00', 'end': '24:00'},"
                     "{'days': ['sun', 'tue', 'sat'], 'start': '06:00', 'end': '07:00'}]}");

    (void)state;
    check_edges(rule, cases, sizeof(cases) / sizeof(cases[0]));
    json_decref(rule);
}

/* ---- daylight saving time ---- */

static void
test_london_dst(void **state)
{
    /* 2026-03-29 01:00 GMT the clocks go to 02:00 BST: 01:00-02:00 never happens */
    static const struct edge spring[] = {
        {"2026-03-29T00:59:59Z", VERDICT_FAIL, "2026-03-29T00:59:59+00:00",
         "now Sun 00:59 Europe/London; next window Sun 01:30"},
        {"2026-03-29T01:00:00Z", VERDICT_PASS, "2026-03-29T02:00:00+01:00", "now Sun 02:00)"},
        {"2026-03-29T01:29:59Z", VERDICT_PASS, "2026-03-29T02:29:59+01:00", "now Sun 02:29)"},
        {"2026-03-29T01:30:00Z", VERDICT_FAIL, "2026-03-29T02:30:00+01:00",
         "next window Sun 2026-04-05 01:30"},
    };
    /* 2026-10-25 02:00 BST the clocks go back to 01:00 GMT: 01:00-02:00 happens twice */
    static const struct edge autumn[] = {
        {"2026-10-25T00:14:59Z", VERDICT_FAIL, "2026-10-25T01:14:59+01:00", "now Sun 01:14"},
        {"2026-10-25T00:15:00Z", VERDICT_PASS, "2026-10-25T01:15:00+01:00", "now Sun 01:15)"},
        {"2026-10-25T00:44:59Z", VERDICT_PASS, "2026-10-25T01:44:59+01:00", "now Sun 01:44)"},
        {"2026-10-25T00:45:00Z", VERDICT_FAIL, "2026-10-25T01:45:00+01:00", "now Sun 01:45"},
        {"2026-10-25T01:14:59Z", VERDICT_FAIL, "2026-10-25T01:14:59+00:00", "now Sun 01:14"},
        {"2026-10-25T01:15:00Z", VERDICT_PASS, "2026-10-25T01:15:00+00:00", "now Sun 01:15)"},
        {"2026-10-25T01:44:59Z", VERDICT_PASS, "2026-10-25T01:44:59+00:00", "now Sun 01:44)"},
        {"2026-10-25T01:45:00Z", VERDICT_FAIL, "2026-10-25T01:45:00+00:00", "now Sun 01:45"},
    };
    /* the same local window is a different UTC time in summer and in winter */
    static const struct edge weekday[] = {
        {"2026-07-07T07:59:59Z", VERDICT_FAIL, "2026-07-07T08:59:59+01:00", "now Tue 08:59"},
        {"2026-07-07T08:00:00Z", VERDICT_PASS, "2026-07-07T09:00:00+01:00", "now Tue 09:00)"},
        {"2026-01-06T08:59:59Z", VERDICT_FAIL, "2026-01-06T08:59:59+00:00", "now Tue 08:59"},
        {"2026-01-06T09:00:00Z", VERDICT_PASS, "2026-01-06T09:00:00+00:00", "now Tue 09:00)"},
    };
    json_t *r1 = J("{'timezone': 'Europe/London', 'windows': "
                   "[{'days': ['sun'], 'start': '01:30', 'end': '02:30'}]}");
    json_t *r2 = J("{'timezone': 'Europe/London', 'windows': "
                   "[{'days': ['sun'], 'start': '01:15', 'end': '01:45'}]}");
    json_t *r3 = J("{'timezone': 'Europe/London', 'windows': "
                   "[{'days': ['tue'], 'start': '09:00', 'end': '15:00'}]}");

    (void)state;
    check_edges(r1, spring, sizeof(spring) / sizeof(spring[0]));
    check_edges(r2, autumn, sizeof(autumn) / sizeof(autumn[0]));
    check_edges(r3, weekday, sizeof(weekday) / sizeof(weekday[0]));
    json_decref(r1);
    json_decref(r2);
    json_decref(r3);
}

static void
test_new_york_dst(void **state)
{
    /* 2026-03-08 02:00 EST -> 03:00 EDT: a window 02:00-03:00 never opens that day */
    static const struct edge spring[] = {
        {"2026-03-08T06:59:59Z", VERDICT_FAIL, "2026-03-08T01:59:59-05:00",
         "now Sun 01:59 America/New_York; next window Sun 02:00"},
        {"2026-03-08T07:00:00Z", VERDICT_FAIL, "2026-03-08T03:00:00-04:00",
         "now Sun 03:00 America/New_York; next window Sun 2026-03-15 02:00"},
        {"2026-03-15T06:00:00Z", VERDICT_PASS, "2026-03-15T02:00:00-04:00", "now Sun 02:00)"},
    };
    /* 2026-11-01 02:00 EDT -> 01:00 EST: 01:00-02:00 is open twice */
    static const struct edge autumn[] = {
        {"2026-11-01T04:59:59Z", VERDICT_FAIL, "2026-11-01T00:59:59-04:00", "now Sun 00:59"},
        {"2026-11-01T05:30:00Z", VERDICT_PASS, "2026-11-01T01:30:00-04:00", "now Sun 01:30)"},
        {"2026-11-01T06:30:00Z", VERDICT_PASS, "2026-11-01T01:30:00-05:00", "now Sun 01:30)"},
        {"2026-11-01T06:59:59Z", VERDICT_PASS, "2026-11-01T01:59:59-05:00", "now Sun 01:59)"},
        {"2026-11-01T07:00:00Z", VERDICT_FAIL, "2026-11-01T02:00:00-05:00", "now Sun 02:00"},
    };
    json_t *r1 = J("{'timezone': 'America/New_York', 'windows': "
                   "[{'days': ['sun'], 'start': '02:00', 'end': '03:00'}]}");
    json_t *r2 = J("{'timezone': 'America/New_York', 'windows': "
                   "[{'days': ['sun'], 'start': '01:00', 'end': '02:00'}]}");

    (void)state;
    check_edges(r1, spring, sizeof(spring) / sizeof(spring[0]));
    check_edges(r2, autumn, sizeof(autumn) / sizeof(autumn[0]));
    json_decref(r1);
    json_decref(r2);
}

/* glibc's local time for T in ZONE as "YYYY-MM-DDTHH:MM:SS+HH:MM" */
static void
glibc_local(char *out, size_t outsz, const char *zone, time_t t)
{
    struct tm tm;
    char base[32];
    long off, a;

    setenv("TZ", zone, 1);
    tzset();
    assert_non_null(localtime_r(&t, &tm));
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    off = tm.tm_gmtoff;
    a = off < 0 ? -off : off;
    snprintf(out, outsz, "%s%c%02ld:%02ld", base, off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
}

static long
glibc_offset(const char *zone, time_t t)
{
    struct tm tm;

    setenv("TZ", zone, 1);
    tzset();
    assert_non_null(localtime_r(&t, &tm));
    return tm.tm_gmtoff;
}

static void
same_as_glibc(const struct evidence *ev, const json_t *rule, const char *zone, time_t t)
{
    const struct gate *g = gate();
    struct finding f = {{0}, NULL};
    char want[64];

    glibc_local(want, sizeof(want), zone, t);
    assert_int_not_equal(g->evaluate(ev, rule, t, &f), VERDICT_ERROR);
    if (strcmp(detail_str(&f, "local_time"), want) != 0)
        fail_msg("%s at %lld: %s, glibc says %s", zone, (long long)t, detail_str(&f, "local_time"),
                 want);
    finding_release(&f);
}

static void write_file(const char *path, const void *data, size_t n);
static void zone_refused(const char *zone, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* TZ for glibc and back: the test's own TZ is restored after each oracle run. */
static char *saved_tz;

static void
tz_save(void)
{
    const char *t = getenv("TZ");

    saved_tz = t ? strdup(t) : NULL;
}

static void
tz_restore(void)
{
    if (saved_tz)
        setenv("TZ", saved_tz, 1);
    else
        unsetenv("TZ");
    tzset();
    free(saved_tz);
    saved_tz = NULL;
}

/* The evidence collect makes for RULE; fails the test when collect fails. */
static void
collect_ok(struct evidence *ev, const json_t *rule)
{
    struct gate_ctx ctx = no_ctx();
    struct err e = ERR_INIT;

    memset(ev, 0, sizeof(*ev));
    ctx.rule = rule;
    if (gate()->collect(&ctx, ev, &e) < 0)
        fail_msg("collect: %s", e.msg);
}

/* Local times from EV agree with glibc under TZ=GLIBC_TZ: on both sides of every kept
 * transition and of the switch to the TZ rule, on both sides of every change of offset
 * glibc makes from then to UNTIL, and at pseudo-random times from 2000 to 2100. Returns
 * the changes seen after the switch. */
static int
agree_with_glibc(const struct evidence *ev, const json_t *rule, const char *glibc_tz, time_t until)
{
    const json_t *zone = json_object_get(ev->data, "zone");
    const json_t *trans = json_object_get(zone, "transitions");
    uint64_t seed = 42;
    time_t t;
    long prev;
    int n_changes = 0;
    size_t i;

    for (i = 0; i < json_array_size(trans); i++) {
        t = (time_t)json_integer_value(json_array_get(json_array_get(trans, i), 0));
        same_as_glibc(ev, rule, glibc_tz, t - 1);
        same_as_glibc(ev, rule, glibc_tz, t);
        same_as_glibc(ev, rule, glibc_tz, t + 1);
    }
    t = (time_t)json_integer_value(json_object_get(zone, "rule_from"));
    same_as_glibc(ev, rule, glibc_tz, t);
    same_as_glibc(ev, rule, glibc_tz, t + 1);
    prev = glibc_offset(glibc_tz, t);
    for (; t < until; t += 6 * 3600) {
        long off = glibc_offset(glibc_tz, t + 6 * 3600);
        time_t lo = t, hi = t + 6 * 3600;

        if (off == prev)
            continue;
        while (hi - lo > 1) { /* the first second with the new offset */
            time_t mid = lo + (hi - lo) / 2;

            if (glibc_offset(glibc_tz, mid) == prev)
                lo = mid;
            else
                hi = mid;
        }
        same_as_glibc(ev, rule, glibc_tz, hi - 1);
        same_as_glibc(ev, rule, glibc_tz, hi);
        prev = off;
        n_changes++;
    }
    for (i = 0; i < 300; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        t = (time_t)(946684800LL + (long long)((seed >> 11) % (4102444800ULL - 946684800ULL)));
        same_as_glibc(ev, rule, glibc_tz, t);
    }
    return n_changes;
}

/* Real zones: southern DST, negative DST (Dublin), half-hour DST (Lord Howe), :45
 * offsets (Chatham), negative transition times (Nuuk), two-hour DST (Troll), a long
 * table (Casablanca), DST abolished (Sao Paulo, Tehran). */
static void
test_zones_agree_with_glibc(void **state)
{
    static const char *const zones[] = {
        "Africa/Johannesburg", "Europe/London",
        "America/New_York",    "Europe/Dublin",
        "Australia/Sydney",    "Australia/Lord_Howe",
        "Pacific/Chatham",     "America/Godthab",
        "Antarctica/Troll",    "Africa/Casablanca",
        "Asia/Kolkata",        "America/Sao_Paulo",
        "Asia/Tehran",         "UTC",
        "America/Santiago",    "Pacific/Apia",
    };
    size_t z;

    (void)state;
    tz_save();
    for (z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
        json_t *rule = J("{'timezone': '%s', 'windows': [{'days': ['mon'], 'start': '09:00', "
                         "'end': '10:00'}]}",
                         zones[z]);
        struct evidence ev;
        int n;

        collect_ok(&ev, rule);
        n = agree_with_glibc(&ev, rule, zones[z], utc("2100-01-01T00:00:00Z"));
        if (strcmp(zones[z], "Europe/London") == 0)
            assert_true(n > 100); /* the oracle saw the rule's changes */
        evidence_release(&ev);
        json_decref(rule);
    }
    tz_restore();
}

/* ---- zone files of our own, in $TZDIR ---- */

static char tzdir[64];

static int
setup_tzdir(void **state)
{
    (void)state;
    snprintf(tzdir, sizeof(tzdir), "/tmp/test_deploy_window.XXXXXX");
    if (!mkdtemp(tzdir))
        return -1;
    setenv("TZDIR", tzdir, 1);
    return 0;
}

static int
teardown_tzdir(void **state)
{
    char cmd[128];

    (void)state;
    unsetenv("TZDIR");
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tzdir);
    return system(cmd) == 0 ? 0 : -1;
}

struct tzb {
    unsigned char b[8192];
    size_t n;
};

static void
put(struct tzb *t, const void *p, size_t n)
{
    assert_true(t->n + n <= sizeof(t->b));
    memcpy(t->b + t->n, p, n);
    t->n += n;
}

static void
put32(struct tzb *t, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};

    put(t, x, 4);
}

static void
put_header(struct tzb *t, uint32_t timecnt, uint32_t typecnt)
{
    static const unsigned char zero[15];

    put(t, "TZif2", 5);
    put(t, zero, 15);
    put32(t, 0); /* isutcnt */
    put32(t, 0); /* isstdcnt */
    put32(t, 0); /* leapcnt */
    put32(t, timecnt);
    put32(t, typecnt);
    put32(t, 4); /* charcnt: "XXX\0" */
}

/* $TZDIR/NAME: a TZif v2 file whose type 0 is OFF0 and transition i (at TIMES[i]) goes
 * to offset OFFS[i], with FOOTER as its TZ rule. */
static void
make_zone(const char *name, long off0, const long long *times, const long *offs, size_t n,
          const char *footer)
{
    struct tzb *t = calloc(1, sizeof(*t));
    char path[256];
    size_t i;

    assert_non_null(t);
    /* the version 1 block: one type, no transitions */
    put_header(t, 0, 1);
    put32(t, (uint32_t)off0);
    put(t, "\0\0XXX\0", 6);
    put_header(t, (uint32_t)n, (uint32_t)n + 1);
    for (i = 0; i < n; i++) {
        put32(t, (uint32_t)((uint64_t)times[i] >> 32));
        put32(t, (uint32_t)times[i]);
    }
    for (i = 0; i < n; i++) {
        unsigned char idx = (unsigned char)(i + 1);

        put(t, &idx, 1);
    }
    put32(t, (uint32_t)off0);
    put(t, "\0\0", 2);
    for (i = 0; i < n; i++) {
        put32(t, (uint32_t)offs[i]);
        put(t, "\0\0", 2);
    }
    put(t, "XXX\0", 4);
    put(t, "\n", 1);
    put(t, footer, strlen(footer));
    put(t, "\n", 1);
    snprintf(path, sizeof(path), "%s/%s", tzdir, name);
    write_file(path, t->b, t->n);
    free(t);
}

static json_t *
zone_rule(const char *name)
{
    return J("{'timezone': '%s', 'windows': [{'days': ['mon'], 'start': '09:00', 'end': "
             "'10:00'}]}",
             name);
}

/* The footer's POSIX TZ rule in every form RFC 8536 allows, against glibc reading the
 * same rule from TZ: Jn (leap days skipped), n (zero-based), Mm.w.d with week 5, times
 * past 24 h and negative, DST all year, southern DST, quoted names, minutes and seconds. */
static void
test_tz_rules_agree_with_glibc(void **state)
{
    static const char *const rules[] = {
        "AAA3BBB,J60/2,J300/2",
        "AAA-10BBB,59/2,300/2",
        "<-03>3<-02>,M3.5.0/-2,M10.5.0/-1",
        "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
        "AAA-5:45BBB,M3.2.0/26,M11.1.0/-3",
        "AAA-1:02:03BBB-3:04:05,M2.5.6/167,M11.5.1/-167",
        "AAA0BBB,M1.1.0/0,M12.5.6/23",
        "<+0330>-3:30",
        "AAA+4",
    };
    size_t i;

    (void)state;
    tz_save();
    for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        char name[32];
        json_t *rule;
        struct evidence ev;

        snprintf(name, sizeof(name), "Rule%zu", i);
        make_zone(name, 0, NULL, NULL, 0, rules[i]);
        rule = zone_rule(name);
        collect_ok(&ev, rule);
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(ev.data, "zone"), "rule")), rules[i]);
        agree_with_glibc(&ev, rule, rules[i], utc("2060-01-01T00:00:00Z"));
        evidence_release(&ev);
        json_decref(rule);
    }
    tz_restore();
}

/* DST all year (RFC 8536 3.3.1): glibc leaves it for the first hours of each UTC year,
 * Python's zoneinfo and the RFC do not; neither do we. */
static void
test_tz_rule_dst_all_year(void **state)
{
    static const struct {
        const char *now, *local;
    } cases[] = {
        {"2000-01-01T00:00:00Z", "1999-12-31T20:00:00-04:00"},
        {"2000-01-01T04:59:59Z", "2000-01-01T00:59:59-04:00"},
        {"2000-01-01T05:00:00Z", "2000-01-01T01:00:00-04:00"},
        {"2000-06-01T00:00:00Z", "2000-05-31T20:00:00-04:00"},
        {"2030-12-31T23:00:00Z", "2030-12-31T19:00:00-04:00"},
        {"2031-01-01T04:30:00Z", "2031-01-01T00:30:00-04:00"},
    };
    json_t *rule;
    struct evidence ev;
    size_t i;

    (void)state;
    make_zone("AllYear", -18000, NULL, NULL, 0, "EST5EDT,0/0,J365/25");
    rule = zone_rule("AllYear");
    collect_ok(&ev, rule);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct finding f = {{0}, NULL};

        assert_int_not_equal(gate()->evaluate(&ev, rule, utc(cases[i].now), &f), VERDICT_ERROR);
        assert_string_equal(detail_str(&f, "local_time"), cases[i].local);
        finding_release(&f);
    }
    evidence_release(&ev);
    json_decref(rule);
}

/* What collect keeps from a table: the offset at 2000-01-01, later changes of offset
 * only, and the rule from the last transition on (none: the last offset stays). */
static void
test_zone_table(void **state)
{
    static const long long t1[] = {900000000LL, 1000000000LL, 1100000000LL, 1200000000LL};
    static const long o1[] = {3600, 3600, 0, 0};
    static const long long t2[] = {1100000000LL};
    static const long o2[] = {7200};
    json_t *rule, *want;
    struct evidence ev;
    struct finding f = {{0}, NULL};

    (void)state;
    make_zone("Table", -3600, t1, o1, 4, "");
    rule = zone_rule("Table");
    collect_ok(&ev, rule);
    want = J("{'since': 946684800, 'offset': 3600, 'transitions': [[1100000000, 0]], "
             "'rule': null, 'rule_from': 1200000000}");
    if (!json_equal(json_object_get(ev.data, "zone"), want))
        fail_msg("zone: %s", json_dumps(json_object_get(ev.data, "zone"), JSON_SORT_KEYS));
    json_decref(want);
    assert_int_equal(gate()->evaluate(&ev, rule, 1099999999, &f), VERDICT_FAIL);
    has(detail_str(&f, "local_time"), "+01:00");
    finding_release(&f);
    assert_int_equal(gate()->evaluate(&ev, rule, 1100000000, &f), VERDICT_FAIL);
    has(detail_str(&f, "local_time"), "+00:00");
    finding_release(&f);
    assert_int_equal(gate()->evaluate(&ev, rule, utc("2090-01-01T00:00:00Z"), &f), VERDICT_FAIL);
    assert_string_equal(detail_str(&f, "local_time"), "2090-01-01T00:00:00+00:00");
    finding_release(&f);
    evidence_release(&ev);
    json_decref(rule);

    /* the rule applies from the last transition on */
    make_zone("Ruled", 0, t2, o2, 1, "XXX-1");
    rule = zone_rule("Ruled");
    collect_ok(&ev, rule);
    assert_int_equal(gate()->evaluate(&ev, rule, 1099999999, &f), VERDICT_FAIL);
    has(detail_str(&f, "local_time"), "+00:00");
    finding_release(&f);
    assert_int_equal(gate()->evaluate(&ev, rule, 1100000000, &f), VERDICT_FAIL);
    has(detail_str(&f, "local_time"), "+01:00");
    finding_release(&f);
    evidence_release(&ev);
    json_decref(rule);

    /* no transitions: the rule from 2000 on */
    make_zone("Plain", 0, NULL, NULL, 0, "XXX-3");
    rule = zone_rule("Plain");
    collect_ok(&ev, rule);
    assert_int_equal(gate()->evaluate(&ev, rule, utc("2000-01-01T00:00:00Z"), &f), VERDICT_FAIL);
    assert_string_equal(detail_str(&f, "local_time"), "2000-01-01T03:00:00+03:00");
    finding_release(&f);
    evidence_release(&ev);
    json_decref(rule);
}

/* Malformed tables and types are refused at policy time and by collect. */
static void
test_zone_table_malformed(void **state)
{
    static const long long down[] = {1100000000LL, 1000000000LL};
    static const long long up[] = {1000000000LL, 1100000000LL};
    static const long offs[] = {3600, 0};
    static const long huge[] = {93600, 0};

    (void)state;
    make_zone("Down", 0, down, offs, 2, "");
    zone_refused("Down", "time zone 'Down': %s/Down has malformed transitions", tzdir);
    make_zone("Huge", 0, up, huge, 2, "");
    zone_refused("Huge", "time zone 'Huge': %s/Huge has a malformed local time type", tzdir);
    make_zone("Huge0", -90000, up, offs, 2, "");
    zone_refused("Huge0", "time zone 'Huge0': %s/Huge0 has a malformed local time type", tzdir);
    make_zone("BadIndex", 0, up, offs, 2, "");
    {
        /* the first transition's type index: after 54 + 44 header and data bytes and the
         * two transition times */
        char path[256];
        FILE *f;

        snprintf(path, sizeof(path), "%s/BadIndex", tzdir);
        f = fopen(path, "r+b");
        assert_non_null(f);
        assert_int_equal(fseek(f, 54 + 44 + 2 * 8, SEEK_SET), 0);
        assert_int_equal(fputc(3, f), 3);
        assert_int_equal(fclose(f), 0);
    }
    zone_refused("BadIndex", "time zone 'BadIndex': %s/BadIndex has malformed transitions", tzdir);
    make_zone("NoDst", 0, up, offs, 2, "XXX0YYY");
    zone_refused("NoDst", "time zone 'NoDst': %s/NoDst has a malformed TZ rule 'XXX0YYY'", tzdir);
    make_zone("Short", 0, up, offs, 2, "XX0");
    zone_refused("Short", "time zone 'Short': %s/Short has a malformed TZ rule 'XX0'", tzdir);
    make_zone("Week6", 0, up, offs, 2, "XXX0YYY,M3.6.0,M10.5.0");
    zone_refused("Week6", "time zone 'Week6': %s/Week6 has a malformed TZ rule", tzdir);
    make_zone("Ok", 0, up, offs, 2, "XXX0YYY,M3.5.0,M10.5.0");
    {
        json_t *rule = zone_rule("Ok");
        struct err e = ERR_INIT;

        assert_int_equal(gate()->check_rule(rule, "$.g", &e), 0);
        json_decref(rule);
    }
}

/* ---- freezes ---- */

static void
test_freezes(void **state)
{
    /* windows every day all day, so only the freezes close it */
    static const struct edge cases[] = {
        {"2026-12-14T21:59:59Z", VERDICT_PASS, "2026-12-14T23:59:59+02:00", "now Mon 23:59)"},
        /* the freeze is in local dates: 22:00 UTC on the 14th is already the 15th */
        {"2026-12-14T22:00:00Z", VERDICT_FAIL, "2026-12-15T00:00:00+02:00",
         "inside the freeze 2026-12-15..2027-01-05: year-end freeze; next window Wed 2027-01-06 "
         "00:00"},
        {"2026-12-31T23:30:00Z", VERDICT_FAIL, "2027-01-01T01:30:00+02:00",
         "inside the freeze 2026-12-15..2027-01-05: year-end freeze"},
        {"2027-01-05T21:59:59Z", VERDICT_FAIL, "2027-01-05T23:59:59+02:00",
         "inside the freeze 2026-12-15..2027-01-05: year-end freeze; next window Wed 00:00"},
        {"2027-01-05T22:00:00Z", VERDICT_PASS, "2027-01-06T00:00:00+02:00", "now Wed 00:00)"},
        /* a one-day freeze */
        {"2027-02-01T12:00:00Z", VERDICT_FAIL, "2027-02-01T14:00:00+02:00",
         "inside the freeze 2027-02-01..2027-02-01: audit day; next window Tue 00:00"},
        {"2027-01-31T21:59:59Z", VERDICT_PASS, "2027-01-31T23:59:59+02:00", "now Sun 23:59)"},
        {"2027-02-01T22:00:00Z", VERDICT_PASS, "2027-02-02T00:00:00+02:00", "now Tue 00:00)"},
    };
    json_t *rule = J("{'timezone': 'Africa/Johannesburg', 'windows': [{'days': ['mon', 'tue', "
                     "'wed', 'thu', 'fri', 'sat', 'sun'], 'start': '00:00', 'end': '24:00'}],"
                     " 'freezes': [{'from': '2026-12-15', 'to': '2027-01-05', 'reason': "
                     "'year-end freeze'}, {'from': '2027-02-01', 'to': '2027-02-01', 'reason': "
                     "'audit day'}]}");

    (void)state;
    /* in_window is about the windows alone: here always in one */
    {
        size_t i;

        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            struct run r;

            run_gate(&r, rule, no_ctx(), NULL, utc(cases[i].now));
            assert_int_equal(r.collected, 0);
            if (r.v != cases[i].v ||
                strcmp(detail_str(&r.f, "local_time"), cases[i].local_time) != 0 ||
                !strstr(r.f.summary, cases[i].summary))
                fail_msg("%s: verdict %d (want %d), %s, '%s' (want '%s')", cases[i].now, r.v,
                         cases[i].v, detail_str(&r.f, "local_time"), r.f.summary, cases[i].summary);
            assert_true(json_is_true(json_object_get(r.f.details, "in_window")));
            assert_int_equal(json_is_null(json_object_get(r.f.details, "freeze")),
                             cases[i].v == VERDICT_PASS);
            run_release(&r);
        }
    }
    json_decref(rule);
}

/* A freeze inside a window: in the window, still closed; the next window skips the freeze. */
static void
test_freeze_inside_window(void **state)
{
    json_t *rule = bbws_rule(), *want;
    struct run r;

    (void)state;
    run_gate(&r, rule, no_ctx(), NULL, utc("2026-12-16T08:00:00Z")); /* Wed 10:00 */
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_string_equal(r.f.summary, "inside the freeze 2026-12-15..2027-01-05: year-end freeze; "
                                     "next window Wed 2027-01-06 09:00");
    want = J("{'timezone': 'Africa/Johannesburg', 'local_time': '2026-12-16T10:00:00+02:00',"
             " 'weekday': 'wed', 'in_window': true,"
             " 'window': {'days': ['tue', 'wed', 'thu'], 'start': '09:00', 'end': '15:00'},"
             " 'freeze': {'from': '2026-12-15', 'to': '2027-01-05', 'reason': 'year-end freeze'},"
             " 'next_window': '2027-01-06T09:00', 'break_glass': null}");
    if (!json_equal(r.f.details, want))
        fail_msg("details: %s", json_dumps(r.f.details, JSON_SORT_KEYS));
    json_decref(want);
    run_release(&r);
    /* the first window after the freeze opens */
    run_gate(&r, rule, no_ctx(), NULL, utc("2027-01-06T07:00:00Z"));
    assert_int_equal(r.v, VERDICT_PASS);
    run_release(&r);
    json_decref(rule);
}

/* Frozen for more than the look-ahead: no next window. */
static void
test_long_freeze(void **state)
{
    json_t *rule = J("{'timezone': 'UTC', 'windows': [{'days': ['tue'], 'start': '09:00', "
                     "'end': '15:00'}], 'freezes': [{'from': '2026-01-01', 'to': '2028-12-31', "
                     "'reason': 'migration'}]}");
    struct run r;

    (void)state;
    run_gate(&r, rule, no_ctx(), NULL, utc("2026-11-24T10:00:00Z"));
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_string_equal(r.f.summary, "inside the freeze 2026-01-01..2028-12-31: migration; no "
                                     "window in the next 400 days");
    assert_true(json_is_null(json_object_get(r.f.details, "next_window")));
    run_release(&r);
    json_decref(rule);
}

/* ---- the policy: unknown zones and malformed parameters ---- */

static const char *const policy_text =
    "{\"version\": 1, \"roles\": {\"ops-lead\": {\"team\": \"bbws/ops-leads\"}},"
    " \"environments\": ["
    "{\"name\": \"sit\", \"branch\": \"release\", \"aws_account_id\": \"111111111111\", "
    "\"region\": \"af-south-1\"},"
    "{\"name\": \"prod\", \"branch\": \"main\", \"aws_account_id\": \"222222222222\", "
    "\"region\": \"af-south-1\"}],"
    " \"promotions\": [{\"from\": \"sit\", \"to\": \"prod\", \"gates\": ["
    "{\"name\": \"prod-window\", \"type\": \"deploy_window\", "
    "\"timezone\": \"Africa/Johannesburg\", "
    "\"windows\": [{\"days\": [\"tue\", \"wed\", \"thu\"], \"start\": \"09:00\", \"end\": "
    "\"15:00\"}], "
    "\"freezes\": [{\"from\": \"2026-12-15\", \"to\": \"2027-01-05\", \"reason\": \"year-end "
    "freeze\"}], "
    "\"break_glass_role\": \"ops-lead\"}]}]}";

/* Load the policy with FROM replaced by TO: 0 when it loads, else the error in E. */
static int
load_with(struct err *e, const char *from, const char *to)
{
    char text[4096];
    const char *at = strstr(policy_text, from);
    struct policy *p = NULL;
    int rc;

    if (!at)
        fail_msg("'%s' not in the policy", from);
    snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - policy_text), policy_text, to,
             at + strlen(from));
    rc = policy_load(&p, text, strlen(text), "t.json", e);
    policy_free(p);
    return rc;
}

static void
refused(const char *from, const char *to, const char *msg)
{
    struct err e = ERR_INIT;

    if (load_with(&e, from, to) == 0)
        fail_msg("accepted '%s' for '%s'", to, from);
    assert_int_equal(e.code, EXIT_USAGE);
    if (strcmp(e.msg, msg) != 0)
        fail_msg("message\n  '%s'\nexpected\n  '%s'", e.msg, msg);
}

#define P "invalid policy 't.json': $.promotions[0].gates[0]"

static void
test_policy(void **state)
{
    struct err e = ERR_INIT;

    (void)state;
    assert_int_equal(load_with(&e, "\"Africa/Johannesburg\"", "\"Africa/Johannesburg\""), 0);
    /* without freezes or break-glass role; an empty freeze list */
    assert_int_equal(load_with(&e, ", \"break_glass_role\": \"ops-lead\"", ""), 0);
    assert_int_equal(load_with(&e,
                               "\"freezes\": [{\"from\": \"2026-12-15\", \"to\": \"2027-01-05\", "
                               "\"reason\": \"year-end freeze\"}], ",
                               ""),
                     0);
    assert_int_equal(load_with(&e, "[{\"from\"", "[], \"x\": [{\"from\""), -1);
    assert_int_equal(load_with(&e,
                               "[{\"from\": \"2026-12-15\", \"to\": \"2027-01-05\", "
                               "\"reason\": \"year-end freeze\"}]",
                               "[]"),
                     0);
    refused("\"Africa/Johannesburg\"", "\"Mars/Olympus_Mons\"",
            P ".timezone: unknown time zone 'Mars/Olympus_Mons' (no "
              "/usr/share/zoneinfo/Mars/Olympus_Mons)");
    refused("\"Africa/Johannesburg\"", "\"../../etc/passwd\"",
            P ".timezone: must be an IANA time zone name such as Africa/Johannesburg");
    refused("\"Africa/Johannesburg\"", "\"/etc/localtime\"",
            P ".timezone: must be an IANA time zone name such as Africa/Johannesburg");
    refused("\"Africa/Johannesburg\"", "\"localtime\"",
            P ".timezone: must be an IANA time zone name such as Africa/Johannesburg");
    refused("\"Africa/Johannesburg\"", "\"\"", P ".timezone: must be a non-empty string");
    refused("\"Africa/Johannesburg\"", "\"Africa\"",
            P ".timezone: cannot read time zone 'Africa': /usr/share/zoneinfo/Africa: Is a "
              "directory");
    refused("\"Africa/Johannesburg\"", "\"right/UTC\"",
            P ".timezone: time zone 'right/UTC' counts leap seconds (a 'right/' zone): use the "
              "plain name");
    refused("\"timezone\": \"Africa/Johannesburg\", ", "",
            P ".timezone: missing (required by this gate type)");
    refused("\"windows\"", "\"window\"", P ".window: unknown key for this gate type");
    refused("[{\"days\": [\"tue\", \"wed\", \"thu\"], \"start\": \"09:00\", \"end\": \"15:00\"}]",
            "{}", P ".windows: must be an array");
    refused("\"ops-lead\"}]}]}", "\"sre\"}]}]}",
            P ".break_glass_role: unknown role 'sre' (not in $.roles)");
    refused("\"ops-lead\"}]}]}", "true}]}]}", P ".break_glass_role: must be a non-empty string");
}

#undef P

/* Each malformed parameter, through check_rule: one table, one message each. */
static void
test_malformed_params(void **state)
{
    static const struct {
        const char *from, *to, *msg;
    } cases[] = {
        {"'windows': [{", "'windows': [], 'x': [{",
         "$.g.windows: must be an array of 1 to 64 windows"},
        {"'windows': [{'days'", "'windows': [1, {'days'",
         "$.g.windows[0]: must be an object {\"days\", \"start\", \"end\"}"},
        {"'start': '09:00'", "'start': '09:00', 'tz': 'x'", "$.g.windows[0].tz: unknown key"},
        {"['tue', 'wed', 'thu']", "[]", "$.g.windows[0].days: must be a non-empty array of days"},
        {"['tue', 'wed', 'thu']", "'tue'",
         "$.g.windows[0].days: must be a non-empty array of days"},
        {"['tue', 'wed', 'thu']", "['tue', 'Wed']",
         "$.g.windows[0].days[1]: must be one of mon, tue, wed, thu, fri, sat, sun"},
        {"['tue', 'wed', 'thu']", "['tue', 'tuesday']",
         "$.g.windows[0].days[1]: must be one of mon, tue, wed, thu, fri, sat, sun"},
        {"['tue', 'wed', 'thu']", "['tue', 'wed', 'tue']",
         "$.g.windows[0].days[2]: duplicate day 'tue'"},
        {"'09:00'", "'9:00'", "$.g.windows[0].start: must be a time \"HH:MM\" (00:00 to 23:59)"},
        {"'09:00'", "'24:00'", "$.g.windows[0].start: must be a time \"HH:MM\" (00:00 to 23:59)"},
        {"'09:00'", "'09:60'", "$.g.windows[0].start: must be a time \"HH:MM\" (00:00 to 23:59)"},
        {"'09:00'", "900", "$.g.windows[0].start: must be a time \"HH:MM\" (00:00 to 23:59)"},
        {"'start': '09:00', ", "",
         "$.g.windows[0].start: must be a time \"HH:MM\" (00:00 to 23:59)"},
        {"'15:00'", "'24:01'", "$.g.windows[0].end: must be a time \"HH:MM\" (00:01 to 24:00)"},
        {"'15:00'", "'15:00:00'", "$.g.windows[0].end: must be a time \"HH:MM\" (00:01 to 24:00)"},
        {"'15:00'", "'09:00'",
         "$.g.windows[0].end: must be after start (the end is exclusive; a window cannot span "
         "midnight: split it in two)"},
        {"'15:00'", "'02:00'",
         "$.g.windows[0].end: must be after start (the end is exclusive; a window cannot span "
         "midnight: split it in two)"},
        {"'freezes': [", "'freezes': {}, 'x': [",
         "$.g.freezes: must be an array of at most 256 freezes"},
        {"'freezes': [{", "'freezes': ['2026-12-15', {",
         "$.g.freezes[0]: must be an object {\"from\", \"to\", \"reason\"}"},
        {"'reason': 'year-end freeze'", "'reason': 'year-end freeze', 'until': 1",
         "$.g.freezes[0].until: unknown key"},
        {"'2026-12-15'", "'2026-02-29'", "$.g.freezes[0].from: must be a date \"YYYY-MM-DD\""},
        {"'2026-12-15'", "'2026-12-5'", "$.g.freezes[0].from: must be a date \"YYYY-MM-DD\""},
        {"'2026-12-15'", "'1999-12-31'", "$.g.freezes[0].from: must be a date \"YYYY-MM-DD\""},
        {"'2027-01-05'", "'2027-13-01'", "$.g.freezes[0].to: must be a date \"YYYY-MM-DD\""},
        {"'2027-01-05'", "'2026-12-14'", "$.g.freezes[0].to: must not be before from"},
        {", 'reason': 'year-end freeze'", "",
         "$.g.freezes[0].reason: must be a string of 1 to 200 bytes"},
        {"'year-end freeze'", "''", "$.g.freezes[0].reason: must be a string of 1 to 200 bytes"},
        {"'ops-lead'", "'ops lead'",
         "$.g.break_glass_role: must be a role name (1 to 64 letters, digits, '-' or '_')"},
        {"'Africa/Johannesburg'", "'Africa/../Europe/London'",
         "$.g.timezone: must be an IANA time zone name such as Africa/Johannesburg"},
        {"'Africa/Johannesburg'", "'Africa/'",
         "$.g.timezone: must be an IANA time zone name such as Africa/Johannesburg"},
        {"'Africa/Johannesburg'", "'Africa/Johannesburg '",
         "$.g.timezone: must be an IANA time zone name such as Africa/Johannesburg"},
        {"'Africa/Johannesburg'", "'Europe/Londres'",
         "$.g.timezone: unknown time zone 'Europe/Londres' (no "
         "/usr/share/zoneinfo/Europe/Londres)"},
    };
    const char *base =
        "{'timezone': 'Africa/Johannesburg',"
        " 'windows': [{'days': ['tue', 'wed', 'thu'], 'start': '09:00', 'end': '15:00'}],"
        " 'freezes': [{'from': '2026-12-15', 'to': '2027-01-05', 'reason': 'year-end freeze'}],"
        " 'break_glass_role': 'ops-lead'}";
    json_t *rule = J("%s", base);
    struct evidence good;
    struct err e = ERR_INIT;
    size_t i;

    (void)state;
    assert_int_equal(gate()->check_rule(rule, "$.g", &e), 0);
    collect_ok(&good, rule);
    json_decref(rule);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *at = strstr(base, cases[i].from);
        char text[2048];

        if (!at)
            fail_msg("case %zu: '%s' not in the rule", i, cases[i].from);
        snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - base), base, cases[i].to,
                 at + strlen(cases[i].from));
        rule = J("%s", text);
        e = (struct err)ERR_INIT;
        if (gate()->check_rule(rule, "$.g", &e) == 0)
            fail_msg("case %zu: accepted %s", i, text);
        assert_int_equal(e.code, EXIT_USAGE);
        if (strcmp(e.msg, cases[i].msg) != 0)
            fail_msg("case %zu: message\n  '%s'\nexpected\n  '%s'", i, e.msg, cases[i].msg);
        /* evaluate refuses the same rule, given good evidence: it never trusts the rule */
        {
            struct finding f = {{0}, NULL};

            assert_int_equal(gate()->evaluate(&good, rule, utc("2026-11-25T08:00:00Z"), &f),
                             VERDICT_ERROR);
            if (!strstr(cases[i].msg, "unknown time zone"))
                has(f.summary, "invalid rule: $.");
            finding_release(&f);
        }
        json_decref(rule);
    }
    evidence_release(&good);
}

/* Zone files that are not usable, from a zone directory of our own ($TZDIR). */
static void
write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static size_t
read_file(unsigned char *out, size_t cap, const char *path)
{
    FILE *f = fopen(path, "rb");
    size_t n;

    assert_non_null(f);
    n = fread(out, 1, cap, f);
    assert_true(n < cap);
    fclose(f);
    return n;
}

/* check_rule and collect refuse ZONE with a message containing FMT, printf-style. */
static void
zone_refused(const char *zone, const char *fmt, ...)
{
    va_list ap;
    json_t *rule = J("{'timezone': '%s', 'windows': [{'days': ['mon'], 'start': '09:00', 'end': "
                     "'10:00'}]}",
                     zone);
    struct gate_ctx ctx = no_ctx();
    struct evidence ev;
    struct err e = ERR_INIT;
    char want[512];

    va_start(ap, fmt);
    vsnprintf(want, sizeof(want), fmt, ap);
    va_end(ap);
    assert_int_equal(gate()->check_rule(rule, "$.g", &e), -1);
    assert_int_equal(e.code, EXIT_USAGE);
    if (!strstr(e.msg, want))
        fail_msg("'%s' lacks '%s'", e.msg, want);
    /* collect reads the same file: an error too (the evaluation could not complete) */
    memset(&ev, 0, sizeof(ev));
    ctx.rule = rule;
    e = (struct err)ERR_INIT;
    assert_int_equal(gate()->collect(&ctx, &ev, &e), -1);
    assert_int_equal(e.code, EXIT_EVAL);
    if (!strstr(e.msg, want))
        fail_msg("'%s' lacks '%s'", e.msg, want);
    assert_null(ev.data);
    json_decref(rule);
}

static void
test_bad_zone_files(void **state)
{
    static unsigned char buf[65536];
    const char *dir = tzdir;
    char path[256];
    size_t n;
    unsigned char *nl;

    (void)state;
    snprintf(path, sizeof(path), "%s/Bad", dir);
    assert_int_equal(mkdir(path, 0700), 0);

    snprintf(path, sizeof(path), "%s/Bad/Empty", dir);
    write_file(path, "", 0);
    zone_refused("Bad/Empty", "time zone 'Bad/Empty': %s/Bad/Empty is not a TZif file", dir);

    n = read_file(buf, sizeof(buf), "/usr/share/zoneinfo/Europe/London");
    snprintf(path, sizeof(path), "%s/Bad/Truncated", dir);
    write_file(path, buf, 200);
    zone_refused("Bad/Truncated", "%s/Bad/Truncated is truncated or malformed", dir);
    snprintf(path, sizeof(path), "%s/Bad/NoFooter", dir);
    write_file(path, buf, n - 26); /* "\nGMT0BST,M3.5.0/1,M10.5.0\n" */
    zone_refused("Bad/NoFooter", "%s/Bad/NoFooter has no footer", dir);

    buf[4] = '\0'; /* version 1 */
    snprintf(path, sizeof(path), "%s/Bad/Version1", dir);
    write_file(path, buf, n);
    zone_refused("Bad/Version1", "%s/Bad/Version1 is TZif version 1 (need 2 or later)", dir);

    n = read_file(buf, sizeof(buf), "/usr/share/zoneinfo/Africa/Johannesburg");
    assert_memory_equal(buf + n - 8, "\nSAST-2\n", 8);
    memcpy(buf + n - 7, "SAST+X", 6);
    snprintf(path, sizeof(path), "%s/Bad/Footer", dir);
    write_file(path, buf, n);
    zone_refused("Bad/Footer", "%s/Bad/Footer has a malformed TZ rule 'SAST+X'", dir);
    memcpy(buf + n - 7, "SAST-2", 6);
    nl = buf + n - 8;
    *nl = 'x';
    snprintf(path, sizeof(path), "%s/Bad/Footer2", dir);
    write_file(path, buf, n);
    zone_refused("Bad/Footer2", "%s/Bad/Footer2 has no footer", dir);

    /* a NUL in the rule would hide what follows it */
    *nl = '\n';
    memcpy(buf + n - 1, "\0\n", 2);
    snprintf(path, sizeof(path), "%s/Bad/Footer3", dir);
    write_file(path, buf, n + 1);
    zone_refused("Bad/Footer3", "%s/Bad/Footer3 has a malformed TZ rule 'SAST-2'", dir);
    buf[n - 1] = '\n';

    zone_refused("Africa/Johannesburg",
                 "unknown time zone 'Africa/Johannesburg' (no %s/Africa/Johannesburg)", dir);

    /* a good copy in our directory works */
    *nl = '\n';
    snprintf(path, sizeof(path), "%s/Bad/Good", dir);
    write_file(path, buf, n);
    {
        json_t *rule = J("{'timezone': 'Bad/Good', 'windows': [{'days': ['mon'], 'start': "
                         "'09:00', 'end': '10:00'}]}");
        struct err e = ERR_INIT;

        assert_int_equal(gate()->check_rule(rule, "$.g", &e), 0);
        json_decref(rule);
    }
}

/* ---- break-glass ---- */

static struct gate_ctx
bg_ctx(const json_t *role_defs, const char *actor)
{
    struct gate_ctx ctx = no_ctx();

    ctx.roles = role_defs;
    ctx.actor = actor;
    ctx.actor_error = "cannot establish the actor: GET /user: HTTP 401";
    ctx.owner = "bbws";
    ctx.name = "order-service";
    ctx.break_glass = 1;
    ctx.break_glass_reason = "hotfix INC-7";
    return ctx;
}

static void
test_break_glass_allowed(void **state)
{
    static const struct answer active = {GH_OK, "{'state': 'active', 'role': 'member'}"};
    json_t *rule = bbws_rule(), *rl = roles(), *want;
    const json_t *bg;
    struct run r;

    (void)state;
    /* outside the window (Mon 07:12) */
    run_gate(&r, rule, bg_ctx(rl, "dave"), &active, utc("2026-11-23T05:12:00Z"));
    assert_int_equal(r.collected, 0);
    assert_int_equal(r.wanted, 1);
    assert_int_equal(r.v, VERDICT_PASS);
    assert_string_equal(r.f.summary, "break-glass by dave: hotfix INC-7 (outside the deploy "
                                     "windows: now Mon 07:12 Africa/Johannesburg)");
    want = J("{'actor': 'dave', 'role': 'ops-lead', 'member': true, 'reason': 'hotfix INC-7'}");
    assert_true(json_equal(json_object_get(r.ev.data, "break_glass"), want));
    json_decref(want);
    bg = json_object_get(r.f.details, "break_glass");
    want = J("{'actor': 'dave', 'role': 'ops-lead', 'member': true, 'reason': 'hotfix INC-7', "
             "'outcome': 'applied'}");
    if (!json_equal(bg, want))
        fail_msg("break_glass: %s", json_dumps(bg, JSON_SORT_KEYS));
    json_decref(want);
    assert_false(json_is_true(json_object_get(r.f.details, "in_window")));
    assert_string_equal(detail_str(&r.f, "next_window"), "2026-11-24T09:00");
    run_release(&r);

    /* inside the freeze */
    run_gate(&r, rule, bg_ctx(rl, "dave"), &active, utc("2026-12-16T08:00:00Z"));
    assert_int_equal(r.v, VERDICT_PASS);
    assert_string_equal(r.f.summary, "break-glass by dave: hotfix INC-7 (inside the freeze "
                                     "2026-12-15..2027-01-05: year-end freeze)");
    run_release(&r);

    /* inside the window: nothing to break, and the details say so */
    run_gate(&r, rule, bg_ctx(rl, "dave"), &active, utc("2026-11-25T08:12:00Z"));
    assert_int_equal(r.v, VERDICT_PASS);
    assert_string_equal(r.f.summary, "inside the window Tue-Thu 09:00-15:00 (Africa/Johannesburg, "
                                     "now Wed 10:12); break-glass not needed");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(r.f.details, "break_glass"), "outcome")),
        "not_needed");
    run_release(&r);
    json_decref(rl);
    json_decref(rule);
}

static void
test_break_glass_refused(void **state)
{
    static const struct answer pending = {GH_OK, "{'state': 'pending', 'role': 'member'}"};
    json_t *rule = bbws_rule(), *rl = roles(), *norole;
    const json_t *bg;
    struct run r;

    (void)state;
    /* not a member: 404 */
    run_gate(&r, rule, bg_ctx(rl, "dave"), NULL, utc("2026-11-23T05:12:00Z"));
    assert_int_equal(r.collected, 0);
    assert_int_equal(r.wanted, 1);
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_string_equal(r.f.summary, "break-glass refused: dave is not a member of ops-lead; "
                                     "outside the deploy windows: now Mon 07:12 "
                                     "Africa/Johannesburg; next window Tue 09:00");
    bg = json_object_get(r.f.details, "break_glass");
    assert_false(json_is_true(json_object_get(bg, "member")));
    assert_string_equal(json_string_value(json_object_get(bg, "outcome")), "refused");
    run_release(&r);

    /* an invitation not accepted yet is not membership */
    run_gate(&r, rule, bg_ctx(rl, "dave"), &pending, utc("2026-12-16T08:00:00Z"));
    assert_int_equal(r.v, VERDICT_FAIL);
    has(r.f.summary, "break-glass refused: dave is not a member of ops-lead; inside the freeze "
                     "2026-12-15..2027-01-05: year-end freeze");
    run_release(&r);

    /* no break_glass_role in the rule: never allowed, and GitHub is not asked */
    norole = json_deep_copy(rule);
    json_object_del(norole, "break_glass_role");
    run_gate(&r, norole, bg_ctx(rl, "dave"), NULL, utc("2026-11-23T05:12:00Z"));
    assert_int_equal(r.collected, 0);
    assert_int_equal(r.wanted, 0);
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_string_equal(r.f.summary, "break-glass refused: the gate names no break_glass_role; "
                                     "outside the deploy windows: now Mon 07:12 "
                                     "Africa/Johannesburg; next window Tue 09:00");
    bg = json_object_get(json_object_get(r.ev.data, "break_glass"), "role");
    assert_true(json_is_null(bg));
    run_release(&r);
    json_decref(norole);
    json_decref(rl);
    json_decref(rule);
}

static void
test_break_glass_errors(void **state)
{
    static const struct answer failed = {GH_FAILED, NULL};
    static const struct answer garbage = {GH_OK, "{'state': 7}"};
    json_t *rule = bbws_rule(), *rl = roles(), *other;
    struct gate_ctx ctx;
    struct run r;

    (void)state;
    /* no actor: nothing asked, collect fails with why */
    run_gate(&r, rule, bg_ctx(rl, NULL), NULL, utc("2026-11-25T08:12:00Z"));
    assert_int_equal(r.wanted, 0);
    assert_int_equal(r.collected, -1);
    assert_string_equal(r.e.msg, "break-glass: cannot establish the actor: GET /user: HTTP 401");
    assert_null(r.ev.data);
    run_release(&r);

    /* no reason */
    ctx = bg_ctx(rl, "dave");
    ctx.break_glass_reason = "";
    run_gate(&r, rule, ctx, NULL, utc("2026-11-25T08:12:00Z"));
    assert_int_equal(r.collected, -1);
    assert_string_equal(r.e.msg, "break-glass needs a reason (--reason TEXT)");
    run_release(&r);

    /* the membership could not be read: fail closed */
    run_gate(&r, rule, bg_ctx(rl, "dave"), &failed, utc("2026-11-23T05:12:00Z"));
    assert_int_equal(r.collected, -1);
    assert_string_equal(r.e.msg, "GET " MEMBERSHIP ": HTTP 502 after 3 retries");
    run_release(&r);
    run_gate(&r, rule, bg_ctx(rl, "dave"), &garbage, utc("2026-11-23T05:12:00Z"));
    assert_int_equal(r.collected, -1);
    has(r.e.msg, "'state' is not a string");
    run_release(&r);

    /* a role the policy does not define (the loader refuses it; collect too) */
    other = J("{'tech-lead': {'team': 'bbws/tech-leads'}}");
    run_gate(&r, rule, bg_ctx(other, "dave"), NULL, utc("2026-11-23T05:12:00Z"));
    assert_int_equal(r.wanted, 0);
    assert_int_equal(r.collected, -1);
    assert_string_equal(r.e.msg, "role 'ops-lead' is not defined in the policy's roles");
    run_release(&r);
    json_decref(other);

    /* no break-glass: no actor needed, GitHub never asked */
    ctx = bg_ctx(rl, "dave");
    ctx.break_glass = 0;
    ctx.break_glass_reason = NULL;
    run_gate(&r, rule, ctx, NULL, utc("2026-11-23T05:12:00Z"));
    assert_int_equal(r.wanted, 0);
    assert_int_equal(r.collected, 0);
    assert_int_equal(r.v, VERDICT_FAIL);
    run_release(&r);
    json_decref(rl);
    json_decref(rule);
}

/* The engine learns the actor after the first round: plan asks only then. */
static void
test_break_glass_plan_rounds(void **state)
{
    json_t *rule = bbws_rule(), *rl = roles();
    struct gh_store s = GH_STORE_INIT;
    struct gate_ctx ctx = bg_ctx(rl, NULL);
    struct err e = ERR_INIT;

    (void)state;
    ctx.rule = rule;
    ctx.gh = &s;
    assert_int_equal(gate()->plan(&ctx, &s, &e), 0);
    assert_int_equal(s.n, 0);
    ctx.actor = "dave";
    assert_int_equal(gate()->plan(&ctx, &s, &e), 0);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.res[0].path, MEMBERSHIP);
    assert_int_equal(gate()->plan(&ctx, &s, &e), 0);
    assert_int_equal(s.n, 1);
    gh_store_release(&s);
    json_decref(rl);
    json_decref(rule);
}

/* Hand-made evidence cannot open the window: the rule names the role. */
static void
test_break_glass_evidence_checked(void **state)
{
    json_t *rule = bbws_rule(), *norole = json_deep_copy(rule);
    struct gate_ctx ctx = no_ctx();
    struct evidence ev;
    struct finding f = {{0}, NULL};
    struct err e = ERR_INIT;

    (void)state;
    memset(&ev, 0, sizeof(ev));
    ctx.rule = rule;
    assert_int_equal(gate()->collect(&ctx, &ev, &e), 0);
    json_object_set_new(ev.data, "break_glass",
                        J("{'actor': 'mallory', 'role': 'tech-lead', 'member': true, 'reason': "
                          "'x'}"));
    assert_int_equal(gate()->evaluate(&ev, rule, utc("2026-11-23T05:12:00Z"), &f), VERDICT_FAIL);
    has(f.summary, "break-glass refused: mallory is not a member of ops-lead");
    finding_release(&f);
    json_object_del(norole, "break_glass_role");
    json_object_set_new(ev.data, "break_glass",
                        J("{'actor': 'mallory', 'role': 'ops-lead', 'member': true, 'reason': "
                          "'x'}"));
    assert_int_equal(gate()->evaluate(&ev, norole, utc("2026-11-23T05:12:00Z"), &f), VERDICT_FAIL);
    has(f.summary, "break-glass refused: the gate names no break_glass_role");
    finding_release(&f);
    /* malformed break-glass evidence is an error, not a pass */
    json_object_set_new(ev.data, "break_glass", J("{'actor': 'mallory', 'member': 'yes'}"));
    assert_int_equal(gate()->evaluate(&ev, rule, utc("2026-11-23T05:12:00Z"), &f), VERDICT_ERROR);
    finding_release(&f);
    evidence_release(&ev);
    json_decref(norole);
    json_decref(rule);
}

/* ---- evaluate is pure ---- */

static void
test_evaluate_ignores_environment(void **state)
{
    static const char *const times[] = {"2026-11-25T08:12:00Z", "2026-11-23T05:12:00Z",
                                        "2026-12-16T08:00:00Z", "2026-11-24T06:59:59Z",
                                        "2026-11-24T07:00:00Z"};
    json_t *rule = bbws_rule(), *london;
    const char *saved = getenv("TZ");
    char *keep = saved ? strdup(saved) : NULL;
    struct gate_ctx ctx = no_ctx();
    struct evidence ev, ev2;
    struct err e = ERR_INIT;
    size_t i;

    (void)state;
    memset(&ev, 0, sizeof(ev));
    memset(&ev2, 0, sizeof(ev2));
    ctx.rule = rule;
    assert_int_equal(gate()->collect(&ctx, &ev, &e), 0);
    london = J("{'timezone': 'Europe/London', 'windows': [{'days': ['sun'], 'start': '01:15', "
               "'end': '01:45'}]}");
    ctx.rule = london;
    assert_int_equal(gate()->collect(&ctx, &ev2, &e), 0);
    for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        struct finding a = {{0}, NULL}, b = {{0}, NULL}, c = {{0}, NULL}, d = {{0}, NULL};
        enum verdict va, vb, vc, vd;

        unsetenv("TZ");
        tzset();
        va = gate()->evaluate(&ev, rule, utc(times[i]), &a);
        vc = gate()->evaluate(&ev2, london, utc("2026-10-25T01:15:00Z"), &c);
        /* a zone far from both, and no zone database at all */
        setenv("TZ", "XYZ-13:45ABC,M1.1.0/0,M12.5.6/23", 1);
        setenv("TZDIR", "/nonexistent", 1);
        tzset();
        vb = gate()->evaluate(&ev, rule, utc(times[i]), &b);
        vd = gate()->evaluate(&ev2, london, utc("2026-10-25T01:15:00Z"), &d);
        unsetenv("TZDIR");
        assert_int_not_equal(va, VERDICT_ERROR);
        assert_int_equal(va, vb);
        assert_string_equal(a.summary, b.summary);
        assert_true(json_equal(a.details, b.details));
        assert_int_equal(vc, VERDICT_PASS);
        assert_int_equal(vc, vd);
        assert_string_equal(c.summary, d.summary);
        assert_true(json_equal(c.details, d.details));
        finding_release(&a);
        finding_release(&b);
        finding_release(&c);
        finding_release(&d);
    }
    if (keep) {
        setenv("TZ", keep, 1);
        free(keep);
    } else {
        unsetenv("TZ");
    }
    tzset();
    evidence_release(&ev);
    evidence_release(&ev2);
    json_decref(london);
    json_decref(rule);
}

/* Evidence that is missing, for another zone or malformed: error, never pass. */
static void
test_evaluate_bad_evidence(void **state)
{
    static const char *const zones[] = {
        "{'since': 946684800, 'offset': 7200, 'transitions': [], 'rule': 'SAST-2'}",
        "{'since': 946684800, 'offset': 7200, 'transitions': [], 'rule': 'SAST', 'rule_from': "
        "946684800}",
        "{'since': 946684800, 'offset': 7200, 'transitions': [[2000000000, 0], [1900000000, 3600]],"
        " 'rule': null, 'rule_from': 2000000000}",
        "{'since': 946684800, 'offset': 7200, 'transitions': [[2000000000, 0]], 'rule': null, "
        "'rule_from': 1000000000}",
        "{'since': 946684800, 'offset': 999999, 'transitions': [], 'rule': null, 'rule_from': "
        "946684800}",
        "{'since': 946684800, 'offset': 7200, 'transitions': [[2000000000]], 'rule': null, "
        "'rule_from': 2000000000}",
        "{'since': 946684800, 'offset': 7200, 'transitions': {}, 'rule': null, 'rule_from': "
        "946684800}",
    };
    json_t *rule = bbws_rule();
    struct evidence ev;
    struct finding f = {{0}, NULL};
    size_t i;

    (void)state;
    memset(&ev, 0, sizeof(ev));
    assert_int_equal(gate()->evaluate(&ev, rule, utc("2026-11-25T08:12:00Z"), &f), VERDICT_ERROR);
    assert_string_equal(f.summary, "no valid time zone data for 'Africa/Johannesburg'");
    finding_release(&f);
    for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
        ev.data =
            J("{'timezone': 'Africa/Johannesburg', 'zone': %s, 'break_glass': null}", zones[i]);
        if (gate()->evaluate(&ev, rule, utc("2026-11-25T08:12:00Z"), &f) != VERDICT_ERROR)
            fail_msg("zone %zu: %s", i, f.summary);
        finding_release(&f);
        evidence_release(&ev);
    }
    /* well-formed: passes; for another zone: error; before 2000: error */
    ev.data =
        J("{'timezone': 'Africa/Johannesburg', 'zone': {'since': 946684800, 'offset': 7200,"
          " 'transitions': [], 'rule': 'SAST-2', 'rule_from': 946684800}, 'break_glass': null}");
    assert_int_equal(gate()->evaluate(&ev, rule, utc("2026-11-25T08:12:00Z"), &f), VERDICT_PASS);
    finding_release(&f);
    assert_int_equal(gate()->evaluate(&ev, rule, utc("1999-12-31T23:59:59Z"), &f), VERDICT_ERROR);
    has(f.summary, "outside the time zone data");
    finding_release(&f);
    json_object_set_new(ev.data, "timezone", json_string("Europe/London"));
    assert_int_equal(gate()->evaluate(&ev, rule, utc("2026-11-25T08:12:00Z"), &f), VERDICT_ERROR);
    finding_release(&f);
    json_object_set_new(ev.data, "timezone", json_string("Africa/Johannesburg"));
    json_object_del(ev.data, "break_glass");
    assert_int_equal(gate()->evaluate(&ev, rule, utc("2026-11-25T08:12:00Z"), &f), VERDICT_ERROR);
    finding_release(&f);
    evidence_release(&ev);
    json_decref(rule);
}

/* The kept zone data is small: nothing before 2000, only changes of offset. */
static void
test_zone_evidence_compact(void **state)
{
    json_t *rule = J("{'timezone': 'Europe/London', 'windows': [{'days': ['mon'], 'start': "
                     "'09:00', 'end': '10:00'}]}");
    struct gate_ctx ctx = no_ctx();
    struct evidence ev;
    struct err e = ERR_INIT;
    const json_t *zone, *trans;

    (void)state;
    memset(&ev, 0, sizeof(ev));
    ctx.rule = rule;
    assert_int_equal(gate()->collect(&ctx, &ev, &e), 0);
    zone = json_object_get(ev.data, "zone");
    trans = json_object_get(zone, "transitions");
    assert_int_equal(json_integer_value(json_object_get(zone, "since")), 946684800);
    assert_int_equal(json_integer_value(json_object_get(zone, "offset")), 0);
    assert_string_equal(json_string_value(json_object_get(zone, "rule")),
                        "GMT0BST,M3.5.0/1,M10.5.0");
    assert_true(json_array_size(trans) <= 2 * 38);
    if (json_array_size(trans)) {
        /* 2000-03-26 01:00 UTC: BST */
        assert_int_equal(json_integer_value(json_array_get(json_array_get(trans, 0), 0)),
                         954032400);
        assert_int_equal(json_integer_value(json_array_get(json_array_get(trans, 0), 1)), 3600);
    }
    evidence_release(&ev);
    json_decref(rule);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_johannesburg_edges),
        cmocka_unit_test(test_johannesburg_details),
        cmocka_unit_test(test_several_windows),
        cmocka_unit_test(test_london_dst),
        cmocka_unit_test(test_new_york_dst),
        cmocka_unit_test(test_zones_agree_with_glibc),
        cmocka_unit_test_setup_teardown(test_tz_rules_agree_with_glibc, setup_tzdir,
                                        teardown_tzdir),
        cmocka_unit_test_setup_teardown(test_tz_rule_dst_all_year, setup_tzdir, teardown_tzdir),
        cmocka_unit_test_setup_teardown(test_zone_table, setup_tzdir, teardown_tzdir),
        cmocka_unit_test_setup_teardown(test_zone_table_malformed, setup_tzdir, teardown_tzdir),
        cmocka_unit_test(test_freezes),
        cmocka_unit_test(test_freeze_inside_window),
        cmocka_unit_test(test_long_freeze),
        cmocka_unit_test(test_policy),
        cmocka_unit_test(test_malformed_params),
        cmocka_unit_test_setup_teardown(test_bad_zone_files, setup_tzdir, teardown_tzdir),
        cmocka_unit_test(test_break_glass_allowed),
        cmocka_unit_test(test_break_glass_refused),
        cmocka_unit_test(test_break_glass_errors),
        cmocka_unit_test(test_break_glass_plan_rounds),
        cmocka_unit_test(test_break_glass_evidence_checked),
        cmocka_unit_test(test_evaluate_ignores_environment),
        cmocka_unit_test(test_evaluate_bad_evidence),
        cmocka_unit_test(test_zone_evidence_compact),
    };

    unsetenv("TZDIR");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
