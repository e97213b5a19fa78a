#include "src/services/common/stage.hpp"

#include <map>

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

bool run_stage(Bus& bus, Subscription& input, const StageHandler& handle, StageCounters& counters,
               std::stop_token stop, const StageHooks& hooks) {
  std::vector<StageOutput> outputs;
  std::map<const std::string*, std::vector<OutgoingRecord>> by_topic;
  std::uint64_t generation = input.assignment_generation();
  while (!stop.stop_requested()) {
    auto batch = input.poll(hooks.max_batch, std::chrono::milliseconds(100));
    // A rebalance happens inside poll: the batch may already hold records of partitions
    // this member just got, whose keys another member advanced meanwhile.
    if (std::uint64_t now = input.assignment_generation(); now != generation) {
      generation = now;
      if (hooks.on_reassign) hooks.on_reassign();
    }
    if (batch.empty()) continue;
    outputs.clear();
    for (const auto& record : batch) handle(record, outputs);
    counters.consumed.fetch_add(batch.size());

    // Failures are counted from before this batch is published: delivery reports come
    // asynchronously, and one may arrive while the batch is still being handed over.
    const std::uint64_t failed_before = bus.counters().failed;
    // Per topic, in input order: each key's records keep their order.
    for (auto& [topic, list] : by_topic) list.clear();
    for (const auto& o : outputs) by_topic[o.topic].push_back({o.key, o.payload});
    for (auto& [topic, list] : by_topic) {
      std::size_t done = 0;
      while (done < list.size()) {
        done += bus.publish_batch(*topic, std::span<const OutgoingRecord>(list).subspan(done), std::chrono::milliseconds(200));
        if (done < list.size() && stop.stop_requested()) {
          // Leaving mid-batch: not committing means the whole batch comes again.
          named_logger("stage")->warn("stopping with {} records of a batch unpublished; they will be redone", list.size() - done);
          return false;
        }
      }
      counters.published.fetch_add(list.size());
    }
    // Published means queued (Kafka): wait until the outputs are acknowledged before
    // saving state or committing, or a crash could lose them while their input counts as
    // done. A failure here is not retried in place: the stage stops uncommitted, and the
    // batch comes again after a restart.
    if (std::size_t left = bus.flush_to(bus.publish_mark(), std::chrono::seconds(30));
        left > 0 || bus.counters().failed > failed_before) {
      named_logger("stage")->error("outputs not delivered ({} pending, {} failed); stopping without committing",
                                   left, bus.counters().failed - failed_before);
      counters.commit_failures.fetch_add(1);
      return false;
    }
    if (hooks.before_commit && !hooks.before_commit()) {
      // The state could not be made durable: without a commit the batch comes again,
      // and nothing is acknowledged that a restart would not reproduce.
      counters.commit_failures.fetch_add(1);
      continue;
    }
    if (auto s = input.commit(); !s.ok) {
      counters.commit_failures.fetch_add(1);
      named_logger("stage")->warn("{}", s.message);
    }
    counters.batches.fetch_add(1);
  }
  return true;
}

}  // namespace tickflow
