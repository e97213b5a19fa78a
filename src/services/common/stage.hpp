// The loop every consuming service runs: poll a batch from its input topics, turn each
// record into output records and publish them (waiting while the bus is full, never
// dropping). Checkpoints are pipelined: after a batch is published the stage notes its
// state and input position and polls on; once the outputs up to there are delivered it
// saves that state and commits that position, then notes the next. So a tick never waits
// for the broker's acknowledgement of an earlier batch, and nothing is committed whose
// outputs a crash could lose. Records published but not committed when the process dies
// are delivered again (at-least-once), which is why stages skip a seq they have applied.
// A stop request finishes the batch in hand and commits it. One thread; the handler and
// hooks are called on it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "src/bus/bus.hpp"
#include "src/core/validation_error.hpp"

namespace tickflow {

struct StageOutput {
  const std::string* topic;  // one of the stage's own topic names (outlives the batch)
  std::string key;
  std::string payload;
};

struct StageCounters {
  std::atomic<std::uint64_t> consumed{0};
  std::atomic<std::uint64_t> published{0};
  std::atomic<std::uint64_t> batches{0};      // handled and published
  std::atomic<std::uint64_t> checkpoints{0};  // delivered, saved and committed
  std::atomic<std::uint64_t> commit_failures{0};
};

using StageHandler = std::function<void(const BusRecord& in, std::vector<StageOutput>& out)>;

// A record on an internal topic that does not parse: its rejection, published to
// `rejected_topic` so that it is not dropped silently.
void reject_unparseable(const BusRecord& in, const ValidationErrors& errors, const std::string* rejected_topic,
                        std::vector<StageOutput>& out);

struct StageHooks {
  // Called when a checkpoint begins (the batches so far are published): note the state
  // that goes with the input position taken now.
  std::function<void()> snapshot;
  // Called once those outputs are delivered, before the position is committed: make the
  // noted state durable. False leaves the position uncommitted (it is tried again).
  std::function<bool()> save;
  // Called before the first batch after this member's partitions changed: per-key state
  // held in memory may be stale (another member advanced those keys) and must be reloaded.
  std::function<void()> on_reassign;
  // Called after a poll that found nothing, with everything published committed: the
  // stage is idle and its state still (a snapshot asked for from another thread).
  std::function<void()> on_idle;
  std::size_t max_batch = 2000;
  // Over Kafka, the least time between checkpoints: each is a commit request to the
  // broker (and a transaction of the state store), and fewer of them leave the broker's
  // time to the records. The in-memory bus checkpoints every batch.
  std::chrono::milliseconds checkpoint_interval{0};
};

// Runs until `stop` is requested. Returns false when it stopped early with a batch not
// committed (published in part, or not delivered): it will be delivered again.
bool run_stage(Bus& bus, Subscription& input, const StageHandler& handle, StageCounters& counters,
               std::stop_token stop, const StageHooks& hooks = {});

}  // namespace tickflow
