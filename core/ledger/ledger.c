#include "core/ledger/ledger.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/ledger/history.h"
#include "core/ledger/index.h"
#include "core/base/sig.h"
#include "core/base/testhooks.h"
#include "core/ledger/witness.h"

#define LEDGER_NAMED 4 /* unpushed entries named in a message */

int
ledger_keys_for(struct ledger_keys *out, struct repo *r, const struct policy *p,
                const char *policy_ref, struct err *e)
{
    const char *ref = policy_ref ? policy_ref : "main";
    struct policy *prot = NULL;
    struct buf b = BUF_INIT;
    struct err ne = ERR_INIT;
    char used[256], commit[41], source[512];
    int rc = -1, found = 0;

    memset(out, 0, sizeof(*out));
    if (p->local_override && r &&
        repo_resolve_branch(r, ref, used, sizeof(used), commit, &ne) == 0) {
        found = repo_read_file_at_commit(r, commit, POLICY_PATH, POLICY_MAX_BYTES, &b, e);
        if (found < 0)
            goto done;
        snprintf(source, sizeof(source), "%s:%s", used, POLICY_PATH);
        if (found && policy_load(&prot, buf_str(&b), b.len, source, e) < 0)
            goto done;
    }
    if (!p->local_override || prot) {
        const struct policy *k = prot ? prot : p;

        if (audit_trust_from_policy(&out->trust, json_object_get(k->root, "trusted_keys"), e) < 0)
            goto done;
        snprintf(out->source, sizeof(out->source), "%s", k->source);
        snprintf(out->ref, sizeof(out->ref), "%s", k->audit_ref);
        out->allow_unprotected = k->audit_allow_unprotected;
        out->push_deadline_s = k->audit_push_deadline_s;
    } else {
        /* no protected policy: a local evaluation records nothing, and its policy is the
         * caller's own word; its keys are the only ones there are */
        if (audit_trust_from_policy(&out->trust, json_object_get(p->root, "trusted_keys"), e) < 0)
            goto done;
        snprintf(out->source, sizeof(out->source), "%s", p->source);
        snprintf(out->ref, sizeof(out->ref), "%s", p->audit_ref);
        out->allow_unprotected = p->audit_allow_unprotected;
        out->push_deadline_s = p->audit_push_deadline_s;
        out->local = 1;
    }
    rc = 0;
done:
    policy_free(prot);
    buf_release(&b);
    return rc;
}

void
ledger_release(struct ledger *l)
{
    audit_log_release(&l->log);
    json_decref(l->history);
    l->history = NULL;
    index_free(l->ix);
    l->ix = NULL;
}

/* Which remote, if any: 1 with its name and tracking ref, 0 none; --remote NAME that does
 * not exist is EXIT_USAGE. */
static int
which_remote(char name[64], char tracking[128], const struct ledger_req *rq, struct err *e)
{
    const char *n = rq->remote ? rq->remote : "origin";

    if (rq->no_remote)
        return 0;
    if (strlen(n) >= 64 || !repo_has_remote(rq->repo, n)) {
        if (rq->remote)
            return err_set(e, EXIT_USAGE, "no remote named '%.64s'", rq->remote);
        return 0;
    }
    snprintf(name, 64, "%s", n);
    snprintf(tracking, 128, "%s%s/audit", LEDGER_TRACKING_PREFIX, n);
    return 1;
}

int
ledger_remote(char name[64], const struct ledger_req *rq, struct err *e)
{
    char tracking[128];

    return which_remote(name, tracking, rq, e);
}

/* The largest of the points the log was checked to extend, for saying so: WHAT, with
 * NAME quoted after it when not NULL. */
static void
raise_floor(struct ledger *out, uint64_t size, const char *what, const char *name)
{
    if (size > out->floor_size || !out->floor_source[0]) {
        out->floor_size = size;
        snprintf(out->floor_source, sizeof(out->floor_source), "%s%s%.200s%s", what,
                 name ? " '" : "", name ? name : "", name ? "'" : "");
    }
}

/* The log the policy names does not exist (here nor on the remote NAME, "" for none):
 * refuse to begin a new log over the entries refs/promote/audit holds. */
static int
check_moved(const struct ledger_req *rq, const char *name, struct err *e)
{
    char tip[41], legacy[160];
    int found = 0;

    if (strcmp(rq->keys->ref, AUDIT_REF) == 0)
        return 0;
    if (repo_ref_tip(rq->repo, AUDIT_REF, tip, e) < 0)
        return -1;
    if (!tip[0] && name[0]) {
        snprintf(legacy, sizeof(legacy), "%s%s/legacy-audit", LEDGER_TRACKING_PREFIX, name);
        if (repo_fetch_ref(rq->repo, name, AUDIT_REF, legacy, &found, e) < 0)
            return err_prefix(e, "cannot fetch %s from '%s'", AUDIT_REF, name);
    }
    if (tip[0] || found)
        return err_set(e, EXIT_EVAL,
                       "the policy keeps the audit log on %s, which does not exist yet, while "
                       "%s holds entries%s%s%s: 'promote audit migrate' moves them (every entry "
                       "and checkpoint kept); nothing was read or recorded",
                       rq->keys->ref, AUDIT_REF, found ? " on '" : "", found ? name : "",
                       found ? "'" : "");
    return 0;
}

/* The kind of an entry (its decision extension's, or its event's). */
static void
entry_kind(char *out, size_t outsz, const struct audit_item *it, char id[65])
{
    json_t *st = audit_payload(it, id);
    const json_t *pred = json_object_get(st, "predicate");
    const json_t *ext = json_object_get(pred, AUDIT_EXTENSION);
    const char *k = json_string_value(json_object_get(ext ? ext : pred, "kind"));

    snprintf(out, outsz, "%s", k ? k : "unknown");
    json_decref(st);
}

/* EXIT_EVAL naming entries FROM + 1 .. of L, which REMOTE lacks (FROM >= L->base). */
static int
unpushed(const struct audit_log *l, size_t from, const char *remote, struct err *e)
{
    struct buf b = BUF_INIT;
    char kind[64], id[65];
    size_t i, size = audit_size(l), n = size - from;

    for (i = from; i < size && i < from + LEDGER_NAMED; i++) {
        entry_kind(kind, sizeof(kind), &l->items[i - l->base], id);
        buf_addf(&b, "%sseq %zu %s %.16s", i > from ? ", " : "", i + 1, kind, id);
    }
    if (n > LEDGER_NAMED)
        buf_addf(&b, " and %zu more", n - LEDGER_NAMED);
    err_set(e, EXIT_EVAL,
            "this clone holds %zu audit %s that '%s' lacks (%s); nothing was read from the "
            "log: 'promote audit push --key <file>' pushes %s (re-signed after the remote's "
            "entries if it moved meanwhile)",
            n, n == 1 ? "entry" : "entries", remote, buf_str(&b), n == 1 ? "it" : "them");
    buf_release(&b);
    return -1;
}

/* What a round of sync_once does. */
struct sync {
    int fetch;                    /* fetch first (else the tracking ref as last fetched) */
    int push;                     /* push what the remote lacks (needs rq->key) */
    struct audit_appended *entry; /* followed through a re-chain, may be NULL */
    int whole;     /* read from the first entry, not only after the index's last row */
    int in_memory; /* and hold every entry at once (else in batches, when nothing needs
                      them all: LEDGER_BATCH at a time) */
    int history;                  /* read the history the request's focus picks */
};

static void
follow(struct audit_appended *entry, const struct audit_log *l, size_t from,
       const struct audit_appended *map)
{
    size_t i;
    char id[65];
    json_t *st;

    if (!entry)
        return;
    for (i = from; i < audit_size(l); i++) {
        st = audit_payload(&l->items[i - l->base], id);
        json_decref(st);
        if (strcmp(id, entry->id) == 0) {
            *entry = map[i - from];
            return;
        }
    }
}

/* Entries read at once when the whole log is read only to be verified and indexed
 * (promote-test: PROMOTE_BATCH, so that the tests cross batches on small logs). */
#define LEDGER_BATCH 4096

static size_t
batch_size(void)
{
    const char *v = testhooks_getenv("PROMOTE_BATCH");
    long n = v ? strtol(v, NULL, 10) : 0;

    return n > 0 ? (size_t)n : LEDGER_BATCH;
}

/* A whole log read in batches: each is verified (from VFROM), checked against what this
 * clone remembers, and indexed, then dropped. */
struct batched {
    const struct ledger_req *rq;
    const struct audit_state *st;
    size_t vfrom;
    int verify;
    struct index *ix;
    struct audit_point ix_tip; /* the index's last row, as far as it matches the log */
    int reindex;               /* it does not: made again in a second pass */
};

static int
batch_one(const struct audit_log *part, int last, void *ctx, struct err *e)
{
    struct batched *b = ctx;
    struct audit_verified v;
    size_t size = audit_size(part), from = b->vfrom > part->base ? b->vfrom : part->base;
    uint64_t ls = b->st->has_local ? b->st->local.size : 0;
    const char *c;
    int rc;

    if (b->verify) {
        if (audit_verify_log(&v, part, from, &b->rq->keys->trust, e) < 0)
            return -1;
        if (ls > part->base && (ls <= size || last) &&
            audit_extends(part, &b->st->local, "the checkpoint this clone saw", e) < 0)
            return -1;
    }
    if (b->reindex || (b->ix_tip.size > size && !last))
        return 0;
    if (b->ix_tip.size > part->base && b->ix_tip.size <= size) {
        c = audit_commit_at(part, (size_t)b->ix_tip.size);
        if (!c || strcmp(c, b->ix_tip.tip) != 0) {
            b->reindex = 1;
            return 0;
        }
    }
    rc = index_sync(b->ix, part, e);
    if (rc == 1)
        b->reindex = 1;
    else if (rc == 0 && index_tip(&b->ix_tip, b->ix, e) < 0)
        return -1;
    return rc < 0 ? -1 : 0;
}

/* A tamper E found in the log ending at TIP is named as the whole log, verified from
 * FROM, shows it: the first bad entry and where its seq went. Returns -1. */
static int
name_first_bad(struct err *e, const struct ledger_req *rq, const char *tip, size_t from)
{
    struct audit_verified fv;
    struct audit_log whole;
    struct err fe = ERR_INIT;

    memset(&whole, 0, sizeof(whole));
    if (e->code == EXIT_TAMPER && audit_load_tip(&whole, rq->repo, tip, &fe) == 0 &&
        audit_verify_log(&fv, &whole, from, &rq->keys->trust, &fe) < 0 && fe.code == EXIT_TAMPER)
        *e = fe;
    audit_log_release(&whole);
    return -1;
}

/* Read the whole log ending at TIP in batches into L (its last batch): verified from
 * VFROM, checked to extend ST's local point, indexed. */
static int
read_in_batches(struct audit_log *l, const struct ledger_req *rq, const struct audit_state *st,
                size_t vfrom, struct index *ix, const char *tip, struct err *e)
{
    struct batched b;
    struct err ne = ERR_INIT;
    int rc;

    memset(&b, 0, sizeof(b));
    b.rq = rq;
    b.st = st;
    b.vfrom = vfrom;
    b.verify = 1;
    b.ix = ix;
    if (index_tip(&b.ix_tip, ix, &ne) < 0 && index_clear(ix, e) < 0)
        return -1;
    /* every byte read is verified here (signatures, and the Merkle root over the entries
     * that the checkpoint signs): git need not hash each object again */
    repo_hash_objects(0);
    rc = audit_load_batches(l, rq->repo, tip, batch_size(), batch_one, &b, e);
    repo_hash_objects(1);
    if (rc < 0)
        return name_first_bad(e, rq, tip, vfrom);
    if (!b.reindex)
        return 0;
    /* the index described another log: made again, nothing verified twice */
    audit_log_release(l);
    memset(&b.ix_tip, 0, sizeof(b.ix_tip));
    b.reindex = 0;
    b.verify = 0;
    if (index_clear(ix, e) < 0 ||
        audit_load_batches(l, rq->repo, tip, batch_size(), batch_one, &b, e) < 0)
        return -1;
    return b.reindex ? err_set(e, EXIT_EVAL, "cannot index the audit log") : 0;
}

/* The roots a witness of the entries before a tail read is checked against: those the
 * index holds (up to LOCAL's base), then LOCAL's own (up to SHARED entries, which the
 * log checked is known to share with LOCAL). */
struct roots {
    struct index *ix;
    const struct audit_log *local;
    size_t shared;
};

static int
root_before(unsigned char root[32], void *ctx, uint64_t size, struct err *e)
{
    const struct roots *rs = ctx;
    struct audit_point p;

    if (size <= rs->local->base)
        return index_root_at(root, rs->ix, size, e);
    if (size > rs->shared)
        return err_set(e, EXIT_EVAL, "entry %llu of the audit log was not read",
                       (unsigned long long)size);
    if (audit_point_at(&p, rs->local, (size_t)size, e) < 0)
        return -1;
    memcpy(root, p.root, 32);
    return 0;
}

/* The point of the index's last row, when the log may be read from there: nothing asks
 * for the whole log, the keys are those this clone verified with, and the row is at or
 * before what this clone verified (audit_load_after checks it against the log). */
static const struct audit_point *
index_base(struct audit_point *ipt, struct index *ix, const struct audit_state *st,
           const unsigned char digest[32], int whole)
{
    struct err ne = ERR_INIT;

    if (whole || !st->has_local || !st->local.tip[0] || !st->has_trust ||
        memcmp(st->trust, digest, 32) != 0 || index_tip(ipt, ix, &ne) < 0 || !ipt->size ||
        ipt->size > st->local.size)
        return NULL;
    return ipt;
}

/* One round of ledger_open or ledger_push, under the clone's lock: OUT gets the verified
 * log; *RETRY is set when someone else moved a ref first (a lost compare-and-swap, a
 * rejected push), and HOW->whole with it when the round must read the whole log. */
static int
sync_once(struct ledger *out, const struct ledger_req *rq, struct sync *how, int *retry,
          struct err *e)
{
    struct audit_state st;
    struct audit_log l, rl, nl;
    struct audit_verified vl, vr;
    struct audit_point p, ipt, lbase;
    const struct audit_point *base, *rbase;
    struct audit_appended *map = NULL;
    struct index *ix = NULL;
    char name[64] = "", tracking[128] = "", ltip[41], rtip[41], new_tip[41];
    const char *what_local = "the checkpoint this clone saw";
    char what_remote[160];
    struct witness_set wits = {0, 0, NULL};
    struct roots rs;
    unsigned char digest[32];
    size_t vfrom, lsize, rsize;
    const struct witness *floor;
    int fd = -1, rc = -1, use_remote, found, cas, synced, batched = 0;
    size_t k = 0, from;

    *retry = 0;
    memset(&l, 0, sizeof(l));
    memset(&rl, 0, sizeof(rl));
    memset(&nl, 0, sizeof(nl));
    use_remote = which_remote(name, tracking, rq, e);
    if (use_remote < 0)
        return -1;
    snprintf(what_remote, sizeof(what_remote), "the log this clone saw on '%s'", name);
    found = 1;
    if (use_remote && how->fetch &&
        repo_fetch_ref(rq->repo, name, rq->keys->ref, tracking, &found, e) < 0)
        return err_prefix(e, "cannot fetch the audit log from '%s'", name);
    if (audit_lock(&fd, rq->repo, e) < 0)
        return -1;
    audit_trust_digest(digest, &rq->keys->trust);
    if (audit_state_load(&st, rq->repo, e) < 0 || index_open(&ix, rq->repo, e) < 0 ||
        repo_ref_tip(rq->repo, rq->keys->ref, ltip, e) < 0)
        goto done;
    /* this clone's log extends what this clone appended or verified before; the entries
     * after it are verified, or all of them with --full, a fresh clone, or other keys */
    vfrom = !rq->full && st.has_local && st.local.tip[0] && st.has_trust &&
                    memcmp(st.trust, digest, 32) == 0
                ? (size_t)st.local.size
                : 0;
    /* this clone's log: only what was added since the index's last row is read; a whole
     * log nothing needs at once is read, verified and indexed in batches */
    base = index_base(&ipt, ix, &st, digest, how->whole);
    batched = !base && !how->in_memory && !rq->whole && ltip[0];
    if ((batched ? read_in_batches(&l, rq, &st, vfrom, ix, ltip, e)
                 : audit_load_after(&l, rq->repo, ltip, base, e)) < 0 ||
        (!ltip[0] && (!use_remote || !found) && check_moved(rq, use_remote ? name : "", e) < 0) ||
        witness_collect(&wits, rq->repo, &rq->keys->trust, e) < 0)
        goto done;
    floor = witness_floor(&wits);
    if (!batched && st.has_local && audit_extends(&l, &st.local, what_local, e) < 0) {
        name_first_bad(e, rq, ltip, 0); /* when one is bad, not only that the log changed */
        goto done;
    }
    if (!batched && audit_verify_log(&vl, &l, vfrom, &rq->keys->trust, e) < 0)
        goto done;
    out->v.verified_from = vfrom;
    st.has_trust = 1;
    memcpy(st.trust, digest, 32);
    out->v.had_remembered = st.has_local;
    out->v.remembered_size = st.local.size;
    rs.ix = ix;
    rs.local = &l;
    rs.shared = audit_size(&l);
    if (use_remote) {
        /* the remote's log, read after what this clone saw there: what it shares with
         * ours is verified already; it must extend what this clone saw there (a smaller
         * or rewritten log is a rollback) */
        rbase = NULL;
        if (!how->in_memory && st.has_seen && st.seen.tip[0] && st.seen.size >= l.base)
            rbase = &st.seen;
        else if (!how->in_memory && l.base && audit_point_at(&lbase, &l, l.base, e) == 0)
            rbase = &lbase; /* where ours was read from: the remote shares it, mostly */
        if (repo_ref_tip(rq->repo, tracking, rtip, e) < 0 ||
            audit_load_after(&rl, rq->repo, rtip, rbase, e) < 0)
            goto done;
        k = audit_common(&l, &rl);
        if (k == AUDIT_UNKNOWN) {
            /* the two tails do not overlap: read both whole */
            how->whole = 1;
            how->in_memory = 1;
            *retry = 1;
            rc = 0;
            goto done;
        }
        rs.shared = k;
        lsize = audit_size(&l);
        rsize = audit_size(&rl);
        from = k < rsize ? k : (rsize ? rsize - 1 : 0);
        if (from < rl.base)
            from = rl.base;
        if (audit_verify_log(&vr, &rl, from, &rq->keys->trust, e) < 0 ||
            (st.has_seen && st.seen.size >= rl.base &&
             audit_extends(&rl, &st.seen, what_remote, e) < 0) ||
            /* before the tail: the remote's entries are ours there, which the index holds */
            (st.has_seen && st.seen.size < rl.base &&
             index_has_point(ix, &st.seen, what_remote, e) < 0) ||
            witness_check_tail(&rl, &wits, root_before, &rs, e) < 0) {
            err_prefix(e, "the audit log on '%s'", name);
            goto done;
        }
        if (st.has_seen)
            raise_floor(out, st.seen.size, "the log this clone saw on", name);
        out->remote_used = 1;
        snprintf(out->remote, sizeof(out->remote), "%s", name);
        out->v.had_remembered = st.has_seen;
        out->v.remembered_size = st.seen.size;
        if (audit_point_at(&st.seen, &rl, rsize, e) < 0)
            goto done;
        st.has_seen = 1;
        if (k == lsize) {
            /* nothing of ours the remote lacks: take what it has */
            if (rsize > lsize) {
                cas = repo_ref_cas(rq->repo, rq->keys->ref, rtip, ltip, e);
                if (cas != 0) {
                    *retry = cas == 1;
                    rc = cas == 1 ? 0 : -1;
                    goto done;
                }
                audit_log_release(&l);
                l = rl;
                memset(&rl, 0, sizeof(rl));
            }
        } else if (!how->push || !rq->key) {
            /* remember the remote's log we verified; ours stays as it is */
            if (audit_state_store(rq->repo, &st, e) < 0)
                goto done;
            unpushed(&l, k, name, e);
            goto done;
        } else {
            if (k < rsize) {
                /* the remote moved since: ours go after its entries, re-signed */
                map = calloc(lsize - k, sizeof(*map));
                if (!map) {
                    err_set(e, EXIT_EVAL, "out of memory");
                    goto done;
                }
                if (audit_rechain(new_tip, map, rq->repo, &rl, &l, k, rq->key, rq->origin, e) < 0 ||
                    audit_point_at(&p, &rl, rsize, e) < 0 ||
                    audit_load_after(&nl, rq->repo, new_tip, &p, e) < 0 ||
                    audit_verify_log(&vr, &nl, rsize, &rq->keys->trust, e) < 0) {
                    err_prefix(e, "cannot re-chain this clone's entries after those of '%s'", name);
                    goto done;
                }
                /* until the ref moves, remember only what the old and the new log share */
                if (audit_point_at(&st.local, &l, k, e) < 0)
                    goto done;
                st.has_local = 1;
                if (audit_state_store(rq->repo, &st, e) < 0)
                    goto done;
                cas = repo_ref_cas(rq->repo, rq->keys->ref, new_tip, ltip, e);
                if (cas != 0) {
                    *retry = cas == 1;
                    rc = cas == 1 ? 0 : -1;
                    goto done;
                }
                audit_crashpoint("after-rechain");
                follow(how->entry, &l, k, map);
                audit_log_release(&l);
                l = nl;
                memset(&nl, 0, sizeof(nl));
                snprintf(ltip, sizeof(ltip), "%s", new_tip);
                k = rsize;
            }
            if (audit_point_at(&st.local, &l, audit_size(&l), e) < 0)
                goto done;
            st.has_local = 1;
            if (audit_state_store(rq->repo, &st, e) < 0)
                goto done;
            audit_crashpoint("before-push");
            cas = repo_push(rq->repo, name, rq->keys->ref, e);
            if (cas < 0) {
                err_prefix(e,
                           "cannot push the audit log to '%s' (this clone keeps the "
                           "entries; the next run pushes them)",
                           name);
                goto done;
            }
            if (cas == 1) {
                *retry = 1;
                rc = 0;
                goto done;
            }
            audit_crashpoint("after-push");
            if (repo_ref_set(rq->repo, tracking, ltip, e) < 0 ||
                audit_point_at(&st.seen, &l, audit_size(&l), e) < 0)
                goto done;
            out->pushed = audit_size(&l) - k;
        }
    }
    /* without a remote, this clone's log is the one a witness speaks of (an empty one was
     * never fetched: nothing is read from it) */
    if (!use_remote && audit_size(&l) && witness_check_tail(&l, &wits, root_before, &rs, e) < 0)
        goto done;
    if (st.has_local && !use_remote)
        raise_floor(out, st.local.size, "the log this clone appended to", NULL);
    if (floor)
        raise_floor(out, floor->point.size, "tag", floor->tag);
    if (rq->expect && audit_check_expect(&l, rq->expect, e) < 0)
        goto done;
    if (rq->expect)
        raise_floor(out, (uint64_t)strtoull(rq->expect, NULL, 10), "--expect", NULL);
    if (audit_point_at(&p, &l, audit_size(&l), e) < 0)
        goto done;
    st.local = p;
    st.has_local = 1;
    if (audit_state_store(rq->repo, &st, e) < 0)
        goto done;
    /* the index follows the log that verified; one that needs entries not read is made
     * again from the whole log in another round */
    synced = index_sync(ix, &l, e);
    if (synced < 0)
        goto done;
    if (synced == 1) {
        how->whole = 1;
        how->in_memory = 1;
        *retry = 1;
        rc = 0;
        goto done;
    }
    if (how->history && index_history(&out->history, ix, rq->focus, e) < 0)
        goto done;
    out->v.size = p.size;
    memcpy(out->v.root, p.root, 32);
    audit_log_release(&out->log);
    out->log = l;
    memset(&l, 0, sizeof(l));
    index_free(out->ix);
    out->ix = ix;
    ix = NULL;
    rc = 0;
done:
    index_free(ix);
    audit_unlock(fd);
    witness_set_release(&wits);
    free(map);
    audit_log_release(&l);
    audit_log_release(&rl);
    audit_log_release(&nl);
    return rc;
}

static double
mono_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
sync_loop(struct ledger *out, const struct ledger_req *rq, struct sync *how, struct err *e)
{
    double limit =
        rq->keys->push_deadline_s > 0 ? rq->keys->push_deadline_s : LEDGER_PUSH_DEADLINE_S;
    double end = mono_s() + limit;
    int attempt, retry;
    unsigned int span;

    /* as long as others keep winning, keep trying until the deadline: each round costs
     * one fetch and one push, and every round some clone gets through */
    for (attempt = 0;; attempt++) {
        int was_whole = how->whole;

        if (sync_once(out, rq, how, &retry, e) < 0)
            return -1;
        if (!retry)
            return 0;
        if (how->whole && !was_whole) {
            attempt--; /* not a lost race: the same round again, reading every entry */
            continue;
        }
        if (mono_s() >= end)
            break;
        /* someone else pushed first: back off (randomised, growing to about a second, so
         * that racing clones fall out of step), then take their log and chain ours after */
        span = 5000u << (attempt < 8 ? attempt : 8);
        usleep((useconds_t)(span / 2 + randombytes_uniform(span)));
        how->fetch = 1;
    }
    return err_set(e, EXIT_EVAL,
                   "cannot push the audit log: others kept pushing first for %.0f s (%d "
                   "attempts; this clone keeps the entries; the next run pushes them)",
                   limit, attempt + 1);
}

int
ledger_open(struct ledger *out, const struct ledger_req *rq, struct err *e)
{
    struct sync how = {1, rq->key != NULL, NULL,
                       rq->whole || rq->expect || rq->full, rq->whole || rq->expect,
                       rq->history};

    memset(out, 0, sizeof(*out));
    if (sync_loop(out, rq, &how, e) < 0) {
        ledger_release(out);
        return -1;
    }
    return 0;
}

int
ledger_append(struct audit_appended *out, const struct ledger_req *rq, const json_t *statement,
              struct err *e)
{
    struct audit_state st;
    struct audit_log l;
    char tip[41];
    int fd, rc = -1;

    memset(&l, 0, sizeof(l));
    if (audit_lock(&fd, rq->repo, e) < 0)
        return -1;
    sig_defer_begin(); /* objects, ref and state: completed, then the command stops */
    /* the log was verified when this run began. Still where this clone left it (the
     * usual case): the append reads the tip only. Moved since: it may only have grown,
     * which takes reading it */
    if (audit_state_load(&st, rq->repo, e) < 0 ||
        repo_ref_tip(rq->repo, rq->keys->ref, tip, e) < 0)
        goto done;
    if (!st.has_local || !st.local.tip[0] || strcmp(st.local.tip, tip) != 0) {
        if (audit_load_after(&l, rq->repo, tip, st.has_local ? &st.local : NULL, e) < 0 ||
            (st.has_local && audit_extends(&l, &st.local, "the checkpoint this clone saw", e) < 0))
            goto done;
    }
    if (audit_append(out, rq->repo, rq->keys->ref, statement, rq->key, rq->origin, e) < 0)
        goto done;
    /* under the lock nobody else appends: the new tip follows the one checked above */
    st.local.size = out->seq;
    memcpy(st.local.root, out->root, 32);
    snprintf(st.local.tip, sizeof(st.local.tip), "%s", out->commit);
    st.has_local = 1;
    rc = audit_state_store(rq->repo, &st, e);
done:
    audit_log_release(&l);
    audit_unlock(fd);
    sig_defer_end();
    return rc;
}

int
ledger_push(struct audit_appended *entry, const struct ledger_req *rq, char remote[64],
            struct err *e)
{
    /* the remote was fetched when this run began: push at once, fetch when refused */
    struct sync how = {0, 1, entry, 0, 0, 0};
    struct ledger l;
    int rc;

    char name[64], tracking[128];

    memset(&l, 0, sizeof(l));
    remote[0] = '\0';
    rc = which_remote(name, tracking, rq, e);
    if (rc <= 0)
        return rc;
    rc = sync_loop(&l, rq, &how, e);
    if (rc == 0 && l.remote_used)
        snprintf(remote, 64, "%s", l.remote);
    ledger_release(&l);
    return rc < 0 ? -1 : l.remote_used;
}

int
ledger_migrate(size_t *moved, char remote[64], const struct ledger_req *rq, struct err *e)
{
    struct ledger_keys old_keys = *rq->keys;
    struct ledger_req old_rq = *rq;
    struct ledger old, now;
    char name[64] = "", tracking[128], tip[41], there[41] = "", legacy[41];
    const char *want;
    int fd = -1, use_remote, found = 0, rc = -1, cas;

    *moved = 0;
    remote[0] = '\0';
    memset(&old, 0, sizeof(old));
    memset(&now, 0, sizeof(now));
    if (strcmp(rq->keys->ref, AUDIT_REF) == 0)
        return err_set(e, EXIT_USAGE,
                       "the policy keeps the audit log on %s: there is nothing to migrate "
                       "(set audit_log.ref, e.g. refs/heads/promote/audit)",
                       AUDIT_REF);
    use_remote = which_remote(name, tracking, rq, e);
    if (use_remote < 0)
        return -1;
    /* where the new ref is, here and there: it may be absent, or the old log's tip (a
     * migration begun before); anything else is another log */
    if (use_remote) {
        snprintf(tracking, sizeof(tracking), "%s%s/migrate", LEDGER_TRACKING_PREFIX, name);
        if (repo_fetch_ref(rq->repo, name, rq->keys->ref, tracking, &found, e) < 0 ||
            (found && repo_ref_tip(rq->repo, tracking, there, e) < 0))
            return err_prefix(e, "cannot fetch %s from '%s'", rq->keys->ref, name);
    }
    if (repo_ref_tip(rq->repo, rq->keys->ref, tip, e) < 0 ||
        repo_ref_tip(rq->repo, AUDIT_REF, legacy, e) < 0)
        return -1;
    want = tip[0] ? tip : there;
    if ((tip[0] && there[0] && strcmp(tip, there) != 0) ||
        (want[0] && legacy[0] && strcmp(want, legacy) != 0))
        return err_set(e, EXIT_EVAL,
                       "%s already holds a log other than the one on %s: nothing was moved",
                       rq->keys->ref, AUDIT_REF);
    /* the old log, fetched and verified like any other */
    snprintf(old_keys.ref, sizeof(old_keys.ref), "%s", AUDIT_REF);
    old_rq.keys = &old_keys;
    old_rq.key = NULL;
    if (ledger_open(&old, &old_rq, e) < 0)
        return err_prefix(e, "the log on %s", AUDIT_REF);
    if (!audit_size(&old.log)) {
        err_set(e, EXIT_USAGE, "%s holds no entries: there is nothing to migrate", AUDIT_REF);
        goto done;
    }
    want = audit_commit_at(&old.log, audit_size(&old.log));
    if ((tip[0] && strcmp(tip, want) != 0) || (there[0] && strcmp(there, want) != 0)) {
        err_set(e, EXIT_EVAL, "%s already holds a log other than the one on %s: nothing was moved",
                rq->keys->ref, AUDIT_REF);
        goto done;
    }
    if (audit_lock(&fd, rq->repo, e) < 0)
        goto done;
    if (!tip[0]) {
        cas = repo_ref_cas(rq->repo, rq->keys->ref, want, "", e);
        if (cas != 0) {
            if (cas == 1)
                err_set(e, EXIT_EVAL, "%s was created meanwhile: run the migration again",
                        rq->keys->ref);
            goto done;
        }
    }
    audit_unlock(fd);
    fd = -1;
    if (use_remote && !there[0]) {
        cas = repo_push(rq->repo, name, rq->keys->ref, e);
        if (cas != 0) {
            if (cas == 1)
                err_set(e, EXIT_EVAL, "'%s' refused %s: run the migration again", name,
                        rq->keys->ref);
            else
                err_prefix(e, "cannot push %s to '%s'", rq->keys->ref, name);
            goto done;
        }
    }
    /* the new home, verified as every command will read it from now on */
    old_rq.keys = rq->keys;
    if (ledger_open(&now, &old_rq, e) < 0)
        goto done;
    *moved = audit_size(&now.log);
    if (use_remote)
        snprintf(remote, 64, "%s", name);
    rc = 0;
done:
    if (fd >= 0)
        audit_unlock(fd);
    ledger_release(&old);
    ledger_release(&now);
    return rc;
}
