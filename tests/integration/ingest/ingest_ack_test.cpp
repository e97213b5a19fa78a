// ingest answers "accepted" only once the bus has the records: over KafkaBus on
// librdkafka's mock cluster with its broker down, a request waits ingest.ack_wait and is
// answered 503 (resend), not 200; with the broker back, the record gets there and the next
// request is answered 200.
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "src/bus/kafka_bus.hpp"
#include "src/bus/mock_kafka_cluster.hpp"
#include "src/services/ingest/ingest_handler.hpp"

namespace tickflow {
namespace {

using namespace std::chrono_literals;

HttpRequest post_tick(double close) {
  HttpRequest r;
  r.method = "POST";
  r.target = "/ingest";
  r.content_type = "application/json";
  r.body = R"({"stock_symbol":"AAPL","opening_price":100,"closing_price":)" + std::to_string(close) +
           R"(,"high":200,"low":50,"volume":10,"timestamp":1767225600})";
  return r;
}

// A one-broker mock cluster with the validated topic, and a KafkaBus on it.
struct MockBroker {
  MockKafkaCluster cluster{1};
  KafkaBus bus{[this] {
    cluster.create_topic("validated_data", 1);
    KafkaBusOptions o;
    o.brokers = cluster.bootstrap_servers();
    o.create_topics = false;  // the mock cluster has no CreateTopics
    // librdkafka's reconnect backoff doubles while the broker is down (up to 10 s by
    // default); capped here so the test measures ingest, not how long the client sleeps.
    o.settings = {{"message.timeout.ms", "60000"},
                  {"retry.backoff.ms", "50"},
                  {"reconnect.backoff.ms", "50"},
                  {"reconnect.backoff.max.ms", "200"}};
    return o;
  }()};
};

IngestHandler ingest_on(Bus& bus, std::chrono::milliseconds ack_wait) {
  IngestOptions io;
  io.ack_wait = ack_wait;
  return IngestHandler(bus, io, [] { return 1767225601.0; });
}

TEST(IngestAck, AnswersAcceptedOnlyOnceTheBrokerHasTheRecords) {
  MockBroker mock;
  auto& [cluster, bus] = mock;
  IngestHandler ingest = ingest_on(bus, 1500ms);

  ASSERT_EQ(ingest.handle(post_tick(101)).status, 200);

  cluster.set_broker_down(1, true);
  auto start = std::chrono::steady_clock::now();
  HttpResponse down = ingest.handle(post_tick(102));
  EXPECT_EQ(down.status, 503) << down.body;
  EXPECT_GE(std::chrono::steady_clock::now() - start, 1400ms) << "waited for the acknowledgement";
  EXPECT_NE(down.body.find("did not acknowledge"), std::string::npos) << down.body;
  EXPECT_NE(down.body.find("may arrive twice"), std::string::npos) << "tells the client what a resend risks";
  EXPECT_NE(ingest.metrics_text().find("tickflow_ingest_unacknowledged_total 1"), std::string::npos);

  // Back up: the unacknowledged record gets there in the end (the client reconnects in
  // its own time; flush waits for that), and then a request is answered 200 again.
  cluster.set_broker_down(1, false);
  EXPECT_EQ(bus.flush(30s), 0u);
  EXPECT_EQ(bus.counters().delivered, 2u) << "the unacknowledged record got there in the end";
  EXPECT_EQ(ingest.handle(post_tick(103)).status, 200);
  EXPECT_EQ(bus.flush(30s), 0u);
  EXPECT_EQ(bus.counters().delivered, 3u);
}

TEST(IngestAck, ZeroAckWaitAnswersOnceQueued) {
  MockBroker mock;
  auto& [cluster, bus] = mock;
  IngestHandler ingest = ingest_on(bus, 0ms);
  cluster.set_broker_down(1, true);
  EXPECT_EQ(ingest.handle(post_tick(101)).status, 200);
  cluster.set_broker_down(1, false);
  EXPECT_EQ(bus.flush(30s), 0u);
}

}  // namespace
}  // namespace tickflow
