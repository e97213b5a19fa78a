// Fault injection for the crash tests: `TICKFLOW_CRASH_AT=<name>[:<n>]` in the environment
// makes the process SIGKILL itself the n-th time (default: first) it passes crash point
// <name>, exactly as `kill -9` would at that instant. Without the variable a crash point
// costs one relaxed load. Points: notify.before_send (outbox written, nothing sent),
// notify.after_send (sent, not yet marked sent).
#pragma once

#include <string_view>

namespace tickflow {

void crash_point(std::string_view name);

}  // namespace tickflow
