// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for module/conn.c: what resetting a socket's connection
 * state (atcp_init_conn(), run by atcp_disconnect() for connect() after a
 * failure and connect(AF_UNSPEC)) may and may not touch; the buffers and
 * the window scale a new socket gets from net.atcp.rmem and wmem.
 */
#include <kunit/test.h>
#include <linux/jiffies.h>
#include <linux/log2.h>
#include <linux/net.h>
#include <linux/timer.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "atcp.h"

static int atcp_conn_test_init(struct kunit *test)
{
	struct socket *sock;
	int err;

	err = sock_create_kern(&init_net, PF_INET, SOCK_STREAM, IPPROTO_ATCP,
			       &sock);
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "ATCP socket (is atcp.ko loaded?)");
	test->priv = sock;
	return 0;
}

static void atcp_conn_test_exit(struct kunit *test)
{
	sock_release(test->priv);
}

/*
 * A timer handler that finds the socket owned re-arms itself (it retries
 * in ATCP_TIMER_RETRY); atcp_disconnect() stops the timers, then resets
 * the socket, and a handler may have re-armed one in between.  The reset
 * must leave that timer alone: timer_setup() on a pending timer unlinks
 * nothing and corrupts the timer wheel (DEBUG_OBJECTS_TIMERS reports
 * "ODEBUG: init active").  The timers are far in the future here so none
 * fires during the test.
 */
static void atcp_conn_test_reset_keeps_timers(struct kunit *test)
{
	struct sock *sk = ((struct socket *)test->priv)->sk;
	struct atcp_sock *as = atcp_sk(sk);

	lock_sock(sk);
	sk_reset_timer(sk, &as->ka_timer, jiffies + 3600 * HZ);
	sk_reset_timer(sk, &as->delack_timer, jiffies + 3600 * HZ);
	atcp_init_conn(sk);
	KUNIT_EXPECT_TRUE(test, timer_pending(&as->ka_timer));
	KUNIT_EXPECT_TRUE(test, timer_pending(&as->delack_timer));
	sk_stop_timer(sk, &as->ka_timer);
	sk_stop_timer(sk, &as->delack_timer);
	release_sock(sk);
}

/*
 * The window scale a SYN announces (atcp_select_wscale(), as
 * tcp_select_initial_window()): from net.atcp.rmem[2] (6 MiB: 7; the
 * 15 MiB of Linux's packetdrill defaults: 8), unless the core's rmem_max
 * is larger; from the buffer when SO_RCVBUF fixed it.  init_net's rmem
 * is changed for the test and restored.
 */
static void atcp_conn_test_wscale(struct kunit *test)
{
	struct sock *sk = ((struct socket *)test->priv)->sk;
	struct atcp_net *an = atcp_pernet(sock_net(sk));
	int saved = an->rmem[2];
	u32 rmem_max = READ_ONCE(sysctl_rmem_max);

	if (rmem_max > 6291456)
		kunit_skip(test, "net.core.rmem_max %u dominates", rmem_max);
	WRITE_ONCE(an->rmem[2], 6291456);
	KUNIT_EXPECT_EQ(test, atcp_select_wscale(sk), 7);
	WRITE_ONCE(an->rmem[2], 15728640);
	KUNIT_EXPECT_EQ(test, atcp_select_wscale(sk), 8);
	WRITE_ONCE(an->rmem[2], 4096);	/* rmem_max (212992 by default) */
	KUNIT_EXPECT_EQ(test, atcp_select_wscale(sk),
			clamp_t(int, ilog2(rmem_max) - 15, 0, 14));
	WRITE_ONCE(an->rmem[2], 15728640);
	lock_sock(sk);
	sk->sk_userlocks |= SOCK_RCVBUF_LOCK;
	WRITE_ONCE(sk->sk_rcvbuf, 131072);	/* SO_RCVBUF 65536 */
	KUNIT_EXPECT_EQ(test, atcp_select_wscale(sk), 1);
	release_sock(sk);
	WRITE_ONCE(an->rmem[2], saved);
}

/* A new socket's buffers are net.atcp.rmem[1] and wmem[1]. */
static void atcp_conn_test_buffers(struct kunit *test)
{
	struct sock *sk = ((struct socket *)test->priv)->sk;
	struct atcp_net *an = atcp_pernet(sock_net(sk));

	KUNIT_EXPECT_EQ(test, sk->sk_rcvbuf, an->rmem[1]);
	KUNIT_EXPECT_EQ(test, sk->sk_sndbuf, an->wmem[1]);
}

static struct kunit_case atcp_conn_test_cases[] = {
	KUNIT_CASE(atcp_conn_test_reset_keeps_timers),
	KUNIT_CASE(atcp_conn_test_wscale),
	KUNIT_CASE(atcp_conn_test_buffers),
	{}
};

static struct kunit_suite atcp_conn_test_suite = {
	.name = "atcp_conn",
	.init = atcp_conn_test_init,
	.exit = atcp_conn_test_exit,
	.test_cases = atcp_conn_test_cases,
};

kunit_test_suite(atcp_conn_test_suite);
