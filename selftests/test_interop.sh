#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Interop through the protocol-byte rewrite (lib.sh rewrite_add): tc on a
# veth turns Linux TCP into ATCP on the wire and back.
#
# 1. Positive control, proving the harness: Linux TCP in ns1 and in ns2,
#    both veth ends rewritten; 1 MiB echoed end to end with equal SHA-256
#    (IPv4 and IPv6), and the wire carries protocol 253 only.
# 2. A Linux TCP client in ns1 (rewritten) against ns2, where only ATCP
#    answers: nobody listens, so ATCP's RST must refuse the connection at
#    once (ECONNREFUSED, not a timeout), IPv4 and IPv6, with protocol 253
#    on the wire both ways.
# One capture on ns2's veth covers all of it; ports tell the cases apart.
#
# atcp-timeout: 240
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

need_cmd tc tcpdump
atcp_ensure_loaded || bail_out "cannot load $ATCP_KO"
ns_setup || bail_out "cannot set up namespaces"

# Linux TCP in ns1 gives up soon if nothing answers (not after ~2 min).
ip netns exec "$NS1" bash -c 'echo 2 >/proc/sys/net/ipv4/tcp_syn_retries'

if out=$( { rewrite_add "$NS1" "$VETH1" && rewrite_add "$NS2" "$VETH2"; } 2>&1); then
	ok "tc protocol rewrite installed on both veth ends"
else
	not_ok "tc protocol rewrite installed on both veth ends" "$out"
	bail_out "no tc rewrite (kernel without clsact/u32/pedit/csum?)"
fi

# line_for PORT TEXT: the line of TEXT that starts with PORT.
line_for() {
	local l
	while IFS= read -r l; do
		[[ "$l" == "$1 "* ]] && { echo "$l"; return 0; }
	done <<<"$2"
	return 1
}

cap=$CAP_DIR/interop.pcap
cap_start "$NS2" "$VETH2" "$cap" || bail_out "cannot start tcpdump"

# --- 1. positive control: TCP <-> TCP, both ends rewritten -------------------
ready=$TEST_TMP/ready res=$TEST_TMP/served
nsx "$NS2" timeout 100 "${ATCP_PY[@]}" serve ready="$ready" out="$res" timeout=80 \
	listen="$IP2,5001" listen="$IP6_2,5002" &
srv=$!
got=$(nsx "$NS1" timeout 100 "${ATCP_PY[@]}" client wait="$ready" timeout=80 \
	target="$IP2,5001" target="$IP6_2,5002" bytes=$((1 << 20)) 2>&1)
wait $srv
for c in "IPv4 5001" "IPv6 5002"; do
	read -r v port <<<"$c"
	desc="$v positive control: Linux TCP through the rewrite echoes 1 MiB, SHA-256 equal"
	cl=$(line_for "$port" "$got")
	sv=$(line_for "$port" "$(<"$res")")
	read -r _ sent slen back blen <<<"$cl"
	read -r _ ssha sslen <<<"$sv"
	if [ -n "$sent" ] && [ "$slen" = $((1 << 20)) ] && [ "$sent $slen" = "$back $blen" ] &&
	   [ "$sent $slen" = "$ssha $sslen" ]; then
		ok "$desc"
	else
		not_ok "$desc" "client: ${cl:-$got}" "server: ${sv:-nothing}"
	fi
done

# --- 2. Linux TCP client vs. ATCP: connection refused ----------------------------
# A capture of its own: stopping a capture loses what tcpdump has not read
# from its ring yet, and behind the 2 MiB of part 1 on a slow VM that was
# the whole of this part's four segments.
cap_stop
segs=$(cap_segments "$cap")
cap2=$CAP_DIR/interop-refused.pcap
cap_start "$NS2" "$VETH2" "$cap2" || bail_out "cannot start tcpdump"
rewrite_del "$NS2" "$VETH2" || diag "could not remove the rewrite from ns2"
got=$(nsx "$NS1" timeout 100 "${ATCP_PY[@]}" connect timeout=60 \
	target="$IP2,5003" target="$IP6_2,5004" 2>&1)

cap_stop
segs+=$'\n'$(cap_segments "$cap2")

# wire_check DESC PORT: segments of PORT both ways, all protocol 253.
wire_check() {
	local desc=$1 port=$2 fwd=0 rev=0 tcp=0 proto sport dport
	while read -r _ proto _ _ sport dport _; do
		[ "$sport" = "$port" ] || [ "$dport" = "$port" ] || continue
		if [ "$proto" = 6 ]; then
			tcp=$((tcp + 1))
		elif [ "$proto" = "$ATCP_PROTO" ]; then
			[ "$dport" = "$port" ] && fwd=$((fwd + 1)) || rev=$((rev + 1))
		fi
	done <<<"$segs"
	if [ $fwd -gt 0 ] && [ $rev -gt 0 ] && [ $tcp = 0 ]; then
		ok "$desc ($fwd + $rev segments)"
	else
		not_ok "$desc" "protocol $ATCP_PROTO to port $port: $fwd, from it: $rev; protocol 6: $tcp"
	fi
}
wire_check "IPv4 positive control: the wire carries protocol $ATCP_PROTO both ways, never 6" 5001
wire_check "IPv6 positive control: the wire carries protocol $ATCP_PROTO both ways, never 6" 5002

for c in "IPv4 5003" "IPv6 5004"; do
	read -r v port <<<"$c"
	read -r _ what secs <<<"$(line_for "$port" "$got")"
	if [ "$what" = ECONNREFUSED ]; then
		ok "$v Linux TCP connect to ATCP with no listener: ECONNREFUSED"
	else
		not_ok "$v Linux TCP connect to ATCP with no listener: ECONNREFUSED" "got: $got"
	fi
	# Linux retransmits an unanswered SYN after 1 s: refused within 1 s
	# means the first SYN was answered.
	if [ "$what" = ECONNREFUSED ] && [ "${secs%%.*}" = 0 ]; then
		ok "$v ... refused by the first SYN's RST (${secs}s, no retransmission)"
	else
		not_ok "$v ... refused by the first SYN's RST (no retransmission)" "got: $got"
	fi
	wire_check "$v refused connect: the wire carries protocol $ATCP_PROTO both ways" "$port"
	syn='' rst=''
	while read -r _ proto _ _ sport dport flags seq ack _; do
		[ "$proto" = "$ATCP_PROTO" ] || continue
		[ -z "$syn" ] && [ "$dport" = "$port" ] && [ "$flags" = S ] && syn=$seq
		[ -z "$rst" ] && [ "$sport" = "$port" ] && [[ "$flags" == *R* ]] && rst="$flags $seq $ack"
	done <<<"$segs"
	if [ -n "$syn" ] && [ "$rst" = "RA 0 $(( (syn + 1) % 4294967296 ))" ]; then
		ok "$v ATCP answers the Linux SYN with RST|ACK seq=0 ack=SYN+1"
	else
		not_ok "$v ATCP answers the Linux SYN with RST|ACK seq=0 ack=SYN+1" \
			"SYN seq: ${syn:-none}; RST flags/seq/ack: ${rst:-none}"
	fi
done
