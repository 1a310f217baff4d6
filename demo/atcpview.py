#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Show ATCP sockets and counters readably, from /proc (demo helper).

  atcpview.py socks      like `netstat -tan`, from /proc/net/atcp{,6}
  atcpview.py stat [N..] the /proc/net/atcp_stat counters that are non-zero
                         (or the named ones)
"""
import socket
import struct
import sys

STATES = {
    0x01: "ESTABLISHED", 0x02: "SYN_SENT", 0x03: "SYN_RECV",
    0x04: "FIN_WAIT1", 0x05: "FIN_WAIT2", 0x06: "TIME_WAIT",
    0x07: "CLOSE", 0x08: "CLOSE_WAIT", 0x09: "LAST_ACK",
    0x0A: "LISTEN", 0x0B: "CLOSING",
}
TIMERS = {0: "off", 1: "on", 2: "keepalive", 3: "timewait", 4: "probe"}


def addr4(h):
    ip, port = h.split(":")
    return "%s:%d" % (socket.inet_ntoa(struct.pack("<I", int(ip, 16))),
                      int(port, 16))


def addr6(h):
    ip, port = h.split(":")
    raw = b"".join(struct.pack("<I", int(ip[i:i + 8], 16))
                   for i in range(0, 32, 8))
    return "[%s]:%d" % (socket.inet_ntop(socket.AF_INET6, raw), int(port, 16))


def socks():
    print("%-12s %-28s %-28s %s" % ("State", "Local", "Peer", "Timer"))
    for path, conv in (("/proc/net/atcp", addr4), ("/proc/net/atcp6", addr6)):
        try:
            lines = open(path).read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            f = line.split()
            tr, when = f[5].split(":")
            timer = TIMERS.get(int(tr, 16), tr)
            if timer != "off":
                timer += " (%.1fs, retrans %d)" % (int(when, 16) / 100.0,
                                                  int(f[6], 16))
            print("%-12s %-28s %-28s %s" % (STATES.get(int(f[3], 16), f[3]),
                                            conv(f[1]), conv(f[2]), timer))


def stat(names):
    lines = open("/proc/net/atcp_stat").read().splitlines()
    keys, vals = lines[0].split()[1:], lines[1].split()[1:]
    for k, v in zip(keys, vals):
        if (names and k in names) or (not names and v != "0"):
            print("  %-18s %s" % (k, v))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "stat":
        stat(sys.argv[2:])
    else:
        socks()
