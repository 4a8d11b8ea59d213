#!/bin/sh
# The conventions around the binary: --version with the commit it was built from, the
# man page and its installation.
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
check 'cmake --install installs the binary and the man page' eval 'run 0 cmake --install "$BUILD_DIR" --prefix "$TMP/p" &&
    [ -x "$TMP/p/bin/promote" ] && cmp "$SRCDIR/docs/promote.1" "$TMP/p/share/man/man1/promote.1"'
check 'the installed binary runs' eval '"$PROMOTE" --version > "$TMP/v" && run 0 "$TMP/p/bin/promote" --version &&
    cmp "$TMP/v" "$OUT"'

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
    "$PROMOTE" "$v" -h | grep -oE -- '--[a-z][a-z-]*' | sort -u > "$TMP/opts"
    check "the man page documents every option of promote $v" mentions_all "$TMP/opts" "$TMP/man.txt"
done
for v in 0 1 2 3 4; do
    check "the man page explains exit code $v" eval 'man_section "EXIT STATUS" | grep -Eq "^       $v "'
done
for var in $(grep -rhoE 'getenv\("[A-Z_]+"\)' "$SRCDIR/cmd" "$SRCDIR/core" "$SRCDIR/gates" |
    sed 's/getenv("\(.*\)")/\1/' | sort -u); do
    case $var in PROMOTE_NOW | PROMOTE_CRASH_AT) continue ;; esac # test builds only
    check "the man page's ENVIRONMENT has $var" eval 'man_section ENVIRONMENT | grep -qw "$var"'
done
finish
