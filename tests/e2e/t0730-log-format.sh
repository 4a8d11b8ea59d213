#!/bin/sh
# What an append needs sits beside each entry (the frontier file: size, prev, the Merkle
# frontier), so an append reads the tip only. A log written before frontiers were stored
# still verifies and is appended to; a stored frontier that does not match the log is
# tampering.
. "$SRCDIR/tests/e2e/lib.sh"
make_key ci
trust_keys "$SRCDIR/tests/e2e/policies/files.json" "$TMP/policy.json" ci
make_repo "$TMP/repo" "$TMP/policy.json"
cd "$TMP/repo" || exit 1
K="--key $TMP/ci.key --no-remote"
export PROMOTE_NOW=2026-11-04T08:00:00Z
# rewrite REF's chain with FILTER applied to each commit's tree (ls-tree lines), the
# messages, authors and dates kept: what a log of an older promote looks like
rewrite() {
    python3 - "$1" "$2" <<'PY'
import os, subprocess, sys
ref, mode = sys.argv[1], sys.argv[2]
git = lambda *a, inp=None: subprocess.run(["git", *a], input=inp, capture_output=True, check=True, text=True).stdout
commits = git("rev-list", "--reverse", ref).split()
parent = None
for i, c in enumerate(commits):
    lines = [l for l in git("ls-tree", c).splitlines()]
    last = i == len(commits) - 1
    if mode == "strip":
        lines = [l for l in lines if not l.endswith("\tfrontier")]
    elif mode == "bad-tip" and last:
        text = git("show", c + ":frontier").replace("size ", "size 1", 1)
        blob = git("hash-object", "-w", "--stdin", inp=text).strip()
        lines = [l if not l.endswith("\tfrontier") else "100644 blob %s\tfrontier" % blob for l in lines]
    tree = git("mktree", inp="\n".join(lines) + "\n").strip()
    fmt = lambda f: git("log", "-1", "--format=" + f, c).strip()
    env = dict(os.environ, GIT_AUTHOR_NAME=fmt("%an"), GIT_AUTHOR_EMAIL=fmt("%ae"), GIT_AUTHOR_DATE=fmt("%ad"),
               GIT_COMMITTER_NAME=fmt("%cn"), GIT_COMMITTER_EMAIL=fmt("%ce"), GIT_COMMITTER_DATE=fmt("%cd"))
    args = ["git", "commit-tree", tree, "-m", fmt("%B")] + (["-p", parent] if parent else [])
    parent = subprocess.run(args, env=env, capture_output=True, check=True, text=True).stdout.strip()
git("update-ref", ref, parent)
PY
}

check 'every entry carries the frontier after it' eval 'promote 0 $K dev sit && promote 0 $K dev sit &&
    promote 0 record dr-test $K --env prod --result pass &&
    [ "$(git show refs/promote/audit:frontier | sed -n 2p)" = "size 3" ] &&
    [ "$(git show refs/promote/audit~2:frontier | sed -n 2p)" = "size 1" ] &&
    [ "$(git show refs/promote/audit:frontier | grep -c "^node ")" = 2 ] &&
    [ "$(git show refs/promote/audit~1:frontier | grep -c "^node ")" = 1 ]'
check 'the stored prev is the next entry'"'"'s prev' eval 'promote 0 audit show --json 3 &&
    jq_is "d[\"statement\"][\"predicate\"][\"prev\"]" "$(git show refs/promote/audit~1:frontier | sed -n "s/^prev //p")"'
check 'verify is incremental: only what is new since this clone verified; --full all' eval '
    promote 0 audit verify --no-remote && has "$OUT" "verified: 0 new entries after the 3 this clone verified before" &&
    promote 0 $K dev sit && promote 0 audit verify --no-remote && has "$OUT" "verified: 0 new entries after the 4" &&
    promote 0 audit verify --no-remote --full && hasnt "$OUT" "verified:" && has "$OUT" "4 entries" &&
    git update-ref refs/promote/audit refs/promote/audit~1'
rm -f .git/promote/checkpoint
rewrite refs/promote/audit strip
rm -f .git/promote/checkpoint
check 'a log written before frontiers verifies' eval '! git show refs/promote/audit:frontier >/dev/null 2>&1 &&
    promote 0 audit verify --no-remote && has "$OUT" "3 entries"'
check 'and is appended to: the new tip carries the frontier of all four' eval 'promote 0 $K dev sit &&
    has "$OUT" "recorded: seq 4" && [ "$(git show refs/promote/audit:frontier | sed -n 2p)" = "size 4" ] &&
    [ "$(git show refs/promote/audit:frontier | grep -c "^node ")" = 1 ] &&
    ! git show refs/promote/audit~1:frontier >/dev/null 2>&1 && promote 0 audit verify --no-remote &&
    has "$OUT" "4 entries"'
rewrite refs/promote/audit bad-tip
rm -f .git/promote/checkpoint
check 'a stored frontier that does not match the log is tampering' eval 'promote 4 audit verify --no-remote &&
    has "$ERR" "seq 4: the stored frontier does not match the log"'
check 'and nothing is appended on top of it' eval 'tip=$(git rev-parse refs/promote/audit) &&
    promote 4 $K dev sit && [ "$(git rev-parse refs/promote/audit)" = "$tip" ]'
finish
