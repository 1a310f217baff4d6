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
#include "trace.h"

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

/*
 * Prepend the IPv4 header and hand the segment to ip_local_out().  This is
 * what ip_build_and_send_pkt() did for us, without IP options; that helper
 * is no longer exported on mainline (7.x).  skb must carry its route.
 */
static int atcp_v4_xmit_raw(struct sk_buff *skb, const struct sock *sk,
			    __be32 saddr, __be32 daddr, u8 tos)
{
	struct dst_entry *dst = skb_dst(skb);
	struct net *net = sock_net(sk);
	struct iphdr *iph;

	skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	iph = ip_hdr(skb);
	iph->version = 4;
	iph->ihl = 5;
	iph->tos = tos;
	iph->ttl = ip4_dst_hoplimit(dst);
	iph->frag_off = ip_dont_fragment(sk, dst) ? htons(IP_DF) : 0;
	iph->protocol = atcp_proto;
	iph->saddr = saddr;
	iph->daddr = daddr;
	ip_select_ident(net, skb, (struct sock *)sk);
	skb->priority = READ_ONCE(sk->sk_priority);
	if (!skb->mark)
		skb->mark = READ_ONCE(sk->sk_mark);
	return ip_local_out(net, skb->sk, skb);
}

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
	u8 tos;

	if (th->rst || !ctl)
		return;
	tos = ip_hdr(skb)->tos & ~INET_ECN_MASK;

	/* As TCP: with no socket, no binding; do not force the input
	 * interface, which would misroute asymmetric paths.
	 */
	flowi4_init_output(&fl4, 0, skb->mark, tos, RT_SCOPE_UNIVERSE,
			   atcp_proto, 0, iph->saddr, iph->daddr,
			   th->source, th->dest, sock_net_uid(net, NULL));
	rt = ip_route_output_flow(net, &fl4, NULL);
	if (IS_ERR(rt))
		return;

	nskb = atcp_build_reset(th, seglen);
	if (!nskb) {
		ip_rt_put(rt);
		return;
	}
	rth = tcp_hdr(nskb);
	rth->check = atcp_v4_csum(rth, sizeof(*rth), fl4.saddr, fl4.daddr);
	if (trace_atcp_send_reset_enabled()) {
		struct in6_addr s6, d6;

		ipv6_addr_set_v4mapped(fl4.saddr, &s6);
		ipv6_addr_set_v4mapped(fl4.daddr, &d6);
		trace_atcp_send_reset(NULL, &s6, &d6, rth->source, rth->dest,
				      ntohl(rth->seq), ntohl(rth->ack_seq));
	}
	nskb->ip_summed = CHECKSUM_NONE;
	skb_dst_set(nskb, &rt->dst);

	if (!atcp_v4_xmit_raw(nskb, ctl, fl4.saddr, fl4.daddr, tos)) {
		ATCP_INC_STATS(net, OUTSEGS);
		ATCP_INC_STATS(net, OUTRSTS);
	}
}

/**
 * atcp_clock_ms() - the millisecond clock timestamps are taken from
 *
 * Return: milliseconds, wrapping at 2^32 (RFC 7323 TSval clock).
 */
u32 atcp_clock_ms(void)
{
	return (u32)div_u64(ktime_get_ns(), NSEC_PER_MSEC);
}

/**
 * atcp_write_options() - encode the options of an outgoing segment
 * @ptr: where the options go (ATCP_MAX_OPT_LEN bytes available)
 * @o: what to encode
 *
 * The layout is Linux TCP's, so captures look familiar: MSS; SACK-permitted
 * folded into the NOP padding of timestamps; window scale last.
 *
 * Return: the options length, a multiple of 4.
 */
unsigned int atcp_write_options(u8 *ptr, const struct atcp_out_opts *o)
{
	u8 *p = ptr;

	if (o->mss) {
		*p++ = TCPOPT_MSS;
		*p++ = TCPOLEN_MSS;
		put_unaligned_be16(o->mss, p);
		p += 2;
	}
	if (o->ts) {
		if (o->sack_perm) {
			*p++ = TCPOPT_SACK_PERM;
			*p++ = TCPOLEN_SACK_PERM;
		} else {
			*p++ = TCPOPT_NOP;
			*p++ = TCPOPT_NOP;
		}
		*p++ = TCPOPT_TIMESTAMP;
		*p++ = TCPOLEN_TIMESTAMP;
		put_unaligned_be32(o->tsval, p);
		put_unaligned_be32(o->tsecr, p + 4);
		p += 8;
	} else if (o->sack_perm) {
		*p++ = TCPOPT_NOP;
		*p++ = TCPOPT_NOP;
		*p++ = TCPOPT_SACK_PERM;
		*p++ = TCPOLEN_SACK_PERM;
	}
	if (o->ws) {
		*p++ = TCPOPT_NOP;
		*p++ = TCPOPT_WINDOW;
		*p++ = TCPOLEN_WINDOW;
		*p++ = o->wscale;
	}
	return p - ptr;
}
EXPORT_SYMBOL_IF_KUNIT(atcp_write_options);

/*
 * Build a segment with no payload: header and options, the ports, the
 * sequence fields and the window given by the caller.
 */
static struct sk_buff *atcp_build_ctl(__be16 sport, __be16 dport, u32 seq,
				      u32 ack_seq, u8 flags, u16 window,
				      const struct atcp_out_opts *o, gfp_t gfp)
{
	u8 optbuf[ATCP_MAX_OPT_LEN];
	unsigned int olen = atcp_write_options(optbuf, o);
	struct sk_buff *skb;
	struct tcphdr *th;

	skb = alloc_skb(MAX_TCP_HEADER, gfp);
	if (!skb)
		return NULL;
	skb_reserve(skb, MAX_TCP_HEADER);
	th = skb_push(skb, sizeof(*th) + olen);
	skb_reset_transport_header(skb);
	memset(th, 0, sizeof(*th));
	th->source = sport;
	th->dest = dport;
	th->seq = htonl(seq);
	th->ack_seq = (flags & TCPHDR_ACK) ? htonl(ack_seq) : 0;
	th->doff = (sizeof(*th) + olen) / 4;
	tcp_flag_byte(th) = flags;
	th->window = htons(window);
	memcpy(th + 1, optbuf, olen);
	return skb;
}

/**
 * atcp_build_reset() - the RST answering a segment no connection claims
 * @th: the segment's validated header (not itself a RST)
 * @seglen: its payload length
 *
 * Fields per RFC 9293 section 3.10.7.1 (atcp_reset_fields()), no options.
 *
 * Return: the segment, checksum still to be set, or NULL.
 */
struct sk_buff *atcp_build_reset(const struct tcphdr *th, unsigned int seglen)
{
	static const struct atcp_out_opts no_opts;
	__be32 seq, ack_seq;
	bool ack;

	atcp_reset_fields(th, seglen, &seq, &ack_seq, &ack);
	return atcp_build_ctl(th->dest, th->source, ntohl(seq), ntohl(ack_seq),
			      TCPHDR_RST | (ack ? TCPHDR_ACK : 0), 0, &no_opts,
			      GFP_ATOMIC);
}

/* The window field of a segment we send (RFC 7323: never scaled on SYN). */
static u16 atcp_window_field(const struct sock *sk, bool syn)
{
	const struct atcp_sock *as = atcp_sk(sk);
	u32 wnd = as->rcv_wnd;

	if (!syn)
		wnd >>= as->rcv_wscale;
	return min_t(u32, wnd, U16_MAX);
}

/**
 * atcp_send_ctl() - send a segment without payload on a connection
 * @sk: the socket, owned by the caller
 * @flags: TCP flags (TCPHDR_*)
 * @seq: sequence number
 *
 * SYN and SYN-ACK carry MSS, window scale, SACK-permitted and timestamps
 * as negotiated (or offered, for a SYN); other segments carry timestamps
 * when negotiated.  The acknowledgment number is RCV.NXT.
 *
 * Return: 0 or a negative errno from the IP layer.
 */
int atcp_send_ctl(struct sock *sk, u8 flags, u32 seq)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_out_opts o = { };
	bool syn = flags & TCPHDR_SYN;
	struct sk_buff *skb;
	int err;

	if (syn) {
		o.mss = as->advmss;
		o.ws = as->wscale_ok;
		o.wscale = as->rcv_wscale;
		o.sack_perm = as->sack_ok;
	}
	if (as->ts_ok && !(flags & TCPHDR_RST)) {
		o.ts = true;
		o.tsval = atcp_clock_ms() + as->ts_offset;
		o.tsecr = (flags & TCPHDR_ACK) ? as->ts_recent : 0;
	}

	skb = atcp_build_ctl(inet_sk(sk)->inet_sport, inet_sk(sk)->inet_dport,
			     seq, as->rcv_nxt, flags,
			     atcp_window_field(sk, syn), &o,
			     sk_gfp_mask(sk, GFP_ATOMIC));
	if (!skb)
		return -ENOBUFS;
	skb_set_owner_w(skb, sk);
	as->af_ops->send_check(sk, skb);
	if ((flags & TCPHDR_RST) && trace_atcp_send_reset_enabled()) {
		struct in6_addr l, r;

		atcp_sk_addrs(sk, &l, &r);
		trace_atcp_send_reset(sk, &l, &r, inet_sk(sk)->inet_sport,
				      inet_sk(sk)->inet_dport, seq, as->rcv_nxt);
	}
	err = as->af_ops->queue_xmit(sk, skb);
	if (!err || err == NET_XMIT_CN) {
		ATCP_INC_STATS(sock_net(sk), OUTSEGS);
		if (flags & TCPHDR_RST)
			ATCP_INC_STATS(sock_net(sk), OUTRSTS);
	}
	return net_xmit_eval(err);
}

/**
 * atcp_send_ack() - acknowledge RCV.NXT
 * @sk: the socket, owned by the caller
 */
void atcp_send_ack(struct sock *sk)
{
	atcp_send_ctl(sk, TCPHDR_ACK, atcp_sk(sk)->snd_nxt);
}

/**
 * atcp_send_active_reset() - abort a connection with RST (RFC 9293 ABORT)
 * @sk: the socket, owned by the caller
 */
void atcp_send_active_reset(struct sock *sk)
{
	atcp_send_ctl(sk, TCPHDR_RST | TCPHDR_ACK, atcp_sk(sk)->snd_nxt);
}

/**
 * atcp_build_synack() - build the SYN-ACK of a request
 * @lsk: the listener
 * @req: the request
 * @mss: the MSS to announce (from the route)
 * @tsval: our TSval, when the request uses timestamps
 *
 * Return: the segment without its checksum, or NULL.
 */
struct sk_buff *atcp_build_synack(const struct sock *lsk,
				  const struct atcp_request *req, u16 mss,
				  u32 tsval)
{
	struct atcp_out_opts o = {
		.mss = mss,
		.ws = req->wscale_ok,
		.wscale = req->rcv_wscale,
		.sack_perm = req->sack_ok,
		.ts = req->ts_ok,
		.tsval = tsval,
		.tsecr = req->ts_recent,
	};
	struct sk_buff *skb;

	skb = atcp_build_ctl(req->lport, req->rport, req->iss, req->irs + 1,
			     TCPHDR_SYN | TCPHDR_ACK,
			     min_t(u32, atcp_sk(lsk)->rcv_wnd, U16_MAX), &o,
			     GFP_ATOMIC);
	return skb;
}

/**
 * atcp_v4_send_check() - compute the checksum of an outgoing IPv4 segment
 * @sk: the socket (for its addresses)
 * @skb: the segment, skb->data at the TCP header
 *
 * Computed in software: devices offer checksum offload for TCP and UDP,
 * not for an arbitrary IP protocol.
 */
void atcp_v4_send_check(struct sock *sk, struct sk_buff *skb)
{
	struct tcphdr *th = tcp_hdr(skb);

	th->check = 0;
	th->check = atcp_v4_csum(th, skb->len, inet_sk(sk)->inet_saddr,
				 inet_sk(sk)->inet_daddr);
	skb->ip_summed = CHECKSUM_NONE;
}

/**
 * atcp_v4_queue_xmit() - send a segment of a connected IPv4 socket
 * @sk: the socket
 * @skb: the segment
 *
 * Return: 0 or a negative errno / NET_XMIT code.
 */
int atcp_v4_queue_xmit(struct sock *sk, struct sk_buff *skb)
{
	return ip_queue_xmit(sk, skb, &inet_sk(sk)->cork.fl);
}

/**
 * atcp_v4_send_synack() - send the SYN-ACK of a request over IPv4
 * @lsk: the listener (an IPv6 listener for an IPv4-mapped request)
 * @req: the request
 *
 * Return: 0 or a negative errno.
 */
int atcp_v4_send_synack(const struct sock *lsk, struct atcp_request *req)
{
	__be32 saddr = req->laddr.s6_addr32[3];
	__be32 daddr = req->raddr.s6_addr32[3];
	struct net *net = sock_net(lsk);
	struct sk_buff *skb;
	struct flowi4 fl4;
	struct rtable *rt;
	u32 tsval;
	int err;

	flowi4_init_output(&fl4, lsk->sk_bound_dev_if, READ_ONCE(lsk->sk_mark),
			   0, RT_SCOPE_UNIVERSE, atcp_proto, 0, daddr, saddr,
			   req->rport, req->lport, sock_net_uid(net, lsk));
	rt = ip_route_output_flow(net, &fl4, lsk);
	if (IS_ERR(rt))
		return PTR_ERR(rt);

	tsval = atcp_clock_ms() + atcp_ts_offset_v4(saddr, daddr);
	/* A cookie SYN-ACK keeps the peer's options in the TSval it sends. */
	if (req->dead && req->ts_ok)
		tsval = atcp_cookie_ts_encode(tsval, req->snd_wscale,
					      req->wscale_ok, req->sack_ok);
	skb = atcp_build_synack(lsk, req, atcp_route_advmss(lsk, &rt->dst),
				tsval);
	if (!skb) {
		ip_rt_put(rt);
		return -ENOBUFS;
	}
	tcp_hdr(skb)->check = atcp_v4_csum(skb->data, skb->len, saddr, daddr);
	skb->ip_summed = CHECKSUM_NONE;
	skb_dst_set(skb, &rt->dst);
	err = atcp_v4_xmit_raw(skb, lsk, saddr, daddr, inet_sk(lsk)->tos);
	err = net_xmit_eval(err);
	if (!err)
		ATCP_INC_STATS(net, OUTSEGS);
	return err;
}
