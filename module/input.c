// SPDX-License-Identifier: GPL-2.0
/*
 * Receive path: segment validation, option parsing, demultiplexing, and
 * the RFC 9293 section 3.10.7 processing of each state.
 *
 * Validation follows TCP: a segment too short for its header, with a data
 * offset outside 5..15 or beyond the packet, or with a bad checksum
 * (computed exactly as TCP's, pseudo-header protocol 6) is dropped and
 * counted in InErrs (and InCsumErrors).  A segment no connection claims is
 * answered as RFC 9293 section 3.10.7.1 prescribes for CLOSED.
 */
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/ip.h>
#include <net/checksum.h>
#include <net/tcp.h>

#include "atcp.h"

/**
 * atcp_parse_options() - parse the options of a TCP header
 * @th: header; th->doff must already be validated against the packet
 * @opts: filled with the options found (zeroed first)
 *
 * Follows RFC 9293 section 3.1: EOL ends the list, NOP is one byte, every
 * other option carries a length that covers kind and length bytes.  A
 * known option with the wrong length is ignored, as Linux TCP does.  SACK
 * blocks are kept only when their length is 2 + 8 * n, n = 1..4.
 *
 * Return: 0, or -EINVAL when the list is malformed: an option length of
 * 0 or 1, or one that runs past the header.
 */
int atcp_parse_options(const struct tcphdr *th, struct atcp_opts *opts)
{
	const u8 *p = (const u8 *)(th + 1);
	int len = th->doff * 4 - sizeof(*th);

	memset(opts, 0, sizeof(*opts));

	while (len > 0) {
		u8 kind = *p;
		u8 size;

		if (kind == TCPOPT_EOL)
			return 0;
		if (kind == TCPOPT_NOP) {
			p++;
			len--;
			continue;
		}
		if (len < 2)
			return -EINVAL;
		size = p[1];
		if (size < 2 || size > len)
			return -EINVAL;

		switch (kind) {
		case TCPOPT_MSS:
			if (size == TCPOLEN_MSS)
				opts->mss = get_unaligned_be16(p + 2);
			break;
		case TCPOPT_WINDOW:
			if (size == TCPOLEN_WINDOW) {
				/* RFC 7323 2.3: a shift above 14 is used as 14 */
				opts->wscale = min_t(u8, p[2], TCP_MAX_WSCALE);
				opts->wscale_ok = true;
			}
			break;
		case TCPOPT_SACK_PERM:
			if (size == TCPOLEN_SACK_PERM)
				opts->sack_ok = true;
			break;
		case TCPOPT_TIMESTAMP:
			if (size == TCPOLEN_TIMESTAMP) {
				opts->ts_ok = true;
				opts->tsval = get_unaligned_be32(p + 2);
				opts->tsecr = get_unaligned_be32(p + 6);
			}
			break;
		case TCPOPT_SACK:
			if (size >= TCPOLEN_SACK_BASE + TCPOLEN_SACK_PERBLOCK &&
			    !((size - TCPOLEN_SACK_BASE) % TCPOLEN_SACK_PERBLOCK)) {
				int i, n = (size - TCPOLEN_SACK_BASE) /
					   TCPOLEN_SACK_PERBLOCK;

				n = min_t(int, n, ARRAY_SIZE(opts->sack));
				for (i = 0; i < n; i++) {
					const u8 *b = p + 2 + i * 8;

					opts->sack[i].start = get_unaligned_be32(b);
					opts->sack[i].end = get_unaligned_be32(b + 4);
				}
				opts->num_sacks = n;
			}
			break;
		default:
			/* Unknown options are skipped (RFC 9293 3.1). */
			break;
		}
		p += size;
		len -= size;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(atcp_parse_options);

/**
 * atcp_hdr_check() - validate the TCP header of a received segment
 * @skb: segment; skb->data points at the TCP header
 *
 * Makes the whole header (options included) linear and checks the data
 * offset.  Checksum validation is the caller's, as it needs the network
 * header.
 *
 * Return: 0, or -EINVAL for a truncated header or bad data offset.
 */
int atcp_hdr_check(struct sk_buff *skb)
{
	const struct tcphdr *th;
	unsigned int hlen;

	if (!pskb_may_pull(skb, sizeof(struct tcphdr)))
		return -EINVAL;
	th = (const struct tcphdr *)skb->data;
	hlen = th->doff * 4;
	if (hlen < sizeof(struct tcphdr) || hlen > skb->len)
		return -EINVAL;
	if (!pskb_may_pull(skb, hlen))
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(atcp_hdr_check);

/**
 * atcp_v4_rcv() - IPv4 protocol handler
 * @skb: received segment, skb->data at the transport header
 *
 * Return: 0 (the skb is always consumed).
 */
int atcp_v4_rcv(struct sk_buff *skb)
{
	struct net *net = dev_net(skb->dev);
	struct atcp_opts opts;

	if (skb->pkt_type != PACKET_HOST)
		goto discard;

	ATCP_INC_STATS(net, INSEGS);

	if (atcp_hdr_check(skb))
		goto bad;

	/* The checksum covers the pseudo-header with protocol 6 (TCP). */
	if (skb_checksum_init(skb, IPPROTO_TCP, inet_compute_pseudo))
		goto csum_error;
	if (skb_checksum_complete(skb))
		goto csum_error;

	if (atcp_parse_options(tcp_hdr(skb), &opts))
		goto bad;

	/* No connection claims the segment: RFC 9293 3.10.7.1, CLOSED. */
	ATCP_INC_STATS(net, NOSOCKET);
	atcp_v4_send_reset(net, skb);
	goto discard;

csum_error:
	ATCP_INC_STATS(net, INCSUMERRORS);
bad:
	ATCP_INC_STATS(net, INERRS);
discard:
	kfree_skb(skb);
	return 0;
}
