// SPDX-License-Identifier: GPL-2.0
/*
 * atcp_io: move files over one ATCP (or TCP) connection, both directions
 * at once, for the data-path selftests.
 *
 *   atcp_io listen  ADDR PORT IN OUT [options]
 *   atcp_io connect ADDR PORT IN OUT [options]
 *
 * Sends the contents of IN (then shuts down the write side: our FIN) while
 * writing everything received to OUT until the peer's FIN.  IN may be
 * "-" for nothing to send (shutdown at once), OUT "-" to discard.
 *
 * Options:
 *   -p tcp|atcp|N   protocol (default atcp, or $ATCP_PROTO)
 *   -r N            request/response: N exchanges of -q bytes each way
 *                   instead of files (client sends, server answers)
 *   -q N            request/response size (default 64)
 *   -c N            the client opens N connections, one exchange each
 *   -n              TCP_NODELAY
 *   -s N            SO_SNDBUF and SO_RCVBUF
 *   -w SEC          give up after SEC seconds (default 300), saying "gave
 *                   up" with the byte counts (never "timed out", which is
 *                   left to the kernel's ETIMEDOUT)
 *   -R N            read N bytes, then stop reading for -W seconds
 *   -W SEC          (with -R) pause length
 *   -U MS           TCP_USER_TIMEOUT (milliseconds) on the connection
 *   -T              timestamps for captures: print "established t=T" once
 *                   connected and add " t=T" to an error message, T being
 *                   CLOCK_REALTIME in seconds (what tcpdump stamps with)
 *
 * Prints one line: "sent=B received=B seconds=S" (or rr=N ...).  Exits
 * non-zero with a message on any error; an error poll() reports on the
 * socket is "atcp_io: socket: <strerror>" (e.g. "Connection timed out"
 * after retries2 or TCP_USER_TIMEOUT).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int proto = 253;
static int nodelay, bufsize, timeout_s = 300;
static long rr_count, rr_size = 64, conns;
static long pause_after = -1, pause_s;
static int user_timeout = -1, stamps;

static double realtime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	if (stamps)
		fprintf(stderr, "atcp_io: %s: %s t=%.6f\n", what,
			strerror(errno), realtime());
	else
		fprintf(stderr, "atcp_io: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static socklen_t mkaddr(const char *addr, int port,
			struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (strchr(addr, ':')) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, addr, &s6->sin6_addr) != 1)
			die("bad address");
		return sizeof(*s6);
	}
	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &s4->sin_addr) != 1)
		die("bad address");
	return sizeof(*s4);
}

static int mksock(int family)
{
	int one = 1, s = socket(family, SOCK_STREAM, proto);

	if (s < 0)
		die("socket");
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (nodelay &&
	    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		die("TCP_NODELAY");
	if (bufsize &&
	    (setsockopt(s, SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof(bufsize)) ||
	     setsockopt(s, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof(bufsize))))
		die("SO_SNDBUF/SO_RCVBUF");
	if (user_timeout >= 0 &&
	    setsockopt(s, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout,
		       sizeof(user_timeout)))
		die("TCP_USER_TIMEOUT");
	return s;
}

static int do_connect(const char *addr, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = mkaddr(addr, port, &ss);
	int s = mksock(ss.ss_family);

	if (connect(s, (struct sockaddr *)&ss, len))
		die("connect");
	return s;
}

static int do_listen(const char *addr, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = mkaddr(addr, port, &ss);
	int s = mksock(ss.ss_family);

	if (bind(s, (struct sockaddr *)&ss, len))
		die("bind");
	if (listen(s, 1024))
		die("listen");
	return s;
}

static int do_accept(int ls)
{
	int s = accept(ls, NULL, NULL);

	if (s < 0)
		die("accept");
	return s;
}

static void readall(int s, char *buf, long n)
{
	while (n > 0) {
		ssize_t r = recv(s, buf, n, 0);

		if (r <= 0) {
			if (!r)
				errno = ECONNRESET;
			die("recv");
		}
		buf += r;
		n -= r;
	}
}

static void writeall(int s, const char *buf, long n)
{
	while (n > 0) {
		ssize_t w = send(s, buf, n, MSG_NOSIGNAL);

		if (w < 0)
			die("send");
		buf += w;
		n -= w;
	}
}

/* Request/response: the client asks, the server answers. */
static void rr(int s, int client, char *buf)
{
	long i;

	for (i = 0; i < rr_count; i++) {
		if (client) {
			memset(buf, 'a' + i % 26, rr_size);
			writeall(s, buf, rr_size);
			readall(s, buf, rr_size);
			if (buf[0] != 'A' + i % 26 ||
			    buf[rr_size - 1] != 'A' + i % 26) {
				fprintf(stderr, "atcp_io: bad response %ld\n", i);
				exit(1);
			}
		} else {
			readall(s, buf, rr_size);
			if (buf[0] != 'a' + i % 26) {
				fprintf(stderr, "atcp_io: bad request %ld\n", i);
				exit(1);
			}
			memset(buf, 'A' + i % 26, rr_size);
			writeall(s, buf, rr_size);
		}
	}
}

/* Full duplex: send @in, receive into @out until the peer's FIN. */
static void stream(int s, int in, int out, long *sent, long *rcvd)
{
	static char ibuf[65536], obuf[65536];
	size_t ilen = 0, ioff = 0;
	int in_eof = in < 0, shut = 0, out_eof = 0;
	double deadline = now() + timeout_s;

	if (in_eof) {
		shutdown(s, SHUT_WR);
		shut = 1;
	}
	while (!out_eof || !shut) {
		struct pollfd p = { .fd = s, .events = 0 };
		int paused = pause_after >= 0 && *rcvd >= pause_after;

		if (paused) {
			sleep(pause_s);
			pause_after = -1;
			continue;
		}
		if (!out_eof)
			p.events |= POLLIN;
		if (!shut)
			p.events |= POLLOUT;
		if (poll(&p, 1, 1000) < 0)
			die("poll");
		if (now() > deadline) {
			/* Not ETIMEDOUT: tests look for the kernel's. */
			fprintf(stderr, "atcp_io: transfer: gave up after -w %d s (sent=%ld received=%ld%s)\n",
				timeout_s, *sent, *rcvd,
				out_eof ? ", peer's FIN seen" : "");
			exit(1);
		}
		if (p.revents & POLLERR && (out_eof || !(p.revents & POLLIN))) {
			/* An error the recv below would not report. */
			int e = 0;
			socklen_t elen = sizeof(e);

			if (getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &elen))
				die("getsockopt(SO_ERROR)");
			if (e) {
				errno = e;
				die("socket");
			}
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR) && !out_eof) {
			size_t want = sizeof(obuf);
			ssize_t r;

			if (pause_after >= 0 && pause_after - *rcvd < (long)want)
				want = pause_after - *rcvd;
			r = recv(s, obuf, want, MSG_DONTWAIT);
			if (r < 0 && errno != EAGAIN)
				die("recv");
			if (r == 0)
				out_eof = 1;
			if (r > 0) {
				if (out >= 0 && write(out, obuf, r) != r)
					die("write");
				*rcvd += r;
			}
		}
		if (p.revents & POLLOUT && !shut) {
			ssize_t w;

			if (ioff == ilen) {
				ssize_t r = read(in, ibuf, sizeof(ibuf));

				if (r < 0)
					die("read");
				if (r == 0) {
					if (shutdown(s, SHUT_WR))
						die("shutdown");
					shut = 1;
					continue;
				}
				ilen = r;
				ioff = 0;
			}
			w = send(s, ibuf + ioff, ilen - ioff,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
			if (w < 0 && errno != EAGAIN)
				die("send");
			if (w > 0) {
				ioff += w;
				*sent += w;
			}
		}
	}
}

int main(int argc, char **argv)
{
	long sent = 0, rcvd = 0, i;
	int opt, s, in = -1, out = -1, listener, port;
	const char *env = getenv("ATCP_PROTO");
	char *buf;
	double t0;

	if (env)
		proto = atoi(env);
	while ((opt = getopt(argc, argv, "p:r:q:c:ns:w:R:W:U:T")) != -1) {
		switch (opt) {
		case 'p':
			proto = !strcmp(optarg, "tcp") ? IPPROTO_TCP :
				!strcmp(optarg, "atcp") ? proto : atoi(optarg);
			break;
		case 'r': rr_count = atol(optarg); break;
		case 'q': rr_size = atol(optarg); break;
		case 'c': conns = atol(optarg); break;
		case 'n': nodelay = 1; break;
		case 's': bufsize = atoi(optarg); break;
		case 'w': timeout_s = atoi(optarg); break;
		case 'R': pause_after = atol(optarg); break;
		case 'W': pause_s = atol(optarg); break;
		case 'U': user_timeout = atoi(optarg); break;
		case 'T': stamps = 1; break;
		default:
			fprintf(stderr, "usage: atcp_io listen|connect ADDR PORT IN OUT [-p tcp|atcp] [-r N -q N -c N] [-n] [-s N] [-w S] [-R N -W S] [-U MS] [-T]\n");
			return 2;
		}
	}
	if (argc - optind != 5) {
		fprintf(stderr, "atcp_io: need listen|connect ADDR PORT IN OUT\n");
		return 2;
	}
	listener = !strcmp(argv[optind], "listen");
	port = atoi(argv[optind + 2]);
	if (strcmp(argv[optind + 3], "-")) {
		in = open(argv[optind + 3], O_RDONLY);
		if (in < 0)
			die(argv[optind + 3]);
	}
	if (strcmp(argv[optind + 4], "-")) {
		out = open(argv[optind + 4], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (out < 0)
			die(argv[optind + 4]);
	}
	buf = malloc(rr_size > 0 ? rr_size : 1);
	if (!buf)
		die("malloc");

	t0 = now();
	if (conns) {
		/* Many connections, one exchange each. */
		int ls = listener ? do_listen(argv[optind + 1], port) : -1;

		if (listener)
			printf("listening\n"), fflush(stdout);
		rr_count = 1;
		for (i = 0; i < conns; i++) {
			s = listener ? do_accept(ls) :
				       do_connect(argv[optind + 1], port);
			rr(s, !listener, buf);
			close(s);
		}
		printf("conns=%ld seconds=%.3f\n", conns, now() - t0);
		return 0;
	}

	if (listener) {
		int ls = do_listen(argv[optind + 1], port);

		printf("listening\n");
		fflush(stdout);
		s = do_accept(ls);
		close(ls);
	} else {
		s = do_connect(argv[optind + 1], port);
	}
	if (stamps) {
		printf("established t=%.6f\n", realtime());
		fflush(stdout);
	}
	t0 = now();
	if (rr_count) {
		rr(s, !listener, buf);
		printf("rr=%ld seconds=%.3f\n", rr_count, now() - t0);
	} else {
		stream(s, in, out, &sent, &rcvd);
		printf("sent=%ld received=%ld seconds=%.3f\n", sent, rcvd,
		       now() - t0);
	}
	if (close(s))
		die("close");
	return 0;
}
