// What the calling thread has used so far: how often it gave up its core of its own accord
// (slept on a lock, a condition or a timer), and its CPU time. Tests of waiting strategies
// assert on these rather than on latency: they are what the thread did, and they hold on a
// loaded machine (being preempted is an involuntary switch, not counted).
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <ctime>

namespace tickflow::testing {

struct ThreadUse {
  long sleeps = 0;
  std::chrono::nanoseconds cpu{0};

  static ThreadUse now() {
    rusage usage{};
    getrusage(RUSAGE_THREAD, &usage);
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return {usage.ru_nvcsw, std::chrono::seconds(t.tv_sec) + std::chrono::nanoseconds(t.tv_nsec)};
  }

  ThreadUse operator-(const ThreadUse& earlier) const { return {sleeps - earlier.sleeps, cpu - earlier.cpu}; }
};

}  // namespace tickflow::testing
