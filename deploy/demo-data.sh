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

# A day camp of a demo school service centre, published: enrolment receives it through RabbitMQ.
demo_organisation=00000000-0000-4000-8000-00000000c55b
staff_token=$("$bin/guichet-identity" sign-token 00000000-0000-4000-8000-00000000d002 "staff@$demo_organisation")
catalogue=http://127.0.0.1:${SERVICE_PORTS[catalogue]}
starts=$(date -d "+30 days" +%F)
ends=$(date -d "+34 days" +%F)
created=$(curl -sS -H "Authorization: Bearer $staff_token" -H 'Content-Type: application/json' \
  -d "{\"sellingOrganisationId\":\"$demo_organisation\",\"code\":\"CAMP-ETE\",\"title\":{\"fr\":\"Camp de jour d'été\",\"en\":\"Summer day camp\"},\"basePrice\":{\"amountCents\":9500,\"currency\":\"CAD\"},\"registrationOpensAt\":\"$(date -u +%FT%TZ)\",\"sessions\":[{\"name\":{\"fr\":\"Semaine 1\",\"en\":\"Week 1\"},\"startsOn\":\"$starts\",\"endsOn\":\"$ends\",\"capacity\":60,\"waitlistSize\":10}]}" \
  "$catalogue/v1/offerings")
offering=$(python3 -c 'import json,sys; print(json.load(sys.stdin).get("id", ""))' <<<"$created")
if [ -n "$offering" ]; then
  curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $staff_token" "$catalogue/v1/offerings/$offering/publication"
  printf '%s\n' "$staff_token" > "$GUICHET_DATA_DIR/demo-staff-token"
  say "demo offering $offering published (staff token in $GUICHET_DATA_DIR/demo-staff-token)"
fi
say "demo data loaded"
