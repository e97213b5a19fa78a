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

// High bit of each byte that is a symbol character (A-Z a-z 0-9 . -, symbol_problem's
// rule), and of each that is a lower-case letter. Exact for every byte: the sums run on
// the bytes with their high bit cleared (so none carries into the next), and a byte that
// had it is no character.
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

// Checks the first `chars` (0–8) bytes of `word` as symbol characters and stores them
// upper-cased, zeros after them, at `to`; adds whether any was lower case.
inline bool take_symbol_word(std::uint64_t word, std::size_t chars, char* to, bool& lower_case) {
  // The bytes of the word that are characters of the symbol (a shift by 64 is undefined).
  const std::uint64_t taken = chars >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * chars)) - 1;
  const WordClass c = classify(word);
  if ((highs & taken & ~c.valid) != 0) return false;
  const std::uint64_t lower = c.lower & taken;
  lower_case |= lower != 0;
  const std::uint64_t upper = (word - (lower >> 2)) & taken;  // 0x80 >> 2 is 'a' - 'A'
  std::memcpy(to, &upper, 8);
  return true;
}

// scan_quoted_symbol on 17 readable bytes at `p`; `out.size` is the count read.
inline bool scan_symbol_bytes(const char* p, ScannedSymbol& out) {
  std::uint64_t words[2];
  std::memcpy(words, p, 16);
  bool lower_case = false;
  std::size_t size;
  if (const std::uint64_t q = quotes(words[0])) {
    size = static_cast<std::size_t>(std::countr_zero(q)) / 8;
    if (size == 0 || !take_symbol_word(words[0], size, out.upper.data(), lower_case)) return false;
    std::memset(out.upper.data() + 8, 0, 8);
  } else {
    if (const std::uint64_t q1 = quotes(words[1])) {
      size = 8 + static_cast<std::size_t>(std::countr_zero(q1)) / 8;
    } else if (p[16] == '"') {
      size = 16;
    } else {
      return false;
    }
    if (!take_symbol_word(words[0], 8, out.upper.data(), lower_case) ||
        !take_symbol_word(words[1], size - 8, out.upper.data() + 8, lower_case)) {
      return false;
    }
  }
  out.size = size;
  out.lower_case = lower_case;
  return true;
}

}  // namespace symbol_scan_detail

// The symbol at `p` (just after its opening quote), up to its closing quote, when that
// quote is among the next Symbol::max_size + 1 bytes and every byte before it is a symbol
// character; `p` then ends after the quote. False (`p` unchanged) for an empty, too long
// or invalid symbol. Reads nothing at or after `end`.
inline bool scan_quoted_symbol(const char*& p, const char* end, ScannedSymbol& out) {
  using namespace symbol_scan_detail;
  static_assert(Symbol::max_size == 16, "two words of eight characters");
  static_assert(std::endian::native == std::endian::little, "the first character is the lowest byte");
  constexpr std::ptrdiff_t span = Symbol::max_size + 1;
  if (end - p >= span) {
    if (!scan_symbol_bytes(p, out)) return false;
  } else {
    char bytes[span] = {};  // zeros: neither quotes nor symbol characters
    if (end > p) std::memcpy(bytes, p, static_cast<std::size_t>(end - p));
    if (!scan_symbol_bytes(bytes, out)) return false;
  }
  p += out.size + 1;
  return true;
}

}  // namespace tickflow
