#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tearing down under load (teardown_check.py):
#   1. A namespace (ns1) holding ATCP sockets in every state -- LISTEN with
#      SYN_RECV requests and an unaccepted child, SYN_SENT, ESTABLISHED with
#      queued and with unread data, FIN_WAIT1, FIN_WAIT2, CLOSE_WAIT,
#      LAST_ACK, TIME_WAIT, orphans -- loses its processes and its name
#      (`ip netns del`).  User sockets and orphans hold the namespace, so
#      it lives until the orphans are done (its veth stays); then it is
#      dismantled and its TIME-WAIT objects are purged.  Then kmemleak
#      scans, with the module still loaded.
#   2. With TIME-WAIT objects in two namespaces and one orphan left, rmmod
#      fails (the orphan holds a module reference); once the orphan is
#      gone it succeeds, TIME-WAIT objects and all.  The module is loaded
#      again, clean.
# No splat (KASAN, lockdep, WARN, kmemleak) along the way.
#
# atcp-timeout: 240
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

need_cmd tc
atcp_ensure_loaded || bail_out "cannot load $ATCP_KO"
echo "atcp-test: $TEST_NAME start" >/dev/kmsg

# ns2: 10.0.1.3 (silenced later by teardown_check.py) and 10.0.1.4 (drops
# everything from the start); ns1: spoofed SYN sources (10.0.9.0/24) get
# their SYN-ACKs blackholed, and pass the reverse path filter.
setup() {
	ns_setup || return 1
	ip -n "$NS2" -b - <<-EOF || return 1
		addr add 10.0.1.3/24 dev $VETH2
		addr add 10.0.1.4/24 dev $VETH2
	EOF
	ip -n "$NS1" route add blackhole 10.0.9.0/24 || return 1
	tc -n "$NS2" -b - <<-EOF || return 1
		qdisc add dev $VETH2 clsact
		filter add dev $VETH2 ingress prio 1 protocol ip u32 match ip dst 10.0.1.4/32 action drop
	EOF
	ip netns exec "$NS1" bash -c 'for f in /proc/sys/net/ipv4/conf/*/rp_filter; do echo 0 >$f; done'
}

setup || bail_out "cannot set up namespaces"
tap_import < <("$PY" -S "$SELFTESTS_DIR/teardown_check.py" netns ns1="$NS1" \
	ns2="$NS2" dev2="$VETH2" proc1="$(ns_proc_net "$NS1")" \
	proc2="$(ns_proc_net "$NS2")" ns1pid="$NS1_PID" 2>&1)

# kmemleak, with the module loaded (backtraces name atcp's functions).
km=/sys/kernel/debug/kmemleak
if [ -w "$km" ]; then
	echo scan >"$km"
	leaks=$(awk '/^unreferenced object/ { if (rec ~ /atcp/) print rec; rec = "" }
		{ rec = rec $0 "\n" } END { if (rec ~ /atcp/) print rec }' "$km")
	if [ -z "$leaks" ]; then
		ok "kmemleak: no unreferenced object from atcp after the namespace is gone"
	else
		not_ok "kmemleak: no unreferenced object from atcp after the namespace is gone" \
			"$(echo "$leaks" | head -40)"
	fi
else
	skip "kmemleak: no unreferenced object from atcp after the namespace is gone" \
		"no $km"
fi

setup || bail_out "cannot set up namespaces again"
tap_import < <("$PY" -S "$SELFTESTS_DIR/teardown_check.py" rmmod ns1="$NS1" \
	ns2="$NS2" dev2="$VETH2" proc1="$(ns_proc_net "$NS1")" \
	proc2="$(ns_proc_net "$NS2")" ko="$ATCP_KO" capdir="$CAP_DIR" 2>&1)
atcp_ensure_loaded || diag "could not load atcp again"

splat=$(dmesg | sed -n "/atcp-test: $TEST_NAME start/,\$p" |
	grep -E 'BUG|WARNING:|KASAN|UBSAN|possible circular|inconsistent lock|Oops|refcount_t|still has objects' | head -5)
if [ -z "$splat" ]; then
	ok "no kernel warning, KASAN, lockdep or UBSAN report"
else
	not_ok "no kernel warning, KASAN, lockdep or UBSAN report" "$splat"
fi
