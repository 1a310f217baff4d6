#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# RFC 5961 (blind in-window attacks) against an ESTABLISHED ATCP server
# (ns2), with segments crafted in ns1 that carry the real client's
# addresses and ports (rfc5961_check.py; the server's sequence numbers
# come from the capture on ns2's veth, saved as rfc5961.pcap):
#   * RST: SEQ = RCV.NXT resets the connection (ECONNRESET, EstabResets);
#     SEQ elsewhere in the window gets a challenge ACK and the connection
#     survives; SEQ outside the window is dropped silently (3.2);
#   * SYN in ESTABLISHED, in or out of the window: challenge ACK (4.2);
#   * ACK above SND.NXT: challenge ACK, segment dropped; ACK below
#     SND.UNA - MAX.SND.WND: dropped silently (5.2);
#   * net.atcp.challenge_ack_limit bounds challenge ACKs per second
#     (ChallengeACK counts those sent) (7).
#
# atcp-timeout: 180
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

atcp_ensure_loaded || bail_out "cannot load $ATCP_KO"
echo "atcp-test: $TEST_NAME start" >/dev/kmsg
ns_setup || bail_out "cannot set up namespaces"

tap_import < <("$PY" -S "$SELFTESTS_DIR/rfc5961_check.py" ns1="$NS1" \
	ns2="$NS2" dev2="$VETH2" ip1="$IP1" ip2="$IP2" ip6_1="$IP6_1" \
	ip6_2="$IP6_2" proc2="$(ns_proc_net "$NS2")" capdir="$CAP_DIR" 2>&1)

splat=$(dmesg | sed -n "/atcp-test: $TEST_NAME start/,\$p" |
	grep -E 'BUG:|WARNING:|KASAN|UBSAN|possible circular|inconsistent lock|Oops|refcount_t' | head -5)
if [ -z "$splat" ]; then
	ok "no kernel warning, KASAN, lockdep or UBSAN report"
else
	not_ok "no kernel warning, KASAN, lockdep or UBSAN report" "$splat"
fi
