#include "src/core/alarm.hpp"
#include "src/core/json_writer.hpp"

namespace tickflow {

void write_alarm(const Alarm& a, std::string& out) {
  out += "{\"alarm_id\":";
  json::append_string(out, a.alarm_id);
  out += ",\"stock_symbol\":";
  json::append_string(out, a.stock_symbol);
  out += ",\"signal\":\"";
  out += to_string(a.signal);
  out += "\",\"reason\":";
  json::append_string(out, a.reason);
  out += ",\"price\":";
  json::append_number(out, a.price);
  out += ",\"rsi\":";
  json::append_optional(out, a.rsi);
  out += ",\"ema\":";
  json::append_optional(out, a.ema);
  out += ",\"ma\":";
  json::append_optional(out, a.ma);
  out += ",\"timestamp\":";
  json::append_number(out, a.timestamp);
  out += ",\"source\":";
  json::append_string(out, a.source);
  out += '}';
}

}  // namespace tickflow
