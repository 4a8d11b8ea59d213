/* The index of the audit log (.git/promote/index.sqlite): one row per verified entry,
 * derived from the log and rebuilt from it whenever it is missing, unreadable or does not
 * describe the log. Never the source of truth: core/ledger/ledger.c adds rows only for entries
 * that verified, under the clone's lock, and answers nothing from it before the log up to
 * its last row has verified. It makes queries (audit log, status, the history the rules
 * read) cost what they return, not the size of the log. */
#ifndef PROMOTE_INDEX_H
#define PROMOTE_INDEX_H

#include <jansson.h>
#include <stdint.h>

#include "core/ledger/audit.h"
#include "core/base/err.h"
#include "core/ledger/history.h"
#include "core/git/repo.h"

#define INDEX_FILE "index.sqlite"

struct index;

/* Open (or create) R's index. One that cannot be read as an index of this format is
 * removed and created empty (the caller fills it from the log). The caller holds the
 * clone's lock (audit_lock). */
int index_open(struct index **out, struct repo *r, struct err *e);
void index_free(struct index *ix);

/* Drop every row (the log is read again from its first entry to fill it). */
int index_clear(struct index *ix, struct err *e);

/* Is P a point of the indexed log (its root at P->size, and its commit when P has one)?
 * 0 yes; else EXIT_TAMPER as audit_extends says it, naming P as WHAT. */
int index_has_point(struct index *ix, const struct audit_point *p, const char *what,
                    struct err *e);

/* The point of the last row: its seq, its log commit and the root of the entries up to
 * it (size 0 when the index is empty). */
int index_tip(struct audit_point *out, struct index *ix, struct err *e);

/* The root of the first SIZE entries (core/ledger/witness.h witness_root_fn; CTX is the index). */
int index_root_at(unsigned char root[32], void *ctx, uint64_t size, struct err *e);

/* Make the rows those of LOG, which verified: rows after the last entry the index and LOG
 * share are dropped, LOG's entries after it added, in one transaction. 0 done, 1 when
 * that takes entries LOG did not read (before its tail: read the whole log and call
 * again), -1 on error. */
int index_sync(struct index *ix, const struct audit_log *log, struct err *e);

/* The history (core/ledger/history.h) of the entries FOCUS picks, in seq order; every entry when
 * FOCUS is NULL. */
int index_history(json_t **out, struct index *ix, const struct history_focus *focus,
                  struct err *e);

/* What `audit log` filters on; NULL fields match anything. */
struct index_filter {
    const char *env, *kind, *verdict, *actor, *commit;
    const char *since, *until; /* RFC 3339 UTC, or a date (a prefix) */
    long limit;                /* 0: no limit */
    int oldest_first;
};

/* One row as `audit log` prints it (strings may be NULL). */
struct index_row {
    uint64_t seq;
    const char *id, *log_commit, *time, *kind, *env, *from, *to, *commit, *verdict, *actor;
};

typedef int (*index_row_fn)(const struct index_row *row, void *ctx, struct err *e);

/* Call FN for each row F matches, newest first unless F->oldest_first, up to F->limit. */
int index_list(struct index *ix, const struct index_filter *f, index_row_fn fn, void *ctx,
               struct err *e);

/* The seq of the entry KEY names: a seq, or an id or its prefix of at least 8 hex digits;
 * an all-digit key is tried both ways. 0 in *SEQ when none; -1 with EXIT_USAGE when KEY
 * names more than one entry. LOG_COMMIT gets its commit. */
int index_find(uint64_t *seq, char log_commit[41], struct index *ix, const char *key,
               struct err *e);

#endif
