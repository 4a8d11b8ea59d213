#!/bin/sh
# --json: stdout holds exactly one JSON document for every verb and every outcome
# (approved, rejected, error, already deployed, superseded, hold, a failed deploy, a
# refusal, a usage error); the human text goes to stderr.
. "$SRCDIR/tests/e2e/lib.sh"
make_key ci
python3 - "$SRCDIR/tests/e2e/policies/files.json" "$TMP/files.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["roles"] = {"ops-lead": {"team": "bbws/ops-leads"}}
# a gate that reads GitHub, so that the simulator can hold a promotion back
for p in d["promotions"]:
    if p["to"] == "sit":
        p["gates"].append({"name": "ci-checks", "type": "status_checks",
                           "contexts": ["integration-tests", "manual-testing"]})
for e in d["environments"]:
    if e["name"] == "sit":
        e["tag_template"] = "sit-{yyyy}.{mm}.{dd}.{n}"
        e["deploy"] = {"type": "workflow_dispatch", "workflow": "deploy-sit.yml", "inputs": {"tag": "{tag}"}}
    if e["name"] == "prod":
        e["tag_template"] = "prod-{yyyy}.{mm}.{dd}.{n}"
        e["deploy"] = {"type": "workflow_dispatch", "workflow": "deploy-prod.yml", "inputs": {"tag": "{tag}"}}
        e["rollback"] = {"roles": ["ops-lead"]}
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
trust_keys "$TMP/files.json" "$TMP/policy.json" ci
make_repo "$TMP/repo" "$TMP/policy.json"
cd "$TMP/repo" || exit 1
R=$(git rev-parse release)
for n in A B C; do
    g checkout -q main && g commit -q --allow-empty -m "release $n" && eval "$n=\$(git rev-parse HEAD)"
done
g checkout -q release
git init -q --bare "$TMP/remote.git" && git remote add origin "$TMP/remote.git" &&
    git push -q origin main develop release
python3 "$SRCDIR/examples/bbws/scenario.py" . "$TMP/scenario.json" approved
python3 - "$TMP/scenario.json" "$R" "$A" "$B" "$C" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r, a, b, c = sys.argv[2:6]
d["workflows"] = ["deploy-sit.yml", "deploy-prod.yml"]
d["tags"] = {"sit-2026.11.04.%d" % n: r for n in range(1, 9)}
d["tags"].update({"prod-2026.11.04.%d" % (i + 1): sha for i, sha in enumerate([a, b, c, a, a, a, a, a])})
d["deploy_outcomes"] = {"deploy-prod.yml": {"result": "failure", "polls": 1}}
d["runs"]["8002"] = {"actor": "ayanda", "triggering_actor": "ayanda", "head_sha": c,
                     "head_branch": "main", "status": "in_progress", "event": "workflow_dispatch",
                     "name": "rollback"}
json.dump(d, open(sys.argv[1], "w"))
PY
gh_start "$TMP/scenario.json"
export PROMOTE_NOW=2026-11-04T08:00:00Z
K="--key $TMP/ci.key"
# one_doc: stdout is exactly one JSON document (json.load refuses none, or a second)
one_doc() {
    python3 -c 'import json,sys; json.load(sys.stdin)' <"$OUT" || {
        echo "  stdout is not one JSON document:" >&2
        sed 's/^/  | /' "$OUT" >&2
        return 1
    }
}
# err_doc CODE KIND: the error document of a command that ended with exit CODE
err_doc() {
    one_doc && jq_is "d[\"schema_version\"]" 1 && jq_is "d[\"error\"][\"exit_code\"]" "$1" &&
        jq_is "d[\"error\"][\"kind\"]" "$2" && jq_is "len(d[\"error\"][\"message\"]) > 0" True &&
        jq_is "d[\"error\"][\"message\"] in open(\"$ERR\").read()" True
}
# fails ARGS...: exits 1 to 4 with one error document naming that exit code
fails() {
    "$PROMOTE" "$@" >"$OUT" 2>"$ERR"
    rc=$?
    [ "$rc" -ge 1 ] && [ "$rc" -le 4 ] && err_doc "$rc" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"]["kind"])' "$OUT")"
}
# answers ARGS...: exits 0 to 4 (no signal) with one document
answers() {
    "$PROMOTE" "$@" >"$OUT" 2>"$ERR"
    [ $? -le 4 ] && one_doc
}
ops() { GITHUB_ACTIONS=true GITHUB_RUN_ID=8002 GITHUB_ACTOR=ayanda promote "$@"; }
prod() { # prod SHA: promote sit -> prod (its deploy fails under --wait only) and report it deployed
    promote 0 $K --json --commit "$1" sit prod && one_doc &&
        promote 0 record deployed $K --json --env prod --commit "$1" --result success && one_doc
}

# promote, check, explain
check 'promote approved: the decision, its record and the deploy' eval 'promote 0 $K --json dev sit && one_doc &&
    jq_is "d[\"verdict\"]" approved && jq_is "d[\"deploy\"][\"tag\"]" sit-2026.11.04.1 &&
    jq_is "d[\"superseded_by\"]" None'
check 'check rejected' eval 'promote 1 check --json --evidence unit-tests="$FIX/junit/pytest-py_low.xml" dev sit &&
    one_doc && jq_is "d[\"verdict\"]" rejected'
check 'check error (exit 3)' eval 'promote 3 check --json --evidence unit-tests=/nonexistent.xml dev sit &&
    one_doc && jq_is "d[\"verdict\"]" error'
check 'explain rejected' eval 'promote 1 explain --json --evidence unit-tests="$FIX/junit/pytest-py_low.xml" dev sit &&
    one_doc && jq_is "d[\"gates\"][0][\"remedy\"] is not None" True'
check 'usage: one environment only' eval 'promote 2 --json $K dev && err_doc 2 usage &&
    has "$ERR" "expected two environments" && has "$ERR" "usage: promote"'
check 'usage: an unknown option before --json' eval 'promote 2 check --bogus --json dev sit && err_doc 2 usage'
check 'usage: promote refuses --policy FILE' eval 'promote 2 $K --json --policy "$TMP/policy.json" dev sit &&
    err_doc 2 usage && has "$ERR" "cannot be used with"'
check 'usage: an unknown environment' eval 'promote 2 check --json dev nowhere && err_doc 2 usage'
check 'error before a decision: no signing key' eval 'promote 2 --json --key "$TMP/none.key" dev sit &&
    err_doc 2 usage && has "$ERR" "no usable signing key"'
check 'without --json a usage error prints nothing on stdout' eval 'promote 2 $K dev && [ ! -s "$OUT" ]'

# a failed deploy: the decision document says why (deploy.error), exit 3
gh_faults '[{"path": "/dispatches", "method": "POST", "status": 500, "times": 1}]'
check 'a failed trigger' eval 'promote 3 $K --json dev sit && one_doc && jq_is "d[\"verdict\"]" approved &&
    jq_is "\"HTTP 500\" in d[\"deploy\"][\"error\"]" True && has "$ERR" "HTTP 500"'

# superseded: two promotions at once, the first held back by the simulator
gh_faults '[{"path": "/commits/", "delay_ms": 2000, "times": 1}]'
"$PROMOTE" $K --json dev sit >"$TMP/a.out" 2>"$TMP/a.err" &
apid=$!
sleep 0.7
"$PROMOTE" $K --json dev sit >"$TMP/b.out" 2>"$TMP/b.err"
brc=$?
wait $apid
arc=$?
check 'superseded: one document, the line on stderr (exit 1)' eval '[ $brc -eq 0 ] && [ $arc -eq 1 ] &&
    cp "$TMP/a.out" "$OUT" && one_doc && jq_is "d[\"superseded_by\"] > 0" True &&
    jq_is "\"deploy\" in d" False && grep -q "^superseded by seq" "$TMP/a.err" &&
    cp "$TMP/b.out" "$OUT" && one_doc && jq_is "d[\"deploy\"][\"tag\"]" sit-2026.11.04.3'

# record, already deployed
check 'record deployed' eval 'promote 0 record deployed $K --json --env sit --commit release --result success &&
    one_doc && jq_is "d[\"kind\"]" deployment'
check 'record dr-test' eval 'promote 0 record dr-test $K --json --env prod --result pass && one_doc'
check 'record: a usage error' eval 'promote 2 record deployed $K --json --env sit && err_doc 2 usage'
check 'record: an unknown environment' eval 'promote 2 record deployed $K --json --env nowhere --commit release --result success &&
    err_doc 2 usage'
check 'already deployed' eval 'promote 0 $K --json dev sit && one_doc && jq_is "d[\"verdict\"]" already_deployed'

# a failed deploy under --wait
check 'a deploy that fails under --wait (exit 3)' eval 'promote 3 $K --json --wait --wait-interval 0.05 --commit "$A" sit prod &&
    one_doc && jq_is "d[\"deploy\"][\"wait\"][\"result\"]" failure && has "$ERR" "the deploy failed"'

# rollback
check 'A, B and C deployed to prod' eval 'promote 0 record deployed $K --env prod --commit "$A" --result success &&
    prod "$B" && prod "$C"'
check 'rollback refused: the actor lacks the role (exit 1)' eval 'promote 1 rollback $K --json prod --reason x &&
    err_doc 1 denied && has "$ERR" "may not roll back"'
check 'rollback: a usage error' eval 'promote 2 rollback $K --json prod && err_doc 2 usage'
check 'rollback: an unknown --to (exit 2)' eval 'ops 2 rollback $K --json prod --to 999 --reason x && err_doc 2 usage'
check 'rollback done' eval 'ops 0 rollback $K --json prod --reason "orders failing" && one_doc &&
    jq_is "d[\"to_commit\"]" "$B" && jq_is "d[\"hold\"]" True'

# hold
check 'a promotion into a held environment: rejected' eval 'promote 1 $K --json --commit "$C" sit prod && one_doc &&
    jq_is "d[\"verdict\"]" rejected && jq_is "d[\"gates\"][0][\"type\"]" hold'
check 'unhold' eval 'promote 0 unhold prod $K --json --reason fixed && one_doc && jq_is "d[\"kind\"]" unhold'
check 'hold' eval 'promote 0 hold prod $K --json --reason freeze && one_doc && jq_is "d[\"kind\"]" hold'
check 'hold: a usage error' eval 'promote 2 hold $K --json prod && err_doc 2 usage'

# the verbs that read
check 'status' eval 'promote 0 status --json && one_doc && jq_is "d[\"environments\"][2][\"hold\"]" freeze'
check 'status: an unknown environment' eval 'promote 2 status --json nowhere && err_doc 2 usage'
check 'status: a usage error' eval 'promote 2 status --json --bogus && err_doc 2 usage'
check 'audit show' eval 'promote 0 audit show --json 1 && one_doc && jq_is "d[\"seq\"]" 1'
check 'audit show: no such entry' fails audit show --json 9999
check 'audit verify takes no --json' eval 'promote 2 audit verify --json && err_doc 2 usage'
check 'replay' eval 'promote 0 replay --json --policy-ref main && one_doc'
check 'replay: a usage error' eval 'promote 2 replay --json --since yesterday && err_doc 2 usage'
check 'inspect' eval 'promote 0 inspect --json "$FIX/junit/pytest-py_low.xml" && one_doc && jq_is "d[\"kind\"]" tests'
check 'inspect: an unreadable file (exit 3)' eval 'promote 3 inspect --json /nonexistent.xml && err_doc 3 error'
check 'keys show' eval 'promote 0 keys show --json "$TMP/ci.key" && one_doc'
check 'keys show: no such file' fails keys show --json /nonexistent.key
check 'env check' answers env check --json
check 'env check: a usage error' eval 'promote 2 env check --json --commit HEAD --worktree && err_doc 2 usage'
check 'the whole log verifies' eval 'promote 0 audit verify && has "$OUT" "audit log intact"'
finish
