// The live services over the real Kafka broker (fixture `kafka`) produce exactly what
// `tickflow replay` does on the same input, like the in-memory bus does: run apart (as the
// separate commands) and chained on one thread (as `tickflow run --bus kafka`), and the
// `tickflow process --with-signal` command, which runs that chain as a process of its own
// (alone, and taking over from the separate commands and handing back to them).
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>
#include <utility>

#include <fmt/format.h>

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

// One test's tickflow commands: the binary ($TICKFLOW), topics and a data dir of their
// own (removed at the end), the run's id for group names.
struct CommandRun {
  explicit CommandRun(const std::string& name)
      : run_id(std::to_string(std::random_device{}())),
        t(name + "-" + run_id),
        data_dir((std::filesystem::temp_directory_path() / ("tickflow-" + name + "-" + run_id)).string()) {}
  ~CommandRun() { std::filesystem::remove_all(data_dir); }
  CommandRun(const CommandRun&) = delete;
  CommandRun& operator=(const CommandRun&) = delete;

  // The command line `args` on these topics, the broker and the data dir.
  std::vector<std::string> command(const std::vector<std::string>& args) const {
    std::vector<std::string> all = {binary};
    all.insert(all.end(), args.begin(), args.end());
    all.insert(all.end(), {"--bus.kind", "kafka", "--kafka.brokers", broker().brokers, "--topics.validated",
                           t.validated, "--topics.processed", t.processed, "--topics.signals", t.signals,
                           "--topics.alarms", t.alarms, "--topics.rejected", t.rejected, "--topics.control",
                           "control-" + run_id, "--data-dir", data_dir});
    return all;
  }

  const char* binary = std::getenv("TICKFLOW");
  const std::string run_id;
  const PipelineTopics t;
  const std::string data_dir;
};

TEST(PipelineOverKafka, ProcessWithSignalCommandEqualsReplayOnTheGoldenInput) {
  const CommandRun run("with-signal");
  ASSERT_NE(run.binary, nullptr) << "TICKFLOW must point at the tickflow binary";
  KafkaBus bus(broker());
  const GoldenOutputs want = golden_outputs();
  feed_golden_input(bus, run.t, want.records.size());
  if (HasFatalFailure()) return;

  ChildProcess command(run.command({"process", "--with-signal", "--group", "process-" + run.run_id, "--signal-group",
                                    "signal-" + run.run_id, "--process.listen", "off"}));
  ASSERT_TRUE(command.started());
  auto signals = read_topic(bus, run.t.signals, want.records.size(), 90s);
  auto alarms = read_topic(bus, run.t.alarms, want.alarms.size(), 30s);
  auto processed = read_topic(bus, run.t.processed, want.records.size(), 30s);
  const int status = command.stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the command did not stop cleanly on SIGTERM";

  EXPECT_EQ(processed.size(), want.records.size()) << "processed records missing from their topic";
  expect_same_as_replay(signals, alarms, want);
  // Both stages' checkpoints, under the names the separate commands use: a data dir that
  // switches between the two ways.
  const std::filesystem::path dir(run.data_dir);
  EXPECT_TRUE(std::filesystem::exists(dir / ("process-process-" + run.run_id + ".sqlite")));
  EXPECT_TRUE(std::filesystem::exists(dir / ("signal-signal-" + run.run_id + ".sqlite")));
}

// Ticks for `symbol`, not in the golden input, published through ingest like it.
void feed_ticks(Bus& bus, const PipelineTopics& t, const std::string& symbol, int count) {
  std::string body;
  for (int i = 0; i < count; ++i) {
    const double price = 50 + (i % 9);
    body += fmt::format(R"({{"data_type":"stock","stock_symbol":"{}","opening_price":{},"closing_price":{},)"
                        R"("high":{},"low":{},"volume":100,"timestamp":{}}})"
                        "\n",
                        symbol, price, price + 0.5, price + 1, price - 1, 1735700000 + i);
  }
  feed_ndjson(bus, t, std::move(body), static_cast<std::size_t>(count));
}

// How many of `records` differ in content (ingest_ts aside).
std::size_t distinct_records(const std::vector<std::string>& records) {
  std::set<std::string> distinct;
  for (const auto& r : records) distinct.insert(canonical(r));
  return distinct.size();
}

bool of_symbol(const std::string& record, const std::string& symbol) {
  return record.find("\"stock_symbol\":\"" + symbol + "\"") != std::string::npos;
}

std::vector<std::string> without_symbol(std::vector<std::string> records, const std::string& symbol) {
  std::erase_if(records, [&](const std::string& r) { return of_symbol(r, symbol); });
  return records;
}

std::ptrdiff_t count_of_symbol(const std::vector<std::string>& records, const std::string& symbol) {
  return std::count_if(records.begin(), records.end(), [&](const std::string& r) { return of_symbol(r, symbol); });
}

// A data dir moves from the separate commands to `process --with-signal` and back, and no
// signal is lost or made twice. The chain first signals what the separate `tickflow signal`
// had not read (its checkpoint behind the process stage's), then goes on with new ticks;
// `tickflow signal`, back, reads the processed records the chain published and skips them
// by seq (the chain signalled them), and signals only what is new.
TEST(PipelineOverKafka, SwitchingToAndFromProcessWithSignalLosesAndRepeatsNothing) {
  const CommandRun run("switch");
  ASSERT_NE(run.binary, nullptr) << "TICKFLOW must point at the tickflow binary";
  KafkaBus bus(broker());
  const std::vector<std::string> process_args = {"process", "--group", "process-" + run.run_id, "--process.listen",
                                                 "off"};
  std::vector<std::string> with_signal_args = process_args;
  with_signal_args.insert(with_signal_args.end(), {"--with-signal", "--signal-group", "signal-" + run.run_id});
  const std::vector<std::string> signal_args = {"signal", "--group", "signal-" + run.run_id, "--signal.listen", "off"};
  const GoldenOutputs want = golden_outputs();
  const std::size_t golden = want.records.size();
  constexpr int chained_ticks = 30, new_ticks = 50;
  feed_golden_input(bus, run.t, golden);
  if (HasFatalFailure()) return;

  // 1. `tickflow process` alone: every processed record out, no `tickflow signal` yet.
  {
    ChildProcess process(run.command(process_args));
    ASSERT_TRUE(process.started());
    EXPECT_EQ(read_topic(bus, run.t.processed, golden, 90s).size(), golden);
    EXPECT_EQ(process.stop(), 0);
  }
  // 2. `process --with-signal` on the same data dir and groups, with 30 more ticks: it
  //    signals the golden input (handed over) and those.
  feed_ticks(bus, run.t, "MIDCO", chained_ticks);
  if (HasFatalFailure()) return;
  {
    ChildProcess chained(run.command(with_signal_args));
    ASSERT_TRUE(chained.started());
    auto signals = read_topic(bus, run.t.signals, golden + chained_ticks, 90s);
    auto alarms = read_topic(bus, run.t.alarms, want.alarms.size(), 10s);
    EXPECT_EQ(chained.stop(), 0);
    EXPECT_EQ(count_of_symbol(signals, "MIDCO"), chained_ticks);
    expect_same_as_replay(without_symbol(signals, "MIDCO"), without_symbol(alarms, "MIDCO"), want);
  }
  // 3. Back to the separate commands, with 50 new ticks: only those are signalled.
  feed_ticks(bus, run.t, "NEWCO", new_ticks);
  if (HasFatalFailure()) return;
  {
    ChildProcess process(run.command(process_args));
    ChildProcess signal(run.command(signal_args));
    ASSERT_TRUE(process.started() && signal.started());
    // The whole topic, by a group of its own, one more than should come, for a while:
    // anything signalled twice would show.
    const std::size_t all = golden + chained_ticks + new_ticks;
    auto audit = bus.subscribe({run.t.signals}, "audit-" + run.run_id);
    auto signals = read_all(*audit, all + 1, 15s);
    EXPECT_EQ(process.stop(), 0);
    EXPECT_EQ(signal.stop(), 0);
    EXPECT_EQ(signals.size(), all) << "signals lost or made twice";
    EXPECT_EQ(distinct_records(signals), signals.size()) << "a signal made twice";
    EXPECT_EQ(count_of_symbol(signals, "MIDCO"), chained_ticks);
    EXPECT_EQ(count_of_symbol(signals, "NEWCO"), new_ticks);
  }
}

// --signal-group means nothing without the signal stage: a usage error that names both.
TEST(PipelineOverKafka, ProcessSignalGroupWithoutWithSignalIsAUsageError) {
  const char* binary = std::getenv("TICKFLOW");
  ASSERT_NE(binary, nullptr) << "TICKFLOW must point at the tickflow binary";
  int status = -1;
  const std::string text = run_and_capture({binary, "process", "--signal-group", "mine"}, &status);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << text;
  EXPECT_NE(text.find("--signal-group"), std::string::npos) << text;
  EXPECT_NE(text.find("--with-signal"), std::string::npos) << text;
}

}  // namespace
}  // namespace tickflow::testing
