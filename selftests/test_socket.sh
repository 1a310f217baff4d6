#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# socket(2) with IPPROTO_ATCP: AF_INET and AF_INET6 stream sockets exist,
# other socket types do not, and getsockopt reports protocol, type and
# domain; sockets can be created in a non-initial network namespace too.
#
# atcp-timeout: 180
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

atcp_ensure_loaded || bail_out "cannot load $ATCP_KO"

tap_import < <("${ATCP_PY[@]}" socket-checks 2>&1)

ns_setup nolink || bail_out "cannot set up namespaces"
check "AF_INET and AF_INET6 ATCP sockets in another network namespace" \
	nsx "$NS1" "${ATCP_PY[@]}" sockets
