#!/usr/bin/env bash
# Regenerates each service's server code from its openapi.yaml (spec-first; the output is committed).
# Also writes openapi.json beside each openapi.yaml: the same document as JSON, from which each service
# validates requests (ServiceKit's RequestValidator) without a YAML parser.
# Also regenerates the portal's clients (Services/Portal/Clients/<Service>/Generated) from those same specs.
# --check: regenerate into a temporary folder and fail if the committed code or JSON differs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tool="$root/Tools/OpenAPIGenerator"
scratch="$root/.build-openapi"
swift build --package-path "$tool" --scratch-path "$scratch" --product swift-openapi-generator >&2
generator="$scratch/debug/swift-openapi-generator"
status=0
# YAML to JSON, dates left as the strings they are in the document.
to_json() {
  python3 -c '
import json, sys, yaml
class Loader(yaml.SafeLoader): pass
Loader.yaml_implicit_resolvers = {k: [r for r in v if r[0] != "tag:yaml.org,2002:timestamp"] for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
json.dump(yaml.load(open(sys.argv[1]), Loader=Loader), sys.stdout, ensure_ascii=False, sort_keys=True, indent=1)
print()' "$1"
}
for service in Identity Catalogue Enrolment Payment; do
  dir="$root/Services/$service"
  out="$dir/API/Generated"
  if [ "${1:-}" = "--check" ]; then
    if ! to_json "$dir/openapi.yaml" | diff -q - "$dir/openapi.json" >/dev/null; then
      echo "Services/$service: openapi.json is out of date with openapi.yaml; run Tools/generate-openapi.sh" >&2
      status=1
    fi
    tmp=$(mktemp -d)
    "$generator" generate --config "$dir/openapi-generator-config.yaml" --output-directory "$tmp" "$dir/openapi.yaml" >/dev/null
    if ! diff -r "$tmp" "$out" >/dev/null; then
      echo "Services/$service: generated code is out of date with openapi.yaml; run Tools/generate-openapi.sh" >&2
      diff -r "$tmp" "$out" | head -40 >&2 || true
      status=1
    fi
    rm -rf "$tmp"
  else
    to_json "$dir/openapi.yaml" > "$dir/openapi.json"
    mkdir -p "$out"
    "$generator" generate --config "$dir/openapi-generator-config.yaml" --output-directory "$out" "$dir/openapi.yaml"
  fi
done
# The portal serves pages (no generated server code): only its JSON document, for the request validator.
if [ "${1:-}" = "--check" ]; then
  if ! to_json "$root/Services/Portal/openapi.yaml" | diff -q - "$root/Services/Portal/openapi.json" >/dev/null; then
    echo "Services/Portal: openapi.json is out of date with openapi.yaml; run Tools/generate-openapi.sh" >&2
    status=1
  fi
else
  to_json "$root/Services/Portal/openapi.yaml" > "$root/Services/Portal/openapi.json"
fi
# The portal's clients: each from the service's own spec, so a contract change breaks the portal's build.
for config in "$root"/Services/Portal/Clients/*/openapi-generator-config.yaml; do
  client=$(dirname "$config")
  service=$(basename "$client")
  spec="$root/Services/$service/openapi.yaml"
  out="$client/Generated"
  if [ "${1:-}" = "--check" ]; then
    tmp=$(mktemp -d)
    "$generator" generate --config "$config" --output-directory "$tmp" "$spec" >/dev/null
    if ! diff -r "$tmp" "$out" >/dev/null; then
      echo "Services/Portal/Clients/$service: generated client is out of date with Services/$service/openapi.yaml; run Tools/generate-openapi.sh" >&2
      status=1
    fi
    rm -rf "$tmp"
  else
    mkdir -p "$out"
    "$generator" generate --config "$config" --output-directory "$out" "$spec"
  fi
done
exit $status
