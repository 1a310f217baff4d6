# SPDX-License-Identifier: GPL-2.0
"""Shared helpers of the teardown selftests (close_check.py, tw_check.py).

Imported by the python halves of test_close.sh and test_timewait.sh; not
run by itself.  Standard library only, on top of conn_lib.py (namespaces,
capture, TAP lines) and q_common.py (segment builder).

  * /proc:  entries(procnet, fam) parses PROCNET/atcp[6] with the state,
    the timer code and its expiry; state_of() / wait_state() / wait_gone()
    follow one connection by its ports; Recorder polls a set of
    connections from a thread and keeps the sequence of states each went
    through, so a test can assert FIN_WAIT1 -> FIN_WAIT2 -> TIME_WAIT step
    by step.
  * Peer:   a scripted ATCP end point in a namespace whose kernel never
    sees its segments (ns2 drops on ingress whatever arrives for its
    address): it sends crafted segments through a raw socket and reads
    the other side's segments from a Capture.  Used where a real socket
    cannot be made to misbehave on cue: a peer that never ACKs our FIN,
    that sends FIN,ACK in one segment, that retransmits its FIN into
    TIME-WAIT, that sends RST or an old SYN.
  * Module: delete_module() / finit_module() by system call (no exec).
"""

import ctypes
import errno
import os
import socket
import struct
import time

from conn_lib import ACK, ATCP, FIN, RST, SYN, diag, netns
from q_common import build_seg

# include/net/tcp_states.h
(ESTABLISHED, SYN_SENT, SYN_RECV, FIN_WAIT1, FIN_WAIT2, TIME_WAIT, CLOSE,
 CLOSE_WAIT, LAST_ACK, LISTEN, CLOSING) = range(1, 12)
GONE = 0		# no line in /proc: CLOSED and forgotten
STATE_NAMES = {GONE: "gone", ESTABLISHED: "ESTABLISHED",
               SYN_SENT: "SYN_SENT", SYN_RECV: "SYN_RECV",
               FIN_WAIT1: "FIN_WAIT1", FIN_WAIT2: "FIN_WAIT2",
               TIME_WAIT: "TIME_WAIT", CLOSE: "CLOSE",
               CLOSE_WAIT: "CLOSE_WAIT", LAST_ACK: "LAST_ACK",
               LISTEN: "LISTEN", CLOSING: "CLOSING"}
USER_HZ = 100		# /proc/net/tcp's timer column is in clock_t
TIMER_NONE, TIMER_RETRANS, TIMER_KEEPALIVE, TIMER_TW, TIMER_PROBE0 = range(5)

SOL_TCP = 6
TCP_LINGER2 = 8


def sname(st):
    if st == -1:
        return "listed twice"
    return STATE_NAMES.get(st, "state %d" % st)


def snames(seq):
    return " -> ".join(sname(s) for s in seq)


def linger(on, secs):
    return struct.pack("ii", on, secs)


# ------------------------------------------------------ /proc/net/atcp --

class Entry:
    __slots__ = ("lport", "rport", "state", "tr", "when", "inode", "raddr")

    def __repr__(self):
        return "%d->%d %s tr=%d when=%.2f inode=%d" % (
            self.lport, self.rport, sname(self.state), self.tr, self.when,
            self.inode)


def entries(procnet, fam):
    """Every line of PROCNET/atcp (fam 4) or atcp6 (fam 6)."""
    path = "%s/atcp%s" % (procnet, "6" if fam == 6 else "")
    with open(path) as f:
        lines = f.read().split("\n")[1:]
    ents = []
    for line in lines:
        w = line.split()
        if len(w) < 10:
            continue
        e = Entry()
        e.lport = int(w[1].rsplit(":", 1)[1], 16)
        e.raddr, rp = w[2].rsplit(":", 1)
        e.rport = int(rp, 16)
        e.state = int(w[3], 16)
        tr, when = w[5].split(":")
        e.tr, e.when = int(tr, 16), int(when, 16) / USER_HZ
        e.inode = int(w[9])
        ents.append(e)
    return ents


def find(procnet, fam, lport, rport):
    return [e for e in entries(procnet, fam)
            if e.lport == lport and e.rport == rport]


def state_of(procnet, fam, lport, rport):
    """The state of lport -> rport, GONE when not listed; a list when
    listed more than once (a bug the checks then report)."""
    got = [e.state for e in find(procnet, fam, lport, rport)]
    if not got:
        return GONE
    return got[0] if len(got) == 1 else got


def wait_for(fn, timeout, interval=0.02):
    """Poll fn() until it returns something true; that value, or the
    last (false) one when TIMEOUT seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(interval)


def wait_state(procnet, fam, lport, rport, state, timeout=5.0):
    return wait_for(lambda: state_of(procnet, fam, lport, rport) == state,
                    timeout)


def wait_gone(procnet, fam, lport, rport, timeout=5.0):
    return wait_state(procnet, fam, lport, rport, GONE, timeout)


def count_state(procnet, fam, state):
    return sum(1 for e in entries(procnet, fam) if e.state == state)


def orphans(procnet, fam=4):
    """Lines of orphaned connections (inode 0, not TIME-WAIT, not a
    SYN-queue entry)."""
    return [e for e in entries(procnet, fam) if e.inode == 0 and
            e.state not in (TIME_WAIT, SYN_RECV, LISTEN)]


class Recorder:
    """Poll /proc for a few connections from a thread; keep, per name,
    the states each went through (consecutive duplicates dropped) with the
    time each was first seen."""

    def __init__(self, interval=0.01):
        import threading
        self.watch = {}		# name -> (procnet, fam, lport, rport)
        self.hist = {}		# name -> [(t, state)]
        self.lock = threading.Lock()
        self.interval = interval
        self.running = True
        self.th = threading.Thread(target=self._run, daemon=True)
        self.th.start()

    def add(self, name, procnet, fam, lport, rport):
        with self.lock:
            self.watch[name] = (procnet, fam, lport, rport)
            self.hist[name] = []
        self._poll()

    def _poll(self):
        with self.lock:
            watch = dict(self.watch)
        cache = {}
        now = time.monotonic()
        for name, (procnet, fam, lport, rport) in watch.items():
            key = (procnet, fam)
            if key not in cache:
                try:
                    cache[key] = entries(procnet, fam)
                except OSError:
                    cache[key] = []
            got = [e.state for e in cache[key]
                   if e.lport == lport and e.rport == rport]
            st = got[0] if len(got) == 1 else (GONE if not got else -1)
            with self.lock:
                h = self.hist.get(name)
                if h is not None and (not h or h[-1][1] != st):
                    h.append((now, st))

    def poll_now(self):
        """Take a sample now, from the calling thread (right after an
        action whose effect may not last long)."""
        self._poll()

    def _run(self):
        while self.running:
            self._poll()
            time.sleep(self.interval)

    def states(self, name):
        with self.lock:
            return [s for _, s in self.hist.get(name, [])]

    def times(self, name):
        with self.lock:
            return list(self.hist.get(name, []))

    def first(self, name, state):
        """When STATE was first seen for NAME (monotonic), or None."""
        for t, s in self.times(name):
            if s == state:
                return t
        return None

    def drop(self, name):
        with self.lock:
            self.watch.pop(name, None)

    def stop(self):
        self.running = False
        self.th.join(2)


# ------------------------------------------------------------- capture --

def segs_between(cap, a, b, since=0.0):
    """Captured segments between ports A and B (either way) at or after
    SINCE (time.time())."""
    return cap.snapshot(lambda s: {s.sport, s.dport} == {a, b} and
                        s.t >= since)


def rel(seg, isn_by_port):
    """seg's seq / ack relative to each side's ISN, as tcpdump shows them."""
    mine = isn_by_port.get(seg.sport)
    theirs = isn_by_port.get(seg.dport)
    seq = (seg.seq - mine) & 0xffffffff if mine is not None else seg.seq
    ack = (seg.ack - theirs) & 0xffffffff if theirs is not None else seg.ack
    return seq, ack


def fmt_rel(segs, isns, limit=16):
    lines = []
    for s in segs[:limit]:
        seq, ack = rel(s, isns)
        lines.append("%.3f %d > %d [%s] seq %d ack %d len %d" % (
            s.t, s.sport, s.dport, s.fl(), seq, ack, s.len))
    if len(segs) > limit:
        lines.append("... %d more" % (len(segs) - limit))
    return lines or ["(no segments)"]


def isns(segs):
    """ISN of each port, from the SYN / SYN,ACK it sent."""
    out = {}
    for s in segs:
        if s.flags & SYN:
            out.setdefault(s.sport, s.seq)
    return out


def fin_of(segs, sport):
    """The first segment with FIN sent by SPORT, or None."""
    for s in segs:
        if s.sport == sport and s.flags & FIN:
            return s
    return None


def fin_seq(seg):
    """The sequence number a FIN segment's FIN takes (after its data)."""
    return (seg.seq + seg.len) & 0xffffffff


def end_seq(seg):
    return (seg.seq + seg.len + (1 if seg.flags & (SYN | FIN) else 0)) & \
        0xffffffff


# ---------------------------------------------------------------- peer --

def rand32():
    return int.from_bytes(os.urandom(4), "big")


class Peer:
    """A scripted ATCP end point at ME (an address of namespace NS that
    the namespace's own stack never receives for), port PORT, talking to
    THEM.  Sends through a raw socket of IP protocol ATCP; sees the other
    side's segments in CAP (a Capture on a device they cross)."""

    def __init__(self, ns, cap, me, them, port, ts=True):
        with netns(ns):
            self.sk = socket.socket(socket.AF_INET, socket.SOCK_RAW, ATCP)
        self.sk.bind((me, 0))
        self.cap, self.me, self.them, self.port = cap, me, them, port
        self.ts = ts			# offer timestamps in the SYN,ACK
        self.cport = None		# the other side's port
        self.iss = rand32()
        self.snd_nxt = self.iss
        self.rcv_nxt = None
        self.irs = None
        self.ts_on = False
        self.ts_recent = 0
        self.ts_base = rand32()
        self.t0 = time.monotonic()
        self.window = 65535		# what we advertise
        self.last_tsval = None		# the last TSval we sent
        self.mark = 0			# capture index: what was seen already
        self.last = None		# last segment seen from them

    def tsval(self, delta_ms=0):
        ms = int((time.monotonic() - self.t0) * 1000) + delta_ms
        return (self.ts_base + ms) & 0xffffffff

    def _mine(self, s):
        return (s.src == self.them and s.dst == self.me and
                s.dport == self.port and
                (self.cport is None or s.sport == self.cport))

    def segs(self):
        """Every segment they sent us so far."""
        return self.cap.snapshot(self._mine)

    def wait(self, pred=None, timeout=5.0):
        """The next segment from them (after those already waited for)
        that satisfies PRED, or None."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.segs()
            while self.mark < len(got):
                s = got[self.mark]
                self.mark += 1
                self._learn(s)
                if pred is None or pred(s):
                    return s
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.01)

    def skip_seen(self):
        """Forget what arrived so far: wait() returns only newer ones."""
        got = self.segs()
        for s in got[self.mark:]:
            self._learn(s)
        self.mark = len(got)

    def _learn(self, s):
        self.last = s
        if self.ts_on and "tsval" in s.opts:
            self.ts_recent = s.opts["tsval"]

    def seg(self, flags, seq=None, ack=None, data=b"", ts=True,
            tsval=None, window=None, mss=None):
        """Build a segment to them (our SND.NXT / RCV.NXT by default)."""
        t = None
        if ts and self.ts_on:
            t = (self.tsval() if tsval is None else tsval, self.ts_recent)
            self.last_tsval = t[0]
        return build_seg(self.me, self.them, self.port, self.cport,
                         self.snd_nxt if seq is None else seq,
                         (self.rcv_nxt or 0) if ack is None else ack,
                         flags, mss=mss, ts=t, payload=data,
                         window=self.window if window is None else window)

    def send(self, flags, seq=None, ack=None, data=b"", advance=True, **kw):
        self.sk.sendto(self.seg(flags, seq, ack, data, **kw),
                       (self.them, 0))
        if advance and seq is None:
            self.snd_nxt = (self.snd_nxt + len(data) +
                            (1 if flags & (SYN | FIN) else 0)) & 0xffffffff

    def accept(self, timeout=10.0):
        """Answer their SYN with a SYN,ACK and wait for the third ACK.
        Returns True once the connection is established."""
        syn = self.wait(lambda s: s.flags == SYN, timeout)
        if syn is None:
            return False
        self.cport = syn.sport
        self.irs = syn.seq
        self.rcv_nxt = (syn.seq + 1) & 0xffffffff
        self.ts_on = self.ts and "tsval" in syn.opts
        if self.ts_on:
            self.ts_recent = syn.opts["tsval"]
        self.send(SYN | ACK, mss=1460)
        a = self.wait(lambda s: s.flags & ACK and not s.flags & SYN and
                      s.ack == self.snd_nxt, timeout)
        return a is not None

    def ack_all(self):
        """ACK everything they sent so far (data and FIN)."""
        self.skip_seen()
        for s in self.segs():
            e = end_seq(s)
            if (e - self.rcv_nxt) & 0x80000000 == 0:
                self.rcv_nxt = e
        self.send(ACK)


def connect_to_peer(ns, peer, fam_addr, lport=0, opts=(), timeout=10.0):
    """A socket of namespace NS connected to PEER (which answers the
    SYN).  OPTS: (level, name, value) set before connect.  Returns the
    socket (blocking) or raises OSError."""
    import select
    with netns(ns):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, ATCP)
    try:
        for lvl, name, val in opts:
            s.setsockopt(lvl, name, val)
        if lport:
            s.bind((fam_addr, lport))
        s.setblocking(False)
        e = s.connect_ex((peer.me, peer.port))
        if e not in (0, errno.EINPROGRESS):
            raise OSError(e, "connect: " + os.strerror(e))
        if not peer.accept(timeout):
            raise OSError(errno.ETIMEDOUT, "the scripted peer saw no "
                          "handshake")
        p = select.poll()
        p.register(s, select.POLLOUT)
        if not p.poll(int(timeout * 1000)):
            raise OSError(errno.ETIMEDOUT, "connect did not complete")
        e = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if e:
            raise OSError(e, "connect: " + os.strerror(e))
        s.setblocking(True)
        return s
    except BaseException:
        s.close()
        raise


# -------------------------------------------------------------- module --

SYS_delete_module, SYS_finit_module = 176, 313	# x86_64
_libc = ctypes.CDLL(None, use_errno=True)


def delete_module(name="atcp"):
    """rmmod without exec: 0 or the errno."""
    if _libc.syscall(SYS_delete_module, name.encode(), os.O_NONBLOCK) == 0:
        return 0
    return ctypes.get_errno()


def finit_module(path, params=""):
    """insmod without exec: 0 or the errno."""
    fd = os.open(path, os.O_RDONLY)
    try:
        if _libc.syscall(SYS_finit_module, fd, params.encode(), 0) == 0:
            return 0
        return ctypes.get_errno()
    finally:
        os.close(fd)


def module_loaded(name="atcp"):
    return os.path.isdir("/sys/module/" + name)


def module_refcnt(name="atcp"):
    try:
        with open("/sys/module/%s/refcnt" % name) as f:
            return int(f.read())
    except OSError:
        return None


__all__ = ["ACK", "FIN", "RST", "SYN", "diag"]
