#!/usr/bin/env bash
# Runs the tickflow binary as a user would: generate and replay on real files, golden
# output, exit codes, error messages, stdin/stdout, over-long lines.
# Needs TICKFLOW (binary) and DATA (tests/data). Prints "N passed, M failed".
set -u
: "${TICKFLOW:?path to the tickflow binary}" "${DATA:?path to tests/data}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
check() {  # check NAME COMMAND...: passes when the command succeeds
  local name=$1; shift
  if "$@" >"$work/check.out" 2>&1; then
    passed=$((passed + 1)); echo "ok   $name"
  else
    failed=$((failed + 1)); echo "FAIL $name"; sed 's/^/     /' "$work/check.out" | head -20
  fi
}
contains() { grep -qF -- "$2" "$1" || { echo "'$2' not found in $1:"; head -c 2000 "$1"; return 1; }; }

golden=$DATA/replay
now=1767225600  # replay's "now" for golden runs, so future-timestamp checks are reproducible

# Golden: known input (generated records, the original generator's payloads, bad lines,
# blank lines) gives exactly the checked-in records, rejections and alarms.
"$TICKFLOW" replay --in "$golden/input.ndjson" --out "$work/out.ndjson" --rejected "$work/rejected.ndjson" \
  --alarms "$work/alarms.ndjson" --now $now 2>"$work/summary.txt"
echo $? >"$work/rc"
check "replay exits 0 on a file with rejected lines" test "$(cat "$work/rc")" = 0
check "golden records" cmp "$work/out.ndjson" "$golden/expected_records.ndjson"
check "golden rejections" cmp "$work/rejected.ndjson" "$golden/expected_rejected.ndjson"
check "golden alarms" cmp "$work/alarms.ndjson" "$golden/expected_alarms.ndjson"
check "summary line counts" contains "$work/summary.txt" "accepted, "
accepted=$(grep -o '[0-9]* accepted' "$work/summary.txt" | cut -d' ' -f1)
check "one output line per accepted line" test "$accepted" = "$(wc -l <"$work/out.ndjson")"

# stdin to stdout, rejections to stderr by default.
"$TICKFLOW" replay --now $now <"$golden/input.ndjson" >"$work/piped.ndjson" 2>"$work/piped.err"
check "stdin/stdout gives the same records" cmp "$work/piped.ndjson" "$golden/expected_records.ndjson"
check "rejections go to stderr by default" contains "$work/piped.err" '"field":"high"'

# generate is deterministic and its output replays with nothing rejected.
"$TICKFLOW" generate --out "$work/g1.ndjson" --count 20000 --seed 42 2>/dev/null
"$TICKFLOW" generate --out "$work/g2.ndjson" --count 20000 --seed 42 2>/dev/null
"$TICKFLOW" generate --out "$work/g3.ndjson" --count 20000 --seed 43 2>/dev/null
check "same seed, same file" cmp "$work/g1.ndjson" "$work/g2.ndjson"
check "other seed, other file" bash -c "! cmp -s '$work/g1.ndjson' '$work/g3.ndjson'"
check "generated file has the requested count" test "$(wc -l <"$work/g1.ndjson")" = 20000
"$TICKFLOW" replay --in "$work/g1.ndjson" --out "$work/g1.out" --rejected "$work/g1.rej" 2>/dev/null
check "generated records are all accepted" test ! -s "$work/g1.rej"
# 20,000 records are ~3 MB: several of the command's 1-MB blocks, analysed and written on
# two threads; read from a pipe they must come out the same.
"$TICKFLOW" replay <"$work/g1.ndjson" >"$work/g1.piped" 2>/dev/null
check "a file of several blocks gives the same records from stdin" cmp "$work/g1.out" "$work/g1.piped"
check "one record line per generated line" test "$(wc -l <"$work/g1.out")" = 20000
check "generate --symbols" bash -c "'$TICKFLOW' generate --out - --count 50 --symbols abc,XYZ.B 2>/dev/null | grep -q '\"stock_symbol\":\"XYZ.B\"'"

# A line longer than the record limit is rejected with its length; the next line still counts.
{ head -c 100000 /dev/zero | tr '\0' 'x'; echo; head -n 1 "$golden/input.ndjson"; } >"$work/long.ndjson"
"$TICKFLOW" replay --in "$work/long.ndjson" --out "$work/long.out" --rejected "$work/long.rej" --now $now 2>/dev/null
check "over-long line rejected with its length" contains "$work/long.rej" '"reason":"line is 100000 bytes; the limit is 65536 bytes"'
check "line after the long one processed" test "$(wc -l <"$work/long.out")" = 1

# Unusable arguments and I/O failures: non-zero, with a message naming the problem.
"$TICKFLOW" replay --in "$work/missing.ndjson" --out "$work/x" 2>"$work/err1"; rc1=$?
check "missing input exits 1" test $rc1 = 1
check "missing input named" contains "$work/err1" "cannot open input $work/missing.ndjson"
"$TICKFLOW" replay --bogus 2>"$work/err2"; rc2=$?
check "unknown flag exits 2" test $rc2 = 2
"$TICKFLOW" replay --signals.rsi_buy_below abc --in "$golden/input.ndjson" 2>"$work/err3"; rc3=$?
check "bad option value exits 2" test $rc3 = 2
check "bad option value named" contains "$work/err3" "--signals.rsi_buy_below: expected a number, got 'abc'"
printf '[indicators]\nma_periodd = 5\n' >"$work/bad.toml"
"$TICKFLOW" config check "$work/bad.toml" 2>"$work/err4"; rc4=$?
check "bad config file exits 2" test $rc4 = 2
check "bad config key named with a suggestion" contains "$work/err4" "unknown option indicators.ma_periodd (did you mean indicators.ma_period?)"
"$TICKFLOW" replay --in "$golden/input.ndjson" --out /dev/full --now $now 2>"$work/err5"; rc5=$?
check "write failure (disk full) exits 1" test $rc5 = 1
check "write failure says why" contains "$work/err5" "writing output failed: No space left on device"

# Config from a file and from flags changes the analysis.
printf '[indicators]\nma_period = 5\n' >"$work/ma5.toml"
"$TICKFLOW" replay --config "$work/ma5.toml" --in "$golden/input.ndjson" --out "$work/ma5.out" --now $now 2>/dev/null
check "config file changes ma period" bash -c "! cmp -s '$work/ma5.out' '$golden/expected_records.ndjson'"
"$TICKFLOW" replay --indicators.ma_period 5 --in "$golden/input.ndjson" --out "$work/ma5flag.out" --now $now 2>/dev/null
check "flag gives the same as the file" cmp "$work/ma5.out" "$work/ma5flag.out"

# --help explains the options.
"$TICKFLOW" replay --help >"$work/help.txt"
check "help lists config options with defaults" contains "$work/help.txt" "--signals.rsi_buy_below"
check "help shows defaults" contains "$work/help.txt" "[default: 30.0]"

echo "$passed passed, $failed failed"
test "$failed" = 0
