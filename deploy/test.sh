#!/usr/bin/env bash
# README command 2: brings up PostgreSQL and RabbitMQ when they are not running, prepares the test
# template database, builds once and runs every test (Swift Testing) against the real servers, then the
# end-to-end run (deploy/e2e.sh).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root"
"$root/deploy/servers.sh" up
"$root/deploy/postgres/setup.sh" "$POSTGRES_DATABASE" guichet_test_template
# Databases left by an interrupted run.
admin_psql -d postgres -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'guichet\_t\_%'" |
  while read -r stale; do admin_psql -d postgres -c "DROP DATABASE IF EXISTS \"$stale\" WITH (FORCE)"; done
python3 "$root/deploy/rabbitmq/delete-namespaced.py" guichet_t_ "$RABBITMQ_MANAGEMENT_PORT" || say "could not delete every stale test queue; going on"
export POSTGRES_HOST POSTGRES_PORT POSTGRES_ADMIN_USER POSTGRES_ADMIN_PASSWORD AMQP_PORT AMQP_TLS_PORT RABBITMQ_NODE GUICHET_DATA_DIR
python3 -c 'import jsonschema' 2>/dev/null || pip install -q jsonschema
say "building"
swift build --build-tests "$@"
say "domain boundary: each service's Domain/ compiles seeing only Foundation, DomainKit, Contracts and Crypto"
"$root/Tools/Checks/domain-boundary.sh" "$@"
say "testing"
# Suites that stop the shared broker run alone, after the others.
isolated=BrokerOutageTests
# Tests start whole services (PostgreSQL pools, AMQP connections, quorum queues); on a 2-core machine an
# unbounded number at once starves the broker's handshakes. Swift Testing's (experimental) width caps them.
export SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=${SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH:-8}
# A run that stops making progress (a failure that leaves a service waiting) fails here instead of hanging.
test_timeout=${GUICHET_TEST_TIMEOUT_SECONDS:-1200}
run_tests() {
  local status=0
  timeout --kill-after=30 "$test_timeout" swift test --skip-build "$@" || status=$?
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    say "the tests did not finish within ${test_timeout} s (GUICHET_TEST_TIMEOUT_SECONDS): stopped"
  fi
  return "$status"
}
run_tests --skip "$isolated" "$@"
say "testing what stops RabbitMQ ($isolated)"
run_tests --filter "$isolated" "$@"
say "end to end: every service as a process, the gateway, the seeds' journeys, events, schemathesis"
"$root/deploy/e2e.sh" "$@"
