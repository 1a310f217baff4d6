// SPDX-License-Identifier: GPL-2.0
/*
 * The byte stream seen by the user: sendmsg() copies into MSS-sized
 * segments on sk_write_queue, charged to the socket's send buffer, and
 * pushes them out (Nagle, TCP_CORK, MSG_MORE); recvmsg() copies from
 * sk_receive_queue by sequence number (MSG_PEEK, MSG_WAITALL,
 * MSG_DONTWAIT, SO_RCVLOWAT), and announces the window it frees.  Waiting
 * uses the generic sk_stream_* helpers and sk_wait_data().
 *
 * Urgent data follows Linux TCP: send(MSG_OOB) makes the last byte it
 * queued urgent; the receiver stops a read at the mark, keeps the byte
 * out of the stream for recv(MSG_OOB) unless SO_OOBINLINE, signals it
 * with SIGURG and EPOLLPRI, and SIOCATMARK tells when the mark is next.
 */
#include <linux/sched/signal.h>
#include <linux/termios.h>
#include <linux/sockios.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "atcp.h"

/**
 * atcp_write_space() - sk->sk_write_space: wake writers once the send
 *	buffer has room again (sk_stream_write_space(), not exported)
 * @sk: the socket
 */
void atcp_write_space(struct sock *sk)
{
	struct socket *sock = sk->sk_socket;
	struct socket_wq *wq;

	if (!sock || !sk_stream_is_writeable(sk))
		return;
	clear_bit(SOCK_NOSPACE, &sock->flags);
	rcu_read_lock();
	wq = rcu_dereference(sk->sk_wq);
	if (skwq_has_sleeper(wq))
		wake_up_interruptible_poll(&wq->wait, EPOLLOUT | EPOLLWRNORM |
					   EPOLLWRBAND);
	if (wq && wq->fasync_list && !(sk->sk_shutdown & SEND_SHUTDOWN))
		sock_wake_async(wq, SOCK_WAKE_SPACE, POLL_OUT);
	rcu_read_unlock();
}

/*
 * Push what sendmsg() queued; MSG_MORE holds a partial segment back.
 * With MSG_OOB (and @copied bytes queued) the last byte is urgent.
 */
static void atcp_push(struct sock *sk, int flags, int copied)
{
	struct atcp_sock *as = atcp_sk(sk);

	if ((flags & MSG_OOB) && copied)
		as->snd_up = as->write_seq;
	if (!as->send_head)
		return;
	atcp_write_xmit(sk, (flags & MSG_MORE) ? ATCP_NAGLE_CORK : 0);
}

/*
 * As tcp_remove_empty_skb(): a segment buffer sendmsg() queued but could
 * not fill (its copy faulted) leaves the queue.  Sent, it would be a
 * zero-length "segment" in flight that no peer acknowledges, retransmitted
 * until the connection times out.  Only an unsent tail can be empty.
 */
static void atcp_remove_empty_skb(struct sock *sk)
{
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);
	struct atcp_sock *as = atcp_sk(sk);

	if (!skb || !as->send_head || skb->len ||
	    ATCP_SKB_CB(skb)->end_seq != ATCP_SKB_CB(skb)->seq)
		return;
	if (as->send_head == skb)
		as->send_head = NULL;
	__skb_unlink(skb, &sk->sk_write_queue);
	atcp_wmem_free_skb(sk, skb);
}

/**
 * atcp_sendmsg() - sk_prot->sendmsg
 * @sk: the socket
 * @msg: what to send
 * @size: its length
 *
 * Return: bytes queued, or a negative errno (EPIPE with SIGPIPE unless
 * MSG_NOSIGNAL once the connection can no longer send).
 */
int atcp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size)
{
	struct atcp_sock *as = atcp_sk(sk);
	int flags = msg->msg_flags;
	int copied = 0, err;
	long timeo;

	lock_sock(sk);
	timeo = sock_sndtimeo(sk, flags & MSG_DONTWAIT);

	/* A connection still being set up: wait for it (as TCP does). */
	if ((1 << sk->sk_state) & ~(TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)) {
		err = sk_stream_wait_connect(sk, &timeo);
		if (err)
			goto do_error;
	}

	err = -EPIPE;
	if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN))
		goto do_error;

	while (msg_data_left(msg)) {
		struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);
		u32 mss = as->mss;
		int copy;

		if (!skb || !as->send_head || skb->len >= mss ||
		    ATCP_SKB_CB(skb)->flags & TCPHDR_FIN ||
		    skb_tailroom(skb) == 0) {
			if (!sk_stream_memory_free(sk))
				goto wait_for_space;
			skb = atcp_alloc_skb(sk, mss, sk->sk_allocation, false);
			if (!skb)
				goto wait_for_space;
			atcp_queue_skb(sk, skb);
		}

		copy = min_t(int, msg_data_left(msg),
			     min_t(u32, mss - skb->len, skb_tailroom(skb)));
		if (copy_from_iter(skb_put(skb, copy), copy,
				   &msg->msg_iter) != copy) {
			skb_trim(skb, skb->len - copy);
			err = -EFAULT;
			goto do_error;
		}
		ATCP_SKB_CB(skb)->end_seq += copy;
		WRITE_ONCE(as->write_seq, as->write_seq + copy);
		copied += copy;

		/*
		 * A full segment goes out at once if the windows allow; with
		 * MSG_OOB not before the urgent pointer is set (atcp_push()).
		 */
		if (skb->len >= mss && !(flags & MSG_OOB))
			atcp_write_xmit(sk, 0);
		continue;

wait_for_space:
		set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
		atcp_push(sk, flags & ~MSG_MORE, copied);
		err = sk_stream_wait_memory(sk, &timeo);
		if (err)
			goto do_error;
	}

	atcp_push(sk, flags, copied);
	release_sock(sk);
	return copied;

do_error:
	atcp_remove_empty_skb(sk);
	if (copied) {
		atcp_push(sk, flags, copied);
		release_sock(sk);
		return copied;
	}
	err = sk_stream_error(sk, flags, err);
	release_sock(sk);
	return err;
}

/* recv(MSG_OOB), as tcp_recv_urg(): never blocks.  Socket owned. */
static int atcp_recv_urg(struct sock *sk, struct msghdr *msg, int len,
			 int flags)
{
	struct atcp_sock *as = atcp_sk(sk);
	char c = as->urg_data;

	if (sock_flag(sk, SOCK_URGINLINE) || !as->urg_data ||
	    as->urg_data == TCP_URG_READ)
		return -EINVAL;
	if (sk->sk_state == TCP_CLOSE && !sock_flag(sk, SOCK_DONE))
		return -ENOTCONN;
	if (as->urg_data & TCP_URG_VALID) {
		if (!(flags & MSG_PEEK))
			WRITE_ONCE(as->urg_data, TCP_URG_READ);
		msg->msg_flags |= MSG_OOB;
		if (len <= 0) {
			msg->msg_flags |= MSG_TRUNC;
			return 0;
		}
		if (!(flags & MSG_TRUNC) && memcpy_to_msg(msg, &c, 1))
			return -EFAULT;
		return 1;
	}
	if (sk->sk_state == TCP_CLOSE || (sk->sk_shutdown & RCV_SHUTDOWN))
		return 0;
	return -EAGAIN;	/* announced, not arrived */
}

/**
 * atcp_recvmsg() - sk_prot->recvmsg
 * @sk: the socket
 * @msg: where to copy
 * @len: room in @msg
 * @flags: MSG_PEEK, MSG_WAITALL, MSG_DONTWAIT, MSG_TRUNC, MSG_OOB
 *
 * Return: bytes copied, 0 at end of stream, or a negative errno.
 */
int atcp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len, int flags)
{
	struct atcp_sock *as = atcp_sk(sk);
	u32 peek_seq, *seq;
	int copied = 0, target;
	long timeo;

	if (flags & MSG_ERRQUEUE)
		return -EAGAIN;

	lock_sock(sk);
	if (sk->sk_state == TCP_LISTEN) {
		copied = -ENOTCONN;
		goto out;
	}
	if (flags & MSG_OOB) {
		copied = atcp_recv_urg(sk, msg, len, flags);
		goto out;
	}
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	seq = &as->copied_seq;
	if (flags & MSG_PEEK) {
		peek_seq = as->copied_seq;
		seq = &peek_seq;
	}
	target = sock_rcvlowat(sk, flags & MSG_WAITALL, len);

	while (len > 0) {
		struct sk_buff *skb, *tmp, *last = NULL;
		u32 offset = 0;
		bool found = false;
		size_t used;

		/* At the urgent mark: stop after what was read before it. */
		if (unlikely(as->urg_data) && as->urg_seq == *seq) {
			if (copied)
				break;
			if (signal_pending(current)) {
				copied = timeo ? sock_intr_errno(timeo) : -EAGAIN;
				break;
			}
		}

		skb_queue_walk_safe(&sk->sk_receive_queue, skb, tmp) {
			offset = *seq - ATCP_SKB_CB(skb)->seq;
			if (offset < skb->len) {
				found = true;
				break;
			}
			/* Overlapped by what was read before it. */
			if (!(flags & MSG_PEEK) &&
			    !atcp_seq_before(*seq, ATCP_SKB_CB(skb)->seq)) {
				sk_eat_skb(sk, skb);
				continue;
			}
			last = skb;
		}

		if (found) {
			used = min_t(size_t, skb->len - offset, len);
			/* Read up to the urgent byte; skip it unless inline. */
			if (unlikely(as->urg_data)) {
				u32 urg_offset = as->urg_seq - *seq;

				if (urg_offset < used && urg_offset) {
					used = urg_offset;
				} else if (urg_offset < used &&
					   !sock_flag(sk, SOCK_URGINLINE)) {
					WRITE_ONCE(*seq, *seq + 1);
					offset++;
					used--;
				}
			}
			if (used && !(flags & MSG_TRUNC) &&
			    skb_copy_datagram_msg(skb, offset, msg, used)) {
				if (!copied)
					copied = -EFAULT;
				break;
			}
			WRITE_ONCE(*seq, *seq + used);
			copied += used;
			len -= used;
			if (unlikely(as->urg_data) &&
			    atcp_seq_after(as->copied_seq, as->urg_seq))
				WRITE_ONCE(as->urg_data, 0);
			if (used + offset >= skb->len && !(flags & MSG_PEEK))
				sk_eat_skb(sk, skb);
			continue;
		}

		if (copied >= target && !READ_ONCE(sk->sk_backlog.tail))
			break;
		if (copied) {
			if (sk->sk_err || sk->sk_state == TCP_CLOSE ||
			    (sk->sk_shutdown & RCV_SHUTDOWN) || !timeo ||
			    signal_pending(current))
				break;
		} else {
			if (sock_flag(sk, SOCK_DONE))
				break;
			if (sk->sk_err) {
				copied = sock_error(sk);
				break;
			}
			if (sk->sk_shutdown & RCV_SHUTDOWN)
				break;
			if (sk->sk_state == TCP_CLOSE) {
				copied = -ENOTCONN;
				break;
			}
			if (!timeo) {
				copied = -EAGAIN;
				break;
			}
			if (signal_pending(current)) {
				copied = sock_intr_errno(timeo);
				break;
			}
		}
		atcp_cleanup_rbuf(sk, copied);
		sk_wait_data(sk, &timeo, last);
	}
	if (!(flags & MSG_PEEK)) {
		if (copied > 0)
			atcp_rcv_space_adjust(sk);
		atcp_cleanup_rbuf(sk, copied);
	}
out:
	release_sock(sk);
	return copied;
}

/* SIOCINQ, SIOCOUTQ, SIOCOUTQNSD, SIOCATMARK, as tcp_ioctl(). */
static int atcp_ioctl_value(struct sock *sk, int cmd, int *val)
{
	struct atcp_sock *as = atcp_sk(sk);
	bool slow;

	if (cmd == SIOCATMARK) {
		*val = READ_ONCE(as->urg_data) &&
		       READ_ONCE(as->urg_seq) == READ_ONCE(as->copied_seq);
		return 0;
	}
	if (cmd != SIOCINQ && cmd != SIOCOUTQ && cmd != SIOCOUTQNSD)
		return -ENOIOCTLCMD;
	if (sk->sk_state == TCP_LISTEN)
		return -EINVAL;
	slow = lock_sock_fast(sk);
	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		*val = 0;
	} else if (cmd == SIOCINQ) {
		*val = as->rcv_nxt - as->copied_seq;
		/* The FIN takes a sequence number, not a byte to read. */
		if (*val && sock_flag(sk, SOCK_DONE))
			(*val)--;
	} else if (cmd == SIOCOUTQ) {
		*val = as->write_seq - as->snd_una;
	} else {
		*val = as->write_seq - as->snd_nxt;
	}
	unlock_sock_fast(sk, slow);
	return 0;
}

#ifdef ATCP_HAVE_PROTO_IOCTL_KARG
/**
 * atcp_ioctl() - sk_prot->ioctl: SIOCINQ (FIONREAD), SIOCOUTQ, SIOCOUTQNSD,
 *	SIOCATMARK
 * @sk: the socket
 * @cmd: the request
 * @karg: the value, in kernel memory
 *
 * Return: 0, -EINVAL on a listener, -ENOIOCTLCMD for other requests.
 */
int atcp_ioctl(struct sock *sk, int cmd, int *karg)
{
	return atcp_ioctl_value(sk, cmd, karg);
}
#else
/**
 * atcp_ioctl() - sk_prot->ioctl: SIOCINQ (FIONREAD), SIOCOUTQ, SIOCOUTQNSD,
 *	SIOCATMARK
 * @sk: the socket
 * @cmd: the request
 * @arg: user pointer to the int result
 *
 * Return: 0, -EINVAL on a listener, -ENOIOCTLCMD for other requests.
 */
int atcp_ioctl(struct sock *sk, int cmd, unsigned long arg)
{
	int val, err = atcp_ioctl_value(sk, cmd, &val);

	return err ? : put_user(val, (int __user *)arg);
}
#endif

#ifdef ATCP_RECVMSG_ADDR_LEN
/**
 * atcp_recvmsg_addr() - sk_prot->recvmsg before 7.x, with addr_len
 * @sk: the socket
 * @msg: where to copy
 * @len: room in @msg
 * @flags: as atcp_recvmsg()
 * @addr_len: unused (a connected stream has no source address to give)
 *
 * Return: as atcp_recvmsg().
 */
int atcp_recvmsg_addr(struct sock *sk, struct msghdr *msg, size_t len,
		      int flags, int *addr_len)
{
	return atcp_recvmsg(sk, msg, len, flags);
}
#endif

/**
 * atcp_shutdown() - sk_prot->shutdown: SHUT_WR sends our FIN
 * @sk: the socket, owned by the caller (inet_shutdown() already set
 *	sk_shutdown)
 * @how: RCV_SHUTDOWN and/or SEND_SHUTDOWN
 */
void atcp_shutdown(struct sock *sk, int how)
{
	if (how & SEND_SHUTDOWN)
		atcp_close_send(sk);
}
