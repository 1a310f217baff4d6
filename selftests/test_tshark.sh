#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ATCP on the wire as the real decoder sees it: a capture of ATCP traffic
# between ns1 (client) and ns2 (server), decoded by tshark with
# `-d ip.proto==253,tcp` (the same decode-as table serves IPv6's next
# header, so one rule covers both families) and
# `-o tcp.check_checksum:TRUE`, compared field by field with what
# selftests/tshark_check.py's own pcap parser reads from the same file.
# For IPv4 and IPv6 at once:
#   * a data connection: handshake on a clean link (SYN, SYN-ACK, ACK with
#     MSS = MTU - 40 or - 60, SACK-permitted, timestamps, window scale),
#     192 KiB each way under netem loss on both veth ends (so that both
#     ends send SACK blocks), then FIN|ACK from the client, FIN|ACK from
#     the server, last ACK, no RST;
#   * an abortive close (SO_LINGER {1, 0}): one RST, SEQ = ISN + 1 + the
#     bytes sent;
#   * a SYN to a closed port: RST|ACK, SEQ 0, ACK = ISN + 1.
# Every frame must decode as TCP right after ip/ipv6, with protocol 253,
# ports, flags, raw seq/ack (tcp.seq_raw, tcp.ack_raw), length, window,
# options and SACK edges equal to the parser's, and tcp.checksum.status 1
# (Good; 0 is Bad, 2 Unverified) in both directions.  That check can
# fail: tshark also reads two tampered copies of data frames (one payload
# byte flipped, appended after the capture) and must flag them Bad (0).
# tshark starts slowly under emulation (about 17 s), so it runs once, on
# the capture and the copies together.  The pcaps are kept in
# $ATCP_TEST_OUT when a check fails.
#
# atcp-timeout: 300
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

need_cmd tshark tcpdump tc
atcp_ensure_loaded || bail_out "cannot load $ATCP_KO"
ns_setup || bail_out "cannot set up namespaces"
orphans_default || bail_out "cannot set net.atcp.orphan_retries"

TPY=("$PY" -S "$SELFTESTS_DIR/tshark_check.py")
CAP=$TEST_TMP/atcp.pcap
FACTS=$TEST_TMP/facts
BYTES=196608		# each way, per family
LOSS=8			# % on each veth end, during the data phase only

# Shorter retransmission timeouts under loss (the tail of a flight has
# no later segment to trigger fast retransmit).
for ns in "$NS1" "$NS2"; do
	atcp_sysctl_set "$ns" rto_min_ms 50 >/dev/null ||
		diag "could not set net.atcp.rto_min_ms in $ns"
done

# Whole frames (the checksum covers the payload), and a ring that holds
# the whole test: in immediate mode libpcap's ring has one slot of the
# snap length per frame, so -s 0 (256 KiB) would leave room for a handful
# and frames would be dropped under emulation.
cap_start "$NS1" "$VETH1" "$CAP" -s 2048 -B 16384 \
	"ip proto $ATCP_PROTO or ip6 proto $ATCP_PROTO" ||
	bail_out "cannot start tcpdump"
tap_import < <(NS1=$NS1 NS2=$NS2 VETH1=$VETH1 VETH2=$VETH2 \
	"${TPY[@]}" traffic facts="$FACTS" bytes=$BYTES loss=$LOSS 2>&1)
cap_stop
# tcpdump's statistics on exit: "N packets dropped by kernel".
if [[ "$(<"$CAP.err")" == *$'\n'"0 packets dropped by kernel"* ]]; then
	ok "the capture is complete (tcpdump: 0 packets dropped by kernel)"
else
	not_ok "the capture is complete (tcpdump: 0 packets dropped by kernel)" "$(<"$CAP.err")"
fi

if [ ! -s "$FACTS" ]; then
	not_ok "traffic step wrote its list of connections"
	exit 0
fi
tap_import < <("${TPY[@]}" check pcap="$CAP" facts="$FACTS" \
	out="$TEST_TMP/tshark.pcap" tshark="$(command -v tshark)" 2>&1)

if [ "$TAP_FAILED" -gt 0 ] && [ "$CAP_DIR" != "$TEST_TMP" ]; then
	cp "$CAP" "$TEST_TMP/tshark.pcap" "$FACTS" "$CAP_DIR/" 2>/dev/null &&
		diag "captures kept in $CAP_DIR (tshark.pcap: the capture + tampered copies)"
fi
exit 0
