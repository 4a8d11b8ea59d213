/* Load test summaries (k6 --summary-export, k6 handleSummary() data, autocannon --json):
 * the load_test gate collects the input as its evidence file through a gate_ctx, then
 * evaluates it under a rule with every baseline, and under one with a high percentile
 * (the fallback to max). */
#include <string.h>

#include "fuzz.h"
#include "gates/gate.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const rules[] = {
        "{\"max_latency_ms\": 500, \"percentile\": 95, \"max_error_rate\": 0.01, "
        "\"min_rps\": 10}",
        "{\"max_latency_ms\": 1500, \"percentile\": 99.99}",
    };
    const struct gate *g = gate_find("load_test");
    struct gate_ctx ctx;
    struct evidence ev;
    struct err e = ERR_INIT;
    size_t i;
    int rc;

    fuzz_input(data, size);
    FUZZ_CHECK(g);
    memset(&ctx, 0, sizeof(ctx));
    memset(&ev, 0, sizeof(ev));
    ctx.evidence_path = fuzz_file(data, size);
    rc = g->collect(&ctx, &ev, &e);
    fuzz_check_err(rc, &e);
    if (rc < 0) {
        struct finding none = {"", NULL};

        fuzz_check_finding(rc, &e, &none);
    }
    for (i = 0; rc == 0 && i < sizeof(rules) / sizeof(rules[0]); i++) {
        json_t *rule = json_loads(rules[i], 0, NULL);
        struct err re = ERR_INIT;
        struct finding f;
        enum verdict v;

        FUZZ_CHECK(rule && g->check_rule(rule, "$.gates[0]", &re) == 0);
        memset(&f, 0, sizeof(f));
        v = g->evaluate(&ev, rule, 0, &f);
        /* collect's own evidence is always well-formed: never "no evidence" */
        FUZZ_CHECK(v == VERDICT_PASS || v == VERDICT_FAIL ||
                   (v == VERDICT_ERROR && strncmp(f.summary, "cannot judge", 12) == 0));
        fuzz_check_finding(0, NULL, &f);
        finding_release(&f);
        json_decref(rule);
    }
    evidence_release(&ev);
    return 0;
}
