// The current time as Unix epoch seconds (a double, like records' timestamps). The one
// place services read the wall clock; pure logic takes "now" as a parameter instead.
#pragma once

#include <chrono>

namespace tickflow {

inline double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace tickflow
