#!/bin/sh
# promote replay: the recorded decisions evaluated again under a stricter and a looser
# policy, offline; the flipped decisions listed exactly; a record from before replay
# existed reported as not replayable; exit 0 no change, 1 some, 3 no log, 4 tamper.
. "$SRCDIR/tests/e2e/lib.sh"
make_key ci
trust_keys "$SRCDIR/tests/e2e/policies/files.json" "$TMP/policy.json" ci
make_repo "$TMP/repo" "$TMP/policy.json"
cd "$TMP/repo" || exit 1
K="--key $TMP/ci.key --no-remote"
export PROMOTE_NOW=2026-11-20T10:00:00Z
release=$(git rev-parse release)
low="$FIX/cobertura/coveragepy-py_low.xml"

check 'no log yet: nothing to replay, exit 0' eval 'promote 0 replay --no-remote &&
    has "$OUT" "replayed 0 decision(s)"'
# seq 1: approved (coverage 92.71%); seq 2: rejected (coverage 40.66%)
PROMOTE_NOW=2026-11-20T10:00:00Z promote 0 $K dev sit >/dev/null
PROMOTE_NOW=2026-11-20T11:00:00Z promote 1 $K --evidence unit-coverage="$low" dev sit >/dev/null
# seq 3: approved sit -> prod
PROMOTE_NOW=2026-11-21T09:00:00Z promote 0 $K sit prod >/dev/null
# seq 4: as recorded before replay existed: no evidence for the file and branch gates
PROMOTE_NOW=2026-11-22T09:00:00Z PROMOTE_TEST_PRE_REPLAY=1 promote 0 $K dev sit >/dev/null

python3 - "$TMP/policy.json" "$TMP/strict.json" "$TMP/loose.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
def cov(p):
    return [g for g in p["promotions"][0]["gates"] if g["type"] == "coverage"][0]
cov(d)["min_percent"] = 95
json.dump(d, open(sys.argv[2], "w"), indent=1)
cov(d)["min_percent"] = 40
json.dump(d, open(sys.argv[3], "w"), indent=1)
PY
check 'the same policy changes nothing, exit 0' eval 'promote 0 replay --no-remote --policy "$TMP/policy.json" --env sit --until 2026-11-21T00:00:00Z &&
    has "$OUT" "replayed 2 decision(s)" &&
    has "$OUT" "0 verdict(s) would change, 0 decision(s) not replayable, 2 unchanged, 0 refused by a hold"'
check 'a stricter policy: the approved decision flips' eval 'promote 1 replay --no-remote --policy "$TMP/strict.json" &&
    has "$OUT" "replayed 4 decision(s)" &&
    has "$OUT" "seq 1 2026-11-20T10:00:00Z dev -> sit ${release%????????????????????????????}: approved -> rejected" &&
    has "$OUT" "  unit-coverage: pass -> fail: line coverage 92.71% (89/96) is below 95%" &&
    hasnt "$OUT" "seq 2 " && hasnt "$OUT" "seq 3 " &&
    has "$OUT" "seq 4 2026-11-22T09:00:00Z dev -> sit ${release%????????????????????????????}: not replayable" &&
    has "$OUT" "  unit-tests: the record holds no evidence for it (recorded before replay existed)" &&
    has "$OUT" "  release-branch: the record holds no evidence for it (recorded before replay existed)" &&
    has "$OUT" "1 verdict(s) would change, 1 decision(s) not replayable, 2 unchanged, 0 refused by a hold"'
check 'a looser policy: the rejected decision flips' eval 'promote 1 replay --no-remote --policy "$TMP/loose.json" --since 2026-11-20T10:30:00Z --until 2026-11-21T23:00:00Z &&
    has "$OUT" "replayed 2 decision(s)" &&
    has "$OUT" "seq 2 2026-11-20T11:00:00Z dev -> sit ${release%????????????????????????????}: rejected -> approved" &&
    has "$OUT" "  unit-coverage: fail -> pass: line coverage 40.66% (37/91) >= 40%" &&
    has "$OUT" "1 verdict(s) would change, 0 decision(s) not replayable, 1 unchanged, 0 refused by a hold"'
check 'replay --json: the flips and what is not replayable' eval 'promote 1 replay --no-remote --json --policy "$TMP/strict.json" &&
    jq_is "[[c[\"seq\"], c[\"verdict_was\"], c[\"verdict_now\"], [[g[\"name\"], g[\"was\"], g[\"now\"]] for g in c[\"gates\"]]] for c in d[\"changed\"]]" "[[1, \"approved\", \"rejected\", [[\"unit-coverage\", \"pass\", \"fail\"]]]]" &&
    jq_is "[[x[\"seq\"], [g[\"name\"] for g in x[\"gates\"]]] for x in d[\"not_replayable\"]]" "[[4, [\"unit-tests\", \"integration-tests\", \"unit-coverage\", \"security-findings\", \"release-branch\"]]]" &&
    jq_is "d[\"decisions\"]" 4 && jq_is "d[\"unchanged\"]" 2'
check 'replay --policy-ref: the policy on a branch' eval 'git checkout -q -b stricter main && cp "$TMP/strict.json" .promote/policy.json &&
    g commit -q -am "Stricter coverage" && git checkout -q release &&
    promote 1 replay --no-remote --policy-ref stricter --env sit && has "$OUT" "seq 1 " &&
    has "$OUT" "1 verdict(s) would change"'
check 'usage errors exit 2' eval 'promote 2 replay --bogus && promote 2 replay --since yesterday &&
    promote 2 replay --policy a --policy-ref b && promote 2 replay --no-remote --env nowhere'
check 'a tampered log exits 4' eval 'python3 "$SRCDIR/tests/e2e/tamper.py" . flip-payload 2 >/dev/null &&
    promote 4 replay --no-remote'
finish
