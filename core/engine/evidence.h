/* Change-control evidence from the verified audit log: flow through the gates of each
 * promotion, holds, the record of every change into an environment, and the mapping of
 * those records to PCI DSS v4.0 requirement 6.5. Pure, like core/insight/dora.h, whose sources it
 * reads (docs/report.md, docs/json-output.md). */
#ifndef PROMOTE_EVIDENCE_H
#define PROMOTE_EVIDENCE_H

#include <jansson.h>

#include "core/insight/dora.h"
#include "core/base/err.h"

/* {"promotions": [{"from", "to", "decisions", "approved", "rejected", "error", "gates":
 * [{"name", "type", "evaluated", "failed", "errored"}], "blocking": [{"name", "blocked"}],
 * "approval_interval": {"count", "median_seconds", "p90_seconds"}}]}: the decisions in W. */
int evidence_flow(json_t **out, const struct dora_source *src, size_t n, const char *env,
                  const struct dora_window *w, struct err *e);

/* Holds of ENV (a hold, or a rollback's) in force during W: [{"repository", "kind", "seq",
 * "start", "actor", "reason", "end", "end_seq", "duration_seconds"}]; end null when still in
 * force at the end of W (duration up to it). */
int evidence_holds(json_t **out, const struct dora_source *src, size_t n, const char *env,
                   const struct dora_window *w, struct err *e);

/* Every change into ENV in W, with its decision, gates, approvers, separation of duties,
 * deployment and rollbacks (docs/json-output.md). */
int evidence_changes(json_t **out, const struct dora_source *src, size_t n, const char *env,
                     const struct dora_window *w, struct err *e);

/* The PCI DSS v4.0 6.5 mapping of CHANGES (evidence_changes) against each source's policy. */
int evidence_pci(json_t **out, const struct dora_source *src, size_t n, const char *env,
                 const json_t *changes, struct err *e);

#endif
