#!/bin/sh
# The conventions around the binary: --version with the commit it was built from.
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
finish
