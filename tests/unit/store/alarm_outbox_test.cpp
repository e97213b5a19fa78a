// The alarm outbox on a real SQLite file: dedupe by alarm_id (by seq mark for the signal
// stage's ids), per-channel deliveries in order, retry times, dead letters and their retry,
// what a reopened outbox remembers (a delivery left in "sending" comes back marked
// maybe-sent), and that sent alarms leave no body behind, so its size follows what is in
// flight.
#include "src/store/alarm_outbox.hpp"

#include <deque>
#include <filesystem>
#include <fstream>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace tickflow {
namespace {

class AlarmOutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / fmt::format("tickflow-outbox-{}", std::random_device{}());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "outbox.sqlite").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  std::string path_;
};

// OutboxAlarm holds views: the ids and payloads live here for the whole test.
std::vector<OutboxAlarm> rows(const std::vector<std::string>& ids) {
  static std::deque<std::string> storage;
  std::vector<OutboxAlarm> out;
  for (const auto& id : ids) {
    const std::string& kept_id = storage.emplace_back(id);
    const std::string& payload = storage.emplace_back("{\"alarm_id\":\"" + id + "\"}");
    out.push_back({kept_id, payload});
  }
  return out;
}

TEST_F(AlarmOutboxTest, DuplicatesAreIgnoredByAlarmId) {
  AlarmOutbox outbox(path_, {"smtp", "file"});
  std::vector<std::string> ids = {"A:1:x", "A:2:x", "B:1:x"};
  auto first = outbox.add(rows(ids), 100);
  ASSERT_TRUE(first.status.ok) << first.status.message;
  EXPECT_EQ(first.added, 3u);
  std::vector<std::string> again = {"A:2:x", "C:1:x", "A:1:x"};
  auto second = outbox.add(rows(again), 101);
  EXPECT_EQ(second.added, 1u);
  EXPECT_EQ(second.duplicates, 2u);
  StoreStatus status;
  EXPECT_EQ(outbox.due("smtp", 200, 100, status).size(), 4u);
  EXPECT_EQ(outbox.due("file", 200, 100, status).size(), 4u);
  EXPECT_TRUE(outbox.due("webhook", 200, 100, status).empty());
}

TEST_F(AlarmOutboxTest, DueIsOldestFirstAndPerChannel) {
  AlarmOutbox outbox(path_, {"smtp", "file"});
  std::vector<std::string> ids;
  for (int i = 0; i < 50; ++i) ids.push_back(fmt::format("S{}:1:x", 50 - i));  // arrival order, not name order
  ASSERT_TRUE(outbox.add(rows(ids), 100).status.ok);
  StoreStatus status;
  auto due = outbox.due("smtp", 100, 10, status);
  ASSERT_EQ(due.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(due[i].alarm_id, ids[i]);
  EXPECT_EQ(due[0].payload, "{\"alarm_id\":\"S50:1:x\"}");
  ASSERT_TRUE(outbox.mark_sent("smtp", due, 101).ok);
  EXPECT_EQ(outbox.due("smtp", 102, 100, status).size(), 40u);
  EXPECT_EQ(outbox.due("file", 102, 100, status).size(), 50u);  // the other channel is untouched
}

TEST_F(AlarmOutboxTest, FailuresWaitForTheirRetryTimeThenDie) {
  AlarmOutbox outbox(path_, {"smtp"});
  ASSERT_TRUE(outbox.add(rows({"A:1:x", "A:2:x"}), 100).status.ok);
  StoreStatus status;
  auto due = outbox.due("smtp", 100, 10, status);
  std::vector<OutboxFailure> failures = {{due[0].alarm_id, 130.0}, {due[1].alarm_id, std::nullopt}};
  ASSERT_TRUE(outbox.mark_failed("smtp", failures, "451 try later", 100).ok);
  EXPECT_TRUE(outbox.due("smtp", 129, 10, status).empty());
  EXPECT_EQ(outbox.next_due("smtp"), 130.0);
  auto later = outbox.due("smtp", 130, 10, status);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].alarm_id, "A:1:x");
  EXPECT_EQ(later[0].attempts, 1);

  auto dead = outbox.dead(10);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].alarm_id, "A:2:x");
  EXPECT_EQ(dead[0].channel, "smtp");
  EXPECT_EQ(dead[0].attempts, 1);
  EXPECT_EQ(dead[0].last_error, "451 try later");

  EXPECT_EQ(outbox.retry_dead("file", 140), 0u);  // only the named channel
  EXPECT_EQ(outbox.retry_dead("", 140), 1u);
  EXPECT_TRUE(outbox.dead(10).empty());
  auto retried = outbox.due("smtp", 140, 10, status);
  ASSERT_EQ(retried.size(), 2u);
  EXPECT_EQ(retried[1].attempts, 0);  // a fresh set of attempts
}

TEST_F(AlarmOutboxTest, AReopenedOutboxRemembersEverythingAndFlagsSendsInFlight) {
  {
    AlarmOutbox outbox(path_, {"smtp"});
    ASSERT_TRUE(outbox.add(rows({"A:1:x", "A:2:x", "A:3:x"}), 100).status.ok);
    StoreStatus status;
    auto due = outbox.due("smtp", 100, 10, status);
    ASSERT_TRUE(outbox.mark_sent("smtp", std::span(due).subspan(0, 1), 100).ok);
    ASSERT_TRUE(outbox.mark_sending("smtp", std::span(due).subspan(1, 1), 100).ok);
    // The process dies here: A:2 was perhaps sent, A:3 certainly not.
  }
  AlarmOutbox outbox(path_, {"smtp"});
  StoreStatus status;
  auto due = outbox.due("smtp", 100, 10, status);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].alarm_id, "A:2:x");
  EXPECT_TRUE(due[0].maybe_sent);
  EXPECT_EQ(due[1].alarm_id, "A:3:x");
  EXPECT_FALSE(due[1].maybe_sent);
  EXPECT_EQ(outbox.add(rows({"A:1:x"}), 101).duplicates, 1u);  // still deduped after reopening
}

TEST_F(AlarmOutboxTest, PruneForgetsOnlyOldFullySentAlarmsWithoutASeq) {
  AlarmOutbox outbox(path_, {"smtp", "file"});
  ASSERT_TRUE(outbox.add(rows({"hook-old-1", "hook-old-2", "hook-new-1"}), 100).status.ok);
  StoreStatus status;
  auto smtp = outbox.due("smtp", 100, 10, status);
  auto file = outbox.due("file", 100, 10, status);
  ASSERT_TRUE(outbox.mark_sent("smtp", smtp, 110).ok);
  ASSERT_TRUE(outbox.mark_sent("file", std::span(file).subspan(0, 1), 110).ok);  // old-2 unsent on file
  EXPECT_EQ(outbox.add(rows({"hook-old-1"}), 111).duplicates, 1u) << "its id stays for redelivery checks";
  EXPECT_EQ(outbox.prune(105), 0u);   // sent after the cut-off: kept
  EXPECT_EQ(outbox.prune(1000), 1u);  // old-1 only: old-2 and new-1 still have a pending delivery
  EXPECT_EQ(outbox.add(rows({"hook-old-1"}), 1001).added, 1u);  // outside the window it is new again
}

TEST_F(AlarmOutboxTest, SentAlarmsLeaveOnlyTheirSeqMark) {
  AlarmOutbox outbox(path_, {"smtp", "file"});
  std::vector<std::string> ids;
  for (int i = 1; i <= 2000; ++i) ids.push_back(fmt::format("{}:{}:{}", i % 2 ? "AAPL" : "NASDAQ:MSFT", i, i % 3 ? "rsi" : "news"));
  ASSERT_TRUE(outbox.add(rows(ids), 100).status.ok);
  const auto full = outbox.space().used_bytes;
  StoreStatus status;
  for (const char* channel : {"smtp", "file"}) {
    auto due = outbox.due(channel, 100, 5000, status);
    ASSERT_EQ(due.size(), 2000u);
    ASSERT_TRUE(outbox.mark_sent(channel, due, 101).ok);
  }
  EXPECT_TRUE(outbox.counts().empty()) << "no delivery left: every alarm was sent on every channel";
  EXPECT_LT(outbox.space().used_bytes, full / 4) << "what stays is a mark per (key, rule), not per alarm";
  // A stage that re-emits after a restart: every copy is recognised, a later seq is new.
  auto again = outbox.add(rows({"AAPL:1:news", "AAPL:1999:rsi", "NASDAQ:MSFT:2000:rsi", "AAPL:2001:rsi", "AAPL:5:macro"}), 102);
  EXPECT_EQ(again.duplicates, 3u);
  EXPECT_EQ(again.added, 2u) << "a new seq, and a rule never seen for the key";
  // Marks survive a reopen.
  AlarmOutbox reopened(path_, {"smtp", "file"});
  EXPECT_EQ(reopened.add(rows({"AAPL:2001:rsi"}), 103).duplicates, 1u);
}

TEST_F(AlarmOutboxTest, CountsByChannelAndState) {
  AlarmOutbox outbox(path_, {"smtp"});
  ASSERT_TRUE(outbox.add(rows({"A:1:x", "A:2:x", "A:3:x"}), 100).status.ok);
  StoreStatus status;
  auto due = outbox.due("smtp", 100, 10, status);
  ASSERT_TRUE(outbox.mark_sent("smtp", std::span(due).subspan(0, 2), 100).ok);
  ASSERT_TRUE(outbox.mark_sending("smtp", std::span(due).subspan(2, 1), 100).ok);
  outbox.add(rows({"hook-1"}), 100);
  auto hook = outbox.due("smtp", 100, 10, status);
  ASSERT_EQ(hook.back().alarm_id, "hook-1");
  ASSERT_TRUE(outbox.mark_sent("smtp", std::span(hook).subspan(hook.size() - 1), 100).ok);
  auto counts = outbox.counts();  // sent signal alarms are gone; the id-only one stays as sent
  ASSERT_EQ(counts.size(), 2u);
  EXPECT_EQ(counts[0].state, "sending");
  EXPECT_EQ(counts[0].count, 1u);
  EXPECT_EQ(counts[1].state, "sent");
  EXPECT_EQ(counts[1].count, 1u);
}

TEST_F(AlarmOutboxTest, HostileIdsAreData) {
  AlarmOutbox outbox(path_, {"smtp"});
  std::vector<std::string> ids = {"x'); DROP TABLE alarms; --", "\"\\", std::string(10000, 'z')};
  ASSERT_TRUE(outbox.add(rows(ids), 100).status.ok);
  StoreStatus status;
  auto due = outbox.due("smtp", 100, 10, status);
  ASSERT_EQ(due.size(), 3u);
  EXPECT_EQ(due[0].alarm_id, ids[0]);
}

TEST_F(AlarmOutboxTest, AnUnwritablePlaceIsAClearStartUpError) {
  std::ofstream(dir_ / "a-file") << "x";
  try {
    AlarmOutbox outbox((dir_ / "a-file" / "outbox.sqlite").string(), {"smtp"});
    FAIL() << "opened an outbox under a file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot open the alarm outbox"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tickflow
