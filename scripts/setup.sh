#!/usr/bin/env bash
# Installs what building, testing and the demo need on Debian 12, as root:
# Debian packages for the real DHCP clients, namespaces, packet loss (nftables)
# and shell checks, and the npm dependencies from the lockfile. Idempotent and
# quiet when all is there.
set -euo pipefail
cd "$(dirname "$0")/.."

# nftables: the Gluon netns test filters the mesh hub as Gluon's ebtables rules do, and the claim-safety test drops packets with numgen random (no netem here).
want=(iproute2 udhcpc isc-dhcp-client busybox shellcheck procps gcc make python3 nftables)
if [[ "${1:-}" == "--bench" ]]; then want+=(kea-admin kea-dhcp4-server dnsmasq-base); fi
command -v node >/dev/null || want+=(nodejs npm)

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -f node_modules/.package-lock.json ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
