#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Concurrent connection churn for test_stress.sh.

python3 -S stress_check.py ns1=NS ns2=NS ip2=ADDR ip6_2=ADDR
    procnet1=DIR procnet2=DIR [secs=40] [workers=12]

A dual-stack ATCP server in ns2 (one thread per connection) and WORKERS
client threads in ns1 run for SECS seconds over a lossy link (set up by
the caller), each connection doing one of:

  echo        send 0-96 KiB, half-close, read the echo back to EOF:
              must arrive intact, no error
  half        the server half-closes first; the client reads EOF, then
              sends and closes; the server reads to EOF: no error
  srv_unread  the server closes with unread data: the client gets
              ECONNRESET (RFC 2525)
  srv_linger0 the server closes with SO_LINGER {1, 0}: ECONNRESET
  cli_linger0 the client aborts mid-transfer with SO_LINGER {1, 0}
  cli_unread  the client closes with echoed data unread (RST)
  syn_close   non-blocking connect() and close() at once (SYN-SENT)
  zero        the server never reads: the client fills the window,
              closes (an orphan with unsent data), the server closes
              later with unread data (RST ends the orphan)

while another thread opens listeners, connects to them and closes them
with requests and unaccepted children pending.  IPv4, IPv6 and
IPv4-mapped addresses alternate.  Afterwards every socket is closed and,
within 40 s (it sets msl 1 and fin_timeout 2), both namespaces
must show no socket, orphan or TIME-WAIT object (atcp_sockstat) and
CurrEstab 0; the harness then checks the kernel log (KASAN, lockdep,
kmemleak) and unloads the module.
"""

import errno
import hashlib
import os
import random
import select
import socket
import sys
import threading
import time

from conn_lib import (ATCP, args, asock, diag, proc_sockets, read_stat,
                      result, sysctl_set, tcp_info)

o = args(sys.argv[1:])
NS1, NS2 = o["ns1"], o["ns2"]
IP4, IP6 = o["ip2"], o["ip6_2"]
SECS = float(o.get("secs", "40"))
# proto=tcp runs the same load over Linux TCP, for comparison (by hand).
PROTO = socket.IPPROTO_TCP if o.get("proto") == "tcp" else ATCP
WORKERS = int(o.get("workers", "12"))
PORT = 47000
CHURN_PORT = 47100
LINGER0 = b"\1\0\0\0\0\0\0\0"
IO_TIMEOUT = 20.0

MODES = ("echo", "half", "srv_unread", "srv_linger0", "cli_linger0",
         "cli_unread", "syn_close", "zero")
WEIGHTS = (6, 2, 1, 1, 1, 1, 1, 1)
CMD = {"echo": b"E", "half": b"H", "srv_unread": b"R", "srv_linger0": b"L",
       "cli_linger0": b"E", "cli_unread": b"E", "zero": b"Z",
       "syn_close": b""}

lock = threading.Lock()
stats = {}			# mode -> {"ok": n, "bad": n}
bad_lines = []
stop = threading.Event()		# workers: no new connection
serve_stop = threading.Event()		# the server: no new accept()


def count(mode, ok, why=None):
    with lock:
        st = stats.setdefault(mode, {"ok": 0, "bad": 0})
        st["ok" if ok else "bad"] += 1
        if not ok and len(bad_lines) < 20:
            bad_lines.append("%s: %s" % (mode, why))


# --------------------------------------------------------------- server --

def recv_all(s):
    n = 0
    while True:
        d = s.recv(65536)
        if not d:
            return n
        n += len(d)


stage = {}			# client port -> what its server thread did


def serve_one(c, port):
    """One server connection; errors the client provoked are expected."""
    stage[port] = "thread"
    try:
        c.settimeout(IO_TIMEOUT)
        cmd = c.recv(1)
        stage[port] = "cmd %r" % cmd
        if cmd == b"E":
            while True:
                d = c.recv(65536)
                if not d:
                    break
                c.sendall(d)
        elif cmd == b"H":
            c.shutdown(socket.SHUT_WR)
            recv_all(c)
        elif cmd == b"R":
            time.sleep(0.3)	# more than the 1000 bytes read arrives
            c.recv(1000)
        elif cmd == b"L":
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER0)
        elif cmd == b"Z":
            time.sleep(random.uniform(0.5, 1.5))
    except OSError as e:
        stage[port] += " " + type(e).__name__
    finally:
        stage[port] += " closed"
        c.close()


def server(ls):
    """Accept until the workers are done (not just told to stop)."""
    while not serve_stop.is_set():
        r, _, _ = select.select([ls], [], [], 0.2)
        if not r:
            continue
        try:
            c, peer = ls.accept()
        except OSError:
            continue
        stage[peer[1]] = "accepted"
        threading.Thread(target=serve_one, args=(c, peer[1]),
                         daemon=True).start()


# --------------------------------------------------------------- client --

def target(i):
    return ((socket.AF_INET, IP4), (socket.AF_INET6, IP6),
            (socket.AF_INET6, "::ffff:" + IP4))[i % 3]


def connect(fam, addr, port):
    s = asock(NS1, fam, PROTO)
    s.settimeout(IO_TIMEOUT)
    s.connect((addr, port))
    return s


def pump(s, payload):
    """Send PAYLOAD, half-close, return everything read until EOF."""
    s.setblocking(False)
    got, off, deadline = [], 0, time.monotonic() + IO_TIMEOUT
    wr = True
    while time.monotonic() < deadline:
        want_w = [s] if wr else []
        r, w, _ = select.select([s], want_w, [], 1.0)
        if w:
            if off < len(payload):
                try:
                    off += s.send(payload[off:off + 65536])
                except BlockingIOError:
                    pass
            if off >= len(payload):
                s.shutdown(socket.SHUT_WR)
                wr = False
        if r:
            try:
                d = s.recv(65536)
            except BlockingIOError:
                continue
            if not d:
                return b"".join(got)
            got.append(d)
    raise TimeoutError("no EOF after %d s" % IO_TIMEOUT)


def expect_reset(s, payload):
    """Send PAYLOAD, then read until ECONNRESET (or EPIPE on sending).
    A FIN may come first if the server closed before the rest of the
    data arrived; the RST answering that data follows.  An RST is never
    retransmitted: when one is lost (the link drops 1%), a byte sent to
    the closed socket draws another, as with TCP."""
    deadline = time.monotonic() + IO_TIMEOUT
    try:
        s.sendall(payload)
        s.settimeout(1.0)
        while time.monotonic() < deadline:
            try:
                if s.recv(65536):
                    continue
            except socket.timeout:
                pass
            s.send(b"?")
            time.sleep(0.2)
    except (ConnectionResetError, BrokenPipeError):
        return None
    return "no ECONNRESET after %d s" % IO_TIMEOUT


def run_one(mode, i):
    fam, addr = target(i)
    if mode == "syn_close":
        s = asock(NS1, fam, PROTO, nonblock=True)
        s.connect_ex((addr, PORT))
        s.close()
        count(mode, True)
        return
    s = connect(fam, addr, PORT)
    try:
        s.sendall(CMD[mode])
        if mode == "echo":
            payload = os.urandom(random.randrange(0, 96 << 10))
            back = pump(s, payload)
            ok = hashlib.sha256(back).digest() == \
                hashlib.sha256(payload).digest()
            count(mode, ok, "sent %d, got %d bytes back%s" % (
                len(payload), len(back), "" if len(back) != len(payload)
                else " (different)"))
        elif mode == "half":
            first = s.recv(1)
            s.sendall(os.urandom(random.randrange(0, 64 << 10)))
            count(mode, first == b"", "read %r instead of EOF" % first)
        elif mode in ("srv_unread", "srv_linger0"):
            why = expect_reset(s, os.urandom(64 << 10))
            count(mode, why is None, why)
        elif mode == "cli_linger0":
            s.sendall(os.urandom(random.randrange(1, 32 << 10)))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER0)
            count(mode, True)
        elif mode == "cli_unread":
            s.sendall(os.urandom(32 << 10))
            s.recv(1)		# the echo has started: data left unread
            count(mode, True)
        elif mode == "zero":
            s.setblocking(False)
            sent = 0
            try:
                while sent < 16 << 20:
                    sent += s.send(b"z" * 65536)
            except BlockingIOError:
                pass
            count(mode, sent < 16 << 20, "sent %d bytes, never blocked"
                  % sent)
    except OSError as e:
        count(mode, False, "%s (%s) %s" % (
            errno.errorcode.get(e.errno, e), type(e).__name__,
            sock_state(s) + peer_state(s)))
    finally:
        s.close()


def sock_state(s):
    """What a connection that failed looked like, for the report."""
    try:
        i = tcp_info(s)
        return ("port %d state %d unacked %d retrans %d/%d backoff %d "
                "probes %d rto %d cwnd %d last_data_sent %d "
                "last_data_recv %d last_ack_recv %d" % (
                    s.getsockname()[1], i["state"], i["unacked"],
                    i["retransmits"], i["total_retrans"], i["backoff"],
                    i["probes"], i["rto"], i["snd_cwnd"],
                    i["last_data_sent"], i["last_data_recv"],
                    i["last_ack_recv"]))
    except OSError as e:
        return "(no TCP_INFO: %s)" % e


def peer_state(s):
    """The server side's states for S's port, from ns2's /proc/net/atcp*."""
    try:
        port = s.getsockname()[1]
    except OSError:
        return ""
    got = []
    for fam in (4, 6):
        for lport, rport, st in proc_sockets(o["procnet2"], fam) or []:
            if rport == port:
                got.append("%d/%d:%x" % (fam, lport, st))
    lq = "?"
    for line in open(o["procnet2"] + "/atcp6").read().split("\n")[1:]:
        w = line.split()
        if len(w) > 4 and w[3] == "0A" and w[1].endswith(":%04X" % PORT):
            lq = w[4]
    return " server %s, %s; listener queues %s" % (
        ",".join(got) or "none", stage.get(port, "not accepted"), lq)


def worker(n):
    rnd = random.Random(n)
    i = n
    while not stop.is_set():
        mode = rnd.choices(MODES, WEIGHTS)[0]
        run_one(mode, i)
        i += 1


def churn():
    """Listeners closed with requests and unaccepted children."""
    i = 0
    while not stop.is_set():
        fam, addr = target(i)
        port = CHURN_PORT + i % 50
        i += 1
        ls = asock(NS2, socket.AF_INET6, PROTO)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            ls.bind(("::", port))
        except OSError:
            ls.close()
            continue
        ls.listen(8)
        cs = []
        for _ in range(3):
            c = asock(NS1, fam, PROTO, nonblock=True)
            c.connect_ex((addr, port))
            cs.append(c)
        time.sleep(random.uniform(0.0, 0.2))
        ls.close()
        time.sleep(0.05)
        for c in cs:
            c.close()
        count("listen_close", True)


# ---------------------------------------------------------------- check --

def sockstat(procnet):
    w = open(procnet + "/atcp_sockstat").read().split()
    return {w[k]: int(w[k + 1]) for k in range(1, len(w) - 1, 2)}


def quiet(procnet):
    st = sockstat(procnet)
    est = read_stat(procnet + "/atcp_stat").get("CurrEstab", -1)
    return (st["inuse"], st["orphan"], st["tw"], est) == (0, 0, 0, 0), \
        "%s CurrEstab %d" % (st, est)


def main():
    for ns in (NS1, NS2):
        sysctl_set(ns, "net.atcp.msl", 1)
        sysctl_set(ns, "net.atcp.fin_timeout", 2)
    ls = asock(NS2, socket.AF_INET6, PROTO)
    ls.bind(("::", PORT))
    ls.listen(128)
    srv = threading.Thread(target=server, args=(ls,), daemon=True)
    threads = [threading.Thread(target=churn, daemon=True)]
    threads += [threading.Thread(target=worker, args=(n,), daemon=True)
                for n in range(WORKERS)]
    t0 = time.monotonic()
    srv.start()
    for t in threads:
        t.start()
    time.sleep(SECS)
    stop.set()
    for t in threads:
        t.join(2 * IO_TIMEOUT + 10)
    serve_stop.set()
    srv.join(5)
    threads.append(srv)
    ls.close()
    secs = time.monotonic() - t0
    alive = [t for t in threads if t.is_alive()]
    total = sum(st["ok"] + st["bad"] for st in stats.values())
    diag("# %d connections in %.0f s with %d workers:" % (total, secs,
                                                          WORKERS))
    for mode in MODES + ("listen_close",):
        st = stats.get(mode, {"ok": 0, "bad": 0})
        diag("#   %-12s %5d as expected, %d not" % (mode, st["ok"],
                                                    st["bad"]))
    result(not alive, "every worker finished",
           "%d threads still running" % len(alive))
    result(all(stats.get(m, {}).get("ok") for m in MODES),
           "every kind of connection ran at least once", str(stats))
    result(stats.get("echo", {}).get("ok", 0) >= 10 and
           not stats["echo"]["bad"],
           "echo: every transfer came back intact (%d)" %
           stats.get("echo", {}).get("ok", 0), *bad_lines)
    result(not any(st["bad"] for st in stats.values()),
           "every connection ended as its kind says", *bad_lines)

    deadline = time.monotonic() + 40
    for ns, procnet in (("ns1", o["procnet1"]), ("ns2", o["procnet2"])):
        while True:
            ok, why = quiet(procnet)
            if ok or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        result(ok, "%s: no socket, orphan or TIME-WAIT left, CurrEstab 0"
               % ns, why)


main()
