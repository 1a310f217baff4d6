#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print the ATCP segments of a pcap file, decoded as TCP (demo helper).

A stand-in for `tshark -d ip.proto==253,tcp` that starts quickly inside the
emulated VM.  Each segment's checksum is verified the way TCP's is, with
protocol 6 in the pseudo-header: "csum ok" proves the wire format.
Sequence and acknowledgment numbers are relative to each side's SYN, and
windows scaled once both SYNs offered window scaling, as tshark shows
them; an ACK that re-sends the byte before SND.NXT with at
most one byte of data is marked as a keepalive probe, as tshark does.

  pcapview.py [--port N] [--head N] [--tail N] FILE [PROTO]

  --port N   only the segments to or from port N
  --head N, --tail N
             only the first and the last N segments, with a count of
             those left out (and whether their checksums were all good)
  PROTO      the IP protocol number, 253 by default
"""
import socket
import struct
import sys

FLAGS = ("FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR")


def csum_ok(data):
    """TCP's one's-complement sum of data is 0xFFFF.

    2^16 = 1 (mod 0xFFFF), so the data read as one big-endian number is
    congruent to the sum of its 16-bit words; the sum folds to 0xFFFF
    exactly when it is a non-zero multiple of 0xFFFF (a segment with a
    header is never all zeroes).
    """
    if len(data) % 2:
        data += b"\0"
    return int.from_bytes(data, "big") % 0xFFFF == 0


def segments(path, proto):
    f = open(path, "rb")
    magic = f.read(24)[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    while True:
        hdr = f.read(16)
        if len(hdr) < 16:
            return
        sec, frac, caplen, _ = struct.unpack(endian + "IIII", hdr)
        pkt = f.read(caplen)
        if len(pkt) < caplen:	# the capture is still being written
            return
        t = sec + frac / (1e9 if nano else 1e6)
        ethertype = struct.unpack("!H", pkt[12:14])[0]
        ip = pkt[14:]
        if ethertype == 0x0800 and ip[9] == proto:
            hl = (ip[0] & 15) * 4
            tl = struct.unpack("!H", ip[2:4])[0]
            src, dst = socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20])
            seg = ip[hl:tl]
            pseudo = ip[12:20] + struct.pack("!BBH", 0, 6, len(seg))
        elif ethertype == 0x86DD and ip[6] == proto:
            pl = struct.unpack("!H", ip[4:6])[0]
            src = "[%s]" % socket.inet_ntop(socket.AF_INET6, ip[8:24])
            dst = "[%s]" % socket.inet_ntop(socket.AF_INET6, ip[24:40])
            seg = ip[40:40 + pl]
            pseudo = ip[8:40] + struct.pack("!IxxxB", len(seg), 6)
        else:
            continue
        yield t, src, dst, seg, csum_ok(pseudo + seg)


def options(opts):
    """The options as text, and the window scale (None without one)."""
    out, i, wscale = [], 0, None
    while i < len(opts):
        k = opts[i]
        if k == 0:
            break
        if k == 1:
            i += 1
            continue
        ln = opts[i + 1] if i + 1 < len(opts) else 0
        if ln < 2:
            break
        body = opts[i + 2:i + ln]
        if k == 2:
            out.append("mss %d" % struct.unpack("!H", body)[0])
        elif k == 3:
            out.append("wscale %d" % body[0])
            wscale = body[0]
        elif k == 4:
            out.append("sackOK")
        elif k == 5:
            out.append("sack %d" % (len(body) // 8))
        elif k == 8:
            out.append("TS")
        i += ln
    return ",".join(out), wscale


def decode(path, proto, port):
    """Yield (text, csum ok) per segment; times from the first one."""
    isn, nxt, wscale, t0 = {}, {}, {}, None
    for t, src, dst, seg, ok in segments(path, proto):
        sport, dport, seq, ack, off, fl = struct.unpack("!HHIIBB", seg[:14])
        if port is not None and port not in (sport, dport):
            continue
        t0 = t if t0 is None else t0
        win = struct.unpack("!H", seg[14:16])[0]
        doff = (off >> 4) * 4
        dlen = len(seg) - doff
        me, peer = (src, sport, dst, dport), (dst, dport, src, sport)
        syn, fin = fl & 2, fl & 1
        if syn or me not in isn:
            isn[me] = seq
        opts = ""
        if syn:
            opts, wscale[me] = options(seg[20:doff])
        elif wscale.get(me) is not None and wscale.get(peer) is not None:
            win <<= wscale[me]
        rel = (seq - isn[me]) & 0xFFFFFFFF
        end = rel + dlen + (1 if syn else 0) + (1 if fin else 0)
        probe = (not fl & 7 and dlen <= 1 and me in nxt and
                 rel == nxt[me] - 1)
        nxt[me] = max(nxt.get(me, 0), end)
        names = [n for b, n in enumerate(FLAGS) if fl & (1 << b)]
        text = "%7.3f  %s:%d > %s:%d  %-10s seq %d" % (
            t - t0, src, sport, dst, dport, "[%s]" % ",".join(names), rel)
        if fl & 0x10:
            a = (ack - isn[peer]) & 0xFFFFFFFF if peer in isn else ack
            text += " ack %d" % a
        text += " win %d len %d" % (win, dlen)
        if syn:
            text += " <%s>" % opts
        if probe:
            text += "  keepalive probe"
        yield text + ", csum %s" % ("ok" if ok else "BAD"), ok


def main():
    args, opt = [], {"--port": None, "--head": None, "--tail": None}
    argv = sys.argv[1:]
    while argv:
        a = argv.pop(0)
        if a in opt:
            opt[a] = int(argv.pop(0))
        else:
            args.append(a)
    if not args:
        sys.exit(__doc__)
    proto = int(args[1]) if len(args) > 1 else 253
    lines = list(decode(args[0], proto, opt["--port"]))
    head, tail = opt["--head"], opt["--tail"]
    if head is None and tail is None:
        head, tail = len(lines), 0
    head, tail = head or 0, tail or 0
    if head + tail >= len(lines):
        head, tail = len(lines), 0
    for text, _ in lines[:head]:
        print("    " + text)
    skipped = lines[head:len(lines) - tail]
    if skipped:
        bad = sum(1 for _, ok in skipped if not ok)
        print("    %7s  ... %d more segments, %s ..." % (
            "", len(skipped), "%d with a BAD checksum" % bad if bad else
            "every checksum ok"))
    for text, _ in lines[len(lines) - tail:] if tail else []:
        print("    " + text)


if __name__ == "__main__":
    main()
