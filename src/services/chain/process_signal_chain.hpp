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
// One checkpoint covers both stages' state at the input position of the process stage:
// after every batch (over Kafka, where the outputs are durable once delivered), or only
// when asked (save_when_idle), at a point where every consumer has committed everything:
// on the in-memory bus, outputs are durable only once their consumers have taken them
// (the alarms into notify's outbox), so a state saved after each batch would let a crash
// skip, by seq, records whose alarms were never taken.
// Run as separate commands (`tickflow process`, `tickflow signal`) the stages stay apart,
// each with its own group; what the signal stage had not read when they stopped is read
// first when the chain takes over (hand_over), so switching between the two loses nothing.
// Runs on one thread (run); counters may be read from any.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
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
  enum class Checkpoints { every_batch, when_asked };

  // Both stages are used only through this while run() runs (not their own run()).
  ProcessSignalChain(Bus& bus, ProcessService& process, SignalService& signal,
                     Processed processed = Processed::published, Checkpoints checkpoints = Checkpoints::every_batch);
  void run(std::stop_token stop);
  // Records in (the process stage's input and threshold changes) and all records out.
  const StageCounters& counters() const noexcept { return counters_; }
  // Records the process stage wrote to its topic, each also read by the signal stage.
  std::uint64_t processed() const noexcept { return processed_.load(); }

  // With Checkpoints::when_asked, from another thread: saves both stages' state the next
  // time the chain is idle. Whether it was saved within `timeout`.
  bool save_when_idle(std::chrono::milliseconds timeout);

 private:
  void handle(const BusRecord& in, std::vector<StageOutput>& out);
  // Brings the signal stage's checkpoint up to the process stage's, reading the processed
  // topic as the signal stage's own group, when the stages last ran apart.
  void hand_over(std::stop_token stop);
  // On the chain's thread, when idle: the save asked for, if any.
  void serve_save(const StageHooks& process_hooks, const StageHooks& signal_hooks);

  Bus& bus_;
  ProcessService& process_;
  SignalService& signal_;
  const bool publish_processed_;
  const bool save_when_asked_;
  StageCounters counters_;
  std::atomic<std::uint64_t> processed_{0};
  std::mutex save_mu_;
  std::condition_variable save_done_cv_;
  std::uint64_t saves_asked_ = 0;  // under save_mu_
  std::uint64_t saves_done_ = 0;
  bool last_save_ok_ = false;
};

}  // namespace tickflow
