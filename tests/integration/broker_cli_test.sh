#!/usr/bin/env bash
# `tickflow broker` serves the Kafka protocol (checked with kcat, an independent client)
# and stops cleanly on SIGINT. Prints "N passed, M failed".
source "$(dirname "$0")/check.sh"

"$TICKFLOW" broker --count 3 --address-file "$work/addr" >"$work/out" 2>&1 &
pid=$!
for _ in $(seq 1 50); do [ -s "$work/addr" ] && break; sleep 0.1; done
addr=$(cat "$work/addr" 2>/dev/null)
check "address file written" test -n "$addr"
check "three brokers announced" bash -c "[ \$(echo '$addr' | tr ',' '\n' | wc -l) = 3 ]"
seq 1 500 | kcat -P -b "$addr" -t probe -K: 2>/dev/null
check "kcat reads back what kcat wrote" bash -c "[ \$(kcat -C -b '$addr' -t probe -e -q 2>/dev/null | wc -l) = 500 ]"
kill -INT $pid; wait $pid; rc=$?
check "stops with exit 0 on SIGINT" test $rc = 0
check "says it stopped" grep -q "stopping on signal 2" "$work/out"
"$TICKFLOW" broker --count 0 >/dev/null 2>&1; rc=$?
check "--count 0 is a usage error" test $rc = 2
finish
