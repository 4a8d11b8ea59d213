#!/bin/sh
# Regenerates tests/fixtures/reports/sarif-failed-runs/multitool-broken-input.sarif,
# multitool-validate-crashed.sarif and multitool-validate-no-targets.sarif.
# usage: run.sh OUTDIR   (needs node 20, npm, cppcheck 2.10, dpkg-dev and a deb-src line; ../README.md)
set -u
outdir=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
work=/tmp/producers/multitool
rm -rf "$work" && mkdir -p "$work" || exit 1
cp "$here/package.json" "$here/package-lock.json" "$work/" && cd "$work" || exit 1
npm ci --silent --no-audit --no-fund || exit 1
MT=$work/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool
"$MT" --version
apt-get source cjson=1.7.15-1+deb12u4 >/dev/null 2>&1 || exit 1
# A real cppcheck report on cJSON.c, cut off after 3000 bytes as if cppcheck had been killed.
(cd cjson-1.7.15 && cppcheck --enable=warning,style --xml --xml-version=2 cJSON.c 2> ../cppcheck.xml >/dev/null)
echo "cppcheck.xml: $(grep -c '<error ' cppcheck.xml) <error> elements, $(wc -c < cppcheck.xml) bytes"
head -c 3000 cppcheck.xml > cppcheck-truncated.xml
"$MT" convert -t CppCheck -o multitool-broken-input.sarif --log "ForceOverwrite;PrettyPrint" "$work/cppcheck-truncated.xml" >"$work/convert.log" 2>&1
echo "convert exit code: $?"; head -1 "$work/convert.log"
# Validate what the converter left behind: the validator's rules throw on its null driver.
"$MT" validate -o multitool-validate-crashed.sarif --log "ForceOverwrite;PrettyPrint" multitool-broken-input.sarif
echo "validate (converter output) exit code: $?"
# Validate a file that does not exist: nothing is analysed.
"$MT" validate -o multitool-validate-no-targets.sarif --log "ForceOverwrite;PrettyPrint" "$work/cppcheck.sarif"
echo "validate (missing file) exit code: $?"
cp multitool-broken-input.sarif multitool-validate-crashed.sarif multitool-validate-no-targets.sarif "$outdir/"
