// Streaming Bollinger bands (period, k; default 20, 2) as TA-Lib's TA_BBANDS with an SMA
// middle band: population standard deviation from a running sum of squares minus the
// squared mean, reported as 0 when that variance is below talib_epsilon (TA-Lib's rule).
#pragma once

#include <cmath>
#include <cstddef>
#include <memory>
#include <optional>

#include "src/indicators/sma.hpp"
#include "src/indicators/talib_epsilon.hpp"

namespace tickflow {

struct BollingerValue {
  double upper;
  double middle;
  double lower;
};

class Bollinger {
 public:
  Bollinger(int period, double k)
      : period_(static_cast<std::size_t>(period)), k_(k), middle_(period),
        squares_(std::make_unique<double[]>(period_)) {}

  std::optional<BollingerValue> update(double x) noexcept {
    auto middle = middle_.update(x);
    double square = x * x;
    total_squares_ += square;
    if (count_ < period_) {
      squares_[count_++] = square;
      if (!middle) return std::nullopt;
      oldest_ = 0;
    } else {
      squares_[oldest_] = square;
      oldest_ = oldest_ + 1 == period_ ? 0 : oldest_ + 1;
    }
    double variance = total_squares_ / static_cast<double>(period_);
    total_squares_ -= squares_[oldest_];
    variance -= *middle * *middle;
    double deviation = variance < talib_epsilon ? 0.0 : std::sqrt(variance);
    double width = deviation * k_;
    return BollingerValue{*middle + width, *middle, *middle - width};
  }

 private:
  std::size_t period_;
  double k_;
  Sma middle_;
  std::unique_ptr<double[]> squares_;
  std::size_t count_ = 0;
  std::size_t oldest_ = 0;
  double total_squares_ = 0;
};

}  // namespace tickflow
