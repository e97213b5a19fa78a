// StringKeyCache: whatever it answers from its slots is what the map holds for that key,
// for keys that share a slot as well, and nothing stale after clear().
#include "src/core/string_key_map.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tickflow {
namespace {

TEST(StringKeyCache, AnswersWhatTheMapHoldsEvenWhenKeysShareASlot) {
  StringKeyMap<int> map;
  StringKeyCache<int> cache;
  // More keys than slots, so that many share one, looked up in an interleaved order.
  std::vector<std::string> keys;
  for (int i = 0; i < 500; ++i) keys.push_back("K" + std::to_string(i * 7919 % 1000));
  for (std::size_t round = 0; round < 3; ++round) {
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const std::string& key = keys[(i * 31 + round) % keys.size()];
      int& value = cache.entry_for(map, key);
      EXPECT_EQ(&value, &map.find(key)->second) << key;
      value += 1;
    }
  }
  for (const auto& key : keys) EXPECT_EQ(map.at(key), 3) << key;
  EXPECT_EQ(cache.find(map, "absent"), nullptr);
  EXPECT_EQ(map.size(), keys.size());
}

TEST(StringKeyCache, ForgetsErasedEntriesWhenCleared) {
  StringKeyMap<int> map;
  StringKeyCache<int> cache;
  cache.entry_for(map, "AAPL") = 1;
  ASSERT_NE(cache.find(map, "AAPL"), nullptr);  // now in its slot
  map.clear();
  cache.clear();
  EXPECT_EQ(cache.find(map, "AAPL"), nullptr);
  cache.entry_for(map, "AAPL") = 2;
  EXPECT_EQ(map.at("AAPL"), 2);
}

}  // namespace
}  // namespace tickflow
