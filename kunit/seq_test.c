// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for module/seq.h: sequence number arithmetic modulo 2^32
 * (RFC 9293 section 3.4), checked against fixed expectations and against
 * Linux TCP's own before()/after()/between().
 */
#include <kunit/test.h>
#include <net/tcp.h>

#include "atcp.h"

/* 0xfffffff0 lies 0x20 before 0x10: the comparison must wrap. */
static void atcp_seq_test_wrap(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, atcp_seq_before(0xfffffff0, 0x10));
	KUNIT_EXPECT_FALSE(test, atcp_seq_before(0x10, 0xfffffff0));
	KUNIT_EXPECT_TRUE(test, atcp_seq_after(0x10, 0xfffffff0));
	KUNIT_EXPECT_FALSE(test, atcp_seq_after(0xfffffff0, 0x10));

	KUNIT_EXPECT_TRUE(test, atcp_seq_leq(0xfffffff0, 0x10));
	KUNIT_EXPECT_FALSE(test, atcp_seq_leq(0x10, 0xfffffff0));
	KUNIT_EXPECT_TRUE(test, atcp_seq_geq(0x10, 0xfffffff0));
	KUNIT_EXPECT_FALSE(test, atcp_seq_geq(0xfffffff0, 0x10));

	KUNIT_EXPECT_TRUE(test, atcp_seq_before(0xffffffff, 0));
	KUNIT_EXPECT_TRUE(test, atcp_seq_after(0, 0xffffffff));

	/* No wrap: plain order. */
	KUNIT_EXPECT_TRUE(test, atcp_seq_before(1000, 2000));
	KUNIT_EXPECT_FALSE(test, atcp_seq_before(2000, 1000));
}

/* Equal values: neither before nor after, both leq and geq. */
static void atcp_seq_test_equal(struct kunit *test)
{
	static const u32 vals[] = { 0, 1, 0x7fffffff, 0x80000000, 0xffffffff };
	int i;

	for (i = 0; i < ARRAY_SIZE(vals); i++) {
		u32 v = vals[i];

		KUNIT_EXPECT_FALSE(test, atcp_seq_before(v, v));
		KUNIT_EXPECT_FALSE(test, atcp_seq_after(v, v));
		KUNIT_EXPECT_TRUE(test, atcp_seq_leq(v, v));
		KUNIT_EXPECT_TRUE(test, atcp_seq_geq(v, v));
		KUNIT_EXPECT_TRUE(test, atcp_seq_between(v, v, v));
		KUNIT_EXPECT_EQ(test, atcp_seq_max(v, v), v);
	}
}

/*
 * 2^31 - 1 apart is the farthest distance with an unambiguous order.  At
 * exactly 2^31 the difference is S32_MIN, so each number is "before" the
 * other; Linux TCP's before() behaves the same and ATCP must not differ.
 */
static void atcp_seq_test_half_space(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, atcp_seq_before(0, 0x7fffffff));
	KUNIT_EXPECT_FALSE(test, atcp_seq_before(0x7fffffff, 0));
	KUNIT_EXPECT_TRUE(test, atcp_seq_after(0x7fffffff, 0));
	KUNIT_EXPECT_TRUE(test, atcp_seq_before(0x80000010, 0x0000000f));

	KUNIT_EXPECT_TRUE(test, atcp_seq_before(0, 0x80000000));
	KUNIT_EXPECT_TRUE(test, atcp_seq_before(0x80000000, 0));
	KUNIT_EXPECT_TRUE(test, atcp_seq_before(0x10, 0x80000010));
	KUNIT_EXPECT_TRUE(test, atcp_seq_before(0x80000010, 0x10));
	KUNIT_EXPECT_EQ(test, atcp_seq_before(0, 0x80000000), before(0, 0x80000000));
	KUNIT_EXPECT_EQ(test, atcp_seq_before(0x80000000, 0), before(0x80000000, 0));
	/* So both orders are also "less or equal". */
	KUNIT_EXPECT_TRUE(test, atcp_seq_leq(0, 0x80000000));
	KUNIT_EXPECT_TRUE(test, atcp_seq_leq(0x80000000, 0));
	KUNIT_EXPECT_TRUE(test, atcp_seq_geq(0, 0x80000000));
}

/* between(x, lo, hi): lo <= x <= hi, the window measured from lo. */
static void atcp_seq_test_between(struct kunit *test)
{
	/* Window 0xfffffff0 .. 0x10 spans the wrap. */
	KUNIT_EXPECT_TRUE(test, atcp_seq_between(0xfffffff0, 0xfffffff0, 0x10));
	KUNIT_EXPECT_TRUE(test, atcp_seq_between(0xffffffff, 0xfffffff0, 0x10));
	KUNIT_EXPECT_TRUE(test, atcp_seq_between(0, 0xfffffff0, 0x10));
	KUNIT_EXPECT_TRUE(test, atcp_seq_between(0x10, 0xfffffff0, 0x10));
	KUNIT_EXPECT_FALSE(test, atcp_seq_between(0x11, 0xfffffff0, 0x10));
	KUNIT_EXPECT_FALSE(test, atcp_seq_between(0xffffffef, 0xfffffff0, 0x10));
	KUNIT_EXPECT_FALSE(test, atcp_seq_between(0x80000000, 0xfffffff0, 0x10));

	/* Plain window. */
	KUNIT_EXPECT_TRUE(test, atcp_seq_between(150, 100, 200));
	KUNIT_EXPECT_FALSE(test, atcp_seq_between(99, 100, 200));
	KUNIT_EXPECT_FALSE(test, atcp_seq_between(201, 100, 200));

	/* Empty window: only lo itself. */
	KUNIT_EXPECT_TRUE(test, atcp_seq_between(5, 5, 5));
	KUNIT_EXPECT_FALSE(test, atcp_seq_between(6, 5, 5));
	KUNIT_EXPECT_FALSE(test, atcp_seq_between(4, 5, 5));

	/* A window of the whole space less one. */
	KUNIT_EXPECT_TRUE(test, atcp_seq_between(0x80000000, 1, 0));
	KUNIT_EXPECT_TRUE(test, atcp_seq_between(0, 1, 0));
}

static void atcp_seq_test_max(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, atcp_seq_max(0xfffffff0, 0x10), 0x10U);
	KUNIT_EXPECT_EQ(test, atcp_seq_max(0x10, 0xfffffff0), 0x10U);
	KUNIT_EXPECT_EQ(test, atcp_seq_max(5, 7), 7U);
	KUNIT_EXPECT_EQ(test, atcp_seq_max(7, 5), 7U);
	KUNIT_EXPECT_EQ(test, atcp_seq_max(0xffffffff, 0), 0U);
	KUNIT_EXPECT_EQ(test, atcp_seq_max(0x7fffffff, 0), 0x7fffffffU);
}

/*
 * Agreement with Linux TCP over a spread of pairs, both orders.  Linux has
 * no "less or equal": leq is before-or-equal (not "not after", which
 * differs at exactly 2^31 apart).
 */
static void atcp_seq_test_vs_tcp(struct kunit *test)
{
	static const u32 vals[] = {
		0, 1, 2, 0x10, 0x7ffffffe, 0x7fffffff, 0x80000000,
		0x80000001, 0xfffffff0, 0xfffffffe, 0xffffffff,
	};
	int i, j, k;

	for (i = 0; i < ARRAY_SIZE(vals); i++) {
		for (j = 0; j < ARRAY_SIZE(vals); j++) {
			u32 a = vals[i], b = vals[j];

			KUNIT_EXPECT_EQ_MSG(test, atcp_seq_before(a, b),
					    before(a, b), "a=%#x b=%#x", a, b);
			KUNIT_EXPECT_EQ_MSG(test, atcp_seq_after(a, b),
					    after(a, b), "a=%#x b=%#x", a, b);
			KUNIT_EXPECT_EQ_MSG(test, atcp_seq_leq(a, b),
					    before(a, b) || a == b,
					    "a=%#x b=%#x", a, b);
			KUNIT_EXPECT_EQ_MSG(test, atcp_seq_geq(a, b),
					    after(a, b) || a == b,
					    "a=%#x b=%#x", a, b);
			for (k = 0; k < ARRAY_SIZE(vals); k++) {
				u32 c = vals[k];

				KUNIT_EXPECT_EQ_MSG(test,
						    atcp_seq_between(a, b, c),
						    between(a, b, c),
						    "x=%#x lo=%#x hi=%#x",
						    a, b, c);
			}
		}
	}
}

static struct kunit_case atcp_seq_test_cases[] = {
	KUNIT_CASE(atcp_seq_test_wrap),
	KUNIT_CASE(atcp_seq_test_equal),
	KUNIT_CASE(atcp_seq_test_half_space),
	KUNIT_CASE(atcp_seq_test_between),
	KUNIT_CASE(atcp_seq_test_max),
	KUNIT_CASE(atcp_seq_test_vs_tcp),
	{}
};

static struct kunit_suite atcp_seq_test_suite = {
	.name = "atcp_seq",
	.test_cases = atcp_seq_test_cases,
};

kunit_test_suite(atcp_seq_test_suite);
