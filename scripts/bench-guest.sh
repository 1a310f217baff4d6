#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside the benchmark VM (started by scripts/bench.sh through
# scripts/vm-run.sh; not for the host: it loads a module and makes network
# namespaces).
#
# Usage: scripts/bench-guest.sh OUTDIR KEY=VALUE...
#   ko=PATH       atcp.ko built for this kernel (required)
#   mib=N         bulk: MiB per run (default 64)
#   rr=N          rr: transactions per run (default 5000)
#   crr=N         crr: connections per run (default 500)
#   req=N resp=N  request and response sizes for rr and crr (default 64)
#   reps=N        runs of each test per protocol (default 3), alternating
#                 TCP and ATCP so that drifts hit both alike
#   offload=off   turn off TSO/GSO/GRO on the veth pair (default: on)
#
# Two namespaces, bc (client) and bs (server), joined by a veth pair,
# 10.0.2.1 - 10.0.2.2.  One atcp-bench server per protocol in bs (the same
# port: TCP and ATCP have separate port spaces), the clients in bc.
#
# Output: OUTDIR/bench-results.txt, one line per run:
#   OK TEST PROTO REP <atcp-bench's result line>
#   FAIL TEST PROTO REP <atcp-bench's error message>
# and OUTDIR/bench-env.txt (kernel, CPUs, module parameters),
# counters-{bc,bs}.txt (atcp_stat and the Tcp line of /proc/net/snmp at
# the end), server-{tcp,atcp}.out (the servers' messages).  Progress
# lines on the console start with "[bench]".  Exit status 0 when every run
# was made (failed runs are data, judged by the host), 1 when the set-up
# failed.
set -uo pipefail

out=${1:?usage: bench-guest.sh OUTDIR KEY=VALUE...}
shift
repo=${ATCP_REPO:-$(cd "$(dirname "$0")/.." && pwd)}
bench=$repo/tools/bench/atcp-bench
ko='' mib=64 rr=5000 crr=500 req=64 resp=64 reps=3 offload=on
for kv in "$@"; do
	case "$kv" in
	ko=*|mib=*|rr=*|crr=*|req=*|resp=*|reps=*|offload=*) declare "$kv" ;;
	*) echo "bench-guest: unknown argument '$kv'" >&2; exit 1 ;;
	esac
done
results=$out/bench-results.txt
: >"$results"

say() { echo "[bench] $*"; }
die() { say "SET-UP FAILED: $*"; echo "SETUP-FAILED $*" >>"$results"; exit 1; }

[ -x "$bench" ] || die "$bench is not built"
[ -n "$ko" ] && [ -f "$ko" ] || die "no atcp.ko for this kernel ($ko)"
insmod "$ko" 2>"$out/insmod.err" || die "insmod $ko: $(cat "$out/insmod.err")"
{
	echo "kernel $(uname -r) ($(uname -v))"
	echo "cpus $(nproc)"
	echo "atcp proto $(cat /sys/module/atcp/parameters/proto)"
	echo "tainted $(cat /proc/sys/kernel/tainted)"
	echo "params mib=$mib rr=$rr crr=$crr req=$req resp=$resp reps=$reps offload=$offload"
} >"$out/bench-env.txt"

ip -b - <<-EOF || die "cannot create the namespaces and the veth pair"
	netns add bc
	netns add bs
	link add veth-c netns bc type veth peer name veth-s netns bs
EOF
ip -n bc -b - <<-EOF || die "cannot configure namespace bc"
	addr add 10.0.2.1/24 dev veth-c
	link set lo up
	link set veth-c up
EOF
ip -n bs -b - <<-EOF || die "cannot configure namespace bs"
	addr add 10.0.2.2/24 dev veth-s
	link set lo up
	link set veth-s up
EOF
if [ "$offload" = off ]; then
	ip netns exec bc ethtool -K veth-c tso off gso off gro off >/dev/null &&
		ip netns exec bs ethtool -K veth-s tso off gso off gro off >/dev/null ||
		die "ethtool -K ... off failed"
fi
# Wait for both ends to be up (carrier), then for one ping to pass.
for _ in $(seq 100); do
	ip netns exec bc ping -c1 -W1 10.0.2.2 >/dev/null 2>&1 && break
	sleep 0.2
done
ip netns exec bc ping -c1 -W1 10.0.2.2 >/dev/null 2>&1 || die "no connectivity over the veth pair"

pids=()
for p in tcp atcp; do
	ip netns exec bs "$bench" -s -p $p -l 5201 -T 30 >"$out/server-$p.out" 2>&1 &
	pids+=($!)
done
for p in tcp atcp; do
	for _ in $(seq 100); do
		grep -q listening "$out/server-$p.out" 2>/dev/null && break
		sleep 0.1
	done
done
for p in tcp atcp; do
	grep -q listening "$out/server-$p.out" ||
		say "the $p server did not start: $(cat "$out/server-$p.out")"
done

run() {	# run TEST PROTO REP ARGS...
	local t=$1 p=$2 rep=$3 res rc
	shift 3
	res=$(ip netns exec bc "$bench" -c 10.0.2.2 -l 5201 -T 30 -p "$p" -t "$t" "$@" 2>&1)
	rc=$?
	res=${res//$'\n'/ }
	if [ $rc = 0 ]; then
		echo "OK $t $p $rep $res" >>"$results"
		say "$res"
	else
		echo "FAIL $t $p $rep $res" >>"$results"
		say "$t over $p FAILED: $res"
	fi
}

for ((rep = 1; rep <= reps; rep++)); do
	for p in tcp atcp; do
		run bulk $p $rep -m "$mib"
		run rr $p $rep -n "$rr" -r "$req" -R "$resp"
		run crr $p $rep -n "$crr" -r "$req" -R "$resp"
	done
done

# The counters show that the ATCP runs were ATCP, and their retransmissions.
for ns in bc bs; do
	{
		ip netns exec $ns cat /proc/net/atcp_stat
		ip netns exec $ns cat /proc/net/snmp | grep '^Tcp:'
	} >"$out/counters-$ns.txt" 2>&1
done
kill "${pids[@]}" 2>/dev/null
wait 2>/dev/null
ip netns del bc
ip netns del bs
for _ in $(seq 50); do
	rmmod atcp 2>/dev/null && break
	sleep 0.2
done
dmesg >"$out/dmesg.txt" 2>/dev/null
say "done"
exit 0
