#include "src/bus/mock_kafka_cluster.hpp"

#include <vector>

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "src/bus/kafka_bus.hpp"

namespace tickflow {

MockKafkaCluster::MockKafkaCluster(int brokers) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "client.id", "tickflow-mock-cluster", err, sizeof err);
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);  // it connects nowhere; no warning about that
  rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw KafkaError(fmt::format("cannot create the mock cluster's client: {}", err));
  }
  cluster_ = rd_kafka_mock_cluster_new(rk_, brokers);
  if (cluster_ == nullptr) {
    rd_kafka_destroy(rk_);
    throw KafkaError("cannot start librdkafka's mock cluster");
  }
  bootstraps_ = rd_kafka_mock_cluster_bootstraps(cluster_);
}

MockKafkaCluster::~MockKafkaCluster() {
  rd_kafka_mock_cluster_destroy(cluster_);
  rd_kafka_destroy(rk_);
}

void MockKafkaCluster::fail_requests(std::int16_t api_key, int count, int error) {
  std::vector<rd_kafka_resp_err_t> errors(static_cast<std::size_t>(count), static_cast<rd_kafka_resp_err_t>(error));
  rd_kafka_mock_push_request_errors_array(cluster_, api_key, errors.size(), errors.data());
}

void MockKafkaCluster::set_broker_down(int broker_id, bool down) {
  if (down) {
    rd_kafka_mock_broker_set_down(cluster_, broker_id);
  } else {
    rd_kafka_mock_broker_set_up(cluster_, broker_id);
  }
}

void MockKafkaCluster::set_broker_latency(int broker_id, std::chrono::milliseconds rtt) {
  rd_kafka_mock_broker_set_rtt(cluster_, broker_id, static_cast<int>(rtt.count()));
}

void MockKafkaCluster::create_topic(const std::string& topic, int partitions) {
  rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, 1);
}

}  // namespace tickflow
