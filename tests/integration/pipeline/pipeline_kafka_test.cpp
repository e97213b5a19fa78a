// The live services over the real Kafka broker (fixture `kafka`) produce exactly what
// `tickflow replay` does on the same input, like the in-memory bus does.
#include <cstdlib>
#include <random>

#include "src/bus/kafka_bus.hpp"
#include "tests/common/pipeline_check.hpp"

namespace tickflow::testing {
namespace {

TEST(PipelineOverKafka, EqualsReplayOnTheGoldenInput) {
  KafkaBusOptions o;
  const char* brokers = std::getenv("TICKFLOW_KAFKA_BROKERS");
  o.brokers = brokers ? brokers : "127.0.0.1:9092";
  KafkaBus bus(o);
  check_pipeline_equals_replay(bus, PipelineTopics("kafka-" + std::to_string(std::random_device{}())), 90s);
}

}  // namespace
}  // namespace tickflow::testing
