// SPDX-License-Identifier: GPL-2.0
/*
 * Receive path: segment validation, option parsing, demultiplexing, and
 * the RFC 9293 section 3.10.7 processing of each state.
 *
 * Validation follows TCP: a segment too short for its header, with a data
 * offset outside 5..15 or beyond the packet, or with a bad checksum
 * (computed exactly as TCP's, pseudo-header protocol 6) is dropped and
 * counted in InErrs (and InCsumErrors).  A segment no connection claims is
 * answered as RFC 9293 section 3.10.7.1 prescribes for CLOSED.
 */
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/ip.h>
#include <net/checksum.h>
#include <net/tcp.h>
#include <net/ipv6.h>
#include <net/ip6_checksum.h>
#include <net/ip6_route.h>
#include <net/route.h>
#include <net/xfrm.h>

#include "atcp.h"
#include "trace.h"

/**
 * atcp_parse_options() - parse the options of a TCP header
 * @th: header; th->doff must already be validated against the packet
 * @opts: filled with the options found (zeroed first)
 *
 * Follows RFC 9293 section 3.1: EOL ends the list, NOP is one byte, every
 * other option carries a length that covers kind and length bytes.  A
 * known option with the wrong length is ignored, as Linux TCP does.  SACK
 * blocks are kept only when their length is 2 + 8 * n, n = 1..4.
 *
 * A malformed list (an option length of 0 or 1, or one that runs past
 * the header) ends parsing there, as in tcp_parse_options(): the options
 * before it count and the segment is processed like any other (RFC 9293
 * 3.1 asks to be prepared for such lists, not to drop them).
 */
void atcp_parse_options(const struct tcphdr *th, struct atcp_opts *opts)
{
	const u8 *p = (const u8 *)(th + 1);
	int len = th->doff * 4 - sizeof(*th);

	memset(opts, 0, sizeof(*opts));

	while (len > 0) {
		u8 kind = *p;
		u8 size;

		if (kind == TCPOPT_EOL)
			return;
		if (kind == TCPOPT_NOP) {
			p++;
			len--;
			continue;
		}
		if (len < 2)
			return;
		size = p[1];
		if (size < 2 || size > len)
			return;

		switch (kind) {
		case TCPOPT_MSS:
			if (size == TCPOLEN_MSS)
				opts->mss = get_unaligned_be16(p + 2);
			break;
		case TCPOPT_WINDOW:
			if (size == TCPOLEN_WINDOW) {
				/* RFC 7323 2.3: a shift above 14 is used as 14 */
				opts->wscale = min_t(u8, p[2], TCP_MAX_WSCALE);
				opts->wscale_ok = true;
			}
			break;
		case TCPOPT_SACK_PERM:
			if (size == TCPOLEN_SACK_PERM)
				opts->sack_ok = true;
			break;
		case TCPOPT_TIMESTAMP:
			if (size == TCPOLEN_TIMESTAMP) {
				opts->ts_ok = true;
				opts->tsval = get_unaligned_be32(p + 2);
				opts->tsecr = get_unaligned_be32(p + 6);
			}
			break;
		case TCPOPT_SACK:
			if (size >= TCPOLEN_SACK_BASE + TCPOLEN_SACK_PERBLOCK &&
			    !((size - TCPOLEN_SACK_BASE) % TCPOLEN_SACK_PERBLOCK)) {
				int i, n = (size - TCPOLEN_SACK_BASE) /
					   TCPOLEN_SACK_PERBLOCK;

				n = min_t(int, n, ARRAY_SIZE(opts->sack));
				for (i = 0; i < n; i++) {
					const u8 *b = p + 2 + i * 8;

					opts->sack[i].start = get_unaligned_be32(b);
					opts->sack[i].end = get_unaligned_be32(b + 4);
				}
				opts->num_sacks = n;
			}
			break;
		default:
			/* Unknown options are skipped (RFC 9293 3.1). */
			break;
		}
		p += size;
		len -= size;
	}
}
EXPORT_SYMBOL_IF_KUNIT(atcp_parse_options);

/**
 * atcp_hdr_check() - validate the TCP header of a received segment
 * @skb: segment; skb->data points at the TCP header
 *
 * Makes the whole header (options included) linear and checks the data
 * offset.  Checksum validation is the caller's, as it needs the network
 * header.
 *
 * Return: 0, or -EINVAL for a truncated header or bad data offset.
 */
int atcp_hdr_check(struct sk_buff *skb)
{
	const struct tcphdr *th;
	unsigned int hlen;

	if (!pskb_may_pull(skb, sizeof(struct tcphdr)))
		return -EINVAL;
	th = (const struct tcphdr *)skb->data;
	hlen = th->doff * 4;
	if (hlen < sizeof(struct tcphdr) || hlen > skb->len)
		return -EINVAL;
	if (!pskb_may_pull(skb, hlen))
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(atcp_hdr_check);

/* As __tcp_oow_rate_limited(): one answer per invalid_ratelimit. */
static bool __atcp_oow_rate_limited(struct net *net, int mib,
				    u32 *last_oow_ack_time)
{
	u32 val = READ_ONCE(*last_oow_ack_time);

	if (val) {
		s32 elapsed = (s32)((u32)jiffies - val);
		int limit = READ_ONCE(atcp_pernet(net)->invalid_ratelimit);

		if (elapsed >= 0 && elapsed < msecs_to_jiffies(limit)) {
			ATCP_INC_STATS_IDX(net, mib);
			return true;
		}
	}
	/* Lockless from TIME-WAIT: racing writers store the same time. */
	WRITE_ONCE(*last_oow_ack_time, (u32)jiffies ? : 1);
	return false;
}

/**
 * atcp_oow_rate_limited() - whether to hold back an ACK that answers an
 *	invalid segment (out of the window, PAWS-rejected, an old SYN)
 * @net: the namespace
 * @skb: the segment
 * @mib: the counter of ACKs held back (ATCP_MIB_ACKSKIPPED*)
 * @last_oow_ack_time: the connection's (or TIME-WAIT's) last such ACK
 *
 * As tcp_oow_rate_limited(): a peer that keeps sending such segments
 * (an ACK loop between two confused stacks, or an attack) gets one answer
 * per invalid_ratelimit milliseconds.  Data without SYN is never held
 * back: it is not an ACK loop, and its sender needs the answer.
 *
 * Return: true when the ACK must not be sent now.
 */
bool atcp_oow_rate_limited(struct net *net, const struct sk_buff *skb,
			   int mib, u32 *last_oow_ack_time)
{
	if (ATCP_SKB_CB(skb)->seq != ATCP_SKB_CB(skb)->end_seq &&
	    !tcp_hdr(skb)->syn)
		return false;
	return __atcp_oow_rate_limited(net, mib, last_oow_ack_time);
}

/*
 * RFC 5961 section 7, as tcp_challenge_ack_allowed(): a per-namespace
 * budget of challenge ACKs a second, drawn at random between half and
 * one and a half times challenge_ack_limit each second, so that an
 * off-path attacker cannot count the budget down to learn whether a
 * connection exists (CVE-2016-5696).
 */
static bool atcp_challenge_ack_allowed(struct net *net)
{
	struct atcp_net *an = atcp_pernet(net);
	u32 count, now, limit;

	limit = READ_ONCE(an->challenge_ack_limit);
	if (limit == INT_MAX)
		return true;
	now = jiffies / HZ;
	if (now != READ_ONCE(an->challenge_stamp)) {
		u32 half = (limit + 1) >> 1;

		WRITE_ONCE(an->challenge_stamp, now);
		WRITE_ONCE(an->challenge_count,
			   half + get_random_u32_below(limit));
	}
	count = READ_ONCE(an->challenge_count);
	if (!count)
		return false;
	WRITE_ONCE(an->challenge_count, count - 1);
	return true;
}

/* RFC 5961 section 7: the connection's rate limit first, then the budget. */
static void atcp_send_challenge_ack(struct sock *sk)
{
	struct net *net = sock_net(sk);

	if (__atcp_oow_rate_limited(net, ATCP_MIB_ACKSKIPPEDCHALLENGE,
				    &atcp_sk(sk)->last_oow_ack_time))
		return;
	if (!atcp_challenge_ack_allowed(net))
		return;
	ATCP_INC_STATS(net, CHALLENGEACK);
	atcp_send_ack(sk);
}

/* An ACK answering an invalid segment, within the connection's limit. */
static void atcp_send_oow_ack(struct sock *sk, const struct sk_buff *skb,
			      int mib)
{
	if (!atcp_oow_rate_limited(sock_net(sk), skb, mib,
				   &atcp_sk(sk)->last_oow_ack_time))
		atcp_send_ack(sk);
}

/* Apply the options of a SYN or SYN-ACK to a connecting socket. */
static void atcp_apply_syn_options(struct sock *sk, const struct atcp_opts *o)
{
	struct atcp_sock *as = atcp_sk(sk);

	as->mss = min_t(u16, o->mss ? o->mss : ATCP_MSS_DEFAULT, as->advmss);
	as->mss = max_t(u16, atcp_pmtu_mss(sk, as->mss), ATCP_MSS_MIN);
	if (!o->wscale_ok || !as->wscale_ok) {
		as->wscale_ok = 0;
		as->snd_wscale = 0;
		as->rcv_wscale = 0;
	} else {
		as->snd_wscale = o->wscale;
	}
	as->sack_ok &= o->sack_ok;
	as->ts_ok &= o->ts_ok;
	if (as->ts_ok)
		as->ts_recent = o->tsval;
}

/**
 * atcp_init_transfer() - set up the data transfer state of a connection
 *	entering ESTABLISHED (or SYN-RECEIVED with its handshake done)
 * @sk: the socket, owned by the caller; sequence numbers, windows and
 *	negotiated options already set
 */
void atcp_init_transfer(struct sock *sk)
{
	struct atcp_net *an = atcp_pernet(sock_net(sk));
	struct atcp_sock *as = atcp_sk(sk);

	/* Segments carry timestamps: the payload leaves room for them. */
	if (as->ts_ok && as->mss > ATCP_MSS_MIN + TCPOLEN_TSTAMP_ALIGNED)
		as->mss -= TCPOLEN_TSTAMP_ALIGNED;
	/* A FIN queued in SYN-RECEIVED already follows the SYN. */
	if (skb_queue_empty(&sk->sk_write_queue))
		as->write_seq = as->snd_nxt;
	as->snd_sml = as->snd_nxt;
	as->snd_up = as->snd_una;
	as->max_window = as->snd_wnd;
	as->copied_seq = as->rcv_nxt;
	/* What the SYN or SYN-ACK announced, unscaled. */
	as->rcv_wnd = min_t(u32, as->rcv_wnd, U16_MAX);
	as->rcv_wup = as->rcv_nxt;
	as->rcv_tstamp = jiffies;
	as->lrcvtime = jiffies;
	as->quickack = ATCP_QUICKACK_SEGS;
	as->ts_recent_stamp = ktime_get_seconds();
	as->retransmits = 0;
	as->backoff = 0;
	as->retrans_stamp = 0;
	atcp_rtt_init(&as->rtt);
	as->rto = as->rtt.rto;
	if (!as->cc_ops)
		WRITE_ONCE(as->cc_ops, READ_ONCE(an->cc_default));
	as->cc_ops->init(&as->cc);
	as->ca_state = ATCP_CA_OPEN;
	atcp_rcv_space_init(sk);
	if (sock_flag(sk, SOCK_KEEPOPEN))
		atcp_reset_keepalive_timer(sk, atcp_keepalive_time(as));
}
EXPORT_SYMBOL_IF_KUNIT(atcp_init_transfer);

/**
 * atcp_handshake_rtt() - start the RTT estimator from the handshake
 * @sk: the socket, owned by the caller, just through atcp_init_transfer()
 * @sent_us: when the SYN or SYN-ACK this segment acknowledges left,
 *	microseconds; 0 when unknown
 * @retrans: how often that SYN or SYN-ACK was retransmitted
 * @opts: options of the segment that completed the handshake
 *
 * As TCP (tcp_synack_rtt_meas(), the SYN's sample in tcp_ack()), the
 * first RTT sample comes from the SYN / SYN-ACK exchange: from its send
 * time if it left once (Karn), else from the echoed timestamp (RFC 7323
 * 4.1).  The first data segment then has an RTO from the path rather
 * than the initial 1 s.  With no sample after a retransmitted handshake
 * the RTO is 3 s (RFC 6298 5.7), and, as in tcp_init_transfer(), more
 * than one retransmission starts the data with one segment (RFC 5681
 * 3.1).
 */
void atcp_handshake_rtt(struct sock *sk, u32 sent_us, unsigned int retrans,
			const struct atcp_opts *opts)
{
	struct atcp_net *an = atcp_pernet(sock_net(sk));
	struct atcp_sock *as = atcp_sk(sk);
	s64 rtt_us = -1;

	if (sent_us && !retrans) {
		rtt_us = (s32)(atcp_clock_us() - sent_us);
	} else if (as->ts_ok && opts->ts_ok && opts->tsecr) {
		s32 ms = atcp_clock_ms() + as->ts_offset - opts->tsecr;

		/* An echo from the future, or older than any RTO: no sample. */
		if (ms >= 0 && ms <= jiffies_to_msecs(ATCP_RTO_MAX))
			rtt_us = (s64)ms * USEC_PER_MSEC;
	}
	if (rtt_us >= 0) {
		atcp_rtt_sample(&as->rtt, rtt_us,
				READ_ONCE(an->rto_min_ms) * USEC_PER_MSEC);
		as->rto = as->rtt.rto;
	} else if (retrans) {
		as->rto = ATCP_TIMEOUT_FALLBACK;
	}
	if (retrans > 1)
		as->cc.cwnd = 1;
}
EXPORT_SYMBOL_IF_KUNIT(atcp_handshake_rtt);

/* SYN-SENT or SYN-RECEIVED -> ESTABLISHED; @sent_us: our SYN's send time. */
static void atcp_connected(struct sock *sk, u32 sent_us,
			   const struct atcp_opts *opts)
{
	unsigned int retrans = atcp_sk(sk)->retransmits;

	atcp_set_state(sk, TCP_ESTABLISHED);
	atcp_clear_rtx_timer(sk);
	atcp_init_transfer(sk);
	atcp_handshake_rtt(sk, sent_us, retrans, opts);
	/* close() or shutdown(SHUT_WR) in SYN-RECEIVED: the FIN goes now. */
	if (atcp_fin_queued(sk)) {
		atcp_set_state(sk, TCP_FIN_WAIT1);
		atcp_write_xmit(sk, ATCP_NAGLE_PUSH);
	}
	if (!sock_flag(sk, SOCK_DEAD)) {
		sk->sk_state_change(sk);
		sk_wake_async(sk, SOCK_WAKE_IO, POLL_OUT);
	}
}

/* Returns of the per-state functions: what becomes of the segment. */
enum {
	ATCP_RCV_DONE,		/* processed; the caller frees it */
	ATCP_RCV_QUEUED,	/* a queue took it */
	ATCP_RCV_RESET,		/* the caller answers with RST, then frees */
};

/* RFC 9293 3.10.7.3: SYN-SENT. */
static int atcp_rcv_synsent(struct sock *sk, struct sk_buff *skb,
			    const struct atcp_opts *opts)
{
	const struct tcphdr *th = tcp_hdr(skb);
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	struct atcp_sock *as = atcp_sk(sk);

	/* First check the ACK bit. */
	if (th->ack && (atcp_seq_leq(cb->ack_seq, as->iss) ||
			atcp_seq_after(cb->ack_seq, as->snd_nxt)))
		return th->rst ? ATCP_RCV_DONE : ATCP_RCV_RESET;

	/* Second, the RST bit: acceptable only if it acknowledges our SYN. */
	if (th->rst) {
		if (th->ack) {
			trace_atcp_receive_reset(sk);
			ATCP_INC_STATS(sock_net(sk), ATTEMPTFAILS);
			atcp_abort(sk, ECONNREFUSED, false);
		}
		return ATCP_RCV_DONE;
	}

	/* Fourth, the SYN bit. */
	if (!th->syn)
		return ATCP_RCV_DONE;

	as->irs = cb->seq;
	as->rcv_nxt = cb->seq + 1;
	atcp_apply_syn_options(sk, opts);

	if (th->ack) {
		as->snd_una = cb->ack_seq;
		as->snd_wnd = ntohs(th->window);	/* never scaled on SYN */
		as->snd_wl1 = cb->seq;
		as->snd_wl2 = cb->ack_seq;
		atcp_connected(sk, as->syn_us, opts);
		atcp_send_ack(sk);
		return ATCP_RCV_DONE;
	}

	/*
	 * Simultaneous open: SYN-RECEIVED, answer SYN,ACK with our ISS.  The
	 * receive side is known now (as tcp_rcv_synsent_state_process()); the
	 * rest waits for ESTABLISHED (atcp_init_transfer()).
	 */
	WRITE_ONCE(as->copied_seq, as->rcv_nxt);
	as->rcv_wup = as->rcv_nxt;
	as->snd_wnd = ntohs(th->window);	/* never scaled on SYN */
	as->snd_wl1 = cb->seq;
	as->max_window = as->snd_wnd;
	atcp_set_state(sk, TCP_SYN_RECV);
	as->retransmits = 0;
	atcp_send_ctl(sk, TCPHDR_SYN | TCPHDR_ACK, as->iss);
	return ATCP_RCV_DONE;
}

/* RFC 9293 3.10.7.4 first check: is the segment acceptable? */
static bool atcp_seq_acceptable(const struct atcp_sock *as, u32 seq,
				u32 end_seq)
{
	u32 wnd = atcp_rcv_wnd_now(as);

	if (seq == end_seq) {
		if (!wnd)
			return seq == as->rcv_nxt;
		return atcp_seq_between(seq, as->rcv_nxt, as->rcv_nxt + wnd - 1);
	}
	if (!wnd)
		return false;
	return atcp_seq_between(seq, as->rcv_nxt, as->rcv_nxt + wnd - 1) ||
	       atcp_seq_between(end_seq - 1, as->rcv_nxt,
				as->rcv_nxt + wnd - 1);
}

/*
 * Linux's tcp_disordered_ack(): a duplicate ACK that reordering delayed
 * behind a newer segment.  It is a pure ACK at RCV.NXT acknowledging
 * SND.UNA, it would not change the send window, and its TSval lies
 * within an RTO of TS.Recent: no old duplicate could pass for it, and
 * its SACK blocks are what loss recovery needs.
 */
static bool atcp_disordered_ack(const struct sock *sk,
				const struct sk_buff *skb,
				const struct atcp_opts *opts)
{
	const struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	const struct atcp_sock *as = atcp_sk(sk);
	const struct tcphdr *th = tcp_hdr(skb);
	u32 wnd = (u32)ntohs(th->window) << as->snd_wscale;

	if (!th->ack || cb->seq != cb->end_seq || cb->seq != as->rcv_nxt ||
	    cb->ack_seq != as->snd_una)
		return false;
	/* One the window update rule would take, with a new window. */
	if (wnd != as->snd_wnd && atcp_wnd_update_ok(as, cb->seq, cb->ack_seq))
		return false;
	/* TSvals tick in milliseconds. */
	return (s32)(as->ts_recent - opts->tsval) <=
	       (s32)jiffies_to_msecs(as->rto);
}

/* RFC 7323 5.3: a TSval this many ticks below TS.Recent still passes. */
#define ATCP_PAWS_WINDOW	1

/**
 * atcp_paws_reject() - RFC 7323 5.3 PAWS check of a segment
 * @sk: its socket, synchronized
 * @skb: the segment, ATCP_SKB_CB filled
 * @opts: its options
 *
 * As tcp_paws_discard(): a segment whose TSval is older than TS.Recent
 * (by more than ATCP_PAWS_WINDOW) is an old duplicate, unless TS.Recent
 * itself is older than 24 days or the segment is a disordered duplicate
 * ACK.  A RST is never rejected: RFC 7323 has it acceptable whatever
 * its timestamp.
 *
 * Return: true when the segment must be dropped (and answered by an ACK).
 */
VISIBLE_IF_KUNIT bool atcp_paws_reject(const struct sock *sk,
				       const struct sk_buff *skb,
				       const struct atcp_opts *opts)
{
	const struct atcp_sock *as = atcp_sk(sk);

	if (!as->ts_ok || !opts->ts_ok || tcp_hdr(skb)->rst)
		return false;
	if ((s32)(as->ts_recent - opts->tsval) <= ATCP_PAWS_WINDOW)
		return false;
	if (ktime_get_seconds() - as->ts_recent_stamp >= 24 * 24 * 3600)
		return false;
	return !atcp_disordered_ack(sk, skb, opts);
}
EXPORT_SYMBOL_IF_KUNIT(atcp_paws_reject);

/* Our FIN (the last sequence number queued) is acknowledged. */
static bool atcp_fin_acked(const struct sock *sk)
{
	const struct atcp_sock *as = atcp_sk(sk);

	return (sk->sk_shutdown & SEND_SHUTDOWN) &&
	       as->snd_una == as->write_seq;
}

/*
 * RFC 9293 3.10.7.4, fifth step, the per-state part: what the
 * acknowledgment of our FIN does.  Returns false when the socket is gone
 * from the synchronized states (TIME-WAIT or CLOSED).
 */
static bool atcp_ack_state(struct sock *sk)
{
	if (!atcp_fin_acked(sk))
		return true;
	switch (sk->sk_state) {
	case TCP_FIN_WAIT1:
		atcp_set_state(sk, TCP_FIN_WAIT2);
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | SEND_SHUTDOWN);
		if (!sock_flag(sk, SOCK_DEAD)) {
			sk->sk_state_change(sk);
			return true;
		}
		/* An orphan lives fin_timeout (TCP_LINGER2) in FIN-WAIT-2. */
		if (atcp_sk(sk)->linger2 < 0) {
			ATCP_INC_STATS(sock_net(sk), ABORTONLINGER);
			atcp_abort(sk, 0, true);
			return false;
		}
		atcp_reset_keepalive_timer(sk, atcp_fin_time(sk));
		return true;
	case TCP_CLOSING:
		atcp_time_wait(sk, TCP_TIME_WAIT);
		return false;
	case TCP_LAST_ACK:
		atcp_done(sk);
		return false;
	}
	return true;
}

/* RFC 9293 3.10.7.4: segments for synchronized states. */
static int atcp_rcv_synchronized(struct sock *sk, struct sk_buff *skb,
				 const struct atcp_opts *opts)
{
	const struct tcphdr *th = tcp_hdr(skb);
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	struct atcp_sock *as = atcp_sk(sk);

	/*
	 * Simultaneous open, RFC 9293 figure 8 line 6: in SYN-RECEIVED the
	 * peer's SYN,ACK repeats its SYN (SEG.SEQ = IRS, below RCV.NXT) and
	 * acknowledges ours.  It completes the handshake; the sequence and
	 * SYN checks below would otherwise answer and drop it.
	 */
	if (sk->sk_state == TCP_SYN_RECV && th->syn && th->ack && !th->rst &&
	    cb->seq == as->irs && cb->ack_seq == as->snd_nxt) {
		if (opts->ts_ok && as->ts_ok)
			as->ts_recent = opts->tsval;
		as->snd_una = cb->ack_seq;
		as->snd_wnd = ntohs(th->window);	/* never scaled on SYN */
		as->snd_wl1 = cb->seq;
		as->snd_wl2 = cb->ack_seq;
		atcp_connected(sk, 0, opts);
		return ATCP_RCV_DONE;
	}

	as->segs_in++;
	as->lrcvtime = jiffies;

	/* RFC 7323 5.3: PAWS, before the sequence number check. */
	if (atcp_paws_reject(sk, skb, opts)) {
		ATCP_INC_STATS(sock_net(sk), PAWSESTAB);
		atcp_send_oow_ack(sk, skb, ATCP_MIB_ACKSKIPPEDPAWS);
		return ATCP_RCV_DONE;
	}

	/* First: sequence number acceptability. */
	if (!atcp_seq_acceptable(as, cb->seq, cb->end_seq)) {
		/* RFC 5961 4.2: a SYN is challenged whatever its SEQ. */
		if (th->syn && !th->rst)
			atcp_send_challenge_ack(sk);
		else if (!th->rst)
			atcp_send_oow_ack(sk, skb, ATCP_MIB_ACKSKIPPEDSEQ);
		return ATCP_RCV_DONE;
	}

	/* Second: RST, with the RFC 5961 section 3.2 refinement. */
	if (th->rst) {
		if (cb->seq != as->rcv_nxt) {
			atcp_send_challenge_ack(sk);
			return ATCP_RCV_DONE;
		}
		trace_atcp_receive_reset(sk);
		if (sk->sk_state == TCP_SYN_RECV) {
			ATCP_INC_STATS(sock_net(sk), ATTEMPTFAILS);
			atcp_abort(sk, ECONNREFUSED, false);
		} else {
			if (sk->sk_state == TCP_ESTABLISHED ||
			    sk->sk_state == TCP_CLOSE_WAIT)
				ATCP_INC_STATS(sock_net(sk), ESTABRESETS);
			/* RFC 9293: CLOSE-WAIT and later report no error
			 * to a user who already closed; EPIPE covers writes.
			 */
			atcp_abort(sk, sk->sk_state == TCP_CLOSE_WAIT ? EPIPE :
				   ECONNRESET, false);
		}
		return ATCP_RCV_DONE;
	}

	/* Fourth: a SYN in a synchronized state (RFC 5961 section 4.2). */
	if (th->syn) {
		atcp_send_challenge_ack(sk);
		return ATCP_RCV_DONE;
	}

	/* Fifth: the ACK field. */
	if (!th->ack)
		return ATCP_RCV_DONE;

	/* RFC 7323 4.3: TS.Recent from a segment covering Last.ACK.sent. */
	if (opts->ts_ok && as->ts_ok && atcp_seq_leq(cb->seq, as->rcv_wup) &&
	    (s32)(opts->tsval - as->ts_recent) >= 0) {
		as->ts_recent = opts->tsval;
		as->ts_recent_stamp = ktime_get_seconds();
	}

	if (sk->sk_state == TCP_SYN_RECV) {
		if (atcp_seq_leq(cb->ack_seq, as->snd_una) ||
		    atcp_seq_after(cb->ack_seq, as->snd_nxt))
			return ATCP_RCV_RESET;	/* <SEQ=SEG.ACK><CTL=RST> */
		as->snd_una = cb->ack_seq;
		as->snd_wnd = ntohs(th->window) << as->snd_wscale;
		as->snd_wl1 = cb->seq;
		as->snd_wl2 = cb->ack_seq;
		atcp_connected(sk, 0, opts);
	}

	/* RFC 5961 section 5.2: ACKs outside the acceptable range. */
	if (atcp_seq_after(cb->ack_seq, as->snd_nxt)) {
		atcp_send_challenge_ack(sk);
		return ATCP_RCV_DONE;
	}
	if (atcp_seq_before(cb->ack_seq, as->snd_una - max_t(u32, as->max_window,
							     as->mss))) {
		atcp_send_challenge_ack(sk);
		return ATCP_RCV_DONE;
	}
	atcp_ack(sk, skb, opts);
	if (!atcp_ack_state(sk))
		return ATCP_RCV_DONE;

	/* Sixth and seventh: the URG bit and segment text. */
	switch (sk->sk_state) {
	case TCP_FIN_WAIT1:
	case TCP_FIN_WAIT2:
		/*
		 * The user closed, or shut both directions down: new data
		 * can no longer be delivered, so the connection is reset
		 * (RFC 1122 4.2.2.13, RFC 2525 2.17), as tcp_rcv_state_process()
		 * does; a user still holding the socket sees ECONNRESET.
		 */
		if ((sk->sk_shutdown & RCV_SHUTDOWN) && cb->end_seq != cb->seq &&
		    atcp_seq_after(cb->end_seq - th->fin, as->rcv_nxt)) {
			ATCP_INC_STATS(sock_net(sk), ABORTONDATA);
			atcp_abort(sk, sock_flag(sk, SOCK_DEAD) ? 0 : ECONNRESET,
				   true);
			return ATCP_RCV_DONE;
		}
		fallthrough;
	case TCP_ESTABLISHED:
		atcp_rcv_rtt_measure(sk, skb, opts);
		return atcp_data_queue(sk, skb) ? ATCP_RCV_QUEUED :
						  ATCP_RCV_DONE;
	default:
		/*
		 * CLOSE-WAIT, CLOSING, LAST-ACK: the peer's FIN came
		 * already; a retransmission of it is acknowledged again.
		 */
		if (th->fin)
			atcp_send_ack(sk);
		return ATCP_RCV_DONE;
	}
}

/**
 * atcp_rcv_state_process() - process a segment for a socket
 * @sk: the socket, owned by the caller (bh lock or from its backlog)
 * @skb: the segment, header validated, ATCP_SKB_CB filled
 * @opts: its options, already parsed and valid
 *
 * Return: 0 when the segment was consumed (freed or queued), -1 when the
 * caller must answer it with RST and free it.
 */
int atcp_rcv_state_process(struct sock *sk, struct sk_buff *skb,
			   const struct atcp_opts *opts)
{
	struct in6_addr laddr, raddr;
	int ret;

	switch (sk->sk_state) {
	case TCP_CLOSE:
		/*
		 * Only a segment that found the socket before it closed gets
		 * here: it waited on the socket's lock or backlog while the
		 * connection ended, perhaps into TIME-WAIT.  As in
		 * tcp_rcv_state_process(), it is dropped, not reset: the
		 * peer's retransmission finds what the 4-tuple is now.
		 */
		kfree_skb(skb);
		return 0;
	case TCP_LISTEN:
		atcp_skb_addrs(skb, &laddr, &raddr);
		ret = atcp_listen_rcv(sk, skb, opts, &laddr, &raddr);
		if (ret < 0)
			return -1;
		if (ret > 0)
			return 0;	/* the new connection took it */
		ret = ATCP_RCV_DONE;
		break;
	case TCP_SYN_SENT:
		ret = atcp_rcv_synsent(sk, skb, opts);
		break;
	default:
		ret = atcp_rcv_synchronized(sk, skb, opts);
		break;
	}
	if (ret == ATCP_RCV_RESET)
		return -1;
	if (ret == ATCP_RCV_DONE)
		kfree_skb(skb);
	return 0;
}

/**
 * atcp_backlog_rcv() - sk_prot->backlog_rcv: segments queued while the
 *	socket was owned by a user
 * @sk: the socket
 * @skb: the segment
 *
 * Return: 0.
 */
int atcp_backlog_rcv(struct sock *sk, struct sk_buff *skb)
{
	bool listener = sk->sk_state == TCP_LISTEN;
	struct atcp_opts opts;

	/* Validated on arrival; skb->cb has no room to keep the result. */
	atcp_parse_options(tcp_hdr(skb), &opts);
	/*
	 * A listener makes children here as it does in softirq, where
	 * sk_clone_lock() and the hand-over to a child take their spinlocks;
	 * with BHs off on this path too, they are never taken with softirqs
	 * enabled (TCP's lockless listeners have no backlog at all).
	 */
	if (listener)
		local_bh_disable();
	if (atcp_rcv_state_process(sk, skb, &opts) < 0) {
		atcp_send_reset(sock_net(sk), skb);
		kfree_skb(skb);
	}
	if (listener)
		local_bh_enable();
	return 0;
}

/**
 * atcp_deliver() - process a segment now, or queue it for the owner
 * @sk: its socket, spinlock held (bh_lock_sock)
 * @skb: the segment, ATCP_SKB_CB filled
 * @opts: its options
 *
 * Return: 0 when the segment was consumed, -1 when the caller must answer
 * it with RST and free it, 1 when the caller must free it (backlog full).
 */
int atcp_deliver(struct sock *sk, struct sk_buff *skb,
		 const struct atcp_opts *opts)
{
	if (!sock_owned_by_user(sk))
		return atcp_rcv_state_process(sk, skb, opts);
	if (sk_add_backlog(sk, skb, READ_ONCE(sk->sk_rcvbuf) +
			   READ_ONCE(sk->sk_sndbuf))) {
		ATCP_INC_STATS(sock_net(sk), BACKLOGDROP);
		return 1;
	}
	return 0;
}

/**
 * atcp_skb_addrs() - a received segment's addresses, IPv6 or IPv4-mapped
 * @skb: the segment
 * @laddr: its destination
 * @raddr: its source
 */
void atcp_skb_addrs(const struct sk_buff *skb, struct in6_addr *laddr,
		    struct in6_addr *raddr)
{
	if (skb->protocol == htons(ETH_P_IP)) {
		ipv6_addr_set_v4mapped(ip_hdr(skb)->daddr, laddr);
		ipv6_addr_set_v4mapped(ip_hdr(skb)->saddr, raddr);
	} else {
		*laddr = ipv6_hdr(skb)->daddr;
		*raddr = ipv6_hdr(skb)->saddr;
	}
}

/*
 * IPsec policy (RFC 4301 5.2): the protocol is registered with no_policy
 * (INET6_PROTO_NOPOLICY), so IP leaves the inbound policy check to it, as
 * to TCP (tcp_v4_rcv(), tcp_v6_rcv()).  @sk is the socket the segment
 * goes to, NULL for TIME-WAIT and for none.
 */
static bool atcp_policy_ok(struct sock *sk, struct sk_buff *skb)
{
	/* ATCP_SKB_CB, already filled, must leave IPCB(skb)->flags intact. */
	BUILD_BUG_ON(sizeof(struct atcp_skb_cb) >
		     offsetof(struct inet_skb_parm, flags));
#if IS_ENABLED(CONFIG_IPV6)
	if (skb->protocol == htons(ETH_P_IPV6))
		return xfrm6_policy_check(sk, XFRM_POLICY_IN, skb);
#endif
	return xfrm4_policy_check(sk, XFRM_POLICY_IN, skb);
}

/**
 * atcp_rcv() - demultiplex a validated segment to its socket
 * @net: namespace it arrived in
 * @skb: the segment, skb->data at the TCP header, checksum verified
 * @opts: its options, parsed and valid
 *
 * A segment the namespace's IPsec policy does not admit is dropped (and
 * counted in XfrmInPolNoMatch and the like by the xfrm layer), never
 * answered.
 *
 * Return: 0 (the skb is consumed).
 */
int atcp_rcv(struct net *net, struct sk_buff *skb,
	     const struct atcp_opts *opts)
{
	const struct tcphdr *th = tcp_hdr(skb);
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	struct in6_addr laddr, raddr;
	int dif = skb->protocol == htons(ETH_P_IP) ? inet_iif(skb) :
						    skb->skb_iif;
	struct sock *sk;
	int ret = 0;

	cb->seq = ntohl(th->seq);
	cb->end_seq = cb->seq + th->syn + th->fin + skb->len - th->doff * 4;
	cb->ack_seq = ntohl(th->ack_seq);
	cb->flags = tcp_flag_byte(th);
	cb->tw_isn = 0;

	atcp_skb_addrs(skb, &laddr, &raddr);
	sk = atcp_lookup_established(net, &laddr, ntohs(th->dest), &raddr,
				     th->source, dif);
	if (!sk) {
		struct atcp_tw *tw = atcp_tw_lookup(net, &laddr, ntohs(th->dest),
						    &raddr, th->source);

		if (tw) {
			int verdict = ATCP_TW_DONE;

			if (atcp_policy_ok(NULL, skb))
				verdict = atcp_tw_rcv(tw, skb, opts);

			if (verdict == ATCP_TW_SYN) {
				/*
				 * As tcp_timewait_state_process(): the new
				 * connection's sequence space starts beyond
				 * any segment of the old one (RFC 6191 2).
				 */
				cb->tw_isn = tw->snd_nxt + 65535 + 2 ? : 1;
				atcp_tw_kill(tw);
			}
			atcp_tw_put(tw);
			if (verdict != ATCP_TW_SYN)
				goto discard;
		}
		sk = atcp_lookup_listener(net, &laddr, ntohs(th->dest), &raddr,
					  th->source, dif);
	}
	if (!sk) {
		if (!atcp_policy_ok(NULL, skb))
			goto discard;
		ATCP_INC_STATS(net, NOSOCKET);
		atcp_send_reset(net, skb);
		goto discard;
	}
	if (!atcp_policy_ok(sk, skb)) {
		sock_put(sk);
		goto discard;
	}
	/* Queued on a socket, it no longer needs its conntrack entry. */
	nf_reset_ct(skb);

	bh_lock_sock_nested(sk);
	ret = atcp_deliver(sk, skb, opts);
	bh_unlock_sock(sk);
	sock_put(sk);
	if (ret < 0)
		atcp_send_reset(net, skb);
	if (ret)
		kfree_skb(skb);
	return 0;

discard:
	kfree_skb(skb);
	return 0;
}

/* Start checksum validation: TCP's pseudo-header, protocol 6. */
static __sum16 atcp_csum_init(struct sk_buff *skb, bool ipv6)
{
#if IS_ENABLED(CONFIG_IPV6)
	if (ipv6)
		return skb_checksum_init(skb, IPPROTO_TCP, ip6_compute_pseudo);
#endif
	return skb_checksum_init(skb, IPPROTO_TCP, inet_compute_pseudo);
}

/*
 * TCP is unicast (RFC 1122 4.2.3.10: a SYN to a broadcast or multicast
 * address is dropped): as tcp_v4_conn_request() and tcp_v6_conn_request(),
 * though for every segment, since none has a use here.  An IPv6 segment
 * from an IPv4-mapped source is dropped too (tcp_v6_conn_request()):
 * both families share one connection table keyed by IPv6 and mapped
 * addresses, so it would otherwise reach IPv4 connections, and answers
 * to it would go out over IPv4.
 */
static bool atcp_addrs_ok(struct sk_buff *skb, bool ipv6)
{
#if IS_ENABLED(CONFIG_IPV6)
	if (ipv6)
		return ipv6_unicast_destination(skb) &&
		       !ipv6_addr_v4mapped(&ipv6_hdr(skb)->saddr);
#endif
	return !(skb_rtable(skb)->rt_flags & (RTCF_BROADCAST | RTCF_MULTICAST));
}

/**
 * atcp_rcv_validate() - validate a received segment and demultiplex it
 * @skb: the segment, skb->data at the transport header
 * @ipv6: the segment came over IPv6 (selects the pseudo-header)
 *
 * Header and checksum checks common to both families; the checksum covers
 * the pseudo-header with protocol 6 (TCP), whatever number carried it.
 *
 * Return: 0 (the skb is always consumed).
 */
int atcp_rcv_validate(struct sk_buff *skb, bool ipv6)
{
	struct net *net = dev_net(skb->dev);
	struct atcp_opts opts;

	if (skb->pkt_type != PACKET_HOST)
		goto discard;

	ATCP_INC_STATS(net, INSEGS);

	if (!atcp_addrs_ok(skb, ipv6))
		goto bad;

	if (atcp_hdr_check(skb))
		goto bad;
	if (atcp_csum_init(skb, ipv6))
		goto csum_error;
	if (skb_checksum_complete(skb))
		goto csum_error;
	atcp_parse_options(tcp_hdr(skb), &opts);

	return atcp_rcv(net, skb, &opts);

csum_error:
	ATCP_INC_STATS(net, INCSUMERRORS);
bad:
	ATCP_INC_STATS(net, INERRS);
discard:
	kfree_skb(skb);
	return 0;
}

/**
 * atcp_v4_rcv() - IPv4 protocol handler
 * @skb: received segment, skb->data at the transport header
 *
 * Return: 0 (the skb is always consumed).
 */
int atcp_v4_rcv(struct sk_buff *skb)
{
	return atcp_rcv_validate(skb, false);
}
