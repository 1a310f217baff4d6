// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for module/data.c: the SACK blocks a receiver reports for
 * its out-of-order queue (RFC 2018 section 4), atcp_sack_blocks().
 *
 * The function reads the socket's out-of-order queue and the sequence
 * number of the latest out-of-order segment, so each case takes a real
 * ATCP socket (sock_create_kern(), never connected) and fills its queue
 * with payload-less skbs carrying only sequence numbers, as
 * atcp_data_queue() leaves them.
 */
#include <kunit/test.h>
#include <linux/net.h>
#include <linux/skbuff.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "atcp.h"

static int atcp_sack_test_init(struct kunit *test)
{
	struct socket *sock;
	int err;

	err = sock_create_kern(&init_net, PF_INET, SOCK_STREAM, IPPROTO_ATCP,
			       &sock);
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "ATCP socket (is atcp.ko loaded?)");
	test->priv = sock;
	return 0;
}

static void atcp_sack_test_exit(struct kunit *test)
{
	struct socket *sock = test->priv;

	atcp_ofo_purge(sock->sk);
	sock_release(sock);
}

/*
 * Queue [seq, end) at the tail of the out-of-order queue (the rightmost
 * node of its rbtree: the cases add in sequence order).
 */
static void atcp_sack_test_add(struct kunit *test, u32 seq, u32 end)
{
	struct socket *sock = test->priv;
	struct atcp_sock *as = atcp_sk(sock->sk);
	struct sk_buff *skb = alloc_skb(0, GFP_KERNEL);
	struct rb_node **p = &as->ooo_queue.rb_node, *parent = NULL;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	ATCP_SKB_CB(skb)->seq = seq;
	ATCP_SKB_CB(skb)->end_seq = end;
	while (*p) {
		parent = *p;
		p = &parent->rb_right;
	}
	rb_link_node(&skb->rbnode, parent, p);
	rb_insert_color(&skb->rbnode, &as->ooo_queue);
	as->ooo_tail = skb;
}

static unsigned int atcp_sack_test_blocks(struct kunit *test, u32 last,
					  struct atcp_sack_block *b,
					  unsigned int max)
{
	struct socket *sock = test->priv;
	unsigned int n;

	atcp_sk(sock->sk)->ooo_last = last;
	lock_sock(sock->sk);
	n = atcp_sack_blocks(sock->sk, b, max);
	release_sock(sock->sk);
	return n;
}

static void atcp_sack_expect(struct kunit *test, struct atcp_sack_block b,
			     u32 start, u32 end)
{
	KUNIT_EXPECT_EQ(test, b.start, start);
	KUNIT_EXPECT_EQ(test, b.end, end);
}

/* Nothing out of order: no block. */
static void atcp_sack_test_empty(struct kunit *test)
{
	struct atcp_sack_block b[4];

	KUNIT_EXPECT_EQ(test, atcp_sack_test_blocks(test, 0, b, 4), 0U);
}

/* Adjacent and overlapping segments make one block. */
static void atcp_sack_test_merge(struct kunit *test)
{
	struct atcp_sack_block b[4];

	atcp_sack_test_add(test, 1000, 2000);
	atcp_sack_test_add(test, 2000, 3000);
	atcp_sack_test_add(test, 2500, 4000);
	atcp_sack_test_add(test, 2600, 2700);	/* inside the block */
	KUNIT_ASSERT_EQ(test, atcp_sack_test_blocks(test, 2500, b, 4), 1U);
	atcp_sack_expect(test, b[0], 1000, 4000);
}

/*
 * RFC 2018 4: the first block holds the segment that triggered the ACK;
 * the others follow in sequence order.
 */
static void atcp_sack_test_recent_first(struct kunit *test)
{
	struct atcp_sack_block b[4];

	atcp_sack_test_add(test, 1000, 2000);
	atcp_sack_test_add(test, 3000, 4000);
	atcp_sack_test_add(test, 5000, 6000);
	atcp_sack_test_add(test, 7000, 8000);

	KUNIT_ASSERT_EQ(test, atcp_sack_test_blocks(test, 1000, b, 4), 4U);
	atcp_sack_expect(test, b[0], 1000, 2000);
	atcp_sack_expect(test, b[1], 3000, 4000);
	atcp_sack_expect(test, b[2], 5000, 6000);
	atcp_sack_expect(test, b[3], 7000, 8000);

	KUNIT_ASSERT_EQ(test, atcp_sack_test_blocks(test, 5500, b, 4), 4U);
	atcp_sack_expect(test, b[0], 5000, 6000);
	atcp_sack_expect(test, b[1], 1000, 2000);
	atcp_sack_expect(test, b[2], 3000, 4000);
	atcp_sack_expect(test, b[3], 7000, 8000);
}

/*
 * More holes than blocks fit: the block of the latest segment is still
 * reported, first (RFC 2018 4, a MUST), then the lowest others.
 */
static void atcp_sack_test_recent_beyond_max(struct kunit *test)
{
	struct atcp_sack_block b[4];
	u32 s;

	for (s = 1000; s <= 9000; s += 2000)		/* five blocks */
		atcp_sack_test_add(test, s, s + 1000);

	KUNIT_ASSERT_EQ(test, atcp_sack_test_blocks(test, 9000, b, 3), 3U);
	atcp_sack_expect(test, b[0], 9000, 10000);
	atcp_sack_expect(test, b[1], 1000, 2000);
	atcp_sack_expect(test, b[2], 3000, 4000);

	KUNIT_ASSERT_EQ(test, atcp_sack_test_blocks(test, 3000, b, 3), 3U);
	atcp_sack_expect(test, b[0], 3000, 4000);
	atcp_sack_expect(test, b[1], 1000, 2000);
	atcp_sack_expect(test, b[2], 5000, 6000);

	KUNIT_ASSERT_EQ(test, atcp_sack_test_blocks(test, 9500, b, 1), 1U);
	atcp_sack_expect(test, b[0], 9000, 10000);
}

/* Blocks across the 2^32 wrap. */
static void atcp_sack_test_wrap(struct kunit *test)
{
	struct atcp_sack_block b[4];

	atcp_sack_test_add(test, 0xfffff000, 0xfffffc00);
	atcp_sack_test_add(test, 0xfffffc00, 0x400);
	atcp_sack_test_add(test, 0x800, 0xc00);

	KUNIT_ASSERT_EQ(test, atcp_sack_test_blocks(test, 0x800, b, 4), 2U);
	atcp_sack_expect(test, b[0], 0x800, 0xc00);
	atcp_sack_expect(test, b[1], 0xfffff000, 0x400);
}

static struct kunit_case atcp_sack_test_cases[] = {
	KUNIT_CASE(atcp_sack_test_empty),
	KUNIT_CASE(atcp_sack_test_merge),
	KUNIT_CASE(atcp_sack_test_recent_first),
	KUNIT_CASE(atcp_sack_test_recent_beyond_max),
	KUNIT_CASE(atcp_sack_test_wrap),
	{}
};

static struct kunit_suite atcp_sack_test_suite = {
	.name = "atcp_sack_blocks_sock",
	.init = atcp_sack_test_init,
	.exit = atcp_sack_test_exit,
	.test_cases = atcp_sack_test_cases,
};

kunit_test_suites(&atcp_sack_test_suite);
