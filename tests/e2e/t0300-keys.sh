#!/bin/sh
# promote keys: generate, show, export --pem; file modes; every refusal exits 2; the
# passphrase and the secret key never reach any output; OpenSSL reads what we write.
. "$SRCDIR/tests/e2e/lib.sh"
umask 022
PASS='e2e-Passphrase-NeverPrinted-7731'
export PROMOTE_KEY_PASSPHRASE="$PASS"
unset XDG_CONFIG_HOME PROMOTE_SIGNING_KEY
ALL="$TMP/all-output"
: > "$ALL"

# kp CODE args...: promote, keeping everything it printed for the leak checks at the end
kp() {
    promote "$@"
    rc=$?
    cat "$OUT" "$ERR" >> "$ALL"
    return $rc
}

# no_tty CODE args...: promote without a controlling terminal (no passphrase prompt)
no_tty() {
    want=$1
    shift
    run "$want" setsid -w "$PROMOTE" "$@" </dev/null
    rc=$?
    cat "$OUT" "$ERR" >> "$ALL"
    return $rc
}

# on_tty CODE 'prompt' 'answer' ... -- args...: promote on a pseudo-terminal, answering
# each prompt; the transcript (all the terminal showed) goes to $OUT
cat > "$TMP/answer_prompts.py" <<'PY'
import os, pty, select, sys, time
args = sys.argv[1:]
sep = args.index("--")
pairs, cmd = args[:sep], args[sep + 1:]
env = dict(os.environ)
env.pop("PROMOTE_KEY_PASSPHRASE", None)
pid, fd = pty.fork()
if pid == 0:
    os.execve(cmd[0], cmd, env)
buf = b""
def more(deadline):
    global buf
    r, _, _ = select.select([fd], [], [], max(0, deadline - time.time()))
    if not r:
        return False
    try:
        data = os.read(fd, 4096)
    except OSError:
        data = b""
    buf += data
    return bool(data)
for prompt, answer in zip(pairs[0::2], pairs[1::2]):
    deadline = time.time() + 30
    while prompt.encode() not in buf:
        if not more(deadline):
            sys.stdout.write(buf.decode(errors="replace"))
            sys.exit("no prompt %r" % prompt)
    buf = buf.replace(prompt.encode(), b"<" + prompt.strip().encode() + b">", 1)
    os.write(fd, answer.encode() + b"\n")
deadline = time.time() + 30
while more(deadline):
    pass
_, status = os.waitpid(pid, 0)
sys.stdout.write(buf.decode(errors="replace"))
sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
PY
on_tty() {
    want=$1
    shift
    run "$want" python3 "$TMP/answer_prompts.py" "$@"
    rc=$?
    cat "$OUT" "$ERR" >> "$ALL"
    return $rc
}

mode() { stat -c %a "$1"; }
unhex() { python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read().strip()))'; }
is_id() { grep -qxE '[0-9a-f]{16}' "$1"; }
# the raw public key inside a PEM file, base64
pem_raw() { openssl pkey -pubin -in "$1" -outform DER | tail -c 32 | base64; }
# field N (0-based byte offset, length) of a key file's record, hex
rec_hex() {
    python3 - "$1" "$2" "$3" <<'PY'
import base64, sys
rec = base64.b64decode(open(sys.argv[1]).read().splitlines()[1], validate=True)
o, n = int(sys.argv[2]), int(sys.argv[3])
print(rec[o:o + n].hex())
PY
}
# rewrite a key file's record: python expression over bytearray r
rec_edit() {
    python3 - "$1" "$2" "$3" <<'PY'
import base64, sys
lines = open(sys.argv[1]).read().splitlines()
r = bytearray(base64.b64decode(lines[1]))
exec(sys.argv[3])
open(sys.argv[2], "w").write(lines[0] + "\n" + base64.b64encode(bytes(r)).decode() + "\n")
PY
    chmod 600 "$2"
}

check 'promote keys -h' eval 'kp 0 keys -h && has "$OUT" "usage: promote keys generate" &&
    has "$OUT" "promote keys export --pem <file>" && has "$OUT" "PROMOTE_KEY_PASSPHRASE"'
check 'promote keys without a command' eval 'kp 2 keys && has "$ERR" "usage: promote keys"'

check 'generate an encrypted key' eval 'kp 0 keys generate --out "$TMP/k" && is_id "$OUT" &&
    cp "$OUT" "$TMP/k.id" && [ "$(mode "$TMP/k")" = 600 ] && [ "$(mode "$TMP/k.pub")" = 644 ] &&
    has "$TMP/k" "untrusted comment: promote secret key $(cat "$TMP/k.id")" &&
    has "$TMP/k.pub" "untrusted comment: promote public key $(cat "$TMP/k.id")" &&
    [ "$(rec_hex "$TMP/k" 0 8)" = "5052534b01010101" ]'
ID=$(cat "$TMP/k.id")
check 'no temporary file is left' eval '[ "$(ls -A "$TMP" | grep -c tmp-)" = 0 ]'
check 'generate into the default path' eval 'kp 0 keys generate && is_id "$OUT" &&
    [ "$(mode "$HOME/.config")" = 700 ] && [ "$(mode "$HOME/.config/promote")" = 700 ] &&
    [ "$(mode "$HOME/.config/promote/key")" = 600 ] && [ -f "$HOME/.config/promote/key.pub" ]'
check 'generate under XDG_CONFIG_HOME' eval 'XDG_CONFIG_HOME="$TMP/xdg" kp 0 keys generate --unencrypted &&
    [ "$(mode "$TMP/xdg/promote")" = 700 ] && [ "$(mode "$TMP/xdg/promote/key")" = 600 ] &&
    [ "$(rec_hex "$TMP/xdg/promote/key" 6 2)" = 0000 ]'

check 'show the public key file' eval 'kp 0 keys show "$TMP/k.pub" && has "$OUT" "id: $ID" &&
    has "$OUT" "algorithm: ed25519" && cp "$OUT" "$TMP/show.pub"'
check 'the key id is SHA-256 of the raw public key, 8 bytes' eval '[ "$(sed -n "s/^public key: //p" "$TMP/show.pub" | base64 -d | sha256sum | cut -c1-16)" = "$ID" ]'
check 'show the secret key file (with the passphrase)' eval 'kp 0 keys show "$TMP/k" &&
    cmp "$OUT" "$TMP/show.pub"'
check 'show --json' eval 'kp 0 keys show --json "$TMP/k.pub" &&
    jq_is "list(d)" "[\"schema_version\", \"id\", \"public_key\", \"algorithm\"]" &&
    jq_is "d[\"id\"]" "\"$ID\"" && jq_is "d[\"algorithm\"]" "\"ed25519\"" &&
    jq_is "d[\"public_key\"]" "\"$(sed -n "s/^public key: //p" "$TMP/show.pub")\""'

check 'export --pem: OpenSSL parses it' eval 'kp 0 keys export --pem "$TMP/k.pub" && cp "$OUT" "$TMP/k.pem" &&
    has "$OUT" "-----BEGIN PUBLIC KEY-----" && openssl pkey -pubin -in "$TMP/k.pem" -noout'
check 'the key in the PEM is the .pub key' eval '[ "$(pem_raw "$TMP/k.pem")" = "$(sed -n "s/^public key: //p" "$TMP/show.pub")" ] &&
    [ "$(pem_raw "$TMP/k.pem" | base64 -d | od -An -tx1 | tr -d " \n")" = "$(rec_hex "$TMP/k.pub" 12 32)" ]'
check 'export --pem of the secret key file is the same' eval 'kp 0 keys export --pem "$TMP/k" &&
    cmp "$OUT" "$TMP/k.pem"'

# The seed in an unencrypted key signs (through OpenSSL) what the exported PEM verifies.
check 'openssl verifies a signature by the stored seed' eval 'kp 0 keys generate --unencrypted --out "$TMP/u" &&
    { printf "302e020100300506032b657004220420"; rec_hex "$TMP/u" 72 32; } | unhex > "$TMP/u.der" &&
    openssl pkey -inform DER -in "$TMP/u.der" -out "$TMP/u.sk.pem" &&
    printf "DSSEv1 29 http://example.com/HelloWorld 11 hello world" > "$TMP/msg" &&
    openssl pkeyutl -sign -inkey "$TMP/u.sk.pem" -rawin -in "$TMP/msg" -out "$TMP/sig" &&
    kp 0 keys export --pem "$TMP/u.pub" && cp "$OUT" "$TMP/u.pem" &&
    openssl pkeyutl -verify -pubin -inkey "$TMP/u.pem" -rawin -in "$TMP/msg" -sigfile "$TMP/sig" >"$TMP/v" &&
    has "$TMP/v" "Signature Verified Successfully" &&
    printf x >> "$TMP/msg" &&
    ! openssl pkeyutl -verify -pubin -inkey "$TMP/u.pem" -rawin -in "$TMP/msg" -sigfile "$TMP/sig" >/dev/null 2>&1'
check 'the unencrypted key needs no passphrase' eval 'no_tty 0 keys show "$TMP/u"'

# refusals: exit 2, naming the file
check 'generate over an existing key' eval 'sha256sum "$TMP/k" "$TMP/k.pub" > "$TMP/k.sum" &&
    kp 2 keys generate --out "$TMP/k" && has "$ERR" "cannot create key '"'"'$TMP/k'"'"': the file already exists" &&
    sha256sum -c --quiet "$TMP/k.sum"'
check 'generate over an existing .pub' eval ': > "$TMP/p.pub" && kp 2 keys generate --out "$TMP/p" &&
    has "$ERR" "p.pub" && [ ! -e "$TMP/p" ]'
check 'a wrong passphrase' eval 'PROMOTE_KEY_PASSPHRASE=wrong-one kp 2 keys show "$TMP/k" &&
    has "$ERR" "cannot load key '"'"'$TMP/k'"'"': wrong passphrase" && hasnt "$ERR" wrong-one'
check 'no passphrase and no terminal' eval 'unset PROMOTE_KEY_PASSPHRASE; no_tty 2 keys show "$TMP/k";
    rc=$?; export PROMOTE_KEY_PASSPHRASE="$PASS"; [ $rc = 0 ] && has "$ERR" "set PROMOTE_KEY_PASSPHRASE"'
check 'generate with no passphrase and no terminal' eval 'unset PROMOTE_KEY_PASSPHRASE; no_tty 2 keys generate --out "$TMP/n";
    rc=$?; export PROMOTE_KEY_PASSPHRASE="$PASS"; [ $rc = 0 ] && has "$ERR" "--unencrypted" && [ ! -e "$TMP/n" ]'
check 'a group-readable key file' eval 'cp -p "$TMP/k" "$TMP/k644" && chmod 644 "$TMP/k644" &&
    kp 2 keys show "$TMP/k644" && has "$ERR" "cannot load key '"'"'$TMP/k644'"'"'" &&
    has "$ERR" "group or others can access it (mode 644)"'
check 'a group-only-readable key file' eval 'chmod 640 "$TMP/k644" && kp 2 keys show "$TMP/k644" &&
    has "$ERR" "(mode 640)"'
check 'a world-writable key file' eval 'chmod 602 "$TMP/k644" && kp 2 keys export --pem "$TMP/k644" &&
    has "$ERR" "(mode 602)"'
check 'a symlink to a key' eval 'ln -s "$TMP/k" "$TMP/klink" && kp 2 keys show "$TMP/klink" &&
    has "$ERR" "cannot load key '"'"'$TMP/klink'"'"': a symbolic link"'
if [ "$(id -u)" = 0 ]; then
    check 'a key owned by someone else' eval 'cp -p "$TMP/k" "$TMP/kother" && chown 65534 "$TMP/kother" &&
        kp 2 keys show "$TMP/kother" && has "$ERR" "not by you"'
fi
check 'a directory' eval 'kp 2 keys show "$TMP" && has "$ERR" "not a regular file"'
check 'a missing key' eval 'kp 2 keys show "$TMP/nope" && has "$ERR" "cannot load key '"'"'$TMP/nope'"'"': no such file"'
check 'a flipped character' eval 'rec_edit "$TMP/k" "$TMP/flip" "r[90] ^= 4" && kp 2 keys show "$TMP/flip" &&
    has "$ERR" "cannot load key '"'"'$TMP/flip'"'"'" && has "$ERR" "corrupted"'
check 'a flipped character, unencrypted' eval 'rec_edit "$TMP/u" "$TMP/uflip" "r[80] ^= 1" && kp 2 keys show "$TMP/uflip" &&
    has "$ERR" "checksum mismatch"'
check 'bad base64' eval 'sed "2s/^./*/" "$TMP/k" > "$TMP/b64" && chmod 600 "$TMP/b64" && kp 2 keys show "$TMP/b64" &&
    has "$ERR" "invalid base64"'
check 'a truncated key' eval 'head -c 150 "$TMP/k" > "$TMP/trunc" && chmod 600 "$TMP/trunc" &&
    kp 2 keys show "$TMP/trunc" && has "$ERR" "corrupted key file"'
check 'a bad magic' eval 'rec_edit "$TMP/k" "$TMP/magic" "r[0:4] = b\"XXXX\"" && kp 2 keys show "$TMP/magic" &&
    has "$ERR" "bad magic"'
check 'not a key file at all' eval 'printf "hello\n" > "$TMP/hello" && chmod 600 "$TMP/hello" &&
    kp 2 keys show "$TMP/hello" && has "$ERR" "not a promote key file"'

# usage errors
check 'an unknown keys command' eval 'kp 2 keys frob && has "$ERR" "unknown keys command"'
check 'an unknown option' eval 'kp 2 keys show --frob "$TMP/k.pub" && has "$ERR" "unknown option"'
check 'a duplicate option' eval 'kp 2 keys show --json --json "$TMP/k.pub" && has "$ERR" "given twice"'
check 'a duplicate --out' eval 'kp 2 keys generate --out a --out b && has "$ERR" "given twice"'
check '--out without a value' eval 'kp 2 keys generate --out && has "$ERR" "needs a value"'
check 'export without --pem' eval 'kp 2 keys export "$TMP/k.pub" && has "$ERR" "--pem"'
check 'show without a file' eval 'kp 2 keys show && has "$ERR" "usage: promote keys"'
check 'two files' eval 'kp 2 keys show "$TMP/k.pub" "$TMP/k.pub"'
check 'a passphrase argument is not an option' eval 'kp 2 keys generate --passphrase x --out "$TMP/pp" && [ ! -e "$TMP/pp" ]'

# the terminal: prompts without echo
check 'generate asking the passphrase twice on the terminal' eval 'on_tty 0 "passphrase for the new key: " tty-Secret-4412 \
    "the same again: " tty-Secret-4412 -- "$PROMOTE" keys generate --out "$TMP/t" && hasnt "$OUT" tty-Secret-4412 &&
    grep -qE "^[0-9a-f]{16}" "$OUT" && [ "$(mode "$TMP/t")" = 600 ]'
check 'the terminal passphrase opens the key' eval 'PROMOTE_KEY_PASSPHRASE=tty-Secret-4412 kp 0 keys show "$TMP/t" &&
    on_tty 0 "passphrase for key" tty-Secret-4412 -- "$PROMOTE" keys show "$TMP/t" && has "$OUT" "public key: " &&
    hasnt "$OUT" tty-Secret-4412'
check 'passphrases that differ' eval 'on_tty 2 "passphrase for the new key: " one-Secret-1 "the same again: " two-Secret-2 \
    -- "$PROMOTE" keys generate --out "$TMP/t2" && has "$OUT" "do not match" && [ ! -e "$TMP/t2" ] &&
    hasnt "$OUT" one-Secret && hasnt "$OUT" two-Secret'

# nothing secret in any output, nor the passphrase in a key file
check 'the passphrase was never printed' eval '[ -s "$ALL" ] && hasnt "$ALL" "$PASS" && hasnt "$ALL" tty-Secret && hasnt "$ALL" one-Secret'
check 'the seed was never printed' eval 'seed=$(rec_hex "$TMP/u" 72 32) && [ ${#seed} = 64 ] &&
    hasnt "$ALL" "$seed" && hasnt "$ALL" "$(printf %s "$seed" | unhex | base64)" &&
    hasnt "$ALL" "$(sed -n 2p "$TMP/u" | cut -c 97-138)"'
check 'the passphrase is not in the key file' eval 'hasnt "$TMP/k" "$PASS" &&
    hasnt "$TMP/k" "$(printf %s "$PASS" | base64)"'
finish
