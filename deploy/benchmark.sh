#!/usr/bin/env bash
# Prints Guichet's figures on the local servers (started when needed):
#   messaging  events per second through outbox → RabbitMQ → inbox, and outbox-to-effect latency (p50/p99)
#   identity   sign-ins per second at BCRYPT_COST (default 12), and the p50/p99 of an unrelated request
#              during a burst of sign-ins (BENCH_CLIENTS, BENCH_SECONDS)
#   catalogue  search requests per second and p50/p99 on BENCH_OFFERINGS (default 20,000) published offerings,
#              beside the bare GET /healthz of the same service
#   enrolment  the registration-day rush: saturation of guest checkouts, then open-loop arrivals at half of it
#              (or at BENCH_RUSH_RATE per second, to compare two builds at one load)
#              on a 500-seat session (seats taken must equal capacity), beside pgbench's ceiling of one seat
#              claim per transaction on the same table
#   portal     the portal's catalogue and offering pages through the gateway at BENCH_CLIENTS (default 50), beside
#              the catalogue API's own search on the same BENCH_OFFERINGS: requests/s, p50/p95, bytes, the ratio
#   payment    payments per second through the sandbox processor, and the p50/p99 of a double-submit storm
#              (10 identical requests per checkout) with the check that each checkout was charged once
#   releve24   a year's Relevé 24 slips of an organisation of 1,000 then 10,000 payers (50,000 paid lines):
#              seconds to generate and to issue, and the payment process's resident memory before and at its peak
# deploy/benchmark.sh [messaging|identity|catalogue|portal|enrolment|payment|releve24|all]. GUICHET_BUILD_CONFIGURATION=release for figures worth comparing.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root"
target=${1:-all}
"$root/deploy/servers.sh" up
configuration=${GUICHET_BUILD_CONFIGURATION:-debug}
export POSTGRES_HOST POSTGRES_PORT POSTGRES_ADMIN_USER POSTGRES_ADMIN_PASSWORD AMQP_PORT
bin=$(swift build -c "$configuration" --show-bin-path)

# Each benchmarked service runs on its own fresh database, with a throw-away token key pair; all of it goes at exit.
pids=()
work=$(mktemp -d)
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
  python3 "$root/deploy/rabbitmq/delete-namespaced.py" bench. "$RABBITMQ_MANAGEMENT_PORT" >/dev/null || true
}
trap cleanup EXIT
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/key.pem" 2>/dev/null
openssl pkey -in "$work/key.pem" -pubout -out "$work/public.pem"

fresh_database() {
  admin_psql -d postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null
  "$root/deploy/postgres/setup.sh" "$1" >/dev/null
}

# serve SERVICE URL VAR=VALUE…: starts the service with those settings and waits until it is ready.
serve() {
  local service=$1 url=$2
  shift 2
  env JWT_PUBLIC_KEYS_FILE="$work/public.pem" AMQP_NAMESPACE=bench. LOG_LEVEL=warning "$@" \
    "$bin/guichet-$service" serve >"$work/$service.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do curl -fsS "$url/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
  curl -fsS "$url/readyz" >/dev/null || { cat "$work/$service.log" >&2; die "$service did not start"; }
  echo "($configuration build)"
}

if [ "$target" = messaging ] || [ "$target" = all ]; then
  "$root/deploy/postgres/setup.sh" guichet_test_template
  swift build -c "$configuration" --product guichet-messaging-benchmark
  "$bin/guichet-messaging-benchmark"
fi

if [ "$target" = identity ] || [ "$target" = all ]; then
  fresh_database guichet_bench
  swift build -c "$configuration" --product guichet-identity
  export BCRYPT_COST=${BCRYPT_COST:-12} IDENTITY_URL=http://127.0.0.1:18081 MAIL_FILE_DIRECTORY=$work/mail
  serve identity "$IDENTITY_URL" HTTP_PORT=18081 POSTGRES_DATABASE=guichet_bench JWT_PRIVATE_KEY_FILE="$work/key.pem" \
    CODE_HASH_KEY="$(openssl rand -base64 32)" MAIL_TRANSPORT=file
  python3 "$root/Tools/Benchmarks/identity/signin_benchmark.py"
fi

if [ "$target" = catalogue ] || [ "$target" = all ]; then
  database=guichet_bench_catalogue
  fresh_database $database
  swift build -c "$configuration" --product guichet-catalogue
  export BENCH_OFFERINGS=${BENCH_OFFERINGS:-20000} CATALOGUE_URL=http://127.0.0.1:18082
  catalogue_env=(HTTP_PORT=18082 POSTGRES_DATABASE=$database JWT_PUBLIC_KEYS_FILE="$work/public.pem" AMQP_NAMESPACE=bench. LOG_LEVEL=warning)
  env "${catalogue_env[@]}" "$bin/guichet-catalogue" migrate >/dev/null
  env "${catalogue_env[@]}" "$bin/guichet-catalogue" generate-catalogue "$BENCH_OFFERINGS"
  admin_psql -d "$database" -c "ANALYZE catalogue.offerings; ANALYZE catalogue.sessions" >/dev/null
  serve catalogue "$CATALOGUE_URL" "${catalogue_env[@]}"
  python3 "$root/Tools/Benchmarks/catalogue/search_benchmark.py"
fi

if [ "$target" = portal ] || [ "$target" = all ]; then
  database=guichet_bench_portal
  fresh_database $database
  swift build -c "$configuration" --product guichet-catalogue
  swift build -c "$configuration" --product guichet-portal
  export BENCH_OFFERINGS=${BENCH_OFFERINGS:-20000} CATALOGUE_URL=http://127.0.0.1:18082 GATEWAY_URL=http://127.0.0.1:18080
  catalogue_env=(HTTP_PORT=18082 POSTGRES_DATABASE=$database JWT_PUBLIC_KEYS_FILE="$work/public.pem" AMQP_NAMESPACE=bench. LOG_LEVEL=warning)
  env "${catalogue_env[@]}" "$bin/guichet-catalogue" migrate >/dev/null
  env "${catalogue_env[@]}" "$bin/guichet-catalogue" generate-catalogue "$BENCH_OFFERINGS"
  admin_psql -d "$database" -c "ANALYZE catalogue.offerings; ANALYZE catalogue.sessions" >/dev/null
  serve catalogue "$CATALOGUE_URL" "${catalogue_env[@]}"
  serve portal http://127.0.0.1:18085 HTTP_PORT=18085 POSTGRES_DATABASE=$database CATALOGUE_URL=$CATALOGUE_URL TRUST_FORWARDED_FOR=true
  # The gateway as run.sh and compose run it (only the catalogue and the portal answer behind it here).
  configuration_file=$(python3 "$root/deploy/gateway/nginx_config.py" "$work/nginx" 18080 127.0.0.1:18081 127.0.0.1:18082 \
    127.0.0.1:18083 127.0.0.1:18084 127.0.0.1:18085)
  nginx -p "$work/nginx" -c "$configuration_file" -g 'daemon off;' >"$work/nginx.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 50); do curl -fsS "$GATEWAY_URL/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
  python3 "$root/Tools/Benchmarks/portal/portal_benchmark.py"
fi

if [ "$target" = enrolment ] || [ "$target" = all ]; then
  fresh_database guichet_bench_enrolment
  swift build -c "$configuration" --product guichet-enrolment
  export ENROLMENT_URL=http://127.0.0.1:18083 BENCH_DATABASE=guichet_bench_enrolment
  # The rush comes from one address (this machine): lift the per-address guest limits, not the per-email ones.
  serve enrolment "$ENROLMENT_URL" HTTP_PORT=18083 POSTGRES_DATABASE=guichet_bench_enrolment ENROLMENT_KEY="$(openssl rand -base64 32)" \
    GUEST_CHECKOUTS_PER_HOUR_BY_ADDRESS=1000000 GUEST_SEATS_HELD_BY_ADDRESS=1000000
  python3 "$root/Tools/Benchmarks/enrolment/rush_benchmark.py"
fi

if [ "$target" = payment ] || [ "$target" = all ]; then
  fresh_database guichet_bench_payment
  swift build -c "$configuration" --product guichet-payment --product guichet-sandbox-processor 2>/dev/null ||
    { swift build -c "$configuration" --product guichet-payment && swift build -c "$configuration" --product guichet-sandbox-processor; }
  export PAYMENT_URL=http://127.0.0.1:18084 SANDBOX_URL=http://127.0.0.1:18090 BENCH_DATABASE=guichet_bench_payment
  webhook_secret=$(openssl rand -hex 32)
  SANDBOX_PORT=18090 SANDBOX_WEBHOOK_SECRET="$webhook_secret" SANDBOX_WEBHOOK_URL=$PAYMENT_URL/v1/processor/webhooks \
    "$bin/guichet-sandbox-processor" >"$work/sandbox.log" 2>&1 &
  pids+=($!)
  serve payment "$PAYMENT_URL" HTTP_PORT=18084 POSTGRES_DATABASE=guichet_bench_payment PAYMENT_KEY="$(openssl rand -base64 32)" \
    PAYMENT_TAX_NUMBER_KEYS="bench $(openssl rand -base64 32)" \
    PROCESSOR_URL=$SANDBOX_URL PROCESSOR_WEBHOOK_SECRET="$webhook_secret" MAIL_TRANSPORT=file MAIL_FILE_DIRECTORY="$work/mail"
  python3 "$root/Tools/Benchmarks/payment/payment_benchmark.py"
fi

if [ "$target" = releve24 ] || [ "$target" = all ]; then
  fresh_database guichet_bench_releve24
  swift build -c "$configuration" --product guichet-payment
  export PAYMENT_URL=http://127.0.0.1:18086 BENCH_DATABASE=guichet_bench_releve24
  serve payment "$PAYMENT_URL" HTTP_PORT=18086 POSTGRES_DATABASE=guichet_bench_releve24 PAYMENT_KEY="$(openssl rand -base64 32)" \
    PAYMENT_TAX_NUMBER_KEYS="bench $(openssl rand -base64 32)" PROCESSOR_WEBHOOK_SECRET="$(openssl rand -hex 32)" \
    MAIL_TRANSPORT=file MAIL_FILE_DIRECTORY="$work/mail-releve24"
  BENCH_PAYMENT_PID=${pids[-1]} BENCH_PRIVATE_KEY="$work/key.pem" BENCH_PUBLIC_KEY="$work/public.pem" \
    python3 "$root/Tools/Benchmarks/payment/releve24_benchmark.py"
fi
