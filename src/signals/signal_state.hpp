// What the signal rules remember about one key (symbol, or indicator name) between records.
#pragma once

#include <optional>

#include "src/signals/alarm_gate.hpp"

namespace tickflow {

struct SignalState {
  std::optional<double> spread;  // EMA − MA at the previous tick
  double last_close = 0;
  int unchanged_closes = 0;      // consecutive ticks whose close equalled the previous
  bool has_close = false;
  AlarmGate indicators, news, orders, valuation, macro;  // one per rule source
};

}  // namespace tickflow
