#!/usr/bin/env python3
"""Start Prism as a contract-checking proxy in front of the simulator.

    python3 contract_proxy.py --upstream-port SIMPORT --dir D [--spec FILE] [--port N]
                              [--max-seconds N] [--timeout S]

Runs `prism proxy --errors SPEC http://127.0.0.1:SIMPORT` on 127.0.0.1 and a free port,
in its own process group, under coreutils `timeout` (it stops by itself after
--max-seconds, default 600), with its stdout and stderr in D/prism.log. Waits until it
listens (at most --timeout seconds, default 60), writes D/prism.pid and D/prism.port, and
prints PRISM_BASE=http://127.0.0.1:PORT. Without --spec it writes the trimmed spec to
D/spec.json first (trim_spec.py). Exit 0 when ready; non-zero (after stopping what it
started) otherwise.

The simulator's --public-base must be the printed URL, so that the next-page links go
through Prism: harness.py does all of this in one step (start --prism).
Standard library only; needs node and `npm ci` in this folder.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PRISM_JS = os.path.join(HERE, "node_modules", "@stoplight", "prism-cli", "dist", "index.js")
SPEC_SOURCE = os.path.join(HERE, "node_modules", "@octokit", "openapi", "generated", "api.github.com.json")
LISTENING = re.compile(r"Prism is listening on (http://\S+)")


class ProxyError(Exception):
    pass


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def port_open(port, timeout=0.2):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def ensure_installed(timeout=600):
    """npm ci in this folder when prism or the OpenAPI package is missing (under a lock)."""
    if os.path.exists(PRISM_JS) and os.path.exists(SPEC_SOURCE):
        return
    npm = shutil.which("npm")
    if not npm:
        raise ProxyError("node_modules missing and npm not found: install node/npm, then `npm ci` in %s" % HERE)
    import fcntl
    lock_path = os.path.join(HERE, ".npm-ci.lock")
    with open(lock_path, "w") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        if os.path.exists(PRISM_JS) and os.path.exists(SPEC_SOURCE):
            return
        sys.stderr.write("contract_proxy: node_modules missing: running `npm ci` in %s\n" % HERE)
        try:
            r = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, stdin=subprocess.DEVNULL,
                               stdout=sys.stderr, stderr=sys.stderr, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ProxyError("npm ci timed out after %ds" % timeout)
        if r.returncode != 0 or not os.path.exists(PRISM_JS):
            raise ProxyError("npm ci failed (exit %s)" % r.returncode)


def write_spec(path):
    sys.path.insert(0, HERE)
    import trim_spec  # noqa: E402
    if not os.path.exists(SPEC_SOURCE):
        raise ProxyError("%s missing: run `npm ci` in %s" % (SPEC_SOURCE, HERE))
    return trim_spec.write(path, SPEC_SOURCE)


def pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def group_alive(pgid):
    """True while a process of group PGID is alive (zombies waiting to be reaped do not count)."""
    try:
        names = os.listdir("/proc")
    except OSError:
        names = None
    if names is None:  # no /proc: ask the kernel (zombies then count as alive)
        try:
            os.killpg(pgid, 0)
            return True
        except ProcessLookupError:
            return False
    for n in names:
        if not n.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % n, "rb") as f:
                st = f.read().decode("utf-8", "replace")
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses
        rest = st[st.rfind(")") + 2:].split()
        if len(rest) >= 3 and rest[2] == str(pgid) and rest[0] not in ("Z", "X"):
            return True
    return False


def kill_group(pid, grace=5.0):
    """SIGTERM the process group PID leads (we started it with a new session), then SIGKILL."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.waitpid(pid, os.WNOHANG)  # reap it when it is our child
        except ChildProcessError:
            pass
        if not group_alive(pid):
            return
        time.sleep(0.05)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def start_prism(upstream_port, d, spec=None, port=None, max_seconds=600, timeout=60, tries=3):
    """Start Prism; returns (proc, port, seconds_to_ready). Writes D/prism.{pid,port,log}."""
    ensure_installed()
    node = shutil.which("node")
    if not node:
        raise ProxyError("node not found")
    if spec is None:
        spec = write_spec(os.path.join(d, "spec.json"))
    log_path = os.path.join(d, "prism.log")
    env = dict(os.environ, NO_COLOR="1", FORCE_COLOR="0")
    timeout_bin = shutil.which("timeout")
    last_err = None
    for attempt in range(tries):
        p = port if (port and attempt == 0) else free_port()
        cmd = [node, PRISM_JS, "proxy", "--errors", "-h", "127.0.0.1", "-p", str(p), spec,
               "http://127.0.0.1:%d" % upstream_port]
        if timeout_bin:
            cmd = [timeout_bin, "-k", "5", str(int(max_seconds))] + cmd
        logf = open(log_path, "ab")
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=HERE, stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True, close_fds=True)
        logf.close()
        with open(os.path.join(d, "prism.pid"), "w") as f:
            f.write("%d\n" % proc.pid)
        deadline = t0 + timeout
        ready = False
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            if _log_says_listening(log_path, p) and port_open(p):
                ready = True
                break
            time.sleep(0.05)
        if ready:
            with open(os.path.join(d, "prism.port"), "w") as f:
                f.write("%d\n" % p)
            return proc, p, time.monotonic() - t0
        if proc.poll() is None:
            last_err = "prism did not listen within %ds" % timeout
            _end(proc)
            break  # a slow start is not a port clash: do not retry
        last_err = "prism exited with %s (see %s)" % (proc.returncode, log_path)
        _end(proc)
    try:
        os.unlink(os.path.join(d, "prism.pid"))
    except OSError:
        pass
    raise ProxyError(last_err or "prism did not start")


def _end(proc):
    kill_group(proc.pid)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def _log_says_listening(path, port):
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return False
    return any(m.group(1).rstrip("/").endswith(":%d" % port) for m in LISTENING.finditer(text))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--upstream-port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--spec")
    ap.add_argument("--port", type=int)
    ap.add_argument("--max-seconds", type=int, default=600)
    ap.add_argument("--timeout", type=float, default=60)
    a = ap.parse_args(argv)
    os.makedirs(a.dir, exist_ok=True)
    try:
        proc, port, secs = start_prism(a.upstream_port, a.dir, a.spec, a.port, a.max_seconds, a.timeout)
    except ProxyError as e:
        sys.stderr.write("contract_proxy: %s\n" % e)
        return 1
    sys.stderr.write("contract_proxy: prism ready in %.2fs (pid %d)\n" % (secs, proc.pid))
    print("PRISM_BASE=http://127.0.0.1:%d" % port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
