#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ATCP's tracepoints through tracefs: events/atcp/ has atcp_set_state,
# atcp_send_reset, atcp_receive_reset and atcp_retransmit_skb, and a
# handshake on loopback, a connect to a closed port and an unanswered SYN
# produce the records they should, with addresses, ports and states.
#
# atcp-timeout: 120
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

atcp_ensure_loaded || bail_out "cannot load $ATCP_KO"

tr=/sys/kernel/tracing
[ -d "$tr/events" ] || mount -t tracefs nodev "$tr" 2>/dev/null
[ -d "$tr/events/atcp" ] || bail_out "no $tr/events/atcp (tracefs or tracepoints missing)"

for ev in atcp_set_state atcp_send_reset atcp_receive_reset atcp_retransmit_skb; do
	check "tracepoint atcp:$ev exists" test -d "$tr/events/atcp/$ev"
done

# A peer that never answers: an address behind a veth whose other end is
# down, so the SYN is sent into the void and retransmitted.
ip link add atcptr0 type veth peer name atcptr1 || bail_out "veth"
on_exit ip link del atcptr0
ip addr add 192.0.2.1/24 dev atcptr0
ip link set atcptr0 up

echo > "$tr/trace"
echo 1 > "$tr/events/atcp/enable"
python3 -S - <<'PY' 2>&1 | sed 's/^/# /'
import socket, time
P = 253
l = socket.socket(socket.AF_INET, socket.SOCK_STREAM, P)
l.bind(("127.0.0.1", 7101)); l.listen(1)
c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, P)
c.connect(("127.0.0.1", 7101)); a, _ = l.accept()
r = socket.socket(socket.AF_INET, socket.SOCK_STREAM, P)
try:
    r.connect(("127.0.0.1", 7102))
except OSError as e:
    print("closed port:", e)
# An unanswered SYN (192.0.2.2 is behind a dead link).
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, P)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_SYNCNT, 1)
s.settimeout(10)
try:
    s.connect(("192.0.2.2", 7103))
except OSError as e:
    print("unanswered SYN:", e)
PY
echo 0 > "$tr/events/atcp/enable"
cp "$tr/trace" "${ATCP_TEST_OUT:-/tmp}/trace.txt" 2>/dev/null
t=$(cat "$tr/trace")

has() {	# has DESC REGEX
	if grep -Eq "$2" <<<"$t"; then ok "$1"; else not_ok "$1" "no line matching: $2"; fi
}
has "set_state CLOSED -> LISTEN for the listener on 7101" \
	'atcp_set_state: family=AF_INET saddr=::ffff:127\.0\.0\.1 sport=7101 .*oldstate=CLOSED newstate=LISTEN'
has "set_state CLOSED -> SYN_SENT for the client" \
	'atcp_set_state: .*dport=7101 oldstate=CLOSED newstate=SYN_SENT'
has "set_state SYN_SENT -> ESTABLISHED for the client" \
	'atcp_set_state: .*dport=7101 oldstate=SYN_SENT newstate=ESTABLISHED'
has "set_state SYN_RECV -> ESTABLISHED for the accepted child" \
	'atcp_set_state: .*sport=7101 .*oldstate=SYN_RECV newstate=ESTABLISHED'
has "send_reset from the closed port 7102, ack = ISN + 1, no socket" \
	'atcp_send_reset: saddr=::ffff:127\.0\.0\.1 sport=7102 .* seq=0 ack=[0-9]+ state=CLOSED'
has "receive_reset by the client in SYN_SENT" \
	'atcp_receive_reset: .*dport=7102 state=SYN_SENT'
has "retransmit_skb of the unanswered SYN (retransmits=1)" \
	'atcp_retransmit_skb: .*daddr=::ffff:192\.0\.2\.2 dport=7103 .*retransmits=1 state=SYN_SENT'
has "set_state SYN_SENT -> CLOSED when the SYN times out" \
	'atcp_set_state: .*dport=7103 oldstate=SYN_SENT newstate=CLOSED'
