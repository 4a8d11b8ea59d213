#!/bin/sh
# A kill at any instant of an append leaves the log verifiable, with or without the
# whole entry: at each named step (a test build stops itself there), and at 50
# random moments.
. "$SRCDIR/tests/e2e/lib.sh"
make_key ci
trust_keys "$SRCDIR/tests/e2e/policies/files.json" "$TMP/policy.json" ci
make_repo "$TMP/repo" "$TMP/policy.json"
cd "$TMP/repo" || exit 1
"$PROMOTE" --key "$TMP/ci.key" dev sit >/dev/null || exit 1

count() { git rev-list --count refs/promote/audit; }

for step in before-objects before-ref after-ref; do
    check "killed at $step: the log verifies" eval 'n=$(count);
        PROMOTE_CRASH_AT='$step' "$PROMOTE" --key "$TMP/ci.key" dev sit >/dev/null 2>&1; rc=$?;
        [ $rc -eq 137 ] && promote 0 audit verify && m=$(count) &&
        { [ "$m" = "$n" ] || [ "$m" = $((n + 1)) ]; }'
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
check '50 random kills: the log always verifies' eval '[ $bad -eq 0 ]'
check 'and appending still works afterwards' eval 'promote 0 --key "$TMP/ci.key" dev sit && promote 0 audit verify'
finish
