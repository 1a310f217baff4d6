#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Packet and socket helpers for the ATCP selftests.

Run it as `python3 -S atcp_net.py CMD key=value...` (a key may repeat).
Standard library only, few imports and no argparse: in the emulated test
VM every exec costs about a second and every imported module more, so one
process does a whole batch of work.  Commands print plain results for the
shell, or check lines that selftests/lib.sh's tap_import turns into TAP:
"PASS desc", "FAIL desc" followed by reason lines, "SKIP desc # reason".

  hold fam=4 [fam=6]      open ATCP stream sockets, print "ready", keep
                          them open until stdin closes
  sockets                 create and close an AF_INET and an AF_INET6 one
  socket-checks           socket(2) / getsockopt checks
  cycles ko=PATH [n=10]   n x (load the module, open sockets, unload) with
                          finit_module/delete_module, no exec per step
  rst stat=PATH [own=PATH] v4=SRC,DST [v6=SRC,DST] [short6=1]
                          crafted segments to closed ports; checks answers
                          and the peer's /proc/net/atcp_stat (stat=,
                          /proc/PID/net/atcp_stat of a process in the peer)
  pcap FILE               decode a capture, one line per IP packet
  serve ready=F out=F listen=ADDR,PORT...
                          Linux TCP echo server, one connection per port
  client target=ADDR,PORT... [wait=F] [bytes=N]
                          send random bytes to each, read the echo back
  connect target=ADDR,PORT...
                          one Linux TCP connect() each; how it ended
"""

import errno
import os
import select
import socket
import struct
import sys
import time

ATCP = int(os.environ.get("ATCP_PROTO", "253"))
FIN, SYN, RST, PSH, ACK, URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
FLAG_NAMES = ((FIN, "F"), (SYN, "S"), (RST, "R"), (PSH, "P"), (ACK, "A"),
              (URG, "U"))


def out(*lines):
    for line in lines:
        print(line, flush=True)


def result(okay, desc, *why):
    out(("PASS " if okay else "FAIL ") + desc)
    if not okay:
        out(*why)
    return okay


def flag_str(flags):
    s = "".join(n for f, n in FLAG_NAMES if flags & f)
    return s or "."


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


# ------------------------------------------------------------ checksum --

def csum_add(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def pseudo_header(src, dst, length):
    """TCP's pseudo-header: protocol 6, whatever IP protocol carries it."""
    fam = family_of(src)
    if fam == socket.AF_INET:
        return (socket.inet_pton(fam, src) + socket.inet_pton(fam, dst) +
                struct.pack("!BBH", 0, 6, length))
    return (socket.inet_pton(fam, src) + socket.inet_pton(fam, dst) +
            struct.pack("!I3xB", length, 6))


def tcp_csum(src, dst, seg):
    return (~csum_add(pseudo_header(src, dst, len(seg)) + seg)) & 0xffff


def csum_ok(src, dst, seg):
    return csum_add(pseudo_header(src, dst, len(seg)) + seg) == 0xffff


def build(src, dst, sport, dport, seq, ack, flags, payload=b"", doff=5,
          window=65535, bad_csum=False, truncate=None):
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff,
                      ack & 0xffffffff, (doff & 0xf) << 4, flags, window, 0, 0)
    seg = hdr + payload
    c = tcp_csum(src, dst, seg)
    if bad_csum:
        c ^= 0x5a5a
    seg = seg[:16] + struct.pack("!H", c) + seg[18:]
    if truncate is not None:
        seg = seg[:truncate]
    return seg


def parse(seg):
    if len(seg) < 20:
        return None
    sport, dport, seq, ack, off, flags, win, csum, urg = struct.unpack(
        "!HHIIBBHHH", seg[:20])
    return {"sport": sport, "dport": dport, "seq": seq, "ack": ack,
            "doff": off >> 4, "flags": flags, "win": win, "csum": csum,
            "len": len(seg) - (off >> 4) * 4, "raw": seg}


def fmt(p):
    return ("%d > %d [%s] seq=%d ack=%d len=%d" %
            (p["sport"], p["dport"], flag_str(p["flags"]), p["seq"], p["ack"],
             p["len"]))


# --------------------------------------------------------- raw sockets --

class Raw:
    """Send and receive segments carried by IP protocol ATCP, unconnected."""

    def __init__(self, src, dst):
        self.src, self.dst = src, dst
        self.fam = family_of(src)
        self.sk = socket.socket(self.fam, socket.SOCK_RAW, ATCP)
        self.sk.bind((src, 0))
        self.received = []	# every segment from dst seen so far

    def send(self, seg):
        self.sk.sendto(seg, (self.dst, 0))

    def _recv_one(self, timeout):
        r, _, _ = select.select([self.sk], [], [], max(timeout, 0))
        if not r:
            return None
        data, addr = self.sk.recvfrom(65535)
        if self.fam == socket.AF_INET:
            ihl = (data[0] & 0xf) * 4
            src = socket.inet_ntop(socket.AF_INET, data[12:16])
            seg = data[ihl:]
        else:
            src, seg = addr[0], data
        if socket.inet_pton(self.fam, src) != socket.inet_pton(self.fam,
                                                               self.dst):
            return False
        p = parse(seg)
        if p is None:
            return False
        p["csum_ok"] = csum_ok(self.dst, self.src, seg)
        self.received.append(p)
        return p

    def wait(self, match, timeout):
        """Segments from dst until one satisfies match (returned) or timeout."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            p = self._recv_one(left)
            if p and match(p):
                return p

    def drain(self):
        while self._recv_one(0) is not None:
            pass


def read_stat(path):
    try:
        with open(path) as f:
            lines = [l.split() for l in f.read().splitlines() if l.strip()]
    except OSError as e:
        return {"__error__": str(e)}
    if len(lines) < 2 or lines[0][0] != "Atcp:" or lines[1][0] != "Atcp:":
        return {"__error__": "not in nstat format: %r" % lines}
    try:
        return dict(zip(lines[0][1:], map(int, lines[1][1:])))
    except ValueError as e:
        return {"__error__": str(e)}


# ---------------------------------------------------------- rst checks --

class RstChecks:
    def __init__(self, src, dst, stat, own_stat, base_port, timeout, short):
        self.src, self.dst = src, dst
        self.stat_path, self.own_stat = stat, own_stat
        self.raw = Raw(src, dst)
        self.v = "IPv6" if self.raw.fam == socket.AF_INET6 else "IPv4"
        self.port = base_port
        self.timeout = timeout
        self.short = short

    def next_ports(self):
        self.port += 1
        return 30000 + self.port % 20000, self.port

    def seg(self, sport, dport, seq, ack, flags, **kw):
        return build(self.src, self.dst, sport, dport, seq, ack, flags, **kw)

    def from_port(self, sport, dport):
        return lambda p: p["sport"] == dport and p["dport"] == sport

    def exchange(self, seg, sport, dport):
        """Send seg, return the first answer to it (or None)."""
        self.raw.drain()
        self.raw.send(seg)
        return self.raw.wait(self.from_port(sport, dport), self.timeout)

    def silent(self, seg, sport, dport):
        """Send seg, then a SYN to another closed port as a marker: the
        marker's RST arrives after any answer to seg would have.  Returns
        (answers to seg, marker answered?)."""
        self.raw.drain()
        before = len(self.raw.received)
        self.raw.send(seg)
        msport, mdport = self.next_ports()
        self.raw.send(self.seg(msport, mdport, 1000, 0, SYN))
        m = self.raw.wait(self.from_port(msport, mdport), self.timeout)
        if m:
            # Allow for reordering between CPUs on the veth backlog.
            self.raw.wait(lambda p: False, 0.3)
        answers = [p for p in self.raw.received[before:]
                   if p["sport"] == dport and p["dport"] == sport]
        return answers, m is not None

    def stat(self):
        return read_stat(self.stat_path)

    def delta(self, before, after, name):
        if "__error__" in before or "__error__" in after:
            return None
        if name not in before or name not in after:
            return None
        return after[name] - before[name]

    def check_silent(self, desc, seg, sport, dport):
        answers, marker = self.silent(seg, sport, dport)
        if not marker:
            return result(False, desc, "the marker SYN got no RST within %ss:"
                          " cannot tell" % self.timeout)
        return result(not answers, desc,
                      *["answered: " + fmt(p) for p in answers])

    def check_counter(self, desc, before, after, name, want, exact=True):
        d = self.delta(before, after, name)
        if d is None:
            return result(False, desc, "counter %s unreadable" % name,
                          "before: %r" % (before,), "after: %r" % (after,))
        good = d == want if exact else d >= want
        return result(good, desc, "%s went up by %d, expected %s%d" %
                      (name, d, "" if exact else ">= ", want))

    def run(self):
        v = self.v
        s0 = self.stat()
        if self.own_stat:
            own0 = read_stat(self.own_stat)
        valid = 0

        # SYN -> <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
        sp, dp = self.next_ports()
        isn = rand32()
        p = self.exchange(self.seg(sp, dp, isn, 0, SYN), sp, dp)
        valid += 1
        result(p is not None and p["flags"] == RST | ACK,
               "%s SYN to a closed port is answered with RST|ACK" % v,
               "answer: " + (fmt(p) if p else "none within %ss" % self.timeout))
        want = (isn + 1) & 0xffffffff
        result(p is not None and p["seq"] == 0 and p["ack"] == want,
               "%s RST to SYN has seq=0 ack=SYN.seq+1" % v,
               "answer: %s; wanted seq=0 ack=%d" % (fmt(p) if p else "none",
                                                    want))
        result(p is not None and p["csum_ok"],
               "%s RST carries a TCP checksum (pseudo-header protocol 6)" % v,
               "answer: %s csum=0x%04x" % (fmt(p), p["csum"]) if p else
               "no answer")
        result(p is not None and p["doff"] >= 5 and p["len"] == 0,
               "%s RST is a well-formed segment without payload" % v,
               "answer: %s doff=%d" % (fmt(p), p["doff"]) if p else
               "no answer")

        if not self.short:
            # SYN with data: ACK covers SYN and the data.
            sp, dp = self.next_ports()
            isn = rand32()
            p = self.exchange(self.seg(sp, dp, isn, 0, SYN, payload=b"hello"),
                              sp, dp)
            valid += 1
            want = (isn + 6) & 0xffffffff
            result(p is not None and p["flags"] == RST | ACK and
                   p["ack"] == want,
                   "%s RST to SYN with 5 data bytes acks SEG.SEQ+SEG.LEN" % v,
                   "answer: %s; wanted RST|ACK ack=%d" %
                   (fmt(p) if p else "none", want))

        # Segment with ACK -> <SEQ=SEG.ACK><CTL=RST>
        sp, dp = self.next_ports()
        a = rand32()
        p = self.exchange(self.seg(sp, dp, 12345, a, ACK), sp, dp)
        valid += 1
        result(p is not None and p["flags"] == RST and p["seq"] == a,
               "%s bare ACK to a closed port gets RST (no ACK) with seq=SEG.ACK"
               % v, "answer: %s; wanted [R] seq=%d" %
               (fmt(p) if p else "none", a))

        if not self.short:
            sp, dp = self.next_ports()
            self.check_silent("%s RST to a closed port is not answered" % v,
                              self.seg(sp, dp, 777, 0, RST), sp, dp)
            valid += 2
            sp, dp = self.next_ports()
            self.check_silent("%s RST|ACK to a closed port is not answered" % v,
                              self.seg(sp, dp, 777, 888, RST | ACK), sp, dp)
            valid += 2

        # Bad checksum: dropped silently, InErrs and InCsumErrors.
        b = self.stat()
        sp, dp = self.next_ports()
        self.check_silent("%s SYN with a bad checksum is not answered" % v,
                          self.seg(sp, dp, 4242, 0, SYN, bad_csum=True),
                          sp, dp)
        valid += 1
        c = self.stat()
        self.check_counter("%s bad checksum counts InCsumErrors" % v,
                           b, c, "InCsumErrors", 1)
        self.check_counter("%s bad checksum counts InErrs" % v,
                           b, c, "InErrs", 1)

        if not self.short:
            # A checksum that is right for pseudo-header protocol 253 but
            # wrong for protocol 6 must be rejected too.
            sp, dp = self.next_ports()
            seg = self.seg(sp, dp, 4343, 0, SYN)
            ph = bytearray(pseudo_header(self.src, self.dst, len(seg)))
            ph[-1] = ATCP
            wrong = bytearray(seg)
            wrong[16:18] = b"\0\0"
            wrong[16:18] = struct.pack("!H", (~csum_add(bytes(ph) +
                                                         bytes(wrong))) & 0xffff)
            b = self.stat()
            self.check_silent("%s checksum over pseudo-header protocol %d "
                              "(not 6) is rejected" % (v, ATCP),
                              bytes(wrong), sp, dp)
            valid += 1
            c = self.stat()
            self.check_counter("%s ... and counted in InCsumErrors" % v,
                               b, c, "InCsumErrors", 1)

            # Data offset below 5 words.
            b = self.stat()
            sp, dp = self.next_ports()
            self.check_silent("%s data offset 4 is not answered" % v,
                              self.seg(sp, dp, 1, 0, SYN, doff=4,
                                       payload=b"x" * 8), sp, dp)
            valid += 1
            c = self.stat()
            self.check_counter("%s data offset 4 counts InErrs" % v,
                               b, c, "InErrs", 1)

            # Data offset beyond the end of the segment.
            b = self.stat()
            sp, dp = self.next_ports()
            self.check_silent("%s data offset past the segment end is not "
                              "answered" % v,
                              self.seg(sp, dp, 1, 0, SYN, doff=15), sp, dp)
            valid += 1
            c = self.stat()
            self.check_counter("%s data offset past the segment end counts "
                               "InErrs" % v, b, c, "InErrs", 1)

            # Truncated header: 12 bytes of IP payload.
            b = self.stat()
            sp, dp = self.next_ports()
            self.check_silent("%s truncated header (12 bytes) is not answered"
                              % v, self.seg(sp, dp, 1, 0, SYN, truncate=12),
                              sp, dp)
            valid += 1
            c = self.stat()
            self.check_counter("%s truncated header counts InErrs" % v,
                               b, c, "InErrs", 1)

        self.raw.wait(lambda p: False, 0.2)
        s1 = self.stat()
        rsts = sum(1 for p in self.raw.received if p["flags"] & RST)
        self.check_counter("%s OutRsts counts every RST sent (%d)" %
                           (v, rsts), s0, s1, "OutRsts", rsts)
        self.check_counter("%s InSegs counts received segments" % v,
                           s0, s1, "InSegs", valid, exact=False)
        if self.own_stat:
            own1 = read_stat(self.own_stat)
            d = [n for n in ("InErrs", "InCsumErrors", "OutRsts")
                 if self.delta(own0, own1, n) != 0]
            result(not d, "%s counters of the sending namespace did not move"
                   % v, "changed or unreadable: " + " ".join(d),
                   repr(own0), repr(own1))


def rand32():
    return int.from_bytes(os.urandom(4), "big")


def cmd_rst(o):
    base = int(opt(o, "base", "100"))
    timeout = float(opt(o, "timeout", "5"))
    for i, key in enumerate(("v4", "v6")):
        if key not in o:
            continue
        src, dst = opt(o, key).split(",")
        RstChecks(src, dst, opt(o, "stat"), opt(o, "own"), base + 100 * i,
                  timeout, opt(o, "short" + key[1]) == "1").run()


# ------------------------------------------------------- socket checks --

def cmd_socket_checks(o):
    fams = ((socket.AF_INET, "AF_INET"), (socket.AF_INET6, "AF_INET6"))
    for fam, name in fams:
        try:
            s = socket.socket(fam, socket.SOCK_STREAM, ATCP)
        except OSError as e:
            result(False, "socket(%s, SOCK_STREAM, %d) succeeds" % (name, ATCP),
                   "failed: %s" % e)
            for what in ("SO_PROTOCOL", "SO_TYPE", "SO_DOMAIN"):
                result(False, "%s getsockopt(%s)" % (name, what), "no socket")
            continue
        result(True, "socket(%s, SOCK_STREAM, %d) succeeds" % (name, ATCP))
        with s:
            for what, opt_, want in (
                    ("SO_PROTOCOL", socket.SO_PROTOCOL, ATCP),
                    ("SO_TYPE", socket.SO_TYPE, socket.SOCK_STREAM),
                    ("SO_DOMAIN", socket.SO_DOMAIN, fam)):
                try:
                    got = s.getsockopt(socket.SOL_SOCKET, opt_)
                except OSError as e:
                    got = e
                result(got == want, "%s getsockopt(%s) is %d" %
                       (name, what, int(want)), "got %r" % (got,))
    for fam, name in fams:
        for typ, tname in ((socket.SOCK_DGRAM, "SOCK_DGRAM"),
                           (socket.SOCK_SEQPACKET, "SOCK_SEQPACKET")):
            desc = ("socket(%s, %s, %d) fails with EPROTONOSUPPORT or "
                    "ESOCKTNOSUPPORT" % (name, tname, ATCP))
            try:
                s = socket.socket(fam, typ, ATCP)
                s.close()
                result(False, desc, "it succeeded")
            except OSError as e:
                result(e.errno in (errno.EPROTONOSUPPORT,
                                   errno.ESOCKTNOSUPPORT), desc,
                       "failed with %s" % e)


def open_close_sockets():
    for fam in (socket.AF_INET, socket.AF_INET6):
        socket.socket(fam, socket.SOCK_STREAM, ATCP).close()


def cmd_sockets(o):
    open_close_sockets()


def cmd_hold(o):
    socks = []
    for f in o.get("fam", ["4"]):
        fam = socket.AF_INET6 if f == "6" else socket.AF_INET
        socks.append(socket.socket(fam, socket.SOCK_STREAM, ATCP))
    out("ready")
    sys.stdin.read()
    for s in socks:
        s.close()
    out("closed")


# ------------------------------------------------------- module cycles --

def cmd_cycles(o):
    """Load/unload the module n times by system call (no insmod/rmmod
    exec per step, which costs seconds in the emulated VM)."""
    import ctypes
    ko, n = opt(o, "ko"), int(opt(o, "n", "10"))
    desc = "%d load/socket/unload cycles" % n
    if os.uname().machine != "x86_64":
        out("SKIP %s # system call numbers known for x86_64 only" % desc)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    SYS_delete_module, SYS_finit_module = 176, 313
    errors = []

    def unload():
        deadline = time.monotonic() + 10
        while True:
            if libc.syscall(SYS_delete_module, b"atcp", os.O_NONBLOCK) == 0:
                return True
            e = ctypes.get_errno()
            if e != errno.EBUSY or time.monotonic() > deadline:
                errors.append("cycle %d: delete_module: %s" %
                              (i, os.strerror(e)))
                return False
            time.sleep(0.05)

    for i in range(1, n + 1):
        fd = os.open(ko, os.O_RDONLY)
        r = libc.syscall(SYS_finit_module, fd, b"", 0)
        e = ctypes.get_errno()
        os.close(fd)
        if r != 0:
            errors.append("cycle %d: finit_module: %s" % (i, os.strerror(e)))
            break
        try:
            open_close_sockets()
        except OSError as e:
            errors.append("cycle %d: socket: %s" % (i, e))
        if not unload():
            break
    result(not errors, desc, *errors)


# ---------------------------------------------------------------- pcap --

def cmd_pcap(o):
    path = o[""][0]
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        sys.exit("pcap: %s: not a pcap file" % path)
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0xffff
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if linktype == 1:		# Ethernet
            if len(pkt) < 14:
                continue
            etype, l3 = struct.unpack("!H", pkt[12:14])[0], pkt[14:]
            while etype in (0x8100, 0x88a8) and len(l3) >= 4:
                etype, l3 = struct.unpack("!H", l3[2:4])[0], l3[4:]
        elif linktype == 113:		# Linux cooked
            etype, l3 = struct.unpack("!H", pkt[14:16])[0], pkt[16:]
        elif linktype == 276:		# Linux cooked v2
            etype, l3 = struct.unpack("!H", pkt[0:2])[0], pkt[20:]
        elif linktype == 101:		# raw IP
            etype = 0x86dd if pkt[:1] and pkt[0] >> 4 == 6 else 0x0800
            l3 = pkt
        else:
            continue
        if etype == 0x0800 and len(l3) >= 20:
            fam, ihl = "ipv4", (l3[0] & 0xf) * 4
            proto = l3[9]
            tot = struct.unpack("!H", l3[2:4])[0]
            src = socket.inet_ntop(socket.AF_INET, l3[12:16])
            dst = socket.inet_ntop(socket.AF_INET, l3[16:20])
            l4 = l3[ihl:tot]
        elif etype == 0x86dd and len(l3) >= 40:
            fam, proto = "ipv6", l3[6]
            plen = struct.unpack("!H", l3[4:6])[0]
            src = socket.inet_ntop(socket.AF_INET6, l3[8:24])
            dst = socket.inet_ntop(socket.AF_INET6, l3[24:40])
            l4 = l3[40:40 + plen]
        else:
            continue
        p = parse(l4) if proto in (6, ATCP) else None
        if p is None:
            print(fam, proto, src, dst)
            continue
        print(fam, proto, src, dst, p["sport"], p["dport"],
              flag_str(p["flags"]), p["seq"], p["ack"], p["len"],
              "csum-ok" if csum_ok(src, dst, l4) else "csum-bad")


# ------------------------------------------------------------- interop --

def targets(o, key):
    for t in o.get(key, []):
        addr, port = t.rsplit(",", 1)
        yield addr, int(port)


def cmd_serve(o):
    """Echo server: one connection per listener; writes "PORT SHA LEN" per
    connection to out= once all are done."""
    import hashlib
    import threading
    timeout = float(opt(o, "timeout", "40"))
    listeners = []
    for addr, port in targets(o, "listen"):
        ls = socket.socket(family_of(addr), socket.SOCK_STREAM,
                           int(opt(o, "proto", "0")))
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((addr, port))
        ls.listen(8)
        ls.settimeout(timeout)
        listeners.append((port, ls))
    ready = opt(o, "ready")
    with open(ready + ".tmp", "w") as f:
        f.write("ready\n")
    os.rename(ready + ".tmp", ready)
    results = {}

    def one(port, ls):
        try:
            c, _ = ls.accept()
            c.settimeout(timeout)
            h, chunks = hashlib.sha256(), []
            while True:
                b = c.recv(1 << 16)
                if not b:
                    break
                h.update(b)
                chunks.append(b)
            c.sendall(b"".join(chunks))
            c.close()
            results[port] = "%s %d" % (h.hexdigest(), sum(map(len, chunks)))
        except OSError as e:
            results[port] = "error %s" % e
        ls.close()

    threads = [threading.Thread(target=one, args=l) for l in listeners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open(opt(o, "out"), "w") as f:
        for port, _ in listeners:
            f.write("%d %s\n" % (port, results.get(port, "error none")))


def cmd_client(o):
    """For each target: send random bytes, read the echo; prints
    "PORT SENT-SHA LEN BACK-SHA LEN" (or "PORT error ...")."""
    import hashlib
    timeout = float(opt(o, "timeout", "40"))
    wait = opt(o, "wait")
    if wait:
        deadline = time.monotonic() + timeout
        while not os.path.exists(wait) and time.monotonic() < deadline:
            time.sleep(0.05)
    for addr, port in targets(o, "target"):
        data = os.urandom(int(opt(o, "bytes", str(1 << 20))))
        try:
            s = socket.socket(family_of(addr), socket.SOCK_STREAM,
                              int(opt(o, "proto", "0")))
            s.settimeout(timeout)
            s.connect((addr, port))
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            h, n = hashlib.sha256(), 0
            while True:
                b = s.recv(1 << 16)
                if not b:
                    break
                h.update(b)
                n += len(b)
            s.close()
            out("%d %s %d %s %d" % (port, hashlib.sha256(data).hexdigest(),
                                    len(data), h.hexdigest(), n))
        except OSError as e:
            out("%d error %s" % (port, e))


def cmd_connect(o):
    """One connect() per target; prints "PORT RESULT SECONDS", RESULT being
    connected, timeout or an errno name."""
    timeout = float(opt(o, "timeout", "30"))
    for addr, port in targets(o, "target"):
        s = socket.socket(family_of(addr), socket.SOCK_STREAM,
                          int(opt(o, "proto", "0")))
        s.settimeout(timeout)
        t = time.monotonic()
        try:
            s.connect((addr, port))
            what = "connected"
        except socket.timeout:
            what = "timeout"
        except OSError as e:
            what = errno.errorcode.get(e.errno, str(e.errno))
        out("%d %s %.3f" % (port, what, time.monotonic() - t))
        s.close()


def opt(o, key, default=None):
    v = o.get(key)
    return v[-1] if v else default


COMMANDS = {
    "hold": cmd_hold, "sockets": cmd_sockets,
    "socket-checks": cmd_socket_checks, "cycles": cmd_cycles,
    "rst": cmd_rst, "pcap": cmd_pcap, "serve": cmd_serve,
    "client": cmd_client, "connect": cmd_connect,
}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    o = {}
    for a in sys.argv[2:]:
        k, eq, v = a.partition("=")
        if eq:
            o.setdefault(k, []).append(v)
        else:
            o.setdefault("", []).append(a)
    COMMANDS[sys.argv[1]](o)


if __name__ == "__main__":
    main()
