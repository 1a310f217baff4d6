#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Closing a connection (RFC 9293 3.6, seed notes 000-004), each case
# checked step by step in /proc/net/atcp{,6} of both namespaces and
# segment by segment in a capture:
#   * active close ESTABLISHED -> FIN_WAIT1 -> FIN_WAIT2 -> TIME_WAIT ->
#     CLOSED and passive close CLOSE_WAIT -> LAST_ACK -> CLOSED, IPv4 and
#     IPv6, each FIN taking one sequence number (seed 004's trace);
#   * FIN,ACK received in FIN_WAIT1 goes straight to TIME_WAIT;
#     simultaneous close through CLOSING, scripted and with two real
#     sockets whose FINs cross on a delayed link;
#   * shutdown(SHUT_WR) half-close while the peer keeps sending (a
#     FIN_WAIT2 socket that is still open does not time out); SHUT_RD;
#     SHUT_RDWR;
#   * close() with unread data sends RST (AbortOnClose); SO_LINGER {1, 0}
#     sends RST, no TIME_WAIT (AbortOnData); SO_LINGER {1, N} waits for
#     the ACK of data and FIN, or N seconds toward a silent peer, and not
#     at all on a non-blocking socket; data written before close() is
#     delivered;
#   * orphans: the data and FIN of a closed socket are retransmitted
#     orphan_retries times with back-off, then the orphan is gone
#     (AbortOnTimeout); max_orphans resets the orphan over the limit
#     (AbortOnMemory);
#   * FIN_WAIT2 orphans live fin_timeout seconds (TCP_LINGER2 per socket,
#     -1 = none); afterwards the peer's late FIN is answered with RST
#     (seed 004).
# Two links: veth1/veth2 (10.0.1.0/24) and veth3/veth4 (10.0.2.0/24,
# fd01::/64) with netem delaying every frame DELAY_MS each way.  10.0.1.3
# belongs to ns2, whose veth drops on ingress whatever arrives for it: a
# scripted peer (close_lib.Peer) answers from there through a raw socket.
# The work is done by close_check.py (one python process); its captures
# are close.pcap and close-slow.pcap in $ATCP_TEST_OUT.
#
# atcp-timeout: 300
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

DELAY_MS=200
BH=10.0.1.3
VETH3=veth3		# ns1, the slow link
VETH4=veth4		# ns2
SLOW1=10.0.2.1
SLOW2=10.0.2.2
SLOW6_1=fd01::1
SLOW6_2=fd01::2

atcp_ensure_loaded || bail_out "cannot load $ATCP_KO"
ns_setup || bail_out "cannot set up namespaces"

ip -b - <<-END || bail_out "cannot create the slow link"
	link add $VETH3 netns $NS1 type veth peer name $VETH4 netns $NS2
END
ip -n "$NS1" -b - <<-END || bail_out "cannot configure ns1"
	addr add $SLOW1/24 dev $VETH3
	addr add $SLOW6_1/64 dev $VETH3 nodad
	link set $VETH3 up
END
ip -n "$NS2" -b - <<-END || bail_out "cannot configure ns2"
	addr add $SLOW2/24 dev $VETH4
	addr add $SLOW6_2/64 dev $VETH4 nodad
	link set $VETH4 up
	addr add $BH/24 dev $VETH2
END
tc -n "$NS1" qdisc add dev "$VETH3" root netem delay ${DELAY_MS}ms limit 10000 &&
	tc -n "$NS2" -b - <<-END || bail_out "cannot set up tc"
		qdisc add dev $VETH4 root netem delay ${DELAY_MS}ms limit 10000
		qdisc add dev $VETH2 clsact
		filter add dev $VETH2 ingress prio 1 protocol ip u32 match ip dst $BH/32 action drop
	END

tap_import < <("$PY" -S "$SELFTESTS_DIR/close_check.py" ns1="$NS1" ns2="$NS2" \
	dev1="$VETH1" dev3="$VETH3" ip1="$IP1" ip2="$IP2" slow1=$SLOW1 \
	slow2=$SLOW2 slow6_1=$SLOW6_1 slow6_2=$SLOW6_2 bh=$BH \
	proc1="$(ns_proc_net "$NS1")" proc2="$(ns_proc_net "$NS2")" \
	delay=0.$DELAY_MS capdir="$CAP_DIR" 2>&1)
wait $!
rc=$?
[ $rc = 0 ] || not_ok "close_check.py ran to the end" "exit status $rc"
