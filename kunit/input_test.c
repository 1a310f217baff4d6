// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for module/input.c: TCP option parsing (RFC 9293 section
 * 3.1, RFC 7323, RFC 2018), the header validation of received segments,
 * and the RTT sample the handshake gives the estimator.
 *
 * Headers are allocated at their exact size (doff * 4 bytes), so a parser
 * reading past the data offset is caught by KASAN, which fails the test.
 */
#include <kunit/test.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/net.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/net_namespace.h>
#include <net/tcp.h>

#include "atcp.h"

/* A TCP header followed by @optlen option bytes, doff set to cover them. */
static struct tcphdr *atcp_test_th(struct kunit *test, const u8 *opt,
				   size_t optlen)
{
	struct tcphdr *th;

	KUNIT_ASSERT_TRUE(test, optlen % 4 == 0 && optlen <= 40);
	th = kunit_kzalloc(test, sizeof(*th) + optlen, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, th);
	memcpy(th + 1, opt, optlen);
	th->doff = (sizeof(*th) + optlen) / 4;
	return th;
}

static void atcp_test_parse(struct kunit *test, const u8 *opt, size_t optlen,
			    struct atcp_opts *opts)
{
	atcp_parse_options(atcp_test_th(test, opt, optlen), opts);
}

/* No options: success, and every field zeroed whatever it held before. */
static void atcp_options_test_none(struct kunit *test)
{
	struct atcp_opts opts, zero = {};

	memset(&opts, 0xa5, sizeof(opts));
	atcp_test_parse(test, NULL, 0, &opts);
	KUNIT_EXPECT_EQ(test, memcmp(&opts, &zero, sizeof(opts)), 0);
}

/* Every known option in one 40-byte list, NOP padded. */
static void atcp_options_test_all(struct kunit *test)
{
	static const u8 opt[40] = {
		TCPOPT_MSS, TCPOLEN_MSS, 0x05, 0xb4,		/* 1460 */
		TCPOPT_NOP, TCPOPT_WINDOW, TCPOLEN_WINDOW, 7,
		TCPOPT_SACK_PERM, TCPOLEN_SACK_PERM,
		TCPOPT_TIMESTAMP, TCPOLEN_TIMESTAMP,
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
		TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK, 18,
		0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x20, 0x00,
		0xff, 0xff, 0xff, 0xf0, 0x00, 0x00, 0x00, 0x10,
	};
	struct atcp_opts opts;

	atcp_test_parse(test, opt, sizeof(opt), &opts);
	KUNIT_EXPECT_EQ(test, opts.mss, 1460);
	KUNIT_EXPECT_TRUE(test, opts.wscale_ok);
	KUNIT_EXPECT_EQ(test, opts.wscale, 7);
	KUNIT_EXPECT_TRUE(test, opts.sack_ok);
	KUNIT_EXPECT_TRUE(test, opts.ts_ok);
	KUNIT_EXPECT_EQ(test, opts.tsval, 0x11223344U);
	KUNIT_EXPECT_EQ(test, opts.tsecr, 0x55667788U);
	KUNIT_EXPECT_EQ(test, opts.num_sacks, 2);
	KUNIT_EXPECT_EQ(test, opts.sack[0].start, 0x1000U);
	KUNIT_EXPECT_EQ(test, opts.sack[0].end, 0x2000U);
	KUNIT_EXPECT_EQ(test, opts.sack[1].start, 0xfffffff0U);
	KUNIT_EXPECT_EQ(test, opts.sack[1].end, 0x10U);
}

/* SACK with 1, 2, 3 and 4 blocks (RFC 2018: length 2 + 8 * n). */
static void atcp_options_test_sack_blocks(struct kunit *test)
{
	u8 opt[36];
	int n, i;

	for (n = 1; n <= 4; n++) {
		size_t optlen = 4 + 8 * n;
		struct atcp_opts opts;

		opt[0] = TCPOPT_NOP;
		opt[1] = TCPOPT_NOP;
		opt[2] = TCPOPT_SACK;
		opt[3] = 2 + 8 * n;
		for (i = 0; i < n; i++) {
			put_unaligned_be32(0x80000000 + 100 * i, opt + 4 + 8 * i);
			put_unaligned_be32(0x80000000 + 100 * i + 50,
					   opt + 8 + 8 * i);
		}
		atcp_test_parse(test, opt, optlen, &opts);
		KUNIT_EXPECT_EQ_MSG(test, opts.num_sacks, n, "%d blocks", n);
		for (i = 0; i < n; i++) {
			KUNIT_EXPECT_EQ(test, opts.sack[i].start,
					0x80000000U + 100 * i);
			KUNIT_EXPECT_EQ(test, opts.sack[i].end,
					0x80000000U + 100 * i + 50);
		}
	}
}

/* A SACK option whose length is not 2 + 8 * n (n >= 1) is ignored. */
static void atcp_options_test_sack_bad_len(struct kunit *test)
{
	static const u8 base_only[4] = {
		TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK, 2,
	};
	static const u8 odd[16] = {
		TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK, 14,
		0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3,
	};
	struct atcp_opts opts;

	atcp_test_parse(test, base_only, sizeof(base_only), &opts);
	KUNIT_EXPECT_EQ(test, opts.num_sacks, 0);
	atcp_test_parse(test, odd, sizeof(odd), &opts);
	KUNIT_EXPECT_EQ(test, opts.num_sacks, 0);
}

/* EOL ends the list: what follows, even garbage, is not parsed. */
static void atcp_options_test_eol(struct kunit *test)
{
	static const u8 opt[16] = {
		TCPOPT_MSS, TCPOLEN_MSS, 0x05, 0xb4,
		TCPOPT_EOL,
		TCPOPT_WINDOW, TCPOLEN_WINDOW, 3,
		TCPOPT_SACK_PERM, TCPOLEN_SACK_PERM,
		TCPOPT_MSS, 0,				/* length 0 */
	};
	static const u8 first[8] = {
		TCPOPT_EOL, TCPOPT_MSS, TCPOLEN_MSS, 0x05, 0xb4, 0xfe, 0x01,
	};
	struct atcp_opts opts;

	atcp_test_parse(test, opt, sizeof(opt), &opts);
	KUNIT_EXPECT_EQ(test, opts.mss, 1460);
	KUNIT_EXPECT_FALSE(test, opts.wscale_ok);
	KUNIT_EXPECT_FALSE(test, opts.sack_ok);

	atcp_test_parse(test, first, sizeof(first), &opts);
	KUNIT_EXPECT_EQ(test, opts.mss, 0);
}

/* RFC 7323 section 2.3: a shift count above 14 is used as 14. */
static void atcp_options_test_wscale_clamp(struct kunit *test)
{
	static const struct {
		u8 shift;
		u8 expect;
	} cases[] = {
		{ 0, 0 }, { 1, 1 }, { 7, 7 }, { 14, 14 }, { 15, 14 },
		{ 16, 14 }, { 255, 14 },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		u8 opt[4] = { TCPOPT_NOP, TCPOPT_WINDOW, TCPOLEN_WINDOW,
			      cases[i].shift };
		struct atcp_opts opts;

		atcp_test_parse(test, opt, sizeof(opt), &opts);
		KUNIT_EXPECT_TRUE(test, opts.wscale_ok);
		KUNIT_EXPECT_EQ_MSG(test, opts.wscale, cases[i].expect,
				    "shift %u", cases[i].shift);
	}
}

/*
 * A known option with the wrong length is ignored, as Linux TCP does,
 * and parsing goes on past it.
 */
static void atcp_options_test_wrong_len(struct kunit *test)
{
	static const u8 opt[28] = {
		TCPOPT_MSS, 6, 0x05, 0xb4, 0x00, 0x00,
		TCPOPT_SACK_PERM, 4, 0x00, 0x00,
		TCPOPT_TIMESTAMP, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
		TCPOPT_WINDOW, TCPOLEN_WINDOW, 5,
		TCPOPT_NOP, TCPOPT_NOP, TCPOPT_NOP,
	};
	static const u8 ws4[4] = { TCPOPT_WINDOW, 4, 7, 0 };
	static const u8 mss3[4] = { TCPOPT_MSS, 3, 0x05, TCPOPT_NOP };
	struct atcp_opts opts;

	atcp_test_parse(test, opt, sizeof(opt), &opts);
	KUNIT_EXPECT_EQ(test, opts.mss, 0);
	KUNIT_EXPECT_FALSE(test, opts.sack_ok);
	KUNIT_EXPECT_FALSE(test, opts.ts_ok);
	KUNIT_EXPECT_EQ(test, opts.tsval, 0U);
	KUNIT_EXPECT_TRUE(test, opts.wscale_ok);
	KUNIT_EXPECT_EQ(test, opts.wscale, 5);

	atcp_test_parse(test, ws4, sizeof(ws4), &opts);
	KUNIT_EXPECT_FALSE(test, opts.wscale_ok);
	atcp_test_parse(test, mss3, sizeof(mss3), &opts);
	KUNIT_EXPECT_EQ(test, opts.mss, 0);
}

/* Unknown kinds are skipped by their length. */
static void atcp_options_test_unknown(struct kunit *test)
{
	static const u8 opt[16] = {
		0xfe, 6, 0xaa, 0xbb, 0xcc, 0xdd,	/* experimental */
		30, 2,					/* MPTCP, empty */
		TCPOPT_MSS, TCPOLEN_MSS, 0x02, 0x18,	/* 536 */
		0x63, 4, TCPOPT_MSS, 0,			/* body is not parsed */
	};
	struct atcp_opts opts;

	atcp_test_parse(test, opt, sizeof(opt), &opts);
	KUNIT_EXPECT_EQ(test, opts.mss, 536);
}

/* Bytes past the data offset are payload, never options. */
static void atcp_options_test_doff_bound(struct kunit *test)
{
	static const u8 bytes[8] = {
		TCPOPT_NOP, TCPOPT_NOP, TCPOPT_NOP, TCPOPT_NOP,
		TCPOPT_MSS, TCPOLEN_MSS, 0x05, 0xb4,
	};
	struct atcp_opts opts;
	struct tcphdr *th;

	th = atcp_test_th(test, bytes, sizeof(bytes));
	th->doff = 6;
	atcp_parse_options(th, &opts);
	KUNIT_EXPECT_EQ(test, opts.mss, 0);
}

/*
 * Malformed lists: option length 0 or 1, or past the header.  As in
 * tcp_parse_options(), parsing stops there and what came before counts:
 * the MSS of the last two cases, nothing in the others (an MSS or a
 * timestamp that does not fit is not read).
 */
static void atcp_options_test_malformed(struct kunit *test)
{
	static const struct {
		const char *what;
		u8 opt[12];
		u8 len;
		u16 mss;
	} cases[] = {
		{ "length 0", { TCPOPT_MSS, 0, 0, 0 }, 4 },
		{ "unknown length 0", { TCPOPT_NOP, 0x63, 0, 0 }, 4 },
		{ "length 1", { TCPOPT_NOP, TCPOPT_NOP, 0x63, 1 }, 4 },
		{ "known length 1", { TCPOPT_MSS, 1, TCPOPT_NOP, TCPOPT_NOP }, 4 },
		{ "MSS past doff",
		  { TCPOPT_NOP, TCPOPT_NOP, TCPOPT_MSS, TCPOLEN_MSS }, 4 },
		{ "TS past doff",
		  { TCPOPT_TIMESTAMP, TCPOLEN_TIMESTAMP, 1, 2, 3, 4, 5, 6 }, 8 },
		{ "unknown length 255",
		  { TCPOPT_NOP, 0x63, 255, 0, 0, 0, 0, 0 }, 8 },
		{ "SACK past doff",
		  { TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK, 10, 0, 0, 0, 1 }, 8 },
		{ "lone kind byte",
		  { TCPOPT_NOP, TCPOPT_NOP, TCPOPT_NOP, TCPOPT_MSS }, 4 },
		{ "lone unknown kind",
		  { TCPOPT_MSS, TCPOLEN_MSS, 0x05, 0xb4,
		    TCPOPT_NOP, TCPOPT_NOP, TCPOPT_NOP, 0x63 }, 8, 1460 },
		{ "valid then length 0",
		  { TCPOPT_MSS, TCPOLEN_MSS, 0x05, 0xb4,
		    TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK_PERM, 0 }, 8, 1460 },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct atcp_opts opts;

		memset(&opts, 0xa5, sizeof(opts));
		atcp_test_parse(test, cases[i].opt, cases[i].len, &opts);
		KUNIT_EXPECT_EQ_MSG(test, opts.mss, cases[i].mss, "%s",
				    cases[i].what);
		KUNIT_EXPECT_FALSE_MSG(test, opts.ts_ok || opts.sack_ok ||
				       opts.wscale_ok || opts.num_sacks,
				       "%s", cases[i].what);
	}
}

/* Trailing NOPs (no kind/length pair) are well formed. */
static void atcp_options_test_trailing_nop(struct kunit *test)
{
	static const u8 opt[8] = {
		TCPOPT_MSS, TCPOLEN_MSS, 0x05, 0xb4,
		TCPOPT_NOP, TCPOPT_NOP, TCPOPT_NOP, TCPOPT_NOP,
	};
	struct atcp_opts opts;

	atcp_test_parse(test, opt, sizeof(opt), &opts);
	KUNIT_EXPECT_EQ(test, opts.mss, 1460);
}

static struct kunit_case atcp_options_test_cases[] = {
	KUNIT_CASE(atcp_options_test_none),
	KUNIT_CASE(atcp_options_test_all),
	KUNIT_CASE(atcp_options_test_sack_blocks),
	KUNIT_CASE(atcp_options_test_sack_bad_len),
	KUNIT_CASE(atcp_options_test_eol),
	KUNIT_CASE(atcp_options_test_wscale_clamp),
	KUNIT_CASE(atcp_options_test_wrong_len),
	KUNIT_CASE(atcp_options_test_unknown),
	KUNIT_CASE(atcp_options_test_doff_bound),
	KUNIT_CASE(atcp_options_test_malformed),
	KUNIT_CASE(atcp_options_test_trailing_nop),
	{}
};

static struct kunit_suite atcp_options_test_suite = {
	.name = "atcp_options",
	.test_cases = atcp_options_test_cases,
};

/*
 * A linear skb holding @len bytes: a header with data offset @doff (when
 * @len covers the fixed header), NOP options up to the offset, then a
 * payload pattern.
 */
static struct sk_buff *atcp_test_skb(struct kunit *test, unsigned int len,
				     unsigned int doff)
{
	unsigned int hlen = max_t(unsigned int, doff * 4, sizeof(struct tcphdr));
	struct sk_buff *skb;
	struct tcphdr *th;
	u8 *data;

	skb = alloc_skb(max(len, 1U), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, skb);
	data = skb_put_zero(skb, len);
	if (len > hlen)
		memset(data + hlen, 0x5a, len - hlen);
	if (len < sizeof(*th))
		return skb;
	memset(data + sizeof(*th), TCPOPT_NOP, min(len, hlen) - sizeof(*th));
	th = (struct tcphdr *)data;
	th->source = htons(40000);
	th->dest = htons(80);
	th->doff = doff;
	th->syn = 1;
	return skb;
}

static void atcp_hdr_check_expect(struct kunit *test, unsigned int len,
				  unsigned int doff, int expect)
{
	struct sk_buff *skb = atcp_test_skb(test, len, doff);
	const void *data = skb->data;

	KUNIT_EXPECT_EQ_MSG(test, atcp_hdr_check(skb), expect,
			    "len %u doff %u", len, doff);
	/* Validation never consumes the header. */
	KUNIT_EXPECT_PTR_EQ(test, (const void *)skb->data, data);
	KUNIT_EXPECT_EQ(test, skb->len, len);
	kfree_skb(skb);
}

static void atcp_hdr_check_test_short(struct kunit *test)
{
	atcp_hdr_check_expect(test, 0, 0, -EINVAL);
	atcp_hdr_check_expect(test, 1, 0, -EINVAL);
	atcp_hdr_check_expect(test, 19, 0, -EINVAL);
}

static void atcp_hdr_check_test_doff_small(struct kunit *test)
{
	unsigned int doff;

	for (doff = 0; doff < 5; doff++) {
		atcp_hdr_check_expect(test, 20, doff, -EINVAL);
		atcp_hdr_check_expect(test, 60, doff, -EINVAL);
	}
}

static void atcp_hdr_check_test_doff_past_end(struct kunit *test)
{
	atcp_hdr_check_expect(test, 20, 6, -EINVAL);
	atcp_hdr_check_expect(test, 23, 6, -EINVAL);
	atcp_hdr_check_expect(test, 59, 15, -EINVAL);
	atcp_hdr_check_expect(test, 40, 15, -EINVAL);
}

static void atcp_hdr_check_test_valid(struct kunit *test)
{
	atcp_hdr_check_expect(test, 20, 5, 0);
	atcp_hdr_check_expect(test, 24, 6, 0);
	atcp_hdr_check_expect(test, 60, 15, 0);
	atcp_hdr_check_expect(test, 32 + 100, 8, 0);
	atcp_hdr_check_expect(test, 60 + 1, 15, 0);
}

/*
 * Options in a page fragment: the check makes the whole header linear,
 * so the option parser may read it through skb->data.
 */
static void atcp_hdr_check_test_nonlinear(struct kunit *test)
{
	static const u8 opt[12] = {
		TCPOPT_MSS, TCPOLEN_MSS, 0x05, 0xb4,
		TCPOPT_NOP, TCPOPT_WINDOW, TCPOLEN_WINDOW, 7,
		TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK_PERM, TCPOLEN_SACK_PERM,
	};
	unsigned int paylen = 100, doff = 8;
	struct atcp_opts opts;
	struct sk_buff *skb;
	struct page *page;
	struct tcphdr *th;

	skb = alloc_skb(sizeof(*th), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, skb);
	page = alloc_page(GFP_KERNEL);
	if (!page) {
		kfree_skb(skb);
		KUNIT_FAIL(test, "no page");
		return;
	}
	th = skb_put_zero(skb, sizeof(*th));
	th->doff = doff;
	memcpy(page_address(page), opt, sizeof(opt));
	memset(page_address(page) + sizeof(opt), 0x5a, paylen);
	skb_add_rx_frag(skb, 0, page, 0, sizeof(opt) + paylen, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, skb_headlen(skb), 20U);

	KUNIT_EXPECT_EQ(test, atcp_hdr_check(skb), 0);
	KUNIT_EXPECT_GE(test, skb_headlen(skb), doff * 4);
	KUNIT_EXPECT_EQ(test, skb->len, doff * 4 + paylen);
	th = (struct tcphdr *)skb->data;
	atcp_parse_options(th, &opts);
	KUNIT_EXPECT_EQ(test, opts.mss, 1460);
	KUNIT_EXPECT_EQ(test, opts.wscale, 7);
	KUNIT_EXPECT_TRUE(test, opts.sack_ok);

	/* And a data offset beyond the whole (paged) packet still fails. */
	th->doff = 15;
	KUNIT_EXPECT_EQ(test, pskb_trim(skb, 40), 0);
	KUNIT_EXPECT_EQ(test, atcp_hdr_check(skb), -EINVAL);
	kfree_skb(skb);
}

static struct kunit_case atcp_hdr_check_test_cases[] = {
	KUNIT_CASE(atcp_hdr_check_test_short),
	KUNIT_CASE(atcp_hdr_check_test_doff_small),
	KUNIT_CASE(atcp_hdr_check_test_doff_past_end),
	KUNIT_CASE(atcp_hdr_check_test_valid),
	KUNIT_CASE(atcp_hdr_check_test_nonlinear),
	{}
};

static struct kunit_suite atcp_hdr_check_test_suite = {
	.name = "atcp_hdr_check",
	.test_cases = atcp_hdr_check_test_cases,
};

/*
 * atcp_handshake_rtt() on a real, never connected ATCP socket whose
 * estimator is fresh, as atcp_init_transfer() leaves it.  init_net's
 * rto_min_ms is the default 200 ms; timestamps tick in milliseconds.
 */
static int atcp_hs_rtt_test_init(struct kunit *test)
{
	struct atcp_sock *as;
	struct socket *sock;
	int err;

	err = sock_create_kern(&init_net, PF_INET, SOCK_STREAM, IPPROTO_ATCP,
			       &sock);
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "ATCP socket (is atcp.ko loaded?)");
	test->priv = sock;
	as = atcp_sk(sock->sk);
	atcp_rtt_init(&as->rtt);
	as->rto = as->rtt.rto;
	as->cc.cwnd = 10;
	as->ts_ok = 1;
	as->ts_offset = 0;
	return 0;
}

static void atcp_hs_rtt_test_exit(struct kunit *test)
{
	sock_release(test->priv);
}

static struct sock *atcp_hs_rtt_test_sk(struct kunit *test)
{
	return ((struct socket *)test->priv)->sk;
}

/* SRTT within [@min_us, @min_us + 100 ms] (a slow VM may lag). */
static void atcp_hs_rtt_expect_srtt(struct kunit *test, u32 min_us)
{
	u32 srtt = atcp_sk(atcp_hs_rtt_test_sk(test))->rtt.srtt_us;

	KUNIT_EXPECT_GE(test, srtt, min_us);
	KUNIT_EXPECT_LE(test, srtt, min_us + 100 * USEC_PER_MSEC);
}

/* A SYN sent once, 300 ms ago: SRTT 300 ms, RTO 300 + 4 * 150 ms. */
static void atcp_hs_rtt_test_send_time(struct kunit *test)
{
	struct sock *sk = atcp_hs_rtt_test_sk(test);
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_opts opts = {};

	atcp_handshake_rtt(sk, atcp_clock_us() - 300 * USEC_PER_MSEC, 0,
			   &opts);
	atcp_hs_rtt_expect_srtt(test, 300 * USEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, as->rto, as->rtt.rto);
	KUNIT_EXPECT_GE(test, as->rto, msecs_to_jiffies(900));
	KUNIT_EXPECT_LE(test, as->rto, msecs_to_jiffies(1400));
	KUNIT_EXPECT_EQ(test, as->cc.cwnd, 10U);
}

/* A short handshake: the RTO is rto_min, far below the initial 1 s. */
static void atcp_hs_rtt_test_rto_min(struct kunit *test)
{
	struct sock *sk = atcp_hs_rtt_test_sk(test);
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_opts opts = {};

	atcp_handshake_rtt(sk, atcp_clock_us() - 1000, 0, &opts);
	KUNIT_EXPECT_EQ(test, as->rto, msecs_to_jiffies(200));
}

/* Karn: a send time with a retransmission is not used; the echo is. */
static void atcp_hs_rtt_test_karn_ts(struct kunit *test)
{
	struct sock *sk = atcp_hs_rtt_test_sk(test);
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_opts opts = { .ts_ok = true };

	opts.tsecr = atcp_clock_ms() - 120;
	atcp_handshake_rtt(sk, atcp_clock_us() - 5 * USEC_PER_SEC, 1,
			   &opts);
	atcp_hs_rtt_expect_srtt(test, 120 * USEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, as->cc.cwnd, 10U);
}

/* Retransmitted, no timestamps: no sample, RTO 3 s (RFC 6298 5.7). */
static void atcp_hs_rtt_test_fallback(struct kunit *test)
{
	struct sock *sk = atcp_hs_rtt_test_sk(test);
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_opts opts = {};

	atcp_handshake_rtt(sk, atcp_clock_us() - 5 * USEC_PER_SEC, 1,
			   &opts);
	KUNIT_EXPECT_EQ(test, as->rtt.srtt_us, 0U);
	KUNIT_EXPECT_EQ(test, as->rto, 3U * HZ);
	KUNIT_EXPECT_EQ(test, as->cc.cwnd, 10U);
}

/* Two retransmissions: the data starts with one segment. */
static void atcp_hs_rtt_test_cwnd_one(struct kunit *test)
{
	struct sock *sk = atcp_hs_rtt_test_sk(test);
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_opts opts = { .ts_ok = true };

	opts.tsecr = atcp_clock_ms() - 50;
	atcp_handshake_rtt(sk, 0, 2, &opts);
	atcp_hs_rtt_expect_srtt(test, 50 * USEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, as->cc.cwnd, 1U);
}

/* Echoes we never sent (from the future, or ages old): no sample. */
static void atcp_hs_rtt_test_bad_echo(struct kunit *test)
{
	struct sock *sk = atcp_hs_rtt_test_sk(test);
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_opts opts = { .ts_ok = true };

	opts.tsecr = atcp_clock_ms() + 5000;
	atcp_handshake_rtt(sk, 0, 0, &opts);
	opts.tsecr = atcp_clock_ms() - 200 * MSEC_PER_SEC;
	atcp_handshake_rtt(sk, 0, 0, &opts);
	KUNIT_EXPECT_EQ(test, as->rtt.srtt_us, 0U);
	KUNIT_EXPECT_EQ(test, as->rto, (u32)ATCP_TIMEOUT_INIT);
	/* ... nor when this end does not use timestamps. */
	as->ts_ok = 0;
	opts.tsecr = atcp_clock_ms() - 50;
	atcp_handshake_rtt(sk, 0, 0, &opts);
	KUNIT_EXPECT_EQ(test, as->rtt.srtt_us, 0U);
}

static struct kunit_case atcp_hs_rtt_test_cases[] = {
	KUNIT_CASE(atcp_hs_rtt_test_send_time),
	KUNIT_CASE(atcp_hs_rtt_test_rto_min),
	KUNIT_CASE(atcp_hs_rtt_test_karn_ts),
	KUNIT_CASE(atcp_hs_rtt_test_fallback),
	KUNIT_CASE(atcp_hs_rtt_test_cwnd_one),
	KUNIT_CASE(atcp_hs_rtt_test_bad_echo),
	{}
};

static struct kunit_suite atcp_hs_rtt_test_suite = {
	.name = "atcp_handshake_rtt",
	.init = atcp_hs_rtt_test_init,
	.exit = atcp_hs_rtt_test_exit,
	.test_cases = atcp_hs_rtt_test_cases,
};

/*
 * atcp_paws_reject() on a real ATCP socket set up as a synchronized
 * connection: RCV.NXT 1000, SND.UNA 5000, send window 65535 last updated
 * by (1000, 5000), TS.Recent 100000 set now, RTO 200 ms.
 */
#define PAWS_RCV_NXT	1000U
#define PAWS_SND_UNA	5000U
#define PAWS_WND	65535U
#define PAWS_TS_RECENT	100000U

static int atcp_paws_test_init(struct kunit *test)
{
	struct atcp_sock *as;
	int err;

	err = atcp_hs_rtt_test_init(test);
	if (err)
		return err;
	as = atcp_sk(atcp_hs_rtt_test_sk(test));
	as->rcv_nxt = PAWS_RCV_NXT;
	as->snd_una = PAWS_SND_UNA;
	as->snd_wnd = PAWS_WND;
	as->snd_wscale = 0;
	as->snd_wl1 = PAWS_RCV_NXT;
	as->snd_wl2 = PAWS_SND_UNA;
	as->ts_recent = PAWS_TS_RECENT;
	as->ts_recent_stamp = ktime_get_seconds();
	as->rto = msecs_to_jiffies(200);
	return 0;
}

/*
 * Does PAWS reject a segment with these fields, TSval @tsval?  @len bytes
 * of payload (after a bare 20-byte header), flags as tcp_flag_byte().
 */
static bool atcp_paws_test(struct kunit *test, u8 flags, u32 seq, u32 len,
			   u32 ack, u16 wnd, u32 tsval)
{
	struct atcp_opts opts = { .ts_ok = 1, .tsval = tsval, .tsecr = 1 };
	struct sk_buff *skb = atcp_test_skb(test, sizeof(struct tcphdr) + len,
					    5);
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	struct tcphdr *th;
	bool reject;

	skb_reset_transport_header(skb);
	th = tcp_hdr(skb);
	tcp_flag_byte(th) = flags;
	th->window = htons(wnd);
	cb->seq = seq;
	cb->end_seq = seq + len + !!(flags & TCPHDR_FIN);
	cb->ack_seq = ack;
	reject = atcp_paws_reject(atcp_hs_rtt_test_sk(test), skb, &opts);
	kfree_skb(skb);
	return reject;
}

/* A TSval equal to or above TS.Recent, or one tick below it, passes. */
static void atcp_paws_test_fresh(struct kunit *test)
{
	const u8 a = TCPHDR_ACK;

	KUNIT_EXPECT_FALSE(test, atcp_paws_test(test, a, PAWS_RCV_NXT, 100,
						PAWS_SND_UNA, PAWS_WND,
						PAWS_TS_RECENT));
	KUNIT_EXPECT_FALSE(test, atcp_paws_test(test, a, PAWS_RCV_NXT, 100,
						PAWS_SND_UNA, PAWS_WND,
						PAWS_TS_RECENT + 5));
	KUNIT_EXPECT_FALSE(test, atcp_paws_test(test, a, PAWS_RCV_NXT, 100,
						PAWS_SND_UNA, PAWS_WND,
						PAWS_TS_RECENT - 1));
	/* Across the 32-bit wrap, "newer" is modular. */
	atcp_sk(atcp_hs_rtt_test_sk(test))->ts_recent = 0xfffffff0;
	KUNIT_EXPECT_FALSE(test, atcp_paws_test(test, a, PAWS_RCV_NXT, 100,
						PAWS_SND_UNA, PAWS_WND, 0x10));
}

/* Data with an older TSval is an old duplicate: rejected. */
static void atcp_paws_test_old_data(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, atcp_paws_test(test, TCPHDR_ACK, PAWS_RCV_NXT,
					       100, PAWS_SND_UNA, PAWS_WND,
					       PAWS_TS_RECENT - 2));
	KUNIT_EXPECT_TRUE(test, atcp_paws_test(test, TCPHDR_ACK | TCPHDR_FIN,
					       PAWS_RCV_NXT, 0, PAWS_SND_UNA,
					       PAWS_WND, PAWS_TS_RECENT - 50));
}

/*
 * A duplicate ACK that reordering delayed (tcp_disordered_ack()) passes
 * while its TSval is within an RTO of TS.Recent, and only if it is a pure
 * ACK at RCV.NXT, of SND.UNA, not changing the window.
 */
static void atcp_paws_test_disordered_ack(struct kunit *test)
{
	struct atcp_sock *as = atcp_sk(atcp_hs_rtt_test_sk(test));
	const u8 a = TCPHDR_ACK;
	const u32 old = PAWS_TS_RECENT - 150;

	KUNIT_EXPECT_FALSE(test, atcp_paws_test(test, a, PAWS_RCV_NXT, 0,
						PAWS_SND_UNA, PAWS_WND, old));
	/* Older than the RTO (200 ms of millisecond ticks). */
	KUNIT_EXPECT_TRUE(test, atcp_paws_test(test, a, PAWS_RCV_NXT, 0,
					       PAWS_SND_UNA, PAWS_WND,
					       PAWS_TS_RECENT - 250));
	/* It acknowledges new data. */
	KUNIT_EXPECT_TRUE(test, atcp_paws_test(test, a, PAWS_RCV_NXT, 0,
					       PAWS_SND_UNA + 10, PAWS_WND,
					       old));
	/* It carries data, or sits elsewhere than RCV.NXT. */
	KUNIT_EXPECT_TRUE(test, atcp_paws_test(test, a, PAWS_RCV_NXT, 10,
					       PAWS_SND_UNA, PAWS_WND, old));
	KUNIT_EXPECT_TRUE(test, atcp_paws_test(test, a, PAWS_RCV_NXT + 10, 0,
					       PAWS_SND_UNA, PAWS_WND, old));
	/* It changes the window, and the update rule takes it (WL1, WL2). */
	KUNIT_EXPECT_TRUE(test, atcp_paws_test(test, a, PAWS_RCV_NXT, 0,
					       PAWS_SND_UNA, PAWS_WND - 100,
					       old));
	/* A different window the update rule would not take: still fine. */
	as->snd_wl1 = PAWS_RCV_NXT + 1;
	KUNIT_EXPECT_FALSE(test, atcp_paws_test(test, a, PAWS_RCV_NXT, 0,
						PAWS_SND_UNA, PAWS_WND - 100,
						old));
}

/* RST is never rejected; neither is anything once TS.Recent is stale. */
static void atcp_paws_test_exempt(struct kunit *test)
{
	struct atcp_sock *as = atcp_sk(atcp_hs_rtt_test_sk(test));

	KUNIT_EXPECT_FALSE(test, atcp_paws_test(test, TCPHDR_RST, PAWS_RCV_NXT,
						0, 0, 0, PAWS_TS_RECENT - 1000));
	as->ts_recent_stamp = ktime_get_seconds() - 24 * 24 * 3600;
	KUNIT_EXPECT_FALSE(test, atcp_paws_test(test, TCPHDR_ACK, PAWS_RCV_NXT,
						100, PAWS_SND_UNA, PAWS_WND,
						PAWS_TS_RECENT - 1000));
	/* Without timestamps on the connection there is no PAWS. */
	as->ts_recent_stamp = ktime_get_seconds();
	as->ts_ok = 0;
	KUNIT_EXPECT_FALSE(test, atcp_paws_test(test, TCPHDR_ACK, PAWS_RCV_NXT,
						100, PAWS_SND_UNA, PAWS_WND,
						PAWS_TS_RECENT - 1000));
}

static struct kunit_case atcp_paws_test_cases[] = {
	KUNIT_CASE(atcp_paws_test_fresh),
	KUNIT_CASE(atcp_paws_test_old_data),
	KUNIT_CASE(atcp_paws_test_disordered_ack),
	KUNIT_CASE(atcp_paws_test_exempt),
	{}
};

static struct kunit_suite atcp_paws_test_suite = {
	.name = "atcp_paws",
	.init = atcp_paws_test_init,
	.exit = atcp_hs_rtt_test_exit,
	.test_cases = atcp_paws_test_cases,
};

kunit_test_suites(&atcp_options_test_suite, &atcp_hdr_check_test_suite,
		  &atcp_hs_rtt_test_suite, &atcp_paws_test_suite);
