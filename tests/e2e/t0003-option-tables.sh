#!/bin/sh
# One option table per command: its -h, its usage lines, the man page and the bash
# completion name the options of the table ('promote VERB [SUB] --completion-helper'
# prints them), no more and no fewer.
. "$SRCDIR/tests/e2e/lib.sh"

COMPLETION="$SRCDIR/contrib/completion/promote.bash"
MAN="$SRCDIR/docs/promote.1"

# cmdline VERB [SUB]: the words before the options (the promote row is no verb at all)
cmdline() {
    if [ "$1" = promote ]; then echo ""; else echo "$*"; fi
}

# table VERB [SUB]: the options of the table, one a line, without --help
table() {
    "$PROMOTE" $(cmdline "$@") --completion-helper | tr ' ' '\n' | sed '/^$/d; /^--help$/d; s/=$//'
}

# subs VERB: the subcommands of VERB, from its usage lines (promote VERB SUB ...)
subs() {
    [ "$1" = promote ] && return 0
    "$PROMOTE" "$1" -h | awk -v v="$1" '
        NF == 0 { exit }
        { sub(/^ *(usage|or):/, "") }
        $1 == "promote" && $2 == v && $3 ~ /^[a-z]/ { print $3 }'
}

# help_opts VERB [SUB]: the options -h lists (its lines "  --name ...")
help_opts() {
    "$PROMOTE" "$@" -h | grep -oE '^  --[a-z][a-z-]*' | sed 's/^  //'
}

# usage_names VERB [SUB]: the options the usage lines of -h name
usage_names() {
    "$PROMOTE" "$@" -h | awk 'NF == 0 { exit } { print }' |
        grep -oE -- '--[a-z][a-z-]*' | sort -u
}

# same A B: the files A and B hold the same lines, in any order
same() {
    sort -u "$1" > "$1.s" && sort -u "$2" > "$2.s"
    cmp -s "$1.s" "$2.s" || { diff "$1.s" "$2.s" | sed 's/^/  /' >&2; return 1; }
}

# within A B [WHAT]: every line of A is a line of B (WHAT: what B is, for the message)
within() {
    sort -u "$2" > "$2.s"
    sort -u "$1" | comm -23 - "$2.s" > "$TMP/extra"
    [ ! -s "$TMP/extra" ] || { sed "s/^/  not in ${3:-the table}: /" "$TMP/extra" >&2; return 1; }
}

comp_script "$TMP/comp.bash"
# takes_value OPTION...: the options the completion reads a value after
cat > "$TMP/takes.bash" <<'EOS'
source "$1" || exit 1
shift
for o in "$@"; do _promote_takes_value "$o" && echo "$o"; done
true
EOS

# the man page as text with plain dashes: \- is -
sed 's/\\-/-/g' "$MAN" > "$TMP/man.src"
man_opts() { grep -oE -- '--[a-z][a-z-]*' | sort -u; }
# man_section VERB: the subsection of COMMANDS about VERB
man_section() {
    pat=".SS \"promote $1[ \"]"
    [ "$1" = promote ] && pat='.SS "promote \\fIfrom'
    awk -v p="$pat" 'index($0, p) == 1 { f = 1; next } /^\.S[SH]/ { f = 0 } f' "$TMP/man.src"
}
# man_synopsis VERB: the lines of SYNOPSIS about VERB, continuation lines included
man_synopsis() {
    awk -v v="$1" '
        /^\.SH SYNOPSIS/ { s = 1; next }
        /^\.SH/ { s = 0 }
        !s || /^\./ { next }
        /^\\fBpromote/ {
            w = $0; sub(/^\\fBpromote ?/, "", w); sub(/\\f.*/, "", w); split(w, a, " ")
            verb = a[1] == "" ? "promote" : a[1]
        }
        verb == v' "$TMP/man.src"
}

: > "$TMP/all"
for v in $(help_verbs); do
    : > "$TMP/union"
    for s in "" $(subs "$v"); do
        name="promote $v${s:+ $s}"
        table $v $s > "$TMP/t" && cat "$TMP/t" >> "$TMP/union"
        if [ -z "$s" ] && [ -n "$(subs "$v")" ]; then
            continue # checked with each subcommand
        fi
        check "$name: -h lists the options of its table" eval 'help_opts $v $s > "$TMP/h" &&
            same "$TMP/h" "$TMP/t"'
        [ "$v" = help ] && continue # its -h is the overview: the options before a command
        check "$name: its usage names only options of its table" eval '
            usage_names $v $s > "$TMP/u" && within "$TMP/u" "$TMP/t"'
        check "$name: the man page documents every option of its table" eval '
            man_opts < "$TMP/man.src" > "$TMP/m" && within "$TMP/t" "$TMP/m" "the man page"'
        words=$(cmdline $v $s)
        check "$name: the completion offers its table's options" eval '
            run 0 bash --norc "$TMP/comp.bash" "$COMPLETION" "$PROMOTE" $words -- &&
            sed "/^--help\$/d; /^--version\$/d" "$OUT" > "$TMP/c" && same "$TMP/c" "$TMP/t"'
        "$PROMOTE" $(cmdline $v $s) --completion-helper | tr ' ' '\n' | sed -n 's/=$//p' > "$TMP/vals"
        check "$name: the completion reads a value after the options that take one" eval '
            bash --norc "$TMP/takes.bash" "$COMPLETION" $(cat "$TMP/t") > "$TMP/tv" &&
            same "$TMP/tv" "$TMP/vals"'
    done
    cat "$TMP/union" >> "$TMP/all"
    check "promote $v: the man page's section names no option its table lacks" eval '
        man_section $v | man_opts > "$TMP/ms" && within "$TMP/ms" "$TMP/union"'
    check "promote $v: the man page's synopsis names no option its table lacks" eval '
        man_synopsis $v | man_opts > "$TMP/ms" && within "$TMP/ms" "$TMP/union"'
done
printf '%s\n' --help --version --completion-helper >> "$TMP/all"
check 'the man page names no option outside the tables' eval '
    awk "/^\\.SH (SYNOPSIS|OPTIONS)/ { f = 1; next } /^\\.SH/ { f = 0 } f" "$TMP/man.src" |
        man_opts > "$TMP/mo" && within "$TMP/mo" "$TMP/all"'
check 'the completion helper answers the command without a verb' eval 'promote 0 --completion-helper &&
    has "$OUT" "--evidence=" && has "$OUT" "--json " && has "$OUT" "--wait "'
check 'the completion helper of a command with subcommands is its --help' eval '
    promote 0 audit --completion-helper && [ "$(cat "$OUT")" = --help ]'
finish
