// SPDX-License-Identifier: GPL-2.0
/*
 * TIME-WAIT: after an active close the connection's 4-tuple stays
 * reserved for 2 * MSL (net.atcp.msl), so that old duplicates die and a
 * lost final ACK can be sent again (RFC 9293 3.6.1).  Like TCP, ATCP keeps
 * this state in a small object instead of the socket, which is freed at
 * once.
 *
 * A TIME-WAIT object:
 *  - answers a retransmitted FIN with an ACK and restarts its timer;
 *  - is removed by an acceptable RST unless net.atcp.rfc1337 is set
 *    (RFC 1337 "TIME-WAIT assassination");
 *  - lets a new SYN for its 4-tuple through only if that SYN is clearly
 *    newer: a higher timestamp (RFC 6191) or, without timestamps, a
 *    sequence number beyond the old RCV.NXT (RFC 1122 4.2.2.13);
 *  - keeps its local port: bind() conflicts with it unless both the old
 *    and the new socket set SO_REUSEADDR, and connect() skips 4-tuples
 *    in TIME-WAIT (EADDRNOTAVAIL when every port is taken).
 *
 * At most net.atcp.max_tw_buckets objects exist per namespace; beyond
 * that a closing connection skips TIME-WAIT (TimeWaitOverflow).
 * Namespace exit and module unload remove what is left.
 *
 * Two tables, each bucket with its own lock: by 4-tuple for the receive
 * path (walked under RCU) and by local port for binding.
 */
#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/slab.h>
#include <linux/sock_diag.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "atcp.h"
#include "trace.h"

#define ATCP_TW_BITS	12

struct atcp_tw_bucket {
	spinlock_t lock;	/* protects chain */
	struct hlist_head chain;
};

static struct atcp_tw_bucket *atcp_tw_hash;	/* by 4-tuple */
static struct atcp_tw_bucket *atcp_tw_bhash;	/* by local port */
static struct kmem_cache *atcp_tw_cachep;
static u32 atcp_tw_secret __read_mostly;
static struct lock_class_key atcp_tw_key, atcp_tw_bkey;

static u32 atcp_tw_hashfn(const struct net *net, const struct in6_addr *l,
			  u16 lport, const struct in6_addr *r, __be16 rport)
{
	u32 h = jhash2((const u32 *)r, 4, atcp_tw_secret ^ net_hash_mix(net));

	h = jhash_3words(h, (__force u32)ipv6_addr_hash(l),
			 ((u32)lport << 16) | (__force u16)rport,
			 atcp_tw_secret);
	return h & ((1U << ATCP_TW_BITS) - 1);
}

static u32 atcp_tw_porthash(const struct net *net, u16 port)
{
	return hash_32(port ^ net_hash_mix(net), ATCP_TW_BITS);
}

static struct atcp_tw_bucket *atcp_tw_chain(const struct atcp_tw *tw)
{
	return &atcp_tw_hash[atcp_tw_hashfn(read_pnet(&tw->net), &tw->laddr,
					    tw->lport, &tw->raddr, tw->rport)];
}

static struct atcp_tw_bucket *atcp_tw_bchain(const struct atcp_tw *tw)
{
	return &atcp_tw_bhash[atcp_tw_porthash(read_pnet(&tw->net),
					       tw->lport)];
}

/**
 * atcp_tw_put() - drop a reference to a TIME-WAIT object
 * @tw: the object
 */
void atcp_tw_put(struct atcp_tw *tw)
{
	if (refcount_dec_and_test(&tw->refcnt))
		kmem_cache_free(atcp_tw_cachep, tw);
}

static void atcp_tw_free_rcu(struct rcu_head *head)
{
	atcp_tw_put(container_of(head, struct atcp_tw, rcu));
}

/* Unlink from both tables; the tables' reference goes after a grace
 * period, since receive-path readers may still hold a pointer.
 */
static void atcp_tw_unhash(struct atcp_tw *tw)
{
	struct atcp_tw_bucket *b = atcp_tw_chain(tw);
	struct atcp_tw_bucket *bb = atcp_tw_bchain(tw);
	struct net *net = read_pnet(&tw->net);

	spin_lock_bh(&b->lock);
	hlist_del_init_rcu(&tw->node);
	spin_unlock_bh(&b->lock);
	spin_lock_bh(&bb->lock);
	hlist_del_init(&tw->bind_node);
	spin_unlock_bh(&bb->lock);
	atomic_dec(&atcp_pernet(net)->tw_count);
	call_rcu(&tw->rcu, atcp_tw_free_rcu);
}

static void atcp_tw_timer(struct timer_list *t)
{
	struct atcp_tw *tw = timer_container_of(tw, t, timer);

	ATCP_INC_STATS(read_pnet(&tw->net), TW);
	atcp_tw_unhash(tw);
}

/**
 * atcp_tw_kill() - end a TIME-WAIT early (RST, new SYN, namespace exit)
 * @tw: the object, a reference held by the caller
 */
void atcp_tw_kill(struct atcp_tw *tw)
{
	if (timer_delete_sync(&tw->timer))
		atcp_tw_unhash(tw);
}

static void atcp_tw_reschedule(struct atcp_tw *tw)
{
	int msl = READ_ONCE(atcp_pernet(read_pnet(&tw->net))->msl);

	mod_timer_pending(&tw->timer, jiffies + 2 * msl * HZ);
}

/**
 * atcp_time_wait() - enter TIME-WAIT: a TIME-WAIT object takes over the
 *	4-tuple and the socket is done
 * @sk: the socket, owned by the caller, its FIN acknowledged and the
 *	peer's FIN received
 * @state: TCP_TIME_WAIT
 */
void atcp_time_wait(struct sock *sk, int state)
{
	struct atcp_net *an = atcp_pernet(sock_net(sk));
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_tw_bucket *b, *bb;
	struct atcp_tw *tw = NULL;

	if (atomic_inc_return(&an->tw_count) <= READ_ONCE(an->max_tw_buckets))
		tw = kmem_cache_alloc(atcp_tw_cachep, GFP_ATOMIC);
	if (!tw) {
		atomic_dec(&an->tw_count);
		ATCP_INC_STATS(sock_net(sk), TIMEWAITOVERFLOW);
		atcp_done(sk);
		return;
	}

	refcount_set(&tw->refcnt, 1);
	write_pnet(&tw->net, sock_net(sk));
	atcp_sk_addrs(sk, &tw->laddr, &tw->raddr);
	tw->lport = inet_sk(sk)->inet_num;
	tw->sport = inet_sk(sk)->inet_sport;
	tw->rport = inet_sk(sk)->inet_dport;
	tw->family = sk->sk_family;
	tw->ipv6only = sk->sk_family == AF_INET6 && sk->sk_ipv6only;
	tw->reuse = sk->sk_reuse;
	tw->bound_dev_if = sk->sk_bound_dev_if;
	tw->snd_nxt = as->snd_nxt;
	tw->rcv_nxt = as->rcv_nxt;
	tw->rcv_wnd = atcp_rcv_wnd_now(as) >> as->rcv_wscale;
	tw->ts_ok = as->ts_ok;
	tw->ts_recent = as->ts_recent;
	tw->ts_recent_stamp = as->ts_recent_stamp;
	tw->ts_offset = as->ts_offset;
	/* sock_diag lists the object under the socket's cookie, as TCP. */
	sock_diag_save_cookie(sk, tw->cookie);
	tw->mark = READ_ONCE(sk->sk_mark);
	tw->last_oow_ack_time = as->last_oow_ack_time;
	timer_setup(&tw->timer, atcp_tw_timer, TIMER_PINNED);

	b = atcp_tw_chain(tw);
	bb = atcp_tw_bchain(tw);
	spin_lock_bh(&bb->lock);
	hlist_add_head(&tw->bind_node, &bb->chain);
	spin_unlock_bh(&bb->lock);
	spin_lock_bh(&b->lock);
	hlist_add_head_rcu(&tw->node, &b->chain);
	spin_unlock_bh(&b->lock);
	mod_timer(&tw->timer, jiffies + 2 * READ_ONCE(an->msl) * HZ);

	if (sk->sk_state != state)
		atcp_set_state(sk, state);
	atcp_done(sk);
}

/**
 * atcp_tw_lookup() - the TIME-WAIT object of a 4-tuple
 * @net: namespace
 * @laddr: local address (IPv6 or IPv4-mapped)
 * @lport: local port, host order
 * @raddr: remote address
 * @rport: remote port, network order
 *
 * Return: the object with a reference held, or NULL.
 */
struct atcp_tw *atcp_tw_lookup(struct net *net, const struct in6_addr *laddr,
			       u16 lport, const struct in6_addr *raddr,
			       __be16 rport)
{
	struct atcp_tw_bucket *b;
	struct atcp_tw *tw;

	b = &atcp_tw_hash[atcp_tw_hashfn(net, laddr, lport, raddr, rport)];
	rcu_read_lock();
	hlist_for_each_entry_rcu(tw, &b->chain, node) {
		if (net_eq(read_pnet(&tw->net), net) && tw->lport == lport &&
		    tw->rport == rport && ipv6_addr_equal(&tw->laddr, laddr) &&
		    ipv6_addr_equal(&tw->raddr, raddr) &&
		    refcount_inc_not_zero(&tw->refcnt)) {
			rcu_read_unlock();
			return tw;
		}
	}
	rcu_read_unlock();
	return NULL;
}

/**
 * atcp_tw_port_conflict() - does a TIME-WAIT object hold this port for
 *	a socket that wants to bind it?
 * @sk: the socket binding (its local address set)
 * @port: the port
 *
 * As for two sockets: no conflict when both set SO_REUSEADDR, or when
 * their local addresses or bound devices differ.
 *
 * Return: true when bind() must fail with EADDRINUSE.
 */
bool atcp_tw_port_conflict(const struct sock *sk, u16 port)
{
	struct atcp_tw_bucket *bb;
	struct in6_addr l, r;
	struct atcp_tw *tw;
	bool conflict = false;

	atcp_sk_addrs(sk, &l, &r);
	bb = &atcp_tw_bhash[atcp_tw_porthash(sock_net(sk), port)];
	spin_lock_bh(&bb->lock);
	hlist_for_each_entry(tw, &bb->chain, bind_node) {
		bool v4 = ipv6_addr_v4mapped(&tw->laddr);

		if (!net_eq(read_pnet(&tw->net), sock_net(sk)) ||
		    tw->lport != port)
			continue;
		if (sk->sk_reuse && tw->reuse)
			continue;
		if (sk->sk_bound_dev_if && tw->bound_dev_if &&
		    sk->sk_bound_dev_if != tw->bound_dev_if)
			continue;
		/* An IPV6_V6ONLY socket and an IPv4 connection share. */
		if (v4 && sk->sk_family == AF_INET6 && sk->sk_ipv6only)
			continue;
		if (!v4 && sk->sk_family == AF_INET)
			continue;
		if (ipv6_addr_any(&l) ||
		    (ipv6_addr_v4mapped(&l) && !l.s6_addr32[3]) ||
		    ipv6_addr_equal(&l, &tw->laddr)) {
			conflict = true;
			break;
		}
	}
	spin_unlock_bh(&bb->lock);
	return conflict;
}

/* An ACK (or RST) from TIME-WAIT, through the namespace control socket. */
static void atcp_tw_send(struct atcp_tw *tw, struct sk_buff *skb, u8 flags,
			 u32 seq)
{
	struct net *net = read_pnet(&tw->net);
	struct atcp_out_opts o = { };
	struct sk_buff *nskb;

	if (tw->ts_ok && !(flags & TCPHDR_RST)) {
		o.ts = true;
		o.tsval = atcp_clock_ms() + tw->ts_offset;
		o.tsecr = tw->ts_recent;
	}
	nskb = atcp_build_ctl(tw->sport, tw->rport, seq, tw->rcv_nxt, flags,
			      (flags & TCPHDR_RST) ? 0 : tw->rcv_wnd, &o,
			      GFP_ATOMIC);
	if (!nskb)
		return;
	if (skb->protocol == htons(ETH_P_IP))
		atcp_v4_send_reply(net, skb, nskb);
#if IS_ENABLED(CONFIG_IPV6)
	else
		atcp_v6_send_reply(net, skb, nskb);
#else
	else
		kfree_skb(nskb);
#endif
}

/*
 * An ACK answering an invalid segment, at most one per invalid_ratelimit
 * (tcp_timewait_check_oow_rate_limit()): two TIME-WAITs, or a TIME-WAIT
 * and a confused peer, would otherwise answer each other for ever.  The
 * ACK of a retransmitted FIN is not limited: that FIN is valid.
 */
static void atcp_tw_send_oow_ack(struct atcp_tw *tw, struct sk_buff *skb)
{
	if (!atcp_oow_rate_limited(read_pnet(&tw->net), skb,
				   ATCP_MIB_ACKSKIPPEDTIMEWAIT,
				   &tw->last_oow_ack_time))
		atcp_tw_send(tw, skb, TCPHDR_ACK, tw->snd_nxt);
}

/**
 * atcp_tw_rcv() - a segment for a 4-tuple in TIME-WAIT
 * @tw: the object, a reference held by the caller
 * @skb: the segment, ATCP_SKB_CB filled
 * @opts: its options
 *
 * RFC 9293 3.10.7.4 for TIME-WAIT, with RFC 7323 PAWS, RFC 1337 and the
 * SYN rules of RFC 6191 / RFC 1122.
 *
 * Return: ATCP_TW_SYN when the segment is a SYN that may open a new
 * connection (the caller kills @tw and hands the SYN to a listener),
 * otherwise ATCP_TW_DONE (the caller frees the segment).
 */
int atcp_tw_rcv(struct atcp_tw *tw, struct sk_buff *skb,
		const struct atcp_opts *opts)
{
	struct atcp_net *an = atcp_pernet(read_pnet(&tw->net));
	const struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	bool paws_reject = tw->ts_ok && opts->ts_ok &&
			   (s32)(opts->tsval - tw->ts_recent) < 0;

	if (th->syn && !th->ack && !th->rst) {
		if (tw->ts_ok && opts->ts_ok ?
		    (s32)(opts->tsval - tw->ts_recent) > 0 :
		    atcp_seq_after(cb->seq, tw->rcv_nxt))
			return ATCP_TW_SYN;
		/* An old duplicate: remind the peer where we are. */
		atcp_tw_send_oow_ack(tw, skb);
		return ATCP_TW_DONE;
	}

	if (th->rst) {
		/* RFC 1337: an acceptable RST would assassinate TIME-WAIT. */
		if (!READ_ONCE(an->rfc1337) && cb->seq == tw->rcv_nxt &&
		    !paws_reject)
			atcp_tw_kill(tw);
		return ATCP_TW_DONE;
	}

	if (paws_reject) {
		ATCP_INC_STATS(read_pnet(&tw->net), PAWSESTAB);
		atcp_tw_send_oow_ack(tw, skb);
		return ATCP_TW_DONE;
	}

	/* The peer's FIN again: our last ACK was lost.  Re-ACK, restart. */
	if (th->fin && cb->end_seq == tw->rcv_nxt) {
		if (opts->ts_ok && tw->ts_ok) {
			tw->ts_recent = opts->tsval;
			tw->ts_recent_stamp = ktime_get_seconds();
		}
		atcp_tw_reschedule(tw);
		atcp_tw_send(tw, skb, TCPHDR_ACK, tw->snd_nxt);
		return ATCP_TW_DONE;
	}

	/* A bare ACK in sequence needs nothing; anything else is answered. */
	if (cb->seq == cb->end_seq && cb->seq == tw->rcv_nxt)
		return ATCP_TW_DONE;
	atcp_tw_send_oow_ack(tw, skb);
	return ATCP_TW_DONE;
}

/**
 * atcp_tw_walk_from() - visit a namespace's TIME-WAIT objects from a saved
 *	position on, as a resumable dump (sock_diag) needs
 * @net: the namespace
 * @pos: in: the first object to visit; out: the object @fn stopped the
 *	walk at, or past the end of the table when it did not
 * @fn: called under rcu_read_lock() (it must not sleep) for each object
 *	with its position; returns true to stop the walk before that object,
 *	which is then where @pos points
 * @arg: passed to @fn
 *
 * A position is a bucket of the TIME-WAIT table and the number of the
 * namespace's objects before it in that bucket, as for
 * atcp_walk_socks_from().
 */
void atcp_tw_walk_from(struct net *net, struct atcp_walk_pos *pos,
		       atcp_tw_walk_fn fn, void *arg)
{
	struct atcp_walk_pos here = *pos;
	unsigned int skip = pos->num;

	rcu_read_lock();
	for (; here.bucket < (1U << ATCP_TW_BITS); here.bucket++, skip = 0) {
		unsigned int num = 0;
		struct atcp_tw *tw;

		hlist_for_each_entry_rcu(tw, &atcp_tw_hash[here.bucket].chain,
					 node) {
			if (!net_eq(read_pnet(&tw->net), net))
				continue;
			here.num = num++;
			if (here.num < skip)
				continue;
			if (fn(tw, &here, arg)) {
				rcu_read_unlock();
				*pos = here;
				return;
			}
		}
	}
	rcu_read_unlock();
	pos->bucket = 1U << ATCP_TW_BITS;
	pos->num = 0;
}

/**
 * atcp_tw_purge() - remove TIME-WAIT objects
 * @net: only this namespace's, or NULL for all (module unload)
 */
void atcp_tw_purge(struct net *net)
{
	unsigned int i;

	for (i = 0; i < (1U << ATCP_TW_BITS); i++) {
		struct atcp_tw_bucket *b = &atcp_tw_hash[i];
		struct atcp_tw *tw;

restart:
		rcu_read_lock();
		hlist_for_each_entry_rcu(tw, &b->chain, node) {
			if (net && !net_eq(read_pnet(&tw->net), net))
				continue;
			if (!refcount_inc_not_zero(&tw->refcnt))
				continue;
			rcu_read_unlock();
			atcp_tw_kill(tw);
			atcp_tw_put(tw);
			goto restart;
		}
		rcu_read_unlock();
	}
}

/**
 * atcp_tw_init() - allocate the TIME-WAIT tables and object cache
 *
 * Return: 0 or -ENOMEM.
 */
int atcp_tw_init(void)
{
	unsigned int i;

	get_random_bytes(&atcp_tw_secret, sizeof(atcp_tw_secret));
	atcp_tw_cachep = kmem_cache_create("atcp_tw", sizeof(struct atcp_tw),
					   0, 0, NULL);
	atcp_tw_hash = kvmalloc_array(1U << ATCP_TW_BITS,
				      sizeof(*atcp_tw_hash), GFP_KERNEL);
	atcp_tw_bhash = kvmalloc_array(1U << ATCP_TW_BITS,
				       sizeof(*atcp_tw_bhash), GFP_KERNEL);
	if (!atcp_tw_cachep || !atcp_tw_hash || !atcp_tw_bhash) {
		atcp_tw_exit();
		return -ENOMEM;
	}
	for (i = 0; i < (1U << ATCP_TW_BITS); i++) {
		spin_lock_init(&atcp_tw_hash[i].lock);
		lockdep_set_class(&atcp_tw_hash[i].lock, &atcp_tw_key);
		INIT_HLIST_HEAD(&atcp_tw_hash[i].chain);
		spin_lock_init(&atcp_tw_bhash[i].lock);
		lockdep_set_class(&atcp_tw_bhash[i].lock, &atcp_tw_bkey);
		INIT_HLIST_HEAD(&atcp_tw_bhash[i].chain);
	}
	return 0;
}

/**
 * atcp_tw_exit() - free the TIME-WAIT tables; every object must be gone
 *	(atcp_tw_purge(NULL) and an RCU barrier first)
 */
void atcp_tw_exit(void)
{
	kvfree(atcp_tw_hash);
	kvfree(atcp_tw_bhash);
	kmem_cache_destroy(atcp_tw_cachep);
	atcp_tw_hash = NULL;
	atcp_tw_bhash = NULL;
	atcp_tw_cachep = NULL;
}
