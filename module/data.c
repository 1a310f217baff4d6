// SPDX-License-Identifier: GPL-2.0
/*
 * The receiver's side of the byte stream: segment text in order goes to
 * sk_receive_queue, ahead of a hole to the out-of-order queue (reported
 * back in SACK blocks, RFC 2018); the peer's FIN (RFC 9293 3.10.7.4,
 * eighth step); and when to acknowledge: at once for out-of-order or
 * duplicate data and while in quick-ACK mode, otherwise every second full
 * segment or after at most ATCP_DELACK_MAX (RFC 9293 3.8.6.3, RFC 5681
 * 4.2).
 *
 * Queued segments keep their payload only (skb->data at the first byte)
 * and their sequence numbers in ATCP_SKB_CB; overlaps are resolved when
 * reading, by sequence number.
 */
#include <net/sock.h>
#include <net/tcp.h>

#include "atcp.h"

/**
 * atcp_sack_blocks() - the SACK blocks describing the out-of-order queue
 * @sk: the socket, owned by the caller
 * @blocks: filled with up to @max blocks
 * @max: room in @blocks
 *
 * RFC 2018 section 4: the block holding the most recent out-of-order
 * segment comes first (a MUST, also when there are more blocks than
 * room), then the others in sequence order, lowest first.
 *
 * Return: the number of blocks.
 */
unsigned int atcp_sack_blocks(struct sock *sk, struct atcp_sack_block *blocks,
			      unsigned int max)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct sk_buff *skb, *last = skb_peek_tail(&as->ooo_queue);
	struct atcp_sack_block b = { }, recent = { };
	bool open = false, found = false;
	unsigned int n = 0;

	if (!max)
		return 0;
	skb_queue_walk(&as->ooo_queue, skb) {
		struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);

		if (open && !atcp_seq_after(cb->seq, b.end)) {
			b.end = atcp_seq_max(b.end, cb->end_seq);
		} else {
			b.start = cb->seq;
			b.end = cb->end_seq;
			open = true;
		}
		/* The block goes on unless the next segment starts past it. */
		if (skb != last &&
		    !atcp_seq_after(ATCP_SKB_CB(skb->next)->seq, b.end))
			continue;
		if (!found && atcp_seq_between(as->ooo_last, b.start, b.end - 1)) {
			recent = b;
			found = true;
		} else if (n < max) {
			blocks[n++] = b;
		}
	}
	if (!found)
		return n;
	n = min(n, max - 1);
	memmove(&blocks[1], &blocks[0], n * sizeof(*blocks));
	blocks[0] = recent;
	return n + 1;
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
	if (now || as->quickack || !skb_queue_empty(&as->ooo_queue) ||
	    as->rcv_nxt - as->rcv_wup > max_t(u32, as->rcv_mss, 536)) {
		atcp_send_ack(sk);
		return;
	}
	if (!(as->ack_pending & ATCP_ACK_TIMER)) {
		as->ack_pending |= ATCP_ACK_TIMER;
		sk_reset_timer(sk, &as->delack_timer,
			       jiffies + ATCP_DELACK_MAX);
	}
}

/*
 * Room for @skb in the receive buffer?  The window offered keeps the
 * buffer from overflowing (atcp_rcv_space()), so a segment is refused
 * only once the buffer is already full; out-of-order data goes first.
 */
static bool atcp_rmem_schedule(struct sock *sk, struct sk_buff *skb)
{
	struct atcp_sock *as = atcp_sk(sk);

	if (atomic_read(&sk->sk_rmem_alloc) > READ_ONCE(sk->sk_rcvbuf) &&
	    !skb_queue_empty(&as->ooo_queue)) {
		skb_queue_purge(&as->ooo_queue);
		sk_mem_reclaim(sk);
	}
	return atomic_read(&sk->sk_rmem_alloc) <= READ_ONCE(sk->sk_rcvbuf) &&
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
	skb_queue_purge(&as->ooo_queue);
	sk_mem_reclaim(sk);

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

	while ((skb = skb_peek(&as->ooo_queue)) &&
	       !atcp_seq_after(ATCP_SKB_CB(skb)->seq, as->rcv_nxt)) {
		__skb_unlink(skb, &as->ooo_queue);
		if (!atcp_seq_after(ATCP_SKB_CB(skb)->end_seq, as->rcv_nxt) ||
		    !atcp_queue_rcv(sk, skb))
			kfree_skb(skb);
		if (sk->sk_shutdown & RCV_SHUTDOWN)
			break;	/* the FIN purged the rest */
	}
}

/*
 * Insert a segment beyond RCV.NXT in the out-of-order queue, sorted by
 * sequence number; one that adds nothing is dropped.  Returns true when
 * the queue took the skb.
 */
static bool atcp_ofo_queue(struct sock *sk, struct sk_buff *skb)
{
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	struct atcp_sock *as = atcp_sk(sk);
	struct sk_buff *prev;

	ATCP_INC_STATS(sock_net(sk), OFOQUEUE);
	as->ooo_last = cb->seq;
	skb_queue_reverse_walk(&as->ooo_queue, prev) {
		struct atcp_skb_cb *pcb = ATCP_SKB_CB(prev);

		if (!atcp_seq_before(cb->seq, pcb->seq)) {
			if (!atcp_seq_after(cb->end_seq, pcb->end_seq))
				return false;	/* nothing new */
			__skb_queue_after(&as->ooo_queue, prev, skb);
			return true;
		}
	}
	__skb_queue_head(&as->ooo_queue, skb);
	return true;
}

/**
 * atcp_data_queue() - RFC 9293 3.10.7.4, seventh and eighth steps: take
 *	the text and FIN of an acceptable segment
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
	bool queued, had_ofo;

	if (cb->seq == cb->end_seq)
		return false;

	/* Entirely old: a retransmission.  Tell the peer where we are. */
	if (!atcp_seq_after(cb->end_seq, as->rcv_nxt)) {
		as->ack_pending |= ATCP_ACK_SCHED;
		atcp_ack_snd_check(sk, true);
		return false;
	}

	if (!atcp_rmem_schedule(sk, skb)) {
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
	if (atcp_seq_after(cb->seq, as->rcv_nxt)) {
		queued = atcp_ofo_queue(sk, skb);
		if (queued)
			skb_set_owner_r(skb, sk);
		atcp_ack_snd_check(sk, true);
		return queued;
	}

	had_ofo = !skb_queue_empty(&as->ooo_queue);
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
	skb_queue_purge(&as->ooo_queue);
	sk_mem_reclaim(sk);
	return unread;
}
