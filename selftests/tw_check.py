# SPDX-License-Identifier: GPL-2.0
"""TIME-WAIT checks for selftests/test_timewait.sh.

Run as: python3 -S tw_check.py ns1=NS ns2=NS dev1=DEV ip1=A ip2=A
        ip6_1=A ip6_2=A bh=A proc1=DIR proc2=DIR capdir=DIR ko=PATH
Clients in ns1, servers in ns2, every segment captured on ns1's veth
(DEV1).  BH is an address of ns2 that ns2's own stack never receives
for: a scripted peer (close_lib.Peer) there closes connections on cue
and then sends what a TIME-WAIT must cope with: its FIN again, RST, SYNs
with old or new timestamps and sequence numbers.  The last part unloads
and reloads the module KO while TIME-WAIT objects and an orphan exist.
Prints PASS/FAIL/SKIP lines for lib.sh's tap_import.
"""

import errno
import socket
import struct
import sys
import time

from close_lib import (ACK, FIN, FIN_WAIT2, GONE, RST, SYN,
                       TIME_WAIT, TIMER_TW, Peer, connect_to_peer,
                       count_state, delete_module, end_seq, entries, find,
                       finit_module, module_loaded, module_refcnt, sname,
                       state_of, wait_for, wait_gone, wait_state)
from conn_lib import (Capture, args, asock, diag, errname, guarded, raw_bind,
                      read_stat, result, stat_delta, sysctl_get, sysctl_set)

o = args(sys.argv[1:])
NS1, NS2 = o["ns1"], o["ns2"]
IP = {4: (o["ip1"], o["ip2"]), 6: (o["ip6_1"], o["ip6_2"])}
BH = o["bh"]
P1, P2 = o["proc1"], o["proc2"]
KO = o["ko"]
TIMEO = struct.pack("ll", 20, 0)
MSL = 2
TW_LEN = 2 * MSL

cap = Capture(NS1, o["dev1"], pcap=o["capdir"] + "/timewait.pcap")
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
        saved[key] = sysctl_get(ns, name)
    sysctl_set(ns, name, value)


def restore(ns, name):
    if (ns, name) in saved:
        sysctl_set(ns, name, saved[(ns, name)])


def stat(ns):
    return read_stat((P1 if ns == NS1 else P2) + "/atcp_stat")


def listener(fam, port, reuse=True, addr=None):
    ls = keep(asock(NS2, fam))
    if reuse:
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((IP[fam][1] if addr is None else addr, port))
    ls.listen(8)
    ls.settimeout(20)
    return ls


def client_close_first(ls, fam, lport=0, reuse=False):
    """Connect to LS from ns1, the client closes first, the server reads
    EOF and closes: the client ends in TIME_WAIT.  Returns its port."""
    c = keep(asock(NS1, fam))
    if reuse:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if lport:
        c.bind((IP[fam][0], lport))
    c.connect(ls.getsockname()[:2])
    s, _ = ls.accept()
    keep(s)
    cp = c.getsockname()[1]
    c.close()
    s.settimeout(10)
    s.recv(10)
    s.close()
    return cp


def server_close_first(ls, fam, lport=0, reuse=False):
    """As client_close_first, but the server closes first: the server's
    accepted socket ends in TIME_WAIT.  Returns the client's port."""
    c = keep(asock(NS1, fam))
    if reuse:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if lport:
        c.bind((IP[fam][0], lport))
    c.connect(ls.getsockname()[:2])
    s, _ = ls.accept()
    keep(s)
    cp = c.getsockname()[1]
    s.close()
    c.recv(10)
    c.close()
    return cp


def scripted_tw(port, ts=True):
    """A connection from ns1 to a scripted peer on PORT that ns1 closes
    first; the peer answers with FIN,ACK at once, so ns1 goes to
    TIME_WAIT.  Returns (peer, the client's FIN segment) with the peer's
    SND.NXT / RCV.NXT just past both FINs."""
    pr = Peer(NS2, cap, BH, IP[4][0], port, ts=ts)
    c = keep(connect_to_peer(NS1, pr, IP[4][0]))
    c.close()
    fin = pr.wait(lambda x: x.flags & FIN, 5)
    if fin is None:
        raise RuntimeError("no FIN from ns1 toward port %d" % port)
    pr.rcv_nxt = end_seq(fin)
    pr.send(FIN | ACK)
    a = pr.wait(lambda x: x.flags == ACK and x.ack == pr.snd_nxt, 5)
    if a is None or not wait_state(P1, 4, pr.cport, port, TIME_WAIT, 3):
        raise RuntimeError("port %d: no TIME_WAIT after FIN,ACK" % port)
    return pr, fin


def tw_entry(procnet, fam, lport, rport):
    e = [x for x in find(procnet, fam, lport, rport) if x.state == TIME_WAIT]
    return e[0] if len(e) == 1 else None


def reply(pr, timeout=2.0):
    return pr.wait(None, timeout)


def fl(x):
    return x.fl() if x is not None else "none"


setsys(NS1, "net.atcp.msl", MSL)
setsys(NS2, "net.atcp.msl", MSL)
# The scripted cases check what TIME-WAIT answers, a segment or two at a
# time: no rate limit on the answers, except where one is checked.
setsys(NS1, "net.atcp.invalid_ratelimit", 0)


# --------------------------------------------------- 2 * msl, TW counter --
with guarded("TIME_WAIT lasts 2*msl"):
    lss = {fam: listener(fam, 7000 + fam) for fam in (4, 6)}
    st0 = stat(NS1)
    cps, seen = {}, {}
    for fam in (4, 6):
        cps[fam] = client_close_first(lss[fam], fam)
        if wait_state(P1, fam, cps[fam], 7000 + fam, TIME_WAIT, 3):
            seen[fam] = time.monotonic()
    for fam in (4, 6):
        e = tw_entry(P1, fam, cps[fam], 7000 + fam)
        result(e is not None and e.tr == TIMER_TW and e.inode == 0 and
               TW_LEN - 1.5 <= e.when <= TW_LEN,
               "IPv%d /proc/net/atcp%s: state 06, timer 3 expiring in "
               "about 2*msl = %d s" % (fam, "6" if fam == 6 else "", TW_LEN),
               repr(find(P1, fam, cps[fam], 7000 + fam)))
    life = {}
    deadline = time.monotonic() + TW_LEN + 3
    while len(life) < len(seen) and time.monotonic() < deadline:
        for fam in seen:
            if fam not in life and \
                    state_of(P1, fam, cps[fam], 7000 + fam) == GONE:
                life[fam] = time.monotonic() - seen[fam]
        time.sleep(0.05)
    for fam in (4, 6):
        lf = life.get(fam)
        result(lf is not None and TW_LEN - 0.7 <= lf <= TW_LEN + 1.5,
               "IPv%d TIME_WAIT gone after 2*msl (%s s)" % (
                   fam, "%.2f" % lf if lf else "never"))
    time.sleep(0.1)
    d = stat_delta(st0, stat(NS1), "TW", "TimeWaitOverflow")
    result(d["TW"] == 2 and d["TimeWaitOverflow"] == 0,
           "TW counts the two TIME-WAITs that ran their course",
           "deltas %r" % d)
    for ls in lss.values():
        ls.close()


# ---------------------------------- retransmitted FIN: re-ACK, restart --
with guarded("retransmitted FIN in TIME_WAIT"):
    pr, fin = scripted_tw(5100)
    cp = pr.cport
    t_tw = time.monotonic()
    time.sleep(TW_LEN / 2)
    e1 = tw_entry(P1, 4, cp, pr.port)
    pr.skip_seen()
    t_fin = time.monotonic()
    pr.send(FIN | ACK, seq=(pr.snd_nxt - 1) & 0xffffffff, advance=False)
    a = reply(pr)
    e2 = tw_entry(P1, 4, cp, pr.port)
    result(a is not None and a.fl() == "A" and a.ack == pr.snd_nxt and
           a.seq == end_seq(fin),
           "the peer's FIN again: TIME_WAIT answers with ACK (seq = our FIN "
           "+ 1, ack = their FIN + 1)", "got %s" % a)
    result(a is not None and a.opts.get("tsecr") == pr.last_tsval,
           "that ACK echoes the retransmitted FIN's TSval",
           "got %s, sent %s" % (a, pr.last_tsval))
    result(e1 is not None and e2 is not None and e1.when <= TW_LEN / 2 + 0.2
           and e2.when >= TW_LEN - 0.7,
           "and restarts the 2*msl timer (%.2f s left before, %.2f s "
           "after)" % (e1.when if e1 else -1, e2.when if e2 else -1))
    time.sleep(max(0.0, t_tw + TW_LEN + 0.7 - time.monotonic()))
    st = state_of(P1, 4, cp, pr.port)
    result(st == TIME_WAIT, "still TIME_WAIT 2*msl after it began",
           sname(st))
    gone = wait_gone(P1, 4, cp, pr.port, TW_LEN + 2)
    lf = time.monotonic() - t_fin
    result(gone and TW_LEN - 0.7 <= lf <= TW_LEN + 1.5,
           "gone 2*msl after the retransmitted FIN (%.2f s)" % lf)


# ------------------------------------------------- an old data segment --
with guarded("data in TIME_WAIT"):
    pr, fin = scripted_tw(5105)
    cp = pr.cport
    pr.skip_seen()
    pr.send(ACK | 0x08, seq=(pr.snd_nxt - 101) & 0xffffffff,
            data=b"o" * 100, advance=False)
    x = reply(pr)
    time.sleep(0.2)
    st = state_of(P1, 4, cp, pr.port)
    result(x is not None and x.fl() == "A" and x.ack == pr.snd_nxt and
           x.seq == end_seq(fin) and st == TIME_WAIT,
           "an old data segment in TIME_WAIT is answered with an ACK of "
           "the FIN, TIME_WAIT stays", "answer %s, state %s" % (
               x, sname(st)))


# ---------------------------------------------------- RST and rfc1337 --
with guarded("RST in TIME_WAIT, rfc1337=0"):
    setsys(NS1, "net.atcp.rfc1337", 0)
    pr, fin = scripted_tw(5110)
    cp = pr.cport
    pr.skip_seen()
    pr.send(RST, seq=(pr.snd_nxt + 1000) & 0xffffffff, ack=0, ts=False,
            advance=False)
    time.sleep(0.3)
    result(state_of(P1, 4, cp, pr.port) == TIME_WAIT,
           "rfc1337=0: an RST with a wrong sequence number leaves TIME_WAIT "
           "alone")
    pr.send(RST, seq=pr.snd_nxt, ack=0, ts=False, advance=False)
    gone = wait_gone(P1, 4, cp, pr.port, 1.0)
    result(gone, "rfc1337=0: an RST with SEQ = RCV.NXT ends TIME_WAIT at "
           "once (TIME-WAIT assassination allowed)",
           sname(state_of(P1, 4, cp, pr.port)))
    x = reply(pr, 0.3)
    result(x is None, "no answer to either RST", "got %s" % x)

with guarded("RST in TIME_WAIT, rfc1337=1"):
    setsys(NS1, "net.atcp.rfc1337", 1)
    pr, fin = scripted_tw(5111)
    cp = pr.cport
    pr.send(RST, seq=pr.snd_nxt, ack=0, ts=False, advance=False)
    time.sleep(0.5)
    st = state_of(P1, 4, cp, pr.port)
    result(st == TIME_WAIT, "rfc1337=1: the same RST is ignored, TIME_WAIT "
           "stays (RFC 1337)", sname(st))
    restore(NS1, "net.atcp.rfc1337")


# ------------------------------------------------ a new SYN in TIME_WAIT --
# No listener in ns1: a SYN that TIME-WAIT lets through meets the closed
# port and is answered with RST,ACK; one it refuses gets TIME-WAIT's ACK.
def syn_case(pr, fin, desc, accept, seq, ts, tsval=None):
    cp = pr.cport
    pr.skip_seen()
    pr.send(SYN, seq=seq, ack=0, ts=ts, tsval=tsval, mss=1460,
            advance=False)
    x = reply(pr)
    st = state_of(P1, 4, cp, pr.port)
    if accept:
        okay = (x is not None and x.fl() == "RA" and
                x.ack == (seq + 1) & 0xffffffff and st == GONE)
        what = "accepted: TIME_WAIT gone, the SYN reaches the closed port " \
            "(RST,ACK)"
    else:
        okay = (x is not None and x.fl() == "A" and x.ack == pr.snd_nxt
                and x.seq == end_seq(fin) and st == TIME_WAIT)
        what = "refused: TIME_WAIT stays and ACKs with its own numbers"
    result(okay, "%s: %s" % (desc, what),
           "answer %s, state %s" % (x, sname(st)))


with guarded("SYN in TIME_WAIT, timestamps"):
    pr, fin = scripted_tw(5120, ts=True)
    diag("TIME_WAIT with timestamps: RCV.NXT %d, TS.Recent %s" % (
        pr.snd_nxt, pr.last_tsval))
    syn_case(pr, fin, "SYN with an older timestamp but a higher sequence "
             "number (RFC 6191)", False, pr.snd_nxt + 1000000, True,
             (pr.tsval() - 100000) & 0xffffffff)
    syn_case(pr, fin, "SYN with a newer timestamp but a lower sequence "
             "number (RFC 6191)", True, pr.snd_nxt - 1000000, True,
             pr.tsval(5000))

with guarded("SYN in TIME_WAIT, no timestamps"):
    pr, fin = scripted_tw(5121, ts=False)
    diag("TIME_WAIT without timestamps: RCV.NXT %d" % pr.snd_nxt)
    syn_case(pr, fin, "SYN with a lower sequence number, no timestamps "
             "(RFC 1122 4.2.2.13)", False, pr.snd_nxt - 1000, False)
    syn_case(pr, fin, "SYN with SEQ = RCV.NXT, no timestamps", False,
             pr.snd_nxt, False)
    syn_case(pr, fin, "SYN with a higher sequence number, no timestamps "
             "(RFC 1122 4.2.2.13)", True, pr.snd_nxt + 100000, False)


with guarded("TIME_WAIT answers, invalid_ratelimit 500 ms"):
    sysctl_set(NS1, "net.atcp.invalid_ratelimit", 500)
    pr, fin = scripted_tw(5122, ts=False)
    st0 = stat(NS1)
    pr.skip_seen()
    for i in range(3):		# old duplicate SYNs, in quick succession
        pr.send(SYN, seq=pr.snd_nxt - 1000 - i, ack=0, ts=False, mss=1460,
                advance=False)
    got = []
    while True:
        x = reply(pr, 0.4)
        if x is None:
            break
        got.append(x)
    d = stat_delta(st0, stat(NS1), "ACKSkippedTimeWait")
    result(len(got) == 1 and got[0].fl() == "A" and
           d["ACKSkippedTimeWait"] == 2,
           "three old SYNs within 500 ms: TIME_WAIT ACKs the first only, "
           "ACKSkippedTimeWait +2 (tcp_timewait_check_oow_rate_limit())",
           "answers %s; %r" % ([str(x) for x in got], d))
    sysctl_set(NS1, "net.atcp.invalid_ratelimit", 0)


# ------------------------- a real client reopens the 4-tuple in TW --
with guarded("reopening a 4-tuple in TIME_WAIT"):
    ls = listener(4, 7010)
    cport = 47010
    cp = server_close_first(ls, 4, lport=cport, reuse=True)
    tw = wait_state(P2, 4, 7010, cport, TIME_WAIT, 3)
    result(tw and cp == cport, "server closed first: its end of "
           "%d <-> %d is in TIME_WAIT" % (cport, 7010))
    wait_gone(P1, 4, cport, 7010, 3)
    t0 = time.time()
    c = keep(asock(NS1, 4))
    c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    c.bind((IP[4][0], cport))
    e = 0
    try:
        c.connect((IP[4][1], 7010))
    except OSError as ex:
        e = ex.errno
    s = None
    if not e:
        s, _ = ls.accept()
        keep(s)
    segs = [x for x in cap.snapshot(lambda x: {x.sport, x.dport} ==
                                    {cport, 7010} and x.t >= t0)]
    result(e == 0 and s is not None,
           "the same client port connects again at once: the new SYN "
           "(newer timestamp) is accepted", "connect: %s" % errname(e))
    result([x.fl() for x in segs[:3]] == ["S", "SA", "A"],
           "capture: SYN answered by SYN,ACK (not by TIME_WAIT's ACK)",
           *[str(x) for x in segs[:6]])
    fins = cap.snapshot(lambda x: x.sport == 7010 and x.dport == cport and
                        x.flags & FIN and x.t < t0)
    sa = [x for x in segs if x.fl() == "SA"]
    want = (fins[-1].seq + 1 + 65537) & 0xffffffff if fins else None
    result(sa and sa[0].seq == want, "the new connection's ISS is the "
           "TIME_WAIT's SND.NXT + 65537, beyond the old sequence space "
           "(as tcp_timewait_state_process(); RFC 6191 section 2)",
           "server FIN %s; SYN,ACK %s" % (fins[-1] if fins else None,
                                          sa[0] if sa else None))
    st = [x.state for x in find(P2, 4, 7010, cport)]
    result(st == [1], "ns2 lists the 4-tuple ESTABLISHED, the TIME_WAIT "
           "is gone", "states %r" % st)
    if s is not None:
        s.close()
    c.close()
    ls.close()


# ----------------------------- SO_REUSEADDR and a restarted server --
with guarded("SO_REUSEADDR restart"):
    ls = listener(4, 7020, reuse=True)
    cp = server_close_first(ls, 4)
    ls.close()
    tw = wait_state(P2, 4, 7020, cp, TIME_WAIT, 3)
    result(tw, "server with SO_REUSEADDR closed first: TIME_WAIT on port "
           "7020")
    n = keep(asock(NS2, 4))
    e1 = raw_bind(n, IP[4][1], 7020)
    result(e1 == errno.EADDRINUSE, "restart without SO_REUSEADDR: bind() "
           "fails with EADDRINUSE", "got %s" % errname(e1))
    n.close()
    n = keep(asock(NS2, 4))
    n.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    e2 = raw_bind(n, IP[4][1], 7020)
    result(e2 == 0, "restart with SO_REUSEADDR: bind() succeeds while the "
           "old connection is in TIME_WAIT", "got %s" % errname(e2))
    e3 = None
    if e2 == 0:
        n.listen(4)
        n.settimeout(10)
        c = keep(asock(NS1, 4))
        e3 = c.connect_ex((IP[4][1], 7020))
        if e3 == 0:
            n.accept()[0].close()
        c.close()
    result(e3 == 0, "the restarted server accepts a new connection",
           "connect: %s" % errname(e3))
    m = keep(asock(NS2, 4))
    m.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    e4 = raw_bind(m, IP[4][1], 7020)
    result(e4 == errno.EADDRINUSE, "SO_REUSEADDR does not share a port "
           "with a listener: a second bind() fails with EADDRINUSE",
           "got %s" % errname(e4))
    m.close()
    n.close()

with guarded("no SO_REUSEADDR on the old server"):
    ls = listener(4, 7021, reuse=False)
    cp = server_close_first(ls, 4)
    ls.close()
    t0 = time.monotonic()
    tw = wait_state(P2, 4, 7021, cp, TIME_WAIT, 3)
    n = keep(asock(NS2, 4))
    n.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    e1 = raw_bind(n, IP[4][1], 7021)
    n.close()
    result(tw and e1 == errno.EADDRINUSE,
           "the old connection did not set SO_REUSEADDR: the new one "
           "setting it is not enough (EADDRINUSE, as TCP)",
           "got %s" % errname(e1))
    gone = wait_gone(P2, 4, 7021, cp, TW_LEN + 2)
    n = keep(asock(NS2, 4))
    e2 = raw_bind(n, IP[4][1], 7021)
    n.close()
    result(gone and e2 == 0, "once TIME_WAIT is over, bind() without "
           "SO_REUSEADDR succeeds (%.1f s)" % (time.monotonic() - t0),
           "got %s" % errname(e2))


# --------------------- every ephemeral port toward one peer in TIME_WAIT --
with guarded("EADDRNOTAVAIL"):
    LOW, HIGH = 40000, 40003
    setsys(NS1, "net.ipv4.ip_local_port_range", "%d %d" % (LOW, HIGH))
    setsys(NS1, "net.atcp.msl", 4)
    ls = listener(4, 7030)
    ls2 = listener(4, 7031)
    ports = []
    for i in range(HIGH - LOW + 1):
        ports.append(client_close_first(ls, 4))
    t_last = time.monotonic()
    time.sleep(0.2)
    tws = sorted(e.lport for e in entries(P1, 4)
                 if e.state == TIME_WAIT and e.rport == 7030)
    result(tws == list(range(LOW, HIGH + 1)),
           "ip_local_port_range %d-%d: four connections to port 7030, all "
           "four ports now in TIME_WAIT" % (LOW, HIGH), "TIME_WAIT ports %r"
           % tws)
    c = keep(asock(NS1, 4))
    e = raw_bind(c, IP[4][0], LOW)
    result(e == errno.EADDRINUSE, "bind() to a port in TIME_WAIT fails "
           "with EADDRINUSE", "got %s" % errname(e))
    c.close()
    c = keep(asock(NS1, 4))
    e = c.connect_ex((IP[4][1], 7030))
    result(e == errno.EADDRNOTAVAIL, "a fifth connect() to the same peer "
           "fails with EADDRNOTAVAIL (seed 000: Cannot assign requested "
           "address)", "got %s" % errname(e))
    c.close()
    c = keep(asock(NS1, 4))
    e = c.connect_ex((IP[4][1], 7031))
    if e == 0:
        ls2.accept()[0].close()
    result(e == 0, "toward another peer port the same local ports are "
           "free (TIME_WAIT holds 4-tuples)", "got %s" % errname(e))
    c.close()
    gone = wait_for(lambda: not [x for x in entries(P1, 4) if x.state ==
                                 TIME_WAIT and x.rport == 7030], 8 + 3)
    c = keep(asock(NS1, 4))
    e = c.connect_ex((IP[4][1], 7030))
    if e == 0:
        ls.accept()[0].close()
    result(gone and e == 0, "once the TIME_WAITs expire, connect() to "
           "7030 works again (%.1f s)" % (time.monotonic() - t_last),
           "got %s" % errname(e))
    c.close()
    ls.close()
    ls2.close()
    restore(NS1, "net.ipv4.ip_local_port_range")
    sysctl_set(NS1, "net.atcp.msl", MSL)


# ------------------------------------------------------ max_tw_buckets --
with guarded("max_tw_buckets"):
    now = count_state(P1, 4, TIME_WAIT) + count_state(P1, 6, TIME_WAIT)
    setsys(NS1, "net.atcp.max_tw_buckets", now + 1)
    st0 = stat(NS1)
    pa, _ = scripted_tw(5130)
    pb = Peer(NS2, cap, BH, IP[4][0], 5131)
    c = keep(connect_to_peer(NS1, pb, IP[4][0]))
    c.close()
    fin = pb.wait(lambda x: x.flags & FIN, 5)
    pb.rcv_nxt = end_seq(fin)
    pb.send(FIN | ACK)
    a = pb.wait(lambda x: x.flags & ACK, 3)
    time.sleep(0.2)
    d = stat_delta(st0, stat(NS1), "TimeWaitOverflow")
    sb = state_of(P1, 4, pb.cport, pb.port)
    result(a is not None and a.fl() == "A" and sb == GONE,
           "max_tw_buckets=%d reached: the next connection ACKs the FIN "
           "and skips TIME_WAIT" % (now + 1), "ack %s, state %s" % (
               a, sname(sb)))
    result(d["TimeWaitOverflow"] == 1, "TimeWaitOverflow counted once",
           "deltas %r" % d)
    result(state_of(P1, 4, pa.cport, pa.port) == TIME_WAIT,
           "the one within the limit is in TIME_WAIT")
    pb.skip_seen()
    pb.send(FIN | ACK, seq=(pb.snd_nxt - 1) & 0xffffffff, advance=False)
    x = reply(pb)
    result(x is not None and x.fl() == "R",
           "a retransmitted FIN for the skipped one meets no connection: "
           "RST", "got %s" % x)
    restore(NS1, "net.atcp.max_tw_buckets")


# ----------------------------------------------------------------- rmmod --
# TIME-WAIT objects hold no module reference: rmmod purges them.  An
# orphan is a socket and pins the module until it is gone.
with guarded("rmmod with TIME_WAIT and orphans"):
    setsys(NS1, "net.atcp.msl", 30)
    setsys(NS1, "net.atcp.fin_timeout", 4)
    pt, _ = scripted_tw(5140)
    po = Peer(NS2, cap, BH, IP[4][0], 5141)
    c = keep(connect_to_peer(NS1, po, IP[4][0]))
    c.close()
    fin = po.wait(lambda x: x.flags & FIN, 5)
    po.rcv_nxt = end_seq(fin)
    po.send(ACK)
    f2 = wait_state(P1, 4, po.cport, po.port, FIN_WAIT2, 3)
    t_orphan = time.monotonic()
    for s in opened:
        s.close()
    ntw = count_state(P1, 4, TIME_WAIT) + count_state(P2, 4, TIME_WAIT)
    result(f2 and ntw >= 1, "set-up: %d TIME_WAIT object(s) and an orphan "
           "in FIN_WAIT2, no open socket" % ntw)
    time.sleep(0.2)
    ref = module_refcnt()
    e1 = delete_module()
    result(e1 in (errno.EAGAIN, errno.EBUSY) and module_loaded(),
           "rmmod while the orphan lives fails (%s; refcnt %s)" % (
               errname(e1), ref))
    gone = wait_gone(P1, 4, po.cport, po.port, 8)
    e2 = wait_for(lambda: delete_module() == 0, 10, 0.2)
    still_tw = None
    if not gone:
        diag("the orphan did not go away")
    result(e2 and not module_loaded(),
           "once the orphan is gone (%.1f s), rmmod succeeds with TIME_WAIT"
           " objects left: the unload purges them" % (
               time.monotonic() - t_orphan))
    if not module_loaded():
        time.sleep(1.0)
        e3 = finit_module(KO)
        result(e3 == 0, "insmod again", errname(e3))
        still_tw = count_state(P1, 4, TIME_WAIT)
        result(still_tw == 0, "after reload /proc/net/atcp lists no "
               "TIME_WAIT", "%d left" % still_tw)
        pt.skip_seen()
        pt.send(FIN | ACK, seq=(pt.snd_nxt - 1) & 0xffffffff, advance=False)
        x = reply(pt)
        result(x is not None and x.fl() == "R", "the purged TIME_WAIT's "
               "peer retransmits its FIN: now answered with RST",
               "got %s" % x)
    elif not module_loaded():
        finit_module(KO)


for s in opened:
    try:
        s.close()
    except OSError:
        pass
if module_loaded():
    for (ns, name), v in saved.items():
        try:
            sysctl_set(ns, name, v)
        except OSError:
            pass
else:
    e = finit_module(KO)
    result(e == 0, "the module is loaded again at the end", errname(e))
cap.stop()
