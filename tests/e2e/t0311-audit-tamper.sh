#!/bin/sh
# The tamper suite: every change to the log is detected (exit 4) and named; changing
# only the keyid hint breaks no signature.
. "$SRCDIR/tests/e2e/lib.sh"
make_key ci
make_key stranger
trust_keys "$SRCDIR/tests/e2e/policies/files.json" "$TMP/policy.json" ci
make_repo "$TMP/repo" "$TMP/policy.json"
cd "$TMP/repo" || exit 1
for i in 1 2 3 4; do "$PROMOTE" --key "$TMP/ci.key" dev sit >/dev/null || exit 1; done
"$PROMOTE" --key "$TMP/ci.key" sit prod >/dev/null || exit 1
# an entry signed by an untrusted key, and one signed by the trusted key about another commit
mkdir "$TMP/other" && make_repo "$TMP/other/repo" "$TMP/policy.json" && (
    cd "$TMP/other/repo" && trust_keys "$TMP/policy.json" "$TMP/p2.json" ci stranger &&
    commit_policy "$TMP/p2.json" &&
    "$PROMOTE" --key "$TMP/stranger.key" dev sit >/dev/null &&
    git show refs/promote/audit:entry.dsse.json > "$TMP/untrusted.line" &&
    "$PROMOTE" --key "$TMP/ci.key" --commit develop~1 sit prod >/dev/null
    git show refs/promote/audit:entry.dsse.json > "$TMP/othercommit.line")
rm -rf "$HOME/.cache"
cp -r "$TMP/repo" "$TMP/pristine"
# a log read from its first entry is read two entries at a time (promote-test only), so
# that a tamper is caught across batches as within one
PROMOTE_BATCH=2
export PROMOTE_BATCH

# tampered OP ARGS... -- WHY: a fresh copy, tampered, must fail verification naming WHY
# (KEEP_STATE=1: the copy keeps what the clone remembers of the pristine log, so the
# verify is incremental and its remembered state predates the tamper; else it forgets
# it, as a fresh clone's full verify does)
tampered() {
    rm -rf "$TMP/t" && cp -r "$TMP/pristine" "$TMP/t" && cd "$TMP/t" &&
        { [ "${KEEP_STATE:-0}" = 1 ] || rm -f .git/promote/checkpoint; } &&
        python3 "$SRCDIR/tests/e2e/tamper.py" . "$@" >/dev/null
}
detects() { # detects WHY OP ARGS...
    why=$1
    shift
    tampered "$@" || return 1
    promote 4 audit verify; rc=$?
    cd "$TMP/repo"
    [ $rc -eq 0 ] && has "$ERR" "$why"
}

check 'the pristine log verifies' eval 'promote 0 audit verify && has "$OUT" "5 entries"'
# every case twice: a fresh clone's full verify, and an incremental verify whose
# remembered state predates the tamper
for KEEP_STATE in 0 1; do
    how="fresh clone, full verify"
    [ "$KEEP_STATE" = 1 ] && how="incremental verify, state from before the tamper"
    check "one flipped payload byte ($how)" detects 'seq 3: bad signature' flip-payload 3
    check "one flipped signature byte ($how)" detects 'seq 2: bad signature' flip-sig 2
    check "a changed payloadType ($how)" detects 'seq 4: payloadType is not application/vnd.in-toto+json' payload-type 4
    check "a truncated signature ($how)" detects 'seq 1: bad signature' truncate-sig 1
    check "duplicate JSON keys in an envelope ($how)" detects 'seq 2' dup-keys 2
    check "a deleted entry ($how)" detects 'seq 3: entry says seq 4 (a gap: the entry of seq 3 is missing)' delete 3
    check "a duplicated entry ($how)" detects 'seq 3: entry says seq 2 (a duplicate: seq 2 is also at position 2)' duplicate 2
    check "reordered entries ($how)" detects 'seq 2: entry says seq 3 (reordered: the entry of seq 2 is at position 3)' swap 2 3
    check "an entry signed by an untrusted key ($how)" detects 'seq 2: not signed by any trusted key' replace 2 "$TMP/untrusted.line"
    check "an entry signed by the real key about another commit ($how)" detects 'seq 5: entry says seq 2 (a duplicate: seq 2 is also at position 2)' replace 5 "$TMP/othercommit.line"
    check "a merge in the log ($how)" detects 'forks' merge
done
# the keyid is an unauthenticated hint: the signatures still verify (no "bad signature",
# no "unknown key"); only the checkpoint, which covers the entry bytes, sees the change
check 'a changed keyid hint does not break the signatures' eval 'tampered keyid 3 && promote 4 audit verify; rc=$?; cd "$TMP/repo";
    [ $rc -eq 0 ] && has "$ERR" "seq 5: the checkpoint (size 5) does not match the log" && hasnt "$ERR" "signature" && hasnt "$ERR" "unknown key"'
check 'truncation is caught by the checkpoint this clone saw' eval 'promote 0 audit verify &&
    python3 "$SRCDIR/tests/e2e/tamper.py" . truncate 3 >/dev/null && promote 4 audit verify &&
    has "$ERR" "the log has 3 entries but the checkpoint this clone saw had 5 (truncation or rollback)"'
# an attacker's clone: truncated to 3, then 3 new entries signed with the real key
rm -rf "$TMP/a" && cp -r "$TMP/pristine" "$TMP/a" && (cd "$TMP/a" && rm -f .git/promote/checkpoint &&
    python3 "$SRCDIR/tests/e2e/tamper.py" . truncate 3 >/dev/null &&
    "$PROMOTE" --key "$TMP/ci.key" --evidence unit-tests="$FIX/junit/pytest-py_low.xml" dev sit >/dev/null;
    "$PROMOTE" --key "$TMP/ci.key" dev sit >/dev/null && "$PROMOTE" --key "$TMP/ci.key" dev sit >/dev/null)
rm -rf "$TMP/b" && cp -r "$TMP/pristine" "$TMP/b" && cd "$TMP/b" && "$PROMOTE" audit verify >/dev/null
git fetch -q "$TMP/a" +refs/promote/audit:refs/promote/audit
check 'the rewritten log itself is well formed (6 entries, real signatures)' eval '(cd "$TMP/a" && promote 0 audit verify) && has "$OUT" "6 entries"'
check 'a history rewritten and re-signed with the real key is caught' eval 'promote 4 audit verify &&
    has "$ERR" "the first 5 entries no longer match the checkpoint this clone saw (history was rewritten)"'
check 'a promotion refuses to append to a tampered log' eval 'promote 4 --key "$TMP/ci.key" dev sit &&
    has "$ERR" "the audit log does not verify; nothing was evaluated" && [ ! -s "$OUT" ]'
finish
