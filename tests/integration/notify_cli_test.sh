#!/usr/bin/env bash
# `tickflow notify` and `tickflow run` as a user meets them: bad settings and an unusable
# data dir are refused with the reason; `tickflow run` delivers every alarm it raises as a
# real .eml file (the default channel), and a second run adds to them without reusing an id.
# Prints "N passed, M failed".
source "$(dirname "$0")/check.sh"
port=$((20000 + RANDOM % 20000))

echo x > "$work/a-file"
"$TICKFLOW" notify --data-dir "$work/a-file/sub" 2>"$work/err1"; code=$?
check "a data dir under a file: exit 1" test $code = 1
check "  and says which dir and why" grep -q "cannot create data dir $work/a-file/sub" "$work/err1"

"$TICKFLOW" notify --notify.channels smtp,sms --data-dir "$work/d" 2>"$work/err2"; code=$?
check "an unknown channel: exit 2" test $code = 2
check "  names the option and the value" grep -q "notify.channels: 'sms' is not one of file, smtp, webhook" "$work/err2"

"$TICKFLOW" notify --retry-failed carrier-pigeon --data-dir "$work/d" 2>"$work/err3"; code=$?
check "--retry-failed of an unknown channel: exit 2" test $code = 2

"$TICKFLOW" notify --notify.smtp_to " , " --data-dir "$work/d" 2>"$work/err4"; code=$?
check "no recipient: exit 2" test $code = 2
check "  says so" grep -q "notify.smtp_to: needs at least one address" "$work/err4"

printf '[notify]\nchannels = 5\n' > "$work/bad.toml"
"$TICKFLOW" notify --config "$work/bad.toml" --data-dir "$work/d" 2>"$work/err5"; code=$?
check "a number where a string belongs in the file: exit 2" test $code = 2
check "  names the key and the type" grep -q "notify.channels: expected a string" "$work/err5"

"$TICKFLOW" notify --list-failed --data-dir "$work/d" >"$work/list" 2>&1
check "--list-failed on a fresh outbox says there are none" grep -q "no failed deliveries" "$work/list"

run_once() {
  # Port 0 for the dashboard: the test must not depend on 5678 being free.
  "$TICKFLOW" run --rate 3000 --seed "$1" --data-dir "$work/run" --ingest.listen 127.0.0.1:$port \
    --dashboard.listen 127.0.0.1:0 2>"$work/run$1.log" &
  local pid=$!
  sleep 8
  kill -INT $pid; wait $pid
}
run_once 7
code=$?
check "tickflow run stops with exit 0" test $code = 0
check "  and names where the mails go" grep -q "alarms:    file $work/run/mail/new" "$work/run7.log"
alarms=$(grep -o "[0-9]* alarms, [0-9]* alarm deliveries sent" "$work/run7.log" | head -1)
raised=${alarms%% alarms*}; sent=${alarms##*, }; sent=${sent%% alarm*}
files=$(ls "$work/run/mail/new" | wc -l)
echo "     run 1: $raised alarms raised, $sent delivered, $files .eml files"
check "  raised some alarms" test "${raised:-0}" -gt 0
check "  one .eml file per alarm raised" test "$files" = "$raised"
check "  every alarm delivered before exit" test "$sent" = "$raised"
check "  each file is a mail with a Message-ID, a subject and both bodies" /usr/bin/python3 - "$work/run/mail/new" <<'PY'
import email, email.policy, pathlib, sys
for f in pathlib.Path(sys.argv[1]).iterdir():
    m = email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
    assert m["Message-ID"] and m["Subject"], f
    assert m.get_body(("plain",)) is not None and m.get_body(("html",)) is not None, f
    assert f.name.startswith(m["Message-ID"].strip("<>").split("@")[0]), f
PY

run_once 8
alarms=$(grep -o "[0-9]* alarms, [0-9]* alarm deliveries sent" "$work/run8.log" | head -1)
raised2=${alarms%% alarms*}
files2=$(ls "$work/run/mail/new" | wc -l)
echo "     run 2: $raised2 alarms raised, $files2 .eml files in all"
check "a second run on the same data dir adds its own mails (alarm ids continue, none reused)" \
  test "$files2" = $((raised + raised2))

finish
