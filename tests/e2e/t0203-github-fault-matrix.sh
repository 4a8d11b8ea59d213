#!/bin/sh
# Every endpoint the GitHub gates read, under every fault: 5xx, resets, stalls, truncated
# and mistyped JSON, rate limits with and without Retry-After, a missing next page and a
# next page on another host. A fault that passes ends in the answer without it; a fault
# that lasts ends in `error` naming the endpoint; never in a pass (fault_matrix.py).
. "$SRCDIR/tests/e2e/lib.sh"
github_policy "$TMP/github.json"
make_repo "$TMP/repo" "$TMP/github.json"
cd "$TMP/repo" || exit 1
python3 "$SRCDIR/examples/bbws/scenario.py" . "$TMP/approved.json" approved
# two items a page, so that the reviews (5), the check runs (4) and the releases (3) span
# pages; and a run of the promotion workflow by the token's owner, for the Actions actor
python3 - "$TMP/approved.json" "$TMP/matrix.json" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
d["max_per_page"] = 2
d["releases"] += [{"tag_name": v, "name": v[1:], "draft": False, "prerelease": False,
                   "body": "Earlier release.", "target_commitish": "main"}
                  for v in ("v1.3.0", "v1.2.0")]
run = dict(d["runs"]["8001"], actor="release-bot", triggering_actor="release-bot")
d["runs"]["8003"] = run
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
cd "$TMP" || exit 1
python3 "$SRCDIR/tests/e2e/fault_matrix.py" "$TMP/repo" "$TMP/matrix.json" "$TMP/matrix"
