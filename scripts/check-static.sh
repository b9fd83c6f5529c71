#!/usr/bin/env bash
# Fails unless every given binary is fully statically linked and stripped; prints their sizes.
set -euo pipefail
for bin in "$@"; do
  info=$(file "$bin")
  case "$info" in
    *"statically linked"*"stripped"*) ;;
    *) echo "not a static, stripped binary: $info" >&2; exit 1 ;;
  esac
  printf '%s: %s bytes, statically linked, stripped\n' "$bin" "$(stat -c %s "$bin")"
done
