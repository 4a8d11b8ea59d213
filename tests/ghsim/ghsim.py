#!/usr/bin/env python3
"""ghsim: a stateful GitHub REST API simulator for promote's tests.

Standard library only. See README.md beside this file for the scenario format,
the endpoints, the fault rules and the /_sim control API.

    python3 ghsim.py --scenario FILE --port-file PATH [--public-base URL]
                     [--max-seconds N] [--verbose]

Listens on 127.0.0.1 on an ephemeral port, writes the port number to PATH once
listening (temp name + rename), serves until SIGTERM/SIGINT, POST /_sim/shutdown
or --max-seconds (default 600), whichever comes first.
"""

import argparse
import base64
import datetime
import hashlib
import json
import math
import os
import re
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DOCS = "https://docs.github.com/rest"
T0 = 1714564800  # 2024-05-01T12:00:00Z: default timestamp base, so objects are stable
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100

REASONS = {
    400: "Bad Request", 401: "Bad credentials", 403: "Forbidden", 404: "Not Found",
    409: "Conflict", 410: "Gone", 422: "Validation Failed", 500: "Server Error",
    502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
}

DOC_URLS = {
    "user": DOCS + "/users/users#get-the-authenticated-user",
    "run": DOCS + "/actions/workflow-runs#get-a-workflow-run",
    "commit_pulls": DOCS + "/commits/commits#list-pull-requests-associated-with-a-commit",
    "commit": DOCS + "/commits/commits#get-a-commit",
    "pull": DOCS + "/pulls/pulls#get-a-pull-request",
    "reviews": DOCS + "/pulls/reviews#list-reviews-for-a-pull-request",
    "membership": DOCS + "/teams/members#get-team-membership-for-a-user",
    "team_members": DOCS + "/teams/members#list-team-members",
    "check_runs": DOCS + "/checks/runs#list-check-runs-for-a-git-reference",
    "status": DOCS + "/commits/statuses#get-the-combined-status-for-a-specific-reference",
    "releases": DOCS + "/releases/releases#list-releases",
    "release_by_tag": DOCS + "/releases/releases#get-a-release-by-tag-name",
    "create_deployment": DOCS + "/deployments/deployments#create-a-deployment",
    "dispatch": DOCS + "/actions/workflows#create-a-workflow-dispatch-event",
    "deployment": DOCS + "/deployments/deployments#get-a-deployment",
    "deployment_statuses": DOCS + "/deployments/statuses#list-deployment-statuses",
    "workflow_runs": DOCS + "/actions/workflow-runs#list-workflow-runs-for-a-workflow",
    "branch_rules": DOCS + "/repos/rules#get-rules-for-a-branch",
}
FIRST_DEPLOYMENT_ID = 1000
FIRST_WORKFLOW_ID = 5000001
FIRST_DISPATCH_RUN_ID = 8000000001
FIRST_DEPLOYMENT_STATUS_ID = 2000001

# deploy_outcomes: the final states a deployment (its newest deployment status) or a
# dispatched run (its conclusion) can reach; "never" stays in progress for ever
DEPLOYMENT_RESULTS = ("success", "failure", "error", "inactive")
RUN_RESULTS = ("success", "failure", "cancelled", "timed_out", "neutral", "skipped",
               "action_required", "stale", "startup_failure")
DEFAULT_OUTCOME = {"result": "success", "polls": 1}
DEPLOYMENT_STATUS_TEXT = {
    "queued": "Deployment queued", "in_progress": "Deployment in progress",
    "success": "Deployment succeeded", "failure": "Deployment failed",
    "error": "Deployment errored", "inactive": "Deployment is inactive",
}
DEPLOYER = "github-actions[bot]"  # the creator of the simulated deployment statuses


class ScenarioError(Exception):
    pass


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def fake_sha(*parts):
    return hashlib.sha1(":".join(str(p) for p in parts).encode()).hexdigest()


def legacy_node_id(kind, n):
    # GitHub's legacy global ids: base64("0<len(kind)>:<Kind><id>"), e.g. MDQ6VXNlcjE= for User 1
    return base64.b64encode(("0%d:%s%s" % (len(kind), kind, n)).encode()).decode()


def new_node_id(prefix, n):
    return prefix + "_kwDO" + base64.b64encode(struct.pack(">Q", int(n))).decode().rstrip("=")


def q(s):
    return urllib.parse.quote(str(s), safe="")


def when(text):
    """(first, last) epoch second of TEXT: a date (YYYY-MM-DD: the whole UTC day) or a
    date-time (YYYY-MM-DDTHH:MM[:SS[.f]][Z|+HH:MM|-HH:MM], UTC without an offset: that
    second). ValueError otherwise."""
    t = text.strip().replace(" ", "+")  # an unencoded + in a query string arrives as a space
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", t):
        first = datetime.datetime.strptime(t, "%Y-%m-%d").replace(tzinfo=datetime.timezone.utc).timestamp()
        return int(first), int(first) + 86399
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?", t):
        raise ValueError(text)
    d = datetime.datetime.fromisoformat(t[:-1] + "+00:00" if t.endswith("Z") else t)
    if d.tzinfo is None:
        d = d.replace(tzinfo=datetime.timezone.utc)
    n = int(math.floor(d.timestamp()))
    return n, n


def created_filter(spec):
    """A predicate on epoch seconds for GitHub's `created` search syntax: DATE, >=DATE, >DATE,
    <=DATE, <DATE, A..B (either side may be *). ValueError when SPEC is none of these."""
    if ".." in spec:
        a, b = spec.split("..", 1)
        lo = None if a.strip() == "*" else when(a)[0]
        hi = None if b.strip() == "*" else when(b)[1]
        return lambda t: (lo is None or t >= lo) and (hi is None or t <= hi)
    for op in (">=", "<=", ">", "<"):
        if spec.startswith(op):
            first, last = when(spec[len(op):])
            return {">=": lambda t: t >= first, "<=": lambda t: t <= last,
                    ">": lambda t: t > last, "<": lambda t: t < first}[op]
    first, last = when(spec)
    return lambda t: first <= t <= last


def later(prev):
    """The time stamp of a state change after the one stamped PREV: now, but at least one
    second later than PREV, so that updated_at visibly moves even between fast polls."""
    try:
        floor = when(prev)[0] + 1
    except ValueError:
        floor = 0
    return iso(max(int(time.time()), floor))


def progress(outcome, reads):
    """What a deployment or a dispatched run shows at its READS-th read (1-based) under
    OUTCOME: None (no deployment status yet: the first empty_polls reads), "queued" (the
    first read after those), "in_progress" (the next ones), or the result (after `polls`
    non-empty reads; never for "never")."""
    k = reads - outcome.get("empty_polls", 0)
    if k <= 0:
        return None
    if outcome["result"] != "never" and k > outcome["polls"]:
        return outcome["result"]
    return "queued" if k == 1 else "in_progress"


# --------------------------------------------------------------------------------------------
# Scenario model
# --------------------------------------------------------------------------------------------

def _as_list(obj, key, what):
    """Accept either a list of objects carrying KEY or a dict keyed by KEY."""
    if obj is None:
        return []
    if isinstance(obj, list):
        for x in obj:
            if not isinstance(x, dict) or key not in x:
                raise ScenarioError("%s: every entry needs %r" % (what, key))
        return obj
    if isinstance(obj, dict):
        out = []
        for k, v in obj.items():
            if not isinstance(v, dict):
                raise ScenarioError("%s[%s]: must be an object" % (what, k))
            v = dict(v)
            v.setdefault(key, k)
            out.append(v)
        return out
    raise ScenarioError("%s: must be a list or an object" % what)


def _int(v, what):
    try:
        return int(v)
    except (TypeError, ValueError):
        raise ScenarioError("%s: not an integer: %r" % (what, v))


def is_workflow_key(key, workflows):
    """A deploy_outcomes key names a workflow (a file in `workflows`, or any *.yml/*.yaml),
    otherwise a deployment environment."""
    return key in workflows or key.endswith((".yml", ".yaml"))


def parse_outcomes(obj, workflows):
    """deploy_outcomes: {workflow file name or environment: {result, polls[, empty_polls]} or
    a result string}. Returns ({workflow: outcome}, {environment: outcome}), each outcome
    complete: {result, polls} for a workflow, {result, polls, empty_polls} for an environment."""
    if obj is None:
        return {}, {}
    if not isinstance(obj, dict):
        raise ScenarioError("deploy_outcomes: must be an object {workflow file name or environment: "
                            "{\"result\": ..., \"polls\": N}}")
    runs, deps = {}, {}
    for key, spec in obj.items():
        what = "deploy_outcomes[%s]" % key
        if not key:
            raise ScenarioError("deploy_outcomes: a key must be a workflow file name or an environment, not ''")
        wf = is_workflow_key(key, workflows)
        if isinstance(spec, str):
            spec = {"result": spec}
        if not isinstance(spec, dict):
            raise ScenarioError("%s: must be an object {\"result\": ..., \"polls\": N} or a result string" % what)
        known = ("result", "polls") if wf else ("result", "polls", "empty_polls")
        for k in spec:
            if k not in known:
                raise ScenarioError("%s: unknown key %r (%s takes %s)" % (
                    what, k, "a workflow" if wf else "a deployment environment", ", ".join(known)))
        result = spec.get("result", DEFAULT_OUTCOME["result"])
        allowed = (RUN_RESULTS if wf else DEPLOYMENT_RESULTS) + ("never",)
        if result not in allowed:
            raise ScenarioError("%s.result: %r is not one of %s (%s)" % (
                what, result, ", ".join(allowed),
                "%r is a workflow: a run's conclusion" % key if wf else
                "%r is a deployment environment (not in `workflows`, no .yml/.yaml): a deployment state" % key))
        out = {"result": result}
        for k in known[1:]:
            v = spec.get(k, DEFAULT_OUTCOME["polls"] if k == "polls" else 0)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ScenarioError("%s.%s: must be an integer >= 0, not %s" % (what, k, json.dumps(v)))
            out[k] = v
        (runs if wf else deps)[key] = out
    return runs, deps


class Model:
    """The scenario, parsed and checked once. Objects are rendered per request (the public
    base URL may change at run time)."""

    def __init__(self, sc):
        if not isinstance(sc, dict):
            raise ScenarioError("scenario must be a JSON object")
        self.raw = sc
        repo = sc.get("repository") or {}
        if "full_name" in repo and "/" in repo["full_name"]:
            o, n = repo["full_name"].split("/", 1)
            repo.setdefault("owner", o)
            repo.setdefault("name", n)
        self.owner = repo.get("owner", "octo-org")
        self.name = repo.get("name", "octo-repo")
        self.repo_id = _int(repo.get("id", 1296269), "repository.id")
        self.private = bool(repo.get("private", True))
        self.default_branch = repo.get("default_branch", "main")
        self.repo_description = repo.get("description", "simulated repository")
        self.repo_owner_type = repo.get("owner_type")
        self.full_name = "%s/%s" % (self.owner, self.name)
        self.html_base = sc.get("html_base")  # None: the public base

        mpp = sc.get("max_per_page", MAX_PER_PAGE)
        self.max_per_page = max(1, min(MAX_PER_PAGE, _int(mpp, "max_per_page")))
        self.link_form = sc.get("link_form", "repos")
        if self.link_form not in ("repos", "repositories"):
            raise ScenarioError("link_form must be 'repos' or 'repositories'")
        self.tokens = sc.get("tokens")  # None: any non-empty token is accepted
        if self.tokens is not None and not isinstance(self.tokens, list):
            raise ScenarioError("tokens must be a list of strings")
        uc = sc.get("unknown_commit_status", {})
        if isinstance(uc, int):
            uc = {"pulls": uc, "check_runs": uc, "status": uc, "commit": uc}
        self.unknown_commit = {"pulls": 422, "check_runs": 422, "status": 404, "commit": 422}
        self.unknown_commit.update(uc)
        rl = sc.get("rate_limit") or {}
        self.rl_limit = _int(rl.get("limit", 5000), "rate_limit.limit")
        self.rl_remaining = _int(rl.get("remaining", self.rl_limit), "rate_limit.remaining")
        self.rl_reset_in = _int(rl.get("reset_in", 3600), "rate_limit.reset_in")
        self.rl_enforce = bool(rl.get("enforce", False))

        # users ------------------------------------------------------------------------
        self.users = {}  # lower(login) -> dict(login, id, type, site_admin, name)
        used_ids = set()
        for login, spec in (sc.get("users") or {}).items():
            u = {"login": login, "id": None, "type": None, "site_admin": False, "name": None}
            if isinstance(spec, dict):
                u.update({k: spec[k] for k in ("id", "type", "site_admin", "name", "email") if k in spec})
            elif spec is not None:
                u["id"] = spec
            if u["id"] is not None:
                u["id"] = _int(u["id"], "users[%s]" % login)
                used_ids.add(u["id"])
            self.users[login.lower()] = u
        self._used_ids = used_ids
        self.token_owner = sc.get("token_owner", "promote-bot")
        self.user(self.token_owner)

        # pulls -------------------------------------------------------------------------
        self.pulls = {}
        review_seq = 0
        for p in _as_list(sc.get("pulls", sc.get("pull_requests")), "number", "pulls"):
            n = _int(p["number"], "pulls.number")
            head_sha = p.get("head_sha") or fake_sha("head", n)
            merged_at = p.get("merged_at")
            state = p.get("state", "closed" if merged_at else "open")
            if state not in ("open", "closed"):
                raise ScenarioError("pulls[%d].state must be open or closed" % n)
            created = p.get("created_at", iso(T0 + n * 3600))
            pr = {
                "number": n,
                "id": _int(p.get("id", 1000000000 + n), "pulls.id"),
                "user": p.get("user", p.get("author", "octocat")),
                "state": state,
                "merged_at": merged_at,
                "closed_at": p.get("closed_at", merged_at if state == "closed" else None),
                "head_sha": head_sha,
                "head_ref": p.get("head_ref", "feature-%d" % n),
                "base_ref": p.get("base_ref", self.default_branch),
                "base_sha": p.get("base_sha") or fake_sha("base", n),
                "title": p.get("title", "Pull request #%d" % n),
                "body": p.get("body"),
                "draft": bool(p.get("draft", False)),
                "created_at": created,
                "updated_at": p.get("updated_at", merged_at or created),
                "merge_commit_sha": p.get("merge_commit_sha", fake_sha("merge", n) if merged_at else None),
                "merged_by": p.get("merged_by"),
                "author_association": p.get("author_association", "MEMBER"),
                "labels": p.get("labels", []),
                "reviews": [],
            }
            if state == "closed" and pr["closed_at"] is None:
                pr["closed_at"] = pr["updated_at"]
            self.user(pr["user"])
            for i, r in enumerate(p.get("reviews") or []):
                if not isinstance(r, dict):
                    raise ScenarioError("pulls[%d].reviews[%d] must be an object" % (n, i))
                review_seq += 1
                st = r.get("state", "COMMENTED")
                rv = {
                    "id": _int(r.get("id", 2000000000 + review_seq), "review.id"),
                    "user": r.get("user", None) if "user" in r else "reviewer%d" % i,
                    "state": st,
                    "commit_id": r.get("commit_id", head_sha),
                    "submitted_at": r.get("submitted_at", None if st == "PENDING"
                                          else iso(T0 + n * 3600 + (i + 1) * 60)),
                    "body": r.get("body", ""),
                    "author_association": r.get("author_association"),
                }
                if rv["user"] is not None:
                    self.user(rv["user"])
                pr["reviews"].append(rv)
            if pr["merged_by"]:
                self.user(pr["merged_by"])
            self.pulls[n] = pr

        # workflows: [file names] or {file name: id} ------------------------------------------
        wf = sc.get("workflows") or []
        if isinstance(wf, list):
            wf = {name: FIRST_WORKFLOW_ID + i for i, name in enumerate(wf)}
        if not isinstance(wf, dict) or not all(isinstance(k, str) and k for k in wf):
            raise ScenarioError("workflows: a list of file names, or an object {file name: id}")
        # false: answer dispatches 204 even when asked for the run's details (as GitHub did
        # before return_run_details, and GitHub Enterprise Server may still do)
        self.dispatch_run_details = sc.get("dispatch_run_details", True)
        if not isinstance(self.dispatch_run_details, bool):
            raise ScenarioError("dispatch_run_details: true or false")
        self.workflows = {}  # file name -> id
        for name, wid in wf.items():
            if "/" in name:
                raise ScenarioError("workflows: %r: a file name (like deploy.yml), not a path" % name)
            self.workflows[name] = _int(wid, "workflows[%s]" % name)
        self.run_outcomes, self.deployment_outcomes = parse_outcomes(sc.get("deploy_outcomes"), self.workflows)

        # runs ---------------------------------------------------------------------------
        self.runs = {}
        for r in _as_list(sc.get("runs"), "id", "runs"):
            rid = _int(r["id"], "runs.id")
            actor = r.get("actor", self.token_owner)
            wname = r.get("workflow")
            if wname is not None:
                if wname not in self.workflows:
                    raise ScenarioError("runs[%d].workflow: %r is not in `workflows`" % (rid, wname))
                r = dict({"workflow_id": self.workflows[wname], "path": ".github/workflows/" + wname,
                          "name": wname}, **r)
            run = {
                "id": rid,
                "actor": actor,
                "triggering_actor": r.get("triggering_actor", actor),
                "head_sha": r.get("head_sha") or fake_sha("run", rid),
                "head_branch": r.get("head_branch", self.default_branch),
                "status": r.get("status", "completed"),
                "conclusion": r.get("conclusion", "success" if r.get("status", "completed") == "completed" else None),
                "event": r.get("event", "push"),
                "name": r.get("name", "CI"),
                "path": r.get("path", ".github/workflows/ci.yml"),
                "workflow_id": _int(r.get("workflow_id", 161335), "runs.workflow_id"),
                "run_number": _int(r.get("run_number", rid % 10000 or 1), "runs.run_number"),
                "run_attempt": _int(r.get("run_attempt", 1), "runs.run_attempt"),
                "display_title": r.get("display_title", r.get("name", "CI")),
                "created_at": r.get("created_at", iso(T0 + 86400)),
                "updated_at": r.get("updated_at", iso(T0 + 86400 + 600)),
                "pull_requests": [_int(x, "runs.pull_requests") for x in r.get("pull_requests", [])],
                "head_commit_message": r.get("head_commit_message", "Commit %s" % (r.get("head_sha") or "")[:7]),
            }
            self.user(run["actor"])
            self.user(run["triggering_actor"])
            self.runs[rid] = run

        # commits ------------------------------------------------------------------------
        self.commits = {}
        cr_seq = 0
        st_seq = 0
        for c in _as_list(sc.get("commits"), "sha", "commits"):
            sha = str(c["sha"]).lower()
            check_runs = []
            for i, cr in enumerate(c.get("check_runs") or []):
                if not isinstance(cr, dict) or "name" not in cr:
                    raise ScenarioError("commits[%s].check_runs[%d] needs a name" % (sha, i))
                cr_seq += 1
                status = cr.get("status", "completed")
                app = cr.get("app", "github-actions")
                if isinstance(app, str):
                    app = {"slug": app}
                started = cr.get("started_at", iso(T0 + 86400 + cr_seq * 60))
                check_runs.append({
                    "id": _int(cr.get("id", 3000000000 + cr_seq), "check_run.id"),
                    "name": cr["name"],
                    "status": status,
                    "conclusion": cr.get("conclusion", "success" if status == "completed" else None),
                    "started_at": started,
                    "completed_at": cr.get("completed_at", iso(T0 + 86400 + cr_seq * 60 + 30) if status == "completed" else None),
                    "app": app,
                    "details_url": cr.get("details_url"),
                    "external_id": cr.get("external_id", ""),
                    "check_suite_id": _int(cr.get("check_suite_id", 4000000000 + cr_seq), "check_suite_id"),
                    "output": cr.get("output") or {},
                })
            statuses = []
            for i, s in enumerate(c.get("statuses") or []):
                if not isinstance(s, dict) or "context" not in s or "state" not in s:
                    raise ScenarioError("commits[%s].statuses[%d] needs context and state" % (sha, i))
                st_seq += 1
                statuses.append({
                    "id": _int(s.get("id", 5000000000 + st_seq), "status.id"),
                    "context": s["context"],
                    "state": s["state"],
                    "description": s.get("description"),
                    "target_url": s.get("target_url"),
                    "creator": s.get("creator", self.token_owner),
                    "created_at": s.get("created_at", iso(T0 + 86400 + st_seq * 60)),
                    "updated_at": s.get("updated_at", s.get("created_at", iso(T0 + 86400 + st_seq * 60))),
                })
                self.user(statuses[-1]["creator"])
            pulls = c.get("pulls", c.get("pull_requests"))
            rec = {
                "sha": sha,
                "pulls": None if pulls is None else [_int(x, "commits.pulls") for x in pulls],
                "check_runs": check_runs,
                "statuses": statuses,
            }
            rec.update(self._commit_meta(sha, c))
            self.commits[sha] = rec
        self.refs = {str(k): str(v).lower() for k, v in (sc.get("refs") or {}).items()}
        tags = sc.get("tags") or {}
        if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
            raise ScenarioError("tags: must be an object {name: sha}")
        self.tags = {str(k): v.lower() for k, v in tags.items()}
        self.runtime_refs = {}  # POST /_sim/refs

        # written at run time (guarded by Sim.lock) -----------------------------------------
        self.deployments = []   # rendered deployment fields (see Sim.create_deployment)
        self.dispatches = []    # recorded workflow dispatches
        self.next_deployment_id = FIRST_DEPLOYMENT_ID
        self.next_run_id = FIRST_DISPATCH_RUN_ID
        self.next_deployment_status_id = FIRST_DEPLOYMENT_STATUS_ID

        # known commit ids: listed commits, PR heads and merge commits, run heads, refs
        self.known_shas = set(self.commits)
        for pr in self.pulls.values():
            self.known_shas.add(pr["head_sha"].lower())
            if pr["merge_commit_sha"]:
                self.known_shas.add(pr["merge_commit_sha"].lower())
        for run in self.runs.values():
            self.known_shas.add(run["head_sha"].lower())
        self.known_shas.update(self.refs.values())
        self.known_shas.update(self.tags.values())

        # teams -------------------------------------------------------------------------
        self.teams = {}
        for i, (key, members) in enumerate((sc.get("teams") or {}).items()):
            if "/" not in key:
                raise ScenarioError("teams: key %r must be 'org/slug'" % key)
            org, slug = key.split("/", 1)
            mem = {}
            for login, st in (members or {}).items():
                role = "member"
                if isinstance(st, dict):
                    role = st.get("role", "member")
                    st = st.get("state", "active")
                if st not in ("active", "pending"):
                    raise ScenarioError("teams[%s][%s]: state must be active or pending" % (key, login))
                if role not in ("member", "maintainer"):
                    raise ScenarioError("teams[%s][%s]: role must be member or maintainer" % (key, login))
                mem[login.lower()] = {"login": login, "state": st, "role": role}
                self.user(login)
            self.teams[(org.lower(), slug.lower())] = {"id": 700000 + i + 1, "org": org, "slug": slug, "members": mem}

        # releases (listed newest first, as GitHub lists them) ------------------------------
        self.releases = []
        for i, r in enumerate(sc.get("releases") or []):
            if not isinstance(r, dict) or "tag_name" not in r:
                raise ScenarioError("releases[%d] needs a tag_name" % i)
            draft = bool(r.get("draft", False))
            created = r.get("created_at", iso(T0 + 2 * 86400 - i * 3600))
            rel = {
                "id": _int(r.get("id", 90000000 + len(sc.get("releases")) - i), "release.id"),
                "tag_name": r["tag_name"],
                "name": r.get("name", r["tag_name"]),
                "draft": draft,
                "prerelease": bool(r.get("prerelease", False)),
                "body": r.get("body", ""),
                "target_commitish": r.get("target_commitish", self.default_branch),
                "author": r.get("author", self.token_owner),
                "created_at": created,
                "published_at": r.get("published_at", None if draft else created),
                "assets": r.get("assets", []),
            }
            self.user(rel["author"])
            self.releases.append(rel)

        # branch rules: {branch: [rule types]}, each as a repository ruleset would give it ------
        self.branch_rules = {}
        br = sc.get("branch_rules") or {}
        if not isinstance(br, dict):
            raise ScenarioError("branch_rules must be an object {branch: [rule types]}")
        for i, (branch, types) in enumerate(sorted(br.items())):
            if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
                raise ScenarioError("branch_rules[%s] must be a list of rule types" % branch)
            self.branch_rules[branch] = [{"type": t, "ruleset_source_type": "Repository",
                                          "ruleset_source": None, "ruleset_id": 4200 + i}
                                         for t in types]

        if self.repo_owner_type is None:
            orgs = {t["org"].lower() for t in self.teams.values()}
            self.repo_owner_type = "Organization" if self.owner.lower() in orgs else "User"
        ou = self.user(self.owner)
        if self.repo_owner_type == "Organization" and ou["type"] == "User":
            ou["type"] = "Organization"
        # check-run app owners are organizations
        for c in self.commits.values():
            for cr in c["check_runs"]:
                au = self.user(cr["app"].get("owner", "github"))
                if au["type"] == "User":
                    au["type"] = "Organization"

        # faults -----------------------------------------------------------------------
        self.faults = [Fault(f, i) for i, f in enumerate(sc.get("faults") or [])]

    # users ------------------------------------------------------------------------------
    def user(self, login):
        """The user record for LOGIN, created with a generated id when absent."""
        u = self.users.get(login.lower())
        if u is None:
            u = {"login": login, "id": None, "type": None, "site_admin": False, "name": None}
            self.users[login.lower()] = u
        if u["id"] is None:
            n = 10000000 + zlib.crc32(login.lower().encode()) % 80000000
            while n in self._used_ids:
                n += 1
            self._used_ids.add(n)
            u["id"] = n
        if not u["type"]:
            u["type"] = "Bot" if login.endswith("[bot]") else "User"
        return u

    def _commit_meta(self, sha, c):
        """The git metadata of commit SHA (get-commit) from its scenario entry C (may be {})."""
        def login_of(key, default):
            v = c.get(key, default)
            if v is not None and not isinstance(v, str):
                raise ScenarioError("commits[%s].%s: a login or null" % (sha, key))
            if v is not None:
                self.user(v)
            return v

        def git_user(login, prefix, fallback):
            if login is None:
                name, email = fallback
            else:
                u = self.user(login)
                name = u.get("name") or login
                email = u.get("email") or "%d+%s@users.noreply.github.com" % (u["id"], login)
            return (str(c.get(prefix + "_name", name)), str(c.get(prefix + "_email", email)))

        author = login_of("author", None)
        committer = login_of("committer", author)
        a_name, a_email = git_user(author, "author", ("Unknown", "unknown@example.com"))
        c_name, c_email = git_user(committer, "committer", (a_name, a_email))
        parents = c.get("parents", [])
        if not isinstance(parents, list) or not all(isinstance(x, str) for x in parents):
            raise ScenarioError("commits[%s].parents: a list of shas" % sha)
        date = c.get("date", iso(T0 + 86400))
        return {
            "author": author, "committer": committer,
            "author_name": a_name, "author_email": a_email,
            "committer_name": c_name, "committer_email": c_email,
            "message": str(c.get("message", "commit %s" % sha[:7])),
            "parents": [x.lower() for x in parents],
            "date": date, "committer_date": c.get("committer_date", date),
        }

    def commit_meta(self, sha):
        c = self.commits.get(sha)
        return c if c is not None else self._commit_meta(sha, {})

    def add_ref(self, name, sha):
        """A ref added at run time (POST /_sim/refs); the caller holds Sim.lock."""
        # copies, not in-place changes: request threads read these without the lock
        refs = dict(self.runtime_refs)
        refs[name] = sha.lower()
        self.runtime_refs = refs
        self.known_shas = self.known_shas | {sha.lower()}

    def find_workflow(self, seg):
        """(file name, id) of the workflow a {workflow_id} path segment names, or None."""
        if seg in self.workflows:
            return seg, self.workflows[seg]
        for name, wid in self.workflows.items():
            if str(wid) == seg:
                return name, wid
        return None

    def resolve_name(self, ref):
        """The commit id of a branch or tag NAME ('refs', 'tags', runtime refs; also with a
        heads/, tags/, refs/heads/ or refs/tags/ prefix), or None. No shas."""
        cands = [ref]
        for pre in ("refs/heads/", "refs/tags/", "heads/", "tags/"):
            if ref.startswith(pre):
                cands.append(ref[len(pre):])
        for table in (self.refs, self.tags, self.runtime_refs):
            for c in cands:
                if c in table:
                    return table[c]
        return None

    def resolve_ref(self, ref):
        """A commit id for REF (sha, unique sha prefix >= 7, or a name from 'refs', 'tags'
        or the runtime refs), or None."""
        r = ref
        named = self.resolve_name(r)
        if named is not None:
            return named
        low = r.lower()
        if low in self.known_shas:
            return low
        if re.fullmatch(r"[0-9a-f]{7,39}", low):
            hits = [s for s in self.known_shas if s.startswith(low)]
            if len(hits) == 1:
                return hits[0]
        return None


class Fault:
    ACTIONS = ("status", "reset", "stall_seconds", "rate_limit", "body", "delay_ms", "echo_authorization",
               "truncate", "wrong_types", "link_base")
    ECHO = ("message", "header", "link", "body")
    TRUNCATE = ("body", "connection")
    WRONG_TYPES = ("deep", "top")

    def __init__(self, spec, idx):
        if not isinstance(spec, dict) or "path" not in spec:
            raise ScenarioError("faults[%d]: needs 'path' (a regex)" % idx)
        try:
            self.rx = re.compile(spec["path"])
        except re.error as e:
            raise ScenarioError("faults[%d]: bad path regex: %s" % (idx, e))
        if not any(a in spec for a in self.ACTIONS):
            raise ScenarioError("faults[%d]: needs one of %s" % (idx, ", ".join(self.ACTIONS)))
        self.spec = spec
        self.method = spec.get("method")
        self.times = int(spec.get("times", 1))  # -1: unlimited
        self.after = int(spec.get("after", 0))
        self.seen = 0
        self.fired = 0
        if "status" in spec:
            _int(spec["status"], "faults[%d].status" % idx)
        if "echo_authorization" in spec:
            if spec["echo_authorization"] not in self.ECHO:
                raise ScenarioError("faults[%d].echo_authorization: one of %s" % (idx, ", ".join(self.ECHO)))
            if spec["echo_authorization"] == "body" and not isinstance(spec.get("body"), str):
                raise ScenarioError("faults[%d]: echo_authorization 'body' needs 'body' (a string)" % idx)
        if "truncate" in spec and spec["truncate"] not in self.TRUNCATE:
            raise ScenarioError("faults[%d].truncate: one of %s" % (idx, ", ".join(self.TRUNCATE)))
        if "wrong_types" in spec and spec["wrong_types"] not in self.WRONG_TYPES:
            raise ScenarioError("faults[%d].wrong_types: one of %s" % (idx, ", ".join(self.WRONG_TYPES)))
        if "link_base" in spec and not re.fullmatch(r"https?://[^/?#]+", str(spec["link_base"])):
            raise ScenarioError("faults[%d].link_base: an http(s) URL with no path" % idx)

    def describe(self):
        d = {k: v for k, v in self.spec.items()}
        d["seen"] = self.seen
        d["fired"] = self.fired
        d["spent"] = self.spent()
        return d

    def spent(self):
        return self.times >= 0 and self.fired >= self.times

    def kind(self):
        for a in ("reset", "stall_seconds", "echo_authorization", "rate_limit", "body", "status",
                  "truncate", "wrong_types", "link_base"):
            if a in self.spec:
                return a
        return "delay_ms"


# --------------------------------------------------------------------------------------------
# Object rendering (GitHub's OpenAPI schemas, all required fields)
# --------------------------------------------------------------------------------------------

class Render:
    def __init__(self, m, base):
        self.m = m
        self.base = base.rstrip("/")
        self.html = (m.html_base or self.base).rstrip("/")
        self.host = urllib.parse.urlsplit(self.base).netloc or "127.0.0.1"
        self.repo_api = "%s/repos/%s" % (self.base, m.full_name)
        self.repo_html = "%s/%s" % (self.html, m.full_name)

    def user(self, login, private=False):
        u = self.m.user(login)
        b = "%s/users/%s" % (self.base, q(login))
        obj = {
            "login": u["login"],
            "id": u["id"],
            "node_id": legacy_node_id("Bot" if u["type"] == "Bot" else ("Organization" if u["type"] == "Organization" else "User"), u["id"]),
            "avatar_url": "%s/avatars/u/%d?v=4" % (self.base, u["id"]),
            "gravatar_id": "",
            "url": b,
            "html_url": ("%s/apps/%s" % (self.html, q(login[:-5])) if u["type"] == "Bot" and login.endswith("[bot]")
                         else "%s/%s" % (self.html, q(login))),
            "followers_url": b + "/followers",
            "following_url": b + "/following{/other_user}",
            "gists_url": b + "/gists{/gist_id}",
            "starred_url": b + "/starred{/owner}{/repo}",
            "subscriptions_url": b + "/subscriptions",
            "organizations_url": b + "/orgs",
            "repos_url": b + "/repos",
            "events_url": b + "/events{/privacy}",
            "received_events_url": b + "/received_events",
            "type": u["type"],
            "user_view_type": "public",
            "site_admin": bool(u["site_admin"]),
        }
        if private:
            obj.update({
                "user_view_type": "private",
                "name": u.get("name"),
                "company": None,
                "blog": "",
                "location": None,
                "email": u.get("email"),
                "notification_email": u.get("email"),
                "hireable": None,
                "bio": None,
                "twitter_username": None,
                "public_repos": 1,
                "public_gists": 0,
                "followers": 0,
                "following": 0,
                "created_at": iso(T0 - 365 * 86400),
                "updated_at": iso(T0),
                "private_gists": 0,
                "total_private_repos": 1,
                "owned_private_repos": 1,
                "disk_usage": 1024,
                "collaborators": 0,
                "two_factor_authentication": True,
                "plan": {"name": "free", "space": 976562499, "collaborators": 0, "private_repos": 10000},
            })
        return obj

    def owner(self):
        return self.user(self.m.owner)

    def minimal_repo(self):
        m = self.m
        api = self.repo_api
        return {
            "id": m.repo_id,
            "node_id": legacy_node_id("Repository", m.repo_id),
            "name": m.name,
            "full_name": m.full_name,
            "owner": self.owner(),
            "private": m.private,
            "html_url": self.repo_html,
            "description": m.repo_description,
            "fork": False,
            "url": api,
            "archive_url": api + "/{archive_format}{/ref}",
            "assignees_url": api + "/assignees{/user}",
            "blobs_url": api + "/git/blobs{/sha}",
            "branches_url": api + "/branches{/branch}",
            "collaborators_url": api + "/collaborators{/collaborator}",
            "comments_url": api + "/comments{/number}",
            "commits_url": api + "/commits{/sha}",
            "compare_url": api + "/compare/{base}...{head}",
            "contents_url": api + "/contents/{+path}",
            "contributors_url": api + "/contributors",
            "deployments_url": api + "/deployments",
            "downloads_url": api + "/downloads",
            "events_url": api + "/events",
            "forks_url": api + "/forks",
            "git_commits_url": api + "/git/commits{/sha}",
            "git_refs_url": api + "/git/refs{/sha}",
            "git_tags_url": api + "/git/tags{/sha}",
            "git_url": "git://%s/%s.git" % (self.host, m.full_name),
            "issue_comment_url": api + "/issues/comments{/number}",
            "issue_events_url": api + "/issues/events{/number}",
            "issues_url": api + "/issues{/number}",
            "keys_url": api + "/keys{/key_id}",
            "labels_url": api + "/labels{/name}",
            "languages_url": api + "/languages",
            "merges_url": api + "/merges",
            "milestones_url": api + "/milestones{/number}",
            "notifications_url": api + "/notifications{?since,all,participating}",
            "pulls_url": api + "/pulls{/number}",
            "releases_url": api + "/releases{/id}",
            "ssh_url": "git@%s:%s.git" % (self.host.split(":")[0], m.full_name),
            "stargazers_url": api + "/stargazers",
            "statuses_url": api + "/statuses/{sha}",
            "subscribers_url": api + "/subscribers",
            "subscription_url": api + "/subscription",
            "tags_url": api + "/tags",
            "teams_url": api + "/teams",
            "trees_url": api + "/git/trees{/sha}",
            "clone_url": self.repo_html + ".git",
            "mirror_url": None,
            "hooks_url": api + "/hooks",
            "svn_url": self.repo_html,
            "homepage": None,
            "language": "C",
            "forks_count": 0,
            "stargazers_count": 0,
            "watchers_count": 0,
            "size": 1024,
            "default_branch": m.default_branch,
            "open_issues_count": 0,
            "is_template": False,
            "topics": [],
            "has_issues": True,
            "has_projects": True,
            "has_wiki": False,
            "has_pages": False,
            "has_downloads": True,
            "has_discussions": False,
            "archived": False,
            "disabled": False,
            "visibility": "private" if m.private else "public",
            "pushed_at": iso(T0 + 86400),
            "created_at": iso(T0 - 365 * 86400),
            "updated_at": iso(T0 + 86400),
            "permissions": {"admin": False, "maintain": False, "push": True, "triage": True, "pull": True},
            "allow_forking": False,
            "web_commit_signoff_required": False,
            "forks": 0,
            "open_issues": 0,
            "watchers": 0,
        }

    def full_repo(self):
        r = self.minimal_repo()
        r.update({
            "license": None,
            "allow_rebase_merge": True,
            "allow_squash_merge": True,
            "allow_merge_commit": True,
            "allow_auto_merge": False,
            "delete_branch_on_merge": False,
            "allow_update_branch": False,
            "use_squash_pr_title_as_default": False,
            "squash_merge_commit_title": "COMMIT_OR_PR_TITLE",
            "squash_merge_commit_message": "COMMIT_MESSAGES",
            "merge_commit_title": "MERGE_MESSAGE",
            "merge_commit_message": "PR_TITLE",
        })
        return r

    # pull requests ----------------------------------------------------------------------
    def _pr_common(self, pr, full):
        m = self.m
        n = pr["number"]
        api = self.repo_api
        html = "%s/pull/%d" % (self.repo_html, n)
        repo = self.full_repo()
        owner = self.owner()
        obj = {
            "url": "%s/pulls/%d" % (api, n),
            "id": pr["id"],
            "node_id": new_node_id("PR", pr["id"]),
            "html_url": html,
            "diff_url": html + ".diff",
            "patch_url": html + ".patch",
            "issue_url": "%s/issues/%d" % (api, n),
            "number": n,
            "state": pr["state"],
            "locked": False,
            "title": pr["title"],
            "user": self.user(pr["user"]),
            "body": pr["body"],
            "labels": [self._label(x, i) for i, x in enumerate(pr["labels"])],
            "milestone": None,
            "active_lock_reason": None,
            "created_at": pr["created_at"],
            "updated_at": pr["updated_at"],
            "closed_at": pr["closed_at"],
            "merged_at": pr["merged_at"],
            "merge_commit_sha": pr["merge_commit_sha"],
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [],
            "requested_teams": [],
            "commits_url": "%s/pulls/%d/commits" % (api, n),
            "review_comments_url": "%s/pulls/%d/comments" % (api, n),
            "review_comment_url": api + "/pulls/comments{/number}",
            "comments_url": "%s/issues/%d/comments" % (api, n),
            "statuses_url": "%s/statuses/%s" % (api, pr["head_sha"]),
            "head": {
                "label": "%s:%s" % (m.owner, pr["head_ref"]),
                "ref": pr["head_ref"],
                "sha": pr["head_sha"],
                "user": owner,
                "repo": repo,
            },
            "base": {
                "label": "%s:%s" % (m.owner, pr["base_ref"]),
                "ref": pr["base_ref"],
                "sha": pr["base_sha"],
                "user": owner,
                "repo": repo,
            },
            "_links": {
                "self": {"href": "%s/pulls/%d" % (api, n)},
                "html": {"href": html},
                "issue": {"href": "%s/issues/%d" % (api, n)},
                "comments": {"href": "%s/issues/%d/comments" % (api, n)},
                "review_comments": {"href": "%s/pulls/%d/comments" % (api, n)},
                "review_comment": {"href": api + "/pulls/comments{/number}"},
                "commits": {"href": "%s/pulls/%d/commits" % (api, n)},
                "statuses": {"href": "%s/statuses/%s" % (api, pr["head_sha"])},
            },
            "author_association": pr["author_association"],
            "auto_merge": None,
            "draft": pr["draft"],
        }
        if full:
            merged = pr["merged_at"] is not None
            obj.update({
                "merged": merged,
                "mergeable": None if pr["state"] == "closed" else True,
                "rebaseable": None if pr["state"] == "closed" else True,
                "mergeable_state": "unknown" if pr["state"] == "closed" else "clean",
                "merged_by": self.user(pr["merged_by"] or m.token_owner) if merged else None,
                "comments": 0,
                "review_comments": 0,
                "maintainer_can_modify": False,
                "commits": 1,
                "additions": 10,
                "deletions": 2,
                "changed_files": 1,
            })
        return obj

    def _label(self, name, i):
        lid = 800000 + i
        return {"id": lid, "node_id": legacy_node_id("Label", lid),
                "url": "%s/labels/%s" % (self.repo_api, q(name)), "name": name,
                "description": "", "color": "ededed", "default": False}

    def pull_simple(self, pr):
        return self._pr_common(pr, full=False)

    def pull_full(self, pr):
        return self._pr_common(pr, full=True)

    def review(self, pr, rv):
        n = pr["number"]
        login = rv["user"]
        if rv["author_association"]:
            assoc = rv["author_association"]
        elif login is None:
            assoc = "NONE"
        elif login.lower() == self.m.owner.lower():
            assoc = "OWNER"
        else:
            assoc = "MEMBER"
        html = "%s/pull/%d#pullrequestreview-%d" % (self.repo_html, n, rv["id"])
        obj = {
            "id": rv["id"],
            "node_id": new_node_id("PRR", rv["id"]),
            "user": None if login is None else self.user(login),
            "body": rv["body"],
            "state": rv["state"],
            "html_url": html,
            "pull_request_url": "%s/pulls/%d" % (self.repo_api, n),
            "author_association": assoc,
            "_links": {"html": {"href": html}, "pull_request": {"href": "%s/pulls/%d" % (self.repo_api, n)}},
            "commit_id": rv["commit_id"],
        }
        if rv["submitted_at"] is not None:
            obj["submitted_at"] = rv["submitted_at"]
        return obj

    # actions ----------------------------------------------------------------------------
    def pull_minimal(self, n):
        pr = self.m.pulls.get(n)
        head_sha = pr["head_sha"] if pr else fake_sha("head", n)
        base_sha = pr["base_sha"] if pr else fake_sha("base", n)
        head_ref = pr["head_ref"] if pr else "feature-%d" % n
        base_ref = pr["base_ref"] if pr else self.m.default_branch
        rr = {"id": self.m.repo_id, "url": self.repo_api, "name": self.m.name}
        return {"id": pr["id"] if pr else 1000000000 + n, "number": n, "url": "%s/pulls/%d" % (self.repo_api, n),
                "head": {"ref": head_ref, "sha": head_sha, "repo": rr},
                "base": {"ref": base_ref, "sha": base_sha, "repo": rr}}

    def run(self, run):
        api = self.repo_api
        rid = run["id"]
        repo = self.minimal_repo()
        csid = 6000000000 + rid % 1000000000
        return {
            "id": rid,
            "name": run["name"],
            "node_id": new_node_id("WFR", rid),
            "head_branch": run["head_branch"],
            "head_sha": run["head_sha"],
            "path": run["path"],
            "display_title": run["display_title"],
            "run_number": run["run_number"],
            "event": run["event"],
            "status": run["status"],
            "conclusion": run["conclusion"],
            "workflow_id": run["workflow_id"],
            "check_suite_id": csid,
            "check_suite_node_id": new_node_id("CS", csid),
            "url": "%s/actions/runs/%d" % (api, rid),
            "html_url": "%s/actions/runs/%d" % (self.repo_html, rid),
            "pull_requests": [self.pull_minimal(n) for n in run["pull_requests"]],
            "created_at": run["created_at"],
            "updated_at": run["updated_at"],
            "actor": self.user(run["actor"]),
            "run_attempt": run["run_attempt"],
            "referenced_workflows": [],
            "run_started_at": run["created_at"],
            "triggering_actor": self.user(run["triggering_actor"]),
            "jobs_url": "%s/actions/runs/%d/jobs" % (api, rid),
            "logs_url": "%s/actions/runs/%d/logs" % (api, rid),
            "check_suite_url": "%s/check-suites/%d" % (api, csid),
            "artifacts_url": "%s/actions/runs/%d/artifacts" % (api, rid),
            "cancel_url": "%s/actions/runs/%d/cancel" % (api, rid),
            "rerun_url": "%s/actions/runs/%d/rerun" % (api, rid),
            "previous_attempt_url": ("%s/actions/runs/%d/attempts/%d" % (api, rid, run["run_attempt"] - 1)
                                     if run["run_attempt"] > 1 else None),
            "workflow_url": "%s/actions/workflows/%d" % (api, run["workflow_id"]),
            "head_commit": {
                "id": run["head_sha"],
                "tree_id": fake_sha("tree", run["head_sha"]),
                "message": run["head_commit_message"],
                "timestamp": run["created_at"],
                "author": {"name": run["actor"], "email": "%s@users.noreply.github.com" % re.sub(r"[^A-Za-z0-9._-]", "", run["actor"])},
                "committer": {"name": "GitHub", "email": "noreply@github.com"},
            },
            "repository": repo,
            "head_repository": repo,
        }

    # checks and statuses ----------------------------------------------------------------
    def app(self, a):
        slug = a.get("slug", "github-actions")
        aid = int(a.get("id", 15368 if slug == "github-actions" else 900000 + zlib.crc32(slug.encode()) % 100000))
        owner_login = a.get("owner", "github")
        return {
            "id": aid,
            "slug": slug,
            "node_id": legacy_node_id("App", aid),
            "client_id": "Iv1." + hashlib.sha1(slug.encode()).hexdigest()[:16],
            "owner": self.user(owner_login),
            "name": a.get("name", "GitHub Actions" if slug == "github-actions" else slug),
            "description": a.get("description", "Automate your workflow from idea to production"),
            "external_url": "%s/features/actions" % self.html,
            "html_url": "%s/apps/%s" % (self.html, q(slug)),
            "created_at": iso(T0 - 2000 * 86400),
            "updated_at": iso(T0 - 100 * 86400),
            "permissions": {"actions": "write", "checks": "write", "contents": "write", "metadata": "read", "statuses": "write"},
            "events": ["check_run", "check_suite", "pull_request", "push"],
        }

    def check_run(self, sha, cr):
        api = self.repo_api
        cid = cr["id"]
        out = cr["output"]
        return {
            "id": cid,
            "name": cr["name"],
            "node_id": new_node_id("CR", cid),
            "head_sha": sha,
            "external_id": cr["external_id"],
            "url": "%s/check-runs/%d" % (api, cid),
            "html_url": "%s/runs/%d" % (self.repo_html, cid),
            "details_url": cr["details_url"] if cr["details_url"] is not None else "%s/runs/%d" % (self.repo_html, cid),
            "status": cr["status"],
            "conclusion": cr["conclusion"],
            "started_at": cr["started_at"],
            "completed_at": cr["completed_at"],
            "output": {
                "title": out.get("title"),
                "summary": out.get("summary"),
                "text": out.get("text"),
                "annotations_count": int(out.get("annotations_count", 0)),
                "annotations_url": "%s/check-runs/%d/annotations" % (api, cid),
            },
            "check_suite": {"id": cr["check_suite_id"]},
            "app": self.app(cr["app"]),
            "pull_requests": [],
        }

    def commit(self, sha, c):
        """The `commit` schema (repos/get-commit): author/committer are null without a GitHub account."""
        api, html = self.repo_api, self.repo_html
        tree = fake_sha("tree", sha)
        return {
            "url": "%s/commits/%s" % (api, sha),
            "sha": sha,
            "node_id": legacy_node_id("Commit", "%d:%s" % (self.m.repo_id, sha)),
            "html_url": "%s/commit/%s" % (html, sha),
            "comments_url": "%s/commits/%s/comments" % (api, sha),
            "commit": {
                "url": "%s/git/commits/%s" % (api, sha),
                "author": {"name": c["author_name"], "email": c["author_email"], "date": c["date"]},
                "committer": {"name": c["committer_name"], "email": c["committer_email"], "date": c["committer_date"]},
                "message": c["message"],
                "tree": {"sha": tree, "url": "%s/git/trees/%s" % (api, tree)},
                "comment_count": 0,
                "verification": {"verified": False, "reason": "unsigned", "signature": None,
                                 "payload": None, "verified_at": None},
            },
            "author": self.user(c["author"]) if c["author"] is not None else None,
            "committer": self.user(c["committer"]) if c["committer"] is not None else None,
            "parents": [{"sha": p, "url": "%s/commits/%s" % (api, p), "html_url": "%s/commit/%s" % (html, p)}
                        for p in c["parents"]],
            "stats": {"total": 0, "additions": 0, "deletions": 0},
            "files": [],
        }

    def status(self, sha, s):
        u = self.m.user(s["creator"])
        return {
            "url": "%s/statuses/%s" % (self.repo_api, sha),
            "avatar_url": "%s/avatars/u/%d?v=4" % (self.base, u["id"]),
            "id": s["id"],
            "node_id": legacy_node_id("StatusContext", s["id"]),
            "state": s["state"],
            "description": s["description"],
            "target_url": s["target_url"],
            "context": s["context"],
            "created_at": s["created_at"],
            "updated_at": s["updated_at"],
        }

    def release(self, r):
        api = self.repo_api
        rid = r["id"]
        tag = r["tag_name"]
        html_tag = tag if not r["draft"] else "untagged-%s" % hashlib.sha1(str(rid).encode()).hexdigest()[:20]
        assets = []
        for i, a in enumerate(r["assets"]):
            if isinstance(a, str):
                a = {"name": a}
            aid = rid * 100 + i + 1
            assets.append({
                "url": "%s/releases/assets/%d" % (api, aid),
                "browser_download_url": "%s/releases/download/%s/%s" % (self.repo_html, q(tag), q(a["name"])),
                "id": aid,
                "node_id": new_node_id("RA", aid),
                "name": a["name"],
                "label": a.get("label"),
                "state": "uploaded",
                "content_type": a.get("content_type", "application/octet-stream"),
                "size": int(a.get("size", 1024)),
                "digest": a.get("digest"),
                "download_count": 0,
                "created_at": r["created_at"],
                "updated_at": r["created_at"],
                "uploader": self.user(r["author"]),
            })
        return {
            "url": "%s/releases/%d" % (api, rid),
            "assets_url": "%s/releases/%d/assets" % (api, rid),
            "upload_url": "%s/uploads/repos/%s/releases/%d/assets{?name,label}" % (self.base, self.m.full_name, rid),
            "html_url": "%s/releases/tag/%s" % (self.repo_html, q(html_tag)),
            "id": rid,
            "author": self.user(r["author"]),
            "node_id": new_node_id("RE", rid),
            "tag_name": tag,
            "target_commitish": r["target_commitish"],
            "name": r["name"],
            "draft": r["draft"],
            "immutable": False,
            "prerelease": r["prerelease"],
            "created_at": r["created_at"],
            "updated_at": r["created_at"],
            "published_at": r["published_at"],
            "assets": assets,
            "tarball_url": "%s/tarball/%s" % (api, q(tag)),
            "zipball_url": "%s/zipball/%s" % (api, q(tag)),
            "body": r["body"],
        }

    def deployment(self, d):
        api = self.repo_api
        return {
            "url": "%s/deployments/%d" % (api, d["id"]),
            "id": d["id"],
            "node_id": new_node_id("DE", d["id"]),
            "sha": d["sha"],
            "ref": d["ref"],
            "task": d["task"],
            "payload": d["payload"],
            "original_environment": d["environment"],
            "environment": d["environment"],
            "description": d["description"],
            "creator": self.user(d["creator"]),
            "created_at": d["created_at"],
            "updated_at": d["statuses"][-1]["created_at"] if d.get("statuses") else d["created_at"],
            "statuses_url": "%s/deployments/%d/statuses" % (api, d["id"]),
            "repository_url": api,
            "transient_environment": d["transient_environment"],
            "production_environment": d["production_environment"],
            "performed_via_github_app": None,
        }

    def deployment_status(self, d, st):
        """A `deployment-status` of deployment D. No environment_url: GitHub sends "" when
        the deployer sets none, which its own description's `uri` format rejects."""
        api = self.repo_api
        did, sid = d["id"], st["id"]
        log = "%s/deployments/%s" % (self.repo_html, q(d["environment"]))
        return {
            "url": "%s/deployments/%d/statuses/%d" % (api, did, sid),
            "id": sid,
            "node_id": new_node_id("DES", sid),
            "state": st["state"],
            "creator": self.user(st["creator"]),
            "description": DEPLOYMENT_STATUS_TEXT.get(st["state"], ""),
            "environment": d["environment"],
            "target_url": log,
            "log_url": log,
            "created_at": st["created_at"],
            "updated_at": st["created_at"],
            "deployment_url": "%s/deployments/%d" % (api, did),
            "repository_url": api,
            "performed_via_github_app": None,
        }


# --------------------------------------------------------------------------------------------
# Request body validation (the JSON-schema checks GitHub makes on the two write operations)
# --------------------------------------------------------------------------------------------

class BodyError(Exception):
    """An invalid request body: (status, message) as GitHub words it."""

    def __init__(self, status, message):
        Exception.__init__(self, message)
        self.status = status
        self.message = message


def _jtype(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def _jshow(v):
    return json.dumps(v, separators=(",", ":"))[:200]


def _retyped(v):
    """V with its structure kept and every scalar of another JSON type: a string becomes a
    number, a number or a boolean a string; null stays null."""
    if isinstance(v, dict):
        return {k: _retyped(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_retyped(x) for x in v]
    if isinstance(v, str):
        return len(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    return v


def parse_body(raw):
    """The JSON object in RAW, or BodyError(400 Problems parsing JSON / 422 not an object)."""
    try:
        body = json.loads(raw.decode("utf-8")) if raw.strip() else None
    except (ValueError, UnicodeDecodeError):
        raise BodyError(400, "Problems parsing JSON")
    if not isinstance(body, dict):
        raise BodyError(422, "Invalid request.\n\n%s is not an object." % ("No body" if body is None else _jshow(body)))
    return body


def check_fields(body, required, types):
    """GitHub's wording: 'Invalid request.\n\n"ref" wasn't supplied.' and
    "Invalid request.\n\nFor 'properties/task', 5 is not a string." TYPES: {field: (json types...)}."""
    for f in required:
        if f not in body:
            raise BodyError(422, 'Invalid request.\n\n"%s" wasn\'t supplied.' % f)
    for f, allowed in types.items():
        if f in body and _jtype(body[f]) not in allowed:
            raise BodyError(422, "Invalid request.\n\nFor 'properties/%s', %s is not %s." % (
                f, _jshow(body[f]), " or ".join(("an " if t[0] in "aeiou" else "a ") + t for t in allowed)))


# --------------------------------------------------------------------------------------------
# The simulator
# --------------------------------------------------------------------------------------------

class Reply:
    def __init__(self, status, body=None, headers=None, etag=True, count=True):
        self.status = status
        self.body = body            # python object (JSON-encoded) or bytes or None
        self.headers = headers or []
        self.etag = etag
        self.count = count          # counts against the rate limit
        self.cut = None             # send only this many bytes of the body, then drop


class Sim:
    def __init__(self, model, public_base, verbose=False):
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.verbose = verbose
        self.public_base = public_base
        self.port = None
        self.log = []
        self.seq = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.total = 0
        self.request_ids = 0
        self.set_model(model)

    def set_model(self, model):
        with self.lock:
            self.model = model
            self.faults = list(model.faults)
            self.rl_limit = model.rl_limit
            self.rl_remaining = model.rl_remaining
            self.rl_reset = int(time.time()) + model.rl_reset_in

    # rate limit ------------------------------------------------------------------------
    def rate_headers(self, count, override=None):
        with self.lock:
            now = int(time.time())
            if now >= self.rl_reset:
                self.rl_reset = now + 3600
                self.rl_remaining = self.rl_limit
            if count and self.rl_remaining > 0:
                self.rl_remaining -= 1
            lim, rem, reset = self.rl_limit, self.rl_remaining, self.rl_reset
        if override:
            rem = override.get("remaining", rem)
            if override.get("reset_in") is not None:
                reset = int(time.time()) + int(override["reset_in"])
        return [("X-RateLimit-Limit", str(lim)), ("X-RateLimit-Remaining", str(rem)),
                ("X-RateLimit-Reset", str(reset)), ("X-RateLimit-Used", str(max(0, lim - rem))),
                ("X-RateLimit-Resource", "core")]

    # faults ----------------------------------------------------------------------------
    def match_fault(self, method, target):
        with self.lock:
            for f in self.faults:
                if f.spent():
                    continue
                if f.method and f.method.upper() != method:
                    continue
                if not f.rx.search(target):
                    continue
                f.seen += 1
                if f.seen <= f.after:
                    continue
                f.fired += 1
                return f
        return None

    # entry point -------------------------------------------------------------------------
    def handle(self, h):
        parts = urllib.parse.urlsplit(h.path)
        path, query = parts.path, parts.query
        if path.startswith("/_sim/") or path == "/_sim":
            return self.control(h, path, query)
        auth = h.headers.get("Authorization")
        if auth is None:
            auth_kind = "none"
        else:
            scheme = auth.strip().split(" ", 1)[0].lower()
            auth_kind = scheme if scheme in ("bearer", "token") else "other"
        rec = {
            "method": h.command,
            "path": path,
            "query": query,
            "if_none_match": h.headers.get("If-None-Match"),
            "authorization": auth_kind,
            "user_agent": h.headers.get("User-Agent"),
            "accept": h.headers.get("Accept"),
            "api_version": h.headers.get("X-GitHub-Api-Version"),
            "started": time.time(),
            "finished": None,
            "status": None,
            "fault": None,
        }
        try:
            h.ghsim_body = self._read_body(h)
        except ValueError:  # a bad Content-Length or chunk size: the connection is out of step
            h.ghsim_body = b""
            h.close_connection = True
        if h.command == "POST":
            try:
                rec["body"] = json.loads(h.ghsim_body.decode("utf-8")) if h.ghsim_body.strip() else None
            except (ValueError, UnicodeDecodeError):
                rec["body"] = None
                rec["body_raw"] = h.ghsim_body.decode("utf-8", "replace")
        with self.lock:
            self.seq += 1
            rec["seq"] = self.seq
            self.log.append(rec)
            self.total += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            self._handle_api(h, rec, path, query, auth)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            h.close_connection = True
        finally:
            with self.lock:
                self.in_flight -= 1
                rec["finished"] = time.time()

    @staticmethod
    def _read_body(h):
        """The request body (Content-Length or chunked), read before anything else so that a
        keep-alive connection stays in step whatever the answer."""
        if "chunked" in (h.headers.get("Transfer-Encoding") or "").lower():
            out = b""
            while True:
                line = h.rfile.readline(1024)
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    while h.rfile.readline(1024).strip():  # trailers
                        pass
                    return out
                out += h.rfile.read(n)
                h.rfile.readline(16)
        n = int(h.headers.get("Content-Length") or 0)
        return h.rfile.read(n) if n > 0 else b""

    def _handle_api(self, h, rec, path, query, auth):
        target = path + ("?" + query if query else "")
        f = self.match_fault(h.command, target)
        reply = None
        if f is not None:
            spec = f.spec
            rec["fault"] = f.kind()
            if "delay_ms" in spec:
                self.stopping.wait(float(spec["delay_ms"]) / 1000.0)
            if spec.get("reset"):
                self._drop(h, rst=(spec["reset"] == "rst"))
                return
            if "stall_seconds" in spec:
                self.stopping.wait(float(spec["stall_seconds"]))
                self._drop(h, rst=False)
                return
            if "echo_authorization" in spec:
                reply = self._echo_authorization(h, spec, path, query, auth)
            elif "rate_limit" in spec:
                reply = self._rate_limited(spec["rate_limit"], spec)
            elif "body" in spec:
                raw = spec["body"]
                raw = raw.encode() if isinstance(raw, str) else json.dumps(raw).encode()
                reply = Reply(int(spec.get("status", 200)), raw, list((spec.get("headers") or {}).items()))
            elif "status" in spec:
                st = int(spec["status"])
                body = {"message": spec.get("message", REASONS.get(st, "Error")),
                        "documentation_url": spec.get("documentation_url", DOCS), "status": str(st)}
                reply = Reply(st, body, list((spec.get("headers") or {}).items()))
            else:
                reply = self._mangled(self.route(h, path, query, auth), spec)
        if reply is None:
            reply = self.route(h, path, query, auth)
        self.send(h, rec, reply)

    def _mangled(self, reply, spec):
        """The normal answer, damaged as SPEC says: cut short, with every value of the wrong
        JSON type, or with its Link header pointing at another host. Errors pass as they are."""
        if reply.status != 200:
            return reply
        reply.etag = False  # never a 304 in its place: the damage is what is sent
        if "link_base" in spec:
            with self.lock:
                base = self.public_base
            reply.headers = [(k, v.replace(base, spec["link_base"]) if k.lower() == "link" else v)
                             for k, v in reply.headers]
        if "wrong_types" in spec:
            if spec["wrong_types"] == "top":
                reply.body = [reply.body] if isinstance(reply.body, dict) else {"items": reply.body}
            else:
                reply.body = _retyped(reply.body)
        if "truncate" in spec:
            raw = reply.body if isinstance(reply.body, (bytes, bytearray)) else json.dumps(reply.body, indent=2).encode()
            if spec["truncate"] == "body":
                reply.body = raw[:len(raw) // 2]
            else:
                reply.body = raw
                reply.cut = len(raw) // 2
        return reply

    def _echo_authorization(self, h, spec, path, query, auth):
        """A careless (or hostile) server: the Authorization header it was sent comes back
        in the error message, in response headers, in a next-page link or in a body."""
        where = spec["echo_authorization"]
        sent = auth or ""
        extra = [(k, str(v).replace("{authorization}", sent)) for k, v in (spec.get("headers") or {}).items()]
        if where == "body":
            return Reply(int(spec.get("status", 200)), spec["body"].replace("{authorization}", sent).encode(), extra)
        if where == "link":
            reply = self.route(h, path, query, auth)
            link = '<http://echo.invalid/next?authorization=%s>; rel="next"' % urllib.parse.quote(sent, safe="")
            reply.headers = [(k, v) for k, v in reply.headers if k.lower() != "link"] + [("Link", link)] + extra
            return reply
        st = int(spec.get("status", 401))
        if where == "message":
            return Reply(st, {"message": "Bad credentials: this server was sent '%s'" % sent,
                              "documentation_url": DOCS, "status": str(st)}, extra)
        return Reply(st, {"message": REASONS.get(st, "Error"), "documentation_url": DOCS, "status": str(st)},
                     extra + [("X-Echo-Authorization", sent),
                              ("WWW-Authenticate", 'Bearer error="invalid_token", error_description="%s"' % sent)])

    def _rate_limited(self, rl, spec):
        st = int(rl.get("status", 403))
        retry_after = rl.get("retry_after")
        remaining = int(rl.get("remaining", 0))
        kind = rl.get("kind") or ("primary" if remaining == 0 and retry_after is None else "secondary")
        req_id = self.next_request_id()
        if kind == "primary":
            body = {"message": "API rate limit exceeded for user ID %d. If you reach out to GitHub Support for help, "
                               "please include the request ID %s and timestamp %s." % (
                                   self.model.user(self.model.token_owner)["id"], req_id, iso(time.time()).replace("T", " ").replace("Z", " UTC")),
                    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit",
                    "status": str(st)}
        else:
            body = {"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
                               "If you reach out to GitHub Support for help, please include the request ID %s." % req_id,
                    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
                    "status": str(st)}
        headers = list((spec.get("headers") or {}).items())
        if retry_after is not None:
            headers.append(("Retry-After", str(int(retry_after))))
        r = Reply(st, body, headers, count=False)
        r.rl_override = {"remaining": remaining, "reset_in": rl.get("reset_in", 60)}
        r.request_id = req_id
        return r

    def _drop(self, h, rst):
        """Close the connection without sending anything."""
        h.close_connection = True
        try:
            sock = h.connection
            if rst:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.close()
            else:
                sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def next_request_id(self):
        with self.lock:
            self.request_ids += 1
            n = self.request_ids
        return "%04X:%04X:%06X:%06X:%08X" % (os.getpid() & 0xFFFF, n & 0xFFFF, n * 7 & 0xFFFFFF, n * 13 & 0xFFFFFF, int(time.time()) & 0xFFFFFFFF)

    def send(self, h, rec, reply):
        body = reply.body
        if body is not None and not isinstance(body, (bytes, bytearray)):
            body = json.dumps(body, indent=2).encode()
        headers = [("Content-Type", "application/json; charset=utf-8")]
        headers += [("Cache-Control", "private, max-age=60, s-maxage=60"),
                    ("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP"),
                    ("X-GitHub-Media-Type", "github.v3; format=json"),
                    ("X-GitHub-Api-Version-Selected", "2022-11-28")]
        status = reply.status
        etag = None
        if status == 200 and reply.etag and body is not None:
            etag = '"%s"' % hashlib.sha256(body).hexdigest()
            headers.append(("ETag", etag))
            inm = h.headers.get("If-None-Match")
            if inm and _etag_matches(inm, etag):
                status = 304
                body = None
        count = reply.count and status != 304
        headers += self.rate_headers(count, getattr(reply, "rl_override", None))
        headers.append(("X-GitHub-Request-Id", getattr(reply, "request_id", None) or self.next_request_id()))
        # reply-specific headers last, so that they can replace the defaults
        names = {k.lower() for k, _ in reply.headers}
        headers = [(k, v) for k, v in headers if k.lower() not in names] + reply.headers
        rec["status"] = status
        h.send_response(status)
        for k, v in headers:
            if status in (204, 304) and k.lower() == "content-type":
                continue
            h.send_header(k, v)
        if status not in (204, 304):
            h.send_header("Content-Length", str(len(body or b"")))
        h.end_headers()
        if body and h.command != "HEAD" and status not in (204, 304):
            h.wfile.write(body if reply.cut is None else body[:reply.cut])
        h.wfile.flush()
        if reply.cut is not None:  # the rest of a declared Content-Length never comes
            self._drop(h, rst=False)

    # routing ---------------------------------------------------------------------------
    def err(self, status, message=None, doc=None, headers=None):
        return Reply(status, {"message": message or REASONS.get(status, "Error"),
                              "documentation_url": doc or DOCS, "status": str(status)}, headers)

    def route(self, h, path, query, auth):
        m = self.model
        with self.lock:
            base = self.public_base
        # authentication first, as GitHub does
        ok = False
        if auth:
            parts = auth.strip().split(None, 1)
            if len(parts) == 2 and parts[0].lower() in ("bearer", "token") and parts[1].strip():
                ok = m.tokens is None or parts[1].strip() in m.tokens
        if not ok:
            return Reply(401, {"message": "Bad credentials", "documentation_url": DOCS, "status": "401"}, count=False)
        if m.rl_enforce:
            with self.lock:
                exhausted = self.rl_remaining <= 0
            if exhausted:
                return self._rate_limited({"status": 403, "remaining": 0,
                                           "reset_in": max(0, self.rl_reset - int(time.time()))}, {})
        if h.command not in ("GET", "HEAD", "POST"):
            return self.err(404)
        R = Render(m, base)
        qs = urllib.parse.parse_qsl(query, keep_blank_values=True)
        segs = [urllib.parse.unquote(s) for s in path.split("/")[1:]]
        if path.endswith("/") and len(path) > 1:
            return self.err(404)

        if h.command == "POST":
            if len(segs) >= 3 and segs[0] == "repos" and segs[1].lower() == m.owner.lower() \
                    and segs[2].lower() == m.name.lower():
                return self.repo_post(R, segs[3:], h.ghsim_body)
            if len(segs) >= 2 and segs[0] == "repositories" and segs[1] == str(m.repo_id):
                return self.repo_post(R, segs[2:], h.ghsim_body)
            return self.err(404)
        if segs == ["user"]:
            return Reply(200, R.user(m.token_owner, private=True))
        if len(segs) == 6 and segs[0] == "orgs" and segs[2] == "teams" and segs[4] == "memberships":
            return self.membership(R, segs[1], segs[3], segs[5])
        if len(segs) == 5 and segs[0] == "orgs" and segs[2] == "teams" and segs[4] == "members":
            return self.team_members(R, segs[1], segs[3], qs, path.lstrip("/"))
        if len(segs) >= 3 and segs[0] == "repos":
            if segs[1].lower() != m.owner.lower() or segs[2].lower() != m.name.lower():
                return self.err(404)
            return self.repo_route(R, segs[3:], qs, "/".join(path.split("/")[4:]))
        if len(segs) >= 2 and segs[0] == "repositories":
            if segs[1] != str(m.repo_id):
                return self.err(404)
            return self.repo_route(R, segs[2:], qs, "/".join(path.split("/")[3:]))
        return self.err(404)

    def repo_route(self, R, segs, qs, rawsub):
        m = self.model
        link_prefix = (("/repositories/%d/" % m.repo_id) if m.link_form == "repositories"
                       else "/repos/%s/" % m.full_name) + rawsub
        n = len(segs)
        if n == 3 and segs[0] == "actions" and segs[1] == "runs":
            run = self.read_run(int(segs[2])) if segs[2].isdigit() else None
            if run is None:
                return self.err(404, doc=DOC_URLS["run"])
            return Reply(200, R.run(run))
        if n == 4 and segs[:2] == ["actions", "workflows"] and segs[3] == "runs":
            return self.list_workflow_runs(R, segs[2], qs, link_prefix)
        if n == 2 and segs[0] == "deployments":
            d = self.find_deployment(segs[1])
            if d is None:
                return self.err(404, doc=DOC_URLS["deployment"])
            return Reply(200, R.deployment(d))
        if n == 3 and segs[0] == "deployments" and segs[2] == "statuses":
            d = self.find_deployment(segs[1], read=True)
            if d is None:
                return self.err(404, doc=DOC_URLS["deployment_statuses"])
            return self.paged(R, [R.deployment_status(d, st) for st in reversed(d["statuses"])], qs, link_prefix)
        if n == 2 and segs[0] == "pulls":
            if not segs[1].isdigit() or int(segs[1]) not in m.pulls:
                return self.err(404, doc=DOC_URLS["pull"])
            return Reply(200, R.pull_full(m.pulls[int(segs[1])]))
        if n == 3 and segs[0] == "pulls" and segs[2] == "reviews":
            if not segs[1].isdigit() or int(segs[1]) not in m.pulls:
                return self.err(404, doc=DOC_URLS["reviews"])
            pr = m.pulls[int(segs[1])]
            return self.paged(R, [R.review(pr, rv) for rv in pr["reviews"]], qs, link_prefix)
        if n == 1 and segs[0] == "releases":
            return self.paged(R, [R.release(r) for r in m.releases], qs, link_prefix)
        if n >= 3 and segs[0] == "releases" and segs[1] == "tags":
            tag = "/".join(segs[2:])
            for r in m.releases:
                if r["tag_name"] == tag and not r["draft"]:
                    return Reply(200, R.release(r))
            return self.err(404, doc=DOC_URLS["release_by_tag"])
        if n >= 3 and segs[:2] == ["rules", "branches"]:
            # GitHub answers 200 with [] for a branch no ruleset applies to, even one that
            # does not exist
            branch = "/".join(segs[2:])
            rules = [dict(r, ruleset_source=m.full_name) for r in m.branch_rules.get(branch, [])]
            return self.paged(R, rules, qs, link_prefix)
        if n >= 3 and segs[0] == "commits" and segs[-1] in ("pulls", "check-runs", "status"):
            ref = "/".join(segs[1:-1])
            what = segs[-1]
            if what == "pulls":
                sha = m.resolve_ref(ref)
                if sha is None:
                    return self._unknown_commit("pulls", ref, DOC_URLS["commit_pulls"])
                c = m.commits.get(sha)
                if c is not None and c["pulls"] is not None:
                    nums = c["pulls"]
                else:
                    nums = [p["number"] for p in m.pulls.values()
                            if p["head_sha"].lower() == sha or (p["merge_commit_sha"] or "").lower() == sha]
                items = [R.pull_simple(m.pulls[x]) for x in nums if x in m.pulls]
                return self.paged(R, items, qs, link_prefix)
            sha = m.resolve_ref(ref)
            if what == "check-runs":
                if sha is None:
                    return self._unknown_commit("check_runs", ref, DOC_URLS["check_runs"])
                return self.check_runs(R, sha, qs, link_prefix)
            if sha is None:
                return self._unknown_commit("status", ref, DOC_URLS["status"])
            return self.combined_status(R, sha, qs, link_prefix)
        if n >= 2 and segs[0] == "commits":
            ref = "/".join(segs[1:])
            sha = m.resolve_ref(ref)
            if sha is None:
                return self._unknown_commit("commit", ref, DOC_URLS["commit"])
            return Reply(200, R.commit(sha, m.commit_meta(sha)))
        return self.err(404)

    # write operations ------------------------------------------------------------------
    def repo_post(self, R, segs, raw):
        try:
            if segs == ["deployments"]:
                return self.create_deployment(R, parse_body(raw))
            if len(segs) == 4 and segs[:2] == ["actions", "workflows"] and segs[3] == "dispatches":
                return self.create_dispatch(R, segs[2], raw)
        except BodyError as e:
            return self.err(e.status, e.message, DOC_URLS["create_deployment" if segs == ["deployments"] else "dispatch"])
        return self.err(404)

    def create_deployment(self, R, body):
        """POST /repos/{o}/{r}/deployments: 201 with the deployment. Status checks
        (required_contexts) and auto_merge are accepted but not simulated."""
        m = self.model
        check_fields(body, ["ref"], {
            "ref": ("string",), "task": ("string",), "auto_merge": ("boolean",),
            "required_contexts": ("array",), "payload": ("object", "string"), "environment": ("string",),
            "description": ("string", "null"), "transient_environment": ("boolean",),
            "production_environment": ("boolean",)})
        for i, c in enumerate(body.get("required_contexts") or []):
            if not isinstance(c, str):
                raise BodyError(422, "Invalid request.\n\nFor 'items', %s is not a string." % _jshow(c))
        sha = m.resolve_ref(body["ref"])
        if sha is None:
            return self.err(422, "No ref found for: %s" % body["ref"], DOC_URLS["create_deployment"])
        env = body.get("environment", "production")
        payload = body.get("payload", {})
        with self.lock:
            did = m.next_deployment_id
            m.next_deployment_id += 1
            d = {"id": did, "sha": sha, "ref": body["ref"], "task": body.get("task", "deploy"),
                 "payload": payload, "environment": env, "description": body.get("description", ""),
                 "creator": m.token_owner, "created_at": iso(time.time()),
                 "transient_environment": body.get("transient_environment", False),
                 "production_environment": body.get("production_environment", env == "production"),
                 "auto_merge": body.get("auto_merge", True),
                 "required_contexts": body.get("required_contexts"),
                 # progression (see read_deployment_statuses): the outcome is fixed at creation
                 "outcome": dict(m.deployment_outcomes.get(env, dict(DEFAULT_OUTCOME, empty_polls=0))),
                 "reads": 0, "statuses": []}
            m.user(DEPLOYER)
            m.deployments.append(d)
        return Reply(201, R.deployment(d), [("Location", "%s/deployments/%d" % (R.repo_api, did))])

    def create_dispatch(self, R, workflow_id, raw):
        """POST /repos/{o}/{r}/actions/workflows/{id or file name}/dispatches: 204 (or 200
        with the run's ids when return_run_details is true). The ref must be a branch or tag
        name, as on GitHub (not a sha)."""
        m = self.model
        wf = m.find_workflow(workflow_id)
        if wf is None:
            return self.err(404, doc=DOC_URLS["dispatch"])
        wname, wid = wf
        body = parse_body(raw)
        check_fields(body, ["ref"], {"ref": ("string",), "inputs": ("object",), "return_run_details": ("boolean",)})
        inputs = body.get("inputs", {})
        if len(inputs) > 25:
            raise BodyError(422, "Invalid request.\n\nFor 'properties/inputs', the object has %d properties;"
                                 " at most 25 are allowed." % len(inputs))
        for k, v in inputs.items():
            if _jtype(v) not in ("string", "number", "boolean"):
                raise BodyError(422, "Invalid request.\n\nFor 'properties/inputs/%s', %s is not a string,"
                                     " a number or a boolean." % (k, _jshow(v)))
        sha = m.resolve_name(body["ref"])
        if sha is None:
            return self.err(422, "No ref found for: %s" % body["ref"], DOC_URLS["dispatch"])
        details = body.get("return_run_details", False) and m.dispatch_run_details
        with self.lock:
            run_id = m.next_run_id
            m.next_run_id += 1
            branch = body["ref"]
            for pre in ("refs/heads/", "refs/tags/", "heads/", "tags/"):
                if branch.startswith(pre):
                    branch = branch[len(pre):]
                    break
            runs = dict(m.runs)  # a copy: GETs read m.runs without the lock
            runs[run_id] = {
                "id": run_id, "actor": m.token_owner, "triggering_actor": m.token_owner, "head_sha": sha,
                "head_branch": branch, "status": "queued", "conclusion": None, "event": "workflow_dispatch",
                "name": wname, "path": ".github/workflows/" + wname, "workflow_id": wid, "run_number": run_id % 10000,
                "run_attempt": 1, "display_title": wname, "created_at": iso(time.time()),
                "updated_at": iso(time.time()), "pull_requests": [], "head_commit_message": "commit %s" % sha[:7],
                # progression (see read_run): the outcome is fixed when the run is created
                "outcome": dict(m.run_outcomes.get(wname, DEFAULT_OUTCOME)), "reads": 0}
            m.runs = runs
            m.known_shas = m.known_shas | {sha}
            m.dispatches.append({"workflow": wname, "workflow_id": wid, "requested_as": workflow_id,
                                 "ref": body["ref"], "sha": sha, "inputs": inputs, "return_run_details": details,
                                 "run_id": run_id, "at": time.time(), "outcome": dict(runs[run_id]["outcome"])})
        if details:
            return Reply(200, {"workflow_run_id": run_id, "run_url": "%s/actions/runs/%d" % (R.repo_api, run_id),
                               "html_url": "%s/actions/runs/%d" % (R.repo_html, run_id)})
        return Reply(204, None)

    # deploy outcomes: progression as the client reads ---------------------------------------
    def _advance_run(self, run):
        """One read of RUN (the caller holds the lock). Only dispatched runs move:
        queued -> in_progress -> completed with the outcome's conclusion."""
        if "outcome" not in run:
            return
        run["reads"] += 1
        st = progress(run["outcome"], run["reads"])
        status, conclusion = (st, None) if st in ("queued", "in_progress") else ("completed", st)
        if status != run["status"]:
            run["status"], run["conclusion"], run["updated_at"] = status, conclusion, later(run["updated_at"])

    def read_run(self, run_id):
        """A snapshot of run RUN_ID after one read of it, or None."""
        with self.lock:
            run = self.model.runs.get(run_id)
            if run is None:
                return None
            self._advance_run(run)
            return dict(run)

    def find_deployment(self, seg, read=False):
        """A snapshot of the deployment whose id is SEG, or None. READ: this is a read of its
        statuses, which may add the next deployment status (see progress)."""
        if not seg.isdigit():
            return None
        with self.lock:
            m = self.model
            d = next((x for x in m.deployments if x["id"] == int(seg)), None)
            if d is None:
                return None
            if read:
                d["reads"] += 1
                st = progress(d["outcome"], d["reads"])
                if st is not None and (not d["statuses"] or d["statuses"][-1]["state"] != st):
                    prev = d["statuses"][-1]["created_at"] if d["statuses"] else d["created_at"]
                    d["statuses"].append({"id": m.next_deployment_status_id, "state": st,
                                          "creator": DEPLOYER, "created_at": later(prev)})
                    m.next_deployment_status_id += 1
            return dict(d, statuses=list(d["statuses"]))

    def list_workflow_runs(self, R, seg, qs, link_prefix):
        """GET .../actions/workflows/{id}/runs: newest first. Every run the filters other than
        `status` select counts as read (it moves on) before `status` and the page apply."""
        m = self.model
        wf = m.find_workflow(seg)
        if wf is None:
            return self.err(404, doc=DOC_URLS["workflow_runs"])
        wid = wf[1]
        p = {k: v for k, v in qs if v != ""}
        created = None
        if "created" in p:
            try:
                created = created_filter(p["created"])
            except ValueError:
                return self.err(422, "Invalid value for the created parameter: %s" % p["created"],
                                DOC_URLS["workflow_runs"])

        def selected(r):
            if r["workflow_id"] != wid:
                return False
            if "actor" in p and r["actor"].lower() != p["actor"].lower():
                return False
            if "branch" in p and r["head_branch"] != p["branch"]:
                return False
            if "event" in p and r["event"] != p["event"]:
                return False
            if "head_sha" in p and r["head_sha"].lower() != p["head_sha"].lower():
                return False
            if "check_suite_id" in p and p["check_suite_id"] != str(6000000000 + r["id"] % 1000000000):
                return False
            if created is not None:
                try:
                    return created(when(r["created_at"])[0])
                except ValueError:
                    return False
            return True

        def newest_first(r):
            try:
                t = when(r["created_at"])[0]
            except ValueError:
                t = 0
            return (-t, -r["id"])
        with self.lock:
            runs = [r for r in m.runs.values() if selected(r)]
            for r in runs:
                self._advance_run(r)
            runs = [dict(r) for r in runs]
        if "status" in p:
            runs = [r for r in runs if p["status"] in (r["status"], r["conclusion"])]
        runs.sort(key=newest_first)
        if p.get("exclude_pull_requests") == "true":
            runs = [dict(r, pull_requests=[]) for r in runs]
        items = [R.run(r) for r in runs]
        return self.paged(R, items, qs, link_prefix, wrap=lambda page: {"total_count": len(items), "workflow_runs": page})

    def _unknown_commit(self, which, ref, doc):
        st = int(self.model.unknown_commit.get(which, 422))
        return self.err(st, "No commit found for SHA: %s" % ref, doc)

    def membership(self, R, org, slug, login):
        m = self.model
        t = m.teams.get((org.lower(), slug.lower()))
        if t is None or login.lower() not in t["members"]:
            return self.err(404, doc=DOC_URLS["membership"])
        mem = t["members"][login.lower()]
        return Reply(200, {"url": "%s/organizations/%d/team/%d/memberships/%s" % (
                               R.base, 600000 + zlib.crc32(t["org"].lower().encode()) % 100000, t["id"], q(mem["login"])),
                           "role": mem["role"], "state": mem["state"]})

    def team_members(self, R, org, slug, qs, rawpath):
        """The team's active members (pending ones are invitations: not listed), simple
        users sorted by login, paginated; role=member|maintainer|all filters."""
        m = self.model
        t = m.teams.get((org.lower(), slug.lower()))
        if t is None:
            return self.err(404, doc=DOC_URLS["team_members"])
        role = dict(qs).get("role", "all")
        mem = [x for x in t["members"].values() if x["state"] == "active" and role in ("all", x["role"])]
        mem.sort(key=lambda x: x["login"].lower())
        return self.paged(R, [R.user(x["login"]) for x in mem], qs, "/" + rawpath)

    def check_runs(self, R, sha, qs, link_prefix):
        runs = self.model.commits.get(sha, {}).get("check_runs", [])
        params = dict(qs)
        if params.get("filter", "latest") != "all":
            last = {}
            for i, cr in enumerate(runs):
                last[(cr["name"], cr["app"].get("slug", "github-actions"))] = i
            runs = [cr for i, cr in enumerate(runs) if last[(cr["name"], cr["app"].get("slug", "github-actions"))] == i]
        if "check_name" in params:
            runs = [cr for cr in runs if cr["name"] == params["check_name"]]
        if "status" in params:
            runs = [cr for cr in runs if cr["status"] == params["status"]]
        if "app_id" in params:
            runs = [cr for cr in runs if str(R.app(cr["app"])["id"]) == params["app_id"]]
        items = [R.check_run(sha, cr) for cr in runs]
        return self.paged(R, items, qs, link_prefix, wrap=lambda page: {"total_count": len(items), "check_runs": page})

    def combined_status(self, R, sha, qs, link_prefix):
        sts = self.model.commits.get(sha, {}).get("statuses", [])
        latest = {}
        order = []
        for s in sts:  # chronological: the last one per context wins
            if s["context"] not in latest:
                order.append(s["context"])
            latest[s["context"]] = s
        cur = [latest[c] for c in order]
        states = [s["state"] for s in cur]
        if any(s in ("error", "failure") for s in states):
            state = "failure"
        elif not states or any(s == "pending" for s in states):
            state = "pending"
        else:
            state = "success"
        items = [R.status(sha, s) for s in cur]
        api = R.repo_api
        return self.paged(R, items, qs, link_prefix, wrap=lambda page: {
            "state": state, "statuses": page, "sha": sha, "total_count": len(items),
            "repository": R.minimal_repo(), "commit_url": "%s/commits/%s" % (api, sha),
            "url": "%s/commits/%s/status" % (api, sha)})

    def paged(self, R, items, qs, link_prefix, wrap=None):
        m = self.model
        params = dict(qs)
        try:
            per_page = int(params.get("per_page", DEFAULT_PER_PAGE))
        except ValueError:
            per_page = DEFAULT_PER_PAGE
        if per_page < 1:
            per_page = DEFAULT_PER_PAGE
        per_page = min(per_page, m.max_per_page)
        try:
            page = int(params.get("page", 1))
        except ValueError:
            page = 1
        page = max(1, page)
        last = max(1, int(math.ceil(len(items) / float(per_page))))
        chunk = items[(page - 1) * per_page: page * per_page]
        links = []

        def url(p):
            kept = [(k, v) for k, v in qs if k != "page"] + [("page", str(p))]
            return "<%s%s?%s>" % (R.base, link_prefix, urllib.parse.urlencode(kept))
        if page > 1:
            links.append('%s; rel="prev"' % url(min(page - 1, last)))
        if page < last:
            links.append('%s; rel="next"' % url(page + 1))
            links.append('%s; rel="last"' % url(last))
        if page > 1:
            links.append('%s; rel="first"' % url(1))
        headers = [("Link", ", ".join(links))] if links else []
        return Reply(200, wrap(chunk) if wrap else chunk, headers)

    # control API -----------------------------------------------------------------------
    def control(self, h, path, query):
        def answer(status, obj):
            body = json.dumps(obj, indent=1).encode()
            h.send_response(status)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)
            h.wfile.flush()

        def read_json():
            n = int(h.headers.get("Content-Length") or 0)
            if n > 64 * 1024 * 1024:
                raise ScenarioError("body too large")
            raw = h.rfile.read(n) if n else b""
            try:
                return json.loads(raw.decode() or "null")
            except ValueError as e:
                raise ScenarioError("invalid JSON: %s" % e)

        cmd = (h.command, path.rstrip("/"))
        try:
            if cmd == ("GET", "/_sim/requests"):
                with self.lock:
                    return answer(200, [dict(r) for r in self.log])
            if cmd == ("GET", "/_sim/stats"):
                with self.lock:
                    return answer(200, {"requests": self.total, "max_in_flight": self.max_in_flight,
                                        "in_flight": self.in_flight, "rate_limit_remaining": self.rl_remaining})
            if cmd == ("POST", "/_sim/reset-log"):
                read_json()
                with self.lock:
                    self.log = []
                    self.total = 0
                    self.max_in_flight = self.in_flight
                return answer(200, {"ok": True})
            if cmd == ("POST", "/_sim/scenario"):
                self.set_model(Model(read_json()))
                return answer(200, {"ok": True})
            if cmd == ("GET", "/_sim/faults"):
                with self.lock:
                    return answer(200, [f.describe() for f in self.faults])
            if cmd == ("POST", "/_sim/faults"):
                body = read_json()
                replace = False
                if isinstance(body, dict):
                    replace = bool(body.get("replace", False))
                    body = body.get("faults", [])
                if not isinstance(body, list):
                    raise ScenarioError("faults: expected a list or {faults: [...], replace: bool}")
                new = [Fault(f, i) for i, f in enumerate(body)]
                with self.lock:
                    self.faults = new if replace else self.faults + new
                    n = len(self.faults)
                return answer(200, {"ok": True, "faults": n})
            if cmd == ("GET", "/_sim/config"):
                with self.lock:
                    return answer(200, {"public_base": self.public_base, "port": self.port})
            if cmd == ("POST", "/_sim/config"):
                body = read_json() or {}
                if "public_base" in body:
                    pb = str(body["public_base"]).rstrip("/")
                    if not re.match(r"^https?://[^/]+", pb):
                        raise ScenarioError("public_base must be an http(s) URL")
                    with self.lock:
                        self.public_base = pb
                return answer(200, {"ok": True, "public_base": self.public_base})
            if cmd == ("GET", "/_sim/deployments"):
                with self.lock:
                    m, base = self.model, self.public_base
                    ds = list(m.deployments)
                    ds = [dict(d, statuses=list(d["statuses"])) for d in ds]
                R = Render(m, base)
                return answer(200, [dict(R.deployment(d), auto_merge=d["auto_merge"],
                                         required_contexts=d["required_contexts"],
                                         outcome=dict(d["outcome"])) for d in ds])
            if cmd == ("GET", "/_sim/dispatches"):
                with self.lock:
                    return answer(200, [dict(d) for d in self.model.dispatches])
            if cmd == ("GET", "/_sim/outcomes"):
                with self.lock:
                    m = self.model
                    return answer(200, dict(m.run_outcomes, **m.deployment_outcomes))
            if cmd == ("POST", "/_sim/outcomes"):
                body = read_json()
                if body is None:
                    raise ScenarioError("deploy_outcomes: must be an object, not empty ({} clears them)")
                with self.lock:
                    m = self.model
                    runs, deps = parse_outcomes(body, m.workflows)
                    m.run_outcomes, m.deployment_outcomes = runs, deps
                return answer(200, {"ok": True, "outcomes": len(runs) + len(deps)})
            if cmd == ("POST", "/_sim/refs"):
                body = read_json()
                if not isinstance(body, dict) or not all(isinstance(k, str) and k and isinstance(v, str)
                                                         and re.fullmatch(r"[0-9a-fA-F]{40}", v)
                                                         for k, v in body.items()):
                    raise ScenarioError("refs: expected {name: 40-hex sha}")
                with self.lock:
                    for k, v in body.items():
                        self.model.add_ref(k, v)
                    n = len(self.model.runtime_refs)
                return answer(200, {"ok": True, "refs": n})
            if cmd == ("GET", "/_sim/health"):
                return answer(200, {"ok": True, "port": self.port, "pid": os.getpid()})
            if cmd == ("POST", "/_sim/shutdown"):
                self.stopping.set()
                return answer(200, {"ok": True})
            return answer(404, {"message": "unknown control endpoint %s %s" % cmd})
        except ScenarioError as e:
            return answer(400, {"message": str(e)})


def _etag_matches(header, etag):
    if header.strip() == "*":
        return True
    for t in header.split(","):
        t = t.strip()
        if t.startswith("W/"):
            t = t[2:]
        if t == etag:
            return True
    return False


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "GitHub.com"
    sys_version = ""

    def version_string(self):
        return self.server_version
    timeout = 120  # idle keep-alive connections do not hold a thread for ever

    def _dispatch(self):
        self.server.sim.handle(self)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _dispatch

    def log_message(self, fmt, *args):
        if self.server.sim.verbose:
            sys.stderr.write("ghsim: %s - %s\n" % (self.address_string(), fmt % args))


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def handle_error(self, request, client_address):
        if self.sim.verbose:
            super().handle_error(request, client_address)


def load_scenario(path):
    with open(path, encoding="utf-8") as f:
        try:
            return Model(json.load(f))
        except ValueError as e:
            raise ScenarioError("%s: invalid JSON: %s" % (path, e))


def main(argv=None):
    ap = argparse.ArgumentParser(description="Stateful GitHub REST API simulator (test tool)")
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--public-base", default=None, help="base of the URLs in Link headers and objects")
    ap.add_argument("--max-seconds", type=float, default=600.0)
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args(argv)
    try:
        model = load_scenario(a.scenario)
    except (OSError, ScenarioError) as e:
        sys.stderr.write("ghsim: %s\n" % e)
        return 2

    server = Server(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    sim = Sim(model, (a.public_base or "http://127.0.0.1:%d" % port).rstrip("/"), a.verbose)
    sim.port = port
    server.sim = sim

    def on_signal(signum, frame):
        sim.stopping.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    t.start()
    tmp = "%s.tmp.%d" % (a.port_file, os.getpid())
    try:
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, a.port_file)
    except OSError as e:
        sys.stderr.write("ghsim: cannot write the port file: %s\n" % e)
        server.shutdown()
        server.server_close()
        return 2
    sys.stderr.write("ghsim: listening on 127.0.0.1:%d (public base %s, pid %d)\n" % (port, sim.public_base, os.getpid()))
    sys.stderr.flush()
    deadline = time.monotonic() + a.max_seconds
    while not sim.stopping.is_set():
        left = deadline - time.monotonic()
        if left <= 0:
            sys.stderr.write("ghsim: --max-seconds reached, stopping\n")
            break
        sim.stopping.wait(min(left, 1.0))
    sim.stopping.set()
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
