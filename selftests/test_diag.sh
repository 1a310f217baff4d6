#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sock_diag (module/diag.c) as tools/atcpss shows it, checked against the
# sockets the test made and against /proc/net/atcp{,6}
# (selftests/diag_check.py does the checking).
#
#   * ns1 holds five listeners (IPv4, IPv6-only, dual-stack, one with 60
#     connections in its accept queue, one with 400 SYN queue entries),
#     connections over its own addresses (one accepted), and the SYN queue
#     entries of SYNs from ns2, which drops every ATCP segment it receives
#     (so they stay in SYN_RECV).  atcpss -tan must print exactly the lines
#     these make (state, Recv-Q/Send-Q as ss: accept queue and backlog for
#     a listener, addresses as ss prints them), and agree with /proc on
#     inode, uid, queues and timers (-tanoe).  Output that needs several
#     netlink messages (-tani, the 400 entries) lists each socket once.
#   * ss's state selection (default, -l, -a, state, exclude), -4/-6, and
#     the bytecode filters (sport/dport/src/dst), which the kernel runs on
#     sockets and on SYN queue entries alike.  -i shows struct tcp_info.
#   * dump_one: an exact request by 4-tuple and cookie (a wrong cookie or
#     tuple gives ENOENT), a listener by its local address and port.
#   * ns2: its connect()s to a closed port of ns1 stay in SYN_SENT (the RST
#     is dropped): SYN-SENT, Send-Q 1, retransmit timer; ns1's sockets are
#     not listed there, nor ns2's in ns1.
#   * Without the module atcpss exits non-zero saying so, and with the
#     module unloaded the kernel has no handler left for protocol 253;
#     loaded with proto=252, atcpss follows the parameter.
#
# atcp-timeout: 300
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

need_cmd tc
atcpss=$ATCP_ROOT/tools/atcpss/atcpss
[ -x "$atcpss" ] || bail_out "$atcpss is not built (make -C tools)"
atcp_ensure_loaded || bail_out "cannot load $ATCP_KO"
DIAG_PY=("$PY" -S "$SELFTESTS_DIR/diag_check.py")

ns_setup || bail_out "cannot set up namespaces"
# Long-lived SYN_RECV entries in ns1 and SYN_SENT sockets in ns2.
out=$(atcp_sysctl_set "$NS1" synack_retries 10) || bail_out "ns1 synack_retries: $out"
out=$(atcp_sysctl_set "$NS2" syn_retries 10) || bail_out "ns2 syn_retries: $out"
# ns2 hears no ATCP: ns1's SYN-ACKs and RSTs never arrive.
tc -n "$NS2" -b - <<-EOF || bail_out "cannot install the ingress drop in $NS2"
	qdisc add dev $VETH2 clsact
	filter add dev $VETH2 ingress prio 1 protocol ip u32 match ip protocol $ATCP_PROTO 0xff action drop
	filter add dev $VETH2 ingress prio 2 protocol ipv6 u32 match ip6 protocol $ATCP_PROTO 0xff action drop
EOF

# ---- ns1: listeners and connections; ns2: SYNs and SYN_SENT ------------------
sfifo=$TEST_TMP/server.fifo slog=$TEST_TMP/server.log
pfifo=$TEST_TMP/peer.fifo plog=$TEST_TMP/peer.log
mkfifo "$sfifo" "$pfifo"
nsx "$NS1" "${DIAG_PY[@]}" server atcpss="$atcpss" dev="$VETH1" <"$sfifo" >"$slog" 2>&1 &
spid=$!
exec {sfd}>"$sfifo"
on_exit "kill $spid"
wait_until 120 file_has "$slog" "ports " || bail_out "server in $NS1: $(<"$slog")"
while read -r w p4 p6 pf; do [ "$w" = ports ] && break; done <"$slog"
diag "ns1: listeners on $p4 (IPv4), $p6 (IPv6), $pf (SYN flood target)"

closed=$(( p4 == 65535 ? 1025 : p4 + 1 ))
nsx "$NS2" "${DIAG_PY[@]}" peer atcpss="$atcpss" p4="$p4" p6="$p6" pf="$pf" \
	closed="$closed" <"$pfifo" >"$plog" 2>&1 &
ppid=$!
exec {pfd}>"$pfifo"
on_exit "kill $ppid"
wait_until 120 file_has "$plog" "ready " || bail_out "peer in $NS2: $(<"$plog")"
while read -r w s4 s6; do [ "$w" = ready ] && break; done <"$plog"

echo "go $s4 $s6" >&"$sfd"
wait "$spid"
exec {sfd}>&-
wait_until 120 file_has "$plog" "done"
exec {pfd}>&-
wait "$ppid"

tap_import <"$slog"
file_has "$slog" "end" || not_ok "$NS1 checks ran to their end" "$(<"$slog")"
tap_import <"$plog"
file_has "$plog" "done" || not_ok "$NS2 checks ran to their end" "$(<"$plog")"
ns_cleanup

# ---- without the module, and with proto=252 -------------------------------------
if ! out=$(atcp_unload); then
	not_ok "rmmod atcp after the checks" "$out"
	exit 0
fi
out=$("$atcpss" -tan 2>&1)
rc=$?
if [ $rc != 0 ] && [[ $out == *"atcp module is not loaded"* ]]; then
	ok "module not loaded: atcpss exits $rc and says so"
else
	not_ok "module not loaded: atcpss exits non-zero and says so" "exit $rc: $out"
fi
out=$("$atcpss" --proto "$ATCP_PROTO" -tan 2>&1)
rc=$?
if [ $rc != 0 ] && [[ $out == *"no sock_diag handler for IP protocol $ATCP_PROTO"* ]]; then
	ok "module unloaded: no sock_diag handler left for protocol $ATCP_PROTO"
else
	not_ok "module unloaded: no sock_diag handler left for protocol $ATCP_PROTO" "exit $rc: $out"
fi

out=$(atcp_load proto=252) || bail_out "insmod proto=252: $out"
lfifo=$TEST_TMP/listen.fifo llog=$TEST_TMP/listen.log
mkfifo "$lfifo"
ATCP_PROTO=252 "$PY" -S "$SELFTESTS_DIR/proc_check.py" listen addr=127.0.0.1 \
	<"$lfifo" >"$llog" 2>&1 &
lpid=$!
exec {lfd}>"$lfifo"
on_exit "kill $lpid"
if wait_until 60 file_has "$llog" ready; then
	read -r _ port _ <"$llog"
	out=$("$atcpss" -tln 2>&1)
	if [[ $out == *"LISTEN "*" 127.0.0.1:$port "* ]]; then
		ok "proto=252: atcpss reads the parameter and lists the listener"
	else
		not_ok "proto=252: atcpss reads the parameter and lists the listener" "$out"
	fi
	out=$("$atcpss" --proto 253 -tln 2>&1)
	rc=$?
	if [ $rc != 0 ] && [[ $out == *"no sock_diag handler"* ]]; then
		ok "proto=252: no handler for 253"
	else
		not_ok "proto=252: no handler for 253" "exit $rc: $out"
	fi
else
	not_ok "proto=252: a listener" "$(<"$llog")"
fi
exec {lfd}>&-
wait "$lpid"
out=$(atcp_unload) || not_ok "rmmod atcp (proto=252)" "$out"
out=$(atcp_load) || bail_out "insmod: $out"
