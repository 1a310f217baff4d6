#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TIME-WAIT (RFC 9293 3.6.1, seed 004) and what depends on it, each
# checked in /proc/net/atcp{,6} and in a capture on ns1's veth:
#   * an active close leaves a TIME_WAIT line (state 06, timer 3) for
#     2 * msl (msl = 2 here), IPv4 and IPv6; the TW counter counts it;
#   * the peer's retransmitted FIN is ACKed again and restarts 2 * msl;
#   * an acceptable RST ends TIME_WAIT with rfc1337 = 0, not with 1; one
#     with a wrong sequence number never does;
#   * a SYN for the 4-tuple opens a new connection only with a newer
#     timestamp (RFC 6191) or, without timestamps, a sequence number
#     beyond the old RCV.NXT (RFC 1122); otherwise TIME_WAIT ACKs it; a
#     real client reconnecting from the same port gets through at once,
#     and its connection's ISS is the TIME_WAIT's SND.NXT + 65537;
#   * TIME_WAIT answers at most one invalid segment (an old SYN) per
#     net.atcp.invalid_ratelimit; the other cases run with it at 0;
#   * SO_REUSEADDR lets a restarted server bind while its old connection
#     is in TIME_WAIT (both must set it; EADDRINUSE otherwise, and never
#     next to a listener); with every port of ip_local_port_range in
#     TIME_WAIT toward one peer, connect() fails with EADDRNOTAVAIL (seed
#     000) while other peers remain reachable; max_tw_buckets overflow
#     skips TIME_WAIT (TimeWaitOverflow);
#   * rmmod: an orphan pins the module (delete_module fails while it
#     lives); once it is gone, rmmod succeeds and purges the TIME_WAIT
#     objects left (the peer's FIN then meets a RST); the module is
#     loaded again afterwards.
# 10.0.1.3 belongs to ns2, whose veth drops on ingress whatever arrives
# for it: a scripted peer (close_lib.Peer) answers from there through a
# raw socket.  The work is done by tw_check.py (one python process); its
# capture is timewait.pcap in $ATCP_TEST_OUT.
#
# atcp-timeout: 300
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

BH=10.0.1.3

atcp_ensure_loaded || bail_out "cannot load $ATCP_KO"
ns_setup || bail_out "cannot set up namespaces"

tc -n "$NS2" -b - <<-END || bail_out "cannot set up ns2"
	qdisc add dev $VETH2 clsact
	filter add dev $VETH2 ingress prio 1 protocol ip u32 match ip dst $BH/32 action drop
END
ip -n "$NS2" addr add $BH/24 dev "$VETH2" || bail_out "cannot add $BH"

tap_import < <("$PY" -S "$SELFTESTS_DIR/tw_check.py" ns1="$NS1" ns2="$NS2" \
	dev1="$VETH1" ip1="$IP1" ip2="$IP2" ip6_1="$IP6_1" ip6_2="$IP6_2" \
	bh=$BH proc1="$(ns_proc_net "$NS1")" proc2="$(ns_proc_net "$NS2")" \
	capdir="$CAP_DIR" ko="$ATCP_KO" 2>&1)
wait $!
rc=$?
[ $rc = 0 ] || not_ok "tw_check.py ran to the end" "exit status $rc"
atcp_loaded || { not_ok "atcp is loaded at the end"; atcp_load >/dev/null; }
