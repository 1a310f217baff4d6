#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The non-debug kernel for `make bench`: Debian 12's stock kernel, the one
# whose headers are installed (/usr/src/linux-headers-6.1.*-amd64), plus a
# small initramfs that lets it boot the test VM's way (scripts/vm-run.sh:
# the host's "/" over virtio-9p).
#
# The debug test kernel (scripts/build-kernel.sh) has 9p and virtio built
# in; Debian's kernel has them as modules, which its image package keeps
# under /lib/modules/VERSION -- and that package is not installed here (the
# headers are).  So this script fetches the image package without
# installing it (`apt-get download`), unpacks it into the cache, and builds
# an initramfs from busybox-static and the modules that the VM needs
# before its root file system exists (virtio_pci, 9pnet_virtio, 9p, with
# their dependencies from depmod), and veth and inet_diag (atcp.ko links
# against it), which are needed later and which nothing else could load (modprobe in the guest looks in
# the host's /lib/modules).  Its /init loads them, mounts the 9p root
# read-only, and switch_root's to $atcp_init (scripts/guest-init.sh; see
# vm-run.sh --initrd).
#
# Cached in $ATCP_CACHE (default ~/.cache/atcp)/bench-kernel-VERSION-PKGVERSION/:
#   vmlinuz, initrd.img, config (the kernel's), kdir (the matching
#   headers' path).  The rest of the unpacked package is deleted.
# Prints that directory as its last line.  Needs root only to install
# missing packages (none when scripts/deps.sh ran).
#
# Environment: ATCP_CACHE; ATCP_BENCH_KDIR to use other Debian headers
# (/usr/src/linux-headers-VERSION).
set -euo pipefail

cache=${ATCP_CACHE:-$HOME/.cache/atcp}
log() { echo "bench-kernel: $*" >&2; }
die() { log "$*"; exit 1; }

kdir=${ATCP_BENCH_KDIR:-$(ls -d /usr/src/linux-headers-6.1.*-amd64 2>/dev/null | sort -V | tail -1)}
[ -n "$kdir" ] && [ -f "$kdir/Module.symvers" ] ||
	die "no /usr/src/linux-headers-6.1.*-amd64; apt-get install linux-headers-amd64"
kver=${kdir##*/linux-headers-}
pkgver=$(dpkg-query -W -f '${Version}' "linux-headers-$kver" 2>/dev/null) ||
	die "linux-headers-$kver is not a Debian package; cannot pick the matching image"
image_pkg=linux-image-$kver
# inet_diag: atcp.ko's sock_diag handler needs it (a module on Debian).
modules=(virtio_pci 9pnet_virtio 9p veth inet_diag)
# The cache key includes the module list: adding one rebuilds the initrd.
dir=$cache/bench-kernel-$kver-$pkgver-$(echo "${modules[*]}" | md5sum | cut -c1-8)

if [ -f "$dir/vmlinuz" ] && [ -f "$dir/initrd.img" ] && [ -f "$dir/kdir" ]; then
	log "cached: $dir"
	echo "$dir"
	exit 0
fi

if [ ! -x /bin/busybox ] || [[ $(ldd /bin/busybox 2>&1 || true) != *"not a dynamic"* ]]; then
	die "needs a static /bin/busybox: apt-get install busybox-static"
fi

rm -rf "$dir.tmp"
mkdir -p "$dir.tmp"
trap 'rm -rf "$dir.tmp"' EXIT

# 1. The image package, the same version as the headers (vermagic and
#    symbol CRCs must match the module we build against them).
log "fetching $image_pkg=$pkgver (not installed: unpacked into the cache)"
if ! (cd "$dir.tmp" && apt-get download -q "$image_pkg=$pkgver") >"$dir.tmp/apt.log" 2>&1; then
	[ "$(id -u)" = 0 ] || die "$(cat "$dir.tmp/apt.log")"
	log "apt-get update, then again"
	apt-get update -q >/dev/null
	(cd "$dir.tmp" && apt-get download -q "$image_pkg=$pkgver") >"$dir.tmp/apt.log" 2>&1 ||
		die "cannot download $image_pkg=$pkgver: $(tail -3 "$dir.tmp/apt.log")"
fi
deb=$(ls "$dir.tmp"/*.deb)
dpkg-deb -x "$deb" "$dir.tmp/root"
rm -f "$deb"
[ -f "$dir.tmp/root/boot/vmlinuz-$kver" ] || die "no /boot/vmlinuz-$kver in $image_pkg"
depmod -b "$dir.tmp/root" "$kver"

# 2. The initramfs: busybox, the modules in load order, /init.
ird=$dir.tmp/initramfs
mkdir -p "$ird"/{bin,dev,proc,sys,newroot,modules}
cp /bin/busybox "$ird/bin/busybox"
ln -s busybox "$ird/bin/sh"
order=()
for m in "${modules[@]}"; do
	while read -r cmd path _; do
		[ "$cmd" = insmod ] || continue
		name=${path##*/}
		[[ " ${order[*]-} " == *" $name "* ]] && continue
		cp "$path" "$ird/modules/$name"
		order+=("$name")
	done < <(modprobe -d "$dir.tmp/root" -S "$kver" --show-depends "$m")
done
[ ${#order[@]} -ge ${#modules[@]} ] || die "modules not found: ${modules[*]}"
log "initramfs modules: ${order[*]}"

cat >"$ird/init" <<EOF
#!/bin/sh
# initramfs of the ATCP benchmark VM (scripts/bench-kernel.sh)
export PATH=/bin
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs devtmpfs /dev
for m in ${order[*]}; do
	/bin/busybox insmod /modules/\$m || echo "bench-initramfs: insmod \$m failed"
done
# The root share: the same options as a 9p root in vm-run.sh.
if ! /bin/busybox mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose,ro /dev/root /newroot; then
	echo "bench-initramfs: cannot mount the 9p root"
	/bin/busybox sleep 2
	echo b >/proc/sysrq-trigger
fi
/bin/busybox umount /dev
/bin/busybox umount /proc
# Kernel parameters without a dot (atcp_*) are in our environment and
# stay in it across switch_root.
exec /bin/busybox switch_root /newroot "\${atcp_init:-/sbin/init}"
EOF
chmod +x "$ird/init"
(cd "$ird" && find . | cpio -o -H newc --quiet | gzip -1) >"$dir.tmp/initrd.img"
rm -rf "$ird"

cp "$dir.tmp/root/boot/vmlinuz-$kver" "$dir.tmp/vmlinuz"
cp "$dir.tmp/root/boot/config-$kver" "$dir.tmp/config"
rm -rf "$dir.tmp/root"
echo "$kdir" >"$dir.tmp/kdir"
rm -f "$dir.tmp/apt.log"
trap - EXIT
rm -rf "$dir"
mv "$dir.tmp" "$dir"
log "ready: $dir"
echo "$dir"
