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
#include <net/snmp.h>
#include <net/netns/generic.h>
#include <uapi/linux/atcp.h>

#include "compat.h"
#include "seq.h"

/* The IP protocol number ATCP is registered under (module parameter). */
extern int atcp_proto;

/*
 * Counters of /proc/net/atcp_stat, named after Linux's TCP MIB and
 * LINUX_MIB counters so that nstat and people read them the same way.
 */
#define ATCP_MIB_LIST(X)			\
	X(ACTIVEOPENS, "ActiveOpens")		\
	X(PASSIVEOPENS, "PassiveOpens")		\
	X(ATTEMPTFAILS, "AttemptFails")		\
	X(ESTABRESETS, "EstabResets")		\
	X(CURRESTAB, "CurrEstab")		\
	X(INSEGS, "InSegs")			\
	X(OUTSEGS, "OutSegs")			\
	X(RETRANSSEGS, "RetransSegs")		\
	X(INERRS, "InErrs")			\
	X(OUTRSTS, "OutRsts")			\
	X(INCSUMERRORS, "InCsumErrors")		\
	X(NOSOCKET, "NoSocket")			\
	X(LISTENOVERFLOWS, "ListenOverflows")	\
	X(LISTENDROPS, "ListenDrops")		\
	X(SYNCOOKIESSENT, "SyncookiesSent")	\
	X(SYNCOOKIESRECV, "SyncookiesRecv")	\
	X(SYNCOOKIESFAILED, "SyncookiesFailed")	\
	X(TW, "TW")				\
	X(TIMEWAITOVERFLOW, "TimeWaitOverflow")	\
	X(TIMEOUTS, "Timeouts")			\
	X(KEEPALIVETIMEOUTS, "KeepaliveTimeouts") \
	X(ABORTONDATA, "AbortOnData")		\
	X(ABORTONCLOSE, "AbortOnClose")		\
	X(ABORTONMEMORY, "AbortOnMemory")	\
	X(ABORTONTIMEOUT, "AbortOnTimeout")	\
	X(ABORTONLINGER, "AbortOnLinger")	\
	X(CHALLENGEACK, "ChallengeACK")		\
	X(BADSTATECHANGE, "BadStateChange")

#define ATCP_MIB_ENUM(id, name) ATCP_MIB_##id,
enum atcp_mib_field {
	ATCP_MIB_LIST(ATCP_MIB_ENUM)
	ATCP_MIB_MAX
};

#undef ATCP_MIB_ENUM

struct atcp_mib {
	unsigned long mibs[ATCP_MIB_MAX];
};

/* Length of the congestion control name sysctl, as TCP_CA_NAME_MAX. */
#define ATCP_CA_NAME_MAX	16

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
 * @rto_min_ms: lower bound of the retransmission timeout, milliseconds
 * @congestion_control: default congestion control ("reno" or "cubic")
 * @sysctl_hdr: registered net.atcp table
 * @mib: per-cpu counters of /proc/net/atcp_stat
 * @ctl_sk4: kernel socket replies without a connection are sent through
 * @ctl_sk6: the same for IPv6
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
	int rto_min_ms;
	char congestion_control[ATCP_CA_NAME_MAX];

	struct ctl_table_header *sysctl_hdr;
	struct atcp_mib __percpu *mib;
	struct sock *ctl_sk4;
	struct sock *ctl_sk6;
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

/**
 * struct atcp_sock - an ATCP socket
 * @inet: the generic inet socket; must stay first
 *
 * Connection state (sequence variables, queues, timers) is added by the
 * state machine; until then a socket can be created, inspected and closed.
 */
struct atcp_sock {
	struct inet_sock inet;
};

static inline struct atcp_sock *atcp_sk(const struct sock *sk)
{
	return (struct atcp_sock *)sk;
}

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
	struct {
		u32 start;
		u32 end;
	} sack[4];
};

/* state.c */
const char *atcp_state_name(int state);
bool atcp_state_transition_ok(int from, int to);
void atcp_set_state(struct sock *sk, int state);

/* input.c */
int atcp_parse_options(const struct tcphdr *th, struct atcp_opts *opts);
int atcp_v4_rcv(struct sk_buff *skb);
int atcp_hdr_check(struct sk_buff *skb);

/* output.c */
__sum16 atcp_v4_csum(const void *th, unsigned int len, __be32 saddr,
		     __be32 daddr);
void atcp_v4_send_reset(struct net *net, struct sk_buff *skb);
void atcp_reset_fields(const struct tcphdr *th, unsigned int seglen,
		       __be32 *seq, __be32 *ack_seq, bool *ack);

/* sockopt.c */
int atcp_setsockopt(struct sock *sk, int level, int optname, sockptr_t optval,
		    unsigned int optlen);
int atcp_getsockopt(struct sock *sk, int level, int optname,
		    char __user *optval, int __user *optlen);
int atcpv6_setsockopt(struct sock *sk, int level, int optname,
		      sockptr_t optval, unsigned int optlen);
int atcpv6_getsockopt(struct sock *sk, int level, int optname,
		      char __user *optval, int __user *optlen);

/* main.c */
void atcp_close(struct sock *sk, long timeout);

/* sysctl.c */
int atcp_sysctl_init_net(struct net *net);
void atcp_sysctl_exit_net(struct net *net);
void atcp_net_defaults(struct atcp_net *an);
struct ctl_table *atcp_sysctl_table_alloc(struct atcp_net *an, size_t *n);

/* proc.c */
int atcp_proc_init_net(struct net *net);
void atcp_proc_exit_net(struct net *net);

/* ipv6.c */
#if IS_ENABLED(CONFIG_IPV6)
__sum16 atcp_v6_csum(const void *th, unsigned int len,
		     const struct in6_addr *saddr, const struct in6_addr *daddr);
int atcpv6_init(void);
void atcpv6_exit(void);
#else
static inline int atcpv6_init(void) { return 0; }
static inline void atcpv6_exit(void) { }
#endif

#endif /* _ATCP_H */
