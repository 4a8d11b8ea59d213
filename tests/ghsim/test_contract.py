#!/usr/bin/env python3
"""Contract check: the simulator's answers, seen through Prism (GitHub's OpenAPI description).

    (cd tests/ghsim && npm ci)   # once: installs prism and @octokit/openapi (pinned)
    python3 tests/ghsim/test_contract.py

Skipped when node or tests/ghsim/node_modules is missing, unless GHSIM_REQUIRE_PRISM=1
(then missing node_modules is installed with npm ci, and a missing node is a failure).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import contract_proxy  # noqa: E402
import harness  # noqa: E402
from test_ghsim import Client, links  # noqa: E402

REQUIRE = os.environ.get("GHSIM_REQUIRE_PRISM") == "1"
HAVE = bool(shutil.which("node")) and os.path.exists(contract_proxy.PRISM_JS) and os.path.exists(contract_proxy.SPEC_SOURCE)
BASIC = os.path.join(HERE, "scenarios", "basic.json")
MAIN = "3f2c5e8a9b1d4c7e6f0a2b3c4d5e6f708192a3b4"

ENDPOINTS = [
    ("/user", 200),
    ("/repos/acme/bbws/actions/runs/7001", 200),
    ("/repos/acme/bbws/actions/runs/7002", 200),
    ("/repos/acme/bbws/commits/%s/pulls" % MAIN, 200),
    ("/repos/acme/bbws/commits/%s" % MAIN, 200),  # basic.json has no author for it: null author
    ("/repos/acme/bbws/commits/main", 200),
    ("/repos/acme/bbws/commits/1111111", 200),
    ("/repositories/4242001/commits/%s" % MAIN, 200),
    ("/repos/acme/bbws/commits/%s" % ("e" * 40), 422),
    ("/repos/acme/bbws/commits/%s/pulls?per_page=100" % MAIN, 200),
    ("/repos/acme/bbws/pulls/12", 200),
    ("/repos/acme/bbws/pulls/13", 200),
    ("/repos/acme/bbws/pulls/12/reviews", 200),
    ("/orgs/acme/teams/release-managers/memberships/carol", 200),
    ("/orgs/acme/teams/release-managers/memberships/dave", 200),
    ("/orgs/acme/teams/release-managers/memberships/zed", 404),
    ("/orgs/acme/teams/release-managers/members", 200),
    ("/orgs/acme/teams/release-managers/members?per_page=1&page=2", 200),
    ("/orgs/acme/teams/nobody/members", 404),
    ("/repos/acme/bbws/commits/%s/check-runs" % MAIN, 200),
    ("/repos/acme/bbws/commits/main/check-runs?filter=all", 200),
    ("/repos/acme/bbws/commits/aaaa5e8a9b1d4c7e6f0a2b3c4d5e6f708192a3b4/check-runs", 200),
    ("/repos/acme/bbws/commits/%s/status" % MAIN, 200),
    ("/repos/acme/bbws/commits/aaaa5e8a9b1d4c7e6f0a2b3c4d5e6f708192a3b4/status", 200),
    ("/repos/acme/bbws/releases", 200),
    ("/repos/acme/bbws/releases/tags/v1.4.0", 200),
    ("/repos/acme/bbws/releases/tags/v1.5.0-rc1", 404),
    ("/repos/acme/bbws/rules/branches/promote%2Faudit", 200),
    ("/repos/acme/bbws/rules/branches/main", 200),
    ("/repos/acme/bbws/rules/branches/develop", 200),
    ("/repos/acme/bbws/pulls/99", 404),
    ("/repos/acme/bbws/actions/runs/1", 404),
    ("/repos/acme/bbws/commits/%s/pulls" % ("e" * 40), 422),
    ("/repos/acme/bbws/commits/%s/check-runs" % ("e" * 40), 422),
    ("/repos/acme/bbws/commits/%s/status" % ("e" * 40), 404),
]


@unittest.skipUnless(HAVE or REQUIRE, "prism not installed (cd tests/ghsim && npm ci)")
class ContractTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="ghsim-contract.")
        cls.info = harness.start(BASIC, cls.dir, prism=True, max_seconds=300)
        cls.c = Client(cls.info["api_base"])
        sys.stderr.write("\n[prism ready in %.2fs] " % cls.info["prism_start_seconds"])

    @classmethod
    def tearDownClass(cls):
        harness.stop(cls.dir)
        if os.environ.get("GHSIM_KEEP"):
            sys.stderr.write("kept %s\n" % cls.dir)
        else:
            shutil.rmtree(cls.dir, ignore_errors=True)

    def assertClean(self, hd, what):
        self.assertNotIn("sl-violations", hd, what)

    def test_1_every_endpoint_once(self):
        for path, want in ENDPOINTS:
            st, hd, body = self.c.get(path, auth="Bearer fake")
            self.assertEqual(st, want, (path, body[:300]))
            self.assertClean(hd, path)
        self.assertEqual(harness.violations(self.dir), [])

    def test_2_pagination_through_prism(self):
        url = "/repos/acme/bbws/pulls/12/reviews?per_page=2"
        n = pages = 0
        while url:
            st, hd, body = self.c.json(url, auth="Bearer fake")
            self.assertEqual(st, 200)
            self.assertClean(hd, url)
            n += len(body)
            pages += 1
            nxt = links(hd.get("link")).get("next")
            if nxt:
                self.assertTrue(nxt.startswith(self.info["prism_base"] + "/"), nxt)  # links go through prism
            url = nxt[len(self.info["prism_base"]):] if nxt else None
            self.assertLess(pages, 10)
        self.assertEqual((n, pages), (6, 3))
        self.assertEqual(harness.violations(self.dir), [])

    def test_3_etag_and_401(self):
        st, hd, _ = self.c.get("/repos/acme/bbws/pulls/12", auth="Bearer fake")
        st, hd2, body = self.c.get("/repos/acme/bbws/pulls/12", auth="Bearer fake", headers={"If-None-Match": hd["etag"]})
        self.assertEqual((st, body), (304, b""))
        self.assertClean(hd2, "304")
        st, hd, body = self.c.get("/repos/acme/bbws/releases", auth=None)
        self.assertEqual(st, 401)
        self.assertClean(hd, "401")
        self.assertEqual(harness.violations(self.dir), [])

    def test_4_injected_errors_pass_through(self):
        harness.add_faults(self.dir, [
            {"path": r"^/repos/acme/bbws/pulls/12$", "status": 500},
            {"path": r"^/repos/acme/bbws/pulls/12/reviews", "status": 502},
            {"path": r"/check-runs", "status": 503},
            {"path": r"^/repos/acme/bbws/releases$", "rate_limit": {"status": 429, "retry_after": 9, "remaining": 17}},
            {"path": r"^/user$", "rate_limit": {"status": 403, "remaining": 0, "reset_in": 60}},
            {"path": r"/status$", "rate_limit": {"status": 403, "remaining": 3}},
            {"path": r"/memberships/", "delay_ms": 200},
        ])
        cases = [
            ("/repos/acme/bbws/pulls/12", 500, None),
            ("/repos/acme/bbws/pulls/12/reviews", 502, None),
            ("/repos/acme/bbws/commits/main/check-runs", 503, None),
            ("/repos/acme/bbws/releases", 429, "9"),
            ("/user", 403, None),
            ("/repos/acme/bbws/commits/main/status", 403, None),
            ("/orgs/acme/teams/release-managers/memberships/carol", 200, None),
        ]
        for path, want, retry in cases:
            st, hd, body = self.c.json(path, auth="Bearer fake")
            self.assertEqual(st, want, (path, body))
            self.assertClean(hd, path)
            self.assertIn("x-ratelimit-remaining", hd)
            self.assertEqual(hd.get("retry-after"), retry)
            if want != 200:
                self.assertIn("message", body)
        self.assertEqual(harness.violations(self.dir), [])

    def test_5_repositories_link_form_through_prism(self):
        with open(BASIC) as f:
            sc = json.load(f)
        sc["link_form"] = "repositories"
        harness.set_scenario(self.dir, sc)
        try:
            st, hd, body = self.c.json("/repos/acme/bbws/pulls/12/reviews?per_page=4", auth="Bearer fake")
            nxt = links(hd["link"])["next"]
            self.assertIn("/repositories/4242001/pulls/12/reviews", nxt)
            st, hd, body = self.c.json(nxt[len(self.info["prism_base"]):], auth="Bearer fake")
            self.assertEqual((st, len(body)), (200, 2))
            self.assertClean(hd, nxt)
        finally:
            with open(BASIC) as f:
                harness.set_scenario(self.dir, json.load(f))
        self.assertEqual(harness.violations(self.dir), [])

    def test_6_get_commit_with_and_without_author(self):
        with open(BASIC) as f:
            sc = json.load(f)
        sc["commits"][MAIN].update({"author": "alice", "committer": "github-actions[bot]", "message": "Merge #12",
                                    "parents": ["1111111111111111111111111111111111111111"]})
        sc["commits"]["b" * 40] = {"author": None, "author_name": "Ghost", "author_email": "ghost@example.test"}
        harness.set_scenario(self.dir, sc)
        try:
            st, hd, c = self.c.json("/repos/acme/bbws/commits/%s" % MAIN, auth="Bearer fake")
            self.assertEqual((st, c["author"]["login"], c["committer"]["type"]), (200, "alice", "Bot"))
            self.assertClean(hd, "commit with author")
            st, hd, c = self.c.json("/repos/acme/bbws/commits/%s" % ("b" * 40), auth="Bearer fake")
            self.assertEqual((st, c["author"], c["committer"]), (200, None, None))
            self.assertClean(hd, "commit without author")
        finally:
            with open(BASIC) as f:
                harness.set_scenario(self.dir, json.load(f))
        self.assertEqual(harness.violations(self.dir), [])

    def test_7_write_operations(self):
        n_dep, n_disp = len(harness.deployments(self.dir)), len(harness.dispatches(self.dir))
        dep = "/repos/acme/bbws/deployments"
        wf = "/repos/acme/bbws/actions/workflows/%s/dispatches"
        cases = [
            (dep, {"ref": "main"}, 201),
            (dep, {"ref": "v1.3.0", "task": "deploy:migrate", "auto_merge": False, "required_contexts": ["ci"],
                   "payload": {"k": [1, 2]}, "environment": "staging", "description": None,
                   "transient_environment": True, "production_environment": False}, 201),
            ("/repositories/4242001/deployments", {"ref": MAIN, "payload": "raw"}, 201),
            (wf % "deploy.yml", {"ref": "main", "inputs": {"env": "prod", "n": 3, "dry": True}}, 204),
            (wf % "5000002", {"ref": "v1.3.0"}, 204),  # by number (see trim_spec.fix_overlapping_param_oneof)
            ("/repositories/4242001/actions/workflows/ci.yml/dispatches", {"ref": "main"}, 204),
            (wf % "ci.yml", {"ref": "main", "return_run_details": True}, 200),
            (dep, {"ref": "nope"}, 422),
            (wf % "deploy.yml", {"ref": "nope"}, 422),
            (wf % "nope.yml", {"ref": "main"}, 404),
            (dep, {"ref": "main"}, 401),
        ]
        for path, body, want in cases:
            st, hd, b = self.c.post(path, body, auth=None if want == 401 else "Bearer fake")
            self.assertEqual(st, want, (path, body, b))
            self.assertClean(hd, path)
            if want >= 400:
                self.assertNotIn("type", b)  # the simulator's answer, not Prism's
        st, hd, d = self.c.post(dep, {"ref": "main"}, auth="Bearer fake")
        self.assertEqual((st, d["url"].startswith(self.info["prism_base"] + "/")), (201, True))
        harness.add_faults(self.dir, [{"path": r"/deployments$", "method": "POST", "status": 502},
                                      {"path": r"/dispatches$", "method": "POST", "rate_limit": {"status": 429, "retry_after": 5}}])
        st, hd, b = self.c.post(dep, {"ref": "main"}, auth="Bearer fake")
        self.assertEqual(st, 502)
        self.assertClean(hd, "502")
        st, hd, b = self.c.post(wf % "deploy.yml", {"ref": "main"}, auth="Bearer fake")
        self.assertEqual((st, hd.get("retry-after")), (429, "5"))
        self.assertClean(hd, "429")
        self.assertEqual(len(harness.deployments(self.dir)), n_dep + 4)
        self.assertEqual(len(harness.dispatches(self.dir)), n_disp + 4)
        self.assertEqual(harness.violations(self.dir), [])

    def test_8_waiting_for_deploys(self):
        """The reads a client polls while it waits for a deployment or a dispatched run,
        through every state and result, and their 404s and injected errors."""
        api = "/repos/acme/bbws"
        prism = self.info["prism_base"]
        harness.set_outcomes(self.dir, {
            "deploy.yml": {"result": "timed_out", "polls": 2}, "ci.yml": "never",
            "production": {"result": "failure", "polls": 2, "empty_polls": 1}, "staging": "inactive",
            "qa": {"result": "error", "polls": 0}, "dev": "never", "uat": "success"})
        try:
            def get(path, want=200):
                st, hd, body = self.c.json(path, auth="Bearer fake")
                self.assertEqual(st, want, (path, body))
                self.assertClean(hd, path)
                return hd, body

            # a run with details: polled by id
            st, hd, r = self.c.post(api + "/actions/workflows/deploy.yml/dispatches",
                                    {"ref": "main", "return_run_details": True}, auth="Bearer fake")
            self.assertEqual(st, 200, r)
            self.assertTrue(r["run_url"].startswith(prism + "/"), r)
            seen = [get(r["run_url"][len(prism):])[1] for _ in range(4)]
            self.assertEqual([(x["status"], x["conclusion"]) for x in seen],
                             [("queued", None), ("in_progress", None), ("completed", "timed_out"), ("completed", "timed_out")])
            # a run without details (204): found in the workflow's runs, newest first, then polled
            st, hd, _ = self.c.post(api + "/actions/workflows/ci.yml/dispatches", {"ref": "main"}, auth="Bearer fake")
            self.assertEqual(st, 204)
            q = "/actions/workflows/ci.yml/runs?event=workflow_dispatch&head_sha=%s&per_page=1" % MAIN
            for path in (api + q, "/repositories/4242001" + q, api + "/actions/workflows/5000002/runs?branch=main&status=in_progress"):
                hd, lst = get(path)
                self.assertEqual(lst["workflow_runs"][0]["event"], "workflow_dispatch")
            self.assertGreaterEqual(lst["total_count"], 1)
            rid = lst["workflow_runs"][0]["id"]
            self.assertEqual([get(api + "/actions/runs/%d" % rid)[1]["status"] for _ in range(2)], ["in_progress"] * 2)
            hd, lst = get(api + "/actions/workflows/deploy.yml/runs?per_page=1")
            nxt = links(hd["link"])["next"]
            self.assertTrue(nxt.startswith(prism + "/"), nxt)
            hd, lst = get(nxt[len(prism):])
            self.assertEqual(len(lst["workflow_runs"]), 1)
            for created in ("%3E%3D2024-05-03", "2024-05-03", "2024-05-02..2024-05-04", "2024-05-03T08:00:00Z",
                            "*..2024-05-03T08:00:00Z"):
                hd, lst = get(api + "/actions/workflows/deploy.yml/runs?exclude_pull_requests=true&created=" + created)
                self.assertIn(7003, [x["id"] for x in lst["workflow_runs"]], created)
            get(api + "/actions/workflows/deploy.yml/runs?created=yesterday", 422)
            get(api + "/actions/workflows/nope.yml/runs", 404)

            # deployments: their statuses, for each result
            want = {"production": [[], ["queued"], ["in_progress", "queued"], ["failure", "in_progress", "queued"]],
                    "staging": [["queued"], ["inactive", "queued"], ["inactive", "queued"]],
                    "qa": [["error"], ["error"]],
                    "dev": [["queued"], ["in_progress", "queued"], ["in_progress", "queued"]],
                    "uat": [["queued"], ["success", "queued"]]}
            for env, states in want.items():
                st, hd, d = self.c.post(api + "/deployments", {"ref": "main", "environment": env}, auth="Bearer fake")
                self.assertEqual(st, 201, d)
                self.assertTrue(d["statuses_url"].startswith(prism + "/"), d)
                path = d["statuses_url"][len(prism):]
                self.assertEqual([[s["state"] for s in get(path)[1]] for _ in states], states, env)
                hd, dep = get(d["url"][len(prism):])
                self.assertEqual((dep["id"], dep["environment"]), (d["id"], env))
                get("/repositories/4242001/deployments/%d" % d["id"])
            hd, sts = get(path + "?per_page=1")  # uat, 2 statuses
            nxt = links(hd["link"])["next"]
            self.assertTrue(nxt.startswith(prism + "/"), nxt)
            self.assertEqual([s["state"] for s in get(nxt[len(prism):])[1]], ["queued"])
            get("/repositories/4242001/deployments/%d/statuses?per_page=1&page=2" % d["id"])
            get(api + "/deployments/999999/statuses", 404)
            get(api + "/deployments/999999", 404)
            st, hd, _ = self.c.get(path, auth="Bearer fake")
            st, hd, _ = self.c.get(path, auth="Bearer fake", headers={"If-None-Match": hd["etag"]})
            self.assertEqual(st, 304)
            self.assertClean(hd, "304 statuses")
            # injected errors pass through on the new endpoints too
            harness.add_faults(self.dir, [{"path": r"/deployments/\d+/statuses$", "status": 502},
                                          {"path": r"/actions/workflows/ci\.yml/runs", "rate_limit": {"status": 429, "retry_after": 4}},
                                          {"path": r"/deployments/\d+$", "status": 503}])
            get(path, 502)
            hd, _ = get(api + q, 429)
            self.assertEqual(hd.get("retry-after"), "4")
            get(d["url"][len(prism):], 503)
        finally:
            with open(BASIC) as f:
                harness.set_outcomes(self.dir, json.load(f)["deploy_outcomes"])
        self.assertEqual(harness.violations(self.dir), [])

    def test_9_detector_catches_a_violation(self):
        # negative control, runs last: a malformed object must be caught and reported
        self.assertEqual(harness.violations(self.dir), [])
        harness.add_faults(self.dir, [{"path": r"^/repos/acme/bbws/pulls/13$", "body": '{"number": 13}'},
                                      {"path": r"^/user$", "status": 409},
                                      {"path": r"^/repos/acme/bbws/commits/main$", "body": '{"sha": "x"}'}])
        st, hd, body = self.c.json("/repos/acme/bbws/pulls/13", auth="Bearer fake")
        self.assertEqual(st, 500)
        self.assertIn("sl-violations", hd)
        self.assertTrue(body["type"].startswith("https://stoplight.io/prism/errors"))
        st, hd, body = self.c.json("/user", auth="Bearer fake")  # undeclared status: a warning
        self.assertEqual(st, 409)
        self.assertIn("sl-violations", hd)
        st, hd, body = self.c.json("/repos/acme/bbws/releases?per_page=abc", auth="Bearer fake")  # invalid request
        self.assertEqual(st, 422)
        self.assertTrue(body["type"].startswith("https://stoplight.io/prism/errors"))
        # get-commit is really validated (its schema compiles in Prism: see trim_spec.fix_typeless_nullable)
        st, hd, body = self.c.json("/repos/acme/bbws/commits/main", auth="Bearer fake")
        self.assertEqual(st, 500)
        self.assertIn("sl-violations", hd)
        # invalid request bodies: Prism answers 422 and does not forward them
        n = len(harness.requests(self.dir))
        for path, bad in (("/repos/acme/bbws/deployments", {"ref": 5}),
                          ("/repos/acme/bbws/actions/workflows/deploy.yml/dispatches",
                           {"ref": "main", "inputs": {"k%d" % i: "v" for i in range(26)}})):
            st, hd, body = self.c.post(path, bad, auth="Bearer fake")
            self.assertEqual(st, 422, body)
            self.assertEqual(body["type"], "https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY")
            self.assertEqual(body["validation"][0]["location"][0], "body", body)
        self.assertEqual(len(harness.requests(self.dir)), n)
        # the 201 deployment is really validated: a malformed one is caught
        harness.add_faults(self.dir, [{"path": r"/deployments$", "method": "POST", "status": 201, "body": '{"id": 1}'}])
        st, hd, body = self.c.post("/repos/acme/bbws/deployments", {"ref": "main"}, auth="Bearer fake")
        self.assertEqual(st, 500)
        self.assertIn("sl-violations", hd)
        # the new reads are really validated: a malformed deployment status or workflow run is caught
        st, hd, d = self.c.post("/repos/acme/bbws/deployments", {"ref": "main"}, auth="Bearer fake")
        harness.add_faults(self.dir, [
            {"path": r"/deployments/%d/statuses$" % d["id"], "body": '[{"id": 1, "state": "done"}]'},
            {"path": r"/deployments/%d$" % d["id"], "body": '{"id": %d}' % d["id"]},
            {"path": r"/actions/workflows/deploy\.yml/runs", "body": '{"total_count": 1, "workflow_runs": [{"id": 1}]}'}])
        for path in ("/repos/acme/bbws/deployments/%d/statuses" % d["id"], "/repos/acme/bbws/deployments/%d" % d["id"],
                     "/repos/acme/bbws/actions/workflows/deploy.yml/runs"):
            st, hd, body = self.c.json(path, auth="Bearer fake")
            self.assertEqual(st, 500, path)
            self.assertIn("sl-violations", hd)
        st, hd, body = self.c.json("/repos/acme/bbws/actions/workflows/deploy.yml/runs?status=bogus", auth="Bearer fake")
        self.assertEqual((st, body["type"]), (422, "https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY"))
        v = harness.violations(self.dir)
        self.assertEqual(len(v), 11, v)
        r = subprocess.run([sys.executable, os.path.join(HERE, "harness.py"), "violations", "--dir", self.dir],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn("VIOLATIONS", r.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
