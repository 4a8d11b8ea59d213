#!/bin/sh
# promote check on the sample repository: both promotions are approved.
. "$SRCDIR/tests/e2e/lib.sh"
make_repo
cd "$TMP/repo" || exit 1
release=$(git rev-parse release)

check 'dev -> sit is approved' eval 'promote 0 check dev sit &&
    has "$OUT" "promote dev -> sit: commit $release" &&
    has "$OUT" "policy refs/heads/main:.promote/policy.json" &&
    has "$OUT" "PASS   unit-tests         18 tests: 18 passed, 0 skipped" &&
    has "$OUT" "PASS   unit-coverage      line coverage 92.71% (89/96) >= 80%" &&
    has "$OUT" "PASS   security-findings  0 critical, 0 high, 0 medium, 3 low active findings" &&
    has "$OUT" "PASS   release-branch     commit $(git rev-parse --short=12 release) is on release (refs/heads/release)" &&
    has "$OUT" "verdict: approved"'
check 'sit -> prod is approved' eval 'promote 0 check sit prod &&
    has "$OUT" "PASS   regression-tests" && has "$OUT" "PASS   main-branch" &&
    has "$OUT" "verdict: approved"'
check 'the recording form needs a signing key, and says so before any gate runs' eval 'promote 2 dev sit &&
    has "$ERR" "no usable signing key" && [ ! -s "$OUT" ]'
check 'no colour when not a terminal' eval 'promote 0 check dev sit && hasnt "$OUT" "$(printf "\033")"'
check '--repo from elsewhere' eval 'cd "$TMP" && promote 0 check --repo "$TMP/repo" dev sit; rc=$?; cd "$TMP/repo"; [ $rc -eq 0 ]'
check 'from a subdirectory' eval 'cd src && promote 0 check dev sit; rc=$?; cd ..; [ $rc -eq 0 ]'
check '--commit by abbreviation resolves to the full id' eval '
    promote 0 check --commit "$(git rev-parse --short develop)" dev sit &&
    has "$OUT" "commit $(git rev-parse develop)"'
check '--evidence overrides a path, relative to the current directory' eval '
    cp "$FIX/cobertura/gcovr-ringbuf.xml" "$TMP/gcovr.xml" && cd "$TMP" &&
    promote 0 check --repo "$TMP/repo" --evidence unit-coverage=gcovr.xml dev sit; rc=$?; cd "$TMP/repo";
    [ $rc -eq 0 ] && has "$OUT" "line coverage 92.75% (64/69) >= 80%"'
check 'lcov evidence' eval 'promote 0 check --evidence unit-coverage="$FIX/lcov/coveragepy-py_high.info" dev sit &&
    has "$OUT" "line coverage 92.78% (90/97)"'
check 'coverage.py JSON evidence' eval 'promote 0 check --evidence unit-coverage="$FIX/coveragepy-json/coveragepy-py_high.json" dev sit &&
    has "$OUT" "line coverage 92.71% (89/96)"'
finish
