// StateStore keeps per-key state across reopening, refuses state written for other
// settings with a message that says what to do, and indicator and signal state saved
// mid-stream continue exactly where they left off.
#include "src/store/state_store.hpp"

#include <unistd.h>

#include <filesystem>
#include <map>

#include <gtest/gtest.h>

#include "src/indicators/indicator_set.hpp"
#include "src/signals/signal_state.hpp"

namespace tickflow {
namespace {

std::string temp_db(const char* name) {
  auto p = std::filesystem::temp_directory_path() / (std::string("tickflow-test-") + name + "-" + std::to_string(::getpid()) + ".sqlite");
  std::filesystem::remove(p);
  return p.string();
}

TEST(StateStore, KeepsStateAcrossReopening) {
  auto path = temp_db("reopen");
  {
    StateStore store(path, "layout-a");
    std::vector<StateStore::Entry> entries = {{"AAPL", 7, "abc"}, {"MSFT", 3, std::string_view("\0\1\2", 3)}};
    ASSERT_TRUE(store.save(entries).ok);
    ASSERT_TRUE(store.save(std::vector<StateStore::Entry>{{"AAPL", 9, "xyz"}}).ok);  // replaces
    ASSERT_TRUE(store.save(std::vector<StateStore::Entry>{{"EMPTY", 1, std::string_view()}}).ok) << "no bytes is fine";
  }
  StateStore again(path, "layout-a");
  std::map<std::string, std::pair<std::uint64_t, std::string>> got;
  ASSERT_TRUE(again.load([&](const StateStore::Entry& e) { got[std::string(e.key)] = {e.last_seq, std::string(e.bytes)}; }).ok);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got["EMPTY"].second, "");
  EXPECT_EQ(got["AAPL"], std::make_pair(std::uint64_t{9}, std::string("xyz")));
  EXPECT_EQ(got["MSFT"].second, std::string("\0\1\2", 3));
  std::filesystem::remove(path);
}

TEST(StateStore, RefusesStateWrittenForOtherSettings) {
  auto path = temp_db("layout");
  { StateStore store(path, "process ma=20 ema=12 rsi=14"); }
  try {
    StateStore store(path, "process ma=50 ema=12 rsi=14");
    FAIL() << "opened state written for other periods";
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("ma=20"), std::string::npos) << what;
    EXPECT_NE(what.find("delete the file"), std::string::npos) << what;
  }
  std::filesystem::remove(path);
}

TEST(StateStore, UnwritableLocationIsAStartUpError) {
  EXPECT_THROW(StateStore("/nonexistent-dir/x/state.sqlite", "l"), std::runtime_error);
}

TEST(IndicatorState, SavedAndLoadedMidStreamContinuesBitForBit) {
  IndicatorPeriods periods{5, 4, 3};
  IndicatorSet uninterrupted(periods), first(periods);
  std::vector<double> prices;
  for (int i = 0; i < 60; ++i) prices.push_back(100 + (i * 37 % 11) - 5 + i * 0.1);
  for (int i = 0; i < 23; ++i) {
    uninterrupted.update(prices[static_cast<std::size_t>(i)]);
    first.update(prices[static_cast<std::size_t>(i)]);
  }
  std::string bytes;
  StateWriter w(bytes);
  first.save(w);
  IndicatorSet resumed(periods);
  StateReader r(bytes);
  ASSERT_TRUE(resumed.load(r));
  for (std::size_t i = 23; i < prices.size(); ++i) {
    auto a = uninterrupted.update(prices[i]);
    auto b = resumed.update(prices[i]);
    ASSERT_EQ(a.ma, b.ma) << i;
    ASSERT_EQ(a.ema, b.ema) << i;
    ASSERT_EQ(a.rsi, b.rsi) << i;
  }
  IndicatorSet other_periods(IndicatorPeriods{6, 4, 3});
  StateReader r2(bytes);
  EXPECT_FALSE(other_periods.load(r2)) << "state of other periods must not load";
  IndicatorSet truncated(periods);
  StateReader r3(std::string_view(bytes).substr(0, bytes.size() / 2));
  EXPECT_FALSE(truncated.load(r3));
}

TEST(SignalStateCodec, RoundTrips) {
  SignalState s;
  s.spread = -0.25;
  s.last_close = 101.5;
  s.unchanged_closes = 3;
  s.has_close = true;
  s.news.admit(Side::buy, 1000, 60);
  std::string bytes;
  StateWriter w(bytes);
  s.save(w);
  SignalState back;
  StateReader r(bytes);
  ASSERT_TRUE(back.load(r));
  EXPECT_EQ(back.spread, -0.25);
  EXPECT_EQ(back.last_close, 101.5);
  EXPECT_EQ(back.unchanged_closes, 3);
  EXPECT_FALSE(back.news.admit(Side::buy, 1010, 60)) << "the gate remembers it is in buy";
}

}  // namespace
}  // namespace tickflow
