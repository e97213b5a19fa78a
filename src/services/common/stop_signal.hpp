// SIGINT/SIGTERM for long-running commands: construct it first thing (before any thread
// starts, so the signals reach only wait()), then wait() until one arrives or stop() is
// called. One per process.
#pragma once

#include <chrono>
#include <csignal>

namespace tickflow {

class StopSignal {
 public:
  StopSignal();
  // Blocks until SIGINT or SIGTERM (returns its number) or `timeout` passes (returns 0).
  int wait(std::chrono::milliseconds timeout = std::chrono::milliseconds::max());

 private:
  sigset_t set_;
};

}  // namespace tickflow
