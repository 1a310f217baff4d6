/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ATCP - an alternative TCP, carried over its own IP protocol number.
 *
 * The wire format is RFC 9293 TCP byte for byte; only the IP protocol
 * number differs.  Socket options are TCP's: they are accepted at level
 * SOL_TCP and at level IPPROTO_ATCP with the option numbers of
 * <linux/tcp.h>, and TCP_INFO returns a struct tcp_info.
 */
#ifndef _UAPI_LINUX_ATCP_H
#define _UAPI_LINUX_ATCP_H

/* Default IP protocol number (RFC 3692 experimental).  The module
 * parameter proto= may choose another one at load time.
 */
#define IPPROTO_ATCP		253

/* Socket option level for ATCP-specific options; TCP's level works too. */
#define SOL_ATCP		IPPROTO_ATCP

#endif /* _UAPI_LINUX_ATCP_H */
