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

/**
 * struct atcp6_sock - an AF_INET6 ATCP socket
 * @atcp: the address-family independent part; must stay first
 * @inet6: IPv6 state; last, where kernels before 6.7 look for it
 */
struct atcp6_sock {
	struct atcp_sock atcp;
	struct ipv6_pinfo inet6;
};

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

static void atcp_v6_send_reset(struct net *net, struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct sock *ctl = atcp_pernet(net)->ctl_sk6;
	unsigned int seglen = skb->len - th->doff * 4;
	struct dst_entry *dst;
	struct sk_buff *nskb;
	struct tcphdr *rth;
	struct flowi6 fl6;
	__be32 seq, ack_seq;
	bool ack;

	if (th->rst || !ctl)
		return;

	atcp_reset_fields(th, seglen, &seq, &ack_seq, &ack);

	memset(&fl6, 0, sizeof(fl6));
	fl6.daddr = ip6h->saddr;
	fl6.saddr = ip6h->daddr;
	fl6.flowi6_proto = atcp_proto;
	fl6.flowi6_mark = skb->mark;
	fl6.fl6_dport = th->source;
	fl6.fl6_sport = th->dest;
	/* Link-local peers are only reachable through the input interface. */
	if (rt6_need_strict(&fl6.daddr))
		fl6.flowi6_oif = tcp_v6_iif(skb);
	fl6.flowi6_uid = sock_net_uid(net, NULL);

	dst = ip6_dst_lookup_flow(net, ctl, &fl6, NULL);
	if (IS_ERR(dst))
		return;

	nskb = alloc_skb(MAX_TCP_HEADER, GFP_ATOMIC);
	if (!nskb) {
		dst_release(dst);
		return;
	}
	skb_reserve(nskb, MAX_TCP_HEADER);
	rth = skb_push(nskb, sizeof(*rth));
	skb_reset_transport_header(nskb);
	memset(rth, 0, sizeof(*rth));
	rth->source = th->dest;
	rth->dest = th->source;
	rth->seq = seq;
	rth->ack_seq = ack_seq;
	rth->doff = sizeof(*rth) / 4;
	rth->rst = 1;
	rth->ack = ack;
	rth->check = atcp_v6_csum(rth, sizeof(*rth), &fl6.saddr, &fl6.daddr);
	nskb->ip_summed = CHECKSUM_NONE;
	skb_dst_set(nskb, dst);

	if (!ip6_xmit(ctl, nskb, &fl6, fl6.flowi6_mark, NULL, 0, 0)) {
		ATCP_INC_STATS(net, OUTSEGS);
		ATCP_INC_STATS(net, OUTRSTS);
	}
}

static int atcp_v6_rcv(struct sk_buff *skb)
{
	struct net *net = dev_net(skb->dev);
	struct atcp_opts opts;

	if (skb->pkt_type != PACKET_HOST)
		goto discard;

	ATCP_INC_STATS(net, INSEGS);

	if (atcp_hdr_check(skb))
		goto bad;

	if (skb_checksum_init(skb, IPPROTO_TCP, ip6_compute_pseudo))
		goto csum_error;
	if (skb_checksum_complete(skb))
		goto csum_error;

	if (atcp_parse_options(tcp_hdr(skb), &opts))
		goto bad;

	return atcp_rcv(net, skb, atcp_v6_send_reset);

csum_error:
	ATCP_INC_STATS(net, INCSUMERRORS);
bad:
	ATCP_INC_STATS(net, INERRS);
discard:
	kfree_skb(skb);
	return 0;
}

static void atcpv6_destroy_sock(struct sock *sk)
{
#ifdef ATCP_NEED_INET6_DESTROY_SOCK
	inet6_destroy_sock(sk);
#endif
}

static struct proto atcpv6_prot = {
	.name		= "ATCPv6",
	.owner		= THIS_MODULE,
	.close		= atcp_close,
	.destroy	= atcpv6_destroy_sock,
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
	.bind		= sock_no_bind,
	.connect	= sock_no_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= sock_no_accept,
	.getname	= inet6_getname,
	.ioctl		= inet6_ioctl,
	.listen		= sock_no_listen,
	.shutdown	= sock_no_shutdown,
	.setsockopt	= sock_common_setsockopt,
	.getsockopt	= sock_common_getsockopt,
	.sendmsg	= sock_no_sendmsg,
	.recvmsg	= sock_no_recvmsg,
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
