# SPDX-License-Identifier: GPL-2.0
"""RFC 5961 checks for selftests/test_rfc5961.sh.

Run as: python3 -S rfc5961_check.py ns1=NS ns2=NS dev2=DEV ip1=A ip2=A
        ip6_1=A ip6_2=A proc2=DIR capdir=DIR
A real ATCP client (ns1) and server (ns2) exchange data; then segments
crafted in ns1 with the client's addresses and ports (raw sockets, TCP
checksum over pseudo-header protocol 6) hit the server.  The server's
sequence numbers come from the capture on ns2's veth: RCV.NXT is the ACK
field of its last segment, SND.NXT the end of the data it sent, RCV.WND
its last window << its window scale.  Prints PASS/FAIL/SKIP lines.

  RST, SEQ in the window but not RCV.NXT (RCV.NXT + 100, the right edge)
      -> challenge ACK <SEQ=SND.NXT><ACK=RCV.NXT>, ChallengeACK +1, the
      connection survives;
  RST, SEQ just outside the window (RCV.NXT - 1, beyond the right edge)
      -> dropped silently;
  SYN in ESTABLISHED (in and out of the window) -> challenge ACK;
  ACK above SND.NXT (with data at RCV.NXT) -> challenge ACK, the segment
      is dropped (no data delivered, nothing acknowledged);
  ACK below SND.UNA - MAX.SND.WND (with data) -> challenge ACK (RFC 5961
      5.2: "discarded and an ACK sent back", as Linux does), the segment
      is dropped;
  net.atcp.challenge_ack_limit: a burst of in-window RSTs gets what the
      namespace's budget allows, drawn each second between half and one
      and a half times the limit (5 -> 3 to 7 a second);
  net.atcp.invalid_ratelimit (500 ms): a burst of in-window RSTs gets one
      challenge ACK, the rest count as ACKSkippedChallenge; a burst of
      out-of-window pure ACKs gets one ACK (ACKSkippedSeq); out-of-window
      data is answered every time;
  RST with SEQ = RCV.NXT -> the connection is reset: the server's reader
      gets ECONNRESET, EstabResets +1.
IPv6: the in-window RST, the SYN and the exact RST once more.
The checks that expect one answer per segment run with invalid_ratelimit
0, which turns the per-connection limit off.
"""

import errno
import os
import socket
import struct
import sys
import time

from conn_lib import (ACK, RST, SYN, SOL_TCP, Capture, args, asock,
                      diag, guarded, netns, read_stat, result, show,
                      stat_delta, sysctl_set)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from q_common import RawSender, build_seg  # noqa: E402

TCP_INFO = 11
ESTABLISHED = 1
M32 = 0xffffffff

o = args(sys.argv[1:])
NS1, NS2 = o["ns1"], o["ns2"]
DEV2 = o["dev2"]
IP = {4: (o["ip1"], o["ip2"]), 6: (o["ip6_1"], o["ip6_2"])}
PROC2 = o["proc2"]
CAPDIR = o["capdir"]

cap = Capture(NS2, DEV2, pcap=CAPDIR + "/rfc5961.pcap")
with netns(NS1):
    raw = RawSender()
opened = []


def stat():
    return read_stat(PROC2 + "/atcp_stat")


def tcpi_state(s):
    b = s.getsockopt(SOL_TCP, TCP_INFO, 104)
    return b[0]


def bytes_acked(s):
    b = s.getsockopt(SOL_TCP, TCP_INFO, 232)
    # struct tcp_info: tcpi_bytes_acked is the u64 at offset 120.
    return struct.unpack_from("=Q", b, 120)[0] if len(b) >= 128 else None


class Conn:
    def __init__(self, fam, port):
        self.fam, self.port = fam, port
        af = socket.AF_INET if fam == 4 else socket.AF_INET6
        ls = asock(NS2, af)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((IP[fam][1], port))
        ls.listen(4)
        ls.settimeout(10)
        self.c = asock(NS1, af)
        self.c.settimeout(10)
        self.c.connect((IP[fam][1], port))
        self.s, _ = ls.accept()
        ls.close()
        self.s.settimeout(10)
        opened.extend([self.c, self.s])
        self.cport = self.c.getsockname()[1]
        self.cip, self.sip = IP[fam]
        self.ws = None
        self.exchange(b"q" * 2000)

    def exchange(self, data):
        """Client sends DATA, the server reads it and sends it back."""
        self.c.sendall(data)
        got = b""
        while len(got) < len(data):
            got += self.s.recv(65536)
        self.s.sendall(got)
        back = b""
        while len(back) < len(data):
            back += self.c.recv(65536)
        time.sleep(0.3)		# the client's (delayed) ACK
        return got == data and back == data

    def s2c(self, since=0):
        return cap.snapshot(lambda s: s.sport == self.port and
                            s.dport == self.cport and s.t >= since)

    def numbers(self):
        """The server's RCV.NXT, SND.NXT, RCV.WND and time stamps."""
        segs = self.s2c()
        if self.ws is None:
            sa = [s for s in segs if s.flags & SYN]
            self.ws = sa[0].opts.get("wscale", 0) if sa else 0
            self.isn = sa[0].seq if sa else segs[0].seq
        last = segs[-1]
        ends = [(s.seq + s.len + (1 if s.flags & SYN else 0) - self.isn)
                & M32 for s in segs]
        c2s = cap.snapshot(lambda s: s.sport == self.cport and
                           s.dport == self.port and "tsval" in s.opts)
        self.rcv_nxt = last.ack
        self.snd_nxt = (self.isn + max(ends)) & M32
        self.wnd = last.win << self.ws
        self.tsval = c2s[-1].opts["tsval"] if c2s else None
        self.tsecr = last.opts.get("tsval")
        diag("IPv%d server: RCV.NXT %d SND.NXT %d RCV.WND %d (wscale %d)" % (
            self.fam, self.rcv_nxt, self.snd_nxt, self.wnd, self.ws))

    def craft(self, seq, ack, flags, payload=b""):
        ts = None
        if not flags & RST and self.tsval is not None:
            ts = (self.tsval, self.tsecr or 0)
        seg = build_seg(self.cip, self.sip, self.cport, self.port, seq & M32,
                        ack & M32, flags, ts=ts, window=1024,
                        payload=payload)
        raw.send(self.cip, self.sip, seg)

    def send_and_watch(self, seq, ack, flags, payload=b"", wait=0.6):
        """Craft a segment; return what the server sent in the next WAIT
        seconds."""
        t = time.time()
        self.craft(seq, ack, flags, payload)
        time.sleep(wait)
        return self.s2c(t - 0.01)

    def is_challenge(self, s):
        return s.flags == ACK and s.len == 0 and \
            s.seq == self.snd_nxt and s.ack == self.rcv_nxt

    def alive(self):
        try:
            return tcpi_state(self.s) == ESTABLISHED
        except OSError:
            return False


def expect_challenge(cn, desc, seq, ack, flags, payload=b""):
    s0 = stat()
    got = cn.send_and_watch(seq, ack, flags, payload)
    s1 = stat()
    d = stat_delta(s0, s1, "ChallengeACK", "EstabResets")
    ch = [s for s in got if cn.is_challenge(s)]
    result(len(got) == 1 and len(ch) == 1 and d["ChallengeACK"] == 1,
           "%s -> one challenge ACK <SEQ=SND.NXT><ACK=RCV.NXT>, "
           "ChallengeACK +1" % desc, "server sent: %s" % (show(got) or
                                                           "nothing"),
           "counters: %r" % d)
    return got


def expect_silence(cn, desc, seq, ack, flags, payload=b""):
    s0 = stat()
    got = cn.send_and_watch(seq, ack, flags, payload)
    s1 = stat()
    d = stat_delta(s0, s1, "ChallengeACK")
    result(not got and d["ChallengeACK"] == 0, "%s -> dropped silently" %
           desc, *(show(got) + ["counters: %r" % d]))


def nothing_to_read(cn):
    """None when the server has nothing to read, else what recv() said."""
    cn.s.settimeout(0)
    try:
        b = cn.s.recv(100)
        return "read %r" % b
    except BlockingIOError:
        return None
    except OSError as e:
        return "recv: %s" % e
    finally:
        cn.s.settimeout(10)


def is_reset(r):
    return r is not None and "[Errno %d]" % errno.ECONNRESET in r


def burst(cn, n):
    """N in-window RSTs as fast as possible; challenge ACKs answering."""
    t = time.time()
    for i in range(n):
        cn.craft(cn.rcv_nxt + 1 + i, 0, RST)
    time.sleep(0.8)
    return [s for s in cn.s2c(t - 0.01) if cn.is_challenge(s)]


def per_connection_limit(cn, v):
    """invalid_ratelimit at its default (500 ms) for three bursts."""
    sysctl_set(NS2, "net.atcp.invalid_ratelimit", 500)
    time.sleep(0.6)
    s0 = stat()
    ch = burst(cn, 20)
    s1 = stat()
    d = stat_delta(s0, s1, "ChallengeACK", "ACKSkippedChallenge")
    # The burst takes well under the 500 ms the limit spans; a slow VM
    # could stretch it past one boundary: 1 or 2.
    result(1 <= len(ch) <= 2 and d["ChallengeACK"] == len(ch) and
           d["ACKSkippedChallenge"] == 20 - len(ch),
           "%s invalid_ratelimit 500 ms: a burst of 20 in-window RSTs gets "
           "one challenge ACK (%d), the rest count as ACKSkippedChallenge "
           "(%r)" % (v, len(ch), d), *show(ch))
    time.sleep(0.6)
    t = time.time()
    s0 = stat()
    for i in range(10):		# pure ACKs beyond the right edge
        cn.craft(cn.rcv_nxt + cn.wnd + 4096 + i, cn.snd_nxt, ACK)
    time.sleep(0.8)
    s1 = stat()
    got = [s for s in cn.s2c(t - 0.01) if s.flags == ACK and s.len == 0]
    d = stat_delta(s0, s1, "ACKSkippedSeq")["ACKSkippedSeq"]
    result(1 <= len(got) <= 2 and d == 10 - len(got),
           "%s ... 10 out-of-window pure ACKs get one ACK (%d), "
           "ACKSkippedSeq +%d" % (v, len(got), d), *show(got))
    time.sleep(0.6)
    t = time.time()
    for i in range(5):		# data left of the window: a retransmission
        cn.craft(cn.rcv_nxt - 100, cn.snd_nxt, ACK, b"x" * 10)
        time.sleep(0.1)
    time.sleep(0.6)
    got = [s for s in cn.s2c(t - 0.01) if s.flags == ACK and s.len == 0]
    result(len(got) == 5, "%s ... 5 old data segments get 5 ACKs (%d): "
           "data is never held back" % (v, len(got)), *show(got))
    sysctl_set(NS2, "net.atcp.invalid_ratelimit", 0)


def ipv4():
    cn = Conn(4, 7301)
    cn.numbers()
    rn, sn, w = cn.rcv_nxt, cn.snd_nxt, cn.wnd
    v = "IPv4"
    expect_challenge(cn, "%s RST with SEQ = RCV.NXT + 100 (in the window)" %
                     v, rn + 100, 0, RST)
    expect_challenge(cn, "%s RST|ACK with SEQ = RCV.NXT + RCV.WND - 1 (right "
                     "edge)" % v, rn + w - 1, sn, RST | ACK)
    result(cn.alive(), "%s the connection survives in-window RSTs "
           "(ESTABLISHED)" % v)
    expect_silence(cn, "%s RST with SEQ = RCV.NXT - 1 (left of the window)" %
                   v, rn - 1, 0, RST)
    expect_silence(cn, "%s RST with SEQ = RCV.NXT + RCV.WND + 4096 (right of "
                   "the window)" % v, rn + w + 4096, 0, RST)
    expect_challenge(cn, "%s SYN with SEQ = RCV.NXT in ESTABLISHED" % v,
                     rn, 0, SYN)
    expect_challenge(cn, "%s SYN with SEQ = RCV.NXT + 2^30 (outside the "
                     "window) in ESTABLISHED" % v, rn + (1 << 30), 0, SYN)
    result(cn.alive(), "%s the connection survives the SYNs" % v)

    acked0 = bytes_acked(cn.s)
    expect_challenge(cn, "%s ACK = SND.NXT + 1000 (unsent data) with 10 "
                     "bytes at RCV.NXT" % v, rn, sn + 1000, ACK | 0x08,
                     b"0123456789")
    r = nothing_to_read(cn)
    acked1 = bytes_acked(cn.s)
    result(r is None and acked0 == acked1, "%s ... the segment is dropped: "
           "its data is not delivered, SND.UNA does not move" % v,
           "server read: %s; tcpi_bytes_acked %s -> %s" % (r, acked0, acked1))
    expect_challenge(cn, "%s ACK = SND.UNA - 2^30 (below SND.UNA - "
                     "MAX.SND.WND) with 10 bytes at RCV.NXT" % v, rn,
                     sn - (1 << 30), ACK | 0x08, b"abcdefghij")
    r = nothing_to_read(cn)
    result(r is None, "%s ... and its data is not delivered" % v,
           "server read: %s" % r)
    result(cn.alive(), "%s the connection survives the bad ACKs" % v)

    per_connection_limit(cn, v)

    # challenge_ack_limit.
    s0 = stat()
    ch = burst(cn, 20)
    s1 = stat()
    d = stat_delta(s0, s1, "ChallengeACK")["ChallengeACK"]
    result(len(ch) == 20 and d == 20, "%s challenge_ack_limit 1000 "
           "(default): a burst of 20 in-window RSTs gets 20 challenge ACKs "
           "(%d), ChallengeACK +%d" % (v, len(ch), d))
    sysctl_set(NS2, "net.atcp.challenge_ack_limit", 5)
    time.sleep(0.5)
    s0 = stat()
    t = time.time()
    ch = burst(cn, 30)
    dt = time.time() - t - 0.8
    s1 = stat()
    d = stat_delta(s0, s1, "ChallengeACK")["ChallengeACK"]
    span = ch[-1].t - ch[0].t if ch else 0
    # The budget is 3 + a random number below 5 each second; one second
    # boundary may fall inside the burst: 3 to 14.
    result(3 <= len(ch) <= 14 and d == len(ch) and
           (len(ch) <= 7 or span < 1.0 + dt),
           "%s challenge_ack_limit 5: a burst of 30 in-window RSTs (sent in "
           "%.2f s) gets %d challenge ACKs (3 to 7 a second), ChallengeACK "
           "+%d" % (v, dt, len(ch), d), *show(ch))
    time.sleep(1.1)
    s0 = stat()
    ch = burst(cn, 3)
    s1 = stat()
    d = stat_delta(s0, s1, "ChallengeACK")["ChallengeACK"]
    result(len(ch) == 3 and d == 3, "%s ... a second later the budget is "
           "back: 3 RSTs, 3 challenge ACKs (%d, ChallengeACK +%d)" %
           (v, len(ch), d))
    sysctl_set(NS2, "net.atcp.challenge_ack_limit", 1000)
    result(cn.alive() and cn.exchange(b"still there" * 100),
           "%s after all that the connection carries data both ways" % v)

    # Finally the exact RST.
    cn.numbers()
    s0 = stat()
    got = cn.send_and_watch(cn.rcv_nxt, 0, RST)
    s1 = stat()
    d = stat_delta(s0, s1, "ChallengeACK", "EstabResets")
    r = nothing_to_read(cn)
    result(not got and d["ChallengeACK"] == 0 and is_reset(r),
           "%s RST with SEQ = RCV.NXT resets the connection: the server's "
           "reader gets ECONNRESET, no answer" % v,
           "recv: %s; server sent %s" % (r, show(got)))
    result(d["EstabResets"] == 1, "%s ... EstabResets +1" % v,
           "counters: %r" % d)


def ipv6():
    cn = Conn(6, 7302)
    cn.numbers()
    v = "IPv6"
    expect_challenge(cn, "%s RST with SEQ = RCV.NXT + 1 (in the window)" % v,
                     cn.rcv_nxt + 1, 0, RST)
    expect_challenge(cn, "%s SYN in ESTABLISHED" % v, cn.rcv_nxt + 10, 0, SYN)
    result(cn.alive() and cn.exchange(b"v6" * 500),
           "%s the connection survives and carries data" % v)
    cn.numbers()
    got = cn.send_and_watch(cn.rcv_nxt, 0, RST)
    r = nothing_to_read(cn)
    result(not got and is_reset(r),
           "%s RST with SEQ = RCV.NXT resets the connection (ECONNRESET)" %
           v, "recv: %s; server sent %s" % (r, show(got)))


sysctl_set(NS2, "net.atcp.invalid_ratelimit", 0)
with guarded("IPv4 RFC 5961 checks"):
    ipv4()
with guarded("IPv6 RFC 5961 checks"):
    ipv6()
cap.stop()
for s in opened:
    try:
        s.close()
    except OSError:
        pass
