#!/bin/sh
# promote env check on the bundled example (terraform/ and .github/workflows/ as the BBWS
# documents give them): clean as shipped, then broken one rule at a time, each break
# named by its rule id, file and line; the commit or the work tree; usage, policy and
# read errors; and the env_config gate refusing dev -> sit on a broken variable file.
. "$SRCDIR/tests/e2e/lib.sh"
make_key ci
# the file-gate policy with the BBWS environments (deploy workflows included) and roles,
# the BBWS naming rules, and the env_config gate in dev -> sit
python3 - "$SRCDIR/tests/e2e/policies/files.json" "$SRCDIR/policies/bbws.json" "$TMP/plain.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
bbws = json.load(open(sys.argv[2]))
d["naming"] = bbws["naming"]
d["roles"] = bbws["roles"]
d["environments"] = bbws["environments"]
d["promotions"][0]["gates"].append({"name": "environment-config", "type": "env_config"})
json.dump(d, open(sys.argv[3], "w"), indent=1)
PY
trust_keys "$TMP/plain.json" "$TMP/policy.json" ci
make_repo "$TMP/repo" "$TMP/policy.json"
cd "$TMP/repo" || exit 1
head=$(git rev-parse HEAD)

# brk FILE FROM TO: replace the first FROM by TO in FILE of the work tree
brk() {
    python3 - "$1" "$2" "$3" <<'PY'
import sys
path, old, new = sys.argv[1:]
text = open(path).read()
if old not in text:
    sys.exit("%s lacks %r" % (path, old))
open(path, "w").write(text.replace(old, new, 1))
PY
}
restore() { git checkout -q -- . && git clean -fdq -- terraform .github; }
# viol_is JSON: the sorted [file, line, rule] of the violations in $OUT
viol_is() { jq_is "sorted([v['file'], v['line'], v['rule']] for v in d['violations'])" "$1"; }
# broken 'what' EXPECTED FILE FROM TO: break one thing, expect exactly EXPECTED, restore
broken() {
    b_want=$2 b_file=$3 b_from=$4 b_to=$5
    check "$1" eval 'brk "$b_file" "$b_from" "$b_to" && promote 1 env check --worktree --json &&
        viol_is "$b_want"'
    restore
}
TF=terraform
WF=.github/workflows

check 'the example checks clean at HEAD' eval 'promote 0 env check &&
    has "$OUT" "clean: 3 variable file(s) and 6 workflow(s) at commit ${head%????????????????????????????} follow the policy refs/heads/main:.promote/policy.json"'
check 'and in the work tree, as JSON' eval 'promote 0 env check --worktree --json &&
    jq_is "d[\"schema_version\"]" 1 && jq_is "d[\"commit\"]" null &&
    jq_is "d[\"worktree\"]" "$TMP/repo/" && jq_is "d[\"violations\"]" "[]" &&
    jq_is "d[\"clean\"]" true && jq_is "d[\"checked\"]" "{\"tfvars\": 3, \"workflows\": 6}" &&
    jq_is "d[\"environments\"]" "[\"dev\", \"sit\", \"prod\"]" &&
    jq_is "d[\"terraform\"]" terraform && jq_is "d[\"workflows\"]" .github/workflows'

# ---- terraform, one rule at a time
broken 'a wrong account' '[["terraform/sit/sit.tfvars", 4, "tf-account"]]' \
    $TF/sit/sit.tfvars '"815856636111"' '"815856636112"'
broken 'an account id that is not 12 digits' '[["terraform/dev/dev.tfvars", 4, "tf-account"]]' \
    $TF/dev/dev.tfvars '"536580886816"' '"53658088681"'
broken 'a copied account id (sit'"'"'s in prod)' \
    '[["terraform/prod/prod.tfvars", 4, "tf-account"], ["terraform/prod/prod.tfvars", 4, "tf-copied"]]' \
    $TF/prod/prod.tfvars '"093646564004"' '"815856636111"'
broken 'a wrong region' '[["terraform/prod/prod.tfvars", 5, "tf-region"]]' \
    $TF/prod/prod.tfvars 'aws_region     = "af-south-1"' 'aws_region     = "eu-central-1"'
broken 'a failover region in sit' \
    '[["terraform/sit/sit.tfvars", 16, "tf-copied"], ["terraform/sit/sit.tfvars", 16, "tf-failover"]]' \
    $TF/sit/sit.tfvars 'ses_sending_limit' 'aws_failover_region = "eu-west-1"
ses_sending_limit'
check '(it is named in its message)' eval 'brk $TF/sit/sit.tfvars "ses_sending_limit" "aws_failover_region = \"eu-west-1\"
ses_sending_limit" && promote 1 env check --worktree &&
    has "$OUT" "terraform/sit/sit.tfvars:16: tf-failover: aws_failover_region is set, but the policy gives sit no failover region" &&
    has "$OUT" "terraform/sit/sit.tfvars:16: tf-copied: aws_failover_region '"'"'eu-west-1'"'"' belongs to prod, not sit"'
restore
broken 'a failover region that is not the policy'"'"'s' '[["terraform/prod/prod.tfvars", 8, "tf-failover"]]' \
    $TF/prod/prod.tfvars 'aws_failover_region     = "eu-west-1"' 'aws_failover_region     = "eu-west-2"'
broken 'prod without cross-region DR' '[["terraform/prod/prod.tfvars", 19, "tf-dr"]]' \
    $TF/prod/prod.tfvars 'enable_cross_region_dr = true' 'enable_cross_region_dr = false'
broken 'sit with cross-region DR' '[["terraform/sit/sit.tfvars", 15, "tf-dr"]]' \
    $TF/sit/sit.tfvars 'enable_cross_region_dr = false' 'enable_cross_region_dr = true'
broken 'a variable missing in one environment' '[["terraform/dev/dev.tfvars", null, "tf-variable-set"]]' \
    $TF/dev/dev.tfvars 'lambda_timeout = 30  # seconds' ''
broken 'the environment of another directory' \
    '[["terraform/sit/sit.tfvars", 3, "tf-copied"], ["terraform/sit/sit.tfvars", 3, "tf-environment"]]' \
    $TF/sit/sit.tfvars 'environment    = "sit"' 'environment    = "dev"'
broken 'a name without the environment suffix' '[["terraform/sit/sit.tfvars", 8, "tf-name-suffix"]]' \
    $TF/sit/sit.tfvars '"bbws-order-creation-sit"' '"bbws-order-creation"'
broken 'a name without the prefix' '[["terraform/prod/prod.tfvars", 11, "tf-name-prefix"]]' \
    $TF/prod/prod.tfvars '"bbws-customer-portal-orders-prod"' '"customer-portal-orders-prod"'
broken 'a line that is not an assignment of a plain value' '[["terraform/dev/dev.tfvars", 12, "tf-syntax"]]' \
    $TF/dev/dev.tfvars 'lambda_memory  = 512 # MB' 'lambda_memory  = 512 MB'
broken 'a map' '[["terraform/prod/prod.tfvars", 21, "tf-syntax"], ["terraform/prod/prod.tfvars", 22, "tf-syntax"], ["terraform/prod/prod.tfvars", 23, "tf-syntax"]]' \
    $TF/prod/prod.tfvars 'ses_sending_limit      = "50/sec"' 'ses_sending_limit      = "50/sec"
tags = {
  owner = "ops",
}'

# ---- the S3 bucket naming rules (each with whatever else the name breaks)
long=bbws-orders-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-dev
broken 's3-length' '[["terraform/dev/dev.tfvars", 10, "s3-length"]]' \
    $TF/dev/dev.tfvars '"bbws-orders-dev"' "\"$long\""
broken 's3-chars' '[["terraform/dev/dev.tfvars", 10, "s3-chars"]]' \
    $TF/dev/dev.tfvars '"bbws-orders-dev"' '"bbws-Orders_x-dev"'
broken 's3-edge' '[["terraform/dev/dev.tfvars", 10, "s3-edge"], ["terraform/dev/dev.tfvars", 10, "tf-name-suffix"]]' \
    $TF/dev/dev.tfvars '"bbws-orders-dev"' '"bbws-orders-dev-"'
broken 's3-double-dot' '[["terraform/dev/dev.tfvars", 10, "s3-double-dot"]]' \
    $TF/dev/dev.tfvars '"bbws-orders-dev"' '"bbws-orders..eu-dev"'
broken 's3-ip-address' '[["terraform/dev/dev.tfvars", 10, "s3-ip-address"], ["terraform/dev/dev.tfvars", 10, "tf-name-prefix"], ["terraform/dev/dev.tfvars", 10, "tf-name-suffix"]]' \
    $TF/dev/dev.tfvars '"bbws-orders-dev"' '"192.168.5.4"'
broken 's3-reserved-prefix' '[["terraform/dev/dev.tfvars", 10, "s3-reserved-prefix"], ["terraform/dev/dev.tfvars", 10, "tf-name-prefix"]]' \
    $TF/dev/dev.tfvars '"bbws-orders-dev"' '"xn--bbws-orders-dev"'
broken 's3-reserved-suffix' '[["terraform/dev/dev.tfvars", 10, "s3-reserved-suffix"], ["terraform/dev/dev.tfvars", 10, "tf-name-suffix"]]' \
    $TF/dev/dev.tfvars '"bbws-orders-dev"' '"bbws-orders-dev-s3alias"'

# ---- environment names: exactly the policy's
check '"staging" as a directory' eval 'mkdir $TF/staging && cp $TF/sit/sit.tfvars $TF/staging/staging.tfvars &&
    promote 1 env check --worktree --json && viol_is "[[\"terraform/staging\", null, \"env-name\"]]"'
restore
broken '"staging" as the environment value' \
    '[["terraform/sit/sit.tfvars", 3, "env-name"], ["terraform/sit/sit.tfvars", 3, "tf-environment"]]' \
    $TF/sit/sit.tfvars 'environment    = "sit"' 'environment    = "staging"'
broken '"staging" as a resource-name suffix' \
    '[["terraform/sit/sit.tfvars", 10, "env-name"], ["terraform/sit/sit.tfvars", 10, "tf-name-suffix"]]' \
    $TF/sit/sit.tfvars '"bbws-orders-sit"' '"bbws-orders-staging"'
check '"production" as a file name' eval 'cp $TF/prod/prod.tfvars $TF/prod/production.tfvars &&
    promote 1 env check --worktree --json && viol_is "[[\"terraform/prod/production.tfvars\", null, \"env-name\"]]"'
restore
check 'a missing variable file' eval 'rm $TF/sit/sit.tfvars && promote 1 env check --worktree --json &&
    viol_is "[[\"terraform/sit/sit.tfvars\", null, \"tf-missing\"]]"'
restore

# ---- workflows
broken 'a deploy on the wrong branch' '[[".github/workflows/deploy-dev.yml", 13, "wf-branch"]]' \
    $WF/deploy-dev.yml 'branches: [develop]' 'branches: [main]'
broken 'a deploy on every branch' '[[".github/workflows/deploy-dev.yml", 12, "wf-branch"]]' \
    $WF/deploy-dev.yml '    branches: [develop]
' ''
broken 'a deploy job without its environment' '[[".github/workflows/deploy-sit.yml", 28, "wf-environment"]]' \
    $WF/deploy-sit.yml '    environment: sit
' ''
broken 'a deploy job in another environment' '[[".github/workflows/deploy-sit.yml", 32, "wf-environment"]]' \
    $WF/deploy-sit.yml 'environment: sit' 'environment: prod'
broken 'a deploy job without id-token: write' '[[".github/workflows/deploy-prod.yml", 35, "wf-id-token"]]' \
    $WF/deploy-prod.yml '      id-token: write # assume the deploy role through GitHub'"'"'s OIDC provider
' ''
broken 'a role in the wrong account' '[[".github/workflows/deploy-prod.yml", 47, "wf-role"]]' \
    $WF/deploy-prod.yml '${{ secrets.PROD_OIDC_ROLE_ARN }}' 'arn:aws:iam::815856636111:role/github-2-bbws-order-lambda-prod'
check '(named with both accounts)' eval 'brk $WF/deploy-prod.yml "\${{ secrets.PROD_OIDC_ROLE_ARN }}" "arn:aws:iam::815856636111:role/github-2-bbws-order-lambda-prod" &&
    promote 1 env check --worktree &&
    has "$OUT" ".github/workflows/deploy-prod.yml:47: wf-role: the role arn:aws:iam::815856636111:role/github-2-bbws-order-lambda-prod is in account 815856636111, prod'"'"'s account is 093646564004"'
restore
check 'the literal ARN of the policy passes' eval 'brk $WF/deploy-prod.yml "\${{ secrets.PROD_OIDC_ROLE_ARN }}" "arn:aws:iam::093646564004:role/github-2-bbws-order-lambda-prod" &&
    promote 0 env check --worktree'
restore
broken 'a role of another environment' '[[".github/workflows/deploy-prod.yml", 47, "wf-role"]]' \
    $WF/deploy-prod.yml '${{ secrets.PROD_OIDC_ROLE_ARN }}' 'arn:aws:iam::093646564004:role/github-2-bbws-order-lambda-sit'
broken 'the role secret of another environment' '[[".github/workflows/deploy-prod.yml", 47, "wf-secret"]]' \
    $WF/deploy-prod.yml 'secrets.PROD_OIDC_ROLE_ARN' 'secrets.SIT_OIDC_ROLE_ARN'
broken 'any secret of another environment' '[[".github/workflows/deploy-dev.yml", 39, "wf-secret"]]' \
    $WF/deploy-dev.yml 'secrets.DEV_AWS_REGION' 'secrets.PROD_AWS_REGION'
broken 'a dispatched deploy without the tag input' '[[".github/workflows/deploy-prod.yml", 15, "wf-dispatch"]]' \
    $WF/deploy-prod.yml '      tag:' '      release:'
broken 'a workflow that is not YAML' '[[".github/workflows/deploy-sit.yml", 29, "wf-syntax"]]' \
    $WF/deploy-sit.yml 'jobs:' 'jobs: ['
check 'a missing deploy workflow' eval 'rm $WF/deploy-prod.yml && promote 1 env check --worktree --json &&
    viol_is "[[\".github/workflows/deploy-prod.yml\", null, \"wf-missing\"]]"'
restore

# ---- the commit or the work tree
check 'HEAD is read through git, not the work tree' eval 'brk $TF/sit/sit.tfvars "\"815856636111\"" "\"111111111111\"" &&
    promote 0 env check && promote 1 env check --worktree'
check 'a committed break is found at HEAD, and --commit reads older commits' eval 'g commit -q -am "Break sit" &&
    promote 1 env check --json && jq_is "d[\"commit\"]" "$(git rev-parse HEAD)" && jq_is "d[\"worktree\"]" null &&
    viol_is "[[\"terraform/sit/sit.tfvars\", 4, \"tf-account\"]]" &&
    promote 0 env check --commit HEAD~1 && promote 0 env check --commit "$head"'
g reset -q --hard "$head"
check '--terraform and --workflows name other directories' eval 'git mv -k terraform infra && git mv -k .github/workflows ci &&
    promote 1 env check --worktree --json &&
    viol_is "[[\".github/workflows\", null, \"wf-missing\"], [\"terraform\", null, \"tf-missing\"]]" &&
    promote 0 env check --worktree --terraform ./infra/ --workflows ci'
g reset -q --hard "$head"

# ---- usage, policy and read errors
check 'usage errors exit 2' eval 'promote 2 env check --commit HEAD --worktree && has "$ERR" "cannot be used together" &&
    promote 2 env check --terraform /etc && has "$ERR" "relative to the repository root" &&
    promote 2 env check --workflows ../x && has "$ERR" "leaves the repository" &&
    promote 2 env check --json --json && promote 2 env check extra && promote 2 env frobnicate &&
    promote 2 env check --commit no-such-rev && has "$ERR" "no-such-rev"'
check 'help' eval 'promote 0 env check -h && has "$OUT" "usage: promote env check" && promote 0 env -h'
check 'a bad policy exits 2' eval 'python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d[\"naming\"][\"prefx\"]=\"x\"; json.dump(d, open(sys.argv[2], \"w\"))" "$TMP/policy.json" "$TMP/bad.json" &&
    promote 2 env check --policy "$TMP/bad.json" && has "$ERR" "\$.naming.prefx: unknown key" &&
    promote 2 env check --policy-ref no-such-branch && has "$ERR" "policy ref"'
check 'a symbolic link where a variable file belongs cannot be read: exit 3' eval 'rm $TF/sit/sit.tfvars &&
    ln -s ../dev/dev.tfvars $TF/sit/sit.tfvars && g add -A && g commit -q -m "Link sit to dev" &&
    promote 3 env check && has "$ERR" "terraform/sit/sit.tfvars'"'"' is a symbolic link" &&
    promote 3 env check --worktree'
g reset -q --hard "$head"

# ---- the env_config gate: dev -> sit checks the commit being promoted
K="--key $TMP/ci.key --no-remote"
check 'dev -> sit passes environment-config on the example' eval 'promote 0 check --commit release dev sit &&
    has "$OUT" "PASS   environment-config  terraform and .github/workflows follow the policy (3 variable file(s), 6 workflow(s))"'
g checkout -q release
brk $TF/sit/sit.tfvars '"815856636111"' '"536580886816"'
g commit -q -am "Deploy sit into the dev account"
bad=$(git rev-parse HEAD)
check 'a broken variable file on release fails the promotion, naming the violation' eval 'promote 1 check --commit release dev sit &&
    has "$OUT" "FAIL   environment-config  2 violation(s) at ${bad%????????????????????????????}; first terraform/sit/sit.tfvars:4 tf-account: aws_account_id is 536580886816, the policy'"'"'s sit account is 815856636111" &&
    has "$OUT" "verdict: rejected"'
check 'the decision carries every violation' eval 'promote 1 check --json --commit release dev sit &&
    jq_is "[g[\"details\"][\"count\"] for g in d[\"gates\"] if g[\"type\"] == \"env_config\"]" "[2]" &&
    jq_is "[[v[\"rule\"], v[\"line\"]] for g in d[\"gates\"] if g[\"type\"] == \"env_config\" for v in g[\"details\"][\"violations\"]]" "[[\"tf-account\", 4], [\"tf-copied\", 4]]"'
check 'the work tree does not matter to the gate' eval 'g checkout -q "$head" -- terraform && promote 1 check --commit release dev sit'
g checkout -q release -- terraform
check 'a recorded promotion is rejected and recorded' eval 'promote 1 $K --commit release dev sit &&
    has "$OUT" "FAIL   environment-config" && has "$OUT" "recorded: seq 1"'
check 'the commit before the break passes' eval 'promote 0 check --commit "$head" dev sit'
finish
