// Bus over Apache Kafka (librdkafka): idempotent producer with acks=all, keyed by symbol;
// consumer groups with manual commits after a batch is handled; topics created when
// missing. Any librdkafka setting can be passed through (config `kafka.<key>`).
// Thread-safe publish; each Subscription is used by one thread at a time. A background
// thread serves delivery reports; the destructor flushes (up to 10 s) and stops it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "src/bus/bus.hpp"
#include "src/core/string_key_map.hpp"

struct rd_kafka_s;
struct rd_kafka_topic_s;

namespace tickflow {

struct KafkaBusOptions {
  std::string brokers = "127.0.0.1:9092";
  std::string client_id = "tickflow";
  int linger_ms = 1;                  // producer batching delay: low for latency
  std::string compression = "none";   // none, gzip, snappy, lz4, zstd (lz4: ~40% less broker garbage)
  bool create_topics = true;          // create missing topics on first publish/subscribe
  int topic_partitions = 4;           // for topics this bus creates
  int replication_factor = 1;
  std::vector<std::pair<std::string, std::string>> settings;  // librdkafka key → value
  // Called (on the bus's delivery thread) for each record Kafka finally refused.
  std::function<void(std::string_view why)> on_delivery_failure;
};

// A start-up failure (bad setting, client could not be created); the message says which.
struct KafkaError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class KafkaBus final : public Bus {
 public:
  explicit KafkaBus(KafkaBusOptions options);  // throws KafkaError
  ~KafkaBus() override;

  PublishStatus publish(std::string_view topic, std::string_view key, std::string_view payload,
                        std::chrono::milliseconds wait = std::chrono::milliseconds(0)) override;
  std::unique_ptr<Subscription> subscribe(const std::vector<std::string>& topics, std::string_view group) override;
  std::size_t flush(std::chrono::milliseconds timeout) override;
  std::uint64_t publish_mark() override;
  std::size_t flush_to(std::uint64_t mark, std::chrono::milliseconds timeout) override;
  BusCounters counters() const override;
  BusStatus health(std::chrono::milliseconds timeout) override;

  // Creates the topics that do not exist yet (partitions and replication from options).
  BusStatus ensure_topics(const std::vector<std::string>& topics) override;
  // Deletes the topics and every record in them; a failure names the first topic that
  // could not be deleted and why (one that does not exist is such a failure). For tools
  // and benchmarks that make topics of their own: a broker carrying thousands of stale
  // partitions is slower for every client.
  BusStatus delete_topics(const std::vector<std::string>& topics);

  const KafkaBusOptions& options() const noexcept { return options_; }

  // Shared with subscriptions and the delivery callback.
  struct Shared {
    std::atomic<std::uint64_t> published{0}, delivered{0}, failed{0}, consumed{0}, committed{0};
    std::atomic<std::int64_t> lag{0};
    std::function<void(std::string_view)> on_delivery_failure;
    // Which accepted records are settled, by ticket (their order of acceptance): the
    // oldest unsettled one is `base`; flush_to waits for it to pass a mark.
    std::mutex settle_mu;
    std::condition_variable settle_cv;
    std::uint64_t next_ticket = 0;
    std::uint64_t base = 0;
    std::deque<bool> settled;
    std::uint64_t take_ticket();
    void settle(std::uint64_t ticket);
  };

 private:
  KafkaBusOptions options_;
  std::shared_ptr<Shared> shared_;
  rd_kafka_s* producer_ = nullptr;
  std::mutex topics_mu_;
  StringKeyMap<rd_kafka_topic_s*> topics_;
  std::set<std::string> ensured_;  // topics known to exist (guarded by topics_mu_)
  std::atomic<bool> stopping_{false};
  std::thread poller_;  // serves delivery reports
};

}  // namespace tickflow
