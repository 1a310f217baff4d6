# SPDX-License-Identifier: GPL-2.0
"""bind(2) and port allocation checks for selftests/test_bind.sh.

Run as: python3 -S conn_bind.py ns1=NS ns2=NS ip1=A ip2=A ip6_1=A ip6_2=A
Sockets are bound in ns1 (whose net.ipv4.ip_local_port_range this
changes); ns2 holds the listeners that ns1's connect()s go to.  Where a
rule is "as TCP", the same steps are also run with Linux TCP in the same
kernel and the two results must agree, besides matching the values the
checks state.  Prints PASS/FAIL/SKIP lines (lib.sh tap_import).
"""

import errno
import select
import socket
import sys

from conn_lib import (args, asock, diag, errname, guarded, raw_bind,
                      raw_call, result, sockaddr_in, sockaddr_in6, sysctl_get,
                      sysctl_set, try_errno, wait_connected)

o = args(sys.argv[1:])
NS1, NS2 = o["ns1"], o["ns2"]
IP = {4: (o["ip1"], o["ip2"]), 6: (o["ip6_1"], o["ip6_2"])}
ANY = {4: "0.0.0.0", 6: "::"}
NONLOCAL = {4: "10.0.1.99", 6: "fd00::99"}
AF = {4: socket.AF_INET, 6: socket.AF_INET6}
TCP = 0
RANGE = (40000, 40009)

opened = []


def sock(fam, proto=None, ns=None, reuse=False, reuseport=False,
         v6only=None, nonblock=False):
    s = asock(NS1 if ns is None else ns, AF[fam], proto=proto,
              nonblock=nonblock)
    opened.append(s)
    if reuse:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuseport:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    if v6only is not None:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
    return s


def close_all():
    while opened:
        try:
            opened.pop().close()
        except OSError:
            pass


def run(steps, proto):
    """Run STEPS with sockets of PROTO; the errno of each bind/listen.
    A step: (name, fam, {socket options}) creates socket NAME;
    ("bind", name, addr, port); ("listen", name)."""
    socks, res = {}, []
    for st in steps:
        if st[0] == "bind":
            res.append(raw_bind(socks[st[1]], st[2], st[3]))
        elif st[0] == "listen":
            res.append(try_errno(socks[st[1]].listen, 8))
        else:
            socks[st[0]] = sock(st[1], proto=proto, **st[2])
    close_all()
    return tuple(res)


def scenario(desc, steps, want=None):
    """Check a bind scenario against WANT (errnos) and against Linux TCP."""
    got, ref = run(steps, None), run(steps, TCP)
    names = lambda r: "(%s)" % ", ".join(errname(e) for e in r)	# noqa
    why = ["ATCP %s, Linux TCP %s%s" % (
        names(got), names(ref), ", want %s" % names(want) if want else "")]
    result(got == ref and (want is None or got == want),
           "%s: %s" % (desc, names(want or ref)), *why)


# --------------------------------------------------------- explicit bind --

for fam in (4, 6):
    with guarded("IPv%d explicit bind" % fam):
        s = sock(fam)
        e = try_errno(s.bind, (IP[fam][0], 8001))
        name = s.getsockname()[:2]
        result(e == 0 and name == (IP[fam][0], 8001),
               "IPv%d bind to %s port 8001; getsockname() reports it" % (
                   fam, IP[fam][0]), "bind %s, getsockname %r" % (
                       errname(e), name))
        e = try_errno(s.bind, (IP[fam][0], 8002))
        result(e == errno.EINVAL, "IPv%d second bind() of a bound socket: "
               "EINVAL" % fam, "got %s" % errname(e))
        close_all()

# ------------------------------------------------------- SO_REUSEPORT --
# (before the port range shrinks: ns1 needs 20 source ports here)

for fam in (4, 6):
    with guarded("IPv%d SO_REUSEPORT group" % fam):
        port = 8010 + fam
        ls = [sock(fam, ns=NS2, reuseport=True, nonblock=True)
              for _ in range(2)]
        errs = [try_errno(lsk.bind, (IP[fam][1], port)) for lsk in ls] + \
            [try_errno(lsk.listen, 32) for lsk in ls]
        result(errs == [0] * 4, "IPv%d two SO_REUSEPORT sockets (same uid) "
               "bind and listen on one port" % fam,
               "bind, bind, listen, listen: %s" % [errname(e) for e in errs])
        if errs != [0] * 4:
            close_all()
            continue
        cs = []
        for _ in range(20):
            c = sock(fam, nonblock=True)
            c.connect_ex((IP[fam][1], port))
            cs.append(c)
        res = [wait_connected(c, 20)[0] for c in cs]
        counts = [0, 0]
        p = select.poll()
        for lsk in ls:
            p.register(lsk, select.POLLIN)
        for _ in range(40):
            if sum(counts) >= 20 or not p.poll(2000):
                break
            for i, lsk in enumerate(ls):
                try:
                    while True:
                        a, _ = lsk.accept()
                        opened.append(a)
                        counts[i] += 1
                except BlockingIOError:
                    pass
        result(res.count(0) == 20 and sum(counts) == 20 and min(counts) > 0,
               "IPv%d 20 connections are spread over both SO_REUSEPORT "
               "listeners" % fam, "connects ok: %d, accepted per listener: "
               "%r" % (res.count(0), counts))
        close_all()

# ------------------------------------------------------------ conflicts --

for fam in (4, 6):
    ip, any_ = IP[fam][0], ANY[fam]
    p = 8100 + 20 * fam
    with guarded("IPv%d bind conflicts" % fam):
        scenario("IPv%d two binds to the same address and port" % fam,
                 [("a", fam, {}), ("b", fam, {}),
                  ("bind", "a", ip, p), ("bind", "b", ip, p)],
                 (0, errno.EADDRINUSE))
        scenario("IPv%d bind to the wildcard, then to a specific address, "
                 "same port" % fam,
                 [("a", fam, {}), ("b", fam, {}),
                  ("bind", "a", any_, p + 1), ("bind", "b", ip, p + 1)],
                 (0, errno.EADDRINUSE))
        scenario("IPv%d SO_REUSEADDR on both, neither listening" % fam,
                 [("a", fam, {"reuse": True}), ("b", fam, {"reuse": True}),
                  ("bind", "a", ip, p + 2), ("bind", "b", ip, p + 2)],
                 (0, 0))
        scenario("IPv%d SO_REUSEADDR only on the second socket" % fam,
                 [("a", fam, {}), ("b", fam, {"reuse": True}),
                  ("bind", "a", ip, p + 3), ("bind", "b", ip, p + 3)],
                 (0, errno.EADDRINUSE))
        scenario("IPv%d SO_REUSEADDR bind next to a SO_REUSEADDR listener"
                 % fam,
                 [("a", fam, {"reuse": True}), ("b", fam, {"reuse": True}),
                  ("bind", "a", ip, p + 4), ("listen", "a"),
                  ("bind", "b", ip, p + 4)],
                 (0, 0, errno.EADDRINUSE))
        scenario("IPv%d SO_REUSEADDR on both, bound, then one listens" % fam,
                 [("a", fam, {"reuse": True}), ("b", fam, {"reuse": True}),
                  ("bind", "a", ip, p + 5), ("bind", "b", ip, p + 5),
                  ("listen", "a")])
        scenario("IPv%d SO_REUSEPORT only on the first socket" % fam,
                 [("a", fam, {"reuseport": True}), ("b", fam, {}),
                  ("bind", "a", ip, p + 6), ("bind", "b", ip, p + 6)],
                 (0, errno.EADDRINUSE))
        scenario("IPv%d different local addresses, same port" % fam,
                 [("a", fam, {}), ("b", fam, {}),
                  ("bind", "a", ip, p + 7),
                  ("bind", "b", "127.0.0.1" if fam == 4 else "::1", p + 7)],
                 (0, 0))

with guarded("IPv4 / IPv6 bind conflicts"):
    p = 8200
    scenario("dual-stack [::] then 0.0.0.0, same port",
             [("a", 6, {"v6only": 0}), ("b", 4, {}),
              ("bind", "a", "::", p), ("bind", "b", "0.0.0.0", p)],
             (0, errno.EADDRINUSE))
    scenario("0.0.0.0 then dual-stack [::], same port",
             [("a", 4, {}), ("b", 6, {"v6only": 0}),
              ("bind", "a", "0.0.0.0", p + 1), ("bind", "b", "::", p + 1)],
             (0, errno.EADDRINUSE))
    scenario("IPV6_V6ONLY [::] then 0.0.0.0, same port",
             [("a", 6, {"v6only": 1}), ("b", 4, {}),
              ("bind", "a", "::", p + 2), ("bind", "b", "0.0.0.0", p + 2)],
             (0, 0))
    scenario("0.0.0.0 then IPV6_V6ONLY [::], same port",
             [("a", 4, {}), ("b", 6, {"v6only": 1}),
              ("bind", "a", "0.0.0.0", p + 3), ("bind", "b", "::", p + 3)],
             (0, 0))
    scenario("dual-stack [::] then %s, same port" % IP[4][0],
             [("a", 6, {"v6only": 0}), ("b", 4, {}),
              ("bind", "a", "::", p + 4), ("bind", "b", IP[4][0], p + 4)],
             (0, errno.EADDRINUSE))
    scenario("IPV6_V6ONLY [::] then %s, same port" % IP[4][0],
             [("a", 6, {"v6only": 1}), ("b", 4, {}),
              ("bind", "a", "::", p + 5), ("bind", "b", IP[4][0], p + 5)],
             (0, 0))
    scenario("IPV6_V6ONLY [::] then [%s], same port" % IP[6][0],
             [("a", 6, {"v6only": 1}), ("b", 6, {}),
              ("bind", "a", "::", p + 6), ("bind", "b", IP[6][0], p + 6)],
             (0, errno.EADDRINUSE))

# ------------------------------------------------ addresses and sockaddrs --

for fam in (4, 6):
    with guarded("IPv%d bad addresses" % fam):
        knob = "net.ipv%d.ip_nonlocal_bind" % fam
        old = sysctl_get(NS1, knob)
        if old != "0":
            sysctl_set(NS1, knob, 0)
        s = sock(fam)
        e = try_errno(s.bind, (NONLOCAL[fam], 8301))
        result(e == errno.EADDRNOTAVAIL, "IPv%d bind to %s (not on the host):"
               " EADDRNOTAVAIL" % (fam, NONLOCAL[fam]), "got %s" % errname(e))
        sysctl_set(NS1, knob, 1)
        s = sock(fam)
        e = try_errno(s.bind, (NONLOCAL[fam], 8301))
        result(e == 0, "IPv%d ... allowed with %s=1" % (fam, knob),
               "got %s" % errname(e))
        sysctl_set(NS1, knob, old)
        close_all()

        def raw(fn, sa, salen=None):
            return [raw_call(fn, sock(fam, proto=pr), sa, salen)
                    for pr in (None, TCP)]

        if fam == 4:
            good = sockaddr_in(IP[4][0], 8302)
            wrong = sockaddr_in6(IP[6][0], 8302)
            short = 8
        else:
            good = sockaddr_in6(IP[6][0], 8302)
            wrong = sockaddr_in(IP[4][0], 8302) + b"\0" * 12
            wrong = wrong[:28]
            short = 20
        for fn in ("bind", "connect"):
            got = raw(fn, good, short)
            result(got == [errno.EINVAL, errno.EINVAL],
                   "IPv%d %s() with a %d-byte sockaddr: EINVAL (as TCP)" % (
                       fam, fn, short),
                   "ATCP %s, TCP %s" % tuple(errname(e) for e in got))
            close_all()
            got = raw(fn, wrong)
            result(got == [errno.EAFNOSUPPORT, errno.EAFNOSUPPORT],
                   "IPv%d %s() with a sockaddr of family %s: EAFNOSUPPORT "
                   "(as TCP)" % (fam, fn, "AF_INET6" if fam == 4 else
                                 "AF_INET"),
                   "ATCP %s, TCP %s" % tuple(errname(e) for e in got))
            close_all()

# ------------------------------------------------------ ephemeral ports --

old_range = sysctl_get(NS1, "net.ipv4.ip_local_port_range")
sysctl_set(NS1, "net.ipv4.ip_local_port_range", "%d %d" % RANGE)
diag("ns1 net.ipv4.ip_local_port_range: %s -> %s" % (
    old_range, sysctl_get(NS1, "net.ipv4.ip_local_port_range")))
inrange = lambda p: RANGE[0] <= p <= RANGE[1]		# noqa: E731
n = RANGE[1] - RANGE[0] + 1

for fam in (4, 6):
    with guarded("IPv%d port 0" % fam):
        ss = [sock(fam) for _ in range(n + 1)]
        errs = [try_errno(s.bind, (ANY[fam], 0)) for s in ss]
        ports = [s.getsockname()[1] for s, e in zip(ss, errs) if e == 0]
        result(errs[:n] == [0] * n and all(map(inrange, ports)) and
               len(set(ports)) == n,
               "IPv%d %d binds to port 0 get %d distinct ports in "
               "ip_local_port_range %d-%d" % (fam, n, n, RANGE[0], RANGE[1]),
               "errors %s" % [errname(e) for e in errs[:n]],
               "ports %r" % ports)
        result(errs[n] == errno.EADDRINUSE,
               "IPv%d one more bind to port 0 with the range used up: "
               "EADDRINUSE" % fam, "got %s" % errname(errs[n]))
        close_all()

    with guarded("IPv%d connect without bind" % fam):
        ls = sock(fam, ns=NS2)
        ls.bind((IP[fam][1], 8400 + fam))
        ls.listen(16)
        cs = [sock(fam) for _ in range(3)]
        errs = [c.connect_ex((IP[fam][1], 8400 + fam)) for c in cs]
        ports = [c.getsockname()[1] for c in cs]
        result(errs == [0] * 3 and all(map(inrange, ports)),
               "IPv%d connect() without bind() picks source ports in "
               "%d-%d" % (fam, RANGE[0], RANGE[1]),
               "connect %s, ports %r" % ([errname(e) for e in errs], ports))
        close_all()

sysctl_set(NS1, "net.ipv4.ip_local_port_range", old_range)

# ---------------------------------------------- ATCP and TCP port spaces --

for fam in (4, 6):
    with guarded("IPv%d ATCP and TCP ports" % fam):
        p = 8500 + fam
        t = sock(fam, proto=TCP)
        t.bind((IP[fam][0], p))
        t.listen(4)
        a = sock(fam)
        e = [try_errno(a.bind, (IP[fam][0], p)), try_errno(a.listen, 4)]
        result(e == [0, 0], "IPv%d ATCP bind+listen on a port a TCP "
               "listener holds" % fam, "got %s" % [errname(x) for x in e])
        c = sock(fam, ns=NS2)
        ec = c.connect_ex((IP[fam][0], p))
        a.settimeout(10)
        try:
            acc = a.accept()[0]
            opened.append(acc)
        except OSError as ex:
            acc = ex
        t.setblocking(False)
        try:
            t.accept()
            tcp_got = True
        except BlockingIOError:
            tcp_got = False
        result(ec == 0 and isinstance(acc, socket.socket) and not tcp_got,
               "IPv%d an ATCP connect() to that port reaches the ATCP "
               "listener, not the TCP one" % fam,
               "connect %s, ATCP accept %r, TCP accepted: %s" % (
                   errname(ec), acc, tcp_got))
        close_all()
        a = sock(fam)
        a.bind((IP[fam][0], p + 10))
        a.listen(4)
        t = sock(fam, proto=TCP)
        e = [try_errno(t.bind, (IP[fam][0], p + 10)), try_errno(t.listen, 4)]
        result(e == [0, 0], "IPv%d TCP bind+listen on a port an ATCP "
               "listener holds" % fam, "got %s" % [errname(x) for x in e])
        close_all()

close_all()
