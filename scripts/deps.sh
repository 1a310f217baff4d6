#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything ATCP's build and tests need on a Debian 12 machine:
# the kernel sources for the test kernel, the toolchain, QEMU, and the
# userspace tools the selftests use inside the VM (the VM's root file system
# is this machine's, shared read-only over 9p, so the tools are installed
# here).
#
# Idempotent: when every package is already installed it does nothing and
# is quick.  As root it installs what is missing (apt-get update first, only
# when needed); as another user it lists what is missing and exits 1.
#
# Usage: scripts/deps.sh [--check]   (--check: only report, never install)
set -euo pipefail

packages=(
	# test kernel (scripts/build-kernel.sh) and module build
	linux-source-6.12 linux-headers-amd64
	gcc make bc bison flex libelf-dev libssl-dev dwarves cpio kmod xz-utils
	sparse
	# the VM
	qemu-system-x86 busybox-static
	# tests, demo, tools (run inside the VM)
	iproute2 iputils-ping procps util-linux ethtool socat tcpdump tshark
	python3 python3-scapy libmnl-dev iperf3 sockperf curl git
	# documentation checks (scripts/check-docs.sh)
	python3-docutils groff-base
)

log() { echo "deps: $*" >&2; }

# One dpkg-query for all packages keeps the "nothing to do" case fast.
declare -A have=()
while read -r name status; do
	[ "$status" = installed ] && have[$name]=1
done < <(dpkg-query -W -f '${Package} ${db:Status-Status}\n' "${packages[@]}" 2>/dev/null || true)

missing=()
for p in "${packages[@]}"; do
	[ -n "${have[$p]:-}" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

if [ "${1:-}" = --check ] || [ "$(id -u)" != 0 ]; then
	log "missing packages: ${missing[*]}"
	log "run as root: scripts/deps.sh   (or: apt-get install ${missing[*]})"
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer it up front.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
	debconf-set-selections

# Refresh the package lists once, unless they are fresh (< 1 day) and
# every missing package is known to them.
need_update=1
if [ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mtime -1 2>/dev/null | head -1)" ] &&
	apt-cache show "${missing[@]}" >/dev/null 2>&1; then
	need_update=0
fi
log "installing: ${missing[*]}"
[ $need_update = 0 ] || apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
