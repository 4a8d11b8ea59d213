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
 * deployment and rollbacks (docs/json-output.md "changes"), made one record at a time, so
 * that a report over a long window never holds them all: open, then next until it returns
 * 0. SRC, ENV and W must outlive the cursor. */
struct evidence_changes {
    const struct dora_source *src;
    size_t n;
    const char *env;
    const struct dora_window *w;
    size_t r, i;       /* the source and its change the next record is made from */
    json_t *ch, *rbs;  /* that source's changes (dora_changes) and rollbacks by commit */
};
void evidence_changes_open(struct evidence_changes *c, const struct dora_source *src, size_t n,
                           const char *env, const struct dora_window *w);
/* 1 with the next record in *ROW (the caller's; from source C->r), 0 after the last, -1 with
 * E set (out of memory; a decision's gates the index holds do not read). */
int evidence_changes_next(struct evidence_changes *c, json_t **row, struct err *e);
/* Back to the first record. */
void evidence_changes_rewind(struct evidence_changes *c);
void evidence_changes_close(struct evidence_changes *c);

/* The PCI DSS v4.0 6.5 mapping of the change records CHANGES makes against each source's
 * policy, from one pass over them (CHANGES is rewound before and after); *N_CHANGES gets
 * how many records there are. */
int evidence_pci(json_t **out, size_t *n_changes, struct evidence_changes *changes,
                 struct err *e);

#endif
