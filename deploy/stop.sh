#!/usr/bin/env bash
# Stops what deploy/run.sh started: the four services, the sandbox processor and the gateway (SIGTERM: they finish requests in flight), then,
# unless --keep-servers is given, RabbitMQ and PostgreSQL (deploy/servers.sh down: with Erlang's port mapper when RabbitMQ
# started it and no other node uses it). Data stays in .local/ for the next run.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
for service in "${SERVICES[@]}" sandbox-processor; do
  pid_file=$GUICHET_DATA_DIR/run/$service.pid
  [ -s "$pid_file" ] || continue
  pid=$(cat "$pid_file")
  if kill -0 "$pid" 2>/dev/null; then
    say "stopping $service"
    kill -TERM "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$pid_file"
done
gateway_dir=$GUICHET_DATA_DIR/gateway
if [ -s "$gateway_dir/nginx.pid" ] && kill -0 "$(cat "$gateway_dir/nginx.pid")" 2>/dev/null; then
  say "stopping the gateway"
  nginx -p "$gateway_dir" -c "$gateway_dir/nginx.conf" -s quit
fi
[ "${1:-}" = "--keep-servers" ] || "$root/deploy/servers.sh" down
