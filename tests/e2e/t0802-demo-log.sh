#!/bin/sh
# The demo (examples/bbws/demo.sh: the release candidate through dev, sit and prod,
# rejected candidates, a hotfix rolled back in sit, a hold and its unhold): explain names
# the remedy of each rejected candidate; promote report over its log gives, for every
# environment, the four keys, the flow and the holds the rules of docs/report.md give,
# worked out apart (dora_oracle.py).
. "$SRCDIR/tests/e2e/lib.sh"
check 'the demo runs to the end and leaves its repository' eval '
    PROMOTE_DEMO_DIR="$TMP/demo" PROMOTE_DEMO_REPORT="$TMP/demo.html" \
        run 0 sh "$SRCDIR/examples/bbws/demo.sh" "$PROMOTE" &&
    has "$OUT" "demo: all decisions as expected" && [ -s "$TMP/demo.html" ] &&
    [ -d "$TMP/demo/bbws/.git" ]'
cp "$OUT" "$TMP/demo.out"
# said DEMO-TEXT: the demo printed it
said() { has "$TMP/demo.out" "$1"; }
check 'explain: the failing tests by name, the lines to cover, the findings by rule and file' eval '
    said "  unit-tests: make the 3 failing tests pass (2 failed, 1 errors of 11)" &&
    said "      failing: tests.test_models.test_sell_too_many_fails_on_purpose — AssertionError: assert 0 == 1" &&
    said "      error: tests.test_storage.test_with_database — failed on setup with" &&
    said "  unit-coverage: cover 36 more lines: 37 of 91 covered, 73 needed for 80%" &&
    said "  security-findings: fix or suppress 4 high (4 active, max 0)" &&
    said "      high: security/detect-child-process at file:///home/ci/src/js_lint/src/server.js:12"'
check 'explain: the reviewer who must act' \
    said "  code-review: #7: lerato must approve or dismiss the requested changes"
check 'explain: when the soak in sit completes, and the DR test prod needs first' eval '
    said "  soaked-in-sit: wait: the soak in sit completes at 2026-11-05T08:00:00Z (in 24.0 h) (Thu 2026-11-05 10:00 SAST)" &&
    said "  dr-tested: run a DR test of prod and record it passing: promote record dr-test --env prod --result pass"'
check 'explain: the next prod window, and break-glass not for the release bot' \
    said "  prod-window: wait: the next window opens 2026-11-10T09:00 Africa/Johannesburg; break-glass: not allowed for release-bot"
check 'explain: the hold since the rollback, and the command that lifts it' eval '
    said "sit is on hold since" && said "promote unhold sit --reason"'
cd "$TMP/demo/bbws" || exit 1
# compare ENV [NEED...]: the report of ENV over the demo's weeks is the rules'
compare() {
    c_env=$1
    shift
    promote 0 report --env "$c_env" --since 2026-10-26T00:00:00Z --until 2026-11-30T00:00:00Z --format json &&
        cp "$OUT" "$TMP/report.json" && "$PROMOTE" audit export --no-remote >"$TMP/export" &&
        python3 "$SRCDIR/tests/e2e/dora_oracle.py" "$c_env" 2026-10-26T00:00:00Z \
            2026-11-30T00:00:00Z "$TMP/report.json" "$@" <"$TMP/export"
}
check 'dev: the report is the rules'"'"'' compare dev deployments
check 'sit: the report is the rules'"'"' (the hotfix rolled back, the hold and its unhold)' \
    compare sit deployments failures restores holds
check 'prod: the report is the rules'"'"'' compare prod deployments
# policy_at OUT MIN: the demo's policy with unit-coverage at MIN %
policy_at() {
    git show main:.promote/policy.json | python3 -c '
import json, sys
d = json.load(sys.stdin)
for p in d["promotions"]:
    for g in p["gates"]:
        if g["name"] == "unit-coverage":
            g["min_percent"] = int(sys.argv[2])
json.dump(d, open(sys.argv[1], "w"), indent=1)' "$1" "$2"
}
check 'replay: a stricter policy flips exactly the two dev -> sit decisions' eval '
    policy_at "$TMP/strict.json" 95 && promote 1 replay --policy "$TMP/strict.json" &&
    has "$OUT" "replayed 3 decision(s) against $TMP/strict.json" &&
    has "$OUT" "seq 2 2026-11-04T08:00:00Z dev -> sit" && has "$OUT" "seq 10 2026-11-09T08:00:00Z dev -> sit" &&
    has "$OUT" "  unit-coverage: pass -> fail: line coverage 92.71% (89/96) is below 95%" &&
    hasnt "$OUT" "seq 6 " &&
    has "$OUT" "2 verdict(s) would change, 0 decision(s) not replayable, 1 unchanged"'
check 'replay: a looser policy changes no verdict' eval '
    policy_at "$TMP/loose.json" 50 && promote 0 replay --policy "$TMP/loose.json" &&
    has "$OUT" "0 verdict(s) would change, 0 decision(s) not replayable, 3 unchanged"'
check 'the text report names the four keys and the log it read' eval '
    promote 0 report --env sit --since 2026-10-26 --until 2026-11-30 &&
    has "$OUT" "deployment frequency   2 deployment(s)" && has "$OUT" "change failure rate    50.0% (1 of 2" &&
    has "$OUT" "promote audit verify --expect"'
finish
