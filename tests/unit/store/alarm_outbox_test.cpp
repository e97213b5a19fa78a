// The alarm outbox on a real SQLite file: dedupe by alarm_id, per-channel deliveries in
// order, retry times, dead letters and their retry, and what a reopened outbox remembers
// (a delivery left in "sending" comes back marked maybe-sent).
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
  for (int i = 0; i < 50; ++i) ids.push_back(fmt::format("S:{}:x", 50 - i));
  ASSERT_TRUE(outbox.add(rows(ids), 100).status.ok);
  StoreStatus status;
  auto due = outbox.due("smtp", 100, 10, status);
  ASSERT_EQ(due.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(due[i].alarm_id, ids[i]);
  EXPECT_EQ(due[0].payload, "{\"alarm_id\":\"S:50:x\"}");
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

TEST_F(AlarmOutboxTest, PruneForgetsOnlyOldFullySentAlarms) {
  AlarmOutbox outbox(path_, {"smtp", "file"});
  ASSERT_TRUE(outbox.add(rows({"old:1:x", "old:2:x", "new:1:x"}), 100).status.ok);
  StoreStatus status;
  auto smtp = outbox.due("smtp", 100, 10, status);
  auto file = outbox.due("file", 100, 10, status);
  ASSERT_TRUE(outbox.mark_sent("smtp", smtp, 110).ok);
  ASSERT_TRUE(outbox.mark_sent("file", std::span(file).subspan(0, 1), 110).ok);  // old:2 unsent on file
  EXPECT_EQ(outbox.prune(105), 0u);   // sent after the cut-off: kept
  EXPECT_EQ(outbox.prune(1000), 1u);  // old:1 only: old:2 and new:1 still have a pending delivery
  EXPECT_EQ(outbox.add(rows({"old:1:x"}), 1001).added, 1u);  // outside the window it is new again
}

TEST_F(AlarmOutboxTest, CountsByChannelAndState) {
  AlarmOutbox outbox(path_, {"smtp"});
  ASSERT_TRUE(outbox.add(rows({"A:1:x", "A:2:x", "A:3:x"}), 100).status.ok);
  StoreStatus status;
  auto due = outbox.due("smtp", 100, 10, status);
  ASSERT_TRUE(outbox.mark_sent("smtp", std::span(due).subspan(0, 2), 100).ok);
  auto counts = outbox.counts();
  ASSERT_EQ(counts.size(), 2u);
  EXPECT_EQ(counts[0].state, "pending");
  EXPECT_EQ(counts[0].count, 1u);
  EXPECT_EQ(counts[1].state, "sent");
  EXPECT_EQ(counts[1].count, 2u);
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
