// What the signal rules remember about one key (symbol, or indicator name) between records.
#pragma once

#include <optional>

#include "src/core/state_codec.hpp"
#include "src/signals/alarm_gate.hpp"

namespace tickflow {

struct SignalState {
  std::optional<double> spread;  // EMA − MA at the previous tick
  double last_close = 0;
  int unchanged_closes = 0;      // consecutive ticks whose close equalled the previous
  bool has_close = false;
  AlarmGate indicators, news, orders, valuation, macro;  // one per rule source

  void save(StateWriter& w) const {
    w.put(spread.has_value());
    w.put(spread.value_or(0.0));
    w.put(last_close);
    w.put(unchanged_closes);
    w.put(has_close);
    for (const AlarmGate* g : {&indicators, &news, &orders, &valuation, &macro}) g->save(w);
  }
  bool load(StateReader& r) {
    bool has_spread = false;
    double s = 0;
    r.get(has_spread);
    r.get(s);
    spread = has_spread ? std::optional<double>(s) : std::nullopt;
    r.get(last_close);
    r.get(unchanged_closes);
    r.get(has_close);
    for (AlarmGate* g : {&indicators, &news, &orders, &valuation, &macro}) g->load(r);
    return r.ok() && r.at_end();
  }
};

}  // namespace tickflow
