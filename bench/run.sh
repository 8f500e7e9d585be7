#!/usr/bin/env bash
# What `make bench` runs after the build: the TypeScript bench driver
# (bench/main.ts) as root, which makes and removes its own namespaces.
# BENCH_QUICK=1 gives a smoke run; see bench/main.ts for the other settings.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $(id -u) -ne 0 ]]; then echo "bench: needs root (network namespaces)" >&2; exit 1; fi
for tool in perfdhcp dnsmasq kea-dhcp4 taskset; do
  command -v "$tool" >/dev/null || { echo "bench: $tool missing (bash scripts/setup.sh --bench)" >&2; exit 1; }
done
exec node --import tsx bench/main.ts
