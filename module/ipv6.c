// SPDX-License-Identifier: GPL-2.0
/*
 * AF_INET6 registration and the IPv6 specifics of ATCP: receive handler,
 * checksum with the IPv6 pseudo-header (next header 6, as TCP), and the
 * RST sent for segments no connection claims.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/net.h>
#include <net/addrconf.h>
#include <net/inet_common.h>
#include <net/ip6_checksum.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/protocol.h>
#include <net/transp_v6.h>
#include <net/tcp.h>

#include "atcp.h"
#include "trace.h"

/**
 * struct atcp6_sock - an AF_INET6 ATCP socket
 * @atcp: the address-family independent part; must stay first
 * @inet6: IPv6 state; last, where kernels before 6.7 look for it
 */
struct atcp6_sock {
	struct atcp_sock atcp;
	struct ipv6_pinfo inet6;
};

static const struct atcp_af_ops atcp_ipv6_af_ops;
static const struct atcp_af_ops atcp_ipv6_mapped_af_ops;

/**
 * atcp_v6_csum() - TCP checksum of a segment over IPv6
 * @th: TCP header, followed by the rest of the segment
 * @len: segment length
 * @saddr: source address
 * @daddr: destination address
 *
 * Return: the value for th->check.
 */
__sum16 atcp_v6_csum(const void *th, unsigned int len,
		     const struct in6_addr *saddr, const struct in6_addr *daddr)
{
	return csum_ipv6_magic(saddr, daddr, len, IPPROTO_TCP,
			       csum_partial(th, len, 0));
}
EXPORT_SYMBOL_IF_KUNIT(atcp_v6_csum);

/**
 * atcp_v6_send_reply() - send a segment answering @skb without a socket
 * @net: namespace @skb arrived in
 * @skb: the received segment (IPv6), skb->data at its TCP header
 * @nskb: the answer, ports and sequence fields set; consumed
 *
 * The input interface (for link-local peers) is skb->skb_iif: not
 * tcp_v6_iif(), which reads where TCP's control block keeps it, nor
 * inet6_iif(): IP6CB shares skb->cb with ATCP_SKB_CB, which overwrote it.
 */
void atcp_v6_send_reply(struct net *net, struct sk_buff *skb,
			struct sk_buff *nskb)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct sock *ctl = atcp_pernet(net)->ctl_sk6;
	struct tcphdr *rth = tcp_hdr(nskb);
	struct dst_entry *dst;
	struct flowi6 fl6;
	bool rst;

	if (!ctl)
		goto drop;
	memset(&fl6, 0, sizeof(fl6));
	fl6.daddr = ip6h->saddr;
	fl6.saddr = ip6h->daddr;
	fl6.flowi6_proto = atcp_proto;
	fl6.flowi6_mark = skb->mark;
	fl6.fl6_dport = rth->dest;
	fl6.fl6_sport = rth->source;
	/* Link-local peers are only reachable through the input interface. */
	if (rt6_need_strict(&fl6.daddr))
		fl6.flowi6_oif = skb->skb_iif;
	fl6.flowi6_uid = sock_net_uid(net, NULL);

	dst = ip6_dst_lookup_flow(net, ctl, &fl6, NULL);
	if (IS_ERR(dst))
		goto drop;
	rth->check = atcp_v6_csum(rth, nskb->len, &fl6.saddr, &fl6.daddr);
	nskb->ip_summed = CHECKSUM_NONE;
	skb_dst_set(nskb, dst);
	rst = rth->rst;		/* nskb is gone once sent */
	if (!ip6_xmit(ctl, nskb, &fl6, fl6.flowi6_mark, NULL, 0, 0)) {
		ATCP_INC_STATS(net, OUTSEGS);
		if (rst)
			ATCP_INC_STATS(net, OUTRSTS);
	}
	return;
drop:
	kfree_skb(nskb);
}

/**
 * atcp_v6_send_reset() - answer an IPv6 segment that found no connection
 * @net: namespace the segment arrived in
 * @skb: the segment, skb->data at its validated TCP header
 *
 * Never answers a RST.  Callers go through atcp_send_reset().
 */
void atcp_v6_send_reset(struct net *net, struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	struct sk_buff *nskb;

	if (th->rst)
		return;
	nskb = atcp_build_reset(th, skb->len - th->doff * 4);
	if (!nskb)
		return;
	trace_atcp_send_reset(NULL, &ipv6_hdr(skb)->daddr,
			      &ipv6_hdr(skb)->saddr, tcp_hdr(nskb)->source,
			      tcp_hdr(nskb)->dest, ntohl(tcp_hdr(nskb)->seq),
			      ntohl(tcp_hdr(nskb)->ack_seq));
	atcp_v6_send_reply(net, skb, nskb);
}

static int atcp_v6_rcv(struct sk_buff *skb)
{
	return atcp_rcv_validate(skb, true);
}

/* Output of a connected AF_INET6 socket: cached route, ip6_xmit(). */
static int atcp_v6_queue_xmit(struct sock *sk, struct sk_buff *skb)
{
	struct ipv6_pinfo *np = inet6_sk(sk);
	struct dst_entry *dst;
	struct flowi6 fl6;
	int err;

	memset(&fl6, 0, sizeof(fl6));
	fl6.flowi6_proto = atcp_proto;
	fl6.daddr = sk->sk_v6_daddr;
	fl6.saddr = np->saddr;
	fl6.flowi6_oif = sk->sk_bound_dev_if;
	fl6.flowi6_mark = READ_ONCE(sk->sk_mark);
	fl6.fl6_sport = inet_sk(sk)->inet_sport;
	fl6.fl6_dport = inet_sk(sk)->inet_dport;
	fl6.flowi6_uid = sk->sk_uid;

	rcu_read_lock();
	dst = __sk_dst_check(sk, np->dst_cookie);
	if (!dst) {
		dst = ip6_dst_lookup_flow(sock_net(sk), sk, &fl6, NULL);
		if (IS_ERR(dst)) {
			rcu_read_unlock();
			WRITE_ONCE(sk->sk_err_soft, -PTR_ERR(dst));
			kfree_skb(skb);
			return PTR_ERR(dst);
		}
		np->dst_cookie = rt6_get_cookie((struct rt6_info *)dst);
		sk_dst_set(sk, dst);
	}
	skb_dst_set_noref(skb, dst);
	err = ip6_xmit(sk, skb, &fl6, fl6.flowi6_mark,
		       rcu_dereference(np->opt), np->tclass,
		       READ_ONCE(sk->sk_priority));
	rcu_read_unlock();
	return err;
}

static void atcp_v6_send_check(struct sock *sk, struct sk_buff *skb)
{
	struct tcphdr *th = tcp_hdr(skb);

	th->check = 0;
	th->check = atcp_v6_csum(th, skb->len, &inet6_sk(sk)->saddr,
				 &sk->sk_v6_daddr);
	skb->ip_summed = CHECKSUM_NONE;
}

static int atcp_v6_send_synack(const struct sock *lsk, struct atcp_request *req)
{
	struct net *net = sock_net(lsk);
	struct dst_entry *dst;
	struct sk_buff *skb;
	struct flowi6 fl6;
	u32 tsval;
	int err;

	if (ipv6_addr_v4mapped(&req->raddr))
		return atcp_v4_send_synack(lsk, req);

	memset(&fl6, 0, sizeof(fl6));
	fl6.flowi6_proto = atcp_proto;
	fl6.daddr = req->raddr;
	fl6.saddr = req->laddr;
	fl6.flowi6_oif = rt6_need_strict(&req->raddr) ? req->oif :
			 lsk->sk_bound_dev_if;
	fl6.flowi6_mark = READ_ONCE(lsk->sk_mark);
	fl6.fl6_sport = req->lport;
	fl6.fl6_dport = req->rport;
	fl6.flowi6_uid = lsk->sk_uid;

	dst = ip6_dst_lookup_flow(net, lsk, &fl6, NULL);
	if (IS_ERR(dst))
		return PTR_ERR(dst);

	tsval = atcp_clock_ms() + atcp_ts_offset_v6(&req->laddr, &req->raddr);
	if (req->dead && req->ts_ok)
		tsval = atcp_cookie_ts_encode(tsval, req->snd_wscale,
					      req->wscale_ok, req->sack_ok);
	skb = atcp_build_synack(lsk, req, atcp_route_advmss(lsk, dst), tsval);
	if (!skb) {
		dst_release(dst);
		return -ENOBUFS;
	}
	tcp_hdr(skb)->check = atcp_v6_csum(skb->data, skb->len, &req->laddr,
					   &req->raddr);
	skb->ip_summed = CHECKSUM_NONE;
	skb_dst_set(skb, dst);
	err = ip6_xmit(lsk, skb, &fl6, fl6.flowi6_mark, NULL,
		       inet6_sk(lsk)->tclass, READ_ONCE(lsk->sk_priority));
	err = net_xmit_eval(err);
	if (!err)
		ATCP_INC_STATS(net, OUTSEGS);
	return err;
}

static void atcp_v6_request_init(struct atcp_request *req, struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP)) {
		atcp_v4_request_init(req, skb);
		return;
	}
	req->laddr = ipv6_hdr(skb)->daddr;
	req->raddr = ipv6_hdr(skb)->saddr;
	req->lport = tcp_hdr(skb)->dest;
	req->rport = tcp_hdr(skb)->source;
	req->family = AF_INET6;
	req->oif = skb->skb_iif;
}

/* The child of an AF_INET6 listener: its own ipv6_pinfo, not the parent's. */
static void atcp_v6_child_pinfo(struct sock *child)
{
	struct ipv6_pinfo *np = &((struct atcp6_sock *)child)->inet6;

	inet_sk(child)->pinet6 = np;
	np->ipv6_mc_list = NULL;
	np->ipv6_ac_list = NULL;
	RCU_INIT_POINTER(atcp_ipv6_fl_list(child), NULL);
	np->pktoptions = NULL;
	RCU_INIT_POINTER(np->opt, NULL);
}

static int atcp_v6_child_init(struct sock *child,
			      const struct atcp_request *req)
{
	struct inet_sock *inet = inet_sk(child);
	struct atcp_sock *as = atcp_sk(child);
	struct ipv6_pinfo *np;
	struct dst_entry *dst;
	struct flowi6 fl6;
	int err;

	atcp_v6_child_pinfo(child);
	np = inet6_sk(child);
	if (ipv6_addr_v4mapped(&req->raddr)) {
		err = atcp_v4_child_init(child, req);
		ipv6_addr_set_v4mapped(inet->inet_saddr, &np->saddr);
		as->af_ops = &atcp_ipv6_mapped_af_ops;
		return err;
	}

	RCU_INIT_POINTER(inet->inet_opt, NULL);
	inet->mc_list = NULL;
	child->sk_v6_daddr = req->raddr;
	child->sk_v6_rcv_saddr = req->laddr;
	np->saddr = req->laddr;
	inet->inet_daddr = LOOPBACK4_IPV6;
	inet->inet_saddr = LOOPBACK4_IPV6;
	inet->inet_rcv_saddr = LOOPBACK4_IPV6;
	inet->inet_dport = req->rport;
	inet->inet_sport = req->lport;
	if (rt6_need_strict(&req->raddr))
		child->sk_bound_dev_if = req->oif;
	as->ts_offset = atcp_ts_offset_v6(&req->laddr, &req->raddr);

	memset(&fl6, 0, sizeof(fl6));
	fl6.flowi6_proto = atcp_proto;
	fl6.daddr = req->raddr;
	fl6.saddr = req->laddr;
	fl6.flowi6_oif = child->sk_bound_dev_if;
	fl6.flowi6_mark = READ_ONCE(child->sk_mark);
	fl6.fl6_sport = req->lport;
	fl6.fl6_dport = req->rport;
	fl6.flowi6_uid = child->sk_uid;
	dst = ip6_dst_lookup_flow(sock_net(child), child, &fl6, NULL);
	if (IS_ERR(dst))
		return PTR_ERR(dst);
	np->dst_cookie = rt6_get_cookie((struct rt6_info *)dst);
	sk_setup_caps(child, dst);
	as->advmss = atcp_route_advmss(child, dst);
	return 0;
}

static u16 atcp_v6_cookie_check(struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);

	if (skb->protocol == htons(ETH_P_IP))
		return atcp_v4_cookie_check(skb);
	return atcp_cookie_v6_check(&ipv6_hdr(skb)->saddr,
				    &ipv6_hdr(skb)->daddr, th->source, th->dest,
				    ntohl(th->seq) - 1, ntohl(th->ack_seq) - 1);
}

static u32 atcp_v6_cookie_init(struct sk_buff *skb, u16 *mss)
{
	const struct tcphdr *th = tcp_hdr(skb);

	if (skb->protocol == htons(ETH_P_IP))
		return atcp_v4_cookie_init(skb, mss);
	return atcp_cookie_v6_init(&ipv6_hdr(skb)->saddr, &ipv6_hdr(skb)->daddr,
				   th->source, th->dest, ntohl(th->seq), mss);
}

static const struct atcp_af_ops atcp_ipv6_af_ops = {
	.queue_xmit	= atcp_v6_queue_xmit,
	.send_check	= atcp_v6_send_check,
	.net_header_len	= sizeof(struct ipv6hdr),
	.send_synack	= atcp_v6_send_synack,
	.request_init	= atcp_v6_request_init,
	.child_init	= atcp_v6_child_init,
	.cookie_check	= atcp_v6_cookie_check,
	.cookie_init	= atcp_v6_cookie_init,
};

/* An AF_INET6 socket talking to an IPv4 peer through a mapped address. */
static const struct atcp_af_ops atcp_ipv6_mapped_af_ops = {
	.queue_xmit	= atcp_v4_queue_xmit,
	.send_check	= atcp_v4_send_check,
	.net_header_len	= sizeof(struct iphdr),
	.send_synack	= atcp_v6_send_synack,
	.request_init	= atcp_v6_request_init,
	.child_init	= atcp_v6_child_init,
	.cookie_check	= atcp_v6_cookie_check,
	.cookie_init	= atcp_v6_cookie_init,
};

/* Active open over IPv6, or over IPv4 for a mapped destination. */
static int atcp_v6_connect(struct sock *sk, struct atcp_sockaddr *uaddr,
			   int addr_len)
{
	struct sockaddr_in6 *usin = (struct sockaddr_in6 *)uaddr;
	struct inet_sock *inet = inet_sk(sk);
	struct ipv6_pinfo *np = inet6_sk(sk);
	struct atcp_sock *as = atcp_sk(sk);
	struct in6_addr *saddr = NULL;
	struct dst_entry *dst;
	struct flowi6 fl6;
	int addr_type, err;

	if (addr_len < SIN6_LEN_RFC2133)
		return -EINVAL;
	if (usin->sin6_family != AF_INET6)
		return -EAFNOSUPPORT;
	if (!usin->sin6_port)
		return -EINVAL;

	if (ipv6_addr_any(&usin->sin6_addr)) {
		if (ipv6_addr_v4mapped(&sk->sk_v6_rcv_saddr))
			ipv6_addr_set_v4mapped(htonl(INADDR_LOOPBACK),
					       &usin->sin6_addr);
		else
			usin->sin6_addr = in6addr_loopback;
	}

	addr_type = ipv6_addr_type(&usin->sin6_addr);
	if (addr_type & IPV6_ADDR_MULTICAST)
		return -ENETUNREACH;

	if (addr_type & IPV6_ADDR_LINKLOCAL) {
		if (addr_len >= sizeof(struct sockaddr_in6) &&
		    usin->sin6_scope_id) {
			if (sk->sk_bound_dev_if &&
			    sk->sk_bound_dev_if != usin->sin6_scope_id)
				return -EINVAL;
			sk->sk_bound_dev_if = usin->sin6_scope_id;
		}
		if (!sk->sk_bound_dev_if)
			return -EINVAL;
	}

	if (addr_type & IPV6_ADDR_MAPPED) {
		struct sockaddr_in sin = {
			.sin_family = AF_INET,
			.sin_port = usin->sin6_port,
			.sin_addr.s_addr = usin->sin6_addr.s6_addr32[3],
		};

		if (ipv6_only_sock(sk))
			return -ENETUNREACH;
		as->af_ops = &atcp_ipv6_mapped_af_ops;
		err = atcp_v4_connect(sk, (struct atcp_sockaddr *)&sin,
				      sizeof(sin));
		if (err)
			as->af_ops = &atcp_ipv6_af_ops;
		else
			ipv6_addr_set_v4mapped(inet->inet_saddr, &np->saddr);
		return err;
	}

	if (!ipv6_addr_any(&sk->sk_v6_rcv_saddr))
		saddr = &sk->sk_v6_rcv_saddr;

	memset(&fl6, 0, sizeof(fl6));
	fl6.flowi6_proto = atcp_proto;
	fl6.daddr = usin->sin6_addr;
	fl6.saddr = saddr ? *saddr : np->saddr;
	fl6.flowi6_oif = sk->sk_bound_dev_if;
	fl6.flowi6_mark = READ_ONCE(sk->sk_mark);
	fl6.fl6_dport = usin->sin6_port;
	fl6.fl6_sport = inet->inet_sport;
	fl6.flowi6_uid = sk->sk_uid;

	dst = ip6_dst_lookup_flow(sock_net(sk), sk, &fl6, NULL);
	if (IS_ERR(dst))
		return PTR_ERR(dst);

	if (!saddr) {
		saddr = &fl6.saddr;
		sk->sk_v6_rcv_saddr = *saddr;
	}
	np->saddr = *saddr;
	inet->inet_rcv_saddr = LOOPBACK4_IPV6;
	sk->sk_v6_daddr = usin->sin6_addr;
	inet->inet_dport = usin->sin6_port;

	atcp_set_state(sk, TCP_SYN_SENT);
	err = atcp_connect_port(sk);
	if (err) {
		dst_release(dst);
		goto failure;
	}
	np->dst_cookie = rt6_get_cookie((struct rt6_info *)dst);
	sk_setup_caps(sk, dst);
	as->advmss = atcp_route_advmss(sk, dst);
	as->iss = atcp_isn_v6(&np->saddr, &sk->sk_v6_daddr, inet->inet_sport,
			      inet->inet_dport);
	as->ts_offset = atcp_ts_offset_v6(&np->saddr, &sk->sk_v6_daddr);
	return atcp_connect_finish(sk);

failure:
	atcp_done(sk);
	inet->inet_dport = 0;
	sk->sk_route_caps = 0;
	return err;
}

static int atcpv6_init_sock(struct sock *sk)
{
	atcp_init_sock_common(sk);
	atcp_sk(sk)->af_ops = &atcp_ipv6_af_ops;
	return 0;
}

static void atcpv6_destroy_sock(struct sock *sk)
{
	atcp_destroy(sk);
#ifdef ATCP_NEED_INET6_DESTROY_SOCK
	inet6_destroy_sock(sk);
#endif
}

static struct proto atcpv6_prot = {
	.name		= "ATCPv6",
	.owner		= THIS_MODULE,
	.close		= atcp_close,
	.connect	= atcp_v6_connect,
	.disconnect	= atcp_disconnect,
	.init		= atcpv6_init_sock,
	.destroy	= atcpv6_destroy_sock,
	.shutdown	= atcp_shutdown,
	.keepalive	= atcp_set_keepalive,
	.sendmsg	= atcp_sendmsg,
	.recvmsg	= ATCP_PROTO_RECVMSG,
	.ioctl		= atcp_ioctl,
	.backlog_rcv	= atcp_backlog_rcv,
	.release_cb	= atcp_release_cb,
	ATCP_PROTO_MEMORY
	.get_port	= atcp_get_port,
	.setsockopt	= atcpv6_setsockopt,
	.getsockopt	= atcpv6_getsockopt,
	.obj_size	= sizeof(struct atcp6_sock),
#ifdef ATCP_HAVE_IPV6_PINFO_OFFSET
	.ipv6_pinfo_offset = offsetof(struct atcp6_sock, inet6),
#endif
};

static const struct proto_ops atcpv6_stream_ops = {
	.family		= PF_INET6,
	.owner		= THIS_MODULE,
	.release	= inet6_release,
	.bind		= inet6_bind,
	.connect	= inet_stream_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= atcp_stream_accept,
	.getname	= inet6_getname,
	.poll		= atcp_poll,
	.ioctl		= inet6_ioctl,
	.listen		= atcp_listen,
	.shutdown	= inet_shutdown,
	.setsockopt	= sock_common_setsockopt,
	.getsockopt	= sock_common_getsockopt,
	.sendmsg	= inet_sendmsg,
	.recvmsg	= inet_recvmsg,
	.mmap		= sock_no_mmap,
};

static struct inet_protosw atcpv6_protosw = {
	.type		= SOCK_STREAM,
	.protocol	= IPPROTO_ATCP,	/* set from proto= at init */
	.prot		= &atcpv6_prot,
	.ops		= &atcpv6_stream_ops,
};

static const struct inet6_protocol atcpv6_protocol = {
	.handler	= atcp_v6_rcv,
	.err_handler	= atcp_v6_err,
	.flags		= INET6_PROTO_NOPOLICY | INET6_PROTO_FINAL,
};

static int __net_init atcpv6_net_init(struct net *net)
{
	return inet_ctl_sock_create(&atcp_pernet(net)->ctl_sk6, PF_INET6,
				    SOCK_RAW, atcp_proto, net);
}

static void __net_exit atcpv6_net_exit(struct net *net)
{
	inet_ctl_sock_destroy(atcp_pernet(net)->ctl_sk6);
}

static struct pernet_operations atcpv6_net_ops = {
	.init	= atcpv6_net_init,
	.exit	= atcpv6_net_exit,
};

/**
 * atcp6_sockets_inuse() - AF_INET6 ATCP sockets in a namespace's tables
 * @net: the namespace
 *
 * Return: the number of listening and connected AF_INET6 sockets.
 */
int atcp6_sockets_inuse(struct net *net)
{
	return sock_prot_inuse_get(net, &atcpv6_prot);
}

/**
 * atcpv6_init() - register ATCP for AF_INET6
 *
 * Called after the AF_INET registration, which owns the pernet state.
 *
 * Return: 0 or a negative errno, with nothing left registered.
 */
int atcpv6_init(void)
{
	int err;

	atcpv6_protosw.protocol = atcp_proto;

	err = proto_register(&atcpv6_prot, 1);
	if (err)
		return err;

	err = register_pernet_subsys(&atcpv6_net_ops);
	if (err)
		goto out_proto;

	if (inet6_add_protocol(&atcpv6_protocol, atcp_proto) < 0) {
		pr_err("IPv6 next header %d is already in use\n", atcp_proto);
		err = -EBUSY;
		goto out_pernet;
	}

	err = inet6_register_protosw(&atcpv6_protosw);
	if (err)
		goto out_protocol;
	return 0;

out_protocol:
	inet6_del_protocol(&atcpv6_protocol, atcp_proto);
out_pernet:
	unregister_pernet_subsys(&atcpv6_net_ops);
out_proto:
	proto_unregister(&atcpv6_prot);
	return err;
}

/**
 * atcpv6_exit() - undo atcpv6_init()
 */
void atcpv6_exit(void)
{
	inet6_unregister_protosw(&atcpv6_protosw);
	inet6_del_protocol(&atcpv6_protocol, atcp_proto);
	unregister_pernet_subsys(&atcpv6_net_ops);
	proto_unregister(&atcpv6_prot);
}
