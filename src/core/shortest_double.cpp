#include "src/core/shortest_double.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>

namespace tickflow::json {

namespace {

constexpr char two_digits[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

constexpr std::uint64_t powers_of_ten[] = {1ULL,
                                            10ULL,
                                            100ULL,
                                            1000ULL,
                                            10000ULL,
                                            100000ULL,
                                            1000000ULL,
                                            10000000ULL,
                                            100000000ULL,
                                            1000000000ULL,
                                            10000000000ULL,
                                            100000000000ULL,
                                            1000000000000ULL,
                                            10000000000000ULL,
                                            100000000000000ULL,
                                            1000000000000000ULL,
                                            10000000000000000ULL,
                                            100000000000000000ULL,
                                            1000000000000000000ULL,
                                            10000000000000000000ULL};

// Decimal digits of v > 0: from its bit length (log10 2 ≈ 1233 / 4096), corrected by one
// compare.
int digit_count(std::uint64_t v) {
  const int bits = 64 - std::countl_zero(v);
  const int guess = (bits * 1233) >> 12;  // the digit count, or one more than it
  return guess + (v >= powers_of_ten[guess] ? 1 : 0);
}

// Writes the last n decimal digits of v ending at `end` (two at a time from the right)
// and returns v without them.
std::uint64_t write_digits(char* end, std::uint64_t v, int n) {
  for (; n >= 2; n -= 2) {
    end -= 2;
    std::memcpy(end, two_digits + 2 * (v % 100), 2);
    v /= 100;
  }
  if (n == 1) {
    *--end = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return v;
}

}  // namespace

char* write_shortest(char* at, double value) {
  if (std::signbit(value)) {
    *at++ = '-';
    value = -value;
  }
  if (value == 0) {
    *at++ = '0';
    return at;
  }
  const auto decimal = fmt::detail::dragonbox::to_decimal(value);
  const std::uint64_t significand = decimal.significand;
  const int exponent = decimal.exponent;  // value = significand × 10^exponent
  const int n = digit_count(significand);
  const int sci_exponent = exponent + n - 1;
  // The two forms' lengths, as to_chars weighs them.
  const int fixed_length = exponent >= 0 ? n + exponent : sci_exponent >= 0 ? n + 1 : 2 - exponent;
  const int sci_length = n + (n > 1 ? 1 : 0) + 2 + (std::abs(sci_exponent) >= 100 ? 3 : 2);
  if (fixed_length <= sci_length) {
    if (exponent >= 0) {  // digits, then zeros
      write_digits(at + n, significand, n);
      std::memset(at + n, '0', static_cast<std::size_t>(exponent));
      return at + n + exponent;
    }
    if (sci_exponent >= 0) {  // ddd.ddd: the fraction's digits, the point, the whole part's
      const int whole = sci_exponent + 1;
      const std::uint64_t whole_part = write_digits(at + n + 1, significand, n - whole);
      at[whole] = '.';
      write_digits(at + whole, whole_part, whole);
      return at + n + 1;
    }
    // 0.000ddd
    const int zeros = -sci_exponent - 1;
    at[0] = '0';
    at[1] = '.';
    std::memset(at + 2, '0', static_cast<std::size_t>(zeros));
    write_digits(at + 2 + zeros + n, significand, n);
    return at + 2 + zeros + n;
  }
  // d.ddde±XX
  write_digits(at + n + 1, significand, n);
  at[0] = at[1];
  char* end = at + 1;
  if (n > 1) {
    at[1] = '.';
    end = at + n + 1;
  }
  *end++ = 'e';
  int e = sci_exponent;
  *end++ = e < 0 ? '-' : '+';
  e = std::abs(e);
  if (e >= 100) {
    *end++ = static_cast<char>('0' + e / 100);
    e %= 100;
  }
  std::memcpy(end, two_digits + 2 * e, 2);
  return end + 2;
}

}  // namespace tickflow::json
