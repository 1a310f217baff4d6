# SPDX-License-Identifier: GPL-2.0
"""Socket API checks of the data path for selftests/test_sockapi.sh.

Run as: python3 -S sockapi_check.py ns1=NS ns2=NS
        deva=DEV a4=IP1,IP2 a6=IP1,IP2      link A: plain veth (ns1 side)
        devb=DEV b4=IP1,IP2 b6=IP1,IP2      link B: MTU mtub, ns2's egress
        mtub=N delayb=MS                    delayed by DELAYB ms (netem)
        capdir=DIR [protos=atcp,tcp] [sections=a,b,...]

Every check runs for each protocol of PROTOS: ATCP (IP protocol
$ATCP_PROTO) and Linux TCP (6), over the same links, so the expectations
are shown to be TCP's.  Three are ATCP's only, where Linux TCP differs
for reasons outside what is checked: its TSO/GSO hands veth segments
larger than the MSS (the segment sizes, every-second-segment ACKs), and
its TCP_QUICKACK only leaves ping-pong mode without restarting quick-ACK
mode.  For the delayed-ACK timing Linux TCP's tail loss probe is turned
off in ns1 (it fires before a 40 ms delayed ACK on a sub-ms RTT).
Clients live in ns1, servers in ns2; both veths of ns1 are captured
(AF_PACKET, conn_lib.Capture) and saved as sockapi-a.pcap /
sockapi-b.pcap in CAPDIR.

Sections (all by default): opts (socket options, no traffic), recv
(MSG_PEEK/WAITALL/DONTWAIT, SO_RCVLOWAT, poll/epoll), buf (SO_SNDBUF,
SO_RCVBUF, blocking writer), pipe (EPIPE/SIGPIPE/ECONNRESET, POLLHUP),
ioctl (SIOCINQ/SIOCOUTQ), delack (delayed ACK, TCP_QUICKACK), nagle
(Nagle, TCP_NODELAY, TCP_CORK, MSG_MORE), mss (segmentation), info
(TCP_INFO, TCP_CONGESTION).

Prints PASS/FAIL/SKIP lines for lib.sh's tap_import.
"""

import errno
import fcntl
import select
import signal
import socket
import struct
import sys
import threading
import time

from conn_lib import (ATCP, Capture, args, diag, errname, guarded, netns,
                      result, show, skip, sysctl_get, sysctl_set, tcp_info)

o = args(sys.argv[1:])
NS1, NS2 = o.get("ns1", ""), o.get("ns2", "")
CAPDIR = o.get("capdir", "/tmp")
PROTOS = [p for p in o.get("protos", "atcp,tcp").split(",") if p]
SECTIONS = o.get("sections", "opts,recv,buf,pipe,ioctl,delack,nagle,mss,"
                 "info").split(",")
MTUB = int(o.get("mtub", "1280"))
DELAYB = int(o.get("delayb", "40"))
LINKS = {}
for link in ("a", "b"):
    LINKS[link] = {}
    for fam in (4, 6):
        v = o.get("%s%d" % (link, fam))
        if v:
            LINKS[link][fam] = tuple(v.split(","))
DEV = {"a": o.get("deva"), "b": o.get("devb")}

PROTO = {"atcp": ATCP, "tcp": socket.IPPROTO_TCP}
NAME = {"atcp": "ATCP", "tcp": "TCP"}
SOL_TCP = socket.IPPROTO_TCP
TCP_NODELAY, TCP_MAXSEG, TCP_CORK = 1, 2, 3
TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT, TCP_SYNCNT = 4, 5, 6, 7
TCP_LINGER2, TCP_WINDOW_CLAMP, TCP_INFO, TCP_QUICKACK = 8, 10, 11, 12
TCP_CONGESTION, TCP_USER_TIMEOUT = 13, 18
SO_RCVLOWAT = 18
MSG_PEEK, MSG_WAITALL, MSG_DONTWAIT = 0x2, 0x100, 0x40
MSG_NOSIGNAL, MSG_MORE = 0x4000, 0x8000
SIOCINQ, SIOCOUTQ = 0x541B, 0x5411
POLLIN, POLLOUT, POLLERR, POLLHUP = 0x1, 0x4, 0x8, 0x10
POLLRDNORM, POLLWRNORM, POLLRDHUP = 0x40, 0x100, 0x2000
POLL_ALL = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM | POLLRDHUP
TIMEO = struct.pack("ll", 10, 0)	# safety net for every blocking call
FIN, SYN, RST = 0x01, 0x02, 0x04
# The test VM's clock is refined-jiffies (4 ms steps): time.time() taken
# just before a send() may read later than the capture's stamp of the
# segment it sends.  Windows that start at such a time start this early.
SLACK = 0.005

# SIGPIPE: python ignores it; block it instead (in every thread, before
# any is started) so a delivery stays pending where sigpending() sees it.
signal.signal(signal.SIGPIPE, lambda *a: None)
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGPIPE])

opened = []


def keep(s):
    opened.append(s)
    return s


def mask_str(m):
    names = ((POLLIN, "IN"), (POLLOUT, "OUT"), (POLLERR, "ERR"),
             (POLLHUP, "HUP"), (POLLRDNORM, "RDNORM"),
             (POLLWRNORM, "WRNORM"), (POLLRDHUP, "RDHUP"))
    return "|".join(n for b, n in names if m & b) or "0"


def pmask(s, timeout_ms=0):
    p = select.poll()
    p.register(s, POLL_ALL)
    ev = p.poll(timeout_ms)
    return ev[0][1] if ev else 0


def wait_mask(s, bits, timeout=5.0):
    """Poll until every bit of BITS is up (or TIMEOUT s): the last mask."""
    deadline = time.monotonic() + timeout
    m = 0
    while True:
        m = pmask(s, 50)
        if m & bits == bits or time.monotonic() >= deadline:
            return m
        time.sleep(0.02)


def take_sigpipe():
    """Whether a SIGPIPE is pending for this thread; consumes it."""
    if signal.SIGPIPE not in signal.sigpending():
        return False
    signal.sigtimedwait([signal.SIGPIPE], 0)
    return True


def send_err(s, data=b"x", flags=0):
    """send(2): (errno or 0, SIGPIPE raised)."""
    take_sigpipe()
    try:
        s.send(data, flags)
        e = 0
    except OSError as ex:
        e = ex.errno
    return e, take_sigpipe()


def recv_err(s, n=100, flags=0):
    """recv(2): (data or None, errno or 0)."""
    try:
        return s.recv(n, flags), 0
    except OSError as ex:
        return None, ex.errno


def errno_of(fn, *a):
    try:
        fn(*a)
        return 0
    except OSError as e:
        return e.errno


def geti(s, opt, level=SOL_TCP):
    return struct.unpack("i", s.getsockopt(level, opt, 4))[0]


def seti(s, opt, val, level=SOL_TCP):
    s.setsockopt(level, opt, struct.pack("i", val))


def mk(proto, ns, fam):
    with netns(ns):
        s = socket.socket(socket.AF_INET if fam == 4 else socket.AF_INET6,
                          socket.SOCK_STREAM, PROTO[proto])
    keep(s)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, TIMEO)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, TIMEO)
    return s


def pair(proto, link="a", fam=4, lopts=(), copts=()):
    """A connected (client in ns1, server in ns2) pair.  LOPTS / COPTS:
    (level, option, int value) set on the listener / the client before
    connect()."""
    caddr, saddr = LINKS[link][fam]
    ls = mk(proto, NS2, fam)
    for lvl, opt, val in lopts:
        seti(ls, opt, val, lvl)
    ls.bind((saddr, 0))
    ls.listen(4)
    c = mk(proto, NS1, fam)
    for lvl, opt, val in copts:
        seti(c, opt, val, lvl)
    c.connect((saddr, ls.getsockname()[1]))
    s, _ = ls.accept()
    keep(s)
    ls.close()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, TIMEO)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, TIMEO)
    return c, s


def later(delay, fn, *a):
    """Run FN(*A) in a thread after DELAY seconds."""
    def run():
        time.sleep(delay)
        fn(*a)
    th = threading.Thread(target=run, daemon=True)
    th.start()
    return th


def drain(s, want, timeout=10.0):
    """Read until WANT bytes came (or EOF / TIMEOUT): the bytes."""
    buf = bytearray()
    deadline = time.monotonic() + timeout
    while len(buf) < want and time.monotonic() < deadline:
        d, e = recv_err(s, min(65536, want - len(buf)))
        if e == errno.EAGAIN:
            continue
        if not d:
            break
        buf += d
    return bytes(buf)


def pattern(n, seed=0):
    return bytes((i * 7 + seed) & 0xff for i in range(n))


def pfx(proto, fam=4):
    return "%s%s: " % (NAME[proto], "" if fam == 4 else " IPv6")


def data_segs(cap, sport, dport, since=0.0):
    return cap.snapshot(lambda g: g.sport == sport and g.dport == dport and
                        g.len > 0 and g.t >= since)


def wait_bytes(cap, sport, dport, nbytes, since=0.0, timeout=5.0):
    """Data segments SPORT -> DPORT from SINCE on, once the capture (which
    runs behind in the emulated VM) holds NBYTES of them, or at TIMEOUT."""
    deadline = time.monotonic() + timeout
    while True:
        segs = data_segs(cap, sport, dport, since)
        if sum(g.len for g in segs) >= nbytes or \
                time.monotonic() >= deadline:
            return segs
        time.sleep(0.05)


# --------------------------------------------------------------- opts --

def sysctl_names(proto):
    if proto == "atcp":
        return {"ka_time": "net.atcp.keepalive_time",
                "ka_intvl": "net.atcp.keepalive_intvl",
                "ka_probes": "net.atcp.keepalive_probes",
                "fin": "net.atcp.fin_timeout",
                "cc": "net.atcp.congestion_control"}
    return {"ka_time": "net.ipv4.tcp_keepalive_time",
            "ka_intvl": "net.ipv4.tcp_keepalive_intvl",
            "ka_probes": "net.ipv4.tcp_keepalive_probes",
            "fin": "net.ipv4.tcp_fin_timeout",
            "cc": "net.ipv4.tcp_congestion_control"}


def get_cc(s):
    return s.getsockopt(SOL_TCP, TCP_CONGESTION, 16).split(b"\0")[0] \
        .decode()


def section_opts(proto, fam):
    p = pfx(proto, fam)
    sc = sysctl_names(proto)
    with guarded(p + "socket options"):
        s = mk(proto, NS1, fam)
        # Keepalive knobs: unset -> the namespace's sysctls, live.
        want = [int(sysctl_get(NS1, sc[k]))
                for k in ("ka_time", "ka_intvl", "ka_probes")]
        got = [geti(s, o) for o in (TCP_KEEPIDLE, TCP_KEEPINTVL,
                                    TCP_KEEPCNT)]
        result(got == want, p + "unset TCP_KEEPIDLE/KEEPINTVL/KEEPCNT read "
               "the keepalive sysctls", "got %r, sysctls %r" % (got, want))
        old = want
        try:
            for k, v in zip(("ka_time", "ka_intvl", "ka_probes"),
                            (1234, 56, 7)):
                sysctl_set(NS1, sc[k], v)
            got = [geti(s, o) for o in (TCP_KEEPIDLE, TCP_KEEPINTVL,
                                        TCP_KEEPCNT)]
            result(got == [1234, 56, 7], p + "unset keepalive options "
                   "follow a sysctl change", "got %r, want [1234, 56, 7]"
                   % got)
        finally:
            for k, v in zip(("ka_time", "ka_intvl", "ka_probes"), old):
                sysctl_set(NS1, sc[k], v)
        for opt, name, val in ((TCP_KEEPIDLE, "TCP_KEEPIDLE", 600),
                               (TCP_KEEPINTVL, "TCP_KEEPINTVL", 30),
                               (TCP_KEEPCNT, "TCP_KEEPCNT", 4),
                               (TCP_USER_TIMEOUT, "TCP_USER_TIMEOUT", 4321),
                               (TCP_SYNCNT, "TCP_SYNCNT", 3),
                               (TCP_MAXSEG, "TCP_MAXSEG", 1000),
                               (TCP_NODELAY, "TCP_NODELAY", 1),
                               (TCP_CORK, "TCP_CORK", 1)):
            seti(s, opt, val)
            got = geti(s, opt)
            result(got == val, p + "%s %d round-trips" % (name, val),
                   "getsockopt gave %d" % got)
        seti(s, TCP_NODELAY, 0)
        seti(s, TCP_CORK, 0)
        result([geti(s, TCP_NODELAY), geti(s, TCP_CORK)] == [0, 0],
               p + "TCP_NODELAY and TCP_CORK clear again",
               "got %r" % ([geti(s, TCP_NODELAY), geti(s, TCP_CORK)],))
        seti(s, TCP_QUICKACK, 0)
        q0 = geti(s, TCP_QUICKACK)
        seti(s, TCP_QUICKACK, 1)
        q1 = geti(s, TCP_QUICKACK)
        result((q0, q1) == (0, 1), p + "TCP_QUICKACK 0 / 1 read back",
               "got %d then %d" % (q0, q1))

        # TCP_LINGER2: 0 and unset -> fin_timeout; < 0 -> -1; TCP caps
        # the value at 120 s (TCP_FIN_TIMEOUT_MAX).
        fin = int(sysctl_get(NS1, sc["fin"]))
        s2 = mk(proto, NS1, fam)
        got = [geti(s2, TCP_LINGER2)]
        for v in (30, -5, 0, 100000):
            seti(s2, TCP_LINGER2, v)
            got.append(geti(s2, TCP_LINGER2))
        want = [fin, 30, -1, fin, 120]
        result(got == want, p + "TCP_LINGER2: unset/0 read fin_timeout, "
               "< 0 reads -1, capped at 120 s as TCP",
               "unset, 30, -5, 0, 100000 read %r, want %r" % (got, want))

        # Out of range -> EINVAL, nothing changed.
        bad = []
        for opt, name, val in ((TCP_KEEPIDLE, "KEEPIDLE", 0),
                               (TCP_KEEPIDLE, "KEEPIDLE", 32768),
                               (TCP_KEEPINTVL, "KEEPINTVL", 0),
                               (TCP_KEEPINTVL, "KEEPINTVL", 32768),
                               (TCP_KEEPCNT, "KEEPCNT", 0),
                               (TCP_KEEPCNT, "KEEPCNT", 128),
                               (TCP_USER_TIMEOUT, "USER_TIMEOUT", -1),
                               (TCP_SYNCNT, "SYNCNT", 0),
                               (TCP_SYNCNT, "SYNCNT", 128),
                               (TCP_MAXSEG, "MAXSEG", 40),
                               (TCP_MAXSEG, "MAXSEG", 65536)):
            e = errno_of(seti, s, opt, val)
            if e != errno.EINVAL:
                bad.append("TCP_%s=%d: %s" % (name, val, errname(e)))
        result(not bad, p + "out-of-range values fail with EINVAL", *bad)
        after = [geti(s, o) for o in (TCP_KEEPIDLE, TCP_KEEPINTVL,
                                      TCP_KEEPCNT, TCP_USER_TIMEOUT,
                                      TCP_SYNCNT, TCP_MAXSEG)]
        result(after == [600, 30, 4, 4321, 3, 1000], p + "a refused value "
               "leaves the option unchanged", "now %r" % after)
        e = errno_of(s.setsockopt, SOL_TCP, TCP_NODELAY, b"\1\0")
        result(e == errno.EINVAL, p + "setsockopt with optlen 2 < int: "
               "EINVAL", "got %s" % errname(e))

        # Unknown options.
        why = []
        for lvl in ((SOL_TCP, ATCP) if proto == "atcp" else (SOL_TCP,)):
            e1 = errno_of(seti, s, 99, 1, lvl)
            e2 = errno_of(s.getsockopt, lvl, 99, 4)
            if (e1, e2) != (errno.ENOPROTOOPT, errno.ENOPROTOOPT):
                why.append("level %d option 99: set %s, get %s" % (
                    lvl, errname(e1), errname(e2)))
        result(not why, p + "unknown option: ENOPROTOOPT for set and get" +
               (" at SOL_TCP and at level %d" % ATCP
                if proto == "atcp" else ""), *why)
        if proto == "atcp":
            # Options TCP has and ATCP does not: refused, not ignored.
            why = []
            for opt in (TCP_WINDOW_CLAMP, 9, 23):	# +DEFER_ACCEPT, FASTOPEN
                e1 = errno_of(seti, s, opt, 1)
                e2 = errno_of(s.getsockopt, SOL_TCP, opt, 4)
                if (e1, e2) != (errno.ENOPROTOOPT, errno.ENOPROTOOPT):
                    why.append("option %d: set %s, get %s" % (
                        opt, errname(e1), errname(e2)))
            result(not why, p + "TCP options ATCP lacks (WINDOW_CLAMP, "
                   "DEFER_ACCEPT, FASTOPEN) fail with ENOPROTOOPT", *why)
            s3 = mk(proto, NS1, fam)
            seti(s3, TCP_NODELAY, 1, ATCP)
            seti(s3, TCP_KEEPIDLE, 77, ATCP)
            got = (geti(s3, TCP_NODELAY), geti(s3, TCP_KEEPIDLE),
                   geti(s3, TCP_NODELAY, ATCP))
            result(got == (1, 77, 1), p + "options set at level %d are the "
                   "SOL_TCP ones" % ATCP, "got %r" % (got,))

        # SO_SNDBUF / SO_RCVBUF: stored doubled, as for TCP.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16384)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 20000)
        got = (s.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF),
               s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))
        result(got == (32768, 40000), p + "SO_SNDBUF 16384 / SO_RCVBUF "
               "20000 read back doubled", "got %r" % (got,))

        # TCP_MAXSEG before connect: 536 unset.
        s4 = mk(proto, NS1, fam)
        got = geti(s4, TCP_MAXSEG)
        result(got == 536, p + "TCP_MAXSEG of a fresh socket is 536",
               "got %d" % got)

        # TCP_CONGESTION.
        dflt = sysctl_get(NS1, sc["cc"])
        got = [get_cc(s4)]
        for name in ("reno", "cubic"):
            s4.setsockopt(SOL_TCP, TCP_CONGESTION, name.encode())
            got.append(get_cc(s4))
        e = errno_of(s4.setsockopt, SOL_TCP, TCP_CONGESTION, b"nosuchcc")
        got.append(get_cc(s4))
        result(got == [dflt, "reno", "cubic", "cubic"] and
               e == errno.ENOENT, p + "TCP_CONGESTION: default is the "
               "sysctl's, reno and cubic set, unknown -> ENOENT",
               "read %r (sysctl %s), unknown gave %s" % (got, dflt,
                                                         errname(e)))
        other = "reno" if dflt != "reno" else "cubic"
        try:
            sysctl_set(NS1, sc["cc"], other)
            s5 = mk(proto, NS1, fam)
            got = get_cc(s5)
        finally:
            sysctl_set(NS1, sc["cc"], dflt)
        result(got == other, p + "a new socket takes the congestion_control "
               "sysctl (%s)" % other, "got %r" % got)
        for x in (s, s2, s4):
            x.close()


# --------------------------------------------------------------- recv --

def section_recv(proto):
    p = pfx(proto)
    with guarded(p + "receive flags"):
        c, s = pair(proto)
        seti(s, TCP_NODELAY, 1)
        d, e = recv_err(c, 100, MSG_DONTWAIT)
        result(e == errno.EAGAIN, p + "recv(MSG_DONTWAIT) with nothing "
               "queued: EAGAIN", "got %r / %s" % (d, errname(e)))
        c.setblocking(False)
        d, e = recv_err(c, 100)
        c.setblocking(True)
        result(e == errno.EAGAIN, p + "recv() on O_NONBLOCK with nothing "
               "queued: EAGAIN", "got %r / %s" % (d, errname(e)))
        m = pmask(c)
        result(m == POLLOUT | POLLWRNORM, p + "poll of an idle connection: "
               "POLLOUT|POLLWRNORM only", "mask %s" % mask_str(m))

        # MSG_PEEK across two segments.
        s.send(b"hello ")
        time.sleep(0.05)
        s.send(b"world")
        m = wait_mask(c, POLLIN)
        result(m & (POLLIN | POLLRDNORM) == POLLIN | POLLRDNORM and
               not m & (POLLHUP | POLLRDHUP | POLLERR),
               p + "poll with data queued: POLLIN|POLLRDNORM",
               "mask %s" % mask_str(m))
        deadline = time.monotonic() + 5
        while len(c.recv(100, MSG_PEEK | MSG_DONTWAIT)) < 11 and \
                time.monotonic() < deadline:
            time.sleep(0.02)
        a = c.recv(5, MSG_PEEK)
        b = c.recv(100, MSG_PEEK)
        r = c.recv(100)
        d, e = recv_err(c, 100, MSG_DONTWAIT)
        result((a, b, r, e) == (b"hello", b"hello world", b"hello world",
                                errno.EAGAIN),
               p + "MSG_PEEK leaves the data queued (across segments)",
               "peek 5: %r, peek 100: %r, read: %r, then %s" % (
                   a, b, r, errname(e)))

        # MSG_WAITALL: only with the full count.
        later(0.1, s.send, b"A" * 1000)
        later(0.6, s.send, b"B" * 1000)
        t0 = time.monotonic()
        r = c.recv(2000, MSG_WAITALL)
        dt = time.monotonic() - t0
        result(r == b"A" * 1000 + b"B" * 1000 and dt >= 0.45,
               p + "recv(MSG_WAITALL) returns only with the full count",
               "got %d bytes after %.2f s" % (len(r), dt))
        later(0.1, s.send, b"C" * 1000)
        later(0.6, s.send, b"D" * 1000)
        t0 = time.monotonic()
        r = c.recv(2000)
        dt = time.monotonic() - t0
        rest = drain(c, 2000 - len(r))
        result(r == b"C" * 1000 and rest == b"D" * 1000,
               p + "recv() without MSG_WAITALL returns what is there",
               "got %d bytes after %.2f s" % (len(r), dt))
        later(0.2, s.send, b"E" * 300)
        later(0.4, s.shutdown, socket.SHUT_WR)
        r = c.recv(2000, MSG_WAITALL)
        result(r == b"E" * 300, p + "recv(MSG_WAITALL) returns short at "
               "the peer's FIN", "got %d bytes" % len(r))

    with guarded(p + "SO_RCVLOWAT"):
        c, s = pair(proto)
        seti(s, TCP_NODELAY, 1)
        seti(c, SO_RCVLOWAT, 1000, socket.SOL_SOCKET)
        got = geti(c, SO_RCVLOWAT, socket.SOL_SOCKET)
        s.send(b"a" * 600)
        time.sleep(0.2)
        m = pmask(c, 200)
        later(0.3, s.send, b"b" * 600)
        t0 = time.monotonic()
        m2 = wait_mask(c, POLLIN, 5)
        dt = time.monotonic() - t0
        result(got == 1000 and not m & POLLIN and m2 & POLLIN and
               dt >= 0.2, p + "SO_RCVLOWAT 1000: no POLLIN with 600 bytes, "
               "POLLIN at 1200", "lowat %d, masks %s then %s after %.2f s"
               % (got, mask_str(m), mask_str(m2), dt))
        r = c.recv(4096)
        s.send(b"c" * 600)
        later(0.4, s.send, b"d" * 600)
        t0 = time.monotonic()
        r2 = c.recv(4096)
        dt = time.monotonic() - t0
        result(len(r) == 1200 and r2 == b"c" * 600 + b"d" * 600 and
               dt >= 0.3, p + "SO_RCVLOWAT 1000: recv() waits for 1000 "
               "bytes", "read %d, then %d bytes after %.2f s" % (
                   len(r), len(r2), dt))

    with guarded(p + "epoll"):
        c, s = pair(proto)
        ep = select.epoll()
        ep.register(c.fileno(), select.EPOLLIN | select.EPOLLRDHUP)
        later(0.3, s.send, b"xyz")
        t0 = time.monotonic()
        ev = ep.poll(5)
        dt = time.monotonic() - t0
        evm = ev[0][1] if ev else 0
        result(evm & select.EPOLLIN and not evm & select.EPOLLRDHUP and
               0.2 <= dt < 4, p + "epoll_wait wakes with EPOLLIN when data "
               "arrives", "events %r after %.2f s" % (ev, dt))
        c.recv(100)
        ev0 = ep.poll(0)
        later(0.3, s.shutdown, socket.SHUT_WR)
        t0 = time.monotonic()
        ev = ep.poll(5)
        dt = time.monotonic() - t0
        evm = ev[0][1] if ev else 0
        want = select.EPOLLIN | select.EPOLLRDHUP
        result(not ev0 and evm & want == want and
               not evm & (select.EPOLLHUP | select.EPOLLERR) and
               0.2 <= dt < 4, p + "epoll: nothing once read, then "
               "EPOLLIN|EPOLLRDHUP (no EPOLLHUP) at the peer's FIN",
               "before %r, at FIN %r after %.2f s" % (ev0, ev, dt))
        r = c.recv(100)
        m = pmask(c)
        result(r == b"" and m == POLLIN | POLLRDNORM | POLLRDHUP | POLLOUT |
               POLLWRNORM, p + "after the peer's FIN: recv() 0, poll "
               "IN|RDNORM|RDHUP|OUT|WRNORM", "recv %r, mask %s" % (
                   r, mask_str(m)))
        c.shutdown(socket.SHUT_WR)
        m = wait_mask(c, POLLHUP, 2)
        result(m == POLLIN | POLLRDNORM | POLLRDHUP | POLLOUT | POLLWRNORM |
               POLLHUP, p + "both directions shut: POLLHUP added",
               "mask %s" % mask_str(m))
        ep.close()


# ---------------------------------------------------------------- buf --

def fill(c, chunk=4096, limit=16 << 20, timeout=10.0):
    """Write (non-blocking) until EAGAIN: (bytes written, errno)."""
    data = b"z" * chunk
    n = 0
    deadline = time.monotonic() + timeout
    while n < limit and time.monotonic() < deadline:
        try:
            n += c.send(data, MSG_DONTWAIT)
        except OSError as e:
            if e.errno != errno.EAGAIN:
                return n, e.errno
            time.sleep(0.1)		# what is in flight settles
            try:
                n += c.send(data, MSG_DONTWAIT)
            except OSError as e2:
                return n, e2.errno
    return n, 0


def section_buf(proto):
    p = pfx(proto)
    sol = socket.SOL_SOCKET
    with guarded(p + "SO_SNDBUF / SO_RCVBUF"):
        totals = {}
        for snd in (16384, 262144):
            c, s = pair(proto, lopts=((sol, socket.SO_RCVBUF, 16384),),
                        copts=((sol, socket.SO_SNDBUF, snd),))
            c.setblocking(False)
            n, e = fill(c)
            totals[snd] = n
            m = pmask(c)
            time.sleep(0.2)
            # What the reader holds, without opening the window (peek).
            d, _ = recv_err(s, 4 << 20, MSG_PEEK | MSG_DONTWAIT)
            queued = len(d or b"")
            rb = s.getsockopt(sol, socket.SO_RCVBUF)
            diag("%sSO_SNDBUF %d: %d bytes accepted, %d queued at the "
                 "reader" % (p, snd, n, queued))
            if snd != 16384:
                # The writer could push far more than the reader's buffer.
                result(rb == 32768 and 0 < queued <= rb * 3 // 2 and
                       n > 2 * rb, p + "SO_RCVBUF 16384: the reader's queue "
                       "stays within its buffer (+1/2)", "%d bytes queued "
                       "unread of %d written, SO_RCVBUF reads %d" % (
                           queued, n, rb))
                continue
            result(e == errno.EAGAIN and 0 < n <= 100000 and
                   not m & POLLOUT, p + "SO_SNDBUF 16384: a non-blocking "
                   "writer gets EAGAIN after a bounded amount, no POLLOUT",
                   "wrote %d bytes, then %s; mask %s" % (
                       n, errname(e), mask_str(m)))
            # The reader keeps draining: POLLOUT comes back, and the whole
            # stream arrives.
            got = [0]

            def reader(s=s, got=got):
                while True:
                    d, e2 = recv_err(s, 65536)
                    if not d:
                        break
                    got[0] += len(d)
            th = threading.Thread(target=reader, daemon=True)
            th.start()
            t0 = time.monotonic()
            m2 = wait_mask(c, POLLOUT, 5)
            dt = time.monotonic() - t0
            result(m2 & POLLOUT, p + "POLLOUT returns once the peer reads",
                   "mask %s after %.2f s" % (mask_str(m2), dt))
            deadline = time.monotonic() + 5
            while got[0] < n and time.monotonic() < deadline:
                time.sleep(0.05)
            result(got[0] == n, p + "everything written arrives",
                   "wrote %d, read %d" % (n, got[0]))
            c.shutdown(socket.SHUT_WR)
            th.join(5)
        result(totals[262144] >= totals[16384] + 100000, p + "SO_SNDBUF "
               "262144 lets ~200 KB more in than SO_SNDBUF 16384",
               "accepted %d vs %d bytes" % (totals[262144], totals[16384]))

    with guarded(p + "blocking writer"):
        c, s = pair(proto, lopts=((sol, socket.SO_RCVBUF, 16384),),
                    copts=((sol, socket.SO_SNDBUF, 16384),))
        data = pattern(300000, 3)
        st = {}

        def writer():
            t0 = time.monotonic()
            try:
                c.sendall(data)
                st["err"] = 0
            except OSError as e:
                st["err"] = e.errno
            st["t"] = time.monotonic() - t0
        th = threading.Thread(target=writer, daemon=True)
        th.start()
        time.sleep(0.8)
        blocked = th.is_alive()
        r = drain(s, len(data), 15)
        th.join(10)
        result(blocked, p + "a blocking writer with a full SO_SNDBUF waits "
               "while the peer does not read", "send() returned after "
               "%.2f s" % st.get("t", -1))
        result(not th.is_alive() and st.get("err") == 0 and r == data,
               p + "the blocked writer resumes when the peer reads; the "
               "300000 bytes arrive intact", "writer %s, error %s, read %d "
               "bytes, equal %s" % ("still blocked" if th.is_alive() else
                                    "done", errname(st.get("err")), len(r),
                                    r == data))


# --------------------------------------------------------------- pipe --

def section_pipe(proto):
    p = pfx(proto)
    with guarded(p + "EPIPE after shutdown(SHUT_WR)"):
        c, s = pair(proto)
        c.shutdown(socket.SHUT_WR)
        e, sig = send_err(c)
        result(e == errno.EPIPE and sig, p + "send() after shutdown(SHUT_WR):"
               " EPIPE and SIGPIPE", "got %s, SIGPIPE %s" % (errname(e), sig))
        e, sig = send_err(c, flags=MSG_NOSIGNAL)
        result(e == errno.EPIPE and not sig, p + "... with MSG_NOSIGNAL: "
               "EPIPE, no SIGPIPE", "got %s, SIGPIPE %s" % (errname(e), sig))
        r, e = recv_err(s, 100)
        result(r == b"" and e == 0, p + "the peer reads end of stream",
               "got %r / %s" % (r, errname(e)))

    with guarded(p + "peer closed, then RST"):
        c, s = pair(proto)
        s.close()
        m = wait_mask(c, POLLRDHUP, 3)
        result(m == POLLIN | POLLRDNORM | POLLRDHUP | POLLOUT | POLLWRNORM,
               p + "peer close(): FIN gives POLLIN|POLLRDHUP, still POLLOUT,"
               " no POLLHUP", "mask %s" % mask_str(m))
        e, sig = send_err(c, b"late")
        result(e == 0 and not sig, p + "send() after the peer's FIN "
               "succeeds (CLOSE-WAIT)", "got %s" % errname(e))
        m = wait_mask(c, POLLHUP, 3)
        result(m & (POLLHUP | POLLERR) == POLLHUP | POLLERR,
               p + "the closed peer answers with RST: POLLHUP|POLLERR",
               "mask %s" % mask_str(m))
        e, sig = send_err(c)
        result(e == errno.EPIPE and sig, p + "send() after the RST: EPIPE "
               "and SIGPIPE", "got %s, SIGPIPE %s" % (errname(e), sig))
        e, sig = send_err(c, flags=MSG_NOSIGNAL)
        result(e == errno.EPIPE and not sig, p + "... with MSG_NOSIGNAL: "
               "EPIPE, no SIGPIPE", "got %s, SIGPIPE %s" % (errname(e), sig))

    with guarded(p + "RST while established"):
        for first in ("recv", "send"):
            c, s = pair(proto)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
            s.close()
            m = wait_mask(c, POLLHUP, 3)
            if first == "recv":
                result(m == POLLIN | POLLRDNORM | POLLRDHUP | POLLOUT |
                       POLLWRNORM | POLLHUP | POLLERR, p + "RST (peer's "
                       "SO_LINGER 0 close): poll IN|RDNORM|RDHUP|OUT|WRNORM"
                       "|HUP|ERR", "mask %s" % mask_str(m))
                r, e = recv_err(c)
                result(e == errno.ECONNRESET, p + "recv() after RST: "
                       "ECONNRESET", "got %r / %s" % (r, errname(e)))
                r, e = recv_err(c)
                result(r == b"" and e == 0, p + "then recv() returns 0",
                       "got %r / %s" % (r, errname(e)))
                e, sig = send_err(c)
                result(e == errno.EPIPE and sig, p + "then send(): EPIPE "
                       "and SIGPIPE", "got %s, SIGPIPE %s" % (errname(e),
                                                              sig))
            else:
                e, sig = send_err(c)
                result(e == errno.ECONNRESET and not sig, p + "send() "
                       "first after RST: ECONNRESET, no SIGPIPE",
                       "got %s, SIGPIPE %s" % (errname(e), sig))
                e, sig = send_err(c)
                result(e == errno.EPIPE and sig, p + "then send(): EPIPE "
                       "and SIGPIPE", "got %s, SIGPIPE %s" % (errname(e),
                                                              sig))


# -------------------------------------------------------------- ioctl --

def section_ioctl(proto):
    p = pfx(proto)
    with guarded(p + "SIOCINQ / SIOCOUTQ"):
        c, s = pair(proto)
        s.send(b"q" * 700)
        time.sleep(0.2)
        res = {}
        for name, sk, req in (("SIOCINQ", c, SIOCINQ),
                              ("SIOCOUTQ", s, SIOCOUTQ)):
            try:
                v = fcntl.ioctl(sk.fileno(), req, struct.pack("i", 0))
                res[name] = struct.unpack("i", v)[0]
            except OSError as e:
                res[name] = errname(e.errno)
        if isinstance(res["SIOCINQ"], str):
            skip(p + "SIOCINQ/SIOCOUTQ", "not supported: SIOCINQ %s, "
                 "SIOCOUTQ %s" % (res["SIOCINQ"], res["SIOCOUTQ"]))
            return
        result(res["SIOCINQ"] == 700 and res["SIOCOUTQ"] == 0,
               p + "SIOCINQ counts unread bytes, SIOCOUTQ unacked ones",
               "got %r" % res)


# ------------------------------------------------------------- delack --

def ack_delays(cap, cport, sport, pred=lambda g: True):
    """For each data segment from the client (matching PRED): the delay
    until the first segment from the server acknowledging all of it."""
    segs = cap.snapshot(lambda g: {g.sport, g.dport} == {cport, sport})
    out = []
    for i, d in enumerate(segs):
        if d.sport != cport or not d.len or not pred(d):
            continue
        end = (d.seq + d.len) & 0xffffffff
        a = next((g for g in segs[i + 1:] if g.sport == sport and
                  (g.ack - end) & 0xffffffff < 0x80000000), None)
        out.append((d, a, None if a is None else a.t - d.t))
    return out


def delack_samples(proto, cap, c, s):
    """One-way 1-byte writes on pair C -> S: sorted ACK delays (s) of six
    samples taken once quick-ACK mode is over, and the samples."""
    cport, sport = c.getsockname()[1], s.getsockname()[1]
    if proto == "tcp":
        # Linux TCP's tail loss probe fires before a 40 ms delayed ACK
        # on a sub-millisecond RTT; the duplicate it sends puts the
        # receiver back in quick-ACK mode.  ATCP has no TLP.
        early = sysctl_get(NS1, "net.ipv4.tcp_early_retrans")
        sysctl_set(NS1, "net.ipv4.tcp_early_retrans", 0)
    try:
        # The first ACKs of a connection go at once (quick-ACK mode, 16
        # segments in both implementations): use them up.  Gaps stay
        # below an RTO (Linux TCP restarts quick-ACK mode after a longer
        # silence).
        for _ in range(20):
            c.send(b"w")
            time.sleep(0.02)
        time.sleep(0.1)
        t_samples = time.time() - SLACK
        for _ in range(6):
            c.send(b"d")
            time.sleep(0.07)
    finally:
        if proto == "tcp":
            sysctl_set(NS1, "net.ipv4.tcp_early_retrans", early)
    cap.wait(lambda g: g.sport == sport and g.dport == cport and
             g.t >= t_samples, 6, 3)
    dl = ack_delays(cap, cport, sport, lambda g: g.t >= t_samples)
    return sorted(x[2] for x in dl if x[2] is not None), dl


def section_delack(proto, cap):
    p = pfx(proto)
    with guarded(p + "delayed ACK"):
        # A process stalled for longer than an RTO (it happens in the
        # emulated VM) spoils a measurement for Linux TCP: two tries.
        for attempt in range(2):
            c, s = pair(proto)
            seti(c, TCP_NODELAY, 1)
            cport, sport = c.getsockname()[1], s.getsockname()[1]
            ds, dl = delack_samples(proto, cap, c, s)
            med = ds[len(ds) // 2] if ds else None
            ok = len(ds) == 6 and ds[0] >= 0.025 and med <= 0.080
            if ok:
                break
            diag("%sattempt %d: delays (ms) %s" % (
                p, attempt + 1, [round(x * 1000, 1) for x in ds]))
        result(ok, p + "one-way small writes: the ACK is delayed, at most "
               "~40 ms (min >= 25 ms, median <= 80 ms)",
               "delays (ms) %s" % [round(x * 1000, 1) for x in ds],
               *show([x[0] for x in dl if x[2] is None]))

        if proto == "atcp":
            # Every second full segment is acknowledged at once.  (Linux
            # TCP hands veth one 8-MSS GSO packet, so ATCP only.)
            mss = geti(c, TCP_MAXSEG)
            t_burst = time.time() - SLACK
            c.send(b"F" * (8 * mss))
            sent = wait_bytes(cap, cport, sport, 8 * mss, t_burst)
            if sent:
                end = (sent[-1].seq + sent[-1].len) & 0xffffffff
                cap.wait(lambda g: g.sport == sport and g.ack == end, 1, 2)
            time.sleep(0.05)
            segs = cap.snapshot(lambda g: g.t >= t_burst and
                                {g.sport, g.dport} == {cport, sport})
            data = [g for g in segs if g.sport == cport and g.len]
            acks = [g for g in segs if g.sport == sport]
            start = data[0].seq if data else 0
            units = [((a.ack - start) & 0xffffffff) / mss for a in acks]
            why = []
            if [g.len for g in data] != [mss] * 8:
                why.append("data segments %s, want 8 x %d" % (
                    [g.len for g in data], mss))
            if not acks or any(u != int(u) or int(u) % 2 for u in units):
                why.append("ACKs cover %s segments, want even counts" %
                           units)
            if len(acks) > 5:
                why.append("%d ACKs for 8 segments" % len(acks))
            if data and acks and len(data) >= 2 and \
                    acks[0].t - data[1].t > 0.02:
                why.append("first ACK %.1f ms after the second segment" %
                           ((acks[0].t - data[1].t) * 1000))
            result(not why, p + "8 full segments: an immediate ACK for "
                   "every second one", *(why + show(segs, 20)))

            # TCP_QUICKACK on the receiver: the next ACKs go at once.
            # (Linux TCP's TCP_QUICKACK only leaves ping-pong mode and
            # does not restart quick-ACK mode, hence ATCP only.)
            seti(s, TCP_QUICKACK, 1)
            q = geti(s, TCP_QUICKACK)
            t_q = time.time() - SLACK
            for _ in range(4):
                c.send(b"q")
                time.sleep(0.12)
            cap.wait(lambda g: g.sport == sport and g.t >= t_q, 4, 2)
            dl = ack_delays(cap, cport, sport, lambda g: g.t >= t_q)
            ds = [x[2] for x in dl]
            result(q == 1 and len(ds) == 4 and
                   all(x is not None and x < 0.020 for x in ds),
                   p + "TCP_QUICKACK: the next ACKs leave at once "
                   "(< 20 ms)", "TCP_QUICKACK reads %d; delays (ms) %s" % (
                       q, [None if x is None else round(x * 1000, 1)
                           for x in ds]))


# -------------------------------------------------------------- nagle --

def section_nagle(proto, cap):
    p = pfx(proto)
    with guarded(p + "Nagle"):
        for nodelay in (0, 1):
            # An attempt tells only if the second send() came before the
            # ACK of the first segment (the emulated VM can stall a
            # process for longer than the RTT).
            for attempt in range(4):
                c, s = pair(proto, link="b")
                cport, sport = c.getsockname()[1], s.getsockname()[1]
                if nodelay:
                    seti(c, TCP_NODELAY, 1)
                t0 = time.time() - SLACK
                c.send(b"1" * 100)
                t1 = time.time() + SLACK
                c.send(b"2" * 100)
                t2 = time.time() + SLACK
                r = drain(s, 200, 5)
                sent = wait_bytes(cap, cport, sport, 200, t0)
                if sent:
                    end = (sent[-1].seq + sent[-1].len) & 0xffffffff
                    cap.wait(lambda g: g.sport == sport and g.ack == end,
                             1, 2)
                segs = cap.snapshot(lambda g: {g.sport, g.dport} ==
                                    {cport, sport} and g.t >= t0)
                data = [g for g in segs if g.sport == cport and g.len]
                ack1 = next((g for g in segs if g.sport == sport and data and
                             g.ack == (data[0].seq + data[0].len) &
                             0xffffffff), None)
                if ack1 is None or t1 < ack1.t:
                    break
                diag("%sattempt %d: the second send() came %.1f ms after "
                     "the first, after its ACK" % (p, attempt + 1,
                                                   (t1 - t0) * 1000))
            ok = len(data) == 2 and ack1 is not None and \
                r == b"1" * 100 + b"2" * 100 and data[0].t <= t1
            if nodelay:
                # Each segment leaves within its own send() call.
                ok = ok and data[1].t <= t2
                desc = "with TCP_NODELAY both small segments leave at once"
            else:
                # The second, written before the ACK of the first came,
                # leaves with that ACK.
                ok = ok and data[1].t >= ack1.t and \
                    data[1].t - data[0].t >= 0.6 * DELAYB / 1000
                desc = "Nagle: the second small segment waits for the " \
                    "ACK of the first (RTT %d ms)" % DELAYB
            result(ok, p + desc, "send() calls returned at +%.1f, +%.1f ms" %
                   ((t1 - t0) * 1000, (t2 - t0) * 1000),
                   *show([g for g in segs if g.t >= t0]))

    # TCP_CORK and MSG_MORE hold partial segments, for at most about an
    # RTO when nothing is in flight (tcp(7): "a 200 millisecond ceiling").
    # Holds are checked over 60 ms, well inside the ceiling.
    with guarded(p + "TCP_CORK"):
        for attempt in range(3):
            c, s = pair(proto, link="b")
            cport, sport = c.getsockname()[1], s.getsockname()[1]
            seti(c, TCP_CORK, 1)
            t0 = time.time() - SLACK
            for _ in range(3):
                c.send(b"k" * 100)
            time.sleep(0.06)
            t_un = time.time() - SLACK
            seti(c, TCP_CORK, 0)
            if held_briefly(p, attempt, t0, t_un):
                break
        r = drain(s, 300, 5)
        segs = wait_bytes(cap, cport, sport, 300, t0)
        result([(g.len, g.t >= t_un) for g in segs] == [(300, True)] and
               r == b"k" * 300, p + "TCP_CORK holds three 100-byte writes, "
               "uncork sends one 300-byte segment", "uncork at %.3f" % t_un,
               *show(segs))

        time.sleep(3 * DELAYB / 1000)		# nothing in flight
        seti(c, TCP_CORK, 1)
        t0 = time.time() - SLACK
        c.send(b"c" * 100)
        segs = wait_bytes(cap, cport, sport, 100, t0, 3)
        dt = segs[0].t - t0 - SLACK if segs else None
        r = drain(s, 100, 3)
        diag("%sTCP_CORK: the held segment left after %s s" % (
            p, None if dt is None else round(dt, 3)))
        result(segs and 0.15 <= dt <= 1.5 and r == b"c" * 100,
               p + "TCP_CORK: a held partial segment leaves by itself after "
               "~200 ms (TCP's ceiling)", "sent after %s s" % (
                   None if dt is None else round(dt, 3)), *show(segs))

        # More than an MSS corked: the full segments leave, the rest waits.
        for attempt in range(3):
            c, s = pair(proto, link="b")
            cport, sport = c.getsockname()[1], s.getsockname()[1]
            mss = geti(c, TCP_MAXSEG)
            seti(c, TCP_CORK, 1)
            t0 = time.time() - SLACK
            c.send(b"K" * (2 * mss + 104))
            time.sleep(0.06)
            t_un = time.time() - SLACK
            seti(c, TCP_CORK, 0)
            if held_briefly(p, attempt, t0, t_un):
                break
        r = drain(s, 2 * mss + 104, 5)
        segs = wait_bytes(cap, cport, sport, 2 * mss + 104, t0)
        held = [g.len for g in segs if g.t < t_un]
        late = [g.len for g in segs if g.t >= t_un]
        result(sum(held) == 2 * mss and late == [104] and
               len(r) == 2 * mss + 104, p + "TCP_CORK with 2 MSS + 104 "
               "bytes: the full segments leave, 104 bytes wait for uncork",
               "corked: %s, after uncork: %s (mss %d)" % (held, late, mss))

    with guarded(p + "MSG_MORE"):
        for attempt in range(3):
            c, s = pair(proto, link="b")
            cport, sport = c.getsockname()[1], s.getsockname()[1]
            seti(c, TCP_NODELAY, 1)
            t0 = time.time() - SLACK
            c.send(b"m" * 100, MSG_MORE)
            c.send(b"m" * 100, MSG_MORE)
            time.sleep(0.06)
            t_un = time.time() - SLACK
            c.send(b"M" * 100)
            if held_briefly(p, attempt, t0, t_un):
                break
        r = drain(s, 300, 5)
        segs = wait_bytes(cap, cport, sport, 300, t0)
        result([(g.len, g.t >= t_un) for g in segs] == [(300, True)] and
               r == b"m" * 200 + b"M" * 100, p + "MSG_MORE (with "
               "TCP_NODELAY) holds two writes; the third sends one "
               "300-byte segment", "last write at %.3f" % t_un, *show(segs))
        # Nothing in flight (an ACK arriving would push it: MSG_MORE holds
        # only during its own call, TCP_NODELAY is on).
        time.sleep(3 * DELAYB / 1000)
        t0 = time.time() - SLACK
        c.send(b"n" * 100, MSG_MORE)
        segs = wait_bytes(cap, cport, sport, 100, t0, 3)
        dt = segs[0].t - t0 - SLACK if segs else None
        r = drain(s, 100, 3)
        diag("%sMSG_MORE: the held segment left after %s s" % (
            p, None if dt is None else round(dt, 3)))
        result(segs and 0.15 <= dt <= 1.5 and r == b"n" * 100,
               p + "MSG_MORE: a held partial segment leaves by itself after "
               "~200 ms (TCP's ceiling)", "sent after %s s" % (
                   None if dt is None else round(dt, 3)), *show(segs))


def held_briefly(p, attempt, t0, t_un):
    """Whether a hold from T0 to T_UN stayed well inside the ~200 ms
    ceiling, so that what left before T_UN was not the ceiling's doing."""
    if t_un - t0 < 0.15:
        return True
    diag("%sattempt %d: held %.0f ms, too close to the ceiling" % (
        p, attempt + 1, (t_un - t0) * 1000))
    return False


# ---------------------------------------------------------------- mss --

def bulk(c, s, n, seed=0):
    """Send N bytes C -> S, read them on S: equal?"""
    data = pattern(n, seed)
    th = threading.Thread(target=c.sendall, args=(data,), daemon=True)
    th.start()
    r = drain(s, n, 20)
    th.join(5)
    return r == data


def section_mss(proto, cap):
    # Linux TCP hands veth segments of up to 64 KB (TSO/GSO), so the
    # capture checks are ATCP's; TCP_MAXSEG is read on both.
    p0 = NAME[proto] + ": "
    with guarded(p0 + "segmentation"):
        for fam in (4, 6):
            p = pfx(proto, fam)
            mss = MTUB - (40 if fam == 4 else 60) - 12	# timestamps
            cases = (("route MTU %d" % MTUB, (), (), mss),
                     ("the peer's TCP_MAXSEG 500", ((SOL_TCP, TCP_MAXSEG,
                                                     500),), (), 488),
                     ("our TCP_MAXSEG 600", (), ((SOL_TCP, TCP_MAXSEG,
                                                  600),), 588))
            for what, lo, co, want in cases:
                if fam == 6 and lo + co:
                    continue
                c, s = pair(proto, "b", fam, lopts=lo, copts=co)
                cport, sport = c.getsockname()[1], s.getsockname()[1]
                seti(c, TCP_NODELAY, 1)
                got = geti(c, TCP_MAXSEG)
                info = tcp_info(c)
                result(got == want and info["snd_mss"] == want,
                       p + "TCP_MAXSEG and tcpi_snd_mss = %d with %s" % (
                           want, what), "TCP_MAXSEG %d, snd_mss %d" % (
                               got, info["snd_mss"]))
                if proto != "atcp":
                    continue
                okd = bulk(c, s, 20 * want + 77)
                lens = [g.len for g in wait_bytes(cap, cport, sport,
                                                  20 * want + 77)]
                result(okd and lens and max(lens) <= want and
                       lens.count(want) >= 20, p + "data segments never "
                       "exceed the MSS (%d, %s)" % (want, what),
                       "data intact: %s; lengths %s" % (okd, lens))


# --------------------------------------------------------------- info --

def section_info(proto):
    p = pfx(proto)
    with guarded(p + "TCP_INFO"):
        # NewReno: no loss means no ssthresh (CUBIC's HyStart may set one).
        c, s = pair(proto, "b")
        c.setsockopt(SOL_TCP, TCP_CONGESTION, b"reno")
        s.setsockopt(SOL_TCP, TCP_CONGESTION, b"reno")
        seti(c, TCP_NODELAY, 1)
        seti(s, TCP_NODELAY, 1)
        n_cs, n_sc = 200000, 5000
        ok1 = bulk(c, s, n_cs, 1)
        ok2 = bulk(s, c, n_sc, 2)
        time.sleep(4 * DELAYB / 1000 + 0.3)	# last ACKs are in
        ci, si = tcp_info(c), tcp_info(s)
        mss = MTUB - 40 - 12
        why = []

        def want(cond, msg):
            if not cond:
                why.append(msg)
        want(ok1 and ok2, "bulk transfers corrupted")
        want(ci["_len"] >= 232, "tcp_info only %d bytes" % ci["_len"])
        want(ci["state"] == 1 and si["state"] == 1, "state %d / %d, want "
             "1 (ESTABLISHED)" % (ci["state"], si["state"]))
        want(ci["options"] & 7 == 7, "options %#x, want TS|SACK|WSCALE" %
             ci["options"])
        want(200000 <= ci["rto"] <= 120000000, "rto %d us" % ci["rto"])
        want(0.75 * DELAYB * 1000 <= ci["rtt"] <= 1000000,
             "client rtt %d us with a %d ms RTT" % (ci["rtt"], DELAYB))
        want(0.75 * DELAYB * 1000 <= si["rtt"] <= 1000000,
             "server rtt %d us with a %d ms RTT" % (si["rtt"], DELAYB))
        want(ci["snd_cwnd"] > 10, "cwnd %d did not grow from 10" %
             ci["snd_cwnd"])
        want(ci["snd_ssthresh"] >= 0x7fffffff, "ssthresh %d, want "
             "infinite without loss" % ci["snd_ssthresh"])
        want(ci["total_retrans"] == 0 and ci["retransmits"] == 0,
             "retransmissions on a clean link: %d" % ci["total_retrans"])
        want(ci["unacked"] == 0, "unacked %d" % ci["unacked"])
        want(ci["bytes_acked"] in (n_cs, n_cs + 1), "client bytes_acked "
             "%d, sent %d (+1 for the SYN, as TCP counts it)" % (
                 ci["bytes_acked"], n_cs))
        want(si["bytes_received"] == n_cs, "server bytes_received %d, "
             "sent %d" % (si["bytes_received"], n_cs))
        want(si["bytes_acked"] == n_sc, "server bytes_acked %d, sent %d" %
             (si["bytes_acked"], n_sc))
        want(ci["bytes_received"] == n_sc, "client bytes_received %d, "
             "sent %d" % (ci["bytes_received"], n_sc))
        want(ci["snd_mss"] == mss and ci["rcv_mss"] == mss,
             "snd_mss %d rcv_mss %d, want %d" % (ci["snd_mss"],
                                                 ci["rcv_mss"], mss))
        want(ci["segs_out"] >= n_cs // mss, "segs_out %d" % ci["segs_out"])
        want(si["segs_in"] >= n_cs // mss, "server segs_in %d" %
             si["segs_in"])
        want(ci["pmtu"] == MTUB, "pmtu %d" % ci["pmtu"])
        diag("%sclient rtt %d us rto %d us cwnd %d bytes_acked %d pmtu %d; "
             "server bytes_received %d" % (p, ci["rtt"], ci["rto"],
                                           ci["snd_cwnd"], ci["bytes_acked"],
                                           ci["pmtu"], si["bytes_received"]))
        result(not why, p + "TCP_INFO after traffic: state, rto, rtt, cwnd, "
               "ssthresh, retransmissions, byte counts, MSS", *why)
        if why:
            diag("client: %r" % {k: v for k, v in ci.items()},
                 "server: %r" % {k: v for k, v in si.items()})
        li = tcp_info(mk(proto, NS1, 4))
        result(li["state"] == 7 and li["snd_cwnd"] in (0, 10) and
               li["snd_mss"] == 536, p + "TCP_INFO of a fresh socket: CLOSE, "
               "mss 536", "state %d cwnd %d snd_mss %d" % (
                   li["state"], li["snd_cwnd"], li["snd_mss"]))
        # TCP_CONGESTION on an established connection keeps working.
        c.setsockopt(SOL_TCP, TCP_CONGESTION, b"cubic")
        okr = bulk(c, s, 50000, 3)
        result(get_cc(c) == "cubic" and okr, p + "TCP_CONGESTION cubic on an "
               "established connection; data still flows",
               "now %r, data intact %s" % (get_cc(c), okr))


# --------------------------------------------------------------- main --

def main():
    caps = {}
    for link in ("a", "b"):
        if DEV[link]:
            caps[link] = Capture(NS1, DEV[link],
                                 pcap="%s/sockapi-%s.pcap" % (CAPDIR, link))
    t0 = time.monotonic()
    for proto in PROTOS:
        ts = time.monotonic()
        if "opts" in SECTIONS:
            for fam in (4, 6):
                if fam in LINKS["a"]:
                    section_opts(proto, fam)
        if "recv" in SECTIONS:
            section_recv(proto)
        if "buf" in SECTIONS:
            section_buf(proto)
        if "pipe" in SECTIONS:
            section_pipe(proto)
        if "ioctl" in SECTIONS:
            section_ioctl(proto)
        if "delack" in SECTIONS and "a" in caps:
            section_delack(proto, caps["a"])
        if "nagle" in SECTIONS and "b" in caps:
            section_nagle(proto, caps["b"])
        if "mss" in SECTIONS and "b" in caps:
            section_mss(proto, caps["b"])
        if "info" in SECTIONS and LINKS["b"]:
            section_info(proto)
        diag("%s checks took %.1f s" % (NAME[proto], time.monotonic() - ts))
    for s in opened:
        try:
            s.close()
        except OSError:
            pass
    for cap in caps.values():
        cap.stop()
    diag("sockapi_check.py ran %.1f s" % (time.monotonic() - t0))


main()
