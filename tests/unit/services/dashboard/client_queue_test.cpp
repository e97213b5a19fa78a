// ClientQueue: the latest tick per symbol wins while a page is behind; alarms and other
// never-dropped messages are all kept, in order, up to the bound that triggers a resync.
#include "src/services/dashboard/client_queue.hpp"

#include <gtest/gtest.h>

namespace tickflow {
namespace {

FeedMessage message(std::uint64_t cursor, std::string type, std::string symbol) {
  return {cursor, type, symbol, "{\"c\":" + std::to_string(cursor) + "}"};
}

TEST(ClientQueue, APageThatKeepsUpGetsEveryMessage) {
  ClientQueue q(100, 10);
  for (std::uint64_t i = 1; i <= 5; ++i) q.push(message(i, "tick", "A"));
  EXPECT_EQ(q.conflated(), 0u);
  EXPECT_EQ(q.take_batch(100), R"([{"c":1},{"c":2},{"c":3},{"c":4},{"c":5}])");
}

TEST(ClientQueue, LatestTickPerSymbolWinsOnceBehind) {
  ClientQueue q(100, 0);
  q.push(message(1, "tick", "A"));
  q.push(message(2, "tick", "B"));
  q.push(message(3, "tick", "A"));
  q.push(message(4, "alarm", "A"));
  q.push(message(5, "tick", "A"));
  EXPECT_EQ(q.size(), 3u);
  EXPECT_EQ(q.conflated(), 2u);
  EXPECT_EQ(q.take_batch(100), R"([{"c":5},{"c":2},{"c":4}])");
  EXPECT_EQ(q.size(), 0u);
  EXPECT_EQ(q.take_batch(100), "");
}

TEST(ClientQueue, AfterABatchIsTakenANewTickQueuesAgain) {
  ClientQueue q(100, 0);
  q.push(message(1, "tick", "A"));
  EXPECT_EQ(q.take_batch(100), R"([{"c":1}])");
  q.push(message(2, "tick", "A"));
  q.push(message(3, "tick", "A"));
  EXPECT_EQ(q.take_batch(100), R"([{"c":3}])");
}

TEST(ClientQueue, AlarmsAndNotificationsAreNeverConflated) {
  ClientQueue q(100);
  for (std::uint64_t i = 1; i <= 10; ++i) q.push(message(i, i % 2 ? "alarm" : "notification", "A"));
  EXPECT_EQ(q.size(), 10u);
  EXPECT_EQ(q.conflated(), 0u);
}

TEST(ClientQueue, BatchesAreBoundedAndKeepOrder) {
  ClientQueue q(100);
  for (std::uint64_t i = 1; i <= 5; ++i) q.push(message(i, "signal", "A"));
  EXPECT_EQ(q.take_batch(2), R"([{"c":1},{"c":2}])");
  EXPECT_EQ(q.take_batch(2), R"([{"c":3},{"c":4}])");
  EXPECT_EQ(q.take_batch(2), R"([{"c":5}])");
}

TEST(ClientQueue, TooFarBehindOverflowsAndResetStartsAfresh) {
  ClientQueue q(3, 0);
  for (std::uint64_t i = 1; i <= 3; ++i) q.push(message(i, "alarm", "A"));
  EXPECT_FALSE(q.overflowed());
  q.push(message(4, "alarm", "A"));
  EXPECT_TRUE(q.overflowed());
  q.reset(10);
  EXPECT_FALSE(q.overflowed());
  EXPECT_EQ(q.size(), 0u);
  q.push(message(9, "alarm", "A"));  // already in the snapshot the page got
  q.push(message(11, "alarm", "A"));
  EXPECT_EQ(q.take_batch(10), R"([{"c":11}])");
}

TEST(ClientQueue, ConflationKeepsTheQueueBoundedUnderATickFlood) {
  ClientQueue q(1000, 100);
  for (std::uint64_t i = 1; i <= 100000; ++i) q.push(message(i, "tick", "S" + std::to_string(i % 50)));
  EXPECT_EQ(q.size(), 100u);  // every tick until 100 waited, then one slot per symbol kept current
  EXPECT_FALSE(q.overflowed());
}

}  // namespace
}  // namespace tickflow
