// Streaming Wilder RSI as TA-Lib's TA_RSI: average gain and loss over the first n changes,
// then Wilder smoothing ((prev*(n-1) + today)/n). First value at update n+1. Like TA-Lib,
// a window with no movement (gain+loss below talib_epsilon) reports 0.
#pragma once

#include <optional>

#include "src/core/state_codec.hpp"
#include "src/indicators/talib_epsilon.hpp"

namespace tickflow {

class Rsi {
 public:
  explicit Rsi(int period) : period_(period) {}

  std::optional<double> update(double x) noexcept {
    if (count_ == 0) {
      prev_ = x;
      ++count_;
      return std::nullopt;
    }
    double change = x - prev_;
    prev_ = x;
    if (count_ <= period_) {
      if (change < 0) {
        loss_ -= change;
      } else {
        gain_ += change;
      }
      if (count_++ < period_) return std::nullopt;
      loss_ /= period_;
      gain_ /= period_;
      return value();
    }
    loss_ *= (period_ - 1);
    gain_ *= (period_ - 1);
    if (change < 0) {
      loss_ -= change;
    } else {
      gain_ += change;
    }
    loss_ /= period_;
    gain_ /= period_;
    return value();
  }

  void save(StateWriter& w) const {
    w.put(count_);
    w.put(prev_);
    w.put(gain_);
    w.put(loss_);
  }
  bool load(StateReader& r) {
    r.get(count_);
    r.get(prev_);
    r.get(gain_);
    r.get(loss_);
    return r.ok() && count_ >= 0 && count_ <= period_ + 1;
  }

 private:
  double value() const noexcept {
    double total = gain_ + loss_;
    return (total > -talib_epsilon && total < talib_epsilon) ? 0.0 : 100.0 * (gain_ / total);
  }

  int period_;
  int count_ = 0;  // updates seen, saturating at period_ + 1
  double prev_ = 0;
  double gain_ = 0;
  double loss_ = 0;
};

}  // namespace tickflow
