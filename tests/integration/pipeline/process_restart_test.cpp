// `tickflow process` over the real broker (fixture `kafka`), killed with SIGKILL in the
// middle of a 100,000-tick stream and started again on the same data dir: every output
// record carries exactly the indicator values an uninterrupted run computes (bit for bit),
// none is missing, and the only duplicates are records republished after the kill, with
// identical content.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <atomic>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include "src/bus/kafka_bus.hpp"
#include "src/core/record_writer.hpp"
#include "src/indicators/indicator_set.hpp"
#include "src/services/generate/market_simulator.hpp"

extern char** environ;

namespace tickflow {
namespace {

using namespace std::chrono_literals;

pid_t spawn(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return -1;
  return pid;
}

struct Expected {
  std::optional<double> ma, ema, rsi;
};

std::optional<double> optional_number(simdjson::dom::element doc, const char* key) {
  double v = 0;
  if (doc[key].get_double().get(v) == simdjson::SUCCESS) return v;
  return std::nullopt;
}

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
  int published_at_kill = 0;

  // The input: validated ticks of 40 symbols with seq per symbol, and what an
  // uninterrupted processor computes for each.
  constexpr int total = 100000;
  std::vector<std::string> symbols;
  for (int i = 0; i < 40; ++i) symbols.push_back(fmt::format("S{:02}", i));
  MarketSimulator sim(symbols, 9, SimulatorConfig{});
  std::map<std::string, std::uint64_t> seq;
  std::map<std::string, IndicatorSet> indicators;
  std::map<std::pair<std::string, std::uint64_t>, Expected> expected;
  std::vector<std::pair<std::string, std::string>> input;  // key, record
  for (int i = 0; i < total; ++i) {
    const Record& r = sim.next_tick_at(1767225600.0 + i * 0.01);
    std::string symbol(r.symbol.view());
    std::uint64_t s = ++seq[symbol];
    auto it = indicators.try_emplace(symbol, IndicatorPeriods{}).first;
    auto v = it->second.update(std::get<StockTick>(r.body).closing_price);
    expected[{symbol, s}] = {v.ma, v.ema, v.rsi};
    std::string line;
    write_record(r, line);
    line.pop_back();
    line += fmt::format(",\"seq\":{},\"ingest_ts\":1767225600}}", s);
    input.emplace_back(symbol, std::move(line));
  }
  // The input keeps coming while the processor runs (20,000 ticks/s), so the kill lands
  // in the middle of the stream, not after the processor has caught up.
  std::atomic<int> published{0};
  std::thread feeder([&] {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < total; ++i) {
      while (std::chrono::steady_clock::now() < start + std::chrono::microseconds(50 * i)) std::this_thread::sleep_for(1ms);
      if (bus.publish(in, input[static_cast<std::size_t>(i)].first, input[static_cast<std::size_t>(i)].second, 30s) !=
          PublishStatus::ok) {
        ADD_FAILURE() << "publish failed at " << i;
        return;
      }
      published = i + 1;
    }
    bus.flush(60s);
  });

  // A short session so that the killed member's partitions move on quickly (the default
  // would keep them for 45 s).
  std::vector<std::string> args = {binary, "process", "--bus.kind", "kafka", "--kafka.brokers", o.brokers,
                                   "--topics.validated", in, "--topics.processed", out, "--group", group,
                                   "--data-dir", data_dir, "--kafka-setting", "session.timeout.ms=6000",
                                   "--kafka-setting", "heartbeat.interval.ms=500"};
  auto reader = bus.subscribe({out}, "audit-" + run_id);
  std::map<std::pair<std::string, std::uint64_t>, int> seen;
  std::size_t records_out = 0, mismatches = 0;
  simdjson::dom::parser parser;
  auto read_some = [&](std::chrono::milliseconds wait) {
    for (const auto& r : reader->poll(5000, wait)) {
      ++records_out;
      simdjson::dom::element doc;
      ASSERT_EQ(parser.parse(r.payload).get(doc), simdjson::SUCCESS);
      std::string_view symbol;
      std::uint64_t s = 0;
      ASSERT_EQ(doc["stock_symbol"].get_string().get(symbol), simdjson::SUCCESS);
      ASSERT_EQ(doc["seq"].get_uint64().get(s), simdjson::SUCCESS);
      auto key = std::make_pair(std::string(symbol), s);
      const Expected& want = expected.at(key);
      Expected got{optional_number(doc, "ma"), optional_number(doc, "ema"), optional_number(doc, "rsi")};
      if (got.ma != want.ma || got.ema != want.ema || got.rsi != want.rsi) {
        if (++mismatches <= 5) ADD_FAILURE() << symbol << " seq " << s << " differs from the uninterrupted run: " << r.payload;
      }
      ++seen[key];
    }
    reader->commit();
  };

  pid_t first = spawn(args);
  ASSERT_GT(first, 0);
  auto deadline = std::chrono::steady_clock::now() + 120s;
  while (seen.size() < total / 3 && std::chrono::steady_clock::now() < deadline) read_some(200ms);
  ASSERT_GE(seen.size(), static_cast<std::size_t>(total / 3)) << "the first processor did not get going";
  published_at_kill = published.load();
  ::kill(first, SIGKILL);  // no chance to finish a batch, flush or commit
  EXPECT_LT(published_at_kill, total) << "the input had all arrived: the kill was not mid-stream";
  int status = 0;
  ::waitpid(first, &status, 0);

  pid_t second = spawn(args);
  ASSERT_GT(second, 0);
  deadline = std::chrono::steady_clock::now() + 180s;
  while (seen.size() < static_cast<std::size_t>(total) && std::chrono::steady_clock::now() < deadline) read_some(200ms);
  feeder.join();
  ::kill(second, SIGTERM);
  ::waitpid(second, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the second processor did not stop cleanly";

  EXPECT_EQ(seen.size(), static_cast<std::size_t>(total)) << "ticks missing from the output";
  EXPECT_EQ(mismatches, 0u);
  std::size_t duplicates = records_out - seen.size();
  std::printf("process restart: killed after %d of %d ticks had arrived; %zu ticks out, %zu output records, %zu "
              "republished after the kill (same values)\n",
              published_at_kill, total, seen.size(), records_out, duplicates);
  std::filesystem::remove_all(data_dir);
}

}  // namespace
}  // namespace tickflow
