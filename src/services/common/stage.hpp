// The loop every consuming service runs: poll a batch from its input topics, turn each
// record into output records, publish them (waiting while the bus is full, never
// dropping), wait until they are delivered, save state, then commit. A stop request finishes the batch in hand; records published
// but not committed when the process dies are delivered again (at-least-once), which is
// why stages skip a seq they have already applied.
// One thread; the handler is called on it.
#pragma once

#include <atomic>
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
  std::atomic<std::uint64_t> batches{0};
  std::atomic<std::uint64_t> commit_failures{0};
};

using StageHandler = std::function<void(const BusRecord& in, std::vector<StageOutput>& out)>;
// Called after a batch's outputs are published and before its input is committed (the
// stage saves its state there); false leaves the batch uncommitted.
using BeforeCommit = std::function<bool()>;

// A record on an internal topic that does not parse: its rejection, published to
// `rejected_topic` so that it is not dropped silently.
void reject_unparseable(const BusRecord& in, const ValidationErrors& errors, const std::string* rejected_topic,
                        std::vector<StageOutput>& out);

struct StageHooks {
  BeforeCommit before_commit;
  // Called before the first batch after this member's partitions changed: per-key state
  // held in memory may be stale (another member advanced those keys) and must be reloaded.
  std::function<void()> on_reassign;
  std::size_t max_batch = 2000;
};

// Runs until `stop` is requested. Returns false when it stopped early with a batch not
// committed (published in part, or not delivered): it will be delivered again.
bool run_stage(Bus& bus, Subscription& input, const StageHandler& handle, StageCounters& counters,
               std::stop_token stop, const StageHooks& hooks = {});

}  // namespace tickflow
