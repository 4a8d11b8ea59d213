/* The environment configuration check: the tfvars reader, the S3 naming rules, the
 * Terraform and workflow judges on hand-made inputs and on the shipped BBWS example, and
 * the env_config gate's verdict. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/buf.h"
#include "core/envcheck/envcheck.h"
#include "core/engine/policy.h"
#include "gates/gate.h"

#define SRC FIXTURES "/../.."
#define BBWS SRC "/policies/bbws.json"
#define EXAMPLE SRC "/examples/bbws"

static char *
slurp(const char *path)
{
    struct buf b = BUF_INIT;
    char chunk[4096];
    size_t n;
    FILE *f = fopen(path, "rb");

    if (!f)
        fail_msg("cannot open %s", path);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        assert_int_equal(buf_add(&b, chunk, n), 0);
    fclose(f);
    assert_int_equal(buf_adds(&b, ""), 0);
    return buf_detach(&b);
}

static struct policy *
bbws(void)
{
    struct policy *p = NULL;
    struct err e = ERR_INIT;

    if (policy_load_file(&p, BBWS, &e) < 0)
        fail_msg("%s", e.msg);
    return p;
}

static void
add_file(struct envcheck_file **files, size_t *n, const char *path, const char *text)
{
    *files = realloc(*files, (*n + 1) * sizeof(**files));
    assert_non_null(*files);
    (*files)[*n].path = strdup(path);
    (*files)[*n].text = text ? strdup(text) : NULL;
    (*files)[*n].len = text ? strlen(text) : 0;
    (*n)++;
}

/* The shipped example as an input: terraform/<env>/<env>.tfvars and the workflows. */
static void
example_input(struct envcheck_input *in)
{
    static const char *const envs[] = {"dev", "sit", "prod"};
    static const char *const wfs[] = {"deploy-dev.yml", "deploy-sit.yml", "deploy-prod.yml",
                                      "promote-dev-sit.yml", "promote-sit-prod.yml"};
    char path[512], rel[256];
    size_t i;

    memset(in, 0, sizeof(*in));
    in->tf_dir = strdup("terraform");
    in->wf_dir = strdup(".github/workflows");
    in->tf_found = in->wf_found = 1;
    in->tf_subdirs = calloc(8, sizeof(char *));
    for (i = 0; i < 3; i++) {
        char *text;

        in->tf_subdirs[in->n_tf_subdirs++] = strdup(envs[i]);
        snprintf(rel, sizeof(rel), "terraform/%s/%s.tfvars", envs[i], envs[i]);
        snprintf(path, sizeof(path), "%s/%s", EXAMPLE, rel);
        text = slurp(path);
        add_file(&in->tfvars, &in->n_tfvars, rel, text);
        free(text);
    }
    for (i = 0; i < 5; i++) {
        char *text;

        snprintf(rel, sizeof(rel), ".github/workflows/%s", wfs[i]);
        snprintf(path, sizeof(path), "%s/%s", EXAMPLE, rel);
        text = slurp(path);
        add_file(&in->workflows, &in->n_workflows, rel, text);
        free(text);
    }
}

/* Replace the first FROM by TO in the text of the file PATH of IN. */
static void
edit(struct envcheck_input *in, const char *path, const char *from, const char *to)
{
    struct envcheck_file *files[] = {in->tfvars, in->workflows};
    size_t counts[] = {in->n_tfvars, in->n_workflows}, k, i;

    for (k = 0; k < 2; k++) {
        for (i = 0; i < counts[k]; i++) {
            struct envcheck_file *f = &files[k][i];
            char *at, *text;
            size_t len;

            if (strcmp(f->path, path) != 0)
                continue;
            at = strstr(f->text, from);
            if (!at)
                fail_msg("'%s' is not in %s", from, path);
            len = f->len - strlen(from) + strlen(to);
            text = malloc(len + 1);
            assert_non_null(text);
            snprintf(text, len + 1, "%.*s%s%s", (int)(at - f->text), f->text, to,
                     at + strlen(from));
            free(f->text);
            f->text = text;
            f->len = len;
            return;
        }
    }
    fail_msg("no file %s", path);
}

static void
judge(struct envcheck_result *r, const struct policy *p, const struct envcheck_input *in)
{
    envcheck_result_init(r);
    assert_int_equal(envcheck_terraform(r, p, in), 0);
    assert_int_equal(envcheck_workflows(r, p, in), 0);
    envcheck_result_sort(r);
}

static void
dump(const struct envcheck_result *r)
{
    size_t i;

    for (i = 0; i < r->n; i++)
        print_message("  %s:%ld %s: %s\n", r->v[i].file, r->v[i].line, r->v[i].rule,
                      r->v[i].message);
}

/* R holds exactly one violation, RULE at FILE:LINE, whose message contains NEEDLE. */
static void
only(const struct envcheck_result *r, const char *file, long line, const char *rule,
     const char *needle)
{
    if (r->n != 1 || strcmp(r->v[0].file, file) != 0 || r->v[0].line != line ||
        strcmp(r->v[0].rule, rule) != 0 || !strstr(r->v[0].message, needle)) {
        dump(r);
        fail_msg("expected only %s:%ld %s (%s)", file, line, rule, needle);
    }
}

/* R has RULE at FILE:LINE. */
static void
has(const struct envcheck_result *r, const char *file, long line, const char *rule)
{
    size_t i;

    for (i = 0; i < r->n; i++)
        if (strcmp(r->v[i].file, file) == 0 && r->v[i].line == line &&
            strcmp(r->v[i].rule, rule) == 0)
            return;
    dump(r);
    fail_msg("no %s at %s:%ld", rule, file, line);
}

/* ---------------------------------------------------------------- tfvars reader */

static void
test_tfvars_reads_assignments(void **state)
{
    static const char text[] = "\xEF\xBB\xBF# a comment\r\n"
                               "environment = \"sit\" # trailing\r\n"
                               "\n"
                               "  // another comment\n"
                               "count=3\n"
                               "ratio = -1.5e3 // trailing\n"
                               "on_ = true\n"
                               "off-too = false\n"
                               "quoted = \"a \\\"b\\\" \\\\ \\n $${literal} %%{x} # not a comment\"\n"
                               "empty = \"\"";
    struct envcheck_file f = {"t.tfvars", (char *)text, sizeof(text) - 1};
    struct envcheck_tfvars t;
    struct envcheck_result r;
    const struct envcheck_var *v;

    (void)state;
    envcheck_result_init(&r);
    assert_int_equal(envcheck_tfvars_parse(&t, &f, &r), 0);
    if (r.n)
        dump(&r);
    assert_int_equal(r.n, 0);
    assert_int_equal(t.n, 7);
    v = envcheck_tfvars_get(&t, "environment");
    assert_string_equal(v->value, "sit");
    assert_int_equal(v->kind, ENVCHECK_STRING);
    assert_int_equal(v->line, 2);
    v = envcheck_tfvars_get(&t, "count");
    assert_string_equal(v->value, "3");
    assert_int_equal(v->kind, ENVCHECK_NUMBER);
    assert_int_equal(v->line, 5);
    assert_string_equal(envcheck_tfvars_get(&t, "ratio")->value, "-1.5e3");
    v = envcheck_tfvars_get(&t, "on_");
    assert_int_equal(v->kind, ENVCHECK_BOOL);
    assert_string_equal(v->value, "true");
    assert_string_equal(envcheck_tfvars_get(&t, "off-too")->value, "false");
    v = envcheck_tfvars_get(&t, "quoted");
    assert_string_equal(v->value, "a \"b\" \\ \n ${literal} %{x} # not a comment");
    assert_int_equal(v->line, 9);
    assert_string_equal(envcheck_tfvars_get(&t, "empty")->value, "");
    assert_int_equal(envcheck_tfvars_get(&t, "empty")->line, 10);
    assert_null(envcheck_tfvars_get(&t, "nope"));
    envcheck_tfvars_release(&t);
    envcheck_result_release(&r);
}

static void
test_tfvars_reports_the_rest(void **state)
{
    static const struct {
        const char *line;
        const char *why;
    } bad[] = {
        {"tags = {", "only strings, numbers and true/false"},
        {"zones = [\"a\", \"b\"]", "only strings, numbers and true/false"},
        {"policy = <<EOF", "only strings, numbers and true/false"},
        {"region = var.region", "only strings, numbers and true/false"},
        {"name = \"bbws-${var.env}\"", "template sequences"},
        {"name = \"%{if x}y%{endif}\"", "template sequences"},
        {"name = \"open", "unterminated string"},
        {"name = \"\\u0041\"", "unsupported escape"},
        {"size = 12abc", "not a number"},
        {"size = 1.", "not a number"},
        {"flag = trueish", "only strings, numbers and true/false"},
        {"a = \"b\" c", "unexpected text after the value"},
        {"a == \"b\"", "expected '=' after 'a'"},
        {"just_a_name", "expected '=' after 'just_a_name'"},
        {"= \"x\"", "expected 'name = value'"},
        {"/* block */", "block comments"},
        {"\"quoted\" = 1", "expected 'name = value'"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[256];
        struct envcheck_file f = {"x.tfvars", text, 0};
        struct envcheck_tfvars t;
        struct envcheck_result r;

        snprintf(text, sizeof(text), "ok = 1\n%s\nafter = \"yes\"\n", bad[i].line);
        f.len = strlen(text);
        envcheck_result_init(&r);
        assert_int_equal(envcheck_tfvars_parse(&t, &f, &r), 0);
        if (r.n != 1 || r.v[0].line != 2 || strcmp(r.v[0].rule, "tf-syntax") != 0 ||
            !strstr(r.v[0].message, bad[i].why)) {
            dump(&r);
            fail_msg("line '%s': expected tf-syntax on line 2 (%s)", bad[i].line, bad[i].why);
        }
        /* the lines around it are still read */
        assert_non_null(envcheck_tfvars_get(&t, "ok"));
        assert_int_equal(envcheck_tfvars_get(&t, "after")->line, 3);
        envcheck_tfvars_release(&t);
        envcheck_result_release(&r);
    }
}

static void
test_tfvars_duplicates_and_nul(void **state)
{
    static const char text[] = "a = 1\nb = 2\na = 3\nc = \"x\0y\"\n";
    struct envcheck_file f = {"d.tfvars", (char *)text, sizeof(text) - 1};
    struct envcheck_tfvars t;
    struct envcheck_result r;

    (void)state;
    envcheck_result_init(&r);
    assert_int_equal(envcheck_tfvars_parse(&t, &f, &r), 0);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.v[0].line, 3);
    assert_non_null(strstr(r.v[0].message, "'a' is already set on line 1"));
    assert_int_equal(r.v[1].line, 4);
    assert_non_null(strstr(r.v[1].message, "NUL"));
    assert_string_equal(envcheck_tfvars_get(&t, "a")->value, "1");
    envcheck_tfvars_release(&t);
    envcheck_result_release(&r);
}

/* Values and file names are any bytes, and messages quote them cut at a byte count:
 * what reaches a violation is UTF-8 (anything else as '?'), or --json could not
 * print it. */
#define EACUTE "\xc3\xa9"
#define EACUTE10 EACUTE EACUTE EACUTE EACUTE EACUTE EACUTE EACUTE EACUTE EACUTE EACUTE

static void
test_messages_are_utf8(void **state)
{
    struct policy *p = bbws();
    struct envcheck_input in;
    struct envcheck_result r;
    json_t *j;
    size_t i, seen = 0;

    (void)state;
    example_input(&in);
    /* 'x' and 40 e-acute: the message quotes 64 bytes, 'x', 31 of them and half of one */
    edit(&in, "terraform/prod/prod.tfvars", "environment    = \"prod\"",
         "environment    = \"x" EACUTE10 EACUTE10 EACUTE10 EACUTE10 "\"");
    edit(&in, "terraform/prod/prod.tfvars", "\"093646564004\"", "\"09364656400\xff\"");
    add_file(&in.workflows, &in.n_workflows, ".github/workflows/deploy-\xfe.yml", "on: push\n");
    judge(&r, p, &in);
    has(&r, ".github/workflows/deploy-?.yml", 1, "wf-syntax");
    for (i = 0; i < r.n; i++) {
        if (r.v[i].line == 3 && strcmp(r.v[i].rule, "tf-environment") == 0 && ++seen)
            assert_non_null(strstr(r.v[i].message, EACUTE "?', the directory is 'prod'"));
        if (r.v[i].line == 4 && strcmp(r.v[i].rule, "tf-account") == 0 && ++seen)
            assert_non_null(strstr(r.v[i].message, "'09364656400?'"));
    }
    assert_int_equal(seen, 2);
    j = envcheck_result_json(&r);
    assert_non_null(j);
    json_decref(j);
    envcheck_result_release(&r);
    envcheck_input_release(&in);
    policy_free(p);
}

/* ---------------------------------------------------------------- S3 names */

static void
test_s3_names(void **state)
{
    char longest[64], too_long[65];

    (void)state;
    memset(longest, 'a', 63);
    longest[63] = '\0';
    memset(too_long, 'a', 64);
    too_long[64] = '\0';
    assert_int_equal(envcheck_s3_check("bbws-orders-prod"), 0);
    assert_int_equal(envcheck_s3_check("abc"), 0);
    assert_int_equal(envcheck_s3_check(longest), 0);
    assert_int_equal(envcheck_s3_check("my.bucket.1"), 0);
    assert_int_equal(envcheck_s3_check("1.2.3"), 0);     /* three groups: not an address */
    assert_int_equal(envcheck_s3_check("a-s3alias-b"), 0); /* only at the end */
    assert_int_equal(envcheck_s3_check("ab"), ENVCHECK_S3_LENGTH);
    assert_int_equal(envcheck_s3_check(too_long), ENVCHECK_S3_LENGTH);
    assert_int_equal(envcheck_s3_check("Bbws-orders"), ENVCHECK_S3_CHARS | ENVCHECK_S3_EDGE);
    assert_int_equal(envcheck_s3_check("bbws_orders"), ENVCHECK_S3_CHARS);
    assert_int_equal(envcheck_s3_check("-bbws"), ENVCHECK_S3_EDGE);
    assert_int_equal(envcheck_s3_check("bbws."), ENVCHECK_S3_EDGE);
    assert_int_equal(envcheck_s3_check("bbws..orders"), ENVCHECK_S3_DOUBLE_DOT);
    assert_int_equal(envcheck_s3_check("192.168.5.4"), ENVCHECK_S3_IP_ADDRESS);
    assert_int_equal(envcheck_s3_check("xn--bbws"), ENVCHECK_S3_RESERVED_PREFIX);
    assert_int_equal(envcheck_s3_check("sthree-bbws"), ENVCHECK_S3_RESERVED_PREFIX);
    assert_int_equal(envcheck_s3_check("amzn-s3-demo-bbws"), ENVCHECK_S3_RESERVED_PREFIX);
    assert_int_equal(envcheck_s3_check("bbws-s3alias"), ENVCHECK_S3_RESERVED_SUFFIX);
    assert_int_equal(envcheck_s3_check("bbws--ol-s3"), ENVCHECK_S3_RESERVED_SUFFIX);
    assert_int_equal(envcheck_s3_check("bbws.mrap"), ENVCHECK_S3_RESERVED_SUFFIX);
    assert_int_equal(envcheck_s3_check("bbws--x-s3"), ENVCHECK_S3_RESERVED_SUFFIX);
    assert_int_equal(envcheck_s3_check(""), ENVCHECK_S3_LENGTH | ENVCHECK_S3_EDGE);
}

/* ---------------------------------------------------------------- the judges */

static void
test_example_is_clean(void **state)
{
    struct policy *p = bbws();
    struct envcheck_input in;
    struct envcheck_result r;

    (void)state;
    example_input(&in);
    judge(&r, p, &in);
    if (r.n)
        dump(&r);
    assert_int_equal(r.n, 0);
    assert_int_equal(r.n_tfvars, 3);
    assert_int_equal(r.n_workflows, 5);
    envcheck_result_release(&r);
    envcheck_input_release(&in);
    policy_free(p);
}

/* One edit of the example, one violation. */
struct breakage {
    const char *file; /* under terraform/ or .github/workflows/ */
    const char *from, *to;
    long line;
    const char *rule;
    const char *needle;
};

#define DEEP8 "[[[[[[[["
#define DEEP65 DEEP8 DEEP8 DEEP8 DEEP8 DEEP8 DEEP8 DEEP8 DEEP8 "["

static const struct breakage breakages[] = {
    {"terraform/sit/sit.tfvars", "\"815856636111\"", "\"815856636112\"", 4, "tf-account",
     "the policy's sit account is 815856636111"},
    {"terraform/sit/sit.tfvars", "\"815856636111\"", "\"8158566361\"", 4, "tf-account",
     "is not 12 digits"},
    {"terraform/sit/sit.tfvars", "\"815856636111\"", "815856636111", 4, "tf-account",
     "quoted string"},
    {"terraform/dev/dev.tfvars", "aws_region     = \"af-south-1\"",
     "aws_region     = \"af-south-2\"", 5, "tf-region", "dev region is af-south-1"},
    {"terraform/sit/sit.tfvars", "environment    = \"sit\"", "environment    = \"dev2\"", 3,
     "tf-environment", "environment is 'dev2', the directory is 'sit'"},
    {"terraform/prod/prod.tfvars", "dynamodb_replica_region = \"eu-west-1\"",
     "dynamodb_replica_region = \"eu-west-2\"", 9, "tf-failover",
     "the policy's failover region is eu-west-1"},
    {"terraform/prod/prod.tfvars", "aws_failover_region     = \"eu-west-1\"", "", 0,
     "tf-failover", "'aws_failover_region' is not set"},
    {"terraform/prod/prod.tfvars", "enable_cross_region_dr = true",
     "enable_cross_region_dr = false", 19, "tf-dr", "gives prod a failover region"},
    {"terraform/dev/dev.tfvars", "enable_cross_region_dr = false",
     "enable_cross_region_dr = \"false\"", 15, "tf-dr", "must be true or false"},
    {"terraform/dev/dev.tfvars", "bbws-order-creation-dev", "bbws-order-creation-live", 8,
     "tf-name-suffix", "does not end in -dev"},
    {"terraform/dev/dev.tfvars", "\"bbws-customer-portal-orders-dev\"",
     "\"bb-customer-portal-orders-dev\"", 7, "tf-name-prefix", "does not start with 'bbws-'"},
    {"terraform/sit/sit.tfvars", "ses_sending_limit      = \"10/sec\"\n", "", 0,
     "tf-variable-set", "'ses_sending_limit' is set in terraform/dev/dev.tfvars (line 16)"},
    {"terraform/sit/sit.tfvars", "lambda_memory  = 512", "lambda_memory  = [512]", 12,
     "tf-syntax", "only strings, numbers and true/false"},
    {".github/workflows/deploy-dev.yml", "branches: [develop]", "branches: [main]", 13,
     "wf-branch", "runs on a push to 'main', dev's branch is develop"},
    {".github/workflows/deploy-dev.yml", "    branches: [develop]\n", "", 12, "wf-branch",
     "runs on a push to any branch"},
    {".github/workflows/deploy-sit.yml", "on:\n", "on:\n  pull_request:\n", 13, "wf-branch",
     "runs on 'pull_request'"},
    {".github/workflows/deploy-sit.yml", "      tag:\n", "      version:\n", 13, "wf-dispatch",
     "input 'tag'"},
    {".github/workflows/deploy-prod.yml", "id-token: write", "id-token: read", 37,
     "wf-id-token", "id-token: write"},
    {".github/workflows/deploy-sit.yml", "${{ secrets.SIT_OIDC_ROLE_ARN }}",
     "${{ secrets.PROD_OIDC_ROLE_ARN }}", 45, "wf-secret", "a secret of prod"},
    {".github/workflows/deploy-sit.yml", "${{ secrets.SIT_OIDC_ROLE_ARN }}",
     "${{ secrets.OIDC_ROLE }}", 45, "wf-secret", "expected SIT_OIDC_ROLE_ARN"},
    {".github/workflows/deploy-prod.yml", "${{ secrets.PROD_AWS_REGION }}",
     "${{ secrets.SIT_AWS_REGION }}", 48, "wf-secret", "reads SIT_AWS_REGION, a secret of sit"},
    {".github/workflows/deploy-sit.yml", "${{ secrets.SIT_OIDC_ROLE_ARN }}",
     "arn:aws:iam::815856636111:role/github-2-bbws-order-lambda-sit", 45, "", ""},
    {".github/workflows/deploy-sit.yml", "${{ secrets.SIT_OIDC_ROLE_ARN }}",
     "arn:aws:iam::536580886816:role/github-2-bbws-order-lambda-sit", 45, "wf-role",
     "in account 536580886816, sit's account is 815856636111"},
    {".github/workflows/deploy-sit.yml", "${{ secrets.SIT_OIDC_ROLE_ARN }}",
     "arn:aws:iam::815856636111:role/deployer-sit", 45, "wf-role",
     "the policy's sit role is 'github-2-bbws-order-lambda-sit'"},
    {".github/workflows/deploy-sit.yml", "${{ secrets.SIT_OIDC_ROLE_ARN }}",
     "arn:aws:iam::815856636111:user/github-2-bbws-order-lambda-sit", 45, "wf-role",
     "not an IAM role ARN"},
    {".github/workflows/deploy-sit.yml", "${{ secrets.SIT_OIDC_ROLE_ARN }}", "${{ vars.ROLE }}",
     45, "wf-role", "cannot be checked"},
    {".github/workflows/deploy-sit.yml", "          role-to-assume: ${{ secrets.SIT_OIDC_ROLE_ARN }}\n",
     "", 42, "wf-role", "without assuming a role"},
    {".github/workflows/deploy-sit.yml", "    environment: sit\n", "", 28, "wf-environment",
     "names no environment (environment: sit)"},
    {".github/workflows/deploy-sit.yml", "    environment: sit\n", "    environment: prod\n", 32,
     "wf-environment", "names environment 'prod', this workflow deploys sit"},
    {".github/workflows/deploy-sit.yml", "jobs:\n", "jobs: [\n", 29, "wf-syntax", "not YAML"},
    /* nesting is bounded before libyaml's loader, whose time grows with its square */
    {".github/workflows/deploy-sit.yml", "jobs:\n", "jobs: " DEEP65 "\n", 27, "wf-syntax",
     "refused: collections nested deeper than 64 levels"},
    {".github/workflows/deploy-prod.yml", "      - uses: hashicorp/setup-terraform@v3\n",
     "      - uses: aws-actions/configure-aws-credentials@v4\n"
     "        with:\n"
     "          role-to-assume: arn:aws:iam::815856636111:role/github-2-bbws-order-lambda-prod\n"
     "          role-chaining: true\n"
     "      - uses: hashicorp/setup-terraform@v3\n",
     52, "wf-role", "in account 815856636111"},
};

static void
test_one_rule_at_a_time(void **state)
{
    struct policy *p = bbws();
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(breakages) / sizeof(breakages[0]); i++) {
        const struct breakage *b = &breakages[i];
        struct envcheck_input in;
        struct envcheck_result r;

        example_input(&in);
        edit(&in, b->file, b->from, b->to);
        judge(&r, p, &in);
        if (!*b->rule) {
            if (r.n)
                dump(&r);
            assert_int_equal(r.n, 0); /* a literal ARN of the right form passes */
        } else {
            only(&r, b->file, b->line, b->rule, b->needle);
        }
        envcheck_result_release(&r);
        envcheck_input_release(&in);
    }
    policy_free(p);
}

static void
test_copied_values(void **state)
{
    struct policy *p = bbws();
    struct envcheck_input in;
    struct envcheck_result r;

    (void)state;
    /* prod's file with sit's account: wrong, and copied */
    example_input(&in);
    edit(&in, "terraform/prod/prod.tfvars", "\"093646564004\"", "\"815856636111\"");
    judge(&r, p, &in);
    assert_int_equal(r.n, 2);
    has(&r, "terraform/prod/prod.tfvars", 4, "tf-account");
    has(&r, "terraform/prod/prod.tfvars", 4, "tf-copied");
    assert_non_null(strstr(r.v[1].message, "belongs to sit"));
    envcheck_result_release(&r);
    envcheck_input_release(&in);

    /* prod's failover region in dev: set where there is none, and copied */
    example_input(&in);
    edit(&in, "terraform/dev/dev.tfvars", "ses_sending_limit", "aws_failover_region = \"eu-west-1\"\nses_sending_limit");
    judge(&r, p, &in);
    has(&r, "terraform/dev/dev.tfvars", 16, "tf-failover");
    has(&r, "terraform/dev/dev.tfvars", 16, "tf-copied");
    assert_int_equal(r.n, 2);
    envcheck_result_release(&r);
    envcheck_input_release(&in);

    /* a name of sit in prod */
    example_input(&in);
    edit(&in, "terraform/prod/prod.tfvars", "bbws-orders-prod", "bbws-orders-sit");
    judge(&r, p, &in);
    has(&r, "terraform/prod/prod.tfvars", 14, "tf-copied");
    has(&r, "terraform/prod/prod.tfvars", 14, "tf-name-suffix");
    assert_int_equal(r.n, 2);
    envcheck_result_release(&r);
    envcheck_input_release(&in);
    policy_free(p);
}

static void
test_bucket_rules(void **state)
{
    struct policy *p = bbws();
    struct envcheck_input in;
    struct envcheck_result r;

    (void)state;
    /* through the judge: each rule a name breaks, named with its line */
    example_input(&in);
    edit(&in, "terraform/dev/dev.tfvars", "\"bbws-orders-dev\"", "\"bbws-Orders..x-dev\"");
    judge(&r, p, &in);
    has(&r, "terraform/dev/dev.tfvars", 10, "s3-chars");
    has(&r, "terraform/dev/dev.tfvars", 10, "s3-double-dot");
    assert_int_equal(r.n, 2);
    envcheck_result_release(&r);
    envcheck_input_release(&in);

    /* a name that is not a bucket's is not held to the S3 rules */
    example_input(&in);
    edit(&in, "terraform/dev/dev.tfvars", "\"bbws-order-creation-dev\"",
         "\"bbws-Order_creation-dev\"");
    judge(&r, p, &in);
    assert_int_equal(r.n, 0);
    envcheck_result_release(&r);
    envcheck_input_release(&in);
    policy_free(p);
}

static void
test_forbidden_names(void **state)
{
    struct policy *p = bbws();
    struct envcheck_input in;
    struct envcheck_result r;

    (void)state;
    example_input(&in);
    in.tf_subdirs[in.n_tf_subdirs++] = strdup("staging");
    add_file(&in.tfvars, &in.n_tfvars, "terraform/staging/staging.tfvars", NULL);
    add_file(&in.tfvars, &in.n_tfvars, "terraform/sit/production.tfvars", NULL);
    edit(&in, "terraform/dev/dev.tfvars", "bbws-order-creation-dev", "bbws-order-creation-prd");
    judge(&r, p, &in);
    has(&r, "terraform/staging", 0, "env-name");
    has(&r, "terraform/sit/production.tfvars", 0, "env-name");
    has(&r, "terraform/dev/dev.tfvars", 8, "env-name");
    has(&r, "terraform/dev/dev.tfvars", 8, "tf-name-suffix");
    assert_int_equal(r.n, 4); /* staging.tfvars in staging/ is not named twice */
    envcheck_result_release(&r);
    envcheck_input_release(&in);

    example_input(&in);
    edit(&in, "terraform/sit/sit.tfvars", "environment    = \"sit\"",
         "environment    = \"staging\"");
    judge(&r, p, &in);
    has(&r, "terraform/sit/sit.tfvars", 3, "env-name");
    has(&r, "terraform/sit/sit.tfvars", 3, "tf-environment");
    assert_int_equal(r.n, 2);
    envcheck_result_release(&r);
    envcheck_input_release(&in);
    policy_free(p);
}

static void
test_missing_files(void **state)
{
    struct policy *p = bbws();
    struct envcheck_input in;
    struct envcheck_result r;

    (void)state;
    example_input(&in);
    free(in.tfvars[2].text); /* prod's file only listed: as if absent */
    in.tfvars[2].text = NULL;
    judge(&r, p, &in);
    only(&r, "terraform/prod/prod.tfvars", 0, "tf-missing", "no variable file for environment 'prod'");
    envcheck_result_release(&r);

    /* deploy-dev.yml renamed: still the deploy of dev, by its job's environment */
    in.workflows[0].path[strlen(in.workflows[0].path) - 5] = 'X';
    free(in.tfvars[2].path);
    in.tfvars[2].path = strdup("terraform/prod/old.tfvars");
    in.tfvars[2].text = slurp(EXAMPLE "/terraform/prod/prod.tfvars");
    in.tfvars[2].len = strlen(in.tfvars[2].text);
    judge(&r, p, &in);
    only(&r, "terraform/prod/prod.tfvars", 0, "tf-missing", "no variable file for environment 'prod'");
    envcheck_result_release(&r);
    /* and without its environment, nothing deploys dev */
    edit(&in, ".github/workflows/deploy-deX.yml", "    environment: dev\n", "");
    judge(&r, p, &in);
    has(&r, ".github/workflows", 0, "wf-missing");
    has(&r, ".github/workflows/deploy-deX.yml", 23, "wf-environment");
    assert_int_equal(r.n, 3);
    envcheck_result_release(&r);

    in.tf_found = 0;
    in.wf_found = 0;
    judge(&r, p, &in);
    has(&r, ".github/workflows", 0, "wf-missing");
    has(&r, "terraform", 0, "tf-missing");
    assert_int_equal(r.n, 2);
    envcheck_result_release(&r);
    envcheck_input_release(&in);
    policy_free(p);
}

/* A deploy found by its job (no file-name or policy attribution): judged for the
 * environment the job names. */
static void
test_workflow_found_by_job(void **state)
{
    static const char wf[] =
        "on:\n"
        "  push:\n"
        "    branches: [release]\n"
        "permissions:\n"
        "  id-token: write\n"
        "jobs:\n"
        "  ship:\n"
        "    environment:\n"
        "      name: sit\n"
        "      url: https://example.com\n"
        "    steps:\n"
        "      - uses: aws-actions/configure-aws-credentials@v4\n"
        "        with:\n"
        "          role-to-assume: arn:aws:iam::815856636111:role/github-2-bbws-order-lambda-sit\n"
        "  other:\n"
        "    environment: qa\n"
        "    permissions: {}\n"
        "    steps:\n"
        "      - uses: aws-actions/configure-aws-credentials@v4\n"
        "        with:\n"
        "          role-to-assume: x\n";
    struct policy *p = bbws();
    struct envcheck_input in;
    struct envcheck_result r;

    (void)state;
    example_input(&in);
    add_file(&in.workflows, &in.n_workflows, ".github/workflows/ship.yml", wf);
    judge(&r, p, &in);
    only(&r, ".github/workflows/ship.yml", 16, "wf-environment",
         "deploys to 'qa', which is not an environment of the policy");
    envcheck_result_release(&r);
    envcheck_input_release(&in);

    /* the job-level permissions replace the workflow's */
    example_input(&in);
    add_file(&in.workflows, &in.n_workflows, ".github/workflows/ship.yml", wf);
    edit(&in, ".github/workflows/ship.yml", "    environment:\n      name: sit\n",
         "    permissions:\n      contents: read\n    environment:\n      name: sit\n");
    edit(&in, ".github/workflows/ship.yml", "[release]", "[main]");
    judge(&r, p, &in);
    has(&r, ".github/workflows/ship.yml", 3, "wf-branch");
    has(&r, ".github/workflows/ship.yml", 8, "wf-id-token");
    envcheck_result_release(&r);
    envcheck_input_release(&in);
    policy_free(p);
}

static void
test_dir_norm(void **state)
{
    struct err e = ERR_INIT;
    char *out = NULL;

    (void)state;
    assert_int_equal(envcheck_dir_norm(&out, "./infra//terraform/", "--terraform", &e), 0);
    assert_string_equal(out, "infra/terraform");
    free(out);
    assert_int_equal(envcheck_dir_norm(&out, ".", "--terraform", &e), 0);
    assert_string_equal(out, "");
    free(out);
    assert_int_equal(envcheck_dir_norm(&out, "/etc", "--terraform", &e), -1);
    assert_int_equal(e.code, EXIT_USAGE);
    assert_int_equal(envcheck_dir_norm(&out, "a/../../b", "--workflows", &e), -1);
    assert_non_null(strstr(e.msg, "'..' leaves the repository"));
    assert_int_equal(envcheck_dir_norm(&out, "", "--workflows", &e), -1);
}

/* ---------------------------------------------------------------- the gate */

static void
test_gate_verdicts(void **state)
{
    const struct gate *g = gate_find("env_config");
    struct evidence ev;
    struct finding f;
    json_t *rule = json_pack("{s:s, s:s}", "name", "environment-config", "type", "env_config");

    (void)state;
    assert_non_null(g);
    assert_null(g->plan);
    memset(&ev, 0, sizeof(ev));
    snprintf(ev.commit, sizeof(ev.commit), "%s", "1111111111111111111111111111111111111111");

    memset(&f, 0, sizeof(f));
    assert_int_equal(g->evaluate(&ev, rule, 0, &f), VERDICT_ERROR);
    assert_non_null(strstr(f.summary, "no environment configuration check"));
    finding_release(&f);

    ev.data = json_pack("{s:s, s:s, s:i, s:i, s:[]}", "terraform", "terraform", "workflows",
                        ".github/workflows", "tfvars_checked", 3, "workflows_checked", 5,
                        "violations");
    memset(&f, 0, sizeof(f));
    assert_int_equal(g->evaluate(&ev, rule, 0, &f), VERDICT_PASS);
    assert_string_equal(f.summary, "terraform and .github/workflows follow the policy "
                                   "(3 variable file(s), 5 workflow(s))");
    assert_int_equal(json_integer_value(json_object_get(f.details, "count")), 0);
    finding_release(&f);
    evidence_release(&ev);

    ev.data = json_pack("{s:s, s:s, s:i, s:i, s:[{s:s, s:i, s:s, s:s}, {s:s, s:n, s:s, s:s}]}",
                        "terraform", "terraform", "workflows", ".github/workflows",
                        "tfvars_checked", 3, "workflows_checked", 5, "violations", "file",
                        "terraform/sit/sit.tfvars", "line", 4, "rule", "tf-account", "message",
                        "aws_account_id is 1", "file", ".github/workflows", "line", "rule",
                        "wf-missing", "message", "none");
    memset(&f, 0, sizeof(f));
    assert_int_equal(g->evaluate(&ev, rule, 0, &f), VERDICT_FAIL);
    assert_string_equal(f.summary, "2 violation(s) at 111111111111; first "
                                   "terraform/sit/sit.tfvars:4 tf-account: aws_account_id is 1");
    assert_int_equal(json_integer_value(json_object_get(f.details, "count")), 2);
    assert_int_equal(json_array_size(json_object_get(f.details, "violations")), 2);
    finding_release(&f);
    evidence_release(&ev);

    /* collected data of the wrong shape is an error, never a pass */
    ev.data = json_pack("{s:s, s:s, s:{}}", "terraform", "terraform", "workflows", "w",
                        "violations");
    memset(&f, 0, sizeof(f));
    assert_int_equal(g->evaluate(&ev, rule, 0, &f), VERDICT_ERROR);
    finding_release(&f);
    evidence_release(&ev);
    json_decref(rule);
}

static void
test_naming_policy(void **state)
{
    static const char *const bad[][2] = {
        {"{\"prefix\": \"BBWS-\"}", "$.naming.prefix"},
        {"{\"forbidden_environment_names\": [\"sit\"]}", "'sit' is an environment"},
        {"{\"forbidden_environment_names\": \"staging\"}", "must be an array"},
        {"{\"oidc_role\": \"deployer\"}", "$.naming.oidc_role"},
        {"{\"role_secret\": \"oidc-role\"}", "$.naming.role_secret"},
        {"{\"suffix\": \"-x\"}", "$.naming.suffix: unknown key"},
        {"[]", "$.naming: must be an object"},
    };
    char *text = slurp(BBWS), doc[16384];
    const char *at = strstr(text, "\"naming\": {"), *end = strstr(at, "},\n") + 1;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct policy *p = NULL;
        struct err e = ERR_INIT;

        snprintf(doc, sizeof(doc), "%.*s\"naming\": %s%s", (int)(at - text), text, bad[i][0],
                 end);
        assert_int_equal(policy_load(&p, doc, strlen(doc), "t.json", &e), -1);
        assert_int_equal(e.code, EXIT_USAGE);
        if (!strstr(e.msg, bad[i][1]))
            fail_msg("'%s': %s", bad[i][0], e.msg);
    }
    free(text);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tfvars_reads_assignments),
        cmocka_unit_test(test_tfvars_reports_the_rest),
        cmocka_unit_test(test_tfvars_duplicates_and_nul),
        cmocka_unit_test(test_messages_are_utf8),
        cmocka_unit_test(test_s3_names),
        cmocka_unit_test(test_example_is_clean),
        cmocka_unit_test(test_one_rule_at_a_time),
        cmocka_unit_test(test_copied_values),
        cmocka_unit_test(test_bucket_rules),
        cmocka_unit_test(test_forbidden_names),
        cmocka_unit_test(test_missing_files),
        cmocka_unit_test(test_workflow_found_by_job),
        cmocka_unit_test(test_dir_norm),
        cmocka_unit_test(test_gate_verdicts),
        cmocka_unit_test(test_naming_policy),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
