// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for module/state.c: state names and the legal transitions.
 *
 * The expected edges are written here from the RFC 9293 section 3.3.2
 * diagram, independently of module/state.c, so a wrong or missing edge
 * there fails the exhaustive check.  Where ATCP, like Linux, departs from
 * the diagram, the edge is marked:
 *  - a listener never changes state on a SYN: the request becomes a child
 *    socket that starts in SYN_RECV, hence CLOSED -> SYN_RECV instead of
 *    LISTEN -> SYN_RECV, and no SYN_RECV -> LISTEN on RST;
 *  - SEND on a listener (LISTEN -> SYN_SENT) is not supported (connect()
 *    on a listening socket fails, as with TCP);
 *  - SYN_RECV -> CLOSE_WAIT: a FIN received in SYN-RECEIVED (RFC 9293
 *    3.10.7.4, eighth step);
 *  - every state may abort to CLOSED (RST, timeout, user ABORT).
 */
#include <kunit/test.h>
#include <net/tcp_states.h>

#include "atcp.h"

#define F(s)	(1U << (s))

struct atcp_state_case {
	int state;
	const char *name;
	u32 next;	/* states reachable in one transition */
};

static const struct atcp_state_case atcp_state_cases[] = {
	{ TCP_CLOSE, "CLOSED",
	  F(TCP_LISTEN) | F(TCP_SYN_SENT) | F(TCP_SYN_RECV) },
	{ TCP_LISTEN, "LISTEN",
	  F(TCP_CLOSE) },
	{ TCP_SYN_SENT, "SYN_SENT",
	  F(TCP_SYN_RECV) | F(TCP_ESTABLISHED) | F(TCP_CLOSE) },
	{ TCP_SYN_RECV, "SYN_RECV",
	  F(TCP_ESTABLISHED) | F(TCP_FIN_WAIT1) | F(TCP_CLOSE_WAIT) |
	  F(TCP_CLOSE) },
	{ TCP_ESTABLISHED, "ESTABLISHED",
	  F(TCP_FIN_WAIT1) | F(TCP_CLOSE_WAIT) | F(TCP_CLOSE) },
	{ TCP_FIN_WAIT1, "FIN_WAIT1",
	  F(TCP_FIN_WAIT2) | F(TCP_CLOSING) | F(TCP_TIME_WAIT) |
	  F(TCP_CLOSE) },
	{ TCP_FIN_WAIT2, "FIN_WAIT2",
	  F(TCP_TIME_WAIT) | F(TCP_CLOSE) },
	{ TCP_CLOSE_WAIT, "CLOSE_WAIT",
	  F(TCP_LAST_ACK) | F(TCP_CLOSE) },
	{ TCP_CLOSING, "CLOSING",
	  F(TCP_TIME_WAIT) | F(TCP_CLOSE) },
	{ TCP_LAST_ACK, "LAST_ACK",
	  F(TCP_CLOSE) },
	{ TCP_TIME_WAIT, "TIME_WAIT",
	  F(TCP_CLOSE) },
};

/* Values that are not connection states, and what they are. */
static const int atcp_not_states[] = {
	-1, 0, TCP_NEW_SYN_RECV, TCP_MAX_STATES, TCP_MAX_STATES + 1, 255,
	INT_MAX, INT_MIN,
};

static void atcp_state_case_desc(const struct atcp_state_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", c->name);
}

KUNIT_ARRAY_PARAM(atcp_state, atcp_state_cases, atcp_state_case_desc);

static void atcp_state_test_names(struct kunit *test)
{
	int i;

	KUNIT_EXPECT_EQ(test, ARRAY_SIZE(atcp_state_cases), (size_t)11);
	for (i = 0; i < ARRAY_SIZE(atcp_state_cases); i++)
		KUNIT_EXPECT_STREQ(test,
				   atcp_state_name(atcp_state_cases[i].state),
				   atcp_state_cases[i].name);
	for (i = 0; i < ARRAY_SIZE(atcp_not_states); i++)
		KUNIT_EXPECT_STREQ(test, atcp_state_name(atcp_not_states[i]),
				   "UNKNOWN");
}

/* Each edge of the diagram, spelled out. */
static void atcp_state_test_rfc_edges(struct kunit *test)
{
	static const int edges[][2] = {
		{ TCP_CLOSE, TCP_LISTEN },		/* passive OPEN */
		{ TCP_CLOSE, TCP_SYN_SENT },		/* active OPEN */
		{ TCP_LISTEN, TCP_CLOSE },		/* CLOSE */
		{ TCP_SYN_SENT, TCP_SYN_RECV },		/* rcv SYN */
		{ TCP_SYN_SENT, TCP_ESTABLISHED },	/* rcv SYN,ACK */
		{ TCP_SYN_RECV, TCP_ESTABLISHED },	/* rcv ACK of SYN */
		{ TCP_SYN_RECV, TCP_FIN_WAIT1 },	/* CLOSE */
		{ TCP_ESTABLISHED, TCP_FIN_WAIT1 },	/* CLOSE */
		{ TCP_ESTABLISHED, TCP_CLOSE_WAIT },	/* rcv FIN */
		{ TCP_FIN_WAIT1, TCP_FIN_WAIT2 },	/* rcv ACK of FIN */
		{ TCP_FIN_WAIT1, TCP_CLOSING },		/* rcv FIN */
		{ TCP_FIN_WAIT1, TCP_TIME_WAIT },	/* rcv FIN,ACK */
		{ TCP_FIN_WAIT2, TCP_TIME_WAIT },	/* rcv FIN */
		{ TCP_CLOSE_WAIT, TCP_LAST_ACK },	/* CLOSE */
		{ TCP_CLOSING, TCP_TIME_WAIT },		/* rcv ACK of FIN */
		{ TCP_LAST_ACK, TCP_CLOSE },		/* rcv ACK of FIN */
		{ TCP_TIME_WAIT, TCP_CLOSE },		/* 2 MSL timeout */
		{ TCP_CLOSE, TCP_SYN_RECV },		/* child of a request */
		{ TCP_SYN_RECV, TCP_CLOSE_WAIT },	/* rcv FIN */
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(edges); i++)
		KUNIT_EXPECT_TRUE_MSG(test,
				      atcp_state_transition_ok(edges[i][0],
							       edges[i][1]),
				      "%s -> %s",
				      atcp_state_name(edges[i][0]),
				      atcp_state_name(edges[i][1]));
}

/* RST, timeouts and ABORT take every other state to CLOSED. */
static void atcp_state_test_abort(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(atcp_state_cases); i++) {
		int s = atcp_state_cases[i].state;

		if (s == TCP_CLOSE)
			continue;
		KUNIT_EXPECT_TRUE_MSG(test,
				      atcp_state_transition_ok(s, TCP_CLOSE),
				      "%s -> CLOSED", atcp_state_name(s));
	}
}

/*
 * Parameterized by the source state: every destination, legal or not,
 * against the table above.  No state transitions to itself (that is not
 * a change, and atcp_set_state() ignores it).
 */
static void atcp_state_test_exhaustive(struct kunit *test)
{
	const struct atcp_state_case *c = test->param_value;
	int to;

	for (to = -1; to <= TCP_MAX_STATES; to++) {
		bool legal = to >= 0 && (c->next & F(to));

		KUNIT_EXPECT_EQ_MSG(test, atcp_state_transition_ok(c->state, to),
				    legal, "%s -> %s (%d)", c->name,
				    atcp_state_name(to), to);
	}
}

static void atcp_state_test_illegal(struct kunit *test)
{
	static const int edges[][2] = {
		{ TCP_CLOSE, TCP_ESTABLISHED },
		{ TCP_LISTEN, TCP_ESTABLISHED },
		{ TCP_LISTEN, TCP_SYN_RECV },
		{ TCP_LISTEN, TCP_SYN_SENT },
		{ TCP_TIME_WAIT, TCP_ESTABLISHED },
		{ TCP_TIME_WAIT, TCP_SYN_RECV },
		{ TCP_FIN_WAIT2, TCP_FIN_WAIT1 },
		{ TCP_FIN_WAIT2, TCP_CLOSING },
		{ TCP_LAST_ACK, TCP_TIME_WAIT },
		{ TCP_CLOSE_WAIT, TCP_FIN_WAIT1 },
		{ TCP_CLOSE_WAIT, TCP_ESTABLISHED },
		{ TCP_ESTABLISHED, TCP_SYN_SENT },
		{ TCP_ESTABLISHED, TCP_TIME_WAIT },
		{ TCP_SYN_SENT, TCP_FIN_WAIT1 },
		{ TCP_SYN_RECV, TCP_LISTEN },
		{ TCP_CLOSING, TCP_FIN_WAIT2 },
		{ TCP_ESTABLISHED, TCP_ESTABLISHED },
		{ TCP_CLOSE, TCP_CLOSE },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(edges); i++)
		KUNIT_EXPECT_FALSE_MSG(test,
				       atcp_state_transition_ok(edges[i][0],
								edges[i][1]),
				       "%s -> %s",
				       atcp_state_name(edges[i][0]),
				       atcp_state_name(edges[i][1]));
}

/* Values outside the state range, as source or destination. */
static void atcp_state_test_out_of_range(struct kunit *test)
{
	int i, j;

	for (i = 0; i < ARRAY_SIZE(atcp_not_states); i++) {
		int bad = atcp_not_states[i];

		for (j = 0; j < ARRAY_SIZE(atcp_state_cases); j++) {
			int s = atcp_state_cases[j].state;

			KUNIT_EXPECT_FALSE_MSG(test,
					       atcp_state_transition_ok(bad, s),
					       "%d -> %s", bad, atcp_state_name(s));
			KUNIT_EXPECT_FALSE_MSG(test,
					       atcp_state_transition_ok(s, bad),
					       "%s -> %d", atcp_state_name(s), bad);
		}
		KUNIT_EXPECT_FALSE(test, atcp_state_transition_ok(bad, bad));
	}
}

static struct kunit_case atcp_state_test_cases[] = {
	KUNIT_CASE(atcp_state_test_names),
	KUNIT_CASE(atcp_state_test_rfc_edges),
	KUNIT_CASE(atcp_state_test_abort),
	KUNIT_CASE_PARAM(atcp_state_test_exhaustive, atcp_state_gen_params),
	KUNIT_CASE(atcp_state_test_illegal),
	KUNIT_CASE(atcp_state_test_out_of_range),
	{}
};

static struct kunit_suite atcp_state_test_suite = {
	.name = "atcp_state",
	.test_cases = atcp_state_test_cases,
};

kunit_test_suite(atcp_state_test_suite);
