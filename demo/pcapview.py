#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print the ATCP segments of a pcap file, decoded as TCP (demo helper).

A stand-in for `tshark -d ip.proto==253,tcp` that starts quickly inside the
emulated VM.  Each segment's checksum is verified the way TCP's is, with
protocol 6 in the pseudo-header: "csum ok" proves the wire format.

  pcapview.py FILE [PROTO]      (PROTO defaults to 253)
  pcapview.py FILE [PROTO] --synack-times
"""
import socket
import struct
import sys

FLAGS = "FSRPAUEC"


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def segments(path, proto):
    f = open(path, "rb")
    magic = f.read(24)[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    t0 = None
    while True:
        hdr = f.read(16)
        if len(hdr) < 16:
            return
        sec, frac, caplen, _ = struct.unpack(endian + "IIII", hdr)
        pkt = f.read(caplen)
        t = sec + frac / (1e9 if nano else 1e6)
        t0 = t if t0 is None else t0
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
            src = socket.inet_ntop(socket.AF_INET6, ip[8:24])
            dst = socket.inet_ntop(socket.AF_INET6, ip[24:40])
            seg = ip[40:40 + pl]
            pseudo = ip[8:40] + struct.pack("!IxxxB", len(seg), 6)
        else:
            continue
        yield t - t0, src, dst, seg, csum(pseudo + seg) == 0xFFFF


def options(seg, doff):
    out, i, opts = [], 20, seg[20:doff]
    i = 0
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
        elif k == 4:
            out.append("sackOK")
        elif k == 8:
            out.append("TS val %d ecr %d" % struct.unpack("!II", body))
        i += ln
    return ",".join(out)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    proto = int(args[1]) if len(args) > 1 else 253
    for t, src, dst, seg, ok in segments(args[0], proto):
        sport, dport, seq, ack, off, fl = struct.unpack("!HHIIBB", seg[:14])
        doff = (off >> 4) * 4
        flags = "".join(c for b, c in enumerate(FLAGS) if fl & (1 << b))
        if "--synack-times" in sys.argv:
            if fl & 0x12 == 0x12:
                print("    SYN-ACK at %.2f s" % t)
            continue
        opt = options(seg, doff)
        print("    %6.3f %s.%d > %s.%d [%s] seq %d ack %d win %d%s%s, csum %s" % (
            t, src, sport, dst, dport, flags, seq, ack,
            struct.unpack("!H", seg[14:16])[0],
            ", " if opt else "", opt, "ok" if ok else "BAD"))


if __name__ == "__main__":
    main()
