#!/bin/sh
# --wait: after triggering the deploy, follow the dispatched workflow run or the GitHub
# deployment's statuses to the end and record the outcome; a failure or a timeout exits 3.
. "$SRCDIR/tests/e2e/lib.sh"
make_key ci
python3 - "$SRCDIR/tests/e2e/policies/files.json" "$TMP/files.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for e in d["environments"]:
    if e["name"] == "sit":
        e["tag_template"] = "sit-{yyyy}.{mm}.{dd}.{n}"
        e["deploy"] = {"type": "workflow_dispatch", "workflow": "deploy-sit.yml", "inputs": {"tag": "{tag}"}}
    if e["name"] == "prod":
        e["tag_template"] = "prod-{yyyy}.{mm}.{dd}.{n}"
        e["deploy"] = {"type": "github_deployment", "required_contexts": []}
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
trust_keys "$TMP/files.json" "$TMP/policy.json" ci
make_repo "$TMP/repo" "$TMP/policy.json"
cd "$TMP/repo" || exit 1
R=$(git rev-parse release)
g commit -q --allow-empty -m "release candidate 2" && R2=$(git rev-parse HEAD) && g checkout -q -B release "$R"
g checkout -q main && g commit -q --allow-empty -m "release A" && A=$(git rev-parse HEAD) &&
    g commit -q --allow-empty -m "release B" && B=$(git rev-parse HEAD) && g checkout -q release
git init -q --bare "$TMP/remote.git" && git remote add origin "$TMP/remote.git" &&
    git push -q origin main develop release && git branch -q rc2 "$R2"
python3 "$SRCDIR/examples/bbws/scenario.py" . "$TMP/scenario.json" approved
python3 - "$TMP/scenario.json" "$R" "$A" "$B" "$R2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r, a, b, r2 = sys.argv[2:6]
d["tags"] = {"sit-2026.11.04.1": r, "sit-2026.11.04.2": r2}
d["tags"].update({"prod-2026.11.04.%d" % (i + 1): sha for i, sha in enumerate([a, a, b, b])})
d["deploy_outcomes"] = {"deploy-sit.yml": {"result": "success", "polls": 2}}
json.dump(d, open(sys.argv[1], "w"))
PY
gh_start "$TMP/scenario.json"
export PROMOTE_NOW=2026-11-04T08:00:00Z
K="--key $TMP/ci.key"
W="--wait --wait-interval 0.05"
outcomes() { python3 "$SRCDIR/tests/ghsim/harness.py" outcomes --dir "$GHSIM_DIR" "$1" >/dev/null; }
entries() { git rev-list --count refs/promote/audit; }

check 'dispatch, follow the run to success, record it' eval 'promote 0 $K $W dev sit &&
    has "$OUT" "deployed: tag sit-2026.11.04.1 (pushed); triggered workflow_dispatch; recorded as seq 2" &&
    has "$OUT" "deploy sit-2026.11.04.1: succeeded (success); recorded as seq 3" &&
    promote 0 audit show --json 3 && jq_is "d[\"statement\"][\"predicate\"][\"kind\"]" deployment &&
    jq_is "d[\"statement\"][\"predicate\"][\"result\"]" success &&
    jq_is "d[\"statement\"][\"predicate\"][\"reported_by\"]" "promote --wait" &&
    jq_is "d[\"statement\"][\"predicate\"][\"run\"] is not None" True'
check 'the run was polled until it completed (queued, in progress, done)' eval '[ "$(gh_py "len([r for r in reqs if \"/actions/runs/\" in r[\"path\"]])")" = 3 ]'
check 'the recorded success counts: sit is deployed' eval 'promote 0 status sit --json && jq_is "d[\"environments\"][0][\"commit\"]" "$R" &&
    jq_is "d[\"environments\"][0][\"tag\"]" sit-2026.11.04.1'
check 'check refuses --wait' eval 'promote 2 check --wait dev sit && has "$ERR" "check triggers nothing"'
check '--wait-timeout needs --wait' eval 'promote 2 $K --wait-timeout 5 sit prod'

outcomes '{"prod": {"result": "failure", "polls": 1}}'
check 'a deployment that fails: recorded as failed, exit 3' eval 'promote 3 $K $W --json --commit "$A" sit prod &&
    jq_is "d[\"deploy\"][\"wait\"][\"result\"]" failure && jq_is "d[\"deploy\"][\"wait\"][\"observed\"]" failure &&
    jq_is "d[\"deploy\"][\"wait\"][\"seq\"]" 6 && has "$ERR" "the deploy failed" &&
    promote 0 audit show --json 6 && jq_is "d[\"statement\"][\"predicate\"][\"result\"]" failure &&
    promote 0 status prod --json && jq_is "d[\"environments\"][0][\"commit\"]" None'
outcomes '{"prod": "never"}'
check 'a deploy still running at --wait-timeout: exit 3, nothing recorded for it' eval 'n=$(entries) &&
    promote 3 $K --wait --wait-interval 0.2 --wait-timeout 1 --commit "$A" sit prod &&
    has "$ERR" "still '"'in_progress'"' after 1 s" && [ "$(entries)" = "$((n + 2))" ]'
outcomes '{"prod": {"result": "success", "polls": 2, "empty_polls": 1}}'
gh_faults '[{"path": "/statuses", "status": 500, "times": 4}]'
check 'GitHub failing while waiting: exit 3, the outcome is not guessed' eval 'n=$(entries) &&
    promote 3 $K $W --commit "$B" sit prod && has "$ERR" "/statuses?per_page=100: HTTP 500 (after 3 retries)" && [ "$(entries)" = "$((n + 2))" ]'
check 'a deployment that succeeds after an empty status list' eval 'promote 0 $K $W --json --commit "$B" sit prod &&
    jq_is "d[\"deploy\"][\"tag\"]" prod-2026.11.04.4 && jq_is "d[\"deploy\"][\"wait\"][\"result\"]" success &&
    promote 0 status prod --json && jq_is "d[\"environments\"][0][\"commit\"]" "$B"'
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["dispatch_run_details"]=False; json.dump(d, open(sys.argv[2], "w"))' \
    "$TMP/scenario.json" "$TMP/no-details.json"
gh_scenario "$TMP/no-details.json"
check 'a dispatch answered without the run: the run is found by tag and commit, followed, recorded' eval '
    git checkout -q -B release "$R2" && git push -q -f origin release &&
    promote 0 $K --json dev sit && jq_is "d[\"verdict\"]" already_deployed && jq_is "d[\"deployment\"][\"seq\"]" 3 &&
    promote 0 $K $W --json --commit "$R2" dev sit && jq_is "d[\"commit\"]" "$R2" &&
    jq_is "d[\"deploy\"][\"tag\"]" sit-2026.11.04.2 && jq_is "d[\"deploy\"][\"run_id\"] > 0" True &&
    jq_is "d[\"deploy\"][\"wait\"][\"result\"]" success &&
    [ "$(gh_py "len([r for r in reqs if \"/actions/workflows/deploy-sit.yml/runs\" in r[\"path\"] and \"head_sha=$R2\" in r[\"query\"]])")" -ge 1 ]'
check 'the whole log verifies' eval 'promote 0 audit verify && has "$OUT" "audit log intact"'
finish
