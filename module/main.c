// SPDX-License-Identifier: GPL-2.0
/*
 * ATCP module init and exit: the AF_INET protocol registration and the
 * per-namespace state.
 *
 * Registration happens step by step; each step that succeeded is undone,
 * in reverse order, when a later one fails and at unload.  Sockets hold a
 * reference on the module (sk_alloc() takes one on the proto's owner), so
 * rmmod is refused while any ATCP socket exists.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <net/inet_common.h>
#include <net/net_namespace.h>
#include <net/protocol.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "atcp.h"

int atcp_proto = IPPROTO_ATCP;
module_param_named(proto, atcp_proto, int, 0444);
MODULE_PARM_DESC(proto, "IP protocol number carrying ATCP (default 253)");

unsigned int atcp_net_id __read_mostly;

/**
 * atcp_close() - sk_prot->close: the user closed the socket
 * @sk: the socket
 * @timeout: linger time (unused until connections exist)
 *
 * Drops the reference the socket file held; the socket is freed when the
 * last reference goes.
 */
void atcp_close(struct sock *sk, long timeout)
{
	lock_sock(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	if (sk->sk_state != TCP_CLOSE)
		atcp_set_state(sk, TCP_CLOSE);
	sock_orphan(sk);
	release_sock(sk);
	sock_put(sk);
}

static struct proto atcp_prot = {
	.name		= "ATCP",
	.owner		= THIS_MODULE,
	.close		= atcp_close,
	.setsockopt	= atcp_setsockopt,
	.getsockopt	= atcp_getsockopt,
	.obj_size	= sizeof(struct atcp_sock),
};

/*
 * Connection establishment, data transfer and teardown are not built yet:
 * the calls that need them fail with EOPNOTSUPP rather than pretend.
 */
static const struct proto_ops atcp_stream_ops = {
	.family		= PF_INET,
	.owner		= THIS_MODULE,
	.release	= inet_release,
	.bind		= sock_no_bind,
	.connect	= sock_no_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= sock_no_accept,
	.getname	= inet_getname,
	.ioctl		= inet_ioctl,
	.listen		= sock_no_listen,
	.shutdown	= sock_no_shutdown,
	.setsockopt	= sock_common_setsockopt,
	.getsockopt	= sock_common_getsockopt,
	.sendmsg	= sock_no_sendmsg,
	.recvmsg	= sock_no_recvmsg,
	.mmap		= sock_no_mmap,
};

static struct inet_protosw atcp_protosw = {
	.type		= SOCK_STREAM,
	.protocol	= IPPROTO_ATCP,	/* set from proto= at init */
	.prot		= &atcp_prot,
	.ops		= &atcp_stream_ops,
};

static const struct net_protocol atcp_net_protocol = {
	.handler	= atcp_v4_rcv,
	.no_policy	= 1,
};

static int __net_init atcp_net_init(struct net *net)
{
	struct atcp_net *an = atcp_pernet(net);
	int err;

	atcp_net_defaults(an);

	an->mib = alloc_percpu(struct atcp_mib);
	if (!an->mib)
		return -ENOMEM;

	err = atcp_sysctl_init_net(net);
	if (err)
		goto free_mib;

	err = atcp_proc_init_net(net);
	if (err)
		goto sysctl;

	err = inet_ctl_sock_create(&an->ctl_sk4, PF_INET, SOCK_RAW, atcp_proto,
				   net);
	if (err)
		goto proc;
	return 0;

proc:
	atcp_proc_exit_net(net);
sysctl:
	atcp_sysctl_exit_net(net);
free_mib:
	free_percpu(an->mib);
	return err;
}

static void __net_exit atcp_net_exit(struct net *net)
{
	struct atcp_net *an = atcp_pernet(net);

	inet_ctl_sock_destroy(an->ctl_sk4);
	atcp_proc_exit_net(net);
	atcp_sysctl_exit_net(net);
	free_percpu(an->mib);
}

static struct pernet_operations atcp_net_ops = {
	.init	= atcp_net_init,
	.exit	= atcp_net_exit,
	.id	= &atcp_net_id,
	.size	= sizeof(struct atcp_net),
};

static int __init atcp_init(void)
{
	int err;

	if (atcp_proto <= 0 || atcp_proto >= IPPROTO_RAW) {
		pr_err("proto=%d is not a usable IP protocol number (1..254)\n",
		       atcp_proto);
		return -EINVAL;
	}
	atcp_protosw.protocol = atcp_proto;

	err = proto_register(&atcp_prot, 1);
	if (err)
		return err;

	err = register_pernet_subsys(&atcp_net_ops);
	if (err)
		goto out_proto;

	if (inet_add_protocol(&atcp_net_protocol, atcp_proto) < 0) {
		pr_err("IP protocol %d is already in use; load with proto=N to pick a free one\n",
		       atcp_proto);
		err = -EBUSY;
		goto out_pernet;
	}

	inet_register_protosw(&atcp_protosw);

	err = atcpv6_init();
	if (err)
		goto out_protosw;

	pr_info("ATCP registered on IP protocol %d\n", atcp_proto);
	return 0;

out_protosw:
	inet_unregister_protosw(&atcp_protosw);
	inet_del_protocol(&atcp_net_protocol, atcp_proto);
out_pernet:
	unregister_pernet_subsys(&atcp_net_ops);
out_proto:
	proto_unregister(&atcp_prot);
	return err;
}

static void __exit atcp_exit(void)
{
	atcpv6_exit();
	inet_unregister_protosw(&atcp_protosw);
	inet_del_protocol(&atcp_net_protocol, atcp_proto);
	unregister_pernet_subsys(&atcp_net_ops);
	proto_unregister(&atcp_prot);
}

module_init(atcp_init);
module_exit(atcp_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ATCP: an alternative TCP over its own IP protocol number");
MODULE_ALIAS_NET_PF_PROTO_TYPE(PF_INET, IPPROTO_ATCP, SOCK_STREAM);
MODULE_ALIAS_NET_PF_PROTO_TYPE(PF_INET6, IPPROTO_ATCP, SOCK_STREAM);
