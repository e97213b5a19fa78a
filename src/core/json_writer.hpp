// Appends JSON scalars to a string: doubles in shortest round-trip form (never rounded),
// integers, and escaped strings. Used by every writer of records, alarms and errors.
#pragma once

#include <cstdint>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>

namespace tickflow::json {

// Shortest text that parses back to exactly `value`; `null` for NaN or infinity, which
// JSON cannot carry (validated data never contains them).
void append_number(std::string& out, double value);
void append_number(std::string& out, std::int64_t value);
void append_number(std::string& out, std::uint64_t value);

// A JSON string literal with quotes: `"`, `\` and control characters escaped.
void append_string(std::string& out, std::string_view text);

// The same, written at a pointer with room already made: for writers that append many
// members to one record, where a capacity check per piece costs more than the piece.
// Each returns the end of what it wrote.
inline constexpr std::size_t max_number_chars = 32;
constexpr std::size_t max_string_chars(std::size_t text_size) { return 2 + 6 * text_size; }
char* write_number(char* at, double value);
char* write_number(char* at, std::uint64_t value);
char* write_string(char* at, std::string_view text);
inline char* write_raw(char* at, std::string_view text) {
  __builtin_memcpy(at, text.data(), text.size());
  return at + text.size();
}
inline char* write_optional(char* at, const std::optional<double>& value) {
  return value ? write_number(at, *value) : write_raw(at, "null");
}

// Makes room for `bound` more bytes, lets `write(char* at)` fill them (returning its end),
// and trims to what it wrote: one capacity check for a whole record or alarm.
template <typename Write>
void append_bounded(std::string& out, std::size_t bound, Write&& write) {
  std::size_t at = out.size();
  out.resize(at + bound);
  char* end = write(out.data() + at);
  out.resize(static_cast<std::size_t>(end - out.data()));
}

// `"key":` for a key known to need no escaping (our own field names).
inline void append_key(std::string& out, std::string_view key) {
  out += '"';
  out += key;
  out += "\":";
}

// `,"key":value`: the members after the first of an object whose field names are ours.
inline void append_number_field(std::string& out, std::string_view key, double value) {
  out += ',';
  append_key(out, key);
  append_number(out, value);
}
inline void append_string_field(std::string& out, std::string_view key, std::string_view value) {
  out += ',';
  append_key(out, key);
  append_string(out, value);
}

// Appends `value` with exactly `decimals` (0–6) digits after the point, rounded half away
// from zero, for human text on hot paths ("RSI 27.4"). Falls back to fmt for huge values.
void append_fixed(std::string& out, double value, int decimals);

// The same written at `at` (at most 20 bytes) where fits_fixed(value, decimals); returns
// the end. Callers check and take append_fixed otherwise.
char* write_fixed(char* at, double value, int decimals);
// The decimals the fixed writers take (0–6; others are clamped), and 10^decimals.
inline int fixed_decimals(int decimals) { return decimals < 0 ? 0 : decimals > 6 ? 6 : decimals; }
inline std::int64_t fixed_scale(int decimals) {
  static constexpr std::int64_t scale[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
  return scale[fixed_decimals(decimals)];
}
// Whether write_fixed can take `value`: finite, and its scaled digits (|value| × 10^decimals)
// below 1e15, where one multiplication keeps them exact enough to round; append_fixed
// hands larger ones to fmt.
inline bool fits_fixed(double value, int decimals) {
  return std::fabs(value) * static_cast<double>(fixed_scale(decimals)) < 1e15;  // false for NaN
}

// Appends `value` with `significant` digits as printf's %.*g writes it (trailing zeros
// dropped, exponent form outside 1e-4 .. 10^significant), for human text ("EMA 101.234").
void append_general(std::string& out, double value, int significant);

// A double as a person reads it in a message: round-trip exact, plain notation.
std::string format_number(double value);

}  // namespace tickflow::json

namespace tickflow::json {

// Like append_string, for text that may not be valid UTF-8 (raw input echoed back in an
// error): invalid bytes become U+FFFD, and at most `max_bytes` of `text` are used, cut
// at a character boundary.
void append_string_lossy(std::string& out, std::string_view text, std::size_t max_bytes);

}  // namespace tickflow::json
