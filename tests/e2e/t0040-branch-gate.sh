#!/bin/sh
# The branch gate: reachability through libgit2, merge commits included.
. "$SRCDIR/tests/e2e/lib.sh"
make_repo
cd "$TMP/repo" || exit 1

# a hotfix branch merged into main: its commit is on main only through the merge
g checkout -q -b hotfix release && echo "fix = 1" >> src/orders.py && g commit -q -am "Hotfix"
hotfix=$(git rev-parse HEAD)
check 'a commit not yet merged into main is rejected for prod' eval 'promote 1 check --commit hotfix sit prod &&
    has "$OUT" "FAIL   main-branch" && has "$OUT" "is not reachable from main"'
g checkout -q main && g merge -q --no-ff -m "Merge hotfix" hotfix
check 'merged through a merge commit it passes' eval 'promote 0 check --commit "$hotfix" sit prod &&
    has "$OUT" "PASS   main-branch       commit $(git rev-parse --short=12 "$hotfix") is on main (refs/heads/main)"'
# a remote-tracking branch wins over the local one
g update-ref refs/remotes/origin/main "$(git rev-parse main~1)"
check 'origin/main is used when it exists' eval 'promote 1 check --commit "$hotfix" sit prod &&
    has "$OUT" "(refs/remotes/origin/main at $(git rev-parse --short=12 main~1))"'
g update-ref -d refs/remotes/origin/main
check 'the merge commit itself is on main' eval 'promote 0 check --commit main sit prod'
finish
