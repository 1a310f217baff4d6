#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""sock_diag and atcpss checks for selftests/test_diag.sh.

Run it as `python3 -S diag_check.py CMD key=value...`.  Check results are
printed as "PASS desc" / "FAIL desc" + reason lines for lib.sh's
tap_import.  Every atcpss output is compared with the sockets this process
made (exact lines: state, queues, addresses) and with /proc/net/atcp{,6}
read in the same namespace (inode, queues, timer).

  server atcpss=PATH [many=60] [flood=400] [dev=veth1] [tw=100]
        in ns1: opens the listeners and connections, prints
        "ports P4 P6 PF", reads "go S4 S6" from stdin once the peer has
        sent its SYNs (S4, S6: their source ports; SYNs to PF from ports
        20000..20000+flood-1; dev: the interface they come in on), runs
        the checks, then the TIME-WAIT ones (tw IPv4 connections and
        an IPv6 one closed by their clients), closes everything
  peer atcpss=PATH p4=N p6=N pf=N closed=N [flood=400]
        in ns2 (which drops every ATCP segment it receives): raw SYNs to
        ns1's listeners, non-blocking connect()s to a closed port (they
        stay in SYN_SENT); prints "ready S4 S6", checks what atcpss shows
        in ns2, keeps the sockets until stdin closes
"""

import errno
import json
import os
import re
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import atcp_net  # noqa: E402
from atcp_net import ATCP, SYN, out, result, opt  # noqa: E402

IP1, IP2, IP6_1, IP6_2 = "10.0.1.1", "10.0.1.2", "fd00::1", "fd00::2"
STATES = {"ESTAB": 1, "SYN-SENT": 2, "SYN-RECV": 3, "FIN-WAIT-1": 4,
          "FIN-WAIT-2": 5, "TIME-WAIT": 6, "UNCONN": 7, "CLOSE-WAIT": 8,
          "LAST-ACK": 9, "LISTEN": 10, "CLOSING": 11}
NAMES = {v: k for k, v in STATES.items()}
ESTAB, SYN_SENT, SYN_RECV, TIME_WAIT, LISTEN = 1, 2, 3, 6, 10
# ss's timer names and the /proc "tr" codes
TIMERS = {"on": 1, "keepalive": 2, "timewait": 3, "persist": 4}
FLOOD_BASE = 20000


# ------------------------------------------------------------- atcpss --

class Line:
    """One socket line of atcpss output (and its -i/-m line, if any)."""

    def __init__(self, text):
        self.text = text
        f = text.split()
        self.state = STATES.get(f[0], -1)
        self.rq, self.wq = int(f[1]), int(f[2])
        self.local, self.peer = f[3], f[4]
        self.extra = {}
        self.timer = None
        for w in f[5:]:
            if w.startswith("timer:("):
                kind, when, retr = w[7:-1].split(",")
                self.timer = (kind, when, int(retr))
            elif ":" in w:
                k, v = w.split(":", 1)
                self.extra[k] = v
        self.info = None

    def key(self):
        return (NAMES.get(self.state, "?"), self.rq, self.wq, self.local,
                self.peer)

    def __str__(self):
        return self.text + ("\n" + self.info if self.info else "")


def run_atcpss(path, *args):
    """(exit status, header line, [Line], stderr)."""
    p = subprocess.run([path] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    lines, header = [], None
    for text in p.stdout.splitlines():
        if header is None and text.startswith("State"):
            header = text
        elif text.startswith("\t"):
            if lines:
                lines[-1].info = text
        elif text.strip():
            try:
                lines.append(Line(text))
            except (IndexError, ValueError):
                lines.append(text)	# unparsable: fails every check
    return p.returncode, header, lines, p.stderr


def timer_ms(text):
    """ss's timer text ("1min59sec", "59sec", "1.250ms", "250ms") in ms,
    or None."""
    m = re.fullmatch(r"(?:(\d+)min)?(?:(\d+)(sec|\.))?(?:(\d+)ms)?", text)
    if not m or not text:
        return None
    mins, secs, _, ms = (int(g) if g and g.isdigit() else 0
                         for g in m.groups())
    return (mins * 60 + secs) * 1000 + ms


def fmt_addr(ip, port, v6only=None, dev=None):
    """An address as atcpss (and ss) print it; dev: the interface shown
    after it (a SYN queue entry's input interface, as for TCP)."""
    p = str(port) if port else "*"
    d = "%" + dev if dev else ""
    if ":" not in ip:
        return "%s%s:%s" % (ip, d, p)
    ip = socket.inet_ntop(socket.AF_INET6, socket.inet_pton(
        socket.AF_INET6, ip))
    if ip == "::" and not v6only:
        return "*%s:%s" % (d, p)
    return "[%s]%s:%s" % (ip, d, p)


def parse_addr(text):
    """atcpss "addr[%dev]:port" -> (canonical ip, port)."""
    host, port = text.rsplit(":", 1)
    host = host.split("%")[0]
    host = "::" if host == "*" else host.strip("[]")
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    return (socket.inet_ntop(fam, socket.inet_pton(fam, host)),
            0 if port == "*" else int(port))


def parse_key(x):
    return x.key() if isinstance(x, Line) else ("?", x)


def show(lines):
    return ["  " + str(x) for x in lines] or ["  (no lines)"]


def keys(lines):
    return sorted(x.key() if isinstance(x, Line) else ("?", x)
                  for x in lines)


def same_lines(desc, lines, want, header=None):
    """The output lists exactly the rows of want (State, Recv-Q, Send-Q,
    Local, Peer), no more, no fewer, none twice."""
    got, exp = keys(lines), sorted(want)
    why = []
    if got != exp:
        missing = [w for w in exp if w not in got]
        extra = [g for g in got if g not in exp]
        dup = sorted(set(g for g in got if got.count(g) > 1))
        why = ["%d lines, wanted %d" % (len(got), len(exp))]
        why += ["  missing: %s" % (m,) for m in missing[:10]]
        why += ["  unexpected: %s" % (e,) for e in extra[:10]]
        why += ["  twice: %s" % (d,) for d in dup[:10]]
    if header is not None and not header:
        why.append("no header line")
    return result(not why, desc, *why)


# --------------------------------------------------------------- /proc --

def proc_rows():
    """Lines of /proc/net/atcp and atcp6 of this namespace, keyed as
    (state, (ip, port), (ip, port)) -> list of dicts."""
    rows = {}
    for name in ("atcp", "atcp6"):
        try:
            with open("/proc/net/" + name) as f:
                text = f.read().splitlines()[1:]
        except OSError:
            continue
        for line in text:
            f = line.split()
            if len(f) < 10:
                continue
            tx, rx = (int(x, 16) for x in f[4].split(":"))
            tr, _ = f[5].split(":")
            row = {"st": int(f[3], 16), "tx": tx, "rx": rx, "tr": int(tr, 16),
                   "retr": int(f[6], 16), "uid": int(f[7]),
                   "inode": int(f[9]), "line": line.rstrip()}
            k = (row["st"], proc_addr(f[1]), proc_addr(f[2]))
            rows.setdefault(k, []).append(row)
    return rows


def proc_addr(text):
    addr, port = text.split(":")
    words = [int(addr[i:i + 8], 16) for i in range(0, len(addr), 8)]
    raw = b"".join(struct.pack("=I", w) for w in words)
    fam = socket.AF_INET if len(raw) == 4 else socket.AF_INET6
    return socket.inet_ntop(fam, raw), int(port, 16)


def compare_proc(desc, lines, proc, backlogs):
    """atcpss -tanoe against /proc/net/atcp{,6}: the same sockets, and for
    each the same inode, uid, queues (a listener's Send-Q is its backlog,
    which /proc does not show) and timer (retransmissions may have moved
    on by one between the two reads)."""
    why = []
    left = {k: list(v) for k, v in proc.items()}
    for x in lines:
        if not isinstance(x, Line):
            why.append("unparsable: %s" % x)
            continue
        k = (x.state, parse_addr(x.local), parse_addr(x.peer))
        cands = left.get(k)
        if not cands:
            why.append("not in /proc: %s" % x.text)
            continue
        p = cands.pop(0)
        bad = []
        if x.rq != p["rx"]:
            bad.append("Recv-Q %d, rx_queue %d" % (x.rq, p["rx"]))
        if x.state == LISTEN:
            want_wq = backlogs.get(k[1][1])
            if want_wq is not None and x.wq != want_wq:
                bad.append("Send-Q %d, backlog %d" % (x.wq, want_wq))
        elif x.wq != p["tx"]:
            bad.append("Send-Q %d, tx_queue %d" % (x.wq, p["tx"]))
        if int(x.extra.get("ino", -1)) != p["inode"]:
            bad.append("ino %s, inode %d" % (x.extra.get("ino"), p["inode"]))
        if int(x.extra.get("uid", 0)) != p["uid"]:
            bad.append("uid %s, uid %d" % (x.extra.get("uid", 0), p["uid"]))
        if (x.timer is not None) != (p["tr"] != 0):
            bad.append("timer %s, tr %d" % (x.timer, p["tr"]))
        elif x.timer and (TIMERS.get(x.timer[0]) != p["tr"] or
                          not p["retr"] <= x.timer[2] <= p["retr"] + 1):
            bad.append("timer %s, tr %d retrnsmt %d" %
                       (x.timer, p["tr"], p["retr"]))
        if bad:
            why.append("%s: %s" % (x.text, "; ".join(bad)))
            why.append("  /proc: %s" % p["line"])
    for k, v in left.items():
        for p in v:
            why.append("only in /proc: %s" % p["line"])
    return result(not why and lines, desc, *(why[:20] or ["no lines"]))


# ------------------------------------------------------ sock_diag exact --

def diag_exact(family, src, sport, dst, dport, cookie=None):
    """A SOCK_DIAG_BY_FAMILY request without NLM_F_DUMP (the handler's
    dump_one): returns a dict for the answer, or the negative errno."""
    nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 4)
    try:
        nl.bind((0, 0))

        def a(ip):
            b = socket.inet_pton(family, ip)
            return b + b"\0" * (16 - len(b))

        lo, hi = (0xffffffff, 0xffffffff) if cookie is None else \
            (cookie & 0xffffffff, cookie >> 32)
        req = (struct.pack("=BBBxI", family, ATCP, 0, 0xffffffff) +
               struct.pack("!HH", sport, dport) + a(src) + a(dst) +
               struct.pack("=III", 0, lo, hi))
        nl.send(struct.pack("=IHHII", 16 + len(req), 20, 1, 77, 0) + req)
        nl.settimeout(10)
        data = nl.recv(65536)
    finally:
        nl.close()
    _, typ = struct.unpack_from("=IH", data)
    if typ == 2:			# NLMSG_ERROR
        return struct.unpack_from("=i", data, 16)[0]
    fam, state, timer, retr = struct.unpack_from("=BBBB", data, 16)
    c_lo, c_hi = struct.unpack_from("=II", data, 60)
    expires, _, _, uid, inode = struct.unpack_from("=IIIII", data, 68)
    rsport, rdport = struct.unpack_from("!HH", data, 20)
    return {"family": fam, "state": state, "inode": inode, "uid": uid,
            "sport": rsport, "dport": rdport, "timer": timer,
            "expires": expires, "cookie": c_hi << 32 | c_lo}


# -------------------------------------------------------------- server --

def ino(s):
    return os.fstat(s.fileno()).st_ino


def atcp_socket(fam):
    return socket.socket(fam, socket.SOCK_STREAM, ATCP)


def listener(fam, addr, backlog, v6only=None):
    s = atcp_socket(fam)
    if v6only is not None:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
    s.bind((addr, 0))
    s.listen(backlog)
    return s


def connect(fam, addr, port):
    c = atcp_socket(fam)
    c.settimeout(10)
    c.connect((addr, port))
    return c


class Server:
    def __init__(self, o):
        self.path = opt(o, "atcpss")
        self.nmany = int(opt(o, "many", "60"))
        self.nflood = int(opt(o, "flood", "400"))
        self.dev = opt(o, "dev", "veth1")
        self.ntw = int(opt(o, "tw", "100"))
        self.socks = []
        self.want = []		# (state, rq, wq, local, peer, family)
        self.backlogs = {}

    def keep(self, *socks):
        self.socks.extend(socks)
        return socks[0]

    def expect(self, state, rq, wq, local, peer, fam):
        self.want.append((state, rq, wq, local, peer, fam))

    def setup(self):
        A4, A6 = socket.AF_INET, socket.AF_INET6
        # Listeners: IPv4, IPv6-only, flood target, many, dual-stack.
        self.l4 = self.keep(listener(A4, "0.0.0.0", 8))
        self.l6 = self.keep(listener(A6, "::", 8, v6only=1))
        self.lf = self.keep(listener(A4, IP1, 1024))
        self.lm = self.keep(listener(A4, IP1, 128))
        self.ld = self.keep(listener(A6, "::", 16, v6only=0))
        self.p4, self.p6, self.pf, self.pm, self.pd = (
            s.getsockname()[1] for s in
            (self.l4, self.l6, self.lf, self.lm, self.ld))
        self.backlogs = {self.p4: 8, self.p6: 8, self.pf: 1024,
                         self.pm: 128, self.pd: 16}

        # Two IPv4 clients of l4, one accepted; one IPv6 client of l6;
        # many of lm, none accepted; an IPv4 client of the dual-stack ld.
        self.c4 = [self.keep(connect(A4, IP1, self.p4)) for _ in range(2)]
        self.a4, _ = self.l4.accept()
        self.keep(self.a4)
        self.c6 = self.keep(connect(A6, IP6_1, self.p6))
        self.cm = [self.keep(connect(A4, IP1, self.pm))
                   for _ in range(self.nmany)]
        self.cd = self.keep(connect(A4, IP1, self.pd))

        self.expect("LISTEN", 1, 8, fmt_addr("0.0.0.0", self.p4),
                    "0.0.0.0:*", 4)
        self.expect("LISTEN", 1, 8, fmt_addr("::", self.p6, True),
                    "[::]:*", 6)
        self.expect("LISTEN", 0, 1024, fmt_addr(IP1, self.pf), "0.0.0.0:*",
                    4)
        self.expect("LISTEN", self.nmany, 128, fmt_addr(IP1, self.pm),
                    "0.0.0.0:*", 4)
        self.expect("LISTEN", 1, 16, fmt_addr("::", self.pd), "*:*", 6)
        for c in self.c4 + self.cm + [self.c6]:
            me, peer = c.getsockname()[:2], c.getpeername()[:2]
            fam = 6 if c.family == A6 else 4
            self.expect("ESTAB", 0, 0, fmt_addr(*me), fmt_addr(*peer), fam)
            self.expect("ESTAB", 0, 0, fmt_addr(*peer), fmt_addr(*me), fam)
        me = self.cd.getsockname()
        self.expect("ESTAB", 0, 0, fmt_addr(*me), fmt_addr(IP1, self.pd), 4)
        # Its child is an AF_INET6 socket with IPv4-mapped addresses.
        self.expect("ESTAB", 0, 0, fmt_addr("::ffff:" + IP1, self.pd),
                    fmt_addr("::ffff:" + me[0], me[1]), 6)
        out("ports %d %d %d" % (self.p4, self.p6, self.pf))

    def peer_syns(self, s4, s6):
        """The SYN queue entries of the peer's SYNs, which came in on
        self.dev (shown after the local address, as for TCP's)."""
        dev = self.dev
        self.expect("SYN-RECV", 0, 0, fmt_addr(IP1, self.p4, dev=dev),
                    fmt_addr(IP2, s4), 4)
        self.expect("SYN-RECV", 0, 0, fmt_addr(IP6_1, self.p6, dev=dev),
                    fmt_addr(IP6_2, s6), 6)
        for i in range(self.nflood):
            self.expect("SYN-RECV", 0, 0, fmt_addr(IP1, self.pf, dev=dev),
                        fmt_addr(IP2, FLOOD_BASE + i), 4)

    def set_msl(self, secs):
        with open("/proc/sys/net/atcp/msl", "w") as f:
            f.write("%d\n" % secs)

    def timewait(self):
        TimeWait(self, self.ntw).run()

    def rows(self, pred=lambda w: True):
        return [w[:5] for w in self.want if pred(w)]

    def atcpss(self, *args):
        return run_atcpss(self.path, *args)

    def check_lines(self, desc, args, pred=lambda w: True):
        rc, header, lines, err = self.atcpss(*args)
        if rc != 0:
            return result(False, desc, "atcpss %s: exit %d" %
                          (" ".join(args), rc), err.strip())
        return same_lines(desc, lines, self.rows(pred), header)

    def settle(self):
        """Wait until /proc lists as many lines as sockets and requests are
        expected: every child is on its accept queue, every SYN of the
        peer has made a request.  Nothing is in flux afterwards."""
        deadline = time.monotonic() + 20
        while True:
            n = sum(len(v) for v in proc_rows().values())
            if n == len(self.want):
                return True
            if time.monotonic() > deadline:
                return result(False, "/proc lists the %d expected lines"
                              % len(self.want), "it lists %d" % n)
            time.sleep(0.1)

    def run(self):
        s4, s6 = (int(x) for x in sys.stdin.readline().split()[1:3])
        self.peer_syns(s4, s6)
        self.settle()
        port = lambda a: parse_addr(a)[1]  # noqa: E731
        ip = lambda a: parse_addr(a)[0]  # noqa: E731

        # -tan: every socket, every state, exactly.
        rc, header, lines, err = self.atcpss("-tan")
        result(rc == 0 and header is not None and
               header.split() == ["State", "Recv-Q", "Send-Q",
                                  "Local", "Address:Port", "Peer",
                                  "Address:Port"],
               "atcpss -tan: exit 0, ss's header line",
               "exit %d, header %r" % (rc, header), err.strip())
        same_lines("atcpss -tan: every listener (Recv-Q = accept queue, "
                   "Send-Q = backlog), every connection both ways, every "
                   "SYN queue entry (%d), nothing else" % (self.nflood + 2),
                   lines, self.rows())

        # Against /proc, with inode, uid and timer.
        proc = proc_rows()
        rc, _, lines, err = self.atcpss("-tanoe")
        compare_proc("atcpss -tanoe and /proc/net/atcp{,6} list the same "
                     "sockets with the same inode, uid, queues and timer",
                     lines, proc, self.backlogs)
        mine = {ino(s) for s in self.socks}
        lst = [x for x in lines if isinstance(x, Line) and
               x.state == LISTEN]
        result(len(lst) == 5 and
               all(int(x.extra.get("ino", 0)) in mine for x in lst),
               "-e: each listener's ino is its socket's inode", *show(lst))
        reqs = [x for x in lines if isinstance(x, Line) and
                x.state == SYN_RECV]
        result(reqs and all(x.timer and x.timer[0] == "on" and
                            x.extra.get("ino") == "0" for x in reqs),
               "-o: SYN-RECV entries show the SYN-ACK timer (on), ino 0",
               *show(reqs[:3]))
        est = [x for x in lines if isinstance(x, Line) and x.state == ESTAB]
        result(est and all(x.timer is None for x in est),
               "-o: idle ESTAB sockets show no timer",
               *show([x for x in est if x.timer][:3]))

        # ss's state selection.
        self.check_lines("atcpss -tn (ss's default): connections only, no "
                         "LISTEN, no SYN-RECV", ("-tn",),
                         lambda w: w[0] == "ESTAB")
        self.check_lines("atcpss -tln: listeners only", ("-tln",),
                         lambda w: w[0] == "LISTEN")
        self.check_lines("atcpss -tan state listening", ("-tan", "state",
                         "listening"), lambda w: w[0] == "LISTEN")
        self.check_lines("atcpss -tn state syn-recv: all %d SYN queue "
                         "entries, each once (several netlink messages)"
                         % (self.nflood + 2), ("-tn", "state", "syn-recv"),
                         lambda w: w[0] == "SYN-RECV")
        self.check_lines("atcpss -tn state established",
                         ("-tn", "state", "established"),
                         lambda w: w[0] == "ESTAB")
        self.check_lines("atcpss -tan exclude syn-recv",
                         ("-tan", "exclude", "syn-recv"),
                         lambda w: w[0] != "SYN-RECV")
        self.check_lines("atcpss -tn state syn-sent: none in this "
                         "namespace (the peer's are in its own)",
                         ("-tn", "state", "syn-sent"), lambda w: False)

        # Families.
        self.check_lines("atcpss -tan -4: AF_INET sockets and requests only",
                         ("-tan", "-4"), lambda w: w[5] == 4)
        self.check_lines("atcpss -tan -6: AF_INET6 sockets (IPv4-mapped "
                         "child of the dual-stack listener included)",
                         ("-tan", "-6"), lambda w: w[5] == 6)

        # Bytecode, run by the kernel on sockets and on SYN queue entries.
        self.check_lines("atcpss -tan sport = :%d (bytecode): the listener, "
                         "its children and its request" % self.p4,
                         ("-tan", "sport", "=", ":%d" % self.p4),
                         lambda w: port(w[3]) == self.p4)
        self.check_lines("atcpss -tan dport = :%d (bytecode): its clients"
                         % self.p4, ("-tan", "dport", "=", ":%d" % self.p4),
                         lambda w: port(w[4]) == self.p4)
        self.check_lines("atcpss -tan src %s dst %s (bytecode): the IPv4 "
                         "SYN queue entries only" % (IP1, IP2),
                         ("-tan", "src", IP1, "dst", IP2),
                         lambda w: ip(w[3]) == IP1 and ip(w[4]) == IP2)
        self.check_lines("atcpss -tan dst %s/128 (bytecode): the IPv6 SYN "
                         "queue entry only" % IP6_2,
                         ("-tan", "dst", IP6_2 + "/128"),
                         lambda w: ip(w[4]) == IP6_2)
        self.check_lines("atcpss -tan sport = :%d dport = :1 (bytecode): "
                         "nothing" % self.p4,
                         ("-tan", "sport", "=", ":%d" % self.p4, "dport",
                          "=", ":1"), lambda w: False)

        # -i: struct tcp_info through INET_DIAG_INFO, in several messages.
        rc, _, lines, err = self.atcpss("-tani")
        same_lines("atcpss -tani: the same sockets as -tan (%d sockets "
                   "with tcp_info: several netlink messages)"
                   % len(self.want), lines, self.rows())
        full = [x for x in lines if isinstance(x, Line) and
                x.state != SYN_RECV]
        noinfo = [x for x in full if not x.info]
        result(full and not noinfo, "-i: an info line for every socket",
               *show(noinfo[:3]))
        bad = [x for x in full if x.state == ESTAB and x.info and
               not ("rto:" in x.info and "mss:" in x.info)]
        result(not bad, "-i: ESTAB sockets show rto and mss", *show(bad[:3]))
        bad = [x for x in full if x.state == LISTEN and x.info and
               "sacked:%d" % x.wq not in x.info]
        result(not bad, "-i: listeners show their backlog (tcpi_sacked)",
               *show(bad[:3]))

        self.exact()
        self.formats()

        # accept() shortens the accept queue shown as Recv-Q.
        a, _ = self.l4.accept()
        self.keep(a)
        rc, _, lines, err = self.atcpss("-tln", "sport", "=",
                                        ":%d" % self.p4)
        same_lines("after accept(): listener Recv-Q 0",
                   lines, [("LISTEN", 0, 8, fmt_addr("0.0.0.0", self.p4),
                            "0.0.0.0:*")])

        self.timewait()

        for s in reversed(self.socks):
            s.close()
        deadline = time.monotonic() + 10
        while True:
            rc, _, lines, err = self.atcpss("-tan", "exclude", "time-wait")
            if rc != 0 or not lines or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        result(rc == 0 and not lines, "atcpss -tan lists only TIME-WAIT "
               "entries once every socket is closed", *show(lines[:5]))

    def formats(self):
        """-p, --json, -s and /proc/net/atcp_sockstat, against -tan."""
        rc, _, lines, err = self.atcpss("-tanp")
        me = os.getpid()
        comm = open("/proc/self/comm").read().strip()
        lst = {x.local: x for x in lines if isinstance(x, Line) and
               x.state == LISTEN}
        bad = []
        for s in (self.l4, self.l6, self.lf, self.lm, self.ld):
            x = lst.get(fmt_addr(*s.getsockname()[:2],
                                 v6only=s.family == socket.AF_INET6 and
                                 s.getsockopt(socket.IPPROTO_IPV6,
                                              socket.IPV6_V6ONLY)))
            want = '(("%s",pid=%d,fd=%d))' % (comm, me, s.fileno())
            if not x or x.extra.get("users") != want:
                bad.append("%s: wanted users:%s" % (x or s, want))
        noproc = [x for x in lines if isinstance(x, Line) and
                  x.state == SYN_RECV and "users" in x.extra]
        result(rc == 0 and not bad and not noproc,
               "-p: each listener shows users:((\"%s\",pid=%d,fd=N)) with "
               "its own fd; SYN-RECV entries show none" % (comm, me),
               *(bad + show(noproc[:3])))

        rc, _, lines, err = self.atcpss("-tan")
        p = subprocess.run([self.path, "-tanoe", "--json"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True)
        try:
            objs = json.loads(p.stdout)
        except ValueError as e:
            objs = None
            why = ["not JSON: %s" % e, p.stdout[:300]]
        if objs is not None:
            got = sorted((o["state"], o["recv_q"], o["send_q"],
                          fmt_addr(o["local"]["address"],
                                   o["local"]["port"],
                                   v6only=o.get("v6only"),
                                   dev=socket.if_indextoname(o["ifindex"])
                                   if o.get("ifindex") else None),
                          fmt_addr(o["peer"]["address"],
                                   o["peer"]["port"],
                                   v6only=o.get("v6only")))
                         for o in objs)
            want = sorted(parse_key(x) for x in lines)
            why = ["%d objects, %d lines" % (len(got), len(want))] + \
                ["  json only: %s" % (g,) for g in got if g not in want][:5]
            l4 = [o for o in objs if o["state"] == "LISTEN" and
                  o["local"]["port"] == self.p4]
            ok = got == want and len(l4) == 1 and \
                l4[0]["inode"] == ino(self.l4) and \
                all(o["timer"] and o["timer"]["name"] == "on"
                    for o in objs if o["state"] == "SYN-RECV")
            if not ok and len(l4) == 1:
                why.append("listener: %s" % l4[0])
        result(p.returncode == 0 and objs is not None and ok,
               "--json: one array with the same entries as -tan (state, "
               "queues, addresses), inode and timer fields", *why)

        sockstat = open("/proc/net/atcp_sockstat").read().split()
        p = subprocess.run([self.path, "-s"], stdout=subprocess.PIPE,
                           universal_newlines=True)
        by = {}
        for x in lines:
            if isinstance(x, Line):
                fam = 6 if x.local.startswith(("[", "*")) else 4
                by.setdefault(NAMES[x.state], [0, 0])[fam == 6] += 1
        nsock = sum(sum(v) for k, v in by.items() if k != "SYN-RECV")
        first = "ATCP:  %d (estab %d, orphaned %s, timewait %d, synrecv %d)" \
            % (nsock, sum(by.get("ESTAB", [0])), sockstat[4],
               sum(by.get("TIME-WAIT", [0])), sum(by.get("SYN-RECV", [0])))
        table = sorted("%s %d %d %d" % (k, v[0], v[1], sum(v))
                       for k, v in by.items())
        text = p.stdout.splitlines()
        got_table = sorted(" ".join(t.split()) for t in text[3:])
        result(p.returncode == 0 and text[:1] == [first] and
               got_table == table,
               "-s: the counts by state and family of the -tan listing, "
               "orphans from /proc/net/atcp_sockstat",
               "wanted: " + first, *["  " + t for t in table],
               "got:", *["  " + t for t in text])
        result(sockstat[:2] == ["ATCP:", "inuse"] and
               int(sockstat[2]) == nsock,
               "/proc/net/atcp_sockstat: inuse %d (the sockets -tan lists)"
               % nsock, " ".join(sockstat))

    def exact(self):
        """The handler's dump_one: a socket by 4-tuple and cookie."""
        A4, A6 = socket.AF_INET, socket.AF_INET6
        c = self.c4[0]
        me, peer = c.getsockname(), c.getpeername()
        rc, _, lines, err = self.atcpss("-tane", "src", me[0], "sport", "=",
                                        ":%d" % me[1], "dport", "=",
                                        ":%d" % peer[1])
        cookie = None
        if len(lines) == 1 and isinstance(lines[0], Line):
            cookie = int(lines[0].extra.get("sk", "0"), 16)
        got = diag_exact(A4, me[0], me[1], peer[0], peer[1], cookie)
        result(isinstance(got, dict) and got["state"] == ESTAB and
               got["inode"] == ino(c) and cookie,
               "exact lookup (dump_one): IPv4 client by 4-tuple and cookie",
               "cookie %s, answer %s" % (cookie, got), *show(lines))
        if cookie:
            got = diag_exact(A4, me[0], me[1], peer[0], peer[1], cookie + 1)
            result(got == -errno.ENOENT,
                   "exact lookup: a wrong cookie gives ENOENT", str(got))
        got = diag_exact(A4, me[0], me[1], peer[0], peer[1] + 1)
        result(got == -errno.ENOENT,
               "exact lookup: no such 4-tuple gives ENOENT", str(got))
        got = diag_exact(A4, "0.0.0.0", self.p4, "0.0.0.0", 0)
        result(isinstance(got, dict) and got["state"] == LISTEN and
               got["inode"] == ino(self.l4),
               "exact lookup: the listener by local address and port",
               str(got))
        me, peer = self.c6.getsockname(), self.c6.getpeername()
        got = diag_exact(A6, me[0], me[1], peer[0], peer[1])
        result(isinstance(got, dict) and got["state"] == ESTAB and
               got["family"] == A6 and got["inode"] == ino(self.c6),
               "exact lookup: IPv6 client by 4-tuple", str(got))


def tw_pairs(fam, addr, port, lsk, n):
    """n connections to lsk: [(client, accepted socket)]."""
    pairs = []
    for _ in range(n):
        c = connect(fam, addr, port)
        a, _ = lsk.accept()
        pairs.append((c, a))
    return pairs


class TimeWait:
    """The TIME-WAIT part of the server's checks: ntw IPv4 clients and one
    IPv6 client close first, so their ends go to TIME-WAIT."""

    def __init__(self, srv, ntw):
        self.srv = srv
        self.ntw = ntw

    def run(self):
        srv = self.srv
        A4, A6 = socket.AF_INET, socket.AF_INET6
        msl = int(open("/proc/sys/net/atcp/msl").read())
        l4 = srv.keep(listener(A4, IP1, 512))
        l6 = srv.keep(listener(A6, IP6_1, 8, v6only=1))
        p4, p6 = l4.getsockname()[1], l6.getsockname()[1]
        pairs = tw_pairs(A4, IP1, p4, l4, self.ntw) + \
            tw_pairs(A6, IP6_1, p6, l6, 1)
        mine = [(c.getsockname()[:2], c.getpeername()[:2], c.family)
                for c, _ in pairs]

        # The cookies while established: TIME-WAIT keeps the socket's.
        cookies = {}
        for p in (p4, p6):
            rc, _, lines, err = srv.atcpss("-tne", "dport", "=", ":%d" % p)
            for x in lines:
                if isinstance(x, Line):
                    cookies[parse_addr(x.local)] = int(x.extra["sk"], 16)

        for c, _ in pairs:
            c.close()			# active close: FIN
        for _, a in pairs:
            a.settimeout(10)
            a.recv(1)			# the FIN
            a.close()			# LAST-ACK, then the clients' TIME-WAIT
        want = [("TIME-WAIT", 0, 0, fmt_addr(*me), fmt_addr(*peer))
                for me, peer, _ in mine]
        deadline = time.monotonic() + 20
        while True:
            rc, _, lines, err = srv.atcpss("-tan", "state", "time-wait")
            if keys(lines) == sorted(want) or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        same_lines("atcpss -tan state time-wait: each of the %d clients' "
                   "TIME-WAIT entries once (several netlink messages)"
                   % len(want), lines, want)

        rc, _, lines, err = srv.atcpss("-tn", "dport", "=", ":%d" % p4)
        result(rc == 0 and not lines, "atcpss -tn (ss's default) leaves "
               "TIME-WAIT out", *show(lines[:3]))
        rc, _, lines, err = srv.atcpss("-tanoe", "state", "time-wait")
        bad = [x for x in lines if not isinstance(x, Line) or
               not x.timer or x.timer[0] != "timewait" or x.timer[2] or
               not 0 < (timer_ms(x.timer[1]) or 0) <= 2 * msl * 1000 or
               x.extra.get("ino") != "0"]
        result(lines and not bad, "-o: timer:(timewait,T,0) with "
               "0 < T <= 2 * msl (%d s); -e: ino 0" % (2 * msl),
               *show((bad or lines)[:3]))
        bad = [x for x in lines if isinstance(x, Line) and
               int(x.extra.get("sk", "0"), 16) !=
               cookies.get(parse_addr(x.local))]
        result(len(cookies) == len(mine) and lines and not bad,
               "-e: a TIME-WAIT entry keeps its socket's cookie (sk:)",
               "%d cookies read for %d connections" % (len(cookies),
                                                         len(mine)),
               *show(bad[:3]))
        compare_proc("atcpss -tanoe and /proc/net/atcp{,6} list the same "
                     "TIME-WAIT entries and timers", lines,
                     {k: v for k, v in proc_rows().items()
                      if k[0] == TIME_WAIT}, {})

        self.filters(want, mine, cookies, msl)

    def filters(self, want, mine, cookies, msl):
        srv = self.srv
        A4, A6 = socket.AF_INET, socket.AF_INET6
        me6, peer6, _ = mine[-1]
        rc, _, lines, err = srv.atcpss("-tan", "-6", "state", "time-wait")
        same_lines("atcpss -tan -6 state time-wait: the IPv6 entry only",
                   lines, [w for w in want if w[3] == fmt_addr(*me6)])
        me, peer, _ = mine[0]
        rc, _, lines, err = srv.atcpss("-tan", "sport", "=", ":%d" % me[1],
                                       "dst", peer[0])
        same_lines("atcpss -tan sport = :%d dst %s (bytecode on a "
                   "TIME-WAIT entry): that one" % (me[1], peer[0]), lines,
                   [w for w in want if w[3] == fmt_addr(*me)])

        got = diag_exact(A4, me[0], me[1], peer[0], peer[1])
        ok = isinstance(got, dict)
        result(ok and got["state"] == TIME_WAIT and got["timer"] == 3 and
               0 < got["expires"] <= 2 * msl * 1000 and
               got["cookie"] == cookies.get(me) and got["inode"] == 0,
               "exact lookup (dump_one): a TIME-WAIT entry by 4-tuple: "
               "TIME_WAIT, timer 3, its cookie", str(got))
        if ok:
            got = diag_exact(A4, me[0], me[1], peer[0], peer[1],
                             got["cookie"])
            result(isinstance(got, dict) and got["state"] == TIME_WAIT,
                   "exact lookup: a TIME-WAIT entry by 4-tuple and cookie",
                   str(got))
            got = diag_exact(A4, me[0], me[1], peer[0], peer[1],
                             cookies.get(me, 0) + 1)
            result(got == -errno.ENOENT, "exact lookup: a TIME-WAIT entry "
                   "with a wrong cookie gives ENOENT", str(got))
        got = diag_exact(A6, me6[0], me6[1], peer6[0], peer6[1])
        result(isinstance(got, dict) and got["state"] == TIME_WAIT and
               got["family"] == A6, "exact lookup: the IPv6 TIME-WAIT "
               "entry", str(got))

        # Expiry: with msl = 1 a new entry lasts 2 s, then is gone.
        srv.set_msl(1)
        l4 = srv.keep(listener(A4, IP1, 8))
        (c, a), = tw_pairs(A4, IP1, l4.getsockname()[1], l4, 1)
        me = c.getsockname()
        c.close()
        a.settimeout(10)
        a.recv(1)
        a.close()
        seen, gone = False, False
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not gone:
            rc, _, lines, err = srv.atcpss("-tano", "sport", "=",
                                           ":%d" % me[1])
            tw = [x for x in lines if isinstance(x, Line) and
                  x.state == TIME_WAIT]
            if tw and tw[0].timer and \
                    (timer_ms(tw[0].timer[1]) or 99999) <= 2000:
                seen = True
            gone = seen and not lines
            time.sleep(0.2)
        srv.set_msl(msl)
        result(seen and gone, "net.atcp.msl=1: the entry shows "
               "timer:(timewait,<=2sec) and is gone from atcpss after it",
               "seen %s, gone %s" % (seen, gone), *show(lines[:3]))


def cmd_server(o):
    s = Server(o)
    s.setup()
    s.run()
    out("end")


# ---------------------------------------------------------------- peer --

def cmd_peer(o):
    """In ns2: SYNs nobody answers, connect()s that stay in SYN_SENT."""
    path = opt(o, "atcpss")
    p4, p6, pf = int(opt(o, "p4")), int(opt(o, "p6")), int(opt(o, "pf"))
    closed = int(opt(o, "closed"))
    nflood = int(opt(o, "flood", "400"))
    s4 = 40000 + atcp_net.rand32() % 10000
    s6 = 50000 + atcp_net.rand32() % 10000
    raw4, raw6 = atcp_net.Raw(IP2, IP1), atcp_net.Raw(IP6_2, IP6_1)
    raw4.send(atcp_net.build(IP2, IP1, s4, p4, atcp_net.rand32(), 0, SYN))
    raw6.send(atcp_net.build(IP6_2, IP6_1, s6, p6, atcp_net.rand32(), 0,
                             SYN))
    for i in range(nflood):
        raw4.send(atcp_net.build(IP2, IP1, FLOOD_BASE + i, pf,
                                 atcp_net.rand32(), 0, SYN))
    conns = []
    for fam, dst in ((socket.AF_INET, IP1), (socket.AF_INET6, IP6_1)):
        c = atcp_socket(fam)
        c.setblocking(False)
        rc = c.connect_ex((dst, closed))
        if rc != errno.EINPROGRESS:
            result(False, "non-blocking connect() to %s in progress" % dst,
                   errno.errorcode.get(rc, str(rc)))
        conns.append(c)
    out("ready %d %d" % (s4, s6))

    want = [("SYN-SENT", 0, 1, fmt_addr(*c.getsockname()[:2]),
             fmt_addr(dst, closed))
            for c, dst in zip(conns, (IP1, IP6_1))]
    rc, header, lines, err = run_atcpss(path, "-tan")
    same_lines("peer namespace: atcpss -tan shows its two SYN-SENT sockets "
               "(Send-Q 1: the SYN), nothing of the other namespace",
               lines, want, header)
    same_lines("peer namespace: atcpss -tn (ss's default) includes "
               "SYN-SENT", run_atcpss(path, "-tn")[2], want)
    same_lines("peer namespace: atcpss -tn state syn-sent",
               run_atcpss(path, "-tn", "state", "syn-sent")[2], want)
    same_lines("peer namespace: atcpss -tln lists nothing",
               run_atcpss(path, "-tln")[2], [])
    proc = proc_rows()
    rc, _, lines, err = run_atcpss(path, "-tanoe")
    compare_proc("peer namespace: atcpss -tanoe and /proc/net/atcp{,6} "
                 "agree (inode, queues, retransmit timer)", lines, proc, {})
    bad = [x for x in lines if not isinstance(x, Line) or
           not x.timer or x.timer[0] != "on" or
           int(x.extra.get("ino", 0)) not in {ino(c) for c in conns}]
    result(lines and not bad, "peer namespace: -o shows the SYN "
           "retransmission timer (on), -e each socket's inode",
           *show(bad or lines))
    out("done")
    sys.stdin.read()
    for c in conns:
        c.close()


COMMANDS = {"server": cmd_server, "peer": cmd_peer}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    o = {}
    for a in sys.argv[2:]:
        k, eq, v = a.partition("=")
        o.setdefault(k if eq else "", []).append(v if eq else a)
    COMMANDS[sys.argv[1]](o)


if __name__ == "__main__":
    main()
