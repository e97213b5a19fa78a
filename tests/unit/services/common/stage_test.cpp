// The stage loop's pipelined checkpoints: it goes on handling batches while the outputs
// of earlier ones wait for acknowledgement, and it saves state and commits input only for
// outputs that were delivered; and a large batch's outputs go out as it is handled. The
// acknowledgements are held back by a bus that wraps the in-memory one and settles
// records only when the test says so (as a broker's acks arrive); everything else is the
// real in-memory bus.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

#include "src/bus/memory_bus.hpp"
#include "src/services/common/stage.hpp"
#include "tests/common/pipeline_check.hpp"

namespace tickflow::testing {
namespace {

using namespace std::chrono_literals;

class HeldAcksBus final : public Bus {
 public:
  PublishStatus publish(std::string_view topic, std::string_view key, std::string_view payload,
                        std::chrono::milliseconds wait) override {
    auto s = inner.publish(topic, key, payload, wait);
    if (s == PublishStatus::ok) published_.fetch_add(1);
    return s;
  }
  std::unique_ptr<Subscription> subscribe(const std::vector<std::string>& topics, std::string_view group) override {
    return inner.subscribe(topics, group);
  }
  std::size_t flush(std::chrono::milliseconds timeout) override { return flush_to(published_.load(), timeout); }
  std::uint64_t publish_mark() override { return published_.load(); }
  std::size_t flush_to(std::uint64_t mark, std::chrono::milliseconds timeout) override {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return acked_ >= mark; });
    return acked_ >= mark ? 0 : static_cast<std::size_t>(mark - acked_);
  }
  BusCounters counters() const override {
    BusCounters c = inner.counters();
    c.failed = failed.load();
    return c;
  }
  BusStatus health(std::chrono::milliseconds timeout) override { return inner.health(timeout); }

  // The broker acknowledges the first `n` records published.
  void acknowledge(std::uint64_t n) {
    std::lock_guard lock(mu_);
    acked_ = n;
    cv_.notify_all();
  }

  MemoryBus inner;
  std::atomic<std::uint64_t> failed{0};

 private:
  std::atomic<std::uint64_t> published_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t acked_ = 0;
};

// The stage's input subscription, counting its commits.
class CountingSubscription final : public Subscription {
 public:
  explicit CountingSubscription(std::unique_ptr<Subscription> inner) : inner_(std::move(inner)) {}
  std::span<const BusRecord> poll(std::size_t max, std::chrono::milliseconds timeout) override {
    return inner_->poll(max, timeout);
  }
  ConsumedPositions positions() const override { return inner_->positions(); }
  using Subscription::commit;
  BusStatus commit(const ConsumedPositions& at, bool wait) override {
    commits.fetch_add(1);
    return inner_->commit(at, wait);
  }
  void close() override { inner_->close(); }
  std::atomic<int> commits{0};

 private:
  std::unique_ptr<Subscription> inner_;
};

template <typename Predicate>
bool eventually(Predicate done) {
  for (auto until = std::chrono::steady_clock::now() + 5s; std::chrono::steady_clock::now() < until;) {
    if (done()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return done();
}

struct CopyStage {
  HeldAcksBus bus;
  const std::string out_topic = "out";
  CountingSubscription input{bus.subscribe({"in"}, "stage")};
  StageCounters counters;
  std::atomic<int> snapshots{0};
  std::atomic<int> saves{0};
  std::atomic<bool> result{true};
  std::jthread worker;

  // Runs the stage with hooks counting snapshots and saves; `seen` is called with each
  // record before it is copied.
  void start(std::function<void(const BusRecord&)> seen = {}) {
    StageHooks hooks;
    hooks.snapshot = [this] { snapshots.fetch_add(1); };
    hooks.save = [this] { return saves.fetch_add(1), true; };
    start_with(std::move(hooks), std::move(seen));
  }
  void start_with(StageHooks hooks, std::function<void(const BusRecord&)> seen = {}) {
    worker = std::jthread([this, hooks = std::move(hooks), seen = std::move(seen)](std::stop_token stop) {
      result = run_stage(
          bus, input,
          [&](const BusRecord& in, std::vector<StageOutput>& out) {
            if (seen) seen(in);
            out.push_back({&out_topic, std::string(in.key), std::string(in.payload)});
          },
          counters, stop, hooks);
    });
  }
  void send(std::string_view payload) { ASSERT_EQ(bus.inner.publish("in", "K", payload), PublishStatus::ok); }
};

TEST(Stage, HandlesLaterBatchesWhileACheckpointWaitsForDelivery) {
  CopyStage s;
  s.start();
  s.send("first");
  ASSERT_TRUE(eventually([&] { return s.counters.published == 1; }));
  s.send("second");
  // Its outputs not acknowledged yet, the first batch holds its checkpoint open; the
  // second batch is handled and published all the same.
  ASSERT_TRUE(eventually([&] { return s.counters.published == 2; }));
  EXPECT_EQ(s.snapshots, 1) << "one checkpoint in flight at a time";
  EXPECT_EQ(s.saves, 0) << "state saved before its outputs were delivered";
  EXPECT_EQ(s.input.commits, 0) << "input committed before its outputs were delivered";

  s.bus.acknowledge(1);  // the first output delivered: its checkpoint completes
  ASSERT_TRUE(eventually([&] { return s.saves == 1 && s.input.commits == 1; }));
  ASSERT_TRUE(eventually([&] { return s.snapshots == 2; })) << "the second batch's checkpoint begins";
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(s.saves, 1) << "the second checkpoint completed before its output was delivered";

  s.bus.acknowledge(2);
  ASSERT_TRUE(eventually([&] { return s.saves == 2 && s.input.commits == 2; }));
  s.worker.request_stop();
  s.worker.join();
  EXPECT_TRUE(s.result);
  EXPECT_EQ(read_topic(s.bus.inner, "out", 2, 2s), (std::vector<std::string>{"first", "second"}));
  // Everything was committed: the group has nothing left to hand out.
  auto again = s.bus.inner.subscribe({"in"}, "stage");
  EXPECT_TRUE(again->poll(10, 100ms).empty());
}

TEST(Stage, AFailedDeliveryStopsItWithoutSavingOrCommitting) {
  CopyStage s;
  s.start();
  s.send("lost on the way");
  ASSERT_TRUE(eventually([&] { return s.counters.published == 1; }));
  s.bus.failed = 1;  // the broker refused it for good
  s.bus.acknowledge(1);
  s.worker.join();  // it stops by itself
  EXPECT_FALSE(s.result);
  EXPECT_EQ(s.saves, 0);
  EXPECT_EQ(s.input.commits, 0);
  EXPECT_EQ(s.counters.commit_failures, 1u);
  s.input.close();
  // Not committed: the group hands the record out again.
  auto again = s.bus.inner.subscribe({"in"}, "stage");
  auto batch = again->poll(10, 1s);
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch[0].payload, "lost on the way");
}

TEST(Stage, AStateThatCannotBeSavedIsNotCommittedAndIsTriedAgain) {
  std::atomic<int> attempts{0};  // before the stage, whose thread uses it until joined
  CopyStage s;
  StageHooks hooks;
  hooks.save = [&] { return attempts.fetch_add(1) > 0; };  // the first save fails
  s.start_with(hooks);
  s.bus.acknowledge(100);
  s.send("one");
  ASSERT_TRUE(eventually([&] { return attempts == 1; }));
  EXPECT_EQ(s.input.commits, 0) << "committed although the state was not saved";
  EXPECT_EQ(s.counters.commit_failures, 1u);
  s.send("two");  // the next checkpoint saves (what the failed one noted, and more) and commits
  ASSERT_TRUE(eventually([&] { return s.input.commits == 1; }));
  s.worker.request_stop();
  s.worker.join();
  EXPECT_TRUE(s.result);
}

TEST(Stage, PublishesALargeBatchAsItGoesNotAllAtTheEnd) {
  constexpr int records = 1000;
  std::atomic<std::uint64_t> published_at_last{0};  // before the stage, whose thread sets it
  CopyStage s;
  for (int i = 0; i < records; ++i) s.send(std::to_string(i));
  s.start([&](const BusRecord& in) {
    if (in.payload == std::to_string(records - 1)) published_at_last = s.counters.published.load();
  });
  s.bus.acknowledge(records);
  ASSERT_TRUE(eventually([&] { return s.counters.published == records; }));
  s.worker.request_stop();
  s.worker.join();
  ASSERT_EQ(s.counters.batches, 1u) << "the test needs all the records in one batch";
  // The first records' outputs went out while the last ones waited to be handled: after a
  // stall the batch is large, and its first ticks should not wait for all of it.
  EXPECT_GE(published_at_last, records / 2u);
  EXPECT_EQ(read_topic(s.bus.inner, "out", records, 2s).front(), "0");
}

}  // namespace
}  // namespace tickflow::testing
