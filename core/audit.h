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

#include "decision.h"
#include "err.h"
#include "keys.h"
#include "repo.h"

#define AUDIT_REF "refs/promote/audit"
#define AUDIT_ENTRY_FILE "entry.dsse.json"
#define AUDIT_CHECKPOINT_FILE "checkpoint"
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
};

/* Append STATEMENT (its predicate gains seq and prev) signed by K: compare-and-swap
 * on the ref, retried while other appenders win; ORIGIN names the log in checkpoints. */
int audit_append(struct audit_appended *out, struct repo *r, const json_t *statement,
                 const struct key *k, const char *origin, struct err *e);

/* ---- reading ---- */

struct audit_item {
    char commit[41];
    char *bytes; /* the envelope line, owned */
    size_t len;
    char *checkpoint; /* owned, may be NULL */
    size_t checkpoint_len;
};

struct audit_log {
    size_t n;
    struct audit_item *items; /* oldest first */
};

int audit_load(struct audit_log *out, struct repo *r, struct err *e);
void audit_log_release(struct audit_log *log);

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
    int had_remembered; /* a checkpoint seen earlier by this clone was checked */
    uint64_t remembered_size;
};

/* Verify every entry, the chain, the checkpoint, and consistency with the last
 * checkpoint this clone saw (and with EXPECT "SIZE:ROOTHEX" when given). Tamper is
 * EXIT_TAMPER naming the first bad seq and why. On success the clone remembers the
 * new checkpoint. */
int audit_verify(struct audit_verified *out, struct repo *r, const struct audit_trust *trust,
                 const char *expect, struct err *e);

/* The key name a checkpoint is signed under. */
void audit_key_name(char *out, size_t outsz, const char *key_id);

/* promote-test stops the process (SIGKILL) at a named step when PROMOTE_CRASH_AT says so
 * (core/testhooks.h); promote never does. */
void audit_crashpoint(const char *step);

#endif
