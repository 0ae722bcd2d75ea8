#!/usr/bin/env python3
"""A year's Relevé 24 slips on payment (PAYMENT_URL), as deploy/benchmark.sh releve24 starts it.

Seeds, straight into payment's tables (what a year of checkouts, payments and refunds writes), organisations of
BENCH_PAYERS payers (default 1,000 then 10,000), each paying 5 childcare lines for 2 children (50,000 lines at
10,000), a tenth of the payments partly refunded, nine payers in ten with a social insurance number. Then, per
organisation, over HTTP as its staff: generates the year's drafts and issues them, and prints the seconds of each
and the payment process's resident memory before and at its peak during each call (sampled every 5 ms from
/proc): the generation runs in PostgreSQL and streams nothing through the service, so the peak does not grow with
the payers."""
import base64
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
DATABASE = os.environ["BENCH_DATABASE"]
PID = int(os.environ["BENCH_PAYMENT_PID"])
KEY = os.environ["BENCH_PRIVATE_KEY"]
PUBLIC = os.environ["BENCH_PUBLIC_KEY"]
SIZES = [int(size) for size in os.environ.get("BENCH_PAYERS", "1000,10000").split(",")]
YEAR = 2025


def psql(sql):
    env = dict(os.environ, PGPASSWORD=os.environ.get("POSTGRES_ADMIN_PASSWORD", "postgres"))
    return subprocess.run(
        ["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h", os.environ.get("POSTGRES_HOST", "127.0.0.1"),
         "-p", os.environ.get("POSTGRES_PORT", "5432"), "-U", os.environ.get("POSTGRES_ADMIN_USER", "postgres"), "-d", DATABASE,
         "-f", "-"], input=sql, check=True, capture_output=True, text=True, env=env).stdout.strip()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def der_integers(signature):
    """r and s of a DER ECDSA signature, as JWS's 64 raw bytes."""
    assert signature[0] == 0x30
    index, parts = 2, []
    for _ in range(2):
        assert signature[index] == 0x02
        length = signature[index + 1]
        value = signature[index + 2:index + 2 + length].lstrip(b"\0")
        parts.append(value.rjust(32, b"\0"))
        index += 2 + length
    return b"".join(parts)


def staff_token(organisation):
    """An ES256 access token as identity signs it: an admin of `organisation` who just gave the second factor."""
    der = subprocess.run(["openssl", "pkey", "-pubin", "-in", PUBLIC, "-outform", "DER"], check=True, capture_output=True).stdout
    header = {"alg": "ES256", "typ": "JWT", "kid": hashlib.sha256(der).hexdigest()[:24]}
    now = int(time.time())
    claims = {"sub": str(uuid.uuid4()), "iss": "guichet-identity", "aud": ["guichet"], "iat": now, "exp": now + 3600,
              "roles": [{"organisationId": organisation, "role": "admin"}], "amr": ["pwd", "otp"], "mfa_time": now}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", KEY], input=signing_input.encode(), check=True,
                               capture_output=True).stdout
    return signing_input + "." + b64url(der_integers(signature))


def seed(organisation, payers):
    """One payment per payer in YEAR, 5 childcare lines (3 for one child, 2 for the other, a meal item on each)."""
    psql(f"""
    INSERT INTO payment.organisations (id, version, kind, short_code, name_fr, name_en)
        VALUES ('{organisation}', 1, 'municipality', 'B{payers}', 'Ville {payers}', 'City {payers}');
    CREATE TEMP TABLE bench_payers AS
        SELECT n, gen_random_uuid() AS account, gen_random_uuid() AS checkout, gen_random_uuid() AS payment,
               gen_random_uuid() AS child_a, gen_random_uuid() AS child_b
        FROM generate_series(1, {payers}) n;
    INSERT INTO payment.checkouts (id, version, selling_organisation_id, payer_account_id, amount_cents, hold_expires_at, document, received_at)
        SELECT checkout, 1, '{organisation}', account, 125000, '{YEAR}-06-01',
               jsonb_build_object('payer', jsonb_build_object('accountId', account, 'email', 'parent' || n || '@example.org',
                                  'name', 'Parent ' || n || ' Gagnon', 'language', CASE WHEN n % 3 = 0 THEN 'en' ELSE 'fr' END)),
               '{YEAR}-06-01'
        FROM bench_payers;
    INSERT INTO payment.payments (id, version, checkout_id, payer_account_id, selling_organisation_id, amount_cents, status,
            billing_address, idempotency_scope, idempotency_key, created_at, updated_at, settled_at)
        SELECT payment, 1, checkout, account, '{organisation}', 125000, 'succeeded',
               jsonb_build_object('name', 'Parent ' || n, 'line1', n || ' rue des Érables', 'city', 'Baie-Comeau', 'province', 'QC',
                                  'postalCode', 'G4Z 1K5', 'country', 'CA'),
               'bench', payment::text, '{YEAR}-06-01', '{YEAR}-06-01', make_timestamptz({YEAR}, 1 + n % 12, 1 + n % 28, 12, 0, 0)
        FROM bench_payers;
    INSERT INTO payment.payment_lines (payment_id, registration_id, participant_id, participant_name, offering_id, offering_code,
            title_fr, title_en, subtotal_cents, tax_cents, total_cents, releve24, participant_birth_date, care_days, not_eligible_cents)
        SELECT p.payment, gen_random_uuid(), CASE WHEN w <= 3 THEN p.child_a ELSE p.child_b END,
               CASE WHEN w <= 3 THEN 'Léa ' ELSE 'Noé ' END || p.n, gen_random_uuid(), 'CAMP-S' || w, 'Camp semaine ' || w,
               'Camp week ' || w, 25000, 0, 25000, true, '2018-04-02', 5, 4000
        FROM bench_payers p, generate_series(1, 5) w;
    INSERT INTO payment.refunds (id, version, payment_id, amount_cents, status, reason, registration_ids, created_at, updated_at, completed_at)
        SELECT gen_random_uuid(), 1, p.payment, 10000, 'succeeded', 'Semaine annulée',
               ARRAY[(SELECT registration_id FROM payment.payment_lines l WHERE l.payment_id = p.payment ORDER BY registration_id LIMIT 1)],
               '{YEAR}-08-01', '{YEAR}-08-01', '{YEAR}-08-01'
        FROM bench_payers p WHERE p.n % 10 = 0;
    UPDATE payment.payments SET refunded_cents = 10000 WHERE id IN (SELECT payment FROM bench_payers WHERE n % 10 = 0);
    -- Sealed numbers are opened only for the transmission file, not measured here: random bytes stand for them.
    INSERT INTO payment.payer_tax_numbers (account_id, sealed, key_id, last_digits, updated_at)
        SELECT account, gen_random_bytes(37), 'bench', lpad((n % 1000)::text, 3, '0'), now() FROM bench_payers WHERE n % 10 <> 5;
    ANALYZE;
    """)


def rss_kib():
    with open(f"/proc/{PID}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def measured(method, path, body, token):
    """Seconds, the answer, and the process's resident memory before and at its peak during the call."""
    peak, done = [rss_kib()], threading.Event()
    before = peak[0]

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_kib())
            time.sleep(0.005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    connection = http.client.HTTPConnection(PAYMENT.hostname, PAYMENT.port, timeout=600)
    started = time.monotonic()
    connection.request(method, path, body=json.dumps(body), headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())})
    response = connection.getresponse()
    answer = response.read()
    seconds = time.monotonic() - started
    done.set()
    sampler.join()
    if response.status != 200:
        raise SystemExit(f"{method} {path}: {response.status} {answer.decode()}")
    return seconds, json.loads(answer), before, peak[0]


def main():
    psql("CREATE EXTENSION IF NOT EXISTS pgcrypto")
    print(f"releve24: a year's slips per organisation (payment pid {PID}, memory as resident KiB)")
    for payers in SIZES:
        organisation = str(uuid.uuid4())
        started = time.monotonic()
        seed(organisation, payers)
        print(f"  seeded {payers:,} payers, {payers * 5:,} paid lines in {time.monotonic() - started:.1f} s")
        token = staff_token(organisation)
        connection = http.client.HTTPConnection(PAYMENT.hostname, PAYMENT.port, timeout=60)
        connection.request("PUT", f"/v1/staff/releve24/preparers/{organisation}", body=json.dumps(
            {"preparerNumber": "NP123456", "firstSequence": 10000000, "lastSequence": 99999999}),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        answer = connection.getresponse()
        if answer.status != 200:
            raise SystemExit(f"preparer: {answer.status} {answer.read().decode()}")
        answer.read()
        year = {"organisationId": organisation, "year": YEAR}
        seconds, generated, before, peak = measured("POST", "/v1/staff/releve24/generations", year, token)
        print(f"  generate {payers:>6,} payers: {seconds:6.2f} s, {generated['originals']:,} drafts "
              f"({generated['waitingForTaxNumber']:,} waiting for a SIN), memory {before:,} → peak {peak:,} KiB")
        seconds, issued, before, peak = measured("POST", "/v1/staff/releve24/issues", year, token)
        print(f"  issue    {payers:>6,} payers: {seconds:6.2f} s, {issued['issued']:,} slips numbered, one event each, "
              f"memory {before:,} → peak {peak:,} KiB")
        slips = int(psql(f"SELECT count(*) FROM payment.releve24_slips WHERE organisation_id = '{organisation}' AND status = 'issued'"))
        events = int(psql("SELECT count(*) FROM payment.outbox WHERE routing_key = 'payment.releve24.issued'"))
        print(f"  check: {slips:,} issued slips in the table, {events:,} issued events recorded so far")


if __name__ == "__main__":
    main()
