// SPDX-License-Identifier: GPL-2.0
/*
 * libatcpize.so - make unmodified programs use ATCP instead of TCP.
 *
 * Loaded with LD_PRELOAD (the `atcpize` wrapper sets it), it interposes
 * two functions of the C library:
 *
 *   socket()      socket(AF_INET or AF_INET6, SOCK_STREAM [| SOCK_NONBLOCK
 *                 | SOCK_CLOEXEC], 0 or IPPROTO_TCP) creates the socket
 *                 with the ATCP protocol number instead.  Every other
 *                 socket (UDP, unix, raw, netlink, SCTP, MPTCP, ...) is
 *                 created unchanged.
 *   getsockopt()  SOL_SOCKET/SO_PROTOCOL on an ATCP stream socket reports
 *                 IPPROTO_TCP, so programs that check what they were given
 *                 (socket activation, some servers' sanity checks) accept
 *                 it.  Everything else is passed through.
 *
 * Sockets that the program gets from accept() are ATCP sockets because
 * their listener is; nothing needs to be done for them.  Socket options
 * at level IPPROTO_TCP need no translation either: ATCP accepts TCP's
 * level and option numbers (an option it does not implement fails with
 * ENOPROTOOPT, as it would without the shim).
 *
 * The protocol number is, in order: $ATCP_PROTO; the loaded module's
 * /sys/module/atcp/parameters/proto; IPPROTO_ATCP (253).  It is looked up
 * once, at the first socket() call that needs it.
 *
 * There is no fallback to TCP: when the kernel refuses the ATCP socket
 * (module not loaded and not loadable, wrong number) socket() fails with
 * the kernel's errno, and the shim says so once on stderr (unless
 * $ATCPIZE_QUIET is set), so that a test never silently runs over TCP.
 * $ATCPIZE_DEBUG=1 logs every socket it converts.
 *
 * Limits: see atcpize(1)'s help and Documentation/atcpize.rst - static
 * binaries and programs that make the socket system call themselves (Go,
 * io_uring's IORING_OP_SOCKET) are not affected.
 *
 * glibc note: glibc also defines __socket, but only as GLIBC_PRIVATE, for
 * its own use through internal (hidden) calls that no preloaded library can
 * interpose; those sockets are the resolver's UDP and netlink ones and the
 * nscd unix socket, which must stay what they are anyway.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/atcp.h>

#define EXPORT __attribute__((visibility("default")))

#define PROTO_PARAM "/sys/module/atcp/parameters/proto"

/* The one message when the kernel refuses an ATCP socket (tests grep it). */
#define NO_ATCP_FMT \
	"cannot create an ATCP socket (IP protocol %d): %s; is the atcp module loaded?"

typedef int (*socket_fn)(int, int, int);
typedef int (*getsockopt_fn)(int, int, int, void *, socklen_t *);

static socket_fn real_socket;
static getsockopt_fn real_getsockopt;
static pthread_once_t syms_once = PTHREAD_ONCE_INIT;
static pthread_once_t conf_once = PTHREAD_ONCE_INIT;
static int atcp_proto = IPPROTO_ATCP;
static int debug;
static int quiet;
static int warned;	/* the one "cannot create" message was printed */

/* Print to stderr with one write(2), keeping errno. */
__attribute__((format(printf, 1, 2)))
static void say(const char *fmt, ...)
{
	char buf[512];
	int saved = errno;
	ssize_t done;
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "atcpize[%d]: ", (int)getpid());
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf) - 1)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	done = write(STDERR_FILENO, buf, n);
	(void)done;	/* best effort: nothing to do when stderr is gone */
	errno = saved;
}

/*
 * The C library's own socket() and getsockopt().  Should one be missing
 * (it cannot be, in a dynamically linked program), the call fails with
 * ELIBACC: the shared library that defines it cannot be reached.
 */
static void resolve_syms(void)
{
	real_socket = (socket_fn)dlsym(RTLD_NEXT, "socket");
	real_getsockopt = (getsockopt_fn)dlsym(RTLD_NEXT, "getsockopt");
}

/* Parse a protocol number 1..255; -1 if S is not one. */
static int parse_proto(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	while (*end == ' ' || *end == '\n' || *end == '\t')
		end++;
	if (errno || end == s || *end || v < 1 || v > 255)
		return -1;
	return (int)v;
}

static void read_conf(void)
{
	int saved = errno;
	const char *env;
	char buf[32];
	ssize_t n;
	int fd, p;

	env = getenv("ATCPIZE_DEBUG");
	debug = env && *env && strcmp(env, "0");
	env = getenv("ATCPIZE_QUIET");
	quiet = env && *env && strcmp(env, "0");

	env = getenv("ATCP_PROTO");
	if (env && *env) {
		p = parse_proto(env);
		if (p > 0) {
			atcp_proto = p;
			goto out;
		}
		say("ignoring ATCP_PROTO='%s' (not a number 1..255)", env);
	}
	fd = open(PROTO_PARAM, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			p = parse_proto(buf);
			if (p > 0)
				atcp_proto = p;
		}
	}
out:
	if (debug)
		say("ATCP protocol number %d", atcp_proto);
	errno = saved;
}

static int want_atcp(int domain, int type, int protocol)
{
	if (domain != AF_INET && domain != AF_INET6)
		return 0;
	if ((type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) != SOCK_STREAM)
		return 0;
	return protocol == 0 || protocol == IPPROTO_TCP;
}

EXPORT int socket(int domain, int type, int protocol)
{
	int fd, err;

	pthread_once(&syms_once, resolve_syms);
	if (!real_socket) {
		errno = ELIBACC;
		return -1;
	}
	if (!want_atcp(domain, type, protocol))
		return real_socket(domain, type, protocol);

	pthread_once(&conf_once, read_conf);
	fd = real_socket(domain, type, atcp_proto);
	if (fd < 0) {
		err = errno;
		if (!quiet && !__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
			say(NO_ATCP_FMT, atcp_proto, strerror(err));
		else if (debug)
			say("%s(%s, SOCK_STREAM, %d) failed: %s", __func__,
			    domain == AF_INET ? "AF_INET" : "AF_INET6",
			    atcp_proto, strerror(err));
		errno = err;
		return -1;
	}
	if (debug)
		say("%s(%s, SOCK_STREAM, %d) -> protocol %d, fd %d", __func__,
		    domain == AF_INET ? "AF_INET" : "AF_INET6",
		    protocol, atcp_proto, fd);
	return fd;
}

/* FD is an AF_INET/AF_INET6 stream socket (so PROTO is ATCP's number). */
static int is_inet_stream(int fd)
{
	int saved = errno, v;
	socklen_t len = sizeof(v);
	int ok = 0;

	if (real_getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) == 0 &&
	    len == sizeof(v) && v == SOCK_STREAM) {
		len = sizeof(v);
		if (real_getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) == 0 &&
		    len == sizeof(v) && (v == AF_INET || v == AF_INET6))
			ok = 1;
	}
	errno = saved;
	return ok;
}

EXPORT int getsockopt(int fd, int level, int optname, void *optval,
		      socklen_t *optlen)
{
	int ret, v;

	pthread_once(&syms_once, resolve_syms);
	if (!real_getsockopt) {
		errno = ELIBACC;
		return -1;
	}
	ret = real_getsockopt(fd, level, optname, optval, optlen);
	if (ret != 0 || level != SOL_SOCKET || optname != SO_PROTOCOL ||
	    !optval || !optlen || *optlen != sizeof(int))
		return ret;

	pthread_once(&conf_once, read_conf);
	memcpy(&v, optval, sizeof(v));
	if (v == atcp_proto && atcp_proto != IPPROTO_TCP && is_inet_stream(fd)) {
		v = IPPROTO_TCP;
		memcpy(optval, &v, sizeof(v));
	}
	return ret;
}
