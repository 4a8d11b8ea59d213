#!/bin/sh
# The conventions around the binary: --version with the commit it was built from, the
# man page, bash completion, and their installation.
. "$SRCDIR/tests/e2e/lib.sh"

# --version: "promote X.Y.Z (REV)" from a git checkout of its own, "promote X.Y.Z" else
src_real=$(cd "$SRCDIR" && pwd -P)
if [ "$(git -C "$SRCDIR" rev-parse --show-toplevel 2>/dev/null)" = "$src_real" ]; then
    check '--version names the commit built from' eval 'promote 0 --version &&
        grep -Eq "^promote [0-9]+\.[0-9]+\.[0-9]+ \([0-9a-f]{7,}(-dirty)?\)$" "$OUT" &&
        [ "$(wc -l < "$OUT")" -eq 1 ]'
    rev=$(sed -n 's/.*(\([0-9a-f]*\).*/\1/p' "$OUT")
    check 'the revision is a commit of the source tree' \
        eval 'git -C "$SRCDIR" cat-file -e "$rev^{commit}"'
else
    check '--version has no revision outside git' eval 'promote 0 --version &&
        grep -Eq "^promote [0-9]+\.[0-9]+\.[0-9]+$" "$OUT"'
fi

# cmake/revision.cmake, the step that writes the revision header on every build
revision() { # SRC: write $TMP/rev.h from SRC
    cmake -DSRC="$1" -DOUT="$TMP/rev.h" -P "$SRCDIR/cmake/revision.cmake" >"$TMP/cmake.out" 2>&1 ||
        { cat "$TMP/cmake.out" >&2; return 1; }
}
mkdir -p "$TMP/plain" "$TMP/tree/sub"
check 'a tree without git defines no revision' eval 'revision "$TMP/plain" &&
    has "$TMP/rev.h" "no revision" && hasnt "$TMP/rev.h" "#define"'
(cd "$TMP/tree" && git init -q && echo a > a && g add a && g commit -q -m one) || exit 1
short=$(git -C "$TMP/tree" rev-parse --short HEAD)
g -C "$TMP/tree" tag -a -m release v9.9.9
check 'a git checkout defines its commit id, tags or not' eval 'revision "$TMP/tree" &&
    has "$TMP/rev.h" "#define PROMOTE_REVISION \"$short\""'
touch -d @0 "$TMP/rev.h"
check 'an unchanged revision leaves the header alone' eval 'revision "$TMP/tree" &&
    [ "$(stat -c %Y "$TMP/rev.h")" -eq 0 ]'
echo b > "$TMP/tree/a"
check 'a changed tracked file makes it -dirty' eval 'revision "$TMP/tree" &&
    has "$TMP/rev.h" "#define PROMOTE_REVISION \"$short-dirty\""'
check 'a tree inside another repository takes none of its revision' eval 'revision "$TMP/tree/sub" &&
    hasnt "$TMP/rev.h" "#define"'

# cmake --install puts the binary and the manual page under the prefix
BUILD_DIR=$(dirname "$PROMOTE")
[ -f "$BUILD_DIR/CMakeCache.txt" ] || { echo "$PROMOTE is not in a CMake build directory" >&2; exit 1; }
COMPLETION="$SRCDIR/contrib/completion/promote.bash"
check 'cmake --install installs the binary, the man page and the completion' eval 'run 0 cmake --install "$BUILD_DIR" --prefix "$TMP/p" &&
    [ -x "$TMP/p/bin/promote" ] && cmp "$SRCDIR/docs/promote.1" "$TMP/p/share/man/man1/promote.1" &&
    cmp "$COMPLETION" "$TMP/p/share/bash-completion/completions/promote"'
check 'the installed binary runs' eval '"$PROMOTE" --version > "$TMP/v" && run 0 "$TMP/p/bin/promote" --version &&
    cmp "$TMP/v" "$OUT"'

# the installed binary has no test hooks: PROMOTE_NOW and PROMOTE_CRASH_AT change
# nothing in it (promote-test, the binary the tests run, honours both; it is never
# installed)
INSTALLED="$TMP/p/bin/promote"
check 'promote-test is not installed' eval '[ "$(ls "$TMP/p/bin")" = promote ]'
make_key ci
python3 - "$SRCDIR/tests/e2e/policies/files.json" "$TMP/window.json" <<'PY'
import datetime, json, sys
d = json.load(open(sys.argv[1]))
today = datetime.datetime.now(datetime.timezone.utc).date()
window = {"name": "window", "type": "deploy_window", "timezone": "UTC",
          "windows": [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                       "start": "00:00", "end": "23:59"}],
          "freezes": [{"from": str(today - datetime.timedelta(days=2)),
                       "to": str(today + datetime.timedelta(days=2)), "reason": "a real-clock freeze"}]}
for p in d["promotions"]:
    if (p["from"], p["to"]) == ("dev", "sit"):
        p["gates"].append(window)
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
trust_keys "$TMP/window.json" "$TMP/hooks.json" ci
make_repo "$TMP/hooks" "$TMP/hooks.json"
FAKE_NOW=$(python3 -c 'import datetime; print((datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=60)).strftime("%Y-%m-%dT12:00:00Z"))')
# (the window reads GitHub only for a break-glass: nothing is asked of this address)
R="--repo $TMP/hooks --github-repo bbws/order-service --github-api http://127.0.0.1:9"
check 'PROMOTE_NOW sets the clock of promote-test only: the installed promote keeps the real one' eval '
    PROMOTE_NOW=$FAKE_NOW promote 0 check $R dev sit && has "$OUT" "verdict: approved" &&
    PROMOTE_NOW=$FAKE_NOW run 1 "$INSTALLED" check $R dev sit && has "$OUT" "a real-clock freeze" &&
    PROMOTE_NOW=garbage run 1 "$INSTALLED" check $R dev sit'
count() { git -C "$TMP/hooks" rev-list --count refs/promote/audit 2>/dev/null || echo 0; }
check 'PROMOTE_CRASH_AT stops promote-test only: the installed promote records' eval '
    n=$(count); PROMOTE_CRASH_AT=before-ref "$PROMOTE" $R --key "$TMP/ci.key" dev sit >/dev/null 2>&1;
    [ $? -eq 137 ] && [ "$(count)" = "$n" ] &&
    PROMOTE_CRASH_AT=before-ref run 1 "$INSTALLED" $R --key "$TMP/ci.key" dev sit &&
    has "$OUT" "recorded: seq $((n + 1))" && [ "$(count)" = $((n + 1)) ]'
check 'PROMOTE_PAUSE_AT pauses promote-test only: the installed promote never waits there' eval '
    rm -f "$TMP/paused"; PROMOTE_PAUSE_AT=evaluate PROMOTE_PAUSE_MARK="$TMP/paused" PROMOTE_PAUSE_S=0 \
        promote 1 check $R dev sit && [ -s "$TMP/paused" ] && rm -f "$TMP/paused" &&
    PROMOTE_PAUSE_AT=evaluate PROMOTE_PAUSE_MARK="$TMP/paused" run 1 "$INSTALLED" check $R dev sit &&
    [ ! -e "$TMP/paused" ]'

# the man page renders without a single warning, and documents every command and option
MAN="$SRCDIR/docs/promote.1"
check 'groff renders the man page with no warning' eval 'run 0 groff -man -Tutf8 -ww -z "$MAN" &&
    [ ! -s "$ERR" ]'
groff -man -Tascii -P-cbou "$MAN" > "$TMP/man.txt" 2>/dev/null
# section NAME of the rendered page: the lines under its heading
man_section() {
    awk -v s="$1" '/^[A-Z]/ {f = ($0 == s); next} f' "$TMP/man.txt"
}
# has_sections: the rendered page has every section a man page of a command has
has_sections() {
    for s in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS "EXIT STATUS" ENVIRONMENT FILES \
        EXAMPLES "SEE ALSO"; do
        grep -qx "$s" "$TMP/man.txt" || { echo "  no section $s" >&2; return 1; }
    done
}
# usage_opts VERB: the options 'promote VERB -h' offers: those of its usage lines, of
# its common options, and of its list of options (not those its prose mentions)
usage_opts() {
    "$PROMOTE" "$1" -h | awk '
        BEGIN { u = 1 }
        u && NF == 0 { u = 0 }
        u { print; next }
        /^  common:/ { c = 1; print; next }
        c && /^          / { print; next }
        { c = 0 }
        /^  --/ { print $1 }' | grep -oE -- '--[a-z][a-z-]*' | sort -u
}
# mentions_all OPTS FILE: FILE names every option listed in OPTS
mentions_all() {
    while read -r o; do
        grep -Eq -- "(^|[^a-z-])$o([^a-z-]|\$)" "$2" || { echo "  no $o in $2" >&2; return 1; }
    done < "$1"
}
check 'the man page has its sections' has_sections
man_section COMMANDS | grep -E '^   [^ ]' > "$TMP/man-commands"
for v in $(help_verbs); do
    # the command table's "promote" row is the command without a verb
    pat="promote $v( |$)"
    [ "$v" = promote ] && pat="promote from to( |$)"
    check "the man page's COMMANDS has promote $v" eval 'grep -Eq "^   $pat" "$TMP/man-commands" ||
        { echo "  no heading /$pat/ in:" >&2; cat "$TMP/man-commands" >&2; false; }'
    usage_opts "$v" > "$TMP/opts"
    check "the man page documents every option of promote $v" mentions_all "$TMP/opts" "$TMP/man.txt"
done
for v in 0 1 2 3 4; do
    check "the man page explains exit code $v" eval 'man_section "EXIT STATUS" | grep -Eq "^       $v "'
done
for var in $(grep -rhoE '(getenv|env_or)\("[A-Z_]+"' "$SRCDIR/cmd" "$SRCDIR/core" "$SRCDIR/gates" |
    sed 's/.*("//; s/"$//' | sort -u); do
    case $var in PROMOTE_NOW | PROMOTE_CLOCK_RATE | PROMOTE_CRASH_AT | PROMOTE_PAUSE_* | PROMOTE_BATCH | PROMOTE_TEST_PRE_REPLAY) continue ;; esac # test builds only
    check "the man page's ENVIRONMENT has $var" eval 'man_section ENVIRONMENT | grep -qw "$var"'
done

# bash completion: source the file in a bare bash, find the function it registers for
# promote, and call it as bash would with the words before the cursor
comp_script "$TMP/comp.bash"
# comp_is 'WANT' WORD...: the candidates are exactly WANT (in any order)
comp_is() {
    c_want=$1
    shift
    run 0 bash --norc "$TMP/comp.bash" "$COMPLETION" "$@" || return 1
    [ -s "$ERR" ] && { sed 's/^/  stderr: /' "$ERR" >&2; return 1; }
    got=$(sort "$OUT" | tr '\n' ' ')
    exp=$(printf '%s\n' $c_want | sed '/^$/d' | sort | tr '\n' ' ')
    [ "$got" = "$exp" ] || { echo "  completing '$*': got '$got', want '$exp'" >&2; return 1; }
}
# comp_has WORD... -- LINE...: the candidates include every WORD
comp_has() {
    words=""
    while [ "$1" != -- ]; do words="$words $1"; shift; done
    shift
    run 0 bash --norc "$TMP/comp.bash" "$COMPLETION" "$@" || return 1
    for w in $words; do
        grep -qx -- "$w" "$OUT" || { echo "  completing '$*': no $w in: $(tr '\n' ' ' < "$OUT")" >&2; return 1; }
    done
}
P=$PROMOTE
mkdir -p "$TMP/cwd/dir.d" && cd "$TMP/cwd" && : > cov.xml && : > ci.key && : > policy.json || exit 1

check 'complete a command' comp_is audit "$P" au
check 'complete the subcommands of audit' comp_is 'log show verify export push migrate' "$P" audit ''
check 'complete the subcommands of keys' comp_is 'generate show export' "$P" keys ''
check 'complete the subcommands of record' comp_is 'deployed dr-test' "$P" record ''
check 'complete the subcommands of env' comp_is 'show check' "$P" env ''
check 'complete the options of keys generate' comp_has --out --unencrypted -- "$P" keys generate --
check 'complete the options of audit verify' comp_is '--pubkey --policy --policy-ref' "$P" audit verify --p
check 'complete --wait for promote' comp_is '--wait --wait-interval --wait-timeout' "$P" --repo . dev --w
check 'check has no --wait' comp_is '' "$P" check --wa
check 'rollback has its options' comp_has --to --reason --wait -- "$P" rollback prod --
check 'what records takes no --policy' comp_is '--policy-ref' "$P" hold prod --pol
check 'complete --version first' comp_has --version --help -- "$P" --
check 'the value of --format' comp_is 'table markdown json' "$P" env show --format ''
check 'the value of --result for a DR test' comp_is 'pass fail' "$P" record dr-test --env sit --result ''
check 'the value of --result for a deployment' comp_is 'success failure' "$P" record deployed --result ''
check 'a file for --key' comp_is 'ci.key cov.xml dir.d policy.json' "$P" --key ''
check 'a file for --key=' comp_is 'ci.key cov.xml' "$P" --key = c
check 'a file for --policy' comp_is 'policy.json' "$P" status --policy p
check 'the path of --evidence <gate>=<path>' comp_is 'cov.xml' "$P" check --evidence unit-coverage = co
check 'the path of --evidence <gate>=' comp_has cov.xml -- "$P" check --evidence unit-coverage =
check 'the file of a DR test --evidence' comp_is 'cov.xml' "$P" record dr-test --evidence co
check 'a directory for --terraform' comp_is 'dir.d' "$P" env check --terraform ''
check 'a file for inspect' comp_is 'cov.xml' "$P" inspect co
check 'help completes commands' comp_has promote audit rollback -- "$P" help ''

# environment names: from 'promote env show --format json'; none when that fails
check 'no environment guessed when the policy cannot be read' comp_is '' "$P" hold ''
check 'no environment guessed for --env' comp_is '' "$P" audit log --env ''
mkdir -p "$TMP/stub" "$TMP/nojq"
cat > "$TMP/stub/promote" <<'EOS'
#!/bin/sh
# promote env show --format json, as a policy with three environments gives it
[ "$*" = "env show --format json" ] || exit 2
if [ -f qa-policy ]; then # another repository
    echo '{"environments": [{"name": "qa"}]}'
else
    cat "$(dirname "$0")/envs.json"
fi
EOS
printf '#!/bin/sh\nexit 127\n' > "$TMP/nojq/jq"
chmod +x "$TMP/stub/promote" "$TMP/nojq/jq"
S=$TMP/stub/promote
printf '%s' '{"schema_version": 1, "environments": [{"name": "dev", "deploy": {"name": "x"}},
  {"name": "sit"}, {"name": "prod"}, {"name": "Bad Name"}]}' > "$TMP/stub/envs.json"
check 'the environments of the policy for hold' comp_is 'dev sit prod' "$S" hold ''
check 'the first word: commands and environments' comp_has check audit dev prod -- "$S" ''
check 'promote <from> <to>: the second environment' comp_is 'sit' "$S" dev s
check 'no third environment' comp_is '' "$S" dev sit ''
check 'check <from> <to>' comp_is 'dev sit prod' "$S" check --commit HEAD dev ''
check 'the environments for --env' comp_is 'prod' "$S" audit log --env p
check 'the environments for env show' comp_is 'dev sit prod' "$S" env show ''
mkdir -p "$TMP/qa" && : > "$TMP/qa/qa-policy"
check 'the environments of the repository of --repo' comp_is 'qa' "$S" --repo "$TMP/qa" hold ''
check 'the environments of the repository of --repo=' comp_is 'qa' "$S" --repo = "$TMP/qa" status ''
check 'the environments without jq (python3)' eval 'PATH="$TMP/nojq:$PATH" comp_is "dev sit prod" "$S" status ""'
printf '%s' '{"environments": {"dev": {}, "prod": {}}}' > "$TMP/stub/envs.json"
check 'environments as an object' comp_is 'dev prod' "$S" rollback ''
printf 'not json' > "$TMP/stub/envs.json"
check 'nothing from output that is not JSON' comp_is '' "$S" hold ''

# every command of the binary is completed, with every option its -h lists
mkdir -p "$TMP/empty" && cd "$TMP/empty" || exit 1
for v in $(help_verbs); do
    [ "$v" = promote ] && continue # the command without a verb
    check "complete the command $v" comp_has "$v" -- "$P" ''
done
for v in $(help_verbs); do
    usage_opts "$v" > "$TMP/opts"
    : > "$TMP/cands"
    if [ "$v" = help ]; then # its -h is the overview: the options before a command
        bash --norc "$TMP/comp.bash" "$COMPLETION" "$P" -- > "$TMP/cands"
    else
        bash --norc "$TMP/comp.bash" "$COMPLETION" "$P" "$v" -- > "$TMP/cands"
        for sub in $(bash --norc "$TMP/comp.bash" "$COMPLETION" "$P" "$v" ''); do
            bash --norc "$TMP/comp.bash" "$COMPLETION" "$P" "$v" "$sub" -- >> "$TMP/cands"
        done
    fi
    check "complete every option of promote $v" mentions_all "$TMP/opts" "$TMP/cands"
done
finish
