#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ICMP and ICMPv6 errors about ATCP segments (module/icmp.c).
#
# Unreachable and friends (icmp_check.py unreach): ns2 drops every ATCP
# segment (tc ingress) and answers the SYN of each non-blocking connect()
# from ns1 with an error quoting it, from a raw socket:
#   * hard errors end connect() at once, after that one SYN (counted in
#     AttemptFails): protocol unreachable (what a host without ATCP
#     sends) -> ENOPROTOOPT, port unreachable -> ECONNREFUSED,
#     administratively prohibited -> EHOSTUNREACH; over IPv6 parameter
#     problem "unknown next header" -> EPROTO and port unreachable ->
#     ECONNREFUSED;
#   * an error quoting a sequence number not in flight is ignored;
#   * host unreachable and time exceeded are soft errors: the SYN is
#     retransmitted, and with syn_retries=1 connect() ends with
#     EHOSTUNREACH, not ETIMEDOUT.
#
# Path MTU discovery (icmp_check.py pmtu): ns1 - router - ns2, the
# router's side of its link to ns2 with MTU 1280 (ns2's side has 1500, so
# ns2 announces MSS 1460 and only the router knows the path is narrower).  512 KiB from ns1 to ns2, IPv4 and
# IPv6: the router answers the first full-sized segments with
# "fragmentation needed" / "packet too big", after which every segment
# fits the path, the data arrive intact, and TCP_INFO shows the new MSS
# and path MTU.  Captures: pmtu4.pcap, pmtu6.pcap in $ATCP_TEST_OUT.
#
# atcp-timeout: 180
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

atcp_ensure_loaded || bail_out "cannot load $ATCP_KO"
ns_setup || bail_out "cannot set up namespaces"

tc -n "$NS2" -b - <<-END || bail_out "cannot install the drop filter"
	qdisc add dev $VETH2 clsact
	filter add dev $VETH2 ingress prio 1 protocol ip u32 match ip protocol $ATCP_PROTO 0xff action drop
	filter add dev $VETH2 ingress prio 2 protocol ipv6 u32 match ip6 protocol $ATCP_PROTO 0xff action drop
END

# Neighbours resolved both ways first: the errors go out at once.
ip netns exec "$NS2" ping -c1 -W2 "$IP1" >/dev/null
ip netns exec "$NS2" ping -c1 -W2 "$IP6_1" >/dev/null

tap_import < <("$PY" -S "$SELFTESTS_DIR/icmp_check.py" unreach ns1="$NS1" \
	ns2="$NS2" dev2="$VETH2" ip1="$IP1" ip2="$IP2" ip6_1="$IP6_1" \
	ip6_2="$IP6_2" stat1="$(ns_proc_net "$NS1")/atcp_stat" 2>&1)
wait $!
rc=$?
[ $rc = 0 ] || not_ok "icmp_check.py unreach ran to the end" "exit status $rc"

# ns1 - nsr - ns2; the router sends at most 1280 bytes to ns2.
NSR=${NS1}r
ns_cleanup
on_exit "ip netns del $NSR 2>/dev/null"
ns_setup nolink || bail_out "cannot set up namespaces"
ip netns add "$NSR" || bail_out "cannot add $NSR"
ip -b - <<-END || bail_out "cannot make the links"
	link add va netns $NS1 type veth peer name vra netns $NSR
	link add vb netns $NS2 type veth peer name vrb netns $NSR mtu 1280
END
ip -n "$NSR" -b - <<-END || bail_out "cannot set up the router"
	link set lo up
	addr add 10.0.3.254/24 dev vra
	addr add fd03::fe/64 dev vra nodad
	addr add 10.0.4.254/24 dev vrb
	addr add fd04::fe/64 dev vrb nodad
	link set vra up
	link set vrb up
END
ip netns exec "$NSR" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 ||
	bail_out "cannot enable forwarding"
ip -n "$NS1" -b - <<-END || bail_out "cannot set up $NS1"
	addr add 10.0.3.1/24 dev va
	addr add fd03::1/64 dev va nodad
	link set va up
	route add default via 10.0.3.254
	route add default via fd03::fe
END
ip -n "$NS2" -b - <<-END || bail_out "cannot set up $NS2"
	addr add 10.0.4.1/24 dev vb
	addr add fd04::1/64 dev vb nodad
	link set vb up
	route add default via 10.0.4.254
	route add default via fd04::fe
END
wait_until 20 ip netns exec "$NS1" ping -c1 -W1 10.0.4.1 >/dev/null ||
	bail_out "no route from $NS1 to $NS2 through $NSR"

tap_import < <("$PY" -S "$SELFTESTS_DIR/icmp_check.py" pmtu ns1="$NS1" \
	ns2="$NS2" dev1=va dst4=10.0.4.1 dst6=fd04::1 mtu=1280 \
	capdir="$CAP_DIR" 2>&1)
wait $!
rc=$?
[ $rc = 0 ] || not_ok "icmp_check.py pmtu ran to the end" "exit status $rc"
