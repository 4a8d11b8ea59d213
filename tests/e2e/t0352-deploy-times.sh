#!/bin/sh
# Times that mean what they say: a decision carries the time it was made, the outcome
# --wait records the time the deploy was seen to end (not the time promote started), a
# reported deployment the time 'record deployed' ran; the soak counts from the success.
# The test clock runs (PROMOTE_CLOCK_RATE) while the simulator holds each poll back.
. "$SRCDIR/tests/e2e/lib.sh"
make_key ci
python3 - "$SRCDIR/tests/e2e/policies/files.json" "$TMP/files.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for e in d["environments"]:
    if e["name"] == "sit":
        e["tag_template"] = "sit-{yyyy}.{mm}.{dd}.{n}"
        e["deploy"] = {"type": "workflow_dispatch", "workflow": "deploy-sit.yml", "inputs": {"tag": "{tag}"}}
for p in d["promotions"]:
    if p["to"] == "prod":
        p["gates"].append({"name": "soaked-in-sit", "type": "soak", "min_hours": 24})
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
trust_keys "$TMP/files.json" "$TMP/policy.json" ci
make_repo "$TMP/repo" "$TMP/policy.json"
cd "$TMP/repo" || exit 1
R=$(git rev-parse release)
git init -q --bare "$TMP/remote.git" && git remote add origin "$TMP/remote.git" &&
    git push -q origin main develop release
python3 "$SRCDIR/examples/bbws/scenario.py" . "$TMP/scenario.json" approved
python3 - "$TMP/scenario.json" "$R" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["tags"] = {"sit-2026.11.04.%d" % n: sys.argv[2] for n in range(1, 4)}
d["deploy_outcomes"] = {"deploy-sit.yml": {"result": "success", "polls": 2}}
json.dump(d, open(sys.argv[1], "w"))
PY
gh_start "$TMP/scenario.json"
K="--key $TMP/ci.key"
T0=2026-11-04T08:00:00Z
# the deploy takes a while: every poll of the run answers after 1 s, and the test clock
# runs 1800 times as fast (a real second is half an hour)
gh_faults '[{"path": "/actions/runs/", "delay_ms": 1000, "times": -1}]'
# entry SEQ FIELD: a field of the predicate of entry SEQ (a decision's time is timeVerified)
entry() {
    "$PROMOTE" audit show --json "$1" >"$TMP/entry.json" 2>"$ERR" &&
        python3 -c 'import json,sys
p = json.load(open(sys.argv[1]))["statement"]["predicate"]
k = sys.argv[2]
print(p[k] if k in p or k != "time" else p["timeVerified"])' "$TMP/entry.json" "$2"
}
# at TIME SECONDS: TIME (RFC 3339) moved by SECONDS
at() {
    python3 -c 'import sys, datetime as d
t = d.datetime.strptime(sys.argv[1], "%Y-%m-%dT%H:%M:%SZ") + d.timedelta(seconds=int(sys.argv[2]))
print(t.strftime("%Y-%m-%dT%H:%M:%SZ"))' "$1" "$2"
}
# secs A B: seconds from A to B
secs() {
    python3 -c 'import sys, datetime as d
p = lambda s: d.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
print(int((p(sys.argv[2]) - p(sys.argv[1])).total_seconds()))' "$1" "$2"
}
soak() { # soak NOW: the soak gate's status for sit -> prod at NOW
    PROMOTE_NOW=$1 promote "$2" check --json --commit "$R" sit prod &&
        jq_is "[g[\"status\"] for g in d[\"gates\"] if g[\"type\"] == \"soak\"][0]" "$3"
}

check 'promote --wait into sit: the deploy takes a while and succeeds' eval 'PROMOTE_NOW=$T0 PROMOTE_CLOCK_RATE=1800 \
    promote 0 $K --wait --wait-interval 0.05 dev sit &&
    has "$OUT" "recorded: seq 1" && has "$OUT" "recorded as seq 2" &&
    has "$OUT" "deploy sit-2026.11.04.1: succeeded (success); recorded as seq 3"'
decided=$(entry 1 time)
triggered=$(entry 2 time)
succeeded=$(entry 3 time)
check 'the decision carries the time it was made' eval '[ "$decided" = "$T0" ]'
check 'the trigger is not before the decision' eval '[ "$(secs "$decided" "$triggered")" -ge 0 ]'
check 'the outcome carries the time --wait saw it end (three polls of 1 s: over an hour later)' eval '
    echo "  decided $decided, triggered $triggered, succeeded $succeeded" >&2 &&
    [ "$(secs "$triggered" "$succeeded")" -ge 3600 ] && [ "$(entry 3 result)" = success ]'
check 'status says sit was deployed when the deploy succeeded' eval 'PROMOTE_NOW=$(at "$succeeded" 60) promote 0 status sit --json &&
    jq_is "d[\"environments\"][0][\"deployed_at\"]" "$succeeded"'
check 'the soak counts from the success: not soaked 24 h after the decision' eval 'soak "$(at "$decided" 86460)" 1 fail &&
    jq_is "[g[\"details\"][\"deployed_at\"] for g in d[\"gates\"] if g[\"type\"] == \"soak\"][0]" "$succeeded"'
check 'not soaked a minute before 24 h after the success' eval 'soak "$(at "$succeeded" 86340)" 1 fail'
check 'soaked 24 h after the success' eval 'soak "$(at "$succeeded" 86400)" 0 pass || soak "$(at "$succeeded" 86400)" 1 pass'

# a deployment reported by hand carries the time 'record deployed' ran
check 'record deployed carries the time it ran' eval 'PROMOTE_NOW=2026-11-06T10:30:00Z promote 0 record deployed $K --env prod --commit main --result success &&
    [ "$(entry 4 time)" = 2026-11-06T10:30:00Z ]'
check 'the whole log verifies' eval 'promote 0 audit verify && has "$OUT" "audit log intact"'
finish
