#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bind(2) and local ports of ATCP sockets, IPv4 and IPv6, in ns1 (ns2 holds
# the listeners ns1 connects to):
#   * explicit bind and getsockname; a second bind is EINVAL;
#   * port 0 and connect() without bind take ports from
#     net.ipv4.ip_local_port_range (shrunk to 40000-40009), all distinct,
#     EADDRINUSE once the range is used up;
#   * conflicts as TCP: same port EADDRINUSE, SO_REUSEADDR on both (nobody
#     listening) allowed, not next to a listener, SO_REUSEPORT groups,
#     IPv4 vs dual-stack / IPV6_V6ONLY wildcards (each scenario is also run
#     with Linux TCP in the same kernel, and the results must agree);
#   * a SO_REUSEPORT pair both listen and share 20 connections;
#   * EADDRNOTAVAIL for an address not on the host (allowed with
#     ip_nonlocal_bind=1), EINVAL for short sockaddrs, EAFNOSUPPORT for
#     the wrong family (bind and connect);
#   * ATCP and TCP port spaces are independent.
# The socket work is done by conn_bind.py (one python process).
#
# atcp-timeout: 240
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

atcp_ensure_loaded || bail_out "cannot load $ATCP_KO"
ns_setup || bail_out "cannot set up namespaces"

tap_import < <("$PY" -S "$SELFTESTS_DIR/conn_bind.py" ns1="$NS1" ns2="$NS2" \
	ip1="$IP1" ip2="$IP2" ip6_1="$IP6_1" ip6_2="$IP6_2" 2>&1)
wait $!
rc=$?
[ $rc = 0 ] || not_ok "conn_bind.py ran to the end" "exit status $rc"
