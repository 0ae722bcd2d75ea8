#!/usr/bin/env bash
# Starts (up), stops (down) or reports (status) the local PostgreSQL and RabbitMQ used by Guichet,
# as plain processes with their data under $GUICHET_DATA_DIR (default .local/). Servers already
# answering on the configured ports are used as they are.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

postgres_dir=$GUICHET_DATA_DIR/postgres
rabbit_dir=$GUICHET_DATA_DIR/rabbitmq
tls_dir=$rabbit_dir/tls

export RABBITMQ_NODENAME=$RABBITMQ_NODE
export RABBITMQ_NODE_PORT=$AMQP_PORT
export RABBITMQ_DIST_PORT=$((AMQP_PORT + 20000))
export RABBITMQ_MNESIA_BASE=$rabbit_dir/mnesia
export RABBITMQ_LOG_BASE=$rabbit_dir/log
export RABBITMQ_ENABLED_PLUGINS_FILE=$rabbit_dir/enabled_plugins
export RABBITMQ_FEATURE_FLAGS_FILE=$rabbit_dir/feature_flags
export RABBITMQ_CONFIG_FILE=$rabbit_dir/rabbitmq.conf
export RABBITMQ_PID_FILE=$rabbit_dir/rabbitmq.pid

postgres_up() {
  if pg_isready -q -h "$POSTGRES_HOST" -p "$POSTGRES_PORT"; then
    say "PostgreSQL already answering on $POSTGRES_HOST:$POSTGRES_PORT"
    return
  fi
  local bin
  bin=$(pg_bin)
  mkdir -p "$postgres_dir/run"
  is_root && chown -R postgres:postgres "$postgres_dir"
  if [ ! -s "$postgres_dir/data/PG_VERSION" ]; then
    say "initialising PostgreSQL in $postgres_dir/data"
    local pwfile="$postgres_dir/.pwfile"
    printf '%s\n' "$POSTGRES_ADMIN_PASSWORD" > "$pwfile"
    is_root && chown postgres:postgres "$pwfile"
    as_postgres "$bin/initdb" -D "$postgres_dir/data" -U "$POSTGRES_ADMIN_USER" --pwfile="$pwfile" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$pwfile"
  fi
  say "starting PostgreSQL on 127.0.0.1:$POSTGRES_PORT"
  as_postgres "$bin/pg_ctl" -D "$postgres_dir/data" -l "$postgres_dir/postgres.log" -w -t 60 start \
    -o "-p $POSTGRES_PORT -k $postgres_dir/run -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=${POSTGRES_FSYNC:-on}" >/dev/null \
    || { tail -20 "$postgres_dir/postgres.log" >&2; die "PostgreSQL did not start"; }
}

postgres_down() {
  if [ -s "$postgres_dir/data/postmaster.pid" ]; then
    say "stopping PostgreSQL"
    as_postgres "$(pg_bin)/pg_ctl" -D "$postgres_dir/data" -m fast -w stop >/dev/null || true
  fi
}

rabbit_running() {
  (exec 3<>"/dev/tcp/127.0.0.1/$AMQP_PORT") 2>/dev/null
}

rabbit_up() {
  if rabbit_running; then
    say "RabbitMQ already answering on 127.0.0.1:$AMQP_PORT"
    return
  fi
  mkdir -p "$rabbit_dir/mnesia" "$rabbit_dir/log"
  make_tls_certificate
  printf '[rabbitmq_management].\n' > "$RABBITMQ_ENABLED_PLUGINS_FILE"
  cat > "$RABBITMQ_CONFIG_FILE" <<CONF
listeners.tcp.1 = 127.0.0.1:$AMQP_PORT
listeners.ssl.1 = 127.0.0.1:$AMQP_TLS_PORT
ssl_options.cacertfile = $tls_dir/ca.pem
ssl_options.certfile = $tls_dir/server.pem
ssl_options.keyfile = $tls_dir/server.key
ssl_options.verify = verify_none
ssl_options.fail_if_no_peer_cert = false
management.tcp.ip = 127.0.0.1
management.tcp.port = $RABBITMQ_MANAGEMENT_PORT
loopback_users = none
CONF
  # The Debian wrapper drops to the rabbitmq user, which must own the node's folders.
  is_root && chown -R rabbitmq:rabbitmq "$rabbit_dir"
  say "starting RabbitMQ on 127.0.0.1:$AMQP_PORT (management on $RABBITMQ_MANAGEMENT_PORT)"
  # Detached with its own output, so no shell lingers holding the caller's stdout (CI reads it to the end).
  (cd / && exec setsid nohup rabbitmq-server) >"$GUICHET_DATA_DIR/rabbitmq-server.out" 2>&1 </dev/null &
  # await_startup fails at once while the node is not yet reachable: retry it until a deadline.
  local deadline=$((SECONDS + 120))
  until rabbitmqctl -q -n "$RABBITMQ_NODE" await_startup --timeout 30 >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      tail -30 "$GUICHET_DATA_DIR/rabbitmq-server.out" "$rabbit_dir"/log/*.log >&2 2>/dev/null || true
      die "RabbitMQ did not start"
    fi
    sleep 1
  done
}

# A self-signed CA and a server certificate for localhost, so amqps is exercised against a real TLS listener.
make_tls_certificate() {
  [ -s "$tls_dir/server.pem" ] && return
  mkdir -p "$tls_dir"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=Guichet local CA" \
    -keyout "$tls_dir/ca.key" -out "$tls_dir/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$tls_dir/server.key" -out "$tls_dir/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$tls_dir/san.ext"
  openssl x509 -req -in "$tls_dir/server.csr" -CA "$tls_dir/ca.pem" -CAkey "$tls_dir/ca.key" -CAcreateserial \
    -days 3650 -extfile "$tls_dir/san.ext" -out "$tls_dir/server.pem" 2>/dev/null
  chmod 644 "$tls_dir"/*.pem "$tls_dir/server.key"
}

# The topology (exchanges, quorum queues, retry and parking queues, bindings) before any service publishes.
rabbit_topology() {
  rabbitmqctl -q -n "$RABBITMQ_NODE" import_definitions "$root/deploy/rabbitmq/definitions.json" >/dev/null \
    || die "cannot import deploy/rabbitmq/definitions.json"
}

rabbit_down() {
  if rabbitmqctl -q -n "$RABBITMQ_NODE" status >/dev/null 2>&1; then
    say "stopping RabbitMQ"
    rabbitmqctl -q -n "$RABBITMQ_NODE" stop >/dev/null 2>&1 || true
  fi
}

case "${1:-up}" in
  up)
    mkdir -p "$GUICHET_DATA_DIR"
    install_packages
    postgres_up
    rabbit_up
    rabbit_topology
    ;;
  down)
    rabbit_down
    postgres_down
    ;;
  status)
    pg_isready -h "$POSTGRES_HOST" -p "$POSTGRES_PORT" || true
    rabbit_running && echo "RabbitMQ: answering on $AMQP_PORT" || echo "RabbitMQ: not answering on $AMQP_PORT"
    ;;
  *) die "usage: deploy/servers.sh up|down|status" ;;
esac
