#!/usr/bin/env bash
# Builds the release tarball ddhcpd-<version>.tar.gz that the OpenWrt feed
# package installs: the prebuilt bundles (dist/*.js), files/, and the sources of
# the native helpers with the headers they need, so the feed build compiles them
# without npm. Byte-reproducible for one commit; prints its sha256 and writes
# PKG_VERSION and PKG_HASH into openwrt/ddhcpd/Makefile unless --no-update.
set -euo pipefail

usage() {
	echo "usage: $0 [--out DIR] [--no-update]" >&2
	echo "  --out DIR     where to write the tarball (default: build)" >&2
	echo "  --no-update   leave openwrt/ddhcpd/Makefile alone" >&2
	exit 2
}

root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/build"
update=1
while [ $# -gt 0 ]; do
	case "$1" in
	--out) [ $# -ge 2 ] || usage; out="$2"; shift 2 ;;
	--no-update) update=; shift ;;
	*) usage ;;
	esac
done

cd "$root"
version="$(sed -n 's/^  "version": "\([^"]*\)",$/\1/p' package.json)"
[ -n "$version" ] || { echo "make-dist: no version in package.json" >&2; exit 1; }

# Everything the tarball needs; a missing bundle means `make build` did not run.
need=(
	dist/ddhcpd.js dist/ddhcpdctl.js dist/ddhcpd-gluon.js
	src/io/native/ddhcpd_native.c
	node_modules/netlink/src/binding.cc node_modules/netlink/LICENSE
	node_modules/node-addon-api/napi.h node_modules/node-addon-api/napi-inl.h
	node_modules/node-addon-api/napi-inl.deprecated.h node_modules/node-addon-api/LICENSE.md
	openwrt/native.mk openwrt/files.list openwrt/README.md
)
for f in "${need[@]}"; do
	[ -f "$f" ] || { echo "make-dist: $f is missing (run make build first?)" >&2; exit 1; }
done

# One timestamp for every entry keeps the hash stable across rebuilds.
epoch="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}"

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
top="$stage/ddhcpd-$version"
mkdir -p "$top/dist" "$top/native/netlink" "$top/native/node-addon-api" "$top/openwrt"

cp dist/ddhcpd.js dist/ddhcpdctl.js dist/ddhcpd-gluon.js "$top/dist/"
cp -R files "$top/files"
cp src/io/native/ddhcpd_native.c "$top/native/"
cp openwrt/native.mk "$top/native/Makefile"
cp node_modules/netlink/src/binding.cc node_modules/netlink/LICENSE "$top/native/netlink/"
cp node_modules/node-addon-api/napi.h node_modules/node-addon-api/napi-inl.h \
	node_modules/node-addon-api/napi-inl.deprecated.h node_modules/node-addon-api/LICENSE.md \
	"$top/native/node-addon-api/"
cp openwrt/files.list openwrt/README.md "$top/openwrt/"
for f in LICENSE README.md; do
	if [ -f "$f" ]; then
		cp "$f" "$top/"
	else
		echo "make-dist: warning: $f is missing from the repository root; the tarball has none" >&2
	fi
done
echo "$version" > "$top/VERSION"

mkdir -p "$out"
tarball="$out/ddhcpd-$version.tar.gz"
tar -C "$stage" --sort=name --format=gnu --owner=0 --group=0 --numeric-owner \
	--mode='u+rwX,go+rX,go-w' --mtime="@$epoch" -cf - "ddhcpd-$version" | gzip -9n > "$tarball"

sha="$(sha256sum "$tarball" | cut -d' ' -f1)"
echo "$sha  $(basename "$tarball")" > "$tarball.sha256"
echo "$tarball"
echo "sha256 $sha"

if [ -n "$update" ]; then
	mk=openwrt/ddhcpd/Makefile
	sed -i -e "s/^PKG_VERSION:=.*/PKG_VERSION:=$version/" -e "s/^PKG_HASH:=.*/PKG_HASH:=$sha/" "$mk"
	echo "updated PKG_VERSION and PKG_HASH in $mk"
fi
