#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""/proc/net/atcp and /proc/net/atcp6 checks for selftests/test_proc.sh.

Run it as `python3 -S proc_check.py CMD key=value...`.  Check results are
printed as "PASS desc" / "FAIL desc" + reason lines / "SKIP desc # why"
for lib.sh's tap_import.  The files are parsed the way scripts parse
/proc/net/tcp (split on blanks, hex addresses in host byte order words),
so a check passing here means such a script reads ATCP unchanged.

  local                   in the current namespace, over loopback: headers
                          against /proc/net/tcp{,6}, listener lines against
                          a TCP listener's, a connected pair, accept, close
  listen [addr=0.0.0.0] [port=0] [backlog=8]
                          hold an ATCP listener; prints "ready PORT INODE",
                          closes it when stdin closes
  remote proc1=PATH [other=PATH...] src=ADDR dst=ADDR dport=N closed=N
         [retries=1]      run in a namespace that drops incoming ATCP:
                          a raw SYN to dst:dport makes a SYN_RECV line in
                          proc1 (the listener's namespace) that must count
                          its SYN-ACK retransmissions and go away after
                          retries; a connect() to dst:closed stays in
                          SYN_SENT with its retransmit timer shown
"""

import errno
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import atcp_net  # noqa: E402
from atcp_net import ATCP, SYN, out, result, opt  # noqa: E402

ESTABLISHED, SYN_SENT, SYN_RECV, LISTEN = 0x01, 0x02, 0x03, 0x0A
FIN_WAIT2, TIME_WAIT, CLOSE_WAIT = 0x05, 0x06, 0x08
WIDTH4 = 149		# /proc/net/tcp pads lines to TMPSZ - 1
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------- parsing --

def parse_addr(text):
    """"0100007F:1F90" -> ("127.0.0.1", 8080), as /proc/net/tcp parsers do:
    each 32-bit word is printed in host order."""
    addr, port = text.split(":")
    words = [int(addr[i:i + 8], 16) for i in range(0, len(addr), 8)]
    raw = b"".join(struct.pack("=I", w) for w in words)
    fam = socket.AF_INET if len(raw) == 4 else socket.AF_INET6
    return socket.inet_ntop(fam, raw), int(port, 16)


class Row:
    def __init__(self, line):
        self.line = line
        f = line.split()
        self.fields = f
        self.sl = int(f[0].rstrip(":"))
        self.local = parse_addr(f[1])
        self.remote = parse_addr(f[2])
        self.st = int(f[3], 16)
        tx, rx = f[4].split(":")
        self.tx, self.rx = int(tx, 16), int(rx, 16)
        tr, when = f[5].split(":")
        self.tr, self.when = int(tr, 16), int(when, 16)
        self.retr = int(f[6], 16)
        self.uid = int(f[7])
        self.timeout = int(f[8])
        self.inode = int(f[9])
        self.refcnt = int(f[10])

    def __str__(self):
        return self.line.rstrip()


def read_table(path):
    """(header line, [Row]) or raises OSError/ValueError."""
    with open(path) as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines[0], [Row(line) for line in lines[1:]]


def table(path):
    try:
        return read_table(path)[1]
    except (OSError, ValueError, IndexError):
        return []


def norm(addr):
    """("::ffff:1.2.3.4", p) and ("1.2.3.4", p) compare equal elsewhere;
    here the exact text matters, so only canonicalise."""
    host, port = addr[:2]
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.inet_ntop(fam, socket.inet_pton(fam, host)), port


def find(rows, local=None, remote=None):
    return [r for r in rows
            if (local is None or r.local == norm(local)) and
            (remote is None or r.remote == norm(remote))]


def wait_for(fn, timeout, step=0.02):
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(step)


def ino(sock):
    return os.fstat(sock.fileno()).st_ino


def dump(rows):
    return ["  " + str(r) for r in rows] or ["  (no lines)"]


# ------------------------------------------------------------- checks --

class Local:
    """Checks in the current namespace over loopback."""

    def __init__(self):
        self.uid = os.geteuid()

    def headers(self):
        for ours, theirs in (("atcp", "tcp"), ("atcp6", "tcp6")):
            desc = "/proc/net/%s has /proc/net/%s's header" % (ours, theirs)
            try:
                with open("/proc/net/" + theirs) as f:
                    want = f.readline()
            except OSError as e:
                out("SKIP %s # no /proc/net/%s: %s" % (desc, theirs, e))
                continue
            try:
                with open("/proc/net/" + ours) as f:
                    got = f.readline()
            except OSError as e:
                result(False, desc, "cannot read /proc/net/%s: %s" % (ours, e))
                continue
            result(got == want, desc, "got:  %r" % got, "want: %r" % want)

    def check_row(self, desc, path, local, remote, st, inode, tx=0, rx=0,
                  tr=0, timeout=3.0):
        """The single line local -> remote in path has these fields; waits
        up to timeout for it to look so.  Returns the row or None."""
        rows = []

        def matches():
            rows[:] = find(table(path), local, remote)
            return (len(rows) == 1 and rows[0].st == st and
                    rows[0].tx == tx and rows[0].rx == rx and
                    rows[0].tr == tr and rows[0].inode == inode and
                    rows[0].uid == self.uid)

        okay = wait_for(matches, timeout)
        result(okay, desc, "wanted st=%02X tx=%d rx=%d tr=%d inode=%d uid=%d"
               " for %s -> %s, got:" % (st, tx, rx, tr, inode, self.uid,
                                       local, remote), *dump(rows))
        return rows[0] if okay else None

    def gone(self, desc, path, *pairs, timeout=5.0):
        left = []

        def none_left():
            rows = table(path)
            left[:] = [r for lo, re in pairs for r in find(rows, lo, re)]
            return not left

        result(wait_for(none_left, timeout), desc,
               "still listed after %ss:" % timeout, *dump(left))

    def widths(self, desc, path):
        try:
            with open(path) as f:
                lines = f.read().split("\n")[:-1]
        except OSError as e:
            return result(False, desc, str(e))
        bad = [line for line in lines
               if len(line) != max(WIDTH4, len(line.rstrip(" ")))]
        result(not bad, desc, *["%d chars: %r" % (len(b), b) for b in bad])

    def like_tcp(self, desc, row, fam, addr, port, path):
        """A TCP listener on the same address and port prints the same
        line, but for sl, inode, refcount and pointer."""
        t = socket.socket(fam, socket.SOCK_STREAM, 0)
        try:
            t.bind((addr, port))
            t.listen(8)
        except OSError as e:
            t.close()
            out("SKIP %s # TCP listener on %s port %d: %s" %
                (desc, addr, port, e))
            return
        trows = find(table(path), (addr, port), None)
        t.close()
        if len(trows) != 1 or row is None:
            return result(False, desc, "TCP line(s):", *dump(trows),
                          "ATCP line: %s" % row)
        skip = (0, 9, 10, 11)
        a = [x for i, x in enumerate(row.fields) if i not in skip]
        b = [x for i, x in enumerate(trows[0].fields) if i not in skip]
        result(a == b and len(row.fields) == len(trows[0].fields), desc,
               "ATCP: %s" % row, "TCP:  %s" % trows[0])

    def v4(self):
        path = "/proc/net/atcp"
        lo = "127.0.0.1"
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM, ATCP)
        ls.bind((lo, 0))
        ls.listen(8)
        port = ls.getsockname()[1]
        laddr = (lo, port)
        out("listener on %s:%d (%04X)" % (lo, port, port))
        row = self.check_row("IPv4 listener: state 0A, %s:%d, no peer, "
                             "inode and uid of its socket" % laddr,
                             path, laddr, ("0.0.0.0", 0), LISTEN, ino(ls))
        self.like_tcp("IPv4 listener line is a TCP listener's line "
                      "(but sl, inode, refcount, pointer)",
                      row, socket.AF_INET, lo, port, "/proc/net/tcp")

        clients = []
        for _ in range(2):
            c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, ATCP)
            c.settimeout(10)
            try:
                c.connect(laddr)
            except OSError as e:
                result(False, "IPv4 connect() to the listener", str(e))
                c.close()
                for s in clients + [ls]:
                    s.close()
                return
            clients.append(c)
        c1, c2 = clients
        self.check_row("IPv4 listener: accept queue length 2 in rx_queue",
                       path, laddr, ("0.0.0.0", 0), LISTEN, ino(ls), rx=2)
        for i, c in enumerate(clients, 1):
            caddr = c.getsockname()
            self.check_row("IPv4 client %d: state 01, its address -> the "
                           "listener's, its inode, no timer" % i,
                           path, caddr, laddr, ESTABLISHED, ino(c))
            # Not accepted yet: no socket, inode 0 (as TCP shows it).
            self.check_row("IPv4 child %d (not accepted): state 01, "
                           "addresses reversed, inode 0" % i,
                           path, laddr, caddr, ESTABLISHED, 0)
        self.widths("/proc/net/atcp lines are padded to %d characters, "
                    "as /proc/net/tcp's" % WIDTH4, path)
        rows = table(path)
        result([r.sl for r in rows] == list(range(len(rows))),
               "sl numbers the lines from 0", *dump(rows))
        result(all(len(r.fields) == 17 for r in rows),
               "socket lines have TCP's 17 columns", *dump(rows))

        a, _ = ls.accept()
        self.check_row("IPv4 listener: rx_queue 1 after accept()",
                       path, laddr, ("0.0.0.0", 0), LISTEN, ino(ls), rx=1)
        self.check_row("IPv4 accepted child: the inode of accept()'s socket",
                       path, laddr, c1.getsockname(), ESTABLISHED, ino(a))
        c1addr = c1.getsockname()
        c1.close()
        self.check_row("IPv4 client after close(): FIN_WAIT2 (05), orphaned "
                       "(inode 0), its fin_timeout timer (tr 2)", path,
                       c1addr, laddr, FIN_WAIT2, 0, tr=2)
        self.check_row("IPv4 child after the peer's FIN: CLOSE_WAIT (08)",
                       path, laddr, c1addr, CLOSE_WAIT, ino(a))
        a.close()
        self.check_row("IPv4 client after both FINs: TIME_WAIT (06), its "
                       "timer (tr 3)", path, c1addr, laddr, TIME_WAIT, 0,
                       tr=3)
        self.gone("IPv4 child gone once its FIN is acknowledged (LAST_ACK "
                  "-> CLOSED)", path, (laddr, c1addr))
        c2addr = c2.getsockname()
        ls.close()
        self.gone("IPv4 listener and its unaccepted child gone after "
                  "close(), the child's peer too", path, (laddr, None),
                  (c2addr, laddr))
        c2.close()

    def v6(self):
        path, path4 = "/proc/net/atcp6", "/proc/net/atcp"
        what = "IPv6 listener, pair and IPv4-mapped peer in /proc/net/atcp6"
        ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM, ATCP)
        try:
            ls.bind(("::1", 0))
            ls.listen(8)
        except OSError as e:
            ls.close()
            if e.errno == errno.EOPNOTSUPP:
                out("SKIP %s # AF_INET6 ATCP bind()/listen(): EOPNOTSUPP "
                    "(not implemented yet)" % what)
                return
            raise
        port = ls.getsockname()[1]
        laddr = ("::1", port)
        row = self.check_row("IPv6 listener: state 0A, [::1]:%d, no peer, "
                             "its inode" % port, path, laddr, ("::", 0),
                             LISTEN, ino(ls))
        self.like_tcp("IPv6 listener line is a TCP listener's line "
                      "(but sl, inode, refcount, pointer)",
                      row, socket.AF_INET6, "::1", port, "/proc/net/tcp6")
        result(not [r for r in table(path4) if r.local[1] == port],
               "IPv6 listener not in /proc/net/atcp", *dump(table(path4)))

        c = socket.socket(socket.AF_INET6, socket.SOCK_STREAM, ATCP)
        c.settimeout(10)
        try:
            c.connect(laddr)
        except OSError as e:
            c.close()
            ls.close()
            if e.errno == errno.EOPNOTSUPP:
                out("SKIP IPv6 pair and IPv4-mapped peer # AF_INET6 ATCP "
                    "connect(): EOPNOTSUPP (not implemented yet)")
                return
            return result(False, "IPv6 connect() to the listener", str(e))
        caddr = c.getsockname()[:2]
        self.check_row("IPv6 client: state 01, reversed addresses of the "
                       "child", path, caddr, laddr, ESTABLISHED, ino(c))
        self.check_row("IPv6 child: state 01, inode 0 (not accepted)",
                       path, laddr, caddr, ESTABLISHED, 0)
        c.close()
        ls.close()
        self.gone("IPv6 listener, client and child gone after close()", path,
                  (laddr, None), (caddr, laddr))

        # A dual-stack listener: an IPv4 peer's child is an AF_INET6
        # socket, listed in atcp6 with IPv4-mapped addresses.
        ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM, ATCP)
        ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        ls.bind(("::", 0))
        ls.listen(8)
        port = ls.getsockname()[1]
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, ATCP)
        c.settimeout(10)
        try:
            c.connect(("127.0.0.1", port))
        except OSError as e:
            c.close()
            ls.close()
            return result(False, "IPv4 connect() to a dual-stack listener",
                          str(e))
        caddr = c.getsockname()
        mapped = lambda a: ("::ffff:" + a[0], a[1])  # noqa: E731
        self.check_row("IPv4 client of a dual-stack listener is in "
                       "/proc/net/atcp", path4, caddr, ("127.0.0.1", port),
                       ESTABLISHED, ino(c))
        self.check_row("its child is in /proc/net/atcp6 with IPv4-mapped "
                       "addresses", path, mapped(("127.0.0.1", port)),
                       mapped(caddr), ESTABLISHED, 0)
        result(not find(table(path4), ("127.0.0.1", port), caddr),
               "the dual-stack child is not in /proc/net/atcp",
               *dump(table(path4)))
        c.close()
        ls.close()
        self.gone("dual-stack listener and child gone after close()", path,
                  (("::", port), None), (mapped(("127.0.0.1", port)), None))


    def churn(self, n=40):
        """Read both files without pause while connections come and go:
        every read parses, and the module survives it."""
        import threading
        stop, errors, reads = [], [], [0]

        def reader():
            while not stop:
                for p in ("/proc/net/atcp", "/proc/net/atcp6"):
                    try:
                        read_table(p)
                    except (OSError, ValueError, IndexError) as e:
                        errors.append("%s: %r" % (p, e))
                reads[0] += 1

        th = threading.Thread(target=reader)
        th.start()
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM, ATCP)
        ls.bind(("127.0.0.1", 0))
        ls.listen(64)
        laddr = ls.getsockname()
        pending = []
        try:
            for i in range(n):
                c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, ATCP)
                c.settimeout(10)
                c.connect(laddr)
                if i % 3 == 0:
                    pending.append(c)	# left in the accept queue
                    continue
                a, _ = ls.accept()
                for s in ((c, a) if i % 2 else (a, c)):
                    s.close()
        except OSError as e:
            errors.append("connect/accept: %s" % e)
        ls.close()
        for c in pending:
            c.close()
        stop.append(1)
        th.join()
        result(not errors and reads[0] > 0,
               "%d reads of atcp/atcp6 while %d connections came and went"
               % (reads[0], n), *errors[:5])
        # Connections closed first by the client's side sit in TIME_WAIT
        # (2 * msl), as TCP's would; nothing else may be left.
        def ours():
            rows = table("/proc/net/atcp")
            return find(rows, laddr, None) + find(rows, None, laddr)

        def none_but_tw():
            return not [r for r in ours() if r.st != TIME_WAIT]

        okay = wait_for(none_but_tw, 5.0)
        result(okay, "no line but TIME_WAIT ones (%d) left for the churn "
               "listener's port" % len([r for r in ours()
                                       if r.st == TIME_WAIT]),
               *dump([r for r in ours() if r.st != TIME_WAIT]))


def cmd_local(o):
    ch = Local()
    ch.headers()
    ch.v4()
    ch.v6()
    ch.churn()


def cmd_listen(o):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM, ATCP)
    ls.bind((opt(o, "addr", "0.0.0.0"), int(opt(o, "port", "0"))))
    ls.listen(int(opt(o, "backlog", "8")))
    out("ready %d %d" % (ls.getsockname()[1], ino(ls)))
    sys.stdin.read()
    ls.close()
    out("closed")


def cmd_remote(o):
    proc1 = opt(o, "proc1")
    others = o.get("other", [])
    src, dst = opt(o, "src"), opt(o, "dst")
    dport, closed = int(opt(o, "dport")), int(opt(o, "closed"))
    retries = int(opt(o, "retries", "1"))
    uid = int(opt(o, "uid", "0"))

    # --- SYN_RECV: a request that never gets its final ACK.
    raw = atcp_net.Raw(src, dst)
    sport = 40000 + atcp_net.rand32() % 20000
    local, remote = (dst, dport), (src, sport)
    seen, others_seen = [], []
    t0 = time.monotonic()
    raw.send(atcp_net.build(src, dst, sport, dport, atcp_net.rand32(), 0,
                            SYN))
    deadline = t0 + 20
    last_seen = None
    while time.monotonic() < deadline:
        rows = find(table(proc1), local, remote)
        now = time.monotonic() - t0
        if rows:
            if not seen:
                for p in others:
                    others_seen += find(table(p), None, remote)
            seen.append((now, rows[0]))
            last_seen = now
        elif seen:
            break
        elif now > 5:
            break
        time.sleep(0.02)
    gone_at = time.monotonic() - t0
    raw.sk.close()

    desc = "SYN_RECV request listed as state 03, %s:%d -> %s:%d" % (
        local + remote)
    if not seen:
        result(False, desc, "no line within 5 s; lines:",
               *dump(table(proc1)))
        return
    rows = [r for _, r in seen]
    result(all(r.st == SYN_RECV for r in rows), desc, *dump(rows[:1]))
    result(all(r.tx == 0 and r.rx == 0 and r.inode == 0 and r.refcnt == 0 and
               r.timeout == 0 and r.uid == uid for r in rows),
           "request line: queues 0, inode 0, refcount 0, listener's uid %d"
           % uid, *dump(rows[:1]))
    result(all(r.tr == 1 for r in rows),
           "request line: SYN-ACK timer shown (tr 1)",
           *dump([r for r in rows if r.tr != 1][:3]))
    bad = [r for r in rows if r.when > (CLK_TCK << r.retr) + 1]
    result(not bad and any(r.when > 0 for r in rows),
           "request line: tm->when counts down from %d << retrnsmt ticks"
           % CLK_TCK, *dump(bad[:3] or rows[:1]))
    retrs = [r.retr for r in rows]
    result(retrs == sorted(retrs) and retrs[0] == 0 and
           retrs[-1] == retries,
           "request line: retrnsmt counts SYN-ACK retransmissions 0..%d"
           % retries, "retrnsmt seen: %s" % sorted(set(retrs)))
    # The SYN-ACK is sent at 0, retransmitted after 1, 2, ... s; the
    # request is dropped one timeout after the last retransmission.
    expect = float((1 << (retries + 1)) - 1)
    result(last_seen is not None and last_seen >= expect * 0.8 and
           gone_at < expect + 10 and not find(table(proc1), local, remote),
           "request line gone after synack_retries=%d (~%.0f s)"
           % (retries, expect),
           "last seen at %.2f s, looked at %.2f s" % (last_seen or -1, gone_at))
    result(not others_seen, "request only in the listener's namespace",
           *dump(others_seen))
    result(all(len(r.line) == max(WIDTH4, len(r.line.rstrip(" ")))
               for r in rows),
           "request line padded to %d characters" % WIDTH4,
           *["%d chars" % len(r.line) for r in rows[:1]])

    # --- SYN_SENT: the peer's RST is dropped, the SYN is retransmitted.
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, ATCP)
    s.setblocking(False)
    rc = s.connect_ex((dst, closed))
    if rc != errno.EINPROGRESS:
        result(False, "non-blocking connect() in progress",
               "connect_ex: %s" % errno.errorcode.get(rc, rc))
        s.close()
        return
    mine = "/proc/self/net/atcp"
    me, peer = s.getsockname(), (dst, closed)
    first = find(table(mine), me, peer)
    result(len(first) == 1 and first[0].st == SYN_SENT and
           first[0].tx == 1 and first[0].tr == 1 and first[0].retr == 0 and
           0 < first[0].when <= CLK_TCK and first[0].inode == ino(s),
           "SYN_SENT socket: state 02, tx_queue 1 (the SYN), retransmit "
           "timer (tr 1) within 1 s, its inode", *dump(first))
    rows = []

    def retransmitted():
        rows[:] = find(table(mine), me, peer)
        return rows and rows[0].retr >= 1

    okay = wait_for(retransmitted, 10)
    result(okay and rows[0].tr == 1 and rows[0].st == SYN_SENT and
           0 < rows[0].when <= 2 * CLK_TCK,
           "SYN_SENT socket: retrnsmt 1 after the SYN is retransmitted, "
           "timer re-armed for 2 s", *dump(rows))
    s.close()
    result(wait_for(lambda: not find(table(mine), me, peer), 5),
           "SYN_SENT socket gone after close()", *dump(table(mine)))


COMMANDS = {"local": cmd_local, "listen": cmd_listen, "remote": cmd_remote}


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
