// In-process Bus with Kafka's semantics: topics split into partitions by key, consumer
// groups that share partitions and resume from committed offsets, redelivery of what a
// member polled but did not commit. Bounded: a full partition makes publish wait or say
// "full"; records are dropped only once every group has committed them — or, on a topic
// no group reads, the oldest when a new one needs the room (a group that comes later
// starts at the oldest still held, as with Kafka's retention).
// Thread-safe: any thread may publish; each Subscription is used by one thread at a time.
// Polled records are views of the bus's storage, held for the subscription until its next
// poll or close: a subscription that stops polling should be closed, or the storage of its
// last batch, and of everything published after it, is kept.
// Owns its topics; destroy subscriptions before the bus.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "src/bus/bus.hpp"
#include "src/core/string_key_map.hpp"

namespace tickflow {

struct MemoryBusOptions {
  int partitions = 4;                        // per topic
  std::size_t partition_capacity = 1 << 16;  // records held per partition before publish pushes back
};

class MemoryBus final : public Bus {
 public:
  explicit MemoryBus(MemoryBusOptions options = {});
  ~MemoryBus() override;

  PublishStatus publish(std::string_view topic, std::string_view key, std::string_view payload,
                        std::chrono::milliseconds wait = std::chrono::milliseconds(0)) override;
  std::size_t publish_batch(std::string_view topic, std::span<const OutgoingRecord> records,
                            std::chrono::milliseconds wait = std::chrono::milliseconds(0)) override;
  std::unique_ptr<Subscription> subscribe(const std::vector<std::string>& topics, std::string_view group) override;
  std::size_t flush(std::chrono::milliseconds) override { return 0; }  // stored on publish
  bool stores_on_publish() const override { return true; }
  BusCounters counters() const override;
  BusStatus health(std::chrono::milliseconds) override {
    return closed_ ? BusStatus::failure("the in-memory bus is shut down") : BusStatus::success();
  }

  // Refuses new records and wakes every waiting publisher and consumer.
  void shut_down();

  struct Topic;  // internal, public for the subscription class in the .cpp

 private:
  friend class MemorySubscription;
  Topic& topic(std::string_view name);

  MemoryBusOptions options_;
  const std::uint64_t id_;  // never reused, unlike addresses: keys the per-thread topic cache
  mutable std::mutex topics_mu_;
  StringKeyMap<std::unique_ptr<Topic>> topics_;

  std::atomic<bool> closed_{false};

  std::atomic<std::uint64_t> published_{0};
  std::atomic<std::uint64_t> consumed_{0};
  std::atomic<std::uint64_t> commits_{0};
};

}  // namespace tickflow
