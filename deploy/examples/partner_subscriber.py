#!/usr/bin/env python3
"""A partner team's subscriber to Guichet's registrations, in another language than Guichet's (Python, pika).

It owns its queue: declared durable, bound to Guichet's enrolment exchange for `enrolment.registration.*`, so
registrations wait for it while it is down. Each message is a CloudEvent in binary mode (body = JSON data,
attributes in `cloudEvents_*` headers; see deploy/events/asyncapi-enrolment.yaml); the subscriber checks the
headers, prints one JSON line per registration and acknowledges it. A message whose headers are wrong is
reported on stderr and acknowledged (it would only come back).

  pip install pika
  AMQP_URL=amqp://guest:guest@127.0.0.1:5672/ python3 partner_subscriber.py

Settings: AMQP_URL; GUICHET_EXCHANGE (guichet.enrolment); PARTNER_QUEUE (partner.registrations)."""
import json
import os
import signal
import sys
import time

import pika

REQUIRED = ("specversion", "id", "source", "type", "time")


def problems_of(properties):
    headers = {key: (value.decode() if isinstance(value, bytes) else value) for key, value in (properties.headers or {}).items()}
    problems = [f"missing cloudEvents_{name}" for name in REQUIRED if not headers.get("cloudEvents_" + name)]
    if headers.get("cloudEvents_specversion") not in (None, "1.0"):
        problems.append("specversion is not 1.0")
    if not str(headers.get("cloudEvents_type", "")).startswith("ca.guichet.enrolment.registration."):
        problems.append(f"unexpected type {headers.get('cloudEvents_type')!r}")
    if headers.get("cloudEvents_source") != "/guichet/enrolment":
        problems.append(f"unexpected source {headers.get('cloudEvents_source')!r}")
    if properties.content_type != "application/json":
        problems.append(f"content type {properties.content_type!r}")
    return headers, problems


def consume(url, exchange, queue, announce):
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    # Guichet owns the exchange: only check that it is there.
    channel.exchange_declare(exchange, exchange_type="topic", passive=True)
    channel.queue_declare(queue, durable=True)
    channel.queue_bind(queue, exchange, routing_key="enrolment.registration.*")
    channel.basic_qos(prefetch_count=50)
    signal.signal(signal.SIGTERM, lambda *_: (channel.stop_consuming(), sys.exit(0)))
    if announce:
        print(json.dumps({"ready": True, "queue": queue}), flush=True)

    def handle(channel, method, properties, body):
        headers, problems = problems_of(properties)
        if problems:
            print(f"rejected {headers.get('cloudEvents_id')}: {'; '.join(problems)}", file=sys.stderr, flush=True)
        else:
            data = json.loads(body)
            print(json.dumps({
                "event": headers["cloudEvents_type"].removeprefix("ca.guichet.enrolment.").removesuffix(".v1"),
                "id": headers["cloudEvents_id"], "registrationId": data["registrationId"], "participantId": data["participantId"],
                "offeringId": data["offeringId"], "version": data["version"],
            }), flush=True)
        channel.basic_ack(method.delivery_tag)

    channel.basic_consume(queue, handle)
    try:
        channel.start_consuming()
    finally:
        if connection.is_open:
            connection.close()


def main():
    url = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    exchange = os.environ.get("GUICHET_EXCHANGE", "guichet.enrolment")
    queue = os.environ.get("PARTNER_QUEUE", "partner.registrations")
    announce = True
    # The broker may restart: the durable queue keeps what arrives meanwhile; reconnect and go on.
    while True:
        try:
            consume(url, exchange, queue, announce)
            return
        except (pika.exceptions.AMQPConnectionError, pika.exceptions.StreamLostError, pika.exceptions.ChannelClosedByBroker) as error:
            print(f"connection lost ({error!r}); reconnecting", file=sys.stderr, flush=True)
            announce = False
            time.sleep(2)


if __name__ == "__main__":
    main()
