# SPDX-License-Identifier: GPL-2.0
"""ATCP on the wire, decoded by tshark: the helper of test_tshark.sh.

Run as: python3 -S tshark_check.py CMD key=value...
Prints check lines for lib.sh's tap_import ("PASS d", "FAIL d" + reason
lines, "SKIP d # why"); anything else is a diagnostic.  Standard library
only (a python start costs seconds in the emulated VM; scapy's import
many more), so the capture is read by the small pcap parser below, which
shares nothing with tshark.

  traffic facts=FILE [bytes=N] [loss=PCT]
      The connections to capture, IPv4 (10.0.1.1 -> 10.0.1.2) and IPv6
      (fd00::1 -> fd00::2) at once, ATCP sockets in ns1 (client) and ns2
      (server):
        data   handshake on a clean link; then netem loss=PCT % on both
               veth ends while N bytes go each way (client first, the
               server answers once it has all), so that both ends send
               SACK blocks; netem off; the client closes, then the server
               (FIN each way).  What arrived is compared with what left.
        abort  handshake, 100 bytes from the client, then SO_LINGER {1, 0}
               and close(): a RST; the server's recv() sees ECONNRESET.
        closed a SYN to a port nobody listens on: RST|ACK, ECONNREFUSED.
      FILE gets one line per connection: "fam kind cport sport bytes".
  check pcap=FILE facts=FILE out=FILE tshark=PATH [proto=253]
      Reads the capture with the parser below, writes OUT: the capture's
      frames, then two tampered copies (one payload byte flipped, in an
      IPv4 data segment from the client and in an IPv6 one from the
      server), runs tshark once on OUT (-d ip.proto==PROTO,tcp: the same
      table serves IPv6's next header) and compares each frame's fields
      with the parser's: decoded as TCP, ports, flags, raw sequence and
      acknowledgment numbers, length, window, options (MSS, window scale,
      SACK-permitted, timestamps, SACK blocks), the checksum and its
      status; then the flag sequences of handshake, teardown and resets.
"""

import os
import socket
import struct
import sys
import threading

from conn_lib import ACK, FIN, RST, SYN, args, asock, diag, guarded, \
    parse_opts, result

ATCP = int(os.environ.get("ATCP_PROTO", "253"))
NS1, NS2 = os.environ.get("NS1", "ns1"), os.environ.get("NS2", "ns2")
DEV1 = os.environ.get("VETH1", "veth1")
DEV2 = os.environ.get("VETH2", "veth2")
ADDR = {4: ("10.0.1.1", "10.0.1.2"), 6: ("fd00::1", "fd00::2")}
PORT = {("data", 4): 7101, ("data", 6): 7102, ("abort", 4): 7103,
        ("abort", 6): 7104, ("closed", 4): 7105, ("closed", 6): 7106}
ABORT_BYTES = 100
MSS = {4: 1460, 6: 1440}	# veth MTU 1500 - IP and TCP headers
TIMEOUT = 120

# tshark's tcp.checksum.status (proto_checksum_enum_e): 0 Bad, 1 Good,
# 2 Unverified (tcp.check_checksum off, or a truncated frame), 3 Not
# present, 4 Illegal.
CK_BAD, CK_GOOD = 0, 1

FIELDS = ("frame.number", "frame.protocols", "ip.proto", "ipv6.nxt",
          "tcp.srcport", "tcp.dstport", "tcp.flags", "tcp.seq_raw",
          "tcp.ack_raw", "tcp.len", "tcp.window_size_value",
          "tcp.options.mss_val", "tcp.options.wscale.shift",
          "tcp.options.sack_perm", "tcp.options.timestamp.tsval",
          "tcp.options.timestamp.tsecr", "tcp.options.sack_le",
          "tcp.options.sack_re", "tcp.checksum", "tcp.checksum.status")


# ------------------------------------------------------------- traffic --

def tc(ns, *a):
    import subprocess
    r = subprocess.run(["tc", "-n", ns] + list(a), capture_output=True,
                       text=True, check=False)
    if r.returncode:
        diag("tc -n %s %s: %s" % (ns, " ".join(a), r.stderr.strip()))
    return r.returncode == 0


def recv_n(s, n):
    buf = bytearray()
    while len(buf) < n:
        b = s.recv(min(65536, n - len(buf)))
        if not b:
            break
        buf += b
    return bytes(buf)


def listener(fam, port):
    ls = asock(NS2, fam)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((ADDR[fam][1], port))
    ls.listen(4)
    ls.settimeout(TIMEOUT)
    return ls


def client(fam, port):
    c = asock(NS1, fam)
    c.settimeout(TIMEOUT)
    c.connect((ADDR[fam][1], port))
    return c


class Data:
    """One data connection: connect() now, exchange() under loss, close()."""

    def __init__(self, fam, nbytes):
        self.fam, self.n = fam, nbytes
        self.up = os.urandom(nbytes)
        self.down = os.urandom(nbytes)
        self.ls = listener(fam, PORT["data", fam])
        self.c = client(fam, PORT["data", fam])
        self.a, _ = self.ls.accept()
        self.a.settimeout(TIMEOUT)
        self.cport = self.c.getsockname()[1]
        self.got_up = self.got_down = b""
        self.err = []
        self.eof = None

    def _server(self):
        try:
            self.got_up = recv_n(self.a, self.n)
            self.a.sendall(self.down)
        except OSError as e:
            self.err.append("server: %s" % e)

    def _client(self):
        try:
            self.c.sendall(self.up)
            self.got_down = recv_n(self.c, self.n)
        except OSError as e:
            self.err.append("client: %s" % e)

    def threads(self):
        return [threading.Thread(target=self._server, daemon=True),
                threading.Thread(target=self._client, daemon=True)]

    def close(self):
        """The client closes first; the server closes once it has read
        the client's FIN (EOF), so each FIN acknowledges the other's."""
        try:
            self.c.close()
            self.eof = self.a.recv(1)
            self.a.close()
        except OSError as e:
            self.err.append("close: %s" % e)
        self.ls.close()

    def report(self):
        fam = "IPv%d" % self.fam
        result(not self.err and self.got_up == self.up and
               self.got_down == self.down and self.eof == b"",
               "%s data: %d bytes each way arrive intact under loss, then "
               "EOF" % (fam, self.n),
               "errors: %s" % (self.err or "none"),
               "received up %d, down %d bytes; after close: %r" % (
                   len(self.got_up), len(self.got_down), self.eof))


def abort(fam, facts):
    ls = listener(fam, PORT["abort", fam])
    c = client(fam, PORT["abort", fam])
    a, _ = ls.accept()
    a.settimeout(TIMEOUT)
    cport = c.getsockname()[1]
    c.sendall(b"a" * ABORT_BYTES)
    got = recv_n(a, ABORT_BYTES)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                 struct.pack("ii", 1, 0))
    c.close()
    try:
        r = a.recv(1)
        what = "recv returned %r" % r
    except ConnectionResetError:
        what = "ECONNRESET"
    except OSError as e:
        what = str(e)
    result(len(got) == ABORT_BYTES and what == "ECONNRESET",
           "IPv%d abort: SO_LINGER {1, 0} close() resets the peer "
           "(ECONNRESET)" % fam,
           "server got %d bytes, then %s" % (len(got), what))
    a.close()
    ls.close()
    facts.append("%d abort %d %d %d" % (fam, cport, PORT["abort", fam],
                                        ABORT_BYTES))


def closed(fam, facts):
    c = asock(NS1, fam)
    c.settimeout(TIMEOUT)
    c.bind((ADDR[fam][0], 0))
    cport = c.getsockname()[1]
    try:
        c.connect((ADDR[fam][1], PORT["closed", fam]))
        what = "connected"
    except ConnectionRefusedError:
        what = "ECONNREFUSED"
    except OSError as e:
        what = str(e)
    c.close()
    result(what == "ECONNREFUSED",
           "IPv%d closed port: connect() fails with ECONNREFUSED" % fam,
           "connect: %s" % what)
    facts.append("%d closed %d %d 0" % (fam, cport, PORT["closed", fam]))


def cmd_traffic(o):
    nbytes = int(o.get("bytes", "196608"))
    loss = o.get("loss", "8")
    facts = []
    with guarded("traffic"):
        conns = [Data(4, nbytes), Data(6, nbytes)]
        netem = [(NS1, DEV1), (NS2, DEV2)]
        on = [tc(ns, "qdisc", "add", "dev", dev, "root", "netem", "loss",
                 loss + "%") for ns, dev in netem]
        result(all(on), "netem loss %s%% on both veth ends" % loss)
        ths = [t for c in conns for t in c.threads()]
        for t in ths:
            t.start()
        for t in ths:
            t.join(TIMEOUT)
        for ns, dev in netem:
            tc(ns, "qdisc", "del", "dev", dev, "root")
        for c in conns:
            c.close()
            c.report()
            facts.append("%d data %d %d %d" % (c.fam, c.cport,
                                               PORT["data", c.fam], c.n))
        for fam in (4, 6):
            abort(fam, facts)
            closed(fam, facts)
    with open(o["facts"], "w") as f:
        f.write("\n".join(facts) + "\n")


# ---------------------------------------------------------------- pcap --

class Frame:
    """One captured IPv4/IPv6 packet, decoded here (not by tshark)."""
    __slots__ = ("no", "fam", "proto", "src", "dst", "l4", "l4off", "sport",
                 "dport", "seq", "ack", "flags", "win", "csum", "len",
                 "opts", "sack", "truncated", "hdr", "data")


def csum_add(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def csum_ok(f):
    """TCP's checksum, pseudo-header with protocol 6 whatever IP carries
    it (the wire format of ATCP)."""
    fam = socket.AF_INET if f.fam == 4 else socket.AF_INET6
    a = socket.inet_pton(fam, f.src) + socket.inet_pton(fam, f.dst)
    if f.fam == 4:
        ph = a + struct.pack("!BBH", 0, 6, len(f.l4))
    else:
        ph = a + struct.pack("!I3xB", len(f.l4), 6)
    return csum_add(ph + f.l4) == 0xffff


def read_pcap(path):
    """(global header, [(record header, frame bytes)], [Frame or None])."""
    with open(path, "rb") as fh:
        data = fh.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise ValueError("%s: not a pcap file" % path)
    if struct.unpack(e + "I", data[20:24])[0] & 0xffff != 1:
        raise ValueError("%s: not an Ethernet capture" % path)
    recs, frames, off = [], [], 24
    while off + 16 <= len(data):
        hdr = data[off:off + 16]
        _, _, incl, orig = struct.unpack(e + "IIII", hdr)
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        recs.append((hdr, pkt))
        frames.append(decode(len(recs), pkt, incl < orig))
    return data[:24], recs, frames


def decode(no, pkt, truncated):
    if len(pkt) < 14:
        return None
    etype, l3 = struct.unpack("!H", pkt[12:14])[0], pkt[14:]
    f = Frame()
    f.no, f.truncated = no, truncated
    if etype == 0x0800 and len(l3) >= 20:
        ihl = (l3[0] & 0xf) * 4
        f.fam, f.proto = 4, l3[9]
        tot = struct.unpack("!H", l3[2:4])[0]
        f.src = socket.inet_ntop(socket.AF_INET, l3[12:16])
        f.dst = socket.inet_ntop(socket.AF_INET, l3[16:20])
        f.l4, f.l4off = l3[ihl:tot], 14 + ihl
    elif etype == 0x86dd and len(l3) >= 40:
        f.fam, f.proto = 6, l3[6]
        plen = struct.unpack("!H", l3[4:6])[0]
        f.src = socket.inet_ntop(socket.AF_INET6, l3[8:24])
        f.dst = socket.inet_ntop(socket.AF_INET6, l3[24:40])
        f.l4, f.l4off = l3[40:40 + plen], 14 + 40
    else:
        return None
    if len(f.l4) < 20:
        return None
    (f.sport, f.dport, f.seq, f.ack, off, f.flags, f.win, f.csum) = \
        struct.unpack("!HHIIBBHH", f.l4[:18])
    f.hdr = (off >> 4) * 4
    f.opts = parse_opts(f.l4[20:f.hdr])
    f.sack = f.opts.pop("sack", [])
    f.len = len(f.l4) - f.hdr
    f.data = f.l4off + f.hdr		# offset of the payload in the frame
    return f


def write_pcap(path, ghdr, recs):
    with open(path, "wb") as fh:
        fh.write(ghdr)
        for hdr, pkt in recs:
            fh.write(hdr)
            fh.write(pkt)


def flag_names(flags):
    n = "".join(c for b, c in ((FIN, "F"), (SYN, "S"), (RST, "R"),
                               (0x08, "P"), (ACK, "A")) if flags & b)
    return n or "."


def show(f):
    return "#%d %s.%d > %s.%d [%s] seq=%d ack=%d len=%d %s%s" % (
        f.no, f.src, f.sport, f.dst, f.dport, flag_names(f.flags), f.seq,
        f.ack, f.len, " ".join("%s=%s" % kv for kv in sorted(f.opts.items())),
        " sack=%s" % f.sack if f.sack else "")


# -------------------------------------------------------------- tshark --

def run_tshark(tshark, path):
    import subprocess
    cmd = [tshark, "-n", "-r", path, "-d", "ip.proto==%d,tcp" % ATCP,
           "-o", "tcp.check_checksum:TRUE",
           "-o", "tcp.relative_sequence_numbers:FALSE",
           "-o", "tcp.desegment_tcp_streams:FALSE",
           "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a",
           "-E", "aggregator=,"]
    for fld in FIELDS:
        cmd += ["-e", fld]
    diag("running: " + " ".join(cmd))
    r = subprocess.run(cmd, capture_output=True, text=True, check=False)
    rows = {}
    for line in r.stdout.split("\n"):
        if not line:
            continue
        v = dict(zip(FIELDS, line.split("\t")))
        rows[int(v["frame.number"])] = v
    return r.returncode, rows, r.stderr


def ival(v, key, base=10):
    s = v.get(key, "")
    return int(s, base) if s != "" else None


def ilist(v, key):
    s = v.get(key, "")
    return [int(x) for x in s.split(",")] if s else []


def compare(f, v):
    """Differences between the parser's frame F and tshark's fields V."""
    d = []
    protos = v.get("frame.protocols", "").split(":")
    ip = "ip" if f.fam == 4 else "ipv6"
    if ip not in protos or protos.index(ip) + 1 >= len(protos) or \
            protos[protos.index(ip) + 1] != "tcp":
        d.append("frame.protocols %r: not TCP right after %s" % (
            v.get("frame.protocols"), ip))
    nxt = ival(v, "ip.proto" if f.fam == 4 else "ipv6.nxt")
    if nxt != f.proto or nxt != ATCP:
        d.append("IP protocol: tshark %s, parser %d, want %d" % (
            nxt, f.proto, ATCP))
    want = [("tcp.srcport", f.sport), ("tcp.dstport", f.dport),
            ("tcp.seq_raw", f.seq), ("tcp.ack_raw", f.ack),
            ("tcp.len", f.len), ("tcp.window_size_value", f.win),
            ("tcp.options.mss_val", f.opts.get("mss")),
            ("tcp.options.wscale.shift", f.opts.get("wscale")),
            ("tcp.options.timestamp.tsval", f.opts.get("tsval")),
            ("tcp.options.timestamp.tsecr", f.opts.get("tsecr"))]
    for key, mine in want:
        got = ival(v, key)
        if got != mine:
            d.append("%s: tshark %s, parser %s" % (key, got, mine))
    got = ival(v, "tcp.flags", 16)
    if got != f.flags:
        d.append("tcp.flags: tshark %s, parser 0x%03x" % (got, f.flags))
    got = ival(v, "tcp.checksum", 16)
    if got != f.csum:
        d.append("tcp.checksum: tshark %s, parser 0x%04x" % (got, f.csum))
    if bool(v.get("tcp.options.sack_perm")) != bool(f.opts.get("sackOK")):
        d.append("SACK-permitted: tshark %r, parser %s" % (
            v.get("tcp.options.sack_perm"), bool(f.opts.get("sackOK"))))
    blocks = list(zip(ilist(v, "tcp.options.sack_le"),
                      ilist(v, "tcp.options.sack_re")))
    if blocks != f.sack:
        d.append("SACK blocks: tshark %s, parser %s" % (blocks, f.sack))
    return d


# --------------------------------------------------------------- check --

def seq_after(a, b):
    return ((a - b) & 0xffffffff) < 0x80000000 and a != b


def check_decode(frames, rows, n_cap, tampered):
    """Every frame: decoded as TCP, fields equal, checksum status."""
    for fam in (4, 6):
        mine = [f for f in frames[:n_cap] if f and f.fam == fam]
        bad, csum_bad, trunc = [], [], []
        for f in mine:
            v = rows.get(f.no)
            if v is None:
                bad.append("#%d: not in tshark's output" % f.no)
                continue
            bad += ["#%d: %s" % (f.no, x) for x in compare(f, v)]
            st = ival(v, "tcp.checksum.status")
            if st != CK_GOOD or not csum_ok(f):
                csum_bad.append("#%d status %s (1 = Good), own check %s: "
                                "%s" % (f.no, st, csum_ok(f), show(f)))
            if f.truncated:
                trunc.append(f.no)
        nodes = {(f.src, f.dst) for f in mine}
        result(mine and not bad and len(nodes) == 2,
               "IPv%d: all %d frames decode as TCP over IP protocol %d, "
               "fields (ports, flags, raw seq/ack, length, window, options, "
               "SACK blocks, checksum) equal to the pcap parser's" % (
                   fam, len(mine), ATCP),
               *(bad[:20] + ["directions seen: %s" % sorted(nodes)]))
        result(mine and not csum_bad and not trunc,
               "IPv%d: tcp.checksum.status is 1 (Good) in every frame, both "
               "directions, and the own checksum agrees" % fam,
               *(csum_bad[:10] + ["truncated frames: %s" % trunc[:10]]))
    other = [f.no for f in frames[:n_cap] if f is None]
    result(not other, "the capture holds nothing but ATCP frames",
           "frames the parser could not decode: %s" % other[:20])
    for f, orig, what in tampered:
        v = rows.get(f.no, {})
        st = ival(v, "tcp.checksum.status")
        result(st == CK_BAD and not csum_ok(f),
               "IPv%d: a copy of frame #%d with one payload byte flipped "
               "(%s) is flagged bad by tshark (status 0) and by the own "
               "check" % (f.fam, orig, what),
               "tshark status %s, own check %s" % (st, csum_ok(f)))


def conn_frames(frames, fam, cport, sport):
    return [f for f in frames if f and f.fam == fam and
            {f.sport, f.dport} == {cport, sport}]


def check_data(fam, segs, cport, sport, nbytes, rows):
    name = "IPv%d data" % fam
    cl = [f for f in segs if f.sport == cport]
    sv = [f for f in segs if f.sport == sport]
    if len(cl) < 3 or len(sv) < 2:
        result(False, name + ": segments of the connection captured",
               *[show(f) for f in segs[:10]])
        return
    # Handshake: SYN, SYN-ACK, ACK, as tshark decoded them.
    first = [(f.sport == cport, ival(rows[f.no], "tcp.flags", 16))
             for f in segs[:3]]
    syn, synack, ack3 = segs[0], segs[1], segs[2]
    result(first == [(True, SYN), (False, SYN | ACK), (True, ACK)] and
           synack.ack == (syn.seq + 1) & 0xffffffff and
           ack3.seq == synack.ack and ack3.ack == (synack.seq + 1) &
           0xffffffff,
           name + ": handshake SYN, SYN-ACK, ACK (tshark tcp.flags 0x002, "
           "0x012, 0x010), each acknowledging the other's ISN + 1",
           *[show(f) for f in segs[:3]])
    # Options of SYN and SYN-ACK, as tshark decoded them.
    bad = []
    for f, who in ((syn, "SYN"), (synack, "SYN-ACK")):
        v = rows[f.no]
        got = (ival(v, "tcp.options.mss_val"),
               bool(v.get("tcp.options.sack_perm")),
               ival(v, "tcp.options.wscale.shift"),
               ival(v, "tcp.options.timestamp.tsval"),
               ival(v, "tcp.options.timestamp.tsecr"))
        want_ecr = 0 if f is syn else syn.opts.get("tsval")
        if got[0] != MSS[fam] or not got[1] or got[2] is None or \
                not 0 <= got[2] <= 14 or not got[3] or got[4] != want_ecr:
            bad.append("%s: mss %s sack_perm %s wscale %s tsval %s tsecr "
                       "%s (want mss %d, sack_perm, wscale 0..14, tsval, "
                       "tsecr %s)" % ((who,) + got + (MSS[fam], want_ecr)))
    result(not bad, name + ": SYN and SYN-ACK carry MSS %d, SACK-permitted, "
           "window scale, timestamps (SYN-ACK echoes the SYN's TSval)" %
           MSS[fam], *bad)
    # Timestamps on every later segment, echoing something the peer sent.
    nots = [show(f) for f in segs[2:] if "tsval" not in f.opts]
    result(not nots, name + ": every segment after the handshake carries "
           "timestamps", *nots[:10])
    # Data both ways: every byte covered, as tshark counted it.
    for src, isn, who in ((cl, syn.seq, "client"), (sv, synack.seq,
                                                     "server")):
        top = max([((f.seq - isn - 1) & 0xffffffff) +
                   ival(rows[f.no], "tcp.len") for f in src if f.len] or
                  [0])
        fin = [f for f in src if f.flags & FIN]
        result(top == nbytes and sum(ival(rows[f.no], "tcp.len")
                                     for f in src) >= nbytes,
               "%s: the %s's data segments cover %d bytes (tcp.len, "
               "tcp.seq_raw - ISN)" % (name, who, nbytes),
               "highest byte %d, FIN %s" % (top, [show(f) for f in fin]))
    # SACK blocks from both ends, within the data the peer sent.
    for src, peer_isn, who in ((cl, synack.seq, "client"),
                               (sv, syn.seq, "server")):
        blocks = [(f, le, re) for f in src for le, re in
                  zip(ilist(rows[f.no], "tcp.options.sack_le"),
                      ilist(rows[f.no], "tcp.options.sack_re"))]
        wrong = [show(f) for f, le, re in blocks
                 if not (seq_after(re, le) and seq_after(le, f.ack) and
                         ((re - peer_isn - 1) & 0xffffffff) <= nbytes)]
        result(blocks and not wrong,
               "%s: the %s sends SACK blocks (%d), each above its ACK and "
               "within the peer's data" % (name, who, len(blocks)),
               *(wrong[:10] or ["no SACK block from the %s" % who]))
    # Teardown: the client's FIN first, then the server's, each ACKed;
    # no RST.
    fins = [f for f in segs if f.flags & FIN]
    rsts = [f for f in segs if f.flags & RST]
    cfin = next((f for f in fins if f.sport == cport), None)
    sfin = next((f for f in fins if f.sport == sport), None)
    okay = cfin is not None and sfin is not None and not rsts
    if okay:
        cend = (cfin.seq + cfin.len + 1) & 0xffffffff
        send = (sfin.seq + sfin.len + 1) & 0xffffffff
        last = [f for f in cl if f.no > sfin.no and f.ack == send and
                f.flags & ACK and not f.flags & (FIN | SYN | RST)]
        okay = (cfin.no < sfin.no and sfin.ack == cend and
                rows[cfin.no]["tcp.flags"] == "0x0011" and
                rows[sfin.no]["tcp.flags"] == "0x0011" and bool(last) and
                ((cfin.seq - syn.seq - 1) & 0xffffffff) == nbytes and
                ((sfin.seq - synack.seq - 1) & 0xffffffff) == nbytes)
    result(okay, name + ": teardown: the client's FIN|ACK (0x011), the "
           "server's FIN|ACK acknowledging it, the client's last ACK; no "
           "RST", *[show(f) for f in (fins + rsts)[:8]] +
           [show(f) for f in segs[-4:]])


def check_abort(fam, segs, cport, sport, nbytes, rows):
    name = "IPv%d abort" % fam
    syn = next((f for f in segs if f.flags == SYN), None)
    synack = next((f for f in segs if f.flags == SYN | ACK), None)
    # A second RST from the client is legitimate: the server's delayed
    # ACK of the 100 bytes may cross the first one and meet no socket
    # (it is answered with SEQ = SEG.ACK, the same number).
    rsts = [f for f in segs if f.flags & RST]
    okay = syn is not None and synack is not None and len(rsts) >= 1
    if okay:
        want = (syn.seq + 1 + nbytes) & 0xffffffff
        r = rows[rsts[0].no]
        okay = (all(f.sport == cport and
                    ival(rows[f.no], "tcp.seq_raw") == want for f in rsts) and
                (not rsts[0].flags & ACK or
                 ival(r, "tcp.ack_raw") == (synack.seq + 1) & 0xffffffff) and
                not any(f.flags & FIN for f in segs))
    result(okay, name + ": the client's RST (tcp.flags 0x004 or 0x014) "
           "carries SEQ = ISN + 1 + %d, the server sends none, and no FIN "
           "is sent" % nbytes, *[show(f) for f in segs[-6:]])


def check_closed(fam, segs, cport, sport, rows):
    name = "IPv%d closed port" % fam
    syns = [f for f in segs if f.flags == SYN]
    rsts = [f for f in segs if f.flags & RST]
    okay = len(syns) == 1 and len(rsts) == 1 and len(segs) == 2
    if okay:
        r = rows[rsts[0].no]
        okay = (r["tcp.flags"] == "0x0014" and rsts[0].sport == sport and
                ival(r, "tcp.seq_raw") == 0 and
                ival(r, "tcp.ack_raw") == (syns[0].seq + 1) & 0xffffffff)
    result(okay, name + ": SYN answered by RST|ACK (0x014), SEQ 0, "
           "ACK = ISN + 1", *[show(f) for f in segs])


def cmd_check(o):
    import time
    ghdr, recs, frames = read_pcap(o["pcap"])
    n_cap = len(recs)
    diag("%d frames captured" % n_cap)
    facts = []
    with open(o["facts"]) as fh:
        for line in fh:
            w = line.split()
            if len(w) == 5:
                facts.append((int(w[0]), w[1], int(w[2]), int(w[3]),
                              int(w[4])))
    # The tampered copies: one payload byte flipped in an IPv4 data
    # segment from the client and an IPv6 one from the server.
    tampered = []
    for fam, from_client in ((4, True), (6, False)):
        fact = next((x for x in facts if x[0] == fam and x[1] == "data"),
                    None)
        if fact is None:
            continue
        src = fact[2] if from_client else fact[3]
        f = next((f for f in frames if f and f.fam == fam and
                  f.sport == src and f.len > 0 and not f.truncated), None)
        if f is None:
            continue
        hdr, pkt = recs[f.no - 1]
        at = f.data + f.len // 2
        pkt = pkt[:at] + bytes([pkt[at] ^ 0xff]) + pkt[at + 1:]
        recs.append((hdr, pkt))
        frames.append(decode(len(recs), pkt, False))
        tampered.append((frames[-1], f.no, "byte %d of %d" % (f.len // 2,
                                                          f.len)))
    write_pcap(o["out"], ghdr, recs)
    t0 = time.monotonic()
    rc, rows, err = run_tshark(o["tshark"], o["out"])
    diag("tshark took %.1f s, exit %d, %d rows" % (time.monotonic() - t0,
                                                    rc, len(rows)))
    result(rc == 0 and len(rows) == len(recs),
           "tshark reads the capture: one row per frame (%d)" % len(recs),
           "exit %d, %d rows" % (rc, len(rows)), *err.strip().split("\n")[-5:])
    if not rows:
        return
    check_decode(frames, rows, n_cap, tampered)
    real = frames[:n_cap]
    for fam, kind, cport, sport, nbytes in facts:
        segs = conn_frames(real, fam, cport, sport)
        with guarded("IPv%d %s: capture checks" % (fam, kind)):
            if kind == "data":
                check_data(fam, segs, cport, sport, nbytes, rows)
            elif kind == "abort":
                check_abort(fam, segs, cport, sport, nbytes, rows)
            elif kind == "closed":
                check_closed(fam, segs, cport, sport, rows)
    for fam in (4, 6):
        kinds = {x[1] for x in facts if x[0] == fam}
        result(kinds == {"data", "abort", "closed"},
               "IPv%d: every connection of the traffic step was checked" %
               fam, "got %s" % sorted(kinds))


COMMANDS = {"traffic": cmd_traffic, "check": cmd_check}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]](args(sys.argv[2:]))


if __name__ == "__main__":
    main()
