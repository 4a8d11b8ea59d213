/* Where the audit log lives, and whether its host refuses to shorten or rewrite it. A
 * log kept on a branch that a GitHub ruleset protects against force-pushes
 * (non_fast_forward) and deletion cannot be rolled back by anyone with push access: the
 * host enforces what checkpoints can only detect. Before anything is recorded into a
 * shared log, promote asks GitHub which rules apply to the branch and refuses an
 * unprotected log unless the policy allows it (audit_log.allow_unprotected); the answer
 * goes into every entry the run records. */
#ifndef PROMOTE_LOGHOME_H
#define PROMOTE_LOGHOME_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/github/gh.h"

struct loghome {
    int checked;   /* this describes a check (else nothing is recorded about it) */
    char ref[256];
    char remote[64]; /* "" : the log is kept in this clone only */
    int protected_;  /* both rules apply */
    int nff, deletion;
    int allowed_unprotected; /* not protected, and the policy allows it */
    char why[400];           /* what was found, for people */
    /* the log as verified before recording (core/ledger/ledger.h): its size and the largest
     * point it was checked to extend */
    uint64_t size, floor_size;
    char floor_source[320];
};

/* Pure: GitHub's rules for a branch (GET .../rules/branches/BRANCH: [{type, ...}]) into
 * H's nff, deletion and protected_. Anything but an array of objects with a string type
 * is -1 (EXIT_EVAL) naming WHERE. */
int loghome_rules(struct loghome *h, const json_t *rules, const char *where, struct err *e);

/* Check the home of the log on REF shared through REMOTE ("" : none) of the GitHub
 * repository GHC->repo. Recording may go on (0) when the log is local only, when both
 * rules apply, or when ALLOW (the policy's allow_unprotected) says so; otherwise -1,
 * EXIT_EVAL saying what is missing and how to fix it. An API error is -1 naming the
 * endpoint unless ALLOW (the log is then recorded as of unknown protection). */
int loghome_check(struct loghome *out, const char *ref, const char *remote, int allow,
                  const struct gh_config *ghc, struct err *e);

/* {"ref", "remote", "protected", "rules": [..], "allowed_unprotected", "why", "entries",
 * "floor": {"entries", "from"} or null}. */
json_t *loghome_json(const struct loghome *h);

/* One line for people: where the log is, whether its host protects it, its size and the
 * floor it was verified against. */
void loghome_line(char *out, size_t outsz, const struct loghome *h);

#endif
