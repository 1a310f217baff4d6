/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sequence number arithmetic modulo 2^32 (RFC 9293 section 3.4).
 */
#ifndef _ATCP_SEQ_H
#define _ATCP_SEQ_H

#include <linux/types.h>

/* a < b in sequence space: b lies within 2^31 after a. */
static inline bool atcp_seq_before(u32 a, u32 b)
{
	return (s32)(a - b) < 0;
}

#define atcp_seq_after(a, b)	atcp_seq_before(b, a)

static inline bool atcp_seq_leq(u32 a, u32 b)
{
	return (s32)(a - b) <= 0;
}

#define atcp_seq_geq(a, b)	atcp_seq_leq(b, a)

/* lo <= x <= hi in sequence space, measured from lo. */
static inline bool atcp_seq_between(u32 x, u32 lo, u32 hi)
{
	return hi - lo >= x - lo;
}

/* The larger of two sequence numbers. */
static inline u32 atcp_seq_max(u32 a, u32 b)
{
	return atcp_seq_after(a, b) ? a : b;
}

#endif /* _ATCP_SEQ_H */
