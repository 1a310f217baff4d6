// SPDX-License-Identifier: GPL-2.0
/*
 * net.atcp.* - per network namespace tunables.
 *
 * Each namespace owns a copy of the table whose data pointers point into
 * its struct atcp_net.  Every integer has a range; a write outside it
 * fails with EINVAL and leaves the value unchanged (proc_dointvec_minmax).
 * The names mirror net.ipv4.tcp_*, whose values never affect ATCP.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysctl.h>
#include <net/net_namespace.h>

#include "atcp.h"

static int atcp_zero;
static int atcp_one = 1;
static int atcp_two = 2;
static int atcp_127 = 127;
static int atcp_128 = 128;
static int atcp_255 = 255;
static int atcp_1000 = 1000;
static int atcp_3600 = 3600;
static int atcp_32767 = 32767;
static int atcp_65535 = 65535;
static int atcp_msl_max = 120;
static int atcp_int_max = INT_MAX;

static int atcp_proc_congestion_control(atcp_ctl_table *table, int write,
					void *buffer, size_t *lenp,
					loff_t *ppos)
{
	char val[ATCP_CA_NAME_MAX];
	struct ctl_table tbl = {
		.data = val,
		.maxlen = sizeof(val),
	};
	const struct atcp_cong_ops *ops;
	struct atcp_net *an;
	int ret;

	strscpy(val, table->data, sizeof(val));
	ret = proc_dostring(&tbl, write, buffer, lenp, ppos);
	if (ret || !write)
		return ret;

	ops = atcp_cong_find(val);
	if (!ops)
		return -EINVAL;
	an = container_of((char *)table->data, struct atcp_net,
			  congestion_control[0]);
	strscpy(table->data, val, ATCP_CA_NAME_MAX);
	WRITE_ONCE(an->cc_default, ops);
	return 0;
}

#define ATCP_INT(field, lo, hi) {				\
	.procname	= #field,				\
	.data		= (void *)offsetof(struct atcp_net, field), \
	.maxlen		= sizeof(int),				\
	.mode		= 0644,					\
	.proc_handler	= proc_dointvec_minmax,			\
	.extra1		= lo,					\
	.extra2		= hi,					\
}

/* Three integers, each within [lo, hi] (tcp_rmem, tcp_wmem). */
#define ATCP_INTVEC3(field, lo, hi) {				\
	.procname	= #field,				\
	.data		= (void *)offsetof(struct atcp_net, field), \
	.maxlen		= sizeof(int[3]),			\
	.mode		= 0644,					\
	.proc_handler	= proc_dointvec_minmax,			\
	.extra1		= lo,					\
	.extra2		= hi,					\
}

/* Template: .data holds offsets into struct atcp_net until relocated. */
static const struct ctl_table atcp_sysctl_template[] = {
	ATCP_INT(keepalive_time, &atcp_one, &atcp_32767),
	ATCP_INT(keepalive_intvl, &atcp_one, &atcp_32767),
	ATCP_INT(keepalive_probes, &atcp_one, &atcp_127),
	ATCP_INT(syn_retries, &atcp_one, &atcp_127),
	ATCP_INT(synack_retries, &atcp_zero, &atcp_127),
	ATCP_INT(abort_on_overflow, &atcp_zero, &atcp_one),
	ATCP_INT(max_syn_backlog, &atcp_128, &atcp_65535),
	ATCP_INT(syncookies, &atcp_zero, &atcp_two),
	ATCP_INT(fin_timeout, &atcp_one, &atcp_3600),
	ATCP_INT(msl, &atcp_one, &atcp_msl_max),
	ATCP_INT(orphan_retries, &atcp_zero, &atcp_127),
	ATCP_INT(retries1, &atcp_one, &atcp_255),
	ATCP_INT(retries2, &atcp_one, &atcp_255),
	ATCP_INT(max_tw_buckets, &atcp_zero, &atcp_int_max),
	ATCP_INT(max_orphans, &atcp_zero, &atcp_int_max),
	ATCP_INT(rfc1337, &atcp_zero, &atcp_one),
	ATCP_INT(challenge_ack_limit, &atcp_one, &atcp_int_max),
	ATCP_INT(invalid_ratelimit, &atcp_zero, &atcp_int_max),
	ATCP_INTVEC3(rmem, &atcp_one, &atcp_int_max),
	ATCP_INTVEC3(wmem, &atcp_one, &atcp_int_max),
	ATCP_INT(rto_min_ms, &atcp_one, &atcp_1000),
	{
		.procname	= "congestion_control",
		.data		= (void *)offsetof(struct atcp_net,
						   congestion_control),
		.maxlen		= ATCP_CA_NAME_MAX,
		.mode		= 0644,
		.proc_handler	= atcp_proc_congestion_control,
	},
	{ }	/* sentinel, for kernels before 6.5 */
};

/* Entries without the sentinel. */
#define ATCP_SYSCTL_N	(ARRAY_SIZE(atcp_sysctl_template) - 1)

/**
 * atcp_net_defaults() - set every tunable of a namespace to its default
 * @an: the namespace's ATCP state
 *
 * max_tw_buckets and max_orphans scale with memory as TCP's do: half the
 * size an established hash table would get on this machine.
 */
void atcp_net_defaults(struct atcp_net *an)
{
	unsigned long cnt = clamp_t(unsigned long,
				    roundup_pow_of_two(totalram_pages() / 16 + 1),
				    256, 1UL << 20);

	an->keepalive_time = 7200;
	an->keepalive_intvl = 75;
	an->keepalive_probes = 9;
	an->syn_retries = 6;
	an->synack_retries = 5;
	an->abort_on_overflow = 0;
	an->max_syn_backlog = 4096;
	an->syncookies = 1;
	an->fin_timeout = 60;
	an->msl = 30;
	an->orphan_retries = 8;
	an->retries1 = 3;
	an->retries2 = 15;
	an->max_tw_buckets = max_t(unsigned long, cnt / 2, 128);
	an->max_orphans = max_t(unsigned long, cnt / 2, 128);
	an->rfc1337 = 0;
	an->challenge_ack_limit = 1000;
	an->invalid_ratelimit = 500;
	an->rmem[0] = 4096;
	an->rmem[1] = 131072;
	an->rmem[2] = 6291456;
	an->wmem[0] = 4096;
	an->wmem[1] = 212992;	/* tcp_wmem's 16384: see sysctl.rst */
	an->wmem[2] = 4194304;
	an->rto_min_ms = 200;
	strscpy(an->congestion_control, "cubic", sizeof(an->congestion_control));
	an->cc_default = &atcp_cubic;
}
EXPORT_SYMBOL_IF_KUNIT(atcp_net_defaults);

/**
 * atcp_sysctl_table_alloc() - a sysctl table bound to one namespace
 * @an: the namespace's ATCP state the entries read and write
 * @n: set to the number of entries (sentinel excluded)
 *
 * Return: a table to free with kfree(), or NULL.
 */
struct ctl_table *atcp_sysctl_table_alloc(struct atcp_net *an, size_t *n)
{
	struct ctl_table *table;
	size_t i;

	table = kmemdup(atcp_sysctl_template, sizeof(atcp_sysctl_template),
			GFP_KERNEL);
	if (!table)
		return NULL;

	for (i = 0; i < ATCP_SYSCTL_N; i++)
		table[i].data = (char *)an + (uintptr_t)table[i].data;
	*n = ATCP_SYSCTL_N;
	return table;
}
EXPORT_SYMBOL_IF_KUNIT(atcp_sysctl_table_alloc);

/**
 * atcp_sysctl_init_net() - register net.atcp for a new namespace
 * @net: the namespace; its atcp_net must already hold the defaults
 *
 * Return: 0 or -ENOMEM.
 */
int atcp_sysctl_init_net(struct net *net)
{
	struct atcp_net *an = atcp_pernet(net);
	struct ctl_table *table;
	size_t n;

	table = atcp_sysctl_table_alloc(an, &n);
	if (!table)
		return -ENOMEM;

	an->sysctl_hdr = atcp_register_net_sysctl(net, "net/atcp", table, n);
	if (!an->sysctl_hdr) {
		kfree(table);
		return -ENOMEM;
	}
	return 0;
}

/**
 * atcp_sysctl_exit_net() - unregister net.atcp of a dying namespace
 * @net: the namespace
 */
void atcp_sysctl_exit_net(struct net *net)
{
	struct atcp_net *an = atcp_pernet(net);
	const struct ctl_table *table = an->sysctl_hdr->ctl_table_arg;

	unregister_net_sysctl_table(an->sysctl_hdr);
	kfree(table);
}
