#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The handshake's RTT sample (module/input.c atcp_handshake_rtt()), over
# a 100 ms round trip (netem, 50 ms each way):
#   * a clean handshake gives client and server an RTT of one round trip
#     and an RTO below the initial 1 s before any data, IPv4 and IPv6
#     (Linux TCP's values for the same handshake are printed beside);
#   * a segment sent into a cut link right after connect() is
#     retransmitted after that RTO, then after twice it (capture);
#   * with the client's first SYN lost, its RTT comes from the timestamp
#     echo (Karn's rule keeps the SYN's send time out), and one
#     retransmission keeps the initial window of 10;
#   * against a Linux TCP server without timestamps (protocol rewrite on
#     ns2's veth), two lost SYNs leave no sample: RTO 3 s (RFC 6298 5.7)
#     and a window of one segment.
# hsrtt_check.py does the work; the capture is hsrtt_rto.pcap.
#
# atcp-timeout: 120
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

need_cmd tc
atcp_ensure_loaded || bail_out "cannot load $ATCP_KO"
ns_setup || bail_out "cannot set up namespaces"

tc -n "$NS1" qdisc add dev "$VETH1" root netem delay 50ms limit 10000 &&
	tc -n "$NS2" qdisc add dev "$VETH2" root netem delay 50ms limit 10000 ||
	bail_out "cannot add the netem delay"

tap_import < <("$PY" -S "$SELFTESTS_DIR/hsrtt_check.py" ns1="$NS1" \
	ns2="$NS2" dev1="$VETH1" dev2="$VETH2" ip2="$IP2" ip6_2="$IP6_2" \
	rtt_ms=100 capdir="$CAP_DIR" 2>&1)
wait $!
rc=$?
[ $rc = 0 ] || not_ok "hsrtt_check.py ran to the end" "exit status $rc"
