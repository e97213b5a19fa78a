// Streaming simple moving average, computed as TA-Lib's TA_SMA does: a running total that
// adds the newest value, divides, then drops the oldest (same operations, same rounding).
// First value at the period-th update. O(1) per update, no allocation after construction.
#pragma once

#include <cmath>
#include <cstddef>
#include <memory>
#include <optional>

#include "src/core/state_codec.hpp"

namespace tickflow {

class Sma {
 public:
  explicit Sma(int period)
      : period_(static_cast<std::size_t>(period)), window_(std::make_unique<double[]>(period_)) {}

  std::optional<double> update(double x) noexcept {
    total_ += x;
    if (count_ < period_) {
      window_[count_++] = x;
      if (count_ < period_) return std::nullopt;
      oldest_ = 0;
    } else {
      // window_[oldest_] already left the total; the new value takes its slot.
      window_[oldest_] = x;
      oldest_ = oldest_ + 1 == period_ ? 0 : oldest_ + 1;
    }
    double out = total_ / static_cast<double>(period_);
    const double leaving = window_[oldest_];
    total_ -= leaving;
    // A value near DBL_MAX leaves the total inf, NaN once it is taken out, or at best with
    // its rounding error (far larger than the other values): add the window up afresh when
    // one leaves, so that no single value poisons the average for good. Values within
    // validation.max_price never take this path, so results stay TA-Lib's.
    if (!(std::abs(leaving) <= huge_value) || !std::isfinite(total_)) total_ = window_total_but_oldest();
    return out;
  }

  bool warmed_up() const noexcept { return count_ >= period_; }

  // Checkpoint: everything needed to continue exactly where this left off.
  void save(StateWriter& w) const {
    w.put(count_);
    w.put(oldest_);
    w.put(total_);
    for (std::size_t i = 0; i < period_; ++i) w.put(window_[i]);
  }
  bool load(StateReader& r) {
    r.get(count_);
    r.get(oldest_);
    r.get(total_);
    for (std::size_t i = 0; i < period_; ++i) r.get(window_[i]);
    return r.ok() && count_ <= period_ && oldest_ < period_;
  }

 private:
  static constexpr double huge_value = 1e150;

  double window_total_but_oldest() const noexcept {
    double t = 0;
    for (std::size_t i = 0; i < period_; ++i) {
      if (i != oldest_) t += window_[i];
    }
    return t;
  }

  std::size_t period_;
  std::unique_ptr<double[]> window_;
  std::size_t count_ = 0;
  std::size_t oldest_ = 0;
  double total_ = 0;
};

}  // namespace tickflow
