// SignalEngine: each default rule fires with a reason naming the rule and
// its values; both stock rules agreeing is strong; alarms fire on entering buy/sell only,
// respect the cooldown, and carry a deterministic id.
#include "src/signals/signal_engine.hpp"

#include <gtest/gtest.h>

namespace tickflow {
namespace {

Record tick(double close, std::optional<double> rsi, std::optional<double> ema, std::optional<double> ma,
            double ts = 1735689600, std::uint64_t seq = 1, const char* symbol = "AAPL") {
  Record r;
  r.type = DataType::stock;
  r.symbol = Symbol::from_valid(symbol);
  r.timestamp = ts;
  r.seq = seq;
  r.body = StockTick{close, close, close, close, 100};
  r.indicators = Indicators{ma, ema, rsi};
  return r;
}

TEST(SignalEngine, RsiAtOrBelowThirtyIsABuyWithTheValueInTheReason) {
  SignalEngine engine{SignalRules{}};
  Record r = tick(100, 27.43, std::nullopt, std::nullopt);
  engine.evaluate(r);
  EXPECT_EQ(r.signal->signal, Side::buy);
  EXPECT_EQ(r.signal->reason, "RSI 27.4 ≤ 30");
  EXPECT_GT(r.signal->strength, 0.5);
  EXPECT_LE(r.signal->strength, 1.0);
}

TEST(SignalEngine, RsiAtOrAboveSeventyIsASell) {
  SignalEngine engine{SignalRules{}};
  Record r = tick(100, 70.0, std::nullopt, std::nullopt);
  engine.evaluate(r);
  EXPECT_EQ(r.signal->signal, Side::sell);
  EXPECT_EQ(r.signal->reason, "RSI 70.0 ≥ 70");
}

TEST(SignalEngine, EmaCrossingAboveMaIsABuyOnlyOnTheCrossingTick) {
  SignalEngine engine{SignalRules{}};
  Record before = tick(100, 50, 99.0, 100.0, 1, 1);
  Record cross = tick(101, 50, 100.5, 100.2, 2, 2);
  Record after = tick(102, 50, 101.0, 100.4, 3, 3);
  engine.evaluate(before);
  engine.evaluate(cross);
  engine.evaluate(after);
  EXPECT_EQ(before.signal->signal, Side::neutral);
  EXPECT_EQ(cross.signal->signal, Side::buy);
  EXPECT_EQ(cross.signal->reason, "EMA crossed above MA (100.5 > 100.2)");
  EXPECT_EQ(after.signal->signal, Side::neutral);
}

TEST(SignalEngine, RsiAndCrossoverAgreeingIsStrong) {
  SignalEngine engine{SignalRules{}};
  Record before = tick(100, 35, 101.0, 100.0, 1, 1);
  Record cross = tick(99, 75, 99.0, 100.0, 2, 2);
  engine.evaluate(before);
  engine.evaluate(cross);
  EXPECT_EQ(cross.signal->signal, Side::sell);
  EXPECT_EQ(cross.signal->strength, 1.0);
  EXPECT_EQ(cross.signal->reason, "strong: RSI 75.0 ≥ 70; EMA crossed below MA (99 < 100)");
}

TEST(SignalEngine, RulesDisagreeingIsNeutralAndSaysWhy) {
  SignalEngine engine{SignalRules{}};
  Record before = tick(100, 35, 99.0, 100.0, 1, 1);
  Record cross = tick(101, 80, 100.5, 100.0, 2, 2);
  engine.evaluate(before);
  engine.evaluate(cross);
  EXPECT_EQ(cross.signal->signal, Side::neutral);
  EXPECT_NE(cross.signal->reason.find("conflicting"), std::string::npos) << cross.signal->reason;
}

TEST(SignalEngine, FlatPriceRunMakesTheRsiRuleSilent) {
  // TA-Lib's RSI is 0 on a flat window; that is no reason to buy.
  SignalRules rules;
  rules.rsi_period = 3;
  SignalEngine engine{rules};
  Record last;
  for (std::uint64_t i = 1; i <= 5; ++i) {
    last = tick(50, 0.0, std::nullopt, std::nullopt, static_cast<double>(i), i);
    engine.evaluate(last);
  }
  EXPECT_EQ(last.signal->signal, Side::neutral);
  EXPECT_NE(last.signal->reason.find("unchanged"), std::string::npos) << last.signal->reason;
}

TEST(SignalEngine, WarmingUpIsNeutral) {
  SignalEngine engine{SignalRules{}};
  Record r = tick(100, std::nullopt, std::nullopt, std::nullopt);
  engine.evaluate(r);
  EXPECT_EQ(r.signal->signal, Side::neutral);
  EXPECT_EQ(r.signal->reason, "indicators warming up");
}

TEST(SignalEngine, DisabledRuleDoesNotFire) {
  SignalRules rules;
  rules.rsi_enabled = false;
  SignalEngine engine{rules};
  Record r = tick(100, 10, std::nullopt, std::nullopt);
  engine.evaluate(r);
  EXPECT_EQ(r.signal->signal, Side::neutral);
}

TEST(SignalEngine, AlarmOnEnteringBuyNotWhileStayingThere) {
  SignalEngine engine{SignalRules{}};
  Record a = tick(100, 25, std::nullopt, std::nullopt, 1000, 15);
  Record b = tick(99, 24, std::nullopt, std::nullopt, 1100, 16);
  Record c = tick(101, 50, std::nullopt, std::nullopt, 1200, 17);
  Record d = tick(98, 20, std::nullopt, std::nullopt, 1300, 18);
  auto alarm_a = engine.evaluate(a);
  ASSERT_TRUE(alarm_a);
  EXPECT_EQ(alarm_a->alarm_id, "AAPL:15:indicators");
  EXPECT_EQ(alarm_a->signal, Side::buy);
  EXPECT_EQ(alarm_a->price, 100);
  EXPECT_EQ(alarm_a->rsi, 25);
  EXPECT_EQ(alarm_a->reason, "RSI 25.0 ≤ 30");
  EXPECT_FALSE(engine.evaluate(b));
  EXPECT_FALSE(engine.evaluate(c));
  auto alarm_d = engine.evaluate(d);
  ASSERT_TRUE(alarm_d);
  EXPECT_EQ(alarm_d->alarm_id, "AAPL:18:indicators");
}

TEST(SignalEngine, CooldownSuppressesASecondEntryTooSoon) {
  SignalRules rules;
  rules.alarm_cooldown_seconds = 60;
  SignalEngine engine{rules};
  Record a = tick(100, 25, std::nullopt, std::nullopt, 1000, 1);
  Record b = tick(100, 50, std::nullopt, std::nullopt, 1010, 2);
  Record c = tick(100, 25, std::nullopt, std::nullopt, 1020, 3);  // 20 s after the alarm
  Record d = tick(100, 50, std::nullopt, std::nullopt, 1030, 4);
  Record e = tick(100, 25, std::nullopt, std::nullopt, 1061, 5);  // 61 s after
  EXPECT_TRUE(engine.evaluate(a));
  EXPECT_FALSE(engine.evaluate(b));
  EXPECT_FALSE(engine.evaluate(c));
  EXPECT_EQ(c.signal->signal, Side::buy);  // still a buy signal, just no alarm
  EXPECT_FALSE(engine.evaluate(d));
  EXPECT_TRUE(engine.evaluate(e));
}

TEST(SignalEngine, SymbolsHaveSeparateState) {
  SignalEngine engine{SignalRules{}};
  Record a = tick(100, 25, std::nullopt, std::nullopt, 1000, 1, "AAPL");
  Record b = tick(100, 25, std::nullopt, std::nullopt, 1000, 1, "MSFT");
  EXPECT_TRUE(engine.evaluate(a));
  EXPECT_TRUE(engine.evaluate(b));
}

// The hot paths keep one Alarm and let each raised alarm overwrite it: nothing of the
// last one (its indicator values, its longer reason) may stay behind.
TEST(SignalEngine, AnAlarmWrittenOverAnotherKeepsNothingOfIt) {
  SignalEngine engine{SignalRules{}};
  SignalState state;
  Alarm alarm;
  Record buy = tick(100, 20.5, 101.0, 100.0, 1735689600, 41);
  ASSERT_TRUE(engine.evaluate(buy, state, alarm));
  EXPECT_EQ(alarm.alarm_id, "AAPL:41:indicators");
  ASSERT_TRUE(alarm.rsi.has_value());
  Record news;
  news.type = DataType::news_sentiment;
  news.symbol = Symbol::from_valid("AAPL");
  news.timestamp = 1735689700;
  news.seq = 42;
  news.body = NewsSentiment{-0.9, 0.9, std::nullopt, std::nullopt};
  ASSERT_TRUE(engine.evaluate(news, state, alarm));
  EXPECT_EQ(alarm.alarm_id, "AAPL:42:news");
  EXPECT_EQ(alarm.source, "news");
  EXPECT_EQ(alarm.signal, Side::sell);
  EXPECT_EQ(alarm.reason, news.signal->reason);
  EXPECT_FALSE(alarm.rsi.has_value());
  EXPECT_FALSE(alarm.ema.has_value());
  EXPECT_FALSE(alarm.ma.has_value());
  EXPECT_EQ(alarm.timestamp, 1735689700);
  // The same record through the optional form gives the same alarm.
  SignalEngine again{SignalRules{}};
  SignalState fresh;
  Record news_again = news;
  auto one = again.evaluate(news_again, fresh);
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->alarm_id, alarm.alarm_id);
  EXPECT_EQ(one->reason, alarm.reason);
}

TEST(SignalEngine, NewsSentimentTimesImportance) {
  SignalEngine engine{SignalRules{}};
  Record r;
  r.type = DataType::news_sentiment;
  r.symbol = Symbol::from_valid("TSLA");
  r.seq = 4;
  r.body = NewsSentiment{-0.8, 0.9, std::string("Regulator opens probe"), std::string("regulatory")};
  auto alarm = engine.evaluate(r);
  EXPECT_EQ(r.signal->signal, Side::sell);  // -0.8 × 0.9 × 1.25 = -0.9
  EXPECT_EQ(r.signal->reason, "news sentiment -0.90 ≤ -0.4");
  ASSERT_TRUE(alarm);
  EXPECT_EQ(alarm->source, "news");
  EXPECT_EQ(alarm->alarm_id, "TSLA:4:news");
}

TEST(SignalEngine, LargeOrderSignalsItsSide) {
  SignalEngine engine{SignalRules{}};
  Record r;
  r.type = DataType::order_book;
  r.symbol = Symbol::from_valid("MSFT");
  r.body = OrderBookEntry{Side::buy, 500, 200};
  engine.evaluate(r);
  EXPECT_EQ(r.signal->signal, Side::buy);
  EXPECT_EQ(r.signal->reason, "large buy order: 100000 notional ≥ 75000");
  Record small = r;
  small.body = OrderBookEntry{Side::sell, 500, 10};
  engine.evaluate(small);
  EXPECT_EQ(small.signal->signal, Side::neutral);
}

TEST(SignalEngine, ValuationAndMacroRules) {
  SignalEngine engine{SignalRules{}};
  Record cheap;
  cheap.type = DataType::market_data;
  cheap.symbol = Symbol::from_valid("AMZN");
  cheap.body = MarketData{1e9, 6.5};
  engine.evaluate(cheap);
  EXPECT_EQ(cheap.signal->signal, Side::buy);
  EXPECT_EQ(cheap.signal->reason, "P/E 6.5 ≤ 8");
  Record losses = cheap;
  losses.body = MarketData{1e9, -4};  // negative earnings are not cheap
  engine.evaluate(losses);
  EXPECT_EQ(losses.signal->signal, Side::neutral);

  Record gdp;
  gdp.type = DataType::economic_indicator;
  gdp.body = EconomicIndicator{"GDP Growth Rate", -3.5};
  auto alarm = engine.evaluate(gdp);
  EXPECT_EQ(gdp.signal->signal, Side::sell);
  ASSERT_TRUE(alarm);
  EXPECT_EQ(alarm->stock_symbol, "GDP Growth Rate");
  EXPECT_EQ(alarm->source, "macro");

  Record unemployment;
  unemployment.type = DataType::economic_indicator;
  unemployment.body = EconomicIndicator{"Unemployment Rate", 8.5};
  EXPECT_FALSE(engine.evaluate(unemployment));
  EXPECT_EQ(unemployment.signal->signal, Side::neutral) << "high unemployment is no buy signal";
  EXPECT_EQ(unemployment.signal->reason, "Unemployment Rate 8.50 (no rule for it)");
}

}  // namespace
}  // namespace tickflow
