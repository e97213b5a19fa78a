// ProcessSignalChain: what it adds to the two stages it runs (the golden comparison with
// replay is in pipeline_memory_test.cpp): threshold changes reach the signal stage, the
// topics get their records in order, and processed records go unpublished when asked.
#include "src/services/chain/process_signal_chain.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
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
  std::jthread worker([&](std::stop_token s) { chain.run(s); });
  auto count_on = [&](const std::string& topic) { return bus.count(topic); };
  for (auto until = std::chrono::steady_clock::now() + 5s;
       count_on(so.signals_topic) < 30 && std::chrono::steady_clock::now() < until;) {
    std::this_thread::sleep_for(10ms);
  }
  worker.request_stop();
  worker.join();
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
  std::jthread worker([&](std::stop_token s) { chain.run(s); });
  auto count_on = [&](const std::string& topic) { return bus.count(topic); };
  for (auto until = std::chrono::steady_clock::now() + 5s;
       (count_on(so.signals_topic) < 20 || count_on(po.rejected_topic) < 1) && std::chrono::steady_clock::now() < until;) {
    std::this_thread::sleep_for(10ms);
  }
  worker.request_stop();
  worker.join();
  EXPECT_EQ(count_on(so.signals_topic), 20u);
  EXPECT_EQ(count_on(po.rejected_topic), 1u);
  EXPECT_EQ(count_on(po.out_topic), 0u) << "processed records were published";
  EXPECT_EQ(chain.processed(), 20u);
}

}  // namespace
}  // namespace tickflow
