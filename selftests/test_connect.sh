#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# connect(2) and accept(2) over ATCP between two namespaces (ns1 client,
# ns2 servers, veth MTU 1400), every segment captured on ns1's veth:
#   * blocking connect/accept, IPv4 and IPv6: return values, addresses, and
#     SYN / SYN-ACK / ACK on the wire with matching sequence numbers;
#   * SYN and SYN-ACK options: mss = MTU - 40 (IPv6: - 60), wscale 7,
#     sackOK, timestamps; TCP_MAXSEG before connect (and on a listener)
#     caps the announced mss;
#   * non-blocking connect: EINPROGRESS, POLLOUT, SO_ERROR 0, getpeername,
#     EISCONN; EALREADY while a SYN to a silent peer is outstanding (ns2
#     drops whatever arrives for 10.0.1.3 / fd00::3);
#   * non-blocking accept: EAGAIN, POLLIN when a connection completes;
#     accept4(SOCK_NONBLOCK|SOCK_CLOEXEC);
#   * a dual-stack AF_INET6 listener accepts an AF_INET client (peer
#     ::ffff:a.b.c.d); an IPV6_V6ONLY one answers it with RST;
#   * RST to our SYN -> ECONNREFUSED at once; ISNs are not sequential.
# The socket work and the capture are done by conn_connect.py (one python
# process); its capture is saved as connect.pcap in $ATCP_TEST_OUT.
#
# atcp-timeout: 240
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

MTU=1400
BH4=10.0.1.3
BH6=fd00::3

atcp_ensure_loaded || bail_out "cannot load $ATCP_KO"
ns_setup || bail_out "cannot set up namespaces"

ip -n "$NS1" link set "$VETH1" mtu $MTU || bail_out "cannot set the MTU"
ip -n "$NS2" -b - <<-END || bail_out "cannot configure ns2"
	link set $VETH2 mtu $MTU
	addr add $BH4/24 dev $VETH2
	addr add $BH6/64 dev $VETH2 nodad
END
# The silent peer: whatever arrives for BH4/BH6 vanishes on ns2's ingress
# (ARP and neighbour solicitations are not addressed to them and pass).
tc -n "$NS2" -b - <<-END || bail_out "cannot install the drop filter"
	qdisc add dev $VETH2 clsact
	filter add dev $VETH2 ingress prio 1 protocol ip u32 match ip dst $BH4/32 action drop
	filter add dev $VETH2 ingress prio 2 protocol ipv6 u32 match ip6 dst $BH6/128 action drop
END

tap_import < <("$PY" -S "$SELFTESTS_DIR/conn_connect.py" ns1="$NS1" ns2="$NS2" \
	dev1="$VETH1" ip1="$IP1" ip2="$IP2" ip6_1="$IP6_1" ip6_2="$IP6_2" \
	bh4="$BH4" bh6="$BH6" mtu=$MTU capdir="$CAP_DIR" \
	proc1="$(ns_proc_net "$NS1")" 2>&1)
wait $!
rc=$?
[ $rc = 0 ] || not_ok "conn_connect.py ran to the end" "exit status $rc"
