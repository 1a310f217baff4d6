#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The RTT sample of the three-way handshake (test_hsrtt.sh).

python3 -S hsrtt_check.py ns1=NS ns2=NS dev1=VETH dev2=VETH ip2=ADDR
    ip6_2=ADDR rtt_ms=N

Both veths delay by rtt_ms / 2 (netem, set up by the caller), so every
round trip takes rtt_ms.  Cases:

  clean     a handshake with nothing lost gives both ends an RTT estimate
            before any data (client: its SYN's send time; server: its
            SYN-ACK's), and an RTO from it below the initial 1 s; IPv4 and
            IPv6.  Linux TCP's values for the same handshake are printed.
  rto       with that RTO, a segment sent into a cut link is retransmitted
            after it (capture: first gap about the RTO, well below 1 s;
            the next one doubled).
  karn      the client's first SYN is dropped: its send time is ambiguous
            (Karn), the SYN-ACK's timestamp echo measures the path, so the
            RTT is still one round trip and not the second plus the lost
            SYN's 1 s.
  fallback  an ATCP client and a Linux TCP server without timestamps
            (net.ipv4.tcp_timestamps=0, through the protocol-byte rewrite
            on dev2), the client's first two SYNs dropped: no sample, so
            RTO 3 s (RFC 6298 5.7) and a congestion window of one segment
            (RFC 5681 3.1, as Linux applies it after two retransmissions).
"""

import select
import socket
import subprocess
import sys
import threading
import time

from conn_lib import (ATCP, Capture, args, asock, conn_pred, diag, guarded,
                      result, rewrite_rules, show, sysctl_set, tc, tcp_info)

o = args(sys.argv[1:])
NS1, NS2 = o["ns1"], o["ns2"]
DEV1, DEV2 = o["dev1"], o["dev2"]
ADDR = {4: o["ip2"], 6: o["ip6_2"]}
RTT = int(o.get("rtt_ms", "100")) / 1000.0
CAPDIR = o.get("capdir", "/tmp")
TCPI_OPT_TIMESTAMPS = 1
port = [45000]


DROPPING = [False]
DROP_LOCK = threading.Lock()


class TcBatch:
    """A `tc -n NS -force -b -` kept running: a line written to it takes
    effect within milliseconds, where starting tc costs about a second in
    the emulated VM.  Lost SYNs are timed to the retransmission timer
    (1 s, then 2 s): the filter must go well before the next SYN leaves,
    which an exec of tc at the timer's moment did not always achieve."""

    def __init__(self, ns):
        self.p = subprocess.Popen(["tc", "-n", ns, "-force", "-b", "-"],
                                  stdin=subprocess.PIPE,
                                  stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL,
                                  universal_newlines=True)

    def send(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()

    def close(self):
        self.p.stdin.close()
        self.p.wait()


TC1 = TcBatch(NS1)


def drop_syns(on):
    """Drop (or stop dropping) ns1's outgoing ATCP SYNs (flags byte 0x02
    at the IP header's end, 20 or 40 bytes, + 13)."""
    with DROP_LOCK:
        if on != DROPPING[0]:
            DROPPING[0] = on
            _drop_syns(on)


def _drop_syns(on):
    if not on:
        TC1.send("qdisc del dev %s clsact" % DEV1)
        return
    tc(NS1, "qdisc add dev %s clsact" % DEV1,
       "filter add dev {d} egress prio 1 protocol ip u32 match ip protocol "
       "{p} 0xff match u8 0x02 0xff at 33 action drop".format(d=DEV1, p=ATCP),
       "filter add dev {d} egress prio 2 protocol ipv6 u32 match ip6 "
       "protocol {p} 0xff match u8 0x02 0xff at 53 action drop".format(
           d=DEV1, p=ATCP), check=True)


def with_lost_syns(secs, fn):
    """FN() while ns1's SYNs are dropped for its first SECS seconds."""
    drop_syns(True)
    t = threading.Timer(secs, drop_syns, (False,))
    t.start()
    try:
        return fn()
    finally:
        t.cancel()
        t.join()
        drop_syns(False)


def handshake(fam, cproto=ATCP, sproto=ATCP, timeout=10.0):
    """Listener in ns2, non-blocking connect from ns1: (ls, c, a, secs)."""
    port[0] += 1
    ls = asock(NS2, fam, sproto)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((ADDR[fam], port[0]))
    ls.listen(4)
    c = asock(NS1, fam, cproto, nonblock=True)
    t0 = time.monotonic()
    c.connect_ex((ADDR[fam], port[0]))
    _, w, _ = select.select([], [c], [], timeout)
    secs = time.monotonic() - t0
    err = c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if not w or err:
        raise RuntimeError("connect: %s after %.1f s" %
                           ("error %d" % err if err else "timeout", secs))
    ls.settimeout(timeout)
    a, _ = ls.accept()
    return ls, c, a, secs


def close_all(*socks):
    for s in socks:
        s.close()


def rtt_ok(us):
    """One round trip: at least rtt_ms, at most 150 ms more (TCG)."""
    return 0.9 * RTT * 1e6 <= us <= (RTT + 0.15) * 1e6


def fmt(i):
    return "rtt %d us rttvar %d us rto %d us cwnd %d" % (
        i["rtt"], i["rttvar"], i["rto"], i["snd_cwnd"])


def case_clean(fam):
    p = "IPv%d clean handshake: " % fam
    ls, c, a, _ = handshake(fam)
    ci, ai = tcp_info(c), tcp_info(a)
    for who, i in (("client", ci), ("server", ai)):
        result(rtt_ok(i["rtt"]) and 200000 <= i["rto"] < 1000000 and
               i["total_retrans"] == 0,
               p + "%s has an RTT of one round trip and an RTO below 1 s "
               "before any data" % who, fmt(i),
               "total_retrans %d" % i["total_retrans"])
    close_all(c, a, ls)
    diag("# ATCP: client %s; server %s" % (fmt(ci), fmt(ai)))
    ls, c, a, _ = handshake(fam, socket.IPPROTO_TCP, socket.IPPROTO_TCP)
    diag("# TCP:  client %s; server %s" % (fmt(tcp_info(c)),
                                            fmt(tcp_info(a))))
    close_all(c, a, ls)


def case_rto():
    p = "first data RTO: "
    ls, c, a, _ = handshake(4)
    rto = tcp_info(c)["rto"] / 1e6
    cap = Capture(NS1, DEV1, CAPDIR + "/hsrtt_rto.pcap")
    try:
        tc(NS2, "qdisc add dev %s clsact" % DEV2,
           "filter add dev {d} ingress prio 1 protocol ip u32 match ip "
           "protocol {p} 0xff action drop".format(d=DEV2, p=ATCP), check=True)
        c.send(b"x" * 100)
        pred = conn_pred(c.getsockname()[1], port[0])
        segs = cap.wait(lambda s: pred(s) and s.out and s.len == 100, 3,
                        timeout=4 * rto + 3)
    finally:
        cap.stop()
        tc(NS2, "qdisc del dev %s clsact" % DEV2, check=True)
    if not result(len(segs) >= 3, p + "the segment was sent 3 times",
                  *show(cap.snapshot(pred))):
        return
    g1, g2 = segs[1].t - segs[0].t, segs[2].t - segs[1].t
    result(0.6 * rto <= g1 <= 1.4 * rto and g1 < 0.9,
           p + "retransmitted after the RTO the handshake gave (%.0f ms), "
           "not after the initial 1 s" % (rto * 1e3),
           "gaps %.3f s, %.3f s" % (g1, g2))
    result(1.6 * g1 <= g2 <= 2.4 * g1, p + "... then after twice that",
           "gaps %.3f s, %.3f s" % (g1, g2))
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
    close_all(c, a, ls)


def case_karn(fam):
    p = "IPv%d first SYN lost: " % fam
    ls, c, a, secs = with_lost_syns(0.5, lambda: handshake(fam))
    ci, ai = tcp_info(c), tcp_info(a)
    result(secs >= 0.9 and ci["total_retrans"] == 1,
           p + "the handshake took a SYN retransmission",
           "%.2f s, total_retrans %d" % (secs, ci["total_retrans"]))
    result(ci["options"] & TCPI_OPT_TIMESTAMPS and rtt_ok(ci["rtt"]) and
           ci["rto"] < 1000000,
           p + "client RTT from the timestamp echo, not from the first SYN",
           fmt(ci))
    result(rtt_ok(ai["rtt"]) and ci["snd_cwnd"] == ai["snd_cwnd"] == 10,
           p + "server RTT from its SYN-ACK; one retransmission keeps "
           "the initial window", "client " + fmt(ci), "server " + fmt(ai))
    close_all(c, a, ls)


def case_fallback():
    p = "no timestamps, two SYNs lost: "
    tc(NS2, *rewrite_rules(DEV2), check=True)
    sysctl_set(NS2, "net.ipv4.tcp_timestamps", 0)
    try:
        ls, c, a, secs = with_lost_syns(2.0, lambda: handshake(
            4, ATCP, socket.IPPROTO_TCP))
    finally:
        tc(NS2, "qdisc del dev %s clsact" % DEV2, check=True)
        sysctl_set(NS2, "net.ipv4.tcp_timestamps", 1)
    ci = tcp_info(c)
    result(secs >= 2.7 and ci["total_retrans"] == 2 and
           not ci["options"] & TCPI_OPT_TIMESTAMPS,
           p + "ATCP client to a Linux TCP server: connected after two "
           "SYN retransmissions, without timestamps",
           "%.2f s, total_retrans %d, options %#x" % (
               secs, ci["total_retrans"], ci["options"]))
    result(ci["rtt"] == 0 and ci["rto"] == 3000000,
           p + "no RTT sample: RTO 3 s (RFC 6298 5.7)", fmt(ci))
    result(ci["snd_cwnd"] == 1, p + "the data start with one segment", fmt(ci))
    close_all(c, a, ls)


def main():
    for fam in (4, 6):
        with guarded("IPv%d clean handshake" % fam):
            case_clean(fam)
    with guarded("first data RTO"):
        case_rto()
    for fam in (4, 6):
        with guarded("IPv%d first SYN lost" % fam):
            case_karn(fam)
    with guarded("no timestamps, two SYNs lost"):
        case_fallback()


main()
TC1.close()
