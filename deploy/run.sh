#!/usr/bin/env bash
# README command 1: the whole platform on this machine, without Docker. Installs and starts PostgreSQL and
# RabbitMQ when needed, creates roles, schemas and extensions, generates the token keys, builds, starts the
# four services (each migrates its schema) and the sandbox card processor, loads demo data dated relative to today, and says where all is.
# deploy/stop.sh stops everything.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root"
configuration=${GUICHET_BUILD_CONFIGURATION:-debug}
run_dir=$GUICHET_DATA_DIR/run
log_dir=$GUICHET_DATA_DIR/logs
keys_dir=$GUICHET_DATA_DIR/keys
mkdir -p "$run_dir" "$log_dir" "$keys_dir"

"$root/deploy/servers.sh" up
"$root/deploy/postgres/setup.sh" "$POSTGRES_DATABASE"
keep_with_database keys
mkdir -p "$(readlink -m "$keys_dir")"

# Identity signs access tokens with this key; every service verifies them with the public half.
if [ ! -s "$keys_dir/access-token-private.pem" ]; then
  say "generating the access-token key pair in $keys_dir"
  (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$keys_dir/access-token-private.pem")
  openssl pkey -in "$keys_dir/access-token-private.pem" -pubout -out "$keys_dir/access-token-public.pem"
fi
# Identity keeps mailed codes as an HMAC under this key, and seals queued mails with a key derived from it.
if [ ! -s "$keys_dir/code-hash.key" ]; then
  (umask 077 && openssl rand -base64 32 > "$keys_dir/code-hash.key")
fi
# Enrolment derives guests' tokens from this key; payment seals its mails with its own.
for key in enrolment payment; do
  if [ ! -s "$keys_dir/$key.key" ]; then
    (umask 077 && openssl rand -base64 32 > "$keys_dir/$key.key")
  fi
done
# Payment seals payers' social insurance numbers with these keys, one per line ('<id> <base64>'); to rotate,
# append a line: the last seals, older ones still open until payment has sealed their numbers again.
if [ ! -s "$keys_dir/payment-tax-number.keys" ]; then
  (umask 077 && echo "$(date -u +%Y%m%d) $(openssl rand -base64 32)" > "$keys_dir/payment-tax-number.keys")
fi
# The sandbox processor signs its webhooks with this secret; payment checks them with it.
if [ ! -s "$keys_dir/processor-webhook-secret" ]; then
  (umask 077 && openssl rand -hex 32 > "$keys_dir/processor-webhook-secret")
fi

say "building ($configuration)"
swift build -c "$configuration"
bin=$(swift build -c "$configuration" --show-bin-path)

# The sandbox card processor (not one of Guichet's services) stands in for the real one, as the mail folder
# stands in for SMTP: hosted-fields tokens on $SANDBOX_PORT, webhooks to payment.
pid_file=$run_dir/sandbox-processor.pid
if ! { [ -s "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; }; then
  env SANDBOX_HOST=127.0.0.1 SANDBOX_PORT="$SANDBOX_PORT" SANDBOX_WEBHOOK_SECRET_FILE="$keys_dir/processor-webhook-secret" \
    SANDBOX_WEBHOOK_URL="http://127.0.0.1:${SERVICE_PORTS[payment]}/v1/processor/webhooks" \
    nohup "$bin/guichet-sandbox-processor" >>"$log_dir/sandbox-processor.log" 2>&1 &
  echo $! > "$pid_file"
fi

for service in "${SERVICES[@]}"; do
  pid_file=$run_dir/$service.pid
  if [ -s "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    say "$service already running (pid $(cat "$pid_file")); deploy/stop.sh first to restart it"
    continue
  fi
  # Identity alone signs tokens and hashes codes; identity and enrolment send mail (as .eml files in $GUICHET_DATA_DIR/mail here).
  # Clients reach identity through the gateway: their address is the one the gateway puts in X-Forwarded-For (one
  # throttle per client, not one for 127.0.0.1), and mailed links go to the portal at the gateway's address.
  own=()
  if [ "$service" = identity ]; then
    own=(JWT_PRIVATE_KEY_FILE="$keys_dir/access-token-private.pem" CODE_HASH_KEY_FILE="$keys_dir/code-hash.key"
      MAIL_TRANSPORT="${MAIL_TRANSPORT:-file}" MAIL_FILE_DIRECTORY="${MAIL_FILE_DIRECTORY:-$GUICHET_DATA_DIR/mail}"
      ADMIN_EMAILS="${ADMIN_EMAILS:-admin@guichet.local}" BCRYPT_COST="${BCRYPT_COST:-12}"
      TRUST_FORWARDED_FOR=true PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://127.0.0.1:$GATEWAY_PORT}")
  elif [ "$service" = enrolment ]; then
    own=(ENROLMENT_KEY_FILE="$keys_dir/enrolment.key"
      MAIL_TRANSPORT="${MAIL_TRANSPORT:-file}" MAIL_FILE_DIRECTORY="${MAIL_FILE_DIRECTORY:-$GUICHET_DATA_DIR/mail}")
  elif [ "$service" = payment ]; then
    own=(PAYMENT_KEY_FILE="$keys_dir/payment.key" PAYMENT_TAX_NUMBER_KEYS_FILE="$keys_dir/payment-tax-number.keys"
      PROCESSOR_URL="http://127.0.0.1:$SANDBOX_PORT"
      PROCESSOR_WEBHOOK_SECRET_FILE="$keys_dir/processor-webhook-secret" PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://127.0.0.1:$GATEWAY_PORT}"
      MAIL_TRANSPORT="${MAIL_TRANSPORT:-file}" MAIL_FILE_DIRECTORY="${MAIL_FILE_DIRECTORY:-$GUICHET_DATA_DIR/mail}")
  elif [ "$service" = portal ]; then
    own=(CATALOGUE_URL="http://127.0.0.1:${SERVICE_PORTS[catalogue]}" IDENTITY_URL="http://127.0.0.1:${SERVICE_PORTS[identity]}"
      ENROLMENT_URL="http://127.0.0.1:${SERVICE_PORTS[enrolment]}" PAYMENT_URL="http://127.0.0.1:${SERVICE_PORTS[payment]}"
      CARD_ENTRY_URL="${CARD_ENTRY_URL:-http://127.0.0.1:$SANDBOX_PORT/hosted/card-entry}"
      TRUST_FORWARDED_FOR=true PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://127.0.0.1:$GATEWAY_PORT}")
  fi
  # Loopback only, whatever HTTP_HOST the caller's shell has: nobody bypasses the gateway.
  env HTTP_HOST=127.0.0.1 HTTP_PORT="${SERVICE_PORTS[$service]}" POSTGRES_HOST="$POSTGRES_HOST" POSTGRES_PORT="$POSTGRES_PORT" \
    POSTGRES_DATABASE="$POSTGRES_DATABASE" JWT_PUBLIC_KEYS_FILE="$keys_dir/access-token-public.pem" "${own[@]}" \
    nohup "$bin/guichet-$service" serve >>"$log_dir/$service.log" 2>&1 &
  echo $! > "$pid_file"
done

for service in "${SERVICES[@]}"; do
  port=${SERVICE_PORTS[$service]}
  for _ in $(seq 1 150); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null || { tail -20 "$log_dir/$service.log" >&2; die "$service is not ready"; }
done

# The gateway: Debian's nginx with the same configuration as compose's, the four APIs on one port.
gateway_dir=$GUICHET_DATA_DIR/gateway
if ! { [ -s "$gateway_dir/nginx.pid" ] && kill -0 "$(cat "$gateway_dir/nginx.pid")" 2>/dev/null; }; then
  python3 "$root/deploy/gateway/nginx_config.py" "$gateway_dir" "$GATEWAY_PORT" "127.0.0.1:${SERVICE_PORTS[identity]}" \
    "127.0.0.1:${SERVICE_PORTS[catalogue]}" "127.0.0.1:${SERVICE_PORTS[enrolment]}" "127.0.0.1:${SERVICE_PORTS[payment]}" \
    "127.0.0.1:${SERVICE_PORTS[portal]}" >/dev/null
  nginx -p "$gateway_dir" -c "$gateway_dir/nginx.conf"
fi

JWT_PRIVATE_KEY_FILE=$keys_dir/access-token-private.pem JWT_PUBLIC_KEYS_FILE=$keys_dir/access-token-public.pem \
  BIN="$bin" "$root/deploy/demo-data.sh"
# The demo tokens are access tokens from a sign-in: they last ACCESS_TOKEN_MINUTES (15 at most).
token_minutes=${ACCESS_TOKEN_MINUTES:-15}
token_until=$(date -d "+$token_minutes minutes" +%H:%M)
gateway=http://127.0.0.1:$GATEWAY_PORT

cat >&2 <<INFO

Guichet is running.
  open       $gateway/   in a browser: the family portal (French; English one click away)
  gateway    $gateway   (the portal at /; /identity/, /catalogue/, /enrolment/, /payment/: the one address for clients)
  identity   http://127.0.0.1:${SERVICE_PORTS[identity]}   (/openapi.yaml, /healthz, /readyz, /metrics; loopback only, like the three below)
  catalogue  http://127.0.0.1:${SERVICE_PORTS[catalogue]}
  enrolment  http://127.0.0.1:${SERVICE_PORTS[enrolment]}
  payment    http://127.0.0.1:${SERVICE_PORTS[payment]}
  portal     http://127.0.0.1:${SERVICE_PORTS[portal]}
  sandbox card processor http://127.0.0.1:$SANDBOX_PORT (POST /v1/tokens; test cards in the README)
  PostgreSQL 127.0.0.1:$POSTGRES_PORT database $POSTGRES_DATABASE (admin $POSTGRES_ADMIN_USER)
  RabbitMQ   amqp://127.0.0.1:$AMQP_PORT   management http://127.0.0.1:$RABBITMQ_MANAGEMENT_PORT (guest/guest: this local broker only, from loopback only)
  logs       $log_dir
  mails      $GUICHET_DATA_DIR/mail (one .eml per mail: verification codes, links to the portal at $gateway, resets, receipts)
  demo       parent@guichet.local / Demo-Guichet-2026 (two children; token in $GUICHET_DATA_DIR/demo-token)
             admin@guichet.local / Demo-Guichet-2026 (platform admin, token in $GUICHET_DATA_DIR/demo-admin-token), with the second
               factor staff must use: its authenticator-app key is in $GUICHET_DATA_DIR/demo-admin-totp-key; add it to an app, or
               python3 deploy/demo/second_factor.py code \$(cat $GUICHET_DATA_DIR/demo-admin-totp-key)   prints the code to sign in with
             the tokens expire after $token_minutes minutes (at $token_until); sign in again for a fresh one (the admin's: python3
               deploy/demo/second_factor.py token $gateway/identity admin@guichet.local Demo-Guichet-2026 $GUICHET_DATA_DIR/demo-admin-totp-key):
               curl -fsS -H 'Content-Type: application/json' -d '{"email":"parent@guichet.local","password":"Demo-Guichet-2026"}' \\
                 $gateway/identity/v1/sessions | python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])' > $GUICHET_DATA_DIR/demo-token
             the seeds' catalogue: CAL recovery courses, CSSPO macaroni fund-raiser, Baie-Comeau day camps, a Cégep course
Stop with deploy/stop.sh.
INFO
