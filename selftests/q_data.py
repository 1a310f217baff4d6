# SPDX-License-Identifier: GPL-2.0
"""Accept-queue overflow and SYN cookies with data, for
selftests/test_queues_data.sh (issue #3: what the handshake tests could not
check before ATCP carried data).

Run as: python3 -S q_data.py ns1=NS ns2=NS dev2=DEV stat1=PATH stat2=PATH
        flood=BINARY spoof=NET/LEN [flood_secs=12] capdir=DIR
Clients in ns1, listeners in ns2; the capture is on ns2's veth (an
AF_PACKET tap sees segments before tc ingress drops them).  ns2's veth
has a clsact qdisc for the drop filter below.

  overflow  net.atcp.abort_on_overflow=1, listen(0) (holds one child),
            IPv4 and IPv6: client B's SYN gets in while the queue is
            empty, but ns2 drops its final ACK and re-ACKs (a u32 filter:
            B's source port, the ACK bit, no payload); client A then
            connects and fills the queue.  B -- ESTABLISHED on its side --
            sends data: the ACK it carries completes the handshake into a
            full queue, ListenOverflows +1, the listener answers RST
            (SEQ = its ACK) and B's read fails with ECONNRESET.  A's
            connection is accepted and carries data.
  cookies   syncookies=2: a connection made through a cookie (IPv4 and
            IPv6) carries 256 KiB each way, SHA-256 checked: the window
            scale and SACK the cookie kept work.
  flood     syncookies=1, listen(128), max_syn_backlog 128, a SYN flood
            (selftests/synflood: spoofed sources, their SYN-ACKs
            blackholed in ns2): a legitimate client connects through a
            cookie while the flood runs, sends 256 KiB, reads back the
            listener's SHA-256 of it and 64 KiB of the listener's data
            with its SHA-256; everything matches.
"""

import errno
import hashlib
import os
import select
import socket
import subprocess
import sys
import threading
import time

from conn_lib import (ACK, ATCP, RST, Capture, args, asock, diag, errname,
                      guarded, netns, read_stat, result, show, stat_delta,
                      sysctl_set, tc)

o = args(sys.argv[1:])
NS1, NS2 = o["ns1"], o["ns2"]
DEV2 = o["dev2"]
STAT1, STAT2 = o["stat1"], o["stat2"]
IP = {4: ("10.0.1.1", "10.0.1.2"), 6: ("fd00::1", "fd00::2")}



def af(fam):
    return socket.AF_INET if fam == 4 else socket.AF_INET6


def listener(fam, port, backlog):
    ls = asock(NS2, af(fam))
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((IP[fam][1], port))
    ls.listen(backlog)
    return ls


def wait_mask(s, mask, timeout):
    p = select.poll()
    p.register(s, mask)
    r = p.poll(int(timeout * 1000))
    return r[0][1] if r else 0


# ------------------------------------------------------------ overflow --

def overflow(cap, fam, port, bport):
    v = "IPv%d" % fam
    ls = listener(fam, port, 0)
    ls.setblocking(False)
    # ns2 drops B's segments that carry the ACK bit and no data (52-byte
    # IPv4 packets, 32-byte IPv6 payloads: header and timestamps): its
    # SYN and its data pass, its final ACK and re-ACKs do not.
    off = 33 if fam == 4 else 53
    sp = 20 if fam == 4 else 40
    if fam == 4:
        m = "protocol ip u32 match ip protocol %d 0xff match u16 52 " \
            "0xffff at 2" % ATCP
    else:
        m = "protocol ipv6 u32 match ip6 protocol %d 0xff match u16 32 " \
            "0xffff at 4" % ATCP
    prio = 30 + fam
    ok, out = tc(NS2, "filter add dev %s ingress prio %d %s match u16 %d "
                 "0xffff at %d match u8 0x10 0x10 at %d action drop" %
                 (DEV2, prio, m, bport, sp, off))
    b = asock(NS1, af(fam))
    b.bind((IP[fam][0], bport))
    b.setblocking(False)
    b.connect_ex((IP[fam][1], port))
    mb = wait_mask(b, select.POLLOUT, 5)
    time.sleep(0.2)
    a = asock(NS1, af(fam))
    a.settimeout(5)
    aerr = 0
    try:
        a.connect((IP[fam][1], port))
    except OSError as e:
        aerr = e.errno
    time.sleep(0.3)
    full = wait_mask(ls, select.POLLIN, 1)
    result(ok and mb & select.POLLOUT and b.getsockopt(
        socket.SOL_SOCKET, socket.SO_ERROR) == 0 and aerr == 0 and full,
        "%s abort_on_overflow=1, listen(0): B's final ACK is dropped (B is "
        "ESTABLISHED on its side), A connects and fills the accept queue" % v,
        out, "B poll %#x; A connect: %s" % (mb, errname(aerr)))
    s0, c0 = read_stat(STAT2), read_stat(STAT1)
    t_send = time.time()
    b.setblocking(True)
    b.settimeout(5)
    serr = 0
    try:
        b.send(b"hello, are you there?")
    except OSError as e:
        serr = e.errno
    rerr = 0
    try:
        got = b.recv(100)
        rerr = "read %r" % got
    except OSError as e:
        rerr = e.errno
    time.sleep(0.2)
    s1, c1 = read_stat(STAT2), read_stat(STAT1)
    result(serr == 0 and rerr == errno.ECONNRESET,
           "%s B sends data; its read fails with ECONNRESET" % v,
           "send: %s, recv: %s" % (errname(serr) if serr else "ok",
                                    errname(rerr) if isinstance(rerr, int)
                                    else rerr))
    d = stat_delta(s0, s1, "ListenOverflows")
    dc = stat_delta(c0, c1, "EstabResets")
    result(d["ListenOverflows"] == 1 and dc["EstabResets"] == 1,
           "%s ListenOverflows +1 (listener), EstabResets +1 (client)" % v,
           "listener %r, client %r" % (d, dc))
    segs = cap.snapshot(lambda s: {s.sport, s.dport} == {port, bport} and
                        s.t >= t_send - 0.05)
    bs = [s for s in segs if s.sport == bport and s.flags & ACK]
    rs = [s for s in segs if s.sport == port and s.flags & RST]
    result(bs and bs[0].len and rs and rs[0].seq == bs[0].ack and
           rs[0].t >= bs[0].t,
           "%s capture: B's data segment is answered with RST, SEQ = its "
           "ACK" % v, *show(segs))
    tc(NS2, "filter del dev %s ingress prio %d" % (DEV2, prio))
    # A is fine.
    try:
        c, _ = ls.accept()
        c.setblocking(True)
        c.settimeout(5)
        a.sendall(b"A" * 1000)
        n = 0
        while n < 1000:
            n += len(c.recv(4096))
        c.close()
        result(n == 1000, "%s A is accepted and its data arrives" % v)
    except OSError as e:
        result(False, "%s A is accepted and its data arrives" % v, str(e))
    for x in (a, b, ls):
        x.close()


# ---------------------------------------------------- data over cookies --

def serve(ls, res, nbytes, reply):
    """Accept one connection, read NBYTES, send REPLY + their SHA-256."""
    try:
        ls.settimeout(15)
        c, _ = ls.accept()
        c.settimeout(30)
        h, n = hashlib.sha256(), 0
        while n < nbytes:
            b = c.recv(65536)
            if not b:
                break
            h.update(b)
            n += len(b)
        c.sendall(h.digest() + reply)
        res["n"] = n
        c.shutdown(socket.SHUT_WR)
        c.recv(1)
        c.close()
    except OSError as e:
        res["err"] = str(e)


def transfer(fam, port, timeout=10):
    """Client side of serve(); returns (connect result, seconds, check
    text or None when all matched)."""
    data = os.urandom(256 << 10)
    reply = os.urandom(64 << 10)
    ls = listener(fam, port, 128)
    res = {}
    th = threading.Thread(target=serve, args=(ls, res, len(data), reply))
    th.start()
    c = asock(NS1, af(fam))
    c.settimeout(timeout)
    t = time.time()
    try:
        c.connect((IP[fam][1], port))
        what = "connected"
    except OSError as e:
        what = errname(e.errno) if e.errno else "timeout"
    secs = time.time() - t
    why = None
    if what == "connected":
        try:
            c.settimeout(30)
            c.sendall(data)
            back = b""
            while True:
                b = c.recv(65536)
                if not b:
                    break
                back += b
            if back[:32] != hashlib.sha256(data).digest():
                why = "the listener's SHA-256 of our data differs"
            elif back[32:] != reply:
                why = "its %d bytes differ from the %d it sent" % (
                    len(back) - 32, len(reply))
        except OSError as e:
            why = "transfer: %s" % e
    c.close()
    th.join(40)
    ls.close()
    if "err" in res:
        why = (why or "") + " server: " + res["err"]
    return what, secs, why


def cookies():
    sysctl_set(NS2, "net.atcp.syncookies", 2)
    for fam, port in ((4, 9201), (6, 9202)):
        s0 = read_stat(STAT2)
        what, secs, why = transfer(fam, port)
        s1 = read_stat(STAT2)
        d = stat_delta(s0, s1, "SyncookiesRecv")
        result(what == "connected" and d["SyncookiesRecv"] == 1 and not why,
               "IPv%d syncookies=2: a connection made through a cookie "
               "carries 256 KiB up and 64 KiB down, SHA-256 verified" % fam,
               "connect: %s; %s; %r" % (what, why, d))
    sysctl_set(NS2, "net.atcp.syncookies", 1)


def flood(binary, spoof, secs):
    desc = "syncookies=1 under a SYN flood: a client connects, sends 256 " \
           "KiB and gets 64 KiB back, SHA-256 verified"
    if not binary or not os.access(binary, os.X_OK):
        result(False, desc, "no synflood binary")
        return
    sysctl_set(NS2, "net.atcp.syncookies", 1)
    sysctl_set(NS2, "net.atcp.max_syn_backlog", 128)
    # Spoofed sources arrive while their replies are blackholed.
    with netns(NS2):
        for d in os.listdir("/proc/sys/net/ipv4/conf"):
            with open("/proc/sys/net/ipv4/conf/%s/rp_filter" % d, "w") as f:
                f.write("0\n")
    port = 9301
    data = os.urandom(256 << 10)
    reply = os.urandom(64 << 10)
    ls = listener(4, port, 128)
    s0 = read_stat(STAT2)
    t0 = time.time()
    with netns(NS1):
        fl = subprocess.Popen([binary, "-d", IP[4][1], "-p", str(port),
                               "-s", spoof, "-P", str(ATCP), "-t", str(secs)],
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
    time.sleep(1.5)		# the SYN queue (128) fills within it
    s1 = read_stat(STAT2)
    res = {}
    th = threading.Thread(target=serve, args=(ls, res, len(data), reply))
    th.start()
    c = asock(NS1, socket.AF_INET)
    c.settimeout(10)
    t = time.time()
    what, why, csecs = "connected", None, None
    try:
        c.connect((IP[4][1], port))
        csecs = time.time() - t
        c.settimeout(30)
        c.sendall(data)
        back = b""
        while True:
            b = c.recv(65536)
            if not b:
                break
            back += b
        if back[:32] != hashlib.sha256(data).digest():
            why = "the listener's SHA-256 of our data differs"
        elif back[32:] != reply:
            why = "the %d bytes back differ from the %d sent" % (
                len(back) - 32, len(reply))
    except OSError as e:
        what = "connected" if csecs is not None else "connect failed"
        why = str(e)
    tsecs = time.time() - t
    c.close()
    th.join(40)
    s2 = read_stat(STAT2)
    running = fl.poll() is None
    if running:
        fl.kill()
    fout = fl.communicate()[0].decode().strip() or "(stopped early)"
    ls.close()
    dur = time.time() - t0
    names = ("InSegs", "SyncookiesSent", "SyncookiesRecv", "ListenDrops",
             "PassiveOpens")
    diag("flood: %s; listener namespace over %.1f s: %s" % (
        fout, dur, " ".join("%s=%+d" % kv for kv in sorted(
            stat_delta(s0, s2, *names).items()))))
    during = stat_delta(s1, s2, "SyncookiesSent", "SyncookiesRecv", "InSegs")
    result(running and during["InSegs"] >= 300,
           "the flood ran through the whole transfer (%d segments to the "
           "listener's namespace meanwhile, %.0f/s)" %
           (during["InSegs"], during["InSegs"] / max(tsecs, 0.1)),
           "flooder: %s" % fout)
    result(during["SyncookiesSent"] >= 100,
           "... and kept the SYN queue full: cookies answered it (+%d)" %
           during["SyncookiesSent"])
    result(what == "connected" and not why and "err" not in res and
           during["SyncookiesRecv"] >= 1,
           desc + " (connect %.1f s, all %.1f s)" % (csecs or -1, tsecs),
           "%s; %s; server: %r; counters %r" % (what, why, res, during))


cap = Capture(NS2, DEV2, pcap=o["capdir"] + "/queues_data.pcap")
sysctl_set(NS2, "net.atcp.abort_on_overflow", 1)
sysctl_set(NS2, "net.ipv4.tcp_abort_on_overflow", 0)
with guarded("IPv4 overflow"):
    overflow(cap, 4, 9101, 40101)
with guarded("IPv6 overflow"):
    overflow(cap, 6, 9102, 40102)
sysctl_set(NS2, "net.atcp.abort_on_overflow", 0)
cap.stop()
with guarded("data over cookies"):
    cookies()
with guarded("SYN flood"):
    flood(o.get("flood"), o["spoof"], float(o.get("flood_secs", "40")))
