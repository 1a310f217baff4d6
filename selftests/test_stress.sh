#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Connection churn under concurrency: for STRESS_SECS (40) seconds,
# STRESS_WORKERS (12) client threads in ns1 open connections to a
# dual-stack ATCP server in ns2 over a lossy, jittery link (netem on both
# veth ends: delay 2 ms +- 1 ms, loss 1%) and end each one a different
# way - echo with half-close, server half-close first, close with unread
# data and SO_LINGER {1, 0} on either side, close in SYN-SENT, an orphan
# with a closed window - while listeners are closed with requests and
# unaccepted children pending.  Echoed data must come back intact, each
# connection must end as its kind says (ECONNRESET where an RST is due),
# and afterwards no socket, orphan or TIME-WAIT object may be left in
# either namespace.  The harness's sanitizer checks after this file
# (KASAN, lockdep, kmemleak, debugobjects) are the other half of the test.
# stress_check.py does the work.
#
# atcp-timeout: 200
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

need_cmd tc
atcp_ensure_loaded || bail_out "cannot load $ATCP_KO"
ns_setup || bail_out "cannot set up namespaces"
# Two retransmissions for an orphan, not the holder's one: an echo server
# closes with the tail of its echo in flight, and on this lossy link one
# lost retransmission would leave the client waiting for its EOF (see
# orphans_default); two still end the closed-window orphans in seconds.
for ns in "$NS1" "$NS2"; do
	atcp_sysctl_set "$ns" orphan_retries 2 >/dev/null ||
		bail_out "cannot set net.atcp.orphan_retries"
done

tc -n "$NS1" qdisc add dev "$VETH1" root netem delay 2ms 1ms loss 1% limit 10000 &&
	tc -n "$NS2" qdisc add dev "$VETH2" root netem delay 2ms 1ms loss 1% limit 10000 ||
	bail_out "cannot add netem"

tap_import < <("$PY" -S "$SELFTESTS_DIR/stress_check.py" ns1="$NS1" \
	ns2="$NS2" ip2="$IP2" ip6_2="$IP6_2" \
	procnet1="$(ns_proc_net "$NS1")" procnet2="$(ns_proc_net "$NS2")" \
	secs="${STRESS_SECS:-40}" workers="${STRESS_WORKERS:-12}" 2>&1)
wait $!
rc=$?
[ $rc = 0 ] || not_ok "stress_check.py ran to the end" "exit status $rc"
