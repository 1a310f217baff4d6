/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shims for kernel API signature changes between 6.1 LTS, 6.12 LTS and
 * mainline.  Only signatures live here; behaviour stays in the callers.
 */
#ifndef _ATCP_COMPAT_H
#define _ATCP_COMPAT_H

#include <linux/version.h>
#include <linux/sysctl.h>
#include <net/net_namespace.h>

/* 6.11 made the table argument of proc handlers const. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define atcp_ctl_table const struct ctl_table
#else
#define atcp_ctl_table struct ctl_table
#endif

/* 6.5 added register_net_sysctl_sz(); tables before it need a sentinel. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define atcp_register_net_sysctl(net, path, table, n) \
	register_net_sysctl_sz(net, path, table, n)
#else
#define atcp_register_net_sysctl(net, path, table, n) \
	register_net_sysctl(net, path, table)
#endif

/* 6.7 replaced "ipv6_pinfo sits at the end of the object" by an offset. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
#define ATCP_HAVE_IPV6_PINFO_OFFSET 1
#endif

/* 6.6 moved the IPv6 flow label list from ipv6_pinfo to inet_sock. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#define atcp_ipv6_fl_list(sk)	(inet_sk(sk)->ipv6_fl_list)
#else
#define atcp_ipv6_fl_list(sk)	(inet6_sk(sk)->ipv6_fl_list)
#endif

/* 6.2 moved inet6_destroy_sock() out of sk_prot->destroy. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define ATCP_NEED_INET6_DESTROY_SOCK 1
#endif

/* 6.2 added kunit/visibility.h; 6.13 made namespaces string literals. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#include <kunit/visibility.h>
#elif IS_ENABLED(CONFIG_KUNIT)
#define EXPORT_SYMBOL_IF_KUNIT(sym) \
	EXPORT_SYMBOL_NS(sym, EXPORTED_FOR_KUNIT_TESTING)
#define VISIBLE_IF_KUNIT
#else
#define EXPORT_SYMBOL_IF_KUNIT(sym)
#define VISIBLE_IF_KUNIT static
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define ATCP_IMPORT_KUNIT_NS() MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING")
#else
#define ATCP_IMPORT_KUNIT_NS() MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING)
#endif

/* 6.16 renamed from_timer() to timer_container_of(). */
#ifndef timer_container_of
#define timer_container_of(var, t, field) from_timer(var, t, field)
#endif

/* 6.19 passes struct sockaddr_unsized to proto/proto_ops bind and connect. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 19, 0)
#define atcp_sockaddr sockaddr_unsized
#else
#define atcp_sockaddr sockaddr
#endif

/* 6.10 passed accept()'s flags and results in struct proto_accept_arg. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define ATCP_HAVE_PROTO_ACCEPT_ARG 1
#endif

/* sk_prot->ioctl takes the value in kernel memory since 6.4. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define ATCP_HAVE_PROTO_IOCTL_KARG 1
#endif

/* struct tcp_info gained tcpi_rcv_wnd in 6.2. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define ATCP_HAVE_TCPI_RCV_WND 1
#endif

/* timer_delete_sync() replaced del_timer_sync() in 6.2. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define timer_delete_sync(t)	del_timer_sync(t)
#endif

/*
 * 6.9 made inet_diag take a reference on the handler's module while it
 * calls it (before, a mutex held across the call kept unregister waiting).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
#define ATCP_HAVE_INET_DIAG_OWNER 1
#endif

/* 6.18 passes inet_diag_bc_sk() the whole dump state, not the bytecode. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 18, 0)
#define atcp_inet_diag_bc_sk(cb_data, sk)	inet_diag_bc_sk(cb_data, sk)
#else
#define atcp_inet_diag_bc_sk(cb_data, sk) \
	inet_diag_bc_sk((cb_data)->inet_diag_nla_bc, sk)
#endif

/*
 * 6.10 moved sk_memory_allocated() and sk_under_memory_pressure() to
 * <net/proto_memory.h>.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#include <net/proto_memory.h>
#endif

/*
 * IP_RECVERR moved from a bit field of struct inet_sock to inet_flags in
 * 6.6, IPV6_RECVERR from struct ipv6_pinfo in 6.7.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#define atcp_recverr(sk)	inet_test_bit(RECVERR, sk)
#else
#define atcp_recverr(sk)	(inet_sk(sk)->recverr)
#endif
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
#define atcp_recverr6(sk)	inet6_test_bit(RECVERR6, sk)
#else
#define atcp_recverr6(sk)	(inet6_sk(sk)->recverr)
#endif

#endif /* _ATCP_COMPAT_H */
