// parse_alarm: the alarm JSON the signal service writes reads back field for field, and
// anything else on alarm_topic is refused with the field and the reason.
#include "src/core/alarm_parser.hpp"

#include <gtest/gtest.h>

namespace tickflow {
namespace {

Alarm sample() {
  Alarm a;
  a.alarm_id = "AAPL:42:indicators";
  a.stock_symbol = "AAPL";
  a.signal = Side::sell;
  a.reason = "RSI 71.2 ≥ 70";
  a.price = 187.42;
  a.rsi = 71.234567890125;  // round-trips as written
  a.ma = 186.5;
  a.timestamp = 1767225600.25;
  a.source = "indicators";
  return a;
}

std::string json_of(const Alarm& a) {
  std::string out;
  write_alarm(a, out);
  return out;
}

std::vector<std::string> fields_of(const ValidationErrors& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.field);
  return out;
}

TEST(AlarmParser, ReadsBackWhatTheWriterWrote) {
  Alarm in = sample(), out;
  ValidationErrors errors;
  ASSERT_TRUE(parse_alarm(json_of(in), out, errors)) << errors.front().field << " " << errors.front().reason;
  EXPECT_EQ(out.alarm_id, in.alarm_id);
  EXPECT_EQ(out.stock_symbol, in.stock_symbol);
  EXPECT_EQ(out.signal, Side::sell);
  EXPECT_EQ(out.reason, in.reason);
  EXPECT_EQ(out.price, in.price);
  EXPECT_EQ(out.rsi, in.rsi);  // exact: the writer keeps full precision
  EXPECT_FALSE(out.ema.has_value());
  EXPECT_EQ(out.ma, in.ma);
  EXPECT_EQ(out.timestamp, in.timestamp);
  EXPECT_EQ(out.source, in.source);
}

TEST(AlarmParser, NamesEveryMissingField) {
  Alarm out;
  ValidationErrors errors;
  EXPECT_FALSE(parse_alarm("{}", out, errors));
  EXPECT_EQ(fields_of(errors), (std::vector<std::string>{"alarm_id", "stock_symbol", "signal", "reason", "price",
                                                         "timestamp", "source"}));
  for (const auto& e : errors) EXPECT_EQ(e.reason, "is required");
}

TEST(AlarmParser, RefusesWrongTypesAndValues) {
  struct Case {
    std::string replace, with, field;
  };
  const std::vector<Case> cases = {
      {"\"signal\":\"sell\"", "\"signal\":\"neutral\"", "signal"},
      {"\"signal\":\"sell\"", "\"signal\":\"SELL!\"", "signal"},
      {"\"price\":187.42", "\"price\":\"187.42\"", "price"},
      {"\"price\":187.42", "\"price\":1e999", "(record)"},  // not a finite JSON number
      {"\"rsi\":71.234567890125", "\"rsi\":\"high\"", "rsi"},
      {"\"alarm_id\":\"AAPL:42:indicators\"", "\"alarm_id\":\"\"", "alarm_id"},
      {"\"alarm_id\":\"AAPL:42:indicators\"", "\"alarm_id\":\"A\\r\\nBcc: x@evil\"", "alarm_id"},
      {"\"reason\":\"RSI 71.2 ≥ 70\"", "\"reason\":\"x\\u0000y\"", "reason"},
      {"\"alarm_id\":\"AAPL:42:indicators\"", "\"alarm_id\":" + std::string("\"") + std::string(300, 'A') + "\"",
       "alarm_id"},
      {"\"timestamp\":1767225600.25", "\"timestamp\":null", "timestamp"},
  };
  for (const auto& c : cases) {
    std::string text = json_of(sample());
    auto at = text.find(c.replace);
    ASSERT_NE(at, std::string::npos) << c.replace;
    text.replace(at, c.replace.size(), c.with);
    Alarm out;
    ValidationErrors errors;
    EXPECT_FALSE(parse_alarm(text, out, errors)) << text;
    ASSERT_FALSE(errors.empty()) << text;
    EXPECT_EQ(errors.front().field, c.field) << text << " → " << errors.front().reason;
  }
}

TEST(AlarmParser, RefusesWhatIsNotAnAlarmObject) {
  Alarm out;
  ValidationErrors errors;
  for (const std::string& text : std::vector<std::string>{"", "not json", "[1,2]", "42", "{\"alarm_id\":", std::string(100000, '[')}) {
    EXPECT_FALSE(parse_alarm(text, out, errors)) << text.substr(0, 20);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].field, whole_record);
  }
  std::string huge = json_of(sample());
  huge.insert(huge.size() - 1, ",\"pad\":\"" + std::string(max_alarm_bytes, 'x') + "\"");
  EXPECT_FALSE(parse_alarm(huge, out, errors));
  EXPECT_NE(errors[0].reason.find("at most"), std::string::npos);
}

}  // namespace
}  // namespace tickflow
