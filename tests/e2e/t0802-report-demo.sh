#!/bin/sh
# promote report over the demo's log (examples/bbws/demo.sh: the release candidate through
# dev, sit and prod, rejected candidates, a hotfix rolled back in sit, a hold and its
# unhold): the four keys, the flow and the holds of every environment are the numbers the
# rules of docs/report.md give, worked out apart (dora_oracle.py).
. "$SRCDIR/tests/e2e/lib.sh"
check 'the demo runs to the end and leaves its repository' eval '
    PROMOTE_DEMO_DIR="$TMP/demo" PROMOTE_DEMO_REPORT="$TMP/demo.html" \
        run 0 sh "$SRCDIR/examples/bbws/demo.sh" "$PROMOTE" &&
    has "$OUT" "demo: all decisions as expected" && [ -s "$TMP/demo.html" ] &&
    [ -d "$TMP/demo/bbws/.git" ]'
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
check 'the text report names the four keys and the log it read' eval '
    promote 0 report --env sit --since 2026-10-26 --until 2026-11-30 &&
    has "$OUT" "deployment frequency   2 deployment(s)" && has "$OUT" "change failure rate    50.0% (1 of 2" &&
    has "$OUT" "promote audit verify --expect"'
finish
