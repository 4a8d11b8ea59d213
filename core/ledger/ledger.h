/* The audit log as every command reads it, in one place: fetched from the remote,
 * verified against the protected policy's keys and against what this clone remembers
 * (core/ledger/audit.h, audit_state), reconciled with the remote, and only then read. Nothing
 * reads an entry of the log before the log up to it verifies. */
#ifndef PROMOTE_LEDGER_H
#define PROMOTE_LEDGER_H

#include <jansson.h>
#include <stddef.h>

#include "core/ledger/audit.h"
#include "core/ledger/history.h"
#include "core/ledger/index.h"
#include "core/base/err.h"
#include "core/ledger/keys.h"
#include "core/engine/policy.h"
#include "core/git/repo.h"

/* How long a push that others keep winning is retried, by default. */
#define LEDGER_PUSH_DEADLINE_S 120.0

/* Where the remote's log is fetched to: refs/promote/remotes/<remote>/audit. */
#define LEDGER_TRACKING_PREFIX "refs/promote/remotes/"

/* The keys the log is verified with, where they come from, and where the log lives. */
struct ledger_keys {
    struct audit_trust trust;
    char source[512]; /* the policy's source ("refs/heads/main:.promote/policy.json", a file) */
    int local;        /* not the protected policy's: a --policy file (there is no protected
                         policy), or --pubkey */
    char ref[256];         /* the policy's audit_log.ref (AUDIT_REF) */
    int allow_unprotected; /* the policy's audit_log.allow_unprotected */
    /* the policy's audit_log.push_deadline_seconds: how long a push that others keep
     * winning is retried (0: LEDGER_PUSH_DEADLINE_S) */
    double push_deadline_s;
};

/* The keys for a command evaluated under P: P's own when P is the protected policy (read
 * from the policy ref). For a local --policy file: those of the protected policy on
 * POLICY_REF (NULL: main, as origin/main when it exists) when there is one, else (no such
 * ref, or no policy on it) P's own, and LOCAL says so. An invalid protected policy is
 * EXIT_USAGE. */
int ledger_keys_for(struct ledger_keys *out, struct repo *r, const struct policy *p,
                    const char *policy_ref, struct err *e);

struct ledger_req {
    struct repo *repo;
    const struct ledger_keys *keys;
    const char *remote; /* NULL: origin, when it exists */
    int no_remote;      /* the local log only: no fetch, no push */
    /* NULL: read only, and entries of this clone the remote lacks stop the command (exit 3,
     * naming them). Else they are pushed, re-chained after the remote's entries and
     * re-signed with KEY when the remote moved. */
    const struct key *key;
    const char *origin; /* the log's name in checkpoints ("promote:<repository>"), with KEY */
    const char *expect; /* "SIZE:ROOTHEX" the log must extend (--expect), or NULL */
    int full; /* verify every entry again, not only those after what this clone verified */
    /* read every entry into ledger.log (a report, a replay, an export); else only those
     * after the index's last row are read, and queries go to the index */
    int whole;
    /* read ledger.history (core/ledger/history.h): the entries FOCUS picks, all when NULL */
    int history;
    const struct history_focus *focus;
};

struct ledger {
    /* this clone's log, verified, oldest first: its tail after the index's last row
     * unless the request asked for the whole log */
    struct audit_log log;
    json_t *history;  /* core/ledger/history.h: the entries the request's focus picks */
    struct index *ix; /* the index (core/ledger/index.h), up to date with LOG */
    struct audit_verified v;
    int remote_used;
    char remote[64];
    size_t pushed; /* entries of an earlier run this call pushed */
    /* the largest point the log was checked to extend: what this clone remembers, a
     * checkpoint a deploy tag witnesses (core/ledger/witness.h) or --expect; 0 when none */
    uint64_t floor_size;
    char floor_source[320]; /* "tag 'sit-2026.11.25-3'", ... */
};

/* Fetch (unless RQ->no_remote or there is no remote), verify the remote's log and this
 * clone's, each against the keys, what this clone remembers and the largest checkpoint
 * the deploy tags witness (a remote log that does not extend what this clone saw there or
 * what a tag witnesses, a local log that does not extend what it appended: EXIT_TAMPER,
 * naming the tag), reconcile them (see ledger_req.key), remember both, and read the
 * history. Tamper names the seq and why. A log the policy moved to another ref that does
 * not exist yet while refs/promote/audit holds entries is EXIT_EVAL naming
 * 'promote audit migrate'. */
int ledger_open(struct ledger *out, const struct ledger_req *rq, struct err *e);
void ledger_release(struct ledger *l);

/* Append STATEMENT signed by RQ->key to this clone's log and remember it, under the
 * clone's lock. Pushes nothing. */
int ledger_append(struct audit_appended *out, const struct ledger_req *rq, const json_t *statement,
                  struct err *e);

/* Push what this clone's log holds beyond the remote's, re-chained after the remote's
 * entries when someone else pushed first (retried with a growing random back-off). ENTRY
 * (may be NULL), an entry of this clone's log, is updated to where it landed. 1 pushed,
 * 0 no remote (REMOTE is the remote's name when 1). */
int ledger_push(struct audit_appended *entry, const struct ledger_req *rq, char remote[64],
                struct err *e);

/* The remote the log is shared through: 1 with its name, 0 none (--no-remote, or no
 * origin), -1 (EXIT_USAGE) when RQ->remote names no remote. */
int ledger_remote(char name[64], const struct ledger_req *rq, struct err *e);

/* Move the log from refs/promote/audit to RQ->keys->ref, keeping every entry and
 * checkpoint (the same commits): the old log is verified first, the new ref is created
 * at its tip here and on the remote. *MOVED gets its size, REMOTE the remote's name (""
 * when none). A new ref that already holds other entries is EXIT_EVAL. */
int ledger_migrate(size_t *moved, char remote[64], const struct ledger_req *rq, struct err *e);

#endif
