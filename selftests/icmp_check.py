#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""ICMP and ICMPv6 errors (module/icmp.c), for selftests/test_icmp.sh.

  unreach ns1=NS ns2=NS dev2=DEV ip1= ip2= ip6_1= ip6_2= stat1=PATH
        ns2 drops every ATCP segment (tc) but sees it on DEV (AF_PACKET
        taps come before tc ingress).  For each case ns1 starts a
        non-blocking connect(), and ns2 answers its SYN with an ICMP or
        ICMPv6 error quoting it, sent from a raw socket, as a host or
        router on the path would.
  pmtu ns1=NS ns2=NS dev1=DEV dst4= dst6= mtu=N capdir=DIR
        ns1 and ns2 are joined through a router namespace whose link to
        ns2 has MTU N: the router answers ns1's full-sized segments with
        "fragmentation needed" / "packet too big".  A bulk transfer each
        way must complete, with every segment sent once the error is in
        no larger than the new path allows.
"""

import hashlib
import os
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conn_lib import (SYN, Capture, args, asock, errname,  # noqa: E402
                      guarded, netns, out, read_stat, result, show,
                      sysctl_get, sysctl_set, wait_connected)

import errno  # noqa: E402

TCP_INFO = 11
PORT = 7100


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ip_packet(frame):
    """The IP packet of an Ethernet frame."""
    return frame[14:]


def syn_frame(cap, port, fam):
    """The raw frame of the first SYN to PORT seen by CAP."""
    got = cap.wait(lambda s: s.dport == port and s.flags & SYN and
                   s.fam == fam, 1, 5.0)
    if not got:
        return None
    t = got[0].t
    with cap.lock:
        for ft, data, _ in cap.frames:
            if ft == t:
                return data
    return None


def send_icmp4(ns, dst, typ, code, quote, info=0):
    """An ICMP error to DST quoting QUOTE (IP header + 8 bytes)."""
    body = struct.pack("!BBHI", typ, code, 0, info) + quote
    body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
    with netns(ns):
        r = socket.socket(socket.AF_INET, socket.SOCK_RAW,
                          socket.IPPROTO_ICMP)
    try:
        r.sendto(body, (dst, 0))
    finally:
        r.close()


def send_icmp6(ns, dst, typ, code, quote, info=0):
    """An ICMPv6 error (the kernel computes its checksum)."""
    body = struct.pack("!BBHI", typ, code, 0, info) + quote
    with netns(ns):
        r = socket.socket(socket.AF_INET6, socket.SOCK_RAW,
                          socket.IPPROTO_ICMPV6)
    try:
        r.sendto(body, (dst, 0))
    finally:
        r.close()


def quote4(pkt, seq_delta=0):
    ihl = (pkt[0] & 0xf) * 4
    q = bytearray(pkt[:ihl + 8])
    if seq_delta:
        seq = (struct.unpack("!I", q[ihl + 4:ihl + 8])[0] + seq_delta) % \
            (1 << 32)
        q[ihl + 4:ihl + 8] = struct.pack("!I", seq)
    return bytes(q)


def quote6(pkt):
    return bytes(pkt[:40 + 20])


# --------------------------------------------------------------- unreach --

def icmp_in(ns, fam):
    """ns's ICMP (or ICMPv6) input counters that are not zero."""
    with netns(ns):
        if fam == 4:
            with open("/proc/net/snmp") as f:
                lines = [x.split() for x in f if x.startswith("Icmp:")]
            c = dict(zip(lines[0][1:], lines[1][1:]))
        else:
            with open("/proc/net/snmp6") as f:
                c = dict(x.split() for x in f if x.startswith("Icmp6In"))
    return {k: int(v) for k, v in c.items() if k.startswith(("In", "Icmp6In"))
            and int(v)}


def unreach_case(o, cap, port, fam, desc, send, want, soft=False):
    ip2 = o["ip2"] if fam == 4 else o["ip6_2"]
    before = icmp_in(o["ns1"], fam)
    fails0 = read_stat(o["stat1"])["AttemptFails"]
    s = asock(o["ns1"], fam, nonblock=True)
    try:
        rc = s.connect_ex((ip2, port))
        if rc != errno.EINPROGRESS:
            return result(False, desc, "connect: %s" % errname(rc))
        frame = syn_frame(cap, port, fam)
        if frame is None:
            return result(False, desc, "ns2 saw no SYN")
        send(ip_packet(frame))
        t_sent = time.monotonic()
        if soft:
            err, dt = wait_connected(s, 0.7)
            return result(err is None, desc + ": connect() still "
                          "in progress 0.7 s later (a soft error)",
                          "SO_ERROR %s after %.2f s" %
                          (errname(err) if err else err, dt))
        err, dt = wait_connected(s, 3)
        syns = cap.snapshot(lambda x: x.dport == port and x.flags & SYN)
        after = icmp_in(o["ns1"], fam)
        fails = read_stat(o["stat1"])["AttemptFails"] - fails0
        result(fails == 1, desc + ": counted in AttemptFails",
               "AttemptFails +%d" % fails)
        return result(err == want and time.monotonic() - t_sent < 0.9 and
                      len(syns) == 1,
                      desc + ": connect() fails with %s at once, after "
                      "one SYN" % errname(want),
                      "SO_ERROR %s after %.2f s, %d SYNs" %
                      (errname(err) if err is not None else "none (still "
                       "connecting)", dt, len(syns)),
                      "ns1 ICMP input counters moved: %s" %
                      {k: v - before.get(k, 0) for k, v in after.items()
                       if v != before.get(k, 0)}, *show(syns))
    finally:
        s.close()


def cmd_unreach(o):
    cap = Capture(o["ns2"], o["dev2"])
    ip1, ip6_1 = o["ip1"], o["ip6_1"]
    ns2 = o["ns2"]
    try:
        port = PORT
        cases = [
            (4, "IPv4, protocol unreachable (the peer has no ATCP)",
             lambda p: send_icmp4(ns2, ip1, 3, 2, quote4(p)),
             errno.ENOPROTOOPT),
            (4, "IPv4, port unreachable",
             lambda p: send_icmp4(ns2, ip1, 3, 3, quote4(p)),
             errno.ECONNREFUSED),
            (4, "IPv4, communication administratively prohibited (a "
             "firewall)",
             lambda p: send_icmp4(ns2, ip1, 3, 13, quote4(p)),
             errno.EHOSTUNREACH),
            (6, "IPv6, parameter problem: unknown next header (the peer "
             "has no ATCP)",
             lambda p: send_icmp6(ns2, ip6_1, 4, 1, quote6(p), 6),
             errno.EPROTO),
            (6, "IPv6, port unreachable",
             lambda p: send_icmp6(ns2, ip6_1, 1, 4, quote6(p)),
             errno.ECONNREFUSED),
        ]
        for fam, desc, send, want in cases:
            port += 1
            with guarded(desc):
                unreach_case(o, cap, port, fam, desc, send, want)

        port += 1
        with guarded("out-of-window ICMP"):
            unreach_case(o, cap, port, 4, "IPv4, port unreachable quoting "
                         "a sequence number not in flight (RFC 5927): "
                         "ignored", lambda p: send_icmp4(
                             ns2, ip1, 3, 3, quote4(p, seq_delta=1000)),
                         None, soft=True)

        port += 1
        with guarded("host unreachable"):
            unreach_case(o, cap, port, 4, "IPv4, host unreachable: a soft "
                         "error (RFC 1122 4.2.3.9)", lambda p: send_icmp4(
                             ns2, ip1, 3, 1, quote4(p)), None, soft=True)

        # A soft error is what a connection that then times out reports.
        port += 1
        desc = "IPv4, time exceeded during connect()"
        with guarded(desc):
            old = sysctl_get(o["ns1"], "net.atcp.syn_retries")
            sysctl_set(o["ns1"], "net.atcp.syn_retries", 1)
            s = asock(o["ns1"], 4, nonblock=True)
            try:
                s.connect_ex((o["ip2"], port))
                frame = syn_frame(cap, port, 4)
                if frame is None:
                    result(False, desc, "ns2 saw no SYN")
                else:
                    send_icmp4(ns2, ip1, 11, 0, quote4(ip_packet(frame)))
                    err, dt = wait_connected(s, 0.7)
                    result(err is None, desc + ": a soft error, the SYN "
                           "is retransmitted",
                           "SO_ERROR %s after %.2f s" % (err, dt))
                    err, dt = wait_connected(s, 8)
                    syns = cap.snapshot(lambda x: x.dport == port and
                                        x.flags & SYN)
                    result(err == errno.EHOSTUNREACH and len(syns) == 2,
                           desc + ": with syn_retries=1, connect() ends "
                           "after 2 SYNs with EHOSTUNREACH, not "
                           "ETIMEDOUT",
                           "SO_ERROR %s after %.2f s, %d SYNs" %
                           (errname(err) if err is not None else None, dt,
                            len(syns)))
            finally:
                s.close()
                sysctl_set(o["ns1"], "net.atcp.syn_retries", old)
    finally:
        cap.stop()


# ------------------------------------------------------------------ pmtu --

def icmp_times(cap, fam):
    """Receive times of "fragmentation needed" / "packet too big"."""
    t = []
    with cap.lock:
        frames = list(cap.frames)
    for ft, data, outgoing in frames:
        if outgoing or len(data) < 14 + 48:
            continue
        etype = struct.unpack("!H", data[12:14])[0]
        ip = data[14:]
        if fam == 4 and etype == 0x0800 and ip[9] == 1:
            ihl = (ip[0] & 0xf) * 4
            if ip[ihl] == 3 and ip[ihl + 1] == 4:
                t.append(ft)
        elif fam == 6 and etype == 0x86dd and ip[6] == 58 and ip[40] == 2:
            t.append(ft)
    return t


def bulk(o, fam, dst, nbytes):
    """Client in ns1 sends NBYTES to a server in ns2, which answers with
    their SHA-256: (ok, client socket info, why)."""
    data = os.urandom(nbytes)
    ls = asock(o["ns2"], fam)
    ls.bind(("::" if fam == 6 else "0.0.0.0", 0))
    ls.listen(1)
    port = ls.getsockname()[1]
    res = {}

    def serve():
        try:
            a, _ = ls.accept()
            a.settimeout(60)
            h, n = hashlib.sha256(), 0
            while n < nbytes:
                b = a.recv(65536)
                if not b:
                    break
                h.update(b)
                n += len(b)
            a.sendall(h.digest())
            a.close()
            res["n"] = n
        except OSError as e:
            res["err"] = errname(e.errno)

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    c = asock(o["ns1"], fam)
    c.settimeout(60)
    t0 = time.monotonic()
    try:
        c.connect((dst, port))
        c.sendall(data)
        digest = b""
        while len(digest) < 32:
            b = c.recv(32 - len(digest))
            if not b:
                break
            digest += b
        info = c.getsockopt(socket.IPPROTO_TCP, TCP_INFO, 104)
    except OSError as e:
        c.close()
        ls.close()
        return False, None, port, "client: %s after %.1f s" % (
            errname(e.errno), time.monotonic() - t0)
    th.join(10)
    c.close()
    ls.close()
    ok = digest == hashlib.sha256(data).digest()
    return ok, info, port, "%d bytes in %.1f s, server %s" % (
        nbytes, time.monotonic() - t0, res)


def cmd_pmtu(o):
    mtu = int(o["mtu"])
    for fam, dst in ((4, o["dst4"]), (6, o["dst6"])):
        hdr = 20 if fam == 4 else 40
        mss = mtu - hdr - 20 - 12		# timestamps on every segment
        name = "IPv%d" % fam
        cap = Capture(o["ns1"], o["dev1"],
                      os.path.join(o["capdir"], "pmtu%d.pcap" % fam))
        desc = "%s through a %d-byte MTU link: 512 KiB arrive intact" % (
            name, mtu)
        with guarded(desc):
            ok, info, port, why = bulk(o, fam, dst, 512 * 1024)
            cap.stop()
            result(ok, desc + " (the router's ICMP errors are acted on)",
                   why)
            icmps = icmp_times(cap, fam)
            segs = cap.snapshot(lambda s: s.out and s.len and
                                s.dport == port)
            big = max((s.len for s in segs), default=0)
            result(icmps and big > mss, "%s: full-sized segments (%d "
                   "bytes) drew %s from the router" % (
                       name, big, "fragmentation needed" if fam == 4
                       else "packet too big"),
                   "%d ICMP errors seen" % len(icmps))
            if icmps:
                # The first segment of exactly the new MSS is cut at it:
                # from then on nothing may be larger.  (Until then, the
                # error may wait for the socket's owner to release it.)
                cut = [i for i, s in enumerate(segs) if s.len == mss and
                       s.t > icmps[0]]
                late = [s for s in segs[cut[0]:] if s.len > mss] if cut \
                    else []
                result(cut and not late, "%s: once the error is taken, "
                       "every segment carries at most %d bytes" % (name, mss),
                       "%d segments from the first of %d bytes (%.3f s "
                       "after the error), %d too large" % (
                           len(segs) - cut[0], mss,
                           segs[cut[0]].t - icmps[0], len(late)) if cut
                       else "no segment of %d bytes after the error" % mss,
                       *show(late[:5]))
            if info:
                snd_mss = struct.unpack_from("=I", info, 16)[0]
                pmtu = struct.unpack_from("=I", info, 60)[0]
                result(snd_mss == mss and pmtu == mtu, "%s: TCP_INFO "
                       "shows the new path: snd_mss %d, pmtu %d" %
                       (name, mss, mtu), "snd_mss %d, pmtu %d" %
                       (snd_mss, pmtu))


def main():
    o = args(sys.argv[2:])
    {"unreach": cmd_unreach, "pmtu": cmd_pmtu}[sys.argv[1]](o)
    out("end")


if __name__ == "__main__":
    main()
