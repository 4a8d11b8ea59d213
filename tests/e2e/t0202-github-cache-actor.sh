#!/bin/sh
# Conditional requests replay from the cache on 304; the actor is established, not
# claimed, and never counts as an approver.
. "$SRCDIR/tests/e2e/lib.sh"
github_policy "$TMP/github.json"
make_repo "$TMP/repo" "$TMP/github.json"
cd "$TMP/repo" || exit 1
python3 "$SRCDIR/examples/bbws/scenario.py" . "$TMP/approved.json" approved
gh_start "$TMP/approved.json"

check 'a first run fills the cache' eval 'promote 0 check --verbose dev sit && has "$ERR" "-> 200" &&
    [ -d "$HOME/.cache/promote/github" ]'
check 'a second run replays every response from a 304' eval 'gh_reset_log && promote 0 check --verbose dev sit &&
    has "$ERR" "-> 304" && hasnt "$ERR" "-> 200" && has "$OUT" "verdict: approved" &&
    [ "$(gh_py "len(reqs) > 0 and all(r[\"if_none_match\"] or \"/memberships/\" in r[\"path\"] for r in reqs)")" = True ]'
check 'the cache honours XDG_CACHE_HOME' eval 'XDG_CACHE_HOME="$TMP/xdg" promote 0 check dev sit && [ -d "$TMP/xdg/promote/github" ]'
check 'a deleted cache is only a slower run' eval 'rm -rf "$HOME/.cache/promote" && promote 0 check --verbose dev sit && hasnt "$ERR" "-> 304"'
check 'the token is in no cache file' eval '! grep -rq "e2eFakeToken" "$HOME" "$TMP/xdg"'
check 'inside GitHub Actions the actor is the run'"'"'s triggering actor' eval '
    GITHUB_ACTIONS=true GITHUB_RUN_ID=8001 GITHUB_ACTOR=naledi promote 1 check --json dev sit &&
    jq_is "d[\"actor\"]" naledi &&
    jq_is "[g[\"status\"] for g in d[\"gates\"] if g[\"name\"] == \"tech-lead-approval\"]" "[\"fail\"]"'
check 'the promoter'"'"'s own approval does not count' eval '
    GITHUB_ACTIONS=true GITHUB_RUN_ID=8001 GITHUB_ACTOR=naledi promote 1 check dev sit &&
    has "$OUT" "FAIL   tech-lead-approval" && has "$OUT" "naledi (promoter)"'
check 'a GITHUB_ACTOR that is not the run'"'"'s triggering actor: error' eval '
    GITHUB_ACTIONS=true GITHUB_RUN_ID=8001 GITHUB_ACTOR=sipho promote 3 check dev sit &&
    has "$OUT" "run 8001 was triggered by '"'"'naledi'"'"', but GITHUB_ACTOR is '"'"'sipho'"'"'" &&
    has "$OUT" "ERROR  tech-lead-approval"'
check 'GitHub Actions without a run id: error' eval 'GITHUB_ACTIONS=true GITHUB_ACTOR=naledi promote 3 check dev sit &&
    has "$OUT" "GITHUB_RUN_ID is missing"'
check 'an unknown run: error' eval 'GITHUB_ACTIONS=true GITHUB_RUN_ID=9999 GITHUB_ACTOR=naledi promote 3 check dev sit &&
    has "$OUT" "cannot establish the actor"'
check 'an unknown repository setting: usage error' eval '(unset GITHUB_REPOSITORY; "$PROMOTE" check dev sit >"$OUT" 2>"$ERR"; echo $? >"$TMP/rc") &&
    [ "$(cat "$TMP/rc")" = 2 ] && has "$ERR" "the GitHub repository is unknown"'
check 'the repository from the origin remote' eval 'git remote add origin git@github.com:bbws/order-service.git &&
    (unset GITHUB_REPOSITORY; "$PROMOTE" check dev sit >"$OUT" 2>"$ERR"; echo $? >"$TMP/rc") && [ "$(cat "$TMP/rc")" = 0 ]'
check 'plain http to a non-loopback API is refused' eval 'promote 2 check --github-api http://api.example.com dev sit &&
    has "$ERR" "plain http only on loopback"'
finish
