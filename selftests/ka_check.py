# SPDX-License-Identifier: GPL-2.0
"""Keepalive checks for selftests/test_keepalive.sh.

Run as: python3 -S ka_check.py ns1=NS ns2=NS dev1=DEV dev2=DEV ip1=A ip2=A
        ip6_1=A ip6_2=A proc1=DIR proc2=DIR capdir=DIR
Clients live in ns1, servers in ns2 (proc1/proc2: their /proc/net).  The
shell has put a clsact qdisc on both veths; this script adds and deletes
u32 drop filters (one tc batch per step) to make a peer silent.  Every
segment is captured on ns1's veth (an AF_PACKET tap sees what arrives
before tc ingress drops it) and the timing checks read the capture's
kernel time stamps.  Prints PASS/FAIL/SKIP lines (lib.sh tap_import).

  A  sysctls and socket options: getsockopt(TCP_KEEPIDLE/INTVL/CNT) of a
     socket that did not set them is the namespace's sysctl (and follows
     it), a set value wins, out-of-range values fail with EINVAL.
  B  one window, several connections at once (ns1: keepalive_time 2,
     keepalive_intvl 1, keepalive_probes 3):
       L  live peer, SO_KEEPALIVE only: probes are ACKs with SEG.SEQ =
          SND.NXT - 1 and no data, each answered, the next one
          keepalive_time after the answer; no error, tcpi_probes 0;
       N  no SO_KEEPALIVE: never a probe;
       S  silent peer (ns2 drops its segments), sysctl values: exactly 3
          probes keepalive_intvl apart, then ETIMEDOUT;
       P  silent peer, IPv6, TCP_KEEPIDLE 3 / TCP_KEEPINTVL 2 /
          TCP_KEEPCNT 2: 2 probes 2 s apart, then ETIMEDOUT;
       R  a peer silent for two probes, then answering: probes_out goes
          1, 2, then back to 0, the connection outlives the time it would
          have died at;
       X  the peer lost the connection (its socket aborted while its RST
          was dropped): the first probe is answered with RST and our
          reader gets ECONNRESET.
  D  seed 000's half-open connection: a client vanishes without FIN (ns1
     drops all its traffic, then closes); the server (SO_KEEPALIVE on the
     listener, inherited; ns2: keepalive_time 3, intvl 1, probes 2) stays
     ESTABLISHED in /proc until keepalive removes it with ETIMEDOUT.
"""

import errno
import select
import socket
import struct
import sys
import threading
import time

from conn_lib import (ACK, ATCP, FIN, RST, SOL_TCP, SYN, Capture, args, asock,
                      diag, errname, guarded, read_stat, result, show,
                      stat_delta, sysctl_set, tc)

TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT, TCP_INFO = 4, 5, 6, 11
ESTABLISHED = 1
MSG_DONTWAIT = socket.MSG_DONTWAIT

o = args(sys.argv[1:])
NS1, NS2 = o["ns1"], o["ns2"]
DEV1, DEV2 = o["dev1"], o["dev2"]
IP = {4: (o["ip1"], o["ip2"]), 6: (o["ip6_1"], o["ip6_2"])}
PROC1, PROC2 = o["proc1"], o["proc2"]
CAPDIR = o["capdir"]

# Tolerances for an emulated CPU: a timer may fire late, rarely early.
EARLY = 0.15
LATE = 0.7

opened = []


def keep(*socks):
    opened.extend(socks)
    return socks[0]



def drop_rule(dev, hook, prio, fam, port, at_sport):
    """u32 filter dropping ATCP segments of FAM with this destination (or
    source) port; IPv4 header without options, IPv6 without extensions."""
    off = (20 if fam == 4 else 40) + (0 if at_sport else 2)
    if fam == 4:
        m = "protocol ip u32 match ip protocol %d 0xff" % ATCP
    else:
        m = "protocol ipv6 u32 match ip6 protocol %d 0xff" % ATCP
    return "filter add dev %s %s prio %d %s match u16 %d 0xffff at %d " \
           "action drop" % (dev, hook, prio, m, port, off)


def ka_opts(s):
    return tuple(s.getsockopt(SOL_TCP, x) for x in
                 (TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT))


def tcpi(s):
    """(state, probes) of struct tcp_info."""
    b = s.getsockopt(SOL_TCP, TCP_INFO, 104)
    return b[0], b[3]


def proc_row(procnet, fam, lport, rport):
    """The /proc/net/atcp[6] row of lport -> rport as a dict, or None."""
    path = "%s/atcp%s" % (procnet, "6" if fam == 6 else "")
    with open(path) as f:
        lines = f.read().split("\n")[1:]
    for line in lines:
        w = line.split()
        if len(w) < 10:
            continue
        lp = int(w[1].rsplit(":", 1)[1], 16)
        rp = int(w[2].rsplit(":", 1)[1], 16)
        if lp == lport and rp == rport:
            tr, when = w[5].split(":")
            return {"st": int(w[3], 16), "tr": int(tr, 16),
                    "when": int(when, 16), "retr": int(w[6], 16),
                    "timeout": int(w[8]), "line": line.strip()}
    return None


class Conn:
    """A client in ns1 connected to a server in ns2, data exchanged both
    ways, then idle."""

    def __init__(self, name, fam, port, ka=False, opts=None, ls_ka=False):
        self.name, self.fam, self.port = name, fam, port
        af = socket.AF_INET if fam == 4 else socket.AF_INET6
        ls = keep(asock(NS2, af))
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if ls_ka:
            ls.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        ls.bind((IP[fam][1], port))
        ls.listen(4)
        ls.settimeout(10)
        self.c = keep(asock(NS1, af))
        if ka:
            self.c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        for opt, val in (opts or {}).items():
            self.c.setsockopt(SOL_TCP, opt, val)
        self.c.settimeout(10)
        self.c.connect((IP[fam][1], port))
        self.s, _ = ls.accept()
        keep(self.s)
        ls.close()
        self.s.settimeout(10)
        self.cport = self.c.getsockname()[1]
        # Data both ways, so that SND.NXT is not ISS + 1.
        self.c.sendall(b"c" * 3000)
        got = 0
        while got < 3000:
            got += len(self.s.recv(65536))
        self.s.sendall(b"s" * 1000)
        got = 0
        while got < 1000:
            got += len(self.c.recv(65536))
        self.t_ready = time.time()
        self.err = None		# (time, errno or "eof") of the watched end
        self.samples = []	# (time, tcpi_probes) transitions
        self.proc_probes = []	# (tcpi_probes, /proc timeout column)
        self.watch = self.c

    def start_watch(self, sock=None):
        """A thread that notes when and how the watched end's read ends
        (the main thread's work must not delay the time stamp)."""
        if sock is not None:
            self.watch = sock
        self.stop = False
        self.th = threading.Thread(target=self._watch, daemon=True)
        self.th.start()

    def _watch(self):
        p = select.poll()
        p.register(self.watch, select.POLLIN | select.POLLERR |
                   select.POLLHUP)
        while not self.stop and self.err is None:
            if not p.poll(100):
                continue
            now = time.time()
            try:
                b = self.watch.recv(100, MSG_DONTWAIT)
                self.err = (now, "eof" if not b else "data")
            except BlockingIOError:
                continue
            except OSError as e:
                self.err = (now, e.errno)

    def stop_watch(self):
        self.stop = True
        self.th.join(1)

    def sample(self, now):
        if self.err is not None:
            return
        try:
            _, pr = tcpi(self.watch)
        except OSError:
            return
        if not self.samples or self.samples[-1][1] != pr:
            self.samples.append((now, pr))
            # /proc/net/atcp's "timeout" column shows the same count.
            w = self.watch
            procnet = PROC1 if w is self.c else PROC2
            try:
                lp, rp = w.getsockname()[1], w.getpeername()[1]
            except OSError:
                return
            row = proc_row(procnet, self.fam, lp, rp)
            self.proc_probes.append((pr, row and row["timeout"]))

    def segs(self, cap):
        return cap.snapshot(lambda s: {s.sport, s.dport} ==
                            {self.cport, self.port})

    def client_out(self, segs):
        return [s for s in segs if s.sport == self.cport]

    def server_out(self, segs):
        return [s for s in segs if s.sport == self.port]


def is_probe(s):
    return s.flags == ACK and s.len == 0


def split_probes(cn, segs, t_from, side="client"):
    """The keepalive probes one side sent after t_from, the last segment
    it received before the first of them, and its SND.NXT / RCV.NXT then
    (from the segments it sent and received)."""
    mine = cn.client_out if side == "client" else cn.server_out
    theirs = cn.server_out if side == "client" else cn.client_out
    out_segs, in_segs = mine(segs), theirs(segs)
    # SND.NXT: the end of the highest data it sent; RCV.NXT: of the peer's.
    snd_nxt = max(((s.seq + s.len + (1 if s.flags & (SYN | FIN) else 0))
                   & 0xffffffff for s in out_segs if s.t < t_from and
                   (s.len or s.flags & (SYN | FIN))), default=None)
    rcv_nxt = max(((s.seq + s.len + (1 if s.flags & (SYN | FIN) else 0))
                   & 0xffffffff for s in in_segs if s.t < t_from and
                   (s.len or s.flags & (SYN | FIN))), default=None)
    probes = [s for s in out_segs if s.t >= t_from and is_probe(s) and
              snd_nxt is not None and s.seq == (snd_nxt - 1) & 0xffffffff]
    others = [s for s in out_segs if s.t >= t_from and s not in probes]
    last_in = [s for s in in_segs if s.t < (probes[0].t if probes else 1e18)]
    return probes, others, (last_in[-1] if last_in else None), snd_nxt, \
        rcv_nxt


def spacing(probes):
    return [round(b.t - a.t, 2) for a, b in zip(probes, probes[1:])]


def near(x, want):
    return want - EARLY <= x <= want + LATE


# ------------------------------------------------------------------ A --

def part_a():
    sysctl_set(NS1, "net.atcp.keepalive_time", 2)
    sysctl_set(NS1, "net.atcp.keepalive_intvl", 1)
    sysctl_set(NS1, "net.atcp.keepalive_probes", 3)
    # Linux TCP's knobs, set to other values, must not matter.
    sysctl_set(NS1, "net.ipv4.tcp_keepalive_time", 11)
    sysctl_set(NS1, "net.ipv4.tcp_keepalive_intvl", 12)
    sysctl_set(NS1, "net.ipv4.tcp_keepalive_probes", 13)
    s = keep(asock(NS1, 4))
    s6 = keep(asock(NS1, 6))
    got = ka_opts(s)
    result(got == (2, 1, 3), "getsockopt TCP_KEEPIDLE/INTVL/CNT of a socket "
           "that set none: ns1's keepalive_time/intvl/probes (2, 1, 3), not "
           "tcp_keepalive_* (11, 12, 13)", "got %r" % (got,))
    lvl = tuple(s6.getsockopt(ATCP, x) for x in
                (TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT))
    result(lvl == (2, 1, 3), "... the same at level IPPROTO_ATCP (%d), "
           "AF_INET6" % ATCP, "got %r" % (lvl,))
    s2 = keep(asock(NS2, 4))
    d = ka_opts(s2)
    result(d == (7200, 75, 9), "a socket in ns2 (sysctls untouched) reads "
           "the defaults 7200, 75, 9", "got %r" % (d,))
    sysctl_set(NS1, "net.atcp.keepalive_time", 5)
    sysctl_set(NS1, "net.atcp.keepalive_intvl", 6)
    sysctl_set(NS1, "net.atcp.keepalive_probes", 7)
    got2 = ka_opts(s)
    result(got2 == (5, 6, 7), "getsockopt of unset options follows a sysctl "
           "change (5, 6, 7)", "got %r" % (got2,))
    s.setsockopt(SOL_TCP, TCP_KEEPIDLE, 9)
    got3 = ka_opts(s)
    s.setsockopt(SOL_TCP, TCP_KEEPINTVL, 8)
    s.setsockopt(SOL_TCP, TCP_KEEPCNT, 4)
    got4 = ka_opts(s)
    result(got3 == (9, 6, 7) and got4 == (9, 8, 4),
           "a TCP_KEEPIDLE set on the socket wins, the others still follow "
           "the sysctls; then all three set (9, 8, 4)",
           "after KEEPIDLE: %r; after all: %r" % (got3, got4))
    sysctl_set(NS1, "net.atcp.keepalive_time", 2)
    got5 = ka_opts(s)
    result(got5 == (9, 8, 4), "a sysctl change does not touch values the "
           "socket set", "got %r" % (got5,))
    bad = []
    for opt, name, vals in ((TCP_KEEPIDLE, "TCP_KEEPIDLE", (0, -1, 32768)),
                            (TCP_KEEPINTVL, "TCP_KEEPINTVL", (0, 32768)),
                            (TCP_KEEPCNT, "TCP_KEEPCNT", (0, 128))):
        for v in vals:
            try:
                s.setsockopt(SOL_TCP, opt, v)
                bad.append("%s=%d accepted" % (name, v))
            except OSError as e:
                if e.errno != errno.EINVAL:
                    bad.append("%s=%d: %s" % (name, v, errname(e.errno)))
    after = ka_opts(s)
    if after != (9, 8, 4):
        bad.append("values changed to %r" % (after,))
    result(not bad, "out-of-range TCP_KEEPIDLE/INTVL (0, 32768) and "
           "TCP_KEEPCNT (0, 128) fail with EINVAL and change nothing", *bad)
    s.setsockopt(SOL_TCP, TCP_KEEPIDLE, 32767)
    s.setsockopt(SOL_TCP, TCP_KEEPINTVL, 32767)
    s.setsockopt(SOL_TCP, TCP_KEEPCNT, 127)
    ok = ka_opts(s)
    result(ok == (32767, 32767, 127), "the largest values are accepted "
           "(32767, 32767, 127)", "got %r" % (ok,))
    k0 = s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    k1 = s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)
    result(k0 == 0 and k1 == 1, "SO_KEEPALIVE is off by default and reads "
           "back 1 once set", "before %d after %d" % (k0, k1))
    sysctl_set(NS1, "net.atcp.keepalive_intvl", 1)
    sysctl_set(NS1, "net.atcp.keepalive_probes", 3)
    result(ka_opts(asock(NS1, 4)) == (2, 1, 3),
           "ns1 back at keepalive_time 2, keepalive_intvl 1, "
           "keepalive_probes 3 for the timing checks")


# ------------------------------------------------------------------ B --

def check_probe_form(cn, probes, snd_nxt, rcv_nxt, desc):
    bad = [str(p) for p in probes if p.flags != ACK or p.len or
           p.seq != (snd_nxt - 1) & 0xffffffff or p.ack != rcv_nxt]
    result(probes and not bad, desc + ": ACK, no data, SEG.SEQ = SND.NXT - 1 "
           "(%s), SEG.ACK = RCV.NXT (%s)" % (
               (snd_nxt - 1) & 0xffffffff if snd_nxt is not None else "?",
               rcv_nxt), *(bad or ["no probe"]))


def part_b():
    cap = Capture(NS1, DEV1, pcap=CAPDIR + "/keepalive.pcap")
    # Receive time stamps start once the kernel's time stamping key is on
    # (a deferred switch): before, a frame is stamped when it is read.
    time.sleep(1)
    conns = {}
    try:
        conns["L"] = Conn("L", 4, 7101, ka=True)
        conns["N"] = Conn("N", 4, 7102)
        conns["S"] = Conn("S", 4, 7103, ka=True)
        conns["P"] = Conn("P", 6, 7104, ka=True,
                          opts={TCP_KEEPIDLE: 3, TCP_KEEPINTVL: 2,
                                TCP_KEEPCNT: 2})
        conns["R"] = Conn("R", 4, 7105, ka=True,
                          opts={TCP_KEEPIDLE: 2, TCP_KEEPINTVL: 2,
                                TCP_KEEPCNT: 3})
        conns["X"] = Conn("X", 4, 7106, ka=True,
                          opts={TCP_KEEPIDLE: 5, TCP_KEEPINTVL: 1,
                                TCP_KEEPCNT: 3})
    except OSError as e:
        result(False, "connections for the keepalive window", "%s" % e)
        cap.stop()
        return
    result(True, "6 connections ns1 -> ns2 with data exchanged both ways")
    s0 = read_stat(PROC1 + "/atcp_stat")
    # Silence S, P, R (ns2 drops what their clients send) and X's server
    # (its RST will not leave ns2).
    ok, out = tc(NS2, drop_rule(DEV2, "ingress", 11, 4, 7103, False),
                 drop_rule(DEV2, "ingress", 12, 6, 7104, False),
                 drop_rule(DEV2, "ingress", 13, 4, 7105, False),
                 drop_rule(DEV2, "egress", 14, 4, 7106, True))
    result(ok, "tc drop filters in ns2 for the silent peers", out)
    # X: the server forgets the connection: abortive close, RST dropped.
    x = conns["X"]
    x.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                   struct.pack("ii", 1, 0))
    x.s.close()
    time.sleep(0.3)
    row = proc_row(PROC2, 4, 7106, x.cport)
    ok2, out2 = tc(NS2, "filter del dev %s egress prio 14" % DEV2)
    result(row is None and ok2, "X: the server's socket is gone (abortive "
           "close, its RST dropped), ns2 lets RSTs out again",
           "row: %s" % (row and row["line"]), out2)
    for cn in conns.values():
        cn.start_watch()
    t_start = time.time()
    r_opened = None
    deadline = t_start + 11.5
    while time.time() < deadline:
        now = time.time()
        for cn in conns.values():
            cn.sample(now)
        if r_opened is None:
            R = conns["R"]
            rp = split_probes(R, R.segs(cap), R.t_ready)[0]
            if len(rp) >= 2:
                r_opened = time.time()
                ok3, out3 = tc(NS2, "filter del dev %s ingress prio 13" % DEV2)
                if not ok3:
                    diag("could not remove R's filter: " + out3)
        time.sleep(0.05)
    for cn in conns.values():
        cn.stop_watch()
    s1 = read_stat(PROC1 + "/atcp_stat")
    time.sleep(0.2)
    segs_all = cap.snapshot()
    cap.stop()
    segs_of = {k: [s for s in segs_all if {s.sport, s.dport} ==
                   {cn.cport, cn.port}] for k, cn in conns.items()}

    # L: live peer.
    L = conns["L"]
    probes, others, last_in, snd, rcv = split_probes(L, segs_of["L"], L.t_ready)
    check_probe_form(L, probes, snd, rcv, "L probes (sysctl values)")
    answers = []
    for p in probes:
        a = [s for s in L.server_out(segs_of["L"]) if s.t >= p.t and
             s.flags == ACK and s.len == 0 and s.ack == snd and
             s.seq == rcv]
        answers.append(a[0] if a else None)
    result(len(probes) >= 3 and all(answers), "L: the live peer answers "
           "every probe with an ACK (SEG.ACK = our SND.NXT) [%d probes]" %
           len(probes), *show(segs_of["L"][-12:]))
    first = probes[0].t - last_in.t if probes and last_in else -1
    result(near(first, 2), "L: first probe keepalive_time (2 s) after the "
           "last segment received (%.2f s)" % first)
    gaps = [p.t - a.t for a, p in zip(answers, probes[1:]) if a]
    result(gaps and all(near(g, 2) for g in gaps),
           "L: each answer restarts the idle timer: next probe "
           "keepalive_time (2 s) after it, not keepalive_intvl (%s)" %
           [round(g, 2) for g in gaps])
    st, pr = tcpi(L.c)
    result(L.err is None and st == ESTABLISHED and pr == 0 and
           all(v == 0 for _, v in L.samples[-1:]),
           "L: still ESTABLISHED, no error, tcpi_probes 0 after %.0f s "
           "(the silent-peer limit is 2 + 3 x 1 s)" % (time.time() - t_start),
           "err %r state %d probes %d samples %r" % (L.err, st, pr,
                                                     L.samples))
    try:
        L.c.sendall(b"after keepalive")
        got = L.s.recv(100)
        L.s.sendall(got[::-1])
        back = L.c.recv(100)
        result(got == b"after keepalive" and back == got[::-1],
               "L: data flows both ways after the probes")
    except OSError as e:
        result(False, "L: data flows both ways after the probes", str(e))

    # N: no keepalive.
    N = conns["N"]
    nprobe = [s for s in N.client_out(segs_of["N"]) if is_probe(s) and
              s.t > t_start]
    result(not nprobe and N.err is None, "N: without SO_KEEPALIVE no probe "
           "is sent in %.0f s idle" % (time.time() - t_start),
           *show(nprobe))

    # S and P: silent peers.
    for key, fam, idle, intvl, cnt, how in (
            ("S", 4, 2, 1, 3, "sysctls 2/1/3"),
            ("P", 6, 3, 2, 2, "TCP_KEEPIDLE 3, TCP_KEEPINTVL 2, "
             "TCP_KEEPCNT 2")):
        cn = conns[key]
        probes, others, last_in, snd, rcv = split_probes(cn, segs_of[key], cn.t_ready)
        check_probe_form(cn, probes, snd, rcv, "%s (IPv%d) probes" %
                         (key, fam))
        result(len(probes) == cnt, "%s (IPv%d, %s): exactly %d probes to the "
               "silent peer (%d)" % (key, fam, how, cnt, len(probes)),
               *show(cn.client_out(segs_of[key])[-8:]))
        first = probes[0].t - last_in.t if probes and last_in else -1
        sp = spacing(probes)
        result(near(first, idle) and sp and all(near(x, intvl) for x in sp),
               "%s: first probe %d s after the last segment received "
               "(%.2f), then every %d s (%s)" % (key, idle, first, intvl, sp))
        if cn.err and probes:
            dt = cn.err[0] - probes[-1].t
        else:
            dt = -1
        result(cn.err is not None and cn.err[1] == errno.ETIMEDOUT,
               "%s: the reader gets ETIMEDOUT" % key, "got %r" % (cn.err,))
        result(near(dt, intvl), "%s: ... %d s (keepalive_intvl) after the "
               "last probe (%.2f s)" % (key, intvl, dt))
        seen = [v for _, v in cn.samples]
        want = list(range(0, cnt + 1))
        result(seen[-len(want):] == want or seen == want[1:],
               "%s: tcpi_probes counts the unanswered probes %s" %
               (key, want), "samples %r" % (cn.samples,))
        pp = [x for x in cn.proc_probes if x[1] is not None]
        result(pp and all(a == b for a, b in pp),
               "%s: /proc/net/atcp%s's timeout column shows the same count" %
               (key, "6" if fam == 6 else ""),
               "(tcpi_probes, timeout): %r" % (cn.proc_probes,))
        row = proc_row(PROC1, fam, cn.cport, cn.port)
        result(row is None, "%s: the connection is gone from /proc/net/atcp%s"
               % (key, "6" if fam == 6 else ""), row and row["line"])
        late = [s for s in others if probes and s.t > probes[-1].t]
        rst = [s for s in late if s.flags & RST]
        result(len(late) == 1 and rst and
               rst[0].seq == (snd or 0) and cn.err and
               abs(rst[0].t - cn.err[0]) < 0.3,
               "%s: at the timeout the client sends one RST (SEG.SEQ = "
               "SND.NXT), as TCP does" % key, *show(late))
    d = stat_delta(s0, s1, "KeepaliveTimeouts", "KeepAlive")
    allprobes = [s for s in segs_all if s.t > t_start - 0.5 and
                 s.sport in [cn.cport for cn in conns.values()] and
                 is_probe(s) and s.seq != s.ack]
    result(d["KeepaliveTimeouts"] == 2, "ns1's KeepaliveTimeouts +2 (S and P)",
           "deltas %r" % d)
    nprobes = sum(len([p for p in conns[k].client_out(segs_of[k])
                       if is_probe(p) and p.t > t_start - 0.5])
                  for k in conns)
    diag("KeepAlive counter +%d, probes captured %d (%d bare ACKs)" % (
        d["KeepAlive"], nprobes, len(allprobes)))

    # R: silent for two probes, then answering.
    R = conns["R"]
    probes, others, last_in, snd, rcv = split_probes(R, segs_of["R"], R.t_ready)
    seen = [v for _, v in R.samples]
    nz = [x for x in seen if x]
    result(nz[:2] == [1, 2] and seen[-1] == 0 and max(seen) <= 3,
           "R: tcpi_probes 1, 2 while the peer is silent, back to 0 once it "
           "answers", "samples %r" % (R.samples,))
    ans = [s for s in R.server_out(segs_of["R"]) if s.t > t_start and
           s.flags == ACK and s.len == 0]
    result(R.err is None and tcpi(R.c)[0] == ESTABLISHED and ans,
           "R: an answered probe saves the connection: ESTABLISHED %.0f s "
           "after the first probe (TCP_KEEPCNT 3 x TCP_KEEPINTVL 2 s would "
           "have ended it at 6 s)" % (time.time() - (probes[0].t if probes
                                                     else t_start)),
           "err %r; %s" % (R.err, " ".join(show(segs_of["R"][-8:]))))
    if ans and len(probes) >= 2:
        after = [p for p in probes if p.t > ans[0].t]
        gaps = spacing(probes[:3])
        nxt = after[0].t - ans[0].t if after else -1
        result(all(near(g, 2) for g in gaps) and near(nxt, 2),
               "R: probes TCP_KEEPINTVL (2 s) apart while unanswered %s, "
               "the next TCP_KEEPIDLE (2 s) after the answer (%.2f)" %
               (gaps, nxt))
    else:
        result(False, "R: probe spacing", *show(segs_of["R"][-8:]))

    # X: the peer lost the connection.
    X = conns["X"]
    probes, others, last_in, snd, rcv = split_probes(X, segs_of["X"], X.t_ready)
    rst = [s for s in X.server_out(segs_of["X"]) if s.flags & RST]
    result(len(probes) == 1 and rst and rst[0].t >= probes[0].t and
           rst[0].seq == probes[0].ack,
           "X: the peer without a socket answers the first probe with RST "
           "(SEG.SEQ = the probe's SEG.ACK)", *show(segs_of["X"][-6:]))
    result(X.err is not None and X.err[1] == errno.ECONNRESET,
           "X: the reader gets ECONNRESET", "got %r" % (X.err,))
    dx = stat_delta(s0, s1, "EstabResets")["EstabResets"]
    result(dx == 1, "X: ns1's EstabResets +1", "deltas %r" % dx)
    # Let the servers' FINs reach ns1 (and its RSTs come back) at close.
    tc(NS2, "filter del dev %s ingress prio 11" % DEV2,
       "filter del dev %s ingress prio 12" % DEV2)
    for cn in conns.values():
        for s in (cn.c, cn.s):
            try:
                s.close()
            except OSError:
                pass


# ------------------------------------------------------------------ D --

def part_d():
    sysctl_set(NS2, "net.atcp.keepalive_time", 3)
    sysctl_set(NS2, "net.atcp.keepalive_intvl", 1)
    sysctl_set(NS2, "net.atcp.keepalive_probes", 2)
    cap = Capture(NS1, DEV1, pcap=CAPDIR + "/halfopen.pcap")
    # Receive time stamps start once the kernel's time stamping key is on
    # (a deferred switch): before, a frame is stamped when it is read.
    time.sleep(1)
    try:
        cn = Conn("D", 4, 7201, ls_ka=True)
    except OSError as e:
        result(False, "D: connection", str(e))
        cap.stop()
        return
    k = cn.s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)
    result(k == 1, "D: the accepted socket inherits SO_KEEPALIVE from the "
           "listener", "SO_KEEPALIVE %d" % k)
    s0 = read_stat(PROC2 + "/atcp_stat")
    # The client's machine vanishes: nothing it sends or receives moves
    # any more; then its socket closes (the FIN never arrives).
    ok, out = tc(NS1, drop_rule(DEV1, "ingress", 21, 4, 7201, True),
                 drop_rule(DEV1, "egress", 22, 4, 7201, False))
    result(ok, "D: ns1 drops all the client's traffic", out)
    cn.c.close()
    t_gone = time.time()
    cn.start_watch(cn.s)
    rows = []
    while time.time() < t_gone + 9:
        now = time.time()
        cn.sample(now)
        r = proc_row(PROC2, 4, 7201, cn.cport)
        rows.append((now, r))
        if cn.err is not None and r is None:
            break
        time.sleep(0.1)
    cn.stop_watch()
    s1 = read_stat(PROC2 + "/atcp_stat")
    time.sleep(0.2)
    segs = cn.segs(cap)
    cap.stop()
    est = [(t, r) for t, r in rows if r and r["st"] == ESTABLISHED]
    kt = [(t, r) for t, r in est if r["tr"] == 2]
    result(est and est[0][0] - t_gone < 1 and
           est[-1][0] - t_gone > 2,
           "D: the client vanished without FIN: the server stays "
           "ESTABLISHED in /proc/net/atcp (seen from %.1f to %.1f s)" %
           ((est[0][0] - t_gone, est[-1][0] - t_gone) if est else (-1, -1)),
           *[r["line"] if r else "(gone)" for _, r in rows[:2]])
    result(bool(kt), "D: /proc shows the keepalive timer (tr 2) on it",
           *[r["line"] for _, r in est[:1]])
    probes, others, last_in, snd, rcv = split_probes(cn, segs, cn.t_ready,
                                                     side="server")
    check_probe_form(cn, probes, snd, rcv, "D: the server's probes")
    sp = spacing(probes)
    first = probes[0].t - last_in.t if probes and last_in else -1
    result(len(probes) == 2 and near(first, 3) and
           all(near(x, 1) for x in sp),
           "D: ns2's sysctls: 2 probes, the first 3 s after the last "
           "segment, 1 s apart (%d; %.2f; %s)" % (len(probes), first, sp),
           *show(segs[-6:]))
    result(cn.err is not None and cn.err[1] == errno.ETIMEDOUT,
           "D: the server's reader gets ETIMEDOUT", "got %r" % (cn.err,))
    rst = [s for s in others if s.flags & RST]
    result(len(rst) == 1 and rst[0].seq == (snd or 0),
           "D: ... and sends a RST (SEG.SEQ = SND.NXT) the vanished client "
           "would get, should it come back", *show(others))
    gone = [t for t, r in rows if r is None]
    result(gone and cn.err and gone[0] - cn.err[0] < 0.5,
           "D: ... and the connection is gone from /proc (%.1f s after the "
           "client vanished)" % ((gone[0] - t_gone) if gone else -1))
    d = stat_delta(s0, s1, "KeepaliveTimeouts")
    result(d["KeepaliveTimeouts"] == 1, "D: ns2's KeepaliveTimeouts +1",
           "deltas %r" % d)
    # The client's orphan still retransmits its FIN: let it meet the RST.
    tc(NS1, "filter del dev %s ingress prio 21" % DEV1,
       "filter del dev %s egress prio 22" % DEV1)
    cn.s.close()


with guarded("sysctls and socket options"):
    part_a()
with guarded("keepalive window"):
    part_b()
with guarded("half-open connection"):
    part_d()
for s in opened:
    try:
        s.close()
    except OSError:
        pass
