// SPDX-License-Identifier: GPL-2.0
/*
 * Connection tables and port binding.
 *
 * Three global tables, each entry tagged with its namespace:
 *  - the established table: sockets with a peer (SYN_SENT and later),
 *    hashed by the 4-tuple;
 *  - the listening table: LISTEN sockets, hashed by local port;
 *  - the bind table: every socket holding a local port, hashed by port,
 *    for bind() conflicts and ephemeral port selection.
 *
 * Writers take the bucket spinlock; receive-path readers walk the
 * established and listening chains under RCU.  ATCP sockets are
 * SOCK_RCU_FREE, so a socket found under RCU stays valid memory until the
 * reader takes a reference with refcount_inc_not_zero().
 *
 * Addresses are compared as IPv6 (IPv4 is stored IPv4-mapped in
 * sk_v6_daddr / sk_v6_rcv_saddr by the inet code when IPv6 is built, and
 * by atcp_sk_addrs() otherwise), so one lookup serves both families and a
 * dual-stack listener sees IPv4 peers.
 */
#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/vmalloc.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "atcp.h"

#define ATCP_EHASH_BITS		12
#define ATCP_LHASH_BITS		8
#define ATCP_BHASH_BITS		10

struct atcp_bucket {
	spinlock_t lock;		/* protects chain */
	struct hlist_head chain;
};

static struct atcp_bucket *atcp_ehash;
static struct atcp_bucket *atcp_lhash;
static struct atcp_bucket *atcp_bhash;
static u32 atcp_hash_secret __read_mostly;

static struct lock_class_key atcp_ehash_key, atcp_lhash_key, atcp_bhash_key;

static struct atcp_bucket *atcp_alloc_buckets(unsigned int bits,
					      struct lock_class_key *key)
{
	struct atcp_bucket *b;
	unsigned int i;

	b = kvmalloc_array(1U << bits, sizeof(*b), GFP_KERNEL);
	if (!b)
		return NULL;
	for (i = 0; i < (1U << bits); i++) {
		spin_lock_init(&b[i].lock);
		/* Binding takes a bind bucket, then an established one. */
		lockdep_set_class(&b[i].lock, key);
		INIT_HLIST_HEAD(&b[i].chain);
	}
	return b;
}

/**
 * atcp_hash_init() - allocate the connection tables
 *
 * Return: 0 or -ENOMEM.
 */
int atcp_hash_init(void)
{
	get_random_bytes(&atcp_hash_secret, sizeof(atcp_hash_secret));
	atcp_ehash = atcp_alloc_buckets(ATCP_EHASH_BITS, &atcp_ehash_key);
	atcp_lhash = atcp_alloc_buckets(ATCP_LHASH_BITS, &atcp_lhash_key);
	atcp_bhash = atcp_alloc_buckets(ATCP_BHASH_BITS, &atcp_bhash_key);
	if (!atcp_ehash || !atcp_lhash || !atcp_bhash) {
		atcp_hash_exit();
		return -ENOMEM;
	}
	return 0;
}

/**
 * atcp_hash_exit() - free the connection tables; they must be empty
 */
void atcp_hash_exit(void)
{
	kvfree(atcp_ehash);
	kvfree(atcp_lhash);
	kvfree(atcp_bhash);
	atcp_ehash = NULL;
	atcp_lhash = NULL;
	atcp_bhash = NULL;
}

static u32 atcp_ehashfn(const struct net *net, const struct in6_addr *laddr,
			u16 lport, const struct in6_addr *raddr, __be16 rport)
{
	u32 h = jhash2((const u32 *)raddr, 4, atcp_hash_secret ^
		       net_hash_mix(net));

	h = jhash_3words(h, (__force u32)ipv6_addr_hash(laddr),
			 ((u32)lport << 16) | (__force u16)rport,
			 atcp_hash_secret);
	return h & ((1U << ATCP_EHASH_BITS) - 1);
}

static u32 atcp_porthash(const struct net *net, u16 port, unsigned int bits)
{
	return hash_32(port ^ net_hash_mix(net), bits);
}

/**
 * atcp_ehash_insert() - add a connected socket to the established table
 * @sk: socket with both addresses and ports set
 *
 * Return: 0, or -EADDRNOTAVAIL when another connection (or a TIME-WAIT)
 * already has the same 4-tuple (then nothing is inserted).
 */
int atcp_ehash_insert(struct sock *sk)
{
	struct in6_addr laddr, raddr;
	struct atcp_tw *tw;
	struct atcp_bucket *b;
	struct sock *sk2;

	atcp_sk_addrs(sk, &laddr, &raddr);
	/* A 4-tuple in TIME-WAIT is not free either (RFC 9293 3.6.1). */
	tw = atcp_tw_lookup(sock_net(sk), &laddr, inet_sk(sk)->inet_num,
			    &raddr, sk->sk_dport);
	if (tw) {
		atcp_tw_put(tw);
		return -EADDRNOTAVAIL;
	}
	b = &atcp_ehash[atcp_ehashfn(sock_net(sk), &laddr, inet_sk(sk)->inet_num,
				     &raddr, sk->sk_dport)];
	spin_lock_bh(&b->lock);
	hlist_for_each_entry(sk2, &b->chain, sk_node) {
		struct in6_addr l2, r2;

		if (!net_eq(sock_net(sk2), sock_net(sk)) ||
		    inet_sk(sk2)->inet_num != inet_sk(sk)->inet_num ||
		    sk2->sk_dport != sk->sk_dport)
			continue;
		atcp_sk_addrs(sk2, &l2, &r2);
		if (ipv6_addr_equal(&l2, &laddr) &&
		    ipv6_addr_equal(&r2, &raddr)) {
			spin_unlock_bh(&b->lock);
			return -EADDRNOTAVAIL;
		}
	}
	sock_set_flag(sk, SOCK_RCU_FREE);
	sock_hold(sk);
	hlist_add_head_rcu(&sk->sk_node, &b->chain);
	sock_prot_inuse_add(sock_net(sk), sk->sk_prot, 1);
	spin_unlock_bh(&b->lock);
	return 0;
}

static void atcp_ehash_remove(struct sock *sk)
{
	struct in6_addr laddr, raddr;
	struct atcp_bucket *b;

	atcp_sk_addrs(sk, &laddr, &raddr);
	b = &atcp_ehash[atcp_ehashfn(sock_net(sk), &laddr, inet_sk(sk)->inet_num,
				     &raddr, sk->sk_dport)];
	spin_lock_bh(&b->lock);
	hlist_del_init_rcu(&sk->sk_node);
	sock_prot_inuse_add(sock_net(sk), sk->sk_prot, -1);
	spin_unlock_bh(&b->lock);
	atcp_sk(sk)->unhash_rcu = get_state_synchronize_rcu();
	__sock_put(sk);
}

/*
 * The tables are RCU hlists, not TCP's hlist_nulls.  A lookup standing on
 * a socket that leaves its chain and enters another would follow it there
 * and miss the rest of its own chain: a segment of another connection
 * would find no socket and be reset.  So a socket enters a table again
 * (connect() after a failed connect() or connect(AF_UNSPEC), listen()
 * after shutdown()) only after the RCU grace period that began when it
 * left one; in practice that has long passed and this does not wait.
 * Process context only.
 */
static void atcp_rehash_wait(struct sock *sk)
{
	unsigned long left = atcp_sk(sk)->unhash_rcu;

	if (left)
		cond_synchronize_rcu(left);
}

/**
 * atcp_lhash_insert() - add a socket entering LISTEN to the listening table
 * @sk: the socket, already bound, owned by the caller (process context)
 */
void atcp_lhash_insert(struct sock *sk)
{
	struct atcp_bucket *b;

	atcp_rehash_wait(sk);
	b = &atcp_lhash[atcp_porthash(sock_net(sk), inet_sk(sk)->inet_num,
				      ATCP_LHASH_BITS)];
	spin_lock_bh(&b->lock);
	sock_set_flag(sk, SOCK_RCU_FREE);
	sock_hold(sk);
	hlist_add_head_rcu(&sk->sk_node, &b->chain);
	sock_prot_inuse_add(sock_net(sk), sk->sk_prot, 1);
	spin_unlock_bh(&b->lock);
}

static void atcp_lhash_remove(struct sock *sk)
{
	struct atcp_bucket *b;

	b = &atcp_lhash[atcp_porthash(sock_net(sk), inet_sk(sk)->inet_num,
				      ATCP_LHASH_BITS)];
	spin_lock_bh(&b->lock);
	hlist_del_init_rcu(&sk->sk_node);
	sock_prot_inuse_add(sock_net(sk), sk->sk_prot, -1);
	spin_unlock_bh(&b->lock);
	atcp_sk(sk)->unhash_rcu = get_state_synchronize_rcu();
	__sock_put(sk);
}

/**
 * atcp_unhash() - remove a socket from the established or listening table
 * @sk: the socket; nothing happens if it is in neither
 *
 * Called with the socket owned by the caller, when it goes to CLOSED.
 */
void atcp_unhash(struct sock *sk)
{
	if (sk_unhashed(sk))
		return;
	if (sk->sk_state == TCP_LISTEN)
		atcp_lhash_remove(sk);
	else
		atcp_ehash_remove(sk);
}

/**
 * atcp_lookup_established() - find the connection a segment belongs to
 * @net: namespace
 * @laddr: local (destination) address, IPv6 or IPv4-mapped
 * @lport: local port, host order
 * @raddr: remote (source) address
 * @rport: remote port, network order
 * @dif: input interface
 *
 * Return: the socket with a reference held, or NULL.
 */
struct sock *atcp_lookup_established(struct net *net,
				     const struct in6_addr *laddr, u16 lport,
				     const struct in6_addr *raddr, __be16 rport,
				     int dif)
{
	struct atcp_bucket *b;
	struct sock *sk;

	b = &atcp_ehash[atcp_ehashfn(net, laddr, lport, raddr, rport)];
	rcu_read_lock();
	hlist_for_each_entry_rcu(sk, &b->chain, sk_node) {
		struct in6_addr l2, r2;

		if (!net_eq(sock_net(sk), net) ||
		    inet_sk(sk)->inet_num != lport || sk->sk_dport != rport)
			continue;
		if (sk->sk_bound_dev_if && sk->sk_bound_dev_if != dif)
			continue;
		atcp_sk_addrs(sk, &l2, &r2);
		if (!ipv6_addr_equal(&l2, laddr) || !ipv6_addr_equal(&r2, raddr))
			continue;
		if (refcount_inc_not_zero(&sk->sk_refcnt)) {
			rcu_read_unlock();
			return sk;
		}
	}
	rcu_read_unlock();
	return NULL;
}

/*
 * How well a listener matches: -1 not at all, higher is more specific.
 * An exact local address beats a wildcard; a bound device beats both.
 */
static int atcp_listen_score4(const struct sock *sk,
			      const struct in6_addr *laddr)
{
	if (!ipv6_addr_v4mapped(laddr))
		return -1;
	if (!sk->sk_rcv_saddr)
		return 2;
	return sk->sk_rcv_saddr == laddr->s6_addr32[3] ? 6 : -1;
}

#if IS_ENABLED(CONFIG_IPV6)
static int atcp_listen_score6(const struct sock *sk,
			      const struct in6_addr *laddr)
{
	bool v4 = ipv6_addr_v4mapped(laddr);
	int score = v4 ? 1 : 2;	/* prefer a native family match */

	if (v4 && sk->sk_ipv6only)
		return -1;
	if (ipv6_addr_any(&sk->sk_v6_rcv_saddr))
		return score;
	return ipv6_addr_equal(&sk->sk_v6_rcv_saddr, laddr) ? score + 4 : -1;
}
#endif

static int atcp_listen_score(const struct sock *sk, const struct in6_addr *laddr,
			     int dif)
{
	int score;

	score = atcp_listen_score4(sk, laddr);
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6)
		score = atcp_listen_score6(sk, laddr);
#endif
	if (score < 0 || !sk->sk_bound_dev_if)
		return score;
	return sk->sk_bound_dev_if == dif ? score + 8 : -1;
}

/**
 * atcp_lookup_listener() - find the listener for a new connection
 * @net: namespace
 * @laddr: local (destination) address, IPv6 or IPv4-mapped
 * @lport: local port, host order
 * @raddr: remote address (spreads connections over SO_REUSEPORT groups)
 * @rport: remote port, network order
 * @dif: input interface
 *
 * The most specific match wins; among equally specific SO_REUSEPORT
 * listeners, the peer's address and port pick one.
 *
 * Return: the listener with a reference held, or NULL.
 */
struct sock *atcp_lookup_listener(struct net *net, const struct in6_addr *laddr,
				  u16 lport, const struct in6_addr *raddr,
				  __be16 rport, int dif)
{
	struct sock *sk, *best = NULL;
	u32 phash = 0;
	int best_score = -1, matches = 0;
	struct atcp_bucket *b;

	b = &atcp_lhash[atcp_porthash(net, lport, ATCP_LHASH_BITS)];
	rcu_read_lock();
	hlist_for_each_entry_rcu(sk, &b->chain, sk_node) {
		int score;

		if (!net_eq(sock_net(sk), net) || inet_sk(sk)->inet_num != lport)
			continue;
		score = atcp_listen_score(sk, laddr, dif);
		if (score < 0 || score < best_score)
			continue;
		if (score > best_score) {
			best = sk;
			best_score = score;
			matches = 1;
		} else if (sk->sk_reuseport) {
			/* Spread an SO_REUSEPORT group by the peer. */
			if (!phash)
				phash = jhash2((const u32 *)raddr, 4,
					       (__force u16)rport) | 1;
			if (reciprocal_scale(phash, ++matches) == 0)
				best = sk;
		}
	}
	if (best && !refcount_inc_not_zero(&best->sk_refcnt))
		best = NULL;
	rcu_read_unlock();
	return best;
}

#define ATCP_FAM_V4	1
#define ATCP_FAM_V6	2

/* The address families a socket bound to @l takes connections for. */
static int atcp_bound_families(const struct sock *sk, const struct in6_addr *l)
{
	if (sk->sk_family == AF_INET || ipv6_addr_v4mapped(l))
		return ATCP_FAM_V4;
	if (ipv6_addr_any(l))
		return sk->sk_ipv6only ? ATCP_FAM_V6 : ATCP_FAM_V4 | ATCP_FAM_V6;
	return ATCP_FAM_V6;
}

static bool atcp_addr_wildcard(const struct in6_addr *l)
{
	return ipv6_addr_any(l) || (ipv6_addr_v4mapped(l) && !l->s6_addr32[3]);
}

/* Do the local addresses of two sockets on one port overlap? */
static bool atcp_bind_overlap(const struct sock *sk, const struct sock *sk2)
{
	struct in6_addr l1, l2, r;

	atcp_sk_addrs(sk, &l1, &r);
	atcp_sk_addrs(sk2, &l2, &r);
	if (!(atcp_bound_families(sk, &l1) & atcp_bound_families(sk2, &l2)))
		return false;	/* e.g. IPV6_V6ONLY [::] and 0.0.0.0 */
	if (atcp_addr_wildcard(&l1) || atcp_addr_wildcard(&l2))
		return true;
	return ipv6_addr_equal(&l1, &l2);
}

/* Would sk and sk2, both on one port, conflict?  As inet_bind_conflict. */
static bool atcp_bind_conflict(const struct sock *sk, const struct sock *sk2,
			       bool relax)
{
	if (sk->sk_bound_dev_if && sk2->sk_bound_dev_if &&
	    sk->sk_bound_dev_if != sk2->sk_bound_dev_if)
		return false;
	if (sk->sk_reuse && sk2->sk_reuse && sk2->sk_state != TCP_LISTEN &&
	    (relax || sk->sk_state != TCP_LISTEN))
		return false;
	if (sk->sk_reuseport && sk2->sk_reuseport &&
	    uid_eq(sock_net_uid(sock_net(sk), sk),
		   sock_net_uid(sock_net(sk2), sk2)))
		return false;
	return atcp_bind_overlap(sk, sk2);
}

static bool atcp_port_conflict(struct sock *sk, u16 port, bool relax)
{
	struct atcp_bucket *b;
	struct sock *sk2;

	b = &atcp_bhash[atcp_porthash(sock_net(sk), port, ATCP_BHASH_BITS)];
	hlist_for_each_entry(sk2, &b->chain, sk_bind_node) {
		if (sk2 == sk || !net_eq(sock_net(sk2), sock_net(sk)) ||
		    inet_sk(sk2)->inet_num != port)
			continue;
		if (atcp_bind_conflict(sk, sk2, relax))
			return true;
	}
	return atcp_tw_port_conflict(sk, port);
}

static void atcp_bind_add(struct sock *sk, u16 port)
{
	struct atcp_bucket *b;

	b = &atcp_bhash[atcp_porthash(sock_net(sk), port, ATCP_BHASH_BITS)];
	inet_sk(sk)->inet_num = port;
	sk_add_bind_node(sk, &b->chain);
}

/**
 * atcp_get_port() - sk_prot->get_port: bind a socket to a local port
 * @sk: socket, its local address already set by inet_bind()
 * @snum: port, host order; 0 picks a free one from ip_local_port_range
 *
 * Return: 0 or -EADDRINUSE.  (inet_bind() passes the value through since
 * 6.2, so it must be an errno; 6.1 maps any non-zero to EADDRINUSE.)
 */
int atcp_get_port(struct sock *sk, unsigned short snum)
{
	int low, high, i, remaining;
	struct atcp_bucket *b;
	u32 offset;

	if (snum) {
		b = &atcp_bhash[atcp_porthash(sock_net(sk), snum,
					      ATCP_BHASH_BITS)];
		spin_lock_bh(&b->lock);
		if (atcp_port_conflict(sk, snum, false)) {
			spin_unlock_bh(&b->lock);
			return -EADDRINUSE;
		}
		atcp_bind_add(sk, snum);
		spin_unlock_bh(&b->lock);
		return 0;
	}

	inet_get_local_port_range(sock_net(sk), &low, &high);
	remaining = high - low + 1;
	offset = get_random_u32_below(remaining);
	for (i = 0; i < remaining; i++) {
		u16 port = low + (offset + i) % remaining;

		if (inet_is_local_reserved_port(sock_net(sk), port))
			continue;
		b = &atcp_bhash[atcp_porthash(sock_net(sk), port,
					      ATCP_BHASH_BITS)];
		spin_lock_bh(&b->lock);
		if (!atcp_port_conflict(sk, port, false)) {
			atcp_bind_add(sk, port);
			spin_unlock_bh(&b->lock);
			return 0;
		}
		spin_unlock_bh(&b->lock);
	}
	return -EADDRINUSE;
}

/**
 * atcp_connect_port() - bind and hash a connecting socket
 * @sk: socket with its addresses and peer port set, owned by the caller
 *	(process context: it may wait for an RCU grace period)
 *
 * Keeps an explicitly bound port; otherwise picks an ephemeral port such
 * that the 4-tuple is unique (several connections to different peers may
 * share a port, as with TCP).  On success the socket is in both the bind
 * and the established table.
 *
 * Return: 0, or -EADDRNOTAVAIL when every candidate port is taken.
 */
int atcp_connect_port(struct sock *sk)
{
	int low, high, i, remaining;
	struct atcp_bucket *b;
	u32 offset;

	atcp_rehash_wait(sk);
	if (inet_sk(sk)->inet_num)
		return atcp_ehash_insert(sk);

	inet_get_local_port_range(sock_net(sk), &low, &high);
	remaining = high - low + 1;
	offset = get_random_u32_below(remaining);
	for (i = 0; i < remaining; i++) {
		u16 port = low + (offset + i) % remaining;
		struct sock *sk2;
		bool busy = false;

		if (inet_is_local_reserved_port(sock_net(sk), port))
			continue;
		b = &atcp_bhash[atcp_porthash(sock_net(sk), port,
					      ATCP_BHASH_BITS)];
		spin_lock_bh(&b->lock);
		/* Only ports other connect()s took may be shared. */
		hlist_for_each_entry(sk2, &b->chain, sk_bind_node) {
			if (net_eq(sock_net(sk2), sock_net(sk)) &&
			    inet_sk(sk2)->inet_num == port &&
			    (sk2->sk_userlocks & SOCK_BINDPORT_LOCK ||
			     sk2->sk_state == TCP_LISTEN ||
			     atcp_bind_conflict(sk, sk2, true))) {
				busy = true;
				break;
			}
		}
		if (!busy) {
			inet_sk(sk)->inet_num = port;
			inet_sk(sk)->inet_sport = htons(port);
			if (!atcp_ehash_insert(sk)) {
				sk_add_bind_node(sk, &b->chain);
				spin_unlock_bh(&b->lock);
				return 0;
			}
			inet_sk(sk)->inet_num = 0;
			inet_sk(sk)->inet_sport = 0;
		}
		spin_unlock_bh(&b->lock);
	}
	return -EADDRNOTAVAIL;
}

/**
 * atcp_put_port() - release a socket's local port
 * @sk: the socket; nothing happens if it holds no port
 */
void atcp_put_port(struct sock *sk)
{
	u16 port = inet_sk(sk)->inet_num;
	struct atcp_bucket *b;

	if (!port || hlist_unhashed(&sk->sk_bind_node))
		return;
	b = &atcp_bhash[atcp_porthash(sock_net(sk), port, ATCP_BHASH_BITS)];
	spin_lock_bh(&b->lock);
	__sk_del_bind_node(sk);
	sk_node_init(&sk->sk_bind_node);
	spin_unlock_bh(&b->lock);
	/* As TCP, getsockname() keeps showing the port last used. */
	if (!(sk->sk_userlocks & SOCK_BINDPORT_LOCK))
		inet_sk(sk)->inet_num = 0;
}

/**
 * atcp_inherit_port() - a new child shares its listener's local port
 * @lsk: the listener
 * @child: the child, fresh from sk_clone_lock()
 */
void atcp_inherit_port(struct sock *lsk, struct sock *child)
{
	u16 port = inet_sk(lsk)->inet_num;
	struct atcp_bucket *b;

	b = &atcp_bhash[atcp_porthash(sock_net(lsk), port, ATCP_BHASH_BITS)];
	spin_lock(&b->lock);
	sk_add_bind_node(child, &b->chain);
	spin_unlock(&b->lock);
}

static void atcp_walk_table(struct atcp_bucket *tbl, unsigned int bits,
			    struct net *net, atcp_sock_walk_fn fn, void *arg)
{
	unsigned int i;
	struct sock *sk;

	for (i = 0; i < (1U << bits); i++) {
		struct atcp_bucket *b = &tbl[i];

		if (hlist_empty(&b->chain))
			continue;
		spin_lock_bh(&b->lock);
		hlist_for_each_entry(sk, &b->chain, sk_node)
			if (net_eq(sock_net(sk), net))
				fn(sk, arg);
		spin_unlock_bh(&b->lock);
	}
}

/**
 * atcp_walk_socks() - visit every listening and connected socket
 * @net: namespace whose sockets are visited
 * @fn: called for each socket, under its table bucket's lock with
 *	softirqs off: it must not sleep
 * @arg: passed to @fn
 *
 * Listeners are visited first.  Sockets that only hold a port (bound,
 * never listened or connected) are not in these tables and not visited.
 */
void atcp_walk_socks(struct net *net, atcp_sock_walk_fn fn, void *arg)
{
	atcp_walk_table(atcp_lhash, ATCP_LHASH_BITS, net, fn, arg);
	atcp_walk_table(atcp_ehash, ATCP_EHASH_BITS, net, fn, arg);
}

/**
 * atcp_walk_socks_from() - visit listening and connected sockets from a
 *	saved position on, as a resumable dump (sock_diag) needs
 * @net: namespace whose sockets are visited
 * @pos: in: the first socket to visit; out: the socket @fn stopped the
 *	walk at, or past the end of the tables when it did not
 * @fn: called for each socket with its position, under its table bucket's
 *	lock with softirqs off (it must not sleep); returns true to stop the
 *	walk before that socket, which is then where @pos points
 * @arg: passed to @fn
 *
 * Same order as atcp_walk_socks().  A position is a bucket (listening
 * table first, then established table) and the number of the namespace's
 * sockets before it in that bucket, so sockets that come and go between
 * two walks only shift positions within their own bucket.
 */
void atcp_walk_socks_from(struct net *net, struct atcp_walk_pos *pos,
			  atcp_sock_walk_pos_fn fn, void *arg)
{
	const unsigned int nlisten = 1U << ATCP_LHASH_BITS;
	const unsigned int nbuckets = nlisten + (1U << ATCP_EHASH_BITS);
	struct atcp_walk_pos here = *pos;
	unsigned int skip = pos->num;

	for (; here.bucket < nbuckets; here.bucket++, skip = 0) {
		struct atcp_bucket *b;
		unsigned int num = 0;
		struct sock *sk;

		b = here.bucket < nlisten ? &atcp_lhash[here.bucket] :
		    &atcp_ehash[here.bucket - nlisten];
		if (hlist_empty(&b->chain))
			continue;
		spin_lock_bh(&b->lock);
		hlist_for_each_entry(sk, &b->chain, sk_node) {
			if (!net_eq(sock_net(sk), net))
				continue;
			here.num = num++;
			if (here.num < skip)
				continue;
			if (fn(sk, &here, arg)) {
				spin_unlock_bh(&b->lock);
				*pos = here;
				return;
			}
		}
		spin_unlock_bh(&b->lock);
	}
	pos->bucket = nbuckets;
	pos->num = 0;
}

/**
 * atcp_listen_port_claim() - let a bound socket start listening if no
 *	other listener holds its address and port
 * @sk: the socket, bound, owned by the caller, in CLOSED
 *
 * Two listeners may share an address and port only through SO_REUSEPORT
 * (same user), whatever SO_REUSEADDR says: that only lets bind() share a
 * port with sockets that are not listening.  On success @sk enters LISTEN
 * before the bucket lock is dropped, so a racing listen() sees it.
 *
 * Return: 0, or -EADDRINUSE.
 */
int atcp_listen_port_claim(struct sock *sk)
{
	u16 port = inet_sk(sk)->inet_num;
	struct atcp_bucket *b;
	struct sock *sk2;
	int err = 0;

	b = &atcp_bhash[atcp_porthash(sock_net(sk), port, ATCP_BHASH_BITS)];
	spin_lock_bh(&b->lock);
	hlist_for_each_entry(sk2, &b->chain, sk_bind_node) {
		if (sk2 == sk || !net_eq(sock_net(sk2), sock_net(sk)) ||
		    inet_sk(sk2)->inet_num != port ||
		    sk2->sk_state != TCP_LISTEN)
			continue;
		if (atcp_bind_conflict(sk, sk2, true)) {
			err = -EADDRINUSE;
			break;
		}
	}
	if (!err)
		atcp_set_state(sk, TCP_LISTEN);
	spin_unlock_bh(&b->lock);
	return err;
}
