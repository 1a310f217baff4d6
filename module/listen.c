// SPDX-License-Identifier: GPL-2.0
/*
 * Passive open: the SYN (half-open) queue, SYN-ACK retransmission, the
 * accept (full) queue and its overflow policy, and SYN cookies.
 *
 * A SYN queue entry is a struct atcp_request, not a socket.  It lives in
 * its listener's request hash, protected by the listener's socket
 * spinlock (every segment for a listener is processed under it, or from
 * its backlog).  Its timer retransmits the SYN-ACK after 1, 2, 4, ...
 * seconds, net.atcp.synack_retries times, then drops the entry.
 *
 * When the final ACK arrives the request becomes a child socket in
 * ESTABLISHED, placed on the accept queue.  If that queue is full the ACK
 * is dropped and the request kept, so a later SYN-ACK retransmission lets
 * the peer complete once the application accepts again; with
 * net.atcp.abort_on_overflow = 1 the peer gets a RST instead.
 */
#include <linux/jhash.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <net/inet_common.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "atcp.h"
#include "cookie.h"

static struct kmem_cache *atcp_request_cachep;

static u32 atcp_req_hash(const struct atcp_listen *lq,
			 const struct in6_addr *raddr, __be16 rport)
{
	return jhash2((const u32 *)raddr, 4, (__force u16)rport) & lq->req_mask;
}

static void atcp_req_put(struct atcp_request *req)
{
	if (refcount_dec_and_test(&req->refcnt)) {
		sock_put(req->listener);
		kmem_cache_free(atcp_request_cachep, req);
	}
}

/* Take a request off the SYN queue.  Listener locked. */
static void atcp_req_unlink(struct sock *lsk, struct atcp_request *req)
{
	struct atcp_listen *lq = atcp_sk(lsk)->lq;

	if (req->dead)
		return;
	req->dead = 1;
	hlist_del(&req->node);
	lq->syn_qlen--;
	if (timer_delete(&req->timer))
		atcp_req_put(req);	/* the pending timer's reference */
	atcp_req_put(req);		/* the SYN queue's reference */
}

static struct atcp_request *atcp_req_find(struct sock *lsk,
					  const struct in6_addr *raddr,
					  __be16 rport,
					  const struct in6_addr *laddr)
{
	struct atcp_listen *lq = atcp_sk(lsk)->lq;
	struct atcp_request *req;

	hlist_for_each_entry(req, &lq->reqs[atcp_req_hash(lq, raddr, rport)],
			     node) {
		if (req->rport == rport && ipv6_addr_equal(&req->raddr, raddr) &&
		    ipv6_addr_equal(&req->laddr, laddr))
			return req;
	}
	return NULL;
}

static void atcp_req_timer(struct timer_list *t)
{
	struct atcp_request *req = timer_container_of(req, t, timer);
	struct sock *lsk = req->listener;
	struct atcp_net *an = atcp_pernet(sock_net(lsk));

	bh_lock_sock(lsk);
	if (req->dead)
		goto out;
	if (sock_owned_by_user(lsk)) {
		/* Try again shortly; keep the timer's reference. */
		mod_timer(&req->timer, jiffies + HZ / 20);
		bh_unlock_sock(lsk);
		return;
	}
	if (req->retrans >= READ_ONCE(an->synack_retries)) {
		atcp_req_unlink(lsk, req);
		goto out;
	}
	req->retrans++;
	if (!atcp_sk(lsk)->af_ops->send_synack(lsk, req))
		ATCP_INC_STATS(sock_net(lsk), RETRANSSEGS);
	mod_timer(&req->timer, jiffies +
		  min_t(unsigned long, ATCP_TIMEOUT_INIT << req->retrans,
			ATCP_RTO_MAX));
	bh_unlock_sock(lsk);
	return;		/* the timer's reference moves to the re-armed timer */
out:
	bh_unlock_sock(lsk);
	atcp_req_put(req);
}

/**
 * atcp_listen_start() - move a bound socket to LISTEN
 * @sk: the socket, owned by the caller, in CLOSED
 * @backlog: the listen() backlog, already capped by somaxconn
 *
 * Return: 0, -ENOMEM, or -EADDRINUSE if no port could be bound.
 */
int atcp_listen_start(struct sock *sk, int backlog)
{
	struct atcp_net *an = atcp_pernet(sock_net(sk));
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_listen *lq;
	u32 nbuckets, i;

	lq = kzalloc(sizeof(*lq), GFP_KERNEL);
	if (!lq)
		return -ENOMEM;
	lq->syn_max = clamp_t(u32, backlog, 8, READ_ONCE(an->max_syn_backlog));
	nbuckets = roundup_pow_of_two(clamp_t(u32, lq->syn_max / 4, 16, 4096));
	lq->reqs = kvmalloc_array(nbuckets, sizeof(*lq->reqs), GFP_KERNEL);
	if (!lq->reqs) {
		kfree(lq);
		return -ENOMEM;
	}
	for (i = 0; i < nbuckets; i++)
		INIT_HLIST_HEAD(&lq->reqs[i]);
	lq->req_mask = nbuckets - 1;
	INIT_LIST_HEAD(&lq->accept_queue);

	/* Not in the listening table yet: no segment can reach it. */
	as->lq = lq;
	WRITE_ONCE(sk->sk_max_ack_backlog, backlog);
	WRITE_ONCE(sk->sk_ack_backlog, 0);
	as->rcv_wnd = min_t(u32, sk->sk_rcvbuf / 2, U16_MAX);
	/*
	 * A bound port is checked against other listeners and the socket
	 * enters LISTEN under the same bind-bucket lock, as
	 * inet_csk_listen_start() does, so that of two racing listen()s on
	 * one port only one succeeds.
	 */
	if (inet_sk(sk)->inet_num ? atcp_listen_port_claim(sk) :
	    atcp_get_port(sk, 0)) {
		as->lq = NULL;
		kvfree(lq->reqs);
		kfree(lq);
		return -EADDRINUSE;
	}
	if (sk->sk_state != TCP_LISTEN)
		atcp_set_state(sk, TCP_LISTEN);
	inet_sk(sk)->inet_sport = htons(inet_sk(sk)->inet_num);
	atcp_lhash_insert(sk);
	return 0;
}

/**
 * atcp_listen_stop() - leave LISTEN: drop the SYN queue, abort children
 *	that were never accepted
 * @sk: the listener, owned by the caller
 *
 * Every request timer is cancelled; each unaccepted child is reset and
 * closed, as TCP does.
 */
void atcp_listen_stop(struct sock *sk)
{
	struct atcp_listen *lq = atcp_sk(sk)->lq;
	struct atcp_request *req;
	struct hlist_node *tmp;
	struct sock *child;
	u32 i;

	atcp_unhash(sk);

	atcp_bh_lock_sock(sk);
	for (i = 0; i <= lq->req_mask; i++)
		hlist_for_each_entry_safe(req, tmp, &lq->reqs[i], node)
			atcp_req_unlink(sk, req);
	atcp_set_state(sk, TCP_CLOSE);
	atcp_bh_unlock_sock(sk);

	while ((child = atcp_accept_dequeue(sk)) != NULL) {
		/* No user can own a child nobody accepted. */
		local_bh_disable();
		bh_lock_sock_nested(child);
		atcp_abort(child, ECONNRESET, true);
		ATCP_INC_STATS(sock_net(sk), ABORTONCLOSE);
		atcp_purge_rcv(child);
		child->sk_prot->destroy(child);
		sock_orphan(child);
		bh_unlock_sock(child);
		local_bh_enable();
		sock_put(child);	/* the accept queue's reference */
	}

	atcp_bh_lock_sock(sk);
	atcp_sk(sk)->lq = NULL;
	atcp_bh_unlock_sock(sk);
	kvfree(lq->reqs);
	kfree(lq);
}

/**
 * atcp_accept_dequeue() - take the oldest child off the accept queue
 * @sk: the listener
 *
 * Return: the child (the queue's reference passes to the caller) or NULL.
 */
struct sock *atcp_accept_dequeue(struct sock *sk)
{
	struct atcp_listen *lq = atcp_sk(sk)->lq;
	struct atcp_sock *child = NULL;

	atcp_bh_lock_sock(sk);
	if (lq && !list_empty(&lq->accept_queue)) {
		child = list_first_entry(&lq->accept_queue, struct atcp_sock,
					 accept_node);
		list_del_init(&child->accept_node);
		child->parent = NULL;
		sk_acceptq_removed(sk);
	}
	atcp_bh_unlock_sock(sk);
	return child ? (struct sock *)child : NULL;
}

/*
 * Whether the accept queue is empty; the caller owns @sk.  A listener that
 * left LISTEN (close(), shutdown(SHUT_RD), connect(AF_UNSPEC) from another
 * thread: atcp_listen_stop()) has no queue any more: it reads as empty.
 */
static bool atcp_accept_queue_empty(const struct sock *sk)
{
	const struct atcp_listen *lq = atcp_sk(sk)->lq;

	return !lq || list_empty(&lq->accept_queue);
}

/*
 * As inet_csk_wait_for_connect().  The queue is tested before the socket
 * is released: once released, atcp_listen_stop() may free it.  A child
 * queued after the test wakes us through woken_wake_function(), since we
 * are on the wait queue already.
 */
static int atcp_wait_for_connect(struct sock *sk, long timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	bool empty;
	int err;

	add_wait_queue_exclusive(sk_sleep(sk), &wait);
	for (;;) {
		empty = atcp_accept_queue_empty(sk);
		release_sock(sk);
		if (empty)
			timeo = wait_woken(&wait, TASK_INTERRUPTIBLE, timeo);
		lock_sock(sk);
		err = 0;
		if (!atcp_accept_queue_empty(sk))
			break;
		err = -EINVAL;
		if (sk->sk_state != TCP_LISTEN)
			break;
		err = sock_intr_errno(timeo);
		if (signal_pending(current))
			break;
		err = -EAGAIN;
		if (!timeo)
			break;
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	return err;
}

/**
 * atcp_accept_child() - accept(): wait for and take a child
 * @sk: the listener
 * @flags: file flags of the listening socket (O_NONBLOCK)
 * @err: set to the error when NULL is returned
 *
 * Return: the child socket, or NULL.
 */
struct sock *atcp_accept_child(struct sock *sk, int flags, int *err)
{
	struct sock *child = NULL;
	long timeo;

	lock_sock(sk);
	*err = -EINVAL;
	if (sk->sk_state != TCP_LISTEN)
		goto out;
	timeo = sock_rcvtimeo(sk, flags & O_NONBLOCK);
	*err = atcp_wait_for_connect(sk, timeo);
	if (!*err)
		child = atcp_accept_dequeue(sk);
out:
	release_sock(sk);
	return child;
}

/* Parse a SYN into a new request.  Listener locked. */
static struct atcp_request *atcp_req_alloc(struct sock *lsk,
					   struct sk_buff *skb,
					   const struct atcp_opts *opts)
{
	struct atcp_sock *las = atcp_sk(lsk);
	struct atcp_request *req;

	req = kmem_cache_zalloc(atcp_request_cachep, GFP_ATOMIC);
	if (!req)
		return NULL;
	refcount_set(&req->refcnt, 1);
	sock_hold(lsk);
	req->listener = lsk;
	timer_setup(&req->timer, atcp_req_timer, 0);
	las->af_ops->request_init(req, skb);
	req->irs = ATCP_SKB_CB(skb)->seq;
	req->mss = opts->mss ? opts->mss : ATCP_MSS_DEFAULT;
	req->wscale_ok = opts->wscale_ok;
	req->snd_wscale = opts->wscale;
	req->rcv_wscale = opts->wscale_ok ? atcp_select_wscale(lsk) : 0;
	req->sack_ok = opts->sack_ok;
	req->ts_ok = opts->ts_ok;
	req->ts_recent = opts->tsval;
	return req;
}

/* Queue a child for accept() and wake the listener.  Listener locked. */
static void atcp_accept_enqueue(struct sock *lsk, struct sock *child)
{
	atcp_sk(child)->parent = lsk;
	list_add_tail(&atcp_sk(child)->accept_node,
		      &atcp_sk(lsk)->lq->accept_queue);
	sk_acceptq_added(lsk);
	lsk->sk_data_ready(lsk);
}

/*
 * Turn an acknowledged request into an ESTABLISHED child socket on the
 * accept queue.  Listener locked.  Returns 0 or -ENOMEM.
 */
static int atcp_create_child(struct sock *lsk, const struct atcp_request *req,
			     struct sk_buff *skb, const struct atcp_opts *opts)
{
	struct atcp_sock *las = atcp_sk(lsk);
	struct atcp_sock *as;
	struct sock *child;

	child = sk_clone_lock(lsk, GFP_ATOMIC);
	if (!child)
		return -ENOMEM;
	/* sk_clone_lock() returns the clone with its spinlock held. */
	__acquire(&child->sk_lock.slock);
	as = atcp_sk(child);

	/* The clone copied a LISTEN socket: reset what was the listener's. */
	child->sk_state = TCP_CLOSE;
	sk_node_init(&child->sk_bind_node);
	child->sk_ack_backlog = 0;
	child->sk_max_ack_backlog = 0;
	as->lq = NULL;
	as->parent = NULL;
	as->unhash_rcu = 0;	/* never in a table: hashed from softirq */
	INIT_LIST_HEAD(&as->accept_node);
	/* The clone copied the listener's timer_list structs as they were. */
	atcp_init_timers(child);
	atcp_init_conn(child);

	if (las->af_ops->child_init(child, req))
		goto free;

	as->iss = req->iss;
	as->snd_una = req->iss + 1;
	as->snd_nxt = req->iss + 1;
	as->irs = req->irs;
	as->rcv_nxt = req->irs + 1;
	as->wscale_ok = req->wscale_ok;
	as->snd_wscale = req->snd_wscale;
	as->rcv_wscale = req->rcv_wscale;
	as->sack_ok = req->sack_ok;
	as->ts_ok = req->ts_ok;
	as->ts_recent = req->ts_recent;
	as->mss = min_t(u16, req->mss, as->advmss);
	as->snd_wnd = ntohs(tcp_hdr(skb)->window) << as->snd_wscale;
	as->snd_wl1 = ATCP_SKB_CB(skb)->seq;
	as->snd_wl2 = ATCP_SKB_CB(skb)->ack_seq;
	/* The SYN-ACK announced the listener's window, unscaled. */
	as->rcv_wnd = min_t(u32, las->rcv_wnd, U16_MAX);
	as->cc_ops = las->cc_ops;
	as->total_retrans = req->retrans;	/* as tcp_create_openreq_child() */

	atcp_inherit_port(lsk, child);
	if (atcp_ehash_insert(child)) {
		atcp_put_port(child);
		goto free;
	}
	atcp_set_state(child, TCP_SYN_RECV);
	atcp_set_state(child, TCP_ESTABLISHED);
	atcp_init_transfer(child);
	atcp_handshake_rtt(child, req->synack_us, req->retrans, opts);
	ATCP_INC_STATS(sock_net(lsk), PASSIVEOPENS);
	atcp_accept_enqueue(lsk, child);

	/* The ACK that completed the handshake may carry data, or FIN. */
	if (ATCP_SKB_CB(skb)->end_seq != ATCP_SKB_CB(skb)->seq) {
		struct sk_buff *c = skb_clone(skb, GFP_ATOMIC);

		if (c && atcp_rcv_state_process(child, c, opts) < 0)
			kfree_skb(c);
	}
	bh_unlock_sock(child);
	sock_put(child);	/* the accept queue keeps the other reference */
	return 0;

free:
	/* Never hashed nor queued: drop both references of the clone. */
	sock_set_flag(child, SOCK_DEAD);
	bh_unlock_sock(child);
	sock_put(child);
	sock_put(child);
	return -ENOMEM;
}

static void atcp_listen_overflow(struct sock *lsk)
{
	ATCP_INC_STATS(sock_net(lsk), LISTENOVERFLOWS);
	ATCP_INC_STATS(sock_net(lsk), LISTENDROPS);
}

/* A final ACK matched a request (RFC 9293 3.10.7.4, SYN-RECEIVED). */
static int atcp_req_ack(struct sock *lsk, struct atcp_request *req,
			struct sk_buff *skb, const struct atcp_opts *opts)
{
	struct atcp_net *an = atcp_pernet(sock_net(lsk));
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);

	if (cb->ack_seq != req->iss + 1)
		return -1;	/* unacceptable ACK: RST (RFC 9293) */
	if (cb->seq != req->irs + 1)
		return 0;	/* outside the window: drop */

	if (sk_acceptq_is_full(lsk)) {
		atcp_listen_overflow(lsk);
		if (READ_ONCE(an->abort_on_overflow)) {
			atcp_req_unlink(lsk, req);
			return -1;
		}
		/* Keep the request: a SYN-ACK retransmission lets the
		 * peer's next ACK complete once there is room.
		 */
		return 0;
	}

	if (atcp_create_child(lsk, req, skb, opts))
		ATCP_INC_STATS(sock_net(lsk), LISTENDROPS);
	atcp_req_unlink(lsk, req);
	return 0;
}

/* An ACK matched no request: maybe it returns a SYN cookie. */
static int atcp_cookie_ack(struct sock *lsk, struct sk_buff *skb,
			   const struct atcp_opts *opts)
{
	struct atcp_net *an = atcp_pernet(sock_net(lsk));
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	struct atcp_sock *las = atcp_sk(lsk);
	struct atcp_request *req;
	u16 mss;

	if (!READ_ONCE(an->syncookies) || tcp_hdr(skb)->syn)
		return -1;
	/*
	 * As tcp_synq_no_recent_overflow(): no cookie went out while one
	 * could still be valid, so this ACK cannot carry one.  Checking it
	 * anyway would give a blind attacker a guess at a cookie (1 in 2^22)
	 * for every ACK he sends, at any time.
	 */
	if (!las->lq->last_cookie ||
	    time_after(jiffies, las->lq->last_cookie + ATCP_COOKIE_VALID))
		return -1;
	mss = las->af_ops->cookie_check(skb);
	if (!mss) {
		ATCP_INC_STATS(sock_net(lsk), SYNCOOKIESFAILED);
		return -1;
	}
	ATCP_INC_STATS(sock_net(lsk), SYNCOOKIESRECV);

	if (sk_acceptq_is_full(lsk)) {
		atcp_listen_overflow(lsk);
		return READ_ONCE(an->abort_on_overflow) ? -1 : 0;
	}

	/* Rebuild the request the cookie stands for. */
	req = atcp_req_alloc(lsk, skb, opts);
	if (!req)
		return 0;
	req->iss = cb->ack_seq - 1;
	req->irs = cb->seq - 1;
	req->mss = mss;
	req->wscale_ok = 0;
	req->rcv_wscale = 0;
	req->snd_wscale = 0;
	req->sack_ok = 0;
	req->ts_ok = 0;
	if (opts->ts_ok) {
		u8 wscale;
		bool ws_ok, sack_ok;

		if (!atcp_cookie_ts_decode(opts->tsecr, &wscale, &ws_ok,
					   &sack_ok)) {
			ATCP_INC_STATS(sock_net(lsk), SYNCOOKIESFAILED);
			atcp_req_put(req);
			return -1;
		}
		req->ts_ok = 1;
		req->ts_recent = opts->tsval;
		req->sack_ok = sack_ok;
		req->wscale_ok = ws_ok;
		req->snd_wscale = wscale;
		req->rcv_wscale = ws_ok ? atcp_select_wscale(lsk) : 0;
	}
	req->dead = 1;
	if (atcp_create_child(lsk, req, skb, opts))
		ATCP_INC_STATS(sock_net(lsk), LISTENDROPS);
	atcp_req_put(req);
	return 0;
}

/* A SYN for a listener (RFC 9293 3.10.7.2, third check). */
static void atcp_conn_request(struct sock *lsk, struct sk_buff *skb,
			      const struct atcp_opts *opts)
{
	struct atcp_net *an = atcp_pernet(sock_net(lsk));
	struct atcp_sock *las = atcp_sk(lsk);
	struct atcp_listen *lq = las->lq;
	int syncookies = READ_ONCE(an->syncookies);
	struct atcp_request *req;
	bool cookie = false;

	if (sk_acceptq_is_full(lsk)) {
		atcp_listen_overflow(lsk);
		return;
	}
	/* A SYN that ended a TIME-WAIT entry has its ISS: never a cookie. */
	if (ATCP_SKB_CB(skb)->tw_isn) {
		cookie = false;
	} else if (syncookies == 2) {
		cookie = true;
	} else if (lq->syn_qlen >= lq->syn_max) {
		if (!syncookies) {
			ATCP_INC_STATS(sock_net(lsk), LISTENDROPS);
			return;
		}
		cookie = true;
	}

	req = atcp_req_alloc(lsk, skb, opts);
	if (!req) {
		ATCP_INC_STATS(sock_net(lsk), LISTENDROPS);
		return;
	}

	if (cookie) {
		u16 mss = req->mss;

		req->iss = las->af_ops->cookie_init(skb, &mss);
		req->mss = mss;
		/* Without timestamps the cookie cannot carry these. */
		if (!req->ts_ok) {
			req->wscale_ok = 0;
			req->rcv_wscale = 0;
			req->sack_ok = 0;
		}
		req->dead = 1;
		/* Counted when issued, as Linux does, sent or not. */
		ATCP_INC_STATS(sock_net(lsk), SYNCOOKIESSENT);
		lq->last_cookie = jiffies ? : 1;
		las->af_ops->send_synack(lsk, req);
		atcp_req_put(req);
		return;
	}

	req->iss = ATCP_SKB_CB(skb)->tw_isn ? : atcp_request_isn(req);
	hlist_add_head(&req->node,
		       &lq->reqs[atcp_req_hash(lq, &req->raddr, req->rport)]);
	lq->syn_qlen++;
	refcount_inc(&req->refcnt);	/* the timer's */
	mod_timer(&req->timer, jiffies + ATCP_TIMEOUT_INIT);
	req->synack_us = atcp_clock_us() ? : 1;
	las->af_ops->send_synack(lsk, req);
}

/* Hand a segment to the connection of its 4-tuple, if there is one now. */
static bool atcp_listen_to_child(struct sock *lsk, struct sk_buff *skb,
				 const struct atcp_opts *opts,
				 const struct in6_addr *laddr,
				 const struct in6_addr *raddr)
{
	const struct tcphdr *th = tcp_hdr(skb);
	int dif = skb->protocol == htons(ETH_P_IP) ? inet_iif(skb) :
						    skb->skb_iif;
	struct sock *child;
	int ret;

	child = atcp_lookup_established(sock_net(lsk), laddr, ntohs(th->dest),
					raddr, th->source, dif);
	if (!child)
		return false;
	/*
	 * As tcp_child_process(): the child's spinlock nests in the
	 * listener's (held by a softirq caller; a backlog caller owns it).
	 */
	atcp_bh_lock_sock(child);
	ret = atcp_deliver(child, skb, opts);
	atcp_bh_unlock_sock(child);
	if (ret < 0)
		atcp_send_reset(sock_net(child), skb);
	if (ret)
		kfree_skb(skb);
	sock_put(child);
	return true;
}

/**
 * atcp_listen_rcv() - process a segment addressed to a listener
 * @lsk: the listener, owned by the caller (bh lock, or from its backlog)
 * @skb: the segment, validated
 * @opts: its options, parsed
 * @laddr: its destination address, IPv6 or IPv4-mapped
 * @raddr: its source address
 *
 * Return: 0 when consumed quietly, -1 when the caller must answer RST,
 * 1 when the segment went to the connection it belongs to (consumed).
 */
int atcp_listen_rcv(struct sock *lsk, struct sk_buff *skb,
		    const struct atcp_opts *opts,
		    const struct in6_addr *laddr, const struct in6_addr *raddr)
{
	const struct tcphdr *th = tcp_hdr(skb);
	struct atcp_request *req;

	if (lsk->sk_state != TCP_LISTEN || !atcp_sk(lsk)->lq)
		return -1;

	req = atcp_req_find(lsk, raddr, th->source, laddr);
	if (req) {
		if (th->rst) {
			/* RFC 9293: a RST in window removes the entry. */
			if (ATCP_SKB_CB(skb)->seq == req->irs + 1)
				atcp_req_unlink(lsk, req);
			return 0;
		}
		if (th->syn && !th->ack) {
			/*
			 * Retransmitted SYN: answer with the SYN-ACK again, at
			 * most once per invalid_ratelimit (tcp_check_req()).
			 */
			if (ATCP_SKB_CB(skb)->seq == req->irs &&
			    !atcp_oow_rate_limited(sock_net(lsk), skb,
						   ATCP_MIB_ACKSKIPPEDSYNRECV,
						   &req->last_oow_ack_time)) {
				req->synack_us = 0;	/* Karn */
				atcp_sk(lsk)->af_ops->send_synack(lsk, req);
			}
			return 0;
		}
		if (!th->ack || th->syn)
			return 0;
		if (opts->ts_ok)
			req->ts_recent = opts->tsval;
		return atcp_req_ack(lsk, req, skb, opts);
	}

	/*
	 * The handshake may have ended since this segment was looked up:
	 * it waited on the listener's backlog behind the ACK that made the
	 * connection, or that ACK was being processed on another CPU.  The
	 * segment (data sent right after connect(), a FIN, a RST) belongs
	 * to the new connection, not to a SYN cookie check.
	 */
	if (!th->syn && atcp_listen_to_child(lsk, skb, opts, laddr, raddr))
		return 1;

	/* RFC 9293 3.10.7.2: first check for RST, then ACK, then SYN. */
	if (th->rst)
		return 0;
	if (th->ack)
		return atcp_cookie_ack(lsk, skb, opts);
	if (th->syn && !th->fin) {
		atcp_conn_request(lsk, skb, opts);
		return 0;
	}
	return 0;
}

/**
 * atcp_listen_init() - create the request object cache
 *
 * Return: 0 or -ENOMEM.
 */
int atcp_listen_init(void)
{
	atcp_request_cachep = KMEM_CACHE(atcp_request, 0);
	return atcp_request_cachep ? 0 : -ENOMEM;
}

/**
 * atcp_listen_exit() - destroy the request object cache
 */
void atcp_listen_exit(void)
{
	kmem_cache_destroy(atcp_request_cachep);
}

/**
 * atcp_walk_requests() - visit the SYN queue of a listener
 * @lsk: the listener, owned by the caller (lock_sock()): segments queued
 *	on its backlog change the SYN queue without the spinlock, so only
 *	ownership keeps the queue still; the spinlock is taken here against
 *	softirq processing and the request timers
 * @fn: called for each request; must not sleep
 * @arg: passed to @fn
 */
void atcp_walk_requests(struct sock *lsk, atcp_req_walk_fn fn, void *arg)
{
	struct atcp_request *req;
	struct atcp_listen *lq;
	u32 i;

	sock_owned_by_me(lsk);
	atcp_bh_lock_sock(lsk);
	lq = atcp_sk(lsk)->lq;
	if (lq && lsk->sk_state == TCP_LISTEN) {
		for (i = 0; i <= lq->req_mask; i++)
			hlist_for_each_entry(req, &lq->reqs[i], node)
				fn(lsk, req, arg);
	}
	atcp_bh_unlock_sock(lsk);
}
