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

#include "atcp.h"

static bool atcp_is_own_level(int level)
{
	return level == SOL_TCP || level == atcp_proto;
}

static int atcp_own_setsockopt(struct sock *sk, int optname, sockptr_t optval,
			       unsigned int optlen)
{
	return -ENOPROTOOPT;
}

static int atcp_own_getsockopt(struct sock *sk, int optname,
			       char __user *optval, int __user *optlen)
{
	return -ENOPROTOOPT;
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
