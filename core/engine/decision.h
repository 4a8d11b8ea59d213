/* Findings to a verdict. DECISION_ERROR is the zero value: nothing unset passes. */
#ifndef PROMOTE_DECISION_H
#define PROMOTE_DECISION_H

#include <stddef.h>

#include "core/engine/verdict.h"

enum decision_verdict { DECISION_ERROR = 0, DECISION_APPROVED, DECISION_REJECTED };

struct gate_result {
    const char *name; /* borrowed from the policy */
    const char *type;
    enum verdict verdict;
    struct finding finding;
    char *evidence_path; /* owned; NULL for gates without a file */
    int has_sha256;
    unsigned char sha256[32];
    json_t *data; /* owned: the gate's normalised evidence (recorded for replay), or NULL */
    struct remedy remedy; /* promote explain: what would make it pass (empty when it passes) */
};

struct decision {
    enum decision_verdict verdict;
    char from[64];
    char to[64];
    char commit[41];
    char policy_sha256[65];
    char policy_source[512];
    int policy_local;
    char actor[128];       /* "" when not established */
    char actor_error[512]; /* why not, when GitHub was consulted */
    int github_used;
    char github_repo[256];
    int github_rounds;
    long github_requests;
    size_t n_results;
    struct gate_result *results; /* owned */
};

/* Pure: any error -> error; else any fail -> rejected; else approved (and never
 * approved with no gates). */
enum decision_verdict decision_conclude(const struct gate_result *results, size_t n);

const char *decision_verdict_name(enum decision_verdict v);
const char *decision_status_name(enum verdict v);
/* 0 approved, 1 rejected, 3 error */
int decision_exit_code(enum decision_verdict v);

void decision_release(struct decision *d);

#endif
