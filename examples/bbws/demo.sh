#!/bin/sh
# The main job on the bundled example: build the sample repository and a local
# GitHub API simulator holding its pull requests, reviews, team memberships, checks
# and release; then ask promote whether the release candidate may move dev -> sit
# and sit -> prod, and show candidates that are rejected. No token and no network
# are needed: everything runs on this machine. Exit 0 when every answer is the
# expected one.
# usage: demo.sh [PROMOTE_BINARY]
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
promote=${1:-$src/build/promote}
promote=$(cd "$(dirname "$promote")" && pwd)/$(basename "$promote")
work=$(mktemp -d)
harness="$src/tests/ghsim/harness.py"
trap 'python3 "$harness" stop --dir "$work/ghsim" >/dev/null 2>&1; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# a signing key for the demo, trusted by the policy the sample repository carries
"$promote" keys generate --unencrypted --out "$work/demo.key" >/dev/null || exit 2
"$promote" keys show --json "$work/demo.key" > "$work/demo.key.json" || exit 2
python3 - "$src/policies/bbws.json" "$work/demo.key.json" "$work/policy.json" <<'PY' || exit 2
import json, sys
policy = json.load(open(sys.argv[1]))
key = json.load(open(sys.argv[2]))
policy["trusted_keys"] = [{"id": key["id"], "public_key": key["public_key"], "name": "demo"}]
json.dump(policy, open(sys.argv[3], "w"), indent=2)
PY
"$here/make-repo.sh" "$work/bbws" "$work/policy.json" >/dev/null || exit 2
# the shared remote every release manager and CI runner pushes the audit log to
git init -q --bare "$work/remote.git" &&
    git -C "$work/bbws" remote add origin "$work/remote.git" &&
    git -C "$work/bbws" push -q origin main develop release || exit 2
python3 "$here/scenario.py" "$work/bbws" "$work/approved.json" approved || exit 2
python3 "$here/scenario.py" "$work/bbws" "$work/rejected.json" rejected || exit 2
mkdir -p "$work/ghsim"
eval "$(python3 "$harness" start --scenario "$work/approved.json" --dir "$work/ghsim")" || exit 2
# the simulator accepts any token; promote's cache goes to the scratch directory
export GITHUB_TOKEN=demo-token GITHUB_API_URL="$API_BASE" GITHUB_REPOSITORY=bbws/order-service
export XDG_CACHE_HOME="$work/cache"
unset GITHUB_ACTIONS
cd "$work/bbws" || exit 2

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
echo "GitHub API simulator: $API_BASE (bbws/order-service)"
run 0 check dev sit
run 0 check --release-pr 9 sit prod
echo
echo "A candidate whose reports fail (low coverage, failing tests, high findings):"
run 1 check dev sit \
    --evidence unit-tests="$here/reports-failing/unit-tests.xml" \
    --evidence unit-coverage="$here/reports-failing/coverage.xml" \
    --evidence security-findings="$here/reports-failing/security.sarif"
echo
echo "The same candidate after a reviewer requested changes, a check failed and a role is missing:"
python3 "$harness" scenario --dir "$work/ghsim" "$work/rejected.json" >/dev/null || exit 2
run 1 check dev sit
run 1 check --release-pr 9 sit prod
python3 "$harness" scenario --dir "$work/ghsim" "$work/approved.json" >/dev/null || exit 2
echo
echo "The decision as JSON:"
run 0 check --json dev sit
echo
echo "Recording: promote (without 'check') signs each decision and appends it to the audit"
echo "log, refs/promote/audit, shared through the remote:"
run 0 --key "$work/demo.key" dev sit
run 0 --key "$work/demo.key" --release-pr 9 sit prod
run 1 --key "$work/demo.key" dev sit --evidence unit-coverage="$here/reports-failing/coverage.xml"
run 0 audit log
run 0 audit verify
run 0 audit show 2
if [ "$fails" -ne 0 ]; then
    echo "demo: $fails decision(s) not as expected" >&2
    exit 1
fi
echo
echo "demo: all decisions as expected"
