#!/usr/bin/env bash
# Checks that the runtime image's packages (deploy/Dockerfile, last stage) provide every shared library
# the built executables load, apart from the Swift runtime, which the image links statically.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root"
bin=$(swift build --show-bin-path)
runtime_packages=$(awk '/^FROM debian/{runtime=1} runtime' deploy/Dockerfile | tr ' \\' '\n\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' |
  grep -vE '^(apt-get|update|install|rm|useradd|guichet|curl|ca-certificates|tzdata|if|then|fi)$' | sort -u)
status=0
for service in "${SERVICES[@]}"; do
  while read -r library path; do
    case "$path" in
      /opt/swift/*|*/usr/lib/swift/*|"") continue ;;  # the Swift runtime: static in the image
    esac
    package=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -n 1 | cut -d: -f1 || true)
    [ -n "$package" ] || package=$(dpkg -S "$path" 2>/dev/null | head -n 1 | cut -d: -f1 || true)
    case "$package" in libc6|libgcc-s1|"") continue ;;  # in every Debian image
    esac
    if ! grep -qx "$package" <<<"$runtime_packages"; then
      echo "guichet-$service loads $library from $package, which deploy/Dockerfile's runtime stage does not install" >&2
      status=1
    fi
  done < <(ldd "$bin/guichet-$service" | awk '/=>/ {print $1, $3}')
done
[ $status = 0 ] && echo "runtime packages cover: $(echo $runtime_packages)"
exit $status
