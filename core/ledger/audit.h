/* The audit log: signed decisions (DSSE around in-toto Statements) chained by seq
 * and prev, one commit per entry under refs/promote/audit, each with a signed
 * checkpoint over the RFC 6962 Merkle root of all entries. Shared through the
 * repository's remote; verified offline. */
#ifndef PROMOTE_AUDIT_H
#define PROMOTE_AUDIT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/engine/decision.h"
#include "core/base/err.h"
#include "core/ledger/keys.h"
#include "core/git/repo.h"
#include "core/ledger/sign.h"

#define AUDIT_REF "refs/promote/audit" /* where the log lives unless the policy says */
#define AUDIT_ENTRY_FILE "entry.dsse.json"
#define AUDIT_CHECKPOINT_FILE "checkpoint"
/* What the next append needs, beside each entry: the size, this entry's payload hash
 * (the next prev) and the RFC 6962 frontier (the roots of the perfect subtrees). */
#define AUDIT_FRONTIER_FILE "frontier"
#define AUDIT_VSA "https://slsa.dev/verification_summary/v1"
#define AUDIT_EVENT "urn:promote:event:v1"
#define AUDIT_EXTENSION "urn:promote:decision:v1"
#define AUDIT_VERIFIER "urn:promote:verifier"

/* The context of a statement: what the subject is and who made it. */
struct audit_subject {
    const char *repo_uri; /* e.g. https://github.com/bbws/order-service */
    const char *policy_uri;
    const char *run_url; /* the CI run, or NULL */
    time_t now;
};

/* A decision as an in-toto Statement with a VSA predicate (seq/prev added on append). */
json_t *audit_decision_statement(const struct decision *d, const struct audit_subject *s);

/* Any other entry (deployment, dr_test, hold, unhold, rollback) as a Statement with
 * this project's predicate: {kind, env, time, actor, ...FIELDS}. COMMIT is the subject. */
json_t *audit_event_statement(const char *kind, const char *env, const char *commit,
                              const char *actor, const json_t *fields,
                              const struct audit_subject *s);

struct audit_appended {
    uint64_t seq;
    char id[65];     /* SHA-256 of the payload: the decision id */
    char commit[41]; /* the log commit */
    unsigned char root[32]; /* the log's Merkle root with this entry (seq entries) */
};

/* One entry as the log stores it, made without git: the envelope line, and the
 * checkpoint and frontier files of the log after it. */
struct audit_entry {
    struct buf envelope, checkpoint, frontier;
    uint64_t seq;
    unsigned char id[32];   /* the payload hash: the next entry's prev */
    unsigned char root[32]; /* the log's root with this entry */
    struct merkle_frontier next;
};
/* STATEMENT (its predicate gains a nonce, seq and prev) as the entry after the F->size
 * entries of frontier F, the last of them with payload hash PREV; signed by K, its
 * checkpoint for ORIGIN. Pure but for the nonce. audit_append writes what this makes. */
int audit_entry_make(struct audit_entry *out, const struct merkle_frontier *f,
                     const unsigned char prev[32], const json_t *statement, const struct key *k,
                     const char *origin, struct err *e);
void audit_entry_release(struct audit_entry *x);

/* Append STATEMENT (its predicate gains seq and prev) signed by K to the log on REF:
 * compare-and-swap on the ref, retried while other appenders win; ORIGIN names the log in
 * checkpoints. */
int audit_append(struct audit_appended *out, struct repo *r, const char *ref,
                 const json_t *statement, const struct key *k, const char *origin,
                 struct err *e);

/* Many appends by one writer that owns the log meanwhile (building a log for a benchmark
 * or a migration): each entry is written as audit_append writes it, chained in memory,
 * and the ref moves once, at the end, by compare-and-swap from where it was at the
 * beginning. */
struct audit_bulk {
    char ref[256];
    char start[41]; /* the ref's tip at the beginning ("" when there was no log) */
    char tip[41];
    struct merkle_frontier f;
    unsigned char prev[32];
};

int audit_bulk_begin(struct audit_bulk *b, struct repo *r, const char *ref, struct err *e);
int audit_bulk_add(struct audit_appended *out, struct audit_bulk *b, struct repo *r,
                   const json_t *statement, const struct key *k, const char *origin,
                   struct err *e);
int audit_bulk_end(struct audit_bulk *b, struct repo *r, struct err *e);

/* ---- reading ---- */

struct audit_item {
    char commit[41];
    char *bytes; /* the envelope line, owned */
    size_t len;
    char *checkpoint; /* owned; the tip's only (what verification checks), NULL elsewhere */
    size_t checkpoint_len;
    char *frontier; /* owned; the tip's only, NULL elsewhere and in older logs */
    size_t frontier_len;
    unsigned char leaf[32]; /* the RFC 6962 leaf hash of BYTES, when HAS_LEAF (hashed as */
    int has_leaf;           /* the entry is read, on the reading thread) */
};

/* A point of the log: its size, the RFC 6962 root of its first SIZE entries, and the
 * commit of entry SIZE ("" when not known: a state written by an older promote). */
struct audit_point {
    uint64_t size;
    unsigned char root[32];
    char tip[41];
};

/* A log, or its tail: ITEMS are entries BASE + 1 .. BASE + N, oldest first. The BASE
 * entries before them were verified by an earlier run and are not read: what appending
 * after them and hashing over them needs is their frontier, the payload hash of entry
 * BASE and its commit (core/ledger/audit.h AUDIT_FRONTIER_FILE). A whole log has BASE 0. */
struct audit_log {
    size_t n;
    struct audit_item *items;
    size_t base;
    struct merkle_frontier base_frontier;
    unsigned char base_prev[32];
    char base_tip[41];
    /* a batch of a longer log (audit_load_batches): the checkpoint and the frontier are
     * the tip's, checked with the last batch */
    int open_end;
};

/* How many entries the log has (BASE + N). */
size_t audit_size(const struct audit_log *log);
/* The commit of entry SEQ (1-based; "" for 0), or NULL when SEQ is before the tail or
 * beyond the log. */
const char *audit_commit_at(const struct audit_log *log, size_t seq);

/* The whole chain ending at TIP, BATCH entries at a time, oldest first, so that memory
 * holds one batch however long the log is: FN gets each batch as a tail (LAST on the
 * final one, which has the tip's checkpoint and frontier); the final batch is left in
 * OUT. An empty chain is one empty, final batch. Each batch is read (on a thread of its
 * own) while FN has the one before. */
typedef int (*audit_batch_fn)(const struct audit_log *part, int last, void *ctx,
                              struct err *e);
int audit_load_batches(struct audit_log *out, struct repo *r, const char *tip, size_t batch,
                       audit_batch_fn fn, void *ctx, struct err *e);

/* The log on REF (AUDIT_REF, or the policy's audit_log.ref). */
int audit_load(struct audit_log *out, struct repo *r, const char *ref, struct err *e);
void audit_log_release(struct audit_log *log);

/* The tail of the chain ending at TIP after the point P (P->size entries, the last of
 * them commit P->tip, hashing to P->root): the commits after P->tip only, with BASE
 * P->size. The whole chain instead (BASE 0) when P is not usable: no tip, a point the
 * commit's stored frontier does not match, or a commit TIP does not descend from (then
 * the caller's audit_extends names the rewrite). */
int audit_load_after(struct audit_log *out, struct repo *r, const char *tip,
                     const struct audit_point *p, struct err *e);

/* The frontier file: "promote frontier 1\nsize N\nprev HEX\n" and one "node HEX\n" per
 * perfect subtree, largest first. Parse: 0, or -1 when malformed or inconsistent. */
int audit_frontier_format(struct buf *out, const struct merkle_frontier *f,
                          const unsigned char prev[32]);
int audit_frontier_parse(struct merkle_frontier *f, unsigned char prev[32], const char *text,
                         size_t len);

/* Read the entry of log commit COMMIT, entry SEQ of a log that verified (an index row's,
 * core/ledger/index.h). Release with audit_item_release. */
int audit_read_entry(struct audit_item *out, struct repo *r, const char *commit, uint64_t seq,
                     struct err *e);
void audit_item_release(struct audit_item *it);

/* The RFC 6962 frontier of LOG's first N entries (LOG->base <= N <= its size). */
void audit_frontier_at(struct merkle_frontier *f, const struct audit_log *log, size_t n);

/* The decoded payload of an entry (caller decrefs), and its id. No verification. */
json_t *audit_payload(const struct audit_item *it, char id[65]);

/* ---- verification ---- */

struct audit_key {
    unsigned char pk[32];
    char id[KEYS_ID_HEX + 1];
    char name[128];
    uint64_t not_after_seq; /* 0: no limit */
};

struct audit_trust {
    size_t n;
    struct audit_key keys[32];
};

/* Trusted keys from the policy's trusted_keys (EXIT_USAGE on a malformed list). */
int audit_trust_from_policy(struct audit_trust *out, const json_t *trusted_keys, struct err *e);

struct audit_verified {
    uint64_t size;
    unsigned char root[32];
    int had_remembered; /* a point this clone remembered was checked */
    uint64_t remembered_size;
    uint64_t verified_from; /* entries up to this one were verified by an earlier run */
};

/* Verify entries FROM + 1 .. LOG->n of LOG, those before verified already: each is one
 * line, a DSSE envelope signed by a trusted key (not retired at its seq) over a canonical
 * promote statement with the right seq and prev; and the last entry's checkpoint is
 * signed by a trusted key over the whole log. Tamper is EXIT_TAMPER naming the first bad
 * seq and why. OUT gets the size and the Merkle root. No I/O. The checks of single
 * entries (envelope, signature, statement) run on every online core when there are at
 * least 512 entries to verify; what depends on the order (seq, prev, the tree) follows in
 * one pass, so the result is the same as one entry after the other. */
int audit_verify_log(struct audit_verified *out, const struct audit_log *log, size_t from,
                     const struct audit_trust *trust, struct err *e);
/* The same on THREADS threads (0: as audit_verify_log chooses), for tests and benchmarks:
 * any THREADS gives the same result. */
int audit_verify_log_threads(struct audit_verified *out, const struct audit_log *log,
                             size_t from, const struct audit_trust *trust, unsigned threads,
                             struct err *e);

/* Check EXPECT ("SIZE:ROOTHEX", from --expect) against LOG: EXIT_USAGE when malformed,
 * EXIT_TAMPER when LOG does not extend it. */
int audit_check_expect(const struct audit_log *log, const char *expect, struct err *e);

/* ---- what a clone remembers of the log (.git/promote/checkpoint) ---- */


/* SEEN: the log as this clone last saw it on the remote (fetched and verified, or
 * pushed). LOCAL: the local log as this clone last appended to or verified it, which
 * may end in entries not pushed yet. The remote's log must extend SEEN and the local
 * log must extend LOCAL; only a re-chain of entries the remote has never had moves
 * LOCAL sideways, and never below what the remote has. */
struct audit_state {
    int has_seen, has_local;
    struct audit_point seen, local;
    /* the trusted keys LOCAL was verified with (audit_trust_digest): while they are the
     * same, only entries after LOCAL are verified again */
    int has_trust;
    unsigned char trust[32];
};

/* A digest of the trusted keys (their public keys, ids and retirement seqs, in order). */
void audit_trust_digest(unsigned char out[32], const struct audit_trust *t);

/* Parse and format the state file's text. Parse: 0, or -1 when malformed. An older
 * promote's one line "SIZE ROOTHEX" reads as LOCAL without a tip. */
int audit_state_parse(struct audit_state *out, const char *text, size_t len);
int audit_state_format(struct buf *out, const struct audit_state *s);

/* Load (no file: nothing remembered; a malformed one is EXIT_TAMPER) and store (a
 * temporary file, fsynced, renamed) the state of R's clone. The caller holds the lock. */
int audit_state_load(struct audit_state *out, struct repo *r, struct err *e);
int audit_state_store(struct repo *r, const struct audit_state *s, struct err *e);

/* The point of LOG's first N entries (LOG->base <= N <= its size; else EXIT_EVAL). */
int audit_point_at(struct audit_point *out, const struct audit_log *log, size_t n,
                   struct err *e);

/* Does LOG extend P (at least P's entries, the first of them hash to P's root, and entry
 * P->size is P's commit)? 0 yes; else EXIT_TAMPER saying how, naming P as WHAT (e.g.
 * "the checkpoint this clone saw"). No I/O. */
int audit_extends(const struct audit_log *log, const struct audit_point *p, const char *what,
                  struct err *e);

/* How many leading entries A and B share (the same commits), or AUDIT_UNKNOWN when their
 * tails do not overlap enough to tell (read them whole). No I/O. */
#define AUDIT_UNKNOWN ((size_t)-1)
size_t audit_common(const struct audit_log *a, const struct audit_log *b);

/* One exclusive lock per clone (.git/promote/lock) around reading the log and the state
 * and changing either, so that the state always describes the log. */
int audit_lock(int *fd, struct repo *r, struct err *e);
void audit_unlock(int fd);

/* Load the chain ending at TIP ("" : empty), as audit_load does for the ref. */
int audit_load_tip(struct audit_log *out, struct repo *r, const char *tip, struct err *e);

/* Re-chain entries FROM + 1 .. LOCAL->n of LOCAL after all entries of ONTO: each
 * statement gets the next seq, the prev of its new predecessor and a new nonce, and is
 * re-signed by K with a checkpoint over the new log; an id of an entry re-chained before
 * it is replaced by that entry's new id. Writes the commits and moves no ref: NEW_TIP is
 * the last. MAP[i] (LOCAL->n - FROM of them) is where entry FROM + 1 + i went. */
int audit_rechain(char new_tip[41], struct audit_appended *map, struct repo *r,
                  const struct audit_log *onto, const struct audit_log *local, size_t from,
                  const struct key *k, const char *origin, struct err *e);

/* The key name a checkpoint is signed under. */
void audit_key_name(char *out, size_t outsz, const char *key_id);

/* promote-test stops the process (SIGKILL) at a named step when PROMOTE_CRASH_AT says so
 * (core/base/testhooks.h); promote never does. */
void audit_crashpoint(const char *step);

#endif
