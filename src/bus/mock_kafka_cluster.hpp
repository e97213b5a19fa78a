// librdkafka's built-in mock Kafka cluster, serving the Kafka protocol on loopback ports:
// the fallback broker when the Apache Kafka jars cannot be had (`tickflow broker`), and
// the fault injector for tests (request errors, brokers down, added latency).
// Owns a librdkafka handle and the cluster; destroying it stops the brokers.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace tickflow {

class MockKafkaCluster {
 public:
  explicit MockKafkaCluster(int brokers);  // throws KafkaError
  ~MockKafkaCluster();
  MockKafkaCluster(const MockKafkaCluster&) = delete;
  MockKafkaCluster& operator=(const MockKafkaCluster&) = delete;

  // "127.0.0.1:port,..." for bootstrap.servers.
  const std::string& bootstrap_servers() const noexcept { return bootstraps_; }

  // The next `count` requests of Kafka API `api_key` (0 = Produce, 1 = Fetch, ...) fail
  // with Kafka error code `error` (e.g. 6 = NOT_LEADER_OR_FOLLOWER).
  void fail_requests(std::int16_t api_key, int count, int error);
  void set_broker_down(int broker_id, bool down);
  void set_broker_latency(int broker_id, std::chrono::milliseconds rtt);
  void create_topic(const std::string& topic, int partitions);

 private:
  rd_kafka_s* rk_ = nullptr;
  rd_kafka_mock_cluster_s* cluster_ = nullptr;
  std::string bootstraps_;
};

}  // namespace tickflow
