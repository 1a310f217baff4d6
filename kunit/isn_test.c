// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for module/isn.c: RFC 6528 initial sequence numbers and
 * RFC 7323 timestamp offsets.
 *
 * The key- and clock-explicit functions are checked with fixed keys, so
 * every expectation below is deterministic; the module-secret functions
 * are checked for consistency with them and with the real clock.
 */
#include <kunit/test.h>
#include <linux/in6.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>

#include "atcp.h"
#include "cookie.h"

static const siphash_key_t isn_key_a = {
	{ 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL }
};

static const siphash_key_t isn_key_b = {
	{ 0x0706050403020100ULL, 0x0f0e0d0c0b0a0909ULL }
};

/* 192.0.2.1:40000 -> 198.51.100.7:80 */
#define T4_SADDR	htonl(0xc0000201)
#define T4_DADDR	htonl(0xc6336407)
#define T4_SPORT	htons(40000)
#define T4_DPORT	htons(80)

/* 2001:db8::1:40000 -> 2001:db8:1::7:443 */
static const struct in6_addr t6_saddr = {
	{ { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } }
};

static const struct in6_addr t6_daddr = {
	{ { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7 } }
};

#define T6_SPORT	htons(40000)
#define T6_DPORT	htons(443)

/* A time, in ns, that is not a multiple of the 4 us tick. */
#define T_NS		1700000000123456789ULL

/* M is ns / 4000, truncated to 32 bits: 250000 ticks per second. */
static void atcp_isn_test_clock(struct kunit *test)
{
	static const u64 times[] = {
		0, 1, 3999, 4000, 123456789, T_NS,
		4000ULL << 32, (4000ULL << 32) - 1, U64_MAX - 60 * NSEC_PER_SEC,
	};
	int i;

	KUNIT_EXPECT_EQ(test, atcp_isn_clock(0), 0U);
	KUNIT_EXPECT_EQ(test, atcp_isn_clock(3999), 0U);
	KUNIT_EXPECT_EQ(test, atcp_isn_clock(4000), 1U);
	KUNIT_EXPECT_EQ(test, atcp_isn_clock(7999), 1U);
	KUNIT_EXPECT_EQ(test, atcp_isn_clock(8000), 2U);
	KUNIT_EXPECT_EQ(test, atcp_isn_clock(NSEC_PER_SEC), 250000U);
	KUNIT_EXPECT_EQ(test, atcp_isn_clock(NSEC_PER_USEC * 4), 1U);
	/* 2^32 ticks = 4.77 hours: the clock wraps. */
	KUNIT_EXPECT_EQ(test, atcp_isn_clock(4000ULL << 32), 0U);
	KUNIT_EXPECT_EQ(test, atcp_isn_clock((4000ULL << 32) - 1), U32_MAX);
	KUNIT_EXPECT_EQ(test, atcp_isn_clock((4000ULL << 32) + 5 * 4000), 5U);

	for (i = 0; i < ARRAY_SIZE(times); i++) {
		u64 t = times[i];

		KUNIT_EXPECT_EQ(test,
				atcp_isn_clock(t + NSEC_PER_SEC) -
				atcp_isn_clock(t), 250000U);
		KUNIT_EXPECT_EQ(test,
				atcp_isn_clock(t + 60 * NSEC_PER_SEC) -
				atcp_isn_clock(t), 60U * 250000U);
	}
}

/* The same 4-tuple under the same key at the same time: the same ISN. */
static void atcp_isn_test_same_tuple(struct kunit *test)
{
	u32 a, b;

	a = __atcp_isn_v4(&isn_key_a, T4_SADDR, T4_DADDR, T4_SPORT, T4_DPORT,
			  T_NS);
	b = __atcp_isn_v4(&isn_key_a, T4_SADDR, T4_DADDR, T4_SPORT, T4_DPORT,
			  T_NS);
	KUNIT_EXPECT_EQ(test, a, b);

	a = __atcp_isn_v6(&isn_key_a, &t6_saddr, &t6_daddr, T6_SPORT, T6_DPORT,
			  T_NS);
	b = __atcp_isn_v6(&isn_key_a, &t6_saddr, &t6_daddr, T6_SPORT, T6_DPORT,
			  T_NS);
	KUNIT_EXPECT_EQ(test, a, b);

	/* The module's secret is drawn once and kept. */
	a = atcp_isn_hash_v4(T4_SADDR, T4_DADDR, T4_SPORT, T4_DPORT);
	b = atcp_isn_hash_v4(T4_SADDR, T4_DADDR, T4_SPORT, T4_DPORT);
	KUNIT_EXPECT_EQ(test, a, b);

	a = atcp_isn_hash_v6(&t6_saddr, &t6_daddr, T6_SPORT, T6_DPORT);
	b = atcp_isn_hash_v6(&t6_saddr, &t6_daddr, T6_SPORT, T6_DPORT);
	KUNIT_EXPECT_EQ(test, a, b);
}

/* Every single-bit change of any 4-tuple field changes the IPv4 ISN. */
static void atcp_isn_test_fields_v4(struct kunit *test)
{
	u32 base, v;
	int bit;

	base = __atcp_isn_v4(&isn_key_a, T4_SADDR, T4_DADDR, T4_SPORT,
			     T4_DPORT, T_NS);

	for (bit = 0; bit < 32; bit++) {
		__be32 flip = htonl(1U << bit);

		v = __atcp_isn_v4(&isn_key_a, T4_SADDR ^ flip, T4_DADDR,
				  T4_SPORT, T4_DPORT, T_NS);
		KUNIT_EXPECT_NE_MSG(test, v, base, "saddr bit %d", bit);
		v = __atcp_isn_v4(&isn_key_a, T4_SADDR, T4_DADDR ^ flip,
				  T4_SPORT, T4_DPORT, T_NS);
		KUNIT_EXPECT_NE_MSG(test, v, base, "daddr bit %d", bit);
	}
	for (bit = 0; bit < 16; bit++) {
		__be16 flip = htons(1U << bit);

		v = __atcp_isn_v4(&isn_key_a, T4_SADDR, T4_DADDR,
				  T4_SPORT ^ flip, T4_DPORT, T_NS);
		KUNIT_EXPECT_NE_MSG(test, v, base, "sport bit %d", bit);
		v = __atcp_isn_v4(&isn_key_a, T4_SADDR, T4_DADDR, T4_SPORT,
				  T4_DPORT ^ flip, T_NS);
		KUNIT_EXPECT_NE_MSG(test, v, base, "dport bit %d", bit);
	}

	/* The tuple is ordered: the reverse direction has its own ISN. */
	v = __atcp_isn_v4(&isn_key_a, T4_DADDR, T4_SADDR, T4_DPORT, T4_SPORT,
			  T_NS);
	KUNIT_EXPECT_NE(test, v, base);
	v = __atcp_isn_v4(&isn_key_a, T4_SADDR, T4_DADDR, T4_DPORT, T4_SPORT,
			  T_NS);
	KUNIT_EXPECT_NE(test, v, base);
}

/* Every single-bit change of any 4-tuple field changes the IPv6 ISN. */
static void atcp_isn_test_fields_v6(struct kunit *test)
{
	struct in6_addr a;
	u32 base, v;
	int bit;

	base = __atcp_isn_v6(&isn_key_a, &t6_saddr, &t6_daddr, T6_SPORT,
			     T6_DPORT, T_NS);

	for (bit = 0; bit < 128; bit++) {
		a = t6_saddr;
		a.s6_addr[bit / 8] ^= 1U << (bit % 8);
		v = __atcp_isn_v6(&isn_key_a, &a, &t6_daddr, T6_SPORT,
				  T6_DPORT, T_NS);
		KUNIT_EXPECT_NE_MSG(test, v, base, "saddr bit %d", bit);

		a = t6_daddr;
		a.s6_addr[bit / 8] ^= 1U << (bit % 8);
		v = __atcp_isn_v6(&isn_key_a, &t6_saddr, &a, T6_SPORT,
				  T6_DPORT, T_NS);
		KUNIT_EXPECT_NE_MSG(test, v, base, "daddr bit %d", bit);
	}
	for (bit = 0; bit < 16; bit++) {
		__be16 flip = htons(1U << bit);

		v = __atcp_isn_v6(&isn_key_a, &t6_saddr, &t6_daddr,
				  T6_SPORT ^ flip, T6_DPORT, T_NS);
		KUNIT_EXPECT_NE_MSG(test, v, base, "sport bit %d", bit);
		v = __atcp_isn_v6(&isn_key_a, &t6_saddr, &t6_daddr, T6_SPORT,
				  T6_DPORT ^ flip, T_NS);
		KUNIT_EXPECT_NE_MSG(test, v, base, "dport bit %d", bit);
	}

	v = __atcp_isn_v6(&isn_key_a, &t6_daddr, &t6_saddr, T6_DPORT,
			  T6_SPORT, T_NS);
	KUNIT_EXPECT_NE(test, v, base);
}

/*
 * For a fixed 4-tuple the ISN grows exactly like M: 1 per 4 us, 250000
 * per second, wrapping modulo 2^32.
 */
static void atcp_isn_test_advance(struct kunit *test)
{
	static const u64 steps[] = {
		4000, 8000, 400000, NSEC_PER_MSEC, NSEC_PER_SEC,
		120 * NSEC_PER_SEC, 4000ULL << 32,
	};
	u64 t0 = T_NS - T_NS % ATCP_ISN_TICK_NS;
	u32 a4, a6, b4, b6;
	int i;

	a4 = __atcp_isn_v4(&isn_key_a, T4_SADDR, T4_DADDR, T4_SPORT, T4_DPORT,
			   t0);
	a6 = __atcp_isn_v6(&isn_key_a, &t6_saddr, &t6_daddr, T6_SPORT,
			   T6_DPORT, t0);

	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		u32 ticks = (u32)div_u64(steps[i], ATCP_ISN_TICK_NS);

		b4 = __atcp_isn_v4(&isn_key_a, T4_SADDR, T4_DADDR, T4_SPORT,
				   T4_DPORT, t0 + steps[i]);
		KUNIT_EXPECT_EQ_MSG(test, b4 - a4, ticks, "step %llu ns",
				    steps[i]);
		b6 = __atcp_isn_v6(&isn_key_a, &t6_saddr, &t6_daddr, T6_SPORT,
				   T6_DPORT, t0 + steps[i]);
		KUNIT_EXPECT_EQ_MSG(test, b6 - a6, ticks, "step %llu ns",
				    steps[i]);
	}

	/* Within one tick the ISN does not move. */
	b4 = __atcp_isn_v4(&isn_key_a, T4_SADDR, T4_DADDR, T4_SPORT, T4_DPORT,
			   t0 + ATCP_ISN_TICK_NS - 1);
	KUNIT_EXPECT_EQ(test, b4, a4);
	/* One second: 250000 ticks. */
	b4 = __atcp_isn_v4(&isn_key_a, T4_SADDR, T4_DADDR, T4_SPORT, T4_DPORT,
			   t0 + NSEC_PER_SEC);
	KUNIT_EXPECT_EQ(test, b4 - a4, 250000U);
	/* At time 0 the ISN is F alone; from then on F + M. */
	a4 = __atcp_isn_v4(&isn_key_a, T4_SADDR, T4_DADDR, T4_SPORT, T4_DPORT,
			   0);
	b4 = __atcp_isn_v4(&isn_key_a, T4_SADDR, T4_DADDR, T4_SPORT, T4_DPORT,
			   T_NS);
	KUNIT_EXPECT_EQ(test, b4 - a4, atcp_isn_clock(T_NS));
}

/* Different secrets give different ISNs for the same 4-tuple and time. */
static void atcp_isn_test_secrets(struct kunit *test)
{
	int i;

	for (i = 0; i < 16; i++) {
		__be16 sport = htons(40000 + i);
		struct in6_addr s6 = t6_saddr;

		s6.s6_addr[15] = i;
		KUNIT_EXPECT_NE_MSG(test,
				    __atcp_isn_v4(&isn_key_a, T4_SADDR,
						  T4_DADDR, sport, T4_DPORT,
						  T_NS),
				    __atcp_isn_v4(&isn_key_b, T4_SADDR,
						  T4_DADDR, sport, T4_DPORT,
						  T_NS), "tuple %d", i);
		KUNIT_EXPECT_NE_MSG(test,
				    __atcp_isn_v6(&isn_key_a, &s6, &t6_daddr,
						  T6_SPORT, T6_DPORT, T_NS),
				    __atcp_isn_v6(&isn_key_b, &s6, &t6_daddr,
						  T6_SPORT, T6_DPORT, T_NS),
				    "tuple %d", i);
	}
}

/*
 * atcp_isn_v4/v6() = F under the module's secret + M of CLOCK_REALTIME
 * read during the call.
 */
static void atcp_isn_test_realtime(struct kunit *test)
{
	u32 f4, f6, m0, m1, isn4, isn6;

	f4 = atcp_isn_hash_v4(T4_SADDR, T4_DADDR, T4_SPORT, T4_DPORT);
	f6 = atcp_isn_hash_v6(&t6_saddr, &t6_daddr, T6_SPORT, T6_DPORT);

	m0 = atcp_isn_clock(ktime_get_real_ns());
	isn4 = atcp_isn_v4(T4_SADDR, T4_DADDR, T4_SPORT, T4_DPORT);
	isn6 = atcp_isn_v6(&t6_saddr, &t6_daddr, T6_SPORT, T6_DPORT);
	m1 = atcp_isn_clock(ktime_get_real_ns());

	/* isn - F lies in [m0, m1], modulo 2^32. */
	KUNIT_EXPECT_LE(test, isn4 - f4 - m0, m1 - m0);
	KUNIT_EXPECT_LE(test, isn6 - f6 - m0, m1 - m0);
	/* Reading the clock twice takes well under a second. */
	KUNIT_EXPECT_LT(test, m1 - m0, 250000U);
}

/*
 * Timestamp offsets: stable per address pair, different for another pair,
 * the reverse direction or another secret.
 */
static void atcp_isn_test_ts_offset(struct kunit *test)
{
	struct in6_addr a;
	u32 base, v;
	int bit;

	base = __atcp_ts_offset_v4(&isn_key_a, T4_SADDR, T4_DADDR);
	KUNIT_EXPECT_EQ(test, __atcp_ts_offset_v4(&isn_key_a, T4_SADDR,
						  T4_DADDR), base);
	KUNIT_EXPECT_NE(test, __atcp_ts_offset_v4(&isn_key_b, T4_SADDR,
						  T4_DADDR), base);
	KUNIT_EXPECT_NE(test, __atcp_ts_offset_v4(&isn_key_a, T4_DADDR,
						  T4_SADDR), base);
	for (bit = 0; bit < 32; bit++) {
		__be32 flip = htonl(1U << bit);

		v = __atcp_ts_offset_v4(&isn_key_a, T4_SADDR ^ flip, T4_DADDR);
		KUNIT_EXPECT_NE_MSG(test, v, base, "saddr bit %d", bit);
		v = __atcp_ts_offset_v4(&isn_key_a, T4_SADDR, T4_DADDR ^ flip);
		KUNIT_EXPECT_NE_MSG(test, v, base, "daddr bit %d", bit);
	}

	base = __atcp_ts_offset_v6(&isn_key_a, &t6_saddr, &t6_daddr);
	KUNIT_EXPECT_EQ(test, __atcp_ts_offset_v6(&isn_key_a, &t6_saddr,
						  &t6_daddr), base);
	KUNIT_EXPECT_NE(test, __atcp_ts_offset_v6(&isn_key_b, &t6_saddr,
						  &t6_daddr), base);
	KUNIT_EXPECT_NE(test, __atcp_ts_offset_v6(&isn_key_a, &t6_daddr,
						  &t6_saddr), base);
	for (bit = 0; bit < 128; bit++) {
		a = t6_saddr;
		a.s6_addr[bit / 8] ^= 1U << (bit % 8);
		v = __atcp_ts_offset_v6(&isn_key_a, &a, &t6_daddr);
		KUNIT_EXPECT_NE_MSG(test, v, base, "saddr bit %d", bit);
		a = t6_daddr;
		a.s6_addr[bit / 8] ^= 1U << (bit % 8);
		v = __atcp_ts_offset_v6(&isn_key_a, &t6_saddr, &a);
		KUNIT_EXPECT_NE_MSG(test, v, base, "daddr bit %d", bit);
	}

	/* The module's secret: stable across calls. */
	KUNIT_EXPECT_EQ(test, atcp_ts_offset_v4(T4_SADDR, T4_DADDR),
			atcp_ts_offset_v4(T4_SADDR, T4_DADDR));
	KUNIT_EXPECT_EQ(test, atcp_ts_offset_v6(&t6_saddr, &t6_daddr),
			atcp_ts_offset_v6(&t6_saddr, &t6_daddr));
}

static struct kunit_case atcp_isn_test_cases[] = {
	KUNIT_CASE(atcp_isn_test_clock),
	KUNIT_CASE(atcp_isn_test_same_tuple),
	KUNIT_CASE(atcp_isn_test_fields_v4),
	KUNIT_CASE(atcp_isn_test_fields_v6),
	KUNIT_CASE(atcp_isn_test_advance),
	KUNIT_CASE(atcp_isn_test_secrets),
	KUNIT_CASE(atcp_isn_test_realtime),
	KUNIT_CASE(atcp_isn_test_ts_offset),
	{}
};

static struct kunit_suite atcp_isn_test_suite = {
	.name = "atcp_isn",
	.test_cases = atcp_isn_test_cases,
};

kunit_test_suite(atcp_isn_test_suite);
