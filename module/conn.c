// SPDX-License-Identifier: GPL-2.0
/*
 * Socket-level connection management shared by both address families:
 * socket init, active open completion, listen/accept, poll, abort, close.
 */
#include <linux/log2.h>
#include <linux/poll.h>
#include <net/inet_common.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "atcp.h"

/**
 * atcp_init_conn() - reset the connection state of a socket
 * @sk: a new socket or a child fresh from sk_clone_lock(), its timers
 *	already set up (atcp_init_timers()), or a socket being disconnected
 *
 * Timers are set up once, when the socket is made: on a disconnect they
 * are only stopped, since a handler that found the socket owned may have
 * re-armed one (timer_setup() on a pending timer corrupts the wheel).
 */
void atcp_init_conn(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);

	INIT_LIST_HEAD(&as->accept_node);
	as->ooo_queue = RB_ROOT;
	as->ooo_tail = NULL;
	as->send_head = NULL;
	as->packets_out = 0;
	as->sacked_out = 0;
	as->lost_out = 0;
	as->retrans_out = 0;
	as->ca_state = ATCP_CA_OPEN;
	as->dupacks = 0;
	as->pending = 0;
	as->ack_pending = 0;
	as->probes_out = 0;
	as->backoff = 0;
	as->rcv_mss = 0;
	as->rcv_ratio = ATCP_RATIO_INIT;
	as->last_oow_ack_time = 0;
	as->total_retrans = 0;
	as->bytes_acked = 0;
	as->bytes_received = 0;
	as->segs_in = 0;
	as->segs_out = 0;
	as->rto = ATCP_TIMEOUT_INIT;
	atcp_rtt_init(&as->rtt);
	as->retransmits = 0;
	as->mss = ATCP_MSS_DEFAULT;
	as->pmtu = 0;
	as->mtu_info = 0;
	WRITE_ONCE(sk->sk_err_soft, 0);
	clear_bit(ATCP_MTU_REDUCED_DEFERRED, &as->deferred);
	as->advmss = 1460;
	as->wscale_ok = 1;
	as->sack_ok = 1;
	as->ts_ok = 1;
	as->rcv_wscale = atcp_select_wscale(sk);
	as->rcv_wnd = min_t(u32, READ_ONCE(sk->sk_rcvbuf) / 2,
			    U16_MAX << as->rcv_wscale);
	as->cc.cwnd = ATCP_INIT_CWND;
	as->cc.ssthresh = ATCP_INFINITE_SSTHRESH;
	sk->sk_write_space = atcp_write_space;
}
EXPORT_SYMBOL_IF_KUNIT(atcp_init_conn);

/**
 * atcp_select_wscale() - the window scale our SYN or SYN-ACK announces
 * @sk: the connecting socket, or the listener
 *
 * As tcp_select_initial_window(): the shift that lets the largest window
 * the socket may come to offer be expressed: that of net.atcp.rmem[2], of
 * the core's rmem_max or of its own buffer, whichever is largest; when
 * SO_RCVBUF fixed the buffer, the window that buffer gives (half of it,
 * as tcp_full_space() with the default scaling ratio).  At most 14
 * (RFC 7323 2.3).
 *
 * Return: the shift, 0 .. TCP_MAX_WSCALE.
 */
u8 atcp_select_wscale(const struct sock *sk)
{
	u32 full = READ_ONCE(sk->sk_rcvbuf) / 2;
	u32 space = max3(full, (u32)READ_ONCE(sysctl_rmem_max),
			 (u32)READ_ONCE(atcp_pernet(sock_net(sk))->rmem[2]));

	if (sk->sk_userlocks & SOCK_RCVBUF_LOCK)
		space = min(space, full);
	return clamp_t(int, ilog2(max_t(u32, space, 1)) - 15, 0,
		       TCP_MAX_WSCALE);
}
EXPORT_SYMBOL_IF_KUNIT(atcp_select_wscale);

/**
 * atcp_init_sock_common() - what sk_prot->init does for both families
 * @sk: the new socket
 *
 * Timers, connection state, and the buffers net.atcp.rmem[1] and
 * net.atcp.wmem[1] give, as tcp_init_sock() takes them from tcp_rmem and
 * tcp_wmem.
 */
void atcp_init_sock_common(struct sock *sk)
{
	struct atcp_net *an = atcp_pernet(sock_net(sk));

	WRITE_ONCE(sk->sk_sndbuf, READ_ONCE(an->wmem[1]));
	WRITE_ONCE(sk->sk_rcvbuf, READ_ONCE(an->rmem[1]));
	atcp_init_timers(sk);
	atcp_init_conn(sk);
}

/**
 * atcp_init_sock() - sk_prot->init for AF_INET sockets
 * @sk: the new socket
 *
 * Return: 0.
 */
int atcp_init_sock(struct sock *sk)
{
	atcp_init_sock_common(sk);
	atcp_sk(sk)->af_ops = &atcp_ipv4_af_ops;
	return 0;
}

/**
 * atcp_route_advmss() - the MSS to announce on a route
 * @sk: the socket (its TCP_MAXSEG caps the value)
 * @dst: the route
 *
 * Return: the route's MSS (MTU minus headers), capped by TCP_MAXSEG.
 */
u16 atcp_route_advmss(const struct sock *sk, const struct dst_entry *dst)
{
	u16 mss = dst_metric_advmss(dst);
	u16 user = READ_ONCE(atcp_sk(sk)->user_mss);

	return user ? min(mss, user) : mss;
}

/**
 * atcp_destroy_sock() - free what an orphan that reached CLOSED still
 *	holds, and drop the reference its life as an orphan kept
 * @sk: the socket, owned by the caller, SOCK_DEAD, in CLOSED
 */
void atcp_destroy_sock(struct sock *sk)
{
	atcp_put_port(sk);
	sk->sk_prot->destroy(sk);
	sk_stream_kill_queues(sk);
	atomic_dec(&atcp_pernet(sock_net(sk))->orphans);
	atcp_sk(sk)->orphan = 0;
	sock_put(sk);
}

/**
 * atcp_done() - the connection is over: CLOSED, no timers, no table entry
 * @sk: the socket, owned by the caller; calling it twice is harmless
 *
 * An orphan (closed by its user) is destroyed here; the caller must hold
 * its own reference if it touches the socket afterwards.
 */
void atcp_done(struct sock *sk)
{
	if (sk->sk_state != TCP_CLOSE)
		atcp_set_state(sk, TCP_CLOSE);
	atcp_clear_timers(sk);
	atcp_unhash(sk);
	/*
	 * As tcp_set_state(TCP_CLOSE): a port the user bind()s stays his
	 * (SOCK_BINDPORT_LOCK) until close(), so that no other socket takes
	 * it before his next connect(); atcp_destroy_sock() releases it.
	 */
	if (!(sk->sk_userlocks & SOCK_BINDPORT_LOCK) || sock_flag(sk, SOCK_DEAD))
		atcp_put_port(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_state_change(sk);
	else if (atcp_sk(sk)->orphan)
		atcp_destroy_sock(sk);
}

/**
 * atcp_abort() - abort a connection (RST received, timeout, user abort)
 * @sk: the socket, owned by the caller
 * @err: errno to report to the user, 0 for none
 * @send_rst: send a RST to the peer first (synchronized states only)
 */
void atcp_abort(struct sock *sk, int err, bool send_rst)
{
	if (send_rst && (1 << sk->sk_state) &
	    (TCPF_SYN_RECV | TCPF_ESTABLISHED | TCPF_FIN_WAIT1 |
	     TCPF_FIN_WAIT2 | TCPF_CLOSE_WAIT | TCPF_CLOSING | TCPF_LAST_ACK))
		atcp_send_active_reset(sk);
	if (err) {
		WRITE_ONCE(sk->sk_err, err);
		sk_error_report(sk);
	}
	atcp_done(sk);
}

/**
 * atcp_connect_finish() - send the SYN of an active open
 * @sk: socket in SYN_SENT, hashed, with iss set
 *
 * Return: 0; a lost SYN is retransmitted by the timer.
 */
int atcp_connect_finish(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);

	as->snd_una = as->iss;
	as->snd_up = as->iss;
	as->snd_nxt = as->iss + 1;
	/* A FIN queued before ESTABLISHED (close() in SYN-RECEIVED of a
	 * simultaneous open) follows the SYN.
	 */
	as->write_seq = as->snd_nxt;
	as->rto = ATCP_TIMEOUT_INIT;
	as->retransmits = 0;
	as->syn_us = atcp_clock_us() ? : 1;
	/* SO_RCVBUF and net.atcp.rmem may have changed since socket(). */
	as->rcv_wscale = atcp_select_wscale(sk);
	as->rcv_wnd = min_t(u32, READ_ONCE(sk->sk_rcvbuf) / 2,
			    U16_MAX << as->rcv_wscale);
	atcp_send_ctl(sk, TCPHDR_SYN, as->iss);
	ATCP_INC_STATS(sock_net(sk), ACTIVEOPENS);
	atcp_reset_rtx_timer(sk);
	return 0;
}

/**
 * atcp_request_isn() - the RFC 6528 ISN for a request
 * @req: the request, addresses filled
 *
 * Return: our initial sequence number.
 */
u32 atcp_request_isn(const struct atcp_request *req)
{
	if (ipv6_addr_v4mapped(&req->laddr))
		return atcp_isn_v4(req->laddr.s6_addr32[3],
				   req->raddr.s6_addr32[3], req->lport,
				   req->rport);
	return atcp_isn_v6(&req->laddr, &req->raddr, req->lport, req->rport);
}

/**
 * atcp_poll() - proto_ops->poll, following tcp_poll()
 * @file: the file
 * @sock: the socket
 * @wait: poll table
 *
 * Return: the event mask.
 */
__poll_t atcp_poll(struct file *file, struct socket *sock, poll_table *wait)
{
	struct sock *sk = sock->sk;
	__poll_t mask = 0;
	u8 shutdown;
	int state;

	sock_poll_wait(file, sock, wait);

	state = inet_sk_state_load(sk);
	if (state == TCP_LISTEN)
		return READ_ONCE(sk->sk_ack_backlog) ? EPOLLIN | EPOLLRDNORM : 0;

	shutdown = READ_ONCE(sk->sk_shutdown);
	if (shutdown == SHUTDOWN_MASK || state == TCP_CLOSE)
		mask |= EPOLLHUP;
	if (shutdown & RCV_SHUTDOWN)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;

	if (state != TCP_SYN_SENT && state != TCP_SYN_RECV) {
		struct atcp_sock *as = atcp_sk(sk);
		int avail = READ_ONCE(as->rcv_nxt) - READ_ONCE(as->copied_seq);
		int target = sock_rcvlowat(sk, 0, INT_MAX);
		u16 urg_data = READ_ONCE(as->urg_data);

		/* An urgent byte read out of line is not data to read. */
		if (unlikely(urg_data) &&
		    READ_ONCE(as->urg_seq) == READ_ONCE(as->copied_seq) &&
		    !sock_flag(sk, SOCK_URGINLINE))
			target++;
		if (avail > 0 && avail >= target)
			mask |= EPOLLIN | EPOLLRDNORM;
		if (urg_data & TCP_URG_VALID)
			mask |= EPOLLPRI;
		if (!(shutdown & SEND_SHUTDOWN)) {
			if (sk_stream_is_writeable(sk)) {
				mask |= EPOLLOUT | EPOLLWRNORM;
			} else {
				sk_set_bit(SOCKWQ_ASYNC_NOSPACE, sk);
				set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
				/* Race with an ACK freeing space: recheck. */
				smp_mb__after_atomic();
				if (sk_stream_is_writeable(sk))
					mask |= EPOLLOUT | EPOLLWRNORM;
			}
		} else {
			mask |= EPOLLOUT | EPOLLWRNORM;
		}
	}
	if (READ_ONCE(sk->sk_err) ||
	    !skb_queue_empty_lockless(&sk->sk_error_queue))
		mask |= EPOLLERR;
	return mask;
}

/**
 * atcp_listen() - proto_ops->listen
 * @sock: the socket
 * @backlog: accept queue bound (already capped by net.core.somaxconn)
 *
 * Return: 0 or a negative errno.
 */
int atcp_listen(struct socket *sock, int backlog)
{
	struct sock *sk = sock->sk;
	int err = -EINVAL;

	lock_sock(sk);
	if (sock->state != SS_UNCONNECTED)
		goto out;
	if (sk->sk_state == TCP_LISTEN) {
		WRITE_ONCE(sk->sk_max_ack_backlog, backlog);
		err = 0;
	} else if (sk->sk_state == TCP_CLOSE) {
		err = atcp_listen_start(sk, backlog);
	}
out:
	release_sock(sk);
	return err;
}

static int __atcp_stream_accept(struct socket *sock, struct socket *newsock,
				int flags)
{
	struct sock *child;
	int err;

	child = atcp_accept_child(sock->sk, flags, &err);
	if (!child)
		return err;
	lock_sock(child);
	sock_graft(child, newsock);
	newsock->state = SS_CONNECTED;
	release_sock(child);
	return 0;
}

#ifdef ATCP_HAVE_PROTO_ACCEPT_ARG
/**
 * atcp_stream_accept() - proto_ops->accept: take a child from the accept
 *	queue (waiting unless non-blocking) and graft it onto @newsock
 * @sock: the listening socket
 * @newsock: the socket accept() returns
 * @arg: flags in, error out
 *
 * Return: 0 or a negative errno.
 */
int atcp_stream_accept(struct socket *sock, struct socket *newsock,
		       struct proto_accept_arg *arg)
{
	return __atcp_stream_accept(sock, newsock, arg->flags);
}
#else
/**
 * atcp_stream_accept() - proto_ops->accept: take a child from the accept
 *	queue (waiting unless non-blocking) and graft it onto @newsock
 * @sock: the listening socket
 * @newsock: the socket accept() returns
 * @flags: file flags (O_NONBLOCK)
 * @kern: kernel socket (unused)
 *
 * Return: 0 or a negative errno.
 */
int atcp_stream_accept(struct socket *sock, struct socket *newsock, int flags,
		       bool kern)
{
	return __atcp_stream_accept(sock, newsock, flags);
}
#endif

/**
 * atcp_close_send() - RFC 9293 3.10.4 CLOSE and shutdown(SHUT_WR): queue
 *	our FIN and move to the state that waits for its acknowledgment
 * @sk: the socket, owned by the caller, SEND_SHUTDOWN already set
 *
 * ESTABLISHED goes to FIN-WAIT-1 and CLOSE-WAIT to LAST-ACK.  In
 * SYN-RECEIVED (a simultaneous open) the FIN is "queued for processing
 * after entering ESTABLISHED state": the connection's data state does not
 * exist before then, so it waits on the send queue and atcp_connected()
 * sends it (in softirq, where it could not be allocated).  Other states
 * have no FIN to send.
 */
void atcp_close_send(struct sock *sk)
{
	switch (sk->sk_state) {
	case TCP_SYN_RECV:
		atcp_queue_fin(sk);
		return;
	case TCP_ESTABLISHED:
		atcp_set_state(sk, TCP_FIN_WAIT1);
		break;
	case TCP_CLOSE_WAIT:
		atcp_set_state(sk, TCP_LAST_ACK);
		break;
	default:
		return;
	}
	atcp_send_fin(sk);
}

static bool atcp_closing(const struct sock *sk)
{
	return (1 << READ_ONCE(sk->sk_state)) &
	       (TCPF_FIN_WAIT1 | TCPF_CLOSING | TCPF_LAST_ACK);
}

/* SO_LINGER: wait for our FIN to be acknowledged (sk_stream_wait_close(),
 * no longer exported).
 */
static void atcp_wait_close(struct sock *sk, long timeout)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);

	add_wait_queue(sk_sleep(sk), &wait);
	do {
		if (sk_wait_event(sk, &timeout, !atcp_closing(sk), &wait))
			break;
	} while (!signal_pending(current) && timeout);
	remove_wait_queue(sk_sleep(sk), &wait);
}

/* A non-blocking lingering close does not wait (see Documentation). */
static bool atcp_close_nonblock(const struct sock *sk)
{
	const struct socket *sock = sk->sk_socket;

	return sock && sock->file && (sock->file->f_flags & O_NONBLOCK);
}

/**
 * atcp_close() - sk_prot->close: the user closed the socket
 * @sk: the socket
 * @timeout: how long to wait for our FIN to be acknowledged (SO_LINGER)
 *
 * A listener drops its SYN queue and resets unaccepted children; a
 * connecting socket is simply deleted (RFC 9293 CLOSE in SYN-SENT).  A
 * synchronized connection with unread data is reset (RFC 2525 2.17), as
 * it is with SO_LINGER {1, 0}; otherwise its FIN is queued after the data
 * and the socket lives on as an orphan until the FIN handshake ends (or
 * a limit removes it): retransmissions bounded by orphan_retries,
 * FIN-WAIT-2 by fin_timeout, their number by max_orphans.
 */
void atcp_close(struct sock *sk, long timeout)
{
	struct atcp_net *an = atcp_pernet(sock_net(sk));
	u32 unread;
	int state;

	lock_sock(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);

	if (sk->sk_state == TCP_LISTEN) {
		atcp_listen_stop(sk);
		atcp_put_port(sk);
		goto adjudge;
	}

	unread = atcp_purge_rcv(sk);
	if (sk->sk_state == TCP_CLOSE || sk->sk_state == TCP_SYN_SENT) {
		atcp_done(sk);
	} else if (unread) {
		ATCP_INC_STATS(sock_net(sk), ABORTONCLOSE);
		atcp_abort(sk, 0, true);
	} else if (sock_flag(sk, SOCK_LINGER) && !sk->sk_lingertime) {
		/* SO_LINGER {1, 0}: abortive close, no TIME-WAIT. */
		ATCP_INC_STATS(sock_net(sk), ABORTONDATA);
		atcp_abort(sk, 0, true);
	} else {
		atcp_close_send(sk);
	}

	if (timeout && !atcp_close_nonblock(sk))
		atcp_wait_close(sk, timeout);

adjudge:
	state = sk->sk_state;
	sock_hold(sk);
	sock_orphan(sk);
	atcp_sk(sk)->orphan = 1;
	atomic_inc(&an->orphans);
	release_sock(sk);

	/* From here the socket is the kernel's: no user can own it. */
	local_bh_disable();
	bh_lock_sock(sk);
	if (state != TCP_CLOSE && sk->sk_state == TCP_CLOSE)
		goto out;	/* a segment or timer finished it meanwhile */

	if (sk->sk_state == TCP_FIN_WAIT2) {
		if (atcp_sk(sk)->linger2 < 0) {
			ATCP_INC_STATS(sock_net(sk), ABORTONLINGER);
			atcp_abort(sk, 0, true);
			goto out;
		}
		atcp_reset_keepalive_timer(sk, atcp_fin_time(sk));
	}
	if (sk->sk_state != TCP_CLOSE &&
	    atomic_read(&an->orphans) > READ_ONCE(an->max_orphans)) {
		net_info_ratelimited("atcp: too many orphaned sockets\n");
		ATCP_INC_STATS(sock_net(sk), ABORTONMEMORY);
		atcp_abort(sk, 0, true);
		goto out;
	}
	if (sk->sk_state == TCP_CLOSE)
		atcp_destroy_sock(sk);
out:
	bh_unlock_sock(sk);
	local_bh_enable();
	sock_put(sk);
}

/**
 * atcp_destroy() - sk_prot->destroy: release what a closed socket holds
 * @sk: the socket
 */
void atcp_destroy(struct sock *sk)
{
	atcp_clear_timers(sk);
	atcp_free_write_queue(sk);
	atcp_ofo_purge(sk);
	sk_mem_reclaim(sk);
}

/**
 * atcp_disconnect() - sk_prot->disconnect: return to a fresh CLOSED socket
 * @sk: the socket, owned by the caller
 * @flags: unused (file flags)
 *
 * Used by connect() after a failed attempt and by connect(AF_UNSPEC).  A
 * listener drops its queues; a synchronized connection is reset.  The
 * local port survives only if bind() chose it.
 *
 * Return: 0.
 */
int atcp_disconnect(struct sock *sk, int flags)
{
	struct inet_sock *inet = inet_sk(sk);
	int old = sk->sk_state;

	if (old == TCP_LISTEN)
		atcp_listen_stop(sk);
	else if (old != TCP_CLOSE)
		atcp_abort(sk, 0, old != TCP_SYN_SENT);
	atcp_done(sk);
	atcp_purge_rcv(sk);
	atcp_destroy(sk);

	inet->inet_dport = 0;
	sk_daddr_set(sk, 0);
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6)
		memset(&sk->sk_v6_daddr, 0, sizeof(sk->sk_v6_daddr));
#endif
	if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK)) {
		inet->inet_saddr = 0;
		sk_rcv_saddr_set(sk, 0);
#if IS_ENABLED(CONFIG_IPV6)
		if (sk->sk_family == AF_INET6) {
			memset(&sk->sk_v6_rcv_saddr, 0,
			       sizeof(sk->sk_v6_rcv_saddr));
			memset(&inet6_sk(sk)->saddr, 0,
			       sizeof(inet6_sk(sk)->saddr));
		}
#endif
	}
	sk_dst_reset(sk);
	WRITE_ONCE(sk->sk_shutdown, 0);
	sock_reset_flag(sk, SOCK_DONE);
	sk->sk_route_caps = 0;
	atcp_init_conn(sk);
	return 0;
}
