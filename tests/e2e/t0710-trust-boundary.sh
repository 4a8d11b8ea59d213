#!/bin/sh
# The trust boundary: what is recorded is evaluated under the protected policy only;
# nothing is read from the log before it verifies with the protected policy's keys; a
# remote log rolled back behind what this clone saw is tampering; entries this clone
# holds and the remote lacks are never dropped.
. "$SRCDIR/tests/e2e/lib.sh"
make_key ci
trust_keys "$SRCDIR/tests/e2e/policies/files.json" "$TMP/keyed.json" ci
python3 - "$TMP/keyed.json" "$TMP/policy.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for e in d["environments"]:
    if e["name"] == "sit":
        e["tag_template"] = "sit-{yyyy}.{mm}.{dd}.{n}"
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
make_repo "$TMP/repo" "$TMP/policy.json"
cd "$TMP/repo" || exit 1
K="--key $TMP/ci.key"
count() { git -C "${1:-.}" rev-list --count refs/promote/audit 2>/dev/null || echo 0; }
# a local policy that trusts a key the protected one does not (the forger's, below)
openssl genpkey -algorithm ed25519 -out "$TMP/forger.pem" 2>/dev/null || exit 1
FORGER_PUB=$(openssl pkey -in "$TMP/forger.pem" -pubout -outform DER | tail -c 32 | base64)
python3 - "$TMP/policy.json" "$TMP/local.json" "$FORGER_PUB" <<'PY'
import base64, hashlib, json, sys
d = json.load(open(sys.argv[1]))
pk = base64.b64decode(sys.argv[3])
d["trusted_keys"].append({"id": hashlib.sha256(pk).hexdigest()[:16], "public_key": sys.argv[3], "name": "forger"})
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY

# (a) --policy FILE: for commands that record nothing only
for cmd in "$K dev sit" "hold sit $K --reason x" "unhold sit $K --reason x" \
    "record dr-test $K --env prod --result pass" "rollback sit $K --reason x"; do
    verb=${cmd%% *}
    case $verb in --key) verb=promote ;; esac
    check "a recording command refuses --policy FILE before anything: $verb" eval '
        promote 2 $cmd --policy "$TMP/local.json" && [ ! -s "$OUT" ] &&
        has "$ERR" "--policy '"'"'$TMP/local.json'"'"' cannot be used with '"'"'$verb'"'"'" &&
        has "$ERR" "evaluated under the protected policy" &&
        ! git rev-parse -q --verify refs/promote/audit >/dev/null && [ -z "$(git tag)" ]'
done
check 'the same promotion under the protected policy is recorded and tagged' eval 'promote 0 $K dev sit &&
    has "$OUT" "recorded: seq 1" && has "$OUT" "deployed: tag sit-" && [ -n "$(git tag)" ]'
check 'check --policy FILE works, and says the policy is local and which keys verified the log' eval '
    promote 0 check --policy "$TMP/local.json" dev sit &&
    has "$OUT" "[local file given with --policy, not the policy ref]" &&
    has "$OUT" "audit log: 2 entries, verified with the trusted keys of refs/heads/main:.promote/policy.json (the protected policy, not the local file)" &&
    promote 0 check --json --policy "$TMP/local.json" dev sit && jq_is "d[\"policy\"][\"local_override\"]" True &&
    jq_is "d[\"audit_log\"]" "{\"entries\": 2, \"keys_from\": \"refs/heads/main:.promote/policy.json\", \"keys_local\": false}"'
check 'status --policy FILE says so too' eval 'promote 0 status --policy "$TMP/local.json" &&
    has "$OUT" "policy $TMP/local.json [local file given with --policy, not the policy ref]" &&
    promote 0 status --json --policy "$TMP/local.json" && jq_is "d[\"policy\"][\"local_override\"]" True &&
    jq_is "d[\"audit_log\"][\"keys_local\"]" False &&
    promote 0 status --json && jq_is "d[\"policy\"][\"local_override\"]" False'
check 'the audit queries name the keys a local policy file did not give' eval 'promote 0 audit log --policy "$TMP/local.json" &&
    has "$ERR" "note: --policy '"'"'$TMP/local.json'"'"' is a local file: the audit log was verified with the trusted keys of refs/heads/main" &&
    promote 0 audit verify --policy "$TMP/local.json" && has "$OUT" "(the protected policy)"'
cp -r "$TMP/repo" "$TMP/nopolicy"
check 'without a protected policy, check --policy FILE verifies with the file'"'"'s keys, and says so' eval '
    git -C "$TMP/nopolicy" update-ref refs/heads/main develop && cd "$TMP/nopolicy" &&
    promote 0 check --json --policy "$TMP/local.json" dev sit; rc=$?; cd "$TMP/repo"; [ $rc -eq 0 ] &&
    jq_is "d[\"audit_log\"][\"keys_local\"]" True && jq_is "d[\"audit_log\"][\"keys_from\"]" "$TMP/local.json"'

# (b) a forged unhold, signed with a key made by openssl, appended to the log
check 'a hold refuses promotions into sit' eval 'promote 0 hold sit $K --reason "incident INC-7" &&
    promote 1 check dev sit && has "$OUT" "sit is on hold since seq 3"'
python3 - "$TMP/forged" <<'PY' || exit 1
import base64, hashlib, json, subprocess, sys
out = sys.argv[1]
entry = json.loads(subprocess.run(["git", "show", "refs/promote/audit:entry.dsse.json"], capture_output=True, check=True).stdout)
payload = base64.b64decode(entry["payload"])
st = json.loads(payload)
p = st["predicate"]
p.update(kind="unhold", reason="all clear (forged)", seq=p["seq"] + 1, prev=hashlib.sha256(payload).hexdigest(), nonce="00" * 16)
body = json.dumps(st, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
t = entry["payloadType"].encode()
open(out + ".pae", "wb").write(b"DSSEv1 %d %s %d " % (len(t), t, len(body)) + body)
open(out + ".body", "wb").write(body)
PY
openssl pkeyutl -sign -inkey "$TMP/forger.pem" -rawin -in "$TMP/forged.pae" -out "$TMP/forged.sig" || exit 1
python3 - "$TMP/forged" <<'PY' || exit 1
import base64, json, sys
out = sys.argv[1]
env = {"payload": base64.b64encode(open(out + ".body", "rb").read()).decode(),
       "payloadType": "application/vnd.in-toto+json",
       "signatures": [{"keyid": "forger", "sig": base64.b64encode(open(out + ".sig", "rb").read()).decode()}]}
open(out + ".line", "w").write(json.dumps(env, separators=(",", ":")) + "\n")
PY
blob=$(git hash-object -w "$TMP/forged.line") &&
    cpb=$(git rev-parse refs/promote/audit:checkpoint) &&
    tree=$(printf '100644 blob %s\tcheckpoint\n100644 blob %s\tentry.dsse.json\n' "$cpb" "$blob" | git mktree) &&
    forged=$(g commit-tree "$tree" -p refs/promote/audit -m "promote: audit entry 4") &&
    git update-ref refs/promote/audit "$forged" || exit 1
check 'the forged entry verifies with openssl (it is a real Ed25519 signature)' eval '
    openssl pkey -in "$TMP/forger.pem" -pubout -out "$TMP/forger.pub" &&
    run 0 openssl pkeyutl -verify -pubin -inkey "$TMP/forger.pub" -rawin -in "$TMP/forged.pae" -sigfile "$TMP/forged.sig"'
check 'check reads nothing of a log that does not verify: exit 4, naming the entry' eval 'promote 4 check dev sit &&
    has "$ERR" "seq 4: not signed by any trusted key" && [ ! -s "$OUT" ]'
check 'status: exit 4, naming the entry' eval 'promote 4 status && has "$ERR" "seq 4: not signed by any trusted key"'
check 'a local policy that trusts the forger changes nothing: the protected policy'"'"'s keys decide' eval '
    promote 4 check --policy "$TMP/local.json" dev sit && has "$ERR" "seq 4: not signed by any trusted key" &&
    promote 4 status --policy "$TMP/local.json" && promote 4 audit log --policy "$TMP/local.json"'
check 'the audit queries and a recording promotion refuse it too; nothing is recorded' eval 'promote 4 audit log &&
    promote 4 audit show 4 && promote 4 audit export && has "$ERR" "seq 4" &&
    promote 4 $K dev sit && has "$ERR" "the audit log does not verify; nothing was evaluated" && [ "$(count)" = 4 ]'

# (d) entries recorded with --no-remote, and (c) a remote rolled back behind this clone
git update-ref refs/promote/audit refs/promote/audit~1
git init -q --bare -b main "$TMP/remote.git" && git remote add origin "$TMP/remote.git" &&
    git push -q origin main develop release && git fetch -q origin || exit 1
git clone -q "$TMP/remote.git" "$TMP/other" && (cd "$TMP/other" && git branch -q develop origin/develop &&
    git branch -q release origin/release && mkdir -p reports && cp "$SRCDIR"/examples/bbws/reports/* reports/) || exit 1
check 'the first normal run pushes what this clone recorded so far' eval 'promote 0 audit push $K &&
    has "$OUT" "pushed 3 entries to '"'"'origin'"'"'" && [ "$(count "$TMP/remote.git")" = 3 ]'
check 'a --no-remote entry stays local' eval 'promote 0 record dr-test $K --no-remote --env prod --result pass &&
    has "$OUT" "seq 4" && has "$OUT" "local only" && [ "$(count "$TMP/remote.git")" = 3 ]'
check 'meanwhile another clone pushes' eval 'cd "$TMP/other" && promote 0 unhold sit $K --reason "INC-7 over"; rc=$?; cd "$TMP/repo";
    [ $rc -eq 0 ] && [ "$(count "$TMP/remote.git")" = 4 ]'
check 'a read-only command does not drop it: exit 3 naming it and how to push it' eval 'promote 3 status &&
    has "$ERR" "this clone holds 1 audit entry that '"'"'origin'"'"' lacks (seq 4 dr_test " &&
    has "$ERR" "'"'"'promote audit push --key <file>'"'"' pushes it" && [ "$(count)" = 4 ]'
check 'the next normal promotion re-chains it after the remote'"'"'s entry and pushes both' eval 'promote 0 $K dev sit &&
    has "$OUT" "recorded: seq 6" && [ "$(count "$TMP/remote.git")" = 7 ] && [ "$(count)" = 7 ] &&
    promote 0 audit log --kind dr_test && has "$OUT" "    5 " && promote 0 audit log --kind unhold && has "$OUT" "    4 "'
check 'the log verifies in this clone and in a fresh clone of the remote' eval 'promote 0 audit verify &&
    has "$OUT" "audit log intact: 7 entries" && rm -rf "$TMP/fresh" && git clone -q "$TMP/remote.git" "$TMP/fresh" &&
    cd "$TMP/fresh" && promote 0 audit verify; rc=$?; cd "$TMP/repo"; [ $rc -eq 0 ] && has "$OUT" "audit log intact: 7 entries"'
# (c) this clone holds sit; someone moves the remote's log back one entry
check 'a hold, pushed' eval 'promote 0 hold sit $K --reason "INC-8" && has "$OUT" "seq 8" && has "$OUT" "pushed" &&
    [ "$(count "$TMP/remote.git")" = 8 ]'
tags=$(git tag | sort)
rtags=$(git -C "$TMP/remote.git" tag | sort)
git -C "$TMP/remote.git" update-ref refs/promote/audit refs/promote/audit~1
check 'the remote rolled back: audit verify exits 4' eval 'promote 4 audit verify &&
    has "$ERR" "the audit log on '"'"'origin'"'"': the log has 7 entries but the log this clone saw on '"'"'origin'"'"' had 8 (truncation or rollback)"'
check 'and a promotion into the held environment records, tags and deploys nothing' eval 'promote 4 $K dev sit &&
    has "$ERR" "truncation or rollback" && [ ! -s "$OUT" ] &&
    [ "$(count "$TMP/remote.git")" = 7 ] && [ "$(count)" = 8 ] && [ "$(git tag | sort)" = "$tags" ] &&
    [ "$(git -C "$TMP/remote.git" tag | sort)" = "$rtags" ]'
check 'so does check with the remote, and any read of the log' eval 'promote 4 check --remote origin dev sit &&
    promote 4 status && promote 4 audit log'
finish
