#!/usr/bin/env bash
# Prints messaging figures: events per second through outbox → RabbitMQ → inbox and the outbox-to-effect
# latency (p50/p99), on the local servers (started when needed). GUICHET_BUILD_CONFIGURATION=release for
# figures worth comparing; BENCH_EVENTS=N for the count.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root"
"$root/deploy/servers.sh" up
"$root/deploy/postgres/setup.sh" guichet_test_template
configuration=${GUICHET_BUILD_CONFIGURATION:-debug}
swift build -c "$configuration" --product guichet-messaging-benchmark
export POSTGRES_HOST POSTGRES_PORT POSTGRES_ADMIN_USER POSTGRES_ADMIN_PASSWORD AMQP_PORT
"$(swift build -c "$configuration" --show-bin-path)/guichet-messaging-benchmark"
