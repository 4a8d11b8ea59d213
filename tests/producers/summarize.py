#!/usr/bin/env python3
"""Print the numbers MANIFEST.md and tests/fixtures/loadtest/README.md give for report files.

usage: summarize.py FILE...

python3 stdlib only, independent of promote's parsers. For each file: its size and sha256,
then, by content:
  JUnit XML  root and top-level <testsuite> attributes, <testcase> counts (with <failure>,
             <error>, <skipped>, both <skipped> and <failure>, by status attribute and the
             <skipped> messages of each status), node's trailing <!-- name N --> comments
  SARIF      runs; per run the driver's name and version, whether `results` is absent,
             null or a list and its length, the results' levels, and each invocation's
             executionSuccessful and notifications (level, descriptor id, message text)
  autocannon requests.total/average/sent, errors, timeouts, non2xx, latency figures
A file that is not XML or JSON is reported as such.
"""
import hashlib
import json
import re
import sys
import xml.etree.ElementTree as ET


def junit(data):
    out = []
    root = ET.fromstring(data)
    out.append("root <%s> %s" % (root.tag, dict(root.attrib)))
    if root.tag == "testsuites":
        for ts in root.findall("testsuite"):
            out.append("  top-level <testsuite> %s" % dict(ts.attrib))
        top_cases = root.findall("testcase")
        if top_cases:
            out.append("  <testcase> directly under <testsuites>: %d" % len(top_cases))
    cases = list(root.iter("testcase"))
    has = lambda c, t: c.find(t) is not None
    out.append("testcases %d: with <failure> %d, with <error> %d, with <skipped> %d, "
               "with <skipped> and <failure> %d, with none of them %d" % (
                   len(cases),
                   sum(has(c, "failure") for c in cases),
                   sum(has(c, "error") for c in cases),
                   sum(has(c, "skipped") for c in cases),
                   sum(has(c, "skipped") and has(c, "failure") for c in cases),
                   sum(not (has(c, "failure") or has(c, "error") or has(c, "skipped"))
                       for c in cases)))
    statuses = {}
    for c in cases:
        statuses.setdefault(c.get("status"), []).append(c)
    for st, cs in statuses.items():
        if st is None:
            continue
        msgs = [(c.get("name"), c.find("skipped").get("message") if has(c, "skipped") else None)
                for c in cs]
        if st == "run":
            out.append('status="run": %d' % len(cs))
        else:
            out.append('status="%s": %d %s' % (st, len(cs), msgs))
    for c in cases:
        kids = [k.tag for k in c]
        attrs = {k: v for k, v in c.attrib.items() if k not in ("time", "classname")}
        sk = c.find("skipped")
        extra = (" skipped%s" % dict(sk.attrib)) if sk is not None else ""
        out.append("  case %s children=%s%s" % (attrs, kids, extra))
    comments = re.findall(rb"<!-- (\w+) ([0-9.]+) -->", data)
    if comments:
        out.append("comments: " + ", ".join("%s %s" % (k.decode(), v.decode()) for k, v in comments))
    return out


def sarif(doc):
    out = ["runs %d" % len(doc.get("runs") or [])]
    for i, run in enumerate(doc.get("runs") or []):
        drv = (run.get("tool") or {}).get("driver", "(absent)")
        if isinstance(drv, dict):
            name = "driver name=%r version=%r rules=%s" % (
                drv.get("name"), drv.get("version"),
                len(drv["rules"]) if isinstance(drv.get("rules"), list) else drv.get("rules", "(absent)"))
        else:
            name = "driver=%s" % json.dumps(drv)
        if "results" not in run:
            res = "results absent"
        elif run["results"] is None:
            res = "results null"
        else:
            levels = {}
            for r in run["results"]:
                lv = r.get("level", "(no level)")
                levels[lv] = levels.get(lv, 0) + 1
            res = "results list, length %d, levels %s, ruleIds %s" % (
                len(run["results"]), levels,
                sorted({r.get("ruleId") for r in run["results"]}, key=str)
                if len(run["results"]) <= 5 else "(%d distinct)" % len({r.get("ruleId") for r in run["results"]}))
        out.append("run %d: %s; %s" % (i, name, res))
        if "invocations" not in run:
            out.append("  invocations absent")
        for j, inv in enumerate(run.get("invocations") or []):
            out.append("  invocation %d: executionSuccessful=%s exitCode=%s" % (
                j, json.dumps(inv.get("executionSuccessful", "(absent)")),
                inv.get("exitCode", "(absent)")))
            for key in ("toolExecutionNotifications", "toolConfigurationNotifications"):
                for n in inv.get(key) or []:
                    out.append("    %s: level=%s id=%s text=%r" % (
                        key, n.get("level", "(absent)"), (n.get("descriptor") or {}).get("id"),
                        (n.get("message") or {}).get("text")))
    return out


def autocannon(doc):
    lat, req = doc["latency"], doc["requests"]
    return ["requests.total %s, requests.average %s, requests.sent %s, errors %s, timeouts %s, "
            "non2xx %s, 2xx %s, resets %s" % (req["total"], req["average"], req["sent"],
                                              doc["errors"], doc["timeouts"], doc["non2xx"],
                                              doc["2xx"], doc["resets"]),
            "latency: totalCount %s, average %s, min %s, p50 %s, p90 %s, p97_5 %s, p99 %s, "
            "p99_9 %s, max %s" % tuple(lat[k] for k in (
                "totalCount", "average", "min", "p50", "p90", "p97_5", "p99", "p99_9", "max"))]


def main():
    for path in sys.argv[1:]:
        data = open(path, "rb").read()
        print("== %s: %d bytes, sha256 %s" % (path, len(data), hashlib.sha256(data).hexdigest()))
        lines = None
        if data.lstrip().startswith(b"<"):
            lines = junit(data)
        else:
            try:
                doc = json.loads(data)
            except ValueError as e:
                lines = ["not JSON (%s); content %r" % (e, data[:80])]
            else:
                lines = sarif(doc) if "runs" in doc else autocannon(doc)
        for line in lines:
            print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
