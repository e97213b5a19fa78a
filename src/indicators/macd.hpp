// Streaming MACD (fast, slow, signal; default 12, 26, 9) as TA-Lib's TA_MACD: both EMAs
// start at the slow period's end, the fast one seeded with the average of the last `fast`
// closes (TA-Lib's alignment, not a fast EMA run from the first tick); the signal line is
// an EMA of the MACD line. First value at update slow + signal - 1. O(1), no allocation
// after construction.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>

#include "src/indicators/ema.hpp"

namespace tickflow {

struct MacdValue {
  double macd;
  double signal;
  double histogram;
};

class Macd {
 public:
  Macd(int fast, int slow, int signal)
      : fast_period_(static_cast<std::size_t>(fast)), slow_period_(static_cast<std::size_t>(slow)),
        fast_(fast), slow_(slow), signal_(signal), recent_(std::make_unique<double[]>(fast_period_)) {}

  std::optional<MacdValue> update(double x) noexcept {
    ++count_;
    auto slow = slow_.update(x);
    double fast;
    if (count_ <= slow_period_) {
      recent_[count_ % fast_period_] = x;
      if (!slow) return std::nullopt;
      // Sum the last `fast` closes oldest first, as TA-Lib's seed loop does.
      double total = 0;
      for (std::size_t i = 1; i <= fast_period_; ++i) total += recent_[(count_ + i) % fast_period_];
      fast = total / static_cast<double>(fast_period_);
      fast_.seed(fast);
    } else {
      fast = *fast_.update(x);
    }
    double line = fast - *slow;
    auto signal = signal_.update(line);
    if (!signal) return std::nullopt;
    return MacdValue{line, *signal, line - *signal};
  }

 private:
  std::size_t fast_period_;
  std::size_t slow_period_;
  Ema fast_;
  Ema slow_;
  Ema signal_;
  std::unique_ptr<double[]> recent_;  // last `fast` closes, needed only until the seed
  std::size_t count_ = 0;
};

}  // namespace tickflow
