#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: show ATCP working, inside the QEMU test VM.
#
# Same setup as `make check` (scripts/deps.sh, the cached debug kernel from
# scripts/build-kernel.sh, the module built against it), then boots the VM
# with a quiet kernel console and runs demo/demo.sh in it.  Only the demo's
# own output is shown (the boot log is in build/demo-<time>/console.log).
# With the kernel cached this takes about 50 s, or about 60 s when the module
# has to be built (2 otherwise idle cores).
#
# Environment: ATCP_DEMO_TIMEOUT (seconds, default 600), ATCP_VERBOSE=1 to
# show the whole console.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
out=$repo/build/demo-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
ln -sfn "$(basename "$out")" "$repo/build/demo-latest"
log() { echo "demo: $*" >&2; }

scripts/deps.sh
log "test kernel (scripts/build-kernel.sh)"
kdir=$(scripts/build-kernel.sh | tail -1)
log "building the module"
# W=1 as in `make check`: the same flags, so neither rebuilds the other's
# objects.  CONFIG_KUNIT= leaves out kunit/ (the top-level Kbuild's
# obj-$(CONFIG_KUNIT)), which the demo does not load: a third less to
# compile.  It changes no compiler flag, so `make check` reuses module/'s
# objects and builds only kunit/.
scripts/module-kdir.sh "$kdir"	# no objects of another kernel's build
make -s -j"$(nproc)" KDIR="$kdir" W=1 CONFIG_KUNIT= >"$out/module-build.log" 2>&1 || {
	cat "$out/module-build.log" >&2
	log "module build failed"
	exit 1
}
if [ -f tools/Makefile ]; then
	make -s -C tools KDIR="$kdir" >"$out/tools-build.log" 2>&1 || {
		cat "$out/tools-build.log" >&2
		log "tools build failed"
		exit 1
	}
fi

log "booting the VM (about 10 s under emulation; the demo then takes about 35 s) ..."
# Show the console from the guest's "running" line on, minus the init chatter.
show() {
	if [ "${ATCP_VERBOSE:-0}" = 1 ]; then
		cat
	else
		# Drop terminal escapes (SeaBIOS clears the screen) and CRs,
		# start after the guest's "running" line (it may share a line
		# with BIOS output), hide the reset message.
		sed -u -e 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g; s/\r$//' |
			sed -u -n '/guest-init: running/,${/guest-init: /d;/sysrq: Resetting/d;p}'
	fi
}
set +e
scripts/vm-run.sh --follow --quiet -t "${ATCP_DEMO_TIMEOUT:-600}" \
	"$kdir/arch/x86/boot/bzImage" demo/demo.sh "$out" | show
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" != 0 ]; then
	tail -25 "$out/console.log" >&2
	log "FAILED (exit $rc); console log: $out/console.log"
	exit 1
fi
# The same capture through the real tool, on the host (tshark starts
# slowly under emulation, so the VM used demo/pcapview.py).
if command -v tshark >/dev/null && [ -s "$out/demo.pcap" ]; then
	printf '\n\033[1m==> On the host: the capture through tshark -d ip.proto==253,tcp\033[0m\n'
	echo "    The upload's handshake, and the keepalive probes of the idle connection"
	echo "    (the first answer is also a [TCP Window Update] to tshark: the server's"
	echo "    first segment since its SYN-ACK, whose window was not scaled yet):"
	ts() { tshark -n -r "$out/demo.pcap" -d ip.proto==253,tcp \
		-o tcp.check_checksum:TRUE -o tcp.relative_sequence_numbers:TRUE "$@" 2>/dev/null; }
	{ ts -Y 'tcp.port == 8080' | head -3; } || true
	ts -Y 'tcp.port == 8081' || true
fi
log "done; console log: $out/console.log"
