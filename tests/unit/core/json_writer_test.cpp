// json::append_* write shortest round-trip numbers (never rounded) and escape strings so
// any text, including invalid UTF-8 from outside, becomes valid JSON.
#include "src/core/json_writer.hpp"

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

namespace tickflow {
namespace {

TEST(JsonWriter, DoublesRoundTripExactly) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> dist(-1e6, 1e6);
  simdjson::dom::parser parser;
  for (int i = 0; i < 20000; ++i) {
    double v = i % 2 ? dist(rng) : std::ldexp(dist(rng), static_cast<int>(rng() % 600) - 300);
    std::string s;
    json::append_number(s, v);
    double back = 0;
    ASSERT_EQ(parser.parse(s).get_double().get(back), simdjson::SUCCESS) << s;
    ASSERT_EQ(back, v) << s;
  }
}

TEST(JsonWriter, WritesTheShortestForm) {
  auto text = [](double v) { std::string s; json::append_number(s, v); return s; };
  EXPECT_EQ(text(0.1), "0.1");
  EXPECT_EQ(text(101.5), "101.5");
  EXPECT_EQ(text(100.0), "100");
  EXPECT_EQ(text(1e21), "1e+21");
  EXPECT_EQ(text(-26512816780219154432.0), "-2.6512816780219154e+19");
  EXPECT_EQ(text(1e15), "1e+15");
  EXPECT_EQ(text(-0.0), "-0");
  EXPECT_EQ(text(5e-324), "5e-324");
  EXPECT_EQ(text(51733.33099999996), "51733.33099999996");
}

TEST(JsonWriter, GeneralFormIsPrintfsPercentG) {
  // fmt's {:.6g} is printf's %.6g: the reference for the reasons' "EMA crossed ... (101.234 > 101.2)".
  std::vector<double> values = {0, -0.0, 1, 100, 101.2345678, 999999.4, 999999.6, 1234567, 0.0001, 0.00001234,
                                -42.5, 1e300, 5e-324, 123.4565, 0.1 + 0.2};
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> exponent(-8, 12);
  for (int i = 0; i < 2000; ++i) values.push_back(std::pow(10.0, exponent(rng)) * (i % 2 ? 1 : -1));
  for (int digits : {1, 3, 6, 10}) {
    for (double v : values) {
      std::string out = "x";
      json::append_general(out, v, digits);
      EXPECT_EQ(out, "x" + fmt::format("{:.{}g}", v, digits)) << v << " to " << digits << " digits";
    }
  }
}

// Fixed decimals for human text ("RSI 27.4"): printf's %.*f wherever the value is not
// within a hair of a tie (there this rounds half away from zero, on the decimal the
// double is closest to), no minus sign on a value that rounds to zero; fmt's exact digits
// once the scaled value passes 1e15 (found by this test: 66174118715.128746 to 6 decimals
// came out ...744 through one multiplication).
TEST(JsonWriter, AppendFixedWritesTheGivenDecimals) {
  auto fixed = [](double v, int d) {
    std::string out;
    json::append_fixed(out, v, d);
    return out;
  };
  EXPECT_EQ(fixed(27.43, 1), "27.4");
  EXPECT_EQ(fixed(70, 1), "70.0");
  EXPECT_EQ(fixed(-1.25, 1), "-1.3");
  EXPECT_EQ(fixed(0.04, 1), "0.0");
  EXPECT_EQ(fixed(-0.04, 1), "0.0");
  EXPECT_EQ(fixed(5.5, 0), "6");
  EXPECT_EQ(fixed(0.000123, 6), "0.000123");
  EXPECT_EQ(fixed(1e12, 1), "1000000000000.0");
  EXPECT_EQ(fixed(std::numeric_limits<double>::quiet_NaN(), 1), "nan");
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> unit(-1, 1);
  for (int i = 0; i < 200000; ++i) {
    const double v = unit(rng) * std::pow(10.0, static_cast<int>(rng() % 14));
    const int d = static_cast<int>(rng() % 7);
    const double scaled = std::fabs(v) * std::pow(10.0, d);
    // A tie's neighbourhood, as wide as the multiplication's rounding at this size.
    if (std::fabs(scaled - std::floor(scaled) - 0.5) < 1e-6 + scaled * 1e-15) continue;
    std::string want = fmt::format("{:.{}f}", v, d);
    if (want.find_first_not_of("-0.") == std::string::npos && want[0] == '-') want.erase(0, 1);
    ASSERT_EQ(fixed(v, d), want) << v << " to " << d << " decimals";
    if (json::fits_fixed(v, d)) {
      char text[24];
      ASSERT_EQ(std::string(text, json::write_fixed(text, v, d)), want);
    }
  }
}

TEST(JsonWriter, NonFiniteBecomesNull) {
  std::string s;
  json::append_number(s, std::numeric_limits<double>::quiet_NaN());
  s += ',';
  json::append_number(s, std::numeric_limits<double>::infinity());
  EXPECT_EQ(s, "null,null");
}

TEST(JsonWriter, EscapesQuotesBackslashesAndControlCharacters) {
  std::string s;
  json::append_string(s, std::string("a\"b\\c\n\t\x01\x1f<script>", 17));
  EXPECT_EQ(s, R"("a\"b\\c\n\t\u0001\u001f<script>")");
}

// write_string copies plain text a word at a time and ends on the word that holds the
// last bytes: every length, with a byte that needs escaping at every place (or none),
// must read back as the same text.
TEST(JsonWriter, StringsOfEveryLengthReadBackWithAnEscapeAnywhere) {
  simdjson::dom::parser parser;
  for (std::size_t length = 0; length <= 40; ++length) {
    std::string plain;
    for (std::size_t i = 0; i < length; ++i) plain += static_cast<char>('a' + i % 26);
    std::vector<std::string> texts = {plain};
    for (std::size_t at = 0; at < length; ++at) {
      for (char special : {'"', '\\', '\n', '\x01', '\x1f'}) {
        texts.push_back(plain);
        texts.back()[at] = special;
      }
    }
    for (const std::string& text : texts) {
      std::string json = "[";
      json::append_string(json, text);
      json += "]";
      simdjson::dom::element doc;
      ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
      std::string_view back;
      ASSERT_EQ(doc.at(0).get(back), simdjson::SUCCESS) << json;
      EXPECT_EQ(back, text) << json;
    }
  }
}

TEST(JsonWriter, LossyStringReplacesInvalidUtf8AndCutsAtACharacter) {
  std::string s;
  json::append_string_lossy(s, "ok\xC3\x28\xFF" "caf\xC3\xA9", 100);
  EXPECT_EQ(s, "\"ok\xEF\xBF\xBD(\xEF\xBF\xBD" "caf\xC3\xA9\"");
  std::string cut;
  json::append_string_lossy(cut, "caf\xC3\xA9", 4);  // would split the é
  EXPECT_EQ(cut, "\"caf\"");
  simdjson::dom::parser parser;
  EXPECT_FALSE(parser.parse(s).error());
}

}  // namespace
}  // namespace tickflow
