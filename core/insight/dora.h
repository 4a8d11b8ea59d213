/* Delivery metrics from the verified audit log: DORA's four keys per environment, their
 * trend per week, and the performance band of each key (docs/report.md). Pure: no file,
 * repository, clock or environment is read here; the caller hands in the verified history
 * (core/ledger/history.h), the window, and the commit times git gave for each change. */
#ifndef PROMOTE_DORA_H
#define PROMOTE_DORA_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>

#include "core/ledger/audit.h"
#include "core/base/err.h"
#include "core/engine/policy.h"

/* The source of the bands: which report, and its year. */
#define DORA_SOURCE "Accelerate State of DevOps Report 2023 (Google Cloud, DORA)"

/* [SINCE, UNTIL): what happened at or after SINCE and before UNTIL. Everything is judged as
 * of UNTIL: entries at or after it are not read. */
struct dora_window {
    time_t since, until;
};

/* One repository's verified log. */
struct dora_source {
    const char *repo;            /* the repository column (its name) */
    const char *path;            /* --repo as given, NULL for the current directory's */
    const json_t *history;       /* core/ledger/history.h, decisions with "gates" (dora_attach_gates) */
    const json_t *commit_times;  /* {"<deployment seq>": [commit epoch, ...]}, NULL: none */
    const struct policy *policy; /* the policy the log was verified under, NULL: unknown */
    uint64_t log_size;           /* the checkpoint the report was computed from */
    const char *log_root;        /* its root, hex */
};

/* The changes into ENV in W, oldest first: [{"seq", "epoch", "commit", "base" (the commit of
 * the previous change into ENV, null for the first), "failed", "fail_seq" (the first failure
 * counted against it, 0 when none)}]; the caller asks git for the times of the commits
 * between base and commit. A change is a
 * deployment recorded as successful that moves ENV to another commit and is not the
 * redeploy of a rollback's target. */
int dora_changes(json_t **out, const json_t *h, const char *env, const struct dora_window *w,
                 struct err *e);

/* {"deployment_frequency", "lead_time", "change_failure_rate", "time_to_restore", "weeks"}
 * for ENV over the N sources combined (docs/json-output.md). */
int dora_keys(json_t **out, const struct dora_source *src, size_t n, const char *env,
              const struct dora_window *w, struct err *e);

struct evidence_changes;
/* The report document (docs/json-output.md, "promote report"): the sources' logs, the four
 * keys, flow and gates, holds and the PCI DSS 6.5 mapping, with "changes" an empty array
 * that holds its place: CHANGES (core/engine/evidence.h) makes the change records one at a
 * time for the writer, *N_CHANGES says how many. The caller closes CHANGES when this
 * returns 0. */
int dora_report(json_t **out, size_t *n_changes, struct evidence_changes *changes,
                const struct dora_source *src, size_t n, const char *env,
                const struct dora_window *w, struct err *e);

/* The same document with every change record in "changes": for a short window, or a test. */
int dora_report_whole(json_t **out, const struct dora_source *src, size_t n, const char *env,
                      const struct dora_window *w, struct err *e);

/* The band of each key from its value (2023 thresholds, docs/report.md); NULL: no data. */
const char *dora_band_frequency(double per_day);
const char *dora_band_lead_time(long long median_seconds);
const char *dora_band_failure_rate(double rate);
const char *dora_band_restore(long long median_seconds);

/* Median (the mean of the two middle values for an even count, rounded down) and p90
 * (nearest rank) of V[0..N-1], which is sorted in place; -1 when N is 0. */
void dora_percentiles(long long *v, size_t n, long long *median, long long *p90);

#endif
