// SummaryBook's figures on a series computed by hand, and the aggregate service over the
// in-memory bus publishing them without counting a redelivered record twice.
#include <cmath>
#include <thread>

#include <gtest/gtest.h>
#include <simdjson.h>

#include "src/bus/memory_bus.hpp"
#include "src/services/aggregate/aggregate_service.hpp"
#include "src/services/aggregate/summary_book.hpp"

namespace tickflow {
namespace {

using namespace std::chrono_literals;

Record tick(double close, double high, double low, std::int64_t volume, Side side, std::uint64_t seq) {
  Record r;
  r.type = DataType::stock;
  r.symbol = Symbol::from_valid("AAPL");
  r.timestamp = 1735689600 + static_cast<double>(seq);
  r.seq = seq;
  r.body = StockTick{close, close, high, low, volume};
  r.signal = SignalResult{side, "test", side == Side::neutral ? 0.0 : 0.5};
  return r;
}

TEST(SummaryBook, FiguresMatchAHandComputation) {
  SummaryBook book(2);  // a signal's result is read 2 ticks later
  book.add(tick(100, 101, 99, 10, Side::buy, 1));
  book.add(tick(110, 112, 100, 20, Side::sell, 2));
  book.add(tick(99, 111, 98, 30, Side::neutral, 3));
  book.add(tick(105, 106, 97.5, 40, Side::neutral, 4));
  Record news;
  news.type = DataType::news_sentiment;
  news.symbol = Symbol::from_valid("AAPL");
  news.body = NewsSentiment{0.9, 0.9, {}, {}};
  news.signal = SignalResult{Side::buy, "news", 0.8};
  book.add(news);  // counts as a signal, moves no price
  Record macro;
  macro.type = DataType::economic_indicator;
  macro.body = EconomicIndicator{"GDP Growth Rate", 4};
  book.add(macro);  // no stock: ignored

  const StockSummary* s = book.find("AAPL");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->ticks, 4u);
  EXPECT_EQ(s->first, 100);
  EXPECT_EQ(s->last, 105);
  EXPECT_EQ(s->high, 112);
  EXPECT_EQ(s->low, 97.5);
  EXPECT_EQ(s->volume, 100);
  EXPECT_DOUBLE_EQ(s->max_drawdown_pct, 10.0);  // 110 → 99
  EXPECT_EQ(s->signals[1], 2u);                  // buy: the tick and the news
  EXPECT_EQ(s->signals[2], 1u);
  EXPECT_EQ(s->signals[0], 2u);
  // The buy at 100 read 2 ticks later at 99: -1 %, a miss. The sell at 110 read at 105: a hit.
  EXPECT_EQ(s->buy.count, 1u);
  EXPECT_DOUBLE_EQ(s->buy.sum_return_pct, -1.0);
  EXPECT_EQ(s->buy.hits, 0u);
  EXPECT_EQ(s->sell.count, 1u);
  EXPECT_NEAR(s->sell.sum_return_pct, (105.0 - 110.0) / 110.0 * 100.0, 1e-12);
  EXPECT_EQ(s->sell.hits, 1u);

  std::string json;
  ASSERT_TRUE(book.write("AAPL", json));
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  EXPECT_DOUBLE_EQ(doc["change_pct"].get_double().value(), 5.0);
  EXPECT_DOUBLE_EQ(doc["vwap"].get_double().value(), (100.0 * 10 + 110.0 * 20 + 99.0 * 30 + 105.0 * 40) / 100.0);
  double r[] = {std::log(110.0 / 100), std::log(99.0 / 110), std::log(105.0 / 99)};
  double mean = (r[0] + r[1] + r[2]) / 3;
  double var = ((r[0] - mean) * (r[0] - mean) + (r[1] - mean) * (r[1] - mean) + (r[2] - mean) * (r[2] - mean)) / 2;
  EXPECT_NEAR(doc["volatility"].get_double().value(), std::sqrt(var), 1e-15);
  EXPECT_DOUBLE_EQ(doc["signal_perf"]["buy"]["hit_rate"].get_double().value(), 0.0);
  EXPECT_DOUBLE_EQ(doc["signal_perf"]["sell"]["hit_rate"].get_double().value(), 1.0);
  // Four seconds of ticks fit the default 300 s window: it agrees with the session.
  EXPECT_EQ(doc["window"]["ticks"].get_uint64().value(), 4u);
  EXPECT_DOUBLE_EQ(doc["window"]["vwap"].get_double().value(), doc["vwap"].get_double().value());
  EXPECT_NEAR(doc["window"]["volatility"].get_double().value(), std::sqrt(var), 1e-15);
  EXPECT_EQ(book.take_changed(), std::vector<std::string>{"AAPL"});
  EXPECT_TRUE(book.take_changed().empty());
}

TEST(SummaryBook, UnknownSymbolAndNoTicksYet) {
  SummaryBook book;
  std::string json;
  EXPECT_FALSE(book.write("NOPE", json));
  Record order;
  order.type = DataType::order_book;
  order.symbol = Symbol::from_valid("MSFT");
  order.body = OrderBookEntry{Side::buy, 10, 1};
  order.signal = SignalResult{};
  book.add(order);
  ASSERT_TRUE(book.write("MSFT", json));
  EXPECT_NE(json.find(R"("ticks":0,"signals":{"buy":0,"sell":0,"neutral":1})"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("mean_fwd_return_pct":null,"hit_rate":null)"), std::string::npos) << json;
}

TEST(AggregateService, PublishesSummariesAndCountsARedeliveryOnce) {
  MemoryBus bus;
  AggregateOptions o;
  o.publish_every = 100ms;
  AggregateService service(bus, o);
  std::string a = R"({"data_type":"stock","stock_symbol":"AAPL","opening_price":100,"closing_price":100,"high":101,"low":99,"volume":5,"timestamp":1735689600,"seq":1,"ingest_ts":1735689600,"ma":null,"ema":null,"rsi":null,"signal":"neutral","signal_reason":"x","signal_strength":0})";
  std::string b = R"({"data_type":"stock","stock_symbol":"AAPL","opening_price":100,"closing_price":102,"high":103,"low":99,"volume":7,"timestamp":1735689601,"seq":2,"ingest_ts":1735689601,"ma":null,"ema":null,"rsi":null,"signal":"buy","signal_reason":"x","signal_strength":0.5})";
  for (const auto& r : {a, b, b}) ASSERT_EQ(bus.publish(o.in_topic, "AAPL", r), PublishStatus::ok);  // b twice
  std::jthread worker([&](std::stop_token s) { service.run(s); });
  auto sub = bus.subscribe({o.out_topic}, "reader");
  std::string last;
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (last.find(R"("ticks":2)") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    for (const auto& r : sub->poll(10, 100ms)) last = std::string(r.payload);
  }
  worker.request_stop();
  worker.join();
  EXPECT_NE(last.find(R"("stock_symbol":"AAPL","ticks":2)"), std::string::npos) << last;
  EXPECT_NE(last.find(R"("volume":12)"), std::string::npos) << "the redelivered record counted twice: " << last;
  EXPECT_NE(service.summaries_json().find(R"("buy":1)"), std::string::npos);
}

}  // namespace
}  // namespace tickflow
