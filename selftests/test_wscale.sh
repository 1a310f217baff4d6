#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# net.atcp.rmem / net.atcp.wmem against Linux TCP's tcp_rmem / tcp_wmem:
# the window scale a SYN and a SYN,ACK announce (from rmem[2], or from a
# buffer SO_RCVBUF fixed) and a new socket's buffers (rmem[1], wmem[1]),
# compared handshake by handshake (wscale.py says what).
#
# atcp-timeout: 120
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

atcp_ensure_loaded || bail_out "cannot load $ATCP_KO"
ns_setup || bail_out "cannot set up namespaces"

tap_import < <("$PY" -S "$SELFTESTS_DIR/wscale.py" ns1="$NS1" ns2="$NS2" \
	dev1="$VETH1" dev2="$VETH2" ip1="$IP1" ip2="$IP2" 2>&1)
wait $!
rc=$?
[ $rc = 0 ] || not_ok "wscale.py ran to the end" "exit status $rc"
