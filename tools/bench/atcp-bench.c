// SPDX-License-Identifier: GPL-2.0
/*
 * atcp-bench - the same benchmark over TCP or ATCP.
 *
 *   atcp-bench -s [-p tcp|atcp|NUM] [-b ADDR] [-l PORT] [-T SEC]
 *   atcp-bench -c HOST [-p tcp|atcp|NUM] [-l PORT] -t TEST [options]
 *
 * Tests (run by the client; the server serves whichever it is asked):
 *
 *   bulk   one connection; the client sends -m MiB, the server reads them
 *          all and answers with an 8-byte status.  Time runs from the
 *          first byte sent to the status received, so it covers delivery,
 *          not just filling the send buffer.  Reports MB/s (10^6 bytes/s).
 *   rr     request/response: one connection, -n transactions of -r bytes
 *          request and -R bytes response, one outstanding at a time.
 *          Reports transactions/s and the latency of one transaction
 *          (mean, median, 99th percentile, in microseconds).
 *   crr    connection rate: -n cycles of connect, -r bytes request, -R
 *          bytes response, close (the client closes first).  Reports
 *          connections/s and the latency of one whole cycle.
 *
 * The result is one line on stdout, "key=value" fields after the test
 * name, e.g. (the rr line is wrapped here, not in the output)
 *   bulk proto=tcp(6) bytes=67108864 seconds=0.912 MBps=73.6
 *   rr proto=atcp(253) n=5000 req=64 resp=64 seconds=2.10 tps=2381.0
 *      mean_us=420.0 p50_us=401.2 p99_us=801.5
 * Any failure (socket(), connect(), a short or failed send/recv, a
 * timeout, corrupted data with -V) prints "atcp-bench: ..." on stderr and
 * exits 1: there is never a number for a run that did not complete.
 *
 * The protocol: every connection starts with a 24-byte header from the
 * client (magic, test, count, request size, response size, flags; network
 * byte order).  The server is iterative: one connection at a time, each
 * with a receive/send timeout of -T seconds, so a broken client cannot
 * hang it.  It serves until killed.
 *
 * "-p atcp" uses $ATCP_PROTO, else /sys/module/atcp/parameters/proto,
 * else 253.  No socket option is set unless asked (-D: TCP_NODELAY on
 * both ends), so both protocols run with their defaults.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <linux/atcp.h>

#define BENCH_MAGIC	0x41544231u	/* "ATB1" */
#define HDR_LEN		24
#define FLAG_VERIFY	1u
#define BULK_CHUNK	(128 * 1024)

enum test { T_BULK = 1, T_RR = 2, T_CRR = 3 };

struct hdr {
	uint32_t magic;
	uint32_t test;
	uint64_t count;		/* bulk: bytes; rr: transactions; crr: 1 */
	uint32_t req;
	uint32_t resp;		/* flags (FLAG_VERIFY) ride in test's high 16 bits */
};

static const char * const test_names[] = {
	[T_BULK] = "bulk", [T_RR] = "rr", [T_CRR] = "crr",
};

static struct {
	int server;
	const char *host;
	const char *bind_addr;
	const char *port;
	int proto;
	const char *proto_name;
	enum test test;
	uint64_t mib;
	uint64_t count;
	uint32_t req, resp;
	int timeout;
	int nodelay;
	int verify;
	int quiet;
} opt = {
	.port = "5201",
	.proto = IPPROTO_TCP,
	.proto_name = "tcp",
	.mib = 64,
	.count = 0,
	.req = 64,
	.resp = 64,
	.timeout = 60,
};

__attribute__((format(printf, 1, 2), noreturn))
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "atcp-bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

__attribute__((format(printf, 1, 2)))
static void warnx(const char *fmt, ...)
{
	va_list ap;

	if (opt.quiet)
		return;
	fprintf(stderr, "atcp-bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The byte at offset OFF of a verified stream. */
static inline uint8_t pattern(uint64_t off)
{
	return (uint8_t)(off * 131 + (off >> 8) + (off >> 16));
}

static void fill(uint8_t *buf, size_t len, uint64_t off)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = pattern(off + i);
}

/* First offset in BUF[0..LEN) that is not the pattern, or -1. */
static long check(const uint8_t *buf, size_t len, uint64_t off)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != pattern(off + i))
			return (long)i;
	return -1;
}

static int atcp_proto_number(void)
{
	const char *env = getenv("ATCP_PROTO");
	char buf[32];
	ssize_t n;
	int fd, v;

	if (env && *env)
		return atoi(env);
	fd = open("/sys/module/atcp/parameters/proto", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			v = atoi(buf);
			if (v > 0 && v < 256)
				return v;
		}
	}
	return IPPROTO_ATCP;
}

static void set_proto(const char *s)
{
	char *end;
	long v;

	if (!strcmp(s, "tcp")) {
		opt.proto = IPPROTO_TCP;
		opt.proto_name = "tcp";
	} else if (!strcmp(s, "atcp")) {
		opt.proto = atcp_proto_number();
		opt.proto_name = "atcp";
	} else {
		v = strtol(s, &end, 10);
		if (*end || v < 1 || v > 255)
			die("bad protocol '%s' (tcp, atcp or a number)", s);
		opt.proto = (int)v;
		opt.proto_name = v == IPPROTO_TCP ? "tcp" : "proto";
	}
}

static void set_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = opt.timeout };

	if (opt.timeout <= 0)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
		die("setsockopt(SO_RCVTIMEO/SO_SNDTIMEO): %s", strerror(errno));
}

static int set_nodelay(int fd)
{
	int one = 1;

	if (!opt.nodelay)
		return 0;
	return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static const char *errstr(int err)
{
	return err == EAGAIN ? "timed out (-T)" : strerror(err);
}

/* Send all of BUF; 0, or -1 with errno set. */
static int send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

/* Receive exactly LEN bytes; 0, or -1 with errno set (0 = EOF: EPIPE). */
static int recv_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	while (len) {
		n = recv(fd, p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EPIPE;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

static void hdr_pack(uint8_t *b, const struct hdr *h)
{
	uint32_t v32;
	uint64_t v64;

	v32 = htobe32(h->magic);
	memcpy(b, &v32, 4);
	v32 = htobe32(h->test);
	memcpy(b + 4, &v32, 4);
	v64 = htobe64(h->count);
	memcpy(b + 8, &v64, 8);
	v32 = htobe32(h->req);
	memcpy(b + 16, &v32, 4);
	v32 = htobe32(h->resp);
	memcpy(b + 20, &v32, 4);
}

static void hdr_unpack(struct hdr *h, const uint8_t *b)
{
	uint32_t v32;
	uint64_t v64;

	memcpy(&v32, b, 4);
	h->magic = be32toh(v32);
	memcpy(&v32, b + 4, 4);
	h->test = be32toh(v32);
	memcpy(&v64, b + 8, 8);
	h->count = be64toh(v64);
	memcpy(&v32, b + 16, 4);
	h->req = be32toh(v32);
	memcpy(&v32, b + 20, 4);
	h->resp = be32toh(v32);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

/* ------------------------------------------------------------ server -- */

/* Serve one connection; returns a description of the failure or NULL. */
static const char *serve(int fd, char *why, size_t whylen)
{
	uint8_t hb[HDR_LEN], *buf = NULL;
	uint64_t got = 0, i, status = 0, sv;
	uint64_t roff = 0, soff = 0;
	int verify;
	struct hdr h;
	size_t n;
	long bad;

	if (recv_all(fd, hb, HDR_LEN)) {
		snprintf(why, whylen, "header: %s", errstr(errno));
		return why;
	}
	hdr_unpack(&h, hb);
	verify = !!(h.test & (FLAG_VERIFY << 16));
	h.test &= 0xffff;
	if (h.magic != BENCH_MAGIC || h.test < T_BULK || h.test > T_CRR ||
	    h.req > (64u << 20) || h.resp > (64u << 20)) {
		snprintf(why, whylen, "bad header");
		return why;
	}
	if (set_nodelay(fd)) {
		snprintf(why, whylen, "TCP_NODELAY: %s", strerror(errno));
		return why;
	}

	switch (h.test) {
	case T_BULK:
		buf = xmalloc(BULK_CHUNK);
		while (got < h.count) {
			n = h.count - got < BULK_CHUNK ? h.count - got : BULK_CHUNK;
			ssize_t r = recv(fd, buf, n, 0);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				snprintf(why, whylen, "bulk recv after %llu of %llu bytes: %s",
					 (unsigned long long)got,
					 (unsigned long long)h.count,
					 r ? errstr(errno) : "EOF");
				goto out;
			}
			if (verify && !status) {
				bad = check(buf, r, got);
				if (bad >= 0) {
					status = got + bad + 1;
					warnx("bulk: data corrupted at byte %llu",
					      (unsigned long long)got + bad);
				}
			}
			got += r;
		}
		sv = htobe64(status);
		if (send_all(fd, &sv, sizeof(sv))) {
			snprintf(why, whylen, "bulk status: %s", errstr(errno));
			goto out;
		}
		break;
	case T_RR:
	case T_CRR:
		buf = xmalloc(h.req > h.resp ? h.req : h.resp);
		for (i = 0; i < h.count; i++) {
			if (recv_all(fd, buf, h.req)) {
				snprintf(why, whylen, "request %llu: %s",
					 (unsigned long long)i, errstr(errno));
				goto out;
			}
			if (verify) {
				bad = check(buf, h.req, roff);
				if (bad >= 0) {
					snprintf(why, whylen,
						 "request %llu: data corrupted at byte %llu",
						 (unsigned long long)i,
						 (unsigned long long)(roff + bad));
					goto out;
				}
				fill(buf, h.resp, soff);
			}
			roff += h.req;
			soff += h.resp;
			if (send_all(fd, buf, h.resp)) {
				snprintf(why, whylen, "response %llu: %s",
					 (unsigned long long)i, errstr(errno));
				goto out;
			}
		}
		break;
	}
	/*
	 * The client closes first: wait for its FIN (or its reset), so the
	 * response is never cut short by our close.
	 */
	while (1) {
		uint8_t c;
		ssize_t r = recv(fd, &c, 1, 0);

		if (r < 0 && errno == EINTR)
			continue;
		break;
	}
	free(buf);
	return NULL;
out:
	free(buf);
	return why;
}

/* A listening socket for FAMILY/ADDR, or -1 with errno set. */
static int listen_addr(const struct sockaddr *sa, socklen_t len)
{
	int fd, one = 1, zero = 0, err;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, opt.proto);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, sa, len) == 0 && listen(fd, 128) == 0)
		return fd;
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

static int listen_on(void)
{
	struct addrinfo hints = {
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV,
	}, *res, *ai;
	uint16_t port = htons(atoi(opt.port));
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = port };
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = port };
	int fd = -1, err = 0;

	if (!opt.bind_addr) {
		/* "::" (dual-stack), or 0.0.0.0 when there is no IPv6. */
		fd = listen_addr((struct sockaddr *)&sin6, sizeof(sin6));
		if (fd < 0 && errno == EAFNOSUPPORT)
			fd = listen_addr((struct sockaddr *)&sin, sizeof(sin));
		err = errno;
	} else {
		if (getaddrinfo(opt.bind_addr, opt.port, &hints, &res))
			die("bad address %s", opt.bind_addr);
		for (ai = res; ai && fd < 0; ai = ai->ai_next) {
			fd = listen_addr(ai->ai_addr, ai->ai_addrlen);
			err = errno;
		}
		freeaddrinfo(res);
	}
	if (fd < 0)
		die("cannot listen on %s port %s over %s (protocol %d): %s",
		    opt.bind_addr ? opt.bind_addr : "*", opt.port,
		    opt.proto_name, opt.proto, strerror(err));
	return fd;
}

static void run_server(void)
{
	char why[256];
	int lfd, fd;

	signal(SIGPIPE, SIG_IGN);
	lfd = listen_on();
	/* Line-buffered "listening" line: scripts wait for it. */
	printf("listening proto=%s(%d) port=%s\n", opt.proto_name, opt.proto,
	       opt.port);
	fflush(stdout);
	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			die("accept: %s", strerror(errno));
		}
		set_timeouts(fd);
		if (serve(fd, why, sizeof(why)))
			warnx("connection failed: %s", why);
		close(fd);
	}
}

/* ------------------------------------------------------------ client -- */

static struct addrinfo *peer;

static void resolve_peer(void)
{
	struct addrinfo hints = {
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICSERV,
	};
	int rc;

	rc = getaddrinfo(opt.host, opt.port, &hints, &peer);
	if (rc)
		die("cannot resolve %s: %s", opt.host, gai_strerror(rc));
}

/* A connected socket, or exit with a message naming WHAT. */
static int dial(const char *what)
{
	int fd, p;
	socklen_t len = sizeof(p);

	fd = socket(peer->ai_family, SOCK_STREAM | SOCK_CLOEXEC, opt.proto);
	if (fd < 0)
		die("%s over %s: socket(protocol %d): %s", what,
		    opt.proto_name, opt.proto, strerror(errno));
	/* Make sure nothing (an LD_PRELOAD shim) changed the protocol. */
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &p, &len) == 0 &&
	    p != opt.proto && !getenv("LD_PRELOAD"))
		die("%s: socket has protocol %d, not %d", what, p, opt.proto);
	set_timeouts(fd);
	if (set_nodelay(fd))
		die("%s over %s: TCP_NODELAY: %s", what, opt.proto_name,
		    strerror(errno));
	if (connect(fd, peer->ai_addr, peer->ai_addrlen))
		die("%s over %s: connect to %s port %s: %s", what,
		    opt.proto_name, opt.host, opt.port, errstr(errno));
	return fd;
}

static uint32_t test_word(enum test t)
{
	return t | (opt.verify ? FLAG_VERIFY << 16 : 0);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Mean, median and 99th percentile of LAT[0..N) (seconds) -> us. */
static void lat_stats(double *lat, uint64_t n, double *mean, double *p50,
		      double *p99)
{
	double sum = 0;
	uint64_t i;

	for (i = 0; i < n; i++)
		sum += lat[i];
	qsort(lat, n, sizeof(*lat), cmp_double);
	*mean = sum / n * 1e6;
	*p50 = lat[n / 2] * 1e6;
	*p99 = lat[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] * 1e6;
}

static void run_bulk(void)
{
	uint64_t total = opt.mib << 20, sent = 0, status;
	uint8_t hb[HDR_LEN], *buf;
	struct hdr h = {
		.magic = BENCH_MAGIC, .test = test_word(T_BULK), .count = total,
	};
	double t0, t1;
	size_t n;
	int fd;

	buf = xmalloc(BULK_CHUNK);
	fill(buf, BULK_CHUNK, 0);
	fd = dial("bulk");
	hdr_pack(hb, &h);
	if (send_all(fd, hb, HDR_LEN))
		die("bulk over %s: send: %s", opt.proto_name, errstr(errno));
	t0 = now();
	while (sent < total) {
		n = total - sent < BULK_CHUNK ? total - sent : BULK_CHUNK;
		/* The pattern is a function of the stream offset. */
		if (opt.verify && sent)
			fill(buf, n, sent);
		if (send_all(fd, buf, n))
			die("bulk over %s: send after %llu bytes: %s",
			    opt.proto_name, (unsigned long long)sent,
			    errstr(errno));
		sent += n;
	}
	if (recv_all(fd, &status, sizeof(status)))
		die("bulk over %s: waiting for the server's status: %s",
		    opt.proto_name, errstr(errno));
	t1 = now();
	close(fd);
	status = be64toh(status);
	if (status)
		die("bulk over %s: the server saw corrupted data at byte %llu",
		    opt.proto_name, (unsigned long long)status - 1);
	printf("bulk proto=%s(%d) bytes=%llu seconds=%.3f MBps=%.1f%s\n",
	       opt.proto_name, opt.proto, (unsigned long long)total, t1 - t0,
	       total / (t1 - t0) / 1e6, opt.verify ? " verified=1" : "");
	free(buf);
}

static void run_rr(void)
{
	uint8_t hb[HDR_LEN], *req, *resp;
	uint64_t i, n = opt.count ? opt.count : 10000;
	uint64_t soff = 0, roff = 0;
	struct hdr h = {
		.magic = BENCH_MAGIC, .test = test_word(T_RR), .count = n,
		.req = opt.req, .resp = opt.resp,
	};
	double *lat, t0, t1, ts, mean, p50, p99;
	long bad;
	int fd;

	lat = xmalloc(n * sizeof(*lat));
	req = xmalloc(opt.req);
	resp = xmalloc(opt.resp);
	memset(req, 'q', opt.req);
	fd = dial("rr");
	hdr_pack(hb, &h);
	if (send_all(fd, hb, HDR_LEN))
		die("rr over %s: send: %s", opt.proto_name, errstr(errno));
	t0 = now();
	for (i = 0; i < n; i++) {
		if (opt.verify)
			fill(req, opt.req, soff);
		ts = now();
		if (send_all(fd, req, opt.req))
			die("rr over %s: request %llu: send: %s", opt.proto_name,
			    (unsigned long long)i, errstr(errno));
		if (recv_all(fd, resp, opt.resp))
			die("rr over %s: response %llu: %s", opt.proto_name,
			    (unsigned long long)i, errstr(errno));
		lat[i] = now() - ts;
		if (opt.verify) {
			bad = check(resp, opt.resp, roff);
			if (bad >= 0)
				die("rr over %s: response %llu corrupted at byte %llu",
				    opt.proto_name, (unsigned long long)i,
				    (unsigned long long)(roff + bad));
		}
		soff += opt.req;
		roff += opt.resp;
	}
	t1 = now();
	close(fd);
	lat_stats(lat, n, &mean, &p50, &p99);
	printf("rr proto=%s(%d) n=%llu req=%u resp=%u",
	       opt.proto_name, opt.proto, (unsigned long long)n, opt.req,
	       opt.resp);
	printf(" seconds=%.3f tps=%.1f mean_us=%.1f p50_us=%.1f p99_us=%.1f%s\n",
	       t1 - t0, n / (t1 - t0), mean, p50, p99,
	       opt.verify ? " verified=1" : "");
	free(lat);
	free(req);
	free(resp);
}

static void run_crr(void)
{
	uint64_t i, n = opt.count ? opt.count : 1000;
	struct hdr h = {
		.magic = BENCH_MAGIC, .test = test_word(T_CRR), .count = 1,
		.req = opt.req, .resp = opt.resp,
	};
	double *lat, t0, t1, ts, mean, p50, p99;
	uint8_t *req, *resp;
	long bad;
	int fd;

	lat = xmalloc(n * sizeof(*lat));
	/* Header and request leave in one send(). */
	req = xmalloc(HDR_LEN + opt.req);
	resp = xmalloc(opt.resp);
	hdr_pack(req, &h);
	if (opt.verify)
		fill(req + HDR_LEN, opt.req, 0);
	else
		memset(req + HDR_LEN, 'q', opt.req);
	t0 = now();
	for (i = 0; i < n; i++) {
		ts = now();
		fd = dial("crr");
		if (send_all(fd, req, HDR_LEN + opt.req))
			die("crr over %s: cycle %llu: send: %s", opt.proto_name,
			    (unsigned long long)i, errstr(errno));
		if (recv_all(fd, resp, opt.resp))
			die("crr over %s: cycle %llu: response: %s",
			    opt.proto_name, (unsigned long long)i,
			    errstr(errno));
		if (close(fd))
			die("crr over %s: cycle %llu: close: %s",
			    opt.proto_name, (unsigned long long)i,
			    strerror(errno));
		lat[i] = now() - ts;
		if (opt.verify) {
			bad = check(resp, opt.resp, 0);
			if (bad >= 0)
				die("crr over %s: cycle %llu: response corrupted at byte %ld",
				    opt.proto_name, (unsigned long long)i, bad);
		}
	}
	t1 = now();
	lat_stats(lat, n, &mean, &p50, &p99);
	printf("crr proto=%s(%d) n=%llu req=%u resp=%u",
	       opt.proto_name, opt.proto, (unsigned long long)n, opt.req,
	       opt.resp);
	printf(" seconds=%.3f cps=%.1f mean_us=%.1f p50_us=%.1f p99_us=%.1f%s\n",
	       t1 - t0, n / (t1 - t0), mean, p50, p99,
	       opt.verify ? " verified=1" : "");
	free(lat);
	free(req);
	free(resp);
}

/* ------------------------------------------------------------- main --- */

static void print_usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: atcp-bench -s [-p PROTO] [-b ADDR] [-l PORT] [-T SEC] [-D] [-q]\n"
		"       atcp-bench -c HOST -t bulk|rr|crr [-p PROTO] [-l PORT] [options]\n"
		"\n"
		"  -s, --server          serve tests, one connection at a time, until killed\n"
		"  -c, --client HOST     run test -t against the server at HOST\n"
		"  -p, --proto PROTO     tcp (default), atcp ($ATCP_PROTO, else the module's\n"
		"                        proto= parameter, else 253), or an IP protocol number\n"
		"  -l, --port PORT       port (default 5201)\n"
		"  -b, --bind ADDR       server address (default :: dual-stack, else 0.0.0.0)\n"
		"  -t, --test TEST       bulk: -m MiB one way, MB/s (10^6 bytes/s)\n"
		"                        rr: -n transactions of -r/-R bytes on one connection\n"
		"                        crr: -n cycles of connect, request, response, close\n"
		"  -m, --mib N           bulk size in MiB (default 64)\n"
		"  -n, --count N         transactions (rr, default 10000) or cycles (crr, 1000)\n"
		"  -r, --req BYTES       request size (default 64)\n"
		"  -R, --resp BYTES      response size (default 64)\n"
		"  -T, --timeout SEC     receive/send/connect timeout per call (default 60;\n"
		"                        0 = none)\n"
		"  -D, --nodelay         set TCP_NODELAY on both ends (fails if unsupported)\n"
		"  -V, --verify          check every payload byte (slower)\n"
		"  -q, --quiet           server: do not log failed connections\n"
		"\n"
		"Output: one line, e.g. \"bulk proto=tcp(6) bytes=... seconds=... MBps=...\";\n"
		"any failure: a message on stderr and exit status 1, no numbers.\n");
	exit(status);
}

static uint64_t num(const char *s, const char *what, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || end == s || v > max || *s == '-')
		die("bad %s '%s'", what, s);
	return v;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "server", no_argument, NULL, 's' },
		{ "client", required_argument, NULL, 'c' },
		{ "proto", required_argument, NULL, 'p' },
		{ "port", required_argument, NULL, 'l' },
		{ "bind", required_argument, NULL, 'b' },
		{ "test", required_argument, NULL, 't' },
		{ "mib", required_argument, NULL, 'm' },
		{ "count", required_argument, NULL, 'n' },
		{ "req", required_argument, NULL, 'r' },
		{ "resp", required_argument, NULL, 'R' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "nodelay", no_argument, NULL, 'D' },
		{ "verify", no_argument, NULL, 'V' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *test = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "sc:p:l:b:t:m:n:r:R:T:DVqh",
				lopts, NULL)) != -1) {
		switch (c) {
		case 's':
			opt.server = 1;
			break;
		case 'c':
			opt.host = optarg;
			break;
		case 'p':
			set_proto(optarg);
			break;
		case 'l':
			opt.port = optarg;
			num(optarg, "port", 65535);
			break;
		case 'b':
			opt.bind_addr = optarg;
			break;
		case 't':
			test = optarg;
			break;
		case 'm':
			opt.mib = num(optarg, "size", 1 << 20);
			break;
		case 'n':
			opt.count = num(optarg, "count", 100000000);
			break;
		case 'r':
			opt.req = num(optarg, "request size", 64 << 20);
			break;
		case 'R':
			opt.resp = num(optarg, "response size", 64 << 20);
			break;
		case 'T':
			opt.timeout = num(optarg, "timeout", 86400);
			break;
		case 'D':
			opt.nodelay = 1;
			break;
		case 'V':
			opt.verify = 1;
			break;
		case 'q':
			opt.quiet = 1;
			break;
		case 'h':
			print_usage(0);
			break;
		default:
			print_usage(2);
		}
	}
	if (optind != argc || opt.server == !!opt.host)
		print_usage(2);
	if (opt.server) {
		run_server();
		return 0;
	}
	if (!test)
		print_usage(2);
	for (c = T_BULK; c <= T_CRR; c++)
		if (!strcmp(test, test_names[c]))
			opt.test = c;
	if (!opt.test)
		die("unknown test '%s' (bulk, rr, crr)", test);
	if (opt.test != T_BULK && (opt.req == 0 || opt.resp == 0))
		die("request and response sizes must be at least 1 byte");
	if (opt.test == T_BULK && opt.mib == 0)
		die("bulk size must be at least 1 MiB");
	signal(SIGPIPE, SIG_IGN);
	resolve_peer();
	switch (opt.test) {
	case T_BULK:
		run_bulk();
		break;
	case T_RR:
		run_rr();
		break;
	case T_CRR:
		run_crr();
		break;
	}
	freeaddrinfo(peer);
	return 0;
}
