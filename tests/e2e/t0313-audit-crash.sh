#!/bin/sh
# A kill at any instant of an append leaves the log verifiable, with or without the
# whole entry, and its index consistent with it: at each named step (a test build stops
# itself there), and at 50 random moments.
. "$SRCDIR/tests/e2e/lib.sh"
make_key ci
trust_keys "$SRCDIR/tests/e2e/policies/files.json" "$TMP/policy.json" ci
make_repo "$TMP/repo" "$TMP/policy.json"
cd "$TMP/repo" || exit 1
"$PROMOTE" --key "$TMP/ci.key" dev sit >/dev/null || exit 1

count() { git rev-list --count refs/promote/audit; }
# indexed: what the index answers (every entry, JSON) is what an index made again from the
# log answers
indexed() {
    promote 0 audit log --reverse --json && cp "$OUT" "$TMP/indexed.json" &&
        rm -f .git/promote/index.sqlite .git/promote/index.sqlite-journal &&
        promote 0 audit log --reverse --json && cmp -s "$OUT" "$TMP/indexed.json" &&
        [ "$(wc -l <"$OUT")" -eq "$(count)" ]
}

for step in before-objects before-ref after-ref index-before-commit index-after-commit; do
    check "killed at $step: the log verifies, the index is the log's" eval 'n=$(count);
        PROMOTE_CRASH_AT='$step' "$PROMOTE" --key "$TMP/ci.key" dev sit >/dev/null 2>&1; rc=$?;
        [ $rc -eq 137 ] && promote 0 audit verify && m=$(count) &&
        { [ "$m" = "$n" ] || [ "$m" = $((n + 1)) ]; } && indexed'
done
check 'the hooks are real: before-ref leaves the log unchanged, after-ref has the entry' eval '
    n=$(count); PROMOTE_CRASH_AT=before-ref "$PROMOTE" --key "$TMP/ci.key" dev sit >/dev/null 2>&1; [ "$(count)" = "$n" ] &&
    PROMOTE_CRASH_AT=after-ref "$PROMOTE" --key "$TMP/ci.key" dev sit >/dev/null 2>&1; [ "$(count)" = $((n + 1)) ]'
bad=0
i=0
while [ $i -lt 50 ]; do
    "$PROMOTE" --key "$TMP/ci.key" dev sit >/dev/null 2>&1 &
    pid=$!
    # a random moment within a run (a run takes some tens of milliseconds)
    sleep "0.0$(python3 -c 'import random; print(random.randint(0, 99))' | sed 's/^\(.\)$/0\1/')"
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    "$PROMOTE" audit verify >/dev/null 2>"$TMP/verify.err" || { bad=$((bad + 1)); cat "$TMP/verify.err" >&2; }
    i=$((i + 1))
done
check '50 random kills: the log always verifies, the index is the log'"'"'s' eval '[ $bad -eq 0 ] && indexed'
check 'and appending still works afterwards' eval 'promote 0 --key "$TMP/ci.key" dev sit && promote 0 audit verify'

# With a remote: a kill at every step between the local ref update and the push, then
# 'audit verify --no-remote' (which remembers the entry the remote lacks), then a normal
# run. The entry is never dropped nor taken for a rollback: the next run pushes it
# (re-chained after the remote's entries when another clone pushed meanwhile), and the
# log verifies in this clone, on the remote and in a fresh clone.
git init -q --bare -b main "$TMP/remote.git" && git remote add origin "$TMP/remote.git" &&
    git push -q origin main develop release && git fetch -q origin || exit 1
git clone -q "$TMP/remote.git" "$TMP/other" && (cd "$TMP/other" && git branch -q develop origin/develop &&
    git branch -q release origin/release && mkdir -p reports && cp "$SRCDIR"/examples/bbws/reports/* reports/) || exit 1
"$PROMOTE" audit push --key "$TMP/ci.key" >/dev/null || exit 1
rcount() { git -C "$TMP/remote.git" rev-list --count refs/promote/audit; }
verified_everywhere() { # N: this clone, the remote and a fresh clone verify N entries
    promote 0 audit verify && has "$OUT" "audit log intact: $1 entries" &&
        (cd "$TMP/remote.git" && "$PROMOTE" audit verify --no-remote >"$OUT" 2>"$ERR") &&
        has "$OUT" "audit log intact: $1 entries" &&
        rm -rf "$TMP/fresh" && git clone -q "$TMP/remote.git" "$TMP/fresh" &&
        (cd "$TMP/fresh" && "$PROMOTE" audit verify >"$OUT" 2>"$ERR") && has "$OUT" "audit log intact: $1 entries"
}
# killed STEP MOVED: a run killed at STEP; verify --no-remote; another clone pushes when
# MOVED; then the next run; both runs' decisions reach the remote
killed() {
    n=$(rcount) && m=$n
    PROMOTE_CRASH_AT=$1 "$PROMOTE" --key "$TMP/ci.key" dev sit >/dev/null 2>&1
    [ $? -eq 137 ] || { echo "  not killed at $1" >&2; return 1; }
    promote 0 audit verify --no-remote || return 1
    if [ "$2" = moved ]; then
        (cd "$TMP/other" && "$PROMOTE" record dr-test --key "$TMP/ci.key" --env prod --result pass >/dev/null) || return 1
        m=$((n + 1))
    fi
    promote 0 --key "$TMP/ci.key" dev sit && has "$OUT" "recorded: seq $((m + 2))" &&
        [ "$(rcount)" = $((m + 2)) ] && verified_everywhere $((m + 2))
}
for step in after-ref before-push after-push; do
    check "killed at $step, then a normal run: both runs' entries reach the remote" killed $step same
    check "killed at $step, another clone pushes, then a normal run: re-chained and pushed" killed $step moved
done
check 'the steps are real: before-push leaves the remote alone, after-push has pushed' eval '
    n=$(rcount); PROMOTE_CRASH_AT=before-push "$PROMOTE" --key "$TMP/ci.key" dev sit >/dev/null 2>&1;
    [ "$(rcount)" = "$n" ] && [ "$(count)" = $((n + 1)) ] &&
    promote 0 --key "$TMP/ci.key" dev sit && [ "$(rcount)" = $((n + 2)) ] &&
    PROMOTE_CRASH_AT=after-push "$PROMOTE" --key "$TMP/ci.key" dev sit >/dev/null 2>&1;
    [ "$(rcount)" = $((n + 3)) ] && [ "$(count)" = $((n + 3)) ] && verified_everywhere $((n + 3))'
# a kill in the middle of the recovery itself: the re-chained entries are in place, not pushed
check 'killed right after re-chaining, then a normal run: pushed' eval 'n=$(rcount);
    PROMOTE_CRASH_AT=after-ref "$PROMOTE" --key "$TMP/ci.key" dev sit >/dev/null 2>&1;
    (cd "$TMP/other" && "$PROMOTE" record dr-test --key "$TMP/ci.key" --env prod --result pass >/dev/null) &&
    PROMOTE_CRASH_AT=after-rechain "$PROMOTE" --key "$TMP/ci.key" dev sit >/dev/null 2>&1; [ $? -eq 137 ] &&
    [ "$(rcount)" = $((n + 1)) ] && promote 0 audit verify --no-remote &&
    promote 0 --key "$TMP/ci.key" dev sit && [ "$(rcount)" = $((n + 3)) ] && verified_everywhere $((n + 3))'
finish
