#!/bin/sh
# promote explain: for every gate that does not pass, what would make it pass; who could
# give a missing role approval (team members, not the author, not the promoter, not a
# pending invitation, every page); status's waiting line. Exit codes as check.
. "$SRCDIR/tests/e2e/lib.sh"
make_repo "$TMP/files"
cd "$TMP/files" || exit 1

check 'the rejected candidate: each remedy named' eval 'promote 1 explain --evidence unit-coverage="$FIX/cobertura/coveragepy-py_low.xml" --evidence unit-tests="$FIX/junit/pytest-py_low.xml" --evidence security-findings="$FIX/sarif/eslint-js_app.sarif" dev sit &&
    has "$OUT" "verdict: rejected" && has "$OUT" "to pass:" &&
    has "$OUT" "  unit-tests: make the 3 failing tests pass (2 failed, 1 errors of 11)" &&
    has "$OUT" "  unit-coverage: cover 36 more lines: 37 of 91 covered, 73 needed for 80%" &&
    has "$OUT" "  security-findings: fix or suppress 4 high (4 active, max 0)" &&
    hasnt "$OUT" "  integration-tests:"'
check 'the failing tests by name and message, the blocking findings by rule and place' eval 'promote 1 explain --evidence unit-tests="$FIX/junit/pytest-py_low.xml" --evidence security-findings="$FIX/sarif/eslint-js_app.sarif" dev sit &&
    has "$OUT" "      failing: tests.test_models.test_sell_too_many_fails_on_purpose — AssertionError: assert 0 == 1" &&
    has "$OUT" "      error: tests.test_storage.test_with_database — failed on setup with \"ConnectionError: could not connect to test database\"" &&
    has "$OUT" "      failing: tests.test_storage.test_low_stock_wrong — AssertionError: assert 1 == 0" &&
    has "$OUT" "      high: security/detect-child-process at file:///home/ci/src/js_lint/src/server.js:12" &&
    has "$OUT" "      high: security/detect-eval-with-expression at file:///home/ci/src/js_lint/src/server.js:18" &&
    has "$OUT" "      high: no-eval at file:///home/ci/src/js_lint/src/server.js:18" &&
    has "$OUT" "      high: no-undef at file:///home/ci/src/js_lint/src/server.js:34" &&
    hasnt "$OUT" "more" && hasnt "$OUT" "no-var"'
check 'explain --json: the failing tests and findings as objects' eval 'promote 1 explain --json --evidence unit-tests="$FIX/junit/pytest-py_low.xml" --evidence security-findings="$FIX/sarif/eslint-js_app.sarif" dev sit &&
    jq_is "[g for g in d[\"gates\"] if g[\"name\"] == \"unit-tests\"][0][\"remedy\"][\"failing\"][1]" "{\"name\": \"tests.test_storage.test_with_database\", \"outcome\": \"error\", \"message\": \"failed on setup with \\\"ConnectionError: could not connect to test database\\\"\"}" &&
    jq_is "[g for g in d[\"gates\"] if g[\"name\"] == \"unit-tests\"][0][\"remedy\"][\"more\"]" 0 &&
    jq_is "[g for g in d[\"gates\"] if g[\"name\"] == \"security-findings\"][0][\"remedy\"][\"findings\"][3]" "{\"severity\": \"high\", \"rule\": \"no-undef\", \"level\": \"error\", \"uri\": \"file:///home/ci/src/js_lint/src/server.js\", \"line\": 34}" &&
    jq_is "len([g for g in d[\"gates\"] if g[\"name\"] == \"security-findings\"][0][\"remedy\"][\"findings\"])" 4 &&
    jq_is "[g for g in d[\"gates\"] if g[\"name\"] == \"unit-tests\"][0][\"details\"][\"failing\"][0][\"name\"]" tests.test_models.test_sell_too_many_fails_on_purpose'
check 'more findings than are named: the first five, and how many more' eval 'promote 1 explain --evidence security-findings="$FIX/sarif-realworld/grype-container.sarif" dev sit &&
    has "$OUT" "  security-findings: fix or suppress 4 critical (4 active, max 0), 6 high (6 active, max 0)" &&
    has "$OUT" "      … and 5 more" &&
    [ "$(grep -c "^      critical: " "$OUT")" = 4 ] && [ "$(grep -c "^      high: " "$OUT")" = 1 ]'
check 'explain --json: a remedy per gate, null where it passes' eval 'promote 1 explain --json --evidence unit-coverage="$FIX/cobertura/coveragepy-py_low.xml" dev sit &&
    jq_is "[g[\"remedy\"] for g in d[\"gates\"]][0]" null &&
    jq_is "[g for g in d[\"gates\"] if g[\"name\"] == \"unit-coverage\"][0][\"remedy\"][\"more_lines\"]" 36 &&
    jq_is "[g for g in d[\"gates\"] if g[\"name\"] == \"unit-coverage\"][0][\"remedy\"][\"action\"]" cover_lines &&
    jq_is "d[\"waiting_on\"]" unit-coverage && jq_is "d[\"verdict\"]" rejected'
check 'an approved candidate: nothing is missing, exit 0' eval 'promote 0 explain sit prod &&
    has "$OUT" "nothing is missing: every gate passes"'
check 'an error exits 3 and says what to fix' eval 'promote 3 explain --evidence unit-tests=/nonexistent.xml dev sit &&
    has "$OUT" "  unit-tests: fix what stops the evaluation: "'
check 'usage errors exit 2' eval 'promote 2 explain dev && promote 2 explain --wait dev sit'

# the GitHub gates
github_policy "$TMP/github.json"
make_repo "$TMP/repo" "$TMP/github.json"
cd "$TMP/repo" || exit 1
python3 "$SRCDIR/examples/bbws/scenario.py" . "$TMP/rejected.json" rejected
# ops-leads also holds the release PR's author (naledi), the promoter (release-bot) and a
# pending invitation (sipho); one member per page
python3 - "$TMP/rejected.json" "$TMP/teams.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["teams"]["bbws/ops-leads"].update({"naledi": "active", "release-bot": "active", "zanele": "active"})
d["max_per_page"] = 1
json.dump(d, open(sys.argv[2], "w"))
PY
gh_start "$TMP/teams.json"
check 'who could approve: team members but the author, the promoter and pending ones' eval 'promote 1 explain --release-pr 9 sit prod &&
    has "$OUT" "  release-approval: 1 more ops-lead approval (could approve: ayanda, zanele)" &&
    has "$OUT" "  sit-checks: regression failed: fix and re-run it $API_BASE/bbws/order-service/runs/3000000003; uat is pending: wait for it $API_BASE/bbws/order-service/runs/3000000005"'
check 'the team members list is read page by page' eval 'gh_reset_log && promote 1 explain --release-pr 9 sit prod &&
    [ "$(gh_py "len([r for r in reqs if r[\"path\"] == \"/orgs/bbws/teams/ops-leads/members\"])")" = 4 ]'
check 'check reads no team members list' eval 'gh_reset_log && promote 1 check --release-pr 9 sit prod &&
    [ "$(gh_py "len([r for r in reqs if r[\"path\"].endswith(\"/members\")])")" = 0 ]'
check 'blocking reviewers of the code review' eval 'promote 1 explain dev sit &&
    has "$OUT" "  code-review: #7: lerato must approve or dismiss the requested changes"'
check 'explain --json: who could approve, per role' eval 'promote 1 explain --json --release-pr 9 sit prod &&
    jq_is "[g for g in d[\"gates\"] if g[\"name\"] == \"release-approval\"][0][\"remedy\"][\"roles\"]" "{\"ops-lead\": {\"missing\": 1, \"could_approve\": [\"ayanda\", \"zanele\"]}}" &&
    jq_is "d[\"waiting_on\"]" "sit-checks; ops-lead approval"'
check 'status: the next candidate and what it waits on' eval 'promote 0 status &&
    has "$OUT" "       next: $(git rev-parse --short=12 release) from dev: waiting on: code review" &&
    has "$OUT" "       next: $(git rev-parse --short=12 release) from sit: waiting on: sit-checks; product-owner approval"'
check 'status --json: next per environment' eval 'promote 0 status --json &&
    jq_is "d[\"environments\"][0][\"next\"]" null &&
    jq_is "d[\"environments\"][1][\"next\"][\"verdict\"]" rejected &&
    jq_is "d[\"environments\"][1][\"next\"][\"waiting_on\"]" "code review"'
finish
