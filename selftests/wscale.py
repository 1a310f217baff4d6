# SPDX-License-Identifier: GPL-2.0
"""Window scale and initial buffers for test_wscale.sh, beside Linux TCP.

Run as: python3 -S wscale.py ns1=NS ns2=NS dev1=DEV dev2=DEV ip1=A ip2=A
For each case the same handshake runs over Linux TCP (net.ipv4.tcp_rmem
and tcp_wmem set) and over ATCP (net.atcp.rmem and wmem set to the same
values), client in ns1, listener in ns2; AF_PACKET sockets read the
client's SYN on dev2 and the server's SYN,ACK on dev1.  Both stacks must
announce the same window scale, the one tcp_select_initial_window()
gives, and a new socket's SO_RCVBUF / SO_SNDBUF must be rmem[1] /
wmem[1]:
  rmem 4096 131072 6291456 (the default): window scale 7 both ways;
  rmem 4096 540000 15728640 (Linux's packetdrill defaults.sh): 8;
  the client sets SO_RCVBUF 65536 before connect(): the same scales as
      Linux TCP (by tcp_select_initial_window(), 1 for the SYN: half the
      doubled buffer, 65536, needs one bit; 8 for the SYN,ACK).
Prints PASS/FAIL lines.
"""

import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from q_common import ATCP, SYN, ACK, Sniffer, args, netns, result  # noqa: E402
from conn_lib import sysctl_set  # noqa: E402

o = {k: v[-1] for k, v in args(sys.argv[1:]).items()}
NS1, NS2, IP1, IP2 = o["ns1"], o["ns2"], o["ip1"], o["ip2"]
with netns(NS1):
    SNIFF1 = Sniffer(o["dev1"])
with netns(NS2):
    SNIFF2 = Sniffer(o["dev2"])
KNOB = {socket.IPPROTO_TCP: ("net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"),
        ATCP: ("net.atcp.rmem", "net.atcp.wmem")}


def find(sniff, port, flags, key):
    pkts = sniff.poll(1.0)
    for p in pkts:
        if (p.flags & (SYN | ACK)) == flags and port in (p.sport, p.dport):
            return p.opts.get(key)
    return None


def handshake(proto, rmem, wmem, port, rcvbuf=None):
    """(SYN wscale, SYN,ACK wscale, SO_RCVBUF, SO_SNDBUF of a new socket)"""
    for ns in (NS1, NS2):
        sysctl_set(ns, KNOB[proto][0], rmem)
        sysctl_set(ns, KNOB[proto][1], wmem)
    with netns(NS2):
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
    ls.bind((IP2, port))
    ls.listen(1)
    with netns(NS1):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
    bufs = (c.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF),
            c.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF))
    if rcvbuf:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    SNIFF1.poll(0)
    SNIFF2.poll(0)
    c.settimeout(10)
    c.connect((IP2, port))
    s, _ = ls.accept()
    syn = find(SNIFF2, port, SYN, "wscale")
    synack = find(SNIFF1, port, SYN | ACK, "wscale")
    for x in (s, c, ls):
        x.close()
    return syn, synack, bufs[0], bufs[1]


CASES = (("4096 131072 6291456", "4096 16384 4194304", None, (7, 7)),
         ("4096 540000 15728640", "4096 65536 8388608", None, (8, 8)),
         ("4096 540000 15728640", "4096 65536 8388608", 65536, None))
for i, (rmem, wmem, rcvbuf, want) in enumerate(CASES):
    got = {}
    for proto in (socket.IPPROTO_TCP, ATCP):
        got[proto] = handshake(proto, rmem, wmem,
                               9500 + 10 * i + (proto == ATCP), rcvbuf)
    tcp, atcp = got[socket.IPPROTO_TCP], got[ATCP]
    desc = "rmem %s%s" % (rmem, ", client SO_RCVBUF %d" % rcvbuf
                          if rcvbuf else "")
    # With SO_RCVBUF the check is equality with Linux TCP, the oracle
    # (tcp_select_initial_window() reads as 1 for the SYN; KUnit
    # atcp_conn_test_wscale checks ATCP's rule directly).
    result(atcp[:2] == tcp[:2] and (want is None or tcp[:2] == want),
           "%s: SYN and SYN,ACK window scale %s, as Linux TCP's" % (
               desc, "%d and %d" % want if want else "the same"),
           "ATCP %s, Linux TCP %s" % (atcp[:2], tcp[:2]))
    b = (int(rmem.split()[1]), int(wmem.split()[1]))
    result(atcp[2:] == tcp[2:] == b,
           "%s, wmem %s: a new socket's SO_RCVBUF and SO_SNDBUF are %d and "
           "%d, as Linux TCP's" % (rmem, wmem, b[0], b[1]),
           "ATCP %s, Linux TCP %s" % (atcp[2:], tcp[2:]))
