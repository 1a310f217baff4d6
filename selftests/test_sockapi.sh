#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The socket API of the data path (issue #4), ATCP and Linux TCP side by
# side in the same run, so that every expectation is shown to be TCP's:
#   * socket options: TCP_KEEPIDLE/KEEPINTVL/KEEPCNT (unset = the sysctls),
#     TCP_LINGER2, TCP_USER_TIMEOUT, TCP_SYNCNT, TCP_MAXSEG, TCP_NODELAY,
#     TCP_CORK, TCP_QUICKACK, TCP_CONGESTION (+ net.atcp.congestion_control),
#     EINVAL for bad values, ENOPROTOOPT for unknown ones (SOL_TCP and
#     level 253), SO_SNDBUF/SO_RCVBUF doubled; IPv4 and IPv6 sockets;
#   * MSG_PEEK, MSG_WAITALL, MSG_DONTWAIT, SO_RCVLOWAT, poll/epoll masks and
#     wake-ups (data, FIN, both shut, RST, writable again);
#   * SO_SNDBUF/SO_RCVBUF honoured: EAGAIN, a blocking writer that waits
#     and resumes, the reader's queue bounded by its buffer;
#   * EPIPE + SIGPIPE (MSG_NOSIGNAL) after shutdown(SHUT_WR) and after the
#     peer's RST, ECONNRESET;
#   * on the wire (captured on ns1's veths): delayed ACK (<= ~40 ms, every
#     second full segment), TCP_QUICKACK, Nagle vs TCP_NODELAY, TCP_CORK,
#     MSG_MORE, segments never above the MSS (route MTU, the peer's and our
#     TCP_MAXSEG, IPv4 and IPv6);
#   * TCP_INFO after traffic over a link with a 40 ms RTT.
# Link A: veth1/veth2 (lib.sh ns_setup), MTU 1500.  Link B: veth3 (ns1) /
# veth4 (ns2), 10.0.2.0/24 and fd01::/64, MTU 1280 (IPv6's minimum), netem
# delay 40 ms on ns2's egress.  The work is done by sockapi_check.py (one python process);
# its captures are saved as sockapi-a.pcap and sockapi-b.pcap.
#
# atcp-timeout: 240
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

MTUB=1280
DELAYB=40

need_cmd tc
atcp_ensure_loaded || bail_out "cannot load $ATCP_KO"
ns_setup || bail_out "cannot set up namespaces"

ip -b - <<-END || bail_out "cannot create link B"
	link add veth3 netns $NS1 mtu $MTUB type veth \
		peer name veth4 netns $NS2 mtu $MTUB
END
ip -n "$NS1" -b - <<-END || bail_out "cannot configure link B in ns1"
	addr add 10.0.2.1/24 dev veth3
	addr add fd01::1/64 dev veth3 nodad
	link set veth3 up
END
ip -n "$NS2" -b - <<-END || bail_out "cannot configure link B in ns2"
	addr add 10.0.2.2/24 dev veth4
	addr add fd01::2/64 dev veth4 nodad
	link set veth4 up
END
tc -n "$NS2" qdisc add dev veth4 root netem delay ${DELAYB}ms limit 10000 ||
	bail_out "cannot add netem on veth4"
link_b_up() {
	[[ $(ip -n "$NS1" -o link show veth3) == *"state UP"* ]]
}
wait_until 30 link_b_up || diag "veth3 is not up yet"

tap_import < <("$PY" -S "$SELFTESTS_DIR/sockapi_check.py" ns1="$NS1" ns2="$NS2" \
	deva="$VETH1" a4="$IP1,$IP2" a6="$IP6_1,$IP6_2" \
	devb=veth3 b4=10.0.2.1,10.0.2.2 b6=fd01::1,fd01::2 \
	mtub=$MTUB delayb=$DELAYB capdir="$CAP_DIR" 2>&1)
wait $!
rc=$?
[ $rc = 0 ] || not_ok "sockapi_check.py ran to the end" "exit status $rc"
