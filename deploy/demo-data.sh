#!/usr/bin/env bash
# Demo data through the public APIs, dated relative to today: a guardian account with two children
# (aged 8 and 11 today). Safe to run again: it only adds what is missing.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bin=${BIN:-$(cd "$root" && swift build --show-bin-path)}
demo_guardian=00000000-0000-4000-8000-00000000d001
token=$("$bin/guichet-identity" sign-token "$demo_guardian")
printf '%s\n' "$token" > "$GUICHET_DATA_DIR/demo-token"
enrolment=http://127.0.0.1:${SERVICE_PORTS[enrolment]}
existing=$(curl -fsS -H "Authorization: Bearer $token" "$enrolment/v1/participants")
add_child() {
  local first=$1 last=$2 age=$3
  grep -q "\"firstName\" *: *\"$first\"" <<<"$existing" && return
  curl -fsS -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d "{\"firstName\":\"$first\",\"lastName\":\"$last\",\"birthDate\":\"$(date -d "-$age years -40 days" +%F)\"}" \
    "$enrolment/v1/participants"
}
add_child "Léa" "Tremblay" 8
add_child "Samuel" "Tremblay" 11
say "demo data loaded"
