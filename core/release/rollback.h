/* Rollback: which earlier state of an environment is good to return to. Pure queries
 * over the normalised audit log (core/ledger/history.h); the caller has verified the log's
 * signatures and chain before asking (record_prepare), so every entry here verifies. */
#ifndef PROMOTE_ROLLBACK_H
#define PROMOTE_ROLLBACK_H

#include <jansson.h>

#include "core/base/err.h"
#include "core/engine/policy.h"
#include "core/git/repo.h"

struct rollback_target {
    const json_t *deployment; /* the successful deployment returned to (in the history) */
    const json_t *decision;   /* the approved decision into the environment it rests on */
    const char *commit;       /* the commit returned to */
    const char *from_commit;  /* what was deployed last (any result), NULL when nothing */
    long long from_seq;       /* that deployment entry's seq, 0 when nothing */
};

/* How the state to return to is named. */
struct rollback_to {
    long long seq;      /* > 0: --to SEQ, a deployment or approved decision into ENV */
    const char *commit; /* non-NULL: --to TAG, the tag already resolved to a commit */
};

/* ENV of P, which must name rollback roles: EXIT_USAGE otherwise. */
int rollback_env(const struct policy_env **out, const struct policy *p, const char *env,
                 struct err *e);

/* --to ARG: digits are an entry's seq, anything else a tag of REPO, peeled to its commit
 * (in COMMIT, which OUT then points to); NULL: not given. EXIT_USAGE when it is neither. */
int rollback_to_parse(struct rollback_to *out, char commit[41], struct repo *repo,
                      const char *arg, struct err *e);

/* A good state is a deployment into ENV recorded as successful, of a commit with an
 * approved decision into ENV recorded before it, other than the commit deployed last.
 * Without TO: the most recent one before the last deployment that no later rollback
 * left (a state rolled back from is bad). With TO: the state it names, which must be
 * good. Errors: EXIT_REJECTED when there is nothing good to return to (saying why),
 * EXIT_USAGE when TO names no entry of the log for ENV. */
int rollback_find(struct rollback_target *out, const json_t *history, const char *env,
                  const struct rollback_to *to, struct err *e);

#endif
