#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Buffer autotuning: receive (module/data.c, atcp_rcv_space_adjust())
# and send (module/ack.c, atcp_sndbuf_expand()).
# ns1 sends 3 MB to a reader in ns2 over a link delayed by 100 ms each
# way (netem on both veth ends), so that the default buffer's window
# (about a quarter of SO_RCVBUF) limits the rate:
#   * with the default buffers, the reader's SO_RCVBUF grows (by half at
#     least) as it reads more per RTT, and the writer's SO_SNDBUF as its
#     congestion window opens, the data arriving intact;
#   * with SO_RCVBUF set on the listener (inherited by the accepted
#     socket), it stays what was set;
#   * the same transfer over TCP, for the record: the three rates are
#     printed, never compared.
#
# atcp-timeout: 180
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

need_cmd tc
atcp_ensure_loaded || bail_out "cannot load $ATCP_KO"
ns_setup || bail_out "cannot set up namespaces"

tc -n "$NS1" qdisc add dev "$VETH1" root netem delay 100ms limit 10000 &&
	tc -n "$NS2" qdisc add dev "$VETH2" root netem delay 100ms limit 10000 ||
	bail_out "cannot add the netem delay"

tap_import < <("$PY" -S "$SELFTESTS_DIR/rcvbuf_check.py" run ns1="$NS1" \
	ns2="$NS2" ip2="$IP2" bytes=3000000 2>&1)
wait $!
rc=$?
[ $rc = 0 ] || not_ok "rcvbuf_check.py ran to the end" "exit status $rc"
