# SPDX-License-Identifier: GPL-2.0
"""SYN retransmission checks for selftests/test_synretry.sh.

Run as: python3 -S conn_synretry.py ns1=NS dev1=DEV ip2=A ip6_2=A
        stat1=PATH capdir=DIR
ns1 connects to ns2, which drops every ATCP segment on ingress: each SYN
goes unanswered.  The SYNs are captured on ns1's veth; their count, gaps
and sequence numbers, the time connect() takes to fail with ETIMEDOUT,
and ns1's /proc/net/atcp_stat counters are checked against
net.atcp.syn_retries / TCP_SYNCNT (RTO 1 s, doubled per retransmission).
Prints PASS/FAIL/SKIP lines (lib.sh tap_import).
"""

import errno
import select
import socket
import struct
import sys
import threading
import time

from conn_lib import (ATCP, SOL_TCP, TCP_SYNCNT, Capture, args, asock,
                      diag, errname, guarded, read_stat, result,
                      show, stat_delta, sysctl_get, sysctl_set, try_errno)

o = args(sys.argv[1:])
NS1 = o["ns1"]
DST = {4: o["ip2"], 6: o["ip6_2"]}
STAT1 = o["stat1"]
TOL = 0.4		# relative tolerance on every interval (emulated CPU)
COUNTERS = ("ActiveOpens", "AttemptFails", "Timeouts", "RetransSegs")


def syncnt(s, level=SOL_TCP):
    return s.getsockopt(level, TCP_SYNCNT)


def near(value, want):
    return want * (1 - TOL) <= value <= want * (1 + TOL)


# ------------------------------------------------------------- sockopt --

with guarded("TCP_SYNCNT socket option"):
    default = int(sysctl_get(NS1, "net.atcp.syn_retries"))
    s = asock(NS1, 4)
    s6 = asock(NS1, 6)
    got = [syncnt(s), syncnt(s, ATCP), syncnt(s6)]
    result(got == [default] * 3,
           "getsockopt(TCP_SYNCNT) of an unset socket is "
           "net.atcp.syn_retries (%d), levels SOL_TCP and %d, IPv4 and "
           "IPv6" % (default, ATCP), "got %r" % got)
    sysctl_set(NS1, "net.atcp.syn_retries", 3)
    got = [syncnt(s), syncnt(s6), syncnt(asock(NS1, 4))]
    result(got == [3, 3, 3], "... and follows the sysctl when it changes "
           "(3)", "got %r" % got)
    cur = 3
    for level in (SOL_TCP, ATCP):
        for bad in (0, 128, -1):
            e = try_errno(s.setsockopt, level, TCP_SYNCNT, bad)
            result(e == errno.EINVAL and syncnt(s) == cur,
                   "setsockopt(TCP_SYNCNT, %d) at level %d: EINVAL, value "
                   "unchanged (%d)" % (bad, level, cur),
                   "got %s, getsockopt %d" % (errname(e), syncnt(s)))
        for good in (127, 1):
            cur = good
            e = try_errno(s.setsockopt, level, TCP_SYNCNT, good)
            result(e == 0 and syncnt(s) == good and syncnt(s, ATCP) == good,
                   "setsockopt(TCP_SYNCNT, %d) at level %d is read back at "
                   "both levels" % (good, level),
                   "got %s, getsockopt %d / %d" % (
                       errname(e), syncnt(s), syncnt(s, ATCP)))
    s.close()
    s6.close()

# ---------------------------------------------------------- SYN retries --


class Attempt:
    """One connect() to a silent peer."""

    def __init__(self, name, fam, port, synretries, cnt=None, level=SOL_TCP,
                 blocking=False):
        self.name, self.fam, self.port = name, fam, port
        self.retries = synretries if cnt is None else cnt
        self.cnt, self.level, self.blocking = cnt, level, blocking
        self.err, self.dt = None, None
        self.s = asock(NS1, fam, nonblock=not blocking)
        if cnt is not None:
            self.s.setsockopt(level, TCP_SYNCNT, cnt)
        if blocking:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO,
                              struct.pack("ll", 90, 0))

    def start(self):
        self.t0 = time.monotonic()
        if self.blocking:
            self.th = threading.Thread(target=self._block)
            self.th.start()
        else:
            e = self.s.connect_ex((DST[self.fam], self.port))
            if e != errno.EINPROGRESS:
                self.err, self.dt = e, 0.0

    def _block(self):
        try:
            self.s.connect((DST[self.fam], self.port))
            self.err = 0
        except OSError as ex:
            self.err = ex.errno
        self.dt = time.monotonic() - self.t0

    def poll_done(self):
        if self.err is not None:
            return True
        if self.blocking:
            return False
        p = select.poll()
        p.register(self.s, select.POLLOUT)
        if p.poll(0):
            self.err = self.s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            self.dt = time.monotonic() - self.t0
            return True
        return False

    def expect_total(self):
        return sum(1 << i for i in range(self.retries + 1))

    def check(self, cap):
        n = self.retries + 1
        how = ("TCP_SYNCNT=%d at level %d" % (self.cnt, self.level)
               if self.cnt is not None else
               "net.atcp.syn_retries=%d" % self.retries)
        total = self.expect_total()
        result(self.err == errno.ETIMEDOUT and near(self.dt, total),
               "%s (%s): %sconnect() fails with ETIMEDOUT after ~%d s" % (
                   self.name, how, "blocking " if self.blocking else "",
                   total),
               "got %s after %s s" % (errname(self.err), "%.2f" % self.dt
                                      if self.dt is not None else "-"))
        # Each attempt has a destination port of its own (the source port
        # may be gone once the connection failed).
        segs = cap.snapshot(lambda s: self.port in (s.sport, s.dport))
        syns = [s for s in segs if s.fl() == "S"]
        gaps = [b.t - a.t for a, b in zip(syns, syns[1:])]
        diag("%s: %d SYNs, gaps %s s, %s after %s s" % (
            self.name, len(syns), "/".join("%.2f" % g for g in gaps),
            errname(self.err), "%.2f" % self.dt if self.dt else "-"))
        want = [1 << i for i in range(self.retries)]
        result(len(segs) == n and len(syns) == n and
               len(set(s.seq for s in syns)) == 1,
               "%s: capture shows exactly %d SYNs, all with the same "
               "ISN, nothing else" % (self.name, n), *show(segs))
        result(len(gaps) == len(want) and all(map(near, gaps, want)),
               "%s: gaps between the SYNs ~%s s (+-%d%%)" % (
                   self.name, "/".join(map(str, want)), TOL * 100),
               "gaps %s" % ["%.2f" % g for g in gaps])
        if syns and self.err == errno.ETIMEDOUT:
            # The capture's clock is not the monotonic one: measure from
            # the first SYN, which connect() itself sent.
            lag = self.dt - (syns[-1].t - syns[0].t)
            result(near(lag, want[-1] * 2 if want else 1),
                   "%s: ETIMEDOUT comes one doubled RTO (~%d s) after the "
                   "last SYN" % (self.name, want[-1] * 2 if want else 1),
                   "%.2f s after" % lag)


def run_attempts(atts, cap, limit):
    for a in atts:
        a.start()
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if all([a.poll_done() for a in atts]):	# each one, no shortcut
            break
        time.sleep(0.05)
    for a in atts:
        if a.blocking:
            a.th.join(max(0.0, deadline - time.monotonic()) + 1)
    time.sleep(0.5)		# a stray extra SYN would show by now


cap = Capture(NS1, o["dev1"], pcap=o["capdir"] + "/synretry.pcap")

with guarded("syn_retries=2"):
    sysctl_set(NS1, "net.atcp.syn_retries", 2)
    sysctl_set(NS1, "net.ipv4.tcp_syn_retries", 1)
    diag("ns1: net.atcp.syn_retries=%s net.ipv4.tcp_syn_retries=%s" % (
        sysctl_get(NS1, "net.atcp.syn_retries"),
        sysctl_get(NS1, "net.ipv4.tcp_syn_retries")))
    st0 = read_stat(STAT1)
    atts = [
        Attempt("IPv4", 4, 9001, 2, blocking=True),
        Attempt("IPv6", 6, 9002, 2),
        Attempt("IPv4 TCP_SYNCNT=1", 4, 9003, 2, cnt=1),
        Attempt("IPv6 TCP_SYNCNT=3", 6, 9004, 2, cnt=3, level=ATCP),
    ]
    run_attempts(atts, cap, 40)
    st1 = read_stat(STAT1)
    for a in atts:
        a.check(cap)
    d = stat_delta(st0, st1, *COUNTERS)
    want = {"ActiveOpens": 4, "AttemptFails": 4, "Timeouts": 4,
            "RetransSegs": sum(a.retries for a in atts)}
    for k in COUNTERS:
        result(d[k] == want[k], "atcp_stat %s grows by %d" % (k, want[k]),
               "grew by %d" % d[k])
    result(atts[0].retries + 1 == len(
        cap.snapshot(lambda s: s.dport == 9001 and s.fl() == "S")),
        "net.ipv4.tcp_syn_retries=1 does not change ATCP's SYN count "
        "(3 SYNs, not 2)")

with guarded("syn_retries=1"):
    sysctl_set(NS1, "net.atcp.syn_retries", 1)
    sysctl_set(NS1, "net.ipv4.tcp_syn_retries", 4)
    diag("ns1: net.atcp.syn_retries=%s net.ipv4.tcp_syn_retries=%s" % (
        sysctl_get(NS1, "net.atcp.syn_retries"),
        sysctl_get(NS1, "net.ipv4.tcp_syn_retries")))
    a = Attempt("IPv4 after the sysctl changed", 4, 9005, 1)
    run_attempts([a], cap, 20)
    a.check(cap)

cap.stop()
