// scan_quoted_symbol reads a symbol a word at a time; it must agree, byte for byte, with
// the symbol rule applied one character at a time, and read nothing past the end.
#include "src/core/symbol_scan.hpp"

#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "src/core/symbol_rules.hpp"

namespace tickflow {
namespace {

// The symbol the rule gives for `text` read up to its first quote, upper-cased; nothing
// when there is no quote within 17 bytes or the characters before it break the rule.
std::optional<std::string> expected_symbol(const std::string& text) {
  const auto quote = text.find('"');
  if (quote == std::string::npos || quote > Symbol::max_size) return std::nullopt;
  std::string symbol = text.substr(0, quote);
  if (symbol_problem(symbol)) return std::nullopt;
  for (char& c : symbol) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return symbol;
}

// Scans `text` from a buffer of exactly its size (ASan reports any read past it).
void expect_agrees(const std::string& text) {
  auto bytes = std::make_unique<char[]>(text.size() + 1);
  text.copy(bytes.get(), text.size());
  const char* p = bytes.get();
  ScannedSymbol scanned;
  const bool read = scan_quoted_symbol(p, bytes.get() + text.size(), scanned);
  const auto expected = expected_symbol(text);
  ASSERT_EQ(read, expected.has_value()) << '"' << text << '"';
  if (!read) {
    EXPECT_EQ(p, bytes.get());
    return;
  }
  EXPECT_EQ(std::string(scanned.upper.data(), scanned.size), *expected);
  for (std::size_t i = scanned.size; i < Symbol::max_size; ++i) EXPECT_EQ(scanned.upper[i], 0) << i;
  EXPECT_EQ(scanned.lower_case, text.substr(0, scanned.size) != *expected);
  EXPECT_EQ(p, bytes.get() + scanned.size + 1);
}

TEST(SymbolScan, ReadsSymbolsOfEveryLengthUpToSixteenAndNoLonger) {
  const std::string chars = "AbZz09.-Mq7xYa-.";
  for (std::size_t length = 0; length <= 20; ++length) {
    std::string symbol;
    for (std::size_t i = 0; i < length; ++i) symbol += chars[i % chars.size()];
    expect_agrees(symbol + "\",\"opening_price\":1}");
    expect_agrees(symbol + "\"");  // the record ends right after it
    expect_agrees(symbol);         // no closing quote before the end
  }
}

TEST(SymbolScan, AgreesWithTheRuleOnEveryByteAtEveryPlace) {
  for (std::size_t length : {1, 4, 7, 8, 9, 15, 16}) {
    for (std::size_t at = 0; at < length; ++at) {
      for (int b = 0; b < 256; ++b) {
        std::string text(length, 'K');
        text[at] = static_cast<char>(b);
        expect_agrees(text + "\"}");
      }
    }
  }
}

TEST(SymbolScan, AByteAfterANonAsciiOneDoesNotMakeItValid) {
  // A byte ≥ 0x80 would carry into the next one were its high bit not cleared first.
  for (int b = 0x80; b < 256; ++b) {
    std::string text = "AB";
    text += static_cast<char>(b);
    text += "C\"";
    expect_agrees(text);
  }
}

TEST(SymbolScan, UpperCasesAndSaysWhetherItHadTo) {
  const char text[] = "brk.b\",";
  const char* p = text;
  ScannedSymbol s;
  ASSERT_TRUE(scan_quoted_symbol(p, text + sizeof text - 1, s));
  EXPECT_EQ(std::string(s.upper.data(), s.size), "BRK.B");
  EXPECT_TRUE(s.lower_case);
  EXPECT_EQ(*p, ',');
}

}  // namespace
}  // namespace tickflow
