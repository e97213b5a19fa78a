// Per-stock figures (docs/schema.md "Summary"): ticks, first/last/high/low, change %, volume,
// VWAP, volatility of log returns, max drawdown, signal counts, and how buy and sell
// signals on ticks did over the next N ticks (mean forward return, hit rate). Session
// totals, and the same figures over a rolling window (RollingWindow). Pure logic: feed it
// signal-topic records, read JSON back. One thread.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "src/core/record.hpp"
#include "src/core/string_key_map.hpp"
#include "src/services/aggregate/rolling_window.hpp"

namespace tickflow {

struct SidePerformance {
  std::uint64_t count = 0;  // signals whose forward window has closed
  double sum_return_pct = 0;
  std::uint64_t hits = 0;   // buy: price rose; sell: price fell
};

struct StockSummary {
  std::uint64_t ticks = 0;
  double first = 0, last = 0, high = 0, low = 0;
  std::int64_t volume = 0;
  double price_volume = 0;      // Σ close × volume, for VWAP
  std::uint64_t returns = 0;    // log returns seen (Welford)
  double mean_return = 0, m2 = 0;
  double peak = 0, max_drawdown_pct = 0;
  std::uint64_t signals[3] = {0, 0, 0};  // neutral, buy, sell (Side's order)
  SidePerformance buy, sell;
  struct Pending {
    Side side;
    double price;
    int ticks_left;
  };
  std::deque<Pending> pending;  // tick signals whose forward window is open (≤ N)
  RollingWindow window;
  double updated_ts = 0;
  bool changed = false;  // since the last take_changed()
};

class SummaryBook {
 public:
  explicit SummaryBook(int forward_ticks = 10, RollingWindowLimits window = {})
      : forward_ticks_(forward_ticks), window_(window) {}

  // Takes one record from the signals topic (any data_type with a stock symbol).
  void add(const Record& record);

  // Symbols changed since the last call, and clears that list.
  std::vector<std::string> take_changed();

  // The summary of `symbol` as docs/schema.md's JSON object; false when unknown.
  bool write(std::string_view symbol, std::string& out) const;

  const StockSummary* find(std::string_view symbol) const;

 private:
  int forward_ticks_;
  RollingWindowLimits window_;
  StringKeyMap<StockSummary> stocks_;
  std::vector<std::string> changed_;
};

}  // namespace tickflow
