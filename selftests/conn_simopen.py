# SPDX-License-Identifier: GPL-2.0
"""Simultaneous open checks for selftests/test_simopen.sh.

Run as: python3 -S conn_simopen.py ns1=NS ns2=NS dev1=DEV ip1=A ip2=A
        ip6_1=A ip6_2=A proc1=DIR proc2=DIR delay=SECONDS capdir=DIR
A socket in ns1 and one in ns2, each bound to a fixed port, connect() to
each other at the same moment; both veths delay every frame by DELAY, so
both SYNs are on their way before either arrives.  RFC 9293 figure 8: each
side goes SYN-SENT -> SYN-RECEIVED (sending SYN,ACK with its own ISN) ->
ESTABLISHED on the peer's SYN,ACK; four segments, no third ACK.  The
capture is taken on ns1's veth.  Prints PASS/FAIL/SKIP lines.
"""

import socket
import struct
import sys
import threading
import time

from conn_lib import (Capture, args, asock, check_proc_state, conn_pred, diag,
                      errname, flow, guarded, read_stat, result, show,
                      stat_delta)

o = args(sys.argv[1:])
NS1, NS2 = o["ns1"], o["ns2"]
IP = {4: (o["ip1"], o["ip2"]), 6: (o["ip6_1"], o["ip6_2"])}
PROCNET = (o["proc1"], o["proc2"])
STAT = tuple(p + "/atcp_stat" for p in PROCNET)
DELAY = float(o["delay"])
COUNTERS = ("ActiveOpens", "PassiveOpens", "CurrEstab", "AttemptFails",
            "ChallengeACK")

cap = Capture(NS1, o["dev1"], pcap=o["capdir"] + "/simopen.pcap")

for fam in (4, 6):
    with guarded("IPv%d simultaneous open" % fam):
        p1, p2 = 9100 + fam, 9200 + fam
        a = asock(NS1, fam)
        b = asock(NS2, fam)
        for s in (a, b):
            s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO,
                         struct.pack("ll", 30, 0))
        a.bind((IP[fam][0], p1))
        b.bind((IP[fam][1], p2))
        st0 = [read_stat(p) for p in STAT]
        res = {}
        go = threading.Barrier(2)

        def conn(name, s, dst):
            go.wait()
            t0 = time.monotonic()
            try:
                s.connect(dst)
                res[name] = (0, time.monotonic() - t0)
            except OSError as e:
                res[name] = (e.errno, time.monotonic() - t0)

        ths = [threading.Thread(target=conn, args=("ns1", a,
                                                   (IP[fam][1], p2))),
               threading.Thread(target=conn, args=("ns2", b,
                                                   (IP[fam][0], p1)))]
        for t in ths:
            t.start()
        for t in ths:
            t.join(40)
        # Anything the handshake still sends (an extra ACK, a
        # retransmission) is on the wire within two more one-way delays.
        time.sleep(2 * DELAY + 1.0)
        st1 = [read_stat(p) for p in STAT]
        segs = cap.snapshot(conn_pred(p1, p2))
        e1, dt1 = res.get("ns1", (None, 0))
        e2, dt2 = res.get("ns2", (None, 0))
        result(e1 == 0 and e2 == 0,
               "IPv%d both connect()s succeed" % fam,
               "ns1: %s after %.2f s, ns2: %s after %.2f s" % (
                   errname(e1), dt1, errname(e2), dt2))
        diag("connect() took %.2f s and %.2f s (one-way delay %.1f s: "
             "2 delays for SYN + SYN,ACK)" % (dt1, dt2, DELAY))
        if e1 == 0 and e2 == 0:
            result(a.getpeername()[:2] == (IP[fam][1], p2) and
                   b.getpeername()[:2] == (IP[fam][0], p1),
                   "IPv%d each side's getpeername() is the other" % fam,
                   "%r %r" % (a.getpeername(), b.getpeername()))
        f1, f2 = flow(segs, p1), flow(segs, p2)
        fl1, fl2 = [s.fl() for s in f1], [s.fl() for s in f2]
        result(len(segs) >= 2 and [s.fl() for s in segs[:2]] == ["S", "S"]
               and {segs[0].sport, segs[1].sport} == {p1, p2},
               "IPv%d the SYNs crossed: the first two segments on the wire "
               "are both SYNs, one each way" % fam, *show(segs))
        result(fl1 == ["S", "SA"] and fl2 == ["S", "SA"],
               "IPv%d each direction carries SYN then SYN,ACK and nothing "
               "else (4 segments, no third ACK)" % fam,
               "ns1 -> ns2: %s, ns2 -> ns1: %s" % (fl1, fl2), *show(segs))
        why = []
        for mine, theirs, who in ((f1, f2, "ns1"), (f2, f1, "ns2")):
            syn = [s for s in mine if s.fl() == "S"]
            sa = [s for s in mine if s.fl() == "SA"]
            psyn = [s for s in theirs if s.fl() == "S"]
            if not (syn and sa and psyn):
                why.append("%s: SYN or SYN,ACK missing" % who)
                continue
            if sa[0].seq != syn[0].seq:
                why.append("%s: SYN,ACK seq %d != its SYN's %d" % (
                    who, sa[0].seq, syn[0].seq))
            if sa[0].ack != (psyn[0].seq + 1) & 0xffffffff:
                why.append("%s: SYN,ACK ack %d, peer's SYN seq %d" % (
                    who, sa[0].ack, psyn[0].seq))
            if "mss" not in sa[0].opts:
                why.append("%s: SYN,ACK without mss" % who)
        result(not why, "IPv%d each SYN,ACK repeats its own ISN and acks "
               "the peer's SYN (with options)" % fam, *(why + show(segs)))
        for i, ns in enumerate(("ns1", "ns2")):
            d = stat_delta(st0[i], st1[i], *COUNTERS)
            diag("%s atcp_stat deltas: %r" % (ns, d))
            result(d["ActiveOpens"] == 1 and d["PassiveOpens"] == 0,
                   "IPv%d %s atcp_stat: ActiveOpens +1, PassiveOpens +0" % (
                       fam, ns), "deltas %r" % d)
            result(d["CurrEstab"] == 1,
                   "IPv%d %s atcp_stat: CurrEstab +1" % (fam, ns),
                   "deltas %r" % d)
        if e1 == 0 and e2 == 0:
            for i, (lp, rp) in enumerate(((p1, p2), (p2, p1))):
                check_proc_state(PROCNET[i], fam, lp, rp, 1,
                                 "IPv%d /proc/net/atcp%s of ns%d lists the "
                                 "connection as ESTABLISHED (01)" % (
                                     fam, "6" if fam == 6 else "", i + 1))
        a.close()
        b.close()

cap.stop()
