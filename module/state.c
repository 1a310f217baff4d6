// SPDX-License-Identifier: GPL-2.0
/*
 * The RFC 9293 connection state machine: state names, the table of legal
 * transitions, and atcp_set_state(), the only place sk_state changes.
 *
 * States use the kernel's TCP_* values (as DCCP and MPTCP do), so the
 * generic inet code, sock_diag and user tools read them correctly.
 * Documentation/state-diagram.rst is generated from atcp_transitions[]
 * and a check fails when the two disagree.
 */
#include <linux/bug.h>
#include <net/tcp_states.h>
#include <net/sock.h>

#include "atcp.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

static const char * const atcp_state_names[TCP_MAX_STATES] = {
	[TCP_ESTABLISHED]	= "ESTABLISHED",
	[TCP_SYN_SENT]		= "SYN_SENT",
	[TCP_SYN_RECV]		= "SYN_RECV",
	[TCP_FIN_WAIT1]		= "FIN_WAIT1",
	[TCP_FIN_WAIT2]		= "FIN_WAIT2",
	[TCP_TIME_WAIT]		= "TIME_WAIT",
	[TCP_CLOSE]		= "CLOSED",
	[TCP_CLOSE_WAIT]	= "CLOSE_WAIT",
	[TCP_LAST_ACK]		= "LAST_ACK",
	[TCP_LISTEN]		= "LISTEN",
	[TCP_CLOSING]		= "CLOSING",
};

/*
 * atcp_transitions[from] is the set of states "from" may move to.  Every
 * edge of the RFC 9293 diagram is here, plus the aborts to CLOSED that
 * RST, timeouts and user ABORT cause in every state.  A request (SYN
 * queue entry) is not a socket: the child socket it becomes starts in
 * SYN_RECV and moves from there.
 */
static const u16 atcp_transitions[TCP_MAX_STATES] = {
	/* passive OPEN; active OPEN; a child created from a request */
	[TCP_CLOSE]		= TCPF_LISTEN | TCPF_SYN_SENT | TCPF_SYN_RECV,
	/* CLOSE */
	[TCP_LISTEN]		= TCPF_CLOSE,
	/* rcv SYN,ACK; rcv SYN (simultaneous open); timeout, RST, CLOSE */
	[TCP_SYN_SENT]		= TCPF_ESTABLISHED | TCPF_SYN_RECV |
				  TCPF_CLOSE,
	/* rcv ACK of SYN; CLOSE; rcv FIN; RST */
	[TCP_SYN_RECV]		= TCPF_ESTABLISHED | TCPF_FIN_WAIT1 |
				  TCPF_CLOSE_WAIT | TCPF_CLOSE,
	/* CLOSE; rcv FIN; abort */
	[TCP_ESTABLISHED]	= TCPF_FIN_WAIT1 | TCPF_CLOSE_WAIT | TCPF_CLOSE,
	/* rcv ACK of FIN; rcv FIN (simultaneous close); rcv FIN,ACK */
	[TCP_FIN_WAIT1]		= TCPF_FIN_WAIT2 | TCPF_CLOSING |
				  TCPF_TIME_WAIT | TCPF_CLOSE,
	/* rcv FIN; fin_timeout */
	[TCP_FIN_WAIT2]		= TCPF_TIME_WAIT | TCPF_CLOSE,
	/* CLOSE */
	[TCP_CLOSE_WAIT]	= TCPF_LAST_ACK | TCPF_CLOSE,
	/* rcv ACK of FIN */
	[TCP_CLOSING]		= TCPF_TIME_WAIT | TCPF_CLOSE,
	/* rcv ACK of FIN */
	[TCP_LAST_ACK]		= TCPF_CLOSE,
	/* 2 MSL timeout */
	[TCP_TIME_WAIT]		= TCPF_CLOSE,
};

/**
 * atcp_state_name() - printable name of a connection state
 * @state: a TCP_* state value
 *
 * Return: the RFC 9293 name ("SYN_RECV" for SYN-RECEIVED), or "UNKNOWN".
 */
const char *atcp_state_name(int state)
{
	if (state < 0 || state >= TCP_MAX_STATES || !atcp_state_names[state])
		return "UNKNOWN";
	return atcp_state_names[state];
}
EXPORT_SYMBOL_IF_KUNIT(atcp_state_name);

/**
 * atcp_state_transition_ok() - is a state change legal?
 * @from: current state
 * @to: proposed new state
 *
 * Return: true when the transition is an edge of the state diagram.
 */
bool atcp_state_transition_ok(int from, int to)
{
	if (from < 0 || from >= TCP_MAX_STATES ||
	    to < 0 || to >= TCP_MAX_STATES || !atcp_state_names[to])
		return false;
	return atcp_transitions[from] & (1 << to);
}
EXPORT_SYMBOL_IF_KUNIT(atcp_state_transition_ok);

/**
 * atcp_set_state() - move a socket to a new state
 * @sk: the socket, owned by the caller (socket lock or bh lock held)
 * @state: the new state
 *
 * Keeps CurrEstab in step (ESTABLISHED and CLOSE-WAIT connections, as
 * tcp_set_state() counts them), and fires the generic inet_sock_set_state
 * tracepoint.  An illegal transition is a bug in the caller: it WARNs once
 * and is counted, but the state is still set so teardown can proceed.
 */
void atcp_set_state(struct sock *sk, int state)
{
	int old = sk->sk_state;
	struct net *net = sock_net(sk);

	if (old == state)
		return;

	if (!atcp_state_transition_ok(old, state)) {
		WARN_ONCE(1, "atcp: illegal transition %s -> %s\n",
			  atcp_state_name(old), atcp_state_name(state));
		ATCP_INC_STATS(net, BADSTATECHANGE);
	}

	if (state == TCP_ESTABLISHED ||
	    (state == TCP_CLOSE_WAIT && old == TCP_SYN_RECV))
		ATCP_INC_STATS(net, CURRESTAB);
	else if ((old == TCP_ESTABLISHED && state != TCP_CLOSE_WAIT) ||
		 old == TCP_CLOSE_WAIT)
		ATCP_DEC_STATS(net, CURRESTAB);

	trace_atcp_set_state(sk, old, state);
	inet_sk_set_state(sk, state);
}
