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
SERVICES=(identity catalogue enrolment payment)
declare -A SERVICE_PORTS=([identity]=8081 [catalogue]=8082 [enrolment]=8083 [payment]=8084)
SANDBOX_PORT=${SANDBOX_PORT:-8090}
GATEWAY_PORT=${GATEWAY_PORT:-8080}

say() { printf '\033[1m[guichet]\033[0m %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

# PostgreSQL's initdb refuses root: run the server as the postgres user when we are root.
as_postgres() {
  if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
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
  local wanted=(postgresql postgresql-contrib rabbitmq-server librabbitmq-dev libcurl4-openssl-dev openssl curl python3-aiosmtpd nginx-light)
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
