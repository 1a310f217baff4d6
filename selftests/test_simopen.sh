#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Simultaneous open (RFC 9293 section 3.5, figure 8).  A socket in ns1
# bound to port P1 and a socket in ns2 bound to P2 connect() to each other
# at the same moment; netem delays every frame 300 ms each way (neighbour
# entries are static, so nothing else delays the SYNs), so both SYNs are
# sent before either arrives.  Checked, IPv4 and IPv6:
#   * both connect()s succeed; getpeername() on each side;
#   * the capture: the first two segments are the crossing SYNs, and each
#     direction then carries one SYN,ACK (own ISN, acking the peer's SYN)
#     and nothing else: four segments, no third ACK;
#   * atcp_stat in each namespace: ActiveOpens +1, PassiveOpens +0,
#     CurrEstab +1; /proc/net/atcp{,6} lists ESTABLISHED (SKIP while that
#     file does not exist).
# The socket work and capture are done by conn_simopen.py; the capture is
# kept as simopen.pcap in $ATCP_TEST_OUT.
#
# atcp-timeout: 180
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

DELAY_MS=300

atcp_ensure_loaded || bail_out "cannot load $ATCP_KO"
ns_setup || bail_out "cannot set up namespaces"

# Static neighbours: no ARP / NDP round trip (itself delayed) before a SYN.
mac() {	# mac NS DEV
	local line
	line=$(ip -n "$1" -o link show dev "$2") || return 1
	[[ $line =~ link/ether\ ([0-9a-f:]+) ]] && echo "${BASH_REMATCH[1]}"
}
MAC1=$(mac "$NS1" "$VETH1") && MAC2=$(mac "$NS2" "$VETH2") ||
	bail_out "cannot read the veth MAC addresses"
ip -n "$NS1" -b - <<-END || bail_out "cannot configure ns1"
	neigh replace $IP2 lladdr $MAC2 dev $VETH1 nud permanent
	neigh replace $IP6_2 lladdr $MAC2 dev $VETH1 nud permanent
END
ip -n "$NS2" -b - <<-END || bail_out "cannot configure ns2"
	neigh replace $IP1 lladdr $MAC1 dev $VETH2 nud permanent
	neigh replace $IP6_1 lladdr $MAC1 dev $VETH2 nud permanent
END
tc -n "$NS1" qdisc add dev "$VETH1" root netem delay ${DELAY_MS}ms &&
	tc -n "$NS2" qdisc add dev "$VETH2" root netem delay ${DELAY_MS}ms ||
	bail_out "cannot add the netem delay"

tap_import < <("$PY" -S "$SELFTESTS_DIR/conn_simopen.py" ns1="$NS1" ns2="$NS2" \
	dev1="$VETH1" ip1="$IP1" ip2="$IP2" ip6_1="$IP6_1" ip6_2="$IP6_2" \
	proc1="$(ns_proc_net "$NS1")" proc2="$(ns_proc_net "$NS2")" \
	delay=0.$DELAY_MS capdir="$CAP_DIR" 2>&1)
wait $!
rc=$?
[ $rc = 0 ] || not_ok "conn_simopen.py ran to the end" "exit status $rc"
