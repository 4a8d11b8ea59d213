/* load_test gate: k6 summaries (the published k6 documentation examples and two small
 * constructed ones) and real autocannon reports, read through the gate's collect and
 * judged by its evaluate; the numbers asserted are those of tests/fixtures/loadtest/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/engine/policy.h"
#include "gates/gate.h"

#define L FIXTURES "/loadtest/"
#define COMMIT "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
#define EACUTE "\xc3\xa9"
#define EACUTE10 EACUTE EACUTE EACUTE EACUTE EACUTE EACUTE EACUTE EACUTE EACUTE EACUTE
#define EACUTE100                                                                                  \
    EACUTE10 EACUTE10 EACUTE10 EACUTE10 EACUTE10 EACUTE10 EACUTE10 EACUTE10 EACUTE10 EACUTE10

static char tmpdir[64];

static int
setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/promote-test-load.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int
teardown(void **state)
{
    char cmd[128];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *
write_tmp(const char *name, const char *content)
{
    static char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, strlen(content), f), strlen(content));
    fclose(f);
    return path;
}

/* The contents of a fixture with every occurrence of FROM replaced by TO, in a temp file. */
static const char *
edited(const char *fixture, const char *from, const char *to, const char *name)
{
    char buf[8192], out[8192], *at;
    FILE *f = fopen(fixture, "rb");
    size_t n;

    assert_non_null(f);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    at = strstr(buf, from);
    assert_non_null(at); /* the edit must apply, or the test tests nothing */
    snprintf(out, sizeof(out), "%.*s%s%s", (int)(at - buf), buf, to, at + strlen(from));
    return write_tmp(name, out);
}

static json_t *
rule(const char *text)
{
    json_error_t je;
    json_t *r = json_loads(text, 0, &je);

    if (!r)
        fail_msg("bad rule in the test: %s", je.text);
    return r;
}

struct run {
    struct evidence ev;
    struct finding f;
    struct err e;
    int collected; /* 0 when collect failed (then e says why) */
    enum verdict v;
};

/* collect PATH as the engine would, then evaluate RULE_TEXT */
static void
run(struct run *r, const char *path, const char *rule_text)
{
    const struct gate *g = gate_find("load_test");
    json_t *ru = rule(rule_text);
    struct gate_ctx ctx;

    assert_non_null(g);
    memset(r, 0, sizeof(*r));
    memset(&ctx, 0, sizeof(ctx));
    strcpy(r->ev.commit, COMMIT);
    ctx.commit = COMMIT;
    ctx.evidence_path = path;
    ctx.rule = ru;
    r->v = VERDICT_ERROR;
    r->collected = g->collect(&ctx, &r->ev, &r->e) == 0;
    if (r->collected)
        r->v = g->evaluate(&r->ev, ru, 0, &r->f);
    json_decref(ru);
}

static void
done(struct run *r)
{
    evidence_release(&r->ev);
    finding_release(&r->f);
}

static double
dnum(const struct run *r, const char *key)
{
    const json_t *v = json_object_get(r->f.details, key);

    if (!json_is_number(v))
        fail_msg("details.%s is not a number", key);
    return json_number_value(v);
}

static const char *
dstr(const struct run *r, const char *key)
{
    const char *s = json_string_value(json_object_get(r->f.details, key));

    if (!s)
        fail_msg("details.%s is not a string", key);
    return s;
}

static void
assert_has(const char *s, const char *part)
{
    if (!strstr(s, part))
        fail_msg("'%s' lacks '%s'", s, part);
}

static void
hexof(char out[65], const unsigned char sha[32])
{
    size_t i;

    for (i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", sha[i]);
}

/* ------------------------------------------------------------------ rules */

static void
check_rule_says(const char *text, const char *part)
{
    const struct gate *g = gate_find("load_test");
    json_t *r = rule(text);
    struct err e = ERR_INIT;

    if (part) {
        assert_int_equal(g->check_rule(r, "$.g", &e), -1);
        assert_int_equal(e.code, EXIT_USAGE);
        assert_has(e.msg, part);
    } else if (g->check_rule(r, "$.g", &e) < 0) {
        fail_msg("%s refused: %s", text, e.msg);
    }
    json_decref(r);
}

static void
test_registry_and_rule(void **state)
{
    const struct gate *g = gate_find("load_test");

    (void)state;
    assert_non_null(g);
    assert_int_equal(g->needs_evidence, 1);
    assert_non_null(g->check_rule);
    check_rule_says("{}", "$.g: needs at least one baseline");
    check_rule_says("{\"percentile\": 99}", "needs at least one baseline");
    check_rule_says("{\"min_rps\": 10, \"percentile\": 99}", "$.g.percentile: has no effect");
    check_rule_says("{\"max_error_rate\": 1.5}",
                    "$.g.max_error_rate: must be a number from 0 to 1");
    check_rule_says("{\"max_error_rate\": -0.1}", "must be a number from 0 to 1");
    check_rule_says("{\"max_latency_ms\": -1}", "$.g.max_latency_ms: must be a non-negative");
    check_rule_says("{\"min_rps\": -5}", "$.g.min_rps: must be a non-negative");
    check_rule_says("{\"max_latency_ms\": 300}", NULL);
    check_rule_says("{\"max_error_rate\": 0}", NULL);
    check_rule_says("{\"max_error_rate\": 1, \"min_rps\": 0}", NULL);
    check_rule_says("{\"max_latency_ms\": 0, \"percentile\": 0}", NULL);
}

/* The gate's parameters as the policy validates them (kinds from load_test_params). */
static void
policy_says(const char *gate_json, const char *part)
{
    char doc[2048];
    struct policy *p = NULL;
    struct err e = ERR_INIT;
    int rc;

    snprintf(doc, sizeof(doc),
             "{\"version\": 1, \"environments\": ["
             "{\"name\": \"sit\", \"branch\": \"release\", \"aws_account_id\": \"815856636111\","
             " \"region\": \"af-south-1\"},"
             "{\"name\": \"prod\", \"branch\": \"main\", \"aws_account_id\": \"093646564004\","
             " \"region\": \"af-south-1\"}],"
             "\"promotions\": [{\"from\": \"sit\", \"to\": \"prod\", \"gates\": [%s]}]}",
             gate_json);
    rc = policy_load(&p, doc, strlen(doc), "p.json", &e);
    if (part) {
        assert_int_equal(rc, -1);
        assert_int_equal(e.code, EXIT_USAGE);
        assert_has(e.msg, part);
    } else if (rc < 0) {
        fail_msg("refused: %s", e.msg);
    }
    policy_free(p);
}

static void
test_policy_params(void **state)
{
    (void)state;
    policy_says("{\"name\": \"load\", \"type\": \"load_test\", \"evidence\": \"reports/load.json\","
                " \"max_latency_ms\": 300, \"percentile\": 99, \"max_error_rate\": 0.01,"
                " \"min_rps\": 50}",
                NULL);
    policy_says("{\"name\": \"load\", \"type\": \"load_test\", \"max_latency_ms\": 300}",
                "$.promotions[0].gates[0].evidence: missing");
    policy_says("{\"name\": \"load\", \"type\": \"load_test\", \"evidence\": \"l.json\","
                " \"max_latency_ms\": 300, \"percentile\": 101}",
                "$.promotions[0].gates[0].percentile: must be a number from 0 to 100");
    policy_says("{\"name\": \"load\", \"type\": \"load_test\", \"evidence\": \"l.json\","
                " \"max_latency_ms\": \"300\"}",
                "$.promotions[0].gates[0].max_latency_ms: must be a number");
    policy_says("{\"name\": \"load\", \"type\": \"load_test\", \"evidence\": \"l.json\","
                " \"max_rps\": 3}",
                "$.promotions[0].gates[0].max_rps: unknown key for this gate type");
    policy_says("{\"name\": \"load\", \"type\": \"load_test\", \"evidence\": \"l.json\"}",
                "invalid policy 'p.json': $.promotions[0].gates[0]: needs at least one baseline");
    policy_says("{\"name\": \"load\", \"type\": \"load_test\", \"evidence\": \"l.json\","
                " \"max_error_rate\": 2}",
                "$.promotions[0].gates[0].max_error_rate: must be a number from 0 to 1");
}

/* ----------------------------------------------- k6 --summary-export (docs) */

static void
test_k6_export_docs(void **state)
{
    struct run r;
    char hex[65];

    (void)state;
    run(&r, L "k6-summary-export.json", "{\"max_latency_ms\": 300, \"min_rps\": 20}");
    if (!r.collected)
        fail_msg("%s", r.e.msg);
    assert_int_equal(r.v, VERDICT_PASS);
    /* the evidence hash and size the engine records */
    hexof(hex, r.ev.report.sha256);
    assert_string_equal(hex, "2c1f02f894bd25e929f52473f47b3039135ad048b9cc2fba5d0ca23f05d9cc0c");
    assert_int_equal(r.ev.report.bytes, 2437);
    assert_string_equal(dstr(&r, "format"), "k6");
    assert_string_equal(dstr(&r, "percentile_used"), "p(95)");
    assert_float_equal(dnum(&r, "latency_ms"), 205.27533795, 1e-9);
    assert_float_equal(dnum(&r, "rps"), 21.699900441941768, 1e-12);
    assert_true(json_is_null(json_object_get(r.f.details, "error_rate")));
    assert_int_equal(json_array_size(json_object_get(r.f.details, "thresholds_crossed")), 0);
    assert_float_equal(dnum(&r, "max_latency_ms"), 300, 0);
    assert_float_equal(dnum(&r, "percentile"), 95, 0);
    assert_float_equal(dnum(&r, "min_rps"), 20, 0);
    assert_null(json_object_get(r.f.details, "max_error_rate"));
    assert_null(json_object_get(r.f.details, "percentile_fallback"));
    assert_string_equal(r.f.summary, "p(95) latency 205.275 ms <= 300 ms, 21.70 req/s >= 20");
    done(&r);

    run(&r, L "k6-summary-export.json", "{\"max_latency_ms\": 205}");
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_string_equal(r.f.summary, "p(95) latency 205.275 ms > 205 ms");
    done(&r);

    run(&r, L "k6-summary-export.json", "{\"max_latency_ms\": 205, \"percentile\": 90}");
    assert_int_equal(r.v, VERDICT_PASS);
    assert_string_equal(dstr(&r, "percentile_used"), "p(90)");
    assert_float_equal(dnum(&r, "latency_ms"), 204.6849077, 1e-9);
    done(&r);

    run(&r, L "k6-summary-export.json", "{\"max_latency_ms\": 200, \"percentile\": 50}");
    assert_int_equal(r.v, VERDICT_PASS);
    assert_string_equal(dstr(&r, "percentile_used"), "med");
    assert_float_equal(dnum(&r, "latency_ms"), 115.237707, 1e-9);
    done(&r);

    /* above p(95) the export has only max: the fallback is used and said */
    run(&r, L "k6-summary-export.json", "{\"max_latency_ms\": 600, \"percentile\": 99}");
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_string_equal(dstr(&r, "percentile_used"), "max");
    assert_float_equal(dnum(&r, "latency_ms"), 663.812323, 1e-9);
    assert_string_equal(dstr(&r, "percentile_fallback"),
                        "the report has no percentile >= 99: used max");
    assert_has(r.f.summary, "max latency 663.812 ms > 600 ms (no higher percentile)");
    done(&r);

    /* percentile 100 is max itself: no fallback to speak of */
    run(&r, L "k6-summary-export.json", "{\"max_latency_ms\": 700, \"percentile\": 100}");
    assert_int_equal(r.v, VERDICT_PASS);
    assert_string_equal(dstr(&r, "percentile_used"), "max");
    assert_null(json_object_get(r.f.details, "percentile_fallback"));
    done(&r);

    run(&r, L "k6-summary-export.json", "{\"min_rps\": 21.7}");
    assert_int_equal(r.v, VERDICT_FAIL); /* 21.6999... */
    assert_string_equal(r.f.summary, "21.70 req/s < 21.7");
    done(&r);

    /* the published example predates http_req_failed: an error-rate baseline cannot be
     * judged, which is an error naming the file and what is missing */
    run(&r, L "k6-summary-export.json", "{\"max_error_rate\": 0.01, \"min_rps\": 1}");
    assert_true(r.collected);
    assert_int_equal(r.v, VERDICT_ERROR);
    assert_has(r.f.summary, "cannot judge max_error_rate: '" L "k6-summary-export.json' "
                            "has no metrics.http_req_failed.value (k6 report)");
    done(&r);
}

/* ---------------------------------------- k6 handleSummary() data (docs) */

static void
test_k6_data_docs(void **state)
{
    struct run r;
    const json_t *crossed;
    char hex[65];

    (void)state;
    /* every baseline holds, but the report's thresholds were crossed (ok: false) */
    run(&r, L "k6-handlesummary-data.json", "{\"max_latency_ms\": 1000, \"min_rps\": 10}");
    if (!r.collected)
        fail_msg("%s", r.e.msg);
    assert_int_equal(r.v, VERDICT_FAIL);
    hexof(hex, r.ev.report.sha256);
    assert_string_equal(hex, "5f42e80a8e61ce3c53d8fca54a27eba353ed6e7677abe21ba168f951652b08fb");
    assert_int_equal(r.ev.report.bytes, 1269);
    assert_string_equal(dstr(&r, "format"), "k6");
    /* no p(95) in the example: the nearest higher is p(99.99) */
    assert_string_equal(dstr(&r, "percentile_used"), "p(99.99)");
    assert_float_equal(dnum(&r, "latency_ms"), 846.1969478817999, 1e-9);
    assert_null(json_object_get(r.f.details, "percentile_fallback"));
    assert_float_equal(dnum(&r, "rps"), 19.768856959496336, 1e-12);
    crossed = json_object_get(r.f.details, "thresholds_crossed");
    assert_int_equal(json_array_size(crossed), 2);
    assert_string_equal(json_string_value(json_array_get(crossed, 0)),
                        "http_req_duration: p(95)<500");
    assert_string_equal(json_string_value(json_array_get(crossed, 1)),
                        "http_req_duration{staticAsset:yes}: p(99)<250");
    assert_string_equal(r.f.summary, "2 k6 thresholds crossed: http_req_duration: p(95)<500, ...");
    done(&r);

    run(&r, L "k6-handlesummary-data.json", "{\"max_latency_ms\": 846.2, \"percentile\": 99.995}");
    assert_string_equal(dstr(&r, "percentile_used"), "max");
    assert_float_equal(dnum(&r, "latency_ms"), 846.198634, 1e-9);
    assert_string_equal(dstr(&r, "percentile_fallback"),
                        "the report has no percentile >= 99.995: used max");
    assert_int_equal(r.v, VERDICT_FAIL); /* the thresholds still */
    done(&r);
}

/* ------------------------------------------- k6, constructed (both shapes) */

static void
test_k6_constructed(void **state)
{
    struct run r;
    const json_t *crossed;

    (void)state;
    /* --summary-export: a threshold's true means crossed, false means it held */
    run(&r, L "k6-summary-export-constructed.json",
        "{\"max_latency_ms\": 200, \"max_error_rate\": 0.01, \"min_rps\": 5}");
    if (!r.collected)
        fail_msg("%s", r.e.msg);
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_float_equal(dnum(&r, "latency_ms"), 148.21, 1e-9);
    assert_float_equal(dnum(&r, "error_rate"), 0, 0);
    assert_float_equal(dnum(&r, "rps"), 6.56109, 1e-12);
    crossed = json_object_get(r.f.details, "thresholds_crossed");
    assert_int_equal(json_array_size(crossed), 1);
    assert_string_equal(json_string_value(json_array_get(crossed, 0)),
                        "http_req_duration: p(90)<140");
    assert_string_equal(r.f.summary, "k6 threshold crossed: http_req_duration: p(90)<140");
    done(&r);

    /* the same with the crossed threshold held: pass */
    run(&r,
        edited(L "k6-summary-export-constructed.json", "\"p(90)<140\": true",
               "\"p(90)<140\": false", "held.json"),
        "{\"max_latency_ms\": 200, \"max_error_rate\": 0.01, \"min_rps\": 5}");
    assert_int_equal(r.v, VERDICT_PASS);
    assert_string_equal(r.f.summary, "p(95) latency 148.21 ms <= 200 ms, error rate 0.00% <= 1%, "
                                     "6.56 req/s >= 5");
    done(&r);

    /* handleSummary data: error rate from http_req_failed.values.rate */
    run(&r, L "k6-handlesummary-data-constructed.json",
        "{\"max_latency_ms\": 150, \"max_error_rate\": 0.05, \"min_rps\": 6}");
    if (!r.collected)
        fail_msg("%s", r.e.msg);
    assert_int_equal(r.v, VERDICT_PASS);
    assert_string_equal(dstr(&r, "percentile_used"), "p(95)");
    assert_float_equal(dnum(&r, "latency_ms"), 148.21, 1e-9);
    assert_float_equal(dnum(&r, "error_rate"), 0.022222222222222223, 1e-15);
    assert_float_equal(dnum(&r, "rps"), 6.56109, 1e-12);
    assert_int_equal(json_array_size(json_object_get(r.f.details, "thresholds_crossed")), 0);
    done(&r);

    run(&r, L "k6-handlesummary-data-constructed.json", "{\"max_error_rate\": 0.02}");
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_string_equal(r.f.summary, "error rate 2.22% > 2%");
    done(&r);

    run(&r,
        edited(L "k6-handlesummary-data-constructed.json", "\"rate<0.05\":{\"ok\":true}",
               "\"rate<0.05\":{\"ok\":false}", "crossed.json"),
        "{\"max_error_rate\": 0.05}");
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_string_equal(r.f.summary, "k6 threshold crossed: http_req_failed: rate<0.05");
    done(&r);

    /* a crossed threshold of a long name, cut inside a character where it is quoted: a
     * failure all the same, named in UTF-8 (it was "out of memory") */
    run(&r,
        edited(L "k6-handlesummary-data-constructed.json", "\"rate<0.05\":{\"ok\":true}",
               "\"rate<0.05 x" EACUTE100 EACUTE100 "\":{\"ok\":false}", "long.json"),
        "{\"max_error_rate\": 0.05}");
    if (!r.collected)
        fail_msg("%s", r.e.msg);
    assert_int_equal(r.v, VERDICT_FAIL);
    crossed = json_object_get(r.f.details, "thresholds_crossed");
    assert_int_equal(json_array_size(crossed), 1);
    assert_has(json_string_value(json_array_get(crossed, 0)),
               "http_req_failed: rate<0.05 x" EACUTE);
    assert_has(r.f.summary, "k6 threshold crossed: http_req_failed: rate<0.05 x" EACUTE);
    assert_has(r.f.summary, EACUTE "?"); /* cut at 255 bytes, inside an e-acute */
    done(&r);
}

/* ------------------------------------------------- autocannon, real runs */

static void
test_autocannon_healthy(void **state)
{
    struct run r;
    char hex[65];

    (void)state;
    run(&r, L "autocannon-healthy.json",
        "{\"max_latency_ms\": 50, \"max_error_rate\": 0.01, \"min_rps\": 1000}");
    if (!r.collected)
        fail_msg("%s", r.e.msg);
    assert_int_equal(r.v, VERDICT_PASS);
    hexof(hex, r.ev.report.sha256);
    assert_string_equal(hex, "d80ccd8a160d391dc028531ed32daf328f51ee464397df5fb07334fcb854faf3");
    assert_int_equal(r.ev.report.bytes, 1193);
    assert_string_equal(dstr(&r, "format"), "autocannon");
    /* autocannon has p90 and p97_5 around 95: the nearest higher is p97_5 */
    assert_string_equal(dstr(&r, "percentile_used"), "p97_5");
    assert_float_equal(dnum(&r, "latency_ms"), 1, 0);
    assert_float_equal(dnum(&r, "error_rate"), 0, 0); /* (0 + 0 + 0) / 19857 */
    assert_float_equal(dnum(&r, "rps"), 9928, 0);
    assert_int_equal(json_array_size(json_object_get(r.f.details, "thresholds_crossed")), 0);
    assert_string_equal(
        r.f.summary, "p97_5 latency 1 ms <= 50 ms, error rate 0.00% <= 1%, 9928.00 req/s >= 1000");
    done(&r);

    /* the baselines are inclusive: exactly min_rps passes */
    run(&r, L "autocannon-healthy.json", "{\"min_rps\": 9928}");
    assert_int_equal(r.v, VERDICT_PASS);
    done(&r);
    run(&r, L "autocannon-healthy.json", "{\"min_rps\": 9928.5}");
    assert_int_equal(r.v, VERDICT_FAIL);
    done(&r);

    run(&r, L "autocannon-healthy.json", "{\"max_latency_ms\": 5, \"percentile\": 99.95}");
    assert_string_equal(dstr(&r, "percentile_used"), "p99_99");
    assert_float_equal(dnum(&r, "latency_ms"), 6, 0);
    assert_int_equal(r.v, VERDICT_FAIL);
    done(&r);

    run(&r, L "autocannon-healthy.json", "{\"max_latency_ms\": 5, \"percentile\": 99.9}");
    assert_string_equal(dstr(&r, "percentile_used"), "p99_9");
    assert_float_equal(dnum(&r, "latency_ms"), 3, 0);
    assert_int_equal(r.v, VERDICT_PASS);
    done(&r);

    run(&r, L "autocannon-healthy.json", "{\"max_latency_ms\": 10, \"percentile\": 2.5}");
    assert_string_equal(dstr(&r, "percentile_used"), "p2_5");
    done(&r);

    run(&r, L "autocannon-healthy.json", "{\"max_latency_ms\": 10, \"percentile\": 100}");
    assert_string_equal(dstr(&r, "percentile_used"), "max");
    assert_float_equal(dnum(&r, "latency_ms"), 10, 0);
    assert_int_equal(r.v, VERDICT_PASS);
    done(&r);

    run(&r, L "autocannon-healthy.json", "{\"max_latency_ms\": 10, \"percentile\": 99.9995}");
    assert_string_equal(dstr(&r, "percentile_used"), "max");
    assert_non_null(json_object_get(r.f.details, "percentile_fallback"));
    done(&r);
}

static void
test_autocannon_faulty(void **state)
{
    struct run r;

    (void)state;
    run(&r, L "autocannon-faulty.json",
        "{\"max_latency_ms\": 50, \"max_error_rate\": 0.01, \"min_rps\": 1000}");
    if (!r.collected)
        fail_msg("%s", r.e.msg);
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_string_equal(dstr(&r, "percentile_used"), "p97_5");
    assert_float_equal(dnum(&r, "latency_ms"), 27, 0);
    /* (errors 0 + non2xx 60) / (requests.total 304 + errors 0) */
    assert_float_equal(dnum(&r, "error_rate"), 60.0 / 304.0, 1e-15);
    assert_float_equal(dnum(&r, "rps"), 152, 0);
    assert_string_equal(r.f.summary, "error rate 19.74% > 1%, 152.00 req/s < 1000");
    done(&r);

    run(&r, L "autocannon-faulty.json", "{\"max_latency_ms\": 20}");
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_string_equal(r.f.summary, "p97_5 latency 27 ms > 20 ms");
    done(&r);

    run(&r, L "autocannon-faulty.json", "{\"max_latency_ms\": 30, \"max_error_rate\": 0.2}");
    assert_int_equal(r.v, VERDICT_PASS);
    done(&r);
}

/* errors (which include timeouts, counted once) and non2xx, over requests.total +
 * errors; no response at all is a 100 % error rate and no latency */
static void
test_autocannon_error_rate(void **state)
{
    struct run r;
    const char *p;

    (void)state;
    p = edited(L "autocannon-faulty.json",
               "\"errors\":0,\"timeouts\":0,\"mismatches\":0,\"non2xx\":60",
               "\"errors\":7,\"timeouts\":3,\"mismatches\":0,\"non2xx\":20", "e.json");
    run(&r, p, "{\"max_error_rate\": 0.087}");
    assert_float_equal(dnum(&r, "error_rate"), 27.0 / 311.0, 1e-15);
    assert_int_equal(r.v, VERDICT_PASS);
    done(&r);
    run(&r, p, "{\"max_error_rate\": 0.086}");
    assert_int_equal(r.v, VERDICT_FAIL);
    done(&r);

    p = edited(L "autocannon-faulty.json", "\"total\":304,", "\"total\":0,", "zero.json");
    run(&r, p, "{\"max_error_rate\": 0.5}");
    assert_true(r.collected);
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_float_equal(dnum(&r, "error_rate"), 1.0, 0);
    assert_string_equal(r.f.summary, "error rate 100.00% > 50%");
    done(&r);
    run(&r, p, "{\"max_latency_ms\": 1000}"); /* no latency was measured: not 0 ms */
    assert_int_equal(r.v, VERDICT_ERROR);
    assert_has(r.f.summary, "cannot judge max_latency_ms: '");
    assert_has(r.f.summary, "zero.json' has requests.total 0: no response arrived "
                            "(autocannon report)");
    assert_true(json_is_null(json_object_get(r.f.details, "latency_ms")));
    done(&r);

    p = edited(L "autocannon-faulty.json", "\"timeouts\":0,", "", "notimeouts.json");
    run(&r, p, "{\"max_error_rate\": 0.5}"); /* timeouts are in errors: not needed */
    assert_int_equal(r.v, VERDICT_PASS);
    assert_float_equal(dnum(&r, "error_rate"), 60.0 / 304.0, 1e-15);
    done(&r);
    p = edited(L "autocannon-faulty.json", "\"non2xx\":60,", "", "nonon2xx.json");
    run(&r, p, "{\"max_error_rate\": 0.5}");
    assert_int_equal(r.v, VERDICT_ERROR);
    assert_has(r.f.summary, "nonon2xx.json' has no non2xx (autocannon report)");
    done(&r);
}

/* Real autocannon runs against a server that stalls every 50th request and against a
 * closed port (tests/fixtures/loadtest/README.md). */
static void
test_autocannon_failed_runs(void **state)
{
    struct run r;

    (void)state;
    /* errors 4 are the 4 timeouts: counted once, 4 / (392 + 4) */
    run(&r, L "autocannon-timeouts.json", "{\"max_latency_ms\": 50, \"max_error_rate\": 0.01}");
    assert_true(r.collected);
    assert_float_equal(dnum(&r, "error_rate"), 4.0 / 396.0, 1e-15);
    assert_float_equal(dnum(&r, "latency_ms"), 9, 0); /* p97_5 */
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_string_equal(r.f.summary, "error rate 1.01% > 1%");
    done(&r);
    /* no response at all: no latency (not 0 ms), a 100 % error rate, 0 req/s */
    run(&r, L "autocannon-closed-port.json", "{\"max_latency_ms\": 50}");
    assert_int_equal(r.v, VERDICT_ERROR);
    assert_has(r.f.summary, "autocannon-closed-port.json' has requests.total 0: no response "
                            "arrived (autocannon report)");
    done(&r);
    run(&r, L "autocannon-closed-port.json", "{\"max_error_rate\": 0.5, \"min_rps\": 1}");
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_float_equal(dnum(&r, "error_rate"), 1.0, 0);
    assert_string_equal(r.f.summary, "error rate 100.00% > 50%, 0.00 req/s < 1");
    done(&r);
}

/* k6: a run that completed no request has no percentiles (its trend has no samples)
 * and a 100 % error rate, in both shapes */
static void
test_k6_no_requests(void **state)
{
    struct run r;
    const char *p;

    (void)state;
    p = edited(L "k6-summary-export.json", "\"count\": 434,", "\"count\": 0,", "k6zero.json");
    run(&r, p, "{\"max_latency_ms\": 1000}");
    assert_int_equal(r.v, VERDICT_ERROR);
    assert_has(r.f.summary, "k6zero.json' has metrics.http_reqs count 0: no request completed "
                            "(k6 report)");
    done(&r);
    run(&r, p, "{\"max_error_rate\": 0.5, \"min_rps\": 1}");
    assert_int_equal(r.v, VERDICT_FAIL);
    assert_string_equal(r.f.summary, "error rate 100.00% > 50%, 0.00 req/s < 1");
    done(&r);
    p = edited(L "k6-handlesummary-data.json", "\"count\": 40,", "\"count\": 0,", "k6zero2.json");
    run(&r, p, "{\"max_latency_ms\": 1000}");
    assert_int_equal(r.v, VERDICT_ERROR);
    assert_has(r.f.summary, "has metrics.http_reqs count 0: no request completed");
    done(&r);
}

/* ------------------------------------------------- broken or unusable input */

static void
collect_fails(const char *path, const char *part)
{
    struct run r;

    run(&r, path, "{\"max_latency_ms\": 100}");
    assert_false(r.collected);
    assert_int_equal(r.e.code, EXIT_EVAL);
    assert_has(r.e.msg, path);
    assert_has(r.e.msg, part);
    done(&r);
}

static void
test_malformed(void **state)
{
    char big[128];
    FILE *f;
    size_t i;

    (void)state;
    collect_fails(write_tmp("trunc.json", "{\"latency\": {\"p97_5\": 1}, \"requests\": {"),
                  "cannot parse '");
    collect_fails(write_tmp("empty.json", ""), "cannot parse '");
    collect_fails(write_tmp("array.json", "[1, 2]"), "not a JSON object");
    collect_fails(write_tmp("other.json", "{\"totals\": {\"percent_covered\": 90}}"),
                  "unrecognised load test report");
    collect_fails(write_tmp("dup.json", "{\"metrics\": {\"http_reqs\": {\"rate\": 1}, "
                                        "\"http_reqs\": {\"rate\": 2}}}"),
                  "duplicate");
    collect_fails(edited(L "k6-summary-export.json", "\"rate\": 21.699900441941768",
                         "\"rate\": \"fast\"", "type.json"),
                  "metrics.http_reqs.rate: must be a non-negative number");
    collect_fails(edited(L "k6-summary-export.json", "\"p(95)\": 205.27533795",
                         "\"p(95)\": -205.27533795", "neg.json"),
                  "metrics.http_req_duration.p(95): must be a non-negative number");
    collect_fails(edited(L "autocannon-healthy.json", "\"p97_5\":1,", "\"p97_5\":-1,", "neg.json"),
                  "latency.p97_5: must be a non-negative number");
    collect_fails(
        edited(L "autocannon-healthy.json", "\"non2xx\":0", "\"non2xx\":0.5", "half.json"),
        "non2xx: must be a non-negative integer");
    collect_fails(edited(L "k6-handlesummary-data-constructed.json",
                         "\"rate\":0.022222222222222223", "\"rate\":1.5", "rate.json"),
                  "metrics.http_req_failed.values.rate: must be a number from 0 to 1");
    collect_fails(edited(L "k6-summary-export-constructed.json", "\"p(90)<140\": true",
                         "\"p(90)<140\": \"yes\"", "th.json"),
                  "metrics.http_req_duration.thresholds.p(90)<140: must be true or false");
    collect_fails(edited(L "k6-handlesummary-data.json", "\"ok\": false", "\"ok\": 0", "ok.json"),
                  "metrics.http_req_duration.thresholds.p(95)<500: must be an object with a "
                  "boolean \"ok\"");
    collect_fails(edited(L "k6-handlesummary-data.json", "\"values\": {\n        \"count\": 40,",
                         "\"novalues\": {\n        \"count\": 40,", "mixed.json"),
                  "metrics: mixes the --summary-export and the handleSummary() shapes");
    collect_fails(write_tmp("nometrics.json", "{\"metrics\": {}}"), "metrics: is empty");
    collect_fails(write_tmp("m.json", "{\"metrics\": {\"http_reqs\": 3}}"),
                  "metrics.http_reqs: must be an object");
    collect_fails(FIXTURES "/loadtest/no-such-file.json", "cannot open '");

    /* a hard cap on what is read: 16 MiB */
    snprintf(big, sizeof(big), "%s/big.json", tmpdir);
    f = fopen(big, "wb");
    assert_non_null(f);
    fputc('{', f);
    for (i = 0; i < 16 * 1024 + 1; i++) {
        static char spaces[1024];

        memset(spaces, ' ', sizeof(spaces));
        assert_int_equal(fwrite(spaces, 1, sizeof(spaces), f), sizeof(spaces));
    }
    fputc('}', f);
    fclose(f);
    collect_fails(big, "larger than 16 MiB");
}

/* a baseline whose metric the report lacks is an error naming the file and the metric */
static void
test_missing_metric(void **state)
{
    struct run r;
    const char *p;

    (void)state;
    p = write_tmp("nolat.json", "{\"metrics\": {\"http_reqs\": {\"count\": 3, \"rate\": 1.5}}}");
    run(&r, p, "{\"max_latency_ms\": 100}");
    assert_true(r.collected);
    assert_int_equal(r.v, VERDICT_ERROR);
    assert_has(r.f.summary, "cannot judge max_latency_ms: '");
    assert_has(r.f.summary, "nolat.json' has no metrics.http_req_duration (k6 report)");
    done(&r);
    run(&r, p, "{\"min_rps\": 1}");
    assert_int_equal(r.v, VERDICT_PASS);
    done(&r);

    p = write_tmp("norps.json", "{\"metrics\": {\"http_req_duration\": {\"type\": \"trend\", "
                                "\"values\": {\"avg\": 3, \"p(90)\": 4}}}}");
    run(&r, p, "{\"min_rps\": 1}");
    assert_int_equal(r.v, VERDICT_ERROR);
    assert_has(r.f.summary, "cannot judge min_rps: '");
    assert_has(r.f.summary, "norps.json' has no metrics.http_reqs.values.rate (k6 report)");
    done(&r);
    /* p(90) is below 95 and there is no max: nothing to judge by */
    run(&r, p, "{\"max_latency_ms\": 100}");
    assert_int_equal(r.v, VERDICT_ERROR);
    assert_has(r.f.summary, "norps.json' has no latency percentile >= 95 and no max (k6 report)");
    done(&r);
    run(&r, p, "{\"max_latency_ms\": 100, \"percentile\": 90}");
    assert_int_equal(r.v, VERDICT_PASS);
    done(&r);
}

/* evaluate is pure: evidence built by hand */
static void
test_evaluate_by_hand(void **state)
{
    const struct gate *g = gate_find("load_test");
    struct evidence ev;
    struct finding f;
    json_t *ru = rule("{\"max_latency_ms\": 10, \"percentile\": 95}");

    (void)state;
    memset(&ev, 0, sizeof(ev));
    strcpy(ev.commit, COMMIT);
    memset(&f, 0, sizeof(f));
    assert_int_equal(g->evaluate(&ev, ru, 0, &f), VERDICT_ERROR); /* no evidence at all */
    assert_string_equal(f.summary, "no load test evidence for commit 4b825dc642cb");
    finding_release(&f);

    ev.data = json_loads("{\"format\": \"autocannon\", \"file\": \"x.json\", \"missing\": {},"
                         " \"latency\": [{\"key\": \"p90\", \"percentile\": 90, \"ms\": 5},"
                         " {\"key\": \"p99\", \"percentile\": 99, \"ms\": 9},"
                         " {\"key\": \"p97_5\", \"percentile\": 97.5, \"ms\": 7}],"
                         " \"error_rate\": null, \"rps\": 3, \"thresholds_crossed\": []}",
                         0, NULL);
    assert_non_null(ev.data);
    memset(&f, 0, sizeof(f));
    assert_int_equal(g->evaluate(&ev, ru, 0, &f), VERDICT_PASS);
    assert_string_equal(json_string_value(json_object_get(f.details, "percentile_used")), "p97_5");
    finding_release(&f);
    json_object_set_new(ev.data, "format", json_string("jmeter"));
    assert_int_equal(g->evaluate(&ev, ru, 0, &f), VERDICT_ERROR);
    finding_release(&f);
    evidence_release(&ev);
    json_decref(ru);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry_and_rule),
        cmocka_unit_test(test_policy_params),
        cmocka_unit_test(test_k6_export_docs),
        cmocka_unit_test(test_k6_data_docs),
        cmocka_unit_test(test_k6_constructed),
        cmocka_unit_test(test_autocannon_healthy),
        cmocka_unit_test(test_autocannon_faulty),
        cmocka_unit_test(test_autocannon_error_rate),
        cmocka_unit_test(test_k6_no_requests),
        cmocka_unit_test(test_autocannon_failed_runs),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_missing_metric),
        cmocka_unit_test(test_evaluate_by_hand),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
