#!/bin/sh
# promote report: DORA's four keys, flow, holds and change records for prod, from a log
# whose numbers are known (docs/report.md's rules, worked by hand below), in every format.
. "$SRCDIR/tests/e2e/lib.sh"
make_key ci
trust_keys "$SRCDIR/tests/e2e/policies/files.json" "$TMP/policy.json" ci
make_repo "$TMP/repo" "$TMP/policy.json"
cd "$TMP/repo" || exit 1
K="--key $TMP/ci.key"
# commit MSG DATE: an empty commit on the current branch at DATE
commit() {
    GIT_AUTHOR_NAME=T GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=T \
        GIT_COMMITTER_EMAIL=t@example.com GIT_AUTHOR_DATE="$2" GIT_COMMITTER_DATE="$2" \
        git commit -q --allow-empty -m "$1"
}
at() { export PROMOTE_NOW="$1"; }
# ship COMMIT TIME: an approved sit -> prod decision a minute before TIME, the deployment at TIME
ship() {
    at "$(python3 -c 'import datetime,sys; t=datetime.datetime.strptime(sys.argv[1], "%Y-%m-%dT%H:%M:%SZ"); print((t-datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ"))' "$2")" &&
        promote 0 $K --commit "$1" sit prod && at "$2" &&
        promote 0 record deployed $K --env prod --commit "$1" --result success
}
git checkout -q main
P0=$(git rev-parse HEAD)
# the log, oldest first (the window is December: 2026-12-01 to 2026-12-29, four weeks)
check 'the history is recorded' eval '
    ship "$P0" 2026-11-20T10:00:00Z &&
    at 2026-11-30T20:00:00Z && promote 0 hold $K prod --reason "INC-1 across the window edge" &&
    at 2026-12-01T02:00:00Z && promote 0 unhold $K prod --reason "INC-1 closed" &&
    commit C1 2026-12-02T08:00:00Z && C1=$(git rev-parse HEAD) &&
    ship "$C1" 2026-12-02T12:00:00Z &&
    commit C2a 2026-12-09T06:00:00Z && commit C2b 2026-12-09T08:00:00Z && C2=$(git rev-parse HEAD) &&
    at 2026-12-10T07:00:00Z &&
    promote 1 $K --commit "$C2" --evidence regression-tests="$FIX/junit/pytest-py_low.xml" sit prod &&
    ship "$C2" 2026-12-10T08:00:00Z &&
    at 2026-12-10T09:00:00Z && promote 0 record deployed $K --env prod --commit "$C2" --result failure &&
    at 2026-12-10T10:00:00Z && promote 0 hold $K prod --reason "INC-2 orders failing" &&
    at 2026-12-10T11:00:00Z && promote 0 unhold $K prod --reason "INC-2 fixed" &&
    commit M1 2026-12-16T08:00:00Z && git checkout -q -b side "$C2" && commit S 2026-12-16T09:00:00Z &&
    git checkout -q main &&
    GIT_AUTHOR_NAME=T GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=T GIT_COMMITTER_EMAIL=t@example.com \
        GIT_AUTHOR_DATE=2026-12-16T10:00:00Z GIT_COMMITTER_DATE=2026-12-16T10:00:00Z \
        git merge -q --no-ff -m "Merge side" side && C3=$(git rev-parse HEAD) &&
    [ "$(git rev-list --count "$C2..$C3")" = 3 ] &&
    ship "$C3" 2026-12-17T10:00:00Z &&
    at 2026-12-18T10:00:00Z && promote 0 record deployed $K --env prod --commit "$C3" --result success &&
    at 2026-12-20T10:00:00Z && promote 0 hold $K sit --reason "sit freeze" &&
    at 2027-01-05T00:00:00Z'
W="--since 2026-12-01 --until 2026-12-28"

check 'JSON: the window, the checkpoint and the command that verifies it' eval 'promote 0 report $W --format json &&
    jq_is "d[\"schema_version\"]" 1 && jq_is "d[\"env\"]" prod &&
    jq_is "d[\"window\"][\"since\"]" 2026-12-01T00:00:00Z && jq_is "d[\"window\"][\"until\"]" 2026-12-29T00:00:00Z &&
    jq_is "d[\"window\"][\"days\"]" 28.0 &&
    n=$(git rev-list --count refs/promote/audit) && jq_is "d[\"repositories\"][0][\"checkpoint\"][\"size\"]" "$n" &&
    root=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[\"repositories\"][0][\"checkpoint\"][\"root\"])" "$OUT") &&
    jq_is "d[\"repositories\"][0][\"checkpoint\"][\"verify\"]" "promote audit verify --expect $n:$root" &&
    promote 0 audit verify --expect "$n:$root"'
check 'JSON: deployment frequency (3 changes; the repeated report is none)' eval 'promote 0 report $W --format json &&
    jq_is "d[\"dora\"][\"deployment_frequency\"][\"deployments\"]" 3 &&
    jq_is "round(d[\"dora\"][\"deployment_frequency\"][\"per_week\"], 6)" 0.75 &&
    jq_is "d[\"dora\"][\"deployment_frequency\"][\"band\"]" medium'
check 'JSON: lead time over 6 commits, the merge and its side commit once each' eval 'promote 0 report $W --format json &&
    jq_is "d[\"dora\"][\"lead_time\"][\"commits\"]" 6 &&
    jq_is "d[\"dora\"][\"lead_time\"][\"median_seconds\"]" 88200 &&
    jq_is "d[\"dora\"][\"lead_time\"][\"p90_seconds\"]" 93600 &&
    jq_is "d[\"dora\"][\"lead_time\"][\"band\"]" high &&
    jq_is "[b[\"commits\"] for b in d[\"dora\"][\"lead_time\"][\"distribution\"]]" "[0, 1, 5, 0, 0]"'
check 'JSON: change failure rate 1 of 3 (a failed outcome and a hold count once)' eval 'promote 0 report $W --format json &&
    jq_is "d[\"dora\"][\"change_failure_rate\"][\"failed\"]" 1 &&
    jq_is "round(d[\"dora\"][\"change_failure_rate\"][\"rate\"], 4)" 0.3333 &&
    jq_is "d[\"dora\"][\"change_failure_rate\"][\"band\"]" low'
check 'JSON: time to restore, the episode across the window edge included' eval 'promote 0 report $W --format json &&
    jq_is "d[\"dora\"][\"time_to_restore\"][\"restores\"]" 2 &&
    jq_is "d[\"dora\"][\"time_to_restore\"][\"median_seconds\"]" 14400 &&
    jq_is "d[\"dora\"][\"time_to_restore\"][\"p90_seconds\"]" 21600 &&
    jq_is "d[\"dora\"][\"time_to_restore\"][\"open\"]" 0 &&
    jq_is "d[\"dora\"][\"time_to_restore\"][\"band\"]" high'
check 'JSON: the weeks' eval 'promote 0 report $W --format json &&
    jq_is "[w[\"deployments\"] for w in d[\"dora\"][\"weeks\"]]" "[1, 1, 1, 0]" &&
    jq_is "[w[\"failed\"] for w in d[\"dora\"][\"weeks\"]]" "[0, 1, 0, 0]" &&
    jq_is "[w[\"restores\"] for w in d[\"dora\"][\"weeks\"]]" "[1, 1, 0, 0]" &&
    jq_is "d[\"dora\"][\"weeks\"][1][\"start\"]" 2026-12-08T00:00:00Z'
check 'JSON: flow, gates and holds' eval 'promote 0 report $W --format json &&
    jq_is "[[p[\"from\"], p[\"to\"], p[\"decisions\"], p[\"approved\"], p[\"rejected\"]] for p in d[\"flow\"][\"promotions\"]]" "[[\"sit\", \"prod\", 4, 3, 1]]" &&
    jq_is "d[\"flow\"][\"promotions\"][0][\"blocking\"]" "[{\"name\": \"regression-tests\", \"blocked\": 1}]" &&
    jq_is "[[h[\"start\"], h[\"duration_seconds\"]] for h in d[\"holds\"]]" "[[\"2026-11-30T20:00:00Z\", 21600], [\"2026-12-10T10:00:00Z\", 3600]]"'
check 'JSON: the change records' eval 'promote 0 report $W --format json &&
    jq_is "[c[\"commit\"] for c in d[\"changes\"]]" "[\"$C1\", \"$C2\", \"$C3\"]" &&
    jq_is "[c[\"outcome\"] for c in d[\"changes\"]]" "[\"ok\", \"failed\", \"ok\"]" &&
    jq_is "d[\"changes\"][1][\"decision\"][\"verdict\"]" approved &&
    jq_is "[g[\"name\"] for g in d[\"changes\"][0][\"gates\"]]" "[\"regression-tests\", \"security-scan\", \"main-branch\"]" &&
    jq_is "len(d[\"changes\"][0][\"gates\"][0][\"sha256\"])" 64 &&
    jq_is "d[\"changes\"][0][\"promoter\"]" None &&
    jq_is "d[\"changes\"][0][\"separation_of_duties\"][\"gate\"]" None &&
    jq_is "[p[\"requirement\"] for p in d[\"pci_dss\"]]" "[\"6.5.1\", \"6.5.1\", \"6.5.1\", \"6.5.1\", \"6.5.3\", \"6.5.4\"]" &&
    jq_is "d[\"pci_dss\"][1][\"evidence\"][0][\"gaps\"]" "[\"no gate of type role_approval or code_review in sit -> prod\"]" &&
    jq_is "d[\"pci_dss\"][2][\"evidence\"][0][\"changes_with_passing_gate\"]" 3'
check 'JSON: nothing in an empty window' eval 'promote 0 report --since 2027-02-01 --until 2027-03-01 --format json &&
    jq_is "d[\"dora\"][\"deployment_frequency\"][\"deployments\"]" 0 &&
    jq_is "d[\"dora\"][\"lead_time\"][\"median_seconds\"]" None &&
    jq_is "d[\"dora\"][\"change_failure_rate\"][\"rate\"]" None && jq_is "d[\"changes\"]" "[]"'
check 'the default window: the 90 days before now' eval 'promote 0 report --format json &&
    jq_is "d[\"window\"][\"until\"]" 2027-01-05T00:00:01Z && jq_is "d[\"window\"][\"since\"]" 2026-10-07T00:00:01Z &&
    jq_is "d[\"dora\"][\"deployment_frequency\"][\"deployments\"]" 4'
check 'text: the keys, sparklines, the checkpoint; no colour off a terminal' eval 'promote 0 report $W &&
    has "$OUT" "promote report: prod, 2026-12-01T00:00:00Z to 2026-12-29T00:00:00Z (28 days)" &&
    has "$OUT" "3 deployment(s): 0.11/day, 0.75/week  medium" &&
    has "$OUT" "median 1d 0h, p90 1d 2h (6 commit(s))  high" &&
    has "$OUT" "33.3% (1 of 3 deployment(s))  low" &&
    has "$OUT" "promote audit verify --expect" && has "$OUT" "PCI DSS v4.0 requirement 6.5" &&
    has "$OUT" "GAP: no gate of type role_approval or code_review in sit -> prod" &&
    ! grep -q "$(printf "\033")" "$OUT"'
check 'markdown and html' eval 'promote 0 report $W --format markdown &&
    has "$OUT" "| change failure rate | 33.3% (1 of 3) | low |" && has "$OUT" "## PCI DSS v4.0 requirement 6.5" &&
    promote 0 report $W --format html && has "$OUT" "<!DOCTYPE html>" &&
    has "$OUT" "Content-Security-Policy" && [ "$(grep -c "<svg" "$OUT")" = 4 ] &&
    ! grep -Eiq "(src|href)=|url\\(|@import" "$OUT"'
check 'the HTML in headless Chromium: its figures are the JSON'"'"'s, its charts have their bars, it loads nothing' eval '
    promote 0 report $W --format html --out "$TMP/report.html" && promote 0 report $W --format json --out "$TMP/report.json" &&
    mkdir -p "${PROMOTE_ARTIFACTS:-$TMP}" &&
    python3 "$SRCDIR/tests/e2e/report_html.py" "$TMP/report.html" "$TMP/report.json" "${PROMOTE_ARTIFACTS:-$TMP}/report-t0800.png" > "$TMP/chromium.out" 2>&1;
    rc=$?; cat "$TMP/chromium.out" >&2; [ "$rc" = 0 ] || { [ "$rc" = 77 ] && [ -z "${PROMOTE_REQUIRE_CHROMIUM:-}" ] && echo "  skipped: no chromium" >&2; }'
check '--out writes the file atomically, prints nothing' eval 'promote 0 report $W --format html --out "$TMP/r.html" &&
    [ ! -s "$OUT" ] && has "$TMP/r.html" "</html>" && [ -z "$(ls "$TMP" | grep "r.html.tmp")" ] &&
    promote 3 report $W --out "$TMP/no/such/dir/r.html" && has "$ERR" "cannot create"'
check 'several --repo: one view, the repository a column' eval 'cd "$TMP" && cp -R repo repo2 &&
    promote 0 report $W --format json --repo repo --repo repo2 &&
    jq_is "[r[\"name\"] for r in d[\"repositories\"]]" "[\"repo\", \"repo2\"]" &&
    jq_is "d[\"dora\"][\"deployment_frequency\"][\"deployments\"]" 6 &&
    jq_is "d[\"dora\"][\"lead_time\"][\"median_seconds\"]" 88200 &&
    jq_is "sorted(set(c[\"repository\"] for c in d[\"changes\"]))" "[\"repo\", \"repo2\"]" &&
    jq_is "d[\"repositories\"][1][\"checkpoint\"][\"verify\"].startswith(\"promote audit verify --repo repo2 --expect \")" True &&
    cd "$TMP/repo"'
check 'usage errors exit 2' eval 'promote 2 report --format pdf && promote 2 report --since yesterday &&
    promote 2 report --since 2026-12-02 --until 2026-12-01 && promote 2 report --env nowhere &&
    has "$ERR" "unknown environment" && promote 2 report --env prod --env sit && promote 2 report extra'
check 'a tampered log: exit 4, no report' eval 'cd "$TMP" && rm -rf bad && cp -R repo bad && cd bad &&
    tip=$(git rev-parse refs/promote/audit) &&
    tree=$(git rev-parse "$tip^{tree}") &&
    git cat-file -p "$tip:entry.dsse.json" | sed "s/\"sig\":\"./\"sig\":\"A/" > "$TMP/e.json" &&
    blob=$(git hash-object -w "$TMP/e.json") && ck=$(git rev-parse "$tip:checkpoint") &&
    nt=$(printf "100644 blob %s\tcheckpoint\n100644 blob %s\tentry.dsse.json\n" "$ck" "$blob" | git mktree) &&
    nc=$(g commit-tree "$nt" -p "$tip^" -m x) && git update-ref refs/promote/audit "$nc" &&
    rm -f .git/promote/checkpoint && promote 4 report --format json && [ ! -s "$OUT" ] && cd "$TMP/repo"'
finish
