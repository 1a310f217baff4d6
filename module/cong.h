/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Congestion control (cong.c) and the RFC 6298 retransmission timeout
 * estimator (rtt.c): pure arithmetic on small state structs, no socket,
 * so that KUnit can drive them with made-up ACK sequences.
 *
 * Windows are counted in segments, as Linux TCP counts snd_cwnd.
 */
#ifndef _ATCP_CONG_H
#define _ATCP_CONG_H

#include <linux/jiffies.h>
#include <linux/types.h>

/* Length of a congestion control name, as TCP_CA_NAME_MAX. */
#define ATCP_CA_NAME_MAX	16

/* RFC 6298 2.1 initial RTO, and the 120 s ceiling Linux TCP uses. */
#define ATCP_TIMEOUT_INIT	(1 * HZ)
/* RFC 6298 5.7: RTO after a retransmitted handshake without a sample */
#define ATCP_TIMEOUT_FALLBACK	(3 * HZ)
#define ATCP_RTO_MAX		(120 * HZ)

/**
 * struct atcp_cc - congestion state of one connection
 * @cwnd: congestion window, segments (>= 1)
 * @ssthresh: slow start threshold, segments
 * @cwnd_cnt: ACKed segments counted toward the next increment in
 *	congestion avoidance
 * @w_max: CUBIC W_max, segments, before the last reduction
 * @w_last_max: CUBIC W_max before the previous reduction (fast convergence)
 * @k_ms: CUBIC K, milliseconds
 * @epoch_ms: start of the current CUBIC epoch (0: none), ms clock
 * @origin: CUBIC origin point, segments
 * @w_est: CUBIC estimate of Reno's window (RFC 9438 4.3), segments << 10
 * @cnt: CUBIC ACKs needed to grow cwnd by one
 * @cwnd_prior: CUBIC cwnd when ssthresh was last set (RFC 9438 4.1.2),
 *	segments; 0 before the first congestion event
 * @w_est_rem: CUBIC remainder of the last @w_est increment, carried to the
 *	next ACK so that growth is not lost to rounding at large windows
 */
struct atcp_cc {
	u32 cwnd;
	u32 ssthresh;
	u32 cwnd_cnt;
	u32 w_max;
	u32 w_last_max;
	u32 k_ms;
	u32 epoch_ms;
	u32 origin;
	u32 w_est;
	u32 cnt;
	u32 cwnd_prior;
	u32 w_est_rem;
};

/**
 * struct atcp_cong_ops - one congestion control algorithm
 * @name: its name, as in net.atcp.congestion_control and TCP_CONGESTION
 * @init: set the initial state (cwnd = initial window, ssthresh = "infinite")
 * @cong_avoid: grow the window for @acked newly acknowledged segments,
 *	called only when the sender is cwnd-limited and not in recovery;
 *	@now_ms is a millisecond clock, @min_rtt_us the smallest RTT seen
 *	(0 if none)
 * @ssthresh: a loss was detected (fast retransmit or RTO): remember what
 *	the algorithm needs and return the new ssthresh (>= 2)
 */
struct atcp_cong_ops {
	const char *name;
	void (*init)(struct atcp_cc *cc);
	void (*cong_avoid)(struct atcp_cc *cc, u32 acked, u32 now_ms,
			   u32 min_rtt_us);
	u32 (*ssthresh)(struct atcp_cc *cc);
};

/* RFC 6928 initial window, as Linux TCP's TCP_INIT_CWND. */
#define ATCP_INIT_CWND		10U
#define ATCP_INFINITE_SSTHRESH	0x7fffffffU

extern const struct atcp_cong_ops atcp_reno;
extern const struct atcp_cong_ops atcp_cubic;

const struct atcp_cong_ops *atcp_cong_find(const char *name);

/**
 * struct atcp_rtt - RFC 6298 estimator state
 * @srtt_us: smoothed round-trip time, microseconds (0: no sample yet)
 * @rttvar_us: round-trip time variation, microseconds
 * @min_rtt_us: smallest sample seen, microseconds (0: none)
 * @rto: retransmission timeout, jiffies, within [rto_min, ATCP_RTO_MAX]
 */
struct atcp_rtt {
	u32 srtt_us;
	u32 rttvar_us;
	u32 min_rtt_us;
	u32 rto;
};

void atcp_rtt_init(struct atcp_rtt *r);
void atcp_rtt_sample(struct atcp_rtt *r, u32 rtt_us, u32 rto_min_us);

#endif /* _ATCP_CONG_H */
