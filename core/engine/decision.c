#include "core/engine/decision.h"

#include <stdlib.h>

#include "core/base/err.h"

enum decision_verdict
decision_conclude(const struct gate_result *results, size_t n)
{
    enum decision_verdict v = DECISION_APPROVED;
    size_t i;

    if (n == 0)
        return DECISION_ERROR;
    for (i = 0; i < n; i++) {
        switch (results[i].verdict) {
        case VERDICT_PASS:
            break;
        case VERDICT_FAIL:
            v = DECISION_REJECTED;
            break;
        default:
            return DECISION_ERROR;
        }
    }
    return v;
}

const char *
decision_verdict_name(enum decision_verdict v)
{
    switch (v) {
    case DECISION_APPROVED:
        return "approved";
    case DECISION_REJECTED:
        return "rejected";
    default:
        return "error";
    }
}

const char *
decision_status_name(enum verdict v)
{
    switch (v) {
    case VERDICT_PASS:
        return "pass";
    case VERDICT_FAIL:
        return "fail";
    default:
        return "error";
    }
}

int
decision_exit_code(enum decision_verdict v)
{
    switch (v) {
    case DECISION_APPROVED:
        return EXIT_OK;
    case DECISION_REJECTED:
        return EXIT_REJECTED;
    default:
        return EXIT_EVAL;
    }
}

void
decision_release(struct decision *d)
{
    size_t i;

    for (i = 0; i < d->n_results; i++) {
        finding_release(&d->results[i].finding);
        free(d->results[i].evidence_path);
        json_decref(d->results[i].data);
        remedy_release(&d->results[i].remedy);
    }
    free(d->results);
    d->results = NULL;
    d->n_results = 0;
}
