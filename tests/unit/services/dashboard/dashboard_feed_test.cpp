// DashboardFeed: records become typed live messages with cursors; the snapshot holds the
// last bars per symbol and the recent signals, alarms and summaries; a page resumes from a
// cursor while the messages are still held; limits keep memory bounded.
#include "src/services/dashboard/dashboard_feed.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

namespace tickflow {
namespace {

std::string tick(std::string_view symbol, int seq, std::string_view signal = "neutral") {
  return fmt::format(
      R"({{"data_type":"stock_tick","stock_symbol":"{}","closing_price":{},"seq":{},"timestamp":{},"signal":"{}"}})",
      symbol, 100 + seq, seq, 1767225600 + seq, signal);
}

TEST(DashboardFeed, RecordsBecomeTypedMessagesWithIncreasingCursors) {
  DashboardFeed feed;
  auto a = feed.add(FeedSource::records, tick("AAPL", 1));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].type, "tick");
  EXPECT_EQ(a[0].cursor, 1u);
  EXPECT_EQ(a[0].text, R"({"type":"tick","cursor":1,"symbol":"AAPL","data":)" + tick("AAPL", 1) + "}");
  auto b = feed.add(FeedSource::records, tick("AAPL", 2, "buy"));
  ASSERT_EQ(b.size(), 2u);  // the bar, and a signal for the feed
  EXPECT_EQ(b[1].type, "signal");
  EXPECT_EQ(b[1].cursor, 3u);
  auto news = feed.add(FeedSource::records, R"({"data_type":"news_sentiment","stock_symbol":"AAPL","sentiment_score":0.5})");
  EXPECT_EQ(news[0].type, "news");
  auto macro = feed.add(FeedSource::records, R"({"data_type":"economic_indicator","indicator_name":"GDP Growth Rate","value":2.1})");
  EXPECT_EQ(macro[0].type, "economic_indicator");
  EXPECT_EQ(macro[0].symbol, "GDP Growth Rate");
  EXPECT_EQ(feed.add(FeedSource::alarms, R"({"alarm_id":"AAPL:2:indicators","stock_symbol":"AAPL","signal":"buy"})")[0].type,
            "alarm");
  EXPECT_EQ(feed.cursor(), 6u);
}

TEST(DashboardFeed, UnreadableRecordsAreCountedNotShown) {
  DashboardFeed feed;
  EXPECT_TRUE(feed.add(FeedSource::records, "not json").empty());
  EXPECT_TRUE(feed.add(FeedSource::records, "[1]").empty());
  EXPECT_TRUE(feed.add(FeedSource::records, R"({"data_type":"stock_tick"})").empty());  // no symbol
  EXPECT_EQ(feed.unreadable(), 3u);
  EXPECT_EQ(feed.cursor(), 0u);
}

TEST(DashboardFeed, SnapshotHoldsTheLastBarsAndIsValidJson) {
  FeedLimits limits;
  limits.bars_per_symbol = 3;
  DashboardFeed feed(limits, "e1");
  for (int i = 1; i <= 5; ++i) feed.add(FeedSource::records, tick("MSFT", i, i == 4 ? "sell" : "neutral"));
  feed.add(FeedSource::summaries, R"({"stock_symbol":"MSFT","ticks":5})");
  std::uint64_t cursor = 0;
  std::string snapshot = feed.snapshot(&cursor);
  EXPECT_EQ(cursor, 7u);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(snapshot).get(doc), simdjson::SUCCESS) << snapshot;
  EXPECT_EQ(std::string_view(doc["epoch"]), "e1");
  simdjson::dom::array bars = doc["symbols"]["MSFT"]["bars"];
  ASSERT_EQ(bars.size(), 3u);
  EXPECT_EQ(int64_t(bars.at(0)["seq"]), 3);  // the oldest two were let go
  EXPECT_EQ(simdjson::dom::array(doc["signals"]).size(), 1u);
  EXPECT_EQ(simdjson::dom::array(doc["summaries"]).size(), 1u);
  EXPECT_TRUE(doc["symbols"]["MSFT"]["order_book"].is_null());
}

TEST(DashboardFeed, ResumesFromACursorWhileItIsHeld) {
  FeedLimits limits;
  limits.resume_window = 10;
  DashboardFeed feed(limits);
  for (int i = 1; i <= 8; ++i) feed.add(FeedSource::records, tick("X", i));
  auto missed = feed.since(5);
  ASSERT_TRUE(missed.has_value());
  ASSERT_EQ(missed->size(), 3u);
  EXPECT_EQ(missed->front().cursor, 6u);
  EXPECT_TRUE(feed.since(8)->empty());
  EXPECT_FALSE(feed.since(9).has_value());  // from another life of the feed
  for (int i = 9; i <= 30; ++i) feed.add(FeedSource::records, tick("X", i));
  EXPECT_FALSE(feed.since(5).has_value());  // too old: the page gets a snapshot instead
  EXPECT_TRUE(feed.since(25).has_value());
}

TEST(DashboardFeed, SymbolsPastTheCapAreIgnoredAndCounted) {
  FeedLimits limits;
  limits.max_symbols = 2;
  DashboardFeed feed(limits);
  feed.add(FeedSource::records, tick("A", 1));
  feed.add(FeedSource::records, tick("B", 1));
  EXPECT_TRUE(feed.add(FeedSource::records, tick("C", 1)).empty());
  EXPECT_EQ(feed.ignored_symbols(), 1u);
  EXPECT_EQ(feed.symbols_json(), R"({"symbols":["A","B"]})");
}

TEST(DashboardFeed, ApiBodiesFilterAsAsked) {
  DashboardFeed feed;
  feed.add(FeedSource::records, tick("A", 1, "buy"));
  feed.add(FeedSource::records, tick("B", 1, "sell"));
  feed.add(FeedSource::records, tick("A", 2, "sell"));
  simdjson::dom::parser parser;
  EXPECT_EQ(simdjson::dom::array(parser.parse(feed.signals_json("A", ""))["signals"]).size(), 2u);
  EXPECT_EQ(simdjson::dom::array(parser.parse(feed.signals_json("", "sell"))["signals"]).size(), 2u);
  EXPECT_EQ(simdjson::dom::array(parser.parse(feed.signals_json("A", "buy"))["signals"]).size(), 1u);
  EXPECT_FALSE(feed.history_json("Z", 10).has_value());
  EXPECT_EQ(simdjson::dom::array(parser.parse(*feed.history_json("A", 1))["bars"]).size(), 1u);
}

}  // namespace
}  // namespace tickflow
