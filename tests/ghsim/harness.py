#!/usr/bin/env python3
"""Start, inspect and stop the GitHub simulator (and optionally Prism in front of it).

Shell:
    eval "$(python3 tests/ghsim/harness.py start --scenario F --dir D [--prism] [--max-seconds N])"
        # prints API_BASE=... SIM_BASE=... SIM_PORT=... [PRISM_PORT=... PRISM_START_SECONDS=...] GHSIM_DIR=...
    python3 tests/ghsim/harness.py requests   --dir D      # JSON list of the requests the simulator received
    python3 tests/ghsim/harness.py stats      --dir D      # {"requests": N, "max_in_flight": M, ...}
    python3 tests/ghsim/harness.py violations --dir D      # exit 1 and print them if Prism reported any
    python3 tests/ghsim/harness.py faults     --dir D FILE|-   # add fault rules (JSON list) at run time
    python3 tests/ghsim/harness.py scenario   --dir D FILE   # replace the scenario at run time
    python3 tests/ghsim/harness.py outcomes   --dir D ['JSON'|-|@FILE]   # replace deploy_outcomes
                                                       # (keeps deployments, dispatches, runs); none: print them
    python3 tests/ghsim/harness.py reset-log  --dir D
    python3 tests/ghsim/harness.py stop       --dir D      # idempotent; always safe in a trap
    python3 tests/ghsim/harness.py setup                   # npm ci here if node_modules is missing

Python:
    import harness
    with harness.Session("tests/ghsim/scenarios/basic.json", prism=True) as s:
        s.api_base; s.add_faults([...]); s.requests(); s.stats(); s.violations()

Files in D: sim.pid sim.port sim.log [prism.pid prism.port prism.log spec.json] info.json.
Both processes run in their own process groups, stop by themselves after --max-seconds
(default 600), and `stop` ends exactly the groups it started (checked by pid and command line).
Standard library only.
"""

import argparse
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import contract_proxy  # noqa: E402

SIM = os.path.join(HERE, "ghsim.py")

# What counts as a Prism-reported violation in prism.log:
#  - "[VALIDATOR] ... Violation: ..." (request or response, error or warning: a warning is what
#    shows up as an sl-violations header on a response Prism passed through)
#  - "Request terminated with error: https://stoplight.io/prism/errors#..." (Prism answered in place
#    of the simulator: 422 invalid request, 500 VIOLATIONS, 404 NO_PATH_MATCHED, ...)
# Not a contract matter: Prism could not reach the simulator because a test injected a
# transport fault on purpose (a reset connection, a stalled reply the client gave up on).
TRANSPORT_RX = re.compile(r"Request terminated with error: FetchError")
VIOLATION_RX = re.compile(r"\[VALIDATOR\].*Violation|Request terminated with error|sl-violations", re.I)


class HarnessError(Exception):
    pass


_PROCS = {}  # pid -> Popen of the processes this python process started (reaped by stop)


def _read(d, name):
    try:
        with open(os.path.join(d, name)) as f:
            return f.read().strip()
    except OSError:
        return None


def _write(d, name, text):
    tmp = os.path.join(d, ".%s.tmp" % name)
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, os.path.join(d, name))


def _cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def _stop_pidfile(d, name, marker):
    pid = _read(d, name)
    if not pid:
        return False
    try:
        pid = int(pid)
    except ValueError:
        os.unlink(os.path.join(d, name))
        return False
    cmd = _cmdline(pid)
    if cmd and marker in cmd:
        contract_proxy.kill_group(pid)
    proc = _PROCS.pop(pid, None)
    if proc is not None:
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.unlink(os.path.join(d, name))
    except OSError:
        pass
    return True


def _http(method, url, body=None, timeout=10):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read().decode() or "null")
    except urllib.error.HTTPError as e:
        raise HarnessError("%s %s: %d %s" % (method, url, e.code, e.read().decode("utf-8", "replace")))
    except (urllib.error.URLError, OSError) as e:
        raise HarnessError("%s %s: %s" % (method, url, e))


def _sim_url(d, path):
    port = _read(d, "sim.port")
    if not port:
        raise HarnessError("no simulator in %s (sim.port missing)" % d)
    return "http://127.0.0.1:%s%s" % (port, path)


def start(scenario, d, prism=False, max_seconds=600, spec=None, verbose=False, timeout=60):
    """Start the simulator (and Prism). Returns the info dict also written to D/info.json."""
    os.makedirs(d, exist_ok=True)
    for name in ("sim.pid", "prism.pid"):
        pid = _read(d, name)
        if pid and pid.isdigit() and _cmdline(int(pid)):
            raise HarnessError("%s already has a running %s (pid %s): stop it first" % (d, name[:-4], pid))
    for name in ("sim.port", "prism.port", "info.json", "sim.pid", "prism.pid"):
        try:
            os.unlink(os.path.join(d, name))
        except OSError:
            pass
    for name in ("sim.log", "prism.log"):
        open(os.path.join(d, name), "wb").close()
    scenario = os.path.abspath(scenario)
    if not os.path.exists(scenario):
        raise HarnessError("scenario not found: %s" % scenario)
    if prism:
        contract_proxy.ensure_installed()
    port_file = os.path.join(d, "sim.port")
    prism_port = contract_proxy.free_port() if prism else None
    cmd = [sys.executable, SIM, "--scenario", scenario, "--port-file", port_file,
           "--max-seconds", str(max_seconds)]
    if prism:
        cmd += ["--public-base", "http://127.0.0.1:%d" % prism_port]
    if verbose:
        cmd.append("--verbose")
    logf = open(os.path.join(d, "sim.log"), "ab")
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT,
                            start_new_session=True, close_fds=True)
    logf.close()
    _PROCS[proc.pid] = proc
    _write(d, "sim.pid", "%d\n" % proc.pid)
    try:
        deadline = time.monotonic() + 15
        while not os.path.exists(port_file):
            if proc.poll() is not None:
                raise HarnessError("simulator exited with %s: %s" % (proc.returncode, _read(d, "sim.log")))
            if time.monotonic() > deadline:
                raise HarnessError("simulator did not start within 15s")
            time.sleep(0.02)
        sim_port = int(_read(d, "sim.port"))
        info = {"dir": d, "sim_port": sim_port, "sim_base": "http://127.0.0.1:%d" % sim_port,
                "sim_pid": proc.pid, "scenario": scenario}
        if prism:
            pproc, pport, secs = contract_proxy.start_prism(sim_port, d, spec=spec, port=prism_port,
                                                            max_seconds=max_seconds, timeout=timeout)
            _PROCS[pproc.pid] = pproc
            base = "http://127.0.0.1:%d" % pport
            if pport != prism_port:  # the first port was taken: point the links at the new one
                _http("POST", "http://127.0.0.1:%d/_sim/config" % sim_port, {"public_base": base})
            info.update({"prism_port": pport, "prism_base": base, "prism_pid": pproc.pid,
                         "prism_start_seconds": round(secs, 2), "api_base": base})
        else:
            info["api_base"] = info["sim_base"]
        _write(d, "info.json", json.dumps(info, indent=1) + "\n")
        return info
    except BaseException:
        stop(d)
        raise


def stop(d):
    """Stop what start() started in D (idempotent)."""
    a = _stop_pidfile(d, "prism.pid", "prism-cli")
    b = _stop_pidfile(d, "sim.pid", "ghsim.py")
    return a or b


def requests(d):
    return _http("GET", _sim_url(d, "/_sim/requests"))


def stats(d):
    return _http("GET", _sim_url(d, "/_sim/stats"))


def reset_log(d):
    return _http("POST", _sim_url(d, "/_sim/reset-log"), {})


def add_faults(d, faults, replace=False):
    return _http("POST", _sim_url(d, "/_sim/faults"), {"faults": faults, "replace": replace})


def set_scenario(d, scenario):
    return _http("POST", _sim_url(d, "/_sim/scenario"), scenario)


def deployments(d):
    return _http("GET", _sim_url(d, "/_sim/deployments"))


def dispatches(d):
    return _http("GET", _sim_url(d, "/_sim/dispatches"))


def set_outcomes(d, outcomes):
    """Replace the scenario's deploy_outcomes with OUTCOMES ({workflow file name or environment:
    {"result": ..., "polls": N}}): deployments and dispatches created from now on get them;
    what was created before keeps its outcome and its progress."""
    return _http("POST", _sim_url(d, "/_sim/outcomes"), outcomes)


def outcomes(d):
    """The deploy_outcomes in force, complete (defaults filled in)."""
    return _http("GET", _sim_url(d, "/_sim/outcomes"))


def add_refs(d, refs):
    """REFS: {name: sha}, accepted as refs from now on (until the scenario is replaced)."""
    return _http("POST", _sim_url(d, "/_sim/refs"), refs)


MARKER = "__ghsim_log_marker__"


def _flush_prism_log(d, path, timeout=5.0):
    """Prism writes its log asynchronously: ask it for a marker path (not in the spec, so it
    logs a NO_PATH_MATCHED line and forwards nothing) and wait until that line is in the log,
    so that every earlier request's lines are there too. No-op when Prism is not running."""
    port = _read(d, "prism.port")
    pid = _read(d, "prism.pid")
    if not port or not pid or not pid.isdigit() or "prism-cli" not in _cmdline(int(pid)):
        return
    nonce = "%s/%d-%d" % (MARKER, os.getpid(), int(time.time() * 1e6))
    try:
        urllib.request.urlopen("http://127.0.0.1:%s/%s" % (port, nonce), timeout=timeout).read()
    except urllib.error.HTTPError as e:
        e.read()
    except (urllib.error.URLError, OSError):
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
        if any(nonce in ln and "terminated" in ln for ln in text.splitlines()):
            return
        time.sleep(0.02)


def violations(d):
    """Lines of D/prism.log where Prism reported a request or response violation, or answered
    in place of the simulator. None when Prism was not started in D."""
    path = os.path.join(d, "prism.log")
    if not os.path.exists(path) or _read(d, "prism.port") is None and os.path.getsize(path) == 0:
        return None
    _flush_prism_log(d, path)
    with open(path, "rb") as f:
        lines = f.read().decode("utf-8", "replace").splitlines()
    return [ln for ln in lines
            if VIOLATION_RX.search(ln) and MARKER not in ln and not TRANSPORT_RX.search(ln)]


class Session:
    """Context manager: start on enter, stop on exit. dir=None makes (and keeps) a temp dir."""

    def __init__(self, scenario, dir=None, prism=False, max_seconds=600, spec=None, verbose=False):
        self.dir = dir or tempfile.mkdtemp(prefix="ghsim.")
        self.scenario, self.prism, self.max_seconds, self.spec, self.verbose = scenario, prism, max_seconds, spec, verbose
        self.info = None

    def __enter__(self):
        self.info = start(self.scenario, self.dir, self.prism, self.max_seconds, self.spec, self.verbose)
        return self

    def __exit__(self, *exc):
        stop(self.dir)
        return False

    @property
    def api_base(self):
        return self.info["api_base"]

    @property
    def sim_base(self):
        return self.info["sim_base"]

    def requests(self):
        return requests(self.dir)

    def stats(self):
        return stats(self.dir)

    def reset_log(self):
        return reset_log(self.dir)

    def add_faults(self, faults, replace=False):
        return add_faults(self.dir, faults, replace)

    def set_scenario(self, scenario):
        return set_scenario(self.dir, scenario)

    def deployments(self):
        return deployments(self.dir)

    def dispatches(self):
        return dispatches(self.dir)

    def add_refs(self, refs):
        return add_refs(self.dir, refs)

    def set_outcomes(self, outcomes):
        return set_outcomes(self.dir, outcomes)

    def outcomes(self):
        return outcomes(self.dir)

    def violations(self):
        return violations(self.dir)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("start")
    s.add_argument("--scenario", required=True)
    s.add_argument("--dir", required=True)
    s.add_argument("--prism", action="store_true")
    s.add_argument("--max-seconds", type=int, default=600)
    s.add_argument("--spec", help="a trimmed spec to use (default: trim_spec.py into D/spec.json)")
    s.add_argument("--verbose", action="store_true")
    s.add_argument("--timeout", type=float, default=60, help="seconds to wait for prism to listen")
    for name in ("stop", "requests", "stats", "violations", "reset-log", "deployments", "dispatches"):
        sub.add_parser(name).add_argument("--dir", required=True)
    f = sub.add_parser("faults")
    f.add_argument("--dir", required=True)
    f.add_argument("--replace", action="store_true")
    f.add_argument("file", help="JSON list of fault rules, or - for stdin")
    rf = sub.add_parser("refs")
    rf.add_argument("--dir", required=True)
    rf.add_argument("refs", nargs="+", metavar="NAME=SHA")
    oc = sub.add_parser("outcomes")
    oc.add_argument("--dir", required=True)
    oc.add_argument("json", nargs="?", help="the deploy_outcomes object, - for stdin, @FILE for a file;"
                                            " absent: print the outcomes in force")
    sc = sub.add_parser("scenario")
    sc.add_argument("--dir", required=True)
    sc.add_argument("file")
    sub.add_parser("setup")
    a = ap.parse_args(argv)
    try:
        if a.cmd == "start":
            info = start(a.scenario, os.path.abspath(a.dir), a.prism, a.max_seconds, a.spec, a.verbose, a.timeout)
            out = [("API_BASE", info["api_base"]), ("SIM_BASE", info["sim_base"]), ("SIM_PORT", info["sim_port"])]
            if a.prism:
                out += [("PRISM_PORT", info["prism_port"]), ("PRISM_START_SECONDS", info["prism_start_seconds"])]
            out.append(("GHSIM_DIR", info["dir"]))
            for k, v in out:
                print("%s=%s" % (k, shlex.quote(str(v))))
            return 0
        if a.cmd == "stop":
            stop(a.dir)
            return 0
        if a.cmd == "requests":
            print(json.dumps(requests(a.dir), indent=1))
            return 0
        if a.cmd in ("deployments", "dispatches"):
            print(json.dumps(deployments(a.dir) if a.cmd == "deployments" else dispatches(a.dir), indent=1))
            return 0
        if a.cmd == "refs":
            pairs = [r.split("=", 1) for r in a.refs]
            if any(len(p) != 2 for p in pairs):
                raise ValueError("refs: NAME=SHA expected")
            print(json.dumps(add_refs(a.dir, dict(pairs))))
            return 0
        if a.cmd == "stats":
            print(json.dumps(stats(a.dir)))
            return 0
        if a.cmd == "reset-log":
            reset_log(a.dir)
            return 0
        if a.cmd == "faults":
            text = sys.stdin.read() if a.file == "-" else open(a.file).read()
            print(json.dumps(add_faults(a.dir, json.loads(text), a.replace)))
            return 0
        if a.cmd == "outcomes":
            if a.json is None:
                print(json.dumps(outcomes(a.dir), indent=1))
                return 0
            if a.json == "-":
                text = sys.stdin.read()
            elif a.json.startswith("@"):
                with open(a.json[1:]) as fh:
                    text = fh.read()
            else:
                text = a.json
            print(json.dumps(set_outcomes(a.dir, json.loads(text))))
            return 0
        if a.cmd == "scenario":
            with open(a.file) as fh:
                print(json.dumps(set_scenario(a.dir, json.load(fh))))
            return 0
        if a.cmd == "setup":
            contract_proxy.ensure_installed()
            return 0
        if a.cmd == "violations":
            v = violations(a.dir)
            if v is None:
                sys.stderr.write("harness: no prism log in %s (started without --prism?)\n" % a.dir)
                return 2
            for ln in v:
                print(ln)
            if v:
                sys.stderr.write("harness: %d prism violation line(s) in %s\n" % (len(v), os.path.join(a.dir, "prism.log")))
                return 1
            return 0
    except (HarnessError, contract_proxy.ProxyError, OSError, ValueError) as e:
        sys.stderr.write("harness: %s\n" % e)
        return 1
    return 2


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())
