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
    jq_is "d[\"from\"], d[\"to\"]" "(\x27dev\x27, \x27sit\x27)" &&
    jq_is "d[\"commit\"]" "$release" && jq_is "d[\"policy_sha256\"]" "$psha" &&
    jq_is "d[\"policy\"][\"local_override\"]" False &&
    jq_is "[g[\"name\"] for g in d[\"gates\"]]" "[\x27unit-tests\x27, \x27integration-tests\x27, \x27unit-coverage\x27, \x27security-findings\x27, \x27release-branch\x27]" &&
    jq_is "[g[\"status\"] for g in d[\"gates\"]]" "[\x27pass\x27, \x27pass\x27, \x27pass\x27, \x27pass\x27, \x27pass\x27]" &&
    jq_is "d[\"gates\"][2][\"details\"]" "{\x27format\x27: \x27cobertura\x27, \x27lines_covered\x27: 89, \x27lines_total\x27: 96, \x27percent\x27: 92.71, \x27min_percent\x27: 80}" &&
    jq_is "d[\"gates\"][2][\"evidence\"][\"sha256\"]" "$csha" &&
    jq_is "d[\"gates\"][0][\"details\"]" "{\x27format\x27: \x27junit\x27, \x27total\x27: 18, \x27passed\x27: 18, \x27failed\x27: 0, \x27errors\x27: 0, \x27skipped\x27: 0}" &&
    jq_is "d[\"gates\"][3][\"details\"]" "{\x27format\x27: \x27sarif\x27, \x27counts\x27: {\x27critical\x27: 0, \x27high\x27: 0, \x27medium\x27: 0, \x27low\x27: 3}, \x27active\x27: 3, \x27suppressed\x27: 0, \x27absent\x27: 0}" &&
    jq_is "d[\"gates\"][4][\"details\"][\"reachable\"]" True &&
    jq_is "d[\"gates\"][4][\"evidence\"]" None'
check 'rejected as JSON' eval 'promote 1 check --json --evidence unit-tests="$FIX/junit/pytest-py_low.xml" dev sit &&
    jq_is "d[\"verdict\"]" rejected && jq_is "d[\"gates\"][0][\"status\"]" fail &&
    jq_is "d[\"gates\"][0][\"details\"]" "{\x27format\x27: \x27junit\x27, \x27total\x27: 11, \x27passed\x27: 5, \x27failed\x27: 2, \x27errors\x27: 1, \x27skipped\x27: 3}"'
check 'error as JSON' eval 'promote 3 check --json --evidence unit-tests=/nonexistent.xml dev sit &&
    jq_is "d[\"verdict\"]" error && jq_is "d[\"gates\"][0][\"status\"]" error &&
    jq_is "\"/nonexistent.xml\" in d[\"gates\"][0][\"summary\"]" True &&
    jq_is "d[\"gates\"][0][\"evidence\"][\"sha256\"]" None'
check 'a local policy is named as such' eval 'promote 0 check --json --policy "$SRCDIR/policies/bbws.json" dev sit &&
    jq_is "d[\"policy\"][\"local_override\"]" True &&
    jq_is "d[\"policy_sha256\"]" "$(sha256sum "$SRCDIR/policies/bbws.json" | cut -d" " -f1)"'
check 'human output names a local policy' eval 'promote 0 check --policy "$SRCDIR/policies/bbws.json" dev sit &&
    has "$OUT" "[local file given with --policy, not the policy ref]"'
finish
