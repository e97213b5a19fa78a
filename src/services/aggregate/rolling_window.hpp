// The per-stock figures over the last few minutes ("session totals plus a
// rolling window"): what a trader glances at, where session totals since start-up move
// slowly. The window ends at the symbol's latest record and reaches back `seconds` of
// record time (not wall-clock time), so a replay gives the same figures as the live run.
// Pure logic; one per symbol, inside SummaryBook.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "src/core/side.hpp"

namespace tickflow {

struct RollingWindowLimits {
  double seconds = 300;
  std::size_t max_records = 5000;  // per symbol: memory stays bounded at any tick rate
};

class RollingWindow {
 public:
  explicit RollingWindow(RollingWindowLimits limits = {}) : limits_(limits) {}

  // A record at `timestamp`: a tick (with its prices and volume), or any other record
  // whose only part here is its signal. Records older than the window are ignored.
  void add_tick(double timestamp, double close, double high, double low, std::int64_t volume,
                std::optional<Side> signal);
  void add_signal(double timestamp, Side signal);

  // Appends `"window":{...}`: seconds, from_ts/to_ts (the span actually held: shorter
  // than `seconds` when max_records cut it), ticks, first, last, high, low, change_pct,
  // volume, vwap, volatility, max_drawdown_pct, signals. Figures a window without ticks
  // cannot have are null.
  void write(std::string& out) const;

  std::size_t size() const noexcept { return entries_.size(); }

 private:
  struct Entry {
    double timestamp;
    double close, high, low;
    std::int64_t volume;
    Side signal;
    bool has_signal;
    bool is_tick;
  };
  void push(const Entry& e);

  RollingWindowLimits limits_;
  std::deque<Entry> entries_;  // oldest first
  double latest_ = 0;
};

}  // namespace tickflow
