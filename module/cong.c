// SPDX-License-Identifier: GPL-2.0
/*
 * ATCP congestion control: NewReno (RFC 5681) and CUBIC (RFC 9438), as
 * pure arithmetic on struct atcp_cc.  Windows are in segments.
 *
 * The caller (the ACK path) calls ->cong_avoid() for newly acknowledged
 * segments when the sender is cwnd-limited and not in loss recovery, and
 * ->ssthresh() once per congestion event (fast retransmit or RTO); it sets
 * cwnd itself from the value returned.  Both algorithms share RFC 5681 slow
 * start while cwnd < ssthresh.
 *
 * NewReno congestion avoidance adds one segment per cwnd segments ACKed
 * (cwnd_cnt counts them, as Linux's tcp_cong_avoid_ai()), and a congestion
 * event halves the window: ssthresh = max(cwnd / 2, 2).  RFC 5681 halves
 * FlightSize; the callers are cwnd-limited, so the two are close.
 *
 * CUBIC (RFC 9438 section 4) grows the window along
 *
 *	W_cubic(t) = C * (t - K)^3 + W_max,	K = cbrt((W_max - cwnd_epoch) / C)
 *
 * with C = 0.4 segments/s^3 and t the time since the congestion avoidance
 * stage ("epoch") began; cwnd_epoch is cwnd at that moment.  Each ACK moves
 * cwnd toward target = W_cubic(t + RTT), clamped to [cwnd, 1.5 * cwnd]: one
 * segment per cnt = cwnd / (target - cwnd) segments ACKed, which is the RFC's
 * "(target - cwnd) / cwnd per ACK".  Below W_max (t < K) the curve is
 * concave, above it convex.  Alongside, W_est estimates the window Reno
 * would have (section 4.3): it starts at cwnd_epoch and grows by
 * alpha_cubic * acked / cwnd, alpha_cubic = 3 * (1 - beta) / (1 + beta) =
 * 9 / 17, and 1 once W_est has reached cwnd_prior.  cwnd grows toward
 * whichever of the two is larger, as Linux's bictcp_update() does; where
 * W_est is the larger (short RTTs, small windows) CUBIC behaves like Reno.
 *
 * A congestion event (section 4.6, 4.7) sets ssthresh = max(0.7 * cwnd, 2),
 * remembers cwnd_prior = cwnd and W_max = cwnd, or with fast convergence
 * W_max = cwnd * (1 + beta) / 2 when cwnd has not regained the previous
 * W_max, and ends the epoch; the next ->cong_avoid() in congestion
 * avoidance starts a new one at the window it finds.
 *
 * All arithmetic is integer.  Time is in milliseconds: C * dt^3 with dt in
 * ms is dt^3 / 2.5e9 segments, and K in ms is the cube root of
 * (W_max - cwnd_epoch) * 2.5e9, taken exactly by the binary digit-by-digit
 * method.  W_est is fixed point (segments << 10) with the remainder of each
 * increment carried to the next ACK.
 *
 * Not implemented: HyStart (slow start ends only at ssthresh or a loss),
 * shifting the epoch over idle periods, and the RFC 9438 4.8 rule that the
 * first epoch after an RTO uses K = 0 (->ssthresh() cannot tell an RTO from
 * a fast retransmit; after an RTO the curve starts from the reduced W_max).
 */
#include <linux/bits.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/string.h>

#include "compat.h"
#include "cong.h"

/* Largest cwnd: cwnd + acked and cwnd * 3 / 2 stay well within 64 bits. */
#define ATCP_CWND_MAX		ATCP_INFINITE_SSTHRESH

/* RFC 9438 4.6: beta_cubic = 0.7. */
#define CUBIC_BETA_NUM		7U
#define CUBIC_BETA_DEN		10U
/* RFC 9438 4.3: alpha_cubic = 3 * (1 - beta_cubic) / (1 + beta_cubic). */
#define CUBIC_ALPHA_NUM		(3 * (CUBIC_BETA_DEN - CUBIC_BETA_NUM))
#define CUBIC_ALPHA_DEN		(CUBIC_BETA_DEN + CUBIC_BETA_NUM)
/* RFC 9438 5.1: C = 0.4 segments/s^3, i.e. 1 segment per 2.5e9 ms^3. */
#define CUBIC_MS3_PER_SEGMENT	2500000000ULL
/* Fixed point of w_est. */
#define CUBIC_W_SHIFT		10
/* |t - K| is capped at 2^20 ms (17 min) so that its cube fits in 64 bits. */
#define CUBIC_OFFS_MAX		BIT_ULL(20)
/* cnt when the window must not grow (target <= cwnd). */
#define CUBIC_CNT_NONE		U32_MAX

static void atcp_cwnd_add(struct atcp_cc *cc, u64 n)
{
	cc->cwnd = min_t(u64, (u64)cc->cwnd + n, ATCP_CWND_MAX);
}

/*
 * RFC 5681 3.1 slow start, counting ACKed segments (RFC 3465 byte counting
 * without the limit L, as Linux): cwnd grows by @acked but stops at
 * ssthresh.  Returns the part of @acked left for congestion avoidance.
 */
static u32 atcp_slow_start(struct atcp_cc *cc, u32 acked)
{
	u32 n = min(acked, cc->ssthresh - cc->cwnd);

	atcp_cwnd_add(cc, n);
	return acked - n;
}

/*
 * Additive increase: one segment for every @w segments ACKed, counted in
 * cwnd_cnt; a stretch ACK can add several.  Credit left over from a larger
 * @w is applied as one segment first, as tcp_cong_avoid_ai() does.
 */
static void atcp_cong_avoid_ai(struct atcp_cc *cc, u32 w, u32 acked)
{
	u32 delta;

	w = max(w, 1U);
	if (cc->cwnd_cnt >= w) {
		cc->cwnd_cnt = 0;
		atcp_cwnd_add(cc, 1);
	}
	cc->cwnd_cnt = min_t(u64, (u64)cc->cwnd_cnt + acked, U32_MAX);
	if (cc->cwnd_cnt >= w) {
		delta = cc->cwnd_cnt / w;
		cc->cwnd_cnt -= delta * w;
		atcp_cwnd_add(cc, delta);
	}
}

static void atcp_cc_init(struct atcp_cc *cc)
{
	memset(cc, 0, sizeof(*cc));
	cc->cwnd = ATCP_INIT_CWND;
	cc->ssthresh = ATCP_INFINITE_SSTHRESH;
}

static void atcp_reno_cong_avoid(struct atcp_cc *cc, u32 acked, u32 now_ms,
				 u32 min_rtt_us)
{
	if (cc->cwnd < cc->ssthresh) {
		acked = atcp_slow_start(cc, acked);
		if (!acked)
			return;
	}
	/* RFC 5681 3.1 congestion avoidance: about one segment per RTT. */
	atcp_cong_avoid_ai(cc, cc->cwnd, acked);
}

/* RFC 5681 (4): ssthresh = max(FlightSize / 2, 2 * SMSS), with cwnd. */
static u32 atcp_reno_ssthresh(struct atcp_cc *cc)
{
	cc->cwnd_cnt = 0;
	return max(cc->cwnd / 2, 2U);
}

/**
 * DOC: atcp_reno
 *
 * NewReno congestion control (RFC 5681), named "reno": slow start,
 * congestion avoidance of one segment per window of ACKed segments, and
 * ssthresh = max(cwnd / 2, 2) on a congestion event.
 */
const struct atcp_cong_ops atcp_reno = {
	.name		= "reno",
	.init		= atcp_cc_init,
	.cong_avoid	= atcp_reno_cong_avoid,
	.ssthresh	= atcp_reno_ssthresh,
};
EXPORT_SYMBOL_IF_KUNIT(atcp_reno);

/*
 * Integer cube root, rounded down, by the binary digit-by-digit method: one
 * bit of the root per three bits of @x, 22 steps for 64 bits, exact for
 * every input.  After y <<= 1, b = (y + 1)^3 - y^3 is what setting the new
 * low bit adds to the cube; the bit is set if what is left of @x, at this
 * step's scale, still holds b.
 */
static u32 atcp_cbrt(u64 x)
{
	u64 y = 0, b;
	int s;

	for (s = 63; s >= 0; s -= 3) {
		y <<= 1;
		b = 3 * y * (y + 1) + 1;
		if ((x >> s) >= b) {
			x -= b << s;
			y++;
		}
	}
	return y;
}

/*
 * RFC 9438 figure 1: W_cubic(t) = C * (t - K)^3 + W_max, in segments,
 * rounded down (and 0 rather than negative), @t_ms after the epoch began.
 */
static u64 atcp_cubic_w(const struct atcp_cc *cc, u64 t_ms)
{
	u64 offs, cube;

	offs = t_ms < cc->k_ms ? cc->k_ms - t_ms : t_ms - cc->k_ms;
	offs = min(offs, CUBIC_OFFS_MAX);
	cube = offs * offs * offs;
	if (t_ms >= cc->k_ms)
		return cc->origin + div64_u64(cube, CUBIC_MS3_PER_SEGMENT);
	cube = div64_u64(cube + CUBIC_MS3_PER_SEGMENT - 1,
			 CUBIC_MS3_PER_SEGMENT);
	return cube < cc->origin ? cc->origin - cube : 0;
}

/*
 * A congestion avoidance stage begins (RFC 9438 4.2): remember when, set
 * W_est = cwnd_epoch (4.3) and compute K from W_max - cwnd_epoch (figure
 * 2).  If cwnd is already at or above W_max (W_max is 0 before the first
 * loss), the curve starts here with K = 0 and origin = cwnd, as in Linux,
 * rather than with the negative K figure 2 would give.
 */
static void atcp_cubic_epoch(struct atcp_cc *cc, u32 now_ms)
{
	cc->epoch_ms = now_ms ?: 1;	/* 0 means "no epoch" */
	cc->w_est = min_t(u64, (u64)cc->cwnd << CUBIC_W_SHIFT, U32_MAX);
	cc->w_est_rem = 0;
	if (cc->w_max > cc->cwnd) {
		cc->k_ms = atcp_cbrt((u64)(cc->w_max - cc->cwnd) *
				     CUBIC_MS3_PER_SEGMENT);
		cc->origin = cc->w_max;
	} else {
		cc->k_ms = 0;
		cc->origin = cc->cwnd;
	}
}

/*
 * RFC 9438 figure 4: W_est += alpha_cubic * acked / cwnd, alpha_cubic
 * being 1 once W_est >= cwnd_prior.  The division's remainder is kept in
 * w_est_rem so that many small increments add up exactly.
 */
static void atcp_cubic_w_est(struct atcp_cc *cc, u32 acked)
{
	u64 num, den, inc;
	u32 alpha, rem;

	alpha = cc->w_est >= (u64)cc->cwnd_prior << CUBIC_W_SHIFT ?
		CUBIC_ALPHA_DEN : CUBIC_ALPHA_NUM;
	num = ((u64)acked * alpha << CUBIC_W_SHIFT) + cc->w_est_rem;
	den = (u64)CUBIC_ALPHA_DEN * max(cc->cwnd, 1U);
	inc = div64_u64(num, den);
	rem = min_t(u64, num - inc * den, U32_MAX);
	cc->w_est = min_t(u64, cc->w_est + inc, U32_MAX);
	cc->w_est_rem = rem;
}

/*
 * Set cnt, the number of ACKed segments per one-segment increase, from the
 * cubic target and from W_est (the faster of the two wins).
 */
static void atcp_cubic_update(struct atcp_cc *cc, u32 acked, u32 now_ms,
			      u32 min_rtt_us)
{
	u64 cwnd = cc->cwnd, target, w;
	s32 elapsed;
	u32 cnt;

	if (!cc->epoch_ms)
		atcp_cubic_epoch(cc, now_ms);

	/* RFC 9438 4.2: target = W_cubic(t + RTT) within [cwnd, 1.5 cwnd]. */
	elapsed = now_ms - cc->epoch_ms;
	target = atcp_cubic_w(cc, (u64)max(elapsed, 0) +
				  DIV_ROUND_UP(min_rtt_us, USEC_PER_MSEC));
	target = clamp(target, cwnd, cwnd + cwnd / 2);
	cnt = target > cwnd ? div64_u64(cwnd, target - cwnd) : CUBIC_CNT_NONE;

	/* RFC 9438 4.3: the Reno-friendly region, where W_est is ahead. */
	atcp_cubic_w_est(cc, acked);
	w = cwnd << CUBIC_W_SHIFT;
	if (cc->w_est > w)
		cnt = min_t(u64, cnt, div64_u64(w, cc->w_est - w));

	cc->cnt = max(cnt, 1U);
}

static void atcp_cubic_cong_avoid(struct atcp_cc *cc, u32 acked, u32 now_ms,
				  u32 min_rtt_us)
{
	if (cc->cwnd < cc->ssthresh) {
		acked = atcp_slow_start(cc, acked);
		if (!acked)
			return;
	}
	atcp_cubic_update(cc, acked, now_ms, min_rtt_us);
	atcp_cong_avoid_ai(cc, cc->cnt, acked);
}

/*
 * RFC 9438 4.6 multiplicative decrease and 4.7 fast convergence; the epoch
 * ends, and the next one starts at the first ACK in congestion avoidance.
 */
static u32 atcp_cubic_ssthresh(struct atcp_cc *cc)
{
	u32 cwnd = cc->cwnd;

	cc->epoch_ms = 0;
	cc->cwnd_cnt = 0;
	cc->cwnd_prior = cwnd;
	cc->w_last_max = cc->w_max;
	if (cwnd < cc->w_max)
		cc->w_max = div_u64((u64)cwnd * (CUBIC_BETA_DEN + CUBIC_BETA_NUM),
				    2 * CUBIC_BETA_DEN);
	else
		cc->w_max = cwnd;
	return max_t(u32, div_u64((u64)cwnd * CUBIC_BETA_NUM, CUBIC_BETA_DEN),
		     2);
}

/**
 * DOC: atcp_cubic
 *
 * CUBIC congestion control (RFC 9438), named "cubic": C = 0.4,
 * beta_cubic = 0.7, fast convergence and the Reno-friendly region; no
 * HyStart.
 */
const struct atcp_cong_ops atcp_cubic = {
	.name		= "cubic",
	.init		= atcp_cc_init,
	.cong_avoid	= atcp_cubic_cong_avoid,
	.ssthresh	= atcp_cubic_ssthresh,
};
EXPORT_SYMBOL_IF_KUNIT(atcp_cubic);

static const struct atcp_cong_ops *const atcp_cong_all[] = {
	&atcp_reno,
	&atcp_cubic,
};

/**
 * atcp_cong_find() - look a congestion control algorithm up by name
 * @name: "reno" or "cubic" (case-sensitive, as net.ipv4 names are)
 *
 * Return: the algorithm, or NULL if @name is NULL or names none.
 */
const struct atcp_cong_ops *atcp_cong_find(const char *name)
{
	int i;

	if (!name)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(atcp_cong_all); i++)
		if (!strcmp(name, atcp_cong_all[i]->name))
			return atcp_cong_all[i];
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(atcp_cong_find);
