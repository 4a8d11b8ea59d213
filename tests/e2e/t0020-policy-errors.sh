#!/bin/sh
# A bad policy is refused with exit 2 naming the file and the line/column or JSON path.
. "$SRCDIR/tests/e2e/lib.sh"
make_repo
cd "$TMP/repo" || exit 1
P="$SRCDIR/tests/e2e/policies/files.json"

# edit EXPR: write $TMP/p.json as the BBWS policy changed by the Python statement EXPR on d
edit() {
    python3 - "$P" "$TMP/p.json" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
}
bad() { # bad EXPR TEXT...
    edit "$1" && promote 2 check --policy "$TMP/p.json" dev sit || return 1
    shift
    for t in "$@"; do has "$ERR" "$t" || return 1; done
    [ ! -s "$OUT" ]
}

printf '{"version": 1,\n  "environments": [,]}\n' > "$TMP/syntax.json"
check 'a syntax error names line and column' eval 'promote 2 check --policy "$TMP/syntax.json" dev sit &&
    has "$ERR" "cannot parse policy '"'"'$TMP/syntax.json'"'"': line 2, column 20"'
check 'a duplicate key' eval 'printf "{\"version\": 1, \"version\": 1}" > "$TMP/dup.json" && promote 2 check --policy "$TMP/dup.json" dev sit &&
    has "$ERR" "duplicate object key"'
check 'an unknown gate type' bad 'd["promotions"][0]["gates"][1]["type"] = "vibes"' \
    '$.promotions[0].gates[1].type: unknown gate type '"'"'vibes'"'"''
check 'an unknown environment' bad 'd["promotions"][1]["to"] = "production"' \
    '$.promotions[1].to: unknown environment '"'"'production'"'"''
check 'a missing required parameter' bad 'del d["promotions"][0]["gates"][2]["min_percent"]' \
    '$.promotions[0].gates[2].min_percent: missing (required by this gate type)'
check 'a missing evidence path' bad 'del d["promotions"][0]["gates"][0]["evidence"]' \
    '$.promotions[0].gates[0].evidence: missing'
check 'a promotion that skips an environment' bad 'd["promotions"][1]["from"] = "dev"' \
    '$.promotions[1]: '"'"'dev'"'"' -> '"'"'prod'"'"' is not a step to the next environment'
check 'a promotion backwards' bad 'd["promotions"][1]["from"], d["promotions"][1]["to"] = "prod", "sit"' \
    'is not a step to the next environment'
check 'an out-of-range parameter' bad 'd["promotions"][0]["gates"][2]["min_percent"] = 120' \
    '$.promotions[0].gates[2].min_percent: must be a number from 0 to 100'
check 'a parameter of the wrong type' bad 'd["promotions"][0]["gates"][0]["allow_skipped"] = "yes"' \
    '$.promotions[0].gates[0].allow_skipped: must be true or false'
check 'an unknown gate key' bad 'd["promotions"][0]["gates"][2]["min_procent"] = 80' \
    '$.promotions[0].gates[2].min_procent: unknown key for this gate type'
check 'an unknown severity' bad 'd["promotions"][0]["gates"][3]["max"]["severe"] = 0' \
    '$.promotions[0].gates[3].max.severe: unknown severity'
check 'a duplicate gate name' bad 'd["promotions"][0]["gates"][1]["name"] = "unit-tests"' \
    '$.promotions[0].gates[1]: duplicate gate name'
check 'an account id that is not 12 digits' bad 'd["environments"][2]["aws_account_id"] = "93646564004"' \
    '$.environments[2].aws_account_id: must be a string of 12 digits'
check 'a bad region' bad 'd["environments"][0]["region"] = "Africa"' '$.environments[0].region: not an AWS region name'
check 'a failover equal to the primary' bad 'd["environments"][2]["failover_region"] = "af-south-1"' \
    'must differ from the primary region'
check 'a duplicate environment' bad 'd["environments"][1]["name"] = "dev"' '$.environments[1]: duplicate environment name'
check 'an unsupported version' bad 'd["version"] = 2' '$.version: unsupported version'
check 'an unknown top-level key' bad 'd["gatez"] = []' '$.gatez: unknown key'
check 'a promotion without gates' bad 'd["promotions"][0]["gates"] = []' '$.promotions[0].gates: must be a non-empty array'
check 'every message names the policy file' bad 'd["version"] = 2' "invalid policy '$TMP/p.json'"
check 'no policy on the policy ref' eval 'promote 2 check --policy-ref develop dev sit &&
    has "$ERR" "no '"'"'.promote/policy.json'"'"' on refs/heads/develop"'
check 'a policy ref that does not exist' eval 'promote 2 check --policy-ref nope dev sit && has "$ERR" "policy ref '"'"'nope'"'"' not found"'
check 'a missing policy file' eval 'promote 2 check --policy "$TMP/none.json" dev sit && has "$ERR" "cannot open policy"'
check 'a promotion the policy does not have' eval 'promote 2 check dev prod && has "$ERR" "has no promotion from '"'"'dev'"'"' to '"'"'prod'"'"'"'
check 'an unknown environment on the command line' eval 'promote 2 check dev staging && has "$ERR" "unknown environment '"'"'staging'"'"'"'
check '--evidence for a gate that does not exist' eval 'promote 2 check --evidence nogate=x.xml dev sit && has "$ERR" "no gate named '"'"'nogate'"'"'"'
check '--evidence for a gate without a file' eval 'promote 2 check --evidence release-branch=x dev sit && has "$ERR" "reads no evidence file"'
check 'an unknown revision' eval 'promote 2 check --commit doesnotexist dev sit && has "$ERR" "cannot resolve '"'"'doesnotexist'"'"'"'
check 'not a git repository' eval 'cd "$TMP/home" && promote 2 check dev sit; rc=$?; cd "$TMP/repo"; [ $rc -eq 0 ] && has "$ERR" "not a git repository"'
finish
