// Streaming exponential moving average as TA-Lib's TA_EMA (default compatibility):
// alpha = 2/(n+1), seeded with the simple average of the first n values, so the first
// value comes at the n-th update. O(1), no allocation.
#pragma once

#include <optional>

#include "src/core/state_codec.hpp"

namespace tickflow {

class Ema {
 public:
  explicit Ema(int period) : period_(period), k_(2.0 / (period + 1)) {}

  std::optional<double> update(double x) noexcept {
    if (count_ < period_) {
      seed_total_ += x;
      if (++count_ < period_) return std::nullopt;
      value_ = seed_total_ / period_;
      return value_;
    }
    value_ = (x - value_) * k_ + value_;
    return value_;
  }

  // Starts the average at `value` (used where TA-Lib seeds an EMA from other data, as
  // MACD's fast line is).
  void seed(double value) noexcept {
    value_ = value;
    count_ = period_;
  }

  bool warmed_up() const noexcept { return count_ >= period_; }
  int period() const noexcept { return period_; }

  void save(StateWriter& w) const {
    w.put(count_);
    w.put(seed_total_);
    w.put(value_);
  }
  bool load(StateReader& r) {
    r.get(count_);
    r.get(seed_total_);
    r.get(value_);
    return r.ok() && count_ >= 0 && count_ <= period_;
  }

 private:
  int period_;
  double k_;
  int count_ = 0;
  double seed_total_ = 0;
  double value_ = 0;
};

}  // namespace tickflow
