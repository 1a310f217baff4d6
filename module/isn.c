// SPDX-License-Identifier: GPL-2.0
/*
 * ATCP initial sequence numbers (RFC 6528) and per-connection timestamp
 * offsets (RFC 7323 section 5.4).
 *
 * ISN = M + F(localip, localport, remoteip, remoteport, secretkey)
 *
 *   M  the RFC 793 clock: ktime_get_real_ns() / 4000, i.e. one tick every
 *      4 microseconds (250000 per second), truncated to 32 bits; it wraps
 *      every 2^32 * 4 us ~= 4.8 hours.
 *   F  SipHash-2-4 of the 4-tuple under a 128-bit secret of this module,
 *      truncated to 32 bits.  The secret is drawn with get_random_bytes()
 *      the first time an ISN is needed and never changes while the module
 *      is loaded (changing it would break the monotonic per-4-tuple
 *      sequence space RFC 6528 relies on to protect TIME_WAIT reuse).
 *
 * "Local" is the end that sends the ISN: @saddr/@sport are ours, @daddr/
 * @dport the peer's, in network byte order.
 *
 * A connection's TSval offset (RFC 7323 section 5.4: a random per-connection
 * offset so timestamps do not reveal uptime) is SipHash of the address pair
 * under a second, independent secret, as Linux does; it leaves the ports
 * out, so every connection between two hosts shares one offset and
 * PAWS keeps working across TIME_WAIT reuse.
 *
 * Neither the kernel's TCP secrets (secure_seq.c) nor its sysctls are used.
 */
#include <linux/export.h>
#include <linux/math64.h>
#include <linux/net.h>
#include <linux/random.h>
#include <linux/siphash.h>
#include <linux/timekeeping.h>

#include "atcp.h"
#include "cookie.h"

static siphash_aligned_key_t atcp_isn_secret;
static siphash_aligned_key_t atcp_ts_secret;

/*
 * Each net_get_random_once() call site draws once, so every user of a
 * secret goes through one out-of-line function.
 */
static noinline void atcp_isn_secret_init(void)
{
	net_get_random_once(&atcp_isn_secret, sizeof(atcp_isn_secret));
}

static noinline void atcp_ts_secret_init(void)
{
	net_get_random_once(&atcp_ts_secret, sizeof(atcp_ts_secret));
}

/* The 4-tuple of an IPv6 connection, laid out for siphash(). */
struct atcp_tuple6 {
	struct in6_addr saddr;
	struct in6_addr daddr;
	__be16 sport;
	__be16 dport;
} __aligned(SIPHASH_ALIGNMENT);

/* The address pair of an IPv6 connection, laid out for siphash(). */
struct atcp_addrs6 {
	struct in6_addr saddr;
	struct in6_addr daddr;
} __aligned(SIPHASH_ALIGNMENT);

static u32 atcp_isn_f_v4(const siphash_key_t *key, __be32 saddr,
			 __be32 daddr, __be16 sport, __be16 dport)
{
	u32 ports = (__force u32)sport << 16 | (__force u32)dport;

	return (u32)siphash_3u32((__force u32)saddr, (__force u32)daddr,
				 ports, key);
}

static u32 atcp_isn_f_v6(const siphash_key_t *key,
			 const struct in6_addr *saddr,
			 const struct in6_addr *daddr,
			 __be16 sport, __be16 dport)
{
	const struct atcp_tuple6 t = {
		.saddr = *saddr,
		.daddr = *daddr,
		.sport = sport,
		.dport = dport,
	};

	return (u32)siphash(&t, offsetofend(struct atcp_tuple6, dport), key);
}

/**
 * atcp_isn_clock() - the RFC 6528 clock M at a given time
 * @now_ns: CLOCK_REALTIME in nanoseconds
 *
 * Return: @now_ns / 4000 truncated to 32 bits: 250000 ticks per second.
 */
u32 atcp_isn_clock(u64 now_ns)
{
	return (u32)div_u64(now_ns, ATCP_ISN_TICK_NS);
}
EXPORT_SYMBOL_IF_KUNIT(atcp_isn_clock);

/**
 * __atcp_isn_v4() - IPv4 ISN under a given key at a given time
 * @key: secret key of F
 * @saddr: local address
 * @daddr: remote address
 * @sport: local port
 * @dport: remote port
 * @now_ns: CLOCK_REALTIME in nanoseconds
 *
 * Return: atcp_isn_clock(@now_ns) + F(4-tuple, @key).
 */
u32 __atcp_isn_v4(const siphash_key_t *key, __be32 saddr, __be32 daddr,
		  __be16 sport, __be16 dport, u64 now_ns)
{
	return atcp_isn_f_v4(key, saddr, daddr, sport, dport) +
	       atcp_isn_clock(now_ns);
}
EXPORT_SYMBOL_IF_KUNIT(__atcp_isn_v4);

/**
 * __atcp_isn_v6() - IPv6 ISN under a given key at a given time
 * @key: secret key of F
 * @saddr: local address
 * @daddr: remote address
 * @sport: local port
 * @dport: remote port
 * @now_ns: CLOCK_REALTIME in nanoseconds
 *
 * Return: atcp_isn_clock(@now_ns) + F(4-tuple, @key).
 */
u32 __atcp_isn_v6(const siphash_key_t *key, const struct in6_addr *saddr,
		  const struct in6_addr *daddr, __be16 sport, __be16 dport,
		  u64 now_ns)
{
	return atcp_isn_f_v6(key, saddr, daddr, sport, dport) +
	       atcp_isn_clock(now_ns);
}
EXPORT_SYMBOL_IF_KUNIT(__atcp_isn_v6);

/**
 * atcp_isn_hash_v4() - F of an IPv4 4-tuple under the module's secret
 * @saddr: local address
 * @daddr: remote address
 * @sport: local port
 * @dport: remote port
 *
 * Return: the time-independent part of atcp_isn_v4().
 */
u32 atcp_isn_hash_v4(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport)
{
	atcp_isn_secret_init();
	return atcp_isn_f_v4(&atcp_isn_secret, saddr, daddr, sport, dport);
}
EXPORT_SYMBOL_IF_KUNIT(atcp_isn_hash_v4);

/**
 * atcp_isn_hash_v6() - F of an IPv6 4-tuple under the module's secret
 * @saddr: local address
 * @daddr: remote address
 * @sport: local port
 * @dport: remote port
 *
 * Return: the time-independent part of atcp_isn_v6().
 */
u32 atcp_isn_hash_v6(const struct in6_addr *saddr,
		     const struct in6_addr *daddr, __be16 sport, __be16 dport)
{
	atcp_isn_secret_init();
	return atcp_isn_f_v6(&atcp_isn_secret, saddr, daddr, sport, dport);
}
EXPORT_SYMBOL_IF_KUNIT(atcp_isn_hash_v6);

/**
 * atcp_isn_v4() - initial sequence number of an IPv4 connection
 * @saddr: local address
 * @daddr: remote address
 * @sport: local port
 * @dport: remote port
 *
 * For an active open and for a SYN-ACK that does not use a SYN cookie.
 * Safe in any context.
 *
 * Return: the ISN (RFC 6528).
 */
u32 atcp_isn_v4(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport)
{
	return atcp_isn_hash_v4(saddr, daddr, sport, dport) +
	       atcp_isn_clock(ktime_get_real_ns());
}
EXPORT_SYMBOL_IF_KUNIT(atcp_isn_v4);

/**
 * atcp_isn_v6() - initial sequence number of an IPv6 connection
 * @saddr: local address
 * @daddr: remote address
 * @sport: local port
 * @dport: remote port
 *
 * As atcp_isn_v4().
 *
 * Return: the ISN (RFC 6528).
 */
u32 atcp_isn_v6(const struct in6_addr *saddr, const struct in6_addr *daddr,
		__be16 sport, __be16 dport)
{
	return atcp_isn_hash_v6(saddr, daddr, sport, dport) +
	       atcp_isn_clock(ktime_get_real_ns());
}
EXPORT_SYMBOL_IF_KUNIT(atcp_isn_v6);

/**
 * __atcp_ts_offset_v4() - IPv4 timestamp offset under a given key
 * @key: secret key
 * @saddr: local address
 * @daddr: remote address
 *
 * Return: the offset added to the timestamp clock for this address pair.
 */
u32 __atcp_ts_offset_v4(const siphash_key_t *key, __be32 saddr, __be32 daddr)
{
	return (u32)siphash_2u32((__force u32)saddr, (__force u32)daddr, key);
}
EXPORT_SYMBOL_IF_KUNIT(__atcp_ts_offset_v4);

/**
 * __atcp_ts_offset_v6() - IPv6 timestamp offset under a given key
 * @key: secret key
 * @saddr: local address
 * @daddr: remote address
 *
 * Return: the offset added to the timestamp clock for this address pair.
 */
u32 __atcp_ts_offset_v6(const siphash_key_t *key,
			const struct in6_addr *saddr,
			const struct in6_addr *daddr)
{
	const struct atcp_addrs6 a = {
		.saddr = *saddr,
		.daddr = *daddr,
	};

	return (u32)siphash(&a, sizeof(a), key);
}
EXPORT_SYMBOL_IF_KUNIT(__atcp_ts_offset_v6);

/**
 * atcp_ts_offset_v4() - RFC 7323 TSval offset of an IPv4 connection
 * @saddr: local address
 * @daddr: remote address
 *
 * Add it to the timestamp clock for every TSval sent on the connection
 * (and subtract it from TSecr before computing an RTT).  Safe in any
 * context.
 *
 * Return: the offset, stable for the address pair while the module is loaded.
 */
u32 atcp_ts_offset_v4(__be32 saddr, __be32 daddr)
{
	atcp_ts_secret_init();
	return __atcp_ts_offset_v4(&atcp_ts_secret, saddr, daddr);
}
EXPORT_SYMBOL_IF_KUNIT(atcp_ts_offset_v4);

/**
 * atcp_ts_offset_v6() - RFC 7323 TSval offset of an IPv6 connection
 * @saddr: local address
 * @daddr: remote address
 *
 * As atcp_ts_offset_v4().
 *
 * Return: the offset, stable for the address pair while the module is loaded.
 */
u32 atcp_ts_offset_v6(const struct in6_addr *saddr,
		      const struct in6_addr *daddr)
{
	atcp_ts_secret_init();
	return __atcp_ts_offset_v6(&atcp_ts_secret, saddr, daddr);
}
EXPORT_SYMBOL_IF_KUNIT(atcp_ts_offset_v6);
