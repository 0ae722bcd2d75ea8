#!/usr/bin/env bash
# Creates Guichet's database roles, then in each database named on the command line its four
# schemas (each owned by its service's role, closed to the others) and the extensions the services use.
# Idempotent: re-running it also resets the role passwords to the configured ones.
#
#   deploy/postgres/setup.sh guichet [guichet_test_template ...]
#
# Connection: psql with $SETUP_PSQL_ARGS (default: -h $POSTGRES_HOST -p $POSTGRES_PORT -U $POSTGRES_ADMIN_USER,
# password $POSTGRES_ADMIN_PASSWORD). Role passwords: $GUICHET_<SERVICE>_DB_PASSWORD, default guichet_<service>.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 DATABASE [DATABASE...]" >&2; exit 64; }
services=(identity catalogue enrolment payment portal)
export PGPASSWORD=${POSTGRES_ADMIN_PASSWORD:-postgres}
read -r -a psql_args <<< "${SETUP_PSQL_ARGS:--h ${POSTGRES_HOST:-127.0.0.1} -p ${POSTGRES_PORT:-5432} -U ${POSTGRES_ADMIN_USER:-postgres}}"
run_psql() { psql -X -q -v ON_ERROR_STOP=1 "${psql_args[@]}" "$@"; }

roles_sql() {
  for service in "${services[@]}"; do
    local variable="GUICHET_${service^^}_DB_PASSWORD"
    local password=${!variable:-guichet_$service}
    cat <<SQL
SELECT 'CREATE ROLE guichet_$service LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'guichet_$service') \gexec
ALTER ROLE guichet_$service WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${password//\'/\'\'}';
-- Unqualified names resolve to the service's own schema; public only holds the shared extensions.
ALTER ROLE guichet_$service SET search_path = $service, public;
SQL
  done
}

database_sql() {
  local database=$1
  local roles
  roles=$(printf 'guichet_%s,' "${services[@]}")
  cat <<SQL
REVOKE ALL ON DATABASE "$database" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE "$database" TO ${roles%,};
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO PUBLIC;
CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;
SQL
  for service in "${services[@]}"; do
    cat <<SQL
CREATE SCHEMA IF NOT EXISTS $service AUTHORIZATION guichet_$service;
ALTER SCHEMA $service OWNER TO guichet_$service;
REVOKE ALL ON SCHEMA $service FROM PUBLIC;
SQL
  done
}

roles_sql | run_psql -d postgres
for database in "$@"; do
  printf "SELECT 'CREATE DATABASE \"%s\"' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '%s') \\\\gexec\n" \
    "$database" "$database" | run_psql -d postgres
  database_sql "$database" | run_psql -d "$database"
done
echo "PostgreSQL ready: roles guichet_{$(IFS=,; echo "${services[*]}")}, databases $*" >&2
