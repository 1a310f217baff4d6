#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The server and clients of the demo (demo/demo.sh), over ATCP.

Plain socket code: the only ATCP-specific thing is the protocol number
given to socket().  Each line printed is one event, flushed at once: the
demo reads them to know when to go on.

  peer.py server ADDR FILEPORT IDLEPORT OUTFILE
      Listens on ADDR:FILEPORT and ADDR:IDLEPORT.  A connection to FILEPORT
      uploads a file: everything read up to the client's FIN goes to
      OUTFILE, then the server closes its side.  A connection to IDLEPORT
      is accepted and left idle (the server never reads or writes it).
  peer.py send ADDR PORT FILE
      Connects, sends FILE, then close().
  peer.py idle ADDR PORT
      Connects with SO_KEEPALIVE and sends nothing.  Prints when the first
      ACK arrives from the server, which can only be the answer to a
      keepalive probe (tcp_info's tcpi_last_ack_recv starts again from 0),
      then waits in recv() until the connection ends and prints how.

The clients print "ready" once started, then wait for SIGUSR1 before they
connect (so that the demo can start them early: python is slow to start
under emulation); the sender waits for another one before close(), so
that the demo can look at the connection in between.
"""
import errno
import os
import select
import signal
import socket
import struct
import sys
import time

IPPROTO_ATCP = int(os.environ.get("ATCP_PROTO", "253"))


def say(who, fmt, *a):
    print("%s: %s" % (who, fmt % a), flush=True)


def ep(addr):
    return "%s:%d" % addr[:2]


def server(addr, fileport, idleport, outfile):
    listeners = {}
    for port in (int(fileport), int(idleport)):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_ATCP)
        s.bind((addr, port))
        s.listen(8)
        listeners[s] = port
    say("server", "listening on %s:%s (file upload) and %s:%s (idle)",
        addr, fileport, addr, idleport)
    idle = []
    while True:
        ready, _, _ = select.select(list(listeners), [], [])
        for s in ready:
            c, peer = s.accept()
            if listeners[s] == int(idleport):
                say("server", "accepted %s on port %s; leaving it idle",
                    ep(peer), idleport)
                idle.append(c)
                continue
            say("server", "accepted %s; reading until the client's FIN",
                ep(peer))
            n = 0
            with open(outfile, "wb") as f:
                while True:
                    data = c.recv(65536)
                    if not data:
                        break
                    f.write(data)
                    n += len(data)
            c.close()
            say("server", "got %d bytes and the FIN; closed its side too", n)


def wait_go():
    signal.sigwait({signal.SIGUSR1})


def send(addr, port, path):
    wait_go()
    data = open(path, "rb").read()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_ATCP)
    s.connect((addr, int(port)))
    say("client", "connected %s -> %s", ep(s.getsockname()), ep(s.getpeername()))
    s.sendall(data)
    say("client", "sent %d bytes; the socket stays open for now", len(data))
    wait_go()
    s.close()
    say("client", "close(): FIN sent, this side closes first")


def idle(addr, port):
    wait_go()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_ATCP)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    s.connect((addr, int(port)))
    say("client", "connected %s -> %s with SO_KEEPALIVE; now silent",
        ep(s.getsockname()), ep(s.getpeername()))
    t = time.monotonic()
    last = 0
    while not select.select([s], [], [], 0.05)[0]:
        # struct tcp_info: 8 bytes of u8 fields, then u32s; the 12th is
        # tcpi_last_ack_recv, the milliseconds since the last ACK arrived.
        info = s.getsockopt(socket.SOL_TCP, socket.TCP_INFO, 104)
        since_ack = struct.unpack_from("I", info, 52)[0]
        if since_ack < last:
            say("client", "%.1f s: an ACK from the server, the answer to a "
                "keepalive probe", time.monotonic() - t)
            break
        last = since_ack
    try:
        data = s.recv(100)
        say("client", "recv() returned %r after %.1f s", data,
            time.monotonic() - t)
    except OSError as e:
        say("client", "recv() failed after %.1f s: %s (%s)",
            time.monotonic() - t, errno.errorcode.get(e.errno, e.errno),
            e.strerror)


if __name__ == "__main__":
    if sys.argv[1] != "server":
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
        print("ready", flush=True)
    {"server": server, "send": send, "idle": idle}[sys.argv[1]](*sys.argv[2:])
