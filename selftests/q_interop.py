#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Handshake interop driver for selftests/test_interop_handshake.sh.

One process per direction; it makes its sockets in ns1 and ns2 (setns, see
q_common.netns) and runs `ss` in a namespace by forking from it.  The tc
protocol rewrite (lib.sh rewrite_add) is installed by the shell.

  run case=linux-client ns1=NS ns2=NS stat1=PATH stat2=PATH plan=FILE
      Linux TCP in ns1 (its veth rewritten) connects to ATCP listeners in
      ns2, IPv4 then IPv6: connect() succeeds, ATCP accept() returns it,
      `ss -tn` in ns1 shows ESTAB, ns2's atcp_stat shows PassiveOpens and
      CurrEstab 1 (then 2); closing the ATCP sockets brings CurrEstab back
      to 0.
  run case=atcp-client ...
      ATCP in ns1 connects to Linux TCP listeners in ns2 (ns2's veth
      rewritten): connect() succeeds, Linux accept() returns it, `ss -tn`
      in ns2 shows ESTAB, ns1's atcp_stat shows ActiveOpens and CurrEstab
      1 (then 2), /proc/net/atcp{,6} in ns1 lists the socket as
      ESTABLISHED (SKIP when the file does not exist yet).
  analyze pcap=FILE plan=FILE [linux_csum=1]
      Per connection: SYN, SYN-ACK and ACK on the wire, every segment
      both ways IP protocol 253 (IPv6 next header 253), none 6; ATCP's
      segments carry valid TCP checksums, and so do Linux's when the
      shell turned checksum offload off (linux_csum=1; with offload a
      veth carries partial checksums).
"""

import json
import os
import select
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from q_common import (netns, Stat, pcap, result, out, opt_of, args,  # noqa: E402
                      ATCP, SYN, ACK, RST)

IP2, IP6_2 = "10.0.1.2", "fd00::2"


def ss(ns):
    with netns(ns):
        try:
            return subprocess.run(["ss", "-tn"], stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, timeout=60
                                  ).stdout.decode()
        except (OSError, subprocess.SubprocessError) as e:
            return "ss failed: %s" % e


def ss_state(text, local, peer):
    """State column of the ss line for local -> peer, or None."""
    def fmt(a):
        return ("[%s]:%d" % a[:2]) if ":" in a[0] else "%s:%d" % a[:2]
    for line in text.splitlines():
        f = line.split()
        if len(f) >= 5 and f[3] == fmt(local) and f[4] == fmt(peer):
            return f[0]
    return None


def proc_state(path, lport):
    """Hex state of the /proc/net/atcp{,6} line with local port lport."""
    with open(path) as f:
        lines = f.read().splitlines()[1:]
    for line in lines:
        fl = line.split()
        if len(fl) > 3 and int(fl[1].rsplit(":", 1)[1], 16) == lport:
            return fl[3]
    return None


def accept(ls, timeout):
    p = select.poll()
    p.register(ls, select.POLLIN)
    if not p.poll(int(timeout * 1000)):
        return None, None
    return ls.accept()


def run_case(o, atcp_client):
    ns1, ns2 = opt_of(o, "ns1", "ns1"), opt_of(o, "ns2", "ns2")
    st1, st2 = Stat(opt_of(o, "stat1")), Stat(opt_of(o, "stat2"))
    cproto = ATCP if atcp_client else 0
    sproto = 0 if atcp_client else ATCP
    what = "ATCP client -> Linux TCP server" if atcp_client else \
        "Linux TCP client -> ATCP server"
    plan = []
    keep = []
    for n, (v, fam, addr, port) in enumerate(
            (("IPv4", socket.AF_INET, IP2, 9601 if atcp_client else 9501),
             ("IPv6", socket.AF_INET6, IP6_2,
              9602 if atcp_client else 9502)), 1):
        with netns(ns2):
            ls = socket.socket(fam, socket.SOCK_STREAM, sproto)
            ls.bind((addr, port))
            ls.listen(4)
            ls.setblocking(False)
        with netns(ns1):
            c = socket.socket(fam, socket.SOCK_STREAM, cproto)
        keep += [ls, c]
        c.settimeout(10)
        try:
            c.connect((addr, port))
            err = None
        except OSError as e:
            err = str(e)
        result(err is None, "%s %s: connect() succeeds" % (v, what),
               "connect: %s" % err)
        a, peer = accept(ls, 5)
        mine = c.getsockname()
        result(a is not None and peer[:2] == mine[:2],
               "%s %s: accept() returns the connection (peer %s)" %
               (v, what, peer[:2] if peer else None),
               "client is %r" % (mine[:2],))
        if a is not None:
            keep.append(a)
        plan.append({"v": v, "port": port, "cport": mine[1]})
        # The Linux end's view.
        lns = ns2 if atcp_client else ns1
        local, remote = ((a.getsockname(), peer) if atcp_client and a else
                         (mine, (addr, port)))
        text = ss(lns)
        state = ss_state(text, local, remote)
        result(state == "ESTAB", "%s %s: `ss -tn` in %s shows the Linux "
               "end ESTAB" % (v, what, lns), "state %s; ss output:" % state,
               *text.splitlines()[:10])
        # The ATCP end's counters (absolute: the namespaces are new).
        st = st1 if atcp_client else st2
        s = st.snap()
        opens = "ActiveOpens" if atcp_client else "PassiveOpens"
        result(s.get(opens) == n and s.get("CurrEstab") == n,
               "%s %s: atcp_stat of the ATCP end: %s=%d CurrEstab=%d" %
               (v, what, opens, n, n), "%s=%s CurrEstab=%s" %
               (opens, s.get(opens), s.get("CurrEstab")))
        if atcp_client:
            path = opt_of(o, "proc1") + ("6" if fam == socket.AF_INET6
                                         else "")
            if not os.path.exists(path):
                out("SKIP %s %s: %s lists the ATCP socket ESTABLISHED # "
                    "no %s yet" % (v, what, path, path))
            else:
                stt = proc_state(path, mine[1])
                result(stt == "01", "%s %s: /proc/net/atcp%s in ns1 lists "
                       "the ATCP socket ESTABLISHED (01)" %
                       (v, what, "6" if fam == socket.AF_INET6 else ""),
                       "state %s" % stt)
    # Close the ATCP ends (an established ATCP socket closes with RST).
    for x in keep:
        x.close()
    if not atcp_client:
        import time
        time.sleep(0.5)
        s = st2.snap()
        result(s.get("CurrEstab") == 0, "%s: closing the ATCP ends brings "
               "CurrEstab back to 0" % what, "CurrEstab=%s" %
               s.get("CurrEstab"))
    with open(opt_of(o, "plan"), "a") as f:
        for p in plan:
            p["case"] = what
            f.write(json.dumps(p) + "\n")


def cmd_run(o):
    run_case(o, opt_of(o, "case") == "atcp-client")


def cmd_analyze(o):
    pk = pcap(opt_of(o, "pcap"))
    linux_csum = opt_of(o, "linux_csum") == "1"
    with open(opt_of(o, "plan")) as f:
        plan = [json.loads(line) for line in f if line.strip()]
    for p in plan:
        segs = [x for x in pk if {x.sport, x.dport} == {p["port"],
                                                          p["cport"]}]
        fwd = [x for x in segs if x.dport == p["port"]]
        rev = [x for x in segs if x.sport == p["port"]]
        proto_ok = segs and all(x.proto == ATCP for x in segs)
        hs = (any(x.flags & (SYN | ACK) == SYN for x in fwd) and
              any(x.flags & (SYN | ACK) == SYN | ACK for x in rev) and
              any(x.flags & (SYN | ACK | RST) == ACK for x in fwd))
        nh = "next header" if p["v"] == "IPv6" else "protocol"
        result(bool(proto_ok) and fwd and rev,
               "%s %s: the wire carries IP %s %d both ways, never 6 "
               "(%d + %d segments)" % (p["v"], p["case"], nh, ATCP, len(fwd),
                                        len(rev)),
               *map(str, segs[:8]))
        result(hs, "%s %s: SYN, SYN-ACK, ACK on the wire" %
               (p["v"], p["case"]), *map(str, segs[:8]))
        atcp_port = p["cport"] if p["case"].startswith("ATCP") else p["port"]
        mine = [x for x in segs if x.sport == atcp_port]
        theirs = [x for x in segs if x.sport != atcp_port]
        bad = [x for x in mine if not x.csum_ok]
        result(mine and not bad, "%s %s: ATCP's segments carry TCP checksums "
               "(pseudo-header protocol 6): valid for a TCP decoder" %
               (p["v"], p["case"]), *map(str, bad))
        if linux_csum:
            bad = [x for x in theirs if not x.csum_ok]
            result(theirs and not bad, "%s %s: Linux's segments (checksum "
                   "offload off) carry full TCP checksums, which ATCP "
                   "accepted" % (p["v"], p["case"]), *map(str, bad))


def main():
    cmds = {"run": cmd_run, "analyze": cmd_analyze}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](args(sys.argv[2:]))


if __name__ == "__main__":
    main()
