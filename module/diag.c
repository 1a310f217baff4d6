// SPDX-License-Identifier: GPL-2.0
/*
 * sock_diag for ATCP: an inet_diag handler for IP protocol atcp_proto, so
 * that a NETLINK_SOCK_DIAG dump (atcpss, or any inet_diag client asking
 * for protocol 253) lists ATCP sockets the way tcp_diag lists TCP's.
 *
 * One handler serves AF_INET and AF_INET6: inet_diag keys handlers by
 * protocol only and passes the requested family in the request.
 *
 * A dump lists, in the namespace of the netlink socket:
 *  - every socket of the connection tables (listeners first), with
 *    TCP's struct inet_diag_msg fields: state, addresses, ports, uid,
 *    inode, cookie, the pending timer, and in idiag_rqueue/idiag_wqueue
 *    what ss shows as Recv-Q/Send-Q (see atcp_diag_get_info());
 *  - the SYN queue entries of each listener, as SYN_RECV, the way TCP
 *    reports its request sockets (no uid, inode or queues; the SYN-ACK
 *    timer and its retransmission count);
 *  - the TIME-WAIT objects, as TIME_WAIT, the way TCP reports its
 *    timewait sockets (the closed socket's cookie, the "timewait" timer
 *    with the time left of 2 * MSL; no uid, inode or queues).
 * filtered by the request's family, state mask and bytecode (ss's
 * "sport = :80" and the like, run by inet_diag_bc_sk()).
 *
 * Dumps are resumable (netlink calls the dump again while the reader
 * keeps reading): the position is kept in cb->args as a table bucket and
 * an index in it (atcp_walk_socks_from(), atcp_tw_walk_from()), plus how
 * far the listener at that position got.  As for TCP, a dump is not an
 * atomic snapshot: a socket created or closed meanwhile may or may not be
 * listed.
 *
 * Sockets are collected a batch at a time under the table locks, each
 * with a reference, and their messages filled after the locks are dropped:
 * filling may sleep (atcp_get_info(), lock_sock() on a listener to walk its
 * SYN queue, which only the owner may do; see atcp_walk_requests()).
 *
 * Module unload: atcp_exit() unregisters the handler before anything else.
 * From 6.9 inet_diag holds a reference on this module while it calls the
 * handler, so rmmod fails while a dump is in a call; before 6.9 it holds
 * a mutex across the call that inet_diag_unregister() takes as well.  The
 * dump state in cb->args is plain numbers, never pointers into the module.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <net/inet_timewait_sock.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "atcp.h"

/* idiag_timer codes, as TCP reports them (ss: off, on, keepalive, ...). */
static void atcp_diag_timer(const struct sock *sk, struct inet_diag_msg *r)
{
	const struct atcp_sock *as = atcp_sk(sk);
	unsigned long expires;

	r->idiag_timer = atcp_pending_timer(as, &expires);
	/* As TCP: retransmissions for "on", probes for the others. */
	if (r->idiag_timer == ATCP_SHOW_TIMER_RETRANS)
		r->idiag_retrans = READ_ONCE(as->retransmits);
	else if (r->idiag_timer)
		r->idiag_retrans = READ_ONCE(as->probes_out);
	else
		r->idiag_retrans = 0;
	r->idiag_expires = r->idiag_timer ?
			   jiffies_delta_to_msecs(expires - jiffies) : 0;
}

/*
 * inet_diag_handler.idiag_get_info: Recv-Q and Send-Q as ss shows them
 * for TCP (tcp_diag_get_info()), and struct tcp_info when asked for.
 *
 * A listener: its accept queue length and bound (the listen() backlog).
 * Others: bytes received and not read, and bytes queued and not yet
 * acknowledged (atcp_sock_queues()), the values /proc/net/atcp shows in
 * rx_queue and tx_queue.
 */
static void atcp_diag_get_info(struct sock *sk, struct inet_diag_msg *r,
			       void *info)
{
	if (inet_sk_state_load(sk) == TCP_LISTEN) {
		r->idiag_rqueue = READ_ONCE(sk->sk_ack_backlog);
		r->idiag_wqueue = READ_ONCE(sk->sk_max_ack_backlog);
	} else {
		atcp_sock_queues(sk, &r->idiag_rqueue, &r->idiag_wqueue);
	}
	if (info)
		atcp_get_info(sk, info);
}

/* Room one socket's message may take (dump_one allocates it). */
static size_t atcp_diag_msg_size(void)
{
	return NLMSG_ALIGN(sizeof(struct inet_diag_msg))
		+ inet_diag_msg_attrs_size()
		+ nla_total_size(sizeof(struct inet_diag_meminfo))
		+ nla_total_size(SK_MEMINFO_VARS * sizeof(u32))
		+ nla_total_size_64bit(sizeof(struct tcp_info))
		+ nla_total_size(ATCP_CA_NAME_MAX)
		+ 64;
}

/* The message of a socket, as inet_sk_diag_fill() builds TCP's. */
static int atcp_diag_fill(struct sock *sk, struct sk_buff *skb,
			  struct netlink_callback *cb,
			  const struct inet_diag_req_v2 *req, u16 nlmsg_flags,
			  bool net_admin)
{
	int ext = req->idiag_ext;
	struct inet_diag_msg *r;
	struct nlmsghdr *nlh;
	void *info = NULL;

	nlh = nlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			cb->nlh->nlmsg_type, sizeof(*r), nlmsg_flags);
	if (!nlh)
		return -EMSGSIZE;
	r = nlmsg_data(nlh);
	memset(r, 0, sizeof(*r));
	inet_diag_msg_common_fill(r, sk);
	r->idiag_state = inet_sk_state_load(sk);
	atcp_diag_timer(sk, r);

	/* Shutdown, TOS/TCLASS, v6only, mark, class, cgroup; uid, inode. */
	if (inet_diag_msg_attrs_fill(sk, skb, r, ext,
				     sk_user_ns(NETLINK_CB(cb->skb).sk),
				     net_admin))
		goto errout;

	if (ext & (1 << (INET_DIAG_MEMINFO - 1))) {
		struct inet_diag_meminfo minfo = {
			.idiag_rmem = sk_rmem_alloc_get(sk),
			.idiag_wmem = READ_ONCE(sk->sk_wmem_queued),
			.idiag_fmem = READ_ONCE(sk->sk_forward_alloc),
			.idiag_tmem = sk_wmem_alloc_get(sk),
		};

		if (nla_put(skb, INET_DIAG_MEMINFO, sizeof(minfo), &minfo) < 0)
			goto errout;
	}
	if (ext & (1 << (INET_DIAG_SKMEMINFO - 1)))
		if (sock_diag_put_meminfo(sk, skb, INET_DIAG_SKMEMINFO))
			goto errout;

	if (ext & (1 << (INET_DIAG_CONG - 1)))
		if (nla_put_string(skb, INET_DIAG_CONG,
				   atcp_cong_of(sk)->name) < 0)
			goto errout;

	if (ext & (1 << (INET_DIAG_INFO - 1))) {
		struct nlattr *attr;

		attr = nla_reserve_64bit(skb, INET_DIAG_INFO,
					 sizeof(struct tcp_info), INET_DIAG_PAD);
		if (!attr)
			goto errout;
		info = nla_data(attr);
	}
	atcp_diag_get_info(sk, r, info);

	nlmsg_end(skb, nlh);
	return 0;

errout:
	nlmsg_cancel(skb, nlh);
	return -EMSGSIZE;
}

/**
 * struct atcp_diag_mini - what a SYN queue entry or a TIME-WAIT object
 *	shows: no socket behind it, only its connection's identity
 * @family: AF_INET, or AF_INET6 (also for an IPv4-mapped peer of an
 *	AF_INET6 socket)
 * @state: TCP_SYN_RECV or TCP_TIME_WAIT
 * @laddr: local address, IPv6 or IPv4-mapped
 * @raddr: remote address, IPv6 or IPv4-mapped
 * @sport: local port, network order
 * @dport: remote port, network order
 * @oif: interface (the input interface of a request; the bound device
 *	of the socket a TIME-WAIT object came from)
 * @mark: its mark (the listener's for a request)
 */
struct atcp_diag_mini {
	u16 family;
	u8 state;
	const struct in6_addr *laddr;
	const struct in6_addr *raddr;
	__be16 sport;
	__be16 dport;
	int oif;
	u32 mark;
};

/*
 * The message of a SYN queue entry or a TIME-WAIT object, as
 * inet_req_diag_fill() and inet_twsk_diag_fill() build TCP's: no uid,
 * inode or queues; the caller sets the timer fields and ends the message.
 */
static struct inet_diag_msg *
atcp_diag_put_mini(struct sk_buff *skb, struct netlink_callback *cb,
		   const struct atcp_diag_mini *m, u16 nlmsg_flags,
		   bool net_admin, struct nlmsghdr **nlhp)
{
	struct inet_diag_msg *r;
	struct nlmsghdr *nlh;

	nlh = nlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			cb->nlh->nlmsg_type, sizeof(*r), nlmsg_flags);
	if (!nlh)
		return NULL;
	r = nlmsg_data(nlh);
	memset(r, 0, sizeof(*r));
	r->idiag_family = m->family;
	r->idiag_state = m->state;
	r->id.idiag_sport = m->sport;
	r->id.idiag_dport = m->dport;
	r->id.idiag_if = m->oif;
	if (m->family == AF_INET) {
		r->id.idiag_src[0] = m->laddr->s6_addr32[3];
		r->id.idiag_dst[0] = m->raddr->s6_addr32[3];
	} else {
		memcpy(r->id.idiag_src, m->laddr, sizeof(*m->laddr));
		memcpy(r->id.idiag_dst, m->raddr, sizeof(*m->raddr));
	}
	if (net_admin && nla_put_u32(skb, INET_DIAG_MARK, m->mark)) {
		nlmsg_cancel(skb, nlh);
		return NULL;
	}
	*nlhp = nlh;
	return r;
}

/*
 * Run the request's bytecode on a SYN queue entry or TIME-WAIT object.
 * inet_diag_bc_sk() takes a socket; what it reads of one that is not a
 * full socket is the struct sock_common part (family, addresses, ports,
 * interface) and, for TIME_WAIT, tw_mark: so the entry is presented as a
 * TIME_WAIT object on the stack (no cgroup, as for any non-full socket).
 */
static bool atcp_diag_bc_mini(const struct inet_diag_dump_data *cb_data,
			      const struct atcp_diag_mini *m)
{
	struct inet_timewait_sock tw;

	if (!cb_data->inet_diag_nla_bc)
		return true;
	memset(&tw, 0, sizeof(tw));
	tw.tw_family = m->family;
	tw.tw_state = TCP_TIME_WAIT;
	tw.tw_num = ntohs(m->sport);
	tw.tw_dport = m->dport;
	tw.tw_bound_dev_if = m->oif;
	tw.tw_mark = m->mark;
	if (m->family == AF_INET) {
		tw.tw_rcv_saddr = m->laddr->s6_addr32[3];
		tw.tw_daddr = m->raddr->s6_addr32[3];
	}
#if IS_ENABLED(CONFIG_IPV6)
	tw.tw_v6_rcv_saddr = *m->laddr;
	tw.tw_v6_daddr = *m->raddr;
#endif
	return atcp_inet_diag_bc_sk(cb_data, (struct sock *)&tw);
}

static bool atcp_diag_family_ok(const struct inet_diag_req_v2 *r, int family)
{
	return r->sdiag_family == AF_UNSPEC || r->sdiag_family == family;
}

/* Sockets taken per walk of the tables, each with a reference. */
#define ATCP_DIAG_BATCH 16

/**
 * struct atcp_diag_item - a socket collected for a dump
 * @sk: the socket, a reference held
 * @pos: its position in the tables
 * @want_sk: its own message is wanted (family, state and bytecode match)
 * @want_reqs: it is a listener whose SYN queue is wanted
 */
struct atcp_diag_item {
	struct sock *sk;
	struct atcp_walk_pos pos;
	bool want_sk;
	bool want_reqs;
};

/**
 * struct atcp_diag_dump - state of one call of the dump
 * @skb: the message being filled
 * @cb: the netlink dump
 * @r: the request
 * @cb_data: its attributes (bytecode)
 * @states: TCPF_* states wanted
 * @net_admin: the reader has CAP_NET_ADMIN (marks are shown)
 * @items: the batch being collected
 * @n: number of @items
 */
struct atcp_diag_dump {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	const struct inet_diag_req_v2 *r;
	const struct inet_diag_dump_data *cb_data;
	u32 states;
	bool net_admin;
	struct atcp_diag_item items[ATCP_DIAG_BATCH];
	unsigned int n;
};

/* atcp_walk_socks_from() callback: take the sockets the dump wants. */
static bool atcp_diag_collect(struct sock *sk, const struct atcp_walk_pos *pos,
			      void *arg)
{
	struct atcp_diag_dump *d = arg;
	int state = sk->sk_state;
	struct atcp_diag_item *it;
	bool want_sk, want_reqs;

	want_sk = (d->states & (1 << state)) &&
		  atcp_diag_family_ok(d->r, sk->sk_family) &&
		  atcp_inet_diag_bc_sk(d->cb_data, sk);
	/* A dual-stack AF_INET6 listener also holds AF_INET requests. */
	want_reqs = state == TCP_LISTEN && (d->states & TCPF_SYN_RECV) &&
		    (atcp_diag_family_ok(d->r, sk->sk_family) ||
		     (sk->sk_family == AF_INET6 && !sk->sk_ipv6only));
	if (!want_sk && !want_reqs)
		return false;
	if (d->n == ATCP_DIAG_BATCH)
		return true;	/* full: the next walk starts here */
	sock_hold(sk);		/* safe: the table holds one */
	it = &d->items[d->n++];
	it->sk = sk;
	it->pos = *pos;
	it->want_sk = want_sk;
	it->want_reqs = want_reqs;
	return false;
}

/**
 * struct atcp_diag_reqs - a walk of one listener's SYN queue
 * @d: the dump
 * @skip: requests already handled by an earlier call of the dump
 * @done: requests handled so far (listed or filtered out)
 * @err: -EMSGSIZE once the message is full
 */
struct atcp_diag_reqs {
	struct atcp_diag_dump *d;
	unsigned long skip;
	unsigned long done;
	int err;
};

/* A SYN queue entry: SYN_RECV with the SYN-ACK timer and its retries. */
static int atcp_diag_fill_req(const struct atcp_diag_mini *m,
			      const struct atcp_request *req,
			      struct atcp_diag_dump *d)
{
	struct inet_diag_msg *r;
	struct nlmsghdr *nlh;

	r = atcp_diag_put_mini(d->skb, d->cb, m, NLM_F_MULTI, d->net_admin,
			       &nlh);
	if (!r)
		return -EMSGSIZE;
	r->idiag_timer = ATCP_SHOW_TIMER_RETRANS;
	r->idiag_retrans = req->retrans;
	r->idiag_expires = jiffies_delta_to_msecs(READ_ONCE(req->timer.expires) -
						  jiffies);
	nlmsg_end(d->skb, nlh);
	return 0;
}

/* atcp_walk_requests() callback, under the listener's spinlock. */
static void atcp_diag_req(const struct sock *lsk,
			  const struct atcp_request *req, void *arg)
{
	struct atcp_diag_reqs *w = arg;
	struct atcp_diag_dump *d = w->d;
	const struct atcp_diag_mini m = {
		.family	= req->family,
		.state	= TCP_SYN_RECV,
		.laddr	= &req->laddr,
		.raddr	= &req->raddr,
		.sport	= req->lport,
		.dport	= req->rport,
		.oif	= req->oif,
		/* TCP's request carries the listener's mark. */
		.mark	= READ_ONCE(lsk->sk_mark),
	};

	if (w->err || w->done < w->skip) {
		if (!w->err)
			w->done++;
		return;
	}
	if (atcp_diag_family_ok(d->r, req->family) &&
	    atcp_diag_bc_mini(d->cb_data, &m) &&
	    atcp_diag_fill_req(&m, req, d)) {
		w->err = -EMSGSIZE;
		return;
	}
	w->done++;
}

/* The identity of a TIME-WAIT object. */
static void atcp_diag_tw_mini(const struct atcp_tw *tw,
			      struct atcp_diag_mini *m)
{
	*m = (struct atcp_diag_mini) {
		.family	= tw->family,
		.state	= TCP_TIME_WAIT,
		.laddr	= &tw->laddr,
		.raddr	= &tw->raddr,
		.sport	= tw->sport,
		.dport	= tw->rport,
		.oif	= tw->bound_dev_if,
		.mark	= tw->mark,
	};
}

/*
 * A TIME-WAIT object, as inet_twsk_diag_fill(): TIME_WAIT, the socket's
 * cookie, the "timewait" timer with the time left of its 2 * MSL.
 */
static int atcp_diag_fill_tw(const struct atcp_tw *tw,
			     struct sk_buff *skb, struct netlink_callback *cb,
			     u16 nlmsg_flags, bool net_admin)
{
	struct atcp_diag_mini m;
	struct inet_diag_msg *r;
	struct nlmsghdr *nlh;

	atcp_diag_tw_mini(tw, &m);
	r = atcp_diag_put_mini(skb, cb, &m, nlmsg_flags, net_admin, &nlh);
	if (!r)
		return -EMSGSIZE;
	r->id.idiag_cookie[0] = tw->cookie[0];
	r->id.idiag_cookie[1] = tw->cookie[1];
	r->idiag_timer = ATCP_SHOW_TIMER_TIMEWAIT;
	r->idiag_expires = jiffies_delta_to_msecs(READ_ONCE(tw->timer.expires) -
						  jiffies);
	nlmsg_end(skb, nlh);
	return 0;
}

/* atcp_tw_walk_from() callback: stop when the message is full. */
static bool atcp_diag_tw(const struct atcp_tw *tw,
			 const struct atcp_walk_pos *pos, void *arg)
{
	struct atcp_diag_dump *d = arg;
	struct atcp_diag_mini m;

	atcp_diag_tw_mini(tw, &m);
	if (!atcp_diag_family_ok(d->r, tw->family) ||
	    !atcp_diag_bc_mini(d->cb_data, &m))
		return false;
	return atcp_diag_fill_tw(tw, d->skb, d->cb, NLM_F_MULTI,
				 d->net_admin) != 0;
}

/*
 * The messages of one collected socket: its own (unless *sk_done), then
 * its SYN queue from request *reqs_done on.  On -EMSGSIZE, *sk_done and
 * *reqs_done say how far it got, for the next call of the dump.
 */
static int atcp_diag_dump_item(struct atcp_diag_dump *d,
			       const struct atcp_diag_item *it,
			       unsigned long *sk_done,
			       unsigned long *reqs_done)
{
	struct sock *sk = it->sk;
	struct atcp_diag_reqs w = {
		.d	= d,
		.skip	= *reqs_done,
	};

	/* The state may have changed since the walk: check it again. */
	if (it->want_sk && !*sk_done &&
	    (d->states & (1 << inet_sk_state_load(sk)))) {
		if (atcp_diag_fill(sk, d->skb, d->cb, d->r, NLM_F_MULTI,
				   d->net_admin))
			return -EMSGSIZE;
	}
	*sk_done = 1;
	if (!it->want_reqs)
		return 0;

	/*
	 * Only the listener's owner may walk its SYN queue.  Its own
	 * message is filled before: atcp_get_info() may lock the socket.
	 */
	lock_sock(sk);
	atcp_walk_requests(sk, atcp_diag_req, &w);
	release_sock(sk);
	*reqs_done = w.done;
	return w.err;
}

static void atcp_diag_put_items(struct atcp_diag_dump *d, unsigned int from)
{
	unsigned int i;

	for (i = from; i < d->n; i++)
		sock_put(d->items[i].sk);
	d->n = 0;
}

/*
 * The connection tables' part of a dump.  cb->args: [0] bucket and [1]
 * index of the socket to continue at (struct atcp_walk_pos); for that
 * socket, [2] its own message was sent, [3] how many of its requests were
 * handled.  Returns -EMSGSIZE when the message is full.
 */
static int atcp_diag_dump_socks(struct atcp_diag_dump *d, struct net *net)
{
	struct netlink_callback *cb = d->cb;
	struct atcp_walk_pos pos = {
		.bucket	= cb->args[0],
		.num	= cb->args[1],
	};
	const struct atcp_walk_pos start = pos;
	unsigned long sk_done = cb->args[2];
	unsigned long reqs_done = cb->args[3];
	unsigned int i;
	int err = 0;

	for (;;) {
		atcp_walk_socks_from(net, &pos, atcp_diag_collect, d);
		if (!d->n)
			break;
		for (i = 0; i < d->n; i++) {
			const struct atcp_diag_item *it = &d->items[i];

			/* Resume only at the very socket we stopped at. */
			if (it->pos.bucket != start.bucket ||
			    it->pos.num != start.num) {
				sk_done = 0;
				reqs_done = 0;
			}
			err = atcp_diag_dump_item(d, it, &sk_done, &reqs_done);
			if (err) {
				pos = it->pos;
				break;
			}
			sk_done = 0;
			reqs_done = 0;
		}
		atcp_diag_put_items(d, 0);
		if (err)
			break;
	}
	cb->args[0] = pos.bucket;
	cb->args[1] = pos.num;
	cb->args[2] = sk_done;
	cb->args[3] = reqs_done;
	return err;
}

/*
 * inet_diag_handler.dump: the connection tables (atcp_diag_dump_socks()),
 * then the TIME-WAIT table.  cb->args[4] is 0 until the first part is
 * done, then 1 + the TIME-WAIT bucket to continue at, and cb->args[5] the
 * index in it (netlink_callback has six args).
 */
static void atcp_diag_dump(struct sk_buff *skb, struct netlink_callback *cb,
			   const struct inet_diag_req_v2 *r)
{
	struct atcp_diag_dump dump = {
		.skb		= skb,
		.cb		= cb,
		.r		= r,
		.cb_data	= cb->data,
		.states		= r->idiag_states,
		.net_admin	= netlink_net_capable(cb->skb, CAP_NET_ADMIN),
	};
	struct net *net = sock_net(skb->sk);
	struct atcp_walk_pos tw_pos;

	/* TCP's requests are TCP_NEW_SYN_RECV inside, reported SYN_RECV. */
	if (dump.states & TCPF_NEW_SYN_RECV)
		dump.states |= TCPF_SYN_RECV;

	if (!cb->args[4]) {
		if (atcp_diag_dump_socks(&dump, net))
			return;
		cb->args[4] = 1;
		cb->args[5] = 0;
	}
	if (!(dump.states & TCPF_TIME_WAIT))
		return;
	tw_pos.bucket = cb->args[4] - 1;
	tw_pos.num = cb->args[5];
	atcp_tw_walk_from(net, &tw_pos, atcp_diag_tw, &dump);
	cb->args[4] = tw_pos.bucket + 1;
	cb->args[5] = tw_pos.num;
}

/* The request's addresses as the tables compare them (IPv4-mapped). */
static int atcp_diag_req_addrs(const struct inet_diag_req_v2 *req,
			       struct in6_addr *laddr, struct in6_addr *raddr)
{
	switch (req->sdiag_family) {
	case AF_INET:
		ipv6_addr_set_v4mapped(req->id.idiag_src[0], laddr);
		ipv6_addr_set_v4mapped(req->id.idiag_dst[0], raddr);
		return 0;
#if IS_ENABLED(CONFIG_IPV6)
	case AF_INET6:
		memcpy(laddr, req->id.idiag_src, sizeof(*laddr));
		memcpy(raddr, req->id.idiag_dst, sizeof(*raddr));
		return 0;
#endif
	default:
		return -EINVAL;
	}
}

/* dump_one's answer for a TIME-WAIT object; drops the reference. */
static int atcp_diag_dump_one_tw(struct netlink_callback *cb,
				 const struct inet_diag_req_v2 *req,
				 struct atcp_tw *tw, bool net_admin)
{
	const u32 *cookie = req->id.idiag_cookie;
	struct sk_buff *in_skb = cb->skb;
	struct sk_buff *rep;
	int err = -ENOENT;

	/* sock_diag_check_cookie(), for an object that is not a socket. */
	if ((cookie[0] != INET_DIAG_NOCOOKIE ||
	     cookie[1] != INET_DIAG_NOCOOKIE) &&
	    (cookie[0] != tw->cookie[0] || cookie[1] != tw->cookie[1]))
		goto out;
	err = -ENOMEM;
	rep = nlmsg_new(atcp_diag_msg_size(), GFP_KERNEL);
	if (!rep)
		goto out;
	err = atcp_diag_fill_tw(tw, rep, cb, 0, net_admin);
	if (err) {
		WARN_ON_ONCE(err == -EMSGSIZE);
		nlmsg_free(rep);
		goto out;
	}
	err = nlmsg_unicast(sock_net(in_skb->sk)->diag_nlsk, rep,
			    NETLINK_CB(in_skb).portid);
out:
	atcp_tw_put(tw);
	return err;
}

/*
 * inet_diag_handler.dump_one: the socket or TIME-WAIT object with the
 * request's 4-tuple (src = local, dst = peer), or with a peer port of 0
 * the listener that would take a connection to src:sport; its cookie must
 * match unless the request's is INET_DIAG_NOCOOKIE.  SYN queue entries
 * are not looked up.
 */
static int atcp_diag_dump_one(struct netlink_callback *cb,
			      const struct inet_diag_req_v2 *req)
{
	struct sk_buff *in_skb = cb->skb;
	bool net_admin = netlink_net_capable(in_skb, CAP_NET_ADMIN);
	struct net *net = sock_net(in_skb->sk);
	u16 lport = ntohs(req->id.idiag_sport);
	struct in6_addr laddr, raddr;
	struct sk_buff *rep;
	struct sock *sk;
	int err;

	err = atcp_diag_req_addrs(req, &laddr, &raddr);
	if (err)
		return err;
	sk = atcp_lookup_established(net, &laddr, lport, &raddr,
				     req->id.idiag_dport, req->id.idiag_if);
	if (!sk && !req->id.idiag_dport)
		sk = atcp_lookup_listener(net, &laddr, lport, &raddr, 0,
					  req->id.idiag_if);
	if (!sk && req->id.idiag_dport) {
		struct atcp_tw *tw;

		tw = atcp_tw_lookup(net, &laddr, lport, &raddr,
				    req->id.idiag_dport);
		if (tw)
			return atcp_diag_dump_one_tw(cb, req, tw, net_admin);
	}
	if (!sk)
		return -ENOENT;
	if (sock_diag_check_cookie(sk, req->id.idiag_cookie)) {
		err = -ENOENT;
		goto out;
	}

	rep = nlmsg_new(atcp_diag_msg_size(), GFP_KERNEL);
	if (!rep) {
		err = -ENOMEM;
		goto out;
	}
	err = atcp_diag_fill(sk, rep, cb, req, 0, net_admin);
	if (err) {
		WARN_ON_ONCE(err == -EMSGSIZE);
		nlmsg_free(rep);
		goto out;
	}
	err = nlmsg_unicast(net->diag_nlsk, rep, NETLINK_CB(in_skb).portid);
out:
	sock_put(sk);
	return err;
}

static struct inet_diag_handler atcp_diag_handler = {
#ifdef ATCP_HAVE_INET_DIAG_OWNER
	.owner		 = THIS_MODULE,
#endif
	.dump		 = atcp_diag_dump,
	.dump_one	 = atcp_diag_dump_one,
	.idiag_get_info	 = atcp_diag_get_info,
	.idiag_type	 = IPPROTO_ATCP,	/* set from proto= at init */
	.idiag_info_size = sizeof(struct tcp_info),
};

/**
 * atcp_diag_init() - register the inet_diag handler for atcp_proto
 *
 * Return: 0 or a negative errno (-EEXIST: another protocol's handler has
 * that number).
 */
int atcp_diag_init(void)
{
	int err;

	atcp_diag_handler.idiag_type = atcp_proto;
	err = inet_diag_register(&atcp_diag_handler);
	if (err)
		pr_err("cannot register the sock_diag handler for protocol %d (%d)\n",
		       atcp_proto, err);
	return err;
}

/**
 * atcp_diag_exit() - unregister the inet_diag handler
 *
 * On return no dump is in the handler and none can enter it (see the top
 * of this file), so the connection tables may go.
 */
void atcp_diag_exit(void)
{
	inet_diag_unregister(&atcp_diag_handler);
}
