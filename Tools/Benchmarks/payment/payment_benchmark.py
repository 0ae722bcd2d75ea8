#!/usr/bin/env python3
"""Payments on payment (PAYMENT_URL) through the sandbox processor (SANDBOX_URL), as deploy/benchmark.sh payment
starts them:

1. throughput: closed-loop guest payments over HTTP (one checkout each, the card tokenised beforehand as the
   payer's browser would) at 4, 8 and 16 clients; prints payments per second and p50/p99 per level;
2. double-submit storm: each of BENCH_STORM checkouts is paid by 10 identical requests at once (one
   Idempotency-Key, the double and triple clicks of a whole room); prints p50/p99 of every request, the
   answers by status, and checks that each checkout was charged exactly once (payment's rows and the
   processor's charges by reference).

Seeds checkouts straight into payment's projection (what enrolment's `checkout.requested` events write)."""
import hashlib
import http.client
import json
import os
import subprocess
import threading
import time
import urllib.parse
import uuid

PAYMENT = urllib.parse.urlparse(os.environ.get("PAYMENT_URL", "http://127.0.0.1:18084"))
SANDBOX = urllib.parse.urlparse(os.environ.get("SANDBOX_URL", "http://127.0.0.1:18090"))
DATABASE = os.environ["BENCH_DATABASE"]
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
STORM = int(os.environ.get("BENCH_STORM", "200"))
ADDRESS = {"name": "Marie Gagnon", "line1": "12 rue des Érables", "city": "Gatineau", "postalCode": "J8Y 3A1"}


def psql(sql):
    env = dict(os.environ, PGPASSWORD=os.environ.get("POSTGRES_ADMIN_PASSWORD", "postgres"))
    return subprocess.run(
        ["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h", os.environ.get("POSTGRES_HOST", "127.0.0.1"),
         "-p", os.environ.get("POSTGRES_PORT", "5432"), "-U", os.environ.get("POSTGRES_ADMIN_USER", "postgres"), "-d", DATABASE,
         "-f", "-"], input=sql, check=True, capture_output=True, text=True, env=env).stdout.strip()


SELLER = str(uuid.uuid4())


def seed_checkouts(count):
    """Guest checkouts of 16,50 $, each with its own guest token; returns [(checkout id, guest token)]."""
    rows, values = [], []
    for _ in range(count):
        checkout, token = str(uuid.uuid4()), uuid.uuid4().hex
        digest = hashlib.sha256(token.encode()).hexdigest()
        document = {
            "checkoutId": checkout, "version": 1, "sellingOrganisationId": SELLER,
            "payer": {"email": "parent@example.org", "name": "Marie", "language": "fr", "guestTokenSHA256": digest},
            "lines": [{"registrationId": str(uuid.uuid4()), "participantId": str(uuid.uuid4()), "participantName": "Émile Tremblay",
                       "offeringId": str(uuid.uuid4()), "offeringCode": "MAC", "offeringTitle": {"fr": "Macaroni", "en": "Macaroni"},
                       "sessionId": str(uuid.uuid4()), "quantity": 1, "unitPrice": {"amountCents": 0, "currency": "CAD"},
                       "items": [{"itemId": str(uuid.uuid4()), "name": {"fr": "Repas", "en": "Meal"}, "date": "2027-01-11", "quantity": 3,
                                  "unitPrice": {"amountCents": 550, "currency": "CAD"}}],
                       "taxes": [], "subtotal": {"amountCents": 1650, "currency": "CAD"}, "releve24": False}],
            "total": {"amountCents": 1650, "currency": "CAD"}, "holdExpiresAt": "2100-01-01T00:00:00Z",
        }
        text = json.dumps(document).replace("'", "''")
        values.append(f"('{checkout}', 1, '{SELLER}', NULL, '{digest}', 1650, '2100-01-01', false, '{text}', now())")
        rows.append((checkout, token))
    for start in range(0, len(values), 500):
        psql("INSERT INTO payment.checkouts (id, version, selling_organisation_id, payer_account_id, guest_token_sha256, amount_cents, "
             "hold_expires_at, expired, document, received_at) VALUES " + ",".join(values[start:start + 500]))
    return rows


class Client:
    def __init__(self, url):
        self.url, self.connection = url, None

    def request(self, method, path, body, headers):
        for attempt in (1, 2):
            try:
                if self.connection is None:
                    self.connection = http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=60)
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, OSError):
                self.connection = None
                if attempt == 2:
                    raise


def tokens(count):
    client, result = Client(SANDBOX), []
    body = json.dumps({"number": "4242424242424242", "expMonth": 12, "expYear": 2031, "cvc": "123"})
    for _ in range(count):
        status, data = client.request("POST", "/v1/tokens", body, {"Content-Type": "application/json"})
        assert status == 201, data
        result.append(json.loads(data)["id"])
    return result


def pay_body(checkout, card):
    return json.dumps({"checkoutId": checkout, "cardToken": card, "billingAddress": ADDRESS})


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000 if ordered else float("nan")


def throughput(clients):
    # Enough checkouts and tokens for the level's run, prepared before the clock starts.
    budget = int(1200 * SECONDS)
    work = list(zip(seed_checkouts(budget), tokens(budget)))
    lock, latencies, errors = threading.Lock(), [], [0]
    deadline = [0.0]

    def run():
        client = Client(PAYMENT)
        while time.perf_counter() < deadline[0]:
            with lock:
                if not work:
                    return
                (checkout, guest), card = work.pop()
            started = time.perf_counter()
            status, data = client.request("POST", "/v1/payments", pay_body(checkout, card), {
                "Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4()), "Guest-Token": guest})
            elapsed = time.perf_counter() - started
            with lock:
                if status == 201 and json.loads(data)["status"] == "succeeded":
                    latencies.append(elapsed)
                else:
                    errors[0] += 1
    threads = [threading.Thread(target=run) for _ in range(clients)]
    started = time.perf_counter()
    deadline[0] = started + SECONDS
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    rate = len(latencies) / elapsed
    print(f"  {clients:>2} clients: {rate:7.1f} payments/s  p50 {percentile(latencies, .5):6.1f} ms  p99 {percentile(latencies, .99):6.1f} ms"
          f"  errors {errors[0]}")
    return rate


def storm():
    checkouts = seed_checkouts(STORM)
    cards = tokens(STORM)
    latencies, statuses, lock = [], {}, threading.Lock()

    def click(checkout, guest, card, key, barrier):
        client = Client(PAYMENT)
        barrier.wait()
        started = time.perf_counter()
        status, _ = client.request("POST", "/v1/payments", pay_body(checkout, card), {
            "Content-Type": "application/json", "Idempotency-Key": key, "Guest-Token": guest})
        with lock:
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1

    started = time.perf_counter()
    # Ten checkouts at a time, ten identical clicks each: 100 requests in flight.
    for start in range(0, STORM, 10):
        threads = []
        for (checkout, guest), card in zip(checkouts[start:start + 10], cards[start:start + 10]):
            barrier, key = threading.Barrier(10), str(uuid.uuid4())
            threads += [threading.Thread(target=click, args=(checkout, guest, card, key, barrier)) for _ in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    elapsed = time.perf_counter() - started
    ids = ",".join(f"'{checkout}'" for checkout, _ in checkouts)
    charged = int(psql(f"SELECT count(*) FROM payment.payments WHERE checkout_id IN ({ids}) AND status = 'succeeded'"))
    rows = int(psql(f"SELECT count(*) FROM payment.payments WHERE checkout_id IN ({ids})"))
    # The processor's own view: charges per payment reference.
    processor, doubles = Client(SANDBOX), 0
    for reference in psql(f"SELECT id FROM payment.payments WHERE checkout_id IN ({ids})").split():
        status, data = processor.request("GET", f"/v1/charges?reference={reference}", None, {"Authorization": "Bearer sk_test_guichet"})
        doubles += max(0, len(json.loads(data)["items"]) - 1)
    print(f"  {STORM} checkouts × 10 identical requests in {elapsed:.1f} s: p50 {percentile(latencies, .5):.1f} ms  "
          f"p99 {percentile(latencies, .99):.1f} ms  answers {dict(sorted(statuses.items()))}")
    print(f"  charged checkouts {charged} of {STORM}, payment rows {rows}, extra charges at the processor {doubles}"
          f"  → {'exactly once each' if charged == STORM and rows == STORM and doubles == 0 else 'NOT ONCE EACH'}")


print("payment — throughput through the sandbox processor (guest payments, closed loop)")
best = max(throughput(clients) for clients in (4, 8, 16))
print(f"  best: {best:.1f} payments/s")
print("payment — double-submit storm")
storm()
