// ReplayPipeline: one output line per accepted input line in input order, with per-key seq,
// indicators and a signal; each rejected line reported with its number, field and reason;
// blank lines skipped; alarms written as JSON lines.
#include "src/services/replay/replay_pipeline.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <fmt/format.h>

namespace tickflow {
namespace {

constexpr double now = 1767225600;

std::string tick_line(const char* symbol, double close, double ts) {
  return fmt::format(R"({{"stock_symbol":"{}","opening_price":{},"closing_price":{},"high":{},"low":{},"volume":10,"timestamp":{}}})",
                     symbol, close, close, close + 1, close - 1, ts);
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

TEST(ReplayPipeline, NumbersRecordsPerSymbolAndKeepsInputOrder) {
  ReplayPipeline p(IndicatorPeriods{}, SignalRules{}, ValidationLimits{}, now);
  ReplayOutput out;
  p.handle_line(tick_line("AAPL", 100, 1735689600), 1, out);
  p.handle_line(tick_line("MSFT", 200, 1735689601), 2, out);
  p.handle_line("", 3, out);
  p.handle_line(tick_line("aapl", 101, 1735689602), 4, out);
  auto got = lines(out.records);
  ASSERT_EQ(got.size(), 3u);
  simdjson::dom::parser parser;
  auto seq = [&](const std::string& l) { return parser.parse(l)["seq"].get_uint64().value(); };
  auto sym = [&](const std::string& l) { return std::string(parser.parse(l)["stock_symbol"].get_string().value()); };
  EXPECT_EQ(sym(got[0]), "AAPL");
  EXPECT_EQ(seq(got[0]), 1u);
  EXPECT_EQ(sym(got[1]), "MSFT");
  EXPECT_EQ(seq(got[1]), 1u);
  EXPECT_EQ(sym(got[2]), "AAPL");
  EXPECT_EQ(seq(got[2]), 2u);
  EXPECT_EQ(p.stats().lines, 4u);
  EXPECT_EQ(p.stats().accepted, 3u);
  EXPECT_EQ(p.stats().rejected, 0u);
}

TEST(ReplayPipeline, OutputCarriesIndicatorsAndSignalFields) {
  ReplayPipeline p(IndicatorPeriods{3, 2, 2}, SignalRules{}, ValidationLimits{}, now);
  ReplayOutput out;
  for (int i = 0; i < 3; ++i) p.handle_line(tick_line("AAPL", 100 + i, 1735689600 + i), static_cast<std::uint64_t>(i + 1), out);
  auto got = lines(out.records);
  simdjson::dom::parser parser;
  auto last = parser.parse(got[2]);
  EXPECT_DOUBLE_EQ(last["ma"].get_double().value(), 101.0);
  EXPECT_DOUBLE_EQ(last["ema"].get_double().value(), 101.5);
  EXPECT_DOUBLE_EQ(last["rsi"].get_double().value(), 100.0);
  EXPECT_EQ(std::string(last["signal"].get_string().value()), "sell");
  EXPECT_EQ(std::string(last["signal_reason"].get_string().value()), "RSI 100.0 ≥ 70");
  EXPECT_TRUE(parser.parse(got[0])["ma"].is_null());
}

TEST(ReplayPipeline, RejectedLineNamesLineFieldReasonAndInput) {
  ReplayPipeline p(IndicatorPeriods{}, SignalRules{}, ValidationLimits{}, now);
  ReplayOutput out;
  p.handle_line(R"({"stock_symbol":"AAPL","opening_price":100,"closing_price":103,"high":101.2,"low":99,"volume":1,"timestamp":1735689600})", 7, out);
  EXPECT_TRUE(out.records.empty());
  simdjson::dom::parser parser;
  auto r = parser.parse(out.rejected);
  EXPECT_EQ(r["line"].get_uint64().value(), 7u);
  EXPECT_EQ(std::string(r["field"].get_string().value()), "high");
  EXPECT_EQ(std::string(r["reason"].get_string().value()), "high (101.2) is below closing_price (103)");
  EXPECT_EQ(r["errors"].get_array().size(), 1u);
  EXPECT_EQ(std::string(r["input"].get_string().value()).substr(0, 16), R"({"stock_symbol":)");
  EXPECT_EQ(p.stats().rejected, 1u);
}

TEST(ReplayPipeline, EchoedInputIsCutTo200BytesAndMadeValidJson) {
  ReplayPipeline p(IndicatorPeriods{}, SignalRules{}, ValidationLimits{}, now);
  ReplayOutput out;
  std::string junk = "\xFF\xFE" + std::string(500, 'x');
  p.handle_line(junk, 1, out);
  simdjson::dom::parser parser;
  auto r = parser.parse(out.rejected);
  ASSERT_FALSE(r.error()) << out.rejected;
  EXPECT_LE(std::string(r["input"].get_string().value()).size(), 206u);
}

TEST(ReplayPipeline, WritesAnAlarmWhenASymbolEntersBuy) {
  ReplayPipeline p(IndicatorPeriods{3, 2, 2}, SignalRules{}, ValidationLimits{}, now);
  ReplayOutput out;
  for (int i = 0; i < 4; ++i) p.handle_line(tick_line("TSLA", 100 - i, 1735689600 + i), static_cast<std::uint64_t>(i + 1), out);
  auto alarms = lines(out.alarms);
  ASSERT_EQ(alarms.size(), 1u);
  simdjson::dom::parser parser;
  auto a = parser.parse(alarms[0]);
  EXPECT_EQ(std::string(a["alarm_id"].get_string().value()), "TSLA:3:indicators");
  EXPECT_EQ(std::string(a["signal"].get_string().value()), "buy");
  EXPECT_EQ(p.stats().alarms, 1u);
}

TEST(ReplayPipeline, UnreadableLineIsRejectedWithItsLength) {
  ReplayPipeline p(IndicatorPeriods{}, SignalRules{}, ValidationLimits{}, now);
  ReplayOutput out;
  p.reject_unreadable(9, 10'000'000, std::string(200, 'a'), out);
  simdjson::dom::parser parser;
  auto r = parser.parse(out.rejected);
  EXPECT_EQ(std::string(r["reason"].get_string().value()), "line is 10000000 bytes; the limit is 65536 bytes");
}

}  // namespace
}  // namespace tickflow
