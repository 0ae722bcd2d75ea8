#!/usr/bin/env bash
# Checks that the runtime image's packages (deploy/Dockerfile, last stage) provide every shared library
# the built executables load, apart from the Swift runtime, which the image links statically.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root"
bin=$(swift build --show-bin-path)
# The packages named by the runtime stage's `apt-get install ... &&`.
runtime_packages=$(awk '/^FROM debian/{runtime=1} runtime' deploy/Dockerfile | tr -d '\\\n' |
  sed -n 's/.*--no-install-recommends\([^&]*\)&&.*/\1/p' | tr ' ' '\n' | grep -v '^$' | sort -u)
[ -n "$runtime_packages" ] || { echo "cannot read the runtime packages from deploy/Dockerfile" >&2; exit 1; }
# What apt installs with them (libcurl4 brings gnutls, which brings libffi…).
installed=$( (echo "$runtime_packages"; apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
  --no-replaces --no-enhances $runtime_packages 2>/dev/null | grep -E '^[a-z0-9]' | sed 's/:.*//') | sort -u)
status=0
checked=""
for service in "${SERVICES[@]}" sandbox-processor; do
  while read -r library path; do
    case "$path" in
      /opt/swift/*|*/usr/lib/swift/*|"") continue ;;  # the Swift runtime: static in the image
    esac
    package=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -n 1 | cut -d: -f1 || true)
    [ -n "$package" ] || package=$(dpkg -S "$path" 2>/dev/null | head -n 1 | cut -d: -f1 || true)
    case "$package" in libc6|libgcc-s1|"") continue ;;  # in every Debian image
    esac
    checked="$checked $package"
    if ! grep -qx "$package" <<<"$installed"; then
      echo "guichet-$service loads $library from $package, which deploy/Dockerfile's runtime stage does not install (nor its dependencies)" >&2
      status=1
    fi
  done < <(ldd "$bin/guichet-$service" | awk '/=>/ {print $1, $3}')
done
[ $status = 0 ] && echo "runtime packages ($(echo $runtime_packages)) cover what the executables load:$(tr ' ' '\n' <<<"$checked" | sort -u | tr '\n' ' ')"
exit $status
