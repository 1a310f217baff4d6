#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The SYN (half-open) queue, seen on the wire (seed 002: 半连接队列; seed
# 000: SYN_RCVD and SYN Timeout).
#
# ns1 sends raw SYNs to ATCP listeners in ns2 and never answers: a tc
# ingress filter on ns1's veth drops every ATCP segment arriving there
# (after the packet taps, so captures still see them), so neither a
# program nor ns1's own ATCP (which would RST an unknown SYN-ACK) reacts.
# A capture on ns2's veth is the evidence:
#   * net.atcp.synack_retries = 0, 2, 5: 1, 3, 6 SYN-ACKs per request,
#     spaced 1, 2, 4, 8, 16 s (+-40 %), while net.ipv4.tcp_synack_retries
#     is set to another value (ATCP must not read it); after the last
#     SYN-ACK the request is dropped: a final ACK sent later is answered
#     with RST and creates nothing; a final ACK inside the lifetime
#     completes the request and its SYN-ACKs stop.
#   * The SYN queue bound with net.atcp.syncookies = 0 (and
#     net.ipv4.tcp_syncookies = 2, ignored): listen(4) holds 8 requests
#     (the floor), listen(16) 16 (IPv4 and IPv6), listen(1000) 128 with
#     net.atcp.max_syn_backlog = 128: of a burst of distinct SYNs exactly
#     the first that many get SYN-ACKs, each other one counts ListenDrops
#     (and not ListenOverflows, which is the accept queue's).
# Everything is driven by one python process (q_synq.py run), the capture
# is judged by another (q_synq.py analyze).
#
# atcp-timeout: 300
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

need_cmd tc tcpdump
atcp_ensure_loaded || bail_out "cannot load $ATCP_KO"
echo "atcp-test: $TEST_NAME start" >/dev/kmsg
ns_setup || bail_out "cannot set up namespaces"

# Drop ATCP arriving in ns1: the SYN-ACKs stay unanswered.
if out=$(tc -n "$NS1" -b - 2>&1 <<-EOF
	qdisc add dev $VETH1 clsact
	filter add dev $VETH1 ingress prio 1 protocol ip u32 match ip protocol $ATCP_PROTO 0xff action drop
	filter add dev $VETH1 ingress prio 2 protocol ipv6 u32 match ip6 protocol $ATCP_PROTO 0xff action drop
	EOF
); then
	ok "tc ingress filter in ns1 drops ATCP (SYN-ACKs go unanswered)"
else
	not_ok "tc ingress filter in ns1 drops ATCP (SYN-ACKs go unanswered)" "$out"
	bail_out "no tc filter"
fi

cap=$CAP_DIR/synq.pcap
cap_start "$NS2" "$VETH2" "$cap" "ip proto $ATCP_PROTO or ip6 proto $ATCP_PROTO" ||
	bail_out "cannot start tcpdump"

plan=$TEST_TMP/plan.json
tap_import < <("$PY" -S "$SELFTESTS_DIR/q_synq.py" run ns1="$NS1" ns2="$NS2" \
	stat="/proc/$NS2_PID/net/atcp_stat" plan="$plan" if1="$VETH1" 2>&1)
snooze 0.5
cap_stop

if [ -s "$plan" ]; then
	tap_import < <("$PY" -S "$SELFTESTS_DIR/q_synq.py" analyze pcap="$cap" plan="$plan" 2>&1)
else
	not_ok "SYN queue driver finished (plan written)" "see the diagnostics above"
fi

# No kernel splat while this file ran.
splat=$(dmesg | sed -n "/atcp-test: $TEST_NAME start/,\$p" |
	grep -E 'BUG:|WARNING:|KASAN|UBSAN|possible circular|inconsistent lock|Oops|refcount_t' | head -5)
if [ -z "$splat" ]; then
	ok "no kernel warning, KASAN, lockdep or UBSAN report"
else
	not_ok "no kernel warning, KASAN, lockdep or UBSAN report" "$splat"
fi
