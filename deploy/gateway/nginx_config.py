#!/usr/bin/env python3
"""Writes an nginx configuration for Debian's nginx from deploy/gateway/guichet.conf.template (the file compose's
gateway uses), so that local runs and CI exercise the same gateway.

Usage: nginx_config.py DIRECTORY GATEWAY_PORT IDENTITY CATALOGUE ENROLMENT PAYMENT   (upstreams as host:port)
Then: nginx -p DIRECTORY -c DIRECTORY/nginx.conf"""
import pathlib
import re
import sys


def write(directory, port, identity, catalogue, enrolment, payment):
    directory = pathlib.Path(directory).resolve()
    temp = directory / "tmp"
    temp.mkdir(parents=True, exist_ok=True)
    values = {"GATEWAY_PORT": str(port), "IDENTITY_UPSTREAM": identity, "CATALOGUE_UPSTREAM": catalogue,
              "ENROLMENT_UPSTREAM": enrolment, "PAYMENT_UPSTREAM": payment}
    template = (pathlib.Path(__file__).resolve().parent / "guichet.conf.template").read_text()
    # Only the template's own variables, as the nginx image's envsubst does: nginx's $host etc. stay.
    (directory / "guichet.conf").write_text(re.sub(r"\$\{(\w+)\}", lambda m: values[m.group(1)], template))
    (directory / "nginx.conf").write_text(f"""worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log {directory}/access.log;
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
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    print(write(*sys.argv[1:]))
