#!/bin/sh
# Every verb in the command table answers -h on stdout with exit 0; usage errors exit 2.
. "$SRCDIR/tests/e2e/lib.sh"

check 'the help lists the commands' eval '[ "$(help_verbs | wc -l)" -ge 4 ]'
for v in $(help_verbs); do
    check "promote $v -h prints its usage" eval 'promote 0 '"$v"' -h && has "$OUT" "usage: promote"'
    check "promote help $v prints its usage" eval 'promote 0 help '"$v"' && has "$OUT" "usage: promote"'
    check "promote help $v is promote $v -h" eval 'promote 0 '"$v"' -h && cp "$OUT" "$TMP/h" &&
        promote 0 help '"$v"' && cmp "$TMP/h" "$OUT"'
done
# nested commands: the help of the command shows every subcommand with its options
check 'promote help audit' eval 'promote 0 help audit && has "$OUT" "promote audit log [--env <env>]" &&
    has "$OUT" "promote audit show <seq>" && has "$OUT" "promote audit verify [--full] [--pubkey <file>]" && has "$OUT" "promote audit migrate" &&
    has "$OUT" "promote audit export [--since <time>]"'
check 'promote help keys' eval 'promote 0 help keys && has "$OUT" "promote keys generate [--out <file>]" &&
    has "$OUT" "promote keys show [--json] <file>" && has "$OUT" "promote keys export --pem <file>"'
check 'promote help record' eval 'promote 0 help record && has "$OUT" "promote record deployed --env <env>" &&
    has "$OUT" "promote record dr-test --env <env>"'
check '--help documents the exit codes' eval 'promote 0 --help && has "$OUT" "4  tampering detected"'
check '--version' eval 'promote 0 --version && has "$OUT" "promote 0."'
check 'no arguments is a usage error' eval 'promote 2 && has "$ERR" "usage:"'
check 'help for an unknown command' eval 'promote 2 help frobnicate && has "$ERR" "no such command"'
check 'an unknown option' eval 'promote 2 check --frob dev sit && has "$ERR" "unknown option"'
check 'a duplicate option' eval 'promote 2 check --commit a --commit b dev sit && has "$ERR" "given twice"'
check 'one environment only' eval 'promote 2 check dev && has "$ERR" "expected two environments"'
check 'a bad --evidence' eval 'promote 2 check --evidence nogate dev sit && has "$ERR" "<gate>=<path>"'
check '--policy with --policy-ref' eval 'promote 2 check --policy x --policy-ref y dev sit && has "$ERR" "cannot be used together"'
check 'inspect without a file' eval 'promote 2 inspect && has "$ERR" "usage: promote inspect"'
finish
