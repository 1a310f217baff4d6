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
#     socket() fails and the shim says why.
# Needs socat, curl and python3 on the host (the VM's root file system);
# whatever is missing is skipped.
#
# atcp-timeout: 300
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

# check_counters WHAT BEFORE AFTER: the traffic between the two snapshots
# was ATCP (one connection opened in each direction of the handshake,
# segments counted by ATCP) and nothing at all was TCP.
check_counters() {
	local what=$1 a=$2 b=$3 ns c d tcp=""
	d="ns1 ActiveOpens $(delta "$a" "$b" "$NS1" atcp ActiveOpens), ns2 PassiveOpens $(delta "$a" "$b" "$NS2" atcp PassiveOpens), ns1 InSegs $(delta "$a" "$b" "$NS1" atcp InSegs), ns2 InSegs $(delta "$a" "$b" "$NS2" atcp InSegs)"
	if [ "$(delta "$a" "$b" "$NS1" atcp ActiveOpens)" -ge 1 ] &&
	   [ "$(delta "$a" "$b" "$NS2" atcp PassiveOpens)" -ge 1 ] &&
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

# passive_grew SNAP: ns2's ATCP PassiveOpens is above its value in SNAP.
passive_grew() {
	[ "$(atcp_stat "$NS2" PassiveOpens)" -gt "${SNAP[$1.$NS2.atcp.PassiveOpens]:-0}" ]
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
if wait_until 30 listed "$NS2" atcp $PORT 0A; then
	ok "socat (IPv4): the listener is in ns2's /proc/net/atcp"
else
	not_ok "socat (IPv4): the listener is in ns2's /proc/net/atcp" "$(cat "$TEST_TMP/socat4-server.err")"
fi
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

PORT=8000
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
	# python3 takes seconds to start under emulation.
	if wait_until 60 listed "$NS2" atcp $PORT 0A; then
		ok "http.server: the listener is in ns2's /proc/net/atcp"
	else
		not_ok "http.server: the listener is in ns2's /proc/net/atcp" "$(cat "$TEST_TMP/httpd.log")"
	fi
	nsx "$NS1" "$ATCPIZE" curl -sS --max-time 60 -o "$TEST_TMP/curl.out" \
		"http://$IP2:$PORT/blob" 2>"$TEST_TMP/curl.err"
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
