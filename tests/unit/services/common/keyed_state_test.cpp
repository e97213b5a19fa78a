// KeyedState's checkpoints save the state as it was when noted (snapshot), which is what
// goes with the input position the stage commits, not the state of records applied since;
// notes taken twice before a save keep the later one; a seq applied already is skipped.
#include "src/services/common/keyed_state.hpp"

#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

namespace tickflow {
namespace {

struct Counter {
  std::int64_t value = 0;
};

class KeyedStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("tickflow-keyed-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "-" +
              std::to_string(::getpid()) + ".sqlite"))
                .string();
    std::filesystem::remove(path_);
  }
  void TearDown() override {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }

  std::unique_ptr<KeyedState<Counter>> open() {
    auto keys = std::make_unique<KeyedState<Counter>>("test", [] { return Counter{}; });
    keys->open(
        path_, "counter v1", [](const Counter& c, StateWriter& w) { w.put(c.value); },
        [](Counter& c, StateReader& r) { return r.get(c.value); });
    return keys;
  }

  // Applies seq to key and adds `add` to its counter; false when the seq was applied already.
  static bool add(KeyedState<Counter>& keys, std::string_view key, std::uint64_t seq, std::int64_t add) {
    auto* e = keys.apply(key, seq);
    if (e == nullptr) return false;
    e->state.value += add;
    return true;
  }

  std::string path_;
};

TEST_F(KeyedStateTest, SavesTheStateAsNotedNotAsItIsWhenSaved) {
  {
    auto keys = open();
    ASSERT_TRUE(add(*keys, "AAPL", 1, 10));
    keys->snapshot();                        // the checkpoint begins here
    ASSERT_TRUE(add(*keys, "AAPL", 2, 5));   // handled while its outputs wait for acks
    ASSERT_TRUE(keys->save());               // those acks came: save what was noted
  }
  auto reopened = open();
  EXPECT_TRUE(add(*reopened, "AAPL", 2, 0)) << "seq 2 was not part of the checkpoint; it must be applied again";
  auto* e = reopened->apply("AAPL", 3);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->state.value, 10);
  EXPECT_FALSE(add(*reopened, "AAPL", 1, 0)) << "seq 1 was saved and must be skipped";
}

TEST_F(KeyedStateTest, ALaterNoteOfAKeyReplacesAnEarlierOneNotYetSaved) {
  {
    auto keys = open();
    ASSERT_TRUE(add(*keys, "MSFT", 1, 1));
    ASSERT_TRUE(add(*keys, "IBM", 1, 7));
    keys->snapshot();
    ASSERT_TRUE(add(*keys, "MSFT", 2, 1));
    keys->snapshot();  // the first note was never saved (a failed save keeps it): both go now
    ASSERT_TRUE(keys->save());
  }
  auto reopened = open();
  EXPECT_FALSE(add(*reopened, "MSFT", 2, 0));
  EXPECT_FALSE(add(*reopened, "IBM", 1, 0));
  EXPECT_EQ(reopened->apply("MSFT", 3)->state.value, 2);
  EXPECT_EQ(reopened->apply("IBM", 2)->state.value, 7);
}

TEST_F(KeyedStateTest, ForgettingDropsNotesThatWereNotSaved) {
  {
    auto keys = open();
    ASSERT_TRUE(add(*keys, "AAPL", 1, 10));
    keys->snapshot();
    keys->forget();  // partitions changed: the records come again to whoever owns them
    ASSERT_TRUE(keys->save());
  }
  auto reopened = open();
  EXPECT_TRUE(add(*reopened, "AAPL", 1, 0)) << "an unsaved note was saved after forget()";
}

}  // namespace
}  // namespace tickflow
