# SPDX-License-Identifier: GPL-2.0
"""Namespace teardown and module unload checks for selftests/test_teardown.sh.

  netns ns1=NS ns2=NS dev2=DEV proc1=DIR proc2=DIR ns1pid=PID
      ns1 is the victim: a child process holds ATCP sockets there in every
      state, against peers in ns2 (held by this process):
        LISTEN with SYN_RECV requests (spoofed SYNs from ns2; the SYN-ACKs
        go to a blackhole) and an unaccepted child; SYN_SENT (to an ns2
        address that drops everything); ESTABLISHED with unsent data (the
        peer does not read: zero window), IPv4 and IPv6, and with unread
        data; FIN_WAIT1 behind unsent data; FIN_WAIT2; CLOSE_WAIT;
        LAST_ACK and FIN_WAIT1 orphans (their peer went silent);
        a FIN_WAIT2 orphan; TIME_WAIT, IPv4 and IPv6.
      Then the child is killed, ns1's holder too, and `ip netns del` drops
      the name.  The sockets' close() runs, orphans live on, and they hold
      the namespace: its veth stays (ns2 still sees its peer veth2) until
      the last orphan is gone; then the namespace is dismantled (veth2
      disappears from ns2) and its TIME-WAIT objects are purged, before
      their 2 MSL (ns1 msl 8: 16 s) would have ended them (a TIME-WAIT
      timer of a purged object firing later would touch freed memory:
      the test waits past that point; KASAN would tell).
  rmmod ns1=NS ns2=NS dev2=DEV proc1=DIR proc2=DIR ko=PATH capdir=DIR
      First an orphan with data queued to a peer that does not read: the
      peer's window closes, the sender probes it, and orphan_retries ends
      the orphan although the peer answers (capture: zerowindow.pcap).
      Then TIME-WAIT objects in both namespaces (msl 60) and one FIN_WAIT2
      orphan (fin_timeout 8), every user socket closed: the orphan holds a
      module reference (rmmod fails with EAGAIN, "in use"); once it is
      gone, rmmod succeeds although TIME-WAIT objects remain; the module
      is loaded again and nothing of the old state is left.
Prints PASS/FAIL/SKIP lines (lib.sh tap_import).
"""

import ctypes
import errno
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

from conn_lib import (ATCP, Capture, args, asock, diag, errname, guarded,
                      netns, read_stat, result, show, stat_delta,
                      sysctl_set, tc)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from q_common import RawSender, build_seg, SYN  # noqa: E402

IP1, IP2, IP3, IP4 = "10.0.1.1", "10.0.1.2", "10.0.1.3", "10.0.1.4"
IP6_1, IP6_2 = "fd00::1", "fd00::2"
SPOOF = "10.0.9"
STATES = {1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1",
          5: "FIN_WAIT2", 6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT",
          9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING"}

o = args(sys.argv[2:])
NS1, NS2 = o["ns1"], o["ns2"]
DEV2 = o["dev2"]
PROC1, PROC2 = o["proc1"], o["proc2"]

libc = ctypes.CDLL(None, use_errno=True)
SYS_delete_module, SYS_finit_module = 176, 313



def rows(procnet):
    """Every line of PROCNET/atcp and atcp6: dicts."""
    res = []
    for f in ("atcp", "atcp6"):
        try:
            with open("%s/%s" % (procnet, f)) as fh:
                lines = fh.read().split("\n")[1:]
        except OSError:
            continue
        for line in lines:
            w = line.split()
            if len(w) < 10:
                continue
            res.append({"fam": 6 if f == "atcp6" else 4,
                        "lport": int(w[1].rsplit(":", 1)[1], 16),
                        "rport": int(w[2].rsplit(":", 1)[1], 16),
                        "st": int(w[3], 16),
                        "tx": int(w[4].split(":")[0], 16),
                        "rx": int(w[4].split(":")[1], 16),
                        "inode": int(w[9]), "line": line.strip()})
    return res


def refcnt():
    try:
        with open("/sys/module/atcp/refcnt") as f:
            return int(f.read())
    except OSError:
        return None


def delete_module():
    if libc.syscall(SYS_delete_module, b"atcp", os.O_NONBLOCK) == 0:
        return 0
    return ctypes.get_errno()


def load_module(ko):
    fd = os.open(ko, os.O_RDONLY)
    r = libc.syscall(SYS_finit_module, fd, b"", 0)
    e = ctypes.get_errno()
    os.close(fd)
    return 0 if r == 0 else e


def wait_for(fn, timeout, step=0.1):
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() >= deadline:
            return v
        time.sleep(step)


def pair(fam, cip, sip, port, backlog=4):
    """Client in ns1, server in ns2; returns (client, server)."""
    af = socket.AF_INET if fam == 4 else socket.AF_INET6
    ls = asock(NS2, af)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((sip, port))
    ls.listen(backlog)
    ls.settimeout(10)
    c = asock(NS1, af)
    c.settimeout(10)
    c.bind((cip, 0))
    c.connect((sip, port))
    s, _ = ls.accept()
    ls.close()
    s.settimeout(10)
    c.sendall(b"x" * 100)
    s.recv(100)
    return c, s


def fill(c):
    """Send until the peer's window and our buffer are full."""
    c.setblocking(False)
    n = 0
    try:
        while n < 64 << 20:
            n += c.send(b"z" * 65536)
    except BlockingIOError:
        pass
    return n


def abort(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def dev_present(procnet, dev):
    with open(procnet + "/dev") as f:
        return any(line.split(":")[0].strip() == dev
                   for line in f.read().split("\n")[2:])


# ------------------------------------------------------------- netns --

def cmd_netns():
    for k, v in (("orphan_retries", 2), ("fin_timeout", 6), ("msl", 8)):
        sysctl_set(NS1, "net.atcp." + k, v)
    # The peers close once ns1 is gone: their FINs have no route any more
    # and their orphans end by orphan_retries / fin_timeout.
    for k, v in (("orphan_retries", 1), ("fin_timeout", 2)):
        sysctl_set(NS2, "net.atcp." + k, v)
    V, P = [], []		# victim (ns1) and peer (ns2) sockets
    want = {}			# name -> (lport, rport, state) in ns1

    # LISTEN, requests, an unaccepted child.
    ls = asock(NS1, 4)
    ls.bind((IP1, 6000))
    ls.listen(8)
    V.append(ls)
    with netns(NS2):
        rawp = RawSender()
    for i in range(4):
        src = "%s.%d" % (SPOOF, 10 + i)
        rawp.send(src, IP1, build_seg(src, IP1, 41000 + i, 6000, 1000 * i,
                                      0, SYN, mss=1460))
    pc = asock(NS2, 4)
    pc.settimeout(10)
    pc.connect((IP1, 6000))
    P.append(pc)
    want["listener"] = (6000, 0, 10)
    want["unaccepted child"] = (6000, pc.getsockname()[1], 1)

    # SYN_SENT: 10.0.1.4 drops everything.
    ss = asock(NS1, 4, nonblock=True)
    ss.connect_ex((IP4, 6001))
    V.append(ss)

    # ESTABLISHED with unsent data, peer not reading (IPv4, IPv6).
    c, s = pair(4, IP1, IP2, 6002)
    n = fill(c)
    V.append(c)
    P.append(s)
    want["established, %d bytes queued" % n] = (c.getsockname()[1], 6002, 1)
    c6, s6 = pair(6, IP6_1, IP6_2, 6012)
    n6 = fill(c6)
    V.append(c6)
    P.append(s6)
    want["IPv6 established, %d bytes queued" % n6] = \
        (c6.getsockname()[1], 6012, 1)
    # ESTABLISHED with unread data.
    c, s = pair(4, IP1, IP2, 6003)
    s.sendall(b"u" * 5000)
    V.append(c)
    P.append(s)
    want["established, unread data"] = (c.getsockname()[1], 6003, 1)
    # FIN_WAIT1 behind unsent data.
    c, s = pair(4, IP1, IP2, 6004)
    fill(c)
    c.shutdown(socket.SHUT_WR)
    V.append(c)
    P.append(s)
    want["FIN_WAIT1 (FIN behind unsent data)"] = (c.getsockname()[1], 6004, 4)
    # FIN_WAIT2.
    c, s = pair(4, IP1, IP2, 6005)
    c.shutdown(socket.SHUT_WR)
    V.append(c)
    P.append(s)
    want["FIN_WAIT2"] = (c.getsockname()[1], 6005, 5)
    # CLOSE_WAIT.
    c, s = pair(4, IP1, IP2, 6006)
    s.shutdown(socket.SHUT_WR)
    V.append(c)
    P.append(s)
    want["CLOSE_WAIT"] = (c.getsockname()[1], 6006, 8)
    # Orphans whose peer goes silent: LAST_ACK, FIN_WAIT1.
    cl, sl = pair(4, IP1, IP3, 6007)
    sl.shutdown(socket.SHUT_WR)
    cf, sf = pair(4, IP1, IP3, 6008)
    P.extend([sl, sf])
    time.sleep(0.3)
    ok, out = tc(NS2, "filter add dev %s ingress prio 2 protocol ip u32 "
                 "match ip dst %s/32 action drop" % (DEV2, IP3))
    if not ok:
        diag("cannot silence %s: %s" % (IP3, out))
    want["LAST_ACK orphan"] = (cl.getsockname()[1], 6007, 9)
    want["FIN_WAIT1 orphan"] = (cf.getsockname()[1], 6008, 4)
    cl.close()
    cf.close()
    # FIN_WAIT2 orphan.
    c, s = pair(4, IP1, IP2, 6009)
    want["FIN_WAIT2 orphan"] = (c.getsockname()[1], 6009, 5)
    c.close()
    P.append(s)
    # TIME_WAIT, IPv4 and IPv6.
    for fam, cip, sip, port in ((4, IP1, IP2, 6010), (6, IP6_1, IP6_2, 6011)):
        c, s = pair(fam, cip, sip, port)
        want["IPv%d TIME_WAIT" % fam] = (c.getsockname()[1], port, 6)
        c.close()
        time.sleep(0.1)
        s.close()
    time.sleep(0.5)

    have = rows(PROC1)
    missing = []
    for name, (lp, rp, st) in want.items():
        got = [r for r in have if r["lport"] == lp and
               (rp == 0 or r["rport"] == rp)]
        if not any(r["st"] == st for r in got):
            missing.append("%s: want %s, listed %s" % (
                name, STATES[st], [STATES.get(r["st"]) for r in got]))
    reqs = [r for r in have if r["st"] == 3 and r["lport"] == 6000]
    syn_sent = [r for r in have if r["st"] == 2]
    if len(reqs) < 4:
        missing.append("SYN_RECV requests of the listener: %d" % len(reqs))
    if not syn_sent:
        missing.append("no SYN_SENT")
    orph = [r for r in have if r["inode"] == 0 and r["st"] in (4, 5, 9)]
    result(not missing and len(orph) >= 3,
           "ns1 holds every state: LISTEN, %d SYN_RECV requests, SYN_SENT, "
           "ESTABLISHED (unaccepted child, data queued v4/v6, unread data), "
           "FIN_WAIT1, FIN_WAIT2, CLOSE_WAIT, LAST_ACK, TIME_WAIT v4/v6, %d "
           "orphans (inode 0)" % (len(reqs), len(orph)),
           *(missing + [r["line"] for r in have]))
    queued = [r for r in have if r["st"] == 1 and r["tx"] > 0]
    result(len(queued) >= 2, "... with unsent data in send queues "
           "(tx_queue > 0 on %d lines)" % len(queued))

    # The victim process: a child with the ns1 sockets.
    rd, wr = os.pipe()
    pid = os.fork()
    if pid == 0:
        for s in P:
            os.close(s.fileno())
        os.close(wr)
        os.read(rd, 1)
        os._exit(0)
    os.close(rd)
    for s in V:
        s.close()
    rc0 = refcnt()
    t_kill = time.time()
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    try:
        os.kill(int(o["ns1pid"]), signal.SIGKILL)
    except (OSError, ValueError):
        pass
    d = subprocess.run(["ip", "netns", "del", NS1], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True)
    result(d.returncode == 0, "ns1's processes killed, `ip netns del %s` "
           "(%.1f s)" % (NS1, time.time() - t_kill), d.stdout)
    alive = dev_present(PROC2, DEV2)
    rc1 = refcnt()
    result(alive, "right after: ns1 still exists (its veth's peer %s is "
           "still in ns2): its orphans hold it" % DEV2,
           "module refcnt %s -> %s" % (rc0, rc1))
    gone = wait_for(lambda: not dev_present(PROC2, DEV2), 40, 0.2)
    t_gone = time.time() - t_kill
    diag("module refcnt: %s before the kill, %s after, %s when ns1 went" % (
        rc0, rc1, refcnt()))
    result(gone, "ns1 is dismantled once its orphans are done: %s gone "
           "from ns2 %.1f s after the kill" % (DEV2, t_gone),
           "ns2 sockets: " + "; ".join(r["line"] for r in rows(PROC2)))
    # ns1's TIME-WAIT objects were purged with it; had a timer survived
    # the purge, it would fire at 2 * msl after their creation.
    if gone:
        while time.time() < t_kill + 18:
            time.sleep(0.5)
        result(True, "waited past the TIME-WAIT objects' 2 MSL (16 s) "
               "after ns1 was dismantled (KASAN would report a timer "
               "touching the freed namespace)")
    os.close(wr)
    for s in P:
        try:
            s.close()
        except OSError:
            pass
    # ns2's peer sockets end too (their orphans cannot reach ns1 any
    # more: no route; orphan_retries 1, fin_timeout 2 in ns2): no ATCP
    # socket is left anywhere.
    t = time.time()
    z = wait_for(lambda: refcnt() == 0, 20)
    result(z, "the peers closed too; their orphans, whose FINs have no "
           "route any more, end: module refcnt 0 after %.1f s" %
           (time.time() - t), "refcnt %s; ns2: %s" % (refcnt(), "; ".join(
               r["line"] for r in rows(PROC2))))


# ------------------------------------------------------------- rmmod --

def zero_window_orphan():
    """An orphan with data queued to a live peer that does not read: the
    peer answers every zero-window probe, yet orphan_retries bounds the
    orphan's life (as tcp_probe_timer() does for SOCK_DEAD sockets)."""
    sysctl_set(NS1, "net.atcp.orphan_retries", 2)
    cap = Capture(NS2, DEV2, pcap=o["capdir"] + "/zerowindow.pcap")
    st0 = read_stat(PROC2 + "/atcp_stat")
    c, s = pair(4, IP1, IP2, 6106)
    n = fill(c)
    cport = c.getsockname()[1]
    time.sleep(2.0)
    before = [r for r in rows(PROC1) if r["lport"] == cport]
    peer = [r for r in rows(PROC2) if r["lport"] == 6106]
    st1 = read_stat(PROC2 + "/atcp_stat")
    segs = cap.snapshot(lambda x: 6106 in (x.sport, x.dport))
    wins = [x.win for x in segs if x.sport == 6106]
    tr = int(before[0]["line"].split()[5].split(":")[0], 16) if before \
        else None
    desc = "a peer that does not read closes its window (last window " \
           "%s), the sender goes to the persist timer (tr %s, want 4), " \
           "not to retransmissions" % (wins[-1] if wins else None, tr)
    drops = stat_delta(st0, st1, "RcvQDrop")["RcvQDrop"]
    result(wins and wins[-1] == 0 and tr == 4, desc,
           "peer's RcvQDrop +%d" % drops, *show(segs[-10:]))
    c.close()
    t0 = time.time()
    seen = []
    while time.time() < t0 + 20:
        r = [x for x in rows(PROC1) if x["lport"] == cport]
        if not r:
            break
        w = r[0]["line"].split()
        key = (r[0]["st"], w[5].split(":")[0], int(w[6], 16), int(w[8]))
        if not seen or seen[-1][1] != key:
            seen.append((round(time.time() - t0, 1), key))
        time.sleep(0.2)
    life = time.time() - t0
    gone = not [x for x in rows(PROC1) if x["lport"] == cport]
    diag("zero-window orphan (%d bytes written): before close %s; peer %s" %
         (n, [r["line"] for r in before], [r["line"] for r in peer]),
         "(seconds, (state, timer, retransmits, probes)): %r" % seen)
    result(gone, "an orphan in FIN_WAIT1 behind data the peer never reads "
           "ends after orphan_retries (2) although the peer answers "
           "(%.1f s)" % life, "still listed after 20 s")
    cap.stop()
    s.close()
    sysctl_set(NS1, "net.atcp.orphan_retries", 0)


def raw_zero_window_orphan():
    """A peer that keeps its window at zero and answers every probe: a raw
    socket in ns2 (ns2's own RSTs for that port are dropped) completes the
    handshake with window 0, then answers each segment with an ACK
    showing window 0.  Our socket queues data (persist timer), closes: the
    orphan's answered probes must not keep it alive past orphan_retries
    (tcp_probe_timer() bounds a SOCK_DEAD socket by its back-off)."""
    port, isn = 6107, 777000
    sysctl_set(NS1, "net.atcp.orphan_retries", 2)
    ok, out_ = tc(NS2, "filter add dev %s egress prio 4 protocol ip u32 "
                  "match ip protocol %d 0xff match u16 %d 0xffff at 20 "
                  "match u8 0x04 0x04 at 33 action drop" % (DEV2, ATCP, port))
    with netns(NS2):
        rx = socket.socket(socket.AF_INET, socket.SOCK_RAW, ATCP)
        tx = RawSender()
    rx.settimeout(0.2)
    stop, probes, peer_isn = [False], [], [None]

    def responder():
        while not stop[0]:
            try:
                data = rx.recv(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            ihl = (data[0] & 0xf) * 4
            seg = data[ihl:]
            sp, dp, seq, ack, off, fl = struct.unpack("!HHIIBB", seg[:14])
            if dp != port or fl & 0x04:
                continue
            if fl & SYN:
                peer_isn[0] = seq
                rep = build_seg(IP2, IP1, port, sp, isn, seq + 1, SYN | 0x10,
                                mss=1460, window=0)
            elif peer_isn[0] is None:
                continue
            else:
                # Whatever comes (probe or data): nothing taken, window 0.
                probes.append((time.time(), seq, len(seg) - (off >> 4) * 4))
                rep = build_seg(IP2, IP1, port, sp, isn + 1,
                                peer_isn[0] + 1, 0x10, window=0)
            tx.send(IP2, IP1, rep)

    th = threading.Thread(target=responder, daemon=True)
    th.start()
    c = asock(NS1, 4)
    c.settimeout(5)
    err = 0
    try:
        c.connect((IP2, port))
    except OSError as e:
        err = e.errno
    if err:
        result(False, "raw zero-window peer: connect", errname(err), out_)
        stop[0] = True
        return
    cport = c.getsockname()[1]
    c.setblocking(False)
    try:
        c.send(b"d" * 5000)
    except BlockingIOError:
        pass
    time.sleep(2)
    r = [x for x in rows(PROC1) if x["lport"] == cport]
    tr = int(r[0]["line"].split()[5].split(":")[0], 16) if r else None
    np = len(probes)
    result(tr == 4 and np >= 1, "raw zero-window peer: our socket probes "
           "the closed window (tr 4, %d probes answered in 2 s)" % np,
           *[x["line"] for x in r])
    c.close()
    t0 = time.time()
    gone = wait_for(lambda: not [x for x in rows(PROC1)
                                 if x["lport"] == cport], 20, 0.2)
    n_after = len([p for p in probes if p[0] > t0])
    result(gone, "... once closed, the orphan ends after orphan_retries (2) "
           "probes although every one is answered (%.1f s, %d probes)" %
           (time.time() - t0, n_after),
           *[x["line"] for x in rows(PROC1) if x["lport"] == cport])
    stop[0] = True
    th.join(1)
    if not gone:
        # Kill it: a RST at its RCV.NXT.
        tx.send(IP2, IP1, build_seg(IP2, IP1, port, cport, isn + 1, 0,
                                    0x04))
        wait_for(lambda: not [x for x in rows(PROC1)
                              if x["lport"] == cport], 5, 0.2)
    tc(NS2, "filter del dev %s egress prio 4" % DEV2)
    rx.close()
    sysctl_set(NS1, "net.atcp.orphan_retries", 0)


def cmd_rmmod():
    ko = o["ko"]
    with guarded("zero-window orphan"):
        zero_window_orphan()
    with guarded("raw zero-window peer"):
        raw_zero_window_orphan()
    base = wait_for(lambda: refcnt() == 0, 20)
    result(base, "module refcnt 0 before the rmmod checks",
           "refcnt %s" % refcnt())
    sysctl_set(NS1, "net.atcp.msl", 60)
    sysctl_set(NS2, "net.atcp.msl", 60)
    sysctl_set(NS1, "net.atcp.fin_timeout", 8)
    tw = []
    for fam, cip, sip, port in ((4, IP1, IP2, 6101), (6, IP6_1, IP6_2, 6102)):
        c, s = pair(fam, cip, sip, port)
        tw.append((PROC1, c.getsockname()[1], port))
        c.close()
        time.sleep(0.1)
        s.close()
    c, s = pair(4, IP1, IP2, 6103)		# server closes first: TW in ns2
    tw.append((PROC2, 6103, c.getsockname()[1]))
    s.close()
    time.sleep(0.1)
    c.close()
    # The FIN_WAIT2 orphan: our FIN is acknowledged, then the peer's
    # socket goes away without a word (its RST dropped).
    c, s = pair(4, IP1, IP2, 6104)
    fport = c.getsockname()[1]
    c.close()
    t_orphan = time.time()
    time.sleep(0.2)
    ok, out = tc(NS2, "filter add dev %s egress prio 3 protocol ip u32 match "
                 "ip protocol %d 0xff match u16 6104 0xffff at 20 action drop"
                 % (DEV2, ATCP))
    abort(s)
    time.sleep(0.3)
    tc(NS2, "filter del dev %s egress prio 3" % DEV2)
    r1, r2 = rows(PROC1), rows(PROC2)
    tws = [t for t in tw if any(r["st"] == 6 and r["lport"] == t[1] and
                                r["rport"] == t[2]
                                for r in (r1 if t[0] == PROC1 else r2))]
    orphan = [r for r in r1 if r["lport"] == fport and r["st"] == 5 and
              r["inode"] == 0]
    others = [r for r in r1 + r2 if r["st"] != 6 and r not in orphan]
    result(len(tws) == 3 and orphan and not others and ok,
           "every user socket closed: ns1 lists 2 TIME_WAIT (v4, v6) and the "
           "FIN_WAIT2 orphan, ns2 one TIME_WAIT, nothing else",
           out, *[r["line"] for r in r1 + r2])
    rc = refcnt()
    e = delete_module()
    rm = subprocess.run(["rmmod", "atcp"], stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT, universal_newlines=True)
    result(rc and rc > 0 and e == errno.EAGAIN and rm.returncode != 0,
           "the orphan holds a module reference (refcnt %s): rmmod fails "
           "(delete_module: %s; rmmod: %s)" % (rc, errname(e),
                                               rm.stdout.strip()))
    z = wait_for(lambda: refcnt() == 0, 20)
    dt = time.time() - t_orphan
    result(z and 7 < dt < 12, "the orphan ends after fin_timeout (8 s): "
           "refcnt 0 %.1f s after it was orphaned" % dt,
           "refcnt %s" % refcnt())
    r1, r2 = rows(PROC1), rows(PROC2)
    n = len([r for r in r1 + r2 if r["st"] == 6])
    result(n == 3, "the 3 TIME_WAIT objects are still there", *[
        r["line"] for r in r1 + r2])
    e = delete_module()
    result(e == 0 and not os.path.exists("/sys/module/atcp"),
           "rmmod succeeds with TIME_WAIT objects left (unload purges them)",
           "delete_module: %s" % errname(e))
    e = load_module(ko)
    result(e == 0, "the module loads again", "finit_module: %s" % errname(e))
    time.sleep(0.2)
    left = rows(PROC1) + rows(PROC2)
    result(not left, "nothing of the old state is listed in ns1 or ns2",
           *[r["line"] for r in left])
    try:
        c = asock(NS1, 4)
        c.bind((IP1, tw[0][1]))
        c.close()
        berr = 0
    except OSError as ex:
        berr = ex.errno
    result(berr == 0, "the port that was in TIME_WAIT can be bound again "
           "(%d)" % tw[0][1], "bind: %s" % errname(berr))
    try:
        c, s = pair(4, IP1, IP2, 6105)
        c.sendall(b"fresh")
        got = s.recv(10)
        c.close()
        s.close()
        result(got == b"fresh", "a new connection works after the reload")
    except OSError as ex:
        result(False, "a new connection works after the reload", str(ex))


with guarded(sys.argv[1]):
    {"netns": cmd_netns, "rmmod": cmd_rmmod}[sys.argv[1]]()
