#!/usr/bin/env bash
# The compiler holds the domain boundary: each service's Domain/ is type-checked on its own, seeing only
# Foundation, DomainKit, Contracts and Crypto. A Domain file that imports PostgresNIO, Hummingbird, NIO or
# ServiceKit (which carries HTTP), or that reaches a type of API/ or Storage/, fails here.
# Also: Storage/, Events/ and Domain/ never read the request scope (RequestScope).
# Needs a build of those modules: `swift build` first (deploy/test.sh runs this right after its build).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(swift build --show-bin-path "$@")
allowed=(DomainKit Contracts Crypto)
visible=$(mktemp -d)
trap 'rm -rf "$visible"' EXIT
# CryptoBoringWrapper is Crypto's own Swift layer over BoringSSL, needed to load Crypto's interface.
for module in "${allowed[@]}" CryptoBoringWrapper; do
  ln -s "$bin/Modules/$module.swiftmodule" "$visible/$module.swiftmodule"
done
# The C modules under Crypto's own interface (BoringSSL), which a Swift file cannot name without importing them.
c_modules=()
for map in "$bin"/CCryptoBoringSSL*.build/module.modulemap; do
  [ -f "$map" ] && c_modules+=(-Xcc "-fmodule-map-file=$map")
done
status=0
for domain in Services/*/Domain; do
  service=$(basename "$(dirname "$domain")")
  if swiftc -typecheck -parse-as-library -swift-version 6 -enable-upcoming-feature ExistentialAny \
    -module-name "${service}Domain" -I "$visible" "${c_modules[@]}" "$domain"/*.swift; then
    echo "domain boundary: $domain sees only Foundation, ${allowed[*]}"
  else
    echo "domain boundary: $domain reaches beyond Foundation, ${allowed[*]} (see the errors above)" >&2
    status=1
  fi
done
# Below the API, nothing reads the request's task-local scope: stores and handlers are given their logger,
# clock and client address by whoever calls them, so background work logs and times like requests do.
if grep -rn "RequestScope" Services/*/Storage Services/*/Events Services/*/Domain; then
  echo "layer boundary: Storage/, Events/ and Domain/ take what they need as arguments, not from RequestScope" >&2
  status=1
else
  echo "layer boundary: Storage/, Events/ and Domain/ never read the request scope"
fi
exit $status
