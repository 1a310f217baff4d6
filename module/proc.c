// SPDX-License-Identifier: GPL-2.0
/*
 * The per-namespace /proc/net files of ATCP:
 *
 *  - atcp_stat: counters in the two-line "Atcp: names" / "Atcp: values"
 *    format that nstat and netstat -s read;
 *  - atcp, atcp6: one line per socket and per SYN queue entry, in exactly
 *    the format of /proc/net/tcp and /proc/net/tcp6 (tcp4_seq_show() and
 *    tcp6_seq_show()), so that tools parsing those read these unchanged.
 *
 * atcp lists AF_INET sockets and the requests of AF_INET listeners; atcp6
 * lists AF_INET6 sockets (IPv4-mapped peers included, printed as IPv6, as
 * tcp6 does) and the requests of AF_INET6 listeners.  Each listener is
 * followed by its requests (state 03, SYN_RECV), then come the connected
 * sockets.  Where TCP prints a field ATCP has no equivalent for yet, the
 * value TCP prints for a socket in that condition is printed.
 *
 * Each file is produced whole by one show function (seq_file retries with
 * a bigger buffer when it does not fit).  Connected sockets are printed
 * from atcp_walk_socks(), under the table locks.  A listener's SYN
 * queue may only be walked by the listener's owner (segments queued while
 * it was owned are processed without its spinlock), so listeners are
 * collected first, each with a reference, and then printed one at a time
 * under lock_sock().
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <net/inet_sock.h>
#include <net/ip.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "atcp.h"

static const char * const atcp_mib_names[] = {
	[ATCP_MIB_ACTIVEOPENS]		= "ActiveOpens",
	[ATCP_MIB_PASSIVEOPENS]		= "PassiveOpens",
	[ATCP_MIB_ATTEMPTFAILS]		= "AttemptFails",
	[ATCP_MIB_ESTABRESETS]		= "EstabResets",
	[ATCP_MIB_CURRESTAB]		= "CurrEstab",
	[ATCP_MIB_INSEGS]		= "InSegs",
	[ATCP_MIB_OUTSEGS]		= "OutSegs",
	[ATCP_MIB_RETRANSSEGS]		= "RetransSegs",
	[ATCP_MIB_INERRS]		= "InErrs",
	[ATCP_MIB_OUTRSTS]		= "OutRsts",
	[ATCP_MIB_INCSUMERRORS]		= "InCsumErrors",
	[ATCP_MIB_NOSOCKET]		= "NoSocket",
	[ATCP_MIB_LISTENOVERFLOWS]	= "ListenOverflows",
	[ATCP_MIB_LISTENDROPS]		= "ListenDrops",
	[ATCP_MIB_SYNCOOKIESSENT]	= "SyncookiesSent",
	[ATCP_MIB_SYNCOOKIESRECV]	= "SyncookiesRecv",
	[ATCP_MIB_SYNCOOKIESFAILED]	= "SyncookiesFailed",
	[ATCP_MIB_TW]			= "TW",
	[ATCP_MIB_TIMEWAITOVERFLOW]	= "TimeWaitOverflow",
	[ATCP_MIB_TIMEOUTS]		= "Timeouts",
	[ATCP_MIB_KEEPALIVETIMEOUTS]	= "KeepaliveTimeouts",
	[ATCP_MIB_ABORTONDATA]		= "AbortOnData",
	[ATCP_MIB_ABORTONCLOSE]		= "AbortOnClose",
	[ATCP_MIB_ABORTONMEMORY]	= "AbortOnMemory",
	[ATCP_MIB_ABORTONTIMEOUT]	= "AbortOnTimeout",
	[ATCP_MIB_ABORTONLINGER]	= "AbortOnLinger",
	[ATCP_MIB_CHALLENGEACK]		= "ChallengeACK",
	[ATCP_MIB_ACKSKIPPEDCHALLENGE]	= "ACKSkippedChallenge",
	[ATCP_MIB_ACKSKIPPEDSEQ]	= "ACKSkippedSeq",
	[ATCP_MIB_ACKSKIPPEDPAWS]	= "ACKSkippedPAWS",
	[ATCP_MIB_ACKSKIPPEDTIMEWAIT]	= "ACKSkippedTimeWait",
	[ATCP_MIB_ACKSKIPPEDSYNRECV]	= "ACKSkippedSynRecv",
	[ATCP_MIB_BADSTATECHANGE]	= "BadStateChange",
	[ATCP_MIB_DELAYEDACKS]		= "DelayedACKs",
	[ATCP_MIB_PAWSESTAB]		= "PAWSEstab",
	[ATCP_MIB_FASTRETRANS]		= "FastRetrans",
	[ATCP_MIB_SACKRECOVERY]		= "SackRecovery",
	[ATCP_MIB_RENORECOVERY]		= "RenoRecovery",
	[ATCP_MIB_OFOQUEUE]		= "OFOQueue",
	[ATCP_MIB_OFOPRUNED]		= "OfoPruned",
	[ATCP_MIB_WINPROBE]		= "WinProbe",
	[ATCP_MIB_KEEPALIVE]		= "KeepAlive",
	[ATCP_MIB_RCVQDROP]		= "RcvQDrop",
	[ATCP_MIB_BACKLOGDROP]		= "BacklogDrop",
};

static_assert(ARRAY_SIZE(atcp_mib_names) == ATCP_MIB_MAX);

/* snmp_fold_field() is not exported on mainline (7.x). */
static long atcp_mib_fold(struct atcp_mib __percpu *mib, int field)
{
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += snmp_get_cpu_field(mib, cpu, field);
	return sum;
}

static int atcp_stat_show(struct seq_file *seq, void *v)
{
	struct net *net = seq_file_single_net(seq);
	struct atcp_mib __percpu *mib = atcp_pernet(net)->mib;
	int i;

	seq_puts(seq, "Atcp:");
	for (i = 0; i < ATCP_MIB_MAX; i++)
		seq_printf(seq, " %s", atcp_mib_names[i]);
	seq_puts(seq, "\nAtcp:");
	/* CurrEstab is a gauge: per-cpu parts may be negative. */
	for (i = 0; i < ATCP_MIB_MAX; i++)
		seq_printf(seq, " %ld", atcp_mib_fold(mib, i));
	seq_putc(seq, '\n');
	return 0;
}

/*
 * /proc/net/atcp_sockstat: the "TCP:" line of /proc/net/sockstat for
 * ATCP.  inuse counts listening and connected sockets (both families),
 * orphan the closed ones still finishing their FIN handshake, tw the
 * TIME-WAIT objects, mem the pages charged to ATCP sockets (all
 * namespaces, as TCP's).
 */
static int atcp_sockstat_show(struct seq_file *seq, void *v)
{
	struct net *net = seq_file_single_net(seq);
	struct atcp_net *an = atcp_pernet(net);

	seq_printf(seq, "ATCP: inuse %d orphan %d tw %d mem %ld\n",
		   atcp_sockets_inuse(net), atomic_read(&an->orphans),
		   atomic_read(&an->tw_count),
		   atomic_long_read(&atcp_memory_allocated));
	return 0;
}

/* /proc/net/tcp pads every IPv4 line to TMPSZ - 1 characters. */
#define ATCP_PROC4_WIDTH	149

/**
 * struct atcp_proc_sock - the fields of a socket's line after the addresses
 * @state: TCP_* state
 * @tx_queue: bytes sent and not yet acknowledged
 * @rx_queue: bytes to read; for a listener, its accept queue length
 * @timer: "tr" code
 * @when: clock ticks until that timer fires
 * @retrans: consecutive retransmissions
 * @probes: unanswered keepalive or zero-window probes (TCP's "timeout")
 * @uid: owner, in the reader's user namespace
 * @inode: socket inode number, 0 once orphaned
 * @refcnt: socket references
 * @rto: retransmission timeout, clock ticks
 * @ssthresh: TCP's last column: fast open queue bound for listeners,
 *	slow start threshold (-1 while in initial slow start) for others
 */
struct atcp_proc_sock {
	int state;
	u32 tx_queue;
	u32 rx_queue;
	int timer;
	clock_t when;
	u8 retrans;
	u8 probes;
	uid_t uid;
	u64 inode;
	unsigned int refcnt;
	clock_t rto;
	int ssthresh;
};

static void atcp_proc_sock_fields(struct seq_file *seq, struct sock *sk,
				  struct atcp_proc_sock *f)
{
	const struct atcp_sock *as = atcp_sk(sk);
	unsigned long expires;

	f->timer = atcp_pending_timer(as, &expires);
	f->when = jiffies_delta_to_clock_t(expires - jiffies);

	f->state = inet_sk_state_load(sk);
	if (f->state == TCP_LISTEN) {
		f->tx_queue = 0;
		f->rx_queue = READ_ONCE(sk->sk_ack_backlog);
		/* No TCP_FASTOPEN: TCP shows a fast open queue bound of 0. */
		f->ssthresh = 0;
	} else {
		atcp_sock_queues(sk, &f->rx_queue, &f->tx_queue);
		f->ssthresh = as->cc.ssthresh >= ATCP_INFINITE_SSTHRESH ? -1 :
			      as->cc.ssthresh;
	}
	f->retrans = READ_ONCE(as->retransmits);
	f->probes = READ_ONCE(as->probes_out);
	/* What tcp prints since sock_i_uid() gave way to sk_uid() (6.16). */
	f->uid = from_kuid_munged(seq_user_ns(seq), READ_ONCE(sk->sk_uid));
	f->inode = sock_i_ino(sk);
	f->refcnt = refcount_read(&sk->sk_refcnt);
	f->rto = jiffies_to_clock_t(READ_ONCE(as->rto));
}

/*
 * The columns after "inode" that tcp shows for full sockets only: ato
 * (the delayed ACK timeout), quick-ACK segments left << 1 (ATCP has no
 * ping-pong mode), cwnd and ssthresh.
 */
static void atcp_proc_sock_tail(struct seq_file *seq, struct sock *sk,
				const struct atcp_proc_sock *f)
{
	const struct atcp_sock *as = atcp_sk(sk);

	bool listen = f->state == TCP_LISTEN;

	/* A listener shows TCP's: no ato, the initial window. */
	seq_printf(seq, " %d %pK %lu %lu %u %u %d",
		   f->refcnt, sk, f->rto,
		   listen ? 0UL :
		   (unsigned long)jiffies_to_clock_t(ATCP_DELACK_MIN),
		   listen ? 0U : (unsigned int)READ_ONCE(as->quickack) << 1,
		   listen ? ATCP_INIT_CWND : READ_ONCE(as->cc.cwnd),
		   f->ssthresh);
}

static void atcp4_sock_show(struct seq_file *seq, struct sock *sk, int num)
{
	const struct inet_sock *inet = inet_sk(sk);
	struct atcp_proc_sock f;

	atcp_proc_sock_fields(seq, sk, &f);
	seq_setwidth(seq, ATCP_PROC4_WIDTH);
	seq_printf(seq, "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %llu",
		   num, inet->inet_rcv_saddr, ntohs(inet->inet_sport),
		   inet->inet_daddr, ntohs(inet->inet_dport), f.state,
		   f.tx_queue, f.rx_queue, f.timer, f.when, f.retrans, f.uid,
		   f.probes, f.inode);
	atcp_proc_sock_tail(seq, sk, &f);
	seq_pad(seq, '\n');
}

#if IS_ENABLED(CONFIG_IPV6)
static void atcp6_sock_show(struct seq_file *seq, struct sock *sk, int num)
{
	const struct in6_addr *src = &sk->sk_v6_rcv_saddr;
	const struct in6_addr *dst = &sk->sk_v6_daddr;
	const struct inet_sock *inet = inet_sk(sk);
	struct atcp_proc_sock f;

	atcp_proc_sock_fields(seq, sk, &f);
	seq_printf(seq, "%4d: %08X%08X%08X%08X:%04X %08X%08X%08X%08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %llu",
		   num, src->s6_addr32[0], src->s6_addr32[1],
		   src->s6_addr32[2], src->s6_addr32[3],
		   ntohs(inet->inet_sport), dst->s6_addr32[0],
		   dst->s6_addr32[1], dst->s6_addr32[2], dst->s6_addr32[3],
		   ntohs(inet->inet_dport), f.state, f.tx_queue, f.rx_queue,
		   f.timer, f.when, f.retrans, f.uid,
		   f.probes, f.inode);
	atcp_proc_sock_tail(seq, sk, &f);
	seq_putc(seq, '\n');
}
#endif

/* A SYN queue entry, as get_openreq4() and get_openreq6() show one. */
static void atcp_req_show(struct seq_file *seq, const struct sock *lsk,
			  const struct atcp_request *req, int num)
{
	const struct in6_addr *src = &req->laddr, *dst = &req->raddr;
	long delta = READ_ONCE(req->timer.expires) - jiffies;
	uid_t uid;

	uid = from_kuid_munged(seq_user_ns(seq), READ_ONCE(lsk->sk_uid));
	if (lsk->sk_family == AF_INET) {
		seq_setwidth(seq, ATCP_PROC4_WIDTH);
		seq_printf(seq, "%4d: %08X:%04X %08X:%04X",
			   num, src->s6_addr32[3], ntohs(req->lport),
			   dst->s6_addr32[3], ntohs(req->rport));
	} else {
		seq_printf(seq, "%4d: %08X%08X%08X%08X:%04X %08X%08X%08X%08X:%04X",
			   num, src->s6_addr32[0], src->s6_addr32[1],
			   src->s6_addr32[2], src->s6_addr32[3],
			   ntohs(req->lport), dst->s6_addr32[0],
			   dst->s6_addr32[1], dst->s6_addr32[2],
			   dst->s6_addr32[3], ntohs(req->rport));
	}
	/*
	 * No queues; the SYN-ACK timer is always shown (TCP: "only the
	 * expire timer"); no "timeout", no inode, no reference count.
	 */
	seq_printf(seq, " %02X %08X:%08X %02X:%08lX %08X %5u %8d %u %d %pK",
		   TCP_SYN_RECV, 0, 0, ATCP_SHOW_TIMER_RETRANS,
		   jiffies_delta_to_clock_t(delta), req->retrans, uid, 0, 0,
		   0, req);
	if (lsk->sk_family == AF_INET)
		seq_pad(seq, '\n');
	else
		seq_putc(seq, '\n');
}

/**
 * struct atcp_proc_iter - state of one reading of /proc/net/atcp{,6}
 * @seq: the file being produced
 * @family: AF_INET or AF_INET6: which sockets belong in it
 * @num: the next line number ("sl")
 * @lsks: listeners collected, a reference held on each
 * @nlsk: number of them in @lsks
 * @max: room in @lsks
 * @wanted: listeners found, including those there was no room for
 */
struct atcp_proc_iter {
	struct seq_file *seq;
	int family;
	int num;
	struct sock **lsks;
	unsigned int nlsk;
	unsigned int max;
	unsigned int wanted;
};

static void atcp_proc_collect(struct sock *sk, void *arg)
{
	struct atcp_proc_iter *it = arg;

	if (sk->sk_family != it->family || sk->sk_state != TCP_LISTEN)
		return;
	if (it->nlsk < it->max) {
		sock_hold(sk);		/* safe: the table holds one */
		it->lsks[it->nlsk++] = sk;
	}
	it->wanted++;
}

static void atcp_proc_put_listeners(struct atcp_proc_iter *it)
{
	while (it->nlsk)
		sock_put(it->lsks[--it->nlsk]);
}

/* Take a reference on every listener of the file's family. */
static int atcp_proc_get_listeners(struct net *net, struct atcp_proc_iter *it)
{
	unsigned int max = 16;

	for (;;) {
		it->lsks = kvmalloc_array(max, sizeof(*it->lsks), GFP_KERNEL);
		if (!it->lsks)
			return -ENOMEM;
		it->max = max;
		it->nlsk = 0;
		it->wanted = 0;
		atcp_walk_socks(net, atcp_proc_collect, it);
		if (it->wanted <= it->max)
			return 0;
		/* More listeners than room: retry with enough room. */
		atcp_proc_put_listeners(it);
		kvfree(it->lsks);
		max = roundup_pow_of_two(it->wanted + 1);
	}
}

static void atcp_proc_req(const struct sock *lsk,
			  const struct atcp_request *req, void *arg)
{
	struct atcp_proc_iter *it = arg;

	if (seq_has_overflowed(it->seq))
		return;
	/* An AF_INET listener only ever holds IPv4(-mapped) requests. */
	if (lsk->sk_family == AF_INET && !ipv6_addr_v4mapped(&req->laddr))
		return;
	atcp_req_show(it->seq, lsk, req, it->num++);
}

static void atcp_proc_show_sock(struct atcp_proc_iter *it, struct sock *sk)
{
#if IS_ENABLED(CONFIG_IPV6)
	if (it->family == AF_INET6) {
		atcp6_sock_show(it->seq, sk, it->num++);
		return;
	}
#endif
	atcp4_sock_show(it->seq, sk, it->num++);
}

/* A listener and its SYN queue. */
static void atcp_proc_show_listener(struct atcp_proc_iter *it,
				    struct sock *lsk)
{
	/*
	 * Owning the listener keeps its SYN queue still: segments go to
	 * its backlog, request timers retry later.
	 */
	lock_sock(lsk);
	if (lsk->sk_state == TCP_LISTEN) {
		atcp_proc_show_sock(it, lsk);
		atcp_walk_requests(lsk, atcp_proc_req, it);
	}
	release_sock(lsk);
}

static void atcp_proc_conn(struct sock *sk, void *arg)
{
	struct atcp_proc_iter *it = arg;

	if (sk->sk_family != it->family || sk->sk_state == TCP_LISTEN ||
	    seq_has_overflowed(it->seq))
		return;
	atcp_proc_show_sock(it, sk);
}

/* A TIME-WAIT object, as get_timewait4_sock() / get_timewait6_sock(). */
static bool atcp_proc_tw(const struct atcp_tw *tw,
			 const struct atcp_walk_pos *pos, void *arg)
{
	struct atcp_proc_iter *it = arg;
	const struct in6_addr *src = &tw->laddr, *dst = &tw->raddr;
	long delta = READ_ONCE(tw->timer.expires) - jiffies;
	struct seq_file *seq = it->seq;

	if (seq_has_overflowed(seq))
		return true;
	if (tw->family != it->family)
		return false;
	if (tw->family == AF_INET) {
		seq_setwidth(seq, ATCP_PROC4_WIDTH);
		seq_printf(seq, "%4d: %08X:%04X %08X:%04X",
			   it->num++, src->s6_addr32[3], tw->lport,
			   dst->s6_addr32[3], ntohs(tw->rport));
	} else {
		seq_printf(seq, "%4d: %08X%08X%08X%08X:%04X %08X%08X%08X%08X:%04X",
			   it->num++, src->s6_addr32[0], src->s6_addr32[1],
			   src->s6_addr32[2], src->s6_addr32[3], tw->lport,
			   dst->s6_addr32[0], dst->s6_addr32[1],
			   dst->s6_addr32[2], dst->s6_addr32[3],
			   ntohs(tw->rport));
	}
	seq_printf(seq, " %02X %08X:%08X %02X:%08lX %08X %5d %8d %d %d %pK",
		   TCP_TIME_WAIT, 0, 0, ATCP_SHOW_TIMER_TIMEWAIT,
		   jiffies_delta_to_clock_t(delta), 0, 0, 0, 0,
		   refcount_read(&tw->refcnt), tw);
	if (tw->family == AF_INET)
		seq_pad(seq, '\n');
	else
		seq_putc(seq, '\n');
	return false;
}

static int atcp_proc_show(struct seq_file *seq, int family)
{
	struct atcp_proc_iter it = {
		.seq	= seq,
		.family	= family,
	};
	struct net *net = seq_file_single_net(seq);
	struct atcp_walk_pos tw_pos = {};
	unsigned int i;
	int err;

	err = atcp_proc_get_listeners(net, &it);
	if (err)
		return err;
	for (i = 0; i < it.nlsk && !seq_has_overflowed(seq); i++)
		atcp_proc_show_listener(&it, it.lsks[i]);
	atcp_proc_put_listeners(&it);
	kvfree(it.lsks);

	atcp_walk_socks(net, atcp_proc_conn, &it);
	atcp_tw_walk_from(net, &tw_pos, atcp_proc_tw, &it);
	return 0;
}

static int atcp4_seq_show(struct seq_file *seq, void *v)
{
	/* tcp4_seq_show()'s header, padded like every line. */
	seq_setwidth(seq, ATCP_PROC4_WIDTH);
	seq_puts(seq, "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode");
	seq_pad(seq, '\n');
	return atcp_proc_show(seq, AF_INET);
}

#if IS_ENABLED(CONFIG_IPV6)
static int atcp6_seq_show(struct seq_file *seq, void *v)
{
	/* tcp6_seq_show()'s header. */
	seq_puts(seq, "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n");
	return atcp_proc_show(seq, AF_INET6);
}
#endif

static const struct {
	const char *name;
	int (*show)(struct seq_file *seq, void *v);
} atcp_proc_files[] = {
	{ "atcp_stat",	atcp_stat_show },
	{ "atcp_sockstat", atcp_sockstat_show },
	{ "atcp",	atcp4_seq_show },
#if IS_ENABLED(CONFIG_IPV6)
	{ "atcp6",	atcp6_seq_show },
#endif
};

/**
 * atcp_proc_init_net() - create the /proc/net entries of a namespace
 * @net: the namespace
 *
 * Creates atcp_stat, atcp_sockstat, atcp and (with IPv6) atcp6; on
 * failure none is left.
 *
 * Return: 0 or -ENOMEM.
 */
int atcp_proc_init_net(struct net *net)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(atcp_proc_files); i++) {
		if (!proc_create_net_single(atcp_proc_files[i].name, 0444,
					    net->proc_net,
					    atcp_proc_files[i].show, NULL))
			goto unwind;
	}
	return 0;

unwind:
	while (i--)
		remove_proc_entry(atcp_proc_files[i].name, net->proc_net);
	return -ENOMEM;
}

/**
 * atcp_proc_exit_net() - remove the /proc/net entries of a namespace
 * @net: the namespace
 */
void atcp_proc_exit_net(struct net *net)
{
	unsigned int i = ARRAY_SIZE(atcp_proc_files);

	while (i--)
		remove_proc_entry(atcp_proc_files[i].name, net->proc_net);
}
