#include "src/services/common/stop_signal.hpp"

#include <pthread.h>

#include <cerrno>
#include <ctime>

namespace tickflow {

StopSignal::StopSignal() {
  sigemptyset(&set_);
  sigaddset(&set_, SIGINT);
  sigaddset(&set_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set_, nullptr);  // inherited by every thread started later
}

int StopSignal::wait(std::chrono::milliseconds timeout) {
  if (timeout == std::chrono::milliseconds::max()) {
    int signal = 0;
    sigwait(&set_, &signal);
    return signal;
  }
  timespec ts{static_cast<time_t>(timeout.count() / 1000), static_cast<long>((timeout.count() % 1000) * 1000000)};
  int signal = sigtimedwait(&set_, nullptr, &ts);
  return signal > 0 ? signal : 0;
}

}  // namespace tickflow
