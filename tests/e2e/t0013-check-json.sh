#!/bin/sh
# --json: one document with the documented schema and the real numbers.
. "$SRCDIR/tests/e2e/lib.sh"
make_repo
cd "$TMP/repo" || exit 1
release=$(git rev-parse release)
psha=$(git show main:.promote/policy.json | sha256sum | cut -d' ' -f1)
csha=$(sha256sum reports/coverage.xml | cut -d' ' -f1)

check 'approved as JSON' eval 'promote 0 check --json dev sit &&
    jq_is "d[\"schema_version\"]" 1 && jq_is "d[\"verdict\"]" approved &&
    jq_is "[d[\"from\"], d[\"to\"]]" "[\"dev\", \"sit\"]" &&
    jq_is "d[\"commit\"]" "$release" && jq_is "d[\"policy_sha256\"]" "$psha" &&
    jq_is "d[\"policy\"][\"local_override\"]" False &&
    jq_is "[g[\"name\"] for g in d[\"gates\"]]" "[\"unit-tests\", \"integration-tests\", \"unit-coverage\", \"security-findings\", \"release-branch\"]" &&
    jq_is "[g[\"status\"] for g in d[\"gates\"]]" "[\"pass\", \"pass\", \"pass\", \"pass\", \"pass\"]" &&
    jq_is "d[\"gates\"][2][\"details\"]" "{\"format\": \"cobertura\", \"lines_covered\": 89, \"lines_total\": 96, \"percent\": 92.71, \"min_percent\": 80}" &&
    jq_is "d[\"gates\"][2][\"evidence\"][\"sha256\"]" "$csha" &&
    jq_is "d[\"gates\"][0][\"details\"]" "{\"format\": \"junit\", \"total\": 18, \"passed\": 18, \"failed\": 0, \"errors\": 0, \"skipped\": 0, \"disabled\": 0, \"failing\": []}" &&
    jq_is "{k: v for k, v in d[\"gates\"][3][\"details\"].items() if k != \"findings\"}" "{\"format\": \"sarif\", \"counts\": {\"critical\": 0, \"high\": 0, \"medium\": 0, \"low\": 3}, \"active\": 3, \"suppressed\": 0, \"absent\": 0, \"tool_errors\": 0}" &&
    jq_is "[[f[\"severity\"], f[\"level\"]] for f in d[\"gates\"][3][\"details\"][\"findings\"]]" "[[\"low\", \"note\"], [\"low\", \"note\"], [\"low\", \"note\"]]" &&
    jq_is "d[\"gates\"][4][\"details\"][\"reachable\"]" True &&
    jq_is "d[\"gates\"][4][\"evidence\"]" None'
check 'rejected as JSON' eval 'promote 1 check --json --evidence unit-tests="$FIX/junit/pytest-py_low.xml" dev sit &&
    jq_is "d[\"verdict\"]" rejected && jq_is "d[\"gates\"][0][\"status\"]" fail &&
    jq_is "{k: v for k, v in d[\"gates\"][0][\"details\"].items() if k != \"failing\"}" "{\"format\": \"junit\", \"total\": 11, \"passed\": 5, \"failed\": 2, \"errors\": 1, \"skipped\": 3, \"disabled\": 0}" &&
    jq_is "[[t[\"name\"], t[\"outcome\"]] for t in d[\"gates\"][0][\"details\"][\"failing\"]]" "[[\"tests.test_models.test_sell_too_many_fails_on_purpose\", \"failure\"], [\"tests.test_storage.test_with_database\", \"error\"], [\"tests.test_storage.test_low_stock_wrong\", \"failure\"]]"'
check 'error as JSON' eval 'promote 3 check --json --evidence unit-tests=/nonexistent.xml dev sit &&
    jq_is "d[\"verdict\"]" error && jq_is "d[\"gates\"][0][\"status\"]" error &&
    jq_is "\"/nonexistent.xml\" in d[\"gates\"][0][\"summary\"]" True &&
    jq_is "d[\"gates\"][0][\"evidence\"][\"sha256\"]" None'
check 'a local policy is named as such' eval 'promote 0 check --json --policy "$SRCDIR/tests/e2e/policies/files.json" dev sit &&
    jq_is "d[\"policy\"][\"local_override\"]" True &&
    jq_is "d[\"policy_sha256\"]" "$(sha256sum "$SRCDIR/tests/e2e/policies/files.json" | cut -d" " -f1)"'
check 'human output names a local policy' eval 'promote 0 check --policy "$SRCDIR/tests/e2e/policies/files.json" dev sit &&
    has "$OUT" "[local file given with --policy, not the policy ref]"'
finish
