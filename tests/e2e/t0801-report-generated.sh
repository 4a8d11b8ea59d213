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

# compare ENV SINCE UNTIL [NEED...]: the report's numbers are the rules' (dora_oracle.py),
# and the window holds what NEED names
compare() {
    c_env=$1 c_since=$2 c_until=$3
    shift 3
    promote 0 report --env "$c_env" --since "$c_since" --until "$c_until" --format json &&
        cp "$OUT" "$TMP/report.json" && "$PROMOTE" audit export --no-remote >"$TMP/export" &&
        python3 "$SRCDIR/tests/e2e/dora_oracle.py" "$c_env" "$c_since" "$c_until" \
            "$TMP/report.json" "$@" <"$TMP/export"
}
W1="2026-03-02T00:00:00Z"
W2="2026-03-07T00:00:00Z"
check 'prod: the four keys and the flow are the rules'"'"' (failures, rollbacks, holds)' compare prod "$W1" "$W2" deployments failures restores holds
check 'sit: the four keys and the flow are the rules'"'"'' compare sit "$W1" "$W2" deployments
check 'dev: the four keys and the flow are the rules'"'"'' compare dev "$W1" "$W2" deployments
check 'prod over a window that starts before the log and ends inside it' compare prod 2026-02-20T00:00:00Z 2026-03-04T12:00:00Z deployments
check 'prod over the whole log' compare prod 2026-02-01T00:00:00Z 2026-04-01T00:00:00Z deployments failures holds
check 'a second report reads the index it left: the same document' eval '
    promote 0 report --env prod --since "$W1" --until "$W2" --format json && cp "$OUT" "$TMP/a.json" &&
    rm -f .git/promote/index.sqlite &&
    promote 0 report --env prod --since "$W1" --until "$W2" --format json && cmp "$OUT" "$TMP/a.json"'
finish
