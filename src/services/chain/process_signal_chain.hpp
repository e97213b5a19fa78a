// The process and signal stages on one thread, for the in-memory bus (`tickflow run`'s
// default): each record the process stage makes is handed straight to the signal stage,
// instead of being picked up by another thread after a wake-up (on two shared cores, the
// wake-up was most of a tick's time to its signal). The signal stage reads the processed
// record's bytes as it would from the bus, so its output is the same. The processed
// records are published too (each before the signal made from it), unless nothing would
// read them: in `tickflow run` no service does (aggregate and the dashboard read
// signals, which carry every processed field), and keeping them would only fill memory.
// Over Kafka the stages stay apart (each its own group and checkpoint), as separate
// processes run them.
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

  Bus& bus_;
  ProcessService& process_;
  SignalService& signal_;
  const bool publish_processed_;
  StageCounters counters_;
  std::atomic<std::uint64_t> processed_{0};
};

}  // namespace tickflow
