#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build ATCP warnings-free (W=1) against every supported kernel:
#
#   6.1       Debian 12's headers   /usr/src/linux-headers-6.1*-amd64
#   6.12      the debug test kernel (scripts/build-kernel.sh, cached)
#   mainline  Debian unstable's linux-source-X.Y (scripts/fetch-mainline.sh)
#
# usage: scripts/compat-build.sh [6.1] [6.12] [mainline]   (default: all)
#        make compat
#
# Each build runs on a snapshot of the tree in its own temporary directory,
# so the three builds (and a developer's own `make`) never share objects,
# and every file is compiled afresh (W=1 warnings are only printed when a
# file is compiled).  Any compiler warning or error, or a modpost warning,
# error or "undefined!" symbol fails that kernel.  One PASS/FAIL line is
# printed per kernel; the diagnostics are printed above it with paths
# relative to the repository, and the full log is kept in
# $ATCP_CACHE/compat/<kernel>.log.
#
# Environment: ATCP_CACHE (default ~/.cache/atcp); ATCP_SRC (tree to build,
# default this repository); ATCP_KDIR_6_1,
# ATCP_KDIR_6_12, ATCP_KDIR_MAINLINE to use a given build directory instead.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=${ATCP_SRC:-$(cd "$here/.." && pwd)}
cache=${ATCP_CACHE:-$HOME/.cache/atcp}
logdir=$cache/compat
jobs=$(nproc)

log() { echo "compat-build: $*" >&2; }

# Prints the build directory for a kernel, or a reason on stderr + status 1.
kdir_6_1() {
	local d
	if [ -n "${ATCP_KDIR_6_1:-}" ]; then echo "$ATCP_KDIR_6_1"; return; fi
	d=$(ls -d /usr/src/linux-headers-6.1.*-amd64 2>/dev/null | sort -V | tail -1)
	if [ -z "$d" ] || [ ! -f "$d/Module.symvers" ]; then
		log "6.1: no /usr/src/linux-headers-6.1.*-amd64 with Module.symvers;" \
		    "install Debian 12's headers: apt-get install linux-headers-amd64"
		return 1
	fi
	echo "$d"
}

kdir_6_12() {
	local d
	if [ -n "${ATCP_KDIR_6_12:-}" ]; then echo "$ATCP_KDIR_6_12"; return; fi
	# Cached: prints the directory at once; otherwise builds it (or waits
	# for a build already running).
	d=$("$here/build-kernel.sh" | tail -1) || {
		log "6.12: scripts/build-kernel.sh failed (needs linux-source-6.12)"
		return 1
	}
	echo "$d"
}

kdir_mainline() {
	local d
	if [ -n "${ATCP_KDIR_MAINLINE:-}" ]; then echo "$ATCP_KDIR_MAINLINE"; return; fi
	d=$("$here/fetch-mainline.sh" | tail -1) || {
		log "mainline: no tree cached and scripts/fetch-mainline.sh could not fetch one"
		return 1
	}
	echo "$d"
}

kversion() {
	local v
	v=$(cat "$1/include/config/kernel.release" 2>/dev/null) || v=unknown
	echo "$v"
}

# build NAME KDIR -> PASS/FAIL line, status 0/1
build_one() {
	local name=$1 kdir=$2 work logf diag rc t0 secs n
	work=$(mktemp -d "${TMPDIR:-/tmp}/atcp-compat-$name.XXXXXX")
	logf=$logdir/$name.log
	# Snapshot of the sources (no VCS data, no objects from other builds).
	tar -C "$repo" --exclude=.git --exclude=./build \
	    --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
	    --exclude='*.mod.c' --exclude='.*.cmd' --exclude='*.a' \
	    --exclude=Module.symvers --exclude=modules.order \
	    -cf - . | tar -C "$work" -xf -
	t0=$(date +%s)
	make -k -C "$work" KDIR="$kdir" W=1 -j"$jobs" >"$logf" 2>&1
	rc=$?
	secs=$(( $(date +%s) - t0 ))
	# Show diagnostics with repository-relative paths.
	sed -i "s|$work/||g" "$logf"
	diag=$(grep -E -i 'warning:|error:|undefined!|section mismatch' "$logf")
	n=$(printf '%s' "$diag" | grep -c . )
	local built
	built=$(cd "$work" && find . -name '*.ko' | sed 's|^\./||' | sort | tr '\n' ' ')
	rm -rf "$work"
	if [ "$rc" = 0 ] && [ "$n" = 0 ] && [ -n "$built" ]; then
		printf 'PASS %-8s %-28s %3ss  %s\n' "$name" "$(kversion "$kdir")" "$secs" "$built"
		return 0
	fi
	[ -n "$diag" ] && printf '%s\n' "$diag" | sed "s|^|  [$name] |"
	[ "$rc" != 0 ] && [ "$n" = 0 ] && tail -20 "$logf" | sed "s|^|  [$name] |"
	printf 'FAIL %-8s %-28s %3ss  make=%s, %s diagnostic line(s), log %s\n' \
	       "$name" "$(kversion "$kdir")" "$secs" "$rc" "$n" "$logf"
	return 1
}

kernels=("$@")
[ ${#kernels[@]} -gt 0 ] || kernels=(6.1 6.12 mainline)
mkdir -p "$logdir"

fail=0 missing=0
for k in "${kernels[@]}"; do
	case $k in
	6.1) kdir=$(kdir_6_1) ;;
	6.12) kdir=$(kdir_6_12) ;;
	mainline) kdir=$(kdir_mainline) ;;
	*) log "unknown kernel '$k' (want 6.1, 6.12 or mainline)"; exit 2 ;;
	esac
	if [ -n "${kdir:-}" ] && [ ! -d "$kdir" ]; then
		log "$k: $kdir is not a directory"
	fi
	if [ -z "${kdir:-}" ] || [ ! -d "$kdir" ]; then
		printf 'FAIL %-8s kernel tree missing and could not be fetched\n' "$k"
		missing=1
		continue
	fi
	build_one "$k" "$kdir" || fail=1
done

[ "$missing" = 0 ] || { log "at least one kernel tree is missing (see above)"; exit 2; }
exit $fail
