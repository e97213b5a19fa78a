// Hash map keyed by std::string that is looked up with a std::string_view, without building
// a std::string per lookup (per-symbol state on every hot path).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tickflow {

struct StringKeyHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

template <typename Value>
using StringKeyMap = std::unordered_map<std::string, Value, StringKeyHash, std::equal_to<>>;

// The entry for `key`, default-constructed on first use.
template <typename Value>
Value& entry_for(StringKeyMap<Value>& map, std::string_view key) {
  auto it = map.find(key);
  if (it == map.end()) it = map.emplace(std::string(key), Value{}).first;
  return it->second;
}

}  // namespace tickflow
