#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Check every ATCP source file with sparse (make C=2 CHECK=sparse) against
# the 6.12 debug test kernel.  Any sparse (or compiler) diagnostic located in
# one of our files fails; diagnostics located in kernel headers are counted
# and shown but do not fail (they are not ours to fix).
#
# usage: scripts/sparse.sh        (make sparse)
#
# The build runs on a snapshot of the tree in a temporary directory, so it
# never touches the objects of a developer's own build.  Debian's sparse
# package is installed with apt-get when missing (as root).
#
# Environment: ATCP_CACHE (default ~/.cache/atcp), ATCP_KDIR_6_12 (use this
# build directory instead of scripts/build-kernel.sh's), ATCP_SPARSE_CF
# (extra sparse flags, e.g. "-Wsparse-all").
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
cache=${ATCP_CACHE:-$HOME/.cache/atcp}
logf=$cache/sparse.log

log() { echo "sparse: $*" >&2; }

if ! command -v sparse >/dev/null; then
	if [ "$(id -u)" = 0 ]; then
		log "installing Debian's sparse package"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sparse >/dev/null ||
			{ log "apt-get install sparse failed"; exit 2; }
	else
		log "sparse is not installed: apt-get install sparse"
		exit 2
	fi
fi

if [ -n "${ATCP_KDIR_6_12:-}" ]; then
	kdir=$ATCP_KDIR_6_12
else
	kdir=$("$here/build-kernel.sh" | tail -1) || {
		log "no 6.12 test kernel: scripts/build-kernel.sh failed"
		exit 2
	}
fi
[ -f "$kdir/Module.symvers" ] || { log "$kdir is not a built kernel tree"; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/atcp-sparse.XXXXXX")
trap 'rm -rf "$work"' EXIT
tar -C "$repo" --exclude=.git --exclude=./build \
    --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
    --exclude='*.mod.c' --exclude='.*.cmd' --exclude='*.a' \
    --exclude=Module.symvers --exclude=modules.order \
    -cf - . | tar -C "$work" -xf -

mkdir -p "$cache"
t0=$(date +%s)
# Not silent, whatever the calling make says: the "CHECK file" lines
# prove sparse ran on our files.
env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS \
	make -k -C "$work" KDIR="$kdir" C=2 CHECK=sparse \
	CF="${ATCP_SPARSE_CF:-}" -j"$(nproc)" >"$logf" 2>&1
rc=$?
secs=$(( $(date +%s) - t0 ))

# file:line:col: (warning|error): ...   -- ours are the ones under $work.
diag_re='^[^ :]+:[0-9]+(:[0-9]+)?: (warning|error|note):'
ours=$(grep -E "$diag_re" "$logf" | grep -F "$work/" | sed "s|$work/||g")
theirs=$(grep -E "$diag_re" "$logf" | grep -vF "$work/")
sed -i "s|$work/||g" "$logf"
n_ours=$(printf '%s' "$ours" | grep -c .)
n_theirs=$(printf '%s' "$theirs" | grep -c .)

if [ -n "$theirs" ]; then
	log "$n_theirs diagnostic(s) in kernel headers (not failing):"
	printf '%s\n' "$theirs" | sort -u | sed 's/^/  /' >&2
fi
if [ "$rc" != 0 ]; then
	if [ -n "$ours" ]; then
		printf '%s\n' "$ours"
	else
		tail -20 "$logf"
	fi
	echo "FAIL sparse $(cat "$kdir/include/config/kernel.release") ${secs}s: build failed (make=$rc), log $logf"
	exit 1
fi
if [ "$n_ours" != 0 ]; then
	printf '%s\n' "$ours"
	echo "FAIL sparse $(cat "$kdir/include/config/kernel.release") ${secs}s: $n_ours diagnostic(s) in ATCP files, log $logf"
	exit 1
fi
# Make sure sparse really looked at our files (kbuild prints "CHECK file").
checked=$(grep -cE '^ *CHECK +(module|kunit)/' "$logf")
if [ "$checked" = 0 ]; then
	echo "FAIL sparse: no file was checked (log $logf)"
	exit 1
fi
echo "PASS sparse $(cat "$kdir/include/config/kernel.release") ${secs}s ($checked files checked)"
