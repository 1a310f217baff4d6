#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""SYN cookie driver and capture analysis for selftests/test_syncookies.sh.

One process holds the listeners (ns2), the raw peer and the clients (ns1),
and starts the flooder in ns1 (a child forked while the process is in ns1
lives there).  ns1's own ATCP would answer the raw peer's SYN-ACKs with
RST: the shell drops RSTs leaving ns1 with a tc egress filter.

  run ns1=NS ns2=NS stat2=PATH plan=FILE flood=BINARY spoof=NET/LEN
      [flood_secs=13]
      syncookies=2 (tcp_syncookies=0, ignored), IPv4 and IPv6:
        - a real ATCP client connects: SyncookiesSent/Recv +1, accept()
          returns it, getpeername matches (no SYN queue entry: the
          capture shows one SYN-ACK, no retransmission);
        - a raw SYN with MSS 1400, window scale 5, SACK-permitted and
          timestamps: the cookie SYN-ACK's TSval carries wscale 5 and
          SACK in its low bits, the final ACK (TSecr = that TSval)
          creates a connection whose MSS is 1300 (IPv6: 1220: the cookie
          MSS table rounds down), which keeps timestamps and window
          scaling (its ACK to an old segment has TS and a window shifted
          by 7);
        - without timestamps: no window scale or SACK in the SYN-ACK, the
          connection has an unscaled window and no timestamps;
        - a final ACK one above the cookie, an ACK with no SYN before it
          (forged), and an ACK whose TSecr sets the reserved bit: RST with
          seq = SEG.ACK, SyncookiesFailed +1, no connection.
      SYN flood (IPv4) from spoofed sources (blackholed in ns2) against a
      listen(128) with max_syn_backlog 128:
        - syncookies=0: a real client's connect() (10 s timeout) fails,
          ListenDrops grows, no cookie is sent;
        - syncookies=1: it succeeds through a cookie.
      The flood rate (server InSegs per second, flooder's own count) is
      printed.
  analyze pcap=FILE plan=FILE
"""

import errno
import json
import os
import select
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import atcp_net  # noqa: E402
from q_common import (netns, sysctl, Stat, build_seg, parse_opts, pcap,  # noqa: E402
                      result, out, opt_of, args, ATCP, SYN, ACK, RST)

IP1, IP2, IP6_1, IP6_2 = "10.0.1.1", "10.0.1.2", "fd00::1", "fd00::2"
TCP_MAXSEG = 2


def ename(e):
    return errno.errorcode.get(e, str(e)) if e else "0"


class Ctx:
    def __init__(self, o):
        self.ns1 = opt_of(o, "ns1", "ns1")
        self.ns2 = opt_of(o, "ns2", "ns2")
        self.st = Stat(opt_of(o, "stat2"))
        self.plan = {"legit": [], "rst": []}

    def sysctls(self, **kv):
        with netns(self.ns2):
            for k, v in kv.items():
                sysctl(k.replace("__", "/"), v)

    def listener(self, addr, port, backlog):
        with netns(self.ns2):
            ls = socket.socket(socket.AF_INET6 if ":" in addr else
                               socket.AF_INET, socket.SOCK_STREAM, ATCP)
            ls.bind((addr, port))
            ls.listen(backlog)
            ls.setblocking(False)
        return ls

    def client(self, fam):
        with netns(self.ns1):
            return socket.socket(fam, socket.SOCK_STREAM, ATCP)


def accept(ls, timeout):
    p = select.poll()
    p.register(ls, select.POLLIN)
    if not p.poll(int(timeout * 1000)):
        return None, None
    try:
        return ls.accept()
    except OSError:
        return None, None


def legit(cx, ls, dst, v, tag):
    """A real client connects with a 10 s timeout; (ok, detail, sock)."""
    fam = socket.AF_INET6 if ":" in dst[0] else socket.AF_INET
    c = cx.client(fam)
    c.settimeout(10)
    t = time.time()
    try:
        c.connect(dst)
        what = "connected"
    except socket.timeout:
        what = "timeout"
    except OSError as e:
        what = ename(e.errno)
    secs = time.time() - t
    cx.plan["legit"].append({"tag": tag, "v": v, "port": dst[1],
                             "cport": c.getsockname()[1], "t": t,
                             "result": what})
    return what, secs, c


def cookie_basic(cx, v, laddr, port):
    ls = cx.listener(laddr, port, 16)
    s0 = cx.st.snap()
    what, secs, c = legit(cx, ls, (laddr, port), v, "cookie2")
    a, peer = accept(ls, 5)
    s1 = cx.st.snap()
    result(what == "connected", "%s syncookies=2: a client connects "
           "(%.2f s)" % (v, secs), "connect: %s" % what)
    sent, recv = (Stat.delta(s0, s1, "SyncookiesSent"),
                  Stat.delta(s0, s1, "SyncookiesRecv"))
    result(sent == 1 and recv == 1, "%s syncookies=2: the SYN is answered "
           "by a cookie (SyncookiesSent +1) and the ACK returns it "
           "(SyncookiesRecv +1)" % v, "counters: %s" % Stat.deltas(s0, s1))
    mine = c.getsockname()
    result(a is not None and a.getpeername()[:2] == mine[:2],
           "%s syncookies=2: accept() returns the connection, getpeername "
           "is the client's address" % v,
           "accepted %r, client %r" % (a.getpeername() if a else None, mine))
    for x in (a, c, ls):
        if x is not None:
            x.close()


def raw_cookie(cx, v, src, dst, port, base):
    """Raw peer checks against a syncookies=2 listener."""
    with netns(cx.ns1):
        raw = atcp_net.Raw(src, dst)
    ls = cx.listener(dst, port, 16)
    v6 = ":" in dst
    want_mss = 1220 if v6 else 1300

    def from_port(sp):
        return lambda p: p["sport"] == port and p["dport"] == sp

    def handshake(sp, ts, isn):
        raw.drain()
        raw.send(build_seg(src, dst, sp, port, isn, 0, SYN, mss=1400,
                           wscale=5, sackok=True,
                           ts=(1000, 0) if ts else None))
        return raw.wait(from_port(sp), 5)

    def probe(sp, isn, cookie, tsecr):
        """An old duplicate: the connection answers it with an ACK."""
        raw.drain()
        raw.send(build_seg(src, dst, sp, port, isn + 1 - 10000, cookie + 1,
                           ACK, ts=(1100, tsecr) if tsecr is not None
                           else None))
        return raw.wait(from_port(sp), 3)

    # 1. With timestamps.
    sp, isn = base, 111111
    s0 = cx.st.snap()
    sa = handshake(sp, True, isn)
    if sa is None or sa["flags"] != SYN | ACK:
        result(False, "%s raw SYN with timestamps gets a cookie SYN-ACK" % v,
               "answer: %s" % (atcp_net.fmt(sa) if sa else "none"))
    else:
        o = parse_opts(sa["raw"], sa["doff"])
        tv = o.get("tsval")
        result(tv is not None and tv & 0xf == 5 and tv >> 4 & 1 == 1 and
               tv >> 5 & 1 == 0 and "wscale" in o and "sackok" in o,
               "%s cookie SYN-ACK: TSval low bits carry the peer's wscale 5 "
               "and SACK-permitted; window scale and SACK options offered"
               % v, "options %r, TSval low 6 bits %s" %
               (o, bin(tv & 0x3f) if tv is not None else None))
        cookie = sa["seq"]
        raw.send(build_seg(src, dst, sp, port, isn + 1, cookie + 1, ACK,
                           ts=(1001, tv or 0)))
        a, peer = accept(ls, 5)
        s1 = cx.st.snap()
        result(a is not None and Stat.delta(s0, s1, "SyncookiesRecv") == 1,
               "%s final ACK with the cookie creates the connection "
               "(SyncookiesRecv +1, accept() returns it)" % v,
               "counters: %s" % Stat.deltas(s0, s1))
        if a is not None:
            mss = a.getsockopt(socket.IPPROTO_TCP, TCP_MAXSEG)
            # TCP_MAXSEG is the payload per segment, as for TCP: the
            # 12 bytes of the timestamps option the connection kept come
            # off the MSS the cookie carried.
            result(mss == want_mss - 12, "%s the cookie carried the MSS: "
                   "1400 rounds down to %d (the cookie MSS table); "
                   "TCP_MAXSEG %d with timestamps" %
                   (v, want_mss, want_mss - 12), "TCP_MAXSEG %d" % mss)
            pr = probe(sp, isn, cookie, tv or 0)
            po = parse_opts(pr["raw"], pr["doff"]) if pr else {}
            result(pr is not None and pr["flags"] & ACK and "tsval" in po
                   and pr["win"] <= 1023,
                   "%s the connection kept timestamps and window scaling "
                   "from the TSval bits (ACK with TS, window field shifted "
                   "by 7: %s)" % (v, pr["win"] if pr else "-"),
                   "answer: %s options %r" %
                   (atcp_net.fmt(pr) if pr else "none", po))
            a.close()

    # 2. Without timestamps the cookie cannot keep wscale/SACK.
    sp, isn = base + 1, 222222
    sa = handshake(sp, False, isn)
    if sa is None or sa["flags"] != SYN | ACK:
        result(False, "%s raw SYN without timestamps gets a cookie SYN-ACK"
               % v, "answer: %s" % (atcp_net.fmt(sa) if sa else "none"))
    else:
        o = parse_opts(sa["raw"], sa["doff"])
        result("wscale" not in o and "sackok" not in o and "tsval" not in o,
               "%s cookie SYN-ACK without timestamps offers no window "
               "scale and no SACK (the cookie could not keep them)" % v,
               "options %r" % o)
        cookie = sa["seq"]
        raw.send(build_seg(src, dst, sp, port, isn + 1, cookie + 1, ACK))
        a, peer = accept(ls, 5)
        if a is None:
            result(False, "%s ... final ACK creates the connection" % v)
        else:
            pr = probe(sp, isn, cookie, None)
            po = parse_opts(pr["raw"], pr["doff"]) if pr else {}
            result(pr is not None and "tsval" not in po and
                   pr["win"] >= 4096,
                   "%s ... the connection has no timestamps and an unscaled "
                   "window (%s)" % (v, pr["win"] if pr else "-"),
                   "answer: %s options %r" %
                   (atcp_net.fmt(pr) if pr else "none", po))
            a.close()

    # 3. Bad ACKs: RST, SyncookiesFailed, no connection.
    def bad(desc, sp, seq, ack, ts=None):
        s0 = cx.st.snap()
        raw.drain()
        raw.send(build_seg(src, dst, sp, port, seq, ack, ACK, ts=ts))
        r = raw.wait(from_port(sp), 3)
        a, _ = accept(ls, 0.5)
        s1 = cx.st.snap()
        cx.plan["rst"].append({"v": v, "port": port, "cport": sp,
                               "ack": ack & 0xffffffff})
        result(r is not None and r["flags"] == RST and
               r["seq"] == ack & 0xffffffff,
               "%s %s: answered with RST, seq = SEG.ACK" % (v, desc),
               "answer: %s" % (atcp_net.fmt(r) if r else "none"))
        f, po = (Stat.delta(s0, s1, "SyncookiesFailed"),
                 Stat.delta(s0, s1, "PassiveOpens"))
        result(f == 1 and po == 0 and a is None,
               "%s %s: SyncookiesFailed +1, no connection" % (v, desc),
               "counters: %s; accepted: %s" % (Stat.deltas(s0, s1), a))
        if a is not None:
            a.close()

    sp, isn = base + 2, 333333
    sa = handshake(sp, False, isn)
    if sa is not None:
        bad("final ACK with the cookie + 1", sp, isn + 1, sa["seq"] + 2)
    else:
        result(False, "%s SYN-ACK for the tampered-ACK test" % v)
    bad("ACK to a listener with no SYN before it (forged cookie)",
        base + 3, 444444, 0x5eed1234)
    sp, isn = base + 4, 555555
    sa = handshake(sp, True, isn)
    if sa is not None:
        tv = parse_opts(sa["raw"], sa["doff"]).get("tsval", 0)
        bad("final ACK whose TSecr sets the reserved option bit", sp,
            isn + 1, sa["seq"] + 1, ts=(1001, tv | 0x20))
    else:
        result(False, "%s SYN-ACK for the TSecr test" % v)
    ls.close()


def flood_phase(cx, mode, ls, port, flood, spoof, secs):
    cx.sysctls(net__atcp__syncookies=mode,
               net__ipv4__tcp_syncookies=1 - min(mode, 1))
    s0 = cx.st.snap()
    t0 = time.time()
    with netns(cx.ns1):
        fl = subprocess.Popen([flood, "-d", IP2, "-p", str(port), "-s",
                               spoof, "-P", str(ATCP), "-t", str(secs)],
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
    # Until the SYN queue is full: with syncookies=0 ListenDrops starts
    # to grow; with 1 the queue is still full of the previous phase's
    # requests (they live 63 s), or fills within a second.
    s1 = s0
    while time.time() < t0 + (10 if mode == 0 else 1.5):
        time.sleep(0.2)
        s1 = cx.st.snap()
        if mode == 0 and Stat.delta(s0, s1, "ListenDrops") > 0:
            break
    what, csecs, c = legit(cx, ls, (IP2, port), "IPv4", "flood%d" % mode)
    s2 = cx.st.snap()
    a, _ = accept(ls, 1) if what == "connected" else (None, None)
    try:
        fout = fl.communicate(timeout=secs + 60)[0].decode().strip()
    except subprocess.TimeoutExpired:
        fl.kill()
        fout = "flooder did not stop"
    t1 = time.time()
    s3 = cx.st.snap()
    dur = t1 - t0
    ins = Stat.delta(s0, s3, "InSegs")
    out("flood with syncookies=%d: %s" % (mode, fout),
        "flood with syncookies=%d: listener namespace received %d "
        "segments in %.1f s = %.0f/s; %s" %
        (mode, ins, dur, ins / dur, Stat.deltas(s0, s3)))
    result(fl.returncode == 0 and ins >= 300,
           "syncookies=%d: the flood ran (%.0f SYNs/s received, flooder: "
           "%s)" % (mode, ins / dur, fout), "exit %s" % fl.returncode)
    during = Stat.deltas(s1, s2)
    if mode == 0:
        result(what != "connected",
               "syncookies=0 under a SYN flood: a client's connect() fails "
               "(%s after %.1f s): the full SYN queue drops its SYNs" %
               (what, csecs), "counters meanwhile: %s" % during)
        ld, cs = (Stat.delta(s1, s2, "ListenDrops"),
                  Stat.delta(s1, s2, "SyncookiesSent"))
        result(ld > 0 and cs == 0, "syncookies=0 under a SYN flood: "
               "ListenDrops +%d, no cookie sent" % ld,
               "counters meanwhile: %s" % during)
    else:
        result(what == "connected" and a is not None,
               "syncookies=1 under a SYN flood: a client connects (%.2f s) "
               "and is accepted" % csecs,
               "connect: %s; counters meanwhile: %s" % (what, during))
        cs, cr = (Stat.delta(s1, s2, "SyncookiesSent"),
                  Stat.delta(s1, s2, "SyncookiesRecv"))
        result(cs >= 1 and cr >= 1, "syncookies=1 under a SYN flood: the "
               "client got in through a cookie (SyncookiesSent +%d, "
               "SyncookiesRecv +%d)" % (cs, cr),
               "counters meanwhile: %s" % during)
    for x in (a, c):
        if x is not None:
            x.close()


def cmd_run(o):
    cx = Ctx(o)
    try:
        cx.sysctls(net__atcp__syncookies=2, net__ipv4__tcp_syncookies=0,
                   net__atcp__max_syn_backlog=128)
        with netns(cx.ns2):
            for d in os.listdir("/proc/sys/net/ipv4/conf"):
                sysctl("net/ipv4/conf/%s/rp_filter" % d, 0)
        cookie_basic(cx, "IPv4", IP2, 9001)
        cookie_basic(cx, "IPv6", IP6_2, 9002)
        raw_cookie(cx, "IPv4", IP1, IP2, 9011, 46000)
        raw_cookie(cx, "IPv6", IP6_1, IP6_2, 9012, 46100)
        flood = opt_of(o, "flood")
        if not flood or not os.access(flood, os.X_OK):
            out("SKIP SYN flood # no synflood binary")
            return
        secs = float(opt_of(o, "flood_secs", "13"))
        ls = cx.listener(IP2, 9100, 128)
        flood_phase(cx, 0, ls, 9100, flood, opt_of(o, "spoof"), secs)
        flood_phase(cx, 1, ls, 9100, flood, opt_of(o, "spoof"), secs)
        ls.close()
    finally:
        with open(opt_of(o, "plan"), "w") as f:
            json.dump(cx.plan, f)


def cmd_analyze(o):
    pk = pcap(opt_of(o, "pcap"))
    with open(opt_of(o, "plan")) as f:
        plan = json.load(f)
    for lg in plan["legit"]:
        if lg["result"] != "connected":
            continue
        sa = [p for p in pk if p.sport == lg["port"] and
              p.dport == lg["cport"] and
              p.flags & (SYN | ACK | RST) == SYN | ACK]
        if lg["tag"] == "cookie2":
            result(len(sa) == 1, "%s capture: one SYN-ACK to the cookie "
                   "client, never retransmitted (no SYN queue entry)" %
                   lg["v"], *map(str, sa))
        both = [p for p in pk if lg["cport"] in (p.sport, p.dport) and
                lg["port"] in (p.sport, p.dport)]
        result(both and all(p.proto == ATCP and p.csum_ok for p in both),
               "%s capture (%s): the connection's segments are IP protocol "
               "%d with TCP checksums" % (lg["v"], lg["tag"], ATCP),
               *map(str, both[:6]))
    for r in plan["rst"]:
        rs = [p for p in pk if p.sport == r["port"] and
              p.dport == r["cport"] and p.flags & RST and p.seq == r["ack"]]
        result(len(rs) == 1, "%s capture: RST to the bad ACK from port %d" %
               (r["v"], r["cport"]), "%d captured" % len(rs))


def main():
    cmds = {"run": cmd_run, "analyze": cmd_analyze}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](args(sys.argv[2:]))


if __name__ == "__main__":
    main()
