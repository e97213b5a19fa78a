#!/usr/bin/env bash
# The real binaries together: `tickflow ingest` on a loopback port and `tickflow generate`
# sending to it; a bearer token from the environment; a clean stop on SIGTERM.
# Prints "N passed, M failed".
source "$(dirname "$0")/check.sh"
port=$((20000 + RANDOM % 20000))
wait_port() { for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && return 0; sleep 0.05; done; return 1; }

"$TICKFLOW" ingest --listen 127.0.0.1:$port --data-dir "$work/data" 2>"$work/ingest.log" &
pid=$!
check "ingest answers /healthz" wait_port
"$TICKFLOW" generate --url "http://127.0.0.1:$port/ingest" --rate 5000 --count 2000 2>"$work/gen.log"
check "generate exits 0" test $? = 0
check "generate reports all 2000 accepted" grep -q "2000 records made, 2000 accepted, 0 rejected, 0 unsent" "$work/gen.log"
check "metrics count them" bash -c "curl -s http://127.0.0.1:$port/metrics | grep -q 'tickflow_ingest_records_total{outcome=\"accepted\"} 2000'"
kill -TERM $pid; wait $pid
check "ingest stops with exit 0 on SIGTERM" test $? = 0
check "ingest logs its totals" grep -q "stopped: 2000 records accepted, 0 rejected" "$work/ingest.log"

TICKFLOW_INGEST_TOKEN=t0ken "$TICKFLOW" ingest --ingest.listen 127.0.0.1:$port --data-dir "$work/data" 2>"$work/ingest2.log" &
pid=$!
wait_port
"$TICKFLOW" generate --url "http://127.0.0.1:$port/ingest" --rate 100 --count 10 2>"$work/gen2.log"
check "without the token generate stops with exit 1" test $? = 1
check "and says ingest answered 401" grep -q "ingest answered 401" "$work/gen2.log"
TICKFLOW_INGEST_TOKEN=t0ken "$TICKFLOW" generate --url "http://127.0.0.1:$port/ingest" --rate 100 --count 10 2>"$work/gen3.log"
check "with the token all 10 are accepted" grep -q "10 records made, 10 accepted" "$work/gen3.log"
kill -TERM $pid; wait $pid

"$TICKFLOW" ingest --ingest.listen nonsense 2>"$work/bad.log"
check "a bad listen address is a usage error" test $? = 2
"$TICKFLOW" ingest --bus rabbit 2>"$work/bad3.log"; rc=$?
check "--bus is a usage error for a bad value" test $rc = 2
check "--bus checks its value like --bus.kind" grep -q "bus.kind: 'rabbit' is not one of memory, kafka" "$work/bad3.log"
"$TICKFLOW" generate --url ftp://x --count 1 2>"$work/bad2.log"
check "a bad URL is refused" test $? = 1
finish
