#!/bin/sh
# A full disk, for real: the repository on a small tmpfs (in a mount namespace of its
# own, where the system permits one; a file size limit stands in for it in t0740). With
# no room at all, the promotion ends in exit 3 naming the full disk and appends nothing.
# Then with a little more room at each step, from 4 KiB up, it runs out at whichever
# write comes first: the entry's objects, the ref, the remembered state, the index, the
# deploy tag or the deployment's entry. Every run ends in exit 0
# (two entries: the decision and the deployment) or in exit 3 naming what failed, never a
# signal, and leaves a log of complete entries that verifies, with no lock behind it.
. "$SRCDIR/tests/e2e/lib.sh"

if [ -z "${PROMOTE_IN_NS:-}" ]; then
    ns=-rm
    [ "$(id -u)" = 0 ] && ns=-m
    if ! unshare $ns sh -c 'mkdir -p "$1" && mount -t tmpfs -o size=64k tmpfs "$1"' sh \
        "$TMP/probe" 2>/dev/null; then
        echo "# skipped: no mount namespace with a tmpfs here (t0740 limits the file size)"
        echo "ok - skipped"
        exit 0
    fi
    cd / && rm -rf "$TMP" # exec skips the exit trap: the run in the namespace makes its own
    PROMOTE_IN_NS=1 exec unshare $ns sh "$0"
fi

make_key ci
trust_keys "$SRCDIR/tests/e2e/policies/files.json" "$TMP/policy.json" ci
tag_policy "$TMP/policy.json" "$TMP/tags.json" || exit 1
make_repo "$TMP/made" "$TMP/tags.json"
"$PROMOTE" --key "$TMP/ci.key" --repo "$TMP/made" dev sit >/dev/null || exit 1
mkdir -p "$TMP/small" && mount -t tmpfs -o size=16m tmpfs "$TMP/small" || exit 1
cp -a "$TMP/made" "$TMP/small/repo" && cd "$TMP/small/repo" || exit 1
K="--key $TMP/ci.key"

count() { git rev-list --count refs/promote/audit; }
after() { # N: the log verifies with N entries, and nothing is left locked
    [ "$(count)" = "$1" ] || { echo "  the log has $(count) entries, expected $1" >&2; return 1; }
    left=$(find .git -name '*.lock')
    [ -z "$left" ] || { echo "  lock files left: $left" >&2; return 1; }
    flock -n .git/promote/lock true || { echo "  .git/promote/lock is still held" >&2; return 1; }
    promote 0 audit verify && has "$OUT" "audit log intact: $1 entries"
}
# fill KIB: leave about KIB KiB free on the tmpfs (0: none)
fill() {
    rm -f "$TMP/small/fill"
    dd if=/dev/zero of="$TMP/small/fill" bs=4096 2>/dev/null
    if [ "$1" -gt 0 ]; then
        blocks=$(($(stat -c %s "$TMP/small/fill") / 4096 - $1 / 4))
        truncate -s $((blocks * 4096)) "$TMP/small/fill"
    fi
}
room() { rm -f "$TMP/small/fill"; }

n=$(count)
fill 0
"$PROMOTE" $K dev sit >"$OUT" 2>"$ERR"
got=$?
room
check 'no room at all: exit 3, named, nothing appended' eval '[ "$got" = 3 ] &&
    { has "$ERR" "No space left on device" || has "$ERR" "database or disk is full"; } &&
    hasnt "$OUT" "recorded" && after $n'

failed=0
done_ok=0
for kib in 4 8 12 16 24 32 48 64 96 128 192 256; do
    n=$(count)
    fill $kib
    "$PROMOTE" $K dev sit >"$OUT" 2>"$ERR"
    got=$?
    room
    case $got in
    0) done_ok=$((done_ok + 1)) ;;
    3) failed=$((failed + 1)) ;;
    *) ;;
    esac
    check "$kib KiB free: exit $got, the log whole" eval '{ { [ "$got" = 0 ] && after $((n + 2)); } ||
        { [ "$got" = 3 ] && { has "$ERR" "No space left on device" ||
          has "$ERR" "database or disk is full" || has "$ERR" "is the disk full"; } &&
          [ "$(count)" -ge $n ] && [ "$(count)" -le $((n + 2)) ] && after "$(count)"; }; }'
done
check 'some runs ran out of room, and with enough they went through' eval '[ $failed -gt 0 ] &&
    [ $done_ok -gt 0 ]'
check 'with room again, the next promotion records and tags' eval 'n=$(count);
    promote 0 $K dev sit && has "$OUT" "recorded: seq $((n + 1))" && after $((n + 2))'
cd "$TMP" && umount "$TMP/small"
finish
