// SPDX-License-Identifier: GPL-2.0
/*
 * setsockopt/getsockopt.  Options are accepted at level SOL_TCP and at
 * level IPPROTO_ATCP (the module's protocol number) with TCP's option
 * numbers; IP and IPv6 levels go to the generic inet code.  An option this
 * file does not implement fails with ENOPROTOOPT, never silently.
 */
#include <linux/tcp.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "atcp.h"

static bool atcp_is_own_level(int level)
{
	return level == SOL_TCP || level == atcp_proto;
}

/* TCP_CONGESTION: switch algorithms, keeping the window already earned. */
/**
 * atcp_cong_of() - the congestion control a socket uses or will use
 * @sk: the socket (no lock needed)
 *
 * Its own (TCP_CONGESTION, or chosen when it connected), else the
 * namespace's net.atcp.congestion_control.
 *
 * Return: the algorithm; never NULL.
 */
const struct atcp_cong_ops *atcp_cong_of(const struct sock *sk)
{
	return READ_ONCE(atcp_sk(sk)->cc_ops) ? :
	       READ_ONCE(atcp_pernet(sock_net(sk))->cc_default);
}

static int atcp_set_congestion(struct sock *sk, sockptr_t optval,
			       unsigned int optlen)
{
	struct atcp_sock *as = atcp_sk(sk);
	const struct atcp_cong_ops *ops;
	char name[ATCP_CA_NAME_MAX];
	u32 cwnd, ssthresh;

	if (optlen < 1)
		return -EINVAL;
	optlen = min_t(unsigned int, optlen, sizeof(name) - 1);
	if (copy_from_sockptr(name, optval, optlen))
		return -EFAULT;
	name[optlen] = 0;
	ops = atcp_cong_find(name);
	if (!ops)
		return -ENOENT;

	lock_sock(sk);
	cwnd = as->cc.cwnd;
	ssthresh = as->cc.ssthresh;
	WRITE_ONCE(as->cc_ops, ops);	/* sock_diag reads it unlocked */
	ops->init(&as->cc);
	if ((1 << sk->sk_state) & ~(TCPF_CLOSE | TCPF_LISTEN | TCPF_SYN_SENT)) {
		as->cc.cwnd = cwnd;
		as->cc.ssthresh = ssthresh;
	}
	release_sock(sk);
	return 0;
}

/* The keepalive timer follows a new TCP_KEEPIDLE at once (as TCP). */
static void atcp_keepidle_changed(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	unsigned long idle, when = atcp_keepalive_time(as);

	if (!sock_flag(sk, SOCK_KEEPOPEN) ||
	    (1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
		return;
	idle = jiffies - max(as->rcv_tstamp, as->lrcvtime);
	atcp_bh_lock_sock(sk);
	atcp_reset_keepalive_timer(sk, when > idle ? when - idle : 0);
	atcp_bh_unlock_sock(sk);
}

static int atcp_own_setsockopt(struct sock *sk, int optname, sockptr_t optval,
			       unsigned int optlen)
{
	struct atcp_sock *as = atcp_sk(sk);
	int val, err = 0;

	switch (optname) {
	case TCP_CONGESTION:
		return atcp_set_congestion(sk, optval, optlen);
	case TCP_SYNCNT:
	case TCP_MAXSEG:
	case TCP_NODELAY:
	case TCP_CORK:
	case TCP_KEEPIDLE:
	case TCP_KEEPINTVL:
	case TCP_KEEPCNT:
	case TCP_LINGER2:
	case TCP_USER_TIMEOUT:
	case TCP_QUICKACK:
		break;
	default:
		return -ENOPROTOOPT;
	}
	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;

	lock_sock(sk);
	switch (optname) {
	case TCP_SYNCNT:
		/* As TCP: 1..127 retransmissions of the SYN. */
		if (val < 1 || val > MAX_TCP_SYNCNT)
			err = -EINVAL;
		else
			WRITE_ONCE(as->syn_retries, val);
		break;
	case TCP_MAXSEG:
		/* As TCP: 0 clears; otherwise 88..65535 (TCP_MIN_MSS..). */
		if (val && (val < TCP_MIN_MSS || val > MAX_TCP_WINDOW))
			err = -EINVAL;
		else
			WRITE_ONCE(as->user_mss, val);
		break;
	case TCP_NODELAY:
		if (val) {
			as->nonagle |= ATCP_NAGLE_OFF;
			/* What Nagle held back goes now (tcp_sock_set_nodelay). */
			if (as->send_head)
				atcp_write_xmit(sk, ATCP_NAGLE_PUSH);
		} else {
			as->nonagle &= ~ATCP_NAGLE_OFF;
		}
		break;
	case TCP_CORK:
		if (val) {
			as->nonagle |= ATCP_NAGLE_CORK;
		} else {
			as->nonagle &= ~ATCP_NAGLE_CORK;
			/* Uncorking sends the partial segment under Nagle's
			 * rules, at once with TCP_NODELAY (__tcp_sock_set_cork).
			 */
			if (as->send_head)
				atcp_write_xmit(sk, as->nonagle & ATCP_NAGLE_OFF ?
					       ATCP_NAGLE_PUSH : 0);
		}
		break;
	case TCP_KEEPIDLE:
		if (val < 1 || val > MAX_TCP_KEEPIDLE) {
			err = -EINVAL;
		} else {
			WRITE_ONCE(as->keepidle, val);
			atcp_keepidle_changed(sk);
		}
		break;
	case TCP_KEEPINTVL:
		if (val < 1 || val > MAX_TCP_KEEPINTVL)
			err = -EINVAL;
		else
			WRITE_ONCE(as->keepintvl, val);
		break;
	case TCP_KEEPCNT:
		if (val < 1 || val > MAX_TCP_KEEPCNT)
			err = -EINVAL;
		else
			WRITE_ONCE(as->keepcnt, val);
		break;
	case TCP_LINGER2:
		/* < 0: no FIN-WAIT-2 for orphans; 0: fin_timeout; capped
		 * at two minutes, as TCP (TCP_FIN_TIMEOUT_MAX).
		 */
		WRITE_ONCE(as->linger2, val < 0 ? -1 :
			   min_t(int, val, TCP_FIN_TIMEOUT_MAX / HZ));
		break;
	case TCP_USER_TIMEOUT:
		if (val < 0)
			err = -EINVAL;
		else
			WRITE_ONCE(as->user_timeout, val);
		break;
	case TCP_QUICKACK:
		if (val) {
			as->quickack = ATCP_QUICKACK_SEGS;
			if ((as->ack_pending & ATCP_ACK_SCHED) &&
			    (1 << sk->sk_state) & ~(TCPF_CLOSE | TCPF_LISTEN |
						     TCPF_SYN_SENT))
				atcp_send_ack(sk);
		} else {
			as->quickack = 0;
		}
		break;
	}
	release_sock(sk);
	return err;
}

/**
 * atcp_get_info() - fill a struct tcp_info (TCP_INFO, sock_diag)
 * @sk: the socket; its lock is taken here
 * @info: filled; what ATCP does not track (pacing, delivery rate, busy
 *	time, ECN) is 0
 */
void atcp_get_info(struct sock *sk, struct tcp_info *info)
{
	const struct atcp_sock *as = atcp_sk(sk);
	struct dst_entry *dst;
	u32 now = jiffies;
	int state;
	bool slow;

	memset(info, 0, sizeof(*info));
	state = inet_sk_state_load(sk);
	info->tcpi_state = state;
	if (state == TCP_LISTEN) {
		/* As tcp_get_info(): the accept queue and its bound. */
		info->tcpi_unacked = READ_ONCE(sk->sk_ack_backlog);
		info->tcpi_sacked = READ_ONCE(sk->sk_max_ack_backlog);
		return;
	}

	slow = lock_sock_fast(sk);
	info->tcpi_ca_state = as->ca_state == ATCP_CA_RECOVERY ?
			      TCP_CA_Recovery : as->ca_state == ATCP_CA_LOSS ?
			      TCP_CA_Loss : TCP_CA_Open;
	info->tcpi_retransmits = as->retransmits;
	info->tcpi_probes = as->probes_out;
	info->tcpi_backoff = as->backoff;
	if (as->ts_ok)
		info->tcpi_options |= TCPI_OPT_TIMESTAMPS;
	if (as->sack_ok)
		info->tcpi_options |= TCPI_OPT_SACK;
	if (as->wscale_ok) {
		info->tcpi_options |= TCPI_OPT_WSCALE;
		info->tcpi_snd_wscale = as->snd_wscale;
		info->tcpi_rcv_wscale = as->rcv_wscale;
	}
	info->tcpi_rto = jiffies_to_usecs(as->rto);
	info->tcpi_ato = jiffies_to_usecs(ATCP_DELACK_MIN);
	info->tcpi_snd_mss = as->mss;
	info->tcpi_rcv_mss = as->rcv_mss ? : ATCP_MSS_DEFAULT;
	info->tcpi_unacked = as->packets_out;
	info->tcpi_sacked = as->sacked_out;
	info->tcpi_lost = as->lost_out;
	info->tcpi_retrans = as->retrans_out;
	info->tcpi_last_data_recv = jiffies_to_msecs(now - as->lrcvtime);
	info->tcpi_last_ack_recv = jiffies_to_msecs(now - as->rcv_tstamp);
	/* An ATCP socket has no inet_connection_sock: the route's MTU. */
	rcu_read_lock();
	dst = __sk_dst_get(sk);
	info->tcpi_pmtu = dst ? dst_mtu(dst) : 0;
	rcu_read_unlock();
	info->tcpi_rcv_ssthresh = as->rcv_wnd;
	info->tcpi_rtt = as->rtt.srtt_us;
	info->tcpi_rttvar = as->rtt.rttvar_us;
	info->tcpi_snd_ssthresh = as->cc.ssthresh;
	info->tcpi_snd_cwnd = as->cc.cwnd;
	info->tcpi_advmss = as->advmss;
	info->tcpi_reordering = 3;
	info->tcpi_rcv_space = as->rcv_wnd;
	info->tcpi_total_retrans = as->total_retrans;
	info->tcpi_bytes_acked = as->bytes_acked;
	info->tcpi_bytes_received = as->bytes_received;
	info->tcpi_segs_out = as->segs_out;
	info->tcpi_segs_in = as->segs_in;
	info->tcpi_notsent_bytes = as->write_seq - as->snd_nxt;
	info->tcpi_min_rtt = as->rtt.min_rtt_us;
	info->tcpi_bytes_sent = as->snd_nxt - as->iss - 1;
	info->tcpi_snd_wnd = as->snd_wnd;
#ifdef ATCP_HAVE_TCPI_RCV_WND
	info->tcpi_rcv_wnd = as->rcv_wnd;
#endif
	unlock_sock_fast(sk, slow);
}

static int atcp_own_getsockopt(struct sock *sk, int optname,
			       char __user *optval, int __user *optlen)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct tcp_info info;
	int val, len;

	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;

	switch (optname) {
	case TCP_SYNCNT:
		val = READ_ONCE(as->syn_retries) ? :
		      READ_ONCE(atcp_pernet(sock_net(sk))->syn_retries);
		break;
	case TCP_MAXSEG:
		/* The MSS in use once connected; before, the user's cap. */
		if ((1 << inet_sk_state_load(sk)) & (TCPF_CLOSE | TCPF_LISTEN))
			val = READ_ONCE(as->user_mss) ? : ATCP_MSS_DEFAULT;
		else
			val = READ_ONCE(as->mss);
		break;
	case TCP_NODELAY:
		val = !!(READ_ONCE(as->nonagle) & ATCP_NAGLE_OFF);
		break;
	case TCP_CORK:
		val = !!(READ_ONCE(as->nonagle) & ATCP_NAGLE_CORK);
		break;
	case TCP_KEEPIDLE:
		val = atcp_keepalive_time(as) / HZ;
		break;
	case TCP_KEEPINTVL:
		val = atcp_keepalive_intvl(as) / HZ;
		break;
	case TCP_KEEPCNT:
		val = atcp_keepalive_probes(as);
		break;
	case TCP_LINGER2:
		val = READ_ONCE(as->linger2);
		if (val >= 0)
			val = atcp_fin_time(sk) / HZ;
		break;
	case TCP_USER_TIMEOUT:
		val = READ_ONCE(as->user_timeout);
		break;
	case TCP_QUICKACK:
		val = READ_ONCE(as->quickack) > 0;
		break;
	case TCP_CONGESTION: {
		const struct atcp_cong_ops *ops = atcp_cong_of(sk);
		char name[ATCP_CA_NAME_MAX] = { };

		strscpy(name, ops->name, sizeof(name));
		len = min_t(unsigned int, len, sizeof(name));
		if (put_user(len, optlen) || copy_to_user(optval, name, len))
			return -EFAULT;
		return 0;
	}
	case TCP_INFO:
		atcp_get_info(sk, &info);
		len = min_t(unsigned int, len, sizeof(info));
		if (put_user(len, optlen) || copy_to_user(optval, &info, len))
			return -EFAULT;
		return 0;
	default:
		return -ENOPROTOOPT;
	}

	len = min_t(unsigned int, len, sizeof(int));
	if (put_user(len, optlen))
		return -EFAULT;
	if (copy_to_user(optval, &val, len))
		return -EFAULT;
	return 0;
}

/**
 * atcp_setsockopt() - sk_prot->setsockopt of AF_INET ATCP sockets
 * @sk: socket
 * @level: option level
 * @optname: option
 * @optval: value
 * @optlen: value length
 *
 * Return: 0 or a negative errno.
 */
int atcp_setsockopt(struct sock *sk, int level, int optname, sockptr_t optval,
		    unsigned int optlen)
{
	if (!atcp_is_own_level(level))
		return ip_setsockopt(sk, level, optname, optval, optlen);
	return atcp_own_setsockopt(sk, optname, optval, optlen);
}

/**
 * atcp_getsockopt() - sk_prot->getsockopt of AF_INET ATCP sockets
 * @sk: socket
 * @level: option level
 * @optname: option
 * @optval: user buffer
 * @optlen: user buffer length, updated
 *
 * Return: 0 or a negative errno.
 */
int atcp_getsockopt(struct sock *sk, int level, int optname,
		    char __user *optval, int __user *optlen)
{
	if (!atcp_is_own_level(level))
		return ip_getsockopt(sk, level, optname, optval, optlen);
	return atcp_own_getsockopt(sk, optname, optval, optlen);
}

#if IS_ENABLED(CONFIG_IPV6)
/**
 * atcpv6_setsockopt() - sk_prot->setsockopt of AF_INET6 ATCP sockets
 * @sk: socket
 * @level: option level
 * @optname: option
 * @optval: value
 * @optlen: value length
 *
 * Return: 0 or a negative errno.
 */
int atcpv6_setsockopt(struct sock *sk, int level, int optname,
		      sockptr_t optval, unsigned int optlen)
{
	if (!atcp_is_own_level(level))
		return ipv6_setsockopt(sk, level, optname, optval, optlen);
	return atcp_own_setsockopt(sk, optname, optval, optlen);
}

/**
 * atcpv6_getsockopt() - sk_prot->getsockopt of AF_INET6 ATCP sockets
 * @sk: socket
 * @level: option level
 * @optname: option
 * @optval: user buffer
 * @optlen: user buffer length, updated
 *
 * Return: 0 or a negative errno.
 */
int atcpv6_getsockopt(struct sock *sk, int level, int optname,
		      char __user *optval, int __user *optlen)
{
	if (!atcp_is_own_level(level))
		return ipv6_getsockopt(sk, level, optname, optval, optlen);
	return atcp_own_getsockopt(sk, optname, optval, optlen);
}
#endif
