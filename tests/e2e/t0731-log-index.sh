#!/bin/sh
# The index of the audit log (.git/promote/index.sqlite) is derived: deleting it,
# truncating it, filling it with garbage or punching a hole in its rows changes no answer
# of audit log, audit show, status or check (it is made again from the log). A log
# rewritten under a warm index is still refused. An append killed after its ref moved is
# in the index on the next run.
. "$SRCDIR/tests/e2e/lib.sh"
make_key ci
trust_keys "$SRCDIR/tests/e2e/policies/files.json" "$TMP/keyed.json" ci
python3 - "$TMP/keyed.json" "$TMP/policy.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["promotions"][0]["gates"] = [{"name": "came-from-dev", "type": "provenance", "require_decision": False}]
d["promotions"][1]["gates"] = [{"name": "came-from-sit", "type": "provenance", "require_decision": False},
                               {"name": "dr-tested", "type": "dr_test", "max_age_days": 31}]
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
make_repo "$TMP/repo" "$TMP/policy.json"
cd "$TMP/repo" || exit 1
K="--key $TMP/ci.key --no-remote"
export PROMOTE_NOW=2026-11-04T08:00:00Z
INDEX=.git/promote/index.sqlite
# a log read from its first entry (an index made again) is read in batches of two
PROMOTE_BATCH=2
export PROMOTE_BATCH
# every answer the index gives, into $TMP/answers.$1
answers() {
    promote 0 audit log --no-remote && cp "$OUT" "$TMP/answers.$1" &&
    promote 0 audit log --no-remote --env prod --kind dr_test --reverse && cat "$OUT" >>"$TMP/answers.$1" &&
    promote 0 audit log --no-remote --json --limit 3 && cat "$OUT" >>"$TMP/answers.$1" &&
    promote 0 audit show --no-remote 3 && cat "$OUT" >>"$TMP/answers.$1" &&
    promote 0 status --json --no-remote && cat "$OUT" >>"$TMP/answers.$1" &&
    promote 0 check dev sit && cat "$OUT" >>"$TMP/answers.$1" &&
    promote 0 check sit prod && cat "$OUT" >>"$TMP/answers.$1"
}
same_as_before() {
    cmp "$TMP/answers.warm" "$TMP/answers.$1" || diff "$TMP/answers.warm" "$TMP/answers.$1" >&2
}
rows() {
    python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from entries").fetchone()[0])' "$INDEX"
}

check 'a log of deployments, a DR test, a hold and its unhold' eval 'promote 0 record deployed $K --env dev --commit release --result success &&
    promote 0 record deployed $K --env sit --commit release --result success &&
    promote 0 record dr-test $K --env prod --result pass --note "failover drill" &&
    promote 0 hold prod $K --reason "INC-7" && promote 0 unhold prod $K --reason "INC-7 closed" &&
    promote 0 record deployed $K --env dev --commit main --result failure'
check 'the index holds every entry' eval 'answers warm && [ -f $INDEX ] && [ "$(rows)" = 6 ] &&
    has "$TMP/answers.warm" "PASS   came-from-sit" && has "$TMP/answers.warm" "PASS   dr-tested"'
check 'deleted: the same answers, and the index is back' eval 'rm -f $INDEX && answers deleted &&
    same_as_before deleted && [ "$(rows)" = 6 ]'
check 'garbage: the same answers' eval 'head -c 3000 /dev/urandom > $INDEX && answers garbage &&
    same_as_before garbage && [ "$(rows)" = 6 ]'
check 'truncated: the same answers' eval 'head -c 2048 $INDEX > $INDEX.cut && mv $INDEX.cut $INDEX &&
    answers truncated && same_as_before truncated && [ "$(rows)" = 6 ]'
check 'a row missing in the middle: the same answers' eval 'python3 -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(\"delete from entries where seq = 3\"); c.commit()" $INDEX &&
    answers hole && same_as_before hole && [ "$(rows)" = 6 ]'
check 'a row count that lies: the same answers, and a count that is true again' eval 'python3 -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(\"update meta set v = 4 where k = ?\", (\"rows\",)); c.commit()" $INDEX &&
    answers count && same_as_before count && [ "$(rows)" = 6 ] &&
    [ "$(python3 -c "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(\"select v from meta where k = ?\", (\"rows\",)).fetchone()[0])" $INDEX)" = 6 ]'
check 'a trigger dropped: the same answers, and an index that counts again' eval 'python3 -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(\"drop trigger entries_added\"); c.commit()" $INDEX &&
    answers trigger && same_as_before trigger && [ "$(rows)" = 6 ] &&
    [ "$(python3 -c "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(\"select count(*) from sqlite_master where type = ?\", (\"trigger\",)).fetchone()[0])" $INDEX)" = 2 ]'
check 'another format: the same answers' eval 'python3 -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(\"update meta set v = 9 where k = ?\", (\"format\",)); c.commit()" $INDEX &&
    answers format && same_as_before format'
check 'the log cut back under a warm index: refused, naming the truncation' eval 'answers again &&
    git update-ref refs/promote/audit refs/promote/audit~2 &&
    promote 4 audit log --no-remote && has "$ERR" "truncation or rollback" &&
    promote 4 check dev sit && promote 4 status --no-remote'
check 'a rewritten tail under a warm index: refused' eval 'git update-ref refs/promote/audit $(cat .git/promote/checkpoint | sed -n "s/^local [0-9]* [0-9a-f]* //p") &&
    promote 0 audit verify --no-remote &&
    tip=$(git rev-parse refs/promote/audit) &&
    forged=$(GIT_AUTHOR_NAME=m GIT_AUTHOR_EMAIL=m@example.com GIT_COMMITTER_NAME=m GIT_COMMITTER_EMAIL=m@example.com git commit-tree $(git rev-parse $tip^{tree}) -p $tip~1 -m forged) &&
    git update-ref refs/promote/audit $forged &&
    promote 4 audit log --no-remote && has "$ERR" "history was rewritten" &&
    git update-ref refs/promote/audit $tip && promote 0 audit verify --no-remote'
check 'an append killed after its ref moved: in the index on the next run' eval '{ PROMOTE_CRASH_AT=after-ref "$PROMOTE" record dr-test $K --env prod --result pass --note crashed >/dev/null 2>&1; [ $? = 137 ]; } &&
    promote 0 audit log --no-remote --limit 1 && has "$OUT" "dr_test" && [ "$(rows)" = 7 ] &&
    promote 0 audit verify --no-remote && has "$OUT" "7 entries"'
finish
