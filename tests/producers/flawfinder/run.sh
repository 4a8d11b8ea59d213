#!/bin/sh
# Regenerates tests/fixtures/reports/sarif-failed-runs/flawfinder-cjson.sarif, flawfinder-nonexistent-path.sarif,
# and flawfinder-no-input.sarif.
# usage: run.sh OUTDIR   (needs Debian's flawfinder 2.0.19, dpkg-dev and a deb-src line; ../README.md)
set -u
outdir=$(realpath "$1")
work=/tmp/producers/flawfinder
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
flawfinder --version
apt-get source cjson=1.7.15-1+deb12u4 >/dev/null 2>&1 || exit 1
cd cjson-1.7.15 || exit 1
# A normal run over cJSON's two library sources.
flawfinder --sarif cJSON.c cJSON_Utils.c > "$outdir/flawfinder-cjson.sarif"
echo "flawfinder --sarif cJSON.c cJSON_Utils.c exit code: $?"
flawfinder cJSON.c cJSON_Utils.c | sed -n '/^ANALYSIS SUMMARY:/,/^Minimum risk level/p'
# A path that does not exist (a typo in a CI script): nothing is analysed.
flawfinder --sarif src > "$outdir/flawfinder-nonexistent-path.sarif"
echo "flawfinder --sarif src (no such path) exit code: $?"
# An empty directory: nothing is analysed, and the SARIF is the same, byte for byte.
mkdir "$work/empty"
flawfinder --sarif "$work/empty" > "$work/flawfinder-empty-dir.sarif"
echo "flawfinder --sarif EMPTY-DIR exit code: $?"
cmp "$work/flawfinder-empty-dir.sarif" "$outdir/flawfinder-nonexistent-path.sarif" && echo "empty directory: same bytes as the nonexistent path"
# No path at all (a shell glob that matched nothing and was dropped).
flawfinder --sarif > "$outdir/flawfinder-no-input.sarif"
echo "flawfinder --sarif (no arguments) exit code: $?"
