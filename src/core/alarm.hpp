// A buy/sell alarm (docs/schema.md "Alarm"): raised when a symbol enters buy or sell, carried
// on alarm_topic and delivered by notify. alarm_id is deterministic so replays dedupe.
#pragma once

#include <optional>
#include <string>

#include "src/core/side.hpp"

namespace tickflow {

struct Alarm {
  std::string alarm_id;      // "<key>:<seq>:<source>", e.g. "AAPL:42:indicators"
  std::string stock_symbol;  // or the indicator name for macro alarms
  Side signal = Side::buy;
  std::string reason;
  double price = 0;          // the price the rule saw (close, order price, ...); 0 if none
  std::optional<double> rsi;
  std::optional<double> ema;
  std::optional<double> ma;
  double timestamp = 0;
  std::string source;        // indicators, news, orders, valuation, macro
};

// Appends the alarm as one compact JSON object (no trailing newline).
void write_alarm(const Alarm& alarm, std::string& out);

}  // namespace tickflow
