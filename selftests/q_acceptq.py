#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Accept queue driver and capture analysis for selftests/test_acceptq.sh.

The shell puts a netem delay on ns2's veth (server -> client), so SYN-ACKs
reach the clients late: two clients whose SYNs arrive while the accept
queue still has room both get SYN-ACKs, and the second final ACK finds the
queue full.  One process holds the listener (ns2) and the clients (ns1).

  run ns1=NS ns2=NS stat1=PATH stat2=PATH plan=FILE
      Scenarios (IPv4 and IPv6 each):
      overflow0  abort_on_overflow=0 (tcp_abort_on_overflow=1): listen(1),
                 never accept; A completes; B and C connect together: both
                 complete on the client side, one final ACK overflows
                 (ListenOverflows), its request is kept and retransmits the
                 SYN-ACK, the client re-ACKs (dropped again); D's SYN while
                 the queue is full is dropped (ListenOverflows +
                 ListenDrops, no SYN-ACK).  Then accept(): A, then the
                 queued one, then the pending one completes at the next
                 SYN-ACK retransmission and accept() returns it; D's SYN
                 retransmission gets through too and D is accepted.
      overflow1  abort_on_overflow=1 (tcp_abort_on_overflow=0): the
                 overflowing final ACK is answered with RST; that client's
                 SO_ERROR is ECONNRESET, poll shows POLLERR/POLLHUP; the
                 request is gone (accept() returns only A and the other).
      close      (IPv4) a listener with two unaccepted children and pending
                 requests (spoofed SYNs whose SYN-ACKs are blackholed, a
                 connect still in flight) is closed: the children's
                 clients are reset (ECONNRESET), AbortOnClose +2.
  analyze pcap=FILE plan=FILE
      The capture on ns2's veth: SYN-ACK retransmissions to the pending
      client and its repeated ACKs, no SYN-ACK to D while the queue is
      full, the RST of abort_on_overflow=1 (seq = the client's ACK), RSTs
      to the children of the closed listener.
"""

import errno
import json
import os
import select
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from q_common import (netns, sysctl, Stat, RawSender, build_seg, pcap,  # noqa: E402
                      result, opt_of, args, ATCP, SYN, ACK, RST)

IP1, IP2, IP6_1, IP6_2 = "10.0.1.1", "10.0.1.2", "fd00::1", "fd00::2"
POLLERR_HUP = select.POLLERR | select.POLLHUP


class Ctx:
    def __init__(self, o):
        self.ns1 = opt_of(o, "ns1", "ns1")
        self.ns2 = opt_of(o, "ns2", "ns2")
        self.st1 = Stat(opt_of(o, "stat1"))
        self.st2 = Stat(opt_of(o, "stat2"))
        self.plan = []

    def sysctls(self, **kv):
        with netns(self.ns2):
            for k, v in kv.items():
                sysctl(k.replace("__", "/"), v)

    def listener(self, fam, port, backlog):
        with netns(self.ns2):
            ls = socket.socket(fam, socket.SOCK_STREAM, ATCP)
            ls.bind((IP2 if fam == socket.AF_INET else IP6_2, port))
            ls.listen(backlog)
            ls.setblocking(False)
        return ls

    def client(self, fam):
        with netns(self.ns1):
            s = socket.socket(fam, socket.SOCK_STREAM, ATCP)
            s.setblocking(False)
        return s


def connect_start(s, dst):
    r = s.connect_ex(dst)
    return r in (0, errno.EINPROGRESS)


def wait_mask(s, mask, timeout):
    p = select.poll()
    p.register(s, mask)
    r = p.poll(int(timeout * 1000))
    return r[0][1] if r else 0


def so_error(s):
    return s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)


def ename(e):
    return errno.errorcode.get(e, str(e)) if e else "0"


def accept_within(ls, timeout):
    """(socket, peer, seconds) or (None, error text, seconds)."""
    t = time.time()
    if not wait_mask(ls, select.POLLIN, timeout):
        return None, "nothing to accept within %.1f s" % timeout, \
            time.time() - t
    try:
        c, peer = ls.accept()
    except OSError as e:
        return None, "accept: %s" % e, time.time() - t
    return c, peer, time.time() - t


def port_of(s):
    return s.getsockname()[1]


def scen_overflow0(cx, fam, port):
    v = "IPv4" if fam == socket.AF_INET else "IPv6"
    dst = (IP2 if fam == socket.AF_INET else IP6_2, port)
    cx.sysctls(net__atcp__abort_on_overflow=0,
               net__ipv4__tcp_abort_on_overflow=1,
               net__atcp__synack_retries=5)
    pl = {"kind": "overflow0", "v": v, "port": port}
    ls = cx.listener(fam, port, 1)
    keep = [ls]
    a = cx.client(fam)
    keep.append(a)
    connect_start(a, dst)
    m = wait_mask(a, select.POLLOUT, 5)
    result(m & select.POLLOUT and so_error(a) == 0,
           "%s abort_on_overflow=0: first client connects to listen(1)" % v,
           "poll %#x SO_ERROR %s" % (m, ename(so_error(a))))
    result(wait_mask(ls, select.POLLIN, 3) & select.POLLIN,
           "%s ... and is on the accept queue (listener readable)" % v)
    s0 = cx.st2.snap()
    b, c = cx.client(fam), cx.client(fam)
    keep += [b, c]
    pl["t_bc"] = time.time()
    connect_start(b, dst)
    connect_start(c, dst)
    mb = wait_mask(b, select.POLLOUT, 5)
    mc = wait_mask(c, select.POLLOUT, 5)
    eb, ec = so_error(b), so_error(c)
    result(mb & select.POLLOUT and mc & select.POLLOUT and eb == 0 and
           ec == 0, "%s clients 2 and 3 (SYNs while the queue had room) "
           "both complete their side of the handshake" % v,
           "poll %#x/%#x SO_ERROR %s/%s" % (mb, mc, ename(eb), ename(ec)))
    time.sleep(0.2)
    s1 = cx.st2.snap()
    ov = Stat.delta(s0, s1, "ListenOverflows")
    result(ov >= 1, "%s the third final ACK overflows the full accept queue "
           "(backlog 1 holds 2): ListenOverflows +%d" % (v, ov),
           "counters: %s" % Stat.deltas(s0, s1))
    # D: a SYN while the queue is full.
    d = cx.client(fam)
    keep.append(d)
    pl["t_d"] = time.time()
    connect_start(d, dst)
    time.sleep(0.2)
    s2 = cx.st2.snap()
    od, dd = (Stat.delta(s1, s2, "ListenOverflows"),
              Stat.delta(s1, s2, "ListenDrops"))
    result(od >= 1 and dd >= 1, "%s a new SYN while the accept queue is "
           "full is dropped: ListenOverflows +%d, ListenDrops +%d" %
           (v, od, dd), "counters: %s" % Stat.deltas(s1, s2))
    # Let a SYN-ACK retransmission (1 s after the SYN, +0.4 s netem) reach
    # the pending client, whose re-ACK overflows again.
    while time.time() < pl["t_bc"] + 2.6:
        time.sleep(0.05)
    s3 = cx.st2.snap()
    ov3 = Stat.delta(s1, s3, "ListenOverflows") - od
    result(ov3 >= 1, "%s the pending client re-ACKs the retransmitted "
           "SYN-ACK, dropped again while the queue is full "
           "(ListenOverflows +%d)" % (v, ov3),
           "counters since: %s" % Stat.deltas(s1, s3))
    clients = {port_of(x): n for x, n in ((a, "A"), (b, "B"), (c, "C"),
                                          (d, "D"))}
    pl["clients"] = {n: port_of(x) for x, n in ((a, "A"), (b, "B"),
                                                (c, "C"), (d, "D"))}
    # accept(): A first, then the queued one, then the pending one.
    pl["t_acc"] = time.time()
    got = []
    for i, limit in enumerate((1, 1, 8, 10)):
        sk, peer, secs = accept_within(ls, limit)
        if sk is None:
            got.append((None, peer, secs))
            break
        keep.append(sk)
        got.append((clients.get(peer[1], "?%s" % (peer,)), peer, time.time()))
    names = [g[0] for g in got]
    result(names[:1] == ["A"], "%s accept() returns the first client first"
           % v, "accepted: %s" % names)
    queued = names[1] if len(names) > 1 else None
    pending = ({"B", "C"} - {queued}).pop() if queued in ("B", "C") else None
    pl["queued"], pl["pending"] = queued, pending
    result(queued in ("B", "C"), "%s then the client that made it into the "
           "queue" % v, "accepted: %s" % names)
    ok_p = pending in names[2:]
    t_p = [g[2] for g in got if g[0] == pending]
    pl["t_pending"] = t_p[0] if t_p else None
    result(ok_p and t_p[0] - pl["t_acc"] < 6,
           "%s the pending client completes once accept() made room (next "
           "SYN-ACK retransmission, re-ACK) and accept() returns it "
           "(%s s after the first accept)" %
           (v, "%.1f" % (t_p[0] - pl["t_acc"]) if t_p else "-"),
           "accepted: %s" % [(g[0], g[1]) for g in got])
    result("D" in names[2:],
           "%s the client whose SYN was dropped gets in with a SYN "
           "retransmission and is accepted" % v,
           "accepted: %s" % [(g[0], g[1]) for g in got])
    md = wait_mask(d, select.POLLOUT, 1)
    result(md & select.POLLOUT and so_error(d) == 0,
           "%s ... and its connect() succeeded" % v,
           "poll %#x SO_ERROR %s" % (md, ename(so_error(d))))
    pl["t_end"] = time.time()
    for x in keep:
        x.close()
    cx.plan.append(pl)


def scen_overflow1(cx, fam, port):
    v = "IPv4" if fam == socket.AF_INET else "IPv6"
    dst = (IP2 if fam == socket.AF_INET else IP6_2, port)
    cx.sysctls(net__atcp__abort_on_overflow=1,
               net__ipv4__tcp_abort_on_overflow=0)
    pl = {"kind": "overflow1", "v": v, "port": port}
    ls = cx.listener(fam, port, 1)
    keep = [ls]
    a = cx.client(fam)
    keep.append(a)
    connect_start(a, dst)
    wait_mask(a, select.POLLOUT, 5)
    wait_mask(ls, select.POLLIN, 3)
    s0, c0 = cx.st2.snap(), cx.st1.snap()
    b, c = cx.client(fam), cx.client(fam)
    keep += [b, c]
    pl["t_bc"] = time.time()
    connect_start(b, dst)
    connect_start(c, dst)
    # Ports now: ATCP clears a socket's local port when it is reset.
    pl["clients"] = {"A": port_of(a), "B": port_of(b), "C": port_of(c)}
    # The RST leaves ns2 0.4 s after the final ACK (netem).
    time.sleep(1.6)
    s1, c1 = cx.st2.snap(), cx.st1.snap()
    res = {}
    for x, n in ((b, "B"), (c, "C")):
        m1 = wait_mask(x, select.POLLIN | select.POLLOUT, 0)
        e = so_error(x)
        m2 = wait_mask(x, select.POLLIN | select.POLLOUT, 0)
        res[n] = (m1, e, m2)
    reset = [n for n in res if res[n][1] == errno.ECONNRESET]
    fine = [n for n in res if res[n][1] == 0 and res[n][0] & select.POLLOUT]
    pl["reset"] = reset[0] if len(reset) == 1 else None
    detail = "; ".join("%s: poll %#x SO_ERROR %s then poll %#x" %
                       (n, r[0], ename(r[1]), r[2])
                       for n, r in sorted(res.items()))
    result(len(reset) == 1 and len(fine) == 1,
           "%s abort_on_overflow=1: of the two clients racing for the last "
           "slot one is reset (SO_ERROR ECONNRESET), the other connected" %
           v, detail)
    if len(reset) == 1:
        r = res[reset[0]]
        result(r[0] & POLLERR_HUP and r[0] & select.POLLERR,
               "%s ... the reset client's poll() shows POLLERR (and %s)" %
               (v, "POLLHUP" if r[0] & select.POLLHUP else "no POLLHUP"),
               detail)
        result(r[2] & select.POLLHUP, "%s ... and POLLHUP after SO_ERROR "
               "was read" % v, detail)
    ov = Stat.delta(s0, s1, "ListenOverflows")
    result(ov == 1, "%s ListenOverflows +1 for the refused final ACK" % v,
           "counters: %s" % Stat.deltas(s0, s1))
    er = Stat.delta(c0, c1, "EstabResets")
    result(er == 1, "%s the client namespace counts the reset of an "
           "established connection (EstabResets +1)" % v,
           "client counters: %s" % Stat.deltas(c0, c1))
    got = []
    names = {p: n for n, p in pl["clients"].items()}
    for limit in (1, 1, 4):
        sk, peer, secs = accept_within(ls, limit)
        if sk is None:
            break
        keep.append(sk)
        got.append(names.get(peer[1], str(peer)))
    want = ["A"] + fine
    result(got == want, "%s accept() returns the first client and the "
           "connected one, never the reset one (its request was dropped)" % v,
           "accepted: %s, expected %s" % (got, want))
    pl["t_end"] = time.time()
    for x in keep:
        x.close()
    cx.plan.append(pl)


def scen_close(cx, port, spoof_net):
    v = "IPv4"
    dst = (IP2, port)
    cx.sysctls(net__atcp__abort_on_overflow=0)
    pl = {"kind": "close", "v": v, "port": port}
    ls = cx.listener(socket.AF_INET, port, 4)
    e = [cx.client(socket.AF_INET) for _ in range(2)]
    for x in e:
        connect_start(x, dst)
    ok_e = all(wait_mask(x, select.POLLOUT, 5) & select.POLLOUT and
               so_error(x) == 0 for x in e)
    result(ok_e, "close: two clients connect, never accepted")
    pl["children"] = [port_of(x) for x in e]
    # Pending requests: spoofed SYNs whose SYN-ACKs ns2 blackholes.
    with netns(cx.ns1):
        raw = RawSender()
    for i in range(3):
        src = "%s.%d" % (spoof_net, 10 + i)
        raw.send(src, IP2, build_seg(src, IP2, 45000 + i, port, 1000 * i, 0,
                                     SYN, mss=1460))
    f = cx.client(socket.AF_INET)
    connect_start(f, dst)	# its SYN-ACK is still in netem when we close
    pl["inflight"] = port_of(f)
    time.sleep(0.1)
    s0 = cx.st2.snap()
    pl["t_close"] = time.time()
    ls.close()
    time.sleep(1.5)
    s1 = cx.st2.snap()
    res = [(wait_mask(x, select.POLLIN | select.POLLOUT, 0), so_error(x))
           for x in e]
    result(all(r[1] == errno.ECONNRESET and r[0] & select.POLLHUP
               for r in res),
           "close: the clients of unaccepted children are reset "
           "(ECONNRESET, POLLHUP)", "poll/SO_ERROR: %s" %
           ["%#x %s" % (r[0], ename(r[1])) for r in res])
    ab = Stat.delta(s0, s1, "AbortOnClose")
    result(ab == 2, "close: AbortOnClose +2 (one per unaccepted child)",
           "counters: %s" % Stat.deltas(s0, s1))
    ef = so_error(f)
    result(ef == errno.ECONNRESET,
           "close: a connect in flight when the listener closed ends in "
           "ECONNRESET (its final ACK finds no listener)",
           "SO_ERROR %s" % ename(ef))
    pl["t_end"] = time.time()
    for x in e + [f]:
        x.close()
    cx.plan.append(pl)


def cmd_run(o):
    cx = Ctx(o)
    spoof = opt_of(o, "spoof", "10.0.9")
    # Spoofed sources arrive on the veth while their replies are
    # blackholed: no reverse path filter.
    cx.sysctls(net__ipv4__conf__all__rp_filter=0,
               net__ipv4__conf__default__rp_filter=0)
    with netns(cx.ns2):
        for d in os.listdir("/proc/sys/net/ipv4/conf"):
            sysctl("net/ipv4/conf/%s/rp_filter" % d, 0)
    try:
        scen_overflow0(cx, socket.AF_INET, 8001)
        scen_overflow0(cx, socket.AF_INET6, 8002)
        scen_overflow1(cx, socket.AF_INET, 8011)
        scen_overflow1(cx, socket.AF_INET6, 8012)
        scen_close(cx, 8021, spoof)
    finally:
        with open(opt_of(o, "plan"), "w") as f:
            json.dump(cx.plan, f)


def cmd_analyze(o):
    pk = pcap(opt_of(o, "pcap"))
    with open(opt_of(o, "plan")) as f:
        plan = json.load(f)

    def segs(fr, to, t0, t1, pred):
        return [p for p in pk if p.sport == fr and p.dport == to and
                t0 <= p.ts <= t1 and pred(p)]

    def synack(p):
        return p.flags & (SYN | ACK | RST) == SYN | ACK

    def pure_ack(p):
        return p.flags & (SYN | ACK | RST | 1) == ACK and p.len == 0

    def rst(p):
        return bool(p.flags & RST)

    for pl in plan:
        v, port = pl["v"], pl["port"]
        cl = pl.get("clients", {})
        if pl["kind"] == "overflow0":
            pend = pl.get("pending")
            if not pend:
                result(False, "%s overflow0: capture checks" % v,
                       "the pending client is unknown")
                continue
            pp = cl[pend]
            sa = segs(port, pp, pl["t_bc"] - 1, pl["t_acc"], synack)
            result(len(sa) >= 2 and len({p.seq for p in sa}) == 1,
                   "%s capture: the pending request's SYN-ACK is "
                   "retransmitted before accept() (same ISS): %d" %
                   (v, len(sa)), *map(str, sa))
            acks = segs(pp, port, pl["t_bc"] - 1, pl["t_acc"], pure_ack)
            result(len(acks) >= 2, "%s capture: the pending client sent "
                   "its final ACK again after the retransmission (%d ACKs)"
                   % (v, len(acks)), *map(str, acks))
            rs = [p for p in pk if p.sport == port and p.flags & RST and
                  pl["t_bc"] - 1 <= p.ts <= pl["t_end"]]
            result(not rs, "%s capture: abort_on_overflow=0 never sends RST"
                   % v, *map(str, rs))
            dp = cl["D"]
            early = segs(port, dp, pl["t_d"] - 0.1, pl["t_acc"], synack)
            syns = segs(dp, port, pl["t_d"] - 0.1, pl["t_end"],
                        lambda p: p.flags == SYN)
            late = segs(port, dp, pl["t_acc"], pl["t_end"], synack)
            result(not early and len(syns) >= 2 and late,
                   "%s capture: no SYN-ACK to the SYN that found the queue "
                   "full; one to its retransmission after accept()" % v,
                   "SYN-ACKs before accept: %d, SYNs: %d, SYN-ACKs after: %d"
                   % (len(early), len(syns), len(late)))
        elif pl["kind"] == "overflow1":
            r = pl.get("reset")
            if not r:
                result(False, "%s overflow1: capture checks" % v,
                       "no reset client")
                continue
            rp = cl[r]
            acks = segs(rp, port, pl["t_bc"] - 1, pl["t_end"], pure_ack)
            rs = segs(port, rp, pl["t_bc"] - 1, pl["t_end"], rst)
            good = bool(acks and rs and rs[0].seq == acks[0].ack and
                        rs[0].ts >= acks[0].ts)
            result(good, "%s capture: abort_on_overflow=1 answers the "
                   "overflowing final ACK with RST (seq = its ACK number)"
                   % v, "ACKs: %s" % "; ".join(map(str, acks)),
                   "RSTs: %s" % "; ".join(map(str, rs)))
            sa = segs(port, rp, pl["t_bc"] - 1, pl["t_end"], synack)
            result(len(sa) == 1, "%s capture: no SYN-ACK retransmission to "
                   "the reset client (request dropped)" % v,
                   *map(str, sa))
        elif pl["kind"] == "close":
            for cp in pl.get("children", []):
                rs = segs(port, cp, pl["t_close"] - 0.05, pl["t_end"], rst)
                result(len(rs) >= 1, "%s capture: closing the listener "
                       "sends RST to the client of unaccepted child port %d"
                       % (v, cp), "none captured")


def main():
    cmds = {"run": cmd_run, "analyze": cmd_analyze}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](args(sys.argv[2:]))


if __name__ == "__main__":
    main()
