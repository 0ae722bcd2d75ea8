#!/usr/bin/env bash
# Every hand-written Swift file is as swift-format (the toolchain's, configured by .swift-format) writes it.
# `Tools/Checks/format.sh --fix` rewrites them in place. Generated code (API/Generated/) is left as generated.
set -euo pipefail
cd "$(dirname "$0")/../.."
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.swift' | grep -v '/Generated/')
if [ "${1:-}" = "--fix" ]; then
  swift format format --in-place --parallel "${files[@]}"
else
  swift format lint --strict --parallel "${files[@]}"
  echo "format: ${#files[@]} Swift files as swift-format writes them"
fi
