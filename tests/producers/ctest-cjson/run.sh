#!/bin/sh
# Regenerates tests/fixtures/reports/junit/ctest-notrun.xml. See ../README.md.
# usage: run.sh OUTDIR   (needs cmake/ctest, gcc, dpkg-dev and a deb-src line for bookworm)
set -u
out=$(realpath "$1")/ctest-notrun.xml
here=$(dirname "$(realpath "$0")")
work=/tmp/producers/ctest-cjson
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
apt-get source cjson=1.7.15-1+deb12u4 >/dev/null || exit 1
src=$work/cjson-1.7.15
cmake -S "$here" -B build -DCJSON_SRC="$src" >/dev/null || exit 1
# The build step builds every test program but misc_tests, so that one is missing at test time.
cmake --build build --target cJSON_test parse_examples parse_number parse_hex4 parse_string \
    parse_array parse_object parse_value print_string print_number print_array print_object \
    print_value parse_with_opts compare_tests cjson_add readme_examples minify_tests >/dev/null || exit 1
cd build && ctest --output-junit "$out"
echo "ctest exit code: $?"
