#!/bin/sh
# promote FROM TO records a signed decision in refs/promote/audit; the audit commands
# read it back.
. "$SRCDIR/tests/e2e/lib.sh"
make_key ci
make_key stranger
trust_keys "$SRCDIR/tests/e2e/policies/files.json" "$TMP/policy.json" ci
make_repo "$TMP/repo" "$TMP/policy.json"
cd "$TMP/repo" || exit 1
release=$(git rev-parse release)
K="--key $TMP/ci.key"

check 'no signing key: refused before any gate, nothing recorded' eval 'promote 2 dev sit &&
    has "$ERR" "no usable signing key (use '"'"'promote check'"'"' for an unrecorded evaluation)" &&
    [ ! -s "$OUT" ] && ! git rev-parse -q --verify refs/promote/audit >/dev/null'
check 'an untrusted key: refused, nothing recorded' eval 'promote 2 --key "$TMP/stranger.key" dev sit &&
    has "$ERR" "is not among the policy'"'"'s trusted_keys" && ! git rev-parse -q --verify refs/promote/audit >/dev/null'
check 'an approved decision is recorded as seq 1' eval 'promote 0 $K dev sit &&
    has "$OUT" "verdict: approved" && has "$OUT" "recorded: seq 1, decision " && has "$OUT" "local only" &&
    git rev-parse -q --verify refs/promote/audit >/dev/null'
check 'a rejected decision is recorded as seq 2' eval 'promote 1 $K --evidence unit-tests="$FIX/junit/pytest-py_low.xml" dev sit &&
    has "$OUT" "recorded: seq 2"'
check 'an evaluation error is recorded as seq 3' eval 'promote 3 $K --json --evidence unit-tests=/nonexistent.xml dev sit &&
    jq_is "d[\"record\"][\"seq\"]" 3 && jq_is "d[\"verdict\"]" error && jq_is "d[\"record\"][\"pushed\"]" False'
check 'check records nothing' eval 'before=$(git rev-parse refs/promote/audit) && promote 0 check dev sit &&
    [ "$(git rev-parse refs/promote/audit)" = "$before" ]'
check 'the key from PROMOTE_SIGNING_KEY' eval 'PROMOTE_SIGNING_KEY="$(cat "$TMP/ci.key")" promote 0 sit prod && has "$OUT" "recorded: seq 4"'
check 'the log verifies (each promotion verified it, and remembered what it appended)' eval 'promote 0 audit verify &&
    has "$OUT" "audit log intact: 4 entries" && has "$OUT" "consistent with the 4 entries this clone saw before"'
check 'a fresh clone trusts on first use, and says so' eval 'rm -rf "$TMP/fresh" && git clone -q --mirror . "$TMP/fresh" &&
    (cd "$TMP/fresh" && "$PROMOTE" audit verify --no-remote --policy "$TMP/policy.json" >"$OUT" 2>"$ERR") &&
    has "$OUT" "first verification on this clone: trusted on first use; pin it with --expect 4:"'
check 'a second verify is consistent with the first' eval 'promote 0 audit verify && has "$OUT" "consistent with the 4 entries this clone saw before"'
check 'audit log: newest first, one line each' eval 'promote 0 audit log && [ "$(wc -l < "$OUT")" = 4 ] &&
    head -1 "$OUT" | grep -q "^    4 .*decision.*sit->prod.*${release%????????????????????????????}.*approved" &&
    tail -1 "$OUT" | grep -q "^    1 .*dev->sit.*approved"'
check 'audit log filters' eval 'promote 0 audit log --env sit && [ "$(wc -l < "$OUT")" = 3 ] &&
    promote 0 audit log --verdict rejected && [ "$(wc -l < "$OUT")" = 1 ] &&
    promote 0 audit log --commit release --limit 2 && [ "$(wc -l < "$OUT")" = 2 ]'
check 'audit log --json: JSON Lines of the statements' eval 'promote 0 audit log --json --limit 1 --env sit --verdict error &&
    jq_is "d[\"seq\"]" 3 && jq_is "d[\"statement\"][\"_type\"]" "https://in-toto.io/Statement/v1" &&
    jq_is "d[\"statement\"][\"predicateType\"]" "https://slsa.dev/verification_summary/v1" &&
    jq_is "d[\"statement\"][\"subject\"][0][\"digest\"][\"gitCommit\"]" "$release" &&
    jq_is "d[\"statement\"][\"predicate\"][\"verificationResult\"]" FAILED &&
    jq_is "d[\"statement\"][\"predicate\"][\"urn:promote:decision:v1\"][\"verdict\"]" error &&
    jq_is "d[\"statement\"][\"predicate\"][\"resourceUri\"].endswith(\"/environments/sit\")" True &&
    jq_is "d[\"statement\"][\"predicate\"][\"seq\"]" 3'
check 'seq 1 chains to zeros' eval 'promote 0 audit show --json 1 &&
    jq_is "d[\"statement\"][\"predicate\"][\"prev\"]" 0000000000000000000000000000000000000000000000000000000000000000 &&
    jq_is "d[\"statement\"][\"predicate\"][\"verifiedLevels\"]" "[\"PROMOTE_dev_TO_sit\"]"'
check 'evidence hashes are in the record' eval 'promote 0 audit show --json 1 &&
    jq_is "[g[\"evidence\"][\"sha256\"] for g in d[\"statement\"][\"predicate\"][\"urn:promote:decision:v1\"][\"gates\"] if g[\"name\"] == \"unit-coverage\"][0]" "$(sha256sum reports/coverage.xml | cut -d" " -f1)"'
check 'the decision id is the SHA-256 of the payload' eval 'promote 0 audit export &&
    sed -n 1p "$OUT" | python3 -c "import base64,hashlib,json,sys; print(hashlib.sha256(base64.b64decode(json.load(sys.stdin)[\"payload\"])).hexdigest())" > "$TMP/id1" &&
    promote 0 audit show --json 1 && jq_is "d[\"id\"]" "$(cat "$TMP/id1")"'
check 'audit show by decision id' eval 'promote 0 audit show "$(cut -c1-12 "$TMP/id1")" && has "$OUT" "seq 1  id $(cat "$TMP/id1")" &&
    has "$OUT" "pass   unit-coverage"'
check 'export writes the entry bytes verbatim, oldest first' eval 'promote 0 audit export && [ "$(wc -l < "$OUT")" = 4 ] &&
    git show refs/promote/audit:entry.dsse.json | cmp - "$(tail -1 "$OUT" > "$TMP/e4"; echo "$TMP/e4")" &&
    git show refs/promote/audit~3:entry.dsse.json | cmp - "$(head -1 "$OUT" > "$TMP/e1"; echo "$TMP/e1")"'
check 'export --reverse writes newest first' eval 'promote 0 audit export --reverse && head -1 "$OUT" | cmp - "$TMP/e4" &&
    tail -1 "$OUT" | cmp - "$TMP/e1"'
check 'log --reverse lists oldest first' eval 'promote 0 audit log --reverse && head -1 "$OUT" | grep -q "^    1 " &&
    promote 0 audit log && head -1 "$OUT" | grep -q "^    4 "'
# RFC 6962 over the exported lines, in the order export writes them, is the verified root
cat > "$TMP/merkle.py" <<'PY'
import hashlib, sys
leaves = [hashlib.sha256(b"\x00" + l).digest() for l in sys.stdin.buffer.read().splitlines(keepends=True)]
def root(v):
    if len(v) == 1:
        return v[0]
    k = 1
    while k * 2 < len(v):
        k *= 2
    return hashlib.sha256(b"\x01" + root(v[:k]) + root(v[k:])).digest()
print(root(leaves).hex())
PY
check 'export feeds an RFC 6962 root computation as it is' eval 'promote 0 audit verify &&
    root=$(sed -n "s/.*root \\([0-9a-f]*\\).*/\\1/p" "$OUT") && [ -n "$root" ] &&
    promote 0 audit export && [ "$(python3 "$TMP/merkle.py" < "$OUT")" = "$root" ] &&
    promote 0 audit export --reverse && [ "$(python3 "$TMP/merkle.py" < "$OUT")" != "$root" ]'
check 'verify with --pubkey only' eval 'promote 0 audit verify --pubkey "$TMP/ci.key.pub" &&
    promote 4 audit verify --pubkey "$TMP/stranger.key.pub" && has "$ERR" "seq 1: not signed by any trusted key"'
check 'verify --expect pins a checkpoint' eval 'promote 0 audit verify && root=$(sed -n "s/.*root \\([0-9a-f]*\\).*/\\1/p" "$OUT") &&
    promote 0 audit verify --expect "4:$root" && promote 4 audit verify --expect "4:$(echo "$root" | tr 0-9a-f 1-9a-f0)"'
# key rotation: the old key is retired after seq 5 and keeps verifying what it signed
make_key next
trust_keys "$TMP/policy.json" "$TMP/rotated.json" ci next
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["trusted_keys"][0]["not_after_seq"]=5; json.dump(d, open(sys.argv[1], "w"))' "$TMP/rotated.json"
check 'a recording command refuses a local policy file, records nothing' eval 'promote 2 --policy "$TMP/rotated.json" $K dev sit &&
    has "$ERR" "--policy '"'"'$TMP/rotated.json'"'"' cannot be used with '"'"'promote'"'"'" && [ ! -s "$OUT" ] &&
    [ "$(git rev-list --count refs/promote/audit)" = 4 ]'
commit_policy "$TMP/rotated.json"
check 'a key may sign up to its not_after_seq' eval 'promote 0 $K dev sit && has "$OUT" "recorded: seq 5"'
check 'a retired key is refused, nothing recorded' eval 'promote 2 $K dev sit &&
    has "$ERR" "is retired (it signs entries up to seq 5 only" && [ ! -s "$OUT" ]'
check 'the new key signs seq 6, and the whole log verifies' eval 'promote 0 --key "$TMP/next.key" dev sit &&
    has "$OUT" "recorded: seq 6" && promote 0 audit verify && has "$OUT" "6 entries"'
check 'a key file readable by others is refused, nothing recorded' eval 'cp "$TMP/ci.key" "$TMP/loose.key" && chmod 644 "$TMP/loose.key" &&
    n=$(git rev-list --count refs/promote/audit) && promote 2 --key "$TMP/loose.key" dev sit &&
    has "$ERR" "no usable signing key" && [ "$(git rev-list --count refs/promote/audit)" = "$n" ]'
check 'a corrupted key file is refused' eval 'sed "2s/A/B/" "$TMP/ci.key" > "$TMP/bad.key" && chmod 600 "$TMP/bad.key" &&
    ! cmp -s "$TMP/bad.key" "$TMP/ci.key" && promote 2 --key "$TMP/bad.key" dev sit && has "$ERR" "no usable signing key"'
check 'a wrong passphrase is refused' eval 'PROMOTE_KEY_PASSPHRASE=right "$PROMOTE" keys generate --out "$TMP/enc.key" >/dev/null &&
    PROMOTE_KEY_PASSPHRASE=wrong promote 2 --key "$TMP/enc.key" dev sit &&
    has "$ERR" "cannot load key '"'"'$TMP/enc.key'"'"': wrong passphrase, or the key file is corrupted" &&
    PROMOTE_KEY_PASSPHRASE=right promote 2 --key "$TMP/enc.key" dev sit && has "$ERR" "is not among the policy'"'"'s trusted_keys"'
check 'the secret key never appears in any output' eval '! grep -qF "$(sed -n 2p "$TMP/ci.key")" "$OUT" "$ERR"'
# the docs/audit.md recipe, taken from the document itself, on a real entry
sed -n '/^# --- recipe begin ---$/,/^# --- recipe end ---$/p' "$SRCDIR/docs/audit.md" > "$TMP/recipe.sh"
check 'a recorded entry verifies with openssl alone (the docs/audit.md recipe)' eval '[ -s "$TMP/recipe.sh" ] &&
    promote 0 audit export && tail -1 "$OUT" > "$TMP/entry.line" && mkdir -p "$TMP/ossl" &&
    (cd "$TMP/ossl" && ENTRY="$TMP/entry.line" PUB="$("$PROMOTE" keys show --json "$TMP/next.key" | python3 -c "import json,sys; print(json.load(sys.stdin)[\"public_key\"])")" &&
     export ENTRY PUB && sh "$TMP/recipe.sh") >"$OUT" 2>"$ERR" && has "$OUT" "Signature Verified Successfully"'
check 'audit -h' eval 'promote 0 audit -h && has "$OUT" "usage: promote audit log"'
finish
