#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# SYN retransmission.  ns2 silently drops every ATCP segment that reaches
# its veth (tc ingress filter), so ns1's SYNs go unanswered:
#   * net.atcp.syn_retries=2: connect() fails with ETIMEDOUT after
#     ~1+2+4 = 7 s; the capture shows exactly 3 SYNs, ~1 s and ~2 s apart,
#     all with the same ISN (IPv4 blocking, IPv6 non-blocking);
#   * TCP_SYNCNT on the socket (level SOL_TCP or IPPROTO_ATCP) overrides
#     the sysctl, both ways (1 -> 2 SYNs, 3 -> 4 SYNs);
#   * getsockopt(TCP_SYNCNT) of an unset socket reports the sysctl;
#     TCP_SYNCNT 0, 128, -1 are EINVAL;
#   * net.ipv4.tcp_syn_retries (set to 1, then 4) changes nothing;
#   * atcp_stat: ActiveOpens, AttemptFails, Timeouts, RetransSegs.
# Tolerance on every interval: +-40% (the VM's CPU is emulated).  The
# socket work and capture are done by conn_synretry.py; the capture is
# kept as synretry.pcap in $ATCP_TEST_OUT.
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

tap_import < <("$PY" -S "$SELFTESTS_DIR/conn_synretry.py" ns1="$NS1" \
	dev1="$VETH1" ip2="$IP2" ip6_2="$IP6_2" \
	stat1="$(ns_proc_net "$NS1")/atcp_stat" capdir="$CAP_DIR" 2>&1)
wait $!
rc=$?
[ $rc = 0 ] || not_ok "conn_synretry.py ran to the end" "exit status $rc"

# ns2 really dropped them: nothing ATCP reached its stack.
in2=$(atcp_stat "$NS2" InSegs)
if [ "$in2" = 0 ]; then
	ok "ns2's ATCP saw no segment (the drop filter works)"
else
	not_ok "ns2's ATCP saw no segment (the drop filter works)" "ns2 InSegs: ${in2:-unreadable}"
fi
