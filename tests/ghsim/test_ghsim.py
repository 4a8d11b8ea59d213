#!/usr/bin/env python3
"""Self-test of the GitHub simulator (stdlib unittest; no Prism needed).

    python3 tests/ghsim/test_ghsim.py        # about 5 s; prints the unittest summary
"""

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402

TOKEN = "sekrit-token-value-123"
HEAD = "1111111111111111111111111111111111111111"
MAIN = "3f2c5e8a9b1d4c7e6f0a2b3c4d5e6f708192a3b4"
TAGGED = "7777777777777777777777777777777777777777"


def scenario():
    reviews = [{"id": 10000 + i, "user": "r%d" % (i % 7), "state": "APPROVED" if i % 3 else "COMMENTED",
                "commit_id": HEAD, "submitted_at": "2024-05-01T%02d:%02d:00Z" % (10 + i // 60, i % 60)}
               for i in range(250)]
    return {
        "repository": {"owner": "acme", "name": "bbws", "id": 4242001},
        "token_owner": "promote-bot",
        "users": {"promote-bot": 9000001, "alice": 9000101},
        "max_per_page": 100,
        "refs": {"main": MAIN},
        "runs": {"7001": {"actor": "alice", "triggering_actor": "dave", "head_sha": MAIN}},
        "commits": {MAIN: {
            "author": "alice", "committer": "web-flow", "message": "Merge pull request #12",
            "parents": [HEAD, "2222222222222222222222222222222222222222"],
            "pulls": [12],
            "check_runs": [{"name": "build", "conclusion": "failure"}, {"name": "build", "conclusion": "success"},
                           {"name": "lint", "status": "in_progress"}],
            "statuses": [{"context": "ci", "state": "pending"}, {"context": "ci", "state": "success"},
                         {"context": "scan", "state": "failure"}]}},
        "pulls": [{"number": 12, "user": "alice", "state": "closed", "merged_at": "2024-05-02T09:00:00Z",
                   "head_sha": HEAD, "merge_commit_sha": MAIN, "reviews": reviews},
                  {"number": 13, "user": "bob", "reviews": []}],
        "teams": {"acme/release": {"carol": "active", "dave": "pending"}},
        "releases": [{"tag_name": "v2.0.0-rc1", "draft": True}, {"tag_name": "v1.0.0"}],
        "branch_rules": {"promote/audit": ["non_fast_forward", "deletion"]},
        "tags": {"v1.0.0": TAGGED},
        "workflows": ["deploy.yml", "ci.yml"],
    }


class Client:
    def __init__(self, base):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port

    def get(self, path, headers=None, auth="Bearer " + TOKEN, timeout=10, method="GET", body=None):
        h = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "ghsim-test"}
        if auth:
            h["Authorization"] = auth
        h.update(headers or {})
        c = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            c.close()

    def json(self, path, **kw):
        st, hd, data = self.get(path, **kw)
        return st, hd, (json.loads(data) if data else None)

    def post(self, path, obj, **kw):
        """POST OBJ (JSON-encoded unless bytes); returns (status, headers, parsed body or None)."""
        body = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
        h = dict(kw.pop("headers", None) or {}, **{"Content-Type": "application/json"})
        return self.json(path, method="POST", body=body, headers=h, **kw)


def links(header):
    out = {}
    for part in (header or "").split(","):
        m = re.match(r'\s*<([^>]+)>;\s*rel="([a-z]+)"', part)
        if m:
            out[m.group(2)] = m.group(1)
    return out


def page_of(url):
    return int(dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["page"])


class SimTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="ghsim-test.")
        cls.scen = os.path.join(cls.dir, "scenario.json")
        with open(cls.scen, "w") as f:
            json.dump(scenario(), f)
        cls.info = harness.start(cls.scen, cls.dir, max_seconds=120)
        cls.c = Client(cls.info["api_base"])

    @classmethod
    def tearDownClass(cls):
        harness.stop(cls.dir)
        shutil.rmtree(cls.dir, ignore_errors=True)

    def faults(self, rules):
        harness.add_faults(self.dir, rules)

    # ---------------------------------------------------------------- pagination
    def test_pagination_250_reviews_3_pages(self):
        url = "/repos/acme/bbws/pulls/12/reviews?per_page=100"
        seen, pages, link_sets = [], 0, []
        while url:
            st, hd, body = self.c.json(url)
            self.assertEqual(st, 200)
            pages += 1
            seen += [r["id"] for r in body]
            lk = links(hd.get("link"))
            link_sets.append({k: page_of(v) for k, v in lk.items()})
            nxt = lk.get("next")
            if nxt:
                self.assertTrue(nxt.startswith(self.info["api_base"] + "/repos/acme/bbws/pulls/12/reviews?"), nxt)
                self.assertIn("per_page=100", nxt)
            url = nxt[len(self.info["api_base"]):] if nxt else None
            self.assertLess(pages, 10)
        self.assertEqual(pages, 3)
        self.assertEqual(seen, [10000 + i for i in range(250)])
        self.assertEqual(link_sets, [{"next": 2, "last": 3},
                                     {"prev": 1, "next": 3, "last": 3, "first": 1},
                                     {"prev": 2, "first": 1}])

    def test_pagination_caps_and_defaults(self):
        st, hd, body = self.c.json("/repos/acme/bbws/pulls/12/reviews")
        self.assertEqual(len(body), 30)  # default per_page
        self.assertEqual(page_of(links(hd["link"])["last"]), 9)
        st, hd, body = self.c.json("/repos/acme/bbws/pulls/12/reviews?per_page=500&page=3")
        self.assertEqual(len(body), 50)  # capped at 100
        st, hd, body = self.c.json("/repos/acme/bbws/pulls/13/reviews")
        self.assertEqual((st, body), (200, []))
        self.assertNotIn("link", hd)  # a single page has no Link header
        sc = scenario()
        sc["max_per_page"] = 40
        sc["link_form"] = "repositories"
        harness.set_scenario(self.dir, sc)
        try:
            st, hd, body = self.c.json("/repos/acme/bbws/pulls/12/reviews?per_page=100")
            self.assertEqual(len(body), 40)
            nxt = links(hd["link"])["next"]
            self.assertEqual(nxt, self.info["api_base"] + "/repositories/4242001/pulls/12/reviews?per_page=100&page=2")
            st, hd, body = self.c.json(nxt[len(self.info["api_base"]):])
            self.assertEqual((st, body[0]["id"]), (200, 10040))
        finally:
            harness.set_scenario(self.dir, scenario())

    # ---------------------------------------------------------------- objects
    def test_endpoints(self):
        st, _, u = self.c.json("/user")
        self.assertEqual((st, u["login"], u["id"], u["user_view_type"]), (200, "promote-bot", 9000001, "private"))
        st, _, run = self.c.json("/repos/acme/bbws/actions/runs/7001")
        self.assertEqual((run["actor"]["login"], run["triggering_actor"]["login"], run["head_sha"]), ("alice", "dave", MAIN))
        self.assertEqual(self.c.json("/repos/acme/bbws/actions/runs/1")[0], 404)
        st, _, prs = self.c.json("/repos/acme/bbws/commits/%s/pulls" % MAIN)
        self.assertEqual([(p["number"], p["user"]["login"], p["merged_at"]) for p in prs], [(12, "alice", "2024-05-02T09:00:00Z")])
        st, _, prs = self.c.json("/repos/acme/bbws/commits/%s/pulls" % HEAD)  # derived: head sha of #12
        self.assertEqual([p["number"] for p in prs], [12])
        st, _, pr = self.c.json("/repos/ACME/BBWS/pulls/12")  # owner/repo are case-insensitive
        self.assertEqual((st, pr["merged"], pr["head"]["sha"], pr["base"]["ref"]), (200, True, HEAD, "main"))
        st, _, pr = self.c.json("/repositories/4242001/pulls/13")
        self.assertEqual((st, pr["state"], pr["merged"], pr["merged_at"]), (200, "open", False, None))
        st, _, m = self.c.json("/orgs/acme/teams/release/memberships/carol")
        self.assertEqual((st, m["state"], m["role"]), (200, "active", "member"))
        self.assertEqual(self.c.json("/orgs/acme/teams/release/memberships/dave")[2]["state"], "pending")
        st, _, m = self.c.json("/orgs/acme/teams/release/memberships/zed")
        self.assertEqual((st, m["message"]), (404, "Not Found"))
        st, _, ms = self.c.json("/orgs/acme/teams/release/members")  # active members only
        self.assertEqual((st, [x["login"] for x in ms]), (200, ["carol"]))
        self.assertEqual(self.c.json("/orgs/acme/teams/none/members")[0], 404)
        self.assertIn("documentation_url", m)
        st, _, cr = self.c.json("/repos/acme/bbws/commits/main/check-runs")
        self.assertEqual([(x["name"], x["conclusion"]) for x in cr["check_runs"]], [("build", "success"), ("lint", None)])
        self.assertEqual(cr["total_count"], 2)
        st, _, cr = self.c.json("/repos/acme/bbws/commits/%s/check-runs?filter=all" % MAIN[:10])
        self.assertEqual(cr["total_count"], 3)
        st, _, cs = self.c.json("/repos/acme/bbws/commits/%s/status" % MAIN)
        self.assertEqual((cs["state"], cs["total_count"], [s["state"] for s in cs["statuses"]]), ("failure", 2, ["success", "failure"]))
        st, _, rel = self.c.json("/repos/acme/bbws/releases")
        self.assertEqual([(r["tag_name"], r["draft"]) for r in rel], [("v2.0.0-rc1", True), ("v1.0.0", False)])
        self.assertEqual(self.c.json("/repos/acme/bbws/releases/tags/v1.0.0")[0], 200)
        self.assertEqual(self.c.json("/repos/acme/bbws/releases/tags/v2.0.0-rc1")[0], 404)

    def test_branch_rules(self):
        st, _, body = self.c.json("/repos/acme/bbws/rules/branches/promote%2Faudit")
        self.assertEqual(st, 200)
        self.assertEqual([r["type"] for r in body], ["non_fast_forward", "deletion"])
        self.assertEqual(body[0]["ruleset_source"], "acme/bbws")
        st, _, body = self.c.json("/repos/acme/bbws/rules/branches/develop")
        self.assertEqual((st, body), (200, []))

    def test_get_commit(self):
        for path in ("/repos/acme/bbws/commits/%s" % MAIN, "/repos/acme/bbws/commits/main",
                     "/repos/acme/bbws/commits/heads/main", "/repositories/4242001/commits/%s" % MAIN[:7]):
            st, _, c = self.c.json(path)
            self.assertEqual((st, c["sha"]), (200, MAIN), path)
        base = self.info["api_base"] + "/repos/acme/bbws"
        self.assertEqual((c["url"], c["html_url"], c["comments_url"]),
                         (base + "/commits/" + MAIN, self.info["api_base"] + "/acme/bbws/commit/" + MAIN,
                          base + "/commits/%s/comments" % MAIN))
        self.assertEqual((c["author"]["login"], c["author"]["id"], c["committer"]["login"]), ("alice", 9000101, "web-flow"))
        g = c["commit"]
        self.assertEqual(g["message"], "Merge pull request #12")
        self.assertEqual((g["author"]["name"], g["author"]["email"]), ("alice", "9000101+alice@users.noreply.github.com"))
        self.assertEqual(g["committer"]["name"], "web-flow")
        self.assertEqual((g["comment_count"], g["url"]), (0, base + "/git/commits/" + MAIN))
        self.assertEqual(set(g["tree"]), {"sha", "url"})
        self.assertEqual([p["sha"] for p in c["parents"]], [HEAD, "2" * 40])
        self.assertEqual(c["parents"][0]["url"], base + "/commits/" + HEAD)
        self.assertEqual((c["stats"], c["files"]), ({"total": 0, "additions": 0, "deletions": 0}, []))

    def test_get_commit_null_author(self):
        st, _, c = self.c.json("/repos/acme/bbws/commits/%s" % HEAD)  # a PR head, not in `commits`
        self.assertEqual((st, c["sha"], c["author"], c["committer"], c["parents"]), (200, HEAD, None, None, []))
        self.assertEqual(c["commit"]["message"], "commit " + HEAD[:7])
        self.assertEqual((c["commit"]["author"]["name"], c["commit"]["committer"]["name"]), ("Unknown", "Unknown"))
        sc = scenario()
        sc["commits"]["4" * 40] = {"author": None, "author_name": "Ghost Writer", "author_email": "gw@example.test",
                                   "message": "no account"}
        sc["commits"]["5" * 40] = {"author": "alice", "committer": None}
        harness.set_scenario(self.dir, sc)
        try:
            st, _, c = self.c.json("/repos/acme/bbws/commits/%s" % ("4" * 40))
            self.assertEqual((st, c["author"], c["committer"], c["commit"]["message"]), (200, None, None, "no account"))
            self.assertEqual(c["commit"]["author"], c["commit"]["committer"])
            self.assertEqual((c["commit"]["author"]["name"], c["commit"]["author"]["email"]), ("Ghost Writer", "gw@example.test"))
            st, _, c = self.c.json("/repos/acme/bbws/commits/%s" % ("5" * 40))
            self.assertEqual((c["author"]["login"], c["committer"], c["commit"]["committer"]["name"]), ("alice", None, "alice"))
        finally:
            harness.set_scenario(self.dir, scenario())
        with self.assertRaises(harness.HarnessError):
            harness.set_scenario(self.dir, dict(scenario(), commits={MAIN: {"author": 5}}))

    def test_get_commit_unknown_ref(self):
        for ref in ("e" * 40, "no-such-branch", "deadbee"):
            st, _, b = self.c.json("/repos/acme/bbws/commits/" + ref)
            self.assertEqual((st, b["message"]), (422, "No commit found for SHA: " + ref))
            self.assertIn("get-a-commit", b["documentation_url"])

    def test_not_found_and_unknown_commit(self):
        st, _, b = self.c.json("/repos/acme/nope/pulls/12")
        self.assertEqual((st, b["message"]), (404, "Not Found"))
        self.assertEqual(self.c.json("/nothing/here")[0], 404)
        self.assertEqual(self.c.json("/repos/acme/bbws/pulls/12", method="POST", body=b"{}")[0], 404)
        st, _, b = self.c.json("/repos/acme/bbws/commits/%s/pulls" % ("e" * 40))
        self.assertEqual((st, b["message"]), (422, "No commit found for SHA: " + "e" * 40))
        self.assertEqual(self.c.json("/repos/acme/bbws/commits/deadbeef/check-runs")[0], 422)
        self.assertEqual(self.c.json("/repos/acme/bbws/commits/deadbeef/status")[0], 404)

    # ---------------------------------------------------------------- auth
    def test_401_without_token(self):
        for auth in (None, "Basic dXNlcjpwdw==", "Bearer ", "token"):
            st, hd, b = self.c.json("/user", auth=auth)
            self.assertEqual((st, b["message"]), (401, "Bad credentials"), auth)
            self.assertIn("documentation_url", b)
        self.assertEqual(self.c.json("/user", auth="token " + TOKEN)[0], 200)
        self.assertEqual(self.c.json("/user", auth="bearer " + TOKEN)[0], 200)

    # ---------------------------------------------------------------- conditional requests, rate headers
    def test_etag_304_and_rate_limit_headers(self):
        st, hd, body = self.c.get("/repos/acme/bbws/pulls/12")
        self.assertEqual(st, 200)
        etag = hd["etag"]
        self.assertRegex(etag, r'^"[0-9a-f]{64}"$')
        for k in ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-used", "x-ratelimit-reset", "x-ratelimit-resource"):
            self.assertIn(k, hd)
        rem = int(hd["x-ratelimit-remaining"])
        st, hd2, body2 = self.c.get("/repos/acme/bbws/pulls/12", headers={"If-None-Match": etag})
        self.assertEqual((st, body2), (304, b""))
        self.assertEqual(hd2["etag"], etag)
        self.assertEqual(int(hd2["x-ratelimit-remaining"]), rem)  # a 304 is free
        st, hd3, _ = self.c.get("/repos/acme/bbws/pulls/12", headers={"If-None-Match": 'W/' + etag})
        self.assertEqual(st, 304)
        st, hd4, body4 = self.c.get("/repos/acme/bbws/pulls/12", headers={"If-None-Match": '"other"'})
        self.assertEqual((st, body4), (200, body))
        self.assertEqual(int(hd4["x-ratelimit-remaining"]), rem - 1)
        self.assertEqual(int(hd4["x-ratelimit-used"]) + rem - 1, int(hd4["x-ratelimit-limit"]))

    # ---------------------------------------------------------------- faults
    def test_fault_status(self):
        self.faults([{"path": r"^/user\?case=s500", "status": 500}, {"path": r"case=s502", "status": 502},
                     {"path": r"case=s503", "status": 503, "times": 2}])
        st, hd, b = self.c.json("/user?case=s500")
        self.assertEqual((st, b["message"]), (500, "Server Error"))
        self.assertIn("x-ratelimit-remaining", hd)
        self.assertEqual(self.c.json("/user?case=s500")[0], 200)  # spent after once
        self.assertEqual(self.c.json("/user?case=s502")[0], 502)
        self.assertEqual([self.c.json("/user?case=s503")[0] for _ in range(3)], [503, 503, 200])

    def test_fault_after_times_method(self):
        self.faults([{"path": r"case=after", "after": 1, "times": 2, "status": 500},
                     {"path": r"case=meth", "method": "POST", "status": 500}])
        self.assertEqual([self.c.json("/user?case=after")[0] for _ in range(4)], [200, 500, 500, 200])
        self.assertEqual(self.c.json("/user?case=meth")[0], 200)

    def test_fault_reset(self):
        self.faults([{"path": r"case=reset1", "reset": True}, {"path": r"case=reset2", "reset": "rst"}])
        for case in ("reset1", "reset2"):
            t = time.monotonic()
            with self.assertRaises((http.client.RemoteDisconnected, ConnectionResetError, http.client.BadStatusLine)):
                self.c.get("/user?case=" + case)
            self.assertLess(time.monotonic() - t, 3)
        self.assertEqual(self.c.json("/user?case=reset1")[0], 200)

    def test_fault_stall(self):
        self.faults([{"path": r"case=stall", "stall_seconds": 1}])
        t = time.monotonic()
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionResetError, socket.timeout)):
            self.c.get("/user?case=stall", timeout=5)
        el = time.monotonic() - t
        self.assertGreaterEqual(el, 0.9)
        self.assertLess(el, 4)
        # a client with a shorter timeout than the stall times out
        self.faults([{"path": r"case=stall2", "stall_seconds": 2}])
        t = time.monotonic()
        with self.assertRaises(socket.timeout):
            self.c.get("/user?case=stall2", timeout=0.5)
        self.assertLess(time.monotonic() - t, 1.5)

    def test_fault_delay(self):
        self.faults([{"path": r"case=delay", "delay_ms": 400}])
        t = time.monotonic()
        st, _, b = self.c.json("/user?case=delay")
        self.assertEqual((st, b["login"]), (200, "promote-bot"))
        self.assertGreaterEqual(time.monotonic() - t, 0.38)

    def test_fault_rate_limits(self):
        self.faults([{"path": r"case=primary", "rate_limit": {"status": 403, "remaining": 0, "reset_in": 30}},
                     {"path": r"case=secondary", "rate_limit": {"status": 429, "retry_after": 7, "remaining": 42}},
                     {"path": r"case=sec403", "rate_limit": {"status": 403, "retry_after": None, "remaining": 5}}])
        now = int(time.time())
        st, hd, b = self.c.json("/user?case=primary")
        self.assertEqual(st, 403)
        self.assertTrue(b["message"].startswith("API rate limit exceeded"), b)
        self.assertEqual(hd["x-ratelimit-remaining"], "0")
        self.assertTrue(now + 28 <= int(hd["x-ratelimit-reset"]) <= now + 33)
        self.assertNotIn("retry-after", hd)
        st, hd, b = self.c.json("/user?case=secondary")
        self.assertEqual((st, hd["retry-after"], hd["x-ratelimit-remaining"]), (429, "7", "42"))
        self.assertIn("secondary rate limit", b["message"])
        st, hd, b = self.c.json("/user?case=sec403")
        self.assertEqual(st, 403)
        self.assertIn("secondary rate limit", b["message"])
        self.assertNotIn("retry-after", hd)

    def test_fault_malformed_body(self):
        self.faults([{"path": r"case=body", "body": '{"login": "trunc'}])
        st, hd, b = self.c.get("/user?case=body")
        self.assertEqual((st, b), (200, b'{"login": "trunc'))
        with self.assertRaises(ValueError):
            json.loads(b)

    def test_fault_damaged_answers(self):
        _, _, whole = self.c.get("/user")
        self.faults([{"path": r"case=tbody", "truncate": "body"},
                     {"path": r"case=tconn", "truncate": "connection"},
                     {"path": r"case=deep", "wrong_types": "deep"},
                     {"path": r"case=top", "wrong_types": "top"},
                     {"path": r"/releases\?per_page=1&case=host", "link_base": "http://localhost:1"},
                     {"path": r"/nope\?case=deep404", "wrong_types": "deep"}])
        st, hd, b = self.c.get("/user?case=tbody")
        self.assertEqual((st, b, hd["content-length"]), (200, whole[:len(whole) // 2], str(len(whole) // 2)))
        self.assertNotIn("etag", hd)  # never a 304 in place of the damage
        with self.assertRaises(http.client.IncompleteRead):
            self.c.get("/user?case=tconn")
        st, _, b = self.c.json("/user?case=deep")
        normal = self.c.json("/user")[2]
        self.assertEqual((st, b["login"], b["id"], b["site_admin"]),
                         (200, len(normal["login"]), str(normal["id"]), str(normal["site_admin"]).lower()))
        self.assertEqual(set(b), set(normal))
        st, _, b = self.c.json("/user?case=top")
        self.assertEqual((st, b), (200, [normal]))
        st, hd, b = self.c.json("/repos/acme/bbws/releases?per_page=1&case=host")
        self.assertEqual((st, len(b)), (200, 1))
        self.assertTrue(links(hd["link"])["next"].startswith("http://localhost:1/"), hd["link"])
        self.assertEqual(self.c.json("/nope?case=deep404")[0], 404)  # errors pass as they are
        with self.assertRaises(harness.HarnessError):
            harness.add_faults(self.dir, [{"path": "x", "truncate": "half"}])
        with self.assertRaises(harness.HarnessError):
            harness.add_faults(self.dir, [{"path": "x", "link_base": "http://h/with/path"}])

    def test_fault_echo_authorization(self):
        self.faults([{"path": r"case=emsg", "echo_authorization": "message"},
                     {"path": r"case=ehdr", "echo_authorization": "header", "status": 403},
                     {"path": r"/releases\?case=elink", "echo_authorization": "link"},
                     {"path": r"case=ebody", "echo_authorization": "body", "body": '{"login": "{authorization}"}',
                      "headers": {"ETag": '"{authorization}"'}}])
        st, hd, b = self.c.json("/user?case=emsg")
        self.assertEqual((st, b["message"]), (401, "Bad credentials: this server was sent 'Bearer %s'" % TOKEN))
        st, hd, b = self.c.json("/user?case=ehdr")
        self.assertEqual((st, hd["x-echo-authorization"]), (403, "Bearer " + TOKEN))
        self.assertIn(TOKEN, hd["www-authenticate"])
        st, hd, b = self.c.json("/repos/acme/bbws/releases?case=elink")
        self.assertEqual(st, 200)
        self.assertIsInstance(b, list)
        self.assertEqual(links(hd["link"])["next"], "http://echo.invalid/next?authorization=Bearer%20" + TOKEN)
        st, hd, b = self.c.json("/user?case=ebody")
        self.assertEqual((st, b, hd["etag"]), (200, {"login": "Bearer " + TOKEN}, '"Bearer %s"' % TOKEN))
        with self.assertRaises(harness.HarnessError):
            harness.add_faults(self.dir, [{"path": "x", "echo_authorization": "everywhere"}])
        with self.assertRaises(harness.HarnessError):
            harness.add_faults(self.dir, [{"path": "x", "echo_authorization": "body"}])

    def test_bad_fault_rejected(self):
        with self.assertRaises(harness.HarnessError):
            harness.add_faults(self.dir, [{"path": "(", "status": 500}])
        with self.assertRaises(harness.HarnessError):
            harness.add_faults(self.dir, [{"path": "x"}])

    # ---------------------------------------------------------------- recording
    # ---------------------------------------------------------------- write operations
    def test_create_deployment(self):
        before = {d["id"] for d in harness.deployments(self.dir)}
        st, hd, d = self.c.post("/repos/acme/bbws/deployments", {"ref": "main", "payload": {"k": 1}, "description": "x"})
        self.assertEqual(st, 201, d)
        base = self.info["api_base"] + "/repos/acme/bbws"
        self.assertGreaterEqual(d["id"], 1000)
        self.assertNotIn(d["id"], before)
        self.assertEqual(hd["location"], "%s/deployments/%d" % (base, d["id"]))
        self.assertEqual((d["sha"], d["ref"], d["task"], d["payload"], d["environment"], d["original_environment"],
                          d["description"], d["creator"]["login"], d["creator"]["id"], d["transient_environment"],
                          d["production_environment"], d["performed_via_github_app"]),
                         (MAIN, "main", "deploy", {"k": 1}, "production", "production", "x", "promote-bot", 9000001,
                          False, True, None))
        self.assertEqual((d["url"], d["statuses_url"], d["repository_url"]),
                         ("%s/deployments/%d" % (base, d["id"]), "%s/deployments/%d/statuses" % (base, d["id"]), base))
        for k in ("node_id", "created_at", "updated_at"):
            self.assertTrue(d[k], k)
        self.assertNotIn("etag", hd)
        # a tag from `tags`, the /repositories form, every optional field; ids go up
        body2 = {"ref": "v1.0.0", "task": "deploy:migrate", "auto_merge": False, "required_contexts": [],
                 "payload": "raw", "environment": "staging", "description": None, "transient_environment": True}
        st, _, d2 = self.c.post("/repositories/4242001/deployments", body2)
        self.assertEqual(st, 201, d2)
        self.assertEqual((d2["id"], d2["sha"], d2["task"], d2["payload"], d2["environment"], d2["description"],
                          d2["transient_environment"], d2["production_environment"]),
                         (d["id"] + 1, TAGGED, "deploy:migrate", "raw", "staging", None, True, False))
        # a sha prefix, and a ref added at run time
        self.assertEqual(self.c.post("/repos/acme/bbws/deployments", {"ref": MAIN[:7]})[2]["sha"], MAIN)
        self.assertEqual(self.c.post("/repos/acme/bbws/deployments", {"ref": "release/9"})[0], 422)
        self.assertEqual(harness.add_refs(self.dir, {"release/9": "9" * 40})["ok"], True)
        st, _, d3 = self.c.post("/repos/acme/bbws/deployments", {"ref": "release/9"})
        self.assertEqual((st, d3["sha"]), (201, "9" * 40))
        listed = [x for x in harness.deployments(self.dir) if x["id"] not in before]
        self.assertEqual([x["id"] for x in listed], [d["id"], d["id"] + 1, d["id"] + 2, d["id"] + 3])
        self.assertEqual((listed[1]["auto_merge"], listed[1]["required_contexts"], listed[0]["auto_merge"]), (False, [], True))
        # recorded like GETs, with the body
        rec = [r for r in harness.requests(self.dir) if r["method"] == "POST" and r["status"] == 201]
        self.assertEqual(rec[-3]["path"], "/repositories/4242001/deployments")
        self.assertEqual(rec[-3]["body"], body2)

    def test_dispatch(self):
        n0 = len(harness.dispatches(self.dir))
        st, hd, body = self.c.get("/repos/acme/bbws/actions/workflows/deploy.yml/dispatches", method="POST",
                                  body=json.dumps({"ref": "main", "inputs": {"env": "prod", "n": 3, "dry": True}}))
        self.assertEqual((st, body), (204, b""))
        self.assertNotIn("content-length", hd)
        st, _, body = self.c.post("/repositories/4242001/actions/workflows/5000002/dispatches", {"ref": "refs/tags/v1.0.0"})
        self.assertEqual((st, body), (204, None))
        st, _, r = self.c.post("/repos/acme/bbws/actions/workflows/ci.yml/dispatches", {"ref": "main", "return_run_details": True})
        self.assertEqual(st, 200, r)
        self.assertTrue(r["run_url"].endswith("/repos/acme/bbws/actions/runs/%d" % r["workflow_run_id"]), r)
        st, _, run = self.c.json("/repos/acme/bbws/actions/runs/%d" % r["workflow_run_id"])
        self.assertEqual((st, run["event"], run["status"], run["head_sha"], run["path"]),
                         (200, "workflow_dispatch", "queued", MAIN, ".github/workflows/ci.yml"))
        ds = harness.dispatches(self.dir)[n0:]
        self.assertEqual([(x["workflow"], x["workflow_id"], x["requested_as"], x["ref"], x["sha"], x["inputs"]) for x in ds],
                         [("deploy.yml", 5000001, "deploy.yml", "main", MAIN, {"env": "prod", "n": 3, "dry": True}),
                          ("ci.yml", 5000002, "5000002", "refs/tags/v1.0.0", TAGGED, {}),
                          ("ci.yml", 5000002, "ci.yml", "main", MAIN, {})])
        rec = [r for r in harness.requests(self.dir) if r["path"].endswith("/dispatches") and r["status"] == 204]
        self.assertEqual((rec[-1]["method"], rec[-1]["body"]), ("POST", {"ref": "refs/tags/v1.0.0"}))

    def test_dispatch_without_run_details(self):
        """dispatch_run_details: false answers 204 even when asked, as older servers do;
        the run is still created, and found in the workflow's run list."""
        try:
            harness.set_scenario(self.dir, dict(scenario(), dispatch_run_details=False))
            st, _, body = self.c.post("/repos/acme/bbws/actions/workflows/ci.yml/dispatches",
                                      {"ref": "main", "return_run_details": True})
            self.assertEqual((st, body), (204, None))
            st, _, runs = self.c.json("/repos/acme/bbws/actions/workflows/ci.yml/runs?event=workflow_dispatch&head_sha=" + MAIN)
            self.assertEqual(st, 200)
            self.assertEqual([(r["head_branch"], r["event"]) for r in runs["workflow_runs"]][:1], [("main", "workflow_dispatch")])
            with self.assertRaises(Exception):
                harness.set_scenario(self.dir, dict(scenario(), dispatch_run_details="no"))
        finally:
            harness.set_scenario(self.dir, scenario())

    def test_write_errors(self):
        dep, wf = "/repos/acme/bbws/deployments", "/repos/acme/bbws/actions/workflows/deploy.yml/dispatches"
        n_dep, n_disp = len(harness.deployments(self.dir)), len(harness.dispatches(self.dir))
        # unknown ref: 422 (a dispatch takes a branch or tag name only, not a sha)
        for path, ref in ((dep, "nope"), (dep, "e" * 40), (wf, "nope"), (wf, MAIN)):
            st, _, b = self.c.post(path, {"ref": ref})
            self.assertEqual((st, b["message"], b["status"]), (422, "No ref found for: " + ref, "422"), path)
            self.assertIn("documentation_url", b)
        # unknown workflow: 404 (checked before the body)
        for w in ("nope.yml", "123", "ci"):
            st, _, b = self.c.post("/repos/acme/bbws/actions/workflows/%s/dispatches" % w, {"ref": "main"})
            self.assertEqual((st, b["message"]), (404, "Not Found"), w)
        self.assertEqual(self.c.post("/repos/acme/other/deployments", {"ref": "main"})[0], 404)
        self.assertEqual(self.c.post("/repos/acme/bbws/pulls/12", {"ref": "main"})[0], 404)  # POST on a GET path
        # bad bodies
        bad = [(dep, {}, '"ref" wasn\'t supplied'), (dep, {"ref": 5}, "For 'properties/ref', 5 is not a string"),
               (dep, {"ref": "main", "auto_merge": "yes"}, "'properties/auto_merge'"),
               (dep, {"ref": "main", "required_contexts": "ci"}, "'properties/required_contexts'"),
               (dep, {"ref": "main", "required_contexts": ["ci", 1]}, "For 'items', 1 is not a string"),
               (dep, {"ref": "main", "payload": 5}, "an object or a string"),
               (dep, {"ref": "main", "transient_environment": 1}, "'properties/transient_environment'"),
               (dep, [1], "is not an object"),
               (wf, {"inputs": {}}, '"ref" wasn\'t supplied'),
               (wf, {"ref": "main", "inputs": []}, "'properties/inputs'"),
               (wf, {"ref": "main", "inputs": {"k%d" % i: "v" for i in range(26)}}, "at most 25"),
               (wf, {"ref": "main", "inputs": {"x": {"a": 1}}}, "'properties/inputs/x'"),
               (wf, {"ref": "main", "inputs": {"x": None}}, "'properties/inputs/x'"),
               (wf, {"ref": "main", "return_run_details": "yes"}, "'properties/return_run_details'")]
        for path, body, msg in bad:
            st, _, b = self.c.post(path, body)
            self.assertEqual(st, 422, (body, b))
            self.assertTrue(b["message"].startswith("Invalid request.\n\n"), b)
            self.assertIn(msg, b["message"])
        self.assertEqual(self.c.post(wf, {"ref": "main", "inputs": {"k%d" % i: i for i in range(25)}})[0], 204)
        for path in (dep, wf):
            st, _, b = self.c.post(path, b"{nope")
            self.assertEqual((st, b["message"]), (400, "Problems parsing JSON"))
        self.assertEqual(len(harness.deployments(self.dir)), n_dep)
        self.assertEqual(len(harness.dispatches(self.dir)), n_disp + 1)
        st, _, b = self.c.post(dep, {"ref": "main"}, auth=None)
        self.assertEqual(st, 401)
        rec = harness.requests(self.dir)[-3]
        self.assertEqual((rec["method"], rec["status"], rec["body"], rec["body_raw"]), ("POST", 400, None, "{nope"))
        with self.assertRaises(Exception):
            harness.add_refs(self.dir, {"x": "not-a-sha"})

    def test_fault_on_post(self):
        self.faults([{"path": r"/deployments$", "method": "POST", "status": 502},
                     {"path": r"/dispatches$", "method": "POST", "reset": True},
                     {"path": r"/deployments\?case=rl", "method": "POST", "rate_limit": {"status": 403, "remaining": 0}}])
        n_dep = len(harness.deployments(self.dir))
        st, _, b = self.c.post("/repos/acme/bbws/deployments", {"ref": "main"})
        self.assertEqual((st, b["message"]), (502, "Bad Gateway"))
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionResetError, http.client.BadStatusLine)):
            self.c.post("/repos/acme/bbws/actions/workflows/deploy.yml/dispatches", {"ref": "main"})
        st, _, b = self.c.post("/repos/acme/bbws/deployments?case=rl", {"ref": "main"})
        self.assertEqual(st, 403)
        self.assertIn("API rate limit exceeded", b["message"])
        self.assertEqual(len(harness.deployments(self.dir)), n_dep)  # nothing created
        self.assertEqual(self.c.post("/repos/acme/bbws/deployments", {"ref": "main"})[0], 201)  # spent
        rec = [r for r in harness.requests(self.dir) if r["method"] == "POST"][-4:]
        self.assertEqual([(r["fault"], r["status"]) for r in rec], [("status", 502), ("reset", None), ("rate_limit", 403), (None, 201)])
        self.assertEqual(rec[0]["body"], {"ref": "main"})
        # a GET rule does not hit a POST
        self.faults([{"path": r"/deployments\?case=get$", "method": "GET", "status": 500}])
        self.assertEqual(self.c.post("/repos/acme/bbws/deployments?case=get", {"ref": "main"})[0], 201)

    def test_post_keeps_keepalive_in_step(self):
        c = http.client.HTTPConnection(self.c.host, self.c.port, timeout=10)
        try:
            hdr = {"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"}
            c.request("POST", "/repos/acme/bbws/releases", body=b'{"tag_name": "x"}', headers=hdr)  # 404, body unread by the route
            r = c.getresponse()
            r.read()
            self.assertEqual(r.status, 404)
            c.request("POST", "/repos/acme/bbws/deployments", body=iter([b'{"ref":', b' "main"}']),
                      headers=dict(hdr, **{"Transfer-Encoding": "chunked"}), encode_chunked=True)
            r = c.getresponse()
            self.assertEqual((r.status, json.loads(r.read())["sha"]), (201, MAIN))
            c.request("GET", "/user", headers=hdr)
            r = c.getresponse()
            self.assertEqual((r.status, json.loads(r.read())["login"]), (200, "promote-bot"))
        finally:
            c.close()

    def test_recording_and_max_in_flight(self):
        deadline = time.monotonic() + 5  # let stalled requests of other tests finish
        while harness.stats(self.dir)["in_flight"] and time.monotonic() < deadline:
            time.sleep(0.05)
        harness.reset_log(self.dir)
        self.faults([{"path": r"case=overlap", "delay_ms": 600, "times": 2}])
        results = []

        def one():
            results.append(self.c.json("/user?case=overlap")[0])
        ts = [threading.Thread(target=one) for _ in range(2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(10)
        self.assertEqual(results, [200, 200])
        self.c.get("/repos/acme/bbws/pulls/12", auth="token " + TOKEN, headers={"If-None-Match": '"x"'})
        self.c.get("/user", auth=None)
        st = harness.stats(self.dir)
        self.assertEqual((st["requests"], st["max_in_flight"]), (4, 2))
        reqs = harness.requests(self.dir)
        self.assertEqual(len(reqs), 4)
        self.assertNotIn(TOKEN, json.dumps(reqs))
        keys = {"method", "path", "query", "if_none_match", "authorization", "user_agent", "accept", "api_version", "started", "finished"}
        for r in reqs:
            self.assertTrue(keys <= set(r), r)
            self.assertNotIn("body", r)  # GETs carry no body field
            self.assertLessEqual(r["started"], r["finished"])
        a, b = reqs[0], reqs[1]
        self.assertLess(max(a["started"], b["started"]), min(a["finished"], b["finished"]))  # they overlapped
        self.assertEqual((a["path"], a["query"], a["authorization"], a["accept"], a["api_version"], a["user_agent"]),
                         ("/user", "case=overlap", "bearer", "application/vnd.github+json", "2022-11-28", "ghsim-test"))
        self.assertEqual((reqs[2]["authorization"], reqs[2]["if_none_match"]), ("token", '"x"'))
        self.assertEqual((reqs[3]["authorization"], reqs[3]["status"]), ("none", 401))
        harness.reset_log(self.dir)
        self.assertEqual(harness.requests(self.dir), [])
        self.assertEqual(harness.stats(self.dir)["requests"], 0)


    # ---------------------------------------------------------------- deploy outcomes
    def dispatch(self, wf, ref="main"):
        st, _, r = self.c.post("/repos/acme/bbws/actions/workflows/%s/dispatches" % wf,
                               {"ref": ref, "return_run_details": True})
        self.assertEqual(st, 200, r)
        return r["workflow_run_id"]

    def deploy(self, env):
        st, _, d = self.c.post("/repos/acme/bbws/deployments", {"ref": "main", "environment": env})
        self.assertEqual(st, 201, d)
        return d["id"]

    def poll_run(self, rid, n):
        out = []
        for _ in range(n):
            st, _, run = self.c.json("/repos/acme/bbws/actions/runs/%d" % rid)
            self.assertEqual(st, 200, run)
            out.append(run)
        return out

    def poll_statuses(self, did, n, path="/repos/acme/bbws/deployments/%d/statuses"):
        out = []
        for _ in range(n):
            st, _, sts = self.c.json(path % did)
            self.assertEqual(st, 200, sts)
            out.append(sts)
        return out

    def test_outcome_run_progress(self):
        harness.set_outcomes(self.dir, {"deploy.yml": {"result": "failure", "polls": 3}})
        try:
            runs = self.poll_run(self.dispatch("deploy.yml"), 6)
            self.assertEqual([(r["status"], r["conclusion"]) for r in runs],
                             [("queued", None), ("in_progress", None), ("in_progress", None)] + [("completed", "failure")] * 3)
            up = [r["updated_at"] for r in runs]
            self.assertTrue(up[0] < up[1] == up[2] < up[3] == up[4] == up[5], up)  # moves on each change only
            self.assertEqual(runs[0]["created_at"], runs[5]["created_at"])
            self.assertEqual({r["event"] for r in runs}, {"workflow_dispatch"})
            for result, polls in (("success", 1), ("cancelled", 2), ("timed_out", 1), ("neutral", 0), ("failure", 0)):
                harness.set_outcomes(self.dir, {"deploy.yml": {"result": result, "polls": polls}})
                runs = self.poll_run(self.dispatch("deploy.yml"), polls + 2)
                want = ([("queued", None)] if polls else []) + [("in_progress", None)] * max(0, polls - 1) \
                    + [("completed", result)] * 2
                self.assertEqual([(r["status"], r["conclusion"]) for r in runs], want, (result, polls))
            # never: queued, then in progress for ever; ci.yml has no outcome: success after 1 poll
            harness.set_outcomes(self.dir, {"deploy.yml": "never"})
            runs = self.poll_run(self.dispatch("deploy.yml"), 8)
            self.assertEqual([r["status"] for r in runs], ["queued"] + ["in_progress"] * 7)
            self.assertEqual({r["conclusion"] for r in runs}, {None})
            runs = self.poll_run(self.dispatch("ci.yml"), 3)
            self.assertEqual([(r["status"], r["conclusion"]) for r in runs],
                             [("queued", None), ("completed", "success"), ("completed", "success")])
        finally:
            harness.set_outcomes(self.dir, {})

    def test_outcome_fixed_at_creation(self):
        harness.set_outcomes(self.dir, {"deploy.yml": "never", "prod": "never"})
        try:
            rid, did = self.dispatch("deploy.yml"), self.deploy("prod")
            harness.set_outcomes(self.dir, {"deploy.yml": {"result": "success", "polls": 0},
                                            "prod": {"result": "success", "polls": 0}})
            self.assertEqual([r["status"] for r in self.poll_run(rid, 3)], ["queued", "in_progress", "in_progress"])
            self.assertEqual([[s["state"] for s in x] for x in self.poll_statuses(did, 3)],
                             [["queued"], ["in_progress", "queued"], ["in_progress", "queued"]])
            self.assertEqual(self.poll_run(self.dispatch("deploy.yml"), 1)[0]["conclusion"], "success")
            self.assertEqual([s["state"] for s in self.poll_statuses(self.deploy("prod"), 1)[0]], ["success"])
            dep = {x["id"]: x for x in harness.deployments(self.dir)}[did]
            self.assertEqual(dep["outcome"], {"result": "never", "polls": 1, "empty_polls": 0})
            disp = [x for x in harness.dispatches(self.dir) if x["run_id"] == rid][0]
            self.assertEqual(disp["outcome"], {"result": "never", "polls": 1})
        finally:
            harness.set_outcomes(self.dir, {})

    def test_outcome_deployment_statuses(self):
        required = {"id", "node_id", "state", "creator", "description", "deployment_url", "target_url",
                    "repository_url", "url", "created_at", "updated_at"}
        try:
            for result in ("success", "failure", "error", "inactive"):
                harness.set_outcomes(self.dir, {"prod": {"result": result, "polls": 2}})
                did = self.deploy("prod")
                seen = self.poll_statuses(did, 4)
                self.assertEqual([[s["state"] for s in x] for x in seen],
                                 [["queued"], ["in_progress", "queued"], [result, "in_progress", "queued"],
                                  [result, "in_progress", "queued"]], result)
                final = seen[-1]
                self.assertEqual(final, seen[-2])  # complete: nothing moves any more
                base = self.info["api_base"] + "/repos/acme/bbws"
                for s in final:
                    self.assertTrue(required <= set(s), set(s))
                    self.assertEqual((s["url"], s["deployment_url"], s["repository_url"], s["environment"]),
                                     ("%s/deployments/%d/statuses/%d" % (base, did, s["id"]),
                                      "%s/deployments/%d" % (base, did), base, "prod"))
                    self.assertEqual((s["creator"]["login"], s["creator"]["type"]), ("github-actions[bot]", "Bot"))
                    self.assertTrue(s["target_url"].startswith("http") and s["log_url"] == s["target_url"])
                    self.assertLessEqual(len(s["description"]), 140)
                    self.assertIsNone(s["performed_via_github_app"])
                self.assertTrue(final[0]["id"] > final[1]["id"] > final[2]["id"])
                self.assertTrue(final[0]["created_at"] > final[1]["created_at"] > final[2]["created_at"])
                st, _, d = self.c.json("/repos/acme/bbws/deployments/%d" % did)  # not a read of the statuses
                self.assertEqual((st, d["id"], d["environment"], d["updated_at"]), (200, did, "prod", final[0]["created_at"]))
            # empty_polls: [] first, as right after creation on GitHub; polls 0: final at once
            harness.set_outcomes(self.dir, {"prod": {"result": "failure", "polls": 1, "empty_polls": 2},
                                            "staging": {"result": "error", "polls": 0}})
            self.assertEqual([[s["state"] for s in x] for x in self.poll_statuses(self.deploy("prod"), 5)],
                             [[], [], ["queued"], ["failure", "queued"], ["failure", "queued"]])
            self.assertEqual([[s["state"] for s in x] for x in self.poll_statuses(self.deploy("staging"), 2)],
                             [["error"], ["error"]])
            # never; an environment without an outcome: success after 1 poll
            harness.set_outcomes(self.dir, {"prod": "never"})
            self.assertEqual([[s["state"] for s in x] for x in self.poll_statuses(self.deploy("prod"), 5)],
                             [["queued"]] + [["in_progress", "queued"]] * 4)
            self.assertEqual([[s["state"] for s in x] for x in self.poll_statuses(self.deploy("qa"), 3)],
                             [["queued"], ["success", "queued"], ["success", "queued"]])
            # a fresh deployment is readable by id at once, with no status
            did = self.deploy("qa")
            st, _, d = self.c.json("/repositories/4242001/deployments/%d" % did)
            self.assertEqual((st, d["updated_at"], d["created_at"]), (200, d["created_at"], d["created_at"]))
        finally:
            harness.set_outcomes(self.dir, {})

    def test_outcome_statuses_pagination_and_404(self):
        harness.set_outcomes(self.dir, {"prod": {"result": "success", "polls": 2}})
        try:
            did = self.deploy("prod")
            self.poll_statuses(did, 3)
            url, states, link_sets = "/repos/acme/bbws/deployments/%d/statuses?per_page=1" % did, [], []
            while url:
                st, hd, body = self.c.json(url)
                self.assertEqual((st, len(body)), (200, 1))
                states.append(body[0]["state"])
                lk = links(hd.get("link"))
                link_sets.append({k: page_of(v) for k, v in lk.items()})
                url = lk["next"][len(self.info["api_base"]):] if "next" in lk else None
                self.assertLess(len(states), 5)
            self.assertEqual(states, ["success", "in_progress", "queued"])  # newest first
            self.assertEqual(link_sets, [{"next": 2, "last": 3}, {"prev": 1, "next": 3, "last": 3, "first": 1},
                                         {"prev": 2, "first": 1}])
            st, hd, body = self.c.json("/repositories/4242001/deployments/%d/statuses?per_page=2&page=2" % did)
            self.assertEqual([s["state"] for s in body], ["queued"])
            self.assertEqual(page_of(links(hd["link"])["first"]), 1)
            st, hd, body = self.c.json("/repos/acme/bbws/deployments/%d/statuses" % did)
            self.assertNotIn("link", hd)
        finally:
            harness.set_outcomes(self.dir, {})
        for path in ("/repos/acme/bbws/deployments/999999/statuses", "/repos/acme/bbws/deployments/abc/statuses",
                     "/repos/acme/bbws/deployments/999999", "/repositories/4242001/deployments/999999",
                     "/repos/acme/other/deployments/%d/statuses" % did, "/repos/acme/bbws/actions/runs/999",
                     "/repos/acme/bbws/actions/workflows/nope.yml/runs", "/repos/acme/bbws/actions/workflows/123/runs"):
            st, _, b = self.c.json(path)
            self.assertEqual((st, b["message"]), (404, "Not Found"), path)
            self.assertIn("documentation_url", b)

    def test_outcome_list_workflow_runs(self):
        sc = scenario()
        sc["runs"]["7100"] = {"workflow": "deploy.yml", "head_sha": MAIN, "event": "push", "conclusion": "failure",
                              "created_at": "2024-05-03T10:00:00Z", "pull_requests": [12]}
        sc["runs"]["7101"] = {"workflow": "deploy.yml", "head_sha": HEAD, "event": "workflow_dispatch",
                              "head_branch": "feature-12", "actor": "alice", "created_at": "2024-05-04T10:00:00Z"}
        sc["runs"]["7102"] = {"workflow_id": 5000001, "head_sha": MAIN, "event": "workflow_dispatch",
                              "status": "in_progress", "created_at": "2024-05-02T10:00:00Z"}
        sc["deploy_outcomes"] = {"deploy.yml": {"result": "failure", "polls": 2}}
        harness.set_scenario(self.dir, sc)
        try:
            r1, r2 = self.dispatch("deploy.yml"), self.dispatch("5000001")
            self.dispatch("ci.yml")
            base = "/repos/acme/bbws/actions/workflows/deploy.yml/runs"

            def ids(query, path=base):
                st, hd, body = self.c.json(path + query)
                self.assertEqual(st, 200, body)
                self.assertEqual(body["total_count"], len(body["workflow_runs"]))
                return [r["id"] for r in body["workflow_runs"]]
            # newest first: the dispatched runs (now), then by created_at
            self.assertEqual(ids(""), [r2, r1, 7101, 7100, 7102])
            self.assertEqual(ids("", "/repositories/4242001/actions/workflows/5000001/runs"), [r2, r1, 7101, 7100, 7102])
            self.assertEqual(ids("?event=workflow_dispatch&head_sha=" + MAIN), [r2, r1, 7102])
            self.assertEqual(ids("?event=workflow_dispatch&head_sha=" + MAIN.upper()), [r2, r1, 7102])
            self.assertEqual(ids("?branch=feature-12"), [7101])
            self.assertEqual(ids("?actor=ALICE"), [7101])
            self.assertEqual(ids("?event=push"), [7100])
            self.assertEqual(ids("?created=2024-05-03"), [7100])
            self.assertEqual(ids("?created=%3E%3D2024-05-03T10:00:00Z&event=push"), [7100])
            self.assertEqual(ids("?created=%3C2024-05-03T10:00:00Z"), [7102])
            self.assertEqual(ids("?created=2024-05-02..2024-05-03"), [7100, 7102])
            self.assertEqual(ids("?created=2024-05-03T12:00:00%2B02:00..*"), [r2, r1, 7101, 7100])
            self.assertEqual(ids("?check_suite_id=%d" % (6000000000 + 7101)), [7101])
            self.assertEqual(ids("?status=in_progress"), [7102])  # r1, r2 were read 3 times by now
            self.assertEqual(ids("?status=failure"), [r2, r1, 7100])
            self.assertEqual(ids("?status=completed&head_sha=" + HEAD), [7101])
            self.assertEqual(ids("?head_sha=" + "e" * 40), [])
            st, _, body = self.c.json("/repos/acme/bbws/actions/workflows/ci.yml/runs")
            self.assertEqual(body["total_count"], 1)
            # pagination, with the pull requests (or not)
            st, hd, body = self.c.json(base + "?per_page=2&page=2")
            self.assertEqual(([r["id"] for r in body["workflow_runs"]], body["total_count"]), ([7101, 7100], 5))
            self.assertEqual([p["number"] for p in body["workflow_runs"][1]["pull_requests"]], [12])
            self.assertEqual({k: page_of(v) for k, v in links(hd["link"]).items()},
                             {"prev": 1, "next": 3, "last": 3, "first": 1})
            self.assertIn("per_page=2", links(hd["link"])["next"])
            st, hd, body = self.c.json(base + "?per_page=2&page=2&exclude_pull_requests=true")
            self.assertEqual(body["workflow_runs"][1]["pull_requests"], [])
            st, _, b = self.c.json(base + "?created=yesterday")
            self.assertEqual((st, b["message"]), (422, "Invalid value for the created parameter: yesterday"))
        finally:
            harness.set_scenario(self.dir, scenario())

    def test_outcome_list_reads_advance_runs(self):
        harness.set_outcomes(self.dir, {"deploy.yml": {"result": "cancelled", "polls": 2}})
        try:
            rid = self.dispatch("deploy.yml")
            q = "/repos/acme/bbws/actions/workflows/deploy.yml/runs?event=workflow_dispatch&head_sha=%s&per_page=100" % MAIN
            seen = []
            for _ in range(2):
                st, _, body = self.c.json(q)
                seen.append([(r["status"], r["conclusion"]) for r in body["workflow_runs"] if r["id"] == rid])
            seen.append([(r["status"], r["conclusion"]) for r in self.poll_run(rid, 1)])
            self.assertEqual(seen, [[("queued", None)], [("in_progress", None)], [("completed", "cancelled")]])
            # a list whose filters leave the run out does not read it
            rid = self.dispatch("deploy.yml")
            self.c.json(q.replace(MAIN, HEAD))
            self.c.json("/repos/acme/bbws/actions/workflows/ci.yml/runs")
            self.assertEqual(self.poll_run(rid, 1)[0]["status"], "queued")
        finally:
            harness.set_outcomes(self.dir, {})

    def test_outcome_faults_and_log(self):
        harness.set_outcomes(self.dir, {"prod": {"result": "failure", "polls": 1}, "deploy.yml": "failure"})
        try:
            did, rid = self.deploy("prod"), self.dispatch("deploy.yml")
            self.faults([{"path": r"/deployments/%d/statuses$" % did, "status": 502},
                         {"path": r"/actions/runs/%d$" % rid, "method": "GET", "reset": True},
                         {"path": r"/actions/workflows/deploy\.yml/runs", "rate_limit": {"status": 429, "retry_after": 3}}])
            st, _, b = self.c.json("/repos/acme/bbws/deployments/%d/statuses" % did)
            self.assertEqual((st, b["message"]), (502, "Bad Gateway"))
            with self.assertRaises((http.client.RemoteDisconnected, ConnectionResetError, http.client.BadStatusLine)):
                self.c.get("/repos/acme/bbws/actions/runs/%d" % rid)
            st, hd, _ = self.c.json("/repos/acme/bbws/actions/workflows/deploy.yml/runs?head_sha=" + MAIN)
            self.assertEqual((st, hd["retry-after"]), (429, "3"))
            # a faulted request is no read: the next ones see the first state
            self.assertEqual([[s["state"] for s in x] for x in self.poll_statuses(did, 2)], [["queued"], ["failure", "queued"]])
            self.assertEqual([r["status"] for r in self.poll_run(rid, 2)], ["queued", "completed"])
            self.assertEqual(self.c.json("/repos/acme/bbws/deployments/%d/statuses" % did, auth=None)[0], 401)
            rec = [r for r in harness.requests(self.dir) if "/deployments/%d/" % did in r["path"]
                   or r["path"].endswith("/runs/%d" % rid)]
            self.assertEqual([(r["method"], r["status"], r["fault"]) for r in rec],
                             [("GET", 502, "status"), ("GET", None, "reset"), ("GET", 200, None), ("GET", 200, None),
                              ("GET", 200, None), ("GET", 200, None), ("GET", 401, None)])
            # ETag: a poll that sees no change can be answered 304
            st, hd, _ = self.c.get("/repos/acme/bbws/deployments/%d/statuses" % did)
            st, _, body = self.c.get("/repos/acme/bbws/deployments/%d/statuses" % did, headers={"If-None-Match": hd["etag"]})
            self.assertEqual((st, body), (304, b""))
        finally:
            harness.set_outcomes(self.dir, {})

    def test_outcome_validation(self):
        import ghsim
        bad = [
            (["deploy"], "deploy_outcomes: must be an object"),
            ({"prod": 5}, "deploy_outcomes[prod]: must be an object"),
            ({"prod": {"result": "cancelled"}}, "deploy_outcomes[prod].result: 'cancelled' is not one of success, failure, error, inactive, never"),
            ({"deploy.yml": {"result": "error"}}, "deploy_outcomes[deploy.yml].result: 'error' is not one of success, failure, cancelled"),
            ({"other.yaml": {"result": "inactive"}}, "'other.yaml' is a workflow"),
            ({"prod": {"result": "success", "polls": -1}}, "deploy_outcomes[prod].polls: must be an integer >= 0, not -1"),
            ({"prod": {"polls": "2"}}, 'deploy_outcomes[prod].polls: must be an integer >= 0, not "2"'),
            ({"prod": {"polls": True}}, "polls: must be an integer >= 0, not true"),
            ({"prod": {"polls": 1.5}}, "polls: must be an integer >= 0, not 1.5"),
            ({"prod": {"empty_polls": -2}}, "deploy_outcomes[prod].empty_polls: must be an integer >= 0"),
            ({"deploy.yml": {"empty_polls": 1}}, "deploy_outcomes[deploy.yml]: unknown key 'empty_polls' (a workflow takes result, polls)"),
            ({"prod": {"result": "success", "poll": 3}}, "deploy_outcomes[prod]: unknown key 'poll'"),
            ({"": "success"}, "a key must be a workflow file name or an environment"),
        ]
        for oc, msg in bad:
            with self.assertRaises(ghsim.ScenarioError) as cm:
                ghsim.Model(dict(scenario(), deploy_outcomes=oc))
            self.assertIn(msg, str(cm.exception), oc)
            with self.assertRaises(harness.HarnessError) as cm:
                harness.set_outcomes(self.dir, oc)
            self.assertIn(msg, str(cm.exception).replace('\\"', '"').replace("\\'", "'"), oc)
            with self.assertRaises(harness.HarnessError):
                harness.set_scenario(self.dir, dict(scenario(), deploy_outcomes=oc))
        with self.assertRaises(harness.HarnessError) as cm:
            harness.set_outcomes(self.dir, None)
        self.assertIn("deploy_outcomes: must be an object, not empty", str(cm.exception))
        with self.assertRaises(ghsim.ScenarioError) as cm:
            ghsim.Model(dict(scenario(), runs={"5": {"workflow": "nope.yml"}}))
        self.assertIn("runs[5].workflow: 'nope.yml' is not in `workflows`", str(cm.exception))
        m = ghsim.Model(dict(scenario(), deploy_outcomes={"deploy.yml": "timed_out", "prod": {"polls": 4},
                                                          "x.yml": {"result": "never", "polls": 0}}))
        self.assertEqual((m.run_outcomes, m.deployment_outcomes),
                         ({"deploy.yml": {"result": "timed_out", "polls": 1}, "x.yml": {"result": "never", "polls": 0}},
                          {"prod": {"result": "success", "polls": 4, "empty_polls": 0}}))
        self.assertEqual(harness.outcomes(self.dir), {})  # the failed attempts changed nothing

    def test_outcome_command_keeps_records(self):
        hc = [sys.executable, os.path.join(HERE, "harness.py"), "outcomes", "--dir", self.dir]
        try:
            harness.set_outcomes(self.dir, {"prod": "never"})
            did, rid = self.deploy("prod"), self.dispatch("deploy.yml")
            self.poll_statuses(did, 1)
            n_dep, n_disp = len(harness.deployments(self.dir)), len(harness.dispatches(self.dir))
            r = subprocess.run(hc + ['{"prod": {"result": "failure", "polls": 0}, "deploy.yml": "cancelled"}'],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual((r.returncode, json.loads(r.stdout)), (0, {"ok": True, "outcomes": 2}), r.stderr)
            r = subprocess.run(hc, capture_output=True, text=True, timeout=30)
            self.assertEqual(json.loads(r.stdout), {"prod": {"result": "failure", "polls": 0, "empty_polls": 0},
                                                    "deploy.yml": {"result": "cancelled", "polls": 1}})
            r = subprocess.run(hc + ["-"], input='{"staging": "error"}', capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(harness.outcomes(self.dir), {"staging": {"result": "error", "polls": 1, "empty_polls": 0}})
            f = os.path.join(self.dir, "oc.json")
            with open(f, "w") as fh:
                json.dump({"prod": "inactive"}, fh)
            r = subprocess.run(hc + ["@" + f], capture_output=True, text=True, timeout=30)
            self.assertEqual((r.returncode, harness.outcomes(self.dir)["prod"]["result"]), (0, "inactive"))
            r = subprocess.run(hc + ['{"prod": "cancelled"}'], capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 1)
            self.assertIn("'cancelled' is not one of", r.stderr)
            r = subprocess.run(hc + ["{nope"], capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 1)
            self.assertEqual(harness.outcomes(self.dir)["prod"]["result"], "inactive")  # unchanged by the failures
            # nothing recorded was lost; what existed keeps its outcome and progress
            self.assertEqual((len(harness.deployments(self.dir)), len(harness.dispatches(self.dir))), (n_dep, n_disp))
            self.assertEqual([s["state"] for s in self.poll_statuses(did, 1)[0]], ["in_progress", "queued"])
            self.assertEqual(self.poll_run(rid, 2)[1]["status"], "completed")
            self.assertEqual([s["state"] for s in self.poll_statuses(self.deploy("prod"), 1)[0]], ["queued"])
        finally:
            harness.set_outcomes(self.dir, {})

class LifecycleTest(unittest.TestCase):
    def test_max_seconds_and_bad_scenario(self):
        d = tempfile.mkdtemp(prefix="ghsim-life.")
        try:
            sc = os.path.join(d, "s.json")
            with open(sc, "w") as f:
                json.dump({"repository": {"owner": "a", "name": "b"}}, f)
            port_file = os.path.join(d, "port")
            t = time.monotonic()
            p = subprocess.Popen([sys.executable, os.path.join(HERE, "ghsim.py"), "--scenario", sc,
                                  "--port-file", port_file, "--max-seconds", "1"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                self.assertEqual(p.wait(timeout=10), 0)
            finally:
                if p.poll() is None:
                    p.kill()
                    p.wait(5)
            self.assertLess(time.monotonic() - t, 5)
            with open(port_file) as f:
                self.assertTrue(f.read().strip().isdigit())
            with open(sc, "w") as f:
                f.write('{"pulls": [{"title": "no number"}]}')
            r = subprocess.run([sys.executable, os.path.join(HERE, "ghsim.py"), "--scenario", sc,
                                "--port-file", port_file + "2"], capture_output=True, timeout=10)
            self.assertEqual(r.returncode, 2)
            self.assertIn(b"number", r.stderr)
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def test_harness_cli_start_stop(self):
        d = tempfile.mkdtemp(prefix="ghsim-cli.")
        try:
            r = subprocess.run([sys.executable, os.path.join(HERE, "harness.py"), "start", "--scenario",
                                os.path.join(HERE, "scenarios", "basic.json"), "--dir", d, "--max-seconds", "60"],
                               capture_output=True, timeout=30, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            env = dict(line.split("=", 1) for line in r.stdout.split())
            c = Client(env["API_BASE"])
            self.assertEqual(c.json("/repos/acme/bbws/pulls/12")[2]["user"]["login"], "alice")
            r = subprocess.run([sys.executable, os.path.join(HERE, "harness.py"), "stats", "--dir", d],
                               capture_output=True, timeout=30, text=True)
            self.assertEqual(json.loads(r.stdout)["requests"], 1)
            r = subprocess.run([sys.executable, os.path.join(HERE, "harness.py"), "violations", "--dir", d],
                               capture_output=True, timeout=30, text=True)
            self.assertEqual(r.returncode, 2)  # no prism in this run
            hc = [sys.executable, os.path.join(HERE, "harness.py")]
            r = subprocess.run(hc + ["refs", "--dir", d, "rel=" + "9" * 40], capture_output=True, timeout=30, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(c.post("/repos/acme/bbws/deployments", {"ref": "rel"}, auth="Bearer x")[0], 201)
            self.assertEqual(c.post("/repos/acme/bbws/actions/workflows/deploy.yml/dispatches", {"ref": "rel"},
                                    auth="Bearer x")[0], 204)
            r = subprocess.run(hc + ["deployments", "--dir", d], capture_output=True, timeout=30, text=True)
            self.assertEqual([x["sha"] for x in json.loads(r.stdout)], ["9" * 40])
            r = subprocess.run(hc + ["dispatches", "--dir", d], capture_output=True, timeout=30, text=True)
            self.assertEqual([x["ref"] for x in json.loads(r.stdout)], ["rel"])
            with open(os.path.join(d, "sim.pid")) as f:
                pid = int(f.read())
            r = subprocess.run([sys.executable, os.path.join(HERE, "harness.py"), "stop", "--dir", d],
                               capture_output=True, timeout=30, text=True)
            self.assertEqual(r.returncode, 0)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                try:
                    with open("/proc/%d/stat" % pid) as f:
                        if f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                            break
                except OSError:
                    break
                time.sleep(0.05)
            else:
                self.fail("simulator still running after stop")
        finally:
            harness.stop(d)
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
