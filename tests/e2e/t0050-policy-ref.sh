#!/bin/sh
# The policy comes from the policy ref through libgit2, never from the work tree or
# from the commit being promoted: a commit cannot lower its own gates.
. "$SRCDIR/tests/e2e/lib.sh"
make_repo
cd "$TMP/repo" || exit 1
low=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["promotions"][0]["gates"][2]["min_percent"]=10; print(json.dumps(d))' "$SRCDIR/tests/e2e/policies/files.json")
cov="$FIX/cobertura/coveragepy-py_low.xml"

check 'baseline: 40.66% is rejected' eval 'promote 1 check --evidence unit-coverage="$cov" dev sit'
mkdir -p .promote && printf '%s\n' "$low" > .promote/policy.json
check 'a lowered policy in the work tree is ignored' eval 'promote 1 check --evidence unit-coverage="$cov" dev sit &&
    has "$OUT" "policy refs/heads/main:.promote/policy.json"'
g add .promote/policy.json && g commit -q -m "Lower the coverage gate"
check 'a lowered policy in the promoted commit is ignored' eval 'promote 1 check --commit release --evidence unit-coverage="$cov" dev sit &&
    has "$OUT" "is below 80%"'
check '--policy-ref reads another branch (the lowered one here)' eval 'promote 0 check --policy-ref release --commit release --evidence unit-coverage="$cov" dev sit &&
    has "$OUT" "policy refs/heads/release:.promote/policy.json"'
g update-ref refs/remotes/origin/main release
check 'origin/main wins over the local main' eval 'promote 0 check --commit release --evidence unit-coverage="$cov" dev sit &&
    has "$OUT" "policy refs/remotes/origin/main:.promote/policy.json"'
g update-ref -d refs/remotes/origin/main
check '--policy FILE is a local override and says so' eval 'promote 0 check --policy .promote/policy.json --commit release --evidence unit-coverage="$cov" dev sit &&
    has "$OUT" "[local file given with --policy, not the policy ref]"'
check 'a broken policy on the policy ref is refused' eval 'g checkout -q main && printf "{oops" > .promote/policy.json &&
    g commit -q -am "Break the policy" && g checkout -q release &&
    promote 2 check dev sit && has "$ERR" "cannot parse policy '"'"'refs/heads/main:.promote/policy.json'"'"': line 1"'
finish
