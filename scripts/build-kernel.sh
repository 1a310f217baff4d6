#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the ATCP debug test kernel from Debian's linux-source-6.12 plus the
# config fragment in scripts/config/debug.config.  The result is cached
# outside the repository, keyed by the source package version and a hash of
# the fragment (and of this script), and rebuilt only when either changes.
#
# Prints the build (O=) directory on the last line of stdout.  That
# directory holds arch/x86/boot/bzImage and Module.symvers, so external
# modules build with `make -C $dir M=...`.
#
# Environment: ATCP_CACHE (default ~/.cache/atcp), ATCP_KCONFIG (fragment).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${ATCP_CACHE:-$HOME/.cache/atcp}
fragment=${ATCP_KCONFIG:-$here/config/debug.config}
series=${ATCP_KSERIES:-6.12}
tarball=/usr/src/linux-source-$series.tar.xz

log() { echo "build-kernel: $*" >&2; }

if [ ! -f "$tarball" ]; then
	log "missing $tarball (apt-get install linux-source-$series; scripts/deps.sh does it)"
	exit 1
fi

srcver=$(dpkg-query -W -f '${Version}' "linux-source-$series" 2>/dev/null || stat -c %Y "$tarball")
hash=$(cat "$fragment" "$0" | sha256sum | cut -c1-12)
name=$(basename "$fragment" .config)
src=$cache/src-$series-$srcver
out=$cache/kernel-$series-$srcver-$name-$hash
mkdir -p "$cache"

if [ -f "$out/.atcp-built" ]; then
	log "cached: $out"
	echo "$out"
	exit 0
fi

# Serialise concurrent builds of the same cache.
exec 9>"$cache/.lock"
flock 9

if [ ! -f "$src/.atcp-unpacked" ]; then
	log "unpacking $tarball"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -C "$src.tmp" --strip-components=1 -xJf "$tarball"
	touch "$src.tmp/.atcp-unpacked"
	mv "$src.tmp" "$src"
fi

rm -rf "$out"
mkdir -p "$out"
log "configuring $out"
make -s -C "$src" O="$out" ARCH=x86_64 tinyconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "$fragment" >/dev/null
make -s -C "$src" O="$out" ARCH=x86_64 olddefconfig >/dev/null

# Every option the fragment asks for must have survived olddefconfig.
missing=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		if ! grep -qx -- "$line" "$out/.config"; then
			log "option not applied: $line"
			missing=1
		fi
		;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }
		opt=${opt%% *}
		if grep -q "^$opt=" "$out/.config"; then
			log "option not disabled: $opt"
			missing=1
		fi
		;;
	esac
done <"$fragment"
[ "$missing" = 0 ] || { log "fragment does not apply cleanly"; exit 1; }

log "building (this takes several minutes the first time)"
start=$(date +%s)
make -s -C "$src" O="$out" ARCH=x86_64 -j"$(nproc)" bzImage modules >"$out/build.log" 2>&1 || {
	tail -50 "$out/build.log" >&2
	exit 1
}
log "built in $(( $(date +%s) - start )) s"
ln -sfn "$src" "$out/source-tree"
touch "$out/.atcp-built"
echo "$out"
