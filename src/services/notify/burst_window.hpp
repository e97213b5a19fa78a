// Burst control for one channel: counts the mails sent in the last minute, so the sender
// can tell when the next alarms should go out together as one digest instead of one mail
// each (`per_minute` mails at most; 0 turns digests off). Pure: time is passed in.
#pragma once

#include <cstddef>
#include <deque>

namespace tickflow {

class BurstWindow {
 public:
  explicit BurstWindow(std::size_t per_minute) : per_minute_(per_minute) {}

  // How many single mails may go now without passing the limit.
  std::size_t budget(double now) {
    if (per_minute_ == 0) return static_cast<std::size_t>(-1);
    while (!sent_.empty() && sent_.front() <= now - 60) sent_.pop_front();
    return sent_.size() >= per_minute_ ? 0 : per_minute_ - sent_.size();
  }

  void sent(double now) {
    if (per_minute_ != 0) sent_.push_back(now);
  }

 private:
  std::size_t per_minute_;
  std::deque<double> sent_;
};

}  // namespace tickflow
