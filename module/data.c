// SPDX-License-Identifier: GPL-2.0
/*
 * The receiver's side of the byte stream: segment text in order goes to
 * sk_receive_queue, ahead of a hole to the out-of-order queue (reported
 * back in SACK blocks, RFC 2018); the peer's FIN (RFC 9293 3.10.7.4,
 * eighth step); and when to acknowledge: at once for out-of-order or
 * duplicate data and while in quick-ACK mode, otherwise every second full
 * segment or after at most ATCP_DELACK_MIN (RFC 9293 3.8.6.3, RFC 5681
 * 4.2).
 *
 * Queued segments keep their payload only (skb->data at the first byte)
 * and their sequence numbers in ATCP_SKB_CB; overlaps are resolved when
 * reading, by sequence number.
 */
#include <net/sock.h>
#include <net/tcp.h>

#include "atcp.h"

/* Ranges of the out-of-order queue considered for SACK blocks. */
#define ATCP_SACK_RANGES	16

/**
 * atcp_sack_blocks() - the SACK blocks describing the out-of-order queue
 * @sk: the socket, owned by the caller
 * @blocks: filled with up to @max blocks
 * @max: room in @blocks
 *
 * RFC 2018 section 4: the block holding the most recent out-of-order
 * segment comes first, then the others in sequence order.
 *
 * Return: the number of blocks.
 */
unsigned int atcp_sack_blocks(struct sock *sk, struct atcp_sack_block *blocks,
			      unsigned int max)
{
	struct atcp_sack_block r[ATCP_SACK_RANGES];
	struct atcp_sock *as = atcp_sk(sk);
	unsigned int n = 0, out = 0, recent = 0, i;
	struct sk_buff *skb;

	skb_rbtree_walk(skb, &as->ooo_queue) {
		struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);

		if (n && !atcp_seq_after(cb->seq, r[n - 1].end)) {
			r[n - 1].end = atcp_seq_max(r[n - 1].end, cb->end_seq);
			continue;
		}
		if (n == ATCP_SACK_RANGES)
			break;
		r[n].start = cb->seq;
		r[n].end = cb->end_seq;
		n++;
	}
	if (!n || !max)
		return 0;
	for (i = 0; i < n; i++)
		if (atcp_seq_between(as->ooo_last, r[i].start, r[i].end - 1))
			recent = i;
	blocks[out++] = r[recent];
	for (i = 0; i < n && out < max; i++)
		if (i != recent)
			blocks[out++] = r[i];
	return out;
}
EXPORT_SYMBOL_IF_KUNIT(atcp_sack_blocks);

/**
 * atcp_ack_snd_check() - send an owed ACK now, or leave it to the timer
 * @sk: the socket, owned by the caller
 * @now: acknowledge at once
 */
void atcp_ack_snd_check(struct sock *sk, bool now)
{
	struct atcp_sock *as = atcp_sk(sk);

	if (!(as->ack_pending & ATCP_ACK_SCHED))
		return;
	if (now || as->quickack || !RB_EMPTY_ROOT(&as->ooo_queue) ||
	    as->rcv_nxt - as->rcv_wup > max_t(u32, as->rcv_mss, 536)) {
		atcp_send_ack(sk);
		return;
	}
	if (!(as->ack_pending & ATCP_ACK_TIMER)) {
		as->ack_pending |= ATCP_ACK_TIMER;
		sk_reset_timer(sk, &as->delack_timer,
			       jiffies + ATCP_DELACK_MIN);
	}
}

/* Take @skb out of the out-of-order queue. */
static void atcp_ofo_erase(struct atcp_sock *as, struct sk_buff *skb)
{
	if (as->ooo_tail == skb)
		as->ooo_tail = skb_rb_prev(skb);
	rb_erase(&skb->rbnode, &as->ooo_queue);
}

/**
 * atcp_ofo_purge() - drop the whole out-of-order queue
 * @sk: the socket, owned by the caller
 */
void atcp_ofo_purge(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct rb_node *p = rb_first(&as->ooo_queue);

	/* skb_rbtree_purge(), which modules cannot reach. */
	while (p) {
		struct sk_buff *skb = rb_to_skb(p);

		p = rb_next(p);
		rb_erase(&skb->rbnode, &as->ooo_queue);
		kfree_skb(skb);
	}
	as->ooo_tail = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(atcp_ofo_purge);

/*
 * Over the receive buffer: drop out-of-order segments from the highest
 * sequence number down until it fits, but none below the arriving
 * @in_skb (which is dropped instead), as tcp_prune_ofo_queue() does; the
 * lowest, needed first, stay.  Dropping data we SACKed is reneging, which
 * RFC 2018 section 8 allows: the sender's next timeout forgets its SACK
 * marks (atcp_enter_loss()).
 */
static void atcp_ofo_prune(struct sock *sk, const struct sk_buff *in_skb)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct sk_buff *skb;
	bool pruned = false;

	while (atomic_read(&sk->sk_rmem_alloc) > READ_ONCE(sk->sk_rcvbuf) &&
	       (skb = as->ooo_tail)) {
		/* Never make room for @in_skb by dropping what precedes it. */
		if (atcp_seq_after(ATCP_SKB_CB(in_skb)->seq,
				   ATCP_SKB_CB(skb)->seq))
			break;
		atcp_ofo_erase(as, skb);
		kfree_skb(skb);
		pruned = true;
	}
	if (pruned) {
		ATCP_INC_STATS(sock_net(sk), OFOPRUNED);
		sk_mem_reclaim(sk);
	}
}

/*
 * Room for @skb in the receive buffer?  The window offered is computed to
 * keep the buffer from overflowing (atcp_rcv_space()), but from an
 * estimate of the payload share of skb->truesize.  Data in sequence
 * within the window announced is the peer's right (the window never
 * shrinks), so it may exceed SO_RCVBUF by that estimate's error, up to
 * twice the buffer; out-of-order data is held to SO_RCVBUF and is
 * dropped first.
 */
static bool atcp_rmem_schedule(struct sock *sk, struct sk_buff *skb,
			       bool in_order)
{
	int limit = READ_ONCE(sk->sk_rcvbuf);

	if (atomic_read(&sk->sk_rmem_alloc) > limit)
		atcp_ofo_prune(sk, skb);
	if (in_order)
		limit *= 2;
	return atomic_read(&sk->sk_rmem_alloc) <= limit &&
	       sk_rmem_schedule(sk, skb, skb->truesize);
}

/* Learn how much of the buffer charge is payload (atcp_rcv_space()). */
static void atcp_measure_ratio(struct atcp_sock *as, const struct sk_buff *skb)
{
	u32 r = ((u64)skb->len << ATCP_RATIO_SHIFT) / skb->truesize;

	r = clamp_t(u32, r, 1, 1 << ATCP_RATIO_SHIFT);
	as->rcv_ratio = (as->rcv_ratio * 7 + r) / 8 ? : 1;
}

/* RFC 9293 3.10.7.4, eighth step: the FIN, now in sequence. */
static void atcp_fin(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);

	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | RCV_SHUTDOWN);
	sock_set_flag(sk, SOCK_DONE);
	as->ack_pending |= ATCP_ACK_SCHED;
	as->quickack = max_t(u8, as->quickack, 1);
	/* Nothing can follow the FIN: whatever waits beyond it goes. */
	atcp_ofo_purge(sk);
	sk_mem_reclaim(sk);

	switch (sk->sk_state) {
	case TCP_SYN_RECV:
	case TCP_ESTABLISHED:
		atcp_set_state(sk, TCP_CLOSE_WAIT);
		break;
	case TCP_FIN_WAIT1:
		/* Our FIN is not acknowledged yet: simultaneous close. */
		atcp_set_state(sk, TCP_CLOSING);
		break;
	case TCP_FIN_WAIT2:
		atcp_send_ack(sk);
		atcp_time_wait(sk, TCP_TIME_WAIT);
		return;
	default:
		/* CLOSE_WAIT, CLOSING, LAST_ACK: a retransmitted FIN. */
		break;
	}

	if (!sock_flag(sk, SOCK_DEAD)) {
		sk->sk_state_change(sk);
		if (sk->sk_shutdown == SHUTDOWN_MASK ||
		    sk->sk_state == TCP_CLOSE)
			sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_HUP);
		else
			sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_IN);
	}
}

/*
 * Append an in-sequence segment (SEG.SEQ <= RCV.NXT < SEG.SEQ + SEG.LEN)
 * to the receive queue.  Returns true when the queue took the skb.
 */
static bool atcp_queue_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	struct atcp_sock *as = atcp_sk(sk);
	bool fin = cb->flags & TCPHDR_FIN;
	u32 data_end = cb->end_seq - fin;
	bool queued = false;

	if (atcp_seq_after(data_end, as->rcv_nxt)) {
		as->bytes_received += data_end - as->rcv_nxt;
		__skb_queue_tail(&sk->sk_receive_queue, skb);
		queued = true;
	}
	WRITE_ONCE(as->rcv_nxt, cb->end_seq);
	if (fin)
		atcp_fin(sk);
	return queued;
}

/* Move what the out-of-order queue now holds in sequence. */
static void atcp_ofo_drain(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct sk_buff *skb;

	while ((skb = skb_rb_first(&as->ooo_queue)) &&
	       !atcp_seq_after(ATCP_SKB_CB(skb)->seq, as->rcv_nxt)) {
		atcp_ofo_erase(as, skb);
		if (!atcp_seq_after(ATCP_SKB_CB(skb)->end_seq, as->rcv_nxt) ||
		    !atcp_queue_rcv(sk, skb))
			kfree_skb(skb);
		if (sk->sk_shutdown & RCV_SHUTDOWN)
			break;	/* the FIN purged the rest */
	}
}

/*
 * Append @from, which starts where @to ends, to @to (tcp_try_coalesce()):
 * adjacent segments become one skb, so that a peer's segments cost one
 * queue entry per run, not one each.  @to is charged to the socket, @from
 * not yet: the growth of @to's truesize is charged.  Never past a FIN.
 */
static bool atcp_ofo_coalesce(struct sock *sk, struct sk_buff *to,
			      struct sk_buff *from)
{
	struct atcp_skb_cb *tcb = ATCP_SKB_CB(to), *fcb = ATCP_SKB_CB(from);
	bool fragstolen;
	int delta;

	if (fcb->seq != tcb->end_seq || (tcb->flags & TCPHDR_FIN) ||
	    !skb_try_coalesce(to, from, &fragstolen, &delta))
		return false;
	atomic_add(delta, &sk->sk_rmem_alloc);
	sk_mem_charge(sk, delta);
	tcb->end_seq = fcb->end_seq;
	tcb->flags |= fcb->flags;
	kfree_skb_partial(from, fragstolen);
	return true;
}

/*
 * Insert a segment beyond RCV.NXT in the out-of-order queue, an rbtree by
 * sequence number (tcp_data_queue_ofo()): appended to the last segment
 * in O(1) when it follows it, as in a transfer with one hole, otherwise
 * in O(log n).  A segment that adds nothing is dropped; one that covers
 * others replaces them; adjacent ones are coalesced.  Partial overlaps
 * stay: the reader resolves them by sequence number.  Returns true when
 * the queue took (or merged and freed) the skb, charged to the socket.
 */
static bool atcp_ofo_queue(struct sock *sk, struct sk_buff *skb)
{
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	struct atcp_sock *as = atcp_sk(sk);
	struct rb_node **p, *parent = NULL;
	struct sk_buff *skb1;

	ATCP_INC_STATS(sock_net(sk), OFOQUEUE);
	as->ooo_last = cb->seq;

	/* The common case: after the last segment. */
	skb1 = as->ooo_tail;
	if (skb1 && !atcp_seq_before(cb->seq, ATCP_SKB_CB(skb1)->end_seq)) {
		if (atcp_ofo_coalesce(sk, skb1, skb))
			return true;
		parent = &skb1->rbnode;
		p = &parent->rb_right;
		goto insert;
	}

	p = &as->ooo_queue.rb_node;
	while (*p) {
		struct atcp_skb_cb *cb1;

		parent = *p;
		skb1 = rb_to_skb(parent);
		cb1 = ATCP_SKB_CB(skb1);
		if (atcp_seq_before(cb->seq, cb1->seq)) {
			p = &parent->rb_left;
			continue;
		}
		if (atcp_seq_before(cb->seq, cb1->end_seq)) {
			if (!atcp_seq_after(cb->end_seq, cb1->end_seq))
				return false;	/* nothing new */
			if (cb->seq == cb1->seq) {
				/* It covers skb1: take its place. */
				rb_replace_node(&skb1->rbnode, &skb->rbnode,
						&as->ooo_queue);
				if (as->ooo_tail == skb1)
					as->ooo_tail = skb;
				kfree_skb(skb1);
				skb_set_owner_r(skb, sk);
				goto merge_right;
			}
		} else if (atcp_ofo_coalesce(sk, skb1, skb)) {
			skb = skb1;
			goto merge_right;
		}
		p = &parent->rb_right;
	}
insert:
	rb_link_node(&skb->rbnode, parent, p);
	rb_insert_color(&skb->rbnode, &as->ooo_queue);
	skb_set_owner_r(skb, sk);
merge_right:
	/* Drop the segments that follow and that it covers entirely. */
	while ((skb1 = skb_rb_next(skb)) &&
	       atcp_seq_after(ATCP_SKB_CB(skb)->end_seq, ATCP_SKB_CB(skb1)->seq)) {
		if (atcp_seq_before(ATCP_SKB_CB(skb)->end_seq,
				    ATCP_SKB_CB(skb1)->end_seq))
			break;
		atcp_ofo_erase(as, skb1);
		kfree_skb(skb1);
	}
	if (!skb_rb_next(skb))
		as->ooo_tail = skb;
	return true;
}

/*
 * A new urgent pointer (RFC 9293 3.8.5; Linux's tcp_check_urg()).  It
 * points one past the urgent byte, as in BSD and Linux (whose
 * tcp_stdurg sysctl, off by default, would take RFC 1122's reading).
 */
static void atcp_check_urg(struct sock *sk, const struct tcphdr *th)
{
	struct atcp_sock *as = atcp_sk(sk);
	u32 ptr = ntohs(th->urg_ptr);

	if (ptr)
		ptr--;
	ptr += ntohl(th->seq);

	/* Urgent data already read, or a pointer replayed. */
	if (atcp_seq_after(as->copied_seq, ptr) ||
	    atcp_seq_before(ptr, as->rcv_nxt))
		return;
	/* Not newer than the one we have. */
	if (as->urg_data && !atcp_seq_after(ptr, as->urg_seq))
		return;

	sk_send_sigurg(sk);

	/*
	 * The reader stands at the old mark and has not read its byte in
	 * line: step over it now, or it would be read as data once the
	 * mark moves (copied_seq cannot move before, for SIOCATMARK).
	 */
	if (as->urg_seq == as->copied_seq && as->urg_data &&
	    !sock_flag(sk, SOCK_URGINLINE) && as->copied_seq != as->rcv_nxt) {
		struct sk_buff *skb = skb_peek(&sk->sk_receive_queue);

		WRITE_ONCE(as->copied_seq, as->copied_seq + 1);
		if (skb && !atcp_seq_before(as->copied_seq,
					    ATCP_SKB_CB(skb)->end_seq))
			sk_eat_skb(sk, skb);
	}
	WRITE_ONCE(as->urg_data, TCP_URG_NOTYET);
	WRITE_ONCE(as->urg_seq, ptr);
}

/* RFC 9293 3.10.7.4, sixth step: the URG bit (Linux's tcp_urg()). */
static void atcp_urg(struct sock *sk, struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	struct atcp_sock *as = atcp_sk(sk);

	if (th->urg)
		atcp_check_urg(sk, th);

	/* Does this segment carry the byte the pointer announced? */
	if (as->urg_data == TCP_URG_NOTYET) {
		u32 off = as->urg_seq - ntohl(th->seq) + th->doff * 4 - th->syn;
		u8 c;

		if (off < skb->len && !skb_copy_bits(skb, off, &c, 1)) {
			WRITE_ONCE(as->urg_data, TCP_URG_VALID | c);
			if (!sock_flag(sk, SOCK_DEAD))
				sk->sk_data_ready(sk);
		}
	}
}

/**
 * atcp_data_queue() - RFC 9293 3.10.7.4, sixth to eighth steps: take
 *	the urgent pointer, text and FIN of an acceptable segment
 * @sk: the socket, owned by the caller, in ESTABLISHED, FIN_WAIT1 or
 *	FIN_WAIT2
 * @skb: the segment, skb->data at its TCP header
 *
 * Return: true when the segment was queued (the caller must not free it).
 */
bool atcp_data_queue(struct sock *sk, struct sk_buff *skb)
{
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	struct atcp_sock *as = atcp_sk(sk);
	unsigned int hlen = tcp_hdr(skb)->doff * 4;
	bool queued, had_ofo, in_seq;

	if (unlikely(tcp_hdr(skb)->urg || as->urg_data == TCP_URG_NOTYET))
		atcp_urg(sk, skb);
	if (cb->seq == cb->end_seq)
		return false;

	/* Entirely old: a retransmission.  Tell the peer where we are. */
	if (!atcp_seq_after(cb->end_seq, as->rcv_nxt)) {
		as->ack_pending |= ATCP_ACK_SCHED;
		atcp_ack_snd_check(sk, true);
		return false;
	}

	/*
	 * Every skb a queue keeps is charged to the receive buffer, an
	 * out-of-order bare FIN too (as tcp_data_queue_ofo()): uncharged,
	 * a peer could pin one per sequence number of the window.  Only an
	 * in-sequence bare FIN, consumed at once, needs no space.
	 */
	in_seq = !atcp_seq_after(cb->seq, as->rcv_nxt);
	if ((skb->len > hlen || !in_seq) &&
	    !atcp_rmem_schedule(sk, skb, in_seq)) {
		ATCP_INC_STATS(sock_net(sk), RCVQDROP);
		as->ack_pending |= ATCP_ACK_SCHED;
		atcp_ack_snd_check(sk, true);
		return false;
	}
	__skb_pull(skb, hlen);
	skb_dst_drop(skb);
	if (skb->len > as->rcv_mss)
		as->rcv_mss = min_t(u32, skb->len, as->advmss);
	if (skb->len)
		atcp_measure_ratio(as, skb);

	as->ack_pending |= ATCP_ACK_SCHED;
	if (!in_seq) {
		queued = atcp_ofo_queue(sk, skb);
		atcp_ack_snd_check(sk, true);
		return queued;
	}

	had_ofo = !RB_EMPTY_ROOT(&as->ooo_queue);
	if (skb->len)
		skb_set_owner_r(skb, sk);
	queued = atcp_queue_rcv(sk, skb);
	if (!queued)
		skb_orphan(skb);	/* the caller frees it */
	if (had_ofo)
		atcp_ofo_drain(sk);

	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_data_ready(sk);
	atcp_ack_snd_check(sk, had_ofo);
	return queued;
}

/**
 * atcp_cleanup_rbuf() - after the user read: acknowledge if that matters
 * @sk: the socket, owned by the caller
 * @copied: bytes just read
 *
 * An owed ACK goes out once a full segment was read; a window update goes
 * out when the window can at least double (RFC 9293 3.8.6.2.2), as
 * tcp_cleanup_rbuf() does.
 */
void atcp_cleanup_rbuf(struct sock *sk, int copied)
{
	struct atcp_sock *as = atcp_sk(sk);
	bool send = false;

	if (sk->sk_state == TCP_CLOSE || sk->sk_state == TCP_LISTEN)
		return;
	if ((as->ack_pending & ATCP_ACK_SCHED) &&
	    (copied >= (int)(as->rcv_mss ? : 536) || as->quickack))
		send = true;
	if (copied > 0 && !send && !(sk->sk_shutdown & RCV_SHUTDOWN)) {
		u32 cur = atcp_rcv_wnd_now(as);
		int space = READ_ONCE(sk->sk_rcvbuf) -
			    atomic_read(&sk->sk_rmem_alloc);

		if (space > 0 && (u32)space / 2 >= 2 * cur &&
		    (u32)space / 2 - cur >= as->mss)
			send = true;
	}
	if (send)
		atcp_send_ack(sk);
}

/**
 * atcp_rcv_rtt_measure() - the receiver's RTT estimate, for autotuning
 * @sk: the socket, owned by the caller
 * @skb: a segment received in a synchronized state
 * @opts: its options
 *
 * A data segment echoes in TSecr the TSval of an ACK we sent (RFC 7323
 * 4.3): their difference is a round trip.  One sample per echoed value;
 * a lower one is taken at once, a higher one smoothed in by 1/8, as
 * tcp_rcv_rtt_measure_ts().
 */
void atcp_rcv_rtt_measure(struct sock *sk, const struct sk_buff *skb,
			  const struct atcp_opts *opts)
{
	const struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	struct atcp_sock *as = atcp_sk(sk);
	u32 old = as->rcv_rtt_us, delta;
	u32 m;

	if (!as->ts_ok || !opts->ts_ok || !opts->tsecr ||
	    cb->end_seq == cb->seq || opts->tsecr == as->rcv_rtt_tsecr)
		return;
	as->rcv_rtt_tsecr = opts->tsecr;
	delta = atcp_clock_ms() + as->ts_offset - opts->tsecr;
	if ((s32)delta < 0 || delta > ATCP_RTO_MAX / HZ * MSEC_PER_SEC)
		return;
	m = max(delta, 1U) * USEC_PER_MSEC;
	if (!old || (m << 3) < old)
		as->rcv_rtt_us = m << 3;
	else
		as->rcv_rtt_us = old - (old >> 3) + m;
}

/**
 * atcp_rcv_space_init() - start receive buffer autotuning
 * @sk: a connection entering ESTABLISHED, owned by the caller
 */
void atcp_rcv_space_init(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);

	as->rcv_rtt_us = 0;
	as->rcv_rtt_tsecr = 0;
	as->rcvq_space.space = min_t(u32, as->rcv_wnd, 10U * as->advmss);
	as->rcvq_space.seq = as->copied_seq;
	as->rcvq_space.time_us = atcp_clock_us();
}

/* The buffer whose free space atcp_rcv_space() offers as window @win. */
static u64 atcp_space_for_win(const struct atcp_sock *as, u64 win)
{
	return div_u64((win * 8 / 7) << ATCP_RATIO_SHIFT,
		       max_t(u32, as->rcv_ratio, 1));
}

/**
 * atcp_rcv_space_adjust() - receive buffer autotuning, after a read
 * @sk: the socket, owned by the caller
 *
 * Once per RTT (the receiver's estimate, else the sender's), as
 * tcp_rcv_space_adjust() does: when the application read more in that
 * RTT than in any before, the buffer grows to hold twice that plus what
 * the growth of the rate adds, so that the window stays ahead of the
 * sender, up to net.atcp.rmem[2] (tcp_rmem[2]).
 * SO_RCVBUF fixes the buffer (SOCK_RCVBUF_LOCK), as for TCP.
 */
void atcp_rcv_space_adjust(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	u32 rtt = as->rcv_rtt_us >> 3 ? : as->rtt.srtt_us;
	u32 now = atcp_clock_us();
	u32 copied, space;
	u64 rcvwin, rcvbuf;

	if (!rtt || now - as->rcvq_space.time_us < rtt)
		return;
	copied = as->copied_seq - as->rcvq_space.seq;
	space = max_t(u32, as->rcvq_space.space, 1);
	if (copied > space) {
		rcvwin = 2ULL * copied + 16ULL * as->advmss;
		rcvwin += 2 * div_u64(rcvwin * (copied - space), space);
		if (!(sk->sk_userlocks & SOCK_RCVBUF_LOCK)) {
			rcvbuf = min_t(u64, atcp_space_for_win(as, rcvwin),
				       READ_ONCE(atcp_pernet(sock_net(sk))->rmem[2]));
			if (rcvbuf > READ_ONCE(sk->sk_rcvbuf))
				WRITE_ONCE(sk->sk_rcvbuf, rcvbuf);
		}
		as->rcvq_space.space = copied;
	}
	as->rcvq_space.seq = as->copied_seq;
	as->rcvq_space.time_us = now;
}

/**
 * atcp_purge_rcv() - drop everything received and not read
 * @sk: the socket, owned by the caller
 *
 * Return: the number of unread bytes that were dropped.
 */
u32 atcp_purge_rcv(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	u32 unread = 0;
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(&sk->sk_receive_queue)) != NULL) {
		u32 end = ATCP_SKB_CB(skb)->end_seq -
			  !!(ATCP_SKB_CB(skb)->flags & TCPHDR_FIN);

		if (atcp_seq_after(end, as->copied_seq))
			unread += end - as->copied_seq;
		as->copied_seq = atcp_seq_max(as->copied_seq, end);
		kfree_skb(skb);
	}
	atcp_ofo_purge(sk);
	sk_mem_reclaim(sk);
	return unread;
}
