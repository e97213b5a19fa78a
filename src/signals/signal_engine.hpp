// The rule engine: gives every record a signal (buy/sell/neutral) with a reason and a
// strength, and raises an alarm when a key enters buy or sell. Per-key state (SignalState)
// is the caller's or kept here. Pure logic; one instance per thread; kept state grows
// with the number of distinct keys.
#pragma once

#include <optional>
#include <string>

#include "src/core/alarm.hpp"
#include "src/core/record.hpp"
#include "src/core/string_key_map.hpp"
#include "src/signals/signal_rules.hpp"
#include "src/signals/signal_state.hpp"

namespace tickflow {

class SignalEngine {
 public:
  explicit SignalEngine(SignalRules rules);

  // Sets record.signal from the rules and `state` (the record's key's), and updates
  // `state`. For stock ticks record.indicators must be set (by process). Says whether the
  // record raises an alarm and if so writes it to `alarm` (its id needs record.seq),
  // reusing the strings' buffers: the form for paths that see every record.
  bool evaluate(Record& record, SignalState& state, Alarm& alarm);

  // The same, returning the alarm raised, if any.
  std::optional<Alarm> evaluate(Record& record, SignalState& state) {
    Alarm alarm;
    if (evaluate(record, state, alarm)) return alarm;
    return std::nullopt;
  }

  // The same, keeping the per-key state in this engine.
  std::optional<Alarm> evaluate(Record& record) { return evaluate(record, entry_for(states_, record.partition_key())); }

  const SignalRules& rules() const noexcept { return rules_; }
  // New thresholds for the records that follow (per-key state is kept).
  void set_rules(const SignalRules& rules);

 private:
  void evaluate_tick(const StockTick& tick, const Indicators& ind, SignalState& state, SignalResult& out);

  SignalRules rules_;
  std::string rsi_buy_text_;   // " ≤ 30", formatted once
  std::string rsi_sell_text_;  // " ≥ 70"
  StringKeyMap<SignalState> states_;
};

}  // namespace tickflow
