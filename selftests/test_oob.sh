#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Urgent data (send/recv MSG_OOB, SO_OOBINLINE, SIOCATMARK, POLLPRI,
# SIGURG, the URG flag and pointer on the wire), checked the same way for
# ATCP to ATCP, Linux TCP to Linux TCP, and across the two through the
# protocol-byte rewrite, each with and without SO_OOBINLINE.  The cases
# are described in oob_check.py, which does the work.
#
# atcp-timeout: 120
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

need_cmd tc
atcp_ensure_loaded || bail_out "cannot load $ATCP_KO"
ns_setup || bail_out "cannot set up namespaces"

tap_import < <("$PY" -S "$SELFTESTS_DIR/oob_check.py" ns1="$NS1" \
	ns2="$NS2" dev1="$VETH1" dev2="$VETH2" ip2="$IP2" \
	capdir="$CAP_DIR" 2>&1)
wait $!
rc=$?
[ $rc = 0 ] || not_ok "oob_check.py ran to the end" "exit status $rc"
