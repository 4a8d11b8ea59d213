#!/bin/sh
# Regenerates tests/fixtures/reports/junit/jest-junit-load-error-default.xml and
# jest-junit-load-error-suite-errors.xml. usage: run.sh OUTDIR   (needs node 20, npm; ../README.md)
set -u
outdir=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
work=/tmp/producers/jest
rm -rf "$work" && mkdir -p "$work" || exit 1
cp -r "$here/package.json" "$here/package-lock.json" "$here/__tests__" "$work/" && cd "$work" || exit 1
npm ci --silent --no-audit --no-fund || exit 1
JEST_JUNIT_OUTPUT_DIR="$outdir" JEST_JUNIT_OUTPUT_NAME=jest-junit-load-error-default.xml \
    npx --no-install jest --ci --reporters=default --reporters=jest-junit
echo "jest (default jest-junit config) exit code: $?"
JEST_JUNIT_OUTPUT_DIR="$outdir" JEST_JUNIT_OUTPUT_NAME=jest-junit-load-error-suite-errors.xml \
    JEST_JUNIT_REPORT_TEST_SUITE_ERRORS=true \
    npx --no-install jest --ci --reporters=default --reporters=jest-junit
echo "jest (JEST_JUNIT_REPORT_TEST_SUITE_ERRORS=true) exit code: $?"
