#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The accept (full) queue and net.atcp.abort_on_overflow (seed 002: 全连接
# 队列满; the recovery it describes: with abort_on_overflow=0 the server
# drops the final ACK, keeps the request, retransmits the SYN-ACK, the
# client ACKs again and gets in once accept() made room).
#
# A listener in ns2 with listen(1) holds 2 connections (TCP's
# sk_acceptq_is_full: full when more than backlog).  A netem delay on ns2's
# veth makes SYN-ACKs reach the clients 0.4 s late, so two clients whose
# SYNs found room both complete their side, and the second final ACK
# overflows.  IPv4 and IPv6:
#   * abort_on_overflow=0 (tcp_abort_on_overflow=1, ignored): the ACK is
#     dropped (ListenOverflows), SYN-ACK retransmissions and re-ACKs
#     follow in the capture; a SYN while full is dropped (ListenOverflows,
#     ListenDrops, no SYN-ACK); after accept() the pending client and the
#     one whose SYN was dropped both complete and are accepted;
#   * abort_on_overflow=1 (tcp_abort_on_overflow=0, ignored): RST to the
#     final ACK (capture); the client gets ECONNRESET in SO_ERROR,
#     POLLERR/POLLHUP; the request is gone.
# Then a listener with unaccepted children and pending requests (spoofed
# SYNs, blackholed SYN-ACKs; a connect in flight) is closed: the children's
# clients are reset (capture, ECONNRESET, AbortOnClose), nothing leaks: the
# namespaces are deleted and atcp unloads (then it is loaded again).
#
# atcp-timeout: 240
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

need_cmd tc tcpdump
atcp_ensure_loaded || bail_out "cannot load $ATCP_KO"
echo "atcp-test: $TEST_NAME start" >/dev/kmsg
ns_setup || bail_out "cannot set up namespaces"

SPOOF=10.0.9		# spoofed SYN sources (replies blackholed in ns2)
if out=$( { tc -n "$NS2" qdisc add dev "$VETH2" root netem delay 400ms &&
	    ip -n "$NS2" route add blackhole "$SPOOF.0/24"; } 2>&1); then
	ok "netem delay 400 ms on ns2's veth, blackhole route for $SPOOF.0/24"
else
	not_ok "netem delay 400 ms on ns2's veth, blackhole route for $SPOOF.0/24" "$out"
	bail_out "no netem"
fi

cap=$CAP_DIR/acceptq.pcap
cap_start "$NS2" "$VETH2" "$cap" "ip proto $ATCP_PROTO or ip6 proto $ATCP_PROTO" ||
	bail_out "cannot start tcpdump"

plan=$TEST_TMP/plan.json
tap_import < <("$PY" -S "$SELFTESTS_DIR/q_acceptq.py" run ns1="$NS1" ns2="$NS2" \
	stat1="/proc/$NS1_PID/net/atcp_stat" stat2="/proc/$NS2_PID/net/atcp_stat" \
	spoof="$SPOOF" plan="$plan" 2>&1)
snooze 1
cap_stop

if [ -s "$plan" ]; then
	tap_import < <("$PY" -S "$SELFTESTS_DIR/q_acceptq.py" analyze pcap="$cap" plan="$plan" 2>&1)
else
	not_ok "accept queue driver finished (plan written)" "see the diagnostics above"
fi

# Nothing leaked: with the namespaces gone the module unloads.
ns_cleanup
unloaded=0
for ((i = 0; i < 200; i++)); do
	rmmod atcp 2>/dev/null && { unloaded=1; break; }
	atcp_loaded || { unloaded=1; break; }
	snooze 0.1
done
if [ $unloaded = 1 ]; then
	ok "atcp unloads after the listener close (no leaked socket or request)"
else
	not_ok "atcp unloads after the listener close (no leaked socket or request)" \
		"$(rmmod atcp 2>&1)" "$(grep -E '^atcp ' /proc/modules)"
fi
atcp_ensure_loaded || diag "could not load atcp again"

splat=$(dmesg | sed -n "/atcp-test: $TEST_NAME start/,\$p" |
	grep -E 'BUG:|WARNING:|KASAN|UBSAN|possible circular|inconsistent lock|Oops|refcount_t' | head -5)
if [ -z "$splat" ]; then
	ok "no kernel warning, KASAN, lockdep or UBSAN report"
else
	not_ok "no kernel warning, KASAN, lockdep or UBSAN report" "$splat"
fi
