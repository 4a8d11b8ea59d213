#!/bin/sh
# The installed promote ($PROMOTE_RELEASE, cmd/launcher.c) answers --version without
# loading the tool, loads the tool beside it (libpromote.so) for every other command, and
# says so when the tool is missing. Its answers are promote-test's ($PROMOTE).
. "$SRCDIR/tests/e2e/lib.sh"
: "${PROMOTE_RELEASE:?PROMOTE_RELEASE must name the installed promote}"

release() {
    want=$1
    shift
    run "$want" "$PROMOTE_RELEASE" "$@"
}

make_repo "$TMP/repo"
check '--version is promote-test'"'"'s line' eval 'promote 0 --version && cp "$OUT" "$TMP/v" &&
    release 0 --version && cmp "$TMP/v" "$OUT" && has "$OUT" "promote 0."'
check '--help comes from the tool' eval 'promote 0 --help && cp "$OUT" "$TMP/h" &&
    release 0 --help && cmp "$TMP/h" "$OUT"'
check 'a usage error is the tool'"'"'s' eval 'release 2 check dev && has "$ERR" "expected two environments"'
check 'check runs in the tool, as promote-test runs it' eval 'cd "$TMP/repo" &&
    promote 0 check dev sit && cp "$OUT" "$TMP/c" && release 0 check dev sit &&
    cmp "$TMP/c" "$OUT" && has "$OUT" "verdict: approved"; rc=$?; cd "$TMP"; [ $rc -eq 0 ]'
check 'and a rejection exits 1' eval 'cd "$TMP/repo" &&
    release 1 check --evidence unit-coverage="$FIX/cobertura/coveragepy-py_low.xml" dev sit;
    rc=$?; cd "$TMP"; [ $rc -eq 0 ]'

# without the tool beside it (nor in ../lib*/promote), promote says what is missing
mkdir -p "$TMP/alone"
cp "$PROMOTE_RELEASE" "$TMP/alone/promote"
check '--version needs no tool' eval 'run 0 "$TMP/alone/promote" --version && cmp "$TMP/v" "$OUT"'
check 'a command without the tool: exit 3' eval 'run 3 "$TMP/alone/promote" status &&
    has "$ERR" "cannot load the tool" && has "$ERR" "libpromote.so"'
# a tool that is not one: the loader's reason
printf 'not a shared object\n' >"$TMP/alone/libpromote.so"
check 'a broken tool: exit 3 with the reason' eval 'run 3 "$TMP/alone/promote" status &&
    has "$ERR" "cannot load the tool"'
finish
