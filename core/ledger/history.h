/* The audit log as the rules read it: one normalised JSON object per entry, oldest
 * first, and pure queries over that array (no I/O: gates get it through gate_ctx). */
#ifndef PROMOTE_HISTORY_H
#define PROMOTE_HISTORY_H

#include <jansson.h>
#include <time.h>

#include "core/ledger/audit.h"
#include "core/base/err.h"

/* [{"seq", "id", "kind" (decision|deployment|dr_test|hold|unhold|rollback), "env" (the
 *   target environment), "from", "to", "commit", "verdict", "result", "time" (RFC 3339),
 *   "epoch", "actor", "reason", "deployment", "from_commit" (a rollback's), "decision" (the
 *   decision a deployment or rollback rests on), "tag" (a deployment's), and for a decision
 *   "gates": [{"name", "type", "status", "data"}] (each gate's recorded evidence)}] -- absent
 *   fields are null. */
int history_from_log(json_t **out, const struct audit_log *log, struct err *e);
/* A decision's gates as its STATEMENT records them, for the change records of a report
 * (core/insight/dora.h): [{"name", "type", "status", "summary", "sha256" (evidence, or null),
 * "details"}]; NULL when out of memory. */
json_t *history_gates_recorded(const json_t *statement);
/* One entry of that array: IT, entry SEQ of the log. */
int history_item(json_t **out, const struct audit_item *it, uint64_t seq, struct err *e);
/* The same from the entry's decoded statement ST and its id. */
int history_item_of(json_t **out, const json_t *st, const char *id, uint64_t seq, struct err *e);
/* The entry of SEQ in H, or NULL. H is in seq order but may hold only some entries (those
 * the index chose, core/ledger/index.h): never index it by seq. */
const json_t *history_at(const json_t *h, long long seq);
/* How many entries of H come before SEQ: where SEQ is, or would be. */
size_t history_before(const json_t *h, long long seq);

/* Which entries a command's rules read, when it does not read them all: the latest entry
 * of every kind, verdict and result in each environment; every entry of an environment
 * since its latest successful deployment; per environment, the latest approved decision
 * that recorded a load test; every entry about a commit one of those names, or COMMITS
 * name; with ROLLBACK_ENV, every deployment, rollback and approved decision into it; and
 * every entry after AFTER (0: none). Each query below answers the same over these as
 * over the whole log for the commits they concern (core/ledger/index.c picks them). */
struct history_focus {
    const char *commits[4]; /* full commit ids, NULL-terminated when fewer */
    const char *rollback_env;
    uint64_t after;
    /* A report (core/insight/dora.h) of REPORT_ENV over [SINCE, UNTIL) picks instead, and only:
     * the deployments, rollbacks, holds and DR tests of REPORT_ENV before the first of its
     * entries at or after UNTIL, and that entry; the first entry at or after UNTIL; every
     * decision in the window and every approved decision about a commit one of those
     * names; the decisions REPORT_ENV's deployments in the window name, and the approvals
     * into it of their commits. Their decisions carry their gates as recorded
     * (history_gates_recorded). */
    const char *report_env;
    long long since, until;
};

/* The latest entry of KIND for ENV matching COMMIT (NULL: any) and, when RESULT is
 * not NULL, with that result (or verdict); NULL when none. */
const json_t *history_last(const json_t *h, const char *kind, const char *env, const char *commit,
                           const char *result);

/* The latest deployment entry into ENV of COMMIT carrying a tag, at or before UPTO (an
 * entry of H): the tag and who triggered it, for a deployment reported without them. */
const json_t *history_tagged(const json_t *h, const char *env, const char *commit,
                             const json_t *upto);

/* The hold in force on ENV (the latest hold or rollback not followed by an unhold), or NULL. */
const json_t *history_hold(const json_t *h, const char *env);

/* The gates of decision X into *OUT (NULL when it has none): its "gates" array, or, where
 * a report's reading kept them as the text the index holds (a string, parsed only when
 * read, so that the decisions of a long window do not each keep a tree), that text parsed
 * into *OWNED, which the caller releases. -1 when that text is not an array. */
int history_gates(const json_t **out, const json_t *x, json_t **owned);

/* The string KEY of entry O, or NULL; whether it is WANT. */
const char *history_str(const json_t *o, const char *key);
int history_is(const json_t *o, const char *key, const char *want);
/* Is S one of the strings of the array ARR (NULL: no)? */
int history_has(const json_t *arr, const char *s);

/* RFC 3339 UTC ("2026-11-25T02:00:00Z") to time_t; -1 when malformed. */
time_t history_parse_time(const char *s);
/* T as RFC 3339 UTC; "" when T is beyond what struct tm holds. */
void history_format_time(char out[32], time_t t);

#endif
