// `process`: validated_data → processed_data. Adds ma, ema and rsi to each stock tick
// (per-symbol state); other records pass through unchanged. A redelivered record (seq not
// above the last one applied for its key) is skipped, so indicators never count a tick
// twice. A record that does not parse goes to the rejected topic with the reason. With a
// state path, per-symbol state is checkpointed before each commit (docs/pipeline.md).
// Runs on one thread (run); counters may be read from any.
#pragma once

#include <optional>
#include <stop_token>
#include <string>

#include "src/bus/bus.hpp"
#include "src/core/record_parser.hpp"
#include "src/indicators/indicator_set.hpp"
#include "src/services/common/keyed_state.hpp"
#include "src/services/common/stage.hpp"

namespace tickflow {

struct ProcessOptions {
  std::string in_topic = "validated_data";
  std::string out_topic = "Processed_data";
  std::string rejected_topic = "rejected_data";
  std::string group = "process";
  IndicatorPeriods periods;
  ValidationLimits limits;
  std::string state_path;  // SQLite checkpoint of per-symbol state; empty: none (state lost on restart)
  std::chrono::milliseconds checkpoint_interval{0};  // over Kafka (StageHooks::checkpoint_interval)
  std::chrono::microseconds busy_poll{0};  // Subscription::set_busy_poll of the input (the in-memory bus heeds it)
};

class ProcessService {
 public:
  // Loads the checkpoint when options.state_path is set; throws std::runtime_error
  // (start-up) when it cannot be opened or was written for other indicator periods.
  ProcessService(Bus& bus, ProcessOptions options);
  void run(std::stop_token stop);
  const StageCounters& counters() const noexcept { return counters_; }
  std::uint64_t duplicates() const noexcept { return keys_.duplicates(); }
  const ProcessOptions& options() const noexcept { return options_; }

  // What run() does with each record and its checkpoint hooks, for running this stage
  // chained with the next on one thread (ProcessSignalChain). Not while run() runs.
  void handle(const BusRecord& in, std::vector<StageOutput>& out);
  StageHooks stage_hooks() { return checkpoint_hooks(keys_, options_.checkpoint_interval); }
  // Each symbol's last applied seq (after start-up: as checkpointed). Not while run() runs.
  std::vector<std::pair<std::string, std::uint64_t>> applied() const { return keys_.applied(); }

 private:
  Bus& bus_;
  ProcessOptions options_;
  RecordParser parser_;
  Record record_;
  ValidationErrors errors_;
  KeyedState<std::optional<IndicatorSet>> keys_;  // nothing for keys without ticks
  StageCounters counters_;
};

}  // namespace tickflow
