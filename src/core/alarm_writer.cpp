#include "src/core/alarm.hpp"
#include "src/core/json_writer.hpp"

namespace tickflow {

void write_alarm(const Alarm& a, std::string& out) {
  // Made in one piece (room once, written through a pointer): replay writes thousands.
  constexpr std::size_t names_chars = 128;  // every member name, quotes, colons, commas, braces
  const std::size_t bound = names_chars + 5 * json::max_number_chars + json::max_string_chars(a.alarm_id.size()) +
                            json::max_string_chars(a.stock_symbol.size()) + json::max_string_chars(a.reason.size()) +
                            json::max_string_chars(a.source.size()) + 8;  // "signal":"sell"
  json::append_bounded(out, bound, [&](char* at) {
    at = json::write_raw(at, "{\"alarm_id\":");
    at = json::write_string(at, a.alarm_id);
    at = json::write_raw(at, ",\"stock_symbol\":");
    at = json::write_string(at, a.stock_symbol);
    at = json::write_raw(at, ",\"signal\":\"");
    at = json::write_raw(at, to_string(a.signal));
    at = json::write_raw(at, "\",\"reason\":");
    at = json::write_string(at, a.reason);
    at = json::write_raw(at, ",\"price\":");
    at = json::write_number(at, a.price);
    at = json::write_optional(json::write_raw(at, ",\"rsi\":"), a.rsi);
    at = json::write_optional(json::write_raw(at, ",\"ema\":"), a.ema);
    at = json::write_optional(json::write_raw(at, ",\"ma\":"), a.ma);
    at = json::write_raw(at, ",\"timestamp\":");
    at = json::write_number(at, a.timestamp);
    at = json::write_raw(at, ",\"source\":");
    at = json::write_string(at, a.source);
    *at++ = '}';
    return at;
  });
}

}  // namespace tickflow
