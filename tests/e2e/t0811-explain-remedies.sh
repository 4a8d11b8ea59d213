#!/bin/sh
# promote explain on the gates driven by the audit log and the clock, with the real binary
# and one clock (PROMOTE_NOW): when the soak completes (UTC and the policy's time zone),
# when the next deploy window opens and whether break-glass is allowed for the actor, the
# hold's since and why and the command that lifts it, the DR test and the provenance step
# that must come first. Text and --json.
. "$SRCDIR/tests/e2e/lib.sh"
make_key ci
python3 - "$SRCDIR/tests/e2e/policies/files.json" "$SRCDIR/policies/bbws.json" "$TMP/rules.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
bbws = json.load(open(sys.argv[2]))
d["roles"] = bbws["roles"]
window = [g for p in bbws["promotions"] for g in p["gates"] if g["type"] == "deploy_window"][0]
d["promotions"][1]["gates"] += [
    {"name": "came-from-sit", "type": "provenance"},
    {"name": "soaked-in-sit", "type": "soak", "min_hours": 24},
    {"name": "dr-tested", "type": "dr_test", "max_age_days": 31},
    window]
json.dump(d, open(sys.argv[3], "w"), indent=1)
PY
trust_keys "$TMP/rules.json" "$TMP/policy.json" ci
make_repo "$TMP/repo" "$TMP/policy.json"
cd "$TMP/repo" || exit 1
ops_scenario "$TMP/scenario.json" || exit 1
gh_start "$TMP/scenario.json"
K="--key $TMP/ci.key --no-remote"
release=$(git rev-parse release)
short=$(git rev-parse --short=12 release)
at() { PROMOTE_NOW=$1; export PROMOTE_NOW; }
ops() { GITHUB_ACTIONS=true GITHUB_RUN_ID=8002 GITHUB_ACTOR=ayanda promote "$@"; }
# gate NAME: the Python expression of gate NAME in the --json document
gate() { printf '[g for g in d["gates"] if g["name"] == "%s"][0]' "$1"; }

# Monday 2026-11-02 12:00 in Johannesburg (UTC+2): prod's window (Tue-Thu 09:00-15:00) is shut
at 2026-11-02T10:00:00Z
check 'nothing recorded yet: the provenance step and the DR test that must come first' eval 'promote 1 explain --commit release sit prod &&
    has "$OUT" "  came-from-sit: first promote commit $short into sit (an approved decision), then deploy it there and record it: promote record deployed --env sit --commit $short --result success" &&
    has "$OUT" "  soaked-in-sit: deploy commit $short into sit first; the soak of 24 h starts then" &&
    has "$OUT" "  dr-tested: run a DR test of prod and record it passing: promote record dr-test --env prod --result pass (it counts for 31 days)"'
check 'the next window, and no break-glass for an actor without the role' eval 'promote 1 explain --commit release sit prod &&
    has "$OUT" "  prod-window: wait: the next window opens 2026-11-03T09:00 Africa/Johannesburg; break-glass: not allowed for release-bot (not a ops-lead)"'
check 'explain --json: the same remedies as objects' eval 'promote 1 explain --json --commit release sit prod &&
    jq_is "$(gate came-from-sit)[\"remedy\"][\"action\"]" promote_first &&
    jq_is "$(gate came-from-sit)[\"remedy\"][\"env\"]" sit &&
    jq_is "$(gate dr-tested)[\"remedy\"][\"action\"]" record_dr_test &&
    jq_is "$(gate dr-tested)[\"remedy\"][\"env\"]" prod &&
    jq_is "$(gate dr-tested)[\"remedy\"][\"max_age_days\"]" 31.0 &&
    jq_is "$(gate dr-tested)[\"remedy\"][\"latest\"]" null &&
    jq_is "$(gate prod-window)[\"remedy\"][\"action\"]" wait_window &&
    jq_is "$(gate prod-window)[\"remedy\"][\"next_window\"]" 2026-11-03T09:00 &&
    jq_is "$(gate prod-window)[\"remedy\"][\"timezone\"]" Africa/Johannesburg &&
    jq_is "$(gate prod-window)[\"remedy\"][\"break_glass_allowed\"]" no &&
    jq_is "$(gate prod-window)[\"remedy\"][\"actor\"]" release-bot'
check 'an ops-lead may break the glass' eval 'ops 1 explain --json --commit release sit prod &&
    jq_is "$(gate prod-window)[\"remedy\"][\"break_glass_allowed\"]" yes &&
    jq_is "$(gate prod-window)[\"remedy\"][\"actor\"]" ayanda &&
    ops 1 explain --commit release sit prod &&
    has "$OUT" "break-glass: allowed for ayanda (a ops-lead): --break-glass --reason TEXT"'
check 'deployed into dev, promoted into sit, deployed there at 10:00 UTC' eval 'promote 0 record deployed $K --env dev --commit release --result success &&
    promote 0 $K dev sit && promote 0 record deployed $K --env sit --commit release --result success'

# two hours later: provenance passes; the soak completes 24 h after the deployment
at 2026-11-02T12:00:00Z
check 'the soak completion time, in UTC and in the policy time zone' eval 'promote 1 explain sit prod &&
    hasnt "$OUT" "  came-from-sit:" &&
    has "$OUT" "  soaked-in-sit: wait: the soak in sit completes at 2026-11-03T10:00:00Z (in 22.0 h) (Tue 2026-11-03 12:00 SAST)"'
check 'explain --json: ready_at, its local time, the zone; waiting_on' eval 'promote 1 explain --json sit prod &&
    jq_is "$(gate soaked-in-sit)[\"remedy\"][\"action\"]" wait &&
    jq_is "$(gate soaked-in-sit)[\"remedy\"][\"ready_at\"]" 2026-11-03T10:00:00Z &&
    jq_is "$(gate soaked-in-sit)[\"remedy\"][\"deployed_at\"]" 2026-11-02T10:00:00Z &&
    jq_is "$(gate soaked-in-sit)[\"remedy\"][\"ready_at_local\"]" "Tue 2026-11-03 12:00 SAST" &&
    jq_is "$(gate soaked-in-sit)[\"remedy\"][\"timezone\"]" Africa/Johannesburg &&
    jq_is "$(gate came-from-sit)[\"remedy\"]" null &&
    jq_is "d[\"waiting_on\"]" "soak until Tue 2026-11-03 12:00 SAST; dr-tested; window opens 2026-11-03T09:00"'
check 'a hold: since when, why, and the command that lifts it' eval 'promote 0 hold prod $K --reason "incident INC-42" &&
    promote 1 explain sit prod &&
    has "$OUT" "  hold: prod has been on hold since 2026-11-02T12:00:00Z (incident INC-42): lift it with '"'"'promote unhold prod --reason TEXT'"'"'" &&
    promote 1 explain --json sit prod &&
    jq_is "$(gate hold)[\"remedy\"][\"action\"]" unhold &&
    jq_is "$(gate hold)[\"remedy\"][\"since\"]" 2026-11-02T12:00:00Z &&
    jq_is "$(gate hold)[\"remedy\"][\"reason\"]" "incident INC-42" &&
    jq_is "$(gate hold)[\"remedy\"][\"command\"]" "promote unhold" &&
    jq_is "d[\"waiting_on\"]" "the hold on the environment"'
check 'lifted, with a DR test recorded, a day later in the window: nothing is missing' eval 'promote 0 unhold prod $K --reason "INC-42 resolved" &&
    promote 0 record dr-test $K --env prod --result pass &&
    PROMOTE_NOW=2026-11-03T11:00:00Z promote 0 explain sit prod &&
    has "$OUT" "nothing is missing: every gate passes"'
finish
