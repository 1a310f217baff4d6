// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for module/output.c: the IPv4 checksum (TCP's, pseudo-header
 * protocol 6, whatever IP protocol carries the segment), the sequence
 * fields of the RST that answers a segment in CLOSED (RFC 9293 3.10.7.1),
 * and the receive window a segment announces (atcp_select_window()).
 */
#include <kunit/test.h>
#include <linux/net.h>
#include <linux/tcp.h>
#include <net/checksum.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "atcp.h"

#define ATCP_TEST_SADDR	htonl(0x0a000001)	/* 10.0.0.1 */
#define ATCP_TEST_DADDR	htonl(0x0a000002)	/* 10.0.0.2 */

/* Protocol number of the wire format under test, not IPPROTO_TCP. */
#define ATCP_TEST_PROTO	253

/* Payload lengths: none, odd (trailing byte padding), and larger. */
static const unsigned int atcp_csum_paylens[] = { 0, 1, 57, 1000, 1461 };

/*
 * A segment of @paylen bytes after a 32-byte header (MSS, window scale,
 * SACK-permitted), with th->check zero.  Returns its total length.
 */
static unsigned int atcp_test_segment(struct kunit *test, unsigned int paylen,
				      u8 **bufp)
{
	static const u8 opt[12] = {
		TCPOPT_MSS, TCPOLEN_MSS, 0x05, 0xb4,
		TCPOPT_NOP, TCPOPT_WINDOW, TCPOLEN_WINDOW, 7,
		TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK_PERM, TCPOLEN_SACK_PERM,
	};
	unsigned int len = sizeof(struct tcphdr) + sizeof(opt) + paylen;
	struct tcphdr *th;
	unsigned int i;
	u8 *buf;

	buf = kunit_kzalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	th = (struct tcphdr *)buf;
	th->source = htons(43210);
	th->dest = htons(5001);
	th->seq = htonl(0xdeadbeef);
	th->ack_seq = htonl(0x01234567);
	th->doff = (sizeof(*th) + sizeof(opt)) / 4;
	th->ack = 1;
	th->psh = 1;
	th->window = htons(502);
	memcpy(th + 1, opt, sizeof(opt));
	for (i = 0; i < paylen; i++)
		buf[sizeof(*th) + sizeof(opt) + i] = i * 7 + 3;
	*bufp = buf;
	return len;
}

static u16 atcp_test_sum16(__sum16 sum)
{
	return be16_to_cpu((__force __be16)sum);
}

/*
 * Known vector, summed by hand (RFC 1071): a SYN 10.0.0.1:12345 ->
 * 10.0.0.2:80, seq 0x01020304, window 65535, no options.
 *   pseudo-header: 0a00 + 0001 + 0a00 + 0002 + 0006 + 0014 = 141d
 *   segment:       3039 + 0050 + 0102 + 0304 + 5002 + ffff = 1_8490
 *   141d + 1_8490 = 1_98ad -> fold 98ae -> complement 6751
 * With protocol 253 in the pseudo-header the sum is 99a5, checksum 665a.
 */
static void atcp_csum_v4_test_vector(struct kunit *test)
{
	static const u8 syn[20] = {
		0x30, 0x39, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04,
		0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0xff, 0xff,
		0x00, 0x00, 0x00, 0x00,
	};
	u16 sum = atcp_test_sum16(atcp_v4_csum(syn, sizeof(syn),
					       ATCP_TEST_SADDR,
					       ATCP_TEST_DADDR));

	KUNIT_EXPECT_EQ(test, sum, 0x6751);
	KUNIT_EXPECT_NE(test, sum, 0x665a);
}

/* The same value Linux TCP computes for the same bytes. */
static void atcp_csum_v4_test_matches_tcp(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(atcp_csum_paylens); i++) {
		unsigned int len;
		__sum16 ours, tcp;
		u8 *buf;

		len = atcp_test_segment(test, atcp_csum_paylens[i], &buf);
		ours = atcp_v4_csum(buf, len, ATCP_TEST_SADDR, ATCP_TEST_DADDR);
		tcp = tcp_v4_check(len, ATCP_TEST_SADDR, ATCP_TEST_DADDR,
				   csum_partial(buf, len, 0));
		KUNIT_EXPECT_EQ_MSG(test, atcp_test_sum16(ours),
				    atcp_test_sum16(tcp), "length %u", len);
	}
}

/* Protocol 6 in the pseudo-header, not the IP protocol carrying it. */
static void atcp_csum_v4_test_not_proto(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(atcp_csum_paylens); i++) {
		unsigned int len;
		__sum16 ours, other;
		u8 *buf;

		len = atcp_test_segment(test, atcp_csum_paylens[i], &buf);
		ours = atcp_v4_csum(buf, len, ATCP_TEST_SADDR, ATCP_TEST_DADDR);
		other = csum_tcpudp_magic(ATCP_TEST_SADDR, ATCP_TEST_DADDR, len,
					  ATCP_TEST_PROTO,
					  csum_partial(buf, len, 0));
		KUNIT_EXPECT_NE_MSG(test, atcp_test_sum16(ours),
				    atcp_test_sum16(other), "length %u", len);
	}
}

/*
 * With the checksum stored, the segment verifies: the sum over
 * pseudo-header and segment folds to zero, and a corrupted byte or a
 * different address does not.
 */
static void atcp_csum_v4_test_verify(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(atcp_csum_paylens); i++) {
		struct tcphdr *th;
		unsigned int len;
		__wsum pseudo;
		u8 *buf;

		len = atcp_test_segment(test, atcp_csum_paylens[i], &buf);
		th = (struct tcphdr *)buf;
		th->check = atcp_v4_csum(buf, len, ATCP_TEST_SADDR,
					 ATCP_TEST_DADDR);
		pseudo = csum_tcpudp_nofold(ATCP_TEST_SADDR, ATCP_TEST_DADDR,
					    len, IPPROTO_TCP, 0);
		KUNIT_EXPECT_EQ_MSG(test,
				    atcp_test_sum16(csum_fold(csum_partial(buf, len, pseudo))),
				    0, "length %u", len);
		KUNIT_EXPECT_EQ_MSG(test,
				    atcp_test_sum16(atcp_v4_csum(buf, len,
								 ATCP_TEST_SADDR,
								 ATCP_TEST_DADDR)),
				    0, "length %u", len);
		KUNIT_EXPECT_NE(test,
				atcp_test_sum16(atcp_v4_csum(buf, len,
							     ATCP_TEST_DADDR,
							     htonl(0x0a000003))),
				0);
		buf[len - 1] ^= 0x01;
		KUNIT_EXPECT_NE(test,
				atcp_test_sum16(atcp_v4_csum(buf, len,
							     ATCP_TEST_SADDR,
							     ATCP_TEST_DADDR)),
				0);
	}
}

static struct kunit_case atcp_csum_v4_test_cases[] = {
	KUNIT_CASE(atcp_csum_v4_test_vector),
	KUNIT_CASE(atcp_csum_v4_test_matches_tcp),
	KUNIT_CASE(atcp_csum_v4_test_not_proto),
	KUNIT_CASE(atcp_csum_v4_test_verify),
	{}
};

static struct kunit_suite atcp_csum_v4_test_suite = {
	.name = "atcp_csum_v4",
	.test_cases = atcp_csum_v4_test_cases,
};

struct atcp_rst {
	u32 seq;
	u32 ack_seq;
	bool ack;
};

/* Fields of the RST answering a segment with the given header fields. */
static struct atcp_rst atcp_test_rst(u32 seq, u32 ack_seq, bool syn, bool fin,
				     bool ack, unsigned int seglen)
{
	struct tcphdr th = {
		.seq = htonl(seq),
		.ack_seq = htonl(ack_seq),
		.doff = 5,
	};
	__be32 rseq = htonl(0xa5a5a5a5), rack = htonl(0x5a5a5a5a);
	struct atcp_rst r;
	bool rflag = !ack;

	th.syn = syn;
	th.fin = fin;
	th.ack = ack;
	atcp_reset_fields(&th, seglen, &rseq, &rack, &rflag);
	r.seq = ntohl(rseq);
	r.ack_seq = ntohl(rack);
	r.ack = rflag;
	return r;
}

/* SYN without ACK: <SEQ=0><ACK=SEG.SEQ+1><CTL=RST,ACK>. */
static void atcp_reset_test_syn(struct kunit *test)
{
	struct atcp_rst r = atcp_test_rst(1000, 0, true, false, false, 0);

	KUNIT_EXPECT_EQ(test, r.seq, 0U);
	KUNIT_EXPECT_EQ(test, r.ack_seq, 1001U);
	KUNIT_EXPECT_TRUE(test, r.ack);
}

/* SEG.LEN counts the payload, SYN and FIN. */
static void atcp_reset_test_seglen(struct kunit *test)
{
	struct atcp_rst r;

	r = atcp_test_rst(1000, 0, true, true, false, 100);
	KUNIT_EXPECT_EQ(test, r.seq, 0U);
	KUNIT_EXPECT_EQ(test, r.ack_seq, 1102U);
	KUNIT_EXPECT_TRUE(test, r.ack);

	r = atcp_test_rst(1000, 0, false, true, false, 0);
	KUNIT_EXPECT_EQ(test, r.ack_seq, 1001U);

	r = atcp_test_rst(1000, 0, false, false, false, 10);
	KUNIT_EXPECT_EQ(test, r.ack_seq, 1010U);
	KUNIT_EXPECT_TRUE(test, r.ack);

	/* Neither flags nor data: ACK = SEG.SEQ. */
	r = atcp_test_rst(1000, 0, false, false, false, 0);
	KUNIT_EXPECT_EQ(test, r.ack_seq, 1000U);
	KUNIT_EXPECT_TRUE(test, r.ack);
}

/* Segment with ACK: <SEQ=SEG.ACK><CTL=RST>, whatever else it carries. */
static void atcp_reset_test_ack(struct kunit *test)
{
	struct atcp_rst r;

	r = atcp_test_rst(1000, 0xcafef00d, false, false, true, 0);
	KUNIT_EXPECT_EQ(test, r.seq, 0xcafef00dU);
	KUNIT_EXPECT_EQ(test, r.ack_seq, 0U);
	KUNIT_EXPECT_FALSE(test, r.ack);

	r = atcp_test_rst(1000, 77, true, true, true, 500);
	KUNIT_EXPECT_EQ(test, r.seq, 77U);
	KUNIT_EXPECT_EQ(test, r.ack_seq, 0U);
	KUNIT_EXPECT_FALSE(test, r.ack);
}

/* SEG.SEQ + SEG.LEN wraps modulo 2^32. */
static void atcp_reset_test_wrap(struct kunit *test)
{
	struct atcp_rst r;

	r = atcp_test_rst(0xffffffff, 0, true, false, false, 0);
	KUNIT_EXPECT_EQ(test, r.ack_seq, 0U);

	r = atcp_test_rst(0xfffffff0, 0, false, true, false, 0x20);
	KUNIT_EXPECT_EQ(test, r.ack_seq, 0x11U);

	r = atcp_test_rst(0xfffffffe, 0, true, true, false, 0);
	KUNIT_EXPECT_EQ(test, r.ack_seq, 0U);
	KUNIT_EXPECT_TRUE(test, r.ack);
}

static struct kunit_case atcp_reset_test_cases[] = {
	KUNIT_CASE(atcp_reset_test_syn),
	KUNIT_CASE(atcp_reset_test_seglen),
	KUNIT_CASE(atcp_reset_test_ack),
	KUNIT_CASE(atcp_reset_test_wrap),
	{}
};

static struct kunit_suite atcp_reset_test_suite = {
	.name = "atcp_reset",
	.test_cases = atcp_reset_test_cases,
};

/*
 * atcp_select_window(): the window a segment announces, from the free
 * receive buffer (RFC 7323 window scaling, RFC 9293 3.8.6 never shrinking,
 * 3.8.6.2.2 receiver-side SWS avoidance).  It reads the buffer charge and
 * the receive sequence state of a socket, so each case takes a real ATCP
 * socket (never connected), sets those fields, and charges sk_rmem_alloc
 * by hand (undone before the socket is released).  rcv_ratio is 1 (the
 * whole buffer charge is payload), so the free space offered is the free
 * buffer less an eighth.
 */
struct atcp_win_test {
	struct socket *sock;
	struct sock *sk;
	struct atcp_sock *as;
};

static int atcp_win_test_init(struct kunit *test)
{
	struct atcp_win_test *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	int err;

	KUNIT_ASSERT_NOT_NULL(test, w);
	err = sock_create_kern(&init_net, PF_INET, SOCK_STREAM, IPPROTO_ATCP,
			       &w->sock);
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "ATCP socket (is atcp.ko loaded?)");
	w->sk = w->sock->sk;
	w->as = atcp_sk(w->sk);
	w->as->rcv_ratio = 1 << ATCP_RATIO_SHIFT;
	w->as->rcv_mss = 1000;
	w->as->advmss = 1460;
	test->priv = w;
	return 0;
}

static void atcp_win_test_exit(struct kunit *test)
{
	struct atcp_win_test *w = test->priv;

	atomic_set(&w->sk->sk_rmem_alloc, 0);
	sock_release(w->sock);
}

/* Buffer @rcvbuf with @used bytes charged; window scale @ws. */
static void atcp_win_test_buf(struct atcp_win_test *w, int rcvbuf, int used,
			      u8 ws)
{
	WRITE_ONCE(w->sk->sk_rcvbuf, rcvbuf);
	atomic_set(&w->sk->sk_rmem_alloc, used);
	w->as->rcv_wscale = ws;
}

/* RCV.NXT, and the window last announced (RCV.WUP + RCV.WND). */
static void atcp_win_test_seq(struct atcp_win_test *w, u32 nxt, u32 wup,
			      u32 wnd)
{
	w->as->rcv_nxt = nxt;
	w->as->rcv_wup = wup;
	w->as->rcv_wnd = wnd;
}

static u16 atcp_win_test_select(struct atcp_win_test *w)
{
	u16 field;

	lock_sock(w->sk);
	field = atcp_select_window(w->sk);
	release_sock(w->sk);
	return field;
}

/* Scaled: the free space, rounded down to the scale unit, shifted. */
static void atcp_win_test_scaled(struct kunit *test)
{
	struct atcp_win_test *w = test->priv;

	/* 300000 free -> 262500 offered -> 262400 = 2050 << 7. */
	atcp_win_test_buf(w, 300000, 0, 7);
	atcp_win_test_seq(w, 5000, 5000, 0);
	KUNIT_EXPECT_EQ(test, atcp_win_test_select(w), 2050);
	KUNIT_EXPECT_EQ(test, w->as->rcv_wnd, 262400U);
	KUNIT_EXPECT_EQ(test, w->as->rcv_wup, 5000U);
}

/* The field is 16 bits: 65535 << scale at most, 65535 unscaled. */
static void atcp_win_test_cap(struct kunit *test)
{
	struct atcp_win_test *w = test->priv;

	atcp_win_test_buf(w, 300000, 0, 0);
	atcp_win_test_seq(w, 5000, 5000, 0);
	KUNIT_EXPECT_EQ(test, atcp_win_test_select(w), 65535);
	KUNIT_EXPECT_EQ(test, w->as->rcv_wnd, 65535U);

	atcp_win_test_buf(w, 1000000, 0, 2);
	atcp_win_test_seq(w, 5000, 5000, 0);
	KUNIT_EXPECT_EQ(test, atcp_win_test_select(w), 65535);
	KUNIT_EXPECT_EQ(test, w->as->rcv_wnd, 65535U << 2);
}

/*
 * Only the payload share of the buffer is offered: with a measured ratio
 * of 1/2 half the free space (less an eighth), with 1/4 a quarter, rounded
 * down to the scale unit.  Scale 14 announces a large buffer in 16 KiB
 * units.
 */
static void atcp_win_test_ratio(struct kunit *test)
{
	struct atcp_win_test *w = test->priv;

	w->as->rcv_ratio = 1 << (ATCP_RATIO_SHIFT - 1);
	/* 131072 / 2 = 65536, less 65536 / 8 = 57344 = 448 << 7. */
	atcp_win_test_buf(w, 131072, 0, 7);
	atcp_win_test_seq(w, 5000, 5000, 0);
	KUNIT_EXPECT_EQ(test, atcp_win_test_select(w), 448);
	KUNIT_EXPECT_EQ(test, w->as->rcv_wnd, 57344U);

	w->as->rcv_ratio = 1 << (ATCP_RATIO_SHIFT - 2);
	atcp_win_test_seq(w, 5000, 5000, 0);
	KUNIT_EXPECT_EQ(test, atcp_win_test_select(w), 224);

	/* 64 MiB at 1/2, less an eighth: 28 MiB = 1792 << 14. */
	w->as->rcv_ratio = 1 << (ATCP_RATIO_SHIFT - 1);
	atcp_win_test_buf(w, 64 << 20, 0, 14);
	atcp_win_test_seq(w, 5000, 5000, 0);
	KUNIT_EXPECT_EQ(test, atcp_win_test_select(w), 1792);
}

/*
 * Data arrived and was not read: the free space is below what is left of
 * the window, which is announced anyway (rounded up to the unit), so the
 * right edge never moves left.
 */
static void atcp_win_test_never_shrinks(struct kunit *test)
{
	struct atcp_win_test *w = test->priv;
	u32 old_edge = 5000 + 262400;

	atcp_win_test_buf(w, 300000, 250000, 7);
	atcp_win_test_seq(w, 105000, 5000, 262400);
	/* 162400 left, 43750 free: round_up(162400, 128) = 1269 << 7. */
	KUNIT_EXPECT_EQ(test, atcp_win_test_select(w), 1269);
	KUNIT_EXPECT_EQ(test, w->as->rcv_wnd, 162432U);
	KUNIT_EXPECT_EQ(test, w->as->rcv_wup, 105000U);
	KUNIT_EXPECT_GE(test, w->as->rcv_wup + w->as->rcv_wnd, old_edge);
	KUNIT_EXPECT_LT(test, w->as->rcv_wup + w->as->rcv_wnd, old_edge + 128);

	/* One byte left: announced as one unit, not as a closed window. */
	atcp_win_test_buf(w, 300000, 300000, 7);
	atcp_win_test_seq(w, 128, 0, 129);
	KUNIT_EXPECT_EQ(test, atcp_win_test_select(w), 1);
}

/*
 * Receiver SWS avoidance: the window grows only by at least
 * min(buffer / 4, MSS) (here the MSS, 1000).
 */
static void atcp_win_test_sws(struct kunit *test)
{
	struct atcp_win_test *w = test->priv;

	/* 10000 left; 12000 free -> 10500 offered: +500 is too little. */
	atcp_win_test_buf(w, 100000, 88000, 0);
	atcp_win_test_seq(w, 5000, 5000, 10000);
	KUNIT_EXPECT_EQ(test, atcp_win_test_select(w), 10000);
	/* 12800 free -> 11200: +1200 is enough. */
	atcp_win_test_buf(w, 100000, 87200, 0);
	KUNIT_EXPECT_EQ(test, atcp_win_test_select(w), 11200);
}

/* A full buffer closes the window; it reopens only by a useful amount. */
static void atcp_win_test_zero(struct kunit *test)
{
	struct atcp_win_test *w = test->priv;

	atcp_win_test_buf(w, 100000, 100000, 7);
	atcp_win_test_seq(w, 5000, 1000, 4000);
	KUNIT_EXPECT_EQ(test, atcp_win_test_select(w), 0);
	KUNIT_EXPECT_EQ(test, w->as->rcv_wnd, 0U);
	/* Over-charged (rmem above rcvbuf): still closed. */
	atcp_win_test_buf(w, 100000, 120000, 7);
	KUNIT_EXPECT_EQ(test, atcp_win_test_select(w), 0);
	/* 1000 free -> 875 offered, below the MSS: stays closed. */
	atcp_win_test_buf(w, 100000, 99000, 7);
	KUNIT_EXPECT_EQ(test, atcp_win_test_select(w), 0);
	/* 2000 free -> 1750: round_down(1750, 128) = 13 << 7. */
	atcp_win_test_buf(w, 100000, 98000, 7);
	KUNIT_EXPECT_EQ(test, atcp_win_test_select(w), 13);
	KUNIT_EXPECT_EQ(test, w->as->rcv_wnd, 1664U);
}

static struct kunit_case atcp_win_test_cases[] = {
	KUNIT_CASE(atcp_win_test_scaled),
	KUNIT_CASE(atcp_win_test_cap),
	KUNIT_CASE(atcp_win_test_ratio),
	KUNIT_CASE(atcp_win_test_never_shrinks),
	KUNIT_CASE(atcp_win_test_sws),
	KUNIT_CASE(atcp_win_test_zero),
	{}
};

static struct kunit_suite atcp_win_test_suite = {
	.name = "atcp_select_window",
	.init = atcp_win_test_init,
	.exit = atcp_win_test_exit,
	.test_cases = atcp_win_test_cases,
};

kunit_test_suites(&atcp_csum_v4_test_suite, &atcp_reset_test_suite,
		  &atcp_win_test_suite);
