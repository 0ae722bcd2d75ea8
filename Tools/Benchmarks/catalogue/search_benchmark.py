#!/usr/bin/env python3
"""Search requests per second and latency on a large catalogue, beside the bare GET /healthz of the same
service measured the same way in the same run. Talks to a running catalogue (CATALOGUE_URL) that
deploy/benchmark.sh filled with `guichet-catalogue generate-catalogue`."""
import http.client
import os
import random
import threading
import time
import urllib.parse

URL = urllib.parse.urlparse(os.environ.get("CATALOGUE_URL", "http://127.0.0.1:18082"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
QUERIES = [
    "q=mathematiques", "q=Francais%20secondaire", "q=camp%20baie-comeau", "q=NATATION", "q=sciences%20technologie",
    "q=histoire&openNow=true", "category=6f1c1f52-5d0e-4c47-9d43-0d7c39a3a006", "q=musique&hasSeats=true",
    "q=theatre%20rimouski&limit=50", "openNow=true&from=2027-01-01",
]


def run(paths):
    latencies = []
    statuses = {}
    lock = threading.Lock()
    deadline = time.perf_counter() + SECONDS

    def worker():
        connection = http.client.HTTPConnection(URL.hostname, URL.port, timeout=60)
        rng = random.Random()
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            connection.request("GET", rng.choice(paths))
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                statuses[response.status] = statuses.get(response.status, 0) + 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()

    def percentile(fraction):
        return latencies[min(len(latencies) - 1, int(fraction * len(latencies)))] * 1000

    return len(latencies) / elapsed, percentile(0.5), percentile(0.99), statuses


def main():
    count = os.environ.get("BENCH_OFFERINGS", "?")
    print(f"catalogue search benchmark: {count} published offerings, {CLIENTS} clients, {SECONDS:.0f} s each")
    for name, paths in [("GET /healthz", ["/healthz"]), ("GET /v1/offerings (search)", ["/v1/offerings?" + q for q in QUERIES])]:
        rate, p50, p99, statuses = run(paths)
        print(f"  {name}: {rate:.0f} req/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms, statuses {statuses}")


if __name__ == "__main__":
    main()
