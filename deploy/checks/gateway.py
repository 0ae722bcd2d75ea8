#!/usr/bin/env python3
"""Checks the gateway (deploy/gateway/guichet.conf.template): security headers on proxied answers and on the
gateway's own errors, HSTS only for requests that came over TLS, /metrics of no service reachable (path tricks
included), body limits per route (small by default, large on the records import and intervention plans, smaller
on the processor's webhooks).

  gateway.py                      renders the template for Debian's nginx against stub upstreams (Python, on
                                  loopback ports), starts nginx on a free port, checks, stops everything (CI:
                                  no Swift build needed)
  gateway.py --url http://H:P     checks a running gateway in front of the real services (e.g. deploy/run.sh's
                                  http://127.0.0.1:8080, or the end-to-end run's)

Exit status 0 when every check passes, 1 otherwise (each failure printed). Needs only Python 3's standard library
(and nginx for the stub mode)."""
import argparse
import http.server
import json
import os
import pathlib
import posixpath
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid

ROOT = pathlib.Path(__file__).resolve().parents[2]
SERVICES = ("identity", "catalogue", "enrolment", "payment")
PORTAL_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'"
MiB = 1024 * 1024
EXPECTED_HEADERS = {
    "x-content-type-options": lambda v: v.lower() == "nosniff",
    "referrer-policy": lambda v: v.lower() in ("strict-origin-when-cross-origin", "no-referrer"),
    "x-frame-options": lambda v: v.upper() == "DENY",
    "content-security-policy": lambda v: "frame-ancestors 'none'" in v,
}
METRICS_MARKERS = ("# HELP", "# TYPE", "METRICS-REACHED")


class Gateway:
    def __init__(self, url):
        parts = urllib.parse.urlsplit(url)
        self.tls = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.tls else 80)
        self.base = parts.path.rstrip("/")

    def exchange(self, method, path, headers=None, body=None):
        """One request on its own connection, the path sent exactly as given (no client-side normalisation).
        A body goes with Expect: 100-continue, so a 413 decided on the headers comes back before it is sent."""
        sock = socket.create_connection((self.host, self.port), timeout=60)
        if self.tls:
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self.host)
        try:
            lines = [f"{method} {self.base}{path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Connection: close"]
            lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
            if body is not None:
                lines += [f"Content-Length: {len(body)}", "Expect: 100-continue"]
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
            reader = sock.makefile("rb")
            status, answer_headers = read_head(reader)
            if status == 100:
                try:
                    sock.sendall(body)
                except OSError:
                    pass
                status, answer_headers = read_head(reader)
            return status, answer_headers, read_body(reader, answer_headers)
        finally:
            sock.close()


def read_head(reader):
    status_line = reader.readline().decode("latin-1")
    if not status_line:
        raise ConnectionError("connection closed without an answer")
    status = int(status_line.split()[1])
    headers = {}
    while True:
        line = reader.readline().decode("latin-1")
        if line in ("\r\n", "\n", ""):
            break
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    return status, headers


def read_body(reader, headers):
    if "chunked" in ",".join(headers.get("transfer-encoding", [])).lower():
        body = b""
        while True:
            size = int(reader.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                break
            body += reader.read(size)
            reader.readline()
        return body
    if "content-length" in headers:
        return reader.read(int(headers["content-length"][0]))
    return reader.read()


class Checks:
    def __init__(self, gateway, stubs):
        self.gateway, self.stubs, self.failures, self.passed = gateway, stubs, [], 0

    def check(self, condition, message):
        if condition:
            self.passed += 1
        else:
            self.failures.append(message)
            print(f"  FAIL {message}")

    def security_headers(self, what, status, headers, tls):
        for name, good in EXPECTED_HEADERS.items():
            values = headers.get(name, [])
            self.check(len(values) == 1 and good(values[0]), f"{what} ({status}): {name} is {values or 'missing'}")
        hsts = headers.get("strict-transport-security", [])
        if tls:
            self.check(len(hsts) == 1 and "max-age=" in hsts[0], f"{what} ({status}) over TLS: Strict-Transport-Security is {hsts or 'missing'}")
        else:
            self.check(not hsts, f"{what} ({status}) over plain HTTP: Strict-Transport-Security sent: {hsts}")

    def run(self):
        g = self.gateway
        print("headers on proxied answers and on the gateway's own errors")
        for service in SERVICES:
            status, headers, body = g.exchange("GET", f"/{service}/healthz")
            self.check(status == 200, f"GET /{service}/healthz through the gateway: {status}")
            self.security_headers(f"GET /{service}/healthz", status, headers, tls=g.tls)
            if self.stubs:
                seen = json.loads(body)
                self.check(seen == {"service": service, "path": "/healthz"}, f"GET /{service}/healthz reached {seen}")
        status, headers, _ = g.exchange("GET", "/identity/healthz", {"X-Forwarded-Proto": "https"})
        self.security_headers("GET /identity/healthz behind TLS (X-Forwarded-Proto: https)", status, headers, tls=True)
        status, headers, _ = g.exchange("GET", "/identity/healthz", {"X-Forwarded-Proto": "http"})
        self.security_headers("GET /identity/healthz with X-Forwarded-Proto: http", status, headers, tls=g.tls)
        # Outside the four prefixes, everything is the portal's (its pages, its own 404 page).
        status, headers, body = g.exchange("GET", "/no-such-thing")
        self.check(status in (200, 404) if self.stubs else status == 404, f"GET /no-such-thing: {status}, expected the portal's answer")
        self.security_headers("the portal's answer", status, headers, tls=g.tls)
        if self.stubs:
            seen = json.loads(body)
            self.check(seen == {"service": "portal", "path": "/no-such-thing"}, f"GET /no-such-thing reached {seen}")
            # The portal's stricter policy reaches the browser; the gateway's own is for everything else.
            self.check(headers.get("content-security-policy") == [PORTAL_POLICY],
                       f"the portal's Content-Security-Policy became {headers.get('content-security-policy')}")
        status, headers, _ = g.exchange("GET", "/metrics")
        self.check(status == 404, f"GET /metrics: {status}, expected the gateway's 404")
        self.security_headers("the gateway's 404", status, headers, tls=g.tls)
        status, headers, _ = g.exchange("GET", "/metrics", {"X-Forwarded-Proto": "https"})
        self.security_headers("the gateway's 404 behind TLS", status, headers, tls=True)

        print("/metrics of each service is not reachable through the gateway")
        tricks = [f"/{s}/metrics" for s in SERVICES] + [
            "/metrics", "//metrics", "/./metrics", "/%6detrics", "/METRICS", "/metrics/", "/metrics?format=text", "/x/../metrics",
            "/identity//metrics", "/identity/./metrics", "/identity/%6detrics", "/identity/%6Detrics",
            "/identity/metrics/", "/identity/METRICS", "/identity/Metrics", "/identity/v1/../metrics",
            "/identity/%2e/metrics", "/identity/%2E%2E/identity/metrics", "/identity/metrics?format=text",
            "/catalogue/../identity/metrics", "//identity/metrics", "/identity/metrics%2F", "/identity/%2fmetrics",
            "/identity/%256detrics", "/payment/./v1/../metrics", "/enrolment/%6D%65%74%72%69%63%73",
            "/identity/metrics;x", "/identity/metrics/.",
        ]
        for path in tricks:
            try:
                status, headers, body = g.exchange("GET", path)
            except (ConnectionError, OSError) as error:
                self.check(False, f"GET {path}: {error}")
                continue
            text = body.decode("utf-8", "replace")
            reached = any(marker in text for marker in METRICS_MARKERS)
            self.check(not reached, f"GET {path}: {status}, the service's metrics came back")
            # Paths nginx itself reads as …/metrics are the gateway's 404; others (%256d…) may reach a service,
            # which routes them nowhere.
            if posixpath.normpath(urllib.parse.unquote(path.split("?")[0])).lower().lstrip("/").split("/")[1:2] == ["metrics"]:
                self.check(status in (403, 404), f"GET {path}: {status}, expected the gateway's 403/404")
            self.security_headers(f"GET {path}", status, headers, tls=g.tls)

        print("body limits per route")
        organisation, line, registration = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        limits = [
            # (method, path, size, content type, too large?)
            ("POST", "/identity/v1/accounts", 2 * MiB, "application/json", True),
            ("POST", "/catalogue/v1/offerings", 2 * MiB, "application/json", True),
            ("POST", "/enrolment/v1/participants", 2 * MiB, "application/json", True),
            ("POST", "/payment/v1/payments", 2 * MiB, "application/json", True),
            ("POST", "/payment/v1/processor/webhooks", 100 * 1024, "application/json", True),
            ("POST", "/payment/v1/processor/webhooks", 8 * 1024, "application/json", False),
            ("PUT", f"/enrolment/v1/staff/organisations/{organisation}/records", 25 * MiB, "text/csv", False),
            ("PUT", f"/enrolment/v1/staff/organisations/{organisation}/records", 40 * MiB, "text/csv", True),
            ("PUT", f"/enrolment/v1/cart/lines/{line}/documents/intervention-plan", 12 * MiB, "application/pdf", False),
            ("POST", f"/enrolment/v1/registrations/{registration}/documents/intervention-plan", 12 * MiB, "application/pdf", False),
            ("PUT", f"/enrolment/v1/cart/lines/{line}/documents/intervention-plan", 25 * MiB, "application/pdf", True),
            # The staff area's records import (the portal's form): a records export and the form around it.
            ("POST", f"/staff/organisations/{organisation}/dossiers", 25 * MiB, "text/csv", False),
            ("POST", f"/staff/organisations/{organisation}/dossiers", 40 * MiB, "text/csv", True),
            ("POST", f"/staff/organisations/{organisation}/personnes", 2 * MiB, "text/csv", True),
            # A large body's route on another prefix gets the default.
            ("PUT", f"/catalogue/v1/staff/organisations/{organisation}/records", 2 * MiB, "text/csv", True),
        ]
        for method, path, size, content_type, too_large in limits:
            body = (b"fileNumber,firstName,lastName,birthDate\n" if content_type == "text/csv" else b"%PDF-1.4\n")
            body = body + b"x" * (size - len(body))
            status, headers, answer = g.exchange(method, path, {"Content-Type": content_type}, body)
            if too_large:
                self.check(status == 413, f"{method} {path} with {size} bytes: {status}, expected 413")
                self.security_headers(f"{method} {path} too large", status, headers, tls=g.tls)
            else:
                self.check(status != 413, f"{method} {path} with {size} bytes: 413, expected it to reach the service")
                self.check(status < 500, f"{method} {path} with {size} bytes: {status} (the gateway could not buffer it?)")
                if self.stubs:
                    service, rest = path.lstrip("/").split("/", 1)
                    if service not in SERVICES:
                        service, rest = "portal", path.lstrip("/")
                    seen = json.loads(answer) if status == 200 else None
                    self.check(seen == {"service": service, "path": "/" + rest, "bytes": size},
                               f"{method} {path}: the stub saw {seen}")
        print(f"{self.passed} checks passed, {len(self.failures)} failed")
        return not self.failures


# ---------------------------------------------------------------- stub mode

class Stub(http.server.BaseHTTPRequestHandler):
    """A service stand-in: answers what it received; a path a real service would route to /metrics answers
    with the Prometheus text's marker, so the check sees it if the gateway lets it through."""
    service = "?"
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        received = 0
        while received < length:
            chunk = self.rfile.read(min(MiB, length - received))
            if not chunk:
                break
            received += len(chunk)
        raw = self.path.split("?", 1)[0]
        decoded = posixpath.normpath(urllib.parse.unquote(raw)).lower()
        if decoded == "/metrics" or decoded.startswith("/metrics/") or decoded.startswith("/metrics;"):
            payload, content_type = b"# HELP METRICS-REACHED\n", "text/plain"
        else:
            seen = {"service": self.service, "path": self.path}
            if length:
                seen["bytes"] = received
            payload, content_type = json.dumps(seen).encode(), "application/json"
        self.send_response(200)
        if self.service == "portal":
            self.send_header("Content-Security-Policy", PORTAL_POLICY)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = answer


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def with_stubs():
    sys.path.insert(0, str(ROOT / "deploy/gateway"))
    sys.dont_write_bytecode = True  # no __pycache__ left in the checkout
    import nginx_config
    if not shutil.which("nginx"):
        sys.exit("nginx is missing (apt-get install nginx-light)")
    servers = []
    for service in SERVICES + ("portal",):
        handler = type(f"Stub_{service}", (Stub,), {"service": service})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    # mkdtemp is mode 700: as root, nginx's workers (nobody) cannot enter it, as under a private home.
    directory = pathlib.Path(tempfile.mkdtemp(prefix="guichet-gateway-check-"))
    port, nginx = free_port(), None
    try:
        configuration = nginx_config.write(directory, port, *(f"127.0.0.1:{s.server_address[1]}" for s in servers))
        nginx = subprocess.Popen(["nginx", "-p", str(directory), "-c", str(configuration), "-g", "daemon off;"],
                                 stdout=subprocess.DEVNULL, stderr=open(directory / "out.log", "wb"))
        deadline = time.time() + 20
        while True:
            try:
                if Gateway(f"http://127.0.0.1:{port}").exchange("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if nginx.poll() is not None or time.time() > deadline:
                sys.exit("nginx did not start:\n" + (directory / "out.log").read_text() +
                         ((directory / "error.log").read_text() if (directory / "error.log").exists() else ""))
            time.sleep(0.1)
        print(f"gateway on 127.0.0.1:{port} (Debian's nginx, {configuration}), stub upstreams")
        ok = Checks(Gateway(f"http://127.0.0.1:{port}"), stubs=True).run()
        if not ok and (directory / "error.log").exists():
            print("nginx error.log:\n" + (directory / "error.log").read_text()[-3000:])
        return ok
    finally:
        if nginx:
            nginx.send_signal(signal.SIGQUIT)
            try:
                nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                nginx.kill()
        for server in servers:
            server.shutdown()
        if hasattr(nginx_config, "temp_directory"):
            shutil.rmtree(nginx_config.temp_directory(directory), ignore_errors=True)
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running gateway's base URL; without it, nginx against stub upstreams")
    arguments = parser.parse_args()
    if arguments.url:
        print(f"gateway at {arguments.url}")
        sys.exit(0 if Checks(Gateway(arguments.url), stubs=False).run() else 1)
    sys.exit(0 if with_stubs() else 1)
