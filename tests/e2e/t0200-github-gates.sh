#!/bin/sh
# The GitHub gates end to end against the simulator: approved, rejected, and the
# requests the client sends (concurrent rounds, headers, pages).
. "$SRCDIR/tests/e2e/lib.sh"
github_policy "$TMP/github.json"
make_repo "$TMP/repo" "$TMP/github.json"
cd "$TMP/repo" || exit 1
python3 "$SRCDIR/examples/bbws/scenario.py" . "$TMP/approved.json" approved
python3 "$SRCDIR/examples/bbws/scenario.py" . "$TMP/rejected.json" rejected
gh_start "$TMP/approved.json"
release=$(git rev-parse release)

check 'dev -> sit is approved with the GitHub gates' eval 'promote 0 check dev sit &&
    has "$OUT" "PASS   ci-checks" && has "$OUT" "PASS   code-review" &&
    has "$OUT" "PASS   tech-lead-approval" && has "$OUT" "PASS   release-notes" &&
    has "$OUT" "actor release-bot" && has "$OUT" "verdict: approved"'
check 'three rounds: pulls, then reviews, then team memberships' eval 'promote 0 check --json dev sit &&
    jq_is "d[\"github\"][\"rounds\"]" 3 && jq_is "d[\"actor\"]" release-bot &&
    jq_is "d[\"github\"][\"repository\"]" bbws/order-service'
check 'code review details' eval 'promote 0 check --json dev sit &&
    jq_is "[g for g in d[\"gates\"] if g[\"name\"] == \"code-review\"][0][\"details\"][\"pull_requests\"][0][\"approvers\"]" "[\"lerato\", \"naledi\", \"sipho\"]"'
check 'sit -> prod needs both roles on the release pull request' eval 'promote 1 check sit prod &&
    has "$OUT" "FAIL   release-approval"'
check 'sit -> prod with --release-pr 9 is approved' eval 'promote 0 check --release-pr 9 sit prod &&
    has "$OUT" "PASS   release-approval" && has "$OUT" "PASS   sit-checks"'
check 'every request carries the headers and the token as a bearer' eval 'gh_reset_log && promote 0 check dev sit &&
    [ "$(gh_py "len(reqs) > 0 and all(r[\"accept\"] == \"application/vnd.github+json\" and r[\"api_version\"] == \"2022-11-28\" and r[\"authorization\"] == \"bearer\" and r[\"user_agent\"].startswith(\"promote/\") for r in reqs)")" = True ]'
check 'paginated requests ask for 100 per page' eval 'gh_reset_log && promote 0 check dev sit &&
    [ "$(gh_py "all(\"per_page=100\" in r[\"query\"] for r in reqs if r[\"path\"].endswith((\"/pulls\", \"/reviews\", \"/releases\", \"/check-runs\")))")" = True ]'
gh_faults '[{"path": "/(pulls|check-runs|releases|user)", "delay_ms": 300, "times": -1}]'
check 'independent requests of a round overlap' eval 'gh_reset_log && promote 0 check dev sit &&
    [ "$(gh_py "stats[\"max_in_flight\"] >= 3")" = True ]'
check 'separation of duties: the promoter wrote neither the commit nor its pull request' eval 'promote 0 check dev sit &&
    has "$OUT" "PASS   separation-of-duties" && has "$OUT" "neither the commit'"'"'s author (thandi)"'
check 'separation of duties: the author cannot promote their own commit' eval '
    GITHUB_ACTIONS=true GITHUB_RUN_ID=8001 GITHUB_ACTOR=naledi promote 1 check dev sit >/dev/null;
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d[\"runs\"][\"8001\"][\"actor\"]=d[\"runs\"][\"8001\"][\"triggering_actor\"]=\"thandi\"; json.dump(d, open(sys.argv[2], \"w\"))" "$TMP/approved.json" "$TMP/author.json" &&
    gh_scenario "$TMP/author.json" && GITHUB_ACTIONS=true GITHUB_RUN_ID=8001 GITHUB_ACTOR=thandi promote 1 check dev sit &&
    has "$OUT" "FAIL   separation-of-duties" && has "$OUT" "the promoter thandi wrote commit"; rc=$?; gh_scenario "$TMP/approved.json"; [ $rc -eq 0 ]'
# a list of several pages: the first names the last (rel="last"), so the rest are asked
# for at once, and joined in page order
pages_at_once() { # pages_at_once PATH_END N: N page requests of PATH_END, page 1 alone first
    gh_py "(lambda rs: (lambda p: sorted(p) == [str(i) for i in range(1, $2 + 1)] and len(rs) == $2 and all(p['1']['finished'] <= p[k]['started'] for k in p if k != '1') and all(p[a]['started'] < p[b]['finished'] and p[b]['started'] < p[a]['finished'] for a in p for b in p if '1' not in (a, b)))({dict(x.split('=', 1) for x in r['query'].split('&')).get('page', '1'): r for r in rs}))([r for r in reqs if r['path'].endswith('$1')])"
}
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); d["max_per_page"] = 2; json.dump(d, open(sys.argv[2], "w"))' "$TMP/approved.json" "$TMP/paged.json"
gh_scenario "$TMP/paged.json"
gh_faults '[{"path": "/reviews", "delay_ms": 300, "times": -1}]'
check 'five reviews two a page: page 1, then pages 2 and 3 at once, joined in order' eval 'gh_reset_log && promote 0 check --json dev sit &&
    jq_is "[g for g in d[\"gates\"] if g[\"name\"] == \"code-review\"][0][\"details\"][\"pull_requests\"][0][\"approvers\"]" "[\"lerato\", \"naledi\", \"sipho\"]" &&
    jq_is "d[\"github\"][\"rounds\"]" 3 && jq_is "d[\"verdict\"]" approved &&
    [ "$(pages_at_once /pulls/7/reviews 3)" = True ]'
faults_only() { # faults_only JSON: these fault rules, and no other
    printf '%s' "$1" | python3 "$SRCDIR/tests/ghsim/harness.py" faults --dir "$GHSIM_DIR" --replace - >/dev/null
}
check 'a page that fails fails the list: an error naming it, never a pass' eval 'faults_only "[{\"path\": \"/reviews.*[?&]page=3\", \"status\": 500, \"times\": -1}]" &&
    promote 3 check dev sit && has "$OUT" "ERROR  code-review" && has "$OUT" "page=3" &&
    has "$OUT" "HTTP 500" && hasnt "$OUT" "verdict: approved"'
faults_only '[]'
gh_scenario "$TMP/rejected.json"
check 'changes requested after approvals reject the code review' eval 'promote 1 check dev sit &&
    has "$OUT" "FAIL   code-review" && has "$OUT" "not approved: #7: 2 of 2 approvals, changes requested by lerato" &&
    has "$OUT" "verdict: rejected"'
check 'release notes missing for another version' eval 'promote 1 check --release-version 9.9.9 dev sit &&
    has "$OUT" "FAIL   release-notes"'
check 'sit -> prod: a failed and a pending check, one role missing' eval 'promote 1 check --release-pr 9 sit prod &&
    has "$OUT" "FAIL   sit-checks" && has "$OUT" "regression (failure)" && has "$OUT" "uat (pending)" &&
    has "$OUT" "FAIL   release-approval"'
check 'the token never appears (verbose included)' eval 'promote 1 check --verbose dev sit &&
    has "$ERR" "github: GET /repos/bbws/order-service/commits/" && hasnt "$ERR" "$GITHUB_TOKEN" &&
    ! grep -rq "e2eFakeToken" "$HOME"'
finish
