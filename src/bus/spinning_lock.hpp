// Taking a mutex that other cores hold for microseconds at a time: watch it for a short,
// bounded while before sleeping on it. A waiter that sleeps costs the holder a wake-up
// system call when it unlocks and itself a trip through the scheduler (each tens of µs on
// a virtual machine), longer than the hold; the in-memory bus's topics are such mutexes.
// Bounded so that a waiter whose holder lost its core burns at most `spin` of CPU.
#pragma once

#include <chrono>
#include <mutex>

namespace tickflow {

// Tells the core this thread is waiting for another (x86 `pause`: yields the pipeline to
// a sibling hyper-thread, ~25 ns on this project's machine). A no-op elsewhere.
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Locks `m`, trying for up to `spin` before blocking.
[[nodiscard]] inline std::unique_lock<std::mutex> lock_spinning(std::mutex& m, std::chrono::microseconds spin) {
  if (m.try_lock()) return std::unique_lock(m, std::adopt_lock);
  const auto until = std::chrono::steady_clock::now() + spin;
  do {
    for (int i = 0; i < 8; ++i) {  // the clock every few hundred ns is cheap enough
      cpu_relax();
      if (m.try_lock()) return std::unique_lock(m, std::adopt_lock);
    }
  } while (std::chrono::steady_clock::now() < until);
  return std::unique_lock(m);
}

}  // namespace tickflow
