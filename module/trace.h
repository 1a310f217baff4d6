/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ATCP tracepoints, under tracefs events/atcp/: state changes, resets sent
 * and received, retransmissions.  Addresses are recorded as IPv6, IPv4
 * ones IPv4-mapped, so one format serves both families.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM atcp

#if !defined(_ATCP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _ATCP_TRACE_H

#include <linux/tracepoint.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "atcp.h"

#define atcp_show_state(state)						\
	__print_symbolic(state,						\
		{ TCP_ESTABLISHED, "ESTABLISHED" },			\
		{ TCP_SYN_SENT, "SYN_SENT" },				\
		{ TCP_SYN_RECV, "SYN_RECV" },				\
		{ TCP_FIN_WAIT1, "FIN_WAIT1" },				\
		{ TCP_FIN_WAIT2, "FIN_WAIT2" },				\
		{ TCP_TIME_WAIT, "TIME_WAIT" },				\
		{ TCP_CLOSE, "CLOSED" },				\
		{ TCP_CLOSE_WAIT, "CLOSE_WAIT" },			\
		{ TCP_LAST_ACK, "LAST_ACK" },				\
		{ TCP_LISTEN, "LISTEN" },				\
		{ TCP_CLOSING, "CLOSING" })

DECLARE_EVENT_CLASS(atcp_sock_event,
	TP_PROTO(const struct sock *sk),
	TP_ARGS(sk),

	TP_STRUCT__entry(
		__field(const void *, skaddr)
		__field(__u16, family)
		__field(__u16, sport)
		__field(__u16, dport)
		__field(int, state)
		__array(__u8, saddr, 16)
		__array(__u8, daddr, 16)
	),

	TP_fast_assign(
		struct in6_addr l, r;

		atcp_sk_addrs(sk, &l, &r);
		__entry->skaddr = sk;
		__entry->family = sk->sk_family;
		__entry->sport = ntohs(inet_sk(sk)->inet_sport);
		__entry->dport = ntohs(inet_sk(sk)->inet_dport);
		__entry->state = sk->sk_state;
		memcpy(__entry->saddr, &l, 16);
		memcpy(__entry->daddr, &r, 16);
	),

	TP_printk("family=%s saddr=%pI6c sport=%hu daddr=%pI6c dport=%hu state=%s",
		  __entry->family == AF_INET6 ? "AF_INET6" : "AF_INET",
		  __entry->saddr, __entry->sport, __entry->daddr,
		  __entry->dport, atcp_show_state(__entry->state))
);

/* A RST was received and accepted: the connection is being reset. */
DEFINE_EVENT(atcp_sock_event, atcp_receive_reset,
	TP_PROTO(const struct sock *sk),
	TP_ARGS(sk)
);

TRACE_EVENT(atcp_set_state,
	TP_PROTO(const struct sock *sk, int oldstate, int newstate),
	TP_ARGS(sk, oldstate, newstate),

	TP_STRUCT__entry(
		__field(const void *, skaddr)
		__field(__u16, family)
		__field(__u16, sport)
		__field(__u16, dport)
		__field(int, oldstate)
		__field(int, newstate)
		__array(__u8, saddr, 16)
		__array(__u8, daddr, 16)
	),

	TP_fast_assign(
		struct in6_addr l, r;

		atcp_sk_addrs(sk, &l, &r);
		__entry->skaddr = sk;
		__entry->family = sk->sk_family;
		__entry->sport = ntohs(inet_sk(sk)->inet_sport);
		__entry->dport = ntohs(inet_sk(sk)->inet_dport);
		__entry->oldstate = oldstate;
		__entry->newstate = newstate;
		memcpy(__entry->saddr, &l, 16);
		memcpy(__entry->daddr, &r, 16);
	),

	TP_printk("family=%s saddr=%pI6c sport=%hu daddr=%pI6c dport=%hu oldstate=%s newstate=%s",
		  __entry->family == AF_INET6 ? "AF_INET6" : "AF_INET",
		  __entry->saddr, __entry->sport, __entry->daddr,
		  __entry->dport, atcp_show_state(__entry->oldstate),
		  atcp_show_state(__entry->newstate))
);

/* A segment was retransmitted by a connection's timer. */
TRACE_EVENT(atcp_retransmit_skb,
	TP_PROTO(const struct sock *sk, u32 seq, u8 retransmits),
	TP_ARGS(sk, seq, retransmits),

	TP_STRUCT__entry(
		__field(const void *, skaddr)
		__field(__u16, sport)
		__field(__u16, dport)
		__field(__u32, seq)
		__field(__u8, retransmits)
		__field(int, state)
		__array(__u8, saddr, 16)
		__array(__u8, daddr, 16)
	),

	TP_fast_assign(
		struct in6_addr l, r;

		atcp_sk_addrs(sk, &l, &r);
		__entry->skaddr = sk;
		__entry->sport = ntohs(inet_sk(sk)->inet_sport);
		__entry->dport = ntohs(inet_sk(sk)->inet_dport);
		__entry->seq = seq;
		__entry->retransmits = retransmits;
		__entry->state = sk->sk_state;
		memcpy(__entry->saddr, &l, 16);
		memcpy(__entry->daddr, &r, 16);
	),

	TP_printk("saddr=%pI6c sport=%hu daddr=%pI6c dport=%hu seq=%u retransmits=%u state=%s",
		  __entry->saddr, __entry->sport, __entry->daddr,
		  __entry->dport, __entry->seq, __entry->retransmits,
		  atcp_show_state(__entry->state))
);

/* A RST was sent: by a connection (sk set) or for no connection. */
TRACE_EVENT(atcp_send_reset,
	TP_PROTO(const struct sock *sk, const struct in6_addr *saddr,
		 const struct in6_addr *daddr, __be16 sport, __be16 dport,
		 u32 seq, u32 ack_seq),
	TP_ARGS(sk, saddr, daddr, sport, dport, seq, ack_seq),

	TP_STRUCT__entry(
		__field(const void *, skaddr)
		__field(__u16, sport)
		__field(__u16, dport)
		__field(__u32, seq)
		__field(__u32, ack_seq)
		__field(int, state)
		__array(__u8, saddr, 16)
		__array(__u8, daddr, 16)
	),

	TP_fast_assign(
		__entry->skaddr = sk;
		__entry->sport = ntohs(sport);
		__entry->dport = ntohs(dport);
		__entry->seq = seq;
		__entry->ack_seq = ack_seq;
		__entry->state = sk ? sk->sk_state : TCP_CLOSE;
		memcpy(__entry->saddr, saddr, 16);
		memcpy(__entry->daddr, daddr, 16);
	),

	TP_printk("saddr=%pI6c sport=%hu daddr=%pI6c dport=%hu seq=%u ack=%u state=%s",
		  __entry->saddr, __entry->sport, __entry->daddr,
		  __entry->dport, __entry->seq, __entry->ack_seq,
		  atcp_show_state(__entry->state))
);

#endif /* _ATCP_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
