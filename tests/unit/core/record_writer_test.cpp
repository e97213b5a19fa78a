// write_record emits docs/schema.md's field names; parsing its output gives back the same record.
#include "src/core/record_writer.hpp"

#include <gtest/gtest.h>

#include "src/core/record_parser.hpp"

namespace tickflow {
namespace {

constexpr double now = 1767225600;

TEST(RecordWriter, WritesEveryFieldOfAProcessedTick) {
  Record r;
  r.type = DataType::stock;
  r.symbol = Symbol::from_valid("AAPL");
  r.timestamp = 1735689600.25;
  r.body = StockTick{100, 101.5, 102, 99.5, 5000};
  r.extras = R"("venue":"XNAS")";
  r.seq = 3;
  r.indicators = Indicators{std::nullopt, 100.75, 55.5};
  r.signal = SignalResult{Side::buy, "EMA crossed above MA", 0.5};
  std::string out;
  write_record(r, out);
  EXPECT_EQ(out,
            R"({"data_type":"stock","stock_symbol":"AAPL","opening_price":100,"closing_price":101.5,"high":102,"low":99.5,)"
            R"("volume":5000,"timestamp":1735689600.25,"venue":"XNAS","seq":3,"ma":null,"ema":100.75,"rsi":55.5,)"
            R"("signal":"buy","signal_reason":"EMA crossed above MA","signal_strength":0.5})");
}

TEST(RecordWriter, RoundTripsEveryDataType) {
  const char* inputs[] = {
      R"({"data_type":"stock","stock_symbol":"AAPL","opening_price":187.42000000000002,"closing_price":0.1,"high":200,"low":0.05,"volume":9007199254740992,"timestamp":1735689600.123,"x":[1,{"y":"z"}]})",
      R"({"data_type":"order_book","stock_symbol":"MSFT","order_type":"buy","price":5.5,"quantity":0.25,"timestamp":1735689600})",
      R"({"data_type":"news_sentiment","stock_symbol":"TSLA","sentiment_score":-1,"sentiment_magnitude":1,"headline":"Q\"uote\t<b>","news_type":"earnings","timestamp":1735689600})",
      R"({"data_type":"market_data","stock_symbol":"AMZN","market_cap":1e12,"pe_ratio":-3.5,"timestamp":1735689600})",
      R"({"data_type":"economic_indicator","indicator_name":"CPI \u00e9","value":0,"timestamp":1735689600})",
  };
  RecordParser parser;
  for (const char* input : inputs) {
    Record first, second;
    ValidationErrors errors;
    ASSERT_TRUE(parser.parse(input, now, RecordSource::external, first, errors)) << input;
    std::string once;
    write_record(first, once);
    ASSERT_TRUE(parser.parse(once, now, RecordSource::external, second, errors)) << once;
    std::string twice;
    write_record(second, twice);
    EXPECT_EQ(once, twice);
  }
}

}  // namespace
}  // namespace tickflow
