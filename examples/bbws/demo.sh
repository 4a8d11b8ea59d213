#!/bin/sh
# The main job on the bundled example: build the sample repository, then ask
# promote whether its release candidate may move dev -> sit and sit -> prod, and
# show a candidate whose reports fail. Exit 0 when every answer is the expected one.
# usage: demo.sh [PROMOTE_BINARY]
set -u
here=$(cd "$(dirname "$0")" && pwd)
promote=${1:-$here/../../build/promote}
promote=$(cd "$(dirname "$promote")" && pwd)/$(basename "$promote")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

"$here/make-repo.sh" "$work/bbws" >/dev/null || exit 2
cd "$work/bbws"
fails=0
run() {
    want=$1
    shift
    printf '\n$ promote %s\n' "$*"
    "$promote" "$@"
    got=$?
    if [ "$got" -ne "$want" ]; then
        printf 'demo: expected exit %s, got %s\n' "$want" "$got" >&2
        fails=$((fails + 1))
    fi
}

echo "Sample repository: $work/bbws (branches develop, release, main)"
run 0 check dev sit
run 0 check sit prod
echo
echo "A candidate whose reports fail (low coverage, failing tests, high findings):"
run 1 check dev sit \
    --evidence unit-tests="$here/reports-failing/unit-tests.xml" \
    --evidence unit-coverage="$here/reports-failing/coverage.xml" \
    --evidence security-findings="$here/reports-failing/security.sarif"
echo
echo "The decision as JSON:"
run 0 check --json dev sit
if [ "$fails" -ne 0 ]; then
    echo "demo: $fails decision(s) not as expected" >&2
    exit 1
fi
echo
echo "demo: all decisions as expected"
