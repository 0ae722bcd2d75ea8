#!/usr/bin/env bash
# Demo data through the public APIs, dated relative to today: a guardian account (signed up and verified
# with the mailed code, as a parent would) with two children aged 8 and 11 today, and a platform admin.
# Safe to run again: it only adds what is missing.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bin=${BIN:-$(cd "$root" && swift build --show-bin-path)}
identity=http://127.0.0.1:${SERVICE_PORTS[identity]}
mail_dir=${MAIL_FILE_DIRECTORY:-$GUICHET_DATA_DIR/mail}
demo_password=Demo-Guichet-2026

# Prints an access token for the account, signing it up and verifying it by its mailed code if needed.
demo_account() {
  local email=$1 first=$2 last=$3 signed_in
  if signed_in=$(curl -fsS -H 'Content-Type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"$demo_password\"}" "$identity/v1/sessions" 2>/dev/null); then
    # An account with the second factor answers with a challenge instead (the admin's: see below).
    python3 -c 'import json,sys; print(json.load(sys.stdin).get("accessToken", ""))' <<<"$signed_in"
    return
  fi
  local since
  since=$(date +%s.%N)
  curl -fsS -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"$demo_password\",\"firstName\":\"$first\",\"lastName\":\"$last\",\"language\":\"fr\",\"birthDate\":\"1984-05-17\",\"consentVersion\":1}" \
    "$identity/v1/accounts"
  local code=""
  for _ in $(seq 1 50); do
    code=$(python3 - "$mail_dir" "$email" "$since" <<'PY'
import base64, email, pathlib, re, sys
folder, address, since = pathlib.Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
# Only a mail written after this sign-up: an earlier run's code would be refused.
mails = sorted((p for p in folder.glob("*.eml") if p.stat().st_mtime > since), key=lambda p: p.stat().st_mtime) if folder.exists() else []
for path in reversed(mails):
    message = email.message_from_bytes(path.read_bytes())
    if address in message["To"]:
        text = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
        code = re.search(r"\b(\d{6})\b", text)
        if code:  # an "already registered" notice has none: the account exists, its sign-in was refused
            print(code.group(1))
            break
PY
)
    [ -n "$code" ] && break
    sleep 0.2
  done
  [ -n "$code" ] || die "no verification code for $email in $mail_dir (if the account exists, its sign-in was refused: too many attempts from this address? try again in a minute)"
  curl -fsS -o /dev/null -H 'Content-Type: application/json' -d "{\"email\":\"$email\",\"code\":\"$code\"}" \
    "$identity/v1/accounts/verification"
  curl -fsS -H 'Content-Type: application/json' -d "{\"email\":\"$email\",\"password\":\"$demo_password\"}" \
    "$identity/v1/sessions" | python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])'
}

token=$(demo_account parent@guichet.local "Isabelle" "Tremblay")
demo_account admin@guichet.local "Admin" "Guichet" > /dev/null
# Admins and staff use a second factor: the admin's is turned on here, its authenticator-app key kept in
# demo-admin-totp-key (add it to an app, or print a code with deploy/demo/second_factor.py code KEY).
# The key lives with the database that holds its account (keep_with_database).
keep_with_database demo-admin-totp-key
python3 "$root/deploy/demo/second_factor.py" token "$identity" admin@guichet.local "$demo_password" \
  "$GUICHET_DATA_DIR/demo-admin-totp-key" > "$GUICHET_DATA_DIR/demo-admin-token"
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

# The seed platforms' organisations and offerings, as a platform admin and their staff would enter them.
python3 "$root/deploy/demo/catalogue.py" "http://127.0.0.1:${SERVICE_PORTS[catalogue]}" "$(cat "$GUICHET_DATA_DIR/demo-admin-token")"
# Their records, which guardians link children to (the demo parent is listed in two of them).
python3 "$root/deploy/demo/records.py" "http://127.0.0.1:${SERVICE_PORTS[catalogue]}" "$enrolment" "$(cat "$GUICHET_DATA_DIR/demo-admin-token")"
say "demo data loaded"
