/* Policy loading and validation: the shipped BBWS policy, and every way a policy is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

#include "core/engine/policy.h"

#define BBWS FIXTURES "/../../policies/bbws.json"

static void
test_bbws_policy(void **state)
{
    struct policy *p = NULL;
    struct err e = ERR_INIT;
    const struct policy_promotion *pr;

    (void)state;
    assert_int_equal(policy_load_file(&p, BBWS, &e), 0);
    assert_int_equal(p->local_override, 1);
    assert_int_equal(p->n_envs, 3);
    assert_string_equal(p->envs[0].name, "dev");
    assert_string_equal(p->envs[0].branch, "develop");
    assert_string_equal(p->envs[0].aws_account_id, "536580886816");
    assert_null(p->envs[0].failover_region);
    assert_string_equal(p->envs[1].name, "sit");
    assert_string_equal(p->envs[1].branch, "release");
    assert_string_equal(p->envs[1].aws_account_id, "815856636111");
    assert_string_equal(p->envs[2].name, "prod");
    assert_string_equal(p->envs[2].branch, "main");
    assert_string_equal(p->envs[2].aws_account_id, "093646564004");
    assert_string_equal(p->envs[2].region, "af-south-1");
    assert_string_equal(p->envs[2].failover_region, "eu-west-1");
    assert_int_equal(p->n_promotions, 2);
    pr = policy_promotion(p, "dev", "sit");
    assert_non_null(pr);
    assert_non_null(policy_gate(pr, "unit-coverage"));
    assert_int_equal(json_integer_value(json_object_get(policy_gate(pr, "unit-coverage"),
                                                        "min_percent")),
                     80);
    assert_null(policy_gate(pr, "nope"));
    assert_non_null(policy_promotion(p, "sit", "prod"));
    assert_null(policy_promotion(p, "dev", "prod"));
    assert_null(policy_env(p, "staging"));
    assert_int_equal(strlen(p->sha256_hex), 64);
    policy_free(p);
}

static const char *const good =
    "{\"version\": 1, \"environments\": ["
    "{\"name\": \"a\", \"branch\": \"a\", \"aws_account_id\": \"111111111111\", \"region\": "
    "\"eu-west-1\"},"
    "{\"name\": \"b\", \"branch\": \"b\", \"aws_account_id\": \"222222222222\", \"region\": "
    "\"eu-west-1\", \"failover_region\": \"us-gov-west-1\"}],"
    "\"promotions\": [{\"from\": \"a\", \"to\": \"b\", \"gates\": ["
    "{\"name\": \"cov\", \"type\": \"coverage\", \"evidence\": \"c.xml\", \"min_percent\": 50}]}]}";

/* Load GOOD with FROM replaced by TO; expect refusal with code 2 and NEEDLE in the message. */
static void
refused(const char *from, const char *to, const char *needle)
{
    char text[2048];
    const char *at = strstr(good, from);
    struct policy *p = NULL;
    struct err e = ERR_INIT;

    assert_non_null(at);
    snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - good), good, to, at + strlen(from));
    assert_int_equal(policy_load(&p, text, strlen(text), "t.json", &e), -1);
    assert_null(p);
    assert_int_equal(e.code, EXIT_USAGE);
    if (!strstr(e.msg, needle))
        fail_msg("'%s' lacks '%s'", e.msg, needle);
}

static void
test_good_policy(void **state)
{
    struct policy *p = NULL;
    struct err e = ERR_INIT;

    (void)state;
    assert_int_equal(policy_load(&p, good, strlen(good), "t.json", &e), 0);
    assert_string_equal(p->envs[1].failover_region, "us-gov-west-1");
    assert_string_equal(p->envs[1].github_environment, "b"); /* defaults to the name */
    assert_int_equal(p->local_override, 0);
    policy_free(p);
}

static void
test_refusals(void **state)
{
    (void)state;
    refused("{\"version\": 1,", "{\"version\": 1,,", "cannot parse policy 't.json': line 1, column 15");
    refused("\"version\": 1", "\"version\": \"1\"", "$.version: unsupported version");
    refused("\"version\": 1,", "", "$.version: missing");
    refused("\"type\": \"coverage\"", "\"type\": \"vibes\"",
            "invalid policy 't.json': $.promotions[0].gates[0].type: unknown gate type 'vibes'");
    refused("\"type\": \"coverage\", ", "", "$.promotions[0].gates[0].type: missing");
    refused(", \"min_percent\": 50", "",
            "$.promotions[0].gates[0].min_percent: missing (required by this gate type)");
    refused("\"min_percent\": 50", "\"min_percent\": -1",
            "$.promotions[0].gates[0].min_percent: must be a number from 0 to 100");
    refused("\"min_percent\": 50", "\"min_percent\": true", "must be a number from 0 to 100");
    refused("\"evidence\": \"c.xml\", ", "", "$.promotions[0].gates[0].evidence: missing");
    refused("\"evidence\": \"c.xml\"", "\"evidence\": \"\"", "must be a non-empty string");
    refused("\"min_percent\": 50", "\"min_percent\": 50, \"branch\": \"x\"",
            "$.promotions[0].gates[0].branch: unknown key for this gate type");
    refused("\"to\": \"b\"", "\"to\": \"c\"", "$.promotions[0].to: unknown environment 'c'");
    refused("\"from\": \"a\", \"to\": \"b\"", "\"from\": \"b\", \"to\": \"a\"",
            "'b' -> 'a' is not a step to the next environment");
    refused("\"from\": \"a\", \"to\": \"b\"", "\"from\": \"a\", \"to\": \"a\"",
            "is not a step to the next environment");
    refused("\"gates\": [", "\"gates\": [], \"x\": [", "$.promotions[0].x: unknown key");
    refused("\"aws_account_id\": \"111111111111\"", "\"aws_account_id\": 111111111111",
            "$.environments[0].aws_account_id: must be a non-empty string");
    refused("\"aws_account_id\": \"111111111111\"", "\"aws_account_id\": \"1111111111112\"",
            "$.environments[0].aws_account_id: must be a string of 12 digits");
    refused("\"region\": \"eu-west-1\"}", "\"region\": \"eu-west\"}",
            "$.environments[0].region: not an AWS region name");
    refused("\"name\": \"b\"", "\"name\": \"a\"", "$.environments[1]: duplicate environment name");
    refused("\"name\": \"b\"", "\"name\": \"B\"", "$.environments[1].name: must be lowercase");
    refused("\"branch\": \"a\", ", "", "$.environments[0].branch: missing");
    refused("\"failover_region\": \"us-gov-west-1\"", "\"failover_region\": \"eu-west-1\"",
            "must differ from the primary region");
    refused("\"failover_region\": \"us-gov-west-1\"", "\"failover_region\": 7",
            "$.environments[1].failover_region: must be null or an AWS region name");
    refused("\"version\": 1,", "\"version\": 1, \"version\": 1,", "duplicate object key");
    refused("{\"version\"", "{\"extra\": 1, \"version\"", "$.extra: unknown key");
    refused("{\"version\"", "{\"name\": 7, \"version\"", "$.name: must be a string");
    refused("{\"name\": \"cov\"", "{\"name\": \"cov\", \"type\": \"tests\", \"evidence\": \"t.xml\"}, {\"name\": \"cov\"",
            "$.promotions[0].gates[1]: duplicate gate name 'cov'");
}

static void
test_bbws_matrix(void **state)
{
    struct policy *p = NULL;
    struct err e = ERR_INIT;
    const json_t *m;

    (void)state;
    assert_int_equal(policy_load_file(&p, BBWS, &e), 0);
    m = policy_env(p, "prod")->matrix;
    assert_non_null(m);
    assert_true(json_number_value(json_object_get(m, "availability_sla_percent")) == 99.9);
    assert_true(json_is_true(json_object_get(m, "dr_enabled")));
    assert_int_equal(json_integer_value(json_object_get(m, "log_retention_days")), 90);
    assert_int_equal(json_integer_value(json_object_get(m, "lambda_reserved_concurrency")), 50);
    assert_int_equal(json_integer_value(json_object_get(m, "ses_sending_limit_per_second")), 50);
    assert_int_equal(json_integer_value(json_object_get(m, "api_throttling_rps")), 10000);
    assert_int_equal(json_integer_value(json_object_get(m, "rto_minutes")), 60);
    assert_int_equal(json_integer_value(json_object_get(m, "rpo_minutes")), 5);
    m = policy_env(p, "dev")->matrix;
    assert_true(json_is_null(json_object_get(m, "lambda_reserved_concurrency")));
    assert_true(json_is_false(json_object_get(m, "dr_enabled")));
    assert_string_equal(json_string_value(json_object_get(m, "ses_from_address")),
                        "test@kimmyai.io");
    assert_string_equal(policy_env(p, "sit")->description,
                        "system integration testing (pre-production)");
    /* every attribute of the table is set for every BBWS environment */
    {
        const struct policy_attr *a;
        size_t i;

        for (i = 0; i < p->n_envs; i++)
            for (a = policy_matrix_attrs; a->key; a++)
                if (!json_object_get(p->envs[i].matrix, a->key))
                    fail_msg("%s lacks %s", p->envs[i].name, a->key);
    }
    policy_free(p);
}

#define ENV_A "\"region\": \"eu-west-1\"},"
#define WITH_MATRIX(m) "\"region\": \"eu-west-1\", \"matrix\": " m "},"

static void
test_matrix_refusals(void **state)
{
    struct policy *p = NULL;
    struct err e = ERR_INIT;
    char text[2048];
    const char *at = strstr(good, ENV_A);

    (void)state;
    /* a matrix is optional, and a partial one is fine */
    assert_non_null(at);
    snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - good), good,
             WITH_MATRIX("{\"log_retention_days\": 7, \"dr_enabled\": false, "
                         "\"lambda_reserved_concurrency\": null, \"compliance\": []}"),
             at + strlen(ENV_A));
    assert_int_equal(policy_load(&p, text, strlen(text), "t.json", &e), 0);
    assert_int_equal(json_integer_value(json_object_get(p->envs[0].matrix, "log_retention_days")),
                     7);
    assert_null(p->envs[1].matrix);
    policy_free(p);

    refused(ENV_A, WITH_MATRIX("[]"), "$.environments[0].matrix: must be an object");
    refused(ENV_A, WITH_MATRIX("{\"log_retention\": 7}"),
            "invalid policy 't.json': $.environments[0].matrix.log_retention: unknown key");
    refused(ENV_A, WITH_MATRIX("{\"log_retention_days\": \"7\"}"),
            "$.environments[0].matrix.log_retention_days: must be an integer from 1 to 3653");
    refused(ENV_A, WITH_MATRIX("{\"log_retention_days\": 7.5}"),
            "$.environments[0].matrix.log_retention_days: must be an integer");
    refused(ENV_A, WITH_MATRIX("{\"log_retention_days\": null}"),
            "$.environments[0].matrix.log_retention_days: must be an integer");
    refused(ENV_A, WITH_MATRIX("{\"lambda_reserved_concurrency\": -1}"),
            "matrix.lambda_reserved_concurrency: must be null or an integer from 0 to 100000");
    refused(ENV_A, WITH_MATRIX("{\"availability_sla_percent\": 100.5}"),
            "matrix.availability_sla_percent: must be a number from 0 to 100");
    refused(ENV_A, WITH_MATRIX("{\"availability_sla_percent\": \"99.9\"}"),
            "matrix.availability_sla_percent: must be a number from 0 to 100");
    refused(ENV_A, WITH_MATRIX("{\"dr_enabled\": \"yes\"}"),
            "matrix.dr_enabled: must be true or false");
    refused(ENV_A, WITH_MATRIX("{\"dr_enabled\": true}"),
            "$.environments[0].matrix.dr_enabled: must be false: the environment has no failover "
            "region");
    refused(ENV_A, WITH_MATRIX("{\"purpose\": \"\"}"),
            "matrix.purpose: must be a non-empty string");
    refused(ENV_A, WITH_MATRIX("{\"purpose\": null}"),
            "matrix.purpose: must be a non-empty string");
    refused(ENV_A, WITH_MATRIX("{\"alarm_topic\": 3}"),
            "matrix.alarm_topic: must be null or a non-empty string");
    refused(ENV_A, WITH_MATRIX("{\"compliance\": [\"GDPR\", \"\"]}"),
            "matrix.compliance: must be an array of non-empty strings");
    refused(ENV_A, WITH_MATRIX("{\"compliance\": \"GDPR\"}"),
            "matrix.compliance: must be an array of non-empty strings");
    refused(ENV_A,
            WITH_MATRIX("{\"lambda_reserved_concurrency\": 10, "
                        "\"lambda_provisioned_concurrency\": 20}"),
            "matrix.lambda_provisioned_concurrency: cannot exceed lambda_reserved_concurrency");
    refused(ENV_A, WITH_MATRIX("{\"lambda_memory_mb\": 64}"),
            "matrix.lambda_memory_mb: must be an integer from 128 to 10240");
    refused("\"failover_region\": \"us-gov-west-1\"",
            "\"failover_region\": \"us-gov-west-1\", \"matrix\": {\"dr_enabled\": false}",
            "$.environments[1].matrix.dr_enabled: must be true: the environment has a failover "
            "region");
}

static void
test_not_an_object(void **state)
{
    struct policy *p = NULL;
    struct err e = ERR_INIT;

    (void)state;
    assert_int_equal(policy_load(&p, "[]", 2, "t.json", &e), -1);
    assert_non_null(strstr(e.msg, "$: must be a JSON object"));
    assert_int_equal(policy_load(&p, "", 0, "t.json", &e), -1);
    assert_int_equal(e.code, EXIT_USAGE);
    assert_int_equal(policy_load(&p, "\x01\x02\xff", 3, "t.json", &e), -1);
    assert_int_equal(e.code, EXIT_USAGE);
    {
        static const char nopromo[] =
            "{\"version\": 1, \"environments\": [{\"name\": \"a\", \"branch\": \"a\", "
            "\"aws_account_id\": \"111111111111\", \"region\": \"eu-west-1\"}], "
            "\"promotions\": []}";

        assert_int_equal(policy_load(&p, nopromo, sizeof(nopromo) - 1, "t.json", &e), -1);
        assert_non_null(strstr(e.msg, "$.promotions: must be a non-empty array"));
    }
    assert_int_equal(policy_load_file(&p, "/nonexistent/policy.json", &e), -1);
    assert_non_null(strstr(e.msg, "cannot open policy '/nonexistent/policy.json'"));
    /* a FIFO or a directory as --policy: refused at once */
    {
        char dir[] = "/tmp/promote-test-policy.XXXXXX", fifo[64];

        assert_non_null(mkdtemp(dir));
        snprintf(fifo, sizeof(fifo), "%s/p.json", dir);
        assert_int_equal(mkfifo(fifo, 0600), 0);
        assert_int_equal(policy_load_file(&p, fifo, &e), -1);
        assert_int_equal(e.code, EXIT_USAGE);
        assert_non_null(strstr(e.msg, "cannot read policy '"));
        assert_non_null(strstr(e.msg, "p.json': not a regular file"));
        assert_int_equal(policy_load_file(&p, dir, &e), -1);
        assert_non_null(strstr(e.msg, "not a regular file"));
        unlink(fifo);
        rmdir(dir);
    }
}

int
main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_bbws_policy),
        cmocka_unit_test(test_good_policy),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_not_an_object),
        cmocka_unit_test(test_bbws_matrix),
        cmocka_unit_test(test_matrix_refusals),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
