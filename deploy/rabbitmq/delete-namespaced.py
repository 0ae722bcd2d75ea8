#!/usr/bin/env python3
"""Deletes the queues and exchanges whose names start with a prefix (test runs use `guichet_t_…`, benchmarks
`bench.`), through the management API: what an interrupted run left behind.
Usage: delete-namespaced.py PREFIX [MANAGEMENT_PORT]"""
import base64
import json
import sys
import time
import urllib.parse
import urllib.request

prefix = sys.argv[1]
base = f"http://127.0.0.1:{sys.argv[2] if len(sys.argv) > 2 else 15672}/api"
headers = {"Authorization": "Basic " + base64.b64encode(b"guest:guest").decode()}


def call(method, path):
    request = urllib.request.Request(base + path, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.read()


for attempt in range(30):
    try:
        call("GET", "/overview")
        break
    except OSError:
        time.sleep(1)
deleted = 0
for kind in ("queues", "exchanges"):
    for item in json.loads(call("GET", f"/{kind}/%2F?columns=name")):
        if item["name"].startswith(prefix):
            call("DELETE", f"/{kind}/%2F/" + urllib.parse.quote(item["name"], safe=""))
            deleted += 1
print(f"deleted {deleted} queues and exchanges starting with {prefix}")
