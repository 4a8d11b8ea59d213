/* deploy_window: promote only inside the rule's weekly windows, in local time of an IANA
 * time zone, and outside its freezes. `--break-glass --reason TEXT` opens a closed window
 * or a freeze when the actor is a member of the rule's break_glass_role, and is recorded.
 *
 * Time zones: core/base/tz.h. collect reads the zone's file into ev->data (tz_load), so
 * the decision can be checked by hand in the audit record, and evaluate converts `now`
 * with that alone. check_rule reads the same file, so an unknown zone is a policy error
 * (exit 2).
 *
 * Local time is wall-clock time: a window is open while the local clock reads a time in
 * [start, end) on one of its days. On the day a DST change skips an hour, a window
 * starting in that hour opens when the clock jumps; on the day an hour repeats, a
 * window in that hour is open both times. Windows cannot span midnight (split them). */
#include "gate.h"

#include <stdio.h>
#include <string.h>

#include "core/base/buf.h"
#include "core/base/tz.h"
#include "core/base/utf8.h"
#include "core/github/gh.h"
#include "core/github/roles.h"

#define TIME_MAX 253402300799LL /* 9999-12-31T23:59:59Z */
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

/* ---- the rule ---- */

/* "HH:MM" as minutes; "24:00" only when ALLOW_24 (an end). -1 when malformed. */
static int
hhmm(const char *s, int allow_24)
{
    int h, m;

    if (!s || strlen(s) != 5 || !ascii_digit(s[0]) || !ascii_digit(s[1]) || s[2] != ':' ||
        !ascii_digit(s[3]) || !ascii_digit(s[4]))
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
        if (i != 4 && i != 7 && !ascii_digit(s[i]))
            return -1;
    y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 2000 || m < 1 || m > 12 || d < 1 || d > tz_month_days(y, m))
        return -1;
    *out = tz_days_from_civil(y, m, d);
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
        if (!ascii_alpha(s[i]) && !ascii_digit(s[i]) && s[i] != '-' && s[i] != '_')
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

    if (!json_is_string(tz) || !tz_name_ok(json_string_value(tz)))
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
    if (tz_load(&zone, json_string_value(json_object_get(rule, "timezone")), EXIT_USAGE, e) < 0)
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
    if (tz_load(&zone, tz, EXIT_EVAL, e) < 0)
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
next_window(long long *days, int *start, const json_t *rule, const struct tz_local *lt)
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

            if (!(window_days(w) & (1u << tz_weekday(d))) || (k == 0 && s * 60 <= lt->sod))
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
    struct tz_view z;
    struct tz_local lt;
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
        tz_view(&z, json_object_get(ev->data, "zone")) < 0 || !bg || !valid_break_glass(bg)) {
        finding_summary(f, "no valid time zone data for '%s'", tz);
        return VERDICT_ERROR;
    }
    if ((long long)now < z.since || (long long)now > TIME_MAX) {
        finding_summary(f, "now (%lld) is outside the time zone data (2000 to 9999)",
                        (long long)now);
        return VERDICT_ERROR;
    }
    tz_to_local(&lt, &z, (long long)now);
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

        tz_civil_from_days(&ny, &nm, &nd, next_days);
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

        tz_civil_from_days(&ny, &nm, &nd, next_days);
        if (next_days - lt.days < 7)
            buf_addf(&text, "; next window %s %02d:%02d", day_labels[tz_weekday(next_days)],
                     next_start / 60, next_start % 60);
        else
            buf_addf(&text, "; next window %s %04lld-%02d-%02d %02d:%02d",
                     day_labels[tz_weekday(next_days)], ny, nm, nd, next_start / 60,
                     next_start % 60);
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
