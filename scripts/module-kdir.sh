#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/module-kdir.sh KDIR: before an in-tree module build against
# KDIR, remove the objects of a build against another kernel tree.
#
# A change to scripts/config/debug.config gives the test kernel a new
# directory.  Kbuild's dependency files of the old objects name the old
# kernel's headers, which did not change, so make would keep objects of
# another struct layout and link them into the new modules (a crash at
# the first socket).  The kernel of the last build is kept in
# build/.module-kdir; used by scripts/check.sh and scripts/demo.sh.
set -euo pipefail

kdir=$1
repo=$(cd "$(dirname "$0")/.." && pwd)
stamp=$repo/build/.module-kdir

mkdir -p "$repo/build"
if [ "$(cat "$stamp" 2>/dev/null)" != "$kdir" ]; then
	make -s -C "$kdir" M="$repo" clean >/dev/null 2>&1 || true
	echo "$kdir" >"$stamp"
fi
