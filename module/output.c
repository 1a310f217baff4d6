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
 * atcp_v4_send_reply() - send a segment answering @skb without a socket
 * @net: namespace @skb arrived in
 * @skb: the received segment (IPv4), skb->data at its TCP header
 * @nskb: the answer, ports and sequence fields set; consumed
 *
 * Routed back to the sender, checksummed and sent through the namespace's
 * control socket.  Used for RSTs to CLOSED and by TIME-WAIT.
 */
void atcp_v4_send_reply(struct net *net, struct sk_buff *skb,
			struct sk_buff *nskb)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct sock *ctl = atcp_pernet(net)->ctl_sk4;
	struct tcphdr *rth = tcp_hdr(nskb);
	struct flowi4 fl4;
	struct rtable *rt;
	u8 tos = iph->tos & ~INET_ECN_MASK;
	bool rst;

	if (!ctl)
		goto drop;
	/* As TCP: with no socket, no binding; do not force the input
	 * interface, which would misroute asymmetric paths.
	 */
	flowi4_init_output(&fl4, 0, skb->mark, tos, RT_SCOPE_UNIVERSE,
			   atcp_proto, 0, iph->saddr, iph->daddr,
			   rth->dest, rth->source, sock_net_uid(net, NULL));
	rt = ip_route_output_flow(net, &fl4, NULL);
	if (IS_ERR(rt))
		goto drop;

	rth->check = atcp_v4_csum(rth, nskb->len, fl4.saddr, fl4.daddr);
	nskb->ip_summed = CHECKSUM_NONE;
	skb_dst_set(nskb, &rt->dst);
	rst = rth->rst;		/* nskb is gone once sent */
	if (!atcp_v4_xmit_raw(nskb, ctl, fl4.saddr, fl4.daddr, tos)) {
		ATCP_INC_STATS(net, OUTSEGS);
		if (rst)
			ATCP_INC_STATS(net, OUTRSTS);
	}
	return;
drop:
	kfree_skb(nskb);
}

/**
 * atcp_v4_send_reset() - answer a segment that found no connection
 * @net: namespace the segment arrived in
 * @skb: the segment, skb->data at its validated TCP header
 *
 * Never answers a RST.
 */
void atcp_v4_send_reset(struct net *net, struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	struct sk_buff *nskb;

	if (th->rst)
		return;
	nskb = atcp_build_reset(th, skb->len - th->doff * 4);
	if (!nskb)
		return;
	if (trace_atcp_send_reset_enabled()) {
		const struct tcphdr *rth = tcp_hdr(nskb);
		struct in6_addr s6, d6;

		ipv6_addr_set_v4mapped(ip_hdr(skb)->daddr, &s6);
		ipv6_addr_set_v4mapped(ip_hdr(skb)->saddr, &d6);
		trace_atcp_send_reset(NULL, &s6, &d6, rth->source, rth->dest,
				      ntohl(rth->seq), ntohl(rth->ack_seq));
	}
	atcp_v4_send_reply(net, skb, nskb);
}

/**
 * atcp_send_reset() - answer a segment that found no connection, in the
 *	family it arrived in
 * @net: namespace the segment arrived in
 * @skb: the segment, skb->data at its validated TCP header
 *
 * Every path that resets (softirq, a socket's backlog, TIME-WAIT, a
 * listener's child) comes here: the reply's family is the segment's, not
 * the socket's, as in tcp_v6_do_rcv() (a dual-stack listener takes IPv4
 * segments too).  Never answers a RST.
 */
void atcp_send_reset(struct net *net, struct sk_buff *skb)
{
#if IS_ENABLED(CONFIG_IPV6)
	if (skb->protocol == htons(ETH_P_IPV6)) {
		atcp_v6_send_reset(net, skb);
		return;
	}
#endif
	atcp_v4_send_reset(net, skb);
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
EXPORT_SYMBOL_IF_KUNIT(atcp_clock_ms);

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
	if (o->num_sacks) {
		unsigned int i;

		*p++ = TCPOPT_NOP;
		*p++ = TCPOPT_NOP;
		*p++ = TCPOPT_SACK;
		*p++ = TCPOLEN_SACK_BASE + o->num_sacks * TCPOLEN_SACK_PERBLOCK;
		for (i = 0; i < o->num_sacks; i++) {
			put_unaligned_be32(o->sack[i].start, p);
			put_unaligned_be32(o->sack[i].end, p + 4);
			p += 8;
		}
	}
	return p - ptr;
}
EXPORT_SYMBOL_IF_KUNIT(atcp_write_options);

/**
 * atcp_build_ctl() - build a segment with no payload
 * @sport: source port
 * @dport: destination port
 * @seq: sequence number
 * @ack_seq: acknowledgment number (used when @flags has ACK)
 * @flags: TCP flags
 * @window: window field
 * @o: options
 * @gfp: allocation flags
 *
 * Return: the segment, skb->data at its TCP header, checksum not set; or
 * NULL.
 */
struct sk_buff *atcp_build_ctl(__be16 sport, __be16 dport, u32 seq,
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

/**
 * atcp_clock_us() - the microsecond clock RTT samples are taken from
 *
 * Return: microseconds, wrapping at 2^32 (differences stay valid for more
 * than an hour).
 */
u32 atcp_clock_us(void)
{
	return (u32)div_u64(ktime_get_ns(), NSEC_PER_USEC);
}
EXPORT_SYMBOL_IF_KUNIT(atcp_clock_us);

/*
 * Free receive buffer space turned into window: the buffer is charged by
 * skb->truesize, so only the share of it payload takes (measured on what
 * arrives, rcv_ratio) can be offered, less an eighth for safety.
 */
static u32 atcp_rcv_space(const struct sock *sk)
{
	int space = READ_ONCE(sk->sk_rcvbuf) - atomic_read(&sk->sk_rmem_alloc);
	u64 wnd;

	if (space <= 0)
		return 0;
	wnd = (u64)space * atcp_sk(sk)->rcv_ratio >> ATCP_RATIO_SHIFT;
	return wnd - (wnd >> 3);
}

/**
 * atcp_select_window() - the window to announce in a segment being sent
 * @sk: the socket, owned by the caller
 *
 * The window follows the free receive buffer space; it never shrinks
 * (the right edge announced before is kept, RFC 9293 3.8.6), and grows
 * only by at least min(buffer / 4, MSS) at a time: receiver-side silly
 * window avoidance (RFC 9293 3.8.6.2.2).  Records what was announced.
 *
 * Return: the window field, scaled by our shift.
 */
u16 atcp_select_window(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	u32 unit = 1U << as->rcv_wscale;
	u32 cur = atcp_rcv_wnd_now(as);
	u32 space = min_t(u32, atcp_rcv_space(sk), U16_MAX << as->rcv_wscale);
	u32 sws = min_t(u32, READ_ONCE(sk->sk_rcvbuf) / 4,
			as->rcv_mss ? : as->advmss);
	u32 wnd;

	if (space <= cur || space - cur < sws)
		wnd = round_up(cur, unit);
	else
		wnd = round_down(space, unit);
	wnd = min_t(u32, wnd, U16_MAX << as->rcv_wscale);
	as->rcv_wnd = wnd;
	as->rcv_wup = as->rcv_nxt;
	return wnd >> as->rcv_wscale;
}
EXPORT_SYMBOL_IF_KUNIT(atcp_select_window);

/*
 * Timestamps and SACK blocks, the options of every non-SYN segment.  The
 * MSS already leaves room for timestamps; SACK blocks go on a data
 * segment only as far as @room (bytes the payload leaves) allows.
 */
static void atcp_established_opts(struct sock *sk, struct atcp_out_opts *o,
				  unsigned int room)
{
	struct atcp_sock *as = atcp_sk(sk);
	unsigned int max = as->ts_ok ? 3 : 4;

	if (as->ts_ok) {
		o->ts = true;
		o->tsval = atcp_clock_ms() + as->ts_offset;
		o->tsecr = as->ts_recent;
	}
	if (room < TCPOLEN_SACK_BASE_ALIGNED + TCPOLEN_SACK_PERBLOCK)
		return;
	max = min(max, (room - TCPOLEN_SACK_BASE_ALIGNED) /
		       TCPOLEN_SACK_PERBLOCK);
	if (as->sack_ok && !RB_EMPTY_ROOT(&as->ooo_queue))
		o->num_sacks = atcp_sack_blocks(sk, o->sack, max);
}

/* An ACK is on its way: nothing owed any more. */
static void atcp_ack_sent(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);

	as->ack_pending &= ~ATCP_ACK_SCHED;
	if (as->quickack)
		as->quickack--;
}

/* Hand a segment with its header in place to IP, counting it. */
static int atcp_xmit(struct sock *sk, struct sk_buff *skb, u8 flags)
{
	struct atcp_sock *as = atcp_sk(sk);
	int err;

	/* IP reads its own control block from skb->cb: no ATCP leftovers. */
	memset(skb->cb, 0, sizeof(skb->cb));
	skb_set_owner_w(skb, sk);
	as->af_ops->send_check(sk, skb);
	if (flags & TCPHDR_ACK)
		atcp_ack_sent(sk);
	err = as->af_ops->queue_xmit(sk, skb);
	if (!err || err == NET_XMIT_CN) {
		ATCP_INC_STATS(sock_net(sk), OUTSEGS);
		as->segs_out++;
		if (flags & TCPHDR_RST)
			ATCP_INC_STATS(sock_net(sk), OUTRSTS);
	}
	return net_xmit_eval(err);
}

/*
 * In urgent mode every segment before SND.UP points at it (a pure ACK too,
 * so a closed window does not hide it), as tcp_transmit_skb() does:
 * the pointer is an offset from the segment's sequence number, and one
 * too far for 16 bits becomes 0xFFFF while the data ahead is unsent.
 */
static void atcp_set_urg(const struct atcp_sock *as, struct tcphdr *th,
			 u32 seq)
{
	if (!atcp_urg_mode(as) || !atcp_seq_before(seq, as->snd_up))
		return;
	if (atcp_seq_before(as->snd_up, seq + 0x10000)) {
		th->urg_ptr = htons(as->snd_up - seq);
		th->urg = 1;
	} else if (atcp_seq_after(seq + 0xFFFF, as->snd_nxt)) {
		th->urg_ptr = htons(0xFFFF);
		th->urg = 1;
	}
}

/* Push a TCP header with options in front of skb->data. */
static void atcp_push_header(struct sock *sk, struct sk_buff *skb, u32 seq,
			     u8 flags, u16 window,
			     const struct atcp_out_opts *o)
{
	u8 optbuf[ATCP_MAX_OPT_LEN];
	unsigned int olen = atcp_write_options(optbuf, o);
	struct tcphdr *th;

	th = skb_push(skb, sizeof(*th) + olen);
	skb_reset_transport_header(skb);
	memset(th, 0, sizeof(*th));
	th->source = inet_sk(sk)->inet_sport;
	th->dest = inet_sk(sk)->inet_dport;
	th->seq = htonl(seq);
	th->ack_seq = (flags & TCPHDR_ACK) ? htonl(atcp_sk(sk)->rcv_nxt) : 0;
	th->doff = (sizeof(*th) + olen) / 4;
	tcp_flag_byte(th) = flags;
	th->window = htons(window);
	memcpy(th + 1, optbuf, olen);
	atcp_set_urg(atcp_sk(sk), th, seq);
}

/**
 * atcp_send_ctl() - send a segment without payload on a connection
 * @sk: the socket, owned by the caller
 * @flags: TCP flags (TCPHDR_*)
 * @seq: sequence number
 *
 * SYN and SYN-ACK carry MSS, window scale, SACK-permitted and timestamps
 * as negotiated (or offered, for a SYN); other segments carry timestamps
 * when negotiated, and SACK blocks while data is out of order.  The
 * acknowledgment number is RCV.NXT.
 *
 * Return: 0 or a negative errno from the IP layer.
 */
int atcp_send_ctl(struct sock *sk, u8 flags, u32 seq)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_out_opts o = { };
	bool syn = flags & TCPHDR_SYN;
	struct sk_buff *skb;
	u16 window;

	skb = alloc_skb(MAX_TCP_HEADER, sk_gfp_mask(sk, GFP_ATOMIC));
	if (!skb)
		return -ENOBUFS;
	skb_reserve(skb, MAX_TCP_HEADER);

	if (syn) {
		o.mss = as->advmss;
		o.ws = as->wscale_ok;
		o.wscale = as->rcv_wscale;
		o.sack_perm = as->sack_ok;
		if (as->ts_ok) {
			o.ts = true;
			o.tsval = atcp_clock_ms() + as->ts_offset;
			o.tsecr = (flags & TCPHDR_ACK) ? as->ts_recent : 0;
		}
		/* RFC 7323 2.2: the window of a SYN is never scaled. */
		window = min_t(u32, as->rcv_wnd, U16_MAX);
	} else if (flags & TCPHDR_RST) {
		window = 0;
	} else {
		atcp_established_opts(sk, &o, ATCP_MAX_OPT_LEN);
		window = atcp_select_window(sk);
	}
	atcp_push_header(sk, skb, seq, flags, window, &o);

	if ((flags & TCPHDR_RST) && trace_atcp_send_reset_enabled()) {
		struct in6_addr l, r;

		atcp_sk_addrs(sk, &l, &r);
		trace_atcp_send_reset(sk, &l, &r, inet_sk(sk)->inet_sport,
				      inet_sk(sk)->inet_dport, seq, as->rcv_nxt);
	}
	return atcp_xmit(sk, skb, flags);
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
 * atcp_send_probe() - a zero-window or keepalive probe
 * @sk: the socket, owned by the caller
 *
 * An ACK carrying SND.UNA - 1, a sequence number the peer has seen: it
 * must answer with an ACK showing its current window (RFC 9293 3.8.6.1,
 * 3.8.4).
 */
void atcp_send_probe(struct sock *sk)
{
	atcp_send_ctl(sk, TCPHDR_ACK, atcp_sk(sk)->snd_una - 1);
}

/*
 * Send a queued segment.  The queue keeps only payload; the header goes on
 * a clone, so the segment can be sent again.  A clone still in flight (in
 * a qdisc, say) owns the headroom: then the segment is copied instead.
 */
static int atcp_transmit_skb(struct sock *sk, struct sk_buff *skb)
{
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	gfp_t gfp = sk_gfp_mask(sk, GFP_ATOMIC);
	struct atcp_out_opts o = { };
	struct sk_buff *c;
	u8 flags;

	cb->tx_us = atcp_clock_us();
	if (unlikely(skb_cloned(skb)))
		c = pskb_copy(skb, gfp);
	else
		c = skb_clone(skb, gfp);
	if (!c)
		return -ENOBUFS;
	flags = cb->flags | TCPHDR_ACK;
	/* The last queued data: the receiver should hand it over (PSH). */
	if (skb->len && skb_queue_is_last(&sk->sk_write_queue, skb))
		flags |= TCPHDR_PSH;
	atcp_established_opts(sk, &o, atcp_sk(sk)->mss > skb->len ?
				      atcp_sk(sk)->mss - skb->len : 0);
	atcp_push_header(sk, c, cb->seq, flags, atcp_select_window(sk), &o);
	return atcp_xmit(sk, c, flags);
}

/* Segments in the network: RFC 6675 "pipe". */
static u32 atcp_in_flight(const struct atcp_sock *as)
{
	return as->packets_out - as->sacked_out - as->lost_out +
	       as->retrans_out;
}

/**
 * atcp_cwnd_room() - whether the congestion window lets one more out
 * @as: the socket
 *
 * Return: true when fewer than cwnd segments are in flight.
 */
bool atcp_cwnd_room(const struct atcp_sock *as)
{
	return atcp_in_flight(as) < as->cc.cwnd;
}

/**
 * atcp_reset_xmit_timer() - arm the retransmission timer for @what
 * @sk: the socket, owned by the caller
 * @what: ATCP_TIMER_RETRANS or ATCP_TIMER_PROBE0
 * @when: delay, jiffies (capped at ATCP_RTO_MAX)
 */
void atcp_reset_xmit_timer(struct sock *sk, u8 what, unsigned long when)
{
	struct atcp_sock *as = atcp_sk(sk);

	as->pending = what;
	sk_reset_timer(sk, &as->rtx_timer,
		       jiffies + min_t(unsigned long, when, ATCP_RTO_MAX));
}

/*
 * Nagle's algorithm, Minshall's variant as in Linux: a segment smaller
 * than the MSS at the tail of the queue waits while an earlier small
 * segment is unacknowledged, or always while corked.
 */
static bool atcp_nagle_ok(const struct sock *sk, const struct sk_buff *skb,
			  int nonagle)
{
	const struct atcp_sock *as = atcp_sk(sk);

	if (skb->len >= as->mss || ATCP_SKB_CB(skb)->flags & TCPHDR_FIN ||
	    !skb_queue_is_last(&sk->sk_write_queue, skb))
		return true;
	if (nonagle & ATCP_NAGLE_PUSH || atcp_urg_mode(as))
		return true;
	if (nonagle & ATCP_NAGLE_CORK)
		return false;
	if (nonagle & ATCP_NAGLE_OFF)
		return true;
	return !as->packets_out || !atcp_seq_after(as->snd_sml, as->snd_una);
}

/* Bookkeeping once a new segment has left. */
static void atcp_new_data_sent(struct sock *sk, struct sk_buff *skb)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);

	as->send_head = skb_queue_is_last(&sk->sk_write_queue, skb) ? NULL :
			skb_queue_next(&sk->sk_write_queue, skb);
	as->snd_nxt = cb->end_seq;
	if (skb->len < as->mss)
		as->snd_sml = cb->end_seq;
	if (!as->packets_out++ || as->pending != ATCP_TIMER_RETRANS)
		atcp_reset_xmit_timer(sk, ATCP_TIMER_RETRANS, as->rto);
}

/*
 * Split a segment: its first @len bytes stay, the rest (and a FIN) moves
 * to a new segment queued right after it.  Both halves of a segment that
 * was sent keep its scoreboard bits and send time, and each counts as a
 * segment in flight (a lower path MTU splits those; atcp_mtu_reduced()).
 */
static int atcp_fragment(struct sock *sk, struct sk_buff *skb, u32 len)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb), *ncb;
	u32 nlen = skb->len - len;
	struct sk_buff *nskb;

	if (skb_unclone(skb, GFP_ATOMIC))
		return -ENOMEM;
	nskb = atcp_alloc_skb(sk, nlen, GFP_ATOMIC, true);
	if (!nskb)
		return -ENOMEM;
	if (skb_copy_bits(skb, len, skb_put(nskb, nlen), nlen)) {
		atcp_wmem_free_skb(sk, nskb);
		return -EFAULT;
	}
	__skb_trim(skb, len);
	ncb = ATCP_SKB_CB(nskb);
	ncb->seq = cb->seq + len;
	ncb->end_seq = cb->end_seq;
	ncb->flags = cb->flags;
	ncb->sacked = cb->sacked;
	ncb->tx_us = cb->tx_us;
	cb->end_seq = ncb->seq;
	cb->flags &= ~TCPHDR_FIN;
	__skb_queue_after(&sk->sk_write_queue, skb, nskb);
	if (atcp_seq_before(cb->seq, as->snd_nxt)) {
		as->packets_out++;
		as->sacked_out += !!(cb->sacked & ATCP_SACKED);
		as->lost_out += !!(cb->sacked & ATCP_LOST);
		as->retrans_out += !!(cb->sacked & ATCP_RETRANS);
	}
	return 0;
}

/*
 * RFC 9293 3.8.6.2.1, sender-side silly window avoidance: when the peer's
 * window ends inside the segment, its head may go if it is at least half
 * the largest window the peer ever offered.  Returns true when @skb now
 * fits the window.
 */
static bool atcp_fit_window(struct sock *sk, struct sk_buff *skb)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	u32 wnd_end = as->snd_una + as->snd_wnd;
	u32 usable;

	if (!atcp_seq_before(cb->seq, wnd_end))
		return false;
	usable = wnd_end - cb->seq;
	if (usable >= skb->len || usable < max(as->max_window / 2, 1U))
		return false;
	return !atcp_fragment(sk, skb, usable);
}

/**
 * atcp_write_xmit() - send queued segments as the windows allow
 * @sk: the socket, owned by the caller
 * @nonagle: ATCP_NAGLE_* bits for this push, or'ed with the socket's
 *
 * A segment leaves when the congestion window has room, it fits in the
 * peer's window and Nagle agrees.  When nothing is in flight and the
 * peer's window stops the sender, or a segment could not be handed to IP
 * (dropped locally: no route, a full qdisc, a tc filter), or TCP_CORK or
 * MSG_MORE holds a partial segment back, the persist timer is armed: it
 * probes the window or sends what is queued, so the connection cannot
 * stall with no timer and a cork holds about an RTO, as TCP's (tcp(7): "a
 * 200 millisecond ceiling"; tcp_check_probe_timer()).
 */
void atcp_write_xmit(struct sock *sk, int nonagle)
{
	struct atcp_sock *as = atcp_sk(sk);
	bool wnd_limited = false, held = false, failed = false;
	struct sk_buff *skb;

	nonagle |= as->nonagle;
	as->cwnd_limited = 0;
	while ((skb = as->send_head)) {
		if (!atcp_cwnd_room(as)) {
			as->cwnd_limited = 1;
			break;
		}
		if (atcp_seq_after(ATCP_SKB_CB(skb)->end_seq,
				   as->snd_una + as->snd_wnd) &&
		    !atcp_fit_window(sk, skb)) {
			wnd_limited = true;
			break;
		}
		if (!atcp_nagle_ok(sk, skb, nonagle)) {
			held = true;
			break;
		}
		/* Queued before the path MTU went down. */
		if (skb->len > as->mss && atcp_fragment(sk, skb, as->mss)) {
			failed = true;
			break;
		}
		if (atcp_transmit_skb(sk, skb)) {
			failed = true;
			break;
		}
		atcp_new_data_sent(sk, skb);
	}
	if ((wnd_limited || held || failed) && !as->packets_out &&
	    !timer_pending(&as->rtx_timer))
		atcp_reset_xmit_timer(sk, ATCP_TIMER_PROBE0,
				      as->rtt.rto << as->backoff);
}

/**
 * atcp_write_wakeup() - the persist timer expired: send what the peer's
 *	window has room for
 * @sk: the socket, owned by the caller, with nothing in flight
 *
 * A window that is open but smaller than the next segment is filled with
 * the part of that segment that fits: RFC 9293 3.8.6.2.1 sender-side SWS
 * avoidance sends after its override timeout what is pushed, as Linux's
 * tcp_write_wakeup() does when the persist timer fires.  Only a closed
 * window calls for a window probe.
 *
 * Return: true when data was sent.
 */
bool atcp_write_wakeup(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct sk_buff *skb = as->send_head;
	u32 wnd_end = as->snd_una + as->snd_wnd;
	u32 room;

	if (!skb || !skb->len ||
	    !atcp_seq_after(wnd_end, ATCP_SKB_CB(skb)->seq))
		return false;
	room = wnd_end - ATCP_SKB_CB(skb)->seq;
	if (room < skb->len && atcp_fragment(sk, skb, room))
		return false;
	atcp_write_xmit(sk, ATCP_NAGLE_PUSH);
	return as->packets_out;
}

/*
 * Drop the first @len bytes of a queued segment the peer acknowledged
 * partially, so a retransmission starts at SND.UNA.
 */
static int atcp_trim_head(struct sk_buff *skb, u32 len)
{
	if (skb_cloned(skb) && pskb_expand_head(skb, 0, 0, GFP_ATOMIC))
		return -ENOMEM;
	__skb_pull(skb, len);
	ATCP_SKB_CB(skb)->seq += len;
	return 0;
}

/**
 * atcp_retransmit_skb() - send a queued segment again
 * @sk: the socket, owned by the caller
 * @skb: a segment of the write queue that was sent before
 *
 * Return: 0 or a negative errno.
 */
int atcp_retransmit_skb(struct sock *sk, struct sk_buff *skb)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	u32 sent_us = cb->tx_us;
	int err;

	if (atcp_seq_before(cb->seq, as->snd_una) &&
	    atcp_trim_head(skb, as->snd_una - cb->seq))
		return -ENOMEM;
	/* Sent before the path MTU went down: the rest goes next. */
	if (skb->len > as->mss && atcp_fragment(sk, skb, as->mss))
		return -ENOMEM;
	err = atcp_transmit_skb(sk, skb);
	if (err)
		return err;
	if (!(cb->sacked & ATCP_RETRANS))
		as->retrans_out++;
	cb->sacked |= ATCP_RETRANS | ATCP_EVER_RETRANS;
	as->total_retrans++;
	/*
	 * TCP_USER_TIMEOUT bounds how long sent data stays unacknowledged
	 * (RFC 5482): it runs from when this data was sent before, not from
	 * now (Linux's retrans_stamp is the skb's send time too).
	 */
	if (!as->retrans_stamp)
		as->retrans_stamp = (jiffies -
				     usecs_to_jiffies(atcp_clock_us() - sent_us)) ? : 1;
	ATCP_INC_STATS(sock_net(sk), RETRANSSEGS);
	trace_atcp_retransmit_skb(sk, cb->seq, as->retransmits);
	return 0;
}

/**
 * atcp_xmit_retransmit_queue() - retransmit segments marked lost
 * @sk: the socket, owned by the caller
 *
 * RFC 6675 NextSeg() rule 1: lost, not SACKed, not yet retransmitted,
 * oldest first, while the congestion window has room.
 */
void atcp_xmit_retransmit_queue(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct sk_buff *skb;

	if (!as->lost_out)
		return;
	skb_queue_walk(&sk->sk_write_queue, skb) {
		if (skb == as->send_head || !atcp_cwnd_room(as))
			break;
		if ((ATCP_SKB_CB(skb)->sacked &
		     (ATCP_LOST | ATCP_RETRANS | ATCP_SACKED)) != ATCP_LOST)
			continue;
		if (atcp_retransmit_skb(sk, skb))
			break;
	}
}

/**
 * atcp_simple_retransmit() - resend what a lower path MTU dropped
 * @sk: the socket, owned by the caller; as->mss already lowered
 *
 * Segments in flight larger than the new MSS are marked lost and sent
 * again, split, as tcp_simple_retransmit() does: the path dropped them
 * for their size, not for congestion, so cwnd and ssthresh stay as they
 * are.
 */
void atcp_simple_retransmit(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct sk_buff *skb;
	bool lost = false;

	skb_queue_walk(&sk->sk_write_queue, skb) {
		struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);

		if (skb == as->send_head)
			break;
		if (skb->len <= as->mss || (cb->sacked & ATCP_SACKED))
			continue;
		if (cb->sacked & ATCP_RETRANS) {
			cb->sacked &= ~ATCP_RETRANS;
			as->retrans_out--;
		}
		if (!(cb->sacked & ATCP_LOST)) {
			cb->sacked |= ATCP_LOST;
			as->lost_out++;
		}
		lost = true;
	}
	if (!lost)
		return;
	/*
	 * Loss state until what is in flight now is acknowledged, as TCP:
	 * the lost head would otherwise start a fast recovery, which cuts
	 * the window.
	 */
	if (as->ca_state == ATCP_CA_OPEN) {
		as->ca_state = ATCP_CA_LOSS;
		as->high_seq = as->snd_nxt;
	}
	atcp_xmit_retransmit_queue(sk);
}

/**
 * atcp_queue_skb() - append a new segment to the write queue
 * @sk: the socket, owned by the caller
 * @skb: the segment: payload only, charged to the socket
 */
void atcp_queue_skb(struct sock *sk, struct sk_buff *skb)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);

	cb->seq = as->write_seq;
	cb->end_seq = as->write_seq + skb->len;
	cb->sacked = 0;
	__skb_queue_tail(&sk->sk_write_queue, skb);
	if (!as->send_head)
		as->send_head = skb;
	as->write_seq = cb->end_seq;
}

/**
 * atcp_alloc_skb() - a segment buffer for the write queue
 * @sk: the socket, owned by the caller
 * @size: payload room
 * @gfp: allocation flags
 * @force: charge even beyond the send buffer (FIN)
 *
 * Return: an empty skb charged to the socket (sk_wmem_queued and
 * forward-allocated memory), or NULL.
 */
struct sk_buff *atcp_alloc_skb(struct sock *sk, unsigned int size, gfp_t gfp,
			       bool force)
{
	struct sk_buff *skb;

	skb = alloc_skb_fclone(MAX_TCP_HEADER + size, gfp);
	if (!skb)
		return NULL;
	if (!sk_wmem_schedule(sk, skb->truesize) && !force) {
		__kfree_skb(skb);
		return NULL;
	}
	skb_reserve(skb, MAX_TCP_HEADER);
	memset(ATCP_SKB_CB(skb), 0, sizeof(struct atcp_skb_cb));
	ATCP_SKB_CB(skb)->flags = TCPHDR_ACK;
	sk_wmem_queued_add(sk, skb->truesize);
	sk_mem_charge(sk, skb->truesize);
	return skb;
}

/**
 * atcp_fin_queued() - whether our FIN is on the send queue
 * @sk: the socket, owned by the caller
 *
 * Return: true once atcp_queue_fin() ran.
 */
bool atcp_fin_queued(const struct sock *sk)
{
	const struct sk_buff *tail = skb_peek_tail(&sk->sk_write_queue);

	return tail && (ATCP_SKB_CB(tail)->flags & TCPHDR_FIN);
}

/**
 * atcp_queue_fin() - queue our FIN after the data, without sending it
 * @sk: the socket, owned by the caller (process context)
 *
 * The FIN rides on the last unsent segment when there is one, as TCP
 * does; it takes one sequence number.  A FIN already queued stays the
 * only one.
 */
void atcp_queue_fin(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct sk_buff *tail = skb_peek_tail(&sk->sk_write_queue);

	if (atcp_fin_queued(sk))
		return;
	if (!tail || !as->send_head) {
		tail = atcp_alloc_skb(sk, 0, sk_gfp_mask(sk, GFP_KERNEL) |
				      __GFP_NOFAIL, true);
		atcp_queue_skb(sk, tail);
	}
	ATCP_SKB_CB(tail)->flags |= TCPHDR_FIN;
	ATCP_SKB_CB(tail)->end_seq++;
	as->write_seq++;
}

/**
 * atcp_send_fin() - queue our FIN and send it when its turn comes
 * @sk: the socket, owned by the caller (process context), its state
 *	already changed
 */
void atcp_send_fin(struct sock *sk)
{
	atcp_queue_fin(sk);
	atcp_write_xmit(sk, ATCP_NAGLE_PUSH);
}

/**
 * atcp_free_write_queue() - drop every queued segment, uncharging them
 * @sk: the socket, owned by the caller
 */
void atcp_free_write_queue(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(&sk->sk_write_queue)) != NULL)
		atcp_wmem_free_skb(sk, skb);
	as->send_head = NULL;
	as->packets_out = 0;
	as->sacked_out = 0;
	as->lost_out = 0;
	as->retrans_out = 0;
	sk_mem_reclaim(sk);
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
