#!/bin/sh
# Rollback: the last good state of prod (or the one named by --to), only by a member of the
# policy's rollback role, recorded before the deploy is triggered, holding prod until an
# unhold; refused when there is no earlier good state.
. "$SRCDIR/tests/e2e/lib.sh"
make_key ci
python3 - "$SRCDIR/tests/e2e/policies/files.json" "$TMP/files.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["roles"] = {"ops-lead": {"team": "bbws/ops-leads"}, "tech-lead": {"team": "bbws/tech-leads"}}
for e in d["environments"]:
    if e["name"] == "prod":
        e["tag_template"] = "prod-{yyyy}.{mm}.{dd}.{n}"
        e["deploy"] = {"type": "workflow_dispatch", "workflow": "deploy-prod.yml", "inputs": {"tag": "{tag}"}}
        e["rollback"] = {"roles": ["ops-lead"]}
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
trust_keys "$TMP/files.json" "$TMP/policy.json" ci
make_repo "$TMP/repo" "$TMP/policy.json"
cd "$TMP/repo" || exit 1
# three releases on main: A, B, C
for n in A B C; do
    g checkout -q main && g commit -q --allow-empty -m "release $n" && eval "$n=\$(git rev-parse HEAD)"
done
git init -q --bare "$TMP/remote.git" && git remote add origin "$TMP/remote.git" &&
    git push -q origin main develop release
python3 "$SRCDIR/examples/bbws/scenario.py" . "$TMP/scenario.json" approved
# the tags this test's promotions and rollbacks push, in order; runs of the Actions actors
python3 - "$TMP/scenario.json" "$A" "$B" "$C" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
a, b, c = sys.argv[2:5]
d["tags"] = {"prod-2026.11.04.%d" % (i + 1): sha for i, sha in enumerate([a, b, c, b, a, b, a, b])}
for rid, who in (("8002", "ayanda"), ("8003", "sipho")):
    d["runs"][rid] = {"actor": who, "triggering_actor": who, "head_sha": c, "head_branch": "main",
                      "status": "in_progress", "event": "workflow_dispatch", "name": "rollback"}
json.dump(d, open(sys.argv[1], "w"))
PY
gh_start "$TMP/scenario.json"
export PROMOTE_NOW=2026-11-04T08:00:00Z
K="--key $TMP/ci.key"
sim() { python3 -c 'import json,sys,urllib.request; print(json.dumps(json.load(urllib.request.urlopen(sys.argv[1] + sys.argv[2], timeout=5))))' "$SIM_BASE" "$1"; }
# as ayanda (an active ops-lead), through the Actions run she triggered
ops() { GITHUB_ACTIONS=true GITHUB_RUN_ID=8002 GITHUB_ACTOR=ayanda promote "$@"; }
entries() { git rev-list --count refs/promote/audit 2>/dev/null || echo 0; }
deploy_prod() { # deploy_prod SHA: promote sit -> prod and report the deploy successful
    promote 0 $K --commit "$1" sit prod && promote 0 record deployed $K --env prod --commit "$1" --result success
}

check 'nothing deployed yet: nothing to roll back (exit 1)' eval 'ops 1 rollback $K prod --reason "bad release" &&
    has "$ERR" "nothing has been deployed to '"'prod'"'" && [ "$(entries)" = 0 ]'
check 'A deployed' deploy_prod "$A"
check 'one deployment only: no earlier good state (exit 1, nothing recorded)' eval 'n=$(entries) &&
    ops 1 rollback $K prod --reason "bad release" && has "$ERR" "no earlier good state in '"'prod'"'" &&
    [ "$(entries)" = "$n" ]'
check 'B and C deployed' eval 'deploy_prod "$B" && deploy_prod "$C"'
check 'the token owner is no ops-lead: refused (exit 1), nothing recorded' eval 'n=$(entries) &&
    promote 1 rollback $K prod --reason "bad release" &&
    has "$ERR" "'"'release-bot' may not roll back 'prod': not a member of ops-lead"'" && [ "$(entries)" = "$n" ]'
check 'a pending member is no member' eval 'GITHUB_ACTIONS=true GITHUB_RUN_ID=8003 GITHUB_ACTOR=sipho promote 1 rollback $K prod --reason x &&
    has "$ERR" "'"'sipho' may not roll back"'"'
check 'an environment without rollback roles: exit 2' eval 'ops 2 rollback $K sit --reason x &&
    has "$ERR" "names no rollback role for '"'sit'"'"'
check 'usage: --reason is required, one environment' eval 'promote 2 rollback prod && has "$ERR" "needs --reason" &&
    promote 2 rollback prod sit --reason x && promote 2 rollback --reason x prod --wait-timeout 5'
check 'GitHub down: cannot check the role, exit 3, nothing recorded' eval 'n=$(entries) &&
    gh_faults "[{\"path\": \"/memberships/\", \"status\": 500, \"times\": -1}]" &&
    ops 3 rollback $K prod --reason x --github-timeout 2 && has "$ERR" "cannot check who may roll back '"'prod'"'" &&
    [ "$(entries)" = "$n" ] && gh_scenario "$TMP/scenario.json"'

check 'rollback without --to: C -> B, recorded, tagged, triggered, held' eval 'ops 0 rollback $K prod --reason "orders failing" &&
    has "$OUT" "rollback of prod by ayanda (ops-lead): $(echo $C | cut -c1-12) -> $(echo $B | cut -c1-12)" &&
    has "$OUT" "deployed: tag prod-2026.11.04.4 (pushed); triggered workflow_dispatch" &&
    has "$OUT" "prod is on hold" &&
    [ "$(git rev-parse "prod-2026.11.04.4^{commit}")" = "$B" ] &&
    [ "$(git -C "$TMP/remote.git" rev-parse "refs/tags/prod-2026.11.04.4^{commit}")" = "$B" ] &&
    git cat-file -p prod-2026.11.04.4 | grep -q "promote: rollback of prod to $B (seq 6), rollback seq 10 "'
check 'the rollback entry: signed, with actor, reason, from and to' eval 'promote 0 audit show --json 10 &&
    jq_is "d[\"statement\"][\"predicate\"][\"kind\"]" rollback &&
    jq_is "d[\"statement\"][\"predicate\"][\"actor\"]" ayanda &&
    jq_is "d[\"statement\"][\"predicate\"][\"reason\"]" "orders failing" &&
    jq_is "d[\"statement\"][\"predicate\"][\"from_commit\"]" "$C" &&
    jq_is "d[\"statement\"][\"predicate\"][\"to_commit\"]" "$B" &&
    jq_is "d[\"statement\"][\"predicate\"][\"to_seq\"]" 6 &&
    jq_is "d[\"statement\"][\"predicate\"][\"role\"]" ops-lead &&
    jq_is "d[\"statement\"][\"subject\"][0][\"digest\"][\"gitCommit\"]" "$B"'
check 'the deployment entry names the rollback, not a decision' eval 'promote 0 audit show --json 10 &&
    rid=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[\"id\"])" "$OUT") &&
    promote 0 audit show --json 11 && jq_is "d[\"statement\"][\"predicate\"][\"kind\"]" deployment &&
    jq_is "d[\"statement\"][\"predicate\"][\"rollback\"]" "$rid" &&
    jq_is "\"decision\" in d[\"statement\"][\"predicate\"]" False'
check 'the deploy workflow was dispatched for the new tag' eval 'sim /_sim/dispatches > "$OUT" &&
    jq_is "[d[-1][\"workflow\"], d[-1][\"ref\"], d[-1][\"inputs\"][\"tag\"], d[-1][\"sha\"]]" "[\"deploy-prod.yml\", \"prod-2026.11.04.4\", \"prod-2026.11.04.4\", \"$B\"]"'
check 'the rollback holds prod: a promotion is refused naming it (exit 1)' eval 'promote 1 $K --commit "$C" sit prod &&
    has "$OUT" "prod is on hold since seq 10 (rollback): orders failing" &&
    promote 0 status prod --json && jq_is "d[\"environments\"][0][\"hold_kind\"]" rollback &&
    jq_is "d[\"environments\"][0][\"hold_seq\"]" 10 && jq_is "d[\"environments\"][0][\"hold\"]" "orders failing"'
check 'B reported deployed; unhold' eval 'promote 0 record deployed $K --env prod --commit "$B" --result success &&
    promote 0 status prod --json && jq_is "d[\"environments\"][0][\"commit\"]" "$B" &&
    jq_is "d[\"environments\"][0][\"tag\"]" prod-2026.11.04.4 &&
    jq_is "d[\"environments\"][0][\"deployed_by\"]" ayanda &&
    promote 0 unhold $K prod --reason "incident closed" && has "$OUT" "recorded unhold for prod (commit $(echo $B | cut -c1-12)) by release-bot" &&
    promote 0 audit log --json --limit 1 && jq_is "d[\"statement\"][\"predicate\"][\"actor\"]" release-bot &&
    promote 0 status prod --json && jq_is "d[\"environments\"][0][\"hold\"]" None'
check 'rolling back again skips C (rolled back from): B -> A' eval 'ops 0 rollback $K prod --reason "still failing" --json &&
    jq_is "d[\"from_commit\"]" "$B" && jq_is "d[\"to_commit\"]" "$A" && jq_is "d[\"to_seq\"]" 3 &&
    jq_is "d[\"deploy\"][\"tag\"]" prod-2026.11.04.5 && jq_is "d[\"hold\"]" True && jq_is "d[\"actor\"]" ayanda'
check '--to TAG: back to B by its first tag' eval 'promote 0 record deployed $K --env prod --commit "$A" --result success &&
    ops 0 rollback $K prod --to prod-2026.11.04.2 --reason "A lacks a fix" &&
    has "$OUT" "$(echo $A | cut -c1-12) -> $(echo $B | cut -c1-12)" && has "$OUT" "tag prod-2026.11.04.6"'
check '--to SEQ: back to A by its deployment entry, waiting for the deploy' eval 'promote 0 record deployed $K --env prod --commit "$B" --result success &&
    ops 0 rollback $K prod --to 3 --reason "back to A" --json --wait --wait-interval 0.05 &&
    jq_is "d[\"to_commit\"]" "$A" && jq_is "d[\"to_seq\"]" 17 &&
    jq_is "d[\"deploy\"][\"wait\"][\"result\"]" success && jq_is "d[\"deploy\"][\"wait\"][\"seq\"]" 23'
check '--to what is deployed now, or a bad name: refused' eval 'promote 0 record deployed $K --env prod --commit "$A" --result success &&
    ops 1 rollback $K prod --to prod-2026.11.04.1 --reason x && has "$ERR" "is what was deployed last in '"'prod'"'" &&
    ops 2 rollback $K prod --to 9999 --reason x && has "$ERR" "--to 9999: not a deployment to or an approved decision into '"'prod'"'" &&
    ops 2 rollback $K prod --to no-such-tag --reason x && has "$ERR" "--to no-such-tag: neither an entry number nor a tag"'
check 'a failing trigger: the rollback and the failure are recorded, exit 3' eval 'n=$(entries) &&
    gh_faults "[{\"path\": \"/dispatches\", \"method\": \"POST\", \"status\": 500, \"times\": -1}]" &&
    ops 3 rollback $K prod --to prod-2026.11.04.2 --reason "try again" && has "$ERR" "dispatches: HTTP 500" &&
    [ "$(entries)" = "$((n + 2))" ] && promote 0 audit log --json --limit 1 &&
    jq_is "d[\"statement\"][\"predicate\"][\"result\"]" trigger_failed && gh_scenario "$TMP/scenario.json"'
check 'a hold while GitHub cannot say who: recorded anyway, saying why there is no actor' eval 'gh_faults "[{\"path\": \"^/user\", \"status\": 500, \"times\": -1}]" &&
    promote 0 hold $K prod --reason "INC-77" --json && jq_is "d[\"actor\"]" None &&
    promote 0 audit log --json --limit 1 && jq_is "d[\"statement\"][\"predicate\"][\"kind\"]" hold &&
    jq_is "\"HTTP 500\" in d[\"statement\"][\"predicate\"][\"actor_error\"]" True &&
    gh_scenario "$TMP/scenario.json" && promote 0 unhold $K prod --reason "INC-77 closed" && has "$OUT" "by release-bot"'
check 'the whole log verifies' eval 'promote 0 audit verify && has "$OUT" "audit log intact"'
finish
