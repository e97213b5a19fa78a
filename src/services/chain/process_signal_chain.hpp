// The process and signal stages on one thread, as `tickflow run` runs them on either bus:
// each record the process stage makes is handed straight to the signal stage, instead of
// going through a topic to another thread (in memory: a wake-up, most of a tick's time to
// its signal on two shared cores; over Kafka: a second trip through the broker, the larger
// part of its p99). Both stages key their state by symbol, so nothing needs the records
// re-partitioned between them. The signal stage reads the processed record's bytes as it
// would from the bus, so its output is the same. The processed records are published too
// (each before the signal made from it), unless nothing would read them: in `tickflow run`
// over the in-memory bus no service does (aggregate and the dashboard read signals, which
// carry every processed field), and keeping them would only fill memory.
// One checkpoint covers both stages' state at the input position of the process stage.
// Run as separate commands (`tickflow process`, `tickflow signal`) the stages stay apart,
// each with its own group; what the signal stage had not read when they stopped is read
// first when the chain takes over (hand_over), so switching between the two loses nothing.
// Runs on one thread (run); counters may be read from any.
#pragma once

#include <atomic>
#include <cstdint>
#include <stop_token>
#include <vector>

#include "src/bus/bus.hpp"
#include "src/services/common/stage.hpp"
#include "src/services/process/process_service.hpp"
#include "src/services/signal/signal_service.hpp"

namespace tickflow {

class ProcessSignalChain {
 public:
  enum class Processed { published, not_published };

  // Both stages are used only through this while run() runs (not their own run()).
  ProcessSignalChain(Bus& bus, ProcessService& process, SignalService& signal,
                     Processed processed = Processed::published);
  void run(std::stop_token stop);
  // Records in (the process stage's input and threshold changes) and all records out.
  const StageCounters& counters() const noexcept { return counters_; }
  // Records the process stage wrote to its topic, each also read by the signal stage.
  std::uint64_t processed() const noexcept { return processed_.load(); }

 private:
  void handle(const BusRecord& in, std::vector<StageOutput>& out);
  // Brings the signal stage's checkpoint up to the process stage's, reading the processed
  // topic as the signal stage's own group, when the stages last ran apart.
  void hand_over(std::stop_token stop);

  Bus& bus_;
  ProcessService& process_;
  SignalService& signal_;
  const bool publish_processed_;
  StageCounters counters_;
  std::atomic<std::uint64_t> processed_{0};
};

}  // namespace tickflow
