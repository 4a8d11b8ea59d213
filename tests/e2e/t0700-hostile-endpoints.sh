#!/bin/sh
# Hostile answers at the trust boundary: absurd numbers in rate-limit headers end in an
# error naming the endpoint (exit 3), never a crash or a long sleep; a server that echoes
# the Authorization header is quoted only as a redacted excerpt. After every case, no
# output, file or audit-log entry holds the token.
. "$SRCDIR/tests/e2e/lib.sh"
make_key ci
github_policy "$TMP/github.json"
trust_keys "$TMP/github.json" "$TMP/keyed.json" ci
python3 - "$TMP/keyed.json" "$TMP/policy.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for e in d["environments"]:
    if e["name"] == "sit":
        e["tag_template"] = "sit-{yyyy}.{mm}.{dd}.{n}"
        e["deploy"] = {"type": "workflow_dispatch", "workflow": "deploy-sit.yml", "inputs": {"tag": "{tag}"}}
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
make_repo "$TMP/repo" "$TMP/policy.json"
cd "$TMP/repo" || exit 1
python3 "$SRCDIR/examples/bbws/scenario.py" . "$TMP/approved.json" approved
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["workflows"]=["deploy-sit.yml"]; json.dump(d, open(sys.argv[1], "w"))' "$TMP/approved.json"
gh_start "$TMP/approved.json"
T="--github-timeout 1"
K="--key $TMP/ci.key"
TOKEN_PART=e2eFakeToken
REL="GET /repos/bbws/order-service/releases?per_page=100"

# audit_text: the audit log as text, each entry's payload decoded
audit_text() {
    git rev-parse -q --verify refs/promote/audit >/dev/null || return 0
    git log -p refs/promote/audit
    python3 - <<'PY'
import base64, json, subprocess
for c in subprocess.run(["git", "rev-list", "refs/promote/audit"], capture_output=True, text=True).stdout.split():
    env = json.loads(subprocess.run(["git", "show", c + ":entry.dsse.json"], capture_output=True, text=True).stdout)
    print(base64.b64decode(env["payload"]).decode())
PY
}

# no_token: nothing the runs left behind holds the token: the last output, the files
# under the test's directory (home, caches, the repository, the simulator's logs) and
# the decoded audit log (left in $TMP/audit.txt, decoded again when the log grew)
no_token() {
    tip=$(git rev-parse -q --verify refs/promote/audit)
    if [ "$tip" != "$(cat "$TMP/audit.tip" 2>/dev/null)" ]; then
        audit_text > "$TMP/audit.txt" 2>&1
        echo "$tip" > "$TMP/audit.tip"
    fi
    if grep -rlF "$TOKEN_PART" "$TMP" 2>/dev/null; then
        echo "  the token is in the files above" >&2
        return 1
    fi
    return 0
}

# elapsed_under N cmd...: cmd succeeds within N seconds
elapsed_under() {
    limit=$1
    shift
    t0=$(date +%s)
    "$@" || return 1
    t1=$(date +%s)
    [ $((t1 - t0)) -lt "$limit" ] || { echo "  took $((t1 - t0)) s" >&2; return 1; }
}

# fault JSON: this fault rule replaces all others
fault() {
    printf '[%s]' "$1" | python3 "$SRCDIR/tests/ghsim/harness.py" faults --replace --dir "$GHSIM_DIR" - >/dev/null
}

for ra in 1e30 nan inf -5 99999999999999999999; do
    check "429 with Retry-After '$ra': an error naming the endpoint, no wait" eval '
        fault "{\"path\": \"/releases\", \"status\": 429, \"headers\": {\"Retry-After\": \"'$ra'\"}, \"times\": -1}" &&
        elapsed_under 10 promote 3 check $T dev sit &&
        has "$OUT" "$REL: rate limited (429) with an out-of-range Retry-After" &&
        has "$OUT" "verdict: error" && no_token'
done
check '429 with a Retry-After date in the year 9999: an error' eval '
    fault "{\"path\": \"/releases\", \"status\": 429, \"headers\": {\"Retry-After\": \"Fri, 31 Dec 9999 23:59:59 GMT\"}, \"times\": -1}" &&
    elapsed_under 10 promote 3 check $T dev sit &&
    has "$OUT" "$REL: rate limited (429) with an out-of-range Retry-After" && no_token'
check '429 with a Retry-After date in the past: waited out (no wait), then approved' eval '
    fault "{\"path\": \"/releases\", \"status\": 429, \"headers\": {\"Retry-After\": \"Wed, 21 Oct 2015 07:28:00 GMT\"}, \"times\": 1}" &&
    elapsed_under 10 promote 0 check $T dev sit && no_token'
check '403 rate limit with an absurd X-RateLimit-Reset: an error naming the endpoint' eval '
    fault "{\"path\": \"/releases\", \"status\": 403, \"headers\": {\"X-RateLimit-Remaining\": \"0\", \"X-RateLimit-Reset\": \"99999999999999999999\"}, \"times\": -1}" &&
    elapsed_under 10 promote 3 check $T dev sit &&
    has "$OUT" "$REL: rate limited (403) with an out-of-range X-RateLimit-Reset" && no_token'
check '403 rate limit resetting in ten years: an error, not a wait' eval '
    fault "{\"path\": \"/releases\", \"rate_limit\": {\"status\": 403, \"remaining\": 0, \"reset_in\": 315360000}, \"times\": -1}" &&
    elapsed_under 10 promote 3 check $T --github-max-wait 86400 dev sit &&
    has "$OUT" "$REL: rate limited (403) with an out-of-range X-RateLimit-Reset" && no_token'
check 'recorded: a Retry-After of 1e30 records an error decision; nothing is tagged' eval '
    fault "{\"path\": \"/releases\", \"status\": 429, \"headers\": {\"Retry-After\": \"1e30\"}, \"times\": -1}" &&
    promote 3 $K $T dev sit && has "$OUT" "verdict: error" && has "$OUT" "recorded: seq 1" &&
    [ -z "$(git tag -l "sit-*")" ] && promote 0 audit show --json 1 &&
    jq_is "d[\"statement\"][\"predicate\"][\"verificationResult\"]" FAILED && no_token'
# servers that echo the Authorization header they were sent
ECHO_MESSAGE='{"path": "/releases", "echo_authorization": "message", "times": -1}'
ECHO_HEADER='{"path": "/releases", "echo_authorization": "header", "times": -1}'
ECHO_LINK='{"path": "/releases", "echo_authorization": "link", "times": -1}'
ECHO_ETAG='{"path": "/releases", "echo_authorization": "body", "body": "[]", "headers": {"ETag": "\"{authorization}\""}, "times": -1}'
ECHO_USER='{"path": "^/user$", "echo_authorization": "body", "body": "{\"login\": \"{authorization}\", \"id\": 5550099, \"type\": \"User\"}", "times": -1}'
ECHO_POST='{"path": "/dispatches$", "method": "POST", "echo_authorization": "message", "times": -1}'
check 'an error message that echoes the Authorization header: quoted redacted' eval 'fault "$ECHO_MESSAGE" &&
    promote 3 check $T dev sit &&
    has "$OUT" "$REL: HTTP 401: Bad credentials: this server was sent '\''Bearer [REDACTED]'\''" && no_token'
check 'recorded: the echo is signed into the log only redacted; nothing is tagged' eval 'fault "$ECHO_MESSAGE" &&
    promote 3 $K $T dev sit && has "$OUT" "verdict: error" && has "$OUT" "recorded: seq" &&
    [ -z "$(git tag -l "sit-*")" ] && no_token && has "$TMP/audit.txt" "sent '\''Bearer [REDACTED]'\''"'
check 'the Authorization header echoed in response headers, traced with --verbose: nowhere' eval '
    fault "$ECHO_HEADER" && promote 3 check --verbose $T dev sit && has "$OUT" "$REL: HTTP 401: Bad credentials" &&
    has "$ERR" "github: GET /repos/bbws/order-service/releases?per_page=100 -> 401" && no_token'
check 'a next-page link that carries the token: refused, quoted redacted' eval 'fault "$ECHO_LINK" &&
    promote 3 check $T dev sit &&
    has "$OUT" "$REL: refusing to follow a next-page link to another host ('\''http://echo.invalid/next?authorization=Bearer%20[REDACTED]'\'')" &&
    no_token'
check 'an ETag that carries the token is not cached' eval 'fault "$ECHO_ETAG" && promote 0 check $T dev sit &&
    promote 0 check $T dev sit && no_token'
check 'a body that carries the token: redacted before anything reads it' eval 'fault "$ECHO_USER" &&
    promote 0 check $T dev sit && has "$OUT" "actor Bearer [REDACTED]" && no_token'
check 'a deploy trigger answered with the echo: the failure is recorded redacted' eval 'fault "$ECHO_POST" &&
    PROMOTE_NOW=2026-11-03T08:00:00Z promote 3 $K $T dev sit && has "$OUT" "verdict: approved" &&
    has "$ERR" "POST /repos/bbws/order-service/actions/workflows/deploy-sit.yml/dispatches: HTTP 401: Bad credentials: this server was sent '\''Bearer [REDACTED]'\''" &&
    no_token && has "$TMP/audit.txt" "\"result\":\"trigger_failed\"" &&
    has "$TMP/audit.txt" "this server was sent '\''Bearer [REDACTED]'\''"'
RUN_ID='{"path": "/dispatches$", "method": "POST", "status": 200, "body": "{\"workflow_run_id\": -1}", "times": -1}'
check 'a workflow run id that is no GitHub id is taken as none, never recorded' eval 'fault "$RUN_ID" &&
    PROMOTE_NOW=2026-11-02T08:00:00Z promote 0 $K --json $T dev sit &&
    jq_is "d[\"deploy\"][\"run_id\"]" 0 && jq_is "d[\"deploy\"][\"triggered\"]" true &&
    promote 0 audit show --json "$(git rev-list --count refs/promote/audit)" &&
    jq_is "d[\"statement\"][\"predicate\"].get(\"run\")" None && no_token'
check 'an option value of nan is a usage error, not a wait' eval '
    promote 2 check --github-max-wait nan dev sit && promote 2 check --github-timeout nan dev sit'
check 'a deploy tag numbered past what a long holds: refused, never wrapped' eval 'fault "" &&
    g tag -a -m x sit-2026.11.04.99999999999999999999 release &&
    PROMOTE_NOW=2026-11-04T08:00:00Z promote 3 $K $T dev sit && has "$OUT" "verdict: approved" &&
    has "$ERR" "tag '\''sit-2026.11.04.99999999999999999999'\'': the number is out of range" &&
    [ "$(git tag -l "sit-2026.11.04.*")" = sit-2026.11.04.99999999999999999999 ] && no_token'

# plain http only on this machine, decided from the URL: a name that merely starts like
# a loopback address is refused before any lookup; localhost is pinned to loopback
LOCAL_BASE=$(echo "$API_BASE" | sed 's/127\.0\.0\.1/localhost/')
check 'an http API at 127.example.invalid: refused without a request, nothing recorded' eval 'fault "" &&
    tip=$(git rev-parse refs/promote/audit) &&
    elapsed_under 10 promote 2 $K --github-api http://127.example.invalid $T dev sit &&
    has "$ERR" "GitHub API URL '\''http://127.example.invalid'\'': only https is allowed (plain http only on loopback" &&
    [ "$(git rev-parse refs/promote/audit)" = "$tip" ] && no_token'
check 'an http API on localhost is allowed' eval 'promote 0 check --github-api "$LOCAL_BASE" $T dev sit'

# A git remote over plain http that asks for Basic auth: it records every Authorization
# header it gets (and decodes Basic ones); it takes helper-user:helper-pass (and then has
# no repository: 404).
cat > "$TMP/gitsrv.py" <<'PY'
import base64, http.server, json, os, sys, threading
log = open(sys.argv[2], "a")
class H(http.server.BaseHTTPRequestHandler):
    def answer(self):
        a = self.headers.get("Authorization")
        basic = None
        if a and a.lower().startswith("basic "):
            basic = base64.b64decode(a[6:]).decode("utf-8", "replace")
        log.write(json.dumps({"path": self.path, "authorization": a, "basic": basic}) + "\n")
        log.flush()
        ok = basic == "helper-user:helper-pass"
        self.send_response(404 if ok else 401)
        if not ok:
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
        self.send_header("Content-Length", "0")
        self.end_headers()
    do_GET = do_POST = answer
    def log_message(self, *a):
        pass
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
threading.Timer(300, srv.shutdown).start()
srv.serve_forever()
PY
python3 "$TMP/gitsrv.py" "$TMP/gitsrv.port" "$TMP/gitsrv.log" &
GITSRV_PID=$!
i=0
while [ ! -s "$TMP/gitsrv.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
GIT_PORT=$(cat "$TMP/gitsrv.port")
git remote add basic "http://127.0.0.1:$GIT_PORT/bbws/order-service.git"
git remote add lookalike "http://github.com@127.0.0.1:$GIT_PORT/bbws/order-service.git"
# remote_auth: the Authorization headers the remote got since the last call
remote_auth() {
    python3 -c 'import json,sys; print(" ".join(sorted({str(json.loads(l)["basic"] if json.loads(l)["basic"] else json.loads(l)["authorization"]) for l in open(sys.argv[1])})))' "$TMP/gitsrv.log"
    : > "$TMP/gitsrv.log"
}
AUDIT_TIP=$(git rev-parse refs/promote/audit)
# (the default API, whose web host github.com is the only one the token may go to)
check 'a remote asking for Basic auth over http: no token, nothing to answer, nothing recorded' eval '
    GITHUB_API_URL=https://api.github.com && promote 3 audit log --remote basic && has "$ERR" "cannot fetch the audit log from '\''basic'\''" &&
    has "$ERR" "git'\''s credential helpers have none for it, and the GitHub token goes only to https://github.com" &&
    [ "$(remote_auth)" = None ] &&
    promote 3 record dr-test --env prod --result pass $K --remote basic &&
    [ "$(remote_auth)" = None ] && [ "$(git rev-parse refs/promote/audit)" = "$AUDIT_TIP" ] && no_token;
    rc=$?; GITHUB_API_URL=$API_BASE; [ $rc -eq 0 ]'
# (libgit2 itself sends the lookalike URL's user name, with an empty password)
check 'the API host itself over http, or behind a lookalike user name: still no token' eval '
    GITHUB_API_URL=https://127.0.0.1:$GIT_PORT/api/v3 promote 3 audit log --remote basic &&
    has "$ERR" "the GitHub token goes only to https://127.0.0.1:$GIT_PORT" && [ "$(remote_auth)" = None ] &&
    promote 3 audit log --remote lookalike && [ "$(remote_auth)" = "None github.com:" ] && no_token'
check 'a git credential helper answers instead; nobody is prompted' eval '
    git config credential.helper "!f() { test \"\$1\" = get && echo username=helper-user && echo password=helper-pass; }; f" &&
    promote 3 audit log --remote basic </dev/null && [ "$(remote_auth)" = "None helper-user:helper-pass" ] &&
    git config --unset credential.helper && no_token'
# curl follows no redirect (CURLOPT_FOLLOWLOCATION off): the other host sees nothing
REDIRECT='{"path": "/releases", "status": 302, "headers": {"Location": "http://127.0.0.1:'$GIT_PORT'/steal"}, "times": -1}'
check 'a redirect to another host is not followed: no request reaches it' eval 'fault "$REDIRECT" &&
    promote 3 check $T dev sit && has "$OUT" "$REL: HTTP 302" && [ ! -s "$TMP/gitsrv.log" ] && no_token'
kill "$GITSRV_PID" 2>/dev/null
wait "$GITSRV_PID" 2>/dev/null
finish
