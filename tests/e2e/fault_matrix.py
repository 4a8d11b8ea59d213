#!/usr/bin/env python3
"""Every endpoint the GitHub gates read, under every fault (t0203).

    fault_matrix.py REPO SCENARIO WORKDIR [--workers N] [--only ENDPOINT,...]

REPO is a repository made by examples/bbws/make-repo.sh with the GitHub gates' policy and
SCENARIO the simulator's approved scenario of it. First, without faults, each promotion
is checked once: `check dev sit`, `check --release-pr 9 sit prod`, `check dev sit` as
a GitHub Actions run and `explain dev sit` (which also reads who could approve). Those runs must be approved; their gates are the right answer, and
their requests say which endpoints the gates read and which of them span pages.

Then each endpoint meets each fault, one promotion run per case:
- a fault that passes (it fires once): the run ends approved, with the gates of the
  run without faults;
- a fault that lasts: the run ends in exit 3 and the verdict `error`, never `approved`,
  with an error that names the endpoint (`GET /path...`) and the reason;
- on a list of several pages, a missing next page (404) and a next-page link to another
  host end the same way, and the page on another host is never asked for.
Every fault must have fired, no run may hang (60 s) or die of a signal, and the token is
never printed. Each worker has a simulator, a copy of REPO and a response cache of its
own. Prints one TAP-style line a case and exits 1 if any failed.
"""

import argparse
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "ghsim"))
import harness  # noqa: E402

PROMOTE = os.environ["PROMOTE"]
TOKEN = os.environ["GITHUB_TOKEN"]
REPO = "/repos/bbws/order-service"
SHA = "[0-9a-f]{40}"
RUN_ID = "8003"
T = ["--github-timeout", "1", "--github-max-wait", "5"]

# The promotions, and what each adds to the environment
MODES = {
    "dev-sit": (["check", "--json"] + T + ["dev", "sit"], {}),
    "sit-prod": (["check", "--json"] + T + ["--release-pr", "9", "sit", "prod"], {}),
    "actions": (["check", "--json"] + T + ["dev", "sit"],
                {"GITHUB_ACTIONS": "true", "GITHUB_RUN_ID": RUN_ID, "GITHUB_ACTOR": "release-bot"}),
    "explain": (["explain", "--json"] + T + ["dev", "sit"], {}),
}

# Every endpoint the gates read: (name, the promotion that reads it, its path as a regex)
ENDPOINTS = [
    ("the actor (GET /user)", "dev-sit", "/user"),
    ("the workflow run (actor in Actions)", "actions", REPO + "/actions/runs/" + RUN_ID),
    ("the commit", "dev-sit", REPO + "/commits/" + SHA),
    ("the commit's pull requests", "dev-sit", REPO + "/commits/" + SHA + "/pulls"),
    ("the check runs", "dev-sit", REPO + "/commits/" + SHA + "/check-runs"),
    ("the combined status", "dev-sit", REPO + "/commits/" + SHA + "/status"),
    ("the feature pull request's reviews", "dev-sit", REPO + "/pulls/7/reviews"),
    ("the releases", "dev-sit", REPO + "/releases"),
    ("the tech leads' memberships", "dev-sit", "/orgs/bbws/teams/tech-leads/memberships/[^/]+"),
    ("the release pull request", "sit-prod", REPO + "/pulls/9"),
    ("the release pull request's reviews", "sit-prod", REPO + "/pulls/9/reviews"),
    ("the approvers' memberships", "sit-prod",
     "/orgs/bbws/teams/(ops-leads|product-owners)/memberships/[^/]+"),
    ("a role's team members (explain)", "explain", "/orgs/bbws/teams/tech-leads/members"),
]

# A fault that fires once: retried or waited out, the run ends as without it
PASSING = [
    ("HTTP 500 once", {"status": 500}),
    ("HTTP 502 once", {"status": 502}),
    ("HTTP 503 once", {"status": 503}),
    ("a reset connection once", {"reset": "rst"}),
    ("a connection closed with no reply once", {"reset": True}),
    ("a reply stalled past the timeout once", {"stall_seconds": 3}),
    ("a body cut short by a closed connection once", {"truncate": "connection"}),
    ("a 429 with Retry-After once", {"rate_limit": {"status": 429, "retry_after": 1}}),
    ("a 403 secondary rate limit with Retry-After once",
     {"rate_limit": {"status": 403, "retry_after": 1, "remaining": 50}}),
    ("a 403 primary rate limit without Retry-After, reset in 1 s, once",
     {"rate_limit": {"status": 403, "remaining": 0, "reset_in": 1}}),
]

# A fault that lasts: an error naming the endpoint, with this reason
LASTING = [
    ("HTTP 500", {"status": 500}, "HTTP 500 (after 3 retries)"),
    ("HTTP 502", {"status": 502}, "HTTP 502 (after 3 retries)"),
    ("HTTP 503", {"status": 503}, "HTTP 503 (after 3 retries)"),
    ("reset connections", {"reset": "rst"}, "(after 3 retries)"),
    ("replies stalled past the timeout", {"stall_seconds": 3}, "Timeout"),
    ("bodies cut short by a closed connection", {"truncate": "connection"}, "(after 3 retries)"),
    ("truncated JSON", {"truncate": "body"}, "malformed JSON"),
    ("every value of the wrong JSON type", {"wrong_types": "deep"}, ""),
    ("an array for an object, an object for an array", {"wrong_types": "top"}, ""),
    ("a 429 with Retry-After, again and again", {"rate_limit": {"status": 429, "retry_after": 1}},
     "still rate limited (429) after 3 waits"),
    ("a 403 primary rate limit without Retry-After, reset in an hour",
     {"rate_limit": {"status": 403, "remaining": 0, "reset_in": 3600}},
     "longer than the allowed wait of 5 s"),
    ("a 403 secondary rate limit without Retry-After",
     {"rate_limit": {"status": 403, "remaining": 50, "kind": "secondary"}},
     "longer than the allowed wait of 5 s"),
]

# Faults of a list's pages: (name, the rule's regex after the path, action, reason)
PAGES = [
    ("a missing next page (404)", r"\?(.*&)?page=2(&|$)", {"status": 404}, "HTTP 404"),
    ("a next-page link to another host", r"(\?.*)?$", None,
     "refusing to follow a next-page link to another host"),
]

GET_RX = re.compile(r"GET (/[^\s?:'\"]*)(\?[^\s:'\"]*)?")


def sim_get(base, what):
    with urllib.request.urlopen(base + "/_sim/" + what, timeout=10) as r:
        return json.load(r)


def texts(v):
    """Every string in V, a JSON value."""
    if isinstance(v, str):
        yield v
    elif isinstance(v, dict):
        for x in v.values():
            yield from texts(x)
    elif isinstance(v, list):
        for x in v:
            yield from texts(x)


def gates_of(doc):
    return [(g.get("name"), g.get("status"), g.get("summary")) for g in doc.get("gates", [])]


class Worker:
    def __init__(self, n, repo, scenario, workdir):
        self.dir = os.path.join(workdir, "w%d" % n)
        os.makedirs(self.dir)
        self.repo = os.path.join(self.dir, "repo")
        shutil.copytree(repo, self.repo, symlinks=True)
        self.session = harness.Session(scenario, dir=os.path.join(self.dir, "ghsim"))
        self.env = dict(os.environ, XDG_CACHE_HOME=os.path.join(self.dir, "cache"),
                        GITHUB_REPOSITORY="bbws/order-service")

    def __enter__(self):
        self.session.__enter__()
        self.env["GITHUB_API_URL"] = self.session.api_base
        return self

    def __exit__(self, *exc):
        return self.session.__exit__(*exc)

    def run(self, mode):
        """(exit code, the JSON document or None, stdout, stderr) of the promotion MODE."""
        args, extra = MODES[mode]
        env = dict(self.env, **extra)
        try:
            p = subprocess.run([PROMOTE] + args, cwd=self.repo, env=env, capture_output=True,
                               text=True, timeout=60)
        except subprocess.TimeoutExpired:
            return None, None, "", "no answer within 60 s"
        try:
            doc = json.loads(p.stdout)
        except ValueError:
            doc = None
        return p.returncode, doc, p.stdout, p.stderr

    def faults(self, rules):
        self.session.add_faults(rules, replace=True)

    def fired(self):
        return sum(f["fired"] for f in sim_get(self.session.sim_base, "faults"))


def shown(doc, out, err):
    """What a failed case's run said: the verdict, each gate that did not pass, stderr."""
    lines = []
    if doc is None:
        lines += out.splitlines()[-20:]
    else:
        lines.append("verdict %s; github %s" % (doc.get("verdict"), json.dumps(doc.get("github"))))
        lines += ["%s %s: %s" % g for g in gates_of(doc) if g[1] != "pass"]
        if "error" in doc:
            lines.append(json.dumps(doc["error"]))
    lines += err.splitlines()[-20:]
    return "\n".join("  | " + line for line in lines)


def named(doc, path_rx, reason):
    """Whether an error in DOC names an endpoint matching PATH_RX, with REASON."""
    for t in texts(doc):
        for m in GET_RX.finditer(t):
            if re.fullmatch(path_rx, m.group(1)) and reason in t:
                return True
    return False


def judge(w, case, baseline):
    """'' when CASE went as it must, else why not."""
    _, mode, path_rx, rule, want, reason = case
    w.faults([rule])
    if want == "link":
        w.session.reset_log()
    rc, doc, out, err = w.run(mode)
    why = []
    if rc is None:
        return err
    if rc > 128 or rc < 0:
        why.append("killed by signal %d" % abs(rc if rc < 0 else rc - 128))
    if TOKEN in out or TOKEN in err:
        why.append("the token was printed")
    fired = w.fired()
    if fired < 1:
        why.append("the fault never fired")
    if doc is None:
        why.append("stdout is not a JSON document")
    elif want == "pass":
        if rc != 0 or doc.get("verdict") != "approved":
            why.append("expected approved (exit 0), got %s (exit %d)" % (doc.get("verdict"), rc))
        elif gates_of(doc) != baseline[mode]:
            why.append("the gates differ from the run without faults")
    else:
        if doc.get("verdict") == "approved" or rc != 3 or doc.get("verdict") != "error":
            why.append("expected error (exit 3), got %s (exit %d)" % (doc.get("verdict"), rc))
        elif not named(doc, path_rx, reason):
            why.append("no error names GET %s with '%s'" % (path_rx, reason))
        if want == "link":
            asked = [r for r in w.session.requests()
                     if re.fullmatch(path_rx, r["path"]) and re.search(r"(^|&)page=2(&|$)", r["query"])]
            if asked:
                why.append("the page on another host was asked for")
    if why:
        return "; ".join(why) + "\n" + shown(doc, out, err)
    return ""


def cases(endpoints, paged):
    for ename, mode, path_rx in endpoints:
        whole = "^" + path_rx + r"(\?.*)?$"
        for fname, action in PASSING:
            yield ("%s: %s" % (ename, fname), mode, path_rx, dict(action, path=whole, times=1), "pass", "")
        for fname, action, reason in LASTING:
            yield ("%s: %s" % (ename, fname), mode, path_rx, dict(action, path=whole, times=-1), "error",
                   reason)
        if path_rx not in paged:
            continue
        for fname, tail, action, reason in PAGES:
            rule = {"path": "^" + path_rx + tail, "times": -1}
            if action is None:
                rule["link_base"] = "http://localhost:{port}"  # the worker's simulator
                want = "link"
            else:
                rule.update(action)
                want = "error"
            yield ("%s: %s" % (ename, fname), mode, path_rx, rule, want, reason)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("repo")
    ap.add_argument("scenario")
    ap.add_argument("workdir")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    endpoints = [e for e in ENDPOINTS if not a.only or any(o in e[0] for o in a.only.split(","))]

    workers = [Worker(i, a.repo, a.scenario, a.workdir) for i in range(a.workers)]
    for w in workers:
        w.__enter__()
    try:
        # without faults: the right answers, the endpoints read and the lists of pages
        w0 = workers[0]
        baseline, seen, paged = {}, {}, set()
        for mode in MODES:
            w0.faults([])
            w0.session.reset_log()
            rc, doc, out, err = w0.run(mode)
            if rc != 0 or not doc or doc.get("verdict") != "approved":
                print("not ok - %s without faults is approved (exit %s)\n%s%s" % (mode, rc, out, err))
                return 1
            baseline[mode] = gates_of(doc)
            seen[mode] = w0.session.requests()
        for ename, mode, path_rx in endpoints:
            reqs = [r for r in seen[mode] if re.fullmatch(path_rx, r["path"])]
            if not reqs:
                print("not ok - %s is read by %s" % (ename, mode))
                return 1
            if any(re.search(r"(^|&)page=2(&|$)", r["query"]) for r in reqs):
                paged.add(path_rx)
        todo = queue.Queue()
        all_cases = list(cases(endpoints, paged))
        results = [None] * len(all_cases)
        for i, c in enumerate(all_cases):
            todo.put(i)

        def work(w):
            while True:
                try:
                    i = todo.get_nowait()
                except queue.Empty:
                    return
                c = all_cases[i]
                if "link_base" in c[3]:
                    port = w.session.sim_base.rsplit(":", 1)[1]
                    c = c[:3] + (dict(c[3], link_base=c[3]["link_base"].format(port=port)),) + c[4:]
                results[i] = judge(w, c, baseline)

        threads = [threading.Thread(target=work, args=(w,)) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        failed = 0
        print("ok - without faults: %d endpoints read, %d of them in pages (%s)" % (
            len(endpoints), len(paged), ", ".join(e[0] for e in endpoints if e[2] in paged)))
        for c, why in zip(all_cases, results):
            if why is None or why:
                failed += 1
                print("not ok - %s\n  %s" % (c[0], why or "not run"))
            else:
                print("ok - %s" % c[0])
        print("%d passed, %d failed" % (len(all_cases) + 1 - failed, failed))
        return 1 if failed else 0
    finally:
        for w in workers:
            w.__exit__(None, None, None)


if __name__ == "__main__":
    sys.exit(main())
