# SPDX-License-Identifier: GPL-2.0
"""connect(2)/accept(2) checks for selftests/test_connect.sh.

Run as: python3 -S conn_connect.py ns1=NS ns2=NS dev1=DEV ip1=A ip2=A
        ip6_1=A ip6_2=A bh4=A bh6=A mtu=N capdir=DIR
        proc1=DIR (ns1's /proc/net)
The client side lives in ns1, the servers in ns2; BH4/BH6 are addresses
of ns2 whose ATCP segments ns2 drops on ingress (a peer that never
answers).  Every segment is captured on ns1's veth (DEV1) and the checks
read the capture.  Prints PASS/FAIL/SKIP lines (lib.sh tap_import).
"""

import errno
import fcntl
import os
import select
import socket
import struct
import sys
import threading
import time

from conn_lib import (ATCP, SOCK_CLOEXEC, SOCK_NONBLOCK, SOL_TCP, SYN, RST,
                      TCP_MAXSEG, Capture, accept4, args, asock,
                      check_proc_state, conn_pred, diag, errname, flow,
                      guarded, port_pred, result, show, wait_connected)

o = args(sys.argv[1:])
NS1, NS2 = o["ns1"], o["ns2"]
IP = {4: (o["ip1"], o["ip2"]), 6: (o["ip6_1"], o["ip6_2"])}
BH = {4: o["bh4"], 6: o["bh6"]}
MTU = int(o["mtu"])
MSS = {4: MTU - 40, 6: MTU - 60}
CAPDIR = o["capdir"]
PROC1 = o["proc1"]
TIMEO = struct.pack("ll", 30, 0)	# safety net for blocking calls

cap = Capture(NS1, o["dev1"], pcap=CAPDIR + "/connect.pcap")
opened = []


def keep(*socks):
    opened.extend(socks)
    return socks[0] if len(socks) == 1 else socks


def listener(fam, port, backlog=16, v6only=None, addr=None, maxseg=None):
    ls = keep(asock(NS2, socket.AF_INET if fam == 4 else socket.AF_INET6))
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, TIMEO)
    if v6only is not None:
        ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
    if maxseg:
        ls.setsockopt(SOL_TCP, TCP_MAXSEG, maxseg)
    ls.bind((IP[fam][1] if addr is None else addr, port))
    ls.listen(backlog)
    return ls


def client(fam, nonblock=False):
    c = keep(asock(NS1, socket.AF_INET if fam == 4 else socket.AF_INET6,
                   nonblock=nonblock))
    if not nonblock:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, TIMEO)
    return c


def handshake(port, cport, timeout=10):
    """The 3-way handshake of client port CPORT with server PORT."""
    return cap.wait(conn_pred(port, cport), 3, timeout)


def check_3wh(desc, segs, cport):
    c2s, s2c = flow(segs, cport), [s for s in segs if s.dport == cport]
    why = []
    if [s.fl() for s in c2s[:2]] != ["S", "A"]:
        why.append("client sent %s, want S then A" % [s.fl() for s in c2s])
    if [s.fl() for s in s2c[:1]] != ["SA"]:
        why.append("server sent %s, want SA" % [s.fl() for s in s2c])
    if not why:
        syn, ack3, synack = c2s[0], c2s[1], s2c[0]
        if synack.ack != (syn.seq + 1) & 0xffffffff:
            why.append("SYN-ACK acks %d, SYN seq %d" % (synack.ack, syn.seq))
        if ack3.ack != (synack.seq + 1) & 0xffffffff or \
                ack3.seq != (syn.seq + 1) & 0xffffffff:
            why.append("third segment seq/ack %d/%d, want %d/%d" % (
                ack3.seq, ack3.ack, syn.seq + 1, synack.seq + 1))
        if not (syn.t <= synack.t <= ack3.t):
            why.append("segments out of order in time")
    result(not why, desc, *(why + show(segs)))


# ---------------------------------------------------- blocking, v4 + v6 --

conns = {}	# fam -> (client port, server port) for the option checks
for fam in (4, 6):
    with guarded("blocking connect/accept IPv%d" % fam):
        port = 7000 + fam
        ls = listener(fam, port)
        got = {}

        def srv(ls=ls, got=got):
            try:
                got["c"], got["peer"] = ls.accept()
                keep(got["c"])
            except OSError as e:
                got["err"] = e

        th = threading.Thread(target=srv)
        th.start()
        c = client(fam)
        t0 = time.monotonic()
        err = 0
        try:
            c.connect((IP[fam][1], port))
        except OSError as e:
            err = e.errno
        dt = time.monotonic() - t0
        th.join(30)
        me = c.getsockname()
        result(err == 0, "IPv%d blocking connect() returns 0" % fam,
               "errno %s after %.2f s" % (errname(err), dt))
        peer = got.get("peer")
        result(peer is not None and peer[:2] == me[:2],
               "IPv%d blocking accept() returns the client's address" % fam,
               "accept: %r, client: %r, error %r" % (peer, me,
                                                      got.get("err")))
        result(err == 0 and c.getpeername()[:2] == (IP[fam][1], port),
               "IPv%d getpeername() of the client is the server" % fam,
               "getpeername: %r" % (c.getpeername() if err == 0 else None,))
        if "c" in got:
            result(got["c"].getsockname()[:2] == (IP[fam][1], port),
                   "IPv%d accepted socket's getsockname() is the "
                   "listener's address" % fam, repr(got["c"].getsockname()))
        e2 = c.connect_ex((IP[fam][1], port))
        result(err == 0 and e2 == errno.EISCONN,
               "IPv%d connect() on the connected socket: EISCONN" % fam,
               "got %s" % errname(e2))
        conns[fam] = (me[1], port)
        check_3wh("IPv%d capture: SYN, SYN-ACK, ACK with matching "
                  "sequence numbers" % fam, handshake(port, me[1]), me[1])

# ------------------------------------------------------ SYN options --

for fam in (4, 6):
    with guarded("IPv%d SYN options" % fam):
        if fam not in conns:
            continue
        cport, port = conns[fam]
        segs = cap.snapshot(conn_pred(cport, port))
        syn = [s for s in segs if s.sport == cport and s.fl() == "S"]
        sa = [s for s in segs if s.dport == cport and s.fl() == "SA"]
        for what, lst in (("SYN", syn), ("SYN-ACK", sa)):
            if not lst:
                result(False, "IPv%d %s options" % (fam, what),
                       "no %s captured" % what, *show(segs))
                continue
            op = lst[0].opts
            result(op.get("mss") == MSS[fam],
                   "IPv%d %s carries mss %d (veth MTU %d - %d)" % (
                       fam, what, MSS[fam], MTU, MTU - MSS[fam]),
                   "options: %r" % op)
            result(op.get("wscale") == 7,
                   "IPv%d %s carries wscale 7" % (fam, what),
                   "options: %r" % op)
            result(op.get("sackOK") == 1,
                   "IPv%d %s carries sackOK" % (fam, what), "options: %r" % op)
            want_ecr = syn[0].opts.get("tsval") if what == "SYN-ACK" else 0
            result("tsval" in op and op["tsval"] != 0 and
                   op.get("tsecr") == want_ecr,
                   "IPv%d %s carries timestamps (TSval set, TSecr %s)" % (
                       fam, what, "= SYN's TSval" if want_ecr else "0"),
                   "options: %r; SYN's options %r" % (op, syn[0].opts))

with guarded("TCP_MAXSEG before connect"):
    for fam in (4, 6):
        port = 7010 + fam
        ls = listener(fam, port, maxseg=1000 if fam == 4 else None)
        c = client(fam)
        c.setsockopt(SOL_TCP, TCP_MAXSEG, 1000)
        c.setsockopt(ATCP, TCP_MAXSEG, 900 if fam == 6 else 1000)
        err = c.connect_ex((IP[fam][1], port))
        cport = c.getsockname()[1]
        segs = cap.wait(conn_pred(cport, port), 2, 10)
        syn = [s for s in segs if s.fl() == "S"]
        want = 1000 if fam == 4 else 900
        result(err == 0 and syn and syn[0].opts.get("mss") == want,
               "IPv%d TCP_MAXSEG=%d (level %s) before connect: SYN carries "
               "mss %d" % (fam, want, "SOL_TCP" if fam == 4 else ATCP, want),
               "connect: %s" % errname(err), *show(segs))
        if fam == 4:
            sa = [s for s in segs if s.fl() == "SA"]
            result(bool(sa) and sa[0].opts.get("mss") == 1000,
                   "IPv4 listener with TCP_MAXSEG=1000: SYN-ACK carries "
                   "mss 1000", *show(segs))

# ------------------------------------------------- non-blocking connect --

def tcp_reconnect_errnos(fam):
    """Linux TCP's answers to two more connect()s after a non-blocking
    connect completed."""
    af = socket.AF_INET6 if fam == 6 else socket.AF_INET
    ls = keep(asock(NS2, af, proto=0))
    ls.bind((IP[fam][1], 0))
    ls.listen(4)
    c = keep(asock(NS1, af, proto=0, nonblock=True))
    c.connect_ex(ls.getsockname()[:2])
    wait_connected(c, 15)
    return (c.connect_ex(ls.getsockname()[:2]),
            c.connect_ex(ls.getsockname()[:2]))


for fam in (4, 6):
    with guarded("IPv%d non-blocking connect" % fam):
        port = 7020 + fam
        ls = listener(fam, port)
        c = client(fam, nonblock=True)
        e1 = c.connect_ex((IP[fam][1], port))
        result(e1 == errno.EINPROGRESS,
               "IPv%d non-blocking connect() fails with EINPROGRESS" % fam,
               "got %s" % errname(e1))
        soerr, dt = wait_connected(c, 15)
        result(soerr == 0, "IPv%d poll() reports POLLOUT, then SO_ERROR is "
               "0" % fam, "SO_ERROR %s after %.2f s" % (
                   "none (poll timed out)" if soerr is None else
                   errname(soerr), dt))
        try:
            peer = c.getpeername()
        except OSError as e:
            peer = "error %s" % errname(e.errno)
        result(isinstance(peer, tuple) and peer[:2] == (IP[fam][1], port),
               "IPv%d getpeername() after the non-blocking connect" % fam,
               "got %r" % (peer,))
        # As TCP (generic __inet_stream_connect()): the first connect()
        # after completion may still report success (0) and marks the
        # socket connected; from then on it is EISCONN.  Linux TCP in
        # this kernel is the reference.
        e2 = c.connect_ex((IP[fam][1], port))
        e3 = c.connect_ex((IP[fam][1], port))
        ref = tcp_reconnect_errnos(fam)
        result(e2 in (0, errno.EISCONN) and e3 == errno.EISCONN and
               (e2, e3) == ref,
               "IPv%d connect() again on the connected socket: EISCONN "
               "(as Linux TCP: %s, %s)" % (fam, errname(ref[0]),
                                           errname(ref[1])),
               "got %s, %s" % (errname(e2), errname(e3)))
        ls.settimeout(10)
        try:
            a, _ = ls.accept()
            keep(a)
            ok = a.getpeername()[:2] == c.getsockname()[:2]
        except OSError as e:
            ok = False
            a = e
        result(ok, "IPv%d listener accepts the non-blocking client" % fam,
               repr(a))

for fam in (4, 6):
    with guarded("IPv%d connect in progress" % fam):
        port = 7030 + fam
        c = client(fam, nonblock=True)
        e1 = c.connect_ex((BH[fam], port))
        e2 = c.connect_ex((BH[fam], port))
        result(e1 == errno.EINPROGRESS and e2 == errno.EALREADY,
               "IPv%d connect() again while the first is in progress: "
               "EALREADY" % fam, "first %s, second %s" % (errname(e1),
                                                          errname(e2)))
        p = select.poll()
        p.register(c, select.POLLOUT)
        ev = p.poll(500)
        cport = c.getsockname()[1]
        segs = cap.wait(port_pred(cport), 1, 5)
        # (a slow VM may already have retransmitted it: same ISN)
        result(not ev and segs and all(s.fl() == "S" and s.dst == BH[fam]
                                       and s.seq == segs[0].seq
                                       for s in segs),
               "IPv%d capture: our SYN to the silent peer, no answer, "
               "no POLLOUT" % fam, "poll: %r" % ev, *show(segs))
        e3 = c.connect_ex((BH[fam], port))
        result(e3 == errno.EALREADY, "IPv%d connect() still EALREADY half "
               "a second later" % fam, "got %s" % errname(e3))
        check_proc_state(PROC1, fam, cport, port, 2,
                         "IPv%d /proc/net/atcp%s lists the connecting "
                         "socket as SYN_SENT (02)" % (
                             fam, "6" if fam == 6 else ""))
        c.close()

# --------------------------------------------------- non-blocking accept --

with guarded("non-blocking accept"):
    for fam in (4, 6):
        port = 7040 + fam
        ls = listener(fam, port)
        ls.setblocking(False)
        try:
            ls.accept()
            e = 0
        except OSError as ex:
            e = ex.errno
        result(e == errno.EAGAIN, "IPv%d non-blocking accept() on an empty "
               "queue: EAGAIN" % fam, "got %s" % errname(e))
        p = select.poll()
        p.register(ls, select.POLLIN)
        ev0 = p.poll(0)
        c = client(fam, nonblock=True)
        c.connect_ex((IP[fam][1], port))
        t0 = time.monotonic()
        ev1 = p.poll(15000)
        dt = time.monotonic() - t0
        result(not ev0 and bool(ev1) and ev1[0][1] & select.POLLIN,
               "IPv%d listener: no POLLIN while empty, POLLIN once a "
               "connection completes" % fam,
               "before: %r, after: %r (%.2f s)" % (ev0, ev1, dt))
        try:
            a, peer = ls.accept()
            keep(a)
            ok = peer[:2] == c.getsockname()[:2]
        except OSError as ex:
            ok, peer = False, ex
        result(ok, "IPv%d non-blocking accept() after POLLIN returns the "
               "client" % fam, repr(peer))

with guarded("accept4 flags"):
    port = 7050
    ls = listener(4, port)
    cs = []
    for _ in range(2):
        c = client(4, nonblock=True)
        c.connect_ex((IP[4][1], port))
        cs.append(c)
    for c in cs:
        wait_connected(c, 15)
    p = select.poll()
    p.register(ls, select.POLLIN)
    p.poll(15000)
    for flags, name in ((SOCK_NONBLOCK | SOCK_CLOEXEC,
                         "SOCK_NONBLOCK|SOCK_CLOEXEC"), (0, "0")):
        fd, e = accept4(ls, flags)
        if fd < 0:
            result(False, "accept4(%s)" % name, "errno %s" % errname(e))
            continue
        fl = fcntl.fcntl(fd, fcntl.F_GETFL)
        fdf = fcntl.fcntl(fd, fcntl.F_GETFD)
        want = bool(flags)
        result(bool(fl & os.O_NONBLOCK) == want and
               bool(fdf & fcntl.FD_CLOEXEC) == want,
               "accept4(%s): O_NONBLOCK %s, FD_CLOEXEC %s" % (
                   name, "set" if want else "clear",
                   "set" if want else "clear"),
               "F_GETFL %#o, F_GETFD %#x" % (fl, fdf))
        if flags:
            a = socket.socket(fileno=fd)
            keep(a)
            try:
                a.recv(1)
                e = 0
            except OSError as ex:
                e = ex.errno
            # recv is not implemented yet: EOPNOTSUPP is fine, but a
            # non-blocking socket must never block here.
            diag("recv(1) on the SOCK_NONBLOCK socket: %s" % errname(e))
        else:
            os.close(fd)

# ----------------------------------------------------------- dual stack --

with guarded("dual-stack listener"):
    port = 7060
    ls = listener(6, port, v6only=0, addr="::")
    c = client(4)
    err = c.connect_ex((IP[4][1], port))
    ls.settimeout(10)
    try:
        a, peer = ls.accept()
        keep(a)
        mine = a.getsockname()
    except OSError as ex:
        peer, mine = ex, None
    me = c.getsockname() if err == 0 else None
    result(err == 0 and isinstance(peer, tuple) and me is not None and
           peer[:2] == ("::ffff:" + me[0], me[1]),
           "AF_INET6 listener on [::] accepts an AF_INET client; peer is "
           "::ffff:%s" % IP[4][0],
           "connect %s, accept %r, client %r" % (errname(err), peer, me))
    result(mine is not None and mine[:2] == ("::ffff:" + IP[4][1], port),
           "accepted socket's getsockname() is ::ffff:%s" % IP[4][1],
           repr(mine))
    segs = cap.snapshot(port_pred(port))
    result(segs and all(s.fam == 4 for s in segs),
           "the dual-stack connection is IPv4 on the wire", *show(segs))

with guarded("IPV6_V6ONLY listener"):
    port = 7061
    ls = listener(6, port, v6only=1, addr="::")
    c = client(4)
    t0 = time.monotonic()
    err = c.connect_ex((IP[4][1], port))
    dt = time.monotonic() - t0
    cport = c.getsockname()[1] if err in (0, errno.ECONNREFUSED) else 0
    result(err == errno.ECONNREFUSED,
           "AF_INET client to an IPV6_V6ONLY listener: ECONNREFUSED",
           "got %s after %.2f s" % (errname(err), dt))
    segs = cap.wait(lambda s: s.sport == port and s.flags & RST, 1, 5)
    allsegs = cap.snapshot(port_pred(port))
    result(bool(segs) and segs[0].src == IP[4][1],
           "capture: the v6-only listener's host answers the IPv4 SYN with "
           "RST", *show(allsegs))
    c6 = client(6)
    err6 = c6.connect_ex((IP[6][1], port))
    result(err6 == 0, "the IPV6_V6ONLY listener accepts an AF_INET6 client",
           "got %s" % errname(err6))

# ------------------------------------------------------------------ RST --

for fam in (4, 6):
    with guarded("IPv%d RST to SYN" % fam):
        port = 7070 + fam
        c = client(fam)
        t0 = time.monotonic()
        err = c.connect_ex((IP[fam][1], port))
        dt = time.monotonic() - t0
        result(err == errno.ECONNREFUSED and dt < 2.0,
               "IPv%d connect() to a closed port: ECONNREFUSED in < 2 s "
               "(before any SYN retransmission)" % fam,
               "got %s after %.2f s" % (errname(err), dt))
        segs = cap.wait(port_pred(port), 2, 5)
        fl = [s.fl() for s in segs]
        ok = fl == ["S", "RA"] and segs[1].ack == (segs[0].seq + 1) & \
            0xffffffff
        result(ok, "IPv%d capture: one SYN, answered by RST,ACK acking "
               "it" % fam, *show(segs))

# -------------------------------------------------------------- ISNs --

with guarded("ISNs"):
    port = 7080
    ls = listener(4, port, backlog=32)
    cs = []
    for _ in range(6):
        c = client(4, nonblock=True)
        c.connect_ex((IP[4][1], port))
        cs.append(c)
    for c in cs:
        wait_connected(c, 15)
    segs = cap.wait(lambda s: port in (s.sport, s.dport) and s.flags & SYN,
                    12, 10)
    for what, src in (("client", False), ("listener", True)):
        isns = [s.seq for s in segs
                if (s.sport == port) == src and s.flags & SYN]
        diffs = [(b - a) & 0xffffffff for a, b in zip(isns, isns[1:])]
        dist = [min(d, 0x100000000 - d) for d in diffs]
        big = sum(1 for d in dist if d > 1 << 20)
        result(len(isns) == 6 and len(set(isns)) == 6 and
               big >= len(dist) // 2 + 1,
               "%s ISNs of 6 connections are not sequential (most "
               "consecutive differences > 2^20)" % what,
               "ISNs %r" % isns, "differences %r" % dist)

# --------------------------------------------------------------- done --

cap.stop()
for s in opened:
    try:
        s.close()
    except OSError:
        pass
