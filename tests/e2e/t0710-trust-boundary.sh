#!/bin/sh
# The trust boundary: what is recorded is evaluated under the protected policy only.
. "$SRCDIR/tests/e2e/lib.sh"
make_key ci
trust_keys "$SRCDIR/tests/e2e/policies/files.json" "$TMP/keyed.json" ci
python3 - "$TMP/keyed.json" "$TMP/policy.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for e in d["environments"]:
    if e["name"] == "sit":
        e["tag_template"] = "sit-{yyyy}.{mm}.{dd}.{n}"
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
make_repo "$TMP/repo" "$TMP/policy.json"
cd "$TMP/repo" || exit 1
K="--key $TMP/ci.key"
# a local policy file: the protected policy, but from the work tree
cp "$TMP/policy.json" "$TMP/local.json"

# (a) --policy FILE: for commands that record nothing only
for cmd in "$K dev sit" "hold sit $K --reason x" "unhold sit $K --reason x" \
    "record dr-test $K --env prod --result pass" "rollback sit $K --reason x"; do
    verb=${cmd%% *}
    case $verb in --key) verb=promote ;; esac
    check "a recording command refuses --policy FILE before anything: $verb" eval '
        promote 2 $cmd --policy "$TMP/local.json" && [ ! -s "$OUT" ] &&
        has "$ERR" "--policy '"'"'$TMP/local.json'"'"' cannot be used with '"'"'$verb'"'"'" &&
        has "$ERR" "evaluated under the protected policy" &&
        ! git rev-parse -q --verify refs/promote/audit >/dev/null && [ -z "$(git tag)" ]'
done
check 'the same promotion under the protected policy is recorded and tagged' eval 'promote 0 $K dev sit &&
    has "$OUT" "recorded: seq 1" && has "$OUT" "deployed: tag sit-" && [ -n "$(git tag)" ]'
finish
