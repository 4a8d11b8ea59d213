/* Any report: report_load detects the format from the content and parses it (the collect
 * step of every file gate), 'promote inspect' shows it as JSON and as text, then the
 * coverage, tests and security gates each evaluate it as a policy would (a gate given the
 * wrong kind of report is an error). */
#include <stdio.h>
#include <string.h>

#include "core/out/out.h"
#include "fuzz.h"
#include "gates/gate.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const types[] = {"coverage", "tests", "security"};
    static const char *const rules[] = {
        "{\"min_percent\": 80}",
        "{\"min_tests\": 1, \"allow_skipped\": false}",
        "{\"max\": {\"critical\": 0, \"high\": 2}}",
    };
    static FILE *devnull;
    struct gate_ctx ctx;
    struct evidence ev;
    struct err e = ERR_INIT;
    json_t *inspect;
    size_t i;
    int rc;

    fuzz_input(data, size);
    memset(&ctx, 0, sizeof(ctx));
    memset(&ev, 0, sizeof(ev));
    ctx.evidence_path = fuzz_file(data, size);
    rc = gate_collect_report(&ctx, &ev, &e);
    fuzz_check_err(rc, &e);
    if (rc < 0) {
        struct finding none = {"", NULL};

        fuzz_check_finding(rc, &e, &none);
        goto done;
    }
    FUZZ_CHECK(ev.report.bytes == size);
    fuzz_check_report(&ev.report);
    inspect = out_inspect_json(ctx.evidence_path, &ev.report);
    FUZZ_CHECK(inspect != NULL);
    json_decref(inspect);
    if (!devnull)
        devnull = fopen("/dev/null", "w");
    FUZZ_CHECK(devnull != NULL);
    out_inspect_text(devnull, ctx.evidence_path, &ev.report);
    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        const struct gate *g = gate_find(types[i]);
        json_t *rule = json_loads(rules[i], 0, NULL);
        struct finding f;
        enum verdict v;

        FUZZ_CHECK(g && rule);
        memset(&f, 0, sizeof(f));
        v = g->evaluate(&ev, rule, 0, &f);
        FUZZ_CHECK(v == VERDICT_ERROR || v == VERDICT_PASS || v == VERDICT_FAIL);
        fuzz_check_finding(0, NULL, &f);
        finding_release(&f);
        json_decref(rule);
    }
done:
    evidence_release(&ev);
    return 0;
}
