// KafkaBus against a real Apache Kafka broker (scripts/kafka, started by the ctest fixture
// `kafka`): the bus contract, 100k records end to end with per-key order and checksums,
// a broker stopped and restarted mid-stream losing nothing, and topics deleted.
#include "src/bus/kafka_bus.hpp"

#include <cstdlib>
#include <numeric>

#include <fmt/format.h>

#include "tests/common/bus_contract.hpp"

namespace tickflow::testing {
namespace {

std::string brokers() {
  const char* b = std::getenv("TICKFLOW_KAFKA_BROKERS");
  return b ? b : "127.0.0.1:9092";
}

std::unique_ptr<KafkaBus> make_bus(std::vector<std::pair<std::string, std::string>> extra = {}) {
  KafkaBusOptions o;
  o.brokers = brokers();
  o.settings = std::move(extra);
  return std::make_unique<KafkaBus>(o);
}

INSTANTIATE_TEST_SUITE_P(Kafka, BusContract,
                         ::testing::Values(BusFactory{"kafka", [] { return std::unique_ptr<Bus>(make_bus()); }, 15s}),
                         [](const auto& p) { return p.param.name; });

// FNV-1a over key and payload: a cheap fingerprint of exactly what was sent.
std::uint64_t fingerprint(std::string_view key, std::string_view payload) {
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : key) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  h = (h ^ 0xFF) * 1099511628211ULL;
  for (char c : payload) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return h;
}

struct Tally {
  std::uint64_t count = 0;
  std::uint64_t sum = 0;  // order-independent: sum of fingerprints
  std::set<std::string> distinct;
  std::map<std::int32_t, std::set<std::int64_t>> offsets;  // read, per partition
};

// Why records are missing, as far as a test can tell: one producer's records without
// transactions take offsets 0, 1, 2, ... in each partition, so an offset the first reader
// did not read, below the highest either reader saw, holds a record it skipped (a gap, a
// partition's tail, a whole partition); a missing record that a second reader from the
// start does not find either is one the log lacks.
std::string explain_loss(const Tally& got, const Tally& reread, const std::vector<std::string>& sent) {
  std::string why;
  int shown = 0;
  for (const auto& payload : sent) {
    if (got.distinct.contains(payload) || ++shown > 5) continue;
    why += "'" + payload + "' missing, " + (reread.distinct.contains(payload) ? "found" : "not found too") +
           " by a second reader from the start; ";
  }
  std::map<std::int32_t, std::int64_t> end;  // per partition, past the highest offset either reader saw
  for (const Tally* t : {&got, &reread}) {
    for (const auto& [partition, offsets] : t->offsets) end[partition] = std::max(end[partition], *offsets.rbegin() + 1);
  }
  static const std::set<std::int64_t> none;
  for (const auto& [partition, past] : end) {
    auto it = got.offsets.find(partition);
    const auto& read = it == got.offsets.end() ? none : it->second;
    for (std::int64_t o = 0; o < past; ++o) {
      if (read.contains(o)) continue;
      std::int64_t from = o;
      while (o + 1 < past && !read.contains(o + 1)) ++o;
      why += fmt::format("partition {}: offsets {}..{} not read; ", partition, from, o);
    }
  }
  return why;
}

Tally consume_all(Bus& bus, const std::string& topic, std::size_t want, std::chrono::seconds patience,
                  bool check_order) {
  Tally t;
  std::map<std::string, long> next;
  auto sub = bus.subscribe({topic}, unique_name("audit"));
  auto deadline = std::chrono::steady_clock::now() + patience;
  while (t.distinct.size() < want && std::chrono::steady_clock::now() < deadline) {
    for (const auto& r : sub->poll(5000, 500ms)) {
      ++t.count;
      t.sum += fingerprint(r.key, r.payload);
      t.distinct.emplace(r.payload);
      t.offsets[r.partition].insert(r.offset);
      if (check_order) {
        long seq = std::stol(std::string(r.payload.substr(r.payload.find(':') + 1)));
        EXPECT_EQ(seq, next[std::string(r.key)]) << "key " << r.key << " out of order";
        next[std::string(r.key)] = seq + 1;
      }
    }
    EXPECT_TRUE(sub->commit().ok);
  }
  return t;
}

TEST(KafkaBusRealBroker, HundredThousandRecordsAllArriveInOrderPerKey) {
  auto bus = make_bus();
  auto topic = unique_name("bulk");
  constexpr int total = 100000;
  std::uint64_t sent_sum = 0;
  std::map<std::string, long> seq;
  for (int i = 0; i < total; ++i) {
    std::string key = "SYM" + std::to_string(i % 50);
    std::string payload = key + ":" + std::to_string(seq[key]++) + ":" + std::string(120, 'p');
    sent_sum += fingerprint(key, payload);
    ASSERT_EQ(bus->publish(topic, key, payload, 30s), PublishStatus::ok);
  }
  ASSERT_EQ(bus->flush(60s), 0u);
  EXPECT_EQ(bus->counters().delivered, static_cast<std::uint64_t>(total));
  Tally got = consume_all(*bus, topic, total, 120s, true);
  EXPECT_EQ(got.count, static_cast<std::uint64_t>(total));
  EXPECT_EQ(got.distinct.size(), static_cast<std::size_t>(total));
  EXPECT_EQ(got.sum, sent_sum) << "content differs from what was sent";
}

TEST(KafkaBusRealBroker, BrokerRestartMidStreamLosesNothing) {
  const char* script = std::getenv("TICKFLOW_KAFKA_SCRIPT");
  ASSERT_NE(script, nullptr) << "TICKFLOW_KAFKA_SCRIPT must point at scripts/kafka";
  auto bus = make_bus({{"message.timeout.ms", "120000"}});
  auto topic = unique_name("restart");
  ASSERT_TRUE(bus->ensure_topics({topic}).ok);
  constexpr int total = 60000;
  std::uint64_t sent_sum = 0;
  std::map<std::string, long> seq;
  std::vector<std::string> sent;
  for (int i = 0; i < total; ++i) {
    if (i == total / 3) {
      ASSERT_EQ(std::system((std::string(script) + " stop").c_str()), 0);
    }
    if (i == total / 3 + 5000) {  // these 5000 wait in the producer while the broker is down
      ASSERT_EQ(std::system((std::string(script) + " start").c_str()), 0);
    }
    std::string key = "K" + std::to_string(i % 20);
    std::string payload = key + ":" + std::to_string(seq[key]++);
    sent_sum += fingerprint(key, payload);
    ASSERT_EQ(bus->publish(topic, key, payload, 120s), PublishStatus::ok) << "at record " << i;
    sent.push_back(std::move(payload));
  }
  ASSERT_EQ(bus->flush(120s), 0u);
  auto c = bus->counters();
  EXPECT_EQ(c.delivered, static_cast<std::uint64_t>(total));
  EXPECT_EQ(c.failed, 0u);
  Tally got = consume_all(*bus, topic, total, 120s, true);
  if (got.distinct.size() != static_cast<std::size_t>(total)) {
    ADD_FAILURE() << "records lost: read " << got.distinct.size() << " of " << total << ": "
                  << explain_loss(got, consume_all(*bus, topic, total, 60s, false), sent);
  }
  EXPECT_EQ(got.count, static_cast<std::uint64_t>(total)) << "records duplicated (the producer is idempotent)";
  EXPECT_EQ(got.sum, sent_sum);
}

// A stage commits without waiting after every checkpoint. Commits sent faster than the
// broker answers them used to queue up on the coordinator connection ahead of the
// heartbeats (thousands in flight, sessions timing out); now one is in flight and the
// newest positions wait for its answer, and those are what a restarted member resumes from.
TEST(KafkaBusRealBroker, CommitsWithoutWaitingGoOneAtATimeAndTheNewestLands) {
  auto bus = make_bus();
  auto topic = unique_name("commits");
  auto group = unique_name("g");
  constexpr int total = 500;
  for (int i = 0; i < total; ++i) ASSERT_EQ(bus->publish(topic, "K", "r" + std::to_string(i), 10s), PublishStatus::ok);
  ASSERT_EQ(bus->flush(30s), 0u);

  auto sub = bus->subscribe({topic}, group);
  int got = 0, commits = 0;
  for (auto until = std::chrono::steady_clock::now() + 60s; got < total && std::chrono::steady_clock::now() < until;) {
    for (const auto& r : sub->poll(1, 500ms)) {
      EXPECT_EQ(r.payload, "r" + std::to_string(got));
      ++got;
      ASSERT_TRUE(sub->commit(sub->positions(), false).ok);
      ++commits;
    }
  }
  ASSERT_EQ(got, total);
  const std::uint64_t sent = bus->counters().committed;
  EXPECT_LT(sent, static_cast<std::uint64_t>(commits) / 5) << "every commit was sent at once";
  // Polls serve the answers; the held positions go out after the one in flight.
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(sub->poll(10, 100ms).empty());
  EXPECT_GT(bus->counters().committed, 0u);
  sub->close();

  // A new member of the group starts after the last record: the one published next.
  ASSERT_EQ(bus->publish(topic, "K", "after", 10s), PublishStatus::ok);
  ASSERT_EQ(bus->flush(30s), 0u);
  auto next = bus->subscribe({topic}, group);
  std::vector<std::string> seen;
  for (auto until = std::chrono::steady_clock::now() + 60s; seen.empty() && std::chrono::steady_clock::now() < until;) {
    for (const auto& r : next->poll(10, 500ms)) seen.emplace_back(r.payload);
  }
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.front(), "after") << "resumed before the newest committed position";
}

// Benchmarks make fresh topics each run and delete them after: deleted means gone (a
// second delete finds nothing and says which topic).
TEST(KafkaBusRealBroker, DeletedTopicsAreGone) {
  auto bus = make_bus();
  auto topic = unique_name("deleted");
  ASSERT_TRUE(bus->ensure_topics({topic}).ok);
  ASSERT_EQ(bus->publish(topic, "K", "r", 10s), PublishStatus::ok);
  ASSERT_EQ(bus->flush(30s), 0u);
  auto deleted = bus->delete_topics({topic});
  EXPECT_TRUE(deleted.ok) << deleted.message;
  auto again = bus->delete_topics({topic});
  EXPECT_FALSE(again.ok) << "deleted twice";
  EXPECT_NE(again.message.find(topic), std::string::npos) << again.message;
  EXPECT_TRUE(bus->delete_topics({}).ok);
}

TEST(KafkaBusRealBroker, BadSettingIsAStartupErrorNamingTheKey) {
  KafkaBusOptions o;
  o.brokers = brokers();
  o.settings = {{"linger.ms", "not-a-number"}};
  try {
    KafkaBus bus(o);
    FAIL() << "accepted a bad setting";
  } catch (const KafkaError& e) {
    EXPECT_NE(std::string(e.what()).find("kafka.linger.ms"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tickflow::testing
