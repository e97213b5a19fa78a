// Two `tickflow process` instances in one consumer group over the real broker (fixture
// `kafka`): they split the symbols (each symbol handled by exactly one) and the output
// equals a single processor's, value for value; and when partitions move mid-stream (a
// second instance joins, then the first leaves) the new owner continues each symbol from
// the exact state the old one left in the shared store.
#include <csignal>
#include <filesystem>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "src/bus/kafka_bus.hpp"
#include "src/store/state_store.hpp"
#include "tests/common/child_process.hpp"
#include "tests/common/process_stream.hpp"

namespace tickflow {
namespace {

using namespace std::chrono_literals;
using namespace tickflow::testing;

struct ScalingRun {
  std::string id = std::to_string(std::random_device{}());
  std::string in = "scale-in-" + id, out = "scale-out-" + id, group = "scale-" + id;
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("tickflow-scale-" + id);
  KafkaBusOptions options;

  ScalingRun() {
    const char* brokers = std::getenv("TICKFLOW_KAFKA_BROKERS");
    options.brokers = brokers ? brokers : "127.0.0.1:9092";
  }
  ~ScalingRun() { std::filesystem::remove_all(dir); }

  std::vector<std::string> args(const std::filesystem::path& data_dir) const {
    return {std::getenv("TICKFLOW"), "process", "--bus.kind", "kafka", "--kafka.brokers", options.brokers,
            "--topics.validated", in, "--topics.processed", out, "--group", group, "--data-dir", data_dir.string(),
            "--kafka-setting", "session.timeout.ms=6000", "--kafka-setting", "heartbeat.interval.ms=500",
            "--process.listen", "off"};
  }
};

std::set<std::string> keys_in(const std::filesystem::path& data_dir, const std::string& group) {
  std::set<std::string> keys;
  StateStore store((data_dir / fmt::format("process-{}.sqlite", group)).string(), "process ma=20 ema=12 rsi=14");
  store.load([&](const StateStore::Entry& e) { keys.emplace(e.key); });
  return keys;
}

TEST(ProcessScaling, TwoInstancesSplitTheSymbolsAndMatchOneInstance) {
  ASSERT_NE(std::getenv("TICKFLOW"), nullptr) << "TICKFLOW must point at the tickflow binary";
  ScalingRun run;
  KafkaBus bus(run.options);
  ASSERT_TRUE(bus.ensure_topics({run.in, run.out}).ok);
  ProcessStream stream(60000, 40, 21);
  auto reader = bus.subscribe({run.out}, "audit-" + run.id);

  // Separate data dirs: what each instance saved shows which symbols it handled.
  ChildProcess first(run.args(run.dir / "a")), second(run.args(run.dir / "b"));
  ASSERT_TRUE(first.started() && second.started());
  std::this_thread::sleep_for(15s);  // both in the group, the partitions shared, before any tick
  stream.feed(bus, run.in, 50us);
  stream.audit_until_complete(*reader, 180s);
  stream.join_feeder();
  EXPECT_EQ(first.stop(), 0);
  EXPECT_EQ(second.stop(), 0);

  EXPECT_EQ(stream.distinct_seen(), 60000u);
  EXPECT_EQ(stream.mismatches(), 0u) << "the split output equals the single-instance values";
  EXPECT_EQ(stream.records_out(), 60000u) << "no tick processed twice";
  auto a = keys_in(run.dir / "a", run.group), b = keys_in(run.dir / "b", run.group);
  std::set<std::string> both;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::inserter(both, both.end()));
  EXPECT_TRUE(both.empty()) << both.size() << " symbols handled by both";
  EXPECT_EQ(a.size() + b.size(), 40u) << "every symbol handled";
  EXPECT_FALSE(a.empty());
  EXPECT_FALSE(b.empty());
  std::printf("two processors: %zu and %zu of 40 symbols, none shared; %zu ticks, all values equal to one processor's\n",
              a.size(), b.size(), stream.distinct_seen());
}

TEST(ProcessScaling, PartitionsMovingMidStreamCarryTheirExactState) {
  ASSERT_NE(std::getenv("TICKFLOW"), nullptr) << "TICKFLOW must point at the tickflow binary";
  ScalingRun run;
  KafkaBus bus(run.options);
  ASSERT_TRUE(bus.ensure_topics({run.in, run.out}).ok);
  ProcessStream stream(100000, 40, 22);
  auto reader = bus.subscribe({run.out}, "audit-" + run.id);

  // One data dir, shared: the store is where a moving partition's state goes along.
  ChildProcess first(run.args(run.dir));
  ASSERT_TRUE(first.started());
  stream.feed(bus, run.in, 50us);
  auto wait_for = [&](std::size_t n) {
    auto deadline = std::chrono::steady_clock::now() + 120s;
    while (stream.distinct_seen() < n && std::chrono::steady_clock::now() < deadline) stream.audit(*reader, 200ms);
    ASSERT_GE(stream.distinct_seen(), n);
  };
  wait_for(20000);
  ChildProcess second(run.args(run.dir));  // joins: some partitions move to it
  ASSERT_TRUE(second.started());
  wait_for(60000);
  const int published_at_leave = stream.published();
  EXPECT_EQ(first.stop(), 0);  // leaves: the rest move to the second
  stream.audit_until_complete(*reader, 180s);
  stream.join_feeder();
  EXPECT_EQ(second.stop(), 0);

  EXPECT_LT(published_at_leave, stream.total()) << "the first left after the input had all arrived";
  EXPECT_EQ(stream.distinct_seen(), 100000u) << "ticks missing";
  EXPECT_EQ(stream.mismatches(), 0u) << "a moved symbol continued from other state than its old owner left";
  std::printf("partitions moved twice mid-stream: %zu ticks, %zu output records (%zu republished), %zu values differ\n",
              stream.distinct_seen(), stream.records_out(), stream.records_out() - stream.distinct_seen(),
              stream.mismatches());
}

}  // namespace
}  // namespace tickflow
