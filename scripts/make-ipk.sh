#!/usr/bin/env bash
# Builds ddhcpd_<version>-r<release>_<arch>.ipk without an OpenWrt SDK, in the
# format opkg reads: a gzipped tar of debian-binary, control.tar.gz and
# data.tar.gz. The package carries native helpers, so it is per architecture:
# ARCH defaults to the host's and uses the .node files `make build` made here;
# for another ARCH pass .node files built for it (--native-dir), e.g. by the feed.
set -euo pipefail

usage() {
	cat >&2 <<-EOT
	usage: $0 [--arch ARCH] [--native-dir DIR] [--out DIR]
	  --arch ARCH        opkg architecture (default: the host's, e.g. x86_64)
	  --native-dir DIR   where ddhcpd_native.node and netlink.node are (default: dist)
	  --out DIR          where to write the .ipk (default: build)
	EOT
	exit 2
}

root="$(cd "$(dirname "$0")/.." && pwd)"
arch=
native_dir=
out="$root/build"
while [ $# -gt 0 ]; do
	case "$1" in
	--arch) [ $# -ge 2 ] || usage; arch="$2"; shift 2 ;;
	--native-dir) [ $# -ge 2 ] || usage; native_dir="$2"; shift 2 ;;
	--out) [ $# -ge 2 ] || usage; out="$2"; shift 2 ;;
	*) usage ;;
	esac
done
cd "$root"
native_dir="${native_dir:-dist}"

host_arch() {
	case "$(uname -m)" in
	x86_64) echo x86_64 ;;
	aarch64) echo aarch64_generic ;;
	armv7l) echo arm_cortex-a7_neon-vfpv4 ;;
	i?86) echo i386_pentium4 ;;
	*) uname -m ;;
	esac
}
arch="${arch:-$(host_arch)}"

# ELF e_machine of OpenWrt arch names that have Node.js in 24.10.
case "$arch" in
x86_64) machine=62 ;;
aarch64*) machine=183 ;;
arm*) machine=40 ;;
i386*) machine=3 ;;
*)
	echo "make-ipk: OpenWrt 24.10 has no Node.js for '$arch' (only x86_64, aarch64, arm with FPU, i386)" >&2
	exit 1
	;;
esac

elf_machine() {
	# e_machine is the u16 at offset 18, little-endian on all four targets.
	od -An -tu2 -j18 -N2 "$1" | tr -d ' '
}

for n in ddhcpd_native.node netlink.node; do
	f="$native_dir/$n"
	[ -f "$f" ] || { echo "make-ipk: $f is missing (run make build, or pass --native-dir)" >&2; exit 1; }
	[ "$(head -c4 "$f" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] || { echo "make-ipk: $f is not an ELF file" >&2; exit 1; }
	m="$(elf_machine "$f")"
	if [ "$m" != "$machine" ]; then
		echo "make-ipk: $f is for ELF machine $m, not for $arch ($machine)." >&2
		echo "  Build the native helpers for $arch with the feed package (openwrt/ddhcpd)" >&2
		echo "  or by cross-compiling native/Makefile of the dist tarball, then pass --native-dir." >&2
		exit 1
	fi
	if grep -qa 'libc\.so\.6' "$f"; then
		echo "make-ipk: warning: $f links glibc; OpenWrt uses musl, where it will not load." >&2
		echo "  Fine for trying the layout on a glibc system; for routers use the feed build." >&2
	fi
done

version="$(sed -n 's/^  "version": "\([^"]*\)",$/\1/p' package.json)"
release="$(sed -n 's/^PKG_RELEASE:=//p' openwrt/ddhcpd/Makefile)"
if [ -z "$version" ] || [ -z "$release" ]; then
	echo "make-ipk: cannot read version or release" >&2
	exit 1
fi
full_version="$version-r$release"
epoch="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
data="$work/data"
control="$work/control"
mkdir -p "$data" "$control"

# openwrt/files.list names sources as in the release tarball; here native/ is
# --native-dir and the rest is the repository itself.
while read -r mode src dst; do
	case "$mode" in '' | '#'*) continue ;; esac
	case "$src" in native/*) src="$native_dir/${src#native/}" ;; esac
	[ -f "$src" ] || { echo "make-ipk: $src is missing (run make build first?)" >&2; exit 1; }
	install -D -m "$mode" "$src" "$data$dst"
done < openwrt/files.list
find "$data" -type d -exec chmod 0755 {} +

tar_opts=(--sort=name --format=gnu --owner=0 --group=0 --numeric-owner --mtime="@$epoch")
tar -C "$data" "${tar_opts[@]}" -cf - . | gzip -9n > "$work/data.tar.gz"
installed_size="$(gzip -dc "$work/data.tar.gz" | wc -c)"

# The fields and scripts OpenWrt's package-pack.mk writes for a package.
cat > "$control/control" <<-EOT
	Package: ddhcpd
	Version: $full_version
	Depends: libc, node, libstdcpp6
	Source: feeds/ddhcpd/ddhcpd
	SourceName: ddhcpd
	License: GPL-3.0-or-later
	LicenseFiles: LICENSE
	Section: net
	Architecture: $arch
	Installed-Size: $installed_size
	Description:  Distributed DHCP server for mesh networks, wire-compatible with
	 the C ddhcpd. Needs Node.js; configure /etc/config/ddhcpd.
EOT
echo /etc/config/ddhcpd > "$control/conffiles"
cat > "$control/postinst" <<-'EOT'
	#!/bin/sh
	[ "${IPKG_NO_SCRIPT}" = "1" ] && exit 0
	[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0
	. ${IPKG_INSTROOT}/lib/functions.sh
	default_postinst $0 $@
EOT
cat > "$control/prerm" <<-'EOT'
	#!/bin/sh
	[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0
	. ${IPKG_INSTROOT}/lib/functions.sh
	default_prerm $0 $@
EOT
chmod 0644 "$control/control" "$control/conffiles"
chmod 0755 "$control/postinst" "$control/prerm"
tar -C "$control" "${tar_opts[@]}" -cf - . | gzip -9n > "$work/control.tar.gz"

echo 2.0 > "$work/debian-binary"
mkdir -p "$out"
ipk="$out/ddhcpd_${full_version}_${arch}.ipk"
tar -C "$work" "${tar_opts[@]}" -cf - ./debian-binary ./data.tar.gz ./control.tar.gz | gzip -9n > "$ipk"
echo "$ipk"
