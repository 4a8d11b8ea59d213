#!/bin/sh
# The prod deploy window end to end, on one clock: inside the window, outside it, inside
# the year-end freeze, and --break-glass by an ops-lead (passes, recorded as such) and by
# someone without the role (refused, recorded).
. "$SRCDIR/tests/e2e/lib.sh"
make_key ci
python3 - "$SRCDIR/policies/bbws.json" "$TMP/window.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for p in d["promotions"]:
    p["gates"] = [g for g in p["gates"] if g["type"] in ("deploy_window", "branch")]
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
trust_keys "$TMP/window.json" "$TMP/policy.json" ci
make_repo "$TMP/repo" "$TMP/policy.json"
cd "$TMP/repo" || exit 1
ops_scenario "$TMP/scenario.json" || exit 1
python3 - "$TMP/scenario.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["tags"]["prod-2026.12.16.1"] = d["runs"]["8001"]["head_sha"]  # the tag the break-glass deploy pushes
json.dump(d, open(sys.argv[1], "w"))
PY
gh_start "$TMP/scenario.json"
K="--key $TMP/ci.key --no-remote"
ops() { GITHUB_ACTIONS=true GITHUB_RUN_ID=8002 GITHUB_ACTOR=ayanda promote "$@"; }

check 'Thursday 11:00 in Johannesburg: inside the window' eval 'PROMOTE_NOW=2026-11-05T09:00:00Z promote 0 check --commit release sit prod &&
    has "$OUT" "PASS   prod-window"'
check 'Thursday 15:30: outside it' eval 'PROMOTE_NOW=2026-11-05T13:30:00Z promote 1 check --commit release sit prod &&
    has "$OUT" "FAIL   prod-window"'
check 'Monday: outside it (days)' eval 'PROMOTE_NOW=2026-11-09T09:00:00Z promote 1 check --json --commit release sit prod &&
    jq_is "[g[\"status\"] for g in d[\"gates\"] if g[\"name\"] == \"prod-window\"]" "[\"fail\"]"'
check 'a Wednesday in the year-end freeze: refused, naming the freeze' eval 'PROMOTE_NOW=2026-12-16T09:00:00Z promote 1 check --commit release sit prod &&
    has "$OUT" "year-end change freeze"'
check 'break-glass without the ops-lead role: refused and recorded as such' eval 'PROMOTE_NOW=2026-12-16T09:00:00Z promote 1 $K --json --commit release --break-glass --reason "INC-9 hotfix" sit prod &&
    jq_is "[g[\"details\"][\"break_glass\"][\"member\"] for g in d[\"gates\"] if g[\"name\"] == \"prod-window\"]" "[false]" &&
    jq_is "d[\"record\"][\"seq\"]" 1'
check 'break-glass by an ops-lead: passes, recorded with who and why' eval 'PROMOTE_NOW=2026-12-16T09:00:00Z ops 0 $K --json --commit release --break-glass --reason "INC-9 hotfix" sit prod &&
    jq_is "[[g[\"status\"], g[\"details\"][\"break_glass\"][\"actor\"], g[\"details\"][\"break_glass\"][\"member\"], g[\"details\"][\"break_glass\"][\"reason\"]] for g in d[\"gates\"] if g[\"name\"] == \"prod-window\"]" "[[\"pass\", \"ayanda\", true, \"INC-9 hotfix\"]]" &&
    jq_is "d[\"deploy\"][\"tag\"]" prod-2026.12.16.1 &&
    promote 0 audit show --json 2 && grep -q "INC-9 hotfix" "$OUT"'
finish
