// SPDX-License-Identifier: GPL-2.0
/*
 * atcpss - list ATCP sockets, like `ss -tan` lists TCP's.
 *
 * Asks the kernel over NETLINK_SOCK_DIAG (SOCK_DIAG_BY_FAMILY with struct
 * inet_diag_req_v2, protocol = the module's proto= parameter), as ss does
 * for TCP, and prints the answer in ss's columns:
 *
 *   State  Recv-Q Send-Q  Local Address:Port  Peer Address:Port
 *
 * Plain netlink sockets, no library.  See Documentation/atcpss.rst.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>

#define ATCP_MODULE_DIR		"/sys/module/atcp"
#define ATCP_PROTO_PARAM	ATCP_MODULE_DIR "/parameters/proto"
#define ATCP_PROTO_DEFAULT	253

/* ss's state numbering, which is the kernel's TCP_* one. */
enum {
	SS_UNKNOWN,
	SS_ESTABLISHED,
	SS_SYN_SENT,
	SS_SYN_RECV,
	SS_FIN_WAIT1,
	SS_FIN_WAIT2,
	SS_TIME_WAIT,
	SS_CLOSE,
	SS_CLOSE_WAIT,
	SS_LAST_ACK,
	SS_LISTEN,
	SS_CLOSING,
	SS_MAX
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define SS_ALL		((1U << SS_MAX) - 1)
#define SS_BIT(s)	(1U << (s))
/* ss's default: neither listening nor closed, TIME_WAIT nor SYN_RECV. */
#define SS_CONN		(SS_ALL & ~(SS_BIT(SS_LISTEN) | SS_BIT(SS_CLOSE) | \
				    SS_BIT(SS_TIME_WAIT) | SS_BIT(SS_SYN_RECV)))

static const char * const state_names[SS_MAX] = {
	[SS_UNKNOWN]	 = "UNKNOWN",
	[SS_ESTABLISHED] = "ESTAB",
	[SS_SYN_SENT]	 = "SYN-SENT",
	[SS_SYN_RECV]	 = "SYN-RECV",
	[SS_FIN_WAIT1]	 = "FIN-WAIT-1",
	[SS_FIN_WAIT2]	 = "FIN-WAIT-2",
	[SS_TIME_WAIT]	 = "TIME-WAIT",
	[SS_CLOSE]	 = "UNCONN",
	[SS_CLOSE_WAIT]	 = "CLOSE-WAIT",
	[SS_LAST_ACK]	 = "LAST-ACK",
	[SS_LISTEN]	 = "LISTEN",
	[SS_CLOSING]	 = "CLOSING",
};

/* Names of the "state" filter, as ss takes them. */
static const struct {
	const char *name;
	unsigned int mask;
} state_filters[] = {
	{ "established",	SS_BIT(SS_ESTABLISHED) },
	{ "syn-sent",		SS_BIT(SS_SYN_SENT) },
	{ "syn-recv",		SS_BIT(SS_SYN_RECV) },
	{ "syn-rcv",		SS_BIT(SS_SYN_RECV) },
	{ "fin-wait-1",		SS_BIT(SS_FIN_WAIT1) },
	{ "fin-wait-2",		SS_BIT(SS_FIN_WAIT2) },
	{ "time-wait",		SS_BIT(SS_TIME_WAIT) },
	{ "closed",		SS_BIT(SS_CLOSE) },
	{ "close",		SS_BIT(SS_CLOSE) },
	{ "unconnected",	SS_BIT(SS_CLOSE) },
	{ "close-wait",		SS_BIT(SS_CLOSE_WAIT) },
	{ "last-ack",		SS_BIT(SS_LAST_ACK) },
	{ "listening",		SS_BIT(SS_LISTEN) },
	{ "listen",		SS_BIT(SS_LISTEN) },
	{ "closing",		SS_BIT(SS_CLOSING) },
	{ "all",		SS_ALL },
	{ "connected",		SS_ALL & ~(SS_BIT(SS_CLOSE) | SS_BIT(SS_LISTEN)) },
	{ "synchronized",	SS_ALL & ~(SS_BIT(SS_CLOSE) | SS_BIT(SS_LISTEN) |
					   SS_BIT(SS_SYN_SENT)) },
	{ "bucket",		SS_BIT(SS_SYN_RECV) | SS_BIT(SS_TIME_WAIT) },
	{ "big",		SS_ALL & ~(SS_BIT(SS_SYN_RECV) |
					   SS_BIT(SS_TIME_WAIT)) },
};

/* idiag_timer names, as ss prints them. */
static const char * const timer_names[] = {
	"off", "on", "keepalive", "timewait", "persist", "unknown"
};

struct opts {
	bool all;
	bool listening;
	bool numeric;
	bool v4;
	bool v6;
	bool info;
	bool extended;
	bool timers;
	bool memory;
	bool processes;
	bool summary;
	bool json;
	bool header;
	int proto;
	unsigned int states;		/* from "state", 0 when none */
	unsigned int excluded;		/* from "exclude" */
	unsigned char bc[1024];		/* bytecode of the filter */
	size_t bc_len;
};

struct user {
	char comm[64];
	int pid;
	int fd;
};

struct row {
	int family;
	int state;
	uint32_t rq, wq;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint32_t ifindex;
	uint8_t timer;
	uint8_t retrans;
	uint32_t expires;
	uint32_t uid;
	uint32_t ino;
	uint64_t cookie;
	int v6only;			/* -1: not reported */
	bool has_info;
	struct tcp_info info;
	char cong[32];
	bool has_skmem;
	uint32_t skmem[SK_MEMINFO_VARS];
	char local[96], peer[96];	/* formatted address part */
	char lport[32], pport[32];	/* formatted port part */
	struct user *users;		/* -p: processes holding it */
	unsigned int nusers;
};

static struct row *rows;
static size_t nrows, maxrows;

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fputs("atcpss: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void print_usage(FILE *f)
{
	fputs("usage: atcpss [-tanl46ieompsjH] [--proto N] [FILTER]\n"
	      "List ATCP sockets like ss -tan lists TCP sockets.\n"
	      "  -t, --tcp          accepted for ss compatibility (ATCP is always meant)\n"
	      "  -a, --all          sockets in every state\n"
	      "  -l, --listening    listening sockets only\n"
	      "  -n, --numeric      do not resolve port names\n"
	      "  -4, --ipv4         IPv4 sockets only\n"
	      "  -6, --ipv6         IPv6 sockets only\n"
	      "  -i, --info         struct tcp_info fields (rto, rtt, mss, cwnd, ...)\n"
	      "  -e, --extended     uid, inode and cookie\n"
	      "  -o, --options      the pending timer\n"
	      "  -m, --memory       socket memory\n"
	      "  -p, --processes    processes using each socket\n"
	      "  -s, --summary      counts by state and family (and orphans)\n"
	      "  -j, --json         one JSON array of objects instead of columns\n"
	      "  -H, --no-header    no header line\n"
	      "      --proto N      ask for IP protocol N, not the module's proto=\n"
	      "  -h, --help         this text\n"
	      "FILTER, conditions that all must hold:\n"
	      "  state NAME | exclude NAME     (ss's state names: established, syn-sent,\n"
	      "                                 syn-recv, listening, time-wait, all, ...)\n"
	      "  sport = :PORT | dport = :PORT\n"
	      "  src ADDR[/LEN] | dst ADDR[/LEN]\n", f);
}

/* ------------------------------------------------------------ filter -- */

static unsigned int parse_state(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(state_filters); i++)
		if (!strcasecmp(name, state_filters[i].name))
			return state_filters[i].mask;
	die("wrong state name: %s", name);
}

static void bc_add(struct opts *o, const void *op, size_t len)
{
	if (o->bc_len + len > sizeof(o->bc))
		die("filter too long");
	memcpy(o->bc + o->bc_len, op, len);
	o->bc_len += len;
}

/* "sport = :80", "sport == 80", "sport eq :80": returns tokens used. */
static int parse_port_cond(struct opts *o, int code, char **argv, int argc)
{
	struct inet_diag_bc_op op[2];
	const char *p;
	char *end;
	long port;
	int used = 1;

	if (argc > 1 && (!strcmp(argv[1], "=") || !strcmp(argv[1], "==") ||
			 !strcmp(argv[1], "eq")))
		used++;
	if (argc <= used)
		die("%s: port missing", argv[0]);
	p = argv[used];
	if (*p == ':')
		p++;
	port = strtol(p, &end, 10);
	if (!*p || *end || port < 0 || port > 65535)
		die("%s: bad port %s", argv[0], argv[used]);
	memset(op, 0, sizeof(op));
	op[0].code = code;
	op[0].yes = sizeof(op);
	/* op[0].no ("reject") is set once the whole program is known. */
	op[1].no = port;
	bc_add(o, op, sizeof(op));
	return used + 1;
}

/* "src 10.0.0.0/8", "dst [fd00::2]", "dst fd00::/64" */
static int parse_host_cond(struct opts *o, int code, char **argv, int argc)
{
	struct {
		struct inet_diag_bc_op op;
		struct inet_diag_hostcond cond;
		uint8_t addr[16];
	} __attribute__((packed)) c;
	char buf[INET6_ADDRSTRLEN + 8], *slash, *a, *end;
	size_t alen;
	long plen;

	if (argc < 2)
		die("%s: address missing", argv[0]);
	if (strlen(argv[1]) >= sizeof(buf))
		die("%s: bad address %s", argv[0], argv[1]);
	strcpy(buf, argv[1]);
	memset(&c, 0, sizeof(c));
	plen = -1;
	slash = strchr(buf, '/');
	if (slash) {
		*slash++ = '\0';
		plen = strtol(slash, &end, 10);
		if (!*slash || *end || plen < 0 || plen > 128)
			die("%s: bad prefix length in %s", argv[0], argv[1]);
	}
	a = buf;
	if (*a == '[') {
		a++;
		end = strchr(a, ']');
		if (!end || end[1])
			die("%s: bad address %s", argv[0], argv[1]);
		*end = '\0';
	}
	if (inet_pton(AF_INET, a, c.addr) == 1) {
		c.cond.family = AF_INET;
		alen = 4;
	} else if (inet_pton(AF_INET6, a, c.addr) == 1) {
		c.cond.family = AF_INET6;
		alen = 16;
	} else {
		die("%s: bad address %s", argv[0], argv[1]);
	}
	if (plen < 0)
		plen = alen * 8;
	if ((size_t)plen > alen * 8)
		die("%s: prefix length %ld too long", argv[0], plen);
	c.cond.prefix_len = plen;
	c.cond.port = -1;
	c.op.code = code;
	c.op.yes = sizeof(c.op) + sizeof(c.cond) + alen;
	bc_add(o, &c, c.op.yes);
	return 2;
}

/*
 * The conditions are AND'ed: each op jumps past the end of the program
 * ("reject": 4 bytes beyond it) when its condition does not hold.
 */
static void bc_finish(struct opts *o)
{
	size_t off = 0;

	while (off < o->bc_len) {
		struct inet_diag_bc_op *op = (void *)(o->bc + off);

		op->no = o->bc_len - off + 4;
		off += op->yes;
	}
}

static void parse_filter(struct opts *o, int argc, char **argv)
{
	int i = 0;

	while (i < argc) {
		const char *w = argv[i];

		if (!strcmp(w, "state") || !strcmp(w, "exclude") ||
		    !strcmp(w, "excl")) {
			if (i + 1 >= argc)
				die("%s: state name missing", w);
			if (w[0] == 's')
				o->states |= parse_state(argv[i + 1]);
			else
				o->excluded |= parse_state(argv[i + 1]);
			i += 2;
		} else if (!strcmp(w, "sport")) {
			i += parse_port_cond(o, INET_DIAG_BC_S_EQ, argv + i,
					     argc - i);
		} else if (!strcmp(w, "dport")) {
			i += parse_port_cond(o, INET_DIAG_BC_D_EQ, argv + i,
					     argc - i);
		} else if (!strcmp(w, "src")) {
			i += parse_host_cond(o, INET_DIAG_BC_S_COND, argv + i,
					     argc - i);
		} else if (!strcmp(w, "dst")) {
			i += parse_host_cond(o, INET_DIAG_BC_D_COND, argv + i,
					     argc - i);
		} else {
			die("unknown filter \"%s\" (see atcpss -h)", w);
		}
	}
	bc_finish(o);
}

/* ----------------------------------------------------------- netlink -- */

static void parse_attrs(struct row *row, struct rtattr *rta, int len)
{
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		size_t n = RTA_PAYLOAD(rta);

		switch (rta->rta_type) {
		case INET_DIAG_INFO:
			if (n > sizeof(row->info))
				n = sizeof(row->info);
			memcpy(&row->info, RTA_DATA(rta), n);
			row->has_info = true;
			break;
		case INET_DIAG_CONG:
			snprintf(row->cong, sizeof(row->cong), "%.*s", (int)n,
				 (const char *)RTA_DATA(rta));
			break;
		case INET_DIAG_SKMEMINFO:
			if (n > sizeof(row->skmem))
				n = sizeof(row->skmem);
			memcpy(row->skmem, RTA_DATA(rta), n);
			row->has_skmem = true;
			break;
		case INET_DIAG_SKV6ONLY:
			if (n >= 1)
				row->v6only = *(const uint8_t *)RTA_DATA(rta);
			break;
		}
	}
}

static void add_row(const struct nlmsghdr *h)
{
	const struct inet_diag_msg *r = NLMSG_DATA(h);
	struct row *row;
	int len = h->nlmsg_len - NLMSG_LENGTH(sizeof(*r));

	if (len < 0)
		die("short sock_diag message (%u bytes)", h->nlmsg_len);
	if (nrows == maxrows) {
		maxrows = maxrows ? 2 * maxrows : 64;
		rows = realloc(rows, maxrows * sizeof(*rows));
		if (!rows)
			die("out of memory");
	}
	row = &rows[nrows++];
	memset(row, 0, sizeof(*row));
	row->family = r->idiag_family;
	row->state = r->idiag_state;
	row->rq = r->idiag_rqueue;
	row->wq = r->idiag_wqueue;
	memcpy(row->src, r->id.idiag_src, sizeof(row->src));
	memcpy(row->dst, r->id.idiag_dst, sizeof(row->dst));
	row->sport = ntohs(r->id.idiag_sport);
	row->dport = ntohs(r->id.idiag_dport);
	row->ifindex = r->id.idiag_if;
	row->timer = r->idiag_timer;
	row->retrans = r->idiag_retrans;
	row->expires = r->idiag_expires;
	row->uid = r->idiag_uid;
	row->ino = r->idiag_inode;
	row->cookie = (uint64_t)r->id.idiag_cookie[1] << 32 |
		      r->id.idiag_cookie[0];
	row->v6only = -1;
	parse_attrs(row, (struct rtattr *)(r + 1), len);
}

static void no_handler(const struct opts *o)
{
	die("no sock_diag handler for IP protocol %d (atcp proto=? CONFIG_INET_DIAG?)",
	    o->proto);
}

/* One SOCK_DIAG_BY_FAMILY dump of a family; its sockets go to rows[]. */
static void dump_family(int fd, const struct opts *o, int family,
			unsigned int states)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req;
	struct sockaddr_nl nladdr = { .nl_family = AF_NETLINK };
	struct rtattr rta;
	struct iovec iov[3];
	struct msghdr msg = {
		.msg_name = &nladdr,
		.msg_namelen = sizeof(nladdr),
		.msg_iov = iov,
		.msg_iovlen = 1,
	};
	static char buf[65536];
	uint32_t seq = 123456 + family;

	memset(&req, 0, sizeof(req));
	req.nlh.nlmsg_len = sizeof(req);
	req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nlh.nlmsg_seq = seq;
	req.r.sdiag_family = family;
	req.r.sdiag_protocol = o->proto;
	req.r.idiag_states = states;
	if (o->info)
		req.r.idiag_ext |= 1 << (INET_DIAG_INFO - 1) |
				   1 << (INET_DIAG_CONG - 1);
	if (o->memory)
		req.r.idiag_ext |= 1 << (INET_DIAG_SKMEMINFO - 1);
	iov[0].iov_base = &req;
	iov[0].iov_len = sizeof(req);
	if (o->bc_len) {
		rta.rta_type = INET_DIAG_REQ_BYTECODE;
		rta.rta_len = RTA_LENGTH(o->bc_len);
		iov[1].iov_base = &rta;
		iov[1].iov_len = sizeof(rta);
		iov[2].iov_base = (void *)o->bc;
		iov[2].iov_len = RTA_ALIGN(o->bc_len);
		req.nlh.nlmsg_len += RTA_ALIGN(rta.rta_len);
		msg.msg_iovlen = 3;
	}
	if (sendmsg(fd, &msg, 0) < 0)
		die("sock_diag request: %s", strerror(errno));

	for (;;) {
		struct nlmsghdr *h;
		ssize_t n;

		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOENT)
				no_handler(o);
			die("sock_diag answer: %s", strerror(errno));
		}
		if (n == 0)
			die("sock_diag: unexpected end of the answer");
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE) {
				int err = 0;

				if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(err)))
					memcpy(&err, NLMSG_DATA(h), sizeof(err));
				if (err == -ENOENT)
					no_handler(o);
				if (err < 0)
					die("sock_diag dump: %s", strerror(-err));
				return;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					die("sock_diag: truncated error");
				if (e->error == -ENOENT)
					no_handler(o);
				die("sock_diag: %s", strerror(-e->error));
			}
			if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY)
				add_row(h);
		}
	}
}

/* ------------------------------------------------------------ output -- */

static bool is_ephemeral(int port)
{
	static int low, high;

	if (!low) {
		FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");

		if (!f || fscanf(f, "%d %d", &low, &high) != 2) {
			low = 32768;
			high = 60999;
		}
		if (f)
			fclose(f);
	}
	return port >= low && port <= high;
}

static void format_port(char *out, size_t len, int port, bool numeric)
{
	struct servent *se;

	if (!port) {
		snprintf(out, len, "*");
		return;
	}
	/* ATCP carries TCP's services: look names up as "tcp". */
	if (!numeric && !is_ephemeral(port)) {
		se = getservbyport(htons(port), "tcp");
		if (se) {
			snprintf(out, len, "%s", se->s_name);
			return;
		}
	}
	snprintf(out, len, "%d", port);
}

/* As ss: "*" for the IPv6 wildcard of a dual-stack socket, [v6]. */
static void format_addr(char *out, size_t len, int family,
			const uint8_t *addr, uint32_t ifindex, int v6only)
{
	char a[INET6_ADDRSTRLEN], ifname[IF_NAMESIZE + 1] = "";
	static const uint8_t any[16];

	if (ifindex) {
		ifname[0] = '%';
		if (!if_indextoname(ifindex, ifname + 1))
			snprintf(ifname, sizeof(ifname), "%%%u", ifindex);
	}
	if (family == AF_INET) {
		inet_ntop(AF_INET, addr, a, sizeof(a));
		snprintf(out, len, "%s%s", a, ifname);
	} else if (v6only != 1 && !memcmp(addr, any, sizeof(any))) {
		snprintf(out, len, "*%s", ifname);
	} else {
		inet_ntop(AF_INET6, addr, a, sizeof(a));
		snprintf(out, len, "[%s]%s", a, ifname);
	}
}

/* ss's print_ms_timer(). */
static const char *ms_timer(unsigned int timeout)
{
	static char buf[64];
	unsigned int secs = timeout / 1000, minutes = secs / 60;
	unsigned int msecs = timeout % 1000;
	size_t n = 0;

	secs %= 60;
	buf[0] = '\0';
	if (minutes) {
		msecs = 0;
		n += snprintf(buf, sizeof(buf), "%umin", minutes);
		if (minutes > 9)
			secs = 0;
	}
	if (secs) {
		if (secs > 9)
			msecs = 0;
		n += snprintf(buf + n, sizeof(buf) - n, "%u%s", secs,
			      msecs ? "." : "sec");
	}
	if (msecs)
		snprintf(buf + n, sizeof(buf) - n, "%03ums", msecs);
	return buf;
}

/* The fields of ss -i that struct tcp_info has, in ss's words. */
static void print_info(const struct row *row)
{
	const struct tcp_info *i = &row->info;

	if (row->cong[0])
		printf(" %s", row->cong);
	if (i->tcpi_options & TCPI_OPT_TIMESTAMPS)
		printf(" ts");
	if (i->tcpi_options & TCPI_OPT_SACK)
		printf(" sack");
	if (i->tcpi_options & TCPI_OPT_ECN)
		printf(" ecn");
	if (i->tcpi_options & TCPI_OPT_WSCALE)
		printf(" wscale:%u,%u", i->tcpi_snd_wscale, i->tcpi_rcv_wscale);
	if (i->tcpi_rto && i->tcpi_rto != 3000000)
		printf(" rto:%g", i->tcpi_rto / 1000.0);
	if (i->tcpi_backoff)
		printf(" backoff:%u", i->tcpi_backoff);
	if (i->tcpi_rtt)
		printf(" rtt:%g/%g", i->tcpi_rtt / 1000.0,
		       i->tcpi_rttvar / 1000.0);
	if (i->tcpi_ato)
		printf(" ato:%g", i->tcpi_ato / 1000.0);
	if (i->tcpi_snd_mss)
		printf(" mss:%u", i->tcpi_snd_mss);
	if (i->tcpi_pmtu)
		printf(" pmtu:%u", i->tcpi_pmtu);
	if (i->tcpi_rcv_mss)
		printf(" rcvmss:%u", i->tcpi_rcv_mss);
	if (i->tcpi_advmss)
		printf(" advmss:%u", i->tcpi_advmss);
	if (i->tcpi_snd_cwnd)
		printf(" cwnd:%u", i->tcpi_snd_cwnd);
	if (i->tcpi_snd_ssthresh && i->tcpi_snd_ssthresh < 0xFFFF)
		printf(" ssthresh:%u", i->tcpi_snd_ssthresh);
	if (i->tcpi_bytes_acked)
		printf(" bytes_acked:%llu",
		       (unsigned long long)i->tcpi_bytes_acked);
	if (i->tcpi_bytes_received)
		printf(" bytes_received:%llu",
		       (unsigned long long)i->tcpi_bytes_received);
	if (i->tcpi_segs_out)
		printf(" segs_out:%u", i->tcpi_segs_out);
	if (i->tcpi_segs_in)
		printf(" segs_in:%u", i->tcpi_segs_in);
	if (i->tcpi_last_data_sent)
		printf(" lastsnd:%u", i->tcpi_last_data_sent);
	if (i->tcpi_last_data_recv)
		printf(" lastrcv:%u", i->tcpi_last_data_recv);
	if (i->tcpi_last_ack_recv)
		printf(" lastack:%u", i->tcpi_last_ack_recv);
	if (i->tcpi_unacked)
		printf(" unacked:%u", i->tcpi_unacked);
	if (i->tcpi_retrans || i->tcpi_total_retrans)
		printf(" retrans:%u/%u", i->tcpi_retrans,
		       i->tcpi_total_retrans);
	if (i->tcpi_lost)
		printf(" lost:%u", i->tcpi_lost);
	if (i->tcpi_sacked)
		printf(" sacked:%u", i->tcpi_sacked);
	if (i->tcpi_rcv_space)
		printf(" rcv_space:%u", i->tcpi_rcv_space);
	if (i->tcpi_min_rtt)
		printf(" minrtt:%g", i->tcpi_min_rtt / 1000.0);
}

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

static void print_rows(const struct opts *o)
{
	int sw = 5, rqw = 6, wqw = 6, law = 13, lpw = 4, paw = 12, ppw = 4;
	char rq[16], wq[16];
	size_t k;

	for (k = 0; k < nrows; k++) {
		struct row *row = &rows[k];
		const char *st = row->state < SS_MAX ?
				 state_names[row->state] : "UNKNOWN";

		format_addr(row->local, sizeof(row->local), row->family,
			    row->src, row->ifindex, row->v6only);
		format_addr(row->peer, sizeof(row->peer), row->family,
			    row->dst, 0, row->v6only);
		format_port(row->lport, sizeof(row->lport), row->sport,
			    o->numeric);
		format_port(row->pport, sizeof(row->pport), row->dport,
			    o->numeric);
		sw = max_int(sw, strlen(st));
		rqw = max_int(rqw, snprintf(rq, sizeof(rq), "%u", row->rq));
		wqw = max_int(wqw, snprintf(wq, sizeof(wq), "%u", row->wq));
		law = max_int(law, strlen(row->local));
		lpw = max_int(lpw, strlen(row->lport));
		paw = max_int(paw, strlen(row->peer));
		ppw = max_int(ppw, strlen(row->pport));
	}

	if (o->header)
		printf("%-*s %-*s %-*s %*s:%-*s %*s:%-*s\n", sw, "State",
		       rqw, "Recv-Q", wqw, "Send-Q", law, "Local Address",
		       lpw, "Port", paw, "Peer Address", ppw, "Port");
	for (k = 0; k < nrows; k++) {
		const struct row *row = &rows[k];
		const char *st = row->state < SS_MAX ?
				 state_names[row->state] : "UNKNOWN";

		printf("%-*s %-*u %-*u %*s:%-*s %*s:%-*s", sw, st, rqw, row->rq,
		       wqw, row->wq, law, row->local, lpw, row->lport, paw,
		       row->peer, ppw, row->pport);
		if (o->processes && row->nusers) {
			unsigned int u;

			printf(" users:(");
			for (u = 0; u < row->nusers; u++)
				printf("%s(\"%s\",pid=%d,fd=%d)", u ? "," : "",
				       row->users[u].comm, row->users[u].pid,
				       row->users[u].fd);
			printf(")");
		}
		if (o->timers && row->timer)
			printf(" timer:(%s,%s,%u)",
			       timer_names[row->timer < 5 ? row->timer : 5],
			       ms_timer(row->expires), row->retrans);
		if (o->extended) {
			if (row->uid)
				printf(" uid:%u", row->uid);
			printf(" ino:%u sk:%llx", row->ino,
			       (unsigned long long)row->cookie);
		}
		if ((o->info && row->has_info) ||
		    (o->memory && row->has_skmem)) {
			printf("\n\t");
			if (o->memory && row->has_skmem)
				printf(" skmem:(r%u,rb%u,t%u,tb%u,f%u,w%u,o%u,bl%u,d%u)",
				       row->skmem[SK_MEMINFO_RMEM_ALLOC],
				       row->skmem[SK_MEMINFO_RCVBUF],
				       row->skmem[SK_MEMINFO_WMEM_ALLOC],
				       row->skmem[SK_MEMINFO_SNDBUF],
				       row->skmem[SK_MEMINFO_FWD_ALLOC],
				       row->skmem[SK_MEMINFO_WMEM_QUEUED],
				       row->skmem[SK_MEMINFO_OPTMEM],
				       row->skmem[SK_MEMINFO_BACKLOG],
				       row->skmem[SK_MEMINFO_DROPS]);
			if (o->info && row->has_info)
				print_info(row);
		}
		putchar('\n');
	}
}

/* --------------------------------------------------------- processes -- */

/* -p: which processes hold each socket, from /proc/PID/fd, as ss does. */
static struct row *row_of_inode(unsigned long ino)
{
	size_t k;

	for (k = 0; k < nrows; k++)
		if (rows[k].ino && rows[k].ino == ino)
			return &rows[k];
	return NULL;
}

static void read_comm(const char *pid, char *comm, size_t len)
{
	char path[300];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	comm[0] = '\0';
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(comm, len, f))
		comm[strcspn(comm, "\n")] = '\0';
	fclose(f);
}

static void find_processes(void)
{
	DIR *proc = opendir("/proc");
	struct dirent *p;

	if (!proc)
		return;
	while ((p = readdir(proc))) {
		char path[600], link[64], comm[64];
		struct dirent *fd;
		DIR *fds;

		if (!isdigit((unsigned char)p->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		fds = opendir(path);
		if (!fds)
			continue;	/* gone, or not ours to see */
		comm[0] = '\0';
		while ((fd = readdir(fds))) {
			unsigned long ino;
			struct user *u;
			struct row *row;
			ssize_t n;

			if (!isdigit((unsigned char)fd->d_name[0]))
				continue;
			snprintf(path, sizeof(path), "/proc/%s/fd/%s",
				 p->d_name, fd->d_name);
			n = readlink(path, link, sizeof(link) - 1);
			if (n <= 0)
				continue;
			link[n] = '\0';
			if (sscanf(link, "socket:[%lu]", &ino) != 1)
				continue;
			row = row_of_inode(ino);
			if (!row)
				continue;
			if (!comm[0])
				read_comm(p->d_name, comm, sizeof(comm));
			row->users = realloc(row->users, (row->nusers + 1) *
					     sizeof(*row->users));
			if (!row->users)
				die("out of memory");
			u = &row->users[row->nusers++];
			snprintf(u->comm, sizeof(u->comm), "%s", comm);
			u->pid = atoi(p->d_name);
			u->fd = atoi(fd->d_name);
		}
		closedir(fds);
	}
	closedir(proc);
}

/* ----------------------------------------------------------- summary -- */

static const char *state_name(int state)
{
	return state >= 0 && state < SS_MAX ? state_names[state] : "UNKNOWN";
}

/* /proc/net/atcp_sockstat: "ATCP: inuse N orphan N tw N mem N". */
static int sockstat_orphans(void)
{
	FILE *f = fopen("/proc/net/atcp_sockstat", "r");
	int inuse, orphan = -1, tw;

	if (f) {
		if (fscanf(f, "ATCP: inuse %d orphan %d tw %d", &inuse, &orphan,
			   &tw) != 3)
			orphan = -1;
		fclose(f);
	}
	return orphan;
}

/*
 * -s: every entry of the namespace counted by state and family.  The
 * first line is ss -s's "TCP:" line: entries that are sockets or
 * TIME-WAIT objects (SYN queue entries apart), with the established,
 * orphaned and TIME-WAIT ones among them.
 */
static void print_summary(void)
{
	unsigned int n[SS_MAX][2] = { };
	unsigned int total = 0, i;
	int orphans = sockstat_orphans();
	size_t k;

	for (k = 0; k < nrows; k++) {
		int st = rows[k].state < SS_MAX ? rows[k].state : SS_UNKNOWN;

		n[st][rows[k].family == AF_INET6]++;
		if (st != SS_SYN_RECV)
			total++;
	}
	printf("ATCP:  %u (estab %u, orphaned ", total,
	       n[SS_ESTABLISHED][0] + n[SS_ESTABLISHED][1]);
	if (orphans < 0)
		printf("?");
	else
		printf("%d", orphans);
	printf(", timewait %u, synrecv %u)\n\n",
	       n[SS_TIME_WAIT][0] + n[SS_TIME_WAIT][1],
	       n[SS_SYN_RECV][0] + n[SS_SYN_RECV][1]);
	printf("%-11s %7s %7s %7s\n", "State", "IP", "IPv6", "Total");
	for (i = 0; i < SS_MAX; i++)
		if (n[i][0] + n[i][1])
			printf("%-11s %7u %7u %7u\n", state_name(i), n[i][0],
			       n[i][1], n[i][0] + n[i][1]);
}

/* -------------------------------------------------------------- json -- */

static void json_str(const char *key, const char *val, bool comma)
{
	const unsigned char *p;

	printf("%s\"%s\": \"", comma ? ", " : "", key);
	for (p = (const unsigned char *)val; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

static void json_addr(const char *key, int family, const uint8_t *addr,
		      int port)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(family, addr, a, sizeof(a));
	printf(", \"%s\": {\"address\": \"%s\", \"port\": %d}", key, a, port);
}

/* "users": [{"comm": ..., "pid": N, "fd": N}, ...] */
static void json_users(const struct row *row)
{
	unsigned int u;

	printf(", \"users\": [");
	for (u = 0; u < row->nusers; u++) {
		printf("%s{", u ? ", " : "");
		json_str("comm", row->users[u].comm, false);
		printf(", \"pid\": %d, \"fd\": %d}", row->users[u].pid,
		       row->users[u].fd);
	}
	putchar(']');
}

static void json_info(const struct row *row)
{
	const struct tcp_info *i = &row->info;
	const struct {
		const char *name;
		unsigned long long val;
	} f[] = {
		{ "rto_us",		i->tcpi_rto },
		{ "rtt_us",		i->tcpi_rtt },
		{ "rttvar_us",		i->tcpi_rttvar },
		{ "ato_us",		i->tcpi_ato },
		{ "snd_mss",		i->tcpi_snd_mss },
		{ "rcv_mss",		i->tcpi_rcv_mss },
		{ "pmtu",		i->tcpi_pmtu },
		{ "advmss",		i->tcpi_advmss },
		{ "cwnd",		i->tcpi_snd_cwnd },
		{ "ssthresh",		i->tcpi_snd_ssthresh },
		{ "unacked",		i->tcpi_unacked },
		{ "sacked",		i->tcpi_sacked },
		{ "lost",		i->tcpi_lost },
		{ "retrans",		i->tcpi_retrans },
		{ "total_retrans",	i->tcpi_total_retrans },
		{ "backoff",		i->tcpi_backoff },
		{ "bytes_acked",	i->tcpi_bytes_acked },
		{ "bytes_received",	i->tcpi_bytes_received },
		{ "segs_out",		i->tcpi_segs_out },
		{ "segs_in",		i->tcpi_segs_in },
		{ "rcv_space",		i->tcpi_rcv_space },
		{ "min_rtt_us",		i->tcpi_min_rtt },
	};
	size_t k;

	printf(", \"info\": {");
	json_str("cong", row->cong, false);
	printf(", \"ts\": %s, \"sack\": %s",
	       i->tcpi_options & TCPI_OPT_TIMESTAMPS ? "true" : "false",
	       i->tcpi_options & TCPI_OPT_SACK ? "true" : "false");
	if (i->tcpi_options & TCPI_OPT_WSCALE)
		printf(", \"snd_wscale\": %u, \"rcv_wscale\": %u",
		       i->tcpi_snd_wscale, i->tcpi_rcv_wscale);
	for (k = 0; k < ARRAY_SIZE(f); k++)
		printf(", \"%s\": %llu", f[k].name, f[k].val);
	putchar('}');
}

/*
 * --json: one array, an object per entry with what the columns and the
 * other options show; numbers as numbers, the timer in milliseconds.
 */
static void print_json(const struct opts *o)
{
	static const char * const mem_names[] = {
		"rmem_alloc", "rcvbuf", "wmem_alloc", "sndbuf", "fwd_alloc",
		"wmem_queued", "optmem", "backlog", "drops"
	};
	size_t k;
	int m;

	printf("[");
	for (k = 0; k < nrows; k++) {
		const struct row *row = &rows[k];

		printf("%s\n  {", k ? "," : "");
		json_str("state", state_name(row->state), false);
		printf(", \"family\": \"%s\", \"recv_q\": %u, \"send_q\": %u",
		       row->family == AF_INET ? "inet" : "inet6", row->rq,
		       row->wq);
		json_addr("local", row->family, row->src, row->sport);
		json_addr("peer", row->family, row->dst, row->dport);
		if (row->ifindex)
			printf(", \"ifindex\": %u", row->ifindex);
		if (row->v6only >= 0)
			printf(", \"v6only\": %s", row->v6only ? "true" : "false");
		if (o->timers) {
			printf(", \"timer\": ");
			if (row->timer)
				printf("{\"name\": \"%s\", \"expires_ms\": %u, \"retrans\": %u}",
				       timer_names[row->timer < 5 ? row->timer : 5],
				       row->expires, row->retrans);
			else
				printf("null");
		}
		if (o->extended)
			printf(", \"uid\": %u, \"inode\": %u, \"cookie\": \"%llx\"",
			       row->uid, row->ino,
			       (unsigned long long)row->cookie);
		if (o->processes)
			json_users(row);
		if (o->memory && row->has_skmem) {
			printf(", \"skmem\": {");
			for (m = 0; m < (int)ARRAY_SIZE(mem_names); m++)
				printf("%s\"%s\": %u", m ? ", " : "",
				       mem_names[m], row->skmem[m]);
			printf("}");
		}
		if (o->info && row->has_info)
			json_info(row);
		printf("}");
	}
	printf("%s]\n", nrows ? "\n" : "");
}

/* -------------------------------------------------------------- main -- */

static int module_proto(void)
{
	FILE *f = fopen(ATCP_PROTO_PARAM, "r");
	int proto = ATCP_PROTO_DEFAULT;

	if (f) {
		if (fscanf(f, "%d", &proto) != 1)
			proto = ATCP_PROTO_DEFAULT;
		fclose(f);
	}
	return proto;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "tcp",	no_argument,		NULL, 't' },
		{ "all",	no_argument,		NULL, 'a' },
		{ "listening",	no_argument,		NULL, 'l' },
		{ "numeric",	no_argument,		NULL, 'n' },
		{ "ipv4",	no_argument,		NULL, '4' },
		{ "ipv6",	no_argument,		NULL, '6' },
		{ "info",	no_argument,		NULL, 'i' },
		{ "extended",	no_argument,		NULL, 'e' },
		{ "options",	no_argument,		NULL, 'o' },
		{ "memory",	no_argument,		NULL, 'm' },
		{ "processes",	no_argument,		NULL, 'p' },
		{ "summary",	no_argument,		NULL, 's' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "no-header",	no_argument,		NULL, 'H' },
		{ "proto",	required_argument,	NULL, 'P' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts o = { .header = true, .proto = -1 };
	unsigned int states;
	char *end;
	int c, fd;

	while ((c = getopt_long(argc, argv, "tanl46ieompsjHh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 't':
			break;
		case 'a':
			o.all = true;
			break;
		case 'l':
			o.listening = true;
			break;
		case 'n':
			o.numeric = true;
			break;
		case '4':
			o.v4 = true;
			break;
		case '6':
			o.v6 = true;
			break;
		case 'i':
			o.info = true;
			break;
		case 'e':
			o.extended = true;
			break;
		case 'o':
			o.timers = true;
			break;
		case 'm':
			o.memory = true;
			break;
		case 'p':
			o.processes = true;
			break;
		case 's':
			o.summary = true;
			break;
		case 'j':
			o.json = true;
			break;
		case 'H':
			o.header = false;
			break;
		case 'P':
			o.proto = strtol(optarg, &end, 0);
			if (!*optarg || *end || o.proto < 1 || o.proto > 255)
				die("--proto: not an IP protocol number: %s",
				    optarg);
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		default:
			print_usage(stderr);
			return 2;
		}
	}
	parse_filter(&o, argc - optind, argv + optind);

	/* --proto names the protocol itself: no module is needed then. */
	if (o.proto < 0 && access(ATCP_MODULE_DIR, F_OK))
		die("the atcp module is not loaded (modprobe atcp, or insmod module/atcp.ko)");
	if (o.proto < 0)
		o.proto = module_proto();

	if (o.summary) {
		/* As ss -s: the whole namespace, filters and -l/-a aside. */
		o.states = SS_ALL;
		o.excluded = 0;
		o.bc_len = 0;
		o.info = false;
		o.memory = false;
	}
	if (o.states)
		states = o.states;
	else if (o.all)
		states = SS_ALL;
	else if (o.listening)
		states = SS_BIT(SS_LISTEN) | SS_BIT(SS_CLOSE);
	else
		states = SS_CONN;
	states &= ~o.excluded;
	if (!o.v4 && !o.v6) {
		o.v4 = true;
		o.v6 = true;
	}

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		die("netlink socket (NETLINK_SOCK_DIAG): %s", strerror(errno));
	if (states) {
		if (o.v4)
			dump_family(fd, &o, AF_INET, states);
		if (o.v6)
			dump_family(fd, &o, AF_INET6, states);
	}
	close(fd);

	if (o.summary) {
		print_summary();
	} else {
		if (o.processes)
			find_processes();
		if (o.json)
			print_json(&o);
		else
			print_rows(&o);
	}
	while (nrows--)
		free(rows[nrows].users);
	free(rows);
	return fflush(stdout) ? 1 : 0;
}
