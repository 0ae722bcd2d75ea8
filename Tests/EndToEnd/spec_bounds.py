"""The spec-bounds walker: for every constrained field of a service's OpenAPI document (query and header
parameters, JSON bodies), a request whose value is just outside that one bound must get 400 problem+json
naming the field, and change nothing. Independent of the service's own validator: it reads the served
document, builds a request around each bound and checks the answer.

walk(name, base_url) -> (checked, failures)"""
import copy
import json
import pathlib
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid

import yaml

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "Tools/SpecChecks"))
from spec_limits import resolve  # noqa: E402  one reading of $ref for both spec tools


def types_of(schema):
    kind = schema.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


def sample(document, schema, depth=0):
    """A small instance of the schema; not always valid (patterns), which only adds other named errors."""
    schema = resolve(document, schema)
    if "example" in schema:
        return schema["example"]
    if "enum" in schema:
        return schema["enum"][0]
    kinds = [k for k in types_of(schema) if k != "null"] or ["object"]
    kind = kinds[0]
    if kind == "object":
        if depth > 6:
            return {}
        properties = schema.get("properties", {})
        return {name: sample(document, properties[name], depth + 1) for name in schema.get("required", []) if name in properties}
    if kind == "array":
        return [sample(document, schema.get("items", {}), depth + 1) for _ in range(schema.get("minItems", 0))]
    if kind == "string":
        return {"uuid": str(uuid.uuid4()), "date": "2027-01-05", "date-time": "2027-01-05T10:00:00Z"}.get(
            schema.get("format"), "x" * max(1, schema.get("minLength", 1)))
    if kind in ("integer", "number"):
        return max(schema.get("minimum", 1), min(1, schema.get("maximum", 1)))
    if kind == "boolean":
        return False
    return None


def violations(document, schema):
    """(value just outside one bound, the error code the project uses for it) for each bound of the schema."""
    schema = resolve(document, schema)
    found = []
    if "maxLength" in schema:
        found.append(("x" * (schema["maxLength"] + 1), "tooLong"))
    if schema.get("minLength", 0) > 0:
        found.append(("x" * (schema["minLength"] - 1), "required" if schema["minLength"] == 1 else "tooShort"))
    if "maximum" in schema:
        found.append((int(schema["maximum"]) + 1, "outOfRange"))
    if "minimum" in schema:
        found.append((int(schema["minimum"]) - 1, "outOfRange"))
    if "maxItems" in schema:
        item = sample(document, schema.get("items", {}))
        found.append(([copy.deepcopy(item) for _ in range(schema["maxItems"] + 1)], "tooMany"))
    if schema.get("minItems", 0) > 0:
        found.append(([], "tooFew"))
    if "pattern" in schema:
        found.append(("!~", "invalid"))
    if "enum" in schema and "string" in types_of(schema):
        found.append(("not-one-of-them", "notAllowed"))
    if schema.get("format") in ("uuid", "date", "date-time"):
        found.append(("2027-13-45T99" if schema["format"] != "uuid" else "not-a-uuid",
                      "invalidDate" if schema["format"] == "date" else "invalid"))
    return found


def leaves(document, schema, path, depth=0):
    """(field path as the services name it, schema) for every constrained value under a JSON body schema."""
    schema = resolve(document, schema)
    if depth > 6:
        return
    if violations(document, schema):
        yield path, schema
    if "array" in types_of(schema) and "items" in schema:
        yield from leaves(document, schema["items"], f"{path}[0]", depth + 1)
    for name, member in (schema.get("properties") or {}).items():
        yield from leaves(document, member, f"{path}.{name}" if path else name, depth + 1)


def set_at(body, path, value, document, schema):
    """The body with the value at `path` (a.b[0].c), creating what is missing along the way."""
    body = copy.deepcopy(body)
    parts = []
    for piece in path.replace("]", "").split("."):
        name, *indices = piece.split("[")
        parts.append(name)
        parts += [int(i) for i in indices]
    node = body
    for index, part in enumerate(parts[:-1]):
        following = parts[index + 1]
        if isinstance(part, int):
            while len(node) <= part:
                node.append({} if not isinstance(following, int) else [])
            node = node[part]
        else:
            if part not in node or not isinstance(node[part], (dict, list)):
                node[part] = [] if isinstance(following, int) else {}
            node = node[part]
    last = parts[-1]
    if isinstance(last, int):
        while len(node) <= last:
            node.append(None)
    node[last] = value
    return body


def request(base_url, method, path, query, headers, body):
    url = base_url + path + (("?" + urllib.parse.urlencode(query, doseq=True)) if query else "")
    data = json.dumps(body).encode() if body is not None else None
    all_headers = {"Accept-Language": "en", **headers}
    if data is not None:
        all_headers["Content-Type"] = "application/json"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, method=method.upper(), headers=all_headers), timeout=30) as answer:
            return answer.status, answer.headers.get("Content-Type", ""), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def walk(name, base_url):
    document = yaml.safe_load(urllib.request.urlopen(base_url + "/openapi.yaml", timeout=30).read())
    checked, failures = 0, []
    for route, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method == "parameters" or not isinstance(operation, dict):
                continue
            path = "/".join(str(uuid.uuid4()) if part.startswith("{") else part for part in route.split("/"))
            parameters = [resolve(document, p) for p in item.get("parameters", []) + operation.get("parameters", [])]
            body_schema = ((resolve(document, operation.get("requestBody", {})).get("content") or {}).get("application/json") or {}).get("schema")
            base_query = {p["name"]: sample(document, p.get("schema", {})) for p in parameters if p["in"] == "query" and p.get("required")}
            base_headers = {p["name"]: str(sample(document, p.get("schema", {}))) for p in parameters if p["in"] == "header" and p.get("required")}
            base_body = sample(document, body_schema) if body_schema else None
            cases = []
            for parameter in parameters:
                if parameter["in"] not in ("query", "header"):
                    continue
                for value, code in violations(document, parameter.get("schema", {})):
                    if parameter["in"] == "query":
                        query = {**base_query, parameter["name"]: value}
                        cases.append((parameter["name"], code, query, base_headers, base_body))
                    elif isinstance(value, str) and all(32 <= ord(c) < 127 for c in value):
                        cases.append((parameter["name"], code, base_query, {**base_headers, parameter["name"]: value}, base_body))
            if body_schema:
                for field, schema in leaves(document, body_schema, ""):
                    for value, code in violations(document, schema):
                        cases.append((field, code, base_query, base_headers, set_at(base_body or {}, field, value, document, schema)))
            for field, code, query, headers, body in cases:
                checked += 1
                status, content_type, raw = request(base_url, method, path, query, headers, body)
                label = f"{name} {method.upper()} {route} {field} ({code})"
                if "text/html" in ((resolve(document, operation.get("responses", {}).get("400", {})).get("content")) or {}):
                    # The portal's pages: people read a page in their language, not problem+json; still a 400.
                    if status != 400 or "text/html" not in content_type or b"<h1>" not in raw:
                        failures.append(f"{label}: {status} {content_type}")
                    continue
                try:
                    problem = json.loads(raw or b"{}")
                except ValueError:
                    problem = {}
                named = {(e.get("field"), e.get("code")) for e in problem.get("errors", [])}
                if status != 400 or "problem+json" not in content_type or problem.get("type") != "/problems/invalid-request" or (field, code) not in named:
                    failures.append(f"{label}: {status} {problem.get('type')} {sorted(named)[:4]}")
    return checked, failures
