#!/bin/sh
# promote inspect prints the numbers the gates use, for every bundled real report.
. "$SRCDIR/tests/e2e/lib.sh"

# ins FILE KIND FORMAT DETAILS_PY_LITERAL: the numbers (the tests and findings named are
# checked below)
ins() {
    promote 0 inspect --json "$FIX/$1" && jq_is 'd["kind"], d["format"]' "('$2', '$3')" &&
        jq_is '{k: v for k, v in d["details"].items() if k not in ("failing", "findings")}' "$4" &&
        jq_is 'd["file"]' "$FIX/$1" &&
        jq_is 'd["sha256"]' "$(sha256sum "$FIX/$1" | cut -d' ' -f1)"
}
cov() { ins "$1" coverage "$2" "{'format': '$2', 'lines_covered': $3, 'lines_total': $4, 'percent': $5}"; }
tst() { ins "$1" tests junit "{'format': 'junit', 'total': $2, 'passed': $3, 'failed': $4, 'errors': $5, 'skipped': $6, 'disabled': ${7:-0}}"; }
sec() { ins "$1" security sarif "{'format': 'sarif', 'counts': {'critical': $2, 'high': $3, 'medium': $4, 'low': $5}, 'active': $6, 'suppressed': $7, 'absent': $8, 'tool_errors': 0}"; }

check 'cobertura coverage.py high' cov cobertura/coveragepy-py_high.xml cobertura 89 96 92.71
check 'cobertura coverage.py low' cov cobertura/coveragepy-py_low.xml cobertura 37 91 40.66
check 'cobertura gcovr' cov cobertura/gcovr-ringbuf.xml cobertura 64 69 92.75
check 'lcov from coverage.py' cov lcov/coveragepy-py_high.info lcov 90 97 92.78
check 'lcov from geninfo' cov lcov/lcov-combined-c_prog.info lcov 69 92 75.0
check 'coverage.py JSON' cov coveragepy-json/coveragepy-py_high.json coveragepy 89 96 92.71
check 'pytest high' tst junit/pytest-py_high.xml 18 18 0 0 0
check 'pytest low' tst junit/pytest-py_low.xml 11 5 2 1 3
check 'ctest' tst junit/ctest-ringbuf-subset.xml 5 4 1 0 0
check 'codeql ruby' sec sarif-realworld/codeql-ruby.sarif 3 1 0 0 4 0 0
check 'grype' sec sarif-realworld/grype-container.sarif 4 6 20 9 39 0 0
check 'snyk npm' sec sarif-realworld/snyk-npm.sarif 0 6 6 2 14 0 0
check 'trivy + wiz, two runs' sec sarif-realworld/trivy-wiz-2runs.sarif 0 1 5 6 12 0 0
check 'tutorial suppressions' sec sarif-realworld/tutorials-Suppressions.sarif 0 0 6 0 6 3 0
check 'tutorial baseline' sec sarif-realworld/tutorials-Baseline.sarif 0 0 3 0 3 0 1
check 'multitool suppressed eslint' sec sarif/multitool-suppressed-eslint.sarif 0 1 2 0 3 9 1
# named FILE PY_EXPR VALUE: what inspect names of FILE
named() { promote 0 inspect --json "$FIX/$1" && jq_is "$2" "$3"; }
check 'pytest high: no failing test to name' named junit/pytest-py_high.xml 'd["details"]["failing"]' '[]'
check 'pytest low: the failing tests by name, outcome and message' named junit/pytest-py_low.xml \
    '[(t["name"], t["outcome"], t["message"]) for t in d["details"]["failing"]]' \
    "[('tests.test_models.test_sell_too_many_fails_on_purpose', 'failure', 'AssertionError: assert 0 == 1'), ('tests.test_storage.test_with_database', 'error', 'failed on setup with \"ConnectionError: could not connect to test database\"'), ('tests.test_storage.test_low_stock_wrong', 'failure', 'AssertionError: assert 1 == 0')]"
check 'ctest: the failing test by name' named junit/ctest-ringbuf-subset.xml \
    '[t["name"] for t in d["details"]["failing"]]' "['ringbuf.capacity_bug']"
check 'codeql ruby: the findings by rule, file and line' named sarif-realworld/codeql-ruby.sarif \
    '[(f["severity"], f["rule"], f["uri"], f["line"]) for f in d["details"]["findings"]]' \
    "[('critical', 'rb/request-forgery', 'script.rb', 6), ('critical', 'rb/kernel-open', 'script.rb', 6), ('critical', 'rb/non-constant-kernel-open', 'script.rb', 6), ('high', 'rb/csrf-protection-not-enabled', 'script.rb', 3)]"
check 'grype: the first five of each severity named (4 + 5 + 5 + 5 of 39)' named \
    sarif-realworld/grype-container.sarif '[f["severity"] for f in d["details"]["findings"]].count("medium"), len(d["details"]["findings"])' '(5, 19)'
check 'human output' eval 'promote 0 inspect "$FIX/cobertura/gcovr-ringbuf.xml" &&
    has "$OUT" "coverage report (cobertura)" && has "$OUT" "line coverage 92.75%: 64 of 69 lines covered"'
check 'a missing file' eval 'promote 3 inspect "$TMP/nope.xml" && has "$ERR" "cannot open '"'"'$TMP/nope.xml'"'"'"'
check 'an unrecognised file' eval 'printf "hello\n" > "$TMP/x.txt" && promote 3 inspect "$TMP/x.txt" && has "$ERR" "unrecognised format"'
check 'an XML file of another kind' eval 'printf "<html><body/></html>\n" > "$TMP/x.html" && promote 3 inspect "$TMP/x.html" && has "$ERR" "x.html"'
check 'a JSON file of another kind' eval 'printf "{\"a\": 1}\n" > "$TMP/x.json" && promote 3 inspect "$TMP/x.json" && has "$ERR" "unrecognised format"'
finish
