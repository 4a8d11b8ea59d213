#!/bin/sh
# Faults fail closed: every injected fault ends in an error (exit 3) naming the
# endpoint, or in the right answer after a retry; never in a pass built on missing data.
. "$SRCDIR/tests/e2e/lib.sh"
github_policy "$TMP/github.json"
make_repo "$TMP/repo" "$TMP/github.json"
cd "$TMP/repo" || exit 1
python3 "$SRCDIR/examples/bbws/scenario.py" . "$TMP/approved.json" approved
gh_start "$TMP/approved.json"
T="--github-timeout 1"

check 'a 500 then success: retried, approved' eval 'gh_faults "[{\"path\": \"/reviews\", \"status\": 500, \"times\": 2}]" &&
    promote 0 check $T dev sit && has "$OUT" "verdict: approved"'
check 'a 502 forever: error after 3 retries' eval 'gh_faults "[{\"path\": \"/pulls/7/reviews\", \"status\": 502, \"times\": -1}]" &&
    promote 3 check $T dev sit && has "$OUT" "GET /repos/bbws/order-service/pulls/7/reviews?per_page=100: HTTP 502 (after 3 retries)" &&
    has "$OUT" "verdict: error"; rc=$?; gh_scenario "$TMP/approved.json"; [ $rc -eq 0 ]'
check 'a connection reset then success' eval 'gh_faults "[{\"path\": \"/check-runs\", \"reset\": true, \"times\": 1}]" &&
    promote 0 check $T dev sit'
check 'connection resets forever: error' eval 'gh_faults "[{\"path\": \"/check-runs\", \"reset\": true, \"times\": -1}]" &&
    promote 3 check $T dev sit && has "$OUT" "ERROR  ci-checks" && has "$OUT" "/check-runs"; rc=$?; gh_scenario "$TMP/approved.json"; [ $rc -eq 0 ]'
check 'a stalled reply times out, then succeeds' eval 'gh_faults "[{\"path\": \"/releases\", \"stall_seconds\": 3, \"times\": 1}]" &&
    promote 0 check $T dev sit'
check 'stalled replies forever: error, no hang' eval 'gh_faults "[{\"path\": \"/releases\", \"stall_seconds\": 3, \"times\": -1}]" &&
    promote 3 check $T dev sit && has "$OUT" "ERROR  release-notes" && has "$OUT" "Timeout"; rc=$?; gh_scenario "$TMP/approved.json"; [ $rc -eq 0 ]'
# a deliberately malformed body breaks GitHub's schema: prism (rightly) refuses it,
# so this case runs only without prism
if [ "${PROMOTE_PRISM:-0}" != 1 ]; then
    check 'malformed JSON: error' eval 'gh_faults "[{\"path\": \"/commits/[0-9a-f]+/pulls\", \"body\": \"{not json\", \"times\": -1}]" &&
    promote 3 check $T dev sit && has "$OUT" "malformed JSON"; rc=$?; gh_scenario "$TMP/approved.json"; [ $rc -eq 0 ]'
fi
check 'a short rate limit is waited out' eval 'gh_faults "[{\"path\": \"/releases\", \"rate_limit\": {\"status\": 429, \"retry_after\": 1}, \"times\": 1}]" &&
    promote 0 check $T dev sit'
check 'a primary rate limit past the allowed wait: error with the reset time' eval '
    gh_faults "[{\"path\": \"/releases\", \"rate_limit\": {\"status\": 403, \"remaining\": 0, \"reset_in\": 3600}, \"times\": -1}]" &&
    promote 3 check $T --github-max-wait 5 dev sit && has "$OUT" "rate limited (403); the limit resets at" &&
    has "$OUT" "longer than the allowed wait of 5 s"; rc=$?; gh_scenario "$TMP/approved.json"; [ $rc -eq 0 ]'
check 'a 403 that is not a rate limit: error, not retried' eval 'gh_reset_log &&
    gh_faults "[{\"path\": \"/memberships/\", \"status\": 403, \"times\": -1}]" &&
    promote 3 check $T dev sit && has "$OUT" "ERROR  tech-lead-approval" && has "$OUT" "HTTP 403" &&
    [ "$(gh_py "(lambda p: len(p) > 0 and len(p) == len(set(p)))([r[\"path\"] for r in reqs if \"/memberships/\" in r[\"path\"]])")" = True ]; rc=$?; gh_scenario "$TMP/approved.json"; [ $rc -eq 0 ]'
check 'a bad token: the actor cannot be established' eval 'python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d[\"tokens\"]=[\"other\"]; json.dump(d, open(sys.argv[2], \"w\"))" "$TMP/approved.json" "$TMP/badtoken.json" &&
    gh_scenario "$TMP/badtoken.json" && promote 3 check $T dev sit && has "$OUT" "actor unknown: cannot establish the actor" &&
    has "$OUT" "HTTP 401"; rc=$?; gh_scenario "$TMP/approved.json"; [ $rc -eq 0 ]'
check 'no token at all: error, not a pass' eval '(unset GITHUB_TOKEN; "$PROMOTE" check $T dev sit >"$OUT" 2>"$ERR"; echo $? > "$TMP/rc"); [ "$(cat "$TMP/rc")" = 3 ]'
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["max_per_page"]=2; d["link_form"]="repositories"; json.dump(d, open(sys.argv[2], "w"))' "$TMP/approved.json" "$TMP/paged.json"
gh_scenario "$TMP/paged.json"
check 'pages in the /repositories/{id} form are followed' eval 'gh_reset_log && promote 0 check $T dev sit &&
    [ "$(gh_py "any(r[\"path\"].startswith(\"/repositories/5550001/\") for r in reqs)")" = True ]'
# a next-page link to another host: the token must not follow it (not through prism:
# the link must lead around it)
if [ "${PROMOTE_PRISM:-0}" != 1 ]; then
    python3 -c 'import json,sys,urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/_sim/config", data=json.dumps({"public_base": sys.argv[1].replace("127.0.0.1", "localhost")}).encode(), method="POST", headers={"Content-Type": "application/json"}), timeout=5)' "$SIM_BASE"
    check 'a next-page link to another host is refused' eval 'gh_reset_log && promote 3 check $T dev sit &&
        has "$OUT" "refusing to follow a next-page link to another host" &&
        [ "$(gh_py "not any(\"page=2\" in r[\"query\"] for r in reqs)")" = True ]'
fi
gh_scenario "$TMP/approved.json"
finish
