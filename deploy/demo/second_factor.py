#!/usr/bin/env python3
"""The second factor from a script, as an authenticator app would give it (RFC 6238: SHA-1, 6 digits, 30 s).
Staff and platform admins need it on every staff route, so the demo data, the end-to-end run and the browser
journeys all go through here.

  second_factor.py code KEY
      the code an app shows now for KEY (the key printed when the second factor was turned on)
  second_factor.py token IDENTITY_URL EMAIL PASSWORD KEY_FILE
      an access token that says the second factor was given: turns it on (writing the key to KEY_FILE) if
      it is off, else signs in with a code from the key in KEY_FILE"""
import base64
import hashlib
import hmac
import json
import pathlib
import sys
import time
import urllib.error
import urllib.request


def totp(key, at=None):
    compact = key.replace(" ", "").upper()
    secret = base64.b32decode(compact + "=" * (-len(compact) % 8))
    mac = hmac.new(secret, int((at or time.time()) // 30).to_bytes(8, "big"), hashlib.sha1).digest()
    offset = mac[-1] & 15
    return f"{(int.from_bytes(mac[offset:offset + 4], 'big') & 0x7FFFFFFF) % 1_000_000:06d}"


def post(base, path, body, token=None):
    """(status, JSON answer) of a POST to identity."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(base.rstrip("/") + path, data=json.dumps(body).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
            return response.status, json.loads(text) if text else {}
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def with_code(send, key):
    """Sends a code; a code of a step already used (the last sign-in was under 30 s ago) is refused, so the next
    step's is tried once."""
    status, answer = send(totp(key))
    if status == 422 and answer.get("type") == "/problems/second-factor-code-invalid":
        time.sleep(30 - time.time() % 30 + 0.5)
        status, answer = send(totp(key))
    return status, answer


def session(base, email, password, key=None):
    """(access token, refresh token, key) of a session that gave the second factor. Without `key`, the account's
    second factor is off and is turned on here (the key is new); with it, the sign-in asks for its code."""
    status, answer = post(base, "/v1/sessions", {"email": email, "password": password})
    if status == 202:
        if not key:
            raise SystemExit(f"{email} has the second factor on, and its key is not known here")
        challenge = answer["secondFactorToken"]
        status, answer = with_code(lambda code: post(base, "/v1/sessions/second-factor", {"secondFactorToken": challenge, "code": code}), key)
        if status != 201:
            raise SystemExit(f"second factor of {email}: {status} {answer}")
        return answer["accessToken"], answer["refreshToken"], key
    if status != 201:
        raise SystemExit(f"sign-in of {email}: {status} {answer}")
    access, refresh = answer["accessToken"], answer["refreshToken"]
    status, setup = post(base, "/v1/me/second-factor", {}, access)
    if status != 201:
        raise SystemExit(f"second factor setup of {email}: {status} {setup}")
    key = setup["secret"]
    status, answer = post(base, "/v1/me/second-factor/confirmation", {"code": totp(key), "currentPassword": password}, access)
    if status != 200:
        raise SystemExit(f"second factor confirmation of {email}: {status} {answer}")
    # Confirming counts the session as having given the second factor; its next tokens say so.
    status, answer = post(base, "/v1/sessions/refresh", {"refreshToken": refresh})
    if status != 200:
        raise SystemExit(f"refresh of {email}: {status} {answer}")
    return answer["accessToken"], answer["refreshToken"], key


def main(arguments):
    if len(arguments) == 2 and arguments[0] == "code":
        print(totp(arguments[1]))
        return 0
    if len(arguments) == 5 and arguments[0] == "token":
        base, email, password, key_file = arguments[1:]
        path = pathlib.Path(key_file)
        key = path.read_text().strip() if path.exists() else None
        access, _, key = session(base, email, password, key)
        path.write_text(key + "\n")
        path.chmod(0o600)
        print(access)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
