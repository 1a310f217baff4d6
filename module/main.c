// SPDX-License-Identifier: GPL-2.0
/*
 * ATCP module init and exit: the AF_INET protocol registration and the
 * per-namespace state.
 *
 * Registration happens step by step; each step that succeeded is undone,
 * in reverse order, when a later one fails and at unload.  Sockets hold a
 * reference on the module (sk_alloc() takes one on the proto's owner), so
 * rmmod is refused while any ATCP socket exists.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <net/inet_common.h>
#include <net/net_namespace.h>
#include <net/protocol.h>
#include <net/sock.h>
#include <net/tcp_states.h>
#include <net/route.h>
#include <net/tcp.h>

#include "atcp.h"

int atcp_proto = IPPROTO_ATCP;
module_param_named(proto, atcp_proto, int, 0444);
MODULE_PARM_DESC(proto, "IP protocol number carrying ATCP (default 253)");
EXPORT_SYMBOL_IF_KUNIT(atcp_proto);

unsigned int atcp_net_id __read_mostly;
EXPORT_SYMBOL_IF_KUNIT(atcp_net_id);

/**
 * atcp_v4_connect() - sk_prot->connect over IPv4 (also for IPv4-mapped
 *	destinations of AF_INET6 sockets)
 * @sk: the socket, owned by the caller
 * @uaddr: a struct sockaddr_in
 * @addr_len: its length
 *
 * Routes, picks the source address and port, and sends the SYN.
 *
 * Return: 0 (the handshake is under way) or a negative errno.
 */
int atcp_v4_connect(struct sock *sk, struct atcp_sockaddr *uaddr,
		    int addr_len)
{
	struct sockaddr_in *usin = (struct sockaddr_in *)uaddr;
	struct inet_sock *inet = inet_sk(sk);
	struct atcp_sock *as = atcp_sk(sk);
	__be16 orig_sport, orig_dport;
	struct flowi4 *fl4;
	struct rtable *rt;
	__be32 daddr;
	int err;

	if (addr_len < sizeof(struct sockaddr_in))
		return -EINVAL;
	if (usin->sin_family != AF_INET)
		return -EAFNOSUPPORT;
	if (!usin->sin_port)
		return -EINVAL;

	daddr = usin->sin_addr.s_addr;
	orig_sport = inet->inet_sport;
	orig_dport = usin->sin_port;
	fl4 = &inet->cork.fl.u.ip4;
	rt = ip_route_connect(fl4, daddr, inet->inet_saddr,
			      sk->sk_bound_dev_if, atcp_proto, orig_sport,
			      orig_dport, sk);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	if (rt->rt_flags & (RTCF_MULTICAST | RTCF_BROADCAST)) {
		ip_rt_put(rt);
		return -ENETUNREACH;
	}

	if (!inet->inet_saddr) {
		inet->inet_saddr = fl4->saddr;
		sk_rcv_saddr_set(sk, fl4->saddr);
	}
	inet->inet_dport = usin->sin_port;
	sk_daddr_set(sk, daddr);

	atcp_set_state(sk, TCP_SYN_SENT);
	err = atcp_connect_port(sk);
	if (err)
		goto failure;

	rt = ip_route_newports(fl4, rt, orig_sport, orig_dport,
			       inet->inet_sport, inet->inet_dport, sk);
	if (IS_ERR(rt)) {
		err = PTR_ERR(rt);
		rt = NULL;
		goto failure;
	}
	sk_setup_caps(sk, &rt->dst);
	as->advmss = atcp_route_advmss(sk, &rt->dst);

	as->iss = atcp_isn_v4(inet->inet_saddr, daddr, inet->inet_sport,
			      inet->inet_dport);
	as->ts_offset = atcp_ts_offset_v4(inet->inet_saddr, daddr);
	return atcp_connect_finish(sk);

failure:
	atcp_done(sk);
	sk->sk_route_caps = 0;
	inet->inet_dport = 0;
	if (rt)
		ip_rt_put(rt);
	return err;
}

/**
 * atcp_v4_request_init() - fill a request's addresses from an IPv4 SYN
 * @req: the request
 * @skb: the SYN
 */
void atcp_v4_request_init(struct atcp_request *req, struct sk_buff *skb)
{
	ipv6_addr_set_v4mapped(ip_hdr(skb)->daddr, &req->laddr);
	ipv6_addr_set_v4mapped(ip_hdr(skb)->saddr, &req->raddr);
	req->lport = tcp_hdr(skb)->dest;
	req->rport = tcp_hdr(skb)->source;
	req->family = AF_INET;
	req->oif = inet_iif(skb);
}

/**
 * atcp_v4_child_init() - set up an IPv4 (or IPv4-mapped) child socket
 * @child: the child, fresh from sk_clone_lock()
 * @req: its request
 *
 * Return: 0, or a negative errno when there is no route to the peer.
 */
int atcp_v4_child_init(struct sock *child, const struct atcp_request *req)
{
	struct inet_sock *inet = inet_sk(child);
	struct atcp_sock *as = atcp_sk(child);
	__be32 saddr = req->laddr.s6_addr32[3];
	__be32 daddr = req->raddr.s6_addr32[3];
	struct flowi4 *fl4 = &inet->cork.fl.u.ip4;
	struct rtable *rt;

	RCU_INIT_POINTER(inet->inet_opt, NULL);
	inet->mc_list = NULL;
	inet->inet_saddr = saddr;
	sk_rcv_saddr_set(child, saddr);
	sk_daddr_set(child, daddr);
	inet->inet_dport = req->rport;
	inet->inet_sport = req->lport;
	as->ts_offset = atcp_ts_offset_v4(saddr, daddr);

	flowi4_init_output(fl4, child->sk_bound_dev_if, child->sk_mark, 0,
			   RT_SCOPE_UNIVERSE, atcp_proto, 0, daddr, saddr,
			   req->rport, req->lport, sock_net_uid(sock_net(child), child));
	rt = ip_route_output_flow(sock_net(child), fl4, child);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	sk_setup_caps(child, &rt->dst);
	as->advmss = atcp_route_advmss(child, &rt->dst);
	return 0;
}

/**
 * atcp_v4_cookie_check() - validate the SYN cookie an IPv4 ACK returns
 * @skb: the ACK
 *
 * Return: the MSS the cookie encodes, 0 if it is not valid.
 */
u16 atcp_v4_cookie_check(struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);

	return atcp_cookie_v4_check(ip_hdr(skb)->saddr, ip_hdr(skb)->daddr,
				    th->source, th->dest,
				    ntohl(th->seq) - 1, ntohl(th->ack_seq) - 1);
}

/**
 * atcp_v4_cookie_init() - the SYN cookie answering an IPv4 SYN
 * @skb: the SYN
 * @mss: in: the peer's MSS; out: the MSS the cookie encodes
 *
 * Return: the cookie, our ISS.
 */
u32 atcp_v4_cookie_init(struct sk_buff *skb, u16 *mss)
{
	const struct tcphdr *th = tcp_hdr(skb);

	return atcp_cookie_v4_init(ip_hdr(skb)->saddr, ip_hdr(skb)->daddr,
				   th->source, th->dest, ntohl(th->seq), mss);
}

const struct atcp_af_ops atcp_ipv4_af_ops = {
	.queue_xmit	= atcp_v4_queue_xmit,
	.send_check	= atcp_v4_send_check,
	.net_header_len	= sizeof(struct iphdr),
	.send_synack	= atcp_v4_send_synack,
	.request_init	= atcp_v4_request_init,
	.child_init	= atcp_v4_child_init,
	.cookie_check	= atcp_v4_cookie_check,
	.cookie_init	= atcp_v4_cookie_init,
};

/*
 * Socket memory: one pool for ATCP in pages, bounded as TCP bounds its
 * own (tcp_mem), and the per-socket minimums the core guarantees even
 * under pressure (sk_get_rmem0(), sk_get_wmem0()).  Initial sizes and
 * autotuning maximums are the namespace's net.atcp.rmem and net.atcp.wmem
 * (atcp_init_sock_common()); SO_SNDBUF / SO_RCVBUF set them as for any
 * socket.  The module cannot add the per-namespace offsets TCP uses
 * (proto.sysctl_rmem_offset points into struct net), so these minimums
 * are the defaults of every namespace.
 */
atomic_long_t atcp_memory_allocated;
DEFINE_PER_CPU(int, atcp_memory_per_cpu_fw_alloc);
long atcp_sysctl_mem[3];
int atcp_sysctl_wmem[3] = { 4096, 16384, 4194304 };
int atcp_sysctl_rmem[3] = { 4096, 131072, 6291456 };

static void atcp_init_mem(void)
{
	unsigned long limit = max(nr_free_buffer_pages() / 16, 128UL);

	atcp_sysctl_mem[0] = limit / 4 * 3;
	atcp_sysctl_mem[1] = limit;
	atcp_sysctl_mem[2] = atcp_sysctl_mem[0] * 2;
}

static void atcp_v4_destroy_sock(struct sock *sk)
{
	atcp_destroy(sk);
}

static struct proto atcp_prot = {
	.name		= "ATCP",
	.owner		= THIS_MODULE,
	.close		= atcp_close,
	.connect	= atcp_v4_connect,
	.disconnect	= atcp_disconnect,
	.init		= atcp_init_sock,
	.destroy	= atcp_v4_destroy_sock,
	.shutdown	= atcp_shutdown,
	.setsockopt	= atcp_setsockopt,
	.getsockopt	= atcp_getsockopt,
	.keepalive	= atcp_set_keepalive,
	.sendmsg	= atcp_sendmsg,
	.recvmsg	= ATCP_PROTO_RECVMSG,
	.ioctl		= atcp_ioctl,
	.backlog_rcv	= atcp_backlog_rcv,
	.release_cb	= atcp_release_cb,
	.get_port	= atcp_get_port,
	ATCP_PROTO_MEMORY
	.obj_size	= sizeof(struct atcp_sock),
};

/**
 * atcp_sockets_inuse() - ATCP sockets in a namespace's tables
 * @net: the namespace
 *
 * Return: the number of listening and connected sockets, both families,
 * as /proc/net/sockstat's "inuse" counts TCP's.
 */
int atcp_sockets_inuse(struct net *net)
{
	return sock_prot_inuse_get(net, &atcp_prot) +
	       atcp6_sockets_inuse(net);
}

static const struct proto_ops atcp_stream_ops = {
	.family		= PF_INET,
	.owner		= THIS_MODULE,
	.release	= inet_release,
	.bind		= inet_bind,
	.connect	= inet_stream_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= atcp_stream_accept,
	.getname	= inet_getname,
	.poll		= atcp_poll,
	.ioctl		= inet_ioctl,
	.listen		= atcp_listen,
	.shutdown	= inet_shutdown,
	.setsockopt	= sock_common_setsockopt,
	.getsockopt	= sock_common_getsockopt,
	.sendmsg	= inet_sendmsg,
	.recvmsg	= inet_recvmsg,
	.mmap		= sock_no_mmap,
};

static struct inet_protosw atcp_protosw = {
	.type		= SOCK_STREAM,
	.protocol	= IPPROTO_ATCP,	/* set from proto= at init */
	.prot		= &atcp_prot,
	.ops		= &atcp_stream_ops,
};

static const struct net_protocol atcp_net_protocol = {
	.handler	= atcp_v4_rcv,
	.err_handler	= atcp_v4_err,
	.no_policy	= 1,
};

static int __net_init atcp_net_init(struct net *net)
{
	struct atcp_net *an = atcp_pernet(net);
	int err;

	atcp_net_defaults(an);

	an->mib = alloc_percpu(struct atcp_mib);
	if (!an->mib)
		return -ENOMEM;

	err = atcp_sysctl_init_net(net);
	if (err)
		goto free_mib;

	err = atcp_proc_init_net(net);
	if (err)
		goto sysctl;

	err = inet_ctl_sock_create(&an->ctl_sk4, PF_INET, SOCK_RAW, atcp_proto,
				   net);
	if (err)
		goto proc;
	return 0;

proc:
	atcp_proc_exit_net(net);
sysctl:
	atcp_sysctl_exit_net(net);
free_mib:
	free_percpu(an->mib);
	return err;
}

static void __net_exit atcp_net_exit(struct net *net)
{
	struct atcp_net *an = atcp_pernet(net);

	/* Users' sockets hold the namespace: only TIME-WAIT is left. */
	atcp_tw_purge(net);
	inet_ctl_sock_destroy(an->ctl_sk4);
	atcp_proc_exit_net(net);
	atcp_sysctl_exit_net(net);
	free_percpu(an->mib);
}

static struct pernet_operations atcp_net_ops = {
	.init	= atcp_net_init,
	.exit	= atcp_net_exit,
	.id	= &atcp_net_id,
	.size	= sizeof(struct atcp_net),
};

static int __init atcp_init(void)
{
	int err;

	if (atcp_proto <= 0 || atcp_proto >= IPPROTO_RAW) {
		pr_err("proto=%d is not a usable IP protocol number (1..254)\n",
		       atcp_proto);
		return -EINVAL;
	}
	atcp_protosw.protocol = atcp_proto;

	atcp_init_mem();
	err = atcp_hash_init();
	if (err)
		return err;

	err = atcp_tw_init();
	if (err)
		goto out_hash;

	err = atcp_listen_init();
	if (err)
		goto out_tw;

	err = proto_register(&atcp_prot, 1);
	if (err)
		goto out_listen;

	err = register_pernet_subsys(&atcp_net_ops);
	if (err)
		goto out_proto;

	if (inet_add_protocol(&atcp_net_protocol, atcp_proto) < 0) {
		pr_err("IP protocol %d is already in use; load with proto=N to pick a free one\n",
		       atcp_proto);
		err = -EBUSY;
		goto out_pernet;
	}

	inet_register_protosw(&atcp_protosw);

	err = atcpv6_init();
	if (err)
		goto out_protosw;

	err = atcp_diag_init();
	if (err)
		goto out_v6;

	pr_info("ATCP registered on IP protocol %d\n", atcp_proto);
	return 0;

out_v6:
	atcpv6_exit();
out_protosw:
	inet_unregister_protosw(&atcp_protosw);
	inet_del_protocol(&atcp_net_protocol, atcp_proto);
out_pernet:
	unregister_pernet_subsys(&atcp_net_ops);
out_proto:
	proto_unregister(&atcp_prot);
out_listen:
	atcp_listen_exit();
out_tw:
	atcp_tw_exit();
out_hash:
	atcp_hash_exit();
	return err;
}

static void __exit atcp_exit(void)
{
	/* First: a sock_diag dump walks the tables freed below. */
	atcp_diag_exit();
	atcpv6_exit();
	inet_unregister_protosw(&atcp_protosw);
	inet_del_protocol(&atcp_net_protocol, atcp_proto);
	unregister_pernet_subsys(&atcp_net_ops);
	proto_unregister(&atcp_prot);
	/* Namespace exits purged TIME-WAIT; RCU frees may be pending. */
	atcp_tw_purge(NULL);
	/* Timers of the last sockets may still be returning. */
	rcu_barrier();
	atcp_listen_exit();
	atcp_tw_exit();
	atcp_hash_exit();
}

module_init(atcp_init);
module_exit(atcp_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ATCP: an alternative TCP over its own IP protocol number");
/* socket() asks for "net-pf-2-proto-253-type-1": the type as a number. */
MODULE_ALIAS_NET_PF_PROTO_TYPE(PF_INET, IPPROTO_ATCP, 1 /* SOCK_STREAM */);
MODULE_ALIAS_NET_PF_PROTO_TYPE(PF_INET6, IPPROTO_ATCP, 1 /* SOCK_STREAM */);
