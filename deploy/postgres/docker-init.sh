#!/usr/bin/env bash
# Run once by the postgres image on an empty volume: the same setup as a local run.
set -euo pipefail
SETUP_PSQL_ARGS="-U $POSTGRES_USER" POSTGRES_ADMIN_PASSWORD="$POSTGRES_PASSWORD" \
  /guichet/setup.sh "${GUICHET_DATABASE:-guichet}"
