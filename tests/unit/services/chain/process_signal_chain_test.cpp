// ProcessSignalChain: what it adds to the two stages it runs (the golden comparison with
// replay is in pipeline_memory_test.cpp): threshold changes reach the signal stage, the
// topics get their records in order, processed records go unpublished when asked, and
// what the signal stage had not read when the stages last ran apart is signalled first.
#include "src/services/chain/process_signal_chain.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "src/bus/memory_bus.hpp"

namespace tickflow {
namespace {

using namespace std::chrono_literals;

// The in-memory bus, noting the topic and seq of every record as it is published (a
// reader cannot tell publication order across topics: it reads them in its own order).
class PublishLog final : public Bus {
 public:
  explicit PublishLog(MemoryBus& inner) : inner_(inner) {}
  std::vector<std::pair<std::string, int>> published() {
    std::lock_guard lock(mu_);
    return log_;
  }
  std::size_t count(const std::string& topic) {
    std::lock_guard lock(mu_);
    return static_cast<std::size_t>(std::count_if(log_.begin(), log_.end(), [&](const auto& p) { return p.first == topic; }));
  }

  PublishStatus publish(std::string_view topic, std::string_view key, std::string_view payload,
                        std::chrono::milliseconds wait) override {
    note(topic, payload);
    return inner_.publish(topic, key, payload, wait);
  }
  std::size_t publish_batch(std::string_view topic, std::span<const OutgoingRecord> records,
                            std::chrono::milliseconds wait) override {
    for (const auto& r : records) note(topic, r.payload);
    return inner_.publish_batch(topic, records, wait);
  }
  std::unique_ptr<Subscription> subscribe(const std::vector<std::string>& topics, std::string_view group) override {
    return inner_.subscribe(topics, group);
  }
  std::size_t flush(std::chrono::milliseconds timeout) override { return inner_.flush(timeout); }
  bool stores_on_publish() const override { return inner_.stores_on_publish(); }
  BusCounters counters() const override { return inner_.counters(); }
  BusStatus health(std::chrono::milliseconds timeout) override { return inner_.health(timeout); }

 private:
  void note(std::string_view topic, std::string_view payload) {
    auto at = payload.find("\"seq\":");
    std::lock_guard lock(mu_);
    log_.emplace_back(topic, at == std::string_view::npos ? -1 : std::atoi(payload.data() + at + 6));
  }

  MemoryBus& inner_;
  std::mutex mu_;
  std::vector<std::pair<std::string, int>> log_;
};

// Runs `stage` on its own thread until `done()` or 10 s, then stops it.
void run_until(const std::function<void(std::stop_token)>& stage, const std::function<bool()>& done) {
  std::jthread worker([&](std::stop_token s) { stage(s); });
  for (auto until = std::chrono::steady_clock::now() + 10s; !done() && std::chrono::steady_clock::now() < until;) {
    std::this_thread::sleep_for(10ms);
  }
}

// Threshold changes reach the chained signal stage; the processed record published comes
// before the signal made from it, and each key's records keep their order.
TEST(ProcessSignalChain, TakesThresholdChangesAndPublishesEachProcessedRecordBeforeItsSignal) {
  MemoryBus memory;
  PublishLog bus(memory);
  ProcessOptions po;
  SignalOptions so;
  so.control_topic = "control";
  std::vector<std::string> changes;
  so.apply_control = [&](std::string_view change, SignalRules&) -> std::optional<std::string> {
    changes.emplace_back(change);
    return std::nullopt;
  };
  ProcessService process(bus, po);
  SignalService signal(bus, so);
  ProcessSignalChain chain(bus, process, signal);
  auto tick = [](int seq) {
    return R"({"data_type":"stock","stock_symbol":"AAPL","opening_price":1,"closing_price":)" + std::to_string(seq) +
           R"(,"high":100,"low":1,"volume":1,"timestamp":1735689600,"seq":)" + std::to_string(seq) +
           R"(,"ingest_ts":1735689600.5})";
  };
  for (int seq = 1; seq <= 30; ++seq) ASSERT_EQ(memory.publish(po.in_topic, "AAPL", tick(seq)), PublishStatus::ok);
  ASSERT_EQ(memory.publish("control", "", R"({"rsi_buy_below":25})"), PublishStatus::ok);
  auto count_on = [&](const std::string& topic) { return bus.count(topic); };
  run_until([&](std::stop_token s) { chain.run(s); }, [&] { return count_on(so.signals_topic) >= 30; });
  EXPECT_EQ(count_on(po.out_topic), 30u);
  EXPECT_EQ(count_on(so.signals_topic), 30u);
  EXPECT_EQ(changes, std::vector<std::string>{R"({"rsi_buy_below":25})"});
  EXPECT_EQ(chain.processed(), 30u);
  // Each topic in seq order, and each signal (and alarm: the rising price makes one) after
  // the processed record it was made from.
  std::map<std::string, int> last_seq;
  std::set<int> processed_seqs;
  for (const auto& [topic, seq] : bus.published()) {
    if (topic == so.alarms_topic) {
      EXPECT_FALSE(processed_seqs.empty()) << "an alarm published before any processed record";
      continue;
    }
    EXPECT_GT(seq, last_seq[topic]) << topic << " out of order";
    last_seq[topic] = seq;
    if (topic == po.out_topic) {
      processed_seqs.insert(seq);
    } else {
      EXPECT_EQ(topic, so.signals_topic);
      EXPECT_TRUE(processed_seqs.count(seq)) << "signal " << seq << " published before its processed record";
    }
  }
  // What the signal topic holds is what the signal stage makes of the processed records.
  auto reader = memory.subscribe({so.signals_topic}, "reader");
  std::size_t with_reason = 0;
  for (const auto& r : reader->poll(100, 1s)) with_reason += r.payload.find("signal_reason") != std::string_view::npos;
  EXPECT_EQ(with_reason, 30u);
}

// `tickflow run`'s way: the processed records are handed on and not published (nothing in
// the process reads them); the signals are the same, rejections still go out.
TEST(ProcessSignalChain, HandsProcessedRecordsOnWithoutPublishingThemWhenAsked) {
  MemoryBus memory;
  PublishLog bus(memory);
  ProcessOptions po;
  SignalOptions so;
  ProcessService process(bus, po);
  SignalService signal(bus, so);
  ProcessSignalChain chain(bus, process, signal, ProcessSignalChain::Processed::not_published);
  for (int seq = 1; seq <= 20; ++seq) {
    std::string tick = R"({"data_type":"stock","stock_symbol":"MSFT","opening_price":1,"closing_price":1,"high":1,)"
                       R"("low":1,"volume":1,"timestamp":1735689600,"seq":)" +
                       std::to_string(seq) + R"(,"ingest_ts":1735689600.5})";
    ASSERT_EQ(memory.publish(po.in_topic, "MSFT", tick), PublishStatus::ok);
  }
  ASSERT_EQ(memory.publish(po.in_topic, "MSFT", "{broken"), PublishStatus::ok);
  auto count_on = [&](const std::string& topic) { return bus.count(topic); };
  run_until([&](std::stop_token s) { chain.run(s); },
            [&] { return count_on(so.signals_topic) >= 20 && count_on(po.rejected_topic) >= 1; });
  EXPECT_EQ(count_on(so.signals_topic), 20u);
  EXPECT_EQ(count_on(po.rejected_topic), 1u);
  EXPECT_EQ(count_on(po.out_topic), 0u) << "processed records were published";
  EXPECT_EQ(chain.processed(), 20u);
}

// A tick of `symbol` whose price moves with `seq`, enough to make alarms now and then.
std::string moving_tick(const std::string& symbol, int seq) {
  const int close = 100 + (seq * 7) % 23;
  return R"({"data_type":"stock","stock_symbol":")" + symbol + R"(","opening_price":)" + std::to_string(close) +
         R"(,"closing_price":)" + std::to_string(close) + R"(,"high":130,"low":90,"volume":1,"timestamp":1735689600,)" +
         R"("seq":)" + std::to_string(seq) + R"(,"ingest_ts":1735689600.5})";
}

// The stages ran apart with checkpoints (as `tickflow process` and `tickflow signal`) and
// the signal stage stopped behind; the chain (as `tickflow run --bus kafka`) then takes
// over the same checkpoints. The signals it owes are made first, from the processed topic,
// and the signals topic ends up holding exactly what one chained run from the start makes:
// nothing lost, nothing twice.
TEST(ProcessSignalChain, TakingOverFromStagesThatRanApartSignalsWhatTheSignalStageHadNotRead) {
  const auto dir = std::filesystem::temp_directory_path() / ("tickflow-chain-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  const std::vector<std::string> symbols = {"AAPL", "MSFT", "TSLA"};
  auto feed = [&](Bus& bus, const std::string& topic, int from, int to) {
    for (int seq = from; seq <= to; ++seq) {
      for (const auto& s : symbols) ASSERT_EQ(bus.publish(topic, s, moving_tick(s, seq)), PublishStatus::ok);
    }
  };
  // Everything on the reader's topic (the stages have stopped: all is published).
  auto everything = [](Subscription& reader) {
    std::multiset<std::string> got;
    for (auto batch = reader.poll(1000, 200ms); !batch.empty(); batch = reader.poll(1000, 200ms)) {
      for (const auto& r : batch) got.emplace(r.payload);
    }
    return got;
  };
  const std::size_t total = 3 * 40;

  // What one chained run from the start makes of ticks 1..40.
  std::multiset<std::string> expected, expected_alarms;
  {
    MemoryBus bus;
    ProcessOptions po;
    SignalOptions so;
    auto reader = bus.subscribe({so.signals_topic}, "reader");
    auto alarm_reader = bus.subscribe({so.alarms_topic}, "alarm-reader");
    feed(bus, po.in_topic, 1, 40);
    ProcessService process(bus, po);
    SignalService signal(bus, so);
    ProcessSignalChain chain(bus, process, signal);
    run_until([&](std::stop_token s) { chain.run(s); }, [&] { return chain.processed() >= total; });
    expected = everything(*reader);
    expected_alarms = everything(*alarm_reader);
  }
  ASSERT_EQ(expected.size(), total);
  ASSERT_FALSE(expected_alarms.empty()) << "the ticks should make at least one alarm";

  MemoryBus bus;
  ProcessOptions po;
  po.state_path = (dir / "process.sqlite").string();
  SignalOptions so;
  so.state_path = (dir / "signal.sqlite").string();
  auto reader = bus.subscribe({so.signals_topic}, "reader");
  auto alarm_reader = bus.subscribe({so.alarms_topic}, "alarm-reader");
  {  // apart: both stages through ticks 1..15
    feed(bus, po.in_topic, 1, 15);
    ProcessService process(bus, po);
    SignalService signal(bus, so);
    std::jthread signal_thread([&](std::stop_token s) { signal.run(s); });
    run_until([&](std::stop_token s) { process.run(s); },
              [&] { return signal.counters().published.load() >= 3 * 15; });
  }
  {  // apart: the process stage alone goes on through tick 30
    feed(bus, po.in_topic, 16, 30);
    ProcessService process(bus, po);
    run_until([&](std::stop_token s) { process.run(s); }, [&] { return process.counters().published.load() >= 3 * 15; });
  }
  // Chained on the same checkpoints; ticks 31..40 arrive meanwhile.
  ProcessService process(bus, po);
  SignalService signal(bus, so);
  ProcessSignalChain chain(bus, process, signal);
  feed(bus, po.in_topic, 31, 40);
  run_until([&](std::stop_token s) { chain.run(s); }, [&] { return chain.processed() >= 3 * 10; });

  auto got = everything(*reader);
  EXPECT_EQ(got.size(), total) << "signals lost or made twice";
  EXPECT_TRUE(got == expected) << "the signals differ from one chained run's";
  EXPECT_EQ(everything(*alarm_reader), expected_alarms);
  EXPECT_EQ(signal.duplicates(), 0u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tickflow
