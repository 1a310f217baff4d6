#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: every ATCP test, from a fresh Debian 12 machine or a warm one.
#
#   1. scripts/deps.sh            install missing packages (root)
#   2. scripts/build-kernel.sh    the debug test kernel (cached)
#   3. make KDIR=... W=1          module/atcp.ko + kunit/atcp_test.ko
#                                 (scripts/module-kdir.sh first drops
#                                 objects built against another kernel);
#                                 make -C selftests / tools if they have a
#                                 Makefile; make checkpatch / make sparse if
#                                 their scripts exist
#   4. scripts/vm-run.sh          boot the VM, run selftests/run.sh (KUnit,
#                                 then every selftests/test_*), kmemleak scan
#   5. scripts/parse-results.py   KUnit via kunit.py, selftest TAP,
#                                 sanitizer reports -> per-test summary
#
# Each build/lint step is a test too.  Results go to build/check-<time>/
# (build/check-latest points at the newest); the last line printed is
# "N passed, N failed[, N skipped]".  Exit status 0 only if nothing failed
# and some KUnit case or selftest ran.
#
# Environment:
#   ATCP_TESTS     space-separated globs: run only matching tests
#                  (selftest file names, or "kunit"), e.g. "kunit test_sysctl*"
#   ATCP_CHECK_TIMEOUT  seconds before the VM is killed (default 2400)
#   ATCP_TEST_TIMEOUT   default per-selftest-file timeout in the VM (300)
#   ATCP_VERBOSE=1 stream the whole VM console instead of progress lines
#   ATCP_LINT=0    skip make checkpatch / make sparse (quick iterations)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
t0=$(date +%s)
stamp=$(date +%Y%m%d-%H%M%S)
out=$repo/build/check-$stamp
mkdir -p "$out"
ln -sfn "check-$stamp" "$repo/build/check-latest"
host_tap=$out/host.tap
: >"$host_tap"

log() { echo "check: $*" >&2; }
pass() { echo "ok - $1" >>"$host_tap"; }
fail() { echo "not ok - $1${2:+ # $2}" >>"$host_tap"; log "FAILED: $1${2:+ ($2)}"; }
phase_start() { phase_t=$(date +%s); log "$*"; }
phase_end() { log "  ... $(( $(date +%s) - phase_t )) s"; }
kunit_py=
summary() {	# summary [--no-vm]: print results, exit with their status
	local rc=0
	python3 "$repo/scripts/parse-results.py" "$out" ${kunit_py:+--kunit-py "$kunit_py"} "$@" >"$out/.summary" || rc=$?
	log "total $(( $(date +%s) - t0 )) s; results in $out"
	cat "$out/.summary"
	rm -f "$out/.summary"
	exit $rc
}

# ---- 1. dependencies ----------------------------------------------------------
phase_start "checking dependencies (scripts/deps.sh)"
if scripts/deps.sh >"$out/deps.log" 2>&1; then
	pass "deps: packages installed"
else
	cat "$out/deps.log" >&2
	fail "deps: packages installed" "see deps.log"
	summary --no-vm
fi
phase_end

# ---- 2. test kernel -------------------------------------------------------------
phase_start "test kernel (scripts/build-kernel.sh; first build takes a while)"
if kdir=$(scripts/build-kernel.sh 2> >(tee "$out/kernel-build.log" >&2) | tail -1) &&
	[ -f "$kdir/arch/x86/boot/bzImage" ]; then
	pass "build: test kernel"
else
	fail "build: test kernel" "see kernel-build.log"
	summary --no-vm
fi
echo "$kdir" >"$out/kdir"
kunit_py=$kdir/source-tree/tools/testing/kunit/kunit.py
phase_end

# ---- 3. module, helpers, lint ------------------------------------------------------
phase_start "building the module (make KDIR=$kdir W=1)"
scripts/module-kdir.sh "$kdir"	# no objects of another kernel's build
if make -s KDIR="$kdir" W=1 >"$out/module-build.log" 2>&1; then
	pass "build: module"
else
	cat "$out/module-build.log" >&2
	fail "build: module" "see module-build.log"
	summary --no-vm
fi
nwarn=$(grep -cE ': warning:|^WARNING: ' "$out/module-build.log" || true)
if [ "$nwarn" = 0 ]; then
	pass "build: module warning-free (W=1)"
else
	grep -E ': warning:|^WARNING: ' "$out/module-build.log" >&2
	fail "build: module warning-free (W=1)" "$nwarn warnings, see module-build.log"
fi
phase_end

for dir in selftests tools; do
	[ -f "$dir/Makefile" ] || continue
	phase_start "building $dir (make -C $dir)"
	if make -C "$dir" KDIR="$kdir" >"$out/$dir-build.log" 2>&1; then
		pass "build: $dir"
	else
		tail -30 "$out/$dir-build.log" >&2
		fail "build: $dir" "see $dir-build.log"
	fi
	phase_end
done

for lint in checkpatch sparse; do
	if [ ! -f "scripts/$lint.sh" ] || [ "${ATCP_LINT:-1}" = 0 ]; then
		continue
	fi
	phase_start "make $lint"
	if make -s "$lint" KDIR="$kdir" >"$out/$lint.log" 2>&1; then
		pass "$lint"
	else
		tail -30 "$out/$lint.log" >&2
		fail "$lint" "see $lint.log"
	fi
	phase_end
done

if [ -x scripts/check-docs.sh ]; then
	phase_start "documentation checks (scripts/check-docs.sh)"
	# Its TAP lines ("ok - docs: ...") go straight into the host results.
	scripts/check-docs.sh 2>"$out/check-docs.log" | grep -E '^(not )?ok ' >>"$host_tap" || true
	phase_end
fi

# ---- 4. the VM ----------------------------------------------------------------------
# shellcheck disable=SC2206
patterns=(${ATCP_TESTS:-})
phase_start "booting the VM: KUnit + selftests (console: $out/console.log)"
progress() {	# the runner's "[atcp]" lines and the first line of any splat
	if [ "${ATCP_VERBOSE:-0}" = 1 ]; then
		cat
	else
		sed -u -e 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g; s/\r$//' |
			grep --line-buffered -E '^\[atcp\]|^guest-init:|atcp-harness: guest|Kernel panic|BUG: |WARNING: |UBSAN:|Oops'
	fi
}
set +e
scripts/vm-run.sh --follow --kmemleak -t "${ATCP_CHECK_TIMEOUT:-2400}" \
	"$kdir/arch/x86/boot/bzImage" selftests/run.sh "$out" "${patterns[@]}" |
	progress >&2
vm_rc=${PIPESTATUS[0]}
set -e
[ "$vm_rc" = 0 ] || { echo "--- last console lines:"; tail -30 "$out/console.log"; } >&2
case $vm_rc in
0)	pass "vm: runner completed" ;;
124)	fail "vm: runner completed" "timeout after ${ATCP_CHECK_TIMEOUT:-2400} s" ;;
125)	fail "vm: runner completed" "VM stopped early (panic?), see console.log" ;;
*)	fail "vm: runner completed" "runner exit $vm_rc" ;;
esac
phase_end

# ---- 5. results -----------------------------------------------------------------------
summary
