#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Segments for which no socket exists, and malformed segments.  ns1 sends
# crafted segments (raw IP protocol 253 sockets, TCP checksum over the
# protocol-6 pseudo-header) to ports nobody uses in ns2, and checks what
# comes back against RFC 9293's CLOSED-state rules:
#   SYN seq=S             -> <SEQ=0><ACK=S+SEG.LEN><CTL=RST,ACK>
#   segment with ACK=a    -> <SEQ=a><CTL=RST>
#   RST                   -> nothing
# Bad checksums, data offsets and truncated headers are dropped without an
# answer and counted in ns2's /proc/net/atcp_stat (InErrs, InCsumErrors);
# every RST sent is counted in OutRsts; ns1's own counters do not move.
# "No answer" is decided without sleeping: after the probe, a SYN to
# another closed port is sent as a marker, and its RST must come back first.
#
# atcp-timeout: 240
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

need_cmd tcpdump
atcp_ensure_loaded || bail_out "cannot load $ATCP_KO"
ns_setup || bail_out "cannot set up namespaces"

# Have ns2's checksums finished in software before they reach ns1's raw
# socket (veth otherwise hands CHECKSUM_PARTIAL segments over unfinished).
ip netns exec "$NS2" ethtool -K "$VETH2" tx off >/dev/null 2>&1 ||
	diag "could not turn tx checksum offload off on $VETH2"

stat2=$(ns_proc_net "$NS2")/atcp_stat
names=()
read -r -a names <"$stat2"
miss=
for n in InSegs InErrs InCsumErrors OutSegs OutRsts; do
	[[ " ${names[*]} " == *" $n "* ]] || miss+=" $n"
done
if [ "${names[0]}" = "Atcp:" ] && [ -z "$miss" ]; then
	ok "/proc/net/atcp_stat (nstat format) has InSegs InErrs InCsumErrors OutSegs OutRsts"
else
	not_ok "/proc/net/atcp_stat (nstat format) has InSegs InErrs InCsumErrors OutSegs OutRsts" \
		"missing:$miss" "first line: ${names[*]}"
fi

init_csum0=$(atcp_stat "" InCsumErrors)
out2_0=$(atcp_stat "$NS2" OutSegs)

# Everything ATCP on the wire, to check that ns2 sent nothing but RSTs.
cap=$CAP_DIR/rst.pcap
cap_start "$NS1" "$VETH1" "$cap" "ip proto $ATCP_PROTO or ip6 proto $ATCP_PROTO" ||
	bail_out "cannot start tcpdump"

tap_import < <(nsx "$NS1" "${ATCP_PY[@]}" rst v4="$IP1,$IP2" v6="$IP6_1,$IP6_2" \
	short6=1 stat="$stat2" own=/proc/self/net/atcp_stat 2>&1)

cap_stop
segs=$(cap_segments "$cap")
from2=()
notrst=
while read -r _ _ src _ sport dport flags _; do
	[ "$src" = "$IP2" ] || [ "$src" = "$IP6_2" ] || continue
	from2+=("$src $sport > $dport [$flags]")
	[[ "$flags" == *R* ]] || notrst+=" $src:$sport>$dport [$flags]"
done <<<"$segs"
if [ ${#from2[@]} -gt 0 ] && [ -z "$notrst" ]; then
	ok "ns2 sent only RSTs (${#from2[@]} segments on the wire)"
else
	not_ok "ns2 sent only RSTs" "not RST:${notrst:- (none sent at all)}"
fi

out2_1=$(atcp_stat "$NS2" OutSegs)
n=${#from2[@]}
if [ -n "$out2_0" ] && [ -n "$out2_1" ] && [ $((out2_1 - out2_0)) -ge "$n" ]; then
	ok "OutSegs counts the RSTs ($((out2_1 - out2_0)) >= $n)"
else
	not_ok "OutSegs counts the RSTs" "OutSegs $out2_0 -> $out2_1, $n RSTs on the wire"
fi

init_csum1=$(atcp_stat "" InCsumErrors)
if [ -n "$init_csum0" ] && [ "$init_csum0" = "$init_csum1" ]; then
	ok "init_net's InCsumErrors is not touched by ns2's errors"
else
	not_ok "init_net's InCsumErrors is not touched by ns2's errors" \
		"init_net InCsumErrors $init_csum0 -> $init_csum1"
fi
