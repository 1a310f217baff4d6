// SPDX-License-Identifier: GPL-2.0
/*
 * Transmit path: segment construction, checksums and replies sent on
 * behalf of no connection (RST for CLOSED).
 *
 * The checksum is TCP's, pseudo-header protocol 6 included, whatever IP
 * protocol number carries the segment: rewriting only the IP protocol byte
 * turns an ATCP segment into a valid TCP segment and back.
 */
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/tcp.h>

#include "atcp.h"

/**
 * atcp_v4_csum() - TCP checksum of a segment over IPv4
 * @th: TCP header, followed by the rest of the segment
 * @len: segment length (header and payload)
 * @saddr: IPv4 source address
 * @daddr: IPv4 destination address
 *
 * Return: the value for th->check (computed with th->check as stored).
 */
__sum16 atcp_v4_csum(const void *th, unsigned int len, __be32 saddr,
		     __be32 daddr)
{
	return csum_tcpudp_magic(saddr, daddr, len, IPPROTO_TCP,
				 csum_partial(th, len, 0));
}
EXPORT_SYMBOL_IF_KUNIT(atcp_v4_csum);

/**
 * atcp_reset_fields() - sequence fields of the RST answering a segment
 * @th: header of the segment that found no connection
 * @seglen: its payload length
 * @seq: RST sequence number (network order)
 * @ack_seq: RST acknowledgment number (network order)
 * @ack: whether the RST carries ACK
 *
 * RFC 9293 section 3.10.7.1: if the incoming segment has ACK, the reset
 * is <SEQ=SEG.ACK><CTL=RST>; otherwise <SEQ=0><ACK=SEG.SEQ+SEG.LEN>
 * <CTL=RST,ACK>, where SEG.LEN counts SYN and FIN.
 */
void atcp_reset_fields(const struct tcphdr *th, unsigned int seglen,
		       __be32 *seq, __be32 *ack_seq, bool *ack)
{
	if (th->ack) {
		*seq = th->ack_seq;
		*ack_seq = 0;
		*ack = false;
	} else {
		*seq = 0;
		*ack_seq = htonl(ntohl(th->seq) + seglen + th->syn + th->fin);
		*ack = true;
	}
}
EXPORT_SYMBOL_IF_KUNIT(atcp_reset_fields);

/**
 * atcp_v4_send_reset() - answer a segment that found no connection
 * @net: namespace the segment arrived in
 * @skb: the segment, skb->data at its validated TCP header
 *
 * Never answers a RST.  Sent through the namespace's control socket.
 */
void atcp_v4_send_reset(struct net *net, struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	const struct iphdr *iph = ip_hdr(skb);
	struct sock *ctl = atcp_pernet(net)->ctl_sk4;
	unsigned int seglen = skb->len - th->doff * 4;
	struct sk_buff *nskb;
	struct tcphdr *rth;
	struct flowi4 fl4;
	struct rtable *rt;
	__be32 seq, ack_seq;
	bool ack;

	if (th->rst || !ctl)
		return;

	atcp_reset_fields(th, seglen, &seq, &ack_seq, &ack);

	/* As TCP: with no socket, no binding; do not force the input
	 * interface, which would misroute asymmetric paths.
	 */
	flowi4_init_output(&fl4, 0, skb->mark,
			   ip_hdr(skb)->tos & ~INET_ECN_MASK, RT_SCOPE_UNIVERSE,
			   atcp_proto, 0, iph->saddr, iph->daddr,
			   th->source, th->dest, sock_net_uid(net, NULL));
	rt = ip_route_output_flow(net, &fl4, NULL);
	if (IS_ERR(rt))
		return;

	nskb = alloc_skb(MAX_TCP_HEADER, GFP_ATOMIC);
	if (!nskb) {
		ip_rt_put(rt);
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
	rth->check = atcp_v4_csum(rth, sizeof(*rth), fl4.saddr, fl4.daddr);
	nskb->ip_summed = CHECKSUM_NONE;
	skb_dst_set(nskb, &rt->dst);

	if (!ip_build_and_send_pkt(nskb, ctl, fl4.saddr, fl4.daddr, NULL,
				   fl4.flowi4_tos)) {
		ATCP_INC_STATS(net, OUTSEGS);
		ATCP_INC_STATS(net, OUTRSTS);
	}
}
