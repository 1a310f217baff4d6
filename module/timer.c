// SPDX-License-Identifier: GPL-2.0
/*
 * Connection timers, each with TCP's meaning and ATCP's own sysctls:
 *
 *  - rtx_timer: the retransmission timer (RFC 6298) for the SYN, the
 *    SYN-ACK of a simultaneous open and data, with exponential back-off up
 *    to ATCP_RTO_MAX; the same timer is the persist timer (zero-window
 *    probes, RFC 9293 3.8.6.1) when nothing is in flight.  Limits:
 *    TCP_SYNCNT / syn_retries while connecting; retries1 (the route is
 *    looked up again), retries2 or orphan_retries, and TCP_USER_TIMEOUT
 *    once connected.
 *  - delack_timer: an ACK owed for at most ATCP_DELACK_MIN.
 *  - ka_timer: keepalive probes (RFC 9293 3.8.4) and, for an orphan in
 *    FIN-WAIT-2, its fin_timeout (TCP_LINGER2) lifetime.
 *
 * A pending timer holds a socket reference (sk_reset_timer); a handler
 * that finds the socket owned by a user retries shortly, as TCP's did.
 */
#include <net/sock.h>
#include <net/tcp.h>

#include "atcp.h"
#include "trace.h"

/* A handler that found the socket owned by a user tries again this soon. */
#define ATCP_TIMER_RETRY	(HZ / 20)

/**
 * atcp_reset_rtx_timer() - (re)arm the retransmission timer at as->rto
 * @sk: the socket, owned by the caller
 */
void atcp_reset_rtx_timer(struct sock *sk)
{
	atcp_reset_xmit_timer(sk, ATCP_TIMER_RETRANS, atcp_sk(sk)->rto);
}

/**
 * atcp_clear_rtx_timer() - stop the retransmission / persist timer
 * @sk: the socket, owned by the caller
 */
void atcp_clear_rtx_timer(struct sock *sk)
{
	atcp_sk(sk)->pending = 0;
	sk_stop_timer(sk, &atcp_sk(sk)->rtx_timer);
}

/**
 * atcp_clear_timers() - stop every timer of a socket
 * @sk: the socket, owned by the caller
 */
void atcp_clear_timers(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);

	atcp_clear_rtx_timer(sk);
	as->ack_pending = 0;
	sk_stop_timer(sk, &as->delack_timer);
	sk_stop_timer(sk, &as->ka_timer);
}

static int atcp_syn_retries(const struct sock *sk)
{
	const struct atcp_sock *as = atcp_sk(sk);

	return as->syn_retries ? :
	       READ_ONCE(atcp_pernet(sock_net(sk))->syn_retries);
}

/* A timeout ends the connection: ETIMEDOUT (or the soft error). */
static void atcp_write_err(struct sock *sk)
{
	ATCP_INC_STATS(sock_net(sk), ABORTONTIMEOUT);
	atcp_abort(sk, READ_ONCE(sk->sk_err_soft) ? : ETIMEDOUT, false);
}

/* TCP_USER_TIMEOUT: jiffies left since @since, or 0 when it is spent. */
static unsigned long atcp_user_timeout_left(const struct atcp_sock *as,
					    unsigned long since)
{
	unsigned long limit = msecs_to_jiffies(as->user_timeout);
	unsigned long elapsed = jiffies - since;

	return elapsed >= limit ? 0 : limit - elapsed;
}

/* Handshake retransmission: SYN, or the SYN-ACK of a simultaneous open. */
static void atcp_retransmit_syn(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);

	if (as->retransmits >= atcp_syn_retries(sk)) {
		ATCP_INC_STATS(sock_net(sk), ATTEMPTFAILS);
		ATCP_INC_STATS(sock_net(sk), TIMEOUTS);
		/* An ICMP error met on the way explains it best. */
		atcp_abort(sk, READ_ONCE(sk->sk_err_soft) ? : ETIMEDOUT, false);
		return;
	}
	as->retransmits++;
	as->total_retrans++;	/* as TCP, whose SYN is on its rtx queue */
	as->rto = min_t(u32, as->rto << 1, ATCP_RTO_MAX);
	atcp_send_ctl(sk, sk->sk_state == TCP_SYN_SENT ? TCPHDR_SYN :
		      TCPHDR_SYN | TCPHDR_ACK, as->iss);
	ATCP_INC_STATS(sock_net(sk), RETRANSSEGS);
	trace_atcp_retransmit_skb(sk, as->iss, as->retransmits);
	atcp_reset_rtx_timer(sk);
}

/* The retry budget of a connected socket: retries2, or for an orphan
 * orphan_retries (0 meaning 8, as tcp_orphan_retries()).
 */
static int atcp_max_retries(const struct sock *sk)
{
	struct atcp_net *an = atcp_pernet(sock_net(sk));

	if (sock_flag(sk, SOCK_DEAD))
		return READ_ONCE(an->orphan_retries) ? : 8;
	return READ_ONCE(an->retries2);
}

/* RFC 6298 5.4-5.6: the oldest unacknowledged segment timed out. */
static void atcp_retransmit_timer(struct sock *sk)
{
	struct atcp_net *an = atcp_pernet(sock_net(sk));
	struct atcp_sock *as = atcp_sk(sk);
	struct sk_buff *head = skb_peek(&sk->sk_write_queue);
	unsigned long next;

	if (!as->packets_out || !head)
		return;

	/* TCP_USER_TIMEOUT, when set, replaces the retries2 count (as TCP). */
	if (as->user_timeout && !sock_flag(sk, SOCK_DEAD)) {
		if (as->retrans_stamp &&
		    !atcp_user_timeout_left(as, as->retrans_stamp)) {
			ATCP_INC_STATS(sock_net(sk), TIMEOUTS);
			atcp_write_err(sk);
			return;
		}
	} else if (as->retransmits >= atcp_max_retries(sk)) {
		ATCP_INC_STATS(sock_net(sk), TIMEOUTS);
		atcp_write_err(sk);
		return;
	}
	ATCP_INC_STATS(sock_net(sk), TIMEOUTS);

	atcp_enter_loss(sk);
	as->retransmits++;
	/* retries1: past this many, suspect the route (RFC 1122 4.2.3.5). */
	if (as->retransmits == READ_ONCE(an->retries1))
		sk_dst_reset(sk);
	atcp_retransmit_skb(sk, head);

	/* RFC 6298 5.5: back off. */
	as->rto = min_t(u32, as->rto << 1, ATCP_RTO_MAX);
	next = as->rto;
	if (as->user_timeout && as->retrans_stamp)
		next = clamp(atcp_user_timeout_left(as, as->retrans_stamp),
			     1UL, next);
	atcp_reset_xmit_timer(sk, ATCP_TIMER_RETRANS, next);
}

/*
 * RFC 9293 3.8.6.1: the peer's window is zero; probe it.  The same timer
 * retries a segment that the window allows but that could not be sent
 * (dropped locally), as tcp_write_wakeup() does.
 */
static void atcp_probe_timer(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	unsigned long when;

	if (as->packets_out || !as->send_head) {
		as->probes_out = 0;
		as->backoff = 0;
		return;
	}
	/*
	 * A peer that answers probes (even with a zero window) resets
	 * probes_out; only silence counts toward the limit.
	 */
	if (as->user_timeout && as->probes_out &&
	    !atcp_user_timeout_left(as, as->rcv_tstamp)) {
		atcp_write_err(sk);
		return;
	}
	/*
	 * An orphan's peer may answer every probe with a zero window: then
	 * its back-off, which only an opening window resets, bounds it
	 * (tcp_probe_timer() does the same for SOCK_DEAD sockets).
	 */
	if (as->probes_out >= atcp_max_retries(sk) ||
	    (sock_flag(sk, SOCK_DEAD) &&
	     as->backoff >= min(atcp_max_retries(sk), 16))) {
		atcp_write_err(sk);
		return;
	}
	/*
	 * What the window takes goes now (tcp_write_wakeup()): data a cork
	 * or MSG_MORE held back, the head of a window that opened a little,
	 * or a segment IP dropped locally before.
	 */
	atcp_write_xmit(sk, ATCP_NAGLE_PUSH);
	/* A window too small for the next segment takes part of it. */
	if (!as->packets_out)
		atcp_write_wakeup(sk);
	if (as->packets_out)
		return;		/* it left: the retransmission timer runs */
	if (as->send_head &&
	    atcp_seq_after(ATCP_SKB_CB(as->send_head)->end_seq,
			   as->snd_una + as->snd_wnd)) {
		atcp_send_probe(sk);
		ATCP_INC_STATS(sock_net(sk), WINPROBE);
	}
	as->probes_out++;
	if (as->backoff < 16)
		as->backoff++;
	when = min_t(unsigned long, (unsigned long)as->rtt.rto << as->backoff,
		     ATCP_RTO_MAX);
	atcp_reset_xmit_timer(sk, ATCP_TIMER_PROBE0, when);
}

static void atcp_rtx_timer(struct timer_list *t)
{
	struct atcp_sock *as = timer_container_of(as, t, rtx_timer);
	struct sock *sk = &as->inet.sk;

	bh_lock_sock(sk);
	if (sock_owned_by_user(sk)) {
		sk_reset_timer(sk, &as->rtx_timer, jiffies + ATCP_TIMER_RETRY);
		goto out;
	}

	switch (sk->sk_state) {
	case TCP_SYN_SENT:
	case TCP_SYN_RECV:
		atcp_retransmit_syn(sk);
		break;
	case TCP_CLOSE:
	case TCP_LISTEN:
		break;
	default:
		if (as->pending == ATCP_TIMER_PROBE0)
			atcp_probe_timer(sk);
		else if (as->pending == ATCP_TIMER_RETRANS)
			atcp_retransmit_timer(sk);
		break;
	}
out:
	bh_unlock_sock(sk);
	sock_put(sk);
}

static void atcp_delack_timer(struct timer_list *t)
{
	struct atcp_sock *as = timer_container_of(as, t, delack_timer);
	struct sock *sk = &as->inet.sk;

	bh_lock_sock(sk);
	if (sock_owned_by_user(sk)) {
		/* The owner's release_sock() will not send it: retry. */
		sk_reset_timer(sk, &as->delack_timer,
			       jiffies + ATCP_TIMER_RETRY);
		goto out;
	}
	as->ack_pending &= ~ATCP_ACK_TIMER;
	if ((as->ack_pending & ATCP_ACK_SCHED) &&
	    sk->sk_state != TCP_CLOSE && sk->sk_state != TCP_LISTEN) {
		ATCP_INC_STATS(sock_net(sk), DELAYEDACKS);
		atcp_send_ack(sk);
	}
out:
	bh_unlock_sock(sk);
	sock_put(sk);
}

/**
 * atcp_keepalive_time() - idle time before the first keepalive probe
 * @as: the socket
 *
 * Return: jiffies (TCP_KEEPIDLE, or net.atcp.keepalive_time).
 */
unsigned long atcp_keepalive_time(const struct atcp_sock *as)
{
	const struct sock *sk = &as->inet.sk;
	int t = READ_ONCE(as->keepidle) ? :
		READ_ONCE(atcp_pernet(sock_net(sk))->keepalive_time);

	return (unsigned long)t * HZ;
}

/**
 * atcp_keepalive_intvl() - time between keepalive probes
 * @as: the socket
 *
 * Return: jiffies (TCP_KEEPINTVL, or net.atcp.keepalive_intvl).
 */
unsigned long atcp_keepalive_intvl(const struct atcp_sock *as)
{
	const struct sock *sk = &as->inet.sk;
	int t = READ_ONCE(as->keepintvl) ? :
		READ_ONCE(atcp_pernet(sock_net(sk))->keepalive_intvl);

	return (unsigned long)t * HZ;
}

/**
 * atcp_keepalive_probes() - unanswered probes before the connection dies
 * @as: the socket
 *
 * Return: TCP_KEEPCNT, or net.atcp.keepalive_probes.
 */
int atcp_keepalive_probes(const struct atcp_sock *as)
{
	const struct sock *sk = &as->inet.sk;

	return READ_ONCE(as->keepcnt) ? :
	       READ_ONCE(atcp_pernet(sock_net(sk))->keepalive_probes);
}

/**
 * atcp_fin_time() - how long an orphan stays in FIN-WAIT-2
 * @sk: the socket
 *
 * Return: jiffies (TCP_LINGER2, or net.atcp.fin_timeout).
 */
unsigned long atcp_fin_time(const struct sock *sk)
{
	int t = READ_ONCE(atcp_sk(sk)->linger2);

	if (t <= 0)
		t = READ_ONCE(atcp_pernet(sock_net(sk))->fin_timeout);
	return (unsigned long)t * HZ;
}

/**
 * atcp_reset_keepalive_timer() - arm the keepalive / FIN-WAIT-2 timer
 * @sk: the socket, owned by the caller
 * @when: delay, jiffies
 */
void atcp_reset_keepalive_timer(struct sock *sk, unsigned long when)
{
	sk_reset_timer(sk, &atcp_sk(sk)->ka_timer, jiffies + when);
}

/**
 * atcp_set_keepalive() - sk_prot->keepalive: SO_KEEPALIVE was set or
 *	cleared
 * @sk: the socket, owned by the caller
 * @val: the new value
 */
void atcp_set_keepalive(struct sock *sk, int val)
{
	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
		return;
	if (val && !sock_flag(sk, SOCK_KEEPOPEN))
		atcp_reset_keepalive_timer(sk,
					   atcp_keepalive_time(atcp_sk(sk)));
	else if (!val)
		sk_stop_timer(sk, &atcp_sk(sk)->ka_timer);
}

/* RFC 9293 3.8.4 keepalive; the probe is an ACK with SND.UNA - 1. */
static void atcp_keepalive(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	unsigned long idle, when = atcp_keepalive_time(as);

	if (!sock_flag(sk, SOCK_KEEPOPEN) ||
	    !((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT |
				     TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2 |
				     TCPF_CLOSING | TCPF_LAST_ACK)))
		return;
	/* Only when idle: nothing in flight, nothing waiting to go. */
	if (as->packets_out || as->send_head)
		goto rearm;

	idle = jiffies - max(as->rcv_tstamp, as->lrcvtime);
	if (time_before(jiffies, max(as->rcv_tstamp, as->lrcvtime)))
		idle = 0;
	if (idle < when) {
		when -= idle;
		goto rearm;
	}
	if ((as->user_timeout && as->probes_out &&
	     !atcp_user_timeout_left(as, max(as->rcv_tstamp, as->lrcvtime))) ||
	    (!as->user_timeout &&
	     as->probes_out >= atcp_keepalive_probes(as))) {
		ATCP_INC_STATS(sock_net(sk), KEEPALIVETIMEOUTS);
		/* As TCP: a RST, should the peer come back after all. */
		atcp_send_active_reset(sk);
		atcp_write_err(sk);
		return;
	}
	atcp_send_probe(sk);
	ATCP_INC_STATS(sock_net(sk), KEEPALIVE);
	as->probes_out++;
	when = atcp_keepalive_intvl(as);
rearm:
	atcp_reset_keepalive_timer(sk, when);
}

static void atcp_ka_timer(struct timer_list *t)
{
	struct atcp_sock *as = timer_container_of(as, t, ka_timer);
	struct sock *sk = &as->inet.sk;

	bh_lock_sock(sk);
	if (sock_owned_by_user(sk)) {
		atcp_reset_keepalive_timer(sk, ATCP_TIMER_RETRY);
		goto out;
	}
	if (sk->sk_state == TCP_FIN_WAIT2 && sock_flag(sk, SOCK_DEAD)) {
		/*
		 * The orphan's FIN-WAIT-2 lifetime is over.  It goes away
		 * quietly, as in tcp_keepalive_timer(); a late FIN then
		 * meets no connection and is answered with RST.
		 */
		atcp_done(sk);
		goto out;
	}
	atcp_keepalive(sk);
out:
	bh_unlock_sock(sk);
	sock_put(sk);
}

/**
 * atcp_pending_timer() - the timer /proc/net/atcp and sock_diag report
 * @as: the socket
 * @expires: set to its expiry (jiffies; now when none)
 *
 * TCP's codes and order of precedence (get_tcp4_sock()): 1 retransmit,
 * 4 zero-window probe (the same timer here), 2 keepalive, 0 none.
 *
 * Return: the code.
 */
int atcp_pending_timer(const struct atcp_sock *as, unsigned long *expires)
{
	if (timer_pending(&as->rtx_timer)) {
		*expires = READ_ONCE(as->rtx_timer.expires);
		return READ_ONCE(as->pending) == ATCP_TIMER_PROBE0 ?
		       ATCP_SHOW_TIMER_PROBE0 : ATCP_SHOW_TIMER_RETRANS;
	}
	if (timer_pending(&as->ka_timer)) {
		*expires = READ_ONCE(as->ka_timer.expires);
		return ATCP_SHOW_TIMER_KEEPALIVE;
	}
	*expires = jiffies;
	return ATCP_SHOW_TIMER_NONE;
}

/**
 * atcp_init_timers() - set up a socket's timers
 * @sk: a new socket, or a child fresh from sk_clone_lock()
 */
void atcp_init_timers(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);

	timer_setup(&as->rtx_timer, atcp_rtx_timer, 0);
	timer_setup(&as->delack_timer, atcp_delack_timer, 0);
	timer_setup(&as->ka_timer, atcp_ka_timer, 0);
}
