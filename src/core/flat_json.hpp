// Reads the shape nearly every record has — one flat JSON object whose members are
// numbers, plain ASCII strings or null — in one pass over the bytes, without simdjson.
// It declines everything else (escapes, nesting, non-ASCII, numbers out of double range,
// text after the object, ...) and the caller then parses the record the general way,
// which also explains what is wrong. Every number it reads is the nearest double to its
// text.
// Pure logic, no I/O; reads only within `json`.
#pragma once

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace tickflow {

struct FlatMember {
  enum class Kind : std::uint8_t { number, string, null };
  std::string_view key;   // as written, up to the first '"' (the caller knows its names)
  int hint = -1;          // the index of the hinted name it is, or -1 (see read_flat_object)
  Kind kind = Kind::null;
  double number = 0;      // Kind::number
  std::string_view text;  // Kind::string: the characters between the quotes
};

// Up to 24 bytes of fixed text made ready for one masked compare against the input: its
// bytes zero-padded to 24, and masks covering exactly them.
struct FixedText {
  static constexpr std::size_t max_size = 24;
  std::array<std::uint64_t, 3> words{};  // the bytes in memory order
  std::array<std::uint64_t, 3> masks{};
  std::size_t size = 0;

  // `text` is at most max_size bytes.
  static FixedText of(std::string_view text) {
    FixedText t;
    t.size = text.size();
    std::array<char, max_size> mask{};
    std::memcpy(t.words.data(), text.data(), text.size());
    std::memset(mask.data(), 0xFF, text.size());
    std::memcpy(t.masks.data(), mask.data(), max_size);
    return t;
  }

  // Whether `p`, with at least 24 readable bytes, starts with the text.
  bool starts(const char* p) const {
    std::array<std::uint64_t, 3> in;
    std::memcpy(in.data(), p, max_size);
    return (((in[0] ^ words[0]) & masks[0]) | ((in[1] ^ words[1]) & masks[1]) | ((in[2] ^ words[2]) & masks[2])) == 0;
  }
  // The same for any `p` before `end`, reading nothing at or after `end`.
  bool starts(const char* p, const char* end) const {
    if (end - p >= static_cast<std::ptrdiff_t>(max_size)) return starts(p);
    return end - p >= static_cast<std::ptrdiff_t>(size) && std::memcmp(p, words.data(), size) == 0;
  }
};

// A member name and its closing quote as FixedText (so a name is at most 23 bytes).
struct FlatName {
  FixedText quoted;
  std::string_view name;

  static FlatName of(std::string_view name) {
    std::array<char, FixedText::max_size> bytes{};
    std::memcpy(bytes.data(), name.data(), name.size());
    bytes[name.size()] = '"';
    return {FixedText::of({bytes.data(), name.size() + 1}), name};
  }
  bool starts(const char* p) const { return quoted.starts(p); }
  bool starts(const char* p, const char* end) const { return quoted.starts(p, end); }
};

// Calls `on_member(const FlatMember&)` for each member in order; it returns false to stop
// (the reader then returns false too). Returns true only when the whole of `json` was one
// such object, with nothing but whitespace around it. Member names are cut at the first
// quote and not otherwise checked: the caller accepts only names it knows.
// `hints` are the names the members likely have, in order (those of the last record: a
// stream's records share a layout). A member whose name is its hint is recognised by one
// compare and marked with the hint's index, so the caller need not look the name up.
template <typename OnMember>
bool read_flat_object(std::string_view json, std::span<const FlatName* const> hints, OnMember&& on_member);

// The nearest double to a JSON number's whole text (std::from_chars, correctly rounded);
// false when it is out of double range or not all of `text` is the number.
inline bool nearest_double(std::string_view text, double& value) {
  const char* end = text.data() + text.size();
  auto [stop, ec] = std::from_chars(text.data(), end, value);
  return ec == std::errc() && stop == end && std::isfinite(value);
}

// Whether `text` is exactly one JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
inline bool is_json_number(std::string_view text) {
  std::size_t i = 0;
  const std::size_t n = text.size();
  auto digits = [&] {
    const std::size_t from = i;
    while (i < n && text[i] >= '0' && text[i] <= '9') ++i;
    return i - from;
  };
  if (i < n && text[i] == '-') ++i;
  if (i < n && text[i] == '0') {
    ++i;
  } else if (digits() == 0) {
    return false;
  }
  if (i < n && text[i] == '.') {
    ++i;
    if (digits() == 0) return false;
  }
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < n && (text[i] == '+' || text[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == n;
}

namespace flat_json_detail {

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
inline void skip_space(const char*& p) {
  // One compare for the usual case, a token right there (every JSON token is above ' ').
  while (static_cast<unsigned char>(*p) <= ' ' && is_space(*p)) ++p;
}

// Finds the object `json` holds, whitespace around it skipped: `p` ends just after its
// opening brace, `end` just after its closing one, so that no scan for a character runs
// past `end` (it stops at that brace). False when `json` is not one brace pair around text.
inline bool object_bounds(std::string_view json, const char*& p, const char*& end) {
  p = json.data();
  end = p + json.size();
  while (p < end && is_space(*p)) ++p;
  while (end > p && is_space(end[-1])) --end;
  if (end - p < 2 || *p != '{' || end[-1] != '}') return false;
  ++p;
  return true;
}
inline unsigned digit(char c) { return static_cast<unsigned>(static_cast<unsigned char>(c) - '0'); }

// The numbers the common case does not cover, read by std::from_chars and kept out of
// line so the common case stays small. `p` is at the end of the digits, on an exponent
// marker if there is one; it ends after the number.
[[gnu::noinline]] inline bool read_number_text(const char* begin, const char*& p, double& value) {
  if (*p == 'e' || *p == 'E') {
    ++p;
    if (*p == '+' || *p == '-') ++p;
    if (digit(*p) >= 10) return false;
    while (digit(*p) < 10) ++p;
  }
  return nearest_double({begin, static_cast<std::size_t>(p - begin)}, value);
}

// A JSON number, -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, as the nearest double.
// The common case — no exponent, at most 19 digits, an integer of them within 2^53 — is
// one IEEE division of two exact doubles, correctly rounded; the rest goes through
// std::from_chars (correctly rounded too). Declines numbers out of double range (the
// general path reports them). `p` ends after the number; the object's closing brace
// stops every digit loop before `end`.
[[gnu::always_inline]] inline bool read_plain_number(const char*& p, double& value) {
  static constexpr double powers_of_ten[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                             1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                             1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  const char* start = p;
  const bool negative = *p == '-';
  p += negative;
  const char* first = p;
  std::uint64_t mantissa = 0;
  for (unsigned d; (d = digit(*p)) < 10; ++p) mantissa = mantissa * 10 + d;
  const auto whole_digits = p - first;
  if (whole_digits == 0 || (*first == '0' && whole_digits > 1)) return false;  // none, or a leading zero
  long decimals = 0;
  if (*p == '.') {
    const char* fraction = ++p;
    for (unsigned d; (d = digit(*p)) < 10; ++p) mantissa = mantissa * 10 + d;
    decimals = p - fraction;
    if (decimals == 0) return false;
  }
  // (10^15 < 2^53: only longer mantissas need the second test; 'E' | 0x20 is 'e'.)
  const auto digits = whole_digits + decimals;
  if ((digits > 15 && (digits > 19 || mantissa > (std::uint64_t{1} << 53))) || (*p | 0x20) == 'e') {
    return read_number_text(start, p, value);
  }
  double v = static_cast<double>(mantissa);
  if (decimals > 0) v /= powers_of_ten[decimals];
  value = negative ? -v : v;
  return true;
}

// A plain string's characters, from just after its opening quote to before `end`; `p`
// ends after the closing quote. Declines escapes, control characters and non-ASCII bytes
// (simdjson's path checks their UTF-8 and unescapes them).
inline bool read_plain_string(const char*& p, const char* end, std::string_view& text) {
  const char* begin = p;
  for (; p < end; ++p) {
    auto c = static_cast<unsigned char>(*p);
    if (c == '"') {
      text = {begin, static_cast<std::size_t>(p - begin)};
      ++p;
      return true;
    }
    if (c < 0x20 || c == '\\' || c >= 0x80) return false;
  }
  return false;
}

}  // namespace flat_json_detail

template <typename OnMember>
bool read_flat_object(std::string_view json, std::span<const FlatName* const> hints, OnMember&& on_member) {
  using namespace flat_json_detail;
  const char* p;
  const char* end;
  if (!object_bounds(json, p, end)) return false;
  skip_space(p);
  if (*p == '}') return p + 1 == end;
  for (std::size_t i = 0;; ++i) {
    if (*p != '"') return false;
    ++p;
    FlatMember m;
    if (i < hints.size() && end - p >= 24 && hints[i]->starts(p)) {
      m.key = {p, hints[i]->name.size()};
      m.hint = static_cast<int>(i);
      p += m.key.size() + 1;
    } else {
      const void* quote = std::memchr(p, '"', static_cast<std::size_t>(end - p));
      if (quote == nullptr) return false;
      m.key = {p, static_cast<std::size_t>(static_cast<const char*>(quote) - p)};
      p = static_cast<const char*>(quote) + 1;
    }
    skip_space(p);
    if (*p != ':') return false;
    ++p;
    skip_space(p);
    if (*p == '"') {
      ++p;
      m.kind = FlatMember::Kind::string;
      if (!read_plain_string(p, end, m.text)) return false;
    } else if (*p == '-' || digit(*p) < 10) {
      m.kind = FlatMember::Kind::number;
      if (!read_plain_number(p, m.number)) return false;
    } else if (end - p >= 4 && std::memcmp(p, "null", 4) == 0) {
      p += 4;
      m.kind = FlatMember::Kind::null;
    } else {
      return false;
    }
    if (!on_member(static_cast<const FlatMember&>(m))) return false;
    skip_space(p);
    if (*p == ',') {
      ++p;
      skip_space(p);
      continue;
    }
    return *p == '}' && p + 1 == end;
  }
}

}  // namespace tickflow
