#!/bin/sh
# The composite action (action.yml) run step by step as a runner would (action_sim.py):
# on a shallow, detached checkout it builds promote, fetches the history and the audit
# log, runs the promotion and maps the outputs; the apt-get and cache steps are not run
# here, and the install step's packages are scripts/run's.
. "$SRCDIR/tests/e2e/lib.sh"
make_key ci
trust_keys "$SRCDIR/tests/e2e/policies/files.json" "$TMP/policy.json" ci
make_repo "$TMP/repo" "$TMP/policy.json"
git init -q --bare "$TMP/origin.git"
git -C "$TMP/repo" push -q "$TMP/origin.git" main develop release
release=$(git -C "$TMP/repo" rev-parse release)
STATE="$TMP/runner"
mkdir -p "$STATE"
TOKEN=ghp_e2eFakeTokenGivenToTheActionInput00
DEFAULT_TOKEN=ghp_e2eFakeTokenOfTheWorkflowItself00

# checkout: what actions/checkout leaves with its defaults: one commit deep, detached,
# origin with the default refspec; the CI job's reports beside it
checkout() {
    rm -rf "$TMP/ws" && git init -q "$TMP/ws" &&
        git -C "$TMP/ws" remote add origin "file://$TMP/origin.git" &&
        git -C "$TMP/ws" fetch -q --no-tags --depth=1 origin +refs/heads/release:refs/remotes/origin/release &&
        git -C "$TMP/ws" checkout -q --detach origin/release &&
        cp -r "$TMP/repo/reports" "$TMP/ws/reports"
}

# inputs JSON...: the action's inputs (with the workflow's own token) in $TMP/inputs.json
inputs() {
    python3 -c '
import json, sys
d = json.loads(sys.argv[1])
d["__github_token__"] = sys.argv[2]
json.dump(d, open(sys.argv[3], "w"))' "$1" "$DEFAULT_TOKEN" "$TMP/inputs.json"
}

# action [--cache-hit]: run the action in $TMP/ws; the result in $STATE/result.json
action() {
    rm -f "$STATE"/output-* "$STATE/summary.md" "$STATE/path" "$STATE/result.json"
    (cd "$TMP/ws" && python3 "$SRCDIR/tests/e2e/action_sim.py" "$SRCDIR" "$TMP/ws" "$STATE" \
        "$TMP/inputs.json" "$@") >"$OUT" 2>"$ERR"
    [ -s "$STATE/result.json" ] || { echo "  the simulator failed:" >&2; sed 's/^/  /' "$ERR" >&2; return 1; }
    ! grep -rq "e2eFakeToken" "$OUT" "$ERR" "$STATE/summary.md" "$STATE/result.json" || {
        echo "  a token was printed" >&2; return 1; }
    ! grep -qF "$(sed -n 2p "$TMP/ci.key")" "$OUT" "$ERR" "$STATE/result.json" || {
        echo "  the signing key was printed" >&2; return 1; }
}

# res EXPR VALUE: like jq_is, over the simulator's result r
res() {
    python3 - "$STATE/result.json" "$1" "$2" <<'PY' >&2
import json, sys
r = json.load(open(sys.argv[1]))
got = eval(sys.argv[2])
try:
    ok = got == json.loads(sys.argv[3])
except ValueError:
    ok = str(got) == sys.argv[3]
if not ok:
    print("  %s is %r, expected %s" % (sys.argv[2], got, sys.argv[3]))
sys.exit(0 if ok else 1)
PY
}

run_packages=$(python3 -c '
import re, sys
print(" ".join(re.search(r"PACKAGES=\"([^\"]*)\"", open(sys.argv[1]).read()).group(1).split()))' "$SRCDIR/scripts/run")
# names of scripts/run that Ubuntu 24.04 lacks (none today): the action leaves them out
UBUNTU_MISSING=""
want_packages=$(for p in $run_packages; do case " $UBUNTU_MISSING " in *" $p "*) ;; *) printf '%s ' "$p" ;; esac; done)

key=$(cat "$TMP/ci.key")
inputs "$(python3 -c 'import json,sys; print(json.dumps({"from": "dev", "to": "sit", "signing-key": sys.argv[1], "github-token": sys.argv[2],
    "evidence": "# this run'"'"'s reports\nunit-coverage=reports/coverage.xml\n\n   integration-tests=reports/integration-tests.xml   \n"}))' "$key" "$TOKEN")"
checkout
check 'a first run: builds promote, unshallows, starts the audit log, approves and records' eval 'action &&
    res "r[\"exit\"]" 0 &&
    res "r[\"skipped\"]" "[\"Install the build dependencies\", \"Restore promote from the cache\"]" &&
    res "\"Build promote\" in r[\"ran\"]" true && [ -x "$STATE/runner-temp/promote-build/promote" ] &&
    res "r[\"outputs\"][\"verdict\"]" approved &&
    res "len(r[\"outputs\"][\"decision-id\"])" 64 &&
    res "r[\"outputs\"][\"tag\"]" "" &&
    res "r[\"outputs\"] == {k: r[\"steps\"][\"promote\"][k] for k in (\"verdict\", \"decision-id\", \"tag\")}" true &&
    res "r[\"path\"]" "[\"$STATE/runner-temp/promote-bin\"]" &&
    has "$OUT" "audit log intact: 0 entries" &&
    [ "$(git -C "$TMP/ws" rev-parse --is-shallow-repository)" = false ] &&
    [ "$(git -C "$TMP/ws" rev-parse origin/main)" = "$(git -C "$TMP/repo" rev-parse main)" ] &&
    git -C "$TMP/origin.git" rev-parse -q --verify refs/promote/audit >/dev/null &&
    id=$(python3 -c "import json; print(json.load(open(\"$STATE/result.json\"))[\"outputs\"][\"decision-id\"])") &&
    has "$STATE/summary.md" "### promote dev -> sit: approved (commit \`$release\`, decision \`$id\`)" &&
    has "$STATE/summary.md" "| unit-coverage | coverage | pass | line coverage 92.71% (89/96) >= 80% |" &&
    has "$OUT" "recorded: seq 1, decision $id" && cp "$STATE/result.json" "$TMP/first.json" &&
    has "$STATE/summary.md" "> audit log intact: 0 entries"'
check 'the install step installs scripts/run'"'"'s packages' eval 'res "r[\"packages\"]" "$(python3 -c "import json,sys; print(json.dumps(sys.argv[1].split()))" "$want_packages")"'
check 'the inputs reach the scripts only through env:, never spliced into a run: script' eval 'res "r[\"run_expressions\"]" "[]" &&
    res "r[\"env\"][\"promote\"][\"PROMOTE_SIGNING_KEY\"]" "\${{ inputs.signing-key }}" &&
    res "r[\"env\"][\"promote\"][\"GITHUB_TOKEN\"]" "\${{ inputs.github-token }}" &&
    res "r[\"uses\"]" "[\"actions/cache@v4\"]"'
check 'the cache key hashes the sources and the system, and is stable' eval 'res "r[\"steps\"][\"key\"][\"key\"].startswith(\"promote-\")" true &&
    res "len(r[\"steps\"][\"key\"][\"key\"])" 57'

inputs "$(python3 -c 'import json,sys; print(json.dumps({"from": "dev", "to": "sit", "signing-key": sys.argv[1],
    "evidence": "unit-coverage='"$FIX"'/cobertura/coveragepy-py_low.xml"}))' "$key")"
checkout
check 'a cache hit: no build; the audit log is fetched; rejected: exit 1, the annotation, the outputs' eval 'action --cache-hit &&
    res "r[\"exit\"]" 1 && res "r[\"failed\"]" "Run promote" &&
    res "\"Build promote\" in r[\"skipped\"]" true &&
    res "r[\"steps\"][\"key\"]" "$(python3 -c "import json; print(json.dumps(json.load(open(\"$TMP/first.json\"))[\"steps\"][\"key\"]))")" &&
    res "r[\"outputs\"][\"verdict\"]" rejected && res "len(r[\"outputs\"][\"decision-id\"])" 64 &&
    has "$OUT" "::error title=unit-coverage::line coverage 40.66%25 (37/91) is below 80%25" &&
    has "$OUT" "recorded: seq 2" && has "$OUT" "audit log intact: 1 entries" &&
    [ "$(cd "$TMP/ws" && "$PROMOTE" audit log | wc -l)" = 2 ]'

inputs '{"from": "dev", "to": "sit", "args": "check   --policy-ref \"main\"", "policy": ""}'
checkout
check 'args: check records nothing; words split like a shell'"'"'s' eval 'action --cache-hit &&
    res "r[\"exit\"]" 0 && res "r[\"outputs\"]" "{\"verdict\": \"approved\", \"decision-id\": \"\", \"tag\": \"\"}" &&
    has "$OUT" "verdict: approved" && hasnt "$OUT" "recorded:"'

inputs "$(python3 -c 'import json,sys; print(json.dumps({"from": "dev", "to": "sit", "args": "check --json", "policy": sys.argv[1]}))' "$TMP/policy.json")"
checkout
check 'the policy input is a local override the decision names' eval 'action --cache-hit &&
    res "r[\"exit\"]" 0 && has "$OUT" "\"local_override\": true" && has "$OUT" "\"source\": \"$TMP/policy.json\""'

inputs '{"from": "dev", "to": "sit", "args": "check", "evidence": "nogate"}'
checkout
check 'a malformed evidence line is promote'"'"'s usage error (exit 2)' eval 'action --cache-hit &&
    res "r[\"exit\"]" 2 && has "$ERR" "--evidence wants <gate>=<path>" && res "r[\"outputs\"][\"verdict\"]" ""'

inputs '{}'
checkout
check 'without from and to: promote is installed on the PATH, the audit log fetched, nothing run' eval 'action --cache-hit &&
    res "r[\"exit\"]" 0 && res "\"Run promote\" in r[\"skipped\"]" true &&
    res "r[\"path\"]" "[\"$STATE/runner-temp/promote-bin\"]" && res "r[\"outputs\"][\"verdict\"]" "" &&
    git -C "$TMP/ws" rev-parse -q --verify refs/promote/audit >/dev/null'
inputs '{"from": "dev"}'
check 'from without to: the action refuses (exit 2)' eval 'action --cache-hit &&
    res "r[\"exit\"]" 2 && has "$OUT" "::error title=promote::the inputs from and to go together"'
inputs '{"from": "dev", "to": "sit", "args": "check"}'
checkout
git -C "$TMP/ws" fetch -q --unshallow origin '+refs/heads/*:refs/remotes/origin/*'
git -C "$TMP/ws" remote set-url origin "file://$TMP/no-such-origin.git"
check 'an origin that cannot be read stops the action before promote runs' eval 'action --cache-hit &&
    res "r[\"exit\"]" 1 && res "r[\"failed\"]" "Fetch the full history, the deploy tags and the audit log" &&
    has "$OUT" "::error title=promote::cannot fetch the history and the tags from origin (git fetch exit 128)" &&
    res "\"Run promote\" in r[\"ran\"]" false && res "r[\"outputs\"][\"verdict\"]" ""'
finish
