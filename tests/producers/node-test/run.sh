#!/bin/sh
# Regenerates tests/fixtures/reports/junit/node-test-parent-fail.xml and node-test-pass.xml.
# usage: run.sh OUTDIR   (needs node 20 and npm; see ../README.md)
set -u
outdir=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
work=/tmp/producers/node-test
rm -rf "$work" && mkdir -p "$work/node_modules" && cd "$work" || exit 1
npm pack --silent ms@2.1.3 >/dev/null || exit 1
mkdir node_modules/ms && tar xzf ms-2.1.3.tgz -C node_modules/ms --strip-components=1 || exit 1
cp "$here/ms-fail.test.js" "$here/ms-pass.test.js" .
# One run each, with the spec reporter on stdout beside the junit file.
node --test --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=junit --test-reporter-destination="$outdir/node-test-parent-fail.xml" ms-fail.test.js
echo "node --test (ms-fail.test.js) exit code: $?"
node --test --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=junit --test-reporter-destination="$outdir/node-test-pass.xml" ms-pass.test.js
echo "node --test (ms-pass.test.js) exit code: $?"
