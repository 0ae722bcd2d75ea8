#!/usr/bin/env python3
"""Every value a request can carry into storage has a bound in its service's OpenAPI document: strings a
maxLength (or an enum, or a format that bounds them: uuid, date, date-time), integers and numbers a minimum and
a maximum, arrays a maxItems, objects with free keys a maxProperties. Lists what lacks one and exits 1.

Usage: spec_limits.py Services/*/openapi.yaml"""
import sys

import yaml

BOUNDED_FORMATS = {"uuid", "date", "date-time", "binary"}


def resolve(document, node):
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 32:
        target = document
        for part in node["$ref"][2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node, seen = target, seen + 1
    return node


def walk(document, schema, where, problems, seen):
    key = id(schema)
    schema = resolve(document, schema)
    if id(schema) in seen:
        return
    seen = seen | {id(schema)}
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else types
    if "string" in types and "enum" not in schema and schema.get("format") not in BOUNDED_FORMATS and "maxLength" not in schema:
        problems.append(f"{where}: a string without maxLength")
    if ("integer" in types or "number" in types) and "enum" not in schema and ("minimum" not in schema or "maximum" not in schema):
        problems.append(f"{where}: a number without minimum and maximum")
    if "array" in types:
        if "maxItems" not in schema:
            problems.append(f"{where}: an array without maxItems")
        walk(document, schema.get("items", {}), f"{where}[]", problems, seen)
    for name, member in (schema.get("properties") or {}).items():
        walk(document, member, f"{where}.{name}", problems, seen)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        if "maxProperties" not in schema:
            problems.append(f"{where}: an object with free keys without maxProperties")
        walk(document, extra, f"{where}.*", problems, seen)
    for combined in ("allOf", "oneOf", "anyOf"):
        for index, member in enumerate(schema.get(combined, [])):
            walk(document, member, f"{where}<{combined}{index}>", problems, seen)


def main(paths):
    problems = []
    for path in paths:
        document = yaml.safe_load(open(path))
        for route, item in document.get("paths", {}).items():
            for method, operation in item.items():
                if not isinstance(operation, dict) or method == "parameters":
                    continue
                for raw in item.get("parameters", []) + operation.get("parameters", []):
                    parameter = resolve(document, raw)
                    if parameter.get("in") == "path":
                        continue
                    walk(document, parameter.get("schema", {}), f"{path} {method.upper()} {route} {parameter['in']} {parameter['name']}", problems, frozenset())
                body = resolve(document, operation.get("requestBody", {}))
                for media, content in (body.get("content") or {}).items():
                    if media in ("application/json", "application/x-www-form-urlencoded"):
                        walk(document, content.get("schema", {}), f"{path} {method.upper()} {route} body", problems, frozenset())
    for problem in problems:
        print(problem)
    print(f"{len(problems)} unbounded request values")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]) if len(sys.argv) > 1 else __doc__)
