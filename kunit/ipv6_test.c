// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for module/ipv6.c: the checksum over the IPv6 pseudo-header
 * uses next header 6, as TCP's does (RFC 8200 section 8.1), not the
 * next header value that carries ATCP.
 */
#include <kunit/test.h>
#include <linux/in6.h>
#include <linux/tcp.h>
#include <net/checksum.h>
#include <net/ip6_checksum.h>

#include "atcp.h"

#define ATCP_TEST_PROTO	253

/* 2001:db8::1 and 2001:db8::2 (RFC 3849 documentation prefix). */
static const struct in6_addr atcp_test_saddr = {
	.s6_addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 } };
static const struct in6_addr atcp_test_daddr = {
	.s6_addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x02 } };
static const struct in6_addr atcp_test_other = {
	.s6_addr = { 0xfe, 0x80, [15] = 0x02 } };

static const unsigned int atcp_csum6_paylens[] = { 0, 1, 57, 1000, 1441 };

static u16 atcp_test_sum16(__sum16 sum)
{
	return be16_to_cpu((__force __be16)sum);
}

/* A 20-byte header (ACK) and @paylen bytes of pattern; check zero. */
static unsigned int atcp_test_segment6(struct kunit *test,
				       unsigned int paylen, u8 **bufp)
{
	unsigned int len = sizeof(struct tcphdr) + paylen;
	struct tcphdr *th;
	unsigned int i;
	u8 *buf;

	buf = kunit_kzalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	th = (struct tcphdr *)buf;
	th->source = htons(5001);
	th->dest = htons(43210);
	th->seq = htonl(0x89abcdef);
	th->ack_seq = htonl(0xfffffff0);
	th->doff = 5;
	th->ack = 1;
	th->window = htons(65535);
	for (i = 0; i < paylen; i++)
		buf[sizeof(*th) + i] = 0xff - i;
	*bufp = buf;
	return len;
}

/*
 * Known vector (RFC 1071 sum by hand): the SYN of the IPv4 vector,
 * 12345 -> 80, seq 0x01020304, window 65535, from 2001:db8::1 to
 * 2001:db8::2.
 *   pseudo-header: 2001 + 0db8 + 0001 + 2001 + 0db8 + 0002 + 0014 + 0006
 *                  = 5b8f
 *   segment:       1_8490
 *   5b8f + 1_8490 = 1_e01f -> fold e020 -> complement 1fdf
 * With next header 253 the checksum would be 1ee8.
 */
static void atcp_csum_v6_test_vector(struct kunit *test)
{
	static const u8 syn[20] = {
		0x30, 0x39, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04,
		0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0xff, 0xff,
		0x00, 0x00, 0x00, 0x00,
	};
	u16 sum = atcp_test_sum16(atcp_v6_csum(syn, sizeof(syn),
					       &atcp_test_saddr,
					       &atcp_test_daddr));

	KUNIT_EXPECT_EQ(test, sum, 0x1fdf);
	KUNIT_EXPECT_NE(test, sum, 0x1ee8);
}

static void atcp_csum_v6_test_matches_tcp(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(atcp_csum6_paylens); i++) {
		__sum16 ours, tcp, other;
		unsigned int len;
		u8 *buf;

		len = atcp_test_segment6(test, atcp_csum6_paylens[i], &buf);
		ours = atcp_v6_csum(buf, len, &atcp_test_saddr,
				    &atcp_test_daddr);
		tcp = tcp_v6_check(len, &atcp_test_saddr, &atcp_test_daddr,
				   csum_partial(buf, len, 0));
		other = csum_ipv6_magic(&atcp_test_saddr, &atcp_test_daddr, len,
					ATCP_TEST_PROTO,
					csum_partial(buf, len, 0));
		KUNIT_EXPECT_EQ_MSG(test, atcp_test_sum16(ours),
				    atcp_test_sum16(tcp), "length %u", len);
		KUNIT_EXPECT_NE_MSG(test, atcp_test_sum16(ours),
				    atcp_test_sum16(other), "length %u", len);
	}
}

static void atcp_csum_v6_test_verify(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(atcp_csum6_paylens); i++) {
		struct tcphdr *th;
		unsigned int len;
		__wsum sum;
		u8 *buf;

		len = atcp_test_segment6(test, atcp_csum6_paylens[i], &buf);
		th = (struct tcphdr *)buf;
		th->check = atcp_v6_csum(buf, len, &atcp_test_saddr,
					 &atcp_test_daddr);
		sum = csum_partial(buf, len, 0);
		KUNIT_EXPECT_EQ_MSG(test,
				    atcp_test_sum16(csum_ipv6_magic(&atcp_test_saddr,
								    &atcp_test_daddr,
								    len, IPPROTO_TCP,
								    sum)),
				    0, "length %u", len);
		KUNIT_EXPECT_EQ_MSG(test,
				    atcp_test_sum16(atcp_v6_csum(buf, len,
								 &atcp_test_saddr,
								 &atcp_test_daddr)),
				    0, "length %u", len);
		KUNIT_EXPECT_NE(test,
				atcp_test_sum16(atcp_v6_csum(buf, len,
							     &atcp_test_other,
							     &atcp_test_daddr)),
				0);
		buf[len / 2] ^= 0x80;
		KUNIT_EXPECT_NE(test,
				atcp_test_sum16(atcp_v6_csum(buf, len,
							     &atcp_test_saddr,
							     &atcp_test_daddr)),
				0);
	}
}

static struct kunit_case atcp_csum_v6_test_cases[] = {
	KUNIT_CASE(atcp_csum_v6_test_vector),
	KUNIT_CASE(atcp_csum_v6_test_matches_tcp),
	KUNIT_CASE(atcp_csum_v6_test_verify),
	{}
};

static struct kunit_suite atcp_csum_v6_test_suite = {
	.name = "atcp_csum_v6",
	.test_cases = atcp_csum_v6_test_cases,
};

kunit_test_suite(atcp_csum_v6_test_suite);
