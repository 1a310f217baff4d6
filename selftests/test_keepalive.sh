#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Keepalive (RFC 9293 3.8.4; seed 000 "利用KeepAlive" and its half-open
# server): clients in ns1, servers in ns2, every segment captured on ns1's
# veth, short sysctls (ns1: keepalive_time 2, keepalive_intvl 1,
# keepalive_probes 3; ns2: 3, 1, 2).  ka_check.py does the socket work and
# the checks in one python process:
#   * getsockopt(TCP_KEEPIDLE/INTVL/CNT) of an unset option is the
#     namespace's sysctl (and follows it), never net.ipv4.tcp_keepalive_*;
#     a value set on the socket wins; out-of-range values fail (EINVAL);
#   * a probe is an ACK without data whose SEG.SEQ is SND.NXT - 1;
#   * a live peer answers it, the idle timer restarts (next probe
#     keepalive_time later), tcpi_probes returns to 0, no error;
#   * a silent peer (ns2 drops its segments with a tc filter): exactly
#     keepalive_probes probes keepalive_intvl apart, then ETIMEDOUT and
#     KeepaliveTimeouts; per-socket TCP_KEEPIDLE/INTVL/CNT (IPv6) likewise;
#   * a peer silent for two probes that answers the third keeps the
#     connection;
#   * a peer whose socket is gone answers the probe with RST: ECONNRESET;
#   * seed 000: a client vanishes without FIN; the server stays
#     ESTABLISHED in /proc/net/atcp until keepalive ends it (ETIMEDOUT).
# The captures are saved as keepalive.pcap and halfopen.pcap.
#
# atcp-timeout: 200
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

need_cmd tc
atcp_ensure_loaded || bail_out "cannot load $ATCP_KO"
echo "atcp-test: $TEST_NAME start" >/dev/kmsg
ns_setup || bail_out "cannot set up namespaces"

# clsact on both veths for ka_check.py's drop filters; orphans left by
# the silent-peer cases do not outlive the test by much.
if out=$( { tc -n "$NS1" qdisc add dev "$VETH1" clsact &&
	    tc -n "$NS2" qdisc add dev "$VETH2" clsact &&
	    atcp_sysctl_set "$NS1" orphan_retries 2 &&
	    atcp_sysctl_set "$NS2" orphan_retries 2; } 2>&1); then
	ok "clsact qdiscs on both veths, orphan_retries 2"
else
	not_ok "clsact qdiscs on both veths, orphan_retries 2" "$out"
	bail_out "setup failed"
fi

tap_import < <("$PY" -S "$SELFTESTS_DIR/ka_check.py" ns1="$NS1" ns2="$NS2" \
	dev1="$VETH1" dev2="$VETH2" ip1="$IP1" ip2="$IP2" ip6_1="$IP6_1" \
	ip6_2="$IP6_2" proc1="$(ns_proc_net "$NS1")" \
	proc2="$(ns_proc_net "$NS2")" capdir="$CAP_DIR" 2>&1)

# Every socket of the test is closed: once the orphans are done, no ATCP
# socket is left (the module's reference count is 0).
refcnt() { local r; read -r r </sys/module/atcp/refcnt && [ "$r" = 0 ]; }
if wait_until 20 refcnt; then
	ok "every socket and orphan is gone 20 s after the last close (module refcnt 0)"
else
	not_ok "every socket and orphan is gone 20 s after the last close (module refcnt 0)" \
		"refcnt $(</sys/module/atcp/refcnt)" \
		"ns1: $(cat "$(ns_proc_net "$NS1")"/atcp{,6})" \
		"ns2: $(cat "$(ns_proc_net "$NS2")"/atcp{,6})"
fi

splat=$(dmesg | sed -n "/atcp-test: $TEST_NAME start/,\$p" |
	grep -E 'BUG:|WARNING:|KASAN|UBSAN|possible circular|inconsistent lock|Oops|refcount_t' | head -5)
if [ -z "$splat" ]; then
	ok "no kernel warning, KASAN, lockdep or UBSAN report"
else
	not_ok "no kernel warning, KASAN, lockdep or UBSAN report" "$splat"
fi
