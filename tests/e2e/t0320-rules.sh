#!/bin/sh
# Rules driven by the audit log and the clock: recorded deployments, provenance, soak,
# DR tests, holds. PROMOTE_NOW sets the clock (test builds only).
. "$SRCDIR/tests/e2e/lib.sh"
make_key ci
trust_keys "$SRCDIR/tests/e2e/policies/files.json" "$TMP/keyed.json" ci
python3 - "$TMP/keyed.json" "$TMP/policy.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["promotions"][0]["gates"].append({"name": "came-from-dev", "type": "provenance", "require_decision": False})
d["promotions"][1]["gates"] += [
    {"name": "came-from-sit", "type": "provenance"},
    {"name": "soaked-in-sit", "type": "soak", "min_hours": 24},
    {"name": "dr-tested", "type": "dr_test", "max_age_days": 31}]
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
make_repo "$TMP/repo" "$TMP/policy.json"
cd "$TMP/repo" || exit 1
K="--key $TMP/ci.key"
release=$(git rev-parse release)
at() { PROMOTE_NOW=$1; export PROMOTE_NOW; }

at 2026-11-02T10:00:00Z
check 'without a deployment in dev, dev -> sit is rejected' eval 'promote 1 check dev sit &&
    has "$OUT" "FAIL   came-from-dev      commit ${release%????????????????????????????} has no successful deployment recorded in dev"'
check 'record deployed into dev' eval 'promote 0 record deployed $K --env dev --commit release --result success --deployment 41 &&
    has "$OUT" "recorded deployment for dev (commit ${release%????????????????????????????}): seq 1"'
check 'then dev -> sit passes provenance' eval 'promote 0 check dev sit && has "$OUT" "PASS   came-from-dev"'
check 'sit -> prod before anything happened in sit' eval 'promote 1 check --commit release sit prod &&
    has "$OUT" "FAIL   came-from-sit     commit ${release%????????????????????????????} was never approved into sit" &&
    has "$OUT" "FAIL   soaked-in-sit" && has "$OUT" "FAIL   dr-tested         no DR test recorded for prod"'
check 'promote dev -> sit and record the deployment' eval 'promote 0 $K dev sit &&
    promote 0 record deployed $K --env sit --commit release --result success'
at 2026-11-02T12:00:00Z
check 'the commit to promote defaults to what is deployed in sit' eval 'promote 1 check sit prod && has "$OUT" "commit $release"'
check 'two hours later: not soaked' eval 'promote 1 check sit prod && has "$OUT" "PASS   came-from-sit" &&
    has "$OUT" "FAIL   soaked-in-sit     deployed in sit 2.0 h ago, soak needs 24 h"'
check 'record a passing DR test of prod' eval 'promote 0 record dr-test $K --env prod --result pass --note "monthly failover to eu-west-1" &&
    has "$OUT" "recorded dr_test for prod"'
at 2026-11-03T11:00:00Z
check 'a day later with a fresh DR test: approved' eval 'promote 0 check sit prod && has "$OUT" "PASS   soaked-in-sit     soaked 25.0 h in sit" &&
    has "$OUT" "PASS   dr-tested" && has "$OUT" "verdict: approved"'
at 2026-12-10T11:00:00Z
check 'an expired DR test rejects' eval 'promote 1 check sit prod && has "$OUT" "FAIL   dr-tested         the latest DR test of prod is 38 days old (max 31)"'
check 'a failed DR test rejects' eval 'promote 0 record dr-test $K --env prod --result fail &&
    promote 1 check sit prod && has "$OUT" "the latest DR test of prod failed"'
check 'record a passing DR test again' eval 'promote 0 record dr-test $K --env prod --result pass'
check 'a hold refuses promotions into the environment, naming it' eval 'promote 0 hold prod $K --reason "incident INC-42" &&
    promote 1 check sit prod && has "$OUT" "FAIL   hold  prod is on hold since seq 7 (hold): incident INC-42"'
check 'the refusal is recorded' eval 'promote 1 $K sit prod && has "$OUT" "recorded: seq 8" &&
    promote 0 audit log --limit 1 && has "$OUT" "rejected"'
check 'unhold lifts it' eval 'promote 0 unhold prod $K --reason "INC-42 resolved" && promote 0 check sit prod'
check 'a failed deployment does not count' eval 'promote 0 record deployed $K --env sit --commit main --result failure &&
    promote 1 check --commit main sit prod && has "$OUT" "FAIL   came-from-sit"'
check 'the log verifies' eval 'promote 0 audit verify && has "$OUT" "audit log intact: 10 entries"'
check 'status: what is deployed where' eval 'promote 0 status --json &&
    jq_is "[[x[\"env\"], x[\"commit\"]] for x in d[\"environments\"]]" "[[\"dev\", \"$release\"], [\"sit\", \"$release\"], [\"prod\", null]]" &&
    jq_is "d[\"environments\"][1][\"deployed_at\"]" 2026-11-02T10:00:00Z &&
    promote 0 status sit && has "$OUT" "sit    ${release%????????????????????????????} -                        2026-11-02T10:00:00Z -            0 commit(s) on release waiting"'
check 'record usage errors' eval 'promote 2 record deployed $K --env sit --result maybe --commit main &&
    promote 2 record dr-test $K --result pass && promote 2 hold prod $K && promote 2 record nonsense --env x'
check 'PROMOTE_NOW must be a time' eval 'PROMOTE_NOW=yesterday promote 2 check sit prod && has "$ERR" "PROMOTE_NOW"'
finish
