#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ATCP demo body, run inside the test VM by `make demo` (scripts/demo.sh ->
# scripts/vm-run.sh -> scripts/guest-init.sh).  Everything it prints goes to
# the VM console, which scripts/demo.sh shows on the terminal.
#
# Two network namespaces, "client" and "server", joined by a veth pair,
# talk ATCP (IP protocol 253).  The steps: load the module; a server
# listens (atcpss: LISTEN); a client connects and uploads a file
# (ESTABLISHED, tcp_info); the client closes first (TIME-WAIT; the same
# sha256 on both sides); the upload on the wire; the keepalive sysctls in
# the client namespace: probes answered, then the path cut and the
# connection dropped with ETIMEDOUT; the counters; a clean unload.
#
# The server and clients are demo/peer.py.  Each prints one line per event,
# which this script reads (hear) to know when to go on: no polling, since
# under emulation every program started costs about half a second.
# Every segment is captured on the client's veth (OUTDIR/demo.pcap).
#
# Usage (in the VM): demo/demo.sh OUTDIR
set -euo pipefail

out=${1:?usage: demo.sh OUTDIR}	# files saved here end up in build/demo-*/
repo=${ATCP_REPO:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$repo"	# the commands shown are run from here, as a reader would
module=${ATCP_MODULE:-module/atcp.ko}
tmp=/tmp	# tmpfs in the VM
pcap=${out#"$repo"/}/demo.pcap	# as seen from the repository, on the host too

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
say() { printf '    %s\n' "$*"; }
# run CMD...: show a command run in the VM itself, then run it.
run() { printf '# %s\n' "$*"; "$@"; }
# on NS CMD...: show and run a command in namespace NS (ip netns exec NS).
on() { local ns=$1; shift; printf '%s# %s\n' "$ns" "$*"; ip netns exec "$ns" "$@"; }

# start NAME NS CMD...: run CMD in namespace NS in the background; `hear
# NAME` shows the next line it prints.  ip netns exec execs CMD, so the
# process substitution's pid ($!) is CMD's.
declare -A fd=() pid=() ready=()
start() {
	local name=$1 ns=$2 f
	shift 2
	exec {f}< <(exec ip netns exec "$ns" "$@" 2>&1)
	fd[$name]=$f pid[$name]=$!
}
hear() {
	local line
	if ! read -r -t 30 -u "${fd[$1]}" line; then
		echo "demo: no word from the $1 process for 30 s" >&2
		exit 1
	fi
	say "$line"
}
# go NAME: let client NAME go on (connect, or close), once it is ready.
go() {
	local line
	if [ -z "${ready[$1]:-}" ]; then
		if ! { read -r -t 30 -u "${fd[$1]}" line && [ "$line" = ready ]; }; then
			echo "demo: the $1 client did not start: ${line:-}" >&2
			exit 1
		fi
		ready[$1]=1
	fi
	kill -USR1 "${pid[$1]}"
}

# sleep_until USEC: sleep until $EPOCHREALTIME (without the dot) is USEC.
sleep_until() {
	local d=$(( $1 - ${EPOCHREALTIME/./} ))
	[ $d -le 0 ] || sleep "$(printf '%d.%06d' $((d / 1000000)) $((d % 1000000)))"
}

tcpdump_pid=
cleanup() {
	local p
	for p in "${pid[@]}" $tcpdump_pid; do
		kill "$p" 2>/dev/null || true
	done
	[ -z "$tcpdump_pid" ] || wait "$tcpdump_pid" 2>/dev/null || true
	ip -b - 2>/dev/null <<-EOF || true
	netns del client
	netns del server
	EOF
}
trap cleanup EXIT

step "Load the ATCP module into the VM's kernel ($(</proc/sys/kernel/osrelease))"
echo "atcp-demo: start" >/dev/kmsg	# the unload step checks dmesg from here
run insmod "$module"
say "socket(AF_INET, SOCK_STREAM, $(</sys/module/atcp/parameters/proto)) now makes an ATCP socket."
say "The kernel's own TCP (protocol 6) is untouched: the two share nothing."

step "Two network namespaces, client and server, joined by a veth pair"
# One `ip` per namespace: every program started costs under emulation.
ip -b - <<EOF
netns add client
netns add server
link add veth-c netns client type veth peer name veth-s netns server
EOF
ip -n client -b - <<EOF
addr add 10.0.1.1/24 dev veth-c
link set veth-c up
EOF
ip -n server -b - <<EOF
addr add 10.0.1.2/24 dev veth-s
link set veth-s up
EOF
# The server and the clients start now (they are slow to), and the
# clients wait for `go` to connect.
start server server python3 -S demo/peer.py server 10.0.1.2 8080 8081 "$tmp/received"
start upload client python3 -S demo/peer.py send 10.0.1.2 8080 "$tmp/upload"
start idle client python3 -S demo/peer.py idle 10.0.1.2 8081
ip netns exec client tcpdump -i veth-c -U -w "$pcap" 'ip proto 253' \
	>"$out/tcpdump.log" 2>&1 &
tcpdump_pid=$!
head -c 256K /dev/urandom >"$tmp/upload"
say "client 10.0.1.1 (veth-c) <---> server 10.0.1.2 (veth-s); tcpdump records"
say "the client's veth. A prompt \"client#\" means: ip netns exec client ..."

step "A server listens on 10.0.1.2, ports 8080 and 8081"
hear server
on server tools/atcpss/atcpss -tan
say "The server (demo/peer.py) is plain socket code with protocol 253. atcpss"
say "lists ATCP sockets as ss -tan does TCP's; Send-Q of a LISTEN is its backlog."

step "The client connects and uploads a 256 KiB file"
for _ in {1..100}; do
	grep -q listening "$out/tcpdump.log" && break
	sleep 0.2
done
go upload
hear upload
hear server
hear upload
on server tools/atcpss/atcpss -tan
on client tools/atcpss/atcpss -tni
say "ESTAB on both sides. -i adds what the connection has learnt: options"
say "(timestamps, SACK, window scaling), RTT, congestion window, bytes acked."

step "The client closes first: its side of the connection stays in TIME-WAIT"
go upload
hear upload
hear server
on client tools/atcpss/atcpss -tano state time-wait
say "The side that closes first keeps a TIME-WAIT entry for 2 x net.atcp.msl"
say "(60 s), so that stray segments of this connection cannot hit a new one."
run sha256sum "$tmp/upload" "$tmp/received"
say "The same hash on both sides: the server got exactly what was sent."

step "The upload on the wire: IP protocol 253, TCP segments inside"
run python3 -S demo/pcapview.py --port 8080 --head 5 --tail 4 "$pcap"
say "Handshake, data, then FIN from each side. The checksums verify as TCP's,"
say "so tshark -d ip.proto==253,tcp decodes it (make demo runs it at the end)."

step "A sysctl at work: keepalive, in the client namespace only"
on client sysctl -w net.atcp.keepalive_time=2 net.atcp.keepalive_intvl=1 \
	net.atcp.keepalive_probes=3
on server sysctl net.atcp.keepalive_time
say "Each namespace has its own net.atcp.*: the server keeps the default 7200 s."
go idle
hear idle
hear server
on client tools/atcpss/atcpss -tno dport = :8081
say "timer:(keepalive, time left, unanswered probes); ss and atcpss write"
say "1.5 s as 1.500ms. The client watches tcp_info for the probe's answer:"
hear idle

step "Cut the path: from now on everything the server sends is lost"
t=${EPOCHREALTIME/./}
on server tc qdisc add dev veth-s root netem loss 100%
sleep_until $((t + 2500000))	# the next probe is due 2 s after the answer
on client tools/atcpss/atcpss -tno dport = :8081
say "Probes go unanswered; after 3 of them, 1 s apart, the client gives up:"
hear idle
run python3 -S demo/pcapview.py --port 8081 "$pcap"
say "A probe carries the sequence number of a byte the peer already has, and"
say "no data, so the peer must answer. The client's last word is a RST."

step "Counters of the client namespace (/proc/net/atcp_stat, non-zero ones)"
on client python3 -S demo/atcpview.py stat
say "KeepAlive counts probes sent, KeepaliveTimeouts the connections they ended."

step "Stop the programs, delete the namespaces, unload"
cleanup
trap - EXIT
# The sockets end with the processes; their last FIN and RST take a moment.
for _ in {1..50}; do
	[ "$(</sys/module/atcp/refcnt)" = 0 ] && break
	sleep 0.2
done
run rmmod atcp
log=$(dmesg)
log=${log#*atcp-demo: start}
if [ ! -e /sys/module/atcp ] &&
   ! [[ $log =~ BUG:|WARNING:|KASAN|UBSAN|Oops|"circular locking" ]]; then
	say "atcp is gone from /sys/module, and this debug kernel (KASAN, lockdep,"
	say "UBSAN) logged no warning: no socket, timer or TIME-WAIT entry left behind."
else
	say "UNLOAD PROBLEM; the kernel log since the module was loaded:"
	printf '%s\n' "$log" | tail -30
	exit 1
fi
