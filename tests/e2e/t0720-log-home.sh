#!/bin/sh
# A log nobody can shorten. (a) Its home: recorded only into a log whose host refuses
# force-pushes and deletion (a branch with the ruleset's non_fast_forward and deletion
# rules, asked of GitHub), unless the policy allows an unprotected log; the answer is in
# every entry. (b) Moving refs/promote/audit to that branch keeps every entry. (c) Deploy
# tags witness the log's checkpoint: a fresh clone that sees them refuses a log that was
# shortened or re-signed, naming the tag, as does the clone that recorded. (d) What this
# clone recorded with --no-remote reaches the remote with the next run.
. "$SRCDIR/tests/e2e/lib.sh"
make_key ci
trust_keys "$SRCDIR/tests/e2e/policies/files.json" "$TMP/keyed.json" ci
# policy.json: BRANCH the log's ref, ALLOW allow_unprotected ("-": leave it out)
policy() {
    python3 - "$TMP/keyed.json" "$1" "$2" "$3" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for e in d["environments"]:
    if e["name"] == "sit":
        e["tag_template"] = "sit-{yyyy}.{mm}.{dd}.{n}"
d["audit_log"] = {"ref": sys.argv[3]}
if sys.argv[4] != "-":
    d["audit_log"]["allow_unprotected"] = sys.argv[4] == "true"
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
}
policy "$TMP/branch.json" refs/heads/promote/audit -
policy "$TMP/legacy.json" refs/promote/audit -
policy "$TMP/legacy-allowed.json" refs/promote/audit true
policy "$TMP/branch-allowed.json" refs/heads/promote/audit true
# scenario RULES...: the GitHub simulator's repository with these rules on promote/audit
scenario() {
    python3 - "$TMP/scenario.json" "$@" <<'PY'
import json, sys
json.dump({"repository": {"owner": "bbws", "name": "order-service"},
           "branch_rules": {"promote/audit": sys.argv[2:], "main": ["pull_request"]}},
          open(sys.argv[1], "w"))
PY
}
scenario
gh_start "$TMP/scenario.json"
export PROMOTE_NOW=2026-11-04T08:00:00Z
K="--key $TMP/ci.key"
# a repository REPO with the policy FILE and a bare remote REPO.git
repo() {
    make_repo "$TMP/$1" "$2" && git init -q --bare "$TMP/$1.git" &&
        git -C "$TMP/$1" remote add origin "$TMP/$1.git" &&
        git -C "$TMP/$1" push -q origin main develop release
}
# the protected policy changes, as a reviewed change to main lands on the remote
land_policy() { commit_policy "$1" && git push -q origin main; }
count() { git -C "$1" rev-list --count "$2" 2>/dev/null || echo 0; }
rules_asked() { gh_py "len([r for r in reqs if r['path'].startswith('/repos/bbws/order-service/rules/branches/')])"; }

# (a) the home of the log
repo a "$TMP/legacy.json"
cd "$TMP/a" || exit 1
check 'refs/promote/audit cannot be protected: refused before anything is evaluated or recorded' eval '
    promote 3 $K dev sit && [ ! -s "$OUT" ] &&
    has "$ERR" "the audit log is not protected by its host (refs/promote/audit is not a branch: no ruleset can protect it against force-pushes and deletion)" &&
    has "$ERR" "set audit_log.allow_unprotected in the policy; nothing was recorded" &&
    [ "$(count . refs/promote/audit)" = 0 ] && [ "$(count "$TMP/a.git" refs/promote/audit)" = 0 ] && [ -z "$(git tag)" ]'
check 'the same with --no-remote: a log kept in this clone only is recorded, and says so' eval '
    promote 0 $K --no-remote --json dev sit &&
    jq_is "d[\"record\"][\"audit_log\"][\"why\"]" "kept in this clone only: no remote holds it" &&
    jq_is "d[\"record\"][\"audit_log\"][\"remote\"]" null && jq_is "d[\"record\"][\"pushed\"]" False'
check 'a tag of a decision the remote does not hold carries no checkpoint' eval '
    t=$(git tag | head -1) && [ -n "$t" ] && ! git cat-file -p "$t" | grep -q "BEGIN PROMOTE CHECKPOINT"'
land_policy "$TMP/legacy-allowed.json"
check 'allowed by the policy: recorded, pushed, and the entry says the log was not protected' eval '
    promote 0 $K --json dev sit && jq_is "d[\"record\"][\"pushed\"]" True &&
    jq_is "d[\"record\"][\"audit_log\"][\"protected\"]" False &&
    jq_is "d[\"record\"][\"audit_log\"][\"allowed_unprotected\"]" True &&
    seq=$(python3 -c "import json; print(json.load(open(\"$OUT\"))[\"record\"][\"seq\"])") &&
    promote 0 audit show --json "$seq" &&
    jq_is "d[\"statement\"][\"predicate\"][\"urn:promote:decision:v1\"][\"audit_log\"][\"allowed_unprotected\"]" True &&
    jq_is "d[\"statement\"][\"predicate\"][\"urn:promote:decision:v1\"][\"audit_log\"][\"ref\"]" refs/promote/audit'
check 'the --no-remote entries went to the remote with that run (no silent loss)' eval '
    [ "$(count "$TMP/a.git" refs/promote/audit)" = 4 ] && promote 0 audit log --kind decision &&
    [ "$(grep -c "dev->sit" "$OUT")" = 2 ]'

# (b) moving the log to the protected branch
land_policy "$TMP/branch.json"
scenario non_fast_forward deletion
gh_scenario "$TMP/scenario.json"
check 'a log moved by the policy and not migrated yet: refused, naming the command' eval '
    promote 3 $K dev sit && has "$ERR" "the policy keeps the audit log on refs/heads/promote/audit, which does not exist yet, while refs/promote/audit holds entries" &&
    has "$ERR" "'"'"'promote audit migrate'"'"' moves them" && [ "$(count . refs/heads/promote/audit)" = 0 ]'
git clone -q "$TMP/a.git" "$TMP/a-fresh"
check 'a fresh clone refuses too (the old log is on the remote only)' eval '
    cd "$TMP/a-fresh" && promote 3 audit log; rc=$?; cd "$TMP/a"; [ $rc -eq 0 ] &&
    has "$ERR" "while refs/promote/audit holds entries on '"'"'origin'"'"'"'
check 'audit migrate keeps every entry and checkpoint: the same commits, here and on the remote' eval '
    old=$(git rev-parse refs/promote/audit) && promote 0 audit migrate &&
    has "$OUT" "moved 4 entries from refs/promote/audit to refs/heads/promote/audit (pushed to '"'"'origin'"'"')" &&
    [ "$(git rev-parse refs/heads/promote/audit)" = "$old" ] &&
    [ "$(git -C "$TMP/a.git" rev-parse refs/heads/promote/audit)" = "$old" ] &&
    promote 0 audit verify && has "$OUT" "4 entries" &&
    [ "$(git show refs/promote/audit:checkpoint)" = "$(git show refs/heads/promote/audit:checkpoint)" ]'
check 'migrating again is refused once the branch holds more' eval '
    promote 0 $K dev sit && has "$OUT" "recorded: seq 5" && has "$OUT" "refs/heads/promote/audit, pushed to origin" &&
    promote 3 audit migrate && has "$ERR" "refs/heads/promote/audit already holds a log other than the one on refs/promote/audit"'
check 'the protected branch: GitHub was asked, and the entry says so' eval '
    gh_reset_log && promote 0 $K --json dev sit && [ "$(rules_asked)" = 1 ] &&
    gh_py "[r[\"path\"] for r in reqs if \"/rules/\" in r[\"path\"]][0]" > "$TMP/path" &&
    [ "$(cat "$TMP/path")" = "/repos/bbws/order-service/rules/branches/promote%2Faudit" ] &&
    jq_is "d[\"record\"][\"audit_log\"][\"protected\"]" True &&
    jq_is "d[\"record\"][\"audit_log\"][\"rules\"]" "[\"non_fast_forward\", \"deletion\"]" &&
    jq_is "d[\"record\"][\"audit_log\"][\"why\"]" "GitHub refuses force-pushes (non_fast_forward) and deletion of promote/audit"'
scenario non_fast_forward
gh_scenario "$TMP/scenario.json"
check 'a branch without the deletion rule: refused, nothing recorded' eval '
    n=$(count . refs/heads/promote/audit) && promote 3 $K dev sit &&
    has "$ERR" "no ruleset gives branch promote/audit a deletion rule" && [ "$(count . refs/heads/promote/audit)" = "$n" ]'
scenario
gh_scenario "$TMP/scenario.json"
check 'a branch without rules: refused, nothing recorded' eval '
    n=$(count . refs/heads/promote/audit) && promote 3 $K dev sit &&
    has "$ERR" "no ruleset gives branch promote/audit non_fast_forward and deletion rules" &&
    [ "$(count . refs/heads/promote/audit)" = "$n" ]'
check 'record, hold and rollback are refused the same way' eval '
    promote 3 hold sit $K --reason x && has "$ERR" "is not protected by its host" &&
    promote 3 record dr-test $K --env prod --result pass && has "$ERR" "is not protected by its host"'
scenario non_fast_forward deletion
gh_scenario "$TMP/scenario.json"
check 'GitHub failing to answer: an error naming the endpoint, nothing recorded' eval '
    gh_faults "[{\"path\": \"/rules/branches/\", \"status\": 503, \"times\": -1}]" &&
    n=$(count . refs/heads/promote/audit) && promote 3 $K dev sit &&
    has "$ERR" "cannot tell whether the audit log'"'"'s branch is protected" && has "$ERR" "/rules/branches/promote%2Faudit" &&
    [ "$(count . refs/heads/promote/audit)" = "$n" ]'
land_policy "$TMP/branch-allowed.json"
check 'GitHub failing, allowed by the policy: recorded as of unknown protection' eval '
    promote 0 $K --json dev sit && jq_is "d[\"record\"][\"audit_log\"][\"allowed_unprotected\"]" True &&
    python3 -c "import json; w=json.load(open(\"$OUT\"))[\"record\"][\"audit_log\"][\"why\"]; assert w.startswith(\"the branch rules could not be read\"), w"'
gh_scenario "$TMP/scenario.json"

# (c) checkpoints witnessed by deploy tags
check 'a deploy tag of a pushed decision carries the log'"'"'s signed checkpoint after it' eval '
    promote 0 $K --json dev sit && tag=$(python3 -c "import json; print(json.load(open(\"$OUT\"))[\"deploy\"][\"tag\"])") &&
    seq=$(python3 -c "import json; print(json.load(open(\"$OUT\"))[\"record\"][\"seq\"])") &&
    git cat-file -p "$tag" | sed -n "/^-----BEGIN PROMOTE CHECKPOINT-----$/,/^-----END PROMOTE CHECKPOINT-----$/p" > "$TMP/block" &&
    [ "$(sed -n 3p "$TMP/block")" = "$seq" ] && grep -q "^— promote/" "$TMP/block" &&
    [ "$(sed -n "2,/^—/p" "$TMP/block")" = "$(git show "$(git rev-parse refs/heads/promote/audit~1)":checkpoint)" ] &&
    git push -q origin --tags'
# N entries; the newest tag witnesses the log after its decision, entry W (the deployment
# entry after it is witnessed by the next tag only)
N=$(count . refs/heads/promote/audit)
WTAG=$(git for-each-ref --sort=-taggerdate --format="%(refname:short)" refs/tags | while read -r t; do
    git cat-file -p "$t" | grep -q "BEGIN PROMOTE CHECKPOINT" && { echo "$t"; break; }; done)
W=$(git cat-file -p "$WTAG" | sed -n "/^-----BEGIN PROMOTE CHECKPOINT-----$/{n;n;p;}")
# the attacker: push access, no key, force-pushes the log back by one, then by many
fresh_verify() {
    rm -rf "$TMP/fresh" && git clone -q "$TMP/a.git" "$TMP/fresh" && git -C "$TMP/fresh" fetch -q --tags &&
        cd "$TMP/fresh" && promote "$1" audit verify; rc=$?; cd "$TMP/a"; return $rc
}
check 'before any attack a fresh clone verifies against the floor a tag witnesses' eval '
    fresh_verify 0 && has "$OUT" "floor: " && has "$OUT" "from tag '"'"'$WTAG'"'"'"'
git -C "$TMP/a.git" update-ref refs/heads/promote/audit "$(git rev-parse refs/heads/promote/audit~$((N - W + 1)))"
check 'the last witnessed entry cut off and force-pushed: a fresh clone with the tags refuses, naming the tag' eval '
    [ "$W" -gt 3 ] && fresh_verify 4 &&
    has "$ERR" "the log has $((W - 1)) entries but tag '"'"'$WTAG'"'"' witnesses a checkpoint of $W (truncation or rollback)"'
check 'and the clone that recorded refuses it too' eval 'promote 4 audit verify && has "$ERR" "the audit log on '"'"'origin'"'"'"'
git -C "$TMP/a.git" update-ref refs/heads/promote/audit "$(git rev-parse refs/heads/promote/audit~4)"
check 'truncated by many: refused from a fresh clone, naming the tag' eval '
    fresh_verify 4 && has "$ERR" "the log has $((N - 4)) entries but tag '"'"'$WTAG'"'"' witnesses a checkpoint of $W"'
check 'without the tags a fresh clone could not tell (why the action fetches them)' eval '
    rm -rf "$TMP/notags" && git clone -q --no-tags "$TMP/a.git" "$TMP/notags" && cd "$TMP/notags" &&
    promote 0 audit verify; rc=$?; cd "$TMP/a"; [ $rc -eq 0 ] && has "$OUT" "trusted on first use"'
# a history re-signed with a trusted key: the log cut back by two and two other entries
# recorded in a copy (no tags there, so none of its own witnesses it), then force-pushed
rm -rf "$TMP/evil" && cp -r "$TMP/a" "$TMP/evil" && (cd "$TMP/evil" && rm -f .git/promote/checkpoint &&
    git tag -l | xargs git tag -d >/dev/null && git remote remove origin &&
    git update-ref refs/heads/promote/audit "$(git rev-parse refs/heads/promote/audit~2)" &&
    "$PROMOTE" $K --no-remote --evidence unit-tests="$FIX/junit/pytest-py_low.xml" dev sit >/dev/null 2>&1;
    "$PROMOTE" record dr-test $K --no-remote --env prod --result pass >/dev/null 2>&1)
check 'the re-signed history is well formed: as long as the real one, real signatures' eval '
    cd "$TMP/evil" && rm -f .git/promote/checkpoint && promote 0 audit verify --no-remote; rc=$?; cd "$TMP/a";
    [ $rc -eq 0 ] && [ "$(count "$TMP/evil" refs/heads/promote/audit)" = "$N" ]'
git -C "$TMP/a.git" fetch -q "$TMP/evil" "+refs/heads/promote/audit:refs/heads/promote/audit"
check 're-signed and force-pushed: a fresh clone refuses, naming the tag whose root it lacks' eval '
    fresh_verify 4 && has "$ERR" "entries of the log do not hash to the root tag '"'"'" &&
    has "$ERR" "(history was rewritten)"'
check 'the recording clone refuses it, and records nothing on top of it' eval '
    promote 4 $K dev sit && has "$ERR" "the audit log does not verify; nothing was evaluated" &&
    [ "$(git -C "$TMP/a.git" rev-parse refs/heads/promote/audit)" = "$(git -C "$TMP/evil" rev-parse refs/heads/promote/audit)" ]'
finish
