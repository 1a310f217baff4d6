# SPDX-License-Identifier: GPL-2.0
"""Capture checks of selftests/test_transfer.sh (data transfer).

Run as: python3 -S xfer_pcap.py CMD pcap=FILE key=value...
Reads a tcpdump capture (Ethernet, any snap length: payload lengths come
from the IP header), decodes segments with conn_lib.decode() and prints
PASS/FAIL/SKIP lines for lib.sh's tap_import.  Times are the capture's
(CLOCK_REALTIME), so they compare with atcp_io -T stamps.

  rtx pcap= src=IP retrans=N t_err=T [retries=N] [ut=MS max_retries=N]
      The link was cut while SRC was sending: after the cut SRC may only
      retransmit its oldest unacknowledged segment.  retrans= is the
      RetransSegs delta of SRC's namespace.  With retries=: exactly that
      many retransmissions, each gap twice the one before, ETIMEDOUT
      (t_err=, from atcp_io -T) one doubled gap after the last one.  With
      ut=: ETIMEDOUT ut ms after the unacknowledged data was first sent
      (RFC 5482), fewer retransmissions than max_retries (retries2).
      Either way nothing leaves SRC after its last retransmission (a
      timeout sends no RST).
  persist pcap= snd=IP rcv=IP
      A reader paused: RCV's window closed; SND sent window probes (ACK,
      no data, SEQ = SND.UNA - 1), each answered, with doubling gaps; SND
      never sent beyond the window RCV offered.
  rr pcap= cli=IP n=N size=B
      N requests of B bytes from CLI, N responses back, each in one
      segment of its own (distinct sequence numbers).
  conns pcap= cli=IP n=N size=B
      N connections from CLI, each with SYN, SYN-ACK, a B-byte request and
      response, a FIN each way, and no RST.
  lossy pcap= a=IP b=IP [syn=1]
      Both ends retransmitted and both sent SACK blocks; with syn=1 both
      SYNs also offered SACK, timestamps and window scaling.
  protos pcap= [want=253]
      Every segment on the wire was carried by IP protocol `want`.
"""

import struct
import sys

from conn_lib import ACK, FIN, RST, SYN, args, decode, diag, result, skip

TOL_LO, TOL_HI = 1.5, 2.7	# a doubled gap, measured on an emulated CPU


def read_pcap(path):
    """Segments of a capture, with true payload lengths."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return []
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        sys.exit("%s: not a pcap file" % path)
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    segs = []
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        t = sec + frac / (1e9 if nano else 1e6)
        s = decode(frame, t, False)
        if s is None:
            continue
        # decode() counts what was captured; the IP header says what was
        # sent.
        l3 = frame[14:]
        if s.fam == 4:
            ihl = (l3[0] & 0xf) * 4
            ip_len = struct.unpack("!H", l3[2:4])[0] - ihl
            l4 = l3[ihl:]
        else:
            ip_len = struct.unpack("!H", l3[4:6])[0]
            l4 = l3[40:]
        s.len = ip_len - (l4[12] >> 4) * 4
        s.opts["sack"] = bool(s.opts.get("sack"))
        segs.append(s)
    return segs


def seq_after(a, b):
    return ((a - b) & 0xffffffff) != 0 and ((a - b) & 0xffffffff) < 1 << 31


def ratios(times):
    gaps = [b - a for a, b in zip(times, times[1:])]
    return gaps, [b / a if a > 0 else 0 for a, b in zip(gaps, gaps[1:])]


def fmt_t(times, t0):
    return " ".join("%.3f" % (t - t0) for t in times)


# ------------------------------------------------------------------ rtx --

def cmd_rtx(o, segs):
    src = o["src"]
    retrans = int(o["retrans"])
    t_err = float(o["t_err"]) if o.get("t_err") else None
    mine = [s for s in segs if s.src == src and not s.flags & SYN]
    data = [s for s in mine if s.len > 0 or s.flags & FIN]
    if not data:
        result(False, "link cut: the capture shows the sender's segments",
               "no data segment from %s" % src)
        return
    head = data[-1].seq
    same = [s for s in data if s.seq == head]
    # The last `retrans` transmissions of the head are the retransmissions
    # (its original one may be in the capture too).
    rtx = same[-retrans:] if retrans else []
    times = [s.t for s in rtx]
    t0 = times[0] if times else data[-1].t
    diag("%s: head seq %d sent %d times; RetransSegs +%d; "
         "retransmissions at +%s s (from the first)" %
         (src, head, len(same), retrans, fmt_t(times, t0)))
    if t_err:
        diag("ETIMEDOUT at +%.3f s" % (t_err - t0))
    after = [s for s in mine if rtx and s.t > rtx[-1].t]
    others = [s for s in data if rtx and s.t >= rtx[0].t and s.seq != head]
    ok_rtx = len(rtx) == retrans and len(same) >= retrans and not others
    if "retries" in o:
        n = int(o["retries"])
        result(ok_rtx and retrans == n,
               "link cut: exactly retries2=%d retransmissions, all of the "
               "oldest unacknowledged segment (seq %d)" % (n, head),
               "RetransSegs +%d, %d transmissions of the head in the "
               "capture, %d other data segments after the first "
               "retransmission" % (retrans, len(same), len(others)))
        gaps, r = ratios(times)
        result(len(r) == n - 2 and all(TOL_LO <= x <= TOL_HI for x in r),
               "... their spacing doubles (RTO back-off)",
               "gaps %s s, ratios %s" % (
                   " ".join("%.3f" % g for g in gaps),
                   " ".join("%.2f" % x for x in r)))
        if t_err and gaps:
            x = (t_err - times[-1]) / gaps[-1]
            result(TOL_LO <= x <= TOL_HI,
                   "... and ETIMEDOUT comes one more doubled RTO after the "
                   "last one",
                   "%.3f s after the last retransmission, %.2f x the last "
                   "gap" % (t_err - times[-1], x))
        else:
            result(False, "... and ETIMEDOUT comes one more doubled RTO "
                   "after the last one", "no ETIMEDOUT time or no gaps")
    if "ut" in o:
        ut = int(o["ut"]) / 1000.0
        n = int(o.get("max_retries", "0"))
        result(bool(rtx) and len(rtx) == retrans and not others and
               (not n or retrans < n),
               "TCP_USER_TIMEOUT: the oldest segment retransmitted with "
               "back-off, fewer times than retries2=%d allows" % n,
               "RetransSegs +%d, %d in the capture, %d other data segments" %
               (retrans, len(rtx), len(others)))
        # RFC 5482: the time the data may stay unacknowledged, i.e. from
        # the head's first transmission (in the capture when it has one
        # more transmission than there were retransmissions).
        orig = same[0].t if len(same) > retrans else None
        if orig is None:
            skip("ETIMEDOUT TCP_USER_TIMEOUT after the unacknowledged data "
                 "was sent", "its first transmission is not in the capture")
        else:
            el = t_err - orig if t_err else -1
            # Counted from the first retransmission instead, it would end
            # one RTO (the gap to that retransmission) late: the tolerance
            # stays below half of it.
            tol = max(0.05, min(0.2, (times[0] - orig) / 2))
            result(ut - 0.05 <= el <= ut + tol,
                   "... ETIMEDOUT %.0f ms after the unacknowledged data was "
                   "first sent, as TCP_USER_TIMEOUT=%d ms says" %
                   (el * 1000, ut * 1000),
                   "elapsed %.3f s (%.3f s after the first retransmission, "
                   "tolerance +%.3f s)" %
                   (el, t_err - times[0] if t_err and times else -1, tol))
    result(bool(rtx) and not after,
           "... nothing leaves the sender after its last retransmission "
           "(no RST on a timeout)",
           *[str(s) for s in after[:5]])


# -------------------------------------------------------------- persist --

def cmd_persist(o, segs):
    snd, rcv = o["snd"], o["rcv"]
    ws = {snd: 0, rcv: 0}
    for s in segs:
        if s.flags & SYN and "wscale" in s.opts:
            ws[s.src] = s.opts["wscale"]
    syns = [s for s in segs if s.flags & SYN]
    if len(syns) < 2 or not all("wscale" in s.opts for s in syns):
        ws = {snd: 0, rcv: 0}	# RFC 7323: scaling needs both SYNs
    una = None
    right = None			# the highest right edge RCV offered
    zero = []			# RCV's zero-window ACKs
    probes = []			# (t, seq, una)
    beyond = []
    episodes = [[]]
    answered = 0
    pending = None
    for s in segs:
        if s.flags & (SYN | RST):
            continue
        if s.src == rcv and s.flags & ACK:
            if una is None or seq_after(s.ack, una):
                una = s.ack
            edge = (s.ack + (s.win << ws[rcv])) & 0xffffffff
            if right is None or seq_after(edge, right):
                right = edge
            if s.win == 0:
                zero.append(s)
            if pending is not None and s.len == 0:
                answered += 1
                pending = None
        elif s.src == snd:
            if s.len == 0 and s.flags == ACK and una is not None and \
                    s.seq == (una - 1) & 0xffffffff:
                probes.append(s)
                episodes[-1].append(s.t)
                pending = s
            elif s.len > 0:
                if episodes[-1]:
                    episodes.append([])
                end = (s.seq + s.len) & 0xffffffff
                if right is not None and seq_after(end, right):
                    beyond.append(s)
    result(bool(zero), "zero window: the paused reader's side announced "
           "window 0 (%d ACKs)" % len(zero),
           "no ACK with window 0 from %s" % rcv)
    ep = max(episodes, key=len)
    t0 = ep[0] if ep else 0
    diag("%d window probes in all; the longest run: %d at +%s s" %
         (len(probes), len(ep), fmt_t(ep, t0)))
    result(len(ep) >= 3,
           "persist: at least 3 window probes in a row (ACK, no data, "
           "SEQ = SND.UNA - 1) while the window is closed",
           "longest run of probes: %d" % len(ep))
    gaps, r = ratios(ep)
    result(len(r) >= 1 and all(TOL_LO <= x <= TOL_HI for x in r),
           "... their spacing doubles (persist back-off)",
           "gaps %s s, ratios %s" % (" ".join("%.3f" % g for g in gaps),
                                      " ".join("%.2f" % x for x in r)))
    result(probes and answered >= len(probes) - 1,
           "... each probe answered by an ACK with the window",
           "%d probes, %d answered" % (len(probes), answered))
    last = probes[-1].t if probes else None
    resumed = [s for s in segs if s.src == snd and s.len > 0 and
               last is not None and s.t > last]
    result(bool(resumed), "... and data flows again after the last probe",
           "no data from %s after %.3f" % (snd, last or 0))
    result(not beyond, "the sender never sent beyond the window offered",
           *[str(s) for s in beyond[:5]])


# ------------------------------------------------------------------- rr --

def cmd_rr(o, segs):
    cli, n, size = o["cli"], int(o["n"]), int(o["size"])
    for who, desc in ((True, "request"), (False, "response")):
        d = [s for s in segs if (s.src == cli) == who and s.len > 0]
        seqs = {}
        for s in d:
            seqs.setdefault(s.seq, set()).add(s.len)
        lens = set(l for v in seqs.values() for l in v)
        result(len(seqs) == n and lens == {size},
               "rr: %d %ss on the wire, each a %d-byte segment of its own" %
               (n, desc, size),
               "%d distinct sequence numbers, payload lengths %s" %
               (len(seqs), sorted(lens)[:10]))


def cmd_conns(o, segs):
    cli, n, size = o["cli"], int(o["n"]), int(o["size"])
    conns = []			# in order of their SYNs
    by_port = {}		# client port -> its latest connection
    for s in segs:
        port = s.sport if s.src == cli else s.dport
        mine = s.src == cli
        if mine and s.flags & SYN and not s.flags & ACK:
            c = by_port.get(port)
            if c is None or c["isn"] != s.seq:	# else a retransmitted SYN
                c = {"isn": s.seq, "port": port, "syn": 0, "synack": 0,
                     "req": 0, "resp": 0, "fin1": 0, "fin2": 0, "rst": 0}
                by_port[port] = c
                conns.append(c)
        c = by_port.get(port)
        if c is None:
            continue
        if s.flags & RST:
            c["rst"] += 1
        if s.flags & SYN:
            c["syn" if mine else "synack"] += 1
        if s.len == size:
            c["req" if mine else "resp"] += 1
        if s.flags & FIN:
            c["fin1" if mine else "fin2"] += 1
    keys = ("syn", "synack", "req", "resp", "fin1", "fin2")
    good = [c for c in conns if c["rst"] == 0 and all(c[k] for k in keys)]
    ids = set(map(id, good))
    bad = [repr(c) for c in conns if id(c) not in ids]
    result(len(conns) == n and len(good) == n,
           "%d connections on the wire, each with SYN, SYN-ACK, a %d-byte "
           "request and response, FIN both ways, no RST" % (n, size),
           "%d connections (%d client ports), %d complete" %
           (len(conns), len(by_port), len(good)), *bad[:5])


# ---------------------------------------------------------------- lossy --

def cmd_lossy(o, segs):
    for a, b in ((o["a"], o["b"]), (o["b"], o["a"])):
        seen, rtx = set(), 0
        sacks = 0
        for s in segs:
            if s.src != a:
                continue
            if s.len > 0:
                if s.seq in seen:
                    rtx += 1
                seen.add(s.seq)
            if s.opts.get("sack"):
                sacks += 1
        result(rtx > 0 and sacks > 0,
               "lossy link: %s retransmitted (%d) and sent SACK blocks (%d "
               "segments)" % (a, rtx, sacks),
               "retransmissions %d, segments with SACK blocks %d" %
               (rtx, sacks))
        if o.get("syn"):
            syns = [s for s in segs if s.src == a and s.flags & SYN]
            okay = syns and all(k in s.opts for s in syns
                                for k in ("sackOK", "wscale", "tsval"))
            result(okay, "... %s's SYN offered SACK, timestamps and window "
                   "scaling" % a, *[str(s) for s in syns[:3]])


def cmd_protos(o, segs):
    want = int(o.get("want", "253"))
    by = {}
    for s in segs:
        by[s.proto] = by.get(s.proto, 0) + 1
    result(set(by) == {want} and by[want] > 100,
           "the wire carried IP protocol %d only (%d segments)" %
           (want, by.get(want, 0)), "segments by protocol: %r" % by)


COMMANDS = {"rtx": cmd_rtx, "persist": cmd_persist, "rr": cmd_rr,
            "conns": cmd_conns,
            "lossy": cmd_lossy, "protos": cmd_protos}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    o = args(sys.argv[2:])
    try:
        segs = read_pcap(o["pcap"])
    except OSError as e:
        result(False, "%s: capture readable" % sys.argv[1], str(e))
        return
    COMMANDS[sys.argv[1]](o, segs)


if __name__ == "__main__":
    main()
