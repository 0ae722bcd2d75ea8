"""An SMTP server that requires STARTTLS and a login, storing what it receives in a Maildir (Debian's
python3-aiosmtpd). Used by MailTests: python3 smtp_auth_server.py PORT MAILDIR CERT KEY USER PASSWORD"""
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword

port, maildir, cert, key, user, password = sys.argv[1:7]


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
    return AuthResult(success=ok, handled=False)


context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(cert, key)
controller = Controller(
    Mailbox(maildir), hostname="127.0.0.1", port=int(port), server_hostname="localhost", authenticator=authenticator,
    auth_required=True, auth_require_tls=True, require_starttls=True, tls_context=context)
controller.start()
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
stop.wait()
controller.stop()
