// The transport between services (docs/architecture.md): publish keyed records to topics,
// consume them in consumer groups in batches, commit after a batch is handled
// (at-least-once). MemoryBus runs everything in one process; KafkaBus uses Apache Kafka.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tickflow {

// One consumed record. The views stay valid until the next poll() or close() of the
// subscription that returned it.
struct BusRecord {
  std::string_view topic;
  std::string_view key;
  std::string_view payload;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
};

enum class PublishStatus {
  ok,      // accepted; delivery is reported through counters (and flush)
  full,    // no room now: nothing was taken, try again later (ingest answers 503)
  closed,  // the bus is shutting down
  failed,  // refused for good (e.g. record larger than the broker allows)
};

constexpr std::string_view to_string(PublishStatus s) {
  switch (s) {
    case PublishStatus::ok: return "ok";
    case PublishStatus::full: return "full";
    case PublishStatus::closed: return "closed";
    case PublishStatus::failed: return "failed";
  }
  return "failed";
}

// The outcome of an operation that can fail at run time, with a message a person can act on.
struct BusStatus {
  bool ok = true;
  std::string message;
  static BusStatus success() { return {}; }
  static BusStatus failure(std::string why) { return {false, std::move(why)}; }
};

struct BusCounters {
  std::uint64_t published = 0;  // accepted by publish()
  std::uint64_t delivered = 0;  // stored durably (MemoryBus: stored; Kafka: acked by all in-sync replicas)
  std::uint64_t failed = 0;     // accepted but never delivered
  std::uint64_t consumed = 0;   // handed to consumers by poll()
  std::uint64_t committed = 0;  // commit() calls that succeeded
  std::int64_t queue_depth = 0; // accepted, not yet delivered (producer side)
  std::int64_t lag = 0;         // stored, not yet committed by the slowest group
};

// Where a consumer stands in one partition: the next offset it would read.
struct ConsumedOffset {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t next = 0;
};
using ConsumedPositions = std::vector<ConsumedOffset>;

// One record to publish.
struct OutgoingRecord {
  std::string_view key;
  std::string_view payload;
};

class Subscription {
 public:
  virtual ~Subscription() = default;

  // Up to `max_records` from the partitions assigned to this member, waiting up to
  // `timeout` for the first. An empty span means nothing arrived in time.
  virtual std::span<const BusRecord> poll(std::size_t max_records, std::chrono::milliseconds timeout) = 0;

  // Where the polls so far have brought this member, in the partitions it owns: a stage
  // notes this when it has published a batch's outputs and commits it once they are
  // delivered, polling on meanwhile.
  virtual ConsumedPositions positions() const = 0;

  // Marks the records before `at` as handled: after a restart the group resumes there.
  // Records polled but not committed are delivered again. Partitions this member no
  // longer owns are left out. Without `wait` the commit is sent and not waited for (one
  // that fails only means records delivered again).
  virtual BusStatus commit(const ConsumedPositions& at, bool wait) = 0;

  // Marks everything returned by earlier polls as handled.
  BusStatus commit() { return commit(positions(), true); }

  // Leaves the group without committing; other members take over its partitions.
  virtual void close() = 0;

  // Lets poll() watch an empty input for up to `watch` before it sleeps, for as long as
  // records keep coming at least that often. A consumer that sleeps between records pays
  // a wake-up for each (tens of µs on a virtual machine); one that watches holds a core
  // meanwhile. For the stage at the head of the tick path. A hint: a bus whose client
  // waits in its own queue (Kafka) ignores it.
  virtual void set_busy_poll(std::chrono::microseconds /*watch*/) {}

  // Changes whenever this member's partitions change (a member joined or left the group).
  // A stage that keeps per-key state in memory reloads it from its store after a change:
  // another member may have advanced the keys of a partition that comes back.
  virtual std::uint64_t assignment_generation() const { return 0; }
};

class Bus {
 public:
  virtual ~Bus() = default;

  // Queues a record for `topic`, partitioned by `key` (records with one key keep their
  // order). Waits up to `wait` for room when the bus is full, then reports full.
  virtual PublishStatus publish(std::string_view topic, std::string_view key, std::string_view payload,
                                std::chrono::milliseconds wait = std::chrono::milliseconds(0)) = 0;

  // Publishes `records` in order with one wait budget; returns how many were accepted
  // (always a prefix: on "full" the rest is left for the caller to retry).
  virtual std::size_t publish_batch(std::string_view topic, std::span<const OutgoingRecord> records,
                                    std::chrono::milliseconds wait = std::chrono::milliseconds(0)) {
    std::size_t accepted = 0;
    for (const auto& r : records) {
      if (publish(topic, r.key, r.payload, wait) != PublishStatus::ok) break;
      ++accepted;
    }
    return accepted;
  }

  // Makes sure `topics` exist before anything is published to them, so the first record
  // on one does not wait while it is created (on Kafka creating a topic stalls the whole
  // broker for a moment). Services call it at start for the topics
  // they write. The in-memory bus makes topics on first use; nothing to do there.
  virtual BusStatus ensure_topics(const std::vector<std::string>& /*topics*/) { return BusStatus::success(); }

  // Joins consumer group `group` on `topics`. Partitions are shared among the members of
  // a group; a new group starts at the earliest record still held.
  virtual std::unique_ptr<Subscription> subscribe(const std::vector<std::string>& topics, std::string_view group) = 0;

  // Waits until every accepted record is delivered or failed; returns how many are
  // still outstanding when `timeout` ran out (0 = all settled).
  virtual std::size_t flush(std::chrono::milliseconds timeout) = 0;

  // True when an accepted record is already stored, so flushing has nothing to wait for
  // (the in-memory bus): callers skip acknowledgement bookkeeping on hot paths.
  virtual bool stores_on_publish() const { return false; }

  // A point in this bus's stream of accepted records: all accepted so far lie before it.
  virtual std::uint64_t publish_mark() { return 0; }
  // Like flush, but only for the records accepted before `mark`: a stage waiting for its
  // own batch is not held up by what other threads keep publishing on a shared bus.
  virtual std::size_t flush_to(std::uint64_t mark, std::chrono::milliseconds timeout) {
    (void)mark;
    return flush(timeout);
  }

  virtual BusCounters counters() const = 0;

  // Whether the bus can take records now (Kafka: a broker answered within `timeout`).
  virtual BusStatus health(std::chrono::milliseconds timeout) = 0;
};

}  // namespace tickflow
