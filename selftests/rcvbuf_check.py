#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Receive and send buffer autotuning (atcp_rcv_space_adjust(),
atcp_sndbuf_expand()), for
selftests/test_rcvbuf.sh.

  run ns1=NS ns2=NS ip2=ADDR bytes=N
        Three bulk transfers from ns1 to a reader in ns2 over the delayed
        link the shell set up: ATCP with the default buffer, ATCP with
        SO_RCVBUF set on the reader (before listen(), so the accepted
        socket inherits it), and TCP.  The reader's SO_RCVBUF before and
        after is compared: autotuning must grow the first, leave the
        second alone; the writer's SO_SNDBUF must grow in the first; the
        rates are printed, TCP's beside them.
"""

import hashlib
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conn_lib import (args, asock, errname, guarded, out,  # noqa: E402
                      result)


def transfer(o, proto, rcvbuf=None):
    """(ok, reader's SO_RCVBUF at accept, after, seconds, error, the
    writer's SO_SNDBUF before and after)."""
    n = int(o["bytes"])
    data = os.urandom(n)
    ls = asock(o["ns2"], 4, proto=proto)
    if rcvbuf:
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    ls.bind(("0.0.0.0", 0))
    ls.listen(1)
    port = ls.getsockname()[1]
    res = {}

    def reader():
        try:
            a, _ = ls.accept()
            a.settimeout(60)
            res["before"] = a.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
            h, got = hashlib.sha256(), 0
            while got < n:
                b = a.recv(65536)
                if not b:
                    break
                h.update(b)
                got += len(b)
            res["after"] = a.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
            res["digest"] = h.digest()
            a.close()
        except OSError as e:
            res["err"] = errname(e.errno)

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    c = asock(o["ns1"], 4, proto=proto)
    c.settimeout(60)
    t0 = time.monotonic()
    try:
        res["snd0"] = c.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
        c.connect((o["ip2"], port))
        c.sendall(data)
        res["snd1"] = c.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
        c.shutdown(socket.SHUT_WR)
        th.join(60)
    except OSError as e:
        res["err"] = errname(e.errno)
    dt = time.monotonic() - t0
    c.close()
    ls.close()
    ok = res.get("digest") == hashlib.sha256(data).digest()
    return ok, res.get("before"), res.get("after"), dt, res.get("err"), \
        (res.get("snd0"), res.get("snd1"))


def cmd_run(o):
    n = int(o["bytes"])
    mb = n / 1e6
    with guarded("autotuning"):
        ok, before, after, dt, err, snd = transfer(o, None)
        result(ok and snd[0] and snd[1] and snd[1] > snd[0],
               "ATCP: the writer's SO_SNDBUF grows with the congestion "
               "window while the writer waits for room (%s -> %s)" % snd)
        result(ok, "ATCP, default buffer: %d bytes arrive intact" % n,
               "error %s" % err)
        result(ok and after and before and after > before * 3 // 2,
               "ATCP: the reader's SO_RCVBUF grows with what it reads per "
               "RTT (%s -> %s)" % (before, after),
               "no growth: the window would stay about %d bytes" %
               ((before or 0) // 4))
        out("ATCP autotuned: %.2f MB/s (SO_RCVBUF %s -> %s, SO_SNDBUF %s "
            "-> %s)" % (mb / dt, before, after, snd[0], snd[1]))
    with guarded("SO_RCVBUF"):
        ok, before, after, dt, err, _ = transfer(o, None, rcvbuf=65536)
        result(ok and before == after == 131072,
               "ATCP, SO_RCVBUF 65536 set: stays %s (no autotuning, as "
               "TCP's SOCK_RCVBUF_LOCK)" % before,
               "before %s, after %s, intact %s, error %s" %
               (before, after, ok, err))
        out("ATCP SO_RCVBUF 65536: %.2f MB/s" % (mb / dt))
    with guarded("TCP"):
        ok, before, after, dt, err, snd = transfer(o, socket.IPPROTO_TCP)
        out("TCP: %.2f MB/s (SO_RCVBUF %s -> %s, SO_SNDBUF %s -> %s)%s" %
            (mb / dt, before, after, snd[0], snd[1],
             "" if ok else " FAILED %s" % err))


def main():
    o = args(sys.argv[2:])
    {"run": cmd_run}[sys.argv[1]](o)
    out("end")


if __name__ == "__main__":
    main()
