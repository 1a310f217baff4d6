#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ATCP in-VM test runner (started by scripts/guest-init.sh via
# `scripts/check.sh` -> `scripts/vm-run.sh`).  Not meant for the host: it
# loads kernel modules.
#
# Usage: selftests/run.sh OUTDIR [PATTERN...]
#   PATTERN  shell globs matched against test names (test_foo.sh, or
#            "kunit"); default: everything.
#
# What it does, in order:
#   1. `echo clear > /sys/kernel/debug/kmemleak`, so leaks from boot are
#      not reported as ours.
#   2. KUnit: insmod module/atcp.ko, then kunit/atcp_test.ko: its suites run
#      at load and print KTAP to the kernel log, between the markers
#      "atcp-harness: kunit begin/end" (the host parses the console copy with
#      the kernel's tools/testing/kunit/kunit.py).  The per-suite debugfs
#      results are copied to OUTDIR/kunit/.  Then both modules are unloaded.
#   3. Every selftests/test_* in sorted order: *.sh run with bash, *.py with
#      python3, other executables (compiled tests, built by
#      selftests/Makefile) directly.  Sources (*.c, *.h, *.o) are ignored.
#
# Conventions for a selftest (also in Documentation/testing.rst):
#   * Module state: before each test file the runner loads a fresh
#     module/atcp.ko (default parameters).  After the file it kills the
#     file's leftover processes, deletes every network namespace, and
#     unloads atcp; an unload that fails is a test failure
#     ("harness: rmmod atcp after <test>"), since it means leaked sockets or
#     references.  A test that needs other module parameters or reload
#     cycles does its own rmmod/insmod ($ATCP_MODULE is the .ko path) and
#     should leave the module loaded at the end, as it found it.
#   * Output: TAP on stdout, one line per case at column 0:
#       ok N - name | not ok N - name | ok N - name # SKIP reason
#     An optional plan "1..N" is checked against the number of results.
#     Indented lines and other text are free-form diagnostics.
#   * Exit status: non-zero without any "not ok" line counts as one failure;
#     exit 4 (kselftest's KSFT_SKIP) with no results counts as one skip.
#   * Timeout: $ATCP_TEST_TIMEOUT seconds (default 300) per file; a file can
#     ask for another limit with a line "# atcp-timeout: SECONDS" in its
#     first 20 lines.  A timeout is a failure.
#   * Environment: ATCP_REPO (repository root, read-only), ATCP_MODULE,
#     ATCP_TEST_OUT (a writable directory for this test's captures; it is
#     kept with the results), ATCP_VM=1.  HOME and /tmp are tmpfs.
#
# Results: OUTDIR/selftests/<test>.log (its stdout+stderr), <test>.rc (exit
# status, 124 = timeout), <test>.seconds; OUTDIR/harness.tap (the runner's
# own checks); OUTDIR/selftests/plan (tests it meant to run, so tests
# a crash prevented are reported as such).  After a kernel oops (taint D)
# the runner stops and says why in OUTDIR/selftests/aborted.  One progress line per test goes
# to stdout (the VM console) prefixed with "[atcp]".
set -uo pipefail
[ "${ATCP_TRACE:-0}" = 1 ] && { PS4='+ ${EPOCHREALTIME} '; set -x; }

# Under TCG each exec of a dynamically linked program costs ~0.5 s: the
# per-test bookkeeping below sticks to bash builtins and the static busybox.
bb=/bin/busybox
[ -x $bb ] || bb=

out=${1:?usage: run.sh OUTDIR [PATTERN...]}
shift
patterns=("$@")
repo=${ATCP_REPO:-$(cd "$(dirname "$0")/.." && pwd)}
export ATCP_REPO=$repo
export ATCP_MODULE=$repo/module/atcp.ko
kunit_ko=$repo/kunit/atcp_test.ko
default_timeout=${ATCP_TEST_TIMEOUT:-300}
kmemleak=/sys/kernel/debug/kmemleak

$bb mkdir -p "$out/selftests" "$out/kunit"
harness_tap=$out/harness.tap
: >"$harness_tap"

say() { echo "[atcp] $*"; }
kmsg() { echo "atcp-harness: $*" >/dev/kmsg; }
tap() {	# tap ok|not-ok NAME [DETAIL]
	local detail=${3:-}
	detail=${detail//$'\n'/ }
	if [ "$1" = ok ]; then
		echo "ok - $2" >>"$harness_tap"
	else
		echo "not ok - $2${detail:+ # $detail}" >>"$harness_tap"
		say "HARNESS FAILURE: $2${detail:+ ($detail)}"
	fi
}
selected() {	# selected NAME
	[ ${#patterns[@]} -eq 0 ] && return 0
	local p
	for p in "${patterns[@]}"; do
		# shellcheck disable=SC2053
		[[ $1 == $p ]] && return 0
	done
	return 1
}
loaded() { [ -d /sys/module/atcp ]; }
load() {
	loaded && return 0
	$bb insmod "$ATCP_MODULE"
}
# Unload, retrying while asynchronous teardown (netns cleanup, RCU,
# TIME_WAIT purge) still holds references.
unload() {	# unload MODULE
	local i
	for ((i = 0; i < 30; i++)); do
		[ -d "/sys/module/$1" ] || return 0
		$bb rmmod "$1" 2>/dev/null && return 0
		oopsed && break		# no use waiting
		$bb sleep 1
	done
	$bb rmmod "$1"	# last try, with its error message
}
# Links that exist before any test (lo, the sit0/tunl0 fallback devices).
base_links=" $(echo /sys/class/net/*) "
cleanup_after_test() {
	local ns=(/run/netns/*) dev
	[ -e "${ns[0]}" ] && ip -all netns delete 2>/dev/null
	# Leftover veths etc. in the root namespace are the test's bug, but
	# must not leak into the next test.
	for dev in /sys/class/net/*; do
		[[ $base_links == *" $dev "* ]] && continue
		[ -e "$dev" ] && ip link del "${dev##*/}" 2>/dev/null
	done
}
# After an oops (taint flag D) the kernel may hold locks forever, so every
# following test would just run into its timeout: stop instead.
oopsed() {
	local t
	read -r t </proc/sys/kernel/tainted
	(( t & 128 ))
}
timeout_of() {	# timeout_of FILE: "# atcp-timeout: N" in its first 20 lines
	local line n=0
	while ((n++ < 20)) && IFS= read -r line; do
		if [[ $line =~ ^#\ *atcp-timeout:\ *([0-9]+) ]]; then
			echo "${BASH_REMATCH[1]}"
			return
		fi
	done <"$1" 2>/dev/null
	echo "$default_timeout"
}
count_tap() {	# count_tap LOG: "passed failed skipped"
	local line p=0 f=0 s=0
	while IFS= read -r line; do
		case "$line" in
		"not ok"*) f=$((f + 1)) ;;
		ok*) if [[ $line =~ \#[[:space:]]*[Ss][Kk][Ii][Pp] ]]; then s=$((s + 1)); else p=$((p + 1)); fi ;;
		esac
	done <"$1"
	echo "$p $f $s"
}

[ -w "$kmemleak" ] && echo clear >"$kmemleak"

# ---- KUnit -----------------------------------------------------------------
if selected kunit; then
	if [ ! -f "$ATCP_MODULE" ]; then
		tap not-ok "insmod module/atcp.ko" "not built"
	elif ! $bb insmod "$ATCP_MODULE" 2>"$out/kunit/insmod-atcp.err"; then
		tap not-ok "insmod module/atcp.ko" "$(<"$out/kunit/insmod-atcp.err")"
	else
		tap ok "insmod module/atcp.ko"
		if [ ! -f "$kunit_ko" ]; then
			tap not-ok "insmod kunit/atcp_test.ko" "not built"
		else
			before=(/sys/kernel/debug/kunit/*)
			say "KUnit: loading kunit/atcp_test.ko"
			start=$EPOCHSECONDS
			kmsg "kunit begin"
			$bb insmod "$kunit_ko" 2>"$out/kunit/insmod.err"
			rc=$?
			kmsg "kunit end"
			if [ $rc = 0 ]; then
				tap ok "insmod kunit/atcp_test.ko"
			else
				tap not-ok "insmod kunit/atcp_test.ko" "$(<"$out/kunit/insmod.err")"
			fi
			# Suites that appeared with the module: save their KTAP.
			for s in /sys/kernel/debug/kunit/*; do
				[[ " ${before[*]} " == *" $s "* ]] && continue
				[ -r "$s/results" ] && $bb cp "$s/results" "$out/kunit/${s##*/}.ktap" 2>/dev/null
			done
			say "KUnit: done in $(( EPOCHSECONDS - start )) s"
			if [ -d /sys/module/atcp_test ]; then
				if unload atcp_test; then
					tap ok "rmmod atcp_test"
				else
					tap not-ok "rmmod atcp_test"
				fi
			fi
		fi
		if unload atcp; then
			tap ok "rmmod atcp after KUnit"
		else
			tap not-ok "rmmod atcp after KUnit"
		fi
	fi
fi

for f in "$out/kunit/insmod-atcp.err" "$out/kunit/insmod.err"; do
	[ -s "$f" ] || $bb rm -f "$f"
done

# ---- selftests -------------------------------------------------------------
tests=()
for f in "$repo"/selftests/test_*; do
	[ -f "$f" ] || continue
	name=${f##*/}
	case "$name" in
	*.c|*.h|*.o|*.d|*.txt|*.md|*~) continue ;;
	*.sh|*.py) ;;
	*) [ -x "$f" ] || continue ;;
	esac
	selected "$name" && tests+=("$name")
done
[ ${#tests[@]} -gt 0 ] && printf '%s\n' "${tests[@]}" >"$out/selftests/plan"
[ ${#tests[@]} -gt 0 ] || : >"$out/selftests/plan"
say "selftests: ${#tests[@]} test files"

rmmod_failures=0
if oopsed; then
	say "the kernel oopsed during KUnit: not running the selftests"
	echo "kernel oopsed during KUnit" >"$out/selftests/aborted"
	tests=()
fi
for name in "${tests[@]}"; do
	f=$repo/selftests/$name
	log=$out/selftests/$name.log
	export ATCP_TEST_OUT=$out/selftests/$name.d
	$bb mkdir -p "$ATCP_TEST_OUT"
	limit=$(timeout_of "$f")
	case "$name" in
	*.sh) cmd=(bash "$f") ;;
	*.py) cmd=(python3 "$f") ;;
	*) cmd=("$f") ;;
	esac

	if ! load 2>"$out/selftests/$name.insmod.err"; then
		tap not-ok "insmod atcp before $name" "$(<"$out/selftests/$name.insmod.err")"
	else
		$bb rm -f "$out/selftests/$name.insmod.err"
	fi
	kmsg "begin $name"
	start=$EPOCHSECONDS
	# timeout(1) makes its own process group: after the test, kill
	# whatever it left behind (background servers, captures).
	(cd "$repo/selftests" && exec timeout -k 10 "$limit" "${cmd[@]}") \
		</dev/null >"$log" 2>&1 &
	pid=$!
	wait $pid
	rc=$?
	kill -KILL -- "-$pid" 2>/dev/null
	secs=$(( EPOCHSECONDS - start ))
	kmsg "end $name rc=$rc"
	echo $rc >"$out/selftests/$name.rc"
	echo $secs >"$out/selftests/$name.seconds"
	files=("$ATCP_TEST_OUT"/*)
	[ -e "${files[0]}" ] || $bb rmdir "$ATCP_TEST_OUT"

	cleanup_after_test
	if ! unload atcp 2>"$out/selftests/$name.rmmod.err"; then
		tap not-ok "rmmod atcp after $name" "$(<"$out/selftests/$name.rmmod.err")"
		rmmod_failures=$((rmmod_failures + 1))
	fi
	$bb rm -f "$out/selftests/$name.rmmod.err"

	read -r pass fail skip < <(count_tap "$log")
	status="$pass passed, $fail failed, $skip skipped"
	[ $rc = 0 ] || status="$status, exit $rc"
	{ [ $rc = 124 ] || [ $rc = 137 ]; } && status="$status, TIMEOUT after ${limit}s"
	say "$name: $status (${secs}s)"
	if oopsed; then
		say "the kernel oopsed during $name: not running the remaining tests"
		echo "kernel oopsed during $name" >"$out/selftests/aborted"
		break
	fi
done
[ ${#tests[@]} -gt 0 ] && [ $rmmod_failures = 0 ] && tap ok "rmmod atcp after every test"

if loaded && ! oopsed; then
	unload atcp || tap not-ok "final rmmod atcp"
fi
dmesg >"$out/dmesg.txt" 2>/dev/null
say "runner done"
exit 0
