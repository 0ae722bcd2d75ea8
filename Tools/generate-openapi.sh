#!/usr/bin/env bash
# Regenerates each service's server code from its openapi.yaml (spec-first; the output is committed).
# --check: regenerate into a temporary folder and fail if the committed code differs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tool="$root/Tools/OpenAPIGenerator"
scratch="$root/.build-openapi"
swift build --package-path "$tool" --scratch-path "$scratch" --product swift-openapi-generator >&2
generator="$scratch/debug/swift-openapi-generator"
status=0
for service in Identity Catalogue Enrolment Payment; do
  dir="$root/Services/$service"
  out="$dir/API/Generated"
  if [ "${1:-}" = "--check" ]; then
    tmp=$(mktemp -d)
    "$generator" generate --config "$dir/openapi-generator-config.yaml" --output-directory "$tmp" "$dir/openapi.yaml" >/dev/null
    if ! diff -r "$tmp" "$out" >/dev/null; then
      echo "Services/$service: generated code is out of date with openapi.yaml; run Tools/generate-openapi.sh" >&2
      diff -r "$tmp" "$out" | head -40 >&2 || true
      status=1
    fi
    rm -rf "$tmp"
  else
    mkdir -p "$out"
    "$generator" generate --config "$dir/openapi-generator-config.yaml" --output-directory "$out" "$dir/openapi.yaml"
  fi
done
exit $status
