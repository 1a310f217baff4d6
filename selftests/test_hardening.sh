#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Regression checks for defects found in review (hardening.py says what
# each case drives and what broke before its fix): accept() racing a
# shutdown() of the listener, close() and shutdown(SHUT_WR) in the
# SYN-RECEIVED state of a simultaneous open, a send() whose copy faults,
# and a flood of out-of-order bare FINs.  A crash shows as a KASAN or
# oops report, which the last check (and the harness) catches.
#
# atcp-timeout: 180
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

need_cmd tc
atcp_ensure_loaded || bail_out "cannot load $ATCP_KO"
echo "atcp-test: $TEST_NAME start" >/dev/kmsg
ns_setup || bail_out "cannot set up namespaces"

tap_import < <("$PY" -S "$SELFTESTS_DIR/hardening.py" ns1="$NS1" \
	ns2="$NS2" dev1="$VETH1" dev2="$VETH2" ip1="$IP1" ip2="$IP2" ip6_1="$IP6_1" \
	ip6_2="$IP6_2" proc1="$(ns_proc_net "$NS1")" \
	proc2="$(ns_proc_net "$NS2")" 2>&1)
wait $!
rc=$?
[ $rc = 0 ] || not_ok "hardening.py ran to the end" "exit status $rc"

splat=$(dmesg | sed -n "/atcp-test: $TEST_NAME start/,\$p" |
	grep -E 'BUG:|WARNING:|KASAN|UBSAN|ODEBUG|possible circular|inconsistent lock|Oops|refcount_t' | head -5)
if [ -z "$splat" ]; then
	ok "no kernel warning, KASAN, lockdep or UBSAN report"
else
	not_ok "no kernel warning, KASAN, lockdep or UBSAN report" "$splat"
fi
