// Reads a quoted stock symbol straight from a record's bytes, eight at a time: finds the
// closing quote, checks every character against the symbol rule and upper-cases them, with
// no loop over characters (whose variable length the CPU mispredicts on nearly every
// record of a stream that mixes AAPL and GOOGL). The tick path's reader of symbols.
// Pure logic, no I/O.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#include "src/core/symbol.hpp"

namespace tickflow {

struct ScannedSymbol {
  std::array<char, Symbol::max_size> upper{};  // the characters upper-cased, zeros after them
  std::size_t size = 0;                        // the characters before the closing quote
  bool lower_case = false;                     // whether any character was a lower-case letter
};

namespace symbol_scan_detail {

constexpr std::uint64_t ones = 0x0101010101010101ULL;
constexpr std::uint64_t highs = 0x8080808080808080ULL;

// High bit of each byte of `x` (all below 0x80) that lies in [lo, hi]; no sum carries
// into the next byte.
constexpr std::uint64_t in_range(std::uint64_t x, unsigned char lo, unsigned char hi) {
  return (x + (0x80 - lo) * ones) & ~(x + (0x7F - hi) * ones) & highs;
}

// High bit of each byte that is a symbol character (A-Z a-z 0-9 . -), and of each that is
// a lower-case letter. Exact for every byte up to and including the first that is not
// ASCII (later ones may be misread; the caller rejects at that first one anyway).
struct WordClass {
  std::uint64_t valid;
  std::uint64_t lower;
};
constexpr WordClass classify(std::uint64_t word) {
  const std::uint64_t ascii = ~word & highs;
  const std::uint64_t x = word & ~highs;
  const std::uint64_t lower = in_range(x, 'a', 'z') & ascii;
  const std::uint64_t valid =
      (in_range(x, 'A', 'Z') | lower | in_range(x, '0', '9') | in_range(x, '-', '.')) & ascii;
  return {valid, lower};
}

// High bit of each byte that is '"', exact for the lowest such byte.
constexpr std::uint64_t quotes(std::uint64_t word) {
  const std::uint64_t x = word ^ ('"' * ones);
  return (x - ones) & ~x & highs;
}

}  // namespace symbol_scan_detail

// The symbol at `p` (just after its opening quote), up to its closing quote, when that
// quote is among the next Symbol::max_size + 1 bytes and every byte before it is a symbol
// character; `p` then ends after the quote. False (`p` unchanged) for an empty, too long
// or invalid symbol. Reads at most 17 bytes and nothing at or after `end`.
inline bool scan_quoted_symbol(const char*& p, const char* end, ScannedSymbol& out) {
  using namespace symbol_scan_detail;
  static_assert(Symbol::max_size == 16, "two words of eight characters");
  static_assert(std::endian::native == std::endian::little, "the first character is the lowest byte");
  char bytes[Symbol::max_size + 1] = {};  // zeros: neither quotes nor symbol characters
  const auto readable = end - p;
  if (readable >= static_cast<std::ptrdiff_t>(sizeof bytes)) {
    std::memcpy(bytes, p, sizeof bytes);
  } else if (readable > 0) {
    std::memcpy(bytes, p, static_cast<std::size_t>(readable));
  }
  std::uint64_t words[2];
  std::memcpy(words, bytes, 16);
  std::size_t size;
  if (const std::uint64_t q = quotes(words[0])) {
    size = static_cast<std::size_t>(std::countr_zero(q)) / 8;
    words[1] = 0;
  } else if (const std::uint64_t q1 = quotes(words[1])) {
    size = 8 + static_cast<std::size_t>(std::countr_zero(q1)) / 8;
  } else if (bytes[16] == '"') {
    size = 16;
  } else {
    return false;
  }
  if (size == 0) return false;
  bool lower_case = false;
  for (std::size_t w = 0; w < 2; ++w) {
    const std::size_t chars = size > 8 * w ? std::min<std::size_t>(size - 8 * w, 8) : 0;
    // The bytes of this word that are characters of the symbol (a shift by 64 is undefined).
    const std::uint64_t taken = chars == 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * chars)) - 1;
    const WordClass c = classify(words[w]);
    if ((highs & taken & ~c.valid) != 0) return false;
    const std::uint64_t lower = c.lower & taken;
    lower_case |= lower != 0;
    const std::uint64_t upper = (words[w] - (lower >> 2)) & taken;  // 0x80 >> 2 is 'a' - 'A'
    std::memcpy(out.upper.data() + 8 * w, &upper, 8);
  }
  out.size = size;
  out.lower_case = lower_case;
  p += size + 1;
  return true;
}

}  // namespace tickflow
