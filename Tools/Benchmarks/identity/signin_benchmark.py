#!/usr/bin/env python3
"""Sign-ins per second at identity's bcrypt cost, and the latency of an unrelated request during the burst.

Talks to a running identity (IDENTITY_URL) through its public API only; reads verification codes from the
file transport's folder (MAIL_FILE_DIRECTORY). deploy/benchmark.sh starts identity for it.
"""
import email
import http.client
import json
import os
import pathlib
import re
import statistics
import threading
import time
import urllib.parse

URL = urllib.parse.urlparse(os.environ.get("IDENTITY_URL", "http://127.0.0.1:18081"))
MAIL_DIR = pathlib.Path(os.environ["MAIL_FILE_DIRECTORY"])
ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", "8"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
PASSWORD = "Banc-Essai-2026"


def request(connection, method, path, body=None):
    headers = {"Content-Type": "application/json"} if body is not None else {}
    started = time.perf_counter()
    connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = connection.getresponse()
    data = response.read()
    return response.status, data, time.perf_counter() - started


def connect():
    return http.client.HTTPConnection(URL.hostname, URL.port, timeout=60)


def code_for(address):
    for _ in range(100):
        for path in sorted(MAIL_DIR.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True):
            message = email.message_from_bytes(path.read_bytes())
            if address in message["To"]:
                part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
                return re.search(r"\b(\d{6})\b", part.get_payload(decode=True).decode()).group(1)
        time.sleep(0.1)
    raise SystemExit(f"no mail for {address} in {MAIL_DIR}")


def prepare(connection, run):
    addresses = []
    for index in range(ACCOUNTS):
        address = f"banc{run}.{index}@example.ca"
        status, data, _ = request(connection, "POST", "/v1/accounts", {
            "firstName": "Banc", "lastName": f"Essai {index}", "email": address, "password": PASSWORD,
            "language": "fr", "birthDate": "1980-01-01", "consentVersion": 1})
        assert status == 202, (status, data)
        status, data, _ = request(connection, "POST", "/v1/accounts/verification", {"email": address, "code": code_for(address)})
        assert status == 200, (status, data)
        addresses.append(address)
    return addresses


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def probe(stop, latencies):
    """The unrelated request: the consent text, read from PostgreSQL, every 20 ms."""
    connection = connect()
    while not stop.is_set():
        status, _, elapsed = request(connection, "GET", "/v1/consent-texts/current?purpose=personal-information")
        assert status == 200
        latencies.append(elapsed)
        time.sleep(0.02)


def main():
    connection = connect()
    addresses = prepare(connection, int(time.time()))

    baseline = []
    stop = threading.Event()
    thread = threading.Thread(target=probe, args=(stop, baseline))
    thread.start()
    time.sleep(3)
    stop.set()
    thread.join()

    statuses = {}
    sign_in_times = []
    lock = threading.Lock()
    during = []
    stop = threading.Event()
    deadline = time.perf_counter() + SECONDS

    def sign_in(index):
        own = connect()
        while time.perf_counter() < deadline:
            status, _, elapsed = request(own, "POST", "/v1/sessions", {"email": addresses[index % len(addresses)], "password": PASSWORD})
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status == 201:
                    sign_in_times.append(elapsed)

    prober = threading.Thread(target=probe, args=(stop, during))
    prober.start()
    started = time.perf_counter()
    workers = [threading.Thread(target=sign_in, args=(i,)) for i in range(CLIENTS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    stop.set()
    prober.join()

    print(f"identity sign-in benchmark: bcrypt cost {os.environ.get('BCRYPT_COST', '12')}, {CLIENTS} clients, {elapsed:.1f} s")
    print(f"  sign-ins: {len(sign_in_times)} succeeded ({len(sign_in_times) / elapsed:.1f}/s); statuses {statuses}")
    print(f"  sign-in latency: p50 {percentile(sign_in_times, 0.5):.0f} ms, p99 {percentile(sign_in_times, 0.99):.0f} ms")
    print(f"  unrelated GET, idle: p50 {percentile(baseline, 0.5):.1f} ms, p99 {percentile(baseline, 0.99):.1f} ms ({len(baseline)} requests)")
    print(f"  unrelated GET, during the burst: p50 {percentile(during, 0.5):.1f} ms, p99 {percentile(during, 0.99):.1f} ms ({len(during)} requests)")


if __name__ == "__main__":
    main()
