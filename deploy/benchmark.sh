#!/usr/bin/env bash
# Prints Guichet's figures on the local servers (started when needed):
#   messaging  events per second through outbox → RabbitMQ → inbox, and outbox-to-effect latency (p50/p99)
#   identity   sign-ins per second at BCRYPT_COST (default 12), and the p50/p99 of an unrelated request
#              during a burst of sign-ins (BENCH_CLIENTS, BENCH_SECONDS)
#   catalogue  search requests per second and p50/p99 on BENCH_OFFERINGS (default 20,000) published offerings,
#              beside the bare GET /healthz of the same service
#   enrolment  the registration-day rush: saturation of guest checkouts, then open-loop arrivals at half of it
#              on a 500-seat session (seats taken must equal capacity), beside pgbench's ceiling of one seat
#              claim per transaction on the same table
# deploy/benchmark.sh [messaging|identity|catalogue|enrolment|all]. GUICHET_BUILD_CONFIGURATION=release for figures worth comparing.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root"
target=${1:-all}
"$root/deploy/servers.sh" up
configuration=${GUICHET_BUILD_CONFIGURATION:-debug}
export POSTGRES_HOST POSTGRES_PORT POSTGRES_ADMIN_USER POSTGRES_ADMIN_PASSWORD AMQP_PORT

if [ "$target" = messaging ] || [ "$target" = all ]; then
  "$root/deploy/postgres/setup.sh" guichet_test_template
  swift build -c "$configuration" --product guichet-messaging-benchmark
  "$(swift build -c "$configuration" --show-bin-path)/guichet-messaging-benchmark"
fi

if [ "$target" = identity ] || [ "$target" = all ]; then
  database=guichet_bench
  admin_psql -d postgres -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null
  "$root/deploy/postgres/setup.sh" "$database" >/dev/null
  swift build -c "$configuration" --product guichet-identity
  work=$(mktemp -d)
  trap 'kill "$identity_pid" 2>/dev/null || true; wait "$identity_pid" 2>/dev/null || true; rm -rf "$work"
    python3 "$root/deploy/rabbitmq/delete-namespaced.py" bench. "$RABBITMQ_MANAGEMENT_PORT" >/dev/null' EXIT
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/key.pem" 2>/dev/null
  openssl pkey -in "$work/key.pem" -pubout -out "$work/public.pem"
  export BCRYPT_COST=${BCRYPT_COST:-12} MAIL_FILE_DIRECTORY=$work/mail IDENTITY_URL=http://127.0.0.1:18081
  HTTP_PORT=18081 POSTGRES_DATABASE=$database JWT_PRIVATE_KEY_FILE=$work/key.pem JWT_PUBLIC_KEYS_FILE=$work/public.pem \
    CODE_HASH_KEY=$(openssl rand -base64 32) MAIL_TRANSPORT=file AMQP_NAMESPACE=bench. LOG_LEVEL=warning \
    "$(swift build -c "$configuration" --show-bin-path)/guichet-identity" serve >"$work/identity.log" 2>&1 &
  identity_pid=$!
  for _ in $(seq 1 100); do curl -fsS "$IDENTITY_URL/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
  curl -fsS "$IDENTITY_URL/readyz" >/dev/null || { cat "$work/identity.log" >&2; die "identity did not start"; }
  echo "($configuration build)"
  python3 "$root/Tools/Benchmarks/identity/signin_benchmark.py"
fi

if [ "$target" = catalogue ] || [ "$target" = all ]; then
  database=guichet_bench_catalogue
  admin_psql -d postgres -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null
  "$root/deploy/postgres/setup.sh" "$database" >/dev/null
  swift build -c "$configuration" --product guichet-catalogue
  bin=$(swift build -c "$configuration" --show-bin-path)
  keys=$(mktemp -d)
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$keys/key.pem" 2>/dev/null
  openssl pkey -in "$keys/key.pem" -pubout -out "$keys/public.pem"
  export BENCH_OFFERINGS=${BENCH_OFFERINGS:-20000} CATALOGUE_URL=http://127.0.0.1:18082
  catalogue_env=(HTTP_PORT=18082 POSTGRES_DATABASE=$database JWT_PUBLIC_KEYS_FILE=$keys/public.pem AMQP_NAMESPACE=bench. LOG_LEVEL=warning)
  env "${catalogue_env[@]}" "$bin/guichet-catalogue" migrate >/dev/null
  env "${catalogue_env[@]}" "$bin/guichet-catalogue" generate-catalogue "$BENCH_OFFERINGS"
  admin_psql -d "$database" -c "ANALYZE catalogue.offerings; ANALYZE catalogue.sessions" >/dev/null
  env "${catalogue_env[@]}" "$bin/guichet-catalogue" serve >"$keys/catalogue.log" 2>&1 &
  catalogue_pid=$!
  trap 'kill "$catalogue_pid" 2>/dev/null || true; rm -rf "$keys"; python3 "$root/deploy/rabbitmq/delete-namespaced.py" bench. "$RABBITMQ_MANAGEMENT_PORT" >/dev/null' EXIT
  for _ in $(seq 1 100); do curl -fsS "$CATALOGUE_URL/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
  echo "($configuration build)"
  python3 "$root/Tools/Benchmarks/catalogue/search_benchmark.py"
fi

if [ "$target" = enrolment ] || [ "$target" = all ]; then
  database=guichet_bench_enrolment
  admin_psql -d postgres -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null
  "$root/deploy/postgres/setup.sh" "$database" >/dev/null
  swift build -c "$configuration" --product guichet-enrolment
  bin=$(swift build -c "$configuration" --show-bin-path)
  keys=$(mktemp -d)
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$keys/key.pem" 2>/dev/null
  openssl pkey -in "$keys/key.pem" -pubout -out "$keys/public.pem"
  export ENROLMENT_URL=http://127.0.0.1:18083 BENCH_DATABASE=$database
  enrolment_env=(HTTP_PORT=18083 POSTGRES_DATABASE=$database JWT_PUBLIC_KEYS_FILE=$keys/public.pem AMQP_NAMESPACE=bench.
    ENROLMENT_KEY=$(openssl rand -base64 32) LOG_LEVEL=warning)
  env "${enrolment_env[@]}" "$bin/guichet-enrolment" serve >"$keys/enrolment.log" 2>&1 &
  enrolment_pid=$!
  trap 'kill "$enrolment_pid" 2>/dev/null || true; rm -rf "$keys"; python3 "$root/deploy/rabbitmq/delete-namespaced.py" bench. "$RABBITMQ_MANAGEMENT_PORT" >/dev/null' EXIT
  for _ in $(seq 1 100); do curl -fsS "$ENROLMENT_URL/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
  curl -fsS "$ENROLMENT_URL/readyz" >/dev/null || { cat "$keys/enrolment.log" >&2; die "enrolment did not start"; }
  echo "($configuration build)"
  python3 "$root/Tools/Benchmarks/enrolment/rush_benchmark.py"
fi
