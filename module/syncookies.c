// SPDX-License-Identifier: GPL-2.0
/*
 * ATCP SYN cookies.
 *
 * When the SYN queue is full (net.atcp.syncookies = 1) or always (= 2) a
 * listener answers a SYN without keeping state: the SYN-ACK's sequence
 * number (our ISS) is a cookie from which the returning ACK proves it saw
 * the SYN-ACK and from which the MSS is recovered.  The layout follows
 * Linux's (net/ipv4/syncookies.c) with the module's own secrets:
 *
 *   cookie = H1(4-tuple) + client_isn + (count << 24) + low24
 *   low24  = (MAC(4-tuple, count, mssind) << 2) | mssind        (24 bits)
 *
 *   H1      SipHash-2-4 of the 4-tuple under the secret's base key,
 *           truncated to 32 bits; it hides count and ISN from the client
 *   count   cookie time: jiffies_64 / (60 * HZ), a "minute"; its low 8
 *           bits travel in the top byte
 *   mssind  index (2 bits) into the family's MSS table
 *   MAC     22 bits of SipHash-2-4 of (4-tuple, count, mssind) under the
 *           key of count (below)
 *
 * The 4-tuple is that of the client's SYN: saddr/sport the client's,
 * daddr/dport ours; the returning ACK has the same orientation.  Its
 * ack_seq - 1 is the cookie and its seq - 1 the client ISN.
 *
 * Linux instead adds the MSS index to a 24-bit hash and accepts any result
 * below the table size.  The odds for a forged cookie are the same
 * (2^-22 after the age check either way), but with Linux's layout a cookie
 * changed by a few units still decodes, to another MSS.  Here the index is
 * covered by the MAC, so any change of the cookie, of the client ISN or of
 * the 4-tuple is rejected (except with probability 2^-22).
 *
 * MSS tables (sorted; *mss rounds down to the largest entry not above the
 * peer's MSS, and to the first entry when it is below all of them):
 *   IPv4: 536 (RFC 9293 default), 1300, 1440 (PPPoE, tunnels), 1460
 *         (Ethernet) -- Linux's values, from Alcock and Nelson's 2011
 *         survey of observed MSS values
 *   IPv6: 1220 (IPv6 minimum MTU 1280 - 60), 1420, 1440 (Ethernet 1500 -
 *         60), 8940 (9000 byte jumbo frames - 60) -- Linux's values
 *
 * Validity window.  A cookie minted at count c is accepted while the
 * current count is c or c + 1 (ATCP_COOKIE_MAX_AGE = 2): at least 60 s and
 * at most 120 s after it was sent, depending on where in minute c it was
 * minted.  Older cookies, and cookies from the future, are rejected.
 *
 * Key rotation.  The MAC key is per count: the key of count c is drawn
 * (get_random_bytes()) when the first cookie of count c is minted and is
 * stored in slot[c & 1], replacing the key of count c - 2.  So there are
 * at most two live keys, the current count's and the previous one's; a
 * cookie survives exactly one rotation (to c + 1) and dies at the second
 * (to c + 2), which coincides with the age limit: the age check and the
 * key lookup agree, and a key lives no longer than the cookies it made.
 * A check never draws a key: a count for which no key is stored minted
 * no cookie, and its cookies are rejected.  Rotation is lazy, driven by
 * minting, so there is no timer or work to set up or cancel: nothing to
 * call at module init or exit.  The slots sit under a seqlock: checks
 * read a consistent (key, count) pair locklessly, the rare rotation takes
 * the write side with softirqs off.  A rotation never replaces a key by
 * the key of an older count, so a CPU that read jiffies just before
 * another CPU rotated cannot undo that rotation.
 *
 * The base key of H1 is drawn once per secret (for the module's secret:
 * at first use) and does not rotate: it only whitens, the MAC is what
 * authenticates.
 *
 * With timestamps, the SYN-ACK's TSval carries in its low 6 bits the
 * options of the SYN that the cookie cannot hold (as Linux does):
 *
 *   | 31 .. 6   |    5     |  4   | 3 2 1 0 |
 *   | TS clock  | reserved | SACK | wscale  |
 *
 * wscale 0xf means "no window scale option"; the reserved bit (Linux's
 * ECN bit; ATCP does not negotiate ECN) is sent as 0 and a TSecr with it
 * set is refused.  These bits are not covered by the MAC: a client can
 * only lie about options of its own connection.
 */
#include <linux/bits.h>
#include <linux/export.h>
#include <linux/jiffies.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/net.h>
#include <linux/random.h>
#include <linux/seqlock.h>
#include <linux/siphash.h>
#include <linux/string.h>

#include "atcp.h"
#include "cookie.h"

#define ATCP_COOKIE_BITS	24
#define ATCP_COOKIE_MASK	(BIT(ATCP_COOKIE_BITS) - 1)
#define ATCP_COOKIE_MAC_BITS	(ATCP_COOKIE_BITS - ATCP_COOKIE_MSS_BITS)
#define ATCP_COOKIE_MAC_MASK	(BIT(ATCP_COOKIE_MAC_BITS) - 1)
#define ATCP_COOKIE_MSS_MASK	(ATCP_COOKIE_MSS_NUM - 1)
#define ATCP_COOKIE_COUNT_MASK	(U32_MAX >> ATCP_COOKIE_BITS)

#define ATCP_TS_WSCALE_MASK	0xf
#define ATCP_TS_SACK		BIT(4)
#define ATCP_TS_RESERVED	BIT(5)
#define ATCP_TS_BITS		6
#define ATCP_TS_MASK		(BIT(ATCP_TS_BITS) - 1)
/* Largest window scale shift (RFC 7323 section 2.3). */
#define ATCP_MAX_WSCALE		14

static const u16 atcp_msstab_v4[ATCP_COOKIE_MSS_NUM] = {
	536,
	1300,
	1440,
	1460,
};

static const u16 atcp_msstab_v6[ATCP_COOKIE_MSS_NUM] = {
	1280 - 60,
	1480 - 60,
	1500 - 60,
	9000 - 60,
};

/* The secret of every cookie the module sends. */
static struct atcp_cookie_secret atcp_cookies = {
	.lock = __SEQLOCK_UNLOCKED(atcp_cookies.lock),
};

static noinline struct atcp_cookie_secret *atcp_cookies_get(void)
{
	net_get_random_once(&atcp_cookies.base, sizeof(atcp_cookies.base));
	return &atcp_cookies;
}

/* MAC input; the IPv4 addresses sit in the first word of saddr/daddr. */
struct atcp_cookie_mac_in {
	struct in6_addr saddr;
	struct in6_addr daddr;
	__be16 sport;
	__be16 dport;
	u32 count;
	u32 mssind;
} __aligned(SIPHASH_ALIGNMENT);

/* H1 input of IPv6 (IPv4 uses siphash_3u32()). */
struct atcp_cookie_tuple6 {
	struct in6_addr saddr;
	struct in6_addr daddr;
	__be16 sport;
	__be16 dport;
} __aligned(SIPHASH_ALIGNMENT);

/**
 * atcp_cookie_secret_init() - draw a new cookie secret
 * @sec: the secret
 *
 * Draws the base key and leaves both key slots empty: the first cookie
 * minted with @sec draws the key of its count.  The module's own secret
 * needs no call (it initialises itself at first use).
 */
void atcp_cookie_secret_init(struct atcp_cookie_secret *sec)
{
	memset(sec, 0, sizeof(*sec));
	seqlock_init(&sec->lock);
	get_random_bytes(&sec->base, sizeof(sec->base));
}
EXPORT_SYMBOL_IF_KUNIT(atcp_cookie_secret_init);

/**
 * atcp_cookie_rotate() - make sure the key of a count exists
 * @sec: the secret
 * @count: the cookie count about to mint a cookie
 *
 * Draws a key for @count into slot[@count & 1] unless that slot already
 * holds the key of @count or of a later count.  The key it replaces is
 * that of @count - 2 (or older), whose cookies have expired.
 */
void atcp_cookie_rotate(struct atcp_cookie_secret *sec, u32 count)
{
	struct atcp_cookie_slot *slot = &sec->slot[count & 1];
	siphash_key_t key;

	get_random_bytes(&key, sizeof(key));

	write_seqlock_bh(&sec->lock);
	if (!slot->live || (s32)(count - slot->count) > 0) {
		slot->key = key;
		slot->count = count;
		slot->live = true;
	}
	write_sequnlock_bh(&sec->lock);

	memzero_explicit(&key, sizeof(key));
}
EXPORT_SYMBOL_IF_KUNIT(atcp_cookie_rotate);

/* Copy the key of @count; false when no key of @count is stored. */
static bool atcp_cookie_key(const struct atcp_cookie_secret *sec, u32 count,
			    siphash_key_t *key)
{
	const struct atcp_cookie_slot *slot = &sec->slot[count & 1];
	unsigned int seq;
	bool ok;

	do {
		seq = read_seqbegin(&sec->lock);
		ok = slot->live && slot->count == count;
		*key = slot->key;
	} while (read_seqretry(&sec->lock, seq));

	return ok;
}

static u32 atcp_cookie_mac(const siphash_key_t *key,
			   const struct atcp_cookie_mac_in *in)
{
	return (u32)siphash(in, offsetofend(struct atcp_cookie_mac_in, mssind),
			    key) & ATCP_COOKIE_MAC_MASK;
}

static unsigned int atcp_cookie_mssind(const u16 *tab, u16 mss)
{
	unsigned int i;

	for (i = ATCP_COOKIE_MSS_NUM - 1; i > 0; i--)
		if (mss >= tab[i])
			break;
	return i;
}

/*
 * Mint a cookie.  @h1 is H1 of the tuple in @in; @in->count is set here
 * and @in->mssind computed from *@mss.
 */
static u32 atcp_cookie_make(struct atcp_cookie_secret *sec, u32 count,
			    u32 h1, struct atcp_cookie_mac_in *in,
			    const u16 *tab, u32 client_isn, u16 *mss)
{
	siphash_key_t key;
	u32 low, cookie;

	if (!atcp_cookie_key(sec, count, &key)) {
		atcp_cookie_rotate(sec, count);
		/*
		 * Still none only if a CPU stalled across two counts: the
		 * cookie made below is then refused, and the client's SYN
		 * retransmission gets a good one.
		 */
		atcp_cookie_key(sec, count, &key);
	}

	in->count = count;
	in->mssind = atcp_cookie_mssind(tab, *mss);
	*mss = tab[in->mssind];

	low = atcp_cookie_mac(&key, in) << ATCP_COOKIE_MSS_BITS | in->mssind;
	cookie = h1 + client_isn + (count << ATCP_COOKIE_BITS) + low;

	memzero_explicit(&key, sizeof(key));
	return cookie;
}

/* Check a cookie; returns the MSS or 0.  @in holds the tuple. */
static u16 atcp_cookie_verify(const struct atcp_cookie_secret *sec,
			      u32 now, u32 h1, struct atcp_cookie_mac_in *in,
			      const u16 *tab, u32 client_isn, u32 cookie)
{
	siphash_key_t key;
	u32 v, age, count, mac;

	v = cookie - h1 - client_isn;
	age = (now - (v >> ATCP_COOKIE_BITS)) & ATCP_COOKIE_COUNT_MASK;
	if (age >= ATCP_COOKIE_MAX_AGE)
		return 0;
	count = now - age;

	if (!atcp_cookie_key(sec, count, &key))
		return 0;

	in->count = count;
	in->mssind = v & ATCP_COOKIE_MSS_MASK;
	mac = atcp_cookie_mac(&key, in);
	memzero_explicit(&key, sizeof(key));

	if (mac != ((v & ATCP_COOKIE_MASK) >> ATCP_COOKIE_MSS_BITS))
		return 0;
	return tab[in->mssind];
}

static u32 atcp_cookie_h1_v4(const struct atcp_cookie_secret *sec,
			     __be32 saddr, __be32 daddr, __be16 sport,
			     __be16 dport)
{
	u32 ports = (__force u32)sport << 16 | (__force u32)dport;

	return (u32)siphash_3u32((__force u32)saddr, (__force u32)daddr,
				 ports, &sec->base);
}

static u32 atcp_cookie_h1_v6(const struct atcp_cookie_secret *sec,
			     const struct in6_addr *saddr,
			     const struct in6_addr *daddr,
			     __be16 sport, __be16 dport)
{
	const struct atcp_cookie_tuple6 t = {
		.saddr = *saddr,
		.daddr = *daddr,
		.sport = sport,
		.dport = dport,
	};

	return (u32)siphash(&t, offsetofend(struct atcp_cookie_tuple6, dport),
			    &sec->base);
}

static void atcp_cookie_in_v4(struct atcp_cookie_mac_in *in, __be32 saddr,
			      __be32 daddr, __be16 sport, __be16 dport)
{
	memset(in, 0, sizeof(*in));
	in->saddr.s6_addr32[0] = saddr;
	in->daddr.s6_addr32[0] = daddr;
	in->sport = sport;
	in->dport = dport;
}

static void atcp_cookie_in_v6(struct atcp_cookie_mac_in *in,
			      const struct in6_addr *saddr,
			      const struct in6_addr *daddr,
			      __be16 sport, __be16 dport)
{
	memset(in, 0, sizeof(*in));
	in->saddr = *saddr;
	in->daddr = *daddr;
	in->sport = sport;
	in->dport = dport;
}

/**
 * atcp_cookie_mss_v4() - an entry of the IPv4 MSS table
 * @index: 0 .. ATCP_COOKIE_MSS_NUM - 1
 *
 * Return: the MSS, or 0 when @index is out of range.
 */
u16 atcp_cookie_mss_v4(unsigned int index)
{
	return index < ATCP_COOKIE_MSS_NUM ? atcp_msstab_v4[index] : 0;
}
EXPORT_SYMBOL_IF_KUNIT(atcp_cookie_mss_v4);

/**
 * atcp_cookie_mss_v6() - an entry of the IPv6 MSS table
 * @index: 0 .. ATCP_COOKIE_MSS_NUM - 1
 *
 * Return: the MSS, or 0 when @index is out of range.
 */
u16 atcp_cookie_mss_v6(unsigned int index)
{
	return index < ATCP_COOKIE_MSS_NUM ? atcp_msstab_v6[index] : 0;
}
EXPORT_SYMBOL_IF_KUNIT(atcp_cookie_mss_v6);

/**
 * __atcp_cookie_v4_init() - mint an IPv4 cookie with a given secret and count
 * @sec: the secret
 * @count: the cookie count (see atcp_cookie_count())
 * @saddr: the SYN's source address (the client)
 * @daddr: the SYN's destination address (ours)
 * @sport: the SYN's source port
 * @dport: the SYN's destination port
 * @client_isn: the SYN's sequence number
 * @mss: in: the client's MSS; out: the table MSS the cookie encodes
 *
 * Return: the cookie, to be sent as the SYN-ACK's sequence number.
 */
u32 __atcp_cookie_v4_init(struct atcp_cookie_secret *sec, u32 count,
			  __be32 saddr, __be32 daddr, __be16 sport,
			  __be16 dport, u32 client_isn, u16 *mss)
{
	struct atcp_cookie_mac_in in;

	atcp_cookie_in_v4(&in, saddr, daddr, sport, dport);
	return atcp_cookie_make(sec, count,
				atcp_cookie_h1_v4(sec, saddr, daddr, sport,
						  dport),
				&in, atcp_msstab_v4, client_isn, mss);
}
EXPORT_SYMBOL_IF_KUNIT(__atcp_cookie_v4_init);

/**
 * __atcp_cookie_v4_check() - check an IPv4 cookie with a given secret and count
 * @sec: the secret
 * @count: the current cookie count
 * @saddr: the ACK's source address (the client)
 * @daddr: the ACK's destination address (ours)
 * @sport: the ACK's source port
 * @dport: the ACK's destination port
 * @client_isn: the ACK's sequence number - 1
 * @cookie: the ACK's acknowledgment number - 1
 *
 * Return: the MSS the cookie encodes, or 0 if it is not valid at @count.
 */
u16 __atcp_cookie_v4_check(const struct atcp_cookie_secret *sec, u32 count,
			   __be32 saddr, __be32 daddr, __be16 sport,
			   __be16 dport, u32 client_isn, u32 cookie)
{
	struct atcp_cookie_mac_in in;

	atcp_cookie_in_v4(&in, saddr, daddr, sport, dport);
	return atcp_cookie_verify(sec, count,
				  atcp_cookie_h1_v4(sec, saddr, daddr, sport,
						    dport),
				  &in, atcp_msstab_v4, client_isn, cookie);
}
EXPORT_SYMBOL_IF_KUNIT(__atcp_cookie_v4_check);

/**
 * __atcp_cookie_v6_init() - mint an IPv6 cookie with a given secret and count
 * @sec: the secret
 * @count: the cookie count (see atcp_cookie_count())
 * @saddr: the SYN's source address (the client)
 * @daddr: the SYN's destination address (ours)
 * @sport: the SYN's source port
 * @dport: the SYN's destination port
 * @client_isn: the SYN's sequence number
 * @mss: in: the client's MSS; out: the table MSS the cookie encodes
 *
 * Return: the cookie, to be sent as the SYN-ACK's sequence number.
 */
u32 __atcp_cookie_v6_init(struct atcp_cookie_secret *sec, u32 count,
			  const struct in6_addr *saddr,
			  const struct in6_addr *daddr, __be16 sport,
			  __be16 dport, u32 client_isn, u16 *mss)
{
	struct atcp_cookie_mac_in in;

	atcp_cookie_in_v6(&in, saddr, daddr, sport, dport);
	return atcp_cookie_make(sec, count,
				atcp_cookie_h1_v6(sec, saddr, daddr, sport,
						  dport),
				&in, atcp_msstab_v6, client_isn, mss);
}
EXPORT_SYMBOL_IF_KUNIT(__atcp_cookie_v6_init);

/**
 * __atcp_cookie_v6_check() - check an IPv6 cookie with a given secret and count
 * @sec: the secret
 * @count: the current cookie count
 * @saddr: the ACK's source address (the client)
 * @daddr: the ACK's destination address (ours)
 * @sport: the ACK's source port
 * @dport: the ACK's destination port
 * @client_isn: the ACK's sequence number - 1
 * @cookie: the ACK's acknowledgment number - 1
 *
 * Return: the MSS the cookie encodes, or 0 if it is not valid at @count.
 */
u16 __atcp_cookie_v6_check(const struct atcp_cookie_secret *sec, u32 count,
			   const struct in6_addr *saddr,
			   const struct in6_addr *daddr, __be16 sport,
			   __be16 dport, u32 client_isn, u32 cookie)
{
	struct atcp_cookie_mac_in in;

	atcp_cookie_in_v6(&in, saddr, daddr, sport, dport);
	return atcp_cookie_verify(sec, count,
				  atcp_cookie_h1_v6(sec, saddr, daddr, sport,
						    dport),
				  &in, atcp_msstab_v6, client_isn, cookie);
}
EXPORT_SYMBOL_IF_KUNIT(__atcp_cookie_v6_check);

/**
 * atcp_cookie_count() - the current cookie count
 *
 * Return: jiffies_64 / ATCP_COOKIE_PERIOD, truncated to 32 bits: it
 * advances once a minute and never goes back.
 */
u32 atcp_cookie_count(void)
{
	return (u32)div_u64(get_jiffies_64(), ATCP_COOKIE_PERIOD);
}
EXPORT_SYMBOL_IF_KUNIT(atcp_cookie_count);

/**
 * atcp_cookie_v4_init() - SYN cookie for an IPv4 SYN
 * @saddr: the SYN's source address (the client)
 * @daddr: the SYN's destination address (ours)
 * @sport: the SYN's source port
 * @dport: the SYN's destination port
 * @client_isn: the SYN's sequence number
 * @mss: in: the client's MSS (536 when the SYN had no MSS option), clamped
 *	to what the route allows; out: the MSS the cookie encodes, the
 *	largest table entry not above it (the smallest entry if none is)
 *
 * Safe in softirq and process context.
 *
 * Return: our ISS for the SYN-ACK.
 */
u32 atcp_cookie_v4_init(__be32 saddr, __be32 daddr, __be16 sport,
			__be16 dport, u32 client_isn, u16 *mss)
{
	return __atcp_cookie_v4_init(atcp_cookies_get(), atcp_cookie_count(),
				     saddr, daddr, sport, dport, client_isn,
				     mss);
}
EXPORT_SYMBOL_IF_KUNIT(atcp_cookie_v4_init);

/**
 * atcp_cookie_v4_check() - check the cookie of an IPv4 ACK
 * @saddr: the ACK's source address (the client)
 * @daddr: the ACK's destination address (ours)
 * @sport: the ACK's source port
 * @dport: the ACK's destination port
 * @client_isn: ntohl(th->seq) - 1
 * @cookie: ntohl(th->ack_seq) - 1
 *
 * Safe in softirq and process context.
 *
 * Return: the MSS the cookie encodes, or 0 if it is forged, altered,
 * for another connection or expired.
 */
u16 atcp_cookie_v4_check(__be32 saddr, __be32 daddr, __be16 sport,
			 __be16 dport, u32 client_isn, u32 cookie)
{
	return __atcp_cookie_v4_check(atcp_cookies_get(), atcp_cookie_count(),
				      saddr, daddr, sport, dport, client_isn,
				      cookie);
}
EXPORT_SYMBOL_IF_KUNIT(atcp_cookie_v4_check);

/**
 * atcp_cookie_v6_init() - SYN cookie for an IPv6 SYN
 * @saddr: the SYN's source address (the client)
 * @daddr: the SYN's destination address (ours)
 * @sport: the SYN's source port
 * @dport: the SYN's destination port
 * @client_isn: the SYN's sequence number
 * @mss: in: the client's MSS (1220 when the SYN had no MSS option),
 *	clamped to what the route allows; out: the MSS the cookie encodes
 *
 * As atcp_cookie_v4_init(), with the IPv6 MSS table.
 *
 * Return: our ISS for the SYN-ACK.
 */
u32 atcp_cookie_v6_init(const struct in6_addr *saddr,
			const struct in6_addr *daddr, __be16 sport,
			__be16 dport, u32 client_isn, u16 *mss)
{
	return __atcp_cookie_v6_init(atcp_cookies_get(), atcp_cookie_count(),
				     saddr, daddr, sport, dport, client_isn,
				     mss);
}
EXPORT_SYMBOL_IF_KUNIT(atcp_cookie_v6_init);

/**
 * atcp_cookie_v6_check() - check the cookie of an IPv6 ACK
 * @saddr: the ACK's source address (the client)
 * @daddr: the ACK's destination address (ours)
 * @sport: the ACK's source port
 * @dport: the ACK's destination port
 * @client_isn: ntohl(th->seq) - 1
 * @cookie: ntohl(th->ack_seq) - 1
 *
 * As atcp_cookie_v4_check().
 *
 * Return: the MSS the cookie encodes, or 0 if it is not valid.
 */
u16 atcp_cookie_v6_check(const struct in6_addr *saddr,
			 const struct in6_addr *daddr, __be16 sport,
			 __be16 dport, u32 client_isn, u32 cookie)
{
	return __atcp_cookie_v6_check(atcp_cookies_get(), atcp_cookie_count(),
				      saddr, daddr, sport, dport, client_isn,
				      cookie);
}
EXPORT_SYMBOL_IF_KUNIT(atcp_cookie_v6_check);

/**
 * atcp_cookie_ts_encode() - TSval of a cookie SYN-ACK
 * @now_ts: the TSval the SYN-ACK would carry without a cookie (clock plus
 *	the connection's offset)
 * @wscale: window scale shift the client's SYN offered (above 14 counts as
 *	14, RFC 7323 section 2.3)
 * @wscale_ok: the SYN carried a window scale option
 * @sack_ok: the SYN carried SACK-permitted
 *
 * Replaces the low 6 bits of @now_ts by the options and steps back 64
 * ticks if that moved it forward, so that the TSvals that follow on the
 * connection never go backwards.  Only for a SYN that carried timestamps:
 * the echo in the ACK's TSecr is how the options come back.
 *
 * Return: the TSval to send, at most 63 ticks before @now_ts.
 */
u32 atcp_cookie_ts_encode(u32 now_ts, u8 wscale, bool wscale_ok, bool sack_ok)
{
	u32 opts, ts;

	opts = wscale_ok ? min_t(u32, wscale, ATCP_MAX_WSCALE) :
			   ATCP_TS_WSCALE_MASK;
	if (sack_ok)
		opts |= ATCP_TS_SACK;

	ts = (now_ts & ~ATCP_TS_MASK) | opts;
	if (ts > now_ts)
		ts -= BIT(ATCP_TS_BITS);
	return ts;
}
EXPORT_SYMBOL_IF_KUNIT(atcp_cookie_ts_encode);

/**
 * atcp_cookie_ts_decode() - options of a cookie ACK from its TSecr
 * @tsecr: the TSecr of the ACK whose cookie is valid
 * @wscale: out: the client's window scale shift (0 without @wscale_ok)
 * @wscale_ok: out: the client offered window scaling
 * @sack_ok: out: the client offered SACK
 *
 * Call only when the ACK carries a timestamps option; without one, the
 * connection has no window scaling, no SACK and no timestamps.
 *
 * Return: false when @tsecr cannot be the echo of a TSval made by
 * atcp_cookie_ts_encode() (reserved bit set); the outputs are then unset.
 */
bool atcp_cookie_ts_decode(u32 tsecr, u8 *wscale, bool *wscale_ok,
			   bool *sack_ok)
{
	u32 ws = tsecr & ATCP_TS_WSCALE_MASK;

	if (tsecr & ATCP_TS_RESERVED)
		return false;

	*sack_ok = tsecr & ATCP_TS_SACK;
	*wscale_ok = ws != ATCP_TS_WSCALE_MASK;
	*wscale = *wscale_ok ? ws : 0;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(atcp_cookie_ts_decode);
