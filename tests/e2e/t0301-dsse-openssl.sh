#!/bin/sh
# A DSSE envelope and a checkpoint written by core/ledger/sign.c verify with openssl and
# POSIX tools alone (no promote, no jq, no python): the recipe of docs/audit.md.
# The fixtures are byte for byte what tests/test_sign.c makes sign_envelope and
# sign_checkpoint write for the fixed test key (seed 00 01 .. 1f).
. "$SRCDIR/tests/e2e/lib.sh"

SIGN="$SRCDIR/tests/fixtures/sign"
FIX_PUB=$(cat "$SIGN/pub.b64")
SEED=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
CP_NAME=example.com/promote/audit
OTHER_PUB=C7w0aldmfDgBIL2cf9flHSxf3+o3zS9b9AWyxr9vLXg= # seed 64 65 .. 83, test_sign's other key

# dsse_verify ENTRY PUB: the docs/audit.md recipe, verbatim between the markers.
dsse_verify() {
    ENTRY=$1 PUB=$2
    # --- recipe begin ---
    field() { sed -n 's/.*"'"$1"'":"\([^"]*\)".*/\1/p' "$ENTRY"; }
    field payload | base64 -d > payload.bin &&
    field sig | base64 -d > sig.bin &&
    type=$(field payloadType) &&
    { printf 'DSSEv1 %d %s %d ' $(($(printf %s "$type" | wc -c))) "$type" $(($(wc -c < payload.bin)))
      cat payload.bin; } > pae.bin &&
    { echo '-----BEGIN PUBLIC KEY-----'
      { printf '\060\052\060\005\006\003\053\145\160\003\041\000'; printf %s "$PUB" | base64 -d; } | base64
      echo '-----END PUBLIC KEY-----'; } > pub.pem &&
    openssl pkeyutl -verify -pubin -inkey pub.pem -rawin -in pae.bin -sigfile sig.bin
    # --- recipe end ---
}

# checkpoint_verify FILE NAME PUB: the checkpoint signed-note check, same tools.
checkpoint_verify() {
    CP=$1 NAME=$2 PUB=$3
    head -n 3 "$CP" > body.bin &&
    sed -n "s|^$(printf '\342\200\224') $NAME ||p" "$CP" | base64 -d > blob.bin &&
    id_want=$({ printf '%s\n\001' "$NAME"; printf %s "$PUB" | base64 -d; } | sha256sum | cut -c1-8) &&
    id_got=$(od -An -tx1 -N4 blob.bin | tr -d ' \n') &&
    [ "$id_got" = "$id_want" ] &&
    tail -c 64 blob.bin > sig.bin &&
    { echo '-----BEGIN PUBLIC KEY-----'
      { printf '\060\052\060\005\006\003\053\145\160\003\041\000'; printf %s "$PUB" | base64 -d; } | base64
      echo '-----END PUBLIC KEY-----'; } > pub.pem &&
    openssl pkeyutl -verify -pubin -inkey pub.pem -rawin -in body.bin -sigfile sig.bin
}

verified() { run 0 dsse_verify "$1" "$2" && has "$OUT" "Signature Verified Successfully"; }
refused() { run 1 dsse_verify "$1" "$2" && hasnt "$OUT" "Signature Verified Successfully"; }
cp_verified() { run 0 checkpoint_verify "$@" && has "$OUT" "Signature Verified Successfully"; }
cp_refused() { run 1 checkpoint_verify "$@" && hasnt "$OUT" "Signature Verified Successfully"; }

# tampered NAME SED: a copy of the fixture envelope edited by SED, in $TMP/NAME
tampered() { sed "$2" "$SIGN/entry.dsse.json" > "$TMP/$1" && ! cmp -s "$SIGN/entry.dsse.json" "$TMP/$1"; }

# hex2bin HEX: the bytes, with POSIX printf only
hex2bin() {
    hex=$1
    while [ -n "$hex" ]; do
        b=${hex%"${hex#??}"}
        hex=${hex#??}
        printf "\\$(printf '%03o' "0x$b")"
    done
}

# priv.pem: the test seed as a PKCS#8 private key (DER prefix 302e020100300506032b657004220420)
make_priv() {
    { echo '-----BEGIN PRIVATE KEY-----'
      hex2bin "302e020100300506032b657004220420$SEED" | base64
      echo '-----END PRIVATE KEY-----'; } > priv.pem
}

check 'docs/audit.md holds this very recipe' eval 'sed -n "/^    # --- recipe begin ---\$/,/^    # --- recipe end ---\$/p" "$SRCDIR/tests/e2e/t0301-dsse-openssl.sh" | sed "s/^    //" > "$TMP/a" &&
    sed -n "/^# --- recipe begin ---\$/,/^# --- recipe end ---\$/p" "$SRCDIR/docs/audit.md" > "$TMP/b" && [ -s "$TMP/a" ] && cmp "$TMP/a" "$TMP/b"'
check 'the fixture envelope verifies with openssl alone' verified "$SIGN/entry.dsse.json" "$FIX_PUB"
check 'the recipe leaves the signed payload in payload.bin' eval \
    'verified "$SIGN/entry.dsse.json" "$FIX_PUB" && has payload.bin "\"_type\":\"https://in-toto.io/Statement/v1\"" &&
     [ "$(head -c 7 pae.bin)" = "DSSEv1 " ]'
check 'the public key is the one of the test seed (openssl derives it)' eval \
    'make_priv && openssl pkey -in priv.pem -pubout -out derived.pem 2>"$ERR" &&
     verified "$SIGN/entry.dsse.json" "$FIX_PUB" && cmp derived.pem pub.pem'
check 'openssl signs the same PAE to the same signature (Ed25519 is deterministic)' eval \
    'make_priv && verified "$SIGN/entry.dsse.json" "$FIX_PUB" &&
     openssl pkeyutl -sign -inkey priv.pem -rawin -in pae.bin -out ossl.sig 2>"$ERR" && cmp ossl.sig sig.bin'
check 'a changed payload byte is refused' eval \
    'tampered t1.json "s/\"payload\":\"eyJf/\"payload\":\"eyJg/" && refused "$TMP/t1.json" "$FIX_PUB"'
check 'a changed signature byte is refused' eval \
    'tampered t2.json "s/\"sig\":\"ewCi/\"sig\":\"ewCj/" && refused "$TMP/t2.json" "$FIX_PUB"'
check 'a changed payloadType is refused' eval \
    'tampered t3.json "s|in-toto+json|in-toto+jsom|" && refused "$TMP/t3.json" "$FIX_PUB"'
check 'a changed keyid alone still verifies (it is only a hint)' eval \
    'tampered t4.json "s/\"keyid\":\"[0-9a-f]*\"/\"keyid\":\"ffffffffffffffff\"/" && verified "$TMP/t4.json" "$FIX_PUB"'
check 'another public key is refused' refused "$SIGN/entry.dsse.json" "$OTHER_PUB"

check 'the fixture checkpoint verifies with openssl and sha256sum alone' \
    cp_verified "$SIGN/checkpoint.txt" "$CP_NAME" "$FIX_PUB"
check 'a checkpoint with another size is refused' eval \
    'sed "2s/^8\$/9/" "$SIGN/checkpoint.txt" > cp1.txt && ! cmp -s cp1.txt "$SIGN/checkpoint.txt" &&
     cp_refused cp1.txt "$CP_NAME" "$FIX_PUB"'
check 'a checkpoint under another key name is refused' eval \
    'run 1 checkpoint_verify "$SIGN/checkpoint.txt" example.com/other "$FIX_PUB"'
finish
