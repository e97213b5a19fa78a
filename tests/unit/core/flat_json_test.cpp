// read_flat_object reads flat objects of plain members, declines every other shape, and
// converts each number to the nearest double.
#include "src/core/flat_json.hpp"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace tickflow {
namespace {

// The members read, or nullopt when the reader declined.
std::optional<std::vector<FlatMember>> read(std::string_view json, std::span<const FlatName* const> hints = {}) {
  std::vector<FlatMember> members;
  if (!read_flat_object(json, hints, [&](const FlatMember& m) {
        members.push_back(m);
        return true;
      })) {
    return std::nullopt;
  }
  return members;
}

// The nearest double, as strtod (glibc, correctly rounded) reads it. (simdjson 3.0's On
// Demand get_double is wrong on some numbers of more than 19 digits: simdjson#2093.)
double nearest_double(const std::string& number) { return std::strtod(number.c_str(), nullptr); }

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
           R"({"a":01})",
           R"({"a":-})",
           R"({"a":1.})",
           R"({"a":.5})",
           R"({"a":+1})",
           R"({"a":1e})",
           R"({"a":1e+})",
           R"({"a":1.5E-})",
           R"({"a":1e400})",
           R"({"a":-1e309})",
           R"({"a":1e-400})",
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
  const FlatName a = FlatName::of("a"), bb = FlatName::of("bb"), c = FlatName::of("c");
  const std::vector<const FlatName*> hints = {&a, &bb, &c};
  // Names match, differ, are longer or shorter than the hint, or the hint runs out.
  // (Padded past 24 bytes at the end: the one-compare check needs them readable.)
  auto m = read(R"({"a":1,"b":2,"ccc":3,"bbb":4,"padding_padding_padding":null})", hints);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->size(), 5u);
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

// FixedText compares up to 24 bytes at once where 24 can be read, and byte by byte
// within `end` where not; both must say the same, and neither read past `end` (the input
// sits in a buffer of exactly its size: ASan).
TEST(FlatJson, FixedTextMatchesOnlyItsBytesWhateverIsReadable) {
  for (std::string text : {std::string(), std::string(",\"high\":"), std::string(", \"closing_price\": "),
                           std::string(24, 'x')}) {
    const FixedText fixed = FixedText::of(text);
    EXPECT_EQ(fixed.size, text.size());
    for (const std::string& input : {text + "123.5,\"low\":1,\"volume\":100}", text, text + "1"}) {
      std::vector<std::string> variants = {input};
      for (std::size_t at = 0; at < text.size(); ++at) {
        variants.push_back(input);
        variants.back()[at] ^= 0x20;  // the same letter in the other case, or another sign
      }
      for (std::size_t v = 0; v < variants.size(); ++v) {
        auto bytes = std::make_unique<char[]>(variants[v].size());
        std::memcpy(bytes.get(), variants[v].data(), variants[v].size());
        const char* end = bytes.get() + variants[v].size();
        EXPECT_EQ(fixed.starts(bytes.get(), end), v == 0) << variants[v];
        if (end - bytes.get() >= 24) {
          EXPECT_EQ(fixed.starts(bytes.get()), v == 0) << variants[v];
        }
      }
      if (!text.empty()) {  // cut short of the text: no match
        auto bytes = std::make_unique<char[]>(text.size() - 1);
        std::memcpy(bytes.get(), text.data(), text.size() - 1);
        EXPECT_FALSE(fixed.starts(bytes.get(), bytes.get() + text.size() - 1)) << text;
      }
    }
  }
}

TEST(FlatJson, StopsWhenTheCallerSaysSo) {
  int calls = 0;
  EXPECT_FALSE(read_flat_object(R"({"a":1,"b":2})", {}, [&](const FlatMember&) { return ++calls < 1; }));
  EXPECT_EQ(calls, 1);
}

TEST(FlatJson, NumbersAreTheNearestDouble) {
  std::vector<std::string> numbers = {"0",          "-0",           "0.0",          "-0.0",          "1",
                                      "-1",         "0.1",          "0.3",          "141.32",
                                      "1735689604.829", "9007199254740992", "0.000001", "123456.789012345678",
                                      "99999999999999999", "4.35", "1e0"};
  // Long mantissas, exponents, halfway cases and the edges of the range go the
  // from_chars way; they must land on the same double too.
  for (const char* n : {"12345678901234567890", "9007199254740993", "9007199254740992.5", "0.12345678901234567890123",
                        "1764167123.4567891", "1e5", "1E5", "1.5e-3", "-2.5E+10", "1e308", "1.7976931348623157e308",
                        "4.9e-324", "2.2250738585072014e-308", "0.30000000000000004", "123456789012345678901234567890",
                        "7.0e-10", "1e22", "1e23", "8.988465674311579e307", "2.4703282292062328e-324"}) {
    numbers.emplace_back(n);
  }
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    int whole_digits = 1 + static_cast<int>(rng() % 12);
    int decimals = static_cast<int>(rng() % 14);
    std::string n = rng() % 5 == 0 ? "-" : "";
    n += static_cast<char>('1' + rng() % 9);
    for (int d = 1; d < whole_digits; ++d) n += static_cast<char>('0' + rng() % 10);
    if (decimals > 0) {
      n += '.';
      for (int d = 0; d < decimals; ++d) n += static_cast<char>('0' + rng() % 10);
    }
    if (rng() % 4 == 0) n += fmt::format("e{}", static_cast<int>(rng() % 600) - 300);
    numbers.push_back(n);
  }
  int read_count = 0;
  for (const auto& n : numbers) {
    auto m = read("{\"x\":" + n + "}");
    if (!m) {  // declined (out of double range): simdjson's path reports it
      EXPECT_TRUE(n.find('e') != std::string::npos || n.size() > 300) << n << " was declined";
      continue;
    }
    ++read_count;
    double expected = nearest_double(n);
    EXPECT_EQ(std::memcmp(&(*m)[0].number, &expected, sizeof expected), 0)
        << n << ": " << fmt::format("{}", (*m)[0].number) << " vs strtod's " << fmt::format("{}", expected);
  }
  EXPECT_GT(read_count, 19000) << "the reader declined numbers in double range";
}

}  // namespace
}  // namespace tickflow
