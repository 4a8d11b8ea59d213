#!/bin/sh
# Regenerates tests/fixtures/reports/sarif-failed-runs/eslint-parse-error.sarif.
# usage: run.sh OUTDIR   (needs node 20 and npm; see ../README.md)
set -u
outdir=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
work=/tmp/producers/eslint
rm -rf "$work" && mkdir -p "$work/src" || exit 1
cp "$here/package.json" "$here/package-lock.json" "$here/eslint.config.js" "$work/" && cd "$work" || exit 1
npm ci --silent --no-audit --no-fund || exit 1
# The project's only file: index.d.ts of the npm package @types/ms 2.1.0 (MIT).
npm pack --silent @types/ms@2.1.0 >/dev/null || exit 1
tar xzf types-ms-2.1.0.tgz -C src --strip-components=1 ms/index.d.ts || exit 1
npx --no-install eslint src -f @microsoft/eslint-formatter-sarif -o "$outdir/eslint-parse-error.sarif"
echo "eslint (sarif) exit code: $?"
npx --no-install eslint src
echo "eslint (stylish) exit code: $?"
