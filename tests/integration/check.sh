# Sourced by the shell integration tests: `check NAME COMMAND...` passes when the command
# succeeds and prints ok/FAIL with the name; `finish` removes $work, prints "N passed, M
# failed" and sets the exit status. Needs TICKFLOW (the binary under test).
set -u
: "${TICKFLOW:?path to the tickflow binary}"
work=$(mktemp -d)
passed=0; failed=0
check() { local name=$1; shift; if "$@"; then passed=$((passed+1)); echo "ok   $name"; else failed=$((failed+1)); echo "FAIL $name"; fi; }
finish() {
  rm -rf "$work"
  echo "$passed passed, $failed failed"
  test $failed = 0
}
