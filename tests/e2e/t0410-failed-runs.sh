#!/bin/sh
# Reports written by real producers whose runs failed, crashed or never ran are never a
# pass: a check given them is not approved, and every such gate names the reason in the
# producer's own terms (tests/fixtures/reports/MANIFEST.md, "Reports of failed, crashed
# or empty runs"; tests/fixtures/loadtest/README.md).
. "$SRCDIR/tests/e2e/lib.sh"
LT="$SRCDIR/tests/fixtures/loadtest"
python3 - "$SRCDIR/tests/e2e/policies/files.json" "$TMP/policy.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
promo = [p for p in d["promotions"] if p["from"] == "sit"][0]
promo["gates"].append({"name": "load-test", "type": "load_test", "evidence": "reports/load.json",
                       "max_latency_ms": 500, "max_error_rate": 0.01})
json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
make_repo "$TMP/repo" "$TMP/policy.json"
cd "$TMP/repo" || exit 1

# ctest exited 8 (a test executable missing), node's test runner exited 1 (a parent test
# failed after its subtests passed), ESLint could not parse the only file it was given
check 'dev -> sit on the reports of failed runs is not approved' eval 'promote 3 check \
    --evidence unit-tests="$FIX/junit/ctest-notrun.xml" \
    --evidence integration-tests="$FIX/junit/node-test-parent-fail.xml" \
    --evidence security-findings="$FIX/sarif-failed-runs/eslint-parse-error.sarif" dev sit &&
    has "$OUT" "FAIL   unit-tests         1 failed, 0 errors of 22 tests" &&
    has "$OUT" "ERROR  integration-tests  cannot parse" &&
    has "$OUT" "node-test-parent-fail.xml'"'"': the producer declares 2 tests that did not pass (<!-- fail 2 -->, <!-- cancelled 0 -->), the testcases show 1" &&
    has "$OUT" "ERROR  security-findings  cannot parse" &&
    has "$OUT" "runs[0] (ESLint): invocations[0].executionSuccessful is false: the analysis failed; the tool said: Parsing error:" &&
    has "$OUT" "verdict: error" && hasnt "$OUT" "verdict: approved"'
check 'the same as JSON: no gate passes on a failed run' eval 'promote 3 check --json \
    --evidence unit-tests="$FIX/junit/ctest-notrun.xml" \
    --evidence integration-tests="$FIX/junit/node-test-parent-fail.xml" \
    --evidence security-findings="$FIX/sarif-failed-runs/eslint-parse-error.sarif" dev sit &&
    jq_is "d[\"verdict\"]" "error" &&
    jq_is "[g[\"status\"] for g in d[\"gates\"][:4]]" "[\"fail\", \"error\", \"pass\", \"error\"]" &&
    jq_is "d[\"gates\"][0][\"details\"][\"failed\"]" "1"'
# jest-junit with reportTestSuiteErrors: the test file that failed to load is one error
check 'a jest run whose test file failed to load is rejected' eval 'promote 1 check \
    --evidence unit-tests="$FIX/junit/jest-junit-load-error-suite-errors.xml" dev sit &&
    has "$OUT" "FAIL   unit-tests         0 failed, 1 errors of 6 tests"'
# a SARIF Multitool converter run on broken input, and its validator crashing
check 'a converter that wrote no driver is an error' eval 'promote 3 check \
    --evidence security-findings="$FIX/sarif-failed-runs/multitool-broken-input.sarif" dev sit &&
    has "$OUT" "ERROR  security-findings" && has "$OUT" "runs[0] has no tool.driver"'
check 'a crashed analysis is an error' eval 'promote 3 check \
    --evidence security-findings="$FIX/sarif-failed-runs/multitool-validate-crashed.sarif" dev sit &&
    has "$OUT" "runs[0] (Sarif.Multitool): invocations[0].executionSuccessful is false"'
# autocannon against a closed port: no response at all, so no latency either
check 'a load test that got no response is not a pass' eval 'cp "$LT/autocannon-closed-port.json" reports/load.json &&
    promote 3 check sit prod &&
    has "$OUT" "ERROR  load-test         cannot judge max_latency_ms: " &&
    has "$OUT" "reports/load.json'"'"' has requests.total 0: no response arrived (autocannon report)" &&
    has "$OUT" "verdict: error"'
check 'a load test whose requests timed out is rejected' eval 'cp "$LT/autocannon-timeouts.json" reports/load.json &&
    promote 1 check sit prod && has "$OUT" "FAIL   load-test" && has "$OUT" "verdict: rejected"'
finish
