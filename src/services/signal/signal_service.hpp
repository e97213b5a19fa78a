// `signal`: processed_data → signals (every record with signal, signal_reason,
// signal_strength) and alarm_topic (buy/sell alarms, edge-triggered, deterministic id).
// A redelivered record (seq already applied for its key) is skipped: no duplicate signal
// or alarm. With a state path, per-key state is checkpointed before each commit.
// Runs on one thread (run); counters may be read from any.
#pragma once

#include <functional>
#include <optional>
#include <stop_token>
#include <string>

#include "src/bus/bus.hpp"
#include "src/core/record_parser.hpp"
#include "src/services/common/keyed_state.hpp"
#include "src/services/common/stage.hpp"
#include "src/signals/signal_engine.hpp"

namespace tickflow {

struct SignalOptions {
  std::string in_topic = "Processed_data";
  std::string signals_topic = "signals";
  std::string alarms_topic = "alarm_topic";
  std::string rejected_topic = "rejected_data";
  std::string group = "signal";
  SignalRules rules;
  ValidationLimits limits;
  std::string state_path;  // SQLite checkpoint of per-key signal state; empty: none
  std::chrono::milliseconds checkpoint_interval{0};  // over Kafka (StageHooks::checkpoint_interval)
  // Threshold changes at run time: records on this topic are handed to apply_control,
  // which changes the rules or says why not. Empty topic: none.
  std::string control_topic;
  std::function<std::optional<std::string>(std::string_view change, SignalRules& rules)> apply_control;
};

class SignalService {
 public:
  SignalService(Bus& bus, SignalOptions options);
  void run(std::stop_token stop);
  const StageCounters& counters() const noexcept { return counters_; }
  std::uint64_t alarms() const noexcept { return alarms_.load(); }
  std::uint64_t duplicates() const noexcept { return keys_.duplicates(); }
  const SignalOptions& options() const noexcept { return options_; }

  // What run() does with each record (a processed record or a threshold change) and its
  // checkpoint hooks, for running this stage chained after process on one thread
  // (ProcessSignalChain). Not while run() runs.
  void handle(const BusRecord& in, std::vector<StageOutput>& out);
  StageHooks stage_hooks() { return checkpoint_hooks(keys_, options_.checkpoint_interval); }
  // The last seq applied to `key` (after start-up: as checkpointed). Not while run() runs.
  std::uint64_t last_applied(std::string_view key) const { return keys_.last_applied(key); }

 private:
  Bus& bus_;
  SignalOptions options_;
  RecordParser parser_;
  SignalEngine engine_;
  Record record_;
  Alarm alarm_;  // the last alarm raised (its buffers reused)
  ValidationErrors errors_;
  KeyedState<SignalState> keys_;
  StageCounters counters_;
  std::atomic<std::uint64_t> alarms_{0};
};

}  // namespace tickflow
