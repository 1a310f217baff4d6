# SPDX-License-Identifier: GPL-2.0
"""Connection teardown checks for selftests/test_close.sh.

Run as: python3 -S close_check.py ns1=NS ns2=NS dev1=DEV dev3=DEV
        ip1=A ip2=A slow1=A slow2=A slow6_1=A slow6_2=A bh=A
        proc1=DIR proc2=DIR delay=SECONDS capdir=DIR
Clients live in ns1, servers in ns2.  Two links: the fast one (dev1,
ip1 <-> ip2) and a slow one (dev3, slow1 <-> slow2, slow6_1 <-> slow6_2)
that netem delays DELAY seconds each way, so that every state of a close
lasts long enough to be seen in /proc and two FINs can cross.  BH is an
address of ns2 whose segments ns2's stack never receives: there a
scripted peer (close_lib.Peer) answers from a raw socket.  Every check
follows the states in /proc/net/atcp of both namespaces and the segments
in a capture (close.pcap on the fast link, close-slow.pcap on the slow
one, in CAPDIR).  Prints PASS/FAIL/SKIP lines for lib.sh's tap_import.
"""

import errno
import hashlib
import os
import select
import socket
import struct
import sys
import threading
import time

from close_lib import (ACK, CLOSE_WAIT, CLOSING, ESTABLISHED, FIN, FIN_WAIT1,
                       FIN_WAIT2, GONE, LAST_ACK, RST, SOL_TCP, TCP_LINGER2,
                       TIME_WAIT, TIMER_KEEPALIVE, TIMER_TW, Peer, Recorder,
                       connect_to_peer, end_seq, find, fin_of, fin_seq,
                       fmt_rel, isns, linger, orphans, segs_between, sname,
                       snames, state_of, wait_for, wait_gone, wait_state)
from conn_lib import (Capture, args, asock, diag, errname, guarded,
                      read_stat, result, stat_delta, sysctl_get, sysctl_set)

o = args(sys.argv[1:])
NS1, NS2 = o["ns1"], o["ns2"]
FAST = {4: (o["ip1"], o["ip2"])}
SLOW = {4: (o["slow1"], o["slow2"]), 6: (o["slow6_1"], o["slow6_2"])}
BH = o["bh"]
P1, P2 = o["proc1"], o["proc2"]
DELAY = float(o["delay"])
RTT = 2 * DELAY
CAPDIR = o["capdir"]
TIMEO = struct.pack("ll", 20, 0)
FIN_TIMEOUT = 2
MSL = 1

cap = Capture(NS1, o["dev1"], pcap=CAPDIR + "/close.pcap")
cap3 = Capture(NS1, o["dev3"], pcap=CAPDIR + "/close-slow.pcap")
rec = Recorder()
opened = []
saved = {}


def keep(s):
    opened.append(s)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, TIMEO)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, TIMEO)
    return s


def setsys(ns, name, value):
    key = (ns, name)
    if key not in saved:
        saved[key] = sysctl_get(ns, "net.atcp." + name)
    sysctl_set(ns, "net.atcp." + name, value)


def stat(ns):
    return read_stat((P1 if ns == NS1 else P2) + "/atcp_stat")


def pair(fam, addrs, port, copts=(), sopts=()):
    """(client in ns1, accepted server socket in ns2, client port)."""
    ls = asock(NS2, fam)
    try:
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        for lvl, name, val in sopts:
            ls.setsockopt(lvl, name, val)
        ls.bind((addrs[1], port))
        ls.listen(4)
        ls.settimeout(20)
        c = keep(asock(NS1, fam))
        for lvl, name, val in copts:
            c.setsockopt(lvl, name, val)
        c.connect((addrs[1], port))
        s, _ = ls.accept()
        s.settimeout(None)
        keep(s)
    finally:
        ls.close()
    return c, s, c.getsockname()[1]


class Bg:
    """Run fn(*a) in a thread; join() gives its result or raises."""

    def __init__(self, fn, *a):
        self.res = self.exc = None
        self.th = threading.Thread(target=self._run, args=(fn,) + a,
                                   daemon=True)
        self.th.start()

    def _run(self, fn, *a):
        try:
            self.res = fn(*a)
        except BaseException as e:	# noqa: BLE001 -- handed to join()
            self.exc = e

    def join(self, timeout=30):
        self.th.join(timeout)
        if self.th.is_alive():
            raise RuntimeError("background call did not finish")
        if self.exc:
            raise self.exc
        return self.res


def read_all(s):
    """Read until EOF: (bytes, errno or 0)."""
    buf = []
    try:
        while True:
            d = s.recv(65536)
            if not d:
                return b"".join(buf), 0
            buf.append(d)
    except OSError as e:
        return b"".join(buf), e.errno


def timed_close(s):
    """close(2) on the socket's fd: (seconds, errno or 0)."""
    fd = s.detach()
    t0 = time.monotonic()
    try:
        os.close(fd)
        e = 0
    except OSError as ex:
        e = ex.errno
    return time.monotonic() - t0, e


def recv_errno(s, timeout=5):
    s.settimeout(timeout)
    try:
        d = s.recv(100)
        return "data %d bytes" % len(d) if d else "EOF"
    except OSError as e:
        return errname(e.errno)


def expect_states(name, want, desc, brief=()):
    """The sampled state sequence is want; a state in brief (checked
    directly elsewhere) may be too short for the 10 ms sampler to see
    under emulation."""
    got = rec.states(name)
    # The socket and the TIME-WAIT object that replaces it live in two
    # tables; a /proc read that overlaps the hand-over may list the
    # connection twice (-1 here).  Tolerated, and reported.
    seen = [st for i, st in enumerate(got) if not (
        st == -1 and got[i + 1:i + 2] == [TIME_WAIT])]
    if seen != got:
        diag("%s: listed twice for an instant before TIME_WAIT (%s)" % (
            name, snames(got)))
    short = [st for st in want if st not in brief or st in seen]
    if seen != want and seen == short:
        diag("%s: %s too brief for the sampler" % (name, snames(
            [st for st in want if st not in short])))
    result(seen == want or seen == short, desc,
           "states seen: " + snames(got), "expected:    " + snames(want))


def seg_check(cond, desc, segs, isn):
    result(cond, desc, *fmt_rel(segs, isn))


def ends_from(cp, port):
    """The FIN and RST segments port CP sent to PORT.  The peer may see
    the RST before the capture thread has read it (CI once found no
    segment at all): wait for one, then look a little longer for any
    FIN that should not be there.  Not by time: an outgoing frame may be
    stamped late by the capture."""
    def pred(x):
        return x.sport == cp and x.dport == port and x.flags & (FIN | RST)
    cap.wait(pred, 1, timeout=5)
    time.sleep(0.2)
    return cap.snapshot(pred)


def fl(s):
    return s.fl() if s is not None else "none"


for ns in (NS1, NS2):
    setsys(ns, "msl", MSL)
    setsys(ns, "fin_timeout", FIN_TIMEOUT)
# lib.sh's namespaces start with orphan_retries = 1; the orphans here
# must outlive a few retransmissions.
ORPHAN_RETRIES = 8
setsys(NS1, "orphan_retries", ORPHAN_RETRIES)


# ---------------------------------------------------------- max_orphans --
# First, while no orphan exists in ns1: two orphans in FIN_WAIT1 toward
# peers that never ACK fit under max_orphans = 2; closing a third resets
# it at once (FIN, then RST) and counts AbortOnMemory.
with guarded("max_orphans"):
    base = len(orphans(P1))
    peers, socks = [], []
    for i in range(3):
        pr = Peer(NS2, cap, BH, FAST[4][0], 5001 + i)
        socks.append(keep(connect_to_peer(NS1, pr, FAST[4][0])))
        peers.append(pr)
    setsys(NS1, "max_orphans", base + 2)
    st0 = stat(NS1)
    for s in socks:
        s.close()
    time.sleep(0.5)
    st1 = stat(NS1)
    d = stat_delta(st0, st1, "AbortOnMemory")
    sts = [state_of(P1, 4, pr.cport, pr.port) for pr in peers]
    result(sts == [FIN_WAIT1, FIN_WAIT1, GONE],
           "max_orphans=%d: two orphans stay in FIN_WAIT1, the third is "
           "gone at once" % (base + 2), "states: %s" % [sname(x) for x in
                                                       sts])
    s3 = peers[2].segs()
    result([x.fl() for x in s3 if x.flags & (FIN | RST)][-2:] in
           (["FA", "RA"], ["FPA", "RA"]),
           "the orphan over the limit sent its FIN, then RST,ACK",
           *["%s" % x for x in s3])
    result(d["AbortOnMemory"] == 1, "AbortOnMemory counted once",
           "deltas %r" % d)
    ents = [e for e in orphans(P1) if e.lport in
            (peers[0].cport, peers[1].cport)]
    result(len(ents) == 2 and all(e.inode == 0 for e in ents),
           "the orphans are listed with inode 0", repr(ents))
    sysctl_set(NS1, "net.atcp.max_orphans", saved[(NS1, "max_orphans")])
    # Clean up: an in-window RST from each peer.
    for pr in peers[:2]:
        pr.send(RST, seq=pr.snd_nxt, ack=0, ts=False, advance=False)
    ok = all(wait_gone(P1, 4, pr.cport, pr.port, 3) for pr in peers[:2])
    result(ok, "an RST with SEQ = RCV.NXT removes an orphan in FIN_WAIT1")


# ------------------------------------------- active and passive close --
# Seed 004's trace, state by state: data both ways, the client closes
# (FIN_WAIT1 -> FIN_WAIT2), the server reads EOF (CLOSE_WAIT) and closes
# (LAST_ACK -> gone), the client goes TIME_WAIT for 2 * msl.
for fam in (4, 6):
    with guarded("IPv%d active and passive close" % fam):
        port = 6000 + fam
        c, s, cp = pair(fam, SLOW[fam], port)
        c.sendall(b"q" * 30)
        s.recv(100)
        s.sendall(b"r" * 22)
        c.recv(100)
        rec.add("c%d" % fam, P1, fam, cp, port)
        rec.add("s%d" % fam, P2, fam, port, cp)
        time.sleep(0.2)
        dt, e = timed_close(c)
        rec.poll_now()
        result(e == 0 and dt < RTT,
               "IPv%d close() returns at once (%.3f s, %s)" % (
                   fam, dt, errname(e)))
        cw = wait_state(P2, fam, port, cp, CLOSE_WAIT, 5)
        result(cw, "IPv%d server: CLOSE_WAIT after the client's FIN" % fam,
               "server state %s" % sname(state_of(P2, fam, port, cp)))
        eof = s.recv(100)
        result(eof == b"", "IPv%d server: recv() reads EOF" % fam,
               "got %r" % eof)
        f2 = wait_state(P1, fam, cp, port, FIN_WAIT2, 5)
        result(f2, "IPv%d client: FIN_WAIT2 once its FIN is ACKed" % fam,
               "client state %s" % sname(state_of(P1, fam, cp, port)))
        s.close()
        tw = wait_state(P1, fam, cp, port, TIME_WAIT, 5)
        t_tw = time.monotonic()
        ents = find(P1, fam, cp, port)
        result(tw and len(ents) == 1 and ents[0].tr == TIMER_TW and
               0 < ents[0].when <= 2 * MSL,
               "IPv%d client: TIME_WAIT line in /proc/net/atcp%s, timer 3, "
               "expiring within 2*msl = %d s" % (fam, "6" if fam == 6 else "",
                                                 2 * MSL), repr(ents))
        gone = wait_gone(P2, fam, port, cp, 5)
        result(gone, "IPv%d server: gone after LAST_ACK" % fam)
        gone = wait_gone(P1, fam, cp, port, 2 * MSL + 3)
        life = time.monotonic() - t_tw
        result(gone and 2 * MSL - 0.5 <= life <= 2 * MSL + 1.5,
               "IPv%d client: TIME_WAIT ends after 2*msl (%.2f s)" % (
                   fam, life))
        time.sleep(0.1)
        expect_states("c%d" % fam, [ESTABLISHED, FIN_WAIT1, FIN_WAIT2,
                                    TIME_WAIT, GONE],
                      "IPv%d active close: ESTABLISHED -> FIN_WAIT1 -> "
                      "FIN_WAIT2 -> TIME_WAIT -> CLOSED" % fam)
        expect_states("s%d" % fam, [ESTABLISHED, CLOSE_WAIT, LAST_ACK, GONE],
                      "IPv%d passive close: ESTABLISHED -> CLOSE_WAIT -> "
                      "LAST_ACK -> CLOSED" % fam)
        rec.drop("c%d" % fam)
        rec.drop("s%d" % fam)
        segs = segs_between(cap3, cp, port)
        isn = isns(segs)
        cf, sf = fin_of(segs, cp), fin_of(segs, port)
        why = []
        if not cf or not sf or cp not in isn or port not in isn:
            why.append("a FIN or a SYN is missing")
        else:
            ic, is_ = isn[cp], isn[port]
            if cf.fl() != "FA" or fin_seq(cf) != (ic + 31) & 0xffffffff or \
                    cf.ack != (is_ + 1 + 22) & 0xffffffff:
                why.append("client FIN: want [FA] seq 31 ack 23")
            acks = [x for x in segs if x.sport == port and x.t >= cf.t - 1
                    and x.ack == end_seq(cf)]
            if not acks:
                why.append("no server segment acks the client FIN + 1")
            if sf.fl() != "FA" or fin_seq(sf) != (is_ + 23) & 0xffffffff or \
                    sf.ack != end_seq(cf):
                why.append("server FIN: want [FA] seq 23 ack 32")
            last = [x for x in segs if x.sport == cp and x.fl() == "A" and
                    x.ack == end_seq(sf) and x.seq == end_seq(cf)]
            if not last:
                why.append("no client ACK seq 32 ack 24 for the server FIN")
            tail = [x for x in segs if x.t > sf.t + 0.05]
            if any(x.sport == port for x in tail):
                why.append("the server sent something after its FIN was "
                           "acknowledged")
        seg_check(not why, "IPv%d capture: each FIN takes one sequence "
                  "number (client F seq 31 ack 23, server . ack 32, server "
                  "F seq 23 ack 32, client . ack 24)" % fam, segs, isn)
        if why:
            diag(*why)


# ------------------------------------- FIN,ACK in FIN_WAIT1 (scripted) --
with guarded("FIN,ACK in FIN_WAIT1"):
    pr = Peer(NS2, cap, BH, FAST[4][0], 5010)
    c = keep(connect_to_peer(NS1, pr, FAST[4][0]))
    cp = pr.cport
    rec.add("fa", P1, 4, cp, pr.port)
    c.close()
    fin = pr.wait(lambda x: x.flags & FIN, 5)
    wait_for(lambda: FIN_WAIT1 in rec.states("fa"), 2)
    fw1 = state_of(P1, 4, cp, pr.port)
    result(fin is not None and fw1 == FIN_WAIT1,
           "our FIN is out, unacknowledged: FIN_WAIT1 (%s)" % sname(fw1))
    if fin is not None:
        pr.rcv_nxt = end_seq(fin)
        pr.send(FIN | ACK)		# acks our FIN and carries theirs
        a = pr.wait(lambda x: x.flags & ACK and not x.flags & (FIN | RST),
                    5)
        result(a is not None and a.ack == pr.snd_nxt and
               a.seq == end_seq(fin),
               "the peer's FIN,ACK is acknowledged (seq = our FIN + 1, ack "
               "= their FIN + 1)", "got %s" % a)
        wait_state(P1, 4, cp, pr.port, TIME_WAIT, 3)
        time.sleep(0.1)
        expect_states("fa", [ESTABLISHED, FIN_WAIT1, TIME_WAIT],
                      "FIN,ACK received in FIN_WAIT1 goes straight to "
                      "TIME_WAIT (no FIN_WAIT2, no CLOSING)")
    rec.drop("fa")


# ------------------------------------ simultaneous close (scripted) --
with guarded("simultaneous close, scripted"):
    pr = Peer(NS2, cap, BH, FAST[4][0], 5011)
    c = keep(connect_to_peer(NS1, pr, FAST[4][0]))
    cp = pr.cport
    rec.add("sc", P1, 4, cp, pr.port)
    c.close()
    fin = pr.wait(lambda x: x.flags & FIN, 5)
    wait_for(lambda: FIN_WAIT1 in rec.states("sc"), 2)
    if fin is None:
        result(False, "our FIN is sent")
    else:
        pr.send(FIN | ACK, ack=fin.seq)	# has not seen our FIN
        a = pr.wait(lambda x: x.flags & ACK and not x.flags & FIN, 5)
        cl = wait_state(P1, 4, cp, pr.port, CLOSING, 3)
        result(cl and a is not None and a.ack == pr.snd_nxt,
               "their FIN while ours is unacknowledged: CLOSING, their FIN "
               "ACKed", "state %s, ack %s" % (
                   sname(state_of(P1, 4, cp, pr.port)), a))
        time.sleep(0.3)
        still = state_of(P1, 4, cp, pr.port)
        result(still == CLOSING, "CLOSING lasts until our FIN is ACKed",
               sname(still))
        pr.rcv_nxt = end_seq(fin)
        pr.send(ACK)
        wait_state(P1, 4, cp, pr.port, TIME_WAIT, 3)
        time.sleep(0.1)
        expect_states("sc", [ESTABLISHED, FIN_WAIT1, CLOSING, TIME_WAIT],
                      "simultaneous close: FIN_WAIT1 -> CLOSING -> "
                      "TIME_WAIT")
    rec.drop("sc")


# ----------------------------- simultaneous close, real sockets, slow --
with guarded("simultaneous close, both sockets"):
    port = 6010
    c, s, cp = pair(4, SLOW[4], port)
    rec.add("a", P1, 4, cp, port)
    rec.add("b", P2, 4, port, cp)
    go = threading.Barrier(2)

    def closer(sk):
        go.wait()
        sk.close()
        rec.poll_now()

    ths = [threading.Thread(target=closer, args=(x,)) for x in (c, s)]
    for t in ths:
        t.start()
    for t in ths:
        t.join(10)
    ok = wait_for(lambda: state_of(P1, 4, cp, port) == TIME_WAIT and
                  state_of(P2, 4, port, cp) == TIME_WAIT, 5)
    time.sleep(0.1)
    result(ok, "both sides end in TIME_WAIT",
           "ns1 %s, ns2 %s" % (sname(state_of(P1, 4, cp, port)),
                               sname(state_of(P2, 4, port, cp))))
    # Each side is in CLOSING from the other's FIN to the ACK of its own,
    # 200 ms less the skew between the two close() calls: under a loaded
    # CI host that skew has come close to the one-way delay, and the
    # sampler missed ns1's CLOSING once.  Any other state still fails the
    # check; the scripted case above checks CLOSING and its duration.
    for n, ns in (("a", "ns1"), ("b", "ns2")):
        expect_states(n, [ESTABLISHED, FIN_WAIT1, CLOSING, TIME_WAIT],
                      "%s: FIN_WAIT1 -> CLOSING -> TIME_WAIT" % ns,
                      brief=(CLOSING,))
    rec.drop("a")
    rec.drop("b")
    time.sleep(0.2)
    segs = segs_between(cap3, cp, port)
    isn = isns(segs)
    cf, sf = fin_of(segs, cp), fin_of(segs, port)
    why = []
    if not cf or not sf:
        why.append("a FIN is missing")
    else:
        if cf.ack != fin_seq(sf) or sf.ack != fin_seq(cf):
            why.append("the FINs did not cross: each should ack only the "
                       "data before the other's FIN")
        for me, other, who in ((cp, sf, "ns1"), (port, cf, "ns2")):
            if not [x for x in segs if x.sport == me and
                    not x.flags & FIN and x.ack == end_seq(other)]:
                why.append("%s did not ACK the other FIN + 1" % who)
    seg_check(not why, "capture: the two FINs crossed, each side ACKs the "
              "other's FIN + 1", segs, isn)
    if why:
        diag(*why)


# ---------------------------------------------- shutdown(SHUT_WR) --
with guarded("SHUT_WR half-close"):
    port = 6020
    c, s, cp = pair(4, SLOW[4], port)
    rec.add("hc", P1, 4, cp, port)
    c.sendall(b"x" * 1000)
    c.shutdown(socket.SHUT_WR)
    rec.poll_now()
    req, e = read_all(s)
    result(len(req) == 1000 and e == 0,
           "server reads the 1000-byte request, then EOF",
           "%d bytes, %s" % (len(req), errname(e)))
    f2 = wait_state(P1, 4, cp, port, FIN_WAIT2, 3)
    time.sleep(0.05)
    cw = state_of(P2, 4, port, cp)
    result(f2 and cw == CLOSE_WAIT,
           "after SHUT_WR: client FIN_WAIT2, server CLOSE_WAIT",
           "client %s, server %s" % (sname(state_of(P1, 4, cp, port)),
                                     sname(cw)))
    ep = None
    try:
        c.send(b"more")
    except OSError as ex:
        ep = ex.errno
    result(ep == errno.EPIPE, "send() after SHUT_WR fails with EPIPE",
           "got %s" % errname(ep))
    time.sleep(FIN_TIMEOUT + 1.0)
    st = state_of(P1, 4, cp, port)
    result(st == FIN_WAIT2, "a FIN_WAIT2 socket still open is not subject "
           "to fin_timeout (%d s): still FIN_WAIT2 after %.0f s" % (
               FIN_TIMEOUT, FIN_TIMEOUT + 1.0), sname(st))
    blob = os.urandom(60000)
    w = Bg(lambda: (s.sendall(blob), s.close()))
    got, e = read_all(c)
    w.join()
    result(got == blob and e == 0,
           "the client reads all %d bytes the server sends after the "
           "half-close, then EOF" % len(blob),
           "%d bytes, %s" % (len(got), errname(e)))
    tw = wait_state(P1, 4, cp, port, TIME_WAIT, 3)
    c.close()
    time.sleep(0.1)
    result(tw and state_of(P1, 4, cp, port) == TIME_WAIT,
           "client TIME_WAIT after the server's FIN (and after its own "
           "close())")
    expect_states("hc", [ESTABLISHED, FIN_WAIT1, FIN_WAIT2, TIME_WAIT],
                  "half-close: FIN_WAIT1 -> FIN_WAIT2 -> TIME_WAIT")
    rec.drop("hc")
    segs = segs_between(cap3, cp, port)
    isn = isns(segs)
    cf, sf = fin_of(segs, cp), fin_of(segs, port)
    why = []
    if not cf or not sf or cp not in isn or port not in isn:
        why.append("a FIN or a SYN is missing")
    else:
        if fin_seq(cf) != (isn[cp] + 1001) & 0xffffffff:
            why.append("client FIN seq is not 1001")
        if fin_seq(sf) != (isn[port] + 1 + len(blob)) & 0xffffffff or \
                sf.ack != end_seq(cf):
            why.append("server FIN: want seq %d ack 1002" % (1 + len(blob)))
        data_after = [x for x in segs if x.sport == port and x.len and
                      x.t > cf.t]
        if not data_after:
            why.append("no server data after the client FIN")
        if [x for x in segs if x.sport == cp and x.len]:
            if max(x.t for x in segs if x.sport == cp and x.len) > cf.t:
                why.append("client data after its FIN")
    seg_check(not why, "capture: client FIN seq 1001; server data after "
              "it; server FIN seq %d ack 1002" % (1 + len(blob)), segs, isn)
    if why:
        diag(*why)


# --------------------------------------- shutdown(SHUT_RD / SHUT_RDWR) --
with guarded("SHUT_RD"):
    port = 6021
    c, s, cp = pair(4, FAST[4], port)
    time.sleep(0.2)
    n0 = len(segs_between(cap, cp, port))
    c.shutdown(socket.SHUT_RD)
    t0 = time.monotonic()
    d = c.recv(100)
    dt = time.monotonic() - t0
    result(d == b"" and dt < 1.0,
           "SHUT_RD: recv() returns EOF at once (%.3f s)" % dt, repr(d))
    p = select.poll()
    p.register(c, select.POLLIN | select.POLLOUT | 0x2000)
    ev = dict(p.poll(0)).get(c.fileno(), 0)
    result(ev & select.POLLIN and ev & 0x2000 and ev & select.POLLOUT,
           "SHUT_RD: poll() gives POLLIN|POLLRDHUP and still POLLOUT",
           "revents 0x%x" % ev)
    time.sleep(0.3)
    segs = segs_between(cap, cp, port)[n0:]
    result(not segs and state_of(P1, 4, cp, port) == ESTABLISHED,
           "SHUT_RD sends nothing and the connection stays ESTABLISHED",
           *[str(x) for x in segs])
    c.sendall(b"y" * 500)
    got = b""
    while len(got) < 500:
        x = s.recv(1000)
        if not x:
            break
        got += x
    result(len(got) == 500, "after SHUT_RD the client still sends",
           "server got %d bytes" % len(got))
    s.close()
    c.close()

with guarded("SHUT_RDWR"):
    port = 6022
    c, s, cp = pair(4, FAST[4], port)
    c.shutdown(socket.SHUT_RDWR)
    d = c.recv(100)
    ep = None
    try:
        c.send(b"z")
    except OSError as ex:
        ep = ex.errno
    result(d == b"" and ep == errno.EPIPE,
           "SHUT_RDWR: recv() gives EOF, send() EPIPE",
           "recv %r, send %s" % (d, errname(ep)))
    eof = s.recv(100)
    f2 = wait_state(P1, 4, cp, port, FIN_WAIT2, 3)
    result(eof == b"" and f2,
           "SHUT_RDWR sends the FIN: the server reads EOF, the client is "
           "in FIN_WAIT2", "server recv %r, client %s" % (
               eof, sname(state_of(P1, 4, cp, port))))
    s.shutdown(socket.SHUT_WR)		# from CLOSE_WAIT: LAST_ACK
    tw = wait_state(P1, 4, cp, port, TIME_WAIT, 3)
    sg = wait_gone(P2, 4, port, cp, 3)
    result(tw and sg, "the server's shutdown(SHUT_WR) in CLOSE_WAIT sends "
           "its FIN: client TIME_WAIT, server CLOSED (socket still open)",
           "client %s, server %s" % (sname(state_of(P1, 4, cp, port)),
                                     sname(state_of(P2, 4, port, cp))))
    s.close()
    c.close()


with guarded("close() after SHUT_WR"):
    # An open socket waits in FIN_WAIT2 for as long as it likes; closing
    # it makes an orphan whose fin_timeout counts from close().
    port = 6023
    c, s, cp = pair(4, FAST[4], port)
    c.shutdown(socket.SHUT_WR)
    s.recv(10)
    wait_state(P1, 4, cp, port, FIN_WAIT2, 3)
    time.sleep(1.0)
    t0 = time.monotonic()
    c.close()
    e = find(P1, 4, cp, port)
    result(len(e) == 1 and e[0].state == FIN_WAIT2 and e[0].inode == 0 and
           e[0].tr == TIMER_KEEPALIVE and e[0].when > FIN_TIMEOUT - 0.5,
           "close() in FIN_WAIT2: an orphan whose fin_timeout timer starts "
           "now", repr(e))
    gone = wait_gone(P1, 4, cp, port, FIN_TIMEOUT + 3)
    lf = time.monotonic() - t0
    result(gone and FIN_TIMEOUT - 0.3 <= lf <= FIN_TIMEOUT + 1.5,
           "and it is gone fin_timeout after close() (%.2f s)" % lf)
    s.close()


# -------------------------------------------- close() with unread data --
with guarded("close with unread data"):
    port = 6030
    c, s, cp = pair(4, FAST[4], port)
    s.sendall(b"u" * 100)
    time.sleep(0.3)			# arrived, unread
    st0 = stat(NS1)
    c.close()
    err = recv_errno(s)
    st1 = stat(NS1)
    d = stat_delta(st0, st1, "AbortOnClose", "AbortOnData")
    segs = ends_from(cp, port)
    isn = isns(segs_between(cap, cp, port))
    seg_check([x.fl() for x in segs] == ["RA"] and
              segs[0].seq == (isn.get(cp, 0) + 1) & 0xffffffff,
              "close() with 100 unread bytes sends RST,ACK (seq = SND.NXT)"
              " and no FIN (RFC 2525 2.17)", segs, isn)
    result(err == "ECONNRESET", "the peer's recv() fails with ECONNRESET",
           "got %s" % err)
    result(state_of(P1, 4, cp, port) == GONE and
           wait_gone(P2, 4, port, cp, 2),
           "no TIME_WAIT, no FIN_WAIT: both ends are gone")
    result(d["AbortOnClose"] == 1, "AbortOnClose counted once",
           "deltas %r" % d)
    s.close()


# --------------------------------------------------- SO_LINGER {1, 0} --
with guarded("SO_LINGER {1, 0}"):
    port = 6031
    c, s, cp = pair(4, FAST[4], port)
    c.sendall(b"v" * 10)
    s.recv(100)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger(1, 0))
    st0 = stat(NS1)
    c.close()
    err = recv_errno(s)
    st1 = stat(NS1)
    d = stat_delta(st0, st1, "AbortOnData", "AbortOnClose")
    segs = ends_from(cp, port)
    isn = isns(segs_between(cap, cp, port))
    seg_check([x.fl() for x in segs] == ["RA"] and
              segs[0].seq == (isn.get(cp, 0) + 11) & 0xffffffff,
              "SO_LINGER {1, 0}: close() sends RST,ACK (seq = SND.NXT), no "
              "FIN", segs, isn)
    result(err == "ECONNRESET", "the peer's recv() fails with ECONNRESET",
           "got %s" % err)
    time.sleep(0.2)
    result(state_of(P1, 4, cp, port) == GONE,
           "SO_LINGER {1, 0}: no TIME_WAIT", sname(state_of(P1, 4, cp, port)))
    result(d["AbortOnData"] == 1 and d["AbortOnClose"] == 0,
           "AbortOnData counted once (as TCP does for SO_LINGER {1, 0})",
           "deltas %r" % d)
    s.close()


# --------------------------------------------------- SO_LINGER {1, N} --
with guarded("SO_LINGER {1, N}, reachable peer"):
    port = 6032
    c, s, cp = pair(4, SLOW[4], port)
    blob = os.urandom(20000)
    r = Bg(read_all, s)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger(1, 5))
    c.sendall(blob)
    dt, e = timed_close(c)
    st = state_of(P1, 4, cp, port)
    got, re = r.join()
    result(e == 0 and RTT * 0.8 <= dt < 4.5,
           "SO_LINGER {1, 5}: close() waits for the ACK of data and FIN "
           "(%.2f s; RTT %.1f s) and returns 0" % (dt, RTT),
           "errno %s" % errname(e))
    result(st == FIN_WAIT2,
           "when close() returns, the FIN is acknowledged: FIN_WAIT2",
           sname(st))
    result(got == blob and re == 0, "the server read every byte, then EOF",
           "%d of %d bytes, %s" % (len(got), len(blob), errname(re)))
    s.close()

with guarded("SO_LINGER {1, N}, silent peer"):
    pr = Peer(NS2, cap, BH, FAST[4][0], 5020)
    c = keep(connect_to_peer(NS1, pr, FAST[4][0]))
    cp = pr.cport
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger(1, 2))
    c.sendall(b"w" * 100)
    dt, e = timed_close(c)
    st = state_of(P1, 4, cp, pr.port)
    result(e == 0 and 1.8 <= dt <= 3.5,
           "SO_LINGER {1, 2} toward a peer that never ACKs: close() "
           "returns after 2 s (%.2f s, %s)" % (dt, errname(e)),
           "Linux's close() returns 0 here (no EWOULDBLOCK as in BSD)")
    result(st == FIN_WAIT1, "then the orphan goes on in FIN_WAIT1",
           sname(st))
    pr.wait(lambda x: x.flags & FIN, 2)
    pr.send(RST, seq=pr.snd_nxt, ack=0, ts=False, advance=False)
    wait_gone(P1, 4, cp, pr.port, 3)

with guarded("SO_LINGER {1, N}, non-blocking"):
    pr = Peer(NS2, cap, BH, FAST[4][0], 5021)
    c = keep(connect_to_peer(NS1, pr, FAST[4][0]))
    cp = pr.cport
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger(1, 3))
    c.setblocking(False)
    dt, e = timed_close(c)
    st = state_of(P1, 4, cp, pr.port)
    result(dt < 1.0 and st == FIN_WAIT1,
           "SO_LINGER {1, 3} on a non-blocking socket: close() does not "
           "wait (%.2f s, returns %s), the FIN goes on in FIN_WAIT1" % (
               dt, errname(e)), sname(st))
    diag("non-blocking lingering close() returned %s (Linux: 0; the BSD "
         "EWOULDBLOCK of seed 004 cannot come from close(2) on Linux)" %
         errname(e))
    pr.wait(lambda x: x.flags & FIN, 2)
    pr.send(RST, seq=pr.snd_nxt, ack=0, ts=False, advance=False)
    wait_gone(P1, 4, cp, pr.port, 3)


# --------------------------------- data written before close() arrives --
with guarded("data before close is delivered"):
    port = 6040
    c, s, cp = pair(4, FAST[4], port)
    blob = os.urandom(512 * 1024)
    r = Bg(read_all, s)
    c.sendall(blob)
    c.close()
    got, e = r.join(60)
    result(hashlib.sha256(got).digest() == hashlib.sha256(blob).digest()
           and e == 0,
           "512 KiB written just before close(): the peer reads all of it "
           "(SHA-256 equal), then EOF", "%d bytes, %s" % (len(got),
                                                          errname(e)))
    s.close()


# ------------------------------------- an orphan sends its unsent data --
# The peer opens a 2000-byte window at a time: most of the 8000 bytes
# are still unsent when close() returns; the orphan sends them, then its
# FIN, as the window opens.  (Not less than one MSS: ATCP does not split
# a queued segment to fit a smaller window.)
WND, TOTAL = 2000, 8000
with guarded("orphan sends queued data"):
    pr = Peer(NS2, cap, BH, FAST[4][0], 5033)
    pr.window = WND
    c = keep(connect_to_peer(NS1, pr, FAST[4][0]))
    cp = pr.cport
    c.sendall(b"p" * TOTAL)
    c.close()
    nxt = (pr.irs + 1) & 0xffffffff
    fin_in = False
    most = 0
    deadline = time.monotonic() + 20
    while not fin_in and time.monotonic() < deadline:
        x = pr.wait(lambda x: x.len or x.flags & FIN, 3)
        if x is None:
            break
        most = max(most, x.len)
        if x.seq == nxt:
            nxt = end_seq(x)
            fin_in = bool(x.flags & FIN)
        pr.rcv_nxt = nxt
        pr.send(ACK)
    f2 = wait_state(P1, 4, cp, pr.port, FIN_WAIT2, 2)
    result(fin_in and nxt == (pr.irs + TOTAL + 2) & 0xffffffff and
           most <= WND,
           "the orphan sends all %d bytes within the %d-byte window, then "
           "its FIN (seq %d)" % (TOTAL, WND, TOTAL + 1),
           "in sequence up to %d, FIN %s, "
           "largest segment %d" % ((nxt - pr.irs) & 0xffffffff, fin_in,
                                    most))
    result(f2, "FIN acknowledged: the orphan is in FIN_WAIT2",
           sname(state_of(P1, 4, cp, pr.port)))
    pr.send(FIN | ACK)
    tw = wait_state(P1, 4, cp, pr.port, TIME_WAIT, 2)
    result(tw, "the peer's FIN: TIME_WAIT")


# ------------------------------------------------------ orphan_retries --
with guarded("orphan_retries"):
    R = 3
    pr = Peer(NS2, cap, BH, FAST[4][0], 5030)
    c = keep(connect_to_peer(NS1, pr, FAST[4][0]))
    cp = pr.cport
    setsys(NS1, "orphan_retries", R)
    st0 = stat(NS1)
    c.sendall(b"o" * 3000)
    t0 = time.time()
    c.close()
    e = find(P1, 4, cp, pr.port)
    result(len(e) == 1 and e[0].state == FIN_WAIT1 and e[0].inode == 0 and
           e[0].tr == 1, "after close(): an orphan (inode 0) in FIN_WAIT1 "
           "with the retransmit timer", repr(e))
    gone = wait_gone(P1, 4, cp, pr.port, 40)
    t_gone = time.time()
    st1 = stat(NS1)
    mine = pr.segs()
    first = pr.irs + 1
    head = [x for x in mine if x.seq == first and x.len]
    fins = [x for x in mine if x.flags & FIN]
    result(gone, "the orphan is gone after %.1f s" % (t_gone - t0))
    result(len(head) == R + 1,
           "orphan_retries=%d: the first unacknowledged segment is sent "
           "once and retransmitted %d times" % (R, R),
           "sent %d times" % len(head), *[str(x) for x in mine])
    result(fins and len(head) > 1 and fins[0].t < head[1].t,
           "the FIN left with the data, before the first retransmission",
           *[str(x) for x in fins])
    gaps = [b.t - a.t for a, b in zip(head, head[1:])]
    result(len(gaps) >= 2 and all(b >= 1.5 * a for a, b in
                                  zip(gaps, gaps[1:])),
           "retransmissions back off exponentially",
           "gaps %s" % ["%.2f" % g for g in gaps])
    d = stat_delta(st0, st1, "AbortOnTimeout")
    result(d["AbortOnTimeout"] == 1, "AbortOnTimeout counted once",
           "deltas %r" % d)
    diag("segments after the last retransmission: %s" % [
        x.fl() for x in mine if head and x.t > head[-1].t])
    sysctl_set(NS1, "net.atcp.orphan_retries", ORPHAN_RETRIES)


# ------------------------------------- LAST_ACK toward a silent peer --
# Seed 001: the passive closer's FIN is never ACKed; after orphan_retries
# retransmissions the connection is CLOSED rather than kept in LAST_ACK.
with guarded("LAST_ACK retries"):
    R = 2
    pr = Peer(NS2, cap, BH, FAST[4][0], 5031)
    c = keep(connect_to_peer(NS1, pr, FAST[4][0]))
    cp = pr.cport
    rec.add("la", P1, 4, cp, pr.port)
    setsys(NS1, "orphan_retries", R)
    pr.send(FIN | ACK)
    d = c.recv(10)
    cw = state_of(P1, 4, cp, pr.port)
    result(d == b"" and cw == CLOSE_WAIT, "the peer's FIN: EOF and "
           "CLOSE_WAIT", "recv %r, state %s" % (d, sname(cw)))
    c.close()
    la = wait_state(P1, 4, cp, pr.port, LAST_ACK, 2)
    gone = wait_gone(P1, 4, cp, pr.port, 20)
    fins = [x for x in pr.segs() if x.flags & FIN]
    result(la and gone and len(fins) == R + 1 and
           len(set(x.seq for x in fins)) == 1 and
           all(x.ack == pr.snd_nxt for x in fins),
           "LAST_ACK: our FIN is sent once and retransmitted "
           "orphan_retries=%d times, then the connection is CLOSED" % R,
           "%d FINs" % len(fins), *[str(x) for x in fins])
    time.sleep(0.1)
    # CLOSE_WAIT was checked directly above ("the peer's FIN: EOF and
    # CLOSE_WAIT"); the application closes right after EOF.
    expect_states("la", [ESTABLISHED, CLOSE_WAIT, LAST_ACK, GONE],
                  "ESTABLISHED -> CLOSE_WAIT -> LAST_ACK -> CLOSED",
                  brief=(CLOSE_WAIT,))
    rec.drop("la")
    sysctl_set(NS1, "net.atcp.orphan_retries", ORPHAN_RETRIES)


# ----------------------------------- data arriving after close(): RST --
# Seed 004, case 3: the application closed, the peer's data is still on
# its way: the orphan cannot deliver it and resets the connection.
with guarded("data after close"):
    port = 6053
    c, s, cp = pair(4, FAST[4], port)
    c.close()
    eof = s.recv(10)
    f2 = wait_state(P1, 4, cp, port, FIN_WAIT2, 2)
    st0 = stat(NS1)
    s.sendall(b"late" * 25)
    gone = wait_gone(P1, 4, cp, port, 2)
    st1 = stat(NS1)
    ep = None
    try:
        s.send(b"more")
    except OSError as ex:
        ep = ex.errno
    segs = segs_between(cap, cp, port)
    isn = isns(segs)
    ctl = [x for x in segs if x.sport == cp and x.flags & (FIN | RST)]
    cf = fin_of(segs, cp)
    seg_check(eof == b"" and f2 and gone and [x.fl() for x in ctl] ==
              ["FA", "RA"] and ctl[1].seq == end_seq(cf),
              "100 bytes for a closed socket in FIN_WAIT2: RST,ACK (seq = "
              "FIN + 1), the orphan is gone", segs, isn)
    d = stat_delta(st0, st1, "AbortOnData")
    result(d["AbortOnData"] == 1, "AbortOnData counted once",
           "deltas %r" % d)
    result(ep == errno.EPIPE, "the sender, reset in CLOSE_WAIT, gets "
           "EPIPE from its next send() (as TCP)", "got %s" % errname(ep))
    s.close()


# ---------------------- FIN_WAIT2: fin_timeout, TCP_LINGER2, seed 004 --
# Two clients send 523 bytes and close; the server reads everything
# including EOF but closes only FIN_TIMEOUT + 2 s later.  Client A
# (fin_timeout = 2) is gone after 2 s, client B (TCP_LINGER2 = 5) after
# 5 s; the server's late FIN to A is answered with RST (seed 004), and
# so is the one to B once its TCP_LINGER2 passed.
with guarded("FIN_WAIT2 timeout"):
    pa, pb = 6050, 6051
    ca, sa, cpa = pair(4, FAST[4], pa)
    cb, sb, cpb = pair(4, FAST[4], pb)
    g0 = cb.getsockopt(SOL_TCP, TCP_LINGER2)
    cb.setsockopt(SOL_TCP, TCP_LINGER2, 5)
    g1 = cb.getsockopt(SOL_TCP, TCP_LINGER2)
    result(g0 == FIN_TIMEOUT and g1 == 5,
           "TCP_LINGER2: unset reads fin_timeout (%d), set reads 5" %
           FIN_TIMEOUT, "got %d, %d" % (g0, g1))
    for x in (ca, cb):
        x.sendall(b"d" * 523)
    t0 = time.monotonic()
    ca.close()
    cb.close()
    for x in (sa, sb):
        got, _ = read_all(x)
    fa = wait_state(P1, 4, cpa, pa, FIN_WAIT2, 2)
    ents = find(P1, 4, cpa, pa)
    result(fa and ents and ents[0].inode == 0 and
           ents[0].tr == TIMER_KEEPALIVE and
           0 < ents[0].when <= FIN_TIMEOUT,
           "orphan in FIN_WAIT2 with its fin_timeout timer (%d s)" %
           FIN_TIMEOUT, repr(ents))
    gone_a = wait_gone(P1, 4, cpa, pa, FIN_TIMEOUT + 3)
    la = time.monotonic() - t0
    sb_state = state_of(P1, 4, cpb, pb)
    result(gone_a and FIN_TIMEOUT - 0.3 <= la <= FIN_TIMEOUT + 1.5,
           "fin_timeout=%d: the FIN_WAIT2 orphan is gone after %.2f s" % (
               FIN_TIMEOUT, la))
    result(sb_state == FIN_WAIT2,
           "TCP_LINGER2=5 keeps the other one in FIN_WAIT2 meanwhile",
           sname(sb_state))
    result(state_of(P2, 4, pa, cpa) == CLOSE_WAIT,
           "the server side sits in CLOSE_WAIT (read EOF, not closed)")
    time.sleep(max(0.0, FIN_TIMEOUT + 1.0 - (time.monotonic() - t0)))
    t_late = time.time()
    sa.close()			# the late FIN of seed 004
    err = wait_gone(P2, 4, pa, cpa, 3)
    gone_b = wait_gone(P1, 4, cpb, pb, 5 + 3 - (time.monotonic() - t0))
    lb = time.monotonic() - t0
    result(gone_b and 5 - 0.3 <= lb <= 5 + 1.5,
           "TCP_LINGER2=5: that orphan is gone after %.2f s" % lb)
    sb.close()
    wait_gone(P2, 4, pb, cpb, 3)
    segs = segs_between(cap, cpa, pa)
    isn = isns(segs)
    sf = fin_of(segs, pa)
    late = [x for x in segs if x.t >= t_late - 0.01 and x.sport == cpa]
    why = []
    if sf is None or cpa not in isn:
        why.append("no server FIN / client SYN")
    else:
        if sf.ack != (isn[cpa] + 1 + 523 + 1) & 0xffffffff:
            why.append("the late FIN does not ack 525 (523 bytes + FIN)")
        if [x.fl() for x in late] != ["R"] or late[0].seq != sf.ack:
            why.append("want exactly one [R] with seq = the FIN's ack")
    seg_check(not why, "seed 004: the late FIN (seq 1 ack 525) is answered "
              "by RST seq 525, no ACK flag", segs, isn)
    result(err, "the server's connection is gone after that RST",
           sname(state_of(P2, 4, pa, cpa)))
    segs = segs_between(cap, cpb, pb)
    late = [x for x in segs if x.sport == cpb and x.flags & RST]
    result(len(late) == 1, "the FIN to the TCP_LINGER2 orphan, after it "
           "expired, is answered with RST too", *fmt_rel(segs, isns(segs)))

with guarded("TCP_LINGER2 = -1"):
    port = 6052
    c, s, cp = pair(4, FAST[4], port)
    c.setsockopt(SOL_TCP, TCP_LINGER2, -1)
    st0 = stat(NS1)
    c.close()
    gone = wait_gone(P1, 4, cp, port, 2)
    err = recv_errno(s, 2)
    st1 = stat(NS1)
    d = stat_delta(st0, st1, "AbortOnData", "AbortOnLinger")
    segs = [x for x in segs_between(cap, cp, port) if x.flags & (FIN | RST)]
    result(gone and [x.fl() for x in segs if x.sport == cp] == ["FA", "RA"],
           "TCP_LINGER2 = -1: no FIN_WAIT2 for the orphan; RST once the FIN "
           "is ACKed", *[str(x) for x in segs])
    result(d["AbortOnData"] + d["AbortOnLinger"] == 1,
           "counted once (AbortOnData or AbortOnLinger)", "deltas %r" % d)
    diag("TCP_LINGER2=-1 counters: %r; peer recv: %s" % (d, err))
    s.close()


# ------------------------------------------- the orphan count is back --
# Every orphan above is gone: the namespace's count must be 0 again, so
# max_orphans = 1 lets one more orphan live (a leaked count resets it).
with guarded("orphan count"):
    left = wait_for(lambda: not orphans(P1), 10)
    pr = Peer(NS2, cap, BH, FAST[4][0], 5040)
    c = keep(connect_to_peer(NS1, pr, FAST[4][0]))
    setsys(NS1, "max_orphans", 1)
    st0 = stat(NS1)
    c.close()
    time.sleep(0.3)
    d = stat_delta(st0, stat(NS1), "AbortOnMemory")
    st = state_of(P1, 4, pr.cport, pr.port)
    result(left is True or left == [], "all orphans of this test are "
           "gone", repr(orphans(P1)))
    result(st == FIN_WAIT1 and d["AbortOnMemory"] == 0,
           "max_orphans=1 still admits one orphan: no orphan count leaked "
           "by the cases above", "state %s, deltas %r" % (sname(st), d))
    sysctl_set(NS1, "net.atcp.max_orphans", saved[(NS1, "max_orphans")])
    pr.wait(lambda x: x.flags & FIN, 2)
    pr.send(RST, seq=pr.snd_nxt, ack=0, ts=False, advance=False)
    wait_gone(P1, 4, pr.cport, pr.port, 3)


rec.stop()
for s in opened:
    try:
        s.close()
    except OSError:
        pass
for (ns, name), v in saved.items():
    try:
        sysctl_set(ns, "net.atcp." + name, v)
    except OSError:
        pass
cap.stop()
cap3.stop()
