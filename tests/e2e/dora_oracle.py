#!/usr/bin/env python3
"""The rules of docs/report.md ("The rules"), written again from the text, apart from
core/insight/dora.c: the four keys of one environment over a window, from the entries of
`promote audit export` (stdin) and the commit times git gives.

usage: dora_oracle.py ENV SINCE UNTIL REPORT [NEED...] < export
SINCE, UNTIL: RFC 3339 UTC. REPORT: the output of `promote report --format json` for the
same environment and window. Exits 0 when its numbers are the rules', else prints each
that differs and exits 1; also 1 when the window holds none of what NEED names
(deployments, failures, restores, holds), so that the comparison is not empty."""
import base64
import calendar
import json
import math
import subprocess
import sys
import time

EXT = "urn:promote:decision:v1"
VSA = "https://slsa.dev/verification_summary/v1"


def epoch(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


def entries(lines):
    """Each envelope's statement as (kind, env, commit, result, verdict, from, epoch)."""
    for line in lines:
        st = json.loads(base64.b64decode(json.loads(line)["payload"]))
        pred = st["predicate"]
        ext = pred[EXT] if st["predicateType"] == VSA else pred
        kind = ext["kind"]
        yield dict(kind=kind, env=ext["to"] if kind == "decision" else ext.get("env"),
                   frm=ext.get("from"), commit=st["subject"][0]["digest"]["gitCommit"],
                   result=ext.get("result"), verdict=ext.get("verdict"),
                   t=epoch(pred.get("timeVerified") or pred["time"]))


def median(v):
    v = sorted(v)
    if not v:
        return None
    m = len(v) // 2
    return v[m] if len(v) % 2 else (v[m - 1] + v[m]) // 2


def p90(v):
    v = sorted(v)
    return v[math.ceil(0.9 * len(v)) - 1] if v else None


def commit_times(base, commit):
    """Committer times of the commits reachable from COMMIT and not from BASE (only COMMIT
    for the first change)."""
    args = ["git", "log", "--format=%ct"] + ([commit, "^" + base] if base else ["-1", commit])
    out = subprocess.run(args, check=True, stdout=subprocess.PIPE).stdout.decode()
    return [int(x) for x in out.split()]


def rules(env, since, until, log):
    """The numbers the rules give for ENV over [SINCE, UNTIL)."""
    changes = []        # [t, commit, base, failed]
    episodes = []       # [start, end or None]
    current = last_change = rollback_target = None
    for x in log:
        if x["env"] != env:
            continue
        if x["t"] >= until:  # judged as of --until: nothing after it is read
            break
        failure = restored = False
        if x["kind"] == "deployment" and x["result"] == "success":
            restored = True
            if x["commit"] == current:
                pass  # the same commit reported again: no change
            elif x["commit"] == rollback_target:
                current, rollback_target = x["commit"], None  # a restore, not a change
            else:
                changes.append([x["t"], x["commit"], last_change, False])
                last_change = current = x["commit"]
                rollback_target = None
        elif x["kind"] == "deployment" and x["result"] == "failure":
            failure = True
        elif x["kind"] == "rollback":
            failure, rollback_target = True, x["commit"]
        elif x["kind"] == "hold":
            failure = True
        elif x["kind"] == "unhold":
            restored = True
        if failure and changes:  # a failure before any change is nobody's
            changes[-1][3] = True
            if not episodes or episodes[-1][1] is not None:
                episodes.append([x["t"], None])
        elif restored and episodes and episodes[-1][1] is None:
            episodes[-1][1] = x["t"]
    days = (until - since) / 86400
    n_weeks = (until - since + 7 * 86400 - 1) // (7 * 86400)
    weeks = [0] * n_weeks
    inside = [c for c in changes if since <= c[0] < until]
    lead = []
    for t, commit, base, _ in inside:
        weeks[(t - since) // (7 * 86400)] += 1
        lead += [max(0, t - ct) for ct in commit_times(base, commit)]
    restores = [e - s for s, e in episodes if e is not None and since <= e < until]
    failed = sum(1 for c in inside if c[3])
    # holds: a hold or a rollback opens one (while none is open), an unhold ends it; those
    # in force during the window
    holds, opened = [], None
    for x in log + [None]:
        end = x is None or x["t"] >= until
        if not end and x["env"] != env:
            continue
        if not end and x["kind"] in ("hold", "rollback"):
            opened = opened or x
            continue
        if opened and (end or x["kind"] == "unhold"):
            stop = until if end else x["t"]
            if stop >= since:
                holds.append(dict(kind=opened["kind"], start=opened["t"],
                                  end=None if end else x["t"], duration=stop - opened["t"]))
            opened = None
        if end:
            break
    promotions = {}
    for x in log:
        if x["kind"] == "decision" and since <= x["t"] < until:
            p = promotions.setdefault("%s->%s" % (x["frm"], x["env"]),
                                      dict(decisions=0, approved=0, rejected=0))
            p["decisions"] += 1
            if x["verdict"] in ("approved", "rejected"):
                p[x["verdict"]] += 1
    return dict(deployments=len(inside), per_day=len(inside) / days, weeks=weeks,
                   lead_commits=len(lead), lead_median=median(lead), lead_p90=p90(lead),
                   failed=failed, rate=failed / len(inside) if inside else None,
                   restores=len(restores), restore_median=median(restores),
                   restore_p90=p90(restores),
                open=sum(1 for _, e in episodes if e is None), promotions=promotions,
                holds=holds)


def reported(path):
    """The same numbers from the report."""
    r = json.load(open(path))
    d = r["dora"]
    return dict(
        deployments=d["deployment_frequency"]["deployments"],
        per_day=d["deployment_frequency"]["per_day"],
        weeks=[w["deployments"] for w in d["weeks"]],
        lead_commits=d["lead_time"]["commits"], lead_median=d["lead_time"]["median_seconds"],
        lead_p90=d["lead_time"]["p90_seconds"], failed=d["change_failure_rate"]["failed"],
        rate=d["change_failure_rate"]["rate"], restores=d["time_to_restore"]["restores"],
        restore_median=d["time_to_restore"]["median_seconds"],
        restore_p90=d["time_to_restore"]["p90_seconds"], open=d["time_to_restore"]["open"],
        promotions={"%s->%s" % (p["from"], p["to"]): dict(
            decisions=p["decisions"], approved=p["approved"], rejected=p["rejected"])
            for p in r["flow"]["promotions"]},
        holds=[dict(kind=h["kind"], start=epoch(h["start"]),
                    end=epoch(h["end"]) if h["end"] else None, duration=h["duration_seconds"])
               for h in r["holds"]],
        undated=d["lead_time"]["deployments_undated"])


def main():
    env, since, until, report = sys.argv[1], epoch(sys.argv[2]), epoch(sys.argv[3]), sys.argv[4]
    want = rules(env, since, until, list(entries(sys.stdin)))
    got = reported(report)
    bad = []
    for k, v in sorted(want.items()):
        g = got[k]
        if g != v and not (isinstance(v, float) and g is not None and abs(g - v) < 1e-9):
            bad.append("%s: the report says %r, the rules say %r" % (k, g, v))
    if got["undated"]:
        bad.append("%d changes undated: a commit git does not have" % got["undated"])
    present = dict(deployments=want["deployments"], failures=want["failed"],
                   restores=want["restores"], holds=len(want["holds"]))
    for need in sys.argv[5:]:
        if not present[need]:
            bad.append("nothing to compare: the window holds no %s" % need)
    for line in bad:
        print("  " + line)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
