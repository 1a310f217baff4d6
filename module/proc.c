// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/atcp_stat: per-namespace counters in the two-line
 * "Atcp: names" / "Atcp: values" format that nstat and netstat -s read.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/ip.h>
#include <net/net_namespace.h>

#include "atcp.h"

#define ATCP_MIB_NAME(id, name) name,
static const char * const atcp_mib_names[ATCP_MIB_MAX] = {
	ATCP_MIB_LIST(ATCP_MIB_NAME)
};

#undef ATCP_MIB_NAME

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
		seq_printf(seq, " %ld", (long)snmp_fold_field(mib, i));
	seq_putc(seq, '\n');
	return 0;
}

/**
 * atcp_proc_init_net() - create the /proc/net entries of a namespace
 * @net: the namespace
 *
 * Return: 0 or -ENOMEM.
 */
int atcp_proc_init_net(struct net *net)
{
	if (!proc_create_net_single("atcp_stat", 0444, net->proc_net,
				    atcp_stat_show, NULL))
		return -ENOMEM;
	return 0;
}

/**
 * atcp_proc_exit_net() - remove the /proc/net entries of a namespace
 * @net: the namespace
 */
void atcp_proc_exit_net(struct net *net)
{
	remove_proc_entry("atcp_stat", net->proc_net);
}
