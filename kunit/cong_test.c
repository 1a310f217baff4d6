// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for module/cong.c: NewReno (RFC 5681) and CUBIC (RFC 9438),
 * driven by made-up ACK sequences.  Windows are in segments; "a round" is
 * one round trip in which every segment of the window at its start is
 * ACKed, one ACK per segment.
 */
#include <kunit/test.h>

#include "cong.h"

/* ACK @n segments one at a time, at @now_ms. */
static void ack_each(const struct atcp_cong_ops *ops, struct atcp_cc *cc,
		     u32 n, u32 now_ms, u32 rtt_us)
{
	while (n--)
		ops->cong_avoid(cc, 1, now_ms, rtt_us);
}

/* One round: the window at its start, ACKed segment by segment. */
static void ack_round(const struct atcp_cong_ops *ops, struct atcp_cc *cc,
		      u32 now_ms, u32 rtt_us)
{
	ack_each(ops, cc, cc->cwnd, now_ms, rtt_us);
}

static void atcp_cong_test_find(struct kunit *test)
{
	KUNIT_EXPECT_PTR_EQ(test, atcp_cong_find("reno"), &atcp_reno);
	KUNIT_EXPECT_PTR_EQ(test, atcp_cong_find("cubic"), &atcp_cubic);
	KUNIT_EXPECT_STREQ(test, atcp_reno.name, "reno");
	KUNIT_EXPECT_STREQ(test, atcp_cubic.name, "cubic");
	KUNIT_EXPECT_LT(test, strlen(atcp_cubic.name), (size_t)ATCP_CA_NAME_MAX);

	KUNIT_EXPECT_NULL(test, atcp_cong_find("vegas"));
	KUNIT_EXPECT_NULL(test, atcp_cong_find(""));
	KUNIT_EXPECT_NULL(test, atcp_cong_find("Reno"));
	KUNIT_EXPECT_NULL(test, atcp_cong_find("cubic "));
	KUNIT_EXPECT_NULL(test, atcp_cong_find("cub"));
	KUNIT_EXPECT_NULL(test, atcp_cong_find(NULL));
}

/* RFC 6928 initial window; ssthresh "arbitrarily high" (RFC 5681 3.1). */
static void atcp_cong_test_init(struct kunit *test)
{
	const struct atcp_cong_ops *ops[] = { &atcp_reno, &atcp_cubic };
	struct atcp_cc cc;
	int i;

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		memset(&cc, 0xa5, sizeof(cc));
		ops[i]->init(&cc);
		KUNIT_EXPECT_EQ(test, cc.cwnd, 10U);
		KUNIT_EXPECT_EQ(test, cc.ssthresh, ATCP_INFINITE_SSTHRESH);
		KUNIT_EXPECT_EQ(test, cc.cwnd_cnt, 0U);
		KUNIT_EXPECT_EQ(test, cc.w_max, 0U);
		KUNIT_EXPECT_EQ(test, cc.epoch_ms, 0U);
		KUNIT_EXPECT_EQ(test, cc.cwnd_prior, 0U);
	}
}

/* Slow start: cwnd += acked, so every round of ACKs doubles it. */
static void atcp_reno_test_slow_start(struct kunit *test)
{
	struct atcp_cc cc;
	u32 w;
	int i;

	atcp_reno.init(&cc);
	for (i = 0; i < 5; i++) {
		w = cc.cwnd;
		ack_round(&atcp_reno, &cc, 0, 0);
		KUNIT_EXPECT_EQ(test, cc.cwnd, 2 * w);
	}
	KUNIT_EXPECT_EQ(test, cc.cwnd, 320U);
	KUNIT_EXPECT_EQ(test, cc.cwnd_cnt, 0U);

	/* Delayed ACKs, two segments each: still doubling per round. */
	atcp_reno.init(&cc);
	for (i = 0; i < 5; i++)
		atcp_reno.cong_avoid(&cc, 2, 0, 0);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 20U);

	/* One ACK for 20 segments. */
	atcp_reno.cong_avoid(&cc, 20, 0, 0);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 40U);
}

/* Congestion avoidance: +1 per cwnd segments ACKed (RFC 5681 3.1). */
static void atcp_reno_test_avoidance(struct kunit *test)
{
	struct atcp_cc cc;
	int i;

	atcp_reno.init(&cc);
	cc.cwnd = 20;
	cc.ssthresh = 20;	/* cwnd == ssthresh: avoidance, as Linux */
	ack_each(&atcp_reno, &cc, 19, 0, 0);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 20U);
	KUNIT_EXPECT_EQ(test, cc.cwnd_cnt, 19U);
	ack_each(&atcp_reno, &cc, 1, 0, 0);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 21U);
	KUNIT_EXPECT_EQ(test, cc.cwnd_cnt, 0U);

	/* Exactly one segment per round, ten rounds. */
	for (i = 0; i < 10; i++) {
		ack_round(&atcp_reno, &cc, 0, 0);
		KUNIT_EXPECT_EQ(test, cc.cwnd, 22U + i);
		KUNIT_EXPECT_EQ(test, cc.cwnd_cnt, 0U);
	}

	/* A stretch ACK of 25 segments at cwnd 10: +2, 5 carried over. */
	cc.cwnd = 10;
	cc.ssthresh = 5;
	cc.cwnd_cnt = 0;
	atcp_reno.cong_avoid(&cc, 25, 0, 0);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 12U);
	KUNIT_EXPECT_EQ(test, cc.cwnd_cnt, 5U);
}

/* ssthresh = max(cwnd / 2, 2); cwnd itself is the caller's to set. */
static void atcp_reno_test_ssthresh(struct kunit *test)
{
	static const u32 cases[][2] = {
		{ 100, 50 }, { 101, 50 }, { 20, 10 }, { 5, 2 },
		{ 4, 2 }, { 3, 2 }, { 2, 2 }, { 1, 2 },
		{ 0x7fffffff, 0x3fffffff },
	};
	struct atcp_cc cc;
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		atcp_reno.init(&cc);
		cc.cwnd = cases[i][0];
		cc.cwnd_cnt = 7;
		KUNIT_EXPECT_EQ_MSG(test, atcp_reno.ssthresh(&cc), cases[i][1],
				    "cwnd %u", cases[i][0]);
		KUNIT_EXPECT_EQ(test, cc.cwnd, cases[i][0]);
		KUNIT_EXPECT_EQ(test, cc.cwnd_cnt, 0U);
	}
}

/* Slow start stops at ssthresh; the rest of the ACK counts toward CA. */
static void atcp_reno_test_ss_crossing(struct kunit *test)
{
	struct atcp_cc cc;
	int i;

	atcp_reno.init(&cc);
	cc.ssthresh = 15;
	atcp_reno.cong_avoid(&cc, 8, 0, 0);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 15U);
	KUNIT_EXPECT_EQ(test, cc.cwnd_cnt, 3U);
	atcp_reno.cong_avoid(&cc, 12, 0, 0);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 16U);
	KUNIT_EXPECT_EQ(test, cc.cwnd_cnt, 0U);

	/* Landing exactly on ssthresh leaves nothing over. */
	atcp_reno.init(&cc);
	cc.ssthresh = 15;
	atcp_reno.cong_avoid(&cc, 5, 0, 0);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 15U);
	KUNIT_EXPECT_EQ(test, cc.cwnd_cnt, 0U);

	/*
	 * A timeout at cwnd 40: ssthresh 20, cwnd 1 (set by the caller), then
	 * rounds of 1, 2, 4, 8 and 16 ACKs: 2, 4, 8, 16, then 20 after 4 of
	 * the 16 with 12 toward avoidance; the next round of 20 crosses 20.
	 */
	atcp_reno.init(&cc);
	cc.cwnd = 40;
	cc.ssthresh = atcp_reno.ssthresh(&cc);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, 20U);
	cc.cwnd = 1;
	for (i = 0; i < 4; i++)
		ack_round(&atcp_reno, &cc, 0, 0);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 16U);
	ack_round(&atcp_reno, &cc, 0, 0);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 20U);
	KUNIT_EXPECT_EQ(test, cc.cwnd_cnt, 12U);
	ack_round(&atcp_reno, &cc, 0, 0);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 21U);
	KUNIT_EXPECT_EQ(test, cc.cwnd_cnt, 12U);
}

/* The window saturates instead of wrapping. */
static void atcp_reno_test_limits(struct kunit *test)
{
	struct atcp_cc cc;

	atcp_reno.init(&cc);
	cc.cwnd = ATCP_INFINITE_SSTHRESH - 1;
	atcp_reno.cong_avoid(&cc, U32_MAX, 0, 0);
	KUNIT_EXPECT_EQ(test, cc.cwnd, ATCP_INFINITE_SSTHRESH);
	atcp_reno.cong_avoid(&cc, U32_MAX, 0, 0);
	atcp_reno.cong_avoid(&cc, U32_MAX, 0, 0);
	KUNIT_EXPECT_EQ(test, cc.cwnd, ATCP_INFINITE_SSTHRESH);
}

static struct kunit_case atcp_reno_test_cases[] = {
	KUNIT_CASE(atcp_cong_test_find),
	KUNIT_CASE(atcp_cong_test_init),
	KUNIT_CASE(atcp_reno_test_slow_start),
	KUNIT_CASE(atcp_reno_test_avoidance),
	KUNIT_CASE(atcp_reno_test_ssthresh),
	KUNIT_CASE(atcp_reno_test_ss_crossing),
	KUNIT_CASE(atcp_reno_test_limits),
	{}
};

static struct kunit_suite atcp_reno_test_suite = {
	.name = "atcp_cong_reno",
	.test_cases = atcp_reno_test_cases,
};

/*
 * CUBIC.  RFC 9438: C = 0.4 segments/s^3, beta_cubic = 0.7,
 *
 *	W_cubic(t) = C * (t - K)^3 + W_max
 *	K = cbrt((W_max - cwnd_epoch) / C)
 *
 * A congestion event at cwnd 100 with no history: ssthresh = 70,
 * W_max = cwnd_prior = 100, and the epoch ends.
 */
static void atcp_cubic_test_loss(struct kunit *test)
{
	static const u32 cases[][2] = {
		{ 100, 70 }, { 1000, 700 }, { 10, 7 }, { 11, 7 },
		{ 3, 2 }, { 2, 2 }, { 1, 2 },
	};
	struct atcp_cc cc;
	int i;

	atcp_cubic.init(&cc);
	cc.cwnd = 100;
	cc.cwnd_cnt = 9;
	cc.epoch_ms = 1234;
	KUNIT_EXPECT_EQ(test, atcp_cubic.ssthresh(&cc), 70U);
	KUNIT_EXPECT_EQ(test, cc.w_max, 100U);
	KUNIT_EXPECT_EQ(test, cc.w_last_max, 0U);
	KUNIT_EXPECT_EQ(test, cc.cwnd_prior, 100U);
	KUNIT_EXPECT_EQ(test, cc.epoch_ms, 0U);
	KUNIT_EXPECT_EQ(test, cc.cwnd_cnt, 0U);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 100U);

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		atcp_cubic.init(&cc);
		cc.cwnd = cases[i][0];
		KUNIT_EXPECT_EQ_MSG(test, atcp_cubic.ssthresh(&cc), cases[i][1],
				    "cwnd %u", cases[i][0]);
	}

	/* Slow start is Reno's. */
	atcp_cubic.init(&cc);
	ack_round(&atcp_cubic, &cc, 0, 0);
	ack_round(&atcp_cubic, &cc, 0, 0);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 40U);
	KUNIT_EXPECT_EQ(test, cc.epoch_ms, 0U);
}

/* K, in ms, of an epoch starting at @cwnd_epoch below @w_max. */
static u32 cubic_k_ms(u32 w_max, u32 cwnd_epoch, u32 *origin)
{
	struct atcp_cc cc;

	atcp_cubic.init(&cc);
	cc.w_max = w_max;
	cc.cwnd = cwnd_epoch;
	cc.ssthresh = cwnd_epoch;
	atcp_cubic.cong_avoid(&cc, 1, 5000, 100000);
	*origin = cc.origin;
	return cc.k_ms;
}

/*
 * K = cbrt((W_max - cwnd_epoch) / 0.4) seconds, rounded down to a ms:
 *
 *	W_max    cwnd_epoch   (W_max - cwnd_epoch) / C   K
 *	100      70           75                         4.217163 s
 *	100      50           125                        5 s exactly
 *	10       7            7.5                        1.957434 s
 *	1000     700          750                        9.085603 s
 *	68       56           30                         3.107233 s
 *	10^6     700000       750000                     90.856030 s
 *	2^32-1   1            10737418235                2206.141122 s
 */
static void atcp_cubic_test_k(struct kunit *test)
{
	struct atcp_cc cc;
	u32 origin;

	KUNIT_EXPECT_EQ(test, cubic_k_ms(100, 70, &origin), 4217U);
	KUNIT_EXPECT_EQ(test, origin, 100U);
	KUNIT_EXPECT_EQ(test, cubic_k_ms(100, 50, &origin), 5000U);
	KUNIT_EXPECT_EQ(test, cubic_k_ms(10, 7, &origin), 1957U);
	KUNIT_EXPECT_EQ(test, cubic_k_ms(1000, 700, &origin), 9085U);
	KUNIT_EXPECT_EQ(test, cubic_k_ms(68, 56, &origin), 3107U);
	KUNIT_EXPECT_EQ(test, cubic_k_ms(1000000, 700000, &origin), 90856U);
	KUNIT_EXPECT_EQ(test, cubic_k_ms(0xffffffff, 1, &origin), 2206141U);

	/* At or above W_max the curve starts where cwnd is, with K = 0. */
	KUNIT_EXPECT_EQ(test, cubic_k_ms(100, 100, &origin), 0U);
	KUNIT_EXPECT_EQ(test, origin, 100U);
	KUNIT_EXPECT_EQ(test, cubic_k_ms(100, 120, &origin), 0U);
	KUNIT_EXPECT_EQ(test, origin, 120U);
	KUNIT_EXPECT_EQ(test, cubic_k_ms(0, 10, &origin), 0U);
	KUNIT_EXPECT_EQ(test, origin, 10U);

	/*
	 * Through the loss path: a timeout at cwnd 100, slow start from 1
	 * back to ssthresh 70; the epoch begins at the first ACK beyond it,
	 * with W_est = cwnd_epoch = 70.
	 */
	atcp_cubic.init(&cc);
	cc.cwnd = 100;
	cc.ssthresh = atcp_cubic.ssthresh(&cc);
	cc.cwnd = 1;
	while (cc.cwnd < 64)
		ack_round(&atcp_cubic, &cc, 3000, 50000);
	KUNIT_EXPECT_EQ(test, cc.epoch_ms, 0U);
	ack_each(&atcp_cubic, &cc, 6, 3000, 50000);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 70U);
	KUNIT_EXPECT_EQ(test, cc.epoch_ms, 0U);
	atcp_cubic.cong_avoid(&cc, 1, 3050, 50000);
	KUNIT_EXPECT_EQ(test, cc.epoch_ms, 3050U);
	KUNIT_EXPECT_EQ(test, cc.k_ms, 4217U);
	KUNIT_EXPECT_EQ(test, cc.origin, 100U);
	KUNIT_EXPECT_GE(test, cc.w_est, 70U << 10);
	KUNIT_EXPECT_LT(test, cc.w_est, 71U << 10);
}

/*
 * W_max = 100, cwnd_epoch = 70, RTT 200 ms: K = 4.217 s.  Each round moves
 * cwnd toward target = W_cubic(t + RTT), t being the round's start, so it
 * should end at most two segments short of floor(W_cubic(t + RTT)):
 *
 *	t (s)   W_cubic(t + 0.2 s) = 100 + 0.4 * (t + 0.2 - 4.217163)^3
 *	0       74.07
 *	1       89.01
 *	2       96.72
 *	3       99.58
 *	4       100.00
 *	5       100.38
 *	6       103.12
 *	7       110.62
 *	8       125.27
 *
 * (the table below has every 0.2 s).  Concave below K: it rises fast, then
 * flattens just under W_max; convex above: flat, then steeper.  W_est
 * stays below (70 + 9/17 per round: 91.7 at 8 s), so this is CUBIC's own
 * curve.
 */
static const u8 cubic_curve_100[] = {
	74, 77, 81, 84, 86,		/* 0.0 - 0.8 s */
	89, 91, 92, 94, 95,		/* 1.0 - 1.8 s */
	96, 97, 98, 98, 99,		/* 2.0 - 2.8 s */
	99, 99, 99, 99, 99,		/* 3.0 - 3.8 s */
	99, 100, 100, 100, 100,		/* 4.0 - 4.8 s */
	100, 100, 101, 101, 102,	/* 5.0 - 5.8 s */
	103, 104, 105, 106, 108,	/* 6.0 - 6.8 s */
	110, 112, 115, 118, 121,	/* 7.0 - 7.8 s */
	125,				/* 8.0 s */
};

static void atcp_cubic_test_curve(struct kunit *test)
{
	const u32 rtt_ms = 200, t0 = 1000;
	u32 cwnd[ARRAY_SIZE(cubic_curve_100)];
	struct atcp_cc cc;
	int r;

	atcp_cubic.init(&cc);
	cc.cwnd = 100;
	cc.ssthresh = atcp_cubic.ssthresh(&cc);
	cc.cwnd = cc.ssthresh;
	for (r = 0; r < ARRAY_SIZE(cwnd); r++) {
		ack_round(&atcp_cubic, &cc, t0 + r * rtt_ms, rtt_ms * 1000);
		cwnd[r] = cc.cwnd;
		KUNIT_EXPECT_LE_MSG(test, cwnd[r], (u32)cubic_curve_100[r],
				    "t = %u ms", r * rtt_ms);
		KUNIT_EXPECT_GE_MSG(test, cwnd[r] + 2, (u32)cubic_curve_100[r],
				    "t = %u ms", r * rtt_ms);
		/* Never past W_max while t + RTT <= K. */
		if ((r + 1) * rtt_ms <= cc.k_ms)
			KUNIT_EXPECT_LE(test, cwnd[r], 100U);
	}
	KUNIT_EXPECT_EQ(test, cc.k_ms, 4217U);

	/* Concave: the first second gains more than the second before K. */
	KUNIT_EXPECT_GE(test, cwnd[5] - 70, 15U);
	KUNIT_EXPECT_LE(test, cwnd[21] - cwnd[16], 2U);
	/* Plateau around K: close to W_max. */
	KUNIT_EXPECT_GE(test, cwnd[21], 98U);
	KUNIT_EXPECT_LE(test, cwnd[21], 100U);
	/* Convex: from 2 s after K it gains faster than in the first second. */
	KUNIT_EXPECT_LE(test, cwnd[26] - cwnd[21], 1U);
	KUNIT_EXPECT_GE(test, cwnd[36] - cwnd[31], 5U);
	KUNIT_EXPECT_GT(test, cwnd[40], 115U);
	/* The cubic curve, not Reno's line. */
	KUNIT_EXPECT_LT(test, (cc.w_est >> 10) + 20, cwnd[40]);
}

/* Growth is capped at 1.5 * cwnd per round (target clamp). */
static void atcp_cubic_test_max_growth(struct kunit *test)
{
	struct atcp_cc cc;

	atcp_cubic.init(&cc);
	cc.cwnd = 100;
	cc.ssthresh = atcp_cubic.ssthresh(&cc);
	cc.cwnd = cc.ssthresh;
	atcp_cubic.cong_avoid(&cc, 1, 1000, 100000);
	/* 60 s later, far up the convex side: target = 1.5 * 70 = 105. */
	atcp_cubic.cong_avoid(&cc, 1, 61000, 100000);
	KUNIT_EXPECT_EQ(test, cc.cnt, 2U);
	cc.cwnd = 70;
	cc.cwnd_cnt = 0;
	ack_round(&atcp_cubic, &cc, 61000, 100000);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 105U);
}

/*
 * Fast convergence (RFC 9438 4.7): a loss below the previous W_max
 * remembers W_max = cwnd * (1 + 0.7) / 2, not cwnd.
 *
 *	loss at 100, W_max 0:   W_max 100, ssthresh 70
 *	loss at 80 < 100:       W_max 80 * 0.85 = 68, ssthresh 56
 *	  next epoch at 56:     K = cbrt((68 - 56) / 0.4) = 3.107 s, not
 *	                        cbrt((80 - 56) / 0.4) = 3.914 s
 *	loss at 90 >= 68:       W_max 90, ssthresh 63
 */
static void atcp_cubic_test_fast_convergence(struct kunit *test)
{
	struct atcp_cc cc;

	atcp_cubic.init(&cc);
	cc.cwnd = 100;
	KUNIT_EXPECT_EQ(test, atcp_cubic.ssthresh(&cc), 70U);
	KUNIT_EXPECT_EQ(test, cc.w_max, 100U);

	cc.cwnd = 80;
	cc.ssthresh = atcp_cubic.ssthresh(&cc);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, 56U);
	KUNIT_EXPECT_EQ(test, cc.w_max, 68U);
	KUNIT_EXPECT_EQ(test, cc.w_last_max, 100U);
	KUNIT_EXPECT_EQ(test, cc.cwnd_prior, 80U);

	cc.cwnd = cc.ssthresh;
	atcp_cubic.cong_avoid(&cc, 1, 2000, 100000);
	KUNIT_EXPECT_EQ(test, cc.k_ms, 3107U);
	KUNIT_EXPECT_EQ(test, cc.origin, 68U);

	cc.cwnd = 90;
	KUNIT_EXPECT_EQ(test, atcp_cubic.ssthresh(&cc), 63U);
	KUNIT_EXPECT_EQ(test, cc.w_max, 90U);
	KUNIT_EXPECT_EQ(test, cc.w_last_max, 68U);

	/* Equal is not "below": no further reduction. */
	cc.cwnd = 90;
	atcp_cubic.ssthresh(&cc);
	KUNIT_EXPECT_EQ(test, cc.w_max, 90U);
}

/*
 * Reno-friendly region (RFC 9438 4.3): W_max = 10, cwnd_epoch = 7, RTT
 * 1 ms.  K = 1.957 s is ~2000 rounds, so the cubic curve is all but flat
 * (W_cubic(0.1 s) = 10 - 0.4 * 1.857^3 = 7.4), while
 *
 *	W_est = W_est + alpha_cubic * acked / cwnd
 *
 * gains alpha_cubic = 3 * 0.3 / 1.7 = 9/17 = 0.529 per round until it
 * reaches cwnd_prior = 10, then alpha_cubic = 1: one per round, as Reno.
 * After round 0 (7 ACKs at cwnd 7): W_est = 7 + 9/17, i.e. in the
 * << 10 fixed point 7 * 1024 + floor(9 * 1024 / 17) = 7168 + 542.
 * After 6 rounds it passes 10; after 100 it is about 10 + 94 = 104.
 */
static void atcp_cubic_test_reno_friendly(struct kunit *test)
{
	const u32 t0 = 500;
	struct atcp_cc cc;
	u32 w_est;
	int r;

	atcp_cubic.init(&cc);
	cc.cwnd = 10;
	cc.ssthresh = atcp_cubic.ssthresh(&cc);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, 7U);
	cc.cwnd = cc.ssthresh;

	ack_round(&atcp_cubic, &cc, t0, 1000);
	KUNIT_EXPECT_EQ(test, cc.k_ms, 1957U);
	KUNIT_EXPECT_EQ(test, cc.w_est, 7U * 1024 + 542);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 7U);

	/* alpha_cubic = 9/17 while W_est < 10. */
	for (r = 1; r < 5; r++) {
		w_est = cc.w_est;
		ack_round(&atcp_cubic, &cc, t0 + r, 1000);
		KUNIT_EXPECT_GE(test, cc.w_est - w_est, 450U);
		KUNIT_EXPECT_LE(test, cc.w_est - w_est, 560U);
	}
	for (; r < 100; r++)
		ack_round(&atcp_cubic, &cc, t0 + r, 1000);
	/* alpha_cubic = 1 once W_est >= 10: one segment per round. */
	w_est = cc.w_est;
	ack_round(&atcp_cubic, &cc, t0 + r, 1000);
	KUNIT_EXPECT_GE(test, cc.w_est - w_est, 1000U);
	KUNIT_EXPECT_LE(test, cc.w_est - w_est, 1030U);

	/* cwnd tracks W_est, far above W_max and the cubic curve. */
	KUNIT_EXPECT_GE(test, cc.w_est >> 10, 100U);
	KUNIT_EXPECT_LE(test, cc.w_est >> 10, 106U);
	KUNIT_EXPECT_GE(test, cc.cwnd + 2, cc.w_est >> 10);
	KUNIT_EXPECT_LE(test, cc.cwnd, (cc.w_est >> 10) + 1);
	KUNIT_EXPECT_GT(test, cc.cwnd, 5 * cc.w_max);
}

/* The W_est fraction carries over: 1000 single ACKs at cwnd 1000. */
static void atcp_cubic_test_w_est_carry(struct kunit *test)
{
	struct atcp_cc cc;

	atcp_cubic.init(&cc);
	cc.cwnd = 1000;
	cc.ssthresh = 1000;
	cc.w_max = 2000;	/* cubic target flat for a while */
	cc.cwnd_prior = 2000;	/* alpha_cubic stays 9/17 */
	ack_each(&atcp_cubic, &cc, 1000, 100, 1000);
	/* 9/17 segment: 542 of 1024, not 1000 * floor(9216 / 17000) = 0. */
	KUNIT_EXPECT_EQ(test, cc.w_est, 1000U * 1024 + 542);
}

/* A 0 ms clock still starts an epoch (epoch_ms 0 means "none"). */
static void atcp_cubic_test_zero_clock(struct kunit *test)
{
	struct atcp_cc cc;

	atcp_cubic.init(&cc);
	cc.cwnd = 100;
	cc.ssthresh = atcp_cubic.ssthresh(&cc);
	cc.cwnd = cc.ssthresh;
	atcp_cubic.cong_avoid(&cc, 1, 0, 0);
	KUNIT_EXPECT_NE(test, cc.epoch_ms, 0U);
	KUNIT_EXPECT_EQ(test, cc.k_ms, 4217U);
	atcp_cubic.cong_avoid(&cc, 1, 0, 0);
	KUNIT_EXPECT_EQ(test, cc.k_ms, 4217U);
}

static struct kunit_case atcp_cubic_test_cases[] = {
	KUNIT_CASE(atcp_cubic_test_loss),
	KUNIT_CASE(atcp_cubic_test_k),
	KUNIT_CASE(atcp_cubic_test_curve),
	KUNIT_CASE(atcp_cubic_test_max_growth),
	KUNIT_CASE(atcp_cubic_test_fast_convergence),
	KUNIT_CASE(atcp_cubic_test_reno_friendly),
	KUNIT_CASE(atcp_cubic_test_w_est_carry),
	KUNIT_CASE(atcp_cubic_test_zero_clock),
	{}
};

static struct kunit_suite atcp_cubic_test_suite = {
	.name = "atcp_cong_cubic",
	.test_cases = atcp_cubic_test_cases,
};

kunit_test_suites(&atcp_reno_test_suite, &atcp_cubic_test_suite);
