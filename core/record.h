/* Recording a decision: the signing key must be trusted by the policy, the shared
 * log is fetched and verified before anything is evaluated, and the signed entry is
 * appended and pushed (re-chained and re-signed when someone else pushed first). */
#ifndef PROMOTE_RECORD_H
#define PROMOTE_RECORD_H

#include <stdint.h>

#include "audit.h"
#include "keys.h"
#include "policy.h"
#include "repo.h"

#define RECORD_PUSH_ATTEMPTS 16

struct record_req {
    struct repo *repo;
    const struct policy *policy;
    const struct key *key;
    const char *remote; /* NULL: origin when it exists */
    int no_remote;
    const char *repo_uri;
    const char *run_url; /* NULL outside CI */
};

/* Fetch the log from the remote (when there is one) unless NO_REMOTE. */
int record_fetch(struct repo *r, const char *remote, int no_remote, struct err *e);

/* Before any gate runs: the key is trusted (EXIT_USAGE otherwise), the log is
 * fetched (EXIT_EVAL) and verifies (EXIT_TAMPER). */
int record_prepare(const struct record_req *rq, uint64_t *log_size, struct err *e);

/* The log as rules read it (core/history.h), freshly loaded. */
int record_history(json_t **out, struct repo *r, struct err *e);

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
