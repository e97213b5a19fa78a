#include "src/services/common/stage.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include "src/core/rejection_writer.hpp"
#include "src/log/named_logger.hpp"

namespace tickflow {

void reject_unparseable(const BusRecord& in, const ValidationErrors& errors, const std::string* rejected_topic,
                        std::vector<StageOutput>& out) {
  std::string line;
  write_rejection_line(static_cast<std::uint64_t>(in.offset), errors, in.payload, line);
  line.pop_back();  // no newline on the bus
  out.push_back({rejected_topic, std::string(in.key), std::move(line)});
}

namespace {

using Clock = std::chrono::steady_clock;

// How long a checkpoint's outputs may take to be delivered before the stage gives up and
// stops uncommitted (the broker is gone; a restart redoes the work).
constexpr std::chrono::seconds delivery_limit{30};

// How many input records are handled before their outputs are published. A batch after a
// stall holds up to max_batch records: handled whole first, its first tick would wait for
// all of them and for their outputs' hand-over to the bus. Small enough that a slice's
// wait is short, large enough that the bus's per-call cost stays amortised.
constexpr std::size_t publish_slice = 256;

// At most one checkpoint in flight: the point where it began, and what is committed once
// the outputs published before it are delivered.
class Checkpointer {
 public:
  enum class Outcome { waiting, committed, not_saved, lost };

  Checkpointer(Bus& bus, Subscription& input, const StageHooks& hooks, StageCounters& counters)
      : bus_(bus), input_(input), hooks_(hooks), counters_(counters), acked_(!bus.stores_on_publish()),
        failed_before_(acked_ ? bus.counters().failed : 0) {}

  bool in_flight() const noexcept { return point_.has_value(); }

  // Whether the next checkpoint may begin: at once on a bus that stores on publish (the
  // in-memory bus: every batch), else hooks.checkpoint_interval after the last began.
  bool due() const { return !acked_ || Clock::now() - last_begin_ >= hooks_.checkpoint_interval; }

  void begin() {
    if (hooks_.snapshot) hooks_.snapshot();
    last_begin_ = Clock::now();
    point_ = Point{bus_.publish_mark(), input_.positions(), last_begin_ + delivery_limit};
  }

  // The partitions changed: the positions noted may not be ours to commit any more, and
  // the state noted with them has been dropped (on_reassign). Their records come again.
  void abandon() { point_.reset(); }

  // Waits up to `wait` for the outputs to be delivered, then saves and commits.
  Outcome finish(std::chrono::milliseconds wait, bool wait_for_commit) {
    std::size_t left = bus_.flush_to(point_->mark, wait);
    // Delivery reports come asynchronously, for this thread's records and (on a shared
    // bus) others': a failure since the last checkpoint may be one of ours.
    const std::uint64_t failed_now = acked_ ? bus_.counters().failed : 0;
    const std::uint64_t failed = failed_now - failed_before_;
    if (failed > 0 || (left > 0 && Clock::now() >= point_->give_up_at)) {
      named_logger("stage")->error("outputs not delivered ({} pending, {} failed); stopping without committing", left,
                                   failed);
      counters_.commit_failures.fetch_add(1);
      return Outcome::lost;
    }
    if (left > 0) return Outcome::waiting;
    failed_before_ = failed_now;
    Point point = std::move(*point_);
    point_.reset();
    if (hooks_.save && !hooks_.save()) {
      // The state could not be made durable: without a commit its records come again, and
      // nothing is acknowledged that a restart would not reproduce.
      counters_.commit_failures.fetch_add(1);
      return Outcome::not_saved;
    }
    if (auto s = input_.commit(point.positions, wait_for_commit); !s.ok) {
      counters_.commit_failures.fetch_add(1);
      named_logger("stage")->warn("{}", s.message);
    } else {
      counters_.checkpoints.fetch_add(1);
    }
    return Outcome::committed;
  }

 private:
  struct Point {
    std::uint64_t mark;
    ConsumedPositions positions;
    Clock::time_point give_up_at;
  };

  Bus& bus_;
  Subscription& input_;
  const StageHooks& hooks_;
  StageCounters& counters_;
  const bool acked_;  // the bus delivers after publish (Kafka): watch its failure count
  std::uint64_t failed_before_;  // the bus's failure count when the last checkpoint completed
  std::optional<Point> point_;
  Clock::time_point last_begin_{};
};

}  // namespace

bool run_stage(Bus& bus, Subscription& input, const StageHandler& handle, StageCounters& counters,
               std::stop_token stop, const StageHooks& hooks) {
  std::vector<StageOutput> outputs;
  // Each topic's records of a batch, topics in the order they first had one: a stage's
  // records for one topic go out before those it made from them for another (processed
  // before signals when process and signal run chained).
  std::vector<std::pair<const std::string*, std::vector<OutgoingRecord>>> by_topic;
  auto records_for = [&](const std::string* topic) -> std::vector<OutgoingRecord>& {
    for (auto& [t, list] : by_topic) {
      if (t == topic) return list;
    }
    return by_topic.emplace_back(topic, std::vector<OutgoingRecord>()).second;
  };
  std::uint64_t generation = input.assignment_generation();
  Checkpointer checkpoint(bus, input, hooks, counters);
  bool unnoted = false;  // batches published since the checkpoint in flight began
  while (!stop.stop_requested()) {
    // With a checkpoint waiting for acknowledgements, come back soon to finish it.
    auto batch = input.poll(hooks.max_batch, std::chrono::milliseconds(checkpoint.in_flight() ? 2 : 100));
    // A rebalance happens inside poll: the batch may already hold records of partitions
    // this member just got, whose keys another member advanced meanwhile.
    if (std::uint64_t now = input.assignment_generation(); now != generation) {
      generation = now;
      checkpoint.abandon();
      if (hooks.on_reassign) hooks.on_reassign();
    }
    // A batch is handled and published a slice at a time: its first records' outputs go
    // out while the rest are handled, not after all of them.
    for (std::size_t from = 0; from < batch.size(); from += publish_slice) {
      const auto slice = batch.subspan(from, std::min(publish_slice, batch.size() - from));
      outputs.clear();
      for (const auto& record : slice) handle(record, outputs);
      counters.consumed.fetch_add(slice.size());
      // Per topic, in input order: each key's records keep their order.
      for (auto& [topic, list] : by_topic) list.clear();
      for (const auto& o : outputs) records_for(o.topic).push_back({o.key, o.payload});
      for (auto& [topic, list] : by_topic) {
        std::size_t done = 0;
        while (done < list.size()) {
          done += bus.publish_batch(*topic, std::span<const OutgoingRecord>(list).subspan(done),
                                    std::chrono::milliseconds(200));
          if (done < list.size() && stop.stop_requested()) {
            // Leaving mid-batch: not committing means the whole batch comes again.
            named_logger("stage")->warn("stopping with {} records of a batch unpublished; they will be redone",
                                        list.size() - done);
            return false;
          }
        }
        counters.published.fetch_add(list.size());
      }
    }
    if (!batch.empty()) {
      counters.batches.fetch_add(1);
      unnoted = true;
    }
    if (!checkpoint.in_flight() && unnoted && checkpoint.due()) {
      checkpoint.begin();
      unnoted = false;
    }
    // On the in-memory bus this completes at once, so every batch is committed before the
    // next poll; over Kafka it completes while later batches are handled.
    if (checkpoint.in_flight() &&
        checkpoint.finish(std::chrono::milliseconds(0), false) == Checkpointer::Outcome::lost) {
      return false;
    }
    if (batch.empty() && !unnoted && !checkpoint.in_flight() && hooks.on_idle) hooks.on_idle();
  }
  // Stopping: the checkpoint in flight, then one for everything published after it, each
  // waited for.
  auto complete = [&] { return checkpoint.finish(delivery_limit, true) == Checkpointer::Outcome::committed; };
  if (checkpoint.in_flight() && !complete()) return false;
  if (unnoted) {
    checkpoint.begin();
    if (!complete()) return false;
  }
  return true;
}

}  // namespace tickflow
