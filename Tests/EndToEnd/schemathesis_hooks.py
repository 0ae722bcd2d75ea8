"""Loaded by schemathesis (SCHEMATHESIS_HOOKS) in the end-to-end run. A PDF body (the catalogue's letter to parents)
is sent as the raw bytes generated, as schemathesis already does for application/octet-stream and images: the
service then checks the content itself (a body that does not start with %PDF- is a 415)."""
import schemathesis

schemathesis.serializer.alias("application/pdf", "application/octet-stream")
