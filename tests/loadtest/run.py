#!/usr/bin/env python3
"""Produce a real autocannon report against a server on the loopback interface.

usage: run.py healthy|faulty|timeouts|closed-port OUT.json [SECONDS]

Starts a python3-stdlib HTTP/1.1 server on 127.0.0.1 (an ephemeral port), runs
`npx --no-install autocannon --json -d SECONDS -c 4 http://127.0.0.1:PORT/` from this
directory (autocannon pinned in package.json, installed by `npm ci`), writes its JSON
report to OUT.json and stops the server. Nothing leaves the machine; the run is bounded
by autocannon's duration and a hard timeout.

  healthy      every request answers 200 at once
  faulty       every request waits 25 ms; every 5th answers 500
  timeouts     every 50th request is never answered (the server holds it until it
               stops); autocannon runs with `--timeout 1`, so those requests time out
  closed-port  no server: autocannon is pointed at a port on 127.0.0.1 that was just
               bound and closed again, so nothing listens there and every connection
               is refused
"""
import http.server
import json
import os
import socket
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
MODES = ("healthy", "faulty", "timeouts", "closed-port")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: autocannon reuses its connections
    disable_nagle_algorithm = True  # headers and body leave at once, no delayed-ACK stall
    faulty = False
    stall = False
    stopping = threading.Event()
    lock = threading.Lock()
    count = 0

    def do_GET(self):
        status = 200
        if self.stall:
            with Handler.lock:
                Handler.count += 1
                n = Handler.count
            if n % 50 == 0:
                Handler.stopping.wait(30)  # no answer; the connection closes when the server stops
                self.close_connection = True
                return
        if self.faulty:
            with Handler.lock:
                Handler.count += 1
                n = Handler.count
            threading.Event().wait(0.025)
            if n % 5 == 0:
                status = 500
        body = b"ok\n" if status == 200 else b"internal error\n"
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # autocannon hangs up when its time is over

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def main():
    if len(sys.argv) not in (3, 4) or sys.argv[1] not in MODES:
        sys.stderr.write(__doc__)
        return 2
    out, seconds = sys.argv[2], int(sys.argv[3]) if len(sys.argv) == 4 else 2
    if not 1 <= seconds <= 10:
        sys.stderr.write("run.py: SECONDS must be 1..10\n")
        return 2
    mode = sys.argv[1]
    Handler.faulty = mode == "faulty"
    Handler.stall = mode == "timeouts"
    server = None
    if mode == "closed-port":
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()  # bound, never listened on, closed: connections to it are refused
    else:
        server = Server(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        port = server.server_address[1]
    url = "http://127.0.0.1:%d/" % port
    cmd = ["npx", "--no-install", "autocannon", "--json", "-d", str(seconds), "-c", "4"]
    if mode == "timeouts":
        cmd += ["--timeout", "1"]
    try:
        proc = subprocess.run(cmd + [url], cwd=HERE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=seconds + 60)
    except subprocess.TimeoutExpired:
        sys.stderr.write("run.py: autocannon did not finish in time\n")
        return 1
    finally:
        if server is not None:
            Handler.stopping.set()
            server.shutdown()
            server.server_close()
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr.decode(errors="replace"))
        sys.stderr.write("run.py: autocannon exited %d\n" % proc.returncode)
        return 1
    report = json.loads(proc.stdout)  # must be one JSON document
    if not isinstance(report.get("latency"), dict) or not isinstance(report.get("requests"), dict):
        sys.stderr.write("run.py: autocannon printed no report\n")
        return 1
    with open(out, "wb") as f:
        f.write(proc.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
