# Shared by deploy/*.sh: locations, ports and helpers for a local run without Docker or systemd.
# Every value can be overridden by the environment variable of the same name.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
GUICHET_DATA_DIR=${GUICHET_DATA_DIR:-$root/.local}
POSTGRES_HOST=${POSTGRES_HOST:-127.0.0.1}
POSTGRES_PORT=${POSTGRES_PORT:-5432}
POSTGRES_DATABASE=${POSTGRES_DATABASE:-guichet}
POSTGRES_ADMIN_USER=${POSTGRES_ADMIN_USER:-postgres}
POSTGRES_ADMIN_PASSWORD=${POSTGRES_ADMIN_PASSWORD:-postgres}
AMQP_PORT=${AMQP_PORT:-5672}
AMQP_TLS_PORT=${AMQP_TLS_PORT:-5671}
RABBITMQ_MANAGEMENT_PORT=${RABBITMQ_MANAGEMENT_PORT:-15672}
RABBITMQ_NODE=${RABBITMQ_NODE:-guichet@localhost}
SERVICES=(identity catalogue enrolment payment portal)
declare -A SERVICE_PORTS=([identity]=8081 [catalogue]=8082 [enrolment]=8083 [payment]=8084 [portal]=8085)
SANDBOX_PORT=${SANDBOX_PORT:-8090}
GATEWAY_PORT=${GATEWAY_PORT:-8080}
# Where PostgreSQL's and RabbitMQ's files go when their users cannot reach $GUICHET_DATA_DIR (see server_dir).
GUICHET_SERVERS_DIR=${GUICHET_SERVERS_DIR:-/var/lib/guichet}
# Erlang's port mapper (started by RabbitMQ and by every rabbitmqctl) listens on loopback only, as the broker does.
export ERL_EPMD_ADDRESS=${ERL_EPMD_ADDRESS:-127.0.0.1}

say() { printf '\033[1m[guichet]\033[0m %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

# PostgreSQL's initdb refuses root: run the server as the postgres user when we are root (from /, since the
# caller's folder may be closed to that user).
as_postgres() {
  if is_root; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# Where server NAME (postgresql, rabbitmq), which runs as USER when we are root, keeps its files. Normally
# $GUICHET_DATA_DIR/NAME. But root's checkout often sits in a private home (mode 700) that USER cannot enter:
# then the files go under $GUICHET_SERVERS_DIR/<hash of the data folder>/NAME (root-owned, reachable), and
# $GUICHET_DATA_DIR/NAME is a link to it (tests and people find them at the usual place).
server_dir() {
  local name=$1 user=$2 here=$GUICHET_DATA_DIR/$1
  if ! is_root || ! id -u "$user" >/dev/null 2>&1; then
    echo "$here"
  elif [ -L "$here" ]; then
    readlink -m "$here"
  elif runuser -u "$user" -- test -x "$GUICHET_DATA_DIR" 2>/dev/null; then
    echo "$here"
  else
    echo "$GUICHET_SERVERS_DIR/$(realpath -m "$GUICHET_DATA_DIR" | sha256sum | cut -c1-12)/$name"
  fi
}

# Files that must live as long as the database they open (the keys that seal its rows and sign its tokens,
# the demo admin's authenticator key): beside PostgreSQL's files when those are outside the checkout
# (server_dir), linked from $GUICHET_DATA_DIR/NAME, so a checkout cloned again into the same folder finds them
# with its data. When both places hold one, the database's side wins (it is the one that opens its rows).
keep_with_database() {
  local name=$1 here=$GUICHET_DATA_DIR/$1 home
  home=$(dirname "$(readlink -m "$GUICHET_DATA_DIR/postgres")")
  [ "$home" != "$(realpath -m "$GUICHET_DATA_DIR")" ] || return 0
  if [ -e "$here" ] && [ ! -L "$here" ]; then
    if [ -e "$home/$name" ]; then rm -rf "$here"; else mv "$here" "$home/$name"; fi
  fi
  ln -sfn "$home/$name" "$here"
}

# Makes server_dir's folder (and the link to it when it is elsewhere). A folder of the same name holding data
# (the given marker, non-empty) is never replaced: say what to do instead.
prepare_server_dir() {
  local name=$1 user=$2 dir=$3 marker=$4 here=$GUICHET_DATA_DIR/$1
  if [ "$dir" != "$here" ] && [ ! -L "$here" ]; then
    if [ -d "$here/$marker" ] && [ -n "$(ls -A "$here/$marker" 2>/dev/null)" ]; then
      die "$here holds $name data the $user user cannot reach (a parent folder is private, mode 700):" \
        "move it to $dir (mv $here $dir), or let $user through the parents (chmod o+x on each), then run again"
    fi
    rm -rf "$here"
  fi
  mkdir -p "$dir"
  if [ "$dir" != "$here" ]; then
    chmod 755 "$GUICHET_SERVERS_DIR" "$(dirname "$dir")"
    printf '%s\n' "$(realpath -m "$GUICHET_DATA_DIR")" > "$(dirname "$dir")/data-dir"
    [ -L "$here" ] || { ln -s "$dir" "$here"; say "$name's files are in $dir ($user cannot enter $GUICHET_DATA_DIR); linked from $here"; }
  fi
  if is_root; then chown -R "$user:$user" "$dir"; fi
}

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] || die "PostgreSQL binaries not found under /usr/lib/postgresql (apt-get install postgresql)"
  echo "$dir"
}

admin_psql() {
  PGPASSWORD=$POSTGRES_ADMIN_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h "$POSTGRES_HOST" -p "$POSTGRES_PORT" \
    -U "$POSTGRES_ADMIN_USER" "$@"
}

# Installs the Debian packages the platform needs when one is missing (root only).
install_packages() {
  # chromium and its driver: the portal's browser tests (headless, the same version from Debian).
  local wanted=(postgresql postgresql-contrib rabbitmq-server librabbitmq-dev libcurl4-openssl-dev libqrencode-dev openssl curl python3-aiosmtpd nginx-light
    chromium chromium-driver)
  local missing=()
  for package in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  is_root || die "missing packages: ${missing[*]} (run as root, or install them with apt-get)"
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Debian starts services on install where it can; we run our own instances, so keep theirs down.
  local own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && own_policy=1
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ $own_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
  return 0
}
