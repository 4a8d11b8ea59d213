#!/bin/sh
# The main job on the bundled example: build the sample repository and a local
# GitHub API simulator holding its pull requests, reviews, team memberships, checks
# and release; then ask promote whether the release candidate may move dev -> sit
# and sit -> prod, and show candidates that are rejected; then a hotfix that is rolled
# back in sit by the tech lead. No token and no network
# are needed: everything runs on this machine. Exit 0 when every answer is the
# expected one.
# usage: demo.sh [PROMOTE_BINARY]   (default build/promote-test: the demo sets the clock
# with PROMOTE_NOW, which only the test binary honours)
# PROMOTE_DEMO_DIR=DIR works in DIR (made empty first) and leaves it there: the sample
# repository is DIR/bbws, its log and all.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
promote=${1:-$src/build/promote-test}
promote=$(cd "$(dirname "$promote")" && pwd)/$(basename "$promote")
harness="$src/tests/ghsim/harness.py"
if [ -n "${PROMOTE_DEMO_DIR:-}" ]; then
    work=$PROMOTE_DEMO_DIR
    rm -rf "$work" && mkdir -p "$work" || exit 2
    work=$(cd "$work" && pwd)
    trap 'python3 "$harness" stop --dir "$work/ghsim" >/dev/null 2>&1' EXIT
else
    work=$(mktemp -d)
    trap 'python3 "$harness" stop --dir "$work/ghsim" >/dev/null 2>&1; rm -rf "$work"' EXIT
fi
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

K="--key $work/demo.key"
# The clock: the demo pins it (PROMOTE_NOW, honoured by promote-test, the test binary,
# only; the installed promote ignores it) so that the soak time and the prod deploy
# window come out the same every run.
export PROMOTE_NOW=2026-11-04T08:00:00Z

echo "Sample repository: $work/bbws (branches develop, release, main; remote $work/remote.git)"
echo "GitHub API simulator: $API_BASE (bbws/order-service)"
echo
echo "The Terraform variables and deploy workflows of the release candidate, held to the"
echo "policy's environment matrix and naming rules (the dev -> sit gate environment-config"
echo "runs the same check on the commit it promotes):"
run 0 env check --commit release
echo
echo "A copy-and-paste slip in the work tree: prod's variables with sit's account id:"
sed -i 's/"093646564004"/"815856636111"/' terraform/prod/prod.tfvars
run 1 env check --worktree
git checkout -q -- terraform
echo
echo "The develop pipeline reports its deployment into dev (a signed audit entry):"
run 0 record deployed $K --env dev --commit release --result success --deployment 101
run 0 check dev sit
echo
echo "A candidate whose reports fail (low coverage, failing tests, high findings):"
# failing VERB: VERB dev sit with the failing reports
failing() {
    run 1 "$1" dev sit \
        --evidence unit-tests="$here/reports-failing/unit-tests.xml" \
        --evidence unit-coverage="$here/reports-failing/coverage.xml" \
        --evidence security-findings="$here/reports-failing/security.sarif"
}
failing check
echo
echo "What it takes to pass (each gate says it: the failing tests, the lines to cover, the findings):"
failing explain
echo
echo "The same candidate after a reviewer requested changes, and who must act:"
python3 "$harness" scenario --dir "$work/ghsim" "$work/rejected.json" >/dev/null || exit 2
run 1 check dev sit
run 1 explain dev sit
python3 "$harness" scenario --dir "$work/ghsim" "$work/approved.json" >/dev/null || exit 2
echo
echo "Recording: promote (without 'check') signs the decision and appends it to the audit"
echo "log (the branch promote/audit, which a ruleset protects), pushed to the remote; the sit"
echo "pipeline reports its deployment:"
run 0 $K dev sit
run 0 record deployed $K --env sit --result success --deployment 102 --commit release
echo
echo "Straight on to prod: rejected, it has not soaked in sit and prod has no DR test:"
run 1 check --release-pr 9 sit prod
run 1 explain --release-pr 9 sit prod
run 0 record dr-test $K --env prod --result pass --note "monthly failover to eu-west-1"
echo
echo "A day later (Thursday 11:00 in Johannesburg), as JSON, following the prod deploy to its end:"
export PROMOTE_NOW=2026-11-05T09:00:00Z
run 0 --json $K --release-pr 9 --wait --wait-interval 0.2 sit prod
echo
echo "Friday afternoon prod is closed; breaking the glass needs the ops-lead role, which the"
echo "release bot does not hold:"
export PROMOTE_NOW=2026-11-06T12:00:00Z
run 1 check --release-pr 9 sit prod
run 1 explain --release-pr 9 sit prod
run 1 check --release-pr 9 --break-glass --reason "hotfix for INC-7" sit prod
echo
echo "Monday: hotfix 1.4.1 goes from develop to sit (the release branch follows develop):"
export PROMOTE_NOW=2026-11-09T08:00:00Z
(
    export GIT_AUTHOR_NAME="BBWS Developer" GIT_AUTHOR_EMAIL="dev@bbws.example"
    export GIT_COMMITTER_NAME="BBWS Developer" GIT_COMMITTER_EMAIL="dev@bbws.example"
    export GIT_AUTHOR_DATE=2026-11-09T06:00:00Z GIT_COMMITTER_DATE=2026-11-09T06:00:00Z
    git checkout -q develop &&
        printf 'def order_total(items):\n    return round(sum(items), 2)\n' >> src/orders.py &&
        printf '1.4.1\n' > VERSION &&
        printf '# Changelog\n\n## [1.4.1] - 2026-11-09\n\n- Fix rounding of order totals.\n\n## [1.4.0] - 2026-11-03\n\n- Add order creation and lookup handlers.\n' > CHANGELOG.md &&
        git commit -q -am "Fix rounding of order totals" &&
        git checkout -q release && git merge -q --ff-only develop &&
        git push -q origin develop release
) || exit 2
python3 "$here/scenario.py" "$work/bbws" "$work/hotfix.json" approved release || exit 2
python3 "$harness" scenario --dir "$work/ghsim" "$work/hotfix.json" >/dev/null || exit 2
run 0 record deployed $K --env dev --commit release --result success --deployment 103
echo
echo "This time the promotion runs as the GitHub Actions step of promote-dev-sit.yml would"
echo "(GITHUB_ACTIONS=true: the actor is the run's, a gate table goes to the step summary, the"
echo "verdict, decision id and tag to the step outputs), and promote follows the dispatched"
echo "deploy-sit.yml run itself (--wait), recording its outcome:"
: > "$work/step-summary.md"
: > "$work/step-output"
GITHUB_ACTIONS=true GITHUB_RUN_ID=8004 GITHUB_ACTOR=release-bot \
    GITHUB_STEP_SUMMARY="$work/step-summary.md" GITHUB_OUTPUT="$work/step-output" \
    run 0 $K --wait --wait-interval 0.2 dev sit
echo
echo "\$GITHUB_OUTPUT:"
cat "$work/step-output"
echo "\$GITHUB_STEP_SUMMARY:"
cat "$work/step-summary.md"
echo
echo "1.4.1 miscalculates totals in sit. The tech lead (naledi, in the Actions run she"
echo "started) rolls sit back to the last good state, 1.4.0; the rollback holds sit:"
GITHUB_ACTIONS=true GITHUB_RUN_ID=8001 GITHUB_ACTOR=naledi run 0 rollback $K sit \
    --reason "order totals wrong in sit (INC-12)" --wait --wait-interval 0.2
run 1 check dev sit
run 1 explain dev sit
run 0 status sit
run 0 unhold $K sit --reason "INC-12 closed: a fix follows as 1.4.2"
echo
echo "The environment matrix the policy carries, as a wiki page would show it:"
run 0 env show --format markdown prod
echo
echo "The audit log, and what is deployed where:"
run 0 audit log
run 0 audit verify
run 0 audit show 6
run 0 status
echo
echo "Delivery metrics (DORA's four keys), flow and the change-control evidence, from the"
echo "verified log and git, offline; and the same as one HTML file an auditor can open:"
run 0 report
report_html=${PROMOTE_DEMO_REPORT:-${TMPDIR:-/tmp}/promote-demo-report.html}
run 0 report --format html --out "$report_html"
echo "The HTML report is in $report_html"
if [ "$fails" -ne 0 ]; then
    echo "demo: $fails decision(s) not as expected" >&2
    exit 1
fi
echo
echo "demo: all decisions as expected"
