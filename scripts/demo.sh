#!/usr/bin/env bash
# `make demo`: the demo mesh needs root (network namespaces) and the built bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $EUID -eq 0 ]] || { echo "demo: run as root (it creates network namespaces)" >&2; exit 1; }
exec node --import tsx scripts/demo.ts
