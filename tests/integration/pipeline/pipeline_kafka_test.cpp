// The live services over the real Kafka broker (fixture `kafka`) produce exactly what
// `tickflow replay` does on the same input, like the in-memory bus does: run apart (as the
// separate commands) and chained on one thread (as `tickflow run --bus kafka`).
#include <cstdlib>
#include <random>

#include "src/bus/kafka_bus.hpp"
#include "tests/common/pipeline_check.hpp"

namespace tickflow::testing {
namespace {

KafkaBusOptions broker() {
  KafkaBusOptions o;
  const char* brokers = std::getenv("TICKFLOW_KAFKA_BROKERS");
  o.brokers = brokers ? brokers : "127.0.0.1:9092";
  return o;
}

TEST(PipelineOverKafka, EqualsReplayOnTheGoldenInput) {
  KafkaBus bus(broker());
  check_pipeline_equals_replay(bus, PipelineTopics("kafka-" + std::to_string(std::random_device{}())), 90s);
}

TEST(PipelineOverKafka, ChainedOnOneThreadEqualsReplayOnTheGoldenInput) {
  KafkaBus bus(broker());
  check_pipeline_equals_replay(bus, PipelineTopics("kafka-chained-" + std::to_string(std::random_device{}())), 90s,
                               StageWiring::chained);
}

}  // namespace
}  // namespace tickflow::testing
