#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/bench/atcp-bench, smoke test (not a benchmark: `make bench` is, on
# a non-debug kernel): servers for TCP and ATCP in ns2 on the same port
# (the two protocols have separate port spaces), the client in ns1, each
# test (bulk, rr, crr) once per protocol with small sizes and every
# payload byte verified (-V).  A run passes when the client exits 0 and
# prints its result line.  The ATCP runs need ATCP's data path.
#
# atcp-timeout: 240
here=${0%/*}; [ "$here" = "$0" ] && here=.
source "$here/lib.sh"

BENCH=$ATCP_ROOT/tools/bench/atcp-bench
[ -x "$BENCH" ] || bail_out "$BENCH is not built (make -C tools)"
atcp_ensure_loaded || bail_out "cannot load $ATCP_KO"
ns_setup || bail_out "cannot set up namespaces"

PORT=5201
for p in tcp atcp; do
	nsx "$NS2" "$BENCH" -s -p $p -l $PORT -T 20 >"$TEST_TMP/server-$p.out" \
		2>"$TEST_TMP/server-$p.err" &
	on_exit "kill $!"
	wait_until 30 file_has "$TEST_TMP/server-$p.out" listening ||
		bail_out "atcp-bench -s -p $p did not start: $(cat "$TEST_TMP/server-$p.err")"
done

for p in tcp atcp; do
	for t in "bulk -m 4" "rr -n 200 -r 100 -R 2000" "crr -n 20"; do
		# shellcheck disable=SC2086
		out=$(nsx "$NS1" "$BENCH" -c "$IP2" -p $p -l $PORT -T 20 -V -t $t 2>&1)
		rc=$?
		if [ $rc = 0 ] && [[ $out == "${t%% *} proto=$p("*"verified=1" ]]; then
			ok "atcp-bench -p $p -t $t"
			diag "$out"
		else
			not_ok "atcp-bench -p $p -t $t" "exit $rc: $out" \
				"server: $(tail -3 "$TEST_TMP/server-$p.err")"
		fi
	done
done
