#!/usr/bin/env python3
"""Write the GitHub side of the BBWS sample repository as a simulator scenario.

usage: scenario.py REPO_DIR OUT.json [VARIANT [HOTFIX]]
VARIANT: approved (default) | rejected
HOTFIX: a revision of REPO_DIR holding the 1.4.1 hotfix (a child of the 1.4.0 release
candidate), when the demo has made one: its pull request, reviews, checks and release.
The commit ids are read from REPO_DIR, so the pull requests, checks and reviews
are about the very commits promote evaluates.
"""
import json
import subprocess
import sys


def rev(repo, name):
    return subprocess.run(["git", "-C", repo, "rev-parse", name], check=True,
                          capture_output=True, text=True).stdout.strip()


def main():
    repo, out = sys.argv[1], sys.argv[2]
    variant = sys.argv[3] if len(sys.argv) > 3 else "approved"
    # the release merged into main: its second parent is the 1.4.0 release candidate
    # (the release branch may have moved on since)
    merge = subprocess.run(["git", "-C", repo, "rev-list", "--merges", "-n1", "main"], check=True,
                           capture_output=True, text=True).stdout.strip()
    release = rev(repo, merge + "^2")
    first = rev(repo, release + "~1")
    hotfix = rev(repo, sys.argv[4]) if len(sys.argv) > 4 else None
    green = "success" if variant == "approved" else "failure"
    checks = [{"name": n, "status": "completed", "conclusion": "success",
               "started_at": "2026-11-03T10:00:00Z", "completed_at": "2026-11-03T10:05:00Z"}
              for n in ("integration-tests", "manual-testing", "regression", "uat")]
    if variant != "approved":
        checks[2]["conclusion"] = green
        checks.append({"name": "uat", "status": "in_progress",
                       "started_at": "2026-11-03T11:00:00Z"})
    feature_reviews = [
        {"id": 7001, "user": "sipho", "state": "APPROVED", "commit_id": release,
         "submitted_at": "2026-11-03T08:00:00Z"},
        {"id": 7002, "user": "lerato", "state": "COMMENTED", "commit_id": release,
         "submitted_at": "2026-11-03T08:10:00Z"},
        {"id": 7003, "user": "lerato", "state": "APPROVED", "commit_id": release,
         "submitted_at": "2026-11-03T08:20:00Z"},
        {"id": 7004, "user": "naledi", "state": "APPROVED", "commit_id": release,
         "submitted_at": "2026-11-03T08:30:00Z"},
        {"id": 7005, "user": "thandi", "state": "APPROVED", "commit_id": release,
         "submitted_at": "2026-11-03T08:40:00Z"},
    ]
    if variant != "approved":
        feature_reviews.append({"id": 7006, "user": "lerato", "state": "CHANGES_REQUESTED",
                                "commit_id": release, "submitted_at": "2026-11-03T09:00:00Z"})
    release_reviews = [
        {"id": 9001, "user": "pieter", "state": "APPROVED", "commit_id": release,
         "submitted_at": "2026-11-04T08:00:00Z"},
    ]
    if variant == "approved":
        release_reviews.append({"id": 9002, "user": "ayanda", "state": "APPROVED",
                                "commit_id": release, "submitted_at": "2026-11-04T08:30:00Z"})
    scenario = {
        "repository": {"owner": "bbws", "name": "order-service", "id": 5550001,
                       "default_branch": "main", "private": True},
        "token_owner": "release-bot",
        "users": {"release-bot": 7100001, "thandi": 7100002, "sipho": 7100003,
                  "lerato": 7100004, "naledi": 7100005, "pieter": 7100006, "ayanda": 7100007},
        "runs": {"8001": {"actor": "naledi", "triggering_actor": "naledi", "head_sha": release,
                          "head_branch": "release", "status": "in_progress",
                          "event": "workflow_dispatch", "name": "promote"}},
        "commits": {
            release: {"pulls": [7], "check_runs": checks, "statuses": [], "author": "thandi",
                      "message": "Add order lookup handler", "parents": [first]},
            first: {"pulls": [6], "check_runs": [], "statuses": [], "author": "thandi",
                    "message": "Add order creation handler"},
        },
        "pulls": [
            {"number": 6, "user": "thandi", "merged_at": "2026-11-02T12:00:00Z",
             "head_sha": first, "merge_commit_sha": first, "base_ref": "develop",
             "title": "Add order creation handler", "reviews": []},
            {"number": 7, "user": "thandi", "merged_at": "2026-11-03T09:30:00Z",
             "head_sha": release, "merge_commit_sha": release, "base_ref": "develop",
             "title": "Add order lookup handler", "reviews": feature_reviews},
            {"number": 9, "user": "naledi", "merged_at": "2026-11-05T09:00:00Z",
             "head_sha": release, "merge_commit_sha": merge, "base_ref": "main",
             "head_ref": "release", "title": "Release 1.4.0", "reviews": release_reviews},
        ],
        "teams": {
            "bbws/tech-leads": {"naledi": "active"},
            "bbws/product-owners": {"pieter": "active"},
            "bbws/ops-leads": {"ayanda": "active", "sipho": "pending"},
        },
        "releases": [
            {"tag_name": "v1.4.0", "name": "1.4.0", "draft": True, "prerelease": False,
             "body": "Order creation and lookup handlers." if variant == "approved" else "",
             "target_commitish": "release"},
        ],
        "workflows": ["deploy-sit.yml", "deploy-prod.yml"],
        # the tags promote will push (the simulator cannot see the git remote)
        "tags": {t: release for t in ("sit-2026.11.04.1", "sit-2026.11.04.2",
                                       "prod-2026.11.05.1", "prod-2026.11.05.2")},
        # the ruleset that protects the audit log's branch (docs/audit.md)
        "branch_rules": {"promote/audit": ["non_fast_forward", "deletion"]},
        "faults": [],
    }
    if hotfix:
        add_hotfix(scenario, hotfix, release)
    with open(out, "w") as f:
        json.dump(scenario, f, indent=1)


def add_hotfix(scenario, hotfix, release):
    """1.4.1: one fix by lerato, reviewed by two developers and the tech lead."""
    checks = [{"name": n, "status": "completed", "conclusion": "success",
               "started_at": "2026-11-09T06:00:00Z", "completed_at": "2026-11-09T06:05:00Z"}
              for n in ("integration-tests", "manual-testing")]
    scenario["commits"][hotfix] = {
        "pulls": [8], "check_runs": checks, "statuses": [], "author": "lerato",
        "message": "Fix rounding of order totals", "parents": [release]}
    scenario["pulls"].append({
        "number": 8, "user": "lerato", "merged_at": "2026-11-09T07:00:00Z", "head_sha": hotfix,
        "merge_commit_sha": hotfix, "base_ref": "develop", "title": "Fix rounding of order totals",
        "reviews": [{"id": 8001 + i, "user": u, "state": "APPROVED", "commit_id": hotfix,
                     "submitted_at": "2026-11-09T06:%02d:00Z" % (10 * (i + 1))}
                    for i, u in enumerate(("sipho", "thandi", "naledi"))]})
    scenario["releases"].insert(0, {
        "tag_name": "v1.4.1", "name": "1.4.1", "draft": True, "prerelease": False,
        "body": "Fix rounding of order totals.", "target_commitish": "release"})
    # the promotion workflow's run on the push to develop (promote-dev-sit.yml)
    scenario["runs"]["8004"] = {"actor": "release-bot", "triggering_actor": "release-bot",
                                "head_sha": hotfix, "head_branch": "develop",
                                "status": "in_progress", "event": "push",
                                "name": "promote dev to sit"}
    # the sit tags of the hotfix's promotion and of its rollback to 1.4.0
    scenario["tags"].update({"sit-2026.11.09.1": hotfix, "sit-2026.11.09.2": release})


if __name__ == "__main__":
    main()
