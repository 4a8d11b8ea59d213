#!/bin/sh
# Deploy on approval: after the approved decision is recorded, the commit is tagged from
# the environment's template, the tag pushed, the deploy triggered (workflow dispatch or
# GitHub deployment), and a deployment entry recorded; a failed trigger is recorded too.
. "$SRCDIR/tests/e2e/lib.sh"
make_key ci
github_policy "$TMP/github.json"
trust_keys "$TMP/github.json" "$TMP/keyed.json" ci
python3 - "$TMP/keyed.json" "$TMP/policy.json" <<'PY'
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
make_repo "$TMP/repo" "$TMP/policy.json"
cd "$TMP/repo" || exit 1
git init -q --bare "$TMP/remote.git" && git remote add origin "$TMP/remote.git" && git push -q origin main develop release
python3 "$SRCDIR/examples/bbws/scenario.py" . "$TMP/approved.json" approved
# the simulator knows the tags the promotions will push (it cannot see the git remote)
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["workflows"]=["deploy-sit.yml","deploy-prod.yml"]; d["tags"]={t: sys.argv[2] for t in ["sit-2026.11.04.%d" % n for n in range(1, 9)] + ["prod-2026.11.04.1"]}; json.dump(d, open(sys.argv[1], "w"))' "$TMP/approved.json" "$(git rev-parse release)"
gh_start "$TMP/approved.json"
export PROMOTE_NOW=2026-11-04T08:00:00Z
K="--key $TMP/ci.key"
sim() { python3 -c 'import json,sys,urllib.request; print(json.dumps(json.load(urllib.request.urlopen(sys.argv[1] + sys.argv[2], timeout=5))))' "$SIM_BASE" "$1"; }

check 'an approved promotion is tagged, pushed, triggered and recorded' eval 'promote 0 $K dev sit &&
    has "$OUT" "recorded: seq 1" && has "$OUT" "deployed: tag sit-2026.11.04.1 (pushed); triggered workflow_dispatch; recorded as seq 2" &&
    [ "$(git rev-parse "sit-2026.11.04.1^{commit}")" = "$(git rev-parse release)" ] &&
    [ "$(git -C "$TMP/remote.git" rev-parse "refs/tags/sit-2026.11.04.1^{commit}")" = "$(git rev-parse release)" ] &&
    git cat-file -p sit-2026.11.04.1 | grep -q "promote: dev -> sit, decision seq 1 [0-9a-f]\{64\}"'
check 'the workflow was dispatched for the tag' eval 'sim /_sim/dispatches > "$OUT" &&
    jq_is "[[x[\"workflow\"], x[\"ref\"], x[\"inputs\"][\"tag\"]] for x in d]" "[[\"deploy-sit.yml\", \"sit-2026.11.04.1\", \"sit-2026.11.04.1\"]]"'
check 'the deployment entry names the tag and the decision' eval 'promote 0 audit show --json 2 &&
    jq_is "d[\"statement\"][\"predicate\"][\"kind\"]" deployment &&
    jq_is "d[\"statement\"][\"predicate\"][\"result\"]" triggered &&
    jq_is "d[\"statement\"][\"predicate\"][\"tag\"]" sit-2026.11.04.1'
check 'a second promotion the same day gets the next number' eval 'promote 0 $K dev sit && has "$OUT" "tag sit-2026.11.04.2"'
check 'a triggered deploy is not a successful deployment: provenance needs the report' eval 'promote 0 status sit --json &&
    jq_is "d[\"environments\"][0][\"commit\"]" None'
gh_faults '[{"path": "/dispatches", "method": "POST", "status": 500, "times": -1}]'
check 'a failing trigger: recorded, exit 3' eval 'promote 3 $K dev sit && has "$ERR" "POST /repos/bbws/order-service/actions/workflows/deploy-sit.yml/dispatches: HTTP 500" &&
    promote 0 audit show --json 6 && jq_is "d[\"statement\"][\"predicate\"][\"result\"]" trigger_failed &&
    jq_is "d[\"statement\"][\"predicate\"][\"tag\"]" sit-2026.11.04.3'
gh_scenario "$TMP/approved.json"
# two promotions into sit at once: the first request of one of them is held back 2 s
gh_faults '[{"path": "/commits/[0-9a-f]+/pulls", "delay_ms": 2000, "times": 1}]'
"$PROMOTE" $K dev sit >"$TMP/a.out" 2>"$TMP/a.err" &
apid=$!
sleep 0.7
"$PROMOTE" $K dev sit >"$TMP/b.out" 2>"$TMP/b.err"
brc=$?
wait $apid
arc=$?
check 'two promotions at once: the one that lands first deploys' eval '[ $brc -eq 0 ] && grep -q "deployed: tag sit-2026.11.04.4" "$TMP/b.out"'
check 'the other is recorded, not deployed, and says it was superseded (exit 1)' eval '[ $arc -eq 1 ] &&
    grep -q "^superseded by seq 7: another promotion into sit landed first" "$TMP/a.out" &&
    ! grep -q "deployed: tag" "$TMP/a.out" && promote 0 audit log --limit 1 && has "$OUT" "superseded"'
check 'record the deployment into sit' eval 'promote 0 record deployed $K --env sit --commit release --result success'
check 'promoting what is already deployed records and triggers nothing' eval 'n=$(git rev-list --count refs/promote/audit) &&
    promote 0 $K dev sit && has "$OUT" "already deployed: $(git rev-parse release) is the latest successful deployment in sit" &&
    [ "$(git rev-list --count refs/promote/audit)" = "$n" ] && hasnt "$OUT" "verdict"'
check 'prod: a GitHub deployment for the tag, its id recorded' eval 'promote 0 $K --release-pr 9 sit prod &&
    has "$OUT" "deployed: tag prod-2026.11.04.1 (pushed); triggered github_deployment" &&
    promote 0 audit log --json --limit 1 && jq_is "d[\"statement\"][\"predicate\"][\"kind\"]" deployment &&
    jq_is "d[\"statement\"][\"predicate\"][\"deployment\"] is not None" True &&
    sim /_sim/deployments > "$OUT" && jq_is "d[-1][\"ref\"]" prod-2026.11.04.1'
check 'the whole log verifies' eval 'promote 0 audit verify && has "$OUT" "audit log intact"'
finish
