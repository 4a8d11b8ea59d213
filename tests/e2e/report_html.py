#!/usr/bin/env python3
"""Open promote report's HTML in headless Chromium and check what it renders against the
JSON report of the same window: the key figures' text, the charts' bars, and that the page
loads nothing (no URL to fetch, a Content-Security-Policy that allows none, and Chromium's
network log empty). Saves a screenshot next to the HTML.

usage: report_html.py REPORT.html REPORT.json SCREENSHOT.png
exit 0 pass, 1 a check failed, 77 Chromium is not installed.
"""
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile


# Chromium's own background services, asked whatever page is open
BROWSER_HOSTS = ("google.com", "googleapis.com", "gstatic.com", "googleusercontent.com")


def duration(s):
    if s is None or s < 0:
        return "-"
    if s >= 86400:
        return "%dd %dh" % (s // 86400, s % 86400 // 3600)
    if s >= 3600:
        return "%dh %dm" % (s // 3600, s % 3600 // 60)
    if s >= 60:
        return "%dm %ds" % (s // 60, s % 60)
    return "%ds" % s


class Dom(html.parser.HTMLParser):
    """Text by element id, <rect class=bar> per svg id, every attribute that loads a URL."""

    def __init__(self):
        super().__init__()
        self.text, self.bars, self.urls, self.csp = {}, {}, [], None
        self.stack, self.svg = [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in ("src", "href", "srcset", "data", "poster", "action"):
            if k in a:
                self.urls.append((tag, k, a[k]))
        if "style" in a and "url(" in a["style"]:
            self.urls.append((tag, "style", a["style"]))
        if tag == "meta" and a.get("http-equiv", "").lower() == "content-security-policy":
            self.csp = a.get("content")
        if tag == "svg":
            self.svg = a.get("id")
            self.bars[self.svg] = 0
        if tag == "rect" and self.svg and "bar" in a.get("class", "").split():
            self.bars[self.svg] += 1
        if tag not in ("meta", "br", "line", "rect", "link", "img"):
            self.stack.append(a.get("id"))

    def handle_endtag(self, tag):
        if tag == "svg":
            self.svg = None
        if tag not in ("meta", "br", "line", "rect", "link", "img") and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1]:
            self.text[self.stack[-1]] = self.text.get(self.stack[-1], "") + data


def main():
    page, report, shot = sys.argv[1:4]
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("chromium is not installed")
        return 77
    d = json.load(open(report))
    url = "file://" + os.path.abspath(page)
    with tempfile.TemporaryDirectory() as prof:
        netlog = os.path.join(prof, "net.json")
        # no name resolves: nothing could be fetched even if the page asked
        common = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--user-data-dir=" + prof, "--log-net-log=" + netlog,
                  "--host-resolver-rules=MAP * ~NOTFOUND", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-default-apps"]
        dom = subprocess.run(common + ["--dump-dom", url], capture_output=True, text=True,
                             timeout=120).stdout
        subprocess.run(common + ["--screenshot=" + os.path.abspath(shot),
                                 "--window-size=1200,2400", url],
                       capture_output=True, timeout=120)
        fetched = []
        if os.path.exists(netlog):
            # every URL the browser asked for, but its own update and account services
            text = open(netlog, errors="replace").read()
            for m in re.finditer(r'"url":"((?:https?|wss?|ftp)://[^"/]*)', text):
                host = m.group(1).split("://", 1)[1].split(":")[0]
                if not host.endswith(BROWSER_HOSTS):
                    fetched.append(m.group(1))
    p = Dom()
    p.feed(dom)
    k = d["dora"]
    want = {
        "deployments": str(k["deployment_frequency"]["deployments"]),
        "lead-median": duration(k["lead_time"]["median_seconds"]),
        "cfr": "-" if k["change_failure_rate"]["rate"] is None
        else "%.1f%%" % (k["change_failure_rate"]["rate"] * 100),
        "restore-median": duration(k["time_to_restore"]["median_seconds"]),
        "deployments-band": k["deployment_frequency"]["band"] or "no data",
        "cfr-band": k["change_failure_rate"]["band"] or "no data",
        "since": d["window"]["since"],
        "until": d["window"]["until"],
    }
    bad = []
    for key, value in want.items():
        got = p.text.get(key, "").strip()
        if got != value:
            bad.append("#%s shows %r, the JSON says %r" % (key, got, value))
    weeks = len(k["weeks"])
    for chart, n in (("chart-deployments", weeks), ("chart-failure-rate", weeks),
                     ("chart-restore", weeks), ("chart-lead", len(k["lead_time"]["distribution"]))):
        if p.bars.get(chart) != n:
            bad.append("%s has %s bars, want %d" % (chart, p.bars.get(chart), n))
    if p.urls:
        bad.append("the page names URLs to load: %r" % p.urls[:5])
    if not p.csp or "default-src 'none'" not in p.csp:
        bad.append("no Content-Security-Policy that loads nothing: %r" % p.csp)
    if fetched:
        bad.append("chromium fetched from the network: %r" % fetched)
    if not os.path.exists(shot) or os.path.getsize(shot) == 0:
        bad.append("no screenshot was saved")
    if len(dom) < 1000:
        bad.append("chromium rendered nothing: %r" % dom[:200])
    for b in bad:
        print("  " + b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
