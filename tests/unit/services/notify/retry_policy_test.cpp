// Backoff doubles with jitter up to its cap and ends in the dead letter; burst control
// counts the mails of the last minute.
#include "src/services/notify/retry_policy.hpp"

#include <gtest/gtest.h>

#include "src/services/notify/burst_window.hpp"

namespace tickflow {
namespace {

TEST(RetryPolicy, DoublesWithEqualJitterUpToTheCap) {
  RetryPolicy p{.max_attempts = 10, .initial_seconds = 1, .max_seconds = 30, .dead_letter_permanent = true};
  EXPECT_DOUBLE_EQ(*retry_delay(p, 1, false, 0.0), 0.5);
  EXPECT_DOUBLE_EQ(*retry_delay(p, 1, false, 1.0), 1.0);
  EXPECT_DOUBLE_EQ(*retry_delay(p, 2, false, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(*retry_delay(p, 3, false, 0.5), 3.0);
  EXPECT_DOUBLE_EQ(*retry_delay(p, 9, false, 1.0), 30.0);  // 256 s capped at 30
  EXPECT_DOUBLE_EQ(*retry_delay(p, 9, false, 0.0), 15.0);
}

TEST(RetryPolicy, DeadLettersAfterMaxAttemptsOrAPermanentRefusal) {
  RetryPolicy p{.max_attempts = 3, .initial_seconds = 1, .max_seconds = 30, .dead_letter_permanent = true};
  EXPECT_TRUE(retry_delay(p, 2, false, 0.5).has_value());
  EXPECT_FALSE(retry_delay(p, 3, false, 0.5).has_value());
  EXPECT_FALSE(retry_delay(p, 1, true, 0.5).has_value());
  p.dead_letter_permanent = false;  // then a refusal is retried like any failure
  EXPECT_TRUE(retry_delay(p, 1, true, 0.5).has_value());
  EXPECT_FALSE(retry_delay(p, 3, true, 0.5).has_value());
}

TEST(RetryPolicy, HugeAttemptCountsDoNotOverflow) {
  RetryPolicy p{.max_attempts = 1 << 30, .initial_seconds = 1, .max_seconds = 300, .dead_letter_permanent = true};
  EXPECT_DOUBLE_EQ(*retry_delay(p, 100000, false, 1.0), 300.0);
}

TEST(BurstWindow, BudgetIsWhatIsLeftOfTheLastMinute) {
  BurstWindow w(3);
  EXPECT_EQ(w.budget(1000), 3u);
  w.sent(1000);
  w.sent(1010);
  EXPECT_EQ(w.budget(1020), 1u);
  w.sent(1020);
  EXPECT_EQ(w.budget(1030), 0u);
  EXPECT_EQ(w.budget(1060.5), 1u);  // the mail of t=1000 has left the window
  EXPECT_EQ(w.budget(1081), 3u);
}

TEST(BurstWindow, ZeroMeansNoLimit) {
  BurstWindow w(0);
  for (int i = 0; i < 1000; ++i) w.sent(i * 0.001);
  EXPECT_GT(w.budget(1), 1000000u);
}

}  // namespace
}  // namespace tickflow
