/* SARIF 2.1.0 for the security gate, in one streaming pass and bounded memory.
 *
 * Results are never stored. A result's counters (results, suppressed, absent, active)
 * are known when it ends. Its severity may need its rule, and the rules sit in
 * run.tool, which may come before or after run.results. So:
 *  - the run's rules are kept as they stream (per rule: id, guid, default level,
 *    security-severity bucket; the strings capped at SARIF_KEY_MAX bytes);
 *  - an active result whose severity does not follow from its own fields is either
 *    resolved at once (the run's tool is complete) or counted in a per-run table keyed
 *    by everything that decides its outcome (rule reference, own level, own
 *    security-severity state), resolved when the run ends.
 * Rule lookup follows sarif-gate.jq in tests/fixtures/reports/MANIFEST.md. */
#include "core/base/buf.h"
#include "core/report/report.h"
#include "core/report/jsonstream.h"

#include <locale.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SARIF_KEY_MAX 256              /* bytes of a rule id, guid or component guid */
#define SARIF_MAX_RULES 100000u        /* rules in one run */
#define SARIF_MAX_COMPONENTS 4096      /* driver + extensions in one run */
#define SARIF_MAX_REFS (64u * 1024)    /* distinct unresolved rule references in one run */
#define SARIF_STRINGS_LIMIT (8u << 20) /* bytes of rule strings in one run */
#define SARIF_REFKEYS_LIMIT (8u << 20) /* bytes of reference keys in one run */
#define NONE32 UINT32_MAX
#define SARIF_SHOWN 120 /* bytes of a tool's name or message quoted in a message */

enum tag {
    T_OTHER = 0,
    T_VERSION,
    T_RUNS,
    T_RESULTS,
    T_TOOL,
    T_DRIVER,
    T_EXTENSIONS,
    T_RULES,
    T_ID,
    T_GUID,
    T_DEFCONF,
    T_LEVEL,
    T_PROPERTIES,
    T_SECSEV,
    T_RULE,
    T_RULEID,
    T_RULEINDEX,
    T_INDEX,
    T_TOOLCOMPONENT,
    T_KIND,
    T_BASELINE,
    T_SUPPRESSIONS,
    T_STATUS,
    T_VCP,
    T_REVISIONID,
    T_NAME,
    T_INVOCATIONS,
    T_EXECSUCCESS,
    T_NOTIFICATIONS, /* toolExecutionNotifications, toolConfigurationNotifications */
    T_MESSAGE,
    T_TEXT,
    T_LOCATIONS,
    T_PHYSLOC,
    T_ARTLOC,
    T_URI,
    T_REGION,
    T_STARTLINE
};

/* Where a value sits, for the places the gate reads. */
enum pos {
    P_OTHER = 0,
    P_VERSION,         /* version */
    P_RUNS,            /* runs */
    P_RUN,             /* runs[i] */
    P_RESULTS,         /* runs[i].results */
    P_TOOL,            /* runs[i].tool */
    P_VCP,             /* runs[i].versionControlProvenance */
    P_VCP_ENTRY,       /* runs[i].versionControlProvenance[j] */
    P_REVISIONID,      /* ...[j].revisionId */
    P_RESULT,          /* runs[i].results[j] */
    P_R_LEVEL,         /* result.level */
    P_R_KIND,          /* result.kind */
    P_R_BASELINE,      /* result.baselineState */
    P_R_RULEID,        /* result.ruleId */
    P_R_RULEINDEX,     /* result.ruleIndex */
    P_R_RULE,          /* result.rule */
    P_RR_INDEX,        /* result.rule.index */
    P_RR_ID,           /* result.rule.id */
    P_RR_GUID,         /* result.rule.guid */
    P_RR_TC,           /* result.rule.toolComponent */
    P_TC_INDEX,        /* result.rule.toolComponent.index */
    P_TC_GUID,         /* result.rule.toolComponent.guid */
    P_R_PROPERTIES,    /* result.properties */
    P_R_SECSEV,        /* result.properties.security-severity */
    P_R_SUPPRESSIONS,  /* result.suppressions */
    P_SUPPRESSION,     /* result.suppressions[k] */
    P_SUPP_STATUS,     /* result.suppressions[k].status */
    P_DRIVER,          /* tool.driver */
    P_EXTENSIONS,      /* tool.extensions */
    P_EXTENSION,       /* tool.extensions[k] */
    P_COMP_GUID,       /* component.guid */
    P_COMP_RULES,      /* component.rules */
    P_RULE,            /* component.rules[k] */
    P_RULE_ID,         /* rule.id */
    P_RULE_GUID,       /* rule.guid */
    P_RULE_DEFCONF,    /* rule.defaultConfiguration */
    P_RULE_LEVEL,      /* rule.defaultConfiguration.level */
    P_RULE_PROPERTIES, /* rule.properties */
    P_RULE_SECSEV,     /* rule.properties.security-severity */
    P_DRIVER_NAME,     /* tool.driver.name */
    P_INVOCATIONS,     /* runs[i].invocations */
    P_INVOCATION,      /* runs[i].invocations[k] */
    P_INV_SUCCESS,     /* invocation.executionSuccessful */
    P_INV_NOTES,       /* invocation.toolExecutionNotifications (or ...Configuration...) */
    P_NOTE,            /* ...Notifications[m] */
    P_NOTE_LEVEL,      /* notification.level */
    P_NOTE_MESSAGE,    /* notification.message */
    P_NOTE_TEXT,       /* notification.message.text */
    P_R_URI,           /* result.locations[0].physicalLocation.artifactLocation.uri */
    P_R_LINE           /* result.locations[0].physicalLocation.region.startLine */
};

/* Effective level. A string that is not a SARIF level is malformed evidence: an error. */
enum level { LV_ABSENT = 0, LV_NONE, LV_NOTE, LV_WARNING, LV_ERROR };

/* security-severity: absent (or null/false), present but not a number, or a bucket. */
enum sev { SEV_ABSENT = 0, SEV_BAD, SEV_LOW, SEV_MEDIUM, SEV_HIGH, SEV_CRITICAL };

struct sstr {
    unsigned char has;
    uint16_t len;
    char s[SARIF_KEY_MAX];
};

struct rule {
    uint32_t id_off, guid_off;
    uint16_t id_len, guid_len;
    unsigned char has_id, has_guid, level, sev;
};

struct comp {
    uint32_t rule_start, rule_count;
    uint32_t guid_off;
    uint16_t guid_len;
    unsigned char present, has_guid, has_rules;
};

/* Open-addressing map from a byte string (kept in ARENA at off/len) to a uint32. */
struct strmap {
    struct buf *arena;
    uint32_t *slots; /* entry index + 1; 0 is empty */
    size_t nslots;
    struct strmap_entry {
        uint64_t hash;
        uint32_t off, len, val;
    } * ents;
    size_t n, cap, max;
};

/* What decides the severity of an active result that needs its rule. */
enum tc_mode { TC_DRIVER = 0, TC_INDEX, TC_GUID };

struct ref {
    unsigned char tc_mode, has_ix, has_guid, has_id, level, sev;
    uint64_t tc_index, ix;
    const char *tc_guid, *guid, *id;
    uint16_t tc_guid_len, guid_len, id_len;
};

struct result_acc {
    unsigned char level, sev, kind_fail, absent, supp_veto;
    uint64_t supp_count;
    unsigned char has_rr_index, has_rule_index, has_tc, has_tc_index;
    uint64_t rr_index, rule_index, tc_index;
    struct sstr rr_id, rule_id, rr_guid, tc_guid;
    char uri[SARIF_URI_LEN]; /* where it is, shown when it blocks; "" when not given */
    uint64_t line;
};

/* An active result of the run whose severity waits for the run's rules, kept by name
 * (the first SARIF_PENDING of a run; the counts take all of them). */
#define SARIF_PENDING 64

struct pending {
    uint64_t ordinal, line;
    uint32_t ref; /* its entry in run.refs */
    char uri[SARIF_URI_LEN];
};

struct rule_acc {
    unsigned char level, sev;
    struct sstr id, guid;
};

/* The notification being read. */
struct note_acc {
    unsigned char level;
    char text[SARIF_SHOWN + 1];
};

struct run {
    int results_seen, tool_seen, tool_done, driver_seen, extensions_seen, indexed;
    int results_null;      /* "results": null: the analysis did not run */
    int exec_failed;       /* an invocation's executionSuccessful is false */
    uint64_t failed_inv;   /* its index */
    uint64_t note_errors;  /* notifications of level error */
    char tool_name[SARIF_SHOWN + 1];
    char first_note[SARIF_SHOWN + 1]; /* the text of the first error notification */
    struct comp *comps;
    size_t ncomps, capcomps;
    uint32_t cur_comp;
    struct rule *rules;
    size_t nrules, caprules;
    struct buf strs; /* rule and component strings */
    struct strmap by_id, by_guid, comp_by_guid;
    uint32_t first_noid; /* first rule without an id, NONE32 if none */
    struct buf refkeys;  /* serialised struct ref keys of the table below */
    struct strmap refs;  /* ref key -> index into refcount */
    uint64_t *refcount;
    size_t caprefcount;
};

struct sarif {
    struct security_summary *out;
    locale_t c_numeric; /* strtod reads "9.8" whatever LC_NUMERIC the process set */
    unsigned char hashkey[crypto_shorthash_KEYBYTES];
    int version_seen, runs_seen;
    struct run run;
    struct result_acc res;
    struct rule_acc rule;
    struct note_acc note;
    char keybuf[32 + 3 * (2 + SARIF_KEY_MAX)];
    size_t n_pending;
    struct pending pending[SARIF_PENDING];
};

/* ---- small helpers ---- */

static int
fail_here(struct jsonstream *js, const char *what)
{
    char p[200];

    jsonstream_path(js, p, sizeof(p));
    return jsonstream_fail(js, "%s %s", p, what);
}

/* S (LEN bytes, from the report) made fit to quote: control characters become '?',
 * and it is cut with "..." to fit OUT. */
static void
shown_copy(char *out, size_t outsz, const char *s, size_t len)
{
    size_t i, n = len < outsz - 1 ? len : outsz - 1;

    if (n < len) /* cut at a character boundary (the text is valid UTF-8) */
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    for (i = 0; i < n; i++)
        out[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
    out[n] = '\0';
    if (n < len && outsz > 4) {
        n = n < outsz - 4 ? n : outsz - 4;
        while (n > 0 && ((unsigned char)out[n] & 0xC0) == 0x80)
            n--;
        memcpy(out + n, "...", 4);
    }
}

static int
str_is(const char *s, size_t len, const char *lit)
{
    size_t n = strlen(lit);

    return len == n && memcmp(s, lit, n) == 0;
}

static int
sstr_set(struct jsonstream *js, struct sstr *d, const char *s, size_t len)
{
    char msg[64];

    if (len > SARIF_KEY_MAX) {
        snprintf(msg, sizeof(msg), "is longer than %d bytes", SARIF_KEY_MAX);
        return fail_here(js, msg);
    }
    memcpy(d->s, s, len);
    d->len = (uint16_t)len;
    d->has = 1;
    return 0;
}

static enum level
level_of(const char *s, size_t len)
{
    if (str_is(s, len, "error"))
        return LV_ERROR;
    if (str_is(s, len, "warning"))
        return LV_WARNING;
    if (str_is(s, len, "note"))
        return LV_NOTE;
    if (str_is(s, len, "none"))
        return LV_NONE;
    return LV_ABSENT; /* not a level: the caller refuses it */
}

/* A number as jq 1.6's tonumber takes it: JSON whitespace around, number characters
 * only, all consumed by strtod in the C locale (so no "nan", "inf" or hex). Longer
 * than 127 bytes counts as not a number. */
static int
parse_number(locale_t c_numeric, double *out, const char *s, size_t len)
{
    char tmp[128], *end;
    locale_t old;
    size_t i;

    while (len && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
        s++, len--;
    while (len &&
           (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' || s[len - 1] == '\r'))
        len--;
    if (len == 0 || len >= sizeof(tmp))
        return -1;
    for (i = 0; i < len; i++)
        if (!strchr("0123456789.eE+-", s[i]) || s[i] == '\0')
            return -1;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    old = uselocale(c_numeric);
    *out = strtod(tmp, &end);
    uselocale(old);
    return end == tmp + len ? 0 : -1;
}

static enum sev
sev_of(locale_t c_numeric, enum jsonstream_scalar type, const char *s, size_t len)
{
    double v;

    if (type == JSONSTREAM_NULL || type == JSONSTREAM_FALSE)
        return SEV_ABSENT; /* jq's `//` passes over null and false */
    if ((type != JSONSTREAM_NUMBER && type != JSONSTREAM_STRING) ||
        parse_number(c_numeric, &v, s, len) < 0)
        return SEV_BAD;
    if (v >= 9.0)
        return SEV_CRITICAL;
    if (v >= 7.0)
        return SEV_HIGH;
    if (v >= 4.0)
        return SEV_MEDIUM;
    return SEV_LOW;
}

/* A JSON number that must be a non-negative integer; saturates far out of range. */
static int
parse_index(struct jsonstream *js, uint64_t *out, enum jsonstream_scalar type, const char *s,
            size_t len)
{
    uint64_t v = 0;
    size_t i;

    if (type != JSONSTREAM_NUMBER)
        return fail_here(js, "is not a number");
    if (len && s[0] == '-')
        return fail_here(js, "is negative");
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return fail_here(js, "is not an integer");
        if (v < UINT64_MAX / 10)
            v = v * 10 + (uint64_t)(s[i] - '0');
        else
            v = UINT64_MAX;
    }
    *out = v;
    return 0;
}

/* The gate's severity of a result: from its security-severity, else from its effective
 * level; -1 when neither gives one (level none). */
static int
bucket_of(enum sev sev, enum level lvl)
{
    switch (sev) {
    case SEV_CRITICAL:
        return SEVERITY_CRITICAL;
    case SEV_HIGH:
        return SEVERITY_HIGH;
    case SEV_MEDIUM:
        return SEVERITY_MEDIUM;
    case SEV_LOW:
        return SEVERITY_LOW;
    default:
        break;
    }
    return lvl == LV_ERROR     ? SEVERITY_HIGH
           : lvl == LV_WARNING ? SEVERITY_MEDIUM
           : lvl == LV_NOTE    ? SEVERITY_LOW
                               : -1;
}

static void
tally(struct security_summary *o, int bucket, uint64_t n)
{
    if (bucket == SEVERITY_CRITICAL)
        o->critical += n;
    else if (bucket == SEVERITY_HIGH)
        o->high += n;
    else if (bucket == SEVERITY_MEDIUM)
        o->medium += n;
    else if (bucket == SEVERITY_LOW)
        o->low += n;
}

static const char *
level_name(enum level lvl)
{
    return lvl == LV_ERROR     ? "error"
           : lvl == LV_WARNING ? "warning"
           : lvl == LV_NOTE    ? "note"
                               : "none";
}

/* Keep an active finding among the first of its severity, in document order (results
 * whose rules came later are kept at the run's end, so insert by ORDINAL). */
static void
keep_finding(struct security_summary *o, int bucket, enum level lvl, const char *rule,
             size_t rule_len, const char *uri, uint64_t line, uint64_t ordinal)
{
    struct security_finding *first, nf;
    size_t *n, at;

    if (bucket < 0)
        return;
    first = o->first[bucket];
    n = &o->n_first[bucket];
    for (at = *n; at > 0 && first[at - 1].ordinal > ordinal; at--)
        ;
    if (at == REPORT_FIRST_KEPT)
        return;
    memset(&nf, 0, sizeof(nf));
    report_text(nf.rule, sizeof(nf.rule), rule ? rule : "", rule ? rule_len : 0, 1);
    report_text(nf.level, sizeof(nf.level), level_name(lvl), strlen(level_name(lvl)), 1);
    report_text(nf.uri, sizeof(nf.uri), uri, strlen(uri), 1);
    nf.line = line;
    nf.ordinal = ordinal;
    if (*n < REPORT_FIRST_KEPT)
        (*n)++;
    memmove(first + at + 1, first + at, (*n - 1 - at) * sizeof(*first));
    first[at] = nf;
}

static void
rule_reset(struct rule_acc *a)
{
    a->level = LV_ABSENT;
    a->sev = SEV_ABSENT;
    a->id.has = a->guid.has = 0;
}

/* result.rule starts over: a repeated key replaces the earlier value, as in jq. */
static void
result_rule_reset(struct result_acc *a)
{
    a->has_rr_index = a->has_tc = a->has_tc_index = 0;
    a->rr_id.has = a->rr_guid.has = a->tc_guid.has = 0;
}

static void
result_reset(struct result_acc *a)
{
    result_rule_reset(a);
    a->level = LV_ABSENT;
    a->sev = SEV_ABSENT;
    a->kind_fail = 1;
    a->absent = a->supp_veto = 0;
    a->supp_count = 0;
    a->has_rule_index = 0;
    a->rule_id.has = 0;
    a->uri[0] = '\0';
    a->line = 0;
}

/* ---- strmap ---- */

static uint64_t
hash_of(const struct sarif *p, const void *s, size_t len)
{
    unsigned char h[crypto_shorthash_BYTES];
    uint64_t v;

    crypto_shorthash(h, s, len, p->hashkey);
    memcpy(&v, h, sizeof(v));
    return v;
}

static void
strmap_clear(struct strmap *m)
{
    if (m->n && m->slots)
        memset(m->slots, 0, m->nslots * sizeof(*m->slots));
    m->n = 0;
}

static void
strmap_release(struct strmap *m)
{
    free(m->slots);
    free(m->ents);
    m->slots = NULL;
    m->ents = NULL;
    m->nslots = m->n = m->cap = 0;
}

static int
strmap_find(const struct strmap *m, const char *k, size_t len, uint64_t h, uint32_t *val)
{
    size_t i, mask = m->nslots - 1;
    const struct strmap_entry *en;

    if (!m->nslots)
        return 0;
    for (i = (size_t)h & mask; m->slots[i]; i = (i + 1) & mask) {
        en = &m->ents[m->slots[i] - 1];
        if (en->hash == h && en->len == len && memcmp(m->arena->ptr + en->off, k, len) == 0) {
            *val = en->val;
            return 1;
        }
    }
    return 0;
}

/* Add a key known to be absent. Returns -1 when full or out of memory. */
static int
strmap_add(struct strmap *m, uint32_t off, uint32_t len, uint64_t h, uint32_t val)
{
    size_t i, mask;

    if (m->n >= m->max)
        return -1;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        struct strmap_entry *ents = realloc(m->ents, cap * sizeof(*ents));

        if (!ents)
            return -1;
        m->ents = ents;
        m->cap = cap;
    }
    if ((m->n + 1) * 2 > m->nslots) {
        size_t ns = m->nslots ? m->nslots * 2 : 128, j;
        uint32_t *slots = calloc(ns, sizeof(*slots));

        if (!slots)
            return -1;
        for (j = 0; j < m->n; j++) {
            for (i = (size_t)m->ents[j].hash & (ns - 1); slots[i]; i = (i + 1) & (ns - 1))
                ;
            slots[i] = (uint32_t)j + 1;
        }
        free(m->slots);
        m->slots = slots;
        m->nslots = ns;
    }
    mask = m->nslots - 1;
    for (i = (size_t)h & mask; m->slots[i]; i = (i + 1) & mask)
        ;
    m->ents[m->n].hash = h;
    m->ents[m->n].off = off;
    m->ents[m->n].len = len;
    m->ents[m->n].val = val;
    m->n++;
    m->slots[i] = (uint32_t)m->n;
    return 0;
}

/* ---- per run ---- */

static void
run_init(struct run *r)
{
    memset(r, 0, sizeof(*r));
    r->strs.limit = SARIF_STRINGS_LIMIT;
    r->refkeys.limit = SARIF_REFKEYS_LIMIT;
    r->by_id.arena = r->by_guid.arena = r->comp_by_guid.arena = &r->strs;
    r->by_id.max = r->by_guid.max = SARIF_MAX_RULES;
    r->comp_by_guid.max = SARIF_MAX_COMPONENTS;
    r->refs.arena = &r->refkeys;
    r->refs.max = SARIF_MAX_REFS;
    r->first_noid = NONE32;
}

/* Forget the previous run, keeping the allocations. */
static void
run_reset(struct run *r)
{
    r->results_seen = r->tool_seen = r->tool_done = 0;
    r->results_null = r->exec_failed = 0;
    r->failed_inv = r->note_errors = 0;
    r->tool_name[0] = r->first_note[0] = '\0';
    r->driver_seen = r->extensions_seen = r->indexed = 0;
    r->ncomps = r->nrules = 0;
    r->strs.len = r->refkeys.len = 0;
    strmap_clear(&r->by_id);
    strmap_clear(&r->by_guid);
    strmap_clear(&r->comp_by_guid);
    strmap_clear(&r->refs);
    r->first_noid = NONE32;
}

/* Forget the run's pending findings (their references are the run's). */
static void
pending_reset(struct sarif *p)
{
    p->n_pending = 0;
}

static void
run_release(struct run *r)
{
    free(r->comps);
    free(r->rules);
    free(r->refcount);
    buf_release(&r->strs);
    buf_release(&r->refkeys);
    strmap_release(&r->by_id);
    strmap_release(&r->by_guid);
    strmap_release(&r->comp_by_guid);
    strmap_release(&r->refs);
}

/* Keep S in the run's string arena; its offset goes to *OFF. */
static int
keep_string(struct jsonstream *js, struct run *r, uint32_t *off, const struct sstr *s)
{
    *off = (uint32_t)r->strs.len;
    if (buf_add(&r->strs, s->s, s->len) < 0)
        return jsonstream_fail(js, "too many rule strings in one run (over %u bytes)",
                               SARIF_STRINGS_LIMIT);
    return 0;
}

static int
comp_begin(struct jsonstream *js, struct run *r, uint64_t ordinal)
{
    struct comp *c;

    if (ordinal >= SARIF_MAX_COMPONENTS)
        return jsonstream_fail(js, "more than %d tool components in one run", SARIF_MAX_COMPONENTS);
    if (ordinal >= r->capcomps) {
        size_t cap = r->capcomps ? r->capcomps : 8;

        while (cap <= ordinal)
            cap *= 2;
        c = realloc(r->comps, cap * sizeof(*c));
        if (!c)
            return jsonstream_fail(js, "out of memory");
        r->comps = c;
        r->capcomps = cap;
    }
    while (r->ncomps <= ordinal)
        memset(&r->comps[r->ncomps++], 0, sizeof(*r->comps));
    r->comps[ordinal].present = 1;
    r->cur_comp = (uint32_t)ordinal;
    return 0;
}

static int
rule_end(struct jsonstream *js, struct sarif *p)
{
    struct run *r = &p->run;
    struct comp *c = &r->comps[r->cur_comp];
    struct rule *ru;

    if (r->nrules >= SARIF_MAX_RULES)
        return jsonstream_fail(js, "more than %u rules in one run", SARIF_MAX_RULES);
    if (r->nrules == r->caprules) {
        size_t cap = r->caprules ? r->caprules * 2 : 64;

        ru = realloc(r->rules, cap * sizeof(*ru));
        if (!ru)
            return jsonstream_fail(js, "out of memory");
        r->rules = ru;
        r->caprules = cap;
    }
    ru = &r->rules[r->nrules];
    memset(ru, 0, sizeof(*ru));
    if (p->rule.id.has && keep_string(js, r, &ru->id_off, &p->rule.id) < 0)
        return -1;
    if (p->rule.guid.has && keep_string(js, r, &ru->guid_off, &p->rule.guid) < 0)
        return -1;
    ru->has_id = p->rule.id.has;
    ru->id_len = p->rule.id.len;
    ru->has_guid = p->rule.guid.has;
    ru->guid_len = p->rule.guid.len;
    ru->level = p->rule.level;
    ru->sev = p->rule.sev;
    r->nrules++;
    c->rule_count++;
    return 0;
}

/* Lookup tables over the rules, each keeping the first match in jq's order: the
 * driver's rules, then each extension's, in index order. */
static int
run_index(struct jsonstream *js, struct sarif *p)
{
    struct run *r = &p->run;
    size_t ci, k;

    if (r->indexed)
        return 0;
    for (ci = 0; ci < r->ncomps; ci++) {
        const struct comp *c = &r->comps[ci];
        uint32_t v;

        if (!c->present)
            continue;
        if (c->has_guid) {
            const char *g = r->strs.ptr + c->guid_off;
            uint64_t h = hash_of(p, g, c->guid_len);

            if (!strmap_find(&r->comp_by_guid, g, c->guid_len, h, &v) &&
                strmap_add(&r->comp_by_guid, c->guid_off, c->guid_len, h, (uint32_t)ci) < 0)
                return jsonstream_fail(js, "out of memory");
        }
        for (k = c->rule_start; k < (size_t)c->rule_start + c->rule_count; k++) {
            const struct rule *ru = &r->rules[k];

            if (ru->has_id) {
                const char *s = r->strs.ptr + ru->id_off;
                uint64_t h = hash_of(p, s, ru->id_len);

                if (!strmap_find(&r->by_id, s, ru->id_len, h, &v) &&
                    strmap_add(&r->by_id, ru->id_off, ru->id_len, h, (uint32_t)k) < 0)
                    return jsonstream_fail(js, "out of memory");
            } else if (r->first_noid == NONE32) {
                r->first_noid = (uint32_t)k;
            }
            if (ru->has_guid) {
                const char *s = r->strs.ptr + ru->guid_off;
                uint64_t h = hash_of(p, s, ru->guid_len);

                if (!strmap_find(&r->by_guid, s, ru->guid_len, h, &v) &&
                    strmap_add(&r->by_guid, ru->guid_off, ru->guid_len, h, (uint32_t)k) < 0)
                    return jsonstream_fail(js, "out of memory");
            }
        }
    }
    r->indexed = 1;
    return 0;
}

/* rulefor() of sarif-gate.jq. NULL when no rule matches. */
static const struct rule *
rule_for(const struct sarif *p, const struct ref *f)
{
    const struct run *r = &p->run;
    const struct comp *c = NULL;
    uint32_t v;

    if (f->tc_mode == TC_INDEX) {
        if (r->ncomps > 1 && f->tc_index < (uint64_t)(r->ncomps - 1))
            c = &r->comps[f->tc_index + 1];
    } else if (f->tc_mode == TC_GUID) {
        if (strmap_find(&r->comp_by_guid, f->tc_guid, f->tc_guid_len,
                        hash_of(p, f->tc_guid, f->tc_guid_len), &v))
            c = &r->comps[v];
    } else if (r->ncomps > 0) {
        c = &r->comps[0];
    }
    if (c && !c->present)
        c = NULL;
    if (f->has_ix && c && f->ix < c->rule_count)
        return &r->rules[c->rule_start + f->ix];
    if (f->has_guid)
        return strmap_find(&r->by_guid, f->guid, f->guid_len, hash_of(p, f->guid, f->guid_len), &v)
                   ? &r->rules[v]
                   : NULL;
    if (f->has_id)
        return strmap_find(&r->by_id, f->id, f->id_len, hash_of(p, f->id, f->id_len), &v)
                   ? &r->rules[v]
                   : NULL;
    /* jq compares .id with null: the first rule without an id matches */
    return r->first_noid != NONE32 ? &r->rules[r->first_noid] : NULL;
}

/* The severity bucket and effective level of results with reference F, and their rule. */
static int
classify(const struct sarif *p, const struct ref *f, enum level *lvl, const struct rule **rule)
{
    const struct rule *ru = rule_for(p, f);
    enum sev sev = f->sev != SEV_ABSENT ? (enum sev)f->sev : ru ? (enum sev)ru->sev : SEV_ABSENT;

    *lvl = (enum level)f->level;
    if (*lvl == LV_ABSENT)
        *lvl = ru && ru->level != LV_ABSENT ? (enum level)ru->level : LV_WARNING;
    *rule = ru;
    return bucket_of(sev, *lvl);
}

static void
settle(struct sarif *p, const struct ref *f, uint64_t n)
{
    const struct rule *ru;
    enum level lvl;

    tally(p->out, classify(p, f, &lvl, &ru), n);
}

/* Keep a result with reference F by name: its own rule id, else its rule's. */
static void
settle_finding(struct sarif *p, const struct ref *f, const char *uri, uint64_t line,
               uint64_t ordinal)
{
    const struct rule *ru;
    enum level lvl;
    int bucket = classify(p, f, &lvl, &ru);

    if (f->has_id)
        keep_finding(p->out, bucket, lvl, f->id, f->id_len, uri, line, ordinal);
    else if (ru && ru->has_id)
        keep_finding(p->out, bucket, lvl, p->run.strs.ptr + ru->id_off, ru->id_len, uri, line,
                     ordinal);
    else
        keep_finding(p->out, bucket, lvl, NULL, 0, uri, line, ordinal);
}

/* Serialise a ref into P->keybuf; returns its length. */
static size_t
ref_pack(struct sarif *p, const struct ref *f)
{
    unsigned char *b = (unsigned char *)p->keybuf;
    size_t n = 0;
    const char *strs[3] = {f->tc_guid, f->guid, f->id};
    uint16_t lens[3] = {f->tc_guid_len, f->guid_len, f->id_len};
    int i;

    b[n++] = f->tc_mode;
    b[n++] = f->has_ix;
    b[n++] = f->has_guid;
    b[n++] = f->has_id;
    b[n++] = f->level;
    b[n++] = f->sev;
    memcpy(b + n, &f->tc_index, 8);
    n += 8;
    memcpy(b + n, &f->ix, 8);
    n += 8;
    for (i = 0; i < 3; i++) {
        memcpy(b + n, &lens[i], 2);
        n += 2;
        if (lens[i])
            memcpy(b + n, strs[i], lens[i]);
        n += lens[i];
    }
    return n;
}

static void
ref_unpack(struct ref *f, const unsigned char *b)
{
    const char **strs[3] = {&f->tc_guid, &f->guid, &f->id};
    uint16_t *lens[3] = {&f->tc_guid_len, &f->guid_len, &f->id_len};
    size_t n = 22;
    int i;

    f->tc_mode = b[0];
    f->has_ix = b[1];
    f->has_guid = b[2];
    f->has_id = b[3];
    f->level = b[4];
    f->sev = b[5];
    memcpy(&f->tc_index, b + 6, 8);
    memcpy(&f->ix, b + 14, 8);
    for (i = 0; i < 3; i++) {
        memcpy(lens[i], b + n, 2);
        n += 2;
        *strs[i] = (const char *)b + n;
        n += *lens[i];
    }
}

/* Count the result being read, with reference F: now when the rules are complete, else
 * at the run's end, keeping it by name for then (the first SARIF_PENDING). */
static int
ref_count(struct jsonstream *js, struct sarif *p, const struct ref *f, uint64_t ordinal)
{
    struct run *r = &p->run;
    size_t len;
    uint64_t h;
    uint32_t v;

    if (r->tool_done) {
        if (run_index(js, p) < 0)
            return -1;
        settle(p, f, 1);
        settle_finding(p, f, p->res.uri, p->res.line, ordinal);
        return 0;
    }
    len = ref_pack(p, f);
    h = hash_of(p, p->keybuf, len);
    if (strmap_find(&r->refs, p->keybuf, len, h, &v)) {
        r->refcount[v]++;
        goto pend;
    }
    if (r->refs.n >= SARIF_MAX_REFS)
        return jsonstream_fail(js, "more than %u distinct rule references before 'tool' in one run",
                               SARIF_MAX_REFS);
    if (r->refs.n == r->caprefcount) {
        size_t cap = r->caprefcount ? r->caprefcount * 2 : 64;
        uint64_t *rc = realloc(r->refcount, cap * sizeof(*rc));

        if (!rc)
            return jsonstream_fail(js, "out of memory");
        r->refcount = rc;
        r->caprefcount = cap;
    }
    v = (uint32_t)r->refs.n;
    if (buf_add(&r->refkeys, p->keybuf, len) < 0 ||
        strmap_add(&r->refs, (uint32_t)(r->refkeys.len - len), (uint32_t)len, h, v) < 0)
        return jsonstream_fail(js, "too many distinct rule references before 'tool' in one run");
    r->refcount[v] = 1;
pend:
    if (p->n_pending < SARIF_PENDING) {
        struct pending *pd = &p->pending[p->n_pending++];

        pd->ordinal = ordinal;
        pd->line = p->res.line;
        pd->ref = v;
        memcpy(pd->uri, p->res.uri, sizeof(pd->uri));
    }
    return 0;
}

static void
note_end(struct sarif *p)
{
    struct run *r = &p->run;

    if (p->note.level != LV_ERROR) /* a notification's level defaults to warning */
        return;
    if (r->note_errors++ == 0)
        snprintf(r->first_note, sizeof(r->first_note), "%s",
                 p->note.text[0] ? p->note.text : "(no message text)");
}

/* A run is a clean scan only when its analysis ran: it names its tool, has results
 * (an array: the spec requires it whenever the analysis ran) and no invocation
 * failed. Error notifications are counted for the gate (allow_tool_errors). */
static int
run_check(struct jsonstream *js, struct sarif *p)
{
    struct security_summary *o = p->out;
    struct run *r = &p->run;
    unsigned long long ix = (unsigned long long)(o->runs - 1);
    const char *tool = r->tool_name[0] ? r->tool_name : "unnamed tool";
    char said[SARIF_SHOWN + 32] = "";

    if (r->note_errors)
        snprintf(said, sizeof(said), "; the tool said: %s", r->first_note);
    if (!r->driver_seen)
        return jsonstream_fail(js, "runs[%llu] has no tool.driver: not the output of an analysis",
                               ix);
    if (r->exec_failed)
        return jsonstream_fail(js,
                               "runs[%llu] (%s): invocations[%llu].executionSuccessful is false: "
                               "the analysis failed%s",
                               ix, tool, (unsigned long long)r->failed_inv, said);
    if (!r->results_seen)
        return jsonstream_fail(js, "runs[%llu] (%s): results is %s: the analysis did not run%s",
                               ix, tool, r->results_null ? "null" : "absent", said);
    if (r->note_errors) {
        if (o->tool_errors == 0)
            snprintf(o->tool_error, sizeof(o->tool_error), "runs[%llu] (%s): %s", ix, tool,
                     r->first_note);
        o->tool_errors += r->note_errors;
    }
    return 0;
}

static int
run_end(struct jsonstream *js, struct sarif *p)
{
    struct run *r = &p->run;
    struct ref f;
    size_t i;

    if (run_check(js, p) < 0)
        return -1;
    if (r->refs.n == 0)
        return 0;
    if (run_index(js, p) < 0)
        return -1;
    for (i = 0; i < r->refs.n; i++) {
        ref_unpack(&f, (const unsigned char *)r->refkeys.ptr + r->refs.ents[i].off);
        settle(p, &f, r->refcount[r->refs.ents[i].val]);
    }
    for (i = 0; i < p->n_pending; i++) {
        const struct pending *pd = &p->pending[i];

        ref_unpack(&f, (const unsigned char *)r->refkeys.ptr + r->refs.ents[pd->ref].off);
        settle_finding(p, &f, pd->uri, pd->line, pd->ordinal);
    }
    return 0;
}

static int
result_end(struct jsonstream *js, struct sarif *p)
{
    struct security_summary *o = p->out;
    const struct result_acc *a = &p->res;
    int supp = a->supp_count > 0 && !a->supp_veto;
    uint64_t ordinal = o->results;
    struct ref f;

    o->results++;
    o->suppressed += (uint64_t)supp;
    o->absent += a->absent;
    if (!a->kind_fail || a->absent || supp)
        return 0;
    o->active++;
    if (a->sev >= SEV_LOW || (a->sev == SEV_BAD && a->level != LV_ABSENT)) {
        const struct sstr *id = a->rr_id.has ? &a->rr_id : a->rule_id.has ? &a->rule_id : NULL;
        int bucket = bucket_of((enum sev)a->sev, (enum level)a->level);
        enum level lvl = a->level != LV_ABSENT ? (enum level)a->level : LV_WARNING;

        tally(o, bucket, 1);
        keep_finding(o, bucket, lvl, id ? id->s : NULL, id ? id->len : 0, a->uri, a->line,
                     ordinal);
        return 0;
    }
    memset(&f, 0, sizeof(f));
    f.level = a->level;
    f.sev = a->sev;
    if (a->has_tc && a->has_tc_index) {
        f.tc_mode = TC_INDEX;
        f.tc_index = a->tc_index;
    } else if (a->has_tc && a->tc_guid.has) {
        f.tc_mode = TC_GUID;
        f.tc_guid = a->tc_guid.s;
        f.tc_guid_len = a->tc_guid.len;
    }
    if (a->has_rr_index || a->has_rule_index) {
        f.has_ix = 1;
        f.ix = a->has_rr_index ? a->rr_index : a->rule_index;
    }
    if (a->rr_guid.has) {
        f.has_guid = 1;
        f.guid = a->rr_guid.s;
        f.guid_len = a->rr_guid.len;
    }
    if (a->rr_id.has || a->rule_id.has) {
        const struct sstr *s = a->rr_id.has ? &a->rr_id : &a->rule_id;

        f.has_id = 1;
        f.id = s->s;
        f.id_len = s->len;
    }
    return ref_count(js, p, &f, ordinal);
}

static int
add_revision(struct jsonstream *js, struct security_summary *o, const char *s, size_t len)
{
    size_t i;

    if (len >= SARIF_REVISION_LEN)
        return fail_here(js, "is too long");
    for (i = 0; i < o->n_revisions; i++)
        if (strlen(o->revisions[i]) == len && memcmp(o->revisions[i], s, len) == 0)
            return 0;
    if (o->n_revisions == SARIF_MAX_REVISIONS) {
        o->revisions_overflow = 1;
        return 0;
    }
    memcpy(o->revisions[o->n_revisions], s, len);
    o->revisions[o->n_revisions][len] = '\0';
    o->n_revisions++;
    return 0;
}

/* ---- the path ---- */

static int
sarif_key_tag(const unsigned char *key, size_t len)
{
    const char *k = (const char *)key;

    switch (len) {
    case 2:
        return str_is(k, len, "id") ? T_ID : T_OTHER;
    case 3:
        return str_is(k, len, "uri") ? T_URI : T_OTHER;
    case 4:
        return str_is(k, len, "runs")   ? T_RUNS
               : str_is(k, len, "tool") ? T_TOOL
               : str_is(k, len, "guid") ? T_GUID
               : str_is(k, len, "kind") ? T_KIND
               : str_is(k, len, "rule") ? T_RULE
               : str_is(k, len, "name") ? T_NAME
               : str_is(k, len, "text") ? T_TEXT
                                        : T_OTHER;
    case 5:
        return str_is(k, len, "rules")   ? T_RULES
               : str_is(k, len, "level") ? T_LEVEL
               : str_is(k, len, "index") ? T_INDEX
                                         : T_OTHER;
    case 6:
        return str_is(k, len, "driver")   ? T_DRIVER
               : str_is(k, len, "ruleId") ? T_RULEID
               : str_is(k, len, "status") ? T_STATUS
               : str_is(k, len, "region") ? T_REGION
                                          : T_OTHER;
    case 7:
        return str_is(k, len, "version")   ? T_VERSION
               : str_is(k, len, "results") ? T_RESULTS
               : str_is(k, len, "message") ? T_MESSAGE
                                           : T_OTHER;
    case 9:
        return str_is(k, len, "ruleIndex")   ? T_RULEINDEX
               : str_is(k, len, "locations") ? T_LOCATIONS
               : str_is(k, len, "startLine") ? T_STARTLINE
                                             : T_OTHER;
    case 10:
        return str_is(k, len, "extensions")   ? T_EXTENSIONS
               : str_is(k, len, "properties") ? T_PROPERTIES
               : str_is(k, len, "revisionId") ? T_REVISIONID
                                              : T_OTHER;
    case 11:
        return str_is(k, len, "invocations") ? T_INVOCATIONS : T_OTHER;
    case 12:
        return str_is(k, len, "suppressions") ? T_SUPPRESSIONS : T_OTHER;
    case 13:
        return str_is(k, len, "toolComponent")   ? T_TOOLCOMPONENT
               : str_is(k, len, "baselineState") ? T_BASELINE
                                                 : T_OTHER;
    case 16:
        return str_is(k, len, "physicalLocation")   ? T_PHYSLOC
               : str_is(k, len, "artifactLocation") ? T_ARTLOC
                                                    : T_OTHER;
    case 17:
        return str_is(k, len, "security-severity") ? T_SECSEV : T_OTHER;
    case 19:
        return str_is(k, len, "executionSuccessful") ? T_EXECSUCCESS : T_OTHER;
    case 20:
        return str_is(k, len, "defaultConfiguration") ? T_DEFCONF : T_OTHER;
    case 24:
        return str_is(k, len, "versionControlProvenance") ? T_VCP : T_OTHER;
    case 26:
        return str_is(k, len, "toolExecutionNotifications") ? T_NOTIFICATIONS : T_OTHER;
    case 30:
        return str_is(k, len, "toolConfigurationNotifications") ? T_NOTIFICATIONS : T_OTHER;
    default:
        return T_OTHER;
    }
}

/* A rule component (driver or extension) whose keys are in frame C. */
static enum pos
where_component(const struct jsonstream_frame *f, size_t d, size_t c)
{
    if (d == c + 1)
        return f[c].tag == T_GUID    ? P_COMP_GUID
               : f[c].tag == T_RULES ? P_COMP_RULES
               : f[c].tag == T_NAME && c == 4 ? P_DRIVER_NAME /* c is 4 for the driver */
                                              : P_OTHER;
    if (f[c].tag != T_RULES)
        return P_OTHER;
    if (d == c + 2)
        return P_RULE;
    if (d == c + 3) {
        switch (f[c + 2].tag) {
        case T_ID:
            return P_RULE_ID;
        case T_GUID:
            return P_RULE_GUID;
        case T_DEFCONF:
            return P_RULE_DEFCONF;
        case T_PROPERTIES:
            return P_RULE_PROPERTIES;
        default:
            return P_OTHER;
        }
    }
    if (f[c + 2].tag == T_DEFCONF && f[c + 3].tag == T_LEVEL)
        return P_RULE_LEVEL;
    if (f[c + 2].tag == T_PROPERTIES && f[c + 3].tag == T_SECSEV)
        return P_RULE_SECSEV;
    return P_OTHER;
}

static enum pos
where_result(const struct jsonstream_frame *f, size_t d)
{
    if (d == 5) {
        switch (f[4].tag) {
        case T_LEVEL:
            return P_R_LEVEL;
        case T_KIND:
            return P_R_KIND;
        case T_BASELINE:
            return P_R_BASELINE;
        case T_RULEID:
            return P_R_RULEID;
        case T_RULEINDEX:
            return P_R_RULEINDEX;
        case T_RULE:
            return P_R_RULE;
        case T_PROPERTIES:
            return P_R_PROPERTIES;
        case T_SUPPRESSIONS:
            return P_R_SUPPRESSIONS;
        default:
            return P_OTHER;
        }
    }
    if (d == 6) {
        if (f[4].tag == T_RULE)
            return f[5].tag == T_INDEX           ? P_RR_INDEX
                   : f[5].tag == T_ID            ? P_RR_ID
                   : f[5].tag == T_GUID          ? P_RR_GUID
                   : f[5].tag == T_TOOLCOMPONENT ? P_RR_TC
                                                 : P_OTHER;
        if (f[4].tag == T_PROPERTIES)
            return f[5].tag == T_SECSEV ? P_R_SECSEV : P_OTHER;
        return f[4].tag == T_SUPPRESSIONS ? P_SUPPRESSION : P_OTHER;
    }
    if (d == 7) {
        if (f[4].tag == T_RULE && f[5].tag == T_TOOLCOMPONENT)
            return f[6].tag == T_INDEX ? P_TC_INDEX : f[6].tag == T_GUID ? P_TC_GUID : P_OTHER;
        if (f[4].tag == T_SUPPRESSIONS && f[6].tag == T_STATUS)
            return P_SUPP_STATUS;
    }
    /* where the first location is: shown only, never checked (a result without it counts
     * the same) */
    if (d == 9 && f[4].tag == T_LOCATIONS && f[5].type == JSONSTREAM_ARRAY && f[5].index == 0 &&
        f[6].type == JSONSTREAM_MAP && f[6].tag == T_PHYSLOC && f[7].type == JSONSTREAM_MAP &&
        f[8].type == JSONSTREAM_MAP) {
        if (f[7].tag == T_ARTLOC && f[8].tag == T_URI)
            return P_R_URI;
        if (f[7].tag == T_REGION && f[8].tag == T_STARTLINE)
            return P_R_LINE;
    }
    return P_OTHER;
}

/* runs[i].invocations[k].executionSuccessful, and the level and message.text of
 * runs[i].invocations[k].tool{Execution,Configuration}Notifications[m]. */
static enum pos
where_invocation(const struct jsonstream_frame *f, size_t d)
{
    if (d == 3)
        return P_INVOCATIONS;
    if (d == 4)
        return P_INVOCATION;
    if (d == 5)
        return f[4].tag == T_EXECSUCCESS     ? P_INV_SUCCESS
               : f[4].tag == T_NOTIFICATIONS ? P_INV_NOTES
                                             : P_OTHER;
    if (f[4].tag != T_NOTIFICATIONS)
        return P_OTHER;
    if (d == 6)
        return P_NOTE;
    if (d == 7)
        return f[6].tag == T_LEVEL ? P_NOTE_LEVEL : f[6].tag == T_MESSAGE ? P_NOTE_MESSAGE : P_OTHER;
    return d == 8 && f[6].tag == T_MESSAGE && f[7].tag == T_TEXT ? P_NOTE_TEXT : P_OTHER;
}

/* Containers on the way are checked as they open (an array where an object belongs
 * is an error), so a tag at level N implies the frames above have the right types. */
static enum pos
where(const struct jsonstream *js)
{
    const struct jsonstream_frame *f = js->f;
    size_t d = js->depth;

    if (d == 1)
        return f[0].tag == T_VERSION ? P_VERSION : f[0].tag == T_RUNS ? P_RUNS : P_OTHER;
    if (d < 2 || d > 9 || f[0].tag != T_RUNS)
        return P_OTHER;
    if (d == 2)
        return P_RUN;
    switch (f[2].tag) {
    case T_RESULTS:
        return d == 3 ? P_RESULTS : d == 4 ? P_RESULT : where_result(f, d);
    case T_TOOL:
        if (d == 3)
            return P_TOOL;
        if (f[3].tag == T_DRIVER)
            return d == 4 ? P_DRIVER : where_component(f, d, 4);
        if (f[3].tag == T_EXTENSIONS)
            return d == 4 ? P_EXTENSIONS : d == 5 ? P_EXTENSION : where_component(f, d, 5);
        return P_OTHER;
    case T_INVOCATIONS:
        return where_invocation(f, d);
    case T_VCP:
        if (d == 3)
            return P_VCP;
        if (d == 4)
            return P_VCP_ENTRY;
        return d == 5 && f[4].tag == T_REVISIONID ? P_REVISIONID : P_OTHER;
    default:
        return P_OTHER;
    }
}

enum shape { SHAPE_ANY = 0, SHAPE_OBJECT, SHAPE_ARRAY, SHAPE_SCALAR };

static enum shape
shape_of(enum pos p)
{
    switch (p) {
    case P_RUNS:
    case P_RESULTS:
    case P_EXTENSIONS:
    case P_COMP_RULES:
    case P_R_SUPPRESSIONS:
    case P_VCP:
    case P_INVOCATIONS:
    case P_INV_NOTES:
        return SHAPE_ARRAY;
    case P_RUN:
    case P_RESULT:
    case P_TOOL:
    case P_DRIVER:
    case P_EXTENSION:
    case P_RULE:
    case P_R_RULE:
    case P_RR_TC:
    case P_R_PROPERTIES:
    case P_SUPPRESSION:
    case P_RULE_DEFCONF:
    case P_RULE_PROPERTIES:
    case P_VCP_ENTRY:
    case P_INVOCATION:
    case P_NOTE:
    case P_NOTE_MESSAGE:
        return SHAPE_OBJECT;
    case P_OTHER:
    case P_R_SECSEV:
    case P_RULE_SECSEV:
    case P_R_URI:
    case P_R_LINE:
        return SHAPE_ANY;
    default:
        return SHAPE_SCALAR;
    }
}

/* Fields that take null as "absent" (jq's `// default`); elsewhere null is an error. */
static int
null_ok(enum pos p)
{
    return p != P_VERSION && p != P_RUNS && p != P_RUN && p != P_RESULT;
}

static int
check_shape(struct jsonstream *js, enum pos p, enum shape got)
{
    enum shape want = shape_of(p);

    if (want == SHAPE_ANY || want == got)
        return 0;
    if (want == SHAPE_ARRAY)
        return fail_here(js, "is not an array");
    if (want == SHAPE_OBJECT)
        return fail_here(js, "is not an object");
    return fail_here(js, p == P_R_RULEINDEX || p == P_RR_INDEX || p == P_TC_INDEX
                             ? "is not a number"
                             : "is not a string");
}

static int
on_start_map(void *ud, struct jsonstream *js)
{
    struct sarif *p = ud;
    enum pos pos = where(js);

    if (pos == P_OTHER)
        return 0;
    if (check_shape(js, pos, SHAPE_OBJECT) < 0)
        return -1;
    switch (pos) {
    case P_RUN:
        run_reset(&p->run);
        pending_reset(p);
        p->out->runs++;
        break;
    case P_TOOL:
        if (p->run.tool_seen)
            return fail_here(js, "appears twice");
        p->run.tool_seen = 1;
        break;
    case P_DRIVER:
        if (p->run.driver_seen)
            return fail_here(js, "appears twice");
        p->run.driver_seen = 1;
        return comp_begin(js, &p->run, 0);
    case P_EXTENSION:
        return comp_begin(js, &p->run, jsonstream_index(js, 4) + 1);
    case P_RULE:
        rule_reset(&p->rule);
        break;
    case P_RULE_DEFCONF:
        p->rule.level = LV_ABSENT;
        break;
    case P_RULE_PROPERTIES:
        p->rule.sev = SEV_ABSENT;
        break;
    case P_RESULT:
        result_reset(&p->res);
        break;
    case P_R_RULE:
        result_rule_reset(&p->res);
        break;
    case P_RR_TC:
        p->res.has_tc = 1;
        p->res.has_tc_index = 0;
        p->res.tc_guid.has = 0;
        break;
    case P_R_PROPERTIES:
        p->res.sev = SEV_ABSENT;
        break;
    case P_SUPPRESSION:
        p->res.supp_count++;
        break;
    case P_R_SECSEV:
        p->res.sev = SEV_BAD;
        break;
    case P_RULE_SECSEV:
        p->rule.sev = SEV_BAD;
        break;
    case P_NOTE:
        p->note.level = LV_ABSENT;
        p->note.text[0] = '\0';
        break;
    default:
        break;
    }
    return 0;
}

static int
on_end_map(void *ud, struct jsonstream *js)
{
    struct sarif *p = ud;

    switch (where(js)) {
    case P_RUN:
        return run_end(js, p);
    case P_RESULT:
        return result_end(js, p);
    case P_RULE:
        return rule_end(js, p);
    case P_TOOL:
        p->run.tool_done = 1;
        return 0;
    case P_NOTE:
        note_end(p);
        return 0;
    default:
        return 0;
    }
}

static int
on_start_array(void *ud, struct jsonstream *js)
{
    struct sarif *p = ud;
    enum pos pos = where(js);
    struct comp *c;

    if (pos == P_OTHER)
        return 0;
    if (check_shape(js, pos, SHAPE_ARRAY) < 0)
        return -1;
    switch (pos) {
    case P_RUNS:
        if (p->runs_seen)
            return fail_here(js, "appears twice");
        p->runs_seen = 1;
        break;
    case P_RESULTS:
        if (p->run.results_seen)
            return fail_here(js, "appears twice");
        p->run.results_seen = 1;
        break;
    case P_EXTENSIONS:
        if (p->run.extensions_seen)
            return fail_here(js, "appears twice");
        p->run.extensions_seen = 1;
        break;
    case P_COMP_RULES:
        c = &p->run.comps[p->run.cur_comp];
        if (c->has_rules)
            return fail_here(js, "appears twice");
        c->has_rules = 1;
        c->rule_start = (uint32_t)p->run.nrules;
        c->rule_count = 0;
        break;
    case P_R_SUPPRESSIONS:
        p->res.supp_count = 0;
        p->res.supp_veto = 0;
        break;
    case P_R_SECSEV:
        p->res.sev = SEV_BAD;
        break;
    case P_RULE_SECSEV:
        p->rule.sev = SEV_BAD;
        break;
    default:
        break;
    }
    return 0;
}

static int
on_null(struct sarif *p, struct jsonstream *js, enum pos pos)
{
    if (!null_ok(pos))
        return check_shape(js, pos, SHAPE_SCALAR) < 0 ? -1 : fail_here(js, "is null");
    switch (pos) {
    case P_RULE: /* an empty rule still takes its index */
        rule_reset(&p->rule);
        return rule_end(js, p);
    case P_SUPPRESSION: /* still an entry of a non-empty array */
        p->res.supp_count++;
        return 0;
    case P_R_LEVEL:
        p->res.level = LV_ABSENT;
        return 0;
    case P_R_KIND:
        p->res.kind_fail = 1;
        return 0;
    case P_R_BASELINE:
        p->res.absent = 0;
        return 0;
    case P_R_RULEID:
        p->res.rule_id.has = 0;
        return 0;
    case P_R_RULEINDEX:
        p->res.has_rule_index = 0;
        return 0;
    case P_R_RULE:
        result_rule_reset(&p->res);
        return 0;
    case P_RR_INDEX:
        p->res.has_rr_index = 0;
        return 0;
    case P_RR_ID:
        p->res.rr_id.has = 0;
        return 0;
    case P_RR_GUID:
        p->res.rr_guid.has = 0;
        return 0;
    case P_RR_TC:
        p->res.has_tc = 0;
        return 0;
    case P_TC_INDEX:
        p->res.has_tc_index = 0;
        return 0;
    case P_TC_GUID:
        p->res.tc_guid.has = 0;
        return 0;
    case P_R_PROPERTIES:
        p->res.sev = SEV_ABSENT;
        return 0;
    case P_R_SUPPRESSIONS:
        p->res.supp_count = 0;
        p->res.supp_veto = 0;
        return 0;
    case P_R_SECSEV:
        p->res.sev = SEV_ABSENT;
        return 0;
    case P_RULE_ID:
        p->rule.id.has = 0;
        return 0;
    case P_RULE_GUID:
        p->rule.guid.has = 0;
        return 0;
    case P_RULE_LEVEL:
    case P_RULE_DEFCONF:
        p->rule.level = LV_ABSENT;
        return 0;
    case P_RULE_PROPERTIES:
    case P_RULE_SECSEV:
        p->rule.sev = SEV_ABSENT;
        return 0;
    case P_COMP_GUID:
        p->run.comps[p->run.cur_comp].has_guid = 0;
        return 0;
    case P_RESULTS: /* the spec's "the analysis did not run": run_end refuses it */
        p->run.results_null = 1;
        return 0;
    default:
        return 0; /* null tool, rules, extensions, ...: nothing there (run_end checks) */
    }
}

static int
on_string(struct sarif *p, struct jsonstream *js, enum pos pos, const char *s, size_t len)
{
    struct sstr tmp;
    struct comp *c;

    switch (pos) {
    case P_VERSION:
        if (!str_is(s, len, "2.1.0"))
            return fail_here(js, "is not \"2.1.0\" (only SARIF 2.1.0 is supported)");
        p->version_seen = 1;
        return 0;
    case P_REVISIONID:
        return add_revision(js, p->out, s, len);
    case P_R_LEVEL:
        p->res.level = level_of(s, len);
        if (p->res.level == LV_ABSENT)
            return fail_here(js, "is not a SARIF level (none, note, warning, error)");
        return 0;
    case P_R_KIND:
        p->res.kind_fail = str_is(s, len, "fail");
        return 0;
    case P_R_BASELINE:
        p->res.absent = str_is(s, len, "absent");
        return 0;
    case P_R_RULEID:
        return sstr_set(js, &p->res.rule_id, s, len);
    case P_RR_ID:
        return sstr_set(js, &p->res.rr_id, s, len);
    case P_RR_GUID:
        return sstr_set(js, &p->res.rr_guid, s, len);
    case P_TC_GUID:
        return sstr_set(js, &p->res.tc_guid, s, len);
    case P_SUPP_STATUS:
        if (str_is(s, len, "underReview") || str_is(s, len, "rejected"))
            p->res.supp_veto = 1;
        return 0;
    case P_RULE_ID:
        return sstr_set(js, &p->rule.id, s, len);
    case P_RULE_GUID:
        return sstr_set(js, &p->rule.guid, s, len);
    case P_RULE_LEVEL:
        p->rule.level = level_of(s, len);
        if (p->rule.level == LV_ABSENT)
            return fail_here(js, "is not a SARIF level (none, note, warning, error)");
        return 0;
    case P_DRIVER_NAME:
        shown_copy(p->run.tool_name, sizeof(p->run.tool_name), s, len);
        return 0;
    case P_NOTE_LEVEL:
        p->note.level = level_of(s, len);
        if (p->note.level == LV_ABSENT)
            return fail_here(js, "is not a SARIF level (none, note, warning, error)");
        return 0;
    case P_NOTE_TEXT:
        shown_copy(p->note.text, sizeof(p->note.text), s, len);
        return 0;
    case P_COMP_GUID:
        if (sstr_set(js, &tmp, s, len) < 0)
            return -1;
        c = &p->run.comps[p->run.cur_comp];
        if (keep_string(js, &p->run, &c->guid_off, &tmp) < 0)
            return -1;
        c->guid_len = tmp.len;
        c->has_guid = 1;
        return 0;
    default:
        return 0;
    }
}

static int
on_scalar(void *ud, struct jsonstream *js, enum jsonstream_scalar type, const char *s, size_t len)
{
    struct sarif *p = ud;
    enum pos pos = where(js);

    if (pos == P_OTHER)
        return 0;
    if (pos == P_R_SECSEV) {
        p->res.sev = sev_of(p->c_numeric, type, s, len);
        return 0;
    }
    if (pos == P_RULE_SECSEV) {
        p->rule.sev = sev_of(p->c_numeric, type, s, len);
        return 0;
    }
    if (pos == P_R_URI) {
        if (type == JSONSTREAM_STRING)
            report_text(p->res.uri, sizeof(p->res.uri), s, len, 1);
        return 0;
    }
    if (pos == P_R_LINE) {
        uint64_t v = 0;
        size_t i;

        for (i = 0; type == JSONSTREAM_NUMBER && i < len && i < 18 && s[i] >= '0' && s[i] <= '9';
             i++)
            v = v * 10 + (uint64_t)(s[i] - '0');
        p->res.line = type == JSONSTREAM_NUMBER && i == len ? v : 0;
        return 0;
    }
    /* an index of -1 is the schema's default: no index */
    if (type == JSONSTREAM_NULL ||
        ((pos == P_R_RULEINDEX || pos == P_RR_INDEX || pos == P_TC_INDEX) &&
         type == JSONSTREAM_NUMBER && str_is(s, len, "-1")))
        return on_null(p, js, pos);
    if (check_shape(js, pos, SHAPE_SCALAR) < 0)
        return -1;
    switch (pos) {
    case P_INV_SUCCESS:
        if (type != JSONSTREAM_TRUE && type != JSONSTREAM_FALSE)
            return fail_here(js, "is not a boolean");
        if (type == JSONSTREAM_FALSE && !p->run.exec_failed) {
            p->run.exec_failed = 1;
            p->run.failed_inv = jsonstream_index(js, 3);
        }
        return 0;
    case P_R_RULEINDEX:
        p->res.has_rule_index = 1;
        return parse_index(js, &p->res.rule_index, type, s, len);
    case P_RR_INDEX:
        p->res.has_rr_index = 1;
        return parse_index(js, &p->res.rr_index, type, s, len);
    case P_TC_INDEX:
        p->res.has_tc_index = 1;
        return parse_index(js, &p->res.tc_index, type, s, len);
    default:
        break;
    }
    if (type != JSONSTREAM_STRING)
        return fail_here(js, "is not a string");
    return on_string(p, js, pos, s, len);
}

static const struct jsonstream_handlers sarif_handlers = {
    .key_tag = sarif_key_tag,
    .scalar = on_scalar,
    .start_map = on_start_map,
    .end_map = on_end_map,
    .start_array = on_start_array,
};

int
report_sarif_parse(struct security_summary *out, const char *path, unsigned char sha[32],
                   uint64_t *bytes, struct err *e)
{
    struct sarif *p = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (sodium_init() < 0)
        return err_set(e, EXIT_EVAL, "cannot parse '%s': libsodium failed to start", path);
    p = calloc(1, sizeof(*p));
    if (!p)
        return err_set(e, EXIT_EVAL, "cannot parse '%s': out of memory", path);
    p->out = out;
    run_init(&p->run);
    p->c_numeric = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (p->c_numeric == (locale_t)0) {
        err_set(e, EXIT_EVAL, "cannot parse '%s': out of memory", path);
        goto done;
    }
    crypto_shorthash_keygen(p->hashkey);
    if (jsonstream_parse_file(path, &sarif_handlers, p, sha, bytes, e) < 0)
        goto done;
    if (!p->runs_seen) {
        err_set(e, EXIT_EVAL, "cannot parse '%s': no 'runs' array (not a SARIF log)", path);
        goto done;
    }
    if (!p->version_seen) {
        err_set(e, EXIT_EVAL, "cannot parse '%s': no 'version' (expected SARIF \"2.1.0\")", path);
        goto done;
    }
    if (out->runs == 0) {
        err_set(e, EXIT_EVAL, "cannot parse '%s': 'runs' is empty: no analysis ran", path);
        goto done;
    }
    rc = 0;
done:
    if (rc < 0)
        memset(out, 0, sizeof(*out));
    run_release(&p->run);
    if (p->c_numeric != (locale_t)0)
        freelocale(p->c_numeric);
    free(p);
    return rc;
}
