// The behaviour every Bus must have, as parameterised tests: include this in one test file
// per bus and instantiate BusContract with a factory. Same test code for MemoryBus and
// KafkaBus (docs/architecture.md: the same services run over both).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "src/bus/bus.hpp"

namespace tickflow::testing {

using namespace std::chrono_literals;

struct BusFactory {
  std::string name;
  std::function<std::unique_ptr<Bus>()> make;
  std::chrono::milliseconds patience;  // how long a group may take to (re)balance
};

// Unique per test run: Kafka keeps topics and group offsets between runs.
inline std::string unique_name(const std::string& base) {
  static const auto run = std::random_device{}();
  static std::atomic<int> n{0};
  return base + "-" + std::to_string(run) + "-" + std::to_string(n++);
}

// Polls until `want` records arrived or `patience` passed; commits after each batch when asked.
inline std::vector<std::pair<std::string, std::string>> drain(Subscription& sub, std::size_t want,
                                                              std::chrono::milliseconds patience, bool commit = true) {
  std::vector<std::pair<std::string, std::string>> got;
  auto deadline = std::chrono::steady_clock::now() + patience;
  while (got.size() < want && std::chrono::steady_clock::now() < deadline) {
    for (const auto& r : sub.poll(1000, 200ms)) got.emplace_back(r.key, r.payload);
    if (commit) {
      EXPECT_TRUE(sub.commit().ok);
    }
  }
  return got;
}

class BusContract : public ::testing::TestWithParam<BusFactory> {};

TEST_P(BusContract, KeepsOrderPerKey) {
  auto bus = GetParam().make();
  auto topic = unique_name("order");
  constexpr int per_key = 2000;
  const std::vector<std::string> keys = {"AAPL", "MSFT", "TSLA", "GOOGL", "AMZN"};
  for (int i = 0; i < per_key; ++i) {
    for (const auto& k : keys) ASSERT_EQ(bus->publish(topic, k, std::to_string(i), 5s), PublishStatus::ok);
  }
  ASSERT_EQ(bus->flush(30s), 0u);
  auto sub = bus->subscribe({topic}, unique_name("g"));
  auto got = drain(*sub, keys.size() * per_key, GetParam().patience + 30s);
  ASSERT_EQ(got.size(), keys.size() * per_key);
  std::map<std::string, int> next;
  for (const auto& [key, payload] : got) {
    ASSERT_EQ(std::stoi(payload), next[key]) << "key " << key << " out of order";
    ++next[key];
  }
}

TEST_P(BusContract, RedeliversWhatACrashedConsumerDidNotCommit) {
  auto bus = GetParam().make();
  auto topic = unique_name("redeliver");
  auto group = unique_name("g");
  constexpr int total = 3000;
  for (int i = 0; i < total; ++i) ASSERT_EQ(bus->publish(topic, "K" + std::to_string(i % 7), std::to_string(i), 5s), PublishStatus::ok);
  ASSERT_EQ(bus->flush(30s), 0u);

  std::set<std::string> committed_by_first, polled_not_committed;
  {
    auto first = bus->subscribe({topic}, group);
    auto done = drain(*first, 1000, GetParam().patience + 20s);  // handled and committed
    for (auto& [k, p] : done) committed_by_first.insert(p);
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (polled_not_committed.empty() && std::chrono::steady_clock::now() < deadline) {
      for (const auto& r : first->poll(500, 200ms)) polled_not_committed.insert(std::string(r.payload));
    }
    first->close();  // "crash": leaves without committing the last batch
  }
  ASSERT_FALSE(committed_by_first.empty());
  ASSERT_FALSE(polled_not_committed.empty());

  auto second = bus->subscribe({topic}, group);
  std::set<std::string> seen_by_second;
  auto deadline = std::chrono::steady_clock::now() + GetParam().patience + 30s;
  while (committed_by_first.size() + seen_by_second.size() < static_cast<std::size_t>(total) &&
         std::chrono::steady_clock::now() < deadline) {
    for (const auto& r : second->poll(1000, 200ms)) seen_by_second.insert(std::string(r.payload));
    ASSERT_TRUE(second->commit().ok);
  }
  for (const auto& p : polled_not_committed) EXPECT_TRUE(seen_by_second.count(p)) << p << " was lost";
  for (int i = 0; i < total; ++i) {
    auto p = std::to_string(i);
    EXPECT_TRUE(committed_by_first.count(p) || seen_by_second.count(p)) << "record " << p << " lost";
  }
}

TEST_P(BusContract, GroupMembersSplitThePartitions) {
  auto bus = GetParam().make();
  auto topic = unique_name("split");
  auto group = unique_name("g");
  auto a = bus->subscribe({topic}, group);
  auto b = bus->subscribe({topic}, group);
  std::mutex mu;
  std::vector<std::string> got_a, got_b;
  std::atomic<bool> stop{false};
  auto consume = [&](Subscription& s, std::vector<std::string>& out) {
    while (!stop) {
      for (const auto& r : s.poll(500, 50ms)) {
        std::lock_guard lock(mu);
        out.emplace_back(r.payload);
      }
      s.commit();
    }
  };
  std::thread ta(consume, std::ref(*a), std::ref(got_a));
  std::thread tb(consume, std::ref(*b), std::ref(got_b));
  auto both_busy = [&] {
    std::lock_guard lock(mu);
    return !got_a.empty() && !got_b.empty();
  };
  // A group rebalances asynchronously when a member joins (Kafka), so keep records coming
  // in small rounds until both members hold partitions, then send a last round.
  int sent = 0;
  auto deadline = std::chrono::steady_clock::now() + GetParam().patience + 40s;
  int rounds_after_both = 0;
  while (rounds_after_both < 5 && std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < 100; ++i, ++sent) {
      ASSERT_EQ(bus->publish(topic, "S" + std::to_string(sent % 40), std::to_string(sent), 5s), PublishStatus::ok);
    }
    ASSERT_EQ(bus->flush(30s), 0u);
    if (both_busy()) ++rounds_after_both;
    std::this_thread::sleep_for(20ms);
  }
  while (std::chrono::steady_clock::now() < deadline) {
    std::lock_guard lock(mu);
    std::set<std::string> distinct(got_a.begin(), got_a.end());
    distinct.insert(got_b.begin(), got_b.end());
    if (distinct.size() >= static_cast<std::size_t>(sent)) break;
  }
  stop = true;
  ta.join();
  tb.join();
  EXPECT_GT(got_a.size(), 0u) << "member A got no partitions";
  EXPECT_GT(got_b.size(), 0u) << "member B got no partitions";
  std::set<std::string> distinct(got_a.begin(), got_a.end());
  distinct.insert(got_b.begin(), got_b.end());
  EXPECT_EQ(distinct.size(), static_cast<std::size_t>(sent)) << "records missing";
}

TEST_P(BusContract, FlushDeliversEverythingAccepted) {
  auto bus = GetParam().make();
  auto topic = unique_name("flush");
  constexpr int total = 10000;
  std::string payload(150, 'x');
  for (int i = 0; i < total; ++i) ASSERT_EQ(bus->publish(topic, "F" + std::to_string(i % 3), payload, 5s), PublishStatus::ok);
  EXPECT_EQ(bus->flush(30s), 0u);
  auto c = bus->counters();
  EXPECT_EQ(c.published, static_cast<std::uint64_t>(total));
  EXPECT_EQ(c.delivered, static_cast<std::uint64_t>(total));
  EXPECT_EQ(c.failed, 0u);
  EXPECT_EQ(c.queue_depth, 0);
  auto sub = bus->subscribe({topic}, unique_name("g"));
  EXPECT_EQ(drain(*sub, total, GetParam().patience + 30s).size(), static_cast<std::size_t>(total));
}

TEST_P(BusContract, SubscribesToSeveralTopicsAtOnce) {
  auto bus = GetParam().make();
  auto t1 = unique_name("multi-a"), t2 = unique_name("multi-b");
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(bus->publish(t1, "A", "a" + std::to_string(i), 5s), PublishStatus::ok);
    ASSERT_EQ(bus->publish(t2, "B", "b" + std::to_string(i), 5s), PublishStatus::ok);
  }
  ASSERT_EQ(bus->flush(30s), 0u);
  auto sub = bus->subscribe({t1, t2}, unique_name("g"));
  std::map<std::string, int> per_topic;
  auto deadline = std::chrono::steady_clock::now() + GetParam().patience + 30s;
  while (per_topic[t1] + per_topic[t2] < 200 && std::chrono::steady_clock::now() < deadline) {
    for (const auto& r : sub->poll(100, 200ms)) ++per_topic[std::string(r.topic)];
    sub->commit();
  }
  EXPECT_EQ(per_topic[t1], 100);
  EXPECT_EQ(per_topic[t2], 100);
}

TEST_P(BusContract, ANewMemberOfAGroupResumesAfterTheCommittedOffset) {
  auto bus = GetParam().make();
  auto topic = unique_name("resume");
  auto group = unique_name("g");
  for (int i = 0; i < 500; ++i) ASSERT_EQ(bus->publish(topic, "R", std::to_string(i), 5s), PublishStatus::ok);
  ASSERT_EQ(bus->flush(30s), 0u);
  {
    auto first = bus->subscribe({topic}, group);
    ASSERT_EQ(drain(*first, 500, GetParam().patience + 30s).size(), 500u);
  }
  for (int i = 500; i < 600; ++i) ASSERT_EQ(bus->publish(topic, "R", std::to_string(i), 5s), PublishStatus::ok);
  ASSERT_EQ(bus->flush(30s), 0u);
  auto again = bus->subscribe({topic}, group);
  auto got = drain(*again, 100, GetParam().patience + 30s);
  ASSERT_EQ(got.size(), 100u);
  EXPECT_EQ(got.front().second, "500");
  EXPECT_EQ(got.back().second, "599");
}

}  // namespace tickflow::testing
