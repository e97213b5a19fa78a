#include "src/core/alarm.hpp"
#include "src/core/json_writer.hpp"

namespace tickflow {

void write_alarm(const Alarm& a, std::string& out) {
  out += "{\"alarm_id\":";
  json::append_string(out, a.alarm_id);
  json::append_string_field(out, "stock_symbol", a.stock_symbol);
  json::append_string_field(out, "signal", to_string(a.signal));
  json::append_string_field(out, "reason", a.reason);
  json::append_number_field(out, "price", a.price);
  json::append_optional_field(out, "rsi", a.rsi);
  json::append_optional_field(out, "ema", a.ema);
  json::append_optional_field(out, "ma", a.ma);
  json::append_number_field(out, "timestamp", a.timestamp);
  json::append_string_field(out, "source", a.source);
  out += '}';
}

}  // namespace tickflow
