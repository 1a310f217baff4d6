// SPDX-License-Identifier: GPL-2.0
/*
 * synflood - send spoofed SYNs as fast as possible, for the ATCP selftests
 * (selftests/test_syncookies.sh).  A test tool for network namespaces that
 * the test builds itself: the destination must be a private or loopback
 * address (10/8, 172.16/12, 192.168/16, 127/8), and so must the spoofed
 * source range.
 *
 * Usage: synflood -d DST -p DPORT -s SRCNET/PREFIX [-P PROTO] [-t SECONDS]
 *                 [-n MAXPACKETS] [-m MSS]
 *
 *   -d DST      IPv4 destination (the listener)
 *   -p DPORT    destination port
 *   -s NET/LEN  spoofed sources: random addresses in NET/LEN (LEN 8..32);
 *               route their replies nowhere (a blackhole route at the
 *               target)
 *   -P PROTO    IP protocol number (default 253, ATCP); the TCP checksum
 *               is computed as TCP's, pseudo-header protocol 6, whatever
 *               PROTO is
 *   -t SECONDS  how long to send (default 5)
 *   -n MAX      stop after MAX packets (default: no limit)
 *   -m MSS      MSS option of the SYNs (default 1460; 0: no option)
 *
 * Random source address, source port, sequence number per SYN; a raw
 * socket with IP_HDRINCL.  At the end it prints one line:
 *   sent N packets in T s: R pps (E send errors)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct pkt {
	/* IPv4 header */
	uint8_t ver_ihl, tos;
	uint16_t tot_len, id, frag_off;
	uint8_t ttl, protocol;
	uint16_t check;
	uint32_t saddr, daddr;
	/* TCP header */
	uint16_t source, dest;
	uint32_t seq, ack_seq;
	uint8_t doff, flags;
	uint16_t window, tcheck, urg_ptr;
	/* MSS option */
	uint8_t opt[4];
} __attribute__((packed));

static uint64_t rng_state = 88172645463325252ULL;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static uint32_t csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint16_t *p = buf;

	while (len > 1) {
		sum += *p++;
		len -= 2;
	}
	if (len)
		sum += *(const uint8_t *)p;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* 10/8, 172.16/12, 192.168/16, 127/8 (host order). */
static int private_addr(uint32_t a)
{
	return (a >> 24) == 10 || (a >> 20) == (172 << 4 | 1) ||
	       (a >> 16) == (192 << 8 | 168) || (a >> 24) == 127;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr, "usage: synflood -d DST -p DPORT -s SRCNET/PREFIX "
		"[-P PROTO] [-t SECONDS] [-n MAXPACKETS] [-m MSS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *dst = NULL, *src = NULL;
	int dport = -1, proto = 253, mss = 1460, opt, fd, one = 1;
	double secs = 5, start, end, t;
	unsigned long long max = 0, sent = 0, errors = 0;
	uint32_t net, mask, daddr;
	struct sockaddr_in sin;
	struct in_addr ia;
	struct pkt pk;
	char *slash;
	int plen, len;

	while ((opt = getopt(argc, argv, "d:p:s:P:t:n:m:")) != -1) {
		switch (opt) {
		case 'd': dst = optarg; break;
		case 'p': dport = atoi(optarg); break;
		case 's': src = optarg; break;
		case 'P': proto = atoi(optarg); break;
		case 't': secs = atof(optarg); break;
		case 'n': max = strtoull(optarg, NULL, 0); break;
		case 'm': mss = atoi(optarg); break;
		default: usage();
		}
	}
	if (!dst || !src || dport < 0 || dport > 65535 || proto < 1 ||
	    proto > 255 || secs <= 0 || mss < 0 || mss > 65535)
		usage();
	if (inet_pton(AF_INET, dst, &ia) != 1)
		usage();
	daddr = ia.s_addr;
	slash = strchr(src, '/');
	if (!slash)
		usage();
	*slash = 0;
	plen = atoi(slash + 1);
	if (inet_pton(AF_INET, src, &ia) != 1 || plen < 8 || plen > 32)
		usage();
	mask = plen == 32 ? 0xffffffffu : ~(0xffffffffu >> plen);
	net = ntohl(ia.s_addr) & mask;
	if (!private_addr(ntohl(daddr)) || !private_addr(net) ||
	    !private_addr(net | ~mask)) {
		fprintf(stderr, "synflood: destination and sources must be "
			"private or loopback addresses (test namespaces only)\n");
		return 2;
	}

	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0) {
		perror("synflood: socket");
		return 1;
	}
	if (setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) < 0) {
		perror("synflood: IP_HDRINCL");
		return 1;
	}
	rng_state ^= (uint64_t)getpid() << 32 ^ (uint64_t)(now() * 1e9);

	len = mss ? sizeof(pk) : sizeof(pk) - sizeof(pk.opt);
	memset(&pk, 0, sizeof(pk));
	pk.ver_ihl = 0x45;
	pk.tot_len = htons(len);
	pk.frag_off = htons(0x4000);	/* DF */
	pk.ttl = 64;
	pk.protocol = proto;
	pk.daddr = daddr;
	pk.dest = htons(dport);
	pk.doff = (mss ? 6 : 5) << 4;
	pk.flags = 0x02;		/* SYN */
	pk.window = htons(64240);
	pk.opt[0] = 2;
	pk.opt[1] = 4;
	pk.opt[2] = mss >> 8;
	pk.opt[3] = mss & 0xff;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = daddr;

	start = now();
	end = start + secs;
	t = start;
	while (t < end && (!max || sent < max)) {
		int i;

		for (i = 0; i < 64; i++) {
			uint64_t r = rnd();
			uint32_t sum;

			pk.saddr = htonl(net | ((uint32_t)r & ~mask));
			pk.source = htons(1024 + (r >> 32) % 64512);
			pk.seq = (uint32_t)(rnd() >> 16);
			pk.id = (uint16_t)(r >> 48);
			pk.check = 0;
			pk.check = csum_fold(csum_partial(&pk, 20, 0));
			/* TCP checksum: pseudo-header with protocol 6. */
			pk.tcheck = 0;
			sum = csum_partial(&pk.saddr, 8, 0);
			sum += htons(6);
			sum += htons(len - 20);
			sum = csum_partial(&pk.source, len - 20, sum);
			pk.tcheck = csum_fold(sum);
			if (sendto(fd, &pk, len, 0, (struct sockaddr *)&sin,
				   sizeof(sin)) < 0) {
				if (errno != ENOBUFS && errno != EAGAIN &&
				    errno != EPERM) {
					perror("synflood: sendto");
					return 1;
				}
				errors++;
			} else {
				sent++;
			}
			if (max && sent >= max)
				break;
		}
		t = now();
	}
	t -= start;
	printf("sent %llu packets in %.2f s: %.0f pps (%llu send errors)\n",
	       sent, t, t > 0 ? sent / t : 0.0, errors);
	close(fd);
	return 0;
}
