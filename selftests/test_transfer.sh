#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# atcp-timeout: 480
#
# Data transfer and reliability (issue #4), with selftests/atcp_io moving
# files between ns1 and ns2 and SHA-256 checking what arrived:
#
#  1. Bulk on a clean veth: 64 MiB each way at once over IPv4, 8 MiB each
#     way over IPv6; no reset, counters sane.
#  2. Request/response: 1000 exchanges on one connection (each request and
#     response a segment of its own in the capture), then 1000 connections
#     with one exchange each (every one with its handshake, data and FINs
#     in the capture, no RST).
#  3. A reader that stops (SO_RCVBUF 8192, atcp_io -R/-W): the window
#     closes to zero (the persist timer first fills what was left of it),
#     the sender probes it (ACK, SEQ = SND.UNA - 1, no data) with doubling
#     gaps, each probe is answered, the sender never sends beyond the
#     window, and the transfer resumes and completes when the reader reads
#     again; WinProbe counts the probes.
#  4. Interop with Linux TCP through the protocol-byte rewrite: ATCP client
#     in ns1 with a Linux TCP server in ns2 over IPv4, and a Linux TCP
#     client in ns1 with an ATCP server in ns2 over IPv6, both at once,
#     full duplex: clean (4 MiB each way), then under the netem of 5.
#     (512 KiB each way), SHA-256 checked, only protocol 253 on the wire,
#     both ends retransmitting and sending SACK blocks.
#  5. Under netem on both veth ends (loss 5%, reorder 25%, duplicate 1%,
#     delay 20 ms +- 10 ms): 2 MiB each way over ATCP, SHA-256 checked;
#     RetransSegs, FastRetrans and SackRecovery moved in both namespaces;
#     both ends retransmitted and sent SACK blocks (capture), and offered
#     SACK, timestamps and window scaling in their SYNs, although
#     net.ipv4.tcp_sack, tcp_timestamps and tcp_window_scaling are 0.
#  6. Link cut: ns2 drops everything while ns1 sends.  With
#     net.atcp.retries2=4 and rto_min_ms=100 (net.ipv4.tcp_retries2=1,
#     which must not matter), ns1 gets ETIMEDOUT after exactly 4
#     retransmissions of the oldest segment, spaced 1:2:4, and one more
#     doubled RTO, and sends nothing after (no RST); then with
#     retries2=8, TCP_USER_TIMEOUT=1500 ms ends it 1.5 s after that
#     segment was first sent (RFC 5482), after fewer retransmissions.
# Captures are written to tmpfs and kept in $ATCP_TEST_OUT when a check
# on them fails.  Sizes follow DESIGN.md's Mathis note; under TCG with the
# debug kernel ATCP moves about 0.5 MB/s each way on the clean link.
# TRANSFER_CASES="bulk rr ..." runs only some of the cases (by hand).
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

need_cmd tc tcpdump sha256sum ethtool
IO=$SELFTESTS_DIR/atcp_io
[ -x "$IO" ] || bail_out "$IO not built (make -C selftests)"
atcp_ensure_loaded || bail_out "cannot load $ATCP_KO"
echo "atcp-test: $TEST_NAME start" >/dev/kmsg
ns_setup || bail_out "cannot set up namespaces"
orphans_default || bail_out "cannot set net.atcp.orphan_retries"
XPY=("$PY" -S "$SELFTESTS_DIR/xfer_pcap.py")
D=$TEST_TMP

# ------------------------------------------------------------ helpers ----

# The files to send, and their hashes (computed while the first transfer
# runs).  /dev/urandom is slow under TCG: each 64 MiB file is 32 copies of
# a 2 MiB random file, each copy after a line of its own ("block N of
# FILE"), so no two blocks are equal and a lost, repeated or misplaced
# block changes the hash.
t0=$SECONDS
for f in sm1:2M sm2:2M mid1:8M mid2:8M i1:4M i2:4M k1:512K k2:512K; do
	head -c "${f#*:}" /dev/urandom >"$D/${f%:*}" ||
		bail_out "cannot create the files to send"
done
for f in 1 2; do
	parts=()
	for ((i = 0; i < 32; i++)); do
		printf 'block %d of big%d\n' $i $f >"$D/mark$f.$i"
		parts+=("$D/mark$f.$i" "$D/sm$f")
	done
	cat "${parts[@]}" >"$D/big$f" || bail_out "cannot create big$f"
done
(cd "$D" && sha256sum big1 big2 mid1 mid2 i1 i2 sm1 sm2 k1 k2 >sums) &
sums_pid=$!
diag "test files created in $((SECONDS - t0)) s"

# src_sum NAME: the SHA-256 of a source file.
src_sum() {
	local h n
	while read -r h n; do
		[ "$n" = "$1" ] && { echo "$h"; return 0; }
	done <"$D/sums"
	return 1
}

# stat_get NS NAME: a counter, 0 when unreadable (the check shows it).
stat_get() {
	atcp_stat "$1" "$2" || echo "?"
}

# xfer TAG ADDR PORT IN1 IN2 SERVER-OPTS CLIENT-OPTS
# ns2 runs `atcp_io listen`, sending IN2; ns1 runs `atcp_io connect`,
# sending IN1 (file names in $D, or "-").  What each side receives goes
# through a FIFO into sha256sum: $D/TAG.got1 (what ns1 got) and TAG.got2.
# The programs' output goes to $D/TAG.cli and TAG.srv, their exit
# statuses to TAG.rc.  Options are words (word-split on purpose).
# XFER_HOOK, if set, runs once the client started; with XFER_KILL_SRV=1
# the server is killed once the client is done.
xfer() {
	local tag=$1 addr=$2 port=$3 in1=$4 in2=$5 sopt=$6 copt=$7
	local f1=$D/$tag.fifo1 f2=$D/$tag.fifo2 h1 h2 sp cp crc src f x
	[ "$in1" = - ] || in1=$D/$in1
	[ "$in2" = - ] || in2=$D/$in2
	mkfifo "$f1" "$f2" || return 1
	sha256sum <"$f1" >"$D/$tag.got1" &
	h1=$!
	sha256sum <"$f2" >"$D/$tag.got2" &
	h2=$!
	# Not through nsx: $! must be atcp_io itself (ip netns exec execs it).
	# shellcheck disable=SC2086  # options are words
	ip netns exec "$NS2" "$IO" listen "$addr" "$port" "$in2" "$f2" $sopt \
		>"$D/$tag.srv" 2>&1 &
	sp=$!
	wait_until 60 file_has "$D/$tag.srv" listening ||
		diag "$tag: the server did not start: $(<"$D/$tag.srv")"
	# shellcheck disable=SC2086
	ip netns exec "$NS1" "$IO" connect "$addr" "$port" "$in1" "$f1" $copt \
		>"$D/$tag.cli" 2>&1 &
	cp=$!
	[ -n "${XFER_HOOK:-}" ] && $XFER_HOOK
	wait $cp
	crc=$?
	[ "${XFER_KILL_SRV:-0}" = 1 ] && kill $sp 2>/dev/null
	# Its client gone, a server that still runs a minute later is stuck
	# (in accept() after a failed connect, or on a connection that will
	# not end): say where, and end it rather than wait forever.
	if ! wait_until 60 gone $sp; then
		diag "$tag: the server still runs 60 s after its client ended"
		stuck_dump $sp
		kill -9 $sp 2>/dev/null
	fi
	wait $sp
	src=$?
	echo "$crc $src" >"$D/$tag.rc"
	# A side that died before opening its FIFO leaves sha256sum waiting
	# for a writer: be one, briefly (O_RDWR never blocks on a FIFO).
	for f in "$f1" "$f2"; do
		exec {x}<>"$f" && exec {x}>&-
	done
	wait $h1 $h2
	rm -f "$f1" "$f2"
}

gone() {
	! kill -0 "$1" 2>/dev/null
}

# stuck_dump PID: the kernel stack of a stuck process and the sockets and
# counters of both namespaces, as diagnostics.
stuck_dump() {
	local ns
	diag "pid $1: $(tr '\0' ' ' <"/proc/$1/cmdline" 2>&1)" \
		"$(grep State "/proc/$1/status" 2>&1)" "$(cat "/proc/$1/stack" 2>&1)"
	for ns in "$NS1" "$NS2"; do
		diag "$ns: $(nsx "$ns" "$ATCP_ROOT/tools/atcpss/atcpss" -tanoie 2>&1)" \
			"$ns /proc/net/atcp: $(<"$(ns_proc_net "$ns")/atcp")" \
			"$ns /proc/net/atcp6: $(<"$(ns_proc_net "$ns")/atcp6")" \
			"$ns atcp_stat: $(<"$(ns_proc_net "$ns")/atcp_stat")"
	done
}

# field KEY FILE: the value of KEY=... in FILE's first line having it.
field() {
	local l w
	while read -r l; do
		for w in $l; do
			[[ "$w" == "$1="* ]] && { echo "${w#*=}"; return 0; }
		done
	done <"$2"
	return 1
}

# check_xfer DESC TAG IN1 IN2: both ends exited 0, and each received the
# other's file (SHA-256).
check_xfer() {
	local desc=$1 tag=$2 in1=$3 in2=$4 want got secs crc src
	read -r crc src <"$D/$tag.rc"
	if [ "$crc $src" = "0 0" ]; then
		secs=$(field seconds "$D/$tag.cli")
		ok "$desc: both ends done (${secs:-?} s)"
	else
		not_ok "$desc: both ends done" "client (ns1) exit $crc: $(<"$D/$tag.cli")" \
			"server (ns2) exit $src: $(<"$D/$tag.srv")"
	fi
	wait $sums_pid 2>/dev/null
	for dir in "1 2 $in1" "2 1 $in2"; do
		read -r from to src <<<"$dir"
		[ "$src" = - ] && continue
		want=$(src_sum "$src")
		read -r got _ <"$D/$tag.got$to"
		if [ -n "$want" ] && [ "$want" = "$got" ]; then
			ok "$desc: ns$to received ns$from's $src, SHA-256 equal"
		else
			not_ok "$desc: ns$to received ns$from's $src, SHA-256 equal" \
				"sent ${want:-?}, received ${got:-nothing}" \
				"client: $(<"$D/$tag.cli")" "server: $(<"$D/$tag.srv")"
		fi
	done
}

# stats NS NAME...: "NAME=V ..." for a diagnostic.
stats() {
	local ns=$1 n s=""
	shift
	for n in "$@"; do s+=" $n=$(stat_get "$ns" "$n")"; done
	echo "${s# }"
}

# -------------------------------------------------- 1. bulk, clean link ----

case_bulk() {
	xfer bulk4 "$IP2" 5001 big1 big2 "-w 400" "-w 400"
	check_xfer "IPv4 clean link, 64 MiB each way at once" bulk4 big1 big2
	diag "ns1: $(stats "$NS1" RetransSegs Timeouts FastRetrans RcvQDrop)" \
		"ns2: $(stats "$NS2" RetransSegs Timeouts FastRetrans RcvQDrop)"
	rm -f "$D/big1" "$D/big2"

	xfer bulk6 "$IP6_2" 5002 mid1 mid2 "-w 200" "-w 200"
	check_xfer "IPv6 clean link, 8 MiB each way at once" bulk6 mid1 mid2

	local r1 r2
	r1=$(stat_get "$NS1" EstabResets) r2=$(stat_get "$NS2" EstabResets)
	if [ "$r1 $r2" = "0 0" ]; then
		ok "no connection was reset (EstabResets 0 in both namespaces)"
	else
		not_ok "no connection was reset (EstabResets 0 in both namespaces)" "ns1 $r1, ns2 $r2"
	fi
}

# -------------------------------------------------- 2. request/response ----

# Captures go to tmpfs: written to $ATCP_TEST_OUT (9p) tcpdump falls
# behind under TCG and loses what it has not read when stopped.  They are
# copied there when a check on them failed (cap_keep).  tcpdump gets its
# packets in blocks the kernel hands over at the latest after a second:
# cap_end waits for the last one before stopping it.
CAPOPT=(-B 16384)

cap_end() {
	snooze 1.5
	cap_stop
}

# cap_keep FILE FAILED-BEFORE: keep FILE if a check failed since.
cap_keep() {
	if [ "$TAP_FAILED" -gt "$2" ] && [ "$D" != "$CAP_DIR" ]; then
		cp "$1" "$CAP_DIR/" && diag "capture kept: $CAP_DIR/${1##*/}"
		diag "$(<"$1.err")"
	fi
	rm -f "$1" "$1.err"
}

case_rr() {
	local cap a0 a1 p0 p1 secs
	cap=$D/transfer-rr.pcap
	cap_start "$NS1" "$VETH1" "$cap" "${CAPOPT[@]}" "ip proto $ATCP_PROTO" ||
		diag "no capture for rr"
	xfer rr1 "$IP2" 5003 - - "-r 1000 -q 64" "-r 1000 -q 64"
	cap_end
	secs=$(field seconds "$D/rr1.cli")
	if [ "$(<"$D/rr1.rc")" = "0 0" ] && [ "$(field rr "$D/rr1.cli")" = 1000 ]; then
		ok "1000 request/response exchanges on one connection ($secs s)"
	else
		not_ok "1000 request/response exchanges on one connection" \
			"client: $(<"$D/rr1.cli")" "server: $(<"$D/rr1.srv")"
	fi
	f0=$TAP_FAILED
	tap_import < <("${XPY[@]}" rr pcap="$cap" cli="$IP1" n=1000 size=64 2>&1)
	cap_keep "$cap" "$f0"

	# 1000 connections: only SYN, FIN and RST segments and the requests
	# and responses are captured (IPv4 header without options; flags at
	# byte 33, total length at 2).
	a0=$(stat_get "$NS1" ActiveOpens) p0=$(stat_get "$NS2" PassiveOpens)
	cap=$D/transfer-crr.pcap
	cap_start "$NS1" "$VETH1" "$cap" "${CAPOPT[@]}" -s 96 \
		"ip proto $ATCP_PROTO and (ip[33] & 7 != 0 or ip[2:2] > 100)" ||
		diag "no capture for the 1000 connections"
	xfer crr "$IP2" 5004 - - "-c 1000 -q 64" "-c 1000 -q 64"
	cap_end
	secs=$(field seconds "$D/crr.cli")
	if [ "$(<"$D/crr.rc")" = "0 0" ] && [ "$(field conns "$D/crr.cli")" = 1000 ]; then
		ok "1000 connections, one exchange each ($secs s)"
	else
		not_ok "1000 connections, one exchange each" \
			"client: $(<"$D/crr.cli")" "server: $(<"$D/crr.srv")"
	fi
	a1=$(stat_get "$NS1" ActiveOpens) p1=$(stat_get "$NS2" PassiveOpens)
	if [ $((a1 - a0)) = 1000 ] && [ $((p1 - p0)) = 1000 ]; then
		ok "... ActiveOpens +1000 in ns1, PassiveOpens +1000 in ns2"
	else
		not_ok "... ActiveOpens +1000 in ns1, PassiveOpens +1000 in ns2" \
			"ActiveOpens $a0 -> $a1, PassiveOpens $p0 -> $p1"
	fi
	f0=$TAP_FAILED
	tap_import < <("${XPY[@]}" conns pcap="$cap" cli="$IP1" n=1000 size=64 2>&1)
	cap_keep "$cap" "$f0"
}

# ------------------------------------------------ 3. a reader that stops ----

case_persist() {
	local cap w0 w1
	atcp_sysctl_set "$NS1" rto_min_ms 100 >/dev/null
	w0=$(stat_get "$NS1" WinProbe)
	cap=$D/transfer-persist.pcap
	cap_start "$NS1" "$VETH1" "$cap" "${CAPOPT[@]}" "ip proto $ATCP_PROTO" ||
		diag "no capture for the persist case"
	# ns2 reads 128 KiB, then nothing for 8 s, through a small buffer.
	xfer persist "$IP2" 5005 sm1 - "-s 8192 -R 131072 -W 8 -w 120" "-w 120"
	cap_end
	w1=$(stat_get "$NS1" WinProbe)
	atcp_sysctl_set "$NS1" rto_min_ms 200 >/dev/null
	check_xfer "paused reader (SO_RCVBUF 8192, 8 s pause), 2 MiB" persist sm1 -
	f0=$TAP_FAILED
	tap_import < <("${XPY[@]}" persist pcap="$cap" snd="$IP1" rcv="$IP2" 2>&1)
	cap_keep "$cap" "$f0"
	if [ $((w1 - w0)) -ge 3 ]; then
		ok "WinProbe counted the probes (+$((w1 - w0)))"
	else
		not_ok "WinProbe counted the probes" "WinProbe $w0 -> $w1"
	fi
}

# ------------------------------------------------- 4. interop, Linux TCP ----

NETEM="loss 5% delay 20ms 10ms reorder 25% duplicate 1%"

# netem_on | netem_off: netem on both veth ends.
netem_on() {
	# shellcheck disable=SC2086
	tc -n "$NS1" qdisc add dev "$VETH1" root netem $NETEM &&
		tc -n "$NS2" qdisc add dev "$VETH2" root netem $NETEM
}

netem_off() {
	tc -n "$NS1" qdisc del dev "$VETH1" root
	tc -n "$NS2" qdisc del dev "$VETH2" root
}

# interop_pair LABEL FILE-A FILE-B TIMEOUT: both pairs at once (in the
# background, so each xfer runs in a subshell; check_xfer reads the files
# they leave).  If they take more than half of TIMEOUT, the sockets of both
# namespaces are shown, to see where a transfer stalls.
interop_pair() {
	local label=$1 fa=$2 fb=$3 w=$4 pa pb ns
	# (a) IPv4: ATCP client in ns1, Linux TCP server in ns2.
	xfer "io4$label" "$IP2" 5006 "$fa" "$fb" "-p tcp -w $w" "-p atcp -w $w" &
	pa=$!
	# (b) IPv6: Linux TCP client in ns1, ATCP server in ns2.
	xfer "io6$label" "$IP6_2" 5007 "$fb" "$fa" "-p atcp -w $w" "-p tcp -w $w" &
	pb=$!
	if ! wait_until $((w / 2)) pairs_done "$pa" "$pb"; then
		diag "interop $label: still running after $((w / 2)) s"
		for ns in "$NS1" "$NS2"; do
			diag "$ns: $(nsx "$ns" ss -tinmoe 2>&1)" \
				"$ns /proc/net/atcp: $(<"$(ns_proc_net "$ns")/atcp")" \
				"$ns /proc/net/atcp6: $(<"$(ns_proc_net "$ns")/atcp6")" \
				"$ns atcp_stat: $(<"$(ns_proc_net "$ns")/atcp_stat")"
		done
	fi
	wait $pa
	wait $pb
}

pairs_done() {
	gone "$1" && gone "$2"
}

case_interop() {
	local x ns dev out p=$ATCP_PROTO cap
	# Linux TCP must hand the rewrite single segments with full checksums.
	# It builds GSO super-packets whatever the device's gso flag says, and
	# once the egress rewrite has made them protocol 253, the veth (with
	# TSO off) cannot segment them: they are dropped, and the Linux sender
	# crawls on retransmissions.  gso_max_segs 1 makes it build segments of
	# one MSS; without checksum offload they carry full checksums.
	for x in "$NS1 $VETH1" "$NS2 $VETH2"; do
		read -r ns dev <<<"$x"
		ip -n "$ns" link set dev "$dev" gso_max_segs 1 ||
			diag "ip link set $dev gso_max_segs 1 in $ns failed"
		nsx "$ns" ethtool -K "$dev" tx off tso off gro off >/dev/null 2>&1 ||
			diag "ethtool -K $dev in $ns failed"
	done
	# IPv4: rewrite at ns2 (Linux TCP server); IPv6: rewrite at ns1 (Linux
	# TCP client).  Each family's rules sit only where its Linux end is.
	if ! out=$( { tc -n "$NS2" -b - <<-EOF
			qdisc add dev $VETH2 clsact
			filter add dev $VETH2 egress prio 1 protocol ip u32 match ip protocol 6 0xff action pedit ex munge ip protocol set $p pipe action csum ip4h
			filter add dev $VETH2 ingress prio 1 protocol ip u32 match ip protocol $p 0xff action pedit ex munge ip protocol set 6 pipe action csum ip4h
		EOF
		tc -n "$NS1" -b - <<-EOF
			qdisc add dev $VETH1 clsact
			filter add dev $VETH1 egress prio 2 protocol ipv6 u32 match ip6 protocol 6 0xff action pedit ex munge ip6 nexthdr set $p
			filter add dev $VETH1 ingress prio 2 protocol ipv6 u32 match ip6 protocol $p 0xff action pedit ex munge ip6 nexthdr set 6
		EOF
		} 2>&1); then
		not_ok "interop: tc protocol rewrite installed" "$out"
		return
	fi

	interop_pair clean i1 i2 100
	check_xfer "interop IPv4 clean, ATCP client <-> Linux TCP server, 4 MiB each way" io4clean i1 i2
	check_xfer "interop IPv6 clean, Linux TCP client <-> ATCP server, 4 MiB each way" io6clean i2 i1

	if ! netem_on; then
		not_ok "interop: netem on both veth ends: $NETEM"
	else
		cap=$D/transfer-interop-lossy.pcap
		cap_start "$NS1" "$VETH1" "$cap" "${CAPOPT[@]}" ||
			diag "no capture for interop under netem"
		interop_pair lossy k1 k2 200
		cap_end
		netem_off
		check_xfer "interop IPv4, netem $NETEM: ATCP client <-> Linux TCP server, 512 KiB each way" io4lossy k1 k2
		check_xfer "interop IPv6, netem: Linux TCP client <-> ATCP server, 512 KiB each way" io6lossy k2 k1
		f0=$TAP_FAILED
		tap_import < <("${XPY[@]}" lossy pcap="$cap" a="$IP1" b="$IP2" 2>&1
			"${XPY[@]}" lossy pcap="$cap" a="$IP6_1" b="$IP6_2" 2>&1
			"${XPY[@]}" protos pcap="$cap" want="$ATCP_PROTO" 2>&1)
		cap_keep "$cap" "$f0"
	fi
	tc -n "$NS2" qdisc del dev "$VETH2" clsact
	tc -n "$NS1" qdisc del dev "$VETH1" clsact
}

# --------------------------------------------------------- 5. under netem ----

case_netem() {
	local ns c v s bad cap
	local -A before
	# Linux TCP's feature knobs off, which must not matter to ATCP.
	for ns in "$NS1" "$NS2"; do
		# shellcheck disable=SC2016  # expanded by the inner bash
		ip netns exec "$ns" bash -c 'for k in tcp_sack tcp_timestamps tcp_window_scaling; do
			echo 0 >/proc/sys/net/ipv4/$k; done'
		for c in RetransSegs FastRetrans SackRecovery; do
			before[$ns.$c]=$(stat_get "$ns" $c)
		done
	done
	if ! netem_on; then
		not_ok "netem on both veth ends: $NETEM"
		return
	fi
	cap=$D/transfer-lossy.pcap
	cap_start "$NS1" "$VETH1" "$cap" "${CAPOPT[@]}" "ip proto $ATCP_PROTO" ||
		diag "no capture for ATCP under netem"
	xfer lossy "$IP2" 5008 sm1 sm2 "-w 240" "-w 240"
	cap_end
	netem_off
	check_xfer "netem $NETEM: 2 MiB each way at once" lossy sm1 sm2
	for ns in "$NS1" "$NS2"; do
		bad='' s=''
		for c in RetransSegs FastRetrans SackRecovery; do
			v=$(stat_get "$ns" $c)
			s+=" $c ${before[$ns.$c]}->$v"
			[ "$v" -gt "${before[$ns.$c]}" ] 2>/dev/null || bad=1
		done
		if [ -z "$bad" ]; then
			ok "$ns: RetransSegs, FastRetrans and SackRecovery moved ($s )"
		else
			not_ok "$ns: RetransSegs, FastRetrans and SackRecovery moved" "$s"
		fi
		diag "$ns: $(stats "$ns" Timeouts OFOQueue RenoRecovery DelayedACKs PAWSEstab InSegs)"
	done
	f0=$TAP_FAILED
	tap_import < <("${XPY[@]}" lossy pcap="$cap" a="$IP1" b="$IP2" syn=1 2>&1)
	cap_keep "$cap" "$f0"
}

# ------------------------------------------------------------ 6. link cut ----

flowing() {
	[ "$(stat_get "$NS2" InSegs)" -gt "$((in0 + 300))" ]
}

# XFER_HOOK of link_cut: once data flows, ns2 drops all it sends and gets.
cut_link() {
	wait_until 60 flowing || diag "data did not flow before the cut"
	rt0=$(stat_get "$NS1" RetransSegs)
	tc -n "$NS2" -b - <<-EOF
		qdisc add dev $VETH2 clsact
		filter add dev $VETH2 ingress prio 1 protocol all u32 match u32 0 0 action drop
		filter add dev $VETH2 egress prio 1 protocol all u32 match u32 0 0 action drop
	EOF
	t_cut=$EPOCHREALTIME
}

# link_cut TAG CLIENT-OPTS: ns1 sends mid1 until the link dies; sets cap,
# rt0, rt1 (ns1's RetransSegs before the cut and at the end), t_cut and
# t_err (when atcp_io saw ETIMEDOUT, "" if it did not).
link_cut() {
	local tag=$1 copt=$2 l
	in0=$(stat_get "$NS2" InSegs)
	cap=$D/transfer-$tag.pcap
	cap_start "$NS1" "$VETH1" "$cap" "${CAPOPT[@]}" "ip proto $ATCP_PROTO" ||
		diag "no capture for $tag"
	XFER_HOOK=cut_link XFER_KILL_SRV=1 xfer "$tag" "$IP2" 5009 mid1 - \
		"-w 60" "-T -w 60 $copt"
	cap_end
	rt1=$(stat_get "$NS1" RetransSegs)
	t_err=''
	while read -r l; do
		[[ "$l" == *"Connection timed out t="* ]] && t_err=${l##*t=}
	done <"$D/$tag.cli"
	tc -n "$NS2" qdisc del dev "$VETH2" clsact
	diag "$tag: cut at $t_cut, RetransSegs $rt0 -> $rt1"
}

case_cut() {
	# ns2's atcp_io is killed while cut off, after its FIN was ACKed: its
	# socket stays an orphan in FIN-WAIT-2 for fin_timeout, which would
	# hold the module past the runner's rmmod.
	atcp_sysctl_set "$NS2" fin_timeout 1 >/dev/null
	# net.ipv4.tcp_retries2=1 must not matter.
	atcp_sysctl_set "$NS1" retries2 4 >/dev/null
	atcp_sysctl_set "$NS1" rto_min_ms 100 >/dev/null
	ip netns exec "$NS1" bash -c 'echo 1 >/proc/sys/net/ipv4/tcp_retries2'

	f0=$TAP_FAILED
	link_cut cut ""
	if [ -n "$t_err" ]; then
		ok "link cut, retries2=4 (tcp_retries2=1): ETIMEDOUT ($(<"$D/cut.cli"))"
	else
		not_ok "link cut, retries2=4 (tcp_retries2=1): ETIMEDOUT" "client: $(<"$D/cut.cli")"
	fi
	tap_import < <("${XPY[@]}" rtx pcap="$cap" src="$IP1" retrans=$((rt1 - rt0)) \
		retries=4 t_err="$t_err" 2>&1)
	cap_keep "$cap" "$f0"

	atcp_sysctl_set "$NS1" retries2 8 >/dev/null
	f0=$TAP_FAILED
	link_cut ut "-U 1500"
	if [ -n "$t_err" ]; then
		ok "link cut, retries2=8, TCP_USER_TIMEOUT 1500 ms: ETIMEDOUT"
	else
		not_ok "link cut, retries2=8, TCP_USER_TIMEOUT 1500 ms: ETIMEDOUT" "client: $(<"$D/ut.cli")"
	fi
	tap_import < <("${XPY[@]}" rtx pcap="$cap" src="$IP1" retrans=$((rt1 - rt0)) \
		ut=1500 max_retries=8 t_err="$t_err" 2>&1)
	cap_keep "$cap" "$f0"
}

# ------------------------------------------------------------------ main ----

for c in ${TRANSFER_CASES:-bulk rr persist interop netem cut}; do
	t0=$SECONDS
	"case_$c"
	diag "case $c: $((SECONDS - t0)) s"
done

splat=$(dmesg | sed -n "/atcp-test: $TEST_NAME start/,\$p" |
	grep -E 'BUG:|WARNING:|KASAN|UBSAN|possible circular|inconsistent lock|Oops|refcount_t' | head -5)
if [ -z "$splat" ]; then
	ok "no kernel warning, KASAN, lockdep or UBSAN report"
else
	not_ok "no kernel warning, KASAN, lockdep or UBSAN report" "$splat"
fi
