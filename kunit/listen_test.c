// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the listener's queue accounting (module/listen.c), with
 * kernel sockets over the loopback device of init_net:
 *  - the SYN queue bound, min(max(backlog, 8), net.atcp.max_syn_backlog),
 *    and the accept queue bound, the backlog;
 *  - a full accept queue: as TCP (tcp_conn_request()), a new SYN is
 *    dropped and counted (ListenOverflows, ListenDrops) without a request;
 *    once accept() makes room, the client's SYN retransmission completes
 *    the connection.  (The final ACK meeting a full queue, which keeps
 *    its request, is tested by selftests/test_acceptq.sh.)
 *
 * Sockets are closed with SO_LINGER {1, 0}: RST, no orphan left behind.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/in.h>
#include <linux/net.h>
#include <net/ip.h>
#include <net/sock.h>

#include "atcp.h"

static struct socket *atcp_test_socket(struct kunit *test)
{
	struct socket *sock;
	int err;

	err = sock_create_kern(&init_net, AF_INET, SOCK_STREAM, atcp_proto,
			       &sock);
	KUNIT_ASSERT_EQ(test, err, 0);
	return sock;
}

/* Close with RST (SO_LINGER {1, 0}): nothing outlives the test. */
static void atcp_test_release(struct socket *sock)
{
	if (!sock)
		return;
	sock_no_linger(sock->sk);
	sock_release(sock);
}

/* A listener on 127.0.0.1, port chosen by the kernel. */
static struct socket *atcp_test_listener(struct kunit *test, int backlog,
					 struct sockaddr_in *addr)
{
	struct socket *sock = atcp_test_socket(test);
	int err;

	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	err = kernel_bind(sock, (struct atcp_sockaddr *)addr, sizeof(*addr));
	KUNIT_ASSERT_EQ(test, err, 0);
	err = kernel_listen(sock, backlog);
	KUNIT_ASSERT_EQ(test, err, 0);
	addr->sin_port = inet_sk(sock->sk)->inet_sport;
	return sock;
}

static unsigned long atcp_test_mib(int field)
{
	struct atcp_mib __percpu *mib = atcp_pernet(&init_net)->mib;
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(mib, cpu)->mibs[field]);
	return sum;
}

/* Wait up to @ms milliseconds for the accept queue to hold @n. */
static bool atcp_test_backlog_is(struct socket *ls, u32 n, unsigned int ms)
{
	unsigned int i;

	for (i = 0; i <= ms / 20; i++) {
		if (READ_ONCE(ls->sk->sk_ack_backlog) == n)
			return true;
		msleep(20);
	}
	return false;
}

/* Wait up to @ms milliseconds for ListenOverflows to pass @before. */
static bool atcp_test_overflowed(unsigned long before, unsigned int ms)
{
	unsigned int i;

	for (i = 0; i <= ms / 20; i++) {
		if (atcp_test_mib(ATCP_MIB_LISTENOVERFLOWS) > before)
			return true;
		msleep(20);
	}
	return false;
}

static u32 atcp_test_syn_qlen(struct socket *ls)
{
	struct sock *sk = ls->sk;
	u32 n;

	atcp_bh_lock_sock(sk);
	n = atcp_sk(sk)->lq ? atcp_sk(sk)->lq->syn_qlen : 0;
	atcp_bh_unlock_sock(sk);
	return n;
}

/* The two bounds follow the backlog and net.atcp.max_syn_backlog. */
static void atcp_queue_bounds_test(struct kunit *test)
{
	int max = READ_ONCE(atcp_pernet(&init_net)->max_syn_backlog);
	struct sockaddr_in addr;
	struct socket *ls;

	ls = atcp_test_listener(test, 5, &addr);
	KUNIT_EXPECT_EQ(test, atcp_sk(ls->sk)->lq->syn_max, 8U);
	KUNIT_EXPECT_EQ(test, READ_ONCE(ls->sk->sk_max_ack_backlog), 5U);
	KUNIT_EXPECT_EQ(test, READ_ONCE(ls->sk->sk_ack_backlog), 0U);
	atcp_test_release(ls);

	ls = atcp_test_listener(test, 100, &addr);
	KUNIT_EXPECT_EQ(test, atcp_sk(ls->sk)->lq->syn_max, 100U);
	atcp_test_release(ls);

	ls = atcp_test_listener(test, max + 1000, &addr);
	KUNIT_EXPECT_EQ(test, atcp_sk(ls->sk)->lq->syn_max, (u32)max);
	atcp_test_release(ls);
}

/*
 * Backlog 1: the accept queue takes two (full means more than the
 * backlog, as TCP); a third client's SYN is dropped until accept() makes
 * room, then its retransmission gets through.
 */
static void atcp_queue_overflow_test(struct kunit *test)
{
	struct socket *ls, *c[3] = { }, *a[3] = { };
	unsigned long overflows, drops;
	struct sockaddr_in addr;
	unsigned int i;
	int err;

	if (READ_ONCE(atcp_pernet(&init_net)->abort_on_overflow))
		kunit_skip(test, "net.atcp.abort_on_overflow is set");

	ls = atcp_test_listener(test, 1, &addr);
	overflows = atcp_test_mib(ATCP_MIB_LISTENOVERFLOWS);
	drops = atcp_test_mib(ATCP_MIB_LISTENDROPS);

	for (i = 0; i < 2; i++) {
		c[i] = atcp_test_socket(test);
		err = kernel_connect(c[i], (struct atcp_sockaddr *)&addr,
				     sizeof(addr), O_NONBLOCK);
		KUNIT_EXPECT_EQ(test, err, -EINPROGRESS);
	}
	KUNIT_EXPECT_TRUE(test, atcp_test_backlog_is(ls, 2, 3000));
	KUNIT_EXPECT_EQ(test, atcp_test_syn_qlen(ls), 0U);

	c[2] = atcp_test_socket(test);
	err = kernel_connect(c[2], (struct atcp_sockaddr *)&addr, sizeof(addr),
			     O_NONBLOCK);
	KUNIT_EXPECT_EQ(test, err, -EINPROGRESS);
	KUNIT_EXPECT_TRUE(test, atcp_test_overflowed(overflows, 3000));
	/* The SYN was dropped: no third child, no request either. */
	KUNIT_EXPECT_EQ(test, READ_ONCE(ls->sk->sk_ack_backlog), 2U);
	KUNIT_EXPECT_EQ(test, atcp_test_syn_qlen(ls), 0U);
	KUNIT_EXPECT_EQ(test, READ_ONCE(c[2]->sk->sk_state), TCP_SYN_SENT);
	KUNIT_EXPECT_GT(test, atcp_test_mib(ATCP_MIB_LISTENDROPS), drops);

	/* accept() makes room; the SYN retransmission (1 s) gets through. */
	err = kernel_accept(ls, &a[0], O_NONBLOCK);
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(ls->sk->sk_ack_backlog), 1U);
	KUNIT_EXPECT_TRUE(test, atcp_test_backlog_is(ls, 2, 5000));
	KUNIT_EXPECT_EQ(test, atcp_test_syn_qlen(ls), 0U);
	KUNIT_EXPECT_EQ(test, READ_ONCE(c[2]->sk->sk_state), TCP_ESTABLISHED);

	for (i = 1; i < 3; i++) {
		err = kernel_accept(ls, &a[i], O_NONBLOCK);
		KUNIT_EXPECT_EQ(test, err, 0);
	}
	KUNIT_EXPECT_EQ(test, READ_ONCE(ls->sk->sk_ack_backlog), 0U);

	for (i = 0; i < 3; i++) {
		atcp_test_release(c[i]);
		atcp_test_release(a[i]);
	}
	atcp_test_release(ls);
}

static struct kunit_case atcp_queue_cases[] = {
	KUNIT_CASE(atcp_queue_bounds_test),
	KUNIT_CASE(atcp_queue_overflow_test),
	{}
};

static struct kunit_suite atcp_queue_suite = {
	.name = "atcp_queues",
	.test_cases = atcp_queue_cases,
};

kunit_test_suite(atcp_queue_suite);
