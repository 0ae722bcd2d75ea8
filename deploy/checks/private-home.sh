#!/usr/bin/env bash
# Checks that the local servers work for root when the checkout sits in a folder the postgres and rabbitmq users
# cannot enter (mode 700, as root's home on a fresh Debian machine): clones this checkout into such a folder (with
# this checkout's deploy/ as it is on disk), brings PostgreSQL and RabbitMQ up there on ports of their own,
# checks both answer (and listen on loopback only, Erlang's port mapper too), runs deploy/postgres/setup.sh,
# brings them down and removes everything, whatever happens.
#
#   deploy/checks/private-home.sh      as root; exit 0 when all holds. Ports: POSTGRES_PORT 55432, AMQP_PORT
#                                      55672, AMQP_TLS_PORT 55671, RABBITMQ_MANAGEMENT_PORT 55673, Erlang's port
#                                      mapper 54369 (CHECK_POSTGRES_PORT, CHECK_AMQP_PORT, CHECK_AMQP_TLS_PORT,
#                                      CHECK_RABBITMQ_MANAGEMENT_PORT, CHECK_EPMD_PORT to change them), node
#                                      guichetcheck@localhost; the clone goes under $HOME.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
say() { printf '\033[1m[private-home]\033[0m %s\n' "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }

if [ "$(id -u)" != 0 ]; then
  say "nothing to check as $(id -un): only root hands the servers to the postgres and rabbitmq users"
  exit 0
fi

export POSTGRES_PORT=${CHECK_POSTGRES_PORT:-55432} AMQP_PORT=${CHECK_AMQP_PORT:-55672}
export AMQP_TLS_PORT=${CHECK_AMQP_TLS_PORT:-55671} RABBITMQ_MANAGEMENT_PORT=${CHECK_RABBITMQ_MANAGEMENT_PORT:-55673}
# Its own Erlang port mapper too, so that the check sees servers.sh start and stop it, whatever else runs.
export ERL_EPMD_PORT=${CHECK_EPMD_PORT:-54369}
export RABBITMQ_NODE=guichetcheck@localhost POSTGRES_HOST=127.0.0.1
export POSTGRES_ADMIN_PASSWORD=check-$RANDOM$RANDOM
unset GUICHET_DATA_DIR
for port in "$POSTGRES_PORT" "$AMQP_PORT" "$AMQP_TLS_PORT" "$RABBITMQ_MANAGEMENT_PORT" "$ERL_EPMD_PORT"; do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && fail "port $port is taken: set CHECK_*_PORT"
done

epmd_before=0
epmd -names >/dev/null 2>&1 && epmd_before=1

home=$(mktemp -d "${HOME:-/root}/guichet-check-XXXXXX")
chmod 700 "$home"
checkout=$home/guichet
cleanup() {
  local status=$? link parent
  if [ -x "$checkout/deploy/servers.sh" ]; then
    "$checkout/deploy/servers.sh" down >/dev/null 2>&1 || true
  fi
  # The servers' files, wherever servers.sh put them (linked from the checkout's .local when elsewhere).
  for link in "$checkout/.local/postgres" "$checkout/.local/rabbitmq"; do
    if [ -L "$link" ]; then
      parent=$(dirname "$(readlink -m "$link")")
      case $parent in "${GUICHET_SERVERS_DIR:-/var/lib/guichet}"/?*) rm -rf "$parent" ;; esac
    fi
  done
  rmdir "${GUICHET_SERVERS_DIR:-/var/lib/guichet}" 2>/dev/null || true
  rm -rf "$home"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "cloning into $home (mode $(stat -c %a "$home")), this checkout's deploy/ on top"
git clone -q "$root" "$checkout"
(cd "$root" && tar -cf - deploy) | (cd "$checkout" && tar -xf -)

say "deploy/servers.sh up"
"$checkout/deploy/servers.sh" up || fail "deploy/servers.sh up failed"

pg_isready -q -h 127.0.0.1 -p "$POSTGRES_PORT" || fail "PostgreSQL does not answer on $POSTGRES_PORT"
PGPASSWORD=$POSTGRES_ADMIN_PASSWORD psql -X -qAt -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres -d postgres -c 'SELECT 1' | grep -qx 1 \
  || fail "cannot sign in to PostgreSQL with the admin password"
(exec 3<>"/dev/tcp/127.0.0.1/$AMQP_PORT") 2>/dev/null || fail "RabbitMQ does not answer on $AMQP_PORT"
# rabbitmqctl's own VM sometimes stops short (":terminated") right after the node starts: asked up to 5 times.
topology_seen() {
  for _ in 1 2 3 4 5; do
    rabbitmqctl -q -n "$RABBITMQ_NODE" list_exchanges name 2>/dev/null | grep -q '^guichet\.' && return 0
    sleep 1
  done
  return 1
}
topology_seen || fail "the topology was not imported"

# The servers' files are where their users reach them.
postgres_files=$(readlink -m "$checkout/.local/postgres")
runuser -u postgres -- test -r "$postgres_files/data/PG_VERSION" || fail "postgres cannot read $postgres_files/data"
runuser -u rabbitmq -- test -w "$(readlink -m "$checkout/.local/rabbitmq")/mnesia" || fail "rabbitmq cannot write its mnesia folder"
test -s "$checkout/.local/rabbitmq/tls/ca.pem" || fail "the broker's CA is not at .local/rabbitmq/tls/ca.pem (the tests read it there)"

# Nothing of theirs listens beyond loopback: PostgreSQL, AMQP, management, Erlang distribution, port mapper.
dist_port=$((AMQP_PORT + 20000)); [ "$dist_port" -le 65535 ] || dist_port=$((AMQP_PORT - 20000))
for port in "$POSTGRES_PORT" "$AMQP_PORT" "$AMQP_TLS_PORT" "$RABBITMQ_MANAGEMENT_PORT" "$dist_port" "$ERL_EPMD_PORT"; do
  addresses=$(ss -Hltn "sport = :$port" | awk '{print $4}' | sed 's/:[0-9]*$//' | sort -u | xargs)
  [ -n "$addresses" ] || fail "nothing listens on $port"
  if [ -n "$(tr ' ' '\n' <<<"$addresses" | grep -vxF -e 127.0.0.1 -e '[::1]')" ]; then
    if [ "$port" = "$ERL_EPMD_PORT" ] && [ $epmd_before = 1 ]; then
      say "note: Erlang's port mapper was already running before this check, on $addresses (not this check's doing)"
    else
      fail "port $port listens on $addresses, not only on loopback"
    fi
  fi
done

say "deploy/postgres/setup.sh"
"$checkout/deploy/postgres/setup.sh" guichet_check >/dev/null || fail "deploy/postgres/setup.sh failed"
PGPASSWORD=$POSTGRES_ADMIN_PASSWORD psql -X -qAt -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres -d guichet_check \
  -c "SELECT count(*) FROM pg_namespace WHERE nspname IN ('identity','catalogue','enrolment','payment')" | grep -qx 4 \
  || fail "setup.sh did not make the four schemas"

say "deploy/servers.sh down"
"$checkout/deploy/servers.sh" down || fail "deploy/servers.sh down failed"
pg_isready -q -h 127.0.0.1 -p "$POSTGRES_PORT" && fail "PostgreSQL still answers after down"
(exec 3<>"/dev/tcp/127.0.0.1/$AMQP_PORT") 2>/dev/null && fail "RabbitMQ still answers after down"
if [ $epmd_before = 0 ] && epmd -names >/dev/null 2>&1; then
  if epmd -names | grep -q '^name '; then
    say "note: Erlang's port mapper stays: another node started meanwhile uses it"
  else
    fail "Erlang's port mapper, started by this run, still runs after down"
  fi
fi
say "ok: PostgreSQL and RabbitMQ up and down from a checkout under a private folder"
