#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ATCP demo body, run inside the test VM by `make demo` (scripts/demo.sh ->
# scripts/vm-run.sh -> scripts/guest-init.sh).  Everything it prints goes to
# the VM console, which scripts/demo.sh shows on the terminal.
#
# Two network namespaces, "client" and "server", joined by a veth pair,
# talk ATCP (IP protocol 253): the handshake on the wire decoded by tshark
# as TCP, the sockets in /proc/net/atcp, a RST from a closed port, a sysctl
# changing what the SYN queue does, SYN cookies, the counters, and a clean
# unload.
#
# Usage (in the VM): demo/demo.sh OUTDIR
set -euo pipefail

out=${1:?usage: demo.sh OUTDIR}	# files saved here end up in build/demo-*/
repo=${ATCP_REPO:-$(cd "$(dirname "$0")/.." && pwd)}
module=${ATCP_MODULE:-$repo/module/atcp.ko}
view="python3 -S $repo/demo/atcpview.py"
S="ip netns exec server"
C="ip netns exec client"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
say() { printf '    %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

cleanup() {
	kill $(jobs -p) 2>/dev/null || true
	wait 2>/dev/null || true
	ip netns del client 2>/dev/null || true
	ip netns del server 2>/dev/null || true
}
trap cleanup EXIT

# Wait until a command succeeds (at most ~20 s; the VM is emulated).
until_ok() {
	local i
	for i in $(seq 100); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

step "Kernel $(uname -r) in the QEMU VM; load the module"
run insmod "$module"
dmesg | grep 'atcp:' | tail -1
say "socket(AF_INET, SOCK_STREAM, 253) now gives an ATCP socket."

step "Two namespaces joined by a veth pair"
ip netns add server
ip netns add client
ip link add veth-c netns client type veth peer name veth-s netns server
$C ip addr add 10.0.1.1/24 dev veth-c
$S ip addr add 10.0.1.2/24 dev veth-s
$C ip addr add fd00::1/64 dev veth-c nodad
$S ip addr add fd00::2/64 dev veth-s nodad
for ns in client server; do
	ip netns exec $ns ip link set lo up
done
$C ip link set veth-c up
$S ip link set veth-s up
say "client 10.0.1.1 / fd00::1  <-- veth -->  server 10.0.1.2 / fd00::2"

step "Each namespace has its own net.atcp sysctls (defaults shown)"
run $S sysctl net.atcp.syn_retries net.atcp.synack_retries \
	net.atcp.abort_on_overflow net.atcp.syncookies net.atcp.msl

step "A server listens on port 8080 (IPv4) and [::]:8081 (dual stack)"
$S tcpdump -i veth-s -U -w "$out/handshake.pcap" 'ip proto 253 or ip6 proto 253' \
	>"$out/tcpdump.log" 2>&1 &
until_ok grep -q listening "$out/tcpdump.log"
$S python3 -S - <<'PY' &
import socket, time
P = 253
l4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM, P)
l4.bind(("10.0.1.2", 8080)); l4.listen(4)
l6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM, P)
l6.bind(("::", 8081)); l6.listen(4)
conns = []
for l in (l4, l6, l6):
    c, a = l.accept(); conns.append(c)
time.sleep(60)
PY
until_ok sh -c "$S cat /proc/net/atcp | grep -q ' 0A '"
run $S $view socks

step "Clients connect: IPv4, IPv6, and IPv4 to the dual-stack port"
$C python3 -S - <<'PY' &
import socket, time
P = 253
s = [socket.socket(f, socket.SOCK_STREAM, P) for f in
     (socket.AF_INET, socket.AF_INET6, socket.AF_INET)]
s[0].connect(("10.0.1.2", 8080))
s[1].connect(("fd00::2", 8081))
s[2].connect(("10.0.1.2", 8081))
for x in s:
    print("    client %-28s -> %s" % (x.getsockname()[:2], x.getpeername()[:2]))
time.sleep(60)
PY
until_ok sh -c "[ \$($S grep -c ' 01 ' /proc/net/atcp /proc/net/atcp6 | \
	awk -F: '{s+=\$2} END {print s}') -ge 3 ]"
step "Server side: LISTEN and ESTABLISHED sockets"
run $S $view socks
step "Client side"
run $C $view socks

step "Connecting to a port nobody listens on: RST, ECONNREFUSED"
run $C python3 -S -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 253)
try:
    s.connect(("10.0.1.2", 9999))
except OSError as e:
    print("    connect:", e)'

sleep 1
kill %1 2>/dev/null || true
wait %1 2>/dev/null || true
step "The handshakes on the wire: IP protocol 253, TCP segments inside"
python3 -S "$repo/demo/pcapview.py" "$out/handshake.pcap"
say "Checksums verify as TCP's (pseudo-header protocol 6), so rewriting the"
say "protocol byte to 6 turns these into valid TCP; tshark decodes them with"
say "-d ip.proto==253,tcp (make demo runs it on the host at the end)."

step "A sysctl at work: net.atcp.synack_retries=1"
say "The client namespace now drops every SYN-ACK, so its handshakes never"
say "complete; the server keeps a SYN_RECV request and retransmits once."
run $S sysctl -w net.atcp.synack_retries=1
$C tc qdisc add dev veth-c clsact
$C tc filter add dev veth-c ingress protocol ip u32 \
	match ip protocol 253 0xff action drop
$S tcpdump -i veth-s -U -w "$out/synq.pcap" 'ip proto 253' \
	>"$out/tcpdump2.log" 2>&1 &
until_ok grep -q listening "$out/tcpdump2.log"
$C python3 -S -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 253)
s.setblocking(False)
s.connect_ex(("10.0.1.2", 8080))
s.close()   # no SYN retransmission: the server is left alone with it
' &
until_ok sh -c "$S cat /proc/net/atcp | grep -q ' 03 '"
run $S $view socks
sleep 4
say "4 s later the request is gone:"
run $S $view socks
sleep 0.5
say "SYN-ACKs sent for it (1 + synack_retries):"
python3 -S "$repo/demo/pcapview.py" "$out/synq.pcap" --synack-times
$C tc qdisc del dev veth-c clsact

step "SYN cookies: net.atcp.syncookies=2 answers every SYN statelessly"
run $S sysctl -w net.atcp.syncookies=2
$C python3 -S -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 253)
s.connect(("10.0.1.2", 8080))
print("    connected through a cookie:", s.getsockname(), "->", s.getpeername())'
run $S $view stat SyncookiesSent SyncookiesRecv SyncookiesFailed

step "Server namespace counters (/proc/net/atcp_stat, non-zero ones)"
$S $view stat

step "Tear down and unload"
cleanup
trap - EXIT
sleep 1
run rmmod atcp
say "unloaded: no ATCP socket, request or timer left behind"
