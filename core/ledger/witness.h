/* Checkpoints witnessed outside the log. Every deploy tag promote creates carries, in its
 * message, the signed checkpoint (size and root) of the shared log after the entry it
 * deploys. A clone that has never seen the log (every CI run) checks the log against
 * every such checkpoint among the tags it can see, the largest being its floor: a log
 * smaller than one, or whose first entries do not hash to its root, has been shortened
 * or rewritten. */
#ifndef PROMOTE_WITNESS_H
#define PROMOTE_WITNESS_H

#include <stddef.h>

#include "core/ledger/audit.h"
#include "core/base/buf.h"
#include "core/base/err.h"
#include "core/git/repo.h"

#define WITNESS_BEGIN "-----BEGIN PROMOTE CHECKPOINT-----\n"
#define WITNESS_END "-----END PROMOTE CHECKPOINT-----\n"

/* MESSAGE, a blank line and CHECKPOINT (a signed note) between the markers. */
int witness_message(struct buf *out, const char *message, const char *checkpoint, size_t len);

/* Pure: the checkpoint MSG carries, when its signature verifies with a key of T: 1 with
 * its size and root in OUT (no tip), 0 when there is none or it does not verify (anyone
 * who can push a tag can write text; only a trusted key makes it a witness). */
int witness_parse(struct audit_point *out, const char *msg, size_t len,
                  const struct audit_trust *t);

struct witness {
    struct audit_point point;
    char tag[256]; /* the tag that carries it */
};

struct witness_set {
    size_t n, cap;
    struct witness *w; /* by size, the largest (the floor) last; ties by tag name */
};

/* The checkpoints the tags of R witness, verified with T's keys. */
int witness_collect(struct witness_set *out, struct repo *r, const struct audit_trust *t,
                    struct err *e);
void witness_set_release(struct witness_set *ws);
/* The floor: the largest witness, or NULL when there is none. */
const struct witness *witness_floor(const struct witness_set *ws);

/* Pure: LOG extends every checkpoint of WS: 0, else EXIT_TAMPER naming the tag (the
 * largest one the log is too small for; else the first one whose root it does not
 * have). One pass over the log. */
int witness_check(const struct audit_log *log, const struct witness_set *ws, struct err *e);

/* The root of the first SIZE entries of a log, from what remembers them (the index of a
 * log only whose tail was read): 0, or -1 with E set. */
typedef int (*witness_root_fn)(unsigned char root[32], void *ctx, uint64_t size, struct err *e);
/* witness_check for a log whose tail only was read (LOG->base > 0): a witness of the
 * entries before the tail is checked against BEFORE's root (NULL: EXIT_EVAL, read the
 * whole log). */
int witness_check_tail(const struct audit_log *log, const struct witness_set *ws,
                       witness_root_fn before, void *ctx, struct err *e);

#endif
