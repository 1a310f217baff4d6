// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the sender's SACK scoreboard (module/ack.c): which
 * queued segments a SACK block marks (RFC 2018), RFC 6675 IsLost()
 * loss marking, what a retransmission timeout keeps of the marks, and
 * the RTT an echoed timestamp gives.  The receiver's SACK blocks are
 * tested in data_test.c, the window it announces in output_test.c.
 *
 * Each test builds a bare struct atcp_sock with queues of payload-less
 * skbs whose control blocks carry the sequence numbers.
 */
#include <kunit/test.h>
#include <linux/skbuff.h>

#include "atcp.h"

struct atcp_test_sock {
	struct kunit *test;
	struct atcp_sock *as;
	struct sock *sk;
};

static void atcp_test_sock_init(struct kunit *test, struct atcp_test_sock *t)
{
	t->test = test;
	t->as = kunit_kzalloc(test, sizeof(*t->as), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->as);
	t->sk = &t->as->inet.sk;
	skb_queue_head_init(&t->sk->sk_write_queue);
	t->as->ooo_queue = RB_ROOT;
}

static void atcp_test_sock_free(struct atcp_test_sock *t)
{
	skb_queue_purge(&t->sk->sk_write_queue);
	atcp_ofo_purge(t->sk);
}

static struct sk_buff *atcp_test_seg(struct atcp_test_sock *t,
				     struct sk_buff_head *q, u32 seq, u32 len)
{
	struct sk_buff *skb = alloc_skb(0, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(t->test, skb);
	memset(skb->cb, 0, sizeof(skb->cb));
	ATCP_SKB_CB(skb)->seq = seq;
	ATCP_SKB_CB(skb)->end_seq = seq + len;
	__skb_queue_tail(q, skb);
	return skb;
}

/* @n segments of @len bytes from @seq, all sent (in flight). */
static void atcp_test_flight(struct atcp_test_sock *t, u32 seq, u32 len,
			     unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		atcp_test_seg(t, &t->sk->sk_write_queue, seq + i * len, len);
	t->as->snd_una = seq;
	t->as->snd_nxt = seq + n * len;
	t->as->packets_out = n;
	t->as->send_head = NULL;
}

static struct sk_buff *atcp_test_nth(struct atcp_test_sock *t,
				     unsigned int n)
{
	struct sk_buff *skb;

	skb_queue_walk(&t->sk->sk_write_queue, skb)
		if (!n--)
			return skb;
	return NULL;
}

static u8 atcp_test_bits(struct atcp_test_sock *t, unsigned int n)
{
	return ATCP_SKB_CB(atcp_test_nth(t, n))->sacked;
}

static void atcp_test_sack(struct atcp_test_sock *t, u32 start, u32 end)
{
	struct atcp_opts o = { .num_sacks = 1 };

	o.sack[0].start = start;
	o.sack[0].end = end;
	atcp_sacktag(t->sk, &o);
}

/* Only segments a block covers entirely are SACKed. */
static void atcp_sacktag_covers_test(struct kunit *test)
{
	struct atcp_test_sock t;
	unsigned int i;

	atcp_test_sock_init(test, &t);
	atcp_test_flight(&t, 1000, 1000, 10);	/* 1000 .. 11000 */

	atcp_test_sack(&t, 4000, 7000);		/* segments 3, 4, 5 */
	atcp_test_sack(&t, 7500, 8500);		/* halves of 6 and 7 */
	for (i = 0; i < 10; i++)
		KUNIT_EXPECT_EQ_MSG(test, !!(atcp_test_bits(&t, i) & ATCP_SACKED),
				    i >= 3 && i <= 5, "segment %u", i);
	KUNIT_EXPECT_EQ(test, t.as->sacked_out, 3U);

	/* The same block again changes nothing. */
	atcp_test_sack(&t, 4000, 7000);
	KUNIT_EXPECT_EQ(test, t.as->sacked_out, 3U);
	atcp_test_sock_free(&t);
}

/* Blocks below SND.UNA, beyond SND.NXT or empty are ignored. */
static void atcp_sacktag_invalid_test(struct kunit *test)
{
	struct atcp_test_sock t;

	atcp_test_sock_init(test, &t);
	atcp_test_flight(&t, 1000, 1000, 4);	/* 1000 .. 5000 */
	atcp_test_sack(&t, 0, 1000);		/* D-SACK below SND.UNA */
	atcp_test_sack(&t, 1000, 2000);		/* starts at SND.UNA */
	atcp_test_sack(&t, 4000, 6000);		/* beyond SND.NXT */
	atcp_test_sack(&t, 3000, 3000);		/* empty */
	atcp_test_sack(&t, 3000, 2000);		/* reversed */
	KUNIT_EXPECT_EQ(test, t.as->sacked_out, 0U);
	atcp_test_sock_free(&t);
}

/* A lost, retransmitted segment that is SACKed leaves both counts. */
static void atcp_sacktag_lost_test(struct kunit *test)
{
	struct atcp_test_sock t;
	struct sk_buff *skb;

	atcp_test_sock_init(test, &t);
	atcp_test_flight(&t, 1000, 1000, 4);
	skb = atcp_test_nth(&t, 1);
	ATCP_SKB_CB(skb)->sacked = ATCP_LOST | ATCP_RETRANS;
	t.as->lost_out = 1;
	t.as->retrans_out = 1;
	atcp_test_sack(&t, 2000, 3000);
	KUNIT_EXPECT_EQ(test, ATCP_SKB_CB(skb)->sacked, ATCP_SACKED);
	KUNIT_EXPECT_EQ(test, t.as->lost_out, 0U);
	KUNIT_EXPECT_EQ(test, t.as->retrans_out, 0U);
	KUNIT_EXPECT_EQ(test, t.as->sacked_out, 1U);
	atcp_test_sock_free(&t);
}

/* RFC 6675 IsLost(): DupThresh (3) SACKed segments above mark a hole. */
static void atcp_mark_lost_test(struct kunit *test)
{
	struct atcp_test_sock t;
	unsigned int i;

	atcp_test_sock_init(test, &t);
	atcp_test_flight(&t, 1000, 1000, 8);

	/* Two SACKed above: nothing is lost yet. */
	atcp_test_sack(&t, 5000, 7000);		/* segments 4, 5 */
	KUNIT_EXPECT_FALSE(test, atcp_sack_mark_lost(t.sk));
	KUNIT_EXPECT_EQ(test, t.as->lost_out, 0U);

	/* A third: segments 0..3 below all three are lost; 6, 7 are not. */
	atcp_test_sack(&t, 8000, 9000);		/* segment 7 */
	KUNIT_EXPECT_TRUE(test, atcp_sack_mark_lost(t.sk));
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ_MSG(test, !!(atcp_test_bits(&t, i) & ATCP_LOST),
				    i <= 3, "segment %u", i);
	KUNIT_EXPECT_EQ(test, t.as->lost_out, 4U);

	/* Marking again counts nothing twice. */
	atcp_sack_mark_lost(t.sk);
	KUNIT_EXPECT_EQ(test, t.as->lost_out, 4U);
	atcp_test_sock_free(&t);
}

/* Unsent segments (from send_head on) are never SACKed nor lost. */
static void atcp_sack_unsent_test(struct kunit *test)
{
	struct atcp_test_sock t;

	atcp_test_sock_init(test, &t);
	atcp_test_flight(&t, 1000, 1000, 6);
	/* Only the first four were sent. */
	t.as->send_head = atcp_test_nth(&t, 4);
	t.as->snd_nxt = 5000;
	t.as->packets_out = 4;
	atcp_test_sack(&t, 5000, 7000);		/* beyond SND.NXT */
	KUNIT_EXPECT_EQ(test, t.as->sacked_out, 0U);
	atcp_test_sack(&t, 2000, 5000);		/* segments 1, 2, 3 */
	KUNIT_EXPECT_EQ(test, t.as->sacked_out, 3U);
	KUNIT_EXPECT_TRUE(test, atcp_sack_mark_lost(t.sk));
	KUNIT_EXPECT_EQ(test, t.as->lost_out, 1U);
	KUNIT_EXPECT_EQ(test, atcp_test_bits(&t, 4), 0);
	KUNIT_EXPECT_EQ(test, atcp_test_bits(&t, 5), 0);
	atcp_test_sock_free(&t);
}

/*
 * A retransmission timeout (atcp_enter_loss(); ca_state LOSS with a
 * retransmission already counted, so ssthresh is left alone): SACK marks
 * survive while the oldest segment in flight has none, as
 * tcp_timeout_mark_lost() keeps them.
 */
static void atcp_enter_loss_keeps_sacks_test(struct kunit *test)
{
	struct atcp_test_sock t;
	unsigned int i;

	atcp_test_sock_init(test, &t);
	t.as->sack_ok = 1;
	t.as->ca_state = ATCP_CA_LOSS;
	t.as->retransmits = 1;
	atcp_test_flight(&t, 1000, 1000, 6);
	atcp_test_sack(&t, 3000, 5000);		/* segments 2, 3 */
	atcp_enter_loss(t.sk);
	KUNIT_EXPECT_EQ(test, t.as->sacked_out, 2U);
	for (i = 0; i < 6; i++)
		KUNIT_EXPECT_EQ_MSG(test, atcp_test_bits(&t, i),
				    i == 2 || i == 3 ? ATCP_SACKED : ATCP_LOST,
				    "segment %u", i);
	KUNIT_EXPECT_EQ(test, t.as->lost_out, 4U);
	atcp_test_sock_free(&t);
}

/*
 * The oldest segment in flight is SACKed: segments 2 and 3 were SACKed,
 * then the cumulative ACK advanced to segment 2 and stopped there, below
 * data the peer had SACKed, so it reneged (RFC 2018 section 8).  The
 * timeout forgets every mark, and everything in flight is lost and
 * retransmitted at once instead of one segment per RTO.
 */
static void atcp_enter_loss_reneged_test(struct kunit *test)
{
	struct atcp_test_sock t;
	unsigned int i;

	atcp_test_sock_init(test, &t);
	t.as->sack_ok = 1;
	t.as->ca_state = ATCP_CA_LOSS;
	t.as->retransmits = 1;
	atcp_test_flight(&t, 1000, 1000, 6);
	atcp_test_sack(&t, 3000, 5000);		/* segments 2, 3 */
	KUNIT_ASSERT_EQ(test, t.as->sacked_out, 2U);
	for (i = 0; i < 2; i++)			/* SND.UNA: 1000 -> 3000 */
		kfree_skb(__skb_dequeue(&t.sk->sk_write_queue));
	t.as->snd_una = 3000;
	t.as->packets_out = 4;
	atcp_enter_loss(t.sk);
	KUNIT_EXPECT_EQ(test, t.as->sacked_out, 0U);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ_MSG(test, atcp_test_bits(&t, i), ATCP_LOST,
				    "segment %u", i + 2);
	KUNIT_EXPECT_EQ(test, t.as->lost_out, 4U);
	atcp_test_sock_free(&t);
}

/*
 * The RTT an echoed timestamp gives (atcp_rtt_tsopt_us(), as
 * tcp_rtt_tsopt_us()).  An echo 5,000,000 ms old once became a 705 s
 * sample: the millisecond count times 1000 was truncated to 32 bits.
 */
static void atcp_rtt_tsopt_test(struct kunit *test)
{
	struct atcp_test_sock t;
	u32 now;
	s32 us;

	atcp_test_sock_init(test, &t);
	t.as->ts_offset = 12345;
	now = atcp_clock_ms() + t.as->ts_offset;
	us = atcp_rtt_tsopt_us(t.as, now - 50);
	KUNIT_EXPECT_GE(test, us, 50 * USEC_PER_MSEC);
	KUNIT_EXPECT_LE(test, us, 150 * USEC_PER_MSEC);	/* a slow VM */
	us = atcp_rtt_tsopt_us(t.as, atcp_clock_ms() + t.as->ts_offset);
	KUNIT_EXPECT_GE(test, us, 1 * USEC_PER_MSEC);	/* never 0 */
	KUNIT_EXPECT_LE(test, us, 100 * USEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, atcp_rtt_tsopt_us(t.as, now + 1000), -1);
	KUNIT_EXPECT_EQ(test, atcp_rtt_tsopt_us(t.as, now - 5000000), -1);
	KUNIT_EXPECT_EQ(test, atcp_rtt_tsopt_us(t.as, now - 2200000), -1);
	atcp_test_sock_free(&t);
}

static struct kunit_case atcp_sack_scoreboard_cases[] = {
	KUNIT_CASE(atcp_sacktag_covers_test),
	KUNIT_CASE(atcp_sacktag_invalid_test),
	KUNIT_CASE(atcp_sacktag_lost_test),
	KUNIT_CASE(atcp_mark_lost_test),
	KUNIT_CASE(atcp_sack_unsent_test),
	KUNIT_CASE(atcp_enter_loss_keeps_sacks_test),
	KUNIT_CASE(atcp_enter_loss_reneged_test),
	KUNIT_CASE(atcp_rtt_tsopt_test),
	{}
};

static struct kunit_suite atcp_sack_scoreboard_suite = {
	.name = "atcp_sack_scoreboard",
	.test_cases = atcp_sack_scoreboard_cases,
};

kunit_test_suite(atcp_sack_scoreboard_suite);
