#!/bin/sh
# Runs every producer of tests/producers/ and writes the reports to OUTDIR, with each
# producer's console output in OUTDIR/NAME.log. See README.md.
# usage: run-all.sh OUTDIR
set -u
[ $# -eq 1 ] || { echo "usage: run-all.sh OUTDIR" >&2; exit 2; }
here=$(dirname "$(realpath "$0")")
mkdir -p "$1" && outdir=$(realpath "$1") || exit 1
for p in ctest-cjson node-test jest eslint multitool flawfinder; do
    echo "== $p"
    "$here/$p/run.sh" "$outdir" > "$outdir/$p.log" 2>&1
    grep -i 'exit code' "$outdir/$p.log"
done
