/* promote explain: a decision with each gate's remedy, as text and JSON, and the one-line
 * summary of what a promotion waits on (promote status). */
#ifndef PROMOTE_EXPLAIN_H
#define PROMOTE_EXPLAIN_H

#include <jansson.h>
#include <stdio.h>

#include "core/engine/decision.h"
#include "core/out/out.h"
#include "core/engine/policy.h"

/* Times a remedy names in UTC ("ready_at") gain the policy's time zone ("ready_at_local"):
 * the zone of the promotion's deploy_window gate, when it has one. */
void explain_localize(struct decision *d, const struct policy *p);

/* out_decision_json plus, per gate, "remedy": null when it passes, else {"summary",
 * "action", ...} (docs/json-output.md). */
json_t *explain_json(const struct decision *d);
void explain_text(FILE *f, const struct decision *d, const struct out_opts *o);

/* "ops-lead approval; window opens 2026-11-10T09:00 Africa/Johannesburg" for a decision
 * computed with remedies; "" when it is approved. */
void explain_waiting(char *out, size_t outsz, const struct decision *d);

#endif
