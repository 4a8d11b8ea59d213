#!/bin/sh
# promote env show: the BBWS environment matrix from the policy ref, as a table, a
# Markdown document and JSON; one environment; policy errors.
. "$SRCDIR/tests/e2e/lib.sh"
make_repo "$TMP/repo" "$SRCDIR/policies/bbws.json"
cd "$TMP/repo" || exit 1
policy_sha=$(git show main:.promote/policy.json | sha256sum | cut -d' ' -f1)

# row LABEL VALUE...: $OUT has the line LABEL, then the values, separated by two or
# more spaces, and nothing else
row() {
    python3 - "$OUT" "$@" <<'PY' >&2
import re, sys
want = sys.argv[2:]
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if line.startswith(want[0] + "  ") and re.split(r" {2,}", line) == want:
        sys.exit(0)
print("  no row %r in:" % (want,))
print(open(sys.argv[1]).read())
sys.exit(1)
PY
}

check 'the table: environments as columns, from the policy ref' eval 'promote 0 env show &&
    row attribute dev sit prod &&
    row "branch" develop release main &&
    row "AWS account id" 536580886816 815856636111 093646564004 &&
    row "primary region" af-south-1 af-south-1 af-south-1 &&
    row "failover region" none none eu-west-1 &&
    row "GitHub environment" dev sit prod'
check 'the table: the BBWS matrix figures' eval 'promote 0 env show &&
    row "purpose" "development and testing" "pre-production testing" "live production" &&
    row "availability SLA" "95 %" "99 %" "99.9 %" &&
    row "compliance" "development only" "testing only" "PCI DSS, GDPR, local data residency" &&
    row "backups" "none (ephemeral)" daily "hourly + point-in-time recovery" &&
    row "DR enabled" no no yes &&
    row "RTO (at most)" none none "60 minutes" &&
    row "RPO (at most)" none none "5 minutes" &&
    row "log retention" "7 days" "30 days" "90 days" &&
    row "Lambda reserved concurrency" none 10 50 &&
    row "Lambda provisioned concurrency" none none 20 &&
    row "SES sending limit" 1/s 10/s 50/s &&
    row "SES from address" test@kimmyai.io noreply@kimmyai.io noreply@kimmyai.io &&
    row "API throttling" "1000 req/s" "5000 req/s" "10000 req/s" &&
    row "X-Ray tracing" no yes yes &&
    row "alarm topic" none bbws-alerts-sit bbws-alerts-prod'
check 'the table is the default format' eval 'promote 0 env show --format table && cp "$OUT" "$TMP/t1" &&
    promote 0 env show && cmp "$OUT" "$TMP/t1"'
check 'one environment: one column' eval 'promote 0 env show prod &&
    row attribute prod && row "AWS account id" 093646564004 && row "failover region" eu-west-1 &&
    hasnt "$OUT" 536580886816 && hasnt "$OUT" develop'

check 'markdown: a document with the matrix, the DR targets and a section per environment' eval '
    promote 0 env show --format markdown &&
    [ "$(head -1 "$OUT")" = "# Environments of bbws-order-service" ] &&
    has "$OUT" "| attribute | dev | sit | prod |" &&
    has "$OUT" "| AWS account id | 536580886816 | 815856636111 | 093646564004 |" &&
    has "$OUT" "| failover region | none | none | eu-west-1 |" &&
    has "$OUT" "| availability SLA | 95 % | 99 % | 99.9 % |" &&
    has "$OUT" "| Lambda reserved concurrency | none | 10 | 50 |" &&
    has "$OUT" "| API throttling | 1000 req/s | 5000 req/s | 10000 req/s |" &&
    has "$OUT" "## Disaster recovery" &&
    has "$OUT" "| prod | eu-west-1 | multi-site active/active | 60 minutes | 5 minutes | monthly |" &&
    has "$OUT" "## sit" && has "$OUT" "- Deploys from the branch \`release\` to the GitHub environment \`sit\`." &&
    has "$OUT" "- AWS account \`093646564004\`, region \`af-south-1\`, failover region \`eu-west-1\`." &&
    has "$OUT" "- Promoted from \`dev\` when 12 gates pass: \`unit-tests\`," &&
    has "$OUT" "- Approved promotions are tagged \`prod-{yyyy}.{mm}.{dd}.{n}\` and deployed by the workflow \`deploy-prod.yml\`." &&
    has "$OUT" "(SHA-256 \`$policy_sha\`)"'
check 'markdown for one environment without DR says so' eval 'promote 0 env show --format markdown dev &&
    has "$OUT" "| attribute | dev |" && has "$OUT" "This environment has no failover region" &&
    hasnt "$OUT" "## prod" && hasnt "$OUT" "| prod |"'

check 'json: schema, policy and environments in order' eval 'promote 0 env show --format json &&
    jq_is "d[\"schema_version\"]" 1 &&
    jq_is "list(d)" "[\"schema_version\", \"policy\", \"environments\"]" &&
    jq_is "d[\"policy\"]" "{\"name\": \"bbws-order-service\", \"sha256\": \"$policy_sha\", \"source\": \"refs/heads/main:.promote/policy.json\", \"local_override\": false}" &&
    jq_is "[e[\"name\"] for e in d[\"environments\"]]" "[\"dev\", \"sit\", \"prod\"]" &&
    jq_is "list(d[\"environments\"][2])" "[\"name\", \"branch\", \"aws_account_id\", \"region\", \"failover_region\", \"github_environment\", \"description\", \"matrix\"]"'
check 'json: the BBWS figures, typed' eval 'promote 0 env show --format json &&
    jq_is "d[\"environments\"][2][\"aws_account_id\"]" "\"093646564004\"" &&
    jq_is "d[\"environments\"][2][\"failover_region\"]" "\"eu-west-1\"" &&
    jq_is "d[\"environments\"][0][\"failover_region\"]" null &&
    jq_is "d[\"environments\"][2][\"matrix\"][\"availability_sla_percent\"]" 99.9 &&
    jq_is "d[\"environments\"][0][\"matrix\"][\"availability_sla_percent\"]" 95 &&
    jq_is "d[\"environments\"][2][\"matrix\"][\"dr_enabled\"]" true &&
    jq_is "d[\"environments\"][1][\"matrix\"][\"dr_enabled\"]" false &&
    jq_is "d[\"environments\"][2][\"matrix\"][\"log_retention_days\"]" 90 &&
    jq_is "d[\"environments\"][2][\"matrix\"][\"lambda_reserved_concurrency\"]" 50 &&
    jq_is "d[\"environments\"][0][\"matrix\"][\"lambda_reserved_concurrency\"]" null &&
    jq_is "d[\"environments\"][2][\"matrix\"][\"ses_sending_limit_per_second\"]" 50 &&
    jq_is "d[\"environments\"][2][\"matrix\"][\"api_throttling_rps\"]" 10000 &&
    jq_is "d[\"environments\"][2][\"matrix\"][\"rto_minutes\"]" 60 &&
    jq_is "d[\"environments\"][2][\"matrix\"][\"rpo_minutes\"]" 5 &&
    jq_is "d[\"environments\"][2][\"matrix\"][\"compliance\"]" "[\"PCI DSS\", \"GDPR\", \"local data residency\"]" &&
    jq_is "list(d[\"environments\"][2][\"matrix\"])[:3]" "[\"purpose\", \"data_class\", \"access_level\"]"'
check 'json: one environment' eval 'promote 0 env show --format json sit &&
    jq_is "[e[\"name\"] for e in d[\"environments\"]]" "[\"sit\"]" &&
    jq_is "d[\"environments\"][0][\"matrix\"][\"lambda_reserved_concurrency\"]" 10'

check 'a policy without a matrix shows the environments alone' eval '
    promote 0 env show --policy "$SRCDIR/tests/e2e/policies/files.json" &&
    row "AWS account id" 536580886816 815856636111 093646564004 && hasnt "$OUT" "availability SLA" &&
    promote 0 env show --format json --policy "$SRCDIR/tests/e2e/policies/files.json" &&
    jq_is "d[\"environments\"][2][\"matrix\"]" "{}"'
check 'a local policy file says so, as a table, in Markdown and in JSON' eval '
    promote 0 env show --policy "$SRCDIR/tests/e2e/policies/files.json" &&
    has "$OUT" "policy $SRCDIR/tests/e2e/policies/files.json [local file given with --policy, not the policy ref]" &&
    promote 0 env show --format markdown --policy "$SRCDIR/tests/e2e/policies/files.json" &&
    has "$OUT" "; a local file given with \`--policy\`, not the policy ref)" &&
    promote 0 env show --format json --policy "$SRCDIR/tests/e2e/policies/files.json" &&
    jq_is "d[\"policy\"][\"local_override\"]" True && jq_is "d[\"policy\"][\"source\"]" "$SRCDIR/tests/e2e/policies/files.json" &&
    promote 0 env show && hasnt "$OUT" "local file"'
check 'a policy file needs no repository' eval 'cd "$TMP" &&
    promote 0 env show --format json --policy "$SRCDIR/policies/bbws.json" prod; rc=$?; cd "$TMP/repo"; [ $rc -eq 0 ] &&
    jq_is "d[\"environments\"][0][\"matrix\"][\"dr_strategy\"]" "\"multi-site active/active\""'

check 'an unknown environment exits 2 naming it' eval 'promote 2 env show staging &&
    has "$ERR" "unknown environment '"'"'staging'"'"'" && [ ! -s "$OUT" ]'
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
d["environments"][2]["matrix"]["log_retention_days"] = "90"
json.dump(d, open(sys.argv[2], "w"))' "$SRCDIR/policies/bbws.json" "$TMP/bad-type.json"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
d["environments"][0]["matrix"]["retention"] = 7
json.dump(d, open(sys.argv[2], "w"))' "$SRCDIR/policies/bbws.json" "$TMP/bad-key.json"
check 'a matrix value of the wrong type exits 2 naming the JSON path' eval '
    promote 2 env show --policy "$TMP/bad-type.json" &&
    has "$ERR" "invalid policy '"'"'$TMP/bad-type.json'"'"': \$.environments[2].matrix.log_retention_days: must be an integer from 1 to 3653" &&
    [ ! -s "$OUT" ]'
check 'an unknown matrix key exits 2 naming the JSON path' eval '
    promote 2 env show --policy "$TMP/bad-key.json" && has "$ERR" "\$.environments[0].matrix.retention: unknown key"'
check 'a bad format' eval 'promote 2 env show --format yaml && has "$ERR" "--format wants table, markdown or json"'
check 'a duplicate option' eval 'promote 2 env show --format json --format table && has "$ERR" "given twice"'
check 'two environments' eval 'promote 2 env show dev sit && has "$ERR" "too many arguments"'
check '--policy with --policy-ref' eval 'promote 2 env show --policy x --policy-ref y && has "$ERR" "cannot be used together"'
check 'env without a command' eval 'promote 2 env && has "$ERR" "usage: promote env show"'
check 'an unknown env command' eval 'promote 2 env frob && has "$ERR" "unknown env command '"'"'frob'"'"'"'
check 'env show -h' eval 'promote 0 env show -h && has "$OUT" "usage: promote env show [<env>] [--format table|markdown|json]"'
finish
