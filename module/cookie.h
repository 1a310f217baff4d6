/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ATCP initial sequence numbers (RFC 6528), timestamp offsets (RFC 7323)
 * and SYN cookies: module/isn.c and module/syncookies.c.
 *
 * Every secret here belongs to the module; nothing reads the kernel's TCP
 * secrets or its net.ipv4.tcp_* settings.
 */
#ifndef _ATCP_COOKIE_H
#define _ATCP_COOKIE_H

#include <linux/bits.h>
#include <linux/in6.h>
#include <linux/jiffies.h>
#include <linux/seqlock.h>
#include <linux/siphash.h>
#include <linux/types.h>

/* isn.c */

/* RFC 6528 clock M: one tick every 4 microseconds (250000 per second). */
#define ATCP_ISN_TICK_NS	4000

u32 atcp_isn_v4(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport);
u32 atcp_isn_v6(const struct in6_addr *saddr, const struct in6_addr *daddr,
		__be16 sport, __be16 dport);
u32 atcp_ts_offset_v4(__be32 saddr, __be32 daddr);
u32 atcp_ts_offset_v6(const struct in6_addr *saddr,
		      const struct in6_addr *daddr);

/* The clock-free and key-explicit parts, for KUnit. */
u32 atcp_isn_clock(u64 now_ns);
u32 atcp_isn_hash_v4(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport);
u32 atcp_isn_hash_v6(const struct in6_addr *saddr,
		     const struct in6_addr *daddr, __be16 sport, __be16 dport);
u32 __atcp_isn_v4(const siphash_key_t *key, __be32 saddr, __be32 daddr,
		  __be16 sport, __be16 dport, u64 now_ns);
u32 __atcp_isn_v6(const siphash_key_t *key, const struct in6_addr *saddr,
		  const struct in6_addr *daddr, __be16 sport, __be16 dport,
		  u64 now_ns);
u32 __atcp_ts_offset_v4(const siphash_key_t *key, __be32 saddr, __be32 daddr);
u32 __atcp_ts_offset_v6(const siphash_key_t *key,
			const struct in6_addr *saddr,
			const struct in6_addr *daddr);

/* syncookies.c */

/* One cookie count ("minute") lasts this many jiffies. */
#define ATCP_COOKIE_PERIOD	(60 * HZ)
/*
 * A cookie minted at count c is accepted while the count is c or c + 1,
 * i.e. for at least one and at most two periods.
 */
#define ATCP_COOKIE_MAX_AGE	2
/* How long after the last cookie sent an ACK may carry one. */
#define ATCP_COOKIE_VALID	(ATCP_COOKIE_MAX_AGE * ATCP_COOKIE_PERIOD)
/* Number of entries of each MSS table (the index takes 2 bits). */
#define ATCP_COOKIE_MSS_BITS	2
#define ATCP_COOKIE_MSS_NUM	BIT(ATCP_COOKIE_MSS_BITS)

/**
 * struct atcp_cookie_slot - the cookie key of one count
 * @key: siphash key of the MAC part of the cookies minted at @count
 * @count: the cookie count this key serves
 * @live: @key and @count hold a key (false until the first one is drawn)
 */
struct atcp_cookie_slot {
	siphash_key_t key;
	u32 count;
	bool live;
};

/**
 * struct atcp_cookie_secret - the secrets a family of SYN cookies is made with
 * @lock: writers (key rotation) exclude each other and make readers retry
 * @base: key of the hash that whitens count and client ISN; drawn once
 * @slot: the key of count c lives in @slot[c & 1]: the current and the
 *	previous count's key; a new count's key replaces the one of two
 *	counts before (see the file header of syncookies.c)
 *
 * The module uses one of these for all its cookies; KUnit makes its own.
 */
struct atcp_cookie_secret {
	seqlock_t lock;
	siphash_key_t base;
	struct atcp_cookie_slot slot[2];
};

u32 atcp_cookie_v4_init(__be32 saddr, __be32 daddr, __be16 sport,
			__be16 dport, u32 client_isn, u16 *mss);
u16 atcp_cookie_v4_check(__be32 saddr, __be32 daddr, __be16 sport,
			 __be16 dport, u32 client_isn, u32 cookie);
u32 atcp_cookie_v6_init(const struct in6_addr *saddr,
			const struct in6_addr *daddr, __be16 sport,
			__be16 dport, u32 client_isn, u16 *mss);
u16 atcp_cookie_v6_check(const struct in6_addr *saddr,
			 const struct in6_addr *daddr, __be16 sport,
			 __be16 dport, u32 client_isn, u32 cookie);
u32 atcp_cookie_count(void);

/* Timestamp option bits of a cookie SYN-ACK (RFC 7323 TSval). */
u32 atcp_cookie_ts_encode(u32 now_ts, u8 wscale, bool wscale_ok,
			  bool sack_ok);
bool atcp_cookie_ts_decode(u32 tsecr, u8 *wscale, bool *wscale_ok,
			   bool *sack_ok);

/* The count- and secret-explicit parts, for KUnit. */
void atcp_cookie_secret_init(struct atcp_cookie_secret *sec);
void atcp_cookie_rotate(struct atcp_cookie_secret *sec, u32 count);
u16 atcp_cookie_mss_v4(unsigned int index);
u16 atcp_cookie_mss_v6(unsigned int index);
u32 __atcp_cookie_v4_init(struct atcp_cookie_secret *sec, u32 count,
			  __be32 saddr, __be32 daddr, __be16 sport,
			  __be16 dport, u32 client_isn, u16 *mss);
u16 __atcp_cookie_v4_check(const struct atcp_cookie_secret *sec, u32 count,
			   __be32 saddr, __be32 daddr, __be16 sport,
			   __be16 dport, u32 client_isn, u32 cookie);
u32 __atcp_cookie_v6_init(struct atcp_cookie_secret *sec, u32 count,
			  const struct in6_addr *saddr,
			  const struct in6_addr *daddr, __be16 sport,
			  __be16 dport, u32 client_isn, u16 *mss);
u16 __atcp_cookie_v6_check(const struct atcp_cookie_secret *sec, u32 count,
			   const struct in6_addr *saddr,
			   const struct in6_addr *daddr, __be16 sport,
			   __be16 dport, u32 client_isn, u32 cookie);

#endif /* _ATCP_COOKIE_H */
