#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the ATCP test VM (started by scripts/vm-run.sh as init=).
#
# The root file system is the host's "/", read-only over 9p.  This script
# makes it usable: pseudo file systems, tmpfs wherever tools write (/tmp,
# /run, /var/tmp, /dev/shm, HOME), loopback up, the writable output share
# mounted at the same path as on the host.  Then it runs the requested
# script with stdout/stderr on the console, writes its exit status to
# $ATCP_OUT/exit-status, optionally saves a kmemleak report, and reboots,
# which ends QEMU (-no-reboot).
#
# Parameters arrive from the kernel command line as environment variables:
#   atcp_script   absolute path of the bash script to run
#   atcp_out      output directory (host path; 9p tag "atcpout")
#   atcp_kmemleak 1: scan for leaks after the script, save $ATCP_OUT/kmemleak
#   atcp_args     extra arguments for the script, comma separated
#
# PID 1 must not exit (that panics the kernel), so no `set -e` here: every
# step reports its own failure and the script always reaches the reboot.
set -u
# atcp_trace=1 on the kernel command line (vm-run.sh -a atcp_trace=1):
# trace every step with a timestamp, to see where boot time goes.
if [ "${atcp_trace:-0}" = 1 ]; then PS4='+ ${EPOCHREALTIME} '; set -x; export ATCP_TRACE=1; fi

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp/home TMPDIR=/tmp LANG=C.UTF-8 TERM=dumb
export PYTHONDONTWRITEBYTECODE=1

say() { echo "guest-init: $*"; }

finish() {
	$bb sync
	[ -n "${ATCP_OUT:-}" ] && $bb umount "$ATCP_OUT" 2>/dev/null
	echo b >/proc/sysrq-trigger	# immediate reboot = QEMU exits
	$bb sleep 5
	$bb reboot -f
}

# Under TCG every exec of a dynamically linked program costs ~0.5 s, so
# boot-time steps use bash builtins and the static busybox where they can.
bb=/bin/busybox
[ -x $bb ] || bb=

mnt() {	# mnt TYPE DIR [OPTIONS]
	# Not mountpoint(1): on the 9p root it mistakes the host's mount
	# points for ours.  /proc/self/mounts is the guest's own list.
	local dir
	while read -r _ dir _; do
		[ "$dir" = "$2" ] && return 0
	done </proc/self/mounts
	$bb mount -t "$1" ${3:+-o "$3"} "$1" "$2" || say "cannot mount $1 on $2"
}

$bb mount -t proc proc /proc || say "cannot mount /proc"
mnt sysfs /sys
mnt devtmpfs /dev
$bb mkdir -p /dev/pts /dev/shm
mnt devpts /dev/pts gid=5,mode=620,ptmxmode=666
mnt tmpfs /dev/shm mode=1777
mnt debugfs /sys/kernel/debug
mnt tracefs /sys/kernel/tracing
for d in /tmp /var/tmp; do mnt tmpfs $d mode=1777; done
# /run: ip netns keeps its namespace files here; /mnt for tests' scratch mounts.
for d in /run /mnt /var/log; do mnt tmpfs $d mode=755; done
$bb mkdir -p "$HOME" /run/netns /run/lock
[ -e /dev/fd ] || $bb ln -s /proc/self/fd /dev/fd
echo atcp-vm >/proc/sys/kernel/hostname
$bb ip link set lo up || say "cannot bring up lo"

ATCP_REPO=${0%/scripts/*}
ATCP_OUT=${atcp_out:-}
export ATCP_REPO ATCP_OUT ATCP_VM=1
script=${atcp_script:-}
args=()
[ -n "${atcp_args:-}" ] && IFS=, read -r -a args <<<"$atcp_args"
unset atcp_script atcp_out atcp_args

# The output directory may lie under a tmpfs mounted above (e.g. /tmp).
[ -n "$ATCP_OUT" ] && $bb mkdir -p "$ATCP_OUT" 2>/dev/null
if [ -z "$ATCP_OUT" ] || ! $bb mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 atcpout "$ATCP_OUT"; then
	say "cannot mount the output share at '$ATCP_OUT'"
	finish
fi

# Marker for the host: sanitizer reports after this line are ours.
echo "atcp-harness: guest ready, running $script" >/dev/kmsg
say "running $script ${args[*]}"
start=$EPOCHSECONDS
cd "$ATCP_REPO" || finish
bash "$script" "$ATCP_OUT" "${args[@]}" </dev/null >/dev/console 2>&1
rc=$?
echo "atcp-harness: guest script exit $rc after $(( EPOCHSECONDS - start )) s" >/dev/kmsg

if [ "${atcp_kmemleak:-0}" = 1 ]; then
	if [ -w /sys/kernel/debug/kmemleak ]; then
		# An object is reported once it has been unreferenced for a few
		# seconds; scan twice to let young objects age and settle.
		$bb sleep 5
		echo scan >/sys/kernel/debug/kmemleak
		$bb sleep 5
		echo scan >/sys/kernel/debug/kmemleak
		cat /sys/kernel/debug/kmemleak >"$ATCP_OUT/kmemleak"
		say "kmemleak: $(grep -c '^unreferenced object' "$ATCP_OUT/kmemleak") suspected leaks"
	else
		say "kmemleak: not available"
		echo "kmemleak not available" >"$ATCP_OUT/kmemleak.unavailable"
	fi
fi

# Written last: its presence tells the host the run completed.
echo $rc >"$ATCP_OUT/exit-status"
echo "atcp-harness: guest done" >/dev/kmsg
finish
