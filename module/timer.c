// SPDX-License-Identifier: GPL-2.0
/*
 * Connection timers.  The retransmission timer resends the SYN (or the
 * SYN-ACK of a simultaneous open) with exponential back-off from
 * ATCP_TIMEOUT_INIT, and aborts the connection with ETIMEDOUT once the
 * retry budget (TCP_SYNCNT or net.atcp.syn_retries) is spent.
 *
 * A pending timer holds a socket reference (sk_reset_timer); a handler
 * that finds the socket owned by a user retries shortly, as TCP's did.
 */
#include <net/sock.h>
#include <net/tcp.h>

#include "atcp.h"
#include "trace.h"

/**
 * atcp_reset_rtx_timer() - (re)arm the retransmission timer at as->rto
 * @sk: the socket, owned by the caller
 */
void atcp_reset_rtx_timer(struct sock *sk)
{
	sk_reset_timer(sk, &atcp_sk(sk)->rtx_timer, jiffies + atcp_sk(sk)->rto);
}

/**
 * atcp_clear_rtx_timer() - stop the retransmission timer
 * @sk: the socket, owned by the caller
 */
void atcp_clear_rtx_timer(struct sock *sk)
{
	sk_stop_timer(sk, &atcp_sk(sk)->rtx_timer);
}

static int atcp_syn_retries(const struct sock *sk)
{
	const struct atcp_sock *as = atcp_sk(sk);

	return as->syn_retries ? :
	       READ_ONCE(atcp_pernet(sock_net(sk))->syn_retries);
}

static void atcp_rtx_timer(struct timer_list *t)
{
	struct atcp_sock *as = timer_container_of(as, t, rtx_timer);
	struct sock *sk = &as->inet.sk;

	bh_lock_sock(sk);
	if (sock_owned_by_user(sk)) {
		sk_reset_timer(sk, &as->rtx_timer, jiffies + HZ / 20);
		goto out;
	}

	switch (sk->sk_state) {
	case TCP_SYN_SENT:
	case TCP_SYN_RECV:
		if (as->retransmits >= atcp_syn_retries(sk)) {
			ATCP_INC_STATS(sock_net(sk), ATTEMPTFAILS);
			ATCP_INC_STATS(sock_net(sk), TIMEOUTS);
			atcp_abort(sk, ETIMEDOUT, false);
			break;
		}
		as->retransmits++;
		as->rto = min_t(u32, as->rto << 1, ATCP_RTO_MAX);
		atcp_send_ctl(sk, sk->sk_state == TCP_SYN_SENT ? TCPHDR_SYN :
			      TCPHDR_SYN | TCPHDR_ACK, as->iss);
		ATCP_INC_STATS(sock_net(sk), RETRANSSEGS);
		trace_atcp_retransmit_skb(sk, as->iss, as->retransmits);
		atcp_reset_rtx_timer(sk);
		break;
	default:
		break;
	}
out:
	bh_unlock_sock(sk);
	sock_put(sk);
}

/**
 * atcp_init_timers() - set up a socket's timers
 * @sk: a new socket, or a child fresh from sk_clone_lock()
 */
void atcp_init_timers(struct sock *sk)
{
	timer_setup(&atcp_sk(sk)->rtx_timer, atcp_rtx_timer, 0);
}
