# SPDX-License-Identifier: GPL-2.0
"""Shared helpers of the queue / handshake selftests (q_*.py).

Imported by q_synq.py, q_acceptq.py, q_cookies.py and q_interop.py; not run
by itself.  Standard library only (they run under `python3 -S` in the
emulated VM, where every import costs).

  netns(name)       context manager: the calling thread enters network
                    namespace /run/netns/NAME (setns(2)), and leaves it on
                    exit.  Sockets keep the namespace they were created in,
                    so one process can hold a listener in ns2 and clients
                    in ns1 without any inter-process coordination.
  sysctl(path, v)   write /proc/sys/PATH in the current namespace
  Stat(path)        an /proc/net/atcp_stat reader with snapshots / deltas
  pcap(path)        the packets of a capture with their time stamps and
                    decoded TCP options (ATCP and TCP alike)
  build_syn(...)    a SYN with options (MSS, window scale, SACK-permitted,
                    timestamps), checksum over pseudo-header protocol 6
  Sniffer(ifname)   AF_PACKET receiver: sees what arrives on a device even
                    when a tc ingress filter drops it afterwards
  spoof_sender()    IP_HDRINCL raw socket for segments with any source
"""

import os
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import atcp_net  # noqa: E402
# Re-exported for the q_*.py scripts.
from atcp_net import (ATCP, SYN, ACK, RST, FIN, out, result,  # noqa: E402,F401
                      tcp_csum, csum_add, family_of, flag_str, read_stat)

__all__ = ["ATCP", "SYN", "ACK", "RST", "FIN", "out", "result", "netns",
           "sysctl", "sysctl_get", "Stat", "Pkt", "parse_opts", "decode_l3",
           "pcap", "build_seg", "ipv4_packet", "RawSender", "Sniffer",
           "opt_of", "args", "kmsg"]

CLONE_NEWNET = 0x40000000
_libc = None
_home_ns = None


def _setns(fd):
    global _libc
    if _libc is None:
        import ctypes
        _libc = ctypes.CDLL(None, use_errno=True)
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        import ctypes
        e = ctypes.get_errno()
        raise OSError(e, "setns: " + os.strerror(e))


class netns:
    """with netns("ns2"): sockets created here live in ns2."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        global _home_ns
        if _home_ns is None:
            _home_ns = os.open("/proc/self/ns/net", os.O_RDONLY)
        self.prev = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        fd = os.open("/run/netns/" + self.name, os.O_RDONLY)
        try:
            _setns(fd)
        finally:
            os.close(fd)
        return self

    def __exit__(self, *exc):
        try:
            _setns(self.prev)
        finally:
            os.close(self.prev)
        return False


def sysctl(path, value):
    """Write /proc/sys/PATH (dots or slashes) in the current namespace."""
    with open("/proc/sys/" + path.replace(".", "/"), "w") as f:
        f.write("%s\n" % value)


def sysctl_get(path):
    with open("/proc/sys/" + path.replace(".", "/")) as f:
        return f.read().strip()


class Stat:
    """Counters of one namespace's /proc/net/atcp_stat (path given, e.g.
    /proc/PID/net/atcp_stat of a process in that namespace)."""

    def __init__(self, path):
        self.path = path

    def snap(self):
        s = read_stat(self.path)
        if "__error__" in s:
            raise OSError("cannot read %s: %s" % (self.path, s["__error__"]))
        return s

    @staticmethod
    def delta(a, b, name):
        return b.get(name, 0) - a.get(name, 0)

    @staticmethod
    def deltas(a, b, names=None):
        names = names or sorted(b)
        return " ".join("%s=%+d" % (n, b.get(n, 0) - a.get(n, 0))
                        for n in names if b.get(n, 0) != a.get(n, 0))


# ---------------------------------------------------------------- pcap --

class Pkt:
    __slots__ = ("ts", "fam", "proto", "src", "dst", "sport", "dport",
                 "flags", "seq", "ack", "win", "len", "opts", "csum_ok")

    def __str__(self):
        o = " ".join("%s=%s" % kv for kv in sorted(self.opts.items()))
        return "%.6f %s %d %s.%d > %s.%d [%s] seq=%d ack=%d win=%d len=%d%s" % (
            self.ts, self.fam, self.proto, self.src, self.sport, self.dst,
            self.dport, flag_str(self.flags), self.seq, self.ack, self.win,
            self.len, " " + o if o else "")


def parse_opts(seg, doff):
    """TCP options of a segment: mss, wscale, sackok, tsval/tsecr, sack
    (a tuple of (left, right) edges)."""
    o = {}
    opts = seg[20:doff * 4]
    i = 0
    while i < len(opts):
        kind = opts[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        if i + 1 >= len(opts):
            break
        ln = opts[i + 1]
        if ln < 2 or i + ln > len(opts):
            break
        body = opts[i + 2:i + ln]
        if kind == 2 and ln == 4:
            o["mss"] = struct.unpack("!H", body)[0]
        elif kind == 3 and ln == 3:
            o["wscale"] = body[0]
        elif kind == 4 and ln == 2:
            o["sackok"] = 1
        elif kind == 8 and ln == 10:
            o["tsval"], o["tsecr"] = struct.unpack("!II", body)
        elif kind == 5 and ln >= 10 and (ln - 2) % 8 == 0:
            o["sack"] = tuple(struct.unpack("!II", body[j:j + 8])
                              for j in range(0, ln - 2, 8))
        i += ln
    return o


def decode_l3(l3, ts=0.0):
    """A Pkt from an IPv4/IPv6 packet carrying TCP or ATCP, else None."""
    if len(l3) < 20:
        return None
    v = l3[0] >> 4
    if v == 4:
        ihl = (l3[0] & 0xf) * 4
        proto = l3[9]
        tot = struct.unpack("!H", l3[2:4])[0]
        src = socket.inet_ntop(socket.AF_INET, l3[12:16])
        dst = socket.inet_ntop(socket.AF_INET, l3[16:20])
        l4 = l3[ihl:tot]
        fam = "ipv4"
    elif v == 6 and len(l3) >= 40:
        proto = l3[6]
        plen = struct.unpack("!H", l3[4:6])[0]
        src = socket.inet_ntop(socket.AF_INET6, l3[8:24])
        dst = socket.inet_ntop(socket.AF_INET6, l3[24:40])
        l4 = l3[40:40 + plen]
        fam = "ipv6"
    else:
        return None
    if proto not in (6, ATCP) or len(l4) < 20:
        return None
    sport, dport, seq, ack, off, flags, win = struct.unpack(
        "!HHIIBBH", l4[:16])
    p = Pkt()
    p.ts, p.fam, p.proto, p.src, p.dst = ts, fam, proto, src, dst
    p.sport, p.dport, p.seq, p.ack, p.flags, p.win = (sport, dport, seq, ack,
                                                      flags, win)
    doff = off >> 4
    p.len = len(l4) - doff * 4
    p.opts = parse_opts(l4, doff) if doff > 5 else {}
    p.csum_ok = atcp_net.csum_ok(src, dst, l4)
    return p


def pcap(path):
    """Every TCP/ATCP packet of a capture, as Pkt, in capture order."""
    with open(path, "rb") as f:
        data = f.read()
    res = []
    if len(data) < 24:
        return res
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4"):
        frac = 1e-6
    elif magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d"):
        frac = 1e-9
    else:
        raise ValueError("%s: not a pcap file" % path)
    e = "<" if magic[0] in (0xd4, 0x4d) else ">"
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0xffff
    off = 24
    while off + 16 <= len(data):
        sec, sub, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if linktype == 1:
            etype, l3 = struct.unpack("!H", pkt[12:14])[0], pkt[14:]
        elif linktype == 113:
            etype, l3 = struct.unpack("!H", pkt[14:16])[0], pkt[16:]
        elif linktype == 276:
            etype, l3 = struct.unpack("!H", pkt[0:2])[0], pkt[20:]
        elif linktype == 101:
            etype, l3 = 0, pkt
        else:
            continue
        if etype not in (0, 0x0800, 0x86dd):
            continue
        p = decode_l3(l3, sec + sub * frac)
        if p is not None:
            res.append(p)
    return res


# ------------------------------------------------------------ segments --

def build_seg(src, dst, sport, dport, seq, ack, flags, mss=None, wscale=None,
              sackok=False, ts=None, window=65535, payload=b""):
    """A segment with options; checksum over pseudo-header protocol 6.
    ts is (tsval, tsecr) or None."""
    o = b""
    if mss is not None:
        o += struct.pack("!BBH", 2, 4, mss)
    if ts is not None:
        o += b"\x04\x02" if sackok else b"\x01\x01"
        o += struct.pack("!BBII", 8, 10, ts[0] & 0xffffffff,
                         ts[1] & 0xffffffff)
    elif sackok:
        o += b"\x01\x01\x04\x02"
    if wscale is not None:
        o += struct.pack("!BBBB", 1, 3, 3, wscale)
    while len(o) % 4:
        o += b"\x01"
    doff = 5 + len(o) // 4
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff,
                      ack & 0xffffffff, doff << 4, flags, window, 0, 0)
    seg = hdr + o + payload
    c = tcp_csum(src, dst, seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def ipv4_packet(src, dst, seg, proto=ATCP, ttl=64):
    tot = 20 + len(seg)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, tot, 0, 0x4000, ttl, proto, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    c = (~csum_add(hdr)) & 0xffff
    return hdr[:10] + struct.pack("!H", c) + hdr[12:] + seg


class RawSender:
    """Send ATCP segments from the namespace it was created in, any
    family; IPv4 with IP_HDRINCL, so the source address may be spoofed;
    IPv6 from the address the route picks (pass it as src all the same:
    it is in the checksum)."""

    def __init__(self):
        self.s4 = socket.socket(socket.AF_INET, socket.SOCK_RAW,
                                socket.IPPROTO_RAW)
        self.s4.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
        self.s6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, ATCP)

    def send(self, src, dst, seg):
        if family_of(dst) == socket.AF_INET:
            self.s4.sendto(ipv4_packet(src, dst, seg), (dst, 0))
        else:
            self.s6.sendto(seg, (dst, 0))


class Sniffer:
    """AF_PACKET capture of one device in the current namespace: packet
    taps run before tc ingress, so it sees segments a tc filter drops."""

    def __init__(self, ifname):
        self.sk = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                                socket.htons(3))  # ETH_P_ALL, no link header
        try:
            self.sk.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # RCVBUFFORCE
        except OSError:
            pass
        self.sk.bind((ifname, 0))
        self.pkts = []

    def poll(self, timeout):
        """Collect packets for up to timeout seconds; returns new ones."""
        new = []
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            r, _, _ = select.select([self.sk], [], [], max(left, 0))
            if not r:
                break
            while True:
                try:
                    data, addr = self.sk.recvfrom(65535, socket.MSG_DONTWAIT)
                except BlockingIOError:
                    break
                if addr[2] == 4:		# PACKET_OUTGOING
                    continue
                etype = addr[1]
                if etype not in (0x0800, 0x86dd):
                    continue
                p = decode_l3(data, time.time())
                if p is not None:
                    new.append(p)
            if left <= 0:
                break
        self.pkts.extend(new)
        return new


def opt_of(o, key, default=None):
    """The last value of key=value arguments (parsed into lists)."""
    v = o.get(key)
    return v[-1] if v else default


def args(argv):
    o = {}
    for a in argv:
        k, _, v = a.partition("=")
        o.setdefault(k, []).append(v)
    return o


def kmsg(text):
    try:
        with open("/dev/kmsg", "w") as f:
            f.write(text + "\n")
    except OSError:
        pass
