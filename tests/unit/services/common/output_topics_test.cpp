// Each service makes sure the topics it writes exist before it reads anything: over Kafka
// the first record on a missing topic used to wait while the topic was created, a stall
// of 30-50 ms for every stage sharing the broker (docs/performance.md, session 5). A bus
// that wraps the in-memory one notes the calls in order; the rest is the real bus.
#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <thread>

#include "src/bus/memory_bus.hpp"
#include "src/services/aggregate/aggregate_service.hpp"
#include "src/services/chain/process_signal_chain.hpp"
#include "src/services/ingest/ingest_handler.hpp"
#include "src/services/process/process_service.hpp"
#include "src/services/signal/signal_service.hpp"

namespace tickflow {
namespace {

using namespace std::chrono_literals;

class TopicNotingBus final : public Bus {
 public:
  PublishStatus publish(std::string_view topic, std::string_view key, std::string_view payload,
                        std::chrono::milliseconds wait) override {
    return inner_.publish(topic, key, payload, wait);
  }
  BusStatus ensure_topics(const std::vector<std::string>& topics) override {
    std::lock_guard lock(mu_);
    if (!subscribed_) ensured_before_subscribe_.insert(topics.begin(), topics.end());
    return BusStatus::success();
  }
  std::unique_ptr<Subscription> subscribe(const std::vector<std::string>& topics, std::string_view group) override {
    {
      std::lock_guard lock(mu_);
      subscribed_ = true;
    }
    return inner_.subscribe(topics, group);
  }
  std::size_t flush(std::chrono::milliseconds timeout) override { return inner_.flush(timeout); }
  bool stores_on_publish() const override { return true; }
  BusCounters counters() const override { return inner_.counters(); }
  BusStatus health(std::chrono::milliseconds timeout) override { return inner_.health(timeout); }

  // The topics ensured before the first subscription, once one has happened.
  std::set<std::string> ensured_once_subscribed() {
    for (auto until = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < until;) {
      {
        std::lock_guard lock(mu_);
        if (subscribed_) return ensured_before_subscribe_;
      }
      std::this_thread::sleep_for(5ms);
    }
    ADD_FAILURE() << "the service never subscribed";
    return {};
  }

 private:
  MemoryBus inner_;
  std::mutex mu_;
  bool subscribed_ = false;
  std::set<std::string> ensured_before_subscribe_;
};

template <typename Service>
std::set<std::string> ensured_by(TopicNotingBus& bus, Service& service) {
  std::jthread run([&](std::stop_token stop) { service.run(stop); });
  return bus.ensured_once_subscribed();
}

TEST(OutputTopics, ProcessCreatesItsOutputsBeforeReading) {
  TopicNotingBus bus;
  ProcessService process(bus, ProcessOptions{});
  auto topics = ensured_by(bus, process);
  EXPECT_TRUE(topics.count("Processed_data"));
  EXPECT_TRUE(topics.count("rejected_data"));
}

TEST(OutputTopics, SignalCreatesSignalsAlarmsAndRejectedBeforeReading) {
  TopicNotingBus bus;
  SignalService signal(bus, SignalOptions{});
  auto topics = ensured_by(bus, signal);
  EXPECT_TRUE(topics.count("signals"));
  EXPECT_TRUE(topics.count("alarm_topic"));
  EXPECT_TRUE(topics.count("rejected_data"));
}

TEST(OutputTopics, ChainedProcessAndSignalCreateBothStagesOutputsBeforeReading) {
  TopicNotingBus bus;
  ProcessService process(bus, ProcessOptions{});
  SignalService signal(bus, SignalOptions{});
  ProcessSignalChain chain(bus, process, signal);
  auto topics = ensured_by(bus, chain);
  for (const char* topic : {"Processed_data", "signals", "alarm_topic", "rejected_data"}) {
    EXPECT_TRUE(topics.count(topic)) << topic;
  }
}

TEST(OutputTopics, AggregateCreatesTheSummaryTopicBeforeReading) {
  TopicNotingBus bus;
  AggregateService aggregate(bus, AggregateOptions{});
  auto topics = ensured_by(bus, aggregate);
  EXPECT_TRUE(topics.count("stock_summary"));
}

TEST(OutputTopics, IngestCreatesItsTopicsWhenItStarts) {
  TopicNotingBus bus;
  IngestHandler ingest(bus, IngestOptions{});
  auto sub = bus.subscribe({"validated_data"}, "check");  // marks "started"
  auto topics = bus.ensured_once_subscribed();
  EXPECT_TRUE(topics.count("validated_data"));
  EXPECT_TRUE(topics.count("rejected_data"));
}

}  // namespace
}  // namespace tickflow
