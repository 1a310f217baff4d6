// SPDX-License-Identifier: GPL-2.0
/*
 * ATCP retransmission timeout estimator (RFC 6298), as pure arithmetic on
 * struct atcp_rtt.
 *
 * Before the first sample RTO is 1 s (2.1).  The first sample R sets
 * SRTT = R, RTTVAR = R / 2 (2.2); each later one R' sets, in this order,
 * RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R'| and SRTT = 7/8 SRTT + 1/8 R' (2.3).
 * Then RTO = SRTT + max(G, 4 * RTTVAR), G being one jiffy, the timer's
 * granularity.  The estimator works in microseconds, truncating each
 * division (an error below 1 us), and stores RTO in jiffies, rounded up.
 *
 * RTO is clamped to [rto_min, 120 s] rather than raised to the 1 s floor of
 * RFC 6298 2.4: like Linux TCP, ATCP takes the floor from a sysctl
 * (net.atcp.rto_min_ms, default 200 ms).  The ceiling wins if rto_min is
 * above it.  Callers feed only unambiguous samples (Karn's algorithm, 3)
 * and apply the exponential back-off (5.5) to the value kept here.
 *
 * min_rtt_us is the smallest sample over the connection's lifetime, as
 * CUBIC uses it for its one-RTT look-ahead.
 */
#include <linux/export.h>
#include <linux/jiffies.h>
#include <linux/minmax.h>

#include "compat.h"
#include "cong.h"

/**
 * atcp_rtt_init() - reset an estimator to "no sample yet"
 * @r: the estimator
 *
 * SRTT, RTTVAR and the minimum are 0 and RTO is the initial 1 s
 * (RFC 6298 2.1, %ATCP_TIMEOUT_INIT).
 */
void atcp_rtt_init(struct atcp_rtt *r)
{
	r->srtt_us = 0;
	r->rttvar_us = 0;
	r->min_rtt_us = 0;
	r->rto = ATCP_TIMEOUT_INIT;
}
EXPORT_SYMBOL_IF_KUNIT(atcp_rtt_init);

/**
 * atcp_rtt_sample() - feed one round-trip time measurement
 * @r: the estimator
 * @rtt_us: the measurement, microseconds; 0 counts as 1
 * @rto_min_us: lower bound of the RTO, microseconds
 *
 * Updates SRTT and RTTVAR per RFC 6298 2.2 (first sample) or 2.3, the
 * minimum RTT, and RTO = SRTT + max(G, 4 * RTTVAR) in jiffies (rounded
 * up), clamped to [@rto_min_us, %ATCP_RTO_MAX].
 */
void atcp_rtt_sample(struct atcp_rtt *r, u32 rtt_us, u32 rto_min_us)
{
	u64 rto_us;
	u32 err, rto;

	/* srtt_us == 0 means "no sample": a 0 us sample must not be lost. */
	rtt_us = max(rtt_us, 1U);
	if (!r->min_rtt_us || rtt_us < r->min_rtt_us)
		r->min_rtt_us = rtt_us;

	if (!r->srtt_us) {
		r->srtt_us = rtt_us;
		r->rttvar_us = rtt_us / 2;
	} else {
		/* RTTVAR first: it uses the SRTT from before this sample. */
		err = r->srtt_us > rtt_us ? r->srtt_us - rtt_us :
					    rtt_us - r->srtt_us;
		r->rttvar_us = ((u64)r->rttvar_us * 3 + err) >> 2;
		/* At least (7 + 1) / 8 = 1: SRTT never returns to 0. */
		r->srtt_us = ((u64)r->srtt_us * 7 + rtt_us) >> 3;
	}

	rto_us = (u64)r->srtt_us + max_t(u64, jiffies_to_usecs(1),
					 (u64)r->rttvar_us * 4);
	rto_us = min_t(u64, rto_us, jiffies_to_usecs(ATCP_RTO_MAX));
	rto = max(usecs_to_jiffies((u32)rto_us), usecs_to_jiffies(rto_min_us));
	r->rto = min_t(u32, rto, ATCP_RTO_MAX);
}
EXPORT_SYMBOL_IF_KUNIT(atcp_rtt_sample);
