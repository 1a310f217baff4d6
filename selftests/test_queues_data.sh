#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The queue and cookie behaviour of issue #3 that needs data transfer
# (q_data.py; seed 002: 全连接队列满, abort_on_overflow; seeds 000/002:
# SYN flood, Syn Cookie):
#   * abort_on_overflow=1: a client whose final ACK reached a full accept
#     queue is ESTABLISHED on its side; when it sends data the listener
#     answers RST and the client's read fails with ECONNRESET (IPv4, IPv6);
#   * a connection made through a SYN cookie (syncookies=2) carries data
#     both ways, SHA-256 checked (IPv4, IPv6);
#   * under a SYN flood (selftests/synflood, spoofed sources blackholed in
#     ns2) with syncookies=1, a legitimate client connects and exchanges
#     data, SHA-256 checked.
# The capture of the overflow part is saved as queues_data.pcap.
#
# atcp-timeout: 200
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

need_cmd tc
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

if out=$( { ip -n "$NS2" route add blackhole "$SPOOF" &&
	    tc -n "$NS2" qdisc add dev "$VETH2" clsact; } 2>&1); then
	ok "blackhole route for $SPOOF in ns2, clsact on its veth"
else
	not_ok "blackhole route for $SPOOF in ns2, clsact on its veth" "$out"
	bail_out "setup failed"
fi

tap_import < <("$PY" -S "$SELFTESTS_DIR/q_data.py" ns1="$NS1" ns2="$NS2" \
	dev2="$VETH2" stat1="$(ns_proc_net "$NS1")/atcp_stat" \
	stat2="$(ns_proc_net "$NS2")/atcp_stat" flood="$flood" spoof="$SPOOF" \
	capdir="$CAP_DIR" 2>&1)

splat=$(dmesg | sed -n "/atcp-test: $TEST_NAME start/,\$p" |
	grep -E 'BUG:|WARNING:|KASAN|UBSAN|possible circular|inconsistent lock|Oops|refcount_t' | head -5)
if [ -z "$splat" ]; then
	ok "no kernel warning, KASAN, lockdep or UBSAN report"
else
	not_ok "no kernel warning, KASAN, lockdep or UBSAN report" "$splat"
fi
