#include "src/core/json_writer.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>

#include <fmt/format.h>

#include "src/core/shortest_double.hpp"

namespace tickflow::json {

namespace {

template <typename T>
void append_chars(std::string& out, T value) {
  std::array<char, 32> buf;
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  out.append(buf.data(), end);
}

constexpr char hex_digit(unsigned v) { return "0123456789abcdef"[v & 0xF]; }

}  // namespace

char* write_number(char* at, double value) {
  if (!std::isfinite(value)) return write_raw(at, "null");
  if (std::fabs(value) < 1e16) return write_shortest(at, value);
  // Large values in the shortest *scientific* form: the plain form of 2.6e19 is a 20-digit
  // integer, which many JSON readers (simdjson among them) refuse as out of integer range.
  return std::to_chars(at, at + max_number_chars, value, std::chars_format::scientific).ptr;
}

char* write_number(char* at, std::uint64_t value) { return std::to_chars(at, at + max_number_chars, value).ptr; }

// Whether none of the 8 bytes in `word` needs escaping: no control character, '"' or '\\'.
// (Per byte: (b - 0x20) borrows into the high bit below 0x20; b ^ '"' and b ^ '\\' are
// zero only for those; bytes ≥ 0x80 are masked out, they never need escaping.)
bool plain_word(std::uint64_t word) {
  constexpr std::uint64_t ones = 0x0101010101010101ULL;
  constexpr std::uint64_t highs = 0x8080808080808080ULL;
  auto has_zero = [&](std::uint64_t x) { return (x - ones) & ~x & highs; };
  const std::uint64_t below_space = (word - 0x20 * ones) & ~word & highs;
  return (below_space | has_zero(word ^ ('"' * ones)) | has_zero(word ^ ('\\' * ones))) == 0;
}

char* write_string(char* at, std::string_view text) {
  *at++ = '"';
  const char* const first = at;
  // Eight bytes at a time while none needs escaping (reasons, names: nearly always).
  while (text.size() >= 8) {
    std::uint64_t word;
    std::memcpy(&word, text.data(), 8);
    if (!plain_word(word)) break;
    std::memcpy(at, text.data(), 8);
    at += 8;
    text.remove_prefix(8);
  }
  // Fewer than eight bytes left after whole words: the word ending with them, whose other
  // bytes (plain, already written) are written again, the same.
  if (!text.empty() && text.size() < 8 && at - first >= 8) {
    std::uint64_t word;
    std::memcpy(&word, text.data() + text.size() - 8, 8);
    if (plain_word(word)) {
      at += text.size();
      std::memcpy(at - 8, &word, 8);
      *at++ = '"';
      return at;
    }
  }
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c != '"' && c != '\\') {
      *at++ = ch;
      continue;
    }
    *at++ = '\\';
    switch (c) {
      case '"': *at++ = '"'; break;
      case '\\': *at++ = '\\'; break;
      case '\n': *at++ = 'n'; break;
      case '\r': *at++ = 'r'; break;
      case '\t': *at++ = 't'; break;
      case '\b': *at++ = 'b'; break;
      case '\f': *at++ = 'f'; break;
      default:
        at = write_raw(at, "u00");
        *at++ = hex_digit(c >> 4);
        *at++ = hex_digit(c);
    }
  }
  *at++ = '"';
  return at;
}

void append_number(std::string& out, double value) {
  std::array<char, max_number_chars> buf;
  out.append(buf.data(), write_number(buf.data(), value));
}

void append_number(std::string& out, std::int64_t value) { append_chars(out, value); }
void append_number(std::string& out, std::uint64_t value) { append_chars(out, value); }

// One escaping implementation: make the worst case's room, write, trim.
void append_string(std::string& out, std::string_view text) {
  std::size_t at = out.size();
  out.resize(at + max_string_chars(text.size()));
  out.resize(static_cast<std::size_t>(write_string(out.data() + at, text) - out.data()));
}

char* write_fixed(char* at, double value, int decimals) {
  decimals = fixed_decimals(decimals);
  const std::int64_t scale = fixed_scale(decimals);
  auto units = static_cast<std::int64_t>(std::llround(std::fabs(value) * static_cast<double>(scale)));
  if (value < 0 && units != 0) *at++ = '-';
  at = std::to_chars(at, at + 20, units / scale).ptr;
  if (decimals == 0) return at;
  *at++ = '.';
  auto fraction = units % scale;
  for (int i = decimals - 1; i >= 0; --i) {
    at[i] = static_cast<char>('0' + fraction % 10);
    fraction /= 10;
  }
  return at + decimals;
}

void append_fixed(std::string& out, double value, int decimals) {
  if (!fits_fixed(value, decimals)) {
    fmt::format_to(std::back_inserter(out), "{:.{}f}", value, fixed_decimals(decimals));
    return;
  }
  char text[24];
  out.append(text, write_fixed(text, value, decimals));
}

void append_general(std::string& out, double value, int significant) {
  std::array<char, 32> buf;
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value, std::chars_format::general, significant);
  if (ec != std::errc()) {  // not for 32 bytes at ≤ 17 digits; kept honest anyway
    fmt::format_to(std::back_inserter(out), "{:.{}g}", value, significant);
    return;
  }
  out.append(buf.data(), end);
}

std::string format_number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  // Shortest round-trip digits like append_number, but plain notation up to 1e16 so a
  // person reads 100000, not 1e+05.
  return fmt::format("{}", value);
}

}  // namespace tickflow::json

namespace tickflow::json {

namespace {

// Length of the valid UTF-8 sequence starting at text[i], or 0 if it is not valid.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  std::size_t n = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > text.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  }
  if (n == 2 && lead < 0xC2) return 0;                     // overlong
  if (n == 3) {
    unsigned char b1 = byte(i + 1);
    if (lead == 0xE0 && b1 < 0xA0) return 0;               // overlong
    if (lead == 0xED && b1 >= 0xA0) return 0;              // surrogates
  }
  if (n == 4) {
    unsigned char b1 = byte(i + 1);
    if (lead == 0xF0 && b1 < 0x90) return 0;               // overlong
    if (lead > 0xF4 || (lead == 0xF4 && b1 >= 0x90)) return 0;  // above U+10FFFF
  }
  return n;
}

}  // namespace

void append_string_lossy(std::string& out, std::string_view text, std::size_t max_bytes) {
  std::string clean;
  clean.reserve(text.size() < max_bytes ? text.size() : max_bytes);
  std::size_t i = 0;
  while (i < text.size() && i < max_bytes) {
    std::size_t n = utf8_sequence_length(text, i);
    if (n == 0) {
      clean += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    if (i + n > max_bytes) break;
    clean.append(text.substr(i, n));
    i += n;
  }
  append_string(out, clean);
}

}  // namespace tickflow::json
