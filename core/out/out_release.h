/* Output of the release sequence (core/release/release.h): what promote and rollback recorded,
 * tagged, triggered and saw, as text and as JSON (docs/json-output.md). */
#ifndef PROMOTE_OUT_RELEASE_H
#define PROMOTE_OUT_RELEASE_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "core/ledger/loghome.h"
#include "core/release/release.h"

/* The deploy object: null when nothing was deployed, else {tag, tag_pushed, trigger,
 * deployment_id, run_id, triggered, seq, error, wait}. */
json_t *out_deploy_json(const struct release_result *r);

/* A recorded promotion: DOC (the decision's document) gains deploy (when the
 * environment deploys), record and superseded_by. -1 when out of memory. */
int out_promotion_json(json_t *doc, const struct release_result *r, const char *audit_ref,
                       const struct loghome *home);
/* The lines a recorded promotion prints after its decision: the record, the deploy, what
 * --wait (WAIT) saw. */
void out_promotion_text(FILE *f, const struct release_result *r, const char *audit_ref,
                        int wait);

/* promote FROM TO for the commit deployed last in TO: DEPLOYMENT is that entry. */
json_t *out_already_deployed_json(const char *from, const char *to, const char *commit,
                                  const json_t *deployment);
void out_already_deployed_text(FILE *f, const char *to, const char *commit,
                               const json_t *deployment);

/* check and explain: the verified log the rules read and whose keys verified it. */
json_t *out_audit_log_json(uint64_t entries, const char *keys_from, int keys_local);
/* ... said in words when the policy is a local file (--policy FILE). */
void out_audit_log_text(FILE *f, uint64_t entries, const char *keys_from, int keys_local);

/* promote rollback ENV: the document and the text. */
json_t *out_rollback_json(const struct release_result *r, const char *reason);
void out_rollback_text(FILE *f, const struct release_result *r, const char *audit_ref);

#endif
