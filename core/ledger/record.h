/* Recording a decision: the signing key must be trusted by the policy, the shared
 * log is fetched and verified before anything is evaluated, and the signed entry is
 * appended and pushed (re-chained and re-signed when someone else pushed first). */
#ifndef PROMOTE_RECORD_H
#define PROMOTE_RECORD_H

#include <stdint.h>

#include "core/ledger/audit.h"
#include "core/github/gh.h"
#include "core/ledger/keys.h"
#include "core/ledger/loghome.h"
#include "core/engine/policy.h"
#include "core/git/repo.h"

struct record_req {
    struct repo *repo;
    const struct policy *policy; /* the protected policy: its keys verify and sign the log */
    const struct key *key;
    const char *remote; /* NULL: origin when it exists */
    int no_remote;
    const char *repo_uri;
    const char *run_url; /* NULL outside CI */
    const struct gh_config *gh; /* asked whether the log's branch is protected; may be NULL */
    /* where the log lives and whether its host protects it (core/ledger/loghome.h): filled by
     * record_prepare, added to every entry recorded after it; may be NULL */
    struct loghome *home;
    /* the entries of the log the caller's rules read (core/ledger/history.h); NULL: all */
    const struct history_focus *focus;
};

/* Before any gate runs: the policy is the protected one and the key is among its trusted
 * keys (EXIT_USAGE otherwise); a shared log's host protects it, or the policy allows an
 * unprotected log (core/ledger/loghome.h; EXIT_EVAL otherwise); the log is fetched (EXIT_EVAL),
 * entries of an earlier run
 * the remote lacks are pushed (re-chained after the remote's entries when it moved), and
 * the log verifies (EXIT_TAMPER) through core/ledger. LOG_SIZE and HISTORY (the caller
 * decrefs; core/ledger/history.h) are of the verified log. */
int record_prepare(const struct record_req *rq, uint64_t *log_size, json_t **history,
                   struct err *e);

/* audit push: record_prepare's reconciliation alone. PUSHED entries of this clone went to
 * REMOTE ("" when there is no remote); SIZE is the log's. */
int record_push_pending(const struct record_req *rq, size_t *pushed, size_t *size,
                        char remote[64], struct err *e);

struct record_result {
    struct audit_appended entry;
    int pushed; /* 1 pushed, 0 local only */
    char remote[64];
};

int record_decision(struct record_result *out, const struct record_req *rq,
                    const struct decision *d, time_t now, struct err *e);
/* Append and push any statement (its predicate gains seq and prev). */
int record_statement(struct record_result *out, const struct record_req *rq,
                     const json_t *statement, struct err *e);
/* The subject context for statements of RQ at NOW. */
void record_subject(struct audit_subject *s, const struct record_req *rq, const char *policy_uri,
                    time_t now);

/* After our approved decision landed (OURS): an approved decision into the same
 * environment that landed after BASE (the log size when we started) and before ours
 * supersedes it. Returns that seq after recording a 'superseded' entry, 0 when ours
 * landed first, -1 on error. */
int record_superseded(const struct record_req *rq, const struct decision *d, uint64_t base,
                      const struct record_result *ours, time_t now, struct err *e);

/* The repository's URI for statements: https://github.com/OWNER/NAME when the GitHub
 * repository is known, else the origin URL, else file:// and the work tree. */
void record_repo_uri(char *out, size_t outsz, struct repo *r, const char *github_repo,
                     const char *server_url);

#endif
