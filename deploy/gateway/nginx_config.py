#!/usr/bin/env python3
"""Writes an nginx configuration for Debian's nginx from deploy/gateway/guichet.conf.template (the file compose's
gateway uses), so that local runs and CI exercise the same gateway.

Usage: nginx_config.py DIRECTORY GATEWAY_PORT IDENTITY CATALOGUE ENROLMENT PAYMENT PORTAL   (upstreams as host:port)
Then: nginx -p DIRECTORY -c DIRECTORY/nginx.conf"""
import hashlib
import os
import pathlib
import re
import sys


def traversable_by_others(directory):
    """Whether a user who is neither the owner nor in the group (nginx's workers, `nobody`) can reach the folder."""
    return all(path.stat().st_mode & 0o001 for path in (directory, *directory.parents) if path.exists())


def temp_directory(directory):
    """Where nginx buffers request bodies and large answers. Started as root, nginx runs its workers as `nobody`,
    which must reach these folders: a folder under a private home (mode 700) or a mkdtemp one is not reachable,
    and every body over 16 KiB would fail with 500. Then they go under /tmp, one folder per configuration."""
    directory = pathlib.Path(directory).resolve()
    if os.geteuid() != 0 or traversable_by_others(directory):
        return directory / "tmp"
    return pathlib.Path("/tmp") / ("guichet-nginx-" + hashlib.sha256(str(directory).encode()).hexdigest()[:12])


def write(directory, port, identity, catalogue, enrolment, payment, portal):
    directory = pathlib.Path(directory).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    temp = temp_directory(directory)
    temp.mkdir(parents=True, exist_ok=True)
    temp.chmod(0o755)  # nginx makes the folders inside (0700, owned by the workers' user)
    values = {"GATEWAY_PORT": str(port), "IDENTITY_UPSTREAM": identity, "CATALOGUE_UPSTREAM": catalogue,
              "ENROLMENT_UPSTREAM": enrolment, "PAYMENT_UPSTREAM": payment, "PORTAL_UPSTREAM": portal,
              "GATEWAY_ACCESS_LOG": str(directory / "access.log")}
    template = (pathlib.Path(__file__).resolve().parent / "guichet.conf.template").read_text()
    # Only the template's own variables, as the nginx image's envsubst does: nginx's $host etc. stay.
    (directory / "guichet.conf").write_text(re.sub(r"\$\{(\w+)\}", lambda m: values[m.group(1)], template))
    (directory / "nginx.conf").write_text(f"""worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {directory}/guichet.conf;
}}
""")
    return directory / "nginx.conf"


if __name__ == "__main__":
    if len(sys.argv) != 8:
        sys.exit(__doc__)
    print(write(*sys.argv[1:]))
