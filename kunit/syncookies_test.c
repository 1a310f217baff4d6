// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for module/syncookies.c: SYN cookie round trips for every
 * MSS table entry, MSS rounding, expiry, tampering, key rotation and the
 * options carried in the timestamp.
 *
 * Each test makes its own secret (struct atcp_cookie_secret), so nothing
 * here touches the module's secret except the test of the public wrappers.
 * The tampering tests install fixed keys so that their outcome does not
 * depend on random draws.
 */
#include <kunit/test.h>
#include <linux/in6.h>
#include <linux/jiffies.h>
#include <linux/math64.h>

#include "atcp.h"
#include "cookie.h"

/* The SYN: 192.0.2.1:40000 -> 198.51.100.7:80 */
#define T4_SADDR	htonl(0xc0000201)
#define T4_DADDR	htonl(0xc6336407)
#define T4_SPORT	htons(40000)
#define T4_DPORT	htons(80)

/* The SYN: [2001:db8::1]:40000 -> [2001:db8:1::7]:443 */
static const struct in6_addr t6_saddr = {
	{ { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } }
};

static const struct in6_addr t6_daddr = {
	{ { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7 } }
};

#define T6_SPORT	htons(40000)
#define T6_DPORT	htons(443)

static const u16 msstab_v4[] = { 536, 1300, 1440, 1460 };
static const u16 msstab_v6[] = { 1220, 1420, 1440, 8940 };

/*
 * Counts to mint at: small, around the 8-bit wrap of the cookie's count
 * field, and around the 32-bit wrap of the count itself.
 */
static const u32 counts[] = { 0, 1, 254, 255, 256, 0x12345678, U32_MAX };

/* Client ISNs, including ones whose sum with the hashes wraps. */
static const u32 isns[] = { 0, 1, 0x7fffffff, 0x80000000, 0xfffffffe,
			    U32_MAX };

static struct atcp_cookie_secret *cookie_secret(struct kunit *test)
{
	struct atcp_cookie_secret *sec;

	sec = kunit_kzalloc(test, sizeof(*sec), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sec);
	atcp_cookie_secret_init(sec);
	return sec;
}

/*
 * A secret with fixed keys for counts @count and @count + 1, derived from
 * @seed, for results that do not depend on random draws.
 */
static struct atcp_cookie_secret *cookie_secret_fixed(struct kunit *test,
						      u32 count, u64 seed)
{
	struct atcp_cookie_secret *sec = cookie_secret(test);
	int i;

	sec->base.key[0] = 0x736f6d6570736575ULL ^ seed;
	sec->base.key[1] = 0x646f72616e646f6dULL + seed;
	for (i = 0; i < 2; i++) {
		struct atcp_cookie_slot *slot = &sec->slot[(count + i) & 1];

		slot->key.key[0] = 0x6c7967656e657261ULL * (seed + i + 1);
		slot->key.key[1] = 0x7465646279746573ULL ^ (seed << i);
		slot->count = count + i;
		slot->live = true;
	}
	return sec;
}

/* Mint and check cookies for the test's IPv4 and IPv6 SYN. */
static u32 mint4(struct atcp_cookie_secret *sec, u32 now, u32 isn, u16 *mss)
{
	return __atcp_cookie_v4_init(sec, now, T4_SADDR, T4_DADDR, T4_SPORT,
				     T4_DPORT, isn, mss);
}

static u16 check4(const struct atcp_cookie_secret *sec, u32 now, u32 isn,
		  u32 cookie)
{
	return __atcp_cookie_v4_check(sec, now, T4_SADDR, T4_DADDR, T4_SPORT,
				      T4_DPORT, isn, cookie);
}

static u32 mint6(struct atcp_cookie_secret *sec, u32 now, u32 isn, u16 *mss)
{
	return __atcp_cookie_v6_init(sec, now, &t6_saddr, &t6_daddr, T6_SPORT,
				     T6_DPORT, isn, mss);
}

static u16 check6(const struct atcp_cookie_secret *sec, u32 now, u32 isn,
		  u32 cookie)
{
	return __atcp_cookie_v6_check(sec, now, &t6_saddr, &t6_daddr,
				      T6_SPORT, T6_DPORT, isn, cookie);
}

/* The MSS tables are the documented ones. */
static void atcp_cookie_test_tables(struct kunit *test)
{
	int i;

	KUNIT_ASSERT_EQ(test, ARRAY_SIZE(msstab_v4), ATCP_COOKIE_MSS_NUM);
	for (i = 0; i < ATCP_COOKIE_MSS_NUM; i++) {
		KUNIT_EXPECT_EQ(test, atcp_cookie_mss_v4(i), msstab_v4[i]);
		KUNIT_EXPECT_EQ(test, atcp_cookie_mss_v6(i), msstab_v6[i]);
	}
	KUNIT_EXPECT_EQ(test, atcp_cookie_mss_v4(ATCP_COOKIE_MSS_NUM), 0);
	KUNIT_EXPECT_EQ(test, atcp_cookie_mss_v6(ATCP_COOKIE_MSS_NUM), 0);
}

/* Every MSS table entry survives the round trip, at every count and ISN. */
static void atcp_cookie_test_roundtrip_v4(struct kunit *test)
{
	int c, i, m;

	for (c = 0; c < ARRAY_SIZE(counts); c++) {
		struct atcp_cookie_secret *sec = cookie_secret(test);

		for (i = 0; i < ARRAY_SIZE(isns); i++) {
			for (m = 0; m < ARRAY_SIZE(msstab_v4); m++) {
				u16 mss = msstab_v4[m], got;
				u32 cookie;

				cookie = mint4(sec, counts[c], isns[i], &mss);
				KUNIT_EXPECT_EQ(test, mss, msstab_v4[m]);
				got = check4(sec, counts[c], isns[i], cookie);
				KUNIT_EXPECT_EQ_MSG(test, got, msstab_v4[m],
						    "count %u isn %#x",
						    counts[c], isns[i]);
			}
		}
	}
}

static void atcp_cookie_test_roundtrip_v6(struct kunit *test)
{
	int c, i, m;

	for (c = 0; c < ARRAY_SIZE(counts); c++) {
		struct atcp_cookie_secret *sec = cookie_secret(test);

		for (i = 0; i < ARRAY_SIZE(isns); i++) {
			for (m = 0; m < ARRAY_SIZE(msstab_v6); m++) {
				u16 mss = msstab_v6[m], got;
				u32 cookie;

				cookie = mint6(sec, counts[c], isns[i], &mss);
				KUNIT_EXPECT_EQ(test, mss, msstab_v6[m]);
				got = check6(sec, counts[c], isns[i], cookie);
				KUNIT_EXPECT_EQ_MSG(test, got, msstab_v6[m],
						    "count %u isn %#x",
						    counts[c], isns[i]);
			}
		}
	}
}

struct mss_round {
	u16 in;
	u16 out;
};

/* The peer's MSS rounds down to a table entry, up to the first one. */
static void atcp_cookie_test_mss_round(struct kunit *test)
{
	static const struct mss_round v4[] = {
		{ 0, 536 }, { 1, 536 }, { 535, 536 }, { 536, 536 },
		{ 537, 536 }, { 1299, 536 }, { 1300, 1300 }, { 1439, 1300 },
		{ 1440, 1440 }, { 1452, 1440 }, { 1459, 1440 },
		{ 1460, 1460 }, { 1461, 1460 }, { 8960, 1460 },
		{ 65535, 1460 },
	};
	static const struct mss_round v6[] = {
		{ 0, 1220 }, { 536, 1220 }, { 1219, 1220 }, { 1220, 1220 },
		{ 1419, 1220 }, { 1420, 1420 }, { 1439, 1420 },
		{ 1440, 1440 }, { 1460, 1440 }, { 8939, 1440 },
		{ 8940, 8940 }, { 65535, 8940 },
	};
	struct atcp_cookie_secret *sec = cookie_secret(test);
	u32 count = 1000, cookie;
	u16 mss;
	int i;

	for (i = 0; i < ARRAY_SIZE(v4); i++) {
		mss = v4[i].in;
		cookie = mint4(sec, count, 1, &mss);
		KUNIT_EXPECT_EQ_MSG(test, mss, v4[i].out, "in %u", v4[i].in);
		KUNIT_EXPECT_EQ_MSG(test, check4(sec, count, 1, cookie),
				    v4[i].out, "in %u", v4[i].in);
	}
	for (i = 0; i < ARRAY_SIZE(v6); i++) {
		mss = v6[i].in;
		cookie = mint6(sec, count, 1, &mss);
		KUNIT_EXPECT_EQ_MSG(test, mss, v6[i].out, "in %u", v6[i].in);
		KUNIT_EXPECT_EQ_MSG(test, check6(sec, count, 1, cookie),
				    v6[i].out, "in %u", v6[i].in);
	}
}

/*
 * A cookie of count c is accepted at c and c + 1 only: not two or more
 * counts later (nor 256 later, where its 8-bit count field repeats), and
 * not before it was minted.  No key is rotated here: the rejections come
 * from the age check.
 */
static void atcp_cookie_test_expiry(struct kunit *test)
{
	static const u32 late[] = { 2, 3, 4, 100, 254, 255, 256, 257, 512 };
	int c, i;

	for (c = 0; c < ARRAY_SIZE(counts); c++) {
		struct atcp_cookie_secret *sec = cookie_secret(test);
		u32 now = counts[c];
		u16 mss4 = 1460, mss6 = 1440;
		u32 k4, k6;

		k4 = mint4(sec, now, 7, &mss4);
		k6 = mint6(sec, now, 7, &mss6);

		KUNIT_EXPECT_EQ(test, check4(sec, now, 7, k4), 1460);
		KUNIT_EXPECT_EQ(test, check4(sec, now + 1, 7, k4), 1460);
		KUNIT_EXPECT_EQ(test, check6(sec, now, 7, k6), 1440);
		KUNIT_EXPECT_EQ(test, check6(sec, now + 1, 7, k6), 1440);

		for (i = 0; i < ARRAY_SIZE(late); i++) {
			u32 then = now + late[i];

			KUNIT_EXPECT_EQ_MSG(test, check4(sec, then, 7, k4), 0,
					    "count %u + %u", now, late[i]);
			KUNIT_EXPECT_EQ_MSG(test, check6(sec, then, 7, k6), 0,
					    "count %u + %u", now, late[i]);
		}

		/* From the future. */
		KUNIT_EXPECT_EQ(test, check4(sec, now - 1, 7, k4), 0);
		KUNIT_EXPECT_EQ(test, check6(sec, now - 1, 7, k6), 0);
	}
}

/*
 * Check every alteration of one IPv4 cookie's inputs at @now: each bit of
 * the cookie, of the client ISN and of the 4-tuple, and the reversed
 * tuple.  All must be rejected; the genuine one must pass.
 */
static void cookie_tamper_v4(struct kunit *test,
			     const struct atcp_cookie_secret *sec, u32 now,
			     u32 isn, u32 cookie, u16 mss)
{
	int bit;

	KUNIT_EXPECT_EQ(test, check4(sec, now, isn, cookie), mss);

	for (bit = 0; bit < 32; bit++) {
		__be32 flip = htonl(1U << bit);

		KUNIT_EXPECT_EQ_MSG(test,
				    check4(sec, now, isn, cookie ^ BIT(bit)),
				    0, "cookie bit %d", bit);
		KUNIT_EXPECT_EQ_MSG(test,
				    check4(sec, now, isn ^ BIT(bit), cookie),
				    0, "isn bit %d", bit);
		KUNIT_EXPECT_EQ_MSG(test,
				    __atcp_cookie_v4_check(sec, now,
							   T4_SADDR ^ flip,
							   T4_DADDR, T4_SPORT,
							   T4_DPORT, isn,
							   cookie),
				    0, "saddr bit %d", bit);
		KUNIT_EXPECT_EQ_MSG(test,
				    __atcp_cookie_v4_check(sec, now, T4_SADDR,
							   T4_DADDR ^ flip,
							   T4_SPORT, T4_DPORT,
							   isn, cookie),
				    0, "daddr bit %d", bit);
	}
	for (bit = 0; bit < 16; bit++) {
		__be16 flip = htons(1U << bit);

		KUNIT_EXPECT_EQ_MSG(test,
				    __atcp_cookie_v4_check(sec, now, T4_SADDR,
							   T4_DADDR,
							   T4_SPORT ^ flip,
							   T4_DPORT, isn,
							   cookie),
				    0, "sport bit %d", bit);
		KUNIT_EXPECT_EQ_MSG(test,
				    __atcp_cookie_v4_check(sec, now, T4_SADDR,
							   T4_DADDR, T4_SPORT,
							   T4_DPORT ^ flip,
							   isn, cookie),
				    0, "dport bit %d", bit);
	}
	/* Off by one: what an ACK that forgot the "- 1" would give. */
	KUNIT_EXPECT_EQ(test, check4(sec, now, isn, cookie + 1), 0);
	KUNIT_EXPECT_EQ(test, check4(sec, now, isn + 1, cookie), 0);
	/* The same connection seen from the other end. */
	KUNIT_EXPECT_EQ(test, __atcp_cookie_v4_check(sec, now, T4_DADDR,
						     T4_SADDR, T4_DPORT,
						     T4_SPORT, isn, cookie),
			0);
}

static void cookie_tamper_v6(struct kunit *test,
			     const struct atcp_cookie_secret *sec, u32 now,
			     u32 isn, u32 cookie, u16 mss)
{
	struct in6_addr a;
	int bit;

	KUNIT_EXPECT_EQ(test, check6(sec, now, isn, cookie), mss);

	for (bit = 0; bit < 32; bit++) {
		KUNIT_EXPECT_EQ_MSG(test,
				    check6(sec, now, isn, cookie ^ BIT(bit)),
				    0, "cookie bit %d", bit);
		KUNIT_EXPECT_EQ_MSG(test,
				    check6(sec, now, isn ^ BIT(bit), cookie),
				    0, "isn bit %d", bit);
	}
	for (bit = 0; bit < 128; bit++) {
		a = t6_saddr;
		a.s6_addr[bit / 8] ^= 1U << (bit % 8);
		KUNIT_EXPECT_EQ_MSG(test,
				    __atcp_cookie_v6_check(sec, now, &a,
							   &t6_daddr,
							   T6_SPORT, T6_DPORT,
							   isn, cookie),
				    0, "saddr bit %d", bit);
		a = t6_daddr;
		a.s6_addr[bit / 8] ^= 1U << (bit % 8);
		KUNIT_EXPECT_EQ_MSG(test,
				    __atcp_cookie_v6_check(sec, now,
							   &t6_saddr, &a,
							   T6_SPORT, T6_DPORT,
							   isn, cookie),
				    0, "daddr bit %d", bit);
	}
	for (bit = 0; bit < 16; bit++) {
		__be16 flip = htons(1U << bit);

		KUNIT_EXPECT_EQ_MSG(test,
				    __atcp_cookie_v6_check(sec, now,
							   &t6_saddr,
							   &t6_daddr,
							   T6_SPORT ^ flip,
							   T6_DPORT, isn,
							   cookie),
				    0, "sport bit %d", bit);
		KUNIT_EXPECT_EQ_MSG(test,
				    __atcp_cookie_v6_check(sec, now,
							   &t6_saddr,
							   &t6_daddr,
							   T6_SPORT,
							   T6_DPORT ^ flip,
							   isn, cookie),
				    0, "dport bit %d", bit);
	}
	KUNIT_EXPECT_EQ(test, __atcp_cookie_v6_check(sec, now, &t6_daddr,
						     &t6_saddr, T6_DPORT,
						     T6_SPORT, isn, cookie),
			0);
}

/*
 * Any change of the cookie, the client ISN or the 4-tuple is rejected, for
 * every MSS (the MSS index is authenticated), both in the cookie's own
 * count and in the next one, where the keys of both counts are live.
 */
static void atcp_cookie_test_tamper_v4(struct kunit *test)
{
	static const u32 tisns[] = { 0x01234567, 0, U32_MAX };
	static const u32 tcounts[] = { 77, 255 };
	int c, i, m;

	for (c = 0; c < ARRAY_SIZE(tcounts); c++) {
		u32 now = tcounts[c];
		struct atcp_cookie_secret *sec =
			cookie_secret_fixed(test, now, 4 + c);

		for (i = 0; i < ARRAY_SIZE(tisns); i++) {
			for (m = 0; m < ARRAY_SIZE(msstab_v4); m++) {
				u16 mss = msstab_v4[m];
				u32 k;

				k = mint4(sec, now, tisns[i], &mss);
				cookie_tamper_v4(test, sec, now, tisns[i], k,
						 msstab_v4[m]);
				cookie_tamper_v4(test, sec, now + 1, tisns[i],
						 k, msstab_v4[m]);
			}
		}
	}
}

static void atcp_cookie_test_tamper_v6(struct kunit *test)
{
	static const u32 tisns[] = { 0x89abcdef, 0, U32_MAX };
	static const u32 tcounts[] = { 77, 255 };
	int c, i, m;

	for (c = 0; c < ARRAY_SIZE(tcounts); c++) {
		u32 now = tcounts[c];
		struct atcp_cookie_secret *sec =
			cookie_secret_fixed(test, now, 6 + c);

		for (i = 0; i < ARRAY_SIZE(tisns); i++) {
			for (m = 0; m < ARRAY_SIZE(msstab_v6); m++) {
				u16 mss = msstab_v6[m];
				u32 k;

				k = mint6(sec, now, tisns[i], &mss);
				cookie_tamper_v6(test, sec, now, tisns[i], k,
						 msstab_v6[m]);
				cookie_tamper_v6(test, sec, now + 1, tisns[i],
						 k, msstab_v6[m]);
			}
		}
	}
}

/* A cookie made under one secret means nothing under another. */
static void atcp_cookie_test_secrets(struct kunit *test)
{
	struct atcp_cookie_secret *a = cookie_secret_fixed(test, 500, 1);
	struct atcp_cookie_secret *b = cookie_secret_fixed(test, 500, 2);
	int m;

	for (m = 0; m < ATCP_COOKIE_MSS_NUM; m++) {
		u16 mss4 = msstab_v4[m], mss6 = msstab_v6[m];
		u32 k4, k6;

		k4 = mint4(a, 500, 99, &mss4);
		k6 = mint6(a, 500, 99, &mss6);
		KUNIT_EXPECT_EQ(test, check4(a, 500, 99, k4), mss4);
		KUNIT_EXPECT_EQ(test, check4(b, 500, 99, k4), 0);
		KUNIT_EXPECT_EQ(test, check6(a, 500, 99, k6), mss6);
		KUNIT_EXPECT_EQ(test, check6(b, 500, 99, k6), 0);
	}
}

/*
 * Key rotation: a cookie stays valid across one rotation (its count's key
 * becomes the previous key) and dies at the second (that key is replaced),
 * even where the age check alone would still accept it.
 */
static void atcp_cookie_test_rotation(struct kunit *test)
{
	struct atcp_cookie_secret *sec = cookie_secret(test);
	const u32 c = 4000;
	u16 mss = 1460, m6 = 8940;
	u32 x, y, z, x6;

	/* A check draws no key: no key of c yet, so nothing is valid. */
	KUNIT_EXPECT_EQ(test, check4(sec, c, 5, 0x1234), 0);
	KUNIT_EXPECT_FALSE(test, sec->slot[0].live);
	KUNIT_EXPECT_FALSE(test, sec->slot[1].live);

	/* Minting at c draws the key of c. */
	x = mint4(sec, c, 5, &mss);
	x6 = mint6(sec, c, 5, &m6);
	KUNIT_EXPECT_TRUE(test, sec->slot[c & 1].live);
	KUNIT_EXPECT_EQ(test, sec->slot[c & 1].count, c);
	KUNIT_EXPECT_FALSE(test, sec->slot[(c + 1) & 1].live);

	/* First rotation: minting at c + 1 draws the key of c + 1. */
	y = mint4(sec, c + 1, 5, &mss);
	KUNIT_EXPECT_EQ(test, sec->slot[(c + 1) & 1].count, c + 1);
	KUNIT_EXPECT_EQ(test, sec->slot[c & 1].count, c);
	KUNIT_EXPECT_EQ(test, check4(sec, c + 1, 5, x), 1460);
	KUNIT_EXPECT_EQ(test, check6(sec, c + 1, 5, x6), 8940);
	KUNIT_EXPECT_EQ(test, check4(sec, c + 1, 5, y), 1460);

	/* A stale rotation (a CPU still at c) changes nothing. */
	atcp_cookie_rotate(sec, c - 1);
	atcp_cookie_rotate(sec, c);
	KUNIT_EXPECT_EQ(test, sec->slot[(c + 1) & 1].count, c + 1);
	KUNIT_EXPECT_EQ(test, check4(sec, c + 1, 5, x), 1460);
	KUNIT_EXPECT_EQ(test, check4(sec, c + 1, 5, y), 1460);

	/*
	 * Second rotation: minting at c + 2 replaces the key of c.  x is
	 * then refused even by a check that still believes the count is
	 * c + 1 (age 1, which the age check alone would accept); y, one
	 * rotation old, is still good.
	 */
	z = mint4(sec, c + 2, 5, &mss);
	KUNIT_EXPECT_EQ(test, sec->slot[c & 1].count, c + 2);
	KUNIT_EXPECT_EQ(test, check4(sec, c + 1, 5, x), 0);
	KUNIT_EXPECT_EQ(test, check6(sec, c + 1, 5, x6), 0);
	KUNIT_EXPECT_EQ(test, check4(sec, c + 2, 5, x), 0);
	KUNIT_EXPECT_EQ(test, check4(sec, c + 2, 5, y), 1460);
	KUNIT_EXPECT_EQ(test, check4(sec, c + 2, 5, z), 1460);

	/* Rotating again to the same count keeps its key. */
	atcp_cookie_rotate(sec, c + 2);
	KUNIT_EXPECT_EQ(test, check4(sec, c + 2, 5, z), 1460);

	/* Third rotation: y goes too; z survives it. */
	atcp_cookie_rotate(sec, c + 3);
	KUNIT_EXPECT_EQ(test, check4(sec, c + 2, 5, y), 0);
	KUNIT_EXPECT_EQ(test, check4(sec, c + 3, 5, z), 1460);
}

/* Encode the options at @now, check the TSval and decode them back. */
static void ts_roundtrip(struct kunit *test, u32 now, u8 ws, bool ws_ok,
			 bool sack)
{
	bool wok = !ws_ok, sok = !sack;
	u8 w = 0xaa;
	u32 ts;

	ts = atcp_cookie_ts_encode(now, ws, ws_ok, sack);
	/* Never ahead of the clock, less than one 64-tick block behind. */
	KUNIT_EXPECT_LT_MSG(test, now - ts, 64U, "now %#x ts %#x", now, ts);
	KUNIT_EXPECT_TRUE_MSG(test, atcp_cookie_ts_decode(ts, &w, &wok, &sok),
			      "ts %#x", ts);
	KUNIT_EXPECT_EQ_MSG(test, wok, ws_ok, "ts %#x", ts);
	KUNIT_EXPECT_EQ_MSG(test, sok, sack, "ts %#x", ts);
	KUNIT_EXPECT_EQ_MSG(test, w, ws_ok ? ws : 0, "ts %#x", ts);
}

/*
 * Timestamp options: every window scale 0..14, without window scaling,
 * with and without SACK, at every position of the clock in its 64-tick
 * block; the TSval never runs ahead of the clock nor 64 ticks behind it.
 */
static void atcp_cookie_test_ts(struct kunit *test)
{
	static const u32 bases[] = { 0, 0x12345600, 0x7fffffc0, 0xffffffc0 };
	int b, r, ws;

	for (b = 0; b < ARRAY_SIZE(bases); b++) {
		for (r = 0; r < 64; r++) {
			u32 now = bases[b] + r;

			for (ws = 0; ws <= 14; ws++) {
				ts_roundtrip(test, now, ws, true, false);
				ts_roundtrip(test, now, ws, true, true);
			}
			ts_roundtrip(test, now, 3, false, false);
			ts_roundtrip(test, now, 3, false, true);
		}
	}

	/* Nothing to gain: the clock already has the option bits. */
	KUNIT_EXPECT_EQ(test, atcp_cookie_ts_encode(0x1000 | 0x17, 7, true,
						    true), 0x1017U);
	/* The low bits would move forward: one block back instead. */
	KUNIT_EXPECT_EQ(test, atcp_cookie_ts_encode(0x1000 | 0x05, 7, true,
						    true), 0x0fd7U);
	KUNIT_EXPECT_EQ(test, atcp_cookie_ts_encode(0x03, 7, true, false),
			0xffffffc7U);
	/* No window scaling is wscale 0xf. */
	KUNIT_EXPECT_EQ(test, atcp_cookie_ts_encode(0x103f, 0, false, false),
			0x100fU);
}

/* Shifts above 14 count as 14; the reserved bit is refused. */
static void atcp_cookie_test_ts_limits(struct kunit *test)
{
	bool wok, sok;
	u8 w;
	u32 ts;

	ts = atcp_cookie_ts_encode(0x10000, 15, true, false);
	KUNIT_EXPECT_TRUE(test, atcp_cookie_ts_decode(ts, &w, &wok, &sok));
	KUNIT_EXPECT_TRUE(test, wok);
	KUNIT_EXPECT_EQ(test, w, 14);
	ts = atcp_cookie_ts_encode(0x10000, 255, true, true);
	KUNIT_EXPECT_TRUE(test, atcp_cookie_ts_decode(ts, &w, &wok, &sok));
	KUNIT_EXPECT_EQ(test, w, 14);
	KUNIT_EXPECT_TRUE(test, sok);

	KUNIT_EXPECT_FALSE(test, atcp_cookie_ts_decode(0x10000 | BIT(5), &w,
						       &wok, &sok));
	KUNIT_EXPECT_FALSE(test, atcp_cookie_ts_decode(0x10000 | BIT(5) | 3,
						       &w, &wok, &sok));
}

/*
 * The module's own secret, through the public API: round trip, tampering,
 * and the count is jiffies_64 / (60 * HZ).
 */
static void atcp_cookie_test_public(struct kunit *test)
{
	u64 j0, j1;
	u32 c, k4, k6;
	u16 mss4 = 1400, mss6 = 1500;

	j0 = get_jiffies_64();
	c = atcp_cookie_count();
	j1 = get_jiffies_64();
	KUNIT_EXPECT_GE(test, c, (u32)div_u64(j0, ATCP_COOKIE_PERIOD));
	KUNIT_EXPECT_LE(test, c, (u32)div_u64(j1, ATCP_COOKIE_PERIOD));

	k4 = atcp_cookie_v4_init(T4_SADDR, T4_DADDR, T4_SPORT, T4_DPORT,
				 0xdeadbeef, &mss4);
	k6 = atcp_cookie_v6_init(&t6_saddr, &t6_daddr, T6_SPORT, T6_DPORT,
				 0xdeadbeef, &mss6);
	KUNIT_EXPECT_EQ(test, mss4, 1300);
	KUNIT_EXPECT_EQ(test, mss6, 1440);
	KUNIT_EXPECT_EQ(test, atcp_cookie_v4_check(T4_SADDR, T4_DADDR,
						   T4_SPORT, T4_DPORT,
						   0xdeadbeef, k4), 1300);
	KUNIT_EXPECT_EQ(test, atcp_cookie_v6_check(&t6_saddr, &t6_daddr,
						   T6_SPORT, T6_DPORT,
						   0xdeadbeef, k6), 1440);
	KUNIT_EXPECT_EQ(test, atcp_cookie_v4_check(T4_SADDR, T4_DADDR,
						   T4_SPORT, T4_DPORT,
						   0xdeadbeef, k4 ^ 0x100), 0);
	KUNIT_EXPECT_EQ(test, atcp_cookie_v6_check(&t6_saddr, &t6_daddr,
						   T6_SPORT, T6_DPORT,
						   0xdeadbef0, k6), 0);
}

static struct kunit_case atcp_cookie_test_cases[] = {
	KUNIT_CASE(atcp_cookie_test_tables),
	KUNIT_CASE(atcp_cookie_test_roundtrip_v4),
	KUNIT_CASE(atcp_cookie_test_roundtrip_v6),
	KUNIT_CASE(atcp_cookie_test_mss_round),
	KUNIT_CASE(atcp_cookie_test_expiry),
	KUNIT_CASE(atcp_cookie_test_tamper_v4),
	KUNIT_CASE(atcp_cookie_test_tamper_v6),
	KUNIT_CASE(atcp_cookie_test_secrets),
	KUNIT_CASE(atcp_cookie_test_rotation),
	KUNIT_CASE(atcp_cookie_test_ts),
	KUNIT_CASE(atcp_cookie_test_ts_limits),
	KUNIT_CASE(atcp_cookie_test_public),
	{}
};

static struct kunit_suite atcp_cookie_test_suite = {
	.name = "atcp_syncookies",
	.test_cases = atcp_cookie_test_cases,
};

kunit_test_suite(atcp_cookie_test_suite);
