// SPDX-License-Identifier: GPL-2.0
/*
 * The sender's side of an incoming ACK: freeing acknowledged segments,
 * RTT samples (RFC 6298, Karn's rule, RFC 7323 timestamps), the SACK
 * scoreboard (RFC 2018), loss detection and recovery (RFC 6675 with SACK,
 * RFC 6582 NewReno without), and window growth through the congestion
 * control (cong.c).
 *
 * Without SACK every duplicate ACK in recovery counts as one segment that
 * left the network (sacked_out), as Linux TCP does, so that one "pipe"
 * computation (RFC 6675) governs both cases.
 */
#include <net/sock.h>
#include <net/tcp.h>

#include "atcp.h"
#include "trace.h"

/* RFC 6675 DupThresh. */
#define ATCP_DUPTHRESH	3

static void atcp_mark_lost(struct atcp_sock *as, struct sk_buff *skb)
{
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);

	if (cb->sacked & (ATCP_LOST | ATCP_SACKED))
		return;
	cb->sacked |= ATCP_LOST;
	as->lost_out++;
}

/* Segments sent and not cumulatively acknowledged, oldest first. */
static struct sk_buff *atcp_first_sent(struct sock *sk)
{
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);

	return skb == atcp_sk(sk)->send_head ? NULL : skb;
}

static struct sk_buff *atcp_next_sent(struct sock *sk, struct sk_buff *skb)
{
	if (skb_queue_is_last(&sk->sk_write_queue, skb))
		return NULL;
	skb = skb_queue_next(&sk->sk_write_queue, skb);
	return skb == atcp_sk(sk)->send_head ? NULL : skb;
}

/**
 * atcp_sacktag() - RFC 2018: mark the segments SACK blocks cover entirely
 * @sk: the socket, owned by the caller
 * @opts: the options of an incoming ACK
 *
 * Blocks outside SND.UNA..SND.NXT are ignored (RFC 2883 D-SACKs among
 * them).  A segment SACKed is no longer lost or outstanding as a
 * retransmission.
 */
void atcp_sacktag(struct sock *sk, const struct atcp_opts *opts)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct sk_buff *skb;
	unsigned int i;

	for (i = 0; i < opts->num_sacks; i++) {
		u32 start = opts->sack[i].start, end = opts->sack[i].end;

		if (!atcp_seq_before(start, end) ||
		    !atcp_seq_after(start, as->snd_una) ||
		    atcp_seq_after(end, as->snd_nxt))
			continue;
		for (skb = atcp_first_sent(sk); skb; skb = atcp_next_sent(sk, skb)) {
			struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);

			if (!atcp_seq_before(cb->seq, end))
				break;
			if (cb->sacked & ATCP_SACKED ||
			    atcp_seq_before(cb->seq, start) ||
			    atcp_seq_after(cb->end_seq, end))
				continue;
			if (cb->sacked & ATCP_LOST)
				as->lost_out--;
			if (cb->sacked & ATCP_RETRANS)
				as->retrans_out--;
			cb->sacked &= ~(ATCP_LOST | ATCP_RETRANS);
			cb->sacked |= ATCP_SACKED;
			as->sacked_out++;
		}
	}
}
EXPORT_SYMBOL_IF_KUNIT(atcp_sacktag);

/**
 * atcp_sack_mark_lost() - RFC 6675 IsLost(): mark the segments below
 *	which DupThresh segments were SACKed
 * @sk: the socket, owned by the caller
 *
 * Walks the sent segments newest first, counting SACKed ones.
 *
 * Return: whether the oldest outstanding segment is lost.
 */
bool atcp_sack_mark_lost(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct sk_buff *skb, *head = skb_peek(&sk->sk_write_queue);
	u32 sacked = 0;

	if (!as->sacked_out || !head || head == as->send_head)
		return false;
	skb = as->send_head ? skb_queue_prev(&sk->sk_write_queue,
					    as->send_head) :
			      skb_peek_tail(&sk->sk_write_queue);
	for (;;) {
		if (ATCP_SKB_CB(skb)->sacked & ATCP_SACKED)
			sacked++;
		else if (sacked >= ATCP_DUPTHRESH)
			atcp_mark_lost(as, skb);
		if (skb == head)
			break;
		skb = skb_queue_prev(&sk->sk_write_queue, skb);
	}
	return ATCP_SKB_CB(head)->sacked & ATCP_LOST;
}
EXPORT_SYMBOL_IF_KUNIT(atcp_sack_mark_lost);

/**
 * atcp_rtt_tsopt_us() - the round trip an echoed timestamp measures
 * @as: the connection
 * @tsecr: the TSecr of an ACK that acknowledged new data
 *
 * As tcp_rtt_tsopt_us(): an echo from the future, or so old that the
 * sample would not fit an s32 in microseconds (about 35 minutes), gives
 * no sample; an echo of this millisecond counts as 1 ms.
 *
 * Return: the RTT in microseconds, or -1.
 */
s32 atcp_rtt_tsopt_us(const struct atcp_sock *as, u32 tsecr)
{
	u32 delta = atcp_clock_ms() + as->ts_offset - tsecr;

	if (delta >= INT_MAX / USEC_PER_MSEC)
		return -1;
	return (delta ? : 1) * USEC_PER_MSEC;
}
EXPORT_SYMBOL_IF_KUNIT(atcp_rtt_tsopt_us);

/*
 * Free the segments SEG.ACK covers; take an RTT sample.  Returns the
 * number of segments freed.
 */
static u32 atcp_clean_rtx_queue(struct sock *sk, u32 ack,
				const struct atcp_opts *opts)
{
	struct atcp_net *an = atcp_pernet(sock_net(sk));
	struct atcp_sock *as = atcp_sk(sk);
	s32 rtt_us = -1;
	struct sk_buff *skb;
	u32 acked = 0;

	while ((skb = skb_peek(&sk->sk_write_queue)) &&
	       skb != as->send_head) {
		struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);

		if (atcp_seq_after(cb->end_seq, ack))
			break;
		/* Karn's rule: no sample from a retransmitted segment. */
		if (!(cb->sacked & ATCP_EVER_RETRANS))
			rtt_us = atcp_clock_us() - cb->tx_us;
		if (cb->sacked & ATCP_SACKED)
			as->sacked_out--;
		if (cb->sacked & ATCP_LOST)
			as->lost_out--;
		if (cb->sacked & ATCP_RETRANS)
			as->retrans_out--;
		as->packets_out--;
		acked++;
		__skb_unlink(skb, &sk->sk_write_queue);
		atcp_wmem_free_skb(sk, skb);
	}

	/* RFC 7323 4.1: the echoed timestamp measures retransmissions too. */
	if (rtt_us < 0 && acked && as->ts_ok && opts->ts_ok && opts->tsecr)
		rtt_us = atcp_rtt_tsopt_us(as, opts->tsecr);
	if (rtt_us >= 0)
		atcp_rtt_sample(&as->rtt, rtt_us,
				READ_ONCE(an->rto_min_ms) * USEC_PER_MSEC);
	return acked;
}

/* Without SACK: duplicate ACKs stand for segments that left (RFC 6582). */
static void atcp_reno_add_sack(struct atcp_sock *as)
{
	if (as->sacked_out + 1 < as->packets_out)
		as->sacked_out++;
}

static void atcp_enter_recovery(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct sk_buff *head = skb_peek(&sk->sk_write_queue);

	as->cc.ssthresh = as->cc_ops->ssthresh(&as->cc);
	as->cc.cwnd = as->cc.ssthresh;
	as->cc.cwnd_cnt = 0;
	as->high_seq = as->snd_nxt;
	as->ca_state = ATCP_CA_RECOVERY;
	if (as->sack_ok)
		ATCP_INC_STATS(sock_net(sk), SACKRECOVERY);
	else
		ATCP_INC_STATS(sock_net(sk), RENORECOVERY);
	ATCP_INC_STATS(sock_net(sk), FASTRETRANS);
	atcp_mark_lost(as, head);
	/* RFC 6675 4 / RFC 6582 3.2 step 2: resend it now, whatever pipe. */
	atcp_retransmit_skb(sk, head);
}

/* Loss detection and recovery; @acked segments were freed by this ACK. */
static void atcp_fastretrans_alert(struct sock *sk, u32 acked, bool dupack)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct sk_buff *head;

	if (as->ca_state != ATCP_CA_OPEN &&
	    !atcp_seq_before(as->snd_una, as->high_seq)) {
		/* Full acknowledgment: recovery is over (RFC 6582 3.2 3). */
		if (as->ca_state == ATCP_CA_RECOVERY)
			as->cc.cwnd = max_t(u32, 2, min(as->cc.cwnd,
							as->cc.ssthresh));
		as->ca_state = ATCP_CA_OPEN;
		as->dupacks = 0;
		if (!as->sack_ok)
			as->sacked_out = 0;
	}

	head = skb_peek(&sk->sk_write_queue);
	if (!as->packets_out || !head || head == as->send_head)
		return;

	if (!as->sack_ok) {
		if (acked)
			as->sacked_out -= min(acked, as->sacked_out);
		if (dupack)
			atcp_reno_add_sack(as);
	} else {
		atcp_sack_mark_lost(sk);
	}

	switch (as->ca_state) {
	case ATCP_CA_OPEN:
		if (as->dupacks >= ATCP_DUPTHRESH ||
		    (as->sack_ok && ATCP_SKB_CB(head)->sacked & ATCP_LOST))
			atcp_enter_recovery(sk);
		break;
	case ATCP_CA_RECOVERY:
		/* Partial ACK: the next hole is lost too (RFC 6582 3.2 5). */
		if (acked && !(ATCP_SKB_CB(head)->sacked & ATCP_SACKED)) {
			atcp_mark_lost(as, head);
			if (!(ATCP_SKB_CB(head)->sacked & ATCP_RETRANS))
				atcp_retransmit_skb(sk, head);
		}
		break;
	}
}

/* RFC 9293 3.10.7.4: the window update rule (SND.WL1 / SND.WL2). */
static bool atcp_ack_update_window(struct sock *sk, struct sk_buff *skb)
{
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	struct atcp_sock *as = atcp_sk(sk);
	u32 wnd = (u32)ntohs(tcp_hdr(skb)->window) << as->snd_wscale;

	if (atcp_wnd_update_ok(as, cb->seq, cb->ack_seq)) {
		bool changed = wnd != as->snd_wnd;

		as->snd_wnd = wnd;
		as->max_window = max(as->max_window, wnd);
		as->snd_wl1 = cb->seq;
		as->snd_wl2 = cb->ack_seq;
		return changed;
	}
	return false;
}

/*
 * Send buffer autotuning, as tcp_should_expand_sndbuf(): a writer waits
 * for room while the congestion window has room for more, the buffer is
 * not fixed by SO_SNDBUF, and ATCP's memory is not under pressure.
 */
static bool atcp_should_expand_sndbuf(const struct sock *sk)
{
	const struct atcp_sock *as = atcp_sk(sk);

	if (sk->sk_userlocks & SOCK_SNDBUF_LOCK)
		return false;
	if (sk_under_memory_pressure(sk) ||
	    sk_memory_allocated(sk) >= sk_prot_mem_limits(sk, 0))
		return false;
	return atcp_cwnd_room(as);
}

/*
 * As tcp_sndbuf_expand(): room for two congestion windows (at least ten
 * segments) of MSS-sized buffers, up to net.atcp.wmem[2] (tcp_wmem[2]).
 */
static void atcp_sndbuf_expand(struct sock *sk)
{
	const struct atcp_sock *as = atcp_sk(sk);
	u64 per_mss = SKB_TRUESIZE(MAX_TCP_HEADER + as->mss);
	u64 sndmem = 2 * max_t(u32, as->cc.cwnd, 10) * per_mss;

	if (sndmem > READ_ONCE(sk->sk_sndbuf))
		WRITE_ONCE(sk->sk_sndbuf,
			   min_t(u64, sndmem,
				 READ_ONCE(atcp_pernet(sock_net(sk))->wmem[2])));
}

/*
 * SACK reneging (RFC 2018 section 8): the receiver dropped data it had
 * SACKed, and the cumulative ACK now points into it.  As
 * tcp_check_sack_reneging(): rather than wait a full RTO per reneged
 * segment, time out in half an RTT (at least 10 ms), unless an ACK
 * catches up first; the timeout then forgets every SACK mark
 * (atcp_enter_loss()).
 */
static bool atcp_check_sack_reneging(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct sk_buff *head = atcp_first_sent(sk);

	if (!as->sack_ok || !head || !(ATCP_SKB_CB(head)->sacked & ATCP_SACKED))
		return false;
	atcp_reset_xmit_timer(sk, ATCP_TIMER_RETRANS,
			      max(usecs_to_jiffies(as->rtt.srtt_us / 2),
				  msecs_to_jiffies(10)));
	return true;
}

/**
 * atcp_ack() - process the acknowledgment field of a segment
 * @sk: the socket, owned by the caller, in a synchronized state
 * @skb: the segment (SEG.ACK already checked against SND.NXT)
 * @opts: its options
 *
 * Frees acknowledged segments, updates the send window, the RTT estimate
 * and the congestion state, retransmits what recovery calls for, and
 * sends new data the windows now allow.
 */
void atcp_ack(struct sock *sk, struct sk_buff *skb,
	      const struct atcp_opts *opts)
{
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	struct atcp_sock *as = atcp_sk(sk);
	u32 ack = cb->ack_seq, prior_una = as->snd_una;
	bool wnd_changed, dupack;
	u32 acked;

	as->rcv_tstamp = jiffies;
	as->probes_out = 0;
	wnd_changed = atcp_ack_update_window(sk, skb);
	if (as->sack_ok && opts->num_sacks)
		atcp_sacktag(sk, opts);

	if (atcp_seq_after(ack, prior_una)) {
		as->bytes_acked += ack - prior_una;
		as->snd_una = ack;
		/* Urgent data acknowledged: urgent mode ends. */
		if (atcp_seq_between(as->snd_up, prior_una, ack))
			as->snd_up = ack;
		/* The path works: forget an ICMP error (module/icmp.c). */
		WRITE_ONCE(sk->sk_err_soft, 0);
	}
	acked = atcp_clean_rtx_queue(sk, ack, opts);

	dupack = ack == prior_una && cb->seq == cb->end_seq &&
		 !wnd_changed && as->packets_out;
	if (dupack)
		as->dupacks++;
	else if (ack != prior_una)
		as->dupacks = 0;

	if (ack != prior_una) {
		/* RFC 6298 5.3 and 5.7: new data acknowledged. */
		as->retransmits = 0;
		as->backoff = 0;
		as->rto = as->rtt.rto;
		if (!as->retrans_out)
			as->retrans_stamp = 0;
	}

	atcp_fastretrans_alert(sk, acked, dupack);

	if (acked && as->ca_state != ATCP_CA_RECOVERY && as->cwnd_limited)
		as->cc_ops->cong_avoid(&as->cc, acked, atcp_clock_ms(),
				       as->rtt.min_rtt_us);

	if (ack != prior_una && !atcp_check_sack_reneging(sk)) {
		if (as->packets_out)
			atcp_reset_xmit_timer(sk, ATCP_TIMER_RETRANS, as->rto);
		else if (as->pending == ATCP_TIMER_RETRANS)
			sk_stop_timer(sk, &as->rtx_timer);
	}
	if (as->pending == ATCP_TIMER_PROBE0 && !as->packets_out &&
	    as->send_head &&
	    !atcp_seq_after(ATCP_SKB_CB(as->send_head)->end_seq,
			    as->snd_una + as->snd_wnd)) {
		/* The window opened: the persist timer's job is done. */
		sk_stop_timer(sk, &as->rtx_timer);
		as->backoff = 0;
	}

	atcp_xmit_retransmit_queue(sk);
	atcp_write_xmit(sk, 0);

	if (acked && sk->sk_socket &&
	    test_bit(SOCK_NOSPACE, &sk->sk_socket->flags)) {
		if (atcp_should_expand_sndbuf(sk))
			atcp_sndbuf_expand(sk);
		sk->sk_write_space(sk);
	}
}

/**
 * atcp_enter_loss() - a retransmission timeout: everything in flight that
 *	was not SACKed is lost, the window restarts from one segment
 * @sk: the socket, owned by the caller
 *
 * SACK marks are kept, as in tcp_timeout_mark_lost(), unless the oldest
 * segment in flight carries one: the peer then acknowledged less than it
 * had SACKed, so it reneged (RFC 2018 section 8), and every mark goes.
 */
void atcp_enter_loss(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct sk_buff *skb = atcp_first_sent(sk);
	bool forget_sacks = !as->sack_ok ||
			    (skb && (ATCP_SKB_CB(skb)->sacked & ATCP_SACKED));

	/* RFC 5681 (4): ssthresh once per loss episode. */
	if (as->ca_state != ATCP_CA_LOSS || !as->retransmits)
		as->cc.ssthresh = as->cc_ops->ssthresh(&as->cc);
	as->cc.cwnd = 1;
	as->cc.cwnd_cnt = 0;
	as->ca_state = ATCP_CA_LOSS;
	as->high_seq = as->snd_nxt;
	as->dupacks = 0;
	if (forget_sacks)
		as->sacked_out = 0;
	as->lost_out = 0;
	as->retrans_out = 0;
	for (; skb; skb = atcp_next_sent(sk, skb)) {
		struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);

		cb->sacked &= ~(ATCP_LOST | ATCP_RETRANS);
		if (forget_sacks)
			cb->sacked &= ~ATCP_SACKED;
		atcp_mark_lost(as, skb);
	}
}
EXPORT_SYMBOL_IF_KUNIT(atcp_enter_loss);
