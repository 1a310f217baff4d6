#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# atcp-timeout: 240
#
# /proc/net/atcp and /proc/net/atcp6: the format of /proc/net/tcp and
# /proc/net/tcp6, parsed the way scripts parse those (selftests/proc_check.py).
#
#   * over loopback in init_net: the headers are TCP's byte for byte; an IPv4
#     listener is a 0A line with its address, port, inode and uid, and its
#     accept queue length in rx_queue, and reads like a TCP listener's line;
#     a connected pair is two 01 lines with reversed addresses; they go away
#     on close().  IPv6 (atcp6): the same, plus an IPv4 peer of a dual-stack
#     listener, when AF_INET6 listen/connect exist (else SKIP).
#   * per namespace: a listener in ns1 is in ns1's file only, and each
#     namespace has its own atcp and atcp6.
#   * SYN_RECV: ns2 drops every ATCP segment it receives; a raw SYN from ns2
#     to ns1's listener leaves a request (03 line, timer 1) whose retrnsmt
#     counts SYN-ACK retransmissions and which goes away after
#     net.atcp.synack_retries=1 (~3 s).  A connect() from ns2 to a closed
#     port stays in SYN_SENT (02, tx_queue 1, timer 1, retrnsmt counting).
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

need_cmd tc
atcp_ensure_loaded || bail_out "cannot load $ATCP_KO"
PROC_PY=("$PY" -S "$SELFTESTS_DIR/proc_check.py")

# ---- init_net, loopback -------------------------------------------------------
tap_import < <("${PROC_PY[@]}" local 2>&1)

# ---- namespaces ---------------------------------------------------------------
ns_setup || bail_out "cannot set up namespaces"
out=$(atcp_sysctl_set "$NS1" synack_retries 1) ||
	bail_out "net.atcp.synack_retries=1 in $NS1: $out"
# ns2 hears no ATCP at all: SYN-ACKs and RSTs from ns1 never arrive.
tc -n "$NS2" -b - <<-EOF || bail_out "cannot install the ingress drop in $NS2"
	qdisc add dev $VETH2 clsact
	filter add dev $VETH2 ingress prio 1 protocol ip u32 match ip protocol $ATCP_PROTO 0xff action drop
EOF

proc0=/proc/$$/net		# this shell is in init_net
proc1=$(ns_proc_net "$NS1")
proc2=$(ns_proc_net "$NS2")

for f in atcp atcp6; do
	h0='' h1=''
	read -r h0 <"$proc0/$f" 2>/dev/null
	read -r h1 <"$proc1/$f" 2>/dev/null
	if [ -n "$h1" ] && [ "$h1" = "$h0" ] && [ ! "$proc1/$f" -ef "$proc0/$f" ]; then
		ok "$NS1 has its own /proc/net/$f"
	else
		not_ok "$NS1 has its own /proc/net/$f" "header: '$h1'"
	fi
done

# A listener on 0.0.0.0 in ns1, held open by a python process.
fifo=$TEST_TMP/listen.fifo
log=$TEST_TMP/listen.log
mkfifo "$fifo"
nsx "$NS1" "${PROC_PY[@]}" listen addr=0.0.0.0 <"$fifo" >"$log" 2>&1 &
lpid=$!
exec {lfd}>"$fifo"
on_exit "kill $lpid"
wait_until 60 file_has "$log" ready || bail_out "listener in $NS1: $(<"$log")"
read -r _ port inode <"$log"
printf -v hexport '%04X' "$port"
diag "listener in $NS1 on 0.0.0.0:$port ($hexport), inode $inode"

# listener_lines DIR: the 0A lines for 00000000:$hexport in DIR/atcp.
listener_lines() {
	local sl l r st rest n=0
	while read -r sl l r st rest; do
		[ "$l" = "00000000:$hexport" ] && [ "$st" = 0A ] && {
			echo "$sl $l $r $st $rest"
			n=$((n + 1))
		}
	done <"$1/atcp"
	[ $n -gt 0 ]
}
if lines=$(listener_lines "$proc1") && [[ $lines == *" 0 $inode "* ]]; then
	ok "listener in $NS1 is in $NS1's /proc/net/atcp"
else
	not_ok "listener in $NS1 is in $NS1's /proc/net/atcp" "$(<"$proc1/atcp")"
fi
if ! lines=$(listener_lines "$proc0"); then
	ok "listener in $NS1 is not in init_net's /proc/net/atcp"
else
	not_ok "listener in $NS1 is not in init_net's /proc/net/atcp" "$lines"
fi
if ! lines=$(listener_lines "$proc2"); then
	ok "listener in $NS1 is not in $NS2's /proc/net/atcp"
else
	not_ok "listener in $NS1 is not in $NS2's /proc/net/atcp" "$lines"
fi

# Any port nobody listens on in ns1 for the SYN_SENT check.
closed=$(( port == 65535 ? 1025 : port + 1 ))
tap_import < <(nsx "$NS2" "${PROC_PY[@]}" remote proc1="$proc1/atcp" \
	other="$proc0/atcp" other=/proc/self/net/atcp src="$IP2" dst="$IP1" \
	dport="$port" closed=$closed retries=1 uid=0 2>&1)

exec {lfd}>&-
wait $lpid
no_listener() { ! listener_lines "$proc1" >/dev/null; }
if wait_until 10 no_listener; then
	ok "listener in $NS1 gone from its /proc/net/atcp after close()"
else
	not_ok "listener in $NS1 gone from its /proc/net/atcp after close()" \
		"$(<"$proc1/atcp")"
fi
