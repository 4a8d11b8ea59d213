#!/bin/sh
# Concurrent appends (signed DR-test entries): 2 processes x 50 appends to one local log, and 2 clones x 50
# pushing to one bare remote: 100 entries each time, one unbroken chain.
. "$SRCDIR/tests/e2e/lib.sh"
make_key ci
trust_keys "$SRCDIR/tests/e2e/policies/files.json" "$TMP/policy.json" ci
make_repo "$TMP/repo" "$TMP/policy.json"
cd "$TMP/repo" || exit 1
N=${PROMOTE_CONCURRENCY_N:-50}

appends() { # appends DIR N
    (cd "$1" && i=0 && while [ $i -lt "$2" ]; do
        "$PROMOTE" record dr-test --key "$TMP/ci.key" --env prod --result pass >/dev/null 2>>"$TMP/append.err" || echo fail >>"$TMP/fails"
        i=$((i + 1))
    done)
}

appends "$TMP/repo" "$N" & p1=$!
appends "$TMP/repo" "$N" & p2=$!
wait $p1 $p2
check 'every local append succeeded' eval '[ ! -s "$TMP/fails" ] || { cat "$TMP/append.err" >&2; false; }'
check "2 x $N local appends: $((2 * N)) entries, one chain" eval 'promote 0 audit verify --no-remote &&
    has "$OUT" "audit log intact: $((2 * N)) entries"'

# the very first entry: four appenders creating the log at once, ten times over
firsts() {
    r=0
    while [ $r -lt 10 ]; do
        git update-ref -d refs/promote/audit 2>/dev/null
        rm -f .git/promote/checkpoint
        for p in 1 2 3 4; do
            "$PROMOTE" record dr-test --key "$TMP/ci.key" --env prod --result pass >/dev/null 2>>"$TMP/first.err" &
        done
        wait
        n=$(git rev-list --count refs/promote/audit)
        [ "$n" = 4 ] || { echo "  round $r: $n entries" >&2; return 1; }
        r=$((r + 1))
    done
}
check 'four appenders creating the log at once: four entries, every time' firsts
git update-ref -d refs/promote/audit && rm -f .git/promote/checkpoint

# two clones of one bare remote
git init -q --bare "$TMP/remote.git"
git push -q "$TMP/remote.git" main develop release
git clone -q "$TMP/remote.git" "$TMP/c1" && git clone -q "$TMP/remote.git" "$TMP/c2"
for c in c1 c2; do
    (cd "$TMP/$c" && git branch -q develop origin/develop && git branch -q release origin/release &&
        mkdir -p reports && cp "$SRCDIR"/examples/bbws/reports/* reports/)
done
rm -f "$TMP/fails"
appends "$TMP/c1" "$N" & p1=$!
appends "$TMP/c2" "$N" & p2=$!
wait $p1 $p2
check 'every pushed append succeeded' eval '[ ! -s "$TMP/fails" ] || { grep -v "^warning" "$TMP/append.err" | sort | uniq -c >&2; false; }'
check "2 clones x $N pushes: $((2 * N)) entries on the remote" eval 'cd "$TMP/c1" && promote 0 audit verify &&
    has "$OUT" "audit log intact: $((2 * N)) entries"; rc=$?; cd "$TMP/repo"; [ $rc -eq 0 ]'
check 'both clones see the same log' eval '(cd "$TMP/c2" && "$PROMOTE" audit verify >/dev/null) &&
    [ "$(git -C "$TMP/c1" rev-parse refs/promote/audit)" = "$(git -C "$TMP/c2" rev-parse refs/promote/audit)" ] &&
    [ "$(git -C "$TMP/remote.git" rev-parse refs/promote/audit)" = "$(git -C "$TMP/c1" rev-parse refs/promote/audit)" ]'
check 'a force-pushed shorter remote ref is caught' eval 'git -C "$TMP/remote.git" update-ref refs/promote/audit "$(git -C "$TMP/remote.git" rev-parse refs/promote/audit~3)" &&
    cd "$TMP/c1" && promote 4 audit verify && has "$ERR" "truncation or rollback"; rc=$?; cd "$TMP/repo"; [ $rc -eq 0 ]'
finish
