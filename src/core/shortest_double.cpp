#include "src/core/shortest_double.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>

// Dragonbox compiled into this file, where it is inlined, instead of called in the shared
// libfmt: 352 -> 345 ns a replay line (three or four values each). Only this file sees
// fmt's implementation (format-inl.h, the same 9.1 headers the library was built from);
// the functions it instantiates are inline, so they merge with the library's own.
#define FMT_HEADER_ONLY
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

// Writes the 17 digits of v < 10^17, zero-padded, at `at`: the first alone, the other 16
// as four groups of four in the lanes of one vector, split at once into pairs and single
// digits (w/100 = w·5243 >> 19 for w < 10^4 and x/10 = x·103 >> 10 for x < 100 are exact,
// and no lane's product overflows it). GCC's vector extensions: SSE4.1 on x86-64-v2, NEON
// on ARM, one source. 16 digits in ~12 vector operations, where two 8-digit words took ~50.
void write_17_digits(char* at, std::uint64_t v) {
  using u32x4 = std::uint32_t __attribute__((vector_size(16)));
  using u16x8 = std::uint16_t __attribute__((vector_size(16)));
  using u8x16 = std::uint8_t __attribute__((vector_size(16)));
  static_assert(std::endian::native == std::endian::little, "a lane's low half holds the earlier digits");
  const std::uint64_t low = v % 100000000;
  const std::uint64_t rest = v / 100000000;
  const auto middle = static_cast<std::uint32_t>(rest % 100000000);
  const auto last = static_cast<std::uint32_t>(low);
  at[0] = static_cast<char>('0' + rest / 100000000);
  const u32x4 quads = {middle / 10000, middle % 10000, last / 10000, last % 10000};
  const u32x4 hundreds = (quads * 5243) >> 19;
  const u16x8 pairs = reinterpret_cast<u16x8>(hundreds | (quads - hundreds * 100) << 16);
  const u16x8 tens = (pairs * 103) >> 10;
  const u16x8 digits = tens | (pairs - tens * 10) << 8;
  const u8x16 text = reinterpret_cast<u8x16>(digits) + '0';
  std::memcpy(at + 1, &text, 16);
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
  const std::uint64_t significand = decimal.significand;  // below 10^17, no trailing zero
  const int exponent = decimal.exponent;                   // value = significand × 10^exponent
  const int n = digit_count(significand);
  const int sci_exponent = exponent + n - 1;
  // The digits right-aligned at 17 and followed by zeros, so that every copy below is of
  // a fixed size (a variable one is a call); the text is laid out in `text` and its first
  // 24 bytes copied out (the longest text after the sign, d.{16}e-XXX, is 23).
  char buffer[48];
  write_17_digits(buffer, significand);
  std::memset(buffer + 17, '0', sizeof buffer - 17);
  const char* digits = buffer + 17 - n;
  char text[48];
  int length;
  // The two forms' lengths, as to_chars weighs them.
  const int fixed_length = exponent >= 0 ? n + exponent : sci_exponent >= 0 ? n + 1 : 2 - exponent;
  auto sci_length = [&] { return n + (n > 1 ? 1 : 0) + 2 + (std::abs(sci_exponent) >= 100 ? 3 : 2); };
  if (exponent < 0 && sci_exponent >= 0) {  // ddd.ddd, nearly every value: shorter than d.ddde±XX
    length = fixed_length;
    const int whole = sci_exponent + 1;
    std::memcpy(text, digits, 16);
    text[whole] = '.';
    std::memcpy(text + whole + 1, digits + whole, 16);
  } else if (fixed_length <= sci_length()) {
    length = fixed_length;
    if (exponent >= 0) {  // digits, then zeros (the buffer's)
      std::memcpy(text, digits, 24);
    } else {  // 0.000ddd
      std::memcpy(text, "0.000000000000000000000000", 24);
      std::memcpy(text + 1 - sci_exponent, digits, 17);
    }
  } else {  // d.ddde±XX
    length = sci_length();
    text[0] = digits[0];
    text[1] = '.';
    std::memcpy(text + 2, digits + 1, 16);
    char* e = text + (n > 1 ? n + 1 : 1);
    *e++ = 'e';
    *e++ = sci_exponent < 0 ? '-' : '+';
    int magnitude = std::abs(sci_exponent);
    if (magnitude >= 100) {
      *e++ = static_cast<char>('0' + magnitude / 100);
      magnitude %= 100;
    }
    std::memcpy(e, two_digits + 2 * magnitude, 2);
  }
  std::memcpy(at, text, 24);
  return at + length;
}

}  // namespace tickflow::json
