/* promote report: DORA's four keys, flow and gates, and change-control evidence for one
 * environment, from the verified audit log of one or more repositories and git. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "core/base/clock.h"
#include "core/engine/evidence.h"
#include "core/insight/dora.h"
#include "core/ledger/history.h"
#include "core/ledger/ledger.h"
#include "core/out/out.h"
#include "core/out/out_report.h"
#include "core/engine/policy.h"
#include "core/git/repo.h"

#define REPORT_MAX_REPOS 16
#define REPORT_DEFAULT_DAYS 90
#define REPORT_MAX_COMMITS 100000 /* commits dated per deployment */

enum report_fmt { F_TEXT, F_MARKDOWN, F_JSON, F_HTML }; /* the order of --format's choices */

struct report_opts {
    struct cmd_common c;
    const char *env, *since, *until, *out;
    struct opt_list repos;
    int format; /* enum report_fmt */
};

#define RO(f) offsetof(struct report_opts, f)

static const struct opt report_own[] = {
    {.name = "env", .arg = "<env>", .type = OPT_STRING, .off = RO(env), .flags = OPT_NONEMPTY,
     .help = "the environment reported on (default: prod)"},
    {.name = "since", .arg = "<time>", .type = OPT_STRING, .off = RO(since),
     .flags = OPT_NONEMPTY,
     .help = "the window's start: 2026-09-01 or 2026-09-01T00:00:00Z\n"
             "(default: 90 days before --until)"},
    {.name = "until", .arg = "<time>", .type = OPT_STRING, .off = RO(until),
     .flags = OPT_NONEMPTY,
     .help = "the window's end, exclusive; a date counts whole (default: now)"},
    {.name = "format", .arg = "<f>", .type = OPT_CHOICE, .off = RO(format),
     .choices = "text|markdown|json|html", .bad = "--format is text, markdown, json or html",
     .help = "text (default; colour on a terminal unless NO_COLOR is set),\n"
             "markdown, json (docs/json-output.md) or html (one self-contained\n"
             "file with inline SVG charts)"},
    {.name = "out", .arg = "<file>", .type = OPT_STRING, .off = RO(out), .flags = OPT_NONEMPTY,
     .help = "write the report to <file> (atomically) instead of stdout"},
    {.name = "repo", .arg = "<dir>", .type = OPT_LIST, .off = RO(repos),
     .max = REPORT_MAX_REPOS, .flags = OPT_NONEMPTY,
     .help = "a repository whose log is read; give it more than once to combine\n"
             "several logs (each verified on its own) into one view"},
    {.name = NULL},
};

static const struct opt *const report_tables[] = {report_own, NULL};

const struct opt_verb report_optv = {
    report_tables, NULL, NULL,
    "  Each clone's log is read as it is (nothing is fetched: 'promote audit verify' brings\n"
    "  it up to date) and verified, with the trusted keys of the policy on main, before a\n"
    "  single entry is read; the report names the checkpoint it was computed from and the\n"
    "  'promote audit verify --expect' command that checks it. Lead time reads commit\n"
    "  times from git. Bands: Accelerate State of DevOps Report 2023 (docs/report.md).\n"
    "  Exit: 0 done, 2 usage or policy, 3 the log or a file cannot be read or written,\n"
    "  4 the audit log does not verify.\n"};

/* One repository's verified log, open while the report is built. */
struct source {
    struct repo *repo;
    struct policy *policy;
    struct ledger_keys keys;
    struct ledger led;
    json_t *times;
    char name[256], root[65];
};

/* 0 parsed, 1 help printed, -1 usage error (printed). */
static int
parse(struct report_opts *o, int argc, char **argv)
{
    const struct cmd *c = cmd_find("report");
    char **pos;
    int npos, rc;

    rc = opt_parse(o, &pos, &npos, argc, argv, c, -1);
    if (rc != 0)
        return rc;
    if (!o->env)
        o->env = "prod";
    if (npos > 0)
        return opt_usage_error(c, -1, "unexpected argument '%s'", pos[0]);
    return 0;
}

/* RFC 3339 UTC, or a date (YYYY-MM-DD: its start; END: the start of the next day). */
static int
parse_time(time_t *out, const char *s, int end)
{
    char buf[32];

    if (strlen(s) == 10) {
        snprintf(buf, sizeof(buf), "%sT00:00:00Z", s);
        *out = history_parse_time(buf);
        if (*out != (time_t)-1 && end)
            *out += 86400;
    } else {
        *out = history_parse_time(s);
    }
    return *out == (time_t)-1 ? -1 : 0;
}

static int
window_of(struct dora_window *w, const struct report_opts *o, struct err *e)
{
    time_t now;

    if (o->until) {
        if (parse_time(&w->until, o->until, 1) < 0)
            return err_set(e, EXIT_USAGE, "--until '%s': not a time (2026-11-30 or 2026-11-30T12:00:00Z)",
                           o->until);
    } else {
        if (clock_now(&now, e) < 0)
            return -1;
        w->until = now + 1; /* up to and including now */
    }
    if (o->since) {
        if (parse_time(&w->since, o->since, 0) < 0)
            return err_set(e, EXIT_USAGE, "--since '%s': not a time (2026-09-01 or 2026-09-01T00:00:00Z)",
                           o->since);
    } else {
        w->since = w->until - (time_t)REPORT_DEFAULT_DAYS * 86400;
    }
    if (w->since >= w->until)
        return err_set(e, EXIT_USAGE, "--since must come before --until");
    return 0;
}

/* The name of the repository column: the last part of its work tree (or git dir). */
static void
repo_name(char *out, size_t outsz, struct repo *r)
{
    const char *p = repo_workdir(r) ? repo_workdir(r) : repo_gitdir(r);
    size_t len = strlen(p);
    const char *start;

    while (len > 1 && p[len - 1] == '/')
        len--;
    start = p + len;
    while (start > p && start[-1] != '/')
        start--;
    snprintf(out, outsz, "%.*s", (int)(len - (size_t)(start - p)), start);
}

/* Open, verify and read one repository's log, and date the commits of its changes. */
static int
source_open(struct source *s, const char *dir, const struct report_opts *o,
            const struct dora_window *w, struct err *e)
{
    struct ledger_req lr;
    struct history_focus focus;
    json_t *changes = NULL;
    size_t i;

    if (cmd_repo_open(&s->repo, dir, NULL, e) < 0 ||
        cmd_load_policy(&s->policy, s->repo, NULL, NULL, e) < 0 ||
        ledger_keys_for(&s->keys, s->repo, s->policy, NULL, e) < 0)
        return -1;
    if (!policy_env(s->policy, o->env))
        return err_set(e, EXIT_USAGE, "unknown environment '%s' in the policy %s", o->env,
                       s->policy->source);
    memset(&lr, 0, sizeof(lr));
    memset(&focus, 0, sizeof(focus));
    focus.report_env = o->env;
    focus.since = (long long)w->since;
    focus.until = (long long)w->until;
    lr.repo = s->repo;
    lr.keys = &s->keys;
    lr.history = 1;
    lr.focus = &focus; /* the entries the report reads, with their gates, from the index */
    /* this clone's log, offline (nothing from the network), read only, no key; nothing is
     * read from it before it verifies */
    lr.no_remote = 1;
    if (ledger_open(&s->led, &lr, e) < 0)
        return -1;
    repo_name(s->name, sizeof(s->name), s->repo);
    out_hex(s->root, s->led.v.root, 32);
    if (dora_changes(&changes, s->led.history, o->env, w, e) < 0)
        return -1;
    s->times = json_object();
    for (i = 0; s->times && i < json_array_size(changes); i++) {
        const json_t *c = json_array_get(changes, i);
        const char *base = json_string_value(json_object_get(c, "base"));
        long long *t = NULL;
        size_t n = 0, k;
        struct err ge = ERR_INIT;
        json_t *arr;
        char key[32];

        /* a commit this clone lacks leaves the change undated (lead_time says how many) */
        if (repo_commit_times(s->repo, base, json_string_value(json_object_get(c, "commit")),
                              REPORT_MAX_COMMITS, &t, &n, &ge) < 0)
            continue;
        arr = json_array();
        for (k = 0; arr && k < n; k++)
            json_array_append_new(arr, json_integer(t[k]));
        free(t);
        snprintf(key, sizeof(key), "%lld",
                 (long long)json_integer_value(json_object_get(c, "seq")));
        if (!arr || json_object_set_new(s->times, key, arr) < 0) {
            json_decref(changes);
            return err_set(e, EXIT_EVAL, "out of memory");
        }
    }
    json_decref(changes);
    if (!s->times)
        return err_set(e, EXIT_EVAL, "out of memory");
    return 0;
}

static void
source_release(struct source *s)
{
    json_decref(s->times);
    ledger_release(&s->led);
    policy_free(s->policy);
    repo_free(s->repo);
}

static int
changes_next(void *ctx, json_t **row, struct err *e)
{
    return evidence_changes_next(ctx, row, e);
}

/* The report in its format, the change records made as they are written. */
static int
write_doc(FILE *f, const json_t *doc, struct out_changes *ch, const struct report_opts *o,
          int color, struct err *e)
{
    evidence_changes_rewind(ch->ctx);
    switch (o->format) {
    case F_JSON: return out_report_json(f, doc, ch, e);
    case F_MARKDOWN: return out_report_markdown(f, doc, ch, e);
    case F_HTML: return out_report_html(f, doc, ch, e);
    default: return out_report_text(f, doc, ch, color, e);
    }
}

/* --out FILE: written to a temporary file next to it, then renamed over it. */
static int
write_atomic(const char *path, const json_t *doc, struct out_changes *ch,
             const struct report_opts *o, struct err *e)
{
    size_t len = strlen(path);
    char *tmp = malloc(len + 16);
    mode_t mask;
    FILE *f = NULL;
    int fd, rc = -1;

    if (!tmp)
        return err_set(e, EXIT_EVAL, "out of memory");
    snprintf(tmp, len + 16, "%s.tmp.XXXXXX", path);
    fd = mkstemp(tmp);
    if (fd < 0) {
        err_set(e, EXIT_EVAL, "cannot create '%s': %m", tmp);
        free(tmp);
        return -1;
    }
    mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) < 0 || !(f = fdopen(fd, "w"))) {
        err_set(e, EXIT_EVAL, "cannot write '%s': %m", tmp);
        close(fd);
        goto done;
    }
    if (write_doc(f, doc, ch, o, 0, e) < 0 || fflush(f) != 0 || ferror(f) ||
        fsync(fileno(f)) < 0) {
        if (!e->code)
            err_set(e, EXIT_EVAL, "cannot write '%s': %m", tmp);
        goto done;
    }
    if (fclose(f) != 0) {
        f = NULL;
        err_set(e, EXIT_EVAL, "cannot write '%s': %m", tmp);
        goto done;
    }
    f = NULL;
    if (rename(tmp, path) < 0) {
        err_set(e, EXIT_EVAL, "cannot rename '%s' to '%s': %m", tmp, path);
        goto done;
    }
    rc = 0;
done:
    if (f)
        fclose(f);
    if (rc < 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

int
cmd_report(int argc, char **argv)
{
    struct report_opts o;
    struct source src[REPORT_MAX_REPOS];
    struct dora_source ds[REPORT_MAX_REPOS];
    struct dora_window w;
    struct err e = ERR_INIT;
    struct evidence_changes changes;
    struct out_changes oc;
    json_t *doc = NULL;
    size_t n, i;
    int rc, opened = 0;

    memset(&o, 0, sizeof(o));
    memset(src, 0, sizeof(src));
    memset(ds, 0, sizeof(ds));
    rc = parse(&o, argc, argv);
    if (rc)
        return rc > 0 ? cmd_finish(EXIT_OK) : EXIT_USAGE;
    if (window_of(&w, &o, &e) < 0)
        return cmd_fail(e.code ? e.code : EXIT_EVAL, e.msg);
    n = o.repos.n ? o.repos.n : 1;
    for (i = 0; i < n; i++) {
        if (source_open(&src[i], o.repos.n ? o.repos.v[i] : NULL, &o, &w, &e) < 0) {
            if (o.repos.n > 1)
                err_prefix(&e, "repository '%s'", o.repos.v[i]);
            goto fail;
        }
        ds[i].repo = src[i].name;
        ds[i].path = o.repos.n ? o.repos.v[i] : NULL;
        ds[i].history = src[i].led.history;
        ds[i].commit_times = src[i].times;
        ds[i].policy = src[i].policy;
        ds[i].log_size = src[i].led.v.size;
        ds[i].log_root = src[i].root;
    }
    /* two repositories of one name: the column shows the paths */
    for (i = 0; i < n; i++) {
        size_t j;

        for (j = 0; j < n; j++)
            if (i != j && strcmp(src[i].name, src[j].name) == 0 && o.repos.n > 1)
                ds[i].repo = o.repos.v[i];
    }
    if (dora_report(&doc, &oc.count, &changes, ds, n, o.env, &w, &e) < 0)
        goto fail;
    opened = 1;
    oc.next = changes_next;
    oc.ctx = &changes;
    if (o.out) {
        if (write_atomic(o.out, doc, &oc, &o, &e) < 0)
            goto fail;
    } else if (write_doc(stdout, doc, &oc, &o, o.format == F_TEXT && cmd_color(), &e) < 0) {
        if (!e.code)
            err_set(&e, EXIT_EVAL, "cannot write to standard output");
        goto fail;
    }
    evidence_changes_close(&changes);
    json_decref(doc);
    for (i = 0; i < n; i++)
        source_release(&src[i]);
    return cmd_finish(EXIT_OK);
fail:
    if (opened)
        evidence_changes_close(&changes);
    json_decref(doc);
    for (i = 0; i < n; i++)
        source_release(&src[i]);
    return cmd_fail(e.code ? e.code : EXIT_EVAL, e.msg);
}
