/* promote replay: the decisions recorded in the log evaluated again, offline, under
 * another policy, from what each decision recorded (each gate's "data"). */
#ifndef PROMOTE_REPLAY_H
#define PROMOTE_REPLAY_H

#include <jansson.h>
#include <time.h>

#include "core/ledger/audit.h"
#include "core/base/err.h"
#include "core/engine/policy.h"

struct replay_req {
    const struct policy *policy; /* the policy to replay against */
    const struct audit_log *log; /* verified (core/ledger) */
    const char *env;             /* only decisions into ENV, or NULL */
    time_t since, until;         /* bounds on the decision time; 0: none */
};

/* *OUT: {"decisions", "unchanged", "held", "changed": [..], "not_replayable": [..]}
 * (docs/json-output.md). -1 only when an entry cannot be read. */
int replay_run(json_t **out, const struct replay_req *rq, struct err *e);

#endif
