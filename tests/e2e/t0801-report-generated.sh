#!/bin/sh
# promote report over a generated log: the log generator of the benchmark (bench/gen_log.c,
# promote's own append code) writes a few hundred entries of the realistic mix (changes
# through dev, sit and prod, failed deployments with rollbacks, holds, DR tests), and the
# four keys and the flow the report gives for each environment must be the numbers the
# rules of docs/report.md give, worked out again apart from promote (dora_oracle.py).
. "$SRCDIR/tests/e2e/lib.sh"
: "${PROMOTE_GEN:?PROMOTE_GEN must name promote-bench-gen}"
make_key ci
trust_keys "$SRCDIR/tests/e2e/policies/files.json" "$TMP/policy.json" ci
make_repo "$TMP/repo" "$TMP/policy.json"
cd "$TMP/repo" || exit 1
# 120 commits on a branch, six hours apart from 2026-02-01 (git fast-import), for the changes
python3 - <<'PY' | git fast-import --quiet
t0 = 1769904000  # 2026-02-01T00:00:00Z
for i in range(120):
    msg = "change %d\n" % i
    print("commit refs/heads/gen\ncommitter T <t@example.com> %d +0000\ndata %d\n%s%s"
          % (t0 + i * 21600, len(msg), msg, "from refs/heads/main^0\n" if i == 0 else ""))
PY
git rev-list --reverse gen ^main >"$TMP/commits"
START=1772323200 # 2026-03-01T00:00:00Z; an entry every 15 minutes: 800 entries, 8.3 days
check 'the generator writes 800 entries through the append code' eval '
    run 0 "$PROMOTE_GEN" --repo . --key "$TMP/ci.key" --count 800 --commits "$TMP/commits" --start $START &&
    has "$OUT" "800 entries" && promote 0 audit verify --no-remote && has "$OUT" "intact: 800 entries"'
check 'the commits are the 120 written' eval '[ "$(wc -l <"$TMP/commits")" = 120 ]'

# compare ENV SINCE UNTIL [holds]: the report's numbers are the oracle's (and holds in the window)
compare() {
    promote 0 report --env "$1" --since "$2" --until "$3" --format json && cp "$OUT" "$TMP/report.json" &&
        "$PROMOTE" audit export --no-remote >"$TMP/export" &&
        python3 "$SRCDIR/tests/e2e/dora_oracle.py" "$1" \
            "$(date -u -d "$2" +%s)" "$(date -u -d "$3" +%s)" <"$TMP/export" >"$TMP/oracle.json" &&
        python3 - "$TMP/report.json" "$TMP/oracle.json" "${4:-}" <<'PY'
import calendar, json, sys, time
epoch = lambda s: calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))
r, o = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
d = r["dora"]
got = dict(deployments=d["deployment_frequency"]["deployments"],
           per_day=round(d["deployment_frequency"]["per_day"], 9),
           weeks=[w["deployments"] for w in d["weeks"]],
           lead_commits=d["lead_time"]["commits"], lead_median=d["lead_time"]["median_seconds"],
           lead_p90=d["lead_time"]["p90_seconds"], failed=d["change_failure_rate"]["failed"],
           rate=d["change_failure_rate"]["rate"], restores=d["time_to_restore"]["restores"],
           restore_median=d["time_to_restore"]["median_seconds"],
           restore_p90=d["time_to_restore"]["p90_seconds"], open=d["time_to_restore"]["open"],
           promotions={"%s->%s" % (p["from"], p["to"]): dict(decisions=p["decisions"],
                       approved=p["approved"], rejected=p["rejected"])
                       for p in r["flow"]["promotions"]},
           holds=[dict(kind=h["kind"], start=epoch(h["start"]),
                       end=epoch(h["end"]) if h["end"] else None, duration=h["duration_seconds"])
                  for h in r["holds"]])
o["per_day"] = round(o["per_day"], 9)
bad = [k for k in o if got[k] != o[k] and not (isinstance(o[k], float) and abs(got[k] - o[k]) < 1e-9)]
for k in bad:
    print("  %s: the report says %r, the rules say %r" % (k, got[k], o[k]))
# the window must hold something to compare
if o["deployments"] == 0 or (sys.argv[3] == "holds" and not o["holds"]) or d["lead_time"]["deployments_undated"] != 0:
    print("  nothing to compare: %r" % o)
    bad.append("empty")
sys.exit(1 if bad else 0)
PY
}
W1="2026-03-02T00:00:00Z"
W2="2026-03-07T00:00:00Z"
check 'prod: the four keys and the flow are the rules'"'"' (failures, rollbacks, holds)' compare prod "$W1" "$W2" holds
check 'prod: failures, rollbacks and holds are in the window' eval '
    python3 -c "import json,sys; d=json.load(open(sys.argv[1]))[\"dora\"]; sys.exit(0 if d[\"change_failure_rate\"][\"failed\"] > 0 and d[\"time_to_restore\"][\"restores\"] > 0 else 1)" "$TMP/report.json"'
check 'sit: the four keys and the flow are the rules'"'"'' compare sit "$W1" "$W2"
check 'dev: the four keys and the flow are the rules'"'"'' compare dev "$W1" "$W2"
check 'prod over a window that starts before the log and ends inside it' compare prod 2026-02-20T00:00:00Z 2026-03-04T12:00:00Z
check 'prod over the whole log' compare prod 2026-02-01T00:00:00Z 2026-04-01T00:00:00Z
check 'a second report reads the index it left: the same document' eval '
    promote 0 report --env prod --since "$W1" --until "$W2" --format json && cp "$OUT" "$TMP/a.json" &&
    rm -f .git/promote/index.sqlite &&
    promote 0 report --env prod --since "$W1" --until "$W2" --format json && cmp "$OUT" "$TMP/a.json"'
finish
