#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Urgent data (MSG_OOB) for test_oob.sh.

python3 -S oob_check.py ns1=NS ns2=NS dev1=VETH dev2=VETH ip2=ADDR
    capdir=DIR

A client in ns1 sends "ab", then "!" with MSG_OOB, then "cd"; the server
in ns2 checks what Linux TCP gives its reader:

  * before: recv(MSG_OOB) fails with EINVAL (no urgent data);
  * poll reports POLLPRI, SIGURG reaches the F_SETOWN owner;
  * a read returns "ab" and stops at the mark, where SIOCATMARK is 1;
  * without SO_OOBINLINE, recv(MSG_OOB) returns "!" once, then EINVAL,
    and the stream goes on with "cd" (the urgent byte is not in it);
  * with SO_OOBINLINE, recv(MSG_OOB) is EINVAL and the stream is "!cd";
  * on the wire (capture on dev1), the segment carrying the "!" has URG
    with a pointer one past it (the BSD reading Linux uses), as has any
    other URG segment, and "ab"'s has none;
  * again with a MSG_OOB send of two full segments ("y"... "!"): only its
    last byte is urgent, and the segment carrying it, full, still has URG
    (it must not leave before send() has set the urgent pointer).

The same runs for ATCP to ATCP, Linux TCP to Linux TCP (the reference),
an ATCP sender to a Linux TCP receiver and a Linux TCP sender to an ATCP
receiver; the last two through the protocol-byte rewrite (tc pedit) on
the Linux end's veth.
"""

import errno
import fcntl
import os
import select
import signal
import socket
import struct
import sys
import time

from conn_lib import (ATCP, URG, Capture, args, asock, diag, guarded,
                      result, rewrite_rules, show, tc)

o = args(sys.argv[1:])
NS1, NS2 = o["ns1"], o["ns2"]
DEV = {NS1: o["dev1"], NS2: o["dev2"]}
IP2 = o["ip2"]
CAPDIR = o.get("capdir", "/tmp")
SIOCATMARK = 0x8905
TCP_MAXSEG = 2
TCP = socket.IPPROTO_TCP
NAME = {ATCP: "ATCP", TCP: "TCP"}
sigurg = [0]


def rewrite(ns, on):
    """Linux TCP leaving NS's veth as ATCP, ATCP entering it as TCP."""
    d = DEV[ns]
    if not on:
        tc(ns, "qdisc del dev %s clsact" % d, check=True)
        return
    tc(ns, *rewrite_rules(d), check=True)


def oob_err(s):
    """recv(MSG_OOB): the byte, or the errno name.  In blocking mode:
    with a timeout set, Python would first poll for POLLIN."""
    timeout = s.gettimeout()
    s.settimeout(None)
    try:
        return s.recv(1, socket.MSG_OOB)
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
    finally:
        s.settimeout(timeout)


def atmark(s):
    v = fcntl.ioctl(s.fileno(), SIOCATMARK, struct.pack("i", 0))
    return struct.unpack("i", v)[0]


def wait_pri(s, timeout=5.0):
    p = select.poll()
    p.register(s, select.POLLIN | select.POLLPRI)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ev = p.poll(100)
        if ev and ev[0][1] & select.POLLPRI:
            return ev[0][1]
    return 0


def read_n(s, n, timeout=5.0):
    got, deadline = b"", time.monotonic() + timeout
    while len(got) < n and time.monotonic() < deadline:
        d = s.recv(n - len(got))
        if not d:
            break
        got += d
    return got


def run(cproto, sproto, inline, port, big=False):
    """BIG: the MSG_OOB send is two full segments, its last byte urgent,
    rather than the one byte "!"."""
    what = "%s -> %s%s%s: " % (NAME[cproto], NAME[sproto],
                               ", SO_OOBINLINE" if inline else "",
                               ", a 2-MSS MSG_OOB send" if big else "")
    ls = asock(NS2, 4, sproto)
    ls.bind((IP2, port))
    ls.listen(1)
    c = asock(NS1, 4, cproto)
    c.connect((IP2, port))
    s, _ = ls.accept()
    ls.close()
    s.settimeout(5)
    mss = c.getsockopt(TCP, TCP_MAXSEG)
    urgent = b"y" * (2 * mss - 1) + b"!" if big else b"!"
    before_mark = b"ab" + urgent[:-1]
    if inline:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_OOBINLINE, 1)
    fcntl.fcntl(s.fileno(), fcntl.F_SETOWN, os.getpid())
    cap = Capture(NS1, DEV[NS1])
    sigurg[0] = 0
    try:
        before = oob_err(s)
        c.send(b"ab")
        time.sleep(0.2)		# "ab" is acknowledged: "!" has its own
        c.sendall(urgent, socket.MSG_OOB)
        c.send(b"cd")
        mask = wait_pri(s)
        if not mask & select.POLLPRI:
            result(False, what + "POLLPRI: the urgent byte arrived",
                   "poll %#x after 5 s" % mask)
            return
        first = s.recv(100)
        while len(first) < len(before_mark) and not atmark(s):
            first += s.recv(4096)
        mark = atmark(s)
        oob = oob_err(s)
        again = oob_err(s)
        rest = read_n(s, 3 if inline else 2)
        time.sleep(0.2)
    finally:
        cap.stop()
        c.close()
        s.close()
    result(before == "EINVAL", what + "recv(MSG_OOB) before any: EINVAL",
           "got %r" % (before,))
    result(mask & select.POLLPRI and sigurg[0] >= 1,
           what + "POLLPRI, and SIGURG to the F_SETOWN owner",
           "poll %#x, SIGURG %d" % (mask, sigurg[0]))
    result(first == before_mark and mark == 1,
           what + "reads stop at the mark, SIOCATMARK 1 there",
           "read %r, SIOCATMARK %d" % (first[:40], mark))
    if inline:
        result(oob == "EINVAL" and rest == b"!cd",
               what + "recv(MSG_OOB) EINVAL, the byte stays in the stream",
               "MSG_OOB %r, then read %r" % (oob, rest))
    else:
        result(oob == b"!" and again == "EINVAL" and rest == b"cd",
               what + "recv(MSG_OOB) gives the byte once, the stream "
               "goes on without it", "MSG_OOB %r then %r, then read %r" %
               (oob, again, rest))
    segs = cap.snapshot(lambda g: g.out and g.dport == port)
    data = [g for g in segs if g.len]
    why = show(segs, 20)
    if not data:
        result(False, what + "URG on the wire", *why)
        return
    bang = (data[0].seq + len(before_mark)) & 0xffffffff
    ptr_ok = all((g.seq + g.urp - 1) & 0xffffffff == bang
                 for g in segs if g.flags & URG)
    before_ok = not data[0].flags & URG	# "ab", sent before
    carried = any(g.flags & URG and
                  (bang - g.seq) & 0xffffffff < g.len for g in data)
    result(ptr_ok and before_ok and carried,
           what + "the segment with \"!\" carries URG, pointer one past "
           "it, as every URG segment; \"ab\"'s has none",
           "urgent byte at seq %d" % bang, *why)


def main():
    def on_sigurg(*_):
        sigurg[0] += 1

    signal.signal(signal.SIGURG, on_sigurg)
    port = 46000
    for cproto, sproto, rw in ((ATCP, ATCP, None), (TCP, TCP, None),
                               (ATCP, TCP, NS2), (TCP, ATCP, NS1)):
        with guarded("%s -> %s" % (NAME[cproto], NAME[sproto])):
            if rw:
                rewrite(rw, True)
            try:
                for inline, big in ((False, False), (True, False),
                                    (False, True)):
                    port += 1
                    run(cproto, sproto, inline, port, big)
            finally:
                if rw:
                    rewrite(rw, False)
    diag("# done")


main()
