#!/bin/sh
# Disk and signal faults during a promotion: a file size limit (EFBIG, as a full disk
# fails a write), a read-only repository, a ref locked by a killed git process, and
# SIGINT/SIGTERM during the evaluation, the append, the wait for the clone's lock and
# the push (before it, and inside it with the remote locked). Each ends in exit 3 naming
# what failed, no partial entry, no lock left, and a log that verifies, unchanged or with
# exactly the one new complete entry.
. "$SRCDIR/tests/e2e/lib.sh"
make_key ci
trust_keys "$SRCDIR/tests/e2e/policies/files.json" "$TMP/policy.json" ci
make_repo "$TMP/repo" "$TMP/policy.json"
cd "$TMP/repo" || exit 1
"$PROMOTE" --key "$TMP/ci.key" dev sit >/dev/null || exit 1
K="--key $TMP/ci.key"

count() { git rev-list --count refs/promote/audit; }
# no lock file of git's, the clone's lock free, no temporary state file
no_locks() {
    left=$(find .git -name '*.lock')
    [ -z "$left" ] || { echo "  lock files left: $left" >&2; return 1; }
    flock -n .git/promote/lock true || { echo "  .git/promote/lock is still held" >&2; return 1; }
    if ls .git/promote | grep -q 'tmp'; then echo "  a temporary state file was left" >&2; return 1; fi
}
# after N: the log verifies with N entries, and nothing is left locked
after() {
    [ "$(count)" = "$1" ] || { echo "  the log has $(count) entries, expected $1" >&2; return 1; }
    no_locks && promote 0 audit verify && has "$OUT" "audit log intact: $1 entries"
}
# fsize BYTES cmd...: cmd with RLIMIT_FSIZE at BYTES and SIGXFSZ at its default (a kill),
# as a shell's 'ulimit -f' leaves it (python itself ignores SIGXFSZ)
fsize() {
    python3 -c 'import os, resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), int(sys.argv[1])))
os.execvp(sys.argv[2], sys.argv[2:])' "$@"
}
# piped cmd...: cmd with its output through pipes (no file size limit stops a message);
# its exit code in $got, its output in $OUT and $ERR
piped() {
    rm -f "$TMP/o.fifo" "$TMP/e.fifo"
    mkfifo "$TMP/o.fifo" "$TMP/e.fifo" || return 1
    cat "$TMP/o.fifo" >"$OUT" &
    c1=$!
    cat "$TMP/e.fifo" >"$ERR" &
    c2=$!
    "$@" >"$TMP/o.fifo" 2>"$TMP/e.fifo"
    got=$?
    wait $c1 $c2
}
# paused STEP SIG [SIG2]: a promotion paused at STEP (promote-test's PROMOTE_PAUSE_AT)
# gets SIG there (then SIG2; SIG fsize0: its file size limit drops to 0 instead); its
# exit code in $got, its output in $OUT and $ERR
paused() {
    rm -f "$TMP/mark" "$TMP/o.fifo" "$TMP/e.fifo"
    # the output through pipes: no file size limit stops the message
    mkfifo "$TMP/o.fifo" "$TMP/e.fifo" || return 1
    cat "$TMP/o.fifo" >"$OUT" &
    c1=$!
    cat "$TMP/e.fifo" >"$ERR" &
    c2=$!
    PROMOTE_PAUSE_AT=$1 PROMOTE_PAUSE_MARK="$TMP/mark" PROMOTE_PAUSE_S=1 \
        "$PROMOTE" $K dev sit >"$TMP/o.fifo" 2>"$TMP/e.fifo" &
    pid=$!
    i=0
    while [ ! -s "$TMP/mark" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
    [ -s "$TMP/mark" ] || { echo "  never reached $1" >&2; kill -9 $pid; wait $pid; return 1; }
    case $2 in
    fsize0) prlimit --pid $pid --fsize=0:0 ;; # no file may grow from now on
    *) kill -"$2" $pid ;;
    esac
    [ -n "${3:-}" ] && sleep 0.1 && kill -"$3" $pid
    wait $pid
    got=$?
    wait $c1 $c2
}
exit3() { # MESSAGE: exit 3 (no signal death) and MESSAGE on stderr
    [ "$got" = 3 ] || { echo "  exit $got, expected 3" >&2; sed 's/^/  stderr: /' "$ERR" >&2; return 1; }
    has "$ERR" "$1"
}

# ---- disk: a file size limit (EFBIG) --------------------------------------------------
check 'file size limit while writing the entry: exit 3, named, nothing appended' eval 'n=$(count);
    piped fsize 1024 "$PROMOTE" $K dev sit;
    exit3 "the decision (approved) could not be recorded: cannot write a blob" &&
    has "$ERR" "File too large" && after $n'
# (a state that does not change is not rewritten: forget it, so that this run must write it)
check 'file size limit on the remembered state: exit 3 before any gate, nothing appended' eval '
    n=$(count); rm -f .git/promote/checkpoint; piped fsize 100 "$PROMOTE" $K dev sit;
    exit3 "cannot write" && has "$ERR" ".git/promote/checkpoint" && has "$ERR" "File too large" &&
    hasnt "$OUT" "verdict" && after $n'
check 'with room again, the next promotion appends' eval 'n=$(count);
    promote 0 $K dev sit && has "$OUT" "recorded: seq $((n + 1))" && after $((n + 1))'
# the index (derived from the log) cannot grow: the run stops after the append, naming the
# index; its transaction leaves it as it was, and the next run brings it up to the log
check 'file size limit on the index: exit 3, named; the index catches up on the next run' eval '
    n=$(count); ix=.git/promote/index.sqlite; size=$(stat -c %s $ix);
    piped fsize $size "$PROMOTE" $K dev sit;
    exit3 "index.sqlite" && has "$ERR" "cannot write: disk I/O error" &&
    [ "$(python3 -c "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(\"select count(*) from entries\").fetchone()[0])" $ix)" = $n ] &&
    after $((n + 1)) &&
    [ "$(python3 -c "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(\"select count(*) from entries\").fetchone()[0])" $ix)" = $((n + 1)) ]'

# ---- disk: a read-only repository ---------------------------------------------------
# As root, chmod does not stop a write: the run is made as nobody, owner of the clone.
if [ "$(id -u)" = 0 ]; then
    chmod 755 "$TMP" && cp "$TMP/ci.key" "$TMP/nobody.key" && chown 65534:65534 "$TMP/nobody.key" || exit 1
    ro() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
    RK="--key $TMP/nobody.key"
    own() { chown -R "$1" "$TMP/repo"; }
    echo "# running as root: the read-only cases run promote as nobody (uid 65534)"
else
    ro() { "$@"; }
    RK=$K
    own() { :; }
fi
readonly_case() { # DIR MESSAGE: DIR of .git read-only during one promotion
    n=$(count)
    own 65534:65534 && chmod -R a-w ".git/$1" &&
        ro "$PROMOTE" $RK dev sit >"$OUT" 2>"$ERR"
    got=$?
    chmod -R u+w ".git/$1"
    own 0:0
    exit3 "$2" && has "$ERR" "ermission denied" && after $n
}
check 'read-only objects: exit 3, named, nothing appended' readonly_case objects \
    "the decision (approved) could not be recorded: cannot write a blob"
check 'read-only refs: exit 3, the ref named, nothing appended' readonly_case refs/promote \
    "the decision (approved) could not be recorded: refs/promote/audit"

# ---- a ref locked by a git process that was killed -----------------------------------
check 'a stale lock on the log ref: exit 3 naming the lock file and its removal, quickly' eval '
    n=$(count); touch .git/refs/promote/audit.lock; t0=$(date +%s);
    "$PROMOTE" $K dev sit >"$OUT" 2>"$ERR"; got=$?; t1=$(date +%s); rm -f .git/refs/promote/audit.lock;
    exit3 "cannot update refs/promote/audit: the lock file" &&
    has "$ERR" ".git/refs/promote/audit.lock'"'"' exists" && has "$ERR" "remove it (rm " &&
    hasnt "$ERR" "lost the race" && [ $((t1 - t0)) -le 5 ] && after $n'
check 'a lock held for a moment by a live writer is waited out' eval 'n=$(count);
    touch .git/refs/promote/audit.lock; (sleep 0.5; rm -f .git/refs/promote/audit.lock) & w=$!;
    promote 0 $K dev sit; rc=$?; wait $w; [ $rc -eq 0 ] && after $((n + 1))'

# ---- signals ---------------------------------------------------------------------------
for s in INT TERM; do
    check "SIG$s during the evaluation: exit 3, nothing recorded" eval 'n=$(count);
        paused evaluate '$s' && exit3 "interrupted by SIG'$s' during the evaluation; nothing was recorded" &&
        after $n'
    for step in before-objects before-ref; do
        check "SIG$s at $step (inside the append): the entry completes, then exit 3" eval 'n=$(count);
            paused '$step' '$s' &&
            exit3 "interrupted by SIG'$s' after recording seq $((n + 1)), before pushing it" &&
            after $((n + 1))'
    done
done
# both land when the append ends: which handler runs first is the kernel's choice
check 'SIGINT then SIGTERM inside the append: one entry, exit 3, no kill' eval 'n=$(count);
    paused before-ref INT TERM && exit3 "after recording seq $((n + 1)), before pushing it" &&
    has "$ERR" "interrupted by SIG" && after $((n + 1))'
check 'a second SIGINT during the evaluation ends the process at once; the log verifies' eval '
    n=$(count); paused evaluate INT INT; [ "$got" = 130 ] && after $n'
check 'SIGINT while waiting for the clone'"'"'s lock: exit 3 at once, naming the lock' eval 'n=$(count);
    rm -f "$TMP/held"; python3 -c "import fcntl, sys, time
f = open(\".git/promote/lock\", \"a\"); fcntl.flock(f, fcntl.LOCK_EX); open(sys.argv[1], \"w\").close(); time.sleep(30)" "$TMP/held" &
    holder=$!; i=0; while [ ! -f "$TMP/held" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done;
    "$PROMOTE" $K dev sit >"$OUT" 2>"$ERR" & pid=$!; sleep 1; kill -INT $pid; t0=$(date +%s);
    wait $pid; got=$?; t1=$(date +%s); { kill $holder; wait $holder; } 2>/dev/null;
    exit3 "interrupted by SIGINT while waiting for the lock" && has "$ERR" ".git/promote/lock" &&
    [ $((t1 - t0)) -le 2 ] && after $n'
check 'and the promotion after all of that appends' eval 'n=$(count);
    promote 0 $K dev sit && after $((n + 1))'

# ---- deploy tags -----------------------------------------------------------------------
tag_policy "$TMP/policy.json" "$TMP/tags.json" || exit 1
make_repo "$TMP/tagrepo" "$TMP/tags.json"
cd "$TMP/tagrepo" || exit 1
export PROMOTE_NOW=2026-11-25T10:00:00Z
TAG=sit-2026.11.25.1
check 'file size limit while writing the tag: exit 3 naming the tag; the decision is whole' eval '
    paused before-tag fsize0;
    exit3 "tag '"'"'$TAG'"'"'" && has "$ERR" "File too large" && has "$OUT" "recorded: seq 1" &&
    [ -z "$(git tag -l)" ] && after 1'
check 'a stale lock on the tag ref: exit 3 naming it; the decision is whole, no tag' eval '
    touch ".git/refs/tags/$TAG.lock"; "$PROMOTE" $K dev sit >"$OUT" 2>"$ERR"; got=$?;
    rm -f ".git/refs/tags/$TAG.lock";
    exit3 "cannot update refs/tags/$TAG: the lock file" && has "$ERR" "$TAG.lock'"'"' exists" &&
    [ -z "$(git tag -l)" ] && after 2'
check 'SIGINT before the tag: exit 3, the decision recorded, nothing tagged' eval '
    paused before-tag INT && exit3 "interrupted by SIGINT before tagging" && [ -z "$(git tag -l)" ] &&
    after 3'
check 'then the promotion tags and records the deployment' eval 'promote 0 $K dev sit &&
    has "$OUT" "deployed: tag $TAG" && [ "$(git tag -l)" = "$TAG" ] && after 5'
unset PROMOTE_NOW
cd "$TMP/repo" || exit 1

# ---- with a remote: the push --------------------------------------------------------------
git init -q --bare -b main "$TMP/remote.git" && git remote add origin "$TMP/remote.git" &&
    git push -q origin main develop release && git fetch -q origin || exit 1
"$PROMOTE" audit push $K >/dev/null || exit 1
rcount() { git -C "$TMP/remote.git" rev-list --count refs/promote/audit; }
check 'SIGINT before the push: exit 3, the entry kept here, the remote unchanged' eval 'n=$(count);
    paused before-push INT && exit3 "cannot push the audit log to '"'"'origin'"'"'" &&
    has "$ERR" "interrupted by SIGINT before pushing to '"'"'origin'"'"'" &&
    [ "$(rcount)" = $n ] && [ "$(count)" = $((n + 1)) ] && no_locks &&
    promote 0 audit verify --no-remote'
check 'the next run pushes it' eval 'n=$(count); promote 0 $K dev sit &&
    [ "$(rcount)" = $((n + 1)) ] && after $((n + 1))'
# inside the push: the remote is locked and nothing is copied yet
for s in INT TERM; do
    check "SIG$s while pushing: exit 3, the remote unchanged and unlocked, the entry kept here" eval '
        n=$(count); [ "$(rcount)" = $n ] && paused pushing '$s' &&
        exit3 "interrupted by SIG'$s' while pushing to" &&
        [ "$(rcount)" = $n ] && [ "$(count)" = $((n + 1)) ] && no_locks &&
        flock -n "$TMP/remote.git/promote-push.lock" true && promote 0 audit verify --no-remote &&
        git -C "$TMP/remote.git" fsck --no-dangling --no-progress >/dev/null'
    check "after SIG$s, the next run pushes both entries" eval 'n=$(count); promote 0 $K dev sit &&
        [ "$(rcount)" = $((n + 1)) ] && after $((n + 1))'
done
check 'a stale lock on the tracking ref: exit 3 naming it, nothing evaluated' eval 'n=$(count);
    git update-ref -d refs/promote/remotes/origin/audit && mkdir -p .git/refs/promote/remotes/origin &&
    touch .git/refs/promote/remotes/origin/audit.lock; "$PROMOTE" $K dev sit >"$OUT" 2>"$ERR"; got=$?;
    rm -f .git/refs/promote/remotes/origin/audit.lock;
    exit3 "cannot fetch the audit log from '"'"'origin'"'"'" && has "$ERR" "remotes/origin/audit.lock'"'"' exists" &&
    hasnt "$OUT" "verdict" && after $n'
git remote remove origin

# ---- a GitHub request in flight --------------------------------------------------------
github_policy "$TMP/github.json"
make_repo "$TMP/ghrepo" "$TMP/github.json"
cd "$TMP/ghrepo" || exit 1
python3 "$SRCDIR/examples/bbws/scenario.py" . "$TMP/approved.json" approved
gh_start "$TMP/approved.json"
gh_faults '[{"path": "/releases", "stall_seconds": 30, "times": -1}]' || exit 1
check 'SIGINT during a stalled GitHub request: the transfer aborts, exit 3 at once' eval '
    "$PROMOTE" check --github-timeout 20 dev sit >"$OUT" 2>"$ERR" & pid=$!; sleep 1.5;
    t0=$(date +%s); kill -INT $pid; wait $pid; got=$?; t1=$(date +%s);
    exit3 "interrupted by SIGINT during the GitHub requests" && [ $((t1 - t0)) -le 2 ] &&
    hasnt "$OUT" "verdict"'
finish
