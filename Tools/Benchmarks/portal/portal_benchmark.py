#!/usr/bin/env python3
"""The portal's catalogue pages against the catalogue API they are built from, in one run on the same data
(deploy/benchmark.sh portal fills a catalogue with BENCH_OFFERINGS, default 20,000, and starts the catalogue, the
portal and the gateway). At BENCH_CLIENTS (default 50) concurrent clients for BENCH_SECONDS each, prints requests
per second, p50 and p95 of:
  - the catalogue API's search (GET /v1/offerings?q=…), called directly;
  - the portal's catalogue page (GET /activites?q=…) through the gateway;
  - the portal's offering page (GET /activites/{id}) through the gateway;
and the ratio of each page's rate to the API's (the aim: at least 0.5, the portal is not the bottleneck), with the
bytes of each page. One Python process makes the load: its own ceiling shows as GET /healthz on the gateway."""
import http.client
import json
import os
import random
import threading
import time
import urllib.parse

CATALOGUE = urllib.parse.urlparse(os.environ.get("CATALOGUE_URL", "http://127.0.0.1:18082"))
GATEWAY = urllib.parse.urlparse(os.environ.get("GATEWAY_URL", "http://127.0.0.1:18080"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "50"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
WORDS = ["mathematiques", "Francais%20secondaire", "camp", "NATATION", "sciences%20technologie", "histoire", "musique", "theatre"]


def run(target, paths):
    latencies, statuses, sizes = [], {}, []
    lock = threading.Lock()
    deadline = time.perf_counter() + SECONDS

    def worker():
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
        rng = random.Random()
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            connection.request("GET", rng.choice(paths), headers={"Accept-Language": "fr-CA"})
            response = connection.getresponse()
            body = response.read()
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                sizes.append(len(body))
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

    return len(latencies) / elapsed, percentile(0.5), percentile(0.95), statuses, sum(sizes) / max(1, len(sizes))


def main():
    connection = http.client.HTTPConnection(CATALOGUE.hostname, CATALOGUE.port)
    connection.request("GET", "/v1/offerings?limit=50&q=mathematiques")
    ids = [o["id"] for o in json.loads(connection.getresponse().read())["items"]]
    assert ids, "the catalogue has no offering to open"
    print(f"portal benchmark: {os.environ.get('BENCH_OFFERINGS', '?')} published offerings, {CLIENTS} clients, {SECONDS:.0f} s each")
    results = {}
    for name, target, paths in [
        ("gateway GET /healthz (the load generator's ceiling)", GATEWAY, ["/healthz"]),
        ("catalogue API GET /v1/offerings?q=… (direct)", CATALOGUE, [f"/v1/offerings?q={w}&limit=20" for w in WORDS]),
        ("portal GET /activites?q=… (gateway)", GATEWAY, [f"/activites?q={w}" for w in WORDS]),
        ("portal GET /activites/{id} (gateway)", GATEWAY, [f"/activites/{i}" for i in ids]),
    ]:
        rate, p50, p95, statuses, size = run(target, paths)
        results[name] = rate
        print(f"  {name}: {rate:.0f} req/s, p50 {p50:.1f} ms, p95 {p95:.1f} ms, {size / 1024:.1f} KiB per answer, statuses {statuses}")
    api = results["catalogue API GET /v1/offerings?q=… (direct)"]
    for name in ("portal GET /activites?q=… (gateway)", "portal GET /activites/{id} (gateway)"):
        print(f"  ratio {name} / API search: {results[name] / api:.2f} (aim ≥ 0.5)")


if __name__ == "__main__":
    main()
