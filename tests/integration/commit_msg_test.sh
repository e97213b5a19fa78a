#!/usr/bin/env bash
# scripts/git-hooks/commit-msg accepts messages that follow CONTRIBUTING.md's rule and
# refuses each kind that does not, naming the problem.
set -u
hook="$(dirname "$0")/../../scripts/git-hooks/commit-msg"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
expect() {  # expect ok|refused "message" [text the refusal must contain]
  printf '%s' "$2" >"$work/msg"
  "$hook" "$work/msg" 2>"$work/err"
  local code=$?
  if { [ "$1" = ok ] && [ $code = 0 ]; } || { [ "$1" = refused ] && [ $code = 1 ] && grep -q "${3:-}" "$work/err"; }; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL expected $1 for: $2 (exit $code: $(cat "$work/err"))"
  fi
}
expect ok "notify: keep in the outbox only what is in flight"
expect ok $'net: guard every request by Host, Origin and token\n\nWhy, and the figures.'
expect ok "tests, docs: process the journal again on start"
expect ok "run: resume on the in-memory bus"
expect refused "Keep only what is in flight" "area: what changed"
expect refused "notify: keeps only what is in flight" "not imperative"
expect refused "notify: kept only what is in flight" "not imperative"
expect refused "notify: keeping only what is in flight" "not imperative"
expect refused "notify: keep only what is in flight." "full stop"
expect refused "app: with_saved_thresholds() loads the dashboard's saved thresholds over the configured ones for every command" "at most 72"
expect refused $'notify: keep only what is in flight\nno blank line' "second line"
expect refused "" "empty"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
