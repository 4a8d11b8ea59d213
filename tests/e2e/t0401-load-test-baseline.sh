#!/bin/sh
# load_test with baseline "last_approved": before any approved promotion into prod records
# a load test, the gate says so and judges by the fixed thresholds alone; after one, a run
# that regresses beyond max_regression_percent is rejected naming both runs and their
# figures, and a run within it passes.
. "$SRCDIR/tests/e2e/lib.sh"
LT="$SRCDIR/tests/fixtures/loadtest"
make_key ci
python3 - "$SRCDIR/tests/e2e/policies/files.json" "$TMP/base.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
promo = [p for p in d["promotions"] if (p["from"], p["to"]) == ("sit", "prod")][0]
promo["gates"].append({"name": "load-test", "type": "load_test", "evidence": "reports/load.json",
                       "max_latency_ms": 50, "max_error_rate": 0.01, "min_rps": 100,
                       "baseline": "last_approved", "max_regression_percent": 10})
json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
trust_keys "$TMP/base.json" "$TMP/policy.json" ci
make_repo "$TMP/repo" "$TMP/policy.json"
cd "$TMP/repo" || exit 1
K="--key $TMP/ci.key --no-remote"
# autocannon-healthy.json: p97_5 latency 1 ms, no errors, 9928 req/s. Two runs made from it:
# one slower (2 ms) and slower to serve (8000 req/s), one within 10% (9500 req/s)
python3 - "$LT/autocannon-healthy.json" "$TMP/regressed.json" "$TMP/within.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["latency"]["p97_5"] = d["latency"]["p99"] = 2
d["requests"]["average"] = d["requests"]["mean"] = 8000
json.dump(d, open(sys.argv[2], "w"))
d = json.load(open(sys.argv[1]))
d["requests"]["average"] = d["requests"]["mean"] = 9500
json.dump(d, open(sys.argv[3], "w"))
PY
cp "$LT/autocannon-healthy.json" reports/load.json
gate='[g for g in d["gates"] if g["name"] == "load-test"][0]'

check 'no recorded baseline yet: the gate says so and judges by the fixed thresholds' eval 'promote 0 check sit prod &&
    has "$OUT" "PASS   load-test" &&
    has "$OUT" "p97_5 latency 1 ms <= 50 ms, error rate 0.00% <= 1%, 9928.00 req/s >= 100, no approved load test recorded into prod yet: fixed thresholds only" &&
    promote 0 check --json sit prod && jq_is "$gate[\"details\"][\"baseline\"]" null'
check 'no recorded baseline yet: a run over a fixed threshold is rejected' eval 'promote 1 check --evidence load-test="$LT/autocannon-faulty.json" sit prod &&
    has "$OUT" "FAIL   load-test" && has "$OUT" "error rate 19.74% > 1%"'
check 'an approved promotion into prod records its load test' eval 'promote 0 $K --json sit prod &&
    jq_is "d[\"verdict\"]" approved && jq_is "d[\"record\"][\"seq\"]" 1 &&
    cp "$OUT" "$TMP/approved.json"'
commit=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["commit"])' "$TMP/approved.json")
base="$TMP/repo/reports/load.json"
check 'the baseline is the load test of that decision (seq 1)' eval 'promote 0 check --json --evidence load-test="$TMP/within.json" sit prod &&
    jq_is "$gate[\"details\"][\"baseline\"][\"seq\"]" 1 &&
    jq_is "$gate[\"details\"][\"baseline\"][\"commit\"]" "$commit" &&
    jq_is "$gate[\"details\"][\"baseline\"][\"file\"]" "$base" &&
    jq_is "$gate[\"details\"][\"baseline\"][\"latency_ms\"]" 1.0 &&
    jq_is "$gate[\"details\"][\"baseline\"][\"rps\"]" 9928.0'
check 'a run within 10% of the baseline passes' eval 'promote 0 check --evidence load-test="$TMP/within.json" sit prod &&
    has "$OUT" "PASS   load-test" &&
    has "$OUT" "p97_5 latency 1 ms within 10% of 1 ms, error rate 0.00% within 10% of 0.00%, 9500.00 req/s within 10% of 9928.00"'
check 'a run that regresses beyond 10% is rejected, naming both runs' eval 'promote 1 check --evidence load-test="$TMP/regressed.json" sit prod &&
    has "$OUT" "FAIL   load-test" &&
    has "$OUT" "p97_5 latency 2 ms > 1.1 ms (1 ms + 10%), 8000.00 req/s < 8935.20 (9928.00 - 10%), this run $TMP/regressed.json vs baseline seq 1 (${commit%????????????????????????????}, $base)"'
check 'explain: what to reach, against which baseline run' eval 'promote 1 explain --evidence load-test="$TMP/regressed.json" sit prod &&
    has "$OUT" "  load-test: bring p97_5 latency to <= 1.1 ms (baseline seq 1 + 10%), raise throughput to >= 8935.20 req/s (baseline seq 1 - 10%) (run $TMP/regressed.json; baseline: seq 1, commit ${commit%????????????????????????????}, run $base)" &&
    promote 1 explain --json --evidence load-test="$TMP/regressed.json" sit prod &&
    jq_is "$gate[\"remedy\"][\"run\"]" "$TMP/regressed.json" &&
    jq_is "$gate[\"remedy\"][\"baseline\"][\"seq\"]" 1 &&
    jq_is "[[m[\"metric\"], m[\"value\"], round(m[\"limit\"], 2), m[\"baseline_seq\"]] for m in $gate[\"remedy\"][\"metrics\"]]" "[[\"latency_ms\", 2.0, 1.1, 1], [\"rps\", 8000.0, 8935.2, 1]]"'
finish
