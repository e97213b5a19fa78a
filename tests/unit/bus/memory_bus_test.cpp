// MemoryBus meets the bus contract (tests/common/bus_contract.hpp), and pushes back
// instead of dropping when a partition a group reads is full.
#include "src/bus/memory_bus.hpp"

#include <charconv>
#include <map>

#include "tests/common/bus_contract.hpp"
#include "tests/common/thread_use.hpp"

namespace tickflow::testing {
namespace {

INSTANTIATE_TEST_SUITE_P(Memory, BusContract,
                         ::testing::Values(BusFactory{"memory", [] { return std::make_unique<MemoryBus>(); }, 0ms}),
                         [](const auto& p) { return p.param.name; });

TEST(MemoryBus, FullPartitionReportsFullUntilAGroupCommits) {
  MemoryBus bus(MemoryBusOptions{1, 100});
  auto sub = bus.subscribe({"t"}, "g");
  for (int i = 0; i < 100; ++i) ASSERT_EQ(bus.publish("t", "k", "v"), PublishStatus::ok);
  EXPECT_EQ(bus.publish("t", "k", "v"), PublishStatus::full);
  EXPECT_EQ(bus.publish("t", "k", "v", 20ms), PublishStatus::full);  // waited, still no room
  EXPECT_EQ(sub->poll(60, 0ms).size(), 60u);
  EXPECT_EQ(bus.publish("t", "k", "v"), PublishStatus::full);  // polled is not committed
  ASSERT_TRUE(sub->commit().ok);
  EXPECT_EQ(bus.publish("t", "k", "v"), PublishStatus::ok);
  EXPECT_EQ(bus.counters().published, 101u);
}

TEST(MemoryBus, PublisherWaitingForRoomIsReleasedByACommit) {
  MemoryBus bus(MemoryBusOptions{1, 10});
  auto sub = bus.subscribe({"t"}, "g");
  for (int i = 0; i < 10; ++i) ASSERT_EQ(bus.publish("t", "k", "v"), PublishStatus::ok);
  std::thread consumer([&] {
    std::this_thread::sleep_for(50ms);
    sub->poll(10, 0ms);
    sub->commit();
  });
  EXPECT_EQ(bus.publish("t", "k", "late", 5s), PublishStatus::ok);
  consumer.join();
}

TEST(MemoryBus, RecordsAreKeptUntilEveryGroupCommitted) {
  MemoryBus bus(MemoryBusOptions{1, 1000});
  auto fast = bus.subscribe({"t"}, "fast");
  auto slow = bus.subscribe({"t"}, "slow");
  for (int i = 0; i < 50; ++i) ASSERT_EQ(bus.publish("t", "k", std::to_string(i)), PublishStatus::ok);
  ASSERT_EQ(fast->poll(100, 0ms).size(), 50u);
  ASSERT_TRUE(fast->commit().ok);
  EXPECT_EQ(bus.counters().lag, 50);  // the slow group still needs them
  auto got = slow->poll(100, 0ms);
  ASSERT_EQ(got.size(), 50u);
  EXPECT_EQ(got.front().payload, "0");
  ASSERT_TRUE(slow->commit().ok);
  EXPECT_EQ(bus.counters().lag, 0);
}

// A topic nothing reads (rejected records in `tickflow run`) must not stop its publishers
// once full: it keeps its newest records, and a group that comes later starts at the
// oldest of those. Once a group reads it, a full partition pushes back again.
TEST(MemoryBus, ATopicNoGroupReadsKeepsItsNewestRecordsInsteadOfPushingBack) {
  MemoryBus bus(MemoryBusOptions{1, 10});
  for (int i = 0; i < 25; ++i) ASSERT_EQ(bus.publish("t", "k", std::to_string(i)), PublishStatus::ok) << i;
  auto sub = bus.subscribe({"t"}, "late");
  auto got = sub->poll(100, 0ms);
  ASSERT_EQ(got.size(), 10u);
  EXPECT_EQ(got.front().payload, "15");
  EXPECT_EQ(got.back().payload, "24");
  EXPECT_EQ(got.front().offset, 15);
  EXPECT_EQ(bus.publish("t", "k", "25"), PublishStatus::full);  // read by a group now: it waits for commits
  ASSERT_TRUE(sub->commit().ok);
  EXPECT_EQ(bus.publish("t", "k", "25"), PublishStatus::ok);
}

TEST(MemoryBus, ShutDownWakesAWaitingConsumerAndRefusesPublishes) {
  MemoryBus bus;
  auto sub = bus.subscribe({"t"}, "g");
  std::thread waker([&] {
    std::this_thread::sleep_for(50ms);
    bus.shut_down();
  });
  auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(sub->poll(10, 10s).empty());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  waker.join();
  EXPECT_EQ(bus.publish("t", "k", "v"), PublishStatus::closed);
}

TEST(MemoryBus, ViewsStayValidUntilTheNextPoll) {
  MemoryBus bus(MemoryBusOptions{1, 4});
  auto sub = bus.subscribe({"t"}, "g");
  auto other = bus.subscribe({"t"}, "h");
  for (int i = 0; i < 4; ++i) ASSERT_EQ(bus.publish("t", "key", "payload-" + std::to_string(i)), PublishStatus::ok);
  auto batch = sub->poll(4, 0ms);
  ASSERT_EQ(batch.size(), 4u);
  sub->commit();
  other->poll(4, 0ms);
  other->commit();  // both groups committed: the partition is trimmed
  for (int i = 0; i < 4; ++i) ASSERT_EQ(bus.publish("t", "key", "overwrite-" + std::to_string(i)), PublishStatus::ok);
  EXPECT_EQ(batch[0].payload, "payload-0");
  EXPECT_EQ(batch[3].key, "key");
}

// Polled records are views of the partition's storage (1-MiB chunks, reused once trimmed).
// Records of 600 kB take a chunk each, so the commit below would hand the first record's
// chunk to the next publish if the batch pointing into it did not hold it.
TEST(MemoryBus, ACommittedBatchsStorageIsNotReusedBeforeTheNextPoll) {
  MemoryBus bus(MemoryBusOptions{1, 100});
  auto sub = bus.subscribe({"t"}, "g");
  const std::string a(600'000, 'a'), b(600'000, 'b'), c(600'000, 'c');
  ASSERT_EQ(bus.publish("t", "k", a), PublishStatus::ok);
  ASSERT_EQ(bus.publish("t", "k", b), PublishStatus::ok);
  auto first = sub->poll(1, 0ms);
  ASSERT_EQ(first.size(), 1u);
  ASSERT_TRUE(sub->commit().ok);  // record 0 is trimmed; its chunk is still held
  ASSERT_EQ(bus.publish("t", "k", c), PublishStatus::ok);
  EXPECT_TRUE(first[0].payload == a) << "the polled record was overwritten";
  auto rest = sub->poll(10, 0ms);  // lets go of the first batch's chunk
  ASSERT_EQ(rest.size(), 2u);
  ASSERT_TRUE(sub->commit().ok);
  EXPECT_TRUE(rest[0].payload == b);
  EXPECT_TRUE(rest[1].payload == c);
  ASSERT_EQ(bus.publish("t", "k", a), PublishStatus::ok);  // may reuse a freed chunk
  EXPECT_TRUE(rest[1].payload == c);
  auto last = sub->poll(10, 0ms);
  ASSERT_EQ(last.size(), 1u);
  EXPECT_TRUE(last[0].payload == a);
}

// Batches of more than 16 KiB are copied in after their room is reserved, outside the
// topic's lock; a consumer must never see a record before its bytes are in. Three publishers
// of such batches on one topic, partitions small enough that they wait for room: every
// record arrives once, whole, in order per key.
TEST(MemoryBus, LargeBatchesFromSeveralPublishersArriveWholeAndInOrder) {
  MemoryBus bus(MemoryBusOptions{2, 300});
  auto sub = bus.subscribe({"t"}, "g");
  sub->set_busy_poll(1s);  // reads as soon as anything is published, for the widest overlap
  constexpr int per_publisher = 3000;
  constexpr int batch = 100;  // 100 records of 2 kB: 200 kB, tens of µs of copying
  auto payload_of = [](const std::string& key, int seq) {
    std::string p = key + ":" + std::to_string(seq) + ":";
    p.resize(2000, static_cast<char>('a' + seq % 26));
    return p;
  };
  auto publish_all = [&](std::string prefix) {
    std::vector<std::string> keys, payloads;
    for (int i = 0; i < per_publisher; ++i) {
      keys.push_back(prefix + std::to_string(i % 7));
      payloads.push_back(payload_of(keys.back(), i));
    }
    for (int from = 0; from < per_publisher; from += batch) {
      std::vector<OutgoingRecord> records;
      for (int i = from; i < from + batch; ++i) records.push_back({keys[i], payloads[i]});
      ASSERT_EQ(bus.publish_batch("t", records, 10s), records.size());
    }
  };
  std::jthread a(publish_all, "a"), b(publish_all, "b"), c(publish_all, "c");  // joined however the test ends
  std::map<std::string, int> last_seq;
  int got = 0;
  while (got < 3 * per_publisher) {
    auto records = sub->poll(100, 10s);
    ASSERT_FALSE(records.empty()) << "stalled after " << got << " records";
    for (const auto& r : records) {
      auto key = std::string(r.key);
      int seq = -1;
      auto digits = r.payload.substr(std::min(r.payload.size(), key.size() + 1));
      std::from_chars(digits.data(), digits.data() + digits.size(), seq);
      ASSERT_TRUE(r.payload == payload_of(key, seq))
          << "record " << got << " is not whole: " << r.payload.substr(0, std::min<std::size_t>(r.payload.size(), 40));
      auto [it, first] = last_seq.try_emplace(key, seq);
      if (!first) {
        ASSERT_GT(seq, it->second) << key;
        it->second = seq;
      }
      ++got;
    }
    ASSERT_TRUE(sub->commit().ok);
  }
  EXPECT_EQ(got, 3 * per_publisher);
  EXPECT_TRUE(sub->poll(100, 0ms).empty());
}

// A large batch to a topic no group reads, bigger than a partition holds: the oldest
// records make room for the newest, but never ones this batch has reserved and not yet
// copied in (records of 1.5 MB take a chunk of their own each, freed once dropped: a
// reserved one dropped would have its bytes copied into freed memory).
TEST(MemoryBus, ALargeBatchToATopicNoGroupReadsKeepsItsNewestRecordsWhole) {
  MemoryBus bus(MemoryBusOptions{1, 16});
  std::vector<std::string> payloads;
  for (int i = 0; i < 40; ++i) payloads.push_back(std::string(1'500'000, static_cast<char>('a' + i % 26)) + std::to_string(i));
  std::vector<OutgoingRecord> records;
  for (const auto& p : payloads) records.push_back({"k", p});
  ASSERT_EQ(bus.publish_batch("t", records), records.size());
  auto sub = bus.subscribe({"t"}, "late");
  auto got = sub->poll(100, 0ms);
  ASSERT_EQ(got.size(), 16u);
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].offset, static_cast<std::int64_t>(24 + i));
    EXPECT_TRUE(got[i].payload == payloads[24 + i]) << "record " << 24 + i << " is not whole";
  }
}

TEST(MemoryBus, ANewBusNeverSeesAnOldBussTopics) {
  // Found by the ingest fuzzer: a bus built at the address of a destroyed one reused the
  // destroyed one's topic through a per-thread cache.
  for (int i = 0; i < 50; ++i) {
    auto bus = std::make_unique<MemoryBus>();
    ASSERT_EQ(bus->publish("t", "k", std::to_string(i)), PublishStatus::ok);
    auto sub = bus->subscribe({"t"}, "g");
    auto got = sub->poll(10, 0ms);
    ASSERT_EQ(got.size(), 1u) << "round " << i;
    EXPECT_EQ(got[0].payload, std::to_string(i));
  }
}

// Publishes `count` records to "t", one every `gap`, while the calling thread reads them
// one poll at a time; returns what reading took of the reader's thread. Every record must
// come, in order.
ThreadUse reading(MemoryBus& bus, Subscription& sub, int count, std::chrono::microseconds gap) {
  std::thread publisher([&] {
    for (int i = 0; i < count; ++i) {
      std::this_thread::sleep_for(gap);
      EXPECT_EQ(bus.publish("t", "k", std::to_string(i)), PublishStatus::ok);
    }
  });
  const ThreadUse before = ThreadUse::now();
  int got = 0;
  while (got < count) {
    auto batch = sub.poll(count, 10s);
    if (batch.empty()) break;
    for (const auto& r : batch) EXPECT_EQ(r.payload, std::to_string(got++));
  }
  const ThreadUse used = ThreadUse::now() - before;
  publisher.join();
  EXPECT_EQ(got, count);
  return used;
}

// Asked to busy-poll, a consumer whose records come within that time watches for them
// instead of sleeping; one whose records come further apart sleeps at once, as every
// consumer does by default. Counted in context switches and CPU time with wide margins,
// not in latency: it is what the reader does, and it holds on a loaded machine (being
// preempted is an involuntary switch).
TEST(MemoryBus, ABusyPollingConsumerWatchesOnlyWhileRecordsComeWithinItsTime) {
  MemoryBus bus;
  auto sub = bus.subscribe({"t"}, "g");
  EXPECT_GE(reading(bus, *sub, 40, 2ms).sleeps, 30) << "by default a consumer sleeps while it waits";

  sub->set_busy_poll(50ms);
  EXPECT_LE(reading(bus, *sub, 40, 2ms).sleeps, 10) << "records every 2 ms, watching for 50 ms";

  // Watching each 40-ms wait for 20 ms would take 140 ms or more of CPU over these.
  sub->set_busy_poll(20ms);
  ThreadUse rare = reading(bus, *sub, 8, 40ms);
  EXPECT_GE(rare.sleeps, 6) << "records every 40 ms, watching for 20 ms";
  EXPECT_LT(rare.cpu, 40ms) << "records every 40 ms, watching for 20 ms";
}

TEST(MemoryBus, ABusyPollingConsumerStillTimesOutAndWakesOnShutDown) {
  MemoryBus bus;
  auto sub = bus.subscribe({"t"}, "g");
  sub->set_busy_poll(10ms);
  ASSERT_EQ(bus.publish("t", "k", "v"), PublishStatus::ok);
  ASSERT_EQ(sub->poll(10, 0ms).size(), 1u);  // came at once: the next wait is watched
  auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(sub->poll(10, 30ms).empty());
  EXPECT_GE(std::chrono::steady_clock::now() - started, 30ms);
  std::thread waker([&] {
    std::this_thread::sleep_for(50ms);
    bus.shut_down();
  });
  started = std::chrono::steady_clock::now();
  EXPECT_TRUE(sub->poll(10, 10s).empty());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  waker.join();
}

}  // namespace
}  // namespace tickflow::testing
