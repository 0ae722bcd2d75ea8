#!/usr/bin/env python3
"""Checks captured events against their contract: one JSON object per line on stdin, each
{"headers": {...}, "contentType": "...", "body": "<the JSON text>"}. Checks the CloudEvents headers and
validates the body with the JSON Schema named by its type (deploy/events/schemas/<type>.json).
Prints one line per event and exits 1 if any does not conform."""
import json
import pathlib
import sys

import jsonschema

schemas = pathlib.Path(__file__).resolve().parent / "schemas"
failures = 0
count = 0
for line in sys.stdin:
    if not line.strip():
        continue
    count += 1
    event = json.loads(line)
    headers = event["headers"]
    problems = []
    for name in ("specversion", "id", "source", "type", "time"):
        if not headers.get("cloudEvents_" + name):
            problems.append(f"missing header cloudEvents_{name}")
    if headers.get("cloudEvents_specversion") != "1.0":
        problems.append("cloudEvents_specversion is not 1.0")
    if event.get("contentType") != "application/json":
        problems.append(f"content type {event.get('contentType')!r}")
    event_type = headers.get("cloudEvents_type", "")
    path = schemas / f"{event_type}.json"
    if not path.exists():
        problems.append(f"no schema for type {event_type!r}")
    else:
        schema = json.loads(path.read_text())
        if headers.get("cloudEvents_dataschema") != schema["$id"]:
            problems.append(f"dataschema {headers.get('cloudEvents_dataschema')!r} is not {schema['$id']!r}")
        validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
        for error in validator.iter_errors(json.loads(event["body"])):
            problems.append(f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}")
    if problems:
        failures += 1
        print(f"FAIL {event_type} {headers.get('cloudEvents_id')}: " + "; ".join(problems))
    else:
        print(f"ok   {event_type} {headers.get('cloudEvents_id')}")
print(f"{count - failures} conform, {failures} do not")
sys.exit(1 if failures or count == 0 else 0)
