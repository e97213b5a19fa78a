// RecordParser accepts the original generator's payloads unchanged and rejects each bad
// input in tests/data/validation/bad_records.jsonl with the field it names and a reason
// containing the expected words, without crashing.
#include "src/core/record_parser.hpp"

#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include "src/core/record_writer.hpp"

namespace tickflow {
namespace {

constexpr double now = 1767225600;  // 2026-01-01

struct BadCase {
  std::string name, input, field, reason;
};

std::vector<BadCase> bad_cases() {
  std::vector<BadCase> cases;
  simdjson::dom::parser parser;
  std::ifstream in(TICKFLOW_TEST_DATA_DIR "/validation/bad_records.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    simdjson::dom::element e = parser.parse(line);
    cases.push_back({std::string(e["name"].get_string().value()), std::string(e["input"].get_string().value()),
                     std::string(e["field"].get_string().value()), std::string(e["reason"].get_string().value())});
  }
  return cases;
}

class RejectsBadInput : public ::testing::TestWithParam<BadCase> {};

TEST_P(RejectsBadInput, NamingTheFieldAndReason) {
  const BadCase& c = GetParam();
  RecordParser parser;
  Record record;
  ValidationErrors errors;
  ASSERT_FALSE(parser.parse(c.input, now, RecordSource::external, record, errors)) << c.name << " was accepted";
  ASSERT_FALSE(errors.empty());
  bool found = false;
  std::string all;
  for (const auto& e : errors) {
    all += e.field + ": " + e.reason + "\n";
    if (e.field == c.field && e.reason.find(c.reason) != std::string::npos) found = true;
  }
  EXPECT_TRUE(found) << c.name << ": expected field " << c.field << " with reason containing '" << c.reason
                     << "', got:\n" << all;
}

INSTANTIATE_TEST_SUITE_P(BadRecords, RejectsBadInput, ::testing::ValuesIn(bad_cases()),
                         [](const auto& test_param) { return test_param.param.name; });

TEST(RecordParserBadInput, SuiteHasAtLeastFortyCases) { EXPECT_GE(bad_cases().size(), 40u); }

Record parse_ok(std::string_view json, RecordSource source = RecordSource::external) {
  RecordParser parser;
  Record record;
  ValidationErrors errors;
  bool ok = parser.parse(json, now, source, record, errors);
  std::string all;
  for (const auto& e : errors) all += e.field + ": " + e.reason + "\n";
  EXPECT_TRUE(ok) << all;
  return record;
}

TEST(RecordParser, AcceptsTheOriginalGeneratorsStockTickWithoutDataType) {
  Record r = parse_ok(R"({"stock_symbol": "AAPL", "opening_price": 1001.9, "closing_price": 995.12,
      "high": 1004.33, "low": 990.01, "volume": 4987, "timestamp": 1735689600.123456})");
  EXPECT_EQ(r.type, DataType::stock);
  EXPECT_EQ(r.symbol.view(), "AAPL");
  const auto& t = std::get<StockTick>(r.body);
  EXPECT_EQ(t.opening_price, 1001.9);
  EXPECT_EQ(t.closing_price, 995.12);
  EXPECT_EQ(t.high, 1004.33);
  EXPECT_EQ(t.low, 990.01);
  EXPECT_EQ(t.volume, 4987);
  EXPECT_EQ(r.timestamp, 1735689600.123456);
  EXPECT_TRUE(r.extras.empty());
}

TEST(RecordParser, AcceptsEachOfTheOriginalGeneratorsOtherPayloads) {
  Record order = parse_ok(R"({"data_type": "order_book", "timestamp": 1735689600.5, "stock_symbol": "MSFT",
      "order_type": "sell", "price": 512.25, "quantity": 42})");
  EXPECT_EQ(order.type, DataType::order_book);
  EXPECT_EQ(std::get<OrderBookEntry>(order.body).order_type, Side::sell);
  EXPECT_EQ(std::get<OrderBookEntry>(order.body).quantity, 42);

  Record news = parse_ok(R"({"data_type": "news_sentiment", "timestamp": 1735689600.5, "stock_symbol": "TSLA",
      "sentiment_score": -0.73, "sentiment_magnitude": 0.41})");
  EXPECT_EQ(std::get<NewsSentiment>(news.body).sentiment_score, -0.73);
  EXPECT_FALSE(std::get<NewsSentiment>(news.body).headline.has_value());

  Record market = parse_ok(R"({"data_type": "market_data", "timestamp": 1735689600.5, "stock_symbol": "AMZN",
      "market_cap": 512000000000.5, "pe_ratio": 17.25})");
  EXPECT_EQ(std::get<MarketData>(market.body).pe_ratio, 17.25);

  Record macro = parse_ok(R"({"data_type": "economic_indicator", "timestamp": 1735689600.5,
      "indicator_name": "GDP Growth Rate", "value": -2.5})");
  EXPECT_TRUE(macro.symbol.empty());
  EXPECT_EQ(macro.partition_key(), "GDP Growth Rate");
  EXPECT_EQ(std::get<EconomicIndicator>(macro.body).value, -2.5);
}

TEST(RecordParser, UpperCasesSymbols) {
  Record r = parse_ok(R"({"stock_symbol":"brk.b","opening_price":1,"closing_price":1,"high":1,"low":1,"volume":0,"timestamp":1735689600})");
  EXPECT_EQ(r.symbol.view(), "BRK.B");
}

// Names are usually read raw; one with an escape must still be the same name.
TEST(RecordParser, ReadsMemberNamesWrittenWithEscapes) {
  Record r = parse_ok(R"({"stock\u005fsymbol":"AAPL","opening_price":1,"closing_price":2,"high":2,"low":1,"volume":0,"timestamp":1735689600,"n\u00e4me":"x"})");
  EXPECT_EQ(r.symbol.view(), "AAPL");
  EXPECT_EQ(std::get<StockTick>(r.body).closing_price, 2);
  EXPECT_EQ(r.extras, "\"n\xC3\xA4me\":\"x\"");  // decoded, written again as UTF-8

  RecordParser parser;
  Record record;
  ValidationErrors errors;
  EXPECT_FALSE(parser.parse(R"({"stock_symbol":"AAPL","stock\u005fsymbol":"MSFT","opening_price":1,"closing_price":1,"high":1,"low":1,"volume":0,"timestamp":1735689600})",
                            now, RecordSource::external, record, errors));
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors[0].field, "stock_symbol");
  EXPECT_NE(errors[0].reason.find("more than once"), std::string::npos);
}

TEST(RecordParser, FindsDataTypeWhereverItStands) {
  Record r = parse_ok(R"({"stock_symbol":"AAPL","order_type":"buy","price":5,"quantity":1,"timestamp":1735689600,"data_type":"order_book"})");
  EXPECT_EQ(r.type, DataType::order_book);
  EXPECT_TRUE(r.extras.empty());
}

TEST(RecordParser, KeepsUnknownMembersVerbatimAndCompact) {
  Record r = parse_ok(R"({"stock_symbol":"AAPL","opening_price":1,"closing_price":1,"high":1,"low":1,"volume":0,
      "timestamp":1735689600, "venue": "X\"NYS", "tags": [1, 2.50, {"a": null, "b": true}], "n": -0.0})");
  EXPECT_EQ(r.extras, R"("venue":"X\"NYS","tags":[1,2.50,{"a":null,"b":true}],"n":-0.0)");
}

TEST(RecordParser, SchemaFieldsOfAnotherTypePassThroughAsExtras) {
  Record r = parse_ok(R"({"stock_symbol":"AAPL","opening_price":1,"closing_price":1,"high":1,"low":1,"volume":0,
      "timestamp":1735689600,"price":"n/a"})");
  EXPECT_EQ(r.extras, R"("price":"n/a")");
}

TEST(RecordParser, ReportsEveryProblemNotJustTheFirst) {
  RecordParser parser;
  Record record;
  ValidationErrors errors;
  ASSERT_FALSE(parser.parse(R"({"stock_symbol":"A A","opening_price":-1,"closing_price":"3","high":1,"low":2,"timestamp":5})",
                            now, RecordSource::external, record, errors));
  std::vector<std::string> fields;
  for (const auto& e : errors) fields.push_back(e.field);
  for (const char* f : {"stock_symbol", "opening_price", "closing_price", "volume", "timestamp", "low"}) {
    EXPECT_NE(std::find(fields.begin(), fields.end(), f), fields.end()) << f;
  }
}

TEST(RecordParser, ReadsPipelineFieldsBackFromAnotherStage) {
  Record r = parse_ok(R"({"data_type":"stock","stock_symbol":"AAPL","opening_price":1,"closing_price":1,"high":1,
      "low":1,"volume":0,"timestamp":1735689600,"seq":7,"ingest_ts":1735689601.5,"ma":null,"ema":1.5,"rsi":42,
      "signal":"buy","signal_reason":"RSI 27 ≤ 30","signal_strength":0.5})",
                      RecordSource::pipeline);
  ASSERT_TRUE(r.seq && r.indicators && r.signal);
  EXPECT_EQ(*r.seq, 7u);
  EXPECT_FALSE(r.indicators->ma.has_value());
  EXPECT_EQ(*r.indicators->ema, 1.5);
  EXPECT_EQ(r.signal->signal, Side::buy);
  EXPECT_EQ(r.signal->reason, "RSI 27 ≤ 30");
}

TEST(RecordParser, RejectsInvalidUtf8) {
  RecordParser parser;
  Record record;
  ValidationErrors errors;
  std::string bad = R"({"stock_symbol":"AAPL","headline":"caf)" + std::string("\xC3\x28") + R"("})";
  ASSERT_FALSE(parser.parse(bad, now, RecordSource::external, record, errors));
  EXPECT_EQ(errors.front().field, "(record)");
  EXPECT_NE(errors.front().reason.find("UTF-8"), std::string::npos) << errors.front().reason;
}

TEST(RecordParser, SurvivesEveryPrefixOfAValidRecord) {
  // Truncated input at every byte: always a clean rejection, never a crash.
  std::string full = R"({"data_type":"news_sentiment","stock_symbol":"TSLA","sentiment_score":0.5,"sentiment_magnitude":0.25,"headline":"x\u00e9y","extra":[1,{"a":[true,null]}],"timestamp":1735689600})";
  RecordParser parser;
  Record record;
  ValidationErrors errors;
  for (std::size_t n = 0; n < full.size(); ++n) {
    EXPECT_FALSE(parser.parse(std::string_view(full).substr(0, n), now, RecordSource::external, record, errors)) << n;
    EXPECT_FALSE(errors.empty()) << n;
  }
  EXPECT_TRUE(parser.parse(full, now, RecordSource::external, record, errors));
}

TEST(RecordParser, IsReusableAfterAnError) {
  RecordParser parser;
  Record record;
  ValidationErrors errors;
  EXPECT_FALSE(parser.parse("{", now, RecordSource::external, record, errors));
  EXPECT_TRUE(parser.parse(R"({"stock_symbol":"AAPL","opening_price":1,"closing_price":1,"high":1,"low":1,"volume":0,"timestamp":1735689600})",
                           now, RecordSource::external, record, errors));
  EXPECT_TRUE(errors.empty());
}

TEST(RecordParser, HonoursConfiguredLimits) {
  ValidationLimits limits;
  limits.max_future_seconds = 10;
  RecordParser parser(limits);
  Record record;
  ValidationErrors errors;
  std::string json = R"({"stock_symbol":"AAPL","opening_price":1,"closing_price":1,"high":1,"low":1,"volume":0,"timestamp":1767225611})";
  EXPECT_FALSE(parser.parse(json, now, RecordSource::external, record, errors));
  EXPECT_EQ(errors.front().field, "timestamp");
  EXPECT_TRUE(parser.parse(json, now + 1, RecordSource::external, record, errors));
}

TEST(RecordParser, ReadsLongNumbersAsTheNearestDoubleEitherWay) {
  // simdjson 3.0.1 reads 0.95000000000000000000 as 0.0277 (simdjson#2093); both paths must not.
  const std::string json =
      R"({"data_type":"news_sentiment","timestamp":1735689600.5,"stock_symbol":"TSLA",)"
      R"("sentiment_score":0.95000000000000000000,"sentiment_magnitude":0.12345678901234567890123})";
  for (bool flat : {true, false}) {
    RecordParser parser;
    parser.set_flat_path(flat);
    Record record;
    ValidationErrors errors;
    ASSERT_TRUE(parser.parse(json, now, RecordSource::external, record, errors)) << flat;
    EXPECT_EQ(std::get<NewsSentiment>(record.body).sentiment_score, 0.95) << flat;
    EXPECT_EQ(std::get<NewsSentiment>(record.body).sentiment_magnitude, 0.12345678901234568) << flat;
  }
  // Through an escape the general path reads it (the flat reader declines escapes).
  RecordParser parser;
  Record record;
  ValidationErrors errors;
  ASSERT_TRUE(parser.parse(R"({"stock_symbol":"AB","opening_price":0.95000000000000000000,"closing_price":0.5,)"
                           R"("high":1,"low":0.5,"volume":0,"timestamp":1735689600})",
                           now, RecordSource::external, record, errors));
  EXPECT_EQ(std::get<StockTick>(record.body).opening_price, 0.95);
}

// Found by fuzzing: "ma" on a market_data record passes through as an extra member, and
// the parser also gave the record an (empty) indicator set, so the writer wrote "ma" twice
// and the output no longer parsed.
TEST(RecordParser, IndicatorNamesOnAnotherDataTypePassThroughOnce) {
  const std::string input = R"({"data_type":"market_data","stock_symbol":"M","ma":"M","market_cap":6,"pe_ratio":1,)"
                            R"("rsi":null,"timestamp":1735689600})";
  RecordParser parser;
  Record record;
  ValidationErrors errors;
  ASSERT_TRUE(parser.parse(input, now, RecordSource::external, record, errors));
  EXPECT_FALSE(record.indicators.has_value());
  std::string once;
  write_record(record, once);
  EXPECT_EQ(once.find("\"ma\""), once.rfind("\"ma\"")) << once;
  EXPECT_NE(once.find(R"("ma":"M")"), std::string::npos) << once;
  Record again;
  ASSERT_TRUE(parser.parse(once, now, RecordSource::external, again, errors)) << once;
  std::string twice;
  write_record(again, twice);
  EXPECT_EQ(once, twice);
}

// The flat path (src/core/flat_json.hpp) must change nothing but speed: the same verdict,
// the same problems named, the same record, against the general path on the same input.
struct Outcome {
  bool ok = false;
  std::string errors;   // "field: reason" lines
  std::string written;  // the accepted record, written out
};

Outcome parse_with(RecordParser& parser, std::string_view json, RecordSource source) {
  Record record;
  ValidationErrors errors;
  Outcome o;
  o.ok = parser.parse(json, now, source, record, errors);
  for (const auto& e : errors) o.errors += e.field + ": " + e.reason + "\n";
  if (o.ok) write_record(record, o.written);
  return o;
}

// Returns how many of the inputs the flat parser read by its tick path.
std::uint64_t expect_same_either_way(const std::vector<std::string>& inputs) {
  RecordParser flat, general;
  general.set_flat_path(false);
  for (const auto& input : inputs) {
    for (RecordSource source : {RecordSource::external, RecordSource::pipeline}) {
      Outcome a = parse_with(flat, input, source);
      Outcome b = parse_with(general, input, source);
      EXPECT_EQ(a.ok, b.ok) << input;
      EXPECT_EQ(a.errors, b.errors) << input;
      EXPECT_EQ(a.written, b.written) << input;
    }
  }
  return flat.tick_path_reads();
}

TEST(RecordParserFlatPath, AgreesWithTheGeneralPathOnEveryBadRecord) {
  std::vector<std::string> inputs;
  for (const auto& c : bad_cases()) inputs.push_back(c.input);
  expect_same_either_way(inputs);
}

// JSON allows numbers simdjson 3.0 will not read though a double holds them: a zero with
// an exponent past int range is 0 (fuzzing found the general path calling it "not a finite
// number" where the flat path, reading exponents with from_chars, took 0). Ones truly out
// of range stay refused, and either way both paths agree.
TEST(RecordParserFlatPath, AgreesOnNumbersSimdjsonWillNotRead) {
  const std::string zeros(400, '3');
  const std::string tick = R"({"stock_symbol":"AB","opening_price":1,"closing_price":1,"high":1,"low":1,)"
                           R"("timestamp":1735689600,"volume":0e)" + zeros + "}";
  for (bool flat : {true, false}) {
    RecordParser parser;
    parser.set_flat_path(flat);
    Record record;
    ValidationErrors errors;
    EXPECT_TRUE(parser.parse(tick, now, RecordSource::external, record, errors)) << flat;
    if (!errors.empty()) ADD_FAILURE() << errors[0].field << ": " << errors[0].reason;
  }
  expect_same_either_way({
      tick,
      R"({"value":0e)" + zeros + "}",
      R"({"value":-0.0e)" + zeros + "}",
      R"({"value":1e)" + zeros + "}",
      R"({"value":1e-)" + zeros + "}",
      R"({"value":0e-)" + zeros + "}",
      R"({"stock_symbol":"AB","opening_price":1,"closing_price":1,"high":1,"low":1,"timestamp":1735689600,)"
      R"("volume":0,"note":0e)" + zeros + "}",
  });
}

TEST(RecordParserFlatPath, AgreesWithTheGeneralPathOnMutatedRecords) {
  // Good records of every kind, then each with seeded damage: a byte replaced by one of the
  // characters that change how JSON reads, inserted, or removed.
  std::vector<std::string> seeds = {
      R"({"data_type":"stock","stock_symbol":"GOOGL","opening_price":141.8,"closing_price":141.32,"high":142.02,"low":141.23,"volume":4460,"timestamp":1735689604.829})",
      R"({"stock_symbol": "aapl", "opening_price": 1001.9, "closing_price": 995.12, "high": 1004.33, "low": 990.01, "volume": 4987, "timestamp": 1735689600.123456})",
      R"({"data_type":"order_book","timestamp":1735689600.5,"stock_symbol":"MSFT","order_type":"sell","price":512.25,"quantity":42})",
      R"({"data_type":"news_sentiment","timestamp":1735689600.5,"stock_symbol":"TSLA","sentiment_score":-0.73,"sentiment_magnitude":0.41,"headline":null,"news_type":"earnings"})",
      R"({"data_type":"market_data","timestamp":1735689600.5,"stock_symbol":"AMZN","market_cap":512000000000.5,"pe_ratio":17.25})",
      R"({"data_type":"economic_indicator","timestamp":1735689600.5,"indicator_name":"GDP Growth Rate","value":-2.5})",
      R"({"data_type":"stock","stock_symbol":"X","opening_price":1,"closing_price":1,"high":1,"low":1,"volume":0,"timestamp":1735689600,"seq":3,"ingest_ts":1735689600.25,"ma":null,"ema":1.5,"rsi":null,"signal":"buy","signal_reason":"r","signal_strength":0.5})",
      R"({"data_type":"stock","stock_symbol":"X","opening_price":1,"closing_price":1,"high":1,"low":1,"volume":0,"timestamp":1735689600,"price":3})",
  };
  const std::string alphabet = R"( "\,:{}[]-.0159eE+nulltrueé)" "\x01\x7f";
  std::mt19937_64 rng(11);
  std::vector<std::string> inputs = seeds;
  for (int i = 0; i < 6000; ++i) {
    const std::string& seed = seeds[rng() % seeds.size()];
    std::string s = seed;
    for (int edits = 1 + static_cast<int>(rng() % 3); edits > 0 && !s.empty(); --edits) {
      std::size_t at = rng() % s.size();
      char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0: s[at] = c; break;
        case 1: s.insert(s.begin() + static_cast<std::ptrdiff_t>(at), c); break;
        default: s.erase(at, 1);
      }
    }
    // Each damaged record after its seed: a damaged tick is then tried first in its
    // seed's layout by the tick path, which must decline it as the general path does.
    inputs.push_back(seed);
    inputs.push_back(std::move(s));
  }
  EXPECT_GT(expect_same_either_way(inputs), 1000u) << "the tick path was hardly tried";
}

// The tick path (a valid stock tick in the last one's layout, read and checked in one
// pass) against the general path on ticks that break one rule each, in the layouts of
// outside input and of the stages' input (seq, ingest_ts, indicators).
TEST(RecordParserTickPath, AgreesWithTheGeneralPathRuleByRule) {
  const std::string head = R"({"data_type":"stock","stock_symbol":"AAPL",)";
  auto tick = [&](const std::string& prices, const std::string& tail = "") {
    return head + prices + R"(,"timestamp":1735689600.5)" + tail + "}";
  };
  const std::string ok = R"("opening_price":10,"closing_price":11,"high":12,"low":9,"volume":100)";
  std::vector<std::string> variants = {
      R"("opening_price":10,"closing_price":11,"high":12,"low":9,"volume":100.5)",
      R"("opening_price":10,"closing_price":11,"high":12,"low":9,"volume":-1)",
      R"("opening_price":10,"closing_price":11,"high":12,"low":9,"volume":9007199254740993)",
      R"("opening_price":0,"closing_price":11,"high":12,"low":9,"volume":1)",
      R"("opening_price":-10,"closing_price":11,"high":12,"low":9,"volume":1)",
      R"("opening_price":10,"closing_price":11,"high":10.5,"low":9,"volume":1)",
      R"("opening_price":10,"closing_price":11,"high":12,"low":10.5,"volume":1)",
      R"("opening_price":10,"closing_price":11,"high":12,"low":13,"volume":1)",
      R"("opening_price":10,"closing_price":11,"high":12,"low":9,"volume":1e2)",
      R"("opening_price":10,"closing_price":11,"high":12,"low":9,"volume":"100")",
      R"("opening_price":10,"closing_price":11,"high":12,"low":9,"volume":null)",
      R"("opening_price":10,"closing_price":11,"high":12,"volume":1,"low":9)",
      R"("opening_price":10,"closing_price":11,"high":12,"low":9)",
      R"("opening_price":10,"closing_price":11,"high":12,"low":9,"volume":1,"volume":1)",
      R"("opening_price":10,"closing_price":11,"high":12,"low":9,"volume":1,"note":1)",
      R"("opening_price":10 , "closing_price" :11,"high": 12,"low":9,"volume":1)",
      R"("opening_price":10,"closing_price":11,"high":12,"low":9,"volume":01)",
      R"("opening_price":10,"closing_price":11,"high":12,"low":9,"volume":1.)",
      R"("opening_price":1e400,"closing_price":11,"high":12,"low":9,"volume":1)",
      // Past validation.max_price (1e12): a familiar layout must not let it through.
      R"("opening_price":10,"closing_price":11,"high":100313626217613097,"low":9,"volume":1)",
      R"("opening_price":1e308,"closing_price":1.7e308,"high":1.7e308,"low":1e308,"volume":1)",
      R"("opening_price":10,"closing_price":11,"high":1000000000000,"low":9,"volume":1)",
  };
  std::vector<std::string> inputs = {tick(ok)};
  for (const auto& v : variants) inputs.push_back(tick(v)), inputs.push_back(tick(ok));
  for (std::string other_head :
       {R"({"data_type":"Stock","stock_symbol":"AAPL",)", R"({"data_type":"order_book","stock_symbol":"AAPL",)",
        R"({"data_type":"stock","stock_symbol":"aapl",)", R"({"data_type":"stock","stock_symbol":"AA PL",)",
        R"({"data_type":"stock","stock_symbol":"",)", R"({"data_type":"stock","stock_symbol":"ABCDEFGHIJKLMNOPQ",)",
        R"({"data_type":"stock","stock_symbol":"AA",)", R"({"data_type":5,"stock_symbol":"AAPL",)",
        R"({"stock_symbol":"AAPL","data_type":"stock",)"}) {
    inputs.push_back(other_head + ok + R"(,"timestamp":1735689600.5})");
    inputs.push_back(tick(ok));
  }
  for (std::string ts : {"1", "315532799.9", "1767312001", "1767225600.5", "-1735689600", "\"1735689600\""}) {
    inputs.push_back(head + ok + R"(,"timestamp":)" + ts + "}");
    inputs.push_back(tick(ok));
  }
  inputs.push_back(" \t" + tick(ok) + "\r\n");
  inputs.push_back(tick(ok) + "x");
  inputs.push_back(tick(ok) + "}");
  // The stages' layouts (refused from outside: both paths must say so).
  for (std::string tail :
       {R"(,"seq":7,"ingest_ts":1735689601.25)", R"(,"seq":0,"ingest_ts":1735689601.25)",
        R"(,"seq":7.5,"ingest_ts":1735689601.25)", R"(,"seq":7,"ingest_ts":null)",
        R"(,"seq":7,"ingest_ts":1735689601.25,"ma":null,"ema":10.5,"rsi":55.25)",
        R"(,"seq":7,"ingest_ts":1735689601.25,"ma":10,"ema":null,"rsi":null)",
        R"(,"seq":7,"ingest_ts":1735689601.25,"ma":"10","ema":null,"rsi":null)",
        R"(,"seq":7,"ingest_ts":1735689601.25,"ma":10,"ema":1,"rsi":2,"signal":"buy","signal_reason":"r")"}) {
    inputs.push_back(tick(ok, tail));
    inputs.push_back(tick(ok, R"(,"seq":8,"ingest_ts":1735689601.5,"ma":10,"ema":null,"rsi":50)"));
  }
  EXPECT_GT(expect_same_either_way(inputs), 40u) << "the valid ticks should go by the tick path";
}

// The tick path compares each member's separator, name and colon as the layout's tick wrote
// them: Python's json.dumps spacing is read that way as well as the compact one, and a tick
// spaced otherwise than the one before goes the general way (then sets the layout).
TEST(RecordParserTickPath, ReadsTheLastTicksSpacingAndNoOther) {
  auto tick = [](const char* colon, const char* comma, int close) {
    return fmt::format(R"({{"data_type"{0}"stock"{1}"stock_symbol"{0}"AAPL"{1}"opening_price"{0}10{1})"
                       R"("closing_price"{0}{2}{1}"high"{0}12{1}"low"{0}9{1}"volume"{0}100{1}"timestamp"{0}1735689600.5}})",
                       colon, comma, close);
  };
  const std::vector<std::string> inputs = {
      tick(": ", ", ", 10), tick(": ", ", ", 11),  // json.dumps: the second by the tick path
      tick(":", ",", 11),   tick(":", ",", 12),    // compact: the second by the tick path
      tick(": ", ",", 11),  tick(":", ", ", 11),   // mixed: neither (each a new layout)
      tick(" :", ",", 11),  tick(" :", ",", 10),   // space before the colon: the second
  };
  // Three of each source's eight by the tick path.
  EXPECT_EQ(expect_same_either_way(inputs), 6u);
}

}  // namespace
}  // namespace tickflow
