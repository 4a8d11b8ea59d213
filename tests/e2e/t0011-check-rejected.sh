#!/bin/sh
# Rejections: a gate fails, the verdict is rejected, exit 1, and the reason is named.
. "$SRCDIR/tests/e2e/lib.sh"
make_repo
cd "$TMP/repo" || exit 1

check 'low coverage rejects' eval 'promote 1 check --evidence unit-coverage="$FIX/cobertura/coveragepy-py_low.xml" dev sit &&
    has "$OUT" "FAIL   unit-coverage      line coverage 40.66% (37/91) is below 80%" &&
    has "$OUT" "PASS   unit-tests" && has "$OUT" "verdict: rejected"'
check 'failing tests reject' eval 'promote 1 check --evidence unit-tests="$FIX/junit/pytest-py_low.xml" dev sit &&
    has "$OUT" "FAIL   unit-tests         2 failed, 1 errors of 11 tests"'
check 'a ctest failure rejects' eval 'promote 1 check --evidence integration-tests="$FIX/junit/ctest-ringbuf-subset.xml" dev sit &&
    has "$OUT" "FAIL   integration-tests  1 failed, 0 errors of 5 tests"'
check 'high findings reject' eval 'promote 1 check --evidence security-findings="$FIX/sarif/eslint-js_app.sarif" dev sit &&
    has "$OUT" "FAIL   security-findings  too many active findings: 4 high (max 0)"'
check 'critical findings reject' eval 'promote 1 check --evidence security-findings="$FIX/sarif-realworld/grype-container.sarif" dev sit &&
    has "$OUT" "too many active findings: 4 critical (max 0), 6 high (max 0)"'
check 'suppressed findings do not count' eval 'promote 1 check --evidence security-findings="$FIX/sarif/multitool-suppressed-eslint.sarif" dev sit &&
    has "$OUT" "too many active findings: 1 high (max 0)"'
check 'skips rejected where not allowed (sit -> prod)' eval 'promote 1 check --evidence regression-tests="$FIX/junit/pytest-py_low.xml" sit prod &&
    has "$OUT" "FAIL   regression-tests"'
# a commit on develop after the release was cut is not on release
g checkout -q develop && echo "x = 1" >> src/orders.py && g commit -q -am "Late change" && g checkout -q release
check 'a commit not on the release branch rejects' eval 'promote 1 check dev sit &&
    has "$OUT" "FAIL   release-branch     commit $(git rev-parse --short=12 develop) is not reachable from release"'
check 'a failure and an error: the error wins' eval 'promote 3 check --evidence unit-tests=/nonexistent.xml --evidence unit-coverage="$FIX/cobertura/coveragepy-py_low.xml" dev sit &&
    has "$OUT" "verdict: error"'
finish
