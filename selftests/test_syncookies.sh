#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# SYN cookies (seed 000: SYN Flood, SYN_RCVD; seed 002: syn flood攻击, Syn
# Cookie技术).  ATCP listeners in ns2, clients and a raw peer in ns1:
#   * net.atcp.syncookies=2 (net.ipv4.tcp_syncookies=0, ignored): a real
#     client connects through a cookie (SyncookiesSent/Recv, accept(),
#     getpeername; one SYN-ACK, never retransmitted); a raw peer checks
#     what the cookie keeps: MSS (table-rounded: TCP_MAXSEG of the
#     accepted socket), window scale and SACK in the TSval low bits,
#     timestamps and scaling of the resulting connection, and that
#     without timestamps it keeps neither; a tampered final ACK, a forged
#     one and one with a bad TSecr get RST and count SyncookiesFailed.
#   * A SYN flood (selftests/synflood: raw IP_HDRINCL, protocol 253, random
#     spoofed sources in 10.0.128.0/17, which ns2 routes to a blackhole, and
#     random ports) against listen(128) with max_syn_backlog 128: with
#     syncookies=0 a client's connect() (10 s timeout) fails, with
#     syncookies=1 it gets in through a cookie.  The flood rate is printed.
# Only the test's own namespaces see any of this traffic.
#
# atcp-timeout: 240
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

need_cmd tc tcpdump
atcp_ensure_loaded || bail_out "cannot load $ATCP_KO"
echo "atcp-test: $TEST_NAME start" >/dev/kmsg
ns_setup || bail_out "cannot set up namespaces"

SPOOF=10.0.128.0/17

# The flooder: built on the host by `make -C selftests`; if it is missing
# or older than its source, build a private copy.
flood=$SELFTESTS_DIR/synflood
if [ ! -x "$flood" ] || [ "$SELFTESTS_DIR/synflood.c" -nt "$flood" ]; then
	flood=$TEST_TMP/synflood
	if ! out=$(gcc -O2 -Wall -o "$flood" "$SELFTESTS_DIR/synflood.c" 2>&1); then
		diag "cannot build synflood: $out"
		flood=
	fi
fi

# ns2 discards its answers to the spoofed range; ns1 sends no RST (its own
# ATCP would reset the raw peer's connections, which have no socket).
if out=$( { ip -n "$NS2" route add blackhole "$SPOOF" &&
	tc -n "$NS1" -b - <<-EOF
		qdisc add dev $VETH1 clsact
		filter add dev $VETH1 egress prio 1 protocol ip u32 match ip protocol $ATCP_PROTO 0xff match u8 0x04 0x04 at 33 action drop
		filter add dev $VETH1 egress prio 2 protocol ipv6 u32 match ip6 protocol $ATCP_PROTO 0xff match u8 0x04 0x04 at 53 action drop
	EOF
	} 2>&1); then
	ok "blackhole route for $SPOOF in ns2, RSTs from ns1 dropped"
else
	not_ok "blackhole route for $SPOOF in ns2, RSTs from ns1 dropped" "$out"
	bail_out "setup failed"
fi

cap=$CAP_DIR/syncookies.pcap
cap_start "$NS2" "$VETH2" "$cap" \
	"(ip proto $ATCP_PROTO and not net $SPOOF) or ip6 proto $ATCP_PROTO" ||
	bail_out "cannot start tcpdump"

plan=$TEST_TMP/plan.json
tap_import < <("$PY" -S "$SELFTESTS_DIR/q_cookies.py" run ns1="$NS1" ns2="$NS2" \
	stat2="/proc/$NS2_PID/net/atcp_stat" plan="$plan" flood="$flood" \
	spoof="$SPOOF" flood_secs=13 2>&1)
snooze 0.5
cap_stop

if [ -s "$plan" ]; then
	tap_import < <("$PY" -S "$SELFTESTS_DIR/q_cookies.py" analyze pcap="$cap" plan="$plan" 2>&1)
else
	not_ok "SYN cookie driver finished (plan written)" "see the diagnostics above"
fi

splat=$(dmesg | sed -n "/atcp-test: $TEST_NAME start/,\$p" |
	grep -E 'BUG:|WARNING:|KASAN|UBSAN|possible circular|inconsistent lock|Oops|refcount_t' | head -5)
if [ -z "$splat" ]; then
	ok "no kernel warning, KASAN, lockdep or UBSAN report"
else
	not_ok "no kernel warning, KASAN, lockdep or UBSAN report" "$splat"
fi
