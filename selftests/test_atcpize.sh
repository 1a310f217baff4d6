#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/atcpize: unmodified programs, run under the LD_PRELOAD shim, talk
# ATCP (IP protocol $ATCP_PROTO) between two namespaces (ns1 client, ns2
# server), and never TCP:
#   * the shim itself (one python3 process under atcpize): socket() with
#     protocol 0 or IPPROTO_TCP, AF_INET and AF_INET6, with SOCK_NONBLOCK |
#     SOCK_CLOEXEC, gives a socket listed in /proc/net/atcp{,6} and not in
#     /proc/net/tcp{,6}; SO_PROTOCOL reports IPPROTO_TCP on it and on an
#     accepted socket; UDP, unix and raw sockets are untouched;
#   * socat (IPv4 and IPv6) and python3 -m http.server + curl: the
#     listener shows up in ns2's /proc/net/atcp, the connection counts in
#     both namespaces' /proc/net/atcp_stat (ActiveOpens, PassiveOpens,
#     InSegs), and /proc/net/snmp's Tcp counters do not move at all;
#   * the transferred data arrive intact (256 KiB through socat, a file
#     fetched by curl), and the programs exit 0 -- these need ATCP's data
#     path (send/recv/shutdown);
#   * no fallback: with ATCP_PROTO naming a number nobody registered,
#     socket() fails and the shim says why;
#   * iperf3 (a control connection and a data connection, getsockopt of
#     TCP_MAXSEG, TCP_CONGESTION, TCP_INFO, SO_SNDBUF/SO_RCVBUF, setsockopt
#     TCP_NODELAY) and sockperf ping-pong --tcp (TCP_NODELAY on both ends)
#     under atcpize: ATCP only (listener, counters, no TCP), the sender
#     wrote at least the bytes asked for (-n) and the receiver got some, the
#     ping-pong has observations and no dropped, duplicated or reordered
#     message; then the same runs, and the curl fetch, over plain TCP
#     (listener in /proc/net/tcp, ATCP counters still).  The two protocols'
#     numbers (Mbit/s, latency) are printed side by side, never compared:
#     the CPU is emulated and the kernel has every debug option;
#   * git daemon (a child forked per connection) and git clone: the clone
#     has the right HEAD and file and passes fsck, over ATCP and over TCP;
#   * iperf3 -R -P 2 -Z -C reno -N -M 1200 -w 128K over ATCP: the server
#     sends with sendfile(2) on two data connections, and the data sockets
#     take TCP_CONGESTION, TCP_NODELAY, SO_SNDBUF and SO_RCVBUF (the
#     client's also TCP_MAXSEG); both ends report reno.
# The reports of those runs are kept in $ATCP_TEST_OUT.
# Needs socat, curl, git, iperf3, sockperf and python3 on the host (the VM's
# root file system); whatever is missing is skipped.
#
# atcp-timeout: 420
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

ATCPIZE=$ATCP_ROOT/tools/atcpize/atcpize
LIB=$ATCP_ROOT/tools/atcpize/libatcpize.so
[ -f "$LIB" ] || bail_out "$LIB is not built (make -C tools)"
need_cmd socat

atcp_ensure_loaded || bail_out "cannot load $ATCP_KO"
ns_setup || bail_out "cannot set up namespaces"

# ------------------------------------------------------------- helpers ----

# tcp_snmp NS NAME: one Tcp counter of NS's /proc/net/snmp.
tcp_snmp() {
	local dir line names=() vals=() i
	dir=$(ns_proc_net "$1") || return 1
	while read -r -a line; do
		[ "${line[0]}" = Tcp: ] || continue
		if [ ${#names[@]} = 0 ]; then names=("${line[@]}"); else vals=("${line[@]}"); fi
	done <"$dir/snmp"
	for ((i = 1; i < ${#names[@]}; i++)); do
		[ "${names[$i]}" = "$2" ] && { echo "${vals[$i]}"; return 0; }
	done
	return 1
}

# listed NS FILE PORT [STATE]: a socket with local port PORT (and state
# STATE, hex as in the file, e.g. 0A = LISTEN) in NS's /proc/net/FILE.
listed() {
	local dir f=$2 port st=${4:-} line
	dir=$(ns_proc_net "$1") || return 1
	printf -v port '%04X' "$3"
	[ -r "$dir/$f" ] || return 1
	while read -r -a line; do
		[[ ${line[1]:-} == *:$port ]] || continue
		[ -z "$st" ] || [ "${line[3]}" = "$st" ] || continue
		return 0
	done <"$dir/$f"
	return 1
}

# snap NAME: remember ATCP and TCP counters of both namespaces as NAME.
declare -A SNAP
COUNTERS="ActiveOpens PassiveOpens InSegs OutSegs"
snap() {
	local ns c
	for ns in "$NS1" "$NS2"; do
		for c in $COUNTERS; do
			SNAP[$1.$ns.atcp.$c]=$(atcp_stat "$ns" "$c")
			SNAP[$1.$ns.tcp.$c]=$(tcp_snmp "$ns" "$c")
		done
	done
}
# delta BEFORE AFTER NS atcp|tcp COUNTER
delta() {
	echo $(( ${SNAP[$2.$3.$4.$5]:-0} - ${SNAP[$1.$3.$4.$5]:-0} ))
}

# check_counters WHAT BEFORE AFTER [N]: the traffic between the two
# snapshots was ATCP (N connections, default 1, opened on each side of
# the handshake, segments counted by ATCP) and nothing at all was TCP.
check_counters() {
	local what=$1 a=$2 b=$3 n=${4:-1} ns c d tcp=""
	d="ns1 ActiveOpens $(delta "$a" "$b" "$NS1" atcp ActiveOpens), ns2 PassiveOpens $(delta "$a" "$b" "$NS2" atcp PassiveOpens), ns1 InSegs $(delta "$a" "$b" "$NS1" atcp InSegs), ns2 InSegs $(delta "$a" "$b" "$NS2" atcp InSegs)"
	if [ "$(delta "$a" "$b" "$NS1" atcp ActiveOpens)" -ge "$n" ] &&
	   [ "$(delta "$a" "$b" "$NS2" atcp PassiveOpens)" -ge "$n" ] &&
	   [ "$(delta "$a" "$b" "$NS1" atcp InSegs)" -ge 1 ] &&
	   [ "$(delta "$a" "$b" "$NS2" atcp InSegs)" -ge 1 ]; then
		ok "$what: connection counted in /proc/net/atcp_stat of both namespaces"
	else
		not_ok "$what: connection counted in /proc/net/atcp_stat of both namespaces" "$d"
	fi
	for ns in "$NS1" "$NS2"; do
		for c in $COUNTERS; do
			d=$(delta "$a" "$b" "$ns" tcp "$c")
			[ "$d" = 0 ] || tcp+=" $ns:$c+$d"
		done
	done
	if [ -z "$tcp" ]; then
		ok "$what: no TCP at all (/proc/net/snmp Tcp counters unchanged)"
	else
		not_ok "$what: no TCP at all (/proc/net/snmp Tcp counters unchanged)" "moved:$tcp"
	fi
}

# check_tcp_counters WHAT BEFORE AFTER [N]: the comparison run really was
# TCP: N connections in /proc/net/snmp's Tcp counters, and ATCP's
# counters did not move.
check_tcp_counters() {
	local what=$1 a=$2 b=$3 n=${4:-1} ns c d atcp=""
	d="ns1 ActiveOpens $(delta "$a" "$b" "$NS1" tcp ActiveOpens), ns2 PassiveOpens $(delta "$a" "$b" "$NS2" tcp PassiveOpens)"
	for ns in "$NS1" "$NS2"; do
		for c in $COUNTERS; do
			d=$(delta "$a" "$b" "$ns" atcp "$c")
			[ "$d" = 0 ] || atcp+=" $ns:$c+$d"
		done
	done
	if [ "$(delta "$a" "$b" "$NS1" tcp ActiveOpens)" -ge "$n" ] &&
	   [ "$(delta "$a" "$b" "$NS2" tcp PassiveOpens)" -ge "$n" ] &&
	   [ -z "$atcp" ]; then
		ok "$what: TCP only (/proc/net/snmp counts it, atcp_stat unchanged)"
	else
		not_ok "$what: TCP only (/proc/net/snmp counts it, atcp_stat unchanged)" \
			"tcp: $d" "atcp moved:${atcp:- no}"
	fi
}

# passive_grew SNAP: ns2's ATCP PassiveOpens is above its value in SNAP.
passive_grew() {
	[ "$(atcp_stat "$NS2" PassiveOpens)" -gt "${SNAP[$1.$NS2.atcp.PassiveOpens]:-0}" ]
}
# tcp_passive_grew SNAP: the same for TCP's PassiveOpens.
tcp_passive_grew() {
	[ "$(tcp_snmp "$NS2" PassiveOpens)" -gt "${SNAP[$1.$NS2.tcp.PassiveOpens]:-0}" ]
}

# atcp_listening WHAT PORT LOG [SECS]: WHAT's listener on PORT shows up in
# ns2's /proc/net/atcp within SECS (60) seconds; else LOG says why.
atcp_listening() {
	if wait_until "${4:-60}" listed "$NS2" atcp "$2" 0A; then
		ok "$1: the listener is in ns2's /proc/net/atcp"
	else
		not_ok "$1: the listener is in ns2's /proc/net/atcp" "$(cat "$3")"
	fi
}

gone() { ! kill -0 "$1" 2>/dev/null; }

# wait_exit PID SECS: wait for a background job; its exit status, or 124
# if it is still running after SECS (then it is killed).
wait_exit() {
	if wait_until "$2" gone "$1"; then
		wait "$1"
		return $?
	fi
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 124
}

# ---------------------------------------------------- 1. the shim itself ----

# One python process does the socket work; it runs in ns1 under atcpize.
read -r -d '' SHIM_PY <<'EOF'
import os, socket, sys
from socket import *
PROTO = int(os.environ.get("ATCP_PROTO", "253"))
def res(ok, desc, why=""):
    print(("PASS " if ok else "FAIL ") + desc)
    if not ok and why:
        print(why)
def listed(name, port, st=None):
    try:
        with open("/proc/net/" + name) as f:
            next(f)
            for line in f:
                p = line.split()
                if int(p[1].rsplit(":", 1)[1], 16) == port and (st is None or p[3] == st):
                    return True
    except FileNotFoundError:
        pass
    return False
try:
    s = socket(AF_INET, SOCK_STREAM)
    s.bind(("127.0.0.1", 0)); s.listen(8)
    port = s.getsockname()[1]
    res(listed("atcp", port, "0A") and not listed("tcp", port),
        "shim: socket(AF_INET, SOCK_STREAM, 0) is ATCP (/proc/net/atcp lists it, tcp does not)")
    v = s.getsockopt(SOL_SOCKET, SO_PROTOCOL)
    res(v == IPPROTO_TCP, "shim: SO_PROTOCOL reports IPPROTO_TCP", "got %d" % v)
    c = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
    c.connect(("127.0.0.1", port))
    a, _ = s.accept()
    res(listed("atcp", c.getsockname()[1], "01") and listed("atcp", port, "01"),
        "shim: IPPROTO_TCP client and its accepted peer are ATCP, ESTABLISHED")
    v = a.getsockopt(SOL_SOCKET, SO_PROTOCOL)
    res(v == IPPROTO_TCP, "shim: SO_PROTOCOL of an accepted socket reports IPPROTO_TCP", "got %d" % v)
    s6 = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP)
    s6.bind(("::1", 0)); s6.listen(8)
    port6 = s6.getsockname()[1]
    res(listed("atcp6", port6, "0A") and not listed("tcp6", port6),
        "shim: socket(AF_INET6, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC, IPPROTO_TCP) is ATCP")
    u = socket(AF_INET, SOCK_DGRAM)
    v = u.getsockopt(SOL_SOCKET, SO_PROTOCOL)
    res(v == IPPROTO_UDP, "shim: UDP sockets are untouched", "SO_PROTOCOL %d" % v)
    x = socket(AF_UNIX, SOCK_STREAM)
    x.bind("\0atcpize-selftest"); x.listen(1)
    y = socket(AF_UNIX, SOCK_STREAM); y.connect("\0atcpize-selftest")
    z, _ = x.accept(); y.send(b"unix"); 
    res(z.recv(4) == b"unix", "shim: unix stream sockets are untouched")
    r = socket(AF_INET, SOCK_RAW, PROTO)
    v = r.getsockopt(SOL_SOCKET, SO_PROTOCOL)
    res(v == PROTO, "shim: SO_PROTOCOL of a raw socket for protocol %d is not rewritten" % PROTO,
        "got %d" % v)
except Exception as e:
    res(False, "shim: socket calls under atcpize", "%s: %s" % (type(e).__name__, e))
EOF

if command -v python3 >/dev/null; then
	tap_import < <(nsx "$NS1" "$ATCPIZE" "$PY" -S -c "$SHIM_PY" 2>&1)
else
	skip "shim: socket calls under atcpize" "python3 not installed"
fi

# ------------------------------------------------------- 2. socat, IPv4 ----

head -c 262144 /dev/urandom >"$TEST_TMP/blob" || bail_out "cannot make test data"
PORT=7001
rm -f "$TEST_TMP/socat4.out"
snap s4a
nsx "$NS2" "$ATCPIZE" socat -u "TCP4-LISTEN:$PORT,bind=$IP2,reuseaddr" \
	"OPEN:$TEST_TMP/socat4.out,creat,trunc" 2>"$TEST_TMP/socat4-server.err" &
srv=$!
atcp_listening "socat (IPv4)" $PORT "$TEST_TMP/socat4-server.err" 30
if listed "$NS2" tcp $PORT; then
	not_ok "socat (IPv4): no listener in ns2's /proc/net/tcp"
else
	ok "socat (IPv4): no listener in ns2's /proc/net/tcp"
fi
nsx "$NS1" timeout 60 "$ATCPIZE" socat -u "OPEN:$TEST_TMP/blob" "TCP4:$IP2:$PORT" \
	2>"$TEST_TMP/socat4-client.err"
crc=$?
wait_exit $srv 30
src=$?
# The passive side counts the connection when the handshake's last ACK
# arrives: give it a moment.
wait_until 10 passive_grew s4a
snap s4b
check_counters "socat (IPv4)" s4a s4b
# -- the data path --
if [ $crc = 0 ] && [ $src = 0 ]; then
	ok "socat (IPv4): client and server exit 0 [data path]"
else
	not_ok "socat (IPv4): client and server exit 0 [data path]" \
		"client exit $crc: $(cat "$TEST_TMP/socat4-client.err")" \
		"server exit $src: $(cat "$TEST_TMP/socat4-server.err")"
fi
if cmp -s "$TEST_TMP/blob" "$TEST_TMP/socat4.out"; then
	ok "socat (IPv4): 256 KiB arrive intact [data path]"
else
	not_ok "socat (IPv4): 256 KiB arrive intact [data path]" \
		"received $(stat -c %s "$TEST_TMP/socat4.out" 2>/dev/null || echo no) bytes"
fi

# ------------------------------------------------------- 3. socat, IPv6 ----

PORT=7002
MSG="hello over ATCP/IPv6"
rm -f "$TEST_TMP/socat6.out"
snap s6a
nsx "$NS2" "$ATCPIZE" socat -u "TCP6-LISTEN:$PORT,bind=[$IP6_2],reuseaddr" \
	"OPEN:$TEST_TMP/socat6.out,creat,trunc" 2>"$TEST_TMP/socat6-server.err" &
srv=$!
if wait_until 30 listed "$NS2" atcp6 $PORT 0A; then
	ok "socat (IPv6): the listener is in ns2's /proc/net/atcp6"
else
	not_ok "socat (IPv6): the listener is in ns2's /proc/net/atcp6" "$(cat "$TEST_TMP/socat6-server.err")"
fi
echo "$MSG" | nsx "$NS1" timeout 60 "$ATCPIZE" socat -u STDIN "TCP6:[$IP6_2]:$PORT" \
	2>"$TEST_TMP/socat6-client.err"
crc=$?
wait_exit $srv 30
src=$?
wait_until 10 passive_grew s6a
snap s6b
check_counters "socat (IPv6)" s6a s6b
if [ $crc = 0 ] && [ $src = 0 ] && [ "$(cat "$TEST_TMP/socat6.out" 2>/dev/null)" = "$MSG" ]; then
	ok "socat (IPv6): the message arrives, both exit 0 [data path]"
else
	not_ok "socat (IPv6): the message arrives, both exit 0 [data path]" \
		"client exit $crc: $(cat "$TEST_TMP/socat6-client.err")" \
		"server exit $src: $(cat "$TEST_TMP/socat6-server.err")"
fi

# --------------------------------------------- 4. python http.server + curl ----

T0=$SECONDS
PORT=8000
TPORT=8001		# the same server over plain TCP, for comparison
CURL_W='%{size_download} %{time_total} %{speed_download}\n'
if ! command -v python3 >/dev/null || ! command -v curl >/dev/null; then
	skip "http.server + curl" "python3 or curl not installed"
else
	mkdir -p "$TEST_TMP/www"
	cp "$TEST_TMP/blob" "$TEST_TMP/www/blob"
	snap ha
	nsx "$NS2" "$ATCPIZE" "$PY" -S -m http.server --bind "$IP2" --directory "$TEST_TMP/www" $PORT \
		>"$TEST_TMP/httpd.log" 2>&1 &
	httpd=$!
	on_exit "kill $httpd"
	# The TCP twin starts at the same time: python3 takes seconds to
	# start under emulation.  A listener moves no counter.
	nsx "$NS2" "$PY" -S -m http.server --bind "$IP2" --directory "$TEST_TMP/www" $TPORT \
		>"$TEST_TMP/httpd-tcp.log" 2>&1 &
	httpd_tcp=$!
	on_exit "kill $httpd_tcp"
	atcp_listening http.server $PORT "$TEST_TMP/httpd.log"
	nsx "$NS1" "$ATCPIZE" curl -sS --max-time 60 -o "$TEST_TMP/curl.out" -w "$CURL_W" \
		"http://$IP2:$PORT/blob" >"$TEST_TMP/curl-atcp.w" 2>"$TEST_TMP/curl.err"
	crc=$?
	wait_until 10 passive_grew ha
	snap hb
	check_counters "http.server + curl" ha hb
	if [ $crc = 0 ] && cmp -s "$TEST_TMP/blob" "$TEST_TMP/curl.out"; then
		ok "http.server + curl: the file arrives intact, curl exits 0 [data path]"
	else
		not_ok "http.server + curl: the file arrives intact, curl exits 0 [data path]" \
			"curl exit $crc: $(cat "$TEST_TMP/curl.err")" \
			"http.server: $(tail -5 "$TEST_TMP/httpd.log")"
	fi
	kill $httpd 2>/dev/null
	wait $httpd 2>/dev/null

	# The same fetch over TCP.
	rm -f "$TEST_TMP/curl.out"
	if wait_until 30 listed "$NS2" tcp $TPORT 0A; then
		snap hta
		nsx "$NS1" curl -sS --max-time 60 -o "$TEST_TMP/curl.out" -w "$CURL_W" \
			"http://$IP2:$TPORT/blob" >"$TEST_TMP/curl-tcp.w" 2>"$TEST_TMP/curl.err"
		crc=$?
		wait_until 10 tcp_passive_grew hta
		snap htb
		check_tcp_counters "http.server + curl over TCP (comparison)" hta htb
		if [ $crc = 0 ] && cmp -s "$TEST_TMP/blob" "$TEST_TMP/curl.out"; then
			ok "http.server + curl over TCP: the file arrives intact"
		else
			not_ok "http.server + curl over TCP: the file arrives intact" \
				"curl exit $crc: $(cat "$TEST_TMP/curl.err")"
		fi
	else
		not_ok "http.server over TCP: the listener is in ns2's /proc/net/tcp" \
			"$(cat "$TEST_TMP/httpd-tcp.log")"
	fi
	kill $httpd_tcp 2>/dev/null
	wait $httpd_tcp 2>/dev/null
	diag "http.server + curl, ATCP and TCP: $((SECONDS - T0)) s"
fi

# ------------------------------------------ 4b. git daemon + git clone ----

# git daemon forks a child per connection (accept(), then fork and exec
# of upload-pack with the socket as its stdin/stdout); git clone hands
# the pack to index-pack.  A repository with a 256 KiB file and three
# commits, cloned over ATCP and then over TCP.
GPORT=9418
GTPORT=9419
if ! command -v git >/dev/null; then
	skip "git daemon + git clone" "git not installed"
else
	T0=$SECONDS
	G=$TEST_TMP/git
	export GIT_AUTHOR_NAME=atcp GIT_AUTHOR_EMAIL=atcp@example.org \
		GIT_COMMITTER_NAME=atcp GIT_COMMITTER_EMAIL=atcp@example.org \
		GIT_CONFIG_NOSYSTEM=1 HOME=$TEST_TMP
	if git init -q "$G/src" && cp "$TEST_TMP/blob" "$G/src/blob" &&
	   git -C "$G/src" add blob && git -C "$G/src" commit -qm one &&
	   git -C "$G/src" commit -q --allow-empty -m two &&
	   git -C "$G/src" commit -q --allow-empty -m three &&
	   git clone -q --bare "$G/src" "$G/repo.git"; then
		want=$(git -C "$G/src" rev-parse HEAD)
		snap ga
		ip netns exec "$NS2" "$ATCPIZE" git daemon --reuseaddr --export-all \
			--base-path="$G" --listen="$IP2" --port=$GPORT "$G" \
			>"$TEST_TMP/gitd.log" 2>&1 &
		gitd=$!
		on_exit "kill $gitd"
		ip netns exec "$NS2" git daemon --reuseaddr --export-all \
			--base-path="$G" --listen="$IP2" --port=$GTPORT "$G" \
			>"$TEST_TMP/gitd-tcp.log" 2>&1 &
		gitd_tcp=$!
		on_exit "kill $gitd_tcp"
		atcp_listening "git daemon" $GPORT "$TEST_TMP/gitd.log"
		t1=$SECONDS
		nsx "$NS1" timeout 120 "$ATCPIZE" git clone -q "git://$IP2:$GPORT/repo.git" "$G/clone" \
			>"$TEST_TMP/gitc.log" 2>&1
		grc=$?
		t_atcp=$((SECONDS - t1))
		wait_until 10 passive_grew ga
		snap gb
		check_counters "git daemon + git clone" ga gb
		got=$(git -C "$G/clone" rev-parse HEAD 2>/dev/null)
		if [ $grc = 0 ] && [ "$got" = "$want" ] &&
		   cmp -s "$TEST_TMP/blob" "$G/clone/blob" &&
		   git -C "$G/clone" fsck --strict --no-progress >/dev/null 2>&1; then
			ok "git clone over ATCP: exit 0, HEAD $want, the file intact, fsck clean [data path]"
		else
			not_ok "git clone over ATCP: exit 0, HEAD $want, the file intact, fsck clean [data path]" \
				"git clone exit $grc, HEAD ${got:-none}: $(cat "$TEST_TMP/gitc.log")" \
				"git daemon: $(tail -5 "$TEST_TMP/gitd.log")"
		fi
		# The same clone over TCP, for the timing.
		if wait_until 30 listed "$NS2" tcp $GTPORT 0A; then
			t1=$SECONDS
			nsx "$NS1" timeout 120 git clone -q "git://$IP2:$GTPORT/repo.git" "$G/clone-tcp" \
				>"$TEST_TMP/gitc-tcp.log" 2>&1
			grc=$?
			t_tcp=$((SECONDS - t1))
			if [ $grc = 0 ] && cmp -s "$TEST_TMP/blob" "$G/clone-tcp/blob"; then
				ok "git clone over TCP (comparison): exit 0, the file intact"
			else
				not_ok "git clone over TCP (comparison): exit 0, the file intact" \
					"git clone exit $grc: $(cat "$TEST_TMP/gitc-tcp.log")"
			fi
			diag "git clone (256 KiB, 3 commits), wall clock with process start-up: ATCP ${t_atcp} s, TCP ${t_tcp} s"
		else
			not_ok "git daemon over TCP: the listener is in ns2's /proc/net/tcp" \
				"$(cat "$TEST_TMP/gitd-tcp.log")"
		fi
		kill $gitd $gitd_tcp 2>/dev/null
		wait $gitd $gitd_tcp 2>/dev/null
	else
		not_ok "git: a test repository" "git init/commit failed"
	fi
	diag "git daemon + git clone, ATCP and TCP: $((SECONDS - T0)) s"
fi

# ------------------------------------------------------- 5. no fallback ----

# A protocol number that nobody registered: socket() must fail, not turn
# into TCP, and the shim must say why.
snap na
ATCP_PROTO=252 nsx "$NS1" timeout 30 "$ATCPIZE" socat -u /dev/null "TCP4:$IP2:7003" \
	>"$TEST_TMP/nofb.out" 2>&1
rc=$?
snap nb
out=$(cat "$TEST_TMP/nofb.out")
if [ $rc != 0 ] && [[ $out == *"atcpize"*"IP protocol 252"* ]] &&
   [ "$(delta na nb "$NS1" tcp ActiveOpens)" = 0 ]; then
	ok "no fallback to TCP: an unregistered ATCP_PROTO makes socket() fail, with a message"
else
	not_ok "no fallback to TCP: an unregistered ATCP_PROTO makes socket() fail, with a message" \
		"socat exit $rc: $out"
fi

# ------------------------------------- 6. iperf3 and sockperf, ATCP and TCP ----

# Each tool runs under atcpize, then over plain TCP right after, between
# the same namespaces.  Every server starts at once (a start costs seconds
# under emulation; an idle server moves no counter), with `ip netns exec`
# directly (not nsx, a function: `nsx ... &` would be a subshell), so that
# the PID is the server itself (atcpize execs the program).  The clients
# run one at a time.  The results are read by one python process at the
# end (section 7).
IPERF_BYTES=$((4 * 1048576))
OPTS_BYTES=1048576	# the run with socket options:
OPTS=(-R -P 2 -Z -C reno -N -M 1200 -w 128K)
SOCKPERF_T=3
declare -A SRV_PID SRV_MODE SRV_PORT

# start_server NAME atcp|tcp PORT CMD...: CMD in ns2, under atcpize for
# atcp; its output in NAME-server.out.
start_server() {
	local name=$1 mode=$2 port=$3 pre=()
	shift 3
	[ "$mode" = atcp ] && pre=("$ATCPIZE")
	ip netns exec "$NS2" "${pre[@]}" "$@" >"$TEST_TMP/$name-server.out" 2>&1 &
	SRV_PID[$name]=$!
	SRV_MODE[$name]=$mode
	SRV_PORT[$name]=$port
	on_exit "kill -KILL ${SRV_PID[$name]}"
}

# server_up NAME DESC: NAME's listener is in ns2's /proc/net/atcp (and not
# in /proc/net/tcp) or, for a TCP server, in /proc/net/tcp.
server_up() {
	local name=$1 desc=$2 port=${SRV_PORT[$1]} out="$TEST_TMP/$1-server.out"
	if [ "${SRV_MODE[$name]}" = atcp ]; then
		if wait_until 60 listed "$NS2" atcp "$port" 0A && ! listed "$NS2" tcp "$port"; then
			ok "$desc: the server listens in ns2's /proc/net/atcp, not in /proc/net/tcp"
			return 0
		fi
		not_ok "$desc: the server listens in ns2's /proc/net/atcp, not in /proc/net/tcp" \
			"$(cat "$out" 2>/dev/null)"
		return 1
	fi
	wait_until 60 listed "$NS2" tcp "$port" 0A && return 0
	not_ok "$desc: the server listens in ns2's /proc/net/tcp" "$(cat "$out" 2>/dev/null)"
	return 1
}

# stop_server NAME: the servers' own reports are not needed: SIGKILL.
stop_server() {
	kill -KILL "${SRV_PID[$1]}" 2>/dev/null
	wait "${SRV_PID[$1]}" 2>/dev/null
}

# check_run NAME DESC N: the counters of the run between snapshots NAMEa
# and NAMEb: ATCP only, or TCP only for a TCP server; N connections.
check_run() {
	if [ "${SRV_MODE[$1]}" = atcp ]; then
		check_counters "$2" "${1}a" "${1}b" "$3"
	else
		check_tcp_counters "$2" "${1}a" "${1}b" "$3"
	fi
}

# run_iperf3 NAME BYTES CONNS DESC [CLIENT-OPTION...]: the client in ns1
# moves BYTES (-n) to or from NAME's server (iperf3 -s -1, which exits
# after one test) over CONNS connections (control and data); the
# client's JSON report is NAME.json.
run_iperf3() {
	local name=$1 bytes=$2 conns=$3 desc=$4 pre=() crc src t0=$SECONDS
	shift 4
	server_up "$name" "$desc" || { stop_server "$name"; return; }
	[ "${SRV_MODE[$name]}" = atcp ] && pre=("$ATCPIZE")
	snap "${name}a"
	nsx "$NS1" timeout 120 "${pre[@]}" iperf3 -c "$IP2" -p "${SRV_PORT[$name]}" \
		-n "$bytes" -J "$@" >"$TEST_TMP/$name.json" 2>"$TEST_TMP/$name.err"
	crc=$?
	wait_exit "${SRV_PID[$name]}" 30
	src=$?
	echo "$crc $src" >"$TEST_TMP/$name.rc"
	[ $crc = 0 ] || diag "iperf3 client ($name): $(cat "$TEST_TMP/$name.err")"
	[ $src = 0 ] || diag "iperf3 server ($name): $(tail -5 "$TEST_TMP/$name-server.out")"
	snap "${name}b"
	diag "$desc: $((SECONDS - t0)) s"
	check_run "$name" "$desc" "$conns"
}

# run_sockperf NAME DESC: sockperf ping-pong --tcp for SOCKPERF_T seconds
# against NAME's server; the client's output is NAME.out.
run_sockperf() {
	local name=$1 desc=$2 pre=() crc t0=$SECONDS
	server_up "$name" "$desc" || { stop_server "$name"; return; }
	[ "${SRV_MODE[$name]}" = atcp ] && pre=("$ATCPIZE")
	snap "${name}a"
	nsx "$NS1" timeout 60 "${pre[@]}" sockperf ping-pong --tcp -i "$IP2" \
		-p "${SRV_PORT[$name]}" -t "$SOCKPERF_T" >"$TEST_TMP/$name.out" 2>&1
	crc=$?
	echo "$crc" >"$TEST_TMP/$name.rc"
	stop_server "$name"
	snap "${name}b"
	diag "$desc: $((SECONDS - t0)) s"
	check_run "$name" "$desc" 1
}

have_iperf3=0 have_sockperf=0
command -v iperf3 >/dev/null && have_iperf3=1
command -v sockperf >/dev/null && have_sockperf=1
T0=$SECONDS
if [ $have_iperf3 = 1 ]; then
	start_server iperf3-atcp atcp 5201 iperf3 -s -1 -B "$IP2" -p 5201 -J
	start_server iperf3-tcp tcp 5202 iperf3 -s -1 -B "$IP2" -p 5202 -J
	start_server iperf3-opts atcp 5203 iperf3 -s -1 -B "$IP2" -p 5203 -J
fi
if [ $have_sockperf = 1 ]; then
	start_server sockperf-atcp atcp 11111 sockperf server --tcp -i "$IP2" -p 11111
	start_server sockperf-tcp tcp 11112 sockperf server --tcp -i "$IP2" -p 11112
fi
if [ $have_iperf3 = 1 ]; then
	# A control connection and a data connection.
	run_iperf3 iperf3-atcp "$IPERF_BYTES" 2 "iperf3"
	run_iperf3 iperf3-tcp "$IPERF_BYTES" 2 "iperf3 over TCP (comparison)"
	# The socket options iperf3 sets when asked, on both ends' data
	# sockets: TCP_CONGESTION, TCP_NODELAY, TCP_MAXSEG (the client; the
	# server gets the others through the control connection), SO_SNDBUF
	# and SO_RCVBUF; the server sending (-R) with sendfile(2) (-Z), on two
	# data connections (-P 2).
	run_iperf3 iperf3-opts "$OPTS_BYTES" 3 "iperf3 ${OPTS[*]}" "${OPTS[@]}"
else
	skip "iperf3" "iperf3 not installed"
fi
if [ $have_sockperf = 1 ]; then
	run_sockperf sockperf-atcp "sockperf"
	run_sockperf sockperf-tcp "sockperf over TCP (comparison)"
else
	skip "sockperf" "sockperf not installed"
fi
diag "iperf3 and sockperf, ATCP and TCP: $((SECONDS - T0)) s"

# -------------------------------------------- 7. results, side by side ----

# Checks that each run completed, then the numbers of both protocols as
# "# " lines (tap_import turns them into diagnostics).  Never a check on
# a ratio: under TCG with a debug kernel they say little (make bench).
read -r -d '' RESULTS_PY <<'EOF'
import json, os, re, sys
d, nbytes, obytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
NAME = {"atcp": "ATCP", "tcp": "TCP"}
def res(ok, desc, *why):
    print(("PASS " if ok else "FAIL ") + desc)
    if not ok:
        print(*why, sep="\n")
def text(name):
    try:
        with open(os.path.join(d, name), errors="replace") as f:
            return f.read()
    except OSError:
        return None
num = {}
def iperf3(name, what, nbytes, opts=False):
    rc, raw = text(name + ".rc"), text(name + ".json")
    if rc is None:		# no run (server_up said why)
        return
    extra, why = [], []
    try:
        j = json.loads(raw)
        e, st = j["end"], j["start"]
        sent, rcvd = e["sum_sent"]["bytes"], e["sum_received"]["bytes"]
        num[name] = (e["sum_received"]["bits_per_second"] / 1e6,
                               e["sum_sent"]["bits_per_second"] / 1e6, rcvd)
        why.append("exit status client/server: %s; error: %s" % (
            rc.strip(), j.get("error")))
        if opts:
            # What the sender's and the receiver's data sockets report
            # (getsockopt TCP_CONGESTION, SO_SNDBUF, SO_RCVBUF).  With two
            # streams the sender may overshoot -n by a block per stream.
            got = (e.get("sender_tcp_congestion"),
                   e.get("receiver_tcp_congestion"),
                   st.get("sndbuf_actual", 0), st.get("rcvbuf_actual", 0),
                   st.get("test_start", {}).get("reverse"),
                   len(e.get("streams", [])))
            extra.append(got[:2] == ("reno", "reno") and
                         got[2] >= 131072 and got[3] >= 131072 and
                         got[4:] == (1, 2))
            why.append("congestion sender %s receiver %s, sndbuf %s rcvbuf %s, "
                       "reverse %s, %s streams" % got)
    except (ValueError, KeyError, TypeError) as x:
        sent = rcvd = None
        why.append("exit status %s, no report (%s): %s" % (
            rc.strip(), x, (raw or "").strip()[-300:]))
    # iperf3 documents only that -n ends the test once that many bytes
    # were sent; both ends count in whole blocks (128 KiB) and stop
    # counting when the end of the test reaches them on the control
    # connection, so either count may be a block per stream off the
    # other's (Linux TCP's receiver was seen one block above the sender).
    # So: the sender sent at least -n bytes and the receiver got some.
    res(rc.split() == ["0", "0"] and sent is not None and nbytes <= sent and
        rcvd is not None and rcvd > 0 and all(extra),
        "%s: client and server exit 0, the sender sent at least %d bytes "
        "and the receiver got some%s" % (
            what, nbytes, "; 2 streams, the data sockets report reno and "
            "buffers >= 128 KiB" if opts else ""), *why)
iperf3("iperf3-atcp", "iperf3", nbytes)
iperf3("iperf3-tcp", "iperf3 over TCP (comparison)", nbytes)
iperf3("iperf3-opts", "iperf3 " + sys.argv[4], obytes, opts=True)
for mode in ("atcp", "tcp"):
    what = "sockperf" + ("" if mode == "atcp" else " over TCP (comparison)")
    rc, out = text("sockperf-%s.rc" % mode), text("sockperf-%s.out" % mode)
    if rc is None:
        continue
    out = re.sub(r"\x1b\[[0-9;]*m", "", out or "")
    obs = re.search(r"Total (\d+) observations", out)
    avg = re.search(r"avg-latency=([0-9.]+)", out)
    p99 = re.search(r"percentile 99\.000 = *([0-9.]+)", out)
    loss = re.search(r"# dropped messages = (\d+); # duplicated messages = "
                     r"(\d+); # out-of-order messages = (\d+)", out)
    good = (rc.strip() == "0" and obs and int(obs.group(1)) > 0 and avg and
            p99 and loss and loss.groups() == ("0", "0", "0"))
    res(good, "%s: ping-pong ran, %s observations, no dropped, duplicated "
        "or out-of-order message" % (what, obs.group(1) if obs else "no"),
        "exit status %s; output:" % rc.strip(), *out.strip().split("\n")[-12:])
    if good:
        num["sockperf-" + mode] = (float(avg.group(1)), float(p99.group(1)),
                                 int(obs.group(1)))
for mode in ("atcp", "tcp"):
    w = (text("curl-%s.w" % mode) or "").split()
    if len(w) == 3:
        num["curl-" + mode] = (float(w[2]) * 8 / 1e6, float(w[1]), int(w[0]))
def cell(key, i, fmt):
    v = num.get(key)
    return fmt % v[i] if v else "-"
mib = nbytes >> 20
rows = [("iperf3 %d MiB, receiver Mbit/s" % mib, "iperf3", 0, "%.1f"),
        ("iperf3 %d MiB, sender Mbit/s" % mib, "iperf3", 1, "%.1f"),
        ("iperf3 bytes counted by the receiver", "iperf3", 2, "%d"),
        ("iperf3 %d MiB %s, Mbit/s" % (obytes >> 20, sys.argv[4]),
         "iperf3-opts", 0, "%.1f"),
        ("sockperf ping-pong, avg latency usec", "sockperf", 0, "%.1f"),
        ("sockperf ping-pong, p99 latency usec", "sockperf", 1, "%.1f"),
        ("sockperf ping-pong, observations", "sockperf", 2, "%d"),
        ("curl 256 KiB from http.server, Mbit/s", "curl", 0, "%.2f"),
        ("curl 256 KiB, total seconds", "curl", 1, "%.3f")]
print("ATCP vs TCP, same VM run (TCG, debug kernel: printed, not checked)")
print("%-56s %12s %12s" % ("", "ATCP", "TCP"))
for label, key, i, fmt in rows:
    if key.endswith("-opts"):	# ATCP only
        print("%-56s %12s" % (label, cell(key, i, fmt)))
    else:
        print("%-56s %12s %12s" % (label, cell(key + "-atcp", i, fmt),
                                   cell(key + "-tcp", i, fmt)))
EOF
tap_import < <("$PY" -S -c "$RESULTS_PY" "$TEST_TMP" "$IPERF_BYTES" "$OPTS_BYTES" "${OPTS[*]}" 2>&1)
if [ "$CAP_DIR" != "$TEST_TMP" ]; then
	for f in "$TEST_TMP"/iperf3-* "$TEST_TMP"/sockperf-* "$TEST_TMP"/curl-*.w; do
		[ -e "$f" ] && cp "$f" "$CAP_DIR/"
	done
fi
diag "test_atcpize: $SECONDS s in all"
