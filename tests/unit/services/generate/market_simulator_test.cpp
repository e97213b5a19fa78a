// MarketSimulator: deterministic per seed; prices really walk (each bar opens at the
// symbol's previous close); OHLC consistent; every record it makes passes validation;
// the mix of record kinds follows tick_share.
#include "src/services/generate/market_simulator.hpp"

#include <map>

#include <gtest/gtest.h>

#include "src/core/record_parser.hpp"
#include "src/core/record_writer.hpp"

namespace tickflow {
namespace {

TEST(MarketSimulator, SameSeedSameRecordsDifferentSeedDifferentRecords) {
  auto run = [](std::uint64_t seed) {
    MarketSimulator sim(default_symbols, seed, SimulatorConfig{});
    std::string out;
    for (int i = 0; i < 500; ++i) write_record(sim.next(), out);
    return out;
  };
  EXPECT_EQ(run(7), run(7));
  EXPECT_NE(run(7), run(8));
}

TEST(MarketSimulator, EachBarOpensAtThePreviousCloseAndOhlcIsConsistent) {
  MarketSimulator sim({"AAPL", "MSFT"}, 3, SimulatorConfig{});
  std::map<std::string, double> last_close;
  double last_ts = 0;
  int ticks = 0;
  bool moved = false;
  for (int i = 0; i < 5000; ++i) {
    const Record& r = sim.next();
    EXPECT_GT(r.timestamp, last_ts);
    last_ts = r.timestamp;
    if (r.type != DataType::stock) continue;
    ++ticks;
    const auto& t = std::get<StockTick>(r.body);
    std::string sym(r.symbol.view());
    if (last_close.count(sym)) {
      EXPECT_EQ(t.opening_price, last_close[sym]);
      moved |= t.closing_price != t.opening_price;
    }
    last_close[sym] = t.closing_price;
    EXPECT_LE(t.low, std::min(t.opening_price, t.closing_price));
    EXPECT_GE(t.high, std::max(t.opening_price, t.closing_price));
    EXPECT_GT(t.low, 0);
    EXPECT_GE(t.volume, 0);
  }
  EXPECT_TRUE(moved);
  EXPECT_NEAR(ticks / 5000.0, 0.8, 0.03);
}

TEST(MarketSimulator, EveryRecordPassesValidationAndEveryKindAppears) {
  MarketSimulator sim(default_symbols, 11, SimulatorConfig{});
  RecordParser parser;
  Record back;
  ValidationErrors errors;
  std::map<DataType, int> kinds;
  for (int i = 0; i < 20000; ++i) {
    std::string line;
    write_record(sim.next(), line);
    ASSERT_TRUE(parser.parse(line, 1.8e9, RecordSource::external, back, errors))
        << line << "\n" << errors.front().field << ": " << errors.front().reason;
    ++kinds[back.type];
  }
  EXPECT_EQ(kinds.size(), 5u);
}

}  // namespace
}  // namespace tickflow
