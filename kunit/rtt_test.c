// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for module/rtt.c: the RFC 6298 retransmission timeout
 * estimator.  Samples and expectations are in microseconds; RTO is in
 * jiffies, so expectations go through usecs_to_jiffies() (which rounds up)
 * and hold for any HZ.
 *
 *	first sample R:    SRTT = R, RTTVAR = R / 2
 *	later samples R':  RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R'|  (old SRTT)
 *	                   SRTT   = 7/8 SRTT + 1/8 R'
 *	RTO = SRTT + max(G, 4 * RTTVAR), G = one jiffy,
 *	      then clamped to [rto_min, 120 s]
 */
#include <kunit/test.h>

#include "cong.h"

#define RTO_MIN_200MS	200000U

static void atcp_rtt_test_init(struct kunit *test)
{
	struct atcp_rtt r;

	memset(&r, 0xa5, sizeof(r));
	atcp_rtt_init(&r);
	KUNIT_EXPECT_EQ(test, r.srtt_us, 0U);
	KUNIT_EXPECT_EQ(test, r.rttvar_us, 0U);
	KUNIT_EXPECT_EQ(test, r.min_rtt_us, 0U);
	/* RFC 6298 2.1: 1 second. */
	KUNIT_EXPECT_EQ(test, r.rto, (u32)HZ);
	KUNIT_EXPECT_EQ(test, r.rto, (u32)ATCP_TIMEOUT_INIT);
}

/* RFC 6298 2.2: R = 100 ms gives SRTT 100 ms, RTTVAR 50 ms, RTO 300 ms. */
static void atcp_rtt_test_first_sample(struct kunit *test)
{
	struct atcp_rtt r;

	atcp_rtt_init(&r);
	atcp_rtt_sample(&r, 100000, RTO_MIN_200MS);
	KUNIT_EXPECT_EQ(test, r.srtt_us, 100000U);
	KUNIT_EXPECT_EQ(test, r.rttvar_us, 50000U);
	KUNIT_EXPECT_EQ(test, r.min_rtt_us, 100000U);
	KUNIT_EXPECT_EQ(test, r.rto, (u32)msecs_to_jiffies(300));

	/* R = 1 s: RTO = 1 + 4 * 0.5 = 3 s. */
	atcp_rtt_init(&r);
	atcp_rtt_sample(&r, 1000000, RTO_MIN_200MS);
	KUNIT_EXPECT_EQ(test, r.srtt_us, 1000000U);
	KUNIT_EXPECT_EQ(test, r.rttvar_us, 500000U);
	KUNIT_EXPECT_EQ(test, r.rto, 3U * HZ);

	/* An odd R: RTTVAR = R / 2 rounded down. */
	atcp_rtt_init(&r);
	atcp_rtt_sample(&r, 100001, RTO_MIN_200MS);
	KUNIT_EXPECT_EQ(test, r.rttvar_us, 50000U);
}

/*
 * RFC 6298 2.3, R1 = 100 ms then R2 = 200 ms:
 *	RTTVAR = 3/4 * 50000 + 1/4 * |100000 - 200000| = 37500 + 25000 = 62500
 *	SRTT   = 7/8 * 100000 + 1/8 * 200000           = 87500 + 25000 = 112500
 *	RTO    = 112500 + 4 * 62500                    = 362500 us
 * (updating SRTT first would give RTTVAR 59375).  Then R3 = 100 ms:
 *	RTTVAR = (3 * 62500 + 12500) / 4 = 50000
 *	SRTT   = (7 * 112500 + 100000) / 8 = 110937.5, truncated: 110937
 *	RTO    = 110937 + 200000 = 310937 us
 */
static void atcp_rtt_test_second_sample(struct kunit *test)
{
	struct atcp_rtt r;

	atcp_rtt_init(&r);
	atcp_rtt_sample(&r, 100000, RTO_MIN_200MS);
	atcp_rtt_sample(&r, 200000, RTO_MIN_200MS);
	KUNIT_EXPECT_EQ(test, r.rttvar_us, 62500U);
	KUNIT_EXPECT_EQ(test, r.srtt_us, 112500U);
	KUNIT_EXPECT_EQ(test, r.rto, (u32)usecs_to_jiffies(362500));
	/* Rounded up to whole jiffies: never shorter than computed. */
	KUNIT_EXPECT_GE(test, jiffies_to_usecs(r.rto), 362500U);
	KUNIT_EXPECT_LT(test, jiffies_to_usecs(r.rto - 1), 362500U);
	KUNIT_EXPECT_EQ(test, r.min_rtt_us, 100000U);

	atcp_rtt_sample(&r, 100000, RTO_MIN_200MS);
	KUNIT_EXPECT_EQ(test, r.rttvar_us, 50000U);
	KUNIT_EXPECT_EQ(test, r.srtt_us, 110937U);
	KUNIT_EXPECT_EQ(test, r.rto, (u32)usecs_to_jiffies(310937));
}

/* A constant RTT: SRTT stays, RTTVAR decays by 3/4 per sample. */
static void atcp_rtt_test_steady(struct kunit *test)
{
	static const u32 rttvar[] = { 40000, 30000, 22500, 16875, 12656 };
	struct atcp_rtt r;
	int i;

	atcp_rtt_init(&r);
	atcp_rtt_sample(&r, 80000, 1000);
	for (i = 0; i < ARRAY_SIZE(rttvar); i++) {
		KUNIT_EXPECT_EQ(test, r.srtt_us, 80000U);
		KUNIT_EXPECT_EQ(test, r.rttvar_us, rttvar[i]);
		KUNIT_EXPECT_EQ(test, r.rto,
				(u32)usecs_to_jiffies(80000 + 4 * rttvar[i]));
		atcp_rtt_sample(&r, 80000, 1000);
	}
}

/* The computed RTO is raised to rto_min. */
static void atcp_rtt_test_rto_min(struct kunit *test)
{
	struct atcp_rtt r;

	/* R = 10 ms: 10 + 4 * 5 = 30 ms, below 200 ms. */
	atcp_rtt_init(&r);
	atcp_rtt_sample(&r, 10000, RTO_MIN_200MS);
	KUNIT_EXPECT_EQ(test, r.srtt_us, 10000U);
	KUNIT_EXPECT_EQ(test, r.rto, (u32)msecs_to_jiffies(200));

	/* With a 1 ms floor the 30 ms stand. */
	atcp_rtt_init(&r);
	atcp_rtt_sample(&r, 10000, 1000);
	KUNIT_EXPECT_EQ(test, r.rto, (u32)usecs_to_jiffies(30000));

	/* rto_min is per call: the same state with a 1 s floor. */
	atcp_rtt_sample(&r, 10000, 1000000);
	KUNIT_EXPECT_EQ(test, r.rto, (u32)HZ);
}

/* The 120 s ceiling, which also wins over an rto_min above it. */
static void atcp_rtt_test_rto_max(struct kunit *test)
{
	struct atcp_rtt r;

	/* R = 100 s: 100 + 4 * 50 = 300 s. */
	atcp_rtt_init(&r);
	atcp_rtt_sample(&r, 100000000, RTO_MIN_200MS);
	KUNIT_EXPECT_EQ(test, r.srtt_us, 100000000U);
	KUNIT_EXPECT_EQ(test, r.rto, 120U * HZ);
	KUNIT_EXPECT_EQ(test, r.rto, (u32)ATCP_RTO_MAX);

	/* R = 40 s: 120 s exactly. */
	atcp_rtt_init(&r);
	atcp_rtt_sample(&r, 40000000, RTO_MIN_200MS);
	KUNIT_EXPECT_EQ(test, r.rto, 120U * HZ);
	/* R = 30 s: 90 s, below the ceiling. */
	atcp_rtt_init(&r);
	atcp_rtt_sample(&r, 30000000, RTO_MIN_200MS);
	KUNIT_EXPECT_EQ(test, r.rto, 90U * HZ);

	/* The largest samples do not overflow. */
	atcp_rtt_init(&r);
	atcp_rtt_sample(&r, U32_MAX, RTO_MIN_200MS);
	atcp_rtt_sample(&r, U32_MAX, RTO_MIN_200MS);
	KUNIT_EXPECT_EQ(test, r.srtt_us, U32_MAX);
	KUNIT_EXPECT_EQ(test, r.rto, 120U * HZ);
	/* (7 * (2^32 - 1) + 1) / 8, which 32-bit arithmetic would wrap. */
	atcp_rtt_sample(&r, 1, RTO_MIN_200MS);
	KUNIT_EXPECT_EQ(test, r.srtt_us, 3758096383U);
	KUNIT_EXPECT_EQ(test, r.rto, 120U * HZ);

	/* An rto_min beyond the ceiling is capped by it. */
	atcp_rtt_init(&r);
	atcp_rtt_sample(&r, 1000, U32_MAX);
	KUNIT_EXPECT_EQ(test, r.rto, 120U * HZ);
}

/*
 * G, the clock granularity: RTO = SRTT + max(G, 4 * RTTVAR).  A 100 us
 * path has 4 * RTTVAR = 200 us, less than a jiffy, so RTO = 100 us + G,
 * two jiffies once rounded up, where 300 us would round up to one.
 */
static void atcp_rtt_test_granularity(struct kunit *test)
{
	u32 g = jiffies_to_usecs(1);
	struct atcp_rtt r;
	int i;

	KUNIT_ASSERT_GT(test, g, 200U);
	atcp_rtt_init(&r);
	atcp_rtt_sample(&r, 100, 1);
	KUNIT_EXPECT_EQ(test, r.rto, (u32)usecs_to_jiffies(100 + g));
	KUNIT_EXPECT_EQ(test, r.rto, 2U);

	/* RTTVAR decays to 0: G alone remains. */
	for (i = 0; i < 40; i++)
		atcp_rtt_sample(&r, 100, 1);
	KUNIT_EXPECT_EQ(test, r.rttvar_us, 0U);
	KUNIT_EXPECT_EQ(test, r.srtt_us, 100U);
	KUNIT_EXPECT_EQ(test, r.rto, 2U);

	/* Where 4 * RTTVAR is larger, G plays no part: exactly 3 jiffies. */
	atcp_rtt_init(&r);
	atcp_rtt_sample(&r, g, 1);
	KUNIT_EXPECT_EQ(test, r.rto, 3U);
}

/*
 * A 0 us sample counts as 1 us: SRTT 0 would mean "no sample", and the
 * next sample would be taken for a first one.
 */
static void atcp_rtt_test_zero_sample(struct kunit *test)
{
	struct atcp_rtt r;

	atcp_rtt_init(&r);
	atcp_rtt_sample(&r, 0, 1);
	KUNIT_EXPECT_EQ(test, r.srtt_us, 1U);
	KUNIT_EXPECT_EQ(test, r.rttvar_us, 0U);
	KUNIT_EXPECT_EQ(test, r.min_rtt_us, 1U);
	KUNIT_EXPECT_EQ(test, r.rto, (u32)usecs_to_jiffies(1 + jiffies_to_usecs(1)));

	/* A second sample: RTTVAR = (0 + 999) / 4, SRTT = (7 + 1000) / 8. */
	atcp_rtt_sample(&r, 1000, 1);
	KUNIT_EXPECT_EQ(test, r.rttvar_us, 249U);
	KUNIT_EXPECT_EQ(test, r.srtt_us, 125U);
	KUNIT_EXPECT_EQ(test, r.min_rtt_us, 1U);
}

/* min_rtt_us: the smallest sample so far. */
static void atcp_rtt_test_min_rtt(struct kunit *test)
{
	static const u32 samples[][2] = {
		{ 300, 300 }, { 100, 100 }, { 200, 100 }, { 100, 100 },
		{ 99, 99 }, { 5000000, 99 }, { 0, 1 }, { 7, 1 },
	};
	struct atcp_rtt r;
	int i;

	atcp_rtt_init(&r);
	for (i = 0; i < ARRAY_SIZE(samples); i++) {
		atcp_rtt_sample(&r, samples[i][0], RTO_MIN_200MS);
		KUNIT_EXPECT_EQ_MSG(test, r.min_rtt_us, samples[i][1],
				    "sample %d", i);
	}
}

static struct kunit_case atcp_rtt_test_cases[] = {
	KUNIT_CASE(atcp_rtt_test_init),
	KUNIT_CASE(atcp_rtt_test_first_sample),
	KUNIT_CASE(atcp_rtt_test_second_sample),
	KUNIT_CASE(atcp_rtt_test_steady),
	KUNIT_CASE(atcp_rtt_test_rto_min),
	KUNIT_CASE(atcp_rtt_test_rto_max),
	KUNIT_CASE(atcp_rtt_test_granularity),
	KUNIT_CASE(atcp_rtt_test_zero_sample),
	KUNIT_CASE(atcp_rtt_test_min_rtt),
	{}
};

static struct kunit_suite atcp_rtt_test_suite = {
	.name = "atcp_rtt",
	.test_cases = atcp_rtt_test_cases,
};

kunit_test_suite(atcp_rtt_test_suite);
