#!/usr/bin/env python3
"""Seeded generator of large evidence files for the parser benchmarks.

usage: gen.py KIND MEGABYTES OUT [SEED]
KIND: lcov | cobertura | junit | sarif
Writes OUT and OUT.expected.json: the numbers promote must report for it
(the generator counts as it writes, by the gates' rules, independently of promote),
and the counts the benchmark's floors check besides (results_per_run: SARIF has three
runs; testsuites: JUnit's <testsuite> and <testsuites> elements).
"""
import json
import random
import sys

# bumped when a kind's output changes, so bench/run regenerates the files it keeps
GEN_VERSION = 2


class Out:
    def __init__(self, path):
        self.f = open(path, "w", buffering=1 << 20)
        self.n = 0

    def w(self, s):
        self.f.write(s)
        self.n += len(s)


def gen_lcov(o, target, rnd):
    covered = total = 0
    fileno = 0
    while o.n < target:
        fileno += 1
        name = "/src/pkg%d/module%d.c" % (fileno % 97, fileno)
        nlines = rnd.randint(200, 3000)
        hits = {}
        # two sections for the same file, as combined tracefiles have: merged by line
        for section in range(2):
            o.w("TN:\nSF:%s\n" % name)
            buf = []
            for ln in range(1, nlines + 1):
                if rnd.random() < 0.15:
                    continue  # not instrumented in this section
                c = 0 if rnd.random() < 0.3 else rnd.randint(1, 500)
                hits[ln] = hits.get(ln, False) or c > 0
                buf.append("DA:%d,%d\n" % (ln, c))
            o.w("".join(buf))
            o.w("LF:%d\nLH:%d\nend_of_record\n" % (nlines, nlines))  # wrong on purpose: ignored
        total += len(hits)
        covered += sum(1 for v in hits.values() if v)
    return {"kind": "coverage", "format": "lcov",
            "details": {"lines_covered": covered, "lines_total": total}}


def gen_cobertura(o, target, rnd):
    body = []
    covered = total = 0
    o.w('<?xml version="1.0" ?>\n')
    # the totals go in the root element, so write the body to a temp list per class
    # and keep the root for last: write a placeholder-free file by two passes of counting
    classes = []
    size = 0
    cls = 0
    while size < target:
        cls += 1
        lines = []
        for ln in range(1, rnd.randint(50, 800)):
            h = 0 if rnd.random() < 0.2 else rnd.randint(1, 99)
            lines.append('<line number="%d" hits="%d"/>' % (ln, h))
            total += 1
            covered += h > 0
        text = ('<class name="c%d" filename="src/c%d.py" line-rate="0"><methods/><lines>%s'
                '</lines></class>\n' % (cls, cls, "".join(lines)))
        classes.append(text)
        size += len(text)
        if len(classes) >= 2000:
            body.append("".join(classes))
            classes = []
    body.append("".join(classes))
    o.w('<coverage lines-valid="%d" lines-covered="%d" line-rate="%.4f" version="bench">\n'
        '<sources><source>/src</source></sources><packages><package name="p"><classes>\n'
        % (total, covered, covered / total))
    for b in body:
        o.w(b)
    o.w("</classes></package></packages></coverage>\n")
    return {"kind": "coverage", "format": "cobertura",
            "details": {"lines_covered": covered, "lines_total": total}}


def gen_junit(o, target, rnd):
    t = {"total": 0, "passed": 0, "failed": 0, "errors": 0, "skipped": 0}
    o.w('<?xml version="1.0" encoding="utf-8"?>\n<testsuites>\n')
    s = 0
    while o.n < target:
        s += 1
        o.w('<testsuite name="suite%d"><testsuite name="inner%d">\n' % (s, s))
        buf = []
        for i in range(500):
            r = rnd.random()
            name = 'test_%d_%d' % (s, i)
            t["total"] += 1
            if r < 0.02:
                buf.append('<testcase classname="m" name="%s" time="0.1"><failure message="boom">'
                           'assert 1 == 2</failure></testcase>\n' % name)
                t["failed"] += 1
            elif r < 0.03:
                buf.append('<testcase classname="m" name="%s"><error message="e">trace'
                           '</error></testcase>\n' % name)
                t["errors"] += 1
            elif r < 0.08:
                buf.append('<testcase classname="m" name="%s"><skipped/></testcase>\n' % name)
                t["skipped"] += 1
            else:
                buf.append('<testcase classname="m" name="%s" time="0.01"/>\n' % name)
                t["passed"] += 1
        o.w("".join(buf))
        o.w("</testsuite></testsuite>\n")
    o.w("</testsuites>\n")
    return {"kind": "tests", "format": "junit", "testsuites": 1 + 2 * s, "details": t}


LEVELS = ["error", "warning", "note", None]
SEV_OF_LEVEL = {"error": "high", "warning": "medium", "note": "low"}
SARIF_RUNS = 3


def bucket(x):
    return "critical" if x >= 9 else "high" if x >= 7 else "medium" if x >= 4 else "low"


def gen_sarif(o, target, rnd):
    counts = {"critical": 0, "high": 0, "medium": 0, "low": 0}
    active = suppressed = absent = 0
    rules = []
    for i in range(300):
        r = {"id": "R%04d" % i, "defaultConfiguration": {"level": rnd.choice(["error", "warning", "note"])}}
        if i % 3 == 0:
            r["properties"] = {"security-severity": "%.1f" % rnd.uniform(0, 10)}
        elif i % 3 == 1:
            r["properties"] = {"security-severity": "undefined"}
        rules.append(r)
    o.w('{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": [\n')
    per_run = []
    for run in range(SARIF_RUNS):
        o.w('%s{"tool": {"driver": {"name": "benchscan", "rules": %s}}, "results": [\n'
            % ("" if run == 0 else ",\n", json.dumps(rules)))
        n = 0
        first = True
        # the runs share the size: run k ends when the file reaches (k + 1) / RUNS of it
        while o.n < target * (run + 1) // SARIF_RUNS:
            buf = []
            for _ in range(1000):
                ix = rnd.randrange(len(rules))
                rule = rules[ix]
                res = {"ruleId": rule["id"], "ruleIndex": ix,
                       "message": {"text": "finding in generated code " + "x" * rnd.randint(240, 520)},
                       "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/f%d.c" % rnd.randint(1, 5000)},
                                                           "region": {"startLine": rnd.randint(1, 9000)}}}]}
                lvl = rnd.choice(LEVELS)
                if lvl:
                    res["level"] = lvl
                r = rnd.random()
                supp = False
                if r < 0.05:
                    res["suppressions"] = [{"kind": "external", "status": "accepted"}]
                    supp = True
                elif r < 0.07:
                    res["suppressions"] = [{"kind": "inSource", "status": "underReview"}]
                elif r < 0.09:
                    res["suppressions"] = []
                gone = False
                if rnd.random() < 0.03:
                    res["baselineState"] = "absent"
                    gone = True
                elif rnd.random() < 0.3:
                    res["baselineState"] = "unchanged"
                kind_fail = True
                if rnd.random() < 0.02:
                    res["kind"] = "pass"
                    kind_fail = False
                own = None
                if rnd.random() < 0.05:
                    own = round(rnd.uniform(0, 10), 1)
                    res["properties"] = {"security-severity": own}
                suppressed += supp
                absent += gone
                if kind_fail and not gone and not supp:
                    active += 1
                    sev = own
                    if sev is None:
                        s = rule.get("properties", {}).get("security-severity")
                        try:
                            sev = float(s) if s is not None else None
                        except ValueError:
                            sev = None
                    if sev is not None:
                        counts[bucket(sev)] += 1
                    else:
                        eff = lvl or rule["defaultConfiguration"]["level"]
                        if eff in SEV_OF_LEVEL:
                            counts[SEV_OF_LEVEL[eff]] += 1
                buf.append(("" if first else ",\n") + json.dumps(res))
                first = False
                n += 1
            o.w("".join(buf))
        o.w("\n]}")
        per_run.append(n)
    o.w("\n]}\n")
    return {"kind": "security", "format": "sarif", "results_per_run": per_run,
            "details": {"counts": counts, "active": active, "suppressed": suppressed, "absent": absent}}


def main():
    kind, mb, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 20261125
    rnd = random.Random(seed)
    o = Out(out)
    exp = {"lcov": gen_lcov, "cobertura": gen_cobertura, "junit": gen_junit,
           "sarif": gen_sarif}[kind](o, int(mb * 1024 * 1024), rnd)
    o.f.close()
    exp["bytes"] = o.n
    exp["gen_version"] = GEN_VERSION
    with open(out + ".expected.json", "w") as f:
        json.dump(exp, f)


if __name__ == "__main__":
    main()
