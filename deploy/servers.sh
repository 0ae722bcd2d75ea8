#!/usr/bin/env bash
# Starts (up), stops (down) or reports (status) the local PostgreSQL and RabbitMQ used by Guichet,
# as plain processes with their data under $GUICHET_DATA_DIR (default .local/; as root under a private home,
# under $GUICHET_SERVERS_DIR with links from there: see server_dir in lib.sh). Servers already answering on the
# configured ports are used as they are. Everything listens on 127.0.0.1 only, Erlang's port mapper too.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# Set when this script found no port mapper running and RabbitMQ started one: down stops it.
epmd_marker=$GUICHET_DATA_DIR/epmd-started
export RABBITMQ_NODENAME=$RABBITMQ_NODE
export RABBITMQ_NODE_PORT=$AMQP_PORT
# RabbitMQ's convention (AMQP port + 20000), kept within the port range when AMQP_PORT is high.
default_dist_port=$((AMQP_PORT + 20000))
[ "$default_dist_port" -le 65535 ] || default_dist_port=$((AMQP_PORT - 20000))
export RABBITMQ_DIST_PORT=${RABBITMQ_DIST_PORT:-$default_dist_port}

# As root, PostgreSQL runs as postgres and RabbitMQ as rabbitmq: their folders must be theirs to reach. Located
# again once the packages (and so those users) are installed.
locate_servers() {
  postgres_dir=$(server_dir postgres postgres)
  rabbit_dir=$(server_dir rabbitmq rabbitmq)
  tls_dir=$rabbit_dir/tls
  export RABBITMQ_MNESIA_BASE=$rabbit_dir/mnesia
  export RABBITMQ_LOG_BASE=$rabbit_dir/log
  export RABBITMQ_ENABLED_PLUGINS_FILE=$rabbit_dir/enabled_plugins
  export RABBITMQ_FEATURE_FLAGS_FILE=$rabbit_dir/feature_flags
  export RABBITMQ_CONFIG_FILE=$rabbit_dir/rabbitmq.conf
  export RABBITMQ_PID_FILE=$rabbit_dir/rabbitmq.pid
}
locate_servers

postgres_up() {
  if pg_isready -q -h "$POSTGRES_HOST" -p "$POSTGRES_PORT"; then
    say "PostgreSQL already answering on $POSTGRES_HOST:$POSTGRES_PORT"
    return
  fi
  local bin
  bin=$(pg_bin)
  prepare_server_dir postgres postgres "$postgres_dir" data
  mkdir -p "$postgres_dir/run"
  if is_root; then chown -R postgres:postgres "$postgres_dir"; fi
  if [ ! -s "$postgres_dir/data/PG_VERSION" ]; then
    say "initialising PostgreSQL in $postgres_dir/data"
    local pwfile="$postgres_dir/.pwfile"
    (umask 077 && printf '%s\n' "$POSTGRES_ADMIN_PASSWORD" > "$pwfile")
    if is_root; then chown postgres:postgres "$pwfile"; fi
    as_postgres "$bin/initdb" -D "$postgres_dir/data" -U "$POSTGRES_ADMIN_USER" --pwfile="$pwfile" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null \
      || { rm -f "$pwfile"; die "initdb failed in $postgres_dir/data"; }
    rm -f "$pwfile"
  fi
  say "starting PostgreSQL on 127.0.0.1:$POSTGRES_PORT"
  as_postgres "$bin/pg_ctl" -D "$postgres_dir/data" -l "$postgres_dir/postgres.log" -w -t 60 start \
    -o "-p $POSTGRES_PORT -k $postgres_dir/run -c listen_addresses=127.0.0.1 -c max_connections=800 -c fsync=${POSTGRES_FSYNC:-on}" >/dev/null \
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
  prepare_server_dir rabbitmq rabbitmq "$rabbit_dir" mnesia
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
distribution.listener.interface = 127.0.0.1
CONF
  # The Debian wrapper drops to the rabbitmq user, which must own the node's folders.
  if is_root; then chown -R rabbitmq:rabbitmq "$rabbit_dir"; fi
  # The node starts a port mapper when none runs; remember it, so that down stops it.
  if ! epmd -names >/dev/null 2>&1; then touch "$epmd_marker"; fi
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
# On standard input: as root, rabbitmqctl runs as the rabbitmq user, who may not reach the checkout.
rabbit_topology() {
  rabbitmqctl -q -n "$RABBITMQ_NODE" import_definitions --format json <"$root/deploy/rabbitmq/definitions.json" >/dev/null \
    || die "cannot import deploy/rabbitmq/definitions.json"
}

rabbit_down() {
  local epmd_was_running=0
  epmd -names >/dev/null 2>&1 && epmd_was_running=1
  if rabbitmqctl -q -n "$RABBITMQ_NODE" status >/dev/null 2>&1; then
    say "stopping RabbitMQ"
    rabbitmqctl -q -n "$RABBITMQ_NODE" stop >/dev/null 2>&1 || true
  fi
  # The port mapper RabbitMQ (or the rabbitmqctl just above) started, once no node is registered with it (epmd
  # itself refuses -kill while one is).
  if [ -e "$epmd_marker" ] || [ $epmd_was_running = 0 ]; then
    local deadline=$((SECONDS + 10)) names
    while names=$(epmd -names 2>/dev/null) && grep -q '^name ' <<<"$names" && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    if ! names=$(epmd -names 2>/dev/null); then
      :  # not running
    elif grep -q '^name ' <<<"$names"; then
      say "leaving Erlang's port mapper running: other nodes use it ($(awk '/^name /{print $2}' <<<"$names" | xargs))"
    else
      epmd -kill >/dev/null 2>&1 || true
    fi
    rm -f "$epmd_marker"
  fi
}

case "${1:-up}" in
  up)
    mkdir -p "$GUICHET_DATA_DIR"
    install_packages
    locate_servers
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
    echo "PostgreSQL's files: $postgres_dir"
    echo "RabbitMQ's files: $rabbit_dir"
    ;;
  *) die "usage: deploy/servers.sh up|down|status" ;;
esac
