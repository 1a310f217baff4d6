#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""SYN queue driver and capture analysis for selftests/test_synq.sh.

  run ns1=NS ns2=NS stat=PATH plan=FILE [if1=veth1]
      One process drives everything (sockets keep the namespace they were
      made in, see q_common.netns): ATCP listeners in ns2, raw SYNs and
      ACKs from ns1, whose incoming ATCP is dropped by a tc ingress filter
      so nothing ever answers a SYN-ACK (an AF_PACKET socket still sees
      them, before tc).  Phases, one per net.atcp.synack_retries value
      R in 0, 2, 5, with net.ipv4.tcp_synack_retries set to another value:
        - one IPv4 and one IPv6 SYN to a listener (timing requests);
        - R=5 also: a control request whose final ACK is sent at 5 s (it
          must complete, and its SYN-ACKs stop), and bursts of distinct
          SYNs to listeners of backlog 4, 16 (IPv4 and IPv6) and 1000
          with net.atcp.max_syn_backlog = 128 and syncookies = 0;
        - after the request must have expired (2^(R+1) - 1 s plus a
          margin) the final ACK for the timing requests: with the
          request gone (and no cookies) the listener answers RST and no
          connection is created.
      Counter checks are printed as PASS/FAIL lines; what was sent goes
      to the plan file for `analyze`.
  analyze pcap=FILE plan=FILE
      From the capture on the listener's side: SYN-ACKs per request
      (1 + R), their spacing (1, 2, 4, 8, 16 s, +-40 %), RST to the late
      ACK, SYN-ACKs stop after the control ACK, which SYNs of a burst
      were answered (exactly the first min(max(backlog, 8), 128)).
"""

import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from q_common import (netns, sysctl, sysctl_get, Stat, Sniffer,  # noqa: E402
                      RawSender, build_seg, pcap, result, opt_of,
                      ATCP, SYN, ACK, RST)

IP1, IP2, IP6_1, IP6_2 = "10.0.1.1", "10.0.1.2", "fd00::1", "fd00::2"
TOL = 0.4

# name, address, port, backlog, expected SYN queue bound
LISTENERS = (
    ("timing4", IP2, 7000, 128, None),
    ("timing6", IP6_2, 7001, 128, None),
    ("backlog4", IP2, 7100, 4, 8),
    ("backlog16", IP2, 7200, 16, 16),
    ("backlog16-v6", IP6_2, 7201, 16, 16),
    ("backlog1000", IP2, 7300, 1000, 128),
)
BURST = {"backlog4": (51000, 20), "backlog16": (52000, 40),
         "backlog16-v6": (52100, 40), "backlog1000": (53000, 150)}
# R, tcp_synack_retries during the phase, late ACK at, phase end
PHASES = ((0, 3, 3.0, 4.5), (2, 1, 10.0, 11.5), (5, 1, 70.0, 71.5))
CONTROL_ACK_AT = 5.0


def isn_of(sport):
    return (sport * 7919 + 12345) & 0xffffffff


def cmd_run(o):
    ns1, ns2 = opt_of(o, "ns1", "ns1"), opt_of(o, "ns2", "ns2")
    stat = Stat(opt_of(o, "stat"))
    plan = {"phases": [], "bursts": []}
    listeners = {}
    with netns(ns2):
        sysctl("net/atcp/syncookies", 0)
        sysctl("net/atcp/max_syn_backlog", 128)
        # TCP's own knobs set to values that would change the outcome if
        # ATCP read them.
        sysctl("net/ipv4/tcp_syncookies", 2)
        sysctl("net/ipv4/tcp_max_syn_backlog", 4096)
        for name, addr, port, backlog, _ in LISTENERS:
            fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
            ls = socket.socket(fam, socket.SOCK_STREAM, ATCP)
            ls.bind((addr, port))
            ls.listen(backlog)
            listeners[name] = ls
    with netns(ns1):
        raw = RawSender()
        sniff = Sniffer(opt_of(o, "if1", "veth1"))

    def send(src, dst, sport, dport, seq, ack, flags, **kw):
        raw.send(src, dst, build_seg(src, dst, sport, dport, seq, ack, flags,
                                     **kw))

    def synack_for(sport, dport):
        for p in sniff.pkts:
            if (p.sport == dport and p.dport == sport and
                    p.flags & (SYN | ACK) == SYN | ACK):
                return p
        return None

    def bursts():
        """Distinct source ports, sent back to back, per listener."""
        for name, addr, port, backlog, expect in LISTENERS:
            if name not in BURST:
                continue
            first, n = BURST[name]
            src = IP6_1 if ":" in addr else IP1
            s0 = stat.snap()
            for sp in range(first, first + n):
                send(src, addr, sp, port, isn_of(sp), 0, SYN, mss=1400)
            sniff.poll(0.5)
            s1 = stat.snap()
            d = Stat.delta(s0, s1, "ListenDrops")
            ov = Stat.delta(s0, s1, "ListenOverflows")
            result(d == n - expect and ov == 0,
                   "%s (listen(%d), max_syn_backlog 128): %d SYNs, "
                   "ListenDrops +%d (the %d beyond the SYN queue bound "
                   "%d), ListenOverflows +0" % (name, backlog, n,
                                                n - expect, n - expect,
                                                expect),
                   "ListenDrops +%d, ListenOverflows +%d; all: %s" %
                   (d, ov, Stat.deltas(s0, s1)))
            plan["bursts"].append({"name": name, "dport": port,
                                   "backlog": backlog, "first": first,
                                   "n": n, "expect": expect})

    for R, tcp_r, late_at, end in PHASES:
        with netns(ns2):
            sysctl("net/atcp/synack_retries", R)
            sysctl("net/ipv4/tcp_synack_retries", tcp_r)
            got = (sysctl_get("net/atcp/synack_retries"),
                   sysctl_get("net/ipv4/tcp_synack_retries"))
        result(got == (str(R), str(tcp_r)),
               "phase R=%d: net.atcp.synack_retries=%d while "
               "net.ipv4.tcp_synack_retries=%d" % (R, R, tcp_r),
               "read back: %r" % (got,))
        base = 40000 + R * 100
        reqs = [("v4", IP1, IP2, base, 7000), ("v6", IP6_1, IP6_2, base + 1,
                                                7001)]
        ph = {"R": R, "tcp_synack_retries": tcp_r, "reqs": [],
              "control": None}
        t0 = time.time()
        ph["t0"] = t0
        for fam, src, dst, sport, dport in reqs:
            send(src, dst, sport, dport, isn_of(sport), 0, SYN, mss=1400)
            ph["reqs"].append({"fam": fam, "sport": sport, "dport": dport,
                               "isn": isn_of(sport)})
        control = None
        if R == 5:
            control = {"sport": base + 2, "dport": 7000,
                       "isn": isn_of(base + 2)}
            send(IP1, IP2, control["sport"], 7000, control["isn"], 0, SYN,
                 mss=1400)
            ph["control"] = control
        control_done = late_done = bursts_done = False
        while time.time() < t0 + end:
            sniff.poll(0.1)
            now = time.time() - t0
            # After the control ACK (so it goes out on time): the bursts.
            if control and control_done and not bursts_done:
                bursts_done = True
                bursts()
            if control and not control_done and now >= CONTROL_ACK_AT:
                control_done = True
                sa = synack_for(control["sport"], 7000)
                if sa is None:
                    result(False, "R=5 control request: SYN-ACK seen before "
                           "its final ACK", "no SYN-ACK sniffed on ns1")
                    continue
                s0 = stat.snap()
                send(IP1, IP2, control["sport"], 7000, control["isn"] + 1,
                     sa.seq + 1, ACK)
                control["ack_time"] = time.time()
                control["iss"] = sa.seq
                sniff.poll(1.0)
                s1 = stat.snap()
                d = Stat.delta(s0, s1, "PassiveOpens")
                result(d == 1, "R=5 control: the final ACK within the "
                       "request's lifetime completes it (PassiveOpens +1)",
                       "PassiveOpens +%d; all: %s" % (d, Stat.deltas(s0, s1)))
            if not late_done and now >= late_at:
                late_done = True
                s0 = stat.snap()
                for rq in ph["reqs"]:
                    src, dst = ((IP1, IP2) if rq["fam"] == "v4" else
                                (IP6_1, IP6_2))
                    sa = synack_for(rq["sport"], rq["dport"])
                    if sa is None:
                        rq["late_ack"] = None
                        continue
                    rq["iss"] = sa.seq
                    send(src, dst, rq["sport"], rq["dport"], rq["isn"] + 1,
                         sa.seq + 1, ACK)
                    rq["late_ack"] = time.time()
                sniff.poll(1.0)
                s1 = stat.snap()
                d = Stat.delta(s0, s1, "PassiveOpens")
                result(d == 0, "R=%d: a final ACK %.0f s after the SYN (the "
                       "request expired after %d s) creates no connection"
                       % (R, late_at, 2 ** (R + 1) - 1),
                       "PassiveOpens +%d; all: %s" % (d, Stat.deltas(s0, s1)))
        plan["phases"].append(ph)
    with open(opt_of(o, "plan"), "w") as f:
        json.dump(plan, f)
    for ls in listeners.values():
        ls.close()


def cmd_analyze(o):
    pk = pcap(opt_of(o, "pcap"))
    with open(opt_of(o, "plan")) as f:
        plan = json.load(f)

    def synacks(sport, dport):
        return [p for p in pk if p.sport == dport and p.dport == sport and
                p.flags & (SYN | ACK | RST) == SYN | ACK]

    def syn_time(sport, dport):
        for p in pk:
            if p.sport == sport and p.dport == dport and p.flags == SYN:
                return p.ts
        return None

    def ack_time(sport, dport, sent):
        """Capture time of our final ACK (python's clock only says when
        it was about sent: under load it may lag the capture)."""
        if not sent:
            return None
        for p in pk:
            if (p.sport == sport and p.dport == dport and p.flags == ACK and
                    p.ts >= sent - 5):
                return p.ts
        return None

    for ph in plan["phases"]:
        R = ph["R"]
        for rq in ph["reqs"]:
            v = "IPv4" if rq["fam"] == "v4" else "IPv6"
            sa = synacks(rq["sport"], rq["dport"])
            ts = [p.ts for p in sa]
            t_syn = syn_time(rq["sport"], rq["dport"])
            la = ack_time(rq["sport"], rq["dport"], rq.get("late_ack"))
            before = [p for p in sa if la is None or p.ts < la]
            result(len(before) == 1 + R,
                   "%s synack_retries=%d (tcp_synack_retries=%d): %d "
                   "SYN-ACKs for one unanswered SYN" %
                   (v, R, ph["tcp_synack_retries"], 1 + R),
                   "captured %d:" % len(before), *map(str, before))
            result(len({(p.seq, p.ack) for p in sa}) == 1 and
                   sa and sa[0].ack == (rq["isn"] + 1) & 0xffffffff,
                   "%s R=%d: every SYN-ACK is the same (seq=ISS, "
                   "ack=SYN+1): retransmissions of one request" % (v, R),
                   *map(str, sa))
            if t_syn is not None and ts:
                first = ts[0] - t_syn
                result(0 <= first < 0.5, "%s R=%d: first SYN-ACK at once "
                       "(%.3f s after the SYN)" % (v, R, first))
            else:
                result(False, "%s R=%d: SYN and SYN-ACK captured" % (v, R),
                       "SYN at %r, SYN-ACKs %r" % (t_syn, ts))
            if R > 0:
                bt = [p.ts for p in before]
                gaps = [b - a for a, b in zip(bt, bt[1:])]
                want = [2.0 ** i for i in range(R)]
                good = len(gaps) == R and all(
                    (1 - TOL) * w <= g <= (1 + TOL) * w
                    for g, w in zip(gaps, want))
                result(good, "%s R=%d: SYN-ACK spacing %s s (+-%d%%): "
                       "measured %s" %
                       (v, R, ", ".join("%g" % w for w in want),
                        TOL * 100, ", ".join("%.2f" % g for g in gaps)),
                       "gaps: " + ", ".join("%.3f" % g for g in gaps))
            if la:
                rst = [p for p in pk if p.sport == rq["dport"] and
                       p.dport == rq["sport"] and p.flags & RST and
                       p.ts >= la]
                want_seq = (rq["iss"] + 1) & 0xffffffff
                result(bool(rst) and rst[0].seq == want_seq and
                       rst[0].ts - la < 2.0,
                       "%s R=%d: request dropped after its last SYN-ACK: "
                       "the late final ACK is answered with RST "
                       "(seq=SEG.ACK)" % (v, R),
                       "RSTs: " + "; ".join(map(str, rst)) if rst else
                       "no RST captured after the late ACK")
                after = [p for p in sa if p.ts >= la]
                result(not after, "%s R=%d: no SYN-ACK after the request "
                       "expired" % (v, R), *map(str, after))
            else:
                result(False, "%s R=%d: late ACK sent and captured" % (v, R),
                       "sent at %s (none if no SYN-ACK was sniffed in ns1)"
                       % rq.get("late_ack"))
        c = ph.get("control")
        if c:
            sa = synacks(c["sport"], c["dport"])
            at = ack_time(c["sport"], c["dport"], c.get("ack_time"))
            t_syn = syn_time(c["sport"], c["dport"])
            if at is None or t_syn is None:
                result(False, "R=5 control: SYN and final ACK captured",
                       "SYN %s, ACK %s (sent at %s)" %
                       (t_syn, at, c.get("ack_time")))
                continue
            before = [p for p in sa if p.ts < at]
            after = [p for p in sa if p.ts >= at]
            # SYN-ACKs due at 0, 1, 3, 7, 15, 31 s: those clearly before
            # the ACK must have been sent, those clearly after must not.
            el = at - t_syn
            due = (0, 1, 3, 7, 15, 31)
            lo = sum(1 for k in due if k * (1 + TOL) + 0.2 < el)
            hi = sum(1 for k in due if k * (1 - TOL) <= el)
            result(lo <= len(before) <= hi and not after,
                   "R=5 control: SYN-ACKs until the final ACK (%d, sent at "
                   "%.1f s), none after it (the request became a "
                   "connection)" % (len(before), el),
                   "before: %d (expected %d..%d), after: %d" %
                   (len(before), lo, hi, len(after)), *map(str, sa))
            rst = [p for p in pk if p.sport == c["dport"] and
                   p.dport == c["sport"] and p.flags & RST and
                   at <= p.ts < at + 2]
            result(not rst, "R=5 control: its final ACK is not answered "
                   "with RST", *map(str, rst))
    for b in plan["bursts"]:
        sports = set(range(b["first"], b["first"] + b["n"]))
        answered = {p.dport for p in pk if p.sport == b["dport"] and
                    p.dport in sports and p.flags & (SYN | ACK) == SYN | ACK}
        want = set(range(b["first"], b["first"] + b["expect"]))
        result(answered == want,
               "%s: listen(%d) -> SYN queue of %d: exactly the first %d of "
               "%d distinct SYNs get a SYN-ACK (syncookies=0)" %
               (b["name"], b["backlog"], b["expect"], b["expect"], b["n"]),
               "answered %d ports; missing: %s; unexpected: %s" %
               (len(answered), sorted(want - answered)[:10],
                sorted(answered - want)[:10]))


def main():
    cmds = {"run": cmd_run, "analyze": cmd_analyze}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    o = {}
    for a in sys.argv[2:]:
        k, _, v = a.partition("=")
        o.setdefault(k, []).append(v)
    cmds[sys.argv[1]](o)


if __name__ == "__main__":
    main()
