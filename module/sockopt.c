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

static int atcp_own_setsockopt(struct sock *sk, int optname, sockptr_t optval,
			       unsigned int optlen)
{
	struct atcp_sock *as = atcp_sk(sk);
	int val, err = 0;

	switch (optname) {
	case TCP_SYNCNT:
	case TCP_MAXSEG:
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
	}
	release_sock(sk);
	return err;
}

static int atcp_own_getsockopt(struct sock *sk, int optname,
			       char __user *optval, int __user *optlen)
{
	struct atcp_sock *as = atcp_sk(sk);
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
