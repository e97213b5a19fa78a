#include "src/services/notify/mime.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>

#include <fmt/format.h>

namespace tickflow::mime {

namespace {

constexpr char base64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                      static_cast<unsigned char>(bytes[i + 2]);
    out += base64_alphabet[(v >> 18) & 63];
    out += base64_alphabet[(v >> 12) & 63];
    out += base64_alphabet[(v >> 6) & 63];
    out += base64_alphabet[v & 63];
  }
  if (std::size_t rest = bytes.size() - i; rest > 0) {
    std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += base64_alphabet[(v >> 18) & 63];
    out += base64_alphabet[(v >> 12) & 63];
    out += rest == 2 ? base64_alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::tm utc_tm(double unix_seconds) {
  // Years 1970 to 9999: anything else (an alarm's timestamp comes from outside) is shown
  // as the nearest end rather than converted with undefined behaviour.
  constexpr double last_second_of_9999 = 253402300799.0;
  double clamped = std::isfinite(unix_seconds) ? std::clamp(std::floor(unix_seconds), 0.0, last_second_of_9999) : 0.0;
  std::time_t t = static_cast<std::time_t>(clamped);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

// Where a UTF-8 string may be cut: not before a continuation byte.
std::size_t utf8_cut(std::string_view text, std::size_t at) {
  while (at > 0 && at < text.size() && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) --at;
  return at;
}

}  // namespace

std::string base64_lines(std::string_view bytes) {
  std::string encoded = base64(bytes);
  std::string out;
  out.reserve(encoded.size() + encoded.size() / 76 * 2 + 2);
  for (std::size_t i = 0; i < encoded.size(); i += 76) {
    out.append(encoded, i, 76);
    out += "\r\n";
  }
  return out;
}

std::string encode_header(std::string_view text) {
  bool plain = true;
  for (unsigned char c : text) plain = plain && c >= 0x20 && c < 0x7f;
  if (plain && text.size() <= 900) return std::string(text);
  // Control characters become spaces before encoding: a header value is one line.
  std::string clean(text);
  for (auto& c : clean) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  // Encoded words are at most 75 characters: 45 bytes of text each, folded onto
  // continuation lines.
  std::string out;
  std::string_view rest = clean;
  while (!rest.empty()) {
    std::size_t n = rest.size() <= 45 ? rest.size() : utf8_cut(rest, 45);
    if (n == 0) n = std::min<std::size_t>(rest.size(), 45);
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(rest.substr(0, n)) + "?=";
    rest.remove_prefix(n);
  }
  return out;
}

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string rfc5322_date(double unix_seconds) {
  static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm tm = utc_tm(unix_seconds);
  return fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} +0000", days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
                     tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string utc_time(double unix_seconds) {
  std::tm tm = utc_tm(unix_seconds);
  return fmt::format("{}-{:02}-{:02} {:02}:{:02}:{:02} UTC", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

std::uint64_t fnv1a64(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

}  // namespace tickflow::mime
