// Streaming average true range (default 14) as TA-Lib's TA_ATR: true range from the second
// bar on, first value the simple average of the first n true ranges (at update n+1), then
// Wilder smoothing. O(1), no allocation.
#pragma once

#include <cmath>
#include <optional>

namespace tickflow {

class Atr {
 public:
  explicit Atr(int period) : period_(period) {}

  std::optional<double> update(double high, double low, double close) noexcept {
    if (count_ == 0) {
      prev_close_ = close;
      ++count_;
      return std::nullopt;
    }
    double range = high - low;
    double from_high = std::fabs(prev_close_ - high);
    if (from_high > range) range = from_high;
    double from_low = std::fabs(prev_close_ - low);
    if (from_low > range) range = from_low;
    prev_close_ = close;
    if (count_ <= period_) {
      total_ += range;
      if (count_++ < period_) return std::nullopt;
      value_ = total_ / period_;
      return value_;
    }
    value_ *= period_ - 1;
    value_ += range;
    value_ /= period_;
    return value_;
  }

 private:
  int period_;
  int count_ = 0;
  double prev_close_ = 0;
  double total_ = 0;
  double value_ = 0;
};

}  // namespace tickflow
