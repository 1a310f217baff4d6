# SPDX-License-Identifier: GPL-2.0
"""Shared helpers of the connection-management selftests (conn_*.py).

Imported by selftests/conn_connect.py, conn_bind.py, conn_synretry.py and
conn_simopen.py, which the test_*.sh files of the same names start once
each (a python start costs seconds in the emulated VM, so one process does
a whole file's socket work).  Standard library only.

  * Output: check lines for lib.sh's tap_import: "PASS desc",
    "FAIL desc" + reason lines, "SKIP desc # reason".
  * Namespaces: one process works in several network namespaces by
    switching its thread with setns(2) (per-thread for CLONE_NEWNET): a
    socket belongs to the namespace it was created in, whatever the thread
    does later.  `with netns("ns1"): ...`.
  * Capture: Capture(ns, dev) reads every frame of DEV in NS with an
    AF_PACKET socket from a thread, stamps it with the kernel's receive
    time (SO_TIMESTAMPNS), decodes IPv4/IPv6 + TCP-format headers (IP
    protocol 6 or $ATCP_PROTO) with their options, and can write a pcap
    file for a human to read later (tshark -d ip.proto==253,tcp).
"""

import contextlib
import ctypes
import errno
import os
import socket
import struct
import subprocess
import threading
import time
import traceback

ATCP = int(os.environ.get("ATCP_PROTO", "253"))
SOL_TCP = 6
TCP_MAXSEG = 2
TCP_SYNCNT = 7
TCP_INFO = 11
FIN, SYN, RST, PSH, ACK, URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
FLAG_NAMES = ((FIN, "F"), (SYN, "S"), (RST, "R"), (PSH, "P"), (ACK, "A"),
              (URG, "U"))
CLONE_NEWNET = 0x40000000
SO_TIMESTAMPNS = 35		# = SCM_TIMESTAMPNS (asm-generic, x86)
SOCK_NONBLOCK = 0o4000
SOCK_CLOEXEC = 0o2000000

libc = ctypes.CDLL(None, use_errno=True)


def args(argv):
    """key=value arguments -> dict (last one wins)."""
    o = {}
    for a in argv:
        k, _, v = a.partition("=")
        o[k] = v
    return o


# ------------------------------------------------------------------ TAP --

FAILS = [0]


def out(*lines):
    for line in lines:
        print(line, flush=True)


def result(okay, desc, *why):
    out(("PASS " if okay else "FAIL ") + desc)
    if not okay:
        FAILS[0] += 1
        out(*[str(w) for w in why])
    return okay


def skip(desc, reason):
    out("SKIP %s # %s" % (desc, reason))


def diag(*lines):
    out(*[str(line) for line in lines])


@contextlib.contextmanager
def guarded(desc):
    """Run a block of checks; an unexpected exception is one FAIL."""
    try:
        yield
    except Exception:		# noqa: BLE001 -- report, go on
        result(False, desc + " (unexpected exception)",
               *traceback.format_exc().splitlines())


def errname(e):
    return errno.errorcode.get(e, str(e)) if e else "0"


# ----------------------------------------------------------- namespaces --

_HOME_NS = os.open("/proc/thread-self/ns/net", os.O_RDONLY)


def _setns(fd):
    if libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "setns: " + os.strerror(e))


@contextlib.contextmanager
def netns(name):
    """Run the block with this thread in network namespace NAME ("" =
    the namespace the process started in)."""
    if not name:
        yield
        return
    fd = os.open("/run/netns/" + name, os.O_RDONLY)
    try:
        _setns(fd)
        try:
            yield
        finally:
            _setns(_HOME_NS)
    finally:
        os.close(fd)


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def asock(ns, fam, proto=None, nonblock=False):
    """An ATCP (or PROTO) stream socket created in namespace NS."""
    if isinstance(fam, str):
        fam = family_of(fam)
    elif fam in (4, 6):
        fam = socket.AF_INET if fam == 4 else socket.AF_INET6
    with netns(ns):
        s = socket.socket(fam, socket.SOCK_STREAM,
                          ATCP if proto is None else proto)
    if nonblock:
        s.setblocking(False)
    return s


def sysctl_path(name):
    return "/proc/sys/" + name.replace(".", "/")


def sysctl_get(ns, name):
    with netns(ns):
        with open(sysctl_path(name)) as f:
            return f.read().strip()


def sysctl_set(ns, name, value):
    with netns(ns):
        with open(sysctl_path(name), "w") as f:
            f.write(str(value) + "\n")


def tc(ns, *lines, check=False):
    """One `tc -n NS -b -` batch of LINES: (ok, output).  With CHECK a
    failure raises RuntimeError instead."""
    p = subprocess.run(["tc", "-n", ns, "-b", "-"], input="\n".join(lines) +
                       "\n", stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True)
    if check and p.returncode:
        raise RuntimeError("tc -n %s: %s" % (ns, p.stdout.strip()))
    return p.returncode == 0, p.stdout.strip()


def rewrite_rules(dev):
    """tc batch lines for DEV (its clsact qdisc included): IPv4 Linux TCP
    leaving as ATCP, ATCP entering as TCP (lib.sh's rewrite_add)."""
    pedit = ("filter add dev {d} {hook} prio 1 protocol ip u32 match ip "
             "protocol {f} 0xff action pedit ex munge ip protocol set {t} "
             "pipe action csum ip4h")
    return ("qdisc add dev %s clsact" % dev,
            pedit.format(d=dev, hook="egress", f=6, t=ATCP),
            pedit.format(d=dev, hook="ingress", f=ATCP, t=6))


def read_stat(path):
    """/proc/net/atcp_stat (two "Atcp:" lines) -> dict."""
    with open(path) as f:
        lines = f.read().split("\n")
    names, vals = lines[0].split()[1:], lines[1].split()[1:]
    return dict(zip(names, (int(v) for v in vals)))


def stat_delta(before, after, *names):
    return {n: after.get(n, 0) - before.get(n, 0) for n in names}


# ----------------------------------------------------- raw socket calls --

def sockaddr_in(addr, port, family=socket.AF_INET):
    return struct.pack("=H", family) + struct.pack("!H", port) + \
        socket.inet_pton(socket.AF_INET, addr) + b"\0" * 8


def sockaddr_in6(addr, port, family=socket.AF_INET6):
    return struct.pack("=H", family) + struct.pack("!HI", port, 0) + \
        socket.inet_pton(socket.AF_INET6, addr) + struct.pack("=I", 0)


def raw_call(fn, s, sa, salen=None):
    """bind/connect with a hand-made sockaddr; returns 0, the errno, or
    "ret=N" for a system call that returned something else than 0 / -1."""
    buf = ctypes.create_string_buffer(sa, max(len(sa), 128))
    n = len(sa) if salen is None else salen
    rc = getattr(libc, fn)(s.fileno(), buf, n)
    if rc == -1:
        return ctypes.get_errno()
    return 0 if rc == 0 else "ret=%d" % rc


def sockaddr(addr, port):
    if ":" in addr:
        return sockaddr_in6(addr, port)
    return sockaddr_in(addr, port)


def raw_bind(s, addr, port):
    """bind(2) through libc, so that a return value other than 0 / -1
    (which Python would take for success) is seen: 0, errno or "ret=N"."""
    return raw_call("bind", s, sockaddr(addr, port))


def accept4(ls, flags):
    """accept4(2) -> (fd, errno)."""
    fd = libc.accept4(ls.fileno(), None, None, flags)
    return (fd, 0) if fd >= 0 else (-1, ctypes.get_errno())


def try_errno(fn, *a):
    """Call fn; 0 if it returned, the errno of the OSError it raised."""
    try:
        fn(*a)
        return 0
    except OSError as e:
        return e.errno


def wait_connected(s, timeout):
    """Poll a non-blocking connecting socket: (SO_ERROR, seconds)."""
    import select
    p = select.poll()
    p.register(s, select.POLLOUT)
    t0 = time.monotonic()
    ev = p.poll(timeout * 1000)
    dt = time.monotonic() - t0
    if not ev:
        return None, dt
    return s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR), dt


# -------------------------------------------------------------- capture --

class Seg:
    """One IPv4/IPv6 packet with a TCP-format header."""
    __slots__ = ("t", "fam", "proto", "src", "dst", "sport", "dport",
                 "flags", "seq", "ack", "win", "urp", "opts", "len", "out")

    def fl(self):
        return "".join(n for f, n in FLAG_NAMES if self.flags & f) or "."

    def __str__(self):
        o = " ".join("%s=%s" % kv for kv in sorted(self.opts.items()))
        if self.flags & URG:
            o = ("urp=%d " % self.urp) + o
        return "%.3f %s.%d > %s.%d [%s] seq=%d ack=%d win=%d len=%d %s" % (
            self.t, self.src, self.sport, self.dst, self.dport, self.fl(),
            self.seq, self.ack, self.win, self.len, o)


def parse_opts(raw):
    o = {}
    i = 0
    while i < len(raw):
        kind = raw[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        if i + 1 >= len(raw) or raw[i + 1] < 2:
            o["bad"] = 1
            break
        ln = raw[i + 1]
        body = raw[i + 2:i + ln]
        if kind == 2 and ln == 4:
            o["mss"] = struct.unpack("!H", body)[0]
        elif kind == 3 and ln == 3:
            o["wscale"] = body[0]
        elif kind == 4 and ln == 2:
            o["sackOK"] = 1
        elif kind == 5 and ln >= 10 and (ln - 2) % 8 == 0:
            o["sack"] = [struct.unpack("!II", body[j:j + 8])
                         for j in range(0, ln - 2, 8)]
        elif kind == 8 and ln == 10:
            o["tsval"], o["tsecr"] = struct.unpack("!II", body)
        else:
            o["opt%d" % kind] = body.hex()
        i += ln
    return o


def decode(frame, t, outgoing):
    if len(frame) < 14:
        return None
    etype, l3 = struct.unpack("!H", frame[12:14])[0], frame[14:]
    if etype == 0x0800 and len(l3) >= 20:
        ihl = (l3[0] & 0xf) * 4
        proto = l3[9]
        tot = struct.unpack("!H", l3[2:4])[0]
        src = socket.inet_ntop(socket.AF_INET, l3[12:16])
        dst = socket.inet_ntop(socket.AF_INET, l3[16:20])
        l4, fam = l3[ihl:tot], 4
    elif etype == 0x86dd and len(l3) >= 40:
        proto = l3[6]
        plen = struct.unpack("!H", l3[4:6])[0]
        src = socket.inet_ntop(socket.AF_INET6, l3[8:24])
        dst = socket.inet_ntop(socket.AF_INET6, l3[24:40])
        l4, fam = l3[40:40 + plen], 6
    else:
        return None
    if proto not in (6, ATCP) or len(l4) < 20:
        return None
    s = Seg()
    (s.sport, s.dport, s.seq, s.ack, off, s.flags, s.win) = struct.unpack(
        "!HHIIBBH", l4[:16])
    s.urp = struct.unpack("!H", l4[18:20])[0]
    doff = (off >> 4) * 4
    s.opts = parse_opts(l4[20:doff]) if doff > 20 else {}
    s.len = len(l4) - doff
    s.t, s.fam, s.proto, s.src, s.dst, s.out = t, fam, proto, src, dst, \
        outgoing
    return s


class Capture:
    """Frames of DEV in namespace NS, from now until stop()."""

    def __init__(self, ns, dev, pcap=None):
        with netns(ns):
            self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                      socket.htons(0x0003))
        self.sock.bind((dev, 0x0003))
        self.dev = dev
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.sock.settimeout(0.2)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.frames = []		# (t, frame, outgoing)
        self.segs = []
        self.pcap = pcap
        self.lock = threading.Lock()
        self.running = True
        self.th = threading.Thread(target=self._run, daemon=True)
        self.th.start()

    def _run(self):
        so_ts = SO_TIMESTAMPNS
        while self.running:
            try:
                data, anc, _, addr = self.sock.recvmsg(65536, 64)
            except socket.timeout:
                continue
            except OSError:
                break
            now = time.time()
            t = now
            for lvl, typ, cdata in anc:
                if lvl == socket.SOL_SOCKET and typ == so_ts and \
                        len(cdata) >= 16:
                    sec, nsec = struct.unpack("=qq", cdata[:16])
                    kt = sec + nsec / 1e9
                    if abs(kt - now) < 2.0:
                        t = kt
            if addr[0] != self.dev:
                continue
            outgoing = addr[2] == socket.PACKET_OUTGOING
            seg = decode(data, t, outgoing)
            with self.lock:
                self.frames.append((t, data, outgoing))
                if seg is not None:
                    self.segs.append(seg)

    def snapshot(self, pred=None):
        with self.lock:
            segs = list(self.segs)
        return [s for s in segs if pred is None or pred(s)]

    def wait(self, pred, count=1, timeout=10.0):
        """Wait until COUNT segments match PRED; return them (maybe fewer)."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.snapshot(pred)
            if len(got) >= count or time.monotonic() >= deadline:
                return got
            time.sleep(0.05)

    def stop(self):
        if not self.running:
            return
        self.running = False
        self.th.join(5)
        self.sock.close()
        if self.pcap:
            try:
                self.write_pcap(self.pcap)
            except OSError as e:
                diag("could not write %s: %s" % (self.pcap, e))

    def write_pcap(self, path):
        with self.lock:
            frames = list(self.frames)
        with open(path, "wb") as f:
            f.write(struct.pack("=IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
            for t, data, _ in frames:
                sec = int(t)
                f.write(struct.pack("=IIII", sec, int((t - sec) * 1e6),
                                    len(data), len(data)))
                f.write(data)


def conn_pred(a_port, b_port):
    """Segments between ports A and B, either direction."""
    return lambda s: {s.sport, s.dport} == {a_port, b_port}


def port_pred(port):
    return lambda s: port in (s.sport, s.dport)


def flow(segs, src_port):
    return [s for s in segs if s.sport == src_port]


def show(segs, limit=12):
    lines = [str(s) for s in segs[:limit]]
    if len(segs) > limit:
        lines.append("... %d more" % (len(segs) - limit))
    return lines or ["(no segments)"]


# ------------------------------------------------------------ tcp_info --

TCPI_FMT = "=8B24I4Q6IQ3Q2I2Q6I2HI"
TCPI_NAMES = (
    "state ca_state retransmits probes backoff options wscale applim "
    "rto ato snd_mss rcv_mss unacked sacked lost retrans fackets "
    "last_data_sent last_ack_sent last_data_recv last_ack_recv pmtu "
    "rcv_ssthresh rtt rttvar snd_ssthresh snd_cwnd advmss reordering "
    "rcv_rtt rcv_space total_retrans pacing_rate max_pacing_rate "
    "bytes_acked bytes_received segs_out segs_in notsent_bytes min_rtt "
    "data_segs_in data_segs_out delivery_rate busy_time rwnd_limited "
    "sndbuf_limited delivered delivered_ce bytes_sent bytes_retrans "
    "dsack_dups reord_seen rcv_ooopack snd_wnd rcv_wnd rehash total_rto "
    "total_rto_recoveries total_rto_time").split()


def tcp_info(s):
    """TCP_INFO of socket S as a dict (fields a kernel lacks are 0)."""
    size = struct.calcsize(TCPI_FMT)
    raw = s.getsockopt(SOL_TCP, TCP_INFO, size)
    raw = raw + b"\0" * (size - len(raw))
    d = dict(zip(TCPI_NAMES, struct.unpack(TCPI_FMT, raw)))
    d["_len"] = len(raw)
    return d


# ------------------------------------------------------ /proc/net/atcp --

def proc_sockets(procnet, fam):
    """(local port, remote port, state) of each line of PROCNET/atcp (fam
    4) or atcp6 (fam 6), the /proc/net/tcp format; None when the file does
    not exist (not implemented yet)."""
    path = "%s/atcp%s" % (procnet, "6" if fam == 6 else "")
    try:
        with open(path) as f:
            lines = f.read().split("\n")[1:]
    except FileNotFoundError:
        return None
    socks = []
    for line in lines:
        w = line.split()
        if len(w) < 4:
            continue
        socks.append((int(w[1].rsplit(":", 1)[1], 16),
                      int(w[2].rsplit(":", 1)[1], 16), int(w[3], 16)))
    return socks


def check_proc_state(procnet, fam, lport, rport, state, desc):
    """PASS when PROCNET/atcp[6] lists lport -> rport in STATE (the
    TCP_* number); SKIP when the file does not exist."""
    socks = proc_sockets(procnet, fam)
    if socks is None:
        skip(desc, "%s/atcp%s does not exist (not implemented yet)" % (
            procnet, "6" if fam == 6 else ""))
        return
    got = [s[2] for s in socks if s[0] == lport and s[1] == rport]
    result(got == [state], desc, "states listed for %d -> %d: %r" % (
        lport, rport, got), "all: %r" % socks[:20])
