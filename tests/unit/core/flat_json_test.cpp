// read_flat_object reads flat objects of plain members, declines every other shape, and
// converts numbers to exactly the doubles simdjson gives for the same text.
#include "src/core/flat_json.hpp"

#include <cstring>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

namespace tickflow {
namespace {

// The members read, or nullopt when the reader declined.
std::optional<std::vector<FlatMember>> read(std::string_view json, std::span<const std::string_view> hints = {}) {
  std::vector<FlatMember> members;
  if (!read_flat_object(json, hints, [&](const FlatMember& m) {
        members.push_back(m);
        return true;
      })) {
    return std::nullopt;
  }
  return members;
}

// What the general path reads: On Demand's get_double on the member's value.
double simdjson_double(const std::string& number) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string json("{\"x\":" + number + "}");
  simdjson::ondemand::document doc;
  double d = 0;
  EXPECT_EQ(parser.iterate(json).get(doc), simdjson::SUCCESS) << number;
  EXPECT_EQ(doc["x"].get_double().get(d), simdjson::SUCCESS) << number;
  return d;
}

TEST(FlatJson, ReadsATicksMembersInOrder) {
  auto m = read(R"({"data_type":"stock","stock_symbol":"AAPL","closing_price":187.12,"volume":4580,"ma":null})");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->size(), 5u);
  EXPECT_EQ((*m)[0].key, "data_type");
  EXPECT_EQ((*m)[0].kind, FlatMember::Kind::string);
  EXPECT_EQ((*m)[0].text, "stock");
  EXPECT_EQ((*m)[1].text, "AAPL");
  EXPECT_EQ((*m)[2].kind, FlatMember::Kind::number);
  EXPECT_EQ((*m)[2].number, 187.12);
  EXPECT_EQ((*m)[3].number, 4580);
  EXPECT_EQ((*m)[4].kind, FlatMember::Kind::null);
}

TEST(FlatJson, ReadsWhitespaceWhereJsonAllowsIt) {
  auto m = read(" \t{ \"a\" : 1 ,\r\n \"b\":\"x\" }  \r");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[0].number, 1);
  EXPECT_EQ((*m)[1].text, "x");
  EXPECT_TRUE(read("{}"));
  EXPECT_TRUE(read("{ }"));
}

TEST(FlatJson, DeclinesEveryOtherShape) {
  for (const char* json : {
           "",
           "{",
           "}",
           "[]",
           R"({"a":1,})",
           R"({"a":1 "b":2})",
           R"({"a" 1})",
           R"({"a":1}x)",
           R"({"a":1}{})",
           R"({"a":{"b":1}})",
           R"({"a":[1]})",
           R"({"a":true})",
           R"({"a":nul})",
           R"({"a":nullx})",
           R"({"a":"x\"y"})",
           R"({"a":"x\u0041"})",
           "{\"a\":\"caf\xc3\xa9\"}",
           "{\"a\":\"tab\there\"}",
           R"({"a":"unterminated})",
           R"({"a":1e5})",
           R"({"a":1E5})",
           R"({"a":1.5e-3})",
           R"({"a":01})",
           R"({"a":-})",
           R"({"a":1.})",
           R"({"a":.5})",
           R"({"a":+1})",
           R"({"a":12345678901234567890})",
           R"({"a":9007199254740993})",
           R"({"a":0.12345678901234567890123})",
           R"({"a":NaN})",
           R"({"a":Infinity})",
           R"({a:1})",
       }) {
    EXPECT_FALSE(read(json)) << json;
  }
}

TEST(FlatJson, DeclinesEveryPrefixOfAFlatObject) {
  // Truncated input: never accepted, and never read past its end (ASan watches the copy).
  std::string full = R"({"stock_symbol":"AAPL","closing_price":-187.125,"n":null,"volume":0})";
  ASSERT_TRUE(read(full));
  for (std::size_t n = 0; n < full.size(); ++n) {
    std::string prefix = full.substr(0, n);
    EXPECT_FALSE(read(prefix)) << prefix;
  }
}

TEST(FlatJson, MarksMembersWhoseNameIsTheirHint) {
  const std::vector<std::string_view> hints = {"a", "bb", "c"};
  // Names match, differ, are longer or shorter than the hint, or the hint runs out.
  auto m = read(R"({"a":1,"b":2,"ccc":3,"bbb":4})", hints);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->size(), 4u);
  EXPECT_EQ((*m)[0].hint, 0);
  EXPECT_EQ((*m)[0].key, "a");
  EXPECT_EQ((*m)[1].hint, -1);
  EXPECT_EQ((*m)[1].key, "b");
  EXPECT_EQ((*m)[2].hint, -1);
  EXPECT_EQ((*m)[2].key, "ccc");
  EXPECT_EQ((*m)[3].hint, -1);
  EXPECT_EQ((*m)[3].key, "bbb");
  // A hint at the very end of the input is not read past it.
  EXPECT_FALSE(read(R"({"a)", hints));
  EXPECT_FALSE(read("{\"a", hints));
}

TEST(FlatJson, StopsWhenTheCallerSaysSo) {
  int calls = 0;
  EXPECT_FALSE(read_flat_object(R"({"a":1,"b":2})", {}, [&](const FlatMember&) { return ++calls < 1; }));
  EXPECT_EQ(calls, 1);
}

TEST(FlatJson, NumbersAreExactlySimdjsons) {
  std::vector<std::string> numbers = {"0",          "-0",           "0.0",          "-0.0",          "1",
                                      "-1",         "0.1",          "0.3",          "141.32",
                                      "1735689604.829", "9007199254740992", "0.000001", "123456.789012345678",
                                      "99999999999999999", "4.35", "1e0"};
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    int whole_digits = 1 + static_cast<int>(rng() % 10);
    int decimals = static_cast<int>(rng() % 12);
    std::string n = rng() % 5 == 0 ? "-" : "";
    n += static_cast<char>('1' + rng() % 9);
    for (int d = 1; d < whole_digits; ++d) n += static_cast<char>('0' + rng() % 10);
    if (decimals > 0) {
      n += '.';
      for (int d = 0; d < decimals; ++d) n += static_cast<char>('0' + rng() % 10);
    }
    numbers.push_back(n);
  }
  int read_count = 0;
  for (const auto& n : numbers) {
    auto m = read("{\"x\":" + n + "}");
    if (!m) continue;  // declined: simdjson's path reads it
    ++read_count;
    double expected = simdjson_double(n);
    EXPECT_EQ(std::memcmp(&(*m)[0].number, &expected, sizeof expected), 0)
        << n << ": " << fmt::format("{}", (*m)[0].number) << " vs simdjson's " << fmt::format("{}", expected);
  }
  // Up to 15 digits always fit; longer ones often do not and are declined.
  EXPECT_GT(read_count, 15000) << "the reader declined most plain numbers";
}

}  // namespace
}  // namespace tickflow
