#!/bin/sh
# Fail closed: missing, unreadable, malformed or contradictory evidence is an error (exit 3).
. "$SRCDIR/tests/e2e/lib.sh"
make_repo
cd "$TMP/repo" || exit 1

check 'a missing evidence file' eval 'rm reports/coverage.xml && promote 3 check dev sit &&
    has "$OUT" "ERROR  unit-coverage      cannot open" && has "$OUT" "reports/coverage.xml" &&
    has "$OUT" "verdict: error"; rc=$?; cp "$SRCDIR/examples/bbws/reports/coverage.xml" reports/; [ $rc -eq 0 ]'
check 'an unreadable evidence file' eval 'mkdir "$TMP/dir.xml" && promote 3 check --evidence unit-tests="$TMP/dir.xml" dev sit &&
    has "$OUT" "not a regular file"'
head -c 3000 "$FIX/cobertura/coveragepy-py_high.xml" > "$TMP/truncated.xml"
check 'a truncated report' eval 'promote 3 check --evidence unit-coverage="$TMP/truncated.xml" dev sit &&
    has "$OUT" "ERROR  unit-coverage      cannot parse" && has "$OUT" "truncated.xml"'
: > "$TMP/empty.xml"
check 'an empty report' eval 'promote 3 check --evidence unit-tests="$TMP/empty.xml" dev sit && has "$OUT" "empty.xml"'
head -c 4096 /dev/urandom > "$TMP/garbage.bin" 2>/dev/null || printf '\001\002\003' > "$TMP/garbage.bin"
check 'binary garbage' eval 'promote 3 check --evidence unit-tests="$TMP/garbage.bin" dev sit && has "$OUT" "unrecognised format"'
check 'the wrong kind of report' eval 'promote 3 check --evidence unit-coverage="$FIX/junit/pytest-py_high.xml" dev sit &&
    has "$OUT" "ERROR  unit-coverage      expected a coverage report, got tests (junit)"'
check 'a contradictory report' eval 'sed "s/lines-covered=\"89\"/lines-covered=\"989\"/" "$FIX/cobertura/coveragepy-py_high.xml" > "$TMP/contra.xml" &&
    promote 3 check --evidence unit-coverage="$TMP/contra.xml" dev sit && has "$OUT" "contra.xml"'
python3 - "$FIX/sarif-realworld/codeql-go.sarif" "$TMP/other-rev.sarif" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["runs"][0]["versionControlProvenance"] = [{"repositoryUri": "https://example.com/r", "revisionId": "0123456789abcdef0123456789abcdef01234567"}]
d["runs"][0]["results"] = []
json.dump(d, open(sys.argv[2], "w"))
PY
check 'a SARIF scan of another revision' eval 'promote 3 check --evidence security-findings="$TMP/other-rev.sarif" dev sit &&
    has "$OUT" "the scan was of revision 0123456789abcdef0123456789abcdef01234567, not of commit"'
python3 - "$FIX/sarif-realworld/codeql-go.sarif" "$TMP/same-rev.sarif" "$(git rev-parse release)" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["runs"][0]["versionControlProvenance"] = [{"repositoryUri": "https://example.com/r", "revisionId": sys.argv[3]}]
d["runs"][0]["results"] = []
json.dump(d, open(sys.argv[2], "w"))
d["runs"][0].pop("invocations")  # CodeQL's own "Extraction failed in main.go" errors
json.dump(d, open(sys.argv[2] + ".clean", "w"))
PY
check 'a SARIF scan of this very commit' eval 'promote 0 check --evidence security-findings="$TMP/same-rev.sarif.clean" dev sit'
check 'a SARIF scan whose tool reported errors' eval 'promote 3 check --evidence security-findings="$TMP/same-rev.sarif" dev sit &&
    has "$OUT" "ERROR  security-findings  the scanner reported 2 error(s) of its own: runs[0] (sectools sast): Extraction failed with error"'
check 'the source branch is missing' eval 'git branch -q -m develop dev-renamed && promote 3 check dev sit &&
    has "$ERR" "branch '"'"'develop'"'"' not found"; rc=$?; git branch -q -m dev-renamed develop; [ $rc -eq 0 ]'
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["promotions"][0]["gates"][4]["branch"]="nope"; json.dump(d, open(sys.argv[2], "w"))' \
    "$SRCDIR/tests/e2e/policies/files.json" "$TMP/p.json"
check 'a gate branch that does not exist' eval 'promote 3 check --policy "$TMP/p.json" dev sit &&
    has "$OUT" "ERROR  release-branch     branch '"'"'nope'"'"' not found"'
check 'an entity bomb is refused' eval 'printf "<?xml version=\"1.0\"?>\n<!DOCTYPE coverage [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>\n<coverage lines-valid=\"1\" lines-covered=\"1\">&b;</coverage>\n" > "$TMP/bomb.xml" &&
    promote 3 check --evidence unit-coverage="$TMP/bomb.xml" dev sit && has "$OUT" "bomb.xml"'
finish
