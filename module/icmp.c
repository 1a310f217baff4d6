// SPDX-License-Identifier: GPL-2.0
/*
 * ICMP and ICMPv6 errors about ATCP segments, as tcp_v4_err() and
 * tcp_v6_err() handle TCP's:
 *
 *  - The error quotes the IP header and the first 8 bytes of a segment we
 *    sent: its ports find the connection, and its sequence number must be
 *    in flight, SND.UNA <= SEG.SEQ < SND.NXT (RFC 5927 4.1), or the error
 *    is ignored (a forged ICMP has to guess it).
 *  - "Fragmentation needed" (RFC 1191) and ICMPv6 "packet too big"
 *    (RFC 8201) lower the route's path MTU (ipv4_update_pmtu(),
 *    ip6_update_pmtu()), then the connection's MSS: segments in flight
 *    that no longer fit are split and sent again at once, without
 *    counting a congestion event (as tcp_simple_retransmit()), and queued
 *    ones are split before they leave.  The MTU is taken no lower than
 *    the route layer takes it (net.ipv4.route.min_pmtu, 1280 for IPv6).
 *  - Other destination-unreachable, parameter-problem and time-exceeded
 *    errors (RFC 1122 4.2.3.9): a hard one (icmp_err_convert[] and
 *    icmpv6_err_convert() say which: protocol, port or host
 *    unreachable...) ends a connect() in SYN-SENT with its errno, so an
 *    ATCP SYN to a host without the module fails with ENOPROTOOPT rather
 *    than after every SYN retransmission.  Otherwise the error is kept as
 *    the soft error (sk_err_soft) that a connection which then times out
 *    reports instead of ETIMEDOUT; with IP_RECVERR / IPV6_RECVERR it is
 *    reported at once (sk_err) and the connection goes on.  An ACK that
 *    acknowledges new data clears it.
 *  - Redirects update the socket's route.
 *
 * A socket its owner holds cannot take a new MSS now: the change waits for
 * release_sock() (atcp_release_cb()).  Errors about SYN-ACKs of SYN queue
 * entries and about TIME-WAIT entries are ignored.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <net/icmp.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/route.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "atcp.h"

/*
 * The MSS a path MTU leaves: minus the IP and TCP headers and, once the
 * connection uses them, the timestamps every segment carries.
 */
static unsigned int atcp_mtu_to_mss(const struct sock *sk, u32 mtu)
{
	const struct atcp_sock *as = atcp_sk(sk);
	int mss = mtu - as->af_ops->net_header_len - sizeof(struct tcphdr);

	if (as->ts_ok && sk->sk_state != TCP_SYN_SENT)
		mss -= TCPOLEN_TSTAMP_ALIGNED;
	return max_t(int, mss, ATCP_MSS_MIN);
}

/**
 * atcp_pmtu_mss() - the send MSS a SYN's options allow on the path
 * @sk: the connecting socket
 * @mss: the MSS from the peer's option and our route
 *
 * Return: @mss, lowered to what a path MTU learned from an ICMP error
 * while the SYN was out allows.
 */
u16 atcp_pmtu_mss(const struct sock *sk, u16 mss)
{
	u32 pmtu = atcp_sk(sk)->pmtu;

	return pmtu ? min_t(unsigned int, mss, atcp_mtu_to_mss(sk, pmtu)) :
		      mss;
}

/**
 * atcp_mtu_reduced() - take a lower path MTU (as->mtu_info) into account
 * @sk: the socket, owned by the caller
 */
void atcp_mtu_reduced(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	u32 mtu = READ_ONCE(as->mtu_info);
	unsigned int mss;

	if ((1 << sk->sk_state) & (TCPF_LISTEN | TCPF_CLOSE))
		return;
	if (as->pmtu && mtu >= as->pmtu)
		return;
	as->pmtu = mtu;
	if (sk->sk_state == TCP_SYN_SENT)
		return;		/* the SYN-ACK's options apply it */
	mss = atcp_mtu_to_mss(sk, mtu);
	if (mss >= as->mss)
		return;
	as->mss = mss;
	atcp_simple_retransmit(sk);
}

/**
 * atcp_release_cb() - proto.release_cb: work an ICMP error left for the
 *	owner of the socket
 * @sk: the socket, still owned (release_sock())
 */
void atcp_release_cb(struct sock *sk)
{
	if (test_and_clear_bit(ATCP_MTU_REDUCED_DEFERRED,
			       &atcp_sk(sk)->deferred))
		atcp_mtu_reduced(sk);
}

/* A new path MTU for @sk, now or when its owner releases it. */
static void atcp_err_mtu(struct sock *sk, u32 mtu)
{
	WRITE_ONCE(atcp_sk(sk)->mtu_info, mtu);
	if (!sock_owned_by_user(sk))
		atcp_mtu_reduced(sk);
	else
		set_bit(ATCP_MTU_REDUCED_DEFERRED, &atcp_sk(sk)->deferred);
}

/* RFC 1122 4.2.3.9: hard errors abort a connection attempt only. */
static void atcp_err_report(struct sock *sk, int err, bool fatal,
			    bool recverr)
{
	if (sk->sk_state == TCP_SYN_SENT && fatal) {
		if (sock_owned_by_user(sk)) {
			WRITE_ONCE(sk->sk_err_soft, err);
			return;
		}
		ATCP_INC_STATS(sock_net(sk), ATTEMPTFAILS);
		atcp_abort(sk, err, false);
		return;
	}
	if (!sock_owned_by_user(sk) && recverr) {
		WRITE_ONCE(sk->sk_err, err);
		sk_error_report(sk);
	} else {
		WRITE_ONCE(sk->sk_err_soft, err);
	}
}

/* Is the quoted segment one we sent and is not acknowledged yet? */
static bool atcp_err_seq_ok(const struct sock *sk, u32 seq)
{
	const struct atcp_sock *as = atcp_sk(sk);

	return !atcp_seq_before(seq, as->snd_una) &&
	       atcp_seq_before(seq, as->snd_nxt);
}

/**
 * atcp_v4_err() - net_protocol.err_handler: an ICMP error about a segment
 * @skb: the ICMP message, skb->data at the quoted IPv4 header, of which
 *	the header and 8 bytes of the segment are there
 * @info: the next-hop MTU for "fragmentation needed"
 *
 * Return: 0, or -ENOENT when no connection sent the segment.
 */
int atcp_v4_err(struct sk_buff *skb, u32 info)
{
	const struct iphdr *iph = (const struct iphdr *)skb->data;
	const struct tcphdr *th = (const void *)(skb->data + (iph->ihl << 2));
	const int type = icmp_hdr(skb)->type;
	const int code = icmp_hdr(skb)->code;
	struct net *net = dev_net(skb->dev);
	struct in6_addr laddr, raddr;
	struct dst_entry *dst;
	bool fatal = false;
	struct sock *sk;
	int err = 0;

	ipv6_addr_set_v4mapped(iph->saddr, &laddr);
	ipv6_addr_set_v4mapped(iph->daddr, &raddr);
	sk = atcp_lookup_established(net, &laddr, ntohs(th->source), &raddr,
				     th->dest, inet_iif(skb));
	if (!sk) {
		__ICMP_INC_STATS(net, ICMP_MIB_INERRORS);
		return -ENOENT;
	}

	bh_lock_sock(sk);
	if (!atcp_err_seq_ok(sk, ntohl(th->seq)))
		goto out;

	switch (type) {
	case ICMP_REDIRECT:
		dst = __sk_dst_check(sk, 0);
		if (!sock_owned_by_user(sk) && dst)
			dst->ops->redirect(dst, sk, skb);
		goto out;
	case ICMP_DEST_UNREACH:
		if (code > NR_ICMP_UNREACH)
			goto out;
		if (code == ICMP_FRAG_NEEDED) {
			/* Not for segments sent without DF (IP_PMTUDISC_DONT),
			 * nor for IP_PMTUDISC_INTERFACE or _OMIT.
			 */
			if (!(iph->frag_off & htons(IP_DF)) ||
			    !ip_sk_accept_pmtu(sk))
				goto out;
			ipv4_update_pmtu(skb, net, info, sk->sk_bound_dev_if,
					 atcp_proto);
			atcp_err_mtu(sk, max(info,
					     READ_ONCE(net->ipv4.ip_rt_min_pmtu)));
			goto out;
		}
		err = icmp_err_convert[code].errno;
		fatal = icmp_err_convert[code].fatal;
		break;
	case ICMP_PARAMETERPROB:
		err = EPROTO;
		fatal = true;
		break;
	case ICMP_TIME_EXCEEDED:
		err = EHOSTUNREACH;
		break;
	default:
		goto out;
	}
	atcp_err_report(sk, err, fatal, atcp_recverr(sk));
out:
	bh_unlock_sock(sk);
	sock_put(sk);
	return 0;
}

#if IS_ENABLED(CONFIG_IPV6)
/**
 * atcp_v6_err() - inet6_protocol.err_handler: an ICMPv6 error about a
 *	segment
 * @skb: the ICMPv6 message, skb->data at the quoted IPv6 header
 * @opt: unused
 * @type: ICMPv6 type
 * @code: ICMPv6 code
 * @offset: where the quoted segment starts, from skb->data
 * @info: the MTU for "packet too big" (network order)
 *
 * Return: 0, or -ENOENT when no connection sent the segment.
 */
int atcp_v6_err(struct sk_buff *skb, struct inet6_skb_parm *opt, u8 type,
		u8 code, int offset, __be32 info)
{
	const struct ipv6hdr *hdr = (const struct ipv6hdr *)skb->data;
	const struct tcphdr *th = (const void *)(skb->data + offset);
	struct net *net = dev_net(skb->dev);
	struct dst_entry *dst;
	struct sock *sk;
	bool fatal;
	int err;

	sk = atcp_lookup_established(net, &hdr->saddr, ntohs(th->source),
				     &hdr->daddr, th->dest, inet6_iif(skb));
	if (!sk) {
		__ICMP6_INC_STATS(net, __in6_dev_get(skb->dev),
				  ICMP6_MIB_INERRORS);
		return -ENOENT;
	}

	bh_lock_sock(sk);
	if (!atcp_err_seq_ok(sk, ntohl(th->seq)))
		goto out;

	switch (type) {
	case NDISC_REDIRECT:
		dst = __sk_dst_check(sk, inet6_sk(sk)->dst_cookie);
		if (!sock_owned_by_user(sk) && dst)
			dst->ops->redirect(dst, sk, skb);
		goto out;
	case ICMPV6_PKT_TOOBIG:
		if (!ip6_sk_accept_pmtu(sk))
			goto out;
		ip6_update_pmtu(skb, net, info, sk->sk_bound_dev_if,
				READ_ONCE(sk->sk_mark), sk->sk_uid);
		atcp_err_mtu(sk, max_t(u32, ntohl(info), IPV6_MIN_MTU));
		goto out;
	}
	fatal = icmpv6_err_convert(type, code, &err);
	atcp_err_report(sk, err, fatal, atcp_recverr6(sk));
out:
	bh_unlock_sock(sk);
	sock_put(sk);
	return 0;
}
#endif
