# Shared by the end-to-end tests: a fresh temp dir per script, fixed locale and
# time zone, helpers that run the built binary and check what it printed.
# Each script sources this, runs `check 'what' cmd...` blocks, and ends with `finish`.
set -u
: "${PROMOTE:?PROMOTE must name the promote binary}"
: "${SRCDIR:?SRCDIR must name the source tree}"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/promote-e2e.XXXXXX")
GHSIM_DIR=""
cleanup() {
    [ -n "$GHSIM_DIR" ] && python3 "$SRCDIR/tests/ghsim/harness.py" stop --dir "$GHSIM_DIR" >/dev/null 2>&1
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export HOME="$TMP/home" LC_ALL=C TZ=UTC
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GITHUB_TOKEN=ghp_e2eFakeTokenThatMustNeverBePrinted000
unset NO_COLOR GIT_DIR GIT_WORK_TREE
mkdir -p "$HOME"
cd "$TMP" || exit 1

FIX="$SRCDIR/tests/fixtures/reports"
OUT="$TMP/out"
ERR="$TMP/err"
n_ok=0
n_fail=0

# run CODE cmd...: run with stdout in $OUT, stderr in $ERR; true iff it exits CODE.
# A signal (exit > 128) is never an accepted outcome.
run() {
    want=$1
    shift
    "$@" >"$OUT" 2>"$ERR"
    got=$?
    if [ "$got" -gt 128 ]; then
        echo "  killed by signal $((got - 128)): $*" >&2
        return 1
    fi
    if [ "$got" -ne "$want" ]; then
        echo "  expected exit $want, got $got: $*" >&2
        sed 's/^/  stdout: /' "$OUT" >&2
        sed 's/^/  stderr: /' "$ERR" >&2
        return 1
    fi
    if grep -q "e2eFakeToken" "$OUT" "$ERR"; then
        echo "  the token was printed" >&2
        return 1
    fi
    return 0
}

# promote CODE args...: run the binary
promote() {
    want=$1
    shift
    run "$want" "$PROMOTE" "$@"
}

# has FILE TEXT: FILE contains the fixed string TEXT
has() {
    grep -qF -- "$2" "$1" || {
        echo "  '$1' lacks: $2" >&2
        sed 's/^/  | /' "$1" >&2
        return 1
    }
}

hasnt() {
    if grep -qF -- "$2" "$1"; then
        echo "  '$1' has: $2" >&2
        return 1
    fi
    return 0
}

# jq_is EXPR VALUE: the Python expression EXPR over the JSON document d in $OUT equals
# VALUE, read as JSON when it parses, else compared with str() of the result.
jq_is() {
    python3 - "$OUT" "$1" "$2" <<'PY' >&2
import json, sys
d = json.load(open(sys.argv[1]))
got = eval(sys.argv[2])
try:
    ok = got == json.loads(sys.argv[3]) and type(got) is type(json.loads(sys.argv[3]))
except ValueError:
    ok = False
ok = ok or str(got) == sys.argv[3]
if not ok:
    print("  %s is %r, expected %s" % (sys.argv[2], got, sys.argv[3]))
sys.exit(0 if ok else 1)
PY
}

# help_verbs: the commands 'promote --help' lists, one a line
help_verbs() {
    "$PROMOTE" --help | sed -n '/^Commands:/,/^$/p' | awk 'NF && !/^Commands:/ {print $1}'
}

# comp_script FILE: write FILE, a bash script run as 'bash FILE COMPLETION WORD...': it
# sources the completion file COMPLETION, finds the function it registers for promote,
# calls it as bash would to complete the last WORD, and prints the candidates
comp_script() {
    cat > "$1" <<'EOS'
source "$1" || exit 1
shift
spec=$(complete -p promote) || exit 1
fn=${spec#*-F }
fn=${fn%% *}
COMP_WORDS=("$@")
COMP_CWORD=$(($# - 1))
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
"$fn" promote "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d'
EOS
}

# check 'what' cmd...: one test case
check() {
    what=$1
    shift
    if "$@"; then
        n_ok=$((n_ok + 1))
        echo "ok - $what"
    else
        n_fail=$((n_fail + 1))
        echo "not ok - $what"
    fi
}

# tag_policy IN OUT: the policy IN with sit deploys tagged sit-YYYY.MM.DD.N, into OUT.
tag_policy() {
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for e in d["environments"]:
    if e["name"] == "sit":
        e["tag_template"] = "sit-{yyyy}.{mm}.{dd}.{n}"
json.dump(d, open(sys.argv[2], "w"), indent=1)' "$1" "$2"
}

# A sample repository like the bundled example, in $1 (default $TMP/repo).
make_repo() {
    "$SRCDIR/examples/bbws/make-repo.sh" "${1:-$TMP/repo}" "${2:-$SRCDIR/tests/e2e/policies/files.json}" >/dev/null
}

# commit_policy FILE [REPO]: FILE becomes .promote/policy.json on the branch main of REPO
# (default: the current repository), as a reviewed change to the policy branch lands: the
# protected policy, the only one anything recorded is evaluated under. Plumbing only: the
# work tree and HEAD are left alone.
commit_policy() {
    cp_repo=${2:-.}
    cp_blob=$(git -C "$cp_repo" hash-object -w "$1") &&
        rm -f "$TMP/policy.index" &&
        GIT_INDEX_FILE="$TMP/policy.index" git -C "$cp_repo" read-tree main &&
        GIT_INDEX_FILE="$TMP/policy.index" git -C "$cp_repo" update-index --add \
            --cacheinfo "100644,$cp_blob,.promote/policy.json" &&
        cp_tree=$(GIT_INDEX_FILE="$TMP/policy.index" git -C "$cp_repo" write-tree) &&
        cp_commit=$(g -C "$cp_repo" commit-tree "$cp_tree" -p main -m "Change the policy") &&
        git -C "$cp_repo" update-ref refs/heads/main "$cp_commit" &&
        rm -f "$TMP/policy.index"
}

# github_policy OUT: the BBWS policy without the gates driven by the audit log and the
# clock, for tests of the GitHub gates on a fresh repository
github_policy() {
    python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
rules = {"provenance", "soak", "dr_test", "deploy_window", "load_test"}
for p in d["promotions"]:
    p["gates"] = [g for g in p["gates"] if g["type"] not in rules]
json.dump(d, open(sys.argv[2], "w"), indent=1)' "$SRCDIR/policies/bbws.json" "$1"
}

# git in the repo with fixed identity and dates
g() {
    GIT_AUTHOR_NAME=T GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=T \
        GIT_COMMITTER_EMAIL=t@example.com GIT_AUTHOR_DATE=2026-11-10T10:00:00Z \
        GIT_COMMITTER_DATE=2026-11-10T10:00:00Z git "$@"
}

# gh_start SCENARIO: start the GitHub simulator (behind prism when PROMOTE_PRISM=1, the
# contract pass); sets API_BASE and points promote at it through the environment.
gh_start() {
    GHSIM_DIR="$TMP/ghsim"
    mkdir -p "$GHSIM_DIR"
    prism=""
    [ "${PROMOTE_PRISM:-0}" = 1 ] && prism="--prism"
    eval "$(python3 "$SRCDIR/tests/ghsim/harness.py" start --scenario "$1" --dir "$GHSIM_DIR" $prism)" ||
        { echo "cannot start the GitHub simulator" >&2; exit 1; }
    export GITHUB_API_URL="$API_BASE" GITHUB_REPOSITORY=bbws/order-service
}

# gh_py EXPR: evaluate the Python expression EXPR over reqs (the simulator's request
# log) and stats; print the result
gh_py() {
    python3 "$SRCDIR/tests/ghsim/harness.py" requests --dir "$GHSIM_DIR" > "$TMP/reqs.json" &&
        python3 "$SRCDIR/tests/ghsim/harness.py" stats --dir "$GHSIM_DIR" > "$TMP/stats.json" &&
        python3 -c 'import json,sys; reqs=json.load(open(sys.argv[1])); stats=json.load(open(sys.argv[2])); print(eval(sys.argv[3]))' \
            "$TMP/reqs.json" "$TMP/stats.json" "$1"
}

gh_reset_log() {
    python3 "$SRCDIR/tests/ghsim/harness.py" reset-log --dir "$GHSIM_DIR" >/dev/null
}

# gh_faults JSON: add fault rules
gh_faults() {
    printf '%s' "$1" | python3 "$SRCDIR/tests/ghsim/harness.py" faults --dir "$GHSIM_DIR" - >/dev/null
}

gh_scenario() {
    python3 "$SRCDIR/tests/ghsim/harness.py" scenario --dir "$GHSIM_DIR" "$1" >/dev/null
}

# ops_scenario FILE: the simulator's approved scenario of the current repository, in FILE,
# with a GitHub Actions run (8002) of the ops lead, ayanda, for break-glass promotions
ops_scenario() {
    python3 "$SRCDIR/examples/bbws/scenario.py" . "$1" approved &&
        python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["runs"]["8002"] = {"actor": "ayanda", "triggering_actor": "ayanda", "head_sha": d["runs"]["8001"]["head_sha"],
                     "head_branch": "main", "status": "in_progress", "event": "workflow_dispatch", "name": "promote"}
json.dump(d, open(sys.argv[1], "w"))
PY
}

# make_key NAME: an unencrypted signing key $TMP/NAME.key (+ .pub); sets KEY_ID and KEY_PUB
make_key() {
    "$PROMOTE" keys generate --unencrypted --out "$TMP/$1.key" >"$TMP/$1.id" 2>"$TMP/$1.err" ||
        { echo "cannot generate a key" >&2; cat "$TMP/$1.err" >&2; exit 1; }
    KEY_ID=$(tr -d '\n' < "$TMP/$1.id")
    KEY_PUB=$("$PROMOTE" keys show --json "$TMP/$1.key" | python3 -c 'import json,sys; print(json.load(sys.stdin)["public_key"])')
}

# trust_keys POLICY OUT NAME...: POLICY with the named keys (made by make_key) trusted,
# and its log on refs/promote/audit with no host rule required (a bare remote has no
# rulesets; t0720 tests the protected home on a branch)
trust_keys() {
    in=$1
    out=$2
    shift 2
    for k in "$@"; do
        "$PROMOTE" keys show --json "$TMP/$k.key"
    done | python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
text, keys, dec, at = sys.stdin.read(), [], json.JSONDecoder(), 0
while text[at:].strip():
    k, at = dec.raw_decode(text, len(text) - len(text[at:].lstrip()))
    keys.append(k)
d["trusted_keys"] = [dict(id=k["id"], public_key=k["public_key"], name="key-%d" % i)
                     for i, k in enumerate(keys)]
d["audit_log"] = {"ref": "refs/promote/audit", "allow_unprotected": True}
json.dump(d, open(sys.argv[2], "w"), indent=1)' "$in" "$out"
}

finish() {
    if [ -n "$GHSIM_DIR" ] && [ "${PROMOTE_PRISM:-0}" = 1 ]; then
        if python3 "$SRCDIR/tests/ghsim/harness.py" violations --dir "$GHSIM_DIR" >"$TMP/violations" 2>&1; then
            n_ok=$((n_ok + 1))
            echo "ok - prism saw no contract violation"
        else
            n_fail=$((n_fail + 1))
            echo "not ok - prism reported contract violations:"
            sed 's/^/  /' "$TMP/violations"
        fi
    fi
    echo "$n_ok passed, $n_fail failed"
    [ "$n_fail" -eq 0 ]
}
