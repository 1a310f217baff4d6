#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the ATCP test kernel in QEMU and run one script inside it.
#
# The VM has no disk image: its root file system is this machine's "/",
# shared read-only over virtio-9p, so the repository, the built modules and
# every installed tool are visible at the same paths as on the host.  A
# second, writable 9p share (tag "atcpout") is the per-run output directory;
# the guest mounts it at the same path as on the host.  PID 1 is
# scripts/guest-init.sh, which mounts the usual pseudo file systems, runs
# the requested script, records its exit status and reboots (QEMU runs with
# -no-reboot, so a reboot ends QEMU).
#
# Usage: scripts/vm-run.sh [options] BZIMAGE GUEST-SCRIPT OUTDIR [ARG...]
#
#   GUEST-SCRIPT  absolute path (or relative to the repository) of the bash
#                 script to run in the VM; it gets OUTDIR as $1 (then ARGs)
#                 and the environment ATCP_OUT, ATCP_REPO.
#   OUTDIR        created if needed; receives console.log (the whole serial
#                 console), exit-status (the guest script's exit code),
#                 kmemleak (with --kmemleak) and whatever the script writes.
#
# Options:
#   -t, --timeout SEC   kill QEMU after SEC seconds (default $ATCP_VM_TIMEOUT
#                       or 2400); a timeout is a failure (exit 124)
#   -q, --quiet         quiet kernel console (loglevel=3): for the demo
#   -f, --follow        also copy the console to stdout while it runs
#   -k, --kmemleak      after the script, scan for leaks and save the report
#   -m, --mem SIZE      guest memory (default $ATCP_VM_MEM or 2G)
#   -c, --cpus N        guest CPUs (default $ATCP_VM_CPUS or 2)
#   -a, --append ARGS   extra kernel command line (also $ATCP_VM_APPEND);
#                       atcp_trace=1 traces guest-init.sh and the runner
#   -i, --initrd FILE   boot with this initramfs; its /init must mount the
#                       9p root and switch_root to $atcp_init (which is
#                       scripts/guest-init.sh).  For kernels that have 9p
#                       and virtio as modules: scripts/bench-kernel.sh
#
# Exit status: the guest script's exit status; 124 on timeout; 125 when the
# VM ended without the script finishing (panic, crash, QEMU error).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
timeout_s=${ATCP_VM_TIMEOUT:-2400}
mem=${ATCP_VM_MEM:-2G}
cpus=${ATCP_VM_CPUS:-2}
initrd=
quiet=0 follow=0 kmemleak=0 extra=${ATCP_VM_APPEND:+ $ATCP_VM_APPEND}

usage() { sed -n '/^# Usage:/,/^[^#]/{/^#/p}' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

while [ $# -gt 0 ]; do
	case "$1" in
	-t|--timeout)	timeout_s=$2; shift 2 ;;
	-q|--quiet)	quiet=1; shift ;;
	-f|--follow)	follow=1; shift ;;
	-k|--kmemleak)	kmemleak=1; shift ;;
	-m|--mem)	mem=$2; shift 2 ;;
	-c|--cpus)	cpus=$2; shift 2 ;;
	-a|--append)	extra="$extra $2"; shift 2 ;;
	-i|--initrd)	initrd=$2; shift 2 ;;
	-h|--help)	usage ;;
	--)		shift; break ;;
	-*)		usage ;;
	*)		break ;;
	esac
done
[ $# -ge 3 ] || usage
kernel=$1 script=$2 out=$3
shift 3

[ -f "$kernel" ] || { echo "vm-run: no kernel image $kernel" >&2; exit 2; }
[ -z "$initrd" ] || [ -f "$initrd" ] || { echo "vm-run: no initramfs $initrd" >&2; exit 2; }
case "$script" in /*) ;; *) script=$repo/$script ;; esac
[ -f "$script" ] || { echo "vm-run: no guest script $script" >&2; exit 2; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
# Paths travel on the kernel command line, which splits on blanks.
for p in "$repo" "$script" "$out" "$@"; do
	case "$p" in *[[:space:]]*) echo "vm-run: blank in '$p' is not supported" >&2; exit 2 ;; esac
done
# The guest mounts tmpfs over these: a repository below them is invisible.
for p in "$repo" "$script"; do
	case "$p/" in
	/tmp/*|/run/*|/var/tmp/*|/mnt/*|/var/log/*|/dev/*|/proc/*|/sys/*)
		echo "vm-run: $p is hidden in the guest (tmpfs over /tmp, /run, ...); put it elsewhere" >&2
		exit 2 ;;
	esac
done
rm -f "$out/exit-status" "$out/console.log" "$out/kmemleak"

# Kernel command line.
#  - pci=noacpi: ACPI IRQ routing times out under TCG (harmless without ACPI).
#  - no5lvl: -cpu max offers LA57, which this kernel + TCG mishandle.
#  - panic=-1: reboot (= QEMU exits) at once on a panic; oopses and WARNs
#    do not panic: they are reported from the console log, and the tests
#    that follow still run (a hung test is cut by its own timeout).
#  - kasan_multi_shot: report every KASAN error, not only the first.
#  - Words without a dot go to init's environment (atcp_*).
cmdline="console=ttyS0 pci=noacpi no5lvl"
cmdline+=" root=/dev/root rootfstype=9p rootflags=trans=virtio,version=9p2000.L,msize=512000,cache=loose ro"
cmdline+=" init=$repo/scripts/guest-init.sh panic=-1 kasan_multi_shot"
[ -n "$initrd" ] && cmdline+=" atcp_init=$repo/scripts/guest-init.sh"
[ $quiet = 1 ] && cmdline+=" quiet loglevel=3"
cmdline+=" atcp_script=$script atcp_out=$out atcp_kmemleak=$kmemleak"
[ $# -gt 0 ] && cmdline+=" atcp_args=$(IFS=,; echo "$*")"
cmdline+="$extra"

# shellcheck disable=SC2054	# commas inside QEMU option values
qemu=(
	qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp "$cpus" -m "$mem"
	-nographic -no-reboot -nodefaults -serial stdio
	-kernel "$kernel" -append "$cmdline"
	-fsdev local,id=root,path=/,readonly=on,security_model=none,multidevs=remap
	-device virtio-9p-pci,fsdev=root,mount_tag=/dev/root
	-fsdev "local,id=out,path=$out,security_model=none"
	-device virtio-9p-pci,fsdev=out,mount_tag=atcpout
)
[ -n "$initrd" ] && qemu+=(-initrd "$initrd")

start=$(date +%s)
set +e
if [ $follow = 1 ]; then
	timeout -k 10 "$timeout_s" "${qemu[@]}" </dev/null 2>&1 | tee "$out/console.log"
	rc=${PIPESTATUS[0]}
else
	timeout -k 10 "$timeout_s" "${qemu[@]}" </dev/null >"$out/console.log" 2>&1
	rc=$?
fi
set -e
echo $(( $(date +%s) - start )) >"$out/vm-seconds"

if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	echo "vm-run: TIMEOUT after ${timeout_s}s (console: $out/console.log)" >&2
	exit 124
fi
if [ "$rc" != 0 ]; then
	echo "vm-run: QEMU failed (exit $rc); see $out/console.log" >&2
	tail -5 "$out/console.log" >&2
	exit 125
fi
if [ ! -s "$out/exit-status" ]; then
	echo "vm-run: the VM stopped before the guest script finished (panic?); see $out/console.log" >&2
	exit 125
fi
exit "$(cat "$out/exit-status")"
