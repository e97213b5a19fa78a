// `tickflow process` over the real broker (fixture `kafka`), killed with SIGKILL in the
// middle of a 100,000-tick stream and started again on the same data dir: every output
// record carries exactly the indicator values an uninterrupted run computes (bit for bit),
// none is missing, and the only duplicates are records republished after the kill, with
// identical content.
#include <csignal>
#include <filesystem>
#include <random>

#include <gtest/gtest.h>

#include "src/bus/kafka_bus.hpp"
#include "tests/common/child_process.hpp"
#include "tests/common/process_stream.hpp"

namespace tickflow {
namespace {

using namespace std::chrono_literals;
using namespace tickflow::testing;

TEST(ProcessRestart, KilledMidStreamResumesWithExactlyTheSameValues) {
  const char* binary = std::getenv("TICKFLOW");
  ASSERT_NE(binary, nullptr) << "TICKFLOW must point at the tickflow binary";
  const std::string run_id = std::to_string(std::random_device{}());
  const std::string in = "restart-in-" + run_id, out = "restart-out-" + run_id, group = "restart-" + run_id;
  const std::string data_dir = (std::filesystem::temp_directory_path() / ("tickflow-restart-" + run_id)).string();

  KafkaBusOptions o;
  const char* brokers = std::getenv("TICKFLOW_KAFKA_BROKERS");
  o.brokers = brokers ? brokers : "127.0.0.1:9092";
  KafkaBus bus(o);
  ASSERT_TRUE(bus.ensure_topics({in, out}).ok);

  ProcessStream stream(100000, 40, 9);
  // The input keeps coming while the processor runs (20,000 ticks/s), so the kill lands
  // in the middle of the stream, not after the processor has caught up.
  stream.feed(bus, in, 50us);

  // A short session so that the killed member's partitions move on quickly (the default
  // would keep them for 45 s).
  std::vector<std::string> args = {binary, "process", "--bus.kind", "kafka", "--kafka.brokers", o.brokers,
                                   "--topics.validated", in, "--topics.processed", out, "--group", group,
                                   "--data-dir", data_dir, "--kafka-setting", "session.timeout.ms=6000",
                                   "--kafka-setting", "heartbeat.interval.ms=500", "--process.listen", "off"};
  auto reader = bus.subscribe({out}, "audit-" + run_id);

  int published_at_kill = 0;
  {
    ChildProcess first(args);
    ASSERT_TRUE(first.started());
    auto deadline = std::chrono::steady_clock::now() + 120s;
    while (stream.distinct_seen() < 100000 / 3 && std::chrono::steady_clock::now() < deadline) stream.audit(*reader, 200ms);
    ASSERT_GE(stream.distinct_seen(), 100000u / 3) << "the first processor did not get going";
    published_at_kill = stream.published();
    first.signal(SIGKILL);  // no chance to finish a batch, flush or commit
    first.wait();
  }
  EXPECT_LT(published_at_kill, stream.total()) << "the input had all arrived: the kill was not mid-stream";

  ChildProcess second(args);
  ASSERT_TRUE(second.started());
  stream.audit_until_complete(*reader, 180s);
  stream.join_feeder();
  int status = second.stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the second processor did not stop cleanly";

  EXPECT_EQ(stream.distinct_seen(), 100000u) << "ticks missing from the output";
  EXPECT_EQ(stream.mismatches(), 0u);
  std::printf("process restart: killed after %d of %d ticks had arrived; %zu ticks out, %zu output records, %zu "
              "republished after the kill (same values)\n",
              published_at_kill, stream.total(), stream.distinct_seen(), stream.records_out(),
              stream.records_out() - stream.distinct_seen());
  std::filesystem::remove_all(data_dir);
}

}  // namespace
}  // namespace tickflow
