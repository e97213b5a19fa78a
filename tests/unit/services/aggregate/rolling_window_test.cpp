// RollingWindow's figures against a hand computation, and its edges: records leaving by
// time, a late record, one too old to count, the record cap, a window without ticks.
#include "src/services/aggregate/rolling_window.hpp"

#include <cmath>
#include <string>

#include <gtest/gtest.h>
#include <simdjson.h>

namespace tickflow {
namespace {

// The window's JSON as a DOM object (the writer emits a member, not a whole document).
struct WindowJson {
  simdjson::dom::parser parser;
  std::string text;

  simdjson::dom::object operator()(const RollingWindow& w) {
    text = "{";
    w.write(text);
    text += "}";
    simdjson::dom::object outer = parser.parse(text).get_object().value();
    return outer["window"].get_object().value();
  }
};

double number(simdjson::dom::object o, const char* key) { return o[key].get_double().value(); }

TEST(RollingWindow, FiguresMatchAHandComputation) {
  RollingWindow w({10, 1000});
  w.add_tick(1000, 100, 101, 99, 10, Side::buy);      // leaves: more than 10 s before 1012
  w.add_tick(1005, 110, 112, 108, 20, Side::sell);
  w.add_signal(1007, Side::buy);                       // a news signal: counted, no price
  w.add_tick(1009, 99, 111, 98, 30, Side::neutral);
  w.add_tick(1012, 105, 106, 97.5, 40, Side::neutral);
  WindowJson parsed;
  auto o = parsed(w);
  EXPECT_EQ(number(o, "seconds"), 10);
  EXPECT_EQ(number(o, "from_ts"), 1005);
  EXPECT_EQ(number(o, "to_ts"), 1012);
  EXPECT_EQ(o["ticks"].get_uint64().value(), 3u);
  EXPECT_EQ(number(o, "first"), 110);
  EXPECT_EQ(number(o, "last"), 105);
  EXPECT_EQ(number(o, "high"), 112);
  EXPECT_EQ(number(o, "low"), 97.5);
  EXPECT_DOUBLE_EQ(number(o, "change_pct"), (105.0 - 110.0) / 110.0 * 100.0);
  EXPECT_EQ(o["volume"].get_int64().value(), 90);
  EXPECT_DOUBLE_EQ(number(o, "vwap"), (110.0 * 20 + 99.0 * 30 + 105.0 * 40) / 90.0);
  double r1 = std::log(99.0 / 110.0), r2 = std::log(105.0 / 99.0), mean = (r1 + r2) / 2;
  EXPECT_NEAR(number(o, "volatility"), std::sqrt((r1 - mean) * (r1 - mean) + (r2 - mean) * (r2 - mean)), 1e-15);
  EXPECT_DOUBLE_EQ(number(o, "max_drawdown_pct"), (110.0 - 99.0) / 110.0 * 100.0);
  auto signals = o["signals"].get_object().value();
  EXPECT_EQ(signals["buy"].get_uint64().value(), 1u);   // the news signal; the tick's buy left
  EXPECT_EQ(signals["sell"].get_uint64().value(), 1u);
  EXPECT_EQ(signals["neutral"].get_uint64().value(), 2u);
}

TEST(RollingWindow, ALateRecordGoesInItsPlaceAndATooOldOneIsIgnored) {
  RollingWindow w({10, 1000});
  w.add_tick(1000, 100, 100, 100, 1, Side::neutral);
  w.add_tick(1008, 120, 120, 120, 1, Side::neutral);
  w.add_tick(1004, 90, 90, 90, 1, Side::neutral);  // late, still inside: between the two
  w.add_tick(980, 50, 50, 50, 1, Side::neutral);   // before the window: not counted
  WindowJson parsed;
  auto o = parsed(w);
  EXPECT_EQ(o["ticks"].get_uint64().value(), 3u);
  EXPECT_EQ(number(o, "first"), 100);
  EXPECT_EQ(number(o, "last"), 120);
  EXPECT_EQ(number(o, "low"), 90);
  EXPECT_DOUBLE_EQ(number(o, "max_drawdown_pct"), 10);  // 100 → 90 in time order
}

TEST(RollingWindow, HoldsAtMostMaxRecordsAndSaysWhereItStarts) {
  RollingWindow w({3600, 100});
  for (int i = 0; i < 1000; ++i) w.add_tick(1000 + i, 100 + i % 7, 110, 90, 1, Side::neutral);
  EXPECT_EQ(w.size(), 100u);
  WindowJson parsed;
  auto o = parsed(w);
  EXPECT_EQ(o["ticks"].get_uint64().value(), 100u);
  EXPECT_EQ(number(o, "from_ts"), 1900);
  EXPECT_EQ(number(o, "to_ts"), 1999);
}

TEST(RollingWindow, WithoutTicksThePriceFiguresAreNull) {
  RollingWindow w;
  WindowJson parsed;
  auto empty = parsed(w);
  EXPECT_TRUE(empty["from_ts"].is_null());
  EXPECT_EQ(empty["ticks"].get_uint64().value(), 0u);
  EXPECT_TRUE(empty["last"].is_null());

  w.add_signal(1000, Side::sell);
  auto o = parsed(w);
  EXPECT_EQ(o["ticks"].get_uint64().value(), 0u);
  for (const char* key : {"first", "last", "high", "low", "change_pct", "vwap", "volatility", "max_drawdown_pct"}) {
    EXPECT_TRUE(o[key].is_null()) << key;
  }
  EXPECT_EQ(o["signals"]["sell"].get_uint64().value(), 1u);
}

}  // namespace
}  // namespace tickflow
