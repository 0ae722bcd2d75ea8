#!/usr/bin/env python3
"""Registration-day rush on enrolment (ENROLMENT_URL), as deploy/benchmark.sh enrolment starts it:

1. saturation: closed-loop guest checkouts over HTTP on a session too large to fill, at 4, 8, 16 and 32
   clients; the best rate is the saturation throughput;
2. rush: open-loop arrivals at half that rate on one 500-seat session until twice its seats were asked for;
   prints confirmed holds per second, p50/p99 (measured from each request's scheduled time, so queueing
   counts), errors, and the seats taken, which must equal the capacity exactly;
3. the raw PostgreSQL ceiling of one seat claim per transaction on the same table, with pgbench, and the
   ratio of (1) to it.

Seeds its offerings straight into enrolment's projection tables (what the catalogue's events would write)."""
import http.client
import json
import os
import queue
import subprocess
import tempfile
import threading
import time
import urllib.parse
import uuid

URL = urllib.parse.urlparse(os.environ.get("ENROLMENT_URL", "http://127.0.0.1:18083"))
DATABASE = os.environ["BENCH_DATABASE"]
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
RUSH_SEATS = int(os.environ.get("BENCH_SEATS", "500"))


def psql(sql, *extra):
    env = dict(os.environ, PGPASSWORD=os.environ.get("POSTGRES_ADMIN_PASSWORD", "postgres"))
    return subprocess.run(
        ["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h", os.environ.get("POSTGRES_HOST", "127.0.0.1"),
         "-p", os.environ.get("POSTGRES_PORT", "5432"), "-U", os.environ.get("POSTGRES_ADMIN_USER", "postgres"), "-d", DATABASE,
         *extra, "-c", sql], check=True, capture_output=True, text=True, env=env).stdout.strip()


def seed_offering(capacity):
    """An open offering with one session of `capacity` seats, as enrolment keeps it from the catalogue's event."""
    offering, session, seller = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    document = {
        "offeringId": offering, "version": 1, "status": "published", "sellingOrganisationId": seller, "code": "RUSH",
        "title": {"fr": "Camp de jour", "en": "Day camp"}, "basePrice": {"amountCents": 9500, "currency": "CAD"},
        "registrationOpensAt": "2020-01-01T00:00:00Z", "registrationClosesAt": "2100-01-01T00:00:00Z",
        "sessions": [{"sessionId": session, "name": {"fr": "Été", "en": "Summer"}, "startsOn": "2099-07-01", "endsOn": "2099-07-05",
                      "capacity": capacity, "waitlistSize": 0}],
    }
    text = json.dumps(document).replace("'", "''")
    psql(f"""
        INSERT INTO enrolment.offerings (id, version, status, selling_organisation_id, code, title_fr, title_en, base_price_cents,
            registration_opens_at, registration_closes_at, document, received_at)
        VALUES ('{offering}', 1, 'published', '{seller}', 'RUSH', 'Camp de jour', 'Day camp', 9500, '2020-01-01', '2100-01-01', '{text}', now());
        INSERT INTO enrolment.offering_sessions (id, offering_id, name_fr, name_en, starts_on, ends_on, capacity, waitlist_size)
        VALUES ('{session}', '{offering}', 'Été', 'Summer', '2099-07-01', '2099-07-05', {capacity}, 0);
        INSERT INTO enrolment.session_seats (session_id, offering_id, capacity) VALUES ('{session}', '{offering}', {capacity});""")
    return offering, session


def checkout_request(offering, session, index):
    body = json.dumps({
        "guest": {"email": f"parent{index}@example.org", "firstName": "Parent", "lastName": str(index), "language": "fr"},
        "lines": [{"participant": {"firstName": "Enfant", "lastName": str(index), "birthDate": "2016-03-04"},
                   "offeringId": offering, "sessionId": session}],
    })
    return body, {"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())}


class Client:
    """One keep-alive connection; reconnects after an error."""

    def __init__(self):
        self.connection = None

    def post(self, body, headers):
        for attempt in (1, 2):
            try:
                if self.connection is None:
                    self.connection = http.client.HTTPConnection(URL.hostname, URL.port, timeout=60)
                self.connection.request("POST", "/v1/checkouts", body=body, headers=headers)
                response = self.connection.getresponse()
                response.read()
                return response.status
            except (http.client.HTTPException, OSError):
                self.connection = None
                if attempt == 2:
                    return 0


def percentile(values, fraction):
    values = sorted(values)
    return values[min(len(values) - 1, int(fraction * len(values)))] * 1000 if values else float("nan")


def closed_loop(clients, offering, session):
    deadline = time.perf_counter() + SECONDS
    counts = {}
    lock = threading.Lock()
    counter = iter(range(10**9))

    def worker():
        client = Client()
        while time.perf_counter() < deadline:
            with lock:
                index = next(counter)
            status = client.post(*checkout_request(offering, session, index))
            with lock:
                counts[status] = counts.get(status, 0) + 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts.get(201, 0) / (time.perf_counter() - started), counts


def open_loop(rate, offering, session, requests):
    """Sends `requests` checkouts at `rate` per second whatever the answers' speed; latency from the schedule."""
    work = queue.Queue()
    results = []
    lock = threading.Lock()

    def worker():
        client = Client()
        while True:
            item = work.get()
            if item is None:
                return
            scheduled, index = item
            status = client.post(*checkout_request(offering, session, index))
            finished = time.perf_counter()
            with lock:
                results.append((status, finished - scheduled, finished))

    threads = [threading.Thread(target=worker) for _ in range(64)]
    for thread in threads:
        thread.start()
    start = time.perf_counter()
    for index in range(requests):
        scheduled = start + index / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        work.put((scheduled, index))
    for _ in threads:
        work.put(None)
    for thread in threads:
        thread.join()
    return start, results


def pgbench_ceiling(clients, session):
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write(
            "UPDATE enrolment.session_seats SET held = held + 1, version = version + 1 "
            f"WHERE session_id = '{session}' AND held + confirmed + 1 <= capacity;\n")
    env = dict(os.environ, PGPASSWORD=os.environ.get("POSTGRES_ADMIN_PASSWORD", "postgres"))
    output = subprocess.run(
        ["pgbench", "-n", "-f", script.name, "-c", str(clients), "-j", str(min(clients, 4)), "-T", str(int(SECONDS)),
         "-h", os.environ.get("POSTGRES_HOST", "127.0.0.1"), "-p", os.environ.get("POSTGRES_PORT", "5432"),
         "-U", os.environ.get("POSTGRES_ADMIN_USER", "postgres"), DATABASE],
        check=True, capture_output=True, text=True, env=env).stdout
    os.unlink(script.name)
    for line in output.splitlines():
        if line.startswith("tps"):
            return float(line.split("=")[1].split()[0])
    raise RuntimeError(output)


def main():
    print(f"enrolment rush benchmark: guest checkouts over HTTP, {SECONDS:.0f} s per saturation step")
    best = (0.0, 0)
    for clients in (4, 8, 16, 32):
        offering, session = seed_offering(10**9)
        rate, counts = closed_loop(clients, offering, session)
        print(f"  saturation, {clients:2d} clients: {rate:.0f} holds/s, statuses {counts}")
        best = max(best, (rate, clients))
    saturation, clients = best

    offering, session = seed_offering(RUSH_SEATS)
    # BENCH_RUSH_RATE fixes the arrival rate, so that two builds are compared at the same load.
    rate = float(os.environ.get("BENCH_RUSH_RATE", "0")) or saturation / 2
    start, results = open_loop(rate, offering, session, 2 * RUSH_SEATS)
    created = [r for r in results if r[0] == 201]
    full = [r for r in results if r[0] == 409]
    errors = [r for r in results if r[0] not in (201, 409)]
    taken = psql(f"SELECT held + confirmed FROM enrolment.session_seats WHERE session_id = '{session}'")
    registrations = psql(f"SELECT count(*) FROM enrolment.registrations WHERE session_id = '{session}' AND status IN ('held', 'confirmed')")
    filled_after = max(r[2] for r in created) - start if created else float("nan")
    print(f"  rush: {2 * RUSH_SEATS} arrivals at {rate:.0f}/s on a {RUSH_SEATS}-seat session")
    print(f"    holds confirmed: {len(created)} in {filled_after:.1f} s ({len(created) / filled_after:.0f}/s); full: {len(full)}; errors: {len(errors)}")
    print(f"    latency p50 {percentile([r[1] for r in results], 0.5):.1f} ms, p99 {percentile([r[1] for r in results], 0.99):.1f} ms"
          f" (holds only: p99 {percentile([r[1] for r in created], 0.99):.1f} ms)")
    print(f"    seats taken: {taken} of {RUSH_SEATS}; registrations holding a seat: {registrations}"
          f" -> {'exact' if int(taken) == RUSH_SEATS == int(registrations) else 'WRONG'}")

    _, session = seed_offering(10**9)
    ceiling = pgbench_ceiling(clients, session)
    print(f"  PostgreSQL ceiling (pgbench, one seat claim per transaction, {clients} clients): {ceiling:.0f} tps")
    print(f"  ratio saturation / ceiling: {saturation / ceiling:.2f}")
    if int(taken) != RUSH_SEATS or int(registrations) != RUSH_SEATS:
        raise SystemExit("seats taken differ from capacity")


if __name__ == "__main__":
    main()
