# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shared helpers for the ATCP selftests (sourced by selftests/test_*.sh).
#
# Every test file is a TAP producer: one "ok N - ..." / "not ok N - ..." /
# "ok N - ... # SKIP reason" line per check, diagnostics as "# ..." lines,
# and the plan "1..N" printed last (from the EXIT trap).  A test file exits
# 0 when it ran to the end, whatever its checks said; a non-zero exit (or a
# "Bail out!" line) means the test itself could not run.
#
# The tests run inside the test VM (scripts/vm-run.sh) as root, with the
# host's "/" read-only and /tmp, /run writable.  The in-VM runner
# (selftests/run.sh) loads module/atcp.ko before each test file, and after
# it deletes every namespace and unloads atcp; a test that reloads the
# module itself leaves it loaded as it found it.  Captures are written to
# $ATCP_TEST_OUT when the runner sets it (kept with the results).
#
# Helpers:
#   TAP       ok DESC | not_ok DESC [DIAG...] | skip DESC REASON |
#             check DESC CMD... (ok when CMD succeeds) | diag MSG... |
#             tap_import (turn "PASS d" / "FAIL d" / "SKIP d # why" /
#             "TODO d # why" lines on stdin into TAP lines; TODO is a
#             known failure, "not ok ... # TODO") | bail_out MSG
#   module    atcp_loaded | atcp_load [PARAM=V...] | atcp_unload |
#             atcp_ensure_loaded
#   netns     ns_setup [nolink] (ns1 <-veth1---veth2-> ns2, 10.0.1.{1,2}/24
#             and fd00::{1,2}/64, links up; a holder process in each
#             namespace: NS1_PID, NS2_PID, whose /proc/PID/net is the
#             namespace's) | ns_cleanup | nsx NS CMD... ("" = init_net) |
#             ns_proc_net NS (/proc/PID/net of NS, /proc/net for "")
#   counters  atcp_stat NS NAME (value of one /proc/net/atcp_stat counter)
#   sysctl    atcp_sysctl_get NS NAME | atcp_sysctl_set NS NAME VALUE
#             (prints the write's error text, status non-zero on failure)
#   capture   cap_start NS DEV FILE [FILTER...] | cap_stop | cap_dump FILE |
#             cap_segments FILE (one line per IPv4/IPv6 packet, protocol 6
#             and $ATCP_PROTO decoded as TCP; see atcp_net.py pcap)
#   interop   rewrite_add NS DEV | rewrite_del NS DEV: tc rules that turn
#             Linux TCP leaving/entering DEV into ATCP on the wire
#   misc      wait_until TIMEOUT CMD... | on_exit CMD... (cleanup, LIFO) |
#             need_cmd CMD... (skip-all when a tool is missing) |
#             snooze SECS (sleep without exec) | "${ATCP_PY[@]}" CMD ...
#             (selftests/atcp_net.py under the system python3, -S)
#
# Speed: under TCG every exec of a program costs about a second and a
# python3 start two to four.  Hence bash builtins wherever they do
# (reading /proc with `read`, polling with `snooze`), `ip -b`/`tc -b`
# batches, and one python process per batch of work.

# No dirname/basename/mktemp: each exec costs about a second in the VM.
SELFTESTS_DIR=${BASH_SOURCE[0]%/*}
[ "$SELFTESTS_DIR" = "${BASH_SOURCE[0]}" ] && SELFTESTS_DIR=.
SELFTESTS_DIR=$(cd "$SELFTESTS_DIR" && pwd)
ATCP_ROOT=${SELFTESTS_DIR%/*}
ATCP_KO=${ATCP_KO:-${ATCP_MODULE:-$ATCP_ROOT/module/atcp.ko}}
ATCP_PROTO=${ATCP_PROTO:-253}
ATCP_NET_PY=$SELFTESTS_DIR/atcp_net.py
export ATCP_PROTO PYTHONDONTWRITEBYTECODE=1

# The system interpreter (not a pyenv shim); -S skips site-packages, which
# saves seconds per start in the VM.
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
ATCP_PY=("$PY" -S "$ATCP_NET_PY")

NS1=${NS1:-ns1}
NS2=${NS2:-ns2}
VETH1=${VETH1:-veth1}		# lives in ns1
VETH2=${VETH2:-veth2}		# lives in ns2
IP1=10.0.1.1
IP2=10.0.1.2
IP6_1=fd00::1
IP6_2=fd00::2

TEST_NAME=${0##*/}
TEST_NAME=${TEST_NAME%.sh}
TEST_TMP=${TMPDIR:-/tmp}/atcp-$TEST_NAME.$$
mkdir -p "$TEST_TMP" || exit 1
# Captures go where the runner keeps them ($ATCP_TEST_OUT), else to /tmp.
# shellcheck disable=SC2034  # used by the test files
CAP_DIR=${ATCP_TEST_OUT:-$TEST_TMP}

# ---------------------------------------------------------------- TAP ----

TAP_N=0
TAP_FAILED=0
_ATCP_EXIT_CMDS=()

diag() {
	local line
	printf '%s\n' "$@" | while IFS= read -r line; do echo "# $line"; done
}

ok() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1"
}

not_ok() {
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $1"
	shift
	[ $# -gt 0 ] && diag "$@"
	return 0
}

skip() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1 # SKIP ${2:-}"
}

# check DESC CMD...: ok if CMD succeeds; its output becomes the diagnostic
# when it fails.
check() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc = 0 ]; then
		ok "$desc"
	else
		not_ok "$desc" "command failed (exit $rc): $*" ${out:+"$out"}
	fi
}

# Read "PASS desc", "FAIL desc", "SKIP desc # reason" lines (the helpers
# in atcp_net.py print them) and emit TAP; any other line is a diagnostic
# (atcp_net.py prints the reason for a FAIL on the lines after it).
# Feed it with redirection, not a pipe (a pipe would run it in a subshell
# and lose the count):  tap_import < <("$PY" "$ATCP_NET_PY" ...)
tap_import() {
	local line desc
	while IFS= read -r line; do
		case "$line" in
		"PASS "*)	ok "${line#PASS }" ;;
		"FAIL "*)	not_ok "${line#FAIL }" ;;
		"SKIP "*)
			desc=${line#SKIP }
			skip "${desc%% # *}" "${desc#* # }"
			;;
		"TODO "*)	# a known failure: reported, not counted
			desc=${line#TODO }
			TAP_N=$((TAP_N + 1))
			echo "not ok $TAP_N - ${desc%% # *} # TODO ${desc#* # }"
			;;
		*)		diag "$line" ;;
		esac
	done
}

bail_out() {
	echo "Bail out! $*"
	exit 1
}

on_exit() {
	_ATCP_EXIT_CMDS+=("$*")
}

_atcp_exit() {
	local rc=$? i
	trap - EXIT
	for ((i = ${#_ATCP_EXIT_CMDS[@]} - 1; i >= 0; i--)); do
		eval "${_ATCP_EXIT_CMDS[$i]}" >/dev/null 2>&1
	done
	rm -rf "$TEST_TMP"
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -gt 0 ] && diag "$TEST_NAME: $TAP_FAILED of $TAP_N checks failed"
	exit $rc
}
trap _atcp_exit EXIT
trap 'exit 130' INT TERM

# need_cmd CMD...: without one of them the whole file is skipped.
need_cmd() {
	local c
	for c in "$@"; do
		if ! command -v "$c" >/dev/null 2>&1; then
			echo "1..0 # SKIP $c not installed"
			trap - EXIT
			rm -rf "$TEST_TMP"
			exit 4		# kselftest's KSFT_SKIP
		fi
	done
}

# snooze SECS: sleep without exec'ing sleep(1): read from a pipe that
# nobody writes to (we hold its write end) until the timeout.
exec {_SNOOZE_FD}<> <(:)
snooze() {
	read -r -t "$1" -u "$_SNOOZE_FD"
	return 0
}

# wait_until TIMEOUT CMD...: poll CMD every 0.1 s until it succeeds; prefer
# a builtin or shell function as CMD (each exec costs ~1 s in the VM).
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $deadline ] && return 1
		snooze 0.1
	done
	return 0
}

# file_has FILE STRING: FILE contains STRING (no exec).
file_has() {
	[ -r "$1" ] && [[ "$(<"$1")" == *"$2"* ]]
}

# ------------------------------------------------------------- module ----

atcp_loaded() {
	[ -d /sys/module/atcp ]
}

# atcp_load [PARAM=V...]: insmod; its stderr goes to stdout for the caller.
atcp_load() {
	insmod "$ATCP_KO" "$@" 2>&1
}

# atcp_unload: rmmod, retrying for a while: the last socket of a
# namespace that is being dismantled drops its module reference late.
atcp_unload() {
	local i out
	for ((i = 0; i < 30; i++)); do
		atcp_loaded || return 0
		out=$(rmmod atcp 2>&1) && return 0
		snooze 0.1
	done
	echo "$out"
	return 1
}

atcp_ensure_loaded() {
	atcp_loaded && return 0
	atcp_load "$@" >/dev/null
}

# -------------------------------------------------------------- netns ----

# nsx NS CMD...: run CMD in NS; NS "" means the initial namespace.
nsx() {
	local ns=$1
	shift
	if [ -z "$ns" ]; then
		"$@"
	else
		ip netns exec "$ns" "$@"
	fi
}

NS1_PID=
NS2_PID=

ns_cleanup() {
	[ -n "$NS1_PID" ] && kill "$NS1_PID" 2>/dev/null
	[ -n "$NS2_PID" ] && kill "$NS2_PID" 2>/dev/null
	NS1_PID=''
	NS2_PID=''
	ip -force -b - <<-EOF >/dev/null 2>&1
		netns del $NS1
		netns del $NS2
	EOF
	return 0
}

# The holder: runs in a namespace, waits for DEV ("" = none) to be up,
# says so in READY-FILE and blocks forever.  Its /proc/PID/net gives the
# shell the namespace's /proc/net without an exec per read.
# It also shortens net.atcp.orphan_retries to 1 in its namespace:
# orphaned connections pin the module (as SCTP's do) until they end, and
# the runner unloads it after each test.  Tests of orphans set their own.
_ATCP_HOLDER='
exec {fd}<> <(:)
echo 1 2>/dev/null >/proc/sys/net/atcp/orphan_retries
if [ -n "$1" ]; then
	for ((i = 0; i < 300; i++)); do
		[ "$(</sys/class/net/$1/operstate)" = up ] && break
		read -t 0.1 -u $fd
	done
fi
echo "$(</sys/class/net/${1:-lo}/operstate)" >"$2"
read -u $fd'

# ns_proc_net NS: the /proc/net directory of NS.
ns_proc_net() {
	case "$1" in
	"")	echo /proc/net ;;
	"$NS1")	echo "/proc/$NS1_PID/net" ;;
	"$NS2")	echo "/proc/$NS2_PID/net" ;;
	*)	return 1 ;;
	esac
}

# ns_setup [nolink]: ns1 and ns2 joined by veth1 (ns1) - veth2 (ns2), or
# with "nolink" just the two namespaces with lo up.
ns_setup() {
	local link=1 r1=$TEST_TMP/ns1.up r2=$TEST_TMP/ns2.up
	[ "${1:-}" = nolink ] && link=0
	ns_cleanup
	on_exit ns_cleanup
	ip -b - <<-EOF || return 1
		netns add $NS1
		netns add $NS2
	EOF
	if [ $link = 1 ]; then
		ip -b - <<-EOF || return 1
			link add $VETH1 netns $NS1 type veth peer name $VETH2 netns $NS2
		EOF
		ip -n "$NS1" -b - <<-EOF || return 1
			link set lo up
			addr add $IP1/24 dev $VETH1
			addr add $IP6_1/64 dev $VETH1 nodad
			link set $VETH1 up
		EOF
		ip -n "$NS2" -b - <<-EOF || return 1
			link set lo up
			addr add $IP2/24 dev $VETH2
			addr add $IP6_2/64 dev $VETH2 nodad
			link set $VETH2 up
		EOF
	else
		ip -n "$NS1" link set lo up && ip -n "$NS2" link set lo up || return 1
	fi
	rm -f "$r1" "$r2"
	ip netns exec "$NS1" bash -c "$_ATCP_HOLDER" _ "$( [ $link = 1 ] && echo "$VETH1")" "$r1" &
	NS1_PID=$!
	ip netns exec "$NS2" bash -c "$_ATCP_HOLDER" _ "$( [ $link = 1 ] && echo "$VETH2")" "$r2" &
	NS2_PID=$!
	wait_until 60 test -s "$r2" && wait_until 60 test -s "$r1" || return 1
	[ "$(<"$r1")" = up ] && [ "$(<"$r2")" = up ] ||
		{ [ $link = 0 ] || { diag "links not up: $(<"$r1") $(<"$r2")"; return 1; }; }
	return 0
}

# ----------------------------------------------------------- counters ----

# atcp_stat NS NAME: print one counter of NS's /proc/net/atcp_stat.
atcp_stat() {
	local dir names vals i
	dir=$(ns_proc_net "$1") || return 1
	{ read -r -a names && read -r -a vals; } <"$dir/atcp_stat" 2>/dev/null || return 1
	for ((i = 1; i < ${#names[@]}; i++)); do
		[ "${names[$i]}" = "$2" ] && { echo "${vals[$i]}"; return 0; }
	done
	return 1
}

# ------------------------------------------------------------- sysctl ----

atcp_sysctl_get() {	# atcp_sysctl_get NS NAME
	if [ -z "$1" ]; then
		local v
		read -r v <"/proc/sys/net/atcp/$2" && echo "$v"
	else
		ip netns exec "$1" cat "/proc/sys/net/atcp/$2"
	fi
}

# orphans_default: orphan_retries back to its default (0, meaning 8) in ns1
# and ns2, for tests whose programs close() with data still in flight on a
# lossy link: there an orphan allowed one retransmission (the holder's
# setting) gives up on the tail of the data and its FIN, and the peer
# waits in FIN-WAIT-2 for them forever (Linux TCP does the same with
# tcp_orphan_retries=1).
orphans_default() {
	local ns
	for ns in "$NS1" "$NS2"; do
		atcp_sysctl_set "$ns" orphan_retries 0 >/dev/null || return 1
	done
}

# atcp_sysctl_set NS NAME VALUE: write VALUE the way sysctl -w does (one
# write(2)); prints the error text (e.g. "Invalid argument") on failure.
atcp_sysctl_set() {
	local out rc
	if [ -z "$1" ]; then
		{ echo "$3" >"/proc/sys/net/atcp/$2"; } 2>"$TEST_TMP/sysctl.err"
		# shellcheck disable=SC2320  # the write's status is the point
		rc=$?
		[ $rc = 0 ] && return 0
		read -r out <"$TEST_TMP/sysctl.err"
		echo "${out##*: }"
		return $rc
	else
		out=$(ip netns exec "$1" bash -c 'echo "$2" >"/proc/sys/net/atcp/$1"' _ "$2" "$3" 2>&1)
	fi
	rc=$?
	[ $rc = 0 ] && return 0
	echo "${out##*: }"
	return $rc
}

# ------------------------------------------------------------ capture ----

CAP_PID=

# cap_start NS DEV FILE [FILTER...]: start tcpdump and return once it is
# capturing (it says "listening on" after the capture is activated).
cap_start() {
	local ns=$1 dev=$2 file=$3
	shift 3
	cap_stop
	rm -f "$file" "$file.err"
	# Not through nsx: CAP_PID must be tcpdump itself (ip netns exec execs
	# it), not a subshell, which ignores SIGINT as any background job of
	# a non-interactive shell does, so that cap_stop really stops it.
	if [ -n "$ns" ]; then
		ip netns exec "$ns" tcpdump -i "$dev" -nn -U --immediate-mode \
			-Z root -s 512 -w "$file" "$@" 2>"$file.err" &
	else
		tcpdump -i "$dev" -nn -U --immediate-mode -Z root -s 512 \
			-w "$file" "$@" 2>"$file.err" &
	fi
	CAP_PID=$!
	on_exit cap_stop
	if ! wait_until 60 file_has "$file.err" 'listening on'; then
		diag "tcpdump did not start:" "$(cat "$file.err")"
		cap_stop
		return 1
	fi
}

cap_stop() {
	[ -n "$CAP_PID" ] || return 0
	# Packets still in the capture ring when SIGINT lands are lost: let
	# tcpdump (in immediate mode) write what has just crossed the link.
	snooze 0.3
	kill -INT "$CAP_PID" 2>/dev/null
	local i
	for ((i = 0; i < 100; i++)); do
		kill -0 "$CAP_PID" 2>/dev/null || break
		snooze 0.1
	done
	kill -KILL "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null
	CAP_PID=
	return 0
}

cap_dump() {
	tcpdump -nn -r "$1" 2>/dev/null
}

# cap_segments FILE: one line per IPv4/IPv6 packet:
#   FAMILY PROTO SRC DST SPORT DPORT FLAGS SEQ ACK LEN CSUM
# (see atcp_net.py pcap; FLAGS like "SA", "RA", "R", "." for none).
cap_segments() {
	"${ATCP_PY[@]}" pcap "$1"
}

# ------------------------------------------------------------ interop ----

# rewrite_add NS DEV: Linux TCP leaving DEV leaves as ATCP (protocol 6 ->
# $ATCP_PROTO, IPv4 header checksum fixed), ATCP arriving on DEV enters as
# TCP.  The TCP checksum needs no change: ATCP computes it with protocol 6
# in the pseudo-header.
rewrite_add() {
	local p=$ATCP_PROTO
	tc -n "$1" -b - <<-EOF
		qdisc add dev $2 clsact
		filter add dev $2 egress prio 1 protocol ip u32 match ip protocol 6 0xff action pedit ex munge ip protocol set $p pipe action csum ip4h
		filter add dev $2 ingress prio 1 protocol ip u32 match ip protocol $p 0xff action pedit ex munge ip protocol set 6 pipe action csum ip4h
		filter add dev $2 egress prio 2 protocol ipv6 u32 match ip6 protocol 6 0xff action pedit ex munge ip6 nexthdr set $p
		filter add dev $2 ingress prio 2 protocol ipv6 u32 match ip6 protocol $p 0xff action pedit ex munge ip6 nexthdr set 6
	EOF
}

rewrite_del() {
	tc -n "$1" qdisc del dev "$2" clsact
}
