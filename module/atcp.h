/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ATCP internal types and interfaces shared between the module's files.
 */
#ifndef _ATCP_H
#define _ATCP_H

#include <linux/types.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/inet_sock.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/snmp.h>
#include <net/sock.h>
#include <linux/poll.h>
#include <linux/refcount.h>
#include <linux/timer.h>
#include <net/netns/generic.h>
#include <uapi/linux/atcp.h>

#include "compat.h"
#include "seq.h"
#include "cookie.h"
#include "cong.h"

/* The IP protocol number ATCP is registered under (module parameter). */
extern int atcp_proto;

/*
 * Counters of /proc/net/atcp_stat, named after Linux's TCP MIB and
 * LINUX_MIB counters so that nstat and people read them the same way
 * (the names are in proc.c, in this order).
 */
enum atcp_mib_field {
	ATCP_MIB_ACTIVEOPENS,
	ATCP_MIB_PASSIVEOPENS,
	ATCP_MIB_ATTEMPTFAILS,
	ATCP_MIB_ESTABRESETS,
	ATCP_MIB_CURRESTAB,
	ATCP_MIB_INSEGS,
	ATCP_MIB_OUTSEGS,
	ATCP_MIB_RETRANSSEGS,
	ATCP_MIB_INERRS,
	ATCP_MIB_OUTRSTS,
	ATCP_MIB_INCSUMERRORS,
	ATCP_MIB_NOSOCKET,
	ATCP_MIB_LISTENOVERFLOWS,
	ATCP_MIB_LISTENDROPS,
	ATCP_MIB_SYNCOOKIESSENT,
	ATCP_MIB_SYNCOOKIESRECV,
	ATCP_MIB_SYNCOOKIESFAILED,
	ATCP_MIB_TW,
	ATCP_MIB_TIMEWAITOVERFLOW,
	ATCP_MIB_TIMEOUTS,
	ATCP_MIB_KEEPALIVETIMEOUTS,
	ATCP_MIB_ABORTONDATA,
	ATCP_MIB_ABORTONCLOSE,
	ATCP_MIB_ABORTONMEMORY,
	ATCP_MIB_ABORTONTIMEOUT,
	ATCP_MIB_ABORTONLINGER,
	ATCP_MIB_CHALLENGEACK,
	ATCP_MIB_BADSTATECHANGE,
	ATCP_MIB_DELAYEDACKS,
	ATCP_MIB_PAWSESTAB,
	ATCP_MIB_FASTRETRANS,
	ATCP_MIB_SACKRECOVERY,
	ATCP_MIB_RENORECOVERY,
	ATCP_MIB_OFOQUEUE,
	ATCP_MIB_OFOPRUNED,
	ATCP_MIB_WINPROBE,
	ATCP_MIB_KEEPALIVE,
	ATCP_MIB_RCVQDROP,
	ATCP_MIB_BACKLOGDROP,
	ATCP_MIB_ACKSKIPPEDCHALLENGE,
	ATCP_MIB_ACKSKIPPEDSEQ,
	ATCP_MIB_ACKSKIPPEDPAWS,
	ATCP_MIB_ACKSKIPPEDTIMEWAIT,
	ATCP_MIB_ACKSKIPPEDSYNRECV,
	ATCP_MIB_MAX
};

struct atcp_mib {
	unsigned long mibs[ATCP_MIB_MAX];
};

/**
 * struct atcp_net - per network namespace state
 * @keepalive_time: idle time before keepalive probes, seconds
 * @keepalive_intvl: interval between keepalive probes, seconds
 * @keepalive_probes: unanswered probes before the connection is dropped
 * @syn_retries: SYN retransmissions before connect() fails
 * @synack_retries: SYN-ACK retransmissions before a request is dropped
 * @abort_on_overflow: RST (1) rather than drop (0) on accept queue overflow
 * @max_syn_backlog: cap on each listener's SYN queue
 * @syncookies: 0 never, 1 when the SYN queue is full, 2 always
 * @fin_timeout: lifetime of an orphaned FIN_WAIT2 connection, seconds
 * @msl: maximum segment lifetime; TIME_WAIT lasts 2 * msl, seconds
 * @orphan_retries: retransmissions for an orphaned connection
 * @retries1: retransmissions before the route is re-validated
 * @retries2: retransmissions before the connection times out
 * @max_tw_buckets: cap on TIME_WAIT objects in this namespace
 * @max_orphans: cap on orphaned connections in this namespace
 * @rfc1337: ignore RST in TIME_WAIT (RFC 1337)
 * @challenge_ack_limit: challenge ACKs per second (RFC 5961)
 * @invalid_ratelimit: least time between two ACKs a connection sends in
 *	answer to invalid segments, milliseconds
 * @rmem: receive buffer minimum, initial size and autotuning maximum,
 *	bytes (tcp_rmem); the maximum also sets the window scale
 * @wmem: send buffer minimum, initial size and autotuning maximum, bytes
 *	(tcp_wmem)
 * @rto_min_ms: lower bound of the retransmission timeout, milliseconds
 * @congestion_control: default congestion control ("reno" or "cubic"),
 *	the sysctl's text
 * @cc_default: the algorithm it names, read by new connections (one
 *	pointer load, never a half-written string)
 * @sysctl_hdr: registered net.atcp table
 * @mib: per-cpu counters of /proc/net/atcp_stat
 * @ctl_sk4: kernel socket replies without a connection are sent through
 * @ctl_sk6: the same for IPv6
 * @orphans: sockets closed by their users still finishing their connection
 * @tw_count: TIME-WAIT objects
 * @challenge_stamp: second the budget is for
 * @challenge_count: challenge ACKs still allowed in that second
 */
struct atcp_net {
	int keepalive_time;
	int keepalive_intvl;
	int keepalive_probes;
	int syn_retries;
	int synack_retries;
	int abort_on_overflow;
	int max_syn_backlog;
	int syncookies;
	int fin_timeout;
	int msl;
	int orphan_retries;
	int retries1;
	int retries2;
	int max_tw_buckets;
	int max_orphans;
	int rfc1337;
	int challenge_ack_limit;
	int invalid_ratelimit;
	int rmem[3];
	int wmem[3];
	int rto_min_ms;
	char congestion_control[ATCP_CA_NAME_MAX];
	const struct atcp_cong_ops *cc_default;

	struct ctl_table_header *sysctl_hdr;
	struct atcp_mib __percpu *mib;
	struct sock *ctl_sk4;
	struct sock *ctl_sk6;

	atomic_t orphans;
	atomic_t tw_count;

	u32 challenge_stamp;
	u32 challenge_count;
};

extern unsigned int atcp_net_id;

static inline struct atcp_net *atcp_pernet(const struct net *net)
{
	return net_generic(net, atcp_net_id);
}

#define ATCP_INC_STATS(net, field) \
	SNMP_INC_STATS(atcp_pernet(net)->mib, ATCP_MIB_##field)
#define ATCP_DEC_STATS(net, field) \
	SNMP_DEC_STATS(atcp_pernet(net)->mib, ATCP_MIB_##field)
#define ATCP_ADD_STATS(net, field, val) \
	SNMP_ADD_STATS(atcp_pernet(net)->mib, ATCP_MIB_##field, val)
/* A counter chosen at run time (an enum atcp_mib_field value). */
#define ATCP_INC_STATS_IDX(net, idx) \
	SNMP_INC_STATS(atcp_pernet(net)->mib, idx)

struct atcp_request;

/**
 * struct atcp_af_ops - address family specific operations
 * @queue_xmit: route (if needed) and send a segment of a connected socket
 * @send_check: set up th->check for a segment about to be sent
 * @net_header_len: IP header length
 * @send_synack: send the SYN-ACK of a request through the listener
 * @request_init: fill a request's addresses from a received SYN
 * @child_init: fill a new child socket's addresses from its request
 * @cookie_check: validate a SYN cookie in a returning ACK, giving the MSS
 * @cookie_init: encode a SYN cookie for a SYN, returning the ISS
 */
struct atcp_af_ops {
	int (*queue_xmit)(struct sock *sk, struct sk_buff *skb);
	void (*send_check)(struct sock *sk, struct sk_buff *skb);
	u16 net_header_len;
	int (*send_synack)(const struct sock *lsk, struct atcp_request *req);
	void (*request_init)(struct atcp_request *req, struct sk_buff *skb);
	int (*child_init)(struct sock *child, const struct atcp_request *req);
	u16 (*cookie_check)(struct sk_buff *skb);
	u32 (*cookie_init)(struct sk_buff *skb, u16 *mss);
};

/**
 * struct atcp_listen - listener state: the SYN queue and the accept queue
 * @reqs: SYN queue, hashed by peer address and port
 * @req_mask: number of @reqs buckets minus one
 * @syn_qlen: requests in the SYN queue
 * @syn_max: SYN queue bound, min(backlog, net.atcp.max_syn_backlog)
 * @accept_queue: established children not yet accepted; its length is
 *	sk_ack_backlog and its bound sk_max_ack_backlog, as for TCP
 * @last_cookie: jiffies when the last SYN cookie was sent (0: never);
 *	ACKs are checked as cookies only for ATCP_COOKIE_VALID after it
 */
struct atcp_listen {
	struct hlist_head *reqs;
	u32 req_mask;
	u32 syn_qlen;
	u32 syn_max;
	struct list_head accept_queue;
	unsigned long last_cookie;
};

/**
 * struct atcp_sock - an ATCP socket
 * @inet: the generic inet socket; must stay first
 * @af_ops: IPv4, IPv6 or IPv4-mapped operations
 * @iss: initial send sequence number
 * @snd_una: oldest unacknowledged sequence number
 * @snd_nxt: next sequence number to send
 * @snd_wnd: send window (scaled)
 * @snd_wl1: segment sequence number used for the last window update
 * @snd_wl2: segment acknowledgment number used for the last window update
 * @irs: initial receive sequence number
 * @rcv_nxt: next sequence number expected
 * @rcv_wnd: receive window we advertise (unscaled)
 * @mss: effective send MSS
 * @pmtu: path MTU an ICMP error taught (module/icmp.c), 0 if none
 * @mtu_info: the MTU of the latest such error, for atcp_mtu_reduced()
 * @deferred: ATCP_*_DEFERRED work for atcp_release_cb()
 * @advmss: the MSS we announce
 * @user_mss: TCP_MAXSEG, 0 when unset
 * @snd_wscale: shift applied to windows the peer sends
 * @rcv_wscale: shift applied to windows we send
 * @wscale_ok: window scaling negotiated
 * @sack_ok: SACK negotiated
 * @ts_ok: timestamps negotiated
 * @ts_recent: latest TSval received (RFC 7323 TS.Recent)
 * @ts_offset: per-connection offset added to our TSval
 * @rto: current retransmission timeout, jiffies, with back-off applied
 * @retransmits: consecutive timeouts of the oldest segment (or SYN)
 * @syn_retries: TCP_SYNCNT, 0 when net.atcp.syn_retries applies
 * @rtx_timer: retransmission timer, also the persist timer (@pending)
 * @delack_timer: delayed ACK timer
 * @ka_timer: keepalive timer, and the FIN_WAIT2 timer of an orphan
 * @lq: listener state, while in LISTEN
 * @parent: listener whose accept queue holds this child
 * @accept_node: link in the listener's accept queue
 * @send_head: first segment of sk_write_queue not yet sent (NULL: none)
 * @write_seq: sequence number of the next byte queued (FIN included)
 * @packets_out: segments sent and not yet cumulatively acknowledged
 * @sacked_out: of those, segments the peer reported by SACK (or, without
 *	SACK, one per duplicate ACK in recovery, as RFC 6582 counts them)
 * @lost_out: segments considered lost (RFC 6675 IsLost, or by timeout)
 * @retrans_out: lost segments retransmitted and still outstanding
 * @high_seq: recovery point (RFC 6582 "recover"), SND.NXT at loss
 * @ca_state: ATCP_CA_OPEN, ATCP_CA_RECOVERY or ATCP_CA_LOSS
 * @dupacks: duplicate ACKs in a row
 * @cwnd_limited: the last push stopped at the congestion window
 * @snd_sml: end of the last small segment sent (Minshall's Nagle)
 * @snd_up: SND.UP, the byte after the last urgent one; equal to SND.UNA
 *	outside urgent mode
 * @max_window: largest window the peer offered
 * @nonagle: ATCP_NAGLE_OFF (TCP_NODELAY) and ATCP_NAGLE_CORK bits
 * @backoff: exponential back-off count of the persist timer
 * @probes_out: unanswered zero-window or keepalive probes
 * @pending: what @rtx_timer is armed for (ATCP_TIMER_*)
 * @cc: congestion window state
 * @cc_ops: congestion control algorithm
 * @rtt: RFC 6298 estimator
 * @rcv_tstamp: jiffies of the last ACK received
 * @last_oow_ack_time: jiffies of the last ACK sent in answer to an invalid
 *	segment (atcp_oow_rate_limited()), 0 for none
 * @unhash_rcu: RCU state when the socket last left a table
 *	(get_state_synchronize_rcu()), 0 if it never did
 * @lrcvtime: jiffies of the last segment received
 * @syn_us: when our first SYN left, microseconds, for the handshake's
 *	RTT sample
 * @retrans_stamp: jiffies when the data retransmitted first since the
 *	last forward progress had been sent before (0: none), for
 *	TCP_USER_TIMEOUT
 * @user_timeout: TCP_USER_TIMEOUT, milliseconds, 0 for none
 * @total_retrans: segments retransmitted over the connection's life
 * @bytes_acked: bytes the peer acknowledged
 * @bytes_received: bytes received in order
 * @segs_in: segments received
 * @segs_out: segments sent
 * @copied_seq: next byte the user reads
 * @urg_seq: sequence number of the urgent byte the peer announced
 * @urg_data: TCP_URG_NOTYET (announced, not arrived), TCP_URG_VALID | the
 *	byte, TCP_URG_READ (read with MSG_OOB), or 0 (none), as TCP's
 * @rcv_wup: RCV.NXT when the window was last announced
 * @rcv_mss: largest payload received, for the delayed ACK rule
 * @ooo_queue: out-of-order segments, an rbtree by sequence number
 * @ooo_tail: its last segment (highest sequence number), or NULL
 * @ooo_last: sequence number of the latest out-of-order segment (its SACK
 *	block goes first, RFC 2018)
 * @rcv_ratio: payload bytes per byte of skb->truesize received, in
 *	1/(1 << ATCP_RATIO_SHIFT) units (moving average)
 * @rcv_rtt_us: the receiver's RTT estimate, from echoed timestamps
 *	(8 times the value, as TCP's rcv_rtt_est), 0 before a sample
 * @rcv_rtt_tsecr: the TSecr of the last sample (one per echoed value)
 * @rcvq_space: receive buffer autotuning (atcp_rcv_space_adjust()): the
 *	most bytes read in one RTT, and where and when this measure began
 * @ack_pending: an ACK is owed (ATCP_ACK_* bits)
 * @quickack: segments still to be acknowledged at once
 * @keepidle: TCP_KEEPIDLE, seconds (0: net.atcp.keepalive_time)
 * @keepintvl: TCP_KEEPINTVL, seconds (0: net.atcp.keepalive_intvl)
 * @keepcnt: TCP_KEEPCNT (0: net.atcp.keepalive_probes)
 * @linger2: TCP_LINGER2, seconds (0: net.atcp.fin_timeout, < 0: none)
 * @orphan: closed by its user, living on until the connection ends
 * @ts_recent_stamp: seconds (ktime_get_seconds) when @ts_recent was set
 */
struct atcp_sock {
	struct inet_sock inet;
	const struct atcp_af_ops *af_ops;

	u32 iss;
	u32 snd_una;
	u32 snd_nxt;
	u32 snd_wnd;
	u32 snd_wl1;
	u32 snd_wl2;
	u32 irs;
	u32 rcv_nxt;
	u32 rcv_wnd;
	u16 mss;
	u16 advmss;
	u16 user_mss;
	u32 pmtu;
	u32 mtu_info;
	unsigned long deferred;
	u8 snd_wscale;
	u8 rcv_wscale;
	u8 wscale_ok:1,
	   sack_ok:1,
	   ts_ok:1;
	u32 ts_recent;
	u32 ts_offset;
	time64_t ts_recent_stamp;

	u32 rto;
	u8 retransmits;
	u8 syn_retries;
	struct timer_list rtx_timer;
	struct timer_list delack_timer;
	struct timer_list ka_timer;

	struct atcp_listen *lq;
	struct sock *parent;
	struct list_head accept_node;

	/* sender */
	struct sk_buff *send_head;
	u32 write_seq;
	u32 packets_out;
	u32 sacked_out;
	u32 lost_out;
	u32 retrans_out;
	u32 high_seq;
	u8 ca_state;
	u8 dupacks;
	u8 nonagle;
	u8 backoff;
	u8 probes_out;
	u8 pending;
	u8 cwnd_limited;
	u32 snd_sml;
	u32 snd_up;
	u32 max_window;
	struct atcp_cc cc;
	const struct atcp_cong_ops *cc_ops;
	struct atcp_rtt rtt;
	u32 syn_us;
	unsigned long rcv_tstamp;
	u32 last_oow_ack_time;
	unsigned long unhash_rcu;
	unsigned long lrcvtime;
	unsigned long retrans_stamp;
	u32 user_timeout;
	u32 total_retrans;
	u64 bytes_acked;
	u64 bytes_received;
	u32 segs_in;
	u32 segs_out;

	/* receiver */
	u32 copied_seq;
	u32 urg_seq;
	u16 urg_data;
	u32 rcv_wup;
	u32 rcv_mss;
	struct rb_root ooo_queue;
	struct sk_buff *ooo_tail;
	u32 ooo_last;
	u32 rcv_rtt_us;
	u32 rcv_rtt_tsecr;
	struct {
		u32 space;
		u32 seq;
		u32 time_us;
	} rcvq_space;
	u16 rcv_ratio;
	u8 ack_pending;
	u8 quickack;

	/* user settings */
	int keepidle;
	int keepintvl;
	int keepcnt;
	int linger2;
	u8 orphan;
};

/* atcp_sock.deferred bits */
enum {
	ATCP_MTU_REDUCED_DEFERRED,	/* a lower path MTU arrived while owned */
};

/* atcp_sock.rcv_ratio: fixed point, and its starting value (one half). */
#define ATCP_RATIO_SHIFT	8
#define ATCP_RATIO_INIT		(1 << (ATCP_RATIO_SHIFT - 1))

/* atcp_sock.ca_state */
enum {
	ATCP_CA_OPEN,
	ATCP_CA_RECOVERY,	/* fast recovery (RFC 6675 / RFC 6582) */
	ATCP_CA_LOSS,		/* after a retransmission timeout */
};

/* atcp_sock.nonagle */
#define ATCP_NAGLE_OFF		1	/* TCP_NODELAY */
#define ATCP_NAGLE_CORK		2	/* TCP_CORK */
#define ATCP_NAGLE_PUSH		4	/* send now, whatever Nagle says */

/* atcp_sock.pending: what the retransmission timer is armed for */
#define ATCP_TIMER_RETRANS	1
#define ATCP_TIMER_PROBE0	2

/* atcp_sock.ack_pending */
#define ATCP_ACK_SCHED		1	/* an ACK is owed */
#define ATCP_ACK_TIMER		2	/* the delayed ACK timer is armed */

/* Delayed ACK timeout: 40 ms, Linux's TCP_DELACK_MIN (RFC 9293 3.8.6.3). */
#define ATCP_DELACK_MIN		(HZ / 25)
/* Segments acknowledged at once when a connection starts or is poked. */
#define ATCP_QUICKACK_SEGS	16

static inline struct atcp_sock *atcp_sk(const struct sock *sk)
{
	return (struct atcp_sock *)sk;
}

/* Local and remote addresses of a socket, IPv6 or IPv4-mapped. */
static inline void atcp_sk_addrs(const struct sock *sk, struct in6_addr *laddr,
				 struct in6_addr *raddr)
{
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6) {
		*laddr = sk->sk_v6_rcv_saddr;
		*raddr = sk->sk_v6_daddr;
		return;
	}
#endif
	ipv6_addr_set_v4mapped(sk->sk_rcv_saddr, laddr);
	ipv6_addr_set_v4mapped(sk->sk_daddr, raddr);
}

/*
 * Take the socket spinlock from process context: softirqs take it too
 * (bh_lock_sock), so they must be off while it is held.
 */
static inline void atcp_bh_lock_sock(struct sock *sk)
{
	local_bh_disable();
	bh_lock_sock(sk);
}

static inline void atcp_bh_unlock_sock(struct sock *sk)
{
	bh_unlock_sock(sk);
	local_bh_enable();
}

/**
 * struct atcp_request - a SYN queue entry: a connection in SYN-RECEIVED
 *	that is not yet a socket
 * @node: link in the listener's request hash
 * @refcnt: references: the SYN queue and a pending timer hold one each
 * @listener: the listener (a reference is held)
 * @family: AF_INET or AF_INET6 (addresses of an IPv4 peer of a dual-stack
 *	listener are stored IPv4-mapped)
 * @laddr: local address
 * @raddr: peer address
 * @lport: local port
 * @rport: peer port
 * @oif: interface the SYN arrived on, for link-local peers
 * @iss: our initial sequence number
 * @irs: the peer's initial sequence number
 * @mss: the MSS the peer announced (536 if none)
 * @snd_wscale: the peer's window scale
 * @rcv_wscale: our window scale
 * @wscale_ok: both sides announced window scaling
 * @sack_ok: the peer announced SACK-permitted
 * @ts_ok: the peer sent timestamps
 * @ts_recent: the peer's TSval
 * @retrans: SYN-ACK retransmissions so far
 * @synack_us: when the only SYN-ACK sent so far left, microseconds (0:
 *	none, or more than one, or a SYN cookie's)
 * @dead: unlinked from the SYN queue; the timer must not touch it
 * @last_oow_ack_time: jiffies of the last SYN-ACK sent in answer to a
 *	retransmitted SYN (atcp_oow_rate_limited()), 0 for none
 * @timer: SYN-ACK retransmission timer
 */
struct atcp_request {
	struct hlist_node node;
	refcount_t refcnt;
	struct sock *listener;
	u16 family;
	struct in6_addr laddr;
	struct in6_addr raddr;
	__be16 lport;
	__be16 rport;
	int oif;
	u32 iss;
	u32 irs;
	u16 mss;
	u8 snd_wscale;
	u8 rcv_wscale;
	u8 wscale_ok:1,
	   sack_ok:1,
	   ts_ok:1,
	   dead:1;
	u32 ts_recent;
	u8 retrans;
	u32 synack_us;
	u32 last_oow_ack_time;
	struct timer_list timer;
};

/**
 * struct atcp_skb_cb - per-segment control block, in skb->cb
 * @seq: SEG.SEQ
 * @end_seq: SEG.SEQ + SEG.LEN (SYN and FIN included)
 * @ack_seq: SEG.ACK (received segments)
 * @flags: TCP flags byte
 * @sacked: scoreboard bits of a queued segment (ATCP_SACKED, ...)
 * @tx_us: when a segment of the write queue was last sent, microseconds
 * @tw_isn: for a received SYN that ended a TIME-WAIT entry, the ISS its
 *	connection gets (0: none), as TCP_SKB_CB()->tcp_tw_isn
 *
 * The block overlays IPCB()/IP6CB() of received segments.  It ends
 * before IPCB(skb)->flags, which xfrm4_policy_check() reads after it is
 * filled (atcp_rcv()): hence the union of two fields never used on the
 * same skb.
 */
struct atcp_skb_cb {
	u32 seq;
	u32 end_seq;
	u32 ack_seq;
	u8 flags;
	u8 sacked;
	union {
		u32 tx_us;
		u32 tw_isn;
	};
};

/* atcp_skb_cb.sacked */
#define ATCP_SACKED		1	/* reported by a SACK block */
#define ATCP_LOST		2	/* considered lost */
#define ATCP_RETRANS		4	/* retransmitted, outstanding */
#define ATCP_EVER_RETRANS	8	/* retransmitted at least once (Karn) */

#define ATCP_SKB_CB(skb) ((struct atcp_skb_cb *)&((skb)->cb[0]))

/* Fixed protocol limits (RFC 9293, RFC 6298, and Linux's values). */
#define ATCP_MSS_DEFAULT	536U		/* RFC 9293 3.7.1 */
#define ATCP_MSS_MIN		88U

/**
 * struct atcp_sack_block - a SACK block, host byte order
 * @start: first sequence number of the block
 * @end: sequence number after the block
 */
struct atcp_sack_block {
	u32 start;
	u32 end;
};

/**
 * struct atcp_opts - TCP options parsed from a received segment
 * @mss: MSS option value (0 when absent)
 * @wscale: window scale shift (valid when @wscale_ok)
 * @wscale_ok: window scale option present
 * @sack_ok: SACK-permitted option present
 * @ts_ok: timestamps option present
 * @tsval: timestamp value
 * @tsecr: timestamp echo reply
 * @num_sacks: number of SACK blocks in @sack
 * @sack: SACK blocks, host byte order
 */
struct atcp_opts {
	u16 mss;
	u8 wscale;
	bool wscale_ok;
	bool sack_ok;
	bool ts_ok;
	u32 tsval;
	u32 tsecr;
	u8 num_sacks;
	struct atcp_sack_block sack[4];
};

/**
 * struct atcp_out_opts - options of a segment we send
 * @mss: MSS option value, 0 for none
 * @ws: send window scale
 * @wscale: its shift
 * @sack_perm: send SACK-permitted
 * @ts: send timestamps
 * @tsval: TSval
 * @tsecr: TSecr
 * @num_sacks: SACK blocks to send
 * @sack: the blocks, host byte order
 */
struct atcp_out_opts {
	u16 mss;
	bool ws;
	u8 wscale;
	bool sack_perm;
	bool ts;
	u32 tsval;
	u32 tsecr;
	u8 num_sacks;
	struct atcp_sack_block sack[4];
};

#define ATCP_MAX_OPT_LEN	40

/* state.c */
const char *atcp_state_name(int state);
bool atcp_state_transition_ok(int from, int to);
void atcp_set_state(struct sock *sk, int state);

/* input.c */
void atcp_parse_options(const struct tcphdr *th, struct atcp_opts *opts);
int atcp_v4_rcv(struct sk_buff *skb);
int atcp_rcv_validate(struct sk_buff *skb, bool ipv6);
bool atcp_oow_rate_limited(struct net *net, const struct sk_buff *skb,
			   int mib, u32 *last_oow_ack_time);
int atcp_hdr_check(struct sk_buff *skb);

/* output.c */
__sum16 atcp_v4_csum(const void *th, unsigned int len, __be32 saddr,
		     __be32 daddr);
void atcp_v4_send_reset(struct net *net, struct sk_buff *skb);
void atcp_send_reset(struct net *net, struct sk_buff *skb);
void atcp_v4_send_reply(struct net *net, struct sk_buff *skb,
			struct sk_buff *nskb);
struct sk_buff *atcp_build_ctl(__be16 sport, __be16 dport, u32 seq,
			       u32 ack_seq, u8 flags, u16 window,
			       const struct atcp_out_opts *o, gfp_t gfp);
void atcp_reset_fields(const struct tcphdr *th, unsigned int seglen,
		       __be32 *seq, __be32 *ack_seq, bool *ack);

/* output.c (connections) */
u32 atcp_clock_ms(void);
unsigned int atcp_write_options(u8 *ptr, const struct atcp_out_opts *o);
int atcp_send_ctl(struct sock *sk, u8 flags, u32 seq);
void atcp_send_ack(struct sock *sk);
void atcp_send_active_reset(struct sock *sk);
struct sk_buff *atcp_build_synack(const struct sock *lsk,
				  const struct atcp_request *req, u16 mss,
				  u32 tsval);
void atcp_v4_send_check(struct sock *sk, struct sk_buff *skb);
struct sk_buff *atcp_build_reset(const struct tcphdr *th, unsigned int seglen);
int atcp_v4_queue_xmit(struct sock *sk, struct sk_buff *skb);
int atcp_v4_send_synack(const struct sock *lsk, struct atcp_request *req);

u32 atcp_clock_us(void);
u16 atcp_select_window(struct sock *sk);
void atcp_send_probe(struct sock *sk);
bool atcp_cwnd_room(const struct atcp_sock *as);
void atcp_reset_xmit_timer(struct sock *sk, u8 what, unsigned long when);
void atcp_write_xmit(struct sock *sk, int nonagle);
bool atcp_write_wakeup(struct sock *sk);
int atcp_retransmit_skb(struct sock *sk, struct sk_buff *skb);
void atcp_xmit_retransmit_queue(struct sock *sk);
void atcp_simple_retransmit(struct sock *sk);
void atcp_queue_skb(struct sock *sk, struct sk_buff *skb);
struct sk_buff *atcp_alloc_skb(struct sock *sk, unsigned int size, gfp_t gfp,
			       bool force);
void atcp_send_fin(struct sock *sk);
void atcp_queue_fin(struct sock *sk);
bool atcp_fin_queued(const struct sock *sk);
void atcp_free_write_queue(struct sock *sk);

/* Free a write-queue segment, returning its charge to the socket. */
static inline void atcp_wmem_free_skb(struct sock *sk, struct sk_buff *skb)
{
	sk_wmem_queued_add(sk, -skb->truesize);
	sk_mem_uncharge(sk, skb->truesize);
	__kfree_skb(skb);
}

/* Urgent data sent and not yet acknowledged (TCP's tcp_urg_mode()). */
static inline bool atcp_urg_mode(const struct atcp_sock *as)
{
	return as->snd_up != as->snd_una;
}

/*
 * RFC 9293 3.10.7.4 window update rule: a segment (@seq, @ack) newer than
 * the one that last set the send window (SND.WL1 < SEG.SEQ, or
 * SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK) sets it.
 */
static inline bool atcp_wnd_update_ok(const struct atcp_sock *as, u32 seq,
				      u32 ack)
{
	return atcp_seq_before(as->snd_wl1, seq) ||
	       (as->snd_wl1 == seq && atcp_seq_leq(as->snd_wl2, ack));
}

/* What is left of the window we announced last (RFC 9293 RCV.WND). */
static inline u32 atcp_rcv_wnd_now(const struct atcp_sock *as)
{
	s32 left = as->rcv_wup + as->rcv_wnd - as->rcv_nxt;

	return left > 0 ? left : 0;
}

/* hash.c */
int atcp_hash_init(void);
void atcp_hash_exit(void);
int atcp_ehash_insert(struct sock *sk);
void atcp_lhash_insert(struct sock *sk);
void atcp_unhash(struct sock *sk);
struct sock *atcp_lookup_established(struct net *net,
				     const struct in6_addr *laddr, u16 lport,
				     const struct in6_addr *raddr, __be16 rport,
				     int dif);
struct sock *atcp_lookup_listener(struct net *net, const struct in6_addr *laddr,
				  u16 lport, const struct in6_addr *raddr,
				  __be16 rport, int dif);
int atcp_get_port(struct sock *sk, unsigned short snum);
int atcp_connect_port(struct sock *sk);
void atcp_put_port(struct sock *sk);
void atcp_inherit_port(struct sock *lsk, struct sock *child);
int atcp_listen_port_claim(struct sock *sk);
typedef void (*atcp_sock_walk_fn)(struct sock *sk, void *arg);
void atcp_walk_socks(struct net *net, atcp_sock_walk_fn fn, void *arg);

/**
 * struct atcp_walk_pos - a place in the connection tables
 * @bucket: listening table buckets first, then the established table's
 * @num: sockets of the namespace before it in that bucket
 */
struct atcp_walk_pos {
	unsigned int bucket;
	unsigned int num;
};

typedef bool (*atcp_sock_walk_pos_fn)(struct sock *sk,
				      const struct atcp_walk_pos *pos,
				      void *arg);
void atcp_walk_socks_from(struct net *net, struct atcp_walk_pos *pos,
			  atcp_sock_walk_pos_fn fn, void *arg);

/* input.c (connection processing) */
int atcp_rcv(struct net *net, struct sk_buff *skb,
	     const struct atcp_opts *opts);
int atcp_rcv_state_process(struct sock *sk, struct sk_buff *skb,
			   const struct atcp_opts *opts);
int atcp_deliver(struct sock *sk, struct sk_buff *skb,
		 const struct atcp_opts *opts);
void atcp_init_transfer(struct sock *sk);
#if IS_ENABLED(CONFIG_KUNIT)
bool atcp_paws_reject(const struct sock *sk, const struct sk_buff *skb,
		      const struct atcp_opts *opts);
#endif
void atcp_handshake_rtt(struct sock *sk, u32 sent_us, unsigned int retrans,
			const struct atcp_opts *opts);
int atcp_backlog_rcv(struct sock *sk, struct sk_buff *skb);
void atcp_skb_addrs(const struct sk_buff *skb, struct in6_addr *laddr,
		    struct in6_addr *raddr);

/* listen.c */
int atcp_listen_init(void);
void atcp_listen_exit(void);
int atcp_listen_start(struct sock *sk, int backlog);
void atcp_listen_stop(struct sock *sk);
struct sock *atcp_accept_dequeue(struct sock *sk);
struct sock *atcp_accept_child(struct sock *sk, int flags, int *err);
int atcp_listen_rcv(struct sock *lsk, struct sk_buff *skb,
		    const struct atcp_opts *opts,
		    const struct in6_addr *laddr, const struct in6_addr *raddr);
typedef void (*atcp_req_walk_fn)(const struct sock *lsk,
				 const struct atcp_request *req, void *arg);
void atcp_walk_requests(struct sock *lsk, atcp_req_walk_fn fn, void *arg);

/* timer.c */
void atcp_init_timers(struct sock *sk);
void atcp_reset_rtx_timer(struct sock *sk);
void atcp_clear_rtx_timer(struct sock *sk);
void atcp_clear_timers(struct sock *sk);
unsigned long atcp_keepalive_time(const struct atcp_sock *as);
unsigned long atcp_keepalive_intvl(const struct atcp_sock *as);
int atcp_keepalive_probes(const struct atcp_sock *as);
unsigned long atcp_fin_time(const struct sock *sk);
void atcp_reset_keepalive_timer(struct sock *sk, unsigned long when);
void atcp_set_keepalive(struct sock *sk, int val);
int atcp_pending_timer(const struct atcp_sock *as, unsigned long *expires);

/* Timer codes of /proc/net/tcp's "tr" and of sock_diag's idiag_timer. */
enum {
	ATCP_SHOW_TIMER_NONE		= 0,
	ATCP_SHOW_TIMER_RETRANS		= 1,
	ATCP_SHOW_TIMER_KEEPALIVE	= 2,
	ATCP_SHOW_TIMER_TIMEWAIT	= 3,
	ATCP_SHOW_TIMER_PROBE0		= 4,
};

/*
 * Bytes to read and bytes not yet acknowledged, as ss and /proc/net/tcp
 * show them (rcv_nxt - copied_seq, write_seq - snd_una; the SYN counts
 * while it is unanswered).
 */
static inline void atcp_sock_queues(const struct sock *sk, u32 *rx, u32 *tx)
{
	const struct atcp_sock *as = atcp_sk(sk);
	int state = inet_sk_state_load(sk);
	s32 r = READ_ONCE(as->rcv_nxt) - READ_ONCE(as->copied_seq);

	/* The FIN takes a sequence number, not a byte to read. */
	if (r > 0 && sock_flag(sk, SOCK_DONE))
		r--;
	*rx = r > 0 ? r : 0;
	if (state == TCP_SYN_SENT || state == TCP_SYN_RECV) {
		*rx = 0;
		*tx = READ_ONCE(as->snd_nxt) - READ_ONCE(as->snd_una);
	} else {
		*tx = READ_ONCE(as->write_seq) - READ_ONCE(as->snd_una);
	}
}

/* ack.c */
void atcp_ack(struct sock *sk, struct sk_buff *skb,
	      const struct atcp_opts *opts);
void atcp_enter_loss(struct sock *sk);
s32 atcp_rtt_tsopt_us(const struct atcp_sock *as, u32 tsecr);
void atcp_sacktag(struct sock *sk, const struct atcp_opts *opts);
bool atcp_sack_mark_lost(struct sock *sk);

/* data.c */
unsigned int atcp_sack_blocks(struct sock *sk, struct atcp_sack_block *blocks,
			      unsigned int max);
void atcp_ack_snd_check(struct sock *sk, bool now);
bool atcp_data_queue(struct sock *sk, struct sk_buff *skb);
void atcp_cleanup_rbuf(struct sock *sk, int copied);
void atcp_rcv_rtt_measure(struct sock *sk, const struct sk_buff *skb,
			  const struct atcp_opts *opts);
void atcp_rcv_space_init(struct sock *sk);
void atcp_rcv_space_adjust(struct sock *sk);
u32 atcp_purge_rcv(struct sock *sk);
void atcp_ofo_purge(struct sock *sk);

/* stream.c */
void atcp_write_space(struct sock *sk);
int atcp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size);
int atcp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len, int flags);
#ifdef ATCP_RECVMSG_ADDR_LEN
int atcp_recvmsg_addr(struct sock *sk, struct msghdr *msg, size_t len,
		      int flags, int *addr_len);
#define ATCP_PROTO_RECVMSG	atcp_recvmsg_addr
#else
#define ATCP_PROTO_RECVMSG	atcp_recvmsg
#endif
void atcp_shutdown(struct sock *sk, int how);
#ifdef ATCP_HAVE_PROTO_IOCTL_KARG
int atcp_ioctl(struct sock *sk, int cmd, int *karg);
#else
int atcp_ioctl(struct sock *sk, int cmd, unsigned long arg);
#endif

/**
 * struct atcp_tw - a connection in TIME-WAIT (timewait.c)
 * @node: link in the 4-tuple table
 * @bind_node: link in the local port table
 * @refcnt: the tables hold one reference, lookups take more
 * @net: namespace
 * @laddr: local address, IPv6 or IPv4-mapped
 * @raddr: remote address
 * @lport: local port, host order
 * @sport: local port, network order
 * @rport: remote port, network order
 * @family: family of the socket it came from
 * @ipv6only: that socket was IPV6_V6ONLY
 * @reuse: that socket had SO_REUSEADDR
 * @ts_ok: timestamps in use
 * @bound_dev_if: bound device of that socket
 * @snd_nxt: SND.NXT (our FIN included)
 * @rcv_nxt: RCV.NXT (the peer's FIN included)
 * @rcv_wnd: window field to announce
 * @ts_recent: TS.Recent
 * @ts_recent_stamp: when TS.Recent was set, seconds
 * @ts_offset: our TSval offset
 * @cookie: the socket's sock_diag cookie (sock_diag_save_cookie() format)
 * @mark: the socket's SO_MARK (shown by sock_diag, as TCP's tw_mark)
 * @last_oow_ack_time: as the connection's (atcp_oow_rate_limited())
 * @timer: 2 * MSL
 * @rcu: deferred free
 */
struct atcp_tw {
	struct hlist_node node;
	struct hlist_node bind_node;
	refcount_t refcnt;
	possible_net_t net;
	struct in6_addr laddr;
	struct in6_addr raddr;
	u16 lport;
	__be16 sport;
	__be16 rport;
	u16 family;
	bool ipv6only;
	bool reuse;
	bool ts_ok;
	int bound_dev_if;
	u32 snd_nxt;
	u32 rcv_nxt;
	u16 rcv_wnd;
	u32 ts_recent;
	time64_t ts_recent_stamp;
	u32 ts_offset;
	u32 cookie[2];
	u32 mark;
	u32 last_oow_ack_time;
	struct timer_list timer;
	struct rcu_head rcu;
};

/* atcp_tw_rcv() verdicts */
enum {
	ATCP_TW_DONE,	/* handled; free the segment */
	ATCP_TW_SYN,	/* a SYN that may reuse the 4-tuple */
};

/* timewait.c */
int atcp_tw_init(void);
void atcp_tw_exit(void);
void atcp_time_wait(struct sock *sk, int state);
struct atcp_tw *atcp_tw_lookup(struct net *net, const struct in6_addr *laddr,
			       u16 lport, const struct in6_addr *raddr,
			       __be16 rport);
int atcp_tw_rcv(struct atcp_tw *tw, struct sk_buff *skb,
		const struct atcp_opts *opts);
void atcp_tw_kill(struct atcp_tw *tw);
void atcp_tw_put(struct atcp_tw *tw);
bool atcp_tw_port_conflict(const struct sock *sk, u16 port);
void atcp_tw_purge(struct net *net);
typedef bool (*atcp_tw_walk_fn)(const struct atcp_tw *tw,
				const struct atcp_walk_pos *pos, void *arg);
void atcp_tw_walk_from(struct net *net, struct atcp_walk_pos *pos,
		       atcp_tw_walk_fn fn, void *arg);

/* conn.c */
void atcp_init_conn(struct sock *sk);
void atcp_init_sock_common(struct sock *sk);
u8 atcp_select_wscale(const struct sock *sk);
void atcp_destroy(struct sock *sk);
void atcp_destroy_sock(struct sock *sk);
void atcp_abort(struct sock *sk, int err, bool send_rst);
void atcp_done(struct sock *sk);
int atcp_connect_finish(struct sock *sk);
u32 atcp_request_isn(const struct atcp_request *req);
__poll_t atcp_poll(struct file *file, struct socket *sock, poll_table *wait);
int atcp_listen(struct socket *sock, int backlog);
#ifdef ATCP_HAVE_PROTO_ACCEPT_ARG
int atcp_stream_accept(struct socket *sock, struct socket *newsock,
		       struct proto_accept_arg *arg);
#else
int atcp_stream_accept(struct socket *sock, struct socket *newsock, int flags,
		       bool kern);
#endif
int atcp_init_sock(struct sock *sk);
u16 atcp_route_advmss(const struct sock *sk, const struct dst_entry *dst);
int atcp_disconnect(struct sock *sk, int flags);

/* sockopt.c */
const struct atcp_cong_ops *atcp_cong_of(const struct sock *sk);
int atcp_setsockopt(struct sock *sk, int level, int optname, sockptr_t optval,
		    unsigned int optlen);
int atcp_getsockopt(struct sock *sk, int level, int optname,
		    char __user *optval, int __user *optlen);
int atcpv6_setsockopt(struct sock *sk, int level, int optname,
		      sockptr_t optval, unsigned int optlen);
int atcpv6_getsockopt(struct sock *sk, int level, int optname,
		      char __user *optval, int __user *optlen);

/*
 * sockopt.c: a socket's struct tcp_info, for TCP_INFO and for sock_diag's
 * INET_DIAG_INFO (diag.c calls it without the socket lock, may sleep).
 */
void atcp_get_info(struct sock *sk, struct tcp_info *info);

/* diag.c */
#if IS_ENABLED(CONFIG_INET_DIAG)
int atcp_diag_init(void);
void atcp_diag_exit(void);
#else
static inline int atcp_diag_init(void) { return 0; }
static inline void atcp_diag_exit(void) { }
#endif

/* main.c */
extern atomic_long_t atcp_memory_allocated;
DECLARE_PER_CPU(int, atcp_memory_per_cpu_fw_alloc);
extern long atcp_sysctl_mem[3];
extern int atcp_sysctl_wmem[3];
extern int atcp_sysctl_rmem[3];
#define ATCP_PROTO_MEMORY						\
	.memory_allocated	= &atcp_memory_allocated,		\
	.per_cpu_fw_alloc	= &atcp_memory_per_cpu_fw_alloc,	\
	.sysctl_mem		= atcp_sysctl_mem,			\
	.sysctl_wmem		= atcp_sysctl_wmem,			\
	.sysctl_rmem		= atcp_sysctl_rmem,

void atcp_close(struct sock *sk, long timeout);
void atcp_close_send(struct sock *sk);
extern const struct atcp_af_ops atcp_ipv4_af_ops;
int atcp_v4_connect(struct sock *sk, struct atcp_sockaddr *uaddr,
		    int addr_len);
void atcp_v4_request_init(struct atcp_request *req, struct sk_buff *skb);
int atcp_v4_child_init(struct sock *child, const struct atcp_request *req);
u16 atcp_v4_cookie_check(struct sk_buff *skb);
u32 atcp_v4_cookie_init(struct sk_buff *skb, u16 *mss);

/* sysctl.c */
int atcp_sysctl_init_net(struct net *net);
void atcp_sysctl_exit_net(struct net *net);
void atcp_net_defaults(struct atcp_net *an);
struct ctl_table *atcp_sysctl_table_alloc(struct atcp_net *an, size_t *n);

/* icmp.c */
int atcp_v4_err(struct sk_buff *skb, u32 info);
u16 atcp_pmtu_mss(const struct sock *sk, u16 mss);
void atcp_mtu_reduced(struct sock *sk);
void atcp_release_cb(struct sock *sk);

/* proc.c */
int atcp_sockets_inuse(struct net *net);
int atcp_proc_init_net(struct net *net);
void atcp_proc_exit_net(struct net *net);

/* ipv6.c */
#if IS_ENABLED(CONFIG_IPV6)
__sum16 atcp_v6_csum(const void *th, unsigned int len,
		     const struct in6_addr *saddr, const struct in6_addr *daddr);
int atcpv6_init(void);
void atcpv6_exit(void);
int atcp6_sockets_inuse(struct net *net);
int atcp_v6_err(struct sk_buff *skb, struct inet6_skb_parm *opt, u8 type,
		u8 code, int offset, __be32 info);
void atcp_v6_send_reply(struct net *net, struct sk_buff *skb,
			struct sk_buff *nskb);
void atcp_v6_send_reset(struct net *net, struct sk_buff *skb);
#else
static inline int atcpv6_init(void) { return 0; }
static inline int atcp6_sockets_inuse(struct net *net) { return 0; }
static inline void atcpv6_exit(void) { }
#endif

#endif /* _ATCP_H */
