#!/bin/sh
# load_test gate: sit -> prod with a load report; a real autocannon report passes, one from
# a slow, failing server is rejected, a broken one is an error. With tests/loadtest's
# node_modules installed (CI installs them) autocannon also runs live on the loopback.
. "$SRCDIR/tests/e2e/lib.sh"
LT="$SRCDIR/tests/fixtures/loadtest"
python3 - "$SRCDIR/tests/e2e/policies/files.json" "$TMP/policy.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
promo = [p for p in d["promotions"] if (p["from"], p["to"]) == ("sit", "prod")][0]
promo["gates"].append({"name": "load-test", "type": "load_test", "evidence": "reports/load.json",
                       "max_latency_ms": 50, "max_error_rate": 0.01, "min_rps": 100})
json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
make_repo "$TMP/repo" "$TMP/policy.json"
cd "$TMP/repo" || exit 1

check 'a healthy autocannon report is approved' eval 'cp "$LT/autocannon-healthy.json" reports/load.json &&
    promote 0 check sit prod &&
    has "$OUT" "PASS   load-test" &&
    has "$OUT" "p97_5 latency 1 ms <= 50 ms, error rate 0.00% <= 1%, 9928.00 req/s >= 100" &&
    has "$OUT" "verdict: approved"'
check 'its numbers and hash in --json' eval 'promote 0 check --json sit prod &&
    jq_is "[g[\"status\"] for g in d[\"gates\"] if g[\"name\"] == \"load-test\"]" "[\"pass\"]" &&
    jq_is "[g[\"details\"] for g in d[\"gates\"] if g[\"name\"] == \"load-test\"][0]" \
        "{\"format\": \"autocannon\", \"percentile_used\": \"p97_5\", \"latency_ms\": 1.0, \"error_rate\": 0.0, \"rps\": 9928.0, \"thresholds_crossed\": [], \"max_latency_ms\": 50, \"percentile\": 95, \"max_error_rate\": 0.01, \"min_rps\": 100}" &&
    jq_is "[g[\"evidence\"][\"sha256\"] for g in d[\"gates\"] if g[\"name\"] == \"load-test\"][0]" \
        "$(sha256sum reports/load.json | cut -d" " -f1)"'
check 'a slow server that fails one request in five is rejected' eval 'cp "$LT/autocannon-faulty.json" reports/load.json &&
    promote 1 check sit prod &&
    has "$OUT" "FAIL   load-test" && has "$OUT" "error rate 19.74% > 1%" &&
    has "$OUT" "verdict: rejected"'
# the published k6 examples have no http_req_failed: a policy without an error-rate baseline
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
g = d["promotions"][1]["gates"][-1]
del g["max_error_rate"]
g["max_latency_ms"], g["min_rps"] = 1000, 10
json.dump(d, open(sys.argv[2], "w"))' "$TMP/policy.json" "$TMP/k6.json"
check 'the k6 --summary-export example is approved by latency and rate' eval '
    promote 0 check --policy "$TMP/k6.json" --evidence load-test="$LT/k6-summary-export.json" sit prod &&
    has "$OUT" "PASS   load-test" && has "$OUT" "p(95) latency 205.275 ms <= 1000 ms, 21.70 req/s >= 10"'
check 'crossed k6 thresholds reject (the k6 handleSummary() example)' eval '
    promote 1 check --policy "$TMP/k6.json" --evidence load-test="$LT/k6-handlesummary-data.json" sit prod &&
    has "$OUT" "FAIL   load-test" && has "$OUT" "2 k6 thresholds crossed: http_req_duration: p(95)<500"'
check 'a baseline the report cannot answer is an error (the k6 --summary-export example)' eval '
    promote 3 check --evidence load-test="$LT/k6-summary-export.json" sit prod &&
    has "$OUT" "ERROR  load-test" &&
    has "$OUT" "cannot judge max_error_rate: '"'"'$LT/k6-summary-export.json'"'"' has no metrics.http_req_failed.value (k6 report)" &&
    has "$OUT" "verdict: error"'
check 'a malformed report is an error naming the file' eval 'head -c 200 "$LT/autocannon-healthy.json" > reports/load.json &&
    promote 3 check sit prod &&
    has "$OUT" "ERROR  load-test" && has "$OUT" "cannot parse" && has "$OUT" "reports/load.json" &&
    has "$OUT" "verdict: error"'
check 'a missing report is an error' eval 'rm -f reports/load.json && promote 3 check sit prod &&
    has "$OUT" "cannot open" && has "$OUT" "reports/load.json"'
check 'a load report of the wrong kind is an error' eval '
    promote 3 check --evidence load-test="$FIX/coveragepy-json/coveragepy-py_high.json" sit prod &&
    has "$OUT" "unrecognised load test report"'
check 'the policy needs a baseline' eval 'python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
g = d[\"promotions\"][1][\"gates\"][-1]
del g[\"max_latency_ms\"], g[\"max_error_rate\"], g[\"min_rps\"]
json.dump(d, open(sys.argv[2], \"w\"))" "$TMP/policy.json" "$TMP/nobase.json" &&
    promote 2 check --policy "$TMP/nobase.json" sit prod &&
    has "$ERR" "needs at least one baseline"'

# live: autocannon against loopback servers, with a local policy lenient on speed (the
# machine may be busy with other tests) but not on errors
if [ -x "$SRCDIR/tests/loadtest/node_modules/.bin/autocannon" ]; then
    python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
g = d["promotions"][1]["gates"][-1]
g["max_latency_ms"], g["min_rps"] = 1000, 10
json.dump(d, open(sys.argv[2], "w"))' "$TMP/policy.json" "$TMP/live.json"
    check 'live: autocannon against a healthy loopback server is approved' eval '
        python3 "$SRCDIR/tests/loadtest/run.py" healthy reports/load.json &&
        promote 0 check --policy "$TMP/live.json" sit prod &&
        has "$OUT" "PASS   load-test" && has "$OUT" "error rate 0.00% <= 1%"'
    check 'live: autocannon against a failing loopback server is rejected' eval '
        python3 "$SRCDIR/tests/loadtest/run.py" faulty reports/load.json &&
        promote 1 check --policy "$TMP/live.json" sit prod &&
        has "$OUT" "FAIL   load-test" && has "$OUT" "> 1%"'
else
    echo "ok - live autocannon runs # SKIP tests/loadtest/node_modules not installed (npm ci)"
fi
finish
