// The live services over the real Kafka broker (fixture `kafka`) produce exactly what
// `tickflow replay` does on the same input, like the in-memory bus does: run apart (as the
// separate commands) and chained on one thread (as `tickflow run --bus kafka`), and the
// `tickflow process --with-signal` command, which runs that chain as a process of its own.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "src/bus/kafka_bus.hpp"
#include "tests/common/child_process.hpp"
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

TEST(PipelineOverKafka, ProcessWithSignalCommandEqualsReplayOnTheGoldenInput) {
  const char* binary = std::getenv("TICKFLOW");
  ASSERT_NE(binary, nullptr) << "TICKFLOW must point at the tickflow binary";
  KafkaBus bus(broker());
  const std::string run_id = std::to_string(std::random_device{}());
  const PipelineTopics t("kafka-with-signal-" + run_id);
  const std::string control = "control-" + run_id;
  const std::string data_dir = (std::filesystem::temp_directory_path() / ("tickflow-with-signal-" + run_id)).string();
  const GoldenOutputs want = golden_outputs();
  feed_golden_input(bus, t, want.records.size());
  if (HasFatalFailure()) return;

  ChildProcess command({binary, "process", "--with-signal", "--bus.kind", "kafka", "--kafka.brokers", broker().brokers,
                        "--topics.validated", t.validated, "--topics.processed", t.processed, "--topics.signals",
                        t.signals, "--topics.alarms", t.alarms, "--topics.rejected", t.rejected, "--topics.control",
                        control, "--group", "process-" + run_id, "--signal-group", "signal-" + run_id, "--data-dir",
                        data_dir, "--process.listen", "off"});
  ASSERT_TRUE(command.started());
  auto signals = read_topic(bus, t.signals, want.records.size(), 90s);
  auto alarms = read_topic(bus, t.alarms, want.alarms.size(), 30s);
  auto processed = read_topic(bus, t.processed, want.records.size(), 30s);
  const int status = command.stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the command did not stop cleanly on SIGTERM";

  EXPECT_EQ(processed.size(), want.records.size()) << "processed records missing from their topic";
  expect_same_as_replay(signals, alarms, want);
  // Both stages' checkpoints, under the names the separate commands use: a data dir that
  // switches between the two ways.
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(data_dir) / ("process-process-" + run_id + ".sqlite")));
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(data_dir) / ("signal-signal-" + run_id + ".sqlite")));
  std::filesystem::remove_all(data_dir);
}

// --signal-group means nothing without the signal stage: a usage error that names both.
TEST(PipelineOverKafka, ProcessSignalGroupWithoutWithSignalIsAUsageError) {
  const char* binary = std::getenv("TICKFLOW");
  ASSERT_NE(binary, nullptr) << "TICKFLOW must point at the tickflow binary";
  FILE* out = ::popen((std::string(binary) + " process --signal-group mine 2>&1").c_str(), "r");
  ASSERT_NE(out, nullptr);
  std::string text;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, out)) text += buffer;
  const int status = ::pclose(out);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << text;
  EXPECT_NE(text.find("--signal-group"), std::string::npos) << text;
  EXPECT_NE(text.find("--with-signal"), std::string::npos) << text;
}

}  // namespace
}  // namespace tickflow::testing
