// KafkaBus under faults injected with librdkafka's mock cluster (no real broker needed):
// failing Produce requests are retried, a broker that goes down and comes back gets every
// record, added latency slows delivery without loss, and a non-retriable error is
// reported as failed deliveries rather than silence.
#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "src/bus/kafka_bus.hpp"
#include "src/bus/mock_kafka_cluster.hpp"

namespace tickflow {
namespace {

using namespace std::chrono_literals;
constexpr std::int16_t produce_api = 0;
constexpr int not_leader = 6;                  // NOT_LEADER_OR_FOLLOWER: retriable
constexpr int request_timed_out = 7;           // retriable
constexpr int topic_authorization_failed = 29; // not retriable

std::unique_ptr<KafkaBus> bus_on(const MockKafkaCluster& cluster) {
  KafkaBusOptions o;
  o.brokers = cluster.bootstrap_servers();
  o.create_topics = false;  // the mock cluster has no CreateTopics; tests create them directly
  o.settings = {{"message.timeout.ms", "30000"}, {"retry.backoff.ms", "50"}};
  return std::make_unique<KafkaBus>(o);
}

std::set<std::string> consume(Bus& bus, const std::string& topic, std::size_t want) {
  std::set<std::string> got;
  auto sub = bus.subscribe({topic}, "audit");
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (got.size() < want && std::chrono::steady_clock::now() < deadline) {
    for (const auto& r : sub->poll(1000, 200ms)) got.emplace(r.payload);
    sub->commit();
  }
  return got;
}

TEST(KafkaBusFaults, FailedProduceRequestsAreRetriedAndNothingIsLost) {
  MockKafkaCluster cluster(3);
  cluster.create_topic("ticks", 4);
  auto bus = bus_on(cluster);
  cluster.fail_requests(produce_api, 6, not_leader);
  cluster.fail_requests(produce_api, 4, request_timed_out);
  for (int i = 0; i < 2000; ++i) ASSERT_EQ(bus->publish("ticks", "K" + std::to_string(i % 9), std::to_string(i), 10s), PublishStatus::ok);
  EXPECT_EQ(bus->flush(60s), 0u);
  auto c = bus->counters();
  EXPECT_EQ(c.delivered, 2000u);
  EXPECT_EQ(c.failed, 0u);
  EXPECT_EQ(consume(*bus, "ticks", 2000).size(), 2000u);
}

TEST(KafkaBusFaults, BrokerDownThenUpGetsEveryRecord) {
  MockKafkaCluster cluster(1);
  cluster.create_topic("ticks", 2);
  auto bus = bus_on(cluster);
  for (int i = 0; i < 500; ++i) ASSERT_EQ(bus->publish("ticks", "A", std::to_string(i), 10s), PublishStatus::ok);
  ASSERT_EQ(bus->flush(30s), 0u);
  cluster.set_broker_down(1, true);
  for (int i = 500; i < 1000; ++i) ASSERT_EQ(bus->publish("ticks", "A", std::to_string(i), 10s), PublishStatus::ok);
  std::this_thread::sleep_for(1500ms);
  EXPECT_LT(bus->counters().delivered, 1000u) << "delivered while the broker was down?";
  EXPECT_GT(bus->counters().queue_depth, 0) << "the waiting records should show as queue depth";
  cluster.set_broker_down(1, false);
  EXPECT_EQ(bus->flush(60s), 0u);
  EXPECT_EQ(bus->counters().delivered, 1000u);
  EXPECT_EQ(bus->counters().failed, 0u);
  EXPECT_EQ(consume(*bus, "ticks", 1000).size(), 1000u);
}

TEST(KafkaBusFaults, AddedLatencySlowsDeliveryWithoutLoss) {
  MockKafkaCluster cluster(1);
  cluster.create_topic("ticks", 1);
  auto bus = bus_on(cluster);
  ASSERT_EQ(bus->publish("ticks", "warm", "up", 10s), PublishStatus::ok);
  ASSERT_EQ(bus->flush(30s), 0u);
  cluster.set_broker_latency(1, 400ms);
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) ASSERT_EQ(bus->publish("ticks", "L", std::to_string(i), 10s), PublishStatus::ok);
  ASSERT_EQ(bus->flush(60s), 0u);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 350ms);
  EXPECT_EQ(bus->counters().delivered, 101u);
}

TEST(KafkaBusFaults, NonRetriableErrorIsReportedAsFailedDeliveries) {
  MockKafkaCluster cluster(1);
  cluster.create_topic("secret", 1);
  KafkaBusOptions o;
  o.brokers = cluster.bootstrap_servers();
  o.create_topics = false;
  o.settings = {{"message.timeout.ms", "5000"}};
  std::atomic<int> reported{0};
  o.on_delivery_failure = [&](std::string_view) { ++reported; };
  KafkaBus bus(o);
  cluster.fail_requests(produce_api, 50, topic_authorization_failed);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(bus.publish("secret", "k", std::to_string(i), 10s), PublishStatus::ok);
  bus.flush(20s);
  auto c = bus.counters();
  EXPECT_EQ(c.delivered + c.failed, 5u);
  EXPECT_GT(c.failed, 0u) << "a refused record must be counted, not dropped silently";
  EXPECT_EQ(reported.load(), static_cast<int>(c.failed)) << "each failure is reported";
}

}  // namespace
}  // namespace tickflow
