// Simulates a market as the original generator.py did, deterministically from a seed:
// per-symbol geometric Brownian motion bars (each opens at the previous close, OHLC
// consistent), plus order book entries, news sentiment, market data and economic
// indicators. Pure logic: returns records, sends nothing. Single-threaded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "src/core/record.hpp"
#include "src/services/generate/random.hpp"
#include "src/services/generate/simulator_config.hpp"

namespace tickflow {

// The original generator's symbols.
inline const std::vector<std::string> default_symbols = {"AAPL", "GOOGL", "AMZN", "MSFT", "TSLA"};

class MarketSimulator {
 public:
  // `symbols` must be valid (see symbol_problem) and not empty.
  MarketSimulator(const std::vector<std::string>& symbols, std::uint64_t seed, const SimulatorConfig& config);

  // The next record; record time advances by a random interval. The reference stays
  // valid until the next call.
  const Record& next();

  // Only stock ticks (for benchmarks and indicator load).
  const Record& next_tick();

  // Live mode: the record carries `timestamp` (the caller's clock) instead of simulated
  // time. next_other_at makes an order book entry, news, market data or economic
  // indicator, as the original generator's second thread did.
  const Record& next_at(double timestamp);
  const Record& next_tick_at(double timestamp);
  const Record& next_other_at(double timestamp);

 private:
  struct Instrument {
    Symbol symbol;
    double price;
    double pe_ratio;       // fundamentals drift slowly, as real ones do
    double shares;         // market_cap = price × shares
  };

  void advance_time();
  void make_other(Instrument& inst);
  void make_tick(Instrument& inst);
  void make_order(const Instrument& inst);
  void make_news(const Instrument& inst);
  void make_market_data(Instrument& inst);
  void make_economic_indicator();

  SimulatorConfig config_;
  Random random_;
  std::vector<Instrument> instruments_;
  double clock_;
  std::optional<double> fixed_time_;  // live mode: the timestamp of the next record
  Record record_;
};

}  // namespace tickflow
