#include "core/ledger/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/file.h"
#include "core/base/sig.h"
#include "core/ledger/scan.h"
#include "core/ledger/sign.h"
#include "core/base/testhooks.h"

#define AUDIT_MAX_ATTEMPTS 500
#define AUDIT_MAX_ENTRY (4 * 1024 * 1024)
#define AUDIT_MAX_FRONTIER 8192

void
audit_crashpoint(const char *step)
{
    const char *at = testhooks_getenv("PROMOTE_CRASH_AT");

    if (at && strcmp(at, step) == 0)
        raise(SIGKILL);
    testhooks_pause(step);
}

void
audit_key_name(char *out, size_t outsz, const char *key_id)
{
    snprintf(out, outsz, "promote/%s", key_id);
}

static void
hex(char *out, const unsigned char *b, size_t n)
{
    sodium_bin2hex(out, 2 * n + 1, b, n);
}

/* Canonical payloads carry no reals: a real becomes its shortest decimal string. */
static json_t *
no_reals(const json_t *v)
{
    const char *k;
    json_t *x, *out;
    size_t i;
    char num[64];

    if (json_is_real(v)) {
        snprintf(num, sizeof(num), "%.15g", json_real_value(v));
        return json_string(num);
    }
    if (json_is_object(v)) {
        out = json_object();
        json_object_foreach((json_t *)v, k, x) json_object_set_new(out, k, no_reals(x));
        return out;
    }
    if (json_is_array(v)) {
        out = json_array();
        for (i = 0; i < json_array_size(v); i++)
            json_array_append_new(out, no_reals(json_array_get(v, i)));
        return out;
    }
    return json_incref((json_t *)v);
}

json_t *
audit_decision_statement(const struct decision *d, const struct audit_subject *s)
{
    json_t *gates = json_array(), *ext, *pred, *st, *levels = json_array();
    char stamp[32], res[768], shahex[65];
    struct tm tm;
    size_t i;

    for (i = 0; i < d->n_results; i++) {
        const struct gate_result *r = &d->results[i];
        json_t *ev = json_null();

        if (r->evidence_path) {
            if (r->has_sha256)
                hex(shahex, r->sha256, 32);
            ev = json_pack("{s:s, s:s?}", "path", r->evidence_path, "sha256",
                           r->has_sha256 ? shahex : NULL);
        }
        json_array_append_new(
            gates, json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "name", r->name, "type",
                             r->type, "status", decision_status_name(r->verdict), "summary",
                             r->finding.summary, "details",
                             r->finding.details ? no_reals(r->finding.details) : json_object(),
                             "evidence", ev, "data",
                             r->data ? no_reals(r->data) : json_null()));
    }
    if (!gmtime_r(&s->now, &tm)) {
        json_decref(gates);
        json_decref(levels);
        return NULL;
    }
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(res, sizeof(res), "%s/environments/%s", s->repo_uri, d->to);
    if (d->verdict == DECISION_APPROVED) {
        char level[160];

        snprintf(level, sizeof(level), "PROMOTE_%s_TO_%s", d->from, d->to);
        json_array_append_new(levels, json_string(level));
    }
    ext = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s, s:s, s:o}", "kind", "decision", "from",
                    d->from, "to", d->to, "actor", d->actor[0] ? d->actor : NULL, "run_url",
                    s->run_url, "verdict", decision_verdict_name(d->verdict), "policy_source",
                    d->policy_source, "gates", gates);
    pred = json_pack("{s:{s:s, s:{s:s}}, s:s, s:s, s:{s:s, s:{s:s}}, s:s, s:o, s:o}", "verifier",
                     "id", AUDIT_VERIFIER, "version", "promote", PROMOTE_VERSION, "timeVerified",
                     stamp, "resourceUri", res, "policy", "uri", s->policy_uri, "digest",
                     "sha256", d->policy_sha256, "verificationResult",
                     d->verdict == DECISION_APPROVED ? "PASSED" : "FAILED", "verifiedLevels",
                     levels, AUDIT_EXTENSION, ext);
    st = json_pack("{s:s, s:[{s:s, s:{s:s}}], s:s, s:o}", "_type",
                   "https://in-toto.io/Statement/v1", "subject", "name", s->repo_uri, "digest",
                   "gitCommit", d->commit, "predicateType", AUDIT_VSA, "predicate", pred);
    return st;
}

json_t *
audit_event_statement(const char *kind, const char *env, const char *commit, const char *actor,
                      const json_t *fields, const struct audit_subject *s)
{
    char stamp[32];
    struct tm tm;
    json_t *pred;

    if (!gmtime_r(&s->now, &tm))
        return NULL;
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
    pred = fields ? no_reals(fields) : json_object();
    if (!pred)
        return NULL;
    json_object_set_new(pred, "kind", json_string(kind));
    json_object_set_new(pred, "env", json_string(env));
    json_object_set_new(pred, "time", json_string(stamp));
    json_object_set_new(pred, "actor", actor ? json_string(actor) : json_null());
    json_object_set_new(pred, "run_url", s->run_url ? json_string(s->run_url) : json_null());
    json_object_set_new(pred, "verifier",
                        json_pack("{s:s, s:{s:s}}", "id", AUDIT_VERIFIER, "version", "promote",
                                  PROMOTE_VERSION));
    return json_pack("{s:s, s:[{s:s, s:{s:s}}], s:s, s:o}", "_type",
                     "https://in-toto.io/Statement/v1", "subject", "name", s->repo_uri, "digest",
                     "gitCommit", commit, "predicateType", AUDIT_EVENT, "predicate", pred);
}

/* ---------------------------------------------------------------- reading */

void
audit_log_release(struct audit_log *log)
{
    size_t i;

    for (i = 0; i < log->n; i++) {
        free(log->items[i].bytes);
        free(log->items[i].checkpoint);
        free(log->items[i].frontier);
    }
    free(log->items);
    memset(log, 0, sizeof(*log));
}

size_t
audit_size(const struct audit_log *log)
{
    return log->base + log->n;
}

const char *
audit_commit_at(const struct audit_log *log, size_t seq)
{
    if (seq == 0)
        return "";
    if (seq == log->base)
        return log->base_tip;
    if (seq < log->base || seq > audit_size(log))
        return NULL;
    return log->items[seq - log->base - 1].commit;
}

/* The entry of SEQ, or NULL when it is not in LOG's tail. */
static const struct audit_item *
item_at(const struct audit_log *log, size_t seq)
{
    if (seq <= log->base || seq > audit_size(log))
        return NULL;
    return &log->items[seq - log->base - 1];
}

/* Read the entries of the commits IDS (oldest first) into OUT, after its BASE. */
static int
load_items(struct audit_log *out, struct repo *r, const struct repo_link *ids, size_t n,
           struct err *e)
{
    size_t i;

    out->items = calloc(n ? n : 1, sizeof(*out->items));
    if (!out->items)
        return err_set(e, EXIT_EVAL, "out of memory");
    for (i = 0; i < n; i++) {
        struct audit_item *it = &out->items[i];
        struct buf b = BUF_INIT, c = BUF_INIT;
        struct err ce = ERR_INIT;

        snprintf(it->commit, sizeof(it->commit), "%s", ids[i].commit);
        out->n++;
        if (repo_read_at_link(r, &ids[i], AUDIT_ENTRY_FILE, AUDIT_MAX_ENTRY, &b, e) < 0) {
            buf_release(&b);
            e->code = EXIT_TAMPER;
            return err_prefix(e, "seq %zu", out->base + i + 1);
        }
        it->len = b.len;
        it->bytes = buf_detach(&b);
        sign_leaf_hash(it->leaf, (const unsigned char *)it->bytes, it->len);
        it->has_leaf = 1;
        /* the checkpoint verification checks, and what the next append needs: the tip's
         * only (core/ledger/audit.h) */
        if (i + 1 == n && !out->open_end &&
            repo_read_at_link(r, &ids[i], AUDIT_CHECKPOINT_FILE, AUDIT_MAX_ENTRY, &c, &ce) == 0) {
            it->checkpoint_len = c.len;
            it->checkpoint = buf_detach(&c);
        }
        buf_release(&c);
        if (i + 1 == n && !out->open_end &&
            repo_read_at_link(r, &ids[i], AUDIT_FRONTIER_FILE, AUDIT_MAX_FRONTIER, &c, &ce) == 0) {
            it->frontier_len = c.len;
            it->frontier = buf_detach(&c);
        }
        buf_release(&c);
    }
    return 0;
}

static int payload_hash(unsigned char out[32], const struct audit_item *it, struct err *e);

static int
load_chain(struct audit_log *out, struct repo *r, const char *tip, struct err *e)
{
    struct repo_link *ids = NULL;
    size_t n = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!tip[0])
        return 0;
    if (repo_chain(r, tip, &ids, &n, e) < 0)
        return -1;
    rc = load_items(out, r, ids, n, e);
    free(ids);
    if (rc < 0)
        audit_log_release(out);
    return rc;
}

void
audit_item_release(struct audit_item *it)
{
    free(it->bytes);
    free(it->checkpoint);
    free(it->frontier);
    memset(it, 0, sizeof(*it));
}

int
audit_read_entry(struct audit_item *out, struct repo *r, const char *commit, uint64_t seq,
                 struct err *e)
{
    struct buf b = BUF_INIT;

    memset(out, 0, sizeof(*out));
    if (!commit || strlen(commit) != 40)
        return err_set(e, EXIT_EVAL, "seq %llu: no log commit", (unsigned long long)seq);
    snprintf(out->commit, sizeof(out->commit), "%s", commit);
    if (repo_read_at_commit(r, commit, AUDIT_ENTRY_FILE, AUDIT_MAX_ENTRY, &b, e) < 0) {
        buf_release(&b);
        e->code = EXIT_TAMPER;
        return err_prefix(e, "seq %llu", (unsigned long long)seq);
    }
    out->len = b.len;
    out->bytes = buf_detach(&b);
    return 0;
}

/* One batch read on a thread of its own while the one before is handed to the caller:
 * entries FIRST + 1 .. FIRST + N of the chain IDS into PART. */
struct batch_read {
    struct repo *r;
    const struct repo_link *ids;
    size_t first, n;
    struct audit_log part;
    struct err e;
    int rc;
    pthread_t tid;
    int started; /* on its thread: join before anything else reads R or PART */
};

static void *
batch_read_run(void *arg)
{
    struct batch_read *b = arg;

    b->rc = load_items(&b->part, b->r, b->ids + b->first, b->n, &b->e);
    return NULL;
}

/* Start reading entries FIRST + 1 .. FIRST + N of IDS (TOTAL of them) into B: on a thread
 * when one starts, else here. */
static void
batch_read_start(struct batch_read *b, struct repo *r, const struct repo_link *ids, size_t first,
                 size_t n, size_t total)
{
    memset(b, 0, sizeof(*b));
    b->r = r;
    b->ids = ids;
    b->first = first;
    b->n = n;
    b->e = (struct err)ERR_INIT;
    b->part.base = first;
    b->part.open_end = first + n < total;
    sign_frontier_init(&b->part.base_frontier);
    b->started = pthread_create(&b->tid, NULL, batch_read_run, b) == 0;
    if (!b->started)
        batch_read_run(b);
}

/* Wait for B: its result, E set from it when it failed. */
static int
batch_read_wait(struct batch_read *b, struct err *e)
{
    if (b->started)
        pthread_join(b->tid, NULL);
    b->started = 0;
    if (b->rc < 0)
        *e = b->e;
    return b->rc;
}

int
audit_load_batches(struct audit_log *out, struct repo *r, const char *tip, size_t batch,
                   audit_batch_fn fn, void *ctx, struct err *e)
{
    struct batch_read next;
    struct audit_log part;
    struct repo_link *ids = NULL;
    size_t n = 0, k, i, m;
    int rc = -1, reading = 0;

    memset(out, 0, sizeof(*out));
    memset(&part, 0, sizeof(part));
    sign_frontier_init(&part.base_frontier);
    if (!tip[0])
        return fn(out, 1, ctx, e);
    if (repo_chain(r, tip, &ids, &n, e) < 0)
        return -1;
    m = n < batch ? n : batch;
    batch_read_start(&next, r, ids, 0, m, n);
    reading = 1;
    for (k = 0; k < n; k += m) {
        /* the batch read becomes the one handed over, and the one after it is read
         * meanwhile (only that thread touches the repository until it is joined) */
        reading = 0;
        if (batch_read_wait(&next, e) < 0) {
            audit_log_release(&next.part);
            goto done;
        }
        next.part.base_frontier = part.base_frontier;
        memcpy(next.part.base_prev, part.base_prev, 32);
        memcpy(next.part.base_tip, part.base_tip, sizeof(part.base_tip));
        audit_log_release(&part);
        part = next.part;
        m = part.n;
        if (k + m < n) {
            batch_read_start(&next, r, ids, k + m, n - k - m < batch ? n - k - m : batch, n);
            reading = 1;
        }
        if (fn(&part, !part.open_end, ctx, e) < 0)
            goto done;
        if (!part.open_end)
            break;
        /* what the next batch starts from: this one's frontier, prev and last commit */
        for (i = 0; i < part.n; i++)
            sign_frontier_add(&part.base_frontier, part.items[i].leaf);
        if (payload_hash(part.base_prev, &part.items[part.n - 1], e) < 0) {
            err_prefix(e, "seq %zu", k + m);
            goto done;
        }
        snprintf(part.base_tip, sizeof(part.base_tip), "%s", ids[k + m - 1].commit);
    }
    *out = part;
    memset(&part, 0, sizeof(part));
    rc = 0;
done:
    if (reading) {
        struct err ignored = ERR_INIT;

        batch_read_wait(&next, &ignored);
        audit_log_release(&next.part);
    }
    audit_log_release(&part);
    free(ids);
    return rc;
}

int
audit_load_tip(struct audit_log *out, struct repo *r, const char *tip, struct err *e)
{
    return load_chain(out, r, tip, e);
}

int
audit_load_after(struct audit_log *out, struct repo *r, const char *tip,
                 const struct audit_point *p, struct err *e)
{
    struct merkle_frontier f;
    unsigned char prev[32], root[32];
    struct buf b = BUF_INIT;
    struct err ne = ERR_INIT;
    struct repo_link *ids = NULL;
    size_t n = 0;
    int reached = 0, usable, rc;

    memset(out, 0, sizeof(*out));
    if (!tip[0] || !p || !p->size || !p->tip[0])
        return load_chain(out, r, tip, e);
    /* the point's own commit says what its entries hash to: it must be what was
     * remembered of them */
    usable = repo_read_at_commit(r, p->tip, AUDIT_FRONTIER_FILE, AUDIT_MAX_FRONTIER, &b, &ne) == 0 &&
             audit_frontier_parse(&f, prev, b.ptr, b.len) == 0 && f.size == p->size;
    buf_release(&b);
    if (usable) {
        sign_frontier_root(root, &f);
        usable = memcmp(root, p->root, 32) == 0;
    }
    /* and the next prev is the hash of that entry's own payload, not what a file says */
    if (usable) {
        struct audit_item it;

        memset(&it, 0, sizeof(it));
        usable = repo_read_at_commit(r, p->tip, AUDIT_ENTRY_FILE, AUDIT_MAX_ENTRY, &b, &ne) == 0;
        it.bytes = b.ptr;
        it.len = b.len;
        usable = usable && payload_hash(prev, &it, &ne) == 0;
        buf_release(&b);
    }
    if (usable && repo_chain_after(r, tip, p->tip, &ids, &n, &reached, e) < 0)
        return -1;
    if (!usable || !reached) {
        free(ids);
        return load_chain(out, r, tip, e);
    }
    out->base = (size_t)p->size;
    out->base_frontier = f;
    memcpy(out->base_prev, prev, 32);
    snprintf(out->base_tip, sizeof(out->base_tip), "%s", p->tip);
    rc = load_items(out, r, ids, n, e);
    free(ids);
    if (rc < 0)
        audit_log_release(out);
    return rc;
}

int
audit_load(struct audit_log *out, struct repo *r, const char *ref, struct err *e)
{
    char tip[41];

    memset(out, 0, sizeof(*out));
    if (repo_ref_tip(r, ref, tip, e) < 0)
        return -1;
    return load_chain(out, r, tip, e);
}

json_t *
audit_payload(const struct audit_item *it, char id[65])
{
    struct dsse d;
    struct err e = ERR_INIT;
    unsigned char h[32];
    json_t *j;

    if (sign_parse(&d, it->bytes, it->len, &e) < 0)
        return NULL;
    sign_sha256(h, -1, d.payload, d.payload_len);
    if (id)
        hex(id, h, 32);
    j = json_loadb((const char *)d.payload, d.payload_len, JSON_REJECT_DUPLICATES, NULL);
    sign_dsse_release(&d);
    return j;
}

/* ---------------------------------------------------------------- append */

/* SHA-256 of the payload of an entry (for prev). */
static int
payload_hash(unsigned char out[32], const struct audit_item *it, struct err *e)
{
    struct dsse d;

    if (sign_parse(&d, it->bytes, it->len, e) < 0)
        return -1;
    sign_sha256(out, -1, d.payload, d.payload_len);
    sign_dsse_release(&d);
    return 0;
}

int
audit_frontier_format(struct buf *out, const struct merkle_frontier *f, const unsigned char prev[32])
{
    char h[65];
    unsigned i;

    hex(h, prev, 32);
    if (buf_addf(out, "promote frontier 1\nsize %llu\nprev %s\n", (unsigned long long)f->size,
                 h) < 0)
        return -1;
    for (i = 0; i < f->n; i++) {
        hex(h, f->node[i], 32);
        if (buf_addf(out, "node %s\n", h) < 0)
            return -1;
    }
    return 0;
}

/* HEX (64 digits, lower case) into OUT: 0, or -1. */
static int
unhex32(unsigned char out[32], const char *hexs)
{
    size_t bl;

    if (strspn(hexs, "0123456789abcdef") != 64 ||
        sodium_hex2bin(out, 32, hexs, 64, NULL, &bl, NULL) != 0 || bl != 32)
        return -1;
    return 0;
}

int
audit_frontier_parse(struct merkle_frontier *f, unsigned char prev[32], const char *text,
                     size_t len)
{
    char line[160];
    const char *p = text, *end = text + len, *nl;
    unsigned long long size;
    char *tail;
    int k = 0;

    sign_frontier_init(f);
    while (p < end) {
        nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl || (size_t)(nl - p) >= sizeof(line))
            return -1;
        memcpy(line, p, (size_t)(nl - p));
        line[nl - p] = '\0';
        p = nl + 1;
        if (k == 0 && strcmp(line, "promote frontier 1") != 0)
            return -1;
        if (k == 1) {
            if (strncmp(line, "size ", 5) != 0 || line[5] < '0' || line[5] > '9')
                return -1;
            errno = 0;
            size = strtoull(line + 5, &tail, 10);
            if (errno || *tail)
                return -1;
            f->size = size;
        }
        if (k == 2 && (strncmp(line, "prev ", 5) != 0 || unhex32(prev, line + 5) < 0))
            return -1;
        if (k > 2) {
            if (f->n == 64 || strncmp(line, "node ", 5) != 0 || unhex32(f->node[f->n], line + 5) < 0)
                return -1;
            f->n++;
        }
        k++;
    }
    /* one node per one bit of the size: the perfect subtrees */
    if (k < 3 || f->n != (unsigned)__builtin_popcountll(f->size))
        return -1;
    return 0;
}

/* The frontier of LOG's first N entries (LOG->base <= N <= its size). */
void
audit_frontier_at(struct merkle_frontier *f, const struct audit_log *log, size_t n)
{
    unsigned char leaf[32];
    size_t i;

    *f = log->base_frontier;
    if (!log->base)
        sign_frontier_init(f);
    for (i = 0; log->base + i < n && i < log->n; i++) {
        sign_leaf_hash(leaf, (const unsigned char *)log->items[i].bytes, log->items[i].len);
        sign_frontier_add(f, leaf);
    }
}

/* The payload hash of entry SEQ of LOG (LOG->base <= SEQ): the next entry's prev. */
static int
prev_at(unsigned char out[32], const struct audit_log *log, size_t seq, struct err *e)
{
    const struct audit_item *it = item_at(log, seq);

    memset(out, 0, 32);
    if (seq == 0)
        return 0;
    if (seq == log->base) {
        memcpy(out, log->base_prev, 32);
        return 0;
    }
    if (!it)
        return err_set(e, EXIT_EVAL, "entry %zu of the audit log was not read", seq);
    if (payload_hash(out, it, e) < 0)
        return err_prefix(e, "seq %zu", seq);
    return 0;
}

int
audit_entry_make(struct audit_entry *out, const struct merkle_frontier *f,
                 const unsigned char prev[32], const json_t *statement, const struct key *k,
                 const char *origin, struct err *e)
{
    struct buf payload = BUF_INIT;
    unsigned char nonce_bin[16], leaf[32];
    char prevhex[65], key_name[160], nonce[33];
    json_t *st = NULL, *pred;
    size_t n = (size_t)f->size;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    out->next = *f;
    hex(prevhex, prev, 32);
    st = json_deep_copy(statement);
    pred = st ? json_object_get(st, "predicate") : NULL;
    /* two appenders recording the same fact in the same second would otherwise write
     * byte-identical entries (Ed25519 is deterministic) and collapse into one */
    randombytes_buf(nonce_bin, sizeof(nonce_bin));
    hex(nonce, nonce_bin, sizeof(nonce_bin));
    if (!pred || json_object_set_new(pred, "nonce", json_string(nonce)) < 0 ||
        json_object_set_new(pred, "seq", json_integer((json_int_t)n + 1)) < 0 ||
        json_object_set_new(pred, "prev", json_string(prevhex)) < 0) {
        err_set(e, EXIT_EVAL, "cannot build the statement");
        goto done;
    }
    if (sign_canonical(&payload, st, e) < 0 ||
        sign_envelope(&out->envelope, SIGN_PAYLOAD_TYPE, (const unsigned char *)payload.ptr,
                      payload.len, k, e) < 0)
        goto done;
    sign_leaf_hash(leaf, (const unsigned char *)out->envelope.ptr, out->envelope.len);
    sign_frontier_add(&out->next, leaf);
    sign_frontier_root(out->root, &out->next);
    sign_sha256(out->id, -1, payload.ptr, payload.len);
    audit_key_name(key_name, sizeof(key_name), k->id);
    if (sign_checkpoint(&out->checkpoint, origin, n + 1, out->root, key_name, k, e) < 0)
        goto done;
    if (audit_frontier_format(&out->frontier, &out->next, out->id) < 0) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    out->seq = n + 1;
    rc = 0;
done:
    json_decref(st);
    buf_release(&payload);
    if (rc < 0)
        audit_entry_release(out);
    return rc;
}

void
audit_entry_release(struct audit_entry *x)
{
    buf_release(&x->envelope);
    buf_release(&x->checkpoint);
    buf_release(&x->frontier);
}

/* The commit of STATEMENT as the entry after the F->size entries of frontier F, the last
 * of them PARENT ("" when none) with payload hash PREV; signed by K. Moves no ref. On
 * success F and PREV are the log's after this entry. BYTES (may be NULL) gets the
 * envelope line. */
static int
build_entry(struct audit_appended *out, struct buf *bytes, struct repo *r,
            struct merkle_frontier *f, unsigned char prev[32], const char *parent,
            const json_t *statement, const struct key *k, const char *origin, struct err *e)
{
    struct audit_entry x;
    struct repo_file files[3];
    char msg[128];
    int rc = -1;

    if (audit_entry_make(&x, f, prev, statement, k, origin, e) < 0)
        return -1;
    files[0].name = AUDIT_CHECKPOINT_FILE;
    files[0].data = x.checkpoint.ptr;
    files[0].len = x.checkpoint.len;
    files[1].name = AUDIT_ENTRY_FILE;
    files[1].data = x.envelope.ptr;
    files[1].len = x.envelope.len;
    files[2].name = AUDIT_FRONTIER_FILE;
    files[2].data = x.frontier.ptr;
    files[2].len = x.frontier.len;
    snprintf(msg, sizeof(msg), "promote: audit entry %llu", (unsigned long long)x.seq);
    audit_crashpoint("before-objects");
    if (repo_commit_files(r, parent[0] ? parent : NULL, files, 3, msg, (long long)time(NULL),
                          out->commit, e) < 0)
        goto done;
    *f = x.next;
    memcpy(prev, x.id, 32);
    memcpy(out->root, x.root, 32);
    out->seq = x.seq;
    hex(out->id, x.id, 32);
    if (bytes && buf_add(bytes, x.envelope.ptr, x.envelope.len) < 0) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    rc = 0;
done:
    audit_entry_release(&x);
    return rc;
}

/* The frontier and the last payload hash of the log ending at TIP: the tip's stored
 * frontier (a log written by this promote), else computed once from the whole chain (a
 * log written before frontiers were stored). */
static int
tip_state(struct merkle_frontier *f, unsigned char prev[32], struct repo *r, const char *tip,
          struct err *e)
{
    struct audit_log log;
    struct buf b = BUF_INIT;
    struct err ne = ERR_INIT;
    int rc = -1;

    sign_frontier_init(f);
    memset(prev, 0, 32);
    if (!tip[0])
        return 0;
    if (repo_read_at_commit(r, tip, AUDIT_FRONTIER_FILE, AUDIT_MAX_FRONTIER, &b, &ne) == 0 &&
        audit_frontier_parse(f, prev, b.ptr, b.len) == 0) {
        buf_release(&b);
        return 0;
    }
    buf_release(&b);
    if (load_chain(&log, r, tip, e) < 0)
        return -1;
    audit_frontier_at(f, &log, log.n);
    if (log.n && payload_hash(prev, &log.items[log.n - 1], e) < 0)
        err_prefix(e, "the last audit entry (seq %zu) is unreadable", log.n);
    else
        rc = 0;
    audit_log_release(&log);
    return rc;
}

static int
append_once(struct audit_appended *out, struct repo *r, const char *ref, const json_t *statement,
            const struct key *k, const char *origin, int *lost, struct err *e)
{
    struct merkle_frontier f;
    unsigned char prev[32];
    char tip[41];
    int cas;

    *lost = 0;
    if (repo_ref_tip(r, ref, tip, e) < 0 || tip_state(&f, prev, r, tip, e) < 0 ||
        build_entry(out, NULL, r, &f, prev, tip, statement, k, origin, e) < 0)
        return -1;
    audit_crashpoint("before-ref");
    cas = repo_ref_cas(r, ref, out->commit, tip, e);
    if (cas < 0)
        return -1;
    if (cas == 1) {
        *lost = 1;
        return 0;
    }
    audit_crashpoint("after-ref");
    return 0;
}

int
audit_append(struct audit_appended *out, struct repo *r, const char *ref,
             const json_t *statement, const struct key *k, const char *origin, struct err *e)
{
    int attempt, lost;

    memset(out, 0, sizeof(*out));
    for (attempt = 0; attempt < AUDIT_MAX_ATTEMPTS; attempt++) {
        if (append_once(out, r, ref, statement, k, origin, &lost, e) < 0)
            return -1;
        if (!lost)
            return 0;
        usleep(1000 + randombytes_uniform(20000)); /* someone else appended: re-chain */
    }
    return err_set(e, EXIT_EVAL, "cannot append to the audit log: %d attempts lost the race",
                   AUDIT_MAX_ATTEMPTS);
}

int
audit_bulk_begin(struct audit_bulk *b, struct repo *r, const char *ref, struct err *e)
{
    memset(b, 0, sizeof(*b));
    if (strlen(ref) >= sizeof(b->ref))
        return err_set(e, EXIT_USAGE, "the ref name '%.64s...' is too long", ref);
    snprintf(b->ref, sizeof(b->ref), "%s", ref);
    if (repo_ref_tip(r, ref, b->start, e) < 0)
        return -1;
    snprintf(b->tip, sizeof(b->tip), "%s", b->start);
    return tip_state(&b->f, b->prev, r, b->tip, e);
}

int
audit_bulk_add(struct audit_appended *out, struct audit_bulk *b, struct repo *r,
               const json_t *statement, const struct key *k, const char *origin, struct err *e)
{
    memset(out, 0, sizeof(*out));
    if (build_entry(out, NULL, r, &b->f, b->prev, b->tip, statement, k, origin, e) < 0)
        return -1;
    snprintf(b->tip, sizeof(b->tip), "%s", out->commit);
    return 0;
}

int
audit_bulk_end(struct audit_bulk *b, struct repo *r, struct err *e)
{
    int cas;

    if (strcmp(b->tip, b->start) == 0)
        return 0;
    cas = repo_ref_cas(r, b->ref, b->tip, b->start, e);
    if (cas == 1)
        return err_set(e, EXIT_EVAL, "%s moved while entries were being added in bulk", b->ref);
    return cas;
}

/* Replace, in the predicate of ST and in its decision extension, every string equal to
 * an id OLD[i] by NEW[i]. */
static void
follow_ids(json_t *st, const struct audit_appended *old, const struct audit_appended *new_,
           size_t n)
{
    json_t *objs[2], *v;
    const char *key;
    size_t i, j;

    objs[0] = json_object_get(st, "predicate");
    objs[1] = json_object_get(objs[0], AUDIT_EXTENSION);
    for (j = 0; j < 2; j++) {
        if (!json_is_object(objs[j]))
            continue;
        json_object_foreach(objs[j], key, v) {
            for (i = 0; i < n && json_is_string(v); i++)
                if (strcmp(json_string_value(v), old[i].id) == 0) {
                    json_string_set(v, new_[i].id);
                    break;
                }
        }
    }
}

int
audit_rechain(char new_tip[41], struct audit_appended *map, struct repo *r,
              const struct audit_log *onto, const struct audit_log *local, size_t from,
              const struct key *k, const char *origin, struct err *e)
{
    struct merkle_frontier f;
    unsigned char prev[32] = {0};
    struct audit_appended *old = NULL;
    struct buf bytes = BUF_INIT;
    char parent[41] = "";
    size_t i, n = audit_size(onto), count = audit_size(local) - from;
    json_t *st = NULL, *pred;
    int rc = -1;

    if (from < local->base)
        return err_set(e, EXIT_EVAL, "entry %zu of the audit log was not read", from + 1);
    audit_frontier_at(&f, onto, n);
    old = calloc(count ? count : 1, sizeof(*old));
    if (!old) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    if (n) {
        snprintf(parent, sizeof(parent), "%s", audit_commit_at(onto, n));
        if (prev_at(prev, onto, n, e) < 0)
            goto done;
    }
    for (i = 0; i < count; i++) {
        const struct audit_item *it = item_at(local, from + i + 1);

        st = audit_payload(it, old[i].id);
        pred = json_object_get(st, "predicate");
        if (!json_is_object(pred)) {
            err_set(e, EXIT_TAMPER, "seq %zu: unreadable audit entry", from + i + 1);
            goto done;
        }
        old[i].seq = from + i + 1;
        json_object_del(pred, "seq");
        json_object_del(pred, "prev");
        json_object_del(pred, "nonce");
        follow_ids(st, old, map, i);
        bytes.len = 0;
        if (build_entry(&map[i], &bytes, r, &f, prev, parent, st, k, origin, e) < 0)
            goto done;
        json_decref(st);
        st = NULL;
        snprintf(parent, sizeof(parent), "%s", map[i].commit);
    }
    snprintf(new_tip, 41, "%s", parent);
    rc = 0;
done:
    json_decref(st);
    buf_release(&bytes);
    free(old);
    return rc;
}

/* ---------------------------------------------------------------- verification */

int
audit_trust_from_policy(struct audit_trust *out, const json_t *keys, struct err *e)
{
    size_t i;

    memset(out, 0, sizeof(*out));
    if (!keys)
        return 0;
    if (!json_is_array(keys) || json_array_size(keys) > 32)
        return err_set(e, EXIT_USAGE, "$.trusted_keys: must be an array of at most 32 keys");
    for (i = 0; i < json_array_size(keys); i++) {
        const json_t *k = json_array_get(keys, i);
        const char *id = json_string_value(json_object_get(k, "id"));
        const char *pk = json_string_value(json_object_get(k, "public_key"));
        const char *name = json_string_value(json_object_get(k, "name"));
        const json_t *nas = json_object_get(k, "not_after_seq");
        struct audit_key *ak = &out->keys[out->n];

        if (!json_is_object(k) || !id || !pk || !name || keys_pk_from_base64(ak->pk, pk) < 0)
            return err_set(e, EXIT_USAGE,
                           "$.trusted_keys[%zu]: needs id, public_key (base64 of 32 bytes) and "
                           "name",
                           i);
        keys_id(ak->id, ak->pk);
        if (strcmp(ak->id, id) != 0)
            return err_set(e, EXIT_USAGE,
                           "$.trusted_keys[%zu].id: '%s' is not the id of its public key (%s)", i,
                           id, ak->id);
        if (nas && (!json_is_integer(nas) || json_integer_value(nas) < 1))
            return err_set(e, EXIT_USAGE,
                           "$.trusted_keys[%zu].not_after_seq: must be a positive integer", i);
        ak->not_after_seq = nas ? (uint64_t)json_integer_value(nas) : 0;
        snprintf(ak->name, sizeof(ak->name), "%s", name);
        out->n++;
    }
    return 0;
}

static const char *
str(const json_t *v)
{
    const char *s = json_string_value(v);

    return s ? s : "";
}

/* Verify one entry's signature; names why not in E. */
static int
verify_entry(const struct dsse *d, uint64_t seq, const struct audit_trust *t, struct err *e)
{
    size_t i, j;
    int hinted = 0;

    for (i = 0; i < t->n; i++) {
        const struct audit_key *k = &t->keys[i];

        for (j = 0; j < d->n_sigs; j++)
            if (strcmp(d->sigs[j].keyid, k->id) == 0)
                hinted = 1;
        if (sign_verify(d, k->pk) == 0) {
            if (k->not_after_seq && seq > k->not_after_seq)
                return err_set(e, EXIT_TAMPER,
                               "seq %llu: signed by key %s, retired after seq %llu",
                               (unsigned long long)seq, k->id,
                               (unsigned long long)k->not_after_seq);
            return 0;
        }
    }
    return err_set(e, EXIT_TAMPER, "seq %llu: %s", (unsigned long long)seq,
                   hinted ? "bad signature" : "not signed by any trusted key (unknown key)");
}

/* The seq entry IT's statement claims, or -1 (no verification: for naming a misplacement). */
static json_int_t
claimed_seq(const struct audit_item *it)
{
    json_t *st = audit_payload(it, NULL);
    const json_t *seq = json_object_get(json_object_get(st, "predicate"), "seq");
    json_int_t v = json_is_integer(seq) ? json_integer_value(seq) : -1;

    json_decref(st);
    return v;
}

/* Why the entry at position SEQ of LOG claims GOT: the entry of SEQ is elsewhere in the
 * log (reordered), GOT's own position holds GOT too (a duplicate), or SEQ is nowhere (a
 * gap). */
static void
misplaced(char *why, size_t whysz, const struct audit_log *log, uint64_t seq, json_int_t got)
{
    const struct audit_item *dup = got > 0 ? item_at(log, (size_t)got) : NULL;
    size_t j, at = 0;

    if (dup && (uint64_t)got < seq && claimed_seq(dup) == got) {
        snprintf(why, whysz, "a duplicate: seq %lld is also at position %lld", (long long)got,
                 (long long)got);
        return;
    }
    for (j = 0; j < log->n && !at; j++)
        if (log->base + j + 1 != seq && claimed_seq(&log->items[j]) == (json_int_t)seq)
            at = log->base + j + 1;
    if (at)
        snprintf(why, whysz, "reordered: the entry of seq %llu is at position %zu",
                 (unsigned long long)seq, at);
    else if (got > 0 && (uint64_t)got > seq)
        snprintf(why, whysz, "a gap: the entry of seq %llu is missing", (unsigned long long)seq);
    else
        snprintf(why, whysz, "a duplicate or misplaced entry");
}

/* ---- the checks of one entry, which need no other entry: on every core ---- */

#define VERIFY_PER_THREAD 256 /* entries a thread is worth: fewer than twice this, none */
#define VERIFY_MAX_THREADS 64

/* What the checks of one entry found, kept for every entry checked (a log may have
 * 100 000): hashes and the numbers the order-dependent checks compare, nothing more. */
struct entry_check {
    unsigned char payload_hash[32]; /* what the next entry's prev must be */
    unsigned char leaf[32];         /* its RFC 6962 leaf hash */
    unsigned char prev[32];         /* the prev it claims, when PREV_OK */
    json_int_t seq;                 /* the seq it claims */
    int prev_ok;                    /* it claims a prev of 64 lower-case hex digits */
};

#define VERIFY_RUN 32 /* entries a thread takes at a time */

/* Entries BEGIN .. END - 1 of a log (indexes of its items), checked by one thread. A run
 * stops at its first bad entry, the only one of the run that can be named: BAD (END when
 * none), and why in E. */
struct check_run {
    size_t begin, end, bad;
    struct err e;
};

/* The runs of one verification, taken in turn by every thread until none is left (so
 * that the threads finish together however the machine shares its cores), each checking
 * into CHECKS[i - FIRST]. */
struct check_pool {
    const struct audit_log *log;
    const struct audit_trust *trust;
    struct entry_check *checks;
    size_t first;
    struct check_run *runs;
    size_t nruns;
    atomic_size_t next; /* the run to take next */
};

/* What the checks read of the statement PAYLOAD (LEN bytes) into OUT, by jansson: 0, or
 * -1 when it is not canonical JSON (CANON is scratch). For a statement scan_canonical
 * declines; it reads what scan_canonical reads. */
static int
statement_head(struct scan_head *out, struct buf *canon, const unsigned char *payload,
               size_t len)
{
    json_t *st = json_loadb((const char *)payload, len, JSON_REJECT_DUPLICATES, NULL);
    const json_t *pred, *seq;
    struct err ce = ERR_INIT;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    canon->len = 0;
    if (!st || sign_canonical(canon, st, &ce) < 0 || canon->len != len ||
        memcmp(canon->ptr, payload, len) != 0)
        goto done;
    pred = json_object_get(st, "predicate");
    seq = json_object_get(pred, "seq");
    snprintf(out->type, sizeof(out->type), "%s", str(json_object_get(st, "_type")));
    snprintf(out->predicate_type, sizeof(out->predicate_type), "%s",
             str(json_object_get(st, "predicateType")));
    if (strlen(str(json_object_get(pred, "prev"))) < sizeof(out->prev))
        snprintf(out->prev, sizeof(out->prev), "%s", str(json_object_get(pred, "prev")));
    if (json_is_integer(seq)) {
        out->seq = json_integer_value(seq);
        out->seq_set = 1;
    }
    rc = 0;
done:
    json_decref(st);
    return rc;
}

/* Check entry I of LOG (seq LOG->base + I + 1) on its own: one line, a DSSE envelope of
 * a canonical promote statement with a seq, signed by a trusted key not retired at its
 * seq. CANON is scratch. Tamper is named as audit_verify_log names it. */
static int
check_entry(struct entry_check *out, struct buf *canon, const struct audit_log *log, size_t i,
            const struct audit_trust *trust, struct err *e)
{
    const struct audit_item *it = &log->items[i];
    uint64_t seq = log->base + i + 1;
    struct scan_head h;
    struct dsse d;
    int rc = -1, scanned;

    memset(out, 0, sizeof(*out));
    memset(&d, 0, sizeof(d));
    if (it->len == 0 || it->bytes[it->len - 1] != '\n' || memchr(it->bytes, '\n', it->len - 1))
        return err_set(e, EXIT_TAMPER, "seq %llu: the entry is not one line ending in a newline",
                       (unsigned long long)seq);
    if (sign_parse(&d, it->bytes, it->len, e) < 0)
        return err_prefix(e, "seq %llu", (unsigned long long)seq);
    if (strcmp(d.payload_type, SIGN_PAYLOAD_TYPE) != 0) {
        err_set(e, EXIT_TAMPER, "seq %llu: payloadType is not %s", (unsigned long long)seq,
                SIGN_PAYLOAD_TYPE);
        goto done;
    }
    if (verify_entry(&d, seq, trust, e) < 0)
        goto done;
    /* canonical, read in one pass; what the scan declines, jansson decides */
    scanned = scan_canonical(&h, d.payload, d.payload_len);
    if (scanned < 0) {
        err_set(e, EXIT_EVAL, "cannot verify the audit log: out of memory");
        goto done;
    }
    if (!scanned && statement_head(&h, canon, d.payload, d.payload_len) < 0) {
        err_set(e, EXIT_TAMPER, "seq %llu: the payload is not a canonical JSON statement",
                (unsigned long long)seq);
        goto done;
    }
    if ((strcmp(h.predicate_type, AUDIT_VSA) != 0 && strcmp(h.predicate_type, AUDIT_EVENT) != 0) ||
        strcmp(h.type, "https://in-toto.io/Statement/v1") != 0) {
        err_set(e, EXIT_TAMPER, "seq %llu: not a promote statement", (unsigned long long)seq);
        goto done;
    }
    if (!h.seq_set) {
        err_set(e, EXIT_TAMPER, "seq %llu: the statement has no seq", (unsigned long long)seq);
        goto done;
    }
    out->seq = h.seq;
    /* equal to the hex of the previous payload hash exactly when it is 64 lower-case hex
     * digits (as a C string, as the chain was always compared) that decode to it */
    out->prev_ok = strlen(h.prev) == 64 && unhex32(out->prev, h.prev) == 0;
    sign_sha256(out->payload_hash, -1, d.payload, d.payload_len);
    if (it->has_leaf)
        memcpy(out->leaf, it->leaf, 32);
    else
        sign_leaf_hash(out->leaf, (const unsigned char *)it->bytes, it->len);
    rc = 0;
done:
    sign_dsse_release(&d);
    return rc;
}

static void *
run_checks(void *arg)
{
    struct check_pool *pool = arg;
    struct buf canon = BUF_INIT;
    size_t c, i;

    while ((c = atomic_fetch_add(&pool->next, 1)) < pool->nruns) {
        struct check_run *run = &pool->runs[c];

        for (i = run->begin; i < run->end; i++) {
            if (check_entry(&pool->checks[i - pool->first], &canon, pool->log, i, pool->trust,
                            &run->e) < 0) {
                run->bad = i;
                break;
            }
        }
    }
    buf_release(&canon);
    return NULL;
}

/* How many threads check the entries left (todo of them): WANT when set, else one per
 * online core but none (the caller's only) for fewer than 2 x VERIFY_PER_THREAD entries. */
static size_t
verify_threads(size_t todo, unsigned want)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t n = want;

    if (!n) {
        n = todo / VERIFY_PER_THREAD;
        if (cores < 1)
            cores = 1;
        if (n > (size_t)cores)
            n = (size_t)cores;
    }
    if (n > todo)
        n = todo;
    if (n > VERIFY_MAX_THREADS)
        n = VERIFY_MAX_THREADS;
    return n ? n : 1;
}

/* Check entries FIRST .. LOG->n - 1 of LOG into CHECKS as the runs of POOL (NRUNS of
 * VERIFY_RUN entries, set here), on NTHREADS threads: this one and NTHREADS - 1 more (as
 * many of them as start). */
static void
check_all(struct check_pool *pool, struct check_run *runs, size_t nruns, size_t nthreads,
          struct entry_check *checks, const struct audit_log *log, size_t first,
          const struct audit_trust *trust)
{
    pthread_t tids[VERIFY_MAX_THREADS];
    size_t c, started = 0;

    pool->log = log;
    pool->trust = trust;
    pool->checks = checks;
    pool->first = first;
    pool->runs = runs;
    pool->nruns = nruns;
    atomic_init(&pool->next, 0);
    for (c = 0; c < nruns; c++) {
        runs[c].begin = first + c * VERIFY_RUN;
        runs[c].end = c + 1 == nruns ? log->n : runs[c].begin + VERIFY_RUN;
        runs[c].bad = runs[c].end;
        runs[c].e = (struct err)ERR_INIT;
    }
    for (c = 1; c < nthreads; c++)
        if (pthread_create(&tids[started], NULL, run_checks, pool) == 0)
            started++;
    run_checks(pool);
    for (c = 0; c < started; c++)
        pthread_join(tids[c], NULL);
}

int
audit_verify_log(struct audit_verified *out, const struct audit_log *log, size_t from,
                 const struct audit_trust *trust, struct err *e)
{
    return audit_verify_log_threads(out, log, from, trust, 0, e);
}

int
audit_verify_log_threads(struct audit_verified *out, const struct audit_log *log, size_t from,
                         const struct audit_trust *trust, unsigned threads, struct err *e)
{
    unsigned char prev[32] = {0};
    struct merkle_frontier f;
    struct checkpoint cp;
    const struct audit_key *cpkey = NULL;
    struct entry_check *checks = NULL;
    struct check_pool pool;
    struct check_run *runs = NULL;
    size_t i, c, nruns, first, size = audit_size(log);
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (size > from && trust->n == 0)
        return err_set(e, EXIT_USAGE, "no trusted keys: the policy lists none (trusted_keys) "
                                      "and none were given with --pubkey");
    if (from < log->base)
        return err_set(e, EXIT_EVAL, "entry %zu of the audit log was not read", from + 1);
    if (from > size)
        from = size;
    audit_frontier_at(&f, log, from);
    if (prev_at(prev, log, from, e) < 0)
        goto done;
    first = from - log->base;
    if (first < log->n) {
        nruns = (log->n - first + VERIFY_RUN - 1) / VERIFY_RUN;
        checks = malloc((log->n - first) * sizeof(*checks));
        runs = calloc(nruns, sizeof(*runs));
        if (!checks || !runs) {
            err_set(e, EXIT_EVAL, "cannot verify the audit log: out of memory");
            goto done;
        }
        check_all(&pool, runs, nruns, verify_threads(log->n - first, threads), checks, log,
                  first, trust);
        /* then what depends on the entries before, in log order: the first bad entry is
         * the one named, whichever thread found what */
        for (c = 0; c < nruns; c++) {
            for (i = runs[c].begin; i < runs[c].bad; i++) {
                const struct entry_check *k = &checks[i - first];
                uint64_t seq = log->base + i + 1;

                if ((uint64_t)k->seq != seq) {
                    char why[128];

                    misplaced(why, sizeof(why), log, seq, k->seq);
                    err_set(e, EXIT_TAMPER, "seq %llu: entry says seq %lld (%s)",
                            (unsigned long long)seq, (long long)k->seq, why);
                    goto done;
                }
                if (!k->prev_ok || memcmp(k->prev, prev, 32) != 0) {
                    err_set(e, EXIT_TAMPER,
                            "seq %llu: prev does not match the previous entry (a broken chain)",
                            (unsigned long long)seq);
                    goto done;
                }
                memcpy(prev, k->payload_hash, 32);
                sign_frontier_add(&f, k->leaf);
            }
            if (runs[c].bad < runs[c].end) {
                *e = runs[c].e;
                goto done;
            }
        }
    }
    sign_frontier_root(out->root, &f);
    if (log->n && size > from && !log->open_end) {
        const struct audit_item *tip = &log->items[log->n - 1];
        char kn[160];

        if (!tip->checkpoint ||
            sign_checkpoint_parse(&cp, tip->checkpoint, tip->checkpoint_len, e) < 0) {
            err_set(e, EXIT_TAMPER, "seq %zu: the checkpoint is missing or malformed", size);
            goto done;
        }
        for (i = 0; i < trust->n && !cpkey; i++) {
            audit_key_name(kn, sizeof(kn), trust->keys[i].id);
            if (strcmp(kn, cp.key_name) == 0)
                cpkey = &trust->keys[i];
        }
        snprintf(kn, sizeof(kn), "%s", cp.key_name); /* verify refills CP */
        if (!cpkey || sign_checkpoint_verify(&cp, tip->checkpoint, tip->checkpoint_len, kn,
                                             cpkey->pk, e) < 0) {
            err_set(e, EXIT_TAMPER, "seq %zu: the checkpoint's signature does not verify with a "
                                    "trusted key", size);
            goto done;
        }
        if (cp.size != size || memcmp(cp.root, out->root, 32) != 0) {
            err_set(e, EXIT_TAMPER,
                    "seq %zu: the checkpoint (size %llu) does not match the log (a rewrite or "
                    "truncation)",
                    size, (unsigned long long)cp.size);
            goto done;
        }
        /* what the next append builds on must be what the log is */
        if (tip->frontier) {
            struct merkle_frontier stored;
            unsigned char sprev[32];

            if (audit_frontier_parse(&stored, sprev, tip->frontier, tip->frontier_len) < 0 ||
                stored.size != f.size || stored.n != f.n ||
                memcmp(stored.node, f.node, 32 * f.n) != 0 || memcmp(sprev, prev, 32) != 0) {
                err_set(e, EXIT_TAMPER,
                        "seq %zu: the stored frontier does not match the log (a rewrite)", size);
                goto done;
            }
        }
    }
    out->size = size;
    rc = 0;
done:
    free(checks);
    free(runs);
    return rc;
}

/* ---------------------------------------------------------------- remembered state */

int
audit_point_at(struct audit_point *out, const struct audit_log *log, size_t n, struct err *e)
{
    struct merkle_frontier f;

    memset(out, 0, sizeof(*out));
    if (n > audit_size(log))
        return err_set(e, EXIT_EVAL, "no point %zu in a log of %zu entries", n, audit_size(log));
    if (n < log->base)
        return err_set(e, EXIT_EVAL, "entry %zu of the audit log was not read", n);
    audit_frontier_at(&f, log, n);
    sign_frontier_root(out->root, &f);
    out->size = n;
    snprintf(out->tip, sizeof(out->tip), "%s", audit_commit_at(log, n));
    return 0;
}

int
audit_extends(const struct audit_log *log, const struct audit_point *p, const char *what,
              struct err *e)
{
    struct audit_point here;

    if (p->size > audit_size(log))
        return err_set(e, EXIT_TAMPER,
                       "the log has %zu entries but %s had %llu (truncation or rollback)",
                       audit_size(log), what, (unsigned long long)p->size);
    if (audit_point_at(&here, log, (size_t)p->size, e) < 0)
        return -1;
    if (memcmp(here.root, p->root, 32) != 0)
        return err_set(e, EXIT_TAMPER,
                       "the first %llu entries no longer match %s (history was rewritten)",
                       (unsigned long long)p->size, what);
    if (p->tip[0] && strcmp(here.tip, p->tip) != 0)
        return err_set(e, EXIT_TAMPER,
                       "entry %llu is commit %.12s, not %.12s as %s had it (the log does not "
                       "descend from it: history was rewritten)",
                       (unsigned long long)p->size, here.tip, p->tip, what);
    return 0;
}

size_t
audit_common(const struct audit_log *a, const struct audit_log *b)
{
    size_t from = a->base > b->base ? a->base : b->base, i;
    size_t end = audit_size(a) < audit_size(b) ? audit_size(a) : audit_size(b);
    const char *ca, *cb;

    /* entries up to FROM are shared when entry FROM is (each commit names its parent) */
    if (from > end)
        return AUDIT_UNKNOWN;
    ca = audit_commit_at(a, from);
    cb = audit_commit_at(b, from);
    if (!ca || !cb || strcmp(ca, cb) != 0)
        return from ? AUDIT_UNKNOWN : 0;
    for (i = from + 1; i <= end; i++)
        if (strcmp(audit_commit_at(a, i), audit_commit_at(b, i)) != 0)
            break;
    return i - 1;
}

int
audit_check_expect(const struct audit_log *log, const char *expect, struct err *e)
{
    struct audit_point p;
    unsigned long long sz;
    char rh[80];
    size_t bl;

    memset(&p, 0, sizeof(p));
    if (sscanf(expect, "%llu:%79s", &sz, rh) != 2 || strlen(rh) != 64 ||
        sodium_hex2bin(p.root, 32, rh, 64, NULL, &bl, NULL) != 0 || bl != 32)
        return err_set(e, EXIT_USAGE, "--expect wants SIZE:ROOTHEX (64 hex digits)");
    p.size = sz;
    return audit_extends(log, &p, "--expect", e);
}

#define STATE_MAGIC "promote audit state 2"

/* "SIZE ROOTHEX TIP" (TIP "-" when unknown) into P: 0, or -1 when malformed. */
static int
point_parse(struct audit_point *p, const char *s)
{
    char rh[80], tip[80];
    unsigned long long n;
    size_t bl;
    int k;

    memset(p, 0, sizeof(*p));
    k = sscanf(s, "%llu %79s %79s", &n, rh, tip);
    if (k < 2 || strlen(rh) != 64 || sodium_hex2bin(p->root, 32, rh, 64, NULL, &bl, NULL) != 0 ||
        bl != 32)
        return -1;
    p->size = n;
    if (k == 3 && strcmp(tip, "-") != 0) {
        if (strlen(tip) != 40 || strspn(tip, "0123456789abcdef") != 40)
            return -1;
        memcpy(p->tip, tip, 41); /* 40 hex digits and the NUL, checked above */
    }
    return 0;
}

int
audit_state_parse(struct audit_state *out, const char *text, size_t len)
{
    char line[300];
    size_t at = 0, l;
    int first = 1, v2 = 0;

    memset(out, 0, sizeof(*out));
    while (at < len) {
        const char *nl = memchr(text + at, '\n', len - at);

        l = nl ? (size_t)(nl - (text + at)) : len - at;
        if (l >= sizeof(line))
            return -1;
        memcpy(line, text + at, l);
        line[l] = '\0';
        at += l + (nl ? 1 : 0);
        if (first && strcmp(line, STATE_MAGIC) == 0) {
            v2 = 1;
        } else if (first) {
            /* an older promote's "SIZE ROOTHEX": what it last verified locally */
            if (point_parse(&out->local, line) < 0 || out->local.tip[0])
                return -1;
            out->has_local = 1;
        } else if (!v2) {
            if (line[0])
                return -1;
        } else if (strncmp(line, "seen ", 5) == 0 && !out->has_seen) {
            if (point_parse(&out->seen, line + 5) < 0)
                return -1;
            out->has_seen = 1;
        } else if (strncmp(line, "local ", 6) == 0 && !out->has_local) {
            if (point_parse(&out->local, line + 6) < 0)
                return -1;
            out->has_local = 1;
        } else if (strncmp(line, "trust ", 6) == 0 && !out->has_trust) {
            if (unhex32(out->trust, line + 6) < 0 || line[6 + 64])
                return -1;
            out->has_trust = 1;
        } else if (line[0]) {
            return -1;
        }
        first = 0;
    }
    return first ? -1 : 0;
}

static int
point_format(struct buf *out, const char *name, const struct audit_point *p)
{
    char rh[65];

    hex(rh, p->root, 32);
    return buf_addf(out, "%s %llu %s %s\n", name, (unsigned long long)p->size, rh,
                    p->tip[0] ? p->tip : "-");
}

int
audit_state_format(struct buf *out, const struct audit_state *s)
{
    char th[65];

    hex(th, s->trust, 32);
    if (buf_adds(out, STATE_MAGIC "\n") < 0 ||
        (s->has_seen && point_format(out, "seen", &s->seen) < 0) ||
        (s->has_local && point_format(out, "local", &s->local) < 0) ||
        (s->has_trust && buf_addf(out, "trust %s\n", th) < 0))
        return -1;
    return 0;
}

void
audit_trust_digest(unsigned char out[32], const struct audit_trust *t)
{
    crypto_hash_sha256_state st;
    unsigned char seq[8];
    size_t i, j;

    crypto_hash_sha256_init(&st);
    for (i = 0; i < t->n; i++) {
        for (j = 0; j < 8; j++)
            seq[j] = (unsigned char)(t->keys[i].not_after_seq >> (56 - 8 * j));
        crypto_hash_sha256_update(&st, t->keys[i].pk, 32);
        crypto_hash_sha256_update(&st, (const unsigned char *)t->keys[i].id,
                                  strlen(t->keys[i].id) + 1);
        crypto_hash_sha256_update(&st, seq, 8);
    }
    crypto_hash_sha256_final(&st, out);
}

static int
state_path(char *out, size_t outsz, struct repo *r, const char *name)
{
    int n = snprintf(out, outsz, "%spromote%s%s", repo_commondir(r), name ? "/" : "",
                     name ? name : "");

    return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

int
audit_state_load(struct audit_state *out, struct repo *r, struct err *e)
{
    char path[1200], text[2048];
    size_t len;
    FILE *f;

    memset(out, 0, sizeof(*out));
    if (state_path(path, sizeof(path), r, "checkpoint") < 0)
        return err_set(e, EXIT_EVAL, "the repository's path is too long");
    f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT)
            return 0;
        return err_set(e, EXIT_EVAL, "cannot read '%s': %s", path, strerror(errno));
    }
    len = fread(text, 1, sizeof(text), f);
    if (ferror(f)) {
        fclose(f);
        return err_set(e, EXIT_EVAL, "cannot read '%s'", path);
    }
    fclose(f);
    if (len == sizeof(text) || audit_state_parse(out, text, len) < 0)
        return err_set(e, EXIT_TAMPER,
                       "'%s' (what this clone remembers of the audit log) is malformed; remove it "
                       "to trust the log on first use again",
                       path);
    return 0;
}

/* Does the file PATH hold exactly TEXT? */
static int
same_file(const char *path, const struct buf *text)
{
    char have[2048];
    size_t len;
    FILE *f = fopen(path, "r");

    if (!f)
        return 0;
    len = fread(have, 1, sizeof(have), f);
    fclose(f);
    return len == text->len && len < sizeof(have) && memcmp(have, text->ptr, len) == 0;
}

int
audit_state_store(struct repo *r, const struct audit_state *s, struct err *e)
{
    char path[1200], tmp[1300], dir[1200];
    struct buf text = BUF_INIT;
    int fd = -1, rc = -1;

    if (state_path(path, sizeof(path), r, "checkpoint") < 0 ||
        state_path(dir, sizeof(dir), r, NULL) < 0)
        return err_set(e, EXIT_EVAL, "the repository's path is too long");
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return err_set(e, EXIT_EVAL, "cannot create '%s': %s", dir, strerror(errno));
    snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
    if (audit_state_format(&text, s) < 0) {
        err_set(e, EXIT_EVAL, "out of memory");
        goto done;
    }
    if (same_file(path, &text)) {
        rc = 0; /* nothing new to remember: no write, no fsync */
        goto done;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || file_write_all(fd, text.ptr, text.len) < 0 || fsync(fd) < 0) {
        err_set(e, EXIT_EVAL, "cannot write '%s': %s", tmp, strerror(errno));
        goto done;
    }
    if (close(fd) < 0 || rename(tmp, path) < 0) {
        fd = -1;
        err_set(e, EXIT_EVAL, "cannot write '%s': %s", path, strerror(errno));
        goto done;
    }
    fd = -1;
    rc = 0;
done:
    if (fd >= 0)
        close(fd);
    if (rc < 0)
        unlink(tmp);
    buf_release(&text);
    return rc;
}

int
audit_lock(int *fd, struct repo *r, struct err *e)
{
    char path[1200], dir[1200];

    *fd = -1;
    if (state_path(path, sizeof(path), r, "lock") < 0 || state_path(dir, sizeof(dir), r, NULL) < 0)
        return err_set(e, EXIT_EVAL, "the repository's path is too long");
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return err_set(e, EXIT_EVAL, "cannot create '%s': %s", dir, strerror(errno));
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (*fd < 0)
        return err_set(e, EXIT_EVAL, "cannot open '%s': %s", path, strerror(errno));
    while (flock(*fd, LOCK_EX) < 0) {
        if (errno == EINTR && !sig_pending())
            continue;
        if (errno == EINTR) {
            close(*fd);
            *fd = -1;
            return err_set(e, EXIT_EVAL, "interrupted by %s while waiting for the lock '%s'",
                           sig_name(sig_pending()), path);
        }
        close(*fd);
        *fd = -1;
        return err_set(e, EXIT_EVAL, "cannot lock '%s': %s", path, strerror(errno));
    }
    return 0;
}

void
audit_unlock(int fd)
{
    if (fd >= 0)
        close(fd); /* releases the lock */
}
