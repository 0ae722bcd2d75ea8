#!/usr/bin/env bash
# The end-to-end run (Tests/EndToEnd/e2e.py): every service as its own process on a fresh database, the sandbox
# card processor, a real SMTP server, Debian's nginx as the gateway, the partner subscriber, the seeds' journeys,
# the events' contract check and schemathesis against each service's served document. deploy/test.sh ends with it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root"
"$root/deploy/servers.sh" up
command -v nginx >/dev/null || die "nginx is missing (deploy/servers.sh up installs it as root)"
python3 -c 'import pika, aiosmtpd, jsonschema, schemathesis, selenium' 2>/dev/null || pip install -q -r Tests/EndToEnd/requirements.txt
python3 -c 'import axe_selenium_python' 2>/dev/null || pip install -q --ignore-requires-python axe-selenium-python==3.0.0
command -v chromedriver >/dev/null || die "chromium-driver is missing (deploy/servers.sh up installs it as root)"
database=${E2E_DATABASE:-guichet_e2e}
admin_psql -d postgres -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null
"$root/deploy/postgres/setup.sh" "$database" >/dev/null
python3 "$root/deploy/rabbitmq/delete-namespaced.py" e2e. "$RABBITMQ_MANAGEMENT_PORT" >/dev/null || true
say "building"
swift build "$@"
say "end to end"
export POSTGRES_HOST POSTGRES_PORT POSTGRES_ADMIN_USER POSTGRES_ADMIN_PASSWORD AMQP_PORT RABBITMQ_NODE RABBITMQ_MANAGEMENT_PORT
E2E_DATABASE=$database GUICHET_BIN=$(swift build "$@" --show-bin-path) python3 "$root/Tests/EndToEnd/e2e.py"
