#!/bin/sh
# Inside GitHub Actions (GITHUB_ACTIONS=true) promote writes the gates to the step
# summary, sets the outputs verdict, decision-id and tag, and prints one error
# annotation per failed gate, escaped as workflow commands want; never the token.
. "$SRCDIR/tests/e2e/lib.sh"
make_key ci
trust_keys "$SRCDIR/tests/e2e/policies/files.json" "$TMP/policy.json" ci
make_repo "$TMP/repo" "$TMP/policy.json"
cd "$TMP/repo" || exit 1
release=$(git rev-parse release)
short=$(git rev-parse --short=12 release)
K="--key $TMP/ci.key"
SUM="$TMP/summary.md"
OUTPUTS="$TMP/outputs"
export GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY="$SUM" GITHUB_OUTPUT="$OUTPUTS"
fresh() { rm -f "$SUM" "$OUTPUTS"; }

# is FILE TEXT: FILE holds exactly TEXT (printf format, so \n is a line break)
is() {
    printf "$2" > "$TMP/want"
    cmp -s "$1" "$TMP/want" || {
        echo "  '$1' differs:" >&2
        diff "$TMP/want" "$1" | sed 's/^/  /' >&2
        return 1
    }
}

# no_token: the fake token is in no file promote wrote
no_token() {
    ! grep -rq "e2eFakeToken" "$OUT" "$ERR" "$SUM" "$OUTPUTS" 2>/dev/null
}

check 'approved: the summary table, the outputs with the decision id, no annotation' eval 'fresh &&
    promote 0 $K dev sit && id=$(sed -n "s/^recorded: seq 1, decision \([0-9a-f]*\) .*/\1/p" "$OUT") &&
    [ ${#id} -eq 64 ] &&
    is "$OUTPUTS" "verdict=approved\ndecision-id=$id\ntag=\n" &&
    is "$SUM" "### promote dev -> sit: approved (commit \`$release\`, decision \`$id\`)\n\naudit log refs/promote/audit (kept in this clone only: no remote holds it): 0 entries before this run, verified with no floor (first use: nothing remembered, no deploy tag witnesses a checkpoint).\n\n| gate | type | verdict | reason |\n| --- | --- | --- | --- |\n| unit-tests | tests | pass | 18 tests: 18 passed, 0 skipped |\n| integration-tests | tests | pass | 18 tests: 18 passed, 0 skipped |\n| unit-coverage | coverage | pass | line coverage 92.71%% (89/96) >= 80%% |\n| security-findings | security | pass | 0 critical, 0 high, 0 medium, 3 low active findings |\n| release-branch | branch | pass | commit $short is on release (refs/heads/release) |\n\n" &&
    hasnt "$OUT" "::error" && promote 0 audit show --json 1 && jq_is "d[\"id\"]" "$id" && no_token'
check 'rejected: an annotation per failed gate, % escaped; the outputs say rejected' eval 'fresh &&
    promote 1 $K --evidence unit-coverage="$FIX/cobertura/coveragepy-py_low.xml" dev sit &&
    id=$(sed -n "s/^recorded: seq 2, decision \([0-9a-f]*\) .*/\1/p" "$OUT") && [ ${#id} -eq 64 ] &&
    [ "$(grep -c "^::" "$OUT")" = 1 ] &&
    has "$OUT" "::error title=unit-coverage::line coverage 40.66%25 (37/91) is below 80%25" &&
    is "$OUTPUTS" "verdict=rejected\ndecision-id=$id\ntag=\n" &&
    has "$SUM" "### promote dev -> sit: rejected (commit \`$release\`, decision \`$id\`)" &&
    has "$SUM" "| unit-coverage | coverage | fail | line coverage 40.66% (37/91) is below 80% |" &&
    has "$SUM" "| unit-tests | tests | pass | 18 tests: 18 passed, 0 skipped |" && no_token'
check 'check: nothing recorded, an empty decision id' eval 'fresh &&
    promote 1 check --evidence unit-tests="$FIX/junit/pytest-py_low.xml" dev sit &&
    has "$OUT" "::error title=unit-tests::2 failed, 1 errors of 11 tests" &&
    is "$OUTPUTS" "verdict=rejected\ndecision-id=\ntag=\n" &&
    has "$SUM" "### promote dev -> sit: rejected (commit \`$release\`, not recorded)"'
nl='
'
check 'an error whose reason holds a line break: %0A in the annotation, a space in the table' eval 'fresh &&
    promote 3 check --evidence "unit-tests=$TMP/no${nl}such.xml" dev sit &&
    has "$OUT" "::error title=unit-tests::cannot open '"'"'$TMP/no%0Asuch.xml'"'"': No such file or directory" &&
    is "$OUTPUTS" "verdict=error\ndecision-id=\ntag=\n" &&
    has "$SUM" "| unit-tests | tests | error | cannot open '"'"'$TMP/no such.xml'"'"': No such file or directory |"'
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for g in d["promotions"][0]["gates"]:
    if g["name"] == "unit-coverage":
        g["name"] = "coverage: unit, lines|all"
json.dump(d, open(sys.argv[2], "w"), indent=1)' "$TMP/policy.json" "$TMP/odd-names.json"
check 'a gate name with : , and | is escaped as a property and in the table' eval 'fresh &&
    promote 1 check --policy "$TMP/odd-names.json" --evidence "coverage: unit, lines|all=$FIX/cobertura/coveragepy-py_low.xml" dev sit &&
    has "$OUT" "::error title=coverage%3A unit%2C lines|all::line coverage 40.66%25 (37/91) is below 80%25" &&
    has "$SUM" "| coverage: unit, lines\\|all | coverage | fail |"'
check '--json: the document stays clean on stdout, the annotations go to stderr' eval 'fresh &&
    promote 1 check --json --evidence unit-coverage="$FIX/cobertura/coveragepy-py_low.xml" dev sit &&
    jq_is "d[\"verdict\"]" rejected && has "$ERR" "::error title=unit-coverage::" &&
    is "$OUTPUTS" "verdict=rejected\ndecision-id=\ntag=\n"'
check 'no decision (an unknown promotion): verdict error, the reason as an annotation' eval 'fresh &&
    promote 2 check dev prod &&
    has "$OUT" "::error title=promote::the policy '"'"'refs/heads/main:.promote/policy.json'"'"' has no promotion from '"'"'dev'"'"' to '"'"'prod'"'"'" &&
    is "$OUTPUTS" "verdict=error\ndecision-id=\ntag=\n" &&
    has "$SUM" "### promote dev -> prod: error" &&
    has "$SUM" "**Error:** the policy '"'"'refs/heads/main:.promote/policy.json'"'"' has no promotion"'
check 'outputs and summary are appended to, never truncated' eval 'fresh && echo "earlier=1" > "$OUTPUTS" &&
    promote 0 check dev sit && promote 0 check sit prod &&
    is "$OUTPUTS" "earlier=1\nverdict=approved\ndecision-id=\ntag=\nverdict=approved\ndecision-id=\ntag=\n" &&
    [ "$(grep -c "^### promote" "$SUM")" = 2 ]'
check 'an unwritable GITHUB_OUTPUT is an error (exit 3) naming it' eval 'fresh &&
    GITHUB_OUTPUT="$TMP/no/such/dir/out" promote 3 check dev sit &&
    has "$ERR" "cannot write the step outputs (GITHUB_OUTPUT) '"'"'$TMP/no/such/dir/out'"'"'" &&
    has "$OUT" "verdict: approved"'
check 'an unwritable GITHUB_STEP_SUMMARY is an error (exit 3) naming it' eval 'fresh && mkdir -p "$TMP/adir" &&
    GITHUB_STEP_SUMMARY="$TMP/adir" promote 3 check dev sit &&
    has "$ERR" "cannot write the step summary (GITHUB_STEP_SUMMARY) '"'"'$TMP/adir'"'"'"'
check 'a rejection with an unwritable GITHUB_OUTPUT is exit 3 too' eval 'fresh &&
    GITHUB_OUTPUT=/dev/full promote 3 check --evidence unit-coverage="$FIX/cobertura/coveragepy-py_low.xml" dev sit &&
    has "$ERR" "cannot write the step outputs (GITHUB_OUTPUT) '"'"'/dev/full'"'"'"'
check 'outside GitHub Actions nothing is written' eval 'fresh &&
    GITHUB_ACTIONS= promote 1 check --evidence unit-coverage="$FIX/cobertura/coveragepy-py_low.xml" dev sit &&
    [ ! -e "$OUTPUTS" ] && [ ! -e "$SUM" ] && hasnt "$OUT" "::error"'
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
d["environments"][1]["tag_template"] = "sit-{yyyy}.{mm}.{dd}.{n}"
json.dump(d, open(sys.argv[2], "w"), indent=1)' "$TMP/policy.json" "$TMP/tagged.json"
check 'a tagged promotion: the tag output and the summary line' eval 'fresh &&
    commit_policy "$TMP/tagged.json" && PROMOTE_NOW=2026-11-04T08:00:00Z promote 0 $K dev sit &&
    id=$(sed -n "s/^recorded: seq [0-9]*, decision \([0-9a-f]*\) .*/\1/p" "$OUT") && [ ${#id} -eq 64 ] &&
    is "$OUTPUTS" "verdict=approved\ndecision-id=$id\ntag=sit-2026.11.04.1\n" &&
    has "$SUM" "Tagged \`sit-2026.11.04.1\`." &&
    has "$SUM" "audit log refs/promote/audit (kept in this clone only: no remote holds it): 2 entries before this run, verified against a floor of 2 entries from the log this clone appended to." &&
    [ "$(git rev-parse "sit-2026.11.04.1^{commit}")" = "$release" ]'
check 'the token is never written, not even masked' eval '! grep -rq "e2eFakeToken\|add-mask" "$TMP/repo" "$SUM" "$OUTPUTS" 2>/dev/null'
finish
