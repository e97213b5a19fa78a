// The rule engine: gives every record a signal (buy/sell/neutral) with a reason and a
// strength, and raises an alarm when a key enters buy or sell. Keeps per-key state
// (previous EMA−MA spread, flat-run length, alarm gates). Pure logic; one instance per
// thread; state grows with the number of distinct keys.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>

#include "src/core/alarm.hpp"
#include "src/core/record.hpp"
#include "src/signals/alarm_gate.hpp"
#include "src/signals/signal_rules.hpp"

namespace tickflow {

class SignalEngine {
 public:
  explicit SignalEngine(SignalRules rules) : rules_(rules) {}

  // Sets record.signal. For stock ticks record.indicators must be set (by process).
  // Returns the alarm this record raises, if any; its id needs record.seq.
  std::optional<Alarm> evaluate(Record& record);

  const SignalRules& rules() const noexcept { return rules_; }

 private:
  struct KeyState {
    std::optional<double> spread;  // EMA − MA at the previous tick
    double last_close = 0;
    int unchanged_closes = 0;      // consecutive ticks whose close equalled the previous
    bool has_close = false;
    AlarmGate indicators, news, orders, valuation, macro;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };

  KeyState& state_for(std::string_view key);
  void evaluate_tick(const StockTick& tick, const Indicators& ind, KeyState& state, SignalResult& out);

  SignalRules rules_;
  std::unordered_map<std::string, KeyState, Hash, std::equal_to<>> states_;
};

}  // namespace tickflow
